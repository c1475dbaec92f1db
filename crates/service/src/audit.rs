//! The admin audit log's cmdlets (SPEC §4.5): `Search-AdminAuditLog` and `Test-AdminAuditLog`,
//! the bytes each record's link is made over, and signed checkpoints.
//!
//! A checkpoint is the log's head (the number and link of its last record) at a time, signed with
//! an HMAC under the audit key and written outside the database (the server log, a file). Deleting
//! the newest records and moving the head back leaves a chain that holds; a checkpoint taken
//! before shows it, since the log no longer reaches the record it names, and nobody without the
//! key file can make a checkpoint that fits the shortened log.

use umpin_crypto::KeyId;
use umpin_domain::identity::check_identity;
use umpin_domain::{AuditParameter, AuditParameters, AuditValue, Timestamp};
use umpin_store::{AuditFilter, AuditRecord};

use crate::access::Operation;
use crate::mailboxes::page_size;
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
///
/// The parameters are encoded as the record keeps them. A record written when they were
/// PowerShell text ([`AuditParameters::Text`]) is encoded exactly as it was then, so that it
/// still verifies. A record of values ([`AuditParameters::Values`]) begins with a label of its
/// own (which no previous link, empty or a MAC, is alike in length to), then has each parameter's
/// name, kind and value: the same parameters written in the other form encode differently, so a
/// record's form can't be changed without breaking its link.
pub(crate) fn link_data(previous_link: &[u8], record: &AuditRecord) -> Vec<u8> {
    let mut data = Vec::with_capacity(256);
    let mut field = |bytes: &[u8]| {
        data.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        data.extend_from_slice(bytes);
    };
    if matches!(record.parameters, AuditParameters::Values(_)) {
        field(VALUES_LABEL);
    }
    field(previous_link);
    field(&record.seq.to_be_bytes());
    field(&record.run_at.as_microsecond().to_be_bytes());
    field(record.account.as_bytes());
    field(record.source.as_bytes());
    field(record.cmdlet.as_bytes());
    field(record.object_id.as_bytes());
    match &record.parameters {
        AuditParameters::Text(text) => field(text.as_bytes()),
        AuditParameters::Values(values) => {
            field(&(values.len() as u64).to_be_bytes());
            for AuditParameter { name, value } in values {
                field(name.as_bytes());
                match value {
                    AuditValue::Text(text) => {
                        field(b"text");
                        field(text.as_bytes());
                    }
                    AuditValue::Texts(texts) => {
                        field(b"texts");
                        field(&(texts.len() as u64).to_be_bytes());
                        for text in texts {
                            field(text.as_bytes());
                        }
                    }
                    AuditValue::Number(n) => {
                        field(b"number");
                        field(&n.to_be_bytes());
                    }
                    AuditValue::Bool(b) => {
                        field(b"bool");
                        field(&[u8::from(*b)]);
                    }
                    AuditValue::Word(word) => {
                        field(b"word");
                        field(word.as_bytes());
                    }
                    AuditValue::Secret => field(b"secret"),
                }
            }
        }
    }
    field(&[u8::from(record.succeeded)]);
    match &record.error {
        Some(e) => field(&[&[1u8][..], e.as_bytes()].concat()),
        None => field(&[0u8]),
    }
    field(&record.key_id.to_be_bytes());
    data
}

/// What the link data of a record of parameter values begins with.
const VALUES_LABEL: &[u8] = b"umpin audit record with parameter values";

/// Text as an audit record keeps it: as given, control characters too (a refused value may hold
/// them; the interfaces that show a record show them safely, each in its own way), except a NUL,
/// which PostgreSQL can't hold in text: it is kept as U+FFFD, Unicode's character for one that
/// couldn't be kept. It is the same on both databases, since the record's link is made over what
/// is kept, and it isn't any interface's syntax: no escape that would read as typed text.
pub(crate) fn storable(text: &str) -> String {
    text.replace('\0', "\u{fffd}")
}

/// What starts a checkpoint line, wherever it was written (a line of its own, or inside a log line).
pub const CHECKPOINT_TAG: &str = "umpin-audit-checkpoint";

/// A signed checkpoint of the admin audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCheckpoint {
    /// The number of the last record, and its link.
    pub seq: u64,
    pub link: Vec<u8>,
    /// When the checkpoint was taken.
    pub at: Timestamp,
    /// The server key the signature was made with, and the signature.
    pub key_id: u32,
    pub mac: Vec<u8>,
}

impl AuditCheckpoint {
    /// The checkpoint as one line of text: `umpin-audit-checkpoint seq=… link=… at=… key=… mac=…`.
    pub fn to_line(&self) -> String {
        format!(
            "{CHECKPOINT_TAG} seq={} link={} at={} key={} mac={}",
            self.seq,
            to_hex(&self.link),
            self.at,
            self.key_id,
            to_hex(&self.mac)
        )
    }

    /// The last checkpoint in `text`: a checkpoint line, a log line that holds one, or the
    /// content of a file of them.
    pub fn parse_last(text: &str) -> Result<AuditCheckpoint, umpin_domain::Error> {
        let invalid =
            |rule: &str| umpin_domain::Error::InvalidParameter { parameter: "Checkpoint", rule: rule.to_owned() };
        let start = text.rfind(CHECKPOINT_TAG).ok_or_else(|| {
            invalid(&format!(
                "it holds no checkpoint: give a line that begins with '{CHECKPOINT_TAG}', as umpin serve writes them."
            ))
        })?;
        let mut fields = std::collections::HashMap::new();
        for token in text[start + CHECKPOINT_TAG.len()..].split_whitespace() {
            let Some((name, value)) = token.split_once('=') else { break };
            // A value is hex, digits or a time: what follows it (a quote, the rest of a JSON log
            // line) is not part of it.
            let end = value
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+')))
                .unwrap_or(value.len());
            fields.insert(name, &value[..end]);
        }
        let field = |name: &str| {
            fields
                .get(name)
                .copied()
                .ok_or_else(|| invalid(&format!("the checkpoint lacks its '{name}'; copy the whole line.")))
        };
        let malformed = |name: &str| {
            invalid(&format!("the checkpoint's '{name}' is malformed; copy the line exactly as it was written."))
        };
        Ok(AuditCheckpoint {
            seq: field("seq")?.parse().map_err(|_| malformed("seq"))?,
            link: from_hex(field("link")?).ok_or_else(|| malformed("link"))?,
            at: field("at")?.parse().map_err(|_| malformed("at"))?,
            key_id: field("key")?.parse().map_err(|_| malformed("key"))?,
            mac: from_hex(field("mac")?).ok_or_else(|| malformed("mac"))?,
        })
    }

    /// What the signature is made over: a label of its own (so that no record's link can pass
    /// for a checkpoint's), then every field, each length-prefixed.
    fn signed_data(seq: u64, link: &[u8], at: Timestamp, key_id: u32) -> Vec<u8> {
        let mut data = Vec::with_capacity(96);
        for bytes in [
            &b"umpin audit checkpoint"[..],
            &seq.to_be_bytes(),
            link,
            &at.as_microsecond().to_be_bytes(),
            &key_id.to_be_bytes(),
        ] {
            data.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            data.extend_from_slice(bytes);
        }
        data
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
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
        operation: Operation,
        search: AuditSearch,
        after: Option<&str>,
        result_size: Option<u32>,
    ) -> Result<Page<AuditRecord>, ServiceError> {
        self.authorize(by, &operation).await?;
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
        Ok(crate::mailboxes::page(&mut items, limit, |r| r.seq.to_string()))
    }

    /// `Test-AdminAuditLog`: walks the whole chain and reports the first record that was edited,
    /// removed or inserted behind umpin's back. Every record in the table is accounted for: those
    /// from 1 to the head must chain, and there must be none numbered 0 or less or beyond the head.
    pub async fn test_admin_audit_log(
        &self,
        by: &Principal,
        operation: Operation,
    ) -> Result<AuditLogCheck, ServiceError> {
        self.test_admin_audit_log_reaching(by, operation, None).await
    }

    /// `Test-AdminAuditLog -Checkpoint`: as [`Service::test_admin_audit_log`], and the log must
    /// still reach the last signed checkpoint in `checkpoint` (a line, or a file's content): its
    /// record must be there, with the link the checkpoint saw. A checkpoint whose signature doesn't
    /// hold under this server's keys is refused.
    pub async fn test_admin_audit_log_reaching(
        &self,
        by: &Principal,
        operation: Operation,
        checkpoint: Option<&str>,
    ) -> Result<AuditLogCheck, ServiceError> {
        self.authorize(by, &operation).await?;
        let checkpoint = match checkpoint {
            Some(text) => Some(self.verified_checkpoint(text)?),
            None => None,
        };
        let mut reached_link = None;
        // One snapshot: records appended while the check runs are left for the next check, and
        // are not mistaken for records beyond the head.
        let mut tx = self.db.begin_read().await?;
        let (head_seq, head_link) = tx.audit_head().await?;
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
                if checkpoint.as_ref().is_some_and(|c| c.seq == record.seq) {
                    reached_link = Some(record.link.clone());
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
        if let Some(c) = checkpoint.filter(|c| c.seq > 0) {
            match reached_link {
                None => {
                    return Ok(broken(
                        records + 1,
                        &format!(
                            "the log ends at record {records}, but the signed checkpoint of {} saw record {}: the newest records were deleted.",
                            c.at, c.seq
                        ),
                        records,
                    ));
                }
                Some(link) if link != c.link => {
                    return Ok(broken(
                        c.seq,
                        &format!(
                            "record {} isn't the one the signed checkpoint of {} saw: the log was rewritten.",
                            c.seq, c.at
                        ),
                        records,
                    ));
                }
                Some(_) => {}
            }
        }
        tx.commit().await?;
        Ok(AuditLogCheck { records, first_broken: None, reason: None })
    }

    /// A signed checkpoint of the log's head now: the server's own upkeep (`umpin serve` writes
    /// one every so many records and every few minutes), so no principal and no audit record.
    pub async fn audit_checkpoint(&self) -> Result<AuditCheckpoint, ServiceError> {
        let mut tx = self.db.begin_read().await?;
        let (seq, link) = tx.audit_head().await?;
        tx.commit().await?;
        let at = self.now();
        let (key_id, mac) = self.vault.audit_link(|key_id| AuditCheckpoint::signed_data(seq, &link, at, key_id.0));
        Ok(AuditCheckpoint { seq, link, at, key_id: key_id.0, mac: mac.to_vec() })
    }

    /// The last checkpoint in `text`, if its signature holds under this server's keys.
    fn verified_checkpoint(&self, text: &str) -> Result<AuditCheckpoint, ServiceError> {
        let c = AuditCheckpoint::parse_last(text)?;
        let data = AuditCheckpoint::signed_data(c.seq, &c.link, c.at, c.key_id);
        if !self.vault.audit_link_holds(KeyId(c.key_id), &data, &c.mac) {
            return Err(umpin_domain::Error::InvalidParameter {
                parameter: "Checkpoint",
                rule: "its signature doesn't hold under this server's keys: it was changed, or another installation wrote it."
                    .to_owned(),
            }
            .into());
        }
        Ok(c)
    }

    /// What the server's health check says about the audit log, cheaply (no chain walk): `None`
    /// when nothing is out of place, else why nothing audited can be done, or will soon fail. A
    /// stray record is found by two lookups on the log's key.
    pub async fn audit_log_damage(&self) -> Result<Option<String>, ServiceError> {
        let mut tx = self.db.begin_read().await?;
        let (head_seq, _) = tx.audit_head().await?;
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
