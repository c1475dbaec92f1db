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
    /// Parameter values of every kind, and the PowerShell text of a record written before the
    /// log kept values, come back exactly as appended, from the chain and from a search.
    async fn audit_records_keep_their_parameters_in_the_form_they_were_written_in(db: Database) {
        let parameter = |name: &str, value: AuditValue| AuditParameter { name: name.to_owned(), value };
        let values = AuditParameters::Values(vec![
            parameter("Identity", AuditValue::Text("O'Neil, \"Pat\" 😀 `u{0}".to_owned())),
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
            assert_eq!(tx.audit_head(true).await.unwrap().0, r.seq - 1);
            tx.append_audit_record(r).await.unwrap();
            tx.commit().await.unwrap();
        }
        let mut tx = db.begin().await.unwrap();
        assert_eq!(tx.audit_chain(0, 10).await.unwrap(), records);
        let mut newest_first = tx.search_audit_log(&AuditFilter::default(), None, 10).await.unwrap();
        newest_first.reverse();
        assert_eq!(newest_first, records);
    }
}
