//! The views across publications: "Unread" (every unread article, newest first) and "Starred".
//! They are listed above the publications, apart, so `1`-`9` still select publications by
//! position; `!` and `*` show them, and moving up in the publication pane goes onto them.
//!
//! While a view is shown, `State::headlines` holds its rows and `State::view_pubs` the
//! publication of each, so every headline key (open, read, star, browser) works unchanged and
//! counts go to the right publication.

use super::msg::{CacheCmd, Cmd};
use super::state::{Focus, PubState, State};
use crate::model::{GITHUB_INBOX, View, ViewRow};

/// How many rows a view shows (the newest): as many as one publication shows.
pub const VIEW_LIMIT: usize = 500;

/// The views in the order the publication pane lists them.
pub const VIEWS: [View; 2] = [View::Unread, View::Starred];

/// What `State::headlines_of` holds once a view's rows have arrived.
#[must_use]
pub fn loaded_key(view: View) -> &'static str {
    match view {
        View::Unread => "view:unread",
        View::Starred => "view:starred",
    }
}

/// The view's count, as the publication pane shows it.
#[must_use]
pub fn count(state: &State, view: View) -> u32 {
    match view {
        View::Unread => state.pubs.iter().map(|p| p.unread).sum(),
        View::Starred => state.starred,
    }
}

/// The keys of the publications shown: a view draws from these only.
fn publication_keys(state: &State) -> Vec<String> {
    state.pubs.iter().map(|p| p.url.clone()).collect()
}

/// `!` / `*`, or moving onto a view: show it.
pub(super) fn show(state: &mut State, view: View) -> Vec<Cmd> {
    state.search = None;
    state.pending = None;
    if state.focus == Focus::Article {
        state.focus = Focus::Headlines;
    }
    state.view = Some(view);
    state.view_pubs.clear();
    state.headlines.clear();
    state.headlines_of = None;
    state.cursor = 0;
    load(state)
}

/// Leaves the view (a publication was selected).
pub(super) fn leave(state: &mut State) {
    if state.view.take().is_some() {
        state.view_pubs.clear();
        state.headlines_of = None;
    }
}

/// Loads the view shown (with the starred count, which only the cache knows).
pub(super) fn load(state: &mut State) -> Vec<Cmd> {
    let Some(view) = state.view else {
        return vec![];
    };
    state.generation += 1;
    let publications = publication_keys(state);
    vec![
        CacheCmd::LoadView {
            view,
            publications: publications.clone(),
            limit: VIEW_LIMIT,
            generation: state.generation,
        }
        .into(),
        CacheCmd::LoadStarredCount { publications }.into(),
    ]
}

/// The rows of a view arrived.
pub(super) fn on_rows(
    state: &mut State,
    generation: u64,
    view: View,
    rows: Vec<ViewRow>,
) -> Vec<Cmd> {
    if generation != state.generation || state.view != Some(view) || state.search.is_some() {
        return vec![]; // a newer request, or the view was left
    }
    // Keep the cursor on the same article when the list changes under it.
    let keep = state
        .headlines_of
        .is_some()
        .then(|| state.current_headline().map(|h| h.id))
        .flatten();
    let (headlines, pubs): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .map(|r| (r.headline, r.publication))
        .unzip();
    state.headlines = headlines;
    state.view_pubs = pubs;
    state.headlines_of = Some(loaded_key(view).to_owned());
    state.cursor = keep
        .and_then(|id| state.headlines.iter().position(|h| h.id == id))
        .unwrap_or(0);
    super::navigate::arrived(state)
}

/// The position in the publication pane: the views first, then the publications.
fn position(state: &State) -> usize {
    match state.view {
        Some(v) => VIEWS.iter().position(|w| *w == v).unwrap_or(0),
        None => VIEWS.len() + state.selected,
    }
}

fn go_to(state: &mut State, position: usize) -> Vec<Cmd> {
    match VIEWS.get(position) {
        Some(v) if state.view == Some(*v) && state.search.is_none() => vec![],
        Some(v) => show(state, *v),
        None => super::update::select_pub(state, position - VIEWS.len()),
    }
}

/// Moving in the publication pane (keys and the wheel): onto the views above the first
/// publication, and back down.
pub(super) fn step_pub_pane(state: &mut State, delta: i64) -> Vec<Cmd> {
    let last = VIEWS.len() + state.pubs.len().saturating_sub(1);
    let cur = i64::try_from(position(state)).unwrap_or(0);
    let last_i = i64::try_from(last).unwrap_or(0);
    let target = usize::try_from(cur.saturating_add(delta).clamp(0, last_i)).unwrap_or(0);
    go_to(state, target)
}

/// A click on row `row` inside the publication pane's border (see `layout::VIEW_ROWS`).
pub(super) fn click_pub_pane(state: &mut State, row: usize) -> Vec<Cmd> {
    let views = usize::from(crate::layout::VIEW_ROWS);
    if row < VIEWS.len() {
        go_to(state, row)
    } else if row < views {
        vec![] // the rule between the views and the publications
    } else {
        go_to(state, VIEWS.len() + row - views)
    }
}

/// The publication (key) of the current headline in a view.
fn current_pub(state: &State) -> Option<&str> {
    if state.view.is_none() || state.search.is_some() {
        return None;
    }
    state.view_pubs.get(state.cursor).map(String::as_str)
}

/// The publication whose unread count the current headline counts in: in a view, its own;
/// otherwise the selected one.
pub(super) fn counted_pub(state: &mut State) -> Option<&mut PubState> {
    let i = match current_pub(state) {
        Some(key) => state.pubs.iter().position(|p| p.url == key)?,
        None if state.view.is_some() => return None,
        None => state.selected,
    };
    state.pubs.get_mut(i)
}

/// In a view, the current headline is a GitHub notification (reading it marks it read there).
pub(super) fn current_is_inbox(state: &State) -> bool {
    current_pub(state) == Some(GITHUB_INBOX)
}

/// The publication name to show beside row `i` of a view.
#[must_use]
pub fn source_of(state: &State, i: usize) -> Option<&str> {
    let key = state.view_pubs.get(i)?;
    Some(
        state
            .pubs
            .iter()
            .find(|p| &p.url == key)
            .map_or(key.as_str(), |p| p.name.as_str()),
    )
}

/// A star was toggled: the Starred view's count follows at once.
pub(super) fn starred_changed(state: &mut State, starred: bool) {
    state.starred = if starred {
        state.starred.saturating_add(1)
    } else {
        state.starred.saturating_sub(1)
    };
}

/// Asks the cache for the Starred view's count (at start-up; a star toggled here counts at
/// once, see [`starred_changed`]).
pub(super) fn starred_count_cmd(state: &State) -> Cmd {
    CacheCmd::LoadStarredCount {
        publications: publication_keys(state),
    }
    .into()
}
