//! The two GitHub publications, "GitHub" (notifications) and "GitHub releases", as the rest of
//! newsroom sees them: a cache key, a name, and a refresh that merges into the same cache as
//! feeds (so filters, search, read/star, unread counts and offline start work unchanged).
//!
//! Everything GitHub sends is untrusted: titles and names go through `clean_line`, bodies are
//! HTML (GitHub renders the Markdown, see [`super::inbox`]) that the article view turns into
//! text through the same gate as feeds.

use chrono::{DateTime, SubsecRound, Utc};

use super::{GithubError, GithubSession, MissingScope};
use crate::model::{GITHUB_INBOX, GITHUB_RELEASES};
use crate::refresh::RefreshStatus;
use crate::store::{FeedState, SharedStore, StoreError};

pub const INBOX_NAME: &str = "GitHub";
pub const RELEASES_NAME: &str = "GitHub releases";

/// The GitHub publications a signed-in user sees, after the configured ones, in this order:
/// `(name, key)`.
#[must_use]
pub fn publications(inbox: bool, releases: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if inbox {
        out.push((INBOX_NAME.to_owned(), GITHUB_INBOX.to_owned()));
    }
    if releases {
        out.push((RELEASES_NAME.to_owned(), GITHUB_RELEASES.to_owned()));
    }
    out
}

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

/// Refreshes the GitHub publication `key`. `force` (the user pressed `r` on it) skips the
/// wait GitHub asked for between polls; nothing else does.
pub async fn refresh(
    session: &GithubSession,
    db: &SharedStore,
    key: &str,
    force: bool,
) -> Result<RefreshStatus, PubError> {
    let state = db
        .call({
            let key = key.to_owned();
            move |s| s.feed_state(&key)
        })
        .await?;
    let now = Utc::now().trunc_subsecs(0);
    if let Some(until) = state.retry_after_until.filter(|t| *t > now) {
        return Ok(RefreshStatus::Failed {
            message: format!(
                "GitHub's rate limit is reached: newsroom waits until {}",
                until.format("%H:%M:%S UTC")
            ),
            retry_after: Some(until),
        });
    }
    if !force && state.fresh_until.is_some_and(|t| t > now) {
        return Ok(RefreshStatus::Fresh);
    }
    let result = match key {
        GITHUB_INBOX => super::inbox::refresh(session, db, &state, now).await,
        GITHUB_RELEASES => super::releases::refresh(session, db, &state, now).await,
        other => {
            return Err(PubError::Github(GithubError::Malformed(format!(
                "{other} is not a GitHub publication"
            ))));
        }
    };
    if let Err(PubError::Github(GithubError::RateLimited { until, .. })) = &result {
        // Remembered across runs: a `newsroom fetch` from cron waits too.
        let next = FeedState {
            retry_after_until: Some(*until),
            last_error: Some("rate limited".into()),
            ..state
        };
        let key = key.to_owned();
        db.call(move |s| s.record_state(&key, &next)).await?;
    }
    result
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
