//! Directory sign-in for administrators, against a real OpenLDAP server on both backends: a
//! member of a directory group that a role group has (`[[directory.role_groups]]`) signs in for
//! a token or a web session with their directory password, as the management account of their
//! directory user, with that role group; local accounts come first and keep working without the
//! directory. Without slapd these cases print `skipping: …` and pass, unless
//! `UMPIN_REQUIRE_DIRECTORY=1`.

use jiff::SignedDuration;
use secrecy::{ExposeSecret, SecretString};
use umpin_directory::testing::{PEOPLE_DN, Slapd, base_ldif};
use umpin_directory::{Directory, Preset, RoleGroupMapping};
use umpin_domain::RoleGroup;

use super::*;

const FROM: &str = "192.0.2.9";
const IDLE: SignedDuration = SignedDuration::from_mins(20);
const UM_ADMINS: &str = "cn=um admins,dc=contoso,dc=com";
const ELLEN_PASSWORD: &str = "ellen's directory password";
const LEE_PASSWORD: &str = "lee's directory password";

/// A user with a directory password.
fn person(uid: &str) -> String {
    format!(
        "dn: uid={uid},{PEOPLE_DN}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: User {uid}\nsn: {uid}\n\
         displayName: User {uid}\nmail: {uid}@contoso.com\nuserPassword: {uid}'s directory password\n\n"
    )
}

/// ellen (in "um admins") and lee (in no group).
fn ldif() -> String {
    let mut ldif = base_ldif();
    ldif.push_str(&person("ellen"));
    ldif.push_str(&person("lee"));
    ldif.push_str(&format!(
        "dn: {UM_ADMINS}\nobjectClass: groupOfNames\ncn: um admins\nmember: uid=ellen,{PEOPLE_DN}\n\n"
    ));
    ldif
}

/// The directory of [`ldif`], over plain LDAP on loopback.
async fn directory() -> Option<Slapd> {
    Slapd::start(&ldif()).await
}

/// The service with `slapd` as its directory, whose "um admins" get `role_group`.
fn with_directory(s: &Service, slapd: &Slapd, role_group: RoleGroup) -> Service {
    let mut config = slapd.config(Preset::Openldap);
    config.role_groups =
        vec![RoleGroupMapping { group: UM_ADMINS.to_owned(), role_group: role_group.name().to_owned() }];
    let settings = config.settings().unwrap().unwrap();
    s.clone().with_directory(Arc::new(Directory::new(settings)))
}

fn password(p: &str) -> SecretString {
    SecretString::from(p.to_owned())
}

/// Signs in for a token and returns the principal it stands for.
async fn signed_in(s: &Service, login: &str, p: &str) -> Result<Principal, ServiceError> {
    let issued = s.issue_token(login, &password(p), FROM).await?;
    s.authenticate(issued.token.expose_secret(), FROM).await
}

/// A local account in Organization Management.
async fn local_manager(s: &Service, name: &str, p: &str) {
    let new = NewManagementAccount { name: name.into(), display_name: None, password: Some(Secret(password(p))) };
    new.call(s, &admin()).await.unwrap();
    let joining = AddRoleGroupMember { identity: "Organization Management".into(), member: name.into() };
    joining.call(s, &admin()).await.unwrap();
}

umpin_store::backend_tests! {
    async fn a_member_of_a_role_groups_directory_group_signs_in_with_their_directory_password_and_gets_that_role_group(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd, RoleGroup::UmManagement);
        contoso(&s).await;
        let ellen = signed_in(&s, "ellen", ELLEN_PASSWORD).await.unwrap();
        assert_eq!((ellen.account.as_str(), ellen.role_groups.as_slice()), ("ellen", &[RoleGroup::UmManagement][..]));
        // UM Management reads PIN information, and doesn't manage accounts.
        pin_status_of(&s, &ellen, "tony@contoso.com").await.unwrap();
        let denied = rule(GetManagementAccount::default().call(&s, &ellen).await);
        assert!(matches!(denied, Error::PermissionDenied { .. }), "{denied:?}");
        // By address, and for a web session: the same account, made once.
        let session = s.start_web_session("ellen@contoso.com", &password(ELLEN_PASSWORD), FROM, IDLE).await.unwrap();
        assert_eq!(session.principal.account, "ellen");
        let accounts = GetManagementAccount::default().call(&s, &admin()).await.unwrap();
        let ellens: Vec<_> = accounts.iter().filter(|a| a.name == "ellen").collect();
        assert_eq!(ellens.len(), 1, "{accounts:?}");
        assert!(ellens[0].directory_id.is_some(), "{:?}", ellens[0]);
        assert_eq!(ellens[0].display_name, "User ellen");
        // Get-RoleGroup names the directory group beside the accounts.
        let groups = GetRoleGroup { identity: Some("UM Management".into()) }.call(&s, &admin()).await.unwrap();
        assert_eq!(groups[0].members, ["ellen"]);
        assert_eq!(groups[0].directory_groups, [UM_ADMINS]);
    }

    async fn a_directory_administrator_signs_in_over_starttls_trusting_the_configured_authority(db: Database) {
        let Some(slapd) = Slapd::start_with_tls(&ldif()).await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd, RoleGroup::HelpDesk);
        let ellen = signed_in(&s, "ellen", ELLEN_PASSWORD).await.unwrap();
        assert_eq!(ellen.role_groups, [RoleGroup::HelpDesk]);
    }

    async fn a_directory_user_outside_the_role_groups_directory_groups_or_with_a_wrong_password_is_refused(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd, RoleGroup::HelpDesk);
        let lee = signed_in(&s, "lee", LEE_PASSWORD).await.unwrap_err();
        assert!(matches!(lee, ServiceError::NoRoleGroup), "{lee:?}");
        for (login, wrong) in [("ellen", "not ellen's password"), ("ellen", ""), ("nobody", ELLEN_PASSWORD)] {
            let refused = signed_in(&s, login, wrong).await.unwrap_err();
            assert!(matches!(refused, ServiceError::NotAuthenticated), "{login}/{wrong}: {refused:?}");
        }
        let accounts = GetManagementAccount::default().call(&s, &admin()).await.unwrap();
        assert!(accounts.is_empty(), "no account is made for a refused sign-in: {accounts:?}");
    }

    async fn wrong_directory_passwords_of_an_administrator_are_throttled_per_user_whatever_name_they_give(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd, RoleGroup::UmManagement);
        // Five free failures, each from a new address, so that only ellen's own count can block
        // the sixth attempt, even with the right password.
        for (i, login) in ["ellen", "ellen@contoso.com"].iter().cycle().take(5).enumerate() {
            let refused = s.issue_token(login, &password("wrong"), &format!("198.51.100.{i}")).await.unwrap_err();
            assert!(matches!(refused, ServiceError::NotAuthenticated), "failure {i}: {refused:?}");
        }
        let blocked = s.issue_token("ellen", &password(ELLEN_PASSWORD), "198.51.100.99").await;
        assert!(matches!(blocked, Err(ServiceError::Throttled { .. })), "{blocked:?}");
    }

    async fn a_local_account_comes_first_and_keeps_signing_in_when_the_directory_doesnt_answer(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd, RoleGroup::OrganizationManagement);
        local_manager(&s, "ellen", "correct horse battery 9").await;
        let refused = signed_in(&s, "ellen", ELLEN_PASSWORD).await.unwrap_err();
        assert!(matches!(refused, ServiceError::NotAuthenticated), "the local account's name: {refused:?}");
        let local = signed_in(&s, "ellen", "correct horse battery 9").await.unwrap();
        assert_eq!(local.role_groups, [RoleGroup::OrganizationManagement]);
        // ellen's directory account can't take the name a local account has.
        let taken = signed_in(&s, "ellen@contoso.com", ELLEN_PASSWORD).await.unwrap_err();
        assert!(matches!(&taken, ServiceError::Rule(Error::DirectoryNameTaken { .. })), "{taken:?}");
        drop(slapd);
        signed_in(&s, "ellen", "correct horse battery 9").await.unwrap();
        for _ in 0..6 {
            let err = signed_in(&s, "lee", LEE_PASSWORD).await.unwrap_err();
            assert!(matches!(err, ServiceError::Directory(_)), "not counted as a failure: {err:?}");
            assert!(!err.to_string().contains(LEE_PASSWORD), "{err}");
        }
    }

    async fn a_directory_administrator_is_disabled_or_removed_here_but_their_password_and_role_groups_are_the_directorys(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd, RoleGroup::OrganizationManagement);
        local_manager(&s, "breakglass", "the break-glass password").await;
        let issued = s.issue_token("ellen", &password(ELLEN_PASSWORD), FROM).await.unwrap();
        let first = management_account_of(&s, &admin(), "ellen").await.unwrap();
        for refused in [
            SetManagementAccount { identity: "ellen".into(), password: Some(Secret(password("a new password 1"))), ..Default::default() }
                .call(&s, &admin())
                .await,
            AddRoleGroupMember { identity: "Help Desk".into(), member: "ellen".into() }.call(&s, &admin()).await,
            RemoveRoleGroupMember { identity: "Organization Management".into(), member: "ellen".into() }
                .call(&s, &admin())
                .await,
        ] {
            assert!(matches!(rule(refused), Error::DirectoryAccount { .. }));
        }
        // The last local manager stays, whatever directory managers there are.
        let last = rule(RemoveManagementAccount { identity: "breakglass".into() }.call(&s, &admin()).await);
        assert!(matches!(last, Error::LastOrganizationManager { .. }), "{last:?}");
        // Disabled here: the token stops and the directory password no longer signs in.
        let disable = SetManagementAccount { identity: "ellen".into(), disabled: Some(true), ..Default::default() };
        disable.call(&s, &admin()).await.unwrap();
        let revoked = s.authenticate(issued.token.expose_secret(), FROM).await;
        assert!(matches!(revoked, Err(ServiceError::NotAuthenticated)), "{revoked:?}");
        let refused = signed_in(&s, "ellen", ELLEN_PASSWORD).await.unwrap_err();
        assert!(matches!(refused, ServiceError::NotAuthenticated), "{refused:?}");
        // Removed: the next sign-in makes a new account.
        RemoveManagementAccount { identity: "ellen".into() }.call(&s, &admin()).await.unwrap();
        signed_in(&s, "ellen", ELLEN_PASSWORD).await.unwrap();
        let again = management_account_of(&s, &admin(), "ellen").await.unwrap();
        assert_ne!(again.guid, first.guid);
        assert!(!again.disabled);
    }

    async fn leaving_the_directory_group_takes_the_role_group_away_at_the_next_sign_in(db: Database) {
        let Some(slapd) = directory().await else { return };
        let (s, _keys) = service(db);
        let s = with_directory(&s, &slapd, RoleGroup::UmManagement);
        let issued = s.issue_token("ellen", &password(ELLEN_PASSWORD), FROM).await.unwrap();
        slapd.replace(UM_ADMINS, "member", &[&format!("uid=lee,{PEOPLE_DN}")]).await;
        let ellen = signed_in(&s, "ellen", ELLEN_PASSWORD).await.unwrap_err();
        assert!(matches!(ellen, ServiceError::NoRoleGroup), "{ellen:?}");
        let ended = s.authenticate(issued.token.expose_secret(), FROM).await;
        assert!(matches!(ended, Err(ServiceError::NotAuthenticated)), "the earlier token ends: {ended:?}");
        let groups = GetRoleGroup { identity: Some("UM Management".into()) }.call(&s, &admin()).await.unwrap();
        assert!(groups[0].members.is_empty(), "{groups:?}");
        let lee = signed_in(&s, "lee", LEE_PASSWORD).await.unwrap();
        assert_eq!(lee.role_groups, [RoleGroup::UmManagement]);
    }
}
