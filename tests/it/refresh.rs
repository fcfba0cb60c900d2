//! The refresh pipeline against real loopback servers and a real cache file: conditional GET
//! from the first fetch on, 304s that write no article, freshness skipping and `force`,
//! Retry-After, and failures that leave the cache and the other feeds alone.

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use newsroom::config::Publication;
use newsroom::fetch::{FetchSettings, Fetcher};
use newsroom::refresh::{RefreshReport, RefreshStatus, refresh_all, refresh_one};
use newsroom::store::{SharedStore, Store};

use crate::support::feed_server::{FeedServer, Route};

/// An RSS 2.0 document with `n` items, item `i` published `i` minutes before the current hour
/// began (so the same `n` gives the same document within a test); `extra` goes inside
/// `<channel>`.
pub fn rss(title: &str, n: usize, extra: &str) -> String {
    rss_padded(title, n, extra, 0)
}

/// [`rss`] with `pad` more bytes of HTML in every item's description.
pub fn rss_padded(title: &str, n: usize, extra: &str, pad: usize) -> String {
    let hour = Utc::now().timestamp() / 3600 * 3600;
    let filler = "x".repeat(pad);
    let items: String = (0..n)
        .map(|i| {
            let date = chrono::DateTime::from_timestamp(hour - i as i64 * 60, 0)
                .expect("valid date")
                .to_rfc2822();
            format!(
                "<item><title>{title} story {i}</title><link>https://example.com/{title}/{i}</link>\
                 <guid>{title}-{i}</guid><pubDate>{date}</pubDate>\
                 <description>&lt;p&gt;Body {i}{filler}&lt;/p&gt;</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>\
         <link>https://example.com/</link><description>d</description>{extra}{items}</channel></rss>"
    )
}

fn publication(server: &FeedServer, name: &str, path: &str) -> Publication {
    Publication {
        name: name.into(),
        url: server.url(path),
        key: None,
        full_text: false,
    }
}

fn fetcher() -> Fetcher {
    // Generous: these tests are not about timeouts, and CI runs many tests at once on 2 cores.
    Fetcher::new(FetchSettings {
        timeout: Duration::from_secs(15),
        ..FetchSettings::default()
    })
    .expect("client")
}

fn store(dir: &Path) -> SharedStore {
    let (store, notice) = Store::open(&dir.join("newsroom.db")).expect("open cache");
    assert_eq!(notice, None);
    SharedStore::new(store)
}

/// Records every write to `articles` and `article_bodies` made by any connection, so a test
/// can prove that a refresh wrote none.
fn install_write_audit(dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("newsroom.db")).expect("raw open");
    conn.execute_batch(
        "CREATE TABLE audit (what TEXT);
         CREATE TRIGGER audit_ai AFTER INSERT ON articles BEGIN INSERT INTO audit VALUES ('insert'); END;
         CREATE TRIGGER audit_au AFTER UPDATE ON articles BEGIN INSERT INTO audit VALUES ('update'); END;
         CREATE TRIGGER audit_ad AFTER DELETE ON articles BEGIN INSERT INTO audit VALUES ('delete'); END;
         CREATE TRIGGER audit_bu AFTER UPDATE ON article_bodies BEGIN INSERT INTO audit VALUES ('body'); END;",
    )
    .expect("install audit");
    conn
}

fn audited_writes(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .expect("count audit")
}

#[tokio::test]
async fn validators_are_stored_on_the_first_fetch_and_a_304_writes_no_article() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start([(
        "/bbc.xml",
        Route::feed(rss("BBC", 12, "")).with_validators(),
    )]);
    let (f, db) = (fetcher(), store(dir.path()));
    let bbc = publication(&server, "BBC", "/bbc.xml");

    let first = refresh_one(&f, &db, &bbc, false).await;
    assert_eq!(
        first.status,
        RefreshStatus::Updated {
            new: 12,
            items: 12,
            first: true
        }
    );
    assert_eq!(first.name, "BBC");
    let heads = db.lock().headlines(&bbc.url, 50).expect("headlines");
    assert_eq!(heads.len(), 12);
    assert_eq!(heads[0].title, "BBC story 0");
    let state = db.lock().feed_state(&bbc.url).expect("state");
    assert!(
        state.validators.etag.is_some(),
        "stored from the very first fetch"
    );
    assert_eq!((state.last_status, state.last_error), (Some(200), None));

    let audit = install_write_audit(dir.path());
    let second = refresh_one(&f, &db, &bbc, false).await;
    assert_eq!(second.status, RefreshStatus::NotModified);
    let log = server.requests_to("/bbc.xml");
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[1].header("If-None-Match"),
        state.validators.etag.as_deref()
    );
    assert_eq!(log[1].status, 304);
    assert_eq!(audited_writes(&audit), 0, "a 304 writes no article");
    assert_eq!(
        db.lock().feed_state(&bbc.url).expect("state").last_status,
        Some(304)
    );

    // An unchanged body served without validators is parsed but still writes nothing.
    server.set_route("/bbc.xml", Route::feed(rss("BBC", 12, "")));
    let third = refresh_one(&f, &db, &bbc, false).await;
    assert_eq!(
        third.status,
        RefreshStatus::Updated {
            new: 0,
            items: 12,
            first: false
        }
    );
    assert_eq!(
        audited_writes(&audit),
        0,
        "unchanged articles are not rewritten"
    );

    // A new story arrives: one insert, and the read mark of an old one survives.
    let old = heads[3].id;
    db.lock().set_read(old, true).expect("read");
    server.set_route(
        "/bbc.xml",
        Route::feed(rss("BBC", 13, "")).with_validators(),
    );
    let fourth = refresh_one(&f, &db, &bbc, false).await;
    assert_eq!(
        fourth.status,
        RefreshStatus::Updated {
            new: 1,
            items: 13,
            first: false
        }
    );
    let heads = db.lock().headlines(&bbc.url, 50).expect("headlines");
    assert!(heads.iter().find(|h| h.id == old).expect("kept").read);
    assert_eq!(db.lock().unread_counts().expect("counts")[&bbc.url], 12);
}

#[tokio::test]
async fn a_fresh_feed_is_skipped_until_forced_and_force_still_revalidates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start([
        (
            "/max-age.xml",
            Route::feed(rss("Cached", 3, ""))
                .with_validators()
                .with_header("Cache-Control", "max-age=3600"),
        ),
        (
            "/ttl.xml",
            Route::feed(rss("Ttl", 3, "<ttl>60</ttl>")).with_validators(),
        ),
        (
            "/no-hint.xml",
            Route::feed(rss("Plain", 3, "")).with_validators(),
        ),
    ]);
    let (f, db) = (fetcher(), store(dir.path()));
    for path in ["/max-age.xml", "/ttl.xml", "/no-hint.xml"] {
        let p = publication(&server, path, path);
        let first = refresh_one(&f, &db, &p, false).await;
        assert!(
            matches!(first.status, RefreshStatus::Updated { new: 3, .. }),
            "{first:?}"
        );
        let fresh_until = db.lock().feed_state(&p.url).expect("state").fresh_until;
        let second = refresh_one(&f, &db, &p, false).await;
        if path == "/no-hint.xml" {
            assert_eq!(fresh_until, None);
            assert_eq!(
                second.status,
                RefreshStatus::NotModified,
                "no hint: always revalidate"
            );
            assert_eq!(server.requests(path), 2);
            continue;
        }
        let until = fresh_until.expect("a freshness lifetime was stored");
        let left = until - Utc::now();
        assert!(
            left > chrono::Duration::minutes(55) && left <= chrono::Duration::minutes(60),
            "{left}"
        );
        assert_eq!(second.status, RefreshStatus::Fresh, "{path}");
        assert_eq!(
            server.requests(path),
            1,
            "{path}: a fresh feed is not fetched"
        );

        let forced = refresh_one(&f, &db, &p, true).await;
        assert_eq!(forced.status, RefreshStatus::NotModified, "{path}");
        let log = server.requests_to(path);
        assert_eq!(log.len(), 2);
        assert!(
            log[1].header("If-None-Match").is_some(),
            "{path}: force still sends validators"
        );
    }
}

#[tokio::test]
async fn retry_after_is_honoured_even_when_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start([
        (
            "/busy.xml",
            Route::status(429).with_header("Retry-After", "120"),
        ),
        ("/down.xml", Route::status(503)),
    ]);
    let (f, db) = (fetcher(), store(dir.path()));
    let busy = publication(&server, "Busy", "/busy.xml");
    let before = Utc::now();
    let first = refresh_one(&f, &db, &busy, false).await;
    let RefreshStatus::Failed {
        message,
        retry_after,
    } = &first.status
    else {
        panic!("expected a failure: {first:?}");
    };
    assert!(
        message.starts_with("HTTP 429 — too many requests; next try after "),
        "{message}"
    );
    let until = retry_after.expect("Retry-After kept");
    let wait = until - before;
    assert!(
        wait >= chrono::Duration::seconds(119) && wait <= chrono::Duration::seconds(125),
        "{wait}"
    );
    let state = db.lock().feed_state(&busy.url).expect("state");
    assert_eq!(state.retry_after_until, Some(until));
    assert_eq!(state.last_status, Some(429));

    // Now the server would answer, but newsroom waits as asked, forced or not.
    server.set_route("/busy.xml", Route::feed(rss("Busy", 2, "")));
    for force in [false, true] {
        let again = refresh_one(&f, &db, &busy, force).await;
        assert!(
            matches!(&again.status, RefreshStatus::Failed { retry_after: Some(t), .. } if *t == until),
            "{again:?}"
        );
    }
    assert_eq!(server.requests("/busy.xml"), 1);

    // A 503 without Retry-After sets no back-off: the next refresh tries again.
    let down = publication(&server, "Down", "/down.xml");
    let r = refresh_one(&f, &db, &down, false).await;
    assert!(
        matches!(&r.status, RefreshStatus::Failed { message, retry_after: None } if message == "HTTP 503 — server error"),
        "{r:?}"
    );
    refresh_one(&f, &db, &down, false).await;
    assert_eq!(server.requests("/down.xml"), 2);
}

#[tokio::test]
async fn failures_are_short_and_leave_the_cache_and_other_feeds_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = "<!DOCTYPE html><html><head><title>Home</title></head><body>Welcome</body></html>";
    let server = FeedServer::start([
        (
            "/good.xml",
            Route::feed(rss("Good", 4, "")).with_etag("\"v1\""),
        ),
        ("/missing.xml", Route::status(404)),
        (
            "/page.html",
            Route::feed(html).with_content_type("text/html"),
        ),
    ]);
    let (f, db) = (fetcher(), store(dir.path()));
    let good = publication(&server, "Good", "/good.xml");
    let pubs = vec![
        good.clone(),
        publication(&server, "Missing", "/missing.xml"),
        publication(&server, "Page", "/page.html"),
    ];
    let mut reports: Vec<RefreshReport> = Vec::new();
    refresh_all(&f, &db, &pubs, false, |r| reports.push(r)).await;
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    let messages: Vec<String> = reports
        .iter()
        .map(|r| match &r.status {
            RefreshStatus::Failed { message, .. } => message.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        messages,
        [
            "Updated { new: 4, items: 4, first: true }",
            "HTTP 404 — feed not found",
            "this is an HTML page, not a feed"
        ]
    );
    assert_eq!(
        db.lock()
            .feed_state(&pubs[2].url)
            .expect("state")
            .last_error
            .as_deref(),
        Some(messages[2].as_str())
    );

    // The good feed breaks later: its articles stay, and its old validators are kept, so the
    // next try fetches in full rather than being told "not modified" about a broken body.
    server.set_route("/good.xml", Route::feed(html).with_etag("\"v2\""));
    let r = refresh_one(&f, &db, &good, false).await;
    assert!(!r.is_ok());
    assert_eq!(
        db.lock().headlines(&good.url, 10).expect("headlines").len(),
        4
    );
    let state = db.lock().feed_state(&good.url).expect("state");
    assert_eq!(state.validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        state.last_error.as_deref(),
        Some("this is an HTML page, not a feed")
    );
}

#[tokio::test]
async fn a_slow_feed_times_out_with_a_plain_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start([("/slow.xml", Route::feed(rss("Slow", 1, "")))])
        .with_latency(Duration::from_millis(2500));
    let f = Fetcher::new(FetchSettings {
        timeout: Duration::from_secs(1),
        ..FetchSettings::default()
    })
    .expect("client");
    let db = store(dir.path());
    let r = refresh_one(&f, &db, &publication(&server, "Slow", "/slow.xml"), false).await;
    assert_eq!(
        r.status,
        RefreshStatus::Failed {
            message: "timed out after 1 s".into(),
            retry_after: None
        }
    );
}

#[tokio::test]
async fn refresh_all_reports_every_publication_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let routes: Vec<(String, Route)> = (0..30)
        .map(|i| {
            (
                format!("/f{i}.xml"),
                Route::feed(rss(&format!("F{i}"), 5, "")).with_validators(),
            )
        })
        .collect();
    let server = FeedServer::start(routes).with_latency(Duration::from_millis(20));
    let pubs: Vec<Publication> = (0..30)
        .map(|i| publication(&server, &format!("F{i}"), &format!("/f{i}.xml")))
        .collect();
    let (f, db) = (fetcher(), store(dir.path()));
    let mut names = Vec::new();
    refresh_all(&f, &db, &pubs, false, |r| {
        assert_eq!(
            r.status,
            RefreshStatus::Updated {
                new: 5,
                items: 5,
                first: true
            }
        );
        // Reported once committed: a reader reloading on the report sees the articles.
        let heads = db.lock().headlines(&r.url, 10).expect("headlines");
        assert_eq!(heads.len(), 5, "{} reported before it was written", r.name);
        names.push(r.name);
    })
    .await;
    names.sort();
    let mut expected: Vec<String> = (0..30).map(|i| format!("F{i}")).collect();
    expected.sort();
    assert_eq!(names, expected);
    assert!(server.max_in_flight() > 1, "feeds are fetched concurrently");
    let counts = db.lock().unread_counts().expect("counts");
    assert_eq!(counts.len(), 30);
    assert!(counts.values().all(|&n| n == 5));
}

#[tokio::test]
async fn a_feed_that_repeats_guids_is_a_first_fetch_on_an_empty_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Twelve items, three of which repeat an earlier GUID (CNN does this).
    let feed = rss("CNN", 12, "").replace("<guid>CNN-11</guid>", "<guid>CNN-0</guid>");
    let feed = feed
        .replace("<guid>CNN-10</guid>", "<guid>CNN-1</guid>")
        .replace("<guid>CNN-9</guid>", "<guid>CNN-2</guid>");
    let server = FeedServer::start([("/cnn.xml", Route::feed(feed))]);
    let (f, db) = (fetcher(), store(dir.path()));
    let cnn = publication(&server, "CNN", "/cnn.xml");
    let first = refresh_one(&f, &db, &cnn, true).await;
    assert_eq!(
        first.status,
        RefreshStatus::Updated {
            new: 9,
            items: 12,
            first: true
        }
    );
    let again = refresh_one(&f, &db, &cnn, true).await;
    assert_eq!(
        again.status,
        RefreshStatus::Updated {
            new: 0,
            items: 12,
            first: false
        }
    );
}
