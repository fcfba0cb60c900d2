//! Signing in with GitHub: the device flow, the `/user` check and where the token is kept.
//!
//! [`Auth`] is the handle the binary and the TUI hold: built once from the `[github]` config,
//! the data dir and the environment ([`AuthSettings`]), it signs in ([`Auth::sign_in`],
//! [`Auth::spawn_sign_in`]) and checks a stored token at startup ([`Auth::resume`]). The
//! `login`/`logout`/`status` commands are in [`cli`].
//!
//! The token never reaches a log, a message or `Debug` output: see [`token`].

pub mod cli;
pub mod device;
pub mod github;
pub(crate) mod http;
pub mod scopes;
pub mod token;
pub mod token_store;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;

use crate::config::GithubConfig;
pub use device::{DeviceCode, DeviceError, DeviceFlow};
pub use github::{ApiError, GithubApi, RefreshError, User};
pub(crate) use http::{USER_AGENT, parse_scopes};
pub use token::{Credentials, RefreshSecret, Token};
pub use token_store::{StorageChoice, StoreError, TokenSource, TokenStore};

/// Overrides `[github] client_id`.
pub const ENV_CLIENT_ID: &str = "NEWSROOM_GITHUB_CLIENT_ID";
/// newsroom's own OAuth app, when the build carries one (`NEWSROOM_GITHUB_CLIENT_ID` set at build
/// time, as packagers do, the way `gh` ships its own); the config and the environment override
/// it. A source build without it asks the user to register an app.
pub const BUILT_IN_CLIENT_ID: Option<&str> = match option_env!("NEWSROOM_GITHUB_CLIENT_ID") {
    Some(id) if !id.is_empty() => Some(id),
    _ => None,
};
/// Supplies a token and bypasses the keyring (CI, scripts).
pub const ENV_TOKEN: &str = "NEWSROOM_GITHUB_TOKEN";
/// Hidden, for tests: how many milliseconds one of the server's seconds (poll interval, code
/// lifetime) lasts. Honoured only when `web_url` is a loopback address, so it can never make
/// newsroom poll the real GitHub faster.
pub const ENV_TEST_SECOND_MS: &str = "NEWSROOM_TEST_AUTH_SECOND_MS";

/// How to register the OAuth app newsroom needs, step by step (for `login` and the TUI).
#[must_use]
pub(crate) fn no_client_id_help(web_url: &str) -> String {
    format!(
        "newsroom needs the client id of a GitHub OAuth app to sign you in. To register one \
         (once):\n\
         \x20 1. On GitHub open Settings → Developer settings → OAuth Apps → New OAuth App\n\
         \x20    ({web_url}/settings/applications/new).\n\
         \x20 2. Give it a name (e.g. \"newsroom\") and any Homepage URL and Authorization \
         callback URL (e.g. https://example.com): the device flow does not use them.\n\
         \x20 3. Click \"Register application\", then tick \"Enable Device Flow\" and save.\n\
         \x20 4. Copy the Client ID (no client secret is needed) into the config file:\n\
         \x20        [github]\n\
         \x20        client_id = \"Ov23li...\"\n\
         \x20    or set {ENV_CLIENT_ID}.\n\
         Then sign in again."
    )
}

/// Every way signing in or checking a token can fail.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{}", no_client_id_help(.web_url))]
    NoClientId { web_url: String },
    /// `why` is set when the keyring could not be asked at all.
    #[error("not signed in to {host}: {}", .why.as_deref().unwrap_or("run `newsroom login`"))]
    NotSignedIn { host: String, why: Option<String> },
    #[error("invalid [github] settings: {0}")]
    Config(String),
    /// The token in the environment is dead: signing in again cannot help while it is set.
    #[error(
        "GitHub rejects the token in {ENV_TOKEN} (revoked, expired or mistyped): unset the \
         variable or set a valid token; signing in again cannot help while it is set"
    )]
    EnvTokenRejected,
    #[error("could not reach GitHub to check the token: {reason}")]
    Offline { reason: String },
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Refresh(#[from] RefreshError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write to the terminal: {0}")]
    Output(#[from] std::io::Error),
}

impl AuthError {
    /// The user has to sign in (again): no token, or the one we had is dead.
    #[must_use]
    pub fn needs_sign_in(&self) -> bool {
        match self {
            Self::NotSignedIn { .. } | Self::Api(ApiError::Revoked) | Self::EnvTokenRejected => {
                true
            }
            Self::Refresh(e) => !e.is_offline(),
            _ => false,
        }
    }

    /// A suggested process exit code: 4 = not signed in or the token is invalid (as `gh`),
    /// 2 = configuration to fix, 1 = anything else.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            e if e.needs_sign_in() => 4,
            Self::NoClientId { .. } | Self::Config(_) => 2,
            Self::Device(DeviceError::FlowDisabled | DeviceError::BadClientId { .. }) => 2,
            _ => 1,
        }
    }
}

/// Progress of a sign-in, for the TUI's sign-in screen and the CLI.
#[derive(Debug)]
pub enum AuthEvent {
    /// Show this code and URL; the code dies at `expires_at`.
    Code {
        user_code: String,
        verification_uri: String,
        expires_at: Instant,
    },
    /// Polled; the user has not approved yet.
    Waiting,
    /// GitHub asked us to poll less often; `interval` is now in force.
    SlowDown { interval: Duration },
    /// A poll failed (network, 5xx): "offline, retrying" in `retry_in`.
    Offline { retry_in: Duration, reason: String },
    /// Approved: checking the token with `/user` and storing it.
    Verifying,
    /// Only from [`Auth::spawn_sign_in`]: the end.
    Done(Box<SignedIn>),
    /// Only from [`Auth::spawn_sign_in`]: the end.
    Failed(AuthError),
}

/// A verified token and who it belongs to.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub login: String,
    pub host: String,
    /// From `X-OAuth-Scopes` if GitHub sent it, else from the token answer.
    pub scopes: Vec<String>,
    pub source: TokenSource,
    pub credentials: Credentials,
    /// GitHub's rate-limit budget as of the check.
    pub rate: Option<crate::model::RateLimit>,
}

/// What a stored token turned out to be at startup.
#[derive(Debug, Clone)]
pub enum Session {
    SignedIn(SignedIn),
    /// GitHub could not be reached: the token was kept, its validity is unknown. Read cached
    /// news and show "offline".
    Offline {
        login: Option<String>,
        source: TokenSource,
        reason: String,
    },
}

/// Settings from the environment: read once, at the edge.
#[derive(Debug, Clone, Default)]
pub struct EnvOverrides {
    pub client_id: Option<String>,
    pub token: Option<Token>,
    pub second_ms: Option<u64>,
}

impl EnvOverrides {
    /// Reads [`ENV_CLIENT_ID`], [`ENV_TOKEN`] and [`ENV_TEST_SECOND_MS`]; empty values count as
    /// unset.
    pub fn from_env() -> Self {
        let var = |k| {
            std::env::var(k)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            client_id: var(ENV_CLIENT_ID),
            token: var(ENV_TOKEN).map(Token::new),
            second_ms: var(ENV_TEST_SECOND_MS).and_then(|v| v.parse().ok()),
        }
    }
}

/// Everything auth needs, validated.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub client_id: Option<String>,
    pub host: String,
    pub web_url: String,
    pub api_url: String,
    pub scopes: Vec<String>,
    /// For the insecure token file.
    pub data_dir: PathBuf,
    pub keyring_service: String,
    pub env_token: Option<Token>,
    /// How long one server second lasts (1 s except in tests against loopback).
    pub time_unit: Duration,
}

impl AuthSettings {
    /// From the config, the data dir and explicit environment overrides (pure).
    #[must_use]
    pub fn new(cfg: &GithubConfig, data_dir: &Path, env: EnvOverrides) -> Self {
        let web_url = cfg.web_url.trim_end_matches('/').to_owned();
        let loopback = url::Url::parse(&web_url).is_ok_and(|u| http::is_loopback(&u));
        let time_unit = match env.second_ms {
            Some(ms) if loopback => Duration::from_millis(ms.max(1)),
            _ => Duration::from_secs(1),
        };
        Self {
            client_id: env
                .client_id
                .or_else(|| cfg.client_id.clone())
                .or_else(|| BUILT_IN_CLIENT_ID.map(str::to_owned)),
            host: cfg.host.clone(),
            web_url,
            api_url: cfg.api_url.trim_end_matches('/').to_owned(),
            scopes: cfg.scopes.clone(),
            data_dir: data_dir.to_path_buf(),
            keyring_service: token_store::KEYRING_SERVICE.to_owned(),
            env_token: env.token,
            time_unit,
        }
    }

    /// [`Self::new`] with the process environment.
    #[must_use]
    pub fn from_env(cfg: &GithubConfig, data_dir: &Path) -> Self {
        Self::new(cfg, data_dir, EnvOverrides::from_env())
    }

    /// The page where the user can revoke newsroom's access (a public client cannot revoke its
    /// own token).
    #[must_use]
    pub fn revoke_url(&self) -> String {
        match &self.client_id {
            Some(id) => format!("{}/settings/connections/applications/{id}", self.web_url),
            None => format!("{}/settings/applications", self.web_url),
        }
    }
}

/// The sign-in handle: cheap to clone, safe to share with tasks.
#[derive(Debug, Clone)]
pub struct Auth {
    settings: AuthSettings,
    http: reqwest::Client,
    store: TokenStore,
}

impl Auth {
    /// Checks that secrets will only travel over https (or to loopback) and builds the client.
    pub fn new(settings: AuthSettings) -> Result<Self, AuthError> {
        http::check_secure_base(&settings.web_url).map_err(AuthError::Config)?;
        http::check_secure_base(&settings.api_url).map_err(AuthError::Config)?;
        let client = http::client().map_err(|e| AuthError::Config(format!("HTTP client: {e}")))?;
        let store = TokenStore::new(&settings.host, &settings.data_dir)
            .with_service(&settings.keyring_service)
            .with_env_token(settings.env_token.clone());
        Ok(Self {
            settings,
            http: client,
            store,
        })
    }

    #[must_use]
    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    #[must_use]
    pub fn store(&self) -> &TokenStore {
        &self.store
    }

    #[must_use]
    pub fn api(&self) -> GithubApi {
        GithubApi::new(
            self.http.clone(),
            &self.settings.api_url,
            &self.settings.web_url,
            self.settings.client_id.as_deref(),
        )
    }

    /// The device flow for the configured OAuth app; without a client id, the error explains
    /// how to register one.
    pub fn device_flow(&self) -> Result<DeviceFlow, AuthError> {
        self.device_flow_for(&[])
    }

    fn device_flow_for(&self, extra: &[String]) -> Result<DeviceFlow, AuthError> {
        let client_id =
            self.settings
                .client_id
                .as_deref()
                .ok_or_else(|| AuthError::NoClientId {
                    web_url: self.settings.web_url.clone(),
                })?;
        Ok(DeviceFlow::new(
            self.http.clone(),
            &self.settings.web_url,
            client_id,
            &scopes::to_ask(&self.settings.scopes, extra),
        )
        .with_time_unit(self.settings.time_unit))
    }

    /// The whole sign-in: code, polling, `/user`, then the token is stored as chosen.
    /// Cancel by dropping the future (nothing is stored before approval).
    pub async fn sign_in(
        &self,
        storage: StorageChoice,
        on_event: impl FnMut(AuthEvent) + Send,
    ) -> Result<SignedIn, AuthError> {
        self.sign_in_for(storage, &[], on_event).await
    }

    /// [`Self::sign_in`] asking for the configured scopes plus `extra` (what a feature found
    /// missing): GitHub grants the union.
    pub(crate) async fn sign_in_for(
        &self,
        storage: StorageChoice,
        extra: &[String],
        mut on_event: impl FnMut(AuthEvent) + Send,
    ) -> Result<SignedIn, AuthError> {
        let flow = self.device_flow_for(extra)?;
        if storage == StorageChoice::Keyring {
            // Fail before showing a code if the token could not be kept.
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || store.probe_keyring())
                .await
                .map_err(|e| StoreError::Keyring { why: e.to_string() })??;
        }
        let mut creds = flow.run(&mut on_event).await?;
        on_event(AuthEvent::Verifying);
        let user = self.api().user(&creds.access).await?;
        creds.login = Some(user.login.clone());
        if let Some(scopes) = &user.scopes {
            creds.scopes.clone_from(scopes);
        }
        let source = self.store.save_async(&creds, storage).await?;
        Ok(SignedIn {
            login: user.login,
            host: self.settings.host.clone(),
            scopes: creds.scopes.clone(),
            source,
            credentials: creds,
            rate: user.rate,
        })
    }

    /// [`Self::sign_in`] on a task, reporting every step, then `Done` or `Failed`, on `tx`.
    /// Abort the handle to cancel.
    #[must_use]
    pub fn spawn_sign_in(
        &self,
        storage: StorageChoice,
        tx: mpsc::UnboundedSender<AuthEvent>,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let progress = tx.clone();
            let end = match this.sign_in(storage, move |e| drop(progress.send(e))).await {
                Ok(done) => AuthEvent::Done(Box::new(done)),
                Err(e) => AuthEvent::Failed(e),
            };
            let _ = tx.send(end);
        })
    }

    /// The startup check of a stored token: renew it if it is about to expire, then ask
    /// `/user`. A token GitHub rejects (401, failed renewal) is dropped from the store and the
    /// error says to sign in again; an unreachable GitHub gives [`Session::Offline`].
    pub async fn resume(&self) -> Result<Session, AuthError> {
        let not_signed_in = |why| AuthError::NotSignedIn {
            host: self.settings.host.clone(),
            why,
        };
        let (mut creds, source) = match self.store.load_async().await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(not_signed_in(None)),
            // Nothing can be stored there either: say what is missing and how to sign in anyway.
            Err(e @ (StoreError::Unavailable { .. } | StoreError::Timeout)) => {
                return Err(not_signed_in(Some(e.to_string())));
            }
            Err(e) => return Err(e.into()),
        };
        let api = self.api();
        let offline = |reason: String, creds: &Credentials| {
            Ok(Session::Offline {
                login: creds.login.clone(),
                source: source.clone(),
                reason,
            })
        };
        let now = SystemTime::now();
        if creds.needs_refresh(now) && creds.refresh.is_some() {
            match api.refresh(&creds).await {
                Ok(fresh) => {
                    self.store.update_async(&fresh, &source).await?;
                    creds = fresh;
                }
                Err(e) if e.is_offline() && !creds.is_expired(now) => {
                    tracing::info!("could not renew the GitHub token yet: {e}");
                }
                Err(e) if e.is_offline() => return offline(e.to_string(), &creds),
                Err(e) => {
                    self.forget(&source).await;
                    return Err(e.into());
                }
            }
        }
        match api.user(&creds.access).await {
            Ok(user) => {
                let scopes = user.scopes.clone().unwrap_or_else(|| creds.scopes.clone());
                if creds.login.as_deref() != Some(user.login.as_str()) || creds.scopes != scopes {
                    creds.login = Some(user.login.clone());
                    creds.scopes.clone_from(&scopes);
                    if let Err(e) = self.store.update_async(&creds, &source).await {
                        tracing::warn!("could not update the stored GitHub login: {e}");
                    }
                }
                Ok(Session::SignedIn(SignedIn {
                    login: user.login,
                    host: self.settings.host.clone(),
                    scopes,
                    source,
                    credentials: creds,
                    rate: user.rate,
                }))
            }
            Err(e) if e.is_offline() => offline(e.to_string(), &creds),
            Err(ApiError::Revoked) if source == TokenSource::Env => {
                Err(AuthError::EnvTokenRejected)
            }
            Err(e) => {
                if matches!(e, ApiError::Revoked) {
                    self.forget(&source).await;
                }
                Err(e.into())
            }
        }
    }

    /// Drops a dead token from wherever it was kept (an env token cannot be dropped).
    async fn forget(&self, source: &TokenSource) {
        if *source == TokenSource::Env {
            return;
        }
        if let Err(e) = self.store.delete_async().await {
            tracing::warn!("could not remove the invalid GitHub token: {e}");
        }
    }
}
