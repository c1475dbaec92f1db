//! Storage for umpin: the directory (mailboxes, UM dial plans, UM mailbox policies, UM mailboxes),
//! the PIN data and the outbox, in SQLite (the embedded default) or PostgreSQL (for several
//! server nodes), chosen by the database URL (SPEC §7).
//!
//! There is one implementation for both backends. Every query is written once, with `$1, $2, …`
//! placeholders (which sqlx binds by number on SQLite too), and the `on_conn!` macro expands its
//! body once per backend. The schema is the same on both (`migrations/sqlite`,
//! `migrations/postgres`): times are integer microseconds since the Unix epoch, guids hyphenated
//! lowercase text, lists child tables. Uniqueness is the database's to enforce, so that it holds
//! across nodes; a broken unique rule comes back as [`StoreError::Conflict`] naming the rule.
//!
//! Everything goes through a [`Tx`] ([`Database::begin`]), except the statements that must be
//! visible to every node at once: the sign-in ones ([`Database::reserve_sign_in`],
//! [`Database::release_sign_in`]) and those of outbox delivery ([`Database::claim_due_messages`]
//! and the others of the `outbox` module). Rules live in the domain and service crates; here are only
//! the statements, and the one counter (failed sign-ins) is changed by single atomic statements,
//! never read-modify-write.
//!
//! Transactions serialize writers on both backends where it matters: a SQLite transaction starts
//! with `BEGIN IMMEDIATE` (it holds the write lock from the start, so it never fails when it would
//! upgrade a read lock), and on PostgreSQL [`Tx::pin`] locks the PIN row until the transaction
//! ends, so the PIN data a transaction read can't change under it.
//!
//! SQLite has one writer at a time whatever the pool, so a SQLite database is two pools
//! ([`SqlitePools`]): one connection for every write (transactions and statements of their own),
//! whose waiters queue in the process, in order, and many for the read-only transactions of
//! [`Database::begin_read`], which in WAL mode read beside the writer. Writers of one process then
//! never sleep in SQLite's busy handler (which polls, and made a few requests wait for seconds);
//! the busy timeout is left for another process on the same file (a local shell beside `umpin
//! serve`).

/// Runs `$body` with `$c` bound to the connection of either backend (`&mut SqliteConnection` or
/// `&mut PgConnection`): the body is written once and compiled for both.
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::Conn::Sqlite($c) => $body,
            $crate::Conn::Postgres($c) => $body,
        }
    };
}

mod accounts;
mod audit;
mod dial_plans;
mod directory;
mod error;
mod leases;
mod mailboxes;
mod outbox;
mod pins;
mod policies;
mod rows;
mod spraying;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod um_mailboxes;
mod voice;
mod web_sessions;

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};

pub use accounts::AccountCredentials;
pub use audit::{AuditFilter, AuditRecord};
pub use directory::{DirectorySyncRecord, MAX_SKIPPED_KEPT, SyncCounts};
pub use error::{StoreError, Unique, redact_url};
pub use mailboxes::{MAX_CANDIDATES, MailboxFilter, Recipient, RecipientKey, RecipientOrder, RecipientQuery};
pub use outbox::{Claim, ClaimedMessage, MAX_DELIVERY_ERROR_CHARS, MessageKind, OutboxMessage};
pub use pins::{PinRecord, Reservation, UmPinFilter};
pub use spraying::SprayBlock;
pub use um_mailboxes::UmMailboxFilter;
pub use voice::{RecordedName, VoiceCall};
pub use web_sessions::Sessions;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How long a SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Reader connections of a SQLite database (beside its one writer).
const SQLITE_READERS: u32 = 8;
const POSTGRES_POOL_SIZE: u32 = 16;
/// How long an operation waits for a free connection (or for the server to answer a connect).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(15);

/// A pool of connections to the database. Cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqlitePools),
    Postgres(PgPool),
}

/// The connections of a SQLite database: one writer, many readers.
#[derive(Clone, Debug)]
pub struct SqlitePools {
    /// Exactly one connection, for every transaction of [`Database::begin`] and every statement
    /// committed on its own: writers wait for it in the pool's queue, first come first served.
    pub writer: SqlitePool,
    /// The connections of [`Database::begin_read`], which refuse to write (`query_only`). For an
    /// in-memory database, which lives in one connection, the writer's pool itself.
    pub readers: SqlitePool,
}

/// A transaction. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// A borrowed connection of either backend, what `on_conn!` dispatches on.
pub(crate) enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// A connection taken from the pool for statements outside a transaction (autocommit).
pub(crate) enum Pooled {
    Sqlite(sqlx::pool::PoolConnection<Sqlite>),
    Postgres(sqlx::pool::PoolConnection<Postgres>),
}

impl Pooled {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(c) => Conn::Sqlite(c),
            Pooled::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl Conn<'_> {
    /// The same connection for one more statement.
    pub(crate) fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl Database {
    /// Opens a pool on the database the URL names: `sqlite:PATH` (also `sqlite://PATH`,
    /// `sqlite::memory:`) or `postgres://…` / `postgresql://…`.
    ///
    /// A SQLite file is created when missing (its directory must exist) and used in WAL mode with
    /// foreign keys on, `synchronous = FULL` and a busy timeout of 10 s. The schema is not
    /// touched: call [`Database::migrate`].
    ///
    /// `FULL`, not WAL's usual `NORMAL`: with `NORMAL` a commit is acknowledged before the WAL
    /// is synced, so a power loss can take back a PIN reset, an unlock or a counted failure that
    /// was already reported done. A PIN and lockout store must not; `FULL` syncs the WAL at
    /// every commit (see `BENCHMARKS.md` for what it costs).
    pub async fn connect(url: &str) -> Result<Database, StoreError> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => {
                let options = SqliteConnectOptions::from_str(url).map_err(|e| invalid_url(url, &e))?;
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                Self::connect_sqlite(options, in_memory, url).await
            }
            Some("postgres" | "postgresql") => {
                let options = PgConnectOptions::from_str(url).map_err(|e| invalid_url(url, &e))?;
                Self::connect_postgres(options, POSTGRES_POOL_SIZE, url).await
            }
            _ => Err(StoreError::InvalidUrl(format!(
                "The database URL '{}' isn't supported: use sqlite:PATH (such as sqlite:///var/lib/umpin/umpin.db) \
                 for SQLite, or postgres://USER@HOST:PORT/DATABASE (or postgresql://…) for PostgreSQL.",
                redact_url(url)
            ))),
        }
    }

    async fn connect_sqlite(options: SqliteConnectOptions, in_memory: bool, url: &str) -> Result<Database, StoreError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        if in_memory {
            // An in-memory database lives as long as one of its connections: keep exactly one,
            // for ever, for writing and reading alike.
            let pool = PoolOptions::<Sqlite>::new()
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .max_connections(1)
                .test_before_acquire(false)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .map_err(|e| unavailable("SQLite", url, &e))?;
            return Ok(Database::Sqlite(SqlitePools { writer: pool.clone(), readers: pool }));
        }
        Self::sqlite_pools(options, SQLITE_READERS).await.map_err(|e| unavailable("SQLite", url, &e))
    }

    /// The writer's pool (which creates the file and sets WAL mode), then the readers'.
    ///
    /// Neither pool pings a connection before lending it (sqlx's `test_before_acquire`): a
    /// connection to a file can't have been dropped by a server, and each ping would be one more
    /// hand-off to the connection's worker thread on every request.
    async fn sqlite_pools(options: SqliteConnectOptions, readers: u32) -> Result<Database, sqlx::Error> {
        let writer = PoolOptions::<Sqlite>::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let readers = PoolOptions::<Sqlite>::new()
            .max_connections(readers)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options.pragma("query_only", "ON"))
            .await?;
        Ok(Database::Sqlite(SqlitePools { writer, readers }))
    }

    pub(crate) async fn connect_postgres(
        options: PgConnectOptions,
        pool_size: u32,
        url: &str,
    ) -> Result<Database, StoreError> {
        // One connection first: a server that refuses is reported at once, not after the pool
        // has retried for the whole acquire timeout.
        let probe = tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .unwrap_or(Err(sqlx::Error::PoolTimedOut))
            .map_err(|e| unavailable("PostgreSQL", url, &e))?;
        let _ = probe.close().await;
        let pool = PoolOptions::<Postgres>::new()
            .max_connections(pool_size)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| unavailable("PostgreSQL", url, &e))?;
        Ok(Database::Postgres(pool))
    }

    /// Opens a second, independent pool with exactly this pool's connection settings: what
    /// another server node on the same database has (for tests of behaviour across nodes).
    pub async fn connect_like(&self) -> Result<Database, StoreError> {
        match self {
            Database::Sqlite(pools) => {
                let options = (*pools.writer.connect_options()).clone();
                let readers = pools.readers.options().get_max_connections();
                Self::sqlite_pools(options, readers).await.map_err(|e| unavailable("SQLite", "the same database", &e))
            }
            Database::Postgres(pool) => {
                let options = (*pool.connect_options()).clone();
                let max = pool.options().get_max_connections();
                Self::connect_postgres(options, max, "the same database").await
            }
        }
    }

    /// Brings the schema up to date with the migrations of this backend (embedded in the binary).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Database::Sqlite(pools) => SQLITE_MIGRATIONS.run(&pools.writer).await?,
            Database::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Refuses a database whose schema lacks a migration of this binary (never set up, or set up
    /// by an older umpin), with the command that fixes it.
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        const APPLIED: &str = "SELECT version FROM _sqlx_migrations WHERE success";
        let (applied, migrator): (Result<Vec<(i64,)>, sqlx::Error>, _) = match self {
            Database::Sqlite(pools) => (sqlx::query_as(APPLIED).fetch_all(&pools.readers).await, &SQLITE_MIGRATIONS),
            Database::Postgres(pool) => (sqlx::query_as(APPLIED).fetch_all(pool).await, &POSTGRES_MIGRATIONS),
        };
        let applied: Vec<i64> = match applied {
            Ok(rows) => rows.into_iter().map(|(v,)| v).collect(),
            Err(sqlx::Error::Database(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        if migrator.iter().all(|m| applied.contains(&m.version)) { Ok(()) } else { Err(StoreError::SchemaOutOfDate) }
    }

    /// Starts a transaction. On SQLite it is on the one writer connection (waiting in the
    /// process for the writer before it) and `BEGIN IMMEDIATE`: it takes the write lock at once
    /// (waiting up to the busy timeout for another process), so it never fails half-way when it
    /// first writes. So on SQLite, a task holding a `Tx` must not wait on another write of its own
    /// ([`Database::reserve_sign_in`], a second `Tx`): that one would wait for the connection the
    /// first holds, until the acquire timeout.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Database::Sqlite(pools) => Tx::Sqlite(pools.writer.begin_with("BEGIN IMMEDIATE").await?),
            Database::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Starts a read-only transaction that sees one snapshot of the database throughout (on
    /// PostgreSQL `REPEATABLE READ READ ONLY`; on SQLite a deferred transaction on a reader
    /// connection, which in WAL mode reads one snapshot beside the writer and can't write): what
    /// every read that changes nothing uses, so that reads never queue for the writer, and its
    /// statements agree with each other (the chain check of the audit log while others append, a
    /// page and its child rows). It sees every transaction committed before it began.
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Database::Sqlite(pools) => Tx::Sqlite(pools.readers.begin_with("BEGIN DEFERRED").await?),
            Database::Postgres(pool) => {
                Tx::Postgres(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?)
            }
        })
    }

    /// A connection from the pool, for a statement that must be committed on its own (every one
    /// writes: on SQLite it is the writer).
    pub(crate) async fn acquire(&self) -> Result<Pooled, StoreError> {
        Ok(match self {
            Database::Sqlite(pools) => Pooled::Sqlite(pools.writer.acquire().await?),
            Database::Postgres(pool) => Pooled::Postgres(pool.acquire().await?),
        })
    }

    /// A connection for reads that need no transaction (on SQLite a reader), so that a read of a
    /// statement or two costs no `BEGIN` and no end of a transaction.
    pub(crate) async fn acquire_reader(&self) -> Result<Pooled, StoreError> {
        Ok(match self {
            Database::Sqlite(pools) => Pooled::Sqlite(pools.readers.acquire().await?),
            Database::Postgres(pool) => Pooled::Postgres(pool.acquire().await?),
        })
    }

    /// "sqlite" or "postgres", for logs and test names.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection of the pool (waiting for those in use to come back).
    pub async fn close(&self) {
        match self {
            Database::Sqlite(pools) => {
                pools.readers.close().await;
                pools.writer.close().await;
            }
            Database::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    /// Makes every change of the transaction durable and visible.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Undoes every change of the transaction (as dropping it does, but waiting for it).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(tx) => Conn::Sqlite(tx),
            Tx::Postgres(tx) => Conn::Postgres(tx),
        }
    }
}

fn invalid_url(url: &str, e: &sqlx::Error) -> StoreError {
    StoreError::InvalidUrl(format!("The database URL '{}' can't be used: {e}", redact_url(url)))
}

fn unavailable(backend: &str, url: &str, e: &sqlx::Error) -> StoreError {
    StoreError::Unavailable(format!("{backend} at {} can't be opened: {e}", redact_url(url)))
}
