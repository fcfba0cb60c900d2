//! Bytes to [`Feed`]: RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 1.0 and 0.3, JSON Feed (and CDF),
//! detected from the document itself, never from its URL.
//!
//! The path: decode to UTF-8 (`encoding.rs`); look at the root element; try the strict crates
//! (`strict.rs`) when the root is one they know; fall back to the lenient reader
//! (`lenient.rs`) when they refuse the document or find no items in it; clean everything once
//! (`raw::finish`).
//!
//! What each step buys, measured on the test corpus (tests/it/corpus.rs; "read" = parsed with
//! all items): the crates alone, on the raw bytes, read 58 of 60 real feeds and 1,414 of 1,749
//! (80.8%) of feedparser's well-formed, non-bozo cases. Decoding first (undeclared Latin-1)
//! and JSON Feed make the real feeds 60/60. The lenient fallback (Atom 0.3, CDF, prefixed
//! roots, `&nbsp;` and bare `&`, unknown Atom content types, dates the crates reject) makes
//! feedparser's set 1,749/1,749. All 59 real XML feeds still go through the crates.

use super::raw::{self, MAX_ITEMS, RawFeed};
use super::sanitize::{clean_line, truncate_bytes, truncate_chars};
use super::{Feed, encoding, jsonfeed, lenient, strict};

/// Why a document could not be read as a feed. Messages are short, one line, and safe to show.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The document is something else: an HTML page, other XML, other JSON, nothing.
    #[error("{0}")]
    NotAFeed(String),
    /// It looks like a feed but is too broken to read anything from.
    #[error("malformed feed: {0}")]
    Malformed(String),
}

/// What an HTML page (a site's home page, a login wall) gets called.
pub const HTML_PAGE: &str = "this is an HTML page, not a feed";

/// Parses a feed document. `content_type` is the HTTP header, used only as a charset hint.
pub fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<Feed, ParseError> {
    parse_at(bytes, content_type, None)
}

/// Like [`parse`], knowing the URL the document came from: relative links that the feed gives
/// no other base for resolve against it.
pub fn parse_at(
    bytes: &[u8],
    content_type: Option<&str>,
    url: Option<&str>,
) -> Result<Feed, ParseError> {
    let text = encoding::decode(bytes, content_type);
    read_raw(&text).map(|r| raw::finish(r, url))
}

fn read_raw(text: &str) -> Result<RawFeed, ParseError> {
    let doc = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if doc.trim().is_empty() {
        return Err(ParseError::NotAFeed("the document is empty".into()));
    }
    if doc.starts_with(['{', '[']) {
        return match jsonfeed::read(doc) {
            jsonfeed::Json::Feed(f) => Ok(f),
            jsonfeed::Json::Other => Err(ParseError::NotAFeed(
                "this is JSON, but not a JSON Feed".into(),
            )),
            jsonfeed::Json::Broken(why) => Err(ParseError::Malformed(short(&format!(
                "broken JSON ({why})"
            )))),
        };
    }
    let Some(root) = sniff(doc) else {
        return Err(ParseError::NotAFeed(
            "this is not a feed (it is neither XML nor JSON)".into(),
        ));
    };
    // The XML declaration is dropped: the text is UTF-8 now, whatever the declaration said,
    // and the crates' XML reader would otherwise decode it a second time.
    let body = &doc[root.offset..];
    let local = root
        .qname
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    // The crates recurse once per nested element (extensions, XHTML): a deep enough document
    // overflows the stack, which aborts the process. Deep documents go to the lenient reader,
    // which caps depth. The same pass finds where the items past the cap begin and end: the
    // crates build every item of a document, so they are given one without those (a feed of
    // a million empty `<item/>`s would otherwise cost a gigabyte before the cap applied).
    let scan = scan(body, MAX_STRICT_DEPTH, MAX_ITEMS);
    let too_deep = scan.too_deep;
    let capped;
    let body = match scan.cut {
        Some(cut) => {
            let mut s = String::with_capacity(body.len() - (cut.end - cut.start));
            s.push_str(&body[..cut.start]);
            s.push_str(&body[cut.end..]);
            capped = s;
            capped.as_str()
        }
        None => body,
    };
    let strict = match (local.as_str(), root.qname.as_str()) {
        ("html" | "head" | "body", _) => return Err(ParseError::NotAFeed(HTML_PAGE.into())),
        ("rss" | "rdf" | "feed" | "channel", _) if too_deep => None,
        ("rss", "rss") | ("rdf", "rdf:RDF") => strict::read_rss(body),
        ("feed", "feed") if !root.atom03 => strict::read_atom(body),
        ("rss" | "rdf" | "feed" | "channel", _) => None,
        _ if root.html_doctype => return Err(ParseError::NotAFeed(HTML_PAGE.into())),
        _ => {
            return Err(ParseError::NotAFeed(format!(
                "this XML document is not a feed (its root element is <{}>)",
                short(&root.qname)
            )));
        }
    };
    match strict {
        Some(feed) if !feed.items.is_empty() => Ok(feed),
        strict => match (lenient::parse(body), strict) {
            (Some(lenient), Some(strict)) if lenient.items.is_empty() => Ok(strict),
            (Some(lenient), _) => Ok(lenient),
            (None, Some(strict)) => Ok(strict),
            (None, None) => Err(ParseError::Malformed("no XML element could be read".into())),
        },
    }
}

/// Deeper than any sane feed (rss/channel/item plus XHTML content stays well under 40), and
/// shallow enough for the crates' recursion on a 2 MB thread stack in a debug build (which
/// overflows between 300 and 500 levels).
const MAX_STRICT_DEPTH: usize = 64;

struct Scan {
    /// Whether elements nest deeper than the limit.
    too_deep: bool,
    /// The span from the first item past the cap to the end of the last item, if the document
    /// has more items than the cap.
    cut: Option<std::ops::Range<usize>>,
}

/// Reads the document as the crates would read it (until the first XML error): how deep its
/// elements nest, and where the items (`<item>`, `<entry>` as children of the root or of the
/// channel) past the first `max_items` lie. Allocates nothing per element.
fn scan(xml: &str, depth_limit: usize, max_items: usize) -> Scan {
    use quick_xml::events::Event;
    let is_item =
        |name: &[u8]| name.eq_ignore_ascii_case(b"item") || name.eq_ignore_ascii_case(b"entry");
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0usize;
    let mut too_deep = false;
    let mut items = 0usize;
    // Once past the cap: where the first dropped item starts, the depth items sit at, whether
    // an item at that depth is open, and where the last one ended.
    let mut cut_start: Option<(usize, usize)> = None;
    let mut open_item = false;
    let mut cut_end = xml.len();
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(xml.len());
        let event = reader.read_event();
        let after = usize::try_from(reader.buffer_position()).unwrap_or(xml.len());
        match event {
            Ok(Event::Start(e)) => {
                if (1..=2).contains(&depth) && is_item(e.local_name().as_ref()) {
                    items += 1;
                    if items == max_items + 1 {
                        cut_start = Some((before, depth));
                    }
                    open_item = cut_start.is_some_and(|(_, d)| d == depth);
                }
                depth += 1;
                too_deep |= depth > depth_limit;
            }
            Ok(Event::Empty(e)) => {
                if (1..=2).contains(&depth) && is_item(e.local_name().as_ref()) {
                    items += 1;
                    if items == max_items + 1 {
                        cut_start = Some((before, depth));
                    }
                    if cut_start.is_some_and(|(_, d)| d == depth) {
                        cut_end = after;
                    }
                }
            }
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                if open_item && cut_start.is_some_and(|(_, d)| d == depth) {
                    open_item = false;
                    cut_end = after;
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let cut = cut_start.map(|(start, _)| start..cut_end.max(start));
    Scan { too_deep, cut }
}

/// Whether elements nest deeper than `limit`, read as the crates would read them: until the
/// first XML error.
#[cfg(test)]
fn nested_deeper_than(xml: &str, limit: usize) -> bool {
    scan(xml, limit, usize::MAX - 1).too_deep
}

/// One clean line of at most 80 characters, for error messages built from document text.
fn short(s: &str) -> String {
    truncate_chars(clean_line(s), 80)
}

struct Root {
    /// Where the root element's `<` is.
    offset: usize,
    /// Its qualified name as written.
    qname: String,
    /// Whether it declares Atom 0.3 (which the `atom_syndication` crate does not read).
    atom03: bool,
    /// Whether an HTML DOCTYPE came before it.
    html_doctype: bool,
}

/// Finds the root element by skipping the prolog (declaration, comments, processing
/// instructions, a DOCTYPE with its internal subset), tolerating a little junk before it.
/// `None` if the document is not XML.
fn sniff(doc: &str) -> Option<Root> {
    let mut pos = 0;
    let mut junk = 0;
    let mut html_doctype = false;
    loop {
        let rest = &doc[pos..];
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        let rest = trimmed;
        if rest.is_empty() {
            return None;
        }
        let skip_to = |end: &str, from: usize| rest[from..].find(end).map(|i| from + i + end.len());
        let next = if rest.starts_with("<?") {
            skip_to("?>", 2)
        } else if rest.starts_with("<!--") {
            skip_to("-->", 4)
        } else if starts_with_ci(rest, "<!doctype") {
            // Decided by the root element: a few feeds carry an HTML DOCTYPE by mistake.
            html_doctype |= starts_with_ci(rest[9..].trim_start(), "html");
            // An internal subset may hold `>` characters: skip past its `]` first.
            let close = rest.find('>');
            match rest.find('[') {
                Some(open) if close.is_none_or(|c| open < c) => {
                    rest[open..].find(']').and_then(|i| skip_to(">", open + i))
                }
                _ => close.map(|c| c + 1),
            }
        } else if let Some(tag) = rest.strip_prefix('<') {
            let name_len = tag
                .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>'))
                .unwrap_or(tag.len());
            let qname = &tag[..name_len];
            if qname.is_empty() || !qname.starts_with(|c: char| c.is_alphabetic() || c == '_') {
                return None;
            }
            let head = truncate_bytes(tag, 4096);
            let head = head.find('>').map_or(head, |end| &head[..end]);
            let atom03 = head.contains("purl.org/atom/ns#")
                || head.contains("version=\"0.3\"")
                || head.contains("version='0.3'");
            return Some(Root {
                offset: pos,
                qname: qname.to_owned(),
                atom03,
                html_doctype,
            });
        } else {
            // Text before the root: a server's warning printed ahead of the feed. Skip a
            // little of it; much more means this is not XML.
            junk += 1;
            rest.find('<').filter(|&i| i <= 1024 && junk <= 3)
        };
        pos += next?;
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_pages_are_named() {
        for page in [
            "<!DOCTYPE html><html><head><title>x</title></head></html>",
            "  <!doctype HTML>\n<html>",
            "<?xml version=\"1.0\"?>\n<!-- hi --><html xmlns=\"http://www.w3.org/1999/xhtml\">",
            "<HTML><BODY>",
            "<!DOCTYPE html><body><p>no html element",
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x\"><div>",
        ] {
            let err = parse(page.as_bytes(), Some("text/html")).expect_err(page);
            assert!(matches!(err, ParseError::NotAFeed(_)));
            assert_eq!(err.to_string(), HTML_PAGE);
        }
    }

    #[test]
    fn other_documents_get_short_clear_errors() {
        let cases: [(&[u8], &str); 5] = [
            (b"", "the document is empty"),
            (b"   \n", "the document is empty"),
            (
                b"\x00\x01\x02 binary junk",
                "this is not a feed (it is neither XML nor JSON)",
            ),
            (b"{\"hello\": 1}", "this is JSON, but not a JSON Feed"),
            (
                b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                "this XML document is not a feed (its root element is <svg>)",
            ),
        ];
        for (doc, msg) in cases {
            assert_eq!(parse(doc, None).expect_err(msg).to_string(), msg);
        }
        let err = parse(b"{\"items\": [", None).expect_err("broken json");
        assert!(
            err.to_string().starts_with("malformed feed: broken JSON"),
            "{err}"
        );
        let evil = format!("<\x1b[31m{}/>", "x".repeat(500));
        let err = parse(evil.as_bytes(), None)
            .expect_err("odd root")
            .to_string();
        assert!(!err.contains('\x1b') && err.chars().count() < 140, "{err}");
    }

    #[test]
    fn an_html_doctype_on_a_feed_is_forgiven() {
        let doc = "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\" \"x\"><rss><channel><title>found</title></channel></rss>";
        assert_eq!(parse(doc.as_bytes(), None).expect("a feed").title, "found");
    }

    #[test]
    fn deep_documents_skip_the_crates() {
        // Nested extension elements: the crates would recurse once per level.
        let rss = format!(
            "<rss xmlns:x='urn:x'><channel><item><title>deep</title>{}</item></channel></rss>",
            "<x:a>".repeat(100_000)
        );
        assert!(nested_deeper_than(&rss, MAX_STRICT_DEPTH));
        let atom = format!(
            "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:x='urn:x'><entry><title>deep</title>{}</entry></feed>",
            "<x:a>".repeat(100_000)
        );
        for doc in [rss, atom] {
            // On a small stack, as a runtime's worker thread would have.
            let feed = std::thread::Builder::new()
                .stack_size(1 << 20)
                .spawn(move || parse(doc.as_bytes(), None).map(|f| f.items[0].title.clone()))
                .expect("thread starts")
                .join()
                .expect("no stack overflow");
            assert_eq!(feed.expect("parses"), "deep");
        }
    }

    #[test]
    fn items_past_the_cap_are_never_built() {
        let n = 1_300_000;
        let rss = format!(
            "<rss version='2.0'><channel><title>many</title><item><title>first</title></item>{}</channel></rss>",
            "<item/>".repeat(n)
        );
        let atom = format!(
            "<feed xmlns='http://www.w3.org/2005/Atom'><title>many</title><entry><title>first</title></entry>{}</feed>",
            "<entry><id>x</id></entry>".repeat(n / 10)
        );
        // RSS 1.0: items beside the channel; and a document only the lenient reader takes.
        let rdf = format!(
            "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/'>\
             <channel><title>many</title></channel><item><title>first</title></item>{}</rdf:RDF>",
            "<item></item>".repeat(n / 10)
        );
        let broken = format!(
            "<rss><channel><title>many &nbsp;</title><item><title>first</title></item>{}</channel></rss>",
            "<item/>".repeat(n / 10)
        );
        for doc in [rss, atom, rdf, broken] {
            // Counted before `raw::finish`, which caps again: the readers never built more.
            let raw = read_raw(&doc).expect("reads");
            assert_eq!(raw.items.len(), MAX_ITEMS, "{}", &doc[..60]);
            let feed = parse(doc.as_bytes(), None).expect("parses");
            assert_eq!(feed.items.len(), MAX_ITEMS, "{}", &doc[..60]);
            assert_eq!(feed.items[0].title, "first");
            assert!(feed.title.starts_with("many"));
        }
        let s = scan(
            "<rss><channel><item/><item>a</item><x/><item/><y/></channel></rss>",
            64,
            1,
        );
        assert_eq!(
            s.cut,
            Some(21..46),
            "from the second item to the end of the last"
        );
        assert!(
            scan("<rss><channel><item/></channel></rss>", 64, 1)
                .cut
                .is_none()
        );
    }

    #[test]
    fn doctype_with_internal_subset() {
        let doc = "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x \"<y>\">]><rss version='2.0'><channel>\
                   <title>T</title><item><title>I</title></item></channel></rss>";
        let f = parse(doc.as_bytes(), None).expect("parses");
        assert_eq!(f.items.len(), 1);
    }

    #[test]
    fn declared_legacy_encoding_is_not_decoded_twice() {
        let doc = b"<?xml version='1.0' encoding='iso-8859-1'?><rss><channel><title>Caf\xe9</title></channel></rss>";
        assert_eq!(parse(doc, None).expect("parses").title, "Café");
    }
}
