//! The gist client (`src/github/gist.rs`) against the fake GitHub's gist endpoints
//! (`support/fake_gist.rs`), one GitHub quirk a test: paging, truncation and the raw host,
//! PATCH's merge, versions, no compare-and-swap, 404 for a missing scope, per-token `ETag`s,
//! write pacing and secondary rate limits, a gist deleted or edited by hand.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use newsroom::auth::{Auth, AuthSettings, EnvOverrides, Session, Token};
use newsroom::github::GithubSession;
use newsroom::github::gist::GistError;

use crate::support::fake_github::{FakeGithub, Recorded, Script};

const ENV_TOKEN: &str = "gho_FAKEgist000000000000000000000000001";
const OTHER_TOKEN: &str = "gho_FAKEgist000000000000000000000000002";

async fn session_with(gh: &FakeGithub, dir: &Path, token: &str) -> GithubSession {
    gh.add_token(token);
    let env = EnvOverrides {
        token: Some(Token::new(token.into())),
        second_ms: Some(50),
        ..EnvOverrides::default()
    };
    let auth = Auth::new(AuthSettings::new(
        &gh.github_config("github.test"),
        dir,
        env,
    ))
    .unwrap();
    let Ok(Session::SignedIn(s)) = auth.resume().await else {
        panic!("the env token is accepted")
    };
    GithubSession::new(&auth, s)
}

async fn session(gh: &FakeGithub, dir: &Path) -> GithubSession {
    session_with(gh, dir, ENV_TOKEN).await
}

fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn gist_requests(gh: &FakeGithub) -> Vec<Recorded> {
    gh.requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/gists"))
        .collect()
}

#[tokio::test]
async fn a_created_gist_is_secret_and_reads_back_whole() {
    let gh = FakeGithub::start(Script::default());
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let made = s
        .create_gist(
            "newsroom sync",
            &files(&[("a.txt", "one\n"), ("b.txt", "two\n")]),
        )
        .await
        .unwrap();
    assert_eq!(gh.gists(|g| g.is_public(&made.id)), Some(false));
    let post = gist_requests(&gh).pop().unwrap();
    let sent: serde_json::Value = serde_json::from_str(&post.body).unwrap();
    assert_eq!(sent["public"], false, "always asked for secret");

    let read = s.gist(&made.id).await.unwrap();
    assert_eq!(read.files, files(&[("a.txt", "one\n"), ("b.txt", "two\n")]));
    assert_eq!(read.description, "newsroom sync");
    assert_eq!(read.history.len(), 1);
    assert_eq!(read.version(), made.version());
    let listed = s.gists().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, made.id);
    assert_eq!(listed[0].files, vec!["a.txt", "b.txt"]);
}

#[tokio::test]
async fn the_listing_follows_every_link_page() {
    let gh = FakeGithub::start(Script::default());
    let ids: Vec<String> = (0..5)
        .map(|i| {
            gh.gists(|g| {
                g.page_max = 2;
                g.seed(&format!("gist {i}"), &[("f", "x")])
            })
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let listed = s.gists().await.unwrap();
    let mut got: Vec<String> = listed.iter().map(|g| g.id.clone()).collect();
    got.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(got, want, "secret gists of every page");
    let pages = gist_requests(&gh);
    assert_eq!(pages.len(), 3, "5 gists at 2 a page");
    assert!(pages[1].query.contains("page=2") && pages[2].query.contains("page=3"));
}

#[tokio::test]
async fn patch_keeps_unnamed_files_and_null_deletes() {
    let gh = FakeGithub::start(Script::default());
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let g = s
        .create_gist("d", &files(&[("a", "1"), ("b", "2"), ("keep", "3")]))
        .await
        .unwrap();
    let mut change = BTreeMap::new();
    change.insert("a".to_owned(), Some("1 changed".to_owned()));
    change.insert("b".to_owned(), None);
    change.insert("c".to_owned(), Some("new".to_owned()));
    let after = s.patch_gist(&g.id, &change).await.unwrap();
    let want = files(&[("a", "1 changed"), ("c", "new"), ("keep", "3")]);
    assert_eq!(after.files, want);
    assert_eq!(gh.gists(|f| f.files(&g.id)), Some(want));
    assert_eq!(after.history.len(), 2);

    // Renames, as GitHub does them (`filename`), though the client does not use them.
    let resp = s
        .call(
            reqwest::Method::PATCH,
            &format!("/gists/{}", g.id),
            Some(&serde_json::json!({"files": {"c": {"filename": "renamed"}}})),
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    let renamed = gh.gists(|f| f.files(&g.id)).unwrap();
    assert_eq!(renamed.get("renamed").map(String::as_str), Some("new"));
    assert!(!renamed.contains_key("c"));
}

#[tokio::test]
async fn versions_are_listed_newest_first_and_readable() {
    let gh = FakeGithub::start(Script::default());
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let g = s.create_gist("d", &files(&[("f", "v1")])).await.unwrap();
    for v in ["v2", "v3"] {
        let change = BTreeMap::from([("f".to_owned(), Some(v.to_owned()))]);
        s.patch_gist(&g.id, &change).await.unwrap();
    }
    let commits = s.gist_commits(&g.id).await.unwrap();
    assert_eq!(
        commits
            .iter()
            .map(|c| c.version.clone())
            .collect::<Vec<_>>(),
        gh.gists(|f| f.versions(&g.id))
    );
    assert_eq!(commits.len(), 3);
    assert!(commits.iter().all(|c| c.version.len() == 40));
    let oldest = s.gist_at(&g.id, &commits[2].version).await.unwrap();
    assert_eq!(oldest.files["f"], "v1");
    assert_eq!(oldest.version(), Some(commits[2].version.as_str()));
    let now = s.gist(&g.id).await.unwrap();
    assert_eq!(now.files["f"], "v3");
    assert_eq!(now.history, commits);
    assert!(matches!(
        s.gist_at(&g.id, &"0".repeat(40)).await,
        Err(GistError::NotFound)
    ));
}

#[tokio::test]
async fn versions_since_a_known_one_follow_the_commit_pages() {
    let gh = FakeGithub::start(Script::default());
    gh.gists(|g| g.page_max = 2);
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let g = s.create_gist("d", &files(&[("f", "0")])).await.unwrap();
    let mine = g.version().unwrap().to_owned();
    // Four versions written elsewhere since: the known one is on the third page.
    for i in 1..=4 {
        let text = i.to_string();
        gh.gists(|f| f.edit_by_hand(&g.id, &[("f", Some(text.as_str()))]));
    }
    let newer = s.gist_commits_since(&g.id, &mine).await.unwrap().unwrap();
    let all = gh.gists(|f| f.versions(&g.id));
    assert_eq!(
        newer.iter().map(|v| v.version.clone()).collect::<Vec<_>>(),
        all[..4]
    );
    assert!(
        s.gist_commits_since(&g.id, all[0].as_str())
            .await
            .unwrap()
            .unwrap()
            .is_empty(),
        "nothing since the newest"
    );
    assert_eq!(
        s.gist_commits_since(&g.id, &"f".repeat(40)).await.unwrap(),
        None,
        "a version the gist never had"
    );
}

#[tokio::test]
async fn a_truncated_file_is_fetched_whole_from_the_raw_host_without_the_token() {
    let gh = FakeGithub::start(Script::default());
    gh.gists(|g| g.truncate_at = 1000);
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    // Multi-byte text, so the cut falls inside a character somewhere.
    let big: String = "ünïcödé line\n".repeat(200);
    let g = s
        .create_gist("d", &files(&[("big state.txt", &big), ("small", "s")]))
        .await
        .unwrap();
    assert_eq!(
        g.files["big state.txt"], big,
        "the create answer is cut too"
    );
    let read = s.gist(&g.id).await.unwrap();
    assert_eq!(read.files["big state.txt"], big);
    assert_eq!(read.files["small"], "s");
    let raws: Vec<Recorded> = gh
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/raw/"))
        .collect();
    assert_eq!(raws.len(), 2, "one raw fetch per cut answer");
    for r in &raws {
        assert_eq!(
            r.header("authorization"),
            None,
            "the token stays on the API host"
        );
        assert!(
            r.header("host").unwrap().starts_with("localhost:"),
            "another origin"
        );
    }
    assert!(
        gist_requests(&gh)
            .iter()
            .all(|r| r.header("authorization").is_some())
    );
}

#[tokio::test]
async fn a_file_list_cut_at_the_limit_is_refused_not_half_read() {
    let gh = FakeGithub::start(Script::default());
    let id = gh.gists(|g| {
        g.max_files = 3;
        g.seed("d", &[("1", "a"), ("2", "b"), ("3", "c"), ("4", "d")])
    });
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let e = s.gist(&id).await.unwrap_err();
    assert!(
        matches!(&e, GistError::Malformed(m) if m.contains("300")),
        "{e:?}"
    );
}

#[tokio::test]
async fn github_refuses_if_match_and_the_client_never_sends_it() {
    let gh = FakeGithub::start(Script::default());
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let g = s.create_gist("d", &files(&[("f", "1")])).await.unwrap();
    let change = BTreeMap::from([("f".to_owned(), Some("2".to_owned()))]);
    s.patch_gist(&g.id, &change).await.unwrap();
    for r in gist_requests(&gh) {
        assert_eq!(r.header("if-match"), None, "{} {}", r.method, r.path);
    }
    // What GitHub does with one: 400, nothing written.
    let resp = reqwest::Client::new()
        .patch(format!("{}/gists/{}", gh.url(), g.id))
        .bearer_auth(ENV_TOKEN)
        .header("user-agent", "test")
        .header("if-match", "\"abc\"")
        .json(&serde_json::json!({"files": {"f": {"content": "3"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(gh.gists(|f| f.files(&g.id)).unwrap()["f"], "2");
}

#[tokio::test]
async fn a_token_without_gist_gets_404_told_apart_from_a_deleted_gist() {
    let gh = FakeGithub::start(Script {
        granted_scope: "read:user".into(),
        scopes_header: Some("read:user".into()),
        ..Script::default()
    });
    let id = gh.gists(|g| g.seed("d", &[("f", "x")]));
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let e = s.gist(&id).await.unwrap_err();
    let GistError::MissingScope(m) = &e else {
        panic!("{e:?}")
    };
    assert!(m.from_env);
    let text = e.user_message();
    assert!(
        text.contains("`gist`") && text.contains("NEWSROOM_GITHUB_TOKEN"),
        "{text}"
    );
    let last = gist_requests(&gh).pop().unwrap();
    assert_eq!(last.answer, "404", "GitHub's answer is a 404, not a 403");
    assert!(matches!(
        s.create_gist("d", &files(&[("f", "x")])).await,
        Err(GistError::MissingScope(_))
    ));

    // With the scope, a 404 is a gist that is not there.
    let gh = FakeGithub::start(Script::default());
    let id = gh.gists(|g| g.seed("d", &[("f", "x")]));
    let s = session(&gh, dir.path()).await;
    s.gist(&id).await.unwrap();
    gh.gists(|g| g.delete_by_hand(&id));
    assert!(matches!(s.gist(&id).await, Err(GistError::NotFound)));
    let change = BTreeMap::from([("f".to_owned(), Some("y".to_owned()))]);
    assert!(matches!(
        s.patch_gist(&id, &change).await,
        Err(GistError::NotFound)
    ));
}

#[tokio::test]
async fn reads_are_conditional_and_etags_are_per_token() {
    let gh = FakeGithub::start(Script::default());
    let id = gh.gists(|g| g.seed("d", &[("f", "x")]));
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let first = s.gist(&id).await.unwrap();
    let again = s.gist(&id).await.unwrap();
    assert_eq!(first, again, "a 304 gives the same gist");
    let last = gist_requests(&gh).pop().unwrap();
    assert!(last.header("if-none-match").is_some());
    assert_eq!(last.answer, "304");

    // Edited by hand: the ETag moves, the new content comes.
    gh.gists(|g| g.edit_by_hand(&id, &[("f", Some("by hand")), ("g", Some("new"))]));
    let edited = s.gist(&id).await.unwrap();
    assert_eq!(edited.files["f"], "by hand");
    assert_eq!(
        edited.history.len(),
        2,
        "a version the caller did not write"
    );

    // Another token's ETag does not match: GitHub answers 200 (a client sharing its cache
    // across tokens would never be told "not modified").
    gh.add_token(OTHER_TOKEN);
    let path = format!("/gists/{id}");
    let other = s
        .client()
        .request(
            &Token::new(OTHER_TOKEN.into()),
            reqwest::Method::GET,
            &path,
            None,
        )
        .await
        .unwrap();
    let last = gist_requests(&gh).pop().unwrap();
    assert!(last.header("if-none-match").is_some());
    assert!(!other.not_modified);
    assert_eq!(last.answer, "200");
}

#[tokio::test]
async fn writes_go_a_second_apart_so_github_never_limits_them() {
    let gh = FakeGithub::start(Script::default());
    // One fake second is 50 ms, as the session's.
    gh.gists(|g| g.limit_fast_writes = Some(60));
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let g = s.create_gist("d", &files(&[("f", "0")])).await.unwrap();
    for i in 1..=3 {
        let change = BTreeMap::from([("f".to_owned(), Some(i.to_string()))]);
        s.patch_gist(&g.id, &change).await.unwrap();
    }
    assert_eq!(gh.gists(|f| (f.writes, f.refused_fast_writes)), (4, 0));
    let writes: Vec<Recorded> = gist_requests(&gh)
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect();
    for pair in writes.windows(2) {
        assert!(pair[1].at.duration_since(pair[0].at) >= Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out_and_a_long_one_reported() {
    // GitHub's second here is 1.5 s, longer than the session's: the fake refuses the second
    // write with `retry-after: 1`, which the client honours, then writes again.
    let gh = FakeGithub::start(Script {
        second: Duration::from_millis(1500),
        ..Script::default()
    });
    gh.gists(|g| g.limit_fast_writes = Some(1));
    let dir = tempfile::tempdir().unwrap();
    let s = session(&gh, dir.path()).await;
    let g = s.create_gist("d", &files(&[("f", "0")])).await.unwrap();
    let change = BTreeMap::from([("f".to_owned(), Some("1".to_owned()))]);
    s.patch_gist(&g.id, &change).await.unwrap();
    assert_eq!(gh.gists(|f| f.files(&g.id)).unwrap()["f"], "1");
    let patches: Vec<Recorded> = gist_requests(&gh)
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches[0].answer, "403", "the first was limited");
    let ok = patches.iter().position(|r| r.answer == "200").unwrap();
    assert!(
        patches[ok].at.duration_since(patches[0].at) >= Duration::from_secs(1),
        "not before retry-after"
    );

    // A long wait is not waited out: the caller is told until when.
    let gh = FakeGithub::start(Script {
        second: Duration::from_secs(30),
        ..Script::default()
    });
    gh.gists(|g| g.limit_fast_writes = Some(120));
    let s = session(&gh, dir.path()).await;
    let g = s.create_gist("d", &files(&[("f", "0")])).await.unwrap();
    let before = chrono::Utc::now();
    let e = s.patch_gist(&g.id, &change).await.unwrap_err();
    let GistError::RateLimited { until } = e else {
        panic!("{e:?}")
    };
    assert!(until >= before + chrono::Duration::seconds(119));
    let sent = gh.gists(|f| f.requests);
    assert!(matches!(
        s.patch_gist(&g.id, &change).await,
        Err(GistError::RateLimited { .. })
    ));
    assert_eq!(gh.gists(|f| f.requests), sent, "nothing sent while limited");
}
