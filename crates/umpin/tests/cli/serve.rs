//! `umpin serve` end to end: the real binary on a data directory of its own, on a loopback port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{assert_fails_in_one_sentence, stderr, umpin};

/// A running `umpin serve`, stopped (SIGKILL) if the test ends without stopping it.
pub(crate) struct Serving {
    child: Child,
    /// The address it announced, such as `http://127.0.0.1:41234`.
    pub(crate) url: String,
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
            .stderr(Stdio::piped());
        for (name, value) in envs {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("umpin serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        let Some(url) = line.trim().strip_prefix("umpin serve: listening on ") else {
            let mut err = String::new();
            let _ = child.stderr.as_mut().unwrap().read_to_string(&mut err);
            let _ = child.kill();
            panic!("umpin serve didn't announce its address: {line}{err}");
        };
        Serving { url: url.to_owned(), child }
    }

    /// The `host:port` to connect to (the announced address, with 0.0.0.0 reached on loopback).
    fn address(&self) -> String {
        self.url.split_once("://").unwrap().1.replace("0.0.0.0", "127.0.0.1")
    }

    fn terminate(&self) {
        let done = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(done.success());
    }

    /// Waits for the process to end on its own; its exit code and standard error.
    fn wait(mut self, limit: Duration) -> (Option<i32>, String) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                self.child.stderr.as_mut().unwrap().read_to_string(&mut err).unwrap();
                return (status.code(), err);
            }
            assert!(started.elapsed() < limit, "umpin serve didn't stop within {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A plain-HTTP request on a fresh connection: the whole answer as text.
fn http(address: &str, request: &str) -> String {
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
