//! Failed voice sign-ins per source, and the blocks of sources that spray PINs.

use super::*;

const MINUTE: i64 = 60_000_000;

umpin_store::backend_tests! {
    /// A source's failures count the distinct targets within the window: the same target twice
    /// is one, a failure older than the window is forgotten, another source counts apart.
    async fn a_source_counts_distinct_targets_within_the_sliding_window(db: Database) {
        let mut tx = db.begin().await.unwrap();
        let caller = "caller-id:14255550199";
        let window = |now: i64| (at(now), at(now - 10 * MINUTE));
        let (now, start) = window(0);
        assert_eq!(tx.count_source_failure(caller, "mailbox-a", now, start).await.unwrap(), 1);
        assert_eq!(tx.count_source_failure(caller, "mailbox-a", now, start).await.unwrap(), 1, "same target");
        let (now, start) = window(5 * MINUTE);
        assert_eq!(tx.count_source_failure(caller, "mailbox-b", now, start).await.unwrap(), 2);
        assert_eq!(tx.count_source_failure("account:ivr", "mailbox-c", now, start).await.unwrap(), 1, "apart");
        let (now, start) = window(10 * MINUTE + 1);
        assert_eq!(tx.count_source_failure(caller, "mailbox-c", now, start).await.unwrap(), 2, "a is forgotten");
        let (now, start) = window(16 * MINUTE);
        assert_eq!(tx.count_source_failure(caller, "mailbox-b", now, start).await.unwrap(), 2, "b again");
        tx.commit().await.unwrap();
    }

    /// A block holds until its end, is reported once while in force, may be imposed again after
    /// it ended, and lifting it forgets the source's failures.
    async fn a_block_holds_until_its_end_and_lifting_it_forgets_the_failures(db: Database) {
        let mut tx = db.begin().await.unwrap();
        let caller = "caller-id:14255550199";
        tx.count_source_failure(caller, "mailbox-a", at(0), at(-1)).await.unwrap();
        assert!(tx.block_source(caller, at(0), at(30 * MINUTE), 10).await.unwrap());
        assert!(!tx.block_source(caller, at(MINUTE), at(31 * MINUTE), 11).await.unwrap(), "in force already");
        let block = tx.source_block(caller, at(30 * MINUTE - 1)).await.unwrap().unwrap();
        assert_eq!((block.blocked_at, block.blocked_until, block.targets), (at(0), at(30 * MINUTE), 10));
        assert_eq!(tx.source_block(caller, at(30 * MINUTE)).await.unwrap(), None, "ended");
        assert_eq!(tx.source_block("caller-id:14255550100", at(0)).await.unwrap(), None, "another source");
        assert!(tx.block_source(caller, at(30 * MINUTE), at(60 * MINUTE), 12).await.unwrap(), "after its end");
        assert_eq!(tx.source_blocks(at(31 * MINUTE)).await.unwrap().len(), 1);
        assert!(tx.clear_source_block(caller, at(31 * MINUTE)).await.unwrap());
        assert!(!tx.clear_source_block(caller, at(31 * MINUTE)).await.unwrap(), "nothing left to lift");
        assert_eq!(tx.source_blocks(at(31 * MINUTE)).await.unwrap(), []);
        let after = tx.count_source_failure(caller, "mailbox-b", at(32 * MINUTE), at(22 * MINUTE)).await.unwrap();
        assert_eq!(after, 1, "the failures before the block were forgotten");
        tx.commit().await.unwrap();
    }
}
