//! Failed voice sign-ins counted per source across mailboxes, and the sources refused for a
//! cool-down (SPEC §3.3a). The counts live in the database, so every node counts together.
//!
//! A source is a caller ID (`caller-id:DIGITS`) or, for calls without one, the account that
//! started them (`account:NAME`); a target is what a sign-in tried: a mailbox, or an extension
//! no UM mailbox has. One row per source and target holds the latest failure, so the distinct
//! targets a source failed on within the window are one count.

use umpin_domain::Timestamp;

use crate::rows::{micros, narrow, timestamp};
use crate::{StoreError, Tx};

/// A source refused for a cool-down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SprayBlock {
    pub source: String,
    pub blocked_at: Timestamp,
    pub blocked_until: Timestamp,
    /// The distinct targets of its failures within the window when it was blocked.
    pub targets: u32,
}

#[derive(sqlx::FromRow)]
struct BlockRow {
    source: String,
    blocked_at: i64,
    blocked_until: i64,
    targets: i64,
}

impl BlockRow {
    fn into_block(self) -> Result<SprayBlock, StoreError> {
        Ok(SprayBlock {
            source: self.source,
            blocked_at: timestamp(self.blocked_at)?,
            blocked_until: timestamp(self.blocked_until)?,
            targets: narrow(self.targets, "a count of targets")?,
        })
    }
}

impl Tx {
    /// Counts a failed sign-in of `source` on `target` at `now`, forgetting the source's failures
    /// from before `window_start`, and returns the distinct targets it failed on since then.
    pub async fn count_source_failure(
        &mut self,
        source: &str,
        target: &str,
        now: Timestamp,
        window_start: Timestamp,
    ) -> Result<u32, StoreError> {
        let count: i64 = on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM voice_source_failures WHERE source = $1 AND failed_at < $2")
                .bind(source.to_owned())
                .bind(micros(window_start))
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO voice_source_failures (source, target, failed_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (source, target) DO UPDATE SET failed_at = $3",
            )
            .bind(source.to_owned())
            .bind(target.to_owned())
            .bind(micros(now))
            .execute(&mut *c)
            .await?;
            sqlx::query_scalar("SELECT count(*) FROM voice_source_failures WHERE source = $1")
                .bind(source.to_owned())
                .fetch_one(&mut *c)
                .await?
        });
        narrow(count, "a count of targets")
    }

    /// Refuses `source` from `now` until `until`; `false` (and nothing changes) when a block of
    /// it is already in force, so that a block is reported once.
    pub async fn block_source(
        &mut self,
        source: &str,
        now: Timestamp,
        until: Timestamp,
        targets: u32,
    ) -> Result<bool, StoreError> {
        let changed = on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO voice_source_blocks (source, blocked_at, blocked_until, targets) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (source) DO UPDATE SET blocked_at = $2, blocked_until = $3, targets = $4 \
                 WHERE voice_source_blocks.blocked_until <= $2",
            )
            .bind(source.to_owned())
            .bind(micros(now))
            .bind(micros(until))
            .bind(i64::from(targets))
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// The block of `source` in force at `now`, if any.
    pub async fn source_block(&mut self, source: &str, now: Timestamp) -> Result<Option<SprayBlock>, StoreError> {
        let row: Option<BlockRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "SELECT source, blocked_at, blocked_until, targets FROM voice_source_blocks \
                 WHERE source = $1 AND blocked_until > $2",
            )
            .bind(source.to_owned())
            .bind(micros(now))
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(BlockRow::into_block).transpose()
    }

    /// Every block in force at `now`, by source.
    pub async fn source_blocks(&mut self, now: Timestamp) -> Result<Vec<SprayBlock>, StoreError> {
        let rows: Vec<BlockRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "SELECT source, blocked_at, blocked_until, targets FROM voice_source_blocks \
                 WHERE blocked_until > $1 ORDER BY source",
            )
            .bind(micros(now))
            .fetch_all(&mut *c)
            .await?
        });
        rows.into_iter().map(BlockRow::into_block).collect()
    }

    /// Lifts the block of `source` and forgets its failures; whether a block was in force at
    /// `now`.
    pub async fn clear_source_block(&mut self, source: &str, now: Timestamp) -> Result<bool, StoreError> {
        let lifted = on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM voice_source_failures WHERE source = $1")
                .bind(source.to_owned())
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM voice_source_blocks WHERE source = $1 AND blocked_until > $2")
                .bind(source.to_owned())
                .bind(micros(now))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(lifted == 1)
    }
}
