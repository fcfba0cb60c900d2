//! The token in a real Secret Service: gnome-keyring on a private session bus. Run them with
//! `.ci/keyring-session.sh cargo test --test it keyring::`. Without a Secret Service these
//! tests print "SKIPPED" and pass, except under CI (`CI=true`), where they fail.
//! Each test uses its own host (the keyring account) so that they never clash.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use newsroom::auth::cli::{self, LoginOptions};
use newsroom::auth::{
    Auth, AuthError, AuthSettings, EnvOverrides, Session, StorageChoice, TokenSource, TokenStore,
};

use crate::support::fake_github::{FakeGithub, Script};

const UNIT_MS: u64 = 50;

fn env() -> EnvOverrides {
    EnvOverrides {
        second_ms: Some(UNIT_MS),
        ..EnvOverrides::default()
    }
}

fn script() -> Script {
    Script {
        second: std::time::Duration::from_millis(UNIT_MS),
        ..Script::default()
    }
}

fn unique_host(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{tag}-{}-{nanos}.newsroom-test", std::process::id())
}

/// `true` if a Secret Service answers (and `secret-tool` is there to check it); otherwise says
/// so loudly, and panics under CI, where it must be there.
fn secret_service() -> bool {
    let missing = if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        Some("DBUS_SESSION_BUS_ADDRESS is not set".to_owned())
    } else if Command::new("secret-tool")
        .arg("--version")
        .output()
        .is_err()
    {
        Some("secret-tool is not installed (libsecret-tools)".to_owned())
    } else {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = TokenStore::new(&unique_host("probe"), dir.path());
        let creds =
            newsroom::auth::Credentials::from_token(newsroom::auth::Token::new("probe".into()));
        store
            .save(&creds, StorageChoice::Keyring)
            .and_then(|_| store.delete())
            .err()
            .map(|e| e.to_string())
    };
    match missing {
        None => true,
        Some(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "no Secret Service under CI ({why}): run the tests through .ci/keyring-session.sh"
            )
        }
        Some(why) => {
            // Straight to stderr, past the test harness's capture, so that it is seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: no Secret Service (run under .ci/keyring-session.sh): {why}"
            );
            false
        }
    }
}

/// `secret-tool lookup service newsroom username HOST`: the secret, or `None`.
fn secret_tool_lookup(host: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "newsroom", "username", host])
        .output()
        .expect("secret-tool runs");
    (out.status.success() && !out.stdout.is_empty())
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_stores_in_the_keyring_status_reads_it_logout_deletes_it() {
    if !secret_service() {
        return;
    }
    let gh = FakeGithub::start(Script {
        token_expires_in: Some(8 * 3600),
        ..script()
    });
    let host = unique_host("login");
    let dir = tempfile::tempdir().unwrap();
    let auth = Auth::new(AuthSettings::new(
        &gh.github_config(&host),
        dir.path(),
        env(),
    ))
    .unwrap();

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let opts = LoginOptions {
        insecure_storage: false,
        open_browser_prompt: false,
    };
    let signed = cli::login_with(&auth, opts, &mut out, &mut err)
        .await
        .expect("login");
    let (out_s, err_s) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert!(out_s.contains(&format!("to {host} as @octocat")), "{out_s}");
    assert!(
        matches!(&signed.source, TokenSource::Keyring { service, account } if service == "newsroom" && *account == host)
    );
    let token = gh.issued_tokens()[0].clone();
    let refresh = gh.issued_refresh_tokens()[0].clone();
    assert!(!out_s.contains(&token) && !err_s.contains(&token));

    // What the keyring holds, read by another client.
    let stored = secret_tool_lookup(&host).expect("secret-tool finds the entry");
    let blob: serde_json::Value = serde_json::from_str(&stored).expect("a JSON blob");
    assert_eq!(blob["access_token"], token.as_str());
    assert_eq!(blob["refresh_token"], refresh.as_str());
    assert_eq!(blob["login"], "octocat");
    assert!(blob["expires_at"].as_u64().is_some());

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = cli::status_with(&auth, &mut out, &mut err)
        .await
        .expect("status");
    let out_s = String::from_utf8(out).unwrap();
    assert_eq!(s.login, "octocat");
    assert!(
        out_s.contains("OS keyring") && out_s.contains("@octocat"),
        "{out_s}"
    );
    assert!(out_s.contains("renewed automatically"), "{out_s}");
    assert!(!out_s.contains(&token));

    // Nothing newsroom wrote in its data dir holds the token.
    assert_eq!(files_containing(dir.path(), &token), Vec::<String>::new());

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let removed = cli::logout_with(&auth, &mut out, &mut err)
        .await
        .expect("logout");
    assert!(
        matches!(removed.as_slice(), [TokenSource::Keyring { .. }]),
        "{removed:?}"
    );
    assert_eq!(secret_tool_lookup(&host), None, "the keyring entry is gone");
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("/settings/connections/applications/")
    );
    assert!(matches!(
        auth.resume().await,
        Err(AuthError::NotSignedIn { why: None, .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_token_put_there_by_another_tool_is_used() {
    if !secret_service() {
        return;
    }
    let gh = FakeGithub::start(script());
    gh.add_token("gho_byHANDsecret");
    let host = unique_host("byhand");
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            "--label=newsroom test",
            "service",
            "newsroom",
            "username",
            &host,
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("secret-tool store");
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"gho_byHANDsecret")
        .unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());

    let dir = tempfile::tempdir().unwrap();
    let auth = Auth::new(AuthSettings::new(
        &gh.github_config(&host),
        dir.path(),
        env(),
    ))
    .unwrap();
    let Ok(Session::SignedIn(s)) = auth.resume().await else {
        panic!("the stored token was not used")
    };
    assert_eq!(s.login, "octocat");
    // The login learnt from /user was written back, as JSON.
    let blob = secret_tool_lookup(&host).unwrap();
    assert!(
        blob.contains("\"login\":\"octocat\""),
        "the blob was not updated"
    );
    auth.store().delete_async().await.unwrap();
    assert_eq!(secret_tool_lookup(&host), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_removed_from_the_keyring() {
    if !secret_service() {
        return;
    }
    let gh = FakeGithub::start(script());
    let host = unique_host("revoked");
    let dir = tempfile::tempdir().unwrap();
    let auth = Auth::new(AuthSettings::new(
        &gh.github_config(&host),
        dir.path(),
        env(),
    ))
    .unwrap();
    auth.sign_in(StorageChoice::Keyring, |_| {})
        .await
        .expect("signed in");
    assert!(secret_tool_lookup(&host).is_some());
    gh.revoke_all();
    let e = auth.resume().await.expect_err("401");
    assert!(e.needs_sign_in(), "{e:?}");
    assert_eq!(
        secret_tool_lookup(&host),
        None,
        "the dead token was dropped"
    );
}

/// Runs `child_without_a_keyring` in a fresh process whose session bus does not exist (the
/// keyring crate sets its store up once per process).
#[test]
fn without_a_keyring_login_says_what_is_missing() {
    let exe = std::env::current_exe().expect("the test binary");
    let out = Command::new(exe)
        .args([
            "--exact",
            "keyring::child_without_a_keyring",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/newsroom-test/bus",
        )
        .env("NEWSROOM_TEST_CHILD", "1")
        .output()
        .expect("run the child test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

#[tokio::test]
#[ignore = "run by without_a_keyring_login_says_what_is_missing in its own process"]
async fn child_without_a_keyring() {
    assert_eq!(std::env::var("NEWSROOM_TEST_CHILD").as_deref(), Ok("1"));
    let gh = FakeGithub::start(script());
    let dir = tempfile::tempdir().unwrap();
    let auth = Auth::new(AuthSettings::new(
        &gh.github_config(&unique_host("nobus")),
        dir.path(),
        env(),
    ))
    .unwrap();

    let opts = LoginOptions {
        insecure_storage: false,
        open_browser_prompt: false,
    };
    let e = cli::login_with(&auth, opts, &mut Vec::new(), &mut Vec::new())
        .await
        .expect_err("no keyring");
    let msg = e.to_string();
    assert!(msg.contains("no OS keyring is reachable"), "{msg}");
    assert!(msg.contains("newsroom login --insecure-storage"), "{msg}");
    assert!(
        msg.contains("Secret Service") && msg.contains("D-Bus"),
        "{msg}"
    );
    assert!(
        gh.requests().is_empty(),
        "no code is shown when the token could not be kept"
    );

    let e = auth.resume().await.expect_err("not signed in");
    assert!(
        matches!(&e, AuthError::NotSignedIn { why: Some(_), .. }) && e.needs_sign_in(),
        "{e:?}"
    );

    // The way out works.
    let opts = LoginOptions {
        insecure_storage: true,
        open_browser_prompt: false,
    };
    cli::login_with(&auth, opts, &mut Vec::new(), &mut Vec::new())
        .await
        .expect("insecure login");
    assert!(matches!(auth.resume().await, Ok(Session::SignedIn(_))));
}

/// A home of its own for the binary: config, data, state and cache dirs all under `home`.
fn isolated(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NEWSROOM_TEST_AUTH_SECOND_MS", UNIT_MS.to_string())
        .env_remove("NEWSROOM_GITHUB_TOKEN")
        .env_remove("NEWSROOM_GITHUB_CLIENT_ID")
        .env_remove("NEWSROOM_CONFIG")
        .env_remove("NEWSROOM_DB")
        .stdin(std::process::Stdio::null());
}

/// Runs `newsroom ARGS` in `home`: (exit code, stdout, stderr).
fn newsroom(home: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(crate::support::bin());
    cmd.args(args);
    isolated(&mut cmd, home);
    let out = cmd.output().expect("run newsroom");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes the config the binary will find under `home`.
fn write_config(home: &Path, gh: &FakeGithub, host: &str, feed_url: &str) {
    let dir = home.join("config/newsroom");
    std::fs::create_dir_all(&dir).unwrap();
    let text = format!(
        "[[publications]]\nname = \"Local\"\nurl = \"{feed_url}\"\n\n\
         [github]\nclient_id = \"{}\"\nhost = \"{host}\"\nweb_url = \"{}\"\napi_url = \"{}\"\n",
        gh.client_id(),
        gh.url(),
        gh.url()
    );
    std::fs::write(dir.join("config.toml"), text).unwrap();
}

const FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>
<link>http://127.0.0.1/</link><description>d</description>
<item><title>First story</title><link>http://127.0.0.1/1</link><guid>1</guid></item>
</channel></rss>"#;

#[test]
fn the_binary_signs_in_reads_news_and_writes_the_token_nowhere_else() {
    if !secret_service() {
        return;
    }
    let gh = FakeGithub::start(Script {
        approve_after: Some(2),
        ..script()
    });
    let feeds = crate::support::feed_server::FeedServer::start([(
        "/local.xml",
        crate::support::feed_server::Route::feed(FEED),
    )]);
    let home = tempfile::tempdir().unwrap();
    let host = unique_host("binary");
    write_config(home.path(), &gh, &host, &feeds.url("/local.xml"));

    let (code, out, err) = newsroom(home.path(), &["-v", "login"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("Signed in to {host} as @octocat")),
        "{out}"
    );
    assert!(err.contains("one-time code: WDJB-"), "{err}");
    assert!(
        !err.contains("Press Enter"),
        "no browser offer without a terminal: {err}"
    );
    let token = gh.issued_tokens()[0].clone();
    assert!(secret_tool_lookup(&host).is_some_and(|s| s.contains(&token)));

    let (code, out, err) = newsroom(home.path(), &["-v", "status"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("@octocat") && out.contains("OS keyring") && out.contains("read:user, gist"),
        "{out}"
    );

    let (code, out, err) = newsroom(home.path(), &["-v", "fetch"]);
    assert_eq!(code, 0, "{out}{err}");

    assert!(!out.contains(&token) && !err.contains(&token));
    let written = files_containing(home.path(), &token);
    assert_eq!(
        written,
        Vec::<String>::new(),
        "the token leaked into files newsroom wrote"
    );
    let mut all = Vec::new();
    let mut stack = vec![home.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                all.push(e.path());
            }
        }
    }
    assert!(
        all.iter().any(|p| p.ends_with("newsroom.db")),
        "news was read into the cache: {all:?}"
    );

    let (code, out, err) = newsroom(home.path(), &["logout"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!(
            "/settings/connections/applications/{}",
            gh.client_id()
        )),
        "{out}"
    );
    assert_eq!(secret_tool_lookup(&host), None);
    let (code, out, err) = newsroom(home.path(), &["status"]);
    assert_eq!(code, 4, "not signed in: {out}{err}");
}

/// The sync passphrase sits beside the token in the keyring, in its own entry: keeping,
/// replacing or deleting it never touches the token, and `secret-tool` finds it by its account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_passphrase_has_its_own_keyring_entry() {
    use age::secrecy::ExposeSecret;
    use newsroom::sync::crypt::PassphraseStore;
    if !secret_service() {
        return;
    }
    let host = unique_host("passphrase");
    let dir = tempfile::tempdir().unwrap();
    let tokens = TokenStore::new(&host, dir.path());
    let creds = newsroom::auth::Credentials::from_token(newsroom::auth::Token::new(
        "gho_FAKEbeside".into(),
    ));
    tokens.save(&creds, StorageChoice::Keyring).unwrap();

    let pass = PassphraseStore::new(&host);
    assert!(pass.load_async().await.unwrap().is_none());
    pass.save_async("correct horse battery".to_owned().into())
        .await
        .unwrap();
    let got = pass.load_async().await.unwrap().unwrap();
    assert_eq!(got.expose_secret(), "correct horse battery");
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "newsroom", "username"])
        .arg(format!("{host} sync passphrase"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "correct horse battery"
    );

    assert!(pass.delete_async().await.unwrap());
    assert!(pass.load_async().await.unwrap().is_none());
    let (kept, _) = tokens.load().unwrap().expect("the token stays");
    assert_eq!(kept.access.expose_secret(), "gho_FAKEbeside");
    tokens.delete().unwrap();
}
