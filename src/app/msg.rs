//! The one vocabulary of change: every input is a [`Msg`]; every side effect `update` wants is a
//! [`Cmd`] that the runtime carries out and answers with more messages.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::state::Filter;
use crate::store::{Article, Headline, SearchHit};

/// How one publication's refresh ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    Updated {
        new: usize,
        items: usize,
    },
    NotModified,
    /// Skipped: the cached copy is still fresh.
    Fresh,
    Failed(String),
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick(DateTime<Utc>),
    Headlines {
        generation: u64,
        url: String,
        headlines: Vec<Headline>,
    },
    Article(Box<Article>),
    SearchResults {
        generation: u64,
        hits: Vec<SearchHit>,
    },
    Refreshed {
        url: String,
        outcome: FeedOutcome,
        at: DateTime<Utc>,
    },
    UnreadCounts(HashMap<String, u32>),
    /// Something at an edge failed in a way the user should see (cache, browser, clipboard).
    Problem(String),
    Info(String),
    Auth(super::signin::AuthMsg),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    LoadHeadlines {
        url: String,
        filter: Filter,
        generation: u64,
    },
    LoadArticle {
        id: i64,
    },
    /// Search every publication. Answered by `SearchResults`; a newer one replaces it.
    Search {
        query: String,
        filter: Filter,
        /// How many results: the first page, more as the cursor reaches the end.
        limit: usize,
        generation: u64,
    },
    Refresh {
        urls: Vec<String>,
        force: bool,
    },
    LoadUnreadCounts,
    SetRead {
        id: i64,
        read: bool,
    },
    SetStarred {
        id: i64,
        starred: bool,
    },
    MarkAllRead {
        url: String,
    },
    /// Open an http(s) URL in the browser, without blocking the UI.
    OpenUrl(String),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Check the stored token (in the background).
    CheckSession,
    /// Start a device-flow sign-in (cancelling any running one).
    StartSignIn,
    CancelSignIn,
}
