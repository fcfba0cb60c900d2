//! Everything the screen shows, as plain data. Only `update` changes it; rendering only reads it.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::keys::KeyMap;
pub use crate::model::Filter;
use crate::model::Headline;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Publications,
    Headlines,
    Article,
}

/// Where one publication's last refresh stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedStatus {
    Idle,
    Loading,
    Failed(String),
    /// A GitHub publication the token has no scope for: one line says what to grant and the
    /// key that signs in again.
    NeedsScope(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubState {
    pub name: String,
    pub url: String,
    pub status: FeedStatus,
    pub unread: u32,
    /// Articles that arrived while the TUI was open and have not been looked at yet.
    pub new: u32,
    /// The id of the refresh running for it (answers of older ones are dropped).
    pub refresh_request: u64,
}

impl PubState {
    /// A publication as it first appears: nothing fetched yet, nothing counted.
    #[must_use]
    pub fn new(name: String, url: String) -> Self {
        Self {
            name,
            url,
            status: FeedStatus::Idle,
            unread: 0,
            new: 0,
            refresh_request: 0,
        }
    }
}

pub use super::article::ArticleView;

/// The full text of the open article, as far as the reader knows (`F` toggles).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FullTextView {
    /// The feed's own text (`article.full_text` may already hold a story: `F` shows it).
    #[default]
    Feed,
    /// The page is being fetched; the feed's text is shown meanwhile.
    Loading,
    /// `article.full_text` is shown.
    Full,
    /// The last try failed, for this reason; the feed's text is shown.
    Failed(String),
}

/// A search across every publication. While it is open, `State::headlines` holds its results,
/// so every headline key (move, open, star, read, browser) works on them unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    pub query: String,
    /// Typing goes into the query (else keys act on the results).
    pub editing: bool,
    /// The publication of each result, by index in `State::headlines`.
    pub publications: Vec<String>,
    /// How many results were asked for; a full page means there may be more.
    pub limit: usize,
    /// The answer filled `limit`: moving past the last result asks for the next page.
    pub more: bool,
}

/// How many search results one page asks for.
pub const SEARCH_PAGE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

/// A message in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub kind: NoticeKind,
    pub at: DateTime<Utc>,
}

/// Who is reading.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Session {
    /// No sign-in is required (tests, or before auth is wired).
    #[default]
    Anonymous,
    /// A token is stored and is being checked in the background.
    Checking,
    SignedIn {
        login: String,
    },
    /// A token is stored but GitHub cannot be reached: cached news only.
    Offline {
        login: Option<String>,
    },
}

/// Ids for asynchronous requests: every answer carries the id of the request it answers, and
/// `update` drops one that is not the latest of its kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requests {
    last: u64,
    /// The article being opened.
    pub article: u64,
    /// The running session check or sign-in.
    pub auth: u64,
}

impl Requests {
    /// A fresh id, never used before in this run.
    pub fn fresh(&mut self) -> u64 {
        self.last += 1;
        self.last
    }
}

#[derive(Debug, Clone)]
pub struct State {
    pub pubs: Vec<PubState>,
    pub selected: usize,
    /// Headlines of the selected publication (with the current filter), newest first.
    pub headlines: Vec<Headline>,
    /// Which publication `headlines` belongs to; `None` until the first load arrives.
    pub headlines_of: Option<String>,
    pub cursor: usize,
    pub focus: Focus,
    pub article: Option<ArticleView>,
    pub help: bool,
    /// `?` on a screen too small for every key: the first row shown.
    pub help_scroll: usize,
    pub filter: Filter,
    pub search: Option<Search>,
    pub notice: Option<Notice>,
    pub last_refresh: Option<DateTime<Utc>>,
    pub last_auto_refresh: Option<DateTime<Utc>>,
    pub refresh_every: Option<Duration>,
    /// "Now" as of the last tick: drawing never reads the clock.
    pub now: DateTime<Utc>,
    /// Animation frame for spinners, advanced by ticks.
    pub frame: u64,
    /// Terminal size in cells, from resize events.
    pub viewport: (u16, u16),
    pub session: Session,
    /// `Some` while the user must sign in: the sign-in screen replaces the reader.
    pub signin: Option<super::signin::SignIn>,
    pub keys: KeyMap,
    pub theme: crate::theme::Theme,
    /// Request id for headline loads: results for an older request are dropped.
    pub generation: u64,
    /// The ids of the requests whose answers `update` still waits for.
    pub requests: Requests,
    /// Scopes features found missing: the next sign-in asks for them too.
    pub missing_scopes: Vec<String>,
    /// `(name, key)` of the GitHub publications to show, after the configured ones, once
    /// signed in (`[github] inbox`, `releases`).
    pub github_pubs: Vec<(String, String)>,
    /// The config file's real path, as `--help` names it: the first-run screen says where the
    /// client id goes.
    pub config_path: Option<String>,
    /// `--insecure-storage`: the warning the sign-in screen shows, as the CLI prints it.
    pub storage_warning: Option<String>,
    /// `z`: an opened article fills the screen (the other panes come back with the focus).
    pub full_screen: bool,
    /// The publication pane's width as set with `<` / `>` (`None`: its default share).
    pub pubs_width: Option<u16>,
    /// A view across publications is shown instead of the selected publication.
    pub view: Option<crate::model::View>,
    /// With a view: the publication (key) of each headline, by index in `headlines`.
    pub view_pubs: Vec<String>,
    /// Starred articles across the publications shown (the Starred view's count).
    pub starred: u32,
    /// `#`: the open article's links, listed over it.
    pub links: Option<super::links::LinksView>,
    /// `n` / `p` ran out of unread in this list: the next publication's headlines are loading,
    /// and its first (or last) unread opens when they arrive.
    pub pending: Option<super::navigate::Pending>,
    /// The zone times are shown in (`[ui] time`, `TZ`): data, so the core never reads the
    /// environment.
    pub zone: crate::timefmt::TimeZone,
    /// What `U` gives back: the articles the last `A` marked read.
    pub undo: Option<super::undo::Undo>,
    /// Every recent status message, for `M`.
    pub messages: super::messages::History,
    /// `Some` while the messages view is open.
    pub messages_view: Option<super::messages::MessagesView>,
    /// `[commands]`: what plays an enclosure (`e`).
    pub enclosure_commands: crate::model::EnclosureCommands,
    /// Set by `update` when what the screen shows changed; the loop draws and clears it.
    pub redraw: bool,
    pub quit: bool,
    /// Sync through the user's gist, when on (`src/app/sync.rs`).
    pub sync: super::sync::SyncView,
}

impl State {
    pub fn new(
        pubs: impl IntoIterator<Item = (String, String)>,
        keys: KeyMap,
        now: DateTime<Utc>,
        viewport: (u16, u16),
    ) -> Self {
        Self {
            pubs: pubs
                .into_iter()
                .map(|(name, url)| PubState::new(name, url))
                .collect(),
            selected: 0,
            headlines: Vec::new(),
            headlines_of: None,
            cursor: 0,
            focus: Focus::Headlines,
            article: None,
            help: false,
            help_scroll: 0,
            filter: Filter::All,
            search: None,
            notice: None,
            last_refresh: None,
            last_auto_refresh: Some(now),
            refresh_every: None,
            now,
            frame: 0,
            viewport,
            session: Session::Anonymous,
            signin: None,
            keys,
            theme: crate::theme::Theme::default(),
            generation: 0,
            requests: Requests::default(),
            missing_scopes: Vec::new(),
            github_pubs: Vec::new(),
            config_path: None,
            storage_warning: None,
            full_screen: false,
            pubs_width: None,
            view: None,
            view_pubs: Vec::new(),
            starred: 0,
            links: None,
            pending: None,
            zone: crate::timefmt::TimeZone::UTC,
            undo: None,
            messages: super::messages::History::default(),
            messages_view: None,
            enclosure_commands: crate::model::EnclosureCommands::default(),
            redraw: true,
            quit: false,
            sync: super::sync::SyncView::default(),
        }
    }

    #[must_use]
    pub(crate) fn selected_pub(&self) -> Option<&PubState> {
        self.pubs.get(self.selected)
    }

    #[must_use]
    pub(crate) fn current_headline(&self) -> Option<&Headline> {
        self.headlines.get(self.cursor)
    }

    #[must_use]
    pub(crate) fn is_loading(&self) -> bool {
        self.pubs.iter().any(|p| p.status == FeedStatus::Loading)
    }
}
