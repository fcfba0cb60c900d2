//! The views across publications in the real cache: every unread and every starred article,
//! newest first, only from the publications shown, each through its own partial index.

use chrono::{DateTime, Utc};
use newsroom::config::CacheConfig;
use newsroom::feed::{Feed, Item};
use newsroom::model::View;
use newsroom::store::{FeedState, Store};

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("valid timestamp")
}

fn url(f: usize) -> String {
    format!("http://127.0.0.1:1/feed{f}.xml")
}

/// `per_feed` items a feed, item `i` of feed `f` published at `base + i * 60 + f`.
fn fill(s: &mut Store, feeds: usize, per_feed: usize) {
    s.set_retention(&CacheConfig {
        max_articles_per_feed: per_feed,
        max_age: None,
    });
    for f in 0..feeds {
        let items = (0..per_feed)
            .map(|i| Item {
                id: Some(format!("{f}-{i}")),
                title: format!("Feed {f} item {i}"),
                published: Some(at(1_700_000_000 + (i * 60 + f) as i64)),
                content_html: "<p>x</p>".into(),
                ..Item::default()
            })
            .collect();
        let feed = Feed {
            title: format!("Feed {f}"),
            items,
            ..Feed::default()
        };
        s.apply_fetch(
            &format!("Feed {f}"),
            &url(f),
            &feed,
            &FeedState::default(),
            at(1_800_000_000),
        )
        .expect("merge");
    }
}

fn titles(s: &Store, view: View, pubs: &[String], limit: usize) -> Vec<String> {
    s.view(view, pubs, limit)
        .expect("view")
        .into_iter()
        .map(|r| r.headline.title)
        .collect()
}

#[test]
fn views_list_unread_and_starred_across_the_publications_shown_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newsroom.db");
    let shown = vec![url(0), url(1)];
    {
        let (mut s, _) = Store::open(&path).unwrap();
        fill(&mut s, 3, 3); // feed 2 is in the cache but no longer in the config
        let first = s.view(View::Unread, &shown, 10).unwrap();
        assert_eq!(
            first
                .iter()
                .map(|r| r.headline.title.as_str())
                .collect::<Vec<_>>(),
            [
                "Feed 1 item 2",
                "Feed 0 item 2",
                "Feed 1 item 1",
                "Feed 0 item 1",
                "Feed 1 item 0",
                "Feed 0 item 0"
            ]
        );
        assert_eq!(
            first[0].publication,
            url(1),
            "each row names its publication"
        );
        assert_eq!(titles(&s, View::Unread, &shown, 2).len(), 2, "LIMIT holds");
        // Read ones leave the unread view; starred ones make the starred view.
        s.set_read(first[0].headline.id, true).unwrap();
        s.set_starred(first[1].headline.id, true).unwrap();
        s.set_starred(first[5].headline.id, true).unwrap();
        s.set_read(first[5].headline.id, true).unwrap();
        assert_eq!(s.starred_count(&shown).unwrap(), 2);
        assert_eq!(s.starred_count(&[url(1)]).unwrap(), 0);
    }
    // Across a reopen, as the reader starts.
    let (s, _) = Store::open(&path).unwrap();
    let unread = titles(&s, View::Unread, &shown, 10);
    assert_eq!(unread.len(), 4);
    assert!(!unread.contains(&"Feed 1 item 2".to_owned()));
    assert_eq!(
        titles(&s, View::Starred, &shown, 10),
        ["Feed 0 item 2", "Feed 0 item 0"],
        "starred, read or not"
    );
    assert!(
        titles(&s, View::Unread, &[], 10).is_empty(),
        "no publications shown, nothing listed"
    );
}

#[test]
fn each_view_reads_its_page_through_its_partial_index_without_sorting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newsroom.db");
    let (mut s, _) = Store::open(&path).unwrap();
    fill(&mut s, 20, 200);
    s.optimize().unwrap(); // the planner's statistics, as a long-used cache has them
    for (view, index) in [
        (View::Unread, "articles_unread"),
        (View::Starred, "articles_starred"),
    ] {
        let plan = s.view_query_plan(view).unwrap();
        assert!(plan.contains(&format!("USING INDEX {index}")), "{plan}");
        assert!(
            !plan.contains("TEMP B-TREE"),
            "no sort of the whole view:\n{plan}"
        );
    }
    let pubs: Vec<String> = (0..20).map(url).collect();
    let page = titles(&s, View::Unread, &pubs, 500);
    assert_eq!(page.len(), 500);
    assert_eq!(page[0], "Feed 19 item 199");
}
