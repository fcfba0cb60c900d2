//! The GitHub executor: checks the stored token, runs device-flow sign-ins, and keeps the one
//! [`GithubSession`] every GitHub call goes through once the user is signed in.
//!
//! Answers carry the id of the attempt they belong to; a sign-in is one task that reports
//! straight onto the message channel (no forwarder to outlive it), and cancelling aborts it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::app::{AuthMsg, GithubCmd, Msg};
use crate::auth::{Auth, AuthError, AuthEvent, Session, StorageChoice};
use crate::gate::{clean, clean_line};
use crate::github::GithubSession;

pub(super) struct GithubExecutor {
    auth: Option<Auth>,
    tx: mpsc::UnboundedSender<Msg>,
    /// The running sign-in, so it can be cancelled.
    signin_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Set once signed in; read by every GitHub feature.
    session: Arc<Mutex<Option<GithubSession>>>,
}

impl GithubExecutor {
    pub(super) fn new(auth: Option<Auth>, tx: mpsc::UnboundedSender<Msg>) -> Self {
        Self {
            auth,
            tx,
            signin_task: Mutex::new(None),
            session: Arc::new(Mutex::new(None)),
        }
    }

    /// The signed-in session, if any.
    pub(super) fn session(&self) -> Option<GithubSession> {
        self.session.lock().ok().and_then(|s| s.clone())
    }

    pub(super) fn exec(&self, cmd: GithubCmd) {
        let Some(auth) = self.auth.clone() else {
            return; // a reader without sign-in (tests of the reader alone)
        };
        match cmd {
            GithubCmd::CheckSession { attempt } => {
                let (tx, slot) = (self.tx.clone(), self.session.clone());
                tokio::spawn(async move {
                    let msg = match auth.resume().await {
                        Ok(Session::SignedIn(s)) => {
                            let login = clean_line(&s.login);
                            keep(&slot, GithubSession::new(&auth, s));
                            AuthMsg::Resumed { login }
                        }
                        Ok(Session::Offline { login, reason, .. }) => AuthMsg::ResumedOffline {
                            login: login.as_deref().map(clean_line),
                            reason: clean_line(&reason),
                        },
                        Err(AuthError::NotSignedIn { why, .. }) => AuthMsg::NeedsSignIn {
                            reason: why.as_deref().map(clean_line),
                        },
                        Err(e) => AuthMsg::NeedsSignIn {
                            reason: Some(clean(&e.to_string())),
                        },
                    };
                    let _ = tx.send(Msg::Auth { attempt, msg });
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
                    let end = match auth
                        .sign_in_for(StorageChoice::Keyring, &scopes, report)
                        .await
                    {
                        Ok(done) => {
                            let login = clean_line(&done.login);
                            keep(&slot, GithubSession::new(&auth, done));
                            AuthMsg::SignedIn { login }
                        }
                        Err(e) => AuthMsg::Failed {
                            message: clean(&e.to_string()),
                        },
                    };
                    let _ = tx.send(Msg::Auth { attempt, msg: end });
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
        }
    }
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
