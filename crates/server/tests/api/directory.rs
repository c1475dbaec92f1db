//! `Start-UMDirectorySync` and `Get-UMDirectorySyncStatus` through the cmdlet endpoint, and
//! directory administrators signing in for a token, against a real OpenLDAP server
//! (`umpin_directory::testing::Slapd`), on both backends. Without slapd these cases print
//! `skipping: …` and pass, unless `UMPIN_REQUIRE_DIRECTORY=1`.

use umpin_directory::testing::{PEOPLE_DN, Slapd, base_ldif};
use umpin_directory::{Directory, Preset, RoleGroupMapping};

use super::*;

fn person(uid: &str, mail: &str) -> String {
    format!("dn: uid={uid},{PEOPLE_DN}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\nmail: {mail}\n\n")
}

/// The value of a property of a cmdlet object (`[name, value]` pairs).
fn property<'a>(object: &'a Value, name: &str) -> &'a Value {
    object["properties"].as_array().unwrap().iter().find(|p| p[0] == name).map(|p| &p[1]).unwrap()
}

umpin_store::backend_tests! {
    async fn start_um_directory_sync_through_the_api_lists_with_what_if_then_creates_and_reports(db: Database) {
        let ldif = [base_ldif(), person("tony", "tony@contoso.com"), person("pat", "pat@contoso.com"), person("patricia", "pat@contoso.com")].concat();
        let Some(slapd) = Slapd::start(&ldif).await else { return };
        let settings = slapd.config(Preset::Openldap).settings().unwrap().unwrap();
        let api = Api::start_with_directory(db, Arc::new(Directory::new(settings))).await;

        let what_if = api.cmdlet("Start-UMDirectorySync", json!({"parameters": {"WhatIf": true}})).await.ok(200);
        let objects = what_if["objects"].as_array().unwrap();
        assert_eq!(objects.len(), 1, "{what_if}");
        assert_eq!((property(&objects[0], "Action"), property(&objects[0], "Identity")), (&json!("Added"), &json!("tony@contoso.com")));
        assert_eq!(api.get("/api/v1/mailboxes/tony@contoso.com").await.status, 404, "-WhatIf changes nothing");

        let synced = api.cmdlet("Start-UMDirectorySync", json!({"parameters": {}})).await.ok(200);
        assert_eq!(property(&synced["objects"][0], "Added"), &json!(1));
        let warnings = synced["warnings"].to_string();
        assert!(warnings.contains(&format!("uid=pat,{PEOPLE_DN}")) && warnings.contains(&format!("uid=patricia,{PEOPLE_DN}")), "{warnings}");
        api.get("/api/v1/mailboxes/tony@contoso.com").await.ok(200);

        let status = api.cmdlet("Get-UMDirectorySyncStatus", json!({"parameters": {}})).await.ok(200);
        assert_eq!(property(&status["objects"][0], "Skipped"), &json!(2));
        assert_eq!(property(&status["objects"][0], "RunBy"), &json!(ADMIN));
    }

    async fn start_um_directory_sync_without_a_directory_is_a_problem_that_says_to_configure_one(db: Database) {
        let api = Api::start(db).await;
        let detail = api.cmdlet("Start-UMDirectorySync", json!({"parameters": {}})).await.problem(503, "unavailable");
        assert!(detail.contains("[directory]"), "{detail}");
    }

    async fn a_directory_user_in_a_role_groups_directory_group_signs_in_to_the_api_with_their_directory_password(db: Database) {
        let with_password = |uid: &str| format!("{}\nuserPassword: {uid}'s password\n\n", person(uid, &format!("{uid}@contoso.com")).trim_end());
        let group = format!("dn: cn=helpdesk,dc=contoso,dc=com\nobjectClass: groupOfNames\ncn: helpdesk\nmember: uid=kim,{PEOPLE_DN}\n\n");
        let ldif = [base_ldif(), with_password("kim"), with_password("lee"), group].concat();
        let Some(slapd) = Slapd::start(&ldif).await else { return };
        let mut config = slapd.config(Preset::Openldap);
        config.role_groups =
            vec![RoleGroupMapping { group: "cn=helpdesk,dc=contoso,dc=com".to_owned(), role_group: "Help Desk".to_owned() }];
        let api = Api::start_with_directory(db, Arc::new(Directory::new(config.settings().unwrap().unwrap()))).await;

        let signed_in = api.sign_in("kim", "kim's password").await.ok(200);
        let token = signed_in["token"].as_str().unwrap();
        api.send(Method::GET, "/api/v1/mailboxes", None, Some(token)).await.ok(200);
        // Help Desk doesn't manage accounts.
        let accounts = Some(json!({"parameters": {}}));
        api.send(Method::POST, "/api/v1/cmdlets/Get-ManagementAccount", accounts, Some(token)).await.problem(403, "permission-denied");
        let kim = api.cmdlet("Get-ManagementAccount", json!({"parameters": {"Identity": "kim"}})).await.ok(200);
        let kim = &kim["objects"][0];
        assert!(property(kim, "DirectoryId").is_string(), "{kim}");
        assert_eq!(property(kim, "RoleGroups"), &json!(["Help Desk"]));

        let outside = api.sign_in("lee", "lee's password").await.problem(403, "permission-denied");
        assert!(outside.contains("[[directory.role_groups]]"), "{outside}");
        api.sign_in("kim", "not kim's password").await.problem(401, "not-authenticated");
    }
}
