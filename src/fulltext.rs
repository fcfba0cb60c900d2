//! Full text on demand: an article's own web page becomes the story's clean text, for feeds that
//! carry only a summary.
//!
//! The page comes through the feed [`Fetcher`] (timeouts, size cap, limited redirects, http(s)
//! only, per-host cap, conditional requests), is decoded like a feed (HTTP charset, `<meta
//! charset>`, detection), and `dom_smoothie` (a port of Mozilla's Readability) picks out the
//! story and drops the page furniture. The story's HTML then takes the path every feed body
//! takes: [`crate::feed::article_text_at`], which renders it and passes it through the
//! terminal-safety gate. The result is cached with the article, failures included, so a story
//! survives restarts and reads offline, and a failure is said once, in one line.
//!
//! [`extract`] is pure (bytes in, text or a reason out); [`fetch_and_store`] runs one article
//! for `F`; [`extract_new`] runs a publication's untried articles after a refresh
//! (`full_text = true`), a few at a time.

use chrono::{SubsecRound, Utc};
use futures::StreamExt;
use tokio::sync::Semaphore;

use crate::app::Msg;
use crate::feed::sanitize::truncate_chars;
use crate::feed::{self, sanitize::clean_line};
use crate::fetch::{FetchError, FetchOutcome, Fetcher, human_bytes};
use crate::store::{FullText, SharedStore};

/// A story shorter than this (letters, not spaces) is a teaser, a consent wall or an app shell,
/// not the article: the feed's text is kept. Real news stories, briefs included, run longer.
const MIN_STORY_CHARS: usize = 280;
/// On a page marked as paywalled, a story shorter than this is the free teaser.
const PAYWALL_TEASER_CHARS: usize = 1500;
/// Elements beyond which a page is refused: real news pages have 1,000 to 15,000, and parsing
/// and scoring time grow with the count (measured: 30,000 take about 2.6 s in a debug build).
const MAX_ELEMENTS: usize = 40_000;
/// Pages fetched and extracted at once in the background, across all publications: enough to
/// keep up with a refresh, few enough that reading and refreshing never wait on them.
const BACKGROUND_PAGES: usize = 4;
/// Articles per publication tried after one refresh (the newest untried ones); the rest wait for
/// the next refresh.
const PER_REFRESH: usize = 20;

static BACKGROUND: Semaphore = Semaphore::const_new(BACKGROUND_PAGES);

/// Why a page gave no story. The `Display` text is one short line for the article pane.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("this article has no web link")]
    NoLink,
    #[error("the page answered HTTP {0}")]
    Status(u16),
    #[error("the page did not answer within {0} s")]
    Timeout(u64),
    #[error("the page is larger than {0}")]
    TooLarge(String),
    #[error("the article's link is not an http(s) page")]
    BadUrl,
    #[error("the page could not be fetched: {0}")]
    Network(String),
    #[error("the page is not HTML ({0})")]
    NotHtml(String),
    #[error("the page is too complex to read safely")]
    TooComplex,
    #[error("the page has no readable story")]
    NoStory,
    #[error("the page shows no more than the feed (a paywall or a teaser)")]
    Teaser,
}

impl From<FetchError> for Unreadable {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::Status { status, .. } => Self::Status(status),
            FetchError::Timeout(d) => Self::Timeout(d.as_secs().max(1)),
            FetchError::TooLarge(n) => Self::TooLarge(human_bytes(n)),
            FetchError::BadUrl => Self::BadUrl,
            FetchError::TooManyRedirects => Self::Network("too many redirects".into()),
            e @ FetchError::BadRedirect(..) => Self::Network(e.to_string()),
            FetchError::Network(m) => Self::Network(m),
        }
    }
}

/// Extracts the story from a fetched page and renders it as clean text (headline when it is
/// not the feed's own title, byline, paragraphs, lists, quotes, `[image: alt]`, links as
/// numbered references with absolute targets). `url` is the page's (absolute) address;
/// `feed_title` and `feed_text` are what the feed already says, so a page that adds nothing
/// (a paywall's teaser) is told apart from a story.
pub(crate) fn extract(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &str,
    feed_title: &str,
    feed_text: &str,
) -> Result<String, Unreadable> {
    if !is_html(content_type, bytes) {
        let kind = content_type
            .and_then(|c| c.split(';').next())
            .map(clean_line)
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "no content type".into());
        return Err(Unreadable::NotHtml(truncate_chars(kind, 60)));
    }
    let html = feed::decode_html(bytes, content_type);
    let paywalled = marked_paywalled(&html);
    // html5ever is quadratic in nesting depth: such a page is refused before it is parsed.
    // A page with too many elements is refused before parsing too: counting start tags is
    // cheap, building the DOM first is not.
    if feed::html_too_costly(&html) || start_tags(&html) > MAX_ELEMENTS {
        return Err(Unreadable::TooComplex);
    }
    let config = dom_smoothie::Config {
        max_elements_to_parse: MAX_ELEMENTS,
        ..dom_smoothie::Config::default()
    };
    let mut reader = dom_smoothie::Readability::new(html, Some(url), Some(config))
        .map_err(|_| Unreadable::BadUrl)?;
    let article = reader.parse().map_err(|e| match e {
        dom_smoothie::ReadabilityError::TooManyElements(..) => Unreadable::TooComplex,
        _ => Unreadable::NoStory,
    })?;
    let letters = |s: &str| s.chars().filter(|c| !c.is_whitespace()).count();
    let story = letters(&article.text_content);
    if story < MIN_STORY_CHARS {
        return Err(Unreadable::NoStory);
    }
    // A page whose story is hardly longer than the feed's summary is the summary again (a
    // paywall, a "subscribe to read" teaser): the feed's text is as good and already here.
    // So is a short story on a page that says it is behind a paywall: a page that carries the
    // whole story for search engines is longer than any teaser.
    if story <= letters(feed_text) * 5 / 4 + 40 || (paywalled && story < PAYWALL_TEASER_CHARS) {
        return Err(Unreadable::Teaser);
    }

    let mut html = String::with_capacity(article.content.len() + 256);
    let title = clean_line(&article.title);
    if !title.is_empty() && !same_words(&title, feed_title) {
        html.push_str(&format!("<h1>{}</h1>", escape(&title)));
    }
    if let Some(by) = article
        .byline
        .as_deref()
        .map(clean_line)
        .filter(|b| !b.is_empty())
    {
        let by = if by.to_lowercase().starts_with("by ") {
            by
        } else {
            format!("By {by}")
        };
        html.push_str(&format!("<p>{}</p>", escape(&by)));
    }
    html.push_str(&article.content);
    let text = feed::article_text_at(&html, Some(url));
    if text.trim().is_empty() {
        return Err(Unreadable::NoStory);
    }
    Ok(text)
}

/// Start tags in `html` (`<` then a letter): at least the elements the parser will build,
/// give or take the odd `<` in a script.
fn start_tags(html: &str) -> usize {
    html.as_bytes()
        .windows(2)
        .filter(|w| w[0] == b'<' && w[1].is_ascii_alphabetic())
        .count()
}

/// Whether the page marks itself as paywalled: schema.org's `"isAccessibleForFree": false` (the
/// markup publishers give search engines for paywalled content), or an element whose class or
/// id names a paywall.
fn marked_paywalled(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    let not_free = lower
        .match_indices("\"isaccessibleforfree\"")
        .any(|(at, m)| {
            let rest = lower[at + m.len()..].trim_start();
            rest.strip_prefix(':')
                .map(|v| v.trim_start().trim_start_matches('"'))
                .is_some_and(|v| v.starts_with("false"))
        });
    not_free
        || lower.match_indices("paywall").any(|(at, _)| {
            // Inside a tag (an attribute), not in the story's text.
            let before = &lower[..at];
            before.rfind('<') > before.rfind('>')
        })
}

/// HTML by its declared type; with none (or a generic one), by its first bytes.
fn is_html(content_type: Option<&str>, bytes: &[u8]) -> bool {
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match mime.as_str() {
        "text/html" | "application/xhtml+xml" => true,
        "" | "application/octet-stream" | "text/plain" => {
            let head =
                String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
            let head = head.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
            head.starts_with("<!doctype html") || head.contains("<html") || head.contains("<body")
        }
        _ => false,
    }
}

fn same_words(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    words(a) == words(b)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Fetches article `id`'s page, extracts its story and stores the result (the story, or why
/// there is none) with the article. Answers with [`Msg::FullText`] carrying `id`, so the core
/// can drop an answer for an article no longer shown. A failure keeps any story stored before.
pub async fn fetch_and_store(fetcher: &Fetcher, store: &SharedStore, id: i64) -> Msg {
    let result = run(fetcher, store, id).await;
    Msg::FullText { id, result }
}

/// The story, or why there is none (one line).
async fn run(fetcher: &Fetcher, store: &SharedStore, id: i64) -> Result<String, String> {
    let loaded = store
        .call(move |s| Ok(s.article(id)?.map(|a| (a, s.full_text(id)))))
        .await;
    let (article, known) = match loaded {
        Ok(Some((article, Ok(known)))) => (article, known),
        Ok(None) => return Err("the article is no longer in the cache".into()),
        Ok(Some((_, Err(e)))) | Err(e) => return Err(e.to_string()),
    };
    let Some(link) = article.headline.link.clone() else {
        return Err(Unreadable::NoLink.to_string());
    };
    let fetched = fetcher.get_page(&link, &known.validators).await;
    let now = Utc::now().trunc_subsecs(0);
    let (result, validators) = match fetched {
        Ok((FetchOutcome::NotModified { validators, .. }, _)) => {
            // The page has not changed, so neither has what it gave last time.
            let result = match (&known.text, &known.error) {
                (Some(text), _) => Ok(text.clone()),
                (None, Some(error)) => Err(error.clone()),
                (None, None) => Err(Unreadable::NoStory.to_string()),
            };
            (result, validators)
        }
        Ok((
            FetchOutcome::Fetched {
                body,
                content_type,
                validators,
                ..
            },
            // Relative links are relative to where the page was served from.
            page_url,
        )) => {
            let (title, feed_html) = (article.headline.title.clone(), article.content_html);
            // Parsing and scoring a page is CPU work: off the async threads.
            let extracted = tokio::task::spawn_blocking(move || {
                let feed_text = feed::article_text(&feed_html);
                extract(
                    &body,
                    content_type.as_deref(),
                    &page_url,
                    &title,
                    &feed_text,
                )
            })
            .await
            .unwrap_or(Err(Unreadable::NoStory));
            (extracted.map_err(|e| e.to_string()), validators)
        }
        // The validators stay those of the last page that did answer.
        Err(e) => (Err(Unreadable::from(e).to_string()), known.validators),
    };
    let record = FullText {
        text: result.as_ref().ok().cloned(),
        error: result.as_ref().err().cloned(),
        validators,
        fetched_at: Some(now),
    };
    if let Err(e) = store.call(move |s| s.record_full_text(id, &record)).await {
        tracing::warn!("could not store a full text: {e}");
    }
    result
}

/// Extracts the full text of the newest untried articles of the publication at `url` (at most
/// [`PER_REFRESH`]), a few pages at a time across every publication, calling `on_done` with
/// each answer as it comes. For `full_text = true` publications, after a refresh. Returns how
/// many stories were stored.
pub(crate) async fn extract_new(
    fetcher: &Fetcher,
    store: &SharedStore,
    url: &str,
    mut on_done: impl FnMut(Msg),
) -> usize {
    let ids = {
        let url = url.to_owned();
        match store
            .call(move |s| s.missing_full_text(&url, PER_REFRESH))
            .await
        {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!("full text: {e}");
                return 0;
            }
        }
    };
    let mut answers = futures::stream::iter(ids)
        .map(|id| async move {
            // The semaphore is static and never closed, so the permit always comes.
            let _slot = BACKGROUND.acquire().await.ok();
            fetch_and_store(fetcher, store, id).await
        })
        .buffer_unordered(BACKGROUND_PAGES);
    let mut stored = 0;
    while let Some(msg) = answers.next().await {
        if matches!(&msg, Msg::FullText { result: Ok(_), .. }) {
            stored += 1;
        }
        on_done(msg);
    }
    tracing::debug!(feed = %url, stored, "full text extracted");
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_recognised_by_type_or_by_its_first_bytes() {
        assert!(is_html(Some("text/html; charset=utf-8"), b""));
        assert!(is_html(Some("application/xhtml+xml"), b""));
        assert!(is_html(None, b"\n  <!DOCTYPE html><html>"));
        assert!(is_html(Some("application/octet-stream"), b"<html><body>"));
        assert!(!is_html(Some("application/pdf"), b"<html>"));
        assert!(!is_html(None, b"%PDF-1.7"));
        assert!(!is_html(Some("application/json"), b"{}"));
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/pages/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).expect("fixture")
    }

    #[test]
    fn a_teaser_is_no_story() {
        let summary = "How three banks, a pension fund and a reluctant minister kept 2,000 jobs \
                       on the river.";
        let page = fixture("paywall.html");
        let url = "https://ledger.example/shipyard";
        assert!(marked_paywalled(&String::from_utf8_lossy(&page)));
        assert_eq!(
            extract(&page, Some("text/html"), url, "Inside the deal", summary),
            Err(Unreadable::Teaser)
        );
        // The same page without its paywall markup still adds too little to an ample summary.
        let unmarked = String::from_utf8_lossy(&page)
            .replace("isAccessibleForFree", "x")
            .replace("paywall", "box");
        assert!(!marked_paywalled(&unmarked));
        let long_summary = format!(
            "{summary} When the receivers arrived at the yard on a wet \
            Tuesday in February, the order book was empty and the last hull was half-painted. \
            Subscribe to continue reading: unlimited access for a pound for four weeks."
        );
        assert_eq!(
            extract(
                unmarked.as_bytes(),
                Some("text/html"),
                url,
                "t",
                &long_summary
            ),
            Err(Unreadable::Teaser)
        );
        // The story page is one, even with a summary.
        let story = fixture("story.html");
        assert!(!marked_paywalled(&String::from_utf8_lossy(&story)));
        assert!(extract(&story, None, url, "t", summary).is_ok());
    }

    #[test]
    fn a_page_without_a_story_says_so() {
        let page =
            b"<html><body><nav><a href=/>Home</a></nav><p>Loading\xe2\x80\xa6</p></body></html>";
        assert_eq!(
            extract(page, Some("text/html"), "https://a.example/", "t", ""),
            Err(Unreadable::NoStory)
        );
        let many = format!(
            "<html><body>{}</body></html>",
            "<i>x</i>".repeat(MAX_ELEMENTS + 1)
        );
        assert_eq!(
            extract(
                many.as_bytes(),
                Some("text/html"),
                "https://a.example/",
                "t",
                ""
            ),
            Err(Unreadable::TooComplex)
        );
    }

    #[test]
    fn reasons_are_one_short_line() {
        let e = |f: FetchError| Unreadable::from(f).to_string();
        assert_eq!(
            e(FetchError::Status {
                status: 404,
                retry_after: None
            }),
            "the page answered HTTP 404"
        );
        assert_eq!(
            e(FetchError::Timeout(std::time::Duration::from_millis(300))),
            "the page did not answer within 1 s"
        );
        assert_eq!(
            e(FetchError::TooLarge(5 * 1024 * 1024)),
            "the page is larger than 5 MiB"
        );
    }

    #[test]
    fn titles_compare_by_their_words() {
        assert!(same_words(
            "Flood defences: what we know",
            "flood defences \u{2013} What we know"
        ));
        assert!(!same_words("Flood defences", "Flood defences fail"));
    }
}
