//! GitHub's device flow (RFC 8628 as GitHub actually runs it): ask for a user code, then poll
//! the token endpoint until the user approves, denies, or the code expires.
//!
//! The poll loop is ours rather than `oauth2`'s: GitHub answers every poll with HTTP 200 and an
//! `error` field, which `oauth2`'s device poller took as a failure on the first
//! `authorization_pending` (oauth2-rs issue 218). We still use `oauth2`'s typed ids and its
//! redacted `DeviceCode`. The loop never polls sooner than the interval in force (the wait is
//! measured from the previous answer), honours `slow_down`, retries network errors with backoff
//! until the code expires, and holds no task or lock: dropping the future cancels it.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use super::AuthEvent;
use super::http::{self, parse_fields, parse_scopes, server_text};
use super::token::{Credentials, RefreshSecret, Token};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 8628 §3.5: without an `interval` in a `slow_down`, add 5 seconds.
const SLOW_DOWN_STEP: u32 = 5;
/// Backoff while offline doubles up to this many (server) seconds.
const MAX_OFFLINE_WAIT: u32 = 60;

/// Why the device flow stopped. Every message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(
        "device flow is disabled for this OAuth app: on GitHub open Settings → Developer settings → \
         OAuth Apps → your app, tick \"Enable Device Flow\" and save, then sign in again"
    )]
    FlowDisabled,
    #[error("the code expired before it was approved: sign in again to get a new code")]
    Expired,
    #[error("sign-in was denied on GitHub (access_denied): sign in again if that was a mistake")]
    Denied,
    #[error(
        "GitHub does not accept the client id \"{client_id}\": check `[github] client_id` in the \
         config or NEWSROOM_GITHUB_CLIENT_ID (it is the OAuth app's Client ID, not its secret)"
    )]
    BadClientId { client_id: String },
    #[error("GitHub does not recognise the device code (incorrect_device_code): sign in again")]
    BadDeviceCode,
    #[error(
        "GitHub refused the device-code grant (unsupported_grant_type): check that [github] \
         web_url points at GitHub or GitHub Enterprise Server"
    )]
    UnsupportedGrantType,
    #[error("GitHub refused sign-in: {code}{}", description_suffix(.description))]
    Refused { code: String, description: String },
    #[error("GitHub answered HTTP {status} to the {step}: check [github] web_url")]
    Status { status: u16, step: &'static str },
    #[error("could not reach GitHub for the {step}: {reason}")]
    Network { step: &'static str, reason: String },
    #[error("unexpected answer to the {step}: {why}")]
    Malformed { step: &'static str, why: String },
}

fn description_suffix(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(" ({d})")
    }
}

/// What the user must see and do: enter `user_code` at `verification_uri` before `expires_at`.
#[derive(Debug, Clone)]
#[allow(clippy::struct_field_names)] // GitHub's own names for the two codes
pub struct DeviceCode {
    device_code: oauth2::DeviceCode,
    /// Like `WDJB-MJHT`; checked to be short and plain (letters, digits, `-`).
    pub user_code: String,
    /// An http(s) URL, normalised (safe to print and to open).
    pub verification_uri: String,
    pub interval: Duration,
    pub expires_in: Duration,
    pub expires_at: Instant,
}

/// One answer from the token endpoint, classified.
#[derive(Debug)]
pub(crate) enum PollReply {
    Pending,
    /// The server's new interval in seconds, if it sent one.
    SlowDown(Option<u32>),
    Granted(Credentials),
    Failed(DeviceError),
    /// Worth retrying: the network, a 5xx/429, or a body that is not an OAuth answer
    /// (a captive portal, a proxy error page).
    Transient(String),
}

/// The flow for one OAuth app on one GitHub host.
#[derive(Debug, Clone)]
pub struct DeviceFlow {
    http: reqwest::Client,
    web_url: String,
    client_id: oauth2::ClientId,
    scopes: Vec<String>,
    second: Duration,
}

impl DeviceFlow {
    /// `web_url` is GitHub's web root (`https://github.com`, no trailing slash).
    #[must_use]
    pub fn new(http: reqwest::Client, web_url: &str, client_id: &str, scopes: &[String]) -> Self {
        Self {
            http,
            web_url: web_url.trim_end_matches('/').to_owned(),
            client_id: oauth2::ClientId::new(client_id.to_owned()),
            scopes: scopes.to_vec(),
            second: Duration::from_secs(1),
        }
    }

    /// How long one of the server's seconds lasts. GitHub's intervals are whole seconds, so
    /// tests against a local fake shrink them with this; it is 1 s otherwise.
    #[must_use]
    pub fn with_time_unit(mut self, second: Duration) -> Self {
        self.second = second.max(Duration::from_millis(1));
        self
    }

    fn secs(&self, n: u32) -> Duration {
        self.second * n
    }

    /// Asks GitHub for a user code.
    pub async fn request_code(&self) -> Result<DeviceCode, DeviceError> {
        const STEP: &str = "device-code request";
        let url = format!("{}/login/device/code", self.web_url);
        let scope = self.scopes.join(" ");
        let resp = self
            .http
            .post(&url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("client_id", self.client_id.as_str()),
                ("scope", scope.as_str()),
            ])
            .send()
            .await
            .map_err(|e| DeviceError::Network {
                step: STEP,
                reason: describe(&e),
            })?;
        let status = resp.status().as_u16();
        let content_type = content_type(&resp);
        let body = http::read_capped(resp)
            .await
            .map_err(|e| DeviceError::Network {
                step: STEP,
                reason: describe(&e),
            })?;
        let fields = parse_fields(content_type.as_deref(), &body);
        if let Some(code) = fields.as_ref().and_then(|f| f.get("error")) {
            let description = fields.as_ref().and_then(|f| f.get("error_description"));
            return Err(self.error_for(code, description.map_or("", String::as_str)));
        }
        match status {
            200 => {}
            // GitHub answers an unknown client id with 404 Not Found.
            401 | 404 => {
                return Err(DeviceError::BadClientId {
                    client_id: self.client_id.to_string(),
                });
            }
            s => {
                return Err(DeviceError::Status {
                    status: s,
                    step: STEP,
                });
            }
        }
        let fields = fields.ok_or_else(|| DeviceError::Malformed {
            step: STEP,
            why: "neither JSON nor form-urlencoded".into(),
        })?;
        self.code_from_fields(&fields, Instant::now())
    }

    fn code_from_fields(
        &self,
        f: &HashMap<String, String>,
        now: Instant,
    ) -> Result<DeviceCode, DeviceError> {
        const STEP: &str = "device-code request";
        let malformed = |why: &str| DeviceError::Malformed {
            step: STEP,
            why: why.to_owned(),
        };
        let device_code = f
            .get("device_code")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| malformed("no device_code"))?;
        let user_code = f
            .get("user_code")
            .ok_or_else(|| malformed("no user_code"))?;
        let plain = |c: char| c.is_ascii_alphanumeric() || c == '-';
        if user_code.is_empty() || user_code.len() > 32 || !user_code.chars().all(plain) {
            return Err(malformed(
                "the user code is not a short code of letters and digits",
            ));
        }
        let uri = f
            .get("verification_uri")
            .ok_or_else(|| malformed("no verification_uri"))?;
        let verification_uri = crate::gate::safe_url(uri)
            .ok_or_else(|| malformed("the verification URI is not an http(s) URL"))?;
        let number = |key: &str, default: u32| match f.get(key) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<u32>()
                .map_err(|_| malformed(&format!("{key} is not a number"))),
        };
        let interval = self.secs(number("interval", 5)?.max(1));
        let expires_in = self.secs(number("expires_in", 900)?.max(1));
        Ok(DeviceCode {
            device_code: oauth2::DeviceCode::new(device_code.clone()),
            user_code: user_code.clone(),
            verification_uri,
            interval,
            expires_in,
            expires_at: now + expires_in,
        })
    }

    /// Polls until the user approves (the token's [`Credentials`]), or the flow fails. Reports
    /// `Waiting`, `SlowDown` and `Offline` through `on_event`.
    pub async fn poll(
        &self,
        code: &DeviceCode,
        mut on_event: impl FnMut(AuthEvent) + Send,
    ) -> Result<Credentials, DeviceError> {
        let deadline = tokio::time::Instant::from_std(code.expires_at);
        let mut interval = code.interval;
        let mut wait = interval;
        let mut offline_streak: u32 = 0;
        loop {
            if tokio::time::Instant::now() + wait >= deadline {
                tokio::time::sleep_until(deadline).await;
                return Err(DeviceError::Expired);
            }
            tokio::time::sleep(wait).await;
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Ok(reply) = tokio::time::timeout(left, self.poll_once(code)).await else {
                return Err(DeviceError::Expired);
            };
            match reply {
                PollReply::Pending => {
                    offline_streak = 0;
                    wait = interval;
                    on_event(AuthEvent::Waiting);
                }
                PollReply::SlowDown(new) => {
                    offline_streak = 0;
                    let bumped = new.map_or(interval + self.secs(SLOW_DOWN_STEP), |s| self.secs(s));
                    // Never speed up on a slow_down, whatever the server says.
                    interval = bumped.max(interval);
                    wait = interval;
                    on_event(AuthEvent::SlowDown { interval });
                }
                PollReply::Granted(creds) => return Ok(creds),
                PollReply::Failed(e) => return Err(e),
                PollReply::Transient(reason) => {
                    offline_streak = offline_streak.saturating_add(1);
                    let doubled =
                        interval.saturating_mul(1 << offline_streak.min(6).saturating_sub(1));
                    wait = doubled.min(self.secs(MAX_OFFLINE_WAIT)).max(interval);
                    on_event(AuthEvent::Offline {
                        retry_in: wait,
                        reason,
                    });
                }
            }
        }
    }

    /// `request_code`, then `poll`; the code is reported as `AuthEvent::Code` first.
    pub async fn run(
        &self,
        mut on_event: impl FnMut(AuthEvent) + Send,
    ) -> Result<Credentials, DeviceError> {
        let code = self.request_code().await?;
        on_event(AuthEvent::Code {
            user_code: code.user_code.clone(),
            verification_uri: code.verification_uri.clone(),
            expires_at: code.expires_at,
        });
        self.poll(&code, on_event).await
    }

    async fn poll_once(&self, code: &DeviceCode) -> PollReply {
        let url = format!("{}/login/oauth/access_token", self.web_url);
        let sent = self
            .http
            .post(&url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("client_id", self.client_id.as_str()),
                ("device_code", code.device_code.secret().as_str()),
                ("grant_type", DEVICE_GRANT),
            ])
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return PollReply::Transient(describe(&e)),
        };
        let status = resp.status().as_u16();
        let content_type = content_type(&resp);
        match http::read_capped(resp).await {
            Ok(body) => self.classify(
                status,
                parse_fields(content_type.as_deref(), &body),
                SystemTime::now(),
            ),
            Err(e) => PollReply::Transient(describe(&e)),
        }
    }

    /// Pure: one token-endpoint answer to a [`PollReply`].
    pub(crate) fn classify(
        &self,
        status: u16,
        fields: Option<HashMap<String, String>>,
        now: SystemTime,
    ) -> PollReply {
        if status >= 500 || status == 429 {
            return PollReply::Transient(format!("GitHub answered HTTP {status}"));
        }
        let Some(f) = fields else {
            return PollReply::Transient(format!(
                "GitHub's answer (HTTP {status}) was not an OAuth reply"
            ));
        };
        if let Some(code) = f.get("error") {
            let description = f.get("error_description").map_or("", String::as_str);
            return match code.as_str() {
                "authorization_pending" => PollReply::Pending,
                "slow_down" => {
                    PollReply::SlowDown(f.get("interval").and_then(|s| s.trim().parse().ok()))
                }
                other => PollReply::Failed(self.error_for(other, description)),
            };
        }
        if status != 200 {
            return PollReply::Failed(DeviceError::Status {
                status,
                step: "token request",
            });
        }
        match credentials_from_fields(&f, now) {
            Some(c) => PollReply::Granted(c),
            None => PollReply::Failed(DeviceError::Malformed {
                step: "token request",
                why: "no access_token and no error".into(),
            }),
        }
    }

    fn error_for(&self, code: &str, description: &str) -> DeviceError {
        match code {
            "expired_token" | "token_expired" => DeviceError::Expired,
            "access_denied" => DeviceError::Denied,
            "incorrect_client_credentials" | "invalid_client" | "Not Found" => {
                DeviceError::BadClientId {
                    client_id: self.client_id.to_string(),
                }
            }
            "incorrect_device_code" => DeviceError::BadDeviceCode,
            "unsupported_grant_type" => DeviceError::UnsupportedGrantType,
            "device_flow_disabled" => DeviceError::FlowDisabled,
            other => DeviceError::Refused {
                code: server_text(other),
                description: server_text(description),
            },
        }
    }
}

/// A successful token answer (device grant or refresh) as [`Credentials`], with expiries made
/// absolute from `now`. `None` without an access token or with a non-bearer token type.
pub(crate) fn credentials_from_fields(
    f: &HashMap<String, String>,
    now: SystemTime,
) -> Option<Credentials> {
    let access = f.get("access_token").filter(|s| !s.is_empty())?;
    if f.get("token_type")
        .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
    {
        return None;
    }
    let secs = |key: &str| {
        f.get(key)
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(|n| now + Duration::from_secs(n))
    };
    Some(Credentials {
        access: Token::new(access.clone()),
        refresh: f
            .get("refresh_token")
            .filter(|s| !s.is_empty())
            .cloned()
            .map(RefreshSecret::new),
        expires_at: secs("expires_in"),
        refresh_expires_at: secs("refresh_token_expires_in"),
        scopes: f.get("scope").map(|s| parse_scopes(s)).unwrap_or_default(),
        login: None,
    })
}

pub(crate) fn content_type(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A network error in a few words ("connection refused"), without the URL.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let text = parts.last().cloned().unwrap_or_else(|| {
        if e.is_connect() {
            "cannot connect".into()
        } else {
            "request failed".into()
        }
    });
    server_text(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> DeviceFlow {
        DeviceFlow::new(
            reqwest::Client::new(),
            "https://github.com/",
            "Iv1.abc",
            &["read:user".into()],
        )
    }

    #[allow(clippy::unnecessary_wraps)] // the shape `parse_fields` answers in
    fn fields(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn classifies_github_200_errors() {
        let f = flow();
        let now = SystemTime::now();
        assert!(matches!(
            f.classify(200, fields(&[("error", "authorization_pending")]), now),
            PollReply::Pending
        ));
        assert!(matches!(
            f.classify(
                200,
                fields(&[("error", "slow_down"), ("interval", "10")]),
                now
            ),
            PollReply::SlowDown(Some(10))
        ));
        assert!(matches!(
            f.classify(200, fields(&[("error", "slow_down")]), now),
            PollReply::SlowDown(None)
        ));
        for (code, want) in [
            ("expired_token", "expired"),
            ("token_expired", "expired"),
            ("access_denied", "denied"),
            ("incorrect_client_credentials", "Iv1.abc"),
            ("incorrect_device_code", "incorrect_device_code"),
            ("unsupported_grant_type", "unsupported_grant_type"),
            ("device_flow_disabled", "Enable Device Flow"),
            ("\x1b[2Jweird", "weird"),
        ] {
            match f.classify(200, fields(&[("error", code)]), now) {
                PollReply::Failed(e) => {
                    let msg = e.to_string();
                    assert!(msg.contains(want), "{code}: {msg}");
                    assert!(!msg.contains('\x1b'), "{msg}");
                }
                other => panic!("{code}: {other:?}"),
            }
        }
        assert!(matches!(
            f.classify(502, None, now),
            PollReply::Transient(_)
        ));
        assert!(matches!(
            f.classify(200, None, now),
            PollReply::Transient(_)
        ));
    }

    #[test]
    fn a_grant_keeps_refresh_data_with_absolute_times() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let reply = flow().classify(
            200,
            fields(&[
                ("access_token", "ghu_x"),
                ("token_type", "bearer"),
                ("scope", "read:user,gist"),
                ("expires_in", "28800"),
                ("refresh_token", "ghr_y"),
                ("refresh_token_expires_in", "15897600"),
            ]),
            now,
        );
        let PollReply::Granted(c) = reply else {
            panic!("{reply:?}")
        };
        assert_eq!(c.access.expose_secret(), "ghu_x");
        assert_eq!(
            c.refresh.as_ref().map(RefreshSecret::expose_secret),
            Some("ghr_y")
        );
        assert_eq!(c.expires_at, Some(now + Duration::from_secs(28_800)));
        assert_eq!(
            c.refresh_expires_at,
            Some(now + Duration::from_secs(15_897_600))
        );
        assert_eq!(c.scopes, ["read:user", "gist"]);
    }

    #[test]
    fn device_code_fields_are_checked() {
        let f = flow().with_time_unit(Duration::from_millis(10));
        let now = Instant::now();
        let ok = fields(&[
            ("device_code", "3584d83530557fdd1f46af8289938c8ef79f9dc5"),
            ("user_code", "WDJB-MJHT"),
            ("verification_uri", "https://github.com/login/device"),
            ("expires_in", "900"),
            ("interval", "5"),
        ])
        .unwrap();
        let code = f.code_from_fields(&ok, now).unwrap();
        assert_eq!(code.interval, Duration::from_millis(50));
        assert_eq!(code.expires_at, now + Duration::from_secs(9));
        assert!(
            !format!("{code:?}").contains("3584d8"),
            "the device code is redacted"
        );
        let mut bad = ok.clone();
        bad.insert("user_code".into(), "AB\x1b[31m".into());
        assert!(f.code_from_fields(&bad, now).is_err());
        let mut bad = ok;
        bad.insert("verification_uri".into(), "javascript:alert(1)".into());
        assert!(f.code_from_fields(&bad, now).is_err());
    }
}
