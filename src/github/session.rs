//! The signed-in session: who, with which token and scopes, and the client every GitHub call
//! uses. Kept by the GitHub executor from the moment sign-in (device flow, keyring or
//! `NEWSROOM_GITHUB_TOKEN`) succeeds, so features can call GitHub at any time after.

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::Mutex;

use super::client::{GithubClient, GithubError, Response};
use crate::auth::scopes::{Feature, MissingScope, grants};
use crate::auth::{Auth, Credentials, SignedIn, TokenSource};

/// Cheap to clone; clones share the token, its renewal and the client's memory.
#[derive(Debug, Clone)]
pub struct GithubSession {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    auth: Auth,
    client: GithubClient,
    login: String,
    source: TokenSource,
    /// Renewal replaces the credentials; one renewal at a time.
    credentials: Mutex<Credentials>,
    scopes: std::sync::Mutex<Vec<String>>,
}

impl GithubSession {
    /// The session for a verified sign-in. The client is built for the configured API URL,
    /// which `Auth::new` checked to be https or loopback.
    #[must_use]
    pub fn new(auth: &Auth, signed_in: SignedIn) -> Self {
        let client = GithubClient::new(&auth.settings().api_url)
            .unwrap_or_else(|e| {
                // Only a malformed API URL fails here, and `Auth::new` has parsed it already.
                tracing::error!("GitHub client: {e}");
                GithubClient::new("https://api.github.com").expect("a valid URL builds a client")
            })
            .with_write_gap(auth.settings().time_unit);
        Self {
            inner: Arc::new(Inner {
                auth: auth.clone(),
                client,
                login: signed_in.login,
                source: signed_in.source,
                credentials: Mutex::new(signed_in.credentials),
                scopes: std::sync::Mutex::new(signed_in.scopes),
            }),
        }
    }

    #[must_use]
    pub fn login(&self) -> &str {
        &self.inner.login
    }

    #[must_use]
    pub fn source(&self) -> &TokenSource {
        &self.inner.source
    }

    /// The configured web root (`https://github.com`, or a GitHub Enterprise Server host):
    /// where `o` sends the user, never the API.
    #[must_use]
    pub fn web_url(&self) -> &str {
        &self.inner.auth.settings().web_url
    }

    #[must_use]
    pub fn client(&self) -> &GithubClient {
        &self.inner.client
    }

    /// The scopes GitHub last reported for the token (`X-OAuth-Scopes`).
    #[must_use]
    pub fn scopes(&self) -> Vec<String> {
        self.inner
            .scopes
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// `Ok` if the token's scopes cover `feature`; else what to tell the user.
    pub fn require(&self, feature: Feature) -> Result<(), MissingScope> {
        if grants(&self.scopes(), feature.scope()) {
            Ok(())
        } else {
            Err(MissingScope {
                feature,
                from_env: self.inner.source == TokenSource::Env,
            })
        }
    }

    /// Renews an expiring token now if it is due (or `force`), and keeps the new one where the
    /// old one was. Callable at any time, not only at start-up.
    pub async fn renew(&self, force: bool) -> Result<(), GithubError> {
        let mut creds = self.inner.credentials.lock().await;
        let due = force || creds.needs_refresh(SystemTime::now());
        if !due || creds.refresh.is_none() {
            return Ok(());
        }
        match self.inner.auth.api().refresh(&creds).await {
            Ok(fresh) => {
                if let Err(e) = self
                    .inner
                    .auth
                    .store()
                    .update_async(&fresh, &self.inner.source)
                    .await
                {
                    tracing::warn!("could not keep the renewed GitHub token: {e}");
                }
                *creds = fresh;
                Ok(())
            }
            Err(e) if e.is_offline() && !creds.is_expired(SystemTime::now()) => {
                tracing::info!("could not renew the GitHub token yet: {e}");
                Ok(())
            }
            Err(e) if e.is_offline() => Err(GithubError::Network(e.to_string())),
            Err(_) => Err(GithubError::Unauthorized),
        }
    }

    /// One API call with the session's token, renewed first if it is about to expire. The
    /// scopes GitHub reports on the answer are remembered.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, GithubError> {
        self.call_as(method, path, body, None).await
    }

    async fn call_as(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        accept: Option<&'static str>,
    ) -> Result<Response, GithubError> {
        self.call_scoped(method, path, body, accept).await.0
    }

    /// [`GithubSession::call`] with the scopes GitHub reported on the answer, an error answer
    /// too (see [`GithubClient::request_scoped`]); the session remembers them either way.
    pub(crate) async fn call_scoped(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        accept: Option<&'static str>,
    ) -> (Result<Response, GithubError>, Option<Vec<String>>) {
        if let Err(e) = self.renew(false).await {
            return (Err(e), None);
        }
        let token = self.inner.credentials.lock().await.access.clone();
        let (result, scopes) = self
            .inner
            .client
            .request_scoped(&token, method, path, body, accept)
            .await;
        if let Some(scopes) = &scopes
            && let Ok(mut s) = self.inner.scopes.lock()
        {
            s.clone_from(scopes);
        }
        (result, scopes)
    }

    /// `GET path`, conditional.
    pub async fn get(&self, path: &str) -> Result<Response, GithubError> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `GET path`, conditional, with Markdown bodies rendered to HTML by GitHub
    /// (`body_html`), which then takes the same safe HTML-to-text path as feeds.
    pub(crate) async fn get_html(&self, path: &str) -> Result<Response, GithubError> {
        self.call_as(
            reqwest::Method::GET,
            path,
            None,
            Some("application/vnd.github.html+json"),
        )
        .await
    }
}
