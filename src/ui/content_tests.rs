//! Render snapshots (ratatui `TestBackend`, 80x24) of issue 14's content views: an article with
//! an enclosure, the messages view, headlines with a future date and an undated article, all
//! in a time zone passed in (never the process environment).

use chrono::{DateTime, Duration, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::article::Clock;
use crate::app::{self, ArticleView, Focus, KeyMap, Msg, Session, State};
use crate::model::{Article, Enclosure, Headline};
use crate::timefmt::TimeZone;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-14T09:30:00Z")
        .unwrap()
        .to_utc()
}

/// New York, as a `TZ` value would give it; no time zone database needed.
fn new_york() -> TimeZone {
    TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap()
}

fn headline(id: i64, title: &str, published: Option<DateTime<Utc>>, read: bool) -> Headline {
    Headline {
        id,
        title: title.into(),
        link: Some(format!("https://podcasts.example/episodes/{id}")),
        published,
        read,
        starred: false,
    }
}

fn base() -> State {
    let mut s = State::new(
        [
            (
                "Giant Bombcast".to_owned(),
                "https://gb.example/feed".to_owned(),
            ),
            (
                "PBS Space Time".to_owned(),
                "https://yt.example/feed".to_owned(),
            ),
        ],
        KeyMap::default(),
        now(),
        (80, 24),
    );
    s.zone = new_york();
    s.pubs[0].unread = 2;
    s.last_refresh = Some(now() - Duration::minutes(2));
    s.session = Session::SignedIn {
        login: "octocat".into(),
    };
    // In the order the cache gives them: the undated one where it was first seen (an hour
    // ago), between the stories published before and after.
    s.headlines = vec![
        headline(
            4,
            "Giant Bombcast 604: scheduled for tomorrow",
            Some(now() + Duration::hours(20)),
            false,
        ),
        headline(
            3,
            "Giant Bombcast 603: Call of Tuesday",
            Some(now() - Duration::minutes(20)),
            false,
        ),
        headline(5, "Bonus episode (the feed gives no date)", None, true),
        headline(
            2,
            "Giant Bombcast 602: Easy Chicken",
            Some(now() - Duration::days(3)),
            true,
        ),
    ];
    s.headlines_of = Some(s.pubs[0].url.clone());
    s
}

fn render(state: &State) -> String {
    let (w, h) = state.viewport;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::draw(f, state)).unwrap();
    format!("{}", t.backend())
}

#[test]
fn headlines_with_a_future_date_and_an_undated_article() {
    let s = base();
    let screen = render(&s);
    assert!(screen.contains("in 20h"), "{screen}");
    assert!(
        screen.contains("Updated 05:28 EDT"),
        "New York time: {screen}"
    );
    insta::assert_snapshot!("headlines_future_and_undated_80x24", screen);
}

fn with_enclosure() -> State {
    let mut s = base();
    s.cursor = 1;
    s.focus = Focus::Article;
    let article = Article {
        headline: s.headlines[1].clone(),
        publication: "Giant Bombcast".into(),
        author: Some("Giant Bomb".into()),
        content_html: "<p>Video games! Ghost Recon Breakpoint, The Last of Us Part II.</p>".into(),
        full_text: None,
        full_text_error: None,
        enclosures: vec![Enclosure {
            url: "https://dts.podtrac.com/redirect.mp3/www.giantbomb.com/podcasts/download/2823/603.mp3\u{1b}]8;;https://evil.example\u{7}".into(),
            mime: Some("audio/mpeg".into()),
            length: Some(105_003_355),
        }],
    };
    let text = crate::feed::article_text(&article.content_html);
    let width = crate::layout::Areas::of(s.viewport).article_text_width();
    let clock = Clock {
        zone: s.zone.clone(),
        now: s.now,
    };
    s.article = Some(ArticleView::new_in(article, text, width, clock));
    s
}

#[test]
fn article_with_an_enclosure() {
    let screen = render(&with_enclosure());
    assert!(screen.contains("Enclosure: audio/mpeg, 105 MB"), "{screen}");
    assert!(screen.contains("EDT (20 min ago)"), "{screen}");
    assert!(screen.contains("e plays the enclosure"), "{screen}");
    assert!(
        !screen.contains("evil"),
        "escape sequences stay out: {screen}"
    );
    insta::assert_snapshot!("article_enclosure_80x24", screen);
}

#[test]
fn messages_view() {
    let mut s = base();
    app::update(
        &mut s,
        Msg::Problem(
            "Cache: cannot write the cache newsroom.db: disk full. Make that directory \
             writable, or choose another file with --db PATH"
                .into(),
        ),
    );
    // Cut in the status bar, with the key that shows it whole.
    let bar = render(&s);
    assert!(bar.contains("M more  ? help"), "{bar}");
    app::update(&mut s, Msg::Tick(now() + Duration::minutes(3)));
    app::update(
        &mut s,
        Msg::Info("Marked 24 articles in Giant Bombcast read · U undoes".into()),
    );
    app::update(
        &mut s,
        Msg::Key(ratatui::crossterm::event::KeyEvent::from(
            ratatui::crossterm::event::KeyCode::Char('M'),
        )),
    );
    let screen = render(&s);
    assert!(screen.contains("--db PATH"), "the whole message: {screen}");
    insta::assert_snapshot!("messages_80x24", screen);
}
