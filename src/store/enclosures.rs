//! The enclosures of each article (podcast episodes, videos), kept beside the article like its
//! body and gone with it. One row per article that has any, the list as JSON: an item's
//! enclosures are read and written together, never queried one by one.

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::Enclosure;

/// Keeps `list` as article `id`'s enclosures. `existing`: the article was cached before, so an
/// empty list may have to remove a stored one. Writes nothing when the stored list is the same.
pub(super) fn write(
    tx: &Connection,
    id: i64,
    list: &[Enclosure],
    existing: bool,
) -> rusqlite::Result<()> {
    if list.is_empty() {
        if existing {
            tx.prepare_cached("DELETE FROM article_enclosures WHERE article = ?1")?
                .execute([id])?;
        }
        return Ok(());
    }
    let json = serde_json::to_string(list)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    tx.prepare_cached(
        "INSERT INTO article_enclosures (article, list) VALUES (?1, ?2)
         ON CONFLICT (article) DO UPDATE SET list = excluded.list
         WHERE list IS NOT excluded.list",
    )?
    .execute(params![id, json])?;
    Ok(())
}

/// Article `id`'s enclosures, in the feed's order (none if it has none). A row this build cannot
/// read (written by a newer newsroom) counts as none rather than failing the article.
pub(super) fn of(conn: &Connection, id: i64) -> rusqlite::Result<Vec<Enclosure>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT list FROM article_enclosures WHERE article = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(json
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default())
}
