//! The audit appender (on both backends): every PIN-information read gets exactly one record,
//! appended in batches with others, numbered on from the head and chained, from one node or
//! several; a read is answered only once its record is durable.

use std::collections::BTreeMap;

use umpin_domain::RoleGroup;

use super::*;

/// Reader `n` of the help desk: each read is told apart by its account.
fn reader(n: usize) -> Principal {
    Principal { account: format!("reader{n}"), role_groups: vec![RoleGroup::HelpDesk], source: "192.0.2.9".into() }
}

/// How many records of `Get-UMMailboxPIN` each reader has.
async fn reads_recorded(s: &Service) -> BTreeMap<String, usize> {
    let search = SearchAdminAuditLog { cmdlets: Some(vec!["Get-UMMailboxPIN".into()]), ..Default::default() };
    let mut counts = BTreeMap::new();
    let mut after = None;
    loop {
        let page = search.clone().call(s, &admin(), after.as_deref(), Some(1000)).await.unwrap();
        for r in &page.items {
            *counts.entry(r.account.clone()).or_default() += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return counts,
        }
    }
}

/// Reads by readers `0..count`, on `nodes` in turn, all at once: a PIN of one mailbox, or a page
/// of the listing for every fourth. Each must be answered with what it asked for.
async fn read_at_once(nodes: &[Service], count: usize) {
    let mut tasks = Vec::new();
    for i in 0..count {
        let node = nodes[i % nodes.len()].clone();
        tasks.push(tokio::spawn(async move {
            if i % 4 == 3 {
                let page = GetUmMailboxPin::default().call(&node, &reader(i), None, None).await?;
                assert!(page.items.iter().any(|p| p.user_id == "tony@contoso.com"));
            } else {
                let tony = pin_status_of(&node, &reader(i), "tony@contoso.com").await?;
                assert_eq!(tony.user_id, "tony@contoso.com");
            }
            Ok::<(), ServiceError>(())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

/// The raw statements that drop the order trigger and put a record that umpin didn't write at
/// `seq`, as someone with the rights to change the schema could.
async fn forge_beyond_the_head(db: &Database, seq: u64) {
    let (drop_trigger, link) = match db {
        Database::Sqlite(_) => ("DROP TRIGGER audit_log_in_order", "X'00'"),
        Database::Postgres(_) => ("DROP TRIGGER audit_log_in_order ON audit_log", "'\\x00'::bytea"),
    };
    umpin_store::testing::raw_sql(db, drop_trigger).await.unwrap();
    umpin_store::testing::raw_sql(
        db,
        &format!(
            "INSERT INTO audit_log (seq, run_at, account, source, cmdlet, object_id, parameters, succeeded, error, key_id, link) \
             VALUES ({seq}, 0, 'forger', 'x', 'New-Mailbox', 'x', '', TRUE, NULL, 1, {link})"
        ),
    )
    .await
    .unwrap();
}

umpin_store::backend_tests! {
    /// Many PIN reads at once each get exactly one record, the records take the numbers after
    /// the head without a gap, and the chain verifies.
    async fn concurrent_pin_reads_each_get_exactly_one_record_in_a_valid_chain(db: Database) {
        let (s, _keys) = service(db);
        contoso(&s).await;
        let before = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().records;
        read_at_once(std::slice::from_ref(&s), 64).await;
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert!(check.is_valid(), "{check:?}");
        assert_eq!(check.records, before + 64, "one record a read, numbered on without a gap");
        let counts = reads_recorded(&s).await;
        assert_eq!(counts.len(), 64, "{counts:?}");
        assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    }

    /// PIN reads on two nodes of one database at once: each node appends its batches, and the
    /// records still make one chain with consecutive numbers, one record a read.
    async fn pin_reads_on_two_nodes_at_once_keep_one_chain_with_consecutive_numbers(db: Database) {
        let (s, keys) = service(db.clone());
        let other = service_with_key(db.connect_like().await.unwrap(), &keys.path().join("umpin.key"));
        contoso(&s).await;
        let before = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().records;
        read_at_once(&[s.clone(), other.clone()], 80).await;
        let check = TestAdminAuditLog::default().call(&other, &admin()).await.unwrap();
        assert!(check.is_valid(), "{check:?}");
        assert_eq!(check.records, before + 80);
        let counts = reads_recorded(&s).await;
        assert_eq!(counts.len(), 80, "{counts:?}");
        assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    }

    /// A read whose record can't be appended (a record umpin didn't write is in the way) is
    /// answered with that failure, never with the PIN information, alone or in a batch of
    /// others; nothing is recorded, as nothing can be.
    async fn a_pin_read_whose_record_cannot_be_appended_is_not_answered(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let head = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().records;
        forge_beyond_the_head(&db, head + 3).await;
        let refused = pin_status_of(&s, &reader(0), "tony@contoso.com").await.unwrap_err();
        assert!(matches!(refused, ServiceError::AuditLogDamaged { seq } if seq == head + 3), "{refused:?}");
        let mut tasks = Vec::new();
        for i in 1..=16 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let by = reader(i);
                if i % 2 == 0 {
                    pin_status_of(&s, &by, "tony@contoso.com").await.map(drop)
                } else {
                    GetUmMailboxPin::default().call(&s, &by, None, None).await.map(drop)
                }
            }));
        }
        for task in tasks {
            let refused = task.await.unwrap().unwrap_err();
            assert!(matches!(refused, ServiceError::AuditLogDamaged { .. }), "{refused:?}");
        }
        let mut read = db.begin_read().await.unwrap();
        assert_eq!(read.audit_head().await.unwrap().0, head, "nothing was appended");
    }
}
