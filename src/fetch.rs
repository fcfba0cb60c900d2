//! The HTTP edge for feeds: one shared client with timeouts, a body-size cap (after
//! decompression), a redirect limit, conditional GET, freshness and `Retry-After` hints, and a
//! bounded number of requests in flight, globally and per host.
//!
//! Everything a server says is untrusted: no server-supplied text reaches an error message
//! unsanitized, and every wait and every byte count is bounded.

use std::collections::HashMap;
use std::error::Error as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use url::Url;

use crate::gate::clean_line;

/// Redirects followed before giving up (a loop ends here too).
pub const MAX_REDIRECTS: usize = 5;

/// Neither a freshness lifetime nor a `Retry-After` may silence a feed for longer than this: a
/// misconfigured server (`max-age=31536000`) must not stop a feed for a year.
pub const MAX_HINT: Duration = Duration::from_secs(24 * 60 * 60);

/// Cap on an article page's body: real news pages weigh well under 2 MiB of HTML.
pub const MAX_PAGE_BYTES: u64 = 5 * 1024 * 1024;

const PAGE_ACCEPT: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1";

/// What the fetcher needs from the config's `[fetch]` section.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Total time for one request, from sending it to the last body byte.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Cap on the decompressed body.
    pub max_bytes: u64,
    /// Requests in flight at once, all hosts together.
    pub concurrency: usize,
    /// Requests in flight at once to one host (scheme, host and port).
    pub per_host: usize,
}

impl FetchSettings {
    /// From the config's `[fetch]` section.
    #[must_use]
    pub(crate) fn from_config(c: &crate::config::FetchConfig) -> Self {
        Self {
            timeout: c.timeout,
            connect_timeout: c.timeout.min(Duration::from_secs(10)),
            max_bytes: c.max_feed_bytes,
            concurrency: c.concurrency,
            per_host: c.per_host,
        }
    }
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(10),
            max_bytes: 10 * 1024 * 1024,
            concurrency: 20,
            per_host: 6,
        }
    }
}

impl From<&crate::config::FetchConfig> for FetchSettings {
    fn from(c: &crate::config::FetchConfig) -> Self {
        Self {
            timeout: c.timeout,
            // A connect that takes most of the total budget is not worth waiting for.
            connect_timeout: c.timeout.min(Duration::from_secs(10)),
            max_bytes: c.max_feed_bytes,
            concurrency: c.concurrency,
            per_host: c.per_host,
        }
    }
}

pub use crate::model::Validators;

#[derive(Debug)]
pub enum FetchOutcome {
    /// 304: the cached copy is current.
    NotModified {
        validators: Validators,
        fresh_for: Option<Duration>,
    },
    /// 2xx with a body (already decompressed, at most `max_bytes`).
    Fetched {
        body: Vec<u8>,
        content_type: Option<String>,
        validators: Validators,
        fresh_for: Option<Duration>,
        /// The body's share of the byte budget: keep it until the body is dropped (parsed).
        permit: BodyPermit,
    },
}

impl FetchOutcome {
    /// How long the server says the feed stays fresh (`Cache-Control: max-age`, `Expires`).
    #[must_use]
    pub fn fresh_for(&self) -> Option<Duration> {
        match self {
            Self::NotModified { fresh_for, .. } | Self::Fetched { fresh_for, .. } => *fresh_for,
        }
    }

    /// The validators to store for the next conditional GET.
    #[must_use]
    pub fn validators(&self) -> &Validators {
        match self {
            Self::NotModified { validators, .. } | Self::Fetched { validators, .. } => validators,
        }
    }
}

/// A large body's place in the fetcher's budget (see [`LARGE_BODIES`]); empty for small ones.
#[derive(Debug, Default)]
pub struct BodyPermit(#[allow(dead_code)] Option<tokio::sync::OwnedSemaphorePermit>);

/// Bodies larger than this count against the budget of large bodies.
pub const LARGE_BODY: usize = 1024 * 1024;

/// Large bodies (from download to the end of parsing) in memory at once, across every fetch
/// of a refresh: with the default 10 MiB cap, at most about 2 x 10 MiB of large bodies plus
/// `concurrency` x 1 MiB of small ones are held at a time, however many hostile feeds answer
/// at once. A fetch waiting here holds no large slot, so the wait always ends; the time spent
/// waiting does not count against its timeout.
pub const LARGE_BODIES: usize = 2;

/// Why a fetch failed. The `Display` text is short and shown per feed; it never carries raw
/// server text.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {}", human_duration(*.0))]
    Timeout(Duration),
    #[error("feed larger than {}", human_bytes(*.0))]
    TooLarge(u64),
    #[error("HTTP {status}{}", retry_note(*.retry_after))]
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("redirect loop (more than {MAX_REDIRECTS} redirects)")]
    TooManyRedirects,
    /// A 3xx whose `Location` is missing or no usable address.
    #[error("HTTP {0}: {1}")]
    BadRedirect(u16, &'static str),
    #[error("not an http(s) URL")]
    BadUrl,
    #[error("{0}")]
    Network(String),
}

impl FetchError {
    /// The server's `Retry-After` (429/503 only), capped at [`MAX_HINT`].
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Shared by every fetch so connections are reused and the concurrency caps hold across callers.
/// Cheap to clone: clones share the client and the caps.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
    global: Arc<Semaphore>,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    large: Arc<Semaphore>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Raised inside the redirect policy so that a redirect to `file:` or `ftp:` becomes `BadUrl`.
#[derive(Debug)]
struct NonHttpRedirect;

impl std::fmt::Display for NonHttpRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("redirect to a non-http(s) URL")
    }
}

impl std::error::Error for NonHttpRedirect {}

impl Fetcher {
    pub fn new(mut settings: FetchSettings) -> Result<Self, FetchError> {
        // A cap of 0 would deadlock every fetch.
        settings.concurrency = settings.concurrency.max(1);
        settings.per_host = settings.per_host.max(1);
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            if !is_http(attempt.url()) {
                attempt.error(NonHttpRedirect)
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(FetchError::TooManyRedirects)
            } else {
                attempt.follow()
            }
        });
        // No client-wide timeout: `get` keeps its own deadline, which a wait for the byte
        // budget extends. No Referer: it would carry one feed's URL (and its `?key=`) to
        // whatever host a redirect names.
        let client = reqwest::Client::builder()
            .user_agent(concat!("newsroom/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.connect_timeout)
            .redirect(redirects)
            .referer(false)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|_| FetchError::Network("cannot start the HTTP client".into()))?;
        Ok(Self {
            client,
            global: Arc::new(Semaphore::new(settings.concurrency)),
            hosts: Arc::default(),
            large: Arc::new(Semaphore::new(LARGE_BODIES)),
            settings,
        })
    }

    /// Places left for large bodies (see [`LARGE_BODIES`]).
    #[must_use]
    pub fn large_bodies_free(&self) -> usize {
        self.large.available_permits()
    }

    #[must_use]
    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    /// GETs a feed, conditionally when `validators` are known. Waits for a slot under both caps
    /// (that wait is not part of the timeout), then bounds the request by the total timeout and
    /// the decompressed body by `max_bytes`.
    pub async fn get(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        self.get_as(url, validators, None, self.settings.max_bytes)
            .await
            .map(|(outcome, _)| outcome)
    }

    /// GETs a web page (an article's own page) under the same caps as a feed, asking for HTML
    /// and bounding the body by [`MAX_PAGE_BYTES`] (or the feed cap, if smaller). Also returns
    /// the URL the page was finally served from (after redirects): its relative links are
    /// relative to that.
    pub(crate) async fn get_page(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<(FetchOutcome, String), FetchError> {
        let max = self.settings.max_bytes.min(MAX_PAGE_BYTES);
        self.get_as(url, validators, Some(PAGE_ACCEPT), max).await
    }

    async fn get_as(
        &self,
        url: &str,
        validators: &Validators,
        accept: Option<&'static str>,
        max: u64,
    ) -> Result<(FetchOutcome, String), FetchError> {
        let url = Url::parse(url.trim()).map_err(|_| FetchError::BadUrl)?;
        if !is_http(&url) || url.host_str().is_none() {
            return Err(FetchError::BadUrl);
        }
        // Host first, then global: a task queued behind a busy host must not hold a global slot
        // that a request to another host could use.
        let host = self.host_semaphore(&url);
        let _host = host.acquire().await.map_err(|_| closed())?;
        let _global = self.global.acquire().await.map_err(|_| closed())?;
        let host_name = url.host_str().unwrap_or_default().to_owned();
        let result = self.fetch(url, validators, accept, max).await;
        match &result {
            Ok((FetchOutcome::Fetched { body, .. }, _)) => {
                tracing::debug!(host = %host_name, bytes = body.len(), "fetched");
            }
            Ok((FetchOutcome::NotModified { .. }, _)) => {
                tracing::debug!(host = %host_name, "not modified");
            }
            Err(e) => tracing::debug!(host = %host_name, error = %e, "fetch failed"),
        }
        result
    }

    async fn fetch(
        &self,
        url: Url,
        validators: &Validators,
        accept: Option<&'static str>,
        max: u64,
    ) -> Result<(FetchOutcome, String), FetchError> {
        let timeout = self.settings.timeout;
        let mut deadline = tokio::time::Instant::now() + timeout;
        let timed_out = |_| FetchError::Timeout(timeout);
        let mut req = self
            .client
            .get(url)
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br");
        if let Some(accept) = accept {
            req = req.header(header::ACCEPT, accept);
        }
        // A stored validator that is no longer a legal header value is dropped, not an error:
        // the fetch is merely unconditional.
        if let Some(v) = validators
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            req = req.header(header::IF_NONE_MATCH, v);
        }
        if let Some(v) = validators
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            req = req.header(header::IF_MODIFIED_SINCE, v);
        }
        let mut resp = tokio::time::timeout_at(deadline, req.send())
            .await
            .map_err(timed_out)?
            .map_err(|e| self.classify(&e))?;
        let final_url = resp.url().to_string();
        let status = resp.status();
        let now = SystemTime::now();
        let headers = resp.headers();
        let fresh_for = freshness(headers, now);

        if status == StatusCode::NOT_MODIFIED {
            // A 304 may omit validators; then the ones we sent still hold.
            let got = validators_from(headers);
            let validators = Validators {
                etag: got.etag.or_else(|| validators.etag.clone()),
                last_modified: got
                    .last_modified
                    .or_else(|| validators.last_modified.clone()),
            };
            return Ok((
                FetchOutcome::NotModified {
                    validators,
                    fresh_for,
                },
                final_url,
            ));
        }
        if status.is_redirection() {
            // A redirect we were handed back was not followed: the HTTP stack returns those to
            // non-http(s) schemes (`file:`, `ftp:`) unfollowed, and they are a bad URL; and
            // those whose Location is missing or no address at all (port 99999).
            let code = status.as_u16();
            let location = headers.get(header::LOCATION);
            match location.map(|l| l.to_str().ok().and_then(|l| resp.url().join(l).ok())) {
                Some(Some(u)) if !is_http(&u) => return Err(FetchError::BadUrl),
                Some(None) => {
                    return Err(FetchError::BadRedirect(
                        code,
                        "the redirect points to an invalid address",
                    ));
                }
                None if code != 304 => {
                    return Err(FetchError::BadRedirect(
                        code,
                        "a redirect without a Location",
                    ));
                }
                _ => {}
            }
        }
        if !status.is_success() {
            let retry_after = match status {
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => headers
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| retry_after(v, header_date(headers, header::DATE), now)),
                _ => None,
            };
            return Err(FetchError::Status {
                status: status.as_u16(),
                retry_after,
            });
        }

        let validators = validators_from(headers);
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(clean_line);
        let max_usize = usize::try_from(max).unwrap_or(usize::MAX);
        let codings: Vec<String> = headers
            .get_all(header::CONTENT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let mut decoder =
            crate::content_coding::Decoder::new(codings.iter().map(String::as_str), max_usize)
                .map_err(decode_error(max))?;
        // Only meaningful for identity bodies; compressed ones are checked as they are decoded.
        let declared = resp.content_length();
        if codings.is_empty() && declared.is_some_and(|n| n > max) {
            return Err(FetchError::TooLarge(max));
        }
        // The declared length is the server's word: reserve by it only up to a modest bound.
        let reserve = declared.unwrap_or(0).min(max).min(1024 * 1024);
        decoder.reserve(usize::try_from(reserve).unwrap_or(0));
        let mut received = 0usize;
        let mut permit = BodyPermit::default();
        // Decoded here, chunk by chunk, so this counts decompressed bytes and a compression
        // bomb stops at the cap.
        while let Some(chunk) = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .map_err(timed_out)?
            .map_err(|e| self.classify(&e))?
        {
            received += chunk.len();
            decoder.push(&chunk).map_err(decode_error(max))?;
            if permit.0.is_none() && received.max(decoder.decoded_len()) > LARGE_BODY {
                let waiting = tokio::time::Instant::now();
                let slot = self
                    .large
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| closed())?;
                deadline += waiting.elapsed();
                permit = BodyPermit(Some(slot));
            }
        }
        let body = decoder.finish().map_err(decode_error(max))?;
        Ok((
            FetchOutcome::Fetched {
                body,
                content_type,
                validators,
                fresh_for,
                permit,
            },
            final_url,
        ))
    }

    fn host_semaphore(&self, url: &Url) -> Arc<Semaphore> {
        let key = host_key(url);
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        hosts
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(self.settings.per_host)))
            .clone()
    }

    /// Turns a reqwest error into a short message of our own words; reqwest's text names the
    /// URL and may quote the server, so it is used only as a sanitized last resort.
    fn classify(&self, e: &reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout(self.settings.timeout);
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = e.source();
        let mut innermost = None;
        let mut in_hyper = false;
        while let Some(s) = source {
            if s.is::<NonHttpRedirect>() {
                return FetchError::BadUrl;
            }
            if let Some(FetchError::TooManyRedirects) = s.downcast_ref::<FetchError>() {
                return FetchError::TooManyRedirects;
            }
            if let Some(h) = s.downcast_ref::<hyper::Error>() {
                in_hyper = true;
                if h.is_incomplete_message() {
                    let when = if e.is_body() {
                        "mid-body"
                    } else {
                        "before an answer"
                    };
                    return FetchError::Network(format!("connection closed {when}"));
                }
                if h.is_parse() {
                    return FetchError::Network("not an HTTP answer".into());
                }
            }
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind as K;
                let msg = match io.kind() {
                    K::ConnectionRefused => Some("connection refused"),
                    K::ConnectionReset => Some("connection reset by the server"),
                    K::ConnectionAborted => Some("connection aborted"),
                    K::UnexpectedEof => Some("connection closed mid-body"),
                    K::TimedOut => return FetchError::Timeout(self.settings.timeout),
                    // Hyper's word for a body whose chunk framing does not parse.
                    K::InvalidInput | K::InvalidData if in_hyper && e.is_decode() => {
                        Some("broken chunked encoding")
                    }
                    _ => None,
                };
                if let Some(msg) = msg {
                    return FetchError::Network(msg.into());
                }
            }
            innermost = Some(s);
            source = s.source();
        }
        let detail = innermost
            .map(std::string::ToString::to_string)
            .unwrap_or_default();
        let msg = if e.is_redirect() {
            "bad redirect".to_owned()
        } else if e.is_connect() {
            if detail.contains("dns error") || detail.contains("failed to lookup") {
                "host not found".to_owned()
            } else {
                "cannot connect".to_owned()
            }
        } else if e.is_decode() {
            // newsroom decodes content codings itself: this is the transfer, not compression.
            "broken body".to_owned()
        } else if e.is_body() {
            "connection closed mid-body".to_owned()
        } else {
            let mut d = clean_line(&detail);
            d.truncate(d.char_indices().nth(80).map_or(d.len(), |(i, _)| i));
            if d.is_empty() {
                "network error".to_owned()
            } else {
                format!("network error: {d}")
            }
        };
        FetchError::Network(msg)
    }
}

fn decode_error(max: u64) -> impl Fn(crate::content_coding::DecodeError) -> FetchError {
    use crate::content_coding::DecodeError as D;
    move |e| match e {
        D::TooLarge => FetchError::TooLarge(max),
        D::Invalid => FetchError::Network("invalid compressed data".into()),
        D::Unsupported(name) => FetchError::Network(format!("unknown content coding {name}")),
    }
}

fn closed() -> FetchError {
    FetchError::Network("fetcher shut down".into())
}

/// A URL as logs and messages show it: no user name or password, no query (where API keys
/// live), no fragment. `http://user:pass@host/feed?key=k` becomes `http://host/feed?…`.
#[must_use]
pub fn redacted(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            let query = u.query().is_some();
            u.set_query(None);
            u.set_fragment(None);
            let mut shown = clean_line(u.as_str());
            if query {
                shown.push_str("?…");
            }
            shown
        }
        Err(_) => "(not a URL)".to_owned(),
    }
}

fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// The per-host cap's key: scheme, host and port, so `http://a` and `https://a` are separate
/// connection pools, as they are for the client.
pub(crate) fn host_key(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default().to_ascii_lowercase(),
        url.port_or_known_default().unwrap_or(0)
    )
}

fn validators_from(headers: &HeaderMap) -> Validators {
    let raw = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    Validators {
        etag: raw(header::ETAG),
        last_modified: raw(header::LAST_MODIFIED),
    }
}

fn header_date(headers: &HeaderMap, name: header::HeaderName) -> Option<SystemTime> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .and_then(|v| httpdate::parse_http_date(v.trim()).ok())
}

/// `Retry-After` as delay-seconds or an HTTP date. A date is measured against the server's own
/// `Date` when it sent one, so that a skewed local clock does not distort it.
#[must_use]
pub fn retry_after(
    value: &str,
    server_date: Option<SystemTime>,
    now: SystemTime,
) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits but too big for u64 still means "a long time".
        Duration::from_secs(value.parse().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(server_date.unwrap_or(now))
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_HINT))
}

/// How long the response stays fresh (RFC 9111 §4.2.1): `Cache-Control: max-age` minus `Age`,
/// else `Expires` minus `Date`; `no-cache`/`no-store` mean none. Capped at [`MAX_HINT`].
pub fn freshness(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let mut max_age = None;
    for value in headers.get_all(header::CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',') {
            let (name, arg) = directive.split_once('=').unwrap_or((directive, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "no-cache" | "no-store" => return None,
                "max-age" => max_age = arg.trim().trim_matches('"').parse::<u64>().ok().or(max_age),
                _ => {}
            }
        }
    }
    let lifetime = if let Some(secs) = max_age {
        let age = headers
            .get(header::AGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        Duration::from_secs(secs.saturating_sub(age))
    } else {
        // An Expires that does not parse ("0", "-1") means already expired.
        let expires = header_date(headers, header::EXPIRES)?;
        let date = header_date(headers, header::DATE).unwrap_or(now);
        expires.duration_since(date).ok()?
    };
    (!lifetime.is_zero()).then(|| lifetime.min(MAX_HINT))
}

pub(crate) fn human_bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

fn human_duration(d: Duration) -> String {
    if d >= Duration::from_secs(1) && d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else if d >= Duration::from_secs(1) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn retry_note(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| {
        format!(" (retry after {})", human_duration(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("test header"));
        }
        h
    }

    fn at(s: &str) -> SystemTime {
        httpdate::parse_http_date(s).expect("test date")
    }

    #[test]
    fn max_age_wins_and_age_is_subtracted() {
        let now = SystemTime::now();
        let h = headers(&[("cache-control", "public, max-age=600"), ("age", "100")]);
        assert_eq!(freshness(&h, now), Some(Duration::from_secs(500)));
        let h = headers(&[
            ("cache-control", "max-age=60"),
            ("expires", "Sun, 06 Nov 1994 09:49:37 GMT"),
            ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ]);
        assert_eq!(freshness(&h, now), Some(Duration::from_secs(60)));
    }

    #[test]
    fn no_cache_and_no_store_mean_not_fresh() {
        let now = SystemTime::now();
        assert_eq!(
            freshness(&headers(&[("cache-control", "max-age=600, no-cache")]), now),
            None
        );
        assert_eq!(
            freshness(
                &headers(&[
                    ("cache-control", "No-Store"),
                    ("cache-control", "max-age=9")
                ]),
                now
            ),
            None
        );
    }

    #[test]
    fn expires_is_measured_against_the_servers_date() {
        let h = headers(&[
            ("expires", "Sun, 06 Nov 1994 08:59:37 GMT"),
            ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ]);
        // Our clock is decades later; the server's own Date still gives 10 minutes.
        assert_eq!(
            freshness(&h, SystemTime::now()),
            Some(Duration::from_secs(600))
        );
        // Without Date, our clock: long expired.
        let h = headers(&[("expires", "Sun, 06 Nov 1994 08:59:37 GMT")]);
        assert_eq!(freshness(&h, SystemTime::now()), None);
        assert_eq!(
            freshness(&headers(&[("expires", "0")]), SystemTime::now()),
            None
        );
        assert_eq!(freshness(&HeaderMap::new(), SystemTime::now()), None);
    }

    #[test]
    fn hints_are_capped() {
        let h = headers(&[("cache-control", "max-age=31536000")]);
        assert_eq!(freshness(&h, SystemTime::now()), Some(MAX_HINT));
        assert_eq!(
            retry_after("99999999999999999999999", None, SystemTime::now()),
            Some(MAX_HINT)
        );
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = at("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(
            retry_after(" 120 ", None, now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:30:00 GMT", None, now),
            Some(Duration::from_secs(120))
        );
        // RFC 850 and asctime forms are legal too.
        assert_eq!(
            retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", None, now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            retry_after("Wed Oct 21 07:29:30 2015", None, now),
            Some(Duration::from_secs(90))
        );
        // Measured against the server's Date when given.
        let server = at("Wed, 21 Oct 2015 07:29:50 GMT");
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:30:00 GMT", Some(server), now),
            Some(Duration::from_secs(10))
        );
        // A date in the past means "now"; garbage means no hint.
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", None, now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", None, now), None);
        assert_eq!(retry_after("-5", None, now), None);
    }

    #[test]
    fn messages_are_short_and_human() {
        assert_eq!(
            FetchError::Timeout(Duration::from_secs(15)).to_string(),
            "timed out after 15 s"
        );
        assert_eq!(
            FetchError::Timeout(Duration::from_millis(300)).to_string(),
            "timed out after 300 ms"
        );
        assert_eq!(
            FetchError::TooLarge(10 * 1024 * 1024).to_string(),
            "feed larger than 10 MiB"
        );
        assert_eq!(
            FetchError::TooLarge(64 * 1024).to_string(),
            "feed larger than 64 KiB"
        );
        assert_eq!(
            FetchError::Status {
                status: 404,
                retry_after: None
            }
            .to_string(),
            "HTTP 404"
        );
        let e = FetchError::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(120)),
        };
        assert_eq!(e.to_string(), "HTTP 429 (retry after 120 s)");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
        assert!(
            FetchError::TooManyRedirects
                .to_string()
                .starts_with("redirect loop")
        );
    }

    #[test]
    fn secrets_are_redacted_from_urls() {
        assert_eq!(
            redacted("http://user:pass@example.com:8080/feed.xml?key=SECRET#frag"),
            "http://example.com:8080/feed.xml?…"
        );
        assert_eq!(
            redacted("https://example.com/rss"),
            "https://example.com/rss"
        );
        assert_eq!(redacted("not a url ?key=x"), "(not a URL)");
    }

    #[test]
    fn hosts_are_keyed_by_origin() {
        let k = |u: &str| host_key(&Url::parse(u).expect("test url"));
        assert_eq!(k("http://Example.com/a"), k("http://example.com:80/b"));
        assert_ne!(k("http://example.com/"), k("https://example.com/"));
        assert_ne!(k("http://127.0.0.1:8080/"), k("http://127.0.0.1:8081/"));
    }

    #[tokio::test]
    async fn only_http_urls_are_fetched() {
        let f = Fetcher::new(FetchSettings::default()).expect("client");
        for url in [
            "file:///etc/passwd",
            "ftp://example.com/feed",
            "not a url",
            "javascript:alert(1)",
        ] {
            let e = f.get(url, &Validators::default()).await.expect_err(url);
            assert!(matches!(e, FetchError::BadUrl), "{url}: {e:?}");
        }
    }
}
