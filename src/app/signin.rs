//! The sign-in part of the state: where a device-flow sign-in stands, as plain data.

use chrono::{DateTime, Utc};

/// What the auth edge reports, already turned into plain, clean data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMsg {
    /// The stored token is good.
    Resumed {
        login: String,
    },
    /// A token is stored but GitHub cannot be reached.
    ResumedOffline {
        login: Option<String>,
        reason: String,
    },
    /// No token, or GitHub rejected it: sign in (again). `reason` says why, if not obvious.
    NeedsSignIn {
        reason: Option<String>,
    },
    Code {
        user_code: String,
        verification_uri: String,
        expires_at: DateTime<Utc>,
    },
    Waiting,
    SlowDown {
        interval_secs: u64,
    },
    Offline {
        retry_in_secs: u64,
    },
    Verifying,
    SignedIn {
        login: String,
    },
    /// The sign-in ended without a token; `message` says what happened and what to do.
    Failed {
        message: String,
    },
    /// A feature needs a scope the token lacks. `message` says which and why; unless the token
    /// came from the environment, signing in again for `scope` can grant it.
    MissingScope {
        scope: String,
        message: String,
        from_env: bool,
    },
    /// GitHub rejected the token during a call: back to the sign-in screen.
    Revoked {
        message: String,
    },
    /// No OAuth app client id anywhere (config, environment, build): the first-run screen.
    NoClientId {
        web_url: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Asking GitHub for a code.
    Starting,
    /// Showing the code; polling.
    Code {
        user_code: String,
        verification_uri: String,
        expires_at: DateTime<Utc>,
        /// The URL as a QR code, made once when the code arrives.
        qr: Vec<String>,
    },
    /// Approved; checking the token and storing it.
    Verifying,
    /// No client id to sign in with: the short first-run screen says where to put one, and
    /// Enter reads the config again. `scroll`: lines scrolled, on a terminal too small for it.
    NeedsClientId { web_url: String, scroll: u16 },
    /// Ended without a token (denied, expired, misconfigured…), or cancelled.
    Stopped { message: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub phase: Phase,
    /// A line about the polling: "Waiting for you to approve…", "offline, retrying in 5 s".
    pub progress: Option<String>,
    /// Why sign-in is needed, if it is not the first time (e.g. the token was revoked).
    pub reason: Option<String>,
}

impl SignIn {
    #[must_use]
    pub(crate) fn starting(reason: Option<String>) -> Self {
        Self {
            phase: Phase::Starting,
            progress: None,
            reason,
        }
    }
}

/// The URL as a QR code in half-block characters (two modules per cell, vertically).
pub(crate) fn qr_lines(url: &str) -> Vec<String> {
    use qrcode::render::unicode::Dense1x2;
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build()
            .lines()
            .map(str::to_owned)
            .collect(),
        Err(_) => Vec::new(),
    }
}
