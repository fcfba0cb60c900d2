//! The `?` overlay, generated from the effective key table so it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::text::fit;
use crate::app::State;
use crate::keys::{Action, Mode};
use crate::layout::HelpLayout;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let names: Vec<String> = state.pubs.iter().map(|p| p.name.clone()).collect();
    let rows = state.keys.help_rows(&names);
    let layout = HelpLayout::of(area, rows.len());
    let popup = layout.popup;
    let scroll = state.help_scroll.min(layout.max_scroll());
    let block = Block::bordered()
        .title(" Keys ")
        .title_bottom(Line::from(footer(state, &layout, scroll)).right_aligned())
        .padding(Padding::horizontal(1));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let cols = Layout::horizontal(vec![Constraint::Fill(1); layout.columns])
        .spacing(2)
        .split(inner);
    for (chunk, col) in rows.chunks(layout.per_col).zip(cols.iter()) {
        let key_w = chunk
            .iter()
            .map(|(k, _)| k.width())
            .max()
            .unwrap_or(4)
            .min(12);
        let desc_w = usize::from(col.width).saturating_sub(key_w + 1);
        let lines: Vec<Line> = chunk
            .iter()
            .skip(scroll)
            .take(layout.visible)
            .map(|(k, d)| {
                Line::from(vec![
                    Span::styled(fit(k, key_w), state.theme.accent()),
                    Span::raw(" "),
                    Span::raw(fit(d, desc_w)),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), *col);
    }
}

/// "Esc or ? closes", and where rows are out of sight which key scrolls and how far it is.
fn footer(state: &State, layout: &HelpLayout, scroll: usize) -> String {
    if layout.max_scroll() == 0 {
        return format!(" {} closes ", closes(state));
    }
    let down = state.keys.hint_in(Mode::Help, Action::Down);
    let up = state.keys.hint_in(Mode::Help, Action::Up);
    format!(
        " {}-{} of {} · {down}/{up} scroll · {} closes ",
        scroll + 1,
        scroll + layout.visible,
        layout.per_col,
        closes(state)
    )
}

/// "Esc or ? closes", from the help mode's table.
fn closes(state: &State) -> String {
    let keys: Vec<String> = state
        .keys
        .keys_in(Mode::Help, Action::Back)
        .iter()
        .filter(|k| k.to_string() != "q")
        .map(ToString::to_string)
        .collect();
    keys.join(" or ")
}
