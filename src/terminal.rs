//! The terminal edge: enter and leave the full-screen mode (on every exit path, panics included),
//! turn terminal events into messages, and copy to the clipboard.

use std::io::{self, Write};
use std::sync::{Mutex, PoisonError};
use std::task::Poll;

use crossterm::event::EventStream;
use futures::{Stream, StreamExt};
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind};
use ratatui::crossterm::execute;

use crate::app::{Copied, Msg};

/// Enters the alternate screen with raw mode and mouse capture, and makes panics safe for the
/// terminal. ratatui's `try_init` installs a hook that restores the terminal; ours wraps it:
/// a panic on the UI thread turns mouse capture off and lets ratatui restore the terminal before
/// the message is printed; a panic on a background thread (a task, which tokio turns into an
/// error for that one job) goes to the log instead of being printed over the screen.
pub(crate) fn enter() -> io::Result<DefaultTerminal> {
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
                Poll::Ready(Some(Ok(ev))) => match message(&ev) {
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

fn message(ev: &Event) -> Option<Msg> {
    match *ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Hands the terminal to someone else (a text-mode browser, the shell after Ctrl-Z): input is
/// no longer read, mouse capture, raw mode and the alternate screen are left.
pub(crate) fn suspend() {
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
#[must_use]
pub(crate) fn is_suspend_key(msg: &Msg) -> bool {
    matches!(msg, Msg::Key(k) if k.code == crossterm::event::KeyCode::Char('z')
        && k.modifiers.contains(crossterm::event::KeyModifiers::CONTROL))
}

/// Stops the process as the shell's job control expects (the terminal already suspended),
/// returning once it is continued (`fg`).
pub(crate) fn stop_self() {
    #[cfg(unix)]
    let _ = signal_hook::low_level::raise(signal_hook::consts::SIGSTOP);
}

/// What the copy needs from the environment, read once so that tests can supply their own.
#[derive(Debug, Clone, Default)]
pub struct CopyEnv {
    /// Inside tmux (`$TMUX`).
    pub tmux: bool,
    /// A Wayland session (`$WAYLAND_DISPLAY`).
    pub wayland: bool,
    /// An X display (`$DISPLAY`).
    pub x11: bool,
    /// Where to look for the tools instead of `$PATH` (tests).
    pub path: Option<std::ffi::OsString>,
}

impl CopyEnv {
    #[must_use]
    pub(crate) fn from_process() -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        Self {
            tmux: set("TMUX"),
            wayland: set("WAYLAND_DISPLAY"),
            x11: set("DISPLAY"),
            path: None,
        }
    }
}

/// Puts `text` on the clipboard by the surest means at hand. `text` must already be clean:
/// callers pass only sanitized http(s) URLs or codes.
///
/// Inside tmux, `tmux load-buffer -w -`: an OSC 52 from a program inside tmux is dropped under
/// tmux's default `set-clipboard external`, while `load-buffer` fills tmux's buffer and `-w`
/// passes it on to the outer terminal (over SSH too). Elsewhere an OSC 52 request (the only way
/// over SSH), and on a desktop also `wl-copy`, `xclip` or `xsel` when installed, since many
/// local terminals ignore OSC 52. The tools are chosen over a clipboard crate on purpose: on X11
/// the clipboard belongs to a live process, and these tools stay behind to serve it after
/// newsroom exits.
pub(crate) fn copy_to_clipboard(text: &str) -> io::Result<Copied> {
    copy_with(text, &CopyEnv::from_process(), &mut io::stdout())
}

/// [`copy_to_clipboard`] with the environment and the terminal given.
pub(crate) fn copy_with<W: Write>(
    text: &str,
    env: &CopyEnv,
    terminal: &mut W,
) -> io::Result<Copied> {
    if env.tmux {
        // `-w` is tmux 3.2 and later; older ones still fill the buffer without it.
        let tmux = run_with_input(env, "tmux", &["load-buffer", "-w", "-"], text)
            .or_else(|_| run_with_input(env, "tmux", &["load-buffer", "-"], text));
        return match tmux {
            Ok(()) => Ok(Copied::By("tmux")),
            Err(e) => Err(io::Error::new(e.kind(), format!("tmux load-buffer: {e}"))),
        };
    }
    crossterm::queue!(
        terminal,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    )?;
    terminal.flush()?;
    let mut tools: Vec<(&'static str, &[&str])> = Vec::new();
    if env.wayland {
        tools.push(("wl-copy", &[]));
    }
    if env.x11 {
        tools.push(("xclip", &["-selection", "clipboard"]));
        tools.push(("xsel", &["--clipboard", "--input"]));
    }
    for (tool, args) in tools {
        if run_with_input(env, tool, args, text).is_ok() {
            return Ok(Copied::By(tool));
        }
    }
    Ok(Copied::Osc52)
}

/// How long a clipboard tool may take to take its input; they fork to serve the clipboard and
/// return at once, so this is only a guard against one that hangs.
const TOOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs `program` with `input` on stdin, nothing inherited that could reach the screen, and
/// without any secret variable in its environment (see `browser::SECRET_VARS`).
fn run_with_input(env: &CopyEnv, program: &str, args: &[&str], input: &str) -> io::Result<()> {
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(program);
    if let Some(path) = &env.path {
        // A changed PATH is also where the program is looked up.
        cmd.env("PATH", path);
    }
    let mut child = crate::browser::scrub(&mut cmd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes())?;
    }
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return if status.success() {
                Ok(())
            } else {
                Err(io::Error::other(format!("{program} failed ({status})")))
            };
        }
        if started.elapsed() > TOOL_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{program} did not finish"),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A fake clipboard tool on a private PATH that records its input.
    fn fake_tool(dir: &std::path::Path, name: &str, exit: u8) {
        let script = format!(
            // Builtins only: PATH holds nothing but the fakes.
            "#!/bin/sh\nIFS= read -r line; printf %s \"$line\" > '{d}/{name}.in'\nexit {exit}\n",
            d = dir.display()
        );
        let path = dir.join(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn copy_picks_tmux_then_desktop_tools_and_says_when_only_osc52_was_sent() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let url = "https://example.com/a";
        let mut term = Vec::new();
        // The tools are looked for in `d` alone.
        let none = CopyEnv {
            path: Some(d.as_os_str().to_owned()),
            ..CopyEnv::default()
        };

        // No tool and no desktop: an OSC 52 request, and honesty about it.
        assert_eq!(copy_with(url, &none, &mut term).unwrap(), Copied::Osc52);
        assert_eq!(
            String::from_utf8_lossy(&term),
            "\u{1b}]52;c;aHR0cHM6Ly9leGFtcGxlLmNvbS9h\u{1b}\\"
        );

        // X11: xclip fails, xsel takes it.
        fake_tool(d, "xclip", 1);
        fake_tool(d, "xsel", 0);
        let x11 = CopyEnv {
            x11: true,
            ..none.clone()
        };
        assert_eq!(copy_with(url, &x11, &mut term).unwrap(), Copied::By("xsel"));
        assert_eq!(std::fs::read_to_string(d.join("xsel.in")).unwrap(), url);

        // Wayland first when both are there.
        fake_tool(d, "wl-copy", 0);
        let both = CopyEnv {
            wayland: true,
            ..x11.clone()
        };
        assert_eq!(
            copy_with(url, &both, &mut term).unwrap(),
            Copied::By("wl-copy")
        );

        // tmux: its buffer, and no OSC 52 that tmux would drop.
        fake_tool(d, "tmux", 0);
        let mut term = Vec::new();
        let tmux = CopyEnv {
            tmux: true,
            ..both.clone()
        };
        assert_eq!(
            copy_with(url, &tmux, &mut term).unwrap(),
            Copied::By("tmux")
        );
        assert_eq!(std::fs::read_to_string(d.join("tmux.in")).unwrap(), url);
        assert!(term.is_empty());
        fake_tool(d, "tmux", 1);
        assert!(
            copy_with(url, &tmux, &mut term).is_err(),
            "a failure is reported"
        );
        // No desktop: the tools are not tried even when installed.
        assert_eq!(copy_with(url, &none, &mut term).unwrap(), Copied::Osc52);
    }
}
