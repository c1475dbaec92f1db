//! What the directory sync keeps: each directory user's immutable id on the mailbox made for it,
//! when a sync found the user gone or disabled, and the result of each sync (with the entries it
//! skipped), which `Get-UMDirectorySyncStatus` shows.

use umpin_domain::directory::{LinkedMailbox, SkippedEntry};
use umpin_domain::{Guid, Mailbox, Timestamp};

use crate::mailboxes::{MailboxRow, load_mailboxes, mailbox_columns};
use crate::rows::{guid_text, micros, narrow, opt_timestamp, parse_guid, timestamp};
use crate::{StoreError, Tx};

/// The most skipped entries a sync's record keeps (its count is always whole).
pub const MAX_SKIPPED_KEPT: usize = 1000;

/// The counts of one sync.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncCounts {
    /// Entries the directory returned.
    pub read: u64,
    pub added: u64,
    pub updated: u64,
    /// Users found gone or disabled, whose grace period started.
    pub absent: u64,
    /// Mailboxes whose UM was disabled after the grace period.
    pub disabled: u64,
    /// Mailboxes UM-enabled as members of UM groups.
    pub um_enabled: u64,
    pub unchanged: u64,
    pub skipped: u64,
}

/// The result of one directory sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectorySyncRecord {
    /// Numbered from 1, one more than the sync before.
    pub id: i64,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// Who ran it.
    pub account: String,
    pub succeeded: bool,
    pub error: Option<String>,
    pub counts: SyncCounts,
    /// The first [`MAX_SKIPPED_KEPT`] skipped entries.
    pub skipped: Vec<SkippedEntry>,
}

#[derive(sqlx::FromRow)]
struct LinkedRow {
    #[sqlx(flatten)]
    mailbox: MailboxRow,
    directory_id: String,
    directory_absent_since: Option<i64>,
    um_enabled: bool,
}

#[derive(sqlx::FromRow)]
struct SyncRow {
    id: i64,
    started_at: i64,
    finished_at: i64,
    account: String,
    succeeded: bool,
    error: Option<String>,
    entries_read: i64,
    added: i64,
    updated: i64,
    absent: i64,
    disabled: i64,
    um_enabled: i64,
    unchanged: i64,
    skipped: i64,
}

#[derive(sqlx::FromRow)]
struct SkipRow {
    dn: String,
    reason: String,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Tx {
    /// Every mailbox a directory sync made, with its user's id and whether it is UM-enabled.
    pub async fn linked_mailboxes(&mut self) -> Result<Vec<LinkedMailbox>, StoreError> {
        let rows: Vec<LinkedRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", mailbox_columns!(), ", m.directory_id, m.directory_absent_since, ",
                "EXISTS (SELECT 1 FROM um_mailboxes u WHERE u.mailbox = m.guid AND u.um_enabled) AS um_enabled ",
                "FROM mailboxes m WHERE m.directory_id IS NOT NULL ORDER BY m.primary_address_key"
            ))
            .fetch_all(&mut *c)
            .await?
        });
        let mut links = Vec::with_capacity(rows.len());
        let mut mailboxes = Vec::with_capacity(rows.len());
        for row in rows {
            links.push((row.directory_id, opt_timestamp(row.directory_absent_since)?, row.um_enabled));
            mailboxes.push(row.mailbox);
        }
        let mailboxes = load_mailboxes(self.conn(), mailboxes).await?;
        Ok(links
            .into_iter()
            .zip(mailboxes)
            .map(|((id, absent_since, um_enabled), mailbox)| LinkedMailbox { id, mailbox, absent_since, um_enabled })
            .collect())
    }

    /// The mailbox a directory sync made for the directory user whose id is `directory_id`.
    pub async fn mailbox_of_directory_user(&mut self, directory_id: &str) -> Result<Option<Mailbox>, StoreError> {
        let guid: Option<String> = on_conn!(self.conn(), c => {
            sqlx::query_scalar("SELECT guid FROM mailboxes WHERE directory_id = $1")
                .bind(directory_id.to_owned())
                .fetch_optional(&mut *c)
                .await?
        });
        match guid {
            Some(guid) => self.mailbox(parse_guid(&guid)?).await,
            None => Ok(None),
        }
    }

    /// Records which directory user a mailbox was made for.
    pub async fn link_mailbox_to_directory(&mut self, mailbox: Guid, directory_id: &str) -> Result<(), StoreError> {
        let updated = on_conn!(self.conn(), c => {
            sqlx::query("UPDATE mailboxes SET directory_id = $2 WHERE guid = $1")
                .bind(guid_text(mailbox))
                .bind(directory_id.to_owned())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if updated == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Records since when the mailbox's directory user is gone or disabled (`None`: present).
    pub async fn set_directory_absent_since(
        &mut self,
        mailbox: Guid,
        since: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let updated = on_conn!(self.conn(), c => {
            sqlx::query("UPDATE mailboxes SET directory_absent_since = $2 WHERE guid = $1")
                .bind(guid_text(mailbox))
                .bind(since.map(micros))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if updated == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Marks a point the transaction can go back to ([`Tx::rollback_to_savepoint`]) without
    /// losing what came before it: one directory entry's changes are applied whole or not at all.
    pub async fn savepoint(&mut self) -> Result<(), StoreError> {
        self.execute_fixed("SAVEPOINT directory_entry").await
    }

    /// Keeps what was done since the savepoint.
    pub async fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.execute_fixed("RELEASE SAVEPOINT directory_entry").await
    }

    /// Undoes what was done since the savepoint (and leaves the transaction usable on PostgreSQL
    /// after a failed statement).
    pub async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.execute_fixed("ROLLBACK TO SAVEPOINT directory_entry").await?;
        self.release_savepoint().await
    }

    async fn execute_fixed(&mut self, sql: &'static str) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::raw_sql(sql).execute(&mut *c).await?;
        });
        Ok(())
    }

    /// Stores the result of a sync, numbered after the last one; returns its number.
    pub async fn insert_directory_sync(&mut self, record: &DirectorySyncRecord) -> Result<i64, StoreError> {
        let r = record;
        let c = &r.counts;
        let id = on_conn!(self.conn(), c2 => {
            let (last,): (Option<i64>,) =
                sqlx::query_as("SELECT MAX(id) FROM directory_syncs").fetch_one(&mut *c2).await?;
            let id = last.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO directory_syncs (id, started_at, finished_at, account, succeeded, error, entries_read, \
                 added, updated, absent, disabled, um_enabled, unchanged, skipped) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(id)
            .bind(micros(r.started_at))
            .bind(micros(r.finished_at))
            .bind(r.account.clone())
            .bind(r.succeeded)
            .bind(r.error.clone())
            .bind(count(c.read))
            .bind(count(c.added))
            .bind(count(c.updated))
            .bind(count(c.absent))
            .bind(count(c.disabled))
            .bind(count(c.um_enabled))
            .bind(count(c.unchanged))
            .bind(count(c.skipped))
            .execute(&mut *c2)
            .await?;
            for (position, skip) in r.skipped.iter().take(MAX_SKIPPED_KEPT).enumerate() {
                sqlx::query("INSERT INTO directory_sync_skips (sync, position, dn, reason) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(position as i64)
                    .bind(skip.dn.clone())
                    .bind(skip.reason.clone())
                    .execute(&mut *c2)
                    .await?;
            }
            id
        });
        Ok(id)
    }

    /// The result of the last sync, if there was one.
    pub async fn last_directory_sync(&mut self) -> Result<Option<DirectorySyncRecord>, StoreError> {
        let row: Option<SyncRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "SELECT id, started_at, finished_at, account, succeeded, error, entries_read, added, updated, \
                 absent, disabled, um_enabled, unchanged, skipped FROM directory_syncs ORDER BY id DESC LIMIT 1",
            )
            .fetch_optional(&mut *c)
            .await?
        });
        let Some(row) = row else { return Ok(None) };
        let skips: Vec<SkipRow> = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT dn, reason FROM directory_sync_skips WHERE sync = $1 ORDER BY position")
                .bind(row.id)
                .fetch_all(&mut *c)
                .await?
        });
        let n = |v: i64| narrow::<u64>(v, "a count");
        Ok(Some(DirectorySyncRecord {
            id: row.id,
            started_at: timestamp(row.started_at)?,
            finished_at: timestamp(row.finished_at)?,
            account: row.account,
            succeeded: row.succeeded,
            error: row.error,
            counts: SyncCounts {
                read: n(row.entries_read)?,
                added: n(row.added)?,
                updated: n(row.updated)?,
                absent: n(row.absent)?,
                disabled: n(row.disabled)?,
                um_enabled: n(row.um_enabled)?,
                unchanged: n(row.unchanged)?,
                skipped: n(row.skipped)?,
            },
            skipped: skips.into_iter().map(|s| SkippedEntry { dn: s.dn, reason: s.reason }).collect(),
        }))
    }
}
