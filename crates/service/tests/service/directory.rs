//! The directory sync against a real OpenLDAP server (`umpin_directory::testing::Slapd`, started
//! per case on a loopback port), on both backends: 2,500 users (more than two pages of Active
//! Directory's 1,000), a user without a phone number, two users with one address, Active
//! Directory-style entries through the preset, StartTLS with a test authority, and a sync stopped
//! half way. Without slapd these cases print `skipping: …` and pass, unless
//! `UMPIN_REQUIRE_DIRECTORY=1`.

use std::sync::Mutex;

use jiff::SignedDuration;
use umpin_directory::testing::{PEOPLE_DN, Slapd, base_ldif};
use umpin_directory::{Directory, DirectoryConfig, Preset, UmGroup};
use umpin_service::{DirectorySyncReport, SyncCounts};
use umpin_store::MessageKind;

use super::*;

/// How many users the organisation's directory has.
const USERS: usize = 2500;

fn person(uid: &str, mail: &str, phone: Option<&str>) -> String {
    let phone = phone.map(|p| format!("telephoneNumber: {p}\n")).unwrap_or_default();
    format!(
        "dn: uid={uid},{PEOPLE_DN}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: User {uid}\nsn: {uid}\n\
         givenName: User\ndisplayName: User {uid}\nmail: {mail}\n{phone}\n"
    )
}

fn dn(uid: &str) -> String {
    format!("uid={uid},{PEOPLE_DN}")
}

/// The organisation: user0001 … user2500 (user0007 without a phone number), and pat and
/// patricia, who both have pat@contoso.com.
fn organisation() -> String {
    let mut ldif = base_ldif();
    for i in 1..=USERS {
        let uid = format!("user{i:04}");
        let phone = format!("+1 425 55{i:05}");
        ldif.push_str(&person(&uid, &format!("{uid}@contoso.com"), (i != 7).then_some(phone.as_str())));
    }
    ldif.push_str(&person("pat", "pat@contoso.com", Some("+1 425 555 7890")));
    ldif.push_str(&person("patricia", "pat@contoso.com", Some("+1 425 555 7891")));
    ldif
}

/// The service reading from `directory` with these settings.
fn syncing(s: &Service, config: &DirectoryConfig) -> Service {
    let settings = config.settings().unwrap().unwrap();
    s.clone().with_directory(Arc::new(Directory::new(settings)))
}

async fn sync(s: &Service) -> Result<DirectorySyncReport, ServiceError> {
    StartUmDirectorySync { what_if: Switch(false) }.call(s, &admin()).await
}

async fn status(s: &Service) -> umpin_service::DirectorySyncRecord {
    GetUmDirectorySyncStatus::default().call(s, &admin()).await.unwrap().unwrap()
}

async fn mailbox_count(s: &Service) -> usize {
    let mut tx = s.database().begin().await.unwrap();
    tx.linked_mailboxes().await.unwrap().len()
}

fn counts(added: u64, updated: u64, unchanged: u64, skipped: u64) -> SyncCounts {
    SyncCounts { read: (USERS + 2) as u64, added, updated, absent: 0, disabled: 0, um_enabled: 0, unchanged, skipped }
}

umpin_store::backend_tests! {
    async fn a_first_sync_creates_every_user_past_the_page_limit_and_reports_the_collision_with_both_dns(db: Database) {
        let Some(slapd) = Slapd::start(&organisation()).await else { return };
        let (s, _keys) = service(db);
        let s = syncing(&s, &slapd.config(Preset::Openldap));
        let report = sync(&s).await.unwrap();
        assert_eq!(report.record.counts, counts(USERS as u64, 0, 0, 2));
        assert_eq!(mailbox_count(&s).await, USERS);
        let last = mailbox_of(&s, &admin(), "user2500@contoso.com").await.unwrap();
        assert_eq!(last.name, "user2500");
        assert_eq!(last.display_name, "User user2500");
        assert_eq!(last.phone.as_deref(), Some("+1 425 5502500"));
        let no_phone = mailbox_of(&s, &admin(), "user0007@contoso.com").await.unwrap();
        assert_eq!(no_phone.phone, None);
        assert!(mailbox_of(&s, &admin(), "pat@contoso.com").await.is_err());
        let shown = status(&s).await;
        assert!(shown.succeeded);
        let skipped: Vec<(&str, &str)> = shown.skipped.iter().map(|e| (e.dn.as_str(), e.reason.as_str())).collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped.iter().any(|(d, why)| *d == dn("pat") && why.contains(&dn("patricia"))), "{skipped:?}");
        assert!(skipped.iter().any(|(d, why)| *d == dn("patricia") && why.contains(&dn("pat"))), "{skipped:?}");
    }

    async fn a_second_sync_changes_nothing_and_says_so(db: Database) {
        let Some(slapd) = Slapd::start(&organisation()).await else { return };
        let (s, _keys) = service(db);
        let s = syncing(&s, &slapd.config(Preset::Openldap));
        sync(&s).await.unwrap();
        let audit_before = audit_records(&s).await;
        let again = sync(&s).await.unwrap();
        assert_eq!(again.record.counts, counts(0, 0, USERS as u64, 2));
        assert_eq!(status(&s).await.counts, again.record.counts);
        assert_eq!(audit_records(&s).await, audit_before + 1, "only the sync's own record is added");
    }

    async fn what_if_lists_the_changes_a_sync_would_make_and_makes_none(db: Database) {
        let mut ldif = base_ldif();
        ldif.push_str(&person("tony", "tony@contoso.com", Some("+1 425 555 1234")));
        let Some(slapd) = Slapd::start(&ldif).await else { return };
        let (s, _keys) = service(db);
        let s = syncing(&s, &slapd.config(Preset::Openldap));
        let report = StartUmDirectorySync { what_if: Switch(true) }.call(&s, &admin()).await.unwrap();
        assert_eq!(report.changes.len(), 1);
        assert_eq!((report.changes[0].action, report.changes[0].identity.as_str()), ("Added", "tony@contoso.com"));
        assert_eq!(mailbox_count(&s).await, 0);
        assert!(GetUmDirectorySyncStatus::default().call(&s, &admin()).await.unwrap().is_none());
    }

    async fn renaming_a_users_address_in_the_directory_updates_the_same_mailbox(db: Database) {
        let mut ldif = base_ldif();
        ldif.push_str(&person("tony", "tony@contoso.com", Some("+1 425 555 1234")));
        let Some(slapd) = Slapd::start(&ldif).await else { return };
        let (s, _keys) = service(db);
        let s = syncing(&s, &slapd.config(Preset::Openldap));
        sync(&s).await.unwrap();
        let before = mailbox_of(&s, &admin(), "tony@contoso.com").await.unwrap();
        slapd.replace(&dn("tony"), "mail", &["tony.smith@contoso.com"]).await;
        let report = sync(&s).await.unwrap();
        assert_eq!((report.record.counts.updated, report.record.counts.added), (1, 0));
        let after = mailbox_of(&s, &admin(), "tony.smith@contoso.com").await.unwrap();
        assert_eq!(after.guid, before.guid);
        assert!(mailbox_of(&s, &admin(), "tony@contoso.com").await.is_err());
    }

    async fn a_user_deleted_from_the_directory_loses_um_after_the_grace_period_and_their_pin_no_longer_signs_in(db: Database) {
        let mut ldif = base_ldif();
        ldif.push_str(&person("ellen", "ellen@contoso.com", Some("+1 425 555 3456")));
        ldif.push_str(&person("lee", "lee@contoso.com", Some("+1 425 555 4567")));
        let Some(slapd) = Slapd::start(&ldif).await else { return };
        let now = Arc::new(Mutex::new(Timestamp::now()));
        let clock = now.clone();
        let (s, _keys) = service(db);
        let s = s.with_clock(Arc::new(move || *clock.lock().unwrap()));
        let mut config = slapd.config(Preset::Openldap);
        config.grace_period_days = Some(1);
        let s = syncing(&s, &config);
        contoso(&s).await;
        sync(&s).await.unwrap();
        enable(&s, "ellen@contoso.com", "53456", Some("8273645"), None).await.unwrap();
        enable(&s, "lee@contoso.com", "54567", Some("8273645"), None).await.unwrap();
        assert!(matches!(sign_in(&s, "53456", "8273645").await, SignInOutcome::SignedIn { .. }));

        slapd.delete(&dn("ellen")).await;
        let gone = sync(&s).await.unwrap();
        assert_eq!((gone.record.counts.absent, gone.record.counts.disabled), (1, 0));
        assert!(matches!(sign_in(&s, "53456", "8273645").await, SignInOutcome::SignedIn { .. }), "within the grace period");

        *now.lock().unwrap() += SignedDuration::from_hours(25);
        let after = sync(&s).await.unwrap();
        assert_eq!(after.record.counts.disabled, 1);
        assert!(!matches!(sign_in(&s, "53456", "8273645").await, SignInOutcome::SignedIn { .. }));
        let err = rule(pin_status_of(&s, &admin(), "ellen@contoso.com").await);
        assert!(matches!(err, Error::NotUmEnabled { .. }), "{err:?}");
        assert!(matches!(sign_in(&s, "54567", "8273645").await, SignInOutcome::SignedIn { .. }), "Lee is still there");
        assert!(matches!(sign_in(&s, "51234", TONY_PIN).await, SignInOutcome::SignedIn { .. }), "a mailbox made by hand is left alone");
        let again = sync(&s).await.unwrap();
        assert_eq!(again.record.counts.disabled, 0, "UM is disabled once");
    }

    /// Members of the UM groups (groupOfNames' `member`, groupOfUniqueNames' `uniqueMember`) are
    /// UM-enabled with the group's policy, the extension from their phone number, a generated PIN
    /// to change at first sign-in and the welcome message, once; a member without a phone number
    /// or whose extension is taken is reported with the reason; a group that doesn't exist fails
    /// the sync with its DN.
    async fn members_of_um_groups_are_um_enabled_from_their_phone_numbers_and_the_others_reported(db: Database) {
        let mut ldif = base_ldif();
        ldif.push_str(&person("ellen", "ellen@contoso.com", Some("+1 425 555 3456")));
        ldif.push_str(&person("ron", "ron@contoso.com", Some("+1 425 555 6789")));
        ldif.push_str(&person("lee", "lee@contoso.com", None));
        ldif.push_str(&person("ann", "ann@contoso.com", Some("+1 425 555 1234")));
        ldif.push_str(&person("sam", "sam@contoso.com", Some("+1 425 555 2345")));
        ldif.push_str(&format!(
            "dn: cn=voicemail,dc=contoso,dc=com\nobjectClass: groupOfNames\ncn: voicemail\n\
             member: UID=ellen, ou=people,dc=contoso,dc=com\nmember: {}\nmember: {}\n\n\
             dn: cn=operators,dc=contoso,dc=com\nobjectClass: groupOfUniqueNames\ncn: operators\n\
             uniqueMember: {}#'0101'B\n\n",
            dn("lee"),
            dn("ann"),
            dn("ron")
        ));
        let Some(slapd) = Slapd::start(&ldif).await else { return };
        let (s, _keys) = service(db);
        let mut config = slapd.config(Preset::Openldap);
        config.um_groups = ["cn=voicemail,dc=contoso,dc=com", "cn=operators,dc=contoso,dc=com"]
            .map(|group| UmGroup { group: group.to_owned(), policy: POLICY.to_owned() })
            .to_vec();
        let s = syncing(&s, &config);
        contoso(&s).await;

        let first = sync(&s).await.unwrap();
        assert_eq!((first.record.counts.added, first.record.counts.um_enabled), (5, 2), "{:?}", first.record);
        let reasons: Vec<(&str, &str)> = first.record.skipped.iter().map(|e| (e.dn.as_str(), e.reason.as_str())).collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons.iter().any(|(d, r)| *d == dn("lee") && r.contains("-Extensions")), "{reasons:?}");
        assert!(reasons.iter().any(|(d, r)| *d == dn("ann") && r.contains("51234")), "{reasons:?}");
        for (who, extension) in [("ellen", "53456"), ("ron", "56789")] {
            let info = pin_status_of(&s, &admin(), &format!("{who}@contoso.com")).await.unwrap();
            assert!(info.first_time_user && info.pin_expired, "{who}: {info:?}");
            let um = um_mailbox_of(&s, &admin(), &format!("{who}@contoso.com")).await.unwrap();
            assert_eq!(um.um.extensions, vec![extension.to_owned()]);
        }
        for who in ["lee", "ann", "sam"] {
            let err = rule(pin_status_of(&s, &admin(), &format!("{who}@contoso.com")).await);
            assert!(matches!(err, Error::NotUmEnabled { .. }), "{who}: {err:?}");
        }
        let welcomed: Vec<String> = messages(&s, MessageKind::Welcome).await.into_iter().map(|(to, _)| to).collect();
        assert!(welcomed.contains(&"ellen@contoso.com".to_owned()) && welcomed.contains(&"ron@contoso.com".to_owned()));

        let second = sync(&s).await.unwrap();
        assert_eq!((second.record.counts.added, second.record.counts.um_enabled), (0, 0));
        assert_eq!(second.record.skipped.len(), 2, "the two are reported again until fixed");
        assert_eq!(messages(&s, MessageKind::Welcome).await.len(), welcomed.len(), "one welcome each");

        config.um_groups.push(UmGroup { group: "cn=nobody,dc=contoso,dc=com".to_owned(), policy: POLICY.to_owned() });
        let wrong = syncing(&s, &config);
        let err = sync(&wrong).await.unwrap_err().to_string();
        assert!(err.contains("cn=nobody,dc=contoso,dc=com") && err.contains("doesn't exist"), "{err}");
    }

    async fn a_um_group_member_whose_address_a_mailbox_made_by_hand_has_leaves_that_mailbox_alone(db: Database) {
        let mut ldif = base_ldif();
        ldif.push_str(&person("kimberly", "kim@contoso.com", Some("+1 425 555 3456")));
        ldif.push_str(&format!(
            "dn: cn=voicemail,dc=contoso,dc=com\nobjectClass: groupOfNames\ncn: voicemail\nmember: {}\n\n",
            dn("kimberly")
        ));
        let Some(slapd) = Slapd::start(&ldif).await else { return };
        let (s, _keys) = service(db);
        let mut config = slapd.config(Preset::Openldap);
        config.um_groups = vec![UmGroup { group: "cn=voicemail,dc=contoso,dc=com".to_owned(), policy: POLICY.to_owned() }];
        let s = syncing(&s, &config);
        // kim@contoso.com is a mailbox made by hand, not UM-enabled.
        contoso(&s).await;
        let report = sync(&s).await.unwrap();
        assert_eq!((report.record.counts.added, report.record.counts.um_enabled), (0, 0), "{:?}", report.record);
        let reasons: Vec<&str> = report.record.skipped.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(reasons.len(), 1, "one report, of the address: {reasons:?}");
        assert!(reasons[0].contains("kim@contoso.com"), "{reasons:?}");
        let err = rule(pin_status_of(&s, &admin(), "kim@contoso.com").await);
        assert!(matches!(err, Error::NotUmEnabled { .. }), "the mailbox made by hand is left alone: {err:?}");
        assert!(messages(&s, MessageKind::Welcome).await.iter().all(|(to, _)| to != "kim@contoso.com"));
    }

    async fn a_sync_stopped_half_way_and_run_again_ends_as_one_uninterrupted_sync(db: Database) {
        let Some(slapd) = Slapd::start(&organisation()).await else { return };
        let (s, _keys) = service(db.clone());
        let s = syncing(&s, &slapd.config(Preset::Openldap));
        let (stop, resume) = match db {
            Database::Sqlite(_) => (
                "CREATE TRIGGER stop_sync BEFORE INSERT ON mailboxes WHEN NEW.name = 'user1300' \
                 BEGIN SELECT RAISE(ABORT, 'the test stops the sync here'); END;",
                "DROP TRIGGER stop_sync;",
            ),
            Database::Postgres(_) => (
                "CREATE FUNCTION stop_sync() RETURNS trigger AS $$ BEGIN \
                 IF NEW.name = 'user1300' THEN RAISE EXCEPTION 'the test stops the sync here'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER stop_sync BEFORE INSERT ON mailboxes FOR EACH ROW EXECUTE FUNCTION stop_sync();",
                "DROP TRIGGER stop_sync ON mailboxes;",
            ),
        };
        umpin_store::testing::raw_sql(&db, stop).await.unwrap();
        assert!(sync(&s).await.is_err());
        let stopped = status(&s).await;
        assert!(!stopped.succeeded && stopped.error.is_some());
        let half = mailbox_count(&s).await;
        assert!(half > 0 && half < USERS, "{half} mailboxes after the stop");

        umpin_store::testing::raw_sql(&db, resume).await.unwrap();
        let resumed = sync(&s).await.unwrap();
        assert_eq!(resumed.record.counts.added as usize, USERS - half);
        assert_eq!(mailbox_count(&s).await, USERS);
        let settled = sync(&s).await.unwrap();
        assert_eq!(settled.record.counts, counts(0, 0, USERS as u64, 2));
    }

    async fn active_directory_entries_map_through_the_preset_and_a_disabled_account_gets_no_mailbox(db: Database) {
        let mut ldif = base_ldif();
        ldif.push_str("dn: ou=ad,dc=contoso,dc=com\nobjectClass: organizationalUnit\nou: ad\n\n");
        let ad_user = |cn: &str, sam: &str, guid: &str, control: u32, extra: &str| {
            format!(
                "dn: cn={cn},ou=ad,dc=contoso,dc=com\nobjectClass: inetOrgPerson\nobjectClass: umpinTestActiveDirectoryUser\n\
                 cn: {cn}\nsn: {cn}\ndisplayName: {cn}\nsAMAccountName: {sam}\nuserPrincipalName: {sam}@corp.contoso.com\n\
                 objectGUID:: {guid}\nuserAccountControl: {control}\n{extra}\n"
            )
        };
        // objectGUID 00112233-4455-6677-8899-aabbccddeeff in Active Directory's byte order.
        ldif.push_str(&ad_user(
            "Ellen Adams",
            "ellen",
            "MyIRAFVEd2aImaq7zN3u/w==",
            512,
            "proxyAddresses: SMTP:ellen@contoso.com\nproxyAddresses: smtp:ellen.adams@contoso.com\nproxyAddresses: X500:/o=Contoso/cn=ellen\ntelephoneNumber: +1 425 555 3456\n",
        ));
        ldif.push_str(&ad_user("Gone Away", "gone", "AAECAwQFBgcICQoLDA0ODw==", 514, "mail: gone@contoso.com\n"));
        let Some(slapd) = Slapd::start(&ldif).await else { return };
        let (s, _keys) = service(db);
        let mut config = slapd.config(Preset::ActiveDirectory);
        config.base_dn = Some("ou=ad,dc=contoso,dc=com".to_owned());
        let s = syncing(&s, &config);
        let report = sync(&s).await.unwrap();
        assert_eq!((report.record.counts.added, report.record.counts.skipped), (1, 0), "{:?}", report.record);
        let ellen = mailbox_of(&s, &admin(), "ellen.adams@contoso.com").await.unwrap();
        assert_eq!(ellen.primary_smtp_address, "ellen@contoso.com");
        assert_eq!(ellen.email_addresses, vec!["ellen.adams@contoso.com".to_owned()]);
        assert_eq!((ellen.alias.as_str(), ellen.user_principal_name.as_str()), ("ellen", "ellen@corp.contoso.com"));
        let mut tx = s.database().begin().await.unwrap();
        let linked = tx.linked_mailboxes().await.unwrap();
        assert_eq!(linked[0].id, "00112233-4455-6677-8899-aabbccddeeff");
        drop(tx);
        assert!(mailbox_of(&s, &admin(), "gone@contoso.com").await.is_err());
    }

    async fn a_sync_over_starttls_trusts_the_test_authority_given_as_ca_file_and_no_other(db: Database) {
        let mut ldif = base_ldif();
        ldif.push_str(&person("tony", "tony@contoso.com", Some("+1 425 555 1234")));
        let Some(slapd) = Slapd::start_with_tls(&ldif).await else { return };
        let (s, _keys) = service(db);
        let trusting = syncing(&s, &slapd.config(Preset::Openldap));
        assert_eq!(sync(&trusting).await.unwrap().record.counts.added, 1);
        let mut untrusting = slapd.config(Preset::Openldap);
        untrusting.ca_file = None;
        let err = sync(&syncing(&s, &untrusting)).await.unwrap_err();
        assert!(matches!(err, ServiceError::Directory(_)), "{err:?}");
        assert!(err.to_string().contains(&slapd.url()), "{err}");
        assert!(!err.to_string().contains(umpin_directory::testing::SERVICE_PASSWORD), "{err}");
    }

    async fn a_wrong_bind_password_is_reported_without_the_password_and_changes_nothing(db: Database) {
        let Some(slapd) = Slapd::start(&base_ldif()).await else { return };
        let (s, _keys) = service(db);
        let config = slapd.config(Preset::Openldap);
        let file = config.bind_password_file.clone().unwrap();
        std::fs::write(&file, "not the password\n").unwrap();
        let err = sync(&syncing(&s, &config)).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("bind DN") && !text.contains("not the password"), "{text}");
        assert!(!status(&s).await.succeeded);
    }
}

async fn audit_records(s: &Service) -> usize {
    let mut tx = s.database().begin().await.unwrap();
    tx.audit_head().await.unwrap().0 as usize
}

#[test]
fn plain_ldap_beyond_loopback_is_refused_unless_allowed_and_starttls_is_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "secret\n").unwrap();
    let config = |url: &str, starttls: Option<bool>, allow_plain: bool| DirectoryConfig {
        url: Some(url.to_owned()),
        starttls,
        allow_plain,
        bind_dn: Some("cn=umpin,dc=contoso,dc=com".to_owned()),
        bind_password_file: Some(password.clone()),
        base_dn: Some("dc=contoso,dc=com".to_owned()),
        ..DirectoryConfig::default()
    };
    use umpin_directory::Security;
    let security = |c: DirectoryConfig| c.settings().map(|s| s.unwrap().security);
    assert_eq!(security(config("ldap://dc1.contoso.com", None, false)).unwrap(), Security::StartTls);
    assert_eq!(security(config("ldaps://dc1.contoso.com", None, false)).unwrap(), Security::Tls);
    assert_eq!(security(config("ldap://127.0.0.1:3890", Some(false), false)).unwrap(), Security::Plain);
    let refused = security(config("ldap://dc1.contoso.com", Some(false), false)).unwrap_err();
    assert!(refused.to_string().contains("allow_plain"), "{refused}");
    assert_eq!(security(config("ldap://dc1.contoso.com", Some(false), true)).unwrap(), Security::Plain);
    assert!(security(config("http://dc1.contoso.com", None, false)).is_err());
}

#[test]
fn the_bind_password_is_read_from_its_file_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "s3cret directory password\n").unwrap();
    let config = DirectoryConfig {
        url: Some("ldaps://dc1.contoso.com".to_owned()),
        bind_dn: Some("cn=umpin,dc=contoso,dc=com".to_owned()),
        bind_password_file: Some(password),
        base_dn: Some("dc=contoso,dc=com".to_owned()),
        ..DirectoryConfig::default()
    };
    let settings = config.settings().unwrap().unwrap();
    assert!(!format!("{settings:?}").contains("s3cret"));
    let missing = DirectoryConfig { bind_password_file: Some(dir.path().join("none")), ..config };
    let err = missing.settings().unwrap_err();
    assert!(err.to_string().contains("bind_password_file"), "{err}");
}
