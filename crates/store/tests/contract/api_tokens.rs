//! API tokens of management accounts: deleting the expired ones.

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
