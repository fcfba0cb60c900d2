//! The one HTTP client for GitHub's REST API. Every call made with the user's token goes
//! through [`GithubClient::request`], which:
//!
//! - sends the token only to the configured API origin (a URL GitHub hands back, such as a
//!   `Link` page or a `latest_comment_url`, is refused if it points elsewhere), and follows a
//!   redirect only within that origin;
//! - sends `User-Agent`, `Accept: application/vnd.github+json` and `X-GitHub-Api-Version`;
//! - makes GETs conditional with the `ETag`/`Last-Modified` of the last answer, which GitHub
//!   does not charge to the rate limit when it answers 304; the cached body is returned then;
//! - remembers `X-Poll-Interval` and the `x-ratelimit-*` budget;
//! - on a rate limit (403/429 with `retry-after`, or an exhausted budget, or GitHub's
//!   "secondary rate limit" message) stops sending until the time GitHub gave, doubling a
//!   back-off when it gave none.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderValue};

use crate::auth::Token;
pub use crate::model::RateLimit;
use crate::model::Validators;

const API_VERSION: &str = "2022-11-28";
/// The largest answer read: a page of notifications is ~100 KB and a gist at most a few MB.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Entries kept for conditional requests (URLs newsroom polls: a few hundred at most).
const MAX_CACHED: usize = 1_000;
/// Back-off after a secondary rate limit that gave no `retry-after` (GitHub asks for at least
/// a minute), doubled each time, at most this many doublings.
const BASE_BACKOFF: Duration = Duration::from_secs(60);
const MAX_DOUBLINGS: u32 = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GithubError {
    /// 401: revoked or expired. The reader goes back to the sign-in screen.
    #[error("GitHub rejected the token (revoked or expired): sign in again")]
    Unauthorized,
    #[error("GitHub's rate limit is reached{}: newsroom waits until {}", if *.secondary { " (too many requests at once)" } else { "" }, .until.format("%H:%M:%S UTC"))]
    RateLimited {
        until: DateTime<Utc>,
        secondary: bool,
    },
    /// 404. GitHub also answers 404 (not 403) to a token that lacks the scope for a resource.
    #[error("GitHub answered 404 Not Found for {0}")]
    NotFound(String),
    #[error("GitHub refused the request (HTTP 403): {0}")]
    Forbidden(String),
    #[error("GitHub answered HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("could not reach GitHub: {0}")]
    Network(String),
    #[error("unexpected answer from GitHub: {0}")]
    Malformed(String),
    /// A URL outside the configured API host: the token is never sent there.
    #[error("refused to send the GitHub token to {0}: it is not the configured GitHub API host")]
    ForeignHost(String),
}

/// A successful answer (2xx or a 304 turned into the cached body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// GitHub answered 304: `body` is the cached one and cost no rate limit.
    pub not_modified: bool,
    /// `X-Poll-Interval`: do not ask again sooner.
    pub poll_interval: Option<Duration>,
    /// The `rel="next"` page of a `Link` header.
    pub next_page: Option<String>,
    /// `X-OAuth-Scopes`, when GitHub sent it.
    pub scopes: Option<Vec<String>>,
    /// `ETag` and `Last-Modified` of this answer (of the cached one on a 304), to keep across
    /// runs.
    pub validators: Validators,
}

#[derive(Debug, Default)]
struct Memory {
    cache: HashMap<String, (Validators, Vec<u8>)>,
    rate: Option<RateLimit>,
    blocked: Option<(DateTime<Utc>, bool)>,
    doublings: u32,
}

/// See the module docs. Cheap to share behind an `Arc`; one per session (`ETags` are per token).
#[derive(Debug)]
pub struct GithubClient {
    http: reqwest::Client,
    /// For files GitHub serves outside its API (a gist's `raw_url`): never carries the token.
    raw: reqwest::Client,
    api: url::Url,
    memory: Mutex<Memory>,
    /// GitHub asks for writes at least a second apart; the time of the last one, held across
    /// the write so that writes from one client go one at a time.
    last_write: tokio::sync::Mutex<Option<std::time::Instant>>,
    write_gap: Duration,
}

/// A client for GitHub: its user agent, timeouts, no Referer, and at most 3 redirects, each
/// only where `may_follow` allows.
fn http_client(
    headers: HeaderMap,
    timeout: Duration,
    may_follow: impl Fn(&url::Url) -> bool + Send + Sync + 'static,
) -> Result<reqwest::Client, GithubError> {
    reqwest::Client::builder()
        .user_agent(crate::auth::USER_AGENT)
        .default_headers(headers)
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 3 || !may_follow(attempt.url()) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .referer(false)
        .build()
        .map_err(|e| GithubError::Network(e.to_string()))
}

impl GithubClient {
    /// `api_url` must be https (or loopback, for tests): checked by the caller's settings.
    pub fn new(api_url: &str) -> Result<Self, GithubError> {
        let api = url::Url::parse(api_url.trim_end_matches('/'))
            .map_err(|_| GithubError::Malformed(format!("bad API URL {api_url}")))?;
        let origin = api.origin();
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        // Within the API origin only: the token must never follow a redirect elsewhere.
        let http = http_client(headers, Duration::from_secs(30), move |url| {
            url.origin() == origin
        })?;
        // No token goes with these, but clear text is still refused past loopback.
        let raw = http_client(HeaderMap::new(), Duration::from_secs(60), |url| {
            check_raw_url(url).is_ok()
        })?;
        Ok(Self {
            http,
            raw,
            api,
            memory: Mutex::new(Memory::default()),
            last_write: tokio::sync::Mutex::new(None),
            write_gap: Duration::from_secs(1),
        })
    }

    /// How far apart [`GithubClient::paced`] keeps writes: a second, as GitHub asks (tests
    /// against loopback shorten GitHub's second).
    #[must_use]
    pub(crate) fn with_write_gap(mut self, gap: Duration) -> Self {
        self.write_gap = gap;
        self
    }

    /// Runs `write` at least one write gap after the end of the previous paced write of this
    /// client, and none alongside another.
    pub(crate) async fn paced<T>(&self, write: impl std::future::Future<Output = T>) -> T {
        let mut last = self.last_write.lock().await;
        if let Some(at) = *last {
            let due = at + self.write_gap;
            let now = std::time::Instant::now();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
        }
        let out = write.await;
        *last = Some(std::time::Instant::now());
        out
    }

    /// `GET url` WITHOUT the token: for files GitHub links from its answers on another host
    /// (a gist's `raw_url` on its raw host, which serves a secret gist's files to anyone with
    /// the URL). https only (plain http to loopback, for tests); at most 16 MB.
    pub(crate) async fn get_untokened(&self, url: &str) -> Result<Vec<u8>, GithubError> {
        let parsed = url::Url::parse(url).map_err(|_| GithubError::Malformed(redact(url)))?;
        check_raw_url(&parsed)?;
        let resp = self
            .raw
            .get(parsed)
            .send()
            .await
            .map_err(|e| GithubError::Network(describe(&e)))?;
        let status = resp.status().as_u16();
        let body = read_capped(resp).await?;
        match status {
            200..=299 => Ok(body),
            404 => Err(GithubError::NotFound(path_only(url))),
            s => Err(GithubError::Status {
                status: s,
                message: message(&body),
            }),
        }
    }

    /// The full URL for an API path (`/user`), or `path` itself if it is a URL on the API
    /// origin; anything else is [`GithubError::ForeignHost`].
    pub(crate) fn url_for(&self, path: &str) -> Result<url::Url, GithubError> {
        if path.starts_with('/') {
            let base = self.api.as_str().trim_end_matches('/');
            return url::Url::parse(&format!("{base}{path}"))
                .map_err(|_| GithubError::Malformed(format!("bad API path {path}")));
        }
        let url = url::Url::parse(path).map_err(|_| GithubError::ForeignHost(redact(path)))?;
        if url.origin() == self.api.origin() {
            Ok(url)
        } else {
            Err(GithubError::ForeignHost(redact(path)))
        }
    }

    /// The budget GitHub reported last, if any answer carried one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.memory().rate
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers validators kept from an earlier run for `path`, so that its first GET in this
    /// run is already conditional. A 304 to it then returns an empty body: the caller knows
    /// nothing changed. Validators already known in this run win.
    pub(crate) fn seed(&self, path: &str, validators: Validators) {
        if validators.is_empty() {
            return;
        }
        if let Ok(url) = self.url_for(path) {
            self.memory()
                .cache
                .entry(url.as_str().to_owned())
                .or_insert((validators, Vec::new()));
        }
    }

    /// One call with `token`. GETs are conditional; `body` is sent as JSON.
    pub async fn request(
        &self,
        token: &Token,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, GithubError> {
        self.request_as(token, method, path, body, None).await
    }

    /// [`GithubClient::request`] with another `Accept` (GitHub's media types, such as
    /// `application/vnd.github.html+json` for bodies rendered to HTML).
    pub(crate) async fn request_as(
        &self,
        token: &Token,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        accept: Option<&'static str>,
    ) -> Result<Response, GithubError> {
        self.request_scoped(token, method, path, body, accept)
            .await
            .0
    }

    /// [`GithubClient::request_as`], with the `X-OAuth-Scopes` of GitHub's answer whatever its
    /// status: GitHub answers 404 to a token that lacks a resource's scope, and only the
    /// scopes on that 404 tell it from a resource that is not there.
    pub(crate) async fn request_scoped(
        &self,
        token: &Token,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        accept: Option<&'static str>,
    ) -> (Result<Response, GithubError>, Option<Vec<String>>) {
        let mut scopes = None;
        let result = self
            .send(token, method, path, body, accept, &mut scopes)
            .await;
        (result, scopes)
    }

    async fn send(
        &self,
        token: &Token,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        accept: Option<&'static str>,
        scopes_seen: &mut Option<Vec<String>>,
    ) -> Result<Response, GithubError> {
        let url = self.url_for(path)?;
        let now = Utc::now();
        if let Some((until, secondary)) = self.memory().blocked
            && until > now
        {
            return Err(GithubError::RateLimited { until, secondary });
        }
        let auth = token.bearer_header().ok_or_else(|| {
            GithubError::Malformed("the token has characters a header cannot carry".into())
        })?;
        let key = url.as_str().to_owned();
        let mut req = self
            .http
            .request(method.clone(), url)
            .header(reqwest::header::AUTHORIZATION, auth);
        let cached = (method == reqwest::Method::GET)
            .then(|| self.memory().cache.get(&key).map(|(v, _)| v.clone()))
            .flatten();
        if let Some(v) = &cached {
            if let Some(etag) = &v.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(accept) = accept {
            req = req.header(reqwest::header::ACCEPT, accept);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| GithubError::Network(describe(&e)))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        self.note_rate(&headers);
        let text = |h: &str| {
            headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let body = read_capped(resp).await?;
        let poll_interval = text("x-poll-interval")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let scopes = text("x-oauth-scopes").map(|s| crate::auth::parse_scopes(&s));
        scopes_seen.clone_from(&scopes);
        let next_page = text("link").and_then(|l| next_link(&l));
        match status {
            304 => {
                let (validators, body) = self.memory().cache.get(&key).cloned().unwrap_or_default();
                Ok(Response {
                    status,
                    body,
                    not_modified: true,
                    poll_interval,
                    next_page,
                    scopes,
                    validators,
                })
            }
            200..=299 => {
                self.memory().doublings = 0;
                let validators = Validators {
                    etag: text("etag"),
                    last_modified: text("last-modified"),
                };
                if method == reqwest::Method::GET && !validators.is_empty() {
                    let mut m = self.memory();
                    if m.cache.len() >= MAX_CACHED && !m.cache.contains_key(&key) {
                        m.cache.clear();
                    }
                    m.cache.insert(key, (validators.clone(), body.clone()));
                }
                Ok(Response {
                    status,
                    body,
                    not_modified: false,
                    poll_interval,
                    next_page,
                    scopes,
                    validators,
                })
            }
            401 => Err(GithubError::Unauthorized),
            403 | 429 => Err(self.limited_or_forbidden(status, &headers, &body)),
            404 => Err(GithubError::NotFound(path_only(&key))),
            s => Err(GithubError::Status {
                status: s,
                message: message(&body),
            }),
        }
    }

    fn note_rate(&self, headers: &HeaderMap) {
        if let Some(rate) = RateLimit::from_headers(headers) {
            self.memory().rate = Some(rate);
        }
    }

    /// A 403/429 is a rate limit when GitHub says so (`retry-after`, an exhausted budget, or
    /// its "secondary rate limit" message); otherwise a refusal.
    fn limited_or_forbidden(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> GithubError {
        let now = Utc::now();
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let text = message(body);
        let exhausted = headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0");
        let secondary = retry_after.is_some() || text.to_lowercase().contains("secondary rate");
        let mut m = self.memory();
        let until = if let Some(secs) = retry_after {
            now + chrono::Duration::seconds(i64::try_from(secs.min(86_400)).unwrap_or(60))
        } else if exhausted {
            m.rate
                .map_or(now + chrono::Duration::seconds(60), |r| r.reset.max(now))
        } else if secondary || status == 429 {
            let d = BASE_BACKOFF * 2u32.pow(m.doublings.min(MAX_DOUBLINGS));
            m.doublings += 1;
            now + chrono::Duration::from_std(d).unwrap_or_default()
        } else {
            return GithubError::Forbidden(text);
        };
        m.blocked = Some((until, secondary));
        GithubError::RateLimited { until, secondary }
    }
}

async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, GithubError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| GithubError::Network(describe(&e)))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(GithubError::Malformed(format!(
                "an answer larger than {} MB",
                MAX_BODY >> 20
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// GitHub's error JSON carries a `message`; anything else is summarised. Clean and short.
fn message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Msg {
        message: String,
    }
    let raw = match serde_json::from_slice::<Msg>(body) {
        Ok(m) => m.message,
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let line = crate::gate::clean_line(&raw);
    line.chars().take(200).collect()
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

/// A file outside the API may come from any host (no token goes there), over https only.
fn check_raw_url(url: &url::Url) -> Result<(), GithubError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if crate::auth::http::is_loopback(url) => Ok(()),
        _ => Err(GithubError::Malformed(format!(
            "GitHub linked a file over clear text ({}): refused",
            redact(url.as_str())
        ))),
    }
}

/// A URL without its query (which may carry secrets) for messages.
fn redact(url: &str) -> String {
    let cut = url.split(['?', '#']).next().unwrap_or_default();
    crate::gate::clean_line(cut)
}

fn path_only(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| redact(url), |u| u.path().to_owned())
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_redirect() {
        "GitHub redirected outside its API host".into()
    } else {
        // Without the URL, which reqwest includes and which may carry a query.
        let mut text = e.to_string();
        if let Some(url) = e.url() {
            text = text.replace(url.as_str(), &redact(url.as_str()));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_to_the_api_origin_only() {
        let c = GithubClient::new("https://api.github.com").unwrap();
        assert_eq!(
            c.url_for("/user").unwrap().as_str(),
            "https://api.github.com/user"
        );
        assert!(
            c.url_for("https://api.github.com/notifications?page=2")
                .is_ok()
        );
        for foreign in [
            "https://evil.example/user",
            "http://api.github.com/user",
            "https://api.github.com:444/user",
            "https://api.github.com.evil.example/x",
        ] {
            assert!(
                matches!(c.url_for(foreign), Err(GithubError::ForeignHost(_))),
                "{foreign}"
            );
        }
        let ghe = GithubClient::new("https://ghe.example.com/api/v3").unwrap();
        assert_eq!(
            ghe.url_for("/user").unwrap().as_str(),
            "https://ghe.example.com/api/v3/user"
        );
    }

    #[test]
    fn files_outside_the_api_come_over_https_only() {
        let ok = |u: &str| check_raw_url(&url::Url::parse(u).unwrap()).is_ok();
        assert!(ok(
            "https://gist.githubusercontent.com/octocat/abc/raw/def/state.txt"
        ));
        assert!(ok("http://localhost:8080/raw/x"));
        assert!(ok("http://127.0.0.1:8080/raw/x"));
        assert!(!ok(
            "http://gist.githubusercontent.com/octocat/abc/raw/def/state.txt"
        ));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("ftp://example.org/x"));
    }

    #[test]
    fn next_page_from_a_link_header() {
        let l = r#"<https://api.github.com/gists?page=2>; rel="next", <https://api.github.com/gists?page=5>; rel="last""#;
        assert_eq!(
            next_link(l).as_deref(),
            Some("https://api.github.com/gists?page=2")
        );
        assert_eq!(
            next_link(r#"<https://api.github.com/gists?page=1>; rel="prev""#),
            None
        );
    }
}
