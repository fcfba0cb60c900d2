//! The GitHub executor: checks the stored token, runs device-flow sign-ins, and keeps the one
//! [`GithubSession`] every GitHub call goes through once the user is signed in.
//!
//! Answers carry the id of the attempt they belong to; a sign-in is one task that reports
//! straight onto the message channel (no forwarder to outlive it), and cancelling aborts it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::app::{AuthMsg, FeedOutcome, GithubCmd, Msg};
use crate::auth::{Auth, AuthError, AuthEvent, Session, StorageChoice};
use crate::gate::{clean, clean_line};
use crate::github::pubs::PubError;
use crate::github::{GithubError, GithubSession, inbox, pubs};
use crate::refresh::RefreshStatus;
use crate::store::SharedStore;

pub(super) struct GithubExecutor {
    /// Replaced when the config is reloaded (`GithubCmd::Configure`).
    auth: Mutex<Option<Auth>>,
    /// Where a sign-in keeps the token: the keyring, or with `--insecure-storage` a 0600 file.
    pub(super) storage: StorageChoice,
    store: SharedStore,
    tx: mpsc::UnboundedSender<Msg>,
    /// The running sign-in, so it can be cancelled.
    signin_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Set once signed in; read by every GitHub feature.
    session: Arc<Mutex<Option<GithubSession>>>,
    /// The config file sync applies subscriptions to; `None` while sync is off.
    pub(super) sync_config: Option<std::path::PathBuf>,
}

impl GithubExecutor {
    pub(super) fn new(
        auth: Option<Auth>,
        store: SharedStore,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Self {
        Self {
            auth: Mutex::new(auth),
            storage: StorageChoice::Keyring,
            store,
            tx,
            signin_task: Mutex::new(None),
            session: Arc::new(Mutex::new(None)),
            sync_config: None,
        }
    }

    /// The signed-in session, if any.
    pub(super) fn session(&self) -> Option<GithubSession> {
        self.session.lock().ok().and_then(|s| s.clone())
    }

    pub(super) fn exec(&self, cmd: GithubCmd) {
        let Some(auth) = self.auth.lock().ok().and_then(|a| a.clone()) else {
            return; // a reader without sign-in (tests of the reader alone)
        };
        let storage = self.storage;
        match cmd {
            GithubCmd::Configure { github } => {
                let old = auth.settings();
                let mut settings = crate::auth::AuthSettings::from_env(&github, &old.data_dir);
                settings.keyring_service.clone_from(&old.keyring_service);
                match Auth::new(settings) {
                    Ok(fresh) => {
                        if let Ok(mut slot) = self.auth.lock() {
                            *slot = Some(fresh);
                        }
                    }
                    Err(e) => {
                        let _ = self.tx.send(Msg::Problem(clean_line(&format!(
                            "[github] not reloaded: {e}"
                        ))));
                    }
                }
            }
            GithubCmd::CheckSession { attempt } => {
                let (tx, slot) = (self.tx.clone(), self.session.clone());
                tokio::spawn(async move {
                    let mut warning = None;
                    let msg = match auth.resume().await {
                        Ok(Session::SignedIn(s)) => {
                            let login = clean_line(&s.login);
                            warning = s.source.warning();
                            keep(&slot, GithubSession::new(&auth, s));
                            AuthMsg::Resumed { login }
                        }
                        Ok(Session::Offline { login, reason, .. }) => AuthMsg::ResumedOffline {
                            login: login.as_deref().map(clean_line),
                            reason: clean_line(&reason),
                        },
                        // With `--insecure-storage` a missing keyring is no reason: the token
                        // will go to the file.
                        Err(AuthError::NotSignedIn { why, .. }) => AuthMsg::NeedsSignIn {
                            reason: why
                                .as_deref()
                                .filter(|_| storage == StorageChoice::Keyring)
                                .map(clean_line),
                        },
                        Err(e) => AuthMsg::NeedsSignIn {
                            reason: Some(clean(&e.to_string())),
                        },
                    };
                    let _ = tx.send(Msg::Auth { attempt, msg });
                    if let Some(w) = warning {
                        let _ = tx.send(Msg::Problem(clean_line(&w)));
                    }
                });
            }
            GithubCmd::StartSignIn { attempt, scopes } => {
                // The union: what the features found missing and what the token had.
                let mut scopes = scopes;
                if let Some(s) = self.session() {
                    scopes.extend(s.scopes());
                }
                let (tx, slot) = (self.tx.clone(), self.session.clone());
                let task = tokio::spawn(async move {
                    let progress = tx.clone();
                    let report = move |ev| {
                        let _ = progress.send(Msg::Auth {
                            attempt,
                            msg: auth_msg(ev),
                        });
                    };
                    let mut warning = None;
                    let end = match auth.sign_in_for(storage, &scopes, report).await {
                        Ok(done) => {
                            let login = clean_line(&done.login);
                            warning = done.source.warning();
                            keep(&slot, GithubSession::new(&auth, done));
                            AuthMsg::SignedIn { login }
                        }
                        Err(AuthError::NoClientId { web_url }) => AuthMsg::NoClientId {
                            web_url: clean_line(&web_url),
                        },
                        Err(e) => AuthMsg::Failed {
                            message: clean(&e.to_string()),
                        },
                    };
                    let _ = tx.send(Msg::Auth { attempt, msg: end });
                    // After the greeting, so that it is the notice that stays.
                    if let Some(w) = warning {
                        let _ = tx.send(Msg::Problem(clean_line(&w)));
                    }
                });
                if let Ok(mut slot) = self.signin_task.lock()
                    && let Some(old) = slot.replace(task)
                {
                    old.abort();
                }
            }
            GithubCmd::CancelSignIn => {
                if let Ok(mut slot) = self.signin_task.lock()
                    && let Some(task) = slot.take()
                {
                    task.abort();
                }
            }
            GithubCmd::Refresh {
                key,
                force,
                request,
                attempt,
            } => {
                let (tx, store, session) = (self.tx.clone(), self.store.clone(), self.session());
                tokio::spawn(async move {
                    let outcome = match session {
                        None => FeedOutcome::Failed("not signed in to GitHub".into()),
                        Some(s) => match pubs::refresh(&s, &store, &key, force).await {
                            Ok(status) => outcome(status),
                            Err(e) => failed(&tx, attempt, e),
                        },
                    };
                    let _ = tx.send(Msg::Refreshed {
                        request,
                        url: key,
                        outcome,
                        at: Utc::now(),
                    });
                });
            }
            GithubCmd::MarkThread { article, done } => {
                let (tx, store) = (self.tx.clone(), self.store.clone());
                let Some(session) = self.session() else {
                    return;
                };
                tokio::spawn(async move {
                    let thread = store
                        .call(move |s| {
                            let t = s.github_thread(article)?;
                            if done && t.is_some() {
                                s.delete_article(article)?;
                            }
                            Ok(t)
                        })
                        .await;
                    let thread = match thread {
                        Ok(Some(t)) => t,
                        Ok(None) => return,
                        Err(e) => {
                            let _ = tx.send(Msg::Problem(format!("Cache: {e}")));
                            return;
                        }
                    };
                    if let Err(e) = inbox::write_thread(&session, &store, &thread, done).await {
                        let what = if done { "done" } else { "read" };
                        let _ = tx.send(Msg::Problem(write_failed(what, &e)));
                    }
                });
            }
            GithubCmd::MarkAllThreadsRead { at } => {
                let (tx, store) = (self.tx.clone(), self.store.clone());
                let Some(session) = self.session() else {
                    return;
                };
                tokio::spawn(async move {
                    if let Err(e) = inbox::write_all_read(&session, &store, at).await {
                        let _ = tx.send(Msg::Problem(write_failed("all read", &e)));
                    }
                });
            }
            GithubCmd::Sync { round } => {
                let (tx, store, session) = (self.tx.clone(), self.store.clone(), self.session());
                let config = self.sync_config.clone();
                tokio::spawn(async move {
                    let outcome = crate::sync::round::reader_round(
                        session.as_ref(),
                        &store,
                        config.as_deref(),
                    )
                    .await;
                    let _ = tx.send(Msg::Synced { round, outcome });
                });
            }
        }
    }
}

/// A GitHub publication's refresh, as the core sees it.
fn outcome(status: RefreshStatus) -> FeedOutcome {
    match status {
        RefreshStatus::Updated { new, items, first } => FeedOutcome::Updated { new, items, first },
        RefreshStatus::NotModified => FeedOutcome::NotModified,
        RefreshStatus::Fresh => FeedOutcome::Fresh,
        RefreshStatus::Failed { message, .. } => FeedOutcome::Failed(clean_line(&message)),
    }
}

/// A failed GitHub refresh: a missing scope is one line on the publication; a rejected token
/// sends the user to sign in again.
fn failed(tx: &mpsc::UnboundedSender<Msg>, attempt: u64, e: PubError) -> FeedOutcome {
    match e {
        PubError::Scope(m) => FeedOutcome::NeedsScope {
            scope: m.feature.scope().to_owned(),
            from_env: m.from_env,
        },
        PubError::Github(GithubError::Unauthorized) => {
            let message = GithubError::Unauthorized.to_string();
            let _ = tx.send(Msg::Auth {
                attempt,
                msg: AuthMsg::Revoked {
                    message: message.clone(),
                },
            });
            FeedOutcome::Failed(message)
        }
        e => FeedOutcome::Failed(clean_line(&e.to_string())),
    }
}

fn write_failed(what: &str, e: &PubError) -> String {
    clean_line(&format!(
        "GitHub: could not mark {what} ({e}); newsroom tries again on the next refresh"
    ))
}

fn keep(slot: &Mutex<Option<GithubSession>>, session: GithubSession) {
    if let Ok(mut s) = slot.lock() {
        *s = Some(session);
    }
}

/// A sign-in event as plain, clean data for the core. Times become wall-clock times here, at
/// the edge, so the core never reads a clock.
fn auth_msg(ev: AuthEvent) -> AuthMsg {
    let secs = |d: Duration| d.as_secs().max(1);
    match ev {
        AuthEvent::Code {
            user_code,
            verification_uri,
            expires_at,
        } => {
            let left = expires_at.saturating_duration_since(std::time::Instant::now());
            AuthMsg::Code {
                user_code: clean_line(&user_code),
                verification_uri: clean_line(&verification_uri),
                expires_at: Utc::now() + chrono::Duration::from_std(left).unwrap_or_default(),
            }
        }
        AuthEvent::Waiting => AuthMsg::Waiting,
        AuthEvent::SlowDown { interval } => AuthMsg::SlowDown {
            interval_secs: secs(interval),
        },
        AuthEvent::Offline { retry_in, .. } => AuthMsg::Offline {
            retry_in_secs: secs(retry_in),
        },
        AuthEvent::Verifying => AuthMsg::Verifying,
        AuthEvent::Done(s) => AuthMsg::SignedIn {
            login: clean_line(&s.login),
        },
        AuthEvent::Failed(e) => AuthMsg::Failed {
            message: clean(&e.to_string()),
        },
    }
}
