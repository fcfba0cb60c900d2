//! What every command runs with: the resolved locations and config ([`Context`]), and the one
//! error type that carries an exit code ([`Failure`]).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{Config, ConfigError};
use crate::paths::Paths;

/// An error for the user, with its exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The config or the command line is wrong: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Something failed at run time: exit 1.
    #[error("{0}")]
    Runtime(String),
    /// A failure with its own exit code (e.g. 4: not signed in, as `gh` does).
    #[error("{1}")]
    Code(u8, String),
    /// The command already told the user what went wrong; exit with this code quietly.
    #[error("")]
    Quiet(u8),
}

impl Failure {
    #[must_use]
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Usage(_) => ExitCode::from(2),
            Self::Runtime(_) => ExitCode::from(1),
            Self::Code(c, _) | Self::Quiet(c) => ExitCode::from(*c),
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Self::Usage(e.to_string())
    }
}

/// Resolved locations for this run (flags override the platform's defaults).
pub struct Context {
    pub config: Config,
    pub paths: Paths,
    pub db: PathBuf,
    pub verbose: bool,
    /// The config file that `add`, `remove` and `import` edit.
    pub config_file: PathBuf,
    /// `--config`, if given: the reader reads it again on a reload.
    pub config_explicit: Option<PathBuf>,
    /// `--insecure-storage` for the reader's sign-in.
    pub insecure_storage: bool,
}
