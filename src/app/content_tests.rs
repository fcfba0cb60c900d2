//! The core without IO for issue 14's content items: undo of `A`, the message history, `e`.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::*;
use crate::model::{Article, Enclosure, EnclosureCommands, Headline};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-14T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn h(id: i64, read: bool) -> Headline {
    Headline {
        id,
        title: format!("story {id}"),
        link: Some(format!("https://example.com/{id}")),
        published: None,
        read,
        starred: false,
    }
}

fn state() -> State {
    let mut s = State::new(
        [
            ("BBC".to_owned(), "https://b/".to_owned()),
            ("CNN".to_owned(), "https://c/".to_owned()),
        ],
        KeyMap::default(),
        now(),
        (80, 24),
    );
    s.headlines = vec![h(1, false), h(2, true), h(3, false)];
    s.headlines_of = Some("https://b/".into());
    s.pubs[0].unread = 2;
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Cmd> {
    update(s, Msg::Key(KeyEvent::from(code)))
}

fn ch(s: &mut State, c: char) -> Vec<Cmd> {
    key(s, KeyCode::Char(c))
}

fn notice(s: &State) -> String {
    s.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

#[test]
fn undo_restores_exactly_what_a_changed_even_after_a_refresh() {
    let mut s = state();
    assert_eq!(
        ch(&mut s, 'A'),
        [Cmd::Cache(CacheCmd::MarkAllRead {
            url: "https://b/".into()
        })]
    );
    // The cache says which it changed: 1 and 3 (2 was read already), and 40, an unread
    // article past the loaded page.
    update(
        &mut s,
        Msg::MarkedAllRead {
            url: "https://b/".into(),
            ids: vec![1, 3, 40],
        },
    );
    assert!(notice(&s).contains("U undoes"), "{}", notice(&s));
    // A refresh in between: new articles arrive, the list is reloaded.
    let request = s.requests.fresh();
    s.pubs[0].refresh_request = request;
    update(
        &mut s,
        Msg::Refreshed {
            request,
            url: "https://b/".into(),
            outcome: FeedOutcome::Updated {
                new: 1,
                items: 4,
                first: false,
            },
            at: now(),
        },
    );
    let generation = s.generation;
    update(
        &mut s,
        Msg::Headlines {
            generation,
            url: "https://b/".into(),
            headlines: vec![h(9, false), h(1, true), h(2, true), h(3, true)],
        },
    );
    let cmds = ch(&mut s, 'U');
    assert_eq!(
        cmds[0],
        Cmd::Cache(CacheCmd::MarkUnread {
            ids: vec![1, 3, 40]
        })
    );
    assert!(cmds.contains(&Cmd::Cache(CacheCmd::LoadUnreadCounts)));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Cache(CacheCmd::LoadHeadlines { .. })))
    );
    let read: Vec<(i64, bool)> = s.headlines.iter().map(|h| (h.id, h.read)).collect();
    assert_eq!(read, [(9, false), (1, false), (2, true), (3, false)]);
    // Once: a second U has nothing to give back.
    assert!(ch(&mut s, 'U').is_empty());
    assert!(notice(&s).starts_with("Nothing to undo"), "{}", notice(&s));
}

#[test]
fn the_undo_hint_names_the_key_in_effect() {
    let keys = KeyMap::new(&[("undo".into(), vec!["Ctrl-u".into()])], &[]).unwrap();
    let mut s = state();
    s.keys = keys;
    ch(&mut s, 'A');
    update(
        &mut s,
        Msg::MarkedAllRead {
            url: "https://b/".into(),
            ids: vec![1],
        },
    );
    assert!(notice(&s).contains("Ctrl-u undoes"), "{}", notice(&s));
}

#[test]
fn nothing_to_undo_on_the_github_inbox() {
    let mut s = state();
    update(
        &mut s,
        Msg::MarkedAllRead {
            url: crate::model::GITHUB_INBOX.into(),
            ids: vec![1, 2],
        },
    );
    assert!(s.undo.is_none());
}

#[test]
fn every_notice_is_kept_and_the_history_is_bounded() {
    let mut s = state();
    update(&mut s, Msg::Problem("first".into()));
    update(&mut s, Msg::Info("second".into()));
    // A tick that fades nothing records nothing new.
    update(&mut s, Msg::Tick(now()));
    let texts: Vec<_> = s.messages.items.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts, ["first", "second"]);
    for i in 0..250 {
        update(&mut s, Msg::Info(format!("message {i}")));
    }
    assert_eq!(s.messages.items.len(), messages::HISTORY);
    assert_eq!(
        s.messages.items.back().map(|n| n.text.as_str()),
        Some("message 249")
    );
    assert_eq!(
        s.messages.items.front().map(|n| n.text.as_str()),
        Some("message 150")
    );
}

#[test]
fn messages_view_opens_scrolls_within_bounds_and_closes() {
    let mut s = state();
    for i in 0..30 {
        update(
            &mut s,
            Msg::Info(format!("message {i} {}", "word ".repeat(30))),
        );
    }
    ch(&mut s, 'M');
    assert_eq!(s.messages_view.map(|v| v.scroll), Some(0));
    // Keys go to the view: `j` scrolls it, it does not move the headlines.
    let cursor = s.cursor;
    ch(&mut s, 'j');
    assert_eq!(s.messages_view.map(|v| v.scroll), Some(1));
    assert_eq!(s.cursor, cursor);
    ch(&mut s, 'G');
    let total = messages::lines(&s, messages::text_width(s.viewport)).len();
    let max = total - usize::from(messages::text_height(s.viewport));
    assert_eq!(s.messages_view.map(|v| usize::from(v.scroll)), Some(max));
    ch(&mut s, 'j');
    assert_eq!(s.messages_view.map(|v| usize::from(v.scroll)), Some(max));
    key(&mut s, KeyCode::Esc);
    assert!(s.messages_view.is_none());
    ch(&mut s, 'M');
    ch(&mut s, 'M');
    assert!(s.messages_view.is_none(), "M closes it too");
}

fn with_enclosure(s: &mut State, mime: &str) {
    let article = Article {
        headline: h(1, true),
        publication: "BBC".into(),
        author: None,
        content_html: String::new(),
        full_text: None,
        full_text_error: None,
        enclosures: vec![Enclosure {
            url: "https://cdn.example/ep 1.mp3?a=1&b=$(rm -rf ~)".into(),
            mime: Some(mime.into()),
            length: Some(1000),
        }],
    };
    s.article = Some(ArticleView::new(article, String::new(), 60));
    s.focus = Focus::Article;
}

#[test]
fn e_plays_with_the_command_for_its_type_or_opens_the_browser() {
    let mut s = state();
    with_enclosure(&mut s, "audio/mpeg");
    let url = "https://cdn.example/ep%201.mp3?a=1&b=$(rm%20-rf%20~)".to_owned();
    assert_eq!(
        ch(&mut s, 'e'),
        [Cmd::System(SystemCmd::OpenUrl(url.clone()))]
    );
    s.enclosure_commands = EnclosureCommands {
        any: Some(vec!["mpv".into(), "--".into()]),
        audio: Some(vec!["mpg123".into()]),
        video: None,
        terminal: true,
    };
    assert_eq!(
        ch(&mut s, 'e'),
        [Cmd::System(SystemCmd::Play {
            argv: vec!["mpg123".into()],
            url: url.clone(),
            terminal: true
        })]
    );
    with_enclosure(&mut s, "video/mp4");
    assert_eq!(
        ch(&mut s, 'e'),
        [Cmd::System(SystemCmd::Play {
            argv: vec!["mpv".into(), "--".into()],
            url,
            terminal: true
        })]
    );
    s.article.as_mut().unwrap().article.enclosures.clear();
    assert!(ch(&mut s, 'e').is_empty());
    assert!(notice(&s).contains("no enclosure"), "{}", notice(&s));
}
