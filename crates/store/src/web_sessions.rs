//! The sessions of the web admin center (a management account) and of the Voice Mail page (a
//! user, for their own mailbox), each kept as the digest of its session id, in tables of their own.
//!
//! A session has two ends: `expires_at`, fixed when it starts, and `idle_until`, which each use
//! moves forward. Checking a session and moving its idle end are one statement, so that nodes
//! sharing the database agree on it. Ended sessions are deleted with the expired API tokens.

use umpin_domain::{Guid, Mailbox, ManagementAccount, Timestamp};

use crate::accounts::AccountRow;
use crate::rows::{guid_text, micros, parse_guid};
use crate::{Database, StoreError, Tx};

impl Tx {
    /// Stores a new session's digest for `account`.
    pub async fn insert_web_session(
        &mut self,
        digest: &[u8],
        account: Guid,
        created_at: Timestamp,
        idle_until: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO web_sessions (digest, account, created_at, idle_until, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(digest.to_vec())
            .bind(guid_text(account))
            .bind(micros(created_at))
            .bind(micros(idle_until))
            .bind(micros(expires_at))
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Ends one session; `false` when there was none.
    pub async fn delete_web_session(&mut self, digest: &[u8]) -> Result<bool, StoreError> {
        let deleted = on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM web_sessions WHERE digest = $1")
                .bind(digest.to_vec())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// Ends every session of an account (after a password change, or when it is disabled).
    pub async fn delete_web_sessions(&mut self, account: Guid) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM web_sessions WHERE account = $1")
                .bind(guid_text(account))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// The enabled account of a session that is neither idle nor expired at `now`, after moving
    /// its idle end to `idle_until` (never past its absolute end).
    pub async fn use_web_session(
        &mut self,
        digest: &[u8],
        now: Timestamp,
        idle_until: Timestamp,
    ) -> Result<Option<ManagementAccount>, StoreError> {
        let account: Option<String> = on_conn!(self.conn(), c => {
            sqlx::query_scalar(
                "UPDATE web_sessions SET idle_until = CASE WHEN $3 < expires_at THEN $3 ELSE expires_at END \
                 WHERE digest = $1 AND idle_until > $2 AND expires_at > $2 RETURNING account",
            )
            .bind(digest.to_vec())
            .bind(micros(now))
            .bind(micros(idle_until))
            .fetch_optional(&mut *c)
            .await?
        });
        let Some(account) = account else { return Ok(None) };
        let rows: Vec<AccountRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "SELECT guid, name, display_name, disabled, when_created FROM management_accounts \
                 WHERE guid = $1 AND NOT disabled",
            )
            .bind(account)
            .fetch_all(&mut *c)
            .await?
        });
        Ok(self.with_role_groups(rows).await?.pop())
    }

    /// Stores a new Voice Mail session's digest for the user of `mailbox`.
    pub async fn insert_voice_mail_session(
        &mut self,
        digest: &[u8],
        mailbox: Guid,
        created_at: Timestamp,
        idle_until: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO voice_mail_sessions (digest, mailbox, created_at, idle_until, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(digest.to_vec())
            .bind(guid_text(mailbox))
            .bind(micros(created_at))
            .bind(micros(idle_until))
            .bind(micros(expires_at))
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Ends one Voice Mail session; `false` when there was none.
    pub async fn delete_voice_mail_session(&mut self, digest: &[u8]) -> Result<bool, StoreError> {
        let deleted = on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM voice_mail_sessions WHERE digest = $1")
                .bind(digest.to_vec())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// The mailbox of a Voice Mail session that is neither idle nor expired at `now`, after
    /// moving its idle end to `idle_until` (never past its absolute end).
    pub async fn use_voice_mail_session(
        &mut self,
        digest: &[u8],
        now: Timestamp,
        idle_until: Timestamp,
    ) -> Result<Option<Mailbox>, StoreError> {
        let mailbox: Option<String> = on_conn!(self.conn(), c => {
            sqlx::query_scalar(
                "UPDATE voice_mail_sessions SET idle_until = CASE WHEN $3 < expires_at THEN $3 ELSE expires_at END \
                 WHERE digest = $1 AND idle_until > $2 AND expires_at > $2 RETURNING mailbox",
            )
            .bind(digest.to_vec())
            .bind(micros(now))
            .bind(micros(idle_until))
            .fetch_optional(&mut *c)
            .await?
        });
        match mailbox {
            Some(guid) => self.mailbox(parse_guid(&guid)?).await,
            None => Ok(None),
        }
    }
}

impl Database {
    /// Deletes every session, of the admin center and of the Voice Mail page, that has ended at
    /// `now` (idle or expired) and returns how many.
    pub async fn delete_ended_web_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut pooled = self.acquire().await?;
        let mut deleted = 0;
        for statement in [
            "DELETE FROM web_sessions WHERE idle_until <= $1 OR expires_at <= $1",
            "DELETE FROM voice_mail_sessions WHERE idle_until <= $1 OR expires_at <= $1",
        ] {
            deleted += on_conn!(pooled.conn(), c => {
                sqlx::query(statement).bind(micros(now)).execute(&mut *c).await?.rows_affected()
            });
        }
        Ok(deleted)
    }
}
