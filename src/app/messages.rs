//! The history of status messages: every notice is kept (the last [`HISTORY`]), so one that
//! was cut to fit the status bar, or faded before it was read, can be read in full with `M`.

use std::collections::VecDeque;

use super::msg::Cmd;
use super::state::{Notice, State};
use crate::keys::{Action, Key, Mode};

/// How many messages are kept.
pub const HISTORY: usize = 100;

/// The recent messages, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub items: VecDeque<Notice>,
}

impl History {
    pub fn push(&mut self, n: Notice) {
        if self.items.len() >= HISTORY {
            self.items.pop_front();
        }
        self.items.push_back(n);
    }
}

/// The open messages view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessagesView {
    /// The first row shown.
    pub scroll: u16,
}

/// Called after every message: a notice not recorded yet goes into the history.
pub(super) fn record(state: &mut State) {
    let Some(n) = &state.notice else { return };
    if state.messages.items.back() != Some(n) {
        state.messages.push(n.clone());
    }
}

/// `M`: open the view, newest message at the top.
pub(super) fn open(state: &mut State) -> Vec<Cmd> {
    state.messages_view = Some(MessagesView::default());
    vec![]
}

/// The text width of the view at this terminal size (border and padding off).
#[must_use]
pub fn text_width(viewport: (u16, u16)) -> u16 {
    viewport.0.saturating_sub(4).max(1)
}

/// The rows of text the view shows at this size.
#[must_use]
pub fn text_height(viewport: (u16, u16)) -> u16 {
    viewport.1.saturating_sub(2).max(1)
}

/// The view's lines at `width`, newest message first: `(is_error, line)`. Each message starts
/// with its time and is wrapped whole; a blank line between messages.
#[must_use]
pub fn lines(state: &State, width: u16) -> Vec<(bool, String)> {
    let w = usize::from(width.max(1));
    let mut out = Vec::new();
    for (i, n) in state.messages.items.iter().rev().enumerate() {
        if i > 0 {
            out.push((false, String::new()));
        }
        let error = n.kind == super::state::NoticeKind::Error;
        let text = format!(
            "{}  {}",
            crate::timefmt::clock(n.at, &state.zone),
            crate::gate::clean_line(&n.text)
        );
        let safe = crate::wrap::terminal_safe(&text);
        out.extend(
            crate::wrap::wrap_line(&safe, w)
                .into_iter()
                .map(|l| (error, l)),
        );
    }
    out
}

/// Keys while the view is open, from its own table: scroll, close, quit.
pub(super) fn on_key(state: &mut State, key: Key) -> Vec<Cmd> {
    let Some(action) = state.keys.action_in(Mode::Messages, key) else {
        return vec![];
    };
    let total = lines(state, text_width(state.viewport)).len();
    let page = i64::from(text_height(state.viewport).saturating_sub(1).max(1));
    let max = total.saturating_sub(usize::from(text_height(state.viewport)));
    let Some(view) = &mut state.messages_view else {
        return vec![];
    };
    let delta: i64 = match action {
        Action::Back => {
            state.messages_view = None;
            return vec![];
        }
        Action::Quit => {
            state.quit = true;
            return vec![];
        }
        Action::Down => 1,
        Action::Up => -1,
        Action::PageDown => page,
        Action::PageUp => -page,
        Action::Top => i64::MIN / 2,
        Action::Bottom => i64::MAX / 2,
        _ => 0,
    };
    let max = i64::try_from(max).unwrap_or(i64::MAX);
    let s = i64::from(view.scroll).saturating_add(delta).clamp(0, max);
    view.scroll = u16::try_from(s).unwrap_or(u16::MAX);
    vec![]
}
