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
    let urls: Vec<_> = f.items[0].enclosures.iter().map(|e| e.url.as_str()).collect();
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
                item.enclosures[0].url.starts_with("https://www.youtube.com/v/"),
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
    assert_eq!(feed::article_text(&f.items[0].content_html).trim(), "Test Description");
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
        [enclosure("https://cdn.example/a.mp4", Some("video/mp4"), Some(77))]
    );
}
