//! The command line as a user meets it: help, version, completions, the man page, the log path,
//! and what a broken config says.

use std::path::Path;
use std::process::Output;

fn newsroom(home: &Path, args: &[&str]) -> Output {
    crate::support::newsroom_in(home)
        .args(args)
        .output()
        .expect("newsroom runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_version_completions_and_man_page() {
    let home = tempfile::tempdir().unwrap();
    let out = newsroom(home.path(), &["--help"]);
    assert!(out.status.success());
    for cmd in [
        "login",
        "logout",
        "status",
        "fetch",
        "import",
        "export",
        "add",
        "remove",
        "list",
        "completions",
    ] {
        assert!(text(&out.stdout).contains(cmd), "--help lists {cmd}");
    }
    let out = newsroom(home.path(), &["--version"]);
    assert_eq!(
        text(&out.stdout).trim(),
        format!("newsroom {}", env!("CARGO_PKG_VERSION"))
    );
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef newsroom"),
        ("fish", "complete -c newsroom"),
    ] {
        let out = newsroom(home.path(), &["completions", shell]);
        assert!(
            out.status.success() && text(&out.stdout).contains(marker),
            "{shell}: {}",
            text(&out.stdout)
        );
        assert!(
            text(&out.stdout).contains("insecure-storage"),
            "{shell} completes subcommand flags"
        );
    }
    let out = newsroom(home.path(), &["man"]);
    let man = text(&out.stdout);
    assert!(
        man.contains(".TH newsroom") && man.contains("device flow"),
        "{man}"
    );
}

#[test]
fn log_path_names_the_file_that_logging_writes() {
    let home = tempfile::tempdir().unwrap();
    let out = newsroom(home.path(), &["--log-path"]);
    let path = text(&out.stdout).trim().to_owned();
    assert!(
        path.starts_with(&home.path().join("state").display().to_string()),
        "{path}"
    );
    // A command that logs: fetch with an unreachable feed.
    let config = home.path().join("c.toml");
    std::fs::write(
        &config,
        "[[publications]]\nname = \"X\"\nurl = \"http://127.0.0.1:9/x.xml\"\n",
    )
    .unwrap();
    let out = newsroom(
        home.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "--db",
            home.path().join("c.db").to_str().unwrap(),
            "fetch",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed feed makes fetch exit 1"
    );
    let log = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(log.contains("127.0.0.1:9"), "the failure is logged: {log}");
}

#[test]
fn a_broken_config_names_file_line_and_column_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("broken.toml");
    std::fs::write(&config, "[[publications]]\nname = \"BBC\"\nurl = \"https://feeds.bbci.co.uk/news/rss.xml\"\nkye = \"b\"\n").unwrap();
    let out = newsroom(home.path(), &["--config", config.to_str().unwrap(), "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{}:4:1", config.display())), "{err}");
    assert!(err.contains("kye"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    std::fs::write(&config, "[fetch]\ntimeout_secs = \"soon\"\n").unwrap();
    let out = newsroom(home.path(), &["--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(":2:"), "{}", text(&out.stderr));

    let out = newsroom(
        home.path(),
        &[
            "--config",
            home.path().join("missing.toml").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("missing.toml"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_man_page_documents_keys_files_and_environment_and_refers_to_no_missing_page() {
    let home = tempfile::tempdir().unwrap();
    let out = newsroom(home.path(), &["man"]);
    assert!(out.status.success());
    let man = text(&out.stdout);
    for section in [
        ".SH COMMANDS",
        ".SH KEYS",
        ".SH FILES",
        ".SH ENVIRONMENT",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(man.contains(section), "no {section} in:\n{man}");
    }
    // Only one page is made, so no other may be referred to.
    assert!(!man.contains("newsroom\\-login(1)"), "{man}");
    assert!(!man.contains("(1)"), "{man}");
    let config = home.path().join("config/newsroom/config.toml");
    let shown = |p: &Path| p.display().to_string().replace('-', "\\-");
    assert!(man.contains(&shown(&config)), "{man}");
    assert!(
        man.contains(&shown(&home.path().join("data/newsroom/newsroom.db"))),
        "{man}"
    );
    assert!(
        man.contains(&shown(&home.path().join("state/newsroom"))),
        "{man}"
    );
    for name in [
        "NEWSROOM_CONFIG",
        "NEWSROOM_GITHUB_TOKEN",
        "NO_COLOR",
        "TMUX",
    ] {
        assert!(man.contains(name), "{name}: {man}");
    }
    assert!(man.contains("copy the link"), "{man}");
    assert!(man.contains("\\-\\-insecure\\-storage"), "{man}");

    let help = text(&newsroom(home.path(), &["--help"]).stdout);
    assert!(!help.contains("config.example.toml"), "{help}");
    assert!(help.contains(&config.display().to_string()), "{help}");
}

/// Output into a pipe whose reader is gone, as in `newsroom man | head`: the read end is
/// closed before newsroom starts, so its first write fails for certain.
fn into_a_closed_pipe(home: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    crate::support::newsroom_in(home)
        .args(args)
        .stdout(writer)
        .output()
        .expect("newsroom runs")
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["completions", "fish"][..],
        &["completions", "bash"],
        &["man"],
        &["list"],
        &["export"],
        &["--log-path"],
    ] {
        let out = into_a_closed_pipe(home.path(), args);
        assert_eq!(
            out.status.code(),
            Some(141),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{args:?} says nothing");
    }
}

#[test]
fn a_config_path_that_does_not_exist_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("typo.toml");
    for args in [&["list"][..], &["remove", "BBC"], &["export"], &["fetch"]] {
        let out = newsroom(
            home.path(),
            &[&["--config", missing.to_str().unwrap()], args].concat(),
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stdout), "", "{args:?}: nothing listed");
        let err = text(&out.stderr);
        assert!(
            err.contains(&missing.display().to_string()) && err.contains("no such config file"),
            "{args:?}: {err}"
        );
    }
    // The same through the environment.
    let out = crate::support::newsroom_in(home.path())
        .env("NEWSROOM_CONFIG", &missing)
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists(), "nothing was created");
    // Without --config, list shows the defaults as before.
    let out = newsroom(home.path(), &["list"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("BBC"));
}

#[test]
fn secrets_in_feed_urls_stay_out_of_the_log_and_files_are_private() {
    let home = tempfile::tempdir().unwrap();
    let path = text(&newsroom(home.path(), &["--log-path"]).stdout)
        .trim()
        .to_owned();
    let config = home.path().join("c.toml");
    std::fs::write(
        &config,
        "[[publications]]\nname = \"X\"\nurl = \"http://reader:hunter2@127.0.0.1:9/x.xml?key=SECRETKEY\"\n",
    )
    .unwrap();
    let db = home.path().join("data/c.db");
    let out = newsroom(
        home.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "fetch",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let log = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        log.contains("127.0.0.1:9/x.xml?…"),
        "the failure is logged: {log}"
    );
    for secret in ["hunter2", "reader:", "SECRETKEY"] {
        assert!(!log.contains(secret), "{secret} in the log: {log}");
        assert!(
            !text(&out.stdout).contains(secret),
            "{secret} in the output"
        );
        assert!(
            !text(&out.stderr).contains(secret),
            "{secret} in the errors"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(Path::new(&path)), 0o600, "log file");
        assert_eq!(mode(Path::new(&path).parent().unwrap()), 0o700, "log dir");
        assert_eq!(mode(&db), 0o600, "cache");
        assert_eq!(mode(db.parent().unwrap()), 0o700, "cache dir");
    }
}

/// Runs the binary, killing it if it has not ended within a generous bound (a hang fails).
fn run_bounded(home: &Path, args: &[&str]) -> Output {
    let mut child = crate::support::newsroom_in(home)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("newsroom {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn devices_and_fifos_given_as_paths_are_refused_not_read() {
    let home = tempfile::tempdir().unwrap();
    let fifo = home.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let fifo = fifo.to_str().unwrap();
    let config = home.path().join("c.toml");
    std::fs::write(
        &config,
        "[[publications]]\nname = \"X\"\nurl = \"http://127.0.0.1:9/x.xml\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    for args in [
        vec!["--config", "/dev/zero", "list"],
        vec!["--config", fifo, "list"],
        vec!["--config", config, "--db", fifo, "fetch"],
        vec!["--config", config, "--db", "/dev/zero", "fetch"],
        vec!["--config", config, "import", fifo],
        vec!["--config", config, "import", "/dev/zero"],
    ] {
        let out = run_bounded(home.path(), &args);
        assert!(!out.status.success(), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("not a regular file"), "{args:?}: {err}");
    }
}

#[test]
fn a_huge_config_is_refused_unread() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("big.toml");
    let f = std::fs::File::create(&config).unwrap();
    f.set_len(newsroom::config::MAX_CONFIG_BYTES + 1).unwrap();
    let out = run_bounded(home.path(), &["--config", config.to_str().unwrap(), "list"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("larger than 16 MiB"),
        "{}",
        text(&out.stderr)
    );
}
