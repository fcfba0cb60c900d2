//! The `SQLite` cache: the only file with SQL. Publications, articles, read/star state and
//! per-feed fetch state (validators, freshness, back-off, last error).
//!
//! One feed's refresh is one transaction ([`Store::apply_fetch`]), so a crash at any moment
//! leaves every feed either as it was or fully updated. WAL mode lets a second connection (a
//! `newsroom fetch` from cron while the TUI is open) read while another writes.
//!
//! Startup cost must not grow with the cache: headlines come from an index in display order and
//! only as many as asked for, bodies live in their own table and are read one at a time, and
//! unread counts are kept per publication by triggers instead of being counted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use crate::config::CacheConfig;
use crate::feed::{Feed, Item};
use crate::model::Validators;
use index_queue::IndexQueue;

mod enclosures;
mod github;
mod index_queue;
mod undo;
mod views;
pub use github::PendingWrite;
mod sync;
pub use sync::Applied as SyncApplied;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cache error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "cannot write the cache {}: {detail}. Make that directory writable, or choose another \
         file with --db PATH",
        path.display()
    )]
    Unwritable { path: PathBuf, detail: String },
    #[error(
        "{} is an SQLite database but not a newsroom cache; choose another file with --db PATH",
        path.display()
    )]
    Foreign { path: PathBuf },
    #[error(
        "{} is not a regular file; choose a file with --db PATH",
        path.display()
    )]
    NotAFile { path: PathBuf },
    #[error(
        "{} is not a newsroom cache ({why}); newsroom leaves it alone: choose another file \
         with --db PATH",
        path.display()
    )]
    NotACache { path: PathBuf, why: String },
    #[error("{0}")]
    Other(String),
}

pub use crate::model::{Article, Headline, SearchHit};

impl StoreError {
    /// True when the statement was stopped by [`Store::interrupt_handle`].
    #[must_use]
    pub(crate) fn is_interrupted(&self) -> bool {
        matches!(self, Self::Sqlite(e) if e.sqlite_error_code() == Some(ErrorCode::OperationInterrupted))
    }
}

/// What the cache remembers about extracting one article's full text from its page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FullText {
    /// The story as clean text; `None` until an extraction succeeds. A later failure keeps it.
    pub text: Option<String>,
    /// Why the last try failed; `None` after a success.
    pub error: Option<String>,
    /// The page's validators, for a conditional request next time.
    pub validators: Validators,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// What the cache remembers about fetching one feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedState {
    pub validators: Validators,
    /// Do not fetch before this unless forced (Cache-Control/Expires/ttl).
    pub fresh_until: Option<DateTime<Utc>>,
    /// Do not fetch before this even if forced (Retry-After).
    pub retry_after_until: Option<DateTime<Utc>>,
    /// HTTP status of the last answer (200, 304, 404...); `None` if no answer came.
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub last_fetched: Option<DateTime<Utc>>,
}

/// What merging a fetched feed into the cache did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Articles not in the cache before.
    pub new: usize,
    /// Articles of this publication in the cache afterwards (after retention).
    pub total: usize,
    /// The cache held no article of this publication before: everything is new, and none of
    /// it arrived while the reader was looking.
    pub first: bool,
}

/// The schema, one step per entry: entry `i` takes `user_version` from `i` to `i + 1`.
/// Append only; never edit a step that has shipped.
const MIGRATIONS: &[&str] = &[
    // v1
    "CREATE TABLE publications (
        id      INTEGER PRIMARY KEY,
        url     TEXT NOT NULL UNIQUE,
        name    TEXT NOT NULL,
        -- kept by the triggers below so unread counts cost one row per publication
        unread  INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE feed_state (
        publication       INTEGER PRIMARY KEY REFERENCES publications(id) ON DELETE CASCADE,
        etag              TEXT,
        last_modified     TEXT,
        fresh_until       INTEGER,
        retry_after_until INTEGER,
        last_status       INTEGER,
        last_error        TEXT,
        last_fetched      INTEGER
    );
    -- Small rows: headlines and read flags only. Bodies live apart so that listing and
    -- marking read never drag kilobytes of HTML through the page cache.
    CREATE TABLE articles (
        id          INTEGER PRIMARY KEY,
        publication INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
        -- published if known, else first_seen: the one order the list is shown in
        sort_time   INTEGER NOT NULL,
        read        INTEGER NOT NULL DEFAULT 0,
        starred     INTEGER NOT NULL DEFAULT 0,
        published   INTEGER,
        first_seen  INTEGER NOT NULL,
        title       TEXT NOT NULL,
        link        TEXT,
        author      TEXT,
        dedup_key   TEXT NOT NULL,
        UNIQUE (publication, dedup_key)
    );
    CREATE INDEX articles_by_time ON articles (publication, sort_time DESC, id DESC);
    CREATE TABLE article_bodies (
        article      INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        content_html TEXT NOT NULL
    );
    CREATE TRIGGER articles_unread_insert AFTER INSERT ON articles WHEN NEW.read = 0 BEGIN
        UPDATE publications SET unread = unread + 1 WHERE id = NEW.publication;
    END;
    CREATE TRIGGER articles_unread_delete AFTER DELETE ON articles WHEN OLD.read = 0 BEGIN
        UPDATE publications SET unread = unread - 1 WHERE id = OLD.publication;
    END;
    CREATE TRIGGER articles_unread_update AFTER UPDATE OF read ON articles
        WHEN OLD.read <> NEW.read BEGIN
        UPDATE publications SET unread = unread + (CASE WHEN NEW.read THEN -1 ELSE 1 END)
            WHERE id = NEW.publication;
    END;",
    // v2: full text extracted from each article's page, kept apart like the bodies (and gone
    // with the article). A row means "tried": `text` is the story, `error` why the last try
    // failed; the page's validators make the next request a conditional one.
    "CREATE TABLE article_full_text (
        article       INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        text          TEXT,
        error         TEXT,
        etag          TEXT,
        last_modified TEXT,
        fetched_at    INTEGER NOT NULL
    );",
    // v3: full-text search over what the reader sees. Contentless: the index keeps no copy of
    // the text (the cache already has the bodies), only what FTS5 needs to find and rank, and
    // `contentless_delete` lets a row be dropped by rowid (= articles.id) alone. `full_text` is
    // for pages extracted later; empty until then.
    "CREATE VIRTUAL TABLE article_search USING fts5(
        title, author, publication, body, full_text,
        content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2'
    );
    -- Retention, deletes and cascades from a removed publication all go through here.
    CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
        DELETE FROM article_search WHERE rowid = OLD.id;
    END;
    -- Articles cached before v3 are indexed by `Store::index_backlog`, newest first, in small
    -- transactions: those with `id < below` are still to do. No row: nothing left.
    CREATE TABLE search_backlog (below INTEGER NOT NULL);
    INSERT INTO search_backlog SELECT max(id) + 1 FROM articles HAVING count(*) > 0;",
    // The views across publications (all unread, all starred), newest first: partial indexes
    // hold only the rows each view lists, so a view reads its first page in order, no scan.
    "CREATE INDEX articles_unread ON articles (sort_time DESC, id DESC) WHERE read = 0;
    CREATE INDEX articles_starred ON articles (sort_time DESC, id DESC) WHERE starred = 1;",
    // The media files attached to articles (podcast episodes, videos), as the feed gave
    // them: a JSON list of `{url, mime, length}` per article that has any (see
    // `store/enclosures.rs`). Articles cached before get theirs at their next refresh.
    "CREATE TABLE article_enclosures (
        article INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        list    TEXT NOT NULL
    );",
    // sync: the local replica of the state synced through the gist (`src/store/sync.rs`,
    // `docs/sync.md`). Stamps are `Hlc::to_sortable` text, so SQL compares them in order;
    // `dirty` marks a local change not yet in the gist. Keys are hashes, as in the gist.
    "CREATE TABLE sync_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE sync_marks (
        key        TEXT PRIMARY KEY,
        month      TEXT NOT NULL,
        read       INTEGER,
        read_at    TEXT,
        starred    INTEGER,
        starred_at TEXT,
        dirty      INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE TABLE sync_watermarks (
        key   TEXT PRIMARY KEY,
        up_to INTEGER NOT NULL,
        at    TEXT NOT NULL,
        dirty INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE TABLE sync_subs (
        url     TEXT PRIMARY KEY,
        name    TEXT NOT NULL,
        key     TEXT,
        removed INTEGER NOT NULL,
        at      TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE sync_devices (device TEXT PRIMARY KEY, seen TEXT NOT NULL) WITHOUT ROWID;",
    // The search index merges its segments once 16 wait at one level instead of FTS5's default
    // 4: each refresh's transaction adds a segment, and with 4 every posting was rewritten
    // about twice more during a cold refresh of 500 feeds (a tenth of its CPU went to merging).
    // Queries read a few more segments; the search benchmark measures them.
    "INSERT INTO article_search (article_search, rank) VALUES ('automerge', 16);",
];

/// The schema version this build writes; a cache with a higher one is from a newer newsroom.
#[allow(clippy::cast_possible_truncation)] // a handful of migrations, in a const
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Retention used until [`Store::set_retention`] is called: the config's defaults.
const DEFAULT_MAX_ARTICLES: usize = 1000;
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(90 * 86_400);

pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    max_articles: usize,
    max_age: Option<Duration>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Why a cache file could not be used as it is.
enum OpenProblem {
    /// Not a database, or a damaged one: move it aside.
    Corrupt(String),
    /// Written by a newer newsroom: move it aside, never downgrade it.
    Newer(u32),
    Fatal(StoreError),
}

impl Store {
    /// Opens (creating if needed) the cache at `path`. A file that is not a readable newsroom
    /// cache, or is from a newer newsroom, is moved aside (never deleted) and a fresh cache is
    /// started; the returned notice tells the user where it went.
    pub fn open(path: &Path) -> Result<(Self, Option<String>), StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::paths::create_private_dir(dir).map_err(|e| StoreError::Unwritable {
                path: path.into(),
                detail: e.to_string(),
            })?;
        }
        // A device or a FIFO is never opened (reading a FIFO would wait for ever), let alone
        // moved aside.
        match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => return Err(StoreError::NotAFile { path: path.into() }),
            Ok(_) => {}
            // The cache holds URLs and reading history: created for the user's eyes only.
            Err(_) => {
                crate::paths::create_private_file(path).map_err(|e| StoreError::Unwritable {
                    path: path.into(),
                    detail: e.to_string(),
                })?;
            }
        }
        let (kind, notice) = match Self::try_open(path) {
            Ok(store) => return Ok((store, None)),
            // A cache in a folder that cannot be written (a read-only mount, a locked-down
            // home) is still read: the news shows, and one line says why nothing is kept.
            Err(OpenProblem::Fatal(e @ StoreError::Unwritable { .. })) => {
                return match Self::open_read_only(path) {
                    Ok(store) => {
                        let notice = format!(
                            "The cache {} cannot be written, so it is shown read-only: new \
                             articles and read marks are not kept.",
                            path.display()
                        );
                        tracing::warn!("{notice}");
                        Ok((store, Some(notice)))
                    }
                    Err(_) => Err(e),
                };
            }
            Err(OpenProblem::Fatal(e)) => return Err(e),
            Err(OpenProblem::Corrupt(detail)) => {
                ("corrupt", format!("could not be read ({detail})"))
            }
            Err(OpenProblem::Newer(v)) => (
                "newer",
                format!(
                    "was written by a newer newsroom (cache version {v}; this one knows up to \
                     {SCHEMA_VERSION})"
                ),
            ),
        };
        // Only what is recognisably newsroom's is moved aside: any other file (`--db notes.txt`)
        // is the user's, and stays where it is.
        if let Some(why) = not_ours(path) {
            return Err(StoreError::NotACache {
                path: path.into(),
                why,
            });
        }
        let aside = move_aside(path, kind)?;
        let store = match Self::try_open(path) {
            Ok(store) => store,
            Err(OpenProblem::Fatal(e)) => return Err(e),
            Err(_) => {
                return Err(StoreError::Other(format!(
                    "a fresh cache at {} could not be started",
                    path.display()
                )));
            }
        };
        let notice = format!(
            "The cache {} {notice}, so it was moved to {} and a fresh cache was started.",
            path.display(),
            aside.display()
        );
        tracing::warn!("{notice}");
        Ok((store, Some(notice)))
    }

    /// A private cache for tests and previews; gone when dropped.
    /// A second, read-only connection to a cache that [`Store::open`] has already opened (and
    /// migrated): for the searcher, which must never wait behind the writer.
    pub(crate) fn open_reader(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(8);
        // Each keystroke reads the same words' pages of the index again: with SQLite's default
        // 2 MB they fell out between keystrokes at 100,000 articles; 16 MB (filled only as
        // searches read it) made typing about 20% faster there (bench/README.md).
        conn.pragma_update(None, "cache_size", -16_000)?;
        Ok(Self::from_conn(conn, Some(path.into())))
    }

    /// A private cache for tests and previews; gone when dropped.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        let mut store = Self::from_conn(conn, None);
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    fn from_conn(conn: Connection, path: Option<PathBuf>) -> Self {
        Self {
            conn,
            path,
            max_articles: DEFAULT_MAX_ARTICLES,
            max_age: Some(DEFAULT_MAX_AGE),
        }
    }

    /// The cache as it is on disk, for reading only. `immutable`: `SQLite` then needs neither
    /// a `-shm` nor a lock file, which a read-only folder cannot hold.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        use rusqlite::OpenFlags;
        let absolute = std::path::absolute(path).map_err(|e| StoreError::Other(e.to_string()))?;
        let url = url::Url::from_file_path(&absolute)
            .map_err(|()| StoreError::Other(format!("{} is no file path", path.display())))?;
        let conn = Connection::open_with_flags(
            format!("{url}?immutable=1"),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )?;
        let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            return Err(StoreError::Other(format!(
                "the cache {} is of another version",
                path.display()
            )));
        }
        conn.query_row("SELECT count(*) FROM publications", [], |_| Ok(()))?;
        Ok(Self::from_conn(conn, Some(path.into())))
    }

    fn try_open(path: &Path) -> Result<Self, OpenProblem> {
        let classify = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                OpenProblem::Corrupt(e.to_string())
            }
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                OpenProblem::Fatal(StoreError::Unwritable {
                    path: path.into(),
                    detail: e.to_string(),
                })
            }
            _ => OpenProblem::Fatal(StoreError::Sqlite(e)),
        };
        // Checked before SQLite sees the file: on closing a connection to a file it cannot
        // read, SQLite deletes its -wal, which belongs in the copy moved aside.
        if let Some(why) = not_sqlite(path) {
            return Err(OpenProblem::Corrupt(why));
        }
        let conn = Connection::open(path).map_err(classify)?;
        let mut store = Self::from_conn(conn, Some(path.into()));
        store.configure().map_err(classify)?;
        // Reading the schema touches the header and the first pages: garbage shows up here.
        let version: u32 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(classify)?;
        let tables: i64 = store
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(classify)?;
        if version > SCHEMA_VERSION {
            // A newer newsroom's cache still has the tables every version has had.
            let ours: i64 = store
                .conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'publications'",
                    [],
                    |r| r.get(0),
                )
                .map_err(classify)?;
            if ours == 0 {
                return Err(OpenProblem::Fatal(StoreError::Foreign {
                    path: path.into(),
                }));
            }
            return Err(OpenProblem::Newer(version));
        }
        if version == 0 && tables > 0 {
            return Err(OpenProblem::Fatal(StoreError::Foreign {
                path: path.into(),
            }));
        }
        // Only a cache that needs migrating takes the write lock here, so opening never waits
        // on a `newsroom fetch` writing in another process.
        if version < SCHEMA_VERSION {
            store.migrate().map_err(classify)?;
        }
        if version > 0 {
            store
                .conn
                .query_row("SELECT count(*) FROM publications", [], |_| Ok(()))
                .map_err(classify)?;
        }
        // Planner statistics are refreshed after each batch of refreshes (`optimize`), not
        // here: gathering them reads the whole cache, and opening must stay instant.
        Ok(store)
    }

    fn configure(&mut self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(Duration::from_secs(5))?;
        // Room for every statement this file prepares, so none is re-parsed per call.
        self.conn.set_prepared_statement_cache_capacity(32);
        // With WAL, NORMAL loses at most the last commits on power loss, never consistency.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if mode != "wal" && mode != "memory" {
            tracing::warn!("cache journal mode is {mode}, not wal");
        }
        self.conn.execute_batch(
            "PRAGMA synchronous=NORMAL;
             PRAGMA foreign_keys=ON;
             PRAGMA analysis_limit=1000;",
        )
    }

    fn migrate(&mut self) -> rusqlite::Result<()> {
        loop {
            // IMMEDIATE: two processes opening a fresh cache at once migrate one after the other.
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let Some(step) = MIGRATIONS.get(version as usize) else {
                return Ok(());
            };
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", version + 1)?;
            tx.commit()?;
        }
    }

    /// A write transaction that takes the write lock up front, so another process writing at
    /// the same moment makes this one wait (`busy_timeout`) instead of failing on upgrade.
    fn write(&mut self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
    }

    /// Sets the retention that [`Store::apply_fetch`] applies (per-feed cap, maximum age).
    pub fn set_retention(&mut self, cache: &CacheConfig) {
        self.max_articles = cache.max_articles_per_feed.max(1);
        self.max_age = cache.max_age;
    }

    /// Where this cache lives (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Refreshes the planner's statistics where they are stale; cheap, bounded. Run after a
    /// refresh of many feeds and before closing.
    pub fn optimize(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("PRAGMA optimize;")?;
        Ok(())
    }

    /// `SQLite`'s `quick_check`: true when the file is sound. Reads the whole file: not for startup.
    pub fn quick_check(&self) -> Result<bool, StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check")?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows == ["ok"])
    }

    /// The fetch state of the feed at `url` (default if never fetched).
    pub fn feed_state(&self, url: &str) -> Result<FeedState, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.etag, s.last_modified, s.fresh_until, s.retry_after_until, s.last_status,
                    s.last_error, s.last_fetched
             FROM feed_state s JOIN publications p ON p.id = s.publication WHERE p.url = ?1",
        )?;
        let state = stmt
            .query_row([url], |r| {
                Ok(FeedState {
                    validators: Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    },
                    fresh_until: time(r.get(2)?),
                    retry_after_until: time(r.get(3)?),
                    last_status: r.get(4)?,
                    last_error: r.get(5)?,
                    last_fetched: time(r.get(6)?),
                })
            })
            .optional()?;
        Ok(state.unwrap_or_default())
    }

    /// The fetch state of every feed the cache knows, keyed by URL: what a refresh of many
    /// feeds reads in one query instead of one per feed.
    pub fn feed_states(&self) -> Result<HashMap<String, FeedState>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.url, s.etag, s.last_modified, s.fresh_until, s.retry_after_until,
                    s.last_status, s.last_error, s.last_fetched
             FROM feed_state s JOIN publications p ON p.id = s.publication",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                FeedState {
                    validators: Validators {
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                    },
                    fresh_until: time(r.get(3)?),
                    retry_after_until: time(r.get(4)?),
                    last_status: r.get(5)?,
                    last_error: r.get(6)?,
                    last_fetched: time(r.get(7)?),
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Merges a fetched feed and its new fetch state in one transaction: new articles are
    /// added, changed ones updated (keeping read/starred), then retention drops what is over
    /// the per-feed cap or too old, except starred articles and those still in the feed.
    pub fn apply_fetch(
        &mut self,
        name: &str,
        url: &str,
        feed: &Feed,
        state: &FeedState,
        now: DateTime<Utc>,
    ) -> Result<MergeReport, StoreError> {
        let retention = self.retention();
        let tx = self.write()?;
        let mut index = IndexQueue::default();
        let report = merge(
            &tx,
            name,
            url,
            (feed, &[]),
            state,
            now.timestamp(),
            retention,
            &mut index,
        )?;
        index.flush(&tx)?;
        tx.commit()?;
        Ok(report)
    }

    /// Applies many feeds' refreshes in one transaction, so every feed's changes become
    /// visible at once, at the commit. Fewer commits mean fewer WAL frames: the pages every
    /// feed touches (publications, feed state, index interiors) are written once per batch
    /// instead of once per feed. If one feed fails to write, the batch is rolled back and each
    /// feed is written in its own transaction instead, so the failure stays that feed's alone
    /// (savepoints would isolate it too, but copy every page they touch to a sub-journal on
    /// the common path). Results come back in the order of `writes`.
    pub fn apply_writes(
        &mut self,
        writes: &[FeedWrite],
    ) -> Result<Vec<Result<MergeReport, StoreError>>, StoreError> {
        let retention = self.retention();
        let batch = (|| {
            let tx = self.write()?;
            let mut index = IndexQueue::default();
            let reports = writes
                .iter()
                .map(|w| write_one(&tx, w, retention, &mut index))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            index.flush(&tx)?;
            tx.commit()?;
            Ok::<_, rusqlite::Error>(reports)
        })();
        match batch {
            Ok(reports) => Ok(reports.into_iter().map(Ok).collect()),
            Err(e) if writes.len() <= 1 => Ok(vec![Err(e.into())]),
            Err(e) => {
                tracing::debug!(
                    "a batch of {} feeds failed ({e}); writing them one by one",
                    writes.len()
                );
                Ok(writes
                    .iter()
                    .map(|w| {
                        let tx = self.write()?;
                        let mut index = IndexQueue::default();
                        let report = write_one(&tx, w, retention, &mut index)?;
                        index.flush(&tx)?;
                        tx.commit()?;
                        Ok(report)
                    })
                    .collect())
            }
        }
    }

    fn retention(&self) -> Retention {
        Retention {
            max_articles: i64::try_from(self.max_articles).unwrap_or(i64::MAX),
            max_age: self.max_age,
        }
    }

    /// Records a fetch that brought no articles (304, error, back-off) in one small write.
    pub fn record_state(&mut self, url: &str, state: &FeedState) -> Result<(), StoreError> {
        let tx = self.write()?;
        let publication = upsert_publication(&tx, url, None)?;
        write_state(&tx, publication, state)?;
        tx.commit()?;
        Ok(())
    }

    /// Tells the cache the configured names, so a renamed publication shows its new name.
    pub fn sync_publications<'a>(
        &mut self,
        publications: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        for (name, url) in publications {
            upsert_publication(&tx, url, Some(name))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The newest `limit` headlines of the publication at `url`, newest first (by published
    /// time, else first seen). Reads only those rows, through `articles_by_time`.
    pub fn headlines(&self, url: &str, limit: usize) -> Result<Vec<Headline>, StoreError> {
        let mut stmt = self.conn.prepare_cached(HEADLINES_SQL)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![url, limit], headline_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Like [`Store::headlines`], but only unread or only starred ones when asked: filtered in
    /// SQL, so the newest `limit` matching ones come back however far down they are.
    pub fn headlines_only(
        &self,
        url: &str,
        only: Only,
        limit: usize,
    ) -> Result<Vec<Headline>, StoreError> {
        let sql = match only {
            Only::All => HEADLINES_SQL,
            Only::Unread => HEADLINES_UNREAD_SQL,
            Only::Starred => HEADLINES_STARRED_SQL,
        };
        let mut stmt = self.conn.prepare_cached(sql)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![url, limit], headline_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Articles matching `query` across every publication, best first: relevance (title
    /// and author weigh more than the body) discounted by age, so a fresh story beats an old
    /// one that matches as well. The query is the reader's words (see [`match_expression`]);
    /// `only` narrows to unread or starred articles. An empty or only-negative query finds
    /// nothing.
    pub fn search(
        &self,
        query: &str,
        only: Only,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let Some(expr) = match_expression(query) else {
            return Ok(Vec::new());
        };
        // Ranking every match would cost time in proportion to the cache (a common word matches
        // tens of thousands of articles). So the newest `SEARCH_WINDOW` matches are taken,
        // streamed from the index in rowid (= arrival) order, and only those are ranked: a rarer
        // word, with fewer matches than that, is ranked over all of them.
        // bm25 is negative (lower is better); scaling it towards zero ranks an article lower.
        // The scale halves at `RECENCY_HALF_LIFE` of age. The window reads the articles table
        // only when a filter needs it, and ranking reads only `sort_time`: the columns shown
        // are read for the page alone (a sixth off a common word at 100,000 articles; see
        // bench/README.md).
        let (join, keep) = match only {
            Only::All => ("", ""),
            Only::Unread => (WINDOW_JOIN, "AND a.read = 0"),
            Only::Starred => (WINDOW_JOIN, "AND a.starred = 1"),
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH m AS (
                 SELECT article_search.rowid AS id,
                        bm25(article_search, 8.0, 3.0, 2.0, 1.0, 1.0) AS score
                 FROM article_search {join}
                 WHERE article_search MATCH ?1 {keep}
                 ORDER BY article_search.rowid DESC LIMIT ?5
             ),
             ranked AS (
                 SELECT m.id AS id, a.sort_time AS sort_time,
                        m.score * (?4 / (?4 + max(?3 - a.sort_time, 0))) AS score
                 FROM m JOIN articles a ON a.id = m.id
                 ORDER BY score, sort_time DESC, id DESC LIMIT ?2
             )
             SELECT a.id, a.title, a.link, a.published, a.read, a.starred, p.name
             FROM ranked JOIN articles a ON a.id = ranked.id
             JOIN publications p ON p.id = a.publication
             ORDER BY ranked.score, ranked.sort_time DESC, ranked.id DESC"
        ))?;
        let window = i64::try_from(limit.saturating_add(SEARCH_WINDOW)).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(
            params![
                expr,
                limit,
                now.timestamp(),
                RECENCY_HALF_LIFE.as_secs_f64(),
                window,
            ],
            |r| {
                Ok(SearchHit {
                    headline: headline_row(r)?,
                    publication: r.get(6)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Indexes up to `batch` of the articles cached before search existed (newest first), in
    /// one transaction, and says how many are left. Interrupted at any point, the cache stays
    /// usable: what is indexed is found, the rest is indexed on the next call.
    pub fn index_backlog(&mut self, batch: usize) -> Result<usize, StoreError> {
        let tx = self.write()?;
        let below: Option<i64> = tx
            .query_row("SELECT below FROM search_backlog", [], |r| r.get(0))
            .optional()?;
        let Some(below) = below else {
            return Ok(0);
        };
        let ids: Vec<i64> = tx
            .prepare_cached("SELECT id FROM articles WHERE id < ?1 ORDER BY id DESC LIMIT ?2")?
            .query_map(
                params![below, i64::try_from(batch.max(1)).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )?
            .collect::<Result<_, _>>()?;
        let left = match ids.last() {
            Some(&lowest) => {
                for &id in &ids {
                    index_cached(&tx, id)?;
                }
                tx.execute("UPDATE search_backlog SET below = ?1", [lowest])?;
                tx.query_row(
                    "SELECT count(*) FROM articles WHERE id < ?1",
                    [lowest],
                    |r| r.get::<_, i64>(0),
                )?
            }
            None => 0,
        };
        if left == 0 {
            tx.execute("DELETE FROM search_backlog", [])?;
        }
        tx.commit()?;
        Ok(usize::try_from(left).unwrap_or(0))
    }

    /// How many cached articles are not indexed for search yet (a cache from before search).
    pub fn search_backlog(&self) -> Result<usize, StoreError> {
        let left: i64 = self.conn.query_row(
            "SELECT count(*) FROM articles WHERE id < (SELECT below FROM search_backlog)",
            [],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(left).unwrap_or(0))
    }

    /// A handle that stops this connection's running statement (`sqlite3_interrupt`) from
    /// another thread: a search overtaken by the next keystroke is abandoned, not finished.
    pub(crate) fn interrupt_handle(&self) -> rusqlite::InterruptHandle {
        self.conn.get_interrupt_handle()
    }

    /// Bytes the search index takes in the cache file (for the benchmark): its shadow tables.
    pub fn search_index_bytes(&self) -> Result<u64, StoreError> {
        let pages: i64 = self.conn.query_row(
            "SELECT count(*) FROM dbstat WHERE name IN ('article_search_data', 'article_search_idx',
                 'article_search_docsize', 'article_search_config')",
            [],
            |r| r.get(0),
        )?;
        let page_size: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok(u64::try_from(pages * page_size).unwrap_or(0))
    }

    /// One article with its body, or `None` if retention has dropped it.
    pub fn article(&self, id: i64) -> Result<Option<Article>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.title, a.link, a.published, a.read, a.starred, p.name, a.author,
                    coalesce(b.content_html, ''), f.text, f.error
             FROM articles a JOIN publications p ON p.id = a.publication
             LEFT JOIN article_bodies b ON b.article = a.id
             LEFT JOIN article_full_text f ON f.article = a.id
             WHERE a.id = ?1",
        )?;
        let article = stmt
            .query_row([id], |r| {
                Ok(Article {
                    headline: headline_row(r)?,
                    publication: r.get(6)?,
                    author: r.get(7)?,
                    content_html: r.get(8)?,
                    full_text: r.get(9)?,
                    full_text_error: r.get(10)?,
                    enclosures: Vec::new(),
                })
            })
            .optional()?;
        let mut article = article;
        if let Some(a) = &mut article {
            a.enclosures = enclosures::of(&self.conn, id)?;
        }
        Ok(article)
    }

    /// What is known about the full text of article `id` (default if never tried).
    pub fn full_text(&self, id: i64) -> Result<FullText, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT text, error, etag, last_modified, fetched_at FROM article_full_text
             WHERE article = ?1",
        )?;
        let got = stmt
            .query_row([id], |r| {
                Ok(FullText {
                    text: r.get(0)?,
                    error: r.get(1)?,
                    validators: Validators {
                        etag: r.get(2)?,
                        last_modified: r.get(3)?,
                    },
                    fetched_at: time(r.get(4)?),
                })
            })
            .optional()?;
        Ok(got.unwrap_or_default())
    }

    /// Records an extraction of article `id`'s full text. A `text` of `None` (a failure, or a
    /// 304) keeps the text already stored: a failed retry never loses a story. Does nothing if
    /// retention has dropped the article meanwhile.
    pub(crate) fn record_full_text(&mut self, id: i64, full: &FullText) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO article_full_text (article, text, error, etag, last_modified, fetched_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?1)
                 ON CONFLICT (article) DO UPDATE SET
                    text = coalesce(excluded.text, text), error = excluded.error,
                    etag = excluded.etag, last_modified = excluded.last_modified,
                    fetched_at = excluded.fetched_at",
            )?
            .execute(params![
                id,
                full.text,
                full.error,
                full.validators.etag,
                full.validators.last_modified,
                full.fetched_at.unwrap_or_else(Utc::now).timestamp(),
            ])?;
        // Search finds words of the story too.
        if full.text.is_some() {
            index_cached(&self.conn, id)?;
        }
        Ok(())
    }

    /// The newest `limit` articles of the publication at `url` that have a link and whose full
    /// text was never tried: the work for a background extraction after a refresh.
    pub(crate) fn missing_full_text(
        &self,
        url: &str,
        limit: usize,
    ) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id FROM articles a
             WHERE a.publication = (SELECT id FROM publications WHERE url = ?1)
               AND a.link IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM article_full_text f WHERE f.article = a.id)
             ORDER BY a.sort_time DESC, a.id DESC LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![url, limit], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every change is stamped for sync in the same transaction (`src/store/sync.rs`).
    pub fn set_read(&mut self, id: i64, read: bool) -> Result<(), StoreError> {
        let tx = self.write()?;
        let n = tx
            .prepare_cached("UPDATE articles SET read = ?2 WHERE id = ?1 AND read <> ?2")?
            .execute(params![id, read])?;
        if n > 0 {
            sync::stamp_article(&tx, id, sync::Field::Read, read)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn set_starred(&mut self, id: i64, starred: bool) -> Result<(), StoreError> {
        let tx = self.write()?;
        let n = tx
            .prepare_cached("UPDATE articles SET starred = ?2 WHERE id = ?1 AND starred <> ?2")?
            .execute(params![id, starred])?;
        if n > 0 {
            sync::stamp_article(&tx, id, sync::Field::Starred, starred)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Marks every article of the publication at `url` read, and says which it changed (those
    /// that were unread): exactly what an undo gives back (see [`Store::mark_unread`]). For
    /// sync, one watermark stands for them all.
    pub fn mark_all_read(&mut self, url: &str) -> Result<Vec<i64>, StoreError> {
        let tx = self.write()?;
        let ids = tx
            .prepare_cached(
                "UPDATE articles SET read = 1
                 WHERE publication = (SELECT id FROM publications WHERE url = ?1) AND read = 0
                 RETURNING id",
            )?
            .query_map([url], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        sync::stamp_watermark(&tx, url)?;
        tx.commit()?;
        Ok(ids)
    }

    /// Unread articles per publication, keyed by feed URL (publications never fetched are absent).
    pub fn unread_counts(&self) -> Result<HashMap<String, u32>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT url, unread FROM publications")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?)))?;
        let mut counts = HashMap::new();
        for row in rows {
            let (url, n) = row?;
            counts.insert(url, u32::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    /// `EXPLAIN QUERY PLAN` of the headline query, for tests that pin it to the index.
    pub fn headlines_query_plan(&self) -> Result<String, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {HEADLINES_SQL}"))?;
        let rows = stmt.query_map(params!["", 50], |r| r.get::<_, String>(3))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?.join("\n"))
    }
}

const HEADLINES_SQL: &str = "SELECT id, title, link, published, read, starred FROM articles
     WHERE publication = (SELECT id FROM publications WHERE url = ?1)
     ORDER BY sort_time DESC, id DESC LIMIT ?2";

const HEADLINES_UNREAD_SQL: &str = "SELECT id, title, link, published, read, starred FROM articles
     WHERE publication = (SELECT id FROM publications WHERE url = ?1) AND read = 0
     ORDER BY sort_time DESC, id DESC LIMIT ?2";

const HEADLINES_STARRED_SQL: &str = "SELECT id, title, link, published, read, starred FROM articles
     WHERE publication = (SELECT id FROM publications WHERE url = ?1) AND starred = 1
     ORDER BY sort_time DESC, id DESC LIMIT ?2";

/// Which headlines [`Store::headlines_only`] returns: the reader's own filter.
pub use crate::model::Filter as Only;

// The search index. Every write to `article_search` is in this section (and the delete
// trigger of the schema): what is indexed is what the reader sees, rendered once when an
// article arrives or changes, never per query.

/// How [`Store::search`]'s window reaches the articles table, when a filter needs it.
const WINDOW_JOIN: &str = "JOIN articles a ON a.id = article_search.rowid";

/// How many of the newest matches [`Store::search`] ranks (beyond the page asked for).
const SEARCH_WINDOW: usize = 2000;

/// Words shorter than this match whole words only, not as prefixes: a one- or two-letter prefix
/// matches nearly every article, and gathering its matches from the index would take time in
/// proportion to the cache. (`un` still finds "UN", `ai` finds "AI".)
const MIN_PREFIX_CHARS: usize = 3;

/// How fast age discounts relevance in [`Store::search`].
const RECENCY_HALF_LIFE: Duration = Duration::from_secs(30 * 86_400);

/// Set only by `bench/search.py`, to time a refresh with the index against one without it.
static BENCH_NO_INDEX: std::sync::LazyLock<bool> =
    std::sync::LazyLock::new(|| std::env::var_os("NEWSROOM_BENCH_NO_SEARCH_INDEX").is_some());

/// Whether new articles are indexed (always, but in that benchmark): the refresh makes their
/// search text only when they are.
pub(crate) fn indexes_new_articles() -> bool {
    !*BENCH_NO_INDEX
}

/// What the index needs of a cached article: title, author, publication, body, full text.
type Indexed = (String, Option<String>, String, String, Option<String>);

/// Indexes (or re-indexes) one article from what the cache holds.
fn index_cached(tx: &Connection, id: i64) -> rusqlite::Result<()> {
    let row: Option<Indexed> = tx
        .prepare_cached(
            "SELECT a.title, a.author, p.name, coalesce(b.content_html, ''), f.text
             FROM articles a JOIN publications p ON p.id = a.publication
             LEFT JOIN article_bodies b ON b.article = a.id
             LEFT JOIN article_full_text f ON f.article = a.id WHERE a.id = ?1",
        )?
        .query_row([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    match row {
        Some((title, author, publication, html, full)) => index_article(
            tx,
            id,
            &title,
            author.as_deref().unwrap_or(""),
            &publication,
            &html,
            full.as_deref().unwrap_or(""),
        ),
        None => Ok(()),
    }
}

fn index_article(
    tx: &Connection,
    id: i64,
    title: &str,
    author: &str,
    publication: &str,
    html: &str,
    full_text: &str,
) -> rusqlite::Result<()> {
    let body = crate::feed::search_text(html);
    // A contentless table replaces a row by rowid: no need to know what was indexed before.
    tx.prepare_cached(
        "INSERT OR REPLACE INTO article_search (rowid, title, author, publication, body, full_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id, title, author, publication, body, full_text])?;
    Ok(())
}

/// Re-indexes every article of a publication (its name changed). Only those already indexed:
/// the backlog will index the others with the new name anyway.
fn reindex_publication(tx: &Connection, publication: i64) -> rusqlite::Result<()> {
    let ids: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM articles WHERE publication = ?1
             AND id >= coalesce((SELECT below FROM search_backlog), 0)",
        )?
        .query_map([publication], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        index_cached(tx, id)?;
    }
    Ok(())
}

/// The reader's search words as a safe FTS5 query, or `None` when nothing is left to look for.
///
/// Words of three letters or more match as prefixes (`sto` finds "storm", as you type); shorter
/// ones match whole words; `"two words"` is a phrase
/// (an unclosed quote is a phrase still being typed, so its last word is a prefix); `-word`
/// or `-"a phrase"` excludes. Every word and phrase goes to FTS5 as a quoted string with `"`
/// doubled, so no character the user types (`:`, `*`, `(`, `NEAR`, `AND`) is ever syntax.
/// Words with no letter or digit are dropped (the tokenizer would ignore them anyway), and a
/// query of exclusions alone finds nothing, as FTS5 cannot express "everything but".
pub(crate) fn match_expression(query: &str) -> Option<String> {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negate = c == '-';
        if negate {
            chars.next();
        }
        let (text, phrase, closed) = if chars.peek() == Some(&'"') {
            chars.next();
            let mut text = String::new();
            let mut closed = false;
            for c in chars.by_ref() {
                if c == '"' {
                    closed = true;
                    break;
                }
                text.push(c);
            }
            (text, true, closed)
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                text.push(c);
                chars.next();
            }
            (text, false, false)
        };
        if !text.chars().any(char::is_alphanumeric) {
            continue;
        }
        let quoted = format!("\"{}\"", text.trim().replace('"', "\"\""));
        // Exclusions are whole words: "-rain" should not drop "rainbow".
        let last_word = text.split_whitespace().last().unwrap_or("");
        let prefix = !(negate || (phrase && closed))
            && last_word.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_PREFIX_CHARS;
        let term = if prefix { quoted + "*" } else { quoted };
        if negate {
            exclude.push(term);
        } else {
            include.push(term);
        }
    }
    if include.is_empty() {
        return None;
    }
    let mut expr = include.join(" AND ");
    if !exclude.is_empty() {
        expr = format!("({expr}) NOT ({})", exclude.join(" OR "));
    }
    Some(expr)
}

fn headline_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Headline> {
    Ok(Headline {
        id: r.get(0)?,
        title: r.get(1)?,
        link: r.get(2)?,
        published: time(r.get(3)?),
        read: r.get(4)?,
        starred: r.get(5)?,
    })
}

/// One feed's refresh for [`Store::apply_writes`]: its new fetch state, and the parsed feed to
/// merge when there is one (`None`: a 304 or a failure, which change only the state).
#[derive(Debug, Clone)]
pub struct FeedWrite {
    pub name: String,
    pub url: String,
    pub state: FeedState,
    pub feed: Option<Feed>,
    /// When it was fetched: the first-seen time of its new articles.
    pub now: DateTime<Utc>,
    /// Each item's search text (`feed::search_text` of its body), in the order of
    /// `feed.items`, when the parse step made them off the writer; empty: the writer makes
    /// them.
    pub search_texts: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Retention {
    max_articles: i64,
    max_age: Option<Duration>,
}

/// What the cache holds of an article, to tell whether a fetched item changes it.
struct Cached {
    id: i64,
    published: Option<i64>,
    title: String,
    link: Option<String>,
    author: Option<String>,
}

/// Merges one feed inside the caller's transaction (see [`Store::apply_fetch`]). The work is
/// sized to what changed: a publication with no articles yet (a first fetch) is not searched
/// item by item, an unchanged article runs no write statement (its body is compared in
/// `SQLite`, which writes nothing when it is equal), and retention only deletes when the cap
/// can bind or an age limit is set.
#[allow(clippy::too_many_arguments)] // one call site per path; a struct would only rename them
fn merge<'a>(
    tx: &Connection,
    name: &'a str,
    url: &str,
    (feed, texts): (&'a Feed, &'a [String]),
    state: &FeedState,
    now_s: i64,
    retention: Retention,
    index: &mut IndexQueue<'a>,
) -> rusqlite::Result<MergeReport> {
    let publication = upsert_publication(tx, url, Some(name))?;
    let before: i64 = tx
        .prepare_cached("SELECT count(*) FROM articles WHERE publication = ?1")?
        .query_row([publication], |r| r.get(0))?;
    let mut new: usize = 0;
    let mut seen = Vec::with_capacity(feed.items.len());
    // Keys inserted by this merge: a key a feed lists twice must find its first copy.
    let mut inserted: std::collections::HashSet<String> = std::collections::HashSet::new();
    {
        let mut find = tx.prepare_cached(
            "SELECT id, published, title, link, author FROM articles
             WHERE publication = ?1 AND dedup_key = ?2",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO articles
                (publication, sort_time, published, first_seen, title, link, author, dedup_key)
             VALUES (?1, coalesce(?2, ?3), ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut insert_body = tx
            .prepare_cached("INSERT INTO article_bodies (article, content_html) VALUES (?1, ?2)")?;
        let mut update = tx.prepare_cached(
            "UPDATE articles SET published = ?2, sort_time = coalesce(?2, first_seen),
                    title = ?3, link = ?4, author = ?5
             WHERE id = ?1",
        )?;
        let mut update_body = tx.prepare_cached(
            "UPDATE article_bodies SET content_html = ?2
             WHERE article = ?1 AND content_html IS NOT ?2",
        )?;
        // Oldest first, so that among undated items the feed's first gets the highest id
        // and the list (newest id first on ties) keeps the feed's order.
        for (i, item) in feed.items.iter().enumerate().rev() {
            let key = dedup_key(item);
            let published = item.published.map(|t| t.timestamp());
            let existing = if before > 0 || inserted.contains(&key) {
                find.query_row(params![publication, key], |r| {
                    Ok(Cached {
                        id: r.get(0)?,
                        published: r.get(1)?,
                        title: r.get(2)?,
                        link: r.get(3)?,
                        author: r.get(4)?,
                    })
                })
                .optional()?
            } else {
                None
            };
            let id = if let Some(old) = existing {
                let mut changed = 0;
                if old.published != published
                    || old.title != item.title
                    || old.link != item.link
                    || old.author != item.author
                {
                    changed += update.execute(params![
                        old.id,
                        published,
                        item.title,
                        item.link,
                        item.author
                    ])?;
                }
                changed += update_body.execute(params![old.id, item.content_html])?;
                enclosures::write(tx, old.id, &item.enclosures, true)?;
                // Only a changed article is indexed again.
                if changed > 0 {
                    index.changed(old.id);
                }
                old.id
            } else {
                insert.execute(params![
                    publication,
                    published,
                    now_s,
                    item.title,
                    item.link,
                    item.author,
                    key
                ])?;
                let id = tx.last_insert_rowid();
                insert_body.execute(params![id, item.content_html])?;
                enclosures::write(tx, id, &item.enclosures, false)?;
                if !*BENCH_NO_INDEX {
                    index.new_article(id, item, name, texts.get(i).map(String::as_str));
                }
                inserted.insert(key);
                new += 1;
                id
            };
            seen.push(id);
        }
    }
    write_state(tx, publication, state)?;

    // Retention. What the feed still lists is kept, or the next refresh would add it back
    // as "new"; starred articles are always kept.
    let mut total = before.saturating_add(i64::try_from(new).unwrap_or(i64::MAX));
    let over_cap = total > retention.max_articles;
    if over_cap || retention.max_age.is_some() {
        let seen_json = format!(
            "[{}]",
            seen.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        if over_cap {
            let gone = tx
                .prepare_cached(
                    "DELETE FROM articles WHERE id IN (
                         SELECT id FROM articles WHERE publication = ?1
                         ORDER BY sort_time DESC, id DESC LIMIT -1 OFFSET ?2)
                     AND starred = 0 AND id NOT IN (SELECT value FROM json_each(?3))",
                )?
                .execute(params![publication, retention.max_articles, seen_json])?;
            total -= i64::try_from(gone).unwrap_or(0);
        }
        if let Some(age) = retention.max_age {
            let cutoff = now_s.saturating_sub(i64::try_from(age.as_secs()).unwrap_or(i64::MAX));
            let gone = tx
                .prepare_cached(
                    "DELETE FROM articles WHERE publication = ?1 AND sort_time < ?2
                     AND starred = 0 AND id NOT IN (SELECT value FROM json_each(?3))",
                )?
                .execute(params![publication, cutoff, seen_json])?;
            total -= i64::try_from(gone).unwrap_or(0);
        }
    }
    Ok(MergeReport {
        new,
        total: usize::try_from(total).unwrap_or(0),
        first: before == 0,
    })
}

/// One [`FeedWrite`] inside the caller's transaction.
fn write_one<'a>(
    tx: &Connection,
    w: &'a FeedWrite,
    retention: Retention,
    index: &mut IndexQueue<'a>,
) -> rusqlite::Result<MergeReport> {
    if let Some(feed) = &w.feed {
        merge(
            tx,
            &w.name,
            &w.url,
            (feed, &w.search_texts),
            &w.state,
            w.now.timestamp(),
            retention,
            index,
        )
    } else {
        let publication = upsert_publication(tx, &w.url, None)?;
        write_state(tx, publication, &w.state)?;
        Ok(MergeReport::default())
    }
}

fn upsert_publication(tx: &Connection, url: &str, name: Option<&str>) -> rusqlite::Result<i64> {
    let before: Option<(i64, String)> = tx
        .prepare_cached("SELECT id, name FROM publications WHERE url = ?1")?
        .query_row([url], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let (Some((id, old)), Some(name)) = (&before, name) {
        if old != name {
            tx.prepare_cached("UPDATE publications SET name = ?2 WHERE id = ?1")?
                .execute(params![id, name])?;
            // The name is indexed with each article: a renamed publication is found by its
            // new name.
            reindex_publication(tx, *id)?;
        }
        return Ok(*id);
    }
    if let Some((id, _)) = before {
        return Ok(id);
    }
    // A publication first seen through a failed fetch is named by its URL until a name arrives.
    tx.prepare_cached("INSERT INTO publications (url, name) VALUES (?1, coalesce(?2, ?1))")?
        .execute(params![url, name])?;
    Ok(tx.last_insert_rowid())
}

fn write_state(tx: &Connection, publication: i64, s: &FeedState) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO feed_state (publication, etag, last_modified, fresh_until, retry_after_until,
                                 last_status, last_error, last_fetched)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (publication) DO UPDATE SET
            etag = excluded.etag, last_modified = excluded.last_modified,
            fresh_until = excluded.fresh_until, retry_after_until = excluded.retry_after_until,
            last_status = excluded.last_status, last_error = excluded.last_error,
            last_fetched = excluded.last_fetched",
    )?
    .execute(params![
        publication,
        s.validators.etag,
        s.validators.last_modified,
        s.fresh_until.map(|t| t.timestamp()),
        s.retry_after_until.map(|t| t.timestamp()),
        s.last_status,
        s.last_error,
        s.last_fetched.map(|t| t.timestamp()),
    ])?;
    Ok(())
}

/// How an item is recognised on the next fetch: its guid/id, else its link, else title and date.
/// The prefixes keep a guid from ever matching someone else's link.
#[must_use]
pub(crate) fn dedup_key(item: &Item) -> String {
    let non_empty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if let Some(id) = non_empty(&item.id) {
        return format!("id:{id}");
    }
    if let Some(link) = non_empty(&item.link) {
        return format!("link:{link}");
    }
    let date = item
        .published
        .map(|t| t.timestamp().to_string())
        .unwrap_or_default();
    format!("title:{}\u{1f}{date}", item.title.trim())
}

fn time(secs: Option<i64>) -> Option<DateTime<Utc>> {
    secs.and_then(|s| DateTime::from_timestamp(s, 0))
}

/// Why the file at `path` cannot be an `SQLite` database, judged by its header; `None` if it may
/// be one (or does not exist yet, or is empty, which `SQLite` treats as a new database).
fn not_sqlite(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut header = Vec::with_capacity(100);
    let file = std::fs::File::open(path).ok()?;
    file.take(100).read_to_end(&mut header).ok()?;
    if header.is_empty() || (header.len() == 100 && header.starts_with(b"SQLite format 3\0")) {
        None
    } else {
        Some("not an SQLite database".to_owned())
    }
}

/// Why the unreadable file at `path` is not to be moved aside, if it is not: newsroom's are
/// named as its default cache (`newsroom.db`), or are `SQLite` files with a schema version set,
/// as every newsroom cache has.
fn not_ours(path: &Path) -> Option<String> {
    use std::io::Read;
    if path.file_name().is_some_and(|n| n == "newsroom.db") {
        return None;
    }
    let mut header = Vec::with_capacity(100);
    let file = std::fs::File::open(path).ok()?;
    file.take(100).read_to_end(&mut header).ok()?;
    let sqlite = header.len() == 100 && header.starts_with(b"SQLite format 3\0");
    if !sqlite {
        return Some("not an SQLite database".into());
    }
    if header[60..64] == [0, 0, 0, 0] {
        return Some("an SQLite database without newsroom's schema".into());
    }
    None
}

/// Renames `path` (and its `-wal`/`-shm`, which belong to it) to
/// `path.KIND-YYYYMMDD-HHMMSS`, never overwriting an earlier one.
fn move_aside(path: &Path, kind: &str) -> Result<PathBuf, StoreError> {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let base = format!("{}.{kind}-{stamp}", path.display());
    let mut aside = PathBuf::from(&base);
    let mut n = 2;
    while aside.exists() {
        aside = PathBuf::from(format!("{base}-{n}"));
        n += 1;
    }
    let unwritable = |e: std::io::Error| StoreError::Unwritable {
        path: path.into(),
        detail: format!("it is unreadable and could not be moved aside: {e}"),
    };
    std::fs::rename(path, &aside).map_err(unwritable)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            std::fs::rename(&side, format!("{}{suffix}", aside.display())).map_err(unwritable)?;
        }
    }
    Ok(aside)
}

/// The cache shared by the TUI and the refresh pipeline: one connection behind a mutex, used
/// from blocking threads.
///
/// One connection rather than a pool because `SQLite` has one writer anyway, and every call is
/// short: a screenful of headlines is an index range, one feed's merge is a few milliseconds
/// (WAL with `synchronous=NORMAL` does not fsync on commit). A separate process, such as
/// `newsroom fetch` from cron, opens its own connection; WAL keeps its writes from blocking
/// readers here.
#[derive(Clone, Debug)]
pub struct SharedStore {
    store: Arc<Mutex<Store>>,
    /// Callers queue here, asynchronously, rather than as blocking threads parked on the
    /// mutex: a refresh of 500 feeds would otherwise grow the blocking pool by dozens of
    /// threads, each with its own allocator arena, for work that runs one at a time anyway.
    turn: Arc<tokio::sync::Semaphore>,
}

impl SharedStore {
    pub fn new(store: Store) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
            turn: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    /// Runs `f` on a blocking thread with the store locked, so the async runtime never waits
    /// on `SQLite`.
    pub async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let permit = Arc::clone(&self.turn)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Other("the cache is closed".into()))?;
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            // Held until the work is done, even if the caller stops waiting.
            let _permit = permit;
            f(&mut lock(&store))
        })
        .await
        .map_err(|e| StoreError::Other(format!("cache task failed: {e}")))?
    }

    /// Locks the store on the current thread; for synchronous callers (startup, tests).
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }
}

fn lock(m: &Mutex<Store>) -> MutexGuard<'_, Store> {
    // A panic mid-call rolled its transaction back when the guard dropped: the store is sound.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: Option<&str>, link: Option<&str>, title: &str) -> Item {
        Item {
            id: id.map(Into::into),
            link: link.map(Into::into),
            title: title.into(),
            ..Item::default()
        }
    }

    #[test]
    fn dedup_key_prefers_id_then_link_then_title_and_date() {
        assert_eq!(
            dedup_key(&item(Some("g1"), Some("http://a/"), "t")),
            "id:g1"
        );
        assert_eq!(
            dedup_key(&item(Some("  "), Some("http://a/"), "t")),
            "link:http://a/"
        );
        let mut i = item(None, None, "t");
        assert_eq!(dedup_key(&i), "title:t\u{1f}");
        i.published = DateTime::from_timestamp(1_700_000_000, 0);
        assert_eq!(dedup_key(&i), "title:t\u{1f}1700000000");
    }

    #[test]
    fn in_memory_store_migrates_to_the_latest_version() {
        let s = Store::open_in_memory().expect("test value");
        let v: u32 = s
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("test value");
        assert_eq!(v, SCHEMA_VERSION);
        assert!(s.unread_counts().expect("test value").is_empty());
    }

    #[test]
    fn a_v1_cache_gains_full_text_and_keeps_its_articles() {
        let dir = tempfile::tempdir().expect("test value");
        let path = dir.path().join("newsroom.db");
        {
            let conn = Connection::open(&path).expect("test value");
            conn.execute_batch(MIGRATIONS[0]).expect("test value");
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO publications (id, url, name) VALUES (1, 'https://a/', 'A');
                 INSERT INTO articles (id, publication, sort_time, first_seen, title, link,
                                       dedup_key)
                     VALUES (7, 1, 0, 0, 'Seven', 'https://a/7', 'id:7');
                 INSERT INTO article_bodies VALUES (7, '<p>Summary</p>');",
            )
            .expect("test value");
        }
        let (mut store, notice) = Store::open(&path).expect("test value");
        assert_eq!(notice, None);
        let a = store.article(7).expect("test value").expect("kept");
        assert_eq!((a.full_text, a.full_text_error), (None, None));
        assert_eq!(
            store
                .missing_full_text("https://a/", 10)
                .expect("test value"),
            [7]
        );

        // A failure after a success keeps the story; the reason and validators are updated.
        let ok = FullText {
            text: Some("The story".into()),
            validators: Validators {
                etag: Some("\"e1\"".into()),
                last_modified: None,
            },
            ..FullText::default()
        };
        store.record_full_text(7, &ok).expect("test value");
        let failed = FullText {
            error: Some("the page answered HTTP 500".into()),
            validators: ok.validators.clone(),
            ..FullText::default()
        };
        store.record_full_text(7, &failed).expect("test value");
        let got = store.full_text(7).expect("test value");
        assert_eq!(got.text.as_deref(), Some("The story"));
        assert_eq!(got.error.as_deref(), Some("the page answered HTTP 500"));
        assert_eq!(got.validators.etag.as_deref(), Some("\"e1\""));
        assert!(
            store
                .missing_full_text("https://a/", 10)
                .expect("test value")
                .is_empty()
        );
        assert_eq!(
            store
                .search("story", Only::All, 10, Utc::now())
                .expect("test value")
                .len(),
            1
        );

        // An article dropped meanwhile takes nothing with it and gains no orphan row.
        store.record_full_text(99, &ok).expect("test value");
        assert_eq!(
            store.full_text(99).expect("test value"),
            FullText::default()
        );
        store
            .conn
            .execute("DELETE FROM articles WHERE id = 7", [])
            .expect("test value");
        let rows: i64 = store
            .conn
            .query_row("SELECT count(*) FROM article_full_text", [], |r| r.get(0))
            .expect("test value");
        assert_eq!(rows, 0);
    }
}
