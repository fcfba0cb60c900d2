//! OPML import and export: newsboat's own export format, nested outlines from web readers, and
//! hostile files (commands, local files, entity tricks, huge and deep documents).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use newsroom::config::Config;
use newsroom::opml::{
    self, ImportResult, MAX_ENTRIES, MAX_OPML_BYTES, OpmlCommandError, OpmlError, export, import,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/opml")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/opml")
        .join(name)
}

fn pairs(r: &ImportResult) -> Vec<(&str, &str)> {
    r.publications
        .iter()
        .map(|(n, u)| (n.as_str(), u.as_str()))
        .collect()
}

#[test]
fn newsboat_export_is_read_and_its_commands_refused() {
    let r = import(&fixture("newsboat.opml")).expect("newsboat's OPML is readable");
    assert_eq!(
        pairs(&r),
        [
            ("Hacker News", "https://news.ycombinator.com/rss"),
            ("LWN.net", "https://lwn.net/headlines/rss"),
            ("Rust Blog", "https://blog.rust-lang.org/feed.xml"),
            (
                "World news | The Guardian",
                "https://www.theguardian.com/world/rss"
            ),
            (
                "Search: \"rust\" & more <beta>",
                "https://example.org/search?q=rust&format=rss"
            ),
            // Never fetched by newsboat, so exported with an empty title: named after its host.
            (
                "feeds.example.net",
                "https://feeds.example.net/never-fetched.xml"
            ),
            (
                "Tom Scott",
                "https://www.youtube.com/feeds/videos.xml?channel_id=UCBa659QWEk1AI4Tg--mrJ2A"
            ),
        ]
    );
    let refused: Vec<(usize, &str)> = r
        .refused
        .iter()
        .map(|x| (x.line, x.entry.as_str()))
        .collect();
    assert_eq!(
        refused,
        [
            (13, "\"Weather\" (exec:~/.newsboat/scripts/weather.sh)"),
            (
                14,
                "\"Full text\" (filter:~/.newsboat/filters/fulltext.py:https://example.com/partial.xml)"
            ),
        ]
    );
    assert!(r.refused[0].reason.contains("exec:") && r.refused[0].reason.contains("never runs"));
    assert!(r.refused[1].reason.contains("filter:"));
}

#[test]
fn nested_outlines_are_flattened() {
    let r = import(&fixture("nested.opml")).expect("readable");
    assert_eq!(
        pairs(&r),
        [
            (
                "Ars Technica",
                "https://feeds.arstechnica.com/arstechnica/index"
            ),
            ("Julia Evans", "https://jvns.ca/atom.xml"),
            ("Without a title attribute", "https://example.com/atom.xml"),
            (
                "BBC News - World",
                "https://feeds.bbci.co.uk/news/world/rss.xml"
            ),
            ("Spaced out name", "https://spaced.example/feed"),
        ]
    );
    // The feed filed under two folders is offered once; the second is reported, not silent.
    assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
    assert_eq!(r.refused[0].line, 21);
    assert_eq!(r.refused[0].reason, "same URL as line 11");
}

#[test]
fn hostile_file_refuses_each_bad_entry_and_expands_nothing() {
    let r = import(&fixture("hostile.opml")).expect("readable");
    let lines: Vec<usize> = r.refused.iter().map(|x| x.line).collect();
    // exec:, filter:, file:, |cmd, query:, javascript:, data:, relative, and the entity URL.
    assert_eq!(
        lines,
        [19, 20, 21, 22, 23, 24, 25, 26, 29],
        "{:#?}",
        r.refused
    );
    for (refused, kind) in r
        .refused
        .iter()
        .zip(["exec:", "filter:", "file:", "|command", "query:"])
    {
        assert!(refused.reason.contains(kind), "{refused}");
    }
    assert!(r.refused[8].reason.contains("entit"), "{}", r.refused[8]);

    let urls: Vec<&str> = r.publications.iter().map(|(_, u)| u.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://laughs.example/feed",
            "https://xxe.example/feed",
            "https://escapes.example/feed",
            "https://fine.example/rss",
        ]
    );
    // Entities in titles are not expanded: the name falls back to `text`.
    assert_eq!(r.publications[0].0, "Laughs");
    assert_eq!(r.publications[1].0, "External entity");
    for (name, _) in &r.publications {
        assert!(
            !name.chars().any(char::is_control),
            "control character in {name:?}"
        );
        assert!(name.chars().count() <= opml::MAX_NAME_CHARS + 1, "{name}");
        assert!(!name.contains("root:"), "{name}");
    }
    for marker in ["exec", "filter", "pipe", "entity"] {
        let p = PathBuf::from(format!("/tmp/newsroom-{marker}-pwned"));
        assert!(!p.exists(), "{} exists: something ran", p.display());
    }
}

#[test]
fn import_command_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let m = marker.display();
    let doc = format!(
        r#"<opml version="2.0"><body>
        <outline text="a" xmlUrl="exec:touch {m}"/>
        <outline text="b" xmlUrl="filter:touch {m}:https://example.com/"/>
        <outline text="c" xmlUrl="|touch {m}"/>
        <outline text="d" xmlUrl="https://ok.example/rss"/>
        </body></opml>"#
    );
    let opml_path = dir.path().join("subs.opml");
    std::fs::write(&opml_path, doc).unwrap();
    let config = dir.path().join("config.toml");
    let outcome = opml::import_command(&config, &opml_path).expect("import");
    assert_eq!(outcome.offered.refused.len(), 3);
    assert_eq!(
        outcome.report.added,
        [("d".to_owned(), "https://ok.example/rss".to_owned())]
    );
    assert!(!marker.exists(), "an imported entry ran a command");
    let msg = outcome.message(&config);
    assert_eq!(msg.matches("\n  line ").count(), 3, "{msg}");
}

#[test]
fn huge_deep_and_long_documents_are_bounded() {
    // One 5 MiB title: read, and cut to a sane name.
    let big = "A".repeat(5 * 1024 * 1024);
    let doc = format!(
        r#"<opml><body><outline title="{big}" xmlUrl="https://big.example/"/></body></opml>"#
    );
    let r = import(doc.as_bytes()).unwrap();
    assert_eq!(
        r.publications[0].0.chars().count(),
        opml::MAX_NAME_CHARS + 1
    );

    // 200,000 nested folders around one feed: streamed, no recursion.
    let depth = 200_000;
    let mut doc = String::from("<opml><body>");
    doc.push_str(&"<outline text=\"f\">".repeat(depth));
    doc.push_str("<outline text=\"deep\" xmlUrl=\"https://deep.example/\"/>");
    doc.push_str(&"</outline>".repeat(depth));
    doc.push_str("</body></opml>");
    assert!(doc.len() < MAX_OPML_BYTES);
    let r = import(doc.as_bytes()).unwrap();
    assert_eq!(pairs(&r), [("deep", "https://deep.example/")]);

    // Over the size cap: refused before parsing.
    let huge = vec![b' '; MAX_OPML_BYTES + 1];
    assert!(matches!(import(&huge), Err(OpmlError::TooLarge { .. })));

    // More entries than the cap: the rest are reported, not read. Same name throughout, so
    // unique-naming has to stay linear.
    let mut doc = String::from("<opml><body>");
    for i in 0..=MAX_ENTRIES {
        doc.push_str(&format!(
            "<outline text=\"Feed\" xmlUrl=\"https://f.example/{i}\"/>"
        ));
    }
    doc.push_str("</body></opml>");
    let r = import(doc.as_bytes()).unwrap();
    assert_eq!(r.publications.len(), MAX_ENTRIES);
    assert_eq!(
        r.publications[MAX_ENTRIES - 1].0,
        format!("Feed ({MAX_ENTRIES})")
    );
    assert_eq!(r.refused.len(), 1);
    assert!(r.refused[0].reason.contains("at most"), "{}", r.refused[0]);
}

#[test]
fn long_urls_are_refused() {
    let long = format!("https://long.example/{}", "a".repeat(opml::MAX_URL_LEN));
    let doc = format!(r#"<opml><body><outline text="l" xmlUrl="{long}"/></body></opml>"#);
    let r = import(doc.as_bytes()).unwrap();
    assert!(r.publications.is_empty());
    assert!(
        r.refused[0].reason.contains("longer than"),
        "{}",
        r.refused[0]
    );
    assert!(
        r.refused[0].entry.chars().count() < 120,
        "the message is kept short"
    );
}

#[test]
fn newsboat_file_round_trips_through_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("newsroom").join("config.toml");
    let outcome =
        opml::import_command(&config_path, &fixture_path("newsboat.opml")).expect("import");
    assert_eq!(outcome.report.added.len(), 7);
    let msg = outcome.message(&config_path);
    assert!(msg.starts_with("Added 7 publications to "), "{msg}");
    assert!(
        msg.contains("Refused 2 entries:\n  line 13: \"Weather\""),
        "{msg}"
    );

    // The new config is valid, keeps BBC and CNN first, then the newsboat feeds in order.
    let config = Config::load(Some(&config_path), None).expect("valid config");
    let names: Vec<&str> = config
        .publications
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(&names[..3], ["BBC", "CNN", "Hacker News"]);
    assert_eq!(names.len(), 9);

    // Export, then import what was exported: the same publications come back.
    let text = opml::export_command(&config.publications, None)
        .unwrap()
        .expect("stdout text");
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"),
        "{text}"
    );
    let again = import(text.as_bytes()).unwrap();
    assert!(again.refused.is_empty());
    let expected: Vec<(String, String)> = config
        .publications
        .iter()
        .map(|p| (p.name.clone(), p.url.clone()))
        .collect();
    assert_eq!(again.publications, expected);

    // Importing the same file again adds nothing and leaves the file as it was.
    let before = std::fs::read(&config_path).unwrap();
    let second = opml::import_command(&config_path, &fixture_path("newsboat.opml")).unwrap();
    assert!(second.report.added.is_empty());
    assert_eq!(second.report.skipped.len(), 7);
    assert_eq!(std::fs::read(&config_path).unwrap(), before);
    assert!(
        second
            .message(&config_path)
            .contains("Skipped 7 already in the config")
    );

    // `export -o FILE` writes the same text.
    let out = dir.path().join("out.opml");
    assert_eq!(
        opml::export_command(&config.publications, Some(&out)).unwrap(),
        None
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}

#[test]
fn export_is_escaped_opml_2() {
    let pubs = vec![newsroom::config::Publication {
        name: "Tom & \"Jerry\" <news> 'n' co".into(),
        url: "https://t.example/rss?a=1&b=2".into(),
        key: Some('t'),
        full_text: false,
    }];
    let text = export(&pubs);
    assert!(
        text.contains(r#"<outline type="rss" text="Tom &amp; &quot;Jerry&quot; &lt;news&gt; &apos;n&apos; co" title="Tom &amp; &quot;Jerry&quot; &lt;news&gt; &apos;n&apos; co" xmlUrl="https://t.example/rss?a=1&amp;b=2"/>"#),
        "{text}"
    );
    let back = import(text.as_bytes()).unwrap();
    assert_eq!(
        back.publications,
        [(pubs[0].name.clone(), pubs[0].url.clone())]
    );
}

#[test]
fn a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let bad = dir.path().join("bad.opml");
    std::fs::write(
        &bad,
        "<opml><body><outline xmlUrl=\"https://a.example/\"></body></opml>",
    )
    .unwrap();
    let e = opml::import_command(&config, &bad).unwrap_err();
    assert!(
        matches!(
            e,
            OpmlCommandError::Opml {
                source: OpmlError::Malformed { .. },
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("bad.opml"), "{e}");
    assert!(!config.exists(), "nothing imported, nothing written");

    let feed = dir.path().join("feed.xml");
    std::fs::write(
        &feed,
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>",
    )
    .unwrap();
    let e = opml::import_command(&config, &feed)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not OPML") && e.contains("newsroom add"), "{e}");

    let e = opml::import_command(&config, &dir.path().join("missing.opml")).unwrap_err();
    assert!(matches!(e, OpmlCommandError::Read { .. }), "{e}");
}

/// The commands as a user runs them: the built binary, in a throwaway home.
#[test]
fn import_list_export_remove_through_the_binary() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = crate::support::newsroom_in(home.path())
            .args(args)
            .output()
            .expect("run newsroom");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{args:?}: {}\n{stdout}\n{stderr}",
            out.status
        );
        stdout
    };
    let hostile = fixture_path("hostile.opml");
    let out = run(&["import", hostile.to_str().unwrap()]);
    assert!(out.contains("Added 4 publications to "), "{out}");
    assert!(out.contains("Refused 9 entries:"), "{out}");
    assert!(
        out.contains("line 19: \"Run a command\" (exec:touch"),
        "{out}"
    );
    assert!(
        !out.contains('\x1b'),
        "escape sequences reached the terminal: {out:?}"
    );

    let list = run(&["list"]);
    assert_eq!(list.lines().count(), 1 + 2 + 4, "{list}");
    assert!(list.contains("https://fine.example/rss"), "{list}");

    let exported = run(&["export"]);
    let back = import(exported.as_bytes()).unwrap();
    assert_eq!(back.publications.len(), 6, "{exported}");

    assert_eq!(
        run(&["remove", "Fine"]).trim(),
        "Removed Fine (https://fine.example/rss)"
    );
    assert!(!run(&["list"]).contains("fine.example"));
}
