//! The `?` overlay, generated from the effective key table so it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::text::fit;
use crate::app::State;
use crate::keys::{Action, Mode};

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let names: Vec<String> = state.pubs.iter().map(|p| p.name.clone()).collect();
    let rows = state.keys.help_rows(&names);
    // As many columns as it takes to show every row at this height.
    let avail = usize::from(area.height.saturating_sub(4)).max(1);
    let columns = rows.len().div_ceil(avail).clamp(1, 3);
    let per_col = rows.len().div_ceil(columns);
    let width = area
        .width
        .saturating_sub(2)
        .min(if columns == 1 { 64 } else { 110 });
    let height = area
        .height
        .saturating_sub(2)
        .min(u16::try_from(per_col + 2).unwrap_or(u16::MAX));
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let block = Block::bordered()
        .title(" Keys ")
        .title_bottom(Line::from(format!(" {} closes ", closes(state))).right_aligned())
        .padding(Padding::horizontal(1));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let cols = Layout::horizontal(vec![Constraint::Fill(1); columns])
        .spacing(2)
        .split(inner);
    for (chunk, col) in rows.chunks(per_col.max(1)).zip(cols.iter()) {
        let key_w = chunk
            .iter()
            .map(|(k, _)| k.width())
            .max()
            .unwrap_or(4)
            .min(12);
        let desc_w = usize::from(col.width).saturating_sub(key_w + 1);
        let lines: Vec<Line> = chunk
            .iter()
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
