//! `umpin serve` end to end: the real binary on a data directory of its own, on a loopback port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::remote::remote;
use super::{assert_fails_in_one_sentence, shell, shell_ok, stderr, stdout, umpin};

/// A running `umpin serve`, stopped (SIGKILL) if the test ends without stopping it.
pub(crate) struct Serving {
    child: Child,
    /// The address it announced, such as `http://127.0.0.1:41234`.
    pub(crate) url: String,
    /// Its standard error (the log), in a file so that it can be read while it runs.
    log: tempfile::NamedTempFile,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serving {
    /// Starts `umpin serve` on an initialised data directory and waits for its address.
    pub(crate) fn start(data_dir: &Path, envs: &[(&str, &str)]) -> Serving {
        let init = umpin(data_dir, &["init"]);
        assert!(init.status.success(), "{}", stderr(&init));
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_umpin"));
        command
            .arg("--data-dir")
            .arg(data_dir)
            .arg("serve")
            .env_remove("UMPIN_DATABASE_URL")
            .env_remove("UMPIN_CONFIG")
            .env_remove("UMPIN_KEY_FILE")
            .env_remove("UMPIN_LOG")
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap());
        for (name, value) in envs {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("umpin serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        let Some(url) = line.trim().strip_prefix("umpin serve: listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("umpin serve didn't announce its address: {line}{}", std::fs::read_to_string(log.path()).unwrap());
        };
        Serving { url: url.to_owned(), child, log }
    }

    /// What it has logged so far.
    pub(crate) fn logs(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap()
    }

    /// Waits until a line of its log contains `text`, and returns that line.
    pub(crate) fn wait_for_log(&self, text: &str, limit: Duration) -> String {
        let started = Instant::now();
        loop {
            if let Some(line) = self.logs().lines().find(|l| l.contains(text)) {
                return line.to_owned();
            }
            assert!(started.elapsed() < limit, "umpin serve didn't log {text:?} within {limit:?}: {}", self.logs());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends it a signal, such as `HUP`.
    pub(crate) fn signal(&self, name: &str) {
        let sent = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success());
    }

    /// The `host:port` to connect to (the announced address, with 0.0.0.0 reached on loopback).
    fn address(&self) -> String {
        self.url.split_once("://").unwrap().1.replace("0.0.0.0", "127.0.0.1")
    }

    pub(crate) fn terminate(&self) {
        self.signal("TERM");
    }

    /// Waits for the process to end on its own; its exit code and standard error.
    pub(crate) fn wait(mut self, limit: Duration) -> (Option<i32>, String) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), self.logs());
            }
            assert!(started.elapsed() < limit, "umpin serve didn't stop within {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A plain-HTTP request on a fresh connection: the whole answer as text.
pub(crate) fn http(address: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn get(address: &str, path: &str) -> String {
    http(address, &format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"))
}

#[test]
fn serve_listens_where_the_environment_says_answers_healthz_and_logs_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        Serving::start(dir.path(), &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0"), ("UMPIN_SERVER__LOG_FORMAT", "json")]);
    assert!(server.url.starts_with("http://127.0.0.1:"), "{}", server.url);
    let health = get(&server.address(), "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with(r#"{"status":"ok"}"#), "{health}");
    server.terminate();
    let (code, logs) = server.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{logs}");
    let request_log = logs.lines().find(|l| l.contains("/healthz")).unwrap_or_else(|| panic!("no request log: {logs}"));
    let line: serde_json::Value = serde_json::from_str(request_log).expect("a JSON log line");
    assert!(line["span"]["route"] == "/healthz" || line["spans"].is_array(), "{request_log}");
}

#[test]
fn serve_refuses_plain_http_on_an_address_beyond_loopback_and_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    let refused = umpin(dir.path(), &["serve", "--listen", "0.0.0.0:0"]);
    assert_fails_in_one_sentence(&refused, "tls_certificate");
    assert!(stderr(&refused).contains("allow_plain_http = true"), "{}", stderr(&refused));
}

#[test]
fn serve_speaks_tls_with_the_certificate_of_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let (certificate, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
    std::fs::write(&certificate, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let config = format!(
        "[server]\nlisten = \"0.0.0.0:0\"\ntls_certificate = {:?}\ntls_key = {:?}\n",
        certificate.display().to_string(),
        key.display().to_string()
    );
    std::fs::write(dir.path().join("umpin.toml"), config).unwrap();
    let server = Serving::start(dir.path(), &[]);
    assert!(server.url.starts_with("https://0.0.0.0:"), "{}", server.url);
    let address = server.address();

    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(made.cert.der().clone()).unwrap();
    let tls = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    let client = reqwest::Client::builder().tls_backend_preconfigured(tls).build().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (status, body) = runtime.block_on(async {
        let response = client.get(format!("https://{address}/healthz")).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    });
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let plain = TcpStream::connect(&address).and_then(|mut s| {
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        s.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())?;
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        Ok(answer)
    });
    assert!(!plain.unwrap_or_default().starts_with(b"HTTP/1.1 200"), "plain HTTP was answered on the TLS port");
}

#[test]
fn sigterm_lets_the_request_in_progress_finish_and_exits_with_0() {
    let dir = tempfile::tempdir().unwrap();
    let server = Serving::start(dir.path(), &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0")]);
    let address = server.address();
    let body = r#"{"username": "nobody", "password": "not the right one"}"#;
    let (first, rest) = body.split_at(20);
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The request is in progress (its handler waits for the rest of the body) when SIGTERM comes.
    std::thread::sleep(Duration::from_millis(500));
    server.terminate();
    std::thread::sleep(Duration::from_millis(500));
    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("https://umpin.dev/problems/not-authenticated"), "{answer}");
    let (code, logs) = server.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{logs}");
}

#[test]
fn serve_refuses_a_trusted_proxy_that_isnt_an_address_or_a_range_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    let config = "[server]\nlisten = \"127.0.0.1:0\"\ntrusted_proxies = [\"192.0.2.1\", \"10.1.2.3/8\"]\n";
    std::fs::write(dir.path().join("umpin.toml"), config).unwrap();
    let refused = umpin(dir.path(), &["serve"]);
    assert_fails_in_one_sentence(&refused, "The entry '10.1.2.3/8' of trusted_proxies");
    assert!(stderr(&refused).contains("write the range as 10.0.0.0/8"), "{}", stderr(&refused));
}

#[test]
fn serve_takes_the_callers_address_from_a_trusted_proxy_named_in_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let server = Serving::start(
        dir.path(),
        &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0"), ("UMPIN_SERVER__TRUSTED_PROXIES", "[192.0.2.1, 127.0.0.1]")],
    );
    let address = server.address();
    let body = r#"{"username": "nobody", "password": "not the right one"}"#;
    let answer = http(
        &address,
        &format!(
            "POST /api/v1/auth/token HTTP/1.1\r\nHost: {address}\r\nX-Forwarded-For: 203.0.113.7\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    server.terminate();
    let (code, logs) = server.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{logs}");
    let failed = logs.lines().find(|l| l.contains("sign-in failed")).unwrap_or_else(|| panic!("{logs}"));
    assert!(failed.contains("203.0.113.7"), "the forwarded caller is the source: {failed}");
}

#[test]
fn serve_deletes_the_expired_sign_in_tokens_when_it_starts() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    assert!(umpin(dir.path(), &["init"]).status.success());
    let url = format!("sqlite://{}", dir.path().join("umpin.db").display());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let tokens = || {
        runtime.block_on(async {
            let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let digests: Vec<(Vec<u8>,)> =
                sqlx::query_as("SELECT digest FROM api_tokens ORDER BY digest").fetch_all(&mut db).await.unwrap();
            digests.into_iter().map(|(d,)| d).collect::<Vec<_>>()
        })
    };
    runtime.block_on(async {
        let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let (admin,): (String,) =
            sqlx::query_as("SELECT guid FROM management_accounts").fetch_one(&mut db).await.unwrap();
        // Expired an hour ago, and good for another hour (times in microseconds).
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as i64;
        let hour = 3_600_000_000;
        for (digest, expires_at) in [(vec![1u8; 32], now - hour), (vec![2u8; 32], now + hour)] {
            sqlx::query("INSERT INTO api_tokens (digest, account, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(digest)
                .bind(&admin)
                .bind(expires_at - 8 * hour)
                .bind(expires_at)
                .execute(&mut db)
                .await
                .unwrap();
        }
    });
    assert_eq!(tokens().len(), 2);
    let _server = Serving::start(dir.path(), &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0")]);
    let started = Instant::now();
    while tokens().len() > 1 {
        assert!(started.elapsed() < Duration::from_secs(30), "the expired token is still there");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(tokens(), [vec![2u8; 32]], "the token still valid stays");
}

#[test]
fn serve_writes_signed_audit_checkpoints_that_test_admin_audit_log_checks_the_log_against() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit-checkpoints");
    let server = Serving::start(
        dir.path(),
        &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0"), ("UMPIN_SERVER__AUDIT_CHECKPOINT_FILE", file.to_str().unwrap())],
    );
    let logged = server.wait_for_log("umpin-audit-checkpoint", Duration::from_secs(30));
    server.terminate();
    let (code, _) = server.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0));
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.starts_with("umpin-audit-checkpoint seq=2 link="), "{written}");
    let line = &logged[logged.find("umpin-audit-checkpoint").unwrap()..];
    assert!(
        written.contains(line.split_whitespace().nth(2).unwrap()),
        "the log and the file hold the same checkpoint: {logged}"
    );
    for checkpoint in [file.display().to_string(), written.trim().to_owned()] {
        let out = shell_ok(dir.path(), &format!("Test-AdminAuditLog -Checkpoint '{checkpoint}' | Format-List IsValid"));
        assert!(out.contains("True"), "{checkpoint}: {out}");
    }
    let forged = written.trim().replace("seq=2 ", "seq=1 ");
    let refused = shell(dir.path(), &format!("Test-AdminAuditLog -Checkpoint '{forged}'"));
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("signature doesn't hold"), "{}", stderr(&refused));
}

const ADMIN_PASSWORD: &str = "org admin password 1";
const VOICE_PASSWORD: &str = "voice access password 1";

/// The demo organisation with an Organization Management account `orgadmin` and a Voice Access
/// account `ivr`, served on loopback with JSON logs.
fn served_demo_with_accounts(dir: &Path) -> Serving {
    assert!(umpin(dir, &["demo", "--no-serve"]).status.success());
    shell_ok(
        dir,
        &format!(
            "New-ManagementAccount orgadmin -Password '{ADMIN_PASSWORD}'; \
             Add-RoleGroupMember 'Organization Management' -Member orgadmin; \
             New-ManagementAccount ivr -Password '{VOICE_PASSWORD}'; Add-RoleGroupMember 'Voice Access' -Member ivr"
        ),
    );
    Serving::start(dir, &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0"), ("UMPIN_SERVER__LOG_FORMAT", "json")])
}

/// The fields of a JSON log line, each as text: `{"message": …, "current": "2", …}`.
fn log_fields(line: &str) -> std::collections::BTreeMap<String, String> {
    let parsed: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
    let fields = parsed["fields"].as_object().unwrap_or_else(|| panic!("no fields: {line}"));
    fields
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().map_or_else(|| value.to_string(), str::to_owned)))
        .collect()
}

/// `umpin keys rotate` on the data directory, while the server runs.
fn rotate_keys(dir: &Path) {
    let rotated = umpin(dir, &["keys", "rotate"]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
}

/// A JSON request on a fresh connection: the status and the JSON body (`null` when there is none).
fn json_request(address: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let headers: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    let answer = http(
        address,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("{answer}"));
    let (_, content) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("{answer}"));
    (status, if content.is_empty() { Value::Null } else { serde_json::from_str(content).unwrap() })
}

/// A sign-in token of a management account.
fn token(address: &str, username: &str, password: &str) -> String {
    let (status, issued) =
        json_request(address, "POST", "/api/v1/auth/token", &[], &json!({"username": username, "password": password}));
    assert_eq!(status, 200, "{issued}");
    format!("Bearer {}", issued["token"].as_str().unwrap())
}

/// A call on the demo dial plan in which a caller signs in: the call's id and the answer.
fn phone_sign_in(address: &str, bearer: &str, extension: &str, pin: &str) -> (String, Value) {
    let auth = [("Authorization", bearer)];
    let (status, call) =
        json_request(address, "POST", "/api/v1/voice/calls", &auth, &json!({"dialPlan": "Contoso Dial Plan"}));
    assert_eq!(status, 201, "{call}");
    let call = call["callId"].as_str().unwrap().to_owned();
    let on_call = [("Authorization", bearer), ("Umpin-Call", call.as_str())];
    let sign_in = json!({"extension": extension, "pin": pin});
    let (status, answer) = json_request(address, "POST", "/api/v1/voice/call/sign-in", &on_call, &sign_in);
    assert_eq!(status, 200, "{answer}");
    (call, answer)
}

/// The secrets of the key file, in hexadecimal.
fn key_secrets(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("umpin.key")).unwrap();
    text.lines().filter_map(|l| l.strip_prefix("key ")).map(|l| l.split(' ').nth(1).unwrap().to_owned()).collect()
}

/// The id of the key that a mailbox's PIN data is sealed under, read from the SQLite database.
fn sealed_pin_key_id(dir: &Path, address: &str) -> u32 {
    use sqlx::Connection;
    let url = format!("sqlite://{}", dir.join("umpin.db").display());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (sealed,): (Vec<u8>,) = runtime.block_on(async {
        let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_as(
            "SELECT p.sealed_pin FROM pins p JOIN mailboxes m ON m.guid = p.mailbox WHERE m.primary_smtp_address = $1",
        )
        .bind(address)
        .fetch_one(&mut db)
        .await
        .unwrap()
    });
    u32::from_be_bytes(sealed[1..5].try_into().unwrap())
}

#[test]
fn a_running_server_opens_pins_passwords_audit_records_and_history_under_keys_rotated_while_it_serves() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let server = served_demo_with_accounts(dir.path());
    let address = server.address();
    let orgadmin =
        |password: &str, pipeline: &str| remote(&server.url, "orgadmin", Some(password), config.path(), pipeline);
    // Signed in before any rotation: the tokens hold no key.
    let ivr = token(&address, "ivr", VOICE_PASSWORD);
    assert!(orgadmin(ADMIN_PASSWORD, "Get-UMDialPlan").status.success());

    // Key 2, under which `keys rotate` re-seals every PIN: callers sign in and change their PIN,
    // and an administrator resets one.
    rotate_keys(dir.path());
    let (call, answer) = phone_sign_in(&address, &ivr, "52345", "4718263");
    assert_eq!(answer["outcome"], "signedIn", "{answer}");
    let on_call = [("Authorization", ivr.as_str()), ("Umpin-Call", call.as_str())];
    let change = json!({"newPin": "5290461", "confirmPin": "5290461"});
    assert_eq!(json_request(&address, "POST", "/api/v1/voice/call/pin", &on_call, &change).0, 204);
    assert_eq!(phone_sign_in(&address, &ivr, "52345", "5290461").1["outcome"], "signedIn");
    let reset = orgadmin(ADMIN_PASSWORD, "Set-UMMailboxPIN tony@contoso.com -Pin 1985848");
    assert!(reset.status.success(), "{}", stderr(&reset));
    assert_eq!(phone_sign_in(&address, &ivr, "51234", "1985848").1["outcome"], "signedIn");

    // Key 3: a management password set under it (which revokes the kept token).
    rotate_keys(dir.path());
    shell_ok(dir.path(), "Set-ManagementAccount orgadmin -Password 'org admin password 2'");
    let signed_in = orgadmin("org admin password 2", "Get-UMDialPlan");
    assert!(signed_in.status.success(), "{}", stderr(&signed_in));

    // Key 4: audit records linked under it (a read of PIN information is audited).
    rotate_keys(dir.path());
    shell_ok(dir.path(), "Get-UMMailboxPIN tony@contoso.com");
    let checked = orgadmin("org admin password 2", "Test-AdminAuditLog | Format-List IsValid");
    assert!(stdout(&checked).contains("True"), "{}{}", stdout(&checked), stderr(&checked));

    // Key 5: a PIN history entry made under it still refuses that PIN.
    rotate_keys(dir.path());
    shell_ok(dir.path(), "Set-UMMailboxPIN tony@contoso.com -Pin 3816527");
    let repeated = orgadmin("org admin password 2", "Set-UMMailboxPIN tony@contoso.com -Pin 3816527");
    assert!(!repeated.status.success());
    assert!(stderr(&repeated).contains("The PIN was used recently"), "{}", stderr(&repeated));

    // The same process throughout; it read the key file once per rotation, when it first met
    // data under the new key, and logged key ids, never a key.
    let logs = server.logs();
    let reads: Vec<&str> = logs.lines().filter(|l| l.contains("read the key file again for a key")).collect();
    assert_eq!(reads.len(), 4, "{logs}");
    for (read, id) in reads.iter().zip(2..) {
        let fields = log_fields(read);
        assert_eq!(
            (fields["wanted"].as_str(), fields["current"].as_str()),
            (id.to_string().as_str(), id.to_string().as_str()),
            "{read}"
        );
    }
    for secret in key_secrets(dir.path()) {
        assert!(!logs.contains(&secret[..16]), "a key reached the log");
    }
    server.terminate();
    let (code, logs) = server.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{logs}");
}

#[test]
fn sighup_makes_a_running_server_seal_new_pins_under_the_rotated_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let server = served_demo_with_accounts(dir.path());
    let address = server.address();
    let ivr = token(&address, "ivr", VOICE_PASSWORD);
    let signed_in = remote(&server.url, "orgadmin", Some(ADMIN_PASSWORD), config.path(), "Get-UMDialPlan");
    assert!(signed_in.status.success(), "{}", stderr(&signed_in));
    rotate_keys(dir.path());
    server.signal("HUP");
    let reloaded = server.wait_for_log("SIGHUP: read the key file again", Duration::from_secs(30));
    let fields = log_fields(&reloaded);
    assert_eq!((fields["current"].as_str(), fields["keys"].as_str()), ("2", "1, 2"), "{reloaded}");
    // Nothing the server opens here is under key 2: without SIGHUP it would seal under key 1.
    let reset = remote(&server.url, "orgadmin", None, config.path(), "Set-UMMailboxPIN tony@contoso.com -Pin 1985848");
    assert!(reset.status.success(), "{}", stderr(&reset));
    assert_eq!(sealed_pin_key_id(dir.path(), "tony@contoso.com"), 2);
    assert_eq!(phone_sign_in(&address, &ivr, "51234", "1985848").1["outcome"], "signedIn");
    let logs = server.logs();
    for secret in key_secrets(dir.path()) {
        assert!(!logs.contains(&secret[..16]), "a key reached the log");
    }
    server.terminate();
    let (code, logs) = server.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{logs}");
}

/// A plain-HTTP request on a fresh connection, `None` when the server can't be reached or goes
/// away before the whole answer came.
fn try_http(address: &str, request: &str) -> Option<String> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// `umpin serve` killed (SIGKILL) while PIN reads pour in: every read it answered has its record
/// in the admin audit log (a read is answered only once its record is durable), and the chain
/// holds.
#[test]
fn every_pin_read_answered_before_the_server_is_killed_has_its_audit_record() {
    let dir = tempfile::tempdir().unwrap();
    assert_every_read_answered_before_a_kill_is_recorded(dir.path());
}

/// The same on PostgreSQL, which the data directory's `umpin.toml` names for every command.
#[tokio::test]
async fn every_pin_read_answered_before_the_server_is_killed_has_its_audit_record_on_postgresql() {
    use sqlx::AssertSqlSafe;
    let Some((mut admin, schema, database)) = super::postgres_schema().await else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("umpin.toml"), format!("database_url = '{database}'\n")).unwrap();
    assert_every_read_answered_before_a_kill_is_recorded(dir.path());
    assert!(!dir.path().join("umpin.db").exists(), "the reads went to PostgreSQL, not to a SQLite file");
    sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&mut admin).await.unwrap();
}

/// Serves the demo organisation from `dir`, reads tony's PIN information from eight clients at
/// once until 100 reads were answered, kills the server, and checks that the audit log has a
/// record of every answered read and that its chain holds.
fn assert_every_read_answered_before_a_kill_is_recorded(dir: &Path) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let server = served_demo_with_accounts(dir);
    let address = server.address();
    let bearer = token(&address, "orgadmin", ADMIN_PASSWORD);
    let answered = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let (address, bearer, answered) = (address.clone(), bearer.clone(), answered.clone());
            std::thread::spawn(move || {
                let request = format!(
                    "GET /api/v1/mailboxes/tony@contoso.com/um/pin HTTP/1.1\r\nHost: {address}\r\n\
                     Authorization: {bearer}\r\nConnection: close\r\n\r\n"
                );
                while let Some(answer) = try_http(&address, &request) {
                    if answer.starts_with("HTTP/1.1 200") {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while answered.load(Ordering::SeqCst) < 100 {
        assert!(started.elapsed() < Duration::from_secs(60), "the reads weren't answered: {}", server.logs());
        std::thread::sleep(Duration::from_millis(5));
    }
    server.signal("KILL");
    for reader in readers {
        reader.join().unwrap();
    }
    let answered = answered.load(Ordering::SeqCst);
    let recorded = shell_ok(
        dir,
        "(Search-AdminAuditLog -Cmdlets Get-UMMailboxPIN -UserIds orgadmin -ResultSize Unlimited | Measure-Object).Count",
    );
    let recorded: usize = recorded.trim().parse().unwrap_or_else(|_| panic!("not a count: {recorded}"));
    assert!(recorded >= answered, "{answered} reads answered, {recorded} recorded");
    let check = shell_ok(dir, "Test-AdminAuditLog | Format-List IsValid");
    assert!(check.contains("True"), "{check}");
}
