//! The admin audit log (SPEC §4.5): records appended in the transaction of the action they
//! describe, each carrying the link (an HMAC made by the service) that chains it to the one
//! before. The schema refuses updates and deletes; the chain shows what a database administrator
//! did anyway.
//!
//! Appending reads and moves the single `audit_head` row: on PostgreSQL that row is locked until
//! the transaction ends, so records of concurrent transactions, on any node, get consecutive
//! numbers and each links to its true predecessor.
//!
//! Only the records from 1 to the head belong to the log. The database refuses a record that
//! isn't the one after the head (migration 0007); one that got there anyway (inserted with that
//! trigger dropped) is never shown by a search, is reported by [`Tx::audit_stray_record`], and
//! makes the append that meets it fail with [`StoreError::AuditLogDamaged`] instead of a bare
//! unique violation.

use serde_json::{Map, Value as Json, json};
use sqlx::AssertSqlSafe;
use umpin_domain::{AuditParameter, AuditParameters, AuditValue, Timestamp};

use crate::error::unreadable;
use crate::rows::{micros, timestamp};
use crate::{StoreError, Tx};

/// One record of the admin audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its place in the chain, from 1.
    pub seq: u64,
    pub run_at: Timestamp,
    /// The management account that acted.
    pub account: String,
    /// Where from: a client address, or the local shell.
    pub source: String,
    /// The cmdlet (or API action).
    pub cmdlet: String,
    /// The object acted on, as the caller named it.
    pub object_id: String,
    /// The parameters as given, a secret only as the fact that one was given.
    pub parameters: AuditParameters,
    pub succeeded: bool,
    /// The error, when the action failed or was denied.
    pub error: Option<String>,
    /// The server key the link was made with.
    pub key_id: u32,
    pub link: Vec<u8>,
}

/// Which records `Search-AdminAuditLog` returns: each given list must match (case-insensitively
/// for cmdlets and accounts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub cmdlets: Vec<String>,
    pub object_ids: Vec<String>,
    pub accounts: Vec<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub succeeded: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    run_at: i64,
    account: String,
    source: String,
    cmdlet: String,
    object_id: String,
    parameters: String,
    parameters_format: i64,
    succeeded: bool,
    error: Option<String>,
    key_id: i64,
    link: Vec<u8>,
}

impl AuditRow {
    fn into_record(self) -> Result<AuditRecord, StoreError> {
        Ok(AuditRecord {
            seq: u64::try_from(self.seq).map_err(|_| unreadable("an audit record number"))?,
            run_at: timestamp(self.run_at)?,
            account: self.account,
            source: self.source,
            cmdlet: self.cmdlet,
            object_id: self.object_id,
            parameters: decoded(self.parameters_format, &self.parameters)?,
            succeeded: self.succeeded,
            error: self.error,
            key_id: u32::try_from(self.key_id).map_err(|_| unreadable("an audit key id"))?,
            link: self.link,
        })
    }
}

const AUDIT_COLUMNS: &str =
    "seq, run_at, account, source, cmdlet, object_id, parameters, parameters_format, succeeded, error, key_id, link";

/// `parameters_format` of a record whose `parameters` is PowerShell text ([`AuditParameters::Text`]):
/// every record written before migration 0021.
const TEXT_FORMAT: i64 = 1;
/// `parameters_format` of a record whose `parameters` is a JSON array of the values
/// ([`AuditParameters::Values`]): `{"name": "Identity", "kind": "text", "value": "tony"}`, with
/// `kind` one of `text`, `texts` (an array of strings), `number`, `bool`, `word` and `secret`
/// (which has no `value`).
const VALUES_FORMAT: i64 = 2;

/// The `parameters` column and its `parameters_format`.
fn encoded(parameters: &AuditParameters) -> (String, i64) {
    match parameters {
        AuditParameters::Text(text) => (text.clone(), TEXT_FORMAT),
        AuditParameters::Values(values) => {
            let items: Vec<Json> = values
                .iter()
                .map(|p| {
                    let (kind, value) = match &p.value {
                        AuditValue::Text(t) => ("text", Some(json!(t))),
                        AuditValue::Texts(ts) => ("texts", Some(json!(ts))),
                        AuditValue::Number(n) => ("number", Some(json!(n))),
                        AuditValue::Bool(b) => ("bool", Some(json!(b))),
                        AuditValue::Word(w) => ("word", Some(json!(w))),
                        AuditValue::Secret => ("secret", None),
                    };
                    let mut item = Map::new();
                    item.insert("name".to_owned(), json!(p.name));
                    item.insert("kind".to_owned(), json!(kind));
                    if let Some(value) = value {
                        item.insert("value".to_owned(), value);
                    }
                    Json::Object(item)
                })
                .collect();
            (Json::Array(items).to_string(), VALUES_FORMAT)
        }
    }
}

/// The parameters of a record from its `parameters` column and `parameters_format`.
fn decoded(format: i64, column: &str) -> Result<AuditParameters, StoreError> {
    let bad = || unreadable("the parameters of an audit record");
    match format {
        TEXT_FORMAT => Ok(AuditParameters::Text(column.to_owned())),
        VALUES_FORMAT => {
            let items: Vec<Map<String, Json>> = serde_json::from_str(column).map_err(|_| bad())?;
            let values = items
                .into_iter()
                .map(|item| {
                    let name = item.get("name").and_then(Json::as_str).ok_or_else(bad)?.to_owned();
                    let value = item.get("value");
                    let text = || value.and_then(Json::as_str).map(str::to_owned).ok_or_else(bad);
                    let value = match item.get("kind").and_then(Json::as_str).ok_or_else(bad)? {
                        "text" => AuditValue::Text(text()?),
                        "texts" => AuditValue::Texts(
                            value.and_then(|v| serde_json::from_value(v.clone()).ok()).ok_or_else(bad)?,
                        ),
                        "number" => AuditValue::Number(value.and_then(Json::as_i64).ok_or_else(bad)?),
                        "bool" => AuditValue::Bool(value.and_then(Json::as_bool).ok_or_else(bad)?),
                        "word" => AuditValue::Word(text()?),
                        "secret" => AuditValue::Secret,
                        _ => return Err(bad()),
                    };
                    Ok(AuditParameter { name, value })
                })
                .collect::<Result<_, StoreError>>()?;
            Ok(AuditParameters::Values(values))
        }
        _ => Err(bad()),
    }
}

impl Tx {
    /// The number and link of the last record (0 and empty before the first). With `for_append`
    /// it is locked on PostgreSQL until this transaction ends, so that the record appended next
    /// follows it; a reader (the chain check) doesn't hold up appends.
    pub async fn audit_head(&mut self, for_append: bool) -> Result<(u64, Vec<u8>), StoreError> {
        let sql = if for_append && matches!(self, Tx::Postgres(_)) {
            "SELECT seq, link FROM audit_head WHERE id = 1 FOR UPDATE"
        } else {
            "SELECT seq, link FROM audit_head WHERE id = 1"
        };
        let (seq, link): (i64, Vec<u8>) = on_conn!(self.conn(), c => {
            sqlx::query_as(sql).fetch_one(&mut *c).await?
        });
        Ok((u64::try_from(seq).map_err(|_| unreadable("the audit head"))?, link))
    }

    /// Appends `record`, which must follow the head this transaction read, and moves the head.
    /// A record already at that number, which umpin didn't write, is
    /// [`StoreError::AuditLogDamaged`]: nothing is appended until the log is repaired.
    pub async fn append_audit_record(&mut self, record: &AuditRecord) -> Result<(), StoreError> {
        let r = record;
        let seq = i64::try_from(r.seq).map_err(|_| unreadable("an audit record number"))?;
        let (parameters, parameters_format) = encoded(&r.parameters);
        on_conn!(self.conn(), c => {
            let inserted = sqlx::query(
                "INSERT INTO audit_log (seq, run_at, account, source, cmdlet, object_id, parameters, parameters_format, \
                 succeeded, error, key_id, link) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (seq) DO NOTHING",
            )
            .bind(seq)
            .bind(micros(r.run_at))
            .bind(r.account.clone())
            .bind(r.source.clone())
            .bind(r.cmdlet.clone())
            .bind(r.object_id.clone())
            .bind(parameters.clone())
            .bind(parameters_format)
            .bind(r.succeeded)
            .bind(r.error.clone())
            .bind(i64::from(r.key_id))
            .bind(r.link.clone())
            .execute(&mut *c)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Err(StoreError::AuditLogDamaged { seq: r.seq });
            }
            sqlx::query("UPDATE audit_head SET seq = $1, link = $2 WHERE id = 1")
                .bind(seq)
                .bind(r.link.clone())
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// The lowest number of a record that doesn't belong to the log whose head is `head`: one
    /// numbered 0 or less, or beyond the head. `None` when every record is in place.
    pub async fn audit_stray_record(&mut self, head: u64) -> Result<Option<i64>, StoreError> {
        let head = i64::try_from(head).map_err(|_| unreadable("the audit head"))?;
        let stray: Option<(i64,)> = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT seq FROM audit_log WHERE seq <= 0 OR seq > $1 ORDER BY seq LIMIT 1")
                .bind(head)
                .fetch_optional(&mut *c)
                .await?
        });
        Ok(stray.map(|(seq,)| seq))
    }

    /// Up to `limit` records in chain order after record `after` (for checking the chain).
    pub async fn audit_chain(&mut self, after: u64, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        let after = i64::try_from(after).map_err(|_| unreadable("an audit record number"))?;
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows: Vec<AuditRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(AssertSqlSafe(sql)).bind(after).bind(i64::from(limit)).fetch_all(&mut *c).await?
        });
        rows.into_iter().map(AuditRow::into_record).collect()
    }

    /// Up to `limit` records matching `filter`, newest first, older than record `before` when given.
    /// Only records from 1 to the head: a stray record is no part of the log.
    pub async fn search_audit_log(
        &mut self,
        filter: &AuditFilter,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq >= 1 AND seq <= (SELECT seq FROM audit_head WHERE id = 1) \
             AND ($1 IS NULL OR seq < $1) AND ($2 IS NULL OR run_at >= $2) \
             AND ($3 IS NULL OR run_at <= $3) AND ($4 IS NULL OR succeeded = $4)"
        );
        // Each list becomes `column IN ($n, …)`; every value is bound, only placeholders are written.
        let mut values: Vec<String> = Vec::new();
        for (column, list, lower) in [
            ("LOWER(cmdlet)", &filter.cmdlets, true),
            ("object_id", &filter.object_ids, false),
            ("LOWER(account)", &filter.accounts, true),
        ] {
            if list.is_empty() {
                continue;
            }
            let first = 6 + values.len();
            let placeholders: Vec<String> = (first..first + list.len()).map(|n| format!("${n}")).collect();
            sql.push_str(&format!(" AND {column} IN ({})", placeholders.join(", ")));
            values.extend(list.iter().map(|v| if lower { v.to_lowercase() } else { v.clone() }));
        }
        sql.push_str(" ORDER BY seq DESC LIMIT $5");
        let before = before.map(i64::try_from).transpose().map_err(|_| unreadable("an audit record number"))?;
        let rows: Vec<AuditRow> = on_conn!(self.conn(), c => {
            let mut query = sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(before)
                .bind(filter.start.map(micros))
                .bind(filter.end.map(micros))
                .bind(filter.succeeded)
                .bind(i64::from(limit));
            for v in &values {
                query = query.bind(v.clone());
            }
            query.fetch_all(&mut *c).await?
        });
        rows.into_iter().map(AuditRow::into_record).collect()
    }
}
