//! Sync of subscriptions and reading state through the user's own secret gist: the pure core
//! (clock, records and their merge, the text format) and the round that talks to GitHub.
//! The format is described in `docs/sync.md`.

mod ask;
pub mod command;
pub mod crypt;
pub mod format;
pub mod hlc;
pub mod merge;
mod remote;
pub mod round;
mod sealed;
pub use sealed::PASSPHRASE_ENV;
pub mod subs;
