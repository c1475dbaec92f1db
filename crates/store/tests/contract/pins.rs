//! PIN data and the sign-in statements: versions, reservations, lockout, automatic reset,
//! re-sealing, and the PIN listing with its filters.

use std::sync::Arc;

use umpin_domain::Limit;
use umpin_store::{Tx, UmMailboxFilter, UmPinFilter};

use super::*;

/// Adds the next UM mailbox of `mailboxes` (named and numbered by its place there), of policy
/// `p` and with a PIN in `status`, to `tx` and to `mailboxes`.
async fn add_um_pin(
    tx: &mut Tx,
    mailboxes: &mut Vec<(Mailbox, PinStatus, PinPolicy)>,
    p: &MailboxPolicy,
    status: PinStatus,
) {
    let n = mailboxes.len();
    let m = mailbox(&format!("u{n:05}"));
    tx.insert_mailbox(&m).await.unwrap();
    tx.put_um_mailbox(&um(&m, p, &[&format!("{n:05}")])).await.unwrap();
    tx.put_pin(m.guid, &PinRecord { status: status.clone(), history: Vec::new(), ..record(1) }).await.unwrap();
    mailboxes.push((m, status, p.pin));
}

/// Checks that the PIN listing under `filter` at `now` gives exactly `expected`, page after page,
/// in pages of each of `page_sizes`.
async fn assert_lists(
    tx: &mut Tx,
    filter: &UmPinFilter,
    now: Timestamp,
    page_sizes: [u32; 2],
    expected: &[&(Mailbox, PinStatus, PinPolicy)],
) {
    for page_size in page_sizes {
        let mut listed = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = tx.list_um_pins(filter, now, after.as_deref(), page_size).await.unwrap();
            after = page.last().map(|(m, _, _)| m.primary_smtp_address.clone());
            let full = page.len() == page_size as usize;
            listed.extend(page);
            if !full {
                break;
            }
        }
        assert!(
            listed.iter().eq(expected.iter().copied()),
            "{filter:?} at {now} in pages of {page_size}: {} listed, {} expected",
            listed.len(),
            expected.len()
        );
    }
}

/// The aliases of the first page (of up to 100) of the PIN listing at time 0.
async fn aliases(tx: &mut Tx, filter: &UmPinFilter, after: Option<&str>) -> Vec<String> {
    let page = tx.list_um_pins(filter, at(0), after, 100).await.unwrap();
    page.into_iter().map(|(m, _, _)| m.alias).collect()
}

umpin_store::backend_tests! {
    /// The PIN status of one UM mailbox comes in one statement with its policy's PIN settings,
    /// as `pin` and the policy hold them; a mailbox UM-disabled, or without PIN data, has none.
    async fn the_pin_status_of_a_um_mailbox_comes_with_its_policys_pin_settings(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let mut tx = db.begin().await.unwrap();
        let stored = tx.pin(m.guid).await.unwrap().unwrap();
        assert_eq!(tx.pin_status_of(m.guid).await.unwrap(), Some((stored.status, pol.pin)));
        tx.put_um_mailbox(&UmMailbox { um_enabled: false, ..um(&m, &pol, &["51234"]) }).await.unwrap();
        assert_eq!(tx.pin_status_of(m.guid).await.unwrap(), None, "UM-disabled");
        let plain = mailbox("kim");
        tx.insert_mailbox(&plain).await.unwrap();
        tx.put_um_mailbox(&um(&plain, &pol, &["52345"])).await.unwrap();
        assert_eq!(tx.pin_status_of(plain.guid).await.unwrap(), None, "no PIN data");
        assert_eq!(tx.pin_status_of(Guid::new_v4()).await.unwrap(), None, "no such mailbox");
    }

    /// What a sign-in needs, found by mailbox or by extension in one statement: the PIN
    /// settings of the mailbox's policy, only while it is UM-enabled.
    async fn a_sign_in_finds_a_um_enabled_mailbox_with_its_policys_pin_settings(db: Database) {
        let (plan, pol) = org(&db, "Plan").await;
        let (other_plan, other_pol) = org(&db, "Other").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let k = um_user(&db, &other_pol, "kim", "51234").await;
        let mut tx = db.begin().await.unwrap();
        let other_pol = MailboxPolicy { pin: PinPolicy { max_logon_attempts: 7, ..other_pol.pin }, ..other_pol };
        tx.update_policy(&other_pol).await.unwrap();
        assert_eq!(tx.sign_in_pin_policy(m.guid).await.unwrap(), Some(pol.pin));
        let by_extension = tx.sign_in_pin_policy_by_extension(plan.guid, "51234").await.unwrap();
        assert_eq!(by_extension, Some((m.guid, pol.pin)));
        let in_other_plan = tx.sign_in_pin_policy_by_extension(other_plan.guid, "51234").await.unwrap();
        assert_eq!(in_other_plan, Some((k.guid, other_pol.pin)), "the same extension in another dial plan");
        assert_eq!(tx.sign_in_pin_policy_by_extension(plan.guid, "51235").await.unwrap(), None, "no such extension");
        assert_eq!(tx.sign_in_pin_policy(Guid::new_v4()).await.unwrap(), None, "no such mailbox");
        tx.put_um_mailbox(&UmMailbox { um_enabled: false, ..um(&m, &pol, &["51234"]) }).await.unwrap();
        assert_eq!(tx.sign_in_pin_policy(m.guid).await.unwrap(), None, "UM-disabled");
        assert_eq!(tx.sign_in_pin_policy_by_extension(plan.guid, "51234").await.unwrap(), None, "UM-disabled");
        let plain = mailbox("ellen");
        tx.insert_mailbox(&plain).await.unwrap();
        assert_eq!(tx.sign_in_pin_policy(plain.guid).await.unwrap(), None, "not a UM mailbox");
    }

    /// Reading the mailboxes an identity may name with their PIN status in one statement gives
    /// what finding the candidates and then reading each one's PIN status gives, in the same
    /// order: a UM mailbox's status with its policy's settings, and none for a mailbox
    /// UM-disabled, without PIN data or not UM-enabled at all.
    async fn the_candidates_of_an_identity_come_with_their_pin_status_as_read_one_by_one(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let named = |n: &str| Mailbox { display_name: "Shared Name".to_owned(), ..mailbox(n) };
        let tony = um_user(&db, &pol, "tony", "51234").await;
        let mut tx = db.begin().await.unwrap();
        let st = PinStatus { locked_out: true, failed_logon_count: 7, last_failed_logon: Some(at(5)), ..status() };
        tx.update_pin_status(tony.guid, &st).await.unwrap();
        tx.update_mailbox(&Mailbox { display_name: "Shared Name".to_owned(), ..tony.clone() }).await.unwrap();
        let (kim, ann) = (named("kim"), named("ann"));
        let bob = Mailbox { email_addresses: vec!["b@fabrikam.com".to_owned()], ..named("bob") };
        for m in [&kim, &ann, &bob] {
            tx.insert_mailbox(m).await.unwrap();
        }
        tx.put_um_mailbox(&um(&kim, &pol, &["52345"])).await.unwrap();
        tx.put_um_mailbox(&um(&ann, &pol, &["53456"])).await.unwrap();
        tx.put_pin(ann.guid, &record(2)).await.unwrap();
        tx.put_um_mailbox(&UmMailbox { um_enabled: false, ..um(&ann, &pol, &["53456"]) }).await.unwrap();
        tx.commit().await.unwrap();
        let tony_guid = tony.guid.to_string();
        let identities = ["tony", tony_guid.as_str(), "TONY@corp.contoso.com", "shared name", "b@fabrikam.com", "nobody"];
        for identity in identities {
            let mut read = db.begin_read().await.unwrap();
            let mut expected = Vec::new();
            for m in read.mailbox_candidates(identity).await.unwrap() {
                let pin = read.pin_status_of(m.guid).await.unwrap();
                expected.push((m, pin));
            }
            read.commit().await.unwrap();
            assert_eq!(db.mailbox_pin_candidates(identity).await.unwrap(), expected, "{identity}");
        }
        let shared = db.mailbox_pin_candidates("Shared Name").await.unwrap();
        let aliases: Vec<_> = shared.iter().map(|(m, pin)| (m.alias.as_str(), pin.is_some())).collect();
        assert_eq!(aliases, [("ann", false), ("bob", false), ("kim", false), ("tony", true)], "positive control");
        assert_eq!(shared[3].1, Some((st, pol.pin)));
    }

    /// PIN data comes back as it went in; each put moves the version on by one.
    async fn pin_data_round_trips_and_each_put_moves_the_version(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let mut tx = db.begin().await.unwrap();
        let stored = tx.pin(m.guid).await.unwrap().unwrap();
        assert_eq!(stored, PinRecord { version: 1, ..record(1) });
        let next = PinRecord {
            status: PinStatus {
                pin_set_at: at(1_800_000_000_000_007),
                pin_length: 24,
                first_time_user: false,
                expiry_forced: false,
                failed_logon_count: 7,
                last_failed_logon: Some(at(1_800_000_000_000_009)),
                locked_out: true,
            },
            sealed_pin: vec![9; 90],
            history: vec![vec![3], vec![2, 2], vec![1, 1, 1]],
            version: 0,
        };
        assert_eq!(tx.put_pin(m.guid, &next).await.unwrap(), 2);
        assert_eq!(tx.pin(m.guid).await.unwrap(), Some(PinRecord { version: 2, ..next.clone() }));
        let shorter = PinRecord { history: Vec::new(), ..next.clone() };
        assert_eq!(tx.put_pin(m.guid, &shorter).await.unwrap(), 3);
        assert_eq!(tx.pin(m.guid).await.unwrap(), Some(PinRecord { version: 3, ..shorter }));
    }

    async fn pin_data_needs_a_um_mailbox(db: Database) {
        let m = mailbox("plain");
        insert_mailbox(&db, &m).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        assert_eq!(tx.put_pin(m.guid, &record(1)).await, Err(StoreError::MissingReference));
    }

    /// An administrator's status change keeps the PIN and history and moves the version.
    async fn updating_the_pin_status_moves_the_version(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let mut tx = db.begin().await.unwrap();
        let st = PinStatus { locked_out: true, failed_logon_count: 15, last_failed_logon: Some(at(5)), ..status() };
        tx.update_pin_status(m.guid, &st).await.unwrap();
        assert_eq!(tx.pin(m.guid).await.unwrap(), Some(PinRecord { status: st.clone(), version: 2, ..record(1) }));
        assert_eq!(tx.update_pin_status(Guid::new_v4(), &st).await, Err(StoreError::NotFound));
        tx.delete_pin(m.guid).await.unwrap();
        assert_eq!(tx.pin(m.guid).await.unwrap(), None);
        assert_eq!(tx.delete_pin(m.guid).await, Err(StoreError::NotFound));
        assert_eq!(tx.update_pin_status(m.guid, &st).await, Err(StoreError::NotFound));
    }

    /// Each PIN status comes with the current PIN settings of its mailbox's policy; the
    /// listing filters by lockout, first-time use and dial plan, and pages after an address.
    async fn listing_pins_gives_status_with_policy_and_filters_by_lockout_and_first_time_use(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let (other_plan, other_pol) = org(&db, "Other").await;
        let a = um_user(&db, &pol, "a", "11111").await;
        let b = um_user(&db, &pol, "b", "22222").await;
        let c = um_user(&db, &other_pol, "c", "33333").await;
        let mut tx = db.begin().await.unwrap();
        let mut stricter = other_pol.clone();
        stricter.pin.min_pin_length = 9;
        tx.update_policy(&stricter).await.unwrap();
        let locked = PinStatus { locked_out: true, failed_logon_count: 15, ..status() };
        tx.update_pin_status(b.guid, &locked).await.unwrap();
        let set_up = PinStatus { first_time_user: false, ..status() };
        tx.update_pin_status(c.guid, &set_up).await.unwrap();
        let all = tx.list_um_pins(&UmPinFilter::default(), at(0), None, 10).await.unwrap();
        assert_eq!(all, [(a, status(), pol.pin), (b, locked, pol.pin), (c, set_up, stricter.pin)]);

        let locked_out = |l| UmPinFilter { locked_out: Some(l), ..Default::default() };
        let first_time_user = |f| UmPinFilter { first_time_user: Some(f), ..Default::default() };
        assert_eq!(aliases(&mut tx, &locked_out(true), None).await, ["b"]);
        assert_eq!(aliases(&mut tx, &locked_out(false), None).await, ["a", "c"]);
        assert_eq!(aliases(&mut tx, &first_time_user(false), None).await, ["c"]);
        assert_eq!(aliases(&mut tx, &first_time_user(true), None).await, ["a", "b"]);
        let both = UmPinFilter { locked_out: Some(false), first_time_user: Some(true), ..Default::default() };
        assert_eq!(aliases(&mut tx, &both, None).await, ["a"]);
        let of_plan = UmPinFilter {
            um_mailboxes: UmMailboxFilter { dial_plan: Some(other_plan.guid), ..Default::default() },
            ..Default::default()
        };
        assert_eq!(aliases(&mut tx, &of_plan, None).await, ["c"]);
        assert_eq!(aliases(&mut tx, &UmPinFilter::default(), Some("a@contoso.com")).await, ["b", "c"]);
    }

    /// The listing gives each mailbox whole, as stored: its secondary addresses in their order,
    /// the optional fields, texts with quotes, backslashes and characters beyond ASCII; each PIN
    /// status and each policy's PIN settings with every field set, `Unlimited` ones too.
    async fn the_pin_listing_gives_each_mailbox_status_and_policy_as_stored(db: Database) {
        let (plan, _) = org(&db, "Plan").await;
        let mut pol = policy("Every \"setting\" set", &plan);
        pol.pin = PinPolicy {
            min_pin_length: 7,
            pin_lifetime: Limit::Unlimited,
            pin_history_count: 3,
            allow_common_patterns: true,
            allow_common_pins: true,
            logon_failures_before_pin_reset: Limit::Unlimited,
            max_logon_attempts: 9,
        };
        let whole = Mailbox {
            name: "Zoë \"Z\" O'Brien \\ 東京 🎧".to_owned(),
            display_name: "O'Brien, Zoë \t \"Z\"".to_owned(),
            email_addresses: vec!["zoe.obrien@contoso.com".to_owned(), "z@fabrikam.com".to_owned()],
            phone: Some("+1 (425) 555-0100".to_owned()),
            first_name: Some("Zoë".to_owned()),
            last_name: Some("O'Brien \\ 東京".to_owned()),
            ..mailbox("zoe")
        };
        let plain = mailbox("yann");
        let mut tx = db.begin().await.unwrap();
        tx.insert_policy(&pol).await.unwrap();
        let locked = PinStatus {
            first_time_user: false,
            expiry_forced: false,
            failed_logon_count: 4,
            last_failed_logon: Some(at(1_700_000_003_000_001)),
            locked_out: true,
            ..status()
        };
        for (m, st) in [(&whole, &locked), (&plain, &status())] {
            tx.insert_mailbox(m).await.unwrap();
            tx.put_um_mailbox(&um(m, &pol, &[&format!("4{}", m.alias.len())])).await.unwrap();
            tx.put_pin(m.guid, &PinRecord { status: st.clone(), ..record(1) }).await.unwrap();
        }
        let expected = [(plain.clone(), status(), pol.pin), (whole.clone(), locked.clone(), pol.pin)];
        assert_eq!(tx.list_um_pins(&UmPinFilter::default(), at(0), None, 10).await.unwrap(), expected);
        let down = UmPinFilter { descending: true, ..Default::default() };
        let reversed: Vec<_> = expected.iter().rev().cloned().collect();
        assert_eq!(tx.list_um_pins(&down, at(0), None, 10).await.unwrap(), reversed);
        let only_locked = UmPinFilter { locked_out: Some(true), ..Default::default() };
        assert_eq!(tx.list_um_pins(&only_locked, at(0), None, 10).await.unwrap(), [expected[1].clone()]);
        assert_eq!(tx.list_um_pins(&UmPinFilter::default(), at(0), Some("zoe@contoso.com"), 10).await.unwrap(), []);
    }

    /// A page holds `limit` matches however far apart they lie, and the next page starts
    /// after the last of them, in either direction (the locked-out are read from their own index).
    async fn a_filtered_pin_listing_fills_each_page_with_matches_however_rare(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let mut tx = db.begin().await.unwrap();
        for i in 0..50 {
            let m = mailbox(&format!("u{i:02}"));
            tx.insert_mailbox(&m).await.unwrap();
            tx.put_um_mailbox(&um(&m, &pol, &[&format!("1{i:04}")])).await.unwrap();
            let locked_out = i % 10 == 3;
            tx.put_pin(m.guid, &PinRecord { status: PinStatus { locked_out, ..status() }, ..record(1) })
                .await
                .unwrap();
        }
        let locked = UmPinFilter { locked_out: Some(true), ..Default::default() };
        let first = tx.list_um_pins(&locked, at(0), None, 2).await.unwrap();
        let first: Vec<String> = first.into_iter().map(|(m, _, _)| m.alias).collect();
        assert_eq!(first, ["u03", "u13"]);
        let second = tx.list_um_pins(&locked, at(0), Some("u13@contoso.com"), 2).await.unwrap();
        let second: Vec<String> = second.into_iter().map(|(m, _, _)| m.alias).collect();
        assert_eq!(second, ["u23", "u33"]);
        assert_eq!(aliases(&mut tx, &locked, Some("u33@contoso.com")).await, ["u43"]);
        let down = UmPinFilter { descending: true, ..locked };
        let first = tx.list_um_pins(&down, at(0), None, 2).await.unwrap();
        let first: Vec<String> = first.into_iter().map(|(m, _, _)| m.alias).collect();
        assert_eq!(first, ["u43", "u33"]);
        assert_eq!(aliases(&mut tx, &down, Some("u33@contoso.com")).await, ["u23", "u13", "u03"]);
    }

    /// The listing's `PinExpired` filter selects, page after page, exactly the UM mailboxes
    /// whose PIN the domain rule (`PinStatus::pin_expired`) calls expired (`true`) or not
    /// (`false`), alone and with the lockout and first-time setup filters (each also checked
    /// without it), whether a page walks the address order or gathers from an index: over
    /// forced expiry, PIN lengths around every `MinPINLength`, ages around every `PINLifetime`
    /// to the microsecond, `Unlimited`, and times with and without a fraction of a microsecond.
    async fn the_pin_expired_filter_selects_exactly_what_the_domain_rule_says(db: Database) {
        const DAY: i64 = 86_400_000_000;
        const NOW: i64 = 1_800_000_000_000_000;
        let plan = dial_plan("Plan");
        let mut tx = db.begin().await.unwrap();
        tx.insert_dial_plan(&plan).await.unwrap();
        let lifetimes = [Limit::Unlimited, Limit::Limited(1), Limit::Limited(60), Limit::Limited(999)];
        let mut policies = Vec::new();
        for min_pin_length in [4, 6, 24] {
            for pin_lifetime in lifetimes {
                let mut p = policy(&format!("Min {min_pin_length}, lifetime {pin_lifetime}"), &plan);
                p.pin = PinPolicy { min_pin_length, pin_lifetime, ..PinPolicy::default() };
                tx.insert_policy(&p).await.unwrap();
                policies.push(p);
            }
        }
        // How long before NOW each PIN was set: around every lifetime, and one set a
        // microsecond after NOW (another node's clock ahead).
        let ages: Vec<i64> =
            [0, 1, 60, 999, 1000].iter().flat_map(|d| [d * DAY - 1, d * DAY, d * DAY + 1]).collect();
        let mut mailboxes: Vec<(Mailbox, PinStatus, PinPolicy)> = Vec::new();
        for p in &policies {
            for pin_length in [3, 4, 5, 6, 7, 23, 24] {
                for expiry_forced in [false, true] {
                    for age in &ages {
                        let n = mailboxes.len();
                        let status = PinStatus {
                            pin_set_at: at(NOW - age),
                            pin_length,
                            first_time_user: n.is_multiple_of(2),
                            expiry_forced,
                            failed_logon_count: 0,
                            last_failed_logon: None,
                            locked_out: n.is_multiple_of(3),
                        };
                        add_um_pin(&mut tx, &mut mailboxes, p, status).await;
                    }
                }
            }
        }
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let fraction = jiff::SignedDuration::from_nanos(999);
        let times = [at(NOW), at(NOW).checked_add(fraction).unwrap(), at(NOW + 1000 * DAY)];
        let either = [None, Some(true), Some(false)];
        for now in times {
            for pin_expired in either {
                for (locked_out, first_time_user) in either.iter().flat_map(|l| either.map(|f| (*l, f))) {
                    let filter = UmPinFilter { locked_out, first_time_user, pin_expired, ..Default::default() };
                    let expected: Vec<&(Mailbox, PinStatus, PinPolicy)> = mailboxes
                        .iter()
                        .filter(|(_, s, p)| pin_expired.is_none_or(|e| e == s.pin_expired(p, now)))
                        .filter(|(_, s, _)| locked_out.is_none_or(|l| l == s.locked_out))
                        .filter(|(_, s, _)| first_time_user.is_none_or(|f| f == s.first_time_user))
                        .collect();
                    // Pages of 97 walk the address order (more than ten pages' worth of PINs
                    // could match a `PinExpired` false or first-time setup condition); pages of
                    // 2,000 gather them from an index.
                    assert_lists(&mut tx, &filter, now, [97, 2000], &expected).await;
                }
            }
        }
    }

    /// When every policy has a `PINLifetime`, the listing finds the PINs that haven't expired
    /// among those set less than the longest lifetime ago: exactly what the domain rule says,
    /// to the microsecond around each lifetime, whether it gathers them from the index or walks
    /// the address order, alone and with the expiring filter.
    async fn with_every_lifetime_limited_the_pin_expired_filter_finds_every_current_pin(db: Database) {
        const DAY: i64 = 86_400_000_000;
        const NOW: i64 = 1_800_000_000_000_000;
        let plan = dial_plan("Plan");
        let mut tx = db.begin().await.unwrap();
        tx.insert_dial_plan(&plan).await.unwrap();
        let mut mailboxes: Vec<(Mailbox, PinStatus, PinPolicy)> = Vec::new();
        for days in [1, 60] {
            let mut p = policy(&format!("Lifetime {days}"), &plan);
            p.pin = PinPolicy { pin_lifetime: Limit::Limited(days), ..PinPolicy::default() };
            tx.insert_policy(&p).await.unwrap();
            for age in [0, 1, 60, 61].iter().flat_map(|d| [d * DAY - 1, d * DAY, d * DAY + 1]) {
                for expiry_forced in [false, true] {
                    let status = PinStatus { pin_set_at: at(NOW - age), expiry_forced, ..status() };
                    add_um_pin(&mut tx, &mut mailboxes, &p, status).await;
                }
            }
        }
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let now = at(NOW);
        for expires_by in [None, Some(at(NOW + 30 * DAY))] {
            let filter = UmPinFilter { pin_expired: Some(false), expires_by, ..Default::default() };
            let expected: Vec<&(Mailbox, PinStatus, PinPolicy)> = mailboxes
                .iter()
                .filter(|(_, s, p)| !s.pin_expired(p, now))
                .filter(|(_, s, p)| {
                    expires_by.is_none_or(|by| s.pin_expires_on(p).is_some_and(|on| now < on && on <= by))
                })
                .collect();
            // Pages of 1 walk the address order (more than ten PINs could match); pages of 1,000
            // gather them from the index.
            assert_lists(&mut tx, &filter, now, [1, 1000], &expected).await;
        }
    }

    /// The listing's expiring filter (`expires_by`) selects exactly the UM mailboxes whose PIN
    /// reaches its `PINLifetime` (`PinStatus::pin_expires_on`) after the listing's time and no
    /// later than the limit: never an `Unlimited` one, nor one already past its lifetime; over
    /// ages around every lifetime and limit to the microsecond, alone and with the other filters.
    async fn the_expiring_filter_selects_exactly_the_pins_reaching_their_lifetime_by_the_limit(db: Database) {
        const DAY: i64 = 86_400_000_000;
        const NOW: i64 = 1_800_000_000_000_000;
        let plan = dial_plan("Plan");
        let mut tx = db.begin().await.unwrap();
        tx.insert_dial_plan(&plan).await.unwrap();
        let mut policies = Vec::new();
        for pin_lifetime in [Limit::Unlimited, Limit::Limited(1), Limit::Limited(30), Limit::Limited(999)] {
            let mut p = policy(&format!("Lifetime {pin_lifetime}"), &plan);
            p.pin = PinPolicy { pin_lifetime, ..PinPolicy::default() };
            tx.insert_policy(&p).await.unwrap();
            policies.push(p);
        }
        let ages: Vec<i64> =
            [0, 1, 16, 30, 999].iter().flat_map(|d| [d * DAY - 1, d * DAY, d * DAY + 1]).collect();
        let mut mailboxes: Vec<(Mailbox, PinStatus, PinPolicy)> = Vec::new();
        for p in &policies {
            for age in &ages {
                let n = mailboxes.len();
                let status = PinStatus {
                    pin_set_at: at(NOW - age),
                    expiry_forced: n.is_multiple_of(2),
                    locked_out: n.is_multiple_of(3),
                    ..status()
                };
                add_um_pin(&mut tx, &mut mailboxes, p, status).await;
            }
        }
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let now = at(NOW);
        for limit in [NOW, NOW + 1, NOW + DAY - 1, NOW + DAY, NOW + 14 * DAY, NOW + 999 * DAY, NOW + 2000 * DAY] {
            for (locked_out, descending) in [(None, false), (Some(true), false), (None, true)] {
                let filter = UmPinFilter { expires_by: Some(at(limit)), locked_out, descending, ..Default::default() };
                let mut expected: Vec<&(Mailbox, PinStatus, PinPolicy)> = mailboxes
                    .iter()
                    .filter(|(_, s, p)| s.pin_expires_on(p).is_some_and(|on| now < on && on <= at(limit)))
                    .filter(|(_, s, _)| locked_out.is_none_or(|l| l == s.locked_out))
                    .collect();
                if descending {
                    expected.reverse();
                }
                // Pages of 2 walk the address order when more than 20 PINs could match; pages of
                // 1,000 gather them from the index.
                assert_lists(&mut tx, &filter, now, [2, 1000], &expected).await;
            }
        }
    }

    /// A descending listing walks the primary addresses from the highest down: the first page
    /// from the top, each next one below the last address of the page before, with the filters
    /// (here the policy's) as in the ascending order.
    async fn a_descending_pin_listing_pages_down_the_addresses_with_the_filters(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let (_, other_pol) = org(&db, "Other").await;
        for (i, n) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
            um_user(&db, if i == 2 { &other_pol } else { &pol }, n, &format!("1000{i}")).await;
        }
        let mut tx = db.begin().await.unwrap();
        let down = UmPinFilter { descending: true, ..Default::default() };
        let first = tx.list_um_pins(&down, at(0), None, 2).await.unwrap();
        let first: Vec<String> = first.into_iter().map(|(m, _, _)| m.alias).collect();
        assert_eq!(first, ["e", "d"]);
        assert_eq!(aliases(&mut tx, &down, Some("d@contoso.com")).await, ["c", "b", "a"]);
        let of_policy = UmPinFilter {
            um_mailboxes: UmMailboxFilter { policy: Some(pol.guid), ..Default::default() },
            descending: true,
            ..Default::default()
        };
        assert_eq!(aliases(&mut tx, &of_policy, None).await, ["e", "d", "b", "a"]);
        assert_eq!(aliases(&mut tx, &of_policy, Some("D@contoso.com")).await, ["b", "a"]);
        let of_other = UmPinFilter {
            um_mailboxes: UmMailboxFilter { policy: Some(other_pol.guid), ..Default::default() },
            ..Default::default()
        };
        assert_eq!(aliases(&mut tx, &of_other, None).await, ["c"]);
    }

    /// Key rotation pages through every sealed verifier by mailbox and swaps one only while it
    /// is still the one read; the version stays.
    async fn sealed_verifiers_page_by_mailbox_and_are_swapped_only_while_unchanged(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let mut guids = Vec::new();
        for i in 0..5 {
            guids.push(um_user(&db, &pol, &format!("u{i}"), &format!("1000{i}")).await.guid);
        }
        guids.sort_by_key(|g| g.to_string());
        let mut tx = db.begin().await.unwrap();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = tx.sealed_pins(after, 2).await.unwrap();
            let Some((last, _)) = page.last() else { break };
            after = Some(*last);
            for (mailbox, sealed) in page {
                assert_eq!(sealed, record(1).sealed_pin);
                seen.push(mailbox);
            }
        }
        assert_eq!(seen, guids);
        let m = guids[0];
        assert!(tx.replace_sealed_pin(m, &record(1).sealed_pin, &[8; 60]).await.unwrap());
        assert!(!tx.replace_sealed_pin(m, &record(1).sealed_pin, &[9; 60]).await.unwrap());
        let stored = tx.pin(m).await.unwrap().unwrap();
        assert_eq!((stored.sealed_pin, stored.version), (vec![8; 60], 1));
    }

    /// Each reservation counts exactly one failure; the one that reaches the maximum locks out,
    /// and after it none is granted.
    async fn reservations_count_once_each_and_stop_at_the_maximum(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let max = 15;
        let mut granted = Vec::new();
        for i in 0..(max + 5) {
            if let Some(r) = db.reserve_sign_in(m.guid, max, at(1_000 + i64::from(i))).await.unwrap() {
                assert_eq!(r.version, 1, "a reservation doesn't move the version");
                assert_eq!(r.sealed_pin, record(1).sealed_pin);
                granted.push((r.failed_logon_count, r.locked_out));
            }
        }
        let expected: Vec<(u32, bool)> = (1..=max).map(|n| (n, n == max)).collect();
        assert_eq!(granted, expected);
        let stored = pin_of(&db, m.guid).await.unwrap();
        assert_eq!(stored.status.failed_logon_count, max);
        assert!(stored.status.locked_out);
        assert_eq!(stored.status.last_failed_logon, Some(at(1_000 + i64::from(max) - 1)));
        assert_eq!(stored.version, 1);
    }

    async fn no_reservation_without_pin_data(db: Database) {
        assert_eq!(db.reserve_sign_in(Guid::new_v4(), 15, at(0)).await.unwrap(), None);
        let mut tx = db.begin().await.unwrap();
        assert_eq!(tx.reserve_sign_in(Guid::new_v4(), 15, at(0)).await.unwrap(), None);
    }

    /// A right PIN clears the count and may bring a re-sealed verifier.
    async fn a_successful_sign_in_clears_the_count(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        db.reserve_sign_in(m.guid, 15, at(1)).await.unwrap().unwrap();
        let r = db.reserve_sign_in(m.guid, 15, at(2)).await.unwrap().unwrap();
        assert_eq!(r.failed_logon_count, 2);
        let left = sign_in_succeeded(&db, m.guid, &r, Some(&[7; 50])).await;
        let stored = pin_of(&db, m.guid).await.unwrap();
        assert_eq!(left, Some(stored.status.clone()), "it returns the status it left");
        assert_eq!(stored.status.failed_logon_count, 0);
        assert_eq!(stored.sealed_pin, vec![7; 50]);
        assert_eq!(stored.history, record(1).history);
        assert_eq!(stored.version, 1);
        let r = db.reserve_sign_in(m.guid, 15, at(3)).await.unwrap().unwrap();
        assert!(sign_in_succeeded(&db, m.guid, &r, None).await.is_some());
        assert_eq!(pin_of(&db, m.guid).await.unwrap().sealed_pin, vec![7; 50]);
    }

    /// After an administrator acted (or the PIN changed), a sign-in that reserved before it
    /// changes nothing.
    async fn a_sign_in_with_a_stale_version_changes_nothing(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let r = db.reserve_sign_in(m.guid, 15, at(1)).await.unwrap().unwrap();
        let mut tx = db.begin().await.unwrap();
        let admin = PinStatus { failed_logon_count: 1, last_failed_logon: Some(at(1)), ..status() };
        tx.update_pin_status(m.guid, &admin).await.unwrap();
        tx.commit().await.unwrap();
        let before = pin_of(&db, m.guid).await.unwrap();
        assert_eq!(sign_in_succeeded(&db, m.guid, &r, Some(&[7; 50])).await, None);
        assert_eq!(pin_of(&db, m.guid).await.unwrap(), before);
        assert_eq!(sign_in_succeeded(&db, m.guid, &r, None).await, None);
    }

    /// The attempt that locked out may still lift its own lockout with the right PIN; an
    /// earlier attempt can't lift a lockout that a later one set.
    async fn only_the_attempt_that_locked_out_can_lift_the_lockout(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let first = db.reserve_sign_in(m.guid, 2, at(1)).await.unwrap().unwrap();
        let last = db.reserve_sign_in(m.guid, 2, at(2)).await.unwrap().unwrap();
        assert!(last.locked_out);
        assert_eq!(sign_in_succeeded(&db, m.guid, &first, None).await, None);
        assert!(pin_of(&db, m.guid).await.unwrap().status.locked_out);
        assert!(sign_in_succeeded(&db, m.guid, &last, None).await.is_some());
        let stored = pin_of(&db, m.guid).await.unwrap();
        assert!(!stored.status.locked_out);
        assert_eq!(stored.status.failed_logon_count, 0);
    }

    /// The automatic reset sets the new PIN, expired, and keeps the count and the lockout.
    async fn the_automatic_reset_replaces_the_pin_and_keeps_the_count(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let mut tx = db.begin().await.unwrap();
        let not_expired = PinStatus { expiry_forced: false, first_time_user: false, ..status() };
        tx.update_pin_status(m.guid, &not_expired).await.unwrap();
        tx.commit().await.unwrap();
        let mut r = None;
        for i in 0..5 {
            r = db.reserve_sign_in(m.guid, 15, at(10 + i)).await.unwrap();
        }
        let r = r.unwrap();
        let history = vec![vec![5; 32], vec![1; 32]];
        let mut tx = db.begin().await.unwrap();
        assert!(tx.replace_pin_after_failures(m.guid, 5, &[5; 48], &history, 8, at(99)).await.unwrap());
        tx.commit().await.unwrap();
        let stored = pin_of(&db, m.guid).await.unwrap();
        let expected_status = PinStatus {
            pin_set_at: at(99),
            pin_length: 8,
            expiry_forced: true,
            failed_logon_count: 5,
            last_failed_logon: Some(at(14)),
            ..not_expired
        };
        let version = r.version + 1;
        let expected = PinRecord { status: expected_status, sealed_pin: vec![5; 48], history, version };
        assert_eq!(stored, expected);
        // After an administrator cleared the count, a reset still due from before does nothing.
        let mut tx = db.begin().await.unwrap();
        let cleared = PinStatus { failed_logon_count: 0, ..stored.status.clone() };
        tx.update_pin_status(m.guid, &cleared).await.unwrap();
        let cleared = tx.pin(m.guid).await.unwrap();
        assert!(!tx.replace_pin_after_failures(m.guid, 5, &[6; 48], &[], 9, at(100)).await.unwrap());
        assert_eq!(tx.pin(m.guid).await.unwrap(), cleared);
    }

    /// Two nodes (two pools), 64 concurrent attempts, MaxLogonAttempts 15: exactly 15 are
    /// granted, with the counts 1 to 15 once each, and the mailbox ends locked out at 15.
    async fn concurrent_reservations_on_two_nodes_grant_exactly_the_maximum(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let nodes = [db.clone(), db.connect_like().await.unwrap()];
        let max = 15;
        let barrier = Arc::new(tokio::sync::Barrier::new(64));
        let mut tasks = Vec::new();
        for i in 0..64 {
            let node = nodes[i % 2].clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                node.reserve_sign_in(m.guid, max, at(i as i64)).await
            }));
        }
        let mut counts = Vec::new();
        for task in tasks {
            if let Some(r) = task.await.unwrap().unwrap() {
                assert_eq!(r.locked_out, r.failed_logon_count == max);
                counts.push(r.failed_logon_count);
            }
        }
        counts.sort_unstable();
        assert_eq!(counts, (1..=max).collect::<Vec<_>>());
        let stored = pin_of(&nodes[1], m.guid).await.unwrap();
        assert_eq!((stored.status.failed_logon_count, stored.status.locked_out), (max, true));
        nodes[1].close().await;
    }

    /// Transactions that read the PIN data and write it back serialize, across two nodes: none
    /// fails (no SQLITE_BUSY) and no write is lost, reservations in between included.
    async fn concurrent_read_modify_write_transactions_serialize(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let nodes = [db.clone(), db.connect_like().await.unwrap()];
        let mut tasks = Vec::new();
        for i in 0..24 {
            let node = nodes[i % 2].clone();
            tasks.push(tokio::spawn(async move {
                if i % 3 == 2 {
                    node.reserve_sign_in(m.guid, 1000, at(1)).await?;
                    return Ok::<(), StoreError>(());
                }
                let mut tx = node.begin().await?;
                let mut rec = tx.pin(m.guid).await?.unwrap();
                tokio::task::yield_now().await;
                rec.status.failed_logon_count += 1;
                tx.put_pin(m.guid, &rec).await?;
                tx.commit().await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let stored = pin_of(&db, m.guid).await.unwrap();
        assert_eq!(stored.status.failed_logon_count, 24);
        assert_eq!(stored.version, 1 + 16);
        nodes[1].close().await;
    }
}

/// Paging through every sealed verifier, as a key rotation does, reads each PIN's entry about
/// once, whatever plan PostgreSQL keeps for the statement (its generic plan, forced here): each
/// page seeks to the mailbox after the last one rather than walking the key from the first.
#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::unwrap_used)]
async fn on_postgresql_paging_through_the_sealed_verifiers_reads_each_pin_about_once() {
    const PINS: usize = 500;
    let Some(db) = umpin_store::testing::postgres_database().await else { return };
    umpin_store::testing::seed_um_mailboxes(&db, PINS).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    force_generic_plans(&mut tx).await;
    let before = entries_read(&mut tx, "pins").await;
    let (mut after, mut seen) = (None, 0);
    loop {
        let page = tx.sealed_pins(after, 10).await.unwrap();
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        seen += page.len();
    }
    assert_eq!(seen, PINS);
    let entries = entries_read(&mut tx, "pins").await - before;
    assert!(entries <= 3 * PINS as i64, "paging through {PINS} PINs read {entries} entries");
    tx.commit().await.unwrap();
    umpin_store::testing::drop_postgres_schema(&db).await;
}
