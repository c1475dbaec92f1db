//! The storage contract: every case runs on SQLite and on PostgreSQL (`sqlite::…`, `postgres::…`),
//! and both backends must behave exactly alike.
//!
//! This file holds the shared fixtures; the cases are in `contract/`, one module per table or area,
//! all in this one test binary.

// Fixtures are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use umpin_domain::{
    DialPlan, Guid, Mailbox, MailboxPolicy, PinPolicy, PinStatus, Timestamp, UmMailbox, UriType, VoipSecurity,
};
use umpin_store::{Database, PinRecord, Reservation, StoreError, Unique};

// ---------------------------------------------------------------------------------------------
// Fixtures

/// A time with microsecond precision, what storage keeps.
fn at(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap()
}

fn mailbox(n: &str) -> Mailbox {
    Mailbox {
        guid: Guid::new_v4(),
        name: format!("User {n}"),
        alias: n.to_owned(),
        display_name: format!("Display {n}"),
        primary_smtp_address: format!("{n}@contoso.com"),
        email_addresses: Vec::new(),
        user_principal_name: format!("{n}@corp.contoso.com"),
        phone: None,
        first_name: None,
        last_name: None,
        when_created: at(1_700_000_000_123_456),
    }
}

fn dial_plan(name: &str) -> DialPlan {
    DialPlan {
        guid: Guid::new_v4(),
        name: name.to_owned(),
        number_of_digits_in_extension: 5,
        country_or_region_code: "1".to_owned(),
        uri_type: UriType::TelExtn,
        voip_security: VoipSecurity::Unsecured,
        access_telephone_numbers: vec!["+14255550100".to_owned()],
        default_language: "en-US".to_owned(),
        logon_failures_before_disconnect: 3,
        when_created: at(1_600_000_000_000_001),
    }
}

fn policy(name: &str, plan: &DialPlan) -> MailboxPolicy {
    MailboxPolicy {
        guid: Guid::new_v4(),
        name: name.to_owned(),
        dial_plan: plan.guid,
        pin: PinPolicy::default(),
        reset_pin_text: String::new(),
        um_enabled_text: String::new(),
        allow_pinless_voice_mail_access: false,
        when_created: at(1_600_000_000_000_002),
    }
}

fn um(m: &Mailbox, p: &MailboxPolicy, extensions: &[&str]) -> UmMailbox {
    UmMailbox {
        mailbox: m.guid,
        policy: p.guid,
        dial_plan: p.dial_plan,
        extensions: extensions.iter().map(|e| e.to_string()).collect(),
        sip_resource_identifier: None,
        operator_number: None,
        pilot_number: Some("+14255550100".to_owned()),
        um_enabled: true,
        when_um_enabled: Some(at(1_700_000_001_000_000)),
        pinless_access_to_voice_mail_enabled: false,
    }
}

fn status() -> PinStatus {
    PinStatus {
        pin_set_at: at(1_700_000_002_000_000),
        pin_length: 6,
        first_time_user: true,
        expiry_forced: true,
        failed_logon_count: 0,
        last_failed_logon: None,
        locked_out: false,
    }
}

fn record(seal: u8) -> PinRecord {
    PinRecord { status: status(), sealed_pin: vec![seal; 48], history: vec![vec![seal; 32]], version: 0 }
}

/// A dial plan and its policy, committed.
async fn org(db: &Database, name: &str) -> (DialPlan, MailboxPolicy) {
    let plan = dial_plan(name);
    let pol = policy(&format!("{name} Default Policy"), &plan);
    let mut tx = db.begin().await.unwrap();
    tx.insert_dial_plan(&plan).await.unwrap();
    tx.insert_policy(&pol).await.unwrap();
    tx.commit().await.unwrap();
    (plan, pol)
}

/// A UM-enabled mailbox with PIN data, committed.
async fn um_user(db: &Database, pol: &MailboxPolicy, n: &str, extension: &str) -> Mailbox {
    let m = mailbox(n);
    let mut tx = db.begin().await.unwrap();
    tx.insert_mailbox(&m).await.unwrap();
    tx.put_um_mailbox(&um(&m, pol, &[extension])).await.unwrap();
    tx.put_pin(m.guid, &record(1)).await.unwrap();
    tx.commit().await.unwrap();
    m
}

async fn insert_mailbox(db: &Database, m: &Mailbox) -> Result<(), StoreError> {
    let mut tx = db.begin().await.unwrap();
    tx.insert_mailbox(m).await?;
    tx.commit().await
}

fn conflict(what: Unique) -> Result<(), StoreError> {
    Err(StoreError::Conflict { what })
}

async fn pin_of(db: &Database, m: Guid) -> Option<PinRecord> {
    db.begin().await.unwrap().pin(m).await.unwrap()
}

/// Records the right PIN of the reserved attempt `r`, with a re-sealed verifier when given, in a
/// transaction of its own: the PIN status it left, or `None` when it didn't act.
async fn sign_in_succeeded(db: &Database, m: Guid, r: &Reservation, upgrade: Option<&[u8]>) -> Option<PinStatus> {
    let mut tx = db.begin().await.unwrap();
    let status = tx.sign_in_succeeded(m, r.version, r.failed_logon_count, upgrade).await.unwrap();
    tx.commit().await.unwrap();
    status
}

/// Makes PostgreSQL plan every statement of `tx` with its generic plan, the one a connection
/// settles on after five executions of a statement.
async fn force_generic_plans(tx: &mut umpin_store::Tx) {
    let generic = "SELECT length(set_config('plan_cache_mode', 'force_generic_plan', true))::BIGINT";
    umpin_store::testing::raw_number_in(tx, generic).await.unwrap();
}

/// The rows and index entries that PostgreSQL's scans of `table` and of its primary key have
/// returned in `tx` so far.
async fn entries_read(tx: &mut umpin_store::Tx, table: &str) -> i64 {
    let read = format!(
        "SELECT pg_stat_get_xact_tuples_returned('{table}'::regclass) \
         + pg_stat_get_xact_tuples_returned('{table}_pkey'::regclass)"
    );
    umpin_store::testing::raw_number_in(tx, &read).await.unwrap()
}

// ---------------------------------------------------------------------------------------------
// The cases, one module per table or area. `#[path]` keeps them in `contract/` rather than beside
// this file, where Cargo would build each one as a test binary of its own.

#[path = "contract/api_tokens.rs"]
mod api_tokens;
#[path = "contract/audit_log.rs"]
mod audit_log;
#[path = "contract/connecting.rs"]
mod connecting;
#[path = "contract/dial_plans.rs"]
mod dial_plans;
#[path = "contract/leases.rs"]
mod leases;
#[path = "contract/mailboxes.rs"]
mod mailboxes;
#[path = "contract/outbox.rs"]
mod outbox;
#[path = "contract/outbox_delivery.rs"]
mod outbox_delivery;
#[path = "contract/pins.rs"]
mod pins;
#[path = "contract/policies.rs"]
mod policies;
#[path = "contract/sign_in_rule.rs"]
mod sign_in_rule;
#[path = "contract/spraying.rs"]
mod spraying;
#[path = "contract/transactions.rs"]
mod transactions;
#[path = "contract/um_mailboxes.rs"]
mod um_mailboxes;
#[path = "contract/voice_calls.rs"]
mod voice_calls;
#[path = "contract/web_admin_center.rs"]
mod web_admin_center;
