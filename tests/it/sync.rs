//! Sync between two machines (two homes, two caches, one fake GitHub) through the real binary:
//! `newsroom fetch` fills each cache from a loopback feed server, changes are made on one
//! machine's cache, and `newsroom sync` carries them through the fake gist API.

use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use newsroom::store::Store;

use crate::support::fake_github::{FakeGithub, Script};
use crate::support::feed_server::{FeedServer, Route};

const TOKEN: &str = "gho_FAKEsync000000000000000000000000001";

fn rss(items: &[&str]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>News</title><link>http://news.test/</link>",
    );
    for (i, guid) in items.iter().enumerate() {
        s.push_str(&format!(
            "<item><title>Story {guid}</title><link>http://news.test/{guid}</link><guid>{guid}</guid>\
             <pubDate>Mon, 0{} Dec 2025 10:00:00 GMT</pubDate><description>Body {guid}</description></item>",
            i + 1
        ));
    }
    s.push_str("</channel></rss>");
    s
}

struct World {
    gh: FakeGithub,
    feeds: FeedServer,
}

impl World {
    fn start(script: Script) -> Self {
        let gh = FakeGithub::start(script);
        gh.add_token(TOKEN);
        let feeds = FeedServer::start([
            ("/feed.xml", Route::feed(rss(&["a", "b", "c"]))),
            ("/second.xml", Route::feed(rss(&["x"]))),
        ]);
        Self { gh, feeds }
    }

    fn feed_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.feeds.addr())
    }

    /// The one gist of the fake's user, and its files.
    fn gist(&self) -> (String, std::collections::BTreeMap<String, String>) {
        self.gh.gists(|g| {
            let ids = g.ids();
            assert_eq!(ids.len(), 1, "one sync gist: {ids:?}");
            let files = g.files(&ids[0]).unwrap();
            (ids[0].clone(), files)
        })
    }
}

struct Machine {
    home: tempfile::TempDir,
    config: PathBuf,
    db: PathBuf,
    /// `NEWSROOM_SYNC_PASSPHRASE` for this machine's runs.
    pass: std::cell::RefCell<Option<String>>,
}

impl Machine {
    fn new(w: &World) -> Self {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("config.toml");
        let db = home.path().join("cache.db");
        std::fs::write(
            &config,
            format!(
                "# my feeds, by hand\n[[publications]]\nname = \"News\"\nurl = \"{}\"\nkey = \"n\"\n\n\
                 [github]\nclient_id = \"{}\"\nweb_url = \"{}\"\napi_url = \"{}\"\ninbox = false\nreleases = false\n",
                w.feed_url("/feed.xml"),
                w.gh.client_id(),
                w.gh.url(),
                w.gh.url()
            ),
        )
        .unwrap();
        let m = Self {
            home,
            config,
            db,
            pass: std::cell::RefCell::new(None),
        };
        let out = m.run(&["fetch"]);
        assert!(out.status.success(), "fetch: {}", text(&out.stderr));
        m
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = crate::support::newsroom_in(self.home.path());
        cmd.arg("--config")
            .arg(&self.config)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("NEWSROOM_GITHUB_TOKEN", TOKEN)
            .env("NEWSROOM_TEST_AUTH_SECOND_MS", "50")
            .env("NEWSROOM_TEST_SCRYPT_LOG_N", "10");
        if let Some(p) = self.pass.borrow().as_deref() {
            cmd.env("NEWSROOM_SYNC_PASSPHRASE", p);
        }
        cmd
    }

    /// `[sync] encrypt = true` in the config, and this passphrase.
    fn encrypt(&self, pass: &str) {
        let mut c = self.config_text();
        if c.contains("[sync]") {
            c = c.replace("[sync]\n", "[sync]\nencrypt = true\n");
        } else {
            c.push_str("\n[sync]\nencrypt = true\n");
        }
        std::fs::write(&self.config, c).unwrap();
        *self.pass.borrow_mut() = Some(pass.to_owned());
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("newsroom runs")
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("newsroom runs")
    }

    fn sync(&self) -> String {
        let out = self.run(&["sync"]);
        assert!(
            out.status.success(),
            "sync failed: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        format!("{}{}", text(&out.stdout), text(&out.stderr))
    }

    fn store(&self) -> Store {
        Store::open(&self.db).unwrap().0
    }

    /// `(read, starred)` of the story with this guid.
    fn flags(&self, feed: &str, guid: &str) -> (bool, bool) {
        let h = self
            .store()
            .headlines(feed, 100)
            .unwrap()
            .into_iter()
            .find(|h| h.title == format!("Story {guid}"))
            .unwrap_or_else(|| panic!("no story {guid}"));
        (h.read, h.starred)
    }

    fn set(&self, feed: &str, guid: &str, read: Option<bool>, starred: Option<bool>) {
        let mut s = self.store();
        let id = s
            .headlines(feed, 100)
            .unwrap()
            .into_iter()
            .find(|h| h.title == format!("Story {guid}"))
            .unwrap()
            .id;
        if let Some(r) = read {
            s.set_read(id, r).unwrap();
        }
        if let Some(st) = starred {
            s.set_starred(id, st).unwrap();
        }
    }

    fn config_text(&self) -> String {
        std::fs::read_to_string(&self.config).unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn wait_all(children: Vec<Child>) -> Vec<Output> {
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn a_read_and_a_star_on_a_reach_b_and_a_later_unread_beats_the_earlier_read() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.set(&feed, "a", Some(true), None);
    a.set(&feed, "b", None, Some(true));
    let first = a.sync();
    assert!(first.contains("Sync is on"), "{first}");
    assert!(
        a.config_text().contains("[sync]\nenabled = true"),
        "{}",
        a.config_text()
    );
    assert!(a.config_text().starts_with("# my feeds, by hand\n"));
    let joined = b.sync();
    assert!(joined.contains("updated from other machines"), "{joined}");
    assert_eq!(b.flags(&feed, "a"), (true, false));
    assert_eq!(b.flags(&feed, "b"), (false, true));
    assert_eq!(b.flags(&feed, "c"), (false, false));

    // Later, B un-reads a: the later change wins on A too.
    b.set(&feed, "a", Some(false), None);
    b.sync();
    a.sync();
    assert_eq!(a.flags(&feed, "a"), (false, false));

    // One gist, secret, holding hashes and no titles or links of articles.
    let (id, files) = w.gist();
    assert_eq!(w.gh.gists(|g| g.is_public(&id)), Some(false));
    for (name, content) in &files {
        assert!(!content.contains("Story"), "{name}: {content}");
        if name.starts_with("marks-") {
            assert!(!content.contains("news.test"), "{name}: {content}");
        }
    }
    // Status names the gist and the other machine.
    let status = text(&a.run(&["status"]).stdout);
    assert!(status.contains(&format!("gist {id}")), "{status}");
    assert!(status.contains("other machine: "), "{status}");
}

#[test]
fn both_machines_change_and_sync_at_the_same_moment_and_then_hold_the_union() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.sync();
    b.sync();
    a.set(&feed, "a", Some(true), None);
    a.set(&feed, "c", None, Some(true));
    b.set(&feed, "b", Some(true), Some(true));
    let outs = wait_all(vec![a.spawn(&["sync"]), b.spawn(&["sync"])]);
    for o in &outs {
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    a.sync();
    b.sync();
    for m in [&a, &b] {
        assert_eq!(m.flags(&feed, "a"), (true, false));
        assert_eq!(m.flags(&feed, "b"), (true, true));
        assert_eq!(m.flags(&feed, "c"), (false, true));
    }
}

#[test]
fn a_write_that_races_ours_is_found_in_the_history_merged_and_written_again() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.sync();
    b.sync();
    let (id, before) = w.gist();
    // B's write, taken back out of the gist and held: it will land between A's pull and A's
    // push, as a concurrent write would.
    b.set(&feed, "b", Some(true), None);
    b.sync();
    let (_, with_b) = w.gist();
    let mut edit: Vec<(String, Option<String>)> = with_b
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    edit.extend(
        before
            .keys()
            .filter(|k| !with_b.contains_key(*k))
            .map(|k| (k.clone(), None)),
    );
    let rewind: Vec<(&str, Option<&str>)> = before
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v.as_str())))
        .chain(
            with_b
                .keys()
                .filter(|k| !before.contains_key(*k))
                .map(|k| (k.as_str(), None)),
        )
        .collect();
    w.gh.gists(|g| {
        g.edit_by_hand(&id, &rewind);
        g.before_next_patch = Some(edit);
    });
    a.set(&feed, "a", Some(true), None);
    let said = a.sync();
    // A pulled a gist without B's change and wrote over it; the history showed B's version,
    // so A merged it: A has B's read now, and the gist holds both.
    assert_eq!(a.flags(&feed, "b"), (true, false), "{said}");
    let (_, now) = w.gist();
    let c = Machine::new(&w);
    c.sync();
    assert_eq!(c.flags(&feed, "a"), (true, false), "{now:?}");
    assert_eq!(c.flags(&feed, "b"), (true, false), "{now:?}");
}

#[test]
fn a_subscription_added_on_a_appears_in_bs_config_with_its_comments_kept() {
    let w = World::start(Script::default());
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.sync();
    b.sync();
    let second = w.feed_url("/second.xml");
    let out = a.run(&["add", &second, "--name", "Second"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = a.sync();
    assert!(
        said.contains("change") || said.contains("in sync"),
        "{said}"
    );
    let said = b.sync();
    assert!(said.contains("subscribed to Second"), "{said}");
    let config = b.config_text();
    assert!(config.contains(&second), "{config}");
    assert!(config.starts_with("# my feeds, by hand\n"), "{config}");
    assert!(config.contains("key = \"n\""), "{config}");

    // And removed on B, it goes from A.
    let out = b.run(&["remove", "Second"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    b.sync();
    let said = a.sync();
    assert!(said.contains("unsubscribed from Second"), "{said}");
    assert!(!a.config_text().contains(&second), "{}", a.config_text());
}

#[test]
fn a_token_without_the_gist_scope_gets_the_message_naming_it_and_no_hang() {
    let w = World::start(Script {
        granted_scope: "read:user".into(),
        scopes_header: Some("read:user".into()),
        ..Script::default()
    });
    let a = Machine::new(&w);
    // No terminal (stdin is null): the message, an exit code, never a question.
    let out = a.run(&["sync"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("`gist`"), "{err}");
    assert!(err.contains("NEWSROOM_GITHUB_TOKEN"), "{err}");
    assert!(!a.config_text().contains("[sync]"), "sync is not turned on");
    w.gh.gists(|g| assert!(g.ids().is_empty()));
}

#[test]
fn a_gist_deleted_or_damaged_by_hand_is_reported_and_written_again_from_local_state() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let a = Machine::new(&w);
    a.set(&feed, "a", Some(true), Some(true));
    a.sync();
    let (id, files) = w.gist();
    let shard = files
        .keys()
        .find(|k| k.starts_with("marks-"))
        .unwrap()
        .clone();

    // Damaged: the manifest gone, garbage in the shard (one escape sequence among it).
    w.gh.gists(|g| {
        g.edit_by_hand(
            &id,
            &[
                ("newsroom-sync.txt", None),
                (&shard, Some("not a line\n\u{1b}[2Jzz 1 2\n")),
                ("notes.md", Some("mine\n")),
            ],
        );
    });
    let said = a.sync();
    assert!(said.contains("newsroom-sync.txt: missing"), "{said}");
    assert!(said.contains(&format!("{shard}:1")), "{said}");
    assert!(!said.contains('\u{1b}'), "{said:?}");
    assert_eq!(a.flags(&feed, "a"), (true, true), "nothing local was lost");
    let (_, files) = w.gist();
    assert!(files["newsroom-sync.txt"].starts_with("newsroom-sync 1\n"));
    assert!(!files[&shard].contains("not a line"), "{}", files[&shard]);
    assert_eq!(
        files["notes.md"], "mine\n",
        "the user's own file is left alone"
    );

    // Deleted: a new gist, seeded from local state, which a new machine joins.
    w.gh.gists(|g| g.delete_by_hand(&id));
    let said = a.sync();
    assert!(said.contains("gone"), "{said}");
    let (new_id, _) = w.gist();
    assert_ne!(new_id, id);
    let b = Machine::new(&w);
    b.sync();
    assert_eq!(b.flags(&feed, "a"), (true, true));
}

#[test]
fn a_kill_in_the_middle_of_a_round_loses_nothing_and_leaves_the_gist_mergeable() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.sync();
    b.set(&feed, "b", Some(true), None);
    b.sync();
    let (id, _) = w.gist();
    a.set(&feed, "a", Some(true), None);
    a.set(&feed, "c", None, Some(true));
    // Killed at each of the round's requests in turn (bounded): after the pull, after the push.
    for (method, path) in [
        ("GET", format!("/gists/{id}")),
        ("PATCH", format!("/gists/{id}")),
    ] {
        let before = w.gh.requests().len();
        let mut child = a.spawn(&["sync"]);
        let arrived =
            w.gh.wait_for_request_after(before, method, &path, Duration::from_secs(20));
        child.kill().unwrap();
        let _ = child.wait();
        assert!(arrived, "{method} {path} never came");
        // Nothing local lost, the cache whole.
        let s = a.store();
        assert!(s.quick_check().unwrap());
        drop(s);
        assert_eq!(a.flags(&feed, "a"), (true, false));
        assert_eq!(a.flags(&feed, "c"), (false, true));
    }
    // The gist is still a gist newsroom reads: both machines converge.
    a.sync();
    b.sync();
    for m in [&a, &b] {
        assert_eq!(m.flags(&feed, "a"), (true, false));
        assert_eq!(m.flags(&feed, "b"), (true, false));
        assert_eq!(m.flags(&feed, "c"), (false, true));
    }
}

/// The reader with sync on: a round once it is signed in, after the first frame; what came
/// from the other machine shows, and the status bar says when it synced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_syncs_after_the_first_frame_and_says_so_in_the_status_bar() {
    use newsroom::app::{self, KeyMap, Msg, State};
    use newsroom::auth::{Auth, AuthSettings, EnvOverrides, Token};
    use newsroom::fetch::{FetchSettings, Fetcher};
    use newsroom::runtime::{self, Runtime};
    use newsroom::store::SharedStore;
    use ratatui::Terminal;
    use ratatui::crossterm::event::{KeyCode, KeyEvent};
    use tokio::sync::mpsc;

    let w = tokio::task::block_in_place(|| World::start(Script::default()));
    let feed = w.feed_url("/feed.xml");
    let (a, b) = tokio::task::block_in_place(|| (Machine::new(&w), Machine::new(&w)));
    tokio::task::block_in_place(|| {
        a.set(&feed, "a", Some(true), Some(true));
        a.sync();
        b.sync();
        a.set(&feed, "c", Some(true), None);
        a.sync();
    });
    let config = newsroom::config::Config::load(Some(&b.config), None).unwrap();
    assert!(config.sync.enabled);
    let auth = Auth::new(AuthSettings::new(
        &config.github,
        b.home.path(),
        EnvOverrides {
            token: Some(Token::new(TOKEN.into())),
            second_ms: Some(50),
            ..EnvOverrides::default()
        },
    ))
    .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (edges, _) = crate::support::watched_edges();
    let runtime = Runtime::new(
        SharedStore::new(Store::open(&b.db).unwrap().0),
        Fetcher::new(FetchSettings::default()).unwrap(),
        config.publications.clone(),
        edges,
        Some(auth),
        tx,
    )
    .with_sync(Some(b.config.clone()));
    let mut state = State::new(
        config
            .publications
            .iter()
            .map(|p| (p.name.clone(), p.url.clone())),
        KeyMap::default(),
        chrono::Utc::now(),
        (120, 30),
    );
    state.sync.enabled = true;
    runtime.exec(app::check_session(&mut state));
    let (backend, mut screen) = crate::support::screen::recording(120, 30);
    let mut terminal = Terminal::new(backend).unwrap();
    let (keys_tx, mut keys_rx) = mpsc::unbounded_channel::<Msg>();
    let events = futures::stream::poll_fn(move |cx| keys_rx.poll_recv(cx));
    let script = async {
        screen.wait_for("Story a").await;
        screen
            .wait_for("Synced: 1 article(s) updated from other machines")
            .await;
        keys_tx
            .send(Msg::Key(KeyEvent::from(KeyCode::Char('q'))))
            .unwrap();
    };
    let (result, ()) = tokio::join!(
        runtime::run(&mut terminal, &mut state, &runtime, &mut rx, events),
        script
    );
    result.unwrap();
    assert!(state.sync.failed.is_none(), "{:?}", state.sync.failed);
    assert!(state.sync.last_ok.is_some());
    assert!(
        state
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("updated from other machines")),
        "{:?}",
        state.notice
    );
    drop(runtime);
    assert_eq!(
        tokio::task::block_in_place(|| b.flags(&feed, "c")),
        (true, false),
        "the read made on A is in B's cache"
    );
}

#[test]
fn fetch_syncs_when_sync_is_on_and_not_after_sync_off() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.sync();
    b.sync();
    a.set(&feed, "a", Some(true), None);
    let out = a.run(&["fetch"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Synced: 1 change(s) sent"),
        "{}",
        text(&out.stderr)
    );
    let out = b.run(&["fetch"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(b.flags(&feed, "a"), (true, false));

    let off = b.run(&["sync", "--off"]);
    assert!(off.status.success());
    assert!(
        b.config_text().contains("[sync]\nenabled = false"),
        "{}",
        b.config_text()
    );
    let writes = w.gh.gists(|g| g.requests);
    b.set(&feed, "b", Some(true), None);
    let out = b.run(&["fetch"]);
    assert!(out.status.success());
    assert!(
        !text(&out.stderr).contains("Synced"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        w.gh.gists(|g| g.requests),
        writes,
        "no gist request with sync off"
    );
    let status = text(&b.run(&["status"]).stdout);
    assert!(status.contains("Sync: off"), "{status}");
}

const ARMOR: &str = "-----BEGIN AGE ENCRYPTED FILE-----";

/// Every file of an encrypted gist but the manifest is sealed, and the manifest says so.
fn assert_sealed(files: &std::collections::BTreeMap<String, String>, feed: &str) {
    assert!(files.len() > 3, "{files:?}");
    for (name, content) in files {
        assert!(!content.contains("Story"), "{name}: {content}");
        assert!(!content.contains(feed), "{name}: {content}");
        if name == "newsroom-sync.txt" {
            assert!(
                content.starts_with("newsroom-sync 1\nencrypted age\n"),
                "{content}"
            );
            assert!(content.contains(ARMOR), "the sealed key: {content}");
        } else {
            assert!(content.starts_with(ARMOR), "{name}: {content}");
        }
    }
}

#[test]
fn two_machines_with_one_passphrase_converge_through_a_gist_of_sealed_files() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.encrypt("correct horse");
    b.encrypt("correct horse");
    a.set(&feed, "a", Some(true), None);
    a.set(&feed, "b", None, Some(true));
    a.sync();
    assert!(
        a.config_text().contains("encrypt = true"),
        "{}",
        a.config_text()
    );
    let joined = b.sync();
    assert!(joined.contains("updated from other machines"), "{joined}");
    assert_eq!(b.flags(&feed, "a"), (true, false));
    assert_eq!(b.flags(&feed, "b"), (false, true));
    b.set(&feed, "a", Some(false), None);
    b.set(&feed, "c", Some(true), None);
    b.sync();
    a.sync();
    assert_eq!(a.flags(&feed, "a"), (false, false));
    assert_eq!(a.flags(&feed, "c"), (true, false));
    let (id, files) = w.gist();
    assert_sealed(&files, &feed);

    // Files are compared as plaintext: a round with nothing new writes nothing, although
    // sealing the same text twice never gives the same file.
    let before = w.gh.gists(|g| g.versions(&id).len());
    a.sync();
    a.sync();
    assert_eq!(w.gh.gists(|g| g.versions(&id).len()), before);
}

#[test]
fn a_wrong_passphrase_fails_clearly_and_changes_nothing_on_that_machine() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.encrypt("correct horse");
    a.set(&feed, "a", Some(true), Some(true));
    a.sync();
    let (id, files) = w.gist();
    let versions = w.gh.gists(|g| g.versions(&id).len());

    b.encrypt("battery staple");
    b.set(&feed, "b", Some(true), None);
    let config = b.config_text();
    let out = b.run(&["sync"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("passphrase does not open"), "{err}");
    assert!(err.contains("newsroom sync --passphrase"), "{err}");
    // B's cache and config are as they were, and the gist was not written.
    assert_eq!(b.flags(&feed, "a"), (false, false));
    assert_eq!(b.flags(&feed, "b"), (true, false));
    assert_eq!(b.config_text(), config);
    assert_eq!(w.gist(), (id.clone(), files));
    assert_eq!(w.gh.gists(|g| g.versions(&id).len()), versions);

    // With the right one, B joins.
    *b.pass.borrow_mut() = Some("correct horse".into());
    b.sync();
    assert_eq!(b.flags(&feed, "a"), (true, true));
    assert_eq!(b.flags(&feed, "b"), (true, false));
}

#[test]
fn a_machine_without_encryption_refuses_to_write_plaintext_into_an_encrypted_gist() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.encrypt("correct horse");
    a.set(&feed, "a", Some(true), None);
    a.sync();
    let before = w.gist();

    b.set(&feed, "b", Some(true), None);
    let out = b.run(&["sync"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("is encrypted"), "{err}");
    assert!(err.contains("encrypt = true"), "{err}");
    assert_eq!(w.gist(), before);
    assert_eq!(b.flags(&feed, "a"), (false, false));
}

#[test]
fn turning_encryption_on_rewrites_every_file_of_a_plaintext_gist_sealed() {
    let w = World::start(Script::default());
    let feed = w.feed_url("/feed.xml");
    let (a, b) = (Machine::new(&w), Machine::new(&w));
    a.set(&feed, "a", Some(true), None);
    a.set(&feed, "b", None, Some(true));
    a.sync();
    let (id, plain) = w.gist();
    assert!(plain.values().all(|c| !c.contains(ARMOR)));
    let versions = w.gh.gists(|g| g.versions(&id).len());
    a.sync();
    assert_eq!(w.gh.gists(|g| g.versions(&id).len()), versions, "settled");

    // Nothing changed locally: the round still seals every file.
    a.encrypt("correct horse");
    a.sync();
    let (_, files) = w.gist();
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        plain.keys().collect::<Vec<_>>()
    );
    assert_sealed(&files, &feed);

    b.encrypt("correct horse");
    b.sync();
    assert_eq!(b.flags(&feed, "a"), (true, false));
    assert_eq!(b.flags(&feed, "b"), (false, true));
}

#[test]
fn encryption_without_a_passphrase_or_a_terminal_fails_at_once_and_sends_nothing() {
    let w = World::start(Script::default());
    let a = Machine::new(&w);
    a.encrypt("unused");
    *a.pass.borrow_mut() = None;
    // No keyring to be found either (no session bus), and stdin is not a terminal.
    let bus = format!("unix:path={}", a.home.path().join("no-bus").display());
    let out = a
        .command(&["sync"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("passphrase"), "{err}");
    w.gh.gists(|g| assert!(g.ids().is_empty(), "no gist was written"));
}
