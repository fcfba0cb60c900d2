//! SIGTERM and SIGHUP end the UI loop cleanly, so the terminal is restored when newsroom is killed
//! politely or its terminal goes away.

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
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await;
}
