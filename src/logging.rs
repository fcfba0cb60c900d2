//! Logging goes to a file in the state dir, never to the terminal under the TUI. Daily files, a
//! few kept. What is logged is our own text plus sanitized feed text; never a token.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts logging to `dir/newsroom.YYYY-MM-DD.log` (UTC date, as `Paths::log_file` names it). Keep the guard alive until exit so the last
/// lines are flushed. A log dir that cannot be created is not fatal: newsroom runs without logs.
#[must_use]
pub fn init(dir: &Path, verbose: bool) -> Option<WorkerGuard> {
    // Private: the log names the feeds read. Today's file is created 0600 before the appender
    // opens it (later days' files are created by the appender, inside this 0700 dir).
    crate::paths::make_private_dir(dir).ok()?;
    let today = dir.join(format!(
        "newsroom.{}.log",
        chrono::Utc::now().format("%Y-%m-%d")
    ));
    let _ = crate::paths::create_private_file(&today);
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("newsroom")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir)
        .ok()?;
    // A small queue: the default (128,000 lines) is allocated up front and costs ~4 MB of
    // memory for a program that logs a few lines a minute. When it is full, lines are dropped
    // rather than blocking the UI.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(4096)
        .lossy(true)
        .finish(appender);
    let default = if verbose {
        "newsroom=debug,info"
    } else {
        "newsroom=info,warn"
    };
    let filter =
        EnvFilter::try_from_env("NEWSROOM_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
