//! Calls to voice access (SPEC §3), on both backends.

use secrecy::ExposeSecret;
use umpin_domain::RoleGroup;
use umpin_service::{CallSignIn, NewCall, RecordedNameAudio};

use super::*;

/// A telephony front end: an account of the Voice Access role group.
fn front_end(name: &str) -> Principal {
    Principal { account: name.into(), role_groups: vec![RoleGroup::VoiceAccess], source: "10.0.0.5".into() }
}

async fn call(s: &Service, caller_id: Option<&str>) -> String {
    let new = NewCall { dial_plan: Some(PLAN.into()), caller_id: caller_id.map(str::to_owned), ..Default::default() };
    s.start_call(&front_end("ivr"), new).await.unwrap().id.expose_secret().to_owned()
}

async fn enter(s: &Service, call: &str, extension: Option<&str>, p: &str) -> Result<CallSignIn, ServiceError> {
    s.sign_in_on_call(&front_end("ivr"), call, extension, &pin(p)).await
}

/// Tony's phone number, which both PIN-less switches trust in [`pinless_tony`].
const TONY_PHONE: &str = "+1 425 555 1234";

/// The PIN `p` entered twelve times at once on `call` with extension 51234: the outcomes of the
/// attempts that got one, in no order (the others found the call ended).
async fn enter_at_once(s: &Service, call: &str, p: &str) -> Vec<SignInOutcome> {
    let attempts: Vec<_> = (0..12)
        .map(|_| {
            let (s, call, p) = (s.clone(), call.to_owned(), p.to_owned());
            tokio::spawn(async move { enter(&s, &call, Some("51234"), &p).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(answer) => outcomes.push(answer.outcome),
            Err(ServiceError::Rule(Error::CallEnded)) => {}
            other => panic!("{other:?}"),
        }
    }
    outcomes
}

/// Contoso, with Tony past first-time setup on PIN 8273645, his phone [`TONY_PHONE`], and both
/// PIN-less switches on (the policy's and his).
async fn pinless_tony(s: &Service) {
    contoso(s).await;
    set_phone(s, "tony", Some(TONY_PHONE)).await;
    let c = call(s, None).await;
    enter(s, &c, Some("51234"), TONY_PIN).await.unwrap();
    s.complete_first_time_setup(&front_end("ivr"), &c, &pin("8273645"), &pin("8273645"), true).await.unwrap();
    policy_pinless(s, true).await;
    mailbox_pinless(s, "tony", true).await;
}

async fn set_phone(s: &Service, who: &str, phone: Option<&str>) {
    // No phone is an empty one on the command line.
    let changes =
        SetMailbox { identity: who.into(), phone: Some(phone.unwrap_or_default().into()), ..Default::default() };
    changes.call(s, &admin()).await.unwrap();
}

async fn policy_pinless(s: &Service, on: bool) {
    let changes =
        SetUmMailboxPolicy { identity: POLICY.into(), allow_pinless_voice_mail_access: Some(on), ..Default::default() };
    changes.call(s, &admin()).await.unwrap();
}

async fn mailbox_pinless(s: &Service, who: &str, on: bool) {
    let changes =
        SetUmMailbox { identity: who.into(), pinless_access_to_voice_mail_enabled: Some(on), ..Default::default() };
    changes.call(s, &admin()).await.unwrap();
}

/// Whether a call from `caller_id` may hear voice mail without a PIN.
async fn pinless(s: &Service, caller_id: &str) -> bool {
    let new = NewCall { dial_plan: Some(PLAN.into()), caller_id: Some(caller_id.into()), ..Default::default() };
    s.start_call(&front_end("ivr"), new).await.unwrap().caller.is_some_and(|c| c.pinless_voice_mail)
}

fn wav() -> RecordedNameAudio {
    RecordedNameAudio { content_type: "audio/wav".into(), audio: umpin_domain::wav::wav(7, 1, 8000, 8, 1.5) }
}

umpin_store::backend_tests! {
    async fn a_caller_signs_in_on_a_call_and_completes_first_time_setup(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let ivr = front_end("ivr");
        let c = call(&s, None).await;
        let signed_in = enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        assert!(matches!(
            signed_in,
            CallSignIn { outcome: SignInOutcome::SignedIn { pin_expired: true, first_time_user: true, .. }, failures_in_call: 0, disconnected: false }
        ));
        let setup = |new: &'static str, again: &'static str, skip: bool| {
            let (s, ivr, c) = (&s, &ivr, &c);
            async move { s.complete_first_time_setup(ivr, c, &pin(new), &pin(again), skip).await }
        };
        assert_eq!(rule(setup("8273645", "8273645", false).await), Error::RecordedNameMissing);
        s.record_name_on_call(&ivr, &c, wav()).await.unwrap();
        assert_eq!(rule(setup("8273645", "8273646", false).await), Error::PinsDiffer);
        assert_eq!(rule(setup("5643892", "5643892", false).await), Error::Pin(PinRule::InHistory { count: 5 }));
        setup("8273645", "8273645", false).await.unwrap();
        let info = pin_status_of(&s, &admin(), "tony").await.unwrap();
        assert!(!info.pin_expired && !info.first_time_user);
        assert_eq!(rule(setup("8273646", "8273646", true).await), Error::FirstTimeSetupDone { mailbox: "tony@contoso.com".into() });
        let played = s.recorded_name_on_call(&ivr, &c).await.unwrap().unwrap();
        assert_eq!((played.content_type.as_str(), played.audio), ("audio/wav", wav().audio));
        assert!(matches!(sign_in(&s, "51234", "8273645").await, SignInOutcome::SignedIn { pin_expired: false, first_time_user: false, .. }));
    }

    async fn first_time_setup_may_skip_the_recorded_name(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let ivr = front_end("ivr");
        let c = call(&s, None).await;
        enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        s.complete_first_time_setup(&ivr, &c, &pin("8273645"), &pin("8273645"), true).await.unwrap();
        assert!(!pin_status_of(&s, &admin(), "tony").await.unwrap().first_time_user);
        assert!(s.recorded_name_on_call(&ivr, &c).await.unwrap().is_none(), "a skipped recording has no audio");
    }

    async fn a_signed_in_caller_changes_the_pin_entered_twice(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let ivr = front_end("ivr");
        let c = call(&s, None).await;
        enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        assert_eq!(rule(s.change_pin_on_call(&ivr, &c, &pin("8273645"), &pin("8273654")).await), Error::PinsDiffer);
        assert_eq!(rule(s.change_pin_on_call(&ivr, &c, &pin("1234"), &pin("1234")).await), Error::Pin(PinRule::TooShort { min: 6 }));
        s.change_pin_on_call(&ivr, &c, &pin("8273645"), &pin("8273645")).await.unwrap();
        let info = pin_status_of(&s, &admin(), "tony").await.unwrap();
        assert!(!info.pin_expired, "a PIN the user chose isn't expired");
        assert!(info.first_time_user, "changing the PIN alone doesn't complete first-time setup");
        assert!(matches!(sign_in(&s, "51234", "8273645").await, SignInOutcome::SignedIn { .. }));
    }

    async fn a_signed_in_caller_hears_when_the_pin_expires_and_whether_that_is_within_14_days(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let ivr = front_end("ivr");
        let c = call(&s, None).await;
        enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        s.change_pin_on_call(&ivr, &c, &pin("8273645"), &pin("8273645")).await.unwrap();
        let lifetime = |days: umpin_domain::LimitValue| {
            let s = &s;
            async move {
                let changes = SetUmMailboxPolicy { identity: POLICY.into(), pin_lifetime: Some(days), ..Default::default() };
                changes.call(s, &admin()).await.unwrap();
            }
        };
        let expiry = s.pin_expiry_on_call(&ivr, &c).await.unwrap();
        let info = pin_status_of(&s, &admin(), "tony").await.unwrap();
        assert_eq!(expiry.expires_on, info.pin_expires_on);
        assert!(expiry.expires_on.is_some() && !expiry.expires_soon, "60 days ahead is not soon");
        lifetime(umpin_domain::LimitValue::Number(10)).await;
        assert!(s.pin_expiry_on_call(&ivr, &c).await.unwrap().expires_soon, "10 days ahead is soon");
        lifetime(umpin_domain::LimitValue::Unlimited).await;
        let unlimited = s.pin_expiry_on_call(&ivr, &c).await.unwrap();
        assert!(unlimited.expires_on.is_none() && !unlimited.expires_soon);
    }

    async fn nothing_but_signing_in_is_possible_before_the_caller_signs_in(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let ivr = front_end("ivr");
        let c = call(&s, None).await;
        assert_eq!(rule(s.change_pin_on_call(&ivr, &c, &pin("8273645"), &pin("8273645")).await), Error::NotSignedIn);
        assert_eq!(rule(s.record_name_on_call(&ivr, &c, wav()).await), Error::NotSignedIn);
        assert_eq!(rule(s.recorded_name_on_call(&ivr, &c).await), Error::NotSignedIn);
        assert_eq!(rule(s.pin_expiry_on_call(&ivr, &c).await), Error::NotSignedIn);
        // Signed in, then a wrong PIN on the same call: no longer signed in.
        enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        enter(&s, &c, Some("51234"), "9999999").await.unwrap();
        assert_eq!(rule(s.change_pin_on_call(&ivr, &c, &pin("8273645"), &pin("8273645")).await), Error::NotSignedIn);
    }

    async fn a_call_is_disconnected_after_logon_failures_before_disconnect(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let changes = SetUmDialPlan { identity: PLAN.into(), logon_failures_before_disconnect: Some(2), ..Default::default() };
        changes.call(&s, &admin()).await.unwrap();
        let c = call(&s, None).await;
        let first = enter(&s, &c, Some("51234"), "1111111").await.unwrap();
        assert_eq!(first, CallSignIn { outcome: SignInOutcome::WrongPin, failures_in_call: 1, disconnected: false });
        // An unknown extension is a failure like a wrong PIN, with the same answer.
        let second = enter(&s, &c, Some("59999"), "1111111").await.unwrap();
        assert_eq!(second, CallSignIn { outcome: SignInOutcome::WrongPin, failures_in_call: 2, disconnected: true });
        assert_eq!(rule(enter(&s, &c, Some("51234"), "5643892").await), Error::CallEnded);
        assert_eq!(pin_status_of(&s, &admin(), "tony").await.unwrap().failed_logon_count, 1);
        // A new call starts counting again; the mailbox's own count goes on.
        let c = call(&s, None).await;
        assert_eq!(enter(&s, &c, Some("51234"), "1111111").await.unwrap().failures_in_call, 1);
        assert_eq!(pin_status_of(&s, &admin(), "tony").await.unwrap().failed_logon_count, 2);
    }

    async fn a_locked_out_mailbox_ends_the_call(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let lock = SetUmMailboxPin { identity: "tony".into(), locked_out: Some(true), ..Default::default() };
        lock.call(&s, &admin()).await.unwrap();
        let c = call(&s, None).await;
        let locked = enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        assert_eq!(locked, CallSignIn { outcome: SignInOutcome::LockedOut, failures_in_call: 0, disconnected: true });
        assert_eq!(rule(enter(&s, &c, Some("51234"), "5643892").await), Error::CallEnded);
    }

    async fn an_administrators_reset_ends_the_signed_in_callers_rights_on_the_call(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let ivr = front_end("ivr");
        let c = call(&s, None).await;
        enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        SetUmMailboxPin { identity: "tony".into(), ..Default::default() }.call(&s, &admin()).await.unwrap();
        // The caller still on the old call can't choose the PIN that the e-mailed one replaced.
        assert_eq!(rule(s.change_pin_on_call(&ivr, &c, &pin("8273645"), &pin("8273645")).await), Error::SignInRevoked);
        assert_eq!(rule(s.complete_first_time_setup(&ivr, &c, &pin("8273645"), &pin("8273645"), true).await), Error::SignInRevoked);
        assert_eq!(rule(s.record_name_on_call(&ivr, &c, wav()).await), Error::SignInRevoked);
        assert_eq!(rule(s.recorded_name_on_call(&ivr, &c).await), Error::SignInRevoked);
        assert_eq!(sign_in(&s, "51234", "8273645").await, SignInOutcome::WrongPin, "no PIN of the caller's choosing was set");
        let emailed = pin_in(&messages(&s, MessageKind::PinReset).await.last().unwrap().1);
        assert!(matches!(sign_in(&s, "51234", &emailed).await, SignInOutcome::SignedIn { .. }), "the e-mailed PIN is the PIN");
        // Signing in again on the same call, with the current PIN, gives the rights back.
        enter(&s, &c, Some("51234"), &emailed).await.unwrap();
        s.record_name_on_call(&ivr, &c, wav()).await.unwrap();
    }

    async fn locking_unlocking_disabling_or_removing_ends_the_signed_in_callers_rights(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let ivr = front_end("ivr");
        let lock = |locked_out| SetUmMailboxPin { identity: "tony".into(), locked_out: Some(locked_out), ..Default::default() };
        for action in ["lock", "unlock", "disable"] {
            let c = call(&s, None).await;
            let signed_in = enter(&s, &c, Some("51234"), "5643892").await.unwrap();
            assert!(matches!(signed_in.outcome, SignInOutcome::SignedIn { .. }), "{action}: {signed_in:?}");
            match action {
                "lock" => lock(true).call(&s, &admin()).await.map(drop),
                "unlock" => lock(false).call(&s, &admin()).await.map(drop),
                _ => DisableUmMailbox { identity: "tony".into(), keep_properties: Some(true) }.call(&s, &admin()).await.map(drop),
            }
            .unwrap();
            assert_eq!(rule(s.record_name_on_call(&ivr, &c, wav()).await), Error::SignInRevoked, "{action}");
            assert_eq!(rule(s.change_pin_on_call(&ivr, &c, &pin("8273645"), &pin("8273645")).await), Error::SignInRevoked, "{action}");
            if action == "lock" {
                lock(false).call(&s, &admin()).await.unwrap();
            }
        }
        assert!(pin_status_of(&s, &admin(), "tony").await.is_err(), "positive control: tony was disabled");
        enable(&s, "tony@contoso.com", "51234", Some("5643892"), Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
        let c = call(&s, None).await;
        enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        RemoveMailbox { identity: "tony".into() }.call(&s, &admin()).await.unwrap();
        assert_eq!(rule(s.record_name_on_call(&ivr, &c, wav()).await), Error::CallEnded);
    }

    async fn parallel_sign_ins_on_one_call_evaluate_no_more_pins_than_logon_failures_before_disconnect(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let c = call(&s, None).await;
        // The dial plan's LogonFailuresBeforeDisconnect is 3: three PINs were evaluated, no more.
        assert_eq!(enter_at_once(&s, &c, "1111111").await, vec![SignInOutcome::WrongPin; 3]);
        assert_eq!(pin_status_of(&s, &admin(), "tony").await.unwrap().failed_logon_count, 3);
        assert_eq!(rule(enter(&s, &c, Some("51234"), "5643892").await), Error::CallEnded);
    }

    /// Right PINs entered at once on one call (each reserving the mailbox's attempt and the
    /// call's together, then recording the right PIN with the call's sign-in) all get an answer:
    /// signed in, or the call ended for attempts beyond `LogonFailuresBeforeDisconnect`; none
    /// fails on a lock taken in another order, and no failure stays counted on the mailbox.
    async fn right_pins_entered_at_once_on_one_call_sign_in_or_end_the_call_and_count_no_failure(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let c = call(&s, None).await;
        let outcomes = enter_at_once(&s, &c, "5643892").await;
        assert!(!outcomes.is_empty(), "positive control: the first attempt signs in");
        assert!(outcomes.iter().all(|o| matches!(o, SignInOutcome::SignedIn { .. })), "{outcomes:?}");
        assert_eq!(pin_status_of(&s, &admin(), "tony").await.unwrap().failed_logon_count, 0);
    }

    async fn caller_id_finds_the_mailbox_by_extension_or_phone_number(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let phone = SetMailbox { identity: "tony".into(), phone: Some("+1 425 555 1234".into()), ..Default::default() };
        phone.call(&s, &admin()).await.unwrap();
        let ivr = front_end("ivr");
        for (caller_id, found) in [
            ("+1 (425) 555-1234", true),
            ("14255551234", true),
            ("51234", true),
            ("+44 20 7946 1234", false),
            ("+1 425 555 2234", false),
            ("1234", false),
        ] {
            let new = NewCall { dial_plan: Some(PLAN.into()), caller_id: Some(caller_id.into()), ..Default::default() };
            let started = s.start_call(&ivr, new).await.unwrap();
            let who = started.caller.as_ref().map(|c| (c.display_name.as_str(), c.extension.as_str()));
            assert_eq!(who, found.then_some(("Tony Smith", "51234")), "caller ID {caller_id}");
            if found {
                let signed_in = enter(&s, started.id.expose_secret(), None, "5643892").await.unwrap();
                assert!(matches!(signed_in.outcome, SignInOutcome::SignedIn { .. }), "caller ID {caller_id}");
            } else {
                let refused = enter(&s, started.id.expose_secret(), None, "5643892").await;
                assert!(matches!(rule(refused), Error::InvalidParameter { parameter: "Extension", .. }));
            }
        }
        let bad = NewCall { dial_plan: Some(PLAN.into()), caller_id: Some("anonymous".into()), ..Default::default() };
        assert!(matches!(rule(s.start_call(&ivr, bad).await), Error::InvalidParameter { parameter: "CallerId", .. }));
    }

    async fn a_call_starts_on_the_dial_plan_of_the_dialled_access_number(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let numbers = SetUmDialPlan { identity: PLAN.into(), access_telephone_numbers: Some(vec!["+14255550100".into()]), ..Default::default() };
        numbers.call(&s, &admin()).await.unwrap();
        let ivr = front_end("ivr");
        let dialled = |number: &str| NewCall { access_number: Some(number.into()), ..Default::default() };
        assert_eq!(s.start_call(&ivr, dialled("+1 425 555 0100")).await.unwrap().dial_plan, PLAN);
        assert!(matches!(rule(s.start_call(&ivr, dialled("+14255550199")).await), Error::NotFound { .. }));
        for neither_or_both in [NewCall::default(), NewCall { dial_plan: Some(PLAN.into()), ..dialled("+14255550100") }] {
            let refused = s.start_call(&ivr, neither_or_both).await;
            assert!(matches!(rule(refused), Error::InvalidParameter { parameter: "DialPlan", .. }));
        }
    }

    async fn only_the_account_that_started_a_call_may_go_on_with_it(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let c = call(&s, None).await;
        let other = s.sign_in_on_call(&front_end("ivr2"), &c, Some("51234"), &pin("5643892")).await;
        assert_eq!(rule(other), Error::CallEnded);
        assert_eq!(rule(s.sign_in_on_call(&front_end("ivr"), "umpin_made_up", Some("51234"), &pin("5643892")).await), Error::CallEnded);
        let help_desk = Principal { role_groups: vec![RoleGroup::HelpDesk], ..front_end("ivr") };
        assert!(matches!(rule(s.sign_in_on_call(&help_desk, &c, Some("51234"), &pin("5643892")).await), Error::PermissionDenied { .. }));
        s.end_call(&front_end("ivr2"), &c).await.unwrap();
        let signed_in = enter(&s, &c, Some("51234"), "5643892").await.unwrap().outcome;
        assert!(matches!(signed_in, SignInOutcome::SignedIn { .. }), "another account can't end it either");
    }

    async fn a_call_ends_when_hung_up_or_after_its_lifetime(db: Database) {
        let now = Arc::new(std::sync::Mutex::new(Timestamp::now()));
        let clock = now.clone();
        let (s, _keys) = service(db);
        let s = s.with_clock(Arc::new(move || *clock.lock().unwrap()));
        contoso(&s).await;
        let ivr = front_end("ivr");
        let c = call(&s, None).await;
        s.end_call(&ivr, &c).await.unwrap();
        s.end_call(&ivr, &c).await.unwrap();
        assert_eq!(rule(enter(&s, &c, Some("51234"), "5643892").await), Error::CallEnded);
        let c = call(&s, None).await;
        enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        let _left_to_expire = call(&s, None).await;
        *now.lock().unwrap() += umpin_domain::voice::CALL_LIFETIME;
        assert_eq!(rule(s.change_pin_on_call(&ivr, &c, &pin("8273645"), &pin("8273645")).await), Error::CallEnded);
        let ended = call(&s, None).await;
        s.end_call(&ivr, &ended).await.unwrap();
        assert_eq!(s.delete_expired().await.unwrap(), 2, "the server's upkeep forgets the calls that expired");
        assert_eq!(s.delete_expired().await.unwrap(), 0);
    }

    async fn a_callers_changes_are_audited_without_the_pin(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let ivr = front_end("ivr");
        let c = call(&s, None).await;
        enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        s.record_name_on_call(&ivr, &c, wav()).await.unwrap();
        s.complete_first_time_setup(&ivr, &c, &pin("8273645"), &pin("8273645"), false).await.unwrap();
        let search = SearchAdminAuditLog { user_ids: Some(vec!["ivr".into()]), ..Default::default() };
        let records = search.call(&s, &admin(), None, None).await.unwrap().items;
        let recorded: Vec<(&str, &str, String)> =
            records.iter().map(|r| (r.cmdlet.as_str(), r.object_id.as_str(), shown(r))).collect();
        assert_eq!(
            recorded,
            [
                ("Voice access", "tony@contoso.com", "-Identity tony@contoso.com -NewPin *** -CompleteFirstTimeSetup $true -SkipRecordedName $false".to_owned()),
                ("Voice access", "tony@contoso.com", "-Identity tony@contoso.com -RecordedName audio/wav".to_owned()),
            ]
        );
        assert!(records.iter().all(|r| r.source == "10.0.0.5" && r.succeeded));
        assert!(!format!("{records:?}").contains("8273645"));
    }

    async fn disabling_unified_messaging_forgets_the_recorded_name(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let c = call(&s, None).await;
        enter(&s, &c, Some("51234"), "5643892").await.unwrap();
        s.record_name_on_call(&front_end("ivr"), &c, wav()).await.unwrap();
        let tony = um_mailbox_of(&s, &admin(), "tony").await.unwrap().mailbox.guid;
        DisableUmMailbox { identity: "tony".into(), keep_properties: Some(true) }.call(&s, &admin()).await.unwrap();
        let mut tx = s.database().begin().await.unwrap();
        assert_eq!(tx.recorded_name(tony).await.unwrap(), None);
    }

    /// One caller ID that tries PINs on many extensions is refused, once its failures reach the
    /// threshold of distinct mailboxes (unknown extensions included), without any PIN evaluated
    /// and answered as a wrong PIN; no mailbox is locked out or counted, the block is audited, and
    /// another caller ID still signs in after a wrong PIN of its own.
    async fn a_caller_id_spraying_pins_over_extensions_is_refused_like_a_wrong_pin(db: Database) {
        use umpin_domain::voice::SprayDefence;
        let (s, _keys) = service(db.clone());
        let alerting = SprayDefence { mailboxes_per_caller_id: 3, alert_address: Some("security@contoso.com".into()), ..SprayDefence::default() };
        let s = s.with_spray_defence(alerting);
        contoso(&s).await;
        for n in 1..=3 {
            let new = NewMailbox { name: format!("User {n}"), primary_smtp_address: format!("user{n}@contoso.com"), ..Default::default() };
            new.call(&s, &admin()).await.unwrap();
            enable(&s, &format!("user{n}@contoso.com"), &format!("5000{n}"), Some("8273645"), None).await.unwrap();
        }
        let sprayer = Some("+1 425 555 0199");
        for extension in ["50001", "50002", "59999"] {
            let c = call(&s, sprayer).await;
            assert_eq!(enter(&s, &c, Some(extension), "1111111").await.unwrap().outcome, SignInOutcome::WrongPin);
        }
        let c = call(&s, sprayer).await;
        let refused = enter(&s, &c, Some("50003"), "8273645").await.unwrap();
        assert_eq!(refused, CallSignIn { outcome: SignInOutcome::WrongPin, failures_in_call: 1, disconnected: false });
        let user3 = pin_status_of(&s, &admin(), "user3").await.unwrap();
        assert_eq!((user3.failed_logon_count, user3.locked_out), (0, false), "no PIN was evaluated");
        for who in ["user1", "user2"] {
            assert!(!pin_status_of(&s, &admin(), who).await.unwrap().locked_out);
        }
        let c = call(&s, Some("+1 425 555 0123")).await;
        assert_eq!(enter(&s, &c, Some("50003"), "1111111").await.unwrap().outcome, SignInOutcome::WrongPin);
        assert!(matches!(enter(&s, &c, Some("50003"), "8273645").await.unwrap().outcome, SignInOutcome::SignedIn { .. }));
        let search = SearchAdminAuditLog { object_ids: Some(vec!["caller-id:14255550199".into()]), ..Default::default() };
        let records = search.call(&s, &admin(), None, None).await.unwrap().items;
        assert_eq!(records.len(), 1, "the block is recorded once");
        assert!(shown(&records[0]).contains("-SprayBlock") && shown(&records[0]).contains("-Mailboxes 3"), "{}", shown(&records[0]));
        let alerts = messages(&s, MessageKind::SprayAlert).await;
        assert_eq!(alerts.len(), 1, "one alert for one block");
        let (recipient, text) = &alerts[0];
        assert_eq!(recipient, "security@contoso.com");
        let until = GetUmSprayBlock::default().call(&s, &admin()).await.unwrap()[0].blocked_until;
        for said in ["caller-id:14255550199", "3 different mailboxes", "Within 10 minutes", &format!("until {}", until.strftime("%Y-%m-%d %H:%M:%S UTC")), "Clear-UMSprayBlock caller-id:14255550199"] {
            assert!(text.contains(said), "{said:?} isn't in the alert: {text}");
        }
        for pin in ["1111111", "8273645", "5643892"] {
            assert!(!text.contains(pin), "a PIN is in the alert: {text}");
        }
    }

    /// `Get-UMSprayBlock` lists the blocks in force (or one, named by its key or the caller's
    /// number); `Clear-UMSprayBlock` lifts one before its end, audited, and the source starts
    /// counting afresh; lifting what isn't blocked, or naming no source, is an error.
    async fn an_administrator_sees_a_spray_block_and_lifting_it_lets_the_source_sign_in_again(db: Database) {
        use umpin_domain::voice::SprayDefence;
        let (s, _keys) = service(db.clone());
        let s = s.with_spray_defence(SprayDefence { mailboxes_per_caller_id: 2, ..SprayDefence::default() });
        contoso(&s).await;
        let sprayer = Some("+1 425 555 0199");
        for extension in ["59998", "59999"] {
            let c = call(&s, sprayer).await;
            enter(&s, &c, Some(extension), "1111111").await.unwrap();
        }
        let blocks = GetUmSprayBlock::default().call(&s, &admin()).await.unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!((blocks[0].source.as_str(), blocks[0].targets), ("caller-id:14255550199", 2));
        assert_eq!(blocks[0].blocked_until, blocks[0].blocked_at + SprayDefence::default().cool_down);
        let of = |source: &str| GetUmSprayBlock { identity: Some(source.into()) };
        assert_eq!(of("+1 (425) 555-0199").call(&s, &admin()).await.unwrap(), blocks);
        let not_blocked = of("caller-id:14255550100").call(&s, &admin()).await;
        assert!(matches!(rule(not_blocked), Error::NotFound { .. }));
        let c = call(&s, sprayer).await;
        assert_eq!(enter(&s, &c, Some("51234"), "5643892").await.unwrap().outcome, SignInOutcome::WrongPin, "blocked");

        ClearUmSprayBlock { identity: "caller-id:14255550199".into() }.call(&s, &admin()).await.unwrap();
        assert_eq!(GetUmSprayBlock::default().call(&s, &admin()).await.unwrap(), []);
        let again = ClearUmSprayBlock { identity: "caller-id:14255550199".into() }.call(&s, &admin()).await;
        assert!(matches!(rule(again), Error::NotFound { .. }));
        let nobody = ClearUmSprayBlock { identity: "anonymous".into() }.call(&s, &admin()).await;
        assert!(matches!(rule(nobody), Error::InvalidParameter { parameter: "Identity", .. }));
        let c = call(&s, sprayer).await;
        assert!(matches!(enter(&s, &c, Some("51234"), "5643892").await.unwrap().outcome, SignInOutcome::SignedIn { .. }));
        let c = call(&s, sprayer).await;
        enter(&s, &c, Some("59999"), "1111111").await.unwrap();
        assert_eq!(GetUmSprayBlock::default().call(&s, &admin()).await.unwrap(), [], "its failures were forgotten");

        let search = SearchAdminAuditLog { cmdlets: Some(vec!["Clear-UMSprayBlock".into()]), ..Default::default() };
        let records = search.call(&s, &admin(), None, None).await.unwrap().items;
        let outcomes: Vec<(&str, bool)> = records.iter().map(|r| (r.object_id.as_str(), r.succeeded)).collect();
        assert_eq!(outcomes.len(), 3, "{outcomes:?}");
        assert!(outcomes.contains(&("caller-id:14255550199", true)) && outcomes.contains(&("anonymous", false)), "{outcomes:?}");
    }

    /// Calls without caller ID count together per front-end account, at the higher threshold:
    /// one wrong PIN on each of a few mailboxes blocks no one.
    async fn calls_without_caller_id_count_per_account_at_their_own_threshold(db: Database) {
        use umpin_domain::voice::SprayDefence;
        let (s, _keys) = service(db.clone());
        let s = s.with_spray_defence(SprayDefence { mailboxes_per_caller_id: 1, mailboxes_without_caller_id: 2, ..SprayDefence::default() });
        contoso(&s).await;
        enable(&s, "kim@contoso.com", "52345", Some("8273645"), None).await.unwrap();
        let c = call(&s, None).await;
        assert_eq!(enter(&s, &c, Some("51234"), "1111111").await.unwrap().outcome, SignInOutcome::WrongPin);
        assert!(matches!(enter(&s, &c, Some("52345"), "8273645").await.unwrap().outcome, SignInOutcome::SignedIn { .. }));
        let c = call(&s, None).await;
        enter(&s, &c, Some("52345"), "1111111").await.unwrap();
        let c = call(&s, None).await;
        let refused = enter(&s, &c, Some("52345"), "8273645").await.unwrap();
        assert_eq!(refused.outcome, SignInOutcome::WrongPin, "two mailboxes reached the account's threshold");
        let c = call(&s, Some("52345")).await;
        assert!(matches!(enter(&s, &c, None, "8273645").await.unwrap().outcome, SignInOutcome::SignedIn { .. }), "a caller ID is counted apart");
        assert_eq!(messages(&s, MessageKind::SprayAlert).await, [], "no security address, no alert");
    }

    /// Voice mail without a PIN needs the policy's switch, the mailbox's switch and a caller ID
    /// that is the mailbox's own phone number; each such start is audited with the caller ID.
    async fn pinless_voice_mail_needs_both_switches_and_the_callers_own_phone_number(db: Database) {
        let (s, _keys) = service(db.clone());
        pinless_tony(&s).await;
        assert!(pinless(&s, "+1 (425) 555-1234").await, "both switches on and Tony's own number");
        assert!(!pinless(&s, "51234").await, "an extension alone is not the caller's own phone");
        assert!(!pinless(&s, "+1 425 555 9999").await, "another number");
        policy_pinless(&s, false).await;
        assert!(!pinless(&s, TONY_PHONE).await, "the policy's switch off");
        policy_pinless(&s, true).await;
        mailbox_pinless(&s, "tony", false).await;
        assert!(!pinless(&s, TONY_PHONE).await, "the mailbox's switch off");
        let search = SearchAdminAuditLog { object_ids: Some(vec!["tony@contoso.com".into()]), ..Default::default() };
        let records = search.call(&s, &admin(), None, None).await.unwrap().items;
        let pinless: Vec<_> = records.iter().filter(|r| shown(r).contains("-PinlessVoiceMail")).collect();
        assert_eq!(pinless.len(), 1, "one record for the one PIN-less start");
        assert_eq!((pinless[0].account.as_str(), pinless[0].cmdlet.as_str()), ("ivr", "Voice access"));
        assert!(shown(pinless[0]).contains("-CallerId 14255551234"), "{}", shown(pinless[0]));
    }

    /// A number two mailboxes share, a locked-out mailbox and a first-time user get no PIN-less
    /// voice mail, whatever the switches say.
    async fn a_shared_number_a_locked_out_mailbox_or_a_first_time_user_gets_no_pinless_voice_mail(db: Database) {
        let (s, _keys) = service(db.clone());
        pinless_tony(&s).await;
        set_phone(&s, "kim", Some("14255551234")).await;
        assert!(!pinless(&s, TONY_PHONE).await, "Kim has the same number");
        set_phone(&s, "kim", None).await;
        assert!(pinless(&s, TONY_PHONE).await);
        let lock = SetUmMailboxPin { identity: "tony".into(), locked_out: Some(true), ..Default::default() };
        lock.call(&s, &admin()).await.unwrap();
        assert!(!pinless(&s, TONY_PHONE).await, "locked out");
        let unlock = SetUmMailboxPin { identity: "tony".into(), locked_out: Some(false), ..Default::default() };
        unlock.call(&s, &admin()).await.unwrap();
        assert!(pinless(&s, TONY_PHONE).await);
        enable(&s, "kim@contoso.com", "52345", Some("8273645"), None).await.unwrap();
        set_phone(&s, "kim", Some("+1 425 555 2345")).await;
        mailbox_pinless(&s, "kim", true).await;
        assert!(!pinless(&s, "+1 425 555 2345").await, "Kim hasn't done first-time setup");
    }

    /// A PIN-less call opens voice mail only: changing the PIN or recording a name still needs the
    /// PIN, after which they work as on any call.
    async fn a_pinless_call_still_needs_the_pin_for_personal_options(db: Database) {
        let (s, _keys) = service(db.clone());
        pinless_tony(&s).await;
        let ivr = front_end("ivr");
        let new = NewCall { dial_plan: Some(PLAN.into()), caller_id: Some(TONY_PHONE.into()), ..Default::default() };
        let started = s.start_call(&ivr, new).await.unwrap();
        assert!(started.caller.as_ref().is_some_and(|c| c.pinless_voice_mail));
        let c = started.id.expose_secret();
        assert_eq!(rule(s.change_pin_on_call(&ivr, c, &pin("9182736"), &pin("9182736")).await), Error::NotSignedIn);
        assert_eq!(rule(s.record_name_on_call(&ivr, c, wav()).await), Error::NotSignedIn);
        assert!(matches!(enter(&s, c, None, "8273645").await.unwrap().outcome, SignInOutcome::SignedIn { .. }));
        s.change_pin_on_call(&ivr, c, &pin("9182736"), &pin("9182736")).await.unwrap();
    }

    /// A PIN-less start counts with the caller ID's failed sign-ins, mailbox by mailbox; once the
    /// caller ID is blocked for spraying, its calls get no PIN-less voice mail.
    async fn pinless_starts_count_with_the_callers_failures_and_a_blocked_caller_id_gets_none(db: Database) {
        use umpin_domain::voice::SprayDefence;
        let (s, _keys) = service(db.clone());
        let s = s.with_spray_defence(SprayDefence { mailboxes_per_caller_id: 2, ..SprayDefence::default() });
        pinless_tony(&s).await;
        assert!(pinless(&s, TONY_PHONE).await, "the PIN-less start counts Tony's mailbox");
        let c = call(&s, Some(TONY_PHONE)).await;
        assert_eq!(enter(&s, &c, Some("52345"), "1111111").await.unwrap().outcome, SignInOutcome::WrongPin);
        assert!(!pinless(&s, TONY_PHONE).await, "a second mailbox reached the threshold: the caller ID is blocked");
        let search = SearchAdminAuditLog { object_ids: Some(vec!["caller-id:14255551234".into()]), ..Default::default() };
        let records = search.call(&s, &admin(), None, None).await.unwrap().items;
        assert!(records.iter().any(|r| shown(r).contains("-Mailboxes 2")), "{records:?}");
    }
}
