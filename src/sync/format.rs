//! The text form of a [`SyncState`] in the gist, described in `docs/sync.md`: a manifest with
//! the format version, the subscriptions, the watermarks, and the article marks sharded by month
//! (and by [`BUCKETS`] within a month) so that a round rewrites one or two small files. Every
//! file is sorted lines, so the same state is always the same text and a file that did not
//! change is not written.
//!
//! Reading is forgiving and never fails as a whole: a malformed line or file is reported and
//! skipped, and the rest is used. Nothing read here reaches the cache without the merge.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::hlc::{DeviceId, Hlc};
use super::merge::{BUCKETS, Key, Mark, Month, Reg, Sub, SyncState};

/// The format this build writes. A gist with a higher version is from a newer newsroom: it is
/// read as far as understood but never written over.
pub const FORMAT_VERSION: u32 = 1;

/// The gist's description, by which a second machine finds the first one's gist.
pub const GIST_DESCRIPTION: &str = "newsroom sync (subscriptions and reading state)";

pub const MANIFEST: &str = "newsroom-sync.txt";
pub const SUBSCRIPTIONS: &str = "subscriptions.txt";
pub const WATERMARKS: &str = "watermarks.txt";
/// The manifest's line saying the gist is sealed; the sealed key follows as an armored block.
pub const ENCRYPTED_LINE: &str = "encrypted age";
pub const ARMOR_BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";
pub const ARMOR_END: &str = "-----END AGE ENCRYPTED FILE-----";
const MARKS_PREFIX: &str = "marks-";
const TXT: &str = ".txt";

/// Something in the gist that could not be read; the rest was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based; 0 for the file as a whole.
    pub line: usize,
    pub why: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.why)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.why)
        }
    }
}

/// What [`parse`] made of the gist's files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub state: SyncState,
    pub problems: Vec<Problem>,
    /// The manifest's version; `None` when there is no readable manifest (not a newsroom gist,
    /// or one edited by hand).
    pub version: Option<u32>,
    /// The manifest says the other files are sealed (`src/sync/sealed.rs`): a machine without
    /// encryption must not write plaintext into this gist.
    pub encrypted: bool,
}

impl Parsed {
    /// Written by a newer newsroom: do not write over it.
    #[must_use]
    pub fn is_newer(&self) -> bool {
        self.version.is_some_and(|v| v > FORMAT_VERSION)
    }
}

/// The name of the marks shard for `month` and `bucket`.
#[must_use]
pub fn marks_file(month: &Month, bucket: u8) -> String {
    format!("{MARKS_PREFIX}{}-{bucket}{TXT}", month.as_str())
}

/// True for a file name this format writes (so a shard gone empty is deleted, while a file
/// the user added to the gist is left alone).
#[must_use]
pub fn is_ours(name: &str) -> bool {
    name == MANIFEST
        || name == SUBSCRIPTIONS
        || name == WATERMARKS
        || parse_marks_name(name).is_some()
}

fn parse_marks_name(name: &str) -> Option<(Month, u8)> {
    let rest = name.strip_prefix(MARKS_PREFIX)?.strip_suffix(TXT)?;
    let (month, bucket) = rest.rsplit_once('-')?;
    let bucket: u8 = bucket.parse().ok().filter(|b| *b < BUCKETS)?;
    Some((Month::parse(month)?, bucket))
}

/// Every file of `state`, by name. Empty parts still get their file (an empty one) except
/// marks shards, which exist only for months with records.
#[must_use]
pub fn render(state: &SyncState) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut manifest = format!("newsroom-sync {FORMAT_VERSION}\n");
    for (device, seen) in &state.devices {
        let _ = writeln!(manifest, "device {device} {}", seen.to_text());
    }
    files.insert(MANIFEST.to_owned(), manifest);

    // GitHub refuses an empty file, so each starts with a line saying what it is.
    let mut subs = String::from("# newsroom sync: subscriptions (docs/sync.md)\n");
    for (url, r) in &state.subs {
        let _ = writeln!(
            subs,
            "{url}\t{}\t{}\t{}\t{}",
            r.at.to_text(),
            if r.value.removed { "-" } else { "+" },
            r.value.key.map_or_else(|| "-".to_owned(), String::from),
            r.value.name
        );
    }
    files.insert(SUBSCRIPTIONS.to_owned(), subs);

    let mut wms = String::from("# newsroom sync: publications marked read (docs/sync.md)\n");
    for (k, w) in &state.watermarks {
        let _ = writeln!(wms, "{} {} {}", k.as_str(), w.value, w.at.to_text());
    }
    files.insert(WATERMARKS.to_owned(), wms);

    for (k, m) in &state.marks {
        let file = files
            .entry(marks_file(&m.month, k.bucket()))
            .or_insert_with(|| "# newsroom sync: read and starred (docs/sync.md)\n".to_owned());
        let _ = writeln!(
            file,
            "{} {} {}",
            k.as_str(),
            register_text(m.read.as_ref()),
            register_text(m.starred.as_ref())
        );
    }
    files
}

fn register_text(r: Option<&Reg<bool>>) -> String {
    r.map_or_else(
        || "-".to_owned(),
        |r| format!("{}@{}", u8::from(r.value), r.at.to_text()),
    )
}

/// `-` (never set) is `Ok(None)`.
fn parse_register(s: &str) -> Result<Option<Reg<bool>>, ()> {
    if s == "-" {
        return Ok(None);
    }
    let (v, at) = s.split_once('@').ok_or(())?;
    let value = match v {
        "1" => true,
        "0" => false,
        _ => return Err(()),
    };
    Ok(Some(Reg::new(value, Hlc::parse(at).ok_or(())?)))
}

/// Reads the gist's files (those this format does not name are ignored).
#[must_use]
pub fn parse(files: &BTreeMap<String, String>) -> Parsed {
    let mut out = Parsed::default();
    for (name, text) in files {
        if name == MANIFEST {
            parse_manifest(name, text, &mut out);
        } else if name == SUBSCRIPTIONS {
            each_line(name, text, &mut out.problems, |l| {
                let (url, r) = parse_sub(l)?;
                out.state
                    .subs
                    .entry(url)
                    .and_modify(|e| {
                        if e.loses_to(&r) {
                            *e = r.clone();
                        }
                    })
                    .or_insert(r);
                Ok(())
            });
        } else if name == WATERMARKS {
            each_line(name, text, &mut out.problems, |l| {
                let mut f = l.split(' ');
                let (Some(k), Some(up_to), Some(at), None) =
                    (f.next(), f.next(), f.next(), f.next())
                else {
                    return Err("expected: key up_to stamp");
                };
                let k = Key::parse(k).ok_or("bad key")?;
                let up_to: i64 = up_to.parse().map_err(|_| "bad up_to")?;
                let r = Reg::new(up_to, Hlc::parse(at).ok_or("bad stamp")?);
                out.state
                    .watermarks
                    .entry(k)
                    .and_modify(|e| {
                        if e.loses_to(&r) {
                            *e = r.clone();
                        }
                    })
                    .or_insert(r);
                Ok(())
            });
        } else if let Some((month, bucket)) = parse_marks_name(name) {
            let mut part = SyncState::default();
            each_line(name, text, &mut out.problems, |l| {
                let mut f = l.split(' ');
                let (Some(k), Some(read), Some(starred), None) =
                    (f.next(), f.next(), f.next(), f.next())
                else {
                    return Err("expected: key read starred");
                };
                let k = Key::parse(k).ok_or("bad key")?;
                if k.bucket() != bucket {
                    return Err("key in the wrong shard");
                }
                let mark = Mark {
                    month: month.clone(),
                    read: parse_register(read).map_err(|()| "bad read register")?,
                    starred: parse_register(starred).map_err(|()| "bad starred register")?,
                };
                let mut one = SyncState::default();
                one.marks.insert(k, mark);
                part.join(&one);
                Ok(())
            });
            out.state.join(&part);
        }
    }
    if out.version.is_none() && !files.contains_key(MANIFEST) {
        out.problems.push(Problem {
            file: MANIFEST.to_owned(),
            line: 0,
            why: "missing".to_owned(),
        });
    }
    out
}

fn parse_manifest(name: &str, text: &str, out: &mut Parsed) {
    let mut lines = text.lines().enumerate();
    let version = lines
        .next()
        .and_then(|(_, l)| l.strip_prefix("newsroom-sync "))
        .and_then(|v| v.trim().parse::<u32>().ok());
    let Some(version) = version else {
        out.problems.push(Problem {
            file: name.to_owned(),
            line: 1,
            why: "not a newsroom sync manifest (expected `newsroom-sync VERSION`)".to_owned(),
        });
        return;
    };
    out.version = Some(version);
    let mut in_armor = false;
    for (i, l) in lines {
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        // The sealed key of an encrypted gist: not for this parser.
        if in_armor || l == ARMOR_BEGIN {
            in_armor = l != ARMOR_END;
            continue;
        }
        if l == ENCRYPTED_LINE {
            out.encrypted = true;
            continue;
        }
        let mut f = l.split(' ');
        let parsed = match (f.next(), f.next(), f.next(), f.next()) {
            (Some("device"), Some(d), Some(at), None) => DeviceId::parse(d).zip(Hlc::parse(at)),
            _ => None,
        };
        match parsed {
            Some((d, at)) => {
                let e = out.state.devices.entry(d).or_insert_with(|| at.clone());
                if at > *e {
                    *e = at;
                }
            }
            // A later version may add lines this one does not know.
            None if version > FORMAT_VERSION => {}
            None => out.problems.push(Problem {
                file: name.to_owned(),
                line: i + 1,
                why: "expected: device ID STAMP".to_owned(),
            }),
        }
    }
}

fn parse_sub(l: &str) -> Result<(String, Reg<Sub>), &'static str> {
    let mut f = l.splitn(5, '\t');
    let (Some(url), Some(at), Some(state), Some(key), Some(name)) =
        (f.next(), f.next(), f.next(), f.next(), f.next())
    else {
        return Err("expected: url, stamp, +/-, key, name (tab-separated)");
    };
    crate::config::validate_feed_url(url).map_err(|_| "bad feed URL")?;
    let at = Hlc::parse(at).ok_or("bad stamp")?;
    let removed = match state {
        "+" => false,
        "-" => true,
        _ => return Err("expected + or -"),
    };
    let mut chars = key.chars();
    let key = match (chars.next(), chars.next()) {
        (Some('-'), None) => None,
        (Some(c), None) if !c.is_control() => Some(c),
        _ => return Err("bad key"),
    };
    // Names come back into the config and onto the screen: no control characters.
    if name.chars().any(char::is_control) {
        return Err("control characters in the name");
    }
    Ok((
        url.to_owned(),
        Reg::new(
            Sub {
                name: name.to_owned(),
                key,
                removed,
            },
            at,
        ),
    ))
}

/// Runs `f` on each non-empty, non-comment line, reporting the lines it rejects.
fn each_line(
    name: &str,
    text: &str,
    problems: &mut Vec<Problem>,
    mut f: impl FnMut(&str) -> Result<(), &'static str>,
) {
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        if let Err(why) = f(l) {
            problems.push(Problem {
                file: name.to_owned(),
                line: i + 1,
                why: why.to_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::merge::{article_key, feed_key};

    fn hlc(millis: u64, device: &str) -> Hlc {
        Hlc {
            millis,
            counter: 0,
            device: DeviceId::parse(device).expect("test value"),
        }
    }

    fn sample() -> SyncState {
        let mut s = SyncState::default();
        s.marks.insert(
            article_key("https://a.example/feed", "id:1"),
            Mark {
                month: Month::parse("2026-11").expect("test value"),
                read: Some(Reg::new(true, hlc(10, "a"))),
                starred: None,
            },
        );
        s.marks.insert(
            article_key("https://a.example/feed", "id:2"),
            Mark {
                month: Month::parse("2026-10").expect("test value"),
                read: Some(Reg::new(false, hlc(11, "b"))),
                starred: Some(Reg::new(true, hlc(12, "b"))),
            },
        );
        s.watermarks.insert(
            feed_key("https://a.example/feed"),
            Reg::new(1_700_000_000, hlc(9, "a")),
        );
        s.subs.insert(
            "https://a.example/feed".to_owned(),
            Reg::new(
                Sub {
                    name: "A feed\twith tab? no".replace('\t', " "),
                    key: Some('a'),
                    removed: false,
                },
                hlc(3, "a"),
            ),
        );
        s.subs.insert(
            "https://b.example/feed".to_owned(),
            Reg::new(
                Sub {
                    name: "B".into(),
                    key: None,
                    removed: true,
                },
                hlc(4, "b"),
            ),
        );
        s.devices
            .insert(DeviceId::parse("a").expect("test value"), hlc(10, "a"));
        s
    }

    #[test]
    fn render_then_parse_gives_the_same_state() {
        let s = sample();
        let files = render(&s);
        assert!(files.keys().all(|f| is_ours(f)), "{files:?}");
        let parsed = parse(&files);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.version, Some(FORMAT_VERSION));
        assert_eq!(parsed.state, s);
        // Deterministic: the same state is the same text.
        assert_eq!(render(&parsed.state), files);
    }

    #[test]
    fn the_gist_holds_no_title_or_link_of_an_article() {
        let files = render(&sample());
        for (name, text) in &files {
            if name.starts_with(MARKS_PREFIX) || name == WATERMARKS {
                assert!(!text.contains("example"), "{name}: {text}");
            }
        }
    }

    #[test]
    fn malformed_lines_and_files_are_reported_and_the_rest_is_read() {
        let mut files = render(&sample());
        let shard = files
            .keys()
            .find(|k| k.starts_with(MARKS_PREFIX))
            .cloned()
            .expect("test value");
        files
            .get_mut(&shard)
            .expect("test value")
            .push_str("garbage line\n\u{1b}[2J x y\n");
        files.insert(WATERMARKS.to_owned(), "nonsense\n".to_owned());
        files.insert("marks-2026-99-0.txt".to_owned(), "whatever\n".to_owned());
        files.insert("README.md".to_owned(), "my notes\n".to_owned());
        files
            .get_mut(SUBSCRIPTIONS)
            .expect("test value")
            .push_str("javascript:alert(1)\t1.0.a\t+\t-\tx\n");
        let parsed = parse(&files);
        assert_eq!(parsed.problems.len(), 4, "{:?}", parsed.problems);
        assert!(
            parsed
                .problems
                .iter()
                .any(|p| p.file == shard && p.line > 0)
        );
        assert_eq!(parsed.state.marks, sample().marks);
        assert!(parsed.state.watermarks.is_empty());
        assert_eq!(parsed.state.subs, sample().subs);
    }

    #[test]
    fn a_missing_or_foreign_manifest_is_reported_and_a_newer_version_is_not_written_over() {
        let mut files = render(&sample());
        files.remove(MANIFEST);
        let parsed = parse(&files);
        assert_eq!(parsed.version, None);
        assert!(parsed.problems.iter().any(|p| p.file == MANIFEST));
        files.insert(
            MANIFEST.to_owned(),
            "newsroom-sync 7\nfuture thing\n".to_owned(),
        );
        let parsed = parse(&files);
        assert!(parsed.is_newer());
        assert_eq!(parsed.problems, vec![]);
    }

    #[test]
    fn shard_names_are_ours_and_others_are_not() {
        let m = Month::parse("2026-01").expect("test value");
        assert!(is_ours(&marks_file(&m, 3)));
        assert!(!is_ours("marks-2026-01-4.txt"));
        assert!(!is_ours("notes.txt"));
    }
}
