//! The secrets: GitHub's access and refresh tokens, in types whose `Debug` and `Display` never
//! show them and whose memory is wiped on drop. A token's value is read in two places only: the
//! `Authorization` header (`github.rs`, `device.rs`) and the token store (`token_store.rs`).
//!
//! Also the [`Credentials`] a sign-in yields (token, refresh data, expiries, scopes, login) and
//! their stored form, a small JSON blob.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// Refresh this long before the access token expires, so a request never races the expiry.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

// oauth2's secret types already redact `Debug`; wrapping them adds a redacted `Display` and
// zeroize-on-drop (oauth2 5 does not zeroize).
macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name($inner);

        impl $name {
            pub fn new(value: String) -> Self {
                Self(<$inner>::new(value))
            }

            /// The secret itself. Read it only to build the `Authorization` header or to hand
            /// it to the token store; never format, log or persist it anywhere else.
            pub fn expose_secret(&self) -> &str {
                self.0.secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                let taken = std::mem::replace(&mut self.0, <$inner>::new(String::new()));
                taken.into_secret().zeroize();
            }
        }
    };
}

secret_type!(
    /// A GitHub access token (OAuth app or GitHub App user token).
    Token(oauth2::AccessToken)
);
secret_type!(
    /// A GitHub App refresh token (`ghr_…`), exchanged for a new access token before expiry.
    RefreshSecret(oauth2::RefreshToken)
);

impl Token {
    /// The `Authorization: Bearer …` header value, marked sensitive so that HTTP-layer logging
    /// and `Debug` skip it.
    pub(crate) fn bearer_header(&self) -> Option<reqwest::header::HeaderValue> {
        let text = Zeroizing::new(format!("Bearer {}", self.expose_secret()));
        let mut value = reqwest::header::HeaderValue::from_str(&text).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

/// What a sign-in yields and what the token store keeps.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub access: Token,
    /// Only GitHub App user tokens that expire come with one.
    pub refresh: Option<RefreshSecret>,
    /// When the access token stops working; `None` = it does not expire (OAuth app tokens).
    pub expires_at: Option<SystemTime>,
    pub refresh_expires_at: Option<SystemTime>,
    /// As granted by the server (may differ from what was asked for).
    pub scopes: Vec<String>,
    /// The GitHub login, once known (`/user`).
    pub login: Option<String>,
}

impl Credentials {
    /// A bare token (from `NEWSROOM_GITHUB_TOKEN` or an old store entry): nothing else known.
    #[must_use]
    pub fn from_token(access: Token) -> Self {
        Self {
            access,
            refresh: None,
            expires_at: None,
            refresh_expires_at: None,
            scopes: Vec::new(),
            login: None,
        }
    }

    /// The access token has expired (or will within [`REFRESH_MARGIN`]) and should be refreshed.
    #[must_use]
    pub(crate) fn needs_refresh(&self, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now + REFRESH_MARGIN)
    }

    /// The access token is past its expiry.
    #[must_use]
    pub(crate) fn is_expired(&self, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// A refresh token is present and not past its own expiry.
    #[must_use]
    pub(crate) fn can_refresh(&self, now: SystemTime) -> bool {
        self.refresh.is_some() && self.refresh_expires_at.is_none_or(|at| at > now)
    }

    /// The JSON blob kept in the keyring or the insecure file. Wiped when dropped.
    pub(crate) fn to_stored_json(&self) -> Zeroizing<String> {
        let stored = Stored {
            v: 1,
            access_token: self.access.expose_secret().to_owned(),
            refresh_token: self.refresh.as_ref().map(|r| r.expose_secret().to_owned()),
            expires_at: self.expires_at.map(unix_secs),
            refresh_expires_at: self.refresh_expires_at.map(unix_secs),
            scopes: self.scopes.clone(),
            login: self.login.clone(),
        };
        // Serializing plain strings and numbers cannot fail; an empty blob would be refused on
        // load rather than mistaken for a token.
        Zeroizing::new(serde_json::to_string(&stored).unwrap_or_default())
    }

    /// Reads what [`Self::to_stored_json`] wrote. A value that is not JSON is taken as a bare
    /// token (what other tools, or a hand-made entry, keep). `None` if it is neither.
    ///
    /// Deliberately returns no parse detail: serde's messages quote the offending value, which
    /// could be the token.
    pub(crate) fn from_stored(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.starts_with('{') {
            let stored: Stored = serde_json::from_str(text).ok()?;
            if stored.access_token.is_empty() {
                return None;
            }
            return Some(Self {
                access: Token::new(stored.access_token.clone()),
                refresh: stored.refresh_token.clone().map(RefreshSecret::new),
                expires_at: stored.expires_at.map(from_unix_secs),
                refresh_expires_at: stored.refresh_expires_at.map(from_unix_secs),
                scopes: stored.scopes.clone(),
                login: stored.login.clone(),
            });
        }
        let looks_like_token =
            !text.is_empty() && text.len() <= 1024 && text.bytes().all(|b| b.is_ascii_graphic());
        looks_like_token.then(|| Self::from_token(Token::new(text.to_owned())))
    }
}

/// The stored form. Holds the secrets as plain strings for serde, so it wipes them on drop.
#[derive(Serialize, Deserialize)]
struct Stored {
    v: u32,
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_expires_at: Option<u64>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    login: Option<String>,
}

impl Drop for Stored {
    fn drop(&mut self) {
        self.access_token.zeroize();
        self.refresh_token.zeroize();
    }
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn from_unix_secs(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Credentials {
        Credentials {
            access: Token::new("ghu_accessSECRET123".into()),
            refresh: Some(RefreshSecret::new("ghr_refreshSECRET456".into())),
            expires_at: Some(from_unix_secs(2_000_000_000)),
            refresh_expires_at: Some(from_unix_secs(2_100_000_000)),
            scopes: vec!["read:user".into(), "gist".into()],
            login: Some("octocat".into()),
        }
    }

    #[test]
    fn debug_and_display_never_show_the_secrets() {
        let c = sample();
        let all = format!(
            "{c:?} {c:#?} {} {} {:?}",
            c.access,
            c.refresh.as_ref().unwrap(),
            c.access
        );
        assert!(!all.contains("SECRET"), "{all}");
        assert!(all.contains("[redacted]"), "{all}");
        assert!(all.contains("octocat"), "{all}");
    }

    #[test]
    fn stored_json_round_trips() {
        let c = sample();
        let json = c.to_stored_json();
        let back = Credentials::from_stored(&json).unwrap();
        assert_eq!(back.access.expose_secret(), "ghu_accessSECRET123");
        assert_eq!(
            back.refresh.unwrap().expose_secret(),
            "ghr_refreshSECRET456"
        );
        assert_eq!(back.expires_at, c.expires_at);
        assert_eq!(back.refresh_expires_at, c.refresh_expires_at);
        assert_eq!(back.scopes, c.scopes);
        assert_eq!(back.login.as_deref(), Some("octocat"));
    }

    #[test]
    fn bare_token_and_garbage() {
        let c = Credentials::from_stored("gho_bare\n").unwrap();
        assert_eq!(c.access.expose_secret(), "gho_bare");
        assert!(c.refresh.is_none());
        assert!(Credentials::from_stored("").is_none());
        assert!(Credentials::from_stored("{\"v\":1}").is_none());
        assert!(Credentials::from_stored("two words").is_none());
    }

    #[test]
    fn refresh_timing() {
        let now = from_unix_secs(1_000_000);
        let mut c = sample();
        c.expires_at = Some(now + Duration::from_secs(3600));
        assert!(!c.needs_refresh(now));
        c.expires_at = Some(now + Duration::from_secs(60));
        assert!(c.needs_refresh(now) && !c.is_expired(now));
        c.expires_at = Some(now - Duration::from_secs(1));
        assert!(c.is_expired(now));
        assert!(c.can_refresh(now));
        c.refresh_expires_at = Some(now);
        assert!(!c.can_refresh(now));
        c.expires_at = None;
        assert!(!c.needs_refresh(now));
    }

    #[test]
    fn bearer_header_is_sensitive() {
        let h = Token::new("abc".into()).bearer_header().unwrap();
        assert!(h.is_sensitive());
        assert_eq!(h.to_str().unwrap(), "Bearer abc");
        assert!(!format!("{h:?}").contains("abc"));
    }
}
