//! The opened article, wrapped to the pane's width once — when it arrives and when the
//! terminal is resized — so that a frame only copies the visible lines.

use super::state::FullTextView;
use crate::gate::clean_line;
use crate::model::Article;

/// What a line of the article is, for its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Title,
    /// Publication, date and author.
    Meta,
    Link,
    Body,
    /// Where the feed gave no text: the view says so, naming the key that opens the page.
    Hint,
    /// Where the shown text comes from (full text loading, shown, or why it failed): worded
    /// by the view.
    FullText,
    /// Why there is no full text.
    Error,
    /// An enclosure: its type and size (the URL follows as a `Link` line).
    Enclosure,
}

/// Where and when the article is read: its date is shown in `zone`, and said to be in the
/// future when it is after `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub zone: crate::timefmt::TimeZone,
    pub now: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleView {
    pub article: Article,
    /// The body as readable text (already sanitized), unwrapped.
    pub text: String,
    pub scroll: u16,
    /// Every line as drawn at `width`.
    pub lines: Vec<(LineKind, String)>,
    /// The width `lines` were wrapped to.
    pub width: u16,
    /// Which text is shown: the feed's, or the story from the article's page.
    pub full: FullTextView,
    /// The zone and time the date is shown for; `None`: UTC, without an age.
    pub clock: Option<Clock>,
}

impl ArticleView {
    #[must_use]
    pub fn new(article: Article, text: String, width: u16) -> Self {
        Self::build(article, text, width, None)
    }

    /// [`Self::new`], the date in the reader's zone and said relative to `clock.now`.
    #[must_use]
    pub fn new_in(article: Article, text: String, width: u16, clock: Clock) -> Self {
        Self::build(article, text, width, Some(clock))
    }

    fn build(article: Article, text: String, width: u16, clock: Option<Clock>) -> Self {
        // A story already extracted is shown at once; a stored failure says why.
        let full = match (&article.full_text, &article.full_text_error) {
            (Some(_), _) => FullTextView::Full,
            (None, Some(why)) => FullTextView::Failed(why.clone()),
            (None, None) => FullTextView::Feed,
        };
        let mut view = Self {
            article,
            text,
            scroll: 0,
            lines: Vec::new(),
            width: 0,
            full,
            clock,
        };
        view.wrap(width);
        view
    }

    /// Wraps again if the width changed.
    pub fn wrap(&mut self, width: u16) {
        if width == self.width && !self.lines.is_empty() {
            return;
        }
        self.width = width;
        let w = usize::from(width.max(1));
        let mut lines = Vec::new();
        let mut push = |kind, text: &str| {
            // Leads (quote marks, list indents) carried and links kept whole: `wrap_line`.
            let safe = crate::wrap::terminal_safe(text);
            lines.extend(
                crate::wrap::wrap_line(&safe, w)
                    .into_iter()
                    .map(|l| (kind, l)),
            );
        };
        let h = &self.article.headline;
        push(LineKind::Title, &clean_line(&h.title));
        let mut meta = vec![clean_line(&self.article.publication)];
        if let Some(p) = h.published {
            meta.push(match &self.clock {
                Some(c) => format!(
                    "{} ({})",
                    crate::timefmt::date_time(p, &c.zone),
                    crate::timefmt::relative(p, c.now)
                ),
                None => p.format("%a %-d %b %Y %H:%M UTC").to_string(),
            });
        }
        if let Some(by) = &self.article.author {
            meta.push(format!("by {}", clean_line(by)));
        }
        push(LineKind::Meta, &meta.join(" · "));
        if let Some(link) = &h.link {
            push(LineKind::Link, &clean_line(link));
        }
        for e in &self.article.enclosures {
            // What the cache holds passed the gate when parsed; shown through it again.
            let Some(url) = crate::gate::safe_url(&e.url) else {
                continue;
            };
            push(LineKind::Enclosure, &enclosure_line(e));
            push(LineKind::Link, &url);
        }
        push(LineKind::Body, "");
        match &self.full {
            FullTextView::Feed => {}
            // Worded by the view (it names the key in effect); short.
            FullTextView::Loading | FullTextView::Full => push(LineKind::FullText, ""),
            FullTextView::Failed(why) => push(
                LineKind::Error,
                &format!(
                    "No full text: {}. Showing the feed's text.",
                    clean_line(why)
                ),
            ),
        }
        if self.full != FullTextView::Feed {
            push(LineKind::Body, "");
        }
        let shown = self.shown_text().to_owned();
        if shown.trim().is_empty() {
            // Worded by the view, which knows the key in effect.
            push(LineKind::Hint, "");
        } else {
            for line in shown.lines() {
                push(LineKind::Body, line);
            }
        }
        self.lines = lines;
    }

    /// The text the pane shows now.
    #[must_use]
    pub fn shown_text(&self) -> &str {
        match (&self.full, &self.article.full_text) {
            (FullTextView::Full, Some(full)) => full,
            _ => &self.text,
        }
    }

    /// Wraps again at the same width: the shown text changed.
    pub(crate) fn rewrap(&mut self) {
        let width = self.width;
        self.width = 0;
        self.lines.clear();
        self.wrap(width);
    }

    /// How many rows the article takes at its wrap width.
    #[must_use]
    pub(crate) fn line_count(&self) -> usize {
        self.lines.len()
    }
}

/// "Enclosure: audio/mpeg, 105 MB".
fn enclosure_line(e: &crate::model::Enclosure) -> String {
    let mut parts = Vec::new();
    parts.push(
        e.mime
            .as_deref()
            .map_or_else(|| "media".to_owned(), clean_line),
    );
    if let Some(n) = e.length {
        parts.push(human_size(n));
    }
    format!("Enclosure: {}", parts.join(", "))
}

/// A size as people read it: "512 B", "8.4 kB", "105 MB", "1.2 GB" (decimal units, as players
/// and podcast apps show them).
#[must_use]
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod size_tests {
    use super::human_size;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(8_400), "8.4 kB");
        assert_eq!(human_size(105_003_355), "105 MB");
        assert_eq!(human_size(1_234_000_000), "1.2 GB");
        assert_eq!(human_size(u64::MAX), "18446744 TB");
    }
}
