//! Every screen, rendered on ratatui's `TestBackend` at 80x24 and at a cramped size, snapshotted.

use chrono::{DateTime, Duration, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{self, ArticleView, FeedStatus, Focus, KeyMap, Msg, Session, State};
use crate::model::{Article, Headline};

/// The reading loop of issue 14: next unread, full screen, pane width, links, views.
mod reading;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-14T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn headline(id: i64, title: &str, hours_ago: i64, read: bool) -> Headline {
    Headline {
        id,
        title: title.into(),
        link: Some(format!("https://www.bbc.com/news/articles/c{id:04}")),
        published: Some(now() - Duration::minutes(hours_ago * 60 + 7)),
        read,
        starred: id == 3,
    }
}

fn base(size: (u16, u16)) -> State {
    let keys = KeyMap::new(&[], &[(Some('b'), "BBC".into()), (Some('c'), "CNN".into())]).unwrap();
    let mut s = State::new(
        [
            (
                "BBC".to_owned(),
                "https://feeds.bbci.co.uk/news/rss.xml".to_owned(),
            ),
            (
                "CNN".to_owned(),
                "http://rss.cnn.com/rss/edition.rss".to_owned(),
            ),
            (
                "Le Monde — À la une".to_owned(),
                "https://www.lemonde.fr/rss/une.xml".to_owned(),
            ),
        ],
        keys,
        now(),
        size,
    );
    s.pubs[0].unread = 3;
    s.pubs[1].unread = 12;
    s.pubs[2].new = 4;
    s.last_refresh = Some(now() - Duration::minutes(2));
    s.session = Session::SignedIn {
        login: "octocat".into(),
    };
    s
}

fn with_headlines(size: (u16, u16)) -> State {
    let mut s = base(size);
    s.headlines = vec![
        headline(
            1,
            "Storm warning issued as gales sweep across the north",
            0,
            false,
        ),
        headline(2, "東京で桜の開花を発表 — 平年より早く", 2, false),
        headline(3, "Markets rally 🎉 after surprise rate cut", 5, true),
        headline(
            4,
            "Scientists map the deepest part of the ocean floor in unprecedented detail",
            26,
            true,
        ),
        headline(5, "Local council approves new cycle lanes", 24 * 9, false),
    ];
    s.headlines_of = Some(s.pubs[0].url.clone());
    s.cursor = 1;
    s
}

fn with_article(size: (u16, u16)) -> State {
    let mut s = with_headlines(size);
    s.cursor = 0;
    s.focus = Focus::Article;
    let h = s.headlines[0].clone();
    let html = "<p>Gales of up to 90mph are expected across northern areas on Tuesday, the Met Office says.</p>\
        <ul><li>Travel disruption likely</li><li>Power cuts possible</li></ul>\
        <p>Read more at <a href=\"https://www.metoffice.gov.uk/\">the Met Office</a>.</p>";
    s.article = Some(ArticleView::new(
        Article {
            headline: h,
            publication: "BBC".into(),
            author: Some("Weather desk".into()),
            content_html: html.into(),
            full_text: None,
            full_text_error: None,
            enclosures: Vec::new(),
        },
        crate::feed::article_text(html),
        crate::layout::Areas::of(s.viewport).article_text_width(),
    ));
    s
}

/// Signed in, with the GitHub publications after the configured ones, one of them selected.
fn github(size: (u16, u16), key: &str) -> State {
    let mut s = base(size);
    for (name, url) in crate::github::pubs::publications(true, true) {
        s.pubs.push(app::PubState::new(name, url));
    }
    s.selected = s.pubs.iter().position(|p| p.url == key).unwrap();
    s.headlines_of = Some(key.to_owned());
    s
}

fn github_headline(id: i64, title: &str, link: &str, minutes_ago: i64, read: bool) -> Headline {
    Headline {
        id,
        title: title.into(),
        link: Some(link.into()),
        published: Some(now() - Duration::minutes(minutes_ago)),
        read,
        starred: false,
    }
}

fn inbox_state(size: (u16, u16)) -> State {
    let mut s = github(size, crate::model::GITHUB_INBOX);
    s.pubs[3].unread = 2;
    s.headlines = vec![
        github_headline(
            1,
            "Add a retry flag · octo-org/world · pull request · review requested",
            "https://github.com/octo-org/world/pull/7",
            5,
            false,
        ),
        github_headline(
            2,
            "Crash on start · octo-org/hello · issue · mention",
            "https://github.com/octo-org/hello/issues/12",
            90,
            false,
        ),
        github_headline(
            3,
            "CI failed on main · octo-org/hello · CI · CI activity",
            "https://github.com/octo-org/hello/actions",
            60 * 26,
            true,
        ),
    ];
    s.cursor = 1;
    s.focus = Focus::Article;
    // As the inbox builds it: the summary line, the subject, the latest comment.
    let html = "<p><b>octo-org/hello</b> · issue · mention</p><p>open · by @hubot</p>\
        <p>It crashes when the <code>config</code> is empty.</p><hr>\
        <p><b>Latest comment by @monalisa</b></p><p>Fixed in #13, thanks @octocat!</p>";
    s.article = Some(ArticleView::new(
        Article {
            headline: s.headlines[1].clone(),
            publication: "GitHub".into(),
            author: Some("octo-org/hello".into()),
            content_html: html.into(),
            full_text: None,
            full_text_error: None,
            enclosures: Vec::new(),
        },
        crate::feed::article_text(html),
        crate::layout::Areas::of(s.viewport).article_text_width(),
    ));
    s
}

fn releases_state(size: (u16, u16)) -> State {
    let mut s = github(size, crate::model::GITHUB_RELEASES);
    s.pubs[4].unread = 1;
    s.headlines = vec![
        github_headline(
            11,
            "rust-lang/rust Rust 1.90.0",
            "https://github.com/rust-lang/rust/releases/tag/1.90.0",
            30,
            false,
        ),
        github_headline(
            21,
            "tokio-rs/tokio Tokio v1.47.0",
            "https://github.com/tokio-rs/tokio/releases/tag/tokio-1.47.0",
            60 * 50,
            true,
        ),
    ];
    s
}

fn render(state: &State) -> String {
    let (w, h) = state.viewport;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::draw(f, state)).unwrap();
    format!("{}", t.backend())
}

const WIDE: (u16, u16) = (80, 24);
const CRAMPED: (u16, u16) = (50, 14);

macro_rules! screens {
    ($($name:ident => $make:expr;)*) => {$(
        #[test]
        fn $name() {
            for (label, size) in [("80x24", WIDE), ("cramped", CRAMPED)] {
                let make: fn((u16, u16)) -> State = $make;
                let state = make(size);
                insta::assert_snapshot!(format!("{}_{}", stringify!($name), label), render(&state));
            }
        }
    )*};
}

/// The article with a story extracted from its page, shown in full-text mode.
fn with_full_text(size: (u16, u16)) -> State {
    let mut s = with_article(size);
    if let Some(a) = &mut s.article {
        a.article.full_text = Some(
            "By Priya Natarajan\n\nGales of up to 90mph battered northern coasts on Tuesday, \
             closing bridges and cutting power to 20,000 homes, the Met Office said.\n\n\
             [image: Waves breaking over the harbour wall]\n\n\
             • Ferries cancelled until Wednesday\n• Schools in three counties closed\n\n\
             > \"We have not seen winds like this since 1987,\" a forecaster said.\n\n\
             [1]: https://www.metoffice.gov.uk/warnings"
                .into(),
        );
        a.full = app::FullTextView::Full;
        a.rewrap();
    }
    s
}

screens! {
    headlines => with_headlines;
    article => with_article;
    article_full_text => with_full_text;
    article_full_text_failed => |size| {
        let mut s = with_article(size);
        if let Some(a) = &mut s.article {
            a.full = app::FullTextView::Failed("the page answered HTTP 404".into());
            a.rewrap();
        }
        s
    };
    article_full_text_loading => |size| {
        let mut s = with_article(size);
        if let Some(a) = &mut s.article {
            a.full = app::FullTextView::Loading;
            a.rewrap();
        }
        s
    };
    loading => |size| {
        let mut s = base(size);
        s.pubs[0].status = FeedStatus::Loading;
        s.frame = 3;
        s
    };
    feed_error => |size| {
        let mut s = with_headlines(size);
        s.pubs[0].status = FeedStatus::Failed("timed out after 15 s".into());
        s
    };
    failed_and_empty => |size| {
        let mut s = base(size);
        s.selected = 1;
        s.headlines_of = Some(s.pubs[1].url.clone());
        s.pubs[1].status = FeedStatus::Failed("HTTP 404 — feed not found".into());
        s
    };
    empty => |size| {
        let mut s = base(size);
        s.headlines_of = Some(s.pubs[0].url.clone());
        s
    };
    help => |size| {
        let mut s = with_headlines(size);
        s.help = true;
        s
    };
    search => |size| {
        let mut s = with_headlines(size);
        s.search = Some(app::Search {
            query: "storm".into(),
            editing: true,
            publications: vec!["BBC".into(), "CNN".into(), "Le Monde — À la une".into(), "BBC".into(), "BBC".into()],
            limit: 5,
            more: true,
        });
        s
    };
    search_hint => |size| {
        let mut s = with_headlines(size);
        s.headlines.clear();
        s.search = Some(app::Search {
            editing: true,
            ..Default::default()
        });
        s
    };
    github_inbox => inbox_state;
    github_releases => releases_state;
    github_needs_scope => |size| {
        let mut s = github(size, crate::model::GITHUB_INBOX);
        s.pubs[3].status = FeedStatus::NeedsScope(
            "Needs the `notifications` scope: L signs in to grant it".into(),
        );
        s
    };
    offline => |size| {
        let mut s = with_headlines(size);
        s.session = Session::Offline { login: Some("octocat".into()) };
        s
    };
}

#[test]
fn too_small() {
    let s = with_headlines((30, 8));
    let screen = render(&s);
    assert!(screen.contains("too small"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn wide_characters_keep_the_age_column_aligned() {
    let s = with_headlines(WIDE);
    let screen = render(&s);
    use unicode_width::UnicodeWidthStr;
    let ages: Vec<usize> = screen
        .lines()
        .filter(|l| {
            l.contains(" 2h") || l.contains(" 5h") || l.contains(" 1d") || l.contains(" now")
        })
        .map(|l| {
            let cut = l.rfind('│').unwrap_or(l.len());
            UnicodeWidthStr::width(&l[..cut])
        })
        .collect();
    assert!(ages.len() >= 3, "{screen}");
    assert!(
        ages.windows(2).all(|w| w[0] == w[1]),
        "right borders misaligned: {ages:?}\n{screen}"
    );
}

#[test]
fn the_article_can_be_scrolled_and_stops_at_its_end() {
    let mut s = with_article((60, 14));
    let long = (1..=60)
        .map(|i| format!("<p>Paragraph {i}.</p>"))
        .collect::<String>();
    if let Some(a) = &mut s.article {
        *a = ArticleView::new(a.article.clone(), crate::feed::article_text(&long), a.width);
    }
    let page = |s: &mut State| {
        app::update(
            s,
            Msg::Key(ratatui::crossterm::event::KeyEvent::from(
                ratatui::crossterm::event::KeyCode::PageDown,
            )),
        )
    };
    page(&mut s);
    let first = s.article.as_ref().unwrap().scroll;
    assert!(first > 0);
    assert!(render(&s).contains("Paragraph"));
    for _ in 0..100 {
        page(&mut s);
    }
    let end = s.article.as_ref().unwrap().scroll;
    let screen = render(&s);
    assert!(screen.contains("Paragraph 60."), "{screen}");
    page(&mut s);
    assert_eq!(
        s.article.as_ref().unwrap().scroll,
        end,
        "scrolling stops at the end"
    );
}

fn signing_in(size: (u16, u16), phase: app::Phase) -> State {
    let mut s = base(size);
    s.session = Session::Anonymous;
    s.signin = Some(app::SignIn {
        phase,
        progress: Some("Waiting for you to approve…".into()),
        reason: None,
    });
    s
}

fn code_phase() -> app::Phase {
    app::Phase::Code {
        user_code: "WDJB-MJHT".into(),
        verification_uri: "https://github.com/login/device".into(),
        expires_at: now() + Duration::seconds(14 * 60 + 32),
        qr: app::signin::qr_lines("https://github.com/login/device"),
    }
}

screens! {
    signin_code => |size| signing_in(size, code_phase());
    signin_denied => |size| signing_in(size, app::Phase::Stopped {
        message: "You declined the sign-in on GitHub. Enter to try again.".into(),
    });
}

#[test]
fn signin_on_a_big_terminal_has_large_type_and_a_qr_code() {
    let s = signing_in((120, 36), code_phase());
    let screen = render(&s);
    assert!(screen.contains("WDJB-MJHT  (expires in 14:32)"), "{screen}");
    assert!(
        screen.contains("https://github.com/login/device"),
        "{screen}"
    );
    assert!(
        screen.contains('▀') || screen.contains('▄'),
        "QR/big text blocks expected:\n{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn the_keyring_explanation_is_shown_once() {
    let why =
        "no OS keyring is reachable (no D-Bus). newsroom keeps the GitHub token in the OS keyring";
    let mut s = signing_in(
        (100, 30),
        app::Phase::Stopped {
            message: why.into(),
        },
    );
    if let Some(si) = s.signin.as_mut() {
        si.reason = Some(why.into());
    }
    let screen = render(&s);
    assert_eq!(
        screen.matches("no OS keyring is reachable").count(),
        1,
        "{screen}"
    );
    // A different reason still shows above the message.
    if let Some(si) = s.signin.as_mut() {
        si.reason = Some("Your token was revoked.".into());
    }
    let screen = render(&s);
    assert!(
        screen.contains("Your token was revoked.") && screen.contains("no OS keyring"),
        "{screen}"
    );
}

fn colours_used(state: &State) -> Vec<ratatui::style::Color> {
    let (w, h) = state.viewport;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::draw(f, state)).unwrap();
    let mut seen: Vec<ratatui::style::Color> = t
        .backend()
        .buffer()
        .content()
        .iter()
        .flat_map(|c| [c.fg, c.bg])
        .collect();
    seen.sort_by_key(|c| format!("{c:?}"));
    seen.dedup();
    seen
}

#[test]
fn no_color_draws_without_colours_but_keeps_the_selection_visible() {
    let mut s = with_article(WIDE);
    s.focus = Focus::Headlines;
    s.pubs[1].status = FeedStatus::Failed("timed out".into());
    assert!(colours_used(&s).len() > 1, "the default theme uses colour");
    s.theme.color = false;
    assert_eq!(colours_used(&s), [ratatui::style::Color::Reset]);
    let (w, h) = s.viewport;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::draw(f, &s)).unwrap();
    let reversed = t
        .backend()
        .buffer()
        .content()
        .iter()
        .filter(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED))
        .count();
    assert!(reversed > 10, "the focused selection is drawn reversed");
    insta::assert_snapshot!(format!("{:?}", t.backend().buffer()));
}

#[test]
fn a_theme_from_the_config_colours_the_screen() {
    let mut s = with_headlines(WIDE);
    s.theme = crate::config::Config::from_toml("[theme]\nfocus = \"#123456\"\n", None)
        .unwrap()
        .theme;
    assert!(colours_used(&s).contains(&ratatui::style::Color::Rgb(0x12, 0x34, 0x56)));
}

/// Every cell of every screen, drawn from a feed full of escape sequences, is inert text.
#[test]
fn a_hostile_feed_renders_inert_in_every_screen() {
    let bytes = include_bytes!("../../tests/fixtures/feeds/hostile-escapes.xml");
    let feed = crate::feed::parse(bytes, None).unwrap();
    assert!(!feed.items.is_empty());
    let mut s = with_headlines(WIDE);
    s.pubs[0].name = feed.title.clone();
    s.pubs[1].status = FeedStatus::Failed(feed.items[0].title.clone());
    s.headlines = feed
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| Headline {
            id: i64::try_from(i).unwrap(),
            title: it.title.clone(),
            link: it.link.clone(),
            published: it.published,
            read: false,
            starred: false,
        })
        .collect();
    s.cursor = 0;
    let item = &feed.items[0];
    s.article = Some(ArticleView::new(
        Article {
            headline: s.headlines[0].clone(),
            publication: feed.title.clone(),
            author: item.author.clone(),
            content_html: item.content_html.clone(),
            full_text: None,
            full_text_error: None,
            enclosures: Vec::new(),
        },
        crate::feed::article_text(&item.content_html),
        crate::layout::Areas::of(s.viewport).article_text_width(),
    ));
    s.notice = Some(app::Notice {
        text: item.title.clone(),
        kind: app::NoticeKind::Error,
        at: now(),
    });
    let bad = |c: char| {
        (c.is_control() && c != ' ')
            || ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    for (label, focus, help, search) in [
        ("reader", Focus::Article, false, false),
        ("list", Focus::Headlines, false, false),
        ("help", Focus::Headlines, true, false),
        ("search", Focus::Headlines, false, true),
    ] {
        let mut st = s.clone();
        st.focus = focus;
        st.help = help;
        if search {
            st.search = Some(app::Search {
                query: item.title.clone(),
                editing: true,
                publications: vec![feed.title.clone(); st.headlines.len()],
                ..Default::default()
            });
        }
        let (w, h) = st.viewport;
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| super::draw(f, &st)).unwrap();
        for cell in t.backend().buffer().content() {
            assert!(
                !cell.symbol().chars().any(bad),
                "{label}: {:?} reached the screen",
                cell.symbol()
            );
        }
    }
}

#[test]
fn every_hint_names_the_key_in_effect() {
    let keys = KeyMap::new(
        &[
            ("quit".into(), vec!["x".into()]),
            ("help".into(), vec!["H".into()]),
            ("refresh".into(), vec!["Ctrl-r".into()]),
        ],
        &[],
    )
    .unwrap();
    let mut s = with_headlines((80, 24));
    s.keys = keys;
    s.pubs[0].status = FeedStatus::Failed("HTTP 500".into());
    s.headlines.clear();
    let screen = render(&s);
    assert!(screen.contains("H help  x quit"), "{screen}");
    assert!(screen.contains("Ctrl-r to retry"), "{screen}");
    assert!(!screen.contains("q quit"), "{screen}");
}

#[test]
fn new_arrivals_stand_beside_the_unread_count_and_the_title_says_what_it_counts() {
    let mut s = with_headlines(WIDE);
    s.pubs[0].new = 2;
    let screen = render(&s);
    let row = screen
        .lines()
        .nth(1 + usize::from(crate::layout::VIEW_ROWS))
        .unwrap();
    assert!(row.contains("BBC       3 +2"), "{row}");
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("BBC · 5 articles, 3 unread"),
        "{screen}"
    );
    s.filter = app::Filter::Unread;
    let top = render(&s).lines().next().unwrap().to_owned();
    assert!(top.contains("BBC · 3 unread "), "{top}");
    s.filter = app::Filter::Starred;
    let top = render(&s).lines().next().unwrap().to_owned();
    assert!(top.contains("BBC · 5 starred "), "{top}");
}

fn buffer_of(state: &State) -> ratatui::buffer::Buffer {
    let (w, h) = state.viewport;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::draw(f, state)).unwrap();
    t.backend().buffer().clone()
}

#[test]
fn every_cell_is_as_wide_as_terminals_draw_it() {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let mut s = with_article(WIDE);
    let tricky = "Devs 👩\u{200d}💻 and 👨\u{200d}👩\u{200d}👧 cheer 🇬🇧 🇮🇳 ❤\u{fe0f} 👍🏽 — नमस्ते दुनिया, क्षत्रिय";
    s.headlines[0].title = tricky.into();
    if let Some(a) = &mut s.article {
        let mut article = a.article.clone();
        article.headline.title = tricky.into();
        *a = ArticleView::new(article, format!("{tricky}\n\n> {tricky}"), a.width);
    }
    let buf = buffer_of(&s);
    let mut checked = 0;
    for cell in buf.content() {
        let sym = cell.symbol();
        // ratatui gives a cell its cluster's width; a terminal without grapheme support draws
        // each code point with its own width. They must agree, or glyphs are left behind.
        let per_char: usize = sym.chars().map(|c| c.width().unwrap_or(0)).sum();
        if !sym.is_ascii() {
            checked += 1;
            assert_eq!(sym.width(), per_char, "{sym:?}");
        }
    }
    assert!(checked > 20, "the tricky text was drawn");
    let screen = render(&s);
    assert!(screen.contains("GB") && screen.contains("नम"), "{screen}");
}

#[test]
fn wrapped_quotes_and_items_keep_their_lead_and_links_stay_whole() {
    let mut s = with_article((100, 40));
    let html = "<blockquote>One quoted sentence that is long enough to need a second line, and then a third one, in a pane this wide.</blockquote>\
        <ul><li>A list item that is also long enough to wrap onto another line below it, which it does here.</li></ul>\
        <p>See <a href=\"https://example.com/a/rather/long/path/that/is/forty-eight/chars/more\">this</a>.</p>";
    if let Some(a) = &mut s.article {
        *a = ArticleView::new(a.article.clone(), crate::feed::article_text(html), a.width);
    }
    let screen = render(&s);
    // The article pane's rows: between its borders, without the one column of padding.
    let rows: Vec<String> = screen
        .lines()
        .filter_map(|l| l.trim_end_matches('"').rsplit('│').nth(1))
        .map(|r| r.strip_prefix(' ').unwrap_or(r).trim_end().to_owned())
        .collect();
    let quoted: Vec<&String> = rows
        .iter()
        .filter(|r| r.contains("quoted") || r.contains("third one"))
        .collect();
    assert!(quoted.len() >= 2, "{screen}");
    for r in &quoted {
        assert!(
            r.starts_with("> "),
            "quote continuation keeps '> ': {r:?}\n{screen}"
        );
    }
    let item = rows
        .iter()
        .position(|r| r.starts_with("• A list item"))
        .expect("item");
    assert!(
        rows[item + 1].starts_with("  ") && !rows[item + 1].starts_with("   "),
        "continuation hangs under the item's text:\n{screen}"
    );
    assert!(
        rows.iter()
            .any(|r| r == "https://example.com/a/rather/long/path/that/is/forty-eight/chars/more"),
        "the link stands whole on its own row:\n{screen}"
    );
}

#[test]
fn the_reason_for_signing_in_again_is_shown_whole_beside_the_qr_code() {
    let mut s = signing_in((100, 30), code_phase());
    let why = "the GitHub token was revoked or is invalid: sign in again with `newsroom login`";
    if let Some(si) = &mut s.signin {
        si.reason = Some(why.into());
    }
    let screen = render(&s);
    let text: String = screen
        .lines()
        .map(|l| l.trim_matches('"').trim_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(why), "{screen}");
    assert!(
        screen.contains('▀') || screen.contains('▄'),
        "the QR code is still there:\n{screen}"
    );
}

/// Where every key does not fit, `?` scrolls: to its end with `G`, never past it, and the
/// footer says where it is.
#[test]
fn help_scrolls_on_a_small_screen_and_stops_at_its_end() {
    let mut s = with_headlines(CRAMPED);
    s.help = true;
    let key = |s: &mut State, c: char| {
        let ev = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        );
        app::update(s, Msg::Key(ev));
    };
    let first = render(&s);
    assert!(
        first.contains("move down") && first.contains("1-12 of 43"),
        "{first}"
    );
    key(&mut s, 'G');
    let last = render(&s);
    assert!(last.contains("32-43 of 43"), "{last}");
    assert!(
        last.contains("publication by position") && !last.contains("move down"),
        "{last}"
    );
    key(&mut s, 'j');
    assert_eq!(render(&s), last, "no scrolling past the end");
    key(&mut s, 'k');
    assert!(render(&s).contains("31-42 of 43"));
    // `?` closes it too.
    key(&mut s, '?');
    assert!(!s.help);
}
