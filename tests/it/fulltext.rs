//! Full text on demand against a loopback "site" of realistic news pages: a story among page
//! furniture, a paywall's teaser, a windows-1252 page, a hostile page (escape sequences) and
//! huge DOMs, a 404, a PDF, a page too slow to answer; through `F` in the reader, through
//! `fetch_and_store` and the cache, and through `full_text = true` in `newsroom fetch`.

use std::path::Path;
use std::time::Duration;

use indicatif::ProgressDrawTarget;
use newsroom::app::{FullTextView, Msg};
use newsroom::config::{Config, Publication};
use newsroom::fetch::{FetchSettings, Fetcher};
use newsroom::fulltext;
use newsroom::headless::{FetchOptions, fetch_to};
use newsroom::store::{SharedStore, Store};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::reader::Harness;
use crate::support::feed_server::{FeedServer, Route};

fn page(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pages")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn html(body: Vec<u8>) -> Route {
    Route::feed(body).with_content_type("text/html; charset=utf-8")
}

/// A page nested 100,000 `<div>`s deep: html5ever would take minutes.
fn deep_page() -> Vec<u8> {
    format!(
        "<!doctype html><html><body>{}<p>Deep down.</p></body></html>",
        "<div>".repeat(100_000)
    )
    .into_bytes()
}

/// The story page with 70,000 elements of comments under it.
fn wide_page() -> Vec<u8> {
    let story = String::from_utf8(page("story.html")).unwrap();
    let comments: String = (0..35_000)
        .map(|i| format!("<div class=\"comment\"><p>Comment {i}</p></div>"))
        .collect();
    story
        .replace("</main>", &format!("{comments}</main>"))
        .into_bytes()
}

/// The site: article pages, and a feed whose items carry one-line summaries and link to them.
/// `(path, title, summary)` per item, newest first.
const ITEMS: &[(&str, &str, &str)] = &[
    (
        "/news/bridge",
        "Harbour bridge to close for three weeks of repairs",
        "The bridge shuts on Monday.",
    ),
    (
        "/news/shipyard",
        "Inside the deal that saved the shipyard",
        "How three banks, a pension fund and a reluctant minister kept 2,000 jobs on the river.",
    ),
    (
        "/news/fete",
        "La fête du port attire un public record",
        "Quarante mille visiteurs.",
    ),
    (
        "/news/library",
        "Council vote on the new library",
        "The depot site wins.",
    ),
    ("/news/gone", "A story that was taken down", "Gone."),
    ("/news/report.pdf", "The annual report", "Read the report."),
    ("/news/deep", "A page nested too deep", "Deep."),
    ("/news/wide", "A page with too many elements", "Wide."),
];

fn rss(server: &FeedServer, items: &[(&str, &str, &str)]) -> String {
    let hour = chrono::Utc::now().timestamp() / 3600 * 3600;
    let items: String = items
        .iter()
        .enumerate()
        .map(|(i, (path, title, summary))| {
            let date = chrono::DateTime::from_timestamp(hour - i as i64 * 60, 0)
                .unwrap()
                .to_rfc2822();
            format!(
                "<item><title>{title}</title><link>{}</link><guid>{path}</guid>\
                 <pubDate>{date}</pubDate><description>{summary}</description></item>",
                server.url(path)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
         <title>Harbour Gazette</title><link>{}</link><description>d</description>{items}\
         </channel></rss>",
        server.url("/")
    )
}

fn site() -> FeedServer {
    let server = FeedServer::start([
        ("/news/bridge", html(page("story.html")).with_validators()),
        ("/news/shipyard", html(page("paywall.html"))),
        // Legacy encoding declared only in the page's own <meta>.
        (
            "/news/fete",
            Route::feed(page("legacy-1252.html")).with_content_type("text/html"),
        ),
        ("/news/library", html(page("hostile.html"))),
        (
            "/news/report.pdf",
            Route::feed(b"%PDF-1.7\n...".to_vec()).with_content_type("application/pdf"),
        ),
        ("/news/deep", html(deep_page())),
        ("/news/wide", html(wide_page())),
    ]);
    server.set_route("/feed.xml", Route::feed(rss(&server, ITEMS)));
    server
}

fn fetcher(timeout: Duration) -> Fetcher {
    Fetcher::new(FetchSettings {
        timeout,
        ..FetchSettings::default()
    })
    .expect("client")
}

fn publication(server: &FeedServer, full_text: bool) -> Publication {
    Publication {
        name: "Harbour Gazette".into(),
        url: server.url("/feed.xml"),
        key: None,
        full_text,
    }
}

/// Article ids by item path, after one refresh of the feed.
async fn refreshed(server: &FeedServer, db: &SharedStore, f: &Fetcher) -> Vec<(String, i64)> {
    let p = publication(server, false);
    let report = newsroom::refresh::refresh_one(f, db, &p, true).await;
    assert!(report.is_ok(), "{report:?}");
    let url = p.url.clone();
    let heads = db.call(move |s| s.headlines(&url, 100)).await.unwrap();
    heads
        .into_iter()
        .map(|h| {
            let link = h.link.expect("every item has a link");
            let path = link.trim_start_matches(&server.url("")).to_owned();
            (path, h.id)
        })
        .collect()
}

fn id_of(ids: &[(String, i64)], path: &str) -> i64 {
    ids.iter().find(|(p, _)| p == path).expect(path).1
}

async fn full(f: &Fetcher, db: &SharedStore, id: i64) -> Result<String, String> {
    match fulltext::fetch_and_store(f, db, id).await {
        Msg::FullText { id: got, result } => {
            assert_eq!(got, id, "the answer names the article it answers");
            result
        }
        other => panic!("not a full-text answer: {other:?}"),
    }
}

fn assert_inert(text: &str) {
    let bad = |c: char| {
        (c.is_control() && c != '\n')
            || ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || c == '\u{200b}'
    };
    assert!(
        !text.chars().any(bad),
        "a control reached the text: {text:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_become_stories_or_say_why_not_and_the_cache_keeps_both() {
    let dir = tempfile::tempdir().unwrap();
    let server = site();
    let f = fetcher(Duration::from_secs(20));
    let db = SharedStore::new(Store::open(&dir.path().join("newsroom.db")).unwrap().0);
    let ids = refreshed(&server, &db, &f).await;

    // The story among furniture: the story stays, the furniture goes.
    let bridge = id_of(&ids, "/news/bridge");
    let text = full(&f, &db, bridge).await.expect("a story");
    for kept in [
        "By Priya Natarajan",
        "replace corroded bearings on its northern span",
        "• Routes 7, 12 and 31 will divert via Millbank",
        "> \"Every month we delay makes the repair longer.\"",
        "[image: Buses queueing at the Millbank crossing]",
        "## What changes for travellers",
        // Links as references, relative ones made absolute against the page.
        &format!("{}travel/bridge-closure-map", server.url("/")),
        "https://travel.example.gov/alerts",
    ] {
        assert!(text.contains(kept), "{kept:?} missing from:\n{text}");
    }
    for dropped in [
        "cookies",
        "Sport",
        "ADVERTISEMENT",
        "Cheap flights",
        "Related stories",
        "Morning Briefing",
        "RiverWatcher",
        "About us",
        "All rights reserved",
        "dataLayer",
    ] {
        assert!(!text.contains(dropped), "{dropped:?} kept in:\n{text}");
    }
    // The feed's own title is not repeated as a heading.
    assert!(!text.contains("# Harbour bridge"), "{text}");

    // A paywall's teaser is no story: the summary stays, and the reason is one line.
    let shipyard = id_of(&ids, "/news/shipyard");
    let why = full(&f, &db, shipyard).await.expect_err("a teaser");
    assert!(why.contains("paywall"), "{why}");

    // windows-1252, declared only in the page's <meta>.
    let fete = full(&f, &db, id_of(&ids, "/news/fete"))
        .await
        .expect("a story");
    for kept in [
        "Jérôme Lefèvre",
        "45 000 €",
        "« Nous n’avions jamais vu",
        "Saint-Éloi",
    ] {
        assert!(fete.contains(kept), "{kept:?} missing from:\n{fete}");
    }
    assert!(!fete.contains('\u{fffd}'), "{fete}");

    // A hostile page: its escape sequences, raw or as character references, never get through.
    let hostile = full(&f, &db, id_of(&ids, "/news/library"))
        .await
        .expect("a story");
    assert_inert(&hostile);
    assert!(hostile.contains("By Sam Carter"), "{hostile}");
    assert!(
        hostile.contains("[image: Artist's impression of the library]"),
        "{hostile}"
    );
    assert!(!hostile.contains("javascript:"), "{hostile}");
    assert!(
        !hostile.contains("]52;") && !hostile.contains("[2J"),
        "{hostile}"
    );

    // Failures, each in one line.
    let cases = [
        ("/news/gone", "the page answered HTTP 404"),
        ("/news/report.pdf", "the page is not HTML (application/pdf)"),
        ("/news/deep", "the page is too complex to read safely"),
        ("/news/wide", "the page is too complex to read safely"),
    ];
    for (path, expected) in cases {
        let why = full(&f, &db, id_of(&ids, path)).await.expect_err(path);
        assert_eq!(why, expected, "{path}");
    }

    // The second F on the story is a conditional request, answered 304, same story.
    let again = full(&f, &db, bridge).await.expect("still a story");
    assert_eq!(again, text);
    let asks = server.requests_to("/news/bridge");
    assert_eq!(asks.len(), 2);
    assert!(asks[1].header("if-none-match").is_some(), "{:?}", asks[1]);
    assert_eq!(asks[1].status, 304);

    // Searching finds words that only the full text has.
    let hits = db
        .call(|s| {
            s.search(
                "corroded bearings",
                newsroom::app::Filter::All,
                10,
                chrono::Utc::now(),
            )
        })
        .await
        .unwrap();
    assert_eq!(
        hits.iter().map(|h| h.headline.id).collect::<Vec<_>>(),
        [bridge]
    );

    // Restart: the stories and the reasons are still there, with the feed's text untouched.
    drop(db);
    let (store, _) = Store::open(&dir.path().join("newsroom.db")).unwrap();
    let a = store.article(bridge).unwrap().unwrap();
    assert_eq!(a.full_text.as_deref(), Some(text.as_str()));
    assert_eq!(a.full_text_error, None);
    let gone = store.article(id_of(&ids, "/news/gone")).unwrap().unwrap();
    assert_eq!(gone.full_text, None);
    assert_eq!(
        gone.full_text_error.as_deref(),
        Some("the page answered HTTP 404")
    );
    assert_eq!(gone.content_html, "Gone.");
    let teaser = store.article(shipyard).unwrap().unwrap();
    assert_eq!(teaser.full_text, None);
    assert!(teaser.content_html.starts_with("How three banks"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_too_slow_to_answer_times_out_and_a_failed_retry_keeps_the_story() {
    let dir = tempfile::tempdir().unwrap();
    let server = site();
    let f = fetcher(Duration::from_secs(20));
    let db = SharedStore::new(Store::open(&dir.path().join("newsroom.db")).unwrap().0);
    let ids = refreshed(&server, &db, &f).await;
    let bridge = id_of(&ids, "/news/bridge");
    let story = full(&f, &db, bridge).await.expect("a story");

    // The page stops answering in time: the failure is said, the story stored before stays.
    server.set_latency(Duration::from_secs(3));
    let slow = fetcher(Duration::from_secs(1));
    let why = full(&slow, &db, bridge).await.expect_err("times out");
    assert_eq!(why, "the page did not answer within 1 s");
    let a = db.call(move |s| s.article(bridge)).await.unwrap().unwrap();
    assert_eq!(a.full_text.as_deref(), Some(story.as_str()));
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::from(KeyCode::Char(c)))
}

/// The reader: `F` on an open article fetches the story and shows it, `F` again returns to the
/// feed's text, and a 404 keeps the feed's text with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f_in_the_reader_shows_the_story_and_f_again_the_feeds_text() {
    let dir = tempfile::tempdir().unwrap();
    let server = site();
    let mut h = Harness::new(
        vec![publication(&server, false)],
        &dir.path().join("newsroom.db"),
    );
    h.send(key('r'));
    h.settle("headlines", |s| s.headlines.len() == ITEMS.len())
        .await;
    assert_eq!(server.requests("/news/bridge"), 0, "no page before F");

    h.send(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    h.settle("the article", |s| s.article.is_some()).await;
    h.send(key('F'));
    assert_eq!(
        h.state.article.as_ref().unwrap().full,
        FullTextView::Loading
    );
    h.settle("the full text", |s| {
        s.article.as_ref().unwrap().full != FullTextView::Loading
    })
    .await;
    let a = h.state.article.as_ref().unwrap();
    assert_eq!(a.full, FullTextView::Full);
    assert!(
        a.shown_text().contains("corroded bearings"),
        "{}",
        a.shown_text()
    );
    h.send(key('F'));
    let a = h.state.article.as_ref().unwrap();
    assert_eq!(a.full, FullTextView::Feed);
    assert_eq!(a.shown_text(), "The bridge shuts on Monday.");
    // Back again without asking the site: the story is cached.
    h.send(key('F'));
    assert_eq!(h.state.article.as_ref().unwrap().full, FullTextView::Full);
    assert_eq!(server.requests("/news/bridge"), 1);

    // The fifth headline answers 404.
    h.send(Msg::Key(KeyEvent::from(KeyCode::Esc)));
    for _ in 0..4 {
        h.send(key('j'));
    }
    h.send(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    h.settle("the 404 article", |s| {
        s.article.as_ref().unwrap().article.headline.title == "A story that was taken down"
    })
    .await;
    h.send(key('F'));
    h.settle("the failure", |s| {
        s.article.as_ref().unwrap().full != FullTextView::Loading
    })
    .await;
    let a = h.state.article.as_ref().unwrap();
    assert_eq!(
        a.full,
        FullTextView::Failed("the page answered HTTP 404".into())
    );
    assert_eq!(a.shown_text(), "Gone.");
}

/// `full_text = true`: after `newsroom fetch`, the new articles' stories are in the cache
/// (fetched a few at a time), so the reader opened later, offline, shows them at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_text_true_extracts_new_articles_after_a_refresh_a_few_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let server = site();
    // Eight more copies of the story, so that the cap on pages at once is put to the test.
    let mut items = ITEMS.to_vec();
    let copies: Vec<String> = (0..8).map(|i| format!("/news/copy-{i}")).collect();
    for path in &copies {
        server.set_route(path, html(page("story.html")));
        items.push((path.as_str(), "A copy of the bridge story", "Copy."));
    }
    server.set_route("/feed.xml", Route::feed(rss(&server, &items)));
    server.set_latency(Duration::from_millis(50));
    let other = FeedServer::start([("/feed.xml", Route::feed(rss(&server, &ITEMS[..1])))]);
    let text = format!(
        "[fetch]\ntimeout_secs = 20\n\n\
         [[publications]]\nname = \"Gazette\"\nurl = \"{}\"\nfull_text = true\n\n\
         [[publications]]\nname = \"Summaries only\"\nurl = \"{}\"\n",
        server.url("/feed.xml"),
        other.url("/feed.xml")
    );
    let config = Config::from_toml(&text, None).expect("valid config");
    assert!(config.publications[0].full_text && !config.publications[1].full_text);
    let db_path = dir.path().join("newsroom.db");
    let ok = fetch_to(
        &config,
        &db_path,
        FetchOptions {
            force: false,
            json: true,
        },
        &mut Vec::new(),
        ProgressDrawTarget::hidden(),
    )
    .await
    .expect("fetch runs");
    assert!(ok);

    // Every article was tried once; "Summaries only" links to the same pages but asked for none.
    for (path, _, _) in &items {
        assert_eq!(server.requests(path), 1, "{path}");
    }
    // Pages are fetched at most four at a time (the fetcher alone would allow six per host).
    assert!(server.max_in_flight() <= 4, "{}", server.max_in_flight());

    let (store, _) = Store::open(&db_path).unwrap();
    let url = server.url("/feed.xml");
    let heads = store.headlines(&url, 100).unwrap();
    let mut stories = 0;
    for head in &heads {
        let a = store.article(head.id).unwrap().unwrap();
        assert!(
            a.full_text.is_some() != a.full_text_error.is_some(),
            "{a:?}"
        );
        stories += usize::from(a.full_text.is_some());
    }
    // The bridge, its eight copies, the French page and the hostile one.
    assert_eq!(stories, 11);
    let other_heads = store.headlines(&other.url("/feed.xml"), 10).unwrap();
    let a = store.article(other_heads[0].id).unwrap().unwrap();
    assert_eq!((a.full_text, a.full_text_error), (None, None));

    // A second fetch with nothing new tries nothing again.
    let before = server.total_requests();
    fetch_to(
        &config,
        &db_path,
        FetchOptions {
            force: true,
            json: true,
        },
        &mut Vec::new(),
        ProgressDrawTarget::hidden(),
    )
    .await
    .expect("fetch runs");
    assert_eq!(server.total_requests(), before + 1, "only the feed");
}

/// `full_text = true` in the reader: the refresh extracts the new articles in the background,
/// and opening one shows its story at once, without `F` and without another request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_text_true_in_the_reader_opens_on_the_story() {
    let dir = tempfile::tempdir().unwrap();
    let server = site();
    let mut h = Harness::new(
        vec![publication(&server, true)],
        &dir.path().join("newsroom.db"),
    );
    h.send(key('r'));
    h.settle("headlines", |s| s.headlines.len() == ITEMS.len())
        .await;
    // Every article's page is tried once, each answer naming its article.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut answered = std::collections::HashSet::new();
    while answered.len() < ITEMS.len() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(!left.is_zero(), "only {} answers", answered.len());
        if let Ok(Some(msg)) = tokio::time::timeout(left, h.rx.recv()).await {
            if let Msg::FullText { id, .. } = &msg {
                assert!(answered.insert(*id), "article {id} answered twice");
            }
            h.send(msg);
        }
    }
    h.send(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    h.settle("the article", |s| s.article.is_some()).await;
    let a = h.state.article.as_ref().unwrap();
    assert_eq!(a.full, FullTextView::Full);
    assert!(
        a.shown_text().contains("corroded bearings"),
        "{}",
        a.shown_text()
    );
    assert_eq!(server.requests("/news/bridge"), 1);
}

/// A link that redirects to the page on another origin: the page's relative links resolve
/// against where it was served from, not against the link in the feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_links_resolve_against_the_page_after_redirects() {
    let dir = tempfile::tempdir().unwrap();
    let site = site();
    let short = FeedServer::start([(
        "/go/bridge",
        Route::redirect(301, &site.url("/news/bridge")),
    )]);
    short.set_route(
        "/feed.xml",
        Route::feed(rss(&short, &[("/go/bridge", "Bridge", "Short link.")])),
    );
    let f = fetcher(Duration::from_secs(20));
    let db = SharedStore::new(Store::open(&dir.path().join("newsroom.db")).unwrap().0);
    let ids = refreshed(&short, &db, &f).await;
    let text = full(&f, &db, id_of(&ids, "/go/bridge"))
        .await
        .expect("a story");
    assert!(
        text.contains(&format!("[1]: {}", site.url("/travel/bridge-closure-map"))),
        "{text}"
    );
    assert!(!text.contains(&short.url("/travel")), "{text}");
}
