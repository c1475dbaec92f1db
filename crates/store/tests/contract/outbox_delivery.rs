//! Outbox delivery: claims, the outcome of a claimed message, and the outbox depth. Several nodes
//! deliver from one database, so a claim must be exclusive, must run out, and must be the only
//! key to a message's outcome.

use std::collections::HashSet;
use std::sync::Arc;

use umpin_store::{ClaimedMessage, MAX_DELIVERY_ERROR_CHARS, MessageKind, OutboxMessage};

use super::*;

/// A moment `seconds` after a fixed start.
fn sec(seconds: i64) -> Timestamp {
    at(1_700_000_000_000_000 + seconds * 1_000_000)
}

/// A lease of one minute from `seconds`.
fn lease(seconds: i64) -> Timestamp {
    sec(seconds + 60)
}

/// Queues a message created (and so due) at `created` seconds; returns its id.
async fn queue(db: &Database, created: i64) -> Guid {
    let message = OutboxMessage {
        id: Guid::new_v4(),
        kind: MessageKind::PinReset,
        recipient: "tony@contoso.com".into(),
        sealed_body: vec![7; 64],
        created_at: sec(created),
    };
    let mut tx = db.begin().await.unwrap();
    tx.enqueue_message(&message).await.unwrap();
    tx.commit().await.unwrap();
    message.id
}

fn ids(claimed: &[ClaimedMessage]) -> Vec<Guid> {
    claimed.iter().map(|m| m.message.id).collect()
}

/// What delivery keeps of a message, read straight from the table: attempts, next attempt (in
/// seconds from the start), last error, and whether it is claimed.
async fn stored(db: &Database, id: Guid) -> Option<(i64, i64, Option<String>, bool)> {
    const QUERY: &str = "SELECT attempts, next_attempt_at, last_error, claim_token FROM outbox WHERE id = $1";
    let row: Option<(i64, i64, Option<String>, Option<String>)> = match db {
        Database::Sqlite(pools) => {
            sqlx::query_as(QUERY).bind(id.to_string()).fetch_optional(&pools.readers).await.unwrap()
        }
        Database::Postgres(pool) => sqlx::query_as(QUERY).bind(id.to_string()).fetch_optional(pool).await.unwrap(),
    };
    row.map(|(attempts, next, error, token)| {
        (attempts, (next - sec(0).as_microsecond()) / 1_000_000, error, token.is_some())
    })
}

umpin_store::backend_tests! {
    /// A claim takes the due messages that nobody holds, oldest first and no more than asked;
    /// a message not yet due, or held by a claim, is left.
    async fn a_claim_takes_due_unclaimed_messages_oldest_first_up_to_the_limit(db: Database) {
        let third = queue(&db, 30).await;
        let first = queue(&db, 10).await;
        let second = queue(&db, 20).await;
        let not_yet_due = queue(&db, 130).await;
        let claimed = db.claim_due_messages(sec(100), lease(100), 2).await.unwrap();
        assert_eq!(ids(&claimed), [first, second]);
        assert!(claimed.iter().all(|m| m.attempts == 0 && m.claimed_until == lease(100)));
        assert_eq!(claimed[0].claim, claimed[1].claim, "one claim per statement");
        assert_eq!(claimed[0].message.sealed_body, vec![7; 64]);
        let rest = db.claim_due_messages(sec(100), lease(100), 10).await.unwrap();
        assert_eq!(ids(&rest), [third]);
        assert_ne!(rest[0].claim, claimed[0].claim, "every claim has a token of its own");
        assert!(db.claim_due_messages(sec(100), lease(100), 10).await.unwrap().is_empty());
        // Due now; the others are still held (until 160).
        assert_eq!(ids(&db.claim_due_messages(sec(130), lease(130), 10).await.unwrap()), [not_yet_due]);
    }

    /// Two nodes (two pools on one database) claiming at the same time never hold the same
    /// message, and between them they take every message.
    async fn two_nodes_claiming_at_once_never_get_the_same_message(db: Database) {
        let mut all = HashSet::new();
        for n in 0..60 {
            all.insert(queue(&db, n).await);
        }
        let other = db.connect_like().await.unwrap();
        let start = Arc::new(tokio::sync::Barrier::new(2));
        let node = |db: Database| {
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                let mut taken = Vec::new();
                loop {
                    let claimed = db.claim_due_messages(sec(100), lease(100), 4).await.unwrap();
                    if claimed.is_empty() {
                        return taken;
                    }
                    taken.extend(ids(&claimed));
                }
            })
        };
        let (a, b) = (node(db.clone()), node(other.clone()));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let a_set: HashSet<Guid> = a.iter().copied().collect();
        let b_set: HashSet<Guid> = b.iter().copied().collect();
        assert_eq!(a_set.len(), a.len(), "a node got a message twice");
        assert_eq!(b_set.len(), b.len(), "a node got a message twice");
        assert!(a_set.is_disjoint(&b_set), "both nodes claimed {:?}", a_set.intersection(&b_set).collect::<Vec<_>>());
        assert_eq!(&a_set | &b_set, all, "every message was claimed");
        other.close().await;
    }

    /// A claim runs out at its end: from then on another node can take the message, under a
    /// claim of its own.
    async fn an_expired_claim_can_be_taken_again(db: Database) {
        let id = queue(&db, 0).await;
        let first = db.claim_due_messages(sec(10), lease(10), 10).await.unwrap();
        assert_eq!(ids(&first), [id]);
        assert!(db.claim_due_messages(sec(69), lease(69), 10).await.unwrap().is_empty(), "the claim still holds");
        let again = db.claim_due_messages(sec(70), lease(70), 10).await.unwrap();
        assert_eq!(ids(&again), [id]);
        assert_ne!(again[0].claim, first[0].claim);
        assert_eq!(again[0].claimed_until, lease(70));
    }

    /// A node whose claim ran out and was taken by another can neither delete the message nor
    /// record a failure nor release it; the holder of the new claim can.
    async fn a_stale_claim_can_neither_delete_nor_record_a_failure(db: Database) {
        let id = queue(&db, 0).await;
        let stale = db.claim_due_messages(sec(10), lease(10), 10).await.unwrap()[0].claim;
        let fresh = db.claim_due_messages(sec(70), lease(70), 10).await.unwrap()[0].claim;
        assert!(!db.delete_delivered_message(id, stale).await.unwrap());
        assert!(!db.record_failed_delivery(id, stale, sec(100), "421 try later").await.unwrap());
        assert!(!db.release_message(id, stale).await.unwrap());
        assert_eq!(stored(&db, id).await, Some((0, 0, None, true)), "nothing changed");
        assert!(db.delete_delivered_message(id, fresh).await.unwrap());
        assert_eq!(stored(&db, id).await, None);
        assert_eq!(db.outbox_depth().await.unwrap(), 0);
    }

    /// A delivered message is deleted, and only that one.
    async fn a_delivered_message_is_deleted(db: Database) {
        let delivered = queue(&db, 0).await;
        let other = queue(&db, 1).await;
        let claimed = db.claim_due_messages(sec(10), lease(10), 10).await.unwrap();
        assert!(db.delete_delivered_message(delivered, claimed[0].claim).await.unwrap());
        assert!(!db.delete_delivered_message(delivered, claimed[0].claim).await.unwrap(), "deleted once");
        assert_eq!(stored(&db, delivered).await, None);
        assert!(stored(&db, other).await.is_some());
        assert_eq!(db.begin().await.unwrap().outbox_messages().await.unwrap().len(), 1);
    }

    /// A failed attempt counts, keeps the server's answer (cut to a bounded length), releases the
    /// claim and makes the message wait until its next attempt.
    async fn a_failed_attempt_counts_keeps_the_error_and_waits_for_the_next_attempt(db: Database) {
        let id = queue(&db, 0).await;
        let claim = db.claim_due_messages(sec(10), lease(10), 10).await.unwrap()[0].claim;
        assert!(db.record_failed_delivery(id, claim, sec(40), "550 5.1.1 mailbox unavailable").await.unwrap());
        assert_eq!(stored(&db, id).await, Some((1, 40, Some("550 5.1.1 mailbox unavailable".into()), false)));
        assert!(!db.delete_delivered_message(id, claim).await.unwrap(), "the claim was released");
        assert!(db.claim_due_messages(sec(39), lease(39), 10).await.unwrap().is_empty(), "not due before its time");
        let again = db.claim_due_messages(sec(40), lease(40), 10).await.unwrap();
        assert_eq!((ids(&again), again[0].attempts), (vec![id], 1));
        let long = "é".repeat(MAX_DELIVERY_ERROR_CHARS + 500);
        assert!(db.record_failed_delivery(id, again[0].claim, sec(100), &long).await.unwrap());
        let (attempts, next, error, claimed) = stored(&db, id).await.unwrap();
        assert_eq!((attempts, next, claimed), (2, 100, false));
        assert_eq!(error.unwrap().chars().count(), MAX_DELIVERY_ERROR_CHARS);
    }

    /// A message handed back untried is due again at once, its attempts unchanged.
    async fn a_released_message_is_due_again_at_once_with_its_attempts_unchanged(db: Database) {
        let id = queue(&db, 0).await;
        let claim = db.claim_due_messages(sec(10), lease(10), 10).await.unwrap()[0].claim;
        assert!(db.release_message(id, claim).await.unwrap());
        let again = db.claim_due_messages(sec(11), lease(11), 10).await.unwrap();
        assert_eq!((ids(&again), again[0].attempts), (vec![id], 0));
    }

    /// The depth counts every message waiting, due or not, claimed or not.
    async fn the_depth_counts_every_undelivered_message(db: Database) {
        assert_eq!(db.outbox_depth().await.unwrap(), 0);
        let first = queue(&db, 0).await;
        queue(&db, 1).await;
        queue(&db, 1000).await;
        let claim = db.claim_due_messages(sec(10), lease(10), 1).await.unwrap()[0].claim;
        assert_eq!(db.outbox_depth().await.unwrap(), 3);
        assert!(db.delete_delivered_message(first, claim).await.unwrap());
        assert_eq!(db.outbox_depth().await.unwrap(), 2);
    }

    /// The outbox keeps no delivery time: a delivered message is deleted, and the column that
    /// was never set (`delivered_at`) is gone from the schema.
    async fn the_outbox_has_no_delivered_at_column(db: Database) {
        const QUERY: &str = "SELECT delivered_at FROM outbox";
        let refused = match &db {
            Database::Sqlite(pools) => sqlx::query(QUERY).fetch_all(&pools.readers).await.map(drop),
            Database::Postgres(pool) => sqlx::query(QUERY).fetch_all(pool).await.map(drop),
        };
        let message = refused.unwrap_err().to_string();
        assert!(message.contains("delivered_at"), "{message}");
        queue(&db, 0).await;
        assert_eq!(db.outbox_depth().await.unwrap(), 1);
    }
}

/// Both migrations of outbox delivery name the same constraints.
#[test]
fn both_delivery_migrations_name_the_same_constraints() {
    let names = |sql: &str| {
        let words: Vec<&str> = sql.split_whitespace().collect();
        let mut names: Vec<String> =
            words.windows(2).filter(|w| w[0] == "CONSTRAINT").map(|w| w[1].to_owned()).collect();
        names.sort();
        names
    };
    let sqlite = names(include_str!("../../migrations/sqlite/0003_outbox_delivery.sql"));
    let postgres = names(include_str!("../../migrations/postgres/0003_outbox_delivery.sql"));
    assert_eq!(sqlite, postgres);
    assert_eq!(sqlite, ["outbox_claim_check"]);
}
