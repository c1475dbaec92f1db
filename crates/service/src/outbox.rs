//! Outbox delivery, the service side (SPEC §6): what the delivery worker calls to take due
//! messages, open them, and report each one delivered (the message is deleted: SPEC §5 keeps no
//! PIN-bearing mail once sent) or failed (it is tried again later, never dropped).
//!
//! These are the server's own operations, not an administrator's: they take no [`Principal`] and
//! leave no audit record. The claim behind them (see `umpin_store`'s outbox) lets any number of
//! nodes deliver from one database and still send each message once, short of a node that loses
//! its lease in the middle of a delivery.
//!
//! A failed attempt waits 30 s, then twice as long after each further failure, up to an hour
//! ([`retry_delay`]): a mail server that is down for a while is not hammered, and a message is
//! still tried every hour for as long as it takes.
//!
//! [`Principal`]: crate::Principal

use std::fmt;
use std::time::Duration;

use umpin_domain::{Guid, Timestamp};
use umpin_store::{Claim, ClaimedMessage};
use zeroize::Zeroizing;

use crate::{MessageKind, Service, ServiceError};

/// The wait after the first failed attempt.
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(30);
/// The longest wait between two attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(60 * 60);

/// A queued message claimed for delivery and opened: what goes into the e-mail.
pub struct DueMessage {
    pub id: Guid,
    pub kind: MessageKind,
    pub recipient: String,
    pub subject: String,
    /// The plain-text body; it may hold a PIN, so it is wiped when dropped and never shown by
    /// `Debug`.
    pub body: Zeroizing<String>,
    /// The failed attempts before this one.
    pub attempts: u32,
    /// Until when no other node takes the message.
    pub claimed_until: Timestamp,
    claim: Claim,
}

impl fmt::Debug for DueMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DueMessage")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("recipient", &self.recipient)
            .field("subject", &self.subject)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("attempts", &self.attempts)
            .field("claimed_until", &self.claimed_until)
            .finish()
    }
}

/// What one claim took.
#[derive(Debug, Default)]
pub struct DueMessages {
    /// The messages to deliver now, oldest first.
    pub messages: Vec<DueMessage>,
    /// Messages this server's keys can't open (a replaced or incomplete key file): each is
    /// already recorded as a failed attempt, and logged, so it waits and is tried again.
    pub unreadable: usize,
}

/// How long a message waits after its `attempts`-th failed attempt (counting from 1): 30 s,
/// doubling with each further failure, at most an hour.
pub fn retry_delay(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(16);
    FIRST_RETRY_DELAY.saturating_mul(1 << doublings).min(MAX_RETRY_DELAY)
}

impl Service {
    /// Claims up to `limit` due messages for `lease` (no other node takes them meanwhile; make it
    /// longer than delivering them can take) and opens them. A message that can't be opened is
    /// recorded as failed here, and counted in [`DueMessages::unreadable`].
    pub async fn claim_due_messages(&self, limit: u32, lease: Duration) -> Result<DueMessages, ServiceError> {
        let now = self.now();
        let until = now.saturating_add(lease).unwrap_or(Timestamp::MAX);
        let claimed = self.db.claim_due_messages(now, until, limit).await?;
        let mut due = DueMessages::default();
        for claimed in claimed {
            match self.open_claimed(&claimed) {
                Some((subject, body)) => due.messages.push(DueMessage {
                    id: claimed.message.id,
                    kind: claimed.message.kind,
                    recipient: claimed.message.recipient,
                    subject,
                    body,
                    attempts: claimed.attempts,
                    claimed_until: claimed.claimed_until,
                    claim: claimed.claim,
                }),
                None => {
                    due.unreadable += 1;
                    let attempts = claimed.attempts.saturating_add(1);
                    let next = self.next_attempt(attempts);
                    tracing::error!(
                        message_id = %claimed.message.id,
                        kind = %claimed.message.kind,
                        attempts,
                        next_attempt = %next,
                        "a queued e-mail can't be opened with this server's keys; it stays queued. \
                         Check that every server uses the same, complete key file."
                    );
                    let error = umpin_crypto::CryptoError::MessageUnreadable.to_string();
                    self.db.record_failed_delivery(claimed.message.id, claimed.claim, next, &error).await?;
                }
            }
        }
        Ok(due)
    }

    /// Reports a message delivered: it is deleted. `false` when this node's claim was lost (its
    /// lease ran out and another node took the message, which may then be sent twice): make the
    /// lease longer.
    pub async fn message_delivered(&self, message: DueMessage) -> Result<bool, ServiceError> {
        Ok(self.db.delete_delivered_message(message.id, message.claim).await?)
    }

    /// Reports a failed attempt with the mail server's answer (`error`: never the message text):
    /// the message waits [`retry_delay`] and is tried again. Returns when, or `None` when this
    /// node's claim was lost (another node has the message now).
    pub async fn message_failed(&self, message: DueMessage, error: &str) -> Result<Option<Timestamp>, ServiceError> {
        let next = self.next_attempt(message.attempts.saturating_add(1));
        let recorded = self.db.record_failed_delivery(message.id, message.claim, next, error).await?;
        Ok(recorded.then_some(next))
    }

    /// Hands a message back untried (the worker is stopping): it is due again at once, for any
    /// node. `false` when this node's claim was lost.
    pub async fn release_message(&self, message: DueMessage) -> Result<bool, ServiceError> {
        Ok(self.db.release_message(message.id, message.claim).await?)
    }

    /// How many messages wait for delivery (for metrics and health checks).
    pub async fn outbox_depth(&self) -> Result<u64, ServiceError> {
        Ok(self.db.outbox_depth().await?)
    }

    /// When to try a message again after its `attempts`-th failure.
    fn next_attempt(&self, attempts: u32) -> Timestamp {
        self.now().saturating_add(retry_delay(attempts)).unwrap_or(Timestamp::MAX)
    }

    /// The subject and body of a claimed message, or `None` when it can't be opened or isn't in
    /// the form it was sealed in (`Subject: …`, a blank line, the body).
    fn open_claimed(&self, claimed: &ClaimedMessage) -> Option<(String, Zeroizing<String>)> {
        let plaintext = self.open_message(&claimed.message).ok()?;
        let text = std::str::from_utf8(&plaintext).ok()?;
        let (subject, body) = text.strip_prefix("Subject: ")?.split_once("\n\n")?;
        // A line break in the subject would let it add headers of its own.
        if subject.contains(['\r', '\n']) {
            return None;
        }
        Some((subject.to_owned(), Zeroizing::new(body.to_owned())))
    }
}
