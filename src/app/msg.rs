//! The one vocabulary of change: every input is a [`Msg`]; every side effect `update` wants is a
//! [`Cmd`] that the runtime carries out and answers with more messages.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::state::Filter;
use crate::model::{Article, Headline, SearchHit, View, ViewRow};

/// How one publication's refresh ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    Updated {
        new: usize,
        items: usize,
        /// The cache held nothing of this publication before (see `store::MergeReport`).
        first: bool,
    },
    NotModified,
    /// Skipped: the cached copy is still fresh.
    Fresh,
    Failed(String),
    /// A GitHub publication the token has no scope for. `from_env`: the token is from
    /// `NEWSROOM_GITHUB_TOKEN`, so signing in again cannot help.
    NeedsScope {
        scope: String,
        from_env: bool,
    },
}

/// How a copy reached a clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copied {
    /// A program confirmed it: `tmux` (its buffer, and the outer terminal's clipboard as tmux's
    /// `set-clipboard` allows), `wl-copy`, `xclip` or `xsel`.
    By(&'static str),
    /// Only an OSC 52 request went to the terminal; whether it obeyed cannot be known.
    Osc52,
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick(DateTime<Utc>),
    Headlines {
        generation: u64,
        url: String,
        headlines: Vec<Headline>,
    },
    /// An opened article with its body already rendered to clean text; `request` is the
    /// id of the `LoadArticle` it answers.
    Article {
        request: u64,
        article: Box<Article>,
        text: String,
    },
    /// The answer to [`FeedCmd::FetchFullText`] (or a background extraction) for article `id`:
    /// the story as clean text, or why there is none (one line).
    FullText {
        id: i64,
        result: Result<String, String>,
    },
    SearchResults {
        generation: u64,
        hits: Vec<SearchHit>,
    },
    Refreshed {
        request: u64,
        url: String,
        outcome: FeedOutcome,
        at: DateTime<Utc>,
    },
    UnreadCounts(HashMap<String, u32>),
    /// Something at an edge failed in a way the user should see (cache, browser, clipboard).
    Problem(String),
    /// A copy to the clipboard ended: how it got there, or why it did not.
    Copied {
        text: String,
        result: Result<Copied, String>,
    },
    Info(String),
    /// The answer to [`CacheCmd::LoadView`]; dropped unless `generation` is the latest.
    ViewHeadlines {
        generation: u64,
        view: View,
        rows: Vec<ViewRow>,
    },
    /// The answer to [`CacheCmd::LoadStarredCount`].
    StarredCount(u32),
    /// The answer to [`CacheCmd::MarkAllRead`]: the articles it changed (were unread), which
    /// an undo gives back.
    MarkedAllRead {
        url: String,
        ids: Vec<i64>,
    },
    /// From the sign-in edge; `attempt` is the id of the check or sign-in it belongs to.
    Auth {
        attempt: u64,
        msg: super::signin::AuthMsg,
    },
    /// The config file read again (by `C`, SIGHUP, or because it changed on disk): the new
    /// config, validated, or why it is not (with its file, line and column). `asked`: the user
    /// asked for it (a key, a signal), so even "nothing changed" is said.
    ConfigReloaded {
        asked: bool,
        result: Result<Box<super::reload::NewConfig>, String>,
    },
    /// A sync round's answer (`src/app/sync.rs`).
    Synced {
        round: u64,
        outcome: super::sync::SyncOutcome,
    },
}

/// A side effect `update` asks for, routed by the compiler to the one executor of its edge:
/// adding a command to an edge's enum without handling it there does not build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    Cache(CacheCmd),
    Feeds(FeedCmd),
    Github(GithubCmd),
    System(SystemCmd),
}

/// The local cache (SQLite): reads answer with a `Msg`; writes answer only if they fail. Run in
/// the order issued, so a count read after a mark-read sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheCmd {
    LoadHeadlines {
        url: String,
        filter: Filter,
        generation: u64,
    },
    /// Load an article and render its body to text (at the edge, off the UI loop).
    LoadArticle {
        id: i64,
        request: u64,
    },
    /// Search every publication. Answered by `SearchResults`; a newer one replaces it.
    Search {
        query: String,
        filter: Filter,
        /// How many results: the first page, more as the cursor reaches the end.
        limit: usize,
        generation: u64,
    },
    LoadUnreadCounts,
    SetRead {
        id: i64,
        read: bool,
    },
    SetStarred {
        id: i64,
        starred: bool,
    },
    MarkAllRead {
        url: String,
    },
    /// The configured `(name, url)`s after a reload, so a renamed publication shows its new
    /// name everywhere the cache names it (search results).
    SyncNames {
        publications: Vec<(String, String)>,
    },
    /// The newest `limit` articles of a view across `publications` (their keys).
    LoadView {
        view: View,
        publications: Vec<String>,
        limit: usize,
        generation: u64,
    },
    LoadStarredCount {
        publications: Vec<String>,
    },
    /// Undo of a mark-all-read: these articles are unread again.
    MarkUnread {
        ids: Vec<i64>,
    },
}

/// The network, for publications: fetch, parse and merge into the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedCmd {
    /// Refresh these publications (by key); each answers with `Msg::Refreshed` as it finishes.
    Refresh {
        urls: Vec<String>,
        force: bool,
        request: u64,
    },
    /// Fetch article `id`'s web page, extract its story and store it with the article.
    FetchFullText { id: i64 },
    /// The publications as the reloaded config lists them: refreshes fetch these from now on.
    SetPublications(Vec<crate::config::Publication>),
}

/// GitHub: the session (sign-in, the stored token) and, later, the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GithubCmd {
    /// Check the stored token (in the background).
    CheckSession {
        attempt: u64,
    },
    /// Start a device-flow sign-in (cancelling any running one), asking for the configured
    /// scopes plus `scopes` (what a feature found missing).
    StartSignIn {
        attempt: u64,
        scopes: Vec<String>,
    },
    CancelSignIn,
    /// Refresh a GitHub publication (by key); answers with `Msg::Refreshed`. `force` is `r` on
    /// it, the one thing that polls sooner than GitHub asked. `attempt` is the session's auth
    /// id, for a `Revoked` answer.
    Refresh {
        key: String,
        force: bool,
        request: u64,
        attempt: u64,
    },
    /// Mark the notification of this article read on GitHub, or done (and drop it here).
    MarkThread {
        article: i64,
        done: bool,
    },
    /// Mark every notification read on GitHub, up to `at`.
    MarkAllThreadsRead {
        at: DateTime<Utc>,
    },
    /// `[github]` as the reloaded config has it: the next sign-in uses it (a client id added
    /// to the config works without a restart).
    Configure {
        github: crate::config::GithubConfig,
    },
    /// One sync round through the user's gist (`src/sync/round.rs`).
    Sync {
        round: u64,
    },
}

/// What leaves the process: the browser and the clipboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemCmd {
    /// Open an http(s) URL in the browser, without blocking the UI.
    OpenUrl(String),
    /// Put text on the clipboard; answered by [`Msg::Copied`].
    Copy(String),
    /// Read the config file again; answered by [`Msg::ConfigReloaded`].
    ReloadConfig,
    /// Play an enclosure with the user's command (`argv` from `[commands]`, the URL added as
    /// its own argument). `terminal`: hand it the terminal and wait, as for a text browser.
    Play {
        argv: Vec<String>,
        url: String,
        terminal: bool,
    },
}

macro_rules! into_cmd {
    ($($edge:ident($ty:ident)),*) => {$(
        impl From<$ty> for Cmd {
            fn from(c: $ty) -> Self {
                Self::$edge(c)
            }
        }
    )*};
}
into_cmd!(
    Cache(CacheCmd),
    Feeds(FeedCmd),
    Github(GithubCmd),
    System(SystemCmd)
);
