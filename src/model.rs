//! The plain data the core, the view and the edges share: what a headline and an article are,
//! and the validators a conditional request sends back. No IO and no behaviour beyond small
//! helpers, so that the core (`app`) and the view (`ui`) need neither the cache nor HTTP.

use chrono::{DateTime, Utc};

/// One row of the headline list: what the list shows, without the article body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub id: i64,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub read: bool,
    pub starred: bool,
}

/// A whole article, loaded only when opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub headline: Headline,
    pub publication: String,
    pub author: Option<String>,
    pub content_html: String,
    /// The story extracted from the article's web page, if that has been done (clean text).
    pub full_text: Option<String>,
    /// Why the last extraction failed, if it did (short, clean).
    pub full_text_error: Option<String>,
    /// Media files the feed attached (podcast episodes, videos), in the feed's order.
    pub enclosures: Vec<Enclosure>,
}

/// A media file attached to an article: RSS `<enclosure>`, Atom `link rel="enclosure"`, JSON
/// Feed `attachments`, Media RSS `media:content`. Cleaned by the feed module (an http(s) URL,
/// a one-line type); never a command.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Enclosure {
    pub url: String,
    /// The MIME type the feed gave (`audio/mpeg`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// The size in bytes the feed gave, if any (feeds often say 0 or lie: shown, never trusted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
}

/// One search result: a headline and the publication it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub headline: Headline,
    pub publication: String,
}

/// Which articles a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    All,
    Unread,
    Starred,
}

impl Filter {
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::All => Self::Unread,
            Self::Unread => Self::Starred,
            Self::Starred => Self::All,
        }
    }
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Unread => "unread",
            Self::Starred => "starred",
        }
    }
}

/// Validators from a previous response, sent back exactly as received (`ETag`,
/// `Last-Modified`). Feeds and GitHub both use them: a 304 costs nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// Where a publication's articles come from. The cache and the state key a publication by
/// [`Source::key`], so a source that is not a feed fits without special cases.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// An RSS, Atom or JSON Feed at this http(s) URL.
    Feed { url: String },
    /// The signed-in user's GitHub notifications.
    GithubInbox,
    /// New releases of the repositories the signed-in user starred.
    GithubReleases,
}

/// The cache key of the "GitHub" (notifications) publication: not a URL, so no feed can
/// collide with it.
pub const GITHUB_INBOX: &str = "github:inbox";
/// The cache key of the "GitHub releases" publication.
pub const GITHUB_RELEASES: &str = "github:releases";

impl Source {
    pub fn feed(url: impl Into<String>) -> Self {
        Self::Feed { url: url.into() }
    }

    /// The stable key of the publication in the cache and the state (a feed's URL).
    #[must_use]
    pub fn key(&self) -> &str {
        match self {
            Self::Feed { url } => url,
            Self::GithubInbox => GITHUB_INBOX,
            Self::GithubReleases => GITHUB_RELEASES,
        }
    }

    /// The source a cache key stands for.
    #[must_use]
    pub(crate) fn from_key(key: &str) -> Self {
        match key {
            GITHUB_INBOX => Self::GithubInbox,
            GITHUB_RELEASES => Self::GithubReleases,
            url => Self::feed(url),
        }
    }

    #[must_use]
    pub(crate) fn is_github(&self) -> bool {
        !matches!(self, Self::Feed { .. })
    }
}

/// GitHub's rate-limit budget, as its `x-ratelimit-*` headers said last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u64,
    pub remaining: u64,
    pub reset: DateTime<Utc>,
}

impl RateLimit {
    /// From `x-ratelimit-limit`, `-remaining` and `-reset` (epoch seconds), if all are there.
    #[must_use]
    pub(crate) fn from_headers(headers: &reqwest::header::HeaderMap) -> Option<Self> {
        let num = |h: &str| {
            headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let reset = i64::try_from(num("x-ratelimit-reset")?).ok()?;
        Some(Self {
            limit: num("x-ratelimit-limit")?,
            remaining: num("x-ratelimit-remaining")?,
            reset: DateTime::from_timestamp(reset, 0)?,
        })
    }
}

/// A list across publications, shown apart from them in the publication pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// Every unread article, newest first.
    Unread,
    /// Every starred article, newest first.
    Starred,
}

impl View {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Unread => "Unread",
            Self::Starred => "Starred",
        }
    }
}

/// One row of a [`View`]: a headline and the key (feed URL) of its publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewRow {
    pub headline: Headline,
    pub publication: String,
}
/// `[commands]`: what plays an enclosure, by the MIME type's family. Argument vectors from the
/// user's config (never from a feed); the URL is added as one more argument, never put inside
/// a string, and no shell is involved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnclosureCommands {
    /// `enclosure = ["mpv", "--"]`: any enclosure without a more specific command.
    pub any: Option<Vec<String>>,
    /// `enclosure_audio`: `audio/*`.
    pub audio: Option<Vec<String>>,
    /// `enclosure_video`: `video/*`.
    pub video: Option<Vec<String>>,
    /// `enclosure_terminal`: the command is given the terminal (the reader waits until it exits,
    /// as for a text-mode browser); `false` starts it detached, output discarded.
    pub terminal: bool,
}

impl EnclosureCommands {
    /// The command for an enclosure of this type, if one is configured.
    #[must_use]
    pub fn for_mime(&self, mime: Option<&str>) -> Option<&[String]> {
        let family = mime.and_then(|m| m.split('/').next()).unwrap_or("");
        let specific = match family {
            "audio" => self.audio.as_deref(),
            "video" => self.video.as_deref(),
            _ => None,
        };
        specific.or(self.any.as_deref()).filter(|c| !c.is_empty())
    }
}
