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
use crate::feed::{self, Feed, ParseError, sanitize::clean_line};
use crate::fetch::{FetchError, FetchOutcome, Fetcher, MAX_HINT, redacted};
use crate::store::{FeedState, FeedWrite, SharedStore};

mod spread;

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
    #[must_use]
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
    let state = {
        let url = publication.url.clone();
        db.call(move |s| s.feed_state(&url)).await
    };
    let status = match state {
        Ok(state) => match fetch_step(fetcher, publication, state, force).await {
            Step::Done(status) => status,
            Step::Write(pending) => write(db, vec![*pending]).await.remove(0),
        },
        Err(e) => failed(e.to_string()),
    };
    report(publication, status)
}

/// Refreshes every publication, several at once, calling `on_report` as each one's result is
/// in the cache (in completion order, a batch at a time).
///
/// The work is a pipeline, so that both cores and the network stay busy: the fetcher caps
/// requests in flight globally and per host; fetched bodies are parsed and cleaned on the
/// blocking pool, one parser per core, while other requests wait on the network; one writer
/// takes whatever feeds are ready and writes them in one transaction (one savepoint each, see
/// [`crate::store::Store::apply_writes`]), so a cold refresh of hundreds of feeds commits a
/// few dozen times instead of once per feed. Memory stays bounded: at most twice the fetch
/// cap of feeds are fetched or parsed at once, and at most [`BATCH_FEEDS`] wait for the writer.
pub async fn refresh_all(
    fetcher: &Fetcher,
    db: &SharedStore,
    publications: &[Publication],
    force: bool,
    mut on_report: impl FnMut(RefreshReport),
) {
    // One read for every feed's validators and freshness instead of one per feed.
    let states = match db.call(|s| s.feed_states()).await {
        Ok(states) => states,
        Err(e) => {
            let message = e.to_string();
            for p in publications {
                on_report(report(p, failed(message.clone())));
            }
            return;
        }
    };
    // Fetched or parsed feeds held at once: twice the fetch cap, as before batching (the fetch
    // cap plus one per parser made a cold 500-feed refresh 20% slower), of which the writer's
    // queue and batch take their share, so that peak memory does not grow.
    let concurrency = fetcher.settings().concurrency.max(1);
    let in_flight = (concurrency * 2)
        .saturating_sub(2 * BATCH_FEEDS)
        .max(concurrency + parsers());
    let (ready, mut queue) = tokio::sync::mpsc::channel::<(&Publication, Step)>(BATCH_FEEDS);
    let fetching = async move {
        // Boxed futures, built before the stream: a closure inside the stream would make the
        // whole future too general for `tokio::spawn` (rustc's higher-ranked lifetime limits),
        // and the TUI's feeds executor spawns it.
        type Job<'a> = std::pin::Pin<Box<dyn Future<Output = (&'a Publication, Step)> + Send + 'a>>;
        // Each host's feeds spread over the run, so that a busy host's queue never holds the
        // window (see `spread`).
        let order = spread::fetch_order(publications.iter().map(|p| p.url.as_str()));
        let jobs: Vec<Job<'_>> = order
            .into_iter()
            .map(|i| &publications[i])
            .map(|p| {
                let state = states.get(&p.url).cloned().unwrap_or_default();
                Box::pin(async move { (p, fetch_step(fetcher, p, state, force).await) }) as Job<'_>
            })
            .collect();
        let mut steps = futures::stream::iter(jobs).buffer_unordered(in_flight);
        while let Some(step) = steps.next().await {
            if ready.send(step).await.is_err() {
                break;
            }
        }
    };
    let writing = async {
        while let Some(first) = queue.recv().await {
            // Everything that is ready goes into one transaction, up to a bound.
            let mut batch = vec![first];
            let mut items = batch_items(&batch[0].1);
            while batch.len() < BATCH_FEEDS && items < BATCH_ITEMS {
                let Ok(next) = queue.try_recv() else { break };
                items += batch_items(&next.1);
                batch.push(next);
            }
            let mut writes = Vec::with_capacity(batch.len());
            let mut order = Vec::with_capacity(batch.len());
            for (p, step) in batch {
                match step {
                    Step::Done(status) => on_report(report(p, status)),
                    Step::Write(pending) => {
                        order.push(p);
                        writes.push(*pending);
                    }
                }
            }
            if writes.is_empty() {
                continue;
            }
            for (p, status) in order.into_iter().zip(write(db, writes).await) {
                on_report(report(p, status));
            }
        }
    };
    futures::join!(fetching, writing);
    // The cache just changed a lot: a good moment to refresh the planner's statistics (cheap,
    // bounded, a no-op when they are current).
    if let Err(e) = db.call(|s| s.optimize()).await {
        tracing::warn!("cache optimize failed: {e}");
    }
}

/// Feeds written in one transaction at most: enough that a cold refresh commits rarely, few
/// enough that the TUI, which shares the cache, never waits long for it.
const BATCH_FEEDS: usize = 8;
/// Articles written in one transaction at most (a batch always takes at least one feed).
const BATCH_ITEMS: usize = 1000;

fn batch_items(step: &Step) -> usize {
    match step {
        Step::Write(p) => p.write.feed.as_ref().map_or(1, |f| f.items.len().max(1)),
        Step::Done(_) => 0,
    }
}

/// What fetching and parsing one publication came to, before the cache is told.
enum Step {
    /// Nothing to write (still fresh, or the server asked to wait).
    Done(RefreshStatus),
    /// Boxed: a parsed feed's write is large, and most steps are that or nothing.
    Write(Box<Pending>),
}

/// A write for the cache and what to report once it is done.
struct Pending {
    write: FeedWrite,
    /// `Updated` (its `new` filled in from the merge), `NotModified` or `Failed`.
    status: RefreshStatus,
}

fn failed(message: String) -> RefreshStatus {
    RefreshStatus::Failed {
        message,
        retry_after: None,
    }
}

fn report(publication: &Publication, status: RefreshStatus) -> RefreshReport {
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

/// Writes `pending` in one transaction and returns each one's status, in order.
async fn write(db: &SharedStore, pending: Vec<Pending>) -> Vec<RefreshStatus> {
    let (writes, statuses): (Vec<FeedWrite>, Vec<RefreshStatus>) =
        pending.into_iter().map(|p| (p.write, p.status)).unzip();
    let n = writes.len();
    match db.call(move |s| s.apply_writes(&writes)).await {
        Ok(results) => statuses
            .into_iter()
            .zip(results)
            .map(|(status, result)| match (status, result) {
                (RefreshStatus::Updated { items, .. }, Ok(merged)) => RefreshStatus::Updated {
                    new: merged.new,
                    items,
                    first: merged.first,
                },
                (status, Ok(_)) => status,
                (_, Err(e)) => failed(e.to_string()),
            })
            .collect(),
        Err(e) => {
            let message = e.to_string();
            (0..n).map(|_| failed(message.clone())).collect()
        }
    }
}

/// Decides whether `publication` needs fetching, fetches it conditionally and parses it (off
/// the runtime). Touches no cache: the caller read `state` and writes the result.
async fn fetch_step(
    fetcher: &Fetcher,
    publication: &Publication,
    state: FeedState,
    force: bool,
) -> Step {
    let url = publication.url.clone();
    let now = Utc::now();
    if let Some(until) = state.retry_after_until.filter(|t| *t > now) {
        return Step::Done(RefreshStatus::Failed {
            message: format!("the server asked to wait: next try after {}", clock(until)),
            retry_after: Some(until),
        });
    }
    if !force && state.fresh_until.is_some_and(|t| t > now) {
        return Step::Done(RefreshStatus::Fresh);
    }
    let pending = |state: FeedState, feed: Option<(Feed, Vec<String>)>, now, status| {
        let (feed, search_texts) = feed.map_or((None, Vec::new()), |(f, t)| (Some(f), t));
        Step::Write(Box::new(Pending {
            write: FeedWrite {
                name: publication.name.clone(),
                url: url.clone(),
                state,
                feed,
                now,
                search_texts,
            },
            status,
        }))
    };

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
            pending(next, None, now, RefreshStatus::NotModified)
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
                // The search text of every item is made here, on the parsers' cores, rather
                // than in the one writer, which every feed waits for. Items the cache already
                // has get one too: cheaper than asking the cache which are new.
                parsed.map(|feed| {
                    let texts = if crate::store::indexes_new_articles() {
                        feed.items
                            .iter()
                            .map(|i| feed::search_text(&i.content_html))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    (feed, texts)
                })
            })
            .await
            .unwrap_or_else(|e| Err(format!("the parser failed: {e}")));
            match parsed {
                Ok((feed, texts)) => {
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
                    pending(
                        next,
                        Some((feed, texts)),
                        now,
                        RefreshStatus::Updated {
                            new: 0,
                            items,
                            first: false,
                        },
                    )
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
                    pending(next, None, now, failed(message))
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
            pending(
                next,
                None,
                now,
                RefreshStatus::Failed {
                    message,
                    retry_after,
                },
            )
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
#[must_use]
pub(crate) fn fetch_message(e: &FetchError, retry_after: Option<DateTime<Utc>>) -> String {
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
#[must_use]
pub(crate) fn parse_message(e: &ParseError) -> String {
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
