//! The fetcher against a well-behaved loopback server: conditional GET, gzip, freshness,
//! redirects, caps on concurrency (observed at the server) and connection reuse.

use std::time::Duration;

use newsroom::fetch::{FetchError, FetchOutcome, FetchSettings, Fetcher, Validators};

use crate::support::feed_server::{FeedServer, Route};

const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback</title>
<item><title>One</title><link>http://example.com/1</link></item></channel></rss>"#;

fn fetcher(settings: FetchSettings) -> Fetcher {
    Fetcher::new(settings).expect("client")
}

fn body(outcome: FetchOutcome) -> Vec<u8> {
    match outcome {
        FetchOutcome::Fetched { body, .. } => body,
        other => panic!("expected a body, got {other:?}"),
    }
}

#[tokio::test]
async fn conditional_get_round_trip() {
    let server = FeedServer::start([(
        "/feed.xml",
        Route::feed(RSS)
            .with_etag("W/\"abc-1\"")
            .with_last_modified("Tue, 02 Jan 2024 03:04:05 GMT"),
    )]);
    let f = fetcher(FetchSettings::default());

    let first = f
        .get(&server.url("/feed.xml"), &Validators::default())
        .await
        .expect("first fetch");
    let validators = first.validators().clone();
    assert_eq!(validators.etag.as_deref(), Some("W/\"abc-1\""));
    assert_eq!(
        validators.last_modified.as_deref(),
        Some("Tue, 02 Jan 2024 03:04:05 GMT")
    );
    assert_eq!(body(first), RSS.as_bytes());

    let second = f
        .get(&server.url("/feed.xml"), &validators)
        .await
        .expect("second fetch");
    match second {
        FetchOutcome::NotModified { validators: v, .. } => assert_eq!(v, validators),
        other => panic!("expected 304, got {other:?}"),
    }

    let log = server.requests_to("/feed.xml");
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[0].header("If-None-Match"),
        None,
        "a cold fetch is unconditional"
    );
    assert_eq!(
        log[1].header("If-None-Match"),
        Some("W/\"abc-1\""),
        "sent exactly as received"
    );
    assert_eq!(
        log[1].header("If-Modified-Since"),
        Some("Tue, 02 Jan 2024 03:04:05 GMT")
    );
    assert_eq!((log[0].status, log[1].status), (200, 304));

    // The feed changes: the old validators no longer match and the new body comes back.
    server.set_route("/feed.xml", Route::feed("changed").with_etag("\"v2\""));
    let third = f
        .get(&server.url("/feed.xml"), &validators)
        .await
        .expect("third fetch");
    assert_eq!(third.validators().etag.as_deref(), Some("\"v2\""));
    assert_eq!(third.validators().last_modified, None);
    assert_eq!(body(third), b"changed");
}

#[tokio::test]
async fn last_modified_alone_is_enough_for_a_304() {
    let server = FeedServer::start([(
        "/f",
        Route::feed(RSS).with_last_modified("Mon, 01 Jan 2024 00:00:00 GMT"),
    )]);
    let f = fetcher(FetchSettings::default());
    let v = f
        .get(&server.url("/f"), &Validators::default())
        .await
        .expect("fetch")
        .validators()
        .clone();
    assert_eq!(v.etag, None);
    let again = f.get(&server.url("/f"), &v).await.expect("refetch");
    assert!(
        matches!(again, FetchOutcome::NotModified { .. }),
        "{again:?}"
    );
    assert_eq!(server.answered(304), 1);
}

#[tokio::test]
async fn sends_user_agent_and_accepts_compression() {
    let server = FeedServer::start([("/f", Route::feed(RSS))]);
    fetcher(FetchSettings::default())
        .get(&server.url("/f"), &Validators::default())
        .await
        .expect("fetch");
    let req = &server.requests_to("/f")[0];
    assert_eq!(
        req.header("User-Agent"),
        Some(concat!("newsroom/", env!("CARGO_PKG_VERSION")))
    );
    let accept = req.header("Accept-Encoding").unwrap_or_default();
    for enc in ["gzip", "br", "deflate"] {
        assert!(
            accept.contains(enc),
            "Accept-Encoding {accept:?} lacks {enc}"
        );
    }
}

#[tokio::test]
async fn gzip_bodies_arrive_decompressed() {
    let big = RSS.repeat(200);
    let server = FeedServer::start([(
        "/gz",
        Route::feed(big.clone()).with_gzip().with_validators(),
    )]);
    let outcome = fetcher(FetchSettings::default())
        .get(&server.url("/gz"), &Validators::default())
        .await;
    assert_eq!(body(outcome.expect("fetch")), big.as_bytes());
}

#[tokio::test]
async fn the_size_cap_counts_decompressed_bytes() {
    // 64 KiB of text gzips to well under 16 KiB; the cap must see the 64 KiB.
    let text = "a".repeat(64 * 1024);
    let server = FeedServer::start([
        ("/gz", Route::feed(text.clone()).with_gzip()),
        ("/plain", Route::feed(text)),
    ]);
    let f = fetcher(FetchSettings {
        max_bytes: 16 * 1024,
        ..FetchSettings::default()
    });
    for path in ["/gz", "/plain"] {
        let e = f
            .get(&server.url(path), &Validators::default())
            .await
            .expect_err(path);
        assert!(matches!(e, FetchError::TooLarge(16384)), "{path}: {e:?}");
        assert_eq!(e.to_string(), "feed larger than 16 KiB");
    }
    // Exactly at the cap is allowed.
    let f = fetcher(FetchSettings {
        max_bytes: 64 * 1024,
        ..FetchSettings::default()
    });
    assert_eq!(
        body(
            f.get(&server.url("/gz"), &Validators::default())
                .await
                .expect("at cap")
        )
        .len(),
        64 * 1024
    );
}

#[tokio::test]
async fn freshness_comes_from_cache_control_or_expires() {
    let server = FeedServer::start([
        (
            "/max-age",
            Route::feed(RSS)
                .with_header("Cache-Control", "public, max-age=300")
                .with_validators(),
        ),
        (
            "/no-cache",
            Route::feed(RSS).with_header("Cache-Control", "no-cache, max-age=300"),
        ),
        (
            "/expires",
            Route::feed(RSS).with_header("Expires", "Thu, 01 Jan 2099 00:00:00 GMT"),
        ),
        ("/none", Route::feed(RSS)),
    ]);
    let f = fetcher(FetchSettings::default());
    let fresh = |path: &'static str| {
        let (f, url) = (f.clone(), server.url(path));
        async move {
            f.get(&url, &Validators::default())
                .await
                .expect(path)
                .fresh_for()
        }
    };
    assert_eq!(fresh("/max-age").await, Some(Duration::from_secs(300)));
    assert_eq!(fresh("/no-cache").await, None);
    assert_eq!(fresh("/none").await, None);
    // Far-future Expires is honoured but capped at a day.
    assert_eq!(fresh("/expires").await, Some(newsroom::fetch::MAX_HINT));

    // A 304 carries freshness too.
    let v = f
        .get(&server.url("/max-age"), &Validators::default())
        .await
        .expect("fetch")
        .validators()
        .clone();
    let again = f
        .get(&server.url("/max-age"), &v)
        .await
        .expect("revalidate");
    assert!(
        matches!(again, FetchOutcome::NotModified { fresh_for: Some(d), .. } if d == Duration::from_secs(300))
    );
}

#[tokio::test]
async fn follows_up_to_five_redirects_and_only_to_http() {
    let mut routes: Vec<(String, Route)> = (0..5)
        .map(|i| {
            (
                format!("/r{i}"),
                Route::redirect(301, &format!("/r{}", i + 1)),
            )
        })
        .collect();
    routes.push(("/r5".into(), Route::feed(RSS)));
    routes.push(("/six".into(), Route::redirect(302, "/r0")));
    routes.push((
        "/to-file".into(),
        Route::redirect(302, "file:///etc/passwd"),
    ));
    let server = FeedServer::start(routes);
    let f = fetcher(FetchSettings::default());

    let ok = f
        .get(&server.url("/r0"), &Validators::default())
        .await
        .expect("five redirects are fine");
    assert_eq!(body(ok), RSS.as_bytes());
    let e = f
        .get(&server.url("/six"), &Validators::default())
        .await
        .expect_err("six redirects");
    assert!(matches!(e, FetchError::TooManyRedirects), "{e:?}");
    let e = f
        .get(&server.url("/to-file"), &Validators::default())
        .await
        .expect_err("file redirect");
    assert!(matches!(e, FetchError::BadUrl), "{e:?}");
}

/// Paths `/f0` .. `/f{n-1}`, each a small feed.
fn many_feeds(n: usize) -> FeedServer {
    FeedServer::start((0..n).map(|i| (format!("/f{i}"), Route::feed(RSS))))
}

async fn fetch_all(f: &Fetcher, server: &FeedServer, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (f, url) = (f.clone(), server.url(&format!("/f{i}")));
            tokio::spawn(async move { f.get(&url, &Validators::default()).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("fetch");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_host_cap_holds_at_the_server() {
    let server = many_feeds(24).with_latency(Duration::from_millis(80));
    let f = fetcher(FetchSettings {
        per_host: 3,
        concurrency: 16,
        ..FetchSettings::default()
    });
    fetch_all(&f, &server, 24).await;
    assert_eq!(server.total_requests(), 24);
    let peak = server.max_in_flight();
    assert!(
        peak <= 3,
        "server saw {peak} requests at once with per_host = 3"
    );
    assert!(peak >= 2, "requests should overlap, saw a peak of {peak}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_cap_holds_at_the_server() {
    let server = many_feeds(12).with_latency(Duration::from_millis(80));
    let f = fetcher(FetchSettings {
        per_host: 10,
        concurrency: 2,
        ..FetchSettings::default()
    });
    fetch_all(&f, &server, 12).await;
    let peak = server.max_in_flight();
    assert!(
        (1..=2).contains(&peak),
        "server saw {peak} requests at once with concurrency = 2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_host_does_not_hold_up_another() {
    let slow = many_feeds(4);
    let fast = FeedServer::start([("/f", Route::feed(RSS))]);
    let f = fetcher(FetchSettings {
        per_host: 1,
        concurrency: 2,
        ..FetchSettings::default()
    });
    // The busy host answers nothing until released: its queue (one in flight, three waiting
    // for the per-host slot) stands still for exactly as long as the test needs.
    slow.hold();
    let queued = {
        let f = f.clone();
        let urls: Vec<String> = (0..4).map(|i| slow.url(&format!("/f{i}"))).collect();
        tokio::spawn(async move {
            let none = Validators::default();
            let gets = urls.iter().map(|u| f.get(u, &none));
            futures::future::join_all(gets).await
        })
    };
    assert!(
        slow.wait_in_flight(1, Duration::from_secs(20)),
        "the busy host got its first request"
    );
    f.get(&fast.url("/f"), &Validators::default())
        .await
        .expect("the other host is served while the busy one holds its slot");
    assert_eq!(
        slow.total_requests(),
        0,
        "the busy host has answered nothing yet"
    );
    assert_eq!(slow.in_flight(), 1, "its per-host cap held the rest back");
    slow.release();
    for r in queued.await.expect("task") {
        r.expect("slow fetch");
    }
    assert_eq!(slow.max_in_flight(), 1);
}

#[tokio::test]
async fn connections_are_reused() {
    let server = many_feeds(10);
    let f = fetcher(FetchSettings::default());
    for i in 0..10 {
        // Clones share the client, so they share its connection pool.
        f.clone()
            .get(&server.url(&format!("/f{i}")), &Validators::default())
            .await
            .expect("fetch");
    }
    assert_eq!(server.total_requests(), 10);
    assert_eq!(
        server.connections(),
        1,
        "ten sequential fetches should use one keep-alive connection"
    );
}

/// Large bodies hold a place in the fetcher's budget until they are dropped (parsed), so a
/// refresh of many big feeds keeps only a few in memory at once.
#[tokio::test]
async fn large_bodies_hold_the_byte_budget_until_dropped() {
    let big = format!(
        "<rss><channel><title>big</title>{}</channel></rss>",
        "<item><title>x</title></item>".repeat(80_000)
    );
    assert!(big.len() > newsroom::fetch::LARGE_BODY);
    let server = FeedServer::start([
        ("/a", Route::feed(big.clone())),
        ("/b", Route::feed(big.clone())),
        ("/c", Route::feed(big.clone())),
        ("/small", Route::feed(RSS)),
    ]);
    let f = fetcher(FetchSettings::default());
    assert_eq!(f.large_bodies_free(), newsroom::fetch::LARGE_BODIES);
    let none = Validators::default();
    let (url_a, url_b, url_small) = (server.url("/a"), server.url("/b"), server.url("/small"));
    let a = f.get(&url_a, &none).await.expect("a");
    let b = f.get(&url_b, &none).await.expect("b");
    assert_eq!(f.large_bodies_free(), 0, "each large body holds a place");
    // Small bodies do not wait for a place.
    let small = tokio::time::timeout(Duration::from_secs(20), f.get(&url_small, &none))
        .await
        .expect("a small feed is not held up")
        .expect("small");
    drop(small);
    let c = tokio::spawn({
        let (f, url) = (f.clone(), server.url("/c"));
        async move { f.get(&url, &Validators::default()).await }
    });
    drop(a);
    let c = tokio::time::timeout(Duration::from_secs(20), c)
        .await
        .expect("c gets the freed place")
        .expect("join")
        .expect("c");
    assert_eq!(body(c).len(), big.len());
    drop(b);
    assert_eq!(f.large_bodies_free(), newsroom::fetch::LARGE_BODIES);
}
