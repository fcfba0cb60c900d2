//! The terminal edge: enter and leave the full-screen mode (on every exit path, panics included),
//! turn terminal events into messages, and write OSC 52 clipboard requests.

use std::io::{self, Write};
use std::sync::{Mutex, PoisonError};
use std::task::Poll;

use crossterm::event::EventStream;
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

/// The terminal's input stream. Held here, not by the stream the run loop polls, so that
/// [`suspend`] can drop it: crossterm reads the terminal on a thread of its own while a stream
/// exists, and would take keys meant for a program in the foreground.
static INPUT: Mutex<Option<EventStream>> = Mutex::new(None);

/// Terminal input as messages: key presses (not releases), mouse and resize. Pauses while the
/// terminal is suspended and resumes by itself after.
pub fn events() -> impl Stream<Item = Msg> + Unpin {
    futures::stream::poll_fn(|cx| {
        let mut input = INPUT.lock().unwrap_or_else(PoisonError::into_inner);
        let stream = input.get_or_insert_with(EventStream::new);
        loop {
            return match stream.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(ev))) => match message(ev) {
                    Some(msg) => Poll::Ready(Some(msg)),
                    None => continue,
                },
                Poll::Ready(Some(Err(_))) => continue,
                // The terminal's input ended: the loop ends on a signal or a quit instead.
                Poll::Ready(None) | Poll::Pending => Poll::Pending,
            };
        }
    })
}

fn message(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Hands the terminal to someone else (a text-mode browser, the shell after Ctrl-Z): input is
/// no longer read, mouse capture, raw mode and the alternate screen are left.
pub fn suspend() {
    drop(INPUT.lock().unwrap_or_else(PoisonError::into_inner).take());
    leave();
}

/// Takes the terminal back after [`suspend`]; the caller redraws the whole frame
/// (`Terminal::clear`), since whatever ran meanwhile left its own picture.
pub fn resume() -> io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    execute!(
        io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        EnableMouseCapture
    )
}

/// Ctrl-Z: in raw mode the terminal sends it as a key, not as SIGTSTP.
pub fn is_suspend_key(msg: &Msg) -> bool {
    matches!(msg, Msg::Key(k) if k.code == crossterm::event::KeyCode::Char('z')
        && k.modifiers.contains(crossterm::event::KeyModifiers::CONTROL))
}

/// Stops the process as the shell's job control expects (the terminal already suspended),
/// returning once it is continued (`fg`).
pub fn stop_self() {
    #[cfg(unix)]
    let _ = signal_hook::low_level::raise(signal_hook::consts::SIGSTOP);
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
