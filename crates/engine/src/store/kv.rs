//! Small key/value engine state that must survive restarts (e.g. whether
//! the engine is paused).

use rusqlite::{params, OptionalExtension};

use super::{sql, Store, StoreError};

impl Store {
    /// The value stored under `key`, if any.
    pub fn get_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT value FROM engine_state WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("read engine state"))
    }

    /// Stores `value` under `key`, replacing any previous value.
    pub fn set_state(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO engine_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(sql("write engine state"))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::test_support::store;

    #[test]
    fn state_round_trips_and_overwrites() {
        let mut s = store();
        assert_eq!(s.get_state("paused").ok(), Some(None));
        assert!(s.set_state("paused", "true").is_ok());
        assert!(s.set_state("paused", "false").is_ok());
        assert_eq!(
            s.get_state("paused").ok().flatten().as_deref(),
            Some("false")
        );
    }
}
