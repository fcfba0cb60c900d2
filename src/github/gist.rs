//! The user's gists over GitHub's REST API, as sync uses them: list (every page), read (a
//! version too), the commit list, create (always secret) and patch. Everything goes through
//! the session's [`super::GithubClient`], so reads are conditional (`ETag`, a free 304) and the
//! token goes to the API origin only.
//!
//! GitHub's gist quirks handled here:
//! - a file over 1 MB comes back cut, `truncated: true`: its whole content is fetched from its
//!   `raw_url`, on GitHub's raw host, WITHOUT the token (secret gists' raw URLs need none);
//! - more than 300 files truncate the file list itself: [`GistError::Malformed`], since
//!   writing back what was read would lose the rest;
//! - a token without the `gist` scope gets 404, as a deleted gist does: the `X-OAuth-Scopes`
//!   of that 404 tells the two apart ([`GistError::MissingScope`] or [`GistError::NotFound`]);
//! - writes go at least a second apart, and a secondary rate limit's `retry-after` is waited
//!   out when it is short ([`MAX_RETRY_WAIT`]), else [`GistError::RateLimited`];
//! - there is no compare-and-swap: GitHub answers a `PATCH` with `If-Match` 400, so none is
//!   sent; a caller detects a concurrent write from the commit list.
//!
//! File contents and descriptions are the user's text, returned as they are: display them only
//! through the gate ([`crate::gate`]).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;

use super::{Feature, GithubError, GithubSession, MissingScope, Response};
use crate::auth::TokenSource;

/// GitHub's largest page.
const PER_PAGE: usize = 100;
/// Pages of `GET /gists` followed at most (10,000 gists).
const MAX_PAGES: usize = 100;
/// Pages of a gist's commit list followed at most, looking for a known version.
const MAX_COMMIT_PAGES: usize = 10;
/// The longest `retry-after` waited out inside one call; a longer one is
/// [`GistError::RateLimited`] for the caller to schedule.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);
/// Rate-limited attempts retried per call.
const RETRIES: usize = 2;

/// One gist of the listing (file names only: the listing carries no contents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GistSummary {
    pub id: String,
    pub description: String,
    pub updated_at: String,
    pub files: Vec<String>,
}

/// One version of a gist, as `history` and the commit list give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GistVersion {
    /// The commit sha, for [`GithubSession::gist_at`].
    pub version: String,
    pub committed_at: String,
}

/// A gist, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gist {
    pub id: String,
    pub description: String,
    pub updated_at: String,
    /// file name -> whole content (a `truncated: true` file is fetched whole from its `raw_url`)
    pub files: BTreeMap<String, String>,
    /// newest first, as GitHub lists it
    pub history: Vec<GistVersion>,
}

impl Gist {
    /// The version this content is (the newest of its history), if GitHub sent a history.
    #[must_use]
    pub fn version(&self) -> Option<&str> {
        self.history.first().map(|v| v.version.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GistError {
    /// GitHub answers 404 (not 403) to a token without `gist`: told apart from a deleted gist
    /// by the response's X-OAuth-Scopes header.
    #[error(transparent)]
    MissingScope(MissingScope),
    /// The gist was deleted (or never existed).
    #[error("the sync gist is gone (deleted on GitHub, or never there)")]
    NotFound,
    /// A body we cannot read; the listing truncated at 300 files; ...
    #[error("GitHub sent a gist newsroom cannot read: {0}")]
    Malformed(String),
    /// When bounded waiting is not enough.
    #[error("GitHub asks newsroom to wait before writing the gist again, until {}", .until.format("%H:%M:%S UTC"))]
    RateLimited { until: DateTime<Utc> },
    #[error(transparent)]
    Github(GithubError),
}

impl GistError {
    /// What to tell the user, on one clean line. For a missing scope: the `gist` scope, and
    /// the way to it (`newsroom login`, or the variable when the token comes from
    /// `NEWSROOM_GITHUB_TOKEN`).
    #[must_use]
    pub fn user_message(&self) -> String {
        crate::gate::clean_line(&self.to_string())
    }
}

/// What to tell the user when the token lacks `gist`: names the scope, why, and the way to it.
#[must_use]
pub fn missing_scope_message(from_env: bool) -> String {
    MissingScope {
        feature: Feature::Sync,
        from_env,
    }
    .to_string()
}

#[derive(Deserialize)]
struct WireFile {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    raw_url: Option<String>,
}

#[derive(Deserialize)]
struct WireGist {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    files: BTreeMap<String, Option<WireFile>>,
    /// More than 300 files: the list holds the first 300 only.
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    history: Vec<WireVersion>,
}

#[derive(Deserialize)]
struct WireVersion {
    version: String,
    #[serde(default)]
    committed_at: Option<String>,
}

impl From<WireVersion> for GistVersion {
    fn from(v: WireVersion) -> Self {
        Self {
            version: v.version,
            committed_at: v.committed_at.unwrap_or_default(),
        }
    }
}

impl GithubSession {
    /// `GET /gists`: the token owner's gists, secret ones included, every page (via `Link`).
    pub async fn gists(&self) -> Result<Vec<GistSummary>, GistError> {
        let mut out = Vec::new();
        let mut path = format!("/gists?per_page={PER_PAGE}");
        for _ in 0..MAX_PAGES {
            let resp = gist_call(self, Method::GET, &path, None).await?;
            let page: Vec<WireGist> = parse(&resp.body, "the list of gists")?;
            out.extend(page.into_iter().map(|g| GistSummary {
                id: g.id,
                description: g.description.unwrap_or_default(),
                updated_at: g.updated_at.unwrap_or_default(),
                files: g.files.into_keys().collect(),
            }));
            match resp.next_page {
                Some(next) => path = next,
                None => return Ok(out),
            }
        }
        Err(GistError::Malformed(format!(
            "more than {} gists listed",
            MAX_PAGES * PER_PAGE
        )))
    }

    /// `GET /gists/{id}`: the newest version, every file whole.
    pub async fn gist(&self, id: &str) -> Result<Gist, GistError> {
        let path = format!("/gists/{}", checked(id, "gist id")?);
        let resp = gist_call(self, Method::GET, &path, None).await?;
        read_gist(self, &resp.body).await
    }

    /// `GET /gists/{id}/{sha}`: the gist as it was at `version`.
    pub async fn gist_at(&self, id: &str, version: &str) -> Result<Gist, GistError> {
        let path = format!(
            "/gists/{}/{}",
            checked(id, "gist id")?,
            checked(version, "gist version")?
        );
        let resp = gist_call(self, Method::GET, &path, None).await?;
        read_gist(self, &resp.body).await
    }

    /// `GET /gists/{id}/commits`: the newest versions (up to 100, one page), newest first. A
    /// caller that wrote version V and finds a newer one above it knows someone else wrote.
    pub async fn gist_commits(&self, id: &str) -> Result<Vec<GistVersion>, GistError> {
        let path = format!(
            "/gists/{}/commits?per_page={PER_PAGE}",
            checked(id, "gist id")?
        );
        let resp = gist_call(self, Method::GET, &path, None).await?;
        let list: Vec<WireVersion> = parse(&resp.body, "the gist's commits")?;
        Ok(list.into_iter().map(GistVersion::from).collect())
    }

    /// The versions written after `known`, newest first, following the commit list's pages
    /// (at most [`MAX_COMMIT_PAGES`]) until `known` appears: what others wrote since this
    /// machine last merged. `None` if `known` is not there (the gist was replaced, or more than
    /// a thousand versions came since): merge from the newest then.
    pub async fn gist_commits_since(
        &self,
        id: &str,
        known: &str,
    ) -> Result<Option<Vec<GistVersion>>, GistError> {
        let mut path = format!(
            "/gists/{}/commits?per_page={PER_PAGE}",
            checked(id, "gist id")?
        );
        let mut newer = Vec::new();
        for _ in 0..MAX_COMMIT_PAGES {
            let resp = gist_call(self, Method::GET, &path, None).await?;
            let list: Vec<WireVersion> = parse(&resp.body, "the gist's commits")?;
            for v in list {
                if v.version == known {
                    return Ok(Some(newer));
                }
                newer.push(GistVersion::from(v));
            }
            match resp.next_page {
                Some(next) => path = next,
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// `POST /gists`, always secret (`public: false`). GitHub refuses an empty file.
    pub async fn create_gist(
        &self,
        description: &str,
        files: &BTreeMap<String, String>,
    ) -> Result<Gist, GistError> {
        let files: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(name, content)| (name.clone(), serde_json::json!({ "content": content })))
            .collect();
        let body = serde_json::json!({
            "description": description,
            "public": false,
            "files": files,
        });
        let resp = gist_call(self, Method::POST, "/gists", Some(&body)).await?;
        read_gist(self, &resp.body).await
    }

    /// `PATCH /gists/{id}`: files named get this content (`None` deletes the file); files not
    /// named stay as they are. No `If-Match` (GitHub answers it 400): last writer wins, and the
    /// commit list shows whether someone wrote in between.
    pub async fn patch_gist(
        &self,
        id: &str,
        files: &BTreeMap<String, Option<String>>,
    ) -> Result<Gist, GistError> {
        let path = format!("/gists/{}", checked(id, "gist id")?);
        let files: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(name, content)| {
                let v = content.as_ref().map_or(
                    serde_json::Value::Null,
                    |c| serde_json::json!({ "content": c }),
                );
                (name.clone(), v)
            })
            .collect();
        let body = serde_json::json!({ "files": files });
        let resp = gist_call(self, Method::PATCH, &path, Some(&body)).await?;
        read_gist(self, &resp.body).await
    }
}

/// Ids and shas are GitHub's hex (or alphanumeric, for old gists): anything else would change
/// the path.
fn checked<'a>(s: &'a str, what: &str) -> Result<&'a str, GistError> {
    if !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(s)
    } else {
        Err(GistError::Malformed(format!(
            "not a {what}: {}",
            crate::gate::clean_line(&s.chars().take(70).collect::<String>())
        )))
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, GistError> {
    serde_json::from_slice(body).map_err(|e| {
        // serde quotes the offending text, which is GitHub's (the user's): kept to one clean line.
        let why = crate::gate::clean_line(&e.to_string());
        GistError::Malformed(format!(
            "{what}: {}",
            why.chars().take(200).collect::<String>()
        ))
    })
}

/// A gist's JSON to a [`Gist`], truncated files fetched whole from their raw URLs.
async fn read_gist(session: &GithubSession, body: &[u8]) -> Result<Gist, GistError> {
    let wire: WireGist = parse(body, "the gist")?;
    if wire.truncated {
        return Err(GistError::Malformed(
            "the gist has more files than GitHub lists (300): newsroom will not write back a part of it"
                .into(),
        ));
    }
    let mut files = BTreeMap::new();
    for (name, file) in wire.files {
        let Some(file) = file else { continue };
        let content = match file.content {
            Some(c) if !file.truncated => c,
            // Cut at 1 MB (or sent without content): the whole file is at its raw URL.
            _ => whole_file(session, &name, file.raw_url).await?,
        };
        files.insert(name, content);
    }
    Ok(Gist {
        id: wire.id,
        description: wire.description.unwrap_or_default(),
        updated_at: wire.updated_at.unwrap_or_default(),
        files,
        history: wire.history.into_iter().map(GistVersion::from).collect(),
    })
}

/// A cut file, whole, from its `raw_url` (without the token: see
/// [`super::GithubClient::get_untokened`]).
async fn whole_file(
    session: &GithubSession,
    name: &str,
    raw_url: Option<String>,
) -> Result<String, GistError> {
    let name = crate::gate::clean_line(name);
    let url = raw_url
        .ok_or_else(|| GistError::Malformed(format!("{name} is cut short and has no raw_url")))?;
    let bytes = session
        .client()
        .get_untokened(&url)
        .await
        .map_err(|e| match e {
            // The raw URL names a version: gone means the gist was deleted meanwhile.
            GithubError::NotFound(_) => {
                GistError::Malformed(format!("{name} vanished from its raw URL"))
            }
            e => GistError::Github(e),
        })?;
    String::from_utf8(bytes).map_err(|_| GistError::Malformed(format!("{name} is not UTF-8 text")))
}

/// One gist call: writes paced, a short `retry-after` waited out (bounded), a 404 told apart
/// from a missing scope.
async fn gist_call(
    session: &GithubSession,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<Response, GistError> {
    let write = method != Method::GET;
    let mut retries = 0;
    loop {
        let call = session.call_scoped(method.clone(), path, body, None);
        let (result, scopes) = if write {
            session.client().paced(call).await
        } else {
            call.await
        };
        match result {
            Ok(resp) => return Ok(resp),
            Err(GithubError::NotFound(_)) => return Err(not_found(session, scopes.as_deref())),
            Err(GithubError::RateLimited { until, .. }) => {
                let wait = (until - Utc::now()).to_std().unwrap_or_default();
                if retries >= RETRIES || wait > MAX_RETRY_WAIT {
                    return Err(GistError::RateLimited { until });
                }
                retries += 1;
                // A little past the time given: the client refuses to send before it.
                tokio::time::sleep(wait + Duration::from_millis(20)).await;
            }
            Err(e) => return Err(GistError::Github(e)),
        }
    }
}

/// A 404 is a missing `gist` scope when the scopes GitHub reported (on this answer, else
/// earlier) lack it; otherwise the gist is not there. A token with no classic scopes at all
/// (GitHub Apps send none) cannot be judged and counts as "not there".
fn not_found(session: &GithubSession, scopes: Option<&[String]>) -> GistError {
    let known = scopes.map_or_else(|| session.scopes(), <[String]>::to_vec);
    if !known.is_empty() && !super::grants(&known, Feature::Sync.scope()) {
        return GistError::MissingScope(MissingScope {
            feature: Feature::Sync,
            from_env: *session.source() == TokenSource::Env,
        });
    }
    GistError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_change_the_path_are_refused() {
        assert!(checked("aa5a315d61ae9438b18d", "gist id").is_ok());
        for bad in ["", "../user", "a/b", "a?b=1", "a b", "é"] {
            assert!(
                matches!(checked(bad, "gist id"), Err(GistError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_missing_scope_message_names_gist_and_the_way_to_it() {
        let signed_in = missing_scope_message(false);
        assert!(signed_in.contains("`gist`"), "{signed_in}");
        assert!(signed_in.contains("newsroom login"), "{signed_in}");
        let env = missing_scope_message(true);
        assert!(
            env.contains("`gist`") && env.contains("NEWSROOM_GITHUB_TOKEN"),
            "{env}"
        );
        let e = GistError::MissingScope(MissingScope {
            feature: Feature::Sync,
            from_env: false,
        });
        assert_eq!(e.user_message(), signed_in);
    }

    #[test]
    fn a_malformed_body_is_one_clean_line() {
        let e = parse::<WireGist>(
            b"{\"id\": \"\x1b[31mred\x1b[0m\", \"files\": 3}",
            "the gist",
        )
        .err()
        .unwrap();
        let text = e.to_string();
        assert!(!text.contains('\x1b') && !text.contains('\n'), "{text:?}");
    }
}
