//! Opening a link: `$BROWSER` (the `:`-separated list of commands, `%s` for the URL, as the
//! convention and the `webbrowser` crate read it) or the platform's opener, started by newsroom
//! itself so that the child's environment is under control: no secret newsroom knows of (its
//! token variables) reaches the browser or whatever `xdg-open` starts.
//!
//! A text-mode browser (w3m, lynx… — common over SSH) needs the terminal: [`plan`] says so, and
//! the run loop suspends the reader around it (see `terminal::suspend`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Variables removed from every child's environment: newsroom's own token and sync passphrase,
/// and the usual GitHub token variables, which a user who exports one for newsroom may also
/// have set.
pub const SECRET_VARS: &[&str] = &[
    crate::auth::ENV_TOKEN,
    crate::sync::PASSPHRASE_ENV,
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
];

/// Browsers that draw in the terminal they are started from.
const TEXT_BROWSERS: &[&str] = &[
    "w3m",
    "lynx",
    "links",
    "links2",
    "elinks",
    "browsh",
    "carbonyl",
    "netrik",
    "retawq",
    "www-browser",
];

/// How a URL is to be opened.
#[derive(Debug)]
pub enum Launch {
    /// A graphical browser or opener: start it and do not wait.
    Detached(Command),
    /// A browser that takes over the terminal: run it in the foreground, the reader suspended.
    Terminal(Command),
}

/// Removes the secrets from a child's environment.
pub(crate) fn scrub(cmd: &mut Command) -> &mut Command {
    for var in SECRET_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// How to open `url`, from `$BROWSER`, `$PATH` and whether a display is there. `None` when
/// nothing to open it with is found.
#[must_use]
pub fn plan(url: &str) -> Option<Launch> {
    let browser = std::env::var("BROWSER").unwrap_or_default();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let graphical = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
    plan_with(url, &browser, &path, graphical)
}

fn plan_with(url: &str, browser: &str, path: &OsString, graphical: bool) -> Option<Launch> {
    for entry in browser.split(':').filter(|e| !e.trim().is_empty()) {
        let argv = command_line(entry, url);
        let Some(program) = argv.first().and_then(|p| find(p, path)) else {
            continue;
        };
        let text = is_text_browser(&program);
        let mut cmd = Command::new(program);
        cmd.args(&argv[1..]);
        scrub(&mut cmd);
        return Some(if text {
            Launch::Terminal(cmd)
        } else {
            Launch::Detached(detached(cmd))
        });
    }
    let (opener, args): (&str, &[&str]) = if cfg!(target_os = "macos") {
        ("open", &[])
    } else if cfg!(windows) {
        ("rundll32", &["url.dll,FileProtocolHandler"])
    } else {
        ("xdg-open", &[])
    };
    let program = find(opener, path)?;
    let mut cmd = Command::new(program);
    cmd.args(args).arg(url);
    scrub(&mut cmd);
    // Without a display xdg-open falls back to a text browser (www-browser, w3m): it needs the
    // terminal then.
    if cfg!(all(unix, not(target_os = "macos"))) && !graphical {
        return Some(Launch::Terminal(cmd));
    }
    Some(Launch::Detached(detached(cmd)))
}

fn detached(mut cmd: Command) -> Command {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// One `$BROWSER` entry as argv: `%s` is the URL, `%c` a colon, `%%` a percent sign; without
/// a `%s` the URL comes last.
fn command_line(entry: &str, url: &str) -> Vec<String> {
    let mut has_url = false;
    let mut argv: Vec<String> = entry
        .split_ascii_whitespace()
        .map(|word| {
            let mut out = String::new();
            let mut chars = word.chars();
            while let Some(c) = chars.next() {
                if c != '%' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('s') => {
                        out.push_str(url);
                        has_url = true;
                    }
                    Some('c') => out.push(':'),
                    Some('%') => out.push('%'),
                    Some(other) => {
                        out.push('%');
                        out.push(other);
                    }
                    None => out.push('%'),
                }
            }
            out
        })
        .collect();
    if !has_url {
        argv.push(url.to_owned());
    }
    argv
}

/// The program as a path: as given when it names a path, else the first match on `path`.
fn find(program: &str, path: &OsString) -> Option<PathBuf> {
    let p = Path::new(program);
    if p.components().count() > 1 {
        return p.is_file().then(|| p.to_path_buf());
    }
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|c| c.is_file())
}

fn is_text_browser(program: &Path) -> bool {
    program
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| TEXT_BROWSERS.contains(&n))
}

/// Starts a detached browser, reaping it on a thread so that it leaves no zombie.
pub(crate) fn spawn_detached(mut cmd: Command) -> std::io::Result<()> {
    let mut child = cmd.spawn()?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin_dir(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for n in names {
            std::fs::write(dir.path().join(n), "").expect("write");
        }
        dir
    }

    #[allow(clippy::option_option)] // unset, removed, or set: what `get_envs` tells
    fn env_of(cmd: &Command, var: &str) -> Option<Option<OsString>> {
        cmd.get_envs()
            .find(|(k, _)| *k == var)
            .map(|(_, v)| v.map(OsString::from))
    }

    #[test]
    fn browser_entries_and_field_codes() {
        assert_eq!(
            command_line("firefox --new-tab", "https://e.com/a"),
            ["firefox", "--new-tab", "https://e.com/a"]
        );
        assert_eq!(
            command_line("open -u %s --x=%c%%", "https://e.com/"),
            ["open", "-u", "https://e.com/", "--x=:%"]
        );
        let dir = bin_dir(&["w3m", "firefox"]);
        let path = OsString::from(dir.path());
        let plan = plan_with("https://e.com/", "missing:w3m", &path, true);
        assert!(matches!(plan, Some(Launch::Terminal(_))), "{plan:?}");
        let plan = plan_with("https://e.com/", "firefox %s", &path, false);
        assert!(matches!(plan, Some(Launch::Detached(_))), "{plan:?}");
        assert!(plan_with("https://e.com/", "nothing-here", &OsString::new(), true).is_none());
    }

    #[test]
    fn the_sync_passphrase_is_a_secret_like_the_token() {
        assert!(SECRET_VARS.contains(&crate::sync::PASSPHRASE_ENV));
        assert!(SECRET_VARS.contains(&crate::auth::ENV_TOKEN));
    }

    #[test]
    fn secrets_are_removed_from_the_child() {
        let dir = bin_dir(&["firefox", "xdg-open", "open"]);
        let path = OsString::from(dir.path());
        for browser in ["firefox", ""] {
            let Some(Launch::Detached(cmd) | Launch::Terminal(cmd)) =
                plan_with("https://e.com/", browser, &path, true)
            else {
                panic!("a plan for {browser:?}")
            };
            for var in SECRET_VARS {
                assert_eq!(
                    env_of(&cmd, var),
                    Some(None),
                    "{var} removed for {browser:?}"
                );
            }
        }
    }
}
