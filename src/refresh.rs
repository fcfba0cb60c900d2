//! The refresh pipeline shared by the TUI and `newsroom fetch`: decide whether a feed needs
//! fetching, fetch it conditionally, parse it off the runtime, and merge it into the cache.
//!
//! Politeness lives here: a feed still fresh (Cache-Control, Expires, RSS `<ttl>`) is skipped
//! unless forced, a `Retry-After` is honoured even when forced, and validators are stored from
//! the first fetch on, so the second refresh is already a conditional one. A 304 costs one small
//! write: no parse, no article touched.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Local, SubsecRound, Utc};
use futures::StreamExt;
use tokio::sync::Semaphore;

use crate::config::Publication;
use crate::feed::{self, ParseError, sanitize::clean_line};
use crate::fetch::{FetchError, FetchOutcome, Fetcher, MAX_HINT, redacted};
use crate::store::{FeedState, SharedStore, StoreError};

/// What refreshing one publication came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshReport {
    pub name: String,
    pub url: String,
    pub status: RefreshStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshStatus {
    /// Fetched and merged: `new` articles were not cached before; the feed lists `items`
    /// (duplicates included); `first`: the cache held none of this publication's articles.
    Updated {
        new: usize,
        items: usize,
        first: bool,
    },
    /// The server answered 304: the cache is current.
    NotModified,
    /// Not fetched: the publisher says the cached copy is still fresh.
    Fresh,
    /// Nothing changed in the cache. `message` is short and meant for the user; `retry_after`
    /// is when the server allows the next try, if it said.
    Failed {
        message: String,
        retry_after: Option<DateTime<Utc>>,
    },
}

impl RefreshReport {
    /// True unless the refresh failed (unchanged and fresh feeds are fine).
    pub fn is_ok(&self) -> bool {
        !matches!(self.status, RefreshStatus::Failed { .. })
    }
}

/// Refreshes one publication. Never fails as a whole: every problem becomes a `Failed` report
/// (and is remembered in the cache as the feed's last error).
pub async fn refresh_one(
    fetcher: &Fetcher,
    db: &SharedStore,
    publication: &Publication,
    force: bool,
) -> RefreshReport {
    let status = match run(fetcher, db, publication, force).await {
        Ok(status) => status,
        Err(e) => RefreshStatus::Failed {
            message: e.to_string(),
            retry_after: None,
        },
    };
    match &status {
        RefreshStatus::Failed { message, .. } => {
            tracing::info!(feed = %redacted(&publication.url), error = %message, "refresh failed");
        }
        s => tracing::debug!(feed = %redacted(&publication.url), status = ?s, "refreshed"),
    }
    RefreshReport {
        name: publication.name.clone(),
        url: publication.url.clone(),
        status,
    }
}

/// Refreshes every publication, several at once, calling `on_report` as each one finishes (in
/// completion order). The fetcher caps requests in flight globally and per host; this caps how
/// many fetched bodies wait for parsing at once, which bounds memory.
pub async fn refresh_all(
    fetcher: &Fetcher,
    db: &SharedStore,
    publications: &[Publication],
    force: bool,
    mut on_report: impl FnMut(RefreshReport),
) {
    // Twice the fetch cap, so that parsing and merging one feed never idles a network slot
    // (measured: the fetch cap plus one per parser made a cold 500-feed refresh 20% slower).
    let in_flight = fetcher.settings().concurrency.max(1) * 2;
    // Boxed futures, built before the stream: a closure inside the stream would make the
    // whole future too general for `tokio::spawn` (rustc's higher-ranked lifetime limits).
    let jobs: Vec<std::pin::Pin<Box<dyn Future<Output = RefreshReport> + Send + '_>>> =
        publications
            .iter()
            .map(|p| Box::pin(refresh_one(fetcher, db, p, force)) as _)
            .collect();
    let mut reports = futures::stream::iter(jobs).buffer_unordered(in_flight);
    while let Some(report) = reports.next().await {
        on_report(report);
    }
    // The cache just changed a lot: a good moment to refresh the planner's statistics (cheap,
    // bounded, a no-op when they are current).
    if let Err(e) = db.call(|s| s.optimize()).await {
        tracing::warn!("cache optimize failed: {e}");
    }
}

async fn run(
    fetcher: &Fetcher,
    db: &SharedStore,
    publication: &Publication,
    force: bool,
) -> Result<RefreshStatus, StoreError> {
    let url = publication.url.clone();
    let state = db
        .call({
            let url = url.clone();
            move |s| s.feed_state(&url)
        })
        .await?;

    let now = Utc::now();
    if let Some(until) = state.retry_after_until.filter(|t| *t > now) {
        return Ok(RefreshStatus::Failed {
            message: format!("the server asked to wait: next try after {}", clock(until)),
            retry_after: Some(until),
        });
    }
    if !force && state.fresh_until.is_some_and(|t| t > now) {
        return Ok(RefreshStatus::Fresh);
    }

    // Validators are sent even when forced: forcing skips freshness, not politeness.
    let result = fetcher.get(&url, &state.validators).await;
    // Whole seconds: what the cache stores, so a report and a reload agree.
    let now = Utc::now().trunc_subsecs(0);
    match result {
        Ok(FetchOutcome::NotModified {
            validators,
            fresh_for,
        }) => {
            let next = FeedState {
                validators,
                fresh_until: fresh_for.map(|d| later(now, d)),
                retry_after_until: None,
                last_status: Some(304),
                last_error: None,
                last_fetched: Some(now),
            };
            db.call(move |s| s.record_state(&url, &next)).await?;
            Ok(RefreshStatus::NotModified)
        }
        Ok(FetchOutcome::Fetched {
            body,
            content_type,
            validators,
            fresh_for,
            permit,
        }) => {
            // Parsing a large feed takes milliseconds of CPU: keep it off the async workers,
            // and run no more parsers at once than there are cores.
            let slot = PARSERS.acquire().await.ok();
            let doc_url = url.clone();
            let parsed = tokio::task::spawn_blocking(move || {
                let _slot = slot;
                // The feed's URL resolves relative links in it.
                let parsed = feed::parse_at(&body, content_type.as_deref(), Some(&doc_url))
                    .map_err(|e| parse_message(&e));
                // The body's place in the byte budget ends with the body.
                drop((body, permit));
                parsed
            })
            .await
            .unwrap_or_else(|e| Err(format!("the parser failed: {e}")));
            match parsed {
                Ok(feed) => {
                    let ttl = feed
                        .ttl_minutes
                        .map(|m| Duration::from_secs(u64::from(m) * 60));
                    let next = FeedState {
                        validators,
                        fresh_until: fresh_for.or(ttl).map(|d| later(now, d.min(MAX_HINT))),
                        retry_after_until: None,
                        last_status: Some(200),
                        last_error: None,
                        last_fetched: Some(now),
                    };
                    let items = feed.items.len();
                    let name = publication.name.clone();
                    let merged = db
                        .call(move |s| s.apply_fetch(&name, &url, &feed, &next, now))
                        .await?;
                    Ok(RefreshStatus::Updated {
                        new: merged.new,
                        items,
                        first: merged.first,
                    })
                }
                Err(message) => {
                    // The old validators are kept: storing the new ones would turn the next try
                    // into a 304 and hide the feed until it changes.
                    let next = FeedState {
                        last_status: Some(200),
                        last_error: Some(message.clone()),
                        last_fetched: Some(now),
                        ..state
                    };
                    db.call(move |s| s.record_state(&url, &next)).await?;
                    Ok(RefreshStatus::Failed {
                        message,
                        retry_after: None,
                    })
                }
            }
        }
        Err(e) => {
            let retry_after = e.retry_after().map(|d| later(now, d.min(MAX_HINT)));
            let message = fetch_message(&e, retry_after);
            let next = FeedState {
                validators: state.validators,
                fresh_until: None,
                retry_after_until: retry_after,
                last_status: match e {
                    FetchError::Status { status, .. } => Some(status),
                    _ => None,
                },
                last_error: Some(message.clone()),
                last_fetched: Some(now),
            };
            db.call(move |s| s.record_state(&url, &next)).await?;
            Ok(RefreshStatus::Failed {
                message,
                retry_after,
            })
        }
    }
}

/// Parsing slots, one per core: more would only add threads (and allocator arenas) to the
/// blocking pool, not speed.
static PARSERS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(parsers()));

fn parsers() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

fn later(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now)
}

/// "14:05" in the user's time zone: when a back-off ends; "Wed 3 Dec 14:05" when that is
/// not today (a back-off may last a day).
fn clock(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&Local);
    if local.date_naive() == Local::now().date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%a %-d %b %H:%M").to_string()
    }
}

/// A failed fetch in words a reader understands at a glance.
pub fn fetch_message(e: &FetchError, retry_after: Option<DateTime<Utc>>) -> String {
    let base = match e {
        FetchError::Status { status, .. } => {
            let why = match status {
                404 => "feed not found",
                410 => "the feed is gone",
                401 | 403 => "access denied",
                429 => "too many requests",
                500..=599 => "server error",
                _ => "",
            };
            if why.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status} — {why}")
            }
        }
        other => other.to_string(),
    };
    match retry_after {
        Some(t) => format!("{base}; next try after {}", clock(t)),
        None => base,
    }
}

/// A feed that did not parse. An HTML page is the common case (a site's home page instead of
/// its feed, or a login wall), so it gets its own message.
pub fn parse_message(e: &ParseError) -> String {
    // The parser names an HTML page as such itself; this only keeps the message short and clean.
    let mut msg = clean_line(&e.to_string());
    if let Some((i, _)) = msg.char_indices().nth(120) {
        msg.truncate(i);
        msg.push('…');
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_read_plainly() {
        let e = FetchError::Status {
            status: 404,
            retry_after: None,
        };
        assert_eq!(fetch_message(&e, None), "HTTP 404 — feed not found");
        let e = FetchError::Status {
            status: 418,
            retry_after: None,
        };
        assert_eq!(fetch_message(&e, None), "HTTP 418");
        let e = FetchError::Timeout(Duration::from_secs(15));
        assert!(fetch_message(&e, None).contains("timed out after 15"));
        let t = DateTime::from_timestamp(1_700_000_000, 0).expect("test value");
        let e = FetchError::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(60)),
        };
        let m = fetch_message(&e, Some(t));
        assert!(
            m.starts_with("HTTP 429 — too many requests; next try after "),
            "{m}"
        );
        // A day's back-off names the day.
        let tomorrow = Utc::now() + chrono::Duration::hours(24);
        let m = fetch_message(&e, Some(tomorrow));
        let day = tomorrow
            .with_timezone(&Local)
            .format("%a %-d %b")
            .to_string();
        assert!(
            m.ends_with(&format!("next try after {}", clock(tomorrow))),
            "{m}"
        );
        assert!(m.contains(&day), "{m}");
    }

    #[test]
    fn html_pages_are_named_as_such() {
        for page in [
            &b"\xef\xbb\xbf  <!DOCTYPE html><html><body>hi"[..],
            b"<?xml version='1.0'?>\n<html>",
        ] {
            let e = feed::parse(page, None).unwrap_err();
            assert_eq!(parse_message(&e), "this is an HTML page, not a feed");
        }
        let m = parse_message(&ParseError::Malformed("bad \x1b[31m".into()));
        assert!(m.starts_with("malformed feed"), "{m}");
        assert!(!m.contains('\x1b'), "{m}");
    }
}
