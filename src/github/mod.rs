//! Talking to GitHub once signed in: one [`GithubSession`] per signed-in user (the token, its
//! scopes, renewal) and one [`GithubClient`] that every GitHub call goes through (headers,
//! conditional requests, poll intervals, rate limits and back-off, and the rule that the token
//! goes to the configured API host only).
//!
//! Signing in itself (the device flow, the keyring) is in [`crate::auth`].

mod client;
pub mod gist;
pub mod inbox;
pub mod publication;
pub mod pubs;
pub mod releases;
mod session;

pub use crate::auth::scopes::{Feature, MissingScope, grants};
pub use client::{GithubClient, GithubError, RateLimit, Response};
pub use session::GithubSession;
