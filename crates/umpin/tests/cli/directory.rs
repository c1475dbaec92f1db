//! `umpin directory sync` and the directory cmdlets in the shell, with the `[directory]` table of
//! `umpin.toml` pointing at a real OpenLDAP server (`umpin_directory::testing::Slapd`). Without
//! slapd these tests print `skipping: …` and pass, unless `UMPIN_REQUIRE_DIRECTORY=1`.

use std::time::Duration;

use umpin_directory::Preset;
use umpin_directory::testing::{PEOPLE_DN, Slapd, base_ldif};

use super::serve::Serving;
use super::*;

fn person(uid: &str, mail: &str) -> String {
    format!("dn: uid={uid},{PEOPLE_DN}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\nmail: {mail}\n\n")
}

/// The `[directory]` table of a data directory's `umpin.toml` for `slapd`, plus `extra` lines.
fn directory_toml(dir: &Path, slapd: &Slapd, extra: &str) {
    let config = slapd.config(Preset::Openldap);
    let toml = format!(
        "[directory]\nurl = \"{}\"\nstarttls = false\nbind_dn = \"{}\"\nbind_password_file = \"{}\"\nbase_dn = \"{PEOPLE_DN}\"\n{extra}",
        slapd.url(),
        config.bind_dn.unwrap(),
        config.bind_password_file.unwrap().display()
    );
    std::fs::write(dir.join("umpin.toml"), toml).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn umpin_directory_sync_reads_the_directory_of_umpin_toml_and_reports_what_it_skipped() {
    let ldif = [
        base_ldif(),
        person("tony", "tony@contoso.com"),
        person("pat", "pat@contoso.com"),
        person("patricia", "pat@contoso.com"),
    ]
    .concat();
    let Some(slapd) = Slapd::start(&ldif).await else { return };
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    directory_toml(dir.path(), &slapd, "");

    let what_if = umpin(dir.path(), &["directory", "sync", "--what-if"]);
    assert!(what_if.status.success(), "{}", stderr(&what_if));
    assert!(
        stdout(&what_if).contains("Added") && stdout(&what_if).contains("tony@contoso.com"),
        "{}",
        stdout(&what_if)
    );
    assert!(!shell(dir.path(), "Get-Mailbox tony@contoso.com").status.success(), "-WhatIf changes nothing");

    let synced = umpin(dir.path(), &["directory", "sync"]);
    assert!(synced.status.success(), "{}", stderr(&synced));
    let warnings = stderr(&synced);
    assert!(warnings.contains(&format!("Skipped uid=pat,{PEOPLE_DN}")), "{warnings}");
    assert!(warnings.contains(&format!("uid=patricia,{PEOPLE_DN}")), "{warnings}");
    assert!(shell_ok(dir.path(), "Get-Mailbox tony@contoso.com").contains("tony"));
    let status = shell_ok(dir.path(), "Get-UMDirectorySyncStatus | Format-List Added,Skipped,Succeeded");
    assert!(
        status.contains("Added     : 1") && status.contains("Skipped   : 2") && status.contains("True"),
        "{status}"
    );
}

/// Two nodes serving one database both look for the sync's turn when they start: one syncs, the
/// other finds the turn taken for the interval, so the directory is read once.
#[tokio::test(flavor = "multi_thread")]
async fn of_two_serving_nodes_one_runs_the_scheduled_directory_sync_and_the_other_leaves_it() {
    let ldif = [base_ldif(), person("tony", "tony@contoso.com")].concat();
    let Some(slapd) = Slapd::start(&ldif).await else { return };
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    directory_toml(dir.path(), &slapd, "sync_interval_minutes = 60\n");
    let address = [("UMPIN_SERVER__LISTEN", "127.0.0.1:0")];
    let nodes = [Serving::start(dir.path(), &address), Serving::start(dir.path(), &address)];
    let started = std::time::Instant::now();
    while !nodes.iter().any(|n| n.logs().contains("scheduled directory sync done")) {
        assert!(started.elapsed() < Duration::from_secs(60), "no node synced: {}", nodes[0].logs());
        std::thread::sleep(Duration::from_millis(50));
    }
    // Each node looked for the turn as it started; a second sync would find tony unchanged.
    std::thread::sleep(Duration::from_secs(3));
    let synced = nodes.iter().filter(|n| n.logs().contains("scheduled directory sync done")).count();
    assert_eq!(synced, 1, "{}\n{}", nodes[0].logs(), nodes[1].logs());
    let status = shell_ok(dir.path(), "Get-UMDirectorySyncStatus | Format-List RunBy,Added,Unchanged,Succeeded");
    for line in ["RunBy     : Scheduled Directory Sync", "Added     : 1", "Unchanged : 0", "Succeeded : True"] {
        assert!(status.contains(line), "{line} in {status}");
    }
    assert!(shell_ok(dir.path(), "Get-Mailbox tony@contoso.com").contains("tony"));
}

#[test]
fn plain_ldap_to_another_host_in_umpin_toml_is_refused_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    let password = dir.path().join("directory-password");
    std::fs::write(&password, "secret\n").unwrap();
    let toml = format!(
        "[directory]\nurl = \"ldap://dc1.contoso.com\"\nstarttls = false\nbind_dn = \"cn=umpin,dc=contoso,dc=com\"\nbind_password_file = \"{}\"\nbase_dn = \"dc=contoso,dc=com\"\n",
        password.display()
    );
    std::fs::write(dir.path().join("umpin.toml"), toml).unwrap();
    assert_fails_in_one_sentence(&umpin(dir.path(), &["directory", "sync"]), "allow_plain");
}

/// `umpin demo --with-directory` starts a local OpenLDAP server, syncs its users (UM-enabling the
/// Voice Mail Users group), and serves the Voice Mail page to them with the passwords it prints.
#[test]
fn the_demo_with_a_directory_serves_the_voice_mail_page_to_its_users_and_a_remote_shell_to_its_um_administrator_with_the_passwords_it_prints()
 {
    if let Err(why) = umpin_directory::local::programs() {
        let required = std::env::var(umpin_directory::testing::REQUIRE_DIRECTORY_VAR).is_ok_and(|v| v == "1");
        assert!(!required, "the directory tests are required but can't run: {why}");
        eprintln!("skipping: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = super::habits::Demo::start_with(dir.path(), &["--with-directory"]);
    let printed = demo.printed.join("\n");
    assert!(
        printed.contains("Synced the demo's directory: 3 users read, 3 mailboxes added, 3 UM-enabled."),
        "{printed}"
    );
    let password = demo
        .printed
        .iter()
        .find_map(|line| line.trim().strip_prefix("ravi (ravi@contoso.com): "))
        .unwrap_or_else(|| panic!("the demo prints ravi's password: {printed}"));
    let address = demo.url.trim_start_matches("http://");
    let sign_in = |password: &str| {
        let body = format!("username=ravi&password={password}");
        super::serve::http(
            address,
            &format!(
                "POST /voicemail/sign-in HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    let refused = sign_in("wrong");
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let answer = sign_in(password);
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let cookie = answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .filter(|c| c.starts_with("umpin_voice_mail="))
        .unwrap_or_else(|| panic!("a Voice Mail session cookie: {answer}"));
    let request =
        format!("GET /voicemail/ HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n");
    let page = super::serve::http(address, &request);
    assert!(page.starts_with("HTTP/1.1 200") && page.contains("Ravi Kumar") && page.contains("Reset PIN"), "{page}");

    // omar, in the demo's UM Administrators group, signs in to a remote shell as UM Management
    // with the password the demo printed; ravi, in no such group, is told why not.
    assert!(printed.contains("omar is also in UM Administrators"), "{printed}");
    let omar = demo
        .printed
        .iter()
        .find_map(|line| line.trim().strip_prefix("omar (omar@contoso.com): "))
        .unwrap_or_else(|| panic!("the demo prints omar's password: {printed}"));
    let config = tempfile::tempdir().unwrap();
    let pins = super::remote::remote(&demo.url, "omar", Some(omar), config.path(), "Get-UMMailboxPIN ravi@contoso.com");
    assert!(pins.status.success(), "{}", super::stderr(&pins));
    assert!(super::stdout(&pins).contains("ravi@contoso.com"), "{}", super::stdout(&pins));
    let accounts = super::remote::remote(&demo.url, "omar", Some(omar), config.path(), "Get-ManagementAccount");
    assert!(
        !accounts.status.success() && super::stderr(&accounts).contains("permission"),
        "{}",
        super::stderr(&accounts)
    );
    let ravi = super::remote::remote(&demo.url, "ravi", Some(password), config.path(), "Get-UMMailboxPIN");
    assert!(
        !ravi.status.success() && super::stderr(&ravi).contains("[[directory.role_groups]]"),
        "{}",
        super::stderr(&ravi)
    );
}
