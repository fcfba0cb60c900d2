//! The system executor: what leaves the process — the browser and the clipboard. Both are
//! injectable ([`Edges`]) so whole-app tests can watch them.

use tokio::sync::mpsc;

use crate::app::{Msg, SystemCmd};

type OpenUrl = Box<dyn Fn(String, mpsc::UnboundedSender<Msg>) + Send + Sync>;
type Copy = Box<dyn Fn(&str) -> std::io::Result<crate::app::Copied> + Send + Sync>;

/// Side effects that leave the process.
pub struct Edges {
    /// Opens a URL in the browser. Must not block (the default spawns a thread).
    pub open_url: OpenUrl,
    /// Puts text on the clipboard.
    pub copy: Copy,
    /// Whether the terminal is a real one that can be handed over: to a text-mode browser
    /// (which the UI loop runs in the foreground, the reader suspended) and to the shell on
    /// Ctrl-Z.
    pub real_terminal: bool,
}

impl Edges {
    /// The real ones: `$BROWSER` or the platform opener, and the clipboard by the surest means
    /// at hand (tmux, OSC 52, a desktop clipboard tool).
    pub fn system() -> Self {
        Self {
            open_url: Box::new(|url, tx| {
                let problem = match crate::browser::plan(&url) {
                    Some(crate::browser::Launch::Detached(cmd)) => {
                        crate::browser::spawn_detached(cmd)
                            .err()
                            .map(|e| e.to_string())
                    }
                    // Run in the foreground by the UI loop, never here.
                    Some(crate::browser::Launch::Terminal(_)) => None,
                    None => Some("none found; set $BROWSER".into()),
                };
                if let Some(e) = problem {
                    let _ = tx.send(Msg::Problem(format!("Could not open a browser: {e}")));
                }
            }),
            copy: Box::new(crate::terminal::copy_to_clipboard),
            real_terminal: true,
        }
    }
}

pub(super) struct SystemExecutor {
    edges: Edges,
    tx: mpsc::UnboundedSender<Msg>,
    /// Where `ReloadConfig` reads the config from, once the reader says (`watch_config`).
    config: std::sync::OnceLock<super::config_watch::ConfigSource>,
}

impl SystemExecutor {
    pub(super) fn new(edges: Edges, tx: mpsc::UnboundedSender<Msg>) -> Self {
        Self {
            edges,
            tx,
            config: std::sync::OnceLock::new(),
        }
    }

    pub(super) fn watch_config(&self, source: super::config_watch::ConfigSource) {
        super::config_watch::start(&source, &self.tx);
        let _ = self.config.set(source);
    }

    pub(super) fn real_terminal(&self) -> bool {
        self.edges.real_terminal
    }

    pub(super) fn exec(&self, cmd: SystemCmd) {
        match cmd {
            SystemCmd::OpenUrl(url) => (self.edges.open_url)(url, self.tx.clone()),
            SystemCmd::Copy(text) => {
                let result = (self.edges.copy)(&text).map_err(|e| e.to_string());
                let _ = self.tx.send(Msg::Copied { text, result });
            }
            SystemCmd::ReloadConfig => match self.config.get() {
                Some(source) => super::config_watch::reload(source.clone(), true, self.tx.clone()),
                None => {
                    let _ = self.tx.send(Msg::Problem(
                        "This reader has no config file to reload".into(),
                    ));
                }
            },
            // A terminal player is run in the foreground by the UI loop; here only what
            // runs detached (or where no terminal can be handed over).
            SystemCmd::Play { argv, url, .. } => {
                let started = crate::player::command(&argv, &url)
                    .ok_or_else(|| "no program configured".to_owned())
                    .and_then(|c| crate::player::spawn_detached(c).map_err(|e| e.to_string()));
                if let Err(e) = started {
                    let program = argv.first().map_or("", String::as_str);
                    let _ = self
                        .tx
                        .send(Msg::Problem(format!("Could not start {program}: {e}")));
                }
            }
        }
    }
}
