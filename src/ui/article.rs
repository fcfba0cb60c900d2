//! The bottom right pane: the opened article — title, publication, date, author, link, then the
//! body as wrapped text, scrolled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

use crate::app::article::LineKind;
use crate::app::{ArticleView, Focus, FullTextView, State};
use crate::keys::Action;

/// The visible rows only: the article was wrapped once, when it arrived or the size changed.
fn visible<'a>(a: &'a ArticleView, state: &State, rows: usize) -> Text<'a> {
    let theme = &state.theme;
    let lines =
        a.lines
            .iter()
            .skip(usize::from(a.scroll))
            .take(rows)
            .map(|(kind, text)| match kind {
                LineKind::Title => Line::styled(text.as_str(), theme.title()),
                LineKind::Meta => Line::styled(text.as_str(), theme.dim()),
                LineKind::Link => Line::styled(text.as_str(), theme.link()),
                LineKind::Body => Line::raw(text.as_str()),
                // Named by the keys in effect; one short line.
                LineKind::Hint => Line::styled(
                    format!(
                        "No text in the feed: {} fetches it, {} opens it in the browser.",
                        state.keys.hint(Action::FullText),
                        state.keys.hint(Action::OpenInBrowser)
                    ),
                    theme.dim(),
                ),
                LineKind::FullText => full_text_note(a, state),
                LineKind::Error => Line::styled(text.as_str(), theme.error()),
                LineKind::Enclosure => Line::styled(text.as_str(), theme.accent()),
            });
    Text::from(lines.collect::<Vec<_>>())
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let focused = state.focus == Focus::Article;
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .border_style(theme.border(focused));
    let Some(a) = &state.article else {
        let hint = Paragraph::new(Line::from(vec![Span::styled(
            format!(
                "Select a headline and press {} to read it.",
                state.keys.hint(crate::keys::Action::Open)
            ),
            theme.dim(),
        )]))
        .wrap(Wrap { trim: true })
        .block(block.title(" Article "));
        frame.render_widget(hint, area);
        return;
    };
    let mut title = " Article ".to_owned();
    let total = a.line_count();
    let shown = usize::from(area.height.saturating_sub(2));
    if total > shown {
        let pct = (usize::from(a.scroll) + shown).min(total) * 100 / total.max(1);
        title = format!(" Article · {pct}% ");
    }
    let mut block = block.title(title);
    if !a.article.enclosures.is_empty() {
        // Named by the key in effect.
        block = block.title_bottom(
            Line::from(format!(
                " {} plays the enclosure ",
                state.keys.hint(Action::Enclosure)
            ))
            .right_aligned(),
        );
    }
    // Already wrapped: ratatui's own wrapping would undo the leads and break the links.
    frame.render_widget(Paragraph::new(visible(a, state, shown)).block(block), area);
}

/// Where the shown text comes from, when it is not simply the feed's.
fn full_text_note<'a>(a: &ArticleView, state: &State) -> Line<'a> {
    let theme = &state.theme;
    match &a.full {
        FullTextView::Feed | FullTextView::Failed(_) => Line::raw(""),
        FullTextView::Loading => Line::styled("Fetching the full story…", theme.dim()),
        FullTextView::Full => Line::styled(
            format!(
                "Full text from the web page · {} shows the feed's text",
                state.keys.hint(Action::FullText)
            ),
            theme.dim(),
        ),
    }
}
