//! The pure core: state, messages, and the one `update` door. No IO, no clock, no async.

pub mod article;
mod enclosure;
pub mod first_run;
pub mod links;
pub mod messages;
pub mod msg;
pub mod navigate;
pub mod panes;
pub mod reload;
pub mod signin;
pub mod state;
pub mod sync;
pub mod undo;
pub mod update;
pub mod views;

pub use crate::keys::{Action, Key, KeyMap};
pub use msg::{CacheCmd, Cmd, Copied, FeedCmd, FeedOutcome, GithubCmd, Msg, SystemCmd};
pub use reload::NewConfig;
pub use signin::{AuthMsg, Phase, SignIn};
pub use state::{
    ArticleView, FeedStatus, Filter, Focus, FullTextView, Notice, NoticeKind, PubState, Requests,
    Search, Session, State,
};
pub use update::{animating, check_session, init, update};

#[cfg(test)]
mod content_tests;
#[cfg(test)]
mod reload_tests;
#[cfg(test)]
mod tests;
