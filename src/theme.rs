//! Styles in one place. The default reads on dark and light terminals: it leans on bold,
//! reverse and the terminal's own palette rather than fixed colours.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False with `NO_COLOR` or `[theme] color = false`: bold, dim and reverse only.
    pub color: bool,
    pub accent: Color,
    pub error_color: Color,
    pub link_color: Color,
    pub focus: Color,
}

impl Theme {
    #[must_use]
    pub fn selected(&self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        }
    }
    #[must_use]
    pub(crate) fn border(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::new().fg(self.focus),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => Style::new().add_modifier(Modifier::DIM),
        }
    }
    #[must_use]
    pub fn error(&self) -> Style {
        if self.color {
            Style::new().fg(self.error_color)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
    #[must_use]
    pub(crate) fn accent(&self) -> Style {
        if self.color {
            Style::new().fg(self.accent)
        } else {
            Style::new()
        }
    }
    #[must_use]
    pub fn link(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::UNDERLINED);
        if self.color { s.fg(self.link_color) } else { s }
    }
    #[must_use]
    pub fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    #[must_use]
    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    #[must_use]
    pub fn unread(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

impl Default for Theme {
    fn default() -> Self {
        // The terminal's own palette entries, which themes tune for dark and light backgrounds.
        Self {
            color: true,
            accent: Color::Yellow,
            error_color: Color::Red,
            link_color: Color::Blue,
            focus: Color::Cyan,
        }
    }
}
