//! The pure core: state, messages, and the one `update` door. No IO, no clock, no async.

pub mod keys;
pub mod msg;
pub mod signin;
pub mod state;
pub mod update;

pub use keys::{Action, Key, KeyMap};
pub use msg::{Cmd, FeedOutcome, Msg};
pub use signin::{AuthMsg, Phase, SignIn};
pub use state::{
    ArticleView, FeedStatus, Filter, Focus, FullTextView, Notice, NoticeKind, PubState, Search,
    Session, State,
};
pub use update::{init, update};

#[cfg(test)]
mod tests;
