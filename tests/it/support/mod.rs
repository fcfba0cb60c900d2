//! Shared test helpers: loopback servers (feeds, a fake GitHub), tmux, the built binary.
#![allow(dead_code)]

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
        .stdin(Stdio::null());
    cmd
}
