//! Talking to GitHub with a token: `GET /user` (who is signed in, which scopes) and the
//! refresh grant that renews an expiring GitHub App user token.

use std::time::SystemTime;

use super::device::{content_type, credentials_from_fields, describe};
use super::http::{self, parse_fields, parse_scopes, server_text};
use super::token::{Credentials, Token};

const API_VERSION: &str = "2022-11-28";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: the token was revoked, expired or never valid. The caller drops it.
    #[error("the GitHub token was revoked or is invalid: sign in again with `newsroom login`")]
    Revoked,
    #[error("GitHub refused the request (HTTP 403): {0}")]
    Forbidden(String),
    #[error("GitHub answered HTTP {0} to GET /user: check [github] api_url")]
    Status(u16),
    #[error("could not reach GitHub: {0}")]
    Network(String),
    #[error("unexpected answer from GitHub's /user: {0}")]
    Malformed(String),
}

impl ApiError {
    /// Nothing is known about the token: GitHub could not be asked. Keep it and retry later.
    #[must_use]
    pub(crate) fn is_offline(&self) -> bool {
        matches!(self, Self::Network(_)) || matches!(self, Self::Status(s) if *s >= 500)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("the GitHub token expired and cannot be renewed (no refresh token): sign in again")]
    NoRefreshToken,
    #[error("the GitHub refresh token has expired: sign in again")]
    RefreshExpired,
    #[error("no client id to renew the token with: set [github] client_id, then sign in again")]
    NoClientId,
    #[error("GitHub refused to renew the token ({code}{}): sign in again", if .description.is_empty() { String::new() } else { format!(": {}", .description) })]
    Rejected { code: String, description: String },
    #[error("could not reach GitHub to renew the token: {0}")]
    Network(String),
    #[error("unexpected answer when renewing the token: {0}")]
    Malformed(String),
}

impl RefreshError {
    /// Only a network failure leaves the old credentials worth keeping; every other failure
    /// means the user must sign in again.
    #[must_use]
    pub(crate) fn is_offline(&self) -> bool {
        matches!(self, Self::Network(_))
    }
}

/// Who the token belongs to, as `GET /user` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Checked to be a plain login (no spaces or control characters).
    pub login: String,
    pub name: Option<String>,
    /// From `X-OAuth-Scopes`; `None` when GitHub sent no such header (GitHub App tokens,
    /// fine-grained tokens).
    pub scopes: Option<Vec<String>>,
    /// The rate-limit budget left, from the answer's headers.
    pub rate: Option<crate::model::RateLimit>,
}

/// GitHub's API and token endpoint for one host.
#[derive(Debug, Clone)]
pub struct GithubApi {
    http: reqwest::Client,
    api_url: String,
    web_url: String,
    client_id: Option<String>,
}

impl GithubApi {
    pub fn new(
        http: reqwest::Client,
        api_url: &str,
        web_url: &str,
        client_id: Option<&str>,
    ) -> Self {
        Self {
            http,
            api_url: api_url.trim_end_matches('/').to_owned(),
            web_url: web_url.trim_end_matches('/').to_owned(),
            client_id: client_id.map(str::to_owned),
        }
    }

    /// `GET {api}/user`.
    pub async fn user(&self, token: &Token) -> Result<User, ApiError> {
        let auth = token.bearer_header().ok_or_else(|| {
            ApiError::Malformed("the stored token has characters a header cannot carry".into())
        })?;
        let resp = self
            .http
            .get(format!("{}/user", self.api_url))
            .header(reqwest::header::AUTHORIZATION, auth)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
            .send()
            .await
            .map_err(|e| ApiError::Network(describe(&e)))?;
        let status = resp.status().as_u16();
        let scopes = resp
            .headers()
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
            .map(parse_scopes);
        let rate = crate::model::RateLimit::from_headers(resp.headers());
        let body = http::read_capped(resp)
            .await
            .map_err(|e| ApiError::Network(describe(&e)))?;
        match status {
            200 => {}
            401 => return Err(ApiError::Revoked),
            403 => return Err(ApiError::Forbidden(api_message(&body))),
            s => return Err(ApiError::Status(s)),
        }
        #[derive(serde::Deserialize)]
        struct RawUser {
            login: String,
            name: Option<String>,
        }
        let raw: RawUser = serde_json::from_slice(&body)
            .map_err(|_| ApiError::Malformed("not a JSON user object".into()))?;
        let plain = |c: char| c.is_ascii_graphic() && c != '@';
        if raw.login.is_empty() || raw.login.len() > 100 || !raw.login.chars().all(plain) {
            return Err(ApiError::Malformed(
                "the login is not a plain GitHub login".into(),
            ));
        }
        Ok(User {
            login: raw.login,
            name: raw.name.map(|n| server_text(&n)).filter(|n| !n.is_empty()),
            scopes,
            rate,
        })
    }

    /// Renews an expiring token with its refresh token (`grant_type=refresh_token`; device-flow
    /// tokens need no client secret). Keeps the login; GitHub rotates the refresh token.
    pub async fn refresh(&self, creds: &Credentials) -> Result<Credentials, RefreshError> {
        let now = SystemTime::now();
        let refresh = creds.refresh.as_ref().ok_or(RefreshError::NoRefreshToken)?;
        if !creds.can_refresh(now) {
            return Err(RefreshError::RefreshExpired);
        }
        let client_id = self.client_id.as_deref().ok_or(RefreshError::NoClientId)?;
        let resp = self
            .http
            .post(format!("{}/login/oauth/access_token", self.web_url))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("client_id", client_id),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.expose_secret()),
            ])
            .send()
            .await
            .map_err(|e| RefreshError::Network(describe(&e)))?;
        let status = resp.status().as_u16();
        let content_type = content_type(&resp);
        let body = http::read_capped(resp)
            .await
            .map_err(|e| RefreshError::Network(describe(&e)))?;
        if status >= 500 || status == 429 {
            return Err(RefreshError::Network(format!(
                "GitHub answered HTTP {status}"
            )));
        }
        let fields = parse_fields(content_type.as_deref(), &body)
            .ok_or_else(|| RefreshError::Malformed(format!("HTTP {status}, not an OAuth reply")))?;
        // Like the device grant, GitHub reports refresh errors with HTTP 200.
        if let Some(code) = fields.get("error") {
            return Err(RefreshError::Rejected {
                code: server_text(code),
                description: server_text(
                    fields.get("error_description").map_or("", String::as_str),
                ),
            });
        }
        let mut fresh = credentials_from_fields(&fields, SystemTime::now()).ok_or_else(|| {
            RefreshError::Malformed(format!("HTTP {status} without an access token"))
        })?;
        fresh.login.clone_from(&creds.login);
        if fresh.scopes.is_empty() {
            fresh.scopes.clone_from(&creds.scopes);
        }
        if fresh.refresh.is_none() {
            // No rotation: the old refresh token stays valid.
            fresh.refresh.clone_from(&creds.refresh);
            fresh.refresh_expires_at = creds.refresh_expires_at;
        }
        Ok(fresh)
    }
}

/// GitHub's error JSON carries a `message`; anything else is summarised.
fn api_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Msg {
        message: String,
    }
    match serde_json::from_slice::<Msg>(body) {
        Ok(m) => server_text(&m.message),
        Err(_) => server_text(&String::from_utf8_lossy(body)),
    }
}
