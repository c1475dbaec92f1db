//! The outbox (SPEC §6): e-mail written in the transaction of the operation that caused it and
//! delivered later, so that no operation waits on or fails with the mail server. The body is
//! sealed before it gets here (it may hold a PIN); storage never sees it in the clear.
//!
//! Delivery goes by claims, so that any number of nodes on one database can deliver at once and
//! still send each message once: [`Database::claim_due_messages`] takes due messages for a lease in
//! one statement and tags them with a random [`Claim`]; only the holder of that claim may then
//! delete the message once delivered ([`Database::delete_delivered_message`]), record a failed
//! attempt ([`Database::record_failed_delivery`]) or hand the message back untried
//! ([`Database::release_message`]). A node that dies mid-delivery leaves its claim to run out, and
//! another node takes the message again; a node that was too slow finds its claim gone and acts on
//! nothing. These statements commit on their own (outside any [`Tx`]): a claim must be seen by
//! every node at once.

use std::fmt;
use std::str::FromStr;

use umpin_domain::{Guid, Timestamp};

use crate::error::unreadable;
use crate::rows::{guid_text, micros, narrow, parse_guid, timestamp};
use crate::{Database, StoreError, Tx};

/// The most characters of a mail server's answer kept as the last error of a message.
pub const MAX_DELIVERY_ERROR_CHARS: usize = 1000;

/// What a queued message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// The welcome message of `Enable-UMMailbox`, with the PIN.
    Welcome,
    /// A PIN reset by an administrator or after failed sign-ins, with the new PIN.
    PinReset,
    /// The lockout notice, without a PIN.
    Lockout,
    /// The alert to the security address that a source of voice sign-ins was blocked for
    /// spraying PINs, without a PIN.
    SprayAlert,
}

impl MessageKind {
    /// The name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Welcome => "welcome",
            MessageKind::PinReset => "pin_reset",
            MessageKind::Lockout => "lockout",
            MessageKind::SprayAlert => "spray_alert",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageKind {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        match s {
            "welcome" => Ok(MessageKind::Welcome),
            "pin_reset" => Ok(MessageKind::PinReset),
            "lockout" => Ok(MessageKind::Lockout),
            "spray_alert" => Ok(MessageKind::SprayAlert),
            _ => Err(unreadable("a message kind")),
        }
    }
}

/// A message in the outbox.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: Guid,
    pub kind: MessageKind,
    pub recipient: String,
    /// Subject and body, sealed (bound to `id`).
    pub sealed_body: Vec<u8>,
    pub created_at: Timestamp,
}

impl fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("recipient", &self.recipient)
            .field("sealed_body", &format_args!("<{} bytes>", self.sealed_body.len()))
            .field("created_at", &self.created_at)
            .finish()
    }
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: String,
    kind: String,
    recipient: String,
    sealed_body: Vec<u8>,
    created_at: i64,
}

impl OutboxRow {
    fn into_message(self) -> Result<OutboxMessage, StoreError> {
        Ok(OutboxMessage {
            id: parse_guid(&self.id)?,
            kind: self.kind.parse()?,
            recipient: self.recipient,
            sealed_body: self.sealed_body,
            created_at: timestamp(self.created_at)?,
        })
    }
}

impl Tx {
    /// Queues a message, due at once; it is sent only if the transaction commits.
    pub async fn enqueue_message(&mut self, message: &OutboxMessage) -> Result<(), StoreError> {
        let m = message;
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO outbox (id, kind, recipient, sealed_body, created_at, attempts, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, 0, $5)",
            )
            .bind(guid_text(m.id))
            .bind(m.kind.as_str())
            .bind(m.recipient.clone())
            .bind(m.sealed_body.clone())
            .bind(micros(m.created_at))
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Every message not yet delivered, oldest first.
    pub async fn outbox_messages(&mut self) -> Result<Vec<OutboxMessage>, StoreError> {
        let rows: Vec<OutboxRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "SELECT id, kind, recipient, sealed_body, created_at FROM outbox ORDER BY created_at, id",
            )
            .fetch_all(&mut *c)
            .await?
        });
        rows.into_iter().map(OutboxRow::into_message).collect()
    }
}

/// One claim on queued messages, by one node, for one lease: a random token stored with the
/// messages it took. Only its holder records what became of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Claim(Guid);

/// A queued message claimed for delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedMessage {
    pub message: OutboxMessage,
    /// The failed attempts before this one.
    pub attempts: u32,
    /// The claim under which to record the outcome.
    pub claim: Claim,
    /// Until when no other node takes the message; after that the claim may be lost.
    pub claimed_until: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: String,
    kind: String,
    recipient: String,
    sealed_body: Vec<u8>,
    created_at: i64,
    attempts: i64,
    claimed_until: i64,
}

impl ClaimedRow {
    fn into_claimed(self, claim: Claim) -> Result<ClaimedMessage, StoreError> {
        Ok(ClaimedMessage {
            attempts: narrow(self.attempts, "the delivery attempts of a message")?,
            claimed_until: timestamp(self.claimed_until)?,
            claim,
            message: OutboxRow {
                id: self.id,
                kind: self.kind,
                recipient: self.recipient,
                sealed_body: self.sealed_body,
                created_at: self.created_at,
            }
            .into_message()?,
        })
    }
}

impl Database {
    /// Claims up to `limit` messages that are due at `now` (next attempt reached) and not claimed
    /// by anyone, or whose claim ran out, until `claimed_until`; returns them oldest first.
    ///
    /// One statement, so that two nodes never hold the same message at once: on SQLite it runs
    /// under the one write lock; on PostgreSQL a node whose candidates another node is claiming at
    /// the same moment waits for that row lock, and the outer `WHERE` — evaluated again on the
    /// row as the other node left it — then finds the new claim and passes over the row.
    pub async fn claim_due_messages(
        &self,
        now: Timestamp,
        claimed_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedMessage>, StoreError> {
        let claim = Claim(Guid::new_v4());
        let mut pooled = self.acquire().await?;
        let rows: Vec<ClaimedRow> = on_conn!(pooled.conn(), c => {
            sqlx::query_as(
                "UPDATE outbox SET claimed_until = $2, claim_token = $3 \
                 WHERE next_attempt_at <= $1 \
                 AND (claimed_until IS NULL OR claimed_until <= $1) \
                 AND id IN (SELECT id FROM outbox \
                     WHERE next_attempt_at <= $1 \
                     AND (claimed_until IS NULL OR claimed_until <= $1) \
                     ORDER BY next_attempt_at, created_at, id LIMIT $4) \
                 RETURNING id, kind, recipient, sealed_body, created_at, attempts, claimed_until",
            )
            .bind(micros(now))
            .bind(micros(claimed_until))
            .bind(guid_text(claim.0))
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await?
        });
        let mut claimed = rows.into_iter().map(|row| row.into_claimed(claim)).collect::<Result<Vec<_>, _>>()?;
        // RETURNING comes in no promised order.
        claimed.sort_by_key(|m| (m.message.created_at, m.message.id));
        Ok(claimed)
    }

    /// Deletes a delivered message (SPEC §5: mail that may hold a PIN is not kept once sent), if
    /// `claim` still holds it. `false` when it doesn't (the lease ran out and another node took
    /// the message): then nothing is deleted.
    pub async fn delete_delivered_message(&self, id: Guid, claim: Claim) -> Result<bool, StoreError> {
        let mut pooled = self.acquire().await?;
        let deleted = on_conn!(pooled.conn(), c => {
            sqlx::query("DELETE FROM outbox WHERE id = $1 AND claim_token = $2")
                .bind(guid_text(id))
                .bind(guid_text(claim.0))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// Records a failed delivery attempt, if `claim` still holds the message: one more attempt,
    /// the next one not before `next_attempt_at`, the claim released, and `error` (the mail
    /// server's answer, cut to [`MAX_DELIVERY_ERROR_CHARS`]) kept as the last error. `false` when
    /// the claim was lost: then nothing changes.
    pub async fn record_failed_delivery(
        &self,
        id: Guid,
        claim: Claim,
        next_attempt_at: Timestamp,
        error: &str,
    ) -> Result<bool, StoreError> {
        let error: String = error.chars().take(MAX_DELIVERY_ERROR_CHARS).collect();
        let mut pooled = self.acquire().await?;
        let updated = on_conn!(pooled.conn(), c => {
            sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $3, \
                 claimed_until = NULL, claim_token = NULL, last_error = $4 \
                 WHERE id = $1 AND claim_token = $2",
            )
            .bind(guid_text(id))
            .bind(guid_text(claim.0))
            .bind(micros(next_attempt_at))
            .bind(error)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(updated == 1)
    }

    /// Hands a claimed message back untried (a node shutting down), if `claim` still holds it: it
    /// is due again at once for any node, its attempts unchanged. `false` when the claim was lost.
    pub async fn release_message(&self, id: Guid, claim: Claim) -> Result<bool, StoreError> {
        let mut pooled = self.acquire().await?;
        let updated = on_conn!(pooled.conn(), c => {
            sqlx::query(
                "UPDATE outbox SET claimed_until = NULL, claim_token = NULL WHERE id = $1 AND claim_token = $2",
            )
            .bind(guid_text(id))
            .bind(guid_text(claim.0))
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(updated == 1)
    }

    /// How many messages wait for delivery, due or not, claimed or not (for metrics).
    pub async fn outbox_depth(&self) -> Result<u64, StoreError> {
        let mut pooled = self.acquire().await?;
        let (depth,): (i64,) = on_conn!(pooled.conn(), c => {
            sqlx::query_as("SELECT COUNT(*) FROM outbox").fetch_one(&mut *c).await?
        });
        narrow(depth, "the outbox depth")
    }
}
