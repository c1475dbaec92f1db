//! The outbox queue: messages written in an operation's transaction, read back oldest first.

use umpin_store::{MessageKind, OutboxMessage};

use super::*;

umpin_store::backend_tests! {
    async fn queued_messages_of_every_kind_round_trip_oldest_first(db: Database) {
        let message = |kind, created: i64| OutboxMessage {
            id: Guid::new_v4(),
            kind,
            recipient: "tony@contoso.com".into(),
            sealed_body: vec![created as u8; 70],
            created_at: at(created),
        };
        let later = message(MessageKind::Welcome, 30);
        let first = message(MessageKind::PinReset, 10);
        let second = message(MessageKind::Lockout, 20);
        let alert = message(MessageKind::SprayAlert, 25);
        let mut tx = db.begin().await.unwrap();
        for m in [&later, &first, &second, &alert] {
            tx.enqueue_message(m).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        assert_eq!(tx.outbox_messages().await.unwrap(), [first, second, alert, later]);
        // A rolled-back operation sends nothing.
        tx.enqueue_message(&message(MessageKind::Welcome, 40)).await.unwrap();
        drop(tx);
        assert_eq!(db.begin().await.unwrap().outbox_messages().await.unwrap().len(), 4);
    }
}
