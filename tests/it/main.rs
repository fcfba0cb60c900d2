//! newsroom's integration tests: one crate (one link), a module per concern.
//! Every server here is real and listens on 127.0.0.1 only.

// Tests may unwrap: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

mod app;
mod auth;
mod cli;
mod config_edit;
mod corpus;
mod discover;
mod docs;
mod feed;
mod fetch;
mod fulltext;
mod github;
mod github_pubs;
mod headless;
mod hostile;
mod keyring;
mod opml;
mod reader;
mod refresh;
mod search;
mod store;
mod support;
