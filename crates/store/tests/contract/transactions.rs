//! Transactions: read-only ones see what was committed before them and never wait for a writer;
//! writers, however many at once, all get their turn (on SQLite they queue for the one writer
//! connection in the process, instead of failing or sleeping on the database's lock).

use super::*;

umpin_store::backend_tests! {
    /// A read transaction begun after a commit sees what it wrote, beside a writer that holds
    /// its transaction open; it doesn't see that writer's uncommitted change.
    async fn a_read_transaction_sees_every_committed_write_and_no_uncommitted_one(db: Database) {
        insert_mailbox(&db, &mailbox("tony")).await.unwrap();
        let mut read = db.begin_read().await.unwrap();
        assert_eq!(read.mailbox_candidates("tony").await.unwrap().len(), 1, "the committed mailbox");
        read.commit().await.unwrap();
        let mut writing = db.begin().await.unwrap();
        writing.insert_mailbox(&mailbox("ellen")).await.unwrap();
        let mut read = db.begin_read().await.unwrap();
        assert!(read.mailbox_candidates("ellen").await.unwrap().is_empty(), "not committed yet");
        assert_eq!(read.mailbox_candidates("tony").await.unwrap().len(), 1);
        read.commit().await.unwrap();
        writing.commit().await.unwrap();
        let mut read = db.begin_read().await.unwrap();
        assert_eq!(read.mailbox_candidates("ellen").await.unwrap().len(), 1, "committed now");
    }

    /// A read transaction refuses to write: what reads use can never take the write lock.
    async fn a_read_transaction_cannot_write(db: Database) {
        let mut read = db.begin_read().await.unwrap();
        assert!(read.insert_mailbox(&mailbox("tony")).await.is_err());
        drop(read);
        assert!(db.begin_read().await.unwrap().mailbox_candidates("tony").await.unwrap().is_empty());
    }

    /// Many writers at once, from two pools as two nodes have, each in a transaction that reads
    /// and then writes: every one commits (none fails on a busy database) and none loses another's
    /// write.
    async fn concurrent_writers_all_commit(db: Database) {
        let other = db.connect_like().await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let node = if i % 2 == 0 { db.clone() } else { other.clone() };
            tasks.push(tokio::spawn(async move {
                let mut tx = node.begin().await?;
                tx.mailbox_candidates(&format!("user{i}")).await?;
                tx.insert_mailbox(&mailbox(&format!("user{i}"))).await?;
                tx.commit().await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let mut read = db.begin_read().await.unwrap();
        let all = read.list_mailboxes(&Default::default(), None, 100).await.unwrap();
        assert_eq!(all.len(), 40);
    }
}
