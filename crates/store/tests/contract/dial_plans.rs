//! UM dial plans: round trips with their access numbers, unique names, identity candidates, and a
//! dial plan with policies that can't be deleted.

use super::*;

umpin_store::backend_tests! {
    /// A read transaction takes no write lock: while one is open a writer begins and commits
    /// without waiting; the reader keeps its snapshot, and a read begun after sees the change.
    async fn a_read_transaction_keeps_no_writer_waiting_and_a_later_one_sees_the_commit(db: Database) {
        let mut read = db.begin_read().await.unwrap();
        assert!(read.dial_plans().await.unwrap().is_empty());
        let wait = std::time::Duration::from_secs(10);
        let mut write = tokio::time::timeout(wait, db.begin()).await.expect("a reader keeps no writer waiting").unwrap();
        write.insert_dial_plan(&dial_plan("Plan A")).await.unwrap();
        tokio::time::timeout(wait, write.commit()).await.expect("nor its commit").unwrap();
        assert!(read.dial_plans().await.unwrap().is_empty(), "the reader keeps its snapshot");
        drop(read);
        let mut later = db.begin_read().await.unwrap();
        assert_eq!(later.dial_plans().await.unwrap().len(), 1);
    }

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

    /// The UM dial plans list's count: the UM-enabled mailboxes of each dial plan, a disabled one
    /// left out, and a dial plan without any absent.
    async fn um_enabled_mailboxes_are_counted_per_dial_plan_without_the_disabled_ones(db: Database) {
        let (plan_a, pol_a) = org(&db, "A").await;
        let (plan_b, pol_b) = org(&db, "B").await;
        let (plan_c, _) = org(&db, "C").await;
        um_user(&db, &pol_a, "a0", "10000").await;
        um_user(&db, &pol_a, "a1", "10001").await;
        um_user(&db, &pol_b, "b0", "10000").await;
        let off = um_user(&db, &pol_a, "a_off", "19999").await;
        let mut tx = db.begin().await.unwrap();
        let mut disabled = tx.um_mailbox(off.guid).await.unwrap().unwrap();
        tx.delete_pin(off.guid).await.unwrap();
        disabled.um_enabled = false;
        disabled.extensions.clear();
        tx.put_um_mailbox(&disabled).await.unwrap();
        let mut counts = tx.um_enabled_counts_by_dial_plan().await.unwrap();
        counts.sort();
        let mut expected = vec![(plan_a.guid, 2), (plan_b.guid, 1)];
        expected.sort();
        assert_eq!(counts, expected);
        assert!(!counts.iter().any(|(plan, _)| *plan == plan_c.guid));
    }
}
