//! `umpin shell --server`: the real shell against the real server, signed in as management
//! accounts of different role groups.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use super::serve::Serving;
use super::{assert_fails_in_one_sentence, mode, shell_ok, stderr, stdout, umpin};

const UM_ADMIN_PASSWORD: &str = "um admin password 1";
const HELP_DESK_PASSWORD: &str = "help desk password 1";
const VOICE_PASSWORD: &str = "voice access password 1";

/// `umpin shell --server URL --user USER -c PIPELINE`, with the password in `UMPIN_PASSWORD` when
/// given and the token kept under `config_home`.
pub(crate) fn remote(url: &str, user: &str, password: Option<&str>, config_home: &Path, pipeline: &str) -> Output {
    remote_trusting(None, url, user, password, config_home, pipeline)
}

/// [`remote`], with `--ca-file ca_file` when given.
fn remote_trusting(
    ca_file: Option<&Path>,
    url: &str,
    user: &str,
    password: Option<&str>,
    config_home: &Path,
    pipeline: &str,
) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_umpin"));
    command.args(["shell", "--server", url, "--user", user, "-c", pipeline]);
    if let Some(file) = ca_file {
        command.arg("--ca-file").arg(file);
    }
    command
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("UMPIN_PASSWORD")
        .env_remove("UMPIN_LOG")
        .stdin(std::process::Stdio::null());
    if let Some(p) = password {
        command.env("UMPIN_PASSWORD", p);
    }
    command.output().unwrap()
}

/// The demo organisation with a UM Management and a Help Desk account, served on loopback.
fn served_demo(dir: &Path) -> Serving {
    assert!(umpin(dir, &["demo", "--no-serve"]).status.success());
    shell_ok(dir, &format!("New-ManagementAccount umadmin -Password '{UM_ADMIN_PASSWORD}'"));
    shell_ok(dir, "Add-RoleGroupMember 'UM Management' -Member umadmin");
    shell_ok(dir, &format!("New-ManagementAccount helpdesk1 -Password '{HELP_DESK_PASSWORD}'"));
    shell_ok(dir, "Add-RoleGroupMember 'Help Desk' -Member helpdesk1");
    Serving::start(dir, &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0")])
}

#[test]
fn the_remote_shell_prints_what_the_local_shell_prints() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let server = served_demo(dir.path());
    for pipeline in [
        "Get-UMMailboxPIN",
        "Get-UMMailbox | Format-List",
        "Get-UMMailboxPIN | Where-Object LockedOut | Select-Object UserID, FailedLogonCount",
        "Get-UMMailboxPIN -ResultSize 2",
        "Get-UMMailboxPIN | ConvertTo-Json",
    ] {
        let local = umpin(dir.path(), &["shell", "-c", pipeline]);
        let remote = remote(&server.url, "umadmin", Some(UM_ADMIN_PASSWORD), config.path(), pipeline);
        assert!(remote.status.success(), "{pipeline}: {}", stderr(&remote));
        assert_eq!(stdout(&remote), stdout(&local), "{pipeline}");
        assert_eq!(stderr(&remote), stderr(&local), "{pipeline}");
    }
}

#[test]
fn the_remote_shell_acts_under_the_accounts_role_groups_and_is_audited_as_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let server = served_demo(dir.path());
    let typed = remote(
        &server.url,
        "helpdesk1",
        Some(HELP_DESK_PASSWORD),
        config.path(),
        "Set-UMMailboxPIN tony@contoso.com -Pin 1985848",
    );
    assert!(!typed.status.success());
    assert!(
        stderr(&typed)
            .contains("Set-UMMailboxPIN : The account 'helpdesk1' doesn't have the permission 'Set-UMMailboxPIN -Pin'"),
        "{}",
        stderr(&typed)
    );
    let unlock = remote(
        &server.url,
        "helpdesk1",
        Some(HELP_DESK_PASSWORD),
        config.path(),
        "Get-UMMailboxPIN | Where-Object LockedOut | Set-UMMailboxPIN -LockedOut $false",
    );
    assert!(unlock.status.success(), "{}", stderr(&unlock));
    let locked = shell_ok(dir.path(), "Get-UMMailboxPIN | Where-Object LockedOut | Measure-Object");
    assert!(locked.contains("Count : 0"), "{locked}");
    let audit = shell_ok(dir.path(), "Search-AdminAuditLog -UserIds helpdesk1 | Format-List");
    assert!(audit.contains("ClientAddress    : 127.0.0.1") && audit.contains("-Pin ***"), "{audit}");
    assert!(!audit.contains("1985848"), "{audit}");
}

#[test]
fn the_remote_shell_keeps_its_token_private_and_signs_in_again_when_it_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let server = served_demo(dir.path());
    let first = remote(&server.url, "umadmin", Some(UM_ADMIN_PASSWORD), config.path(), "Get-UMDialPlan");
    assert!(first.status.success(), "{}", stderr(&first));
    let kept: Vec<_> = std::fs::read_dir(config.path().join("umpin")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(mode(&kept[0]), 0o600);
    assert_eq!(std::fs::metadata(config.path().join("umpin")).unwrap().permissions().mode() & 0o777, 0o700);
    let again = remote(&server.url, "umadmin", None, config.path(), "Get-UMDialPlan");
    assert!(again.status.success(), "the kept token serves without a password: {}", stderr(&again));
    // A new password revokes the account's tokens: the kept one is refused, and without a
    // password the shell can't sign in again.
    shell_ok(dir.path(), "Set-ManagementAccount umadmin -Password 'another password 2'");
    let refused = remote(&server.url, "umadmin", None, config.path(), "Get-UMDialPlan");
    assert!(!refused.status.success());
    let renewed = remote(&server.url, "umadmin", Some("another password 2"), config.path(), "Get-UMDialPlan");
    assert!(renewed.status.success(), "{}", stderr(&renewed));
    let wrong = remote(&server.url, "nobody", Some("not a password at all"), config.path(), "Get-UMDialPlan");
    assert!(stderr(&wrong).contains("user name or password is wrong"), "{}", stderr(&wrong));
}

#[test]
fn the_demo_serves_contoso_prints_a_working_account_and_mails_to_its_pickup_directory() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut demo = std::process::Command::new(env!("CARGO_BIN_EXE_umpin"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env_remove("UMPIN_LOG")
        .env_remove("UMPIN_CONFIG")
        .env_remove("UMPIN_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    let (mut url, mut password, mut phone) = (None, None, None);
    while url.is_none() || password.is_none() || phone.is_none() {
        let line = lines.next().expect("the demo announces its address, account and phone").unwrap();
        if let Some(rest) = line.strip_prefix("Serving contoso.com on ") {
            url = rest.split_whitespace().next().map(str::to_owned);
        }
        if let Some(rest) = line.trim().strip_prefix("Password: ") {
            password = rest.split_whitespace().next().map(str::to_owned);
        }
        // `Phone: <umpin as it runs from here> phone --server …`: the arguments after the program.
        if let Some(rest) = line.trim().strip_prefix("Phone: ") {
            phone = Some(rest.split_whitespace().skip(1).map(str::to_owned).collect::<Vec<_>>());
        }
    }
    let (url, password, phone) = (url.unwrap(), password.unwrap(), phone.unwrap());
    let reset = remote(&url, "admin", Some(&password), config.path(), "Set-UMMailboxPIN tony@contoso.com -Pin 1985848");
    assert!(reset.status.success(), "{}", stderr(&reset));
    let mail = dir.path().join("mail");
    assert_eq!(mode(&mail), 0o700);
    let started = std::time::Instant::now();
    let delivered = loop {
        let found = std::fs::read_dir(&mail)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .find(|m| m.contains("1985848"));
        if let Some(m) = found {
            break m;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the reset message wasn't delivered");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(delivered.contains("To: tony@contoso.com"), "{delivered}");
    // The phone command the demo printed reaches Tony's mailbox with that PIN.
    let mut call = std::process::Command::new(env!("CARGO_BIN_EXE_umpin"))
        .args(&phone)
        .env("UMPIN_PASSWORD", &password)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut call.stdin.take().unwrap(), b"51234#\n1985848#\n").unwrap();
    let called = call.wait_with_output().unwrap();
    assert!(called.status.success() && stdout(&called).contains("You are signed in."), "{}", stdout(&called));
    let stopped = std::process::Command::new("kill").args(["-TERM", &demo.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    assert_eq!(demo.wait().unwrap().code(), Some(0));
}

#[tokio::test]
async fn two_servers_on_one_postgresql_database_see_each_others_changes_and_keep_the_lockout_exact() {
    use sqlx::AssertSqlSafe;
    let Some((mut admin, schema, database)) = super::postgres_schema().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let on_postgres = |args: &[&str]| {
        let mut all = vec!["--database-url", database.as_str()];
        all.extend_from_slice(args);
        let out = umpin(dir.path(), &all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    on_postgres(&["demo", "--no-serve"]);
    let pipeline = format!(
        "New-ManagementAccount umadmin -Password '{UM_ADMIN_PASSWORD}'; Add-RoleGroupMember 'Organization Management' -Member umadmin; \
         New-ManagementAccount ivr -Password '{VOICE_PASSWORD}'; Add-RoleGroupMember 'Voice Access' -Member ivr"
    );
    on_postgres(&["shell", "-c", &pipeline]);
    let env = [("UMPIN_SERVER__LISTEN", "127.0.0.1:0"), ("UMPIN_DATABASE_URL", database.as_str())];
    let (one, two) = (Serving::start(dir.path(), &env), Serving::start(dir.path(), &env));
    let run = |server: &Serving, pipeline: &str| {
        let out = remote(&server.url, "umadmin", Some(UM_ADMIN_PASSWORD), config.path(), pipeline);
        assert!(out.status.success(), "{pipeline}: {}", stderr(&out));
        stdout(&out)
    };
    run(&one, "Set-UMMailboxPIN tony@contoso.com -LockedOut $true");
    assert!(run(&two, "Get-UMMailboxPIN tony@contoso.com | Format-List LockedOut").contains("True"));
    run(&two, "Set-UMMailboxPIN tony@contoso.com -LockedOut $false");
    assert!(run(&one, "Get-UMMailboxPIN tony@contoso.com | Format-List LockedOut").contains("False"));
    // The token the first server issued serves on the second as well (one database of tokens).
    let kept = remote(&two.url, "umadmin", None, config.path(), "Get-UMDialPlan");
    assert!(kept.status.success(), "{}", stderr(&kept));
    let audit = run(&one, "Search-AdminAuditLog -Cmdlets Set-UMMailboxPIN -UserIds umadmin | Measure-Object");
    assert!(audit.contains("Count : 2"), "{audit}");
    assert!(run(&two, "Test-AdminAuditLog | Format-List IsValid").contains("True"));

    // A telephony front end enters 200 wrong PINs for tony, one per call, spread over both
    // servers at once: exactly MaxLogonAttempts (15) are evaluated, the other 185 find the
    // mailbox locked out.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let sign_in = json!({"username": "ivr", "password": VOICE_PASSWORD});
    let token: Value =
        http.post(format!("{}/api/v1/auth/token", one.url)).json(&sign_in).send().await.unwrap().json().await.unwrap();
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    let attempts: Vec<_> = (0..200)
        .map(|i| {
            let base = if i % 2 == 0 { one.url.clone() } else { two.url.clone() };
            let (http, bearer) = (http.clone(), bearer.clone());
            tokio::spawn(async move {
                let post = |path: &str, call: Option<&str>, body: Value| {
                    let mut request = http.post(format!("{base}{path}")).header("Authorization", &bearer).json(&body);
                    if let Some(call) = call {
                        request = request.header("Umpin-Call", call);
                    }
                    async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
                };
                let call = post("/api/v1/voice/calls", None, json!({"dialPlan": "Contoso Dial Plan"})).await;
                let pin = json!({"extension": "51234", "pin": "1111112"});
                let answer = post("/api/v1/voice/call/sign-in", call["callId"].as_str(), pin).await;
                answer["outcome"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for attempt in attempts {
        outcomes.push(attempt.await.unwrap());
    }
    let wrong = outcomes.iter().filter(|o| *o == "wrongPin").count();
    let locked = outcomes.iter().filter(|o| *o == "lockedOut").count();
    assert_eq!((wrong, locked), (15, 185), "{outcomes:?}");
    for server in [&one, &two] {
        let shown = run(server, "Get-UMMailboxPIN tony@contoso.com | Format-List LockedOut,FailedLogonCount");
        assert!(shown.contains("True") && shown.contains("15"), "{shown}");
    }
    drop((one, two));
    sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&mut admin).await.unwrap();
}

#[test]
fn the_remote_shell_never_sends_a_password_over_plain_http_beyond_this_machine() {
    let config = tempfile::tempdir().unwrap();
    let refused =
        remote("http://192.0.2.10:8080", "admin", Some("a long enough password"), config.path(), "Get-UMDialPlan");
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("use https://"), "{}", stderr(&refused));
    let not_a_url = remote("ftp://example.com", "admin", Some("x"), config.path(), "Get-UMDialPlan");
    assert!(stderr(&not_a_url).contains("isn't a URL"), "{}", stderr(&not_a_url));
}

/// A certificate authority of the test's own and a certificate for 127.0.0.1 that it issued: the
/// authority's certificate, the server's certificate and the server's key, in PEM.
fn private_certificate_authority() -> (String, String, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let mut authority = CertificateParams::new(Vec::<String>::new()).unwrap();
    authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    authority.distinguished_name.push(DnType::CommonName, "Contoso test certificate authority");
    authority.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::CrlSign];
    let authority_key = KeyPair::generate().unwrap();
    let authority_certificate = authority.self_signed(&authority_key).unwrap();
    let issuer = Issuer::new(authority, authority_key);
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate().unwrap();
    let server_certificate = server.signed_by(&server_key, &issuer).unwrap();
    (authority_certificate.pem(), server_certificate.pem(), server_key.serialize_pem())
}

#[test]
fn the_remote_shell_trusts_a_private_certificate_authority_given_with_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let (authority, certificate, key) = private_certificate_authority();
    let (authority_file, certificate_file, key_file) =
        (files.path().join("ca.pem"), files.path().join("server.crt"), files.path().join("server.key"));
    std::fs::write(&authority_file, authority).unwrap();
    std::fs::write(&certificate_file, certificate).unwrap();
    std::fs::write(&key_file, key).unwrap();
    let toml = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\ntls_certificate = {:?}\ntls_key = {:?}\n",
        certificate_file.display().to_string(),
        key_file.display().to_string()
    );
    std::fs::write(dir.path().join("umpin.toml"), toml).unwrap();
    assert!(umpin(dir.path(), &["demo", "--no-serve"]).status.success());
    shell_ok(dir.path(), &format!("New-ManagementAccount umadmin -Password '{UM_ADMIN_PASSWORD}'"));
    shell_ok(dir.path(), "Add-RoleGroupMember 'UM Management' -Member umadmin");
    let server = Serving::start(dir.path(), &[]);
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);

    let untrusted = remote(&server.url, "umadmin", Some(UM_ADMIN_PASSWORD), config.path(), "Get-UMDialPlan");
    assert_fails_in_one_sentence(&untrusted, "give that authority's certificate (PEM) with --ca-file PATH");
    let names = "Get-UMDialPlan | Select-Object -ExpandProperty Name";
    let trusted =
        remote_trusting(Some(&authority_file), &server.url, "umadmin", Some(UM_ADMIN_PASSWORD), config.path(), names);
    assert!(trusted.status.success(), "{}", stderr(&trusted));
    assert!(!stdout(&trusted).trim().is_empty());
    assert_eq!(stdout(&trusted), shell_ok(dir.path(), names));
}

#[test]
fn the_remote_shell_refuses_a_ca_file_it_cant_read_or_that_holds_no_certificate_naming_the_file() {
    let config = tempfile::tempdir().unwrap();
    let run = |file: &Path| {
        let password = Some("a long enough password");
        remote_trusting(Some(file), "https://127.0.0.1:9", "admin", password, config.path(), "Get-UMDialPlan")
    };
    let missing = config.path().join("missing.pem");
    assert_fails_in_one_sentence(&run(&missing), &format!("The certificate file {} can't be read", missing.display()));
    let text = config.path().join("notes.pem");
    std::fs::write(&text, "not a certificate\n").unwrap();
    assert_fails_in_one_sentence(
        &run(&text),
        &format!("The certificate file {} holds no PEM certificate", text.display()),
    );
    let broken = config.path().join("broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap();
    let refused = run(&broken);
    assert_fails_in_one_sentence(
        &refused,
        &format!("The certificate file {} holds a certificate that can't", broken.display()),
    );
}
