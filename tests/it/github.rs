//! The GitHub session against a loopback fake that answers as GitHub does: one client with
//! GitHub's headers, conditional requests whose 304s cost no rate limit, `X-Poll-Interval`,
//! secondary rate limits with `retry-after`, 401 for a dead token, renewal of an expiring token
//! at any time, and the token kept to the API host.

use std::path::Path;
use std::time::Duration;

use newsroom::auth::{Auth, AuthSettings, EnvOverrides, Session, StorageChoice, Token};
use newsroom::github::{Feature, GithubError, GithubSession};

use crate::support::fake_github::{FakeGithub, Script};
use crate::support::feed_server::{FeedServer, Route};

const ENV_TOKEN: &str = "gho_FAKEenv0000000000000000000000000001";

fn env_auth(gh: &FakeGithub, dir: &Path) -> Auth {
    gh.add_token(ENV_TOKEN);
    let env = EnvOverrides {
        token: Some(Token::new(ENV_TOKEN.into())),
        second_ms: Some(50),
        ..EnvOverrides::default()
    };
    Auth::new(AuthSettings::new(
        &gh.github_config("github.test"),
        dir,
        env,
    ))
    .unwrap()
}

async fn session_from_env(gh: &FakeGithub, dir: &Path) -> GithubSession {
    let auth = env_auth(gh, dir);
    let Ok(Session::SignedIn(s)) = auth.resume().await else {
        panic!("the env token is accepted")
    };
    GithubSession::new(&auth, s)
}

fn api_requests(gh: &FakeGithub) -> Vec<crate::support::fake_github::Recorded> {
    gh.requests()
        .into_iter()
        .filter(|r| !r.path.starts_with("/login/"))
        .collect()
}

#[tokio::test]
async fn every_call_carries_githubs_headers_and_a_304_costs_nothing() {
    let gh = FakeGithub::start(Script::default());
    let dir = tempfile::tempdir().unwrap();
    let session = session_from_env(&gh, dir.path()).await;
    assert_eq!(session.login(), "octocat");

    let first = session.get("/user").await.unwrap();
    assert!(!first.not_modified);
    let spent = session.client().rate_limit().unwrap();
    let second = session.get("/user").await.unwrap();
    assert!(
        second.not_modified,
        "the ETag made the second call conditional"
    );
    assert_eq!(second.body, first.body, "a 304 gives the cached body");
    assert_eq!(
        session.client().rate_limit().unwrap().remaining,
        spent.remaining,
        "GitHub does not charge a 304"
    );

    let reqs = api_requests(&gh);
    let last = reqs.last().unwrap();
    assert!(last.header("if-none-match").is_some());
    for r in &reqs[1..] {
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
        assert!(r.header("user-agent").unwrap().starts_with("newsroom/"));
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {ENV_TOKEN}").as_str())
        );
    }
}

#[tokio::test]
async fn poll_interval_and_if_modified_since_on_notifications() {
    let gh = FakeGithub::start(Script {
        granted_scope: "read:user,notifications".into(),
        poll_interval: 90,
        ..Script::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let session = session_from_env(&gh, dir.path()).await;
    let first = session.get("/notifications").await.unwrap();
    assert_eq!(first.poll_interval, Some(Duration::from_secs(90)));
    let again = session.get("/notifications").await.unwrap();
    assert!(again.not_modified);
    assert_eq!(again.poll_interval, Some(Duration::from_secs(90)));
    let last = api_requests(&gh).pop().unwrap();
    assert_eq!(
        last.header("if-modified-since"),
        Some("Tue, 01 Dec 2026 09:00:00 GMT")
    );
}

#[tokio::test]
async fn a_missing_scope_is_a_refusal_with_githubs_words() {
    let gh = FakeGithub::start(Script::default());
    let dir = tempfile::tempdir().unwrap();
    let session = session_from_env(&gh, dir.path()).await;
    let e = session.get("/notifications").await.unwrap_err();
    assert!(
        matches!(&e, GithubError::Forbidden(m) if m.contains("notifications")),
        "{e:?}"
    );
    // The session knows its scopes, and says what is missing, naming the variable for an env
    // token (signing in again cannot help while it is set).
    assert!(session.require(Feature::Profile).is_ok());
    assert!(session.scopes().iter().any(|s| s == "read:user"));
}

#[tokio::test]
async fn a_secondary_rate_limit_is_honoured_without_asking_again() {
    let gh = FakeGithub::start(Script {
        // The first API request is `resume`'s /user; the session's second call is limited.
        secondary_limit_at: vec![(3, 120)],
        ..Script::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let session = session_from_env(&gh, dir.path()).await;
    session.get("/user").await.unwrap();
    let before = chrono::Utc::now();
    let e = session.get("/user").await.unwrap_err();
    let GithubError::RateLimited { until, secondary } = e else {
        panic!("{e:?}")
    };
    assert!(secondary);
    assert!(until >= before + chrono::Duration::seconds(119), "{until}");
    let sent = api_requests(&gh).len();
    let e = session.get("/user").await.unwrap_err();
    assert!(matches!(e, GithubError::RateLimited { .. }));
    assert_eq!(api_requests(&gh).len(), sent, "nothing sent while limited");
    assert!(e.to_string().contains("waits until"), "{e}");
}

#[tokio::test]
async fn a_revoked_token_is_unauthorized() {
    let gh = FakeGithub::start(Script::default());
    let dir = tempfile::tempdir().unwrap();
    let session = session_from_env(&gh, dir.path()).await;
    gh.revoke_all();
    assert_eq!(
        session.get("/user").await.unwrap_err(),
        GithubError::Unauthorized
    );
}

#[tokio::test]
async fn the_token_never_goes_to_another_host() {
    let gh = FakeGithub::start(Script::default());
    let feeds = FeedServer::start([("/x", Route::status(200))]);
    let dir = tempfile::tempdir().unwrap();
    let session = session_from_env(&gh, dir.path()).await;
    let e = session.get(&feeds.url("/x?token=1")).await.unwrap_err();
    assert!(
        matches!(&e, GithubError::ForeignHost(u) if !u.contains("token=")),
        "{e:?}"
    );
    assert_eq!(feeds.requests("/x"), 0, "no request reached the other host");
    assert!(
        !format!("{session:?}").contains(ENV_TOKEN),
        "Debug is redacted"
    );
}

#[tokio::test]
async fn an_expiring_token_is_renewed_before_a_call() {
    let gh = FakeGithub::start(Script {
        // Inside the renewal margin from the start: every call must renew first.
        token_expires_in: Some(120),
        ..Script::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let auth = Auth::new(AuthSettings::new(
        &gh.github_config("github.test"),
        dir.path(),
        EnvOverrides {
            second_ms: Some(50),
            ..EnvOverrides::default()
        },
    ))
    .unwrap();
    let signed_in = auth
        .sign_in(StorageChoice::InsecureFile, |_| {})
        .await
        .unwrap();
    let session = GithubSession::new(&auth, signed_in);
    session.get("/user").await.unwrap();
    let issued = gh.issued_tokens();
    assert_eq!(issued.len(), 2, "signed in, then renewed");
    let last = api_requests(&gh).pop().unwrap();
    assert_eq!(
        last.header("authorization"),
        Some(format!("Bearer {}", issued[1]).as_str()),
        "the call used the renewed token"
    );
    // The renewed token was kept where the first one was.
    let (stored, _) = auth.store().load_async().await.unwrap().unwrap();
    assert_eq!(stored.access.expose_secret(), issued[1]);
}
