//! The GitHub publications against a loopback fake that answers like GitHub: the inbox lists
//! threads newest first with their subject and latest comment; opening one sends the PATCH,
//! `d` the DELETE, `A` the PUT, and `o` opens the web page; two `newsroom fetch` runs inside
//! the poll interval make one request; a failed write is retried; releases of starred
//! repositories appear, unchanged ones as free 304s; a token without the scope gets the
//! explanation; a rate limit holds across runs.

use std::path::Path;

use chrono::Utc;
use newsroom::app::{self, KeyMap, Msg, State};
use newsroom::auth::{Auth, AuthSettings, EnvOverrides, Session, Token};
use newsroom::config::{Config, Publication};
use newsroom::fetch::{FetchSettings, Fetcher};
use newsroom::github::GithubSession;
use newsroom::github::pubs::{self, PubError};
use newsroom::headless::{FetchOptions, fetch_with};
use newsroom::model::{GITHUB_INBOX, GITHUB_RELEASES};
use newsroom::refresh::RefreshStatus;
use newsroom::runtime::{self, Runtime};
use newsroom::store::{SharedStore, Store};
use ratatui::Terminal;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use tokio::sync::mpsc;

use crate::support::fake_github::{FakeGithub, Recorded, Script};
use crate::support::screen::recording;

const TOKEN: &str = "gho_FAKEinbox000000000000000000000000001";

fn with_scope() -> Script {
    Script {
        granted_scope: "read:user,notifications".into(),
        scopes_header: Some("read:user, notifications".into()),
        ..Script::default()
    }
}

fn auth(gh: &FakeGithub, dir: &Path) -> Auth {
    gh.add_token(TOKEN);
    Auth::new(AuthSettings::new(
        &gh.github_config("github.test"),
        dir,
        EnvOverrides {
            token: Some(Token::new(TOKEN.into())),
            ..EnvOverrides::default()
        },
    ))
    .unwrap()
}

/// A fresh session, as a new `newsroom` process would make.
async fn session(gh: &FakeGithub, dir: &Path) -> GithubSession {
    let auth = auth(gh, dir);
    let Ok(Session::SignedIn(s)) = auth.resume().await else {
        panic!("the token is accepted")
    };
    GithubSession::new(&auth, s)
}

fn store(dir: &Path) -> SharedStore {
    SharedStore::new(Store::open(&dir.join("cache.db")).unwrap().0)
}

fn sent(gh: &FakeGithub, method: &str, path: &str) -> Vec<Recorded> {
    gh.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path == path)
        .collect()
}

fn two_threads(gh: &FakeGithub) {
    gh.add_thread(
        1,
        "octo-org/hello",
        ("Issue", 12),
        "Crash on start",
        "mention",
        90,
    );
    gh.add_thread(
        2,
        "octo-org/world",
        ("PullRequest", 7),
        "Add a \u{1b}[31mred\u{1b}[0m flag",
        "review_requested",
        5,
    );
}

#[tokio::test]
async fn the_inbox_lists_threads_newest_first_with_body_and_latest_comment() {
    let gh = FakeGithub::start(with_scope());
    two_threads(&gh);
    let dir = tempfile::tempdir().unwrap();
    let (s, db) = (session(&gh, dir.path()).await, store(dir.path()));
    let status = pubs::refresh(&s, &db, GITHUB_INBOX, false).await.unwrap();
    assert_eq!(
        status,
        RefreshStatus::Updated {
            new: 2,
            items: 2,
            first: true
        }
    );
    let heads = db.lock().headlines(GITHUB_INBOX, 10).unwrap();
    let titles: Vec<&str> = heads.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Add a red flag · octo-org/world · pull request · review requested",
            "Crash on start · octo-org/hello · issue · mention",
        ],
        "newest first, with repository, kind and reason, and no escape sequence"
    );
    let base = gh.url();
    assert_eq!(
        heads[0].link.as_deref(),
        Some(format!("{base}/octo-org/world/pull/7").as_str()),
        "the web page, not the API URL"
    );
    assert_eq!(
        heads[1].link.as_deref(),
        Some(format!("{base}/octo-org/hello/issues/12").as_str())
    );
    let article = db.lock().article(heads[1].id).unwrap().unwrap();
    let text = newsroom::feed::article_text(&article.content_html);
    assert!(text.contains("Body of Crash on start"), "{text}");
    assert!(text.contains("Latest comment by @monalisa"), "{text}");
    assert!(text.contains("Latest comment on Crash on start"), "{text}");
    // GitHub rendered the Markdown: the subject was asked for as HTML.
    let subject = sent(&gh, "GET", "/repos/octo-org/hello/issues/12");
    assert!(
        subject[0]
            .header("accept")
            .is_some_and(|a| a.contains("html+json"))
    );
    assert_eq!(db.lock().unread_counts().unwrap()[GITHUB_INBOX], 2);
}

#[tokio::test]
async fn two_fetch_runs_inside_the_poll_interval_make_one_request() {
    let gh = FakeGithub::start(with_scope());
    two_threads(&gh);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("cache.db");
    let config =
        Config::from_toml("publications = []\n[github]\nreleases = false\n", None).unwrap();
    for run in 0..2 {
        // Each run is a new process: a new session, the cache file reopened.
        let s = session(&gh, dir.path()).await;
        let mut out = Vec::new();
        let ok = fetch_with(
            &config,
            &db_path,
            FetchOptions {
                force: true,
                json: true,
            },
            &mut out,
            indicatif::ProgressDrawTarget::hidden(),
            Some(&s),
        )
        .await
        .unwrap();
        assert!(ok, "run {run}: {}", String::from_utf8_lossy(&out));
        let out = String::from_utf8(out).unwrap();
        let want = if run == 0 { "\"ok\"" } else { "\"fresh\"" };
        assert!(
            out.lines()
                .any(|l| l.contains(GITHUB_INBOX) && l.contains(want)),
            "run {run}: {out}"
        );
    }
    assert_eq!(
        sent(&gh, "GET", "/notifications").len(),
        1,
        "--force does not poll GitHub sooner than X-Poll-Interval"
    );
    // `r` on the publication does, and conditionally: the Last-Modified kept in the cache
    // from the first run makes it a free 304.
    let s = session(&gh, dir.path()).await;
    let status = pubs::refresh(&s, &store(dir.path()), GITHUB_INBOX, true)
        .await
        .unwrap();
    assert_eq!(status, RefreshStatus::NotModified);
    let polls = sent(&gh, "GET", "/notifications");
    assert_eq!(polls.len(), 2);
    assert!(polls[0].header("if-modified-since").is_none());
    assert!(polls[1].header("if-modified-since").is_some());
    assert_eq!(polls[1].answer, "304");
}

#[tokio::test]
async fn a_failed_write_is_kept_and_sent_on_the_next_refresh() {
    let gh = FakeGithub::start(with_scope());
    two_threads(&gh);
    let dir = tempfile::tempdir().unwrap();
    let (s, db) = (session(&gh, dir.path()).await, store(dir.path()));
    pubs::refresh(&s, &db, GITHUB_INBOX, false).await.unwrap();
    gh.set_fail_writes(true);
    let failed = newsroom::github::inbox::write_thread(&s, &db, "1", false).await;
    assert!(failed.is_err());
    assert_eq!(db.lock().github_pending().unwrap().len(), 1, "not lost");
    gh.set_fail_writes(false);
    pubs::refresh(&s, &db, GITHUB_INBOX, true).await.unwrap();
    assert!(db.lock().github_pending().unwrap().is_empty());
    assert!(
        gh.threads().contains(&("1".into(), false)),
        "read on GitHub"
    );
    // GitHub no longer lists it as unread, and neither does newsroom.
    assert_eq!(db.lock().unread_counts().unwrap()[GITHUB_INBOX], 1);
}

#[tokio::test]
async fn a_token_without_the_scope_gets_the_explanation() {
    let gh = FakeGithub::start(Script::default());
    two_threads(&gh);
    let dir = tempfile::tempdir().unwrap();
    let (s, db) = (session(&gh, dir.path()).await, store(dir.path()));
    let err = pubs::refresh(&s, &db, GITHUB_INBOX, false)
        .await
        .unwrap_err();
    let PubError::Scope(missing) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(missing.feature.scope(), "notifications");
    assert!(err.to_string().contains("`notifications`"), "{err}");
    // What the reader shows for it: one line, with the key that signs in again.
    let mut state = State::new(
        [("GitHub".to_owned(), GITHUB_INBOX.to_owned())],
        KeyMap::default(),
        Utc::now(),
        (80, 24),
    );
    state.pubs[0].refresh_request = 1;
    app::update(
        &mut state,
        Msg::Refreshed {
            request: 1,
            url: GITHUB_INBOX.into(),
            outcome: app::FeedOutcome::NeedsScope {
                scope: "notifications".into(),
                from_env: false,
            },
            at: Utc::now(),
        },
    );
    assert_eq!(
        state.pubs[0].status,
        app::FeedStatus::NeedsScope(
            "Needs the `notifications` scope: L signs in to grant it".into()
        )
    );
    assert_eq!(
        state.missing_scopes,
        ["notifications"],
        "the next sign-in asks for it"
    );
}

#[tokio::test]
async fn releases_of_starred_repositories_appear_and_unchanged_ones_cost_nothing() {
    let gh = FakeGithub::start(with_scope());
    gh.star(
        "rust-lang/rust",
        &[
            (11, "1.90.0", "<p>Notes for <em>1.90</em>.</p>"),
            (10, "1.89.0", "<p>Old.</p>"),
        ],
    );
    gh.star("tokio-rs/tokio", &[(21, "tokio-1.47.0", "<p>Faster.</p>")]);
    let dir = tempfile::tempdir().unwrap();
    let (s, db) = (session(&gh, dir.path()).await, store(dir.path()));
    let status = pubs::refresh(&s, &db, GITHUB_RELEASES, false)
        .await
        .unwrap();
    assert_eq!(
        status,
        RefreshStatus::Updated {
            new: 3,
            items: 3,
            first: true
        }
    );
    let heads = db.lock().headlines(GITHUB_RELEASES, 10).unwrap();
    let titles: Vec<&str> = heads.iter().map(|h| h.title.as_str()).collect();
    assert!(
        titles.contains(&"rust-lang/rust Release 1.90.0"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"tokio-rs/tokio Release tokio-1.47.0"),
        "{titles:?}"
    );
    let rust = heads.iter().find(|h| h.title.ends_with("1.90.0")).unwrap();
    assert_eq!(
        rust.link.as_deref(),
        Some(format!("{}/rust-lang/rust/releases/tag/1.90.0", gh.url()).as_str())
    );
    let notes = db.lock().article(rust.id).unwrap().unwrap();
    assert_eq!(
        newsroom::feed::article_text(&notes.content_html).trim(),
        "Notes for 1.90."
    );

    // Another run, unforced: the publication is fresh, nothing is asked.
    let before = gh.requests().len();
    let s2 = session(&gh, dir.path()).await;
    let fresh = pubs::refresh(&s2, &db, GITHUB_RELEASES, false)
        .await
        .unwrap();
    assert_eq!(fresh, RefreshStatus::Fresh);
    assert_eq!(
        gh.requests().len(),
        before + 1,
        "only the new session's /user"
    );
    // Forced, in a new process: the ETags kept in the cache make every repository a 304.
    pubs::refresh(&s2, &db, GITHUB_RELEASES, true)
        .await
        .unwrap();
    let checks: Vec<Recorded> = gh
        .requests()
        .into_iter()
        .skip(before)
        .filter(|r| r.path.ends_with("/releases"))
        .collect();
    assert_eq!(checks.len(), 2);
    assert!(checks.iter().all(|r| r.answer == "304"), "{checks:?}");
}

#[tokio::test]
async fn a_rate_limit_is_said_and_held_across_runs() {
    let gh = FakeGithub::start(Script {
        // /user is request 1; the poll is request 2.
        secondary_limit_at: vec![(2, 120)],
        ..with_scope()
    });
    two_threads(&gh);
    let dir = tempfile::tempdir().unwrap();
    let (s, db) = (session(&gh, dir.path()).await, store(dir.path()));
    let err = pubs::refresh(&s, &db, GITHUB_INBOX, true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rate limit"), "{err}");
    let before = gh.requests().len();
    let s2 = session(&gh, dir.path()).await;
    let held = pubs::refresh(&s2, &db, GITHUB_INBOX, true).await.unwrap();
    assert!(
        matches!(&held, RefreshStatus::Failed { message, retry_after: Some(_) } if message.contains("waits until")),
        "{held:?}"
    );
    assert_eq!(
        gh.requests().len(),
        before + 1,
        "only the new session's /user"
    );
}

#[tokio::test]
async fn a_malformed_answer_is_an_error_of_the_publication_and_keeps_the_cache() {
    let gh = FakeGithub::start(with_scope());
    two_threads(&gh);
    let dir = tempfile::tempdir().unwrap();
    let (s, db) = (session(&gh, dir.path()).await, store(dir.path()));
    pubs::refresh(&s, &db, GITHUB_INBOX, false).await.unwrap();
    for body in [
        "{\"message\": \"not a list\"}",
        "[{\"id\": ",
        "<html>\u{1b}]52;c;AAAA\u{7}</html>",
    ] {
        let gh2 = FakeGithub::start(Script {
            inbox_body: Some(body.into()),
            ..with_scope()
        });
        let s2 = session(&gh2, dir.path()).await;
        let err = pubs::refresh(&s2, &db, GITHUB_INBOX, true)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unexpected answer from GitHub"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }
    assert_eq!(
        db.lock().headlines(GITHUB_INBOX, 10).unwrap().len(),
        2,
        "the cached inbox is kept"
    );
}

#[tokio::test]
async fn a_revoked_token_is_an_unauthorized_error() {
    let gh = FakeGithub::start(with_scope());
    two_threads(&gh);
    let dir = tempfile::tempdir().unwrap();
    let (s, db) = (session(&gh, dir.path()).await, store(dir.path()));
    gh.revoke_all();
    let err = pubs::refresh(&s, &db, GITHUB_INBOX, false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PubError::Github(newsroom::github::GithubError::Unauthorized)
        ),
        "{err:?}"
    );
}

/// The whole reader: signed in, the GitHub publications appear after the configured one;
/// opening a notification sends the PATCH, `o` opens its web page, `d` sends the DELETE and
/// removes it, `A` sends the PUT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_reads_the_inbox_and_writes_back() {
    let gh = FakeGithub::start(with_scope());
    two_threads(&gh);
    gh.add_thread(
        3,
        "octo-org/third",
        ("Issue", 1),
        "Third thread",
        "assign",
        60,
    );
    gh.star("rust-lang/rust", &[(11, "1.90.0", "<p>Notes.</p>")]);
    let feeds = crate::support::feed_server::FeedServer::start([(
        "/bbc.xml",
        crate::support::feed_server::Route::fixture("app/bbc.xml"),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let pubs_cfg = vec![Publication {
        name: "BBC".into(),
        url: feeds.url("/bbc.xml"),
        key: None,
        full_text: false,
    }];
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (edges, opened) = crate::support::watched_edges();
    let runtime = Runtime::new(
        store(dir.path()),
        Fetcher::new(FetchSettings::default()).unwrap(),
        pubs_cfg.clone(),
        edges,
        Some(auth(&gh, dir.path())),
        tx,
    );
    let mut state = State::new(
        pubs_cfg.iter().map(|p| (p.name.clone(), p.url.clone())),
        KeyMap::default(),
        Utc::now(),
        (100, 30),
    );
    state.github_pubs = pubs::publications(true, true);
    runtime.exec(app::check_session(&mut state));

    let (backend, mut screen) = recording(100, 30);
    let mut terminal = Terminal::new(backend).unwrap();
    let (keys_tx, mut keys_rx) = mpsc::unbounded_channel::<Msg>();
    let events = futures::stream::poll_fn(move |cx| keys_rx.poll_recv(cx));
    let press = |c: KeyCode| keys_tx.send(Msg::Key(KeyEvent::from(c))).unwrap();
    let base = gh.url();

    let script = async {
        screen.wait_for("GitHub releases").await;
        // To the "GitHub" publication (second in the list).
        press(KeyCode::Char('h'));
        press(KeyCode::Char('j'));
        press(KeyCode::Char('l'));
        screen.wait_for("Add a red flag").await;
        press(KeyCode::Enter);
        screen.wait_for("Latest comment on Add a red flag").await;
        press(KeyCode::Char('o'));
        press(KeyCode::Esc);
        // The oldest thread (third): done.
        press(KeyCode::Char('j'));
        press(KeyCode::Char('j'));
        press(KeyCode::Char('d'));
        screen.wait_for("Marked done on GitHub").await;
        press(KeyCode::Char('A'));
        screen.wait_for("Marked all read on GitHub").await;
        press(KeyCode::Char('q'));
    };
    let (result, ()) = tokio::join!(
        runtime::run(&mut terminal, &mut state, &runtime, &mut rx, events),
        script
    );
    result.unwrap();
    // The writes run on their own: wait (bounded) for the fake to have them.
    tokio::task::block_in_place(|| {
        let t = std::time::Duration::from_secs(10);
        assert!(gh.wait_for_request("DELETE", "/notifications/threads/1", t));
        assert!(gh.wait_for_request("PUT", "/notifications", t));
    });
    let names: Vec<&str> = state.pubs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["BBC", "GitHub", "GitHub releases"]);
    assert_eq!(sent(&gh, "PATCH", "/notifications/threads/2").len(), 1);
    assert_eq!(sent(&gh, "DELETE", "/notifications/threads/1").len(), 1);
    assert_eq!(sent(&gh, "PUT", "/notifications").len(), 1);
    assert_eq!(
        opened.lock().unwrap().as_slice(),
        [format!("{base}/octo-org/world/pull/7")]
    );
    assert!(
        !state
            .headlines
            .iter()
            .any(|h| h.title.starts_with("Crash on start")),
        "done is gone"
    );
    let threads = gh.threads();
    assert!(!threads.iter().any(|(id, _)| id == "1"));
    assert!(threads.iter().all(|(_, unread)| !unread), "{threads:?}");
}

#[tokio::test]
async fn fetch_without_the_scope_skips_the_inbox_and_still_succeeds() {
    // The default script grants `read:user,gist`: no `notifications`.
    let gh = FakeGithub::start(Script::default());
    let dir = tempfile::tempdir().unwrap();
    let config =
        Config::from_toml("publications = []\n[github]\nreleases = false\n", None).unwrap();
    let s = session(&gh, dir.path()).await;
    let mut out = Vec::new();
    let ok = fetch_with(
        &config,
        &dir.path().join("cache.db"),
        FetchOptions {
            force: false,
            json: true,
        },
        &mut out,
        indicatif::ProgressDrawTarget::hidden(),
        Some(&s),
    )
    .await
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        ok,
        "a missing scope is the user's choice, not a failed run: {out}"
    );
    assert!(
        !out.contains(GITHUB_INBOX),
        "skipped, not reported as fetched: {out}"
    );
}
