//! The audit appender: one per [`Service`](crate::Service), so one per node, appending the
//! records that don't belong to a change — reads of PIN information, failed and denied actions —
//! in batches.
//!
//! A request hands its record to the appender and waits for the answer; the appender takes
//! whatever records are queued, appends them as one batch (one head update, one insert, one
//! commit and so one flush for them all: [`Database::append_audit_batch`]) and then answers each
//! request with the batch's outcome. So no read is answered before its record is durable, and a
//! read whose batch failed is answered with the failure, not with what it read; while one batch is
//! written the next one gathers, so under load a flush is shared by many requests instead of each
//! taking the write lock for its own. A change still appends its record in its own transaction
//! ([`Service::append_record`](crate::Service)), so that the two commit together.
//!
//! Batches of several nodes on one database chain one after the other: each numbers its records
//! after the head it read and moves the head only if it is still there (see the store's audit
//! module), else links them anew after the new head; `umpin_audit_batch_retries_total` counts how
//! often that happened, against the batches of `umpin_audit_batch_records`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};
use umpin_crypto::Vault;
use umpin_store::{AuditRecord, Database, StoreError};

/// The most records one batch appends: enough for every request a node has in flight.
const MAX_BATCH: usize = 512;
/// How many records may wait for the appender before a request waits to hand its own over.
const QUEUE: usize = 4096;

/// A record handed to the appender and the request waiting for it to be durable.
struct Queued {
    record: AuditRecord,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The handle of a service's appender. The task starts with the first record, on the runtime of
/// the request that hands it over, and ends when the last clone of the service is dropped.
#[derive(Clone, Default)]
pub(crate) struct Appender {
    queue: Arc<OnceLock<mpsc::Sender<Queued>>>,
}

impl Appender {
    /// Appends `record` (numbered and linked by the appender) and returns once it is durable, or
    /// with the error of its batch.
    pub(crate) async fn append(&self, db: &Database, vault: &Vault, record: AuditRecord) -> Result<(), StoreError> {
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            tokio::spawn(run(db.clone(), vault.clone(), receiver));
            sender
        });
        let (done, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the admin audit log's appender has stopped".to_owned());
        queue.send(Queued { record, done }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Appends what is queued, batch after batch, until every handle is gone.
async fn run(db: Database, vault: Vault, mut queue: mpsc::Receiver<Queued>) {
    let mut queued = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut queued, MAX_BATCH).await > 0 {
        let (mut records, waiting): (Vec<AuditRecord>, Vec<_>) = queued.drain(..).map(|q| (q.record, q.done)).unzip();
        // Linked once per attempt: again each time another node moved the head first.
        let attempts = AtomicU64::new(0);
        let link = |head: u64, head_link: &[u8], records: &mut [AuditRecord]| {
            attempts.fetch_add(1, Ordering::Relaxed);
            chain(&vault, head, head_link, records);
        };
        let result = db.append_audit_batch(&mut records, link).await;
        metrics::histogram!("umpin_audit_batch_records").record(records.len() as f64);
        metrics::counter!("umpin_audit_batch_retries_total").increment(attempts.into_inner().saturating_sub(1));
        if let Err(e) = &result {
            tracing::error!(error = %e, records = records.len(), "the admin audit log couldn't append a batch of records");
        }
        for done in waiting {
            // A request that stopped waiting (its client went away) needs no answer.
            let _ = done.send(result.clone());
        }
    }
}

/// Numbers `records` after the head `head` (whose link is `head_link`) and links each to the one
/// before under the current key.
pub(crate) fn chain(vault: &Vault, head: u64, head_link: &[u8], records: &mut [AuditRecord]) {
    let mut previous = head_link.to_vec();
    for (record, seq) in records.iter_mut().zip(head + 1..) {
        record.seq = seq;
        let (_, link) = vault.audit_link(|key_id| {
            record.key_id = key_id.0;
            crate::audit::link_data(&previous, record)
        });
        record.link = link.to_vec();
        previous.clone_from(&record.link);
    }
}
