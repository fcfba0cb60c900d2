//! The terminal edge: enter and leave the full-screen mode (on every exit path, panics included),
//! turn terminal events into messages, and write OSC 52 clipboard requests.

use std::io::{self, Write};

use futures::{Stream, StreamExt};
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind};
use ratatui::crossterm::execute;

use crate::app::Msg;

/// Enters the alternate screen with raw mode and mouse capture, and makes panics safe for the
/// terminal. ratatui's `try_init` installs a hook that restores the terminal; ours wraps it:
/// a panic on the UI thread turns mouse capture off and lets ratatui restore the terminal before
/// the message is printed; a panic on a background thread (a task, which tokio turns into an
/// error for that one job) goes to the log instead of being printed over the screen.
pub fn enter() -> io::Result<DefaultTerminal> {
    let terminal = ratatui::try_init()?;
    let restore_and_report = std::panic::take_hook();
    let ui_thread = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            let _ = execute!(io::stdout(), DisableMouseCapture);
            restore_and_report(info);
        } else {
            tracing::error!("a background task panicked: {info}");
        }
    }));
    execute!(io::stdout(), EnableMouseCapture)?;
    Ok(terminal)
}

/// Leaves full-screen mode. Safe to call more than once.
pub fn leave() {
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// Terminal input as messages: key presses (not releases), mouse and resize.
pub fn events() -> impl Stream<Item = Msg> + Unpin {
    crossterm::event::EventStream::new().filter_map(|ev| {
        futures::future::ready(match ev.ok() {
            None => None,
            Some(Event::Key(k)) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
            Some(Event::Mouse(m)) => Some(Msg::Mouse(m)),
            Some(Event::Resize(w, h)) => Some(Msg::Resize(w, h)),
            Some(_) => None,
        })
    })
}

/// Asks the terminal to put `text` on the clipboard (OSC 52; works over SSH). `text` must already
/// be clean: callers pass only sanitized http(s) URLs or codes.
pub fn copy_to_clipboard(text: &str) -> io::Result<()> {
    execute!(
        io::stdout(),
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    )?;
    io::stdout().flush()
}
