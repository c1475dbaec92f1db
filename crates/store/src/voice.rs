//! Calls to voice access and recorded names (SPEC §3).
//!
//! A call is kept in the database, not in a node's memory, so that each request of a call may
//! reach any node. Its id is stored only as a digest, and a call is found only together with the
//! account that started it and only until it expires. Each sign-in attempt within a call is
//! reserved by one atomic statement before its PIN is evaluated, as the attempts of a mailbox
//! are, so that however many attempts run at once, no more than the call allows are evaluated.
//! A signed-in call keeps the version of the PIN data it signed in with: its rights last only
//! while that version is current.

use umpin_domain::{Guid, Timestamp};

use crate::rows::{guid_text, micros, narrow, parse_guid, timestamp};
use crate::{Database, StoreError, Tx};

/// A call in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceCall {
    /// The SHA-256 digest of the call's id.
    pub digest: Vec<u8>,
    /// The name of the account that started the call.
    pub account: String,
    /// The digits of the caller's number, when the front end gave one.
    pub caller_id: Option<String>,
    pub dial_plan: Guid,
    /// The caller's mailbox, once caller ID or a sign-in found it.
    pub mailbox: Option<Guid>,
    /// Whether the caller signed in to `mailbox`.
    pub signed_in: bool,
    /// The version of the mailbox's PIN data the caller signed in with (see `PinRecord`).
    pub pin_version: Option<i64>,
    /// Failed sign-ins within this call, and attempts being evaluated.
    pub failures: u32,
    pub started_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct CallRow {
    digest: Vec<u8>,
    account: String,
    caller_id: Option<String>,
    dial_plan: String,
    mailbox: Option<String>,
    signed_in: bool,
    pin_version: Option<i64>,
    failures: i64,
    started_at: i64,
    expires_at: i64,
}

impl CallRow {
    fn into_call(self) -> Result<VoiceCall, StoreError> {
        Ok(VoiceCall {
            digest: self.digest,
            account: self.account,
            caller_id: self.caller_id,
            dial_plan: parse_guid(&self.dial_plan)?,
            mailbox: self.mailbox.as_deref().map(parse_guid).transpose()?,
            signed_in: self.signed_in,
            pin_version: self.pin_version,
            failures: narrow(self.failures, "a failure count")?,
            started_at: timestamp(self.started_at)?,
            expires_at: timestamp(self.expires_at)?,
        })
    }
}

/// A mailbox's recorded name; `audio` is `None` when the caller skipped recording it.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedName {
    /// The media type and the bytes of the recording.
    pub audio: Option<(String, Vec<u8>)>,
    pub recorded_at: Timestamp,
}

impl std::fmt::Debug for RecordedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordedName")
            .field("content_type", &self.audio.as_ref().map(|(t, _)| t))
            .field("bytes", &self.audio.as_ref().map(|(_, a)| a.len()))
            .field("recorded_at", &self.recorded_at)
            .finish()
    }
}

impl Tx {
    /// Stores a new call.
    pub async fn insert_voice_call(&mut self, call: &VoiceCall) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO voice_calls (digest, account, dial_plan, mailbox, signed_in, failures, started_at, \
                 expires_at, pin_version, caller_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(call.digest.clone())
            .bind(call.account.clone())
            .bind(guid_text(call.dial_plan))
            .bind(call.mailbox.map(guid_text))
            .bind(call.signed_in)
            .bind(i64::from(call.failures))
            .bind(micros(call.started_at))
            .bind(micros(call.expires_at))
            .bind(call.pin_version)
            .bind(call.caller_id.clone())
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// The call with this digest, if `account` started it and it hasn't expired at `now`.
    pub async fn voice_call(
        &mut self,
        digest: &[u8],
        account: &str,
        now: Timestamp,
    ) -> Result<Option<VoiceCall>, StoreError> {
        let row: Option<CallRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "SELECT digest, account, caller_id, dial_plan, mailbox, signed_in, pin_version, failures, started_at, \
                 expires_at \
                 FROM voice_calls WHERE digest = $1 AND account = $2 AND expires_at > $3",
            )
            .bind(digest.to_vec())
            .bind(account.to_owned())
            .bind(micros(now))
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(CallRow::into_call).transpose()
    }

    /// Reserves one sign-in attempt within the call, before its PIN is evaluated: counts it as a
    /// failure and signs the caller out, but only while fewer than `limit` failures (reserved
    /// attempts included) are counted. The new count, or `None` when the call is gone or has no
    /// attempt left.
    pub async fn reserve_call_attempt(&mut self, digest: &[u8], limit: u32) -> Result<Option<u32>, StoreError> {
        let row: Option<(i64,)> = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "UPDATE voice_calls SET failures = failures + 1, signed_in = FALSE, pin_version = NULL \
                 WHERE digest = $1 AND failures < $2 RETURNING failures",
            )
            .bind(digest.to_vec())
            .bind(i64::from(limit))
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(|(n,)| narrow(n, "a failure count")).transpose()
    }

    /// Takes back an attempt reserved by [`Tx::reserve_call_attempt`] that wasn't a failure
    /// (the PIN couldn't be evaluated).
    pub async fn release_call_attempt(&mut self, digest: &[u8]) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("UPDATE voice_calls SET failures = failures - 1 WHERE digest = $1 AND failures > 0")
                .bind(digest.to_vec())
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Records that the caller signed in to `mailbox` on the call with the PIN data at
    /// `pin_version`, and takes back the attempt reserved for it (it wasn't a failure).
    pub async fn call_signed_in(&mut self, digest: &[u8], mailbox: Guid, pin_version: i64) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE voice_calls SET mailbox = $2, signed_in = TRUE, pin_version = $3, \
                 failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END WHERE digest = $1",
            )
            .bind(digest.to_vec())
            .bind(guid_text(mailbox))
            .bind(pin_version)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// The signed-in caller changed the PIN: the call goes on with the new version.
    pub async fn call_pin_changed(&mut self, digest: &[u8], pin_version: i64) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("UPDATE voice_calls SET pin_version = $2 WHERE digest = $1 AND signed_in")
                .bind(digest.to_vec())
                .bind(pin_version)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Ends a call; `false` when there was no such call.
    pub async fn delete_voice_call(&mut self, digest: &[u8]) -> Result<bool, StoreError> {
        let deleted = on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM voice_calls WHERE digest = $1")
                .bind(digest.to_vec())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// Sets the mailbox's recorded name: audio with its media type, or `None` for a recording the
    /// caller skipped.
    pub async fn put_recorded_name(
        &mut self,
        mailbox: Guid,
        audio: Option<(&str, &[u8])>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (content_type, audio) = audio.map(|(t, a)| (t.to_owned(), a.to_vec())).unzip();
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO recorded_names (mailbox, content_type, audio, recorded_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (mailbox) DO UPDATE SET content_type = excluded.content_type, audio = excluded.audio, \
                 recorded_at = excluded.recorded_at",
            )
            .bind(guid_text(mailbox))
            .bind(content_type)
            .bind(audio)
            .bind(micros(now))
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// The mailbox's recorded name, if it has one (or skipped it).
    pub async fn recorded_name(&mut self, mailbox: Guid) -> Result<Option<RecordedName>, StoreError> {
        let row: Option<(Option<String>, Option<Vec<u8>>, i64)> = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT content_type, audio, recorded_at FROM recorded_names WHERE mailbox = $1")
                .bind(guid_text(mailbox))
                .fetch_optional(&mut *c)
                .await?
        });
        row.map(|(content_type, audio, recorded_at)| {
            Ok(RecordedName { audio: content_type.zip(audio), recorded_at: timestamp(recorded_at)? })
        })
        .transpose()
    }

    /// Forgets the mailbox's recorded name (when it is disabled for Unified Messaging).
    pub async fn delete_recorded_name(&mut self, mailbox: Guid) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM recorded_names WHERE mailbox = $1")
                .bind(guid_text(mailbox))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}

impl Database {
    /// Ends a call of `account`'s (the caller hung up), live or expired, in one statement;
    /// `false` when `account` has no such call.
    pub async fn end_voice_call(&self, digest: &[u8], account: &str) -> Result<bool, StoreError> {
        let mut pooled = self.acquire().await?;
        let deleted = on_conn!(pooled.conn(), c => {
            sqlx::query("DELETE FROM voice_calls WHERE digest = $1 AND account = $2")
                .bind(digest.to_vec())
                .bind(account.to_owned())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// Forgets every call that expired at `now` (none can go on: keeping it serves nothing) and
    /// returns how many, in one statement.
    pub async fn delete_expired_voice_calls(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut pooled = self.acquire().await?;
        let deleted = on_conn!(pooled.conn(), c => {
            sqlx::query("DELETE FROM voice_calls WHERE expires_at <= $1")
                .bind(micros(now))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(deleted)
    }
}
