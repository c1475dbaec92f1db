//! Seeding many UM mailboxes in bulk: the rows `umpin` itself makes, written with the store's
//! own statements (`Tx::insert_mailbox`, `Tx::put_um_mailbox`, `Tx::put_pin`) in transactions
//! of [`CHUNK`] mailboxes, with each PIN sealed by the product's vault under the data
//! directory's key.
//!
//! What differs from mailboxes made one by one with `New-Mailbox` and `Enable-UMMailbox`:
//! - no audit record per mailbox, no welcome message in the outbox;
//! - each mailbox's PIN is sealed with [`Argon2Params::FAST_FOR_TESTS`] instead of the configured
//!   parameters. Sealed PIN data can't be copied from one mailbox to many: the mailbox's guid is
//!   part of the seal's associated data, so a copy doesn't open. And with the default parameters
//!   each seal costs one Argon2 computation of about 16 ms, 2.2 hours of both cores for a million
//!   mailboxes. The seeded PINs open under `umpin serve` like any other (the PHC string carries
//!   its parameters); a right sign-in would renew them with the configured ones;
//! - on SQLite, while seeding only, `synchronous = OFF` and a page cache of 1 GiB: the data
//!   directory is thrown away if the seed is cut short, and the server opens the file afterwards
//!   with its own settings.
//!
//! The mailboxes: a dial plan "Seed Dial Plan" (six-digit extensions from 100000) and a policy
//! "Seed Policy"; the first is tony@contoso.com, the others user000001@contoso.com on ([`address`]).
//! Every PIN is a first-time user's expired one, except in one UM mailbox of each 10,000
//! (user005000@contoso.com, user015000@contoso.com, …), whose PIN is current and whose
//! first-time setup is done: a rare match for the PIN filters (as `umpin_store::testing` seeds).

use std::path::Path;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt, stream};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use umpin_crypto::{Argon2Params, KeyRing, Pin, Vault};
use umpin_domain::{Guid, MailboxPolicy, NewDialPlan, NewMailbox, PinStatus, Timestamp, UmMailbox};
use umpin_store::{Database, PinRecord, SqlitePools};

/// Mailboxes per transaction.
pub const CHUNK: usize = 10_000;
/// SQLite's page cache while seeding, in KiB (as `PRAGMA cache_size` takes a negative size).
const SEED_CACHE_KIB: i64 = 1 << 20;

/// The primary SMTP address of seeded mailbox `i`.
pub fn address(i: usize) -> String {
    match i {
        0 => "tony@contoso.com".to_owned(),
        _ => format!("user{i:06}@contoso.com"),
    }
}

/// The PIN of seeded mailbox `i` (six digits, different from its neighbours').
fn pin(i: usize) -> Pin {
    Pin::from(format!("{:06}", (i * 7_919 + 314_159) % 1_000_000).as_str())
}

/// A pool on the SQLite file for seeding alone (one connection, see the module's list).
pub async fn sqlite_for_seeding(file: &Path) -> anyhow::Result<Database> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Off)
        .foreign_keys(true)
        .pragma("cache_size", (-SEED_CACHE_KIB).to_string());
    // A chunk waits for the one connection while the chunk before it writes.
    let pool = SqlitePoolOptions::new().max_connections(1).acquire_timeout(Duration::from_secs(600));
    let pool = pool.connect_with(options).await?;
    Ok(Database::Sqlite(SqlitePools { writer: pool.clone(), readers: pool }))
}

/// Seeds `count` UM mailboxes (see the module) into `db`, whose key file is `key_file`, with
/// `writers` transactions under way at once (1 is all SQLite takes; while one writes, the next
/// chunk's PINs are sealed).
pub async fn seed(db: &Database, key_file: &Path, count: usize, writers: usize) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let vault = Vault::new(KeyRing::load(key_file)?, Argon2Params::FAST_FOR_TESTS, cores)?;
    let now = Timestamp::now();
    let mut new = NewDialPlan::new("Seed Dial Plan", 6, "1");
    new.generate_um_mailbox_policy = false;
    let plan = new.validate(Guid::new_v4(), now)?;
    let policy = MailboxPolicy::new(Guid::new_v4(), "Seed Policy", plan.guid, now)?;
    let mut tx = db.begin().await?;
    tx.insert_dial_plan(&plan).await?;
    tx.insert_policy(&policy).await?;
    tx.commit().await?;
    let seeding = Seeding { db, vault: &vault, plan: &plan, policy: &policy, now };
    stream::iter((0..count).step_by(CHUNK).map(|start| start..(start + CHUNK).min(count)))
        .map(|chunk| seeding.chunk(chunk))
        .buffer_unordered(writers.max(1) + 1)
        .try_collect::<()>()
        .await
}

/// What every chunk of the seed shares.
struct Seeding<'a> {
    db: &'a Database,
    vault: &'a Vault,
    plan: &'a umpin_domain::DialPlan,
    policy: &'a MailboxPolicy,
    now: Timestamp,
}

impl Seeding<'_> {
    /// Mailboxes `range`: their PINs sealed, then written in one transaction.
    async fn chunk(&self, range: std::ops::Range<usize>) -> anyhow::Result<()> {
        let now = self.now;
        let rows: Vec<_> = stream::iter(range)
            .map(|i| async move {
                let name = if i == 0 { "Tony Smith".to_owned() } else { format!("User {i:06}") };
                let mailbox = NewMailbox { name, primary_smtp_address: address(i), ..Default::default() }
                    .validate(Guid::new_v4(), now)?;
                let um = UmMailbox::enable(
                    mailbox.guid,
                    self.policy.guid,
                    self.plan,
                    vec![format!("{:06}", 100_000 + i)],
                    None,
                    None,
                    now,
                );
                let pin = pin(i);
                let record = PinRecord {
                    status: match i % 10_000 {
                        5_000 => PinStatus::new_pin(6, false, false, false, now),
                        _ => PinStatus::new_pin(6, true, true, false, now),
                    },
                    sealed_pin: self.vault.seal_new_pin(mailbox.guid, &pin).await?.into_bytes(),
                    history: vec![self.vault.history_entry(mailbox.guid, &pin).into_bytes()],
                    version: 0,
                };
                anyhow::Ok((mailbox, um, record))
            })
            .buffered(64)
            .try_collect()
            .await?;
        let mut tx = self.db.begin().await?;
        for (mailbox, um, record) in &rows {
            tx.insert_mailbox(mailbox).await?;
            tx.put_um_mailbox(um).await?;
            tx.put_pin(mailbox.guid, record).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_seeded_mailbox_is_tony_and_the_others_are_numbered_users() {
        assert_eq!(address(0), "tony@contoso.com");
        assert_eq!(address(1), "user000001@contoso.com");
        assert_eq!(address(999_999), "user999999@contoso.com");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn seeded_pins_open_with_the_data_directorys_key_under_the_servers_parameters() {
        use umpin_crypto::{HistoryEntry, SealedPin, Verification};
        let (db, dir) = umpin_store::testing::sqlite_database().await;
        let key_file = dir.path().join("umpin.key");
        KeyRing::create(&key_file).unwrap();
        seed(&db, &key_file, 3, 1).await.unwrap();
        let server = Vault::new(KeyRing::load(&key_file).unwrap(), Argon2Params::default(), 1).unwrap();
        let mut tx = db.begin().await.unwrap();
        let mailbox = tx.mailbox_candidates(&address(2)).await.unwrap().remove(0);
        let record = tx.pin(mailbox.guid).await.unwrap().unwrap();
        let sealed = SealedPin::from_bytes(record.sealed_pin);
        let right = server.verify_pin(mailbox.guid, &sealed, &pin(2)).await.unwrap();
        assert!(matches!(right, Verification::Right { upgrade: Some(_) }), "{right:?}");
        let wrong = server.verify_pin(mailbox.guid, &sealed, &pin(1)).await.unwrap();
        assert!(matches!(wrong, Verification::Wrong), "{wrong:?}");
        let history: Vec<HistoryEntry> = record.history.into_iter().map(HistoryEntry::from_bytes).collect();
        assert!(server.in_history(mailbox.guid, &pin(2), &history));
    }

    #[test]
    fn seeded_pins_are_six_digits_and_differ_between_neighbours() {
        use umpin_crypto::ExposeSecret;
        let (a, b) = (pin(41), pin(42));
        assert_eq!(a.expose_secret().len(), 6);
        assert!(a.expose_secret().bytes().all(|c| c.is_ascii_digit()));
        assert_ne!(a.expose_secret(), b.expose_secret());
    }
}
