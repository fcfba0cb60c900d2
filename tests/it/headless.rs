//! `newsroom fetch`: its JSON lines and summary, its exit status through the real binary, and
//! the crash-safety of a refresh: the binary is killed with SIGKILL mid-refresh and the cache
//! must reopen sound, with every feed either fully there or not at all.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use indicatif::ProgressDrawTarget;
use newsroom::config::Config;
use newsroom::headless::{FetchOptions, fetch_to};
use newsroom::store::Store;
use serde_json::Value;

use crate::refresh::{rss, rss_padded};
use crate::support::feed_server::{FeedServer, Route};

fn config_text(server: &FeedServer, feeds: &[(&str, &str)]) -> String {
    let mut s = String::from("[fetch]\ntimeout_secs = 5\n\n");
    for (name, path) in feeds {
        s.push_str(&format!(
            "[[publications]]\nname = \"{name}\"\nurl = \"{}\"\n\n",
            server.url(path)
        ));
    }
    s
}

fn config(server: &FeedServer, feeds: &[(&str, &str)]) -> Config {
    Config::from_toml(&config_text(server, feeds), None).expect("valid config")
}

async fn fetch_json(config: &Config, db: &Path, force: bool) -> (bool, Vec<Value>) {
    let mut out = Vec::new();
    let ok = fetch_to(
        config,
        db,
        FetchOptions { force, json: true },
        &mut out,
        ProgressDrawTarget::hidden(),
    )
    .await
    .expect("fetch runs");
    let text = String::from_utf8(out).expect("utf-8");
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    (ok, lines)
}

fn statuses(lines: &[Value]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l["status"].as_str().expect("status is a string"))
        .collect()
}

#[tokio::test]
async fn json_lines_report_each_publication_in_config_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("newsroom.db");
    let server = FeedServer::start([
        ("/a.xml", Route::feed(rss("A", 7, "")).with_validators()),
        ("/gone.xml", Route::status(410)),
        (
            "/fresh.xml",
            Route::feed(rss("F", 2, "")).with_header("Cache-Control", "max-age=600"),
        ),
    ]);
    let cfg = config(
        &server,
        &[
            ("Alpha", "/a.xml"),
            ("Gone", "/gone.xml"),
            ("Fresh", "/fresh.xml"),
        ],
    );

    let (ok, lines) = fetch_json(&cfg, &db, false).await;
    assert!(!ok, "one feed failed");
    assert_eq!(lines.len(), 3);
    let keys: Vec<&str> = lines[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["error", "items", "name", "new", "status", "url"]);
    assert_eq!(lines[0]["name"], "Alpha");
    assert_eq!(lines[0]["url"], server.url("/a.xml"));
    assert_eq!(statuses(&lines), ["ok", "error", "ok"]);
    assert_eq!(
        (&lines[0]["items"], &lines[0]["new"], &lines[0]["error"]),
        (&7.into(), &7.into(), &Value::Null)
    );
    assert_eq!(lines[1]["error"], "HTTP 410 — the feed is gone");

    // Second run: a 304, the same failure, a feed still fresh.
    let (ok, lines) = fetch_json(&cfg, &db, false).await;
    assert!(!ok);
    assert_eq!(statuses(&lines), ["not_modified", "error", "fresh"]);
    assert_eq!(
        (&lines[0]["new"], &lines[0]["items"]),
        (&0.into(), &Value::Null)
    );
    assert_eq!(server.requests("/fresh.xml"), 1);

    // The broken feed is fixed: all succeed, and --force revalidates the fresh one.
    server.set_route("/gone.xml", Route::feed(rss("G", 1, "")));
    let (ok, lines) = fetch_json(&cfg, &db, true).await;
    assert!(ok, "{lines:?}");
    assert_eq!(statuses(&lines), ["not_modified", "ok", "ok"]);
    assert_eq!(server.requests("/fresh.xml"), 2);
}

#[tokio::test]
async fn the_summary_names_new_articles_and_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start([
        ("/a.xml", Route::feed(rss("A", 3, ""))),
        ("/missing.xml", Route::status(404)),
    ]);
    let cfg = config(&server, &[("Alpha", "/a.xml"), ("Missing", "/missing.xml")]);
    let mut out = Vec::new();
    let ok = fetch_to(
        &cfg,
        &dir.path().join("newsroom.db"),
        FetchOptions::default(),
        &mut out,
        ProgressDrawTarget::hidden(),
    )
    .await
    .expect("fetch runs");
    assert!(!ok);
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("Refreshed 2 publications in "),
        "{text}"
    );
    assert!(lines[0].ends_with(": 3 new articles, 1 failed"), "{text}");
    assert_eq!(lines[1], "  Alpha    3 new (3 in the feed)");
    assert_eq!(lines[2], "  Missing  failed: HTTP 404 — feed not found");
}

/// Runs the real binary with a private HOME, config and cache.
fn newsroom(home: &Path, config: &Path, db: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(crate::support::bin());
    cmd.env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--config")
        .arg(config)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run newsroom")
}

#[test]
fn the_binary_prints_json_and_exits_0_or_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start([
        ("/a.xml", Route::feed(rss("A", 4, "")).with_validators()),
        ("/b.xml", Route::feed(rss("B", 2, "")).with_validators()),
    ]);
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        config_text(&server, &[("Alpha", "/a.xml"), ("Beta", "/b.xml")]),
    )
    .expect("write");
    let db = dir.path().join("data/newsroom.db");

    let out = run(&mut newsroom(
        dir.path(),
        &config,
        &db,
        &["fetch", "--json"],
    ));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(statuses(&lines), ["ok", "ok"]);
    assert_eq!(lines[1]["new"], 2);

    let out = run(&mut newsroom(dir.path(), &config, &db, &["fetch"]));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(stdout.contains("Alpha  not modified"), "{stdout}");

    server.set_route("/b.xml", Route::status(500));
    let out = run(&mut newsroom(
        dir.path(),
        &config,
        &db,
        &["fetch", "--json", "--force"],
    ));
    assert_eq!(out.status.code(), Some(1), "a failed feed means exit 1");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(statuses(&lines), ["not_modified", "error"]);
    assert_eq!(lines[1]["error"], "HTTP 500 — server error");
}

#[test]
fn a_corrupt_cache_is_reported_and_fetch_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start([("/a.xml", Route::feed(rss("A", 2, "")))]);
    let config = dir.path().join("config.toml");
    std::fs::write(&config, config_text(&server, &[("Alpha", "/a.xml")])).expect("write");
    let db = dir.path().join("newsroom.db");
    std::fs::write(&db, b"garbage, not a cache").expect("write");
    let out = run(&mut newsroom(
        dir.path(),
        &config,
        &db,
        &["fetch", "--json"],
    ));
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("moved to") && stderr.contains("newsroom.db.corrupt-"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"status\":\"ok\""), "{stdout}");
}

/// Articles per publication URL, read through the public API after the kill; checks that the
/// cache is sound and that each feed's state row agrees with its articles.
fn committed(db: &Path, urls: &[String]) -> Vec<usize> {
    let (store, notice) = Store::open(db).expect("reopen after kill");
    assert_eq!(
        notice, None,
        "a killed refresh never leaves a cache that must be moved aside"
    );
    assert!(
        store.quick_check().expect("quick_check runs"),
        "integrity check"
    );
    urls.iter()
        .map(|u| {
            let n = store.headlines(u, 100_000).expect("headlines").len();
            let state = store.feed_state(u).expect("feed state");
            assert_eq!(
                state.last_status.is_some(),
                n > 0,
                "state and articles commit together: {u}"
            );
            n
        })
        .collect()
}

/// Counts publications with articles through a separate read-only connection while the
/// binary writes (WAL lets it read without blocking the writer).
fn feeds_with_articles(db: &Path) -> Option<i64> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let conn = rusqlite::Connection::open_with_flags(db, flags).ok()?;
    conn.busy_timeout(Duration::from_secs(1)).ok()?;
    conn.query_row(
        "SELECT count(DISTINCT publication) FROM articles",
        [],
        |r| r.get(0),
    )
    .ok()
}

#[test]
fn a_refresh_killed_mid_transaction_leaves_every_feed_whole_or_absent() {
    // Feeds big enough (about 4 MB each) that one feed's transaction spills pages into the WAL
    // before it commits: a kill then leaves a torn transaction there for recovery to discard.
    const FEEDS: usize = 12;
    const ITEMS: usize = 2500;
    let dir = tempfile::tempdir().expect("tempdir");
    let routes: Vec<(String, Route)> = (0..FEEDS)
        .map(|i| {
            (
                format!("/f{i}.xml"),
                Route::feed(rss_padded(&format!("F{i}"), ITEMS, "", 1500)),
            )
        })
        .collect();
    let server = FeedServer::start(routes).with_latency(Duration::from_millis(100));
    let names: Vec<String> = (0..FEEDS).map(|i| format!("F{i}")).collect();
    let paths: Vec<String> = (0..FEEDS).map(|i| format!("/f{i}.xml")).collect();
    let feeds: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(paths.iter().map(String::as_str))
        .collect();
    let config = dir.path().join("config.toml");
    let text = config_text(&server, &feeds)
        .replace("[fetch]\n", "[fetch]\nconcurrency = 4\nper_host = 4\n");
    std::fs::write(&config, text).expect("write config");
    let db: PathBuf = dir.path().join("newsroom.db");
    let urls: Vec<String> = paths.iter().map(|p| server.url(p)).collect();

    // Kill three times, each time once `wanted` feeds are committed and another feed's
    // transaction has written uncommitted pages; each run resumes into the same cache. The test
    // wakes on the WAL file changing (inotify), and decides with the child stopped (SIGSTOP,
    // confirmed by waitpid), so the state it reads is exactly the state the kill leaves.
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx).expect("inotify watcher");
    notify::Watcher::watch(
        &mut watcher,
        dir.path(),
        notify::RecursiveMode::NonRecursive,
    )
    .expect("watch the cache's directory");
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    for wanted in 1..=3 {
        let mut child = newsroom(dir.path(), &config, &db, &["fetch", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn newsroom fetch");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = rx
                .recv_timeout(left)
                .expect("the WAL changes before the deadline");
            let touches_wal = event.is_ok_and(|e| e.paths.contains(&wal));
            // A burst of writes is one look: what matters is the file's state now.
            while rx.try_recv().is_ok() {}
            assert!(
                child.try_wait().expect("poll child").is_none(),
                "fetch ended before the kill"
            );
            if !touches_wal || !torn_with(&db, wanted) {
                continue;
            }
            stop(pid);
            if torn_with(&db, wanted) {
                break;
            }
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT).expect("SIGCONT");
        }
        child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
        child.wait().expect("reap");
        assert!(wal_frames(&db).1 > 0, "the kill left a torn transaction");

        let counts = committed(&db, &urls);
        assert!(
            counts.iter().all(|&n| n == 0 || n == ITEMS),
            "every feed whole or absent: {counts:?}"
        );
        let whole = counts.iter().filter(|&&n| n == ITEMS).count();
        assert!(
            whole >= usize::try_from(wanted).unwrap() && whole < FEEDS,
            "killed mid-way: {counts:?}"
        );
    }

    // Finishing the job afterwards works and completes every feed.
    let out = run(&mut newsroom(
        dir.path(),
        &config,
        &db,
        &["fetch", "--json"],
    ));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(committed(&db, &urls).iter().all(|&n| n == ITEMS));
}

/// At least `wanted` feeds are committed and a transaction has written pages it has not
/// committed yet.
fn torn_with(db: &Path, wanted: i64) -> bool {
    wal_frames(db).1 > 0 && feeds_with_articles(db).is_some_and(|n| n >= wanted)
}

/// Stops the child and waits until it has stopped (waitpid reports it), so that nothing it
/// writes afterwards can change what the test reads.
fn stop(pid: nix::unistd::Pid) {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).expect("SIGSTOP");
    let status = waitpid(pid, Some(WaitPidFlag::WUNTRACED)).expect("waitpid");
    assert!(
        matches!(status, WaitStatus::Stopped(..)),
        "the child stopped, not {status:?}"
    );
}

/// (valid frames, frames after the last commit) in the -wal file, read by its documented
/// format: a 32-byte header with the page size and salts, then frames of a 24-byte header
/// (commit size at 4..8, non-zero on a commit frame; the salts at 8..16) and one page.
fn wal_frames(db: &Path) -> (usize, usize) {
    let Ok(wal) = std::fs::read(format!("{}-wal", db.display())) else {
        return (0, 0);
    };
    if wal.len() < 32 {
        return (0, 0);
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let page = be(&wal[8..12]) as usize;
    let (s1, s2) = (be(&wal[16..20]), be(&wal[20..24]));
    let mut off = 32;
    let (mut frames, mut tail) = (0, 0);
    while off + 24 + page <= wal.len() {
        let h = &wal[off..off + 24];
        if be(&h[8..12]) != s1 || be(&h[12..16]) != s2 {
            break;
        }
        frames += 1;
        if be(&h[4..8]) != 0 {
            tail = 0;
        } else {
            tail += 1;
        }
        off += 24 + page;
    }
    (frames, tail)
}
