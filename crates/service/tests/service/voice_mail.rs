//! The users' own Voice Mail page's service side, against a real OpenLDAP server on both
//! backends: signing in with the directory password (an LDAP bind), throttling, the session, the
//! PIN status and Reset PIN. Without slapd these cases print `skipping: …` and pass, unless
//! `UMPIN_REQUIRE_DIRECTORY=1`.

use jiff::SignedDuration;
use secrecy::SecretString;
use umpin_catalogue::views::cmdlet_parameters;
use umpin_directory::testing::{PEOPLE_DN, Slapd, base_ldif};
use umpin_directory::{Directory, Preset, UmGroup};
use umpin_service::VoiceMailUser;

use super::*;

const IDLE: SignedDuration = SignedDuration::from_mins(20);
const FROM: &str = "192.0.2.7";
const ELLEN_PASSWORD: &str = "ellen's directory password";

/// A user with a directory password.
fn person(uid: &str, phone: &str) -> String {
    format!(
        "dn: uid={uid},{PEOPLE_DN}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: User {uid}\nsn: {uid}\n\
         displayName: User {uid}\nmail: {uid}@contoso.com\ntelephoneNumber: {phone}\n\
         userPassword: {uid}'s directory password\n\n"
    )
}

/// ellen (in the UM group: UM-enabled by the sync) and lee (not in it).
async fn directory() -> Option<Slapd> {
    let mut ldif = base_ldif();
    ldif.push_str(&person("ellen", "+1 425 555 3456"));
    ldif.push_str(&person("lee", "+1 425 555 4567"));
    ldif.push_str(&format!(
        "dn: cn=voicemail,dc=contoso,dc=com\nobjectClass: groupOfNames\ncn: voicemail\nmember: uid=ellen,{PEOPLE_DN}\n\n"
    ));
    Slapd::start(&ldif).await
}

/// contoso.com reading its users from `slapd`, with voicemail's members UM-enabled.
fn with_directory(s: &Service, slapd: &Slapd) -> Service {
    let mut config = slapd.config(Preset::Openldap);
    config.um_groups = vec![UmGroup { group: "cn=voicemail,dc=contoso,dc=com".to_owned(), policy: POLICY.to_owned() }];
    let settings = config.settings().unwrap().unwrap();
    s.clone().with_directory(Arc::new(Directory::new(settings)))
}

async fn synced(s: &Service) {
    StartUmDirectorySync { what_if: Switch(false) }.call(s, &admin()).await.unwrap();
}

fn password(p: &str) -> SecretString {
    SecretString::from(p.to_owned())
}

async fn signed_in(s: &Service, login: &str, p: &str) -> Result<VoiceMailUser, ServiceError> {
    s.start_voice_mail_session(login, &password(p), FROM, IDLE).await.map(|session| session.user)
}

/// The reset as the Voice Mail page states it.
async fn reset(
    s: &Service,
    user: &VoiceMailUser,
    chosen: Option<&str>,
) -> Result<umpin_service::UmMailboxPin, ServiceError> {
    let cmdlet = SetUmMailboxPin {
        identity: user.mailbox.primary_smtp_address.clone(),
        pin: chosen.map(|p| Secret(pin(p))),
        pin_expired: Some(chosen.is_none()),
        send_email: Some(chosen.is_none()),
        ..Default::default()
    };
    s.reset_own_pin(user, cmdlet.operation(), chosen.map(pin)).await
}

umpin_store::backend_tests! {
    async fn a_directory_user_signs_in_to_voice_mail_with_their_directory_password_by_name_or_address(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd);
        contoso(&s).await;
        synced(&s).await;
        for login in ["ellen", "ellen@contoso.com", " ELLEN@contoso.com "] {
            let user = signed_in(&s, login, ELLEN_PASSWORD).await.unwrap();
            assert_eq!(user.mailbox.primary_smtp_address, "ellen@contoso.com", "{login}");
        }
        for (login, wrong) in [("ellen", "not ellen's password"), ("ellen", ""), ("nobody", ELLEN_PASSWORD), ("", ELLEN_PASSWORD)] {
            let refused = signed_in(&s, login, wrong).await.unwrap_err();
            assert!(matches!(refused, ServiceError::NotAuthenticated), "{login}/{wrong}: {refused:?}");
        }
        // A filter's special characters are a name's characters, not a filter: no entry matches.
        let refused = signed_in(&s, "*", ELLEN_PASSWORD).await.unwrap_err();
        assert!(matches!(refused, ServiceError::NotAuthenticated), "{refused:?}");
    }

    async fn wrong_directory_passwords_are_throttled_per_user_whatever_name_they_give(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd);
        contoso(&s).await;
        synced(&s).await;
        // Five free failures, from a new address each time, so that only the user's own count
        // can block the sixth attempt, even with the right password.
        for (i, login) in ["ellen", "ellen@contoso.com"].iter().cycle().take(5).enumerate() {
            let from = format!("198.51.100.{i}");
            let refused = s.start_voice_mail_session(login, &password("wrong"), &from, IDLE).await.unwrap_err();
            assert!(matches!(refused, ServiceError::NotAuthenticated), "failure {i}: {refused:?}");
        }
        let blocked = s.start_voice_mail_session("ellen", &password(ELLEN_PASSWORD), "198.51.100.99", IDLE).await;
        assert!(matches!(blocked, Err(ServiceError::Throttled { .. })), "{blocked:?}");
        let other = signed_in(&s, "lee", "lee's directory password").await;
        assert!(other.is_ok(), "another user is not held up: {other:?}");
    }

    async fn a_user_resets_their_own_pin_by_email_or_to_one_they_choose_and_a_lockout_is_lifted(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd);
        contoso(&s).await;
        synced(&s).await;
        let lock = SetUmMailboxPin { identity: "ellen@contoso.com".into(), locked_out: Some(true), ..Default::default() };
        lock.call(&s, &admin()).await.unwrap();
        let user = signed_in(&s, "ellen", ELLEN_PASSWORD).await.unwrap();
        let (shown, policy) = s.own_pin_status(&user).await.unwrap().unwrap();
        assert!(shown.locked_out && shown.first_time_user, "{shown:?}");
        assert_eq!(policy.min_pin_length, 6);
        let before = messages(&s, MessageKind::PinReset).await.len();

        let emailed = reset(&s, &user, None).await.unwrap();
        assert!(!emailed.locked_out && emailed.pin_expired, "{emailed:?}");
        let mails = messages(&s, MessageKind::PinReset).await;
        assert_eq!(mails.len(), before + 1);
        let (to, body) = mails.last().unwrap();
        assert_eq!(to, "ellen@contoso.com");
        assert!(matches!(sign_in(&s, "53456", &pin_in(body)).await, SignInOutcome::SignedIn { pin_expired: true, .. }));

        let err = rule(reset(&s, &user, Some("12")).await);
        assert!(matches!(err, Error::Pin(PinRule::TooShort { .. })), "{err:?}");
        let chosen = reset(&s, &user, Some("7350916")).await.unwrap();
        assert!(!chosen.pin_expired && !chosen.locked_out, "{chosen:?}");
        assert_eq!(messages(&s, MessageKind::PinReset).await.len(), before + 1, "a chosen PIN is not mailed");
        assert!(matches!(sign_in(&s, "53456", "7350916").await, SignInOutcome::SignedIn { pin_expired: false, .. }));

        let search = SearchAdminAuditLog { user_ids: Some(vec!["ellen@contoso.com".to_owned()]), ..Default::default() };
        let records = search.call(&s, &admin(), None, Some(100)).await.unwrap().items;
        let resets: Vec<_> = records.iter().filter(|r| r.object_id == "ellen@contoso.com").collect();
        assert_eq!(resets.len(), 3, "two resets and the refused one: {records:?}");
        assert!(resets.iter().all(|r| r.source == FROM), "{resets:?}");
        let chose = resets.iter().find(|r| r.succeeded && cmdlet_parameters(&r.parameters).contains("-Pin ***"));
        assert!(chose.is_some(), "{resets:?}");
        let shown: Vec<String> = records.iter().map(|r| cmdlet_parameters(&r.parameters)).collect();
        assert!(!shown.iter().any(|p| p.contains("7350916")), "the chosen PIN is not recorded: {shown:?}");
    }

    async fn a_user_without_a_mailbox_or_without_voice_mail_is_told_so(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd);
        contoso(&s).await;
        let before_sync = signed_in(&s, "lee", "lee's directory password").await.unwrap_err();
        assert!(matches!(before_sync, ServiceError::NoMailbox), "{before_sync:?}");
        synced(&s).await;
        let lee = signed_in(&s, "lee", "lee's directory password").await.unwrap();
        assert!(s.own_pin_status(&lee).await.unwrap().is_none(), "lee isn't UM-enabled");
        let err = rule(reset(&s, &lee, None).await);
        assert!(matches!(err, Error::NotUmEnabled { .. }), "{err:?}");
    }

    async fn a_voice_mail_session_is_only_a_voice_mail_session_and_ends_at_sign_out(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd);
        contoso(&s).await;
        synced(&s).await;
        let session = s.start_voice_mail_session("ellen", &password(ELLEN_PASSWORD), FROM, IDLE).await.unwrap();
        let id = secrecy::ExposeSecret::expose_secret(&session.id).to_owned();
        let user = s.use_voice_mail_session(&id, FROM, IDLE).await.unwrap();
        assert_eq!(user.mailbox.guid, session.user.mailbox.guid);
        let as_admin = s.use_web_session(&id, FROM, IDLE).await;
        assert!(matches!(as_admin, Err(ServiceError::NotAuthenticated)), "not an admin center session: {as_admin:?}");
        s.end_voice_mail_session(&id).await.unwrap();
        let ended = s.use_voice_mail_session(&id, FROM, IDLE).await;
        assert!(matches!(ended, Err(ServiceError::NotAuthenticated)), "{ended:?}");
    }

    async fn a_directory_that_doesnt_answer_fails_the_sign_in_without_counting_it_or_naming_the_password(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd);
        contoso(&s).await;
        synced(&s).await;
        drop(slapd);
        for _ in 0..6 {
            let err = signed_in(&s, "ellen", ELLEN_PASSWORD).await.unwrap_err();
            assert!(matches!(err, ServiceError::Directory(_)), "{err:?}");
            assert!(!err.to_string().contains(ELLEN_PASSWORD), "{err}");
        }
    }
}

#[tokio::test]
async fn without_a_directory_voice_mail_sign_in_says_what_to_configure() {
    let (db, _dir) = umpin_store::testing::sqlite_database().await;
    let (s, _keys) = service(db);
    let err = s.start_voice_mail_session("ellen", &password(ELLEN_PASSWORD), FROM, IDLE).await.unwrap_err();
    assert!(matches!(err, ServiceError::Directory(_)) && err.to_string().contains("[directory]"), "{err}");
}
