//! What both GitHub publications are made of: their names, why a refresh fails, and the small
//! helpers both build their articles with (`src/github/inbox.rs`, `src/github/releases.rs`).
//! `src/github/pubs.rs` is the door the rest of newsroom uses.

use chrono::{DateTime, Utc};

use super::{GithubError, MissingScope};
use crate::store::StoreError;

pub const INBOX_NAME: &str = "GitHub";
pub const RELEASES_NAME: &str = "GitHub releases";

/// Why a GitHub publication could not be refreshed.
#[derive(Debug, thiserror::Error)]
pub enum PubError {
    #[error(transparent)]
    Github(#[from] GithubError),
    #[error(transparent)]
    Scope(#[from] MissingScope),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `now + secs`, saturating.
pub(super) fn later(now: DateTime<Utc>, secs: u64) -> DateTime<Utc> {
    now + chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000).min(86_400))
}

/// Text for HTML built here around GitHub's own HTML: untrusted values are escaped so they
/// stay text.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A repository's `owner/name` if it is a plain one (letters, digits, `-`, `_`, `.`): only
/// such names are put into URLs and API paths.
pub(super) fn plain_repo(full_name: &str) -> Option<&str> {
    let (owner, name) = full_name.split_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (ok(owner) && ok(name)).then_some(full_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_repository_names_go_into_urls() {
        assert_eq!(
            plain_repo("octo-org/hello.world"),
            Some("octo-org/hello.world")
        );
        for bad in ["a", "a/b/c", "../x", "a/..", "a/b?x", "a /b", "a/b#", "/b"] {
            assert_eq!(plain_repo(bad), None, "{bad}");
        }
    }

    #[test]
    fn escaping_keeps_markup_as_text() {
        assert_eq!(escape("<b>&\""), "&lt;b&gt;&amp;&quot;");
    }
}
