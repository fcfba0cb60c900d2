//! `[sync] encrypt = true`: the gist's files sealed end to end, as a [`GistApi`] around the
//! plain one, so the round itself merges and diffs plaintext exactly as without encryption.
//!
//! In the gist: the manifest stays readable (its format version, the line `encrypted age`,
//! the devices' last-seen stamps) and holds the [`SyncKey`] sealed with the passphrase;
//! every other file of ours is sealed to that key. Reading opens the key once (one scrypt)
//! and every file with it; writing seals what the round writes. Files are compared as
//! plaintext, so an unchanged file is still never written (sealing is randomised).
//!
//! A gist (or a file in it) still in plaintext is marked in the manifest's plaintext view, so
//! the round writes the manifest, and with it every such file is written sealed: turning
//! encryption on rewrites the whole gist once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use age::secrecy::{ExposeSecret, SecretString};

use super::crypt::{CryptError, PassphraseStore, SyncKey};
use super::format::{ARMOR_BEGIN, ARMOR_END, ENCRYPTED_LINE, MANIFEST, is_ours};
use super::remote::{GistApi, Listed, RemoteError, RemoteGist};

/// The passphrase for scripts and tests, before the keyring.
pub const PASSPHRASE_ENV: &str = "NEWSROOM_SYNC_PASSPHRASE";
/// Tests only: the scrypt work factor of a new sealed key (the real one costs ~1 s).
const TEST_WORK_ENV: &str = "NEWSROOM_TEST_SCRYPT_LOG_N";
/// In the plaintext view of a manifest: some file is not sealed yet, so write it all.
const UNSEALED_MARK: &str = "# newsroom: not sealed yet";

/// The passphrase from [`PASSPHRASE_ENV`], else the keyring; `None` if neither has one.
pub(crate) async fn stored_passphrase(host: &str) -> Result<Option<SecretString>, String> {
    if let Some(p) = std::env::var(PASSPHRASE_ENV).ok().filter(|p| !p.is_empty()) {
        return Ok(Some(SecretString::from(p)));
    }
    PassphraseStore::new(host)
        .load_async()
        .await
        .map_err(|e| format!("could not read the sync passphrase from the keyring: {e}"))
}

/// What the round is told when the key does not open: what to do about it.
pub(crate) fn wrong_passphrase_message() -> String {
    format!(
        "the sync passphrase does not open the sync gist (it was set on another machine): run \
         `newsroom sync --passphrase` on a terminal and enter that machine's passphrase, or set \
         {PASSPHRASE_ENV}. Nothing was changed."
    )
}

fn crypt_error(e: CryptError) -> RemoteError {
    match e {
        CryptError::WrongPassphrase => RemoteError::Sealed(wrong_passphrase_message()),
        e => RemoteError::Sealed(e.to_string()),
    }
}

struct Keyed {
    key: Arc<SyncKey>,
    /// The key sealed with the passphrase, as the manifest carries it.
    sealed: String,
}

#[derive(Default)]
struct View {
    key: Option<Keyed>,
    /// The plaintext of the gist last read (the round's base for its next write).
    plain: BTreeMap<String, String>,
    /// Files of ours in it that are not sealed (yet), to be written sealed.
    unsealed: BTreeSet<String>,
}

/// The gist seen through the passphrase.
pub(crate) struct Sealed<'a, G> {
    inner: &'a G,
    pass: SecretString,
    view: Mutex<View>,
}

/// The manifest's plaintext lines, and its sealed key if it says it is encrypted.
fn split_manifest(text: &str) -> (String, Option<String>) {
    let (mut plain, mut armor) = (String::new(), String::new());
    let (mut encrypted, mut in_armor) = (false, false);
    for l in text.lines() {
        if in_armor || l == ARMOR_BEGIN {
            armor.push_str(l);
            armor.push('\n');
            in_armor = l != ARMOR_END;
        } else if l == ENCRYPTED_LINE {
            encrypted = true;
        } else {
            plain.push_str(l);
            plain.push('\n');
        }
    }
    (plain, (encrypted && !armor.is_empty()).then_some(armor))
}

/// The manifest as written: the version line, the encrypted line, the rest, the sealed key.
fn seal_manifest(plain: &str, sealed_key: &str) -> String {
    let mut lines = plain.lines().filter(|l| *l != UNSEALED_MARK);
    let mut out = String::new();
    if let Some(first) = lines.next() {
        out.push_str(first);
        out.push('\n');
    }
    out.push_str(ENCRYPTED_LINE);
    out.push('\n');
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(sealed_key);
    out
}

/// Off the async threads: a scrypt is a deliberate second of work.
async fn blocking_crypt<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CryptError> + Send + 'static,
) -> Result<T, RemoteError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| RemoteError::Other(format!("encryption stopped: {e}")))?
        .map_err(crypt_error)
}

impl<'a, G: GistApi> Sealed<'a, G> {
    pub(crate) fn new(inner: &'a G, pass: SecretString) -> Self {
        Self {
            inner,
            pass,
            view: Mutex::new(View::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, View> {
        self.view
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key this round seals with: the gist's, else a new one.
    async fn key(&self) -> Result<(Arc<SyncKey>, String), RemoteError> {
        if let Some(k) = &self.lock().key {
            return Ok((k.key.clone(), k.sealed.clone()));
        }
        let pass = self.pass.clone();
        let work = std::env::var(TEST_WORK_ENV)
            .ok()
            .and_then(|v| v.parse::<u8>().ok());
        let (key, sealed) = blocking_crypt(move || {
            let key = SyncKey::generate();
            let sealed = match work {
                Some(n) => key.seal_key_with_work(pass.expose_secret(), n)?,
                None => key.seal_key(pass.expose_secret())?,
            };
            Ok((key, sealed))
        })
        .await?;
        let key = Arc::new(key);
        self.lock().key = Some(Keyed {
            key: key.clone(),
            sealed: sealed.clone(),
        });
        Ok((key, sealed))
    }

    /// The key sealed in a manifest: the one known if it is the same text, else opened with
    /// the passphrase.
    async fn open_key(&self, sealed: &str) -> Result<Arc<SyncKey>, RemoteError> {
        if let Some(k) = &self.lock().key
            && k.sealed == sealed
        {
            return Ok(k.key.clone());
        }
        let (pass, text) = (self.pass.clone(), sealed.to_owned());
        let key = blocking_crypt(move || SyncKey::open_key(pass.expose_secret(), &text)).await?;
        Ok(Arc::new(key))
    }

    /// `remote` in plaintext. With `track`, it is the base of the round's next write.
    async fn open_view(
        &self,
        mut remote: RemoteGist,
        track: bool,
    ) -> Result<RemoteGist, RemoteError> {
        let sealed_key = remote.files.get(MANIFEST).and_then(|m| split_manifest(m).1);
        let key = match &sealed_key {
            Some(s) => Some(self.open_key(s).await?),
            None => None,
        };
        let mut unsealed = BTreeSet::new();
        let mut files = BTreeMap::new();
        for (name, text) in std::mem::take(&mut remote.files) {
            if name == MANIFEST {
                files.insert(name, split_manifest(&text).0);
                continue;
            }
            if !is_ours(&name) {
                files.insert(name, text);
                continue;
            }
            if !text.starts_with(ARMOR_BEGIN) {
                unsealed.insert(name.clone());
                files.insert(name, text);
                continue;
            }
            let opened = match &key {
                Some(k) => {
                    let (k, t) = (k.clone(), text.clone());
                    blocking_crypt(move || k.open(&t)).await
                }
                None => Err(RemoteError::Sealed("no key in the manifest".into())),
            };
            match opened {
                Ok(plain) => {
                    files.insert(name, plain);
                }
                // Left out of the view: the round writes it again from the merged state.
                Err(e) => tracing::warn!("sync gist: {name} does not open ({e}); written again"),
            }
        }
        if !unsealed.is_empty()
            && let Some(m) = files.get_mut(MANIFEST)
        {
            m.push_str(UNSEALED_MARK);
            m.push('\n');
        }
        remote.files = files;
        if track {
            let mut view = self.lock();
            if let (Some(k), Some(s)) = (key, sealed_key) {
                view.key = Some(Keyed { key: k, sealed: s });
            }
            view.plain.clone_from(&remote.files);
            view.unsealed = unsealed;
        }
        Ok(remote)
    }

    /// What the round writes, sealed, plus every file of ours still unsealed.
    async fn seal_files(
        &self,
        files: &BTreeMap<String, Option<String>>,
    ) -> Result<BTreeMap<String, Option<String>>, RemoteError> {
        let (key, sealed_key) = self.key().await?;
        let mut all = files.clone();
        {
            let view = self.lock();
            let manifest = MANIFEST.to_owned();
            for name in view.unsealed.iter().chain([&manifest]) {
                if !all.contains_key(name)
                    && let Some(t) = view.plain.get(name)
                {
                    all.insert(name.clone(), Some(t.clone()));
                }
            }
        }
        let mut out = BTreeMap::new();
        for (name, text) in all {
            let sealed = match text {
                None => None,
                Some(t) if name == MANIFEST => Some(seal_manifest(&t, &sealed_key)),
                Some(t) if is_ours(&name) => {
                    let k = key.clone();
                    Some(blocking_crypt(move || k.seal(&t)).await?)
                }
                Some(t) => Some(t),
            };
            out.insert(name, sealed);
        }
        Ok(out)
    }
}

impl<G: GistApi> GistApi for Sealed<'_, G> {
    async fn list(&self) -> Result<Vec<Listed>, RemoteError> {
        self.inner.list().await
    }

    async fn get(&self, id: &str) -> Result<RemoteGist, RemoteError> {
        let g = self.inner.get(id).await?;
        self.open_view(g, true).await
    }

    async fn get_at(&self, id: &str, version: &str) -> Result<RemoteGist, RemoteError> {
        let g = self.inner.get_at(id, version).await?;
        self.open_view(g, false).await
    }

    async fn commits(&self, id: &str) -> Result<Vec<String>, RemoteError> {
        self.inner.commits(id).await
    }

    async fn create(
        &self,
        description: &str,
        files: &BTreeMap<String, String>,
    ) -> Result<RemoteGist, RemoteError> {
        let wanted = files
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        let sealed: BTreeMap<String, String> = self
            .seal_files(&wanted)
            .await?
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let g = self.inner.create(description, &sealed).await?;
        self.open_view(g, true).await
    }

    async fn patch(
        &self,
        id: &str,
        files: &BTreeMap<String, Option<String>>,
    ) -> Result<RemoteGist, RemoteError> {
        let sealed = self.seal_files(files).await?;
        let g = self.inner.patch(id, &sealed).await?;
        self.open_view(g, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_keeps_its_version_line_first_and_its_key_apart() {
        let sealed = format!("{ARMOR_BEGIN}\nYWJj\n{ARMOR_END}\n");
        let plain = format!("newsroom-sync 1\ndevice abc 1.0.abc\n{UNSEALED_MARK}\n");
        let m = seal_manifest(&plain, &sealed);
        assert!(m.starts_with("newsroom-sync 1\nencrypted age\ndevice abc"));
        assert!(!m.contains(UNSEALED_MARK));
        let (back, key) = split_manifest(&m);
        assert_eq!(back, "newsroom-sync 1\ndevice abc 1.0.abc\n");
        assert_eq!(key.as_deref(), Some(sealed.as_str()));
        let parsed = super::super::format::parse(&BTreeMap::from([(MANIFEST.to_owned(), m)]));
        assert!(parsed.encrypted && parsed.problems.is_empty(), "{parsed:?}");
        assert_eq!(parsed.version, Some(1));
        assert_eq!(split_manifest("newsroom-sync 1\n").1, None);
    }
}
