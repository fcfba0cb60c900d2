//! The round's gist API on the signed-in session (`src/github/gist.rs`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::auth::scopes::MissingScope;
use crate::github::GithubSession;
use crate::github::gist::{Gist, GistError};

/// A gist as the round needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteGist {
    pub id: String,
    pub description: String,
    /// Every file, whole.
    pub files: BTreeMap<String, String>,
    /// Versions (commit ids), newest first.
    pub history: Vec<String>,
}

/// One entry of the user's gist list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub description: String,
    pub files: Vec<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    #[error("{0}")]
    MissingScope(MissingScope),
    #[error("the gist is gone")]
    NotFound,
    #[error("GitHub asks newsroom to wait until {}", .until.format("%H:%M:%S UTC"))]
    RateLimited { until: DateTime<Utc> },
    /// Encryption: a wrong passphrase, a damaged sealed file (the message says what to do).
    #[error("{0}")]
    Sealed(String),
    #[error("{0}")]
    Other(String),
}

/// The gist API as the round uses it (`GithubSession` below; the sealing wrapper in
/// `src/sync/sealed.rs`).
pub(crate) trait GistApi {
    async fn list(&self) -> Result<Vec<Listed>, RemoteError>;
    async fn get(&self, id: &str) -> Result<RemoteGist, RemoteError>;
    async fn get_at(&self, id: &str, version: &str) -> Result<RemoteGist, RemoteError>;
    async fn commits(&self, id: &str) -> Result<Vec<String>, RemoteError>;
    async fn create(
        &self,
        description: &str,
        files: &BTreeMap<String, String>,
    ) -> Result<RemoteGist, RemoteError>;
    async fn patch(
        &self,
        id: &str,
        files: &BTreeMap<String, Option<String>>,
    ) -> Result<RemoteGist, RemoteError>;
}

fn remote(g: Gist) -> RemoteGist {
    RemoteGist {
        id: g.id,
        description: g.description,
        files: g.files,
        history: g.history.into_iter().map(|v| v.version).collect(),
    }
}

fn error(e: GistError) -> RemoteError {
    match e {
        GistError::MissingScope(m) => RemoteError::MissingScope(m),
        GistError::NotFound => RemoteError::NotFound,
        GistError::RateLimited { until } => RemoteError::RateLimited { until },
        e => RemoteError::Other(e.to_string()),
    }
}

impl GistApi for GithubSession {
    async fn list(&self) -> Result<Vec<Listed>, RemoteError> {
        Ok(self
            .gists()
            .await
            .map_err(error)?
            .into_iter()
            .map(|g| Listed {
                id: g.id,
                description: g.description,
                files: g.files,
                updated_at: g.updated_at,
            })
            .collect())
    }

    async fn get(&self, id: &str) -> Result<RemoteGist, RemoteError> {
        self.gist(id).await.map(remote).map_err(error)
    }

    async fn get_at(&self, id: &str, version: &str) -> Result<RemoteGist, RemoteError> {
        self.gist_at(id, version).await.map(remote).map_err(error)
    }

    async fn commits(&self, id: &str) -> Result<Vec<String>, RemoteError> {
        Ok(self
            .gist_commits(id)
            .await
            .map_err(error)?
            .into_iter()
            .map(|v| v.version)
            .collect())
    }

    async fn create(
        &self,
        description: &str,
        files: &BTreeMap<String, String>,
    ) -> Result<RemoteGist, RemoteError> {
        self.create_gist(description, files)
            .await
            .map(remote)
            .map_err(error)
    }

    async fn patch(
        &self,
        id: &str,
        files: &BTreeMap<String, Option<String>>,
    ) -> Result<RemoteGist, RemoteError> {
        self.patch_gist(id, files).await.map(remote).map_err(error)
    }
}
