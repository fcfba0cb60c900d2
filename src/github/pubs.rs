//! The two GitHub publications, "GitHub" (notifications) and "GitHub releases", as the rest of
//! newsroom sees them: a cache key, a name, and a refresh that merges into the same cache as
//! feeds (so filters, search, read/star, unread counts and offline start work unchanged).
//!
//! Everything GitHub sends is untrusted: titles and names go through `clean_line`, bodies are
//! HTML (GitHub renders the Markdown, see [`super::inbox`]) that the article view turns into
//! text through the same gate as feeds.

use chrono::{SubsecRound, Utc};

pub use super::publication::{INBOX_NAME, PubError, RELEASES_NAME};
use super::{GithubError, GithubSession};
use crate::model::{GITHUB_INBOX, GITHUB_RELEASES};
use crate::refresh::RefreshStatus;
use crate::store::{FeedState, SharedStore};

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
