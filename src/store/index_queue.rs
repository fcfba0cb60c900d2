//! The search index's writes of one transaction, held back until just before its commit.
//!
//! Why: FTS5 flushes the terms it has gathered in memory to a new on-disk segment at every
//! savepoint, and `SQLite` opens a statement savepoint for every statement that may need to be
//! undone on its own (an `INSERT INTO articles` has triggers and foreign keys, so each one does).
//! Interleaved with the article inserts, every indexed article became a segment of its own that
//! FTS5 then merged again and again: a cold 500-feed refresh spent about 3.5 s of CPU on the
//! index. Written together at the end, a transaction's articles make one segment.

use rusqlite::{Connection, params};

use crate::feed::Item;

/// Index writes waiting for the end of the transaction, in the order they were asked for.
#[derive(Default)]
pub(super) struct IndexQueue<'a> {
    jobs: Vec<Job<'a>>,
}

enum Job<'a> {
    /// An article that has just arrived: nothing is indexed under its id yet. `text` is its
    /// search text when the parse step made it (off the writer), else it is made here.
    New {
        id: i64,
        item: &'a Item,
        publication: &'a str,
        text: Option<&'a str>,
    },
    /// A cached article that changed: indexed again from what the cache holds at the end.
    Changed(i64),
}

impl<'a> IndexQueue<'a> {
    pub(super) fn new_article(
        &mut self,
        id: i64,
        item: &'a Item,
        publication: &'a str,
        text: Option<&'a str>,
    ) {
        self.jobs.push(Job::New {
            id,
            item,
            publication,
            text,
        });
    }

    pub(super) fn changed(&mut self, id: i64) {
        self.jobs.push(Job::Changed(id));
    }

    /// Writes every queued job inside `tx`; the caller commits next.
    pub(super) fn flush(self, tx: &Connection) -> rusqlite::Result<()> {
        if self.jobs.is_empty() {
            return Ok(());
        }
        // A plain `INSERT .. VALUES` of one row: an `INSERT .. SELECT` may need a statement
        // savepoint, which would flush FTS5 at every row again.
        let mut insert = tx.prepare_cached(
            "INSERT INTO article_search (rowid, title, author, publication, body, full_text)
             VALUES (?1, ?2, ?3, ?4, ?5, '')",
        )?;
        // An article inserted and then dropped within the same transaction (retention of a
        // publication listed twice in one batch) must not leave a row behind in the index.
        let mut exists = tx.prepare_cached("SELECT 1 FROM articles WHERE id = ?1")?;
        for job in self.jobs {
            match job {
                Job::New {
                    id,
                    item,
                    publication,
                    text,
                } => {
                    if !exists.exists([id])? {
                        continue;
                    }
                    let made;
                    let body = if let Some(text) = text {
                        text
                    } else {
                        made = crate::feed::search_text(&item.content_html);
                        &made
                    };
                    insert.execute(params![
                        id,
                        item.title,
                        item.author.as_deref().unwrap_or(""),
                        publication,
                        body
                    ])?;
                }
                Job::Changed(id) => super::index_cached(tx, id)?,
            }
        }
        Ok(())
    }
}
