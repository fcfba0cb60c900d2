//! Search on real cache files: what is indexed is what the reader sees (no markup, entities
//! decoded), case and accents fold in every script, phrases and exclusions, filters, ranking,
//! the index kept in step with the articles, the one-time migration of a cache made before
//! search, the as-you-type worker, and `newsroom search`.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use newsroom::config::CacheConfig;
use newsroom::feed::{Feed, Item};
use newsroom::search::{Request, Searcher};
use newsroom::store::{FeedState, Only, SCHEMA_VERSION, SharedStore, Store};

const URL: &str = "http://127.0.0.1:1/daily.xml";

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    at(1_800_000_000)
}

fn item(id: &str, title: &str, html: &str, age_days: i64) -> Item {
    Item {
        id: Some(id.into()),
        title: title.into(),
        link: Some(format!("https://example.com/{id}")),
        published: Some(at(1_800_000_000 - age_days * 86_400)),
        author: Some("Desk".into()),
        content_html: html.into(),
        enclosures: Vec::new(),
    }
}

fn feed(items: Vec<Item>) -> Feed {
    Feed {
        title: "Daily".into(),
        items,
        ..Feed::default()
    }
}

fn store_with(items: Vec<Item>) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::open(&dir.path().join("cache.db")).unwrap();
    store
        .apply_fetch(
            "Daily News",
            URL,
            &feed(items),
            &FeedState::default(),
            now(),
        )
        .unwrap();
    (dir, store)
}

fn found(store: &Store, query: &str) -> Vec<String> {
    found_only(store, query, Only::All)
}

fn found_only(store: &Store, query: &str, only: Only) -> Vec<String> {
    store
        .search(query, only, 100, now())
        .unwrap_or_else(|e| panic!("{query:?}: {e}"))
        .into_iter()
        .map(|h| h.headline.title)
        .collect()
}

fn everyday() -> Vec<Item> {
    vec![
        item(
            "1",
            "Storm hits the coast",
            "<div class=\"story\"><p>Heavy rain and <a href=\"https://example.com/x\">wind</a>: \
             who&#8217;s to blame?</p><script>var hidden = 1;</script></div>",
            1,
        ),
        item(
            "2",
            "Оренбург встречает весну",
            "<p>В Оренбурге тепло &amp; солнечно.</p>",
            2,
        ),
        item(
            "3",
            "Café culture in Zürich",
            "<p>A cr&egrave;me br&ucirc;l&eacute;e and a long <b>storm</b> of tourists.</p>",
            3,
        ),
        item(
            "4",
            "Markets calm",
            "<p>The <span>indexes</span> held.</p>",
            4,
        ),
    ]
}

#[test]
fn markup_is_not_matched_and_entities_are() {
    let (_dir, store) = store_with(everyday());
    for markup in [
        "href", "div", "class", "story", "span", "script", "hidden", "amp", "8217",
    ] {
        assert_eq!(found(&store, markup), Vec::<String>::new(), "{markup}");
    }
    for q in ["who’s", "who's", "whos", "blame"] {
        // "whos" is no word of the text: only the two spellings of the apostrophe match.
        let want = if q == "whos" {
            vec![]
        } else {
            vec!["Storm hits the coast"]
        };
        assert_eq!(found(&store, q), want, "{q}");
    }
    assert_eq!(found(&store, "who&#8217;s"), Vec::<String>::new());
    assert_eq!(found(&store, "wind"), ["Storm hits the coast"]);
}

#[test]
fn cyrillic_and_accented_text_fold_case_and_diacritics() {
    let (_dir, store) = store_with(everyday());
    for q in ["оренбург", "ОРЕНБУРГ", "Оренбург", "оренбурге", "солнечно"]
    {
        assert_eq!(found(&store, q), ["Оренбург встречает весну"], "{q}");
    }
    for q in ["cafe", "CAFÉ", "zurich", "ZÜRICH", "creme brulee", "crème"] {
        assert_eq!(found(&store, q), ["Café culture in Zürich"], "{q}");
    }
}

#[test]
fn prefixes_phrases_and_exclusions() {
    let (_dir, store) = store_with(everyday());
    // As you type: every word is a prefix.
    assert_eq!(
        found(&store, "sto"),
        ["Storm hits the coast", "Café culture in Zürich"]
    );
    assert_eq!(found(&store, "storm coa"), ["Storm hits the coast"]);
    // Shorter words are whole words: two letters match nearly everything as a prefix.
    assert!(found(&store, "ca").is_empty());
    assert_eq!(found(&store, "caf"), ["Café culture in Zürich"]);
    // Phrases: in order and adjacent.
    assert_eq!(found(&store, "\"storm hits\""), ["Storm hits the coast"]);
    assert!(found(&store, "\"hits storm\"").is_empty());
    assert_eq!(found(&store, "\"long storm\""), ["Café culture in Zürich"]);
    // A phrase still being typed: its last word is a prefix.
    assert_eq!(found(&store, "\"long sto"), ["Café culture in Zürich"]);
    // Exclusions, of words and of phrases.
    assert_eq!(found(&store, "storm -rain"), ["Café culture in Zürich"]);
    assert_eq!(
        found(&store, "storm -\"long storm\""),
        ["Storm hits the coast"]
    );
    assert!(
        found(&store, "-rain").is_empty(),
        "exclusions alone find nothing"
    );
    // The publication and the author are searched too.
    assert_eq!(found(&store, "daily").len(), 4);
    assert_eq!(found(&store, "desk markets"), ["Markets calm"]);
}

#[test]
fn no_query_text_is_syntax() {
    let (_dir, store) = store_with(everyday());
    for q in [
        "\"",
        ":",
        "*",
        "storm\"",
        "\"\"",
        "title:storm",
        "NEAR(storm coast)",
        "storm AND",
        "OR",
        "(",
        "^storm",
        "-",
        "--",
        "st*rm",
        "{title}: x",
        "\u{0}",
    ] {
        // Never an error; words still match where there are any.
        store
            .search(q, Only::All, 10, now())
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    assert_eq!(
        found(&store, "title:storm").len(),
        0,
        "'title' is a word here, not a column"
    );
    assert!(
        found(&store, "NEAR(storm coast)").is_empty(),
        "'near' is a word here"
    );
    assert_eq!(
        found(&store, "storm\"").len(),
        2,
        "a stray quote is ignored"
    );
}

#[test]
fn filters_apply_to_results() {
    let (_dir, mut store) = store_with(everyday());
    let ids: Vec<i64> = store
        .search("storm", Only::All, 10, now())
        .unwrap()
        .into_iter()
        .map(|h| h.headline.id)
        .collect();
    store.set_read(ids[0], true).unwrap();
    store.set_starred(ids[1], true).unwrap();
    assert_eq!(
        found_only(&store, "storm", Only::Unread),
        ["Café culture in Zürich"]
    );
    assert_eq!(
        found_only(&store, "storm", Only::Starred),
        ["Café culture in Zürich"]
    );
    store.set_starred(ids[1], false).unwrap();
    assert!(found_only(&store, "storm", Only::Starred).is_empty());
}

#[test]
fn relevance_and_recency_both_rank() {
    let (_dir, store) = store_with(vec![
        item(
            "old-title",
            "Eclipse seen across the country",
            "<p>Sky.</p>",
            300,
        ),
        item("new-body", "Evening news", "<p>An eclipse, briefly.</p>", 0),
        item("new-title", "Eclipse tonight", "<p>Sky.</p>", 0),
    ]);
    assert_eq!(
        found(&store, "eclipse"),
        // A fresh title match first, a fresh body match over a year-old title match.
        [
            "Eclipse tonight",
            "Evening news",
            "Eclipse seen across the country"
        ]
    );
}

#[test]
fn the_index_follows_updates_retention_renames_and_removal() {
    let (dir, mut store) = store_with(everyday());
    // An article whose title and body change is found by the new words only.
    let mut changed = everyday();
    changed[3] = item("4", "Markets jump", "<p>Shares rallied.</p>", 4);
    store
        .apply_fetch(
            "Daily News",
            URL,
            &feed(changed.clone()),
            &FeedState::default(),
            now(),
        )
        .unwrap();
    assert!(found(&store, "calm").is_empty());
    assert!(found(&store, "indexes").is_empty());
    assert_eq!(found(&store, "rallied"), ["Markets jump"]);
    // A renamed publication is found by its new name.
    store.sync_publications([("Morning Post", URL)]).unwrap();
    assert!(found(&store, "daily").is_empty());
    assert_eq!(found(&store, "morning post").len(), 4);
    // Retention: articles dropped from the cache are dropped from the index.
    store.set_retention(&CacheConfig {
        max_articles_per_feed: 1,
        max_age: None,
    });
    store
        .apply_fetch(
            "Morning Post",
            URL,
            &feed(vec![item("5", "Fresh", "<p>New.</p>", 0)]),
            &FeedState::default(),
            now(),
        )
        .unwrap();
    assert_eq!(found(&store, "morning"), ["Fresh"]);
    assert!(found(&store, "storm").is_empty());
    // The index holds no more rows than there are articles, and survives a reopen.
    drop(store);
    let (store, _) = Store::open(&dir.path().join("cache.db")).unwrap();
    assert_eq!(found(&store, "fresh"), ["Fresh"]);
    assert_eq!(store.search_backlog().unwrap(), 0);
}

fn v1_copy(dir: &Path) -> PathBuf {
    let path = dir.join("cache.db");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store/cache-v1.db"),
        &path,
    )
    .unwrap();
    path
}

#[test]
fn a_cache_made_before_search_is_migrated_and_a_stop_midway_leaves_it_usable() {
    let dir = tempfile::tempdir().unwrap();
    let path = v1_copy(dir.path());
    let (mut store, notice) = Store::open(&path).unwrap();
    assert_eq!(notice, None);
    // The schema moved on at once; the articles are indexed by the backlog, not at open.
    assert_eq!(store.search_backlog().unwrap(), 4);
    assert!(found(&store, "storm").is_empty());
    // One batch, then a "crash": the newest article is indexed and found, the cache is whole.
    assert_eq!(store.index_backlog(1).unwrap(), 3);
    drop(store);
    let (mut store, _) = Store::open(&path).unwrap();
    assert_eq!(found(&store, "markets"), ["Markets calm"]);
    assert_eq!(store.search_backlog().unwrap(), 3);
    assert_eq!(store.headlines(URL, 10).unwrap().len(), 3, "nothing lost");
    // A refresh while the backlog is unfinished: its retention may drop unindexed articles.
    store.set_retention(&CacheConfig {
        max_articles_per_feed: 1,
        max_age: None,
    });
    let again = Feed {
        items: vec![Item {
            id: Some("a1".into()),
            title: "Storm hits the coast".into(),
            link: Some("https://example.com/a1".into()),
            published: Some(at(1_789_990_000)),
            author: Some("Ann Lee".into()),
            content_html: "<p>Heavy rain: who&#8217;s to blame?</p>".into(),
            enclosures: Vec::new(),
        }],
        ..Feed::default()
    };
    store
        .apply_fetch(
            "Daily News",
            URL,
            &again,
            &FeedState::default(),
            at(1_790_000_000),
        )
        .unwrap();
    // The rest, then every search case works on the migrated cache.
    newsroom::search::index_backlog(&mut store).unwrap();
    assert_eq!(store.search_backlog().unwrap(), 0);
    assert_eq!(found(&store, "who’s"), ["Storm hits the coast"]);
    assert!(found(&store, "href").is_empty());
    assert!(
        found(&store, "оренбург").is_empty(),
        "dropped by retention, and from the index"
    );
    assert_eq!(
        found(&store, "markets"),
        ["Markets calm"],
        "another publication's"
    );
    // Read and starred flags came through the migration.
    let starred = found_only(&store, "markets", Only::Starred);
    assert_eq!(starred, ["Markets calm"]);
    let v: u32 = SCHEMA_VERSION;
    assert!(v >= 2);
}

#[test]
fn the_migrated_fixture_answers_every_case() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::open(&v1_copy(dir.path())).unwrap();
    newsroom::search::index_backlog(&mut store).unwrap();
    assert_eq!(found(&store, "оренбург"), ["Оренбург встречает весну"]);
    assert_eq!(found(&store, "zurich creme"), ["Café culture in Zürich"]);
    assert_eq!(found(&store, "who’s"), ["Storm hits the coast"]);
    assert!(found(&store, "div").is_empty());
    assert_eq!(found(&store, "storm -blame"), ["Café culture in Zürich"]);
    // The fixture has article 1 (the café) read: the unread filter leaves it out.
    assert_eq!(
        found_only(&store, "storm", Only::Unread),
        ["Storm hits the coast"]
    );
}

#[test]
fn the_searcher_runs_only_the_newest_waiting_query() {
    // A cache in memory shares its one connection: holding it keeps the worker waiting while
    // keystrokes pile up, which a file cache's own connection never would.
    let store = SharedStore::new(Store::open_in_memory().unwrap());
    store
        .lock()
        .apply_fetch(
            "Daily News",
            URL,
            &feed(everyday()),
            &FeedState::default(),
            now(),
        )
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let searcher = Searcher::start(&store, move |generation, result| {
        let titles: Vec<String> = result
            .unwrap()
            .into_iter()
            .map(|h| h.headline.title)
            .collect();
        tx.send((generation, titles)).unwrap();
    });
    let request = |generation, query: &str| Request {
        query: query.into(),
        only: Only::All,
        limit: 10,
        generation,
        now: now(),
    };
    let held = store.lock();
    for (g, q) in (1..).zip(["s", "st", "sto", "stor", "storm", "storm co", "storm coa"]) {
        searcher.submit(request(g, q));
    }
    drop(held);
    let mut answers = Vec::new();
    loop {
        let (g, titles) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        answers.push(g);
        if g == 7 {
            assert_eq!(titles, ["Storm hits the coast"]);
            break;
        }
    }
    // The first may already have been taken when the store was held; none between ran.
    assert!(answers == [7] || answers == [1, 7], "{answers:?}");
    assert!(
        rx.recv_timeout(Duration::from_millis(50)).is_err(),
        "nothing after the newest"
    );
}

#[test]
fn the_searcher_reads_a_file_cache_on_its_own_connection() {
    let (dir, store) = store_with(everyday());
    let store = SharedStore::new(store);
    let (tx, rx) = mpsc::channel();
    let searcher = Searcher::start(&store, move |g, r| {
        tx.send((g, r.map(|h| h.len()))).unwrap();
    });
    // The main connection held (as by a long merge) does not hold up a search.
    let _held = store.lock();
    searcher.submit(Request {
        query: "storm".into(),
        only: Only::All,
        limit: 10,
        generation: 1,
        now: now(),
    });
    let (g, n) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!((g, n.unwrap()), (1, 2));
    drop(dir);
}

fn newsroom(db: &Path, args: &[&str]) -> std::process::Output {
    crate::support::newsroom_in(db.parent().unwrap())
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn newsroom_search_prints_hits_as_text_or_json_and_exits_1_on_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = v1_copy(dir.path());
    // The first search migrates the cache; then one JSON object per hit per line.
    let out = newsroom(&db, &["search", "--json", "storm"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["title"], "Storm hits the coast");
    assert_eq!(lines[0]["publication"], "Daily News");
    assert_eq!(lines[0]["link"], "https://example.com/a1");
    assert_eq!(lines[1]["read"], true);
    // Words as separate arguments, exclusions after `--`; text is tab-separated.
    let out = newsroom(&db, &["search", "--", "storm", "-rain"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("\tDaily News\tCafé culture in Zürich\thttps://example.com/a3"),
        "{text}"
    );
    let out = newsroom(&db, &["search", "--starred", "markets"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
    // Nothing found: nothing printed, exit 1, like grep.
    let out = newsroom(&db, &["search", "--json", "href"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}
