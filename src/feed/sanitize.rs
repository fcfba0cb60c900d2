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
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if !tag.starts_with('/') && matches!(name.as_str(), "script" | "style") {
            let close = format!("</{name}");
            rest = find_ascii_ci(rest, &close)
                .and_then(|i| rest[i..].find('>').map(|g| &rest[i + g + 1..]))
                .unwrap_or("");
            continue;
        }
        if !is_inline_tag(&name) {
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
            out.push_str(&decoded);
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
            Some((c, used)) if c.chars().all(|c| c < '\u{20}' || c == '\u{7f}') => {
                out.push_str(&c);
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
fn decode_one(after: &str) -> Option<(String, usize)> {
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
        return Some((c.to_string(), skip + len + semi));
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
fn named_entity(name: &str) -> Option<String> {
    match html5ever::data::NAMED_ENTITIES.get(name) {
        Some(&(a, b)) if a != 0 => Some(entity_chars(a, b)),
        _ => None,
    }
}

fn entity_chars(a: u32, b: u32) -> String {
    [a, b]
        .into_iter()
        .filter(|&c| c != 0)
        .filter_map(char::from_u32)
        .collect()
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
