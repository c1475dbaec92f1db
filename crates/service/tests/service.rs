//! The service layer on both storage backends: every case runs once on SQLite and once on
//! PostgreSQL (`sqlite::<case>` and `postgres::<case>`).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use umpin_catalogue::cmdlets::{
    AddRoleGroupMember, ClearUmSprayBlock, DisableUmMailbox, EnableUmMailbox, GetMailbox, GetManagementAccount,
    GetRoleGroup, GetRoleGroupMember, GetUmDialPlan, GetUmDirectorySyncStatus, GetUmMailbox, GetUmMailboxPin,
    GetUmMailboxPolicy, GetUmSprayBlock, NewMailbox, NewManagementAccount, NewUmDialPlan, NewUmMailboxPolicy,
    RemoveMailbox, RemoveManagementAccount, RemoveRoleGroupMember, RemoveUmDialPlan, RemoveUmMailboxPolicy,
    SearchAdminAuditLog, SetMailbox, SetManagementAccount, SetUmDialPlan, SetUmMailbox, SetUmMailboxPin,
    SetUmMailboxPolicy, StartUmDirectorySync, TestAdminAuditLog,
};
use umpin_catalogue::declare::{Secret, Switch, When};
use umpin_catalogue::testing::{contoso, enable, mailbox_of, management_account_of, pin_status_of, um_mailbox_of};
use umpin_crypto::{Argon2Params, KeyRing, Vault};
use umpin_domain::{Error, Limit, LimitValue, PinRule, Timestamp};
use umpin_service::testing::{ADMINISTRATOR_ADDRESS, PLAN, POLICY, TONY_PIN, admin, pin, service, service_with_key};
use umpin_service::{MessageKind, PinFilter, Principal, Service, ServiceError, SignInOutcome};
use umpin_store::Database;

fn rule(result: Result<impl std::fmt::Debug, ServiceError>) -> Error {
    match result {
        Err(ServiceError::Rule(e)) => e,
        other => panic!("expected a rule error, got {other:?}"),
    }
}

async fn messages(s: &Service, kind: MessageKind) -> Vec<(String, String)> {
    let mut tx = s.database().begin().await.unwrap();
    let all = tx.outbox_messages().await.unwrap();
    all.iter()
        .filter(|m| m.kind == kind)
        .map(|m| (m.recipient.clone(), String::from_utf8(s.open_message(m).unwrap().to_vec()).unwrap()))
        .collect()
}

/// An audit record's parameters as the shell and the web admin center show them.
fn shown(r: &umpin_store::AuditRecord) -> String {
    umpin_catalogue::views::cmdlet_parameters(&r.parameters)
}

async fn sign_in(s: &Service, extension: &str, p: &str) -> SignInOutcome {
    s.sign_in(&admin(), PLAN, extension, &pin(p)).await.unwrap()
}

umpin_store::backend_tests! {
    async fn enabling_a_mailbox_gives_an_expired_first_time_pin_and_a_welcome_message(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let info = pin_status_of(&s, &admin(), "tony@contoso.com").await.unwrap();
        assert_eq!(info.user_id, "tony@contoso.com");
        assert!(info.pin_expired && info.first_time_user && !info.locked_out);
        let welcome = messages(&s, MessageKind::Welcome).await;
        assert_eq!(welcome.len(), 1);
        assert_eq!(welcome[0].0, "administrator@contoso.com");
        assert!(welcome[0].1.contains("5643892") && welcome[0].1.contains("51234"));
    }

    async fn enabling_with_send_welcome_mail_false_sends_no_welcome_message_and_needs_a_pin(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let quietly = |given: Option<&str>| EnableUmMailbox {
            identity: "kim@contoso.com".into(),
            um_mailbox_policy: POLICY.into(),
            extensions: Some(vec!["51235".into()]),
            pin: given.map(|p| Secret(pin(p))),
            send_welcome_mail: Some(false),
            ..Default::default()
        };
        let refused = rule(quietly(None).call(&s, &admin()).await);
        assert!(matches!(refused, Error::InvalidParameter { parameter: "SendWelcomeMail", .. }), "{refused:?}");
        assert!(um_mailbox_of(&s, &admin(), "kim@contoso.com").await.is_err(), "a refused enable changes nothing");
        quietly(Some("7392058")).call(&s, &admin()).await.unwrap();
        assert!(pin_status_of(&s, &admin(), "kim@contoso.com").await.unwrap().first_time_user);
        let welcome = messages(&s, MessageKind::Welcome).await;
        assert_eq!(welcome.len(), 1, "tony's alone: {welcome:?}");
        assert_eq!(sign_in(&s, "51235", "7392058").await, SignInOutcome::SignedIn { mailbox: um_mailbox_of(&s, &admin(), "kim").await.unwrap().mailbox.guid, pin_expired: true, first_time_user: true });
    }

    async fn set_um_mailbox_pin_with_a_pin_resets_it_and_mails_it_to_the_user(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let request = SetUmMailboxPin { identity: "tony@contoso.com".into(), pin: Some(Secret(pin("1985848"))), pin_expired: Some(true), ..Default::default() };
        let info = request.call(&s, &admin()).await.unwrap();
        assert!(info.pin_expired);
        let resets = messages(&s, MessageKind::PinReset).await;
        assert_eq!(resets.len(), 1);
        assert_eq!(resets[0].0, "tony@contoso.com");
        assert!(resets[0].1.contains("1985848"));
        assert!(matches!(sign_in(&s, "51234", "1985848").await, SignInOutcome::SignedIn { pin_expired: true, .. }));
        assert_eq!(sign_in(&s, "51234", "5643892").await, SignInOutcome::WrongPin);
    }

    async fn a_pin_in_the_history_is_refused_and_changes_nothing(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let reset = |p: &str| SetUmMailboxPin { identity: "tony".into(), pin: Some(Secret(pin(p))), ..Default::default() };
        reset("1985848").call(&s, &admin()).await.unwrap();
        let err = rule(reset("5643892").call(&s, &admin()).await);
        assert_eq!(err, Error::Pin(PinRule::InHistory { count: 5 }));
        assert!(matches!(sign_in(&s, "51234", "1985848").await, SignInOutcome::SignedIn { .. }));
    }

    async fn the_history_forgets_pins_older_than_pin_history_count(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let changes = SetUmMailboxPolicy { identity: POLICY.into(), pin_history_count: Some(2), ..Default::default() };
        changes.call(&s, &admin()).await.unwrap();
        let reset =
            |p: &str| SetUmMailboxPin { identity: "tony".into(), pin: Some(Secret(pin(p))), send_email: Some(false), ..Default::default() };
        reset("1985848").call(&s, &admin()).await.unwrap();
        // History of 2: the current PIN and one before it.
        assert!(reset("5643892").call(&s, &admin()).await.is_err());
        reset("2758391").call(&s, &admin()).await.unwrap();
        reset("5643892").call(&s, &admin()).await.unwrap();
    }

    async fn a_pin_breaking_a_rule_is_refused_with_the_rule_and_never_the_pin(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        for (bad, expected) in [
            ("12345", PinRule::TooShort { min: 6 }),
            ("111111", PinRule::RepeatedDigit),
            ("234567", PinRule::DigitRun),
            ("5123499", PinRule::StartsWithExtension),
            ("147258", PinRule::Common),
        ] {
            let reset = SetUmMailboxPin { identity: "tony".into(), pin: Some(Secret(pin(bad))), ..Default::default() };
            let err = rule(reset.call(&s, &admin()).await);
            assert_eq!(err, Error::Pin(expected));
            assert!(!err.to_string().contains(bad));
        }
    }

    async fn a_common_pin_is_refused_until_the_policy_allows_common_pins(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let keypad_columns = || SetUmMailboxPin { identity: "tony".into(), pin: Some(Secret(pin("147258"))), ..Default::default() };
        let err = rule(keypad_columns().call(&s, &admin()).await);
        assert_eq!(err, Error::Pin(PinRule::Common));
        let changes = SetUmMailboxPolicy { identity: POLICY.into(), allow_common_pins: Some(true), ..Default::default() };
        let policy = changes.call(&s, &admin()).await.unwrap();
        assert!(policy.pin.allow_common_pins && !policy.pin.allow_common_patterns);
        keypad_columns().call(&s, &admin()).await.unwrap();
    }

    async fn wrong_pins_reset_the_pin_at_5_and_10_and_lock_out_at_15(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let changes = SetUmMailboxPolicy { identity: POLICY.into(), reset_pin_text: Some("Call the help desk at 4000.".into()), ..Default::default() };
        changes.call(&s, &admin()).await.unwrap();
        for n in 1..=15 {
            assert_eq!(sign_in(&s, "51234", "000000").await, SignInOutcome::WrongPin, "attempt {n}");
            let resets = messages(&s, MessageKind::PinReset).await.len();
            assert_eq!(resets, if n >= 10 { 2 } else if n >= 5 { 1 } else { 0 }, "after attempt {n}");
        }
        let info = pin_status_of(&s, &admin(), "tony").await.unwrap();
        assert!(info.locked_out && info.pin_expired);
        assert_eq!(info.failed_logon_count, 15);
        let resets = messages(&s, MessageKind::PinReset).await;
        assert!(resets.iter().all(|(to, body)| to == "tony@contoso.com" && body.contains("Call the help desk at 4000.")));
        let lockouts = messages(&s, MessageKind::Lockout).await;
        assert_eq!(lockouts.len(), 1);
        // The latest generated PIN is right, but a locked-out mailbox refuses it.
        let latest = resets.iter().map(|(_, b)| pin_in(b)).next_back().unwrap();
        assert_eq!(sign_in(&s, "51234", &latest).await, SignInOutcome::LockedOut);
        assert_eq!(pin_status_of(&s, &admin(), "tony").await.unwrap().failed_logon_count, 15);
    }

    async fn unlocking_clears_the_lockout_and_the_count_and_keeps_the_pin(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let changes = SetUmMailboxPolicy {
            identity: POLICY.into(),
            logon_failures_before_pin_reset: Some(LimitValue::Unlimited),
            max_logon_attempts: Some(3),
            ..Default::default()
        };
        changes.call(&s, &admin()).await.unwrap();
        for _ in 0..3 {
            sign_in(&s, "51234", "000000").await;
        }
        assert_eq!(sign_in(&s, "51234", "5643892").await, SignInOutcome::LockedOut);
        let unlock = SetUmMailboxPin { identity: "tony".into(), locked_out: Some(false), ..Default::default() };
        let unlocked = unlock.call(&s, &admin()).await.unwrap();
        assert!(!unlocked.locked_out);
        assert_eq!(unlocked.failed_logon_count, 0);
        assert!(matches!(sign_in(&s, "51234", "5643892").await, SignInOutcome::SignedIn { .. }));
        assert!(messages(&s, MessageKind::PinReset).await.is_empty());
    }

    async fn locking_refuses_the_right_pin_and_changes_nothing_else(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let before = pin_status_of(&s, &admin(), "tony").await.unwrap();
        let lock = SetUmMailboxPin { identity: "tony".into(), locked_out: Some(true), ..Default::default() };
        let locked = lock.call(&s, &admin()).await.unwrap();
        assert!(locked.locked_out);
        assert_eq!((locked.pin_expired, locked.first_time_user, locked.pin_last_set), (before.pin_expired, before.first_time_user, before.pin_last_set));
        assert_eq!(sign_in(&s, "51234", "5643892").await, SignInOutcome::LockedOut);
    }

    async fn a_reset_without_a_pin_generates_an_expired_one_and_lifts_the_lockout(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        SetUmMailboxPin { identity: "tony".into(), locked_out: Some(true), ..Default::default() }.call(&s, &admin()).await.unwrap();
        let info = SetUmMailboxPin { identity: "tony".into(), ..Default::default() }.call(&s, &admin()).await.unwrap();
        assert!(info.pin_expired && !info.locked_out);
        let resets = messages(&s, MessageKind::PinReset).await;
        let generated = pin_in(&resets[0].1);
        assert_eq!(generated.len(), 6);
        assert!(matches!(sign_in(&s, "51234", &generated).await, SignInOutcome::SignedIn { pin_expired: true, .. }));
    }

    async fn an_unknown_extension_gets_the_same_answer_as_a_wrong_pin(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        assert_eq!(sign_in(&s, "59999", "5643892").await, SignInOutcome::WrongPin);
        assert_eq!(s.sign_in(&admin(), "NoSuchPlan", "51234", &pin("5643892")).await.unwrap(), SignInOutcome::WrongPin);
    }

    async fn a_pin_expires_after_pin_lifetime_days_and_when_min_pin_length_rises(db: Database) {
        let now = Arc::new(std::sync::Mutex::new(Timestamp::now()));
        let clock = now.clone();
        let (s, _keys) = service(db);
        let s = s.with_clock(Arc::new(move || *clock.lock().unwrap()));
        contoso(&s).await;
        let reset = SetUmMailboxPin { identity: "tony".into(), pin: Some(Secret(pin("5643829"))), pin_expired: Some(false), ..Default::default() };
        reset.call(&s, &admin()).await.unwrap();
        assert!(!pin_status_of(&s, &admin(), "tony").await.unwrap().pin_expired);
        let sixty_days_later = now.lock().unwrap().checked_add(jiff::SignedDuration::from_hours(24 * 60)).unwrap();
        *now.lock().unwrap() = sixty_days_later;
        assert!(pin_status_of(&s, &admin(), "tony").await.unwrap().pin_expired);
        let unlimited = SetUmMailboxPolicy { identity: POLICY.into(), pin_lifetime: Some(LimitValue::Unlimited), ..Default::default() };
        let policy = unlimited.call(&s, &admin()).await.unwrap();
        assert_eq!(policy.pin.pin_lifetime, Limit::Unlimited);
        assert!(!pin_status_of(&s, &admin(), "tony").await.unwrap().pin_expired);
        let longer = SetUmMailboxPolicy { identity: POLICY.into(), min_pin_length: Some(8), ..Default::default() };
        longer.call(&s, &admin()).await.unwrap();
        assert!(pin_status_of(&s, &admin(), "tony").await.unwrap().pin_expired);
    }

    /// The PIN listing judges `PinExpired` at the service's clock, under the policy's current
    /// settings, as `Get-UMMailboxPIN -Identity` does.
    async fn the_pin_listing_filters_on_pin_expired_at_the_service_clock_and_the_current_policy(db: Database) {
        let now = Arc::new(std::sync::Mutex::new(Timestamp::now()));
        let clock = now.clone();
        let (s, _keys) = service(db);
        let s = s.with_clock(Arc::new(move || *clock.lock().unwrap()));
        contoso(&s).await;
        enable(&s, "kim@contoso.com", "52345", None, Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        let reset = SetUmMailboxPin { identity: "tony".into(), pin: Some(Secret(pin("5643829"))), pin_expired: Some(false), ..Default::default() };
        reset.call(&s, &admin()).await.unwrap();
        let listed = async |pin_expired| {
            let filter = PinFilter { pin_expired: Some(pin_expired), ..Default::default() };
            let page = s.list_um_mailbox_pins(&admin(), GetUmMailboxPin::listing(&filter), &filter, None, None).await.unwrap();
            assert!(page.items.iter().all(|p| p.pin_expired == pin_expired));
            page.items.into_iter().map(|p| p.user_id).collect::<Vec<_>>()
        };
        assert_eq!(listed(false).await, ["tony@contoso.com"]);
        assert_eq!(listed(true).await, ["kim@contoso.com"]);
        let sixty_days_later = now.lock().unwrap().checked_add(jiff::SignedDuration::from_hours(24 * 60)).unwrap();
        *now.lock().unwrap() = sixty_days_later;
        assert!(listed(false).await.is_empty());
        assert_eq!(listed(true).await, ["kim@contoso.com", "tony@contoso.com"]);
        let unlimited = SetUmMailboxPolicy { identity: POLICY.into(), pin_lifetime: Some(LimitValue::Unlimited), ..Default::default() };
        unlimited.call(&s, &admin()).await.unwrap();
        assert_eq!(listed(false).await, ["tony@contoso.com"]);
        let longer = SetUmMailboxPolicy { identity: POLICY.into(), min_pin_length: Some(8), ..Default::default() };
        longer.call(&s, &admin()).await.unwrap();
        assert!(listed(false).await.is_empty());
    }

    /// The PIN listing finds the PINs that reach their lifetime within a number of days of the
    /// service's clock (not those past it), of a UM mailbox policy named by its identity, and
    /// refuses a number of days outside 1 to 999 or a policy that doesn't exist.
    async fn the_pin_listing_finds_pins_expiring_within_days_of_a_policy_and_refuses_bad_values(db: Database) {
        let now = Arc::new(std::sync::Mutex::new(Timestamp::now()));
        let clock = now.clone();
        let (s, _keys) = service(db);
        let s = s.with_clock(Arc::new(move || *clock.lock().unwrap()));
        let days_later = |days: i64| now.lock().unwrap().checked_add(jiff::SignedDuration::from_hours(24 * days)).unwrap();
        contoso(&s).await;
        let reset = SetUmMailboxPin { identity: "tony".into(), pin: Some(Secret(pin("5643829"))), pin_expired: Some(false), ..Default::default() };
        reset.call(&s, &admin()).await.unwrap();
        // Kim's PIN is set 20 days after Tony's: they reach the 60-day lifetime 20 days apart.
        let twenty = days_later(20);
        *now.lock().unwrap() = twenty;
        enable(&s, "kim@contoso.com", "52345", Some("2581470"), Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        let thirty = days_later(30);
        *now.lock().unwrap() = thirty;
        let expiring = async |days, policy: Option<&str>| {
            let filter = PinFilter { expires_within_days: Some(days), policy: policy.map(str::to_owned), ..Default::default() };
            s.list_um_mailbox_pins(&admin(), GetUmMailboxPin::listing(&filter), &filter, None, None).await.map(|page| {
                page.items.into_iter().map(|p| p.user_id).collect::<Vec<_>>()
            })
        };
        // Tony's PIN expires in 10 days, Kim's in 30.
        assert_eq!(expiring(9, None).await.unwrap(), Vec::<String>::new());
        assert_eq!(expiring(10, None).await.unwrap(), ["tony@contoso.com"]);
        assert_eq!(expiring(30, Some(POLICY)).await.unwrap(), ["kim@contoso.com", "tony@contoso.com"]);
        let eleven = days_later(11);
        *now.lock().unwrap() = eleven;
        assert_eq!(expiring(999, None).await.unwrap(), ["kim@contoso.com"], "Tony's has expired: it is no longer expiring");
        for days in [0, 1000] {
            let err = rule(expiring(days, None).await);
            assert!(matches!(err, Error::InvalidParameter { parameter: "ExpiresWithinDays", .. }), "{err:?}");
        }
        let err = rule(expiring(30, Some("NoSuchPolicy")).await);
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    }

    /// A descending PIN listing goes from the highest primary address down, and its pages follow
    /// on below the cursor.
    async fn a_descending_pin_listing_pages_from_the_highest_address_down(db: Database) {
        let (s, _keys) = service(db);
        contoso(&s).await;
        enable(&s, "kim@contoso.com", "52345", None, Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        let down = PinFilter { descending: true, ..Default::default() };
        let first = s.list_um_mailbox_pins(&admin(), GetUmMailboxPin::listing(&down), &down, None, Some(1)).await.unwrap();
        assert_eq!(first.items.iter().map(|p| p.user_id.as_str()).collect::<Vec<_>>(), ["tony@contoso.com"]);
        let next = first.next.expect("a second page");
        let second = s.list_um_mailbox_pins(&admin(), GetUmMailboxPin::listing(&down), &down, Some(&next), Some(1)).await.unwrap();
        assert_eq!(second.items.iter().map(|p| p.user_id.as_str()).collect::<Vec<_>>(), ["kim@contoso.com"]);
        assert_eq!(second.next, None);
    }

    /// A filtered page holds as many matches as asked for, however many UM mailboxes lie
    /// between them, and `next` is given only while more match.
    async fn a_filtered_pin_listing_fills_its_pages_and_gives_next_only_while_more_match(db: Database) {
        let (s, _keys) = service(db);
        contoso(&s).await;
        for (i, alias) in ["a", "b", "c", "d", "e", "f"].into_iter().enumerate() {
            let new = NewMailbox { name: alias.into(), primary_smtp_address: format!("{alias}@contoso.com"), ..Default::default() };
            new.call(&s, &admin()).await.unwrap();
            enable(&s, &format!("{alias}@contoso.com"), &format!("6000{i}"), None, Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        }
        for alias in ["b", "d", "e"] {
            let lock = SetUmMailboxPin { identity: alias.into(), locked_out: Some(true), ..Default::default() };
            lock.call(&s, &admin()).await.unwrap();
        }
        let locked = PinFilter { locked_out: Some(true), ..Default::default() };
        let first = s.list_um_mailbox_pins(&admin(), GetUmMailboxPin::listing(&locked), &locked, None, Some(2)).await.unwrap();
        let users: Vec<&str> = first.items.iter().map(|p| p.user_id.as_str()).collect();
        assert_eq!(users, ["b@contoso.com", "d@contoso.com"]);
        let next = first.next.expect("a second page");
        let second = s.list_um_mailbox_pins(&admin(), GetUmMailboxPin::listing(&locked), &locked, Some(&next), Some(2)).await.unwrap();
        let users: Vec<&str> = second.items.iter().map(|p| p.user_id.as_str()).collect();
        assert_eq!(users, ["e@contoso.com"]);
        assert_eq!(second.next, None, "f and tony follow, but don't match");
    }

    async fn an_extension_is_unique_within_its_dial_plan(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let err = rule(enable(&s, "kim@contoso.com", "51234", None, Some(ADMINISTRATOR_ADDRESS)).await);
        assert!(matches!(err, Error::ExtensionInUse { .. }), "{err:?}");
        // Disabling releases the extension and destroys the PIN data.
        DisableUmMailbox { identity: "tony".into(), keep_properties: Some(true) }.call(&s, &admin()).await.unwrap();
        enable(&s, "kim@contoso.com", "51234", None, Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        let err = rule(pin_status_of(&s, &admin(), "tony").await);
        assert_eq!(err.to_string(), "The mailbox tony@contoso.com isn't enabled for Unified Messaging.");
    }

    async fn removing_a_mailbox_releases_its_extension_and_destroys_its_pin_data(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let tony = RemoveMailbox { identity: "tony".into() }.call(&s, &admin()).await.unwrap().guid;
        RemoveMailbox { identity: "kim".into() }.call(&s, &admin()).await.unwrap();
        assert!(matches!(rule(mailbox_of(&s, &admin(), "tony").await), Error::NotFound { .. }));
        assert_eq!(db.begin().await.unwrap().pin(tony).await.unwrap(), None);
        let new = NewMailbox { name: "Ana".into(), primary_smtp_address: "ana@contoso.com".into(), ..Default::default() };
        new.call(&s, &admin()).await.unwrap();
        enable(&s, "ana@contoso.com", "51234", None, Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
    }

    async fn get_um_mailbox_lists_um_enabled_mailboxes_by_policy_and_anr_in_pages(db: Database) {
        let (s, _keys) = service(db);
        contoso(&s).await;
        enable(&s, "kim@contoso.com", "52345", None, Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        let all = GetUmMailbox::default().call(&s, &admin(), None, None).await.unwrap();
        let addresses: Vec<&str> = all.items.iter().map(|v| v.mailbox.primary_smtp_address.as_str()).collect();
        assert_eq!(addresses, ["kim@contoso.com", "tony@contoso.com"]);
        assert_eq!((all.items[1].policy_name.as_str(), all.items[1].dial_plan_name.as_str()), (POLICY, PLAN));
        let by_anr = GetUmMailbox { um_mailbox_policy: Some(POLICY.into()), anr: Some("Tony S".into()), ..Default::default() };
        let by_anr = by_anr.call(&s, &admin(), None, None).await.unwrap();
        assert_eq!(by_anr.items.len(), 1);
        let of_default_policy = GetUmMailbox { um_mailbox_policy: Some(format!("{PLAN} Default Policy")), ..Default::default() };
        assert!(of_default_policy.call(&s, &admin(), None, None).await.unwrap().items.is_empty());
        let first = GetUmMailbox::default().call(&s, &admin(), None, Some(1)).await.unwrap();
        assert_eq!(first.items.len(), 1);
        let next = first.next.expect("a second page");
        let second = GetUmMailbox::default().call(&s, &admin(), Some(&next), Some(1)).await.unwrap();
        assert_eq!(second.items[0].mailbox.primary_smtp_address, "tony@contoso.com");
        assert_eq!(second.next, None);
    }

    async fn set_um_mailbox_replaces_extensions_by_the_dial_plans_rules_and_an_empty_operator_number_clears_it(db: Database) {
        let (s, _keys) = service(db);
        contoso(&s).await;
        enable(&s, "kim@contoso.com", "52345", None, Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        let set = |extensions: &[&str]| SetUmMailbox {
            identity: "tony".into(),
            extensions: Some(extensions.iter().map(|e| (*e).to_owned()).collect()),
            ..Default::default()
        };
        let view = set(&["51234", "51299"]).call(&s, &admin()).await.unwrap();
        assert_eq!(view.um.extensions, ["51234", "51299"]);
        assert!(matches!(sign_in(&s, "51299", TONY_PIN).await, SignInOutcome::SignedIn { .. }));
        let taken = rule(set(&["51234", "52345"]).call(&s, &admin()).await);
        assert!(matches!(taken, Error::ExtensionInUse { ref extension, .. } if extension == "52345"), "{taken:?}");
        let short = rule(set(&["51234", "5129"]).call(&s, &admin()).await);
        assert!(matches!(short, Error::ExtensionLength { digits: 5, .. }), "{short:?}");
        assert!(matches!(rule(set(&[]).call(&s, &admin()).await), Error::InvalidParameter { .. }));
        let kept = um_mailbox_of(&s, &admin(), "tony").await.unwrap();
        assert_eq!(kept.um.extensions, ["51234", "51299"], "a refused change changes nothing");
        let dropped = set(&["51299"]).call(&s, &admin()).await.unwrap();
        assert_eq!(dropped.um.extensions, ["51299"]);
        assert_eq!(sign_in(&s, "51234", TONY_PIN).await, SignInOutcome::WrongPin, "a released extension no longer signs in");
        let operator = |n: &str| SetUmMailbox { identity: "tony".into(), operator_number: Some(n.to_owned()), ..Default::default() };
        assert_eq!(operator("4000").call(&s, &admin()).await.unwrap().um.operator_number.as_deref(), Some("4000"));
        assert_eq!(operator("").call(&s, &admin()).await.unwrap().um.operator_number, None);
    }

    async fn dial_plans_and_policies_in_use_cant_be_removed(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        assert!(matches!(rule(RemoveUmDialPlan { identity: PLAN.into() }.call(&s, &admin()).await), Error::DialPlanHasPolicies { .. }));
        assert!(matches!(rule(RemoveUmMailboxPolicy { identity: POLICY.into() }.call(&s, &admin()).await), Error::PolicyInUse { count: 1, .. }));
        DisableUmMailbox { identity: "tony".into(), keep_properties: Some(false) }.call(&s, &admin()).await.unwrap();
        RemoveUmMailboxPolicy { identity: POLICY.into() }.call(&s, &admin()).await.unwrap();
        RemoveUmMailboxPolicy { identity: format!("{PLAN} Default Policy") }.call(&s, &admin()).await.unwrap();
        RemoveUmDialPlan { identity: PLAN.into() }.call(&s, &admin()).await.unwrap();
    }

    async fn identities_resolve_exactly_and_ambiguity_is_an_error(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        for id in ["tony@contoso.com", "TONY", "Tony Smith"] {
            assert_eq!(mailbox_of(&s, &admin(), id).await.unwrap().alias, "tony", "{id}");
        }
        let same_display = |name: &str, alias: &str| NewMailbox {
            name: name.into(),
            primary_smtp_address: format!("{alias}@contoso.com"),
            display_name: Some("Chris".into()),
            ..Default::default()
        };
        same_display("Chris One", "chris1").call(&s, &admin()).await.unwrap();
        same_display("Chris Two", "chris2").call(&s, &admin()).await.unwrap();
        assert!(matches!(rule(mailbox_of(&s, &admin(), "chris").await), Error::Ambiguous { .. }));
        assert!(matches!(rule(mailbox_of(&s, &admin(), "nobody").await), Error::NotFound { .. }));
        let dup = NewMailbox { name: "Tony Smith".into(), primary_smtp_address: "t2@contoso.com".into(), ..Default::default() };
        assert!(matches!(rule(dup.call(&s, &admin()).await), Error::AlreadyExists { property: "name", .. }));
    }

    async fn the_pin_is_nowhere_in_the_database_in_clear(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        const KNOWN: &str = "8316427";
        let reset = SetUmMailboxPin { identity: "tony".into(), pin: Some(Secret(pin(KNOWN))), ..Default::default() };
        reset.call(&s, &admin()).await.unwrap();
        s.sign_in(&admin(), PLAN, "51234", &pin(KNOWN)).await.unwrap();
        let dump = umpin_store::testing::raw_contents(&db).await;
        // The dump does hold the data: what is stored in clear is found in it.
        assert!(contains(&dump, b"tony@contoso.com"), "the dump misses the stored data");
        let hex: String = KNOWN.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(!contains(&dump, KNOWN.as_bytes()), "the PIN appears in the database");
        assert!(!contains(&dump, hex.as_bytes()), "the PIN appears hex-encoded in the database");
    }

    async fn with_another_server_key_no_pin_can_be_verified_and_no_attempt_is_counted(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let other_dir = tempfile::tempdir().unwrap();
        let other = service_with_key(db, &other_dir.path().join("umpin.key"));
        let result = other.sign_in(&admin(), PLAN, "51234", &pin("5643892")).await;
        match result {
            Err(e @ ServiceError::PinDataUnreadable { .. }) => assert!(e.to_string().contains("tony@contoso.com"), "{e}"),
            unexpected => panic!("{unexpected:?}"),
        }
        // Never counted against the user: a node with the wrong key can't lock anyone out.
        for _ in 0..20 {
            assert!(other.sign_in(&admin(), PLAN, "51234", &pin("5643892")).await.is_err());
        }
        let info = pin_status_of(&s, &admin(), "tony").await.unwrap();
        assert_eq!((info.failed_logon_count, info.locked_out), (0, false));
        assert!(matches!(sign_in(&s, "51234", "5643892").await, SignInOutcome::SignedIn { .. }));
    }

    async fn sealed_pin_data_copied_to_another_mailbox_is_rejected(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        enable(&s, "kim@contoso.com", "52345", Some("7264819"), Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        let tony = mailbox_of(&s, &admin(), "tony").await.unwrap().guid;
        let kim = mailbox_of(&s, &admin(), "kim").await.unwrap().guid;
        let mut tx = s.database().begin().await.unwrap();
        let tony_pin = tx.pin(tony).await.unwrap().unwrap();
        let mut kim_pin = tx.pin(kim).await.unwrap().unwrap();
        kim_pin.sealed_pin = tony_pin.sealed_pin;
        tx.put_pin(kim, &kim_pin).await.unwrap();
        tx.commit().await.unwrap();
        let result = s.sign_in(&admin(), PLAN, "52345", &pin("5643892")).await;
        assert!(matches!(result, Err(ServiceError::PinDataUnreadable { .. })), "{result:?}");
    }

    async fn after_a_key_rotation_every_pin_is_resealed_and_still_verifies(db: Database) {
        let (s, keys) = service(db.clone());
        contoso(&s).await;
        enable(&s, "kim@contoso.com", "52345", Some("7264819"), Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        let key_file = keys.path().join("umpin.key");
        let tony = mailbox_of(&s, &admin(), "tony").await.unwrap().guid;
        let before = s.database().begin().await.unwrap().pin(tony).await.unwrap().unwrap().sealed_pin;
        KeyRing::rotate(&key_file).unwrap();
        let rotated = service_with_key(db, &key_file);
        assert_eq!(rotated.reseal_all_pins().await.unwrap(), 2);
        assert_eq!(rotated.reseal_all_pins().await.unwrap(), 0, "a second run finds nothing left to re-seal");
        let after = rotated.database().begin().await.unwrap().pin(tony).await.unwrap().unwrap().sealed_pin;
        assert_ne!(before, after);
        assert!(matches!(sign_in(&rotated, "51234", "5643892").await, SignInOutcome::SignedIn { .. }));
        assert!(matches!(sign_in(&rotated, "52345", "7264819").await, SignInOutcome::SignedIn { .. }));
    }

    async fn stronger_argon2_parameters_are_applied_at_the_next_right_sign_in(db: Database) {
        let (fast, keys) = service(db.clone());
        contoso(&fast).await;
        let (ring, _) = KeyRing::load_or_create(&keys.path().join("umpin.key")).unwrap();
        let strong = Service::new(db, Vault::new(ring, Argon2Params::OWASP, 2).unwrap());
        let tony = mailbox_of(&fast, &admin(), "tony").await.unwrap().guid;
        let stored = async |s: &Service| s.database().begin().await.unwrap().pin(tony).await.unwrap().unwrap().sealed_pin;
        let weak = stored(&strong).await;
        assert_eq!(sign_in(&strong, "51234", "000000").await, SignInOutcome::WrongPin);
        assert_eq!(stored(&strong).await, weak, "a wrong PIN upgrades nothing");
        assert!(matches!(sign_in(&strong, "51234", "5643892").await, SignInOutcome::SignedIn { .. }));
        let upgraded = stored(&strong).await;
        assert_ne!(upgraded, weak);
        assert!(matches!(sign_in(&strong, "51234", "5643892").await, SignInOutcome::SignedIn { .. }));
        assert_eq!(stored(&strong).await, upgraded, "an up-to-date verifier stays as it is");
    }

    async fn concurrent_wrong_sign_ins_on_two_nodes_evaluate_exactly_max_logon_attempts_pins(db: Database) {
        let (node_a, keys) = service(db.clone());
        let node_b = service_with_key(db.connect_like().await.unwrap(), &keys.path().join("umpin.key"));
        contoso(&node_a).await;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..64 {
            let node = if i % 2 == 0 { node_a.clone() } else { node_b.clone() };
            tasks.spawn(async move { node.sign_in(&admin(), PLAN, "51234", &pin("000000")).await.unwrap() });
        }
        let outcomes = tasks.join_all().await;
        let evaluated = outcomes.iter().filter(|o| **o == SignInOutcome::WrongPin).count();
        let refused = outcomes.iter().filter(|o| **o == SignInOutcome::LockedOut).count();
        assert_eq!((evaluated, refused), (15, 49));
        let info = pin_status_of(&node_b, &admin(), "tony").await.unwrap();
        assert!(info.locked_out);
        assert_eq!(info.failed_logon_count, 15);
        assert_eq!(messages(&node_a, MessageKind::PinReset).await.len(), 2, "automatic resets at 5 and 10");
        assert_eq!(messages(&node_a, MessageKind::Lockout).await.len(), 1);
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The PIN in a reset message ("Your new PIN: 123456").
fn pin_in(body: &str) -> String {
    body.lines().find_map(|l| l.strip_prefix("Your new PIN: ")).map(str::to_owned).expect("the message carries a PIN")
}

#[path = "service/access.rs"]
mod access;
#[path = "service/audit_appender.rs"]
mod audit_appender;
#[path = "service/directory.rs"]
mod directory;
#[path = "service/directory_administrators.rs"]
mod directory_administrators;
#[path = "service/voice.rs"]
mod voice;
#[path = "service/voice_mail.rs"]
mod voice_mail;

/// Errors of storage reach the interfaces with their kind, not all as "the database failed".
#[test]
fn a_storage_error_keeps_its_kind_and_its_source() {
    use umpin_store::{StoreError, Unique};
    let taken = ServiceError::from(StoreError::Conflict { what: Unique::DialPlanName });
    assert!(matches!(taken, ServiceError::AlreadyInUse { .. }), "{taken:?}");
    assert!(taken.to_string().contains("the UM dial plan name is already in use"), "{taken}");
    assert!(std::error::Error::source(&taken).is_some());
    assert!(matches!(ServiceError::from(StoreError::NotFound), ServiceError::Gone { .. }));
    assert!(matches!(ServiceError::from(StoreError::InUse), ServiceError::InUse { .. }));
    assert!(matches!(ServiceError::from(StoreError::MissingReference), ServiceError::InUse { .. }));
    let down = ServiceError::from(StoreError::Unavailable("connection refused".to_owned()));
    assert!(matches!(down, ServiceError::Storage { .. }), "{down:?}");
    assert!(down.to_string().contains("database failed"), "{down}");
}
