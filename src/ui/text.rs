//! Text that fits: truncation and padding by display width, so CJK and emoji keep columns
//! aligned, and a last sanitizing pass over anything drawn from stored data.

use chrono::{DateTime, Utc};
use unicode_width::UnicodeWidthChar;

use crate::gate as sanitize;
pub use crate::wrap::{terminal_safe, wrap_line};

/// Cleans `s` onto one line and fits it in exactly `width` columns: cut with "…" if too wide,
/// padded with spaces if short.
#[must_use]
pub fn fit(s: &str, width: usize) -> String {
    let clean = sanitize::clean_line(s);
    let clean = terminal_safe(&clean);
    let mut out = String::with_capacity(width);
    let mut used = 0;
    let total: usize = clean.chars().map(|c| c.width().unwrap_or(0)).sum();
    let budget = if total > width {
        width.saturating_sub(1)
    } else {
        width
    };
    for c in clean.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > budget {
            break;
        }
        out.push(c);
        used += w;
    }
    if total > width && width > 0 {
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// A short age: "now", "5m", "3h", "2d", "4w", "1y".
#[must_use]
pub fn age(then: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(then) = then else {
        return String::new();
    };
    let secs = (now - then).num_seconds();
    if secs <= -60 {
        // In the future (a feed dated ahead, or a clock behind): said as such.
        let ahead = age(Some(now - (then - now)), now);
        return format!("in {ahead}");
    }
    match secs {
        i64::MIN..60 => "now".into(),
        60..3_600 => format!("{}m", secs / 60),
        3_600..86_400 => format!("{}h", secs / 3_600),
        86_400..604_800 => format!("{}d", secs / 86_400),
        604_800..31_536_000 => format!("{}w", secs / 604_800),
        _ => format!("{}y", secs / 31_536_000),
    }
}

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

#[must_use]
pub(crate) fn spinner(frame: u64) -> char {
    SPINNER[usize::try_from(frame % 10).unwrap_or(0)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn fit_keeps_display_width_exact_with_wide_chars() {
        for s in [
            "東京で地震が発生しました",
            "🎉 party 🎉 time",
            "plain ascii title",
            "a\u{1b}[31mred",
        ] {
            for w in [0, 1, 5, 10, 17] {
                let f = fit(s, w);
                assert_eq!(f.width(), w, "{s:?} at {w}: {f:?}");
            }
        }
        assert_eq!(fit("東京東京", 5), "東京…");
        assert!(!fit("a\u{1b}[31mred", 10).contains('\u{1b}'));
    }

    #[test]
    fn ages() {
        let now = DateTime::parse_from_rfc3339("2026-01-02T12:00:00Z")
            .unwrap()
            .to_utc();
        let h = |s: i64| Some(now - chrono::Duration::seconds(s));
        assert_eq!(age(h(30), now), "now");
        assert_eq!(age(h(3 * 3600 + 5), now), "3h");
        assert_eq!(age(h(2 * 86_400), now), "2d");
        assert_eq!(age(None, now), "");
        assert_eq!(age(h(-3 * 3600 - 5), now), "in 3h");
        assert_eq!(age(h(-30), now), "now");
    }
}
