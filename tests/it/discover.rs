//! Feed discovery on HTML pages, and `newsroom add URL` against a real loopback server: a feed
//! URL, a site URL whose page advertises the feed, and each way that can fail.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use newsroom::config::Config;
use newsroom::discover::{AddError, Pick, add_command, discover};
use newsroom::fetch::{FetchSettings, Fetcher};
use url::Url;

use crate::support::feed_server::{FeedServer, Route};

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Loopback Blog</title><link>http://127.0.0.1/</link>
<item><title>First post</title><link>http://127.0.0.1/1</link></item></channel></rss>"#;

fn html_fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/discover")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn page(body: &str) -> Route {
    Route::feed(body.to_owned()).with_content_type("text/html; charset=utf-8")
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchSettings::default()).expect("client")
}

#[test]
fn relative_href_resolves_against_the_page() {
    let base = Url::parse("https://blog.example/posts/index.html").unwrap();
    assert_eq!(
        discover(&html_fixture("relative.html"), &base),
        ["https://blog.example/feed.xml"]
    );
}

#[test]
fn several_alternates_in_document_order() {
    let base = Url::parse("https://news.example/world/").unwrap();
    assert_eq!(
        discover(&html_fixture("several.html"), &base),
        [
            "https://news.example/rss/top.xml",
            "https://cdn.news.example/atom/top.xml",
            "https://news.example/feed.json",
            "https://news.example/rss/comments.xml?x=1&y=2",
        ]
    );
}

#[test]
fn a_page_without_feed_links_has_none() {
    let base = Url::parse("https://plain.example/").unwrap();
    assert!(discover(&html_fixture("none.html"), &base).is_empty());
}

#[tokio::test]
async fn add_a_site_url_finds_and_adds_its_feed() {
    let server = FeedServer::start([
        (
            "/",
            page(
                r#"<!doctype html><html><head><title>Loopback</title>
                <link rel="alternate" type="application/rss+xml" href="/gone.xml">
                <link rel="alternate" type="application/rss+xml" href="feed.xml">
                </head><body>hello</body></html>"#,
            ),
        ),
        ("/gone.xml", Route::status(404)),
        ("/feed.xml", Route::feed(RSS)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");

    let added = add_command(&config, &fetcher(), &server.url("/"), None, Pick::Refuse)
        .await
        .expect("added");
    assert_eq!(added.name, "Loopback Blog");
    assert_eq!(added.url, server.url("/feed.xml"));
    assert_eq!(added.found_on.as_deref(), Some(server.url("/").as_str()));
    assert!(added.to_string().starts_with(&format!(
        "Added Loopback Blog ({})",
        server.url("/feed.xml")
    )));
    // The 404 was tried first and passed over.
    assert_eq!(server.requests("/gone.xml"), 1);

    let c = Config::load(Some(&config), None).unwrap();
    let last = c.publications.last().unwrap();
    assert_eq!(
        (last.name.as_str(), last.url.as_str()),
        ("Loopback Blog", server.url("/feed.xml").as_str())
    );
    assert_eq!(c.publications[0].name, "BBC");

    // Adding it again, by feed URL or by page, is refused without adding a second copy.
    let e = add_command(
        &config,
        &fetcher(),
        &server.url("/feed.xml"),
        None,
        Pick::Refuse,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, AddError::AlreadyAdded { ref name, .. } if name == "Loopback Blog"),
        "{e}"
    );
    let e = add_command(&config, &fetcher(), &server.url("/"), None, Pick::Refuse)
        .await
        .unwrap_err();
    assert!(matches!(e, AddError::AlreadyAdded { .. }), "{e}");
    assert_eq!(
        Config::load(Some(&config), None)
            .unwrap()
            .publications
            .len(),
        3
    );
}

#[tokio::test]
async fn add_a_feed_url_with_a_name() {
    let server = FeedServer::start([("/rss", Route::feed(RSS))]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let added = add_command(
        &config,
        &fetcher(),
        &server.url("/rss"),
        Some(" Mine ".into()),
        Pick::Refuse,
    )
    .await
    .expect("added");
    assert_eq!(
        (added.name.as_str(), added.found_on.as_deref()),
        ("Mine", None)
    );
    assert_eq!(
        added.to_string(),
        format!("Added Mine ({})", server.url("/rss"))
    );
    let names: Vec<String> = Config::load(Some(&config), None)
        .unwrap()
        .publications
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["BBC", "CNN", "Mine"]);
}

#[tokio::test]
async fn add_refuses_before_fetching_what_it_can() {
    let server = FeedServer::start([("/rss", Route::feed(RSS))]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[publications]]\nname = \"Here\"\nurl = \"{}\"\n",
            server.url("/rss")
        ),
    )
    .unwrap();

    let e = add_command(&config, &fetcher(), &server.url("/rss"), None, Pick::Refuse)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{} is already in the config as \"Here\"",
            server.url("/rss")
        )
    );
    let e = add_command(
        &config,
        &fetcher(),
        &server.url("/other"),
        Some("Here".into()),
        Pick::Refuse,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AddError::NameTaken { .. }), "{e}");
    let e = add_command(&config, &fetcher(), "exec:ls", None, Pick::Refuse)
        .await
        .unwrap_err();
    assert!(matches!(e, AddError::BadUrl { .. }), "{e}");
    assert_eq!(server.total_requests(), 0);
}

#[tokio::test]
async fn add_explains_pages_without_usable_feeds() {
    let server = FeedServer::start([
        ("/plain", page(&html_fixture("none.html"))),
        (
            "/broken",
            page(
                r#"<html><head><link rel="alternate" type="application/atom+xml" href="/404"></head></html>"#,
            ),
        ),
        ("/404", Route::status(404)),
        (
            "/text",
            Route::feed("just some words").with_content_type("text/plain"),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let f = fetcher();

    let e = add_command(&config, &f, &server.url("/plain"), None, Pick::Refuse)
        .await
        .unwrap_err();
    assert!(matches!(e, AddError::NoFeedLinks { .. }), "{e}");
    assert!(e.to_string().contains("advertises no feed"), "{e}");

    let e = add_command(&config, &f, &server.url("/broken"), None, Pick::Refuse)
        .await
        .unwrap_err();
    let AddError::NoneReadable { tried, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(tried.len(), 1);
    assert!(e.to_string().contains("/404: HTTP 404"), "{e}");

    let e = add_command(&config, &f, &server.url("/text"), None, Pick::Refuse)
        .await
        .unwrap_err();
    assert!(matches!(e, AddError::NotAFeed { .. }), "{e}");

    let e = add_command(
        &config,
        &f,
        &server.url("/nothing-here"),
        None,
        Pick::Refuse,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AddError::Fetch { .. }), "{e}");
    assert!(!config.exists(), "failed adds write nothing");
}

fn rss_titled(title: &str) -> String {
    RSS.replace("Loopback Blog", title)
}

/// A page in the shape of a Reddit or `WordPress` page: comments advertised before posts.
fn two_feed_server() -> FeedServer {
    FeedServer::start([
        (
            "/",
            page(
                r#"<!doctype html><html><head><title>Site</title>
                <link rel="alternate" type="application/rss+xml" title="Comments" href="/comments.xml">
                <link rel="alternate" type="application/rss+xml" title="Posts" href="/posts.xml">
                <link rel="alternate" type="application/rss+xml" title="Broken" href="/gone.xml">
                </head><body>hello</body></html>"#,
            ),
        ),
        ("/comments.xml", Route::feed(rss_titled("Site comments"))),
        ("/posts.xml", Route::feed(rss_titled("Site posts"))),
        ("/gone.xml", Route::status(404)),
    ])
}

#[tokio::test]
async fn add_on_a_page_with_several_feeds_lists_them_and_takes_the_one_picked() {
    let server = two_feed_server();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");

    // Nobody to ask: the readable feeds are listed, nothing is taken silently.
    let e = add_command(&config, &fetcher(), &server.url("/"), None, Pick::Refuse)
        .await
        .unwrap_err();
    let AddError::SeveralFeeds { feeds, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(feeds.len(), 2);
    let msg = e.to_string();
    assert!(msg.contains("--pick N"), "{msg}");
    assert!(
        msg.contains(&format!("1. Comments  {}", server.url("/comments.xml")))
            && msg.contains(&format!("2. Posts  {}", server.url("/posts.xml"))),
        "{msg}"
    );
    assert!(!config.exists(), "nothing written");

    let e = add_command(&config, &fetcher(), &server.url("/"), None, Pick::Number(3))
        .await
        .unwrap_err();
    assert!(
        matches!(e, AddError::PickOutOfRange { count: 2, .. }),
        "{e}"
    );

    let added = add_command(&config, &fetcher(), &server.url("/"), None, Pick::Number(2))
        .await
        .expect("added");
    assert_eq!(added.url, server.url("/posts.xml"));
    assert_eq!(added.name, "Site posts");

    // Asked: the choice is the user's; the feed already added is not offered again, so the
    // one left is taken without asking.
    let asked = std::cell::Cell::new(false);
    let added = add_command(
        &config,
        &fetcher(),
        &server.url("/"),
        None,
        Pick::Ask(Box::new(|_| {
            asked.set(true);
            None
        })),
    )
    .await
    .expect("added");
    assert_eq!(added.url, server.url("/comments.xml"));
    assert!(!asked.get());
}

#[tokio::test]
async fn add_asks_and_a_cancelled_choice_adds_nothing() {
    let server = two_feed_server();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let e = add_command(
        &config,
        &fetcher(),
        &server.url("/"),
        None,
        Pick::Ask(Box::new(|feeds| {
            assert_eq!(feeds.len(), 2);
            None
        })),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AddError::Cancelled), "{e}");
    assert!(!config.exists());
    let added = add_command(
        &config,
        &fetcher(),
        &server.url("/"),
        None,
        Pick::Ask(Box::new(|feeds| {
            feeds.iter().position(|c| c.label == "Posts")
        })),
    )
    .await
    .expect("added");
    assert_eq!(added.url, server.url("/posts.xml"));
}

#[test]
fn the_cli_lists_several_feeds_without_a_terminal_and_takes_pick() {
    let server = two_feed_server();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("c.toml");
    let run = |extra: &[&str]| {
        crate::support::newsroom_in(home.path())
            .args([
                "--config",
                config.to_str().unwrap(),
                "add",
                &server.url("/"),
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2. Posts") && err.contains("--pick"), "{err}");
    let out = run(&["--pick", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Added Site posts"));
}

#[tokio::test]
async fn add_cleans_and_caps_the_name_as_import_does() {
    let server = FeedServer::start([("/rss", Route::feed(RSS))]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let hostile = format!("Evil\u{1b}[2J\u{7}\u{9b}31m {}", "x".repeat(100_000));
    let added = add_command(
        &config,
        &fetcher(),
        &server.url("/rss"),
        Some(hostile),
        Pick::Refuse,
    )
    .await
    .expect("added");
    let shown = added.to_string();
    assert!(
        !shown
            .chars()
            .any(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c)),
        "{shown:?}"
    );
    assert!(added.name.starts_with("Evil"), "{}", added.name);
    assert!(added.name.chars().count() <= newsroom::opml::MAX_NAME_CHARS + 1);
    let stored = std::fs::read_to_string(&config).unwrap();
    assert!(
        !stored.contains('\u{1b}') && !stored.contains("\\u001b"),
        "{stored}"
    );
    assert!(
        !stored.contains(&"x".repeat(200)),
        "the name is capped in the file too"
    );
}
