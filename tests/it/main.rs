//! newsroom's integration tests: one crate (one link), a module per concern.
//! Every server here is real and listens on 127.0.0.1 only.

// Tests may unwrap: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]
// Pedantic lints that do not fit test code: fixture numbers are small (casts cannot wrap),
// hostile bodies are built in large local buffers on purpose, and a match that checks one case
// and fails on any other is the point of an assertion.
#![allow(
    clippy::cast_possible_wrap,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::large_stack_arrays,
    clippy::unreadable_literal,
    clippy::struct_field_names,
    clippy::match_wildcard_for_single_variants
)]

mod app;
mod auth;
mod cli;
mod config_edit;
mod corpus;
mod discover;
mod docs;
mod enclosures;
mod feed;
mod fetch;
mod fulltext;
mod gist;
mod github;
mod github_pubs;
mod headless;
mod hostile;
mod keyring;
mod opml;
mod reader;
mod reading;
mod refresh;
mod reload;
mod search;
mod store;
mod support;
mod sync;
mod views;
