//! newsroom: a terminal news reader. The binary only wires things; everything lives here so that
//! tests and benchmarks drive the real core.

pub mod app;
pub mod auth;
pub mod browser;
pub mod cli;
pub mod commands;
pub mod config;
pub mod config_edit;
pub mod content_coding;
pub mod context;
pub mod discover;
pub mod feed;
pub mod fetch;
pub mod fulltext;
pub mod gate;
pub mod github;
pub mod headless;
pub mod keys;
pub mod layout;
pub mod logging;
pub mod model;
pub mod opml;
pub mod paths;
pub mod refresh;
pub mod runtime;
pub mod search;
pub mod store;
pub mod sync;
pub mod terminal;
mod terminal_signals;
pub mod theme;
pub mod tui;
pub mod ui;
pub mod wrap;
