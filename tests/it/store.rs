//! The `SQLite` cache on real files in temp dirs: dedup, read/star state across reopen and
//! re-fetch, retention, files that must be moved aside, and the headline query's plan at 100k
//! articles.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use newsroom::config::CacheConfig;
use newsroom::feed::{Feed, Item};
use newsroom::fetch::Validators;
use newsroom::store::{FeedState, FeedWrite, Only, SCHEMA_VERSION, Store, StoreError};

const URL: &str = "http://127.0.0.1:1/feed.xml";

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("valid timestamp")
}

/// A fixed "now" well after every item date below.
fn now() -> DateTime<Utc> {
    at(1_800_000_000)
}

fn item(id: &str, title: &str, published: Option<i64>) -> Item {
    Item {
        id: Some(id.into()),
        title: title.into(),
        link: Some(format!("https://example.com/{id}")),
        published: published.map(at),
        author: Some("Desk".into()),
        content_html: format!("<p>Body of {title}</p>"),
        enclosures: Vec::new(),
    }
}

fn feed(items: Vec<Item>) -> Feed {
    Feed {
        title: "Test".into(),
        items,
        ..Feed::default()
    }
}

fn open(path: &Path) -> Store {
    let (store, notice) = Store::open(path).expect("open cache");
    assert_eq!(notice, None, "a healthy cache opens without a notice");
    store
}

fn titles(store: &Store, url: &str) -> Vec<String> {
    store
        .headlines(url, 100)
        .expect("headlines")
        .into_iter()
        .map(|h| h.title)
        .collect()
}

#[test]
fn items_are_deduplicated_by_guid_then_link_then_title_and_date() {
    let mut s = Store::open_in_memory().expect("store");
    s.set_retention(&CacheConfig {
        max_articles_per_feed: 100,
        max_age: None,
    });
    let by_id = item("g1", "Guid", Some(1_700_000_300));
    let by_link = Item {
        id: None,
        ..item("l1", "Link", Some(1_700_000_200))
    };
    let by_title = Item {
        id: None,
        link: None,
        ..item("t1", "Title", Some(1_700_000_100))
    };
    let first = feed(vec![by_id.clone(), by_link.clone(), by_title.clone()]);
    let r = s
        .apply_fetch("Test", URL, &first, &FeedState::default(), now())
        .expect("merge");
    assert_eq!((r.new, r.total), (3, 3));

    // Same identities, new text: updated in place, nothing new.
    let again = feed(vec![
        Item {
            title: "Guid, edited".into(),
            link: Some("https://example.com/moved".into()),
            ..by_id
        },
        Item {
            title: "Link, edited".into(),
            ..by_link.clone()
        },
        by_title.clone(),
    ]);
    let r = s
        .apply_fetch("Test", URL, &again, &FeedState::default(), now())
        .expect("merge");
    assert_eq!((r.new, r.total), (0, 3));
    assert_eq!(titles(&s, URL), ["Guid, edited", "Link, edited", "Title"]);

    // A different date makes a title-only item a different article; a different link too.
    let others = feed(vec![
        Item {
            published: Some(at(1_700_000_000)),
            ..by_title
        },
        Item {
            link: Some("https://example.com/other".into()),
            ..by_link
        },
    ]);
    let r = s
        .apply_fetch("Test", URL, &others, &FeedState::default(), now())
        .expect("merge");
    assert_eq!((r.new, r.total), (2, 5));

    // The same guid in another publication is another article.
    let r = s
        .apply_fetch(
            "Other",
            "http://127.0.0.1:1/other.xml",
            &first,
            &FeedState::default(),
            now(),
        )
        .expect("merge");
    assert_eq!(r.new, 3);
}

#[test]
fn headlines_are_newest_first_without_bodies_and_articles_load_alone() {
    let mut s = Store::open_in_memory().expect("store");
    let undated_a = item("a", "Undated first in feed", None);
    let undated_b = item("b", "Undated second in feed", None);
    let old = item("c", "Old", Some(1_600_000_000));
    let new = item("d", "New", Some(1_790_000_000));
    let f = feed(vec![undated_a, undated_b, old, new]);
    s.apply_fetch("Test", URL, &f, &FeedState::default(), now())
        .expect("merge");
    // Undated items sort by when first seen (now), keeping the feed's own order among them.
    assert_eq!(
        titles(&s, URL),
        [
            "Undated first in feed",
            "Undated second in feed",
            "New",
            "Old"
        ]
    );
    let top = s.headlines(URL, 2).expect("headlines");
    assert_eq!(top.len(), 2, "only as many as asked for");
    let h = &s.headlines(URL, 10).expect("headlines")[2];
    assert_eq!(h.published, Some(at(1_790_000_000)));
    assert_eq!(h.link.as_deref(), Some("https://example.com/d"));

    let a = s.article(h.id).expect("article").expect("present");
    assert_eq!(a.headline, *h);
    assert_eq!(a.publication, "Test");
    assert_eq!(a.author.as_deref(), Some("Desk"));
    assert_eq!(a.content_html, "<p>Body of New</p>");
    assert_eq!(s.article(999_999).expect("article"), None);
    assert!(
        s.headlines("http://unknown/", 10)
            .expect("headlines")
            .is_empty()
    );
}

#[test]
fn read_and_star_survive_reopen_and_refetch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newsroom.db");
    let items = vec![
        item("1", "One", Some(1_700_000_003)),
        item("2", "Two", Some(1_700_000_002)),
        item("3", "Three", Some(1_700_000_001)),
    ];
    let (one, two) = {
        let mut s = open(&path);
        s.apply_fetch(
            "Test",
            URL,
            &feed(items.clone()),
            &FeedState::default(),
            now(),
        )
        .expect("merge");
        let h = s.headlines(URL, 10).expect("headlines");
        s.set_read(h[0].id, true).expect("read");
        s.set_starred(h[1].id, true).expect("star");
        assert_eq!(s.unread_counts().expect("counts")[URL], 2);
        (h[0].id, h[1].id)
    };

    let mut s = open(&path);
    let mut changed = items;
    changed[0].title = "One (updated)".into();
    changed[1].content_html = "<p>new body</p>".into();
    let r = s
        .apply_fetch("Test", URL, &feed(changed), &FeedState::default(), now())
        .expect("merge");
    assert_eq!(r.new, 0);
    let h = s.headlines(URL, 10).expect("headlines");
    assert_eq!(
        (h[0].id, h[0].title.as_str(), h[0].read, h[0].starred),
        (one, "One (updated)", true, false)
    );
    assert_eq!((h[1].id, h[1].read, h[1].starred), (two, false, true));
    assert_eq!(
        s.article(two)
            .expect("article")
            .expect("present")
            .content_html,
        "<p>new body</p>"
    );
    assert_eq!(s.unread_counts().expect("counts")[URL], 2);

    s.set_read(one, false).expect("unread");
    s.set_read(one, false).expect("unread twice is a no-op");
    assert_eq!(s.unread_counts().expect("counts")[URL], 3);
    s.mark_all_read(URL).expect("mark all");
    assert_eq!(s.unread_counts().expect("counts")[URL], 0);
    assert!(
        s.headlines(URL, 10)
            .expect("headlines")
            .iter()
            .all(|h| h.read)
    );
    drop(s);
    assert_eq!(open(&path).unread_counts().expect("counts")[URL], 0);
}

#[test]
fn retention_caps_and_ages_out_but_keeps_starred_and_what_the_feed_still_lists() {
    let mut s = Store::open_in_memory().expect("store");
    s.set_retention(&CacheConfig {
        max_articles_per_feed: 3,
        max_age: Some(Duration::from_secs(30 * 86_400)),
    });
    let day = 86_400;
    let t = now().timestamp();
    // Six recent articles, listed all at once: all kept, the cap yields to the feed.
    let first: Vec<Item> = (0..6)
        .map(|i| item(&format!("r{i}"), &format!("Recent {i}"), Some(t - i * day)))
        .collect();
    let r = s
        .apply_fetch("Test", URL, &feed(first), &FeedState::default(), now())
        .expect("merge");
    assert_eq!(r.total, 6);
    let h = s.headlines(URL, 10).expect("headlines");
    let starred_old = h.iter().find(|h| h.title == "Recent 5").expect("r5").id;
    s.set_starred(starred_old, true).expect("star");

    // Next fetch lists two new ones plus one ancient one the publisher still carries.
    let ancient = item("old", "Ancient but still listed", Some(t - 400 * day));
    let next = feed(vec![
        item("n0", "Newer 0", Some(t + 10)),
        item("n1", "Newer 1", Some(t + 5)),
        ancient,
    ]);
    let r = s
        .apply_fetch("Test", URL, &next, &FeedState::default(), now())
        .expect("merge");
    assert_eq!(r.new, 3);
    assert_eq!(
        titles(&s, URL),
        [
            "Newer 0",
            "Newer 1",
            "Recent 0",
            "Recent 5",
            "Ancient but still listed"
        ],
        "the cap of 3 keeps the newest, the starred one and what the feed lists"
    );
    assert_eq!(
        s.unread_counts().expect("counts")[URL],
        5,
        "deleted articles leave the count"
    );

    // Once the feed stops listing it, the ancient one goes (older than 30 days).
    let r = s
        .apply_fetch(
            "Test",
            URL,
            &feed(vec![item("n0", "Newer 0", Some(t + 10))]),
            &FeedState::default(),
            now(),
        )
        .expect("merge");
    assert_eq!(r.new, 0);
    assert_eq!(
        titles(&s, URL),
        ["Newer 0", "Newer 1", "Recent 0", "Recent 5"]
    );
}

#[test]
fn feed_state_round_trips_and_is_per_feed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/dir/newsroom.db");
    let state = FeedState {
        validators: Validators {
            etag: Some("W/\"abc\"".into()),
            last_modified: Some("Tue, 02 Jan 2024 03:04:05 GMT".into()),
        },
        fresh_until: Some(at(1_800_000_600)),
        retry_after_until: Some(at(1_800_000_120)),
        last_status: Some(429),
        last_error: Some("HTTP 429 — too many requests".into()),
        last_fetched: Some(now()),
    };
    {
        let mut s = open(&path);
        assert_eq!(s.feed_state(URL).expect("state"), FeedState::default());
        s.record_state(URL, &state).expect("record");
    }
    let mut s = open(&path);
    assert_eq!(s.feed_state(URL).expect("state"), state);
    assert_eq!(
        s.feed_state("http://127.0.0.1:1/other").expect("state"),
        FeedState::default()
    );
    // A feed first seen through a failure has no articles; a later merge names it.
    assert_eq!(s.unread_counts().expect("counts")[URL], 0);
    let ok = FeedState {
        last_status: Some(200),
        ..FeedState::default()
    };
    s.apply_fetch("Named", URL, &feed(vec![item("x", "X", None)]), &ok, now())
        .expect("merge");
    let id = s.headlines(URL, 1).expect("headlines")[0].id;
    assert_eq!(
        s.article(id)
            .expect("article")
            .expect("present")
            .publication,
        "Named"
    );
    assert_eq!(s.feed_state(URL).expect("state"), ok);
}

#[test]
fn a_batch_of_feeds_is_written_together_and_a_feed_that_fails_is_rolled_back_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newsroom.db");
    let mut s = open(&path);
    // Any article titled "boom" fails to insert, as a full disk or a constraint would.
    rusqlite::Connection::open(&path)
        .expect("raw open")
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON articles WHEN NEW.title = 'boom'
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .expect("install trigger");
    let ok = FeedState {
        last_status: Some(200),
        ..FeedState::default()
    };
    let url = |n: &str| format!("http://127.0.0.1:1/{n}.xml");
    let write = |n: &str, items: Vec<Item>| FeedWrite {
        name: n.into(),
        url: url(n),
        state: ok.clone(),
        feed: Some(feed(items)),
        now: now(),
        search_texts: Vec::new(),
    };
    let not_modified = FeedState {
        last_status: Some(304),
        ..FeedState::default()
    };
    let writes = [
        write(
            "a",
            vec![item("a1", "A1", Some(1)), item("a2", "A2", Some(2))],
        ),
        // The bad item comes after a good one: the feed's partial writes must go too.
        write(
            "b",
            vec![item("b2", "boom", Some(2)), item("b1", "B1", Some(1))],
        ),
        FeedWrite {
            name: "c".into(),
            url: url("c"),
            state: not_modified.clone(),
            feed: None,
            now: now(),
            search_texts: Vec::new(),
        },
        write("d", vec![item("d1", "D1", Some(1))]),
    ];
    let results = s.apply_writes(&writes).expect("the batch commits");
    let new: Vec<Option<usize>> = results
        .iter()
        .map(|r| r.as_ref().ok().map(|m| m.new))
        .collect();
    assert_eq!(new, [Some(2), None, Some(0), Some(1)]);
    assert!(
        results[1]
            .as_ref()
            .is_err_and(|e| e.to_string().contains("boom"))
    );
    assert_eq!(titles(&s, &url("a")), ["A2", "A1"]);
    assert_eq!(titles(&s, &url("d")), ["D1"]);
    assert!(
        titles(&s, &url("b")).is_empty(),
        "nothing of the failed feed stays"
    );
    assert_eq!(
        s.feed_state(&url("b")).expect("state"),
        FeedState::default()
    );
    assert_eq!(s.feed_state(&url("c")).expect("state"), not_modified);
    assert_eq!(s.feed_state(&url("d")).expect("state"), ok);
    let states = s.feed_states().expect("states");
    assert_eq!(states.len(), 3);
    assert_eq!(states[&url("c")], not_modified);
    let counts = s.unread_counts().expect("counts");
    assert_eq!((counts[&url("a")], counts[&url("d")]), (2, 1));
    assert!(!counts.contains_key(&url("b")));
}

#[test]
fn a_batch_is_indexed_for_search_as_one_segment_and_found() {
    // FTS5 writes what it gathered to a new segment at every statement savepoint; indexing each
    // article between its own inserts (which take one) made a segment per article, merged again
    // and again: most of a cold refresh's time. The batch's index writes go last, together.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newsroom.db");
    let mut s = open(&path);
    let ok = FeedState {
        last_status: Some(200),
        ..FeedState::default()
    };
    let writes: Vec<FeedWrite> = ["a", "b", "c"]
        .iter()
        .map(|n| FeedWrite {
            name: format!("Pub {n}"),
            url: format!("http://127.0.0.1:1/{n}.xml"),
            state: ok.clone(),
            feed: Some(feed(
                (0..12)
                    .map(|i| item(&format!("{n}{i}"), &format!("Story {n}{i}"), Some(i)))
                    .collect(),
            )),
            now: now(),
            // Feed "b" comes with its search text made by the parse step, the others without.
            search_texts: if *n == "b" {
                (0..12).map(|i| format!("Body of Story b{i}")).collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    let results = s.apply_writes(&writes).expect("the batch commits");
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    let segments: i64 = raw
        .query_row(
            "SELECT count(DISTINCT segid) FROM article_search_idx",
            [],
            |r| r.get(0),
        )
        .expect("segments");
    assert_eq!(segments, 1, "one transaction, one segment");
    for (q, n) in [
        ("story", 10),
        ("b7", 1),
        ("a11", 1),
        ("\"body of story c3\"", 1),
    ] {
        let hits = s.search(q, Only::All, 10, now()).expect("search");
        assert_eq!(hits.len(), n, "{q}: {hits:?}");
    }
}

#[test]
fn the_search_index_merges_its_segments_sixteen_at_a_time() {
    // Each refresh transaction adds a segment; FTS5's default (merge at 4) rewrote every
    // posting about twice more during a cold refresh. A new cache and a migrated one alike.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newsroom.db");
    drop(open(&path));
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    let automerge = |c: &rusqlite::Connection| -> i64 {
        c.query_row(
            "SELECT v FROM article_search_config WHERE k = 'automerge'",
            [],
            |r| r.get(0),
        )
        .expect("automerge is set")
    };
    assert_eq!(automerge(&raw), 16);
    // A cache from before this setting: the setting gone, the version one step back.
    raw.execute_batch(&format!(
        "DELETE FROM article_search_config WHERE k = 'automerge';
         PRAGMA user_version = {};",
        SCHEMA_VERSION - 1
    ))
    .expect("downgrade");
    drop(raw);
    drop(open(&path));
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    assert_eq!(automerge(&raw), 16);
}

#[test]
fn a_first_fetch_that_lists_an_item_twice_keeps_one_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = open(&dir.path().join("newsroom.db"));
    // A new publication skips the per-item lookups; a key repeated in the feed still merges.
    let items = vec![
        item("x", "Later copy", Some(2)),
        item("y", "Other", Some(1)),
        item("x", "Earlier copy", Some(2)),
    ];
    let report = s
        .apply_fetch("Test", URL, &feed(items), &FeedState::default(), now())
        .expect("merge");
    assert_eq!((report.new, report.total), (2, 2));
    assert_eq!(titles(&s, URL), ["Later copy", "Other"]);
    assert_eq!(s.unread_counts().expect("counts")[URL], 2);
}

fn aside_files(dir: &Path, kind: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("newsroom.db.{kind}-")))
        .collect();
    names.sort();
    names
}

#[test]
fn a_corrupt_cache_is_moved_aside_with_its_wal_and_a_fresh_one_started() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newsroom.db");
    let garbage = b"this is not an SQLite database, just bytes that were once a cache".repeat(100);
    std::fs::write(&path, &garbage).expect("write garbage");
    std::fs::write(dir.path().join("newsroom.db-wal"), b"stale wal").expect("write wal");

    let (mut s, notice) = Store::open(&path).expect("a corrupt cache is not an error");
    let notice = notice.expect("the user is told");
    let aside = aside_files(dir.path(), "corrupt");
    assert_eq!(aside.len(), 2, "the file and its -wal: {aside:?}");
    let moved = dir.path().join(&aside[0]);
    assert!(notice.contains(&moved.display().to_string()), "{notice}");
    assert!(notice.contains("fresh cache"), "{notice}");
    assert_eq!(
        std::fs::read(&moved).expect("moved file"),
        garbage,
        "moved, not rewritten"
    );
    assert_eq!(
        std::fs::read(dir.path().join(format!("{}-wal", aside[0]))).expect("moved wal"),
        b"stale wal"
    );

    // The fresh cache works and is what the next open finds.
    s.apply_fetch(
        "Test",
        URL,
        &feed(vec![item("1", "One", None)]),
        &FeedState::default(),
        now(),
    )
    .expect("merge");
    drop(s);
    assert_eq!(titles(&open(&path), URL), ["One"]);

    // A second corrupt file the same second does not overwrite the first one moved aside.
    std::fs::write(&path, &garbage).expect("write garbage again");
    let (_s, notice) = Store::open(&path).expect("open");
    assert!(notice.is_some());
    assert_eq!(
        aside_files(dir.path(), "corrupt")
            .iter()
            .filter(|n| !n.ends_with("-wal"))
            .count(),
        2
    );
}

#[test]
fn a_damaged_page_in_a_real_cache_is_moved_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newsroom.db");
    {
        let mut s = open(&path);
        s.apply_fetch(
            "Test",
            URL,
            &feed(vec![item("1", "One", None)]),
            &FeedState::default(),
            now(),
        )
        .expect("merge");
    }
    // Clobber the schema page after the 100-byte header: the file still claims to be SQLite.
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 4096);
    for b in &mut bytes[100..4096] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).expect("write");
    let (s, notice) = Store::open(&path).expect("open");
    assert!(notice.expect("notice").contains("could not be read"));
    assert_eq!(aside_files(dir.path(), "corrupt").len(), 1);
    assert!(
        s.headlines(URL, 10).expect("headlines").is_empty(),
        "fresh cache"
    );
}

#[test]
fn a_cache_from_a_newer_newsroom_is_moved_aside_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newsroom.db");
    {
        let mut s = open(&path);
        s.apply_fetch(
            "Test",
            URL,
            &feed(vec![item("1", "One", None)]),
            &FeedState::default(),
            now(),
        )
        .expect("merge");
    }
    let newer = SCHEMA_VERSION + 7;
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.pragma_update(None, "user_version", newer)
            .expect("bump version");
    }
    let (s, notice) = Store::open(&path).expect("a newer cache is not an error");
    let notice = notice.expect("the user is told");
    assert!(notice.contains("newer newsroom"), "{notice}");
    let aside = aside_files(dir.path(), "newer");
    assert_eq!(
        aside
            .iter()
            .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
            .count(),
        1
    );
    assert!(
        s.headlines(URL, 10).expect("headlines").is_empty(),
        "fresh cache"
    );

    // The moved file is intact: its version and its article are still there.
    let conn = rusqlite::Connection::open(dir.path().join(&aside[0])).expect("open aside");
    let v: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(v, newer);
    let n: i64 = conn
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 1);
}

#[test]
fn another_programs_database_is_refused_not_moved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
            .expect("create");
    }
    let e = Store::open(&path).expect_err("not ours");
    assert!(matches!(e, StoreError::Foreign { .. }), "{e:?}");
    assert!(e.to_string().contains("--db"), "{e}");
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    let body: String = conn
        .query_row("SELECT body FROM notes", [], |r| r.get(0))
        .expect("intact");
    assert_eq!(body, "keep me");
}

#[test]
fn an_unwritable_location_is_a_clear_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A data dir that cannot exist: its parent is a file. (Holds even when tests run as root.)
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").expect("write");
    let path = file.join("newsroom.db");
    let e = Store::open(&path).expect_err("cannot create");
    let msg = e.to_string();
    assert!(matches!(e, StoreError::Unwritable { .. }), "{e:?}");
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("--db PATH"),
        "{msg}"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("read-only");
        std::fs::create_dir(&ro).expect("mkdir");
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        // Root ignores permissions; only check what a normal user would see.
        if std::fs::write(ro.join("probe"), b"").is_err() {
            let path = ro.join("newsroom.db");
            let e = Store::open(&path).expect_err("read-only dir");
            assert!(matches!(e, StoreError::Unwritable { .. }), "{e:?}");
            assert!(e.to_string().contains("writable"), "{e}");
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    }
}

#[test]
fn headlines_use_the_index_with_100k_articles_before_and_after_statistics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newsroom.db");
    let feeds = 100;
    let per_feed = 1000;
    let url = |f: usize| format!("http://127.0.0.1:1/feed{f}.xml");
    {
        let mut s = open(&path);
        s.set_retention(&CacheConfig {
            max_articles_per_feed: per_feed,
            max_age: None,
        });
        for f in 0..feeds {
            let items = (0..per_feed)
                .map(|i| Item {
                    id: Some(format!("{f}-{i}")),
                    title: format!("Feed {f} item {i}"),
                    published: Some(at(1_700_000_000 + (i * 60) as i64)),
                    content_html: "<p>x</p>".into(),
                    ..Item::default()
                })
                .collect();
            s.apply_fetch(
                &format!("Feed {f}"),
                &url(f),
                &feed(items),
                &FeedState::default(),
                now(),
            )
            .expect("merge");
        }
        let plan = s.headlines_query_plan().expect("plan");
        assert_index_plan(&plan);
        s.optimize().expect("optimize");
    }
    let s = open(&path);
    assert_index_plan(&s.headlines_query_plan().expect("plan"));
    let h = s.headlines(&url(42), 50).expect("headlines");
    assert_eq!(h.len(), 50);
    assert_eq!(h[0].title, format!("Feed 42 item {}", per_feed - 1));
    let counts = s.unread_counts().expect("counts");
    assert_eq!(counts.len(), feeds);
    assert!(counts.values().all(|&n| n as usize == per_feed));
}

fn assert_index_plan(plan: &str) {
    assert!(plan.contains("USING INDEX articles_by_time"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "no sort step: {plan}");
    assert!(!plan.contains("SCAN articles"), "no table scan: {plan}");
}

#[test]
fn filtered_headlines_reach_past_the_first_page() {
    let mut s = Store::open_in_memory().expect("store");
    let t = now().timestamp();
    let items: Vec<Item> = (0..30)
        .map(|i| item(&format!("{i}"), &format!("Story {i}"), Some(t - i * 60)))
        .collect();
    s.apply_fetch("Test", URL, &feed(items), &FeedState::default(), now())
        .expect("merge");
    let all = s.headlines(URL, 100).expect("headlines");
    for h in &all[..25] {
        s.set_read(h.id, true).expect("read");
    }
    s.set_starred(all[29].id, true).expect("star");
    let unread = s.headlines_only(URL, Only::Unread, 3).expect("unread");
    let titles: Vec<&str> = unread.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(titles, ["Story 25", "Story 26", "Story 27"]);
    let starred = s.headlines_only(URL, Only::Starred, 10).expect("starred");
    assert_eq!(starred.len(), 1);
    assert_eq!(starred[0].title, "Story 29");
    assert_eq!(
        s.headlines_only(URL, Only::All, 100).expect("all"),
        s.headlines(URL, 100).expect("headlines")
    );
}

#[test]
fn a_file_that_is_not_a_newsroom_cache_is_refused_not_moved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes").expect("write");
    let e = Store::open(&notes).expect_err("not a cache");
    assert!(matches!(e, StoreError::NotACache { .. }), "{e:?}");
    assert!(e.to_string().contains("not a newsroom cache"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&notes).expect("still there"),
        "my notes"
    );
    // Another program's SQLite database, of any schema version, is left alone too.
    let other = dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&other).expect("raw open");
        conn.execute_batch("CREATE TABLE t(x); PRAGMA user_version = 99;")
            .expect("schema");
    }
    let e = Store::open(&other).expect_err("foreign");
    assert!(matches!(e, StoreError::Foreign { .. }), "{e:?}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("corrupt") || n.contains("newer")),
        "{names:?}"
    );
}

#[cfg(unix)]
#[test]
fn devices_and_fifos_are_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let mut paths = vec![
        Path::new("/dev/null").to_path_buf(),
        dir.path().to_path_buf(),
    ];
    if made.is_ok_and(|s| s.success()) {
        paths.push(fifo);
    }
    for path in paths {
        let e = Store::open(&path).expect_err("not a file");
        assert!(
            matches!(e, StoreError::NotAFile { .. }),
            "{}: {e:?}",
            path.display()
        );
        assert!(path.exists(), "left where it was");
    }
}

#[cfg(unix)]
#[test]
fn a_new_cache_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fresh/inner/newsroom.db");
    let s = open(&path);
    drop(s);
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("fresh/inner")), 0o700);
    assert_eq!(mode(&dir.path().join("fresh")), 0o700);
}

#[test]
fn a_cache_that_cannot_be_written_is_read_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newsroom.db");
    {
        let mut s = open(&path);
        s.apply_fetch(
            "Test",
            URL,
            &feed(vec![item("1", "One", None)]),
            &FeedState::default(),
            now(),
        )
        .expect("merge");
    }
    let mut ro = Store::open_read_only(&path).expect("read-only open");
    assert_eq!(titles(&ro, URL), ["One"]);
    let id = ro.headlines(URL, 10).expect("headlines")[0].id;
    assert!(ro.set_read(id, true).is_err(), "nothing is written");

    // The same through `open`, where the folder really is read-only (not for root, whom
    // permissions do not stop).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set = |m| std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(m));
        set(0o555).expect("chmod");
        if std::fs::write(dir.path().join("probe"), "x").is_ok() {
            eprintln!("SKIPPED: read-only folder (running as root, permissions do not apply)");
        } else {
            let (s, notice) = Store::open(&path).expect("opens read-only");
            assert!(notice.expect("one line").contains("read-only"));
            assert_eq!(titles(&s, URL), ["One"]);
        }
        set(0o755).expect("chmod back");
    }
}
