//! The local replica of the sync state (see `docs/sync.md`): every read/star change and every
//! "mark publication read" is recorded here with its clock stamp, in the same transaction as
//! the change itself, by [`stamp_article`] and [`stamp_watermark`] (called from
//! `Store::set_read`, `set_starred` and `mark_all_read`, the one path every caller takes). A
//! round reads this state, merges the gist's into it, and applies the winners with
//! [`Store::apply_sync`], which only ever replaces a register by a later one: a local change
//! made while the round was away has the later stamp and stays.
//!
//! Articles of the GitHub publications are left out: GitHub itself keeps their read state.

use std::collections::{BTreeMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::sync::hlc::{Clock, DeviceId, Hlc};
use crate::sync::merge::{Key, Mark, Month, Reg, Sub, SyncState, article_key, feed_key};

/// Which register of an article a change writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Read,
    Starred,
}

/// What [`Store::apply_sync`] changed in the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Articles whose read flag changed.
    pub read: usize,
    /// Articles whose star changed.
    pub starred: usize,
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

fn meta(tx: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    tx.prepare_cached("SELECT value FROM sync_meta WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()
}

fn set_meta(tx: &Connection, name: &str, value: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_meta (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![name, value])?;
    Ok(())
}

/// This cache's device id, made on first use.
fn device(tx: &Connection) -> rusqlite::Result<DeviceId> {
    if let Some(d) = meta(tx, "device")?.as_deref().and_then(DeviceId::parse) {
        return Ok(d);
    }
    let seed = format!(
        "{}|{}|{:?}",
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        std::process::id(),
        std::thread::current().id()
    );
    let d = DeviceId::from_entropy(seed.as_bytes());
    set_meta(tx, "device", d.as_str())?;
    Ok(d)
}

/// The clock as last left (by any process using this cache).
fn clock(tx: &Connection) -> rusqlite::Result<Clock> {
    let device = device(tx)?;
    let last = meta(tx, "clock")?.as_deref().and_then(Hlc::from_sortable);
    Ok(Clock::resume(device, last.as_ref()))
}

/// A new stamp, kept, so the next one (in this process or another) is later.
fn tick(tx: &Connection) -> rusqlite::Result<Hlc> {
    let mut c = clock(tx)?;
    let at = c.tick(now_ms());
    set_meta(tx, "clock", &at.to_sortable())?;
    Ok(at)
}

fn synced(url: &str) -> bool {
    !url.starts_with("github:")
}

/// Records a local change of `field` to `value` on article `id` (inside the change's own
/// transaction).
pub(crate) fn stamp_article(
    tx: &Connection,
    id: i64,
    field: Field,
    value: bool,
) -> rusqlite::Result<()> {
    let row: Option<(String, String, i64)> = tx
        .prepare_cached(
            "SELECT p.url, a.dedup_key, a.sort_time FROM articles a
             JOIN publications p ON p.id = a.publication WHERE a.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((url, identity, sort_time)) = row else {
        return Ok(());
    };
    if !synced(&url) {
        return Ok(());
    }
    let key = article_key(&url, &identity);
    let at = tick(tx)?.to_sortable();
    let month = Month::of(sort_time);
    let sql = match field {
        Field::Read => {
            "INSERT INTO sync_marks (key, month, read, read_at, dirty) VALUES (?1, ?2, ?3, ?4, 1)
             ON CONFLICT (key) DO UPDATE SET read = excluded.read, read_at = excluded.read_at,
                month = min(month, excluded.month), dirty = 1"
        }
        Field::Starred => {
            "INSERT INTO sync_marks (key, month, starred, starred_at, dirty)
             VALUES (?1, ?2, ?3, ?4, 1)
             ON CONFLICT (key) DO UPDATE SET starred = excluded.starred,
                starred_at = excluded.starred_at, month = min(month, excluded.month), dirty = 1"
        }
    };
    tx.prepare_cached(sql)?
        .execute(params![key.as_str(), month.as_str(), value, at])?;
    Ok(())
}

/// Records "every article of the publication at `url` read": a watermark at its newest
/// article, never below the one it had (see `join_watermark` in `src/sync/merge.rs`).
pub(crate) fn stamp_watermark(tx: &Connection, url: &str) -> rusqlite::Result<()> {
    if !synced(url) {
        return Ok(());
    }
    let up_to: Option<i64> = tx
        .prepare_cached(
            "SELECT max(a.sort_time) FROM articles a
             JOIN publications p ON p.id = a.publication WHERE p.url = ?1",
        )?
        .query_row([url], |r| r.get(0))?;
    let Some(up_to) = up_to else {
        return Ok(());
    };
    let at = tick(tx)?.to_sortable();
    tx.prepare_cached(
        "INSERT INTO sync_watermarks (key, up_to, at, dirty) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (key) DO UPDATE SET up_to = max(up_to, excluded.up_to), at = excluded.at,
            dirty = 1",
    )?
    .execute(params![feed_key(url).as_str(), up_to, at])?;
    Ok(())
}

/// `read, read_at, starred, starred_at` of a `sync_marks` row.
type MarkRow = (Option<bool>, Option<String>, Option<bool>, Option<String>);

fn reg_from(value: Option<bool>, at: Option<String>) -> Option<Reg<bool>> {
    Some(Reg::new(value?, Hlc::from_sortable(&at?)?))
}

impl Store {
    /// This cache's device id (made on first use).
    pub fn sync_device(&mut self) -> Result<DeviceId, StoreError> {
        let tx = self.write()?;
        let d = device(&tx)?;
        tx.commit()?;
        Ok(d)
    }

    /// A value the sync round keeps (gist id, last round, ...).
    pub fn sync_meta(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(meta(&self.conn, name)?)
    }

    pub fn set_sync_meta(&mut self, name: &str, value: &str) -> Result<(), StoreError> {
        set_meta(&self.conn, name, value)?;
        Ok(())
    }

    /// Local changes not yet pushed (marks and watermarks).
    pub fn sync_dirty(&self) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT (SELECT count(*) FROM sync_marks WHERE dirty)
                  + (SELECT count(*) FROM sync_watermarks WHERE dirty)",
            [],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Records articles read or starred before any stamp existed (a cache from before sync,
    /// or from before this version), with the oldest stamp, so they reach the gist while any
    /// real change anywhere still wins over them. Returns how many.
    pub fn seed_sync(&mut self) -> Result<usize, StoreError> {
        let tx = self.write()?;
        let zero = Hlc::zero(device(&tx)?).to_sortable();
        let rows: Vec<(String, String, i64, bool, bool)> = {
            let mut stmt = tx.prepare(
                "SELECT p.url, a.dedup_key, a.sort_time, a.read, a.starred FROM articles a
                 JOIN publications p ON p.id = a.publication WHERE a.read OR a.starred",
            )?;
            stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?
        };
        let mut n = 0;
        {
            let mut insert = tx.prepare(
                "INSERT INTO sync_marks (key, month, read, read_at, starred, starred_at, dirty)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT (key) DO NOTHING",
            )?;
            for (url, identity, sort_time, read, starred) in rows {
                if !synced(&url) {
                    continue;
                }
                let key = article_key(&url, &identity);
                n += insert.execute(params![
                    key.as_str(),
                    Month::of(sort_time).as_str(),
                    read.then_some(true),
                    read.then_some(zero.as_str()),
                    starred.then_some(true),
                    starred.then_some(zero.as_str()),
                ])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// The local replica: every stamped mark, watermark, subscription and device.
    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        let mut s = SyncState::default();
        let mut stmt = self
            .conn
            .prepare("SELECT key, month, read, read_at, starred, starred_at FROM sync_marks")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<bool>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<bool>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        for row in rows {
            let (k, month, read, read_at, starred, starred_at) = row?;
            let (Some(k), Some(month)) = (Key::parse(&k), Month::parse(&month)) else {
                continue;
            };
            s.marks.insert(
                k,
                Mark {
                    month,
                    read: reg_from(read, read_at),
                    starred: reg_from(starred, starred_at),
                },
            );
        }
        let mut stmt = self
            .conn
            .prepare("SELECT key, up_to, at FROM sync_watermarks")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (k, up_to, at) = row?;
            if let (Some(k), Some(at)) = (Key::parse(&k), Hlc::from_sortable(&at)) {
                s.watermarks.insert(k, Reg::new(up_to, at));
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT url, name, key, removed, at FROM sync_subs")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (url, name, key, removed, at) = row?;
            if let Some(at) = Hlc::from_sortable(&at) {
                let key = key.and_then(|k| k.chars().next());
                s.subs.insert(url, Reg::new(Sub { name, key, removed }, at));
            }
        }
        let mut stmt = self.conn.prepare("SELECT device, seen FROM sync_devices")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (d, seen) = row?;
            if let (Some(d), Some(seen)) = (DeviceId::parse(&d), Hlc::from_sortable(&seen)) {
                s.devices.insert(d, seen);
            }
        }
        Ok(s)
    }

    /// Takes in `merged` (the local state joined with the gist's) and brings the cache's read
    /// and starred flags in line with the winners. `base` is the local state the round read
    /// before merging: only what differs from it is written, and a register is only replaced
    /// by a later one, so a change made locally meanwhile stays. `pushed`: the round wrote
    /// `merged` to the gist, so the local changes in `base` are no longer pending (those made
    /// since keep their flag). One transaction: a crash leaves the cache as it was, or done.
    pub fn apply_sync(
        &mut self,
        base: &SyncState,
        merged: &SyncState,
        pushed: bool,
    ) -> Result<Applied, StoreError> {
        let tx = self.write()?;
        let mut changed_marks: HashSet<&Key> = HashSet::new();
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO sync_marks (key, month, read, read_at, starred, starred_at, dirty)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)
                 ON CONFLICT (key) DO UPDATE SET
                    month = min(month, excluded.month),
                    read = CASE WHEN excluded.read_at > coalesce(read_at, '')
                                THEN excluded.read ELSE read END,
                    read_at = CASE WHEN excluded.read_at > coalesce(read_at, '')
                                THEN excluded.read_at ELSE read_at END,
                    starred = CASE WHEN excluded.starred_at > coalesce(starred_at, '')
                                THEN excluded.starred ELSE starred END,
                    starred_at = CASE WHEN excluded.starred_at > coalesce(starred_at, '')
                                THEN excluded.starred_at ELSE starred_at END",
            )?;
            for (k, m) in &merged.marks {
                if base.marks.get(k) == Some(m) {
                    continue;
                }
                changed_marks.insert(k);
                upsert.execute(params![
                    k.as_str(),
                    m.month.as_str(),
                    m.read.as_ref().map(|r| r.value),
                    m.read.as_ref().map(|r| r.at.to_sortable()),
                    m.starred.as_ref().map(|r| r.value),
                    m.starred.as_ref().map(|r| r.at.to_sortable()),
                ])?;
            }
        }
        let mut changed_feeds: HashSet<&Key> = HashSet::new();
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO sync_watermarks (key, up_to, at, dirty) VALUES (?1, ?2, ?3, 0)
                 ON CONFLICT (key) DO UPDATE SET up_to = excluded.up_to, at = excluded.at
                 WHERE excluded.at > at",
            )?;
            for (k, w) in &merged.watermarks {
                if base.watermarks.get(k) == Some(w) {
                    continue;
                }
                changed_feeds.insert(k);
                upsert.execute(params![k.as_str(), w.value, w.at.to_sortable()])?;
            }
        }
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO sync_devices (device, seen) VALUES (?1, ?2)
                 ON CONFLICT (device) DO UPDATE SET seen = max(seen, excluded.seen)",
            )?;
            for (d, seen) in &merged.devices {
                upsert.execute(params![d.as_str(), seen.to_sortable()])?;
            }
        }
        // The clock moves past everything seen, so a change made after this round wins.
        if let Some(latest) = merged.latest() {
            let mut c = clock(&tx)?;
            c.observe(latest, now_ms());
            set_meta(&tx, "clock", &c.last().to_sortable())?;
        }
        let applied = apply_to_articles(&tx, &changed_marks, &changed_feeds)?;
        if pushed {
            clear_dirty(&tx, base)?;
        }
        tx.commit()?;
        Ok(applied)
    }

    /// The subscriptions as last applied to (or seen in) the config, with their stamps.
    pub fn record_subs(&mut self, subs: &BTreeMap<String, Reg<Sub>>) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO sync_subs (url, name, key, removed, at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (url) DO UPDATE SET name = excluded.name, key = excluded.key,
                    removed = excluded.removed, at = excluded.at",
            )?;
            for (url, r) in subs {
                upsert.execute(params![
                    url,
                    r.value.name,
                    r.value.key.map(String::from),
                    r.value.removed,
                    r.at.to_sortable()
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A fresh stamp from this cache's clock (for changes found outside the cache: the config).
    pub fn sync_tick(&mut self) -> Result<Hlc, StoreError> {
        let tx = self.write()?;
        let at = tick(&tx)?;
        tx.commit()?;
        Ok(at)
    }
}

/// Brings articles in line with the stamped state: those whose mark or watermark changed in
/// this round, and those cached since the last round (a mark may have arrived before its
/// article).
fn apply_to_articles(
    tx: &Connection,
    changed_marks: &HashSet<&Key>,
    changed_feeds: &HashSet<&Key>,
) -> rusqlite::Result<Applied> {
    let since: i64 = meta(tx, "applied_below")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let rows: Vec<(i64, String, String, i64, bool, bool)> = {
        let mut stmt = tx.prepare(
            "SELECT a.id, p.url, a.dedup_key, a.sort_time, a.read, a.starred FROM articles a
             JOIN publications p ON p.id = a.publication",
        )?;
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?
    };
    let mut max_id = since;
    let mut applied = Applied::default();
    let mut mark = tx.prepare_cached(
        "SELECT read, read_at, starred, starred_at FROM sync_marks WHERE key = ?1",
    )?;
    let mut watermark =
        tx.prepare_cached("SELECT up_to, at FROM sync_watermarks WHERE key = ?1")?;
    let mut set_read = tx.prepare_cached("UPDATE articles SET read = ?2 WHERE id = ?1")?;
    let mut set_starred = tx.prepare_cached("UPDATE articles SET starred = ?2 WHERE id = ?1")?;
    let mut feed_keys: BTreeMap<String, Key> = BTreeMap::new();
    for (id, url, identity, sort_time, read, starred) in rows {
        max_id = max_id.max(id + 1);
        if !synced(&url) {
            continue;
        }
        let fk = feed_keys
            .entry(url.clone())
            .or_insert_with(|| feed_key(&url));
        let key = article_key(&url, &identity);
        if id < since && !changed_marks.contains(&key) && !changed_feeds.contains(&*fk) {
            continue;
        }
        let m: Option<MarkRow> = mark
            .query_row([key.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let w: Option<(i64, String)> = watermark
            .query_row([fk.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (read_reg, star_reg) = m.map_or((None, None), |(r, ra, s, sa)| {
            (reg_from(r, ra), reg_from(s, sa))
        });
        let wm = w.and_then(|(up_to, at)| Some(Reg::new(up_to, Hlc::from_sortable(&at)?)));
        let want_read =
            crate::sync::merge::effective_read(read_reg.as_ref(), wm.as_ref(), sort_time);
        if let Some(want) = want_read
            && want != read
        {
            applied.read += set_read.execute(params![id, want])?;
        }
        if let Some(s) = star_reg
            && s.value != starred
        {
            applied.starred += set_starred.execute(params![id, s.value])?;
        }
    }
    set_meta(tx, "applied_below", &max_id.to_string())?;
    Ok(applied)
}

/// The changes in `base` are in the gist now: not pending any more, unless changed since.
fn clear_dirty(tx: &Connection, base: &SyncState) -> rusqlite::Result<()> {
    let mut clear = tx.prepare_cached(
        "UPDATE sync_marks SET dirty = 0
         WHERE key = ?1 AND dirty AND read_at IS ?2 AND starred_at IS ?3",
    )?;
    for (k, m) in &base.marks {
        clear.execute(params![
            k.as_str(),
            m.read.as_ref().map(|r| r.at.to_sortable()),
            m.starred.as_ref().map(|r| r.at.to_sortable()),
        ])?;
    }
    let mut clear =
        tx.prepare_cached("UPDATE sync_watermarks SET dirty = 0 WHERE key = ?1 AND at = ?2")?;
    for (k, w) in &base.watermarks {
        clear.execute(params![k.as_str(), w.at.to_sortable()])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::{Feed, Item};
    use crate::store::FeedState;

    const URL: &str = "https://news.example/feed.xml";

    fn store_with(ids: &[&str]) -> Store {
        let mut s = Store::open_in_memory().expect("test value");
        add(&mut s, ids);
        s
    }

    fn add(s: &mut Store, ids: &[&str]) {
        let feed = Feed {
            title: "News".into(),
            link: None,
            ttl_minutes: None,
            items: ids
                .iter()
                .map(|id| Item {
                    id: Some((*id).to_owned()),
                    title: format!("story {id}"),
                    published: chrono::DateTime::from_timestamp(1_764_633_600, 0),
                    ..Item::default()
                })
                .collect(),
        };
        s.apply_fetch(
            "News",
            URL,
            &feed,
            &FeedState::default(),
            chrono::Utc::now(),
        )
        .expect("test value");
    }

    fn id_of(s: &Store, guid: &str) -> i64 {
        s.conn
            .query_row(
                "SELECT id FROM articles WHERE dedup_key = ?1",
                [format!("id:{guid}")],
                |r| r.get(0),
            )
            .expect("test value")
    }

    fn read_of(s: &Store, guid: &str) -> bool {
        s.conn
            .query_row(
                "SELECT read FROM articles WHERE dedup_key = ?1",
                [format!("id:{guid}")],
                |r| r.get(0),
            )
            .expect("test value")
    }

    #[test]
    fn marking_read_and_starring_stamp_the_change_with_increasing_stamps() {
        let mut s = store_with(&["1", "2"]);
        s.set_read(id_of(&s, "1"), true).expect("test value");
        s.set_starred(id_of(&s, "1"), true).expect("test value");
        s.set_read(id_of(&s, "1"), false).expect("test value");
        let state = s.sync_state().expect("test value");
        let m = &state.marks[&article_key(URL, "id:1")];
        let (read, star) = (
            m.read.clone().expect("test value"),
            m.starred.clone().expect("test value"),
        );
        assert!(!read.value && star.value);
        assert!(read.at > star.at, "the later unread has the later stamp");
        assert_eq!(m.month.as_str(), "2025-12");
        assert_eq!(state.marks.len(), 1);
        assert_eq!(s.sync_dirty().expect("test value"), 1);
        s.mark_all_read(URL).expect("test value");
        let state = s.sync_state().expect("test value");
        assert_eq!(state.watermarks[&feed_key(URL)].value, 1_764_633_600);
        assert_eq!(s.sync_dirty().expect("test value"), 2);
    }

    #[test]
    fn a_remote_winner_is_applied_but_a_later_local_change_made_meanwhile_stays() {
        let mut s = store_with(&["1", "2"]);
        let base = s.sync_state().expect("test value");
        // The gist says both were read, at a stamp from "another machine" in the past.
        let remote_at = Hlc {
            millis: 1_000,
            counter: 0,
            device: DeviceId::parse("remote").expect("test value"),
        };
        let mut merged = base.clone();
        for guid in ["1", "2"] {
            merged.marks.insert(
                article_key(URL, &format!("id:{guid}")),
                Mark {
                    month: Month::of(1_764_633_600),
                    read: Some(Reg::new(true, remote_at.clone())),
                    starred: None,
                },
            );
        }
        // Meanwhile, the user reads then un-reads article 2 here: later stamps.
        s.set_read(id_of(&s, "2"), true).expect("test value");
        s.set_read(id_of(&s, "2"), false).expect("test value");
        let applied = s.apply_sync(&base, &merged, true).expect("test value");
        assert_eq!(applied.read, 1);
        assert!(read_of(&s, "1"));
        assert!(
            !read_of(&s, "2"),
            "the local unread made during the round was kept"
        );
        // It is still pending: the round pushed a state without it.
        assert_eq!(s.sync_dirty().expect("test value"), 1);
        // And the clock is past the remote stamp.
        assert!(s.sync_tick().expect("test value") > remote_at);
    }

    #[test]
    fn a_mark_that_arrives_before_its_article_applies_once_the_article_is_cached() {
        let mut s = store_with(&["1"]);
        let base = s.sync_state().expect("test value");
        let mut merged = base.clone();
        merged.marks.insert(
            article_key(URL, "id:later"),
            Mark {
                month: Month::of(1_764_633_600),
                read: Some(Reg::new(
                    true,
                    Hlc::zero(DeviceId::parse("b").expect("test value")),
                )),
                starred: Some(Reg::new(
                    true,
                    Hlc::zero(DeviceId::parse("b").expect("test value")),
                )),
            },
        );
        s.apply_sync(&base, &merged, false).expect("test value");
        add(&mut s, &["1", "later"]);
        assert!(!read_of(&s, "later"));
        let again = s.sync_state().expect("test value");
        let applied = s.apply_sync(&again, &again, false).expect("test value");
        assert_eq!((applied.read, applied.starred), (1, 1));
        assert!(read_of(&s, "later"));
    }

    #[test]
    fn a_watermark_marks_covered_articles_read_unless_unread_later() {
        let mut s = store_with(&["1", "2"]);
        s.set_read(id_of(&s, "2"), true).expect("test value");
        s.set_read(id_of(&s, "2"), false).expect("test value");
        let base = s.sync_state().expect("test value");
        let mut merged = base.clone();
        // A watermark from before the local unread of 2.
        merged.watermarks.insert(
            feed_key(URL),
            Reg::new(
                1_764_633_600,
                Hlc::zero(DeviceId::parse("b").expect("test value")),
            ),
        );
        s.apply_sync(&base, &merged, false).expect("test value");
        assert!(read_of(&s, "1"));
        assert!(!read_of(&s, "2"));
    }

    #[test]
    fn articles_read_before_sync_are_seeded_with_the_oldest_stamp() {
        let mut s = store_with(&["1", "2"]);
        s.conn
            .execute("UPDATE articles SET read = 1 WHERE dedup_key = 'id:1'", [])
            .expect("test value");
        assert_eq!(s.seed_sync().expect("test value"), 1);
        assert_eq!(s.seed_sync().expect("test value"), 0);
        let state = s.sync_state().expect("test value");
        let r = state.marks[&article_key(URL, "id:1")]
            .read
            .clone()
            .expect("test value");
        assert!(r.value && r.at.millis == 0);
    }
}
