//! The round's gist API on the signed-in session (`src/github/gist.rs`).

use std::collections::BTreeMap;

use super::round::{GistApi, Listed, RemoteError, RemoteGist};
use crate::github::GithubSession;
use crate::github::gist::{Gist, GistError};

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
