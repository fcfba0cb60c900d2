//! Subscriptions between the config file and the sync state: what changed in the config since
//! the last round (whoever edited it: `newsroom add`, an import, the user's editor), and the
//! merged winners written back to it with comments and layout kept (`crate::config_edit`).

use std::collections::BTreeMap;
use std::path::Path;

use super::hlc::Hlc;
use super::merge::{Reg, Sub};
use crate::config::Publication;
use crate::config_edit::{self, ConfigEditError};

/// The config's subscriptions as registers: those that differ from `known` (the state last
/// recorded) get `stamp()`, the others keep their stamp; subscriptions in `known` that the
/// config no longer has become tombstones. Returns the changed ones only.
pub fn local_changes(
    config: &[Publication],
    known: &BTreeMap<String, Reg<Sub>>,
    mut stamp: impl FnMut() -> Hlc,
) -> BTreeMap<String, Reg<Sub>> {
    let mut out = BTreeMap::new();
    for p in config {
        let now = Sub {
            name: p.name.clone(),
            key: p.key,
            removed: false,
        };
        if known.get(&p.url).is_none_or(|k| k.value != now) {
            out.insert(p.url.clone(), Reg::new(now, stamp()));
        }
    }
    for (url, k) in known {
        if !k.value.removed && !config.iter().any(|p| &p.url == url) {
            let gone = Sub {
                removed: true,
                ..k.value.clone()
            };
            out.insert(url.clone(), Reg::new(gone, stamp()));
        }
    }
    out
}

/// What [`apply`] did to the config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Renamed or given another key.
    pub changed: Vec<String>,
    /// Edits the config could not take (a key another publication has), with why.
    pub skipped: Vec<String>,
}

impl SubChanges {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Brings the config at `path` in line with `merged`. Only what differs is edited; the file is
/// written once, atomically, and only if something changed.
pub fn apply(
    path: &Path,
    merged: &BTreeMap<String, Reg<Sub>>,
) -> Result<SubChanges, ConfigEditError> {
    let read_error = |source| ConfigEditError::Read {
        path: path.to_path_buf(),
        source,
    };
    let text = match crate::paths::read_text_capped(path, crate::config::MAX_CONFIG_BYTES) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(read_error(e)),
    };
    let current = config_edit::read_publications(path)?;
    let mut changes = SubChanges::default();
    let mut text = text;
    // Adds first, so a rename below can find what was added.
    let adds: Vec<(String, String)> = merged
        .iter()
        .filter(|(url, r)| !r.value.removed && !current.iter().any(|p| &p.url == *url))
        .map(|(url, r)| (clean(&r.value.name), url.clone()))
        .collect();
    if !adds.is_empty() {
        let (out, report) = config_edit::add_to_toml(text.as_deref(), path, &adds)?;
        changes.added = report.added.iter().map(|(n, _)| n.clone()).collect();
        text = Some(out);
    }
    for (url, r) in merged {
        if !r.value.removed {
            continue;
        }
        let Some(p) = current.iter().find(|p| &p.url == url) else {
            continue;
        };
        match config_edit::remove_from_toml(text.as_deref(), path, &p.name) {
            Ok((out, removed)) => {
                changes.removed.push(removed.name);
                text = Some(out);
            }
            Err(e) => changes.skipped.push(format!("removing {}: {e}", p.name)),
        }
    }
    for (url, r) in merged {
        let Some(p) = current.iter().find(|p| &p.url == url) else {
            continue;
        };
        let name = clean(&r.value.name);
        if r.value.removed || (p.name == name && p.key == r.value.key) {
            continue;
        }
        let Some(t) = text.as_deref() else { continue };
        match config_edit::set_name_and_key(t, path, url, &name, r.value.key) {
            Some(out) => {
                changes.changed.push(name);
                text = Some(out);
            }
            None => changes
                .skipped
                .push(format!("{name}: the config cannot take this name or key")),
        }
    }
    if !changes.is_empty()
        && let Some(t) = &text
    {
        config_edit::write_atomically(path, t).map_err(|source| ConfigEditError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(changes)
}

/// A name from the gist (anyone's edit) as the config and the screen may take it.
fn clean(name: &str) -> String {
    let c = crate::feed::sanitize::clean_line(name);
    let c = c.trim();
    if c.is_empty() {
        "Feed".to_owned()
    } else {
        c.to_owned()
    }
}
