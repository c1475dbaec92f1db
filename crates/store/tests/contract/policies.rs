//! UM mailbox policies: round trips (numbers and `Unlimited`), unique names, listing by dial plan,
//! and the references that protect a policy and its dial plan.

use umpin_domain::Limit;

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
                allow_common_pins: true,
                logon_failures_before_pin_reset: Limit::Limited(998),
                max_logon_attempts: 999,
            },
            reset_pin_text: "Call the help desk at 555-0100.".into(),
            um_enabled_text: "Welcome ☎".into(),
            allow_pinless_voice_mail_access: true,
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
