//! GitHub sign-in against the fake GitHub in `support/fake_github.rs`: every device-flow
//! outcome, the polling cadence, `/user`, refresh, and the CLI logic with the insecure file
//! store (the keyring is exercised in `keyring.rs`).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newsroom::auth::cli::{self, LoginOptions};
use newsroom::auth::{
    ApiError, Auth, AuthError, AuthEvent, AuthSettings, DeviceError, DeviceFlow, EnvOverrides,
    RefreshError, Session, StorageChoice, TokenSource,
};

use crate::support::fake_github::{FakeGithub, Recorded, Script};

/// One fake "second", in ms, for both the fake and the client.
const UNIT_MS: u64 = 50;
const UNIT: Duration = Duration::from_millis(UNIT_MS);
const WAIT: Duration = Duration::from_secs(20);

fn script() -> Script {
    Script {
        second: UNIT,
        ..Script::default()
    }
}

fn env() -> EnvOverrides {
    EnvOverrides {
        second_ms: Some(UNIT_MS),
        ..EnvOverrides::default()
    }
}

fn auth_for(gh: &FakeGithub, data_dir: &Path) -> Auth {
    auth_for_url(&gh.github_config("github.test"), data_dir)
}

fn auth_for_url(cfg: &newsroom::config::GithubConfig, data_dir: &Path) -> Auth {
    Auth::new(AuthSettings::new(cfg, data_dir, env())).expect("auth")
}

/// Runs the device flow against `gh`, collecting the events.
async fn run_flow(
    gh: &FakeGithub,
) -> (
    Result<newsroom::auth::Credentials, DeviceError>,
    Vec<AuthEvent>,
) {
    let flow = DeviceFlow::new(
        reqwest::Client::builder().user_agent("t").build().unwrap(),
        &gh.url(),
        &gh.client_id(),
        &["read:user".into()],
    )
    .with_time_unit(UNIT);
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let result = tokio::time::timeout(WAIT, flow.run(move |e| sink.lock().unwrap().push(e)))
        .await
        .expect("the flow ends on its own");
    let events = std::mem::take(&mut *events.lock().unwrap());
    (result, events)
}

/// Asserts that no poll came sooner than the interval in force before it (in fake seconds),
/// nor sooner than one interval after the code was issued, and that the fake saw no too-fast poll.
fn assert_cadence(gh: &FakeGithub) -> Vec<Duration> {
    let reqs = gh.requests();
    let issued = reqs
        .iter()
        .find(|r| r.path == "/login/device/code")
        .expect("a code request")
        .at;
    let polls: Vec<&Recorded> = reqs.iter().filter(|r| r.is_poll()).collect();
    let mut gaps = Vec::new();
    let mut prev = issued;
    for p in &polls {
        let gap = p.at.duration_since(prev);
        let min = UNIT * p.interval_in_force;
        assert!(
            gap >= min,
            "a poll came {gap:?} after the previous request; the interval in force was {min:?}"
        );
        gaps.push(gap);
        prev = p.at;
    }
    assert_eq!(
        gh.too_fast_polls(),
        0,
        "the fake saw polls sooner than the interval"
    );
    gaps
}

#[tokio::test]
async fn approval_after_polls_yields_the_token_and_respects_the_interval() {
    let gh = FakeGithub::start(Script {
        interval: 2,
        approve_after: Some(3),
        ..script()
    });
    let (result, events) = run_flow(&gh).await;
    let creds = result.expect("signed in");
    assert_eq!(
        gh.issued_tokens(),
        [creds.access.expose_secret().to_owned()]
    );
    assert_eq!(
        creds.scopes,
        ["read:user", "gist"],
        "comma-separated scopes are split"
    );
    assert!(creds.refresh.is_none() && creds.expires_at.is_none());

    let gaps = assert_cadence(&gh);
    assert_eq!(gaps.len(), 3);
    assert!(gaps.iter().all(|g| *g >= UNIT * 2), "{gaps:?}");

    assert!(
        matches!(&events[0], AuthEvent::Code { user_code, verification_uri, .. }
        if user_code.starts_with("WDJB-") && verification_uri == &format!("{}/login/device", gh.url()))
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, AuthEvent::Waiting))
            .count(),
        2
    );

    let reqs = gh.requests();
    let code_req = &reqs[0];
    assert_eq!(code_req.form().get("client_id"), Some(&gh.client_id()));
    assert_eq!(
        code_req.form().get("scope").map(String::as_str),
        Some("read:user")
    );
    for r in &reqs {
        assert_eq!(r.header("accept"), Some("application/json"), "{}", r.path);
        assert!(
            !r.form().contains_key("client_secret"),
            "a public client sends no secret"
        );
    }
}

#[tokio::test]
async fn form_urlencoded_answers_are_understood() {
    // As when a proxy strips `Accept: application/json`.
    let gh = FakeGithub::start(Script {
        ignore_accept: true,
        approve_after: Some(2),
        ..script()
    });
    let (result, _) = run_flow(&gh).await;
    let creds = result.expect("signed in through form-urlencoded answers");
    assert_eq!(gh.issued_tokens()[0], creds.access.expose_secret());
    assert_eq!(gh.polls()[0].answer, "authorization_pending");
}

#[tokio::test]
async fn slow_down_with_a_new_interval_is_honoured() {
    let gh = FakeGithub::start(Script {
        interval: 1,
        slow_down_at: vec![2],
        approve_after: Some(4),
        ..script()
    });
    let (result, events) = run_flow(&gh).await;
    result.expect("signed in");
    let gaps = assert_cadence(&gh);
    // After the slow_down on poll 2 the interval is 1 + 5 = 6.
    assert!(gaps[2] >= UNIT * 6 && gaps[3] >= UNIT * 6, "{gaps:?}");
    let slow: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            AuthEvent::SlowDown { interval } => Some(*interval),
            _ => None,
        })
        .collect();
    assert_eq!(slow, [UNIT * 6]);
}

#[tokio::test]
async fn slow_down_without_interval_adds_five_seconds() {
    let gh = FakeGithub::start(Script {
        interval: 2,
        slow_down_at: vec![1],
        slow_down_omits_interval: true,
        approve_after: Some(2),
        ..script()
    });
    let (result, events) = run_flow(&gh).await;
    result.expect("signed in");
    let gaps = assert_cadence(&gh);
    assert!(gaps[1] >= UNIT * 7, "{gaps:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AuthEvent::SlowDown { interval } if *interval == UNIT * 7))
    );
}

#[tokio::test]
async fn expired_token_and_token_expired_both_end_the_flow() {
    for name in ["expired_token", "token_expired"] {
        let gh = FakeGithub::start(Script {
            approve_after: None,
            expire_after: Some((2, name)),
            ..script()
        });
        let (result, _) = run_flow(&gh).await;
        let e = result.expect_err("expired");
        assert!(matches!(e, DeviceError::Expired), "{name}: {e:?}");
        assert!(e.to_string().contains("new code"), "{e}");
        assert_eq!(gh.polls().len(), 2, "no poll after {name}");
    }
}

#[tokio::test]
async fn the_code_lifetime_bounds_polling() {
    // Never approved; the code lives 6 seconds with a 2-second interval.
    let gh = FakeGithub::start(Script {
        interval: 2,
        expires_in: 6,
        approve_after: None,
        ..script()
    });
    let start = Instant::now();
    let (result, _) = run_flow(&gh).await;
    assert!(matches!(result, Err(DeviceError::Expired)), "{result:?}");
    assert!(
        start.elapsed() >= UNIT * 6,
        "gave up before the code expired"
    );
    let issued = gh.requests()[0].at;
    for p in gh.polls() {
        assert!(
            p.at.duration_since(issued) < UNIT * 6,
            "polled after expiry"
        );
        assert_eq!(p.answer, "authorization_pending");
    }
    assert_cadence(&gh);
}

#[tokio::test]
async fn denial_is_reported() {
    let gh = FakeGithub::start(Script {
        approve_after: None,
        deny_after: Some(2),
        ..script()
    });
    let (result, _) = run_flow(&gh).await;
    let e = result.expect_err("denied");
    assert!(matches!(e, DeviceError::Denied), "{e:?}");
    assert!(e.to_string().contains("denied"), "{e}");
}

#[tokio::test]
async fn fatal_poll_errors_stop_with_a_clear_message() {
    for (code, want) in [
        ("incorrect_client_credentials", "client id"),
        ("incorrect_device_code", "device code"),
        ("unsupported_grant_type", "unsupported_grant_type"),
        ("device_flow_disabled", "Enable Device Flow"),
        ("something_new", "something_new"),
    ] {
        let gh = FakeGithub::start(Script {
            approve_after: None,
            poll_error: Some((2, code)),
            ..script()
        });
        let (result, _) = run_flow(&gh).await;
        let e = result.expect_err(code).to_string();
        assert!(e.contains(want), "{code}: {e}");
        assert_eq!(gh.polls().len(), 2, "{code}: stopped at the error");
    }
}

#[tokio::test]
async fn device_flow_disabled_comes_from_the_code_endpoint_with_400() {
    let gh = FakeGithub::start(Script {
        device_flow_disabled: true,
        ..script()
    });
    let (result, events) = run_flow(&gh).await;
    let e = result.expect_err("disabled");
    assert!(matches!(e, DeviceError::FlowDisabled), "{e:?}");
    assert!(e.to_string().contains("tick \"Enable Device Flow\""), "{e}");
    assert!(events.is_empty() && gh.polls().is_empty());
}

#[tokio::test]
async fn an_unknown_client_id_is_named() {
    let gh = FakeGithub::start(script());
    let flow = DeviceFlow::new(reqwest::Client::new(), &gh.url(), "Iv1.nosuchapp", &[])
        .with_time_unit(UNIT);
    let e = flow.request_code().await.expect_err("404");
    assert!(matches!(e, DeviceError::BadClientId { .. }), "{e:?}");
    assert!(e.to_string().contains("Iv1.nosuchapp"), "{e}");
}

#[tokio::test]
async fn network_errors_while_polling_are_retried_with_backoff() {
    let gh = FakeGithub::start(Script {
        interval: 1,
        offline_at: vec![2, 3],
        server_error_at: vec![4],
        approve_after: Some(5),
        ..script()
    });
    let (result, events) = run_flow(&gh).await;
    result.expect("signed in once back online");
    let gaps = assert_cadence(&gh);
    let retries: Vec<Duration> = events
        .iter()
        .filter_map(|e| match e {
            AuthEvent::Offline { retry_in, .. } => Some(*retry_in),
            _ => None,
        })
        .collect();
    // Backoff doubles from the interval: 1, 2, 4 seconds.
    assert_eq!(retries, [UNIT, UNIT * 2, UNIT * 4]);
    assert!(
        gaps[2] >= UNIT && gaps[3] >= UNIT * 2 && gaps[4] >= UNIT * 4,
        "{gaps:?}"
    );
    let answers: Vec<String> = gh.polls().iter().map(|p| p.answer.clone()).collect();
    assert_eq!(
        answers,
        ["authorization_pending", "offline", "offline", "502", "ok"]
    );
}

#[tokio::test]
async fn an_unreachable_github_fails_the_code_request() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let flow = DeviceFlow::new(
        reqwest::Client::new(),
        &format!("http://127.0.0.1:{port}"),
        "x",
        &[],
    );
    let e = flow.request_code().await.expect_err("nothing listens");
    assert!(matches!(e, DeviceError::Network { .. }), "{e:?}");
}

// The fake's waits block a thread: the sign-in task needs another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_flow_stops_polling() {
    let gh = FakeGithub::start(Script {
        approve_after: None,
        ..script()
    });
    let dir = tempfile::tempdir().unwrap();
    let auth = auth_for(&gh, dir.path());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = auth.spawn_sign_in(StorageChoice::InsecureFile, tx);
    assert!(matches!(rx.recv().await, Some(AuthEvent::Code { .. })));
    assert!(gh.wait_for_polls(2, WAIT));
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let seen = gh.polls().len();
    tokio::time::sleep(UNIT * 5).await;
    assert_eq!(gh.polls().len(), seen, "no poll after cancelling");
    assert!(!auth.store().insecure_path().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_sign_in_reports_every_step_and_stores_the_token() {
    let gh = FakeGithub::start(Script {
        approve_after: None,
        ..script()
    });
    let dir = tempfile::tempdir().unwrap();
    let auth = auth_for(&gh, dir.path());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _task = auth.spawn_sign_in(StorageChoice::InsecureFile, tx);
    let code = gh.wait_for_code(WAIT).expect("a code");
    let mut saw = Vec::new();
    let done = loop {
        let event = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("events")
            .expect("open");
        match event {
            AuthEvent::Code { user_code, .. } => {
                assert_eq!(user_code, code);
                saw.push("code");
            }
            AuthEvent::Waiting => {
                if !saw.contains(&"waiting") {
                    gh.approve();
                }
                saw.push("waiting");
            }
            AuthEvent::Verifying => saw.push("verifying"),
            AuthEvent::Done(s) => break *s,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(saw.first(), Some(&"code"));
    assert_eq!(saw.last(), Some(&"verifying"));
    assert_eq!(done.login, "octocat");
    assert_eq!(done.scopes, ["read:user", "gist"]);
    assert_eq!(
        done.source,
        TokenSource::InsecureFile(auth.store().insecure_path().to_path_buf())
    );
    let token = gh.issued_tokens()[0].clone();
    assert!(
        !format!("{done:?}").contains(&token),
        "Debug of SignedIn shows the token"
    );
    let user_req = gh
        .requests()
        .into_iter()
        .find(|r| r.path == "/user")
        .expect("/user asked");
    assert_eq!(
        user_req.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(user_req.header("x-github-api-version"), Some("2022-11-28"));
    assert_eq!(
        user_req.header("accept"),
        Some("application/vnd.github+json")
    );
    assert!(
        user_req
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("newsroom/"))
    );
}

#[tokio::test]
async fn user_needs_a_user_agent_and_a_valid_token() {
    let gh = FakeGithub::start(script());
    gh.add_token("gho_valid");
    // The fake behaves like GitHub: no User-Agent, 403.
    let bare = reqwest::Client::new()
        .get(format!("{}/user", gh.url()))
        .bearer_auth("gho_valid")
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status().as_u16(), 403);

    let dir = tempfile::tempdir().unwrap();
    let api = auth_for(&gh, dir.path()).api();
    let user = api
        .user(&newsroom::auth::Token::new("gho_valid".into()))
        .await
        .expect("valid");
    assert_eq!(user.login, "octocat");
    assert_eq!(
        user.scopes.as_deref(),
        Some(&["read:user".to_owned(), "gist".to_owned()][..])
    );
    let e = api
        .user(&newsroom::auth::Token::new("gho_wrong".into()))
        .await
        .expect_err("401");
    assert!(matches!(e, ApiError::Revoked), "{e:?}");
    assert!(e.to_string().contains("revoked or is invalid"), "{e}");
    assert!(!e.to_string().contains("gho_wrong"));
}

#[tokio::test]
async fn user_without_scopes_header_has_no_scopes() {
    let gh = FakeGithub::start(Script {
        scopes_header: None,
        ..script()
    });
    gh.add_token("ghu_app");
    let dir = tempfile::tempdir().unwrap();
    let user = auth_for(&gh, dir.path())
        .api()
        .user(&newsroom::auth::Token::new("ghu_app".into()))
        .await
        .unwrap();
    assert_eq!(user.scopes, None);
}

/// Signs in with the insecure file store (no keyring needed) and returns the auth handle.
async fn signed_in(gh: &FakeGithub, dir: &Path) -> Auth {
    let auth = auth_for(gh, dir);
    auth.sign_in(StorageChoice::InsecureFile, |_| {})
        .await
        .expect("signed in");
    auth
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_and_stored() {
    // Expires within the refresh margin (5 min), so `resume` renews it at once.
    let gh = FakeGithub::start(Script {
        token_expires_in: Some(120),
        ..script()
    });
    let dir = tempfile::tempdir().unwrap();
    let auth = signed_in(&gh, dir.path()).await;
    let first = gh.issued_tokens()[0].clone();
    let first_refresh = gh.issued_refresh_tokens()[0].clone();

    let Session::SignedIn(s) = auth.resume().await.expect("resumed") else {
        panic!("offline?")
    };
    let tokens = gh.issued_tokens();
    assert_eq!(tokens.len(), 2, "a refresh grant issued a new token");
    assert_eq!(s.credentials.access.expose_secret(), tokens[1]);
    assert_ne!(tokens[1], first);
    assert_eq!(s.login, "octocat");
    let refresh_req = gh
        .requests()
        .into_iter()
        .find(|r| r.form().get("grant_type").map(String::as_str) == Some("refresh_token"))
        .expect("a refresh grant");
    let form = refresh_req.form();
    assert_eq!(form.get("refresh_token"), Some(&first_refresh));
    assert_eq!(form.get("client_id"), Some(&gh.client_id()));
    assert!(!form.contains_key("client_secret"));

    // The renewed credentials were written back.
    let (stored, _) = auth.store().load().unwrap().unwrap();
    assert_eq!(stored.access.expose_secret(), tokens[1]);
    assert_ne!(
        stored.refresh.as_ref().unwrap().expose_secret(),
        first_refresh,
        "rotated"
    );
}

#[tokio::test]
async fn a_failed_refresh_means_signing_in_again() {
    let gh = FakeGithub::start(Script {
        token_expires_in: Some(60),
        refresh_rejects: true,
        ..script()
    });
    let dir = tempfile::tempdir().unwrap();
    let auth = signed_in(&gh, dir.path()).await;
    let e = auth.resume().await.expect_err("refresh refused");
    assert!(
        matches!(e, AuthError::Refresh(RefreshError::Rejected { .. })),
        "{e:?}"
    );
    assert!(
        e.needs_sign_in() && e.to_string().contains("sign in again"),
        "{e}"
    );
    assert!(
        !auth.store().insecure_path().exists(),
        "the dead token was dropped"
    );
}

#[tokio::test]
async fn a_revoked_token_is_dropped_at_startup() {
    let gh = FakeGithub::start(script());
    let dir = tempfile::tempdir().unwrap();
    let auth = signed_in(&gh, dir.path()).await;
    assert!(matches!(auth.resume().await, Ok(Session::SignedIn(_))));
    gh.revoke_all();
    let e = auth.resume().await.expect_err("401");
    assert!(
        matches!(e, AuthError::Api(ApiError::Revoked)) && e.exit_code() == 4,
        "{e:?}"
    );
    assert!(
        !auth.store().insecure_path().exists(),
        "the revoked token was dropped"
    );
    assert!(matches!(
        auth.resume().await,
        Err(AuthError::NotSignedIn { .. })
    ));
}

#[tokio::test]
async fn offline_at_startup_keeps_the_token() {
    let gh = FakeGithub::start(script());
    let dir = tempfile::tempdir().unwrap();
    let auth = signed_in(&gh, dir.path()).await;
    let cfg = gh.github_config("github.test");
    drop(auth);
    drop(gh); // GitHub is gone: connections are refused.
    // A fresh handle, as at the next start (the old one's pooled connection would only time out).
    let auth = auth_for_url(&cfg, dir.path());
    match auth.resume().await {
        Ok(Session::Offline { login, .. }) => assert_eq!(login.as_deref(), Some("octocat")),
        other => panic!("{other:?}"),
    }
    assert!(auth.store().insecure_path().exists(), "kept for later");
}

#[tokio::test]
async fn cli_login_status_logout_with_the_insecure_file() {
    let gh = FakeGithub::start(script());
    let dir = tempfile::tempdir().unwrap();
    let auth = auth_for(&gh, dir.path());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let opts = LoginOptions {
        insecure_storage: true,
        open_browser_prompt: true,
    };
    let signed = cli::login_with(&auth, opts, &mut out, &mut err)
        .await
        .expect("login");
    let (out_s, err_s) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    let code = gh.wait_for_code(WAIT).unwrap();
    assert!(err_s.contains(&format!("one-time code: {code}")), "{err_s}");
    assert!(
        err_s.contains(&format!("{}/login/device", gh.url())),
        "{err_s}"
    );
    assert!(err_s.contains("Press Enter to open github.test"), "{err_s}");
    assert!(err_s.contains("unencrypted"), "{err_s}");
    assert!(
        out_s.contains("Signed in to github.test as @octocat"),
        "{out_s}"
    );
    assert_eq!(signed.login, "octocat");

    let token = gh.issued_tokens()[0].clone();
    let path = auth.store().insecure_path().to_path_buf();
    assert!(std::fs::read_to_string(&path).unwrap().contains(&token));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let (mut out, mut err) = (Vec::new(), Vec::new());
    cli::status_with(&auth, &mut out, &mut err)
        .await
        .expect("status");
    let (out_s, err_s) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert!(
        out_s.contains("github.test") && out_s.contains("@octocat"),
        "{out_s}"
    );
    assert!(out_s.contains("Scopes: read:user, gist"), "{out_s}");
    assert!(
        out_s.contains("✓ `read:user`: your GitHub login"),
        "which features the scopes enable: {out_s}"
    );
    assert!(
        out_s.contains("✓ `gist`: syncing reading state through your gist"),
        "sync's scope is listed: {out_s}"
    );
    assert!(
        out_s.contains("API rate limit: 4998 of 5000 requests left"),
        "the budget left, from GitHub's headers: {out_s}"
    );
    assert!(out_s.contains("unencrypted file"), "{out_s}");
    assert!(
        err_s.contains("warning"),
        "the insecure file warns each time: {err_s}"
    );
    assert!(!out_s.contains(&token) && !err_s.contains(&token));

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let removed = cli::logout_with(&auth, &mut out, &mut err)
        .await
        .expect("logout");
    let out_s = String::from_utf8(out).unwrap();
    assert_eq!(removed, [TokenSource::InsecureFile(path.clone())]);
    assert!(!path.exists());
    let revoke = format!(
        "{}/settings/connections/applications/{}",
        gh.url(),
        gh.client_id()
    );
    assert!(out_s.contains(&revoke), "{out_s}");

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let e = cli::status_with(&auth, &mut out, &mut err)
        .await
        .expect_err("signed out");
    assert!(
        matches!(e, AuthError::NotSignedIn { .. }) && e.exit_code() == 4,
        "{e:?}"
    );
    assert!(String::from_utf8(out).unwrap().contains("Not signed in"));
}

#[tokio::test]
async fn cli_login_reports_denial() {
    let gh = FakeGithub::start(Script {
        approve_after: None,
        deny_after: Some(1),
        ..script()
    });
    let dir = tempfile::tempdir().unwrap();
    let auth = auth_for(&gh, dir.path());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let opts = LoginOptions {
        insecure_storage: true,
        open_browser_prompt: false,
    };
    let e = cli::login_with(&auth, opts, &mut out, &mut err)
        .await
        .expect_err("denied");
    assert!(
        matches!(e, AuthError::Device(DeviceError::Denied)) && e.exit_code() != 0,
        "{e:?}"
    );
    assert!(!String::from_utf8(err).unwrap().contains("Press Enter"));
    assert!(!auth.store().insecure_path().exists());
}

#[tokio::test]
async fn login_without_a_client_id_explains_how_to_register_one() {
    let gh = FakeGithub::start(script());
    let mut cfg = gh.github_config("github.test");
    cfg.client_id = None;
    let dir = tempfile::tempdir().unwrap();
    let auth = Auth::new(AuthSettings::new(&cfg, dir.path(), env())).unwrap();
    let opts = LoginOptions {
        insecure_storage: true,
        open_browser_prompt: false,
    };
    let e = cli::login_with(&auth, opts, &mut Vec::new(), &mut Vec::new())
        .await
        .expect_err("no client id");
    let msg = e.to_string();
    for step in [
        "Developer settings",
        "New OAuth App",
        "Enable Device Flow",
        "client_id",
        "NEWSROOM_GITHUB_CLIENT_ID",
    ] {
        assert!(msg.contains(step), "missing {step:?} in {msg}");
    }
    assert_eq!(e.exit_code(), 2);
    assert!(gh.requests().is_empty());

    // The environment's client id wins over the config.
    let env = EnvOverrides {
        client_id: Some(gh.client_id()),
        ..env()
    };
    let auth = Auth::new(AuthSettings::new(&cfg, dir.path(), env)).unwrap();
    auth.sign_in(StorageChoice::InsecureFile, |_| {})
        .await
        .expect("signed in with the env client id");
}

#[tokio::test]
async fn an_env_token_bypasses_the_store() {
    let gh = FakeGithub::start(script());
    gh.add_token("gho_fromENVsecret");
    let dir = tempfile::tempdir().unwrap();
    let env = EnvOverrides {
        token: Some(newsroom::auth::Token::new("gho_fromENVsecret".into())),
        ..env()
    };
    let auth = Auth::new(AuthSettings::new(
        &gh.github_config("github.test"),
        dir.path(),
        env,
    ))
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = cli::status_with(&auth, &mut out, &mut err)
        .await
        .expect("status");
    assert_eq!(s.source, TokenSource::Env);
    let out_s = String::from_utf8(out).unwrap();
    assert!(out_s.contains("NEWSROOM_GITHUB_TOKEN"), "{out_s}");
    assert!(!out_s.contains("gho_fromENVsecret"));
    assert!(
        !format!("{auth:?}").contains("fromENV"),
        "Debug of Auth shows the env token"
    );
    // A dead env token is reported but cannot be dropped.
    gh.revoke_all();
    let e = auth.resume().await.expect_err("revoked");
    assert!(!e.to_string().contains("fromENV"));
    // ... and named as the cause: signing in again cannot help while it is set.
    assert!(
        e.to_string().contains("NEWSROOM_GITHUB_TOKEN") && e.to_string().contains("unset"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 4);
}

#[test]
fn secrets_only_travel_over_https_or_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = newsroom::config::Config::defaults().github;
    cfg.api_url = "http://api.example.com".into();
    let e = Auth::new(AuthSettings::new(&cfg, dir.path(), EnvOverrides::default()))
        .expect_err("plain http");
    assert!(e.to_string().contains("https"), "{e}");
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn the_test_time_unit_never_applies_to_a_real_host() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = newsroom::config::Config::defaults().github;
    let s = AuthSettings::new(
        &cfg,
        dir.path(),
        EnvOverrides {
            second_ms: Some(1),
            ..EnvOverrides::default()
        },
    );
    assert_eq!(s.time_unit, Duration::from_secs(1));
    assert_eq!(s.revoke_url(), "https://github.com/settings/applications");
}

/// The binary with the insecure file store, on a machine without a keyring (the session bus
/// points nowhere).
#[test]
fn the_binary_without_a_keyring() {
    let gh = FakeGithub::start(Script {
        approve_after: Some(2),
        ..script()
    });
    let home = tempfile::tempdir().unwrap();
    let cfg_dir = home.path().join("config/newsroom");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    std::fs::write(
        cfg_dir.join("config.toml"),
        format!(
            "[github]\nclient_id = \"{}\"\nhost = \"github.test\"\nweb_url = \"{}\"\napi_url = \"{}\"\n",
            gh.client_id(),
            gh.url(),
            gh.url()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = crate::support::newsroom_in(home.path())
            .args(args)
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/newsroom-test/bus",
            )
            .env("NEWSROOM_TEST_AUTH_SECOND_MS", UNIT_MS.to_string())
            .output()
            .expect("run newsroom");
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (
            out.status.code().unwrap_or(-1),
            text(&out.stdout),
            text(&out.stderr),
        )
    };

    let (code, out, err) = run(&["login"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        err.contains("No keyring is running") && err.contains("--insecure-storage"),
        "{err}"
    );
    crate::support::assert_plain_keyring_words(&err);
    assert!(
        gh.requests().is_empty(),
        "no code before we know the token can be kept"
    );

    let (code, out, err) = run(&["login", "--insecure-storage"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Signed in to github.test as @octocat"),
        "{out}"
    );
    assert!(
        err.contains("one-time code") && err.contains("unencrypted"),
        "{err}"
    );
    let token = gh.issued_tokens()[0].clone();

    let (code, out, err) = run(&["status"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("unencrypted file") && err.contains("warning"),
        "{out}{err}"
    );
    assert!(!out.contains(&token) && !err.contains(&token));

    gh.revoke_all();
    let (code, out, err) = run(&["status"]);
    assert_eq!(code, 4, "a revoked token: {out}{err}");
    assert!(err.contains("revoked or is invalid"), "{err}");
    let (code, out, err) = run(&["status"]);
    assert_eq!(code, 4, "and it was dropped: {out}{err}");
    assert!(err.contains("not signed in"), "{err}");

    let (code, out, err) = run(&["logout"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No GitHub token was stored"), "{out}");
    assert!(err.contains("keyring could not be checked"), "{err}");
    crate::support::assert_plain_keyring_words(&err);
}

#[tokio::test]
async fn debug_output_never_contains_a_secret() {
    let gh = FakeGithub::start(Script {
        token_expires_in: Some(8 * 3600),
        ..script()
    });
    let dir = tempfile::tempdir().unwrap();
    let env = EnvOverrides {
        token: Some(newsroom::auth::Token::new("gho_ENVsecret".into())),
        ..env()
    };
    let with_env = Auth::new(AuthSettings::new(
        &gh.github_config("github.test"),
        dir.path(),
        env,
    ))
    .unwrap();
    let auth = auth_for(&gh, dir.path());
    let flow = auth.device_flow().unwrap();
    let code = flow.request_code().await.unwrap();
    let signed = auth
        .sign_in(StorageChoice::InsecureFile, |_| {})
        .await
        .unwrap();
    let creds = signed.credentials.clone();
    let session = auth.resume().await.unwrap();
    let secrets = [
        creds.access.expose_secret().to_owned(),
        creds.refresh.as_ref().unwrap().expose_secret().to_owned(),
        "gho_ENVsecret".to_owned(),
    ];
    let shown = [
        format!("{with_env:?}"),
        format!("{with_env:#?}"),
        format!("{:?}", with_env.settings()),
        format!("{:?}", with_env.store()),
        format!("{auth:?}"),
        format!("{flow:?}"),
        format!("{code:?}"),
        format!("{signed:?}"),
        format!("{signed:#?}"),
        format!("{creds:?}"),
        format!("{session:?}"),
        format!("{:?}", AuthEvent::Done(Box::new(signed.clone()))),
        format!("{} {}", creds.access, creds.refresh.as_ref().unwrap()),
    ];
    let device_codes = gh.device_codes();
    assert_eq!(device_codes.len(), 2);
    for text in &shown {
        for secret in secrets.iter().chain(&device_codes) {
            assert!(
                !text.contains(secret.as_str()),
                "a secret in Debug/Display: {text}"
            );
        }
    }
}
