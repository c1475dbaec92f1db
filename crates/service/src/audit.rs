//! The admin audit log's cmdlets (SPEC §4.5): `Search-AdminAuditLog` and `Test-AdminAuditLog`,
//! and the bytes each record's link is made over.

use umpin_crypto::KeyId;
use umpin_domain::Timestamp;
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
    /// removed or inserted behind umpin's back.
    pub async fn test_admin_audit_log(&self, by: &Principal) -> Result<AuditLogCheck, ServiceError> {
        self.authorize(by, &Action::new("Test-AdminAuditLog", "")).await?;
        let mut tx = self.db.begin().await?;
        // Records appended while the check runs are left for the next check.
        let (head_seq, head_link) = tx.audit_head(false).await?;
        let mut previous_link = Vec::new();
        let mut expected = 1u64;
        let broken = |seq: u64, reason: &str, records: u64| AuditLogCheck {
            records,
            first_broken: Some(seq),
            reason: Some(reason.to_owned()),
        };
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
        Ok(AuditLogCheck { records, first_broken: None, reason: None })
    }
}

fn bad_cursor() -> ServiceError {
    umpin_domain::Error::InvalidParameter {
        parameter: "cursor",
        rule: "it isn't a cursor of this listing; start again without one.".to_owned(),
    }
    .into()
}
