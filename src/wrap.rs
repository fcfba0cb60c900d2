//! Text laid out for a terminal, without a terminal: wrapping a line of article text to a width
//! (leads carried, links whole) and making every grapheme cluster as wide for the layout as
//! terminals draw it. Pure, so the core wraps the article once and the view draws it as is.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Text whose every grapheme cluster is as wide for the layout as terminals draw it.
///
/// ratatui gives a cluster the width `unicode-width` computes for the whole cluster; many
/// terminals (tmux 3.3, most of those without grapheme support) draw it code point by code
/// point instead. Where the two disagree — emoji ZWJ sequences, flags, emoji with a
/// presentation selector or a skin tone, some Indic clusters — the screen and the layout drift
/// apart and stale glyphs stay behind. Such a cluster is simplified to what every terminal
/// draws alike: joiners, variation selectors and skin-tone modifiers go (👩‍💻 becomes 👩💻), a
/// flag becomes its two letters (🇬🇧 becomes GB), and whatever still disagrees is drawn one
/// code point per cluster, zero-width marks dropped.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || s.graphemes(true).all(agrees) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for g in s.graphemes(true) {
        if agrees(g) {
            out.push_str(g);
            continue;
        }
        let simpler: String = g.chars().filter_map(simplify).collect();
        for h in simpler.graphemes(true) {
            if agrees(h) {
                out.push_str(h);
            } else {
                out.extend(h.chars().filter(|c| c.width().unwrap_or(0) > 0));
            }
        }
    }
    Cow::Owned(out)
}

/// Whether a cluster's layout width (ratatui's) is the sum of its code points' widths (what
/// a terminal without grapheme support draws), and each code point agrees too.
fn agrees(g: &str) -> bool {
    if g.len() == 1 {
        return true;
    }
    let per_char: usize = g.chars().map(|c| c.width().unwrap_or(0)).sum();
    let mut chars = g.chars();
    let single = chars.next().is_some() && chars.next().is_none();
    g.width() == per_char && (single || g.chars().all(|c| !is_emoji_modifier(c)))
}

fn is_emoji_modifier(c: char) -> bool {
    matches!(c, '\u{200d}' | '\u{fe0e}' | '\u{fe0f}' | '\u{1f3fb}'..='\u{1f3ff}' | '\u{1f1e6}'..='\u{1f1ff}')
}

fn simplify(c: char) -> Option<char> {
    match c {
        '\u{200d}' | '\u{fe0e}' | '\u{fe0f}' | '\u{1f3fb}'..='\u{1f3ff}' => None,
        // Regional indicators A-Z.
        '\u{1f1e6}'..='\u{1f1ff}' => char::from_u32(u32::from(c) - 0x1f1e6 + u32::from(b'A')),
        c => Some(c),
    }
}

/// Wraps one line of article text to `width` columns, as a reader expects of plain text:
///
/// - a line's lead — indentation, `> ` quote marks, a `• ` or `12. ` list marker — is carried
///   onto its continuation lines: quote marks repeated, a marker's width as indentation, so a
///   wrapped item hangs under its text and a quote stays quoted;
/// - a URL is never broken while it fits the width: it moves to a line of its own (after the
///   lead if it fits there, else at the left edge), so that terminals still see one link. Only
///   a URL wider than the whole pane is cut, at the edge;
/// - other words longer than a line are cut at the edge.
///
/// `line` must be one line of [`terminal_safe`] text.
#[must_use]
pub fn wrap_line(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    if line.width() <= width {
        return vec![line.to_owned()];
    }
    let (mut lead, mut rest) = split_lead(line);
    let mut hang: String = lead
        .chars()
        .map(|c| if matches!(c, ' ' | '>') { c } else { ' ' })
        .collect();
    // A lead that eats most of the line is not worth keeping on every continuation.
    if hang.width() > width / 2 {
        hang.clear();
        (lead, rest) = ("", line);
    }
    let hang_w = hang.width();
    let mut out: Vec<String> = Vec::new();
    let mut cur = lead.to_owned();
    let mut cur_w = cur.width();
    // Whether `cur` holds any word yet (a lead alone does not count).
    let mut has_word = false;
    for word in rest.split(' ') {
        let w = word.width();
        let sep = usize::from(has_word);
        if cur_w + sep + w <= width {
            if has_word {
                cur.push(' ');
            }
            cur.push_str(word);
            cur_w += sep + w;
            has_word = true;
            continue;
        }
        if has_word {
            out.push(std::mem::replace(&mut cur, hang.clone()));
            cur_w = hang_w;
            has_word = false;
        }
        if cur_w + w <= width {
            cur.push_str(word);
            cur_w += w;
            has_word = true;
            continue;
        }
        let is_url = word.starts_with("https://") || word.starts_with("http://");
        if is_url && w <= width {
            // Whole, at the edge. A lead with a list marker keeps its own line; bare
            // indentation or quote marks are not worth one.
            if !cur.trim_matches([' ', '>']).is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push(word.to_owned());
            cur.clone_from(&hang);
            cur_w = hang_w;
            continue;
        }
        // Longer than any line: cut at the edge, each piece after the lead.
        for g in word.graphemes(true) {
            let gw = g.width();
            if cur_w + gw > width && cur_w > 0 {
                out.push(std::mem::replace(&mut cur, hang.clone()));
                cur_w = hang_w;
                if cur_w + gw > width {
                    cur.clear();
                    cur_w = 0;
                }
            }
            cur.push_str(g);
            cur_w += gw;
        }
        has_word = true;
    }
    if has_word || out.is_empty() {
        out.push(cur);
    }
    out
}

/// A line's lead: indentation, quote marks and a list marker, then the rest.
fn split_lead(line: &str) -> (&str, &str) {
    let b = line.as_bytes();
    let mut i = 0;
    while b.get(i) == Some(&b' ')
        || (b.get(i) == Some(&b'>') && matches!(b.get(i + 1), Some(b' ') | None))
    {
        i += 1;
    }
    let rest = &line[i..];
    if let Some(after) = rest.strip_prefix("• ") {
        let end = line.len() - after.len();
        return (&line[..end], after);
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=4).contains(&digits) && rest[digits..].starts_with(". ") {
        let end = i + digits + 2;
        return (&line[..end], &line[end..]);
    }
    (&line[..i], rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_terminals_disagree_on_are_simplified() {
        assert_eq!(terminal_safe("dev 👩\u{200d}💻 ok"), "dev 👩💻 ok");
        assert_eq!(terminal_safe("🇬🇧 and 🇮🇳"), "GB and IN");
        assert_eq!(terminal_safe("I ❤\u{fe0f} it 👍🏽"), "I ❤ it 👍");
        // What every terminal draws alike stays as it is.
        for s in ["नमस्ते दुनिया", "東京 한국어", "café e\u{301}", "plain", "🎉"]
        {
            assert_eq!(terminal_safe(s), s);
        }
        // Afterwards every cluster is as wide as its code points, the way terminals count.
        let mixed =
            "👨\u{200d}👩\u{200d}👧\u{200d}👦 🏳\u{fe0f}\u{200d}🌈 1\u{fe0f}\u{20e3} 🇺🇳 क्\u{200d}ष";
        for g in terminal_safe(mixed).graphemes(true) {
            let per_char: usize = g.chars().map(|c| c.width().unwrap_or(0)).sum();
            assert_eq!(g.width(), per_char, "{g:?}");
        }
    }

    fn wrap(s: &str, w: usize) -> Vec<String> {
        wrap_line(s, w)
    }

    #[test]
    fn wrapped_quotes_and_list_items_keep_their_lead() {
        assert_eq!(
            wrap("> one two three four five", 12),
            ["> one two", "> three four", "> five"]
        );
        assert_eq!(
            wrap("• apples and pears and plums", 14),
            ["• apples and", "  pears and", "  plums"]
        );
        assert_eq!(
            wrap("> 12. first second third", 14),
            ["> 12. first", ">     second", ">     third"]
        );
        assert_eq!(
            wrap("    • nested item text", 16),
            ["    • nested", "      item text"]
        );
        assert_eq!(wrap("short", 40), ["short"]);
    }

    #[test]
    fn links_are_never_broken_while_they_fit() {
        let url = "https://example.com/a/very/long/path/to/an/article.html";
        let w = url.len() + 2;
        let line = format!("[12]: {url}");
        assert_eq!(wrap(&line, w), ["[12]:".to_owned(), url.to_owned()]);
        let quoted = format!("> see {url} now");
        assert_eq!(
            wrap(&quoted, url.len() + 1),
            ["> see".to_owned(), url.to_owned(), "> now".to_owned()]
        );
        // After the lead when it fits there.
        assert_eq!(
            wrap(&format!("> {url}"), url.len() + 2),
            [format!("> {url}")]
        );
        // Wider than the pane: cut at the edge, nothing lost.
        let cut = wrap(url, 20);
        assert!(cut.iter().all(|l| l.width() <= 20), "{cut:?}");
        assert_eq!(cut.concat(), url);
        // Every line fits, whatever the width.
        for w in 1..30 {
            for l in wrap(&format!("> • {url} and 東京 words"), w) {
                assert!(l.width() <= w.max(2), "{w}: {l:?}");
            }
        }
    }
}
