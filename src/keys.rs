//! Keys are data: one table maps key presses to actions and describes them, so the bindings, the
//! help overlay and the user's overrides cannot drift apart.

use std::collections::HashMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key press asks for. Publication keys and `1`..`9` are not here: they come from the
/// config and are looked up after this table (see [`KeyMap::publication_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Back,
    FocusNext,
    FocusPrev,
    FocusLeft,
    FocusRight,
    Down,
    Up,
    Top,
    Bottom,
    Open,
    PageDown,
    PageUp,
    OpenInBrowser,
    CopyLink,
    Refresh,
    RefreshAll,
    ToggleRead,
    ToggleStar,
    MarkAllRead,
    /// On the "GitHub" publication: mark the notification done (removed there and here).
    Done,
    Search,
    Filter,
    SignIn,
    /// Sign-in screen: Enter opens the page while a code is shown, and tries again after a stop.
    Confirm,
    OpenPage,
    CopyCode,
    Retry,
    FullText,
    /// Read the config file again (publications, keys, theme, `[github]`) without a restart.
    ReloadConfig,
    /// The next / previous unread article, on into the next publication with unread ones.
    NextUnread,
    PrevUnread,
    /// The next / previous article of the list, read or not.
    NextArticle,
    PrevArticle,
    /// The article alone on screen (with the status bar), as a preference that holds for
    /// every article opened until toggled off.
    FullScreen,
    NarrowPane,
    WidenPane,
    /// The links of the open article, as a list to open or copy from.
    Links,
    /// The views across publications.
    ViewUnread,
    ViewStarred,
    /// Play the article's enclosure (podcast, video): the configured command, or the browser.
    Enclosure,
    /// Undo the last "mark the publication read".
    Undo,
    /// Show the recent status messages in full.
    Messages,
}

/// Where keys go: the reader, or a screen that takes over the keyboard. Each has its own
/// table, configurable under `[keys]` (the reader) and `[keys.MODE]`, conflict-checked alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Reader,
    SignIn,
    Help,
    /// Typing a search: only keys that cannot be part of a query (characters are typed).
    Search,
    /// The list of the article's links (digits choose a link by its number).
    Links,
    /// The recent messages: scroll, close.
    Messages,
}

impl Mode {
    /// The config table's name: `[keys.signin]`, `[keys.help]`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Reader => "reader",
            Self::SignIn => "signin",
            Self::Help => "help",
            Self::Search => "search",
            Self::Links => "links",
            Self::Messages => "messages",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            Self::SignIn,
            Self::Help,
            Self::Search,
            Self::Links,
            Self::Messages,
        ]
        .into_iter()
        .find(|m| m.name() == name)
    }

    /// The actions of this mode with their defaults.
    fn defaults(self) -> Vec<(Action, Vec<Key>)> {
        use Action as A;
        use KeyCode as K;
        match self {
            Self::Reader => defaults(),
            Self::SignIn => vec![
                (A::Confirm, vec![Key::plain(K::Enter)]),
                (A::OpenPage, vec![Key::ch('o')]),
                (A::CopyCode, vec![Key::ch('c')]),
                (A::Retry, vec![Key::ch('r')]),
                // Scrolls the first-run screen when the terminal is too small for it.
                (A::Down, vec![Key::ch('j'), Key::plain(K::Down)]),
                (A::Up, vec![Key::ch('k'), Key::plain(K::Up)]),
                (A::Back, vec![Key::plain(K::Esc)]),
                (A::Quit, vec![Key::ch('q'), Key::ctrl('c')]),
            ],
            Self::Search => vec![
                (A::Down, vec![Key::plain(K::Down), Key::ctrl('n')]),
                (A::Up, vec![Key::plain(K::Up), Key::ctrl('p')]),
                (A::PageDown, vec![Key::plain(K::PageDown)]),
                (A::PageUp, vec![Key::plain(K::PageUp)]),
                (A::Top, vec![Key::plain(K::Home)]),
                (A::Bottom, vec![Key::plain(K::End)]),
                (A::Open, vec![Key::plain(K::Enter)]),
                (A::FocusNext, vec![Key::plain(K::Tab)]),
                (A::Back, vec![Key::plain(K::Esc)]),
                (A::Quit, vec![Key::ctrl('c')]),
            ],
            Self::Links => vec![
                (A::Down, vec![Key::ch('j'), Key::plain(K::Down)]),
                (A::Up, vec![Key::ch('k'), Key::plain(K::Up)]),
                (A::Top, vec![Key::ch('g'), Key::plain(K::Home)]),
                (A::Bottom, vec![Key::ch('G'), Key::plain(K::End)]),
                (A::OpenInBrowser, vec![Key::plain(K::Enter), Key::ch('o')]),
                (A::CopyLink, vec![Key::ch('y')]),
                (
                    A::Back,
                    vec![Key::plain(K::Esc), Key::ch('#'), Key::ch('q')],
                ),
                (A::Quit, vec![Key::ctrl('c')]),
            ],
            // Like help: `M` and `q` close it as Esc does; Ctrl-c still quits.
            Self::Messages => vec![
                (A::Down, vec![Key::ch('j'), Key::plain(K::Down)]),
                (A::Up, vec![Key::ch('k'), Key::plain(K::Up)]),
                (A::PageDown, vec![Key::plain(K::PageDown), Key::ch(' ')]),
                (A::PageUp, vec![Key::plain(K::PageUp)]),
                (A::Top, vec![Key::ch('g'), Key::plain(K::Home)]),
                (A::Bottom, vec![Key::ch('G'), Key::plain(K::End)]),
                (
                    A::Back,
                    vec![Key::plain(K::Esc), Key::ch('M'), Key::ch('q')],
                ),
                (A::Quit, vec![Key::ctrl('c')]),
            ],
            // `q` closes the overlay like Esc; Ctrl-c still quits.
            Self::Help => vec![
                (
                    A::Back,
                    vec![Key::plain(K::Esc), Key::ch('?'), Key::ch('q')],
                ),
                (A::Quit, vec![Key::ctrl('c')]),
                // Where the screen is too small for every key, the overlay scrolls.
                (A::Down, vec![Key::ch('j'), Key::plain(K::Down)]),
                (A::Up, vec![Key::ch('k'), Key::plain(K::Up)]),
                (A::PageDown, vec![Key::plain(K::PageDown), Key::ch(' ')]),
                (A::PageUp, vec![Key::plain(K::PageUp)]),
                (A::Top, vec![Key::ch('g'), Key::plain(K::Home)]),
                (A::Bottom, vec![Key::ch('G'), Key::plain(K::End)]),
            ],
        }
    }
}

impl Action {
    /// Every action, in the order the help overlay lists them, with its config name and help.
    pub const ALL: &'static [(Action, &'static str, &'static str)] = &[
        (Action::Down, "down", "move down"),
        (Action::Up, "up", "move up"),
        (Action::Top, "top", "first item"),
        (Action::Bottom, "bottom", "last item"),
        (Action::FocusNext, "focus_next", "next pane"),
        (Action::FocusPrev, "focus_prev", "previous pane"),
        (Action::FocusLeft, "focus_left", "pane to the left"),
        (Action::FocusRight, "focus_right", "pane to the right"),
        (Action::Open, "open", "open article / next unread"),
        (Action::NextUnread, "next_unread", "next unread article"),
        (Action::PrevUnread, "prev_unread", "previous unread article"),
        (Action::NextArticle, "next_article", "next article"),
        (Action::PrevArticle, "prev_article", "previous article"),
        (Action::PageDown, "page_down", "scroll the article down"),
        (Action::PageUp, "page_up", "scroll the article up"),
        (
            Action::OpenInBrowser,
            "open_in_browser",
            "open the link in a browser",
        ),
        (Action::CopyLink, "copy_link", "copy the link"),
        (Action::FullText, "full_text", "full text / feed text"),
        (Action::Links, "links", "links in the article"),
        (
            Action::FullScreen,
            "full_screen",
            "full-screen article on/off",
        ),
        (Action::NarrowPane, "narrow_pane", "narrow publication pane"),
        (Action::WidenPane, "widen_pane", "widen publication pane"),
        (Action::ViewUnread, "view_unread", "every unread article"),
        (Action::ViewStarred, "view_starred", "every starred article"),
        (Action::Enclosure, "enclosure", "play the enclosure"),
        (Action::Refresh, "refresh", "refresh this publication"),
        (
            Action::RefreshAll,
            "refresh_all",
            "refresh every publication",
        ),
        (Action::ToggleRead, "toggle_read", "mark read / unread"),
        (Action::ToggleStar, "toggle_star", "star / unstar"),
        (
            Action::MarkAllRead,
            "mark_all_read",
            "mark the publication read",
        ),
        (Action::Undo, "undo", "undo marking read"),
        (Action::Done, "done", "GitHub notification done"),
        (Action::Search, "search", "search every article"),
        (Action::Filter, "filter", "all / unread / starred"),
        (Action::SignIn, "sign_in", "sign in to GitHub again"),
        (Action::ReloadConfig, "reload_config", "reload the config"),
        (Action::Messages, "messages", "recent messages in full"),
        (Action::Back, "back", "back / close"),
        (
            Action::Confirm,
            "confirm",
            "open the sign-in page, or try again",
        ),
        (Action::OpenPage, "open_page", "open the sign-in page"),
        (Action::CopyCode, "copy_code", "copy the sign-in code"),
        (Action::Retry, "retry", "try signing in again"),
        (Action::Help, "help", "this help"),
        (Action::Quit, "quit", "quit"),
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(a, _, _)| *a == self)
            .map_or("?", |(_, n, _)| n)
    }

    #[must_use]
    pub fn description(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(a, _, _)| *a == self)
            .map_or("?", |(_, _, d)| d)
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(a, _, _)| *a)
    }
}

/// A key as written in the config and shown in help: `q`, `Ctrl-c`, `Shift-Tab`, `PgDn`, `Space`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    #[must_use]
    pub const fn plain(code: KeyCode) -> Self {
        Self { code, ctrl: false }
    }
    #[must_use]
    pub const fn ch(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }
    #[must_use]
    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            ctrl: true,
        }
    }

    /// Normalizes a terminal key event (Shift is folded into the character or `BackTab`).
    #[must_use]
    pub(crate) fn from_event(ev: &KeyEvent) -> Self {
        let code = match ev.code {
            KeyCode::Char(c) if ev.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        Self {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let (ctrl, rest) = match s.strip_prefix("Ctrl-").or_else(|| s.strip_prefix("C-")) {
            Some(r) => (true, r),
            None => (false, s),
        };
        let code = match rest {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "Shift-Tab" | "BackTab" => KeyCode::BackTab,
            "Space" => KeyCode::Char(' '),
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "PgUp" | "PageUp" => KeyCode::PageUp,
            "PgDn" | "PageDown" => KeyCode::PageDown,
            "Backspace" => KeyCode::Backspace,
            _ => {
                let mut cs = rest.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) if !c.is_control() => {
                        KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
                    }
                    _ => {
                        return Err(format!(
                            "unknown key \"{s}\" (write e.g. \"q\", \"Ctrl-c\", \"Enter\", \"PgDn\")"
                        ));
                    }
                }
            }
        };
        Ok(Self { code, ctrl })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Backspace => f.write_str("Backspace"),
            _ => f.write_str("?"),
        }
    }
}

/// The effective bindings: defaults patched by the user's `[keys]`, plus publication keys.
#[derive(Debug, Clone)]
pub struct KeyMap {
    bindings: HashMap<Key, Action>,
    /// The tables of the other modes.
    modes: HashMap<Mode, HashMap<Key, Action>>,
    /// Publication keys in config order: (key, publication index).
    publications: Vec<(char, usize)>,
    /// Default bindings that gave way to a publication's own key, said once at start.
    yielded: Vec<String>,
}

fn defaults() -> Vec<(Action, Vec<Key>)> {
    use Action as A;
    use KeyCode as K;
    vec![
        (A::Down, vec![Key::ch('j'), Key::plain(K::Down)]),
        (A::Up, vec![Key::ch('k'), Key::plain(K::Up)]),
        (A::Top, vec![Key::ch('g'), Key::plain(K::Home)]),
        (A::Bottom, vec![Key::ch('G'), Key::plain(K::End)]),
        (A::FocusNext, vec![Key::plain(K::Tab)]),
        (A::FocusPrev, vec![Key::plain(K::BackTab)]),
        (A::FocusLeft, vec![Key::ch('h'), Key::plain(K::Left)]),
        (A::FocusRight, vec![Key::ch('l'), Key::plain(K::Right)]),
        (A::Open, vec![Key::plain(K::Enter)]),
        (A::PageDown, vec![Key::plain(K::PageDown), Key::ch(' ')]),
        (A::PageUp, vec![Key::plain(K::PageUp)]),
        (A::OpenInBrowser, vec![Key::ch('o')]),
        (A::CopyLink, vec![Key::ch('y')]),
        (A::FullText, vec![Key::ch('F')]),
        (A::NextUnread, vec![Key::ch('n')]),
        (A::PrevUnread, vec![Key::ch('p')]),
        (A::NextArticle, vec![Key::ch('J')]),
        (A::PrevArticle, vec![Key::ch('K')]),
        (A::FullScreen, vec![Key::ch('z')]),
        (A::NarrowPane, vec![Key::ch('<')]),
        (A::WidenPane, vec![Key::ch('>')]),
        (A::Links, vec![Key::ch('#')]),
        (A::ViewUnread, vec![Key::ch('!')]),
        (A::ViewStarred, vec![Key::ch('*')]),
        (A::Refresh, vec![Key::ch('r')]),
        (A::RefreshAll, vec![Key::ch('R')]),
        (A::ToggleRead, vec![Key::ch('u')]),
        (A::ToggleStar, vec![Key::ch('s')]),
        (A::MarkAllRead, vec![Key::ch('A')]),
        (A::Undo, vec![Key::ch('U')]),
        (A::Enclosure, vec![Key::ch('e')]),
        (A::Messages, vec![Key::ch('M')]),
        (A::Done, vec![Key::ch('d')]),
        (A::Search, vec![Key::ch('/')]),
        (A::Filter, vec![Key::ch('f')]),
        (A::SignIn, vec![Key::ch('L')]),
        (A::ReloadConfig, vec![Key::ch('C')]),
        (A::Back, vec![Key::plain(K::Esc)]),
        (A::Help, vec![Key::ch('?')]),
        (A::Quit, vec![Key::ch('q'), Key::ctrl('c')]),
    ]
}

impl KeyMap {
    /// Builds the effective table. `overrides` maps action names to the keys that replace the
    /// default ones; `publication_keys` are the config's per-publication keys in order.
    /// Any key bound twice is an error naming both uses.
    /// `overrides` maps action names to the keys that replace the defaults; a name
    /// `MODE.action` (from `[keys.MODE]`) is for that mode's table. `publication_keys` are the
    /// config's per-publication keys in order. Any key bound twice in one table is an error
    /// naming both uses.
    pub fn new(
        overrides: &[(String, Vec<String>)],
        publication_keys: &[(Option<char>, String)],
    ) -> Result<Self, String> {
        let mut tables: HashMap<Mode, Vec<(Action, Vec<Key>)>> = [
            Mode::Reader,
            Mode::SignIn,
            Mode::Help,
            Mode::Search,
            Mode::Links,
            Mode::Messages,
        ]
        .into_iter()
        .map(|m| (m, m.defaults()))
        .collect();
        // Reader actions the user bound: only these make a publication key a conflict.
        let mut chosen = std::collections::HashSet::new();
        for (name, keys) in overrides {
            let (mode, action_name) = match name.split_once('.') {
                Some((m, a)) => (
                    Mode::from_name(m).ok_or_else(|| {
                        format!(
                            "[keys.{m}] is not a key table; tables are [keys.signin], \
                             [keys.help], [keys.search], [keys.links] and [keys.messages]"
                        )
                    })?,
                    a,
                ),
                None => (Mode::Reader, name.as_str()),
            };
            let table = tables.get_mut(&mode).ok_or("no such key table")?;
            let section = match mode {
                Mode::Reader => "[keys]".to_owned(),
                m => format!("[keys.{}]", m.name()),
            };
            let action = Action::from_name(action_name)
                .filter(|a| table.iter().any(|(t, _)| t == a))
                .ok_or_else(|| {
                    let names: Vec<_> = table.iter().map(|(a, _)| a.name()).collect();
                    format!(
                        "{section} \"{action_name}\" is not an action there; actions are: {}",
                        names.join(", ")
                    )
                })?;
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k).map_err(|e| format!("{section} {action_name}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(slot) = table.iter_mut().find(|(a, _)| *a == action) {
                slot.1 = parsed;
            }
            if mode == Mode::Reader {
                chosen.insert(action);
            }
        }
        let mut modes = HashMap::new();
        for (mode, table) in &tables {
            let mut bindings = HashMap::new();
            let section = match mode {
                Mode::Reader => "[keys]".to_owned(),
                m => format!("[keys.{}]", m.name()),
            };
            for (action, keys) in table {
                for k in keys {
                    if let Some(prev) = bindings.insert(*k, *action)
                        && prev != *action
                    {
                        return Err(format!(
                            "key \"{k}\" is bound to both \"{}\" and \"{}\": change one in {section}",
                            prev.name(),
                            action.name()
                        ));
                    }
                }
            }
            modes.insert(*mode, bindings);
        }
        let mut bindings = modes.remove(&Mode::Reader).unwrap_or_default();
        let mut publications = Vec::new();
        let mut yielded = Vec::new();
        for (i, (key, name)) in publication_keys.iter().enumerate() {
            let Some(c) = *key else { continue };
            if let Some(&action) = bindings.get(&Key::ch(c)) {
                if chosen.contains(&action) {
                    return Err(format!(
                        "publication \"{name}\" uses key \"{c}\", which is bound to \"{}\": pick another key for it",
                        action.name()
                    ));
                }
                // A key the user gave a publication beats a default that came later (a config
                // written before `n` meant "next unread" keeps working): the action keeps
                // its other keys, and the reader says so once.
                bindings.remove(&Key::ch(c));
                let left = bindings.values().any(|a| *a == action);
                yielded.push(format!(
                    "\"{c}\" selects {name}, so \"{}\" {}: bind it under [keys] to change that",
                    action.name(),
                    if left {
                        "keeps only its other keys"
                    } else {
                        "has no key"
                    }
                ));
            }
            publications.push((c, i));
        }
        Ok(Self {
            bindings,
            modes,
            publications,
            yielded,
        })
    }

    /// Default bindings a publication's key took over, for one notice at start.
    #[must_use]
    pub fn yielded(&self) -> &[String] {
        &self.yielded
    }

    /// The action of `key` in `mode`'s table.
    #[must_use]
    pub(crate) fn action_in(&self, mode: Mode, key: Key) -> Option<Action> {
        match mode {
            Mode::Reader => self.action(key),
            m => self.modes.get(&m).and_then(|t| t.get(&key)).copied(),
        }
    }

    /// [`Self::keys_for`] in `mode`'s table.
    #[must_use]
    pub(crate) fn keys_in(&self, mode: Mode, action: Action) -> Vec<Key> {
        let Some(table) = self.modes.get(&mode) else {
            return self.keys_for(action);
        };
        let mut keys: Vec<Key> = table
            .iter()
            .filter(|(_, a)| **a == action)
            .map(|(k, _)| *k)
            .collect();
        keys.sort_by_key(|k| (k.ctrl, !matches!(k.code, KeyCode::Char(_)), k.to_string()));
        keys
    }

    /// [`Self::hint`] for `mode`'s table.
    pub(crate) fn hint_in(&self, mode: Mode, action: Action) -> String {
        self.keys_in(mode, action)
            .first()
            .map_or_else(|| "(unbound)".to_owned(), ToString::to_string)
    }

    #[must_use]
    pub(crate) fn action(&self, key: Key) -> Option<Action> {
        self.bindings.get(&key).copied()
    }

    /// The publication a key selects: its own key, or `1`..`9` by position.
    #[must_use]
    pub(crate) fn publication_for(&self, key: Key) -> Option<usize> {
        let KeyCode::Char(c) = key.code else {
            return None;
        };
        if key.ctrl {
            return None;
        }
        if let Some(d) = c.to_digit(10).filter(|d| (1..=9).contains(d)) {
            return Some(d as usize - 1);
        }
        self.publications
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, i)| *i)
    }

    /// Keys bound to an action, in a stable order for help text.
    #[must_use]
    pub(crate) fn keys_for(&self, action: Action) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .bindings
            .iter()
            .filter(|(_, a)| **a == action)
            .map(|(k, _)| *k)
            .collect();
        keys.sort_by_key(|k| (k.ctrl, !matches!(k.code, KeyCode::Char(_)), k.to_string()));
        keys
    }

    /// The key to name in a hint ("r to retry"): the first key bound to `action` in the table
    /// in effect, so a remapped key changes every hint; `(unbound)` if the user unbound it.
    pub fn hint(&self, action: Action) -> String {
        self.keys_for(action)
            .first()
            .map_or_else(|| "(unbound)".to_owned(), ToString::to_string)
    }

    /// The help table: (keys, description) for every action, then publication selection.
    #[must_use]
    pub fn help_rows(&self, publication_names: &[String]) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = Action::ALL
            .iter()
            .map(|(a, _, d)| {
                let keys: Vec<String> = self.keys_for(*a).iter().map(ToString::to_string).collect();
                (keys.join(" "), (*d).to_owned())
            })
            .filter(|(k, _)| !k.is_empty())
            .collect();
        for (c, i) in &self.publications {
            if let Some(name) = publication_names.get(*i) {
                rows.push((c.to_string(), format!("show {name}")));
            }
        }
        rows.push(("1-9".into(), "publication by position".into()));
        rows
    }
}

/// The help table as Markdown, for the README (a test keeps the README in step with it).
#[must_use]
pub fn markdown_table(rows: &[(String, String)]) -> String {
    let mut out = String::from("| keys | action |\n|---|---|\n");
    for (k, d) in rows {
        let keys: Vec<String> = k
            .split(' ')
            .map(|k| format!("`{}`", k.replace('|', "\\|")))
            .collect();
        out.push_str(&format!("| {} | {d} |\n", keys.join(" ")));
    }
    out
}

impl Default for KeyMap {
    fn default() -> Self {
        #[allow(clippy::expect_used)]
        Self::new(&[], &[]).expect("the default key table has no conflicts")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_have_no_conflicts_and_cover_the_issue_keys() {
        let km = KeyMap::new(&[], &[(Some('b'), "BBC".into()), (Some('c'), "CNN".into())]).unwrap();
        assert_eq!(km.action(Key::ch('q')), Some(Action::Quit));
        assert_eq!(km.action(Key::ctrl('c')), Some(Action::Quit));
        assert_eq!(
            km.action(Key::plain(KeyCode::BackTab)),
            Some(Action::FocusPrev)
        );
        assert_eq!(km.action(Key::ch(' ')), Some(Action::PageDown));
        assert_eq!(km.publication_for(Key::ch('c')), Some(1));
        assert_eq!(km.publication_for(Key::ch('3')), Some(2));
        assert_eq!(km.publication_for(Key::ctrl('c')), None);
    }

    #[test]
    fn conflicts_are_errors_naming_both_sides() {
        let e = KeyMap::new(&[("refresh".into(), vec!["q".into()])], &[]).unwrap_err();
        assert!(
            e.contains("\"q\"") && e.contains("quit") && e.contains("refresh"),
            "{e}"
        );
        // A key the user bound to an action, and gave a publication too, is a conflict.
        let e = KeyMap::new(
            &[("down".into(), vec!["j".into()])],
            &[(Some('j'), "Jazz".into())],
        )
        .unwrap_err();
        assert!(e.contains("Jazz") && e.contains("down"), "{e}");
        let e = KeyMap::new(&[("explode".into(), vec!["x".into()])], &[]).unwrap_err();
        assert!(e.contains("not an action"), "{e}");
    }

    #[test]
    fn a_publication_key_beats_a_default_binding_and_says_so() {
        // A config from before `n` meant "next unread": the publication keeps its key.
        let km = KeyMap::new(&[], &[(Some('n'), "News".into())]).unwrap();
        assert_eq!(km.publication_for(Key::ch('n')), Some(0));
        assert_eq!(km.action(Key::ch('n')), None);
        assert_eq!(km.keys_for(Action::NextUnread), Vec::<Key>::new());
        assert_eq!(km.yielded().len(), 1);
        assert!(
            km.yielded()[0].contains("News") && km.yielded()[0].contains("next_unread has no key")
                || km.yielded()[0].contains("\"next_unread\" has no key"),
            "{:?}",
            km.yielded()
        );
        // An action with other keys keeps them.
        let km = KeyMap::new(&[], &[(Some('j'), "Jazz".into())]).unwrap();
        assert_eq!(km.action(Key::plain(KeyCode::Down)), Some(Action::Down));
        assert!(km.yielded()[0].contains("keeps only its other keys"));
        // Without a clash nothing is said.
        assert!(KeyMap::new(&[], &[]).unwrap().yielded().is_empty());
    }

    #[test]
    fn overrides_replace_defaults_and_show_in_help() {
        let km = KeyMap::new(&[("refresh".into(), vec!["F5".into()])], &[]);
        assert!(km.is_err(), "F5 is not a key we parse");
        let km = KeyMap::new(&[("refresh".into(), vec!["Ctrl-r".into()])], &[]).unwrap();
        assert_eq!(km.action(Key::ctrl('r')), Some(Action::Refresh));
        assert_eq!(km.action(Key::ch('r')), None);
        let help = km.help_rows(&[]);
        assert!(
            help.iter()
                .any(|(k, d)| k == "Ctrl-r" && d.contains("refresh this"))
        );
    }
}
