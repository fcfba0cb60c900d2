//! Editing the user's config on disk: comments and layout survive, the result is always a valid
//! config, and writes are atomic (no temp files left, symlinks and permissions kept).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use newsroom::config::Config;
use newsroom::config_edit::{self, ConfigEditError};

const HAND_WRITTEN: &str = r#"# My newsroom config, edited by hand.

# Morning reading
[[publications]]
name = "BBC"            # the BBC
url = "https://feeds.bbci.co.uk/news/rss.xml"
key = "b"

# Tech
[[publications]]
name = "LWN"
url = "https://lwn.net/headlines/rss"
key = "w"   # w for weekly

[fetch]
# Be gentle.
concurrency = 4   # four at a time
"#;

fn entry(name: &str, url: &str) -> (String, String) {
    (name.to_owned(), url.to_owned())
}

fn load(path: &Path) -> Config {
    Config::load(Some(path), None).expect("the edited config is valid")
}

fn names(path: &Path) -> Vec<String> {
    load(path)
        .publications
        .into_iter()
        .map(|p| p.name)
        .collect()
}

/// Whether every line of `old` appears in `new`, in the same order.
fn keeps_lines_in_order(old: &str, new: &str) -> bool {
    let mut rest = new.lines();
    old.lines().all(|line| rest.any(|l| l == line))
}

fn only_file_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn adding_keeps_every_line_and_comment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, HAND_WRITTEN).unwrap();

    let report = config_edit::add_publications(
        &path,
        &[
            entry("Rust Blog", "https://blog.rust-lang.org/feed.xml"),
            entry("LWN", "https://lwn.net/"),
        ],
    )
    .unwrap();
    assert_eq!(report.added.len(), 2);
    assert_eq!(report.renamed, [entry("LWN", "LWN (2)")]);

    let after = std::fs::read_to_string(&path).unwrap();
    assert!(keeps_lines_in_order(HAND_WRITTEN, &after), "{after}");
    assert_eq!(names(&path), ["BBC", "LWN", "Rust Blog", "LWN (2)"]);
    // Appended to the publications, not after [fetch].
    assert!(
        after.find("Rust Blog").unwrap() < after.find("[fetch]").unwrap(),
        "{after}"
    );
    assert_eq!(load(&path).fetch.concurrency, 4);
    assert_eq!(
        only_file_in(dir.path()),
        ["config.toml"],
        "no temp file left behind"
    );
}

#[test]
fn creating_the_file_writes_bbc_and_cnn_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newsroom").join("config.toml");
    config_edit::add_publications(&path, &[entry("HN", "https://news.ycombinator.com/rss")])
        .unwrap();
    assert_eq!(names(&path), ["BBC", "CNN", "HN"]);
    let text = std::fs::read_to_string(&path).unwrap();
    // The documented defaults come along, so the file explains itself.
    assert!(
        text.contains("[fetch]") && text.contains("timeout_secs = 15"),
        "{text}"
    );
    let c = load(&path);
    assert_eq!(c.publications[0].key, Some('b'));
    assert_eq!(c.fetch, Config::defaults().fetch);

    // Removing the first keeps the explanation of the list.
    config_edit::remove_publication(&path, "BBC").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("With no [[publications]] at all, BBC and CNN are used."),
        "{text}"
    );
    assert_eq!(names(&path), ["CNN", "HN"]);
}

#[test]
fn a_file_with_no_publications_keeps_its_defaults_when_adding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = "# only tuning\n[fetch]\nrefresh_minutes = 0 # off\n";
    std::fs::write(&path, text).unwrap();
    config_edit::add_publications(&path, &[entry("X", "https://x.example/rss")]).unwrap();
    assert_eq!(names(&path), ["BBC", "CNN", "X"]);
    assert!(std::fs::read_to_string(&path).unwrap().starts_with(text));
}

#[test]
fn removing_keeps_other_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, HAND_WRITTEN).unwrap();
    let removed = config_edit::remove_publication(&path, "lwn").unwrap();
    assert_eq!(removed.url, "https://lwn.net/headlines/rss");
    assert_eq!(
        config_edit::remove_command(&path, "BBC").unwrap(),
        "Removed BBC (https://feeds.bbci.co.uk/news/rss.xml)"
    );

    let after = std::fs::read_to_string(&path).unwrap();
    for kept in [
        "# My newsroom config, edited by hand.",
        "# Tech",
        "# Be gentle.",
        "concurrency = 4   # four at a time",
    ] {
        assert!(after.contains(kept), "lost {kept:?}:\n{after}");
    }
    assert!(
        !after.contains("w for weekly") && !after.contains("the BBC"),
        "{after}"
    );
    // None left is an empty list, not "no list" (which would bring BBC and CNN back).
    assert!(names(&path).is_empty(), "{after}");
}

#[test]
fn failed_edits_leave_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, HAND_WRITTEN).unwrap();

    let e = config_edit::remove_publication(&path, "Nope").unwrap_err();
    assert!(matches!(e, ConfigEditError::NotFound { .. }));
    assert!(e.to_string().contains("BBC, LWN"), "{e}");

    let e =
        config_edit::add_publications(&path, &[entry("Local", "file:///etc/passwd")]).unwrap_err();
    assert!(e.to_string().contains("not http or https"), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), HAND_WRITTEN);

    // An already broken file is reported as such, not "fixed" by an edit.
    let broken = HAND_WRITTEN.replace("concurrency", "concurency");
    std::fs::write(&path, &broken).unwrap();
    let e = config_edit::add_publications(&path, &[entry("X", "https://x.example/")]).unwrap_err();
    assert!(matches!(e, ConfigEditError::CurrentInvalid(_)), "{e}");
    assert!(e.to_string().contains("concurency"), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}

#[test]
fn list_shows_name_url_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    // No file: the built-in defaults.
    let out = config_edit::list_command(&path).unwrap();
    assert!(
        out.contains("BBC") && out.contains("http://rss.cnn.com/rss/edition.rss"),
        "{out}"
    );
    assert!(!path.exists(), "listing writes nothing");

    std::fs::write(&path, HAND_WRITTEN).unwrap();
    config_edit::add_publications(&path, &[entry("Ünïcode ✓", "https://u.example/")]).unwrap();
    let out = config_edit::list_command(&path).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["LWN", "https://lwn.net/headlines/rss", "w"]
    );
    assert!(lines[3].starts_with("Ünïcode ✓ "), "{out}");
    assert!(lines[3].ends_with("  -"), "{out}");
    // Columns line up even with wide characters in a name.
    let width = unicode_width::UnicodeWidthStr::width;
    let col = |l: &str| width(&l[..l.find("http").unwrap()]);
    assert_eq!(col(lines[1]), col(lines[3]), "{out}");
    assert_eq!(width(lines[1]), width(lines[3]), "{out}");
}

#[cfg(unix)]
#[test]
fn symlinks_and_permissions_survive() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("dotfiles");
    std::fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("newsroom.toml");
    std::fs::write(&real, HAND_WRITTEN).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("config.toml");
    symlink(&real, &link).unwrap();

    config_edit::add_publications(&link, &[entry("X", "https://x.example/")]).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("https://x.example/")
    );
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(only_file_in(&real_dir), ["newsroom.toml"]);
}
