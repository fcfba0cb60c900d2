//! The first try: the `rss` and `atom_syndication` crates, which read well-formed RSS 0.9x,
//! 2.0, RSS 1.0 and Atom 1.0 quickly and correctly. Their results are mapped into the raw model;
//! whatever they reject goes to the lenient reader (see `parse.rs`).

use atom_syndication::{Content, Link, Text, TextType};
use base64::Engine as _;

use super::enclosure::{self, RawEnclosure};
use super::raw::{Body, RawFeed, RawItem};

pub(crate) fn read_rss(text: &str) -> Option<RawFeed> {
    let channel = rss::Channel::read_from(text.as_bytes()).ok()?;
    let media = enclosure::media_prefix(&channel.namespaces);
    let items = channel
        .items
        .into_iter()
        .map(|i| rss_item(i, &media))
        .collect();
    Some(RawFeed {
        title: Some(Body::html(channel.title)),
        link: Some(channel.link).filter(|l| !l.trim().is_empty()),
        base: None,
        ttl: channel.ttl,
        items,
    })
}

fn rss_item(item: rss::Item, media_prefix: &str) -> RawItem {
    let media = enclosure::media_from_ext(item.extensions.get(media_prefix));
    let mut enclosures: Vec<RawEnclosure> = item
        .enclosure
        .iter()
        .map(|e| RawEnclosure {
            url: e.url.clone(),
            mime: Some(e.mime_type.clone()),
            length: Some(e.length.clone()),
            ..RawEnclosure::default()
        })
        .collect();
    enclosures.extend(media.enclosures);
    let mut dates: Vec<String> = item.pub_date.into_iter().collect();
    let mut authors = Vec::new();
    if let Some(dc) = &item.dublin_core_ext {
        dates.extend(dc.dates().iter().cloned());
        authors.extend(dc.creators().iter().cloned());
    }
    if let Some(a) = &item.author {
        authors.push(rss_author(a));
    }
    let itunes = item.itunes_ext.as_ref();
    authors.extend(itunes.and_then(|i| i.author()).map(str::to_owned));
    let (id, id_is_link) = match item.guid {
        Some(g) => (Some(g.value), g.permalink),
        None => (None, false),
    };
    RawItem {
        id,
        title: item.title.map(Body::html),
        link: item.link,
        base: None,
        dates,
        authors,
        content: item.content.map(Body::html),
        summary: item
            .description
            .map(Body::html)
            .or_else(|| itunes.and_then(|i| i.summary()).map(Body::text)),
        enclosure: item.enclosure.map(|e| e.url),
        enclosures,
        media_description: media.description,
        id_is_link,
    }
}

/// RSS `<author>` is an email address, often with the name in parentheses.
pub(crate) fn rss_author(a: &str) -> String {
    match (a.find('('), a.rfind(')')) {
        (Some(open), Some(close)) if open < close => a[open + 1..close].to_owned(),
        _ => a.to_owned(),
    }
}

pub(crate) fn read_atom(text: &str) -> Option<RawFeed> {
    let feed = atom_syndication::Feed::read_from(text.as_bytes()).ok()?;
    let media = enclosure::media_prefix(&feed.namespaces);
    let items = feed
        .entries
        .into_iter()
        .map(|e| atom_entry(e, &media))
        .collect();
    Some(RawFeed {
        title: Some(text_body(feed.title)),
        link: alternate(&feed.links),
        base: feed.base,
        ttl: None,
        items,
    })
}

fn atom_entry(entry: atom_syndication::Entry, media_prefix: &str) -> RawItem {
    let media = enclosure::media_from_ext(entry.extensions.get(media_prefix));
    let mut enclosures: Vec<RawEnclosure> = entry
        .links
        .iter()
        .filter(|l| l.rel == "enclosure")
        .map(|l| RawEnclosure {
            url: l.href.clone(),
            mime: l.mime_type.clone(),
            length: l.length.clone(),
            ..RawEnclosure::default()
        })
        .collect();
    enclosures.extend(media.enclosures);
    // The crate fills a missing <updated> with the Unix epoch; that is not a date.
    let dates = entry
        .published
        .into_iter()
        .chain(Some(entry.updated).filter(|d| d.timestamp() != 0))
        .map(|d| d.to_rfc3339())
        .collect();
    let src = entry.content.as_ref().and_then(|c| c.src.clone());
    RawItem {
        id: Some(entry.id),
        title: Some(text_body(entry.title)),
        link: alternate(&entry.links).or(src),
        base: None,
        dates,
        authors: entry.authors.into_iter().map(|p| p.name).collect(),
        content: entry.content.and_then(content_body),
        summary: entry.summary.map(text_body),
        enclosure: entry
            .links
            .iter()
            .find(|l| l.rel == "enclosure")
            .map(|l| l.href.clone()),
        enclosures,
        media_description: media.description,
        id_is_link: false,
    }
}

fn text_body(t: Text) -> Body {
    match t.r#type {
        TextType::Text => Body::text(t.value),
        TextType::Html | TextType::Xhtml => Body::html(t.value),
    }
}

/// `<content>` by its type: text, HTML, inline XML, or (RFC 4287) base64 for anything else.
fn content_body(c: Content) -> Option<Body> {
    let value = c.value?;
    let kind = c
        .content_type
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    Some(match kind.as_str() {
        "" | "text" | "text/plain" => Body::text(value),
        k if k.contains("html") || k.ends_with("xml") => Body::html(value),
        k if k.starts_with("text/") => Body::text(value),
        _ => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(value.split_whitespace().collect::<String>())
                .ok()?;
            Body::text(String::from_utf8(bytes).ok()?)
        }
    })
}

/// The best alternate link: `rel="alternate"` with an HTML type, else any alternate.
fn alternate(links: &[Link]) -> Option<String> {
    let alternates: Vec<&Link> = links
        .iter()
        .filter(|l| l.rel.is_empty() || l.rel == "alternate")
        .filter(|l| !l.href.trim().is_empty())
        .collect();
    alternates
        .iter()
        .find(|l| l.mime_type.as_deref().is_some_and(|t| t.contains("html")))
        .or(alternates.first())
        .map(|l| l.href.clone())
}
