//! `#`: the links of the open article as a list over it. The HTML→text step numbers each link
//! (`this[1]`) and lists the targets at the end (`[1]: https://…`); this reads that list back
//! from the text shown (the feed's or the full story's), with a few words before each mark so
//! the user sees which link is which. `j`/`k` or the link's number choose, Enter or `o` opens
//! it in the browser (`SystemCmd::OpenUrl`, web links only), `y` copies it, Esc closes.

use super::msg::{Cmd, SystemCmd};
use super::state::{NoticeKind, State};
use crate::keys::{Action, Key, Mode};
use ratatui::crossterm::event::KeyCode;

/// One reference of the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Its number in the text (`[3]`).
    pub number: usize,
    /// The target as the reference list shows it: a web link, `mailto:`, or "(not a web link)".
    pub target: String,
    /// The words just before its mark in the text (clean, short; empty if not found).
    pub context: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinksView {
    pub links: Vec<Link>,
    pub cursor: usize,
    /// The number being typed (`1`, then `2` for link 12); 0: none.
    pub typed: usize,
}

/// Words of context shown before a link's mark.
const CONTEXT_WORDS: usize = 6;

/// The references listed at the end of `text`, in order, each with its context.
#[must_use]
pub fn parse(text: &str) -> Vec<Link> {
    let lines: Vec<&str> = text.lines().collect();
    let mut refs = Vec::new();
    let mut body_end = lines.len();
    for (i, line) in lines.iter().enumerate().rev() {
        match reference(line) {
            Some(r) => {
                refs.push(r);
                body_end = i;
            }
            None if line.trim().is_empty() && refs.is_empty() => {}
            None => break,
        }
    }
    refs.reverse();
    let body = &lines[..body_end];
    refs.into_iter()
        .map(|(number, target)| Link {
            number,
            context: context(body, number),
            target: crate::gate::clean_line(target),
        })
        .collect()
}

/// `[N]: target`.
fn reference(line: &str) -> Option<(usize, &str)> {
    let rest = line.strip_prefix('[')?;
    let (n, target) = rest.split_once("]: ")?;
    let n: usize = n.parse().ok()?;
    (n > 0 && !target.trim().is_empty()).then_some((n, target.trim()))
}

/// The last few words before the first `[N]` mark of the body.
fn context(body: &[&str], n: usize) -> String {
    let mark = format!("[{n}]");
    for line in body {
        let Some(at) = line.find(&mark) else { continue };
        // Not the reference list itself (`[N]: …`), should one be quoted in the body.
        if line[at + mark.len()..].starts_with(':') {
            continue;
        }
        // Back to the previous link's mark at most: its words are its own.
        let before = &line[..at];
        let start = before.rfind(']').map_or(0, |i| i + 1);
        // From the first word: not the comma left after the previous link's mark.
        let before = before[start..].trim_start_matches(|c: char| c.is_ascii_punctuation());
        let words: Vec<&str> = before.split_whitespace().collect();
        let skip = words.len().saturating_sub(CONTEXT_WORDS);
        let mut text = words[skip..].join(" ");
        if skip > 0 {
            text.insert_str(0, "… ");
        }
        return crate::gate::clean_line(&text);
    }
    String::new()
}

/// `#`: list the links of the open article.
pub(super) fn open(state: &mut State) -> Vec<Cmd> {
    let Some(a) = &state.article else {
        let text = format!(
            "Open an article first ({}), then {} lists its links",
            state.keys.hint(Action::Open),
            state.keys.hint(Action::Links)
        );
        super::update::notice(state, NoticeKind::Error, text);
        return vec![];
    };
    let links = parse(a.shown_text());
    if links.is_empty() {
        super::update::notice(state, NoticeKind::Info, "This article has no links".into());
        return vec![];
    }
    state.links = Some(LinksView {
        links,
        cursor: 0,
        typed: 0,
    });
    vec![]
}

/// Keys while the list is open: its own table (`[keys.links]`), and digits choose by number.
pub(super) fn on_key(state: &mut State, key: Key) -> Vec<Cmd> {
    let Some(view) = &mut state.links else {
        return vec![];
    };
    let last = view.links.len().saturating_sub(1);
    let action = state.keys.action_in(Mode::Links, key);
    if !matches!(key.code, KeyCode::Char(c) if c.is_ascii_digit()) || action.is_some() {
        view.typed = 0;
    }
    match action {
        Some(Action::Down) => view.cursor = (view.cursor + 1).min(last),
        Some(Action::Up) => view.cursor = view.cursor.saturating_sub(1),
        Some(Action::Top) => view.cursor = 0,
        Some(Action::Bottom) => view.cursor = last,
        Some(Action::Back) => state.links = None,
        Some(Action::Quit) => state.quit = true,
        Some(Action::OpenInBrowser) => return open_link(state),
        Some(Action::CopyLink) => return copy_link(state),
        _ => {
            if let KeyCode::Char(c) = key.code
                && let Some(d) = c.to_digit(10)
                && !key.ctrl
            {
                choose_digit(view, d as usize);
            }
        }
    }
    vec![]
}

/// Typing a number: `1` then `2` chooses link 12 when there is one, else starts again at 2.
fn choose_digit(view: &mut LinksView, d: usize) {
    let find = |n: usize| view.links.iter().position(|l| l.number == n);
    let longer = view.typed.saturating_mul(10).saturating_add(d);
    if let Some(i) = find(longer) {
        view.typed = longer;
        view.cursor = i;
    } else if let Some(i) = find(d) {
        view.typed = d;
        view.cursor = i;
    } else {
        view.typed = 0;
    }
}

fn selected(state: &State) -> Option<&Link> {
    let v = state.links.as_ref()?;
    v.links.get(v.cursor)
}

fn open_link(state: &mut State) -> Vec<Cmd> {
    let Some(link) = selected(state) else {
        return vec![];
    };
    let number = link.number;
    if let Some(url) = crate::gate::safe_url(&link.target) {
        super::update::notice(state, NoticeKind::Info, format!("Opening {url}"));
        return vec![SystemCmd::OpenUrl(url).into()];
    }
    let text = format!("Link {number} is not a web link: only http(s) links open in the browser");
    super::update::notice(state, NoticeKind::Error, text);
    vec![]
}

fn copy_link(state: &mut State) -> Vec<Cmd> {
    let Some(link) = selected(state) else {
        return vec![];
    };
    let number = link.number;
    // A mail address is worth copying too; "(not a web link)" is not.
    let text = crate::gate::safe_url(&link.target).or_else(|| {
        link.target
            .starts_with("mailto:")
            .then(|| link.target.clone())
    });
    if let Some(text) = text {
        // The notice comes with the answer, `Msg::Copied`: only then is it known.
        return vec![SystemCmd::Copy(text).into()];
    }
    super::update::notice(
        state,
        NoticeKind::Error,
        format!("Link {number} has no address to copy"),
    );
    vec![]
}
