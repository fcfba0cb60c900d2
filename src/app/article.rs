//! The opened article, wrapped to the pane's width once — when it arrives and when the
//! terminal is resized — so that a frame only copies the visible lines.

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
}

impl ArticleView {
    pub fn new(article: Article, text: String, width: u16) -> Self {
        let mut view = Self {
            article,
            text,
            scroll: 0,
            lines: Vec::new(),
            width: 0,
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
            meta.push(p.format("%a %-d %b %Y %H:%M UTC").to_string());
        }
        if let Some(by) = &self.article.author {
            meta.push(format!("by {}", clean_line(by)));
        }
        push(LineKind::Meta, &meta.join(" · "));
        if let Some(link) = &h.link {
            push(LineKind::Link, &clean_line(link));
        }
        push(LineKind::Body, "");
        if self.text.trim().is_empty() {
            // Worded by the view, which knows the key in effect.
            push(LineKind::Hint, "");
        } else {
            for line in self.text.lines() {
                push(LineKind::Body, line);
            }
        }
        self.lines = lines;
    }

    /// How many rows the article takes at its wrap width.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }
}
