//! The bottom line: what is happening (or the last message), who is signed in, when news was last
//! refreshed, and the two keys everyone needs.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{fit, spinner};
use crate::app::{FeedStatus, NoticeKind, Session, State};
use crate::keys::Action;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let (help, quit) = (state.keys.hint(Action::Help), state.keys.hint(Action::Quit));
    let hints = if area.width >= 60 {
        format!(" {help} help  {quit} quit ")
    } else {
        format!(" {help} help ")
    };
    // A message cut to fit: the hint for the whole of it takes the place of the quit hint
    // (it comes back when the message fades), so the message keeps all its room.
    let hints = match &state.notice {
        Some(n) if area.width >= 60 && cut(&n.text, area.width, &hints) => {
            format!(" {} more  {help} help ", state.keys.hint(Action::Messages))
        }
        _ => hints,
    };
    let [left, right] = Layout::horizontal([
        Constraint::Min(1),
        Constraint::Length(u16::try_from(hints.len()).unwrap_or(16)),
    ])
    .areas(area);

    let mut parts: Vec<Span> = Vec::new();
    let loading = state
        .pubs
        .iter()
        .filter(|p| p.status == FeedStatus::Loading)
        .count();
    let width = usize::from(left.width);
    if let Some(n) = &state.notice {
        let style = if n.kind == NoticeKind::Error {
            theme.error()
        } else {
            theme.accent()
        };
        parts.push(Span::styled(
            fit(&n.text, width.saturating_sub(1)).trim_end().to_owned(),
            style,
        ));
    } else {
        if loading > 0 {
            let s = if loading == 1 { "" } else { "s" };
            parts.push(Span::styled(
                format!("{} Refreshing {loading} feed{s}  ", spinner(state.frame)),
                theme.accent(),
            ));
        }
        let new: u32 = state.pubs.iter().map(|p| p.new).sum();
        if new > 0 {
            parts.push(Span::styled(format!("{new} new  "), theme.accent()));
        }
        match &state.session {
            Session::SignedIn { login } => {
                parts.push(Span::raw(format!("Signed in as @{login}  ")));
            }
            Session::Offline { login } => {
                let who = login
                    .as_deref()
                    .map(|l| format!(" as @{l}"))
                    .unwrap_or_default();
                parts.push(Span::styled(
                    format!("offline{who}: cached news  "),
                    theme.error(),
                ));
            }
            Session::Checking => parts.push(Span::styled("checking sign-in…  ", theme.dim())),
            Session::Anonymous => {}
        }
        if let Some(t) = state.last_refresh {
            parts.push(Span::styled(
                format!("Updated {}", crate::timefmt::clock(t, &state.zone)),
                theme.dim(),
            ));
        }
        if let Some((text, failed)) = crate::app::sync::status_text(&state.sync) {
            let style = if failed { theme.error() } else { theme.dim() };
            parts.push(Span::styled(format!("  {text}"), style));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(parts)), left);
    frame.render_widget(
        Paragraph::new(Line::styled(hints, theme.dim())).right_aligned(),
        right,
    );
}

/// Whether `text` is cut in the status bar of this width beside `hints`.
fn cut(text: &str, width: u16, hints: &str) -> bool {
    let room = usize::from(width)
        .saturating_sub(hints.len())
        .saturating_sub(1);
    let clean = crate::gate::clean_line(text);
    unicode_width::UnicodeWidthStr::width(&*super::text::terminal_safe(&clean)) > room
}
