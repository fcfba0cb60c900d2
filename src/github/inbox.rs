//! The "GitHub" publication: the notifications inbox, polled the way GitHub asks, with read
//! state that flows both ways.
//!
//! - `GET /notifications` with `If-Modified-Since` (the `Last-Modified` is kept in the cache
//!   across runs, so even a `newsroom fetch` from cron is conditional; a 304 costs no rate
//!   limit), and not again before `X-Poll-Interval` has passed (kept as the publication's
//!   `fresh_until`).
//! - For an issue or pull request, the article is its body and latest comment. They are asked
//!   with `Accept: application/vnd.github.html+json`, so GitHub renders its own Markdown
//!   (tables, task lists, mentions) and the body takes the same HTML-to-text gate as feeds;
//!   a Markdown crate would be a new dependency that renders GitHub's flavour differently.
//!   Details are asked for new or changed threads only, at most [`MAX_DETAILS`] per refresh.
//! - Opening a thread marks it read (`PATCH`, 205), `d` marks it done (`DELETE`, 204), `A`
//!   marks all read (`PUT /notifications`). Each write is queued in the cache first and
//!   removed when GitHub acknowledges it, so a failed one is retried on the next refresh and
//!   never lost.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::publication::{INBOX_NAME, PubError, escape, later, plain_repo};
use super::{Feature, GithubError, GithubSession};
use crate::feed::sanitize::clean_line;
use crate::feed::{Feed, Item};
use crate::model::GITHUB_INBOX;
use crate::refresh::RefreshStatus;
use crate::store::{FeedState, PendingWrite, SharedStore};

/// One page: what a reader looks at. GitHub's default is 50.
const PATH: &str = "/notifications?per_page=50";
/// Threads kept from one answer, whatever it holds.
const MAX_THREADS: usize = 50;
/// Subject and comment requests per refresh (the rest wait for the next one): no burst.
const MAX_DETAILS: usize = 10;
/// GitHub's documented default when it sends no `X-Poll-Interval`.
const DEFAULT_POLL: u64 = 60;
/// Marks a body built without its details, so the next refresh asks for them.
const NO_DETAILS: &str = "<!-- newsroom: details pending -->";

#[derive(Debug, Deserialize)]
struct Thread {
    id: String,
    #[serde(default)]
    unread: bool,
    #[serde(default)]
    reason: String,
    updated_at: DateTime<Utc>,
    subject: Subject,
    repository: Repository,
}

#[derive(Debug, Deserialize)]
struct Subject {
    #[serde(default)]
    title: String,
    url: Option<String>,
    latest_comment_url: Option<String>,
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct Repository {
    full_name: String,
}

/// An issue, pull request, comment or release as the subject endpoints answer.
#[derive(Debug, Deserialize, Default)]
struct Detail {
    body_html: Option<String>,
    user: Option<User>,
    author: Option<User>,
    state: Option<String>,
    tag_name: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct User {
    login: String,
}

pub(super) async fn refresh(
    session: &GithubSession,
    db: &SharedStore,
    state: &FeedState,
    now: DateTime<Utc>,
) -> Result<RefreshStatus, PubError> {
    // Writes GitHub has not acknowledged yet go first: the list below then reflects them.
    retry_pending(session, db).await;
    session.client().seed(PATH, state.validators.clone());
    let resp = match session.get(PATH).await {
        Err(GithubError::Forbidden(_) | GithubError::NotFound(_)) => {
            // GitHub answers 403 (or 404) to a token without the scope.
            return Err(session.require(Feature::Inbox).err().map_or_else(
                || {
                    PubError::Github(GithubError::Forbidden(
                        "GitHub refused to list your notifications".into(),
                    ))
                },
                PubError::Scope,
            ));
        }
        r => r?,
    };
    let poll = resp
        .poll_interval
        .map_or(DEFAULT_POLL, |d| d.as_secs().max(1));
    let mut next = FeedState {
        validators: resp.validators.clone(),
        fresh_until: Some(later(now, poll)),
        retry_after_until: None,
        last_status: Some(resp.status),
        last_error: None,
        last_fetched: Some(now),
    };
    if resp.not_modified {
        db.call(move |s| s.record_state(GITHUB_INBOX, &next))
            .await?;
        return Ok(RefreshStatus::NotModified);
    }
    let threads: Vec<serde_json::Value> = serde_json::from_slice(&resp.body)
        .map_err(|e| GithubError::Malformed(format!("the notifications list: {e}")))?;
    // A full page may have more behind it: threads not on it are not known to be read.
    let complete = threads.len() < MAX_THREADS;
    let threads: Vec<Thread> = threads
        .into_iter()
        .take(MAX_THREADS)
        .filter_map(|t| serde_json::from_value(t).ok())
        .filter(|t: &Thread| !t.id.is_empty() && t.id.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let known = db.call(|s| s.github_known(GITHUB_INBOX)).await?;
    let web = session.web_url().to_owned();
    let mut items = Vec::with_capacity(threads.len());
    let mut unread = Vec::new();
    let mut budget = MAX_DETAILS;
    let mut limited = None;
    for t in &threads {
        if t.unread {
            unread.push(t.id.clone());
        }
        let key = format!("id:thread:{}", t.id);
        let cached = known
            .get(&key)
            .filter(|(published, body)| {
                *published == Some(t.updated_at.timestamp()) && !body.contains(NO_DETAILS)
            })
            .map(|(_, body)| body.clone());
        let body = match cached {
            Some(body) => body,
            None if budget > 0 && limited.is_none() => {
                budget -= 1;
                match details(session, t).await {
                    Ok(body) => body,
                    Err(e @ (GithubError::RateLimited { .. } | GithubError::Unauthorized)) => {
                        limited = Some(e);
                        summary(t, NO_DETAILS)
                    }
                    Err(e) => summary(
                        t,
                        &format!(
                            "<p>(newsroom could not load it: {})</p>",
                            escape(&e.to_string())
                        ),
                    ),
                }
            }
            None => summary(t, NO_DETAILS),
        };
        items.push(item(t, &web, body));
    }
    if let Some(GithubError::Unauthorized) = limited {
        return Err(GithubError::Unauthorized.into());
    }
    let feed = Feed {
        title: INBOX_NAME.to_owned(),
        link: Some(format!("{web}/notifications")),
        ttl_minutes: None,
        items,
    };
    let count = feed.items.len();
    next.last_status = Some(200);
    let merged = db
        .call(move |s| {
            let merged = s.apply_fetch(INBOX_NAME, GITHUB_INBOX, &feed, &next, now)?;
            s.sync_github_unread(&unread, complete)?;
            Ok(merged)
        })
        .await?;
    Ok(RefreshStatus::Updated {
        new: merged.new,
        items: count,
        first: merged.first,
    })
}

/// The headline and the first lines of the article: repository, kind, reason.
fn item(t: &Thread, web: &str, content_html: String) -> Item {
    let repo = clean_line(&t.repository.full_name);
    let title = clean_line(&t.subject.title);
    let title = if title.is_empty() {
        "(untitled)".to_owned()
    } else {
        title
    };
    Item {
        id: Some(format!("thread:{}", t.id)),
        title: format!(
            "{title} · {repo} · {} · {}",
            kind(&t.subject.kind),
            reason(&t.reason)
        ),
        link: web_link(web, t),
        published: Some(t.updated_at),
        author: Some(repo),
        content_html,
        enclosures: Vec::new(),
    }
}

fn summary(t: &Thread, rest: &str) -> String {
    format!(
        "<p><b>{}</b> · {} · {}</p>{rest}",
        escape(&clean_line(&t.repository.full_name)),
        escape(kind(&t.subject.kind)),
        escape(&reason(&t.reason)),
    )
}

/// The subject's body and its latest comment, as HTML GitHub rendered.
async fn details(session: &GithubSession, t: &Thread) -> Result<String, GithubError> {
    let mut html = String::new();
    let subject = match &t.subject.url {
        Some(url) => Some(fetch_detail(session, url).await?),
        None => None,
    };
    if let Some(d) = &subject {
        let mut line = vec![];
        if let Some(state) = &d.state {
            line.push(escape(&clean_line(state)));
        }
        if let Some(tag) = &d.tag_name {
            line.push(escape(&clean_line(tag)));
        }
        if let Some(name) = &d.name {
            line.push(escape(&clean_line(name)));
        }
        if let Some(u) = d.user.as_ref().or(d.author.as_ref()) {
            line.push(format!("by @{}", escape(&clean_line(&u.login))));
        }
        if !line.is_empty() {
            html.push_str(&format!("<p>{}</p>", line.join(" · ")));
        }
        html.push_str(d.body_html.as_deref().unwrap_or_default());
    }
    if let Some(comment) = &t.subject.latest_comment_url
        && t.subject.url.as_ref() != Some(comment)
    {
        let c = fetch_detail(session, comment).await?;
        let by = c
            .user
            .as_ref()
            .map(|u| format!(" by @{}", escape(&clean_line(&u.login))))
            .unwrap_or_default();
        html.push_str(&format!("<hr><p><b>Latest comment{by}</b></p>"));
        html.push_str(c.body_html.as_deref().unwrap_or_default());
    }
    Ok(summary(t, &html))
}

async fn fetch_detail(session: &GithubSession, url: &str) -> Result<Detail, GithubError> {
    // A URL GitHub hands back goes to the API host only (`url_for` refuses any other).
    let resp = session.get_html(url).await?;
    if resp.body.is_empty() {
        return Ok(Detail::default());
    }
    serde_json::from_slice(&resp.body)
        .map_err(|e| GithubError::Malformed(format!("a notification's subject: {e}")))
}

fn kind(kind: &str) -> &str {
    match kind {
        "Issue" => "issue",
        "PullRequest" => "pull request",
        "Release" => "release",
        "CheckSuite" => "CI",
        "Discussion" => "discussion",
        "Commit" => "commit",
        "RepositoryVulnerabilityAlert" | "RepositoryDependabotAlertsThread" => "security alert",
        "RepositoryInvitation" => "invitation",
        _ => "notification",
    }
}

fn reason(reason: &str) -> String {
    match reason {
        "assign" => "assigned".into(),
        "ci_activity" => "CI activity".into(),
        "review_requested" => "review requested".into(),
        "team_mention" => "team mention".into(),
        "" => "subscribed".into(),
        r => clean_line(&r.replace('_', " ")),
    }
}

/// The subject's page on the configured web host, never the API URL:
/// `/repos/o/r/issues/12` → `{web}/o/r/issues/12`, `pulls/N` → `pull/N`, `commits/S` →
/// `commit/S`; a release, a discussion or CI goes to the repository's page for it.
fn web_link(web: &str, t: &Thread) -> Option<String> {
    let repo = plain_repo(&t.repository.full_name)?;
    let base = format!("{web}/{repo}");
    let tail = t.subject.url.as_deref().and_then(|u| {
        let path = url::Url::parse(u).ok()?.path().to_owned();
        let rest = path.split(&format!("/repos/{repo}/")).nth(1)?.to_owned();
        let mut parts = rest.splitn(2, '/');
        let (what, id) = (parts.next()?, parts.next()?);
        let id_ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric());
        let page = match what {
            "issues" => "issues",
            "pulls" => "pull",
            "commits" => "commit",
            "discussions" => "discussions",
            _ => return None,
        };
        id_ok.then(|| format!("/{page}/{id}"))
    });
    let tail = tail.unwrap_or_else(|| {
        match t.subject.kind.as_str() {
            "Release" => "/releases",
            "Discussion" => "/discussions",
            "CheckSuite" => "/actions",
            _ => "",
        }
        .to_owned()
    });
    Some(format!("{base}{tail}"))
}

/// Marks a thread read (`done == false`) or done, queued first so a failure is retried.
pub async fn write_thread(
    session: &GithubSession,
    db: &SharedStore,
    thread: &str,
    done: bool,
) -> Result<(), PubError> {
    let action = if done { "done" } else { "read" };
    let (t, a) = (thread.to_owned(), action.to_owned());
    db.call(move |s| s.queue_github_write(&t, &a)).await?;
    send(session, db, thread, action).await
}

/// Marks every notification read on GitHub, up to `at` (what the user saw).
pub(crate) async fn write_all_read(
    session: &GithubSession,
    db: &SharedStore,
    at: DateTime<Utc>,
) -> Result<(), PubError> {
    let action = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let a = action.clone();
    db.call(move |s| s.queue_github_write("*", &a)).await?;
    send(session, db, "*", &action).await
}

/// Sends one queued write; acknowledged ones leave the queue, failed ones stay.
async fn send(
    session: &GithubSession,
    db: &SharedStore,
    thread: &str,
    action: &str,
) -> Result<(), PubError> {
    let result = match (thread, action) {
        ("*", at) => session
            .call(
                reqwest::Method::PUT,
                "/notifications",
                Some(&serde_json::json!({ "last_read_at": at, "read": true })),
            )
            .await
            .map(drop),
        (id, _) if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) => Ok(()),
        (id, "done") => session
            .call(
                reqwest::Method::DELETE,
                &format!("/notifications/threads/{id}"),
                None,
            )
            .await
            .map(drop),
        (id, _) => session
            .call(
                reqwest::Method::PATCH,
                &format!("/notifications/threads/{id}"),
                None,
            )
            .await
            .map(drop),
    };
    let (t, a) = (thread.to_owned(), action.to_owned());
    match result {
        // Already gone on GitHub: nothing left to do.
        Ok(()) | Err(GithubError::NotFound(_)) => {
            db.call(move |s| s.clear_github_write(&t, &a)).await?;
            Ok(())
        }
        Err(e) => {
            let why = e.to_string();
            db.call(move |s| s.github_write_failed(&t, &why)).await?;
            Err(e.into())
        }
    }
}

/// Sends what is still queued, oldest first; stops at the first failure (the rest wait).
pub(crate) async fn retry_pending(session: &GithubSession, db: &SharedStore) -> usize {
    let pending: Vec<PendingWrite> = db.call(|s| s.github_pending()).await.unwrap_or_default();
    let mut sent = 0;
    for w in pending {
        if send(session, db, &w.thread, &w.action).await.is_err() {
            break;
        }
        sent += 1;
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(kind: &str, url: Option<&str>) -> Thread {
        Thread {
            id: "1".into(),
            unread: true,
            reason: "mention".into(),
            updated_at: Utc::now(),
            subject: Subject {
                title: "t".into(),
                url: url.map(Into::into),
                latest_comment_url: None,
                kind: kind.into(),
            },
            repository: Repository {
                full_name: "o/r".into(),
            },
        }
    }

    #[test]
    fn links_go_to_the_web_page_not_the_api() {
        let web = "https://github.com";
        let l = |k, u| web_link(web, &thread(k, u));
        assert_eq!(
            l("Issue", Some("https://api.github.com/repos/o/r/issues/12")).as_deref(),
            Some("https://github.com/o/r/issues/12")
        );
        assert_eq!(
            l(
                "PullRequest",
                Some("https://api.github.com/repos/o/r/pulls/7")
            )
            .as_deref(),
            Some("https://github.com/o/r/pull/7")
        );
        assert_eq!(
            l(
                "Release",
                Some("https://api.github.com/repos/o/r/releases/99")
            )
            .as_deref(),
            Some("https://github.com/o/r/releases")
        );
        assert_eq!(
            l("CheckSuite", None).as_deref(),
            Some("https://github.com/o/r/actions")
        );
        let ghe = web_link(
            "https://ghe.example.com",
            &thread(
                "Issue",
                Some("https://ghe.example.com/api/v3/repos/o/r/issues/3"),
            ),
        );
        assert_eq!(ghe.as_deref(), Some("https://ghe.example.com/o/r/issues/3"));
        // A hostile subject URL cannot smuggle a path.
        assert_eq!(
            l(
                "Issue",
                Some("https://api.github.com/repos/o/r/issues/1%2F..%2Fx")
            )
            .as_deref(),
            Some("https://github.com/o/r")
        );
    }
}
