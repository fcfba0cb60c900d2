//! Dispatch: one function per command line, all errors funnelled into [`Failure`] with the exit
//! code it deserves.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::config::{Config, ConfigError};
use crate::paths::Paths;

/// An error for the user, with its exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The config or the command line is wrong: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Something failed at run time: exit 1.
    #[error("{0}")]
    Runtime(String),
    /// A failure with its own exit code (e.g. 4: not signed in, as `gh` does).
    #[error("{1}")]
    Code(u8, String),
    /// The command already told the user what went wrong; exit with this code quietly.
    #[error("")]
    Quiet(u8),
}

impl Failure {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Usage(_) => ExitCode::from(2),
            Self::Runtime(_) => ExitCode::from(1),
            Self::Code(c, _) | Self::Quiet(c) => ExitCode::from(*c),
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Self::Usage(e.to_string())
    }
}

/// Resolved locations for this run (flags override the platform's defaults).
pub struct Context {
    pub config: Config,
    pub paths: Paths,
    pub db: PathBuf,
    pub verbose: bool,
    /// The config file that `add`, `remove` and `import` edit.
    pub config_file: PathBuf,
}

pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let paths = Paths::platform().ok_or_else(|| {
        Failure::Runtime("cannot find a home directory: set HOME, or pass --config and --db".into())
    })?;
    if cli.log_path {
        println!("{}", paths.log_file().display());
        return Ok(ExitCode::SUCCESS);
    }
    match &cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "newsroom",
                &mut std::io::stdout(),
            );
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|e| Failure::Runtime(format!("cannot write the man page: {e}")))?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let config_file = cli
        .config
        .clone()
        .or_else(|| paths.config_file.clone())
        .ok_or_else(|| Failure::Usage("no config location: pass --config PATH".into()))?;
    // The commands that edit the config create it when it does not exist yet.
    let creates_config = matches!(
        cli.command,
        Some(Command::Add { .. } | Command::Import { .. } | Command::Remove { .. } | Command::List)
    );
    let config = if creates_config && !config_file.exists() {
        Config::defaults()
    } else {
        Config::load(cli.config.as_deref(), paths.config_file.as_deref())?
    };
    let db = cli.db.clone().unwrap_or_else(|| paths.db_file());
    let _log = crate::logging::init(&paths.log_dir(), cli.verbose);
    let ctx = Context {
        config,
        paths,
        db,
        verbose: cli.verbose,
        config_file,
    };
    // Few threads on purpose: the work is IO plus a parser per core and one cache writer, and
    // every extra thread costs memory (each gets its own malloc arena).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(3)
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the async runtime: {e}")))?;
    match cli.command {
        None => rt.block_on(crate::tui::run(&ctx)),
        Some(cmd) => rt.block_on(command(&ctx, cmd)),
    }
}

async fn command(ctx: &Context, cmd: Command) -> Result<ExitCode, Failure> {
    use crate::auth::cli as auth;
    let runtime = |e: &dyn std::fmt::Display| Failure::Runtime(e.to_string());
    let auth_failure = |e: crate::auth::AuthError| Failure::Code(e.exit_code(), e.to_string());
    let gh = &ctx.config.github;
    let data = &ctx.paths.data_dir;
    match cmd {
        Command::Login { insecure_storage } => {
            let opts = auth::LoginOptions {
                insecure_storage,
                open_browser_prompt: true,
            };
            auth::login(gh, data, opts).await.map_err(auth_failure)?;
        }
        Command::Logout => {
            auth::logout(gh, data).await.map_err(auth_failure)?;
        }
        Command::Status => {
            auth::status(gh, data).await.map_err(auth_failure)?;
        }
        Command::Fetch { force, json } => {
            let opts = crate::headless::FetchOptions { force, json };
            let all_ok = crate::headless::fetch_command(&ctx.config, &ctx.db, opts)
                .await
                .map_err(|e| runtime(&e))?;
            if !all_ok {
                return Err(Failure::Quiet(1));
            }
        }
        Command::Search {
            query,
            json,
            unread,
            starred,
            limit,
        } => {
            let only = match (unread, starred) {
                (true, _) => crate::store::Only::Unread,
                (_, true) => crate::store::Only::Starred,
                _ => crate::store::Only::All,
            };
            let hits = search_command(&ctx.db, &query.join(" "), only, limit, json)?;
            if hits == 0 {
                return Err(Failure::Quiet(1));
            }
        }
        Command::Import { file } => {
            let outcome =
                crate::opml::import_command(&ctx.config_file, &file).map_err(|e| runtime(&e))?;
            print!("{}", outcome.message(&ctx.config_file));
        }
        Command::Export { output } => {
            let text = crate::opml::export_command(&ctx.config.publications, output.as_deref())
                .map_err(|e| runtime(&e))?;
            if let Some(text) = text {
                print!("{text}");
            }
        }
        Command::Add { url, name } => {
            let fetcher = crate::fetch::Fetcher::new(crate::tui::fetch_settings(&ctx.config.fetch))
                .map_err(|e| runtime(&e))?;
            let outcome = crate::discover::add_command(&ctx.config_file, &fetcher, &url, name)
                .await
                .map_err(|e| runtime(&e))?;
            println!("{outcome}");
        }
        Command::Remove { name } => {
            println!(
                "{}",
                crate::config_edit::remove_command(&ctx.config_file, &name)
                    .map_err(|e| runtime(&e))?
            );
        }
        Command::List => {
            print!(
                "{}",
                crate::config_edit::list_command(&ctx.config_file).map_err(|e| runtime(&e))?
            );
        }
        Command::Completions { .. } | Command::Man => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// `newsroom search`: the reader's search engine on the command line. Returns how many
/// articles it printed.
fn search_command(
    db: &std::path::Path,
    query: &str,
    only: crate::store::Only,
    limit: usize,
    json: bool,
) -> Result<usize, Failure> {
    let runtime = |e: &dyn std::fmt::Display| Failure::Runtime(e.to_string());
    let (mut store, notice) = crate::store::Store::open(db).map_err(|e| runtime(&e))?;
    if let Some(notice) = notice {
        eprintln!("newsroom: {notice}");
    }
    crate::search::index_backlog(&mut store).map_err(|e| runtime(&e))?;
    let hits = store
        .search(query, only, limit.max(1), chrono::Utc::now())
        .map_err(|e| runtime(&e))?;
    let mut out = std::io::stdout().lock();
    crate::search::write_hits(&mut out, &hits, json)
        .and_then(|()| std::io::Write::flush(&mut out))
        .map_err(|e| Failure::Runtime(format!("cannot write the output: {e}")))?;
    Ok(hits.len())
}
