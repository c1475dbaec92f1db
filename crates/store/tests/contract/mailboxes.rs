//! Mailboxes and their addresses: round trips, uniqueness, identity candidates, ANR and paging;
//! and how a transaction ends when dropped, and how placeholders bind.

use umpin_store::MailboxFilter;

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

    /// Phone numbers are counted by their digits, however written, and an update moves the count;
    /// the count stops at 2 (one owner, or a number several share).
    async fn mailboxes_are_counted_by_the_digits_of_their_phone_number_up_to_two(db: Database) {
        let mut tx = db.begin().await.unwrap();
        let mut people = Vec::new();
        for (n, phone) in [("tony", "+1 (425) 555-1234"), ("kim", "1 425 555 1234"), ("anna", "14255551234"), ("ben", "+1 425 555 9999")] {
            let m = Mailbox { phone: Some(phone.to_owned()), ..mailbox(n) };
            tx.insert_mailbox(&m).await.unwrap();
            people.push(m);
        }
        assert_eq!(tx.count_mailboxes_with_phone("14255551234").await.unwrap(), 2, "three share it; counted to 2");
        assert_eq!(tx.count_mailboxes_with_phone("14255559999").await.unwrap(), 1);
        assert_eq!(tx.count_mailboxes_with_phone("4255551234").await.unwrap(), 0, "digits, not a suffix");
        for m in &people[1..3] {
            tx.update_mailbox(&Mailbox { phone: None, ..m.clone() }).await.unwrap();
        }
        assert_eq!(tx.count_mailboxes_with_phone("14255551234").await.unwrap(), 1);
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
            Database::Sqlite(pools) => sqlx::query_as(query).bind("one").bind("two").fetch_one(&pools.readers).await.unwrap(),
            Database::Postgres(pool) => {
                sqlx::query_as(query).bind("one").bind("two").fetch_one(pool).await.unwrap()
            }
        };
        assert_eq!(row, ("two".to_owned(), "one".to_owned()));
    }
}
