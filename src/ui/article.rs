//! The bottom right pane: the opened article — title, publication, date, author, link, then the
//! body as wrapped text, scrolled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

use super::text::{age, terminal_safe, wrap_line};
use super::theme::Theme;
use crate::app::{ArticleView, Focus, State};
use crate::feed::sanitize::clean_line;

/// The article as lines wrapped to `width` (see [`wrap_line`]: leads carried, links whole).
fn lines(
    a: &ArticleView,
    theme: &Theme,
    now: chrono::DateTime<chrono::Utc>,
    width: usize,
) -> Vec<Line<'static>> {
    let h = &a.article.headline;
    let mut out = Vec::new();
    let mut push = |text: &str, style: ratatui::style::Style| {
        for l in wrap_line(&terminal_safe(text), width) {
            out.push(Line::styled(l, style));
        }
    };
    push(&clean_line(&h.title), theme.title());
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
    push(&meta.join(" · "), theme.dim());
    if let Some(link) = &h.link {
        push(&clean_line(link), theme.link());
    }
    push("", ratatui::style::Style::new());
    if a.text.trim().is_empty() {
        push(
            "This article has no text in the feed. o opens it in the browser.",
            theme.dim(),
        );
    } else {
        for line in a.text.lines() {
            push(line, ratatui::style::Style::new());
        }
    }
    out
}

/// How many rows the article takes when wrapped to `width` (for scroll limits).
pub fn line_count(a: &ArticleView, width: u16) -> usize {
    lines(
        a,
        &Theme::default(),
        chrono::DateTime::UNIX_EPOCH,
        usize::from(width.max(1)),
    )
    .len()
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
    let lines = lines(
        a,
        theme,
        state.now,
        usize::from(area.width.saturating_sub(4).max(1)),
    );
    let total = lines.len();
    let shown = usize::from(area.height.saturating_sub(2));
    if total > shown {
        let pct = (usize::from(a.scroll) + shown).min(total) * 100 / total.max(1);
        title = format!(" Article · {pct}% ");
    }
    // Already wrapped: ratatui's own wrapping would undo the leads and break the links.
    frame.render_widget(
        Paragraph::new(Text::from(lines))
            .block(block.title(title))
            .scroll((a.scroll, 0)),
        area,
    );
}
