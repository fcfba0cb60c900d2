//! Enclosures (podcasts, video) and Media RSS, from real feeds in `tests/fixtures/corpus/`:
//! parsed per format, kept in the cache, and handed to the user's command (URL as one
//! argument, no token in its environment).

use std::path::Path;

use newsroom::feed::{self, Feed};
use newsroom::model::Enclosure;

fn parse_fixture(rel: &str) -> Feed {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    feed::parse(&bytes, None).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn enclosure(url: &str, mime: Option<&str>, length: Option<u64>) -> Enclosure {
    Enclosure {
        url: url.into(),
        mime: mime.map(Into::into),
        length,
    }
}

#[test]
fn rss_podcast_enclosures_once_each_with_type_and_size() {
    // Each episode has `<enclosure>` and a `media:content` of the same file: listed once.
    let f = parse_fixture("corpus/real/giantbomb-podcast-rss-parser.xml");
    assert_eq!(f.items.len(), 730);
    assert_eq!(
        f.items[0].enclosures,
        [enclosure(
            "https://dts.podtrac.com/redirect.mp3/www.giantbomb.com/podcasts/download/2823/603__Call_of_Tuesday-10-01-2019-6277737276.mp3",
            Some("audio/mpeg"),
            Some(105_003_355),
        )]
    );
    assert!(f.items.iter().all(|i| i.enclosures.len() == 1));
    let bbc = parse_fixture("feeds/bbc-in-our-time-feed-rs.xml");
    assert_eq!(
        bbc.items[0].enclosures,
        [enclosure(
            "http://open.live.bbc.co.uk/mediaselector/6/redir/version/2.0/mediaset/audio-nondrm-download/proto/http/vpid/p097wt5b.mp3",
            Some("audio/mpeg"),
            Some(50_496_000),
        )]
    );
}

#[test]
fn rss_several_enclosures_in_the_lenient_reader_too() {
    let f = parse_fixture("corpus/feedparser/wellformed/rss/item_enclosure_multiple.xml");
    // The `rss` crate keeps one enclosure per item (the last): RSS 2.0 allows only one.
    let urls: Vec<_> = f.items[0]
        .enclosures
        .iter()
        .map(|e| e.url.as_str())
        .collect();
    assert_eq!(urls, ["http://example.com/2"]);
    // The lenient reader (here: an unclosed tag the crate refuses) keeps every one.
    let lenient = feed::parse(
        br#"<rss version="2.0"><channel><item><title>t</title>
            <enclosure url="http://example.com/1" length="100000" type="image/jpeg" />
            <enclosure url="http://example.com/2" length="200000" type="image/gif" >
            </item></channel></rss>"#,
        None,
    )
    .unwrap();
    assert_eq!(
        lenient.items[0].enclosures,
        [
            enclosure("http://example.com/1", Some("image/jpeg"), Some(100_000)),
            enclosure("http://example.com/2", Some("image/gif"), Some(200_000)),
        ]
    );
}

#[test]
fn atom_link_rel_enclosure() {
    let f = parse_fixture(
        "corpus/feedparser/wellformed/atom10/entry_link_rel_enclosure_map_enclosure_length.xml",
    );
    assert_eq!(
        f.items[0].enclosures,
        [enclosure(
            "http://www.example.com/movie.mp4",
            Some("video/mpeg4"),
            Some(42_301)
        )]
    );
}

#[test]
fn json_feed_attachments() {
    let f = parse_fixture("corpus/feedparser/json/example.json");
    assert_eq!(
        f.items[0].enclosures,
        [enclosure(
            "https://example.org/second-item-show.mp4",
            Some("video/mp4"),
            Some(12_000_000)
        )]
    );
    assert!(f.items[1].enclosures.is_empty());
}

#[test]
fn youtube_media_group_is_the_video_and_its_description_the_text() {
    for rel in [
        "corpus/real/youtube-feed-rs.xml",
        "corpus/real/youtube-channel-FeedReader.xml",
        "corpus/real/youtube-google-feedjira.xml",
    ] {
        let f = parse_fixture(rel);
        assert!(!f.items.is_empty(), "{rel}");
        for item in &f.items {
            // The video, not its thumbnail.
            assert_eq!(item.enclosures.len(), 1, "{rel}: {:?}", item.enclosures);
            assert!(
                item.enclosures[0]
                    .url
                    .starts_with("https://www.youtube.com/v/"),
                "{rel}: {:?}",
                item.enclosures[0]
            );
        }
    }
    let f = parse_fixture("corpus/real/youtube-feed-rs.xml");
    let text = feed::article_text(&f.items[0].content_html);
    assert!(
        text.contains("Check Out Weathered on PBS Terra"),
        "the media:description is the text: {text:?}"
    );
}

#[test]
fn media_description_in_a_lenient_atom_03_feed() {
    let f = parse_fixture("corpus/feedparser/wellformed/media-rss/media_group.xml");
    assert_eq!(
        feed::article_text(&f.items[0].content_html).trim(),
        "Test Description"
    );
}

#[test]
fn media_description_does_not_replace_the_feeds_own_text() {
    let f = feed::parse(
        br#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item>
            <title>t</title><description>The feed's own words</description>
            <media:description>Other words</media:description>
            <media:content url="https://cdn.example/a.jpg" medium="image"/>
            <media:content url="https://cdn.example/a.mp4" type="video/mp4" fileSize="77"/>
            </item></channel></rss>"#,
        None,
    )
    .unwrap();
    let item = &f.items[0];
    assert!(item.content_html.contains("The feed's own words"));
    assert_eq!(
        item.enclosures,
        [enclosure(
            "https://cdn.example/a.mp4",
            Some("video/mp4"),
            Some(77)
        )]
    );
}

// ---- the cache ----

use chrono::{DateTime, Utc};
use newsroom::feed::Item;
use newsroom::store::{FeedState, SCHEMA_VERSION, Store};

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

fn item(id: &str, published: Option<i64>, enclosures: Vec<Enclosure>) -> Item {
    Item {
        id: Some(id.into()),
        title: format!("story {id}"),
        link: Some(format!("https://example.com/{id}")),
        published: published.map(at),
        author: None,
        content_html: format!("<p>{id}</p>"),
        enclosures,
    }
}

fn feed(items: Vec<Item>) -> Feed {
    Feed {
        title: "Pod".into(),
        items,
        ..Feed::default()
    }
}

const URL: &str = "https://pod.example/feed";

fn apply(s: &mut Store, items: Vec<Item>, now: i64) {
    s.apply_fetch("Pod", URL, &feed(items), &FeedState::default(), at(now))
        .unwrap();
}

fn id_of(s: &Store, title: &str) -> i64 {
    s.headlines(URL, 100)
        .unwrap()
        .into_iter()
        .find(|h| h.title == title)
        .unwrap()
        .id
}

#[test]
fn enclosures_are_kept_with_the_article_and_follow_the_feed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newsroom.db");
    let ep = enclosure("https://cdn.example/1.mp3", Some("audio/mpeg"), Some(9_000));
    {
        let (mut s, _) = Store::open(&path).unwrap();
        apply(
            &mut s,
            vec![
                item("a", Some(1_000), vec![ep.clone()]),
                item("b", Some(900), vec![]),
            ],
            2_000,
        );
    }
    // Reopened: the file has them, at the schema version of this build.
    let (mut s, _) = Store::open(&path).unwrap();
    let v: u32 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    let a = id_of(&s, "story a");
    assert_eq!(s.article(a).unwrap().unwrap().enclosures, [ep]);
    assert!(
        s.article(id_of(&s, "story b"))
            .unwrap()
            .unwrap()
            .enclosures
            .is_empty()
    );
    // The feed changes the file, then drops it: the cache follows.
    let ep2 = enclosure("https://cdn.example/1-fixed.mp3", Some("audio/mpeg"), None);
    apply(
        &mut s,
        vec![item("a", Some(1_000), vec![ep2.clone()])],
        3_000,
    );
    assert_eq!(s.article(a).unwrap().unwrap().enclosures, [ep2]);
    apply(&mut s, vec![item("a", Some(1_000), vec![])], 4_000);
    assert!(s.article(a).unwrap().unwrap().enclosures.is_empty());
}

#[test]
fn undated_articles_are_placed_where_they_were_first_seen() {
    let mut s = Store::open_in_memory().unwrap();
    // First fetch at t=10,000: two dated stories.
    apply(
        &mut s,
        vec![
            item("old", Some(5_000), vec![]),
            item("older", Some(4_000), vec![]),
        ],
        10_000,
    );
    // At t=20,000 an undated story appears, beside one dated before it was seen and one
    // dated after (a future date, as some feeds give).
    apply(
        &mut s,
        vec![
            item("later", Some(30_000), vec![]),
            item("undated", None, vec![]),
            item("between", Some(15_000), vec![]),
            item("old", Some(5_000), vec![]),
            item("older", Some(4_000), vec![]),
        ],
        20_000,
    );
    // A later fetch does not move it: it stays where it was first seen.
    apply(
        &mut s,
        vec![
            item("undated", None, vec![]),
            item("newest", Some(25_000), vec![]),
        ],
        40_000,
    );
    let titles: Vec<String> = s
        .headlines(URL, 100)
        .unwrap()
        .into_iter()
        .map(|h| h.title)
        .collect();
    assert_eq!(
        titles,
        [
            "story later",
            "story newest",
            "story undated",
            "story between",
            "story old",
            "story older"
        ]
    );
}

#[test]
fn mark_all_read_says_what_it_changed_and_undo_restores_only_that() {
    let mut s = Store::open_in_memory().unwrap();
    apply(
        &mut s,
        vec![
            item("a", Some(3), vec![]),
            item("b", Some(2), vec![]),
            item("c", Some(1), vec![]),
        ],
        100,
    );
    let (a, b, c) = (
        id_of(&s, "story a"),
        id_of(&s, "story b"),
        id_of(&s, "story c"),
    );
    s.set_read(b, true).unwrap();
    let mut changed = s.mark_all_read(URL).unwrap();
    changed.sort_unstable();
    let mut want = vec![a, c];
    want.sort_unstable();
    assert_eq!(changed, want, "b was read before: not changed");
    assert_eq!(s.unread_counts().unwrap()[URL], 0);
    // A refresh in between brings a new (unread) article.
    apply(
        &mut s,
        vec![item("d", Some(4), vec![]), item("a", Some(3), vec![])],
        200,
    );
    s.mark_unread(&changed).unwrap();
    let read: Vec<(String, bool)> = s
        .headlines(URL, 100)
        .unwrap()
        .into_iter()
        .map(|h| (h.title, h.read))
        .collect();
    assert_eq!(
        read,
        [
            ("story d".to_owned(), false),
            ("story a".to_owned(), false),
            ("story b".to_owned(), true),
            ("story c".to_owned(), false),
        ]
    );
    assert_eq!(s.unread_counts().unwrap()[URL], 3);
}

// ---- the command ----

#[cfg(unix)]
#[test]
fn the_enclosure_command_gets_the_url_as_one_argument_and_no_token() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    let script = dir.path().join("player");
    // Writes each argument on its own line, then every *TOKEN* variable it can see.
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf 'arg:%s\\n' \"$a\"; done > '{0}'\nenv | grep TOKEN >> '{0}'\nexit 0\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let url = "https://cdn.example/ep 1.mp3?a=1;touch${IFS}pwned&b=$(id)";
    let argv = vec![
        script.display().to_string(),
        "--no-video".into(),
        "--".into(),
    ];
    let mut cmd = newsroom::player::command(&argv, url).unwrap();
    // The token variables are removed from the child's environment, whatever the reader's
    // own environment holds (not touched here: other tests share it).
    let removed: Vec<String> = cmd
        .get_envs()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .collect();
    for var in newsroom::browser::SECRET_VARS {
        assert!(
            removed.iter().any(|r| r == var),
            "{var} is not removed: {removed:?}"
        );
    }
    assert!(cmd.status().unwrap().success(), "the player ran");
    let got = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        got,
        format!("arg:--no-video\narg:--\narg:{url}\n"),
        "three arguments, the URL whole as the last; no token variable"
    );
    assert!(!dir.path().join("pwned").exists());
}
