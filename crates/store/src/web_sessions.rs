//! The sessions of the web admin center (a management account) and of the Voice Mail page (a
//! user, for their own mailbox), each kept as the digest of its session id, in tables of their own.
//!
//! A session has two ends: `expires_at`, fixed when it starts, and `idle_until`, which each use
//! moves forward. Checking a session and moving its idle end are one statement, so that nodes
//! sharing the database agree on it. Ended sessions are deleted with the expired API tokens.

use umpin_domain::{Guid, Mailbox, ManagementAccount, Timestamp};

use crate::accounts::{AccountRow, account_columns};
use crate::rows::{guid_text, micros, parse_guid};
use crate::{Database, StoreError, Tx};

/// The two kinds of session, each in a table of its own so that neither can pass for the other:
/// the admin center's, of a management account, and the Voice Mail page's, of a mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sessions {
    AdminCenter,
    VoiceMail,
}

impl Sessions {
    /// Inserts a session: digest, owner's guid, start, idle end, absolute end.
    fn insert(self) -> &'static str {
        match self {
            Sessions::AdminCenter => {
                "INSERT INTO web_sessions (digest, account, created_at, idle_until, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)"
            }
            Sessions::VoiceMail => {
                "INSERT INTO voice_mail_sessions (digest, mailbox, created_at, idle_until, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)"
            }
        }
    }

    fn delete(self) -> &'static str {
        match self {
            Sessions::AdminCenter => "DELETE FROM web_sessions WHERE digest = $1",
            Sessions::VoiceMail => "DELETE FROM voice_mail_sessions WHERE digest = $1",
        }
    }

    /// Moves a session's idle end (never past its absolute end) if it is neither idle nor
    /// expired at `$2`, returning its owner's guid.
    fn touch(self) -> &'static str {
        match self {
            Sessions::AdminCenter => {
                "UPDATE web_sessions SET idle_until = CASE WHEN $3 < expires_at THEN $3 ELSE expires_at END \
                 WHERE digest = $1 AND idle_until > $2 AND expires_at > $2 RETURNING account"
            }
            Sessions::VoiceMail => {
                "UPDATE voice_mail_sessions SET idle_until = CASE WHEN $3 < expires_at THEN $3 ELSE expires_at END \
                 WHERE digest = $1 AND idle_until > $2 AND expires_at > $2 RETURNING mailbox"
            }
        }
    }

    fn delete_ended(self) -> &'static str {
        match self {
            Sessions::AdminCenter => "DELETE FROM web_sessions WHERE idle_until <= $1 OR expires_at <= $1",
            Sessions::VoiceMail => "DELETE FROM voice_mail_sessions WHERE idle_until <= $1 OR expires_at <= $1",
        }
    }
}

impl Tx {
    /// Stores a new session's digest for `owner`: a management account of the admin center, a
    /// mailbox of the Voice Mail page.
    pub async fn insert_session(
        &mut self,
        sessions: Sessions,
        digest: &[u8],
        owner: Guid,
        created_at: Timestamp,
        idle_until: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(sessions.insert())
                .bind(digest.to_vec())
                .bind(guid_text(owner))
                .bind(micros(created_at))
                .bind(micros(idle_until))
                .bind(micros(expires_at))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Ends one session; `false` when there was none.
    pub async fn delete_session(&mut self, sessions: Sessions, digest: &[u8]) -> Result<bool, StoreError> {
        let deleted = on_conn!(self.conn(), c => {
            sqlx::query(sessions.delete()).bind(digest.to_vec()).execute(&mut *c).await?.rows_affected()
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

    /// The owner's guid of a session that is neither idle nor expired at `now`, after moving its
    /// idle end to `idle_until` (never past its absolute end).
    async fn use_session(
        &mut self,
        sessions: Sessions,
        digest: &[u8],
        now: Timestamp,
        idle_until: Timestamp,
    ) -> Result<Option<Guid>, StoreError> {
        let owner: Option<String> = on_conn!(self.conn(), c => {
            sqlx::query_scalar(sessions.touch())
                .bind(digest.to_vec())
                .bind(micros(now))
                .bind(micros(idle_until))
                .fetch_optional(&mut *c)
                .await?
        });
        owner.map(|guid| parse_guid(&guid)).transpose()
    }

    /// The enabled account of an admin center session that is neither idle nor expired at
    /// `now`, after moving its idle end to `idle_until` (never past its absolute end).
    pub async fn use_web_session(
        &mut self,
        digest: &[u8],
        now: Timestamp,
        idle_until: Timestamp,
    ) -> Result<Option<ManagementAccount>, StoreError> {
        let Some(account) = self.use_session(Sessions::AdminCenter, digest, now, idle_until).await? else {
            return Ok(None);
        };
        let row: Option<AccountRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", account_columns!(), " FROM management_accounts a WHERE a.guid = $1 AND NOT a.disabled"
            ))
            .bind(guid_text(account))
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(AccountRow::into_account).transpose()
    }

    /// The mailbox of a Voice Mail session that is neither idle nor expired at `now`, after
    /// moving its idle end to `idle_until` (never past its absolute end).
    pub async fn use_voice_mail_session(
        &mut self,
        digest: &[u8],
        now: Timestamp,
        idle_until: Timestamp,
    ) -> Result<Option<Mailbox>, StoreError> {
        match self.use_session(Sessions::VoiceMail, digest, now, idle_until).await? {
            Some(mailbox) => self.mailbox(mailbox).await,
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
        for sessions in [Sessions::AdminCenter, Sessions::VoiceMail] {
            deleted += on_conn!(pooled.conn(), c => {
                sqlx::query(sessions.delete_ended()).bind(micros(now)).execute(&mut *c).await?.rows_affected()
            });
        }
        Ok(deleted)
    }
}
