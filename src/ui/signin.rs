//! The sign-in screen: the one-time code in large type, where to enter it, a countdown, what the
//! poller is doing, a QR code of the URL when there is room, and the keys that help.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};
use tui_big_text::{BigText, PixelSize};

use crate::app::{NoticeKind, Phase, SignIn, State};
use crate::gate::{clean, clean_line};
use crate::keys::{Action, Mode};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, si: &SignIn) {
    let theme = &state.theme;
    let block = Block::bordered()
        .title(" newsroom · sign in with GitHub ")
        .padding(Padding::new(2, 2, 1, 0))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Phase::NeedsClientId { web_url, scroll } = &si.phase {
        draw_first_run(frame, inner, state, web_url, *scroll);
        return;
    }

    let mut lines: Vec<Line> = Vec::new();
    if let Some(w) = &state.storage_warning {
        lines.push(Line::styled(clean_line(w), theme.error()));
        lines.push(Line::raw(""));
    }
    // Said once: when the sign-in stops for the very reason it was needed (no keyring), the
    // reason is the message below.
    let repeated =
        matches!(&si.phase, Phase::Stopped { message } if si.reason.as_ref() == Some(message));
    if let Some(r) = si.reason.as_ref().filter(|_| !repeated) {
        lines.push(Line::styled(clean_line(r), theme.error()));
        lines.push(Line::raw(""));
    }
    match &si.phase {
        Phase::NeedsClientId { .. } => {}
        Phase::Starting => lines.push(Line::raw("Asking GitHub for a sign-in code…")),
        Phase::Verifying => lines.push(Line::raw("Approved. Checking your GitHub account…")),
        Phase::Stopped { message } => {
            lines.extend(clean(message).lines().map(|l| Line::raw(l.to_owned())));
            lines.push(Line::raw(""));
            let k = |a| state.keys.hint_in(Mode::SignIn, a);
            lines.push(Line::styled(
                format!(
                    "{} tries again · {} quits",
                    k(Action::Confirm),
                    k(Action::Quit)
                ),
                theme.dim(),
            ));
        }
        Phase::Code {
            user_code,
            verification_uri,
            expires_at,
            qr,
        } => {
            draw_code(
                frame,
                inner,
                state,
                si,
                (user_code, verification_uri, qr),
                *expires_at,
            );
            return;
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The first run without a client id: short, the config file's real path, Enter reads it
/// again; scrolled when the terminal is too small for it (the text is measured in the core).
fn draw_first_run(frame: &mut Frame, inner: Rect, state: &State, web_url: &str, scroll: u16) {
    use crate::app::first_run::{Tone, layout};
    let theme = &state.theme;
    let (lines, max) = layout(state, web_url);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|(tone, text)| {
            let style = match tone {
                Tone::Plain => ratatui::style::Style::default(),
                Tone::Error => theme.error(),
                Tone::Accent => theme.accent(),
                Tone::Dim => theme.dim(),
            };
            Line::styled(text, style)
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(max), 0)),
        inner,
    );
}

fn draw_code(
    frame: &mut Frame,
    inner: Rect,
    state: &State,
    si: &SignIn,
    (user_code, uri, qr): (&str, &str, &[String]),
    expires_at: chrono::DateTime<chrono::Utc>,
) {
    let theme = &state.theme;
    let code = clean_line(user_code);
    let uri = clean_line(uri);
    // Why signing in again, if it is not the first time (e.g. the token was revoked): across
    // the whole width, above the QR code, wrapped to as many lines as it takes.
    let mut inner = inner;
    // And the `--insecure-storage` warning, as the CLI prints it.
    let above: Vec<Line> = [state.storage_warning.as_ref(), si.reason.as_ref()]
        .into_iter()
        .flatten()
        .map(|r| Line::styled(clean_line(r), theme.error()))
        .collect();
    if !above.is_empty() {
        let why = Paragraph::new(above).wrap(Wrap { trim: true });
        let rows = u16::try_from(why.line_count(inner.width.max(1)))
            .unwrap_or(u16::MAX)
            .min(inner.height);
        let [top, _gap, below] = Layout::vertical([
            Constraint::Length(rows),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(inner);
        frame.render_widget(why, top);
        inner = below;
    }
    // A QR code of the URL beside the text, for a phone, when the terminal is big enough.
    let qr_w = qr.first().map_or(0, |l| l.chars().count());
    let (text_area, qr_area) =
        if inner.width as usize >= qr_w + 50 && inner.height as usize >= qr.len() {
            let [t, q] = Layout::horizontal([
                Constraint::Min(40),
                Constraint::Length(u16::try_from(qr_w).unwrap_or(u16::MAX)),
            ])
            .spacing(2)
            .areas(inner);
            (t, Some(q))
        } else {
            (inner, None)
        };

    // Full-size letters are 8 cells per character; fall back to quadrants, then plain text.
    let chars = u16::try_from(code.chars().count()).unwrap_or(u16::MAX);
    let (pixel, big_h) = if text_area.width >= chars * 8 && text_area.height >= 18 {
        (Some(PixelSize::Full), 8)
    } else if text_area.width >= chars * 4 && text_area.height >= 12 {
        (Some(PixelSize::Quadrant), 4)
    } else {
        (None, 0) // the code is on the countdown line below, in bold
    };
    let [intro, big, rest] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(if big_h == 0 { 0 } else { big_h + 1 }),
        Constraint::Min(1),
    ])
    .areas(text_area);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw("Open "),
            Span::styled(uri.clone(), theme.link()),
            Span::raw(" and enter:"),
        ]))
        .wrap(Wrap { trim: true }),
        intro,
    );
    if let Some(p) = pixel {
        frame.render_widget(
            BigText::builder()
                .pixel_size(p)
                .style(theme.title())
                .lines(vec![Line::raw(code.clone())])
                .build(),
            big,
        );
    }
    let left = (expires_at - state.now).num_seconds().max(0);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(code.clone(), theme.title()),
            Span::styled(
                format!("  (expires in {}:{:02})", left / 60, left % 60),
                theme.dim(),
            ),
        ]),
        Line::raw(""),
    ];
    if let Some(p) = &si.progress {
        lines.push(Line::styled(
            clean_line(p),
            if p.starts_with("offline") {
                theme.error()
            } else {
                theme.accent()
            },
        ));
        lines.push(Line::raw(""));
    }
    let k = |a| state.keys.hint_in(Mode::SignIn, a);
    let open = format!("{} or {}", k(Action::Confirm), k(Action::OpenPage));
    let pad = open.chars().count().max(4) + 2;
    for (keys, what) in [
        (open.clone(), "open the page in your browser".to_owned()),
        (k(Action::CopyCode), "copy the code".to_owned()),
        (
            k(Action::Back),
            format!("cancel          {}  quit", k(Action::Quit)),
        ),
    ] {
        lines.push(Line::styled(format!("{keys:<pad$}{what}"), theme.dim()));
    }
    if let Some(n) = &state.notice {
        let style = if n.kind == NoticeKind::Error {
            theme.error()
        } else {
            theme.accent()
        };
        lines.push(Line::raw(""));
        lines.push(Line::styled(clean_line(&n.text), style));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
    if let Some(q) = qr_area {
        let text: Vec<Line> = qr.iter().map(|l| Line::raw(l.as_str())).collect();
        frame.render_widget(Paragraph::new(text).alignment(Alignment::Left), q);
    }
}
