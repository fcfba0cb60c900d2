//! The whole feed corpus (tests/fixtures/corpus: 60 real publishers' feeds and the 2,107 data
//! files of Python feedparser's test suite) through `feed::parse`, each file in its own thread
//! under a time limit and `catch_unwind`.
//!
//! What is asserted:
//! - no file panics or hangs;
//! - every real feed parses, with as many items as the document has `<item>`/`<entry>`
//!   elements (or JSON Feed `items`);
//! - at least 95% of feedparser's well-formed files whose `Expect:` does not call for `bozo`
//!   parse "with their entries": `Ok`, and if the expression reads `entries[N]`, more than N
//!   items.
//!
//! `cargo test --test it corpus:: -- --nocapture` prints the per-folder tally.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use newsroom::feed;

/// Generous for a debug build on a slow machine; the largest file (1.6 MB) parses in well
/// under a second.
const PER_FILE_LIMIT: Duration = Duration::from_secs(20);

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("corpus folder is readable") {
            let path = entry.expect("corpus entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("xml" | "json")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The outcome of one file: parsed feed summary, parse error, panic, or timeout.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "the error text is read through Debug, in failure reports"
)]
enum Outcome {
    Parsed { items: usize },
    Failed(String),
    Panicked,
    TimedOut,
}

/// Parses in a separate thread so that a hang fails this file instead of stalling the test.
fn run(bytes: Vec<u8>, content_type: Option<String>) -> Outcome {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| feed::parse(&bytes, content_type.as_deref()));
        let outcome = match result {
            Ok(Ok(f)) => {
                // Rendering every body is part of the contract too.
                for item in &f.items {
                    let _ = feed::article_text(&item.content_html);
                }
                Outcome::Parsed {
                    items: f.items.len(),
                }
            }
            Ok(Err(e)) => Outcome::Failed(e.to_string()),
            Err(_) => Outcome::Panicked,
        };
        let _ = tx.send(outcome);
    });
    rx.recv_timeout(PER_FILE_LIMIT).unwrap_or(Outcome::TimedOut)
}

/// The `Name: value` lines of a feedparser file's leading comment. UTF-16/32 files are read
/// by dropping zero bytes, which is enough for their ASCII comment.
fn header(bytes: &[u8], name: &str) -> Option<String> {
    let ascii: String = bytes
        .iter()
        .take(4096)
        .filter(|&&b| b != 0)
        .map(|&b| b as char)
        .collect();
    let comment = &ascii[ascii.find("<!--")?..];
    let comment = &comment[..comment.find("-->")?];
    comment.lines().find_map(|line| {
        let (key, value) = line.trim().split_once(':')?;
        (key.trim() == name).then(|| value.trim().to_owned())
    })
}

/// `Header: Content-type: application/xml; charset=utf-8` → the header's value.
fn content_type(bytes: &[u8]) -> Option<String> {
    let h = header(bytes, "Header")?;
    let (key, value) = h.split_once(':')?;
    key.trim()
        .eq_ignore_ascii_case("content-type")
        .then(|| value.trim().to_owned())
}

/// Whether an `Expect:` expression asks for an ill-formed result.
fn expects_bozo(expect: &str) -> bool {
    let e = expect.trim();
    e.starts_with("bozo") || (e.contains("bozo") && !e.contains("not bozo"))
}

/// The largest N in `entries[N]`, if the expression reads any entry.
fn entries_needed(expect: &str) -> Option<usize> {
    expect
        .match_indices("entries[")
        .filter_map(|(i, m)| {
            let rest = &expect[i + m.len()..];
            rest[..rest.find(']')?].trim().parse::<usize>().ok()
        })
        .max()
}

/// How many items the raw document holds, counted independently of the parser.
fn items_in_document(path: &Path, bytes: &[u8]) -> usize {
    if path.extension().is_some_and(|e| e == "json") {
        let v: serde_json::Value = serde_json::from_slice(bytes).expect("real JSON feed is JSON");
        return v["items"].as_array().map_or(0, Vec::len);
    }
    let text = String::from_utf8_lossy(bytes);
    ["<item", "<entry", "<rss:item"]
        .iter()
        .map(|tag| open_tags(&text, tag))
        .sum()
}

/// Start tags `<name>` / `<name attr...>` that are not self-closing (`<item />` inside an
/// item is junk, not an item).
fn open_tags(text: &str, start: &str) -> usize {
    text.match_indices(start)
        .filter(|(i, _)| {
            let rest = &text[i + start.len()..];
            let Some(end) = rest.find('>') else {
                return false;
            };
            rest.starts_with(|c: char| c == '>' || c.is_whitespace()) && !rest[..end].ends_with('/')
        })
        .count()
}

#[derive(Default)]
struct Tally {
    files: usize,
    considered: usize,
    passed: usize,
    failures: Vec<String>,
}

#[test]
fn real_feeds_all_parse_with_their_items() {
    let files = files_under(&corpus_dir().join("real"));
    assert_eq!(files.len(), 60, "the real corpus has 60 feeds");
    let mut bad = Vec::new();
    let mut total_items = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("fixture is readable");
        let expected = items_in_document(path, &bytes);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match run(bytes, None) {
            Outcome::Parsed { items } if items == expected => total_items += items,
            other => bad.push(format!("{name}: {other:?}, expected {expected} items")),
        }
    }
    println!(
        "real: {}/{} parse with all their items ({total_items} items)",
        files.len() - bad.len(),
        files.len()
    );
    assert!(
        bad.is_empty(),
        "real feeds that did not parse fully:\n{}",
        bad.join("\n")
    );
    assert!(
        total_items > 2000,
        "the real corpus holds thousands of items, got {total_items}"
    );
}

#[test]
fn feedparser_corpus_parses_without_panics_or_hangs() {
    let root = corpus_dir().join("feedparser");
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut incidents = Vec::new();
    for path in files_under(&root) {
        let rel = path
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .into_owned();
        let folder = rel.rsplit_once('/').map_or("(top)", |(d, _)| d).to_owned();
        let bytes = std::fs::read(&path).expect("fixture is readable");
        let expect = header(&bytes, "Expect").unwrap_or_default();
        let ct = content_type(&bytes);
        let outcome = run(bytes, ct);
        let tally = tallies.entry(folder).or_default();
        tally.files += 1;
        if matches!(outcome, Outcome::Panicked | Outcome::TimedOut) {
            incidents.push(format!("{rel}: {outcome:?}"));
            continue;
        }
        if expects_bozo(&expect) {
            continue;
        }
        tally.considered += 1;
        let ok = match (&outcome, entries_needed(&expect)) {
            (Outcome::Parsed { items }, Some(n)) => *items > n,
            (Outcome::Parsed { .. }, None) => true,
            _ => false,
        };
        if ok {
            tally.passed += 1;
        } else {
            tally
                .failures
                .push(format!("{rel}: {outcome:?} (Expect: {expect})"));
        }
    }

    println!(
        "{:<28} {:>6} {:>10} {:>7}",
        "folder", "files", "not bozo", "passed"
    );
    let (mut considered, mut passed) = (0, 0);
    for (folder, t) in &tallies {
        println!(
            "{folder:<28} {:>6} {:>10} {:>7}",
            t.files, t.considered, t.passed
        );
        if folder.starts_with("wellformed") {
            considered += t.considered;
            passed += t.passed;
        }
    }
    let rate = passed as f64 / considered as f64;
    println!(
        "feedparser well-formed, not bozo: {passed}/{considered} = {:.1}%",
        rate * 100.0
    );
    for t in tallies.values() {
        for f in &t.failures {
            println!("  not read: {f}");
        }
    }

    assert!(
        incidents.is_empty(),
        "panics or hangs:\n{}",
        incidents.join("\n")
    );
    assert!(
        considered > 1500,
        "the well-formed set was found ({considered} files)"
    );
    assert!(
        rate >= 0.95,
        "only {passed}/{considered} well-formed feedparser files parse with their entries"
    );
}

/// The letters and digits of a text: what mis-decoding cannot change (it turns each non-ASCII
/// character into other non-ASCII characters and leaves ASCII alone).
fn ascii_skeleton(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// The real Verge feed is double-encoded (its UTF-8 was read as windows-1252 and encoded
/// again), so every `”` arrives as `â€` + U+009D, the C1 OSC introducer. Each title and
/// article must keep all of its text: the same letters as the repaired copy of the feed
/// (`corpus/derived/theverge-repaired.xml`, the same bytes decoded once more).
#[test]
fn double_encoded_verge_keeps_every_article_whole() {
    let read = |rel: &str| {
        let bytes = std::fs::read(corpus_dir().join(rel)).expect("fixture is readable");
        feed::parse(&bytes, None).expect("the Verge feed parses")
    };
    let mangled = read("real/theverge-FeedReader.xml");
    let repaired = read("derived/theverge-repaired.xml");
    assert_eq!(mangled.items.len(), 10);
    assert_eq!(repaired.items.len(), 10);
    let mut with_c1 = 0;
    for (m, r) in mangled.items.iter().zip(&repaired.items) {
        if m.content_html.contains('\u{9d}') {
            with_c1 += 1;
        }
        let (mt, rt) = (
            feed::article_text(&m.content_html),
            feed::article_text(&r.content_html),
        );
        assert!(rt.len() > 500, "{}: {} bytes", r.title, rt.len());
        assert!(
            ascii_skeleton(&mt) == ascii_skeleton(&rt),
            "{}: {} of {} characters shown",
            r.title,
            mt.chars().count(),
            rt.chars().count()
        );
        assert_eq!(ascii_skeleton(&m.title), ascii_skeleton(&r.title));
        assert!(!mt.chars().any(|c| c.is_control() && c != '\n'));
    }
    assert_eq!(with_c1, 6, "six of the ten articles carry a U+009D");
}
