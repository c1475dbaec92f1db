//! The admin audit log: records keep their parameters in the form they were written in.

use umpin_domain::{AuditParameter, AuditParameters, AuditValue};
use umpin_store::{AuditFilter, AuditRecord};

use super::*;

fn record(seq: u64, parameters: AuditParameters) -> AuditRecord {
    AuditRecord {
        seq,
        run_at: at(1_700_000_000_000_000 + i64::try_from(seq).unwrap()),
        account: "admin".to_owned(),
        source: "local shell".to_owned(),
        cmdlet: "Set-UMMailboxPIN".to_owned(),
        object_id: "tony@contoso.com".to_owned(),
        parameters,
        succeeded: true,
        error: None,
        key_id: 1,
        link: vec![u8::try_from(seq).unwrap(); 32],
    }
}

umpin_store::backend_tests! {
    /// Parameter values of every kind (control characters but NUL too), and the PowerShell text of
    /// a record written before the log kept values, come back exactly as appended, from the chain
    /// and from a search.
    async fn audit_records_keep_their_parameters_in_the_form_they_were_written_in(db: Database) {
        let parameter = |name: &str, value: AuditValue| AuditParameter { name: name.to_owned(), value };
        let values = AuditParameters::Values(vec![
            parameter("Identity", AuditValue::Text("O'Neil, \"Pat\" 😀 `u{0} \u{1b}[2J\t\r\n\u{7f}\u{85}".to_owned())),
            parameter("Pin", AuditValue::Secret),
            parameter("Extensions", AuditValue::Texts(vec!["51234".to_owned(), String::new()])),
            parameter("Nothing", AuditValue::Texts(Vec::new())),
            parameter("MaxLogonAttempts", AuditValue::Number(i64::MIN)),
            parameter("PINExpired", AuditValue::Bool(false)),
            parameter("PINLifetime", AuditValue::Word("Unlimited".to_owned())),
        ]);
        let records = [
            record(1, AuditParameters::Text("-Identity tony@contoso.com -Pin *** -PINExpired $true".to_owned())),
            record(2, values),
            record(3, AuditParameters::Values(Vec::new())),
            record(4, AuditParameters::Text(String::new())),
        ];
        for r in &records {
            let mut tx = db.begin().await.unwrap();
            let after_head = |head, _: &[u8], _: &mut [AuditRecord]| assert_eq!(head, r.seq - 1);
            tx.append_audit_records(&mut [r.clone()], after_head).await.unwrap();
            tx.commit().await.unwrap();
        }
        let mut tx = db.begin().await.unwrap();
        assert_eq!(tx.audit_chain(0, 10).await.unwrap(), records);
        let mut newest_first = tx.search_audit_log(&AuditFilter::default(), None, 10).await.unwrap();
        newest_first.reverse();
        assert_eq!(newest_first, records);
    }

    /// A search pages down from the newest record: each page starts below the record given (the
    /// last of the page before), and a record given beyond the head starts at the head.
    async fn an_audit_search_pages_down_from_the_head_below_the_record_given(db: Database) {
        let mut log: Vec<AuditRecord> = (0..7).map(|_| record(0, AuditParameters::Text(String::new()))).collect();
        db.append_audit_batch(&mut log, numbered).await.unwrap();
        let mut tx = db.begin_read().await.unwrap();
        let all = AuditFilter::default();
        let mut page = async |before| -> Vec<u64> {
            tx.search_audit_log(&all, before, 3).await.unwrap().into_iter().map(|r| r.seq).collect()
        };
        assert_eq!(page(None).await, [7, 6, 5]);
        assert_eq!(page(Some(5)).await, [4, 3, 2]);
        assert_eq!(page(Some(2)).await, [1]);
        assert_eq!(page(Some(1)).await, Vec::<u64>::new());
        assert_eq!(page(Some(100)).await, [7, 6, 5]);
    }

    /// Every text of a record keeps control characters (every one but NUL, which PostgreSQL text
    /// can't hold) exactly as appended.
    async fn audit_records_keep_control_characters_but_nul_in_every_text(db: Database) {
        let odd = "to\u{1b}[31mny\t\r\n\u{7}\u{7f}\u{85}\u{fffd}";
        let mut r = record(1, AuditParameters::Text(format!("-Identity '{odd}'")));
        r.account = format!("admin{odd}");
        r.source = format!("192.0.2.1{odd}");
        r.object_id = odd.to_owned();
        r.succeeded = false;
        r.error = Some(format!("The identity '{odd}' contains a control character."));
        let mut appended = [r];
        let mut tx = db.begin().await.unwrap();
        tx.append_audit_records(&mut appended, numbered).await.unwrap();
        tx.commit().await.unwrap();
        let mut read = db.begin_read().await.unwrap();
        assert_eq!(read.audit_chain(0, 10).await.unwrap(), appended);
        assert_eq!(read.search_audit_log(&AuditFilter::default(), None, 10).await.unwrap(), appended);
    }

    /// A batch of records is appended at once after the head, on its own or in a transaction,
    /// numbered on from the head and each linked after the one before; the head is the last one.
    async fn a_batch_of_records_is_appended_after_the_head_in_order(db: Database) {
        let texts = |n: u64| AuditParameters::Text(format!("-Identity user{n}"));
        let mut first: Vec<AuditRecord> = (1..=3).map(|n| record(0, texts(n))).collect();
        db.append_audit_batch(&mut first, numbered).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let mut second = [record(0, texts(4))];
        tx.append_audit_records(&mut second, numbered).await.unwrap();
        tx.commit().await.unwrap();
        let mut third: Vec<AuditRecord> = (5..=70).map(|n| record(0, texts(n))).collect();
        db.append_audit_batch(&mut third, numbered).await.unwrap();
        let mut read = db.begin_read().await.unwrap();
        let chain = read.audit_chain(0, 100).await.unwrap();
        assert_eq!(chain.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=70).collect::<Vec<_>>());
        for r in &chain {
            assert_eq!(r.parameters, texts(r.seq));
            assert_eq!(r.link, link_after(r.seq), "linked after the one before");
        }
        assert_eq!(read.audit_head().await.unwrap(), (70, link_after(70)));
    }

    /// Batches appended at once from two pools, as two nodes append, get consecutive numbers and
    /// each record follows the one the database holds before it: a batch that found the head
    /// moved was numbered and linked again after the new head.
    async fn batches_from_two_nodes_at_once_chain_without_a_gap(db: Database) {
        let other = db.connect_like().await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..20u64 {
            let node = if i % 2 == 0 { db.clone() } else { other.clone() };
            tasks.push(tokio::spawn(async move {
                let mut batch: Vec<AuditRecord> = (0..=i % 4).map(|_| record(0, AuditParameters::Text(String::new()))).collect();
                node.append_audit_batch(&mut batch, chained).await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let chain = db.begin_read().await.unwrap().audit_chain(0, 100).await.unwrap();
        assert_eq!(chain.len(), 50, "(1 + 2 + 3 + 4) × 5 records");
        let mut previous = Vec::new();
        for (r, seq) in chain.iter().zip(1..) {
            assert_eq!(r.seq, seq);
            assert_eq!(r.link, [previous.as_slice(), &seq.to_be_bytes()].concat(), "record {seq} follows its predecessor");
            previous.clone_from(&r.link);
        }
    }

    /// A record beyond the head that umpin didn't write (put there with the order trigger
    /// dropped) stops every append, batch or not, with the number of that record; nothing is
    /// appended.
    async fn a_record_beyond_the_head_stops_appends_naming_it(db: Database) {
        let mut one = [record(0, AuditParameters::Text(String::new()))];
        db.append_audit_batch(&mut one, numbered).await.unwrap();
        let drop_trigger = match db {
            Database::Sqlite(_) => "DROP TRIGGER audit_log_in_order",
            Database::Postgres(_) => "DROP TRIGGER audit_log_in_order ON audit_log",
        };
        umpin_store::testing::raw_sql(&db, drop_trigger).await.unwrap();
        umpin_store::testing::raw_sql(&db, &format!(
            "INSERT INTO audit_log (seq, run_at, account, source, cmdlet, object_id, parameters, succeeded, error, key_id, link) \
             VALUES (3, 0, 'forger', 'x', 'New-Mailbox', 'x', '', TRUE, NULL, 1, {})",
            match db { Database::Sqlite(_) => "X'00'", Database::Postgres(_) => "'\\x00'::bytea" }
        )).await.unwrap();
        let mut batch = [record(0, AuditParameters::Text(String::new())), record(0, AuditParameters::Text(String::new()))];
        assert_eq!(db.append_audit_batch(&mut batch, numbered).await, Err(StoreError::AuditLogDamaged { seq: 3 }));
        let mut tx = db.begin().await.unwrap();
        let refused = tx.append_audit_records(&mut [record(0, AuditParameters::Text(String::new()))], numbered).await;
        assert_eq!(refused, Err(StoreError::AuditLogDamaged { seq: 3 }));
        drop(tx);
        assert_eq!(db.begin_read().await.unwrap().audit_head().await.unwrap().0, 1, "the head stayed");
    }

    /// The database takes records inserted together by one statement only as it takes one: with
    /// the head moved by hand, records that leave a gap, don't follow the last record, go beyond
    /// the head or are numbered 0 are refused and nothing is written; records that fill the
    /// head's range one after the other are taken.
    async fn the_database_takes_records_inserted_together_only_as_the_next_ones_up_to_the_head(db: Database) {
        let mut one = [record(0, AuditParameters::Text(String::new()))];
        db.append_audit_batch(&mut one, numbered).await.unwrap();
        umpin_store::testing::raw_sql(&db, "UPDATE audit_head SET seq = 4 WHERE id = 1").await.unwrap();
        let link = match db { Database::Sqlite(_) => "X'00'", Database::Postgres(_) => "'\\x00'::bytea" };
        let insert = |seqs: &[i64]| {
            let rows: Vec<String> = seqs
                .iter()
                .map(|seq| format!("({seq}, 0, 'forger', 'x', 'New-Mailbox', 'x', '', TRUE, NULL, 1, {link})"))
                .collect();
            format!(
                "INSERT INTO audit_log (seq, run_at, account, source, cmdlet, object_id, parameters, succeeded, \
                 error, key_id, link) VALUES {}",
                rows.join(", ")
            )
        };
        let numbers = || async {
            let chain = db.begin_read().await.unwrap().audit_chain(0, 10).await.unwrap();
            chain.iter().map(|r| r.seq).collect::<Vec<_>>()
        };
        for refused in [&[2, 4][..], &[3, 4], &[2, 3, 4, 5], &[0]] {
            let error = umpin_store::testing::raw_sql(&db, &insert(refused)).await.unwrap_err().to_string();
            assert!(error.contains("takes only the record after its last one"), "{refused:?}: {error}");
            assert_eq!(numbers().await, [1], "{refused:?} wrote nothing");
        }
        umpin_store::testing::raw_sql(&db, &insert(&[2, 3, 4])).await.unwrap();
        assert_eq!(numbers().await, [1, 2, 3, 4]);
    }
}

/// However long the log, an append and the look-up of stray records (which the health check
/// runs) read a few entries of the audit log's primary key, whatever plan PostgreSQL keeps for
/// their statements: its generic plan, forced here, is the one a connection settles on after
/// five executions. SQLite has no count of the rows a statement read.
#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::unwrap_used)]
async fn on_postgresql_appends_and_the_stray_record_check_read_a_few_entries_of_a_long_audit_log() {
    const LOG: u64 = 500;
    const APPENDS: u64 = 10;
    let Some(db) = umpin_store::testing::postgres_database().await else { return };
    let mut log: Vec<AuditRecord> = (0..LOG).map(|_| record(0, AuditParameters::Text(String::new()))).collect();
    db.append_audit_batch(&mut log, numbered).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    force_generic_plans(&mut tx).await;
    let before = entries_read(&mut tx, "audit_log").await;
    for head in LOG + 1..=LOG + APPENDS {
        tx.append_audit_records(&mut [record(0, AuditParameters::Text(String::new()))], numbered).await.unwrap();
        assert_eq!(tx.audit_stray_record(head).await.unwrap(), None);
    }
    let entries = entries_read(&mut tx, "audit_log").await - before;
    assert!(
        entries <= 4 * APPENDS as i64,
        "{APPENDS} appends and checks read {entries} entries of a log of {LOG} records"
    );
    tx.commit().await.unwrap();
    umpin_store::testing::drop_postgres_schema(&db).await;
}

/// A made-up link of record `seq`: its number, so that a test can tell each record's place.
fn link_after(seq: u64) -> Vec<u8> {
    seq.to_be_bytes().to_vec()
}

/// Numbers `records` after the head with [`link_after`] links.
fn numbered(head: u64, _: &[u8], records: &mut [AuditRecord]) {
    for (r, seq) in records.iter_mut().zip(head + 1..) {
        r.seq = seq;
        r.link = link_after(seq);
    }
}

/// Numbers `records` after the head, each link the previous link followed by the number: a chain
/// whose every link shows what it was made after.
fn chained(head: u64, head_link: &[u8], records: &mut [AuditRecord]) {
    let mut previous = head_link.to_vec();
    for (r, seq) in records.iter_mut().zip(head + 1..) {
        r.seq = seq;
        r.link = [previous.as_slice(), &seq.to_be_bytes()].concat();
        previous.clone_from(&r.link);
    }
}

/// Paging through a search of the whole log reads each record's entry about once, whatever plan
/// PostgreSQL keeps for the statement (its generic plan, forced here): a page deep in the log
/// seeks to its first record rather than walking every newer one.
#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::unwrap_used)]
async fn on_postgresql_paging_through_an_audit_search_reads_each_record_about_once() {
    const LOG: u64 = 500;
    const PAGE: u32 = 10;
    let Some(db) = umpin_store::testing::postgres_database().await else { return };
    let mut log: Vec<AuditRecord> = (0..LOG).map(|_| record(0, AuditParameters::Text(String::new()))).collect();
    db.append_audit_batch(&mut log, numbered).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    force_generic_plans(&mut tx).await;
    let before_paging = entries_read(&mut tx, "audit_log").await;
    let (mut before, mut seen) = (None, 0);
    loop {
        let page = tx.search_audit_log(&AuditFilter::default(), before, PAGE).await.unwrap();
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        seen += page.len() as u64;
    }
    assert_eq!(seen, LOG);
    let entries = entries_read(&mut tx, "audit_log").await - before_paging;
    assert!(entries <= 3 * LOG as i64, "paging through {LOG} records read {entries} entries");
    tx.commit().await.unwrap();
    umpin_store::testing::drop_postgres_schema(&db).await;
}
