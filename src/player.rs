//! Playing an enclosure with the command the user configured (`[commands] enclosure`): the
//! configured argument vector, then the URL as one more argument of its own. No shell, so
//! nothing in a URL can become a second command, and the token variables are removed from the
//! child's environment as for the browser (see `browser::scrub`).

use std::process::{Command, Stdio};

/// The command that plays `url` with `argv` (program first). `None` for an empty `argv`.
#[must_use]
pub fn command(argv: &[String], url: &str) -> Option<Command> {
    let (program, args) = argv.split_first()?;
    let mut cmd = Command::new(program);
    cmd.args(args).arg(url);
    crate::browser::scrub(&mut cmd);
    Some(cmd)
}

/// Starts a command that does not need the terminal: output discarded, not waited for.
pub fn spawn_detached(mut cmd: Command) -> std::io::Result<()> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    crate::browser::spawn_detached(cmd)
}
