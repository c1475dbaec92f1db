//! Management accounts and their API tokens: reading an account with its role groups, deleting
//! the expired tokens, and the accounts of directory users.

use umpin_domain::{ManagementAccount, RoleGroup};
use umpin_store::{Sessions, StoreError, Unique};

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
        directory_id: None,
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
    db.account_for_token(&[digest; 32], at(0)).await.unwrap().is_some()
}

umpin_store::backend_tests! {
    /// Every read of an account gives it with every role group it is a member of, in order, and
    /// no other account's: by token, by name, in the list of every account, by its directory id
    /// and by an admin center session; an account of no role group has none. An expired token,
    /// or one of a disabled account, gives nobody.
    async fn every_read_of_an_account_comes_with_its_own_role_groups_in_order(db: Database) {
        let (ellen, kim) = (management_account(&db, "ellen").await, management_account(&db, "kim").await);
        let nobody = management_account(&db, "nobody").await;
        let mut tx = db.begin().await.unwrap();
        for group in [RoleGroup::UmManagement, RoleGroup::HelpDesk, RoleGroup::OrganizationManagement] {
            tx.add_role_group_member(group, ellen).await.unwrap();
        }
        tx.add_role_group_member(RoleGroup::ViewOnlyOrganizationManagement, kim).await.unwrap();
        let directory = ManagementAccount {
            guid: Guid::new_v4(),
            name: "dana".to_owned(),
            display_name: "Dana".to_owned(),
            disabled: false,
            role_groups: vec![RoleGroup::VoiceAccess, RoleGroup::HelpDesk],
            when_created: at(1),
            directory_id: None,
        };
        let dana = tx.save_directory_account("id-dana", directory).await.unwrap().guid;
        tx.insert_session(Sessions::AdminCenter, &[9; 32], ellen, at(0), at(100), at(100)).await.unwrap();
        tx.commit().await.unwrap();
        token(&db, 1, ellen, 100).await;
        token(&db, 2, nobody, 100).await;
        let mut ellens = vec![RoleGroup::UmManagement, RoleGroup::HelpDesk, RoleGroup::OrganizationManagement];
        ellens.sort();
        let mut danas = vec![RoleGroup::VoiceAccess, RoleGroup::HelpDesk];
        danas.sort();

        let account = db.account_for_token(&[1; 32], at(99)).await.unwrap().unwrap();
        assert_eq!((account.guid, account.name.as_str()), (ellen, "ellen"));
        assert_eq!(account.role_groups, ellens, "by token");
        assert_eq!(db.account_for_token(&[2; 32], at(99)).await.unwrap().unwrap().role_groups, []);
        let mut tx = db.begin_read().await.unwrap();
        let by_name = tx.management_account("ELLEN").await.unwrap().unwrap().account;
        assert_eq!((by_name.guid, by_name.role_groups), (ellen, ellens.clone()), "by name");
        let accounts = tx.management_accounts().await.unwrap();
        let every: Vec<_> = accounts.into_iter().map(|a| (a.guid, a.role_groups)).collect();
        let expected = [
            (dana, danas.clone()),
            (ellen, ellens.clone()),
            (kim, vec![RoleGroup::ViewOnlyOrganizationManagement]),
            (nobody, Vec::new()),
        ];
        assert_eq!(every, expected, "every account, by name");
        assert_eq!(tx.directory_account("id-dana").await.unwrap().unwrap().role_groups, danas, "by directory id");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        let by_session = tx.use_web_session(&[9; 32], at(50), at(60)).await.unwrap().unwrap();
        assert_eq!((by_session.guid, by_session.role_groups), (ellen, ellens), "by an admin center session");
        drop(tx);

        assert!(db.account_for_token(&[1; 32], at(100)).await.unwrap().is_none(), "expired at 100");
        let mut tx = db.begin().await.unwrap();
        let accounts = tx.management_accounts().await.unwrap();
        let stored = accounts.into_iter().find(|a| a.guid == ellen).unwrap();
        tx.update_management_account(&ManagementAccount { disabled: true, ..stored }).await.unwrap();
        tx.commit().await.unwrap();
        assert!(db.account_for_token(&[1; 32], at(99)).await.unwrap().is_none(), "a disabled account");
    }

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
        let still = db.account_for_token(&[3; 32], at(200)).await.unwrap();
        assert_eq!(still.map(|a| a.name), Some("ellen".to_owned()), "a token kept still signs in");
    }

    /// A directory user's account is made at its first save and found by its directory id
    /// after: its name, display name and role groups follow the directory, while its guid,
    /// creation time and a disabling made here stay. A name another account has is refused.
    async fn a_directory_users_account_is_kept_by_its_directory_id_with_the_directorys_name_and_role_groups(db: Database) {
        let kim = management_account(&db, "kim").await;
        let ellen = |name: &str, role_groups: Vec<RoleGroup>, when: i64| ManagementAccount {
            guid: Guid::new_v4(),
            name: name.to_owned(),
            display_name: format!("{name} (directory)"),
            disabled: false,
            role_groups,
            when_created: at(when),
            directory_id: None,
        };
        let mut tx = db.begin().await.unwrap();
        assert!(tx.directory_account("id-ellen").await.unwrap().is_none());
        let first = tx.save_directory_account("id-ellen", ellen("ellen", vec![RoleGroup::HelpDesk], 1)).await.unwrap();
        assert_eq!(first.directory_id.as_deref(), Some("id-ellen"));
        let mut disabled = first.clone();
        disabled.disabled = true;
        tx.update_management_account(&disabled).await.unwrap();
        let renamed = vec![RoleGroup::UmManagement, RoleGroup::OrganizationManagement];
        let second = tx.save_directory_account("id-ellen", ellen("ellen.k", renamed, 2)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((second.guid, second.when_created, second.disabled), (first.guid, at(1), true));
        let stored = db.begin().await.unwrap().directory_account("id-ellen").await.unwrap().unwrap();
        assert_eq!(stored, second);
        assert_eq!(stored.name, "ellen.k");
        assert_eq!(stored.role_groups, [RoleGroup::OrganizationManagement, RoleGroup::UmManagement]);
        let mut tx = db.begin().await.unwrap();
        let taken = tx.save_directory_account("id-other", ellen("KIM", Vec::new(), 3)).await.unwrap_err();
        assert!(matches!(taken, StoreError::Conflict { what: Unique::AccountName }), "{taken:?}");
        drop(tx);
        let accounts = db.begin().await.unwrap().management_accounts().await.unwrap();
        let names: Vec<_> = accounts.iter().map(|a| (a.name.as_str(), a.directory_id.is_some())).collect();
        assert_eq!(names, [("ellen.k", true), ("kim", false)]);
        assert_eq!(accounts[1].guid, kim);
    }
}
