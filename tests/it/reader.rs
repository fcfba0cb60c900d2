//! The reader end to end: fixture feeds served over loopback HTTP flow through the real fetch →
//! parse → cache pipeline into the app state; and the real binary, driven in tmux, switches
//! publications and opens an article.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use newsroom::app::{self, CacheCmd, Cmd, FeedStatus, KeyMap, Msg, State};
use newsroom::config::Publication;
use newsroom::fetch::{FetchSettings, Fetcher};
use newsroom::runtime::Runtime;
use newsroom::store::{SharedStore, Store};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use tokio::sync::mpsc;

use crate::support::fake_github::{FakeGithub, Script};
use crate::support::feed_server::{FeedServer, Route};
use crate::support::tmux::{Tmux, require};

fn feeds() -> FeedServer {
    FeedServer::start([
        ("/bbc.xml", Route::fixture("app/bbc.xml").with_validators()),
        ("/cnn.xml", Route::fixture("app/cnn.xml").with_validators()),
        ("/gone.xml", Route::status(404)),
    ])
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::from(KeyCode::Char(c)))
}

pub struct Harness {
    pub runtime: Runtime,
    pub state: State,
    pub rx: mpsc::UnboundedReceiver<Msg>,
    opened: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Harness {
    pub fn new(pubs: Vec<Publication>, db: &Path) -> Self {
        Self::with_cap(pubs, db, 1 << 20)
    }

    fn with_cap(pubs: Vec<Publication>, db: &Path, max_bytes: u64) -> Self {
        let (store, _) = Store::open(db).expect("cache opens");
        let fetcher = Fetcher::new(FetchSettings {
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(2),
            max_bytes,
            concurrency: 4,
            per_host: 4,
        })
        .expect("client builds");
        let (tx, rx) = mpsc::unbounded_channel();
        let (edges, opened) = crate::support::watched_edges();
        let keys = KeyMap::new(
            &[],
            &pubs
                .iter()
                .map(|p| (p.key, p.name.clone()))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let state = State::new(
            pubs.iter().map(|p| (p.name.clone(), p.url.clone())),
            keys,
            Utc::now(),
            (100, 30),
        );
        let runtime = Runtime::new(SharedStore::new(store), fetcher, pubs, edges, None, tx);
        Self {
            runtime,
            state,
            rx,
            opened,
        }
    }

    pub fn send(&mut self, msg: Msg) {
        for cmd in app::update(&mut self.state, msg) {
            self.runtime.exec(cmd);
        }
    }

    /// Feeds results back into `update` until `done` holds (bounded).
    pub async fn settle(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        // Generous: a bound against hanging, not a speed target (the machine may be busy).
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(&self.state) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}: {:#?}",
                self.state.pubs
            );
            if let Ok(Some(msg)) = tokio::time::timeout(left, self.rx.recv()).await {
                self.send(msg);
            }
        }
    }
}

fn publications(server: &FeedServer) -> Vec<Publication> {
    vec![
        Publication {
            name: "BBC".into(),
            url: server.url("/bbc.xml"),
            key: Some('b'),
            full_text: false,
        },
        Publication {
            name: "CNN".into(),
            url: server.url("/cnn.xml"),
            key: Some('c'),
            full_text: false,
        },
        Publication {
            name: "Gone".into(),
            url: server.url("/gone.xml"),
            key: None,
            full_text: false,
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetched_feeds_flow_into_the_state_and_one_failure_disturbs_no_other() {
    let server = feeds();
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::new(publications(&server), &dir.path().join("cache.db"));
    for cmd in app::init(&mut h.state) {
        h.runtime.exec(cmd);
    }
    // Done when every refresh has answered, the headlines arrived, and the counts that the
    // last refresh asked for came back.
    h.settle("every refresh", |s| {
        s.pubs.iter().all(|p| p.status != FeedStatus::Loading)
            && !s.headlines.is_empty()
            && s.pubs[1].unread > 0
    })
    .await;

    let titles: Vec<&str> = h.state.headlines.iter().map(|x| x.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Storm Ophelia brings gales to the north",
            "Orchestra returns to restored concert hall",
            "Village bakery wins national award"
        ]
    );
    assert_eq!(h.state.pubs[0].unread, 3);
    assert_eq!(h.state.pubs[1].unread, 2);
    match &h.state.pubs[2].status {
        FeedStatus::Failed(why) => assert!(why.contains("404"), "{why}"),
        other => panic!("the 404 feed should show an error, not {other:?}"),
    }

    // `c` switches to CNN; Enter opens the first article and marks it read.
    h.send(key('c'));
    h.settle("CNN's headlines", |s| {
        s.headlines
            .iter()
            .any(|x| x.title.starts_with("Lunar lander"))
    })
    .await;
    h.send(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    h.settle("the article", |s| s.article.is_some()).await;
    let a = h.state.article.as_ref().unwrap();
    assert!(a.text.contains("all systems"), "{}", a.text);
    assert!(!a.text.contains("<b>"), "markup must be gone: {}", a.text);
    assert_eq!(h.state.pubs[1].unread, 1);

    // `o` hands the article's link to the browser edge.
    h.send(key('o'));
    assert_eq!(
        h.opened.lock().unwrap().as_slice(),
        ["http://rss.cnn.com/~r/rss/edition/~3/lunar-lander/index.html"]
    );

    // `/` searches every publication as you type; Enter opens a result.
    h.send(Msg::Key(KeyEvent::from(KeyCode::Esc)));
    h.send(key('/'));
    for c in "bakery".chars() {
        h.send(key(c));
    }
    h.settle("search results", |s| s.headlines.len() == 1).await;
    assert_eq!(
        h.state.headlines[0].title,
        "Village bakery wins national award"
    );
    assert_eq!(h.state.search.as_ref().unwrap().publications, ["BBC"]);
    h.send(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    h.settle("the found article", |s| {
        s.article
            .as_ref()
            .is_some_and(|a| a.text.contains("family bakery"))
    })
    .await;
    h.send(Msg::Key(KeyEvent::from(KeyCode::Esc)));
    h.send(Msg::Key(KeyEvent::from(KeyCode::Esc)));
    h.settle("CNN again", |s| {
        s.search.is_none() && s.headlines.len() == 2
    })
    .await;

    // `r` refreshes CNN again: validators from the first fetch make it a 304.
    h.send(key('r'));
    h.settle("the second refresh", |s| {
        s.pubs[1].status != FeedStatus::Loading
    })
    .await;
    assert_eq!(server.requests("/cnn.xml"), 2);
    assert_eq!(h.state.pubs[1].unread, 1, "read state survives a refresh");
    assert_eq!(
        h.state.pubs[0].unread, 2,
        "the article opened from the search is read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_frame_comes_from_the_cache_before_any_request() {
    let server = feeds();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    {
        let mut h = Harness::new(publications(&server), &db);
        h.send(key('R'));
        h.settle("a first refresh", |s| {
            s.pubs.iter().all(|p| p.status != FeedStatus::Loading)
        })
        .await;
    }
    let before = server.requests("/bbc.xml");
    let h = Harness::new(publications(&server), &db);
    let mut state = h.state.clone();
    let mut headlines = None;
    for cmd in app::init(&mut state) {
        if let Cmd::Cache(c @ CacheCmd::LoadHeadlines { .. }) = cmd {
            headlines = h.runtime.run_now(&c);
        }
    }
    assert_eq!(server.requests("/bbc.xml"), before, "nothing fetched yet");
    let Some(Msg::Headlines { headlines, .. }) = headlines else {
        panic!("no cached headlines")
    };
    assert_eq!(headlines.len(), 3);
}

fn write_config(dir: &Path, server: &FeedServer, gh: &FakeGithub) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[[publications]]\nname = \"BBC\"\nurl = \"{}\"\nkey = \"b\"\n\n[[publications]]\nname = \"CNN\"\nurl = \"{}\"\nkey = \"c\"\n\n\
         [github]\nclient_id = \"{}\"\nhost = \"github.test\"\nweb_url = \"{}\"\napi_url = \"{}\"\n",
        server.url("/bbc.xml"),
        server.url("/cnn.xml"),
        gh.client_id(),
        gh.url(),
        gh.url()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts the real binary in tmux on `config`, with every platform dir inside `home` and `extra`
/// in its environment.
pub(crate) fn start_reader(
    name: &str,
    size: (u16, u16),
    home: &Path,
    config: &Path,
    extra: &[(&str, &str)],
) -> Tmux {
    crate::support::tmux::start_newsroom(name, size, home, config, extra, "")
}

/// What a tmux test of a signed-in reader needs: the feeds, a fake GitHub that knows `token`, a
/// home and a config pointing at both. `None` (with a loud skip) where tmux is missing.
pub(crate) struct SignedIn {
    pub(crate) _server: FeedServer,
    pub(crate) _gh: FakeGithub,
    pub(crate) home: tempfile::TempDir,
    pub(crate) config: std::path::PathBuf,
}

pub(crate) fn signed_in(token: &str) -> Option<SignedIn> {
    if !require("tmux", "it drives the real binary in a terminal") {
        return None;
    }
    let server = feeds();
    let gh = FakeGithub::start(Script::default());
    gh.add_token(token);
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), &server, &gh);
    Some(SignedIn {
        _server: server,
        _gh: gh,
        home,
        config,
    })
}

#[test]
fn tmux_switches_from_bbc_to_cnn_and_opens_an_article() {
    let Some(SignedIn {
        _server,
        _gh,
        home,
        config,
    }) = signed_in("gho_TESTTOKEN0001")
    else {
        return;
    };
    let token = [("NEWSROOM_GITHUB_TOKEN", "gho_TESTTOKEN0001")];
    let t = start_reader("reader", (100, 30), home.path(), &config, &token);

    let s = t.wait_text("Storm Ophelia brings gales", Duration::from_secs(15));
    assert!(s.contains("Publications") && s.contains("CNN"), "{s}");
    t.wait_text("Signed in as @octocat", Duration::from_secs(10));

    t.keys(&["c"]);
    let s = t.wait_text("Lunar lander touches down", Duration::from_secs(10));
    assert!(
        !s.contains("Storm Ophelia"),
        "BBC's headlines should be gone:\n{s}"
    );

    t.keys(&["Enter"]);
    let s = t.wait_text("all systems were working", Duration::from_secs(10));
    assert!(
        s.contains("lunar-lander/index.html"),
        "the link is shown:\n{s}"
    );

    t.keys(&["?"]);
    t.wait_text("refresh every publication", Duration::from_secs(5));
    // Esc alone (a terminal reads "Esc q" sent at once as Alt-q).
    t.keys(&["Escape"]);
    t.wait_for("the help to close", Duration::from_secs(5), |s| {
        !s.contains("refresh every publication")
    });
    t.keys(&["q"]);
    let s = t.wait_text("[exit 0]", Duration::from_secs(5));
    assert!(
        !s.contains("Publications"),
        "the terminal is restored after quitting:\n{s}"
    );
}

/// `TZ` reaches the real binary (its own environment, not this process's): the article's date
/// and the status bar's time are in that zone, and the `e` hint stays off an article without
/// an enclosure.
#[test]
fn tmux_times_are_shown_in_the_zone_tz_names() {
    let Some(SignedIn {
        _server,
        _gh,
        home,
        config,
    }) = signed_in("gho_TESTTOKEN0001")
    else {
        return;
    };
    let env = [
        ("NEWSROOM_GITHUB_TOKEN", "gho_TESTTOKEN0001"),
        // New York's rules as a POSIX TZ string: no time zone database needed.
        ("TZ", "EST5EDT,M3.2.0,M11.1.0"),
    ];
    let t = start_reader("tz", (100, 30), home.path(), &config, &env);
    t.wait_text("Storm Ophelia brings gales", Duration::from_secs(15));
    t.keys(&["Enter"]);
    // Published Sat, 14 Mar 2026 08:30:00 GMT: 04:30 in New York, on summer time by then.
    let s = t.wait_text("Sat 14 Mar 2026 04:30 EDT", Duration::from_secs(10));
    assert!(!s.contains("plays the enclosure"), "{s}");
    let s = t.wait_text("Updated ", Duration::from_secs(10));
    assert!(
        s.lines()
            .last()
            .is_some_and(|l| l.contains(" ED") || l.contains(" ES")),
        "the status bar's time is New York's too:\n{s}"
    );
    t.keys(&["q"]);
    t.wait_text("[exit 0]", Duration::from_secs(5));
}

/// True when a Secret Service answers; otherwise says loudly that the test is skipped (and fails
/// under CI, which runs the suite inside `.ci/keyring-session.sh`).
fn secret_service(why: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let ok = newsroom::auth::TokenStore::new("probe.newsroom.test", dir.path())
        .probe_keyring()
        .is_ok();
    if !ok {
        let msg = format!(
            "SKIPPED: no Secret Service reachable ({why}); run under .ci/keyring-session.sh"
        );
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{msg}, but this is CI"
        );
        eprintln!("\n*** {msg} ***\n");
    }
    ok
}

/// Every file under `dir`, as bytes.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push((p, bytes));
            }
        }
    }
    out
}

#[test]
fn tmux_sign_in_shows_the_code_then_the_news_and_the_token_is_in_no_file() {
    if !require("tmux", "it drives the real binary in a terminal")
        || !secret_service("the TUI keeps the token in the keyring")
    {
        return;
    }
    let server = feeds();
    let gh = FakeGithub::start(Script {
        approve_after: None,
        ..Script::default()
    });
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), &server, &gh);
    // A host of its own, so this test's keyring entry meets no other.
    let host = format!("e2e-{}.github.test", std::process::id());
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("github.test", &host);
    std::fs::write(&config, text).unwrap();
    let t = start_reader("signin", (120, 36), home.path(), &config, &[]);

    let code = gh
        .wait_for_code(Duration::from_secs(15))
        .expect("newsroom asked for a code");
    let s = t.wait_text(&code, Duration::from_secs(10));
    assert!(
        s.contains(&format!("{}/login/device", gh.url())),
        "the URL is shown:\n{s}"
    );
    assert!(s.contains("expires in"), "a countdown is shown:\n{s}");
    assert!(!s.contains("Storm Ophelia"), "no news before sign-in:\n{s}");

    gh.approve();
    let s = t.wait_text("Signed in as @octocat", Duration::from_secs(15));
    assert!(!s.contains(&code), "the sign-in screen is gone:\n{s}");
    t.wait_text("Storm Ophelia brings gales", Duration::from_secs(10));
    t.keys(&["Enter"]);
    t.wait_text("90mph", Duration::from_secs(10));
    t.keys(&["q"]);
    t.wait_text("[exit 0]", Duration::from_secs(5));

    let tokens = gh.issued_tokens();
    assert_eq!(tokens.len(), 1, "one token was issued");
    let written = files_under(home.path());
    assert!(
        written
            .iter()
            .any(|(p, _)| p.to_string_lossy().contains("newsroom")),
        "newsroom wrote its files under HOME"
    );
    for (path, bytes) in &written {
        let hit = bytes
            .windows(tokens[0].len())
            .any(|w| w == tokens[0].as_bytes());
        assert!(!hit, "the token leaked into {}", path.display());
    }

    // Clean up the keyring entry through the real command, and check it is gone.
    let out = crate::support::newsroom_in(home.path())
        .args(["--config", &config.display().to_string(), "logout"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "logout: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = crate::support::newsroom_in(home.path())
        .args(["--config", &config.display().to_string(), "status"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "status after logout must fail");
}

#[test]
fn tmux_open_uses_browser_copy_works_under_tmux_defaults_and_sigterm_restores_the_terminal() {
    let Some(SignedIn {
        _server,
        _gh,
        home,
        config,
    }) = signed_in("gho_TESTTOKEN0002")
    else {
        return;
    };
    // A "browser" that records what it was asked to open.
    let opened = home.path().join("opened.txt");
    let browser = home.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\necho \"${{NEWSROOM_GITHUB_TOKEN:-none}} ${{GITHUB_TOKEN:-none}}\" > '{}'\n",
            opened.display(),
            home.path().join("browser-env.txt").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let browser = browser.display().to_string();
    let extra = [
        ("NEWSROOM_GITHUB_TOKEN", "gho_TESTTOKEN0002"),
        ("GITHUB_TOKEN", "gho_OTHERTOKEN"),
        ("BROWSER", browser.as_str()),
    ];
    let t = start_reader("edges", (100, 30), home.path(), &config, &extra);
    // tmux's defaults (`set-clipboard external`): an OSC 52 from newsroom would be dropped.
    assert_eq!(t.option("set-clipboard"), "external");
    t.wait_text("Storm Ophelia brings gales", Duration::from_secs(15));

    t.keys(&["o"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !opened.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap_or_default().trim(),
        "https://www.bbc.com/news/articles/c0000000001o",
        "$BROWSER was given the article's link"
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join("browser-env.txt"))
            .unwrap_or_default()
            .trim(),
        "none none",
        "no token reaches the browser's environment"
    );
    t.keys(&["j"]);
    t.wait_text("Opening", Duration::from_secs(5));

    t.keys(&["y"]);
    t.wait_text(
        "Copied https://www.bbc.com/news/articles/c0000000002o",
        Duration::from_secs(5),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buffer = String::new();
    while !buffer.contains("c0000000002o") && Instant::now() < deadline {
        buffer = t.paste_buffer();
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        buffer, "https://www.bbc.com/news/articles/c0000000002o",
        "the link reached tmux's buffer"
    );

    t.signal_program("TERM");
    let s = t.wait_text("[exit 0]", Duration::from_secs(5));
    assert!(
        !s.contains("Publications"),
        "SIGTERM leaves the terminal restored:\n{s}"
    );
}

#[test]
fn tmux_offline_github_shows_cached_news_and_a_revoked_token_leads_back_to_sign_in() {
    if !require("tmux", "it drives the real binary in a terminal") {
        return;
    }
    let server = feeds();
    let gh = FakeGithub::start(Script {
        approve_after: None,
        ..Script::default()
    });
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), &server, &gh);

    // GitHub unreachable: the token cannot be checked, so the reader opens on cached news and
    // says it is offline.
    let offline = std::fs::read_to_string(&config).unwrap().replace(
        &format!("api_url = \"{}\"", gh.url()),
        "api_url = \"http://127.0.0.1:9\"",
    );
    let offline_config = home.path().join("offline.toml");
    std::fs::write(&offline_config, offline).unwrap();
    let token = [("NEWSROOM_GITHUB_TOKEN", "gho_REVOKED000")];
    let t = start_reader("offline", (100, 30), home.path(), &offline_config, &token);
    t.wait_text("Storm Ophelia brings gales", Duration::from_secs(15));
    let s = t.wait_text("Offline", Duration::from_secs(10));
    assert!(s.contains("Showing cached"), "{s}");
    t.keys(&["q"]);
    t.wait_text("[exit 0]", Duration::from_secs(5));
    drop(t);

    // GitHub answers 401 for this token: back to the sign-in screen, saying why — naming the
    // variable, since signing in again cannot help while it is set.
    let t = start_reader("revoked", (100, 30), home.path(), &config, &token);
    let s = t.wait_text(
        "rejects the token in NEWSROOM_GITHUB_TOKEN",
        Duration::from_secs(15),
    );
    assert!(
        !s.contains("Storm Ophelia"),
        "no news once the token is known to be bad:\n{s}"
    );
    if secret_service("a new sign-in stores its token in the keyring") {
        let code = gh
            .wait_for_code(Duration::from_secs(15))
            .expect("a new sign-in starts");
        t.wait_text(&code, Duration::from_secs(10));
        t.keys(&["Escape"]);
        t.wait_text("Sign-in cancelled", Duration::from_secs(5));
    } else {
        // Without a keyring the new sign-in stops before asking for a code, and says why.
        t.wait_text("insecure-storage", Duration::from_secs(10));
    }
    t.keys(&["q"]);
    t.wait_text("[exit 0]", Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_of_100_000_items_or_a_10_mb_title_stays_bounded_and_disturbs_no_other() {
    let mut huge =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Flood</title>");
    for i in 0..100_000 {
        huge.push_str(&format!(
            "<item><title>Item {i}</title><link>https://flood.example/{i}</link></item>"
        ));
    }
    huge.push_str("</channel></rss>");
    let long_title = format!(
        "<rss version=\"2.0\"><channel><title>Long</title><item><title>{}</title><link>https://long.example/1</link></item></channel></rss>",
        "A".repeat(10 << 20)
    );
    let server = FeedServer::start([
        ("/bbc.xml", Route::fixture("app/bbc.xml")),
        ("/flood.xml", Route::feed(huge)),
        ("/long.xml", Route::feed(long_title)),
    ]);
    let pubs = vec![
        Publication {
            name: "BBC".into(),
            url: server.url("/bbc.xml"),
            key: None,
            full_text: false,
        },
        Publication {
            name: "Flood".into(),
            url: server.url("/flood.xml"),
            key: None,
            full_text: false,
        },
        Publication {
            name: "Long".into(),
            url: server.url("/long.xml"),
            key: None,
            full_text: false,
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::with_cap(pubs, &dir.path().join("cache.db"), 16 << 20);
    h.send(key('R'));
    h.settle("every refresh", |s| {
        s.pubs.iter().all(|p| p.status != FeedStatus::Loading)
    })
    .await;
    assert!(
        h.state.pubs.iter().all(|p| p.status == FeedStatus::Idle),
        "{:?}",
        h.state.pubs
    );
    assert_eq!(h.state.headlines.len(), 3, "BBC is unaffected");

    h.send(key('2'));
    h.settle("the flood's headlines", |s| !s.headlines.is_empty())
        .await;
    assert!(
        h.state.headlines.len() <= 500,
        "only a screenful of rows is loaded: {}",
        h.state.headlines.len()
    );
    assert!(
        h.state.pubs[1].unread <= 10_000,
        "the parser keeps at most 10,000 items: {}",
        h.state.pubs[1].unread
    );

    h.send(key('3'));
    h.settle("the long title", |s| !s.headlines.is_empty())
        .await;
    let title = &h.state.headlines[0].title;
    assert!(
        title.chars().count() <= 1_001,
        "a 10 MB title is cut (plus an ellipsis): {} chars",
        title.chars().count()
    );
}

/// A text-mode `$BROWSER` gets the terminal to itself (every key), and the reader's frame is
/// back after it exits; Ctrl-Z hands the terminal to the shell the same way.
#[test]
fn tmux_a_text_mode_browser_and_ctrl_z_get_the_terminal() {
    let Some(SignedIn {
        _server,
        _gh,
        home,
        config,
    }) = signed_in("gho_TESTTOKEN0003")
    else {
        return;
    };
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let keys = home.path().join("keys.txt");
    let w3m = bin.join("w3m");
    std::fs::write(
        &w3m,
        format!(
            "#!/bin/sh\nprintf 'FAKE-W3M %s\\n' \"$1\"\nIFS= read -r line\nprintf '%s' \"$line\" > '{}'\n",
            keys.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&w3m, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let browser = w3m.display().to_string();
    let extra = [
        ("NEWSROOM_GITHUB_TOKEN", "gho_TESTTOKEN0003"),
        ("BROWSER", browser.as_str()),
    ];
    let t = start_reader("textbrowser", (100, 30), home.path(), &config, &extra);
    t.wait_text("Storm Ophelia brings gales", Duration::from_secs(15));

    t.keys(&["o"]);
    let s = t.wait_text("FAKE-W3M https://", Duration::from_secs(10));
    assert!(
        !s.contains("Publications"),
        "the reader left the screen:\n{s}"
    );
    t.keys(&["h", "e", "l", "l", "o", "Enter"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !keys.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read_to_string(&keys).unwrap_or_default(),
        "hello",
        "the browser got every key"
    );
    let s = t.wait_text("Publications", Duration::from_secs(10));
    assert!(s.contains("Storm Ophelia"), "the frame is redrawn:\n{s}");
    assert!(
        !s.contains("FAKE-W3M"),
        "nothing of the browser is left:\n{s}"
    );

    // Ctrl-Z: the reader stops with the terminal restored; continued, it draws again.
    t.keys(&["C-z"]);
    t.wait_for("the terminal restored", Duration::from_secs(10), |s| {
        !s.contains("Publications")
    });
    t.signal_program("CONT");
    t.wait_text("Publications", Duration::from_secs(10));
    t.keys(&["q"]);
    t.wait_text("[exit 0]", Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_started_from_the_article_pane_opens_its_result() {
    let server = feeds();
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::new(publications(&server), &dir.path().join("cache.db"));
    for cmd in app::init(&mut h.state) {
        h.runtime.exec(cmd);
    }
    h.settle("every refresh", |s| {
        s.pubs.iter().all(|p| p.status != FeedStatus::Loading) && !s.headlines.is_empty()
    })
    .await;
    // Reading an article, with the article pane focused.
    h.send(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    h.settle("the article", |s| s.article.is_some()).await;
    assert_eq!(h.state.focus, app::Focus::Article);
    h.send(key('/'));
    for c in "lunar".chars() {
        h.send(key(c));
    }
    h.settle("search results", |s| s.headlines.len() == 1).await;
    h.send(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    h.settle("the found article", |s| {
        s.article
            .as_ref()
            .is_some_and(|a| a.article.headline.title.starts_with("Lunar lander"))
    })
    .await;
    assert_eq!(h.state.focus, app::Focus::Article);

    // Back to the results, and Enter from there too (the article pane had the focus last).
    h.send(Msg::Key(KeyEvent::from(KeyCode::Esc)));
    assert_eq!(h.state.focus, app::Focus::Headlines);
    h.send(key('/'));
    for _ in 0.."lunar".len() {
        h.send(Msg::Key(KeyEvent::from(KeyCode::Backspace)));
    }
    for c in "bakery".chars() {
        h.send(key(c));
    }
    h.settle("other results", |s| {
        s.headlines.len() == 1 && s.headlines[0].title.starts_with("Village bakery")
    })
    .await;
    h.send(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    h.settle("the second found article", |s| {
        s.article
            .as_ref()
            .is_some_and(|a| a.article.headline.title.starts_with("Village bakery"))
    })
    .await;
}
