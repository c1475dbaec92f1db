//! UM mailboxes: round trips with their extensions, extensions and SIP resource identifiers unique
//! within a dial plan, and the listing with its filters and pages.

use umpin_store::{Tx, UmMailboxFilter};

use super::*;

umpin_store::backend_tests! {
    async fn a_um_mailbox_round_trips_with_its_extensions_in_order(db: Database) {
        let (plan, pol) = org(&db, "Plan").await;
        let m = mailbox("tony");
        let mut settings = um(&m, &pol, &["51234", "40000", "45678"]);
        settings.operator_number = Some("0".into());
        settings.sip_resource_identifier = Some("tony@contoso.com".into());
        settings.pinless_access_to_voice_mail_enabled = true;
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
