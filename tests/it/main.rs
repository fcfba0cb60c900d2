//! newsroom's integration tests: one crate (one link), a module per concern.
//! Every server here is real and listens on 127.0.0.1 only.

// Tests may unwrap: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

mod support;
mod reader;
mod docs;
mod cli;
mod auth;
mod keyring;
mod config_edit;
mod discover;
mod opml;
mod fetch;
mod feed;
mod corpus;
mod hostile;
mod store;
mod refresh;
mod headless;
