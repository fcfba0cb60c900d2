//! The command line, defined once: used to parse arguments and to generate shell completions and
//! the man page, so they always agree.

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use roff::{Roff, bold, italic, roman};

use crate::paths::Paths;

#[derive(Debug, Parser)]
#[command(
    name = "newsroom",
    version,
    about = "A fast terminal news reader: RSS, Atom and JSON Feed in a split pane",
    long_about = "A fast terminal news reader: RSS, Atom and JSON Feed in a split pane.\n\n\
        Run with no command to read. Publications come from the config file \
        (BBC and CNN by default)."
)]
pub struct Cli {
    /// Read this config file instead of the default one.
    #[arg(long, global = true, value_name = "PATH", env = "NEWSROOM_CONFIG")]
    pub config: Option<PathBuf>,

    /// Use this cache database instead of the default one.
    #[arg(long, global = true, value_name = "PATH", env = "NEWSROOM_DB")]
    pub db: Option<PathBuf>,

    /// Log more (debug level) to the log file.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print where the log file is, and exit.
    #[arg(long)]
    pub log_path: bool,

    /// In the reader: sign in keeping the token in a plain file (mode 0600) when no OS
    /// keyring is available, as `login --insecure-storage` does.
    #[arg(long)]
    pub insecure_storage: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to GitHub with a one-time code (device flow).
    Login {
        /// Keep the token in a plain file (mode 0600) when no OS keyring is available.
        #[arg(long)]
        insecure_storage: bool,
    },
    /// Forget the stored GitHub token on this machine.
    Logout,
    /// Show who is signed in, where the token is kept and its scopes.
    Status,
    /// Refresh every publication without the TUI (for cron and timers).
    Fetch {
        /// Revalidate every feed even if still fresh.
        #[arg(long)]
        force: bool,
        /// Print one JSON object per publication, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Search the cached articles, as `/` does in the reader. Exits 1 when nothing matches.
    ///
    /// Words match as prefixes and all must match; "an exact phrase" in quotes; -word leaves
    /// out articles with that word (after `--`, or inside one quoted query: `'storm -rain'`).
    /// Case and accents are ignored.
    Search {
        /// The words to look for.
        #[arg(required = true)]
        query: Vec<String>,
        /// Print one JSON object per article, one per line.
        #[arg(long)]
        json: bool,
        /// Only unread articles.
        #[arg(long, conflicts_with = "starred")]
        unread: bool,
        /// Only starred articles.
        #[arg(long)]
        starred: bool,
        /// At most this many articles, best first.
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: usize,
    },
    /// Import publications from an OPML file.
    Import {
        /// The OPML file (from newsboat, another reader, or `newsroom export`).
        file: PathBuf,
    },
    /// Export publications as OPML.
    Export {
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Add a publication by feed URL, or by a site URL whose page links to its feed.
    Add {
        url: String,
        /// The name to show (default: the feed's title).
        #[arg(long)]
        name: Option<String>,
        /// When the page advertises several feeds, take the Nth (as listed; asked otherwise
        /// when run in a terminal).
        #[arg(long, value_name = "N")]
        pick: Option<usize>,
    },
    /// Sync subscriptions and read/starred state through a secret gist of yours (needs the
    /// `gist` scope): one round, then what changed. The first run turns sync on.
    Sync {
        /// Turn sync off (the gist is left as it is).
        #[arg(long)]
        off: bool,
        /// Enter the sync passphrase (again) on the terminal and keep it in the keyring, for
        /// `[sync] encrypt = true`.
        #[arg(long, conflicts_with = "off")]
        passphrase: bool,
    },
    /// Remove a publication by name.
    Remove { name: String },
    /// List publications.
    List,
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// The command as the user meets it: `--help` names this machine's config file, since the
/// example config is not installed with the binary.
pub fn command(paths: Option<&Paths>) -> clap::Command {
    let cmd = Cli::command();
    let Some(file) = paths.and_then(|p| p.config_file.as_ref()) else {
        return cmd;
    };
    let about = format!(
        "{}\n\nConfig file: {} (it need not exist; `newsroom add URL` creates it, and \
         `newsroom man` documents every section).",
        cmd.get_long_about()
            .map(ToString::to_string)
            .unwrap_or_default(),
        file.display()
    );
    cmd.long_about(about)
}

/// Parses the process's arguments against [`command`] (exits on `--help`, `--version` or a
/// usage error, as clap does).
#[must_use]
pub fn parse() -> Cli {
    let paths = Paths::platform();
    let matches = command(paths.as_ref()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The man page: clap's generated sections, then one COMMANDS section (no per-command pages are
/// made, so none is referred to), KEYS from the key table the app uses, FILES with this
/// machine's paths, ENVIRONMENT and EXIT STATUS.
pub(crate) fn man_page(paths: &Paths) -> Vec<u8> {
    let mut cmd = command(Some(paths)).disable_help_subcommand(true);
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    let _ = man.render_options_section(&mut out);

    let mut r = Roff::new();
    r.control("SH", ["COMMANDS"]);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        r.control("TP", []);
        let usage = sub.clone().render_usage().to_string();
        let usage = usage.trim().trim_start_matches("Usage:").trim().to_owned();
        r.text([bold(usage)]);
        if let Some(about) = sub.get_about() {
            r.text([roman(about.to_string())]);
        }
        let args = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set() && a.get_id() != "help");
        for arg in args {
            let Some(help) = arg.get_help() else { continue };
            let value = arg.get_value_names().and_then(|v| v.first()).map_or_else(
                || arg.get_id().to_string().to_uppercase(),
                ToString::to_string,
            );
            let mut name = match (arg.get_short(), arg.get_long()) {
                (_, None) => format!("<{value}>"),
                (Some(s), Some(l)) => format!("-{s}, --{l}"),
                (None, Some(l)) => format!("--{l}"),
            };
            if arg.get_long().is_some() && arg.get_action().takes_values() {
                name.push_str(&format!(" <{value}>"));
            }
            r.control("RS", []);
            r.control("TP", []);
            r.text([italic(name)]);
            r.text([roman(help.to_string())]);
            r.control("RE", []);
        }
    }

    r.control("SH", ["KEYS"]);
    r.text([roman(
        "In the reader; ? shows the same table. The [keys] section of the config rebinds \
         them, and a publication's key selects it.",
    )]);
    if let Ok(km) = crate::app::KeyMap::new(&[], &[]) {
        for (keys, action) in km.help_rows(&[]) {
            r.control("TP", []);
            r.text([bold(keys)]);
            r.text([roman(action)]);
        }
    }

    r.control("SH", ["FILES"]);
    let files = [
        (
            paths.config_file.as_ref().map(|p| p.display().to_string()),
            "The config file: publications, fetching, cache limits, keys, theme, GitHub. \
             Optional; without it newsroom reads BBC and CNN. --config overrides it.",
        ),
        (
            Some(paths.db_file().display().to_string()),
            "The cache (SQLite): articles, read and starred marks. --db overrides it.",
        ),
        (
            Some(
                paths
                    .log_dir()
                    .join("newsroom.YYYY-MM-DD.log")
                    .display()
                    .to_string(),
            ),
            "The log, one file a day, the last seven kept (newsroom --log-path prints \
             today's). It never holds the token.",
        ),
        (
            Some(
                paths
                    .data_dir
                    .join("github-token-HOST.json")
                    .display()
                    .to_string(),
            ),
            "The token, only after login --insecure-storage (mode 0600); otherwise it is \
             kept in the OS keyring, service newsroom.",
        ),
    ];
    for (path, what) in files {
        let Some(path) = path else { continue };
        r.control("TP", []);
        r.text([italic(path)]);
        r.text([roman(what)]);
    }

    r.control("SH", ["ENVIRONMENT"]);
    for (name, what) in [
        ("NEWSROOM_CONFIG", "The config file, as --config."),
        ("NEWSROOM_DB", "The cache database, as --db."),
        (
            "NEWSROOM_GITHUB_TOKEN",
            "A GitHub token to use instead of the stored one (CI, scripts).",
        ),
        (
            "NEWSROOM_GITHUB_CLIENT_ID",
            "The client id of the GitHub OAuth app used to sign in, instead of [github] client_id.",
        ),
        (
            "NEWSROOM_LOG",
            "Log filter in tracing's syntax (e.g. debug), instead of the default level.",
        ),
        ("NO_COLOR", "When set, the reader uses no colours."),
        ("BROWSER", "The program o opens links with."),
        (
            "TMUX",
            "Inside tmux, y copies through tmux (its buffer and the outer terminal).",
        ),
        (
            "WAYLAND_DISPLAY, DISPLAY",
            "On a desktop, y also copies with wl-copy, xclip or xsel when installed.",
        ),
    ] {
        r.control("TP", []);
        r.text([bold(name)]);
        r.text([roman(what)]);
    }

    r.control("SH", ["EXIT STATUS"]);
    for (code, what) in [
        ("0", "Success."),
        (
            "1",
            "A failure at run time (a feed could not be fetched, a file not written).",
        ),
        (
            "2",
            "A usage or config error (named with its file, line and column).",
        ),
        ("4", "Not signed in, or the token is no longer valid."),
    ] {
        r.control("TP", []);
        r.text([bold(code)]);
        r.text([roman(what)]);
    }
    out.extend_from_slice(r.render().as_bytes());
    let _ = man.render_version_section(&mut out);
    out
}
