//! The bottom right pane: the opened article — title, publication, date, author, link, then the
//! body as wrapped text, scrolled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

use crate::app::article::LineKind;
use crate::app::{ArticleView, Focus, State};
use crate::theme::Theme;

/// The visible rows only: the article was wrapped once, when it arrived or the size changed.
fn visible<'a>(a: &'a ArticleView, theme: &Theme, rows: usize) -> Text<'a> {
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
                LineKind::Hint => Line::styled(text.as_str(), theme.dim()),
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
            "Select a headline and press Enter to read it.",
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
    frame.render_widget(
        Paragraph::new(visible(a, theme, shown)).block(block.title(title)),
        area,
    );
}
