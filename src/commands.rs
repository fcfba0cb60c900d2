//! Dispatch: one function per command line, all errors funnelled into [`Failure`] with the exit
//! code it deserves.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::paths::Paths;

pub use crate::context::{Context, Failure};

/// Writes command output to stdout. A reader that went away (`newsroom man | head`) ends the
/// command quietly with status 141, as SIGPIPE ends other Unix tools (newsroom cannot take
/// SIGPIPE's default action: its network code relies on the signal being ignored).
fn out(text: impl AsRef<[u8]>) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_ref())
        .and_then(|()| stdout.flush())
        .map_err(|e| output_failure(&e))
}

/// Lists a page's feeds on stderr and reads the user's choice from the terminal.
fn ask_which_feed(feeds: &[crate::discover::Choice]) -> Option<usize> {
    eprintln!(
        "This page advertises {} feeds:\n{}",
        feeds.len(),
        crate::discover::numbered(feeds)
    );
    eprint!("Add which one? [1-{}, Enter adds none] ", feeds.len());
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).ok()?;
    line.trim().parse::<usize>().ok()?.checked_sub(1)
}

fn output_failure(e: &std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::Quiet(141)
    } else {
        Failure::Runtime(format!("cannot write the output: {e}"))
    }
}

pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let paths = Paths::platform().ok_or_else(|| {
        Failure::Runtime("cannot find a home directory: set HOME, or pass --config and --db".into())
    })?;
    if cli.log_path {
        out(format!("{}\n", paths.log_file().display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    match &cli.command {
        Some(Command::Completions { shell }) => {
            // Into a buffer first: `generate` panics when it cannot write.
            let mut script = Vec::new();
            let mut cmd = crate::cli::command(Some(&paths));
            clap_complete::generate(*shell, &mut cmd, "newsroom", &mut script);
            out(script)?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            out(crate::cli::man_page(&paths))?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    // A config file named on purpose must exist, or a typo would silently read the defaults.
    // `add` and `import` are the exception: they create the file they are told to write.
    let creates_config = matches!(
        cli.command,
        Some(Command::Add { .. } | Command::Import { .. })
    );
    if let Some(p) = &cli.config
        && !creates_config
        && !p.exists()
    {
        return Err(Failure::Usage(format!(
            "{}: no such config file (--config or NEWSROOM_CONFIG)",
            p.display()
        )));
    }
    let config_file = cli
        .config
        .clone()
        .or_else(|| paths.config_file.clone())
        .ok_or_else(|| Failure::Usage("no config location: pass --config PATH".into()))?;
    // The commands that edit the config create it when it does not exist yet; listing a
    // missing default file shows the defaults.
    let creates_config =
        creates_config || matches!(cli.command, Some(Command::Remove { .. } | Command::List));
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
        config_explicit: cli.config.clone(),
        insecure_storage: cli.insecure_storage,
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
                // `newsroom --insecure-storage login` means it too.
                insecure_storage: insecure_storage || ctx.insecure_storage,
                open_browser_prompt: true,
            };
            auth::login(gh, data, opts).await.map_err(auth_failure)?;
        }
        Command::Logout => {
            auth::logout(gh, data).await.map_err(auth_failure)?;
        }
        Command::Status => {
            let signed_in = auth::status(gh, data).await.map_err(auth_failure);
            out(crate::sync::command::status_text(ctx))?;
            signed_in?;
        }
        Command::Sync { off, passphrase } => {
            crate::sync::command::sync_command(ctx, off, passphrase).await?;
        }
        Command::Fetch { force, json } => {
            let opts = crate::headless::FetchOptions { force, json };
            let all_ok =
                crate::headless::fetch_command(&ctx.config, &ctx.db, &ctx.paths.data_dir, opts)
                    .await
                    .map_err(|e| match e {
                        crate::headless::HeadlessError::Output(e) => output_failure(&e),
                        e => runtime(&e),
                    })?;
            if ctx.config.sync.enabled
                && let Err(e) = crate::sync::command::after_fetch(ctx).await
            {
                eprintln!("newsroom: {e}");
                return Err(Failure::Quiet(1));
            }
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
            out(outcome.message(&ctx.config_file))?;
        }
        Command::Export { output } => {
            let text = crate::opml::export_command(&ctx.config.publications, output.as_deref())
                .map_err(|e| runtime(&e))?;
            if let Some(text) = text {
                out(text)?;
            }
        }
        Command::Add { url, name, pick } => {
            use crate::discover::{AddError, Pick};
            let fetcher = crate::fetch::Fetcher::new(crate::fetch::FetchSettings::from_config(
                &ctx.config.fetch,
            ))
            .map_err(|e| runtime(&e))?;
            let pick = match pick {
                Some(n) => Pick::Number(n),
                None if std::io::IsTerminal::is_terminal(&std::io::stdin()) => {
                    Pick::Ask(Box::new(ask_which_feed))
                }
                None => Pick::Refuse,
            };
            let outcome =
                crate::discover::add_command(&ctx.config_file, &fetcher, &url, name, pick)
                    .await
                    .map_err(|e| match e {
                        AddError::SeveralFeeds { .. } | AddError::PickOutOfRange { .. } => {
                            Failure::Usage(e.to_string())
                        }
                        e => runtime(&e),
                    })?;
            out(format!("{outcome}\n"))?;
        }
        Command::Remove { name } => {
            let message = crate::config_edit::remove_command(&ctx.config_file, &name)
                .map_err(|e| runtime(&e))?;
            out(format!("{message}\n"))?;
        }
        Command::List => {
            out(crate::config_edit::list_command(&ctx.config_file).map_err(|e| runtime(&e))?)?;
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
