//! How domain values are stored and read back: guids as hyphenated lowercase text, times as
//! integer microseconds since the Unix epoch, look-up keys as the lowercased value; and the
//! loading of child rows (addresses, access numbers, extensions) for a batch of owners.

use std::collections::HashMap;

use sqlx::AssertSqlSafe;
use umpin_domain::{Guid, Timestamp};

use crate::error::unreadable;
use crate::{Conn, StoreError};

/// A guid as stored: hyphenated lowercase.
pub(crate) fn guid_text(guid: Guid) -> String {
    guid.hyphenated().to_string()
}

pub(crate) fn parse_guid(text: &str) -> Result<Guid, StoreError> {
    Guid::parse_str(text).map_err(|_| unreadable("a guid"))
}

/// The key a name, alias or address is unique and found by.
pub(crate) fn key(value: &str) -> String {
    value.to_lowercase()
}

/// A time as stored. Anything finer than a microsecond is dropped.
pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn timestamp(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| unreadable("a time"))
}

pub(crate) fn opt_timestamp(us: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    us.map(timestamp).transpose()
}

/// A stored integer into the narrower domain type.
pub(crate) fn narrow<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| unreadable(what))
}

/// A boolean column inside a JSON document the database built: `true`/`false` from PostgreSQL,
/// the stored `1`/`0` from SQLite.
pub(crate) fn json_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct StoredBool;
    impl serde::de::Visitor<'_> for StoredBool {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a boolean, or 0 or 1")
        }
        fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<bool, E> {
            Ok(b)
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<bool, E> {
            match n {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(E::invalid_value(serde::de::Unexpected::Unsigned(n), &self)),
            }
        }
    }
    d.deserialize_any(StoredBool)
}

/// A row of a child table: the owner's guid and one value, in position order.
#[derive(sqlx::FromRow)]
struct ChildRow {
    owner: String,
    value: String,
}

/// The most owners asked about in one statement. Statements are padded to a power of two up to
/// this, so that few distinct statements reach the statement caches.
const BATCH: usize = 256;

/// The text values of a child table for each of `owners`, in position order: `SELECT
/// {owner_column}, {value_column} FROM {table} WHERE {condition} AND {owner_column} IN (…)`.
/// Every argument is a constant of this crate; the owners are bound as parameters.
pub(crate) async fn children(
    mut conn: Conn<'_>,
    table: &'static str,
    owner_column: &'static str,
    value_column: &'static str,
    condition: &'static str,
    owners: &[String],
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in owners.chunks(BATCH) {
        let size = chunk.len().next_power_of_two().min(BATCH);
        let placeholders: Vec<String> = (1..=size).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {owner_column} AS owner, {value_column} AS value FROM {table} \
             WHERE {condition} AND {owner_column} IN ({}) ORDER BY {owner_column}, position",
            placeholders.join(", ")
        );
        let padded = chunk.iter().chain(std::iter::repeat(&chunk[chunk.len() - 1])).take(size);
        let rows: Vec<ChildRow> = on_conn!(conn.reborrow(), c => {
            let mut query = sqlx::query_as(AssertSqlSafe(sql));
            for owner in padded {
                query = query.bind(owner.clone());
            }
            query.fetch_all(&mut *c).await?
        });
        for row in rows {
            out.entry(row.owner).or_default().push(row.value);
        }
    }
    Ok(out)
}

/// `after` for keyset paging: the last key of the previous page, or `None` for the first page.
pub(crate) fn after_key(after: Option<&str>) -> String {
    // No cursor is the empty key, below every address: a plain `key > $1` lets the database walk
    // the unique index page by page (an `IS NULL OR` would make it scan and sort every time).
    after.map(key).unwrap_or_default()
}

/// A `LIKE` pattern matching every key that starts with `prefix` (with `!` as the escape).
pub(crate) fn prefix_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for ch in key(prefix).chars() {
        if matches!(ch, '%' | '_' | '!') {
            pattern.push('!');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// Runs `delete`, a constant `DELETE … WHERE … = $1` of this crate, for one object:
/// [`StoreError::NotFound`] when there was none, [`StoreError::InUse`] when others still refer
/// to it.
pub(crate) async fn delete_one(conn: Conn<'_>, delete: &'static str, guid: Guid) -> Result<(), StoreError> {
    let deleted = on_conn!(conn, c => {
        sqlx::query(delete)
            .bind(guid_text(guid))
            .execute(&mut *c)
            .await
            .map_err(|e| crate::error::map_error(e, crate::error::Doing::Delete, None))?
            .rows_affected()
    });
    if deleted == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
