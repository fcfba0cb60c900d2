//! The feed as a parser read it, before any cleaning: every front end (the `rss` and
//! `atom_syndication` crates, the lenient XML reader, JSON Feed) fills these, and [`finish`]
//! is the single place where their strings become a clean [`Feed`].

pub(crate) use super::body::{Body, Markup};
use super::enclosure::{self, RawEnclosure};
use super::sanitize::{
    self, clean_line, safe_url_from, strip_tags, text_line, truncate_bytes, truncate_chars,
};
use super::{Feed, Item, date};

/// Titles and names longer than this are cut (a 10 MB title is an attack, not a headline).
pub(crate) const MAX_TITLE_CHARS: usize = 1000;
const MAX_AUTHOR_CHARS: usize = 200;
const MAX_ID_BYTES: usize = 2048;
/// Bodies past this are cut; see also `html::MAX_HTML_BYTES`, which caps rendering.
const MAX_CONTENT_BYTES: usize = 1 << 20;
/// More items than any real feed carries (the largest in the test corpus has 730).
pub(crate) const MAX_ITEMS: usize = 10_000;
/// A title made up from an item's text is cut at about this many characters.
const DERIVED_TITLE_CHARS: usize = 80;

#[derive(Debug, Default)]
pub(crate) struct RawFeed {
    pub title: Option<Body>,
    /// The home page, possibly relative.
    pub link: Option<String>,
    /// `xml:base` on the root, if any.
    pub base: Option<String>,
    pub ttl: Option<String>,
    pub items: Vec<RawItem>,
}

#[derive(Debug, Default)]
pub(crate) struct RawItem {
    pub id: Option<String>,
    pub title: Option<Body>,
    /// The article link, possibly relative.
    pub link: Option<String>,
    /// `xml:base` in effect for the item's link, if any.
    pub base: Option<String>,
    /// Date strings, best first (published before updated); the first readable one wins.
    pub dates: Vec<String>,
    pub authors: Vec<String>,
    /// The richest body (full content).
    pub content: Option<Body>,
    /// The short description; the body when there is no content.
    pub summary: Option<Body>,
    /// A media file (podcast episode): the link of last resort.
    pub enclosure: Option<String>,
    /// Every media file attached (see `enclosure.rs`).
    pub enclosures: Vec<RawEnclosure>,
    /// Media RSS `media:description`: the text when the item has no other.
    pub media_description: Option<Body>,
    /// Whether `id` is meant to be the article's URL (RSS `guid` without
    /// `isPermaLink="false"`).
    pub id_is_link: bool,
}

/// Cleans everything: the only way a [`RawFeed`] becomes a [`Feed`]. `doc_url` is where the
/// document came from, if known: the base of last resort for relative links.
pub(crate) fn finish(raw: RawFeed, doc_url: Option<&str>) -> Feed {
    let doc_base = doc_url.and_then(|u| safe_url_from(u, None));
    let root_base = raw
        .base
        .as_deref()
        .and_then(|b| safe_url_from(b, doc_base.as_deref()))
        .or(doc_base);
    let link = raw
        .link
        .as_deref()
        .and_then(|l| safe_url_from(l, root_base.as_deref()));
    // Relative item links read best against the site's home page, else the document.
    let item_base = link.clone().or(root_base);
    let items = raw
        .items
        .into_iter()
        .take(MAX_ITEMS)
        .map(|item| finish_item(item, item_base.as_deref()))
        .collect();
    Feed {
        title: raw.title.map(|t| title_line(&t)).unwrap_or_default(),
        link,
        ttl_minutes: raw.ttl.and_then(|t| t.trim().parse().ok()),
        items,
    }
}

fn finish_item(raw: RawItem, feed_base: Option<&str>) -> Item {
    let base = raw
        .base
        .as_deref()
        .and_then(|b| safe_url_from(b, feed_base))
        .or_else(|| feed_base.map(str::to_owned));
    let base = base.as_deref();
    let id = raw
        .id
        .map(|id| clean_line(truncate_bytes(&id, MAX_ID_BYTES)))
        .filter(|id| !id.is_empty());
    let link = raw
        .link
        .as_deref()
        .and_then(|l| safe_url_from(l, base))
        .or_else(|| {
            id.as_deref()
                .filter(|_| raw.id_is_link)
                .and_then(|id| safe_url_from(id, None))
        })
        .or_else(|| {
            raw.enclosure
                .as_deref()
                .and_then(|e| safe_url_from(e, base))
        });
    let published = raw.dates.iter().find_map(|d| date::parse_date(d));
    let authors: Vec<String> = raw
        .authors
        .iter()
        .map(|a| text_line(a))
        .filter(|a| !a.is_empty())
        .fold(Vec::new(), |mut seen, a| {
            if !seen.contains(&a) {
                seen.push(a);
            }
            seen
        });
    let author =
        (!authors.is_empty()).then(|| truncate_chars(authors.join(", "), MAX_AUTHOR_CHARS));
    // YouTube's feeds say what a video is only in `media:description`.
    let summary = raw
        .summary
        .filter(|s| !s.is_blank())
        .or_else(|| raw.media_description.filter(|s| !s.is_blank()));
    let content = raw.content.filter(|c| !c.is_blank());
    let title = raw
        .title
        .map(|t| title_line(&t))
        .filter(|t| !t.is_empty())
        .or_else(|| {
            summary
                .as_ref()
                .or(content.as_ref())
                .and_then(derived_title)
        })
        .or_else(|| link.as_deref().map(title_from_link))
        .unwrap_or_else(|| "(untitled)".to_owned());
    let body = content.or(summary).map(Body::into_html).unwrap_or_default();
    Item {
        id,
        title,
        link,
        published,
        author,
        content_html: truncate_bytes(&body, MAX_CONTENT_BYTES).to_owned(),
        enclosures: enclosure::finish(raw.enclosures, base),
    }
}

/// A title as one clean line of at most [`MAX_TITLE_CHARS`]. Only its head is cleaned: a 10 MB
/// title costs no more than a long one.
fn title_line(t: &Body) -> String {
    let head = Body {
        markup: t.markup,
        value: truncate_bytes(&t.value, 64 * 1024).to_owned(),
    };
    truncate_chars(head.line(), MAX_TITLE_CHARS)
}

/// The first words of an item's text, for an item without a title.
fn derived_title(body: &Body) -> Option<String> {
    let head = truncate_bytes(&body.value, 16 * 1024);
    let line = match body.markup {
        Markup::Html => clean_line(&sanitize::decode_entities(&strip_tags(head, ' '))),
        Markup::Text => text_line(head),
    };
    if line.is_empty() {
        return None;
    }
    if line.chars().count() <= DERIVED_TITLE_CHARS {
        return Some(line);
    }
    // Cut at a word boundary near the limit.
    let cut: String = line.chars().take(DERIVED_TITLE_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > DERIVED_TITLE_CHARS / 2 => cut[..i].to_owned(),
        _ => cut,
    };
    Some(format!("{cut}…"))
}

/// `https://example.com/news/story` reads as `example.com/news/story`.
fn title_from_link(link: &str) -> String {
    let shown = link
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    truncate_chars(shown.to_owned(), DERIVED_TITLE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_without_titles_get_one() {
        let raw = RawFeed {
            link: Some("https://example.com/".into()),
            items: vec![
                RawItem {
                    summary: Some(Body::html("<p>First <b>words</b> of the text.</p>")),
                    ..RawItem::default()
                },
                RawItem {
                    link: Some("/news/a".into()),
                    ..RawItem::default()
                },
                RawItem::default(),
                RawItem {
                    summary: Some(Body::text("word ".repeat(50))),
                    ..RawItem::default()
                },
            ],
            ..RawFeed::default()
        };
        let feed = finish(raw, None);
        let titles: Vec<_> = feed.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(
            titles[..3],
            [
                "First words of the text.",
                "example.com/news/a",
                "(untitled)"
            ]
        );
        assert!(
            titles[3].ends_with("word…") && titles[3].chars().count() <= DERIVED_TITLE_CHARS + 1,
            "{}",
            titles[3]
        );
    }

    #[test]
    fn links_resolve_and_fall_back() {
        let raw = RawFeed {
            link: Some("https://example.com/blog/".into()),
            items: vec![
                RawItem {
                    link: Some("post-1".into()),
                    ..RawItem::default()
                },
                RawItem {
                    link: Some("x".into()),
                    base: Some("https://other.example/dir/".into()),
                    ..RawItem::default()
                },
                RawItem {
                    id: Some("https://example.com/p/2".into()),
                    id_is_link: true,
                    ..RawItem::default()
                },
                RawItem {
                    id: Some("https://example.com/p/3".into()),
                    enclosure: Some("https://cdn.example/ep3.mp3".into()),
                    ..RawItem::default()
                },
                RawItem {
                    link: Some("javascript:alert(1)".into()),
                    ..RawItem::default()
                },
            ],
            ..RawFeed::default()
        };
        let links: Vec<_> = finish(raw, None)
            .items
            .into_iter()
            .map(|i| i.link)
            .collect();
        assert_eq!(
            links,
            [
                Some("https://example.com/blog/post-1".to_owned()),
                Some("https://other.example/dir/x".to_owned()),
                Some("https://example.com/p/2".to_owned()),
                Some("https://cdn.example/ep3.mp3".to_owned()),
                None,
            ]
        );
    }

    #[test]
    fn strings_are_cleaned_and_capped() {
        let raw = RawFeed {
            title: Some(Body::html("Feed &amp; \u{1b}[31mco")),
            ttl: Some(" 60 ".into()),
            items: vec![RawItem {
                title: Some(Body::text("t".repeat(5000))),
                authors: vec!["Ann\u{202e}".into(), "Bob".into(), "Ann".into()],
                content: Some(Body::text("a < b\n\nnext")),
                dates: vec!["not a date".into(), "2024-01-02T03:04:05Z".into()],
                ..RawItem::default()
            }],
            ..RawFeed::default()
        };
        let feed = finish(raw, None);
        assert_eq!(feed.title, "Feed & co");
        assert_eq!(feed.ttl_minutes, Some(60));
        let item = &feed.items[0];
        assert_eq!(item.title.chars().count(), MAX_TITLE_CHARS + 1);
        assert_eq!(item.author.as_deref(), Some("Ann, Bob"));
        assert_eq!(item.content_html, "a &lt; b<p>next");
        assert_eq!(
            item.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-01-02T03:04:05+00:00")
        );
    }
}
