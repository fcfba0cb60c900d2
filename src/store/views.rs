//! The views across publications: every unread and every starred article, newest first.
//!
//! Each reads its first page through its own partial index (`articles_unread`,
//! `articles_starred`), which holds only the rows the view lists, in the order it lists them:
//! the cost is the page, not the cache (100,000 articles read as fast as 1,000).

use rusqlite::params;

use super::{Store, StoreError, headline_row};
use crate::model::{View, ViewRow};

const UNREAD_SQL: &str = "SELECT a.id, a.title, a.link, a.published, a.read, a.starred, p.url
     FROM articles a INDEXED BY articles_unread JOIN publications p ON p.id = a.publication
     WHERE a.read = 0 AND p.url IN (SELECT value FROM json_each(?1))
     ORDER BY a.sort_time DESC, a.id DESC LIMIT ?2";

const STARRED_SQL: &str = "SELECT a.id, a.title, a.link, a.published, a.read, a.starred, p.url
     FROM articles a INDEXED BY articles_starred JOIN publications p ON p.id = a.publication
     WHERE a.starred = 1 AND p.url IN (SELECT value FROM json_each(?1))
     ORDER BY a.sort_time DESC, a.id DESC LIMIT ?2";

const STARRED_COUNT_SQL: &str = "SELECT count(*)
     FROM articles a INDEXED BY articles_starred JOIN publications p ON p.id = a.publication
     WHERE a.starred = 1 AND p.url IN (SELECT value FROM json_each(?1))";

fn sql(view: View) -> &'static str {
    match view {
        View::Unread => UNREAD_SQL,
        View::Starred => STARRED_SQL,
    }
}

/// The publications a view draws from, as the JSON array `json_each` reads: only those the
/// reader shows (a publication removed from the config keeps its articles in the cache, but
/// they are not news any more).
fn urls_json(publications: &[String]) -> String {
    serde_json::Value::from(publications.to_vec()).to_string()
}

impl Store {
    /// The newest `limit` articles of `view` among `publications` (feed URLs or GitHub keys).
    pub fn view(
        &self,
        view: View,
        publications: &[String],
        limit: usize,
    ) -> Result<Vec<ViewRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql(view))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![urls_json(publications), limit], |r| {
            Ok(ViewRow {
                headline: headline_row(r)?,
                publication: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many starred articles `publications` hold (the unread count is the publications'
    /// own counts added up).
    pub fn starred_count(&self, publications: &[String]) -> Result<u32, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached(STARRED_COUNT_SQL)?
            .query_row([urls_json(publications)], |r| r.get(0))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// `EXPLAIN QUERY PLAN` of a view's query, for tests that pin it to its index.
    pub fn view_query_plan(&self, view: View) -> Result<String, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sql(view)))?;
        let rows = stmt.query_map(params!["[]", 50], |r| r.get::<_, String>(3))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?.join("\n"))
    }
}
