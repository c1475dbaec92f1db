//! The web admin center's storage: sessions and the Recipients list.

use umpin_domain::ManagementAccount;
use umpin_store::{MailboxFilter, RecipientKey, RecipientOrder, RecipientQuery, Sessions};

use super::*;

async fn account(db: &Database, name: &str, disabled: bool) -> Guid {
    let account = ManagementAccount {
        guid: Guid::new_v4(),
        name: name.to_owned(),
        display_name: name.to_owned(),
        disabled,
        role_groups: Vec::new(),
        when_created: at(1),
        directory_id: None,
    };
    let mut tx = db.begin().await.unwrap();
    tx.insert_management_account(&account, &[7; 40]).await.unwrap();
    tx.commit().await.unwrap();
    account.guid
}

async fn session(db: &Database, digest: u8, account: Guid, idle_until: i64, expires_at: i64) {
    let mut tx = db.begin().await.unwrap();
    tx.insert_session(Sessions::AdminCenter, &[digest; 32], account, at(0), at(idle_until), at(expires_at))
        .await
        .unwrap();
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

/// Every page of `Get-Mailbox -Anr`, `page_size` at a time: the addresses.
async fn all_anr_pages(db: &Database, anr: &str, page_size: u32) -> Vec<String> {
    let mut tx = db.begin().await.unwrap();
    let filter = MailboxFilter { anr: Some(anr.to_owned()) };
    let mut seen: Vec<String> = Vec::new();
    loop {
        let page = tx.list_mailboxes(&filter, seen.last().map(String::as_str), page_size).await.unwrap();
        assert!(page.len() <= page_size as usize);
        if page.is_empty() {
            break;
        }
        seen.extend(page.into_iter().map(|m| m.primary_smtp_address));
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
        assert!(tx.delete_session(Sessions::AdminCenter, &[2; 32]).await.unwrap());
        assert!(!tx.delete_session(Sessions::AdminCenter, &[2; 32]).await.unwrap());
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

    /// A Voice Mail session names its mailbox while used and never passes for an admin center
    /// session; it ends by sign-out, by time (with the admin center's), and with its mailbox.
    async fn a_voice_mail_session_is_its_mailboxs_alone_and_ends_with_it(db: Database) {
        let tony = mailbox("tony");
        insert_mailbox(&db, &tony).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        for (digest, idle_until) in [(1, 100), (2, 100), (3, 300)] {
            tx.insert_session(Sessions::VoiceMail, &[digest; 32], tony.guid, at(0), at(idle_until), at(1000)).await.unwrap();
        }
        let used = tx.use_voice_mail_session(&[1; 32], at(50), at(150)).await.unwrap();
        assert_eq!(used.map(|m| m.guid), Some(tony.guid));
        assert_eq!(tx.use_web_session(&[1; 32], at(60), at(160)).await.unwrap(), None, "not an admin center session");
        assert!(tx.delete_session(Sessions::VoiceMail, &[1; 32]).await.unwrap());
        assert_eq!(tx.use_voice_mail_session(&[1; 32], at(70), at(170)).await.unwrap(), None, "signed out");
        tx.commit().await.unwrap();
        assert_eq!(db.delete_ended_web_sessions(at(200)).await.unwrap(), 1, "2 idle since 100");
        let mut tx = db.begin().await.unwrap();
        assert!(tx.use_voice_mail_session(&[3; 32], at(250), at(290)).await.unwrap().is_some());
        tx.delete_mailbox(tony.guid).await.unwrap();
        assert!(!tx.delete_session(Sessions::VoiceMail, &[3; 32]).await.unwrap(), "deleted with its mailbox");
        tx.commit().await.unwrap();
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

    /// A search that few mailboxes match is answered from the prefix look-ups; one that many
    /// match from the walk of the order's index when they are dense at its start, else from each
    /// field's own index (here behind 2,001 mailboxes that come first and match nothing). Every
    /// way pages the same in every order, and `Get-Mailbox -Anr` pages as the Recipients search.
    async fn the_recipients_search_pages_the_same_whether_few_or_many_mailboxes_match(db: Database) {
        umpin_store::testing::seed_um_mailboxes(&db, 2100).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        for i in 0..2001 {
            let mut first = mailbox(&format!("aaron{i:04}"));
            first.name = format!("Aaron {i:04}");
            first.display_name = first.name.clone();
            tx.insert_mailbox(&first).await.unwrap();
        }
        tx.commit().await.unwrap();
        let seeded: Vec<(String, String)> = (0..2100)
            .map(|i| match i {
                0 => ("tony smith".to_owned(), "tony@contoso.com".to_owned()),
                _ => (format!("user {i:06}"), format!("user{i:06}@contoso.com")),
            })
            .collect();
        type Matches = fn(usize) -> bool;
        let cases: [(&str, Matches); 4] = [
            // Every name but Tony's: more than one look-up gathers too many.
            ("user", |i| i > 0),
            // Every extension (100000 + i): many, in a field that no order follows.
            ("1", |_| true),
            ("USER0001", |i| (100..200).contains(&i)),
            // Extensions 100000 + i.
            ("1000", |i| i < 100),
        ];
        for (search, matches) in cases {
            let mut by_name: Vec<(String, String)> =
                seeded.iter().enumerate().filter(|(i, _)| matches(*i)).map(|(_, row)| row.clone()).collect();
            by_name.sort();
            let by_name: Vec<String> = by_name.into_iter().map(|(_, address)| address).collect();
            let mut by_address = by_name.clone();
            by_address.sort();
            for page_size in [37, 1000] {
                let q = |order, descending| RecipientQuery { search: Some(search.to_owned()), order, descending };
                let name = all_pages(&db, &q(RecipientOrder::DisplayName, false), page_size).await;
                assert_eq!(name, by_name, "{search} by name, pages of {page_size}");
                let mut reversed = by_name.clone();
                reversed.reverse();
                assert_eq!(all_pages(&db, &q(RecipientOrder::DisplayName, true), page_size).await, reversed, "{search}");
                assert_eq!(all_pages(&db, &q(RecipientOrder::Address, false), page_size).await, by_address, "{search}");
                let mut reversed = by_address.clone();
                reversed.reverse();
                assert_eq!(all_pages(&db, &q(RecipientOrder::Address, true), page_size).await, reversed, "{search}");
                // Every seeded mailbox is UM-enabled, none of the others: the UM order of the
                // matches is the address order, whichever group comes first.
                assert_eq!(all_pages(&db, &q(RecipientOrder::UmEnabled, true), page_size).await, by_address, "{search}");
                assert_eq!(all_pages(&db, &q(RecipientOrder::UmEnabled, false), page_size).await, by_address, "{search}");
                if !search.starts_with('1') {
                    assert_eq!(all_anr_pages(&db, search, page_size).await, by_address, "-Anr {search}");
                }
            }
        }
    }
}
