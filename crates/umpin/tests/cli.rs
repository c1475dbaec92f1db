//! The `umpin` command end to end: each test runs the real binary on a data directory of its own.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use sqlx::{AssertSqlSafe, Connection};

#[path = "cli/directory.rs"]
mod directory;
#[path = "cli/habits.rs"]
mod habits;
#[path = "cli/phone.rs"]
mod phone;
#[path = "cli/remote.rs"]
mod remote;
#[path = "cli/serve.rs"]
mod serve;
#[path = "cli/voice.rs"]
mod voice;

fn umpin(data_dir: &Path, args: &[&str]) -> Output {
    umpin_with_env(data_dir, &[], args)
}

/// [`umpin`] with some environment variables set.
fn umpin_with_env(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_umpin"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("UMPIN_DATABASE_URL")
        .env_remove("UMPIN_CONFIG")
        .env_remove("UMPIN_KEY_FILE")
        .envs(env.iter().copied())
        .output()
        .expect("the umpin binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failure: non-zero exit and one line on standard error, which contains `expected`.
fn assert_fails_in_one_sentence(o: &Output, expected: &str) {
    assert!(!o.status.success(), "expected a failure, got: {}", stdout(o));
    let err = stderr(o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected: {err}");
    assert!(err.contains(expected), "{err}");
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_creates_a_private_key_and_the_database_and_never_overwrites_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = umpin(&data, &["init"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("Created the server key"));
    let key = data.join("umpin.key");
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&data), 0o700);
    assert!(data.join("umpin.db").exists());
    let key_bytes = std::fs::read(&key).unwrap();
    let second = umpin(&data, &["init"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(stdout(&second).contains("Kept the existing server key"));
    assert_eq!(std::fs::read(&key).unwrap(), key_bytes);
}

#[test]
fn init_creates_the_first_organization_manager_once_and_shows_its_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = umpin(dir.path(), &["init"]);
    let out = stdout(&first);
    let password = out
        .lines()
        .find_map(|l| l.split_once("shown only this once: ").map(|(_, p)| p.trim().to_owned()))
        .unwrap_or_else(|| panic!("no password in: {out}"));
    assert_eq!(password.len(), 20);
    assert!(out.contains("'admin' in Organization Management"), "{out}");
    let listed =
        shell_ok(dir.path(), "Get-RoleGroupMember 'Organization Management' | Select-Object -ExpandProperty Name");
    assert_eq!(listed.trim(), "admin");
    let second = stdout(&umpin(dir.path(), &["init"]));
    assert!(second.contains("none was created") && !second.contains(&password), "{second}");
    let stored = std::fs::read(dir.path().join("umpin.db")).unwrap();
    assert!(!contains(&stored, password.as_bytes()), "the password is stored only as a verifier");
}

#[test]
fn init_takes_the_first_password_from_a_private_file_and_refuses_a_readable_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("admin-password");
    std::fs::write(&file, "a long enough password\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let data = dir.path().join("data");
    let file_arg = file.to_str().unwrap();
    let refused = umpin(&data, &["init", "--admin", "root", "--admin-password-file", file_arg]);
    assert_fails_in_one_sentence(&refused, "chmod 600");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let created = umpin(&data, &["init", "--admin", "root", "--admin-password-file", file_arg]);
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(stdout(&created).contains("'root' in Organization Management with the given password"));
    assert!(!stdout(&created).contains("a long enough password"));
}

#[test]
fn a_key_file_readable_by_others_is_refused_with_the_command_that_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    let key = dir.path().join("umpin.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = umpin(dir.path(), &["demo", "--no-serve"]);
    assert_fails_in_one_sentence(&refused, "chmod 600");
}

#[test]
fn the_demo_builds_contoso_once_and_then_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let first = umpin(dir.path(), &["demo", "--no-serve"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    assert!(out.contains("Built the demo organisation contoso.com."), "{out}");
    assert!(out.contains("UserID            PinExpired FirstTimeUser LockedOut"), "{out}");
    let row = |who: &str| out.lines().find(|l| l.starts_with(who)).map(|l| l.split_whitespace().collect::<Vec<_>>());
    assert_eq!(row("tony@contoso.com").unwrap(), ["tony@contoso.com", "True", "True", "False"]);
    assert_eq!(row("david@contoso.com").unwrap(), ["david@contoso.com", "True", "True", "True"]);
    assert_eq!(row("kim@contoso.com").unwrap(), ["kim@contoso.com", "False", "False", "False"]);
    let second = umpin(dir.path(), &["demo", "--no-serve"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(stdout(&second).contains("already set up; reusing it"));
    assert_eq!(stdout(&second).matches("@contoso.com").count(), 6);
}

#[test]
fn no_pin_reaches_the_output_the_logs_or_the_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_umpin"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["demo", "--no-serve"])
        .env("UMPIN_LOG", "trace")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).contains("TRACE") || stderr(&run).contains("DEBUG"), "the logs were written");
    // The demo's user Kim chose this PIN on the phone.
    const KIM: &str = "4718263";
    let hex: String = KIM.bytes().map(|b| format!("{b:02x}")).collect();
    let mut everything = run.stdout.clone();
    everything.extend(&run.stderr);
    for file in ["umpin.db", "umpin.db-wal", "umpin.db-shm"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(file)) {
            everything.extend(bytes);
        }
    }
    assert!(contains(&everything, b"kim@contoso.com"), "the database files were read");
    assert!(!contains(&everything, KIM.as_bytes()), "the PIN appears in clear");
    assert!(!contains(&everything, hex.as_bytes()), "the PIN appears hex-encoded");
}

#[test]
fn keys_rotate_adds_a_current_key_and_reseals_every_pin() {
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["demo", "--no-serve"]).status.success());
    let rotated = umpin(dir.path(), &["keys", "rotate"]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let out = stdout(&rotated);
    assert!(out.contains("Added server key 2"), "{out}");
    assert!(out.contains("Re-sealed the PIN data of 6 UM mailbox(es) under key 2."), "{out}");
    assert_eq!(mode(&dir.path().join("umpin.key")), 0o600);
    assert!(umpin(dir.path(), &["demo", "--no-serve"]).status.success());
}

#[test]
fn a_database_url_of_an_unknown_kind_is_refused_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let refused = umpin(dir.path(), &["--database-url", "mysql://root@127.0.0.1/umpin", "migrate"]);
    assert_fails_in_one_sentence(&refused, "postgres://");
}

#[test]
fn an_invalid_configuration_file_is_refused_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("umpin.toml"), "databse_url = 'sqlite://x.db'\n").unwrap();
    assert_fails_in_one_sentence(&umpin(dir.path(), &["init"]), "databse_url");
    std::fs::write(dir.path().join("umpin.toml"), "[argon2]\nmemory_kib = 1024\n").unwrap();
    // init hashes the first account's password, so it checks the Argon2 settings too.
    assert_fails_in_one_sentence(&umpin(dir.path(), &["init"]), "memory_kib");
    assert_fails_in_one_sentence(&umpin(dir.path(), &["demo", "--no-serve"]), "memory_kib");
}

#[test]
fn a_database_that_was_never_migrated_is_refused_with_the_command_that_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    let other = format!("sqlite://{}", dir.path().join("other.db").display());
    std::fs::write(dir.path().join("other.db"), b"").unwrap();
    let refused = umpin(dir.path(), &["--database-url", &other, "keys", "rotate"]);
    assert_fails_in_one_sentence(&refused, "umpin migrate");
}

/// `umpin init` and `umpin demo` on PostgreSQL, chosen by the database URL, in a schema of this
/// test's own.
/// A fresh PostgreSQL schema for the real binary: a connection to drop it with, its name, and the
/// database URL that selects it. `None`, after a line on stderr, when PostgreSQL can't be reached
/// and `UMPIN_REQUIRE_POSTGRES` isn't `1`.
async fn postgres_schema() -> Option<(sqlx::PgConnection, String, String)> {
    let url = umpin_store::testing::postgres_url();
    let mut admin = match sqlx::PgConnection::connect(&url).await {
        Ok(conn) => conn,
        Err(e) if std::env::var("UMPIN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("PostgreSQL is required but not reachable at {url}: {e}")
        }
        Err(e) => {
            eprintln!("skipping: PostgreSQL not reachable at {url}: {e}");
            return None;
        }
    };
    let schema = format!("{}{}", umpin_store::testing::SCHEMA_PREFIX, uuid::Uuid::new_v4().simple());
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&mut admin).await.unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let schema_url = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    Some((admin, schema, schema_url))
}

#[tokio::test]
async fn init_and_demo_run_on_postgresql_chosen_by_the_url() {
    let Some((mut admin, schema, schema_url)) = postgres_schema().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let init = umpin(dir.path(), &["--database-url", &schema_url, "init"]);
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(!dir.path().join("umpin.db").exists(), "no SQLite database when the URL names PostgreSQL");
    let demo = umpin(dir.path(), &["--database-url", &schema_url, "demo", "--no-serve"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let (mailboxes,): (i64,) = sqlx::query_as(AssertSqlSafe(format!("SELECT count(*) FROM {schema}.um_mailboxes")))
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(mailboxes, 6);
    sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&mut admin).await.unwrap();
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Runs `umpin shell -c` on a data directory.
fn shell(data_dir: &Path, pipeline: &str) -> Output {
    umpin(data_dir, &["shell", "-c", pipeline])
}

/// Runs a pipeline that must succeed and returns its output.
fn shell_ok(data_dir: &Path, pipeline: &str) -> String {
    let out = shell(data_dir, pipeline);
    assert!(out.status.success(), "{pipeline}: {}", stderr(&out));
    stdout(&out)
}

const NEW_DIAL_PLAN: &str = "New-UMDialPlan -Name MyUMDialPlan -NumberOfDigitsInExtension 5 -CountryOrRegionCode 1";
const NEW_POLICY: &str = "New-UMMailboxPolicy -Name MyUMMailboxPolicy -UMDialPlan MyUMDialPlan";
const NEW_TONY: &str = "New-Mailbox -Name 'Tony Smith' -PrimarySmtpAddress tony@contoso.com";
const ENABLE_TONY: &str = "Enable-UMMailbox -Identity tony@contoso.com -UMMailboxPolicy MyUMMailboxPolicy -Extensions 51234 -PIN 5643892 -NotifyEmail administrator@contoso.com -PINExpired $true";

/// A data directory where the steps of the Exchange help pages up to `upto` have run.
fn contoso(upto: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    for step in [NEW_DIAL_PLAN, NEW_POLICY, NEW_TONY, ENABLE_TONY].iter().take(upto) {
        shell_ok(dir.path(), step);
    }
    dir
}

#[test]
fn shell_new_um_dial_plan_creates_the_dial_plan_and_its_default_policy() {
    let dir = contoso(0);
    let out = shell_ok(dir.path(), NEW_DIAL_PLAN);
    assert!(out.contains("MyUMDialPlan 5                         TelExtn Unsecured"), "{out}");
    let policies = shell_ok(dir.path(), "Get-UMMailboxPolicy -UMDialPlan MyUMDialPlan");
    assert!(policies.contains("MyUMDialPlan Default Policy"), "{policies}");
}

#[test]
fn shell_new_um_mailbox_policy_creates_a_policy_with_the_default_pin_settings() {
    let dir = contoso(1);
    shell_ok(dir.path(), NEW_POLICY);
    let out = shell_ok(
        dir.path(),
        "Get-UMMailboxPolicy MyUMMailboxPolicy | Format-List MinPINLength,PINLifetime,MaxLogonAttempts",
    );
    assert_eq!(out, "\nMinPINLength     : 6\nPINLifetime      : 60\nMaxLogonAttempts : 15\n\n");
}

#[test]
fn shell_enable_um_mailbox_enables_tony_on_51234() {
    let dir = contoso(3);
    let out = shell_ok(dir.path(), ENABLE_TONY);
    assert!(out.contains("Tony Smith True      {51234}    MyUMMailboxPolicy"), "{out}");
}

#[test]
fn shell_get_um_mailbox_pin_shows_the_pin_status_table() {
    let dir = contoso(4);
    let out = shell_ok(dir.path(), "Get-UMMailboxPIN -Identity tony@contoso.com");
    assert_eq!(
        out,
        "\nUserID           PinExpired FirstTimeUser LockedOut\n\
         ------           ---------- ------------- ---------\n\
         tony@contoso.com True       True          False\n\n"
    );
}

#[test]
fn shell_set_um_mailbox_pin_resets_the_pin() {
    let dir = contoso(4);
    shell_ok(dir.path(), "Set-UMMailboxPIN tony -PIN 2837465 -PinExpired $false");
    assert_eq!(shell_ok(dir.path(), "(Get-UMMailboxPIN tony).PinExpired"), "False\n");
    shell_ok(dir.path(), "Set-UMMailboxPIN -Identity tony@contoso.com -PIN 1985848 -PinExpired $true");
    assert_eq!(shell_ok(dir.path(), "(Get-UMMailboxPIN tony).PinExpired"), "True\n");
    let refused = shell(dir.path(), "Set-UMMailboxPIN -Identity tony@contoso.com -PIN 1985848");
    assert_fails_in_one_sentence(&refused, "Set-UMMailboxPIN : The PIN was used recently");
    assert!(!stderr(&refused).contains("1985848"));
}

#[test]
fn shell_pipeline_unlocks_every_locked_out_mailbox() {
    let dir = contoso(4);
    shell_ok(dir.path(), "New-Mailbox -Name Kim -PrimarySmtpAddress kim@contoso.com");
    shell_ok(dir.path(), "Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 52345");
    shell_ok(dir.path(), "Set-UMMailboxPIN tony -LockedOut $true; Set-UMMailboxPIN kim -LockedOut $true");
    let locked = shell_ok(dir.path(), "Get-UMMailboxPIN | Where-Object LockedOut | Measure-Object");
    assert!(locked.contains("Count : 2"), "{locked}");
    let named = shell_ok(dir.path(), "Get-UMMailboxPIN | Where-Object -FilterScript { $_.LockedOut } | Measure-Object");
    assert!(named.contains("Count : 2"), "{named}");
    shell_ok(
        dir.path(),
        "Get-UMMailboxPIN | Where-Object {$_.LockedOut -eq $true} | Set-UMMailboxPIN -LockedOut $false",
    );
    let still = shell_ok(dir.path(), "Get-UMMailboxPIN | Where-Object LockedOut -eq $true | Measure-Object");
    assert!(still.contains("Count : 0"), "{still}");
}

#[test]
fn shell_import_csv_into_new_mailbox_creates_each_row_and_reports_bad_rows() {
    let dir = contoso(0);
    let csv = dir.path().join("users.csv");
    std::fs::write(
        &csv,
        "Name,Alias,PrimarySmtpAddress,DisplayName,Phone\n\
         Kim Akers,kim,kim@contoso.com,Kim Akers,+14255552345\n\
         Bad Alias,b d,bad@contoso.com,Bad,\n\
         David Hamilton,david,david@contoso.com,David H.,\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_umpin"))
        .current_dir(dir.path())
        .args(["--data-dir", ".", "shell", "-c", "Import-Csv users.csv | New-Mailbox"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a bad row fails the run");
    assert!(stderr(&out).contains("New-Mailbox : The value of parameter 'Alias' isn't valid"), "{}", stderr(&out));
    let listed = shell_ok(dir.path(), "Get-Mailbox | ForEach-Object { $_.PrimarySmtpAddress }");
    assert_eq!(listed, "david@contoso.com\nkim@contoso.com\n");
    let phone = shell_ok(dir.path(), "(Get-Mailbox kim).Phone");
    assert_eq!(phone, "+14255552345\n");
}

#[test]
fn shell_errors_of_the_rules_reach_the_administrator_with_the_cmdlet_name() {
    let dir = contoso(4);
    for (pipeline, expected) in [
        (
            "Get-UMMailboxPIN nobody",
            "Get-UMMailboxPIN : The operation couldn't be performed because object 'nobody' couldn't be found.",
        ),
        ("New-UMDialPlan -Name X -NumberOfDigitsInExtension 21 -CountryOrRegionCode 1", "NumberOfDigitsInExtension"),
        ("New-UMDialPlan -Name MyUMDialPlan -NumberOfDigitsInExtension 5 -CountryOrRegionCode 1", "already exists"),
        ("Remove-UMDialPlan MyUMDialPlan", "UM mailbox policies belong to it"),
        (
            "Set-UMMailboxPolicy MyUMMailboxPolicy -LogonFailuresBeforePINReset 20",
            "must be lower than MaxLogonAttempts (15)",
        ),
        (
            "Get-UMMailboxPIN -Identity tony -Bogus 1",
            "A parameter cannot be found that matches parameter name 'Bogus'.",
        ),
        ("Get-UMMailboxPIN -Identity tony -Res", "Missing an argument for parameter 'ResultSize'"),
        (
            "New-UMDialPlan -Name X -NumberOfDigitsInExtension 5 -CountryOrRegionCode 1 -URIType Tel",
            "TelExtn, SipName, E164",
        ),
        ("Set-UMMailboxPIN tony -PINExpired yes", "$true or $false"),
        ("Get-UMMailboxPIN | Where-Object {$_.LockedOut -eq", "At line 1, column"),
        (
            "New-UMDialPlan -Name ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWX -NumberOfDigitsInExtension 5 -CountryOrRegionCode 1",
            "at most 49 characters",
        ),
        ("New-UMDialPlan -Name 'a;b' -NumberOfDigitsInExtension 5 -CountryOrRegionCode 1", "may not contain"),
        ("New-UMDialPlan -Name X -NumberOfDigitsInExtension 5 -CountryOrRegionCode 12345", "1 to 4 digits"),
        ("Set-UMMailboxPolicy MyUMMailboxPolicy -MinPINLength 3", "MinPINLength"),
        ("Set-UMMailboxPolicy MyUMMailboxPolicy -PINLifetime 1000", "or Unlimited"),
        ("Remove-UMMailboxPolicy MyUMMailboxPolicy", "UM-enabled mailbox(es) use it"),
        ("New-Mailbox -Name Kim -PrimarySmtpAddress kim", "e-mail address"),
        ("New-Mailbox -Name 'Tony Smith' -PrimarySmtpAddress t2@contoso.com", "already exists"),
        (
            "New-Mailbox -Name Kim -PrimarySmtpAddress kim@contoso.com; Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy",
            "Pass -Extensions",
        ),
        (
            "Enable-UMMailbox tony -UMMailboxPolicy MyUMMailboxPolicy -Extensions 51234",
            "already enabled for Unified Messaging",
        ),
        ("Get-UMMailboxPIN kim", "The mailbox kim@contoso.com isn't enabled for Unified Messaging."),
        ("Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 5123", "exactly 5 digits"),
        ("Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 51234", "already in use"),
        ("Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 52345 -PIN 12345", "at least 6 digits"),
        (
            "Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 52345 -PIN 222222",
            "single repeated digit",
        ),
        ("Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 52345 -PIN 345678", "consecutive"),
        (
            "Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 52345 -PIN 5234599",
            "begin with one of the user's extensions",
        ),
        ("Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 52345 -PIN 12a456", "only the digits"),
        (
            "New-UMDialPlan Sip -NumberOfDigitsInExtension 5 -CountryOrRegionCode 1 -URIType SipName; Enable-UMMailbox kim -UMMailboxPolicy 'Sip Default Policy' -Extensions 52345",
            "-SIPResourceIdentifier is required",
        ),
        (
            "New-Mailbox -Name Chris1 -PrimarySmtpAddress c1@contoso.com -DisplayName Chris; New-Mailbox -Name Chris2 -PrimarySmtpAddress c2@contoso.com -DisplayName Chris; Get-Mailbox Chris",
            "more specific",
        ),
    ] {
        let out = shell(dir.path(), pipeline);
        assert_fails_in_one_sentence(&out, expected);
    }
}

#[test]
fn shell_what_if_says_what_it_would_do_and_changes_nothing() {
    let dir = contoso(4);
    let out = shell_ok(dir.path(), "Set-UMMailboxPIN tony@contoso.com -LockedOut $true -WhatIf");
    assert_eq!(out, "What if: Performing the operation \"Set-UMMailboxPIN\" on target \"tony@contoso.com\".\n");
    let status = shell_ok(dir.path(), "(Get-UMMailboxPIN tony).LockedOut");
    assert_eq!(status, "False\n");
}

#[test]
fn shell_refuses_a_pipeline_of_700_commands_with_a_syntax_error_instead_of_overflowing_the_stack() {
    let dir = contoso(0);
    let long = format!("Get-UMDialPlan{}", " | Where-Object Name".repeat(699));
    let out = shell(dir.path(), &long);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("The pipeline has more than 32 commands"), "{}", stderr(&out));
}

#[test]
fn shell_runs_the_longest_pipeline_at_the_deepest_nesting_allowed() {
    let dir = contoso(0);
    // 32 commands inside 32 brackets: 63 levels, one under the limit of 64.
    let pipeline = format!("{}1,2,3{}{}", "(".repeat(32), " | ForEach-Object { $_ }".repeat(31), ")".repeat(32));
    assert_eq!(shell_ok(dir.path(), &pipeline), "1\n2\n3\n");
}

#[test]
fn shell_runs_a_script_file_and_fails_when_a_command_failed() {
    let dir = contoso(0);
    let script = dir.path().join("setup.ps1");
    std::fs::write(
        &script,
        format!("{NEW_DIAL_PLAN}\n{NEW_POLICY}\n$p = Get-UMMailboxPolicy MyUMMailboxPolicy\n$p.UMDialPlan\n"),
    )
    .unwrap();
    let out = umpin(dir.path(), &["shell", script.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("MyUMDialPlan\n"), "{}", stdout(&out));
    std::fs::write(&script, "Get-UMDialPlan NoSuchPlan\nGet-UMDialPlan MyUMDialPlan\n").unwrap();
    let out = umpin(dir.path(), &["shell", script.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("MyUMDialPlan"), "later statements still run");
}

/// The interactive shell in a pseudo-terminal: Tab completes a cmdlet name, the command runs, a
/// line holding a PIN stays out of the history file, and a removal asks for confirmation.
#[test]
fn the_interactive_shell_completes_with_tab_runs_commands_confirms_removals_and_keeps_pins_out_of_history() {
    let dir = contoso(4);
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_umpin"));
    command.arg("--data-dir").arg(dir.path()).arg("shell").env("HOME", home.path()).env_remove("XDG_DATA_HOME");
    let mut session = rexpect::session::spawn_command(command, Some(20_000)).unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send("Get-UMMailboxPI").unwrap();
    session.send("\t").unwrap();
    session.send_line(" tony@contoso.com").unwrap();
    session.exp_string("tony@contoso.com True       True          False").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("Set-UMMailboxPIN tony -Pin 7283946 -SendEmail $false").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    // A statement that changes several objects shows its progress on the terminal.
    session.send_line("'tony','tony' | Set-UMMailboxPIN -LockedOut $false").unwrap();
    session.exp_string("Set-UMMailboxPIN: 2 objects processed").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    // A removal asks first; "n" keeps the dial plan, "y" removes it.
    session
        .send_line(
            "New-UMDialPlan Spare -NumberOfDigitsInExtension 4 -CountryOrRegionCode 1 -GenerateUMMailboxPolicy $false",
        )
        .unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("Remove-UMDialPlan Spare").unwrap();
    session.exp_string("Performing the operation \"Remove-UMDialPlan\" on target \"Spare\"").unwrap();
    session.exp_string("(default is \"Y\"): ").unwrap();
    session.send_line("n").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("(Get-UMDialPlan Spare).Name").unwrap();
    session.exp_string("Spare").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("Remove-UMDialPlan Spare").unwrap();
    session.exp_string("(default is \"Y\"): ").unwrap();
    session.send_line("y").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("exit").unwrap();
    session.exp_eof().unwrap();
    let gone = shell(dir.path(), "Get-UMDialPlan Spare");
    assert_fails_in_one_sentence(&gone, "couldn't be found");
    let history = std::fs::read_to_string(home.path().join(".local/share/umpin/shell_history")).unwrap();
    assert!(history.contains("Get-UMMailboxPIN tony@contoso.com"), "{history}");
    assert!(!history.contains("7283946"), "{history}");
    assert_eq!(mode(&home.path().join(".local/share/umpin/shell_history")), 0o600);
}

#[test]
fn shell_result_size_limits_a_listing_and_warns_that_more_exist() {
    let dir = contoso(4);
    shell_ok(dir.path(), "New-Mailbox -Name Kim -PrimarySmtpAddress kim@contoso.com");
    shell_ok(dir.path(), "Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 52345");
    let out = shell(dir.path(), "Get-UMMailboxPIN -ResultSize 1");
    assert!(out.status.success(), "a warning is not a failure: {}", stderr(&out));
    assert_eq!(stdout(&out).matches("@contoso.com").count(), 1, "{}", stdout(&out));
    assert!(stderr(&out).contains("WARNING: More results exist than the 1 shown."), "{}", stderr(&out));
    let all = shell(dir.path(), "Get-UMMailboxPIN -ResultSize Unlimited");
    assert_eq!(stdout(&all).matches("@contoso.com").count(), 2);
    assert!(stderr(&all).is_empty(), "{}", stderr(&all));
}

#[test]
fn shell_measure_object_counts_and_sums_a_numeric_property() {
    let dir = contoso(1);
    shell_ok(dir.path(), "New-UMDialPlan Second -NumberOfDigitsInExtension 7 -CountryOrRegionCode 44");
    let out = shell_ok(dir.path(), "Get-UMDialPlan | Measure-Object NumberOfDigitsInExtension");
    assert_eq!(
        out,
        "\nCount    : 2\nSum      : 12\nMaximum  : 7\nMinimum  : 5\nProperty : NumberOfDigitsInExtension\n\n"
    );
}

/// 1,100 UM mailboxes: the default shows 1,000 and warns; `Unlimited` pages through all of
/// them and shows them as one table (one header), written page by page.
#[tokio::test(flavor = "multi_thread")]
async fn shell_listings_page_through_every_um_mailbox_under_one_table_header() {
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    let db =
        umpin_store::Database::connect(&format!("sqlite://{}", dir.path().join("umpin.db").display())).await.unwrap();
    umpin_store::testing::seed_um_mailboxes(&db, 1100).await.unwrap();
    db.close().await;
    let default = shell(dir.path(), "Get-UMMailboxPIN");
    assert!(default.status.success(), "{}", stderr(&default));
    assert_eq!(stdout(&default).matches("@contoso.com").count(), 1000);
    assert!(stderr(&default).contains("More results exist than the 1000 shown"));
    let all = shell(dir.path(), "Get-UMMailboxPIN -ResultSize Unlimited");
    let out = stdout(&all);
    assert_eq!(out.matches("@contoso.com").count(), 1100);
    assert_eq!(out.matches("UserID").count(), 1, "one header for the whole listing");
    assert_eq!(out.lines().filter(|l| l.starts_with("user00")).count(), 1099);
    assert!(stderr(&all).is_empty(), "{}", stderr(&all));
    let counted = shell_ok(dir.path(), "Get-UMMailboxPIN -ResultSize Unlimited | Measure-Object");
    assert!(counted.contains("Count : 1100"), "{counted}");
}

#[test]
fn shell_without_a_terminal_removes_without_asking() {
    let dir = contoso(0);
    shell_ok(
        dir.path(),
        "New-UMDialPlan Spare -NumberOfDigitsInExtension 4 -CountryOrRegionCode 1 -GenerateUMMailboxPolicy $false",
    );
    shell_ok(dir.path(), "Remove-UMDialPlan Spare");
    assert_fails_in_one_sentence(&shell(dir.path(), "Get-UMDialPlan Spare"), "couldn't be found");
}

#[test]
fn shell_progress_is_not_shown_when_output_is_redirected() {
    let dir = contoso(4);
    let out = shell(dir.path(), "'tony','tony@contoso.com' | Set-UMMailboxPIN -LockedOut $false");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty() && stdout(&out).is_empty(), "{}{}", stdout(&out), stderr(&out));
}

/// What the shell prints for the lines of the UM walk-through (the README's, as typed in
/// Exchange), stdout and stderr, kept as a snapshot: a change of the cmdlets' declarations,
/// binding or display that changes what an administrator sees fails here.
#[test]
fn shell_output_of_the_um_walkthrough_is_unchanged() {
    let dir = contoso(0);
    let csv = dir.path().join("users.csv");
    std::fs::write(
        &csv,
        "Name,Alias,PrimarySmtpAddress,DisplayName,Phone\n\
         Tony Smith,tony,tony@contoso.com,Tony Smith,+14255551234\n\
         Kim Akers,kim,kim@contoso.com,Kim Akers,+14255552345\n",
    )
    .unwrap();
    let import = format!("Import-Csv '{}' | New-Mailbox", csv.display());
    let lines = [
        NEW_DIAL_PLAN,
        NEW_POLICY,
        &import,
        ENABLE_TONY,
        "Get-UMMailboxPIN -Identity tony@contoso.com",
        "Set-UMMailboxPIN -Identity tony@contoso.com -PIN 1985848 -PinExpired $true -WhatIf",
        "Get-UMMailboxPolicy MyUMMailboxPolicy | Format-List Name,UMDialPlan,MinPINLength,PINLifetime,PINHistoryCount,AllowCommonPatterns,LogonFailuresBeforePINReset,MaxLogonAttempts",
        "Get-Help Set-UMMailboxPIN",
    ];
    let mut transcript = String::new();
    for line in lines {
        let out = shell(dir.path(), line);
        transcript.push_str(&format!("PS> {}\n", line.replace(&csv.display().to_string(), "users.csv")));
        transcript.push_str(&stdout(&out));
        transcript.push_str(&stderr(&out));
    }
    insta::assert_snapshot!("um_walkthrough", transcript);
}

#[test]
fn shell_get_help_and_get_command_come_from_the_registry() {
    let dir = contoso(0);
    let help = shell_ok(dir.path(), "Get-Help Set-UMMailboxPIN -Full");
    for expected in [
        "SYNOPSIS",
        "Set-UMMailboxPIN [-Identity] <String> [-Pin <String>] [-PINExpired <Boolean>] [-LockedOut <Boolean>]",
        "-SendEmail <Boolean>",
        "Default value                $true",
        "Accept pipeline input?       true (ByValue, ByPropertyName)",
        "EXAMPLE 2",
        "Get-UMMailboxPIN | Where-Object {$_.LockedOut -eq $true} | Set-UMMailboxPIN -LockedOut $false",
    ] {
        assert!(help.contains(expected), "{expected}\n{help}");
    }
    let uri = shell_ok(dir.path(), "Get-Help New-UMDialPlan -Parameter URIType");
    assert!(uri.contains("Values: TelExtn, SipName, E164"), "{uri}");
    let commands = shell_ok(dir.path(), "Get-Command *UMMailboxPIN | ForEach-Object Name");
    assert_eq!(commands, "Get-UMMailboxPIN\nSet-UMMailboxPIN\n");
    let commands = shell_ok(dir.path(), "Get-Command *UMSprayBlock | ForEach-Object Name");
    assert_eq!(commands, "Clear-UMSprayBlock\nGet-UMSprayBlock\n");
    let listing = shell_ok(dir.path(), "Get-Help Get-UMSprayBlock");
    assert!(listing.contains("Get-UMSprayBlock [[-Identity] <String>]"), "{listing}");
    let lifting = shell_ok(dir.path(), "Get-Help Clear-UMSprayBlock -Full");
    for expected in ["Clear-UMSprayBlock [-Identity] <String>", "Get-UMSprayBlock | Clear-UMSprayBlock", "-WhatIf"] {
        assert!(lifting.contains(expected), "{expected}\n{lifting}");
    }
    assert_fails_in_one_sentence(&shell(dir.path(), "Get-Help Frobnicate"), "no such cmdlet");
}

#[test]
fn shell_export_csv_writes_a_header_row_that_import_csv_reads_back() {
    let dir = contoso(4);
    let file = dir.path().join("pins.csv");
    shell_ok(dir.path(), &format!("Get-UMMailboxPIN | Export-Csv '{}'", file.display()));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("\"UserID\",\"PinExpired\",\"FirstTimeUser\",\"LockedOut\","), "{text}");
    let back = shell_ok(dir.path(), &format!("Import-Csv '{}' | ForEach-Object UserID", file.display()));
    assert_eq!(back, "tony@contoso.com\n");
    let csv = shell_ok(dir.path(), "Get-UMMailboxPIN | Select-Object UserID,LockedOut | ConvertTo-Csv");
    assert_eq!(csv, "\"UserID\",\"LockedOut\"\n\"tony@contoso.com\",\"False\"\n");
}

#[test]
fn shell_get_um_mailbox_pin_ignore_errors_turns_not_enabled_into_a_warning() {
    let dir = contoso(4);
    shell_ok(dir.path(), "New-Mailbox -Name Kim -PrimarySmtpAddress kim@contoso.com");
    let out = shell(dir.path(), "Get-UMMailboxPIN kim -IgnoreErrors");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "WARNING: The mailbox kim@contoso.com isn't enabled for Unified Messaging.\n");
}

#[test]
fn shell_shows_a_control_character_and_a_nul_of_a_refused_identity_in_the_audit_log_as_powershell_escapes() {
    let dir = contoso(4);
    let refused = shell(dir.path(), "Get-UMMailboxPIN \"to\u{1b}[2Jny`0\"");
    assert!(!refused.status.success());
    let search = "Search-AdminAuditLog -Cmdlets Get-UMMailboxPIN -IsSuccess $false";
    let table = shell_ok(dir.path(), search);
    let list = shell_ok(dir.path(), &format!("{search} | Format-List"));
    // The NUL is kept as U+FFFD (PostgreSQL text can't hold one); the escape character as given.
    assert!(table.contains("to`u{1b}[2Jny\u{fffd}"), "{table}");
    assert!(list.contains("to`u{1b}[2Jny\u{fffd}") && list.contains("-Identity \"to`u{1b}[2Jny\u{fffd}\""), "{list}");
    for shown in [&table, &list] {
        assert!(!shown.contains('\u{1b}'), "{shown:?}");
    }
    assert!(shell_ok(dir.path(), "Test-AdminAuditLog | Format-List IsValid").contains("True"));
}

#[test]
fn shell_manages_accounts_and_role_groups_and_every_change_is_in_a_valid_audit_log() {
    let dir = contoso(4);
    let created = shell_ok(dir.path(), "New-ManagementAccount helpdesk1 -DisplayName 'Help Desk 1' | Format-List");
    assert!(created.contains("GeneratedPassword"), "{created}");
    shell_ok(dir.path(), "Add-RoleGroupMember 'Help Desk' -Member helpdesk1");
    let accounts = shell_ok(dir.path(), "Get-ManagementAccount helpdesk1");
    assert!(accounts.contains("Help Desk 1") && accounts.contains("Help Desk"), "{accounts}");
    assert!(!accounts.contains("GeneratedPassword"), "a password is shown only when it is made");
    let groups = shell_ok(dir.path(), "Get-RoleGroup 'Help Desk' | Format-List");
    assert!(groups.contains("helpdesk1") && groups.contains("generated PIN"), "{groups}");
    shell_ok(dir.path(), "Set-UMMailboxPIN tony@contoso.com -Pin 1985848");
    let events = shell_ok(dir.path(), "Search-AdminAuditLog -Cmdlets Set-UMMailboxPIN | Format-List");
    assert!(events.contains("Local Administrator") && events.contains("-Pin ***"), "{events}");
    assert!(!events.contains("1985848"), "{events}");
    let check = shell_ok(dir.path(), "Test-AdminAuditLog | Format-List");
    assert!(check.contains("IsValid") && check.contains("True"), "{check}");
    let bad_date = shell(dir.path(), "Search-AdminAuditLog -StartDate yesterday");
    assert!(stderr(&bad_date).contains("use 2026-11-27"), "{}", stderr(&bad_date));
}
