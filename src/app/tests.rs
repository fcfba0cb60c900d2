//! The core without IO: messages in, state and commands out.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::state::SEARCH_PAGE;
use super::*;
use crate::model::{Headline, SearchHit};

/// The reading loop of issue 14: next unread, full screen, pane width, links, views.
mod reading;

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

/// An answer of the sign-in edge to the attempt now running.
fn auth(s: &mut State, msg: AuthMsg) -> Vec<Cmd> {
    let attempt = s.requests.auth;
    update(s, Msg::Auth { attempt, msg })
}

/// An answer of the feeds edge to the refresh of `url` now running.
fn refreshed(s: &mut State, url: &str, outcome: FeedOutcome) -> Vec<Cmd> {
    let request = s
        .pubs
        .iter()
        .find(|p| p.url == url)
        .map_or(0, |p| p.refresh_request);
    update(
        s,
        Msg::Refreshed {
            request,
            url: url.into(),
            outcome,
            at: now(),
        },
    )
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
    assert!(
        matches!(&cmds[..], [Cmd::Cache(CacheCmd::LoadHeadlines { url, .. })] if url == "https://c/")
    );
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
            Cmd::Cache(CacheCmd::LoadArticle {
                id: 2,
                request: s.requests.article
            }),
            Cmd::Cache(CacheCmd::SetRead { id: 2, read: true })
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
        [Cmd::Feeds(FeedCmd::Refresh {
            urls: vec!["https://b/".into(), "https://c/".into()],
            force: true,
            request: s.pubs[0].refresh_request,
        })]
    );
    assert!(s.pubs.iter().all(|p| p.status == FeedStatus::Loading));
    assert!(
        ch(&mut s, 'r').is_empty(),
        "no second request while one is running"
    );
    refreshed(&mut s, "https://c/", FeedOutcome::Failed("HTTP 500".into()));
    assert_eq!(s.pubs[1].status, FeedStatus::Failed("HTTP 500".into()));
    assert_eq!(s.pubs[0].status, FeedStatus::Loading);
    let cmds = refreshed(
        &mut s,
        "https://b/",
        FeedOutcome::Updated {
            new: 2,
            items: 5,
            first: false,
        },
    );
    assert!(cmds.contains(&Cmd::Cache(CacheCmd::LoadUnreadCounts)));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Cache(CacheCmd::LoadHeadlines { .. })))
    );
}

#[test]
fn auto_refresh_runs_on_its_period() {
    let mut s = state();
    s.refresh_every = Some(std::time::Duration::from_secs(600));
    assert!(update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(599))).is_empty());
    let cmds = update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(601)));
    assert!(
        matches!(
            &cmds[..],
            [Cmd::Feeds(FeedCmd::Refresh { force: false, .. })]
        ),
        "{cmds:?}"
    );
}

#[test]
fn open_in_browser_only_for_http_links() {
    let mut s = state();
    assert_eq!(
        ch(&mut s, 'o'),
        [Cmd::System(SystemCmd::OpenUrl(
            "https://example.com/1".into()
        ))]
    );
    s.headlines[0].link = Some("javascript:alert(1)".into());
    assert!(ch(&mut s, 'o').is_empty());
    assert_eq!(s.notice.as_ref().unwrap().kind, NoticeKind::Error);
    s.headlines[0].link = Some("https://example.com/x".into());
    assert_eq!(
        ch(&mut s, 'y'),
        [Cmd::System(SystemCmd::Copy("https://example.com/x".into()))]
    );
}

#[test]
fn copy_notices_say_what_actually_happened() {
    let mut s = state();
    s.notice = None;
    ch(&mut s, 'y');
    assert!(s.notice.is_none(), "nothing is claimed before the copy ran");
    let text = |s: &State| s.notice.as_ref().map(|n| (n.kind, n.text.clone()));
    let copied = |result| Msg::Copied {
        text: "https://example.com/1".into(),
        result,
    };
    update(&mut s, copied(Ok(Copied::By("tmux"))));
    assert_eq!(
        text(&s),
        Some((NoticeKind::Info, "Copied https://example.com/1".into()))
    );
    update(&mut s, copied(Ok(Copied::Osc52)));
    let (kind, t) = text(&s).unwrap();
    assert_eq!(kind, NoticeKind::Info);
    assert!(!t.starts_with("Copied") && t.contains("OSC 52"), "{t}");
    update(&mut s, copied(Err("tmux load-buffer: no server".into())));
    assert_eq!(
        text(&s),
        Some((
            NoticeKind::Error,
            "Could not copy: tmux load-buffer: no server".into()
        ))
    );
}

#[test]
fn read_star_and_mark_all() {
    let mut s = state();
    assert_eq!(
        ch(&mut s, 'u'),
        [Cmd::Cache(CacheCmd::SetRead { id: 1, read: true })]
    );
    assert_eq!(s.pubs[0].unread, 2);
    assert_eq!(
        ch(&mut s, 's'),
        [Cmd::Cache(CacheCmd::SetStarred {
            id: 1,
            starred: true
        })]
    );
    assert_eq!(
        ch(&mut s, 'A'),
        [Cmd::Cache(CacheCmd::MarkAllRead {
            url: "https://b/".into()
        })]
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
        assert!(
            matches!(&cmds[..], [Cmd::Cache(CacheCmd::LoadHeadlines { filter, .. })] if *filter == want)
        );
    }
}

#[test]
fn search_types_live_and_results_behave_like_headlines() {
    let mut s = state();
    ch(&mut s, '/');
    assert!(s.search.as_ref().unwrap().editing);
    let cmds = ch(&mut s, 'l');
    let Cmd::Cache(CacheCmd::Search {
        query, generation, ..
    }) = &cmds[0]
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
            Cmd::Cache(CacheCmd::LoadArticle {
                id: 8,
                request: s.requests.article
            }),
            Cmd::Cache(CacheCmd::SetRead { id: 8, read: true }),
            Cmd::Cache(CacheCmd::LoadUnreadCounts)
        ]
    );
    assert!(!s.search.as_ref().unwrap().editing);
    key(&mut s, KeyCode::Esc); // article → results
    assert!(s.search.is_some());
    let cmds = key(&mut s, KeyCode::Esc); // results → back to the publication
    assert!(s.search.is_none());
    assert!(
        matches!(&cmds[..], [Cmd::Cache(CacheCmd::LoadHeadlines { url, .. })] if url == "https://b/")
    );
}

#[test]
fn mouse_clicks_select_and_the_wheel_scrolls() {
    let mut s = state();
    let areas = crate::layout::Areas::of(s.viewport);
    // Click the second publication (row 1 inside the border, below the views and their rule).
    let cmds = click(
        &mut s,
        MouseEventKind::Down(MouseButton::Left),
        areas.pubs.x + 3,
        areas.pubs.y + 2 + crate::layout::VIEW_ROWS,
    );
    assert_eq!(s.selected, 1);
    assert!(matches!(
        &cmds[..],
        [Cmd::Cache(CacheCmd::LoadHeadlines { .. })]
    ));
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
    assert_eq!(
        cmds[0],
        Cmd::Cache(CacheCmd::LoadArticle {
            id: 3,
            request: s.requests.article
        })
    );
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
    let cmds = auth(&mut s, AuthMsg::NeedsSignIn { reason: None });
    assert!(matches!(
        &cmds[..],
        [Cmd::Github(GithubCmd::StartSignIn { .. })]
    ));
    auth(
        &mut s,
        AuthMsg::Code {
            user_code: "WDJB-MJHT".into(),
            verification_uri: "https://github.com/login/device".into(),
            expires_at: now(),
        },
    );
    assert!(
        ch(&mut s, 'j').is_empty(),
        "reader keys do nothing on the sign-in screen"
    );
    assert_eq!(
        ch(&mut s, 'c'),
        [Cmd::System(SystemCmd::Copy("WDJB-MJHT".into()))]
    );
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        [Cmd::System(SystemCmd::OpenUrl(
            "https://github.com/login/device".into()
        ))]
    );
    assert_eq!(
        key(&mut s, KeyCode::Esc),
        [Cmd::Github(GithubCmd::CancelSignIn)]
    );
    assert!(matches!(
        s.signin.as_ref().unwrap().phase,
        Phase::Stopped { .. }
    ));
    assert!(
        matches!(
            &key(&mut s, KeyCode::Enter)[..],
            [Cmd::Github(GithubCmd::StartSignIn { .. })]
        ),
        "Enter tries again"
    );
    auth(
        &mut s,
        AuthMsg::Failed {
            message: "You declined.".into(),
        },
    );
    let cmds = auth(
        &mut s,
        AuthMsg::SignedIn {
            login: "octocat".into(),
        },
    );
    assert!(s.signin.is_none());
    assert_eq!(
        s.session,
        Session::SignedIn {
            login: "octocat".into()
        }
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Cache(CacheCmd::LoadHeadlines { .. })))
    );
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

#[test]
fn a_missing_scope_says_which_and_the_sign_in_key_asks_for_it() {
    let mut s = state();
    auth(
        &mut s,
        AuthMsg::MissingScope {
            scope: "gist".into(),
            message: "newsroom needs the `gist` scope for sync".into(),
            from_env: false,
        },
    );
    let n = s.notice.clone().unwrap();
    assert!(
        n.text.contains("`gist`") && n.text.contains("press L"),
        "{}",
        n.text
    );
    let cmds = ch(&mut s, 'L');
    assert!(s.signin.is_some(), "the sign-in screen opens");
    assert!(
        matches!(&cmds[..], [Cmd::Github(GithubCmd::StartSignIn { scopes, .. })] if scopes == &["gist".to_owned()]),
        "{cmds:?}"
    );
}

#[test]
fn a_token_from_the_environment_is_named_and_not_offered_a_sign_in() {
    let mut s = state();
    auth(
        &mut s,
        AuthMsg::MissingScope {
            scope: "gist".into(),
            message: "the token in NEWSROOM_GITHUB_TOKEN lacks the `gist` scope".into(),
            from_env: true,
        },
    );
    let n = s.notice.clone().unwrap();
    assert!(
        n.text.contains("NEWSROOM_GITHUB_TOKEN") && !n.text.contains("press"),
        "{}",
        n.text
    );
    assert!(s.missing_scopes.is_empty());
}

#[test]
fn hints_follow_the_key_table_in_effect() {
    let keys = KeyMap::new(&[("sign_in".into(), vec!["Ctrl-g".into()])], &[]).unwrap();
    let mut s = State::new(
        [("A".to_owned(), "https://a/".to_owned())],
        keys,
        now(),
        (80, 24),
    );
    auth(
        &mut s,
        AuthMsg::MissingScope {
            scope: "gist".into(),
            message: "needs `gist`".into(),
            from_env: false,
        },
    );
    assert!(s.notice.unwrap().text.contains("press Ctrl-g"));
}

#[test]
fn answers_to_an_older_request_are_dropped() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    let first = s.requests.article;
    key(&mut s, KeyCode::Esc);
    ch(&mut s, 'j');
    key(&mut s, KeyCode::Enter);
    assert_ne!(s.requests.article, first, "a second open");
    let article = |id| crate::model::Article {
        headline: h(id, "x"),
        publication: "BBC".into(),
        author: None,
        content_html: String::new(),
        full_text: None,
        full_text_error: None,
        enclosures: Vec::new(),
    };
    update(
        &mut s,
        Msg::Article {
            request: first,
            article: Box::new(article(1)),
            text: "stale".into(),
        },
    );
    assert!(s.article.is_none(), "the first open was overtaken");
    let latest = s.requests.article;
    update(
        &mut s,
        Msg::Article {
            request: latest,
            article: Box::new(article(2)),
            text: "fresh".into(),
        },
    );
    assert_eq!(s.article.as_ref().unwrap().text, "fresh");

    // A cancelled sign-in's late answers change nothing.
    auth(&mut s, AuthMsg::NeedsSignIn { reason: None });
    let cancelled = s.requests.auth;
    key(&mut s, KeyCode::Esc);
    update(
        &mut s,
        Msg::Auth {
            attempt: cancelled,
            msg: AuthMsg::SignedIn {
                login: "late".into(),
            },
        },
    );
    assert!(!matches!(s.session, Session::SignedIn { .. }));
}

#[test]
fn an_idle_tick_asks_for_no_redraw() {
    let mut s = state();
    s.redraw = false;
    update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(1)));
    assert!(!s.redraw, "nothing on screen moved");
    s.pubs[0].status = FeedStatus::Loading;
    update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(2)));
    assert!(s.redraw, "a spinner moves");
    s.redraw = false;
    s.pubs[0].status = FeedStatus::Idle;
    update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(65)));
    assert!(s.redraw, "a new minute changes the ages shown");
}

#[test]
fn the_sign_in_and_help_screens_have_their_own_configurable_tables() {
    let keys = KeyMap::new(
        &[
            ("signin.copy_code".into(), vec!["y".into()]),
            ("help.back".into(), vec!["x".into()]),
        ],
        &[],
    )
    .unwrap();
    let mut s = State::new(
        [("A".to_owned(), "https://a/".to_owned())],
        keys,
        now(),
        (80, 24),
    );
    auth(&mut s, AuthMsg::NeedsSignIn { reason: None });
    auth(
        &mut s,
        AuthMsg::Code {
            user_code: "WDJB-MJHT".into(),
            verification_uri: "https://github.com/login/device".into(),
            expires_at: now(),
        },
    );
    assert!(ch(&mut s, 'c').is_empty(), "c is no longer the copy key");
    assert_eq!(
        ch(&mut s, 'y'),
        [Cmd::System(SystemCmd::Copy("WDJB-MJHT".into()))]
    );

    let mut s = state_with(KeyMap::new(&[("help.back".into(), vec!["x".into()])], &[]).unwrap());
    ch(&mut s, '?');
    ch(&mut s, 'q');
    assert!(
        s.help && !s.quit,
        "q no longer closes help, nor quits there"
    );
    ch(&mut s, 'x');
    assert!(!s.help);

    let e = KeyMap::new(&[("signin.retry".into(), vec!["c".into()])], &[]).unwrap_err();
    assert!(
        e.contains("[keys.signin]") && e.contains("copy_code"),
        "{e}"
    );
    let e = KeyMap::new(&[("signin.refresh".into(), vec!["x".into()])], &[]).unwrap_err();
    assert!(e.contains("not an action there"), "{e}");
}

fn state_with(keys: KeyMap) -> State {
    State::new(
        [("A".to_owned(), "https://a/".to_owned())],
        keys,
        now(),
        (80, 24),
    )
}

#[test]
fn a_first_fetch_announces_nothing_even_when_the_feed_repeats_guids() {
    let mut s = state();
    s.focus = Focus::Publications;
    // 109 items, 98 unique, none cached before: the whole feed, not news that arrived.
    refreshed(
        &mut s,
        "https://c/",
        FeedOutcome::Updated {
            new: 98,
            items: 109,
            first: true,
        },
    );
    assert_eq!(s.pubs[1].new, 0);
    // Later arrivals are announced.
    refreshed(
        &mut s,
        "https://c/",
        FeedOutcome::Updated {
            new: 3,
            items: 109,
            first: false,
        },
    );
    assert_eq!(s.pubs[1].new, 3);
}

/// Signed in with both GitHub publications shown after the configured ones.
fn signed_in_with_github() -> (State, Vec<Cmd>) {
    let mut s = state();
    s.github_pubs = crate::github::pubs::publications(true, true);
    let cmds = auth(
        &mut s,
        AuthMsg::Resumed {
            login: "octocat".into(),
        },
    );
    (s, cmds)
}

#[test]
fn github_publications_appear_after_the_configured_ones_and_refresh_politely() {
    let (s, cmds) = signed_in_with_github();
    let names: Vec<&str> = s.pubs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["BBC", "CNN", "GitHub", "GitHub releases"]);
    let github: Vec<&Cmd> = cmds
        .iter()
        .filter(|c| matches!(c, Cmd::Github(GithubCmd::Refresh { force: false, .. })))
        .collect();
    assert_eq!(github.len(), 2, "{cmds:?}");
    // Signing in again does not add them twice.
    let (mut s, _) = signed_in_with_github();
    auth(
        &mut s,
        AuthMsg::SignedIn {
            login: "octocat".into(),
        },
    );
    assert_eq!(s.pubs.len(), 4);
}

#[test]
fn only_r_on_a_github_publication_polls_sooner_than_github_asks() {
    let (mut s, _) = signed_in_with_github();
    for p in &mut s.pubs {
        p.status = FeedStatus::Idle;
    }
    let all = ch(&mut s, 'R');
    assert!(
        all.iter()
            .any(|c| matches!(c, Cmd::Feeds(FeedCmd::Refresh { force: true, .. })))
    );
    assert!(
        all.iter()
            .all(|c| !matches!(c, Cmd::Github(GithubCmd::Refresh { force: true, .. }))),
        "R refreshes the feeds forced, GitHub politely: {all:?}"
    );
    for p in &mut s.pubs {
        p.status = FeedStatus::Idle;
    }
    s.selected = 2;
    let one = ch(&mut s, 'r');
    assert!(
        matches!(one.as_slice(), [Cmd::Github(GithubCmd::Refresh { key, force: true, .. })] if key == crate::model::GITHUB_INBOX),
        "{one:?}"
    );
}

#[test]
fn opening_a_notification_marks_it_read_on_github_and_d_marks_it_done() {
    let (mut s, _) = signed_in_with_github();
    s.selected = 2;
    s.headlines = vec![h(7, "a"), h(8, "b")];
    s.headlines_of = Some(crate::model::GITHUB_INBOX.into());
    s.pubs[2].unread = 2;
    let open = key(&mut s, KeyCode::Enter);
    assert!(
        open.contains(
            &GithubCmd::MarkThread {
                article: 7,
                done: false
            }
            .into()
        ),
        "{open:?}"
    );
    let again = key(&mut s, KeyCode::Esc);
    assert!(again.is_empty());
    // `u` marks read on GitHub too; unread again is local only (GitHub cannot do it).
    ch(&mut s, 'u');
    assert_eq!(
        ch(&mut s, 'u'),
        vec![
            Cmd::from(CacheCmd::SetRead { id: 7, read: true }),
            GithubCmd::MarkThread {
                article: 7,
                done: false
            }
            .into()
        ]
    );
    ch(&mut s, 'j');
    let done = ch(&mut s, 'd');
    assert_eq!(
        done,
        vec![Cmd::from(GithubCmd::MarkThread {
            article: 8,
            done: true
        })]
    );
    assert_eq!(s.headlines.len(), 1, "gone from the list");
    assert_eq!(s.pubs[2].unread, 0);
    let all = ch(&mut s, 'A');
    assert!(all.contains(&GithubCmd::MarkAllThreadsRead { at: s.now }.into()));
    // `d` elsewhere is not a GitHub write.
    s.selected = 0;
    s.headlines_of = Some("https://b/".into());
    s.headlines = vec![h(1, "one")];
    assert!(ch(&mut s, 'd').is_empty());
    assert_eq!(s.headlines.len(), 1);
}

/// The cache's answer to opening article `id` (request 0: these tests open no other first).
fn article(id: i64, full_text: Option<&str>, error: Option<&str>) -> Msg {
    Msg::Article {
        request: 0,
        article: Box::new(crate::store::Article {
            headline: h(id, "one"),
            publication: "BBC".into(),
            author: None,
            content_html: "<p>The summary.</p>".into(),
            full_text: full_text.map(Into::into),
            full_text_error: error.map(Into::into),
            enclosures: Vec::new(),
        }),
        text: crate::feed::article_text("<p>The summary.</p>"),
    }
}

fn full(s: &State) -> &FullTextView {
    &s.article.as_ref().unwrap().full
}

#[test]
fn f_fetches_the_full_text_once_and_toggles_back_to_the_feeds_text() {
    let mut s = state();
    // No article open: nothing to fetch, and the reader is told why.
    assert_eq!(ch(&mut s, 'F'), vec![]);
    assert!(s.notice.is_some());

    update(&mut s, article(1, None, None));
    assert_eq!(full(&s), &FullTextView::Feed);
    assert_eq!(
        ch(&mut s, 'F'),
        vec![Cmd::from(FeedCmd::FetchFullText { id: 1 })]
    );
    assert_eq!(full(&s), &FullTextView::Loading);
    // An answer for another article is stale: dropped.
    update(
        &mut s,
        Msg::FullText {
            id: 2,
            result: Ok("Other story".into()),
        },
    );
    assert_eq!(full(&s), &FullTextView::Loading);
    update(
        &mut s,
        Msg::FullText {
            id: 1,
            result: Ok("The \u{1b}[2Jstory.".into()),
        },
    );
    assert_eq!(full(&s), &FullTextView::Full);
    // The answer passes the gate once more on its way in.
    assert_eq!(s.article.as_ref().unwrap().shown_text(), "The story.");
    // F again: the feed's text, and back without a fetch.
    assert_eq!(ch(&mut s, 'F'), vec![]);
    assert_eq!(s.article.as_ref().unwrap().shown_text(), "The summary.");
    assert_eq!(ch(&mut s, 'F'), vec![]);
    assert_eq!(full(&s), &FullTextView::Full);
}

#[test]
fn a_failure_keeps_the_feeds_text_and_f_tries_again() {
    let mut s = state();
    update(&mut s, article(1, None, None));
    ch(&mut s, 'F');
    update(
        &mut s,
        Msg::FullText {
            id: 1,
            result: Err("the page answered HTTP 404".into()),
        },
    );
    assert_eq!(
        full(&s),
        &FullTextView::Failed("the page answered HTTP 404".into())
    );
    assert_eq!(s.article.as_ref().unwrap().shown_text(), "The summary.");
    assert_eq!(
        ch(&mut s, 'F'),
        vec![Cmd::from(FeedCmd::FetchFullText { id: 1 })]
    );

    // A background answer does not change what is being read, but F then shows it at once.
    update(&mut s, article(3, None, None));
    update(
        &mut s,
        Msg::FullText {
            id: 3,
            result: Err("timed out".into()),
        },
    );
    assert_eq!(full(&s), &FullTextView::Feed);
    update(
        &mut s,
        Msg::FullText {
            id: 3,
            result: Ok("Story three.".into()),
        },
    );
    assert_eq!(full(&s), &FullTextView::Feed);
    assert_eq!(ch(&mut s, 'F'), vec![]);
    assert_eq!(s.article.as_ref().unwrap().shown_text(), "Story three.");
}

#[test]
fn an_article_opens_on_its_stored_story_or_its_stored_failure() {
    let mut s = state();
    update(&mut s, article(1, Some("Stored story."), None));
    assert_eq!(full(&s), &FullTextView::Full);
    assert_eq!(s.article.as_ref().unwrap().shown_text(), "Stored story.");
    update(
        &mut s,
        article(2, None, Some("the page is not HTML (application/pdf)")),
    );
    assert_eq!(
        full(&s),
        &FullTextView::Failed("the page is not HTML (application/pdf)".into())
    );
    // Without a link there is nothing to fetch.
    let mut no_link = h(4, "four");
    no_link.link = None;
    update(
        &mut s,
        Msg::Article {
            request: 0,
            article: Box::new(crate::store::Article {
                headline: no_link,
                publication: "BBC".into(),
                author: None,
                content_html: String::new(),
                full_text: None,
                full_text_error: None,
                enclosures: Vec::new(),
            }),
            text: String::new(),
        },
    );
    assert_eq!(ch(&mut s, 'F'), vec![]);
    assert!(matches!(full(&s), FullTextView::Failed(_)));
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
        matches!(&cmds[..], [Cmd::Cache(CacheCmd::Search { query, filter: Filter::All, .. })] if query == "stormf")
    );
    key(&mut s, KeyCode::Backspace);
    // Tab leaves the query for the results, where `f` cycles the filter over them.
    key(&mut s, KeyCode::Tab);
    assert!(!s.search.as_ref().unwrap().editing);
    for want in [Filter::Unread, Filter::Starred, Filter::All] {
        let cmds = ch(&mut s, 'f');
        assert_eq!(s.filter, want);
        assert!(
            matches!(&cmds[..], [Cmd::Cache(CacheCmd::Search { query, filter, generation, .. })]
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
        [Cmd::Cache(CacheCmd::LoadHeadlines {
            filter: Filter::Unread,
            ..
        })]
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
        matches!(&cmds[..], [Cmd::Cache(CacheCmd::Search { query, limit, .. })] if query == "a" && *limit == 2 * SEARCH_PAGE),
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
        assert_eq!(
            cmds[0],
            Cmd::Cache(CacheCmd::LoadArticle {
                id: 2,
                request: s.requests.article
            }),
            "from {focus:?}"
        );
        assert_eq!(s.focus, Focus::Article);
        // In the article pane with the results open, Enter opens the selected result.
        s.cursor = 2;
        let cmds = key(&mut s, KeyCode::Enter);
        assert_eq!(
            cmds[0],
            Cmd::Cache(CacheCmd::LoadArticle {
                id: 3,
                request: s.requests.article
            }),
            "from {focus:?}"
        );
    }
}

#[test]
fn the_search_keys_are_a_table_of_their_own() {
    let keys = KeyMap::new(
        &[
            ("search.down".into(), vec!["Ctrl-j".into()]),
            ("search.back".into(), vec!["Ctrl-g".into()]),
        ],
        &[],
    )
    .unwrap();
    let mut s = state_with(keys);
    ch(&mut s, '/');
    for c in "ab".chars() {
        ch(&mut s, c);
    }
    let generation = s.generation;
    update(
        &mut s,
        Msg::SearchResults {
            generation,
            hits: hits(3),
        },
    );
    key(&mut s, KeyCode::Down);
    assert_eq!(s.cursor, 0, "Down is no longer bound in the search table");
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL)),
    );
    assert_eq!(s.cursor, 1);
    key(&mut s, KeyCode::Esc);
    assert!(s.search.is_some(), "Esc no longer closes the search");
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL)),
    );
    assert!(s.search.is_none());
    let e = KeyMap::new(&[("search.down".into(), vec!["Esc".into()])], &[]).unwrap_err();
    assert!(e.contains("[keys.search]"), "{e}");
}
