//! The one gate for untrusted text: every string that came from a feed, a page or GitHub passes
//! here before it can reach the terminal, a log, the clipboard or the browser.
//!
//! [`clean`] makes text inert for a terminal; [`clean_line`] also folds it onto one line;
//! [`safe_url`] admits only http(s) links. It depends on nothing of newsroom's, so every edge
//! (feeds, pages, GitHub, the view's last pass) can use it without a cycle.

/// Makes untrusted text inert for a terminal.
///
/// Removed: C0 controls except `\n` (a tab becomes spaces, `\r` and U+2028/9 become `\n`), DEL,
/// C1 controls, whole ESC sequences (CSI, OSC — including OSC 8 hyperlinks and OSC 52
/// clipboard writes — DCS, APC, PM, SOS and two-byte escapes), bidi overrides and isolates, and
/// invisible format characters that can make text read differently from what it is.
///
/// In feeds C1 controls come from mis-decoding far more often than from attacks (a `”` read
/// as windows-1252 and re-encoded is `â€` + U+009D, the OSC introducer), so a C1 string
/// introducer (OSC, DCS, SOS, PM, APC) takes its sequence with it only when a BEL or ST ends
/// it on the same line, before any other introducer; otherwise the control goes alone and
/// the text after it stays (it is plain text once the control is gone). Likewise an ESC string
/// sequence that is never terminated loses only its introducer, so one stray `ESC ]` cannot
/// hide the rest of an article.
#[must_use]
pub fn clean(s: &str) -> String {
    clean_with(s, &LOOK)
}

/// [`clean`], looking at each character whose first byte `look` marks and copying the rest.
fn clean_with(s: &str, look: &[bool; 256]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    // Set once a search for a string terminator has failed: none lies further on either, so
    // later searches are skipped and the scan stays linear.
    let mut no_terminator = false;
    loop {
        // Runs of ordinary text are copied whole: only a few bytes can begin a character that
        // is dropped or changed (see `LOOK`), and this runs over every body of every refresh.
        let plain = rest
            .bytes()
            .position(|b| look[usize::from(b)])
            .unwrap_or(rest.len());
        out.push_str(&rest[..plain]);
        // `plain` is at an ASCII byte or a lead byte: a character boundary.
        let mut chars = rest[plain..].chars();
        let Some(c) = chars.next() else { break };
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            '\r' => {
                // CRLF is one break; a lone CR would let text overwrite its own line.
                if peek(&chars) != Some('\n') {
                    out.push('\n');
                }
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\u{1b}' => skip_escape(&mut chars, &mut no_terminator),
            '\u{9b}' => skip_csi(&mut chars),
            c if is_c1_string(c) => skip_c1_string(&mut chars),
            c if is_invisible(c) => {}
            c => out.push(c),
        }
        rest = chars.as_str();
    }
    out
}

/// The bytes at which [`clean`] looks at the character: C0 controls (all but `\n`, which is
/// kept as it is), DEL, and the lead bytes of every removed or replaced character above ASCII
/// (U+0080-U+00BF, U+061C, U+180E, U+2000-U+2FFF, U+F000-U+FFFF, U+E0000-U+E007F). Any other
/// byte is copied as it is.
const LOOK: [bool; 256] = {
    let mut look = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        look[b] = b != b'\n' as usize;
        b += 1;
    }
    look[0x7f] = true;
    look[0xc2] = true;
    look[0xd8] = true;
    look[0xe1] = true;
    look[0xe2] = true;
    look[0xef] = true;
    look[0xf3] = true;
    look
};

/// Collapses untrusted text onto one clean line (titles, names, status text): every run of
/// whitespace, line breaks included, becomes one space; ends are trimmed.
#[must_use]
pub fn clean_line(s: &str) -> String {
    let cleaned = clean(s);
    let mut out = String::with_capacity(cleaned.len());
    for word in cleaned.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A URL that may be opened or shown: only absolute http and https URLs, at most
/// [`MAX_URL_LEN`] bytes. Escape sequences are removed first (not percent-encoded into the
/// link); the result is the parsed URL re-serialized, which is pure ASCII (international
/// hosts in punycode, everything else percent-encoded), so it is terminal-safe.
#[must_use]
pub fn safe_url(s: &str) -> Option<String> {
    safe_url_from(s, None)
}

/// The longest link we keep; real article URLs are far shorter, and a longer one is noise.
pub const MAX_URL_LEN: usize = 8192;

/// Resolves a possibly relative link against `base` (which must already be a safe URL), then
/// applies the [`safe_url`] rules.
pub(crate) fn safe_url_from(s: &str, base: Option<&str>) -> Option<String> {
    if s.len() > MAX_URL_LEN * 2 {
        return None;
    }
    let cleaned = clean(s);
    let s = cleaned.trim();
    if s.is_empty() {
        return None;
    }
    match url::Url::parse(s) {
        Ok(u) => web_url(u),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let base = url::Url::parse(base?).ok()?;
            web_url(base.join(s).ok()?)
        }
        Err(_) => None,
    }
}

fn web_url(u: url::Url) -> Option<String> {
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return None;
    }
    let s = String::from(u);
    (s.len() <= MAX_URL_LEN).then_some(s)
}

/// Characters that render as nothing but change how the text around them reads: bidi
/// embeddings, overrides, isolates and marks (the "Trojan Source" set), zero-width spaces and
/// joiners that are not needed by any script, the BOM, interlinear annotations and tag
/// characters (used to smuggle invisible text). ZWJ and ZWNJ stay: emoji and several scripts
/// need them, and they cannot reorder text.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{8}'
            | '\u{b}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{061c}'
            | '\u{180e}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{206a}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

type Chars<'a> = std::str::Chars<'a>;

fn peek(chars: &Chars<'_>) -> Option<char> {
    chars.clone().next()
}

/// The next character, taken only if `keep` says so.
fn next_if(chars: &mut Chars<'_>, keep: impl Fn(char) -> bool) -> Option<char> {
    let c = peek(chars).filter(|&c| keep(c))?;
    chars.next();
    Some(c)
}

/// After an ESC: consumes the rest of the sequence it introduces.
fn skip_escape(chars: &mut Chars<'_>, no_terminator: &mut bool) {
    match peek(chars) {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars, no_terminator);
        }
        // nF escapes: intermediates (space to '/') then one final byte, e.g. `ESC ( B`.
        Some('\u{20}'..='\u{2f}') => {
            while next_if(chars, |c| matches!(c, '\u{20}'..='\u{2f}')).is_some() {}
            next_if(chars, |c| matches!(c, '\u{30}'..='\u{7e}'));
        }
        // Two-byte escapes such as `ESC c` (reset) or `ESC 7` (save cursor).
        Some('\u{30}'..='\u{7e}') => {
            chars.next();
        }
        _ => {}
    }
}

/// A control sequence: parameter and intermediate bytes up to one final byte. Stops early
/// (keeping the character) at anything that cannot be part of the sequence, so a stray
/// `ESC [` cannot swallow the words after it.
fn skip_csi(chars: &mut Chars<'_>) {
    while let Some(c) = peek(chars) {
        match c {
            '\u{20}'..='\u{3f}' => {
                chars.next();
            }
            '\u{40}'..='\u{7e}' => {
                chars.next();
                return;
            }
            _ => return,
        }
    }
}

fn is_c1_string(c: char) -> bool {
    matches!(c, '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}')
}

/// After a C1 string introducer: consumes the sequence if BEL or ST (U+009C or `ESC \`) ends
/// it before a line break or another introducer. (Windows-1252, which is what mis-decoded
/// text has been read as, maps no byte to U+009C.) Each character is looked at by one search
/// only, so this is linear.
fn skip_c1_string(chars: &mut Chars<'_>) {
    let mut ahead = chars.clone();
    while let Some(c) = ahead.next() {
        match c {
            '\u{7}' | '\u{9c}' => {
                *chars = ahead;
                return;
            }
            '\u{1b}' if peek(&ahead) == Some('\\') => {
                ahead.next();
                *chars = ahead;
                return;
            }
            '\n' | '\r' => return,
            c if is_c1_string(c) => return,
            _ => {}
        }
    }
}

/// A string sequence (OSC, DCS, SOS, PM, APC): everything up to BEL or ST (`ESC \\` or U+009C).
/// Without a terminator nothing is consumed: the introducer alone is dropped.
fn skip_string(chars: &mut Chars<'_>, no_terminator: &mut bool) {
    if *no_terminator {
        return;
    }
    let mut ahead = chars.clone();
    while let Some(c) = ahead.next() {
        match c {
            '\u{7}' | '\u{9c}' => {
                *chars = ahead;
                return;
            }
            '\u{1b}' if peek(&ahead) == Some('\\') => {
                ahead.next();
                *chars = ahead;
                return;
            }
            _ => {}
        }
    }
    *no_terminator = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Copying runs of plain text whole changes nothing: the result is the same as looking
        /// at every character, for any mix of text, controls and escape sequences.
        #[test]
        fn copying_plain_runs_whole_is_the_same_as_looking_at_every_character(
            s in "([a-z \\n\\r\\t\\[\\]\\\\P^_0-9;]|\\x1b|\\x07|[\\u{80}-\\u{a0}]|[\\u{2000}-\\u{2070}]|\\u{61c}|\\u{180e}|\\u{feff}|\\u{fffa}|\\u{e0041}|é|日|🎉){0,60}"
        ) {
            proptest::prop_assert_eq!(clean(&s), clean_with(&s, &[true; 256]));
        }
    }

    #[test]
    fn keeps_ordinary_text_and_newlines() {
        assert_eq!(
            clean("Hello, wörld 日本 🎉\nnext"),
            "Hello, wörld 日本 🎉\nnext"
        );
        assert_eq!(clean("a\tb\r\nc\rd"), "a    b\nc\nd");
    }

    #[test]
    fn removes_whole_escape_sequences() {
        assert_eq!(clean("red\x1b[31;1mtext\x1b[0m!"), "redtext!");
        assert_eq!(clean("a\x1b]0;evil title\x07b"), "ab");
        assert_eq!(clean("a\x1b]52;c;ZXZpbA==\x1b\\b"), "ab");
        assert_eq!(
            clean("\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"),
            "click"
        );
        assert_eq!(clean("x\x1bP1$qm\x1b\\y"), "xy");
        assert_eq!(clean("x\x1b_apc\x1b\\y\x1b^pm\x07z"), "xyz");
        assert_eq!(clean("x\x1b(By\x1bcz\x1b7w"), "xyzw");
        // A C1 sequence ended by BEL goes whole; without an end only the control goes.
        assert_eq!(clean("x\u{9b}2Jy\u{9d}0;t\u{7}z"), "xyz");
        assert_eq!(clean("x\u{9d}0;t\u{9c}z"), "xz");
        assert_eq!(clean("x\u{9d}0;t"), "x0;t");
        assert_eq!(clean("a\u{9d}b\u{9d}c\u{7}d"), "abd");
        assert_eq!(clean("a\u{9d}b\nc\u{7}d"), "ab\ncd");
        // A CSI cut short by an ordinary word keeps the word.
        assert_eq!(clean("\x1b[\u{e9}t\u{e9}"), "\u{e9}t\u{e9}");
        // An OSC that never ends loses its introducer, not the text after it.
        assert_eq!(clean("ok\x1b]0;no end"), "ok0;no end");
        assert_eq!(clean("a\x1b]x\x1b]y\x07z"), "az");
        assert_eq!(clean("trailing\x1b"), "trailing");
    }

    #[test]
    fn removes_controls_bidi_and_invisibles() {
        assert_eq!(clean("a\x00b\x07c\x08d\x7fe\u{85}f\u{80}g"), "abcdefg");
        assert_eq!(clean("abc\u{202e}fed\u{202c}"), "abcfed");
        assert_eq!(clean("\u{2066}x\u{2069}\u{200e}\u{200f}\u{61c}y"), "xy");
        assert_eq!(clean("zero\u{200b}width\u{feff}"), "zerowidth");
        assert_eq!(clean("tag\u{e0041}\u{e0042}"), "tag");
        // Joiners are kept: emoji sequences need them.
        assert_eq!(clean("👩\u{200d}💻"), "👩\u{200d}💻");
    }

    #[test]
    fn every_control_goes_alone_and_the_text_after_it_stays() {
        // A double-encoded `”` (UTF-8 E2 80 9D read as windows-1252): `â€` + U+009D.
        let mojibake =
            "He said \u{e2}\u{20ac}\u{153}no\u{e2}\u{20ac}\u{9d} and left. The rest stays.";
        assert_eq!(clean(mojibake), mojibake.replace('\u{9d}', ""));
        assert_eq!(
            clean_line("Title \u{e2}\u{20ac}\u{9d} rest of the title"),
            "Title \u{e2}\u{20ac} rest of the title"
        );
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            // A line break after it: ESC takes the next character with it (`ESC c` is one sequence).
            let cleaned = clean(&format!("before{c}\nafter the control"));
            assert!(
                cleaned.starts_with("before") && cleaned.ends_with("after the control"),
                "U+{:04X}: {cleaned:?}",
                u32::from(c)
            );
            assert!(
                !cleaned.chars().any(|c| c.is_control() && c != '\n'),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn clean_line_folds_whitespace() {
        assert_eq!(
            clean_line("  one\n two\t\tthree \u{2028} "),
            "one two three"
        );
        assert_eq!(clean_line("\x1b[2Jtitle"), "title");
    }

    #[test]
    fn safe_url_admits_only_web_links() {
        assert_eq!(
            safe_url(" https://example.com/a b ").as_deref(),
            Some("https://example.com/a%20b")
        );
        assert_eq!(
            safe_url("http://bücher.example/").as_deref(),
            Some("http://xn--bcher-kva.example/")
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "/relative",
            "mailto:a@b",
            "",
        ] {
            assert_eq!(safe_url(bad), None, "{bad}");
        }
        assert_eq!(
            safe_url("https://example.com/\u{202e}gpj.exe\x1b[31m").as_deref(),
            Some("https://example.com/gpj.exe")
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(safe_url(&long), None);
    }

    #[test]
    fn relative_links_resolve_against_a_base() {
        let base = Some("https://github.com/gulpjs/gulp/releases");
        assert_eq!(
            safe_url_from("/gulpjs/gulp/releases/tag/v3.9.0", base).as_deref(),
            Some("https://github.com/gulpjs/gulp/releases/tag/v3.9.0")
        );
        assert_eq!(safe_url_from("/x", None), None);
        assert_eq!(safe_url_from("javascript:alert(1)", base), None);
    }
}
