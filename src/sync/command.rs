//! `newsroom sync`, `newsroom sync --off`, the sync part of `newsroom status`, and the round
//! `newsroom fetch` runs when sync is on. Results on stdout, problems on stderr.

use std::io::{IsTerminal, Write};

use super::round::{RoundError, RoundReport, run};
use crate::auth::scopes::{Feature, MissingScope};
use crate::auth::{Auth, AuthSettings, Session};
use crate::context::{Context, Failure};
use crate::github::GithubSession;
use crate::store::{SharedStore, Store};

/// The signed-in session with the `gist` scope; without it, the message naming the scope (and
/// on a terminal, an offer to sign in again for it). Never waits for input without a terminal.
async fn session(ctx: &Context, err: &mut impl Write) -> Result<GithubSession, Failure> {
    let auth = Auth::new(AuthSettings::from_env(
        &ctx.config.github,
        &ctx.paths.data_dir,
    ))
    .map_err(|e| Failure::Code(e.exit_code(), e.to_string()))?;
    let session = match auth.resume().await {
        Ok(Session::SignedIn(s)) => GithubSession::new(&auth, s),
        Ok(Session::Offline { reason, .. }) => {
            return Err(Failure::Runtime(format!(
                "sync: cannot reach GitHub ({reason}); nothing was synced"
            )));
        }
        Err(e) => {
            return Err(Failure::Code(
                e.exit_code(),
                format!("sync needs a GitHub sign-in: {e}"),
            ));
        }
    };
    match session.require(Feature::Sync) {
        Ok(()) => Ok(session),
        Err(missing) => {
            let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
            if interactive && !missing.from_env && offer_sign_in(&missing, err) {
                let opts = crate::auth::cli::LoginOptions {
                    insecure_storage: false,
                    open_browser_prompt: true,
                };
                crate::auth::cli::login(&ctx.config.github, &ctx.paths.data_dir, opts)
                    .await
                    .map_err(|e| Failure::Code(e.exit_code(), e.to_string()))?;
                return Box::pin(session_after_login(ctx)).await;
            }
            Err(Failure::Code(4, missing.to_string()))
        }
    }
}

/// After signing in again: the new session, which must have the scope now.
async fn session_after_login(ctx: &Context) -> Result<GithubSession, Failure> {
    let auth = Auth::new(AuthSettings::from_env(
        &ctx.config.github,
        &ctx.paths.data_dir,
    ))
    .map_err(|e| Failure::Code(e.exit_code(), e.to_string()))?;
    match auth.resume().await {
        Ok(Session::SignedIn(s)) => {
            let session = GithubSession::new(&auth, s);
            session
                .require(Feature::Sync)
                .map_err(|m| Failure::Code(4, m.to_string()))?;
            Ok(session)
        }
        _ => Err(Failure::Runtime(
            "sync: signed in, but GitHub could not be reached to check the token".into(),
        )),
    }
}

fn offer_sign_in(missing: &MissingScope, err: &mut impl Write) -> bool {
    let _ = write!(
        err,
        "newsroom: {missing}\nSign in again now to grant it? [Y/n] "
    );
    let _ = err.flush();
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "" | "y" | "Y" | "yes")
}

fn store(ctx: &Context, err: &mut impl Write) -> Result<SharedStore, Failure> {
    if let Some(parent) = ctx.db.parent() {
        let _ = crate::paths::create_private_dir(parent);
    }
    let (store, notice) = Store::open(&ctx.db).map_err(|e| Failure::Runtime(e.to_string()))?;
    if let Some(n) = notice {
        let _ = writeln!(err, "newsroom: {n}");
    }
    Ok(SharedStore::new(store))
}

fn round_failure(e: &RoundError) -> Failure {
    match e {
        RoundError::MissingScope(m) => Failure::Code(4, m.to_string()),
        e => Failure::Runtime(e.to_string()),
    }
}

fn print_report(report: &RoundReport, out: &mut impl Write, err: &mut impl Write) {
    for p in &report.problems {
        let _ = writeln!(err, "newsroom: sync gist: {p} (skipped)");
    }
    if report.reseeded {
        let _ = writeln!(
            err,
            "newsroom: the sync gist was missing or damaged; it was written again from this \
             machine's state"
        );
    }
    for s in &report.subs.skipped {
        let _ = writeln!(err, "newsroom: sync: not applied to the config: {s}");
    }
    let _ = writeln!(out, "Synced: {}", report.summary());
}

/// `newsroom sync [--off]`.
pub async fn sync_command(ctx: &Context, off: bool, passphrase: bool) -> Result<(), Failure> {
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    if off {
        crate::config_edit::set_sync_enabled(&ctx.config_file, false)
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        let _ = writeln!(
            out,
            "Sync is off. The gist stays as it is; `newsroom sync` turns sync on again."
        );
        return Ok(());
    }
    super::ask::ensure_passphrase(ctx, passphrase, &mut err).await?;
    let session = session(ctx, &mut err).await?;
    let store = store(ctx, &mut err)?;
    let report = run(&session, &store, &ctx.config_file)
        .await
        .map_err(|e| round_failure(&e))?;
    if report.created {
        let _ = writeln!(out, "Created the secret sync gist {}", report.gist);
    }
    if !ctx.config.sync.enabled {
        crate::config_edit::set_sync_enabled(&ctx.config_file, true)
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        let _ = writeln!(
            out,
            "Sync is on (gist {}): the reader and `newsroom fetch` sync from now on.",
            report.gist
        );
    }
    print_report(&report, &mut out, &mut err);
    Ok(())
}

/// The round `newsroom fetch` runs after refreshing, when sync is on. Failures are said on
/// stderr and make the command fail, never a silent success.
pub async fn after_fetch(ctx: &Context) -> Result<(), Failure> {
    let (mut out, mut err) = (std::io::stderr(), std::io::stderr());
    let session = session(ctx, &mut err).await?;
    let store = store(ctx, &mut err)?;
    let report = run(&session, &store, &ctx.config_file)
        .await
        .map_err(|e| round_failure(&e))?;
    print_report(&report, &mut out, &mut err);
    Ok(())
}

/// The sync lines of `newsroom status`.
pub fn status_text(ctx: &Context) -> String {
    let mut s = String::new();
    if !ctx.config.sync.enabled {
        s.push_str("Sync: off (`newsroom sync` turns it on)\n");
        return s;
    }
    let opened = if ctx.db.exists() {
        Store::open_read_only(&ctx.db).ok()
    } else {
        None
    };
    let Some(store) = opened else {
        s.push_str("Sync: on, no round yet\n");
        return s;
    };
    let meta = |k: &str| store.sync_meta(k).ok().flatten();
    let gist = meta("gist");
    let me = meta("device");
    s.push_str(&format!(
        "Sync: on, gist {}\n",
        gist.as_deref().unwrap_or("(none yet)")
    ));
    s.push_str(&format!(
        "  last round: {}\n",
        meta("last_round").as_deref().unwrap_or("never")
    ));
    if ctx.config.sync.encrypt {
        s.push_str("  encrypted: yes (`[sync] encrypt`, the passphrase in the keyring)\n");
    }
    if let Some(e) = meta("last_error").filter(|e| !e.is_empty()) {
        s.push_str(&format!("  last error: {e}\n"));
    }
    if let Some(me) = &me {
        s.push_str(&format!("  this machine: {me}\n"));
    }
    let devices = store.sync_state().map(|st| st.devices).unwrap_or_default();
    let others: Vec<String> = devices
        .iter()
        .filter(|(d, _)| Some(d.as_str()) != me.as_deref())
        .map(|(d, seen)| {
            let at = i64::try_from(seen.millis)
                .ok()
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map_or_else(
                    || "?".to_owned(),
                    |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
                );
            format!("  other machine: {d} (last seen {at})\n")
        })
        .collect();
    if others.is_empty() {
        s.push_str("  other machines: none yet\n");
    } else {
        s.extend(others);
    }
    s
}
