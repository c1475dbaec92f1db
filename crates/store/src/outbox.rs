//! The outbox (SPEC §6): e-mail written in the transaction of the operation that caused it and
//! delivered later, so that no operation waits on or fails with the mail server. The body is
//! sealed before it gets here (it may hold a PIN); storage never sees it in the clear.

use std::fmt;
use std::str::FromStr;

use umpin_domain::{Guid, Timestamp};

use crate::error::unreadable;
use crate::rows::{guid_text, micros, parse_guid, timestamp};
use crate::{StoreError, Tx};

/// What a queued message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// The welcome message of `Enable-UMMailbox`, with the PIN.
    Welcome,
    /// A PIN reset by an administrator or after failed sign-ins, with the new PIN.
    PinReset,
    /// The lockout notice, without a PIN.
    Lockout,
}

impl MessageKind {
    /// The name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Welcome => "welcome",
            MessageKind::PinReset => "pin_reset",
            MessageKind::Lockout => "lockout",
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
                "SELECT id, kind, recipient, sealed_body, created_at FROM outbox \
                 WHERE delivered_at IS NULL ORDER BY created_at, id",
            )
            .fetch_all(&mut *c)
            .await?
        });
        rows.into_iter().map(OutboxRow::into_message).collect()
    }
}
