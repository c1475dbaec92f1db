//! Leases: one holder at a time, until the lease ends.

use super::*;

const MINUTE: i64 = 60_000_000;

umpin_store::backend_tests! {
    /// A lease is taken by one holder; nobody takes it again, the holder neither, until it ends;
    /// then another holder takes it, and the first can no longer extend it.
    async fn a_lease_has_one_holder_until_it_ends(db: Database) {
        assert!(db.take_lease("sync", "node-a", at(0), at(60 * MINUTE)).await.unwrap());
        assert!(!db.take_lease("sync", "node-b", at(MINUTE), at(61 * MINUTE)).await.unwrap(), "held by a");
        assert!(!db.take_lease("sync", "node-a", at(MINUTE), at(61 * MINUTE)).await.unwrap(), "a turn lasts");
        assert!(db.take_lease("other", "node-b", at(MINUTE), at(2 * MINUTE)).await.unwrap(), "another lease");
        assert!(!db.take_lease("sync", "node-b", at(60 * MINUTE - 1), at(120 * MINUTE)).await.unwrap());
        assert!(db.take_lease("sync", "node-b", at(60 * MINUTE), at(120 * MINUTE)).await.unwrap(), "it ended");
        assert!(!db.extend_lease("sync", "node-a", at(200 * MINUTE)).await.unwrap(), "b holds it now");
        assert!(!db.take_lease("sync", "node-a", at(119 * MINUTE), at(180 * MINUTE)).await.unwrap(), "not extended");
    }

    /// Extending moves the end later, never earlier: a holder whose work runs long keeps the lease.
    async fn extending_a_lease_moves_its_end_only_later(db: Database) {
        assert!(db.take_lease("sync", "node-a", at(0), at(10 * MINUTE)).await.unwrap());
        assert!(db.extend_lease("sync", "node-a", at(5 * MINUTE)).await.unwrap());
        assert!(!db.take_lease("sync", "node-b", at(9 * MINUTE), at(20 * MINUTE)).await.unwrap(), "not earlier");
        assert!(db.extend_lease("sync", "node-a", at(30 * MINUTE)).await.unwrap());
        assert!(!db.take_lease("sync", "node-b", at(29 * MINUTE), at(40 * MINUTE)).await.unwrap(), "later");
        assert!(db.take_lease("sync", "node-b", at(30 * MINUTE), at(40 * MINUTE)).await.unwrap());
    }

    /// Many nodes asking for a free lease at the same moment: exactly one takes it.
    async fn of_many_nodes_taking_a_lease_at_once_exactly_one_gets_it(db: Database) {
        let attempts: Vec<_> = (0..16)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move { db.take_lease("sync", &format!("node-{n}"), at(0), at(MINUTE)).await.unwrap() })
            })
            .collect();
        let mut taken = 0;
        for attempt in attempts {
            taken += usize::from(attempt.await.unwrap());
        }
        assert_eq!(taken, 1);
    }
}
