//! Shared test helpers: loopback servers (feeds, a fake GitHub), tmux, the built binary.
#![allow(dead_code)]

pub mod fake_gist;
pub mod fake_github;
pub mod feed_server;
pub mod http;
pub mod screen;
pub mod tmux;

use std::path::Path;
use std::process::{Command, Stdio};

/// Path of the newsroom binary built for these tests.
pub fn bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_newsroom"))
}

/// The real binary with every platform dir inside `home` (`config`, `data`, `state`, `cache`)
/// and none of the caller's newsroom settings, so a test sees what a fresh user would.
pub fn newsroom_in(home: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("NEWSROOM_CONFIG")
        .env_remove("NEWSROOM_DB")
        .env_remove("NEWSROOM_GITHUB_TOKEN")
        .env_remove("NEWSROOM_GITHUB_CLIENT_ID")
        .env_remove("NEWSROOM_SYNC_PASSPHRASE")
        .stdin(Stdio::null());
    cmd
}

/// Edges for in-process tests: the browser records the URLs it was asked to open (returned),
/// the clipboard answers as a terminal given an OSC 52 would, and the terminal is never handed
/// over.
pub fn watched_edges() -> (
    newsroom::runtime::Edges,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    let opened = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = opened.clone();
    let edges = newsroom::runtime::Edges {
        open_url: Box::new(move |url, _| {
            seen.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(url);
        }),
        copy: Box::new(|_| Ok(newsroom::app::Copied::Osc52)),
        real_terminal: false,
    };
    (edges, opened)
}

/// A keyring problem as the user reads it: plain words, none of the keyring's own (D-Bus, zbus)
/// text, which goes to the log only.
pub fn assert_plain_keyring_words(text: &str) {
    for raw in [
        "zbus",
        "org.freedesktop",
        "Platform failure",
        "os error",
        "dbus",
    ] {
        assert!(
            !text.to_lowercase().contains(&raw.to_lowercase()),
            "the keyring's own text ({raw:?}) reached the user:\n{text}"
        );
    }
}
