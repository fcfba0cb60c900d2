//! The core without IO: messages in, state and commands out.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::state::SEARCH_PAGE;
use super::*;
use crate::store::{Headline, SearchHit};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-14T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn h(id: i64, title: &str) -> Headline {
    Headline {
        id,
        title: title.into(),
        link: Some(format!("https://example.com/{id}")),
        published: None,
        read: false,
        starred: false,
    }
}

fn state() -> State {
    let keys = KeyMap::new(&[], &[(Some('b'), "BBC".into()), (Some('c'), "CNN".into())]).unwrap();
    let mut s = State::new(
        [
            ("BBC".to_owned(), "https://b/".to_owned()),
            ("CNN".to_owned(), "https://c/".to_owned()),
        ],
        keys,
        now(),
        (80, 24),
    );
    s.headlines = vec![h(1, "one"), h(2, "two"), h(3, "three")];
    s.headlines_of = Some("https://b/".into());
    s.pubs[0].unread = 3;
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Cmd> {
    update(s, Msg::Key(KeyEvent::from(code)))
}

fn ch(s: &mut State, c: char) -> Vec<Cmd> {
    key(s, KeyCode::Char(c))
}

fn click(s: &mut State, kind: MouseEventKind, column: u16, row: u16) -> Vec<Cmd> {
    update(
        s,
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
    )
}

#[test]
fn quit_keys() {
    let mut s = state();
    ch(&mut s, 'q');
    assert!(s.quit);
    let mut s = state();
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(s.quit, "Ctrl-C quits (and is not the CNN key)");
}

#[test]
fn publication_keys_and_positions_select_and_load() {
    let mut s = state();
    let cmds = ch(&mut s, 'c');
    assert_eq!(s.selected, 1);
    assert!(matches!(&cmds[..], [Cmd::LoadHeadlines { url, .. }] if url == "https://c/"));
    ch(&mut s, '1');
    assert_eq!(s.selected, 0);
    assert!(
        ch(&mut s, '9').is_empty(),
        "no ninth publication: nothing happens"
    );
}

#[test]
fn focus_moves_and_enter_opens_and_marks_read() {
    let mut s = state();
    assert_eq!(s.focus, Focus::Headlines);
    key(&mut s, KeyCode::BackTab);
    assert_eq!(s.focus, Focus::Publications);
    ch(&mut s, 'l');
    ch(&mut s, 'j');
    assert_eq!(s.cursor, 1);
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(
        cmds,
        [
            Cmd::LoadArticle { id: 2 },
            Cmd::SetRead { id: 2, read: true }
        ]
    );
    assert_eq!(s.focus, Focus::Article);
    assert_eq!(s.pubs[0].unread, 2);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.focus, Focus::Headlines);
}

#[test]
fn the_help_overlay_is_modal() {
    let mut s = state();
    ch(&mut s, '?');
    assert!(s.help);
    assert!(ch(&mut s, 'j').is_empty());
    assert_eq!(s.cursor, 0, "keys do not leak through the overlay");
    key(&mut s, KeyCode::Esc);
    assert!(!s.help && !s.quit);
}

#[test]
fn stale_headline_loads_are_dropped_and_the_cursor_stays_on_its_article() {
    let mut s = state();
    s.cursor = 1; // "two"
    let gen_before = s.generation;
    ch(&mut s, 'f'); // a new load is requested
    update(
        &mut s,
        Msg::Headlines {
            generation: gen_before,
            url: "https://b/".into(),
            headlines: vec![],
        },
    );
    assert_eq!(
        s.headlines.len(),
        3,
        "an answer to an older request is ignored"
    );
    let fresh = vec![h(9, "new on top"), h(1, "one"), h(2, "two"), h(3, "three")];
    let generation = s.generation;
    update(
        &mut s,
        Msg::Headlines {
            generation,
            url: "https://b/".into(),
            headlines: fresh,
        },
    );
    assert_eq!(
        s.current_headline().unwrap().title,
        "two",
        "new articles do not move the selection"
    );
}

#[test]
fn refresh_marks_loading_and_a_failure_shows_on_that_publication_only() {
    let mut s = state();
    let cmds = ch(&mut s, 'R');
    assert_eq!(
        cmds,
        [Cmd::Refresh {
            urls: vec!["https://b/".into(), "https://c/".into()],
            force: true
        }]
    );
    assert!(s.pubs.iter().all(|p| p.status == FeedStatus::Loading));
    assert!(
        ch(&mut s, 'r').is_empty(),
        "no second request while one is running"
    );
    update(
        &mut s,
        Msg::Refreshed {
            url: "https://c/".into(),
            outcome: FeedOutcome::Failed("HTTP 500".into()),
            at: now(),
        },
    );
    assert_eq!(s.pubs[1].status, FeedStatus::Failed("HTTP 500".into()));
    assert_eq!(s.pubs[0].status, FeedStatus::Loading);
    let cmds = update(
        &mut s,
        Msg::Refreshed {
            url: "https://b/".into(),
            outcome: FeedOutcome::Updated { new: 2, items: 5 },
            at: now(),
        },
    );
    assert!(cmds.contains(&Cmd::LoadUnreadCounts));
    assert!(cmds.iter().any(|c| matches!(c, Cmd::LoadHeadlines { .. })));
}

#[test]
fn auto_refresh_runs_on_its_period() {
    let mut s = state();
    s.refresh_every = Some(std::time::Duration::from_secs(600));
    assert!(update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(599))).is_empty());
    let cmds = update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(601)));
    assert!(
        matches!(&cmds[..], [Cmd::Refresh { force: false, .. }]),
        "{cmds:?}"
    );
}

#[test]
fn open_in_browser_only_for_http_links() {
    let mut s = state();
    assert_eq!(
        ch(&mut s, 'o'),
        [Cmd::OpenUrl("https://example.com/1".into())]
    );
    s.headlines[0].link = Some("javascript:alert(1)".into());
    assert!(ch(&mut s, 'o').is_empty());
    assert_eq!(s.notice.as_ref().unwrap().kind, NoticeKind::Error);
    s.headlines[0].link = Some("https://example.com/x".into());
    assert_eq!(ch(&mut s, 'y'), [Cmd::Copy("https://example.com/x".into())]);
}

#[test]
fn read_star_and_mark_all() {
    let mut s = state();
    assert_eq!(ch(&mut s, 'u'), [Cmd::SetRead { id: 1, read: true }]);
    assert_eq!(s.pubs[0].unread, 2);
    assert_eq!(
        ch(&mut s, 's'),
        [Cmd::SetStarred {
            id: 1,
            starred: true
        }]
    );
    assert_eq!(
        ch(&mut s, 'A'),
        [Cmd::MarkAllRead {
            url: "https://b/".into()
        }]
    );
    assert!(s.headlines.iter().all(|h| h.read));
    assert_eq!(s.pubs[0].unread, 0);
}

#[test]
fn filter_cycles_all_unread_starred() {
    let mut s = state();
    for want in [Filter::Unread, Filter::Starred, Filter::All] {
        let cmds = ch(&mut s, 'f');
        assert_eq!(s.filter, want);
        assert!(matches!(&cmds[..], [Cmd::LoadHeadlines { filter, .. }] if *filter == want));
    }
}

#[test]
fn search_types_live_and_results_behave_like_headlines() {
    let mut s = state();
    ch(&mut s, '/');
    assert!(s.search.as_ref().unwrap().editing);
    let cmds = ch(&mut s, 'l');
    let Cmd::Search {
        query, generation, ..
    } = &cmds[0]
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(query, "l");
    ch(&mut s, 'u');
    // The answer to "l" arrives after "lu" was typed: dropped.
    update(
        &mut s,
        Msg::SearchResults {
            generation: *generation,
            hits: vec![],
        },
    );
    assert_eq!(s.headlines.len(), 3);
    let hit = |id, t: &str, p: &str| SearchHit {
        headline: h(id, t),
        publication: p.into(),
    };
    let generation = s.generation;
    update(
        &mut s,
        Msg::SearchResults {
            generation,
            hits: vec![hit(7, "Lunar lander", "CNN"), hit(8, "Lunch", "BBC")],
        },
    );
    assert_eq!(s.headlines.len(), 2);
    assert_eq!(s.search.as_ref().unwrap().publications, ["CNN", "BBC"]);
    key(&mut s, KeyCode::Down);
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(
        cmds,
        [
            Cmd::LoadArticle { id: 8 },
            Cmd::SetRead { id: 8, read: true },
            Cmd::LoadUnreadCounts
        ]
    );
    assert!(!s.search.as_ref().unwrap().editing);
    key(&mut s, KeyCode::Esc); // article → results
    assert!(s.search.is_some());
    let cmds = key(&mut s, KeyCode::Esc); // results → back to the publication
    assert!(s.search.is_none());
    assert!(matches!(&cmds[..], [Cmd::LoadHeadlines { url, .. }] if url == "https://b/"));
}

#[test]
fn mouse_clicks_select_and_the_wheel_scrolls() {
    let mut s = state();
    let areas = crate::ui::layout::Areas::of(s.viewport);
    // Click the second publication (row 1 inside the border).
    let cmds = click(
        &mut s,
        MouseEventKind::Down(MouseButton::Left),
        areas.pubs.x + 3,
        areas.pubs.y + 2,
    );
    assert_eq!(s.selected, 1);
    assert!(matches!(&cmds[..], [Cmd::LoadHeadlines { .. }]));
    s.selected = 0;
    s.headlines = vec![h(1, "one"), h(2, "two"), h(3, "three")];
    s.headlines_of = Some("https://b/".into());
    // Click the third headline, then click it again to open it.
    click(
        &mut s,
        MouseEventKind::Down(MouseButton::Left),
        areas.headlines.x + 5,
        areas.headlines.y + 3,
    );
    assert_eq!((s.focus, s.cursor), (Focus::Headlines, 2));
    let cmds = click(
        &mut s,
        MouseEventKind::Down(MouseButton::Left),
        areas.headlines.x + 5,
        areas.headlines.y + 3,
    );
    assert_eq!(cmds[0], Cmd::LoadArticle { id: 3 });
    // The wheel over the list moves the cursor.
    click(
        &mut s,
        MouseEventKind::ScrollUp,
        areas.headlines.x + 5,
        areas.headlines.y + 2,
    );
    assert_eq!(s.cursor, 1);
}

#[test]
fn sign_in_screen_keys() {
    let mut s = state();
    let cmds = update(&mut s, Msg::Auth(AuthMsg::NeedsSignIn { reason: None }));
    assert_eq!(cmds, [Cmd::StartSignIn]);
    update(
        &mut s,
        Msg::Auth(AuthMsg::Code {
            user_code: "WDJB-MJHT".into(),
            verification_uri: "https://github.com/login/device".into(),
            expires_at: now(),
        }),
    );
    assert!(
        ch(&mut s, 'j').is_empty(),
        "reader keys do nothing on the sign-in screen"
    );
    assert_eq!(ch(&mut s, 'c'), [Cmd::Copy("WDJB-MJHT".into())]);
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        [Cmd::OpenUrl("https://github.com/login/device".into())]
    );
    assert_eq!(key(&mut s, KeyCode::Esc), [Cmd::CancelSignIn]);
    assert!(matches!(
        s.signin.as_ref().unwrap().phase,
        Phase::Stopped { .. }
    ));
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        [Cmd::StartSignIn],
        "Enter tries again"
    );
    update(
        &mut s,
        Msg::Auth(AuthMsg::Failed {
            message: "You declined.".into(),
        }),
    );
    let cmds = update(
        &mut s,
        Msg::Auth(AuthMsg::SignedIn {
            login: "octocat".into(),
        }),
    );
    assert!(s.signin.is_none());
    assert_eq!(
        s.session,
        Session::SignedIn {
            login: "octocat".into()
        }
    );
    assert!(cmds.iter().any(|c| matches!(c, Cmd::LoadHeadlines { .. })));
}

#[test]
fn tiny_terminals_and_resizes_never_panic() {
    let mut s = state();
    for (w, h) in [(0, 0), (1, 1), (30, 8), (39, 9), (200, 3), (3, 200)] {
        update(&mut s, Msg::Resize(w, h));
        for k in [
            KeyCode::PageDown,
            KeyCode::Down,
            KeyCode::Enter,
            KeyCode::PageUp,
        ] {
            key(&mut s, k);
        }
        click(&mut s, MouseEventKind::Down(MouseButton::Left), 1, 1);
        let mut t =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(w.max(1), h.max(1))).unwrap();
        t.draw(|f| crate::ui::draw(f, &s)).unwrap();
    }
}

fn hits(n: i64) -> Vec<SearchHit> {
    (1..=n)
        .map(|id| SearchHit {
            headline: h(id, &format!("hit {id}")),
            publication: "BBC".into(),
        })
        .collect()
}

/// `/`, a query, and its answer: the state a search is in once results are on screen.
fn searched(s: &mut State, query: &str, n: i64) {
    ch(s, '/');
    for c in query.chars() {
        ch(s, c);
    }
    let generation = s.generation;
    update(
        s,
        Msg::SearchResults {
            generation,
            hits: hits(n),
        },
    );
}

#[test]
fn the_filter_applies_inside_a_search() {
    let mut s = state();
    searched(&mut s, "storm", 3);
    // While typing, `f` is a letter of the query.
    let cmds = ch(&mut s, 'f');
    assert!(
        matches!(&cmds[..], [Cmd::Search { query, filter: Filter::All, .. }] if query == "stormf")
    );
    key(&mut s, KeyCode::Backspace);
    // Tab leaves the query for the results, where `f` cycles the filter over them.
    key(&mut s, KeyCode::Tab);
    assert!(!s.search.as_ref().unwrap().editing);
    for want in [Filter::Unread, Filter::Starred, Filter::All] {
        let cmds = ch(&mut s, 'f');
        assert_eq!(s.filter, want);
        assert!(
            matches!(&cmds[..], [Cmd::Search { query, filter, generation, .. }]
                if query == "storm" && *filter == want && *generation == s.generation),
            "{cmds:?}"
        );
    }
    assert!(s.search.is_some(), "the search stays open");
    // Closing the search shows the publication with the filter chosen inside it.
    ch(&mut s, 'f');
    let cmds = key(&mut s, KeyCode::Esc);
    assert!(matches!(
        &cmds[..],
        [Cmd::LoadHeadlines {
            filter: Filter::Unread,
            ..
        }]
    ));
}

#[test]
fn search_results_move_and_page_while_typing() {
    let mut s = state();
    searched(&mut s, "a", i64::try_from(SEARCH_PAGE).unwrap());
    assert!(s.search.as_ref().unwrap().more, "a full page may have more");
    let ctrl = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    update(&mut s, ctrl('n'));
    update(&mut s, ctrl('n'));
    assert_eq!(s.cursor, 2);
    update(&mut s, ctrl('p'));
    assert_eq!(s.cursor, 1);
    assert_eq!(
        s.search.as_ref().unwrap().query,
        "a",
        "Ctrl keys are not typed"
    );
    key(&mut s, KeyCode::PageDown);
    assert!(s.cursor > 1);
    key(&mut s, KeyCode::Home);
    assert_eq!(s.cursor, 0);
    // End reaches the last result and asks for the next page, keeping the query.
    let cmds = key(&mut s, KeyCode::End);
    assert_eq!(s.cursor, SEARCH_PAGE - 1);
    assert!(
        matches!(&cmds[..], [Cmd::Search { query, limit, .. }] if query == "a" && *limit == 2 * SEARCH_PAGE),
        "{cmds:?}"
    );
    assert!(key(&mut s, KeyCode::End).is_empty(), "asked once");
    let generation = s.generation;
    update(
        &mut s,
        Msg::SearchResults {
            generation,
            hits: hits(150),
        },
    );
    assert_eq!(s.cursor, SEARCH_PAGE - 1, "the cursor stays on its result");
    assert!(!s.search.as_ref().unwrap().more, "150 of 200: that was all");
    assert!(key(&mut s, KeyCode::End).is_empty());
    assert_eq!(s.cursor, 149);
}

#[test]
fn enter_opens_a_result_whichever_pane_the_search_began_in() {
    for focus in [Focus::Publications, Focus::Headlines, Focus::Article] {
        let mut s = state();
        s.focus = focus;
        searched(&mut s, "hit", 3);
        key(&mut s, KeyCode::Down);
        let cmds = key(&mut s, KeyCode::Enter);
        assert_eq!(cmds[0], Cmd::LoadArticle { id: 2 }, "from {focus:?}");
        assert_eq!(s.focus, Focus::Article);
        // In the article pane with the results open, Enter opens the selected result.
        s.cursor = 2;
        let cmds = key(&mut s, KeyCode::Enter);
        assert_eq!(cmds[0], Cmd::LoadArticle { id: 3 }, "from {focus:?}");
    }
}
