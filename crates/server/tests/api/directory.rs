//! `Start-UMDirectorySync` and `Get-UMDirectorySyncStatus` through the cmdlet endpoint, against a
//! real OpenLDAP server (`umpin_directory::testing::Slapd`), on both backends. Without slapd these
//! cases print `skipping: …` and pass, unless `UMPIN_REQUIRE_DIRECTORY=1`.

use umpin_directory::testing::{PEOPLE_DN, Slapd, base_ldif};
use umpin_directory::{Directory, Preset};

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
}
