//! What the GitHub publications keep beyond articles: thread writes (read, done, all read) that
//! GitHub has not acknowledged yet, and per-URL validators for the many small conditional GETs
//! of the releases publication (one per starred repository).
//!
//! The tables are created on first use (`IF NOT EXISTS`) rather than by a migration: they are
//! a cache of pending work, and an older newsroom opening the file ignores them.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::model::{GITHUB_INBOX, Validators};

const TABLES: &str = "
    CREATE TABLE IF NOT EXISTS github_pending (
        thread     TEXT PRIMARY KEY,
        action     TEXT NOT NULL,
        failures   INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE TABLE IF NOT EXISTS github_validators (
        url      TEXT PRIMARY KEY,
        etag     TEXT,
        last_modified TEXT,
        checked  INTEGER NOT NULL DEFAULT 0
    );";

/// A write to a notification thread GitHub has not acknowledged yet. `thread` is GitHub's
/// thread id, or `*` for "mark all read"; `action` is `read`, `done`, or for `*` the
/// `last_read_at` time it was asked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingWrite {
    pub thread: String,
    pub action: String,
    pub failures: u32,
}

/// The prefix of a notification's dedup key: `id:` (the store's) and `thread:` (the inbox's).
const THREAD_KEY: &str = "id:thread:";

impl Store {
    fn github_tables(&self) -> Result<(), StoreError> {
        self.conn.execute_batch(TABLES)?;
        Ok(())
    }

    /// The GitHub thread id of an article of the "GitHub" publication; `None` for any other.
    pub(crate) fn github_thread(&self, article: i64) -> Result<Option<String>, StoreError> {
        let key: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT a.dedup_key FROM articles a JOIN publications p ON p.id = a.publication
                 WHERE a.id = ?1 AND p.url = ?2",
            )?
            .query_row(params![article, GITHUB_INBOX], |r| r.get(0))
            .optional()?;
        Ok(key.and_then(|k| k.strip_prefix(THREAD_KEY).map(str::to_owned)))
    }

    /// Removes one article (a notification marked done).
    pub(crate) fn delete_article(&mut self, id: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM articles WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// Queues a thread write until GitHub acknowledges it (a newer one for the thread wins).
    pub(crate) fn queue_github_write(
        &mut self,
        thread: &str,
        action: &str,
    ) -> Result<(), StoreError> {
        self.github_tables()?;
        self.conn
            .prepare_cached(
                "INSERT INTO github_pending (thread, action) VALUES (?1, ?2)
                 ON CONFLICT (thread) DO UPDATE SET action = ?2, failures = 0, last_error = NULL",
            )?
            .execute(params![thread, action])?;
        Ok(())
    }

    /// GitHub acknowledged the write of `action` to `thread` (a newer one queued since stays).
    pub(crate) fn clear_github_write(
        &mut self,
        thread: &str,
        action: &str,
    ) -> Result<(), StoreError> {
        self.github_tables()?;
        self.conn
            .prepare_cached("DELETE FROM github_pending WHERE thread = ?1 AND action = ?2")?
            .execute(params![thread, action])?;
        Ok(())
    }

    /// A write failed again: counted, and kept for the next refresh.
    pub(crate) fn github_write_failed(
        &mut self,
        thread: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        self.github_tables()?;
        self.conn
            .prepare_cached(
                "UPDATE github_pending SET failures = failures + 1, last_error = ?2
                 WHERE thread = ?1",
            )?
            .execute(params![thread, error])?;
        Ok(())
    }

    /// Every write still waiting, oldest first.
    pub fn github_pending(&self) -> Result<Vec<PendingWrite>, StoreError> {
        self.github_tables()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT thread, action, failures FROM github_pending ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| {
            Ok(PendingWrite {
                thread: r.get(0)?,
                action: r.get(1)?,
                failures: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The cached bodies of a publication by dedup key, with their published time: what a
    /// refresh reuses for a notification that did not change (no request for its details).
    pub(crate) fn github_known(
        &self,
        url: &str,
    ) -> Result<HashMap<String, (Option<i64>, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.dedup_key, a.published, b.content_html FROM articles a
             JOIN publications p ON p.id = a.publication
             JOIN article_bodies b ON b.article = a.id WHERE p.url = ?1",
        )?;
        let rows = stmt.query_map([url], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Read state from GitHub: the notifications it lists (unread there) are unread here, and,
    /// when the list is `complete` (not cut at a page), the others read; threads with a write
    /// still waiting keep their state (the local one is newer).
    pub(crate) fn sync_github_unread(
        &mut self,
        unread_threads: &[String],
        complete: bool,
    ) -> Result<(), StoreError> {
        self.github_tables()?;
        let keys = serde_json::to_string(
            &unread_threads
                .iter()
                .map(|t| format!("{THREAD_KEY}{t}"))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into());
        let tx = self.write()?;
        tx.prepare_cached(
            "UPDATE articles SET read = NOT (dedup_key IN (SELECT value FROM json_each(?2)))
             WHERE publication = (SELECT id FROM publications WHERE url = ?1)
               AND read <> NOT (dedup_key IN (SELECT value FROM json_each(?2)))
               AND (?3 OR dedup_key IN (SELECT value FROM json_each(?2)))
               AND substr(dedup_key, 11) NOT IN (SELECT thread FROM github_pending)",
        )?
        .execute(params![GITHUB_INBOX, keys, complete])?;
        tx.commit()?;
        Ok(())
    }

    /// Validators kept for one API URL, and when it was last checked (epoch seconds).
    pub(crate) fn github_validators(&self, url: &str) -> Result<(Validators, i64), StoreError> {
        self.github_tables()?;
        let row = self
            .conn
            .prepare_cached(
                "SELECT etag, last_modified, checked FROM github_validators WHERE url = ?1",
            )?
            .query_row([url], |r| {
                Ok((
                    Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    },
                    r.get(2)?,
                ))
            })
            .optional()?;
        Ok(row.unwrap_or_default())
    }

    /// The `urls` in the order they should be checked: never checked first, then the longest
    /// unchecked.
    pub(crate) fn github_check_order(&self, urls: &[String]) -> Result<Vec<String>, StoreError> {
        self.github_tables()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT checked FROM github_validators WHERE url = ?1")?;
        let mut keyed = Vec::with_capacity(urls.len());
        for (i, u) in urls.iter().enumerate() {
            let checked: i64 = stmt.query_row([u], |r| r.get(0)).optional()?.unwrap_or(0);
            keyed.push((checked, i, u.clone()));
        }
        keyed.sort();
        Ok(keyed.into_iter().map(|(_, _, u)| u).collect())
    }

    pub(crate) fn set_github_validators(
        &mut self,
        url: &str,
        v: &Validators,
        checked: i64,
    ) -> Result<(), StoreError> {
        self.github_tables()?;
        self.conn
            .prepare_cached(
                "INSERT INTO github_validators (url, etag, last_modified, checked)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (url) DO UPDATE SET etag = ?2, last_modified = ?3, checked = ?4",
            )?
            .execute(params![url, v.etag, v.last_modified, checked])?;
        Ok(())
    }
}
