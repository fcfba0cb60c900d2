//! The lenient reader: any RSS, RDF, Atom (1.0 and 0.3) or CDF document that the strict crates
//! reject, read the way feed readers read the web.
//!
//! It builds a small element tree with `quick-xml` (tolerating mismatched and missing end
//! tags, a bare `&`, HTML entities such as `&nbsp;`, undeclared prefixes and namespace
//! prefixes on the root), then picks fields by namespace and local name. It never expands
//! DTD entities, so entity-expansion bombs stay inert text, and it caps nesting depth. On an
//! XML error it keeps what it has read so far.

use base64::Engine as _;
use quick_xml::events::{BytesStart, Event};

use super::enclosure::{Media, RawEnclosure, description_body};
use super::raw::{Body, MAX_ITEMS, Markup, RawFeed, RawItem};
use super::sanitize::decode_entities;
use super::strict::rss_author;

/// Elements nested deeper than this are flattened into their ancestor's text.
const MAX_DEPTH: usize = 256;
/// Attributes kept per element (namespace declarations included).
const MAX_ATTRS: usize = 64;

/// The namespaces that matter, by URI (or, when a prefix was never declared, by the prefix
/// publishers conventionally use for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// No namespace, or one of the RSS ones (0.90, 1.0, Userland 2.0), or an unknown default
    /// namespace: RSS's own elements.
    Rss,
    Atom,
    Atom03,
    Dc,
    DcTerms,
    Content,
    Rdf,
    Xhtml,
    Itunes,
    Media,
    Other,
}

impl Ns {
    fn from_uri(uri: &str, prefixed: bool) -> Ns {
        match uri.trim().trim_end_matches('/') {
            "http://www.w3.org/2005/Atom" => Ns::Atom,
            "http://purl.org/atom/ns#" => Ns::Atom03,
            "http://purl.org/dc/elements/1.1" => Ns::Dc,
            "http://purl.org/dc/terms" => Ns::DcTerms,
            "http://purl.org/rss/1.0/modules/content" => Ns::Content,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#" => Ns::Rdf,
            "http://www.w3.org/1999/xhtml" => Ns::Xhtml,
            "http://www.itunes.com/dtds/podcast-1.0.dtd" => Ns::Itunes,
            "http://search.yahoo.com/mrss" => Ns::Media,
            ""
            | "http://purl.org/rss/1.0"
            | "http://my.netscape.com/rdf/simple/0.9"
            | "http://backend.userland.com/rss2"
            | "http://backend.userland.com/rss" => Ns::Rss,
            _ if prefixed => Ns::Other,
            _ => Ns::Rss,
        }
    }

    fn from_prefix(prefix: &str) -> Ns {
        match prefix {
            "atom" | "atom10" => Ns::Atom,
            "dc" => Ns::Dc,
            "dcterms" => Ns::DcTerms,
            "content" => Ns::Content,
            "rdf" => Ns::Rdf,
            "xhtml" | "html" => Ns::Xhtml,
            "itunes" => Ns::Itunes,
            "media" => Ns::Media,
            _ => Ns::Other,
        }
    }
}

#[derive(Debug)]
struct Node {
    ns: Ns,
    /// Local name, lower-cased (CDF and some RSS write `<ITEM>`, `<pubdate>`).
    name: String,
    /// Attributes by qualified name as written (lower-cased), values decoded.
    attrs: Vec<(String, String)>,
    children: Vec<Child>,
}

#[derive(Debug)]
enum Child {
    El(Node),
    Text(String),
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn elements(&self) -> impl Iterator<Item = &Node> {
        self.children.iter().filter_map(|c| match c {
            Child::El(n) => Some(n),
            Child::Text(_) => None,
        })
    }

    fn child(&self, ns: Ns, name: &str) -> Option<&Node> {
        self.elements().find(|n| n.ns == ns && n.name == name)
    }

    fn children_named<'a>(&'a self, ns: Ns, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.elements()
            .filter(move |n| n.ns == ns && n.name == name)
    }

    /// All text inside, markup dropped.
    fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for c in &self.children {
            match c {
                Child::Text(t) => out.push_str(t),
                Child::El(n) => n.collect_text(out),
            }
        }
    }

    fn has_elements(&self) -> bool {
        self.elements().next().is_some()
    }

    /// The text of a child, trimmed; `None` if absent or blank.
    fn child_text(&self, ns: Ns, name: &str) -> Option<String> {
        self.child(ns, name)
            .map(Node::text)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    /// The children serialized back to markup (for bodies written as inline XHTML).
    fn inner_markup(&self) -> String {
        let mut out = String::new();
        for c in &self.children {
            write_markup(c, &mut out);
        }
        out
    }
}

fn write_markup(child: &Child, out: &mut String) {
    match child {
        Child::Text(t) => out.push_str(&escape(t, false)),
        Child::El(n) => {
            out.push('<');
            out.push_str(&n.name);
            for (k, v) in &n.attrs {
                if k.starts_with("xmlns") {
                    continue;
                }
                out.push(' ');
                out.push_str(k.rsplit(':').next().unwrap_or(k));
                out.push_str("=\"");
                out.push_str(&escape(v, true));
                out.push('"');
            }
            out.push('>');
            for c in &n.children {
                write_markup(c, out);
            }
            if !matches!(
                n.name.as_str(),
                "br" | "img" | "hr" | "wbr" | "input" | "meta" | "link"
            ) {
                out.push_str("</");
                out.push_str(&n.name);
                out.push('>');
            }
        }
    }
}

fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Reads the document into a tree; `None` if there is no element at all.
fn read_tree(text: &str) -> Option<Node> {
    let mut reader = quick_xml::Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;

    // Open elements, each with the namespace bindings it declared.
    let mut stack: Vec<(Node, Vec<(String, String)>)> = Vec::new();
    let mut root: Option<Node> = None;
    // Elements opened past the depth cap: only counted, so their end tags can be matched.
    let mut flattened = 0usize;
    // Items (children of the root or the channel named item or entry) seen, and the depth of
    // the item past the cap being skipped: items past the cap are never built.
    let mut items = 0usize;
    let mut skipping = 0usize;
    // After an error quick-xml has skipped to the end anyway: keep what was read.
    while let Ok(event) = reader.read_event() {
        if skipping > 0 {
            match event {
                Event::Start(_) => skipping += 1,
                Event::End(_) => skipping -= 1,
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        let past_cap = |e: &BytesStart<'_>, items: &mut usize, depth: usize| {
            let name = e.local_name();
            let item = name.as_ref().eq_ignore_ascii_case(b"item")
                || name.as_ref().eq_ignore_ascii_case(b"entry");
            if item && (1..=2).contains(&depth) {
                *items += 1;
            }
            item && (1..=2).contains(&depth) && *items > MAX_ITEMS
        };
        match event {
            // A second root: real feeds never have one; the first is the feed.
            Event::Start(_) | Event::Empty(_) if root.is_some() && stack.is_empty() => break,
            Event::Start(e) if past_cap(&e, &mut items, stack.len()) => skipping = 1,
            Event::Empty(e) if past_cap(&e, &mut items, stack.len()) => {}
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    flattened += 1;
                    continue;
                }
                let (node, bindings) = open(&e, &stack);
                stack.push((node, bindings));
            }
            Event::Empty(e) => {
                if stack.len() >= MAX_DEPTH {
                    continue;
                }
                let (node, _) = open(&e, &stack);
                attach(&mut stack, &mut root, node);
            }
            Event::End(e) => {
                if flattened > 0 {
                    flattened -= 1;
                    continue;
                }
                let name = String::from_utf8_lossy(e.name().local_name().as_ref()).to_lowercase();
                // Close up to the nearest open element of that name; an end tag that matches
                // nothing is ignored.
                if let Some(pos) = stack.iter().rposition(|(n, _)| n.name == name) {
                    while stack.len() > pos {
                        let Some((node, _)) = stack.pop() else { break };
                        attach(&mut stack, &mut root, node);
                    }
                }
            }
            Event::Text(t) => push_text(&mut stack, &String::from_utf8_lossy(&t)),
            Event::CData(t) => push_text(&mut stack, &String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r);
                // XML's five, character references and HTML's names; anything else (an
                // entity from a DTD) stays as written and is never expanded.
                let decoded = decode_entities(&format!("&{name};"));
                push_text(&mut stack, &decoded);
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    // Whatever is still open at the end is closed where it stands.
    while let Some((node, _)) = stack.pop() {
        attach(&mut stack, &mut root, node);
    }
    root
}

fn attach(stack: &mut [(Node, Vec<(String, String)>)], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some((parent, _)) => parent.children.push(Child::El(node)),
        None => {
            if root.is_none() {
                *root = Some(node);
            }
        }
    }
}

fn push_text(stack: &mut [(Node, Vec<(String, String)>)], text: &str) {
    let Some((node, _)) = stack.last_mut() else {
        return;
    };
    if let Some(Child::Text(last)) = node.children.last_mut() {
        last.push_str(text);
    } else {
        node.children.push(Child::Text(text.to_owned()));
    }
}

/// A new element: its namespace resolved against the bindings in scope, attributes decoded.
fn open(
    e: &BytesStart<'_>,
    stack: &[(Node, Vec<(String, String)>)],
) -> (Node, Vec<(String, String)>) {
    let mut attrs = Vec::new();
    let mut bindings = Vec::new();
    // Real elements carry a handful of attributes; the cap keeps a hostile one from making
    // every namespace lookup below it slow.
    for attr in e.attributes().with_checks(false).flatten().take(MAX_ATTRS) {
        let key = String::from_utf8_lossy(attr.key.as_ref()).to_lowercase();
        let value = decode_entities(&String::from_utf8_lossy(&attr.value));
        if key == "xmlns" {
            bindings.push((String::new(), value.clone()));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            bindings.push((prefix.to_owned(), value.clone()));
        }
        attrs.push((key, value));
    }
    let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let (prefix, local) = match qname.split_once(':') {
        Some((p, l)) => (p.to_lowercase(), l.to_lowercase()),
        None => (String::new(), qname.to_lowercase()),
    };
    let bound = bindings
        .iter()
        .rev()
        .chain(stack.iter().rev().flat_map(|(_, b)| b.iter().rev()))
        .find(|(p, _)| *p == prefix)
        .map(|(_, uri)| uri.as_str());
    let ns = match bound {
        Some(uri) => Ns::from_uri(uri, !prefix.is_empty()),
        None if prefix.is_empty() => Ns::Rss,
        None => Ns::from_prefix(&prefix),
    };
    let node = Node {
        ns,
        name: local,
        attrs,
        children: Vec::new(),
    };
    (node, bindings)
}

/// Reads any XML feed leniently. `None` if the document holds no element at all.
pub(crate) fn parse(text: &str) -> Option<RawFeed> {
    let root = read_tree(text)?;
    Some(match root.name.as_str() {
        "feed" => atom_feed(&root),
        _ => rss_feed(&root),
    })
}

// ---- RSS 0.9x, 1.0, 2.0 and CDF ----

fn rss_feed(root: &Node) -> RawFeed {
    // <rss><channel>, <rdf:RDF><channel/>...<item/>, or CDF's bare <CHANNEL>.
    let channel = root
        .elements()
        .find(|n| n.name == "channel")
        .unwrap_or(root);
    let mut items: Vec<RawItem> = channel
        .elements()
        .filter(|n| n.name == "item" && n.ns != Ns::Other)
        .map(rss_item)
        .collect();
    if !std::ptr::eq(channel, root) {
        items.extend(root.elements().filter(|n| n.name == "item").map(rss_item));
    }
    let title = channel
        .child(Ns::Rss, "title")
        .or_else(|| channel.child(Ns::Dc, "title"))
        .map(|t| Body::html(t.text()));
    let link = channel
        .child_text(Ns::Rss, "link")
        .or_else(|| atom_link(channel))
        .or_else(|| channel.attr("href").map(str::to_owned));
    RawFeed {
        title,
        link,
        base: root.attr("xml:base").map(str::to_owned),
        ttl: channel.child_text(Ns::Rss, "ttl"),
        items,
    }
}

fn rss_item(item: &Node) -> RawItem {
    let guid = item.child(Ns::Rss, "guid");
    let id = guid
        .map(Node::text)
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .or_else(|| item.attr("rdf:about").map(str::to_owned));
    let id_is_link = guid.is_none_or(|g| {
        !g.attr("ispermalink")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
    });
    let title = item
        .child(Ns::Rss, "title")
        .or_else(|| item.child(Ns::Dc, "title"))
        .or_else(|| item.child(Ns::Atom, "title"))
        .map(|t| Body::html(t.text()));
    let link = item
        .child_text(Ns::Rss, "link")
        .or_else(|| atom_link(item))
        .or_else(|| item.attr("href").map(str::to_owned));
    let mut dates = Vec::new();
    for (ns, name) in [
        (Ns::Rss, "pubdate"),
        (Ns::Dc, "date"),
        (Ns::DcTerms, "issued"),
        (Ns::DcTerms, "created"),
        (Ns::Atom, "published"),
        (Ns::DcTerms, "modified"),
        (Ns::Atom, "updated"),
        (Ns::Rss, "date"),
    ] {
        dates.extend(item.child_text(ns, name));
    }
    dates.extend(item.attr("lastmod").map(str::to_owned));
    let mut authors: Vec<String> = item
        .children_named(Ns::Dc, "creator")
        .map(Node::text)
        .collect();
    if let Some(a) = item.child_text(Ns::Rss, "author") {
        authors.push(rss_author(&a));
    }
    authors.extend(item.child_text(Ns::Itunes, "author"));
    authors.extend(
        item.children_named(Ns::Atom, "author")
            .filter_map(|a| a.child_text(Ns::Atom, "name")),
    );
    let content = item
        .child(Ns::Content, "encoded")
        .map(html_body)
        .or_else(|| {
            item.child(Ns::Xhtml, "body")
                .or_else(|| item.child(Ns::Xhtml, "div"))
                .map(|b| Body::html(b.inner_markup()))
        })
        .or_else(|| item.child(Ns::Atom, "content").map(|c| atom_text(c, false)));
    let summary = item
        .child(Ns::Rss, "description")
        .map(html_body)
        .or_else(|| {
            item.child(Ns::Rss, "abstract")
                .map(|a| Body::text(a.text()))
        })
        .or_else(|| {
            item.child(Ns::Itunes, "summary")
                .map(|s| Body::text(s.text()))
        })
        .or_else(|| item.child(Ns::Atom, "summary").map(|s| atom_text(s, false)));
    let media = media(item);
    let mut enclosures: Vec<RawEnclosure> = item
        .children_named(Ns::Rss, "enclosure")
        .filter_map(|e| {
            Some(RawEnclosure {
                url: e.attr("url")?.to_owned(),
                mime: e.attr("type").map(str::to_owned),
                length: e.attr("length").map(str::to_owned),
                ..RawEnclosure::default()
            })
        })
        .collect();
    enclosures.extend(media.enclosures);
    let enclosure = item
        .child(Ns::Rss, "enclosure")
        .and_then(|e| e.attr("url"))
        .or_else(|| item.child(Ns::Media, "content").and_then(|m| m.attr("url")))
        .map(str::to_owned);
    RawItem {
        id,
        title,
        link,
        base: item.attr("xml:base").map(str::to_owned),
        dates,
        authors,
        content,
        summary,
        enclosure,
        enclosures,
        media_description: media.description,
        id_is_link,
    }
}

/// Media RSS in an item or entry: `media:content` alone or in `media:group`, and the first
/// `media:description`.
fn media(item: &Node) -> Media {
    let groups: Vec<&Node> = item.children_named(Ns::Media, "group").collect();
    let contents: Vec<&Node> = item
        .children_named(Ns::Media, "content")
        .chain(
            groups
                .iter()
                .flat_map(|g| g.children_named(Ns::Media, "content")),
        )
        .collect();
    let enclosures = contents
        .iter()
        .filter_map(|c| {
            Some(RawEnclosure {
                url: c.attr("url")?.to_owned(),
                mime: c.attr("type").map(str::to_owned),
                length: c.attr("filesize").map(str::to_owned),
                from_media: true,
                medium: c.attr("medium").map(str::to_owned),
            })
        })
        .collect();
    let description = std::iter::once(item)
        .chain(groups.iter().copied())
        .chain(contents.iter().copied())
        .filter_map(|n| n.child(Ns::Media, "description"))
        .find(|d| !d.text().trim().is_empty())
        .map(|d| description_body(d.attr("type"), &d.text()));
    Media {
        enclosures,
        description,
    }
}

/// An HTML body that may have been written as escaped text or as inline markup.
fn html_body(node: &Node) -> Body {
    if node.has_elements() {
        Body::html(node.inner_markup())
    } else {
        Body::html(node.text())
    }
}

// ---- Atom 1.0 and 0.3 ----

fn atom_feed(root: &Node) -> RawFeed {
    let v03 = root.ns == Ns::Atom03
        || root
            .attr("version")
            .is_some_and(|v| v.trim().starts_with("0."));
    let ns = root.ns;
    let entries = root
        .elements()
        // `<item>` in an Atom feed is a mistake some generators make; it is still an entry.
        .filter(|n| matches!(n.name.as_str(), "entry" | "item") && n.ns == ns)
        .map(|e| atom_entry(e, ns, v03))
        .collect();
    RawFeed {
        title: root.child(ns, "title").map(|t| atom_text(t, v03)),
        link: atom_link_in(root, ns),
        base: root.attr("xml:base").map(str::to_owned),
        ttl: None,
        items: entries,
    }
}

fn atom_entry(entry: &Node, ns: Ns, v03: bool) -> RawItem {
    let content_node = entry.child(ns, "content");
    let content = content_node.map(|c| atom_text(c, v03));
    let mut dates = Vec::new();
    for name in ["published", "issued", "created", "updated", "modified"] {
        dates.extend(entry.child_text(ns, name));
    }
    dates.extend(entry.child_text(Ns::Dc, "date"));
    let mut authors: Vec<String> = entry
        .children_named(ns, "author")
        .filter_map(|a| {
            a.child_text(ns, "name")
                .or_else(|| a.child_text(ns, "email"))
        })
        .collect();
    authors.extend(entry.children_named(Ns::Dc, "creator").map(Node::text));
    let link = atom_link_in(entry, ns)
        .or_else(|| content_node.and_then(|c| c.attr("src")).map(str::to_owned));
    let link_base = entry
        .children_named(ns, "link")
        .find_map(|l| l.attr("xml:base"))
        .or_else(|| entry.attr("xml:base"));
    let media = media(entry);
    let mut enclosures: Vec<RawEnclosure> = entry
        .children_named(ns, "link")
        .filter(|l| l.attr("rel").is_some_and(|r| r.trim() == "enclosure"))
        .filter_map(|l| {
            Some(RawEnclosure {
                url: l.attr("href")?.to_owned(),
                mime: l.attr("type").map(str::to_owned),
                length: l.attr("length").map(str::to_owned),
                ..RawEnclosure::default()
            })
        })
        .collect();
    enclosures.extend(media.enclosures);
    RawItem {
        id: entry.child_text(ns, "id"),
        title: entry.child(ns, "title").map(|t| atom_text(t, v03)),
        link,
        base: link_base.map(str::to_owned),
        dates,
        authors,
        content,
        summary: entry.child(ns, "summary").map(|s| atom_text(s, v03)),
        enclosure: entry
            .children_named(ns, "link")
            .find(|l| l.attr("rel").is_some_and(|r| r.trim() == "enclosure"))
            .and_then(|l| l.attr("href"))
            .map(str::to_owned),
        enclosures,
        media_description: media.description,
        id_is_link: false,
    }
}

/// An Atom link inside an RSS element (`<atom:link rel="alternate">`).
fn atom_link(node: &Node) -> Option<String> {
    atom_link_in(node, Ns::Atom)
}

/// The best alternate link among `node`'s `<link>` children: `rel="alternate"` (or no `rel`),
/// HTML preferred.
fn atom_link_in(node: &Node, ns: Ns) -> Option<String> {
    let alternates: Vec<&Node> = node
        .children_named(ns, "link")
        .filter(|l| {
            l.attr("rel")
                .is_none_or(|r| r.trim().eq_ignore_ascii_case("alternate"))
        })
        .filter(|l| l.attr("href").is_some_and(|h| !h.trim().is_empty()))
        .collect();
    alternates
        .iter()
        .find(|l| l.attr("type").is_some_and(|t| t.contains("html")))
        .or(alternates.first())
        .and_then(|l| l.attr("href"))
        .map(str::to_owned)
}

/// An Atom text construct or content element, read by its `type` (and Atom 0.3's `mode`).
/// Unknown types degrade to plain text instead of failing the feed.
fn atom_text(node: &Node, v03: bool) -> Body {
    let kind = node
        .attr("type")
        .unwrap_or("text")
        .trim()
        .to_ascii_lowercase();
    let mode = node.attr("mode").unwrap_or("").trim().to_ascii_lowercase();
    let htmlish = kind.contains("html");
    let markup = if htmlish { Markup::Html } else { Markup::Text };
    let xmlish = kind == "xhtml" || kind.ends_with("+xml") || kind.ends_with("/xml");
    if mode == "base64" || (!v03 && kind.contains('/') && !kind.starts_with("text/") && !xmlish) {
        // RFC 4287: other media types are base64. Text that is not UTF-8 is not shown.
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(node.text().split_whitespace().collect::<String>())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        let markup = if kind.contains("html") {
            Markup::Html
        } else {
            Markup::Text
        };
        return Body {
            markup,
            value: decoded,
        };
    }
    if xmlish || (node.has_elements() && (htmlish || mode == "xml")) {
        // Inline XHTML: the content is the wrapper `<div>`'s children.
        let only = node.elements().collect::<Vec<_>>();
        let blank_text = node.children.iter().all(|c| match c {
            Child::Text(t) => t.trim().is_empty(),
            Child::El(_) => true,
        });
        if only.len() == 1 && blank_text && only[0].name == "div" {
            return Body::html(only[0].inner_markup());
        }
        return Body::html(node.inner_markup());
    }
    Body {
        markup,
        value: node.text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(xml: &str) -> RawFeed {
        parse(xml).expect("a tree")
    }

    #[test]
    fn tolerates_broken_xml() {
        let f = feed(
            "<rss><channel><title>AT&T &nbsp;news</title><item><title>One<item><title>Two</b></title>\
             </item></channel>",
        );
        assert_eq!(f.title.map(|t| t.value).as_deref(), Some("AT&T \u{a0}news"));
        assert_eq!(
            f.items.len(),
            1,
            "an unclosed item swallows the next, like a browser would"
        );
    }

    #[test]
    fn never_expands_dtd_entities() {
        let lol = r#"<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
            <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss><channel><title>&c;</title></channel></rss>"#;
        let f = feed(lol);
        assert_eq!(f.title.map(|t| t.value).as_deref(), Some("&c;"));
    }

    #[test]
    fn prefixed_rss_and_rdf() {
        let f = feed(
            r#"<rss:rss xmlns:rss="http://purl.org/rss/1.0/"><rss:channel><rss:title>T</rss:title>
               <rss:item><rss:title>I</rss:title><rss:link>http://e.com/i</rss:link></rss:item>
               </rss:channel></rss:rss>"#,
        );
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.items[0].link.as_deref(), Some("http://e.com/i"));
        let f = feed(
            r#"<RDF:RDF xmlns:RDF="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
               <channel><title>T</title></channel><item rdf:about="http://e.com/a"><title>A</title></item>
               <item><title>B</title></item></RDF:RDF>"#,
        );
        assert_eq!(f.items.len(), 2);
    }

    #[test]
    fn atom_text_constructs_of_every_kind() {
        let f = feed(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry>
                 <title type="text/html">&lt;b&gt;Bold&lt;/b&gt;</title>
                 <summary type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi &amp; bye</p></div></summary>
                 <content type="application/octet-stream">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</content>
               </entry></feed>"#,
        );
        let e = &f.items[0];
        assert_eq!(e.title, Some(Body::html("<b>Bold</b>")));
        assert_eq!(e.summary, Some(Body::html("<p>Hi &amp; bye</p>")));
        assert_eq!(e.content, Some(Body::text("Example <b>Atom</b>")));
    }

    #[test]
    fn atom_03() {
        let f = feed(
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>
               <link rel="alternate" type="text/html" href="http://e.com/"/>
               <entry><title mode="escaped" type="text/html">&lt;i&gt;A&lt;/i&gt;</title>
               <issued>2004-06-02T19:07:55-04:00</issued>
               <content mode="base64" type="text/html">PHA+SGk8L3A+</content></entry></feed>"#,
        );
        assert_eq!(f.link.as_deref(), Some("http://e.com/"));
        let e = &f.items[0];
        assert_eq!(e.title, Some(Body::html("<i>A</i>")));
        assert_eq!(e.dates, ["2004-06-02T19:07:55-04:00"]);
        assert_eq!(e.content, Some(Body::html("<p>Hi</p>")));
    }

    #[test]
    fn cdf() {
        let f = feed(
            r#"<CHANNEL HREF="http://e.com/"><TITLE>T</TITLE><ITEM HREF="http://e.com/1" LASTMOD="2004-04-06T23:05:43-05:00">
               <TITLE>One</TITLE><ABSTRACT>Text</ABSTRACT></ITEM></CHANNEL>"#,
        );
        assert_eq!(f.link.as_deref(), Some("http://e.com/"));
        let e = &f.items[0];
        assert_eq!(e.link.as_deref(), Some("http://e.com/1"));
        assert_eq!(e.summary, Some(Body::text("Text")));
        assert_eq!(e.dates, ["2004-04-06T23:05:43-05:00"]);
    }

    #[test]
    fn items_past_the_cap_are_not_built() {
        let doc = format!(
            "<rss><channel><title>T &nbsp;</title>{}<item><title>after</item></channel></rss>",
            "<item><title>x</title></item>".repeat(MAX_ITEMS + 10)
        );
        let f = feed(&doc);
        assert_eq!(f.items.len(), MAX_ITEMS);
        let atom = format!(
            "<feed xmlns='http://www.w3.org/2005/Atom'>{}</feed>",
            "<entry/>".repeat(MAX_ITEMS * 2)
        );
        assert_eq!(feed(&atom).items.len(), MAX_ITEMS);
    }

    #[test]
    fn deep_nesting_is_capped() {
        let deep = format!(
            "<rss><channel><item><description>{}x{}</description></item></channel></rss>",
            "<b>".repeat(100_000),
            "</b>".repeat(100_000)
        );
        let f = feed(&deep);
        assert_eq!(f.items.len(), 1);
    }
}
