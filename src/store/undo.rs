//! Undoing "mark the publication read": the articles it changed become unread again, by id,
//! so articles that arrived since, or were read before, are left as they are.

use rusqlite::params;

use super::{Store, StoreError};

impl Store {
    /// Marks these articles unread (those retention dropped meanwhile are simply gone), in one
    /// transaction; the unread counts follow through the triggers.
    pub fn mark_unread(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut stmt =
                tx.prepare_cached("UPDATE articles SET read = 0 WHERE id = ?1 AND read <> 0")?;
            for id in ids {
                // Stamped one by one, later than the watermark `A` left, so that sync carries
                // the undo too.
                if stmt.execute(params![id])? > 0 {
                    super::sync::stamp_article(&tx, *id, super::sync::Field::Read, false)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}
