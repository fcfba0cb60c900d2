//! The config, read again while the reader runs. The edge (`runtime/config_watch.rs`) reads and
//! validates the file and sends a [`NewConfig`]; here the state follows it: publications added,
//! removed or renamed (matched by URL, so unread counts, the selection and the cursor stay
//! where they still make sense), new ones fetched, keys, theme and auto-refresh replaced, and
//! a first-run screen waiting for a client id goes on to sign in. A broken config changes
//! nothing: the running one is kept and the status bar says what is wrong.

use std::time::Duration;

use super::msg::{CacheCmd, Cmd, FeedCmd, GithubCmd};
use super::signin::Phase;
use super::state::{Focus, NoticeKind, PubState, State};
use super::update::{load_headlines, notice, refresh, start_sign_in};
use crate::config::{GithubConfig, Publication};
use crate::keys::KeyMap;

/// A config as read again and validated at the edge, with what the core cannot find out for
/// itself (the environment, the build).
#[derive(Debug, Clone)]
pub struct NewConfig {
    pub publications: Vec<Publication>,
    pub keys: KeyMap,
    pub theme: crate::theme::Theme,
    pub refresh_every: Option<Duration>,
    pub github: GithubConfig,
    /// `(name, key)` of the GitHub publications `[github]` asks for.
    pub github_pubs: Vec<(String, String)>,
    /// A client id is there now (environment, config or the build): sign-in can go on.
    pub has_client_id: bool,
    /// `[ui] time` (and `TZ`, read at the edge): the zone times are shown in.
    pub zone: crate::timefmt::TimeZone,
    /// `[commands]`: what plays an enclosure.
    pub enclosure_commands: crate::model::EnclosureCommands,
}

/// How many names a notice lists before it only counts.
const NAMES_SHOWN: usize = 3;

pub(super) fn on_reloaded(
    state: &mut State,
    asked: bool,
    result: Result<Box<NewConfig>, String>,
) -> Vec<Cmd> {
    let new = match result {
        Ok(new) => *new,
        Err(why) => {
            notice(
                state,
                NoticeKind::Error,
                // Where it is wrong comes first: a long message is cut at the end.
                format!(
                    "Config not reloaded: {} (the running one is kept)",
                    crate::gate::clean_line(&why)
                ),
            );
            return vec![];
        }
    };
    // The edges first, so that a refresh or sign-in below already uses the new config.
    let mut cmds: Vec<Cmd> = vec![
        FeedCmd::SetPublications(new.publications.clone()).into(),
        CacheCmd::SyncNames {
            publications: new
                .publications
                .iter()
                .map(|p| (p.name.clone(), p.url.clone()))
                .collect(),
        }
        .into(),
        GithubCmd::Configure {
            github: new.github.clone(),
        }
        .into(),
    ];
    let change = relist(state, &new);
    state.keys = new.keys;
    state.theme = new.theme;
    state.refresh_every = new.refresh_every;
    state.github_pubs = new.github_pubs;
    state.zone = new.zone;
    state.enclosure_commands = new.enclosure_commands;

    if !change.added.is_empty() {
        cmds.push(CacheCmd::LoadUnreadCounts.into());
        cmds.extend(refresh(state, change.added.clone(), false));
    }
    if change.selection_lost {
        cmds.extend(load_headlines(state));
    }

    let waiting_for_id = state
        .signin
        .as_ref()
        .is_some_and(|si| matches!(si.phase, Phase::NeedsClientId { .. }));
    if waiting_for_id {
        if new.has_client_id {
            if let Some(si) = &mut state.signin {
                si.phase = Phase::Starting;
                si.progress = None;
            }
            state.notice = None;
            cmds.push(start_sign_in(state));
        } else {
            let file = state
                .config_path
                .clone()
                .unwrap_or_else(|| "the config file".into());
            notice(
                state,
                NoticeKind::Error,
                format!("Still no client id: [github] client_id is not set in {file}"),
            );
        }
        return cmds;
    }
    let text = change.describe();
    if asked || !text.is_empty() {
        let text = if text.is_empty() {
            "Config reloaded: the publications are unchanged".to_owned()
        } else {
            format!("Config reloaded: {text}")
        };
        notice(state, NoticeKind::Info, text);
    }
    cmds
}

/// What a reload did to the publications.
#[derive(Debug, Default)]
struct Change {
    /// Indices (in the new list) of publications to fetch.
    added: Vec<usize>,
    added_names: Vec<String>,
    removed: Vec<String>,
    renamed: Vec<(String, String)>,
    /// The selected publication is gone: another one is selected and its headlines loaded.
    selection_lost: bool,
}

impl Change {
    fn describe(&self) -> String {
        let list = |names: &[String], what: &str| match names.len() {
            0 => None,
            n if n <= NAMES_SHOWN => Some(format!("{what} {}", names.join(", "))),
            n => Some(format!("{what} {n} publications")),
        };
        let renamed: Vec<String> = self
            .renamed
            .iter()
            .map(|(a, b)| format!("{a} → {b}"))
            .collect();
        [
            list(&self.added_names, "added"),
            list(&self.removed, "removed"),
            list(&renamed, "renamed"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ")
    }
}

/// Rebuilds `state.pubs` in the new config's order, matched by URL: a publication that stays
/// keeps its counts and refresh state; the selection follows its publication.
fn relist(state: &mut State, new: &NewConfig) -> Change {
    let mut change = Change::default();
    // The GitHub publications are shown once signed in; the new `[github]` decides which.
    let github_shown = state
        .pubs
        .iter()
        .any(|p| crate::model::Source::from_key(&p.url).is_github());
    let mut wanted: Vec<(String, String)> = new
        .publications
        .iter()
        .map(|p| (p.name.clone(), p.url.clone()))
        .collect();
    if github_shown {
        wanted.extend(new.github_pubs.iter().cloned());
    }
    let selected_url = state.selected_pub().map(|p| p.url.clone());
    let mut old: Vec<Option<PubState>> = std::mem::take(&mut state.pubs)
        .into_iter()
        .map(Some)
        .collect();
    for (name, url) in wanted {
        let kept = old
            .iter_mut()
            .find(|p| p.as_ref().is_some_and(|p| p.url == url))
            .and_then(Option::take);
        let p = if let Some(mut p) = kept {
            if p.name != name {
                change
                    .renamed
                    .push((std::mem::replace(&mut p.name, name.clone()), name));
            }
            p
        } else {
            change.added.push(state.pubs.len());
            change.added_names.push(name.clone());
            PubState::new(name, url)
        };
        state.pubs.push(p);
    }
    change.removed = old.into_iter().flatten().map(|p| p.name).collect();
    if let Some(i) = selected_url.and_then(|u| state.pubs.iter().position(|p| p.url == u)) {
        state.selected = i;
    } else {
        // Its publication is gone: the one now in its place, its headlines from the top.
        state.selected = state.selected.min(state.pubs.len().saturating_sub(1));
        if state.search.is_none() {
            state.headlines.clear();
            state.headlines_of = None;
            state.cursor = 0;
            state.article = None;
            if state.focus == Focus::Article {
                state.focus = Focus::Headlines;
            }
            change.selection_lost = true;
        }
    }
    change
}
