//! Article HTML to readable text, on demand.
//!
//! `html2text` (on the html5ever parser) does the rendering: paragraphs with blank lines
//! between, "• " and "1. " lists, "> " quotes, "# " headings, `[image: alt]`, links as numbered
//! references listed at the end, scripts and styles dropped. Lines are not wrapped: the view
//! wraps to its own width.
//!
//! html5ever is quadratic in element nesting depth and in the number of attributes on one tag
//! (20,000 nested `<div>`s take seconds, 150,000 attributes take 15 s), and html2text's table
//! layout grows fast with table nesting, so a cheap scan first routes such documents to a plain
//! tag-stripping fallback. The input is also capped in size.

use html2text::render::{TaggedLine, TextDecorator};

use super::sanitize::{
    clean, decode_control_refs, decode_entities, find_ascii_ci, safe_url_from, strip_tags,
};

/// HTML to readable, sanitized text: paragraphs, lists, quotes and headings kept, links listed
/// as numbered references at the end, scripts and styles dropped. Lines are not wrapped.
#[must_use]
pub fn html_to_text(html: &str) -> String {
    to_text(html, None)
}

/// Article bodies past this size are cut: no real article comes near it.
const MAX_HTML_BYTES: usize = 1 << 20;
/// Open-element depth beyond which html5ever's cost grows too fast (real articles stay < 50).
const MAX_DEPTH: usize = 256;
/// Attributes on one tag beyond which html5ever's duplicate check grows too fast.
const MAX_ATTRS: usize = 256;
/// Nested tables beyond which html2text's table layout grows too fast (about cubically: 160
/// levels take 0.3 s). Real layouts nest a handful.
const MAX_TABLE_DEPTH: usize = 32;
/// "No wrapping": html2text needs a width; a paragraph longer than this is wrapped at it.
const WIDTH: usize = 10_000;

/// Renders `html` as clean text. Relative link targets in the reference list resolve against
/// `base` (the article's own URL) when given.
pub(crate) fn to_text(html: &str, base: Option<&str>) -> String {
    let html = super::sanitize::truncate_bytes(html, MAX_HTML_BYTES);
    if html.trim().is_empty() {
        return String::new();
    }
    // Escape sequences go before parsing too: the parser would drop their ESC and leave the
    // rest (`]52;c;...`) as visible text.
    let html = &clean(&decode_control_refs(html));
    let rendered = if too_costly(html) {
        None
    } else {
        let html = &mark_rules(html);
        html2text::config::with_decorator(Decorator {
            base: base.map(str::to_owned),
        })
        .link_footnotes(true)
        .no_table_borders()
        // A layout table (Reddit puts each post's thumbnail and body side by side in one)
        // laid out as columns indents the text by the thumbnail's width: read it cell by cell.
        .raw_mode(has_layout_table(html))
        .empty_img_mode(html2text::config::ImageRenderMode::ShowAlways)
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), WIDTH)
        .ok()
    };
    let text = rendered.unwrap_or_else(|| decode_entities(&strip_tags(html, '\n')));
    tidy(&clean(&text))
}

/// What a thematic break (`<hr>`) shows as: html2text draws it only as a table border.
const RULE: &str = "─────";

/// `<hr>` tags as a paragraph holding [`RULE`], so that the break stays visible.
fn mark_rules(html: &str) -> std::borrow::Cow<'_, str> {
    let is_hr = |rest: &str| {
        rest.len() >= 3
            && rest.as_bytes()[..3].eq_ignore_ascii_case(b"<hr")
            && rest[3..].starts_with(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
    };
    if find_ascii_ci(html, "<hr").is_none() {
        return std::borrow::Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(i) = find_ascii_ci(rest, "<hr") {
        out.push_str(&rest[..i]);
        let tag = &rest[i..];
        if is_hr(tag) {
            let end = tag.find('>').map_or(tag.len(), |e| e + 1);
            out.push_str("<p>");
            out.push_str(RULE);
            out.push_str("</p>");
            rest = &tag[end..];
        } else {
            out.push_str(&tag[..3]);
            rest = &tag[3..];
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether some table holds images or line breaks: a layout, not data in rows and columns.
fn has_layout_table(html: &str) -> bool {
    let mut rest = html;
    while let Some(i) = find_ascii_ci(rest, "<table") {
        let table = &rest[i..];
        let end = find_ascii_ci(table, "</table").unwrap_or(table.len());
        let body = &table[..end];
        if ["<img", "<br", "<p", "<div"]
            .iter()
            .any(|t| find_ascii_ci(body, t).is_some())
        {
            return true;
        }
        rest = &table[end..];
    }
    false
}

/// The words of `html` as the reader sees them, for the search index: the text of the body
/// with markup gone, entities decoded, scripts and styles dropped, escape sequences removed.
/// Not the layout of [`to_text`] (no list marks, no link reference list, whose URLs would match
/// words the reader never sees in the article), and a single scan instead of a parse, since
/// it runs for every new article of every refresh.
pub(crate) fn to_search_text(html: &str) -> String {
    let html = super::sanitize::truncate_bytes(html, MAX_HTML_BYTES);
    let html = clean(&decode_control_refs(html));
    clean(&decode_entities(&strip_tags(&html, ' ')))
}

/// Trims line ends, drops leading/trailing blank lines and folds runs of blank lines into one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

/// Whether html5ever or html2text would take too long on this document. Two scans, and either
/// can say so: one that follows the HTML tokenizer's rules for tags, quoted attribute values,
/// comments and raw-text elements, counting nesting and attributes per tag; and one that
/// ignores quoting altogether, so that markup the first scan misreads as an attribute value
/// still counts. Elements whose end tag is optional or absent (`<p>`, `<li>`, `<br>`, ...)
/// do not count, since the parser closes them itself.
pub(crate) fn too_costly(html: &str) -> bool {
    tokenized_cost_exceeded(html) || quote_blind_depth_exceeded(html)
}

#[derive(Default)]
struct Nesting {
    depth: usize,
    tables: usize,
}

impl Nesting {
    /// Records a tag; true once a limit is passed.
    fn tag(&mut self, name: &str, closing: bool, self_closed: bool) -> bool {
        if closing {
            self.depth = self.depth.saturating_sub(1);
            if name == "table" {
                self.tables = self.tables.saturating_sub(1);
            }
            return false;
        }
        if self_closed || auto_closed(name) {
            return false;
        }
        self.depth += 1;
        if name == "table" {
            self.tables += 1;
        }
        self.depth > MAX_DEPTH || self.tables > MAX_TABLE_DEPTH
    }
}

fn tokenized_cost_exceeded(html: &str) -> bool {
    let b = html.as_bytes();
    let mut nesting = Nesting::default();
    let mut i = 0;
    while let Some(lt) = memchr_from(b, b'<', i) {
        i = lt + 1;
        match b.get(i) {
            Some(b'!') => {
                // A comment runs to `-->`; any other `<!...>` is a bogus comment to `>`.
                i = if b[i..].starts_with(b"!--") {
                    find_from(b, b"-->", i + 3).map_or(b.len(), |e| e + 3)
                } else {
                    memchr_from(b, b'>', i).map_or(b.len(), |e| e + 1)
                };
            }
            Some(b'?') => i = memchr_from(b, b'>', i).map_or(b.len(), |e| e + 1),
            Some(b'/') if b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => {
                let (name, attrs, self_closed, next) = read_tag(b, i + 1);
                let _ = (attrs, self_closed);
                i = next;
                nesting.tag(&name, true, false);
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, attrs, self_closed, next) = read_tag(b, i);
                i = next;
                if attrs > MAX_ATTRS || nesting.tag(&name, false, self_closed) {
                    return true;
                }
                // Raw text: nothing inside is markup until the matching end tag.
                let raw = matches!(
                    name.as_str(),
                    "script"
                        | "style"
                        | "textarea"
                        | "title"
                        | "xmp"
                        | "iframe"
                        | "noembed"
                        | "noframes"
                );
                if name == "plaintext" {
                    return false;
                }
                if raw {
                    let close = format!("</{name}");
                    i = find_ascii_ci(&html[i..], &close).map_or(b.len(), |e| i + e);
                }
            }
            _ => {}
        }
    }
    false
}

/// Reads a start or end tag from its name at `i`: (lower-case name, attribute count, whether
/// it ends in `/>`, where it ends). Quotes delimit a value only right after `=`, as in the
/// HTML tokenizer.
fn read_tag(b: &[u8], mut i: usize) -> (String, usize, bool, usize) {
    let start = i;
    while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'/' | b'>') {
        i += 1;
    }
    let name = String::from_utf8_lossy(&b[start..i]).to_ascii_lowercase();
    let mut attrs = 0;
    let mut self_closed = false;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            self_closed = b[i] == b'/';
            i += 1;
        }
        match b.get(i) {
            None => return (name, attrs, false, b.len()),
            Some(b'>') => return (name, attrs, self_closed, i + 1),
            Some(_) => {}
        }
        self_closed = false;
        // An attribute name (a leading `=` belongs to it), then maybe `= value`.
        attrs += 1;
        i += 1;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => i = memchr_from(b, q, i + 1).map_or(b.len(), |e| e + 1),
            _ => {
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
            }
        }
    }
}

/// Every `<name` counts as a start tag and every `</` as an end tag, quotes or not.
fn quote_blind_depth_exceeded(html: &str) -> bool {
    let b = html.as_bytes();
    let mut nesting = Nesting::default();
    let mut i = 0;
    while let Some(lt) = memchr_from(b, b'<', i) {
        i = lt + 1;
        let closing = b.get(i) == Some(&b'/');
        let start = i + usize::from(closing);
        let mut end = start;
        while end < b.len() && b[end].is_ascii_alphanumeric() {
            end += 1;
        }
        if end == start || !b[start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[start..end].to_ascii_lowercase();
        if nesting.tag(&name, closing, false) {
            return true;
        }
        i = end;
    }
    false
}

fn memchr_from(b: &[u8], needle: u8, from: usize) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&c| c == needle)
        .map(|p| from + p)
}

fn find_from(b: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// Void elements, and elements whose end tag the parser supplies when the next one starts.
fn auto_closed(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "p"
            | "li"
            | "dt"
            | "dd"
            | "tr"
            | "td"
            | "th"
            | "thead"
            | "tbody"
            | "tfoot"
            | "option"
            | "optgroup"
            | "rt"
            | "rp"
            | "colgroup"
            | "caption"
            | "html"
            | "head"
            | "body"
    )
}

/// How markup becomes plain text. Emphasis is dropped (no markers in running text); links get
/// a `[n]` reference and a list at the end.
#[derive(Clone)]
struct Decorator {
    base: Option<String>,
}

impl TextDecorator for Decorator {
    type Annotation = ();

    fn decorate_link_start(&mut self, _url: &str) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_link_end(&mut self) -> String {
        String::new()
    }
    fn decorate_em_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_em_end(&self) -> String {
        String::new()
    }
    fn decorate_strong_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_strong_end(&self) -> String {
        String::new()
    }
    fn decorate_strikeout_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_strikeout_end(&self) -> String {
        String::new()
    }
    fn decorate_code_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_code_end(&self) -> String {
        String::new()
    }
    fn decorate_preformat_first(&self) {}
    fn decorate_preformat_cont(&self) {}
    fn decorate_image(&mut self, _src: &str, alt: &str) -> (String, ()) {
        // An image without words is still worth knowing about ("o" opens the page).
        match alt.trim() {
            "" => ("[image]".to_owned(), ()),
            alt => (format!("[image: {alt}]"), ()),
        }
    }
    fn header_prefix(&self, level: usize) -> String {
        "#".repeat(level.clamp(1, 6)) + " "
    }
    fn quote_prefix(&self) -> String {
        "> ".to_owned()
    }
    fn unordered_item_prefix(&self) -> String {
        "• ".to_owned()
    }
    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }
    fn decorate_superscript_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_superscript_end(&self) -> String {
        String::new()
    }
    fn make_subblock_decorator(&self) -> Self {
        self.clone()
    }

    /// The reference list. Web links are resolved and normalized; `mailto:` stays readable;
    /// anything else (`javascript:`, `data:`, ...) is not worth showing.
    fn finalise(&mut self, urls: Vec<String>) -> Vec<TaggedLine<()>> {
        let base = self.base.as_deref();
        urls.iter()
            .enumerate()
            .map(|(i, url)| {
                let shown = safe_url_from(url, base).unwrap_or_else(|| {
                    let url = url.trim();
                    if url.starts_with("mailto:") || url.starts_with('#') || url.starts_with('/') {
                        super::sanitize::truncate_chars(url.to_owned(), 200)
                    } else {
                        "(not a web link)".to_owned()
                    }
                });
                TaggedLine::from_string(format!("[{}]: {shown}", i + 1), &())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        to_text(html, Some("https://example.com/news/story"))
    }

    #[test]
    fn paragraphs_lists_quotes_and_headings() {
        let t = text(
            "<h2>Title &amp; more</h2><p>One <b>bold</b>&nbsp;word.</p><p>Two.<br>Three.</p>\
             <ul><li>apple</li><li>pear</li></ul><ol><li>first</li><li>second</li></ol>\
             <blockquote>Quoted</blockquote>",
        );
        assert_eq!(
            t,
            "## Title & more\n\nOne bold\u{a0}word.\n\nTwo.\nThree.\n• apple\n• pear\n1. first\n\
             2. second\n\n> Quoted"
        );
    }

    #[test]
    fn links_become_numbered_references() {
        let t = text(
            r#"<p>See <a href="https://a.example/x">this</a>, <a href="/local">that</a>
               and <a href="javascript:alert(1)">evil</a>.</p>"#,
        );
        assert!(t.starts_with("See this[1], that[2] and evil[3]."), "{t}");
        assert!(
            t.ends_with(
                "[1]: https://a.example/x\n[2]: https://example.com/local\n[3]: (not a web link)"
            ),
            "{t}"
        );
    }

    #[test]
    fn images_scripts_and_styles() {
        let t = text(
            r#"<p>a<img src="c.png" alt=" A cat "><img src="d.png"></p>
               <script>alert("x")</script><style>p{color:red}</style><p>b</p>"#,
        );
        assert_eq!(t, "a[image: A cat][image]\n\nb");
    }

    #[test]
    fn output_is_inert() {
        let t = text("<p>x\u{1b}]52;c;ZXZpbA==\u{7}y\u{202e}z&#27;[2J</p>");
        assert_eq!(t, "xyz");
    }

    #[test]
    fn hostile_shapes_fall_back_quickly() {
        let deep = format!("{}deep{}", "<div>".repeat(50_000), "</div>".repeat(50_000));
        assert!(too_costly(&deep));
        assert_eq!(text(&deep), "deep");
        let attrs = format!(
            "<p {}>many</p>",
            (0..10_000)
                .map(|i| format!("a{i}=1"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(too_costly(&attrs));
        assert_eq!(text(&attrs), "many");
        let lists = format!("{}item", "<ul><li>".repeat(20_000));
        assert_eq!(text(&lists), "item");
        let tables = format!("{}cell", "<table><tr><td>".repeat(100));
        assert!(too_costly(&tables));
        assert_eq!(text(&tables), "cell");
        // Ordinary sloppy HTML is not mistaken for hostile.
        let sloppy = "<p>para".repeat(5_000) + &"<li>x<br>".repeat(5_000);
        assert!(!too_costly(&sloppy));
    }

    #[test]
    fn the_deepest_accepted_document_fits_a_small_stack() {
        let html = format!(
            "{}<table><tr><td>{}deep",
            "<div>".repeat(MAX_DEPTH - 2 * MAX_TABLE_DEPTH - 1),
            "<table><tr><td><b>".repeat(MAX_TABLE_DEPTH - 1)
        );
        assert!(!too_costly(&html));
        let out = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || text(&html))
            .expect("thread starts")
            .join()
            .expect("no stack overflow");
        assert!(out.contains("deep"), "{out}");
    }

    #[test]
    fn a_layout_table_reads_cell_by_cell_and_a_data_table_keeps_its_rows() {
        // Reddit's per-post table: thumbnail left, body right.
        let reddit = r#"<table> <tr><td> <a href="https://www.reddit.com/r/rust/comments/abc/title/"> <img src="https://b.thumbs.redditmedia.com/x.jpg" alt="Title" title="Title" /> </a> </td><td> &#32; submitted by &#32; <a href="https://www.reddit.com/user/someone"> /u/someone </a> &#32; to &#32; <a href="https://www.reddit.com/r/rust/"> r/rust </a> <br/> <span><a href="https://example.com/a/very/long/article/path">[link]</a></span> &#32; <span><a href="https://www.reddit.com/r/rust/comments/abc/title/">[comments]</a></span> </td></tr></table>"#;
        let t = text(reddit);
        assert!(
            t.starts_with("[image: Title] [1]\nsubmitted by /u/someone [2] to r/rust [3]\n[link][4] [comments][5]\n"),
            "{t}"
        );
        assert!(
            t.lines().all(|l| !l.starts_with("  ")),
            "no indentation: {t}"
        );
        assert!(
            t.contains("\n[4]: https://example.com/a/very/long/article/path\n"),
            "{t}"
        );
        let data =
            "<table><tr><th>Team</th><th>Score</th></tr><tr><td>Reds</td><td>3</td></tr></table>";
        let t = text(data);
        assert_eq!(t.lines().count(), 2, "{t}");
        assert!(t.starts_with("Team") && t.contains("Score"), "{t}");
    }

    #[test]
    fn a_thematic_break_stays_visible() {
        assert_eq!(
            text("<p>a</p><hr><p>b</p><HR class=x/><p>c</p>"),
            format!("a\n\n{RULE}\n\nb\n\n{RULE}\n\nc")
        );
        // Not a rule: a tag that only starts like one.
        assert_eq!(text("<p>a<hro>b</hro></p>"), "ab");
    }

    #[test]
    fn empty_and_plain_inputs() {
        assert_eq!(text(""), "");
        assert_eq!(text("   \n "), "");
        assert_eq!(text("just text"), "just text");
    }
}
