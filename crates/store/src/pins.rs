//! PIN data (SPEC §1.5) and the sign-in statements (SPEC §2.5).
//!
//! The failure count is only ever changed by single statements that compute it in the database:
//! [`Tx::reserve_sign_in`] counts an attempt before its PIN is evaluated, and stops granting
//! attempts once the count reaches `MaxLogonAttempts` (it sets the lockout in the same statement).
//! However many sign-ins run at once on however many nodes, each gets its own count, and no more
//! than `MaxLogonAttempts` are granted between two administrator actions.
//!
//! `version` is the guard of everything a sign-in does after its reservation: it moves on every
//! PIN change and every administrator action (never on a reservation), and the statements that
//! follow a reservation act only while it is still the version the reservation saw.
//!
//! The PIN listing ([`Tx::list_um_pins`]) states every filter in its one statement, `PinExpired`
//! included, so that a page is one keyset query: nothing is filtered after reading.
//! `PinExpired` is derived (SPEC §2.4), so the statement holds a copy of the rule that
//! [`PinStatus::pin_expired`] states for one mailbox; the contract suite compares the two over
//! many PIN states, policies and times.
//!
//! The statement walks the address order, unless a filter says where the few matches are: the
//! locked-out from their partial index; those whose PIN hasn't expired or expires by a date from
//! the index by `pin_set_at`, when at most [`GATHER_PAGES`] pages' worth of PINs lie in the range
//! of `pin_set_at` that the policies' lifetimes leave them ([`SetAtRange`]); and those that have or
//! haven't completed first-time setup from the partial index of those, when at most as many are.
//! Gathering costs in proportion to the PINs gathered, walking in proportion to how rare the
//! matches are.

use std::fmt;

use umpin_domain::{Guid, Mailbox, PinPolicy, PinStatus, Timestamp};

use crate::error::unreadable;
use crate::mailboxes::{
    ABOVE_EVERY_KEY, MailboxRow, WholeMailboxRow, anr_condition, candidate_keys, mailbox_candidates, mailbox_columns,
    secondary_addresses,
};
use crate::policies::{PinPolicyRow, pin_policy_columns};
use crate::rows::{delete_one, guid_text, json_bool, micros, narrow, opt_timestamp, parse_guid, timestamp};
use crate::um_mailboxes::{FilterBinds, UmMailboxFilter, um_filter_condition};
use crate::{Conn, Database, StoreError, Tx};

/// Which UM mailboxes [`Tx::list_um_pins`] lists: those `um_mailboxes` selects whose PIN data
/// meets every condition given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UmPinFilter {
    /// Which UM mailboxes: of a policy, of a dial plan, matching `-Anr`.
    pub um_mailboxes: UmMailboxFilter,
    /// Only those whose PIN data is (`true`) or isn't (`false`) locked out.
    pub locked_out: Option<bool>,
    /// Only those that haven't (`true`) or have (`false`) completed first-time setup.
    pub first_time_user: Option<bool>,
    /// Only those whose PIN has (`true`) or hasn't (`false`) expired at the time the listing is
    /// given, under the current settings of their policy.
    pub pin_expired: Option<bool>,
    /// Only those whose PIN reaches its `PINLifetime` (`PinExpiresOn`) after the time the
    /// listing is given and no later than this: PINs about to expire.
    pub expires_by: Option<Timestamp>,
    /// By primary address from the highest down, rather than from the lowest up; a page then
    /// starts below `after`.
    pub descending: bool,
}

/// The PIN data of a UM mailbox: the status, the sealed verifier of the current PIN and those of
/// the previous PINs (newest first). The sealed values are opaque here (see the crypto crate).
#[derive(Clone, PartialEq, Eq)]
pub struct PinRecord {
    pub status: PinStatus,
    pub sealed_pin: Vec<u8>,
    /// Newest first.
    pub history: Vec<Vec<u8>>,
    /// Moves on every PIN change and administrator action. Ignored by [`Tx::put_pin`], which
    /// computes it.
    pub version: i64,
}

impl fmt::Debug for PinRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinRecord")
            .field("status", &self.status)
            .field("sealed_pin", &format_args!("<{} bytes>", self.sealed_pin.len()))
            .field("history", &format_args!("<{} entries>", self.history.len()))
            .field("version", &self.version)
            .finish()
    }
}

/// A sign-in attempt granted by [`Tx::reserve_sign_in`]: already counted as a failure, with the
/// sealed verifier to evaluate the PIN against.
#[derive(Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The consecutive-failure count including this attempt.
    pub failed_logon_count: u32,
    /// Whether this attempt reached `MaxLogonAttempts` and so locked the mailbox out. The attempt
    /// itself is still evaluated.
    pub locked_out: bool,
    /// The version of the PIN data this attempt saw.
    pub version: i64,
    pub sealed_pin: Vec<u8>,
}

impl fmt::Debug for Reservation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reservation")
            .field("failed_logon_count", &self.failed_logon_count)
            .field("locked_out", &self.locked_out)
            .field("version", &self.version)
            .field("sealed_pin", &format_args!("<{} bytes>", self.sealed_pin.len()))
            .finish()
    }
}

macro_rules! pin_status_columns {
    () => {
        "p.pin_set_at, p.pin_length, p.first_time_user, p.expiry_forced, p.failed_logon_count, \
         p.last_failed_logon, p.locked_out"
    };
}

/// `PinExpired` of `pins p` under the policy `mailbox_policies pol` at the time `$9`, as
/// [`PinStatus::pin_expired`] states it: forced, or shorter than `MinPINLength`, or a `PINLifetime`
/// (NULL when `Unlimited`) of that many 24-hour days reached, from its very microsecond on. `$9`
/// is in whole microseconds, as stored: a PIN is set on a whole microsecond, so a fraction more
/// of the time never changes the answer.
macro_rules! pin_expired {
    () => {
        "(p.expiry_forced OR p.pin_length < pol.min_pin_length \
         OR (pol.pin_lifetime IS NOT NULL AND p.pin_set_at + pol.pin_lifetime * 86400000000 <= $9))"
    };
}

/// When `pins p` reaches the `PINLifetime` of `mailbox_policies pol` (`PinExpiresOn`), in
/// microseconds; NULL when the lifetime is `Unlimited`.
macro_rules! pin_expires_on {
    () => {
        "(p.pin_set_at + pol.pin_lifetime * 86400000000)"
    };
}

/// One page of the PIN listing as one value: the rows walking the primary addresses with
/// `$keyset` (`>` up, `<` down) in `$order`, each built by the database into a JSON array of
/// arrays (the [`mailbox_columns!`], the secondary addresses, the [`pin_status_columns!`] and the
/// [`pin_policy_columns!`], read back by position into [`PinPageRow`]), joined in that order
/// into one JSON array (`[]` for none). So a page crosses from the database to the caller as one
/// value, not row by row (on SQLite each row is otherwise a hand-off between sqlx's worker thread
/// and the caller's, and each of its values an allocation freed on the other thread).
macro_rules! pin_page {
    ($backend:ident, $from:ident!($($kind:tt)*), $keyset:literal, $order:literal) => {
        concat!(
            "SELECT COALESCE('[' || string_agg(r, ',' ORDER BY k ",
            $order,
            ") || ']', '[]') FROM (SELECT m.primary_address_key AS k, ",
            pin_page_row!($backend),
            " AS r",
            $from!($($kind)*),
            " WHERE ",
            um_filter_condition!(),
            " AND m.primary_address_key ",
            $keyset,
            " $1",
            " AND ($6 IS NULL OR p.locked_out = $6) AND ($7 IS NULL OR p.first_time_user = $7)",
            " AND ($8 IS NULL OR ",
            pin_expired!(),
            " = $8)",
            " AND ($10 IS NULL OR (",
            pin_expires_on!(),
            " > $9 AND ",
            pin_expires_on!(),
            " <= $10))",
            " ORDER BY m.primary_address_key ",
            $order,
            " LIMIT $3) t"
        )
    };
}

/// A row of the PIN listing as the text of a JSON array (see [`pin_page!`]).
macro_rules! pin_page_row {
    (sqlite) => {
        concat!(
            "json_array(json_array(",
            mailbox_columns!(),
            "), json(",
            secondary_addresses!(sqlite),
            "), json_array(",
            pin_status_columns!(),
            "), json_array(",
            pin_policy_columns!(),
            "))"
        )
    };
    (postgres) => {
        concat!(
            "json_build_array(json_build_array(",
            mailbox_columns!(),
            "), CAST(",
            secondary_addresses!(postgres),
            " AS JSON), json_build_array(",
            pin_status_columns!(),
            "), json_build_array(",
            pin_policy_columns!(),
            "))::TEXT"
        )
    };
}

/// The rows the PIN listing reads: every UM mailbox with PIN data, along the address order.
macro_rules! every_pin {
    () => {
        " FROM mailboxes m JOIN um_mailboxes u ON u.mailbox = m.guid JOIN pins p ON p.mailbox = m.guid \
         JOIN mailbox_policies pol ON pol.guid = u.policy"
    };
}

/// The same rows when only the locked-out are wanted: from the partial index that holds only
/// them (migration 0006), then sorted, instead of a walk of every mailbox to find a few. SQLite is
/// told the index and the order of the join (`CROSS JOIN`), since for `ORDER BY … LIMIT` it
/// would otherwise walk the address order; PostgreSQL's planner chooses the index itself.
macro_rules! locked_out_pins {
    (sqlite) => {
        concat!(
            " FROM pins p INDEXED BY pins_locked_out CROSS JOIN mailboxes m ON m.guid = p.mailbox AND p.locked_out",
            um_and_policy!()
        )
    };
    (postgres) => {
        concat!(" FROM pins p JOIN mailboxes m ON m.guid = p.mailbox AND p.locked_out", um_and_policy!())
    };
}

/// The joins of a row's UM settings and policy, once `pins p` and `mailboxes m` are joined.
macro_rules! um_and_policy {
    () => {
        " JOIN um_mailboxes u ON u.mailbox = m.guid JOIN mailbox_policies pol ON pol.guid = u.policy"
    };
}

/// The same rows when few have (`true`) or haven't (`false`) yet completed first-time setup: from
/// the partial index of those (migrations 0006 and 0027), then sorted, as for [`locked_out_pins!`].
macro_rules! first_time_pins {
    (sqlite, true) => {
        concat!(
            " FROM pins p INDEXED BY pins_first_time_user CROSS JOIN mailboxes m ON m.guid = p.mailbox \
             AND p.first_time_user",
            um_and_policy!()
        )
    };
    (sqlite, false) => {
        concat!(
            " FROM pins p INDEXED BY pins_not_first_time_user CROSS JOIN mailboxes m ON m.guid = p.mailbox \
             AND NOT p.first_time_user",
            um_and_policy!()
        )
    };
    (postgres, true) => {
        concat!(" FROM pins p JOIN mailboxes m ON m.guid = p.mailbox AND p.first_time_user", um_and_policy!())
    };
    (postgres, false) => {
        concat!(" FROM pins p JOIN mailboxes m ON m.guid = p.mailbox AND NOT p.first_time_user", um_and_policy!())
    };
}

/// The same rows when few PINs lie in the range of a [`SetAtRange`] (`$11` to `$14`): from the
/// index by `pin_set_at` (migration 0026), then sorted. SQLite is told the index and the order of
/// the join, as for [`locked_out_pins!`].
macro_rules! pins_by_set_at {
    (sqlite) => {
        concat!(
            " FROM pins p INDEXED BY pins_set_at CROSS JOIN mailboxes m ON m.guid = p.mailbox AND ",
            pins_by_set_at!(range "$11", "$12", "$13", "$14"),
            um_and_policy!()
        )
    };
    (postgres) => {
        concat!(
            " FROM pins p JOIN mailboxes m ON m.guid = p.mailbox AND ",
            pins_by_set_at!(range "$11", "$12", "$13", "$14"),
            um_and_policy!()
        )
    };
    (range $forced:literal, $or_forced:literal, $after:literal, $until:literal) => {
        concat!(
            "p.expiry_forced IN (", $forced, ", ", $or_forced, ") AND p.pin_set_at > ", $after,
            " AND p.pin_set_at <= ", $until
        )
    };
}

/// How many pages' worth of PINs a listing gathers from an index and sorts at most (those in its
/// [`SetAtRange`], those of its first-time setup); with more, it walks the address order.
const GATHER_PAGES: u32 = 10;

/// Where every PIN that a listing's `PinExpired` false or expiring filter can match lies:
/// `expiry_forced` one of `forced`, and `pin_set_at` after `after` and no later than `until` (in
/// microseconds). A PIN that hasn't expired isn't forced and was set less than the longest
/// `PINLifetime` ago (unless a policy's is `Unlimited`); one that expires after the listing's time
/// and by the date was set less than the longest lifetime ago and no later than the date less the
/// shortest. The statement still states the filter itself: the range only says where to look.
#[derive(Clone, Copy)]
struct SetAtRange {
    forced: [bool; 2],
    after: i64,
    until: i64,
}

/// A day in microseconds, as the policies' lifetimes are counted.
const DAY_MICROS: i64 = 86_400_000_000;

/// Where a page of the PIN listing starts from.
enum Gather {
    /// Every UM mailbox, along the address order.
    Walk,
    /// The locked-out ones ([`locked_out_pins!`]).
    LockedOut,
    /// The PINs in a range ([`pins_by_set_at!`]).
    SetAt(SetAtRange),
    /// Those that have (`false`) or haven't (`true`) completed first-time setup
    /// ([`first_time_pins!`]).
    FirstTimeUser(bool),
}

/// A page's statement in both orders: up the addresses, and down.
macro_rules! both_orders {
    ($backend:ident, $from:ident!($($kind:tt)*)) => {
        [pin_page!($backend, $from!($($kind)*), ">", "ASC"), pin_page!($backend, $from!($($kind)*), "<", "DESC")]
    };
}

/// The [`pin_status_columns!`] and [`pin_policy_columns!`] of the mailbox `m` as the text of a
/// JSON array of two arrays, read back by position into [`MailboxPinRow`]; NULL unless it is
/// UM-enabled with PIN data.
macro_rules! pin_of_mailbox {
    (sqlite) => {
        concat!(
            "(SELECT json_array(json_array(",
            pin_status_columns!(),
            "), json_array(",
            pin_policy_columns!(),
            ")) ",
            pin_of_mailbox!(from),
            ")"
        )
    };
    (postgres) => {
        concat!(
            "(SELECT json_build_array(json_build_array(",
            pin_status_columns!(),
            "), json_build_array(",
            pin_policy_columns!(),
            "))::TEXT ",
            pin_of_mailbox!(from),
            ")"
        )
    };
    (from) => {
        "FROM um_mailboxes u JOIN pins p ON p.mailbox = u.mailbox JOIN mailbox_policies pol ON pol.guid = u.policy \
         WHERE u.mailbox = m.guid AND u.um_enabled"
    };
}

macro_rules! pin_select {
    () => {
        concat!("SELECT p.sealed_pin, p.version, ", pin_status_columns!(), " FROM pins p WHERE p.mailbox = $1")
    };
}

/// Read by column name from a row, or by position from a JSON array of [`pin_status_columns!`].
#[derive(sqlx::FromRow, serde::Deserialize)]
struct PinStatusRow {
    pin_set_at: i64,
    pin_length: i64,
    #[serde(deserialize_with = "json_bool")]
    first_time_user: bool,
    #[serde(deserialize_with = "json_bool")]
    expiry_forced: bool,
    failed_logon_count: i64,
    last_failed_logon: Option<i64>,
    #[serde(deserialize_with = "json_bool")]
    locked_out: bool,
}

impl PinStatusRow {
    fn into_status(self) -> Result<PinStatus, StoreError> {
        Ok(PinStatus {
            pin_set_at: timestamp(self.pin_set_at)?,
            pin_length: narrow(self.pin_length, "the PIN length")?,
            first_time_user: self.first_time_user,
            expiry_forced: self.expiry_forced,
            failed_logon_count: narrow(self.failed_logon_count, "the failed sign-in count")?,
            last_failed_logon: opt_timestamp(self.last_failed_logon)?,
            locked_out: self.locked_out,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PinRow {
    sealed_pin: Vec<u8>,
    version: i64,
    #[sqlx(flatten)]
    status: PinStatusRow,
}

/// A row of the PIN listing ([`pin_page!`]): the mailbox, its secondary addresses, its PIN
/// status and its policy's PIN settings.
type PinPageRow = (MailboxRow, Vec<String>, PinStatusRow, PinPolicyRow);

#[derive(sqlx::FromRow)]
struct PinOfRow {
    #[sqlx(flatten)]
    status: PinStatusRow,
    #[sqlx(flatten)]
    policy: PinPolicyRow,
}

/// A candidate of [`Database::mailbox_pin_candidates`]: the mailbox, and its PIN status and
/// policy settings ([`pin_of_mailbox!`]).
#[derive(sqlx::FromRow)]
struct MailboxPinRow {
    #[sqlx(flatten)]
    mailbox: WholeMailboxRow,
    pin: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ReservationRow {
    failed_logon_count: i64,
    locked_out: bool,
    version: i64,
    sealed_pin: Vec<u8>,
}

/// Replaces the history rows of a mailbox (position 0 is the newest).
async fn write_history(mut conn: Conn<'_>, mailbox: &str, history: &[Vec<u8>]) -> Result<(), StoreError> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query("DELETE FROM pin_history WHERE mailbox = $1")
            .bind(mailbox.to_owned())
            .execute(&mut *c)
            .await?;
    });
    for (position, entry) in history.iter().enumerate() {
        on_conn!(conn.reborrow(), c => {
            sqlx::query("INSERT INTO pin_history (mailbox, position, entry) VALUES ($1, $2, $3)")
                .bind(mailbox.to_owned())
                .bind(position as i64)
                .bind(entry.clone())
                .execute(&mut *c)
                .await?;
        });
    }
    Ok(())
}

async fn reserve_sign_in(
    conn: Conn<'_>,
    mailbox: Guid,
    max_logon_attempts: u32,
    now: Timestamp,
) -> Result<Option<Reservation>, StoreError> {
    // Every right-hand side sees the row as it was before the statement (on both backends), and a
    // concurrent statement on the same row waits for this one and then sees its result.
    let row: Option<ReservationRow> = on_conn!(conn, c => {
        sqlx::query_as(
            "UPDATE pins SET failed_logon_count = failed_logon_count + 1, last_failed_logon = $2, \
             previous_failed_logon = last_failed_logon, locked_out = (failed_logon_count + 1 >= $3) \
             WHERE mailbox = $1 AND NOT locked_out \
             RETURNING failed_logon_count, locked_out, version, sealed_pin",
        )
        .bind(guid_text(mailbox))
        .bind(micros(now))
        .bind(i64::from(max_logon_attempts))
        .fetch_optional(&mut *c)
        .await?
    });
    row.map(|r| {
        Ok(Reservation {
            failed_logon_count: narrow(r.failed_logon_count, "the failed sign-in count")?,
            locked_out: r.locked_out,
            version: r.version,
            sealed_pin: r.sealed_pin,
        })
    })
    .transpose()
}

/// Takes back a reservation whose PIN could not be evaluated (the PIN data can't be opened):
/// the count goes down by one, and a lockout this very attempt set is lifted. Only while the PIN
/// data is at `version` (no administrator action since) and the count is at least this attempt's.
async fn release_sign_in(
    conn: Conn<'_>,
    mailbox: Guid,
    version: i64,
    failed_logon_count: u32,
) -> Result<(), StoreError> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE pins SET failed_logon_count = failed_logon_count - 1, \
             locked_out = CASE WHEN failed_logon_count = $3 THEN FALSE ELSE locked_out END, \
             last_failed_logon = CASE WHEN failed_logon_count = $3 THEN previous_failed_logon ELSE last_failed_logon END \
             WHERE mailbox = $1 AND version = $2 AND failed_logon_count >= $3",
        )
        .bind(guid_text(mailbox))
        .bind(version)
        .bind(i64::from(failed_logon_count))
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

impl Tx {
    /// Stores the PIN data of a UM mailbox, replacing the data it had (history included), and
    /// returns the new version: the previous one plus one, or 1. A mailbox that isn't a UM
    /// mailbox is [`StoreError::MissingReference`].
    pub async fn put_pin(&mut self, mailbox: Guid, record: &PinRecord) -> Result<i64, StoreError> {
        let guid = guid_text(mailbox);
        let s = &record.status;
        let (version,): (i64,) = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "INSERT INTO pins (mailbox, sealed_pin, pin_set_at, pin_length, first_time_user, expiry_forced, \
                 failed_logon_count, last_failed_logon, locked_out, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) \
                 ON CONFLICT (mailbox) DO UPDATE SET sealed_pin = excluded.sealed_pin, \
                 pin_set_at = excluded.pin_set_at, pin_length = excluded.pin_length, \
                 first_time_user = excluded.first_time_user, expiry_forced = excluded.expiry_forced, \
                 failed_logon_count = excluded.failed_logon_count, last_failed_logon = excluded.last_failed_logon, \
                 locked_out = excluded.locked_out, version = pins.version + 1 \
                 RETURNING version",
            )
            .bind(guid.clone())
            .bind(record.sealed_pin.clone())
            .bind(micros(s.pin_set_at))
            .bind(i64::from(s.pin_length))
            .bind(s.first_time_user)
            .bind(s.expiry_forced)
            .bind(i64::from(s.failed_logon_count))
            .bind(s.last_failed_logon.map(micros))
            .bind(s.locked_out)
            .fetch_one(&mut *c)
            .await?
        });
        write_history(self.conn(), &guid, &record.history).await?;
        Ok(version)
    }

    /// The PIN status of a UM-enabled mailbox with the PIN settings of its policy, in one
    /// statement (the verifier and the history aren't read). `None` when the mailbox isn't UM-enabled or has no PIN data.
    pub async fn pin_status_of(&mut self, mailbox: Guid) -> Result<Option<(PinStatus, PinPolicy)>, StoreError> {
        let row: Option<PinOfRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ",
                pin_status_columns!(),
                ", ",
                pin_policy_columns!(),
                " FROM um_mailboxes u JOIN pins p ON p.mailbox = u.mailbox",
                " JOIN mailbox_policies pol ON pol.guid = u.policy WHERE u.mailbox = $1 AND u.um_enabled"
            ))
            .bind(guid_text(mailbox))
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(|r| Ok((r.status.into_status()?, r.policy.into_pin_policy()?))).transpose()
    }

    /// The PIN settings of the policy of a UM-enabled mailbox, in one statement: what a sign-in
    /// to it needs. `None` when the mailbox isn't UM-enabled.
    pub async fn sign_in_pin_policy(&mut self, mailbox: Guid) -> Result<Option<PinPolicy>, StoreError> {
        let row: Option<PinPolicyRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ",
                pin_policy_columns!(),
                " FROM um_mailboxes u JOIN mailbox_policies pol ON pol.guid = u.policy",
                " WHERE u.mailbox = $1 AND u.um_enabled"
            ))
            .bind(guid_text(mailbox))
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(PinPolicyRow::into_pin_policy).transpose()
    }

    /// The UM-enabled mailbox that has `extension` in `dial_plan`, with the PIN settings of its
    /// policy, in one statement; `None` when no UM-enabled mailbox has it.
    pub async fn sign_in_pin_policy_by_extension(
        &mut self,
        dial_plan: Guid,
        extension: &str,
    ) -> Result<Option<(Guid, PinPolicy)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            mailbox: String,
            #[sqlx(flatten)]
            policy: PinPolicyRow,
        }
        let row: Option<Row> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT u.mailbox, ",
                pin_policy_columns!(),
                " FROM um_extensions e JOIN um_mailboxes u ON u.mailbox = e.mailbox",
                " JOIN mailbox_policies pol ON pol.guid = u.policy",
                " WHERE e.dial_plan = $1 AND e.extension = $2 AND u.um_enabled"
            ))
            .bind(guid_text(dial_plan))
            .bind(extension.to_owned())
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(|r| Ok((parse_guid(&r.mailbox)?, r.policy.into_pin_policy()?))).transpose()
    }

    /// The PIN data of a UM mailbox. The row stays locked until the transaction ends (on SQLite
    /// the transaction holds the write lock anyway), so a sign-in reservation on another
    /// connection waits rather than change what this transaction read: a write based on it
    /// loses no failed attempt.
    pub async fn pin(&mut self, mailbox: Guid) -> Result<Option<PinRecord>, StoreError> {
        let guid = guid_text(mailbox);
        let row: Option<PinRow> = match self.conn() {
            Conn::Sqlite(c) => sqlx::query_as(pin_select!()).bind(guid.clone()).fetch_optional(&mut *c).await?,
            Conn::Postgres(c) => {
                sqlx::query_as(concat!(pin_select!(), " FOR UPDATE")).bind(guid.clone()).fetch_optional(&mut *c).await?
            }
        };
        let Some(row) = row else { return Ok(None) };
        let history: Vec<(Vec<u8>,)> = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT entry FROM pin_history WHERE mailbox = $1 ORDER BY position")
                .bind(guid.clone())
                .fetch_all(&mut *c)
                .await?
        });
        Ok(Some(PinRecord {
            status: row.status.into_status()?,
            sealed_pin: row.sealed_pin,
            history: history.into_iter().map(|(e,)| e).collect(),
            version: row.version,
        }))
    }

    /// Replaces the status of the PIN data (an administrator's action: `-LockedOut $false`,
    /// `-PINExpired`), keeping the PIN and its history; the version moves on.
    /// [`StoreError::NotFound`] when the mailbox has no PIN data.
    pub async fn update_pin_status(&mut self, mailbox: Guid, status: &PinStatus) -> Result<(), StoreError> {
        let s = status;
        let updated = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE pins SET pin_set_at = $2, pin_length = $3, first_time_user = $4, expiry_forced = $5, \
                 failed_logon_count = $6, last_failed_logon = $7, locked_out = $8, version = version + 1 \
                 WHERE mailbox = $1",
            )
            .bind(guid_text(mailbox))
            .bind(micros(s.pin_set_at))
            .bind(i64::from(s.pin_length))
            .bind(s.first_time_user)
            .bind(s.expiry_forced)
            .bind(i64::from(s.failed_logon_count))
            .bind(s.last_failed_logon.map(micros))
            .bind(s.locked_out)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if updated == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Destroys the PIN data of a mailbox (its history too). [`StoreError::NotFound`] when it has
    /// none.
    pub async fn delete_pin(&mut self, mailbox: Guid) -> Result<(), StoreError> {
        delete_one(self.conn(), "DELETE FROM pins WHERE mailbox = $1", mailbox).await
    }

    /// One page of the UM-enabled mailboxes that have PIN data and match `filter` at the time
    /// `now` (`Get-UMMailboxPIN`), each with its PIN status and the PIN settings of its policy
    /// as the same statement read them, ordered and paged like [`Tx::list_um_mailboxes`] (or the
    /// other way round, when the filter says `descending`).
    pub async fn list_um_pins(
        &mut self,
        filter: &UmPinFilter,
        now: Timestamp,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(Mailbox, PinStatus, PinPolicy)>, StoreError> {
        let mut b = FilterBinds::new(&filter.um_mailboxes, after, limit);
        if filter.descending && after.is_none() {
            b.after = ABOVE_EVERY_KEY.to_owned();
        }
        let gather = if filter.locked_out == Some(true) {
            Gather::LockedOut
        } else if let Some(range) = self.set_at_range(filter, now, limit).await? {
            Gather::SetAt(range)
        } else {
            self.few_first_time_users(filter, limit).await?.map_or(Gather::Walk, Gather::FirstTimeUser)
        };
        let [up, down] = match (matches!(self, Tx::Sqlite(_)), &gather) {
            (true, Gather::Walk) => both_orders!(sqlite, every_pin!()),
            (true, Gather::LockedOut) => both_orders!(sqlite, locked_out_pins!(sqlite)),
            (true, Gather::SetAt(_)) => both_orders!(sqlite, pins_by_set_at!(sqlite)),
            (true, Gather::FirstTimeUser(true)) => both_orders!(sqlite, first_time_pins!(sqlite, true)),
            (true, Gather::FirstTimeUser(false)) => both_orders!(sqlite, first_time_pins!(sqlite, false)),
            (false, Gather::Walk) => both_orders!(postgres, every_pin!()),
            (false, Gather::LockedOut) => both_orders!(postgres, locked_out_pins!(postgres)),
            (false, Gather::SetAt(_)) => both_orders!(postgres, pins_by_set_at!(postgres)),
            (false, Gather::FirstTimeUser(true)) => both_orders!(postgres, first_time_pins!(postgres, true)),
            (false, Gather::FirstTimeUser(false)) => both_orders!(postgres, first_time_pins!(postgres, false)),
        };
        let sql = if filter.descending { down } else { up };
        let (page,): (String,) = on_conn!(self.conn(), c => {
            let query = sqlx::query_as(sql)
                .bind(b.after.clone())
                .bind(b.anr.clone())
                .bind(b.limit)
                .bind(b.policy.clone())
                .bind(b.dial_plan.clone())
                .bind(filter.locked_out)
                .bind(filter.first_time_user)
                .bind(filter.pin_expired)
                .bind(micros(now))
                .bind(filter.expires_by.map(micros));
            let query = match gather {
                Gather::SetAt(r) => query.bind(r.forced[0]).bind(r.forced[1]).bind(r.after).bind(r.until),
                Gather::Walk | Gather::LockedOut | Gather::FirstTimeUser(_) => query,
            };
            query.fetch_one(&mut *c).await?
        });
        let rows: Vec<PinPageRow> = serde_json::from_str(&page).map_err(|_| unreadable("a page of the PIN listing"))?;
        rows.into_iter()
            .map(|(mailbox, addresses, status, policy)| {
                Ok((mailbox.into_mailbox(addresses)?, status.into_status()?, policy.into_pin_policy()?))
            })
            .collect()
    }

    /// The [`SetAtRange`] of `filter`'s `PinExpired` false or expiring condition at `now`, when at
    /// most [`GATHER_PAGES`] pages of `limit` PINs lie in it; `None` when the filter has neither
    /// condition or more PINs lie in the range.
    async fn set_at_range(
        &mut self,
        filter: &UmPinFilter,
        now: Timestamp,
        limit: u32,
    ) -> Result<Option<SetAtRange>, StoreError> {
        if filter.pin_expired != Some(false) && filter.expires_by.is_none() {
            return Ok(None);
        }
        let (shortest, longest, unlimited): (Option<i64>, Option<i64>, i64) = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "SELECT min(pin_lifetime), max(pin_lifetime), count(*) - count(pin_lifetime) FROM mailbox_policies",
            )
            .fetch_one(&mut *c)
            .await?
        });
        let now = micros(now);
        let ago = |days: i64| now.saturating_sub(days.saturating_mul(DAY_MICROS));
        let mut range = SetAtRange { forced: [false, true], after: i64::MIN, until: i64::MAX };
        if filter.pin_expired == Some(false) {
            range.forced = [false, false];
            if let (Some(longest), 0) = (longest, unlimited) {
                range.after = ago(longest);
            }
        }
        if let Some(by) = filter.expires_by {
            match (shortest, longest) {
                (Some(shortest), Some(longest)) => {
                    range.after = range.after.max(ago(longest));
                    range.until = micros(by).saturating_sub(shortest.saturating_mul(DAY_MICROS));
                }
                // No policy has a lifetime: no PIN expires.
                _ => range.until = i64::MIN,
            }
        }
        let most = i64::from(limit.saturating_mul(GATHER_PAGES));
        let lying: i64 = on_conn!(self.conn(), c => {
            sqlx::query_scalar(concat!(
                "SELECT count(*) FROM (SELECT 1 FROM pins p WHERE ",
                pins_by_set_at!(range "$1", "$2", "$3", "$4"),
                " LIMIT $5) t"
            ))
            .bind(range.forced[0])
            .bind(range.forced[1])
            .bind(range.after)
            .bind(range.until)
            .bind(most + 1)
            .fetch_one(&mut *c)
            .await?
        });
        Ok((lying <= most).then_some(range))
    }

    /// `filter`'s first-time setup condition when at most [`GATHER_PAGES`] pages of `limit` PINs
    /// meet it; `None` when it has none or more PINs meet it.
    async fn few_first_time_users(&mut self, filter: &UmPinFilter, limit: u32) -> Result<Option<bool>, StoreError> {
        let Some(first_time_user) = filter.first_time_user else { return Ok(None) };
        let sql = match (matches!(self, Tx::Sqlite(_)), first_time_user) {
            (true, true) => {
                "SELECT count(*) FROM (SELECT 1 FROM pins INDEXED BY pins_first_time_user WHERE first_time_user \
                 LIMIT $1) t"
            }
            (true, false) => {
                "SELECT count(*) FROM (SELECT 1 FROM pins INDEXED BY pins_not_first_time_user \
                 WHERE NOT first_time_user LIMIT $1) t"
            }
            (false, true) => "SELECT count(*) FROM (SELECT 1 FROM pins WHERE first_time_user LIMIT $1) t",
            (false, false) => "SELECT count(*) FROM (SELECT 1 FROM pins WHERE NOT first_time_user LIMIT $1) t",
        };
        let most = i64::from(limit.saturating_mul(GATHER_PAGES));
        let meeting: i64 = on_conn!(self.conn(), c => {
            sqlx::query_scalar(sql).bind(most + 1).fetch_one(&mut *c).await?
        });
        Ok((meeting <= most).then_some(first_time_user))
    }

    /// The sealed verifiers of one page of PIN data, ordered by mailbox guid, after the mailbox
    /// `after` (the last of the previous page): what a key rotation re-seals.
    ///
    /// The first page starts after '' (before every guid) rather than with `$1 IS NULL OR`, which
    /// neither SQLite nor PostgreSQL's generic plan can seek with: each page would walk the key
    /// from the first mailbox.
    pub async fn sealed_pins(&mut self, after: Option<Guid>, limit: u32) -> Result<Vec<(Guid, Vec<u8>)>, StoreError> {
        let rows: Vec<(String, Vec<u8>)> = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "SELECT mailbox, sealed_pin FROM pins WHERE mailbox > COALESCE($1, '') ORDER BY mailbox LIMIT $2",
            )
            .bind(after.map(guid_text))
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await?
        });
        rows.into_iter().map(|(mailbox, sealed)| Ok((parse_guid(&mailbox)?, sealed))).collect()
    }

    /// Replaces the sealed verifier with the same PIN sealed anew (a newer key), only while it is
    /// still `expected`; `false` when it changed meanwhile. The PIN is the same, so the version
    /// stays.
    pub async fn replace_sealed_pin(
        &mut self,
        mailbox: Guid,
        expected: &[u8],
        fresh: &[u8],
    ) -> Result<bool, StoreError> {
        let updated = on_conn!(self.conn(), c => {
            sqlx::query("UPDATE pins SET sealed_pin = $3 WHERE mailbox = $1 AND sealed_pin = $2")
                .bind(guid_text(mailbox))
                .bind(expected.to_vec())
                .bind(fresh.to_vec())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(updated == 1)
    }

    /// Reserves a sign-in attempt (SPEC §2.5), in one atomic statement: the failure count goes up
    /// by one and the time of the last failure is set, before the PIN is evaluated; when the count
    /// reaches `max_logon_attempts` the mailbox is locked out in the same statement. `None` when
    /// the mailbox is locked out (nothing is counted) or has no PIN data.
    ///
    /// Inside a transaction the reservation is seen by others only at commit: the PIN must not be
    /// evaluated before then. A sign-in outside a call uses [`Database::reserve_sign_in`]; one on a
    /// call reserves it in the transaction that reserves the call's attempt.
    pub async fn reserve_sign_in(
        &mut self,
        mailbox: Guid,
        max_logon_attempts: u32,
        now: Timestamp,
    ) -> Result<Option<Reservation>, StoreError> {
        reserve_sign_in(self.conn(), mailbox, max_logon_attempts, now).await
    }

    /// Records that the PIN of a reserved attempt was right: the failure count goes back to 0, the
    /// time of the last failure back to what it was before this attempt, and, when given, the
    /// re-sealed verifier (stronger parameters, newer key) replaces the stored one. Acts only
    /// while the PIN data is at `version` (no PIN change or administrator action since the
    /// reservation) and isn't locked out by another attempt than this one (whose count was
    /// `failed_logon_count`). Returns the PIN status it left; `None` when it didn't act, and then
    /// the sign-in must be refused.
    pub async fn sign_in_succeeded(
        &mut self,
        mailbox: Guid,
        version: i64,
        failed_logon_count: u32,
        upgraded_sealed_pin: Option<&[u8]>,
    ) -> Result<Option<PinStatus>, StoreError> {
        // A lockout is lifted only when this very attempt set it (the count is still its own): one
        // set by a later attempt stays, as only an administrator clears a lockout.
        let row: Option<PinStatusRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(
                "UPDATE pins SET failed_logon_count = 0, locked_out = FALSE, \
                 last_failed_logon = previous_failed_logon, sealed_pin = COALESCE($4, sealed_pin) \
                 WHERE mailbox = $1 AND version = $2 AND (NOT locked_out OR failed_logon_count = $3) \
                 RETURNING pin_set_at, pin_length, first_time_user, expiry_forced, failed_logon_count, \
                 last_failed_logon, locked_out",
            )
            .bind(guid_text(mailbox))
            .bind(version)
            .bind(i64::from(failed_logon_count))
            .bind(upgraded_sealed_pin.map(<[u8]>::to_vec))
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(PinStatusRow::into_status).transpose()
    }

    /// The automatic PIN reset after `LogonFailuresBeforePINReset` failures: the new sealed PIN,
    /// its length and history, set now and expired (the user must change it); the failure count
    /// and the lockout stay. Acts only while the failure count is still at least
    /// `reached_failed_logon_count`, the count of the reservation that triggered it (an
    /// administrator's reset or unlock, or a right PIN, set it back to 0 meanwhile: then nothing
    /// is due). It does not compare versions: concurrent attempts reserved before an earlier
    /// automatic reset still trigger theirs. `false` when it didn't act.
    pub async fn replace_pin_after_failures(
        &mut self,
        mailbox: Guid,
        reached_failed_logon_count: u32,
        sealed_pin: &[u8],
        history: &[Vec<u8>],
        pin_length: u8,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let guid = guid_text(mailbox);
        let updated = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE pins SET sealed_pin = $3, pin_length = $4, pin_set_at = $5, expiry_forced = TRUE, \
                 version = version + 1 WHERE mailbox = $1 AND failed_logon_count >= $2",
            )
            .bind(guid.clone())
            .bind(i64::from(reached_failed_logon_count))
            .bind(sealed_pin.to_vec())
            .bind(i64::from(pin_length))
            .bind(micros(now))
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if updated == 0 {
            return Ok(false);
        }
        write_history(self.conn(), &guid, history).await?;
        Ok(true)
    }
}

impl Database {
    /// The mailboxes an `-Identity` value may name, as [`Tx::mailbox_candidates`] finds and
    /// orders them, each with its PIN status and its policy's PIN settings when it is UM-enabled
    /// with PIN data (as [`Tx::pin_status_of`] gives them): what `Get-UMMailboxPIN -Identity`
    /// reads, in one statement on a reader connection without a transaction.
    pub async fn mailbox_pin_candidates(
        &self,
        identity: &str,
    ) -> Result<Vec<(Mailbox, Option<(PinStatus, PinPolicy)>)>, StoreError> {
        let (guid, wanted) = candidate_keys(identity);
        let mut reader = self.acquire_reader().await?;
        let rows: Vec<MailboxPinRow> = match reader.conn() {
            Conn::Sqlite(c) => {
                sqlx::query_as(mailbox_candidates!(sqlite ", ", pin_of_mailbox!(sqlite), " AS pin",))
                    .bind(guid)
                    .bind(wanted)
                    .fetch_all(c)
                    .await?
            }
            Conn::Postgres(c) => {
                sqlx::query_as(mailbox_candidates!(postgres ", ", pin_of_mailbox!(postgres), " AS pin",))
                    .bind(guid)
                    .bind(wanted)
                    .fetch_all(c)
                    .await?
            }
        };
        rows.into_iter()
            .map(|row| {
                let pin = match row.pin {
                    Some(text) => {
                        let (status, policy): (PinStatusRow, PinPolicyRow) =
                            serde_json::from_str(&text).map_err(|_| unreadable("the PIN status of a mailbox"))?;
                        Some((status.into_status()?, policy.into_pin_policy()?))
                    }
                    None => None,
                };
                Ok((row.mailbox.into_mailbox()?, pin))
            })
            .collect()
    }

    /// [`Tx::reserve_sign_in`] in a statement of its own, committed at once, so that every node
    /// counts the attempt before this one evaluates the PIN.
    pub async fn reserve_sign_in(
        &self,
        mailbox: Guid,
        max_logon_attempts: u32,
        now: Timestamp,
    ) -> Result<Option<Reservation>, StoreError> {
        let mut pooled = self.acquire().await?;
        reserve_sign_in(pooled.conn(), mailbox, max_logon_attempts, now).await
    }

    /// Takes back a reservation whose PIN could not be evaluated, in a statement of its own
    /// committed at once, so that unreadable PIN data never counts against the user.
    pub async fn release_sign_in(
        &self,
        mailbox: Guid,
        version: i64,
        failed_logon_count: u32,
    ) -> Result<(), StoreError> {
        let mut pooled = self.acquire().await?;
        release_sign_in(pooled.conn(), mailbox, version, failed_logon_count).await
    }
}
