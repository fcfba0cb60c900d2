//! One sync round, the IO edge of `src/sync/`: pull the gist, merge it with the local replica,
//! push the shards that changed, then look for a write that raced ours and merge that too.
//!
//! GitHub has no compare-and-swap for gists (`If-Match` on a PATCH is answered 400), so a round
//! detects a concurrent write after the fact: the gist's commit list shows a version after the
//! one we pulled that is not ours. Since the merge is a join, merging that version and writing
//! again (a bounded number of times) loses nothing, whichever order the writers took.
//!
//! Crash safety: local state only ever changes in one transaction per step
//! (`Store::apply_sync`), after the merge, and a register is only ever replaced by a later one;
//! the gist only ever receives a whole merged state, one PATCH at a time. Killing newsroom at
//! any point leaves the cache as it was or merged, and the gist as it was or merged; the next
//! round finishes the work.
//!
//! The gist's id is kept in the cache (`sync_meta`), not in the config: it is per machine
//! state, found again by the gist's description when lost, and a config shared between
//! machines (dotfiles) must not carry one machine's view of it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::Utc;

use super::format::{self, GIST_DESCRIPTION, MANIFEST, Parsed};
use super::hlc::{DeviceId, Hlc};
use super::merge::SyncState;
pub(crate) use super::remote::{GistApi, Listed, RemoteError, RemoteGist};
use super::subs::{self, SubChanges};
use crate::auth::scopes::MissingScope;
use crate::store::{SharedStore, StoreError, SyncApplied};

#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("{0}")]
    MissingScope(MissingScope),
    #[error(
        "the sync gist {0} was written by a newer newsroom (format version {1}); update newsroom \
         on this machine to sync with it. Nothing was written."
    )]
    Newer(String, u32),
    #[error(
        "the sync gist {0} is encrypted, and encryption is off on this machine: set `[sync] \
         encrypt = true` in the config (and the passphrase of your other machines) to sync with \
         it. Nothing was written."
    )]
    Encrypted(String),
    #[error(
        "sync: `[sync] encrypt = true`, but no sync passphrase is kept: run `newsroom sync` on a \
         terminal once to enter it, or set {}. Nothing was sent.",
        super::sealed::PASSPHRASE_ENV
    )]
    NoPassphrase,
    #[error("sync: {0}")]
    Passphrase(String),
    #[error("sync: {0}")]
    Remote(RemoteError),
    #[error("sync: {0}")]
    Store(#[from] StoreError),
    #[error("sync: {0}")]
    Config(#[from] crate::config_edit::ConfigEditError),
}

impl From<RemoteError> for RoundError {
    fn from(e: RemoteError) -> Self {
        match e {
            RemoteError::MissingScope(m) => Self::MissingScope(m),
            e => Self::Remote(e),
        }
    }
}

/// What a round did, for `newsroom sync` and the status bar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub gist: String,
    /// The gist was made by this round (first machine, or the old one was gone or damaged).
    pub created: bool,
    /// The gist was missing or malformed and was written anew from local state.
    pub reseeded: bool,
    /// Local changes (marks, watermarks) that went to the gist.
    pub pushed: usize,
    /// Files written.
    pub files_written: usize,
    /// What came from other machines into this cache.
    pub applied: SyncApplied,
    pub subs: SubChanges,
    /// Concurrent writes found and merged.
    pub raced: usize,
    /// What could not be read in the gist (skipped).
    pub problems: Vec<String>,
}

impl RoundReport {
    /// One line for the status bar and the end of `newsroom sync`.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.pushed > 0 {
            parts.push(format!("{} change(s) sent", self.pushed));
        }
        let got = self.applied.read + self.applied.starred;
        if got > 0 {
            parts.push(format!("{got} article(s) updated from other machines"));
        }
        let s = &self.subs;
        if !s.added.is_empty() {
            parts.push(format!("subscribed to {}", s.added.join(", ")));
        }
        if !s.removed.is_empty() {
            parts.push(format!("unsubscribed from {}", s.removed.join(", ")));
        }
        if !s.changed.is_empty() {
            parts.push(format!("renamed or re-keyed {}", s.changed.join(", ")));
        }
        if parts.is_empty() {
            "in sync, nothing changed".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

/// Writes a gist at most this many times per round (the first write and the re-writes after
/// a race). The gist client keeps writes a second apart, as GitHub wants.
const MAX_WRITES: usize = 3;
/// Racing versions fetched per re-write, at most.
const MAX_RACED: usize = 5;

fn now_ms() -> u64 {
    u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0)
}

/// [`round`], its outcome kept for `newsroom status` (the last error, cleared by a success).
pub(crate) async fn run<G: GistApi>(
    gist: &G,
    store: &SharedStore,
    config_file: &Path,
) -> Result<RoundReport, RoundError> {
    let result = match encryption(config_file).await {
        Ok(Some(pass)) => round(&super::sealed::Sealed::new(gist, pass), store, config_file).await,
        Ok(None) => round(gist, store, config_file).await,
        Err(e) => Err(e),
    };
    let error = result
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    if let Err(e) = store
        .call(move |s| s.set_sync_meta("last_error", &error))
        .await
    {
        tracing::warn!("sync: could not keep the round's outcome: {e}");
    }
    result
}

/// With `[sync] encrypt = true`, the passphrase (from the environment or the keyring); never a
/// prompt here, so a round without a terminal fails at once rather than hang or send plaintext.
async fn encryption(config_file: &Path) -> Result<Option<age::secrecy::SecretString>, RoundError> {
    let config = crate::config::Config::load(Some(config_file), None)
        .map_err(|e| RoundError::Passphrase(e.to_string()))?;
    if !config.sync.encrypt {
        return Ok(None);
    }
    super::sealed::stored_passphrase(&config.github.host)
        .await
        .map_err(RoundError::Passphrase)?
        .ok_or(RoundError::NoPassphrase)
        .map(Some)
}

/// One round: see the module docs.
pub(crate) async fn round<G: GistApi>(
    gist: &G,
    store: &SharedStore,
    config_file: &Path,
) -> Result<RoundReport, RoundError> {
    let mut report = RoundReport::default();
    let known_gist = store.call(|s| s.sync_meta("gist")).await?;
    let first_round = known_gist.is_none();

    // 1. The config's subscriptions into the replica, stamped if changed since last round. On
    // a machine's first round they get the oldest stamp: joining adopts what the gist says
    // about the feeds it knows, and adds the others.
    let config_pubs = crate::config_edit::read_publications(config_file)?;
    store
        .call(move |s| {
            s.seed_sync()?;
            let known = s.sync_state()?.subs;
            let device = s.sync_device()?;
            let mut err = None;
            let changed = subs::local_changes(&config_pubs, &known, || {
                if first_round && known.is_empty() {
                    return Hlc::zero(device.clone());
                }
                match s.sync_tick() {
                    Ok(t) => t,
                    Err(e) => {
                        err.get_or_insert(e);
                        Hlc::zero(device.clone())
                    }
                }
            });
            if let Some(e) = err {
                return Err(e);
            }
            s.record_subs(&changed)
        })
        .await?;
    let (base, device, dirty) = store
        .call(|s| Ok((s.sync_state()?, s.sync_device()?, s.sync_dirty()?)))
        .await?;

    // 2. Pull: the known gist, else the user's newsroom gist, else a new one.
    let (mut remote, created) =
        find_or_create(gist, known_gist.as_deref(), &base, &mut report).await?;
    report.created = created;
    let gist_id = remote.id.clone();
    report.gist.clone_from(&gist_id);
    store
        .call({
            let id = gist_id.clone();
            move |s| s.set_sync_meta("gist", &id)
        })
        .await?;
    let parsed = format::parse(&remote.files);
    if parsed.is_newer() {
        return Err(RoundError::Newer(gist_id, parsed.version.unwrap_or(0)));
    }
    // Only the plain path sees this line (the sealed view takes it out): never plaintext into
    // an encrypted gist.
    if parsed.encrypted {
        return Err(RoundError::Encrypted(gist_id));
    }
    note_problems(&parsed, &mut report);
    if parsed.version.is_none() && !created {
        report.reseeded = true;
    }
    let mut merged = base.clone();
    merged.join(&parsed.state);
    let mut merged_versions: Vec<String> = remote.history.first().cloned().into_iter().collect();

    // 3. Push what changed, then merge any write that raced ours, and push again.
    let mut writes = 0;
    loop {
        let files = files_to_write(&remote.files, &merged);
        if files.is_empty() {
            break;
        }
        if writes >= MAX_WRITES {
            tracing::info!("sync: still racing after {writes} writes; the next round goes on");
            break;
        }
        let mut with_seen = merged.clone();
        with_seen
            .devices
            .insert(device.clone(), seen_stamp(&merged, &device));
        let files = files_to_write(&remote.files, &with_seen);
        report.files_written += files.len();
        let written = gist.patch(&gist_id, &files).await?;
        writes += 1;
        merged = with_seen;
        let ours = written.history.first().cloned();
        let raced = racing_versions(gist, &gist_id, &merged_versions, ours.as_deref()).await?;
        if let Some(v) = ours {
            merged_versions.push(v);
        }
        remote = written;
        if raced.is_empty() {
            break;
        }
        for v in raced.iter().take(MAX_RACED) {
            let other = gist.get_at(&gist_id, v).await?;
            let p = format::parse(&other.files);
            if p.encrypted {
                return Err(RoundError::Encrypted(gist_id));
            }
            if !p.is_newer() {
                merged.join(&p.state);
            }
            merged_versions.push(v.clone());
            report.raced += 1;
        }
        // What GitHub holds now is the base of the next write.
        remote = gist.get(&gist_id).await?;
        let p = format::parse(&remote.files);
        if p.encrypted {
            return Err(RoundError::Encrypted(gist_id));
        }
        if !p.is_newer() {
            merged.join(&p.state);
        }
        if let Some(v) = remote.history.first() {
            merged_versions.push(v.clone());
        }
    }
    let pushed = writes > 0 || files_to_write(&remote.files, &merged).is_empty();
    if pushed {
        report.pushed = dirty;
    }

    // 4. Apply: the cache, then the config, then what the config now holds.
    let applied = store
        .call({
            let merged = merged.clone();
            move |s| s.apply_sync(&base, &merged, pushed)
        })
        .await?;
    report.applied = applied;
    report.subs = subs::apply(config_file, &merged.subs)?;
    let subs = merged.subs.clone();
    let stamp = Utc::now().to_rfc3339();
    let version = remote.history.first().cloned().unwrap_or_default();
    store
        .call(move |s| {
            s.record_subs(&subs)?;
            s.set_sync_meta("last_round", &stamp)?;
            s.set_sync_meta("last_version", &version)
        })
        .await?;
    Ok(report)
}

/// The last-seen stamp a write carries for this device: later than anything in the state.
fn seen_stamp(state: &SyncState, device: &DeviceId) -> Hlc {
    let mut c = super::hlc::Clock::resume(device.clone(), state.latest());
    c.tick(now_ms())
}

/// The files to PATCH: those whose text differs, and shards of ours that are gone (`None`).
/// Files of the user's in the gist are not touched. `state` holds this device's last-seen
/// as of the last write, so a round with nothing new writes nothing.
fn files_to_write(
    remote: &BTreeMap<String, String>,
    state: &SyncState,
) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    let rendered = format::render(state);
    for (name, text) in &rendered {
        if remote.get(name) != Some(text) {
            out.insert(name.clone(), Some(text.clone()));
        }
    }
    for name in remote.keys() {
        if format::is_ours(name) && !rendered.contains_key(name) {
            out.insert(name.clone(), None);
        }
    }
    out
}

/// Versions in the gist's history after the ones merged that are not ours.
async fn racing_versions<G: GistApi>(
    gist: &G,
    id: &str,
    merged: &[String],
    ours: Option<&str>,
) -> Result<Vec<String>, RemoteError> {
    let history = gist.commits(id).await?;
    let mut out = Vec::new();
    for v in history {
        if merged.contains(&v) {
            // Everything older than a version we merged is in it.
            break;
        }
        if Some(v.as_str()) != ours {
            out.push(v);
        }
    }
    Ok(out)
}

fn note_problems(parsed: &Parsed, report: &mut RoundReport) {
    for p in &parsed.problems {
        tracing::warn!("sync gist: {p}");
        report.problems.push(p.to_string());
    }
}

/// The gist to sync with: the one recorded, else the user's newsroom gist (most recently
/// updated, if there are several), else a new one seeded from `base`. A recorded gist that is
/// gone is reported and replaced.
async fn find_or_create<G: GistApi>(
    gist: &G,
    known: Option<&str>,
    base: &SyncState,
    report: &mut RoundReport,
) -> Result<(RemoteGist, bool), RoundError> {
    if let Some(id) = known {
        match gist.get(id).await {
            Ok(g) => return Ok((g, false)),
            Err(RemoteError::NotFound) => {
                report
                    .problems
                    .push(format!("the sync gist {id} is gone; writing a new one"));
                report.reseeded = true;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut ours: Vec<Listed> = gist
        .list()
        .await?
        .into_iter()
        .filter(|g| Some(g.id.as_str()) != known)
        .filter(|g| g.description == GIST_DESCRIPTION || g.files.iter().any(|f| f == MANIFEST))
        .collect();
    ours.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
    if let Some(found) = ours.first() {
        match gist.get(&found.id).await {
            Ok(g) => return Ok((g, false)),
            Err(RemoteError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let files = format::render(base);
    let created = gist.create(GIST_DESCRIPTION, &files).await?;
    Ok((created, true))
}

/// A round for the reader (the GitHub executor runs it), as the core sees its outcome.
pub(crate) async fn reader_round(
    session: Option<&crate::github::GithubSession>,
    store: &SharedStore,
    config_file: Option<&Path>,
) -> crate::app::sync::SyncOutcome {
    use crate::app::sync::SyncOutcome;
    let (Some(session), Some(config_file)) = (session, config_file) else {
        return SyncOutcome::Failed("not signed in to GitHub".into());
    };
    if let Err(m) = session.require(crate::auth::scopes::Feature::Sync) {
        return SyncOutcome::NeedsScope {
            scope: m.feature.scope().to_owned(),
            from_env: m.from_env,
        };
    }
    match run(session, store, config_file).await {
        Ok(r) => SyncOutcome::Done {
            summary: r.summary(),
            articles_changed: r.applied.read + r.applied.starred > 0,
            subs_changed: !r.subs.is_empty(),
        },
        Err(RoundError::MissingScope(m)) => SyncOutcome::NeedsScope {
            scope: m.feature.scope().to_owned(),
            from_env: m.from_env,
        },
        Err(e) => SyncOutcome::Failed(e.to_string()),
    }
}

/// How long quitting waits for the last round at most.
const QUIT_BUDGET: Duration = Duration::from_secs(3);

/// The round on quit, bounded: a round cut short loses nothing (see the module docs), and the
/// next one finishes it.
pub(crate) async fn on_quit(
    session: Option<crate::github::GithubSession>,
    store: &SharedStore,
    config_file: &Path,
) {
    let Some(session) = session else {
        return;
    };
    if session.require(crate::auth::scopes::Feature::Sync).is_err() {
        return;
    }
    match tokio::time::timeout(QUIT_BUDGET, run(&session, store, config_file)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => eprintln!("newsroom: {e}"),
        Err(_) => eprintln!(
            "newsroom: sync on quit took longer than {} s; the next round finishes it",
            QUIT_BUDGET.as_secs()
        ),
    }
}
