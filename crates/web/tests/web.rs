//! The web admin center end to end: the real `umpin serve` on a fresh contoso.com (built as
//! `umpin demo` builds it, plus the accounts the tests sign in with and a mailbox whose display
//! name is markup), driven by the Playwright suite in `tests/browser` through Debian's Chromium,
//! once on SQLite and once on PostgreSQL.
//!
//! `umpin serve` sends its mail through SMTP to the test's own SMTP server, which leaves each
//! message in a directory where the suite reads the PINs of the reset messages.
//!
//! Without Chromium, node or the suite's `npm ci`, each test prints `skipping: …` and passes,
//! unless `UMPIN_REQUIRE_BROWSER=1` (as in CI), which makes that a failure. With
//! `UMPIN_WEB_SCREENSHOTS=1` the SQLite run saves the screenshots of `docs/screenshots` again;
//! with `UMPIN_BROWSER_GREP=<regex>` only the tests whose titles match run.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;

use sqlx::{AssertSqlSafe, Connection};
use umpin_mail::testing::SmtpSink;

const CHROMIUM: &str = "/usr/bin/chromium";
/// One browser run at a time: the machine has two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
/// The passwords of the accounts the suite signs in with (test accounts of a throwaway server).
const ACCOUNTS: [(&str, &str, &str); 3] = [
    ("webadmin", "Organization Management", "quartz lantern meadow fig"),
    ("helpdesk", "Help Desk", "copper walrus drizzle oak"),
    ("phone", "Voice Access", "velvet comet harbor rye"),
];

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Why the browser tests can't run here, if they can't.
fn missing_browser() -> Option<String> {
    let chromium = std::env::var("UMPIN_CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_owned());
    if !Path::new(&chromium).exists() {
        return Some(format!("Chromium not found at {chromium} (apt-get install chromium)"));
    }
    if Command::new("node").arg("--version").output().map_or(true, |o| !o.status.success()) {
        return Some("node not found (apt-get install nodejs npm)".to_owned());
    }
    if !suite_dir().join("node_modules/.bin/playwright").exists() {
        return Some(format!("the suite's packages are not installed (npm ci in {})", suite_dir().display()));
    }
    None
}

/// `false`, after a line on stderr, when the browser tests can't run and aren't required.
fn browser_available() -> bool {
    match missing_browser() {
        None => true,
        Some(why) if std::env::var("UMPIN_REQUIRE_BROWSER").is_ok_and(|v| v == "1") => {
            panic!("the browser tests are required (UMPIN_REQUIRE_BROWSER=1) but can't run: {why}")
        }
        Some(why) => {
            eprintln!("skipping: {why}");
            false
        }
    }
}

/// The `umpin` binary of this build: `target/<profile>/umpin` beside the test binary's `deps`.
/// `cargo test --workspace` builds it with the tests; when it is older than a source of the
/// workspace (as after `cargo test -p umpin-web` following a change), it is built first, so that
/// the tests never run an old server.
fn umpin_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    let binary = profile_dir.join("umpin");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let built = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
    let newest_source = [workspace.join("Cargo.lock"), workspace.join("crates")].iter().filter_map(|p| newest(p)).max();
    if built.is_some() && built >= newest_source {
        return binary;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", "umpin", "--bin", "umpin"]).current_dir(&workspace);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    assert!(build.status().expect("cargo runs").success(), "cargo build -p umpin failed");
    binary
}

/// The latest modification time of a file or of the files under a directory (the browser
/// suite's packages and results aside).
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    let skip = ["node_modules", "test-results", "target"];
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| !skip.iter().any(|s| e.file_name() == *s))
        .filter_map(|e| newest(&e.path()))
        .max()
}

/// One umpin command on the data directory (and database), which must succeed.
fn umpin(binary: &Path, data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(binary);
    command.arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    let out = command
        .args(args)
        .env_remove("UMPIN_DATABASE_URL")
        .env_remove("UMPIN_CONFIG")
        .env_remove("UMPIN_KEY_FILE")
        .output()
        .expect("umpin runs");
    assert!(out.status.success(), "umpin {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// contoso.com as the demo builds it, with the suite's accounts and a mailbox named in markup.
fn seed(binary: &Path, data_dir: &Path, database_url: Option<&str>) {
    umpin(binary, data_dir, database_url, &["demo", "--no-serve"]);
    let mut script = String::from(
        "New-Mailbox -Name xss -DisplayName '<img src=x onerror=alert(1)>' -PrimarySmtpAddress xss@contoso.com\n",
    );
    for (name, group, password) in ACCOUNTS {
        script.push_str(&format!(
            "New-ManagementAccount {name} -Password '{password}'\nAdd-RoleGroupMember '{group}' -Member {name}\n"
        ));
    }
    let file = data_dir.join("seed.ps1");
    std::fs::write(&file, script).unwrap();
    umpin(binary, data_dir, database_url, &["shell", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
}

/// A running `umpin serve`, killed when dropped.
struct Serving {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `umpin serve` on the data directory (and database), sending its mail to an SMTP server on
/// this host at `smtp_port`.
fn serve(binary: &Path, data_dir: &Path, database_url: Option<&str>, smtp_port: u16) -> Serving {
    let log = data_dir.join("serve.log");
    let mut command = Command::new(binary);
    command.arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    let mut child = command
        .arg("serve")
        .env_remove("UMPIN_DATABASE_URL")
        .env_remove("UMPIN_CONFIG")
        .env_remove("UMPIN_KEY_FILE")
        .env("UMPIN_SERVER__LISTEN", "127.0.0.1:0")
        .env("UMPIN_MAIL__FROM", "Contoso Voice Mail <voicemail@contoso.com>")
        .env("UMPIN_MAIL__SMTP__HOST", "127.0.0.1")
        .env("UMPIN_MAIL__SMTP__PORT", smtp_port.to_string())
        .env("UMPIN_MAIL__SMTP__SECURITY", "none")
        .env("UMPIN_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("umpin serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let Some(url) = line.trim().strip_prefix("umpin serve: listening on ") else {
        let _ = child.kill();
        panic!("umpin serve didn't announce its address: {line}{}", std::fs::read_to_string(&log).unwrap_or_default());
    };
    Serving { url: url.to_owned(), child, log }
}

/// Which of the browser suites runs: the admin center's, or the Voice Mail page's (which needs a
/// directory).
#[derive(Clone, Copy)]
enum Suite {
    AdminCenter,
    VoiceMail,
}

/// Runs the Playwright suite against `url`, whose database is `database` (a PostgreSQL URL or the
/// SQLite file, which the suite edits behind the server's back); the session ids, PINs and
/// passwords it saw go to `secrets_out`.
fn run_suite(
    server: &Serving,
    database: &str,
    mail_dir: &Path,
    secrets_out: &Path,
    screenshots: Option<&Path>,
    out: &Path,
    suite: Suite,
) {
    let mut command = Command::new(suite_dir().join("node_modules/.bin/playwright"));
    command
        .args(["test", "--config", "playwright.config.js"])
        .current_dir(suite_dir())
        .env("UMPIN_URL", &server.url)
        .env("UMPIN_DATABASE", database)
        .env("UMPIN_CHROMIUM", std::env::var("UMPIN_CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_owned()))
        .env("UMPIN_MAIL_DIR", mail_dir)
        .env("UMPIN_SECRETS_OUT", secrets_out)
        .env("UMPIN_PLAYWRIGHT_OUT", out)
        .env_remove("UMPIN_SCREENSHOTS");
    match suite {
        Suite::AdminCenter => command.env_remove("UMPIN_SUITE"),
        Suite::VoiceMail => command.env("UMPIN_SUITE", "voice-mail").env("UMPIN_VOICE_MAIL_PASSWORD", RAVI_PASSWORD),
    };
    for (name, _, password) in ACCOUNTS {
        command.env(format!("UMPIN_PASSWORD_{}", name.to_uppercase()), password);
    }
    if let Some(dir) = screenshots {
        command.env("UMPIN_SCREENSHOTS", dir);
    }
    // Only the tests whose titles match, while working on a page.
    if let Ok(grep) = std::env::var("UMPIN_BROWSER_GREP") {
        command.args(["--grep", &grep]);
    }
    let result = command.output().expect("playwright runs");
    let report = format!("{}{}", String::from_utf8_lossy(&result.stdout), String::from_utf8_lossy(&result.stderr));
    println!("{report}");
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    let log_tail: Vec<&str> = log.lines().rev().take(30).collect();
    assert!(
        result.status.success(),
        "the browser tests failed (report above); the server log ended with:\n{}",
        log_tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The secrets of the run: the accounts' passwords, and every session id the browser held and PIN
/// and password it typed.
fn secrets(secrets_out: &Path) -> Vec<String> {
    let ids = std::fs::read_to_string(secrets_out).unwrap();
    let mut all: Vec<String> = ids.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect();
    assert!(!all.is_empty(), "the suite signed in, so it saw session ids");
    all.extend(ACCOUNTS.iter().map(|(_, _, password)| (*password).to_owned()));
    all
}

/// What the suite's Help Desk account tried and was refused is in the admin audit log: a typed
/// PIN (as `***`) and a change of PIN policies. Not when `UMPIN_BROWSER_GREP` ran only some of the
/// tests, which may not be the ones that try.
fn assert_denial_audited(binary: &Path, data_dir: &Path, database_url: Option<&str>) {
    if std::env::var_os("UMPIN_BROWSER_GREP").is_some() {
        return;
    }
    let out = umpin(
        binary,
        data_dir,
        database_url,
        &[
            "shell",
            "-c",
            "Search-AdminAuditLog -Cmdlets Set-UMMailboxPIN -UserIds helpdesk | Where-Object { -not $_.Succeeded } | Format-List",
        ],
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("pilar@contoso.com") && listed.contains("-Pin ***"), "{listed}");
    assert!(!listed.contains("8362915"), "the typed PIN is not in the audit log: {listed}");
    let out = umpin(
        binary,
        data_dir,
        database_url,
        &[
            "shell",
            "-c",
            "Search-AdminAuditLog -Cmdlets Set-UMMailboxPolicy -UserIds helpdesk | Where-Object { -not $_.Succeeded } | Format-List",
        ],
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("Contoso Dial Plan Default Policy") && listed.contains("-MinPINLength 4"), "{listed}");
}

#[tokio::test]
async fn the_browser_tests_pass_on_sqlite_and_no_password_or_session_id_reaches_the_log_or_the_database() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    std::fs::create_dir(&mail).unwrap();
    // The messages `umpin serve` sends reach this server, which leaves them in `mail` for the suite.
    let sink = SmtpSink::start_saving_to(&mail).await;
    let smtp_port = sink.port();
    let outcome = tokio::task::spawn_blocking(move || {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let binary = umpin_binary();
        seed(&binary, dir.path(), None);
        let server = serve(&binary, dir.path(), None, smtp_port);
        let secrets_out = dir.path().join("sessions.txt");
        // The documentation's screenshots are taken again only when asked, so that a test run
        // leaves the work tree as it was.
        let screenshots = std::env::var_os("UMPIN_WEB_SCREENSHOTS")
            .map(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots"));
        if let Some(dir) = &screenshots {
            std::fs::create_dir_all(dir).unwrap();
        }
        let database = dir.path().join("umpin.db");
        let database = database.to_str().unwrap();
        let out = dir.path().join("playwright");
        run_suite(&server, database, &mail, &secrets_out, screenshots.as_deref(), &out, Suite::AdminCenter);
        assert_denial_audited(&binary, dir.path(), None);
        drop(server);
        let log = std::fs::read(dir.path().join("serve.log")).unwrap();
        let mut database = std::fs::read(dir.path().join("umpin.db")).unwrap();
        if let Ok(wal) = std::fs::read(dir.path().join("umpin.db-wal")) {
            database.extend(wal);
        }
        for secret in secrets(&secrets_out) {
            assert!(!contains(&log, secret.as_bytes()), "a secret is in the server log");
            assert!(!contains(&database, secret.as_bytes()), "a secret is in the database");
        }
    })
    .await;
    assert!(!sink.received().is_empty(), "the suite's PIN resets were mailed through SMTP");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[tokio::test]
async fn the_browser_tests_pass_on_postgresql() {
    if !browser_available() {
        return;
    }
    let url = umpin_store::testing::postgres_url();
    let mut admin = match sqlx::PgConnection::connect(&url).await {
        Ok(conn) => conn,
        Err(e) if std::env::var("UMPIN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("PostgreSQL is required but not reachable at {url}: {e}")
        }
        Err(e) => {
            eprintln!("skipping: PostgreSQL not reachable at {url}: {e}");
            return;
        }
    };
    let schema = format!("{}{}", umpin_store::testing::SCHEMA_PREFIX, uuid::Uuid::new_v4().simple());
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&mut admin).await.unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let schema_url = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    std::fs::create_dir(&mail).unwrap();
    let sink = SmtpSink::start_saving_to(&mail).await;
    let smtp_port = sink.port();
    let outcome = tokio::task::spawn_blocking(move || {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let binary = umpin_binary();
        seed(&binary, dir.path(), Some(&schema_url));
        let server = serve(&binary, dir.path(), Some(&schema_url), smtp_port);
        let secrets_out = dir.path().join("sessions.txt");
        run_suite(&server, &schema_url, &mail, &secrets_out, None, &dir.path().join("playwright"), Suite::AdminCenter);
        assert_denial_audited(&binary, dir.path(), Some(&schema_url));
        drop(server);
        let log = std::fs::read(dir.path().join("serve.log")).unwrap();
        for secret in secrets(&secrets_out) {
            assert!(!contains(&log, secret.as_bytes()), "a secret is in the server log");
        }
    })
    .await;
    sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&mut admin).await.unwrap();
    assert!(!sink.received().is_empty(), "the suite's PIN resets were mailed through SMTP");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// The directory password of the Voice Mail suite's user.
const RAVI_PASSWORD: &str = "ravi's directory password";

/// A directory for the Voice Mail suite: ravi, a member of the UM group, with a password.
fn voice_mail_directory() -> String {
    use umpin_directory::testing::{PEOPLE_DN, base_ldif};
    format!(
        "{}dn: uid=ravi,{PEOPLE_DN}\nobjectClass: inetOrgPerson\nuid: ravi\ncn: Ravi Kumar\nsn: Kumar\n\
         displayName: Ravi Kumar\nmail: ravi@contoso.com\ntelephoneNumber: +1 425 555 7813\n\
         userPassword: {RAVI_PASSWORD}\n\n\
         dn: cn=voicemail,dc=contoso,dc=com\nobjectClass: groupOfNames\ncn: voicemail\nmember: uid=ravi,{PEOPLE_DN}\n\n\
         dn: cn=umpin admins,dc=contoso,dc=com\nobjectClass: groupOfNames\ncn: umpin admins\nmember: uid=ravi,{PEOPLE_DN}\n\n",
        base_ldif()
    )
}

/// The Voice Mail page end to end: contoso.com with a real OpenLDAP directory whose UM group's
/// member, ravi, the sync UM-enabled; the suite signs him in with his directory password, resets
/// his PIN by e-mail (read from the SMTP server) and to one he chooses, and signs in on the phone
/// with each; as a member of the directory group of Organization Management, he signs in to the
/// admin center with the same password and sees that group on the Permissions page. His password and PINs reach neither the server's log nor the database.
#[tokio::test]
async fn the_voice_mail_page_signs_a_directory_user_in_and_resets_their_pin_in_the_browser() {
    if !browser_available() {
        return;
    }
    let Some(slapd) = umpin_directory::testing::Slapd::start(&voice_mail_directory()).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    std::fs::create_dir(&mail).unwrap();
    let sink = SmtpSink::start_saving_to(&mail).await;
    let smtp_port = sink.port();
    let config = slapd.config(umpin_directory::Preset::Openldap);
    let toml = format!(
        "[directory]\nurl = \"{}\"\nstarttls = false\nbind_dn = \"{}\"\nbind_password_file = \"{}\"\n\
         base_dn = \"{}\"\nsync_interval_minutes = 0\n\
         [[directory.um_groups]]\ngroup = \"cn=voicemail,dc=contoso,dc=com\"\npolicy = \"Contoso Dial Plan Default Policy\"\n\
         [[directory.role_groups]]\ngroup = \"cn=umpin admins,dc=contoso,dc=com\"\nrole_group = \"Organization Management\"\n",
        slapd.url(),
        config.bind_dn.unwrap(),
        config.bind_password_file.unwrap().display(),
        config.base_dn.unwrap(),
    );
    let outcome = tokio::task::spawn_blocking(move || {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let binary = umpin_binary();
        seed(&binary, dir.path(), None);
        std::fs::write(dir.path().join("umpin.toml"), toml).unwrap();
        umpin(&binary, dir.path(), None, &["directory", "sync"]);
        let server = serve(&binary, dir.path(), None, smtp_port);
        let secrets_out = dir.path().join("sessions.txt");
        let screenshots = std::env::var_os("UMPIN_WEB_SCREENSHOTS")
            .map(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots"));
        let database = dir.path().join("umpin.db");
        let out = dir.path().join("playwright");
        run_suite(
            &server,
            database.to_str().unwrap(),
            &mail,
            &secrets_out,
            screenshots.as_deref(),
            &out,
            Suite::VoiceMail,
        );
        drop(server);
        let log = std::fs::read(dir.path().join("serve.log")).unwrap();
        let mut database = std::fs::read(dir.path().join("umpin.db")).unwrap();
        if let Ok(wal) = std::fs::read(dir.path().join("umpin.db-wal")) {
            database.extend(wal);
        }
        let mut secrets = secrets(&secrets_out);
        secrets.push(RAVI_PASSWORD.to_owned());
        for secret in secrets {
            assert!(!contains(&log, secret.as_bytes()), "a secret is in the server log");
            assert!(!contains(&database, secret.as_bytes()), "a secret is in the database");
        }
    })
    .await;
    drop(slapd);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
