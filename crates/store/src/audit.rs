//! The admin audit log (SPEC §4.5): records appended in the transaction of the action they
//! describe, each carrying the link (an HMAC made by the service) that chains it to the one
//! before. The schema refuses updates and deletes; the chain shows what a database administrator
//! did anyway.
//!
//! Appending reads the single `audit_head` row without a lock, numbers and links the records after
//! it, and then moves it over them only if it is still where it was read (compare and swap), in
//! the statement that inserts them on PostgreSQL: records of concurrent appends, on any node, get
//! consecutive numbers and each links to its true predecessor, and the head is locked from that
//! one statement to the commit, never across round trips. An append moves it over any number of
//! records at once, which is how the service's appender writes the records of reads in batches.
//!
//! Only the records from 1 to the head belong to the log. The database refuses a record that
//! isn't the one after the last record, within the head (migrations 0007 and 0024; on PostgreSQL
//! checked once per statement, 0028); one that got there anyway (inserted with that trigger
//! dropped) is never shown by a search, is reported by [`Tx::audit_stray_record`], and makes the
//! next append fail with [`StoreError::AuditLogDamaged`] instead of a bare unique violation.

use serde_json::{Map, Value as Json, json};
use sqlx::AssertSqlSafe;
use umpin_domain::{AuditParameter, AuditParameters, AuditValue, Timestamp};

use crate::error::unreadable;
use crate::rows::{micros, timestamp};
use crate::{Conn, Database, StoreError, Tx};

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

/// Every column of `audit_log`: what a search reads and an append writes (twelve, bound in this
/// order).
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

/// Records as columns, one list per column with a value per record: what PostgreSQL's `unnest`
/// takes, so that a batch of any size is one statement text.
#[derive(Default)]
struct AuditColumns {
    seq: Vec<i64>,
    run_at: Vec<i64>,
    account: Vec<String>,
    source: Vec<String>,
    cmdlet: Vec<String>,
    object_id: Vec<String>,
    parameters: Vec<String>,
    parameters_format: Vec<i64>,
    succeeded: Vec<bool>,
    error: Vec<Option<String>>,
    key_id: Vec<i64>,
    link: Vec<Vec<u8>>,
}

impl AuditColumns {
    fn of(records: &[AuditRecord]) -> Result<AuditColumns, StoreError> {
        let mut c = AuditColumns::default();
        for r in records {
            let (parameters, parameters_format) = encoded(&r.parameters);
            c.seq.push(record_number(r.seq)?);
            c.run_at.push(micros(r.run_at));
            c.account.push(r.account.clone());
            c.source.push(r.source.clone());
            c.cmdlet.push(r.cmdlet.clone());
            c.object_id.push(r.object_id.clone());
            c.parameters.push(parameters);
            c.parameters_format.push(parameters_format);
            c.succeeded.push(r.succeeded);
            c.error.push(r.error.clone());
            c.key_id.push(i64::from(r.key_id));
            c.link.push(r.link.clone());
        }
        Ok(c)
    }
}

fn record_number(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| unreadable("an audit record number"))
}

/// The most records one `INSERT` of an append writes on SQLite (twelve values each): far below
/// SQLite's limit of bound values, and few statement texts to keep prepared.
const SQLITE_RECORDS_PER_INSERT: usize = 64;

/// An append's condition that no record lies beyond the head it read (`$1`). Written as the
/// log's highest number, which both databases read at the end of the primary key's index
/// whatever the plan: as `NOT EXISTS (… WHERE seq > $1)`, PostgreSQL's generic plan for the
/// prepared statement expected a third of the log to match and scanned the whole table for the
/// first, which was none, at every batch.
const NOTHING_AFTER: &str = "COALESCE((SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1), 0) <= $1";

/// The number and link of the last record (0 and empty before the first), as last committed: no
/// lock is taken.
async fn head_of(conn: Conn<'_>) -> Result<(u64, Vec<u8>), StoreError> {
    let (seq, link): (i64, Vec<u8>) = on_conn!(conn, c => {
        sqlx::query_as("SELECT seq, link FROM audit_head WHERE id = 1").fetch_one(&mut *c).await?
    });
    Ok((u64::try_from(seq).map_err(|_| unreadable("the audit head"))?, link))
}

/// Moves the head from `after` over `records` (numbered `after + 1` on; the last one's link
/// becomes the head's) and inserts them, only if the head is still at `after`: `None` then. When
/// it had moved, nothing was written and the head as it now stands is returned, read after the
/// move that got in first (for the next attempt, without reading it again). A record numbered
/// beyond `after` that is already there, which umpin didn't write, is
/// [`StoreError::AuditLogDamaged`].
///
/// The head moves first, so that on PostgreSQL the statement that locks it is the one that
/// inserts: `UPDATE audit_head … WHERE seq = $after` in a CTE that the `INSERT` reads its rows
/// through, so the row lock is taken by this statement and held only to the commit, never across
/// the round trips before it. An append on another node that meets the lock waits for it and
/// then finds the head moved (`READ COMMITTED` evaluates the condition again on the new row):
/// it reads the head, now committed, and links its records anew. SQLite, with one writer, moves
/// the head and inserts in two statements of the write transaction. The database takes a record
/// only as the one after the last record and within the head (migration 0024), which this order
/// meets.
async fn move_head_and_insert(
    mut conn: Conn<'_>,
    after: u64,
    records: &[AuditRecord],
) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
    let Some(last) = records.last() else { return Ok(None) };
    let after_seq = record_number(after)?;
    let last_seq = record_number(last.seq)?;
    let moved = match conn.reborrow() {
        Conn::Postgres(c) => {
            let sql = format!(
                "WITH moved AS (UPDATE audit_head SET seq = $2, link = $3 WHERE id = 1 AND seq = $1 \
                 AND {NOTHING_AFTER} RETURNING seq) \
                 INSERT INTO audit_log ({AUDIT_COLUMNS}) SELECT r.* FROM moved, \
                 unnest($4::BIGINT[], $5::BIGINT[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], \
                 $11::BIGINT[], $12::BOOLEAN[], $13::TEXT[], $14::BIGINT[], $15::BYTEA[]) AS r({AUDIT_COLUMNS}) \
                 ORDER BY r.seq"
            );
            let columns = AuditColumns::of(records)?;
            let inserted = sqlx::query(AssertSqlSafe(sql))
                .bind(after_seq)
                .bind(last_seq)
                .bind(last.link.clone())
                .bind(columns.seq)
                .bind(columns.run_at)
                .bind(columns.account)
                .bind(columns.source)
                .bind(columns.cmdlet)
                .bind(columns.object_id)
                .bind(columns.parameters)
                .bind(columns.parameters_format)
                .bind(columns.succeeded)
                .bind(columns.error)
                .bind(columns.key_id)
                .bind(columns.link)
                .execute(&mut *c)
                .await?
                .rows_affected();
            inserted > 0
        }
        Conn::Sqlite(c) => {
            let sql =
                format!("UPDATE audit_head SET seq = $2, link = $3 WHERE id = 1 AND seq = $1 AND {NOTHING_AFTER}");
            let moved = sqlx::query(AssertSqlSafe(sql))
                .bind(after_seq)
                .bind(last_seq)
                .bind(last.link.clone())
                .execute(&mut *c)
                .await?
                .rows_affected();
            if moved == 1 {
                for chunk in records.chunks(SQLITE_RECORDS_PER_INSERT) {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|i| {
                            let values: Vec<String> = (i * 12 + 1..=i * 12 + 12).map(|p| format!("${p}")).collect();
                            format!("({})", values.join(", "))
                        })
                        .collect();
                    let sql = format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES {}", rows.join(", "));
                    let mut query = sqlx::query(AssertSqlSafe(sql));
                    for r in chunk {
                        let (parameters, parameters_format) = encoded(&r.parameters);
                        query = query
                            .bind(record_number(r.seq)?)
                            .bind(micros(r.run_at))
                            .bind(r.account.clone())
                            .bind(r.source.clone())
                            .bind(r.cmdlet.clone())
                            .bind(r.object_id.clone())
                            .bind(parameters)
                            .bind(parameters_format)
                            .bind(r.succeeded)
                            .bind(r.error.clone())
                            .bind(i64::from(r.key_id))
                            .bind(r.link.clone());
                    }
                    query.execute(&mut *c).await?;
                }
            }
            moved == 1
        }
    };
    if moved {
        return Ok(None);
    }
    let head = head_of(conn.reborrow()).await?;
    if head.0 != after {
        return Ok(Some(head));
    }
    let in_the_way: Option<(i64,)> = on_conn!(conn, c => {
        sqlx::query_as("SELECT seq FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1")
            .bind(after_seq)
            .fetch_optional(&mut *c)
            .await?
    });
    match in_the_way {
        Some((seq,)) => Err(StoreError::AuditLogDamaged { seq: u64::try_from(seq).unwrap_or_default() }),
        // Moved and moved back between the two reads: only a hand on the database does that.
        None => Err(StoreError::AuditLogDamaged { seq: after + 1 }),
    }
}

/// Appends `records` on `conn`: `link` numbers and links them after the head as read, and the
/// head is moved over them if it is still there ([`move_head_and_insert`]), else they are linked
/// anew after the head that moved.
async fn append_on(
    mut conn: Conn<'_>,
    records: &mut [AuditRecord],
    link: impl Fn(u64, &[u8], &mut [AuditRecord]),
) -> Result<(), StoreError> {
    let mut head = head_of(conn.reborrow()).await?;
    loop {
        link(head.0, &head.1, records);
        match move_head_and_insert(conn.reborrow(), head.0, records).await? {
            None => return Ok(()),
            Some(moved) => head = moved,
        }
    }
}

impl Tx {
    /// The number and link of the last record (0 and empty before the first). No lock is taken:
    /// an append checks that the head is still where it read it ([`Tx::append_audit_records`]).
    pub async fn audit_head(&mut self) -> Result<(u64, Vec<u8>), StoreError> {
        head_of(self.conn()).await
    }

    /// Appends `records` in this transaction: `link` numbers them after the head it is given
    /// (the number and link of the last record) and links each to the one before; they are then
    /// written and the head moved over them, in one statement on PostgreSQL, if the head is still
    /// there, else `link` is called again with the new head. So a change's record commits with
    /// the change, and on PostgreSQL the head stays locked from that statement to the commit
    /// only: appends must come last in a transaction. [`StoreError::AuditLogDamaged`] when a
    /// record umpin didn't write is beyond the head: nothing is appended until the log is repaired.
    pub async fn append_audit_records(
        &mut self,
        records: &mut [AuditRecord],
        link: impl Fn(u64, &[u8], &mut [AuditRecord]),
    ) -> Result<(), StoreError> {
        append_on(self.conn(), records, link).await
    }
    /// The lowest number of a record that doesn't belong to the log whose head is `head`: one
    /// numbered 0 or less, or beyond the head. `None` when every record is in place. Two look-ups
    /// at the ends of the primary key's index (the health check runs this): as one `WHERE seq <= 0
    /// OR seq > $1 ORDER BY seq`, PostgreSQL walked the whole index to find that nothing matched.
    pub async fn audit_stray_record(&mut self, head: u64) -> Result<Option<i64>, StoreError> {
        let head = i64::try_from(head).map_err(|_| unreadable("the audit head"))?;
        let (stray,): (Option<i64>,) = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "SELECT COALESCE((SELECT seq FROM audit_log WHERE seq <= 0 ORDER BY seq LIMIT 1), \
                 (SELECT seq FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1))",
            )
            .bind(head)
            .fetch_one(&mut *c)
            .await?
        });
        Ok(stray)
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
    ///
    /// The page's upper end is one bound, the lower of `before` and the head, so that both
    /// databases seek to it in the primary key; with `$1 IS NULL OR seq < $1` beside the head's
    /// bound, a page deep in the log walked every newer record first.
    pub async fn search_audit_log(
        &mut self,
        filter: &AuditFilter,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq >= 1 \
             AND seq < (SELECT CASE WHEN $1 <= seq THEN $1 ELSE seq + 1 END FROM audit_head WHERE id = 1) \
             AND ($2 IS NULL OR run_at >= $2) \
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

impl Database {
    /// Appends `records` as one batch committed on its own, as [`Tx::append_audit_records`] does
    /// in a transaction: one head update, one insert and one commit for them all. On PostgreSQL
    /// the head is read without a lock and the append is one statement committed by itself, so
    /// the head's lock lasts that statement and its commit; on SQLite it is a write transaction
    /// (on the one writer, so the head it reads can't move before it commits).
    pub async fn append_audit_batch(
        &self,
        records: &mut [AuditRecord],
        link: impl Fn(u64, &[u8], &mut [AuditRecord]),
    ) -> Result<(), StoreError> {
        match self {
            Database::Sqlite(_) => {
                let mut tx = self.begin().await?;
                tx.append_audit_records(records, link).await?;
                tx.commit().await
            }
            Database::Postgres(_) => append_on(self.acquire().await?.conn(), records, link).await,
        }
    }
}
