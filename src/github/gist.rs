// TEMPORARY STUB (not committed): stands in for the gist client until issue-10-gist merges.
#![allow(dead_code, clippy::unused_async)]
use super::{GithubError, GithubSession};
use crate::auth::scopes::MissingScope;
use std::collections::BTreeMap;
pub(crate) struct GistSummary {
    pub id: String,
    pub description: String,
    pub updated_at: String,
    pub files: Vec<String>,
}
pub(crate) struct GistVersion {
    pub version: String,
    pub committed_at: String,
}
pub(crate) struct Gist {
    pub id: String,
    pub description: String,
    pub updated_at: String,
    pub files: BTreeMap<String, String>,
    pub history: Vec<GistVersion>,
}
#[derive(Debug, thiserror::Error)]
pub(crate) enum GistError {
    #[error("x")]
    MissingScope(MissingScope),
    #[error("x")]
    NotFound,
    #[error("x")]
    Malformed(String),
    #[error("x")]
    RateLimited {
        until: chrono::DateTime<chrono::Utc>,
    },
    #[error("x")]
    Github(GithubError),
}
impl GithubSession {
    pub(crate) async fn gists(&self) -> Result<Vec<GistSummary>, GistError> {
        Err(GistError::NotFound)
    }
    pub(crate) async fn gist(&self, _id: &str) -> Result<Gist, GistError> {
        Err(GistError::NotFound)
    }
    pub(crate) async fn gist_at(&self, _id: &str, _v: &str) -> Result<Gist, GistError> {
        Err(GistError::NotFound)
    }
    pub(crate) async fn gist_commits(&self, _id: &str) -> Result<Vec<GistVersion>, GistError> {
        Err(GistError::NotFound)
    }
    pub(crate) async fn create_gist(
        &self,
        _d: &str,
        _f: &BTreeMap<String, String>,
    ) -> Result<Gist, GistError> {
        Err(GistError::NotFound)
    }
    pub(crate) async fn patch_gist(
        &self,
        _id: &str,
        _f: &BTreeMap<String, Option<String>>,
    ) -> Result<Gist, GistError> {
        Err(GistError::NotFound)
    }
}
