//! Where each pane goes for a given terminal size. Shared by drawing and by mouse handling, so a
//! click lands on what the user sees.

use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the split pane cannot be read; a "too small" message is shown instead.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub full: Rect,
    pub pubs: Rect,
    pub headlines: Rect,
    pub article: Rect,
    pub status: Rect,
    pub too_small: bool,
}

impl Areas {
    #[must_use]
    pub fn of((width, height): (u16, u16)) -> Self {
        let full = Rect::new(0, 0, width, height);
        if width < MIN_WIDTH || height < MIN_HEIGHT {
            let z = Rect::default();
            return Self {
                full,
                pubs: z,
                headlines: z,
                article: z,
                status: z,
                too_small: true,
            };
        }
        let [main, status] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(full);
        let left = (width / 4).clamp(14, 28);
        let [pubs, right] =
            Layout::horizontal([Constraint::Length(left), Constraint::Min(1)]).areas(main);
        let [headlines, article] =
            Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(right);
        Self {
            full,
            pubs,
            headlines,
            article,
            status,
            too_small: false,
        }
    }

    /// Columns available to the article's text (inside the border and a one-cell margin).
    #[must_use]
    pub(crate) fn article_text_width(&self) -> u16 {
        self.article.width.saturating_sub(4).max(1)
    }

    /// Rows available to the article's text (inside the border).
    #[must_use]
    pub(crate) fn article_text_height(&self) -> u16 {
        self.article.height.saturating_sub(2).max(1)
    }
}

/// The first visible row when `cursor` must be visible in `visible` rows. Drawing and mouse
/// handling share it, so a click hits the row drawn there.
#[must_use]
pub(crate) fn list_offset(cursor: usize, visible: usize) -> usize {
    cursor.saturating_sub(visible.saturating_sub(1))
}
