//! Talking to GitHub once signed in: one [`GithubSession`] per signed-in user (the token, its
//! scopes, renewal) and one [`GithubClient`] that every GitHub call goes through (headers,
//! conditional requests, poll intervals, rate limits and back-off, and the rule that the token
//! goes to the configured API host only).
//!
//! Signing in itself (the device flow, the keyring) is in [`crate::auth`].

mod client;
mod scopes;
mod session;

pub use client::{GithubClient, GithubError, RateLimit, Response};
pub use scopes::{Feature, MissingScope, grants, union};

/// The scopes a sign-in asks for: `read:user`, the configured ones, what each feature needs,
/// and `extra`.
pub fn scopes_to_ask(configured: &[String], extra: &[String]) -> Vec<String> {
    let features: Vec<String> = Feature::ALL.iter().map(|f| f.scope().to_owned()).collect();
    union(&[&features, configured, extra])
}
pub use session::GithubSession;
