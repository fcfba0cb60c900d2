//! The config, read again while the reader runs: on `C` (`SystemCmd::ReloadConfig`), on SIGHUP,
//! and whenever the file changes on disk. Each reading is validated here, as at start-up (the
//! file with its line and column, the key tables), and goes to the core as
//! `Msg::ConfigReloaded`; the core decides what changes.
//!
//! Why watch the file rather than have `newsroom add` signal the reader: every writer is seen
//! the same way (`add`, `remove`, `import`, an editor, a dotfiles tool, another newsroom), there
//! is no pid file to go stale or to point at the wrong process, and two readers on the same
//! config both follow it. The directory is watched, not the file, since `add` and editors
//! replace the file by a rename (and, for a symlinked config, the directory of the file it
//! points at). SIGHUP and `C` remain for file systems that report nothing.

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use notify::Watcher as _;
use tokio::sync::mpsc;

use crate::app::{Msg, NewConfig};
use crate::config::Config;
use crate::keys::KeyMap;

/// Writers touch a file several times per save (a temp file, a rename, a chmod): the file is
/// read once it has been quiet this long.
const QUIET: Duration = Duration::from_millis(150);
/// However busy the file is, it is read at least this often.
const MAX_WAIT: Duration = Duration::from_secs(2);

/// Where the config comes from, as at start-up: `--config`, else the platform's file (which
/// need not exist: then the defaults).
#[derive(Debug, Clone)]
pub struct ConfigSource {
    pub explicit: Option<PathBuf>,
    pub default: Option<PathBuf>,
    /// Follow changes to the file. Off only where a test checks SIGHUP and `C` alone.
    pub watch: bool,
}

impl ConfigSource {
    /// The file a reading reads (or would, once it exists).
    #[must_use]
    pub fn file(&self) -> Option<&Path> {
        self.explicit.as_deref().or(self.default.as_deref())
    }

    /// Reads and validates the config as start-up does; the error names the file, line and
    /// column.
    pub fn read(&self) -> Result<NewConfig, String> {
        let cfg = Config::load(self.explicit.as_deref(), self.default.as_deref())
            .map_err(|e| e.to_string())?;
        let pub_keys: Vec<(Option<char>, String)> = cfg
            .publications
            .iter()
            .map(|p| (p.key, p.name.clone()))
            .collect();
        let keys = KeyMap::new(&cfg.keys, &pub_keys).map_err(|e| match &cfg.source {
            Some(p) => format!("{}: {e}", p.display()),
            None => e,
        })?;
        let mut theme = cfg.theme;
        // https://no-color.org, as at start-up.
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            theme.color = false;
        }
        let has_client_id = crate::auth::EnvOverrides::from_env().client_id.is_some()
            || cfg.github.client_id.is_some()
            || crate::auth::BUILT_IN_CLIENT_ID.is_some();
        Ok(NewConfig {
            // The edge reads `TZ`, as at start; the core gets the zone as data.
            zone: crate::timefmt::zone(cfg.ui.utc),
            enclosure_commands: cfg.commands.clone(),
            github_pubs: crate::github::pubs::publications(cfg.github.inbox, cfg.github.releases),
            keys,
            theme,
            refresh_every: cfg.fetch.refresh_every,
            has_client_id,
            github: cfg.github,
            publications: cfg.publications,
        })
    }
}

/// Reads the config off the async threads and answers with `Msg::ConfigReloaded`.
pub(super) fn reload(source: ConfigSource, asked: bool, tx: mpsc::UnboundedSender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let result = source.read().map(Box::new);
        let _ = tx.send(Msg::ConfigReloaded { asked, result });
    });
}

/// Starts what reads the config again by itself: SIGHUP (while the terminal is there; a hangup
/// ends the reader, see `terminal_signals`) and, if asked, changes to the file.
pub(super) fn start(source: &ConfigSource, tx: &mpsc::UnboundedSender<Msg>) {
    #[cfg(unix)]
    {
        let (source, tx) = (source.clone(), tx.clone());
        tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut hup) = signal(SignalKind::hangup()) else {
                return;
            };
            while hup.recv().await.is_some() {
                if tx.is_closed() {
                    return;
                }
                if crate::terminal_signals::terminal_present() {
                    reload(source.clone(), true, tx.clone());
                }
            }
        });
    }
    if source.watch
        && let Some(file) = source.file()
    {
        let (source, tx, file) = (source.clone(), tx.clone(), file.to_path_buf());
        let (armed, ready) = std_mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("config-watch".into())
            .spawn(move || watch(&file, &source, &tx, &armed));
        match spawned {
            // A change written once this returns is seen (bounded: a stuck watcher does not
            // hold the reader up).
            Ok(_) => drop(ready.recv_timeout(MAX_WAIT)),
            Err(e) => tracing::warn!("cannot watch the config file: {e}"),
        }
    }
}

/// Watches the config's directory (or, until it exists, the one above) and reads the config
/// after each burst of changes to the file, when its text changed. Ends when the reader does.
fn watch(
    file: &Path,
    source: &ConfigSource,
    tx: &mpsc::UnboundedSender<Msg>,
    armed: &std_mpsc::Sender<()>,
) {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let (events, rx) = std_mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = match notify::recommended_watcher(events) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!("cannot watch the config file: {e}");
            return;
        }
    };
    let mut watching_dir = arm(&mut watcher, dir);
    // A config that is a symlink into another directory (a dotfiles repository): that
    // directory too, for the file the link points at.
    let target = std::fs::canonicalize(file)
        .ok()
        .filter(|real| real.parent() != std::fs::canonicalize(dir).ok().as_deref());
    if let Some(up) = target.as_deref().and_then(Path::parent)
        && let Err(e) = watcher.watch(up, notify::RecursiveMode::NonRecursive)
    {
        tracing::warn!("cannot watch {} for the config: {e}", up.display());
    }
    let mut last = std::fs::read(file).ok();
    let _ = armed.send(());
    let concerns = |ev: &notify::Event, dir_watched: bool| {
        !matches!(ev.kind, notify::EventKind::Access(_))
            && ev.paths.iter().any(|p| {
                p.file_name() == Some(name)
                    || (!dir_watched && p.file_name() == dir.file_name())
                    || target
                        .as_deref()
                        .is_some_and(|t| p.file_name() == t.file_name())
            })
    };
    while let Ok(first) = rx.recv() {
        let Ok(first) = first else { continue };
        if !concerns(&first, watching_dir) {
            continue;
        }
        // The burst: wait until the file has been quiet, bounded.
        let start = Instant::now();
        while start.elapsed() < MAX_WAIT {
            match rx.recv_timeout(QUIET) {
                Ok(_) => {}
                Err(std_mpsc::RecvTimeoutError::Timeout) => break,
                Err(std_mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        if !watching_dir {
            // The config's directory appeared (`add` creates it): watch it from now on.
            watching_dir = arm(&mut watcher, dir);
        }
        let now = std::fs::read(file).ok();
        if now == last {
            continue; // touched, not changed
        }
        last = now;
        if tx.is_closed() {
            return;
        }
        let result = source.read().map(Box::new);
        if tx
            .send(Msg::ConfigReloaded {
                asked: false,
                result,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Watches `dir` if it exists (true), else the directory above it, to see `dir` appear.
fn arm(watcher: &mut notify::RecommendedWatcher, dir: &Path) -> bool {
    if watcher
        .watch(dir, notify::RecursiveMode::NonRecursive)
        .is_ok()
    {
        return true;
    }
    if let Some(up) = dir.parent()
        && let Err(e) = watcher.watch(up, notify::RecursiveMode::NonRecursive)
    {
        tracing::warn!("cannot watch {} for the config: {e}", up.display());
    }
    false
}
