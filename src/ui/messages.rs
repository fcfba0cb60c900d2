//! The `M` view: the recent status messages in full, newest first, wrapped and scrollable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use crate::app::State;
use crate::app::messages::{self, MessagesView};
use crate::keys::{Action, Mode};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, view: MessagesView) {
    let theme = &state.theme;
    let closes: Vec<String> = state
        .keys
        .keys_in(Mode::Messages, Action::Back)
        .iter()
        .filter(|k| k.to_string() != "q")
        .map(ToString::to_string)
        .collect();
    let n = state.messages.items.len();
    let block = Block::bordered()
        .title(format!(" Messages · {n} recent, newest first "))
        .title_bottom(Line::from(format!(" {} closes ", closes.join(" or "))).right_aligned())
        .padding(Padding::horizontal(1))
        .border_style(theme.border(true));
    let width = messages::text_width((area.width, area.height));
    let rows = usize::from(messages::text_height((area.width, area.height)));
    let lines: Vec<Line> = if n == 0 {
        vec![Line::styled("No messages yet.", theme.dim())]
    } else {
        messages::lines(state, width)
            .into_iter()
            .skip(usize::from(view.scroll))
            .take(rows)
            .map(|(error, text)| {
                if error {
                    Line::styled(text, theme.error())
                } else {
                    Line::raw(text)
                }
            })
            .collect()
    };
    frame.render_widget(Clear, area);
    // Wrapped by `messages::lines`, the same lines the core scrolls by.
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
