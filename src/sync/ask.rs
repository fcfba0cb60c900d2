//! The sync passphrase asked on a terminal by `newsroom sync` (once, then kept in the keyring;
//! `--passphrase` asks again). Never asked without a terminal: the round then says what to do.

use std::io::{IsTerminal, Read, Write};

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::crypt::PassphraseStore;
use super::sealed::PASSPHRASE_ENV;
use crate::context::{Context, Failure};

/// Before `newsroom sync`'s round: with `[sync] encrypt = true` and no passphrase kept (or
/// with `again`), asks for one on the terminal and keeps it in the keyring.
pub(crate) async fn ensure_passphrase(
    ctx: &Context,
    again: bool,
    err: &mut impl Write,
) -> Result<(), Failure> {
    if !again && !ctx.config.sync.encrypt {
        return Ok(());
    }
    let store = PassphraseStore::new(&ctx.config.github.host);
    if !again {
        if std::env::var(PASSPHRASE_ENV).is_ok_and(|p| !p.is_empty()) {
            return Ok(());
        }
        if store
            .load_async()
            .await
            .map_err(|e| Failure::Runtime(format!("sync passphrase: {e}")))?
            .is_some()
        {
            return Ok(());
        }
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        if again {
            return Err(Failure::Usage(format!(
                "`newsroom sync --passphrase` asks on a terminal; without one, set {PASSPHRASE_ENV}"
            )));
        }
        // The round says what to do; nothing is sent without the passphrase.
        return Ok(());
    }
    let _ = writeln!(
        err,
        "newsroom: the sync gist is encrypted with a passphrase, the same on every machine \
         (kept in the keyring)."
    );
    let first = read_hidden(err, "Sync passphrase: ")?;
    if first.expose_secret().is_empty() {
        return Err(Failure::Runtime(
            "no passphrase entered; nothing was synced".into(),
        ));
    }
    let second = read_hidden(err, "The same again: ")?;
    if first.expose_secret() != second.expose_secret() {
        return Err(Failure::Runtime(
            "the two passphrases differ; nothing was synced or kept".into(),
        ));
    }
    store
        .save_async(first)
        .await
        .map_err(|e| Failure::Runtime(format!("could not keep the sync passphrase: {e}")))?;
    let _ = writeln!(err, "newsroom: the sync passphrase is kept in the keyring.");
    if !ctx.config.sync.encrypt {
        let _ = writeln!(
            err,
            "newsroom: encryption is off; `[sync] encrypt = true` in the config turns it on."
        );
    }
    Ok(())
}

/// One line from the terminal without echo (raw mode, restored on every path).
fn read_hidden(err: &mut impl Write, prompt: &str) -> Result<SecretString, Failure> {
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    crossterm::terminal::enable_raw_mode()
        .map_err(|e| Failure::Runtime(format!("cannot read the passphrase: {e}")))?;
    let mut line = Zeroizing::new(Vec::new());
    let mut cancelled = false;
    let mut byte = [0u8; 1];
    let mut stdin = std::io::stdin().lock();
    loop {
        if !matches!(stdin.read(&mut byte), Ok(1)) {
            cancelled = true;
            break;
        }
        match byte[0] {
            b'\r' | b'\n' => break,
            // Ctrl-C, Ctrl-D
            3 | 4 => {
                cancelled = true;
                break;
            }
            8 | 127 => {
                line.pop();
            }
            b => line.push(b),
        }
    }
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = write!(err, "\r\n");
    if cancelled {
        return Err(Failure::Runtime(
            "cancelled; nothing was synced or kept".into(),
        ));
    }
    let text = String::from_utf8(line.to_vec())
        .map_err(|_| Failure::Runtime("the passphrase is not UTF-8 text".into()))?;
    Ok(SecretString::from(text))
}
