//! The pure core: state, messages, and the one `update` door. No IO, no clock, no async.

pub mod article;
pub mod msg;
pub mod signin;
pub mod state;
pub mod sync;
pub mod update;

pub use crate::keys::{Action, Key, KeyMap};
pub use msg::{CacheCmd, Cmd, Copied, FeedCmd, FeedOutcome, GithubCmd, Msg, SystemCmd};
pub use signin::{AuthMsg, Phase, SignIn};
pub use state::{
    ArticleView, FeedStatus, Filter, Focus, FullTextView, Notice, NoticeKind, PubState, Requests,
    Search, Session, State,
};
pub use update::{animating, check_session, init, update};

#[cfg(test)]
mod tests;
