//! Optional end-to-end encryption of what sync keeps in the gist, with `age` (passphrase
//! recipients, ASCII armor so gist files stay text), for users who do not want their
//! subscriptions readable by anyone holding the gist's URL.
//!
//! Two ways:
//! - [`seal`] / [`open`]: one file with the passphrase. Each costs a deliberate ~1 s of scrypt
//!   (calibrated by `age` on the machine that seals), which is what makes a passphrase hard
//!   to guess, and too slow to pay per shard on every round.
//! - [`SyncKey`]: a random X25519 key, kept in the gist sealed once with the passphrase
//!   ([`SyncKey::seal_key`] / [`SyncKey::open_key`]: the one scrypt a machine pays), and every
//!   shard sealed to it ([`SyncKey::seal`] / [`SyncKey::open`]: milliseconds).
//!
//! The passphrase lives in the OS keyring beside the token ([`PassphraseStore`]): service
//! `newsroom`, account "`HOST` sync passphrase".

use std::io::{Read, Write};
use std::str::FromStr;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::secrecy::{ExposeSecret, SecretString};

use crate::auth::StoreError;
use crate::auth::token_store::{KEYRING_SERVICE, blocking, keyring_error};

/// The largest scrypt work factor accepted from a file (`N = 2^20`: 1 GiB and a few seconds):
/// a gist edited to ask for more would tie the machine up.
const MAX_WORK_FACTOR: u8 = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptError {
    #[error("the sync passphrase does not open the synced data: check it on each machine")]
    WrongPassphrase,
    /// Not an age file, cut short, or changed after it was sealed (age authenticates every
    /// byte). Nothing from it is used.
    #[error("the encrypted sync data is damaged or was changed ({0}): it is not used")]
    Damaged(String),
    #[error("the encrypted sync data asks for too much work to open (scrypt 2^{0}): refused")]
    TooCostly(u8),
    #[error("the decrypted sync data is not UTF-8 text")]
    NotText,
    #[error("could not encrypt: {0}")]
    Sealing(String),
}

fn armored(encryptor: age::Encryptor, plaintext: &str) -> Result<String, CryptError> {
    let fail = |e: &dyn std::fmt::Display| CryptError::Sealing(e.to_string());
    let mut out = Vec::with_capacity(plaintext.len() * 4 / 3 + 256);
    let armor = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).map_err(|e| fail(&e))?;
    let mut writer = encryptor.wrap_output(armor).map_err(|e| fail(&e))?;
    writer
        .write_all(plaintext.as_bytes())
        .map_err(|e| fail(&e))?;
    writer
        .finish()
        .and_then(ArmoredWriter::finish)
        .map_err(|e| fail(&e))?;
    String::from_utf8(out).map_err(|e| fail(&e))
}

fn decrypted(identity: &dyn age::Identity, armored: &str) -> Result<String, CryptError> {
    let decryptor =
        age::Decryptor::new_buffered(ArmoredReader::new(armored.as_bytes())).map_err(classify)?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity))
        .map_err(classify)?;
    let mut out = Vec::new();
    reader
        .read_to_end(&mut out)
        .map_err(|e| CryptError::Damaged(e.to_string()))?;
    String::from_utf8(out).map_err(|_| CryptError::NotText)
}

fn classify(e: age::DecryptError) -> CryptError {
    use age::DecryptError as E;
    match e {
        // The passphrase's key does not open the file key: the wrong passphrase (or the
        // stanza itself was changed, which age cannot tell from it).
        E::DecryptionFailed | E::KeyDecryptionFailed | E::NoMatchingKeys => {
            CryptError::WrongPassphrase
        }
        E::ExcessiveWork { required, .. } => CryptError::TooCostly(required),
        E::InvalidHeader => CryptError::Damaged("a malformed header".into()),
        E::InvalidMac => CryptError::Damaged("the header's MAC does not match".into()),
        E::UnknownFormat => CryptError::Damaged("not an age file this version knows".into()),
        E::Io(io) => CryptError::Damaged(io.to_string()),
    }
}

fn passphrase_identity(pass: &str) -> age::scrypt::Identity {
    let mut id = age::scrypt::Identity::new(SecretString::from(pass.to_owned()));
    id.set_max_work_factor(MAX_WORK_FACTOR);
    id
}

/// `plaintext` sealed with `pass`, ASCII-armored (`-----BEGIN AGE ENCRYPTED FILE-----`).
pub fn seal(pass: &str, plaintext: &str) -> Result<String, CryptError> {
    armored(
        age::Encryptor::with_user_passphrase(SecretString::from(pass.to_owned())),
        plaintext,
    )
}

/// [`seal`] with a chosen scrypt work factor (`N = 2^log_n`, at most 2^20): for tests and
/// benchmarks, which need no second of work per file. [`open`] reads either.
pub fn seal_with_work(pass: &str, plaintext: &str, log_n: u8) -> Result<String, CryptError> {
    let mut r = age::scrypt::Recipient::new(SecretString::from(pass.to_owned()));
    r.set_work_factor(log_n.clamp(1, MAX_WORK_FACTOR));
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
        .map_err(|e| CryptError::Sealing(e.to_string()))?;
    armored(encryptor, plaintext)
}

/// What [`seal`] sealed, opened with `pass`.
pub fn open(pass: &str, armored: &str) -> Result<String, CryptError> {
    decrypted(&passphrase_identity(pass), armored)
}

/// A random key for the shards, itself kept in the gist sealed with the passphrase. Its
/// `Debug` shows nothing secret.
pub struct SyncKey(age::x25519::Identity);

impl std::fmt::Debug for SyncKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncKey(..)")
    }
}

impl SyncKey {
    #[must_use]
    pub fn generate() -> Self {
        Self(age::x25519::Identity::generate())
    }

    /// The key sealed with `pass` (one scrypt), for the gist.
    pub fn seal_key(&self, pass: &str) -> Result<String, CryptError> {
        seal(pass, self.0.to_string().expose_secret())
    }

    /// [`SyncKey::seal_key`] with a chosen work factor (see [`seal_with_work`]).
    pub fn seal_key_with_work(&self, pass: &str, log_n: u8) -> Result<String, CryptError> {
        seal_with_work(pass, self.0.to_string().expose_secret(), log_n)
    }

    /// The key from the gist, opened with `pass`.
    pub fn open_key(pass: &str, armored: &str) -> Result<Self, CryptError> {
        let text = zeroize::Zeroizing::new(open(pass, armored)?);
        age::x25519::Identity::from_str(text.trim())
            .map(Self)
            .map_err(|_| CryptError::Damaged("the sealed key is not an age key".into()))
    }

    /// `plaintext` sealed to this key (fast: no scrypt), ASCII-armored.
    pub fn seal(&self, plaintext: &str) -> Result<String, CryptError> {
        let recipient = self.0.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| CryptError::Sealing(e.to_string()))?;
        armored(encryptor, plaintext)
    }

    /// What [`SyncKey::seal`] sealed. A file sealed to another key is
    /// [`CryptError::WrongPassphrase`]: the machines disagree on the passphrase's key.
    pub fn open(&self, armored: &str) -> Result<String, CryptError> {
        decrypted(&self.0, armored)
    }
}

/// The sync passphrase in the OS keyring, beside the token: same service, its own account
/// ("`HOST` sync passphrase"). Calls block (D-Bus); async code uses the `*_async` ones.
#[derive(Debug, Clone)]
pub struct PassphraseStore {
    service: String,
    account: String,
}

impl PassphraseStore {
    /// For the GitHub host `host` (the token's keyring account).
    #[must_use]
    pub fn new(host: &str) -> Self {
        Self {
            service: KEYRING_SERVICE.to_owned(),
            account: format!("{host} sync passphrase"),
        }
    }

    /// Another keyring service name (tests use their own so they never clash).
    #[must_use]
    pub fn with_service(mut self, service: &str) -> Self {
        service.clone_into(&mut self.service);
        self
    }

    fn entry(&self) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(&self.service, &self.account).map_err(keyring_error)
    }

    /// The passphrase, or `None` if none is kept.
    pub fn load(&self) -> Result<Option<SecretString>, StoreError> {
        match self.entry()?.get_password() {
            Ok(p) => Ok(Some(SecretString::from(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    pub fn save(&self, pass: &str) -> Result<(), StoreError> {
        self.entry()?.set_password(pass).map_err(keyring_error)
    }

    /// `true` if there was one.
    pub fn delete(&self) -> Result<bool, StoreError> {
        match self.entry()?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keyring_error(e)),
        }
    }

    pub async fn load_async(&self) -> Result<Option<SecretString>, StoreError> {
        let this = self.clone();
        blocking(move || this.load()).await
    }

    pub async fn save_async(&self, pass: SecretString) -> Result<(), StoreError> {
        let this = self.clone();
        blocking(move || this.save(pass.expose_secret())).await
    }

    pub async fn delete_async(&self) -> Result<bool, StoreError> {
        let this = self.clone();
        blocking(move || this.delete()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap scrypt for tests; the real one costs ~1 s by design.
    const TEST_WORK: u8 = 10;

    #[test]
    fn sealed_text_is_armored_and_opens_with_the_passphrase() {
        let text = "feed https://example.org/feed.xml\nread 3f2a\n";
        let sealed = seal_with_work("correct horse", text, TEST_WORK).unwrap();
        assert!(sealed.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(
            sealed
                .trim_end()
                .ends_with("-----END AGE ENCRYPTED FILE-----")
        );
        assert!(sealed.is_ascii() && !sealed.contains("example.org"));
        assert_eq!(open("correct horse", &sealed).unwrap(), text);
    }

    #[test]
    fn a_wrong_passphrase_and_a_changed_file_are_told_apart() {
        let text = "x".repeat(10_000);
        let sealed = seal_with_work("right", &text, TEST_WORK).unwrap();
        assert_eq!(open("wrong", &sealed), Err(CryptError::WrongPassphrase));

        // One character of the payload changed (the header and its MAC intact).
        let lines: Vec<&str> = sealed.lines().collect();
        let mut tampered: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let i = lines.len() - 3;
        let flipped: String = tampered[i]
            .chars()
            .enumerate()
            .map(|(j, c)| {
                if j == 10 {
                    if c == 'A' { 'B' } else { 'A' }
                } else {
                    c
                }
            })
            .collect();
        tampered[i] = flipped;
        let tampered = tampered.join("\n");
        assert!(
            matches!(open("right", &tampered), Err(CryptError::Damaged(_))),
            "{:?}",
            open("right", &tampered)
        );

        // Cut short, and not age at all.
        let cut: String = lines[..lines.len() - 4].join("\n");
        assert!(matches!(open("right", &cut), Err(CryptError::Damaged(_))));
        assert!(matches!(
            open("right", "read 3f2a\n"),
            Err(CryptError::Damaged(_))
        ));
    }

    #[test]
    fn a_file_asking_for_too_much_work_is_refused_unopened() {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let sealed = seal_with_work("p", "t", TEST_WORK).unwrap();
        // The same file with its scrypt stanza asking for 2^21 (as an edited gist could).
        let body: String = sealed.lines().filter(|l| !l.starts_with("-----")).collect();
        let mut raw = b64.decode(body).unwrap();
        let at = raw.windows(7).position(|w| w == b"scrypt ").unwrap();
        let nl = at + raw[at..].iter().position(|b| *b == b'\n').unwrap();
        assert_eq!(&raw[nl - 3..nl], b" 10");
        raw[nl - 2..nl].copy_from_slice(b"21");
        let text = b64.encode(&raw);
        let lines: Vec<&str> = text
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let edited = format!(
            "-----BEGIN AGE ENCRYPTED FILE-----\n{}\n-----END AGE ENCRYPTED FILE-----\n",
            lines.join("\n")
        );
        assert_eq!(open("p", &edited), Err(CryptError::TooCostly(21)));
    }

    #[test]
    fn the_shard_key_travels_sealed_and_opens_shards() {
        let key = SyncKey::generate();
        let kept = key.seal_key_with_work("pass", TEST_WORK).unwrap();
        assert!(!format!("{key:?}").contains("AGE-SECRET-KEY"));
        assert!(!kept.contains("AGE-SECRET-KEY"));
        let other_machine = SyncKey::open_key("pass", &kept).unwrap();
        let shard = key.seal("read 3f2a 2026-12\n").unwrap();
        assert_eq!(other_machine.open(&shard).unwrap(), "read 3f2a 2026-12\n");
        assert!(matches!(
            SyncKey::open_key("nope", &kept),
            Err(CryptError::WrongPassphrase)
        ));
        assert_eq!(
            SyncKey::generate().open(&shard),
            Err(CryptError::WrongPassphrase)
        );
    }
}
