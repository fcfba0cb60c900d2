//! Reading on without going back to the list: `n` / `p` open the next / previous unread
//! article, on into the next publication with unread ones when this one runs out (as newsboat
//! does, wrapping round); `J` / `K` the next / previous article, read or not. Enter in the
//! article pane is `n`.

use super::msg::Cmd;
use super::state::{NoticeKind, State};
use crate::keys::Action;

/// `n` / `p` went on to another publication (or the list was still loading): when its
/// headlines arrive, the first unread (last, going back) opens. Any later load of the same list
/// (a refresh finishing meanwhile) will do; choosing another list drops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub forward: bool,
    /// Publications tried so far: a count that was stale (no unread in the list after all)
    /// moves on to the next, at most once round.
    pub tried: usize,
}

/// `n` (`forward`) and `p`.
pub(super) fn unread(state: &mut State, forward: bool) -> Vec<Cmd> {
    let in_list = state.search.is_some() || state.view.is_some();
    if state.headlines_of.is_none() && state.search.is_none() {
        // The list is still loading (a cold start): open from it when it comes.
        state.pending = Some(Pending { forward, tried: 0 });
        return vec![];
    }
    if let Some(i) = find_unread(state, state.cursor, forward) {
        return open_at(state, i);
    }
    if !in_list && let Some(cmds) = next_publication(state, forward, 0) {
        return cmds;
    }
    // Round again: the unread ones above the cursor (below, going back).
    let from = if forward {
        0
    } else {
        state.headlines.len().saturating_sub(1)
    };
    if let Some(i) = find_unread(state, from, forward) {
        return open_at(state, i);
    }
    none_left(state);
    vec![]
}

/// `J` (`forward`) and `K`: the next / previous article of the list.
pub(super) fn article(state: &mut State, forward: bool) -> Vec<Cmd> {
    let next = if forward {
        state.cursor + 1
    } else {
        state.cursor.wrapping_sub(1)
    };
    if next < state.headlines.len() {
        return open_at(state, next);
    }
    let text = if forward {
        "This is the last article of the list"
    } else {
        "This is the first article of the list"
    };
    super::update::notice(state, NoticeKind::Info, text.to_owned());
    vec![]
}

/// The headlines `pending` waited for arrived: open the first (last) unread, or go on.
pub(super) fn arrived(state: &mut State) -> Vec<Cmd> {
    let Some(p) = state.pending.take() else {
        return vec![];
    };
    let from = if p.forward {
        0
    } else {
        state.headlines.len().saturating_sub(1)
    };
    if let Some(i) = find_unread(state, from, p.forward) {
        return open_at(state, i);
    }
    if state.view.is_none()
        && state.search.is_none()
        && let Some(cmds) = next_publication(state, p.forward, p.tried)
    {
        return cmds;
    }
    none_left(state);
    vec![]
}

/// The first unread headline at or after `from` (at or before, going back).
/// The open article never counts: marked unread again with `u`, it is not "next".
fn find_unread(state: &State, from: usize, forward: bool) -> Option<usize> {
    let h = &state.headlines;
    let open = state.article.as_ref().map(|a| a.article.headline.id);
    let unread = |i: &usize| !h[*i].read && Some(h[*i].id) != open;
    if forward {
        (from..h.len()).find(unread)
    } else {
        (0..=from.min(h.len().checked_sub(1)?)).rev().find(unread)
    }
}

fn open_at(state: &mut State, i: usize) -> Vec<Cmd> {
    state.cursor = i;
    super::update::open_current(state)
}

/// Selects the next publication (round from the selected one) that counts unread articles,
/// and opens its first unread once its headlines arrive. `None`: no other has any.
fn next_publication(state: &mut State, forward: bool, tried: usize) -> Option<Vec<Cmd>> {
    let n = state.pubs.len();
    if tried + 1 >= n {
        return None;
    }
    let target = (1..n - tried)
        .map(|k| {
            if forward {
                (state.selected + k) % n
            } else {
                (state.selected + n - k) % n
            }
        })
        .find(|&i| state.pubs[i].unread > 0)?;
    let steps = if forward {
        (target + n - state.selected) % n
    } else {
        (state.selected + n - target) % n
    };
    let cmds = super::update::select_pub(state, target);
    state.pending = Some(Pending {
        forward,
        tried: tried + steps,
    });
    Some(cmds)
}

fn none_left(state: &mut State) {
    let text = if state.search.is_some() {
        "No unread results left".to_owned()
    } else {
        format!(
            "No unread articles left ({} refreshes every publication)",
            state.keys.hint(Action::RefreshAll)
        )
    };
    super::update::notice(state, NoticeKind::Info, text);
}
