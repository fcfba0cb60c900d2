//! The "GitHub releases" publication: new releases of the repositories the user starred.
//!
//! `GET /user/starred` (at most [`MAX_REPOS`]), then each repository's releases. Each
//! repository's `ETag` is kept in the cache across runs, so an unchanged one is a free 304;
//! and one refresh checks at most [`PER_REFRESH`] of them, the longest unchecked first, one at
//! a time, so a refresh never bursts and every repository comes round in turn. Release notes
//! come as HTML GitHub rendered from the Markdown (`body_html`), shown through the same gate
//! as feeds.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::publication::{PubError, RELEASES_NAME, later, plain_repo};
use super::{GithubError, GithubSession};
use crate::feed::sanitize::clean_line;
use crate::feed::{Feed, Item};
use crate::model::{GITHUB_RELEASES, Validators};
use crate::refresh::RefreshStatus;
use crate::store::{FeedState, SharedStore};

/// Starred repositories considered: a few hundred at most.
const MAX_REPOS: usize = 300;
/// Repositories checked per refresh.
const PER_REFRESH: usize = 30;
/// Releases read per repository (the newest).
const PER_REPO: usize = 5;
/// Unforced refreshes of this publication wait this long (seconds).
const EVERY: u64 = 15 * 60;

#[derive(Debug, Deserialize)]
struct Starred {
    full_name: String,
}

#[derive(Debug, Deserialize)]
struct Release {
    id: u64,
    #[serde(default)]
    tag_name: String,
    name: Option<String>,
    body_html: Option<String>,
    #[serde(default)]
    draft: bool,
    published_at: Option<DateTime<Utc>>,
    created_at: Option<DateTime<Utc>>,
}

pub(super) async fn refresh(
    session: &GithubSession,
    db: &SharedStore,
    state: &FeedState,
    now: DateTime<Utc>,
) -> Result<RefreshStatus, PubError> {
    let repos = starred(session).await?;
    let paths: Vec<String> = repos
        .iter()
        .map(|r| format!("/repos/{r}/releases?per_page={PER_REPO}"))
        .collect();
    let order = db.call(move |s| s.github_check_order(&paths)).await?;
    let web = session.web_url().to_owned();
    let mut items = Vec::new();
    let mut failure = None;
    let mut changed = false;
    for path in order.into_iter().take(PER_REFRESH) {
        let (validators, _) = db
            .call({
                let p = path.clone();
                move |s| s.github_validators(&p)
            })
            .await?;
        session.client().seed(&path, validators);
        let resp = match session.get_html(&path).await {
            Ok(r) => r,
            Err(GithubError::NotFound(_)) => {
                // No longer there (renamed, private): checked, nothing to show.
                remember(db, &path, Validators::default(), now).await?;
                continue;
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        remember(db, &path, resp.validators.clone(), now).await?;
        if resp.not_modified || resp.body.is_empty() {
            continue;
        }
        let repo = path
            .trim_start_matches("/repos/")
            .split("/releases")
            .next()
            .unwrap_or_default()
            .to_owned();
        let list: Vec<serde_json::Value> = serde_json::from_slice(&resp.body)
            .map_err(|e| GithubError::Malformed(format!("the releases of {repo}: {e}")))?;
        changed = true;
        items.extend(
            list.into_iter()
                .take(PER_REPO)
                .filter_map(|v| serde_json::from_value::<Release>(v).ok())
                .filter(|r| !r.draft)
                .map(|r| item(&web, &repo, r)),
        );
    }
    if let Some(GithubError::Unauthorized) = failure {
        return Err(GithubError::Unauthorized.into());
    }
    let next = FeedState {
        validators: Validators::default(),
        fresh_until: Some(later(now, EVERY)),
        retry_after_until: None,
        last_status: Some(200),
        last_error: None,
        last_fetched: Some(now),
    };
    let count = items.len();
    let result = if changed || state.last_fetched.is_none() {
        let feed = Feed {
            title: RELEASES_NAME.to_owned(),
            link: None,
            ttl_minutes: None,
            items,
        };
        let merged = db
            .call(move |s| s.apply_fetch(RELEASES_NAME, GITHUB_RELEASES, &feed, &next, now))
            .await?;
        RefreshStatus::Updated {
            new: merged.new,
            items: count,
            first: merged.first,
        }
    } else {
        db.call(move |s| s.record_state(GITHUB_RELEASES, &next))
            .await?;
        RefreshStatus::NotModified
    };
    match failure {
        // What arrived before the limit is kept; the limit is said.
        Some(e) => Err(e.into()),
        None => Ok(result),
    }
}

async fn remember(
    db: &SharedStore,
    path: &str,
    v: crate::model::Validators,
    now: DateTime<Utc>,
) -> Result<(), PubError> {
    let p = path.to_owned();
    db.call(move |s| s.set_github_validators(&p, &v, now.timestamp()))
        .await?;
    Ok(())
}

/// The starred repositories with plain names, at most [`MAX_REPOS`], following pages.
async fn starred(session: &GithubSession) -> Result<Vec<String>, GithubError> {
    let mut repos = Vec::new();
    let mut next = Some("/user/starred?per_page=100".to_owned());
    while let Some(path) = next.take() {
        let resp = session.get(&path).await?;
        let page: Vec<serde_json::Value> = serde_json::from_slice(&resp.body)
            .map_err(|e| GithubError::Malformed(format!("the starred repositories: {e}")))?;
        repos.extend(
            page.into_iter()
                .filter_map(|v| serde_json::from_value::<Starred>(v).ok())
                .filter_map(|s| plain_repo(&s.full_name).map(str::to_owned)),
        );
        if repos.len() >= MAX_REPOS {
            repos.truncate(MAX_REPOS);
            break;
        }
        next = resp.next_page;
    }
    Ok(repos)
}

fn item(web: &str, repo: &str, r: Release) -> Item {
    let tag = clean_line(&r.tag_name);
    let name = r
        .name
        .as_deref()
        .map(clean_line)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| tag.clone());
    let mut link = url::Url::parse(&format!("{web}/{repo}/releases/tag/")).ok();
    if let Some(u) = &mut link
        && let Ok(mut segs) = u.path_segments_mut()
    {
        segs.pop_if_empty().push(&r.tag_name);
    }
    Item {
        id: Some(format!("release:{}", r.id)),
        title: format!("{repo} {name}"),
        link: link.map(String::from),
        published: r.published_at.or(r.created_at),
        author: Some(repo.to_owned()),
        content_html: r.body_html.unwrap_or_default(),
        enclosures: Vec::new(),
    }
}
