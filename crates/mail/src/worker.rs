//! The outbox worker: takes due messages in small batches, sends each, and reports each one
//! delivered or failed to the service, which deletes it or schedules its next attempt.
//!
//! A pass claims at most [`BATCH`] messages for a lease long enough to send them all at the
//! longest timeout, so no other node takes them meanwhile. A failure of the way out (no
//! connection, a timeout) ends the pass: the messages not yet tried are handed back untouched
//! rather than counted as failed without having been tried, and the server is not hammered.

use std::future::Future;
use std::time::Duration;

use lettre::message::Mailbox;
use tokio::sync::watch;
use umpin_service::{DueMessage, Service, ServiceError};

use crate::config::{MailConfig, MailConfigError};
use crate::sender::Sender;

/// The most messages one pass claims.
const BATCH: u32 = 10;
/// How often [`OutboxWorker::run`] looks for due messages, unless told otherwise.
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Delivers the outbox of one [`Service`] through SMTP or into a pickup directory.
pub struct OutboxWorker {
    service: Service,
    from: Mailbox,
    sender: Sender,
    poll_interval: Duration,
}

impl std::fmt::Debug for OutboxWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxWorker")
            .field("from", &self.from.to_string())
            .field("to", &self.sender.describe())
            .field("poll_interval", &self.poll_interval)
            .finish()
    }
}

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Sent and deleted from the outbox.
    pub delivered: usize,
    /// Tried and failed (or unreadable with this server's keys): each waits for its next attempt.
    pub failed: usize,
    /// Claimed but handed back untried, due again at once: after a failure of the way out, or
    /// when the worker was stopping.
    pub released: usize,
}

impl OutboxWorker {
    /// A worker for `config`, or `None` when delivery is off (neither SMTP nor a pickup directory
    /// is set: messages wait in the outbox). Reads the SMTP password file; connects to nothing.
    pub fn new(service: Service, config: &MailConfig) -> Result<Option<OutboxWorker>, MailConfigError> {
        Ok(config.delivery()?.map(|(from, sender)| OutboxWorker {
            service,
            from,
            sender,
            poll_interval: DEFAULT_POLL_INTERVAL,
        }))
    }

    /// The same worker, looking for due messages every `interval` in [`OutboxWorker::run`]
    /// instead of every 2 s.
    pub fn poll_every(self, interval: Duration) -> Self {
        OutboxWorker { poll_interval: interval, ..self }
    }

    /// One pass: claims up to 10 due messages and delivers them. Fails only when the database
    /// does; a message that can't be delivered is recorded as failed and logged.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, ServiceError> {
        self.pass(None).await
    }

    /// Delivers until `shutdown` completes: a pass every poll interval, or at once after a pass
    /// that found work. On shutdown the message being sent is finished (bounded by the SMTP
    /// timeout) and its outcome recorded; the others of its batch are handed back for the next
    /// start or another node. Errors are logged, never returned.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let (stop, stopping) = watch::channel(false);
        let signal = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let work = async {
            tracing::info!(from = %self.from, "delivering queued e-mail to {}", self.sender.describe());
            while !*stopping.borrow() {
                let busy = match self.pass(Some(&stopping)).await {
                    Ok(report) => {
                        if report != DeliveryReport::default() {
                            tracing::debug!(?report, "outbox pass");
                        }
                        // A full batch delivered: there may be more due right away.
                        report.delivered + report.failed == BATCH as usize
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "the outbox can't be read; delivery is tried again shortly");
                        false
                    }
                };
                if !busy {
                    let mut stopping = stopping.clone();
                    tokio::select! {
                        _ = stopping.wait_for(|stop| *stop) => {}
                        () = tokio::time::sleep(self.poll_interval) => {}
                    }
                }
            }
            tracing::info!("e-mail delivery stopped");
        };
        tokio::join!(signal, work);
    }

    /// Long enough to send a whole batch at the longest timeout, with time to spare.
    fn lease(&self) -> Duration {
        self.sender.timeout().saturating_mul(BATCH + 1)
    }

    async fn pass(&self, stopping: Option<&watch::Receiver<bool>>) -> Result<DeliveryReport, ServiceError> {
        let due = self.service.claim_due_messages(BATCH, self.lease()).await?;
        let mut report = DeliveryReport { failed: due.unreadable, ..DeliveryReport::default() };
        let mut messages = due.messages.into_iter();
        while let Some(message) = messages.next() {
            let (id, kind, attempts) = (message.id, message.kind, message.attempts.saturating_add(1));
            match self.sender.send(&self.from, &message).await {
                Ok(()) => {
                    report.delivered += 1;
                    let recipient = message.recipient.clone();
                    if self.service.message_delivered(message).await? {
                        tracing::info!(message_id = %id, %kind, %recipient, attempts, "e-mail delivered");
                    } else {
                        tracing::warn!(
                            message_id = %id,
                            %kind,
                            "e-mail delivered after this node's claim ran out: another node may send it again"
                        );
                    }
                }
                Err(failure) => {
                    report.failed += 1;
                    match self.service.message_failed(message, &failure.text).await? {
                        Some(next) => tracing::warn!(
                            message_id = %id,
                            %kind,
                            attempts,
                            next_attempt = %next,
                            error = %failure.text,
                            "an e-mail couldn't be delivered; it stays queued and is tried again"
                        ),
                        None => tracing::warn!(
                            message_id = %id,
                            %kind,
                            error = %failure.text,
                            "an e-mail couldn't be delivered, and another node has taken it meanwhile"
                        ),
                    }
                    if failure.ends_pass {
                        report.released += self.release(messages).await?;
                        break;
                    }
                }
            }
            if stopping.is_some_and(|stopping| *stopping.borrow()) {
                report.released += self.release(messages).await?;
                break;
            }
        }
        Ok(report)
    }

    /// Hands claimed messages back untried; returns how many.
    async fn release(&self, messages: impl Iterator<Item = DueMessage>) -> Result<usize, ServiceError> {
        let mut released = 0;
        for message in messages {
            self.service.release_message(message).await?;
            released += 1;
        }
        Ok(released)
    }
}
