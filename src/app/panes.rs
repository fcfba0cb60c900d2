//! How the reader arranges the panes: the full-screen article (`z`) and the publication pane's
//! width (`<` / `>`). The layout itself is `crate::layout`, shared with mouse hit-testing; this
//! is the state it is computed from.

use super::msg::Cmd;
use super::state::{Focus, NoticeKind, State};
use crate::keys::Action;
use crate::layout::{Areas, MIN_PUBS_WIDTH, Panes, max_pubs_width};

/// Columns one `<` or `>` takes or gives.
pub const PANE_STEP: u16 = 2;

impl State {
    /// The layout in effect. Full screen is a preference that shows while an article is read:
    /// moving the focus to the headlines brings the other panes back, and the next article
    /// opened fills the screen again, as a pager would.
    #[must_use]
    pub fn panes(&self) -> Panes {
        Panes {
            pubs_width: self.pubs_width,
            full_screen: self.full_screen && self.focus == Focus::Article && self.article.is_some(),
        }
    }

    /// Where each pane is, at the current size and layout.
    #[must_use]
    pub fn areas(&self) -> Areas {
        Areas::with(self.viewport, self.panes())
    }
}

pub(super) fn toggle_full_screen(state: &mut State) -> Vec<Cmd> {
    state.full_screen = !state.full_screen;
    if state.full_screen && state.article.is_some() {
        state.focus = Focus::Article;
    } else if state.article.is_none() {
        let text = if state.full_screen {
            format!(
                "Articles open full screen ({} to read one, {} to turn it off)",
                state.keys.hint(Action::Open),
                state.keys.hint(Action::FullScreen)
            )
        } else {
            "Articles open beside the headlines".to_owned()
        };
        super::update::notice(state, NoticeKind::Info, text);
    }
    vec![]
}

/// `<` (`wider` false) and `>`: the publication pane by [`PANE_STEP`] columns, within bounds.
pub(super) fn resize_pubs(state: &mut State, wider: bool) -> Vec<Cmd> {
    let width = state.viewport.0;
    // From what is on screen, so the first press moves from the default share.
    let now = Areas::with(
        state.viewport,
        Panes {
            full_screen: false,
            ..state.panes()
        },
    )
    .pubs
    .width;
    let max = max_pubs_width(width);
    let next = if wider {
        now.saturating_add(PANE_STEP).min(max)
    } else {
        now.saturating_sub(PANE_STEP).max(MIN_PUBS_WIDTH)
    };
    if next == now {
        let text = if wider {
            "The publication pane is as wide as it goes (half the screen)"
        } else {
            "The publication pane is as narrow as it goes"
        };
        super::update::notice(state, NoticeKind::Info, text.to_owned());
    }
    state.pubs_width = Some(next);
    vec![]
}
