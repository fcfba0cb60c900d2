//! The edges that run commands. Each [`Cmd`] from `update` names its edge, and each edge has one
//! executor here that runs its commands and answers with [`Msg`]s on one channel:
//!
//! - `cache`: the `SQLite` cache, in issue order, off the UI loop;
//! - `feeds`: refreshing publications through the one bounded fan-out;
//! - `github`: the session (sign-in, the stored token) and every GitHub call;
//! - `system`: the browser and the clipboard.
//!
//! The routing is a `match` the compiler checks: a command added to an edge's enum that its
//! executor does not handle does not build. The UI loop (`ui_loop`) merges terminal events,
//! ticks and answers, and draws only when the state changed.

mod cache;
pub mod config_watch;
mod feeds;
mod github;
mod system;
mod ui_loop;

use tokio::sync::mpsc;

use crate::app::{CacheCmd, Cmd, Msg};
use crate::auth::Auth;
use crate::config::Publication;
use crate::fetch::Fetcher;
use crate::github::GithubSession;
use crate::store::SharedStore;

pub use system::Edges;
pub use ui_loop::run;

/// Every executor, built once by [`Runtime::new`].
pub struct Runtime {
    cache: cache::CacheExecutor,
    feeds: feeds::FeedExecutor,
    github: github::GithubExecutor,
    system: system::SystemExecutor,
}

impl Runtime {
    /// `auth` is `None` for a reader without sign-in (tests of the reader alone). Answers go to
    /// `tx`.
    #[must_use]
    #[allow(clippy::needless_pass_by_value)] // the runtime owns its edges' handles from here on
    pub fn new(
        store: SharedStore,
        fetcher: Fetcher,
        publications: Vec<Publication>,
        edges: Edges,
        auth: Option<Auth>,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Self {
        Self {
            cache: cache::CacheExecutor::new(store.clone(), tx.clone()),
            feeds: feeds::FeedExecutor::new(fetcher, store.clone(), publications, tx.clone()),
            github: github::GithubExecutor::new(auth, store.clone(), tx.clone()),
            system: system::SystemExecutor::new(edges, tx),
        }
    }

    /// Starts a command; its answer arrives later on the channel.
    pub fn exec(&self, cmd: Cmd) {
        match cmd {
            Cmd::Cache(c) => self.cache.exec(c),
            Cmd::Feeds(c) => self.feeds.exec(c),
            Cmd::Github(c) => self.github.exec(c),
            Cmd::System(c) => self.system.exec(c),
        }
    }

    /// Runs a cache command at once and returns its answer: the first frame already shows
    /// cached news.
    pub fn run_now(&self, cmd: &CacheCmd) -> Option<Msg> {
        self.cache.run_now(cmd)
    }

    /// Housekeeping that must not delay the first frame.
    pub(crate) fn after_first_frame(&self) {
        self.cache.sync_names(&self.feeds.publications());
    }

    /// With `--insecure-storage`: a sign-in keeps the token in a 0600 file, not the keyring.
    #[must_use]
    pub fn with_insecure_storage(mut self, insecure: bool) -> Self {
        if insecure {
            self.github.storage = crate::auth::StorageChoice::InsecureFile;
        }
        self
    }

    /// Reads the config from `source` again on `C` (`SystemCmd::ReloadConfig`), on SIGHUP and
    /// whenever the file changes; each reading answers with `Msg::ConfigReloaded`. Needs a
    /// running tokio runtime.
    pub fn watch_config(&self, source: config_watch::ConfigSource) {
        self.system.watch_config(source);
    }

    /// The terminal can be handed to a text-mode browser or the shell.
    pub(crate) fn real_terminal(&self) -> bool {
        self.system.real_terminal()
    }

    /// The cache every executor shares.
    pub fn store(&self) -> &SharedStore {
        self.cache.store()
    }

    /// Turns sync on for this reader: rounds apply subscriptions to `config_file`.
    #[must_use]
    pub fn with_sync(mut self, config_file: Option<std::path::PathBuf>) -> Self {
        self.github.sync_config = config_file;
        self
    }

    /// The GitHub session, once signed in.
    pub fn github_session(&self) -> Option<GithubSession> {
        self.github.session()
    }
}
