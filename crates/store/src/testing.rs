//! The test kit: fresh, migrated databases of both backends, and [`backend_tests!`](crate::backend_tests)
//! to run the same test case on each (the contract suite of this crate, and the tests of the
//! crates above that want both backends).
//!
//! SQLite needs nothing: each case gets a database file in a temporary directory. PostgreSQL is
//! reached at `UMPIN_TEST_POSTGRES_URL` (default [`DEFAULT_POSTGRES_URL`]); each case gets a
//! schema of its own (`umpin_test_<random hex>`), dropped when the case passes and left for
//! inspection when it fails. When PostgreSQL can't be reached, the PostgreSQL cases are skipped
//! with a line on stderr, unless `UMPIN_REQUIRE_POSTGRES=1` (as in CI), which makes them fail.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tempfile::TempDir;

use crate::{Conn, Database, Tx, redact_url};

/// The PostgreSQL the tests use unless `UMPIN_TEST_POSTGRES_URL` says otherwise.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The variable naming the test PostgreSQL.
pub const POSTGRES_URL_VAR: &str = "UMPIN_TEST_POSTGRES_URL";
/// The variable that, set to `1`, makes an unreachable PostgreSQL a failure instead of a skip.
pub const REQUIRE_POSTGRES_VAR: &str = "UMPIN_REQUIRE_POSTGRES";
/// Every schema the kit creates starts with this; only such schemas are ever dropped.
pub const SCHEMA_PREFIX: &str = "umpin_test_";

/// Connections per test pool: enough for the concurrency cases, few enough for many cases at once.
const TEST_POOL_SIZE: u32 = 8;
/// How long the kit waits for PostgreSQL to answer before skipping.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The test PostgreSQL URL.
pub fn postgres_url() -> String {
    std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

/// A migrated SQLite database in a file of a fresh temporary directory, which lives as long as
/// the returned `TempDir`.
pub async fn sqlite_database() -> (Database, TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory for the test database");
    let path = dir.path().join("umpin.db");
    let options = SqliteConnectOptions::new().filename(&path);
    let db = Database::connect_sqlite(options, false, &path.display().to_string())
        .await
        .expect("the test SQLite database opens");
    db.migrate().await.expect("the SQLite migrations run");
    (db, dir)
}

/// A migrated PostgreSQL database in a fresh schema of its own (every connection of the pool has
/// it as `search_path`; [`Database::connect_like`] keeps it). `None`, after a line on stderr,
/// when PostgreSQL can't be reached and `UMPIN_REQUIRE_POSTGRES` isn't `1`.
pub async fn postgres_database() -> Option<Database> {
    let url = postgres_url();
    let options = match PgConnectOptions::from_str(&url) {
        Ok(options) => options,
        Err(e) => return unreachable(&url, &e.to_string()),
    };
    let mut admin = match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return unreachable(&url, &e.to_string()),
        Err(_) => return unreachable(&url, "no answer within 5 s"),
    };
    let schema = format!("{SCHEMA_PREFIX}{}", uuid::Uuid::new_v4().simple());
    // The schema name is made here of a constant and hex digits: nothing to escape.
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("the test schema can be created");
    admin.close().await.ok();
    let options = options.options([("search_path", schema.as_str())]);
    let db = Database::connect_postgres(options, TEST_POOL_SIZE, &url).await.expect("the test schema opens");
    db.migrate().await.expect("the PostgreSQL migrations run");
    Some(db)
}

fn unreachable(url: &str, error: &str) -> Option<Database> {
    let url = redact_url(url);
    if std::env::var(REQUIRE_POSTGRES_VAR).is_ok_and(|v| v == "1") {
        panic!("PostgreSQL is required ({REQUIRE_POSTGRES_VAR}=1) but not reachable at {url}: {error}");
    }
    eprintln!("skipping: PostgreSQL not reachable at {url}: {error}");
    None
}

/// Drops the schema of a database made by [`postgres_database`] and closes its pool. Does nothing
/// for SQLite, or for a schema the kit didn't make.
pub async fn drop_postgres_schema(db: &Database) {
    let Database::Postgres(pool) = db else { return };
    let schema: Result<(String,), _> = sqlx::query_as("SELECT current_schema()").fetch_one(pool).await;
    if let Ok((schema,)) = schema {
        let hex = schema.strip_prefix(SCHEMA_PREFIX).unwrap_or_default();
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let _ = sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(pool).await;
        }
    }
    pool.close().await;
}

/// Defines test cases that run on both backends. Each `async fn NAME(db: Database) { … }` becomes
/// the tests `sqlite::NAME` and `postgres::NAME` (multi-threaded tokio runtime), which give the
/// case a fresh migrated database of their backend (see the [`testing`](crate::testing) module).
/// Use it once per module (it defines the modules `sqlite` and `postgres` there); the crate
/// using it needs `tokio` with the `macros` and `rt-multi-thread` features.
///
/// ```ignore
/// umpin_store::backend_tests! {
///     /// A new mailbox can be read back.
///     async fn a_mailbox_round_trips(db: Database) {
///         let mut tx = db.begin().await.unwrap();
///         // …
///     }
/// }
/// ```
#[macro_export]
macro_rules! backend_tests {
    ($( $(#[$meta:meta])* async fn $name:ident ($db:ident : $ty:ty) $body:block )*) => {
        $(
            $(#[$meta])*
            // A case is a test body: a failed unwrap is a failed test.
            #[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
            async fn $name($db: $ty) $body
        )*

        mod sqlite {
            $(
                #[::tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let (db, _dir) = $crate::testing::sqlite_database().await;
                    super::$name(db).await;
                }
            )*
        }

        mod postgres {
            $(
                #[::tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let Some(db) = $crate::testing::postgres_database().await else { return };
                    super::$name(db.clone()).await;
                    $crate::testing::drop_postgres_schema(&db).await;
                }
            )*
        }
    };
}

/// Runs `sql` (one or more statements) straight on the database, as someone with direct access
/// to it could: for tests of what umpin does about changes made behind its back.
pub async fn raw_sql(db: &Database, sql: &str) -> Result<(), sqlx::Error> {
    let sql = AssertSqlSafe(sql.to_owned());
    match db {
        Database::Sqlite(pools) => sqlx::raw_sql(sql).execute(&pools.writer).await.map(drop),
        Database::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
    }
}

/// Runs `sql` (one statement) on the connection of `tx`, within it, and returns the one number
/// of its one row: for tests that read what the database counted of this transaction itself
/// (PostgreSQL's `pg_stat_get_xact_…`) or set something for it alone.
pub async fn raw_number_in(tx: &mut Tx, sql: &str) -> Result<i64, sqlx::Error> {
    let sql = AssertSqlSafe(sql.to_owned());
    let (number,): (i64,) = match tx.conn() {
        Conn::Sqlite(c) => sqlx::query_as(sql).fetch_one(c).await?,
        Conn::Postgres(c) => sqlx::query_as(sql).fetch_one(c).await?,
    };
    Ok(number)
}

/// Everything the database holds, as bytes, for tests that prove a secret is not stored in clear:
/// for SQLite the raw files as they are on disk (main database, WAL and shared memory), for
/// PostgreSQL every row of every table of the
/// schema in its text form (where `bytea` shows as hex).
pub async fn raw_contents(db: &Database) -> Vec<u8> {
    match db {
        Database::Sqlite(pools) => {
            let (_, _, file): (i64, String, String) = sqlx::query_as("PRAGMA database_list")
                .fetch_one(&pools.writer)
                .await
                .expect("the database file is known");
            let mut bytes = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(content) = std::fs::read(format!("{file}{suffix}")) {
                    bytes.extend(content);
                }
            }
            bytes
        }
        Database::Postgres(pool) => {
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
            )
            .fetch_all(pool)
            .await
            .expect("the tables are listed");
            let mut bytes = Vec::new();
            for (table,) in tables {
                // Table names come from the catalogue of the test schema, quoted as identifiers.
                let query = format!("SELECT t::text FROM \"{}\" t", table.replace('"', "\"\""));
                let rows: Vec<(String,)> =
                    sqlx::query_as(AssertSqlSafe(query)).fetch_all(pool).await.expect("the table is readable");
                for (row,) in rows {
                    bytes.extend(row.into_bytes());
                }
            }
            bytes
        }
    }
}

/// Seeds `count` UM mailboxes in one dial plan ("Seed Dial Plan", six-digit extensions from
/// 100000) and policy ("Seed Policy"), written straight through the store for tests and
/// benchmarks of listings. The first is tony@contoso.com; the others user000001@contoso.com on.
/// Their PIN data holds placeholder bytes, not sealed verifiers: a listing never opens them, and
/// a sign-in on them fails as unreadable. Every PIN is a first-time user's expired one, except
/// in one UM mailbox of each 10,000 (user005000@contoso.com, user015000@contoso.com, …), whose
/// PIN is current and whose first-time setup is done: a rare match for the PIN filters.
pub async fn seed_um_mailboxes(db: &Database, count: usize) -> Result<(), crate::StoreError> {
    use umpin_domain::{Guid, MailboxPolicy, NewDialPlan, NewMailbox, PinStatus, Timestamp, UmMailbox};
    let now = Timestamp::now();
    let invalid = |e: umpin_domain::Error| crate::StoreError::Database(e.to_string());
    let mut new = NewDialPlan::new("Seed Dial Plan", 6, "1");
    new.generate_um_mailbox_policy = false;
    let plan = new.validate(Guid::new_v4(), now).map_err(invalid)?;
    let policy = MailboxPolicy::new(Guid::new_v4(), "Seed Policy", plan.guid, now).map_err(invalid)?;
    let mut tx = db.begin().await?;
    tx.insert_dial_plan(&plan).await?;
    tx.insert_policy(&policy).await?;
    tx.commit().await?;
    for start in (0..count).step_by(1000) {
        let mut tx = db.begin().await?;
        for i in start..(start + 1000).min(count) {
            let (name, address) = match i {
                0 => ("Tony Smith".to_owned(), "tony@contoso.com".to_owned()),
                _ => (format!("User {i:06}"), format!("user{i:06}@contoso.com")),
            };
            let mailbox = NewMailbox { name, primary_smtp_address: address, ..Default::default() }
                .validate(Guid::new_v4(), now)
                .map_err(invalid)?;
            tx.insert_mailbox(&mailbox).await?;
            let extension = format!("{:06}", 100_000 + i);
            tx.put_um_mailbox(&UmMailbox::enable(mailbox.guid, policy.guid, &plan, vec![extension], None, None, now))
                .await?;
            let record = crate::PinRecord {
                status: match i % 10_000 {
                    5_000 => PinStatus::new_pin(6, false, false, false, now),
                    _ => PinStatus::new_pin(6, true, true, false, now),
                },
                sealed_pin: vec![0; 128],
                history: vec![vec![0; 37]],
                version: 0,
            };
            tx.put_pin(mailbox.guid, &record).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
