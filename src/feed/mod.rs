//! Feeds: bytes from the network become a [`Feed`] of clean, terminal-safe text.
//!
//! Everything in here is pure: no IO, no clock. `parse` detects the format from the document
//! itself (never from the URL), and every string it returns has been through
//! [`sanitize::clean`], the one gate for untrusted text.
//!
//! Layout: `encoding` (bytes to UTF-8), `parse` (routing and errors), `strict` (the `rss` and
//! `atom_syndication` crates), `lenient` (the fallback XML reader), `jsonfeed`, `raw` (what the
//! readers produce, and the one place it is cleaned), `date` (lenient dates), `html` (article
//! HTML to text) and `sanitize`.

mod body;
mod date;
mod enclosure;
mod encoding;
mod html;
mod jsonfeed;
mod lenient;
pub mod parse;
mod raw;
pub mod sanitize;
mod strict;

use chrono::{DateTime, Utc};

/// A parsed feed: the publication's own metadata and its items, newest first as published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feed {
    /// The feed's title, sanitized; empty if the feed has none.
    pub title: String,
    /// The site's home page, if the feed names one.
    pub link: Option<String>,
    /// RSS `<ttl>` in minutes: how long the publisher says a copy stays fresh.
    pub ttl_minutes: Option<u32>,
    pub items: Vec<Item>,
}

/// One article as the feed describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// RSS `<guid>` / Atom `<id>` / JSON Feed `id`, if any (the first choice for dedup).
    pub id: Option<String>,
    /// Plain text, sanitized, entities decoded, markup stripped. Never empty: a feed item with
    /// no title gets one derived from its text or link.
    pub title: String,
    /// The article's URL (http/https only; anything else is dropped).
    pub link: Option<String>,
    /// When it was published (or last updated, if that is all the feed says); `None` = unknown.
    pub published: Option<DateTime<Utc>>,
    /// Author name(s), sanitized.
    pub author: Option<String>,
    /// The article body as the feed gave it: HTML (untrusted, not yet sanitized). Turned into
    /// text only when shown, by [`article_text`], so fetching stays cheap.
    pub content_html: String,
    /// Attached media files (podcast episodes, videos), cleaned; see `enclosure.rs`.
    pub enclosures: Vec<crate::model::Enclosure>,
}

pub use parse::{ParseError, parse, parse_at};

/// The article body as wrapped-free readable text: paragraphs, lists and link targets kept,
/// every control or escape sequence removed. Lines are not wrapped; the view wraps them.
#[must_use]
pub fn article_text(html: &str) -> String {
    sanitize::html_to_text(html)
}

/// [`article_text`], with the article's own URL so that relative links in its reference list
/// come out absolute.
#[must_use]
pub fn article_text_at(html: &str, link: Option<&str>) -> String {
    html::to_text(html, link)
}

/// A web page's bytes as UTF-8 text: byte-order mark, HTTP charset, `<meta charset>`, then a
/// statistical guess for undeclared legacy encodings (as feeds are read).
#[must_use]
pub(crate) fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    encoding::decode_html(bytes, content_type)
}

/// Whether parsing this HTML would cost too much (nesting or attributes past what html5ever
/// handles quickly): such a page is refused rather than parsed.
#[must_use]
pub(crate) fn html_too_costly(html: &str) -> bool {
    html::too_costly(html)
}

/// The article body's words for the search index: what [`article_text`] shows, without its
/// layout or link list. See `html::to_search_text`.
#[must_use]
pub(crate) fn search_text(html: &str) -> String {
    html::to_search_text(html)
}
