//! Where the token is kept: the OS keyring (Secret Service, Keychain, Credential Manager) through
//! the `keyring` crate; a 0600 file in the data dir only when the user asked for it
//! (`--insecure-storage`); or nowhere, when `NEWSROOM_GITHUB_TOKEN` supplies it.
//!
//! Keyring entry: service `newsroom`, account = the GitHub host; the secret is a small JSON blob
//! (token, refresh token, expiries, scopes, login). On Linux the Secret Service stores it with
//! the attributes `service` and `username`, so
//! `secret-tool lookup service newsroom username github.com` finds it.
//!
//! Keyring calls block (D-Bus round trips, maybe an unlock prompt): the plain methods are for
//! blocking contexts; async code uses the `*_async` ones, which run on `spawn_blocking` with a
//! time limit.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroizing;

use super::token::{Credentials, Token};

/// The keyring service name newsroom stores under.
pub const KEYRING_SERVICE: &str = "newsroom";
/// A keyring that has not answered by now is waiting on something (an unlock prompt no one
/// will see); give up rather than hang.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(30);

const NO_KEYRING_HINT: &str = "newsroom keeps the GitHub token in the OS keyring (on Linux: a \
     Secret Service such as gnome-keyring or KWallet, reached over the D-Bus session bus). Start \
     one, or sign in with `newsroom login --insecure-storage` to keep the token in a file only \
     you can read";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no OS keyring is reachable ({why}). {NO_KEYRING_HINT}")]
    Unavailable { why: String },
    #[error(
        "the OS keyring is locked ({why}): unlock it (log in to the desktop session, or \
             `gnome-keyring-daemon --unlock`) and retry"
    )]
    Locked { why: String },
    #[error("the OS keyring did not answer within {} s (is it waiting for an unlock prompt?). \
             {NO_KEYRING_HINT}", KEYRING_TIMEOUT.as_secs())]
    Timeout,
    #[error("the OS keyring failed: {why}")]
    Keyring { why: String },
    #[error(
        "the GitHub token kept in {where_} is not in a format newsroom understands: run \
             `newsroom logout`, then `newsroom login`"
    )]
    Corrupt { where_: String },
    #[error("{} is readable by other users (mode {mode:o}): the token in it may be exposed. \
             Run `chmod 600 {}` and consider revoking the token, or run `newsroom logout`",
             path.display(), path.display())]
    InsecurePermissions { path: PathBuf, mode: u32 },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where a token came from or went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Env,
    Keyring { service: String, account: String },
    InsecureFile(PathBuf),
}

impl TokenSource {
    /// The warning to show each time the insecure file is used.
    #[must_use]
    pub fn warning(&self) -> Option<String> {
        match self {
            Self::InsecureFile(path) => Some(format!(
                "warning: the GitHub token is kept unencrypted in {} (you chose \
                 --insecure-storage); run `newsroom login` without it to move the token into \
                 the OS keyring",
                path.display()
            )),
            _ => None,
        }
    }
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env => f.write_str("the NEWSROOM_GITHUB_TOKEN environment variable"),
            Self::Keyring { service, account } => {
                write!(
                    f,
                    "the OS keyring (service \"{service}\", account \"{account}\")"
                )
            }
            Self::InsecureFile(path) => write!(f, "an unencrypted file, {}", path.display()),
        }
    }
}

/// Where `save` should put the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageChoice {
    Keyring,
    /// Only when the user asked (`--insecure-storage`).
    InsecureFile,
}

/// The token store for one GitHub host.
#[derive(Debug, Clone)]
pub struct TokenStore {
    service: String,
    account: String,
    insecure_path: PathBuf,
    env_token: Option<Token>,
}

impl TokenStore {
    /// `host` is the GitHub host (the keyring account); the insecure file, if ever used, lives
    /// in `data_dir`.
    #[must_use]
    pub fn new(host: &str, data_dir: &Path) -> Self {
        let safe: String = host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Self {
            service: KEYRING_SERVICE.to_owned(),
            account: host.to_owned(),
            insecure_path: data_dir.join(format!("github-token-{safe}.json")),
            env_token: None,
        }
    }

    /// Another keyring service name (tests use their own so they never clash).
    #[must_use]
    pub(crate) fn with_service(mut self, service: &str) -> Self {
        service.clone_into(&mut self.service);
        self
    }

    /// A token from `NEWSROOM_GITHUB_TOKEN`: `load` returns it and never touches the keyring.
    #[must_use]
    pub(crate) fn with_env_token(mut self, token: Option<Token>) -> Self {
        self.env_token = token;
        self
    }

    #[must_use]
    pub fn insecure_path(&self) -> &Path {
        &self.insecure_path
    }

    #[must_use]
    pub(crate) fn has_env_token(&self) -> bool {
        self.env_token.is_some()
    }

    fn keyring_source(&self) -> TokenSource {
        TokenSource::Keyring {
            service: self.service.clone(),
            account: self.account.clone(),
        }
    }

    /// The stored credentials and where they came from: the environment, then the insecure
    /// file (only present if the user chose it), then the keyring. `Ok(None)`: not signed in.
    pub fn load(&self) -> Result<Option<(Credentials, TokenSource)>, StoreError> {
        if let Some(token) = &self.env_token {
            return Ok(Some((
                Credentials::from_token(token.clone()),
                TokenSource::Env,
            )));
        }
        if let Some(creds) = self.load_file()? {
            let source = TokenSource::InsecureFile(self.insecure_path.clone());
            tracing::warn!("{}", source.warning().unwrap_or_default());
            return Ok(Some((creds, source)));
        }
        let entry = self.entry()?;
        let secret = match entry.get_password() {
            Ok(s) => Zeroizing::new(s),
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(keyring_error(e)),
        };
        let creds = Credentials::from_stored(&secret).ok_or_else(|| StoreError::Corrupt {
            where_: self.keyring_source().to_string(),
        })?;
        Ok(Some((creds, self.keyring_source())))
    }

    /// Keeps `creds` where asked, and removes any copy from the other place so only one remains.
    pub fn save(
        &self,
        creds: &Credentials,
        choice: StorageChoice,
    ) -> Result<TokenSource, StoreError> {
        let blob = creds.to_stored_json();
        match choice {
            StorageChoice::Keyring => {
                self.entry()?.set_password(&blob).map_err(keyring_error)?;
                self.remove_file()?;
                Ok(self.keyring_source())
            }
            StorageChoice::InsecureFile => {
                write_private(&self.insecure_path, blob.as_bytes())?;
                // Best effort: a stale keyring entry would otherwise outlive this token.
                if let Ok(entry) = self.entry() {
                    let _ = entry.delete_credential();
                }
                let source = TokenSource::InsecureFile(self.insecure_path.clone());
                tracing::warn!("{}", source.warning().unwrap_or_default());
                Ok(source)
            }
        }
    }

    /// Writes refreshed credentials back where they came from (nothing for `Env`).
    pub fn update(&self, creds: &Credentials, source: &TokenSource) -> Result<(), StoreError> {
        match source {
            TokenSource::Env => Ok(()),
            TokenSource::Keyring { .. } => self.save(creds, StorageChoice::Keyring).map(drop),
            TokenSource::InsecureFile(_) => self.save(creds, StorageChoice::InsecureFile).map(drop),
        }
    }

    /// Removes the token from the insecure file and the keyring; returns where it was found.
    /// An unreachable keyring is an error only if there was nothing else to remove.
    pub fn delete(&self) -> Result<Vec<TokenSource>, StoreError> {
        let mut removed = Vec::new();
        if self.remove_file()? {
            removed.push(TokenSource::InsecureFile(self.insecure_path.clone()));
        }
        let result = self
            .entry()
            .and_then(|entry| match entry.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(keyring::Error::Ambiguous(all)) => {
                    for e in all {
                        e.delete_credential().map_err(keyring_error)?;
                    }
                    Ok(true)
                }
                Err(e) => Err(keyring_error(e)),
            });
        match result {
            Ok(true) => removed.push(self.keyring_source()),
            Ok(false) => {}
            Err(e) if removed.is_empty() => return Err(e),
            Err(e) => tracing::warn!("could not check the OS keyring: {e}"),
        }
        Ok(removed)
    }

    /// Checks that the keyring can be reached (connects; stores nothing).
    pub fn probe_keyring(&self) -> Result<(), StoreError> {
        self.entry().map(drop)
    }

    pub async fn load_async(&self) -> Result<Option<(Credentials, TokenSource)>, StoreError> {
        let this = self.clone();
        blocking(move || this.load()).await
    }

    pub(crate) async fn save_async(
        &self,
        creds: &Credentials,
        choice: StorageChoice,
    ) -> Result<TokenSource, StoreError> {
        let (this, creds) = (self.clone(), creds.clone());
        blocking(move || this.save(&creds, choice)).await
    }

    pub(crate) async fn update_async(
        &self,
        creds: &Credentials,
        source: &TokenSource,
    ) -> Result<(), StoreError> {
        let (this, creds, source) = (self.clone(), creds.clone(), source.clone());
        blocking(move || this.update(&creds, &source)).await
    }

    pub async fn delete_async(&self) -> Result<Vec<TokenSource>, StoreError> {
        let this = self.clone();
        blocking(move || this.delete()).await
    }

    fn entry(&self) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(&self.service, &self.account).map_err(keyring_error)
    }

    fn load_file(&self) -> Result<Option<Credentials>, StoreError> {
        let path = &self.insecure_path;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StoreError::Io {
                    action: "read",
                    path: path.clone(),
                    source,
                });
            }
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(StoreError::InsecurePermissions {
                    path: path.clone(),
                    mode,
                });
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        let text = std::fs::read_to_string(path)
            .map(Zeroizing::new)
            .map_err(|source| StoreError::Io {
                action: "read",
                path: path.clone(),
                source,
            })?;
        Credentials::from_stored(&text)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt {
                where_: path.display().to_string(),
            })
    }

    fn remove_file(&self) -> Result<bool, StoreError> {
        match std::fs::remove_file(&self.insecure_path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(StoreError::Io {
                action: "remove",
                path: self.insecure_path.clone(),
                source,
            }),
        }
    }
}

/// Writes `bytes` to `path`, readable by the owner only, replacing it atomically.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    fn io<'a>(action: &'static str, p: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
        move |source| StoreError::Io {
            action,
            path: p.to_path_buf(),
            source,
        }
    }
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    let name = path
        .file_name()
        .map_or_else(|| "token".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io("create", &tmp))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(source) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(StoreError::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        });
    }
    Ok(())
}

/// Runs a keyring call off the async threads, with a time limit.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::time::timeout(KEYRING_TIMEOUT, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(StoreError::Keyring {
            why: format!("the keyring call failed: {join}"),
        }),
        Err(_) => Err(StoreError::Timeout),
    }
}

/// Maps keyring errors to ours. Never formats the error's data: `BadEncoding` and
/// `BadDataFormat` carry the secret's bytes.
pub(crate) fn keyring_error(e: keyring::Error) -> StoreError {
    use keyring::Error as E;
    match e {
        E::NoDefaultStore => {
            let why = match keyring::Entry::store_status() {
                Err(inner) => inner.to_string(),
                Ok(()) => "no credential store is set up".to_owned(),
            };
            StoreError::Unavailable { why }
        }
        E::NoStorageAccess(inner) => StoreError::Locked {
            why: inner.to_string(),
        },
        E::PlatformFailure(inner) => StoreError::Unavailable {
            why: inner.to_string(),
        },
        E::BadEncoding(_) | E::BadDataFormat(..) => StoreError::Corrupt {
            where_: "the OS keyring".to_owned(),
        },
        E::Ambiguous(all) => StoreError::Keyring {
            why: format!(
                "{} keyring entries match; run `newsroom logout` to remove them",
                all.len()
            ),
        },
        E::NoEntry => StoreError::Keyring {
            why: "no such entry".into(),
        },
        other @ (E::BadStoreFormat(_)
        | E::TooLong(..)
        | E::Invalid(..)
        | E::NotSupportedByStore(_)) => StoreError::Keyring {
            why: other.to_string(),
        },
        _ => StoreError::Keyring {
            why: "unknown keyring error".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insecure_file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new("gh.example:8443", dir.path());
        assert!(
            store
                .insecure_path()
                .ends_with("github-token-gh.example_8443.json")
        );
        let mut creds = Credentials::from_token(Token::new("gho_fileSECRET".into()));
        creds.login = Some("octocat".into());
        write_private(store.insecure_path(), creds.to_stored_json().as_bytes()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.insecure_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let back = store.load_file().unwrap().unwrap();
        assert_eq!(back.access.expose_secret(), "gho_fileSECRET");
        assert_eq!(back.login.as_deref(), Some("octocat"));
        assert!(store.remove_file().unwrap());
        assert!(store.load_file().unwrap().is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_world_readable_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new("github.com", dir.path());
        std::fs::write(store.insecure_path(), "gho_x").unwrap();
        std::fs::set_permissions(
            store.insecure_path(),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let e = store.load_file().unwrap_err().to_string();
        assert!(
            e.contains("readable by other users") && e.contains("644"),
            "{e}"
        );
        assert!(!e.contains("gho_x"));
    }

    #[test]
    fn env_token_wins_and_is_not_shown() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new("github.com", dir.path())
            .with_env_token(Some(Token::new("gho_envSECRET".into())));
        let (creds, source) = store.load().unwrap().unwrap();
        assert_eq!(source, TokenSource::Env);
        assert_eq!(creds.access.expose_secret(), "gho_envSECRET");
        assert!(!format!("{store:?}").contains("SECRET"));
    }
}
