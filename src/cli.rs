//! The command line, defined once: used to parse arguments and to generate shell completions and
//! the man page, so they always agree.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "newsroom",
    version,
    about = "A fast terminal news reader: RSS, Atom and JSON Feed in a split pane",
    long_about = "A fast terminal news reader: RSS, Atom and JSON Feed in a split pane.\n\n\
        Run with no command to read. Publications come from the config file \
        (BBC and CNN by default); see config.example.toml."
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
