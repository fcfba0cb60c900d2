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
        /// The config's subscriptions changed (the reader reads it again).
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
            if subs_changed {
                // The round wrote the config: read it now (the file watch would too, but it
                // may be off), and the reload says which publications came or went.
                cmds.push(super::msg::SystemCmd::ReloadConfig.into());
            }
            if articles_changed || subs_changed {
                state.notice = Some(Notice {
                    text: format!("Synced: {}", crate::gate::clean_line(&summary)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::Msg;
    use crate::app::state::Session;
    use crate::keys::KeyMap;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_633_600 + secs, 0).expect("test value")
    }

    fn state() -> State {
        let keys = KeyMap::new(&[], &[]).expect("test value");
        let mut s = State::new(
            [("News".to_owned(), "https://news.example/feed".to_owned())],
            keys,
            at(0),
            (100, 30),
        );
        s.sync.enabled = true;
        s.session = Session::SignedIn {
            login: "octocat".into(),
        };
        s
    }

    fn rounds(cmds: &[Cmd]) -> Vec<u64> {
        cmds.iter()
            .filter_map(|c| match c {
                Cmd::Github(GithubCmd::Sync { round }) => Some(*round),
                _ => None,
            })
            .collect()
    }

    fn done() -> SyncOutcome {
        SyncOutcome::Done {
            summary: "2 article(s) updated from other machines".into(),
            articles_changed: true,
            subs_changed: false,
        }
    }

    #[test]
    fn a_change_is_synced_after_the_debounce_and_one_round_runs_at_a_time() {
        let mut s = state();
        let cmds = watch(&mut s, vec![CacheCmd::SetRead { id: 1, read: true }.into()]);
        assert!(rounds(&cmds).is_empty(), "not at once");
        s.now = at(DEBOUNCE_SECS - 1);
        assert!(rounds(&watch(&mut s, vec![])).is_empty());
        s.now = at(DEBOUNCE_SECS);
        assert_eq!(rounds(&watch(&mut s, vec![])), vec![1]);
        // Another change while it runs waits for it.
        watch(
            &mut s,
            vec![
                CacheCmd::SetStarred {
                    id: 1,
                    starred: true,
                }
                .into(),
            ],
        );
        s.now = at(60);
        assert!(rounds(&watch(&mut s, vec![])).is_empty());
        let refresh = FeedCmd::Refresh {
            urls: vec![],
            force: false,
            request: 1,
        };
        assert!(rounds(&watch(&mut s, vec![refresh.into()])).is_empty());
        // Its answer reloads what is shown and starts the next round.
        let cmds = on_synced(&mut s, 1, done());
        assert!(cmds.contains(&CacheCmd::LoadUnreadCounts.into()));
        assert_eq!(rounds(&cmds), vec![2]);
        assert_eq!(s.sync.last_ok, Some(at(60)));
        assert!(
            s.notice
                .as_ref()
                .is_some_and(|n| n.text.starts_with("Synced: 2 article"))
        );
    }

    #[test]
    fn subscriptions_from_another_machine_reload_the_config_at_once() {
        let mut s = state();
        on_signed_in(&mut s);
        let cmds = on_synced(
            &mut s,
            1,
            SyncOutcome::Done {
                summary: "1 subscription(s) added".into(),
                articles_changed: false,
                subs_changed: true,
            },
        );
        assert!(cmds.contains(&crate::app::SystemCmd::ReloadConfig.into()));
        let read_only = on_synced(&mut s, 2, done());
        assert!(!read_only.contains(&crate::app::SystemCmd::ReloadConfig.into()));
    }

    #[test]
    fn a_refresh_and_signing_in_start_a_round_and_nothing_runs_with_sync_off() {
        let mut s = state();
        assert_eq!(rounds(&on_signed_in(&mut s)), vec![1]);
        on_synced(&mut s, 1, done());
        let refresh = FeedCmd::Refresh {
            urls: vec![],
            force: false,
            request: 1,
        };
        assert_eq!(
            rounds(&watch(&mut s, vec![refresh.clone().into()])),
            vec![2]
        );
        let mut off = state();
        off.sync.enabled = false;
        assert!(rounds(&on_signed_in(&mut off)).is_empty());
        assert!(rounds(&watch(&mut off, vec![refresh.into()])).is_empty());
        assert_eq!(status_text(&off.sync), None);
    }

    #[test]
    fn a_stale_answer_is_dropped_and_a_failure_or_missing_scope_shows_in_the_status_bar() {
        let mut s = state();
        on_signed_in(&mut s);
        assert!(on_synced(&mut s, 7, done()).is_empty());
        assert_eq!(s.sync.running, Some(1));
        on_synced(
            &mut s,
            1,
            SyncOutcome::Failed("could not reach GitHub\u{1b}[2J".into()),
        );
        let (text, failed) = status_text(&s.sync).expect("test value");
        assert!(
            failed && text.starts_with("sync failed: could not reach GitHub"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'));
        on_signed_in(&mut s);
        on_synced(
            &mut s,
            2,
            SyncOutcome::NeedsScope {
                scope: "gist".into(),
                from_env: false,
            },
        );
        let (text, _) = status_text(&s.sync).expect("test value");
        assert!(
            text.contains("`gist`") && text.contains("signs in"),
            "{text}"
        );
        assert!(s.missing_scopes.contains(&"gist".to_owned()));
        // Through update, as the runtime delivers it.
        let mut s = state();
        crate::app::update(&mut s, Msg::Tick(at(1)));
        let cmds = on_signed_in(&mut s);
        assert_eq!(rounds(&cmds), vec![1]);
        crate::app::update(
            &mut s,
            Msg::Synced {
                round: 1,
                outcome: done(),
            },
        );
        assert_eq!(
            status_text(&s.sync).map(|t| t.0),
            Some("Synced 00:00 UTC".into())
        );
    }
}
