//! Sync while the reader runs (the core's part; the round itself is `src/sync/round.rs`, run
//! by the GitHub executor): a round after the first frame, after local changes (debounced), on
//! each refresh; the status bar shows the last sync or why it failed. The round on quit is the
//! runtime's (bounded), since `update` has no clock.

use chrono::{DateTime, Utc};

use super::msg::{CacheCmd, Cmd, FeedCmd, GithubCmd};
use super::state::{Notice, NoticeKind, State};

/// A change waits this long for more before a round carries it.
const DEBOUNCE_SECS: i64 = 5;

/// The reader's view of sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncView {
    /// `[sync] enabled`.
    pub enabled: bool,
    /// The round in flight, if any (answers for another are dropped).
    pub running: Option<u64>,
    pub round: u64,
    /// A round is wanted once the running one ends.
    pub again: bool,
    /// When the first local change not yet synced was made.
    pub dirty_since: Option<DateTime<Utc>>,
    pub last_ok: Option<DateTime<Utc>>,
    /// Why the last round failed; cleared by a success.
    pub failed: Option<String>,
}

/// What a round answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    Done {
        summary: String,
        /// Read or starred flags in the cache changed: reload what is shown.
        articles_changed: bool,
        /// The config's subscriptions changed (shown after a restart).
        subs_changed: bool,
    },
    /// The token lacks the `gist` scope.
    NeedsScope {
        scope: String,
        from_env: bool,
    },
    Failed(String),
}

/// Starts a round now, or once the running one is done.
fn start(state: &mut State) -> Vec<Cmd> {
    if !state.sync.enabled || !matches!(state.session, super::state::Session::SignedIn { .. }) {
        return vec![];
    }
    if state.sync.running.is_some() {
        state.sync.again = true;
        return vec![];
    }
    state.sync.round += 1;
    state.sync.running = Some(state.sync.round);
    state.sync.dirty_since = None;
    vec![
        GithubCmd::Sync {
            round: state.sync.round,
        }
        .into(),
    ]
}

/// Once signed in (the first frame is up by then): the first round.
pub(super) fn on_signed_in(state: &mut State) -> Vec<Cmd> {
    start(state)
}

/// Looks at what `update` is about to run: a local read/star change starts the debounce, a
/// refresh starts a round; and when the debounce is over, a round.
pub(super) fn watch(state: &mut State, mut cmds: Vec<Cmd>) -> Vec<Cmd> {
    if !state.sync.enabled {
        return cmds;
    }
    let mut refresh = false;
    for c in &cmds {
        match c {
            Cmd::Cache(
                CacheCmd::SetRead { .. }
                | CacheCmd::SetStarred { .. }
                | CacheCmd::MarkAllRead { .. },
            ) => {
                state.sync.dirty_since.get_or_insert(state.now);
            }
            Cmd::Feeds(FeedCmd::Refresh { .. }) => refresh = true,
            _ => {}
        }
    }
    let due = state
        .sync
        .dirty_since
        .is_some_and(|t| (state.now - t).num_seconds() >= DEBOUNCE_SECS);
    if refresh || (due && state.sync.running.is_none()) {
        cmds.extend(start(state));
    }
    cmds
}

/// A round's answer.
pub(super) fn on_synced(state: &mut State, round: u64, outcome: SyncOutcome) -> Vec<Cmd> {
    if state.sync.running != Some(round) {
        return vec![];
    }
    state.sync.running = None;
    let mut cmds = Vec::new();
    match outcome {
        SyncOutcome::Done {
            summary,
            articles_changed,
            subs_changed,
        } => {
            state.sync.last_ok = Some(state.now);
            state.sync.failed = None;
            if articles_changed {
                cmds.push(CacheCmd::LoadUnreadCounts.into());
                if state.search.is_none() {
                    cmds.extend(super::update::load_headlines(state));
                }
            }
            if articles_changed || subs_changed {
                let more = if subs_changed {
                    " (subscriptions change when newsroom starts again)"
                } else {
                    ""
                };
                state.notice = Some(Notice {
                    text: format!("Synced: {}{more}", crate::gate::clean_line(&summary)),
                    kind: NoticeKind::Info,
                    at: state.now,
                });
            }
        }
        SyncOutcome::NeedsScope { scope, from_env } => {
            let why = if from_env {
                format!(
                    "sync needs the `{scope}` scope: give it to the token in {}",
                    crate::auth::ENV_TOKEN
                )
            } else {
                if !state.missing_scopes.contains(&scope) {
                    state.missing_scopes.push(scope.clone());
                }
                format!(
                    "sync needs the `{scope}` scope: {} signs in to grant it",
                    state.keys.hint(crate::keys::Action::SignIn)
                )
            };
            state.sync.failed = Some(why);
            // No point in asking again until the user signs in.
            state.sync.again = false;
            state.sync.dirty_since = None;
            return cmds;
        }
        SyncOutcome::Failed(why) => {
            state.sync.failed = Some(crate::gate::clean_line(&why));
        }
    }
    if std::mem::take(&mut state.sync.again) {
        cmds.extend(start(state));
    }
    cmds
}

/// The status bar's words on sync, if it is on.
#[must_use]
pub fn status_text(view: &SyncView) -> Option<(String, bool)> {
    if !view.enabled {
        return None;
    }
    if let Some(why) = &view.failed {
        return Some((format!("sync failed: {why}"), true));
    }
    if view.running.is_some() {
        return Some(("syncing…".to_owned(), false));
    }
    view.last_ok
        .map(|t| (format!("Synced {}", t.format("%H:%M UTC")), false))
}
