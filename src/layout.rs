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

/// The narrowest publication pane `<` goes to: a mark, a few letters of the name, a count.
pub const MIN_PUBS_WIDTH: u16 = 12;

/// The widest publication pane `>` goes to: half the terminal.
#[must_use]
pub fn max_pubs_width(width: u16) -> u16 {
    (width / 2).max(MIN_PUBS_WIDTH)
}

/// The publication pane's width when the user has not chosen one.
#[must_use]
pub fn default_pubs_width(width: u16) -> u16 {
    (width / 4).clamp(14, 28)
}

/// The reader's choices of layout (see `State::panes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Panes {
    /// The publication pane's width, bounded to the terminal (`None`: the default share).
    pub pubs_width: Option<u16>,
    /// Only the article and the status bar are shown.
    pub full_screen: bool,
}

/// Rows of the publication pane above the publications: the views (Unread, Starred) and the
/// rule that sets them apart. Drawing and clicking share it.
pub const VIEW_ROWS: u16 = 3;

impl Areas {
    #[must_use]
    pub fn of(size: (u16, u16)) -> Self {
        Self::with(size, Panes::default())
    }

    /// The panes for `size` as the reader arranged them (pane width, full screen).
    #[must_use]
    pub fn with((width, height): (u16, u16), panes: Panes) -> Self {
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
        if panes.full_screen {
            let z = Rect::default();
            return Self {
                full,
                pubs: z,
                headlines: z,
                article: main,
                status,
                too_small: false,
            };
        }
        let left = panes.pubs_width.map_or_else(
            || default_pubs_width(width),
            |w| w.clamp(MIN_PUBS_WIDTH, max_pubs_width(width)),
        );
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

/// Where the `?` overlay goes and how its rows are laid out: shared by the view (which draws
/// it) and the core (which bounds its scroll), so the two cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpLayout {
    pub popup: Rect,
    /// Side by side columns, each at least [`HELP_COLUMN`] wide, so no description is cut
    /// short for want of width when the screen has it.
    pub columns: usize,
    /// Rows in each column (the last may have fewer).
    pub per_col: usize,
    /// Rows that fit on screen at once; fewer than `per_col` means the overlay scrolls.
    pub visible: usize,
}

/// The narrowest a help column gets before another column is dropped: room for the longest
/// key name and description.
pub const HELP_COLUMN: u16 = 37;

impl HelpLayout {
    #[must_use]
    pub fn of(area: Rect, rows: usize) -> Self {
        // Border and the one-column padding on each side.
        let inner_w = area.width.saturating_sub(4);
        let fit_cols = usize::from((inner_w + 2) / (HELP_COLUMN + 2)).clamp(1, 3);
        let avail = usize::from(area.height.saturating_sub(2)).max(1);
        let columns = rows.div_ceil(avail).clamp(1, fit_cols);
        let per_col = rows.div_ceil(columns).max(1);
        let visible = per_col.min(avail);
        // Columns, the spacing between them, padding and border; on a small screen the
        // overlay may take all of it (it is modal: nothing under it is needed meanwhile).
        let cols = u16::try_from(columns).unwrap_or(3);
        let width = if columns == 1 {
            area.width.saturating_sub(2).min(64)
        } else {
            area.width.min(cols * HELP_COLUMN + (cols - 1) * 2 + 4)
        };
        let height = area
            .height
            .min(u16::try_from(visible + 2).unwrap_or(u16::MAX));
        let popup = Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + (area.height - height) / 2,
            width,
            height,
        };
        Self {
            popup,
            columns,
            per_col,
            visible,
        }
    }

    /// The furthest the rows can scroll.
    #[must_use]
    pub fn max_scroll(&self) -> usize {
        self.per_col - self.visible
    }
}
