//! Shared test helpers: loopback servers (feeds, a fake GitHub), tmux, the built binary.
#![allow(dead_code)]

pub mod fake_github;
pub mod feed_server;
pub mod tmux;

/// Path of the newsroom binary built for these tests.
pub fn bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_newsroom"))
}
