//! Drawing: `draw(frame, &State)` only reads the state. One file per pane.

pub mod article;
pub mod headlines;
pub mod help;
pub mod links;
pub mod messages;
pub mod publications;
pub mod signin;
pub mod status;
pub mod text;
pub use crate::theme;

use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::State;
use crate::layout::{Areas, MIN_HEIGHT, MIN_WIDTH};

pub fn draw(frame: &mut Frame, state: &State) {
    let area = frame.area();
    let areas = Areas::with((area.width, area.height), state.panes());
    if areas.too_small {
        let msg = format!(
            "Terminal too small ({}x{}).\nnewsroom needs at least {MIN_WIDTH}x{MIN_HEIGHT}.\nEnlarge the window, or {} to quit.",
            area.width,
            area.height,
            state.keys.hint(crate::keys::Action::Quit)
        );
        let y = area.height.saturating_sub(3) / 2;
        let rect = ratatui::layout::Rect {
            y,
            height: area.height - y,
            ..area
        };
        frame.render_widget(
            Paragraph::new(msg)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            rect,
        );
        return;
    }
    if let Some(si) = &state.signin {
        signin::draw(frame, area, state, si);
        return;
    }
    // Full screen: only the article (the other panes have no area).
    if !areas.pubs.is_empty() {
        publications::draw(frame, areas.pubs, state);
        headlines::draw(frame, areas.headlines, state);
    }
    article::draw(frame, areas.article, state);
    status::draw(frame, areas.status, state);
    if let Some(view) = &state.links {
        links::draw(frame, areas.article, state, view);
    }
    if state.help {
        help::draw(frame, area, state);
    }
    if let Some(view) = &state.messages_view {
        messages::draw(frame, area, state, *view);
    }
}

#[cfg(test)]
mod content_tests;
#[cfg(test)]
mod first_run_tests;
#[cfg(test)]
mod tests;
