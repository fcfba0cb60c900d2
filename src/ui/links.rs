//! `#`: the article's links, listed over the article pane. Every piece of text here came from
//! the feed (or the page), so it goes through `fit`, the terminal-safety gate.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, HighlightSpacing, List, ListItem, ListState, Padding};
use unicode_width::UnicodeWidthStr;

use super::text::fit;
use crate::app::State;
use crate::app::links::LinksView;
use crate::keys::{Action, Mode};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, view: &LinksView) {
    let theme = &state.theme;
    let k = |a| state.keys.hint_in(Mode::Links, a);
    let hint = format!(
        " {} opens · {} copies · {} closes ",
        k(Action::OpenInBrowser),
        k(Action::CopyLink),
        k(Action::Back)
    );
    let block = Block::bordered()
        .title(format!(" Links · {} ", view.links.len()))
        .title_bottom(Line::from(hint).right_aligned())
        .padding(Padding::horizontal(1))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);

    let width = usize::from(inner.width).saturating_sub(2); // the highlight symbol
    let num_w = view
        .links
        .iter()
        .map(|l| l.number.to_string().len() + 2)
        .max()
        .unwrap_or(3);
    let context_w = if view.links.iter().any(|l| !l.context.is_empty()) {
        (width / 3).min(32)
    } else {
        0
    };
    let target_w = width.saturating_sub(num_w + 1 + context_w + usize::from(context_w > 0));
    let items: Vec<ListItem> = view
        .links
        .iter()
        .map(|l| {
            let number = format!("[{}]", l.number);
            let pad = num_w.saturating_sub(number.width());
            let mut spans = vec![
                Span::styled(number, theme.accent()),
                Span::raw(" ".repeat(pad + 1)),
            ];
            if context_w > 0 {
                spans.push(Span::styled(fit(&l.context, context_w), theme.dim()));
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(fit(&l.target, target_w), theme.link()));
            ListItem::new(Line::from(spans))
        })
        .collect();
    let list = List::new(items)
        .highlight_style(theme.selected(true))
        .highlight_symbol("› ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut ls = ListState::default().with_selected(Some(view.cursor));
    frame.render_stateful_widget(list, inner, &mut ls);
}
