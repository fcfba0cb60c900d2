//! The whole app in one process: the real `runtime::run` loop on a recording `TestBackend`,
//! with a scripted stream of key presses, the real cache, fetcher and GitHub session against
//! loopback fakes. It resumes the session (`@octocat`), shows the fetched headlines, opens an
//! article, goes idle without writing to the terminal, and quits.

use chrono::Utc;
use newsroom::app::{self, KeyMap, Msg, State};
use newsroom::auth::{Auth, AuthSettings, EnvOverrides, Token};
use newsroom::config::Publication;
use newsroom::fetch::{FetchSettings, Fetcher};
use newsroom::runtime::{self, Runtime};
use newsroom::store::{SharedStore, Store};
use ratatui::Terminal;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use tokio::sync::mpsc;

use crate::support::fake_github::{FakeGithub, Script};
use crate::support::feed_server::{FeedServer, Route};
use crate::support::screen::recording;

const TOKEN: &str = "gho_FAKEinprocess00000000000000000000001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_app_signs_in_reads_an_article_idles_and_quits() {
    let gh = FakeGithub::start(Script::default());
    gh.add_token(TOKEN);
    let feeds = FeedServer::start([
        ("/bbc.xml", Route::fixture("app/bbc.xml")),
        ("/cnn.xml", Route::fixture("app/cnn.xml")),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let pubs = vec![
        Publication {
            name: "BBC".into(),
            url: feeds.url("/bbc.xml"),
            key: Some('b'),
            full_text: false,
        },
        Publication {
            name: "CNN".into(),
            url: feeds.url("/cnn.xml"),
            key: Some('c'),
            full_text: false,
        },
    ];
    let auth = Auth::new(AuthSettings::new(
        &gh.github_config("github.test"),
        dir.path(),
        EnvOverrides {
            token: Some(Token::new(TOKEN.into())),
            ..EnvOverrides::default()
        },
    ))
    .unwrap();
    let (store, _) = Store::open(&dir.path().join("cache.db")).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (edges, opened) = crate::support::watched_edges();
    let runtime = Runtime::new(
        SharedStore::new(store),
        Fetcher::new(FetchSettings::default()).unwrap(),
        pubs.clone(),
        edges,
        Some(auth),
        tx,
    );
    let keys = KeyMap::new(
        &[],
        &pubs
            .iter()
            .map(|p| (p.key, p.name.clone()))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let mut state = State::new(
        pubs.iter().map(|p| (p.name.clone(), p.url.clone())),
        keys,
        Utc::now(),
        (100, 30),
    );
    let check = app::check_session(&mut state);
    runtime.exec(check);

    let (backend, mut screen) = recording(100, 30);
    let mut terminal = Terminal::new(backend).unwrap();
    let (keys_tx, mut keys_rx) = mpsc::unbounded_channel::<Msg>();
    let events = futures::stream::poll_fn(move |cx| keys_rx.poll_recv(cx));
    let press = |c: KeyCode| keys_tx.send(Msg::Key(KeyEvent::from(c))).unwrap();

    let script = async {
        screen.wait_for("Signed in as @octocat").await;
        screen
            .wait_for("Storm Ophelia brings gales to the north")
            .await;
        press(KeyCode::Enter);
        let article = screen.wait_for("Gales of up to 90mph").await;
        assert!(article.contains("Article"), "{article}");
        // Idle: the article is open, every feed is done. A second's ticks change nothing on
        // screen, so nothing is written.
        screen.wait_for("Updated").await;
        // Ages are shown to the minute, so a new minute redraws once: keep the window clear
        // of a minute's turn.
        let into_minute = u64::try_from(Utc::now().timestamp().rem_euclid(60)).unwrap();
        if into_minute >= 56 {
            tokio::time::sleep(std::time::Duration::from_secs(62 - into_minute)).await;
        }
        let (cells, frames) = (screen.cells_written(), screen.frames());
        // Absence over a bounded window: more than two idle ticks.
        tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
        assert_eq!(
            screen.cells_written(),
            cells,
            "an idle reader writes nothing"
        );
        assert_eq!(
            screen.frames(),
            frames,
            "an idle reader does not even draw; screen:\n{}",
            screen.now()
        );
        press(KeyCode::Char('o'));
        press(KeyCode::Char('q'));
    };
    let (result, ()) = tokio::join!(
        runtime::run(&mut terminal, &mut state, &runtime, &mut rx, events),
        script
    );
    result.unwrap();
    assert!(state.quit);
    assert_eq!(
        opened.lock().unwrap().as_slice(),
        ["https://www.bbc.com/news/articles/c0000000001o"]
    );
    assert_eq!(
        runtime.github_session().map(|s| s.login().to_owned()),
        Some("octocat".into()),
        "the session is kept after sign-in"
    );
}
