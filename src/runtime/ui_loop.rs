//! The UI loop: the cached news is drawn first, then terminal events, ticks and the edges'
//! answers go through `update` one at a time. It draws only when `update` says the state
//! changed, and ticks fast only while something moves on screen, so an idle reader writes
//! nothing to the terminal and sleeps.

use std::time::Duration;

use chrono::Utc;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Runtime;
use crate::app::{self, Cmd, Msg, State, SystemCmd};
use crate::ui;

/// How often the clock ticks while a spinner or a countdown is on screen.
const FAST_TICK: Duration = Duration::from_millis(125);
/// How often it ticks otherwise: enough for notices to fade and auto-refresh to start.
const IDLE_TICK: Duration = Duration::from_secs(1);

/// Returns when the user quits, or when the terminal fails.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    runtime: &Runtime,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    events: impl Stream<Item = Msg> + Unpin,
) -> Result<(), B::Error> {
    // Cached news first: the first frame is drawn from the cache before any network request.
    let mut later = Vec::new();
    for cmd in app::init(state) {
        match cmd {
            Cmd::Cache(c) => {
                if let Some(msg) = runtime.run_now(&c) {
                    later.extend(app::update(state, msg));
                }
            }
            other => later.push(other),
        }
    }
    terminal.draw(|f| ui::draw(f, state))?;
    state.redraw = false;
    runtime.after_first_frame();
    for cmd in later {
        runtime.exec(cmd);
    }

    let mut events = events.fuse();
    let mut quit_signal = Box::pin(crate::terminal_signals::quit_requested());
    let mut last_tick = Instant::now();
    while !state.quit {
        // A deadline, not a fresh sleep per message: a busy channel cannot starve the clock.
        let every = if app::animating(state) {
            FAST_TICK
        } else {
            IDLE_TICK
        };
        let msg = tokio::select! {
            Some(msg) = events.next() => msg,
            Some(msg) = rx.recv() => msg,
            () = tokio::time::sleep_until(last_tick + every) => {
                last_tick = Instant::now();
                Msg::Tick(Utc::now())
            }
            () = &mut quit_signal => break,
        };
        if runtime.real_terminal() && crate::terminal::is_suspend_key(&msg) {
            crate::terminal::suspend();
            crate::terminal::stop_self();
            handed_back(terminal)?;
            terminal.draw(|f| ui::draw(f, state))?;
            continue;
        }
        for cmd in app::update(state, msg) {
            match cmd {
                Cmd::System(SystemCmd::OpenUrl(url)) if runtime.real_terminal() => {
                    if let Some(crate::browser::Launch::Terminal(cmd)) = crate::browser::plan(&url)
                    {
                        // A text-mode browser gets the whole terminal until it exits.
                        crate::terminal::suspend();
                        let ran = tokio::process::Command::from(cmd).status().await;
                        handed_back(terminal)?;
                        state.redraw = true;
                        if let Err(e) = ran {
                            let msg = Msg::Problem(format!("Could not open a browser: {e}"));
                            for c in app::update(state, msg) {
                                runtime.exec(c);
                            }
                        }
                    } else {
                        runtime.exec(SystemCmd::OpenUrl(url).into());
                    }
                }
                Cmd::System(SystemCmd::Play {
                    argv,
                    url,
                    terminal: true,
                }) if runtime.real_terminal() => {
                    // A terminal player (mpv, mplayer…) gets the whole terminal until it exits.
                    let program = argv.first().cloned().unwrap_or_default();
                    let ran = match crate::player::command(&argv, &url) {
                        Some(cmd) => {
                            crate::terminal::suspend();
                            let ran = tokio::process::Command::from(cmd).status().await;
                            handed_back(terminal)?;
                            state.redraw = true;
                            ran.map_err(|e| e.to_string()).and_then(|s| {
                                if s.success() {
                                    Ok(())
                                } else {
                                    Err(format!("it exited with {s}"))
                                }
                            })
                        }
                        None => Err("no program configured".into()),
                    };
                    if let Err(e) = ran {
                        let msg = Msg::Problem(format!("{program}: {e}"));
                        for c in app::update(state, msg) {
                            runtime.exec(c);
                        }
                    }
                }
                cmd => runtime.exec(cmd),
            }
        }
        if state.redraw {
            terminal.draw(|f| ui::draw(f, state))?;
            state.redraw = false;
        }
    }
    Ok(())
}

/// Takes the terminal back after it was handed over, and forgets the last frame so that the
/// next draw repaints all of it.
fn handed_back<B: Backend>(terminal: &mut Terminal<B>) -> Result<(), B::Error> {
    if let Err(e) = crate::terminal::resume() {
        tracing::warn!("cannot take the terminal back: {e}");
    }
    // `resize` clears and forgets the last frame without asking the terminal where its cursor
    // is (which `clear` does, and which a terminal just handed back may not answer in time).
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}
