//! Undoing `A` (mark the publication read). The cache answers `A` with the ids it changed,
//! those that were unread; `U` makes exactly those unread again. Ids, not the list on screen:
//! a refresh in between, articles that arrived since, or ones read before `A` change nothing.

use super::msg::{CacheCmd, Cmd};
use super::state::{NoticeKind, State};
use super::update::{load_headlines, notice};
use crate::keys::Action;

/// What `U` would give back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    /// The publication's key (its URL).
    pub url: String,
    pub name: String,
    pub ids: Vec<i64>,
}

/// The cache marked these articles of `url` read: remember them, and say how to undo.
pub(super) fn on_marked(state: &mut State, url: String, ids: Vec<i64>) -> Vec<Cmd> {
    // GitHub cannot mark a notification unread again: nothing to offer there.
    if url == crate::model::GITHUB_INBOX {
        return vec![];
    }
    let name = state
        .pubs
        .iter()
        .find(|p| p.url == url)
        .map_or_else(|| url.clone(), |p| p.name.clone());
    if ids.is_empty() {
        notice(state, NoticeKind::Info, format!("Nothing unread in {name}"));
        return vec![];
    }
    let n = ids.len();
    let s = if n == 1 { "" } else { "s" };
    notice(
        state,
        NoticeKind::Info,
        format!(
            "Marked {n} article{s} in {name} read · {} undoes",
            state.keys.hint(Action::Undo)
        ),
    );
    state.undo = Some(Undo { url, name, ids });
    vec![]
}

/// `U`: the articles the last `A` changed are unread again.
pub(super) fn undo(state: &mut State) -> Vec<Cmd> {
    let Some(u) = state.undo.take() else {
        notice(
            state,
            NoticeKind::Info,
            format!(
                "Nothing to undo ({} undoes marking a publication read)",
                state.keys.hint(Action::Undo)
            ),
        );
        return vec![];
    };
    // The screen follows at once; the cache's lists and counts come after.
    for h in &mut state.headlines {
        if u.ids.contains(&h.id) {
            h.read = false;
        }
    }
    let n = u.ids.len();
    let s = if n == 1 { "" } else { "s" };
    notice(
        state,
        NoticeKind::Info,
        format!("{n} article{s} in {} unread again", u.name),
    );
    let mut cmds: Vec<Cmd> = vec![
        CacheCmd::MarkUnread { ids: u.ids }.into(),
        CacheCmd::LoadUnreadCounts.into(),
    ];
    let shown = state.search.is_none() && state.headlines_of.as_deref() == Some(u.url.as_str());
    if shown {
        cmds.extend(load_headlines(state));
    }
    cmds
}
