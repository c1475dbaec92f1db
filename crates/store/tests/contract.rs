//! The storage contract: every case runs on SQLite and on PostgreSQL (`sqlite::…`, `postgres::…`),
//! and both backends must behave exactly alike.

// Fixtures are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use umpin_domain::{
    DialPlan, Guid, Limit, Mailbox, MailboxPolicy, PinPolicy, PinStatus, Timestamp, UmMailbox, UriType, VoipSecurity,
};
use umpin_store::{
    Database, MailboxFilter, MessageKind, OutboxMessage, PinRecord, StoreError, Tx, UmMailboxFilter, UmPinFilter,
    Unique,
};

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

// ---------------------------------------------------------------------------------------------

mod mailboxes {
    use super::*;

    umpin_store::backend_tests! {
        /// Every field, the secondary addresses in their order included, comes back as it went in.
        async fn a_mailbox_round_trips(db: Database) {
            let mut full = mailbox("tony");
            full.email_addresses = vec!["Tony.Smith@contoso.com".into(), "ts@fabrikam.com".into()];
            full.phone = Some("+1 (425) 555-1234".into());
            full.first_name = Some("Tony".into());
            full.last_name = Some("Smith".into());
            let bare = mailbox("bare");
            let mut tx = db.begin().await.unwrap();
            tx.insert_mailbox(&full).await.unwrap();
            tx.insert_mailbox(&bare).await.unwrap();
            tx.commit().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.mailbox(full.guid).await.unwrap(), Some(full));
            assert_eq!(tx.mailbox(bare.guid).await.unwrap(), Some(bare));
            assert_eq!(tx.mailbox(Guid::new_v4()).await.unwrap(), None);
        }

        /// An update replaces every field and the whole set of secondary addresses.
        async fn updating_a_mailbox_replaces_its_fields_and_addresses(db: Database) {
            let mut m = mailbox("tony");
            m.email_addresses = vec!["old@contoso.com".into()];
            insert_mailbox(&db, &m).await.unwrap();
            let mut changed = m.clone();
            changed.name = "Tony Smith".into();
            changed.primary_smtp_address = "tony.smith@contoso.com".into();
            changed.email_addresses = vec!["tony@contoso.com".into(), "new@contoso.com".into()];
            changed.phone = Some("4255551234".into());
            let mut tx = db.begin().await.unwrap();
            tx.update_mailbox(&changed).await.unwrap();
            tx.commit().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.mailbox(m.guid).await.unwrap(), Some(changed));
            // The address given up is free again.
            let mut other = mailbox("other");
            other.email_addresses = vec!["old@contoso.com".into()];
            tx.insert_mailbox(&other).await.unwrap();
        }

        async fn updating_or_deleting_a_missing_mailbox_is_not_found(db: Database) {
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.update_mailbox(&mailbox("ghost")).await, Err(StoreError::NotFound));
            assert_eq!(tx.delete_mailbox(Guid::new_v4()).await, Err(StoreError::NotFound));
        }

        /// Deleting a mailbox takes its addresses, UM settings, extensions and PIN data with it.
        async fn deleting_a_mailbox_removes_everything_that_hangs_on_it(db: Database) {
            let (plan, pol) = org(&db, "Plan").await;
            let m = um_user(&db, &pol, "tony", "51234").await;
            let mut tx = db.begin().await.unwrap();
            tx.delete_mailbox(m.guid).await.unwrap();
            tx.commit().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.mailbox(m.guid).await.unwrap(), None);
            assert_eq!(tx.um_mailbox(m.guid).await.unwrap(), None);
            assert_eq!(tx.pin(m.guid).await.unwrap(), None);
            assert_eq!(tx.um_mailbox_by_extension(plan.guid, "51234").await.unwrap(), None);
            // Name, alias and address are free again.
            tx.insert_mailbox(&mailbox("tony")).await.unwrap();
        }

        async fn mailbox_names_are_unique_case_insensitively(db: Database) {
            insert_mailbox(&db, &mailbox("a")).await.unwrap();
            let mut twin = mailbox("b");
            twin.name = "USER A".into();
            assert_eq!(insert_mailbox(&db, &twin).await, conflict(Unique::MailboxName));
        }

        async fn aliases_are_unique_case_insensitively(db: Database) {
            insert_mailbox(&db, &mailbox("tony")).await.unwrap();
            let mut twin = mailbox("other");
            twin.alias = "Tony".into();
            assert_eq!(insert_mailbox(&db, &twin).await, conflict(Unique::MailboxAlias));
        }

        /// One address belongs to one mailbox, whether it is anyone's primary or secondary address.
        async fn an_address_is_unique_across_primary_and_secondary_addresses(db: Database) {
            let mut tony = mailbox("tony");
            tony.email_addresses = vec!["ts@contoso.com".into()];
            insert_mailbox(&db, &tony).await.unwrap();

            let mut same_primary = mailbox("b");
            same_primary.primary_smtp_address = "TONY@contoso.com".into();
            assert_eq!(insert_mailbox(&db, &same_primary).await, conflict(Unique::Address("TONY@contoso.com".into())));

            let mut primary_is_a_secondary = mailbox("c");
            primary_is_a_secondary.primary_smtp_address = "Ts@Contoso.com".into();
            assert_eq!(
                insert_mailbox(&db, &primary_is_a_secondary).await,
                conflict(Unique::Address("Ts@Contoso.com".into()))
            );

            let mut secondary_is_a_primary = mailbox("d");
            secondary_is_a_primary.email_addresses = vec!["free@contoso.com".into(), "tony@CONTOSO.com".into()];
            assert_eq!(
                insert_mailbox(&db, &secondary_is_a_primary).await,
                conflict(Unique::Address("tony@CONTOSO.com".into()))
            );

            // And the same on update.
            let e = mailbox("e");
            insert_mailbox(&db, &e).await.unwrap();
            let mut taken = e.clone();
            taken.email_addresses = vec!["ts@contoso.com".into()];
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.update_mailbox(&taken).await, conflict(Unique::Address("ts@contoso.com".into())));
        }

        /// Identity candidates: the guid, and any address, UPN, alias, name or display name equal to
        /// the value case-insensitively.
        async fn candidates_match_every_identity_field_case_insensitively(db: Database) {
            let mut tony = mailbox("tony");
            tony.email_addresses = vec!["ts@contoso.com".into()];
            let mut shared = mailbox("x1");
            shared.display_name = "Tony".into();
            let mut shared2 = mailbox("x2");
            shared2.display_name = "TONY".into();
            let mut tx = db.begin().await.unwrap();
            for m in [&tony, &shared, &shared2, &mailbox("unrelated")] {
                tx.insert_mailbox(m).await.unwrap();
            }
            let names = |v: Vec<Mailbox>| v.into_iter().map(|m| m.alias).collect::<Vec<_>>();
            let guid = tony.guid.to_string().to_uppercase();
            assert_eq!(names(tx.mailbox_candidates(&guid).await.unwrap()), ["tony"]);
            assert_eq!(names(tx.mailbox_candidates("TONY@contoso.com").await.unwrap()), ["tony"]);
            assert_eq!(names(tx.mailbox_candidates("TS@contoso.com").await.unwrap()), ["tony"]);
            assert_eq!(names(tx.mailbox_candidates("tony@CORP.contoso.com").await.unwrap()), ["tony"]);
            assert_eq!(names(tx.mailbox_candidates("user TONY").await.unwrap()), ["tony"]);
            assert_eq!(names(tx.mailbox_candidates("display tony").await.unwrap()), ["tony"]);
            // Alias of one, display name of two others: all three, ordered by primary address.
            assert_eq!(names(tx.mailbox_candidates("Tony").await.unwrap()), ["tony", "x1", "x2"]);
            assert!(tx.mailbox_candidates("nobody").await.unwrap().is_empty());
        }

        async fn candidates_are_bounded(db: Database) {
            let mut tx = db.begin().await.unwrap();
            for i in 0..(umpin_store::MAX_CANDIDATES + 5) {
                let mut m = mailbox(&format!("u{i}"));
                m.display_name = "Same Name".into();
                tx.insert_mailbox(&m).await.unwrap();
            }
            let found = tx.mailbox_candidates("same name").await.unwrap();
            assert_eq!(found.len(), umpin_store::MAX_CANDIDATES as usize);
            // A stronger match is never the one the limit drops, whatever its address.
            let mut last = mailbox("zz");
            last.alias = "same.name".into();
            last.name = "Same Name".into();
            tx.insert_mailbox(&last).await.unwrap();
            let found = tx.mailbox_candidates("same name").await.unwrap();
            assert_eq!(found.len(), umpin_store::MAX_CANDIDATES as usize);
            assert_eq!(found[0], last);
        }

        /// Pages in primary-address order, each mailbox exactly once, whatever the page size.
        async fn keyset_paging_lists_every_mailbox_exactly_once(db: Database) {
            let mut tx = db.begin().await.unwrap();
            let mut all: Vec<String> = Vec::new();
            for i in 0..23 {
                let mut m = mailbox(&format!("p{i:02}"));
                // Mixed case: the order is that of the lowercased address.
                if i % 3 == 0 {
                    m.primary_smtp_address = m.primary_smtp_address.to_uppercase();
                }
                all.push(m.primary_smtp_address.to_lowercase());
                m.email_addresses = vec![format!("second{i}@contoso.com")];
                tx.insert_mailbox(&m).await.unwrap();
            }
            all.sort();
            for page_size in [1, 5, 7, 23, 100] {
                let mut seen = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let page =
                        tx.list_mailboxes(&MailboxFilter::default(), after.as_deref(), page_size).await.unwrap();
                    assert!(page.len() <= page_size as usize);
                    if page.is_empty() {
                        break;
                    }
                    for m in &page {
                        assert_eq!(m.email_addresses.len(), 1, "secondary addresses are loaded");
                    }
                    seen.extend(page.iter().map(|m| m.primary_smtp_address.to_lowercase()));
                    after = seen.last().cloned();
                }
                assert_eq!(seen, all, "page size {page_size}");
            }
        }

        /// `-Anr` matches the start of the name, display name, alias or any address; `%` and `_`
        /// are plain characters.
        async fn anr_matches_a_prefix_of_name_display_name_alias_or_address(db: Database) {
            let mut tony = mailbox("tony");
            tony.email_addresses = vec!["smith_t@fabrikam.com".into()];
            let mut tx = db.begin().await.unwrap();
            for m in [&tony, &mailbox("anna"), &mailbox("to_be")] {
                tx.insert_mailbox(m).await.unwrap();
            }
            let anr = |s: &str| MailboxFilter { anr: Some(s.to_owned()) };
            let aliases = |v: Vec<Mailbox>| v.into_iter().map(|m| m.alias).collect::<Vec<_>>();
            assert_eq!(aliases(tx.list_mailboxes(&anr("TO"), None, 10).await.unwrap()), ["to_be", "tony"]);
            assert_eq!(aliases(tx.list_mailboxes(&anr("user an"), None, 10).await.unwrap()), ["anna"]);
            assert_eq!(aliases(tx.list_mailboxes(&anr("Display T"), None, 10).await.unwrap()), ["to_be", "tony"]);
            assert_eq!(aliases(tx.list_mailboxes(&anr("smith_"), None, 10).await.unwrap()), ["tony"]);
            assert_eq!(aliases(tx.list_mailboxes(&anr("to_"), None, 10).await.unwrap()), ["to_be"]);
            assert!(tx.list_mailboxes(&anr("%"), None, 10).await.unwrap().is_empty());
            assert!(tx.list_mailboxes(&anr("ony"), None, 10).await.unwrap().is_empty());
        }

        /// A transaction dropped without commit leaves nothing behind.
        async fn a_transaction_dropped_without_commit_leaves_nothing(db: Database) {
            let m = mailbox("tony");
            {
                let mut tx = db.begin().await.unwrap();
                tx.insert_mailbox(&m).await.unwrap();
                assert!(tx.mailbox(m.guid).await.unwrap().is_some());
            }
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.mailbox(m.guid).await.unwrap(), None);
            assert!(tx.mailbox_candidates("tony@contoso.com").await.unwrap().is_empty());
            // The rollback freed the unique values too.
            tx.insert_mailbox(&m).await.unwrap();
            tx.rollback().await.unwrap();
            assert_eq!(db.begin().await.unwrap().mailbox(m.guid).await.unwrap(), None);
        }

        /// A transaction that read (and so locked) PIN data and was dropped without commit, as on
        /// an error path, frees the row at once: another node's sign-in reservation goes through.
        async fn a_dropped_transaction_releases_the_pin_row_at_once(db: Database) {
            let (_, pol) = org(&db, "Plan").await;
            let m = um_user(&db, &pol, "tony", "51234").await;
            {
                let mut tx = db.begin().await.unwrap();
                assert!(tx.pin(m.guid).await.unwrap().is_some());
            }
            let other = db.connect_like().await.unwrap();
            let reserved = tokio::time::timeout(std::time::Duration::from_secs(5), other.reserve_sign_in(m.guid, 15, at(1))).await;
            assert!(matches!(reserved, Ok(Ok(Some(_)))), "the reservation waited on a dropped transaction");
        }

        /// `$N` placeholders bind by their number, not by their order in the statement.
        async fn placeholders_bind_by_number(db: Database) {
            let query = "SELECT $2 AS second, $1 AS first";
            let row: (String, String) = match &db {
                Database::Sqlite(pool) => sqlx::query_as(query).bind("one").bind("two").fetch_one(pool).await.unwrap(),
                Database::Postgres(pool) => {
                    sqlx::query_as(query).bind("one").bind("two").fetch_one(pool).await.unwrap()
                }
            };
            assert_eq!(row, ("two".to_owned(), "one".to_owned()));
        }
    }
}

mod dial_plans {
    use super::*;

    umpin_store::backend_tests! {
        async fn a_dial_plan_round_trips_with_its_access_numbers_in_order(db: Database) {
            let mut plans = Vec::new();
            for (i, (uri_type, voip)) in [
                (UriType::TelExtn, VoipSecurity::Unsecured),
                (UriType::SipName, VoipSecurity::SipSecured),
                (UriType::E164, VoipSecurity::Secured),
            ]
            .into_iter()
            .enumerate()
            {
                let mut p = dial_plan(&format!("Plan {i}"));
                p.uri_type = uri_type;
                p.voip_security = voip;
                p.number_of_digits_in_extension = 20;
                p.logon_failures_before_disconnect = 20;
                p.default_language = "fr-CA".into();
                p.country_or_region_code = "1234".into();
                p.access_telephone_numbers = vec!["+3".into(), "+1".into(), "+2".into()];
                plans.push(p);
            }
            plans[0].access_telephone_numbers.clear();
            let mut tx = db.begin().await.unwrap();
            for p in &plans {
                tx.insert_dial_plan(p).await.unwrap();
            }
            tx.commit().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            for p in &plans {
                assert_eq!(tx.dial_plan(p.guid).await.unwrap().as_ref(), Some(p));
            }
            assert_eq!(tx.dial_plans().await.unwrap(), plans);
            assert_eq!(tx.dial_plan(Guid::new_v4()).await.unwrap(), None);
        }

        async fn dial_plan_names_are_unique_case_insensitively(db: Database) {
            let mut tx = db.begin().await.unwrap();
            tx.insert_dial_plan(&dial_plan("MyUMDialPlan")).await.unwrap();
            let twin = dial_plan("myumdialplan");
            assert_eq!(tx.insert_dial_plan(&twin).await, conflict(Unique::DialPlanName));
        }

        async fn updating_a_dial_plan_replaces_its_fields_and_access_numbers(db: Database) {
            let p = dial_plan("Plan");
            let mut tx = db.begin().await.unwrap();
            tx.insert_dial_plan(&p).await.unwrap();
            let mut changed = p.clone();
            changed.name = "Renamed".into();
            changed.voip_security = VoipSecurity::Secured;
            changed.access_telephone_numbers = vec!["+19".into(), "+18".into()];
            tx.update_dial_plan(&changed).await.unwrap();
            assert_eq!(tx.dial_plan(p.guid).await.unwrap(), Some(changed));
            assert_eq!(tx.update_dial_plan(&dial_plan("ghost")).await, Err(StoreError::NotFound));
            tx.insert_dial_plan(&dial_plan("Other")).await.unwrap();
            let mut clash = p.clone();
            clash.name = "OTHER".into();
            assert_eq!(tx.update_dial_plan(&clash).await, conflict(Unique::DialPlanName));
        }

        async fn dial_plan_candidates_are_found_by_guid_or_name(db: Database) {
            let a = dial_plan("Alpha");
            let b = dial_plan("Beta");
            let mut tx = db.begin().await.unwrap();
            tx.insert_dial_plan(&b).await.unwrap();
            tx.insert_dial_plan(&a).await.unwrap();
            assert_eq!(tx.dial_plan_candidates("ALPHA").await.unwrap(), std::slice::from_ref(&a));
            assert_eq!(tx.dial_plan_candidates(&b.guid.to_string()).await.unwrap(), std::slice::from_ref(&b));
            assert!(tx.dial_plan_candidates("Gamma").await.unwrap().is_empty());
            assert_eq!(tx.dial_plans().await.unwrap(), [a, b], "ordered by name");
        }

        /// A dial plan can't be removed while a policy belongs to it; once the policy is gone it can.
        async fn deleting_a_dial_plan_with_policies_is_refused(db: Database) {
            let (plan, pol) = org(&db, "Plan").await;
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.delete_dial_plan(plan.guid).await, Err(StoreError::InUse));
            drop(tx);
            let mut tx = db.begin().await.unwrap();
            tx.delete_policy(pol.guid).await.unwrap();
            tx.delete_dial_plan(plan.guid).await.unwrap();
            tx.commit().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.dial_plan(plan.guid).await.unwrap(), None);
            assert_eq!(tx.delete_dial_plan(plan.guid).await, Err(StoreError::NotFound));
        }
    }
}

mod policies {
    use super::*;

    umpin_store::backend_tests! {
        async fn a_policy_round_trips_with_numbers_and_unlimited(db: Database) {
            let plan = dial_plan("Plan");
            let limited = MailboxPolicy {
                pin: PinPolicy {
                    min_pin_length: 24,
                    pin_lifetime: Limit::Limited(999),
                    pin_history_count: 20,
                    allow_common_patterns: true,
                    logon_failures_before_pin_reset: Limit::Limited(998),
                    max_logon_attempts: 999,
                },
                reset_pin_text: "Call the help desk at 555-0100.".into(),
                um_enabled_text: "Welcome ☎".into(),
                ..policy("Limited", &plan)
            };
            let unlimited = MailboxPolicy {
                pin: PinPolicy {
                    pin_lifetime: Limit::Unlimited,
                    logon_failures_before_pin_reset: Limit::Unlimited,
                    ..PinPolicy::default()
                },
                ..policy("Unlimited", &plan)
            };
            let mut tx = db.begin().await.unwrap();
            tx.insert_dial_plan(&plan).await.unwrap();
            tx.insert_policy(&limited).await.unwrap();
            tx.insert_policy(&unlimited).await.unwrap();
            tx.commit().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.policy(limited.guid).await.unwrap().as_ref(), Some(&limited));
            assert_eq!(tx.policy(unlimited.guid).await.unwrap().as_ref(), Some(&unlimited));
            assert_eq!(tx.policy(Guid::new_v4()).await.unwrap(), None);
        }

        async fn policy_names_are_unique_case_insensitively(db: Database) {
            let (plan, _) = org(&db, "Plan").await;
            let mut tx = db.begin().await.unwrap();
            let twin = policy("PLAN DEFAULT POLICY", &plan);
            assert_eq!(tx.insert_policy(&twin).await, conflict(Unique::PolicyName));
        }

        async fn a_policy_of_an_unknown_dial_plan_is_refused(db: Database) {
            let mut tx = db.begin().await.unwrap();
            let orphan = policy("Orphan", &dial_plan("Nowhere"));
            assert_eq!(tx.insert_policy(&orphan).await, Err(StoreError::MissingReference));
        }

        async fn updating_a_policy_replaces_its_fields(db: Database) {
            let (plan, pol) = org(&db, "Plan").await;
            let mut changed = pol.clone();
            changed.name = "Strict".into();
            changed.pin.min_pin_length = 10;
            changed.pin.pin_lifetime = Limit::Unlimited;
            changed.reset_pin_text = "text".into();
            let mut tx = db.begin().await.unwrap();
            tx.update_policy(&changed).await.unwrap();
            assert_eq!(tx.policy(pol.guid).await.unwrap(), Some(changed));
            assert_eq!(tx.update_policy(&policy("ghost", &plan)).await, Err(StoreError::NotFound));
        }

        async fn policies_are_listed_by_dial_plan_and_found_by_guid_or_name(db: Database) {
            let (a, a_default) = org(&db, "A").await;
            let (b, b_default) = org(&db, "B").await;
            let a_extra = policy("A Extra", &a);
            let mut tx = db.begin().await.unwrap();
            tx.insert_policy(&a_extra).await.unwrap();
            assert_eq!(tx.policies(Some(a.guid)).await.unwrap(), [a_default.clone(), a_extra.clone()]);
            assert_eq!(tx.policies(Some(b.guid)).await.unwrap(), std::slice::from_ref(&b_default));
            assert_eq!(tx.policies(None).await.unwrap(), [a_default.clone(), a_extra.clone(), b_default.clone()]);
            assert_eq!(tx.policy_names_of_dial_plan(a.guid).await.unwrap(), ["A Default Policy", "A Extra"]);
            assert!(tx.policy_names_of_dial_plan(Guid::new_v4()).await.unwrap().is_empty());
            assert_eq!(tx.policy_candidates("a extra").await.unwrap(), [a_extra]);
            assert_eq!(tx.policy_candidates(&b_default.guid.to_string()).await.unwrap(), [b_default]);
        }

        /// A policy in use by a UM-enabled mailbox can't be removed; kept settings of a disabled
        /// mailbox don't hold it.
        async fn deleting_a_policy_in_use_is_refused(db: Database) {
            let (_, pol) = org(&db, "Plan").await;
            let m = um_user(&db, &pol, "tony", "51234").await;
            let kept = um_user(&db, &pol, "kept", "51235").await;
            let mut tx = db.begin().await.unwrap();
            let mut disabled = tx.um_mailbox(kept.guid).await.unwrap().unwrap();
            tx.delete_pin(kept.guid).await.unwrap();
            disabled.um_enabled = false;
            disabled.extensions.clear();
            tx.put_um_mailbox(&disabled).await.unwrap();
            tx.commit().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.um_enabled_count_of_policy(pol.guid).await.unwrap(), 1);
            assert_eq!(tx.delete_policy(pol.guid).await, Err(StoreError::InUse));
            drop(tx);
            let mut tx = db.begin().await.unwrap();
            tx.delete_um_mailbox(m.guid).await.unwrap();
            assert_eq!(tx.um_enabled_count_of_policy(pol.guid).await.unwrap(), 0);
            tx.delete_policy(pol.guid).await.unwrap();
            assert_eq!(tx.um_mailbox(kept.guid).await.unwrap(), None);
            assert_eq!(tx.delete_policy(pol.guid).await, Err(StoreError::NotFound));
        }
    }
}

mod um_mailboxes {
    use super::*;

    umpin_store::backend_tests! {
        async fn a_um_mailbox_round_trips_with_its_extensions_in_order(db: Database) {
            let (plan, pol) = org(&db, "Plan").await;
            let m = mailbox("tony");
            let mut settings = um(&m, &pol, &["51234", "40000", "45678"]);
            settings.operator_number = Some("0".into());
            settings.sip_resource_identifier = Some("tony@contoso.com".into());
            let mut tx = db.begin().await.unwrap();
            tx.insert_mailbox(&m).await.unwrap();
            tx.put_um_mailbox(&settings).await.unwrap();
            tx.commit().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.um_mailbox(m.guid).await.unwrap().as_ref(), Some(&settings));
            for e in ["51234", "40000", "45678"] {
                assert_eq!(tx.um_mailbox_by_extension(plan.guid, e).await.unwrap(), Some(m.guid));
            }
            assert_eq!(tx.um_mailbox_by_extension(plan.guid, "99999").await.unwrap(), None);
            assert_eq!(tx.um_mailbox(Guid::new_v4()).await.unwrap(), None);
        }

        /// Putting again replaces the settings and the extensions; the released ones are free.
        async fn putting_a_um_mailbox_again_replaces_it(db: Database) {
            let (plan, pol) = org(&db, "Plan").await;
            let m = um_user(&db, &pol, "tony", "51234").await;
            let mut tx = db.begin().await.unwrap();
            let mut changed = tx.um_mailbox(m.guid).await.unwrap().unwrap();
            changed.extensions = vec!["22222".into(), "51234".into()];
            changed.pilot_number = None;
            changed.operator_number = Some("+1".into());
            tx.put_um_mailbox(&changed).await.unwrap();
            assert_eq!(tx.um_mailbox(m.guid).await.unwrap().as_ref(), Some(&changed));
            // The PIN data stays.
            assert!(tx.pin(m.guid).await.unwrap().is_some());
            // Disabled with kept settings: no extensions any more.
            let disabled = UmMailbox { um_enabled: false, extensions: Vec::new(), ..changed };
            tx.put_um_mailbox(&disabled).await.unwrap();
            assert_eq!(tx.um_mailbox(m.guid).await.unwrap().as_ref(), Some(&disabled));
            assert_eq!(tx.um_mailbox_by_extension(plan.guid, "22222").await.unwrap(), None);
            let other = mailbox("other");
            tx.insert_mailbox(&other).await.unwrap();
            tx.put_um_mailbox(&um(&other, &pol, &["22222"])).await.unwrap();
        }

        /// An extension is unique within its dial plan, primary and secondary alike; another dial
        /// plan may use it.
        async fn an_extension_is_unique_within_its_dial_plan(db: Database) {
            let (_, pol) = org(&db, "Plan").await;
            let (_, other_pol) = org(&db, "Other").await;
            let mut tx = db.begin().await.unwrap();
            let tony = mailbox("tony");
            tx.insert_mailbox(&tony).await.unwrap();
            tx.put_um_mailbox(&um(&tony, &pol, &["51234", "40000"])).await.unwrap();
            tx.commit().await.unwrap();

            let anna = mailbox("anna");
            insert_mailbox(&db, &anna).await.unwrap();
            for taken in ["51234", "40000"] {
                let mut tx = db.begin().await.unwrap();
                let result = tx.put_um_mailbox(&um(&anna, &pol, &["11111", taken])).await;
                assert_eq!(result, conflict(Unique::Extension(taken.into())));
            }
            let mut tx = db.begin().await.unwrap();
            tx.put_um_mailbox(&um(&anna, &other_pol, &["51234", "40000"])).await.unwrap();
            tx.commit().await.unwrap();
        }

        /// A SIP resource identifier is unique within its dial plan among UM-enabled mailboxes.
        async fn a_sip_resource_identifier_is_unique_within_its_dial_plan(db: Database) {
            let (_, pol) = org(&db, "Plan").await;
            let (_, other_pol) = org(&db, "Other").await;
            let [tony, anna, kim] = [mailbox("tony"), mailbox("anna"), mailbox("kim")];
            let with_sip = |m: &Mailbox, p: &MailboxPolicy, ext: &str, sip: &str| UmMailbox {
                sip_resource_identifier: Some(sip.to_owned()),
                ..um(m, p, &[ext])
            };
            let mut tx = db.begin().await.unwrap();
            for m in [&tony, &anna, &kim] {
                tx.insert_mailbox(m).await.unwrap();
            }
            tx.put_um_mailbox(&with_sip(&tony, &pol, "11111", "sip:tony@contoso.com")).await.unwrap();
            tx.commit().await.unwrap();

            let mut tx = db.begin().await.unwrap();
            let clash = tx.put_um_mailbox(&with_sip(&anna, &pol, "22222", "SIP:Tony@Contoso.com")).await;
            assert_eq!(clash, conflict(Unique::SipResourceIdentifier("SIP:Tony@Contoso.com".into())));
            drop(tx);

            let mut tx = db.begin().await.unwrap();
            tx.put_um_mailbox(&with_sip(&anna, &other_pol, "22222", "sip:tony@contoso.com")).await.unwrap();
            // Kept settings of a disabled mailbox don't hold the identifier.
            let tony_sip = with_sip(&tony, &pol, "11111", "sip:tony@contoso.com");
            let disabled = UmMailbox { um_enabled: false, extensions: Vec::new(), ..tony_sip };
            tx.put_um_mailbox(&disabled).await.unwrap();
            tx.put_um_mailbox(&with_sip(&kim, &pol, "33333", "sip:tony@contoso.com")).await.unwrap();
            tx.commit().await.unwrap();
        }

        async fn deleting_a_um_mailbox_removes_its_extensions_and_pin_data(db: Database) {
            let (plan, pol) = org(&db, "Plan").await;
            let m = um_user(&db, &pol, "tony", "51234").await;
            let mut tx = db.begin().await.unwrap();
            tx.delete_um_mailbox(m.guid).await.unwrap();
            assert_eq!(tx.um_mailbox(m.guid).await.unwrap(), None);
            assert_eq!(tx.pin(m.guid).await.unwrap(), None);
            assert_eq!(tx.um_mailbox_by_extension(plan.guid, "51234").await.unwrap(), None);
            assert!(tx.mailbox(m.guid).await.unwrap().is_some());
            assert_eq!(tx.delete_um_mailbox(m.guid).await, Err(StoreError::NotFound));
        }

        /// UM settings of a mailbox that doesn't exist are refused.
        async fn a_um_mailbox_needs_its_mailbox_and_policy(db: Database) {
            let (_, pol) = org(&db, "Plan").await;
            let mut tx = db.begin().await.unwrap();
            let ghost = um(&mailbox("ghost"), &pol, &["1"]);
            assert_eq!(tx.put_um_mailbox(&ghost).await, Err(StoreError::MissingReference));
            drop(tx);
            let m = mailbox("tony");
            insert_mailbox(&db, &m).await.unwrap();
            let mut tx = db.begin().await.unwrap();
            let mut settings = um(&m, &pol, &["1"]);
            settings.policy = Guid::new_v4();
            assert_eq!(tx.put_um_mailbox(&settings).await, Err(StoreError::MissingReference));
        }

        /// Only UM-enabled mailboxes, filtered by policy, dial plan and `-Anr`, paged exactly.
        async fn listing_um_mailboxes_filters_and_pages(db: Database) {
            let (plan_a, pol_a) = org(&db, "A").await;
            let (_, pol_b) = org(&db, "B").await;
            let mut expected_a = Vec::new();
            for i in 0..9 {
                let m = um_user(&db, &pol_a, &format!("a{i}"), &format!("1000{i}")).await;
                expected_a.push(m.alias);
            }
            let b = um_user(&db, &pol_b, "b0", "10000").await;
            let off = um_user(&db, &pol_a, "a_off", "19999").await;
            let mut tx = db.begin().await.unwrap();
            let mut disabled = tx.um_mailbox(off.guid).await.unwrap().unwrap();
            tx.delete_pin(off.guid).await.unwrap();
            disabled.um_enabled = false;
            disabled.extensions.clear();
            tx.put_um_mailbox(&disabled).await.unwrap();
            insert_mailbox_in(&mut tx, &mailbox("plain")).await;
            assert_eq!(tx.count_um_mailboxes().await.unwrap(), 10);

            let by_policy = UmMailboxFilter { policy: Some(pol_a.guid), ..Default::default() };
            let by_plan = UmMailboxFilter { dial_plan: Some(plan_a.guid), ..Default::default() };
            for filter in [&by_policy, &by_plan] {
                let mut seen = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let page = tx.list_um_mailboxes(filter, after.as_deref(), 4).await.unwrap();
                    if page.is_empty() {
                        break;
                    }
                    for (m, u) in &page {
                        assert_eq!(m.guid, u.mailbox);
                        assert_eq!(u.extensions.len(), 1);
                    }
                    after = page.last().map(|(m, _)| m.primary_smtp_address.clone());
                    seen.extend(page.into_iter().map(|(m, _)| m.alias));
                }
                assert_eq!(seen, expected_a);
            }
            let all = tx.list_um_mailboxes(&UmMailboxFilter::default(), None, 100).await.unwrap();
            assert_eq!(all.len(), 10);
            assert_eq!(all.last().unwrap().0, b);

            let anr = UmMailboxFilter { anr: Some("B".into()), ..Default::default() };
            let listed = tx.list_um_mailboxes(&anr, None, 100).await.unwrap();
            assert_eq!(listed.into_iter().map(|(m, _)| m.alias).collect::<Vec<_>>(), ["b0"]);
        }
    }

    async fn insert_mailbox_in(tx: &mut Tx, m: &Mailbox) {
        tx.insert_mailbox(m).await.unwrap();
    }
}

mod pins {
    use super::*;

    /// The aliases of the first page (of up to 100) of the PIN listing at time 0.
    async fn aliases(tx: &mut Tx, filter: &UmPinFilter, after: Option<&str>) -> Vec<String> {
        let page = tx.list_um_pins(filter, at(0), after, 100).await.unwrap();
        page.into_iter().map(|(m, _, _)| m.alias).collect()
    }

    umpin_store::backend_tests! {
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

        /// A page holds `limit` matches however far apart they lie, and the next page starts
        /// after the last of them.
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
        }

        /// The listing's `PinExpired` filter selects, page after page, exactly the UM mailboxes
        /// whose PIN the domain rule (`PinStatus::pin_expired`) calls expired (`true`) or not
        /// (`false`), alone and with the other filters: over forced expiry, PIN lengths around
        /// every `MinPINLength`, ages around every `PINLifetime` to the microsecond, `Unlimited`,
        /// and times with and without a fraction of a microsecond.
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
                            let m = mailbox(&format!("u{n:05}"));
                            let status = PinStatus {
                                pin_set_at: at(NOW - age),
                                pin_length,
                                first_time_user: n.is_multiple_of(2),
                                expiry_forced,
                                failed_logon_count: 0,
                                last_failed_logon: None,
                                locked_out: n.is_multiple_of(3),
                            };
                            tx.insert_mailbox(&m).await.unwrap();
                            tx.put_um_mailbox(&um(&m, p, &[&format!("{n:05}")])).await.unwrap();
                            let record = PinRecord { status: status.clone(), history: Vec::new(), ..record(1) };
                            tx.put_pin(m.guid, &record).await.unwrap();
                            mailboxes.push((m, status, p.pin));
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
                for pin_expired in [Some(true), Some(false)] {
                    for (locked_out, first_time_user) in either.iter().flat_map(|l| either.map(|f| (*l, f))) {
                        let filter = UmPinFilter { locked_out, first_time_user, pin_expired, ..Default::default() };
                        let expected: Vec<&(Mailbox, PinStatus, PinPolicy)> = mailboxes
                            .iter()
                            .filter(|(_, s, p)| pin_expired == Some(s.pin_expired(p, now)))
                            .filter(|(_, s, _)| locked_out.is_none_or(|l| l == s.locked_out))
                            .filter(|(_, s, _)| first_time_user.is_none_or(|f| f == s.first_time_user))
                            .collect();
                        let mut listed = Vec::new();
                        let mut after: Option<String> = None;
                        loop {
                            let page = tx.list_um_pins(&filter, now, after.as_deref(), 97).await.unwrap();
                            after = page.last().map(|(m, _, _)| m.primary_smtp_address.clone());
                            let full = page.len() == 97;
                            listed.extend(page);
                            if !full {
                                break;
                            }
                        }
                        assert!(
                            listed.iter().eq(expected.iter().copied()),
                            "{filter:?} at {now}: {} listed, {} expected",
                            listed.len(),
                            expected.len()
                        );
                    }
                }
            }
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
            assert!(db.sign_in_succeeded(m.guid, r.version, r.failed_logon_count, Some(&[7; 50])).await.unwrap());
            let stored = pin_of(&db, m.guid).await.unwrap();
            assert_eq!(stored.status.failed_logon_count, 0);
            assert_eq!(stored.sealed_pin, vec![7; 50]);
            assert_eq!(stored.history, record(1).history);
            assert_eq!(stored.version, 1);
            let r = db.reserve_sign_in(m.guid, 15, at(3)).await.unwrap().unwrap();
            assert!(db.sign_in_succeeded(m.guid, r.version, r.failed_logon_count, None).await.unwrap());
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
            assert!(!db.sign_in_succeeded(m.guid, r.version, r.failed_logon_count, Some(&[7; 50])).await.unwrap());
            assert_eq!(pin_of(&db, m.guid).await.unwrap(), before);
            let mut tx = db.begin().await.unwrap();
            assert!(!tx.sign_in_succeeded(m.guid, r.version, r.failed_logon_count, None).await.unwrap());
        }

        /// The attempt that locked out may still lift its own lockout with the right PIN; an
        /// earlier attempt can't lift a lockout that a later one set.
        async fn only_the_attempt_that_locked_out_can_lift_the_lockout(db: Database) {
            let (_, pol) = org(&db, "Plan").await;
            let m = um_user(&db, &pol, "tony", "51234").await;
            let first = db.reserve_sign_in(m.guid, 2, at(1)).await.unwrap().unwrap();
            let last = db.reserve_sign_in(m.guid, 2, at(2)).await.unwrap().unwrap();
            assert!(last.locked_out);
            assert!(!db.sign_in_succeeded(m.guid, first.version, first.failed_logon_count, None).await.unwrap());
            assert!(pin_of(&db, m.guid).await.unwrap().status.locked_out);
            assert!(db.sign_in_succeeded(m.guid, last.version, last.failed_logon_count, None).await.unwrap());
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
}

mod outbox {
    use super::*;

    umpin_store::backend_tests! {
        async fn queued_messages_round_trip_oldest_first(db: Database) {
            let message = |kind, created: i64| OutboxMessage {
                id: Guid::new_v4(),
                kind,
                recipient: "tony@contoso.com".into(),
                sealed_body: vec![created as u8; 70],
                created_at: at(created),
            };
            let later = message(MessageKind::Welcome, 30);
            let first = message(MessageKind::PinReset, 10);
            let second = message(MessageKind::Lockout, 20);
            let mut tx = db.begin().await.unwrap();
            for m in [&later, &first, &second] {
                tx.enqueue_message(m).await.unwrap();
            }
            tx.commit().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            assert_eq!(tx.outbox_messages().await.unwrap(), [first, second, later]);
            // A rolled-back operation sends nothing.
            tx.enqueue_message(&message(MessageKind::Welcome, 40)).await.unwrap();
            drop(tx);
            assert_eq!(db.begin().await.unwrap().outbox_messages().await.unwrap().len(), 3);
        }
    }
}

#[path = "contract/outbox.rs"]
mod outbox_delivery;

// ---------------------------------------------------------------------------------------------
// API tokens

mod api_tokens {
    use umpin_domain::ManagementAccount;

    use super::*;

    /// A management account, committed.
    async fn management_account(db: &Database, name: &str) -> Guid {
        let account = ManagementAccount {
            guid: Guid::new_v4(),
            name: name.to_owned(),
            display_name: name.to_owned(),
            disabled: false,
            role_groups: Vec::new(),
            when_created: at(1),
        };
        let mut tx = db.begin().await.unwrap();
        tx.insert_management_account(&account, &[7; 40]).await.unwrap();
        tx.commit().await.unwrap();
        account.guid
    }

    /// Stores a token of `account` that expires at `expires_at`.
    async fn token(db: &Database, digest: u8, account: Guid, expires_at: i64) {
        let mut tx = db.begin().await.unwrap();
        tx.insert_api_token(&[digest; 32], account, at(0), at(expires_at)).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// Whether the token is still stored (looked up at the start of time, before any expiry).
    async fn stored(db: &Database, digest: u8) -> bool {
        db.begin().await.unwrap().account_for_token(&[digest; 32], at(0)).await.unwrap().is_some()
    }

    umpin_store::backend_tests! {
        /// Deleting the expired tokens removes those of every account whose expiry has come (at
        /// `now` included) and keeps the others; a second pass finds nothing.
        async fn deleting_expired_tokens_removes_those_of_every_account_expired_at_now_and_keeps_the_rest(db: Database) {
            let (ellen, kim) = (management_account(&db, "ellen").await, management_account(&db, "kim").await);
            token(&db, 1, ellen, 100).await;
            token(&db, 2, kim, 200).await;
            token(&db, 3, ellen, 201).await;
            token(&db, 4, kim, 5000).await;
            assert_eq!(db.delete_expired_api_tokens(at(200)).await.unwrap(), 2);
            let kept = [stored(&db, 1).await, stored(&db, 2).await, stored(&db, 3).await, stored(&db, 4).await];
            assert_eq!(kept, [false, false, true, true]);
            assert_eq!(db.delete_expired_api_tokens(at(200)).await.unwrap(), 0);
            let still = db.begin().await.unwrap().account_for_token(&[3; 32], at(200)).await.unwrap();
            assert_eq!(still.map(|a| a.name), Some("ellen".to_owned()), "a token kept still signs in");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Web admin center: sessions and the Recipients list

mod web_admin_center {
    use umpin_domain::ManagementAccount;
    use umpin_store::{RecipientKey, RecipientOrder, RecipientQuery};

    use super::*;

    async fn account(db: &Database, name: &str, disabled: bool) -> Guid {
        let account = ManagementAccount {
            guid: Guid::new_v4(),
            name: name.to_owned(),
            display_name: name.to_owned(),
            disabled,
            role_groups: Vec::new(),
            when_created: at(1),
        };
        let mut tx = db.begin().await.unwrap();
        tx.insert_management_account(&account, &[7; 40]).await.unwrap();
        tx.commit().await.unwrap();
        account.guid
    }

    async fn session(db: &Database, digest: u8, account: Guid, idle_until: i64, expires_at: i64) {
        let mut tx = db.begin().await.unwrap();
        tx.insert_web_session(&[digest; 32], account, at(0), at(idle_until), at(expires_at)).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// Uses a session at `now`, moving its idle end to `idle_until`: the account's name.
    async fn use_session(db: &Database, digest: u8, now: i64, idle_until: i64) -> Option<String> {
        let mut tx = db.begin().await.unwrap();
        let account = tx.use_web_session(&[digest; 32], at(now), at(idle_until)).await.unwrap();
        tx.commit().await.unwrap();
        account.map(|a| a.name)
    }

    /// Every page of the Recipients list in `query`'s order, `page_size` at a time: the addresses.
    async fn all_pages(db: &Database, query: &RecipientQuery, page_size: u32) -> Vec<String> {
        let mut tx = db.begin().await.unwrap();
        let mut seen = Vec::new();
        let mut after: Option<RecipientKey> = None;
        loop {
            let page = tx.list_recipients(query, after.as_ref(), page_size).await.unwrap();
            assert!(page.len() <= page_size as usize);
            let Some(last) = page.last() else { break };
            after = Some(last.key());
            seen.extend(page.iter().map(|r| r.mailbox.primary_smtp_address.clone()));
        }
        seen
    }

    umpin_store::backend_tests! {
        /// A session signs in until its idle end or its absolute end, whichever comes first; each
        /// use moves the idle end, never past the absolute end.
        async fn a_web_session_lasts_while_used_and_never_past_its_absolute_end(db: Database) {
            let ellen = account(&db, "ellen", false).await;
            session(&db, 1, ellen, 100, 1000).await;
            assert_eq!(use_session(&db, 1, 50, 150).await.as_deref(), Some("ellen"));
            let moved = use_session(&db, 1, 149, 5000).await;
            assert_eq!(moved.as_deref(), Some("ellen"), "used within the moved idle end");
            assert_eq!(use_session(&db, 1, 999, 1500).await.as_deref(), Some("ellen"), "capped at the absolute end");
            assert_eq!(use_session(&db, 1, 1000, 1100).await, None, "the absolute end has come");
            session(&db, 2, ellen, 100, 1000).await;
            assert_eq!(use_session(&db, 2, 100, 200).await, None, "idle since its idle end");
        }

        /// A session of a disabled account signs nobody in; ending a session, or every session of
        /// an account, removes it; ended sessions are deleted, the others kept.
        async fn web_sessions_end_by_sign_out_by_account_and_by_time(db: Database) {
            let (ellen, kim) = (account(&db, "ellen", false).await, account(&db, "kim", true).await);
            session(&db, 1, kim, 100, 1000).await;
            assert_eq!(use_session(&db, 1, 10, 100).await, None, "a disabled account");
            session(&db, 2, ellen, 100, 1000).await;
            let mut tx = db.begin().await.unwrap();
            assert!(tx.delete_web_session(&[2; 32]).await.unwrap());
            assert!(!tx.delete_web_session(&[2; 32]).await.unwrap());
            tx.commit().await.unwrap();
            session(&db, 3, ellen, 100, 1000).await;
            session(&db, 4, ellen, 100, 1000).await;
            let mut tx = db.begin().await.unwrap();
            tx.delete_web_sessions(ellen).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(use_session(&db, 3, 10, 100).await, None);
            session(&db, 5, ellen, 100, 1000).await;
            session(&db, 6, ellen, 300, 1000).await;
            session(&db, 7, ellen, 900, 200).await;
            assert_eq!(db.delete_ended_web_sessions(at(200)).await.unwrap(), 3, "kim's idle one, 5 idle, 7 expired");
            assert_eq!(use_session(&db, 6, 250, 290).await.as_deref(), Some("ellen"));
        }

        /// Each order of the Recipients list pages through every mailbox exactly once, whatever
        /// the page size, in that order; ties of display name are broken by address.
        async fn the_recipients_list_pages_every_mailbox_once_in_each_order(db: Database) {
            let (_, pol) = org(&db, "Plan").await;
            let mut expected_by_name = Vec::new();
            for i in 0..9 {
                let n = format!("r{i}");
                let mut m = mailbox(&n);
                // Three display names, each shared by three mailboxes.
                m.display_name = ["Zed", "alpha", "Mid"][i % 3].to_owned();
                insert_mailbox(&db, &m).await.unwrap();
                if i % 2 == 0 {
                    let mut tx = db.begin().await.unwrap();
                    tx.put_um_mailbox(&um(&m, &pol, &[&format!("5000{i}")])).await.unwrap();
                    tx.commit().await.unwrap();
                }
                expected_by_name.push((m.display_name.to_lowercase(), m.primary_smtp_address.clone(), i % 2 == 0));
            }
            expected_by_name.sort();
            let by_name: Vec<String> = expected_by_name.iter().map(|(_, a, _)| a.clone()).collect();
            let mut by_address = by_name.clone();
            by_address.sort();
            let enabled = |a: &String| expected_by_name.iter().any(|(_, b, e)| b == a && *e);
            let mut by_um: Vec<String> = by_address.iter().filter(|a| !enabled(a)).cloned().collect();
            by_um.extend(by_address.iter().filter(|a| enabled(a)).cloned());
            for page_size in [1, 2, 4, 9, 50] {
                let q = |order, descending| RecipientQuery { search: None, order, descending };
                assert_eq!(all_pages(&db, &q(RecipientOrder::DisplayName, false), page_size).await, by_name);
                let mut reversed = by_name.clone();
                reversed.reverse();
                assert_eq!(all_pages(&db, &q(RecipientOrder::DisplayName, true), page_size).await, reversed);
                assert_eq!(all_pages(&db, &q(RecipientOrder::Address, false), page_size).await, by_address);
                let mut reversed = by_address.clone();
                reversed.reverse();
                assert_eq!(all_pages(&db, &q(RecipientOrder::Address, true), page_size).await, reversed);
                let um_order = all_pages(&db, &q(RecipientOrder::UmEnabled, false), page_size).await;
                assert_eq!(um_order, by_um, "page size {page_size}");
                let enabled_first: Vec<String> = by_um[4..].iter().chain(&by_um[..4]).cloned().collect();
                assert_eq!(all_pages(&db, &q(RecipientOrder::UmEnabled, true), page_size).await, enabled_first);
            }
        }

        /// The search matches the start of a name, display name, alias, address or extension, and
        /// each row says whether its mailbox is UM-enabled.
        async fn the_recipients_search_matches_extensions_too_and_rows_tell_um_enabled(db: Database) {
            let (_, pol) = org(&db, "Plan").await;
            let tony = um_user(&db, &pol, "tony", "51234").await;
            insert_mailbox(&db, &mailbox("anna")).await.unwrap();
            let search = |s: &str| RecipientQuery { search: Some(s.to_owned()), ..RecipientQuery::default() };
            let mut tx = db.begin().await.unwrap();
            let found = tx.list_recipients(&search("512"), None, 10).await.unwrap();
            assert_eq!(found.iter().map(|r| (r.mailbox.guid, r.um_enabled)).collect::<Vec<_>>(), [(tony.guid, true)]);
            let found = tx.list_recipients(&search("ANN"), None, 10).await.unwrap();
            let rows: Vec<_> = found.iter().map(|r| (r.mailbox.alias.as_str(), r.um_enabled)).collect();
            assert_eq!(rows, [("anna", false)]);
            assert!(tx.list_recipients(&search("234"), None, 10).await.unwrap().is_empty(), "a prefix, not a part");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Voice-access calls

mod voice_calls {
    use umpin_store::VoiceCall;

    use super::*;

    fn call(digest: u8, plan: &DialPlan, expires_at: i64) -> VoiceCall {
        VoiceCall {
            digest: vec![digest; 32],
            account: "ivr".to_owned(),
            dial_plan: plan.guid,
            mailbox: None,
            signed_in: false,
            failures: 0,
            started_at: at(0),
            expires_at: at(expires_at),
        }
    }

    umpin_store::backend_tests! {
        /// A call is found only by the account that started it and only before it expires; its
        /// failures count up one statement at a time, and the expired calls are deleted.
        async fn a_call_is_found_by_its_account_until_it_expires_and_counts_its_failures(db: Database) {
            let (plan, pol) = org(&db, "Plan").await;
            let tony = um_user(&db, &pol, "tony", "51234").await;
            let mut tx = db.begin().await.unwrap();
            tx.insert_voice_call(&call(1, &plan, 100)).await.unwrap();
            tx.insert_voice_call(&call(2, &plan, 300)).await.unwrap();
            assert_eq!(tx.voice_call(&[1; 32], "ivr", at(99)).await.unwrap(), Some(call(1, &plan, 100)));
            assert_eq!(tx.voice_call(&[1; 32], "ivr", at(100)).await.unwrap(), None, "expired at expires_at");
            assert_eq!(tx.voice_call(&[2; 32], "ivr2", at(99)).await.unwrap(), None, "another account's call");
            tx.call_signed_in(&[2; 32], tony.guid).await.unwrap();
            let signed_in = tx.voice_call(&[2; 32], "ivr", at(99)).await.unwrap().unwrap();
            assert_eq!((signed_in.mailbox, signed_in.signed_in), (Some(tony.guid), true));
            assert_eq!(tx.count_call_failure(&[2; 32]).await.unwrap(), Some(1));
            assert_eq!(tx.count_call_failure(&[2; 32]).await.unwrap(), Some(2));
            let failed = tx.voice_call(&[2; 32], "ivr", at(99)).await.unwrap().unwrap();
            assert_eq!((failed.failures, failed.signed_in, failed.mailbox), (2, false, Some(tony.guid)));
            assert_eq!(tx.count_call_failure(&[9; 32]).await.unwrap(), None, "no such call");
            assert_eq!(tx.delete_expired_voice_calls(at(100)).await.unwrap(), 1);
            assert!(tx.delete_voice_call(&[2; 32]).await.unwrap());
            assert!(!tx.delete_voice_call(&[2; 32]).await.unwrap());
            tx.commit().await.unwrap();
        }

        /// A recorded name is replaced by the next one, a skipped one has no audio, and deleting
        /// the mailbox deletes it.
        async fn a_recorded_name_is_replaced_skipped_and_deleted_with_its_mailbox(db: Database) {
            let (_, pol) = org(&db, "Plan").await;
            let tony = um_user(&db, &pol, "tony", "51234").await;
            let mut tx = db.begin().await.unwrap();
            tx.put_recorded_name(tony.guid, Some(("audio/wav", b"one")), at(1)).await.unwrap();
            tx.put_recorded_name(tony.guid, Some(("audio/mpeg", b"two")), at(2)).await.unwrap();
            let name = tx.recorded_name(tony.guid).await.unwrap().unwrap();
            assert_eq!((name.audio, name.recorded_at), (Some(("audio/mpeg".to_owned(), b"two".to_vec())), at(2)));
            tx.put_recorded_name(tony.guid, None, at(3)).await.unwrap();
            assert_eq!(tx.recorded_name(tony.guid).await.unwrap().unwrap().audio, None);
            tx.delete_mailbox(tony.guid).await.unwrap();
            assert_eq!(tx.recorded_name(tony.guid).await.unwrap(), None);
            tx.commit().await.unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Connecting: backend-specific behaviour.

mod connecting {
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

    /// The SQLite file is created, in WAL mode, with foreign keys on, `synchronous = NORMAL` and a
    /// busy timeout of 10 s; the migrations run on it.
    #[tokio::test]
    async fn a_sqlite_database_is_created_with_wal_foreign_keys_and_a_busy_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let db = Database::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        db.migrate().await.unwrap();
        db.migrate().await.unwrap();
        assert!(path.exists());
        let Database::Sqlite(pool) = &db else { panic!("not SQLite") };
        let mode: (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(pool).await.unwrap();
        let fk: (i64,) = sqlx::query_as("PRAGMA foreign_keys").fetch_one(pool).await.unwrap();
        let sync: (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(pool).await.unwrap();
        let busy: (i64,) = sqlx::query_as("PRAGMA busy_timeout").fetch_one(pool).await.unwrap();
        assert_eq!((mode.0.as_str(), fk.0, sync.0, busy.0), ("wal", 1, 1, 10_000));
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
        let sqlite = include_str!("../migrations/sqlite/0001_schema.sql");
        let postgres = include_str!("../migrations/postgres/0001_schema.sql");
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
}
