//! Connecting: backend-specific behaviour — URLs, SQLite settings, migrations and the schemas.

use std::time::Duration;

use super::*;

#[tokio::test]
async fn an_unknown_url_scheme_is_refused_naming_the_accepted_forms() {
    let err = Database::connect("mysql://root:secret@localhost/umpin").await.unwrap_err();
    let StoreError::InvalidUrl(message) = &err else { panic!("{err:?}") };
    assert!(message.contains("sqlite:") && message.contains("postgres://"), "{message}");
    assert!(!message.contains("secret"), "{message}");
}

#[tokio::test]
async fn an_unreachable_postgres_is_unavailable_and_the_message_hides_the_password() {
    let started = std::time::Instant::now();
    let err = Database::connect("postgres://umpin:secret@127.0.0.1:1/umpin").await.unwrap_err();
    let StoreError::Unavailable(message) = &err else { panic!("{err:?}") };
    assert!(message.contains("postgres://umpin:***@127.0.0.1:1/umpin"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(5), "refused at once");
}

/// The SQLite file is created, in WAL mode, with foreign keys on, `synchronous = FULL` (an
/// acknowledged commit survives a power loss) and a busy timeout of 10 s, on every connection
/// of both pools; the migrations run on it. The writer's pool has exactly one connection; the
/// readers' refuse to write.
#[tokio::test]
async fn a_sqlite_database_is_created_with_wal_full_sync_foreign_keys_and_a_busy_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let db = Database::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    assert!(path.exists());
    let Database::Sqlite(pools) = &db else { panic!("not SQLite") };
    assert_eq!(pools.writer.options().get_max_connections(), 1, "one writer");
    for pool in [&pools.writer, &pools.readers] {
        let mode: (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(pool).await.unwrap();
        let fk: (i64,) = sqlx::query_as("PRAGMA foreign_keys").fetch_one(pool).await.unwrap();
        let sync: (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(pool).await.unwrap();
        let busy: (i64,) = sqlx::query_as("PRAGMA busy_timeout").fetch_one(pool).await.unwrap();
        assert_eq!((mode.0.as_str(), fk.0, sync.0, busy.0), ("wal", 1, 2, 10_000), "2 is FULL");
    }
    let mut connections = Vec::new();
    for _ in 0..3 {
        connections.push(pools.readers.acquire().await.unwrap());
    }
    for c in &mut connections {
        let sync: (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(&mut **c).await.unwrap();
        assert_eq!(sync.0, 2, "every connection syncs at commit");
        let write =
            sqlx::query("INSERT INTO leases (name, holder, expires_at) VALUES ('x', 'y', 0)").execute(&mut **c).await;
        assert!(write.unwrap_err().to_string().contains("readonly"), "a reader connection can't write");
    }
    assert_eq!(db.backend_name(), "sqlite");
}

/// A database without the migrations is refused with the command that fixes it; once
/// migrated it is accepted.
#[tokio::test]
async fn a_database_without_the_migrations_is_refused_until_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::connect(&format!("sqlite://{}", dir.path().join("new.db").display())).await.unwrap();
    let err = db.check_schema().await.unwrap_err();
    assert_eq!(err, StoreError::SchemaOutOfDate);
    assert!(err.to_string().contains("umpin migrate"), "{err}");
    db.migrate().await.unwrap();
    db.check_schema().await.unwrap();
}

#[tokio::test]
async fn an_in_memory_sqlite_database_keeps_its_data_across_transactions() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    db.migrate().await.unwrap();
    insert_mailbox(&db, &mailbox("tony")).await.unwrap();
    assert_eq!(db.begin().await.unwrap().mailbox_candidates("tony").await.unwrap().len(), 1);
}

/// The bundled SQLite keeps no memory statistics (`.cargo/config.toml`): keeping them takes one
/// process-wide mutex on each of SQLite's allocations, which the threads of the pools'
/// connections then wait on each other for.
#[tokio::test]
async fn the_bundled_sqlite_keeps_no_memory_statistics() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let Database::Sqlite(pools) = &db else { panic!("not SQLite") };
    let used = |option: &'static str| async move {
        let (used,): (bool,) =
            sqlx::query_as("SELECT sqlite_compileoption_used($1)").bind(option).fetch_one(&pools.writer).await.unwrap();
        used
    };
    assert!(used("THREADSAFE=1").await, "positive control: an option the build is known to have");
    assert!(used("DEFAULT_MEMSTATUS=0").await, "built with SQLITE_DEFAULT_MEMSTATUS=0");
}

/// A SQLite transaction takes the write lock when it begins (`BEGIN IMMEDIATE`): a second
/// one, on another pool, waits for the first to end instead of starting beside it.
#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_transaction_takes_the_write_lock_when_it_begins() {
    let (db, _dir) = umpin_store::testing::sqlite_database().await;
    let other = db.connect_like().await.unwrap();
    let first = db.begin().await.unwrap();
    let waiting = tokio::spawn(async move {
        let tx = other.begin().await.unwrap();
        tx.commit().await.unwrap();
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the second transaction began while the first held the lock");
    first.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), waiting).await.unwrap().unwrap();
}

#[test]
fn a_url_in_a_message_hides_its_password() {
    use umpin_store::redact_url;
    assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
    assert_eq!(redact_url("postgres://u@h/db?password=secret&x=1"), "postgres://u@h/db?password=***&x=1");
    assert_eq!(redact_url("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
    assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    assert_eq!(redact_url("sqlite:///var/lib/umpin/umpin.db"), "sqlite:///var/lib/umpin/umpin.db");
    assert_eq!(redact_url("sqlite:umpin.db?mode=rwc"), "sqlite:umpin.db?mode=rwc");
}

/// Both migrations declare every constraint the store maps, under the same names.
#[test]
fn both_schemas_name_the_same_constraints() {
    let sqlite = include_str!("../../migrations/sqlite/0001_schema.sql");
    let postgres = include_str!("../../migrations/postgres/0001_schema.sql");
    let names = |sql: &str| {
        let mut names: Vec<String> = sql
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0] == "CONSTRAINT" || w[0] == "INDEX")
            .map(|w| w[1].to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(sqlite), names(postgres));
    for name in [
        "mailboxes_name_unique",
        "mailboxes_alias_unique",
        "mailboxes_primary_address_unique",
        "mailbox_addresses_address_unique",
        "dial_plans_name_unique",
        "mailbox_policies_name_unique",
        "um_extensions_extension_unique",
        "um_mailboxes_sip_unique",
    ] {
        assert!(names(sqlite).contains(&name.to_owned()), "{name}");
    }
}

/// Migration 12 rebuilds SQLite's outbox (a CHECK constraint can't be altered there): messages
/// queued before it, claimed or not, are all still queued after it, column for column.
#[tokio::test]
async fn the_sqlite_outbox_rebuild_of_migration_12_keeps_every_queued_message() {
    static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    MIGRATIONS.run_to(11, &pool).await.unwrap();
    let queued = "INSERT INTO outbox (id, kind, recipient, sealed_body, created_at, attempts, next_attempt_at, \
                  claimed_until, claim_token, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    let rows = [
        ("m1", "welcome", "tony@contoso.com", vec![1u8, 2, 3], 10_i64, 0_i64, 20_i64, None, None, None),
        ("m2", "lockout", "pilar@contoso.com", vec![4u8], 11, 3, 40, Some(50_i64), Some("claim"), Some("421 busy")),
    ];
    for (id, kind, to, body, created, attempts, next, until, token, error) in &rows {
        sqlx::query(queued)
            .bind(id)
            .bind(kind)
            .bind(to)
            .bind(body)
            .bind(created)
            .bind(attempts)
            .bind(next)
            .bind(until)
            .bind(token)
            .bind(error)
            .execute(&pool)
            .await
            .unwrap();
    }
    MIGRATIONS.run(&pool).await.unwrap();
    type Row = (String, String, String, Vec<u8>, i64, i64, i64, Option<i64>, Option<String>, Option<String>);
    let kept: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, recipient, sealed_body, created_at, attempts, next_attempt_at, claimed_until, \
         claim_token, last_error FROM outbox ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected: Vec<Row> = rows
        .iter()
        .map(|(id, kind, to, body, created, attempts, next, until, token, error)| {
            let (token, error) = (token.map(str::to_owned), error.map(str::to_owned));
            ((*id).into(), (*kind).into(), (*to).into(), body.clone(), *created, *attempts, *next, *until, token, error)
        })
        .collect();
    assert_eq!(kept, expected);
    let kinds: (String,) =
        sqlx::query_as("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetch_one(&pool).await.unwrap();
    assert!(kinds.0.contains("'spray_alert'"), "the new kind is allowed: {}", kinds.0);
}
