//! The real reader follows its config while it runs (SIGHUP, `C`, `newsroom add`/`remove` as
//! the file changes), and the first run without a client id gets the user in: driven in tmux,
//! synced on what the screen shows.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::fake_github::{FakeGithub, Script};
use crate::support::feed_server::{FeedServer, Route};
use crate::support::tmux::{Tmux, require};

const TOKEN: &str = "gho_TESTRELOAD0001";
/// Generous bounds against hanging, not speed targets (the machine may be busy).
const LONG: Duration = Duration::from_secs(20);

fn feeds() -> FeedServer {
    FeedServer::start([
        ("/bbc.xml", Route::fixture("app/bbc.xml").with_validators()),
        ("/cnn.xml", Route::fixture("app/cnn.xml").with_validators()),
        ("/gazette.xml", Route::fixture("app/cnn.xml")),
    ])
}

/// A config of `pubs` (name, path on the feed server) and a `[github]` pointing at `gh`, with
/// or without its client id.
fn config_text(
    server: &FeedServer,
    gh: &FakeGithub,
    host: &str,
    pubs: &[(&str, &str)],
    client_id: bool,
) -> String {
    let mut text = String::new();
    for (name, path) in pubs {
        text.push_str(&format!(
            "[[publications]]\nname = \"{name}\"\nurl = \"{}\"\n\n",
            server.url(path)
        ));
    }
    text.push_str("[github]\n");
    if client_id {
        text.push_str(&format!("client_id = \"{}\"\n", gh.client_id()));
    }
    text.push_str(&format!(
        "host = \"{host}\"\nweb_url = \"{}\"\napi_url = \"{}\"\n",
        gh.url(),
        gh.url()
    ));
    text
}

fn start(name: &str, home: &Path, config: &Path, extra: &[(&str, &str)], args: &str) -> Tmux {
    crate::support::tmux::start_newsroom(name, (100, 30), home, config, extra, args)
}

struct Setup {
    server: FeedServer,
    gh: FakeGithub,
    home: tempfile::TempDir,
    config: PathBuf,
}

fn setup() -> Option<Setup> {
    if !require("tmux", "it drives the real binary in a terminal") {
        return None;
    }
    let server = feeds();
    let gh = FakeGithub::start(Script::default());
    gh.add_token(TOKEN);
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        config_text(
            &server,
            &gh,
            "github.test",
            &[("BBC", "/bbc.xml"), ("CNN", "/cnn.xml")],
            true,
        ),
    )
    .unwrap();
    Some(Setup {
        server,
        gh,
        home,
        config,
    })
}

#[test]
fn tmux_sighup_reloads_the_config_and_a_broken_one_is_kept() {
    let Some(Setup {
        server,
        gh,
        home,
        config,
    }) = setup()
    else {
        return;
    };
    // The file is not watched here, so what reloads it is the signal alone.
    let env = [
        ("NEWSROOM_GITHUB_TOKEN", TOKEN),
        ("NEWSROOM_TEST_NO_CONFIG_WATCH", "1"),
    ];
    let t = start("sighup", home.path(), &config, &env, "");
    t.wait_text("Storm Ophelia brings gales", LONG);
    t.wait_text("Signed in as @octocat", LONG);

    std::fs::write(
        &config,
        config_text(
            &server,
            &gh,
            "github.test",
            &[
                ("BBC", "/bbc.xml"),
                ("CNN Intl", "/cnn.xml"),
                ("Gazette", "/gazette.xml"),
            ],
            true,
        ),
    )
    .unwrap();
    t.signal_program("HUP");
    let s = t.wait_text("Gazette", LONG);
    assert!(
        s.contains("CNN Intl") && s.contains("Storm Ophelia"),
        "renamed, and BBC still shown:\n{s}"
    );
    t.wait_text("Config reloaded: added Gazette", LONG);
    // It was fetched: its headlines show.
    t.keys(&["3"]);
    t.wait_text("Lunar lander touches down", LONG);

    // A broken config: the running one stays, and the status bar says where.
    std::fs::write(&config, "[[publications]]\nname = \n").unwrap();
    t.keys(&["C"]);
    let s = t.wait_text("Config not reloaded", LONG);
    assert!(s.contains("config.toml:2:"), "file:line:col:\n{s}");
    assert!(
        s.contains("Gazette") && s.contains("Lunar lander"),
        "nothing lost:\n{s}"
    );

    t.keys(&["q"]);
    t.wait_text("[exit 0]", LONG);
}

#[test]
fn tmux_newsroom_add_and_remove_while_the_reader_runs_show_at_once() {
    let Some(Setup {
        server,
        gh: _gh,
        home,
        config,
    }) = setup()
    else {
        return;
    };
    let t = start(
        "add",
        home.path(),
        &config,
        &[("NEWSROOM_GITHUB_TOKEN", TOKEN)],
        "",
    );
    t.wait_text("Storm Ophelia brings gales", LONG);
    t.wait_text("Signed in as @octocat", LONG);

    let cli = |args: &[&str]| {
        let out = crate::support::newsroom_in(home.path())
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .expect("run newsroom");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cli(&["add", &server.url("/gazette.xml"), "--name", "Gazette"]);
    t.wait_text("Config reloaded: added Gazette", LONG);
    t.keys(&["3"]);
    t.wait_text("Lunar lander touches down", LONG);

    cli(&["remove", "Gazette"]);
    let s = t.wait_for("Gazette to go", LONG, |s| {
        s.contains("Config reloaded: removed Gazette")
    });
    assert!(
        s.lines().filter(|l| l.contains("Gazette")).count() == 1,
        "only the notice names it:\n{s}"
    );
    t.keys(&["q"]);
    t.wait_text("[exit 0]", LONG);
}

#[test]
fn tmux_first_run_names_the_config_file_and_enter_signs_in_once_it_has_a_client_id() {
    if newsroom::auth::BUILT_IN_CLIENT_ID.is_some() {
        eprintln!("\n*** SKIPPED: this build carries a client id: there is no first run ***\n");
        return;
    }
    let Some(Setup {
        server,
        gh,
        home,
        config,
    }) = setup()
    else {
        return;
    };
    let host = "firstrun.test";
    let pubs = [("BBC", "/bbc.xml")];
    std::fs::write(&config, config_text(&server, &gh, host, &pubs, false)).unwrap();
    // Not watched: Enter is what reads the config again.
    let t = start(
        "firstrun",
        home.path(),
        &config,
        &[("NEWSROOM_TEST_NO_CONFIG_WATCH", "1")],
        "--insecure-storage",
    );
    let s = t.wait_text("no GitHub OAuth app", LONG);
    assert!(
        s.contains(&config.display().to_string()),
        "the real path:\n{s}"
    );
    assert!(
        s.contains("warning: --insecure-storage") && s.contains("unencrypted"),
        "{s}"
    );

    t.keys(&["Enter"]);
    t.wait_text("Still no client id", LONG);

    std::fs::write(&config, config_text(&server, &gh, host, &pubs, true)).unwrap();
    t.keys(&["Enter"]);
    // The fake approves after two polls: straight on to the news.
    let s = t.wait_text("Storm Ophelia brings gales", LONG);
    assert!(!s.contains("no GitHub OAuth app"), "{s}");
    t.wait_text("unencrypted", LONG);
    let token_file = home
        .path()
        .join("data/newsroom")
        .join(format!("github-token-{host}.json"));
    assert!(token_file.exists(), "kept in the 0600 file");
    t.keys(&["q"]);
    t.wait_text("[exit 0]", LONG);
}

#[test]
fn tmux_a_missing_keyring_is_said_in_plain_words_on_the_sign_in_screen() {
    let Some(Setup {
        server: _server,
        gh: _gh,
        home,
        config,
    }) = setup()
    else {
        return;
    };
    let t = start(
        "nokeyring",
        home.path(),
        &config,
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/newsroom-test/bus",
        )],
        "",
    );
    let s = t.wait_text("No keyring is running", LONG);
    assert!(s.contains("--insecure-storage"), "what to do:\n{s}");
    crate::support::assert_plain_keyring_words(&s);
    t.keys(&["q"]);
    t.wait_text("[exit 0]", LONG);
}

#[test]
fn tmux_a_terminal_that_goes_away_still_ends_the_reader() {
    let Some(Setup {
        server: _server,
        gh: _gh,
        home,
        config,
    }) = setup()
    else {
        return;
    };
    let t = start(
        "hangup",
        home.path(),
        &config,
        &[("NEWSROOM_GITHUB_TOKEN", TOKEN)],
        "",
    );
    t.wait_text("Storm Ophelia brings gales", LONG);
    let pid = t.program_pid();
    // The terminal goes away (its server is killed): SIGHUP now means "quit", not "reload".
    drop(t);
    let gone = (0..200).any(|_| {
        if !Path::new(&format!("/proc/{pid}")).exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
        false
    });
    assert!(
        gone,
        "newsroom (pid {pid}) still runs after its terminal went away"
    );
}

/// What the reader's config edge says next (bounded).
async fn next_reload(
    h: &mut crate::reader::Harness,
) -> Result<Box<newsroom::app::NewConfig>, String> {
    let deadline = std::time::Instant::now() + LONG;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(!left.is_zero(), "no reload came");
        match tokio::time::timeout(left, h.rx.recv()).await {
            Ok(Some(newsroom::app::Msg::ConfigReloaded { asked, result })) => {
                assert!(!asked, "the file changed: nobody asked");
                return result;
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => panic!("no reload came"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlinked_config_is_followed_and_a_broken_one_is_named_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let dotfiles = dir.path().join("dotfiles");
    let conf = dir.path().join("conf");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::create_dir_all(&conf).unwrap();
    let real = dotfiles.join("newsroom.toml");
    std::fs::write(
        &real,
        "[[publications]]\nname = \"A\"\nurl = \"http://127.0.0.1:9/a\"\n",
    )
    .unwrap();
    let link = conf.join("config.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();

    let mut h = crate::reader::Harness::new(vec![], &dir.path().join("cache.db"));
    h.runtime
        .watch_config(newsroom::runtime::config_watch::ConfigSource {
            explicit: Some(link.clone()),
            default: None,
            watch: true,
        });
    // Edited in place, where the link points: the watcher sees it there.
    std::fs::write(
        &real,
        "[[publications]]\nname = \"A\"\nurl = \"http://127.0.0.1:9/a\"\n\n\
         [[publications]]\nname = \"B\"\nurl = \"http://127.0.0.1:9/b\"\n",
    )
    .unwrap();
    let new = next_reload(&mut h).await.expect("a valid config");
    let names: Vec<&str> = new.publications.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);

    std::fs::write(&real, "[[publications]]\nname = \"A\"\nurl = 7\n").unwrap();
    let why = next_reload(&mut h).await.expect_err("a broken config");
    assert!(why.contains("config.toml:3:"), "file:line:col: {why}");
}
