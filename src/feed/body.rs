//! A string from a feed with how it is to be read (text or HTML): what every front end hands
//! to [`super::raw::finish`], and what an enclosure's description is.

use super::sanitize::{html_line, text_line};

/// How a string from a feed is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Markup {
    /// Plain text (may still hold entity references XML left alone, such as `&nbsp;`).
    Text,
    /// HTML.
    Html,
}

/// A piece of text with its markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Body {
    pub markup: Markup,
    pub value: String,
}

impl Body {
    pub fn html(value: impl Into<String>) -> Self {
        Body {
            markup: Markup::Html,
            value: value.into(),
        }
    }
    pub fn text(value: impl Into<String>) -> Self {
        Body {
            markup: Markup::Text,
            value: value.into(),
        }
    }
    pub(super) fn is_blank(&self) -> bool {
        self.value.trim().is_empty()
    }
    /// One clean line.
    pub(super) fn line(&self) -> String {
        match self.markup {
            Markup::Html => html_line(&self.value),
            Markup::Text => text_line(&self.value),
        }
    }
    /// As HTML, for `Item::content_html`: plain text is escaped, its line breaks kept.
    pub(super) fn into_html(self) -> String {
        match self.markup {
            Markup::Html => self.value,
            Markup::Text => {
                let escaped = self
                    .value
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                escaped.trim().replace("\n\n", "<p>").replace('\n', "<br>")
            }
        }
    }
}
