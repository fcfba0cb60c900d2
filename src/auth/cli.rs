//! The `newsroom login`, `logout` and `status` commands, in the manner of `gh auth`: progress
//! and warnings on stderr, results on stdout, never the token. The binary parses the flags,
//! calls [`login`], [`logout`] or [`status`] and maps the error to an exit code
//! ([`AuthError::exit_code`]). The `*_with` variants take the writers (and an [`Auth`]) so that
//! tests drive the real logic.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use super::{
    Auth, AuthError, AuthEvent, AuthSettings, Session, SignedIn, StorageChoice, TokenSource,
};
use crate::config::GithubConfig;

/// `newsroom login` flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginOptions {
    /// Keep the token in a 0600 file in the data dir instead of the OS keyring.
    pub insecure_storage: bool,
    /// Offer "Press Enter to open … in your browser" (only ever shown on a terminal).
    pub open_browser_prompt: bool,
}

/// `newsroom login`.
pub async fn login(
    cfg: &GithubConfig,
    data_dir: &Path,
    opts: LoginOptions,
) -> Result<SignedIn, AuthError> {
    let auth = Auth::new(AuthSettings::from_env(cfg, data_dir))?;
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let opts = LoginOptions {
        open_browser_prompt: opts.open_browser_prompt && interactive,
        ..opts
    };
    login_with(&auth, opts, &mut std::io::stdout(), &mut std::io::stderr()).await
}

/// `newsroom logout`.
pub async fn logout(cfg: &GithubConfig, data_dir: &Path) -> Result<Vec<TokenSource>, AuthError> {
    let auth = Auth::new(AuthSettings::from_env(cfg, data_dir))?;
    logout_with(&auth, &mut std::io::stdout(), &mut std::io::stderr()).await
}

/// `newsroom status`.
pub async fn status(cfg: &GithubConfig, data_dir: &Path) -> Result<SignedIn, AuthError> {
    let auth = Auth::new(AuthSettings::from_env(cfg, data_dir))?;
    status_with(&auth, &mut std::io::stdout(), &mut std::io::stderr()).await
}

/// `login` with explicit writers. `opts.open_browser_prompt` is taken as is (the caller has
/// checked for a terminal).
pub async fn login_with<O: Write, E: Write + Send>(
    auth: &Auth,
    opts: LoginOptions,
    out: &mut O,
    err: &mut E,
) -> Result<SignedIn, AuthError> {
    let settings = auth.settings();
    let storage = if opts.insecure_storage {
        writeln!(
            err,
            "warning: --insecure-storage: the token will be kept unencrypted in {}",
            auth.store().insecure_path().display()
        )?;
        StorageChoice::InsecureFile
    } else {
        StorageChoice::Keyring
    };
    if auth.store().has_env_token() {
        writeln!(
            err,
            "note: {} is set, so newsroom will keep using that token until you unset it",
            super::ENV_TOKEN
        )?;
    }
    let flow_host = settings.host.clone();
    let mut write_failed = None;
    let signed_in = auth
        .sign_in(storage, |event| {
            if let Err(e) = show_progress(err, &event, &flow_host, opts.open_browser_prompt) {
                write_failed.get_or_insert(e);
            }
        })
        .await?;
    if let Some(e) = write_failed {
        tracing::debug!("could not show sign-in progress: {e}");
    }
    writeln!(
        out,
        "✓ Signed in to {} as @{}",
        signed_in.host, signed_in.login
    )?;
    writeln!(err, "Token kept in {}.", signed_in.source)?;
    if let Some(w) = signed_in.source.warning() {
        writeln!(err, "{w}")?;
    }
    Ok(signed_in)
}

fn show_progress(
    err: &mut impl Write,
    event: &AuthEvent,
    host: &str,
    browser: bool,
) -> std::io::Result<()> {
    match event {
        AuthEvent::Code {
            user_code,
            verification_uri,
            expires_at,
        } => {
            let minutes = expires_at
                .saturating_duration_since(Instant::now())
                .as_secs()
                .div_ceil(60);
            writeln!(err, "! First copy your one-time code: {user_code}")?;
            writeln!(
                err,
                "  Then open {verification_uri} and enter it (the code expires in {minutes} min)."
            )?;
            if browser {
                writeln!(err, "- Press Enter to open {host} in your browser...")?;
                offer_browser(verification_uri.clone());
            }
            writeln!(err, "Waiting for approval on {host}...")?;
        }
        AuthEvent::SlowDown { interval } => {
            writeln!(
                err,
                "GitHub asked newsroom to poll less often: now every {}.",
                secs(*interval)
            )?;
        }
        AuthEvent::Offline { retry_in, reason } => {
            writeln!(err, "offline, retrying in {} ({reason})", secs(*retry_in))?;
        }
        AuthEvent::Waiting | AuthEvent::Verifying | AuthEvent::Done(_) | AuthEvent::Failed(_) => {}
    }
    err.flush()
}

/// Waits for Enter on a thread (stdin cannot be read without blocking) and opens the URL. The
/// thread is left behind if the user never presses Enter; the process ends anyway.
fn offer_browser(url: String) {
    std::thread::spawn(move || {
        let mut line = String::new();
        if std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
            // The browser's environment carries no token (see `browser::SECRET_VARS`).
            let opened = match crate::browser::plan(&url) {
                Some(crate::browser::Launch::Detached(cmd)) => crate::browser::spawn_detached(cmd),
                Some(crate::browser::Launch::Terminal(mut cmd)) => cmd.status().map(drop),
                None => Err(std::io::Error::other("none found; set $BROWSER")),
            };
            if let Err(e) = opened {
                eprintln!("could not open a browser ({e}): open {url} yourself");
            }
        }
    });
}

/// `logout` with explicit writers: removes the token locally and says how to revoke it.
pub async fn logout_with<O: Write, E: Write>(
    auth: &Auth,
    out: &mut O,
    err: &mut E,
) -> Result<Vec<TokenSource>, AuthError> {
    let settings = auth.settings();
    let removed = match auth.store().delete_async().await {
        Ok(removed) => removed,
        // No keyring on this machine (no D-Bus, no Secret Service) and no file: nothing newsroom
        // could have stored here. A locked or failing keyring stays an error.
        Err(e @ super::StoreError::Unavailable { .. }) => {
            writeln!(err, "note: the OS keyring could not be checked: {e}")?;
            Vec::new()
        }
        Err(e) => return Err(e.into()),
    };
    if removed.is_empty() {
        writeln!(out, "No GitHub token was stored for {}.", settings.host)?;
    }
    for source in &removed {
        writeln!(
            out,
            "Removed the GitHub token for {} from {source}.",
            settings.host
        )?;
    }
    if auth.store().has_env_token() {
        writeln!(
            err,
            "note: {} is still set: unset it to sign out completely",
            super::ENV_TOKEN
        )?;
    }
    writeln!(
        out,
        "newsroom cannot revoke the token itself; to revoke its access, visit {}",
        settings.revoke_url()
    )?;
    Ok(removed)
}

/// `status` with explicit writers. Not signed in, a rejected token, or GitHub unreachable are
/// errors (a non-zero exit).
pub async fn status_with<O: Write, E: Write>(
    auth: &Auth,
    out: &mut O,
    err: &mut E,
) -> Result<SignedIn, AuthError> {
    let host = &auth.settings().host;
    match auth.resume().await {
        Ok(Session::SignedIn(s)) => {
            writeln!(out, "{host}")?;
            writeln!(out, "  ✓ Signed in as @{}", s.login)?;
            writeln!(out, "  Token kept in {}", s.source)?;
            let scopes = if s.scopes.is_empty() {
                "none".to_owned()
            } else {
                s.scopes.join(", ")
            };
            writeln!(out, "  Scopes: {scopes}")?;
            for f in super::scopes::Feature::ALL {
                let (mark, note) = if super::scopes::grants(&s.scopes, f.scope()) {
                    ("✓", "")
                } else {
                    ("✗", ": sign in again to grant it (`newsroom login`)")
                };
                writeln!(out, "  {mark} `{}`: {}{note}", f.scope(), f.purpose())?;
            }
            if let Some(r) = s.rate {
                writeln!(
                    out,
                    "  API rate limit: {} of {} requests left, renews at {}",
                    r.remaining,
                    r.limit,
                    r.reset.format("%H:%M UTC")
                )?;
            }
            if let Some(at) = s.credentials.expires_at {
                let left = at.duration_since(SystemTime::now()).unwrap_or_default();
                let renew = if s.credentials.refresh.is_some() {
                    ", renewed automatically"
                } else {
                    ""
                };
                writeln!(out, "  Token expires in {}{renew}", human(left))?;
            }
            if let Some(w) = s.source.warning() {
                writeln!(err, "{w}")?;
            }
            Ok(s)
        }
        Ok(Session::Offline {
            login,
            source,
            reason,
        }) => {
            writeln!(out, "{host}")?;
            if let Some(login) = login {
                writeln!(out, "  ? Signed in as @{login} (not verified: offline)")?;
            }
            writeln!(out, "  Token kept in {source}")?;
            Err(AuthError::Offline { reason })
        }
        Err(e) => {
            if e.needs_sign_in() {
                writeln!(out, "{host}\n  ✗ Not signed in")?;
            }
            Err(e)
        }
    }
}

fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn human(d: Duration) -> String {
    let m = d.as_secs() / 60;
    match m {
        0 => "less than a minute".to_owned(),
        1..=59 => format!("{m} min"),
        60..=2879 => format!("{} h {} min", m / 60, m % 60),
        _ => format!("{} days", m / 1440),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(secs(Duration::from_secs(10)), "10 s");
        assert_eq!(secs(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human(Duration::from_secs(8 * 3600)), "8 h 0 min");
        assert_eq!(human(Duration::from_secs(30)), "less than a minute");
        assert_eq!(human(Duration::from_secs(10 * 86_400)), "10 days");
    }
}
