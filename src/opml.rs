//! OPML, the subscription lists other readers import and export: [`import`] turns a file into
//! publications to add, [`export`] writes ours.
//!
//! An OPML file comes from elsewhere, so it is untrusted input. Newsboat's own exports list
//! `exec:`, `filter:` and `query:` feeds, and other readers use `|command` and `file:`; newsroom
//! only ever reads http(s) feeds, so every other entry is refused with a line saying why, and
//! importing never runs anything. The reader is streaming and never expands DTD entities (only
//! the five predefined ones and character references), so billion-laughs and external-entity
//! tricks are inert; input size, entry count and URL length are capped.
//!
//! The pure core is [`import`] and [`export`]; [`import_command`] and [`export_command`] are the
//! thin file-touching edges behind `newsroom import` and `newsroom export`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer, XmlVersion};

use crate::config::{Publication, validate_feed_url};
use crate::config_edit::{self, AddReport, ConfigEditError, UniqueNames};
use crate::feed::sanitize;

/// Larger than any real subscription list (thousands of feeds are a few hundred KiB); a cap so a
/// hostile file cannot make us hold gigabytes.
pub const MAX_OPML_BYTES: usize = 8 * 1024 * 1024;
/// Entries read from one file; the rest are reported, not read.
pub const MAX_ENTRIES: usize = 10_000;
/// Longer URLs are refused: no real feed needs one, and they would swamp the config and the UI.
pub const MAX_URL_LEN: usize = 2048;
/// Names longer than this are cut (at a character boundary).
pub const MAX_NAME_CHARS: usize = 100;

/// What an OPML file offers: publications to add, and the entries refused, one line each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportResult {
    /// `(name, url)` in document order: names cleaned and unique within the file, URLs absolute
    /// http(s) and normalized, no URL twice.
    pub publications: Vec<(String, String)>,
    pub refused: Vec<Refused>,
}

/// One refused `<outline>` (or a note about the file, such as entries past the cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// 1-based line of the entry in the file.
    pub line: usize,
    /// How the entry named itself: its title and URL, cleaned and shortened for display.
    pub entry: String,
    pub reason: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.entry, self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    #[error("the file is {size} bytes; OPML files larger than {max} bytes are not read")]
    TooLarge { size: usize, max: usize },
    #[error("not OPML: {0}")]
    NotOpml(String),
    #[error("malformed OPML at line {line}: {message}")]
    Malformed { line: usize, message: String },
}

// ---- import (pure) ---------------------------------------------------------------------------

/// Reads an OPML document (any version; nested outlines are flattened, categories dropped).
///
/// Takes bytes because OPML files declare their own encoding; UTF-8, UTF-16 with a BOM and any
/// encoding named in the XML declaration are read. Errors only when the document as a whole is
/// unreadable; bad entries are refused one by one in [`ImportResult::refused`].
pub fn import(bytes: &[u8]) -> Result<ImportResult, OpmlError> {
    if bytes.len() > MAX_OPML_BYTES {
        return Err(OpmlError::TooLarge {
            size: bytes.len(),
            max: MAX_OPML_BYTES,
        });
    }
    let text = decode(bytes);
    let mut reader = Reader::from_str(&text);
    // Mismatched end tags are errors (a truncated or spliced file is better refused whole).
    reader.config_mut().check_end_names = true;

    let mut lines = LineCounter::new(&text);
    let mut out = ImportResult::default();
    let mut seen_urls: HashMap<String, usize> = HashMap::new();
    let mut names = UniqueNames::default();
    let mut saw_root = false;
    let mut entries = 0usize;

    loop {
        let start = reader.buffer_position();
        let event = reader.read_event().map_err(|e| OpmlError::Malformed {
            line: lines.line_at(usize::try_from(reader.error_position()).unwrap_or(usize::MAX)),
            message: e.to_string(),
        })?;
        let tag = match &event {
            Event::Start(t) | Event::Empty(t) => t,
            Event::Eof => break,
            _ => continue,
        };
        let local = tag.local_name();
        if !saw_root {
            if !local.as_ref().eq_ignore_ascii_case(b"opml") {
                let name = String::from_utf8_lossy(local.as_ref());
                return Err(OpmlError::NotOpml(format!(
                    "the document is <{}>, not <opml>; to subscribe to a feed use `newsroom add URL`",
                    sanitize::clean_line(&truncate(&name, 40))
                )));
            }
            saw_root = true;
            continue;
        }
        if !local.as_ref().eq_ignore_ascii_case(b"outline") {
            continue;
        }
        let line = lines.line_at(usize::try_from(start).unwrap_or(usize::MAX));
        let Some(entry) = read_outline(tag, &reader) else {
            continue; // a folder or separator: its children (if any) are read as they come
        };
        entries += 1;
        if entries > MAX_ENTRIES {
            out.refused.push(Refused {
                line,
                entry: "this entry and all after it".into(),
                reason: format!("a file may offer at most {MAX_ENTRIES} feeds"),
            });
            break;
        }
        match accept(&entry) {
            Err(reason) => out.refused.push(Refused {
                line,
                entry: entry.shown(),
                reason,
            }),
            Ok(url) => {
                if let Some(first) = seen_urls.get(&url) {
                    out.refused.push(Refused {
                        line,
                        entry: entry.shown(),
                        reason: format!("same URL as line {first}"),
                    });
                    continue;
                }
                seen_urls.insert(url.clone(), line);
                let name = names.make_unique(&entry.name(&url));
                out.publications.push((name, url));
            }
        }
    }
    if !saw_root {
        return Err(OpmlError::NotOpml("the file has no <opml> element".into()));
    }
    Ok(out)
}

/// An `<outline>` that names a feed URL (it has `xmlUrl`).
struct Entry {
    /// `Err` if the attribute could not be read (an undefined entity, say).
    url: Result<String, String>,
    title: Option<String>,
    text: Option<String>,
}

impl Entry {
    /// The name to give it: `title`, else `text`, else the URL's host.
    fn name(&self, url: &str) -> String {
        let from_attrs = [&self.title, &self.text]
            .into_iter()
            .flatten()
            .map(|s| truncate(&sanitize::clean_line(s), MAX_NAME_CHARS))
            .find(|s| !s.is_empty());
        from_attrs.unwrap_or_else(|| {
            url::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| "Feed".to_owned())
        })
    }

    /// How a refused entry is shown: untrusted text, so cleaned and cut short.
    fn shown(&self) -> String {
        let title = [&self.title, &self.text]
            .into_iter()
            .flatten()
            .map(|s| truncate(&sanitize::clean_line(s), 60))
            .find(|s| !s.is_empty());
        let url = match &self.url {
            Ok(u) => truncate(&sanitize::clean_line(u), 80),
            Err(_) => "unreadable URL".to_owned(),
        };
        match title {
            Some(t) => format!("\"{t}\" ({url})"),
            None => url,
        }
    }
}

/// The outline's feed attributes, or `None` if it names no feed (a folder). Attribute names are
/// matched case-insensitively: some exporters write `xmlurl`.
fn read_outline(tag: &BytesStart<'_>, reader: &Reader<&[u8]>) -> Option<Entry> {
    let mut url = None;
    let mut title = None;
    let mut text = None;
    // Attribute syntax errors (duplicates, missing quotes) skip that attribute, not the file.
    for attr in tag.attributes().with_checks(false).flatten() {
        let key = attr.key.local_name();
        let value =
            || match attr.decoded_and_normalized_value(XmlVersion::Implicit1_0, reader.decoder()) {
                Ok(v) => Ok(v.into_owned()),
                // Sloppy exporters write `?a=1&b=2` unescaped; a bare `&` means itself. Undefined
                // entities (`&lol9;`) still fail: they are never expanded.
                Err(e) => {
                    let raw = String::from_utf8_lossy(&attr.value);
                    let fixed = escape_bare_ampersands(&raw);
                    quick_xml::escape::unescape(&fixed)
                        .map(|v| v.replace(['\t', '\n', '\r'], " "))
                        .map_err(|_| e.to_string())
                }
            };
        match key.as_ref() {
            k if k.eq_ignore_ascii_case(b"xmlurl") => url = Some(value()),
            k if k.eq_ignore_ascii_case(b"title") => title = value().ok(),
            k if k.eq_ignore_ascii_case(b"text") => text = value().ok(),
            _ => {}
        }
    }
    url.map(|url| Entry { url, title, text })
}

/// `&` that does not start a reference (`&name;`, `&#38;`, `&#x26;`) becomes `&amp;`.
fn escape_bare_ampersands(raw: &str) -> Cow<'_, str> {
    let is_reference = |rest: &str| {
        let body = rest.split(';').next().unwrap_or("");
        rest.len() > body.len()
            && !body.is_empty()
            && body.len() <= 32
            && body
                .trim_start_matches('#')
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
    };
    if !raw
        .match_indices('&')
        .any(|(i, _)| !is_reference(&raw[i + 1..]))
    {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len() + 16);
    for (i, c) in raw.char_indices() {
        if c == '&' && !is_reference(&raw[i + 1..]) {
            out.push_str("&amp;");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The normalized URL of an acceptable entry, or why it is refused.
fn accept(entry: &Entry) -> Result<String, String> {
    let raw = entry
        .url
        .as_ref()
        .map_err(|e| format!("its URL could not be read ({e}); newsroom expands no entities"))?;
    let url = raw.trim();
    if url.is_empty() {
        return Err("no feed URL".into());
    }
    if url.len() > MAX_URL_LEN {
        return Err(format!("URL longer than {MAX_URL_LEN} characters"));
    }
    let lower = url.to_ascii_lowercase();
    let refused_kind = if url.starts_with('|') {
        Some("a |command runs a program")
    } else if lower.starts_with("exec:") {
        Some("exec: runs a program")
    } else if lower.starts_with("filter:") {
        Some("filter: runs a program on the feed")
    } else if lower.starts_with("query:") {
        Some("query: is a saved search in another reader")
    } else if lower.starts_with("file:") {
        Some("file: reads a local file")
    } else {
        None
    };
    if let Some(kind) = refused_kind {
        return Err(format!(
            "{kind}; newsroom only reads http(s) feeds and never runs anything"
        ));
    }
    validate_feed_url(url).map_err(|why| format!("the address {why}"))
}

/// Text of an OPML file: a BOM wins, then the XML declaration's encoding, then UTF-8 (invalid
/// bytes become U+FFFD rather than failing the import).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom_len..]).0;
    }
    let declared = declared_encoding(bytes).unwrap_or(encoding_rs::UTF_8);
    // A declaration of UTF-16 without a BOM cannot be honest in an ASCII-readable prolog.
    let enc = if declared == encoding_rs::UTF_16LE || declared == encoding_rs::UTF_16BE {
        encoding_rs::UTF_8
    } else {
        declared
    };
    enc.decode_without_bom_handling(bytes).0
}

/// The encoding named by `<?xml ... encoding="..."?>`, if the document starts with one.
fn declared_encoding(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Decl(d) => {
                let label = d.encoding()?.ok()?;
                return encoding_rs::Encoding::for_label(&label);
            }
            // Whitespace before the declaration is tolerated; anything else means none.
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            _ => return None,
        }
    }
}

/// Byte offset to 1-based line, for offsets that only grow (so the whole import is linear).
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let bytes = &self.text.as_bytes()[self.offset..offset];
        #[allow(clippy::naive_bytecount)] // one count per line asked for: no crate for that
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
        self.line += newlines;
        self.offset = offset;
        self.line
    }
}

/// A publication name from outside (an OPML file, `add --name`): one clean line, no escape or
/// control character, at most [`MAX_NAME_CHARS`].
#[must_use]
pub(crate) fn clean_name(s: &str) -> String {
    truncate(&sanitize::clean_line(s), MAX_NAME_CHARS)
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

// ---- export (pure) ---------------------------------------------------------------------------

/// OPML 2.0 listing `pubs` in order, one `<outline type="rss">` each, every attribute escaped.
/// Names are written on one line without control characters, which XML cannot carry anyway.
#[must_use]
pub fn export(pubs: &[Publication]) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to a Vec cannot fail; the results are still propagated rather than unwrapped.
    let written: std::io::Result<()> = (|| {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let mut opml = BytesStart::new("opml");
        opml.push_attribute(("version", "2.0"));
        w.write_event(Event::Start(opml))?;
        w.write_event(Event::Start(BytesStart::new("head")))?;
        w.create_element("title")
            .write_text_content(BytesText::new("newsroom subscriptions"))?;
        w.write_event(Event::End(BytesEnd::new("head")))?;
        w.write_event(Event::Start(BytesStart::new("body")))?;
        for p in pubs {
            let name = sanitize::clean_line(&p.name);
            let mut o = BytesStart::new("outline");
            o.push_attribute(("type", "rss"));
            o.push_attribute(("text", name.as_str()));
            o.push_attribute(("title", name.as_str()));
            o.push_attribute(("xmlUrl", sanitize::clean_line(&p.url).as_str()));
            w.write_event(Event::Empty(o))?;
        }
        w.write_event(Event::End(BytesEnd::new("body")))?;
        w.write_event(Event::End(BytesEnd::new("opml")))?;
        Ok(())
    })();
    debug_assert!(written.is_ok(), "writing to memory cannot fail");
    let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
    s.push('\n');
    s
}

// ---- the commands (IO at the edge) -------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
pub enum OpmlCommandError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Opml { path: PathBuf, source: OpmlError },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] ConfigEditError),
}

/// What `newsroom import FILE` did: the entries offered, and what the config made of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub offered: ImportResult,
    pub report: AddReport,
}

impl ImportOutcome {
    /// The report for the user: what was added, renamed, skipped and refused, one line each.
    #[must_use]
    pub fn message(&self, config_path: &Path) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        // Writing to a String cannot fail.
        let (added, renamed) = (&self.report.added, &self.report.renamed);
        if added.is_empty() {
            s.push_str("No publications added.\n");
        } else {
            let n = added.len();
            let _ = writeln!(
                s,
                "Added {n} publication{} to {}:",
                plural(n),
                config_path.display()
            );
            for (name, url) in added {
                let _ = writeln!(s, "  {name} ({url})");
            }
        }
        if !renamed.is_empty() {
            s.push_str("Renamed, because the name was taken:\n");
            for (from, to) in renamed {
                let _ = writeln!(s, "  \"{from}\" -> \"{to}\"");
            }
        }
        let skipped = &self.report.skipped;
        if !skipped.is_empty() {
            let _ = writeln!(s, "Skipped {} already in the config:", skipped.len());
            for k in skipped {
                let _ = writeln!(
                    s,
                    "  {} ({}) is already there as \"{}\"",
                    k.name, k.url, k.existing
                );
            }
        }
        let refused = &self.offered.refused;
        if !refused.is_empty() {
            let n = refused.len();
            let _ = writeln!(s, "Refused {n} entr{}:", if n == 1 { "y" } else { "ies" });
            for r in refused {
                let _ = writeln!(s, "  {r}");
            }
        }
        s
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `newsroom import FILE`: reads the OPML file and adds its feeds to the config at
/// `config_path` (creating it if absent), skipping URLs already there.
pub fn import_command(
    config_path: &Path,
    opml_path: &Path,
) -> Result<ImportOutcome, OpmlCommandError> {
    let bytes = read_capped(opml_path)?;
    let offered = import(&bytes).map_err(|source| OpmlCommandError::Opml {
        path: opml_path.to_path_buf(),
        source,
    })?;
    let report = config_edit::add_publications(config_path, &offered.publications)?;
    Ok(ImportOutcome { offered, report })
}

/// Reads at most one byte past the cap, so a huge file (or /dev/zero) is refused without being
/// read whole.
fn read_capped(path: &Path) -> Result<Vec<u8>, OpmlCommandError> {
    use std::io::Read;
    let read_err = |source| OpmlCommandError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = crate::paths::open_regular(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    file.take(MAX_OPML_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    Ok(bytes)
}

/// `newsroom export [-o FILE]`: the OPML for `pubs` (the effective publications, defaults
/// included), written to `out` if given, else returned for stdout.
pub fn export_command(
    pubs: &[Publication],
    out: Option<&Path>,
) -> Result<Option<String>, OpmlCommandError> {
    let text = export(pubs);
    match out {
        None => Ok(Some(text)),
        Some(path) => {
            config_edit::write_atomically(path, &text).map_err(|source| {
                OpmlCommandError::Write {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
            Ok(None)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn names_urls(r: &ImportResult) -> Vec<(&str, &str)> {
        r.publications
            .iter()
            .map(|(n, u)| (n.as_str(), u.as_str()))
            .collect()
    }

    #[test]
    fn title_then_text_then_host() {
        let r = import(
            br#"<opml version="1.0"><body>
            <outline title="T" text="X" xmlUrl="https://a.example/feed"/>
            <outline text="Only text" xmlUrl="https://b.example/feed"/>
            <outline xmlUrl="https://c.example/feed"/>
            </body></opml>"#,
        )
        .unwrap();
        assert_eq!(
            names_urls(&r),
            [
                ("T", "https://a.example/feed"),
                ("Only text", "https://b.example/feed"),
                ("c.example", "https://c.example/feed"),
            ]
        );
        assert!(r.refused.is_empty());
    }

    #[test]
    fn refusals_name_their_line() {
        let r = import(
            b"<opml>\n<body>\n<outline title=\"x\" xmlUrl=\"exec:rm -rf ~\"/>\n</body></opml>",
        )
        .unwrap();
        assert!(r.publications.is_empty());
        assert_eq!(r.refused.len(), 1);
        assert_eq!(r.refused[0].line, 3);
        assert!(r.refused[0].reason.contains("exec:"), "{}", r.refused[0]);
    }

    #[test]
    fn names_made_unique_and_duplicate_urls_reported() {
        let r = import(
            br#"<opml><body>
            <outline title="News" xmlUrl="https://a.example/"/>
            <outline title="News" xmlUrl="https://b.example/"/>
            <outline title="Again" xmlUrl="https://A.example"/>
            </body></opml>"#,
        )
        .unwrap();
        assert_eq!(
            names_urls(&r),
            [
                ("News", "https://a.example/"),
                ("News (2)", "https://b.example/")
            ]
        );
        assert_eq!(r.refused.len(), 1);
        assert!(
            r.refused[0].reason.contains("same URL as line 2"),
            "{}",
            r.refused[0]
        );
    }

    #[test]
    fn latin1_declared_encoding_is_honoured() {
        let mut doc =
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><opml><body><outline title=\"Caf"
                .to_vec();
        doc.push(0xE9);
        doc.extend_from_slice(b"\" xmlUrl=\"https://cafe.example/rss\"/></body></opml>");
        let r = import(&doc).unwrap();
        assert_eq!(r.publications[0].0, "Café");
    }

    #[test]
    fn not_opml_is_a_clear_error() {
        let e = import(b"<rss version=\"2.0\"><channel/></rss>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("<rss>") && e.contains("newsroom add"), "{e}");
        assert!(matches!(import(b"").unwrap_err(), OpmlError::NotOpml(_)));
    }

    #[test]
    fn mismatched_tags_are_malformed_with_line() {
        let e = import(b"<opml>\n<body>\n<outline>\n</body></opml>").unwrap_err();
        assert!(matches!(e, OpmlError::Malformed { line: 4, .. }), "{e:?}");
    }

    #[test]
    fn export_escapes_and_reimports() {
        let pubs = vec![Publication {
            name: "Q&A <\"quoted\"> 'it'\x1b[31m".into(),
            url: "https://x.example/feed?a=1&b=2".into(),
            key: None,
            full_text: false,
        }];
        let out = export(&pubs);
        assert!(
            out.contains("xmlUrl=\"https://x.example/feed?a=1&amp;b=2\""),
            "{out}"
        );
        assert!(!out.contains('\x1b'));
        let back = import(out.as_bytes()).unwrap();
        let (name, url) = &back.publications[0];
        assert!(name.starts_with("Q&A <\"quoted\"> 'it'"), "{name}");
        assert!(!name.chars().any(char::is_control), "{name:?}");
        assert_eq!(url, &pubs[0].url);
    }

    #[test]
    fn bare_ampersands_are_literal_but_unknown_entities_are_not_expanded() {
        let r = import(
            br#"<opml><body>
            <outline title="Q &amp; A & more" xmlUrl="https://a.example/rss?x=1&y=2&amp;z=3"/>
            <outline title="bad" xmlUrl="https://b.example/rss?x=&evil;"/>
            </body></opml>"#,
        )
        .unwrap();
        assert_eq!(
            names_urls(&r),
            [("Q & A & more", "https://a.example/rss?x=1&y=2&z=3")]
        );
        assert_eq!(r.refused.len(), 1);
        assert!(r.refused[0].reason.contains("entities"), "{}", r.refused[0]);
    }
}
