//! SIGTERM ends the UI loop cleanly, and so does SIGHUP when the terminal went away, so the
//! terminal is restored when newsroom is killed politely or its terminal closes. A SIGHUP while
//! the terminal is still there is the daemon convention instead: read the config again
//! (`runtime/config_watch.rs`).

use std::io::IsTerminal;

/// The reader's terminal is still there. A hung-up terminal answers no terminal request (the
/// kernel fails them with EIO), so it no longer counts as one.
pub(crate) fn terminal_present() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Resolves when the process is asked to stop. Never resolves where signals are unavailable.
pub(crate) async fn quit_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return std::future::pending().await;
        };
        loop {
            tokio::select! {
                _ = term.recv() => return,
                _ = hup.recv() => {
                    if !terminal_present() {
                        return;
                    }
                }
            }
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await;
}
