//! Voice-access calls and recorded names.

use umpin_store::VoiceCall;

use super::*;

fn call(digest: u8, plan: &DialPlan, expires_at: i64) -> VoiceCall {
    VoiceCall {
        digest: vec![digest; 32],
        account: "ivr".to_owned(),
        // Even calls come with a caller ID, odd ones without: both are kept as they are.
        caller_id: digest.is_multiple_of(2).then(|| "14255551234".to_owned()),
        dial_plan: plan.guid,
        mailbox: None,
        signed_in: false,
        pin_version: None,
        failures: 0,
        started_at: at(0),
        expires_at: at(expires_at),
    }
}

umpin_store::backend_tests! {
    /// A call is found only by the account that started it and only before it expires; its
    /// attempts are reserved one statement at a time up to the limit, a sign-in takes its
    /// reservation back and keeps the PIN version, only its account ends it, and the expired
    /// calls are deleted.
    async fn a_call_is_found_by_its_account_until_it_expires_and_reserves_attempts_up_to_the_limit(db: Database) {
        let (plan, pol) = org(&db, "Plan").await;
        let tony = um_user(&db, &pol, "tony", "51234").await;
        let mut tx = db.begin().await.unwrap();
        tx.insert_voice_call(&call(1, &plan, 100)).await.unwrap();
        tx.insert_voice_call(&call(2, &plan, 300)).await.unwrap();
        assert_eq!(tx.voice_call(&[1; 32], "ivr", at(99)).await.unwrap(), Some(call(1, &plan, 100)));
        assert_eq!(tx.voice_call(&[1; 32], "ivr", at(100)).await.unwrap(), None, "expired at expires_at");
        assert_eq!(tx.voice_call(&[2; 32], "ivr2", at(99)).await.unwrap(), None, "another account's call");
        assert_eq!(tx.reserve_call_attempt(&[2; 32], 3).await.unwrap(), Some(1));
        tx.call_signed_in(&[2; 32], tony.guid, 7).await.unwrap();
        let signed_in = tx.voice_call(&[2; 32], "ivr", at(99)).await.unwrap().unwrap();
        assert_eq!(
            (signed_in.mailbox, signed_in.signed_in, signed_in.pin_version, signed_in.failures),
            (Some(tony.guid), true, Some(7), 0),
            "a sign-in is no failure"
        );
        tx.call_pin_changed(&[2; 32], 8).await.unwrap();
        assert_eq!(tx.voice_call(&[2; 32], "ivr", at(99)).await.unwrap().unwrap().pin_version, Some(8));
        assert_eq!(tx.reserve_call_attempt(&[2; 32], 3).await.unwrap(), Some(1));
        assert_eq!(tx.reserve_call_attempt(&[2; 32], 3).await.unwrap(), Some(2));
        let failed = tx.voice_call(&[2; 32], "ivr", at(99)).await.unwrap().unwrap();
        assert_eq!(
            (failed.failures, failed.signed_in, failed.mailbox, failed.pin_version),
            (2, false, Some(tony.guid), None),
            "an attempt signs the caller out"
        );
        assert_eq!(tx.reserve_call_attempt(&[2; 32], 3).await.unwrap(), Some(3));
        assert_eq!(tx.reserve_call_attempt(&[2; 32], 3).await.unwrap(), None, "no attempt left");
        tx.release_call_attempt(&[2; 32]).await.unwrap();
        assert_eq!(tx.reserve_call_attempt(&[2; 32], 3).await.unwrap(), Some(3), "a released attempt is free again");
        assert_eq!(tx.reserve_call_attempt(&[9; 32], 3).await.unwrap(), None, "no such call");
        tx.insert_voice_call(&call(3, &plan, 300)).await.unwrap();
        assert!(tx.delete_voice_call(&[3; 32]).await.unwrap());
        assert!(!tx.delete_voice_call(&[3; 32]).await.unwrap());
        tx.commit().await.unwrap();
        assert!(!db.end_voice_call(&[2; 32], "ivr2").await.unwrap(), "another account's call");
        assert!(db.end_voice_call(&[2; 32], "ivr").await.unwrap());
        assert!(!db.end_voice_call(&[2; 32], "ivr").await.unwrap(), "ended already");
        assert_eq!(db.delete_expired_voice_calls(at(99)).await.unwrap(), 0);
        assert_eq!(db.delete_expired_voice_calls(at(100)).await.unwrap(), 1);
        assert_eq!(db.begin().await.unwrap().voice_call(&[1; 32], "ivr", at(0)).await.unwrap(), None, "deleted");
    }

    /// Parallel attempts on one call, each reserved in a transaction of its own (as on several
    /// nodes), get no more than the limit between them.
    async fn parallel_attempts_on_one_call_reserve_no_more_than_the_limit(db: Database) {
        let (plan, _) = org(&db, "Plan").await;
        let mut tx = db.begin().await.unwrap();
        tx.insert_voice_call(&call(1, &plan, 100)).await.unwrap();
        tx.commit().await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin().await.unwrap();
                let reserved = tx.reserve_call_attempt(&[1; 32], 3).await.unwrap();
                tx.commit().await.unwrap();
                reserved
            }));
        }
        let mut granted = Vec::new();
        for task in tasks {
            granted.extend(task.await.unwrap());
        }
        granted.sort_unstable();
        assert_eq!(granted, vec![1, 2, 3]);
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
