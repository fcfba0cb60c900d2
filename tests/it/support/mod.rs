//! Shared test helpers: loopback servers, temp dirs, the built binary.
#![allow(dead_code)]

/// Path of the newsroom binary built for these tests.
pub fn bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_newsroom"))
}
pub mod feed_server;
pub mod tmux;
pub mod fake_github;
