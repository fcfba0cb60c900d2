//! The first run without a client id: a short screen that says where the client id of a GitHub
//! OAuth app goes (the config file's real path), and that Enter reads the config again. The text
//! is made here, as plain lines, so that the core knows how far the screen can scroll and the
//! view draws exactly what was measured.

use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::signin::Phase;
use super::state::{NoticeKind, State};
use crate::keys::{Action, Mode};

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Error,
    Accent,
    Dim,
}

/// The sign-in screen's text area at a terminal size: the block's borders and padding
/// (`ui::signin`) taken off.
#[must_use]
pub fn text_area(viewport: (u16, u16)) -> (u16, u16) {
    (
        viewport.0.saturating_sub(2 + 4),
        viewport.1.saturating_sub(2 + 1),
    )
}

/// The first-run screen, line by line. `scrolls`: the screen does not fit, so the keys line
/// also names the keys that scroll.
#[must_use]
pub fn lines(state: &State, web_url: &str, scrolls: bool) -> Vec<(Tone, String)> {
    let mut out = Vec::new();
    if let Some(w) = &state.storage_warning {
        out.push((Tone::Error, crate::gate::clean_line(w)));
        out.push((Tone::Plain, String::new()));
    }
    if let Some(r) = state.signin.as_ref().and_then(|si| si.reason.as_ref()) {
        out.push((Tone::Error, crate::gate::clean_line(r)));
        out.push((Tone::Plain, String::new()));
    }
    let web = crate::gate::clean_line(web_url);
    let file = state.config_path.as_deref().map_or_else(
        || "the config file (`newsroom --help` names it)".to_owned(),
        crate::gate::clean_line,
    );
    for l in [
        "This build of newsroom has no GitHub OAuth app to sign you in with. Register one, \
         once:"
            .to_owned(),
        String::new(),
        format!(" 1. Open {web}/settings/applications/new"),
        "    any name; any homepage and callback URL (e.g. https://example.com).".to_owned(),
        " 2. Register it, tick \"Enable Device Flow\" and save.".to_owned(),
        format!(" 3. Copy its Client ID into {file}:"),
        "        [github]".to_owned(),
        "        client_id = \"Ov23li…\"".to_owned(),
        format!(
            "    (or set {} and start newsroom again)",
            crate::auth::ENV_CLIENT_ID
        ),
        String::new(),
    ] {
        out.push((Tone::Plain, l));
    }
    let k = |a| state.keys.hint_in(Mode::SignIn, a);
    let mut keys = format!(
        "{} reads the config again · {} quits",
        k(Action::Confirm),
        k(Action::Quit)
    );
    if scrolls {
        keys.push_str(&format!(" · {} {} scroll", k(Action::Down), k(Action::Up)));
    }
    out.push((Tone::Dim, keys));
    if let Some(n) = &state.notice {
        out.push((Tone::Plain, String::new()));
        let tone = if n.kind == NoticeKind::Error {
            Tone::Error
        } else {
            Tone::Accent
        };
        out.push((tone, crate::gate::clean_line(&n.text)));
    }
    out
}

/// How many rows `lines` takes wrapped at `width` (as the view wraps them).
fn rows(lines: &[(Tone, String)], width: u16) -> usize {
    let text: Vec<Line> = lines.iter().map(|(_, l)| Line::raw(l.as_str())).collect();
    Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .line_count(width.max(1))
}

/// The screen as it will be drawn at the current size, and how far it can scroll.
#[must_use]
pub fn layout(state: &State, web_url: &str) -> (Vec<(Tone, String)>, u16) {
    let (w, h) = text_area(state.viewport);
    let fits = lines(state, web_url, false);
    if rows(&fits, w) <= usize::from(h) {
        return (fits, 0);
    }
    let scrolling = lines(state, web_url, true);
    let max = rows(&scrolling, w).saturating_sub(usize::from(h));
    (scrolling, u16::try_from(max).unwrap_or(u16::MAX))
}

/// `j`/`k` (or the arrows) on the first-run screen: scrolls, within what there is to see.
pub(super) fn scroll(state: &mut State, delta: i32) {
    let Some(Phase::NeedsClientId { web_url, .. }) = state.signin.as_ref().map(|si| &si.phase)
    else {
        return;
    };
    let (_, max) = layout(state, &web_url.clone());
    if let Some(si) = &mut state.signin
        && let Phase::NeedsClientId { scroll, .. } = &mut si.phase
    {
        let s = (i32::from(*scroll) + delta).clamp(0, i32::from(max));
        *scroll = u16::try_from(s).unwrap_or(0);
    }
}
