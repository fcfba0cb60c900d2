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
        html2text::config::with_decorator(Decorator {
            base: base.map(str::to_owned),
        })
        .link_footnotes(true)
        .no_table_borders()
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), WIDTH)
        .ok()
    };
    let text = rendered.unwrap_or_else(|| decode_entities(&strip_tags(html, '\n')));
    tidy(&clean(&text))
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

/// Whether html5ever would take too long on this document: a rough tag scan for deep nesting
/// or a tag with very many attributes. Elements whose end tag is optional or absent (`<p>`,
/// `<li>`, `<br>`, ...) do not count, since the parser closes them itself.
fn too_costly(html: &str) -> bool {
    let mut depth = 0usize;
    let mut tables = 0usize;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if let Some(body) = rest.strip_prefix("!--") {
            rest = body.find("-->").map_or("", |e| &body[e + 3..]);
            continue;
        }
        let closing = rest.starts_with('/');
        let name_src = rest.trim_start_matches('/');
        let name_len = name_src
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
            .count();
        if name_len == 0 || !name_src.as_bytes()[0].is_ascii_alphabetic() {
            continue;
        }
        let name = name_src[..name_len].to_ascii_lowercase();
        let (tag, after) = split_tag(&name_src[name_len..]);
        rest = after;
        if closing {
            depth = depth.saturating_sub(1);
            if name == "table" {
                tables = tables.saturating_sub(1);
            }
            continue;
        }
        if name == "table" {
            tables += 1;
            if tables > MAX_TABLE_DEPTH {
                return true;
            }
        }
        if count_attrs(tag) > MAX_ATTRS {
            return true;
        }
        if matches!(
            name.as_str(),
            "script" | "style" | "textarea" | "title" | "xmp"
        ) {
            let close = format!("</{name}");
            rest = find_ascii_ci(rest, &close).map_or("", |i| &rest[i..]);
            continue;
        }
        if !tag.ends_with('/') && !self_closing(&name) {
            depth += 1;
            if depth > MAX_DEPTH {
                return true;
            }
        }
    }
    false
}

/// Splits a tag's remainder at its closing `>` (quotes respected): (attributes, rest).
fn split_tag(s: &str) -> (&str, &str) {
    let mut quote = None;
    for (i, b) in s.bytes().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return (&s[..i], &s[i + 1..]),
            _ => {}
        }
    }
    (s, "")
}

/// Roughly how many attributes a tag holds: words that start outside quotes.
fn count_attrs(tag: &str) -> usize {
    let mut count = 0;
    let mut quote = None;
    let mut prev_space = true;
    for b in tag.bytes() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, _) if b.is_ascii_whitespace() => prev_space = true,
            (None, b'=') => prev_space = false,
            (None, _) => {
                if prev_space {
                    count += 1;
                }
                prev_space = false;
            }
            _ => {}
        }
    }
    count
}

/// Void elements, and elements whose end tag the parser supplies when the next one starts.
fn self_closing(name: &str) -> bool {
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
        (format!("[image: {}]", alt.trim()), ())
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
        assert_eq!(t, "a[image: A cat]\n\nb");
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
    fn empty_and_plain_inputs() {
        assert_eq!(text(""), "");
        assert_eq!(text("   \n "), "");
        assert_eq!(text("just text"), "just text");
    }
}
