//! The config read again, and the first run without a client id: messages in, state and
//! commands out.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::*;
use crate::config::{Config, Publication};
use crate::model::Headline;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-14T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn h(id: i64) -> Headline {
    Headline {
        id,
        title: format!("story {id}"),
        link: Some(format!("https://example.com/{id}")),
        published: None,
        read: false,
        starred: false,
    }
}

fn p(name: &str, url: &str, key: Option<char>) -> Publication {
    Publication {
        name: name.into(),
        url: url.into(),
        key,
        full_text: false,
    }
}

/// BBC (`b`) and CNN (`c`); CNN selected, its headlines shown, the cursor on the second.
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
    s.selected = 1;
    s.headlines = vec![h(1), h(2), h(3)];
    s.headlines_of = Some("https://c/".into());
    s.cursor = 1;
    s.pubs[0].unread = 3;
    s.pubs[1].unread = 7;
    s.config_path = Some("/home/ada/.config/newsroom/config.toml".into());
    s
}

fn new_config(pubs: Vec<Publication>, has_client_id: bool) -> NewConfig {
    let d = Config::defaults();
    let keys: Vec<(Option<char>, String)> = pubs.iter().map(|p| (p.key, p.name.clone())).collect();
    NewConfig {
        keys: KeyMap::new(&[], &keys).unwrap(),
        publications: pubs,
        theme: d.theme,
        refresh_every: d.fetch.refresh_every,
        github: d.github,
        github_pubs: Vec::new(),
        has_client_id,
        zone: crate::timefmt::TimeZone::UTC,
        enclosure_commands: crate::model::EnclosureCommands::default(),
    }
}

fn reloaded(s: &mut State, asked: bool, new: NewConfig) -> Vec<Cmd> {
    update(
        s,
        Msg::ConfigReloaded {
            asked,
            result: Ok(Box::new(new)),
        },
    )
}

fn key(s: &mut State, code: KeyCode) -> Vec<Cmd> {
    update(s, Msg::Key(KeyEvent::from(code)))
}

fn refreshed_urls(cmds: &[Cmd]) -> Vec<String> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Feeds(FeedCmd::Refresh { urls, .. }) => Some(urls.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn c_asks_for_the_config_and_is_remappable() {
    let mut s = state();
    assert_eq!(
        update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char('C')))),
        [Cmd::System(SystemCmd::ReloadConfig)]
    );
    s.keys = KeyMap::new(&[("reload_config".into(), vec!["Ctrl-r".into()])], &[]).unwrap();
    assert!(
        update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char('C')))).is_empty(),
        "C is free once remapped"
    );
    let ctrl_r = KeyEvent::new(
        KeyCode::Char('r'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    );
    assert_eq!(
        update(&mut s, Msg::Key(ctrl_r)),
        [Cmd::System(SystemCmd::ReloadConfig)]
    );
    assert!(
        s.keys
            .help_rows(&[])
            .iter()
            .any(|(k, d)| k == "Ctrl-r" && d == "reload the config"),
        "? shows the key in effect"
    );
}

#[test]
fn added_removed_and_renamed_publications_keep_the_selection_and_the_cursor() {
    let mut s = state();
    let cmds = reloaded(
        &mut s,
        false,
        new_config(
            vec![
                p("CNN World", "https://c/", Some('w')),
                p("Gazette", "https://g/", None),
            ],
            true,
        ),
    );
    let names: Vec<&str> = s.pubs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["CNN World", "Gazette"]);
    assert_eq!(s.selected, 0, "the selection follows CNN to its new place");
    assert_eq!(s.pubs[0].unread, 7, "CNN keeps its count");
    assert_eq!(s.cursor, 1, "the cursor stays on its article");
    assert_eq!(s.headlines.len(), 3, "CNN's headlines stay");
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Cmd::Cache(CacheCmd::LoadHeadlines { .. }))),
        "nothing to reload for the selected publication: {cmds:?}"
    );
    assert_eq!(refreshed_urls(&cmds), ["https://g/"], "only the new one");
    assert_eq!(s.pubs[1].status, FeedStatus::Loading);
    // The edges hear of the new list before the refresh is asked for.
    let set = cmds
        .iter()
        .position(|c| matches!(c, Cmd::Feeds(FeedCmd::SetPublications(p)) if p.len() == 2));
    let refresh = cmds
        .iter()
        .position(|c| matches!(c, Cmd::Feeds(FeedCmd::Refresh { .. })));
    assert!(set.is_some() && set < refresh, "{cmds:?}");
    assert!(cmds.iter().any(|c| matches!(
        c,
        Cmd::Cache(CacheCmd::SyncNames { publications }) if publications[0].0 == "CNN World"
    )));
    let n = s.notice.as_ref().unwrap();
    assert_eq!(n.kind, NoticeKind::Info);
    assert_eq!(
        n.text,
        "Config reloaded: added Gazette; removed BBC; renamed CNN → CNN World"
    );
    // The new keys are in effect: `w` selects CNN World, `b` is gone.
    assert_eq!(s.keys.publication_for(Key::ch('w')), Some(0));
    assert_eq!(s.keys.publication_for(Key::ch('b')), None);
}

#[test]
fn when_the_selected_publication_goes_the_one_in_its_place_is_loaded() {
    let mut s = state();
    s.focus = Focus::Article;
    let cmds = reloaded(
        &mut s,
        false,
        new_config(vec![p("BBC", "https://b/", Some('b'))], true),
    );
    assert_eq!(s.selected, 0);
    assert!(s.headlines.is_empty() && s.article.is_none());
    assert_eq!(s.cursor, 0);
    assert_eq!(s.focus, Focus::Headlines);
    assert!(cmds.iter().any(|c| matches!(
        c,
        Cmd::Cache(CacheCmd::LoadHeadlines { url, .. }) if url == "https://b/"
    )));
    assert!(refreshed_urls(&cmds).is_empty(), "BBC is not new");
}

#[test]
fn asked_for_an_unchanged_config_says_so_and_a_watched_one_stays_quiet() {
    let same = || {
        new_config(
            vec![
                p("BBC", "https://b/", Some('b')),
                p("CNN", "https://c/", Some('c')),
            ],
            true,
        )
    };
    let mut s = state();
    reloaded(&mut s, false, same());
    assert!(s.notice.is_none(), "a file touched, nothing changed");
    reloaded(&mut s, true, same());
    assert_eq!(
        s.notice.as_ref().unwrap().text,
        "Config reloaded: the publications are unchanged"
    );
    assert_eq!(s.selected, 1);
    assert_eq!(s.cursor, 1);
}

#[test]
fn a_broken_config_keeps_the_running_one_and_says_where() {
    let mut s = state();
    let before = (s.pubs.clone(), s.selected, s.cursor);
    let cmds = update(
        &mut s,
        Msg::ConfigReloaded {
            asked: false,
            result: Err("/home/ada/.config/newsroom/config.toml:3:7: invalid string".into()),
        },
    );
    assert!(cmds.is_empty());
    assert_eq!((s.pubs.clone(), s.selected, s.cursor), before);
    assert_eq!(s.keys.publication_for(Key::ch('b')), Some(0));
    let n = s.notice.as_ref().unwrap();
    assert_eq!(n.kind, NoticeKind::Error);
    assert!(
        n.text.contains("config.toml:3:7: invalid string") && n.text.contains("Config not"),
        "{}",
        n.text
    );
}

#[test]
fn signed_in_the_github_publications_follow_the_github_section() {
    let mut s = state();
    s.pubs.push(PubState {
        name: "GitHub".into(),
        url: crate::model::GITHUB_INBOX.into(),
        status: FeedStatus::Idle,
        unread: 2,
        new: 0,
        refresh_request: 0,
    });
    let mut new = new_config(vec![p("CNN", "https://c/", None)], true);
    new.github_pubs = vec![("GitHub".into(), crate::model::GITHUB_INBOX.into())];
    reloaded(&mut s, false, new);
    let urls: Vec<&str> = s.pubs.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(urls, ["https://c/", crate::model::GITHUB_INBOX]);
    assert_eq!(s.pubs[1].unread, 2);
    // `inbox = false`: it goes.
    reloaded(
        &mut s,
        false,
        new_config(vec![p("CNN", "https://c/", None)], true),
    );
    assert_eq!(s.pubs.len(), 1);
}

/// The first run: no client id anywhere.
fn first_run() -> State {
    let mut s = state();
    s.signin = Some(SignIn::starting(None));
    let attempt = s.requests.auth;
    update(
        &mut s,
        Msg::Auth {
            attempt,
            msg: AuthMsg::NoClientId {
                web_url: "https://github.com".into(),
            },
        },
    );
    s
}

#[test]
fn the_first_run_reads_the_config_again_on_enter_and_signs_in_once_an_id_is_there() {
    let mut s = first_run();
    assert!(matches!(
        s.signin.as_ref().unwrap().phase,
        Phase::NeedsClientId { scroll: 0, .. }
    ));
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        [Cmd::System(SystemCmd::ReloadConfig)]
    );

    // Still none: the screen stays and says so.
    let cmds = reloaded(&mut s, true, new_config(vec![], false));
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Cmd::Github(GithubCmd::StartSignIn { .. })))
    );
    assert!(matches!(
        s.signin.as_ref().unwrap().phase,
        Phase::NeedsClientId { .. }
    ));
    let n = s.notice.as_ref().unwrap();
    assert!(
        n.kind == NoticeKind::Error && n.text.contains("/home/ada/.config/newsroom/config.toml"),
        "{}",
        n.text
    );

    // Now it is there: `[github]` reaches the edge first, then the sign-in starts.
    let cmds = reloaded(&mut s, true, new_config(vec![], true));
    let configure = cmds
        .iter()
        .position(|c| matches!(c, Cmd::Github(GithubCmd::Configure { .. })));
    let start = cmds
        .iter()
        .position(|c| matches!(c, Cmd::Github(GithubCmd::StartSignIn { .. })));
    assert!(
        configure.is_some() && start.is_some() && configure < start,
        "{cmds:?}"
    );
    assert_eq!(s.signin.as_ref().unwrap().phase, Phase::Starting);
    assert!(s.notice.is_none());
}

#[test]
fn the_first_run_screen_scrolls_only_when_it_does_not_fit() {
    let mut s = first_run();
    key(&mut s, KeyCode::Char('j'));
    assert!(
        matches!(
            s.signin.as_ref().unwrap().phase,
            Phase::NeedsClientId { scroll: 0, .. }
        ),
        "it fits at 80x24"
    );
    update(&mut s, Msg::Resize(44, 12));
    let scroll = |s: &State| match s.signin.as_ref().unwrap().phase {
        Phase::NeedsClientId { scroll, .. } => scroll,
        _ => panic!("not the first-run screen"),
    };
    let (_, max) = first_run::layout(&s, "https://github.com");
    assert!(max > 2, "{max}");
    key(&mut s, KeyCode::Down);
    assert_eq!(scroll(&s), 1);
    for _ in 0..100 {
        key(&mut s, KeyCode::Char('j'));
    }
    assert_eq!(scroll(&s), max, "bounded by what there is to see");
    key(&mut s, KeyCode::Char('k'));
    assert_eq!(scroll(&s), max - 1, "and back at once");
}
