//! Drives the real binary in a detached tmux session: type with `send-keys`, read the screen with
//! `capture-pane`. Each session has its own tmux server socket, so tests never meet.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A system service a test needs. Where it is missing the test is skipped, loudly; under CI
/// (`CI=true`) a missing service is a failure, because CI installs it.
pub fn require(tool: &str, why: &str) -> bool {
    let found = Command::new(tool)
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let msg = format!("SKIPPED: {tool} is not installed ({why}); .ci/run installs it");
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{msg}, but this is CI"
        );
        eprintln!("\n*** {msg} ***\n");
    }
    found
}

pub struct Tmux {
    socket: String,
    pub session: String,
}

impl Tmux {
    /// Starts `command` (run by sh) in a new `width`x`height` session with `env` set.
    pub fn start(
        name: &str,
        width: u16,
        height: u16,
        env: &[(&str, &str)],
        command: &str,
        dir: &Path,
    ) -> Self {
        let socket = format!("newsroom-test-{}-{name}", std::process::id());
        let t = Self {
            socket,
            session: name.to_owned(),
        };
        let mut cmd = Command::new("tmux");
        cmd.args([
            "-L",
            &t.socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            name,
        ])
        .args(["-x", &width.to_string(), "-y", &height.to_string()])
        .arg("-c")
        .arg(dir);
        for (k, v) in env {
            cmd.args(["-e", &format!("{k}={v}")]);
        }
        // Keep the pane after the program exits so its last screen (and exit code) can be read.
        cmd.arg(format!("{command}; echo \"[exit $?]\"; sleep 30"));
        let out = cmd.output().expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        let out = self.tmux(&args);
        assert!(
            out.status.success(),
            "send-keys: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A global option's value, as `show-options -gv` prints it.
    pub fn option(&self, name: &str) -> String {
        let out = self.tmux(&["show-options", "-gv", name]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The newest paste buffer (what the program last copied), or "" if none.
    pub fn paste_buffer(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["show-buffer"]).stdout).into_owned()
    }

    /// Sends a signal to the program running in the pane (not to the shell around it).
    pub fn signal_program(&self, signal: &str) {
        let out = self.tmux(&["display-message", "-p", "-t", &self.session, "#{pane_pid}"]);
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let status = Command::new("pkill")
            .args([&format!("-{signal}"), "-P", &shell, "newsroom"])
            .status()
            .expect("pkill runs");
        assert!(status.success(), "no newsroom process under pane {shell}");
    }

    /// The pid of the program running in the pane (not of the shell around it).
    pub fn program_pid(&self) -> u32 {
        let out = self.tmux(&["display-message", "-p", "-t", &self.session, "#{pane_pid}"]);
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let out = Command::new("pgrep")
            .args(["-P", &shell, "newsroom"])
            .output()
            .expect("pgrep runs");
        let pid = String::from_utf8_lossy(&out.stdout);
        pid.trim()
            .parse()
            .unwrap_or_else(|_| panic!("no newsroom under pane {shell}"))
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    /// Waits (bounded) until the screen satisfies `pred`; panics with the last screen if not.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(&format!("{text:?}"), timeout, |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// The environment for the binary: every platform dir inside `home`.
fn env_for(home: &Path) -> Vec<(String, String)> {
    let p = |s: &str| home.join(s).display().to_string();
    vec![
        ("HOME".into(), p("")),
        ("XDG_CONFIG_HOME".into(), p("config")),
        ("XDG_DATA_HOME".into(), p("data")),
        ("XDG_STATE_HOME".into(), p("state")),
        ("XDG_CACHE_HOME".into(), p("cache")),
        ("TERM".into(), "xterm-256color".into()),
        ("NEWSROOM_TEST_AUTH_SECOND_MS".into(), "50".into()),
    ]
}

/// Starts the real binary in tmux on `config` (then `args`), with every platform dir inside
/// `home` and `extra` in its environment.
pub fn start_newsroom(
    name: &str,
    (w, h): (u16, u16),
    home: &Path,
    config: &Path,
    extra: &[(&str, &str)],
    args: &str,
) -> Tmux {
    let mut env = env_for(home);
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let cmd = format!(
        "'{}' --config '{}' {args}",
        super::bin().display(),
        config.display()
    );
    Tmux::start(name, w, h, &env, &cmd, home)
}
