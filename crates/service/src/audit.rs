//! The admin audit log's cmdlets (SPEC §4.5): `Search-AdminAuditLog` and `Test-AdminAuditLog`,
//! and the bytes each record's link is made over.

use umpin_crypto::KeyId;
use umpin_domain::Timestamp;
use umpin_domain::identity::check_identity;
use umpin_store::{AuditFilter, AuditRecord};

use crate::access::Action;
use crate::directory::page_size;
use crate::{Page, Principal, Service, ServiceError};

/// How many records one step of the chain check reads.
const CHECK_BATCH: u32 = 1000;

/// What `Test-AdminAuditLog` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLogCheck {
    /// How many records were checked.
    pub records: u64,
    /// The first record whose link doesn't hold, or the number where one is missing.
    pub first_broken: Option<u64>,
    /// Why the chain is broken there.
    pub reason: Option<String>,
}

impl AuditLogCheck {
    pub fn is_valid(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// What the link of `record` is made over: the previous link, then every field but the link,
/// each length-prefixed so no two records encode alike.
pub(crate) fn link_data(previous_link: &[u8], record: &AuditRecord) -> Vec<u8> {
    let mut data = Vec::with_capacity(256);
    let mut field = |bytes: &[u8]| {
        data.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        data.extend_from_slice(bytes);
    };
    field(previous_link);
    field(&record.seq.to_be_bytes());
    field(&record.run_at.as_microsecond().to_be_bytes());
    field(record.account.as_bytes());
    field(record.source.as_bytes());
    field(record.cmdlet.as_bytes());
    field(record.object_id.as_bytes());
    field(record.parameters.as_bytes());
    field(&[u8::from(record.succeeded)]);
    match &record.error {
        Some(e) => field(&[&[1u8][..], e.as_bytes()].concat()),
        None => field(&[0u8]),
    }
    field(&record.key_id.to_be_bytes());
    data
}

/// Text as an audit record keeps it: a control character, which a refused value may hold (a NUL
/// can't be stored on PostgreSQL at all), is written as PowerShell's escape `` `u{hex} ``.
pub(crate) fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars().map(|c| if c.is_control() { format!("`u{{{:x}}}", u32::from(c)) } else { c.to_string() }).collect()
}

/// What `Search-AdminAuditLog` is given besides `-ResultSize`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditSearch {
    pub cmdlets: Vec<String>,
    pub object_ids: Vec<String>,
    pub user_ids: Vec<String>,
    pub start_date: Option<Timestamp>,
    pub end_date: Option<Timestamp>,
    pub is_success: Option<bool>,
}

impl Service {
    /// `Search-AdminAuditLog`: one page of matching records, newest first.
    pub async fn search_admin_audit_log(
        &self,
        by: &Principal,
        search: AuditSearch,
        after: Option<&str>,
        result_size: Option<u32>,
    ) -> Result<Page<AuditRecord>, ServiceError> {
        let action = Action::new("Search-AdminAuditLog", "")
            .param("Cmdlets", (!search.cmdlets.is_empty()).then(|| search.cmdlets.clone()))
            .param("ObjectIds", (!search.object_ids.is_empty()).then(|| search.object_ids.clone()))
            .param("UserIds", (!search.user_ids.is_empty()).then(|| search.user_ids.clone()))
            .param("StartDate", search.start_date.map(|t| t.to_string()))
            .param("EndDate", search.end_date.map(|t| t.to_string()))
            .param("IsSuccess", search.is_success);
        self.authorize(by, &action).await?;
        for (parameter, values) in
            [("Cmdlets", &search.cmdlets), ("ObjectIds", &search.object_ids), ("UserIds", &search.user_ids)]
        {
            for value in values {
                check_identity(parameter, value)?;
            }
        }
        let limit = page_size(result_size);
        let before = match after {
            Some(cursor) => Some(cursor.parse::<u64>().map_err(|_| bad_cursor())?),
            None => None,
        };
        let filter = AuditFilter {
            cmdlets: search.cmdlets,
            object_ids: search.object_ids,
            accounts: search.user_ids,
            start: search.start_date,
            end: search.end_date,
            succeeded: search.is_success,
        };
        let mut tx = self.db.begin().await?;
        let mut items = tx.search_audit_log(&filter, before, limit + 1).await?;
        Ok(crate::directory::page(&mut items, limit, |r| r.seq.to_string()))
    }

    /// `Test-AdminAuditLog`: walks the whole chain and reports the first record that was edited,
    /// removed or inserted behind umpin's back. Every record in the table is accounted for: those
    /// from 1 to the head must chain, and there must be none numbered 0 or less or beyond the head.
    pub async fn test_admin_audit_log(&self, by: &Principal) -> Result<AuditLogCheck, ServiceError> {
        self.authorize(by, &Action::new("Test-AdminAuditLog", "")).await?;
        // One snapshot: records appended while the check runs are left for the next check, and
        // are not mistaken for records beyond the head.
        let mut tx = self.db.begin_snapshot().await?;
        let (head_seq, head_link) = tx.audit_head(false).await?;
        let broken = |seq: u64, reason: &str, records: u64| AuditLogCheck {
            records,
            first_broken: Some(seq),
            reason: Some(reason.to_owned()),
        };
        let stray = tx.audit_stray_record(head_seq).await?;
        if let Some(seq) = stray.filter(|s| *s <= 0) {
            return Ok(broken(0, &stray_reason(seq), 0));
        }
        let mut previous_link = Vec::new();
        let mut expected = 1u64;
        loop {
            let batch = tx.audit_chain(expected - 1, CHECK_BATCH).await?;
            if batch.first().is_none_or(|r| r.seq > head_seq) {
                break;
            }
            for record in batch.iter().take_while(|r| r.seq <= head_seq) {
                let checked = expected - 1;
                if record.seq != expected {
                    return Ok(broken(expected, "the record is missing (deleted).", checked));
                }
                let data = link_data(&previous_link, record);
                if !self.vault.audit_link_holds(KeyId(record.key_id), &data, &record.link) {
                    return Ok(broken(
                        record.seq,
                        "the record was changed, or its link doesn't follow the record before it.",
                        checked,
                    ));
                }
                previous_link.clone_from(&record.link);
                expected += 1;
            }
        }
        let records = expected - 1;
        if head_seq != records || head_link != previous_link {
            return Ok(broken(records + 1, "records at the end of the log are missing (deleted).", records));
        }
        if let Some(seq) = stray {
            return Ok(broken(seq.unsigned_abs(), &stray_reason(seq), records));
        }
        tx.commit().await?;
        Ok(AuditLogCheck { records, first_broken: None, reason: None })
    }

    /// What the server's health check says about the audit log, cheaply (no chain walk): `None`
    /// when nothing is out of place, else why nothing audited can be done, or will soon fail. A
    /// stray record is found by two lookups on the log's key.
    pub async fn audit_log_damage(&self) -> Result<Option<String>, ServiceError> {
        let mut tx = self.db.begin_snapshot().await?;
        let (head_seq, _) = tx.audit_head(false).await?;
        let stray = tx.audit_stray_record(head_seq).await?;
        tx.commit().await?;
        Ok(stray.map(|seq| {
            format!(
                "the admin audit log is damaged: {} Run Test-AdminAuditLog, and restore the log from a backup.",
                stray_reason(seq)
            )
        }))
    }
}

/// Why a record outside 1 ..= head is no part of the log.
fn stray_reason(seq: i64) -> String {
    if seq <= 0 {
        format!("a record numbered {seq} was inserted (records are numbered from 1).")
    } else {
        format!("a record numbered {seq}, after the last record umpin wrote, was inserted.")
    }
}

fn bad_cursor() -> ServiceError {
    umpin_domain::Error::InvalidParameter {
        parameter: "cursor",
        rule: "it isn't a cursor of this listing; start again without one.".to_owned(),
    }
    .into()
}
