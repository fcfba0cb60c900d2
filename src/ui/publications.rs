//! The left pane: publications with their state (spinner, error mark), unread and new counts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, HighlightSpacing, List, ListItem, ListState, Paragraph};

use super::text::{fit, spinner};
use crate::app::views::{self, VIEWS};
use crate::app::{FeedStatus, Focus, State};
use crate::layout::VIEW_ROWS;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let focused = state.focus == Focus::Publications;
    let theme = &state.theme;
    let inner = usize::from(area.width.saturating_sub(2));
    let items: Vec<ListItem> = state
        .pubs
        .iter()
        .map(|p| {
            let mark = match &p.status {
                FeedStatus::Loading => {
                    Span::styled(spinner(state.frame).to_string(), theme.accent())
                }
                FeedStatus::Failed(_) | FeedStatus::NeedsScope(_) => {
                    Span::styled("!", theme.error())
                }
                FeedStatus::Idle => Span::raw(" "),
            };
            // Unread, then the new arrivals beside it: one does not hide the other.
            let unread = if p.unread > 0 {
                p.unread.to_string()
            } else {
                String::new()
            };
            let new = if p.new > 0 {
                format!("+{}", p.new)
            } else {
                String::new()
            };
            let gap = if unread.is_empty() || new.is_empty() {
                ""
            } else {
                " "
            };
            let counts_w = unread.len() + gap.len() + new.len();
            let name_w = inner.saturating_sub(4 + counts_w + usize::from(counts_w > 0));
            let name_style = if p.unread > 0 {
                theme.unread()
            } else {
                ratatui::style::Style::new()
            };
            ListItem::new(Line::from(vec![
                mark,
                Span::raw(" "),
                Span::styled(fit(&p.name, name_w), name_style),
                Span::raw(if counts_w == 0 { "" } else { " " }),
                Span::styled(unread, theme.dim()),
                Span::raw(gap),
                Span::styled(new, theme.accent()),
            ]))
        })
        .collect();
    let block = Block::bordered()
        .title(" Publications ")
        .border_style(theme.border(focused));
    let within = block.inner(area);
    frame.render_widget(block, area);
    // The views first, apart: `1`-`9` still count publications only.
    let [views, rule, pubs] = Layout::vertical([
        Constraint::Length(VIEW_ROWS - 1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(within);
    let view_items: Vec<ListItem> = VIEWS
        .iter()
        .map(|v| {
            let n = views::count(state, *v);
            let count = if n > 0 { n.to_string() } else { String::new() };
            let name_w = usize::from(within.width).saturating_sub(4 + count.len() + 1);
            ListItem::new(Line::from(vec![
                Span::raw("  "),
                Span::styled(fit(v.label(), name_w), theme.title()),
                Span::raw(" "),
                Span::styled(count, theme.dim()),
            ]))
        })
        .collect();
    let highlight = |items: Vec<ListItem<'static>>| {
        List::new(items)
            .highlight_style(theme.selected(focused))
            .highlight_symbol("› ")
            .highlight_spacing(HighlightSpacing::Always)
    };
    let chosen = state.view.and_then(|v| VIEWS.iter().position(|w| *w == v));
    let mut ls = ListState::default().with_selected(chosen);
    frame.render_stateful_widget(highlight(view_items), views, &mut ls);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "─".repeat(usize::from(rule.width)),
            theme.dim(),
        )),
        rule,
    );
    let chosen = state.view.is_none().then_some(state.selected);
    let mut ls = ListState::default().with_selected(chosen);
    frame.render_stateful_widget(highlight(items), pubs, &mut ls);
}
