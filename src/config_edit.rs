//! Editing the user's config file: adding and removing publications while keeping their
//! comments, order and layout (`toml_edit`, not a re-serialization).
//!
//! Every edit is checked by [`Config::from_toml`] before anything is written, and written
//! atomically (a temp file beside it, then a rename), so a crash or a bad edit never leaves a
//! broken config behind. A file with no `[[publications]]` means "BBC and CNN", so the first edit
//! writes those two out explicitly; otherwise adding one feed would silently drop them.
//!
//! The cores ([`add_to_toml`], [`remove_from_toml`], [`list_text`]) are pure; the functions
//! taking a path are the IO edge behind `newsroom add`, `remove`, `import` and `list`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};
use unicode_width::UnicodeWidthStr;

use crate::config::{Config, ConfigError, DEFAULT_TOML, Publication, validate_feed_url};
use crate::feed::sanitize;

/// What a new config file starts as: the example config (every setting with its default,
/// documented), under a header saying where it came from.
const TEMPLATE_BODY: &str = include_str!("../config.example.toml");
const TEMPLATE_HEADER: &str = "# newsroom configuration, created by newsroom when a publication was first added or removed.\n# Every key is shown with its default. Unknown keys are errors, so typos are caught.\n";

#[derive(Debug, thiserror::Error)]
pub enum ConfigEditError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: cannot edit, the file is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{0} (fix this first; the file was left unchanged)")]
    CurrentInvalid(ConfigError),
    #[error("the edit would make the config invalid, so the file was left unchanged: {0}")]
    WouldBeInvalid(ConfigError),
    #[error("{path}: `publications` must be a list of [[publications]] tables")]
    Shape { path: PathBuf },
    #[error("no publication is named \"{name}\"; the names are: {}", shorten_list(.known))]
    NotFound { name: String, known: Vec<String> },
    #[error("\"{name}\" matches several publications ({}); give the exact name", .matches.join(", "))]
    Ambiguous { name: String, matches: Vec<String> },
    #[error("publication \"{name}\": url \"{url}\" {why}")]
    BadUrl {
        name: String,
        url: String,
        why: &'static str,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// "a, b, c" for a few names, "a, b, ... and 40 more" for many: an error line stays a line.
fn shorten_list(names: &[String]) -> String {
    const SHOWN: usize = 8;
    if names.len() <= SHOWN + 1 {
        return names.join(", ");
    }
    format!(
        "{}, ... and {} more (see `newsroom list`)",
        names[..SHOWN].join(", "),
        names.len() - SHOWN
    )
}

/// What [`add_publications`] did with each entry offered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddReport {
    /// `(name, url)` as written (normalized URL, unique name).
    pub added: Vec<(String, String)>,
    /// `(name asked for, name written)` where the asked-for name was taken.
    pub renamed: Vec<(String, String)>,
    /// Entries whose URL the config already had.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub url: String,
    /// The name it already has in the config.
    pub existing: String,
}

// ---- pure cores ------------------------------------------------------------------------------

/// Adds `new` (`(name, url)` pairs) to config text (`None` = no file yet: start from the
/// template). URLs already present are skipped, taken names get " (2)" and so on. Returns the
/// new text, which has passed [`Config::from_toml`], and what happened to each entry.
/// `path` is only used in messages.
pub(crate) fn add_to_toml(
    text: Option<&str>,
    path: &Path,
    new: &[(String, String)],
) -> Result<(String, AddReport), ConfigEditError> {
    let (mut doc, current) = open(text, path)?;
    let mut report = AddReport::default();
    let mut names = UniqueNames::with_taken(current.publications.iter().map(|p| p.name.as_str()));
    // URL -> the name it has, to skip what is already there.
    let mut urls: std::collections::HashMap<String, String> = current
        .publications
        .iter()
        .map(|p| (p.url.clone(), p.name.clone()))
        .collect();
    let mut entries = Vec::new();
    for (name, url) in new {
        let url_norm = validate_feed_url(url).map_err(|why| ConfigEditError::BadUrl {
            name: name.clone(),
            url: url.clone(),
            why,
        })?;
        if let Some(existing) = urls.get(&url_norm) {
            report.skipped.push(Skipped {
                name: name.clone(),
                url: url_norm,
                existing: existing.clone(),
            });
            continue;
        }
        let wanted = name.trim();
        let wanted = if wanted.is_empty() {
            host_of(&url_norm)
        } else {
            wanted.to_owned()
        };
        let unique = names.make_unique(&wanted);
        if unique != wanted {
            report.renamed.push((wanted, unique.clone()));
        }
        urls.insert(url_norm.clone(), unique.clone());
        entries.push((unique, url_norm));
    }
    if entries.is_empty() {
        // Nothing to write: hand the text back untouched (a missing file stays missing).
        return Ok((text.map(str::to_owned).unwrap_or_default(), report));
    }
    materialize_defaults(&mut doc, path)?;
    // `publications = []` (left by removing the last one) becomes [[publications]] tables again.
    if matches!(doc.get("publications"), Some(Item::Value(Value::Array(a))) if a.is_empty()) {
        doc.remove("publications");
        doc.insert("publications", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    match doc.get_mut("publications") {
        Some(Item::ArrayOfTables(list)) => {
            for (name, url) in &entries {
                let mut t = Table::new();
                t.insert("name", toml_edit::value(name.as_str()));
                t.insert("url", toml_edit::value(url.as_str()));
                list.push(t);
            }
        }
        Some(Item::Value(Value::Array(list))) => {
            for (name, url) in &entries {
                let mut t = InlineTable::new();
                t.insert("name", name.as_str().into());
                t.insert("url", url.as_str().into());
                list.push(t);
            }
        }
        _ => {
            return Err(ConfigEditError::Shape {
                path: path.to_path_buf(),
            });
        }
    }
    report.added = entries;
    let out = doc.to_string();
    Config::from_toml(&out, Some(path)).map_err(ConfigEditError::WouldBeInvalid)?;
    Ok((out, report))
}

/// Removes the publication named `name` (exactly, or else the one whose name matches ignoring
/// case). Comments above it stay in the file unless they name it. Removing the last one leaves
/// `publications = []`, an empty list, since no list at all would mean BBC and CNN again.
pub(crate) fn remove_from_toml(
    text: Option<&str>,
    path: &Path,
    name: &str,
) -> Result<(String, Publication), ConfigEditError> {
    let (mut doc, current) = open(text, path)?;
    let pubs = &current.publications;
    let wanted = name.trim();
    let index = if let Some(i) = pubs.iter().position(|p| p.name == wanted) {
        i
    } else {
        let lower = wanted.to_lowercase();
        let matches: Vec<usize> = (0..pubs.len())
            .filter(|&i| pubs[i].name.to_lowercase() == lower)
            .collect();
        match matches[..] {
            [i] => i,
            [] => {
                return Err(ConfigEditError::NotFound {
                    name: wanted.to_owned(),
                    known: pubs.iter().map(|p| p.name.clone()).collect(),
                });
            }
            _ => {
                return Err(ConfigEditError::Ambiguous {
                    name: wanted.to_owned(),
                    matches: matches.iter().map(|&i| pubs[i].name.clone()).collect(),
                });
            }
        }
    };
    let removed = pubs[index].clone();
    materialize_defaults(&mut doc, path)?;
    let now_empty = match doc.get_mut("publications") {
        Some(Item::ArrayOfTables(list)) => {
            let gone = list.remove(index);
            let others: Vec<String> = pubs
                .iter()
                .filter(|p| p.name != removed.name)
                .map(|p| p.name.clone())
                .collect();
            let kept = comments_to_keep(
                gone.decor().prefix().and_then(|p| p.as_str()),
                &removed.name,
                &others,
            );
            if let Some(next) = list.get_mut(index) {
                prepend_prefix(next.decor_mut(), &kept);
            } else if !kept.is_empty() {
                park_comments(&mut doc, gone.position(), &kept);
            }
            matches!(doc.get("publications"), Some(Item::ArrayOfTables(l)) if l.is_empty())
        }
        Some(Item::Value(Value::Array(list))) => {
            list.remove(index);
            list.is_empty()
        }
        _ => {
            return Err(ConfigEditError::Shape {
                path: path.to_path_buf(),
            });
        }
    };
    if now_empty {
        doc.remove("publications");
        let mut empty = Value::Array(Array::new());
        empty.decor_mut().set_prefix(" ");
        doc.insert("publications", Item::Value(empty));
        if let Some(mut key) = doc.key_mut("publications") {
            key.leaf_decor_mut().set_prefix(
                "# No publications. (With no `publications` at all, BBC and CNN would be read.)\n",
            );
        }
        separate_first_table(&mut doc);
    }
    let out = doc.to_string();
    Config::from_toml(&out, Some(path)).map_err(ConfigEditError::WouldBeInvalid)?;
    Ok((out, removed))
}

/// The publications as a table for `newsroom list`: name, URL and key (`-` if none), aligned.
#[must_use]
pub(crate) fn list_text(pubs: &[Publication]) -> String {
    let rows: Vec<[String; 3]> = pubs
        .iter()
        .map(|p| {
            // Names may have come from anywhere (an old import, a hand edit): shown clean.
            let key = p.key.map_or_else(|| "-".to_owned(), String::from);
            [
                sanitize::clean_line(&p.name),
                sanitize::clean_line(&p.url),
                key,
            ]
        })
        .collect();
    let header = ["NAME".to_owned(), "URL".to_owned(), "KEY".to_owned()];
    let mut widths = [0usize; 2];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter().zip(row) {
            out.push_str(cell);
            out.push_str(&" ".repeat(w - cell.width() + 2));
        }
        out.push_str(&row[2]);
        out.push('\n');
    }
    out
}

/// Parses the text for editing and checks it is a valid config now, so that an edit is never
/// blamed for an existing mistake.
fn open(text: Option<&str>, path: &Path) -> Result<(DocumentMut, Config), ConfigEditError> {
    let owned;
    let text = if let Some(t) = text {
        t
    } else {
        owned = template();
        owned.as_str()
    };
    let current = Config::from_toml(text, Some(path)).map_err(ConfigEditError::CurrentInvalid)?;
    let doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| ConfigEditError::Syntax {
                path: path.to_path_buf(),
                message: e.message().to_owned(),
            })?;
    Ok((doc, current))
}

fn template() -> String {
    // Swap the example's own header paragraph ("copy this file to...") for ours.
    let body = match TEMPLATE_BODY.split_once("\n\n") {
        Some((head, rest)) if head.lines().all(|l| l.starts_with('#')) => rest,
        _ => TEMPLATE_BODY,
    };
    // A blank line after the publications' explanation, so that it is not taken for a comment
    // about the first one (and removed with it).
    let body = body.replacen("\n[[publications]]", "\n\n[[publications]]", 1);
    format!("{TEMPLATE_HEADER}\n{body}")
}

/// Writes the built-in publications into a document that has none, so edits start from what the
/// user actually sees.
fn materialize_defaults(doc: &mut DocumentMut, path: &Path) -> Result<(), ConfigEditError> {
    if doc.contains_key("publications") {
        return Ok(());
    }
    let defaults: DocumentMut =
        DEFAULT_TOML
            .parse()
            .map_err(|e: toml_edit::TomlError| ConfigEditError::Syntax {
                path: path.to_path_buf(),
                message: e.message().to_owned(),
            })?;
    let mut list = ArrayOfTables::new();
    if let Some(Item::ArrayOfTables(d)) = defaults.get("publications") {
        for t in d {
            let mut t = t.clone();
            // Appended after the user's last table, with no stray comments from our file.
            t.set_position(None);
            t.decor_mut().clear();
            list.push(t);
        }
    }
    if let Some(first) = list.get_mut(0) {
        first.decor_mut().set_prefix(
            "\n# Publications, in the order they appear. These two were the built-in defaults.\n",
        );
    }
    doc.insert("publications", Item::ArrayOfTables(list));
    Ok(())
}

/// Of the comment lines above a removed publication, those to keep: all but the paragraph
/// directly above its header (no blank line between), and that one too unless it names the
/// publication and none of the `others` (so "BBC and CNN are the defaults" is documentation, but
/// "BBC world news" went with BBC).
fn comments_to_keep(prefix: Option<&str>, name: &str, others: &[String]) -> String {
    let Some(prefix) = prefix else {
        return String::new();
    };
    let body = prefix.trim_end_matches([' ', '\t']);
    let (before, last) = match body.trim_end_matches('\n').rfind('\n') {
        Some(i) => body.split_at(i + 1),
        None => ("", body),
    };
    // Walk back over the lines directly above the header to find where their paragraph starts.
    let mut split = before.len();
    for line in before
        .split_inclusive('\n')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        if line.trim().is_empty() {
            break;
        }
        split -= line.len();
    }
    let (rest, own) = (&prefix[..split], format!("{}{last}", &before[split..]));
    let own_is_about_it =
        own.contains('#') && mentions(&own, name) && !others.iter().any(|o| mentions(&own, o));
    let kept = if own_is_about_it {
        rest.to_owned()
    } else {
        prefix.to_owned()
    };
    if kept.contains('#') {
        format!("{}\n", kept.trim_end())
    } else {
        String::new()
    }
}

/// Whether `text` contains `name` as a whole word, ignoring case ("A" is not in "all").
fn mentions(text: &str, name: &str) -> bool {
    let (text, name) = (text.to_lowercase(), name.to_lowercase());
    if name.is_empty() {
        return false;
    }
    text.match_indices(&name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn prepend_prefix(decor: &mut toml_edit::Decor, kept: &str) {
    if kept.is_empty() {
        return;
    }
    let old = decor
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or("\n")
        .to_owned();
    let joined = if kept.ends_with('\n') {
        format!("{kept}{old}")
    } else {
        format!("{kept}\n{old}")
    };
    decor.set_prefix(joined);
}

/// Puts comments that sat above the last publication onto the next table in the file, or at
/// the end of it.
fn park_comments(doc: &mut DocumentMut, after: Option<isize>, kept: &str) {
    let after = after.unwrap_or(isize::MIN);
    let next_key = doc
        .iter()
        .filter_map(|(k, item)| match item {
            Item::Table(t) => t
                .position()
                .filter(|&p| p > after)
                .map(|p| (p, k.to_owned())),
            _ => None,
        })
        .min();
    if let Some((_, key)) = next_key
        && let Some(Item::Table(t)) = doc.get_mut(&key)
    {
        prepend_prefix(t.decor_mut(), kept);
        return;
    }
    let trailing = doc.trailing().as_str().unwrap_or("").to_owned();
    doc.set_trailing(format!("{trailing}{kept}"));
}

/// Keeps a blank line between root keys and the first table header's comments.
fn separate_first_table(doc: &mut DocumentMut) {
    let first = doc
        .iter()
        .filter_map(|(k, item)| match item {
            Item::Table(t) => t.position().map(|p| (p, k.to_owned())),
            _ => None,
        })
        .min();
    if let Some((_, key)) = first
        && let Some(Item::Table(t)) = doc.get_mut(&key)
    {
        let prefix = t
            .decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_owned();
        if !prefix.starts_with('\n') {
            t.decor_mut().set_prefix(format!("\n{prefix}"));
        }
    }
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "Feed".to_owned())
}

// ---- the IO edge -------------------------------------------------------------------------------

/// `None` if the file does not exist.
fn read_config(path: &Path) -> Result<Option<String>, ConfigEditError> {
    match crate::paths::read_text_capped(path, crate::config::MAX_CONFIG_BYTES) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigEditError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Adds publications to the config at `path` (creating it, with BBC and CNN first, if absent).
/// The file is only written if something was added.
pub fn add_publications(
    path: &Path,
    new: &[(String, String)],
) -> Result<AddReport, ConfigEditError> {
    let text = read_config(path)?;
    let (out, report) = add_to_toml(text.as_deref(), path, new)?;
    if !report.added.is_empty() {
        write_atomically(path, &out).map_err(|source| ConfigEditError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(report)
}

/// Removes the publication named `name` from the config at `path` and returns it.
pub fn remove_publication(path: &Path, name: &str) -> Result<Publication, ConfigEditError> {
    let text = read_config(path)?;
    let (out, removed) = remove_from_toml(text.as_deref(), path, name)?;
    write_atomically(path, &out).map_err(|source| ConfigEditError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(removed)
}

/// `newsroom remove NAME`: the message for the user.
pub fn remove_command(path: &Path, name: &str) -> Result<String, ConfigEditError> {
    let p = remove_publication(path, name)?;
    Ok(format!("Removed {} ({})", p.name, p.url))
}

/// The publications in effect for the config at `path`: the file's, or BBC and CNN if there is
/// no file (or it lists none).
pub(crate) fn read_publications(path: &Path) -> Result<Vec<Publication>, ConfigEditError> {
    match read_config(path)? {
        Some(text) => Config::from_toml(&text, Some(path))
            .map(|c| c.publications)
            .map_err(ConfigEditError::CurrentInvalid),
        None => Ok(Config::defaults().publications),
    }
}

/// `newsroom list`: name, URL and key of each publication, aligned.
pub fn list_command(path: &Path) -> Result<String, ConfigEditError> {
    Ok(list_text(&read_publications(path)?))
}

/// Replaces `path` with `text` all at once: a temp file in the same directory (so the rename
/// stays on one file system), flushed to disk, then renamed over it. A symlinked config (dotfile
/// managers) is followed, so the link survives; the old file's permissions are kept.
pub(crate) fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let target = match std::fs::canonicalize(path) {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".newsroom-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(&target) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_counts_up() {
        let mut u = UniqueNames::with_taken(["A", "A (2)"]);
        assert_eq!(u.make_unique("A"), "A (3)");
        assert_eq!(u.make_unique("B"), "B");
        assert_eq!(u.make_unique("B"), "B (2)");
    }

    fn p() -> &'static Path {
        Path::new("config.toml")
    }

    fn entry(name: &str, url: &str) -> (String, String) {
        (name.to_owned(), url.to_owned())
    }

    fn names(text: &str) -> Vec<String> {
        Config::from_toml(text, None)
            .unwrap()
            .publications
            .into_iter()
            .map(|p| p.name)
            .collect()
    }

    #[test]
    fn new_file_gets_defaults_then_the_addition() {
        let (out, report) = add_to_toml(
            None,
            p(),
            &[entry("HN", "https://news.ycombinator.com/rss")],
        )
        .unwrap();
        assert_eq!(names(&out), ["BBC", "CNN", "HN"]);
        assert_eq!(
            report.added,
            [entry("HN", "https://news.ycombinator.com/rss")]
        );
        assert!(
            out.starts_with("# newsroom configuration, created by newsroom"),
            "{out}"
        );
        assert!(
            out.contains("[fetch]") && out.contains("# The OAuth app"),
            "{out}"
        );
    }

    #[test]
    fn file_without_publications_keeps_bbc_and_cnn() {
        let text = "# mine\n[fetch]\ntimeout_secs = 5 # short\n";
        let (out, _) =
            add_to_toml(Some(text), p(), &[entry("X", "https://x.example/feed")]).unwrap();
        assert_eq!(names(&out), ["BBC", "CNN", "X"]);
        assert!(
            out.starts_with("# mine\n[fetch]\ntimeout_secs = 5 # short\n"),
            "{out}"
        );
    }

    #[test]
    fn added_after_the_last_publication_not_at_the_end() {
        let text = "[[publications]]\nname = \"A\" # first\nurl = \"https://a.example/\"\n\n# tuning\n[fetch]\nconcurrency = 4\n";
        let (out, _) = add_to_toml(Some(text), p(), &[entry("B", "https://b.example/")]).unwrap();
        let b = out.find("name = \"B\"").unwrap();
        let fetch = out.find("[fetch]").unwrap();
        assert!(b < fetch, "{out}");
        assert!(
            out.contains("name = \"A\" # first") && out.contains("# tuning\n[fetch]"),
            "{out}"
        );
    }

    #[test]
    fn duplicates_skipped_and_names_made_unique() {
        let text = "[[publications]]\nname = \"A\"\nurl = \"https://a.example/\"\n";
        let (out, report) = add_to_toml(
            Some(text),
            p(),
            &[
                entry("Again", "https://A.example"),
                entry("A", "https://b.example/"),
                entry("A", "https://c.example/"),
            ],
        )
        .unwrap();
        assert_eq!(names(&out), ["A", "A (2)", "A (3)"]);
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(report.skipped[0].existing, "A");
        assert_eq!(report.renamed, [entry("A", "A (2)"), entry("A", "A (3)")]);
    }

    #[test]
    fn nothing_new_leaves_text_untouched() {
        let text = "[[publications]]\nname = \"A\"\nurl = \"https://a.example/\"\n";
        let (out, report) =
            add_to_toml(Some(text), p(), &[entry("A", "https://a.example/")]).unwrap();
        assert_eq!(out, text);
        assert!(report.added.is_empty());
    }

    #[test]
    fn inline_array_form_is_edited_in_place() {
        let text = "publications = [ { name = \"A\", url = \"https://a.example/\" } ]\n";
        let (out, _) = add_to_toml(Some(text), p(), &[entry("B", "https://b.example/")]).unwrap();
        assert_eq!(names(&out), ["A", "B"]);
        let (out, gone) = remove_from_toml(Some(&out), p(), "A").unwrap();
        assert_eq!(gone.name, "A");
        assert_eq!(names(&out), ["B"]);
    }

    #[test]
    fn invalid_current_file_is_refused() {
        let e = add_to_toml(
            Some("[fetch]\ntimeout_sec = 1\n"),
            p(),
            &[entry("B", "https://b.example/")],
        )
        .unwrap_err();
        assert!(matches!(e, ConfigEditError::CurrentInvalid(_)), "{e}");
        let e = add_to_toml(None, p(), &[entry("B", "exec:ls")]).unwrap_err();
        assert!(e.to_string().contains("not http or https"), "{e}");
    }

    #[test]
    fn remove_keeps_unrelated_comments_and_drops_its_own() {
        let text = "# top\n\n# all my feeds\n\n# A is great\n[[publications]]\nname = \"A\"\nurl = \"https://a.example/\"\n\n# B comment\n[[publications]]\nname = \"B\"\nurl = \"https://b.example/\"\n";
        let (out, removed) = remove_from_toml(Some(text), p(), "a").unwrap();
        assert_eq!(removed.name, "A");
        assert_eq!(names(&out), ["B"]);
        assert!(
            out.contains("# top") && out.contains("# all my feeds") && out.contains("# B comment"),
            "{out}"
        );
        assert!(!out.contains("A is great"), "{out}");
    }

    #[test]
    fn removing_the_last_one_leaves_an_empty_list() {
        let text = "[[publications]]\nname = \"A\"\nurl = \"https://a.example/\"\n\n[fetch]\nconcurrency = 2\n";
        let (out, _) = remove_from_toml(Some(text), p(), "A").unwrap();
        assert!(names(&out).is_empty(), "{out}");
        assert!(out.contains("concurrency = 2"), "{out}");
    }

    #[test]
    fn removing_the_last_in_the_list_moves_its_general_comment_on() {
        let text = "# Feeds I read\n[[publications]]\nname = \"A\"\nurl = \"https://a.example/\"\n\n[fetch]\nconcurrency = 2\n";
        let (out, _) = remove_from_toml(Some(text), p(), "A").unwrap();
        assert!(out.contains("# Feeds I read"), "{out}");
    }

    #[test]
    fn remove_unknown_and_ambiguous_names() {
        let e = remove_from_toml(None, p(), "Nope").unwrap_err().to_string();
        assert!(e.contains("BBC, CNN"), "{e}");
        let text = "[[publications]]\nname = \"a\"\nurl = \"https://a.example/\"\n[[publications]]\nname = \"A\"\nurl = \"https://b.example/\"\n";
        let e = remove_from_toml(Some(text), p(), "A ")
            .map(|(_, r)| r.url)
            .unwrap();
        assert_eq!(e, "https://b.example/");
        let text = text.replace("\"a\"", "\"Ab\"").replace("\"A\"", "\"aB\"");
        let e = remove_from_toml(Some(&text), p(), "AB").unwrap_err();
        assert!(matches!(e, ConfigEditError::Ambiguous { .. }), "{e}");
    }

    #[test]
    fn remove_from_defaults_materializes_the_other() {
        let (out, _) = remove_from_toml(Some("[fetch]\nconcurrency = 2\n"), p(), "BBC").unwrap();
        assert_eq!(names(&out), ["CNN"]);
    }

    #[test]
    fn list_aligns_columns() {
        let out = list_text(&Config::defaults().publications);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["NAME", "URL", "KEY"]
        );
        assert!(
            lines[1].starts_with("BBC   https://feeds.bbci.co.uk/news/rss.xml  b"),
            "{out}"
        );
        assert_eq!(lines[1].find("https"), lines[2].find("http"));
        assert_eq!(lines[1].len(), lines[2].len(), "{out}");
    }
}

/// Keeps names unique by adding " (2)", " (3)", ... to repeats. Remembers where each name's
/// count got to, so ten thousand entries all called "Feed" stay linear.
#[derive(Default)]
pub(crate) struct UniqueNames {
    taken: std::collections::HashSet<String>,
    next: std::collections::HashMap<String, usize>,
}

impl UniqueNames {
    pub(crate) fn with_taken<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            taken: names.into_iter().map(str::to_owned).collect(),
            next: std::collections::HashMap::new(),
        }
    }

    pub(crate) fn make_unique(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_owned();
        let mut n = self.next.get(wanted).copied().unwrap_or(2);
        while self.taken.contains(&name) {
            name = format!("{wanted} ({n})");
            n += 1;
        }
        self.next.insert(wanted.to_owned(), n);
        self.taken.insert(name.clone());
        name
    }
}

/// Sets `[sync] enabled` in the config at `path` (creating the file from the template if there
/// is none), keeping everything else as written.
pub(crate) fn set_sync_enabled(path: &Path, on: bool) -> Result<(), ConfigEditError> {
    let text = read_config(path)?;
    let (mut doc, _) = open(text.as_deref(), path)?;
    if text.is_none() {
        materialize_defaults(&mut doc, path)?;
    }
    if !doc.contains_table("sync") {
        doc.insert("sync", Item::Table(Table::new()));
    }
    let Some(table) = doc.get_mut("sync").and_then(Item::as_table_like_mut) else {
        return Err(ConfigEditError::Shape {
            path: path.to_path_buf(),
        });
    };
    table.insert("enabled", toml_edit::value(on));
    let out = doc.to_string();
    Config::from_toml(&out, Some(path)).map_err(ConfigEditError::WouldBeInvalid)?;
    write_atomically(path, &out).map_err(|source| ConfigEditError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Sets the name and key of the publication at `url` in config text; `None` if no
/// publication has that URL or the result would not be a valid config.
pub(crate) fn set_name_and_key(
    text: &str,
    path: &Path,
    url: &str,
    name: &str,
    key: Option<char>,
) -> Option<String> {
    let (mut doc, current) = open(Some(text), path).ok()?;
    let index = current.publications.iter().position(|p| p.url == url)?;
    let key_text = key.map(String::from);
    match doc.get_mut("publications")? {
        Item::ArrayOfTables(list) => {
            let t = list.get_mut(index)?;
            t.insert("name", toml_edit::value(name));
            match &key_text {
                Some(k) => {
                    t.insert("key", toml_edit::value(k.as_str()));
                }
                None => {
                    t.remove("key");
                }
            }
        }
        Item::Value(Value::Array(list)) => {
            let t = list.get_mut(index)?.as_inline_table_mut()?;
            t.insert("name", name.into());
            match &key_text {
                Some(k) => {
                    t.insert("key", k.as_str().into());
                }
                None => {
                    t.remove("key");
                }
            }
        }
        _ => return None,
    }
    let out = doc.to_string();
    Config::from_toml(&out, Some(path)).ok()?;
    Some(out)
}
