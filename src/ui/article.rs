//! The bottom right pane: the opened article — title, publication, date, author, link, then the
//! body as wrapped text, scrolled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

use super::text::age;
use super::theme::Theme;
use crate::app::{ArticleView, Focus, FullTextView, State};
use crate::feed::sanitize::clean_line;

fn text<'a>(a: &'a ArticleView, theme: &Theme, now: chrono::DateTime<chrono::Utc>) -> Text<'a> {
    let h = &a.article.headline;
    let mut lines = vec![Line::styled(clean_line(&h.title), theme.title())];
    let mut meta = vec![clean_line(&a.article.publication)];
    if let Some(p) = h.published {
        meta.push(format!(
            "{} ({} ago)",
            p.format("%a %-d %b %Y %H:%M UTC"),
            age(Some(p), now)
        ));
    }
    if let Some(by) = &a.article.author {
        meta.push(format!("by {}", clean_line(by)));
    }
    lines.push(Line::styled(meta.join(" · "), theme.dim()));
    if let Some(link) = &h.link {
        lines.push(Line::styled(clean_line(link), theme.link()));
    }
    lines.push(Line::raw(""));
    match &a.full {
        FullTextView::Feed => {}
        FullTextView::Loading => {
            lines.push(Line::styled("Fetching the full story…", theme.dim()));
            lines.push(Line::raw(""));
        }
        FullTextView::Full => {
            lines.push(Line::styled(
                "Full text from the web page · F shows the feed's text",
                theme.dim(),
            ));
            lines.push(Line::raw(""));
        }
        FullTextView::Failed(why) => {
            lines.push(Line::styled(
                format!(
                    "No full text: {}. Showing the feed's text.",
                    clean_line(why)
                ),
                theme.error(),
            ));
            lines.push(Line::raw(""));
        }
    }
    let shown = a.shown_text();
    if shown.trim().is_empty() {
        lines.push(Line::styled(
            "This article has no text in the feed. F fetches it, o opens it in the browser.",
            theme.dim(),
        ));
    } else {
        lines.extend(shown.lines().map(Line::raw));
    }
    Text::from(lines)
}

fn paragraph<'a>(
    a: &'a ArticleView,
    theme: &Theme,
    now: chrono::DateTime<chrono::Utc>,
) -> Paragraph<'a> {
    Paragraph::new(text(a, theme, now)).wrap(Wrap { trim: false })
}

/// How many rows the article takes when wrapped to `width` (for scroll limits).
pub fn line_count(a: &ArticleView, width: u16) -> usize {
    paragraph(a, &Theme::default(), chrono::DateTime::UNIX_EPOCH).line_count(width)
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
    let total = paragraph(a, theme, state.now).line_count(area.width.saturating_sub(4).max(1));
    let shown = usize::from(area.height.saturating_sub(2));
    if total > shown {
        let pct = (usize::from(a.scroll) + shown).min(total) * 100 / total.max(1);
        title = format!(" Article · {pct}% ");
    }
    frame.render_widget(
        paragraph(a, theme, state.now)
            .block(block.title(title))
            .scroll((a.scroll, 0)),
        area,
    );
}
