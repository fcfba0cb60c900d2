//! Small HTML fragments (titles, names, authors) as one clean line: tags dropped, entities
//! decoded, then through the terminal-safety gate ([`crate::gate`]). The gate's own functions are
//! re-exported here for the feed code's convenience.

pub use super::html::html_to_text;
pub(crate) use crate::gate::safe_url_from;
pub use crate::gate::{MAX_URL_LEN, clean, clean_line, safe_url};

/// Caps a string at `max` characters, marking the cut with an ellipsis.
pub(crate) fn truncate_chars(mut s: String, max: usize) -> String {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
        s.push('…');
    }
    s
}

/// Caps a string at about `max` bytes, on a character boundary.
pub(crate) fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A small HTML fragment (a title, a name) as one clean line: tags dropped, entities decoded.
/// Titles are short and common, so this is a plain scan rather than a full HTML parse.
pub(crate) fn html_line(s: &str) -> String {
    if !s.contains(['<', '&']) {
        return clean_line(s);
    }
    clean_line(&decode_entities(&strip_tags(s, ' ')))
}

/// Plain text that may still hold entity references an XML parser left alone (`&nbsp;` is not
/// XML): decoded and folded onto one clean line.
pub(crate) fn text_line(s: &str) -> String {
    if !s.contains('&') {
        return clean_line(s);
    }
    clean_line(&decode_entities(s))
}

/// Removes markup from an HTML fragment, keeping text. Block-level tags become `block_sep` so
/// that words on either side do not run together; `<script>`/`<style>` lose their content too.
pub(crate) fn strip_tags(s: &str, block_sep: char) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !starts_tag {
            out.push('<');
            rest = after;
            continue;
        }
        if let Some(body) = after.strip_prefix("!--") {
            rest = body.find("-->").map_or("", |e| &body[e + 3..]);
            continue;
        }
        let Some(gt) = after.find('>') else {
            // An unclosed tag at the end: drop it.
            rest = "";
            break;
        };
        let tag = &after[..gt];
        rest = &after[gt + 1..];
        // The name lowercased in place on the stack: this runs for every tag of every body.
        let mut buf = [0u8; 16];
        let raw = tag.trim_start_matches('/').as_bytes();
        let len = raw.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        let name = if len <= buf.len() {
            buf[..len].copy_from_slice(&raw[..len]);
            buf[..len].make_ascii_lowercase();
            std::str::from_utf8(&buf[..len]).unwrap_or("")
        } else {
            // Longer than any tag that matters here: neither inline nor script.
            "-"
        };
        if !tag.starts_with('/') && matches!(name, "script" | "style") {
            let close = format!("</{name}");
            rest = find_ascii_ci(rest, &close)
                .and_then(|i| rest[i..].find('>').map(|g| &rest[i + g + 1..]))
                .unwrap_or("");
            continue;
        }
        if !is_inline_tag(name) {
            out.push(block_sep);
        }
    }
    out.push_str(rest);
    out
}

fn is_inline_tag(name: &str) -> bool {
    matches!(
        name,
        "a" | "abbr"
            | "b"
            | "bdi"
            | "bdo"
            | "cite"
            | "code"
            | "data"
            | "dfn"
            | "em"
            | "font"
            | "i"
            | "kbd"
            | "mark"
            | "q"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strike"
            | "strong"
            | "sub"
            | "sup"
            | "time"
            | "tt"
            | "u"
            | "var"
            | "wbr"
    )
}

pub(crate) fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Decodes HTML character references: the full HTML5 named set (from `html5ever`, the table
/// the HTML parser itself uses), decimal and hex. Anything unknown is left as written.
pub(crate) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        if let Some((decoded, used)) = decode_one(after) {
            out.push_str(decoded.as_str());
            rest = &after[used..];
        } else {
            out.push('&');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Decodes only numeric references to C0 controls and DEL (`&#27;`), so that [`clean`] sees an
/// escape sequence written that way whole, before an HTML parser drops the ESC and leaves the
/// rest of the sequence as visible text.
pub(crate) fn decode_control_refs(s: &str) -> String {
    if !s.contains("&#") {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match decode_one(after) {
            Some((c, used)) if c.as_str().chars().all(|c| c < '\u{20}' || c == '\u{7f}') => {
                out.push_str(c.as_str());
                rest = &after[used..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One reference after its `&`: the text it stands for and how many bytes it used.
fn decode_one(after: &str) -> Option<(Decoded, usize)> {
    if let Some(num) = after.strip_prefix('#') {
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (num, 10, 1),
        };
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if len == 0 || len > 8 {
            return None;
        }
        let code = u32::from_str_radix(&digits[..len], radix).ok()?;
        let c = match code {
            0 => '\u{fffd}',
            // Windows-1252 code points written as references: what the author meant.
            0x80..=0x9f => cp1252_c1(code).unwrap_or('\u{fffd}'),
            _ => char::from_u32(code).unwrap_or('\u{fffd}'),
        };
        let semi = usize::from(digits[len..].starts_with(';'));
        return Some((Decoded::from_chars(&[c]), skip + len + semi));
    }
    // Names are ASCII alphanumerics; the longest HTML5 name is 32 bytes.
    let len = after
        .bytes()
        .take(33)
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    if len == 0 {
        return None;
    }
    if after[len..].starts_with(';')
        && let Some(text) = named_entity(&after[..=len])
    {
        return Some((text, len + 1));
    }
    // Legacy references written without `;` (`&amp`, `&copy`): only the exact, known name.
    Some((named_entity(&after[..len])?, len))
}

/// The table also maps every prefix of a name to (0, 0) for the tokenizer's benefit; those are
/// not entities.
fn named_entity(name: &str) -> Option<Decoded> {
    match html5ever::data::NAMED_ENTITIES.get(name) {
        Some(&(a, b)) if a != 0 => {
            let first = char::from_u32(a).unwrap_or('\u{fffd}');
            Some(match char::from_u32(b).filter(|&c| c != '\0') {
                Some(second) => Decoded::from_chars(&[first, second]),
                None => Decoded::from_chars(&[first]),
            })
        }
        _ => None,
    }
}

/// What one reference stands for: one or two characters, kept on the stack (references are
/// decoded in every title and body of every refresh).
struct Decoded {
    buf: [u8; 8],
    len: usize,
}

impl Decoded {
    fn from_chars(chars: &[char]) -> Self {
        let mut d = Decoded {
            buf: [0; 8],
            len: 0,
        };
        for c in chars.iter().take(2) {
            d.len += c.encode_utf8(&mut d.buf[d.len..]).len();
        }
        d
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

fn cp1252_c1(code: u32) -> Option<char> {
    let byte = u8::try_from(code).ok()?;
    let bytes = [byte];
    let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
    s.chars()
        .next()
        .filter(|c| !('\u{80}'..='\u{9f}').contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_fragments_become_one_line() {
        assert_eq!(
            html_line("<b>Bold</b> &amp; <i>it</i>&nbsp;&#8217;s"),
            "Bold & it \u{2019}s"
        );
        assert_eq!(
            html_line("AT&T &copy 2024 &bogus; &#x1F600;"),
            "AT&T © 2024 &bogus; 😀"
        );
        assert_eq!(html_line("a<script>evil()</script>b<p>c"), "ab c");
        assert_eq!(html_line("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
        assert_eq!(
            html_line("&#150; &#0; &#xD800;"),
            "\u{2013} \u{fffd} \u{fffd}"
        );
        assert_eq!(text_line("x&lt;y&gt;"), "x<y>");
        // Entities cannot smuggle controls past the gate.
        assert_eq!(html_line("a&#27;[31mb&#x9b;c"), "ab\u{203a}c");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate_chars("héllo".into(), 2), "hé…");
        assert_eq!(truncate_chars("hi".into(), 2), "hi");
        assert_eq!(truncate_bytes("héllo", 2), "h");
    }
}
