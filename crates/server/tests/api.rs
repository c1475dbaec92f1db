//! The HTTP API end to end: a real server on a loopback port, over a service on a fresh database,
//! every case once on SQLite and once on PostgreSQL (`sqlite::<case>` and `postgres::<case>`).
//! Requests go through reqwest (or a raw TCP stream where reqwest can't send what the case
//! needs); log lines of the whole test process are captured, so that a case can prove a PIN
//! never reaches them. The rules of trusted proxies run without a server, once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use secrecy::SecretString;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use umpin_catalogue::cmdlets::{NewMailbox, SearchAdminAuditLog, create_first_administrator};
use umpin_crypto::{Argon2Params, KeyRing, Vault};
use umpin_domain::Timestamp;
use umpin_server::{Server, ServerConfig, TrustedProxies};
use umpin_service::testing::append_text_audit_record;
use umpin_service::{AuditSearch, Principal, Service};
use umpin_store::Database;

const ADMIN: &str = "admin";
const PASSWORD: &str = "violet kettle orbit lamp";
const PLAN: &str = "MyUMDialPlan";
const POLICY: &str = "MyUMDialPlan Default Policy";

// ---------------------------------------------------------------------------------------------
// The harness

/// Every log line of this test process.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Once per process: the log capture, and the crypto provider reqwest's TLS needs to exist.
fn set_up_process() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,umpin_server=trace,umpin_service=trace,tower_http=trace",
            ))
            .with_ansi(false)
            .with_writer(|| Capture)
            .init();
    });
}

fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

/// A running server, signed in as an Organization Management account.
struct Api {
    base: String,
    http: reqwest::Client,
    token: String,
    service: Service,
    /// Seconds the service's clock is ahead of the real one.
    clock: Arc<AtomicI64>,
    db: Database,
    _stop: oneshot::Sender<()>,
    /// The directory of the server key, shared by the nodes of one organisation.
    keys: Arc<TempDir>,
}

/// An answer: status, headers and body.
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn content_type(&self) -> &str {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    #[track_caller]
    fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        if self.body.is_empty() { Value::Null } else { self.json() }
    }

    /// A problem of this status whose `type` ends with `slug`.
    #[track_caller]
    fn problem(&self, status: u16, slug: &str) -> String {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.content_type(), "application/problem+json", "{}", self.body);
        let p = self.json();
        assert_eq!(p["type"], format!("https://umpin.dev/problems/{slug}"), "{}", self.body);
        assert_eq!(p["status"], status);
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()));
        p["detail"].as_str().unwrap().to_owned()
    }
}

impl Api {
    /// A server on a fresh organisation with one Organization Management account, signed in.
    async fn start(db: Database) -> Api {
        Api::start_with(db, ServerConfig::default()).await
    }

    /// [`Api::start`] with a server configured as `config` says (its address aside).
    async fn start_with(db: Database, config: ServerConfig) -> Api {
        set_up_process();
        let mut api = Api::serve(db, Arc::new(tempfile::tempdir().unwrap()), config, None).await;
        let password = Some(SecretString::from(PASSWORD));
        create_first_administrator(&api.service, ADMIN, password).await.unwrap().unwrap();
        api.token = api.sign_in(ADMIN, PASSWORD).await.ok(200)["token"].as_str().unwrap().to_owned();
        api
    }

    /// Another node: a server of its own, with a pool of its own on the same database and the
    /// same server key, signed in with the same token.
    async fn another_node(&self) -> Api {
        let mut node =
            Api::serve(self.db.connect_like().await.unwrap(), self.keys.clone(), ServerConfig::default(), None).await;
        node.token = self.token.clone();
        node
    }

    /// [`Api::start`] with a service that reads users from `directory` (`Start-UMDirectorySync`).
    async fn start_with_directory(db: Database, directory: Arc<dyn umpin_service::DirectorySource>) -> Api {
        set_up_process();
        let mut api =
            Api::serve(db, Arc::new(tempfile::tempdir().unwrap()), ServerConfig::default(), Some(directory)).await;
        let password = Some(SecretString::from(PASSWORD));
        create_first_administrator(&api.service, ADMIN, password).await.unwrap().unwrap();
        api.token = api.sign_in(ADMIN, PASSWORD).await.ok(200)["token"].as_str().unwrap().to_owned();
        api
    }

    /// A server on `db` with the server key in `keys` (created when missing), configured as
    /// `config` says but listening on a free loopback port, its service reading users from
    /// `directory` when given.
    async fn serve(
        db: Database,
        keys: Arc<TempDir>,
        config: ServerConfig,
        directory: Option<Arc<dyn umpin_service::DirectorySource>>,
    ) -> Api {
        let (ring, _) = KeyRing::load_or_create(&keys.path().join("umpin.key")).unwrap();
        let clock = Arc::new(AtomicI64::new(0));
        let ahead = clock.clone();
        let service = Service::new(db.clone(), Vault::new(ring, Argon2Params::FAST_FOR_TESTS, 4).unwrap()).with_clock(
            Arc::new(move || Timestamp::now() + jiff::SignedDuration::from_secs(ahead.load(Ordering::SeqCst))),
        );
        let service = match directory {
            Some(directory) => service.with_directory(directory),
            None => service,
        };
        let config = ServerConfig { listen: "127.0.0.1:0".parse().unwrap(), ..config };
        let server = Server::bind(config, service.clone()).unwrap();
        let base = server.url();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        Api { base, http: reqwest::Client::new(), token: String::new(), service, clock, db, _stop: stop, keys }
    }

    async fn sign_in(&self, username: &str, password: &str) -> Reply {
        self.send(Method::POST, "/api/v1/auth/token", Some(json!({"username": username, "password": password})), None)
            .await
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>, token: Option<&str>) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        reply(request).await
    }

    /// Whether the router has a route for `method` on `path`: anything but its own refusals, a 404
    /// `no-such-route` and a 405 `method-not-allowed`. Sent without a token and with an empty JSON
    /// body, so that it changes nothing.
    async fn served(&self, method: Method, path: &str) -> bool {
        let reply = self.send(method, path, Some(json!({})), None).await;
        let kind =
            if reply.content_type() == "application/problem+json" { reply.json()["type"].clone() } else { Value::Null };
        let refused =
            |status, slug: &str| reply.status == status && kind == format!("https://umpin.dev/problems/{slug}");
        !(refused(404, "no-such-route") || refused(405, "method-not-allowed"))
    }

    /// A request with `X-Forwarded-For: forwarded_for`, signed in unless `token` is `None`.
    async fn send_forwarded(
        &self,
        method: Method,
        path: &str,
        body: Value,
        token: Option<&str>,
        forwarded_for: &str,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-forwarded-for", forwarded_for)
            .json(&body);
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        reply(request).await
    }

    /// Creates a mailbox, as if through a proxy that names `forwarded_for` as the caller.
    async fn new_mailbox_forwarded(&self, alias: &str, forwarded_for: &str) -> Reply {
        let body = json!({"name": alias, "primarySmtpAddress": format!("{alias}@contoso.com")});
        self.send_forwarded(Method::POST, "/api/v1/mailboxes", body, Some(&self.token), forwarded_for).await
    }

    /// A failed sign-in of `username`, as if through a proxy that names `forwarded_for`.
    async fn wrong_password_forwarded(&self, username: &str, forwarded_for: &str) -> Reply {
        let body = json!({"username": username, "password": "wrong password, wrong"});
        self.send_forwarded(Method::POST, "/api/v1/auth/token", body, None, forwarded_for).await
    }

    /// The client addresses the audit log records for `New-Mailbox`, newest first.
    async fn new_mailbox_sources(&self) -> Vec<String> {
        let cmdlets = vec![NewMailbox::INFO.name.to_owned()];
        let operation = SearchAdminAuditLog { cmdlets: Some(cmdlets.clone()), ..Default::default() }.operation();
        let search = AuditSearch { cmdlets, ..AuditSearch::default() };
        let by = Principal::local_administrator();
        let found = self.service.search_admin_audit_log(&by, operation, search, None, None).await;
        found.unwrap().items.into_iter().map(|record| record.source).collect()
    }

    /// The host and port of the server, for a raw TCP stream.
    fn address(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, Some(&self.token)).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), Some(&self.token)).await
    }

    async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body), Some(&self.token)).await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, Some(&self.token)).await
    }

    /// A request with a raw body and content type.
    async fn raw(&self, method: Method, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .header(CONTENT_TYPE, content_type)
            .body(body);
        reply(request).await
    }

    /// The `userId`s of a page of the PIN listing with this query.
    async fn pins(&self, query: &str) -> Vec<String> {
        names(&self.get(&format!("/api/v1/um/pins{query}")).await.ok(200)["items"], "userId")
    }

    async fn cmdlet(&self, name: &str, body: Value) -> Reply {
        self.post(&format!("/api/v1/cmdlets/{name}"), body).await
    }

    /// The organisation of the Exchange help pages: a five-digit dial plan with its default
    /// policy; tony (UM-enabled on 51234 with `pin`), kim and david (not UM-enabled).
    async fn contoso(&self, pin: &str) {
        self.post(
            "/api/v1/um/dial-plans",
            json!({"name": PLAN, "numberOfDigitsInExtension": 5, "countryOrRegionCode": "1"}),
        )
        .await
        .ok(201);
        for (name, alias) in [("Tony Smith", "tony"), ("Kim Akers", "kim"), ("David Pelton", "david")] {
            self.post("/api/v1/mailboxes", json!({"name": name, "primarySmtpAddress": format!("{alias}@contoso.com")}))
                .await
                .ok(201);
        }
        self.enable("tony@contoso.com", "51234", Some(pin)).await.ok(201);
    }

    async fn enable(&self, who: &str, extension: &str, pin: Option<&str>) -> Reply {
        let mut body = json!({"umMailboxPolicy": POLICY, "extensions": [extension]});
        if let Some(pin) = pin {
            body["pin"] = json!(pin);
            body["pinExpired"] = json!(false);
        }
        self.post(&format!("/api/v1/mailboxes/{who}/um"), body).await
    }
}

async fn reply(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Reply { status, headers, body }
}

fn names(items: &Value, key: &str) -> Vec<String> {
    items.as_array().unwrap().iter().map(|i| i[key].as_str().unwrap().to_owned()).collect()
}

/// Every route of the API, as `(method, path)`.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/token"),
    ("delete", "/api/v1/auth/token"),
    ("get", "/api/v1/mailboxes"),
    ("post", "/api/v1/mailboxes"),
    ("get", "/api/v1/mailboxes/{identity}"),
    ("patch", "/api/v1/mailboxes/{identity}"),
    ("delete", "/api/v1/mailboxes/{identity}"),
    ("get", "/api/v1/mailboxes/{identity}/um"),
    ("post", "/api/v1/mailboxes/{identity}/um"),
    ("patch", "/api/v1/mailboxes/{identity}/um"),
    ("delete", "/api/v1/mailboxes/{identity}/um"),
    ("get", "/api/v1/mailboxes/{identity}/um/pin"),
    ("post", "/api/v1/mailboxes/{identity}/um/pin/reset"),
    ("post", "/api/v1/mailboxes/{identity}/um/pin/unlock"),
    ("post", "/api/v1/mailboxes/{identity}/um/pin/lock"),
    ("get", "/api/v1/um/pins"),
    ("get", "/api/v1/um/mailboxes"),
    ("get", "/api/v1/um/dial-plans"),
    ("post", "/api/v1/um/dial-plans"),
    ("get", "/api/v1/um/dial-plans/{identity}"),
    ("patch", "/api/v1/um/dial-plans/{identity}"),
    ("delete", "/api/v1/um/dial-plans/{identity}"),
    ("get", "/api/v1/um/mailbox-policies"),
    ("post", "/api/v1/um/mailbox-policies"),
    ("get", "/api/v1/um/mailbox-policies/{identity}"),
    ("patch", "/api/v1/um/mailbox-policies/{identity}"),
    ("delete", "/api/v1/um/mailbox-policies/{identity}"),
    ("post", "/api/v1/cmdlets/{name}"),
    ("get", "/api/v1/audit-log"),
    ("post", "/api/v1/voice/calls"),
    ("delete", "/api/v1/voice/call"),
    ("post", "/api/v1/voice/call/sign-in"),
    ("get", "/api/v1/voice/call/pin"),
    ("post", "/api/v1/voice/call/pin"),
    ("get", "/api/v1/voice/call/recorded-name"),
    ("put", "/api/v1/voice/call/recorded-name"),
    ("post", "/api/v1/voice/call/first-time-setup"),
    ("get", "/api/v1/voice/spray-blocks"),
    ("delete", "/api/v1/voice/spray-blocks/{source}"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/healthz"),
    ("get", "/metrics"),
];

umpin_store::backend_tests! {
    // -----------------------------------------------------------------------------------------
    // Operations

    /// `/healthz` answers 200 while the database is there, and 503 once it is gone.
    async fn healthz_is_200_with_the_database_and_503_without_it(db: Database) {
        // A pool of its own, so that closing it leaves the test's database to clean up.
        let api = Api::start(db.connect_like().await.unwrap()).await;
        let up = api.send(Method::GET, "/healthz", None, None).await;
        assert_eq!(up.ok(200), json!({"status": "ok"}));
        api.db.close().await;
        let down = api.send(Method::GET, "/healthz", None, None).await;
        assert_eq!(down.status, 503, "{}", down.body);
        assert_eq!(down.json()["status"], "unavailable");
    }

    /// A record forged where the next one goes (by someone who dropped the order trigger) stops
    /// administration with a clear problem, and `/healthz` says so while still answering 200
    /// (voice access goes on).
    async fn a_forged_audit_record_is_a_clear_problem_and_healthz_reports_it(db: Database) {
        let api = Api::start(db.clone()).await;
        assert_eq!(api.send(Method::GET, "/healthz", None, None).await.ok(200), json!({"status": "ok"}));
        let (link, drop_in_order_trigger) = match db {
            Database::Sqlite(_) => ("X'00'", "DROP TRIGGER audit_log_in_order"),
            Database::Postgres(_) => ("'\\x00'::bytea", "DROP TRIGGER audit_log_in_order ON audit_log"),
        };
        umpin_store::testing::raw_sql(&db, drop_in_order_trigger).await.unwrap();
        umpin_store::testing::raw_sql(&db, &format!(
            "INSERT INTO audit_log (seq, run_at, account, source, cmdlet, object_id, parameters, succeeded, error, key_id, link) \
             SELECT seq + 1, 0, 'forger', 'x', 'New-Mailbox', 'x', '', TRUE, NULL, 1, {link} FROM audit_head WHERE id = 1"
        )).await.unwrap();
        let health = api.send(Method::GET, "/healthz", None, None).await;
        assert_eq!(health.status, 200, "{}", health.body);
        assert_eq!(health.json()["status"], "degraded");
        assert!(health.json()["detail"].as_str().unwrap().contains("Test-AdminAuditLog"), "{}", health.body);
        let refused = api.post("/api/v1/mailboxes", json!({"name": "Ellen", "primarySmtpAddress": "ellen@contoso.com"})).await;
        let detail = refused.problem(503, "audit-log-damaged");
        assert!(detail.contains("Run Test-AdminAuditLog"), "{detail}");
    }

    /// The audit log lists records newest first, each parameter as a value (a PIN as its kind
    /// alone) beside the command line the shell shows; a record written when the log kept the
    /// command line has only that.
    async fn the_audit_log_lists_parameters_as_values_and_a_pin_as_its_kind_alone(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let (by, old) = (Principal::local_administrator(), "-Identity tony@contoso.com -Pin ***");
        append_text_audit_record(&api.service, &by, "Set-UMMailboxPIN", "tony@contoso.com", old).await.unwrap();
        api.post("/api/v1/mailboxes/tony@contoso.com/um/pin/reset", json!({"pin": "1985848", "pinExpired": true})).await.ok(200);
        let page = api.get("/api/v1/audit-log?cmdlet=set-ummailboxpin").await.ok(200);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{page}");
        let (new, written_as_text) = (&items[0], &items[1]);
        assert_eq!(new["cmdletName"], "Set-UMMailboxPIN");
        let parameters = new["parameters"].as_array().unwrap();
        assert_eq!(parameters[0], json!({"name": "Identity", "kind": "text", "value": "tony@contoso.com"}));
        assert_eq!(parameters[1], json!({"name": "Pin", "kind": "secret"}));
        assert!(parameters.contains(&json!({"name": "PINExpired", "kind": "bool", "value": true})), "{parameters:?}");
        assert!(new["cmdletParameters"].as_str().unwrap().starts_with("-Identity tony@contoso.com -Pin *** "), "{new}");
        assert_eq!((&written_as_text["parameters"], &written_as_text["cmdletParameters"]), (&Value::Null, &json!(old)));
        assert!(!page.to_string().contains("1985848"), "the PIN is not in the answer");
        let refused = api.get("/api/v1/audit-log?startDate=yesterday").await.problem(400, "invalid-query");
        assert!(refused.contains("startDate") && refused.contains("RFC 3339"), "{refused}");
        let doc = api.send(Method::GET, "/api/v1/openapi.json", None, None).await.ok(200);
        let schema = &doc["components"]["schemas"]["AdminAuditLogParameter"];
        assert!(schema["properties"]["kind"].is_object() && schema["properties"]["value"].is_object(), "{schema}");
    }

    /// `/metrics` is Prometheus text with the requests by route and status, their latency, and
    /// the service's counters, the audit appender's batches and retries among them.
    async fn metrics_count_requests_by_route_and_status_and_show_the_service_counters(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        api.post("/api/v1/mailboxes/tony@contoso.com/um/pin/reset", json!({})).await.ok(200);
        let by = Principal::local_administrator();
        let pin = SecretString::from("0000000");
        api.service.sign_in(&by, PLAN, "51234", &pin).await.unwrap();
        api.get("/api/v1/mailboxes/nobody@contoso.com").await.problem(404, "not-found");
        api.get("/api/v1/mailboxes/tony@contoso.com/um/pin").await.ok(200);
        let text = api.send(Method::GET, "/metrics", None, None).await;
        assert_eq!(text.status, 200);
        assert!(text.content_type().starts_with("text/plain"), "{}", text.content_type());
        let line = |metric: &str, parts: &[&str]| {
            text.body.lines().any(|l| l.starts_with(metric) && parts.iter().all(|p| l.contains(p)))
        };
        assert!(line("umpin_http_requests_total{", &["route=\"/api/v1/mailboxes/{identity}\"", "status=\"404\""]), "{}", text.body);
        assert!(line("umpin_http_requests_total{", &["route=\"/api/v1/mailboxes\"", "method=\"POST\"", "status=\"201\""]));
        assert!(line("umpin_http_request_duration_seconds_bucket{", &["route=\"/api/v1/um/dial-plans\"", "le="]));
        assert!(line("umpin_pin_resets_total{", &["by=\"administrator\""]), "{}", text.body);
        assert!(line("umpin_sign_ins_total{", &["outcome="]), "{}", text.body);
        assert!(line("umpin_lockouts_total", &[]), "{}", text.body);
        // The PIN read's record went through the audit appender.
        assert!(line("umpin_audit_batch_records_count", &[]), "{}", text.body);
        assert!(line("umpin_audit_batch_retries_total 0", &[]), "one node never retries: {}", text.body);
        let depth = text.body.lines().find_map(|l| l.strip_prefix("umpin_outbox_depth ")).unwrap_or_else(|| panic!("{}", text.body));
        assert!(depth.trim().parse::<f64>().unwrap() >= 1.0, "the welcome and reset messages wait: {depth}");
    }

    /// The OpenAPI document is OpenAPI 3.1, lists every route with its method, names the bearer
    /// scheme, describes problems and gives a request body as its cmdlet's parameters.
    async fn the_openapi_document_lists_every_route_with_bearer_security_and_the_problem_schema(db: Database) {
        let api = Api::start(db).await;
        let doc = api.send(Method::GET, "/api/v1/openapi.json", None, None).await.ok(200);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
        for (method, path) in ROUTES {
            assert!(doc["paths"][path][method].is_object(), "{method} {path} is missing from the document");
        }
        let documented: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(documented, ROUTES.len(), "the document has routes the server doesn't");
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        let problem = &doc["components"]["schemas"]["Problem"]["properties"];
        for member in ["type", "title", "status", "detail"] {
            assert!(problem[member].is_object(), "{member}");
        }
        assert_eq!(doc["paths"]["/api/v1/um/pins"]["get"]["security"][0]["bearer"], json!([]));
        // A request body is its cmdlet's parameters but those the path gives.
        let reset = &doc["paths"]["/api/v1/mailboxes/{identity}/um/pin/reset"]["post"]["requestBody"];
        let reference = reset["content"]["application/json"]["schema"]["$ref"].as_str().unwrap();
        assert_eq!(reference, "#/components/schemas/SetUMMailboxPINBody");
        let members = doc["components"]["schemas"]["SetUMMailboxPINBody"]["properties"].as_object().unwrap();
        assert_eq!(members.keys().collect::<Vec<_>>(), ["pin", "pinExpired", "notifyEmail", "sendEmail"]);
    }

    /// The router serves exactly the operations the OpenAPI document lists: each documented
    /// method of each documented path reaches a handler, and every other method there is refused
    /// by the router, so the operations served and documented are the same, as many as `ROUTES`.
    async fn the_router_serves_exactly_the_operations_the_openapi_document_lists(db: Database) {
        let api = Api::start(db).await;
        let doc = api.send(Method::GET, "/api/v1/openapi.json", None, None).await.ok(200);
        assert!(!api.served(Method::GET, "/api/v1/nothing-here").await, "a path without a route is told apart");
        let methods = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS, Method::TRACE];
        let (mut documented, mut served) = (Vec::new(), Vec::new());
        for (path, item) in doc["paths"].as_object().unwrap() {
            // Any value for the path's parameters: a handler's own 404 still tells its route is there.
            let concrete = path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
            for method in &methods {
                let operation = (method.as_str().to_ascii_lowercase(), path.clone());
                if item.get(&operation.0).is_some() {
                    documented.push(operation.clone());
                }
                if api.served(method.clone(), &concrete).await {
                    served.push(operation);
                }
            }
        }
        let undocumented: Vec<_> = served.iter().filter(|o| !documented.contains(o)).collect();
        let unserved: Vec<_> = documented.iter().filter(|o| !served.contains(o)).collect();
        assert!(undocumented.is_empty(), "served but not in the document: {undocumented:?}");
        assert!(unserved.is_empty(), "in the document but not served: {unserved:?}");
        assert_eq!(served.len(), ROUTES.len());
    }

    // -----------------------------------------------------------------------------------------
    // Sign-in

    /// A token from the password opens the API; no token, a malformed one or an unknown one is
    /// a 401 problem that says how to sign in.
    async fn a_token_from_the_password_opens_the_api_and_anything_else_is_401(db: Database) {
        let api = Api::start(db).await;
        let issued = api.sign_in(ADMIN, PASSWORD).await.ok(200);
        let token = issued["token"].as_str().unwrap();
        let expires: Timestamp = issued["expiresAt"].as_str().unwrap().parse().unwrap();
        assert!(expires > Timestamp::now());
        assert_eq!(api.send(Method::GET, "/api/v1/mailboxes", None, Some(token)).await.ok(200), json!({"items": []}));
        let none = api.send(Method::GET, "/api/v1/mailboxes", None, None).await;
        assert!(none.problem(401, "not-authenticated").contains("POST /api/v1/auth/token"));
        assert_eq!(none.headers.get("www-authenticate").unwrap(), "Bearer");
        api.send(Method::GET, "/api/v1/mailboxes", None, Some("not-a-token")).await.problem(401, "not-authenticated");
        let basic = api
            .http
            .get(format!("{}/api/v1/mailboxes", api.base))
            .header(AUTHORIZATION, "Basic YWRtaW46eA==")
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), 401);
    }

    /// A wrong password is a 401 problem; after a few in a row, sign-in is throttled with a 429
    /// problem and `Retry-After`.
    async fn wrong_passwords_are_401_and_then_throttled_with_retry_after(db: Database) {
        let api = Api::start(db).await;
        api.sign_in(ADMIN, "wrong password, wrong").await.problem(401, "not-authenticated");
        let mut throttled = None;
        for _ in 0..12 {
            let r = api.sign_in(ADMIN, "wrong password, wrong").await;
            if r.status == 429 {
                throttled = Some(r);
                break;
            }
            r.problem(401, "not-authenticated");
        }
        let throttled = throttled.expect("sign-in is throttled after repeated failures");
        throttled.problem(429, "throttled");
        let wait: u64 = throttled.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
        assert!(wait >= 1);
    }

    /// A token stops working when its lifetime is over.
    async fn a_token_expires_after_its_lifetime(db: Database) {
        let api = Api::start(db).await;
        api.get("/api/v1/mailboxes").await.ok(200);
        api.clock.store(9 * 3600, Ordering::SeqCst);
        api.get("/api/v1/mailboxes").await.problem(401, "not-authenticated");
    }

    /// `DELETE /api/v1/auth/token` revokes the caller's own token at once, and only it.
    async fn a_revoked_token_is_refused_at_once(db: Database) {
        let api = Api::start(db).await;
        let other = api.sign_in(ADMIN, PASSWORD).await.ok(200)["token"].as_str().unwrap().to_owned();
        api.send(Method::DELETE, "/api/v1/auth/token", None, Some(&api.token)).await.ok(204);
        api.get("/api/v1/mailboxes").await.problem(401, "not-authenticated");
        api.send(Method::GET, "/api/v1/mailboxes", None, Some(&other)).await.ok(200);
    }

    // -----------------------------------------------------------------------------------------
    // The caller's address behind a proxy

    /// By default no proxy is trusted: `X-Forwarded-For` is ignored, and the audit log records
    /// the peer's address.
    async fn x_forwarded_for_is_ignored_when_no_proxy_is_trusted(db: Database) {
        let api = Api::start(db).await;
        api.new_mailbox_forwarded("kim", "203.0.113.7").await.ok(201);
        assert_eq!(api.new_mailbox_sources().await, ["127.0.0.1"]);
    }

    /// From a trusted proxy, the caller is the first address from the right of
    /// `X-Forwarded-For` that isn't a trusted proxy's, and the audit log records it.
    async fn behind_a_trusted_proxy_the_audit_log_records_the_forwarded_caller(db: Database) {
        let api = Api::start_with(db, trusting(&["127.0.0.1", "10.0.0.0/8"])).await;
        api.new_mailbox_forwarded("kim", "198.51.100.1, 203.0.113.7, 10.1.2.3").await.ok(201);
        api.new_mailbox_forwarded("david", "10.0.0.9").await.ok(201);
        assert_eq!(api.new_mailbox_sources().await, ["10.0.0.9", "203.0.113.7"]);
    }

    /// Behind a trusted proxy, failed sign-ins count against the forwarded caller, not against
    /// the proxy: failures spread over many callers throttle none, repeated failures of one
    /// caller throttle it, and another caller still signs in.
    async fn behind_a_trusted_proxy_sign_in_is_throttled_per_forwarded_caller(db: Database) {
        let api = Api::start_with(db, trusting(&["127.0.0.1"])).await;
        for i in 0..10 {
            api.wrong_password_forwarded(&format!("nobody{i}"), &format!("198.51.100.{i}")).await.problem(401, "not-authenticated");
        }
        let mut throttled = false;
        for i in 0..12 {
            let r = api.wrong_password_forwarded(&format!("somebody{i}"), "203.0.113.7").await;
            if r.status == 429 {
                throttled = true;
                break;
            }
            r.problem(401, "not-authenticated");
        }
        assert!(throttled, "repeated failures of one forwarded caller are throttled");
        let body = json!({"username": ADMIN, "password": PASSWORD});
        api.send_forwarded(Method::POST, "/api/v1/auth/token", body, None, "203.0.113.8").await.ok(200);
    }

    /// From a peer that isn't a trusted proxy, `X-Forwarded-For` can't dodge the throttle: a
    /// different forwarded address with every failed sign-in still counts every failure against
    /// the peer.
    async fn a_client_cant_dodge_sign_in_throttling_by_sending_x_forwarded_for(db: Database) {
        let api = Api::start_with(db, trusting(&["192.0.2.1"])).await;
        let mut throttled = false;
        for i in 0..12 {
            let r = api.wrong_password_forwarded(&format!("nobody{i}"), &format!("198.51.100.{i}")).await;
            if r.status == 429 {
                throttled = true;
                break;
            }
            r.problem(401, "not-authenticated");
        }
        assert!(throttled, "the failures counted against the peer, whatever the header said");
        api.new_mailbox_forwarded("kim", "203.0.113.7").await.ok(201);
        assert_eq!(api.new_mailbox_sources().await, ["127.0.0.1"]);
    }

    /// A malformed `X-Forwarded-For` from a trusted proxy is no error: the request is answered
    /// as usual and counts as the proxy's own.
    async fn a_malformed_x_forwarded_for_from_a_trusted_proxy_counts_as_the_proxys_own_request(db: Database) {
        let api = Api::start_with(db, trusting(&["127.0.0.1"])).await;
        api.new_mailbox_forwarded("kim", "203.0.113.7, not an address").await.ok(201);
        api.new_mailbox_forwarded("david", ",,,").await.ok(201);
        assert_eq!(api.new_mailbox_sources().await, ["127.0.0.1", "127.0.0.1"]);
    }

    // -----------------------------------------------------------------------------------------
    // Resources

    /// Mailboxes are created, read by any identity, listed page by page, changed and removed.
    async fn mailboxes_are_created_read_listed_by_page_changed_and_removed(db: Database) {
        let api = Api::start(db).await;
        let tony = api
            .post(
                "/api/v1/mailboxes",
                json!({"name": "Tony Smith", "primarySmtpAddress": "tony@contoso.com", "phone": "+14255551234", "firstName": "Tony"}),
            )
            .await
            .ok(201);
        let keys: Vec<&String> = tony.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["name", "alias", "displayName", "primarySmtpAddress", "emailAddresses", "userPrincipalName", "firstName",
             "lastName", "phone", "guid", "whenCreated", "identity"]
        );
        assert_eq!(tony["alias"], "tony");
        assert_eq!(tony["lastName"], Value::Null);
        for alias in ["kim", "david", "ellen"] {
            api.post("/api/v1/mailboxes", json!({"name": alias, "primarySmtpAddress": format!("{alias}@contoso.com")}))
                .await
                .ok(201);
        }
        let by_guid = api.get(&format!("/api/v1/mailboxes/{}", tony["guid"].as_str().unwrap())).await.ok(200);
        assert_eq!(by_guid["name"], "Tony Smith");
        assert_eq!(api.get("/api/v1/mailboxes/Tony%20Smith").await.ok(200)["alias"], "tony");
        let first = api.get("/api/v1/mailboxes?limit=3").await.ok(200);
        assert_eq!(names(&first["items"], "alias"), ["david", "ellen", "kim"]);
        let cursor = first["next"].as_str().unwrap();
        let rest = api.get(&format!("/api/v1/mailboxes?limit=3&cursor={cursor}")).await.ok(200);
        assert_eq!(names(&rest["items"], "alias"), ["tony"]);
        assert!(rest.get("next").is_none());
        assert_eq!(names(&api.get("/api/v1/mailboxes?anr=el").await.ok(200)["items"], "alias"), ["ellen"]);
        let changed = api
            .patch("/api/v1/mailboxes/tony", json!({"displayName": "Tony S.", "firstName": null, "emailAddresses": ["t@contoso.com"]}))
            .await
            .ok(200);
        assert_eq!((changed["displayName"].as_str(), changed["firstName"].as_str()), (Some("Tony S."), None));
        assert_eq!(api.get("/api/v1/mailboxes/t@contoso.com").await.ok(200)["name"], "Tony Smith");
        api.delete("/api/v1/mailboxes/ellen").await.ok(204);
        api.get("/api/v1/mailboxes/ellen").await.problem(404, "not-found");
        let taken = api.post("/api/v1/mailboxes", json!({"name": "kim", "primarySmtpAddress": "kim2@contoso.com"})).await;
        assert!(taken.problem(409, "already-exists").contains("kim"));
    }

    /// Dial plans and policies are created (with the default policy), read, listed, changed and
    /// removed; a dial plan with policies can't be removed.
    async fn dial_plans_and_policies_are_created_read_listed_changed_and_removed(db: Database) {
        let api = Api::start(db).await;
        let plan = api
            .post(
                "/api/v1/um/dial-plans",
                json!({"name": PLAN, "numberOfDigitsInExtension": 5, "countryOrRegionCode": "1", "uriType": "sipname",
                       "accessTelephoneNumbers": ["+14255550100"]}),
            )
            .await
            .ok(201);
        assert_eq!((plan["uriType"].as_str(), plan["voipSecurity"].as_str()), (Some("SipName"), Some("Unsecured")));
        assert_eq!(plan["logonFailuresBeforeDisconnect"], 3);
        assert_eq!(names(&api.get("/api/v1/um/dial-plans").await.ok(200)["items"], "name"), [PLAN]);
        let changed = api.patch(&format!("/api/v1/um/dial-plans/{PLAN}"), json!({"voipSecurity": "Secured"})).await.ok(200);
        assert_eq!(changed["voipSecurity"], "Secured");
        api.patch(&format!("/api/v1/um/dial-plans/{PLAN}"), json!({"uriType": "E164"})).await.problem(400, "invalid-body");
        let policy = api.get(&format!("/api/v1/um/mailbox-policies/{POLICY}")).await.ok(200);
        assert_eq!(policy["umDialPlan"], PLAN);
        assert_eq!((policy["minPinLength"].as_i64(), policy["pinLifetime"].as_i64()), (Some(6), Some(60)));
        let second = api.post("/api/v1/um/mailbox-policies", json!({"name": "Strict", "umDialPlan": PLAN})).await.ok(201);
        assert_eq!(second["maxLogonAttempts"], 15);
        let strict = api
            .patch("/api/v1/um/mailbox-policies/Strict", json!({"minPinLength": 8, "pinLifetime": "Unlimited"}))
            .await
            .ok(200);
        assert_eq!((strict["minPinLength"].as_i64(), strict["pinLifetime"].as_str()), (Some(8), Some("Unlimited")));
        let listed = api.get(&format!("/api/v1/um/mailbox-policies?umDialPlan={PLAN}")).await.ok(200);
        assert_eq!(names(&listed["items"], "name"), [POLICY, "Strict"]);
        let refused = api
            .patch("/api/v1/um/mailbox-policies/Strict", json!({"logonFailuresBeforePinReset": 20, "maxLogonAttempts": 10}))
            .await;
        assert!(refused.problem(422, "rule-violation").contains("MaxLogonAttempts"));
        api.delete(&format!("/api/v1/um/dial-plans/{PLAN}")).await.problem(409, "conflict");
        api.delete("/api/v1/um/mailbox-policies/Strict").await.ok(204);
        api.delete(&format!("/api/v1/um/mailbox-policies/{POLICY}")).await.ok(204);
        api.delete(&format!("/api/v1/um/dial-plans/{PLAN}")).await.ok(204);
        api.get(&format!("/api/v1/um/dial-plans/{PLAN}")).await.problem(404, "not-found");
    }

    /// A mailbox is enabled for UM, read, listed, changed and disabled through its `/um`.
    async fn um_mailboxes_are_enabled_read_listed_changed_and_disabled(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let tony = api.get("/api/v1/mailboxes/tony/um").await.ok(200);
        assert_eq!((tony["umEnabled"].as_bool(), tony["umMailboxPolicy"].as_str()), (Some(true), Some(POLICY)));
        assert_eq!(tony["extensions"], json!(["51234"]));
        let checked = api
            .post("/api/v1/mailboxes/kim/um", json!({"umMailboxPolicy": POLICY, "extensions": ["51235"], "validateOnly": true}))
            .await
            .ok(200);
        assert_eq!(checked["extensions"], json!(["51235"]));
        api.get("/api/v1/mailboxes/kim/um").await.problem(404, "not-um-enabled");
        api.enable("kim@contoso.com", "51235", None).await.ok(201);
        api.enable("david@contoso.com", "51235", None).await.problem(409, "conflict");
        let listed = api.get("/api/v1/um/mailboxes?limit=1").await.ok(200);
        assert_eq!(names(&listed["items"], "identity"), ["kim@contoso.com"]);
        let cursor = listed["next"].as_str().unwrap();
        let rest = api.get(&format!("/api/v1/um/mailboxes?cursor={cursor}")).await.ok(200);
        assert_eq!(names(&rest["items"], "identity"), ["tony@contoso.com"]);
        let changed = api.patch("/api/v1/mailboxes/tony/um", json!({"operatorNumber": "0"})).await.ok(200);
        assert_eq!(changed["operatorNumber"], "0");
        api.delete("/api/v1/mailboxes/kim/um?keepProperties=false").await.ok(204);
        api.get("/api/v1/mailboxes/kim/um/pin").await.problem(404, "not-um-enabled");
        assert_eq!(names(&api.get("/api/v1/um/mailboxes").await.ok(200)["items"], "identity"), ["tony@contoso.com"]);
    }

    /// The PIN object is the `Get-UMMailboxPIN` object in camelCase, in its order.
    async fn the_pin_object_has_the_get_um_mailbox_pin_properties_in_camel_case(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let pin = api.get("/api/v1/mailboxes/tony@contoso.com/um/pin").await.ok(200);
        let keys: Vec<&String> = pin.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["userId", "pinExpired", "firstTimeUser", "lockedOut", "objectState", "isValid", "identity",
             "failedLogonCount", "lastFailedLogon", "pinLastSet", "pinExpiresOn"]
        );
        assert_eq!(pin["userId"], "tony@contoso.com");
        assert_eq!((pin["pinExpired"].as_bool(), pin["firstTimeUser"].as_bool()), (Some(false), Some(true)));
        assert_eq!((pin["objectState"].as_str(), pin["isValid"].as_bool()), (Some("Unchanged"), Some(true)));
        assert_eq!(pin["lastFailedLogon"], Value::Null);
        pin["pinLastSet"].as_str().unwrap().parse::<Timestamp>().unwrap();
    }

    /// Lock locks, unlock unlocks and clears the failures, and a reset sets the PIN (given or
    /// generated), expired unless told otherwise, and lifts the lockout.
    async fn pin_reset_unlock_and_lock_change_the_pin_status(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let tony = "/api/v1/mailboxes/tony@contoso.com/um/pin";
        let wrong = SecretString::from("1111112");
        let by = Principal::local_administrator();
        api.service.sign_in(&by, PLAN, "51234", &wrong).await.unwrap();
        assert_eq!(api.get(tony).await.ok(200)["failedLogonCount"], 1);
        let locked = api.post(&format!("{tony}/lock"), json!({})).await.ok(200);
        assert_eq!((locked["lockedOut"].as_bool(), locked["failedLogonCount"].as_i64()), (Some(true), Some(1)));
        let unlocked = api.post(&format!("{tony}/unlock"), json!({})).await.ok(200);
        assert_eq!((unlocked["lockedOut"].as_bool(), unlocked["failedLogonCount"].as_i64()), (Some(false), Some(0)));
        api.post(&format!("{tony}/lock"), json!({})).await.ok(200);
        let reset = api.post(&format!("{tony}/reset"), json!({"pin": "8402715", "pinExpired": false})).await.ok(200);
        assert_eq!((reset["lockedOut"].as_bool(), reset["pinExpired"].as_bool()), (Some(false), Some(false)));
        let right = SecretString::from("8402715");
        assert!(matches!(
            api.service.sign_in(&by, PLAN, "51234", &right).await.unwrap(),
            umpin_service::SignInOutcome::SignedIn { .. }
        ));
        let generated = api.raw(Method::POST, &format!("{tony}/reset"), "application/json", Vec::new()).await.ok(200);
        assert_eq!(generated["pinExpired"], true);
        let repeated = api.post(&format!("{tony}/reset"), json!({"pin": "8402715"})).await;
        assert!(repeated.problem(422, "pin-rule").contains("used recently"));
    }

    /// The PIN listing filters by lockout, expiry, first-time use and dial plan.
    async fn the_pin_listing_filters_by_locked_out_expired_first_time_and_dial_plan(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        api.enable("kim@contoso.com", "51235", None).await.ok(201);
        api.enable("david@contoso.com", "51236", Some("7302581")).await.ok(201);
        api.post("/api/v1/mailboxes/david/um/pin/lock", json!({})).await.ok(200);
        assert_eq!(api.pins("").await, ["david@contoso.com", "kim@contoso.com", "tony@contoso.com"]);
        assert_eq!(api.pins("?lockedOut=true").await, ["david@contoso.com"]);
        assert_eq!(api.pins("?lockedOut=false").await, ["kim@contoso.com", "tony@contoso.com"]);
        assert_eq!(api.pins("?pinExpired=true").await, ["kim@contoso.com"]);
        assert_eq!(api.pins("?pinExpired=false&lockedOut=false").await, ["tony@contoso.com"]);
        assert_eq!(api.pins("?firstTimeUser=true").await.len(), 3);
        assert!(api.pins("?firstTimeUser=false").await.is_empty());
        assert_eq!(api.pins(&format!("?dialPlan={PLAN}")).await.len(), 3);
        api.get("/api/v1/um/pins?dialPlan=Nowhere").await.problem(404, "not-found");
    }

    /// The PIN listing takes the PIN report's filters too: a UM mailbox policy, and PINs that
    /// reach their lifetime (60 days by default) within a number of days, which must be 1 to 999.
    async fn the_pin_listing_filters_by_policy_and_pins_expiring_within_days(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        api.enable("kim@contoso.com", "51235", None).await.ok(201);
        let both = ["kim@contoso.com", "tony@contoso.com"];
        assert_eq!(api.pins(&format!("?policy={POLICY}")).await, both);
        api.get("/api/v1/um/pins?policy=Nowhere").await.problem(404, "not-found");
        assert_eq!(api.pins("?expiresWithinDays=60").await, both);
        assert!(api.pins("?expiresWithinDays=59").await.is_empty());
        api.get("/api/v1/um/pins?expiresWithinDays=0").await.problem(400, "invalid-parameter");
    }

    /// The PIN listing pages with `limit` and the cursor `next`, and as NDJSON streams every
    /// UM mailbox, one object per line, across pages.
    async fn the_pin_listing_pages_with_a_cursor_and_streams_every_page_as_ndjson(db: Database) {
        umpin_store::testing::seed_um_mailboxes(&db, 2105).await.unwrap();
        let api = Api::start(db).await;
        let first = api.get("/api/v1/um/pins?limit=2").await.ok(200);
        assert_eq!(names(&first["items"], "userId"), ["tony@contoso.com", "user000001@contoso.com"]);
        let cursor = first["next"].as_str().unwrap();
        let second = api.get(&format!("/api/v1/um/pins?limit=2&cursor={cursor}")).await.ok(200);
        assert_eq!(names(&second["items"], "userId"), ["user000002@contoso.com", "user000003@contoso.com"]);
        assert_eq!(api.get("/api/v1/um/pins").await.ok(200)["items"].as_array().unwrap().len(), 1000);
        let streamed = api
            .http
            .get(format!("{}/api/v1/um/pins", api.base))
            .header(AUTHORIZATION, format!("Bearer {}", api.token))
            .header(ACCEPT, "application/x-ndjson")
            .send()
            .await
            .unwrap();
        assert_eq!(streamed.headers()[CONTENT_TYPE], "application/x-ndjson");
        let text = streamed.text().await.unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2105);
        assert_eq!(lines[0]["userId"], "tony@contoso.com");
        assert_eq!(lines[2104]["userId"], "user002104@contoso.com");
        assert!(lines.iter().all(|l| l["isValid"] == true));
    }

    // -----------------------------------------------------------------------------------------
    // The cmdlet endpoint

    /// A cmdlet runs on the server as the local shell runs it, and its objects come back typed:
    /// type name, property order, times and numbers as they are.
    async fn the_cmdlet_endpoint_returns_the_objects_of_the_local_shell_with_their_types(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let result = api.cmdlet("get-ummailboxpin", json!({"parameters": {"identity": "tony"}})).await.ok(200);
        assert_eq!(result["warnings"], json!([]));
        assert!(result.get("next").is_none());
        let object = &result["objects"][0];
        assert_eq!(object["type"], "UMMailboxPin");
        let properties: Vec<&str> =
            object["properties"].as_array().unwrap().iter().map(|p| p[0].as_str().unwrap()).collect();
        assert_eq!(
            properties,
            ["UserID", "PinExpired", "FirstTimeUser", "LockedOut", "ObjectState", "IsValid", "Identity",
             "FailedLogonCount", "LastFailedLogon", "PinLastSet", "PinExpiresOn"]
        );
        assert_eq!(object["properties"][7], json!(["FailedLogonCount", 0]));
        assert_eq!(object["properties"][8], json!(["LastFailedLogon", null]));
        assert!(object["properties"][9][1]["time"].as_str().unwrap().parse::<Timestamp>().is_ok());
        let ignored = api
            .cmdlet("Get-UMMailboxPIN", json!({"parameters": {"Identity": "kim", "IgnoreErrors": true}}))
            .await
            .ok(200);
        assert_eq!(ignored["objects"], json!([]));
        assert!(ignored["warnings"][0].as_str().unwrap().contains("isn't enabled for Unified Messaging"));
    }

    /// A PIN parameter is taken as a secret and reset the PIN; a PIN that breaks a rule is the
    /// rule's message, without the PIN.
    async fn the_cmdlet_endpoint_takes_a_pin_as_a_secret_parameter(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let set = api
            .cmdlet("Set-UMMailboxPIN", json!({"parameters": {"Identity": "tony", "Pin": "9314286", "PINExpired": false}}))
            .await
            .ok(200);
        assert_eq!(set, json!({"objects": [], "warnings": []}));
        let by = Principal::local_administrator();
        let pin = SecretString::from("9314286");
        assert!(matches!(
            api.service.sign_in(&by, PLAN, "51234", &pin).await.unwrap(),
            umpin_service::SignInOutcome::SignedIn { pin_expired: false, .. }
        ));
        let short = api.cmdlet("Set-UMMailboxPIN", json!({"parameters": {"Identity": "tony", "Pin": "93142"}})).await;
        let detail = short.problem(422, "pin-rule");
        assert!(detail.contains("too short") && !detail.contains("93142"), "{detail}");
    }

    /// A listing cmdlet returns the page asked for, and `next` for the rest.
    async fn the_cmdlet_endpoint_returns_a_listing_page_with_its_cursor(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let page = api.cmdlet("Get-Mailbox", json!({"page": {"size": 2}})).await.ok(200);
        let first: Vec<&Value> = page["objects"].as_array().unwrap().iter().map(|o| &o["properties"][3][1]).collect();
        assert_eq!(first, [&json!("david@contoso.com"), &json!("kim@contoso.com")]);
        let next = page["next"].as_str().unwrap();
        let rest = api.cmdlet("Get-Mailbox", json!({"page": {"after": next, "size": 2}})).await.ok(200);
        assert_eq!(rest["objects"].as_array().unwrap().len(), 1);
        assert!(rest.get("next").is_none());
    }

    /// Unknown cmdlets, the shell's pipeline utilities and bad parameters are refused with the shell's own
    /// messages; `-WhatIf` changes nothing.
    async fn the_cmdlet_endpoint_refuses_what_the_shell_refuses_and_what_if_changes_nothing(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        api.cmdlet("Get-Nothing", json!({})).await.problem(404, "unknown-cmdlet");
        let utility = api.cmdlet("Where-Object", json!({})).await.problem(404, "unknown-cmdlet");
        assert!(utility.contains("run in umpin shell"), "{utility}");
        let bogus = api.cmdlet("Get-Mailbox", json!({"parameters": {"Bogus": 1}})).await;
        assert_eq!(bogus.problem(400, "invalid-parameter"), "A parameter cannot be found that matches parameter name 'Bogus'.");
        let missing = api.cmdlet("Remove-Mailbox", json!({"parameters": {}})).await;
        assert!(missing.problem(400, "invalid-parameter").contains("missing mandatory parameters: Identity"));
        let kind = api.cmdlet("Set-UMMailboxPIN", json!({"parameters": {"Identity": "tony", "LockedOut": "soon"}})).await;
        assert!(kind.problem(400, "invalid-parameter").contains("isn't $true or $false"));
        let what_if = api.cmdlet("Remove-Mailbox", json!({"parameters": {"Identity": "kim", "WhatIf": true}})).await.ok(200);
        assert_eq!(what_if["warnings"][0], "What if: Performing the operation \"Remove-Mailbox\" on target \"kim\".");
        api.get("/api/v1/mailboxes/kim").await.ok(200);
        api.cmdlet("Remove-Mailbox", json!({"parameters": {"Identity": "kim", "Confirm": false}})).await.ok(200);
        api.get("/api/v1/mailboxes/kim").await.problem(404, "not-found");
    }

    // -----------------------------------------------------------------------------------------
    // Several nodes

    /// Two servers on one database: a change through one is seen at once through the other, a
    /// token of one works on the other and its revocation too, and the lockout stays exact
    /// however the wrong PINs entered through the voice API are spread over both.
    async fn two_nodes_on_one_database_see_each_others_changes_and_keep_the_lockout_exact(db: Database) {
        let a = Api::start(db).await;
        let b = a.another_node().await;
        a.contoso("5643892").await;
        assert_eq!(b.get("/api/v1/mailboxes/tony/um").await.ok(200)["extensions"], json!(["51234"]));
        b.patch("/api/v1/mailboxes/kim", json!({"displayName": "Kim A."})).await.ok(200);
        assert_eq!(a.get("/api/v1/mailboxes/kim").await.ok(200)["displayName"], "Kim A.");
        b.post("/api/v1/mailboxes/tony/um/pin/lock", json!({})).await.ok(200);
        assert_eq!(a.get("/api/v1/mailboxes/tony/um/pin").await.ok(200)["lockedOut"], true);
        a.post("/api/v1/mailboxes/tony/um/pin/unlock", json!({})).await.ok(200);

        // 40 calls of a front end, each entering one wrong PIN, spread over both nodes.
        let token = a.account_in("ivr", "Voice Access").await;
        let attempts = (0..40).map(|i| {
            let node = if i % 2 == 0 { &a } else { &b };
            let (http, base, token) = (node.http.clone(), node.base.clone(), token.clone());
            tokio::spawn(async move {
                let bearer = format!("Bearer {token}");
                let started: Value = http.post(format!("{base}/api/v1/voice/calls")).header(AUTHORIZATION, &bearer)
                    .json(&json!({"dialPlan": PLAN})).send().await.unwrap().json().await.unwrap();
                let answer: Value = http.post(format!("{base}/api/v1/voice/call/sign-in")).header(AUTHORIZATION, &bearer)
                    .header("Umpin-Call", started["callId"].as_str().unwrap())
                    .json(&json!({"extension": "51234", "pin": "1111112"})).send().await.unwrap().json().await.unwrap();
                answer["outcome"].as_str().unwrap().to_owned()
            })
        });
        let mut wrong = 0;
        for attempt in attempts.collect::<Vec<_>>() {
            if attempt.await.unwrap() == "wrongPin" {
                wrong += 1;
            }
        }
        assert_eq!(wrong, 15, "exactly MaxLogonAttempts wrong PINs were evaluated");
        for node in [&a, &b] {
            let pin = node.get("/api/v1/mailboxes/tony/um/pin").await.ok(200);
            assert_eq!((pin["lockedOut"].as_bool(), pin["failedLogonCount"].as_i64()), (Some(true), Some(15)));
        }

        a.send(Method::DELETE, "/api/v1/auth/token", None, Some(&a.token)).await.ok(204);
        b.get("/api/v1/mailboxes").await.problem(401, "not-authenticated");
    }

    // -----------------------------------------------------------------------------------------
    // Bad input and secrets

    /// Every kind of bad request is a 4xx problem: never a 5xx, never plain text.
    async fn every_bad_request_is_a_4xx_problem_and_never_a_5xx(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let deep = format!("{{\"parameters\": {{\"Identity\": {}{}}}}}", "[".repeat(5000), "]".repeat(5000));
        let json_type = "application/json";
        let cases: Vec<(Method, &str, &str, String, u16, &str)> = vec![
            (Method::POST, "/api/v1/mailboxes", json_type, "{".into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/mailboxes", json_type, "[]".into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/mailboxes", json_type, "{} {}".into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/mailboxes", json_type, r#"{"name": 5, "primarySmtpAddress": "a@contoso.com"}"#.into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/mailboxes", json_type, r#"{"name": "x", "primarySmtpAddress": "x@contoso.com", "colour": "red"}"#.into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/mailboxes", json_type, r#"{"name": "x"}"#.into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/mailboxes", "text/plain", r#"{"name": "x"}"#.into(), 415, "unsupported-media-type"),
            (Method::POST, "/api/v1/mailboxes", json_type, r#"{"name": "x", "primarySmtpAddress": "not an address"}"#.into(), 400, "invalid-parameter"),
            (Method::GET, "/api/v1/mailboxes/nobody@contoso.com", json_type, String::new(), 404, "not-found"),
            (Method::DELETE, "/api/v1/mailboxes/nobody@contoso.com", json_type, String::new(), 404, "not-found"),
            (Method::GET, "/api/v1/mailboxes/kim@contoso.com/um/pin", json_type, String::new(), 404, "not-um-enabled"),
            (Method::GET, "/api/v1/mailboxes/%FF%FE", json_type, String::new(), 400, "invalid-path"),
            (Method::GET, "/api/v1/mailboxes/to%00ny", json_type, String::new(), 400, "invalid-path"),
            (Method::GET, "/api/v1/mailboxes?anr=to%00ny", json_type, String::new(), 400, "invalid-query"),
            (Method::POST, "/api/v1/mailboxes", json_type, r#"{"name": "to\u0000ny", "primarySmtpAddress": "t@contoso.com"}"#.into(), 400, "invalid-body"),
            (Method::GET, "/api/v1/mailboxes?limit=0", json_type, String::new(), 400, "invalid-query"),
            (Method::GET, "/api/v1/mailboxes?limit=5000", json_type, String::new(), 400, "invalid-query"),
            (Method::GET, "/api/v1/mailboxes?limit=-1", json_type, String::new(), 400, "invalid-query"),
            (Method::GET, "/api/v1/mailboxes?limit=ten", json_type, String::new(), 400, "invalid-query"),
            (Method::GET, "/api/v1/mailboxes?limit=1&limit=2", json_type, String::new(), 400, "invalid-query"),
            (Method::GET, "/api/v1/mailboxes?bogus=1", json_type, String::new(), 400, "invalid-query"),
            (Method::GET, "/api/v1/um/pins?lockedOut=maybe", json_type, String::new(), 400, "invalid-query"),
            (Method::DELETE, "/api/v1/mailboxes/kim/um?keepProperties=7", json_type, String::new(), 400, "invalid-query"),
            (Method::GET, "/api/v1/nothing-here", json_type, String::new(), 404, "no-such-route"),
            (Method::PUT, "/api/v1/mailboxes", json_type, "{}".into(), 405, "method-not-allowed"),
            (Method::DELETE, "/api/v1/um/pins", json_type, String::new(), 405, "method-not-allowed"),
            (Method::POST, "/api/v1/um/dial-plans", json_type, r#"{"name": "X", "numberOfDigitsInExtension": 1.5, "countryOrRegionCode": "1"}"#.into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/um/dial-plans", json_type, r#"{"name": "X", "numberOfDigitsInExtension": 99999999999999999999999, "countryOrRegionCode": "1"}"#.into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/um/dial-plans", json_type, r#"{"name": "X", "numberOfDigitsInExtension": 99, "countryOrRegionCode": "1"}"#.into(), 400, "invalid-parameter"),
            (Method::POST, "/api/v1/um/dial-plans", json_type, r#"{"name": "X", "numberOfDigitsInExtension": 5, "countryOrRegionCode": "1", "uriType": "Bogus"}"#.into(), 400, "invalid-parameter"),
            (Method::PATCH, "/api/v1/um/mailbox-policies/MyUMDialPlan%20Default%20Policy", json_type, r#"{"pinLifetime": "forever"}"#.into(), 400, "invalid-body"),
            (Method::PATCH, "/api/v1/um/mailbox-policies/MyUMDialPlan%20Default%20Policy", json_type, r#"{"minPinLength": 3}"#.into(), 400, "invalid-parameter"),
            (Method::POST, "/api/v1/mailboxes/tony/um", json_type, format!(r#"{{"umMailboxPolicy": "{POLICY}"}}"#), 409, "conflict"),
            (Method::POST, "/api/v1/mailboxes/kim/um", json_type, r#"{"umMailboxPolicy": "Nope"}"#.into(), 404, "not-found"),
            (Method::POST, "/api/v1/mailboxes/kim/um", json_type, format!(r#"{{"umMailboxPolicy": "{POLICY}"}}"#), 422, "rule-violation"),
            (Method::POST, "/api/v1/mailboxes/tony/um/pin/reset", json_type, r#"{"pin": "12"}"#.into(), 422, "pin-rule"),
            (Method::POST, "/api/v1/mailboxes/tony/um/pin/reset", json_type, r#"{"pin": 73920581}"#.into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/mailboxes/tony/um/pin/reset", json_type, r#"{"notifyEmail": "nobody"}"#.into(), 400, "invalid-parameter"),
            (Method::POST, "/api/v1/cmdlets/Get-UMMailboxPIN", json_type, r#"{"parameters": []}"#.into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/cmdlets/Get-UMMailboxPIN", json_type, r#"{"parameters": {}, "page": {"size": -1}}"#.into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/cmdlets/Get-UMMailboxPIN", json_type, r#"{"parameters": {"Identity": {"time": "soon"}}}"#.into(), 400, "invalid-body"),
            (Method::POST, "/api/v1/cmdlets/Get-UMMailboxPIN", json_type, deep, 400, "invalid-body"),
            (Method::POST, "/api/v1/auth/token", json_type, r#"{"username": "admin"}"#.into(), 400, "invalid-body"),
        ];
        for (method, path, content_type, body, status, slug) in cases {
            let label = format!("{method} {path} {body:.80}");
            let reply = api.raw(method, path, content_type, body.into_bytes()).await;
            assert!((400..500).contains(&reply.status), "{label}: {} {}", reply.status, reply.body);
            assert_eq!((reply.status, reply.content_type()), (status, "application/problem+json"), "{label}: {}", reply.body);
            let p = reply.json();
            assert!(p["type"].as_str().unwrap().ends_with(slug), "{label}: {}", reply.body);
            assert!(!p["detail"].as_str().unwrap().is_empty(), "{label}");
        }
        assert!(!api.raw(Method::POST, "/api/v1/mailboxes/tony/um/pin/reset", json_type, br#"{"pin": 73920581}"#.to_vec()).await.body.contains("73920581"));
    }

    /// A request target or header section over the server's limits is a 414 or 431 problem, not
    /// hyper's empty answer.
    async fn a_long_request_target_or_header_section_is_a_414_or_431_problem(db: Database) {
        let api = Api::start(db).await;
        let long_query = format!("/api/v1/mailboxes?anr={}", "a".repeat(20_000));
        let detail = api.get(&long_query).await.problem(414, "bad-request");
        assert!(detail.contains("at most 8192"), "{detail}");
        let big_header = api.http.get(format!("{}/api/v1/mailboxes", api.base)).header("x-filler", "a".repeat(40_000));
        let detail = reply(big_header).await.problem(431, "bad-request");
        assert!(detail.contains("header"), "{detail}");
        let mut many = api.http.get(format!("{}/api/v1/mailboxes", api.base));
        for i in 0..150 {
            many = many.header(format!("x-filler-{i}"), "a");
        }
        reply(many).await.problem(431, "bad-request");
        api.get("/api/v1/mailboxes").await.ok(200);
    }

    /// An answer given without reading the request body (a 401 on a POST, a GET with a body)
    /// says `Connection: close`, so the client doesn't send its next request on a connection the
    /// server is closing; an answer that read the body keeps the connection.
    async fn an_answer_that_leaves_the_request_body_unread_says_connection_close(db: Database) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let api = Api::start(db).await;
        let address = api.address();
        let head_of = |request: String| {
            let address = address.clone();
            async move {
                let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
                stream.write_all(request.as_bytes()).await.unwrap();
                let mut answer = Vec::new();
                let mut buffer = [0u8; 4096];
                // Only the head is needed: read until it is complete (the body isn't sent yet).
                while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await {
                        Ok(Ok(0)) | Err(_) => break,
                        Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
                        Ok(Err(e)) => panic!("{e}"),
                    }
                }
                String::from_utf8_lossy(&answer).to_lowercase()
            }
        };
        let unauthenticated_post = head_of(format!(
            "POST /api/v1/mailboxes HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
        ))
        .await;
        assert!(unauthenticated_post.starts_with("http/1.1 401"), "{unauthenticated_post}");
        assert!(unauthenticated_post.contains("connection: close"), "{unauthenticated_post}");
        let get_with_body = head_of(format!(
            "GET /api/v1/mailboxes HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Length: 10\r\n\r\n",
            api.token
        ))
        .await;
        assert!(get_with_body.starts_with("http/1.1 200"), "{get_with_body}");
        assert!(get_with_body.contains("connection: close"), "{get_with_body}");
        let body = r#"{"name": "Kim Akers", "primarySmtpAddress": "kim@contoso.com"}"#;
        let read_post = head_of(format!(
            "POST /api/v1/mailboxes HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            api.token,
            body.len()
        ))
        .await;
        assert!(read_post.starts_with("http/1.1 201"), "{read_post}");
        assert!(!read_post.contains("connection: close"), "a body read to its end keeps the connection: {read_post}");
    }

    /// A body announced larger than the limit is refused with a 413 problem before it is sent.
    async fn an_oversize_body_is_a_413_problem(db: Database) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let api = Api::start(db).await;
        let address = api.address();
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST /api/v1/mailboxes HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            api.token,
            2 * 1024 * 1024
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.to_lowercase().contains("content-type: application/problem+json"), "{answer}");
        assert!(answer.contains("https://umpin.dev/problems/payload-too-large"), "{answer}");
    }

    /// A chunked body (no Content-Length, so nothing to refuse up front) that grows beyond the
    /// limit is refused with a 413 problem as it is read; the server goes on answering.
    async fn a_chunked_body_over_the_limit_is_a_413_problem_and_the_server_goes_on(db: Database) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let api = Api::start(db).await;
        let address = api.address();
        let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let (mut reading, mut writing) = stream.into_split();
        let head = format!(
            "POST /api/v1/mailboxes HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            api.token
        );
        // Twice the limit, in chunks of 64 KiB, written while the answer is read: the server
        // answers (and closes) before the body is over.
        let sender = tokio::spawn(async move {
            writing.write_all(head.as_bytes()).await?;
            let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
            for _ in 0..32 {
                writing.write_all(chunk.as_bytes()).await?;
            }
            writing.write_all(b"0\r\n\r\n").await
        });
        let mut answer = Vec::new();
        // The connection may be reset once the answer is in: what was read is kept.
        let _ = tokio::time::timeout(Duration::from_secs(20), reading.read_to_end(&mut answer)).await;
        sender.abort();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.to_lowercase().contains("content-type: application/problem+json"), "{answer}");
        assert!(answer.contains("https://umpin.dev/problems/payload-too-large"), "{answer}");
        api.get("/api/v1/mailboxes").await.ok(200);
    }

    /// A request not complete within `request_timeout` (here a body that never comes) is
    /// stopped and answered with a 503 `timeout` problem; the server goes on answering.
    async fn a_request_over_the_time_limit_is_a_503_timeout_problem(db: Database) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let config = ServerConfig { request_timeout: Duration::from_secs(2), ..ServerConfig::default() };
        let api = Api::start_with(db, config).await;
        let address = api.address();
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST /api/v1/mailboxes HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"name\": ",
            api.token
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let started = std::time::Instant::now();
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(20), stream.read_to_string(&mut answer))
            .await
            .expect("the server answers within its time limit")
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(1900), "answered before the time limit: {answer}");
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(answer.to_lowercase().contains("content-type: application/problem+json"), "{answer}");
        assert!(answer.contains("https://umpin.dev/problems/timeout"), "{answer}");
        assert!(answer.contains("took longer than the server allows"), "{answer}");
        api.get("/api/v1/mailboxes").await.ok(200);
    }

    /// A PIN set through the API (enable, reset, the cmdlet endpoint, refused or accepted)
    /// appears in no answer and in no log line; nor do the password and the token.
    async fn a_pin_set_through_the_api_and_the_credentials_appear_in_no_answer_and_no_log(db: Database) {
        let api = Api::start(db).await;
        let pins = ["60418273", "60418274", "60418275", "60418a27", "60418276"];
        let mut answers = Vec::new();
        api.post("/api/v1/um/dial-plans", json!({"name": PLAN, "numberOfDigitsInExtension": 5, "countryOrRegionCode": "1"}))
            .await
            .ok(201);
        api.post("/api/v1/mailboxes", json!({"name": "Tony Smith", "primarySmtpAddress": "tony@contoso.com"})).await.ok(201);
        answers.push(api.enable("tony@contoso.com", "51234", Some(pins[0])).await);
        answers.push(api.post("/api/v1/mailboxes/tony/um/pin/reset", json!({"pin": pins[1]})).await);
        answers.push(api.cmdlet("Set-UMMailboxPIN", json!({"parameters": {"Identity": "tony", "Pin": pins[2]}})).await);
        answers.push(api.post("/api/v1/mailboxes/tony/um/pin/reset", json!({"pin": pins[3]})).await);
        answers.push(api.post("/api/v1/mailboxes/tony/um/pin/reset", json!({"pin": pins[4].parse::<u64>().unwrap()})).await);
        answers.push(api.cmdlet("Set-UMMailboxPIN", json!({"parameters": {"Identity": "tony", "Pin": [pins[4]]}})).await);
        answers.push(api.get("/api/v1/mailboxes/tony/um/pin").await);
        answers.push(api.cmdlet("Get-UMMailboxPIN", json!({})).await);
        assert_eq!(answers.iter().map(|a| a.status).collect::<Vec<_>>(), [201, 200, 200, 422, 400, 400, 200, 200]);
        let logs = logs();
        assert!(logs.contains("tony@contoso.com") || logs.contains("/api/v1/mailboxes"), "logs are captured");
        for pin in pins {
            for answer in &answers {
                assert!(!answer.body.contains(pin), "the PIN is in an answer: {}", answer.body);
            }
            assert!(!logs.contains(pin), "the PIN {pin} is in the logs");
        }
        assert!(!logs.contains(PASSWORD), "the password is in the logs");
        assert!(!logs.contains(&api.token), "the token is in the logs");
    }
}

/// A server configuration that trusts the proxies `entries`.
fn trusting(entries: &[&str]) -> ServerConfig {
    ServerConfig { trusted_proxies: TrustedProxies::parse(entries).unwrap(), ..ServerConfig::default() }
}

// ---------------------------------------------------------------------------------------------
// Trusted proxies: the rules, without a server

/// The caller `proxies` sees in a request from `peer` with these `X-Forwarded-For` lines.
fn caller(proxies: &TrustedProxies, peer: &str, forwarded_for: &[&[u8]]) -> String {
    let mut headers = HeaderMap::new();
    for line in forwarded_for {
        headers.append("x-forwarded-for", reqwest::header::HeaderValue::from_bytes(line).unwrap());
    }
    proxies.client_address(peer.parse::<IpAddr>().unwrap(), &headers).to_string()
}

#[test]
fn the_caller_is_the_first_address_from_the_right_of_x_forwarded_for_that_isnt_a_trusted_proxy() {
    let proxies = TrustedProxies::parse(&["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"]).unwrap();
    let cases: &[(&str, &[&[u8]], &str)] = &[
        ("192.0.2.1", &[], "192.0.2.1"),
        ("192.0.2.1", &[b"203.0.113.7"], "203.0.113.7"),
        ("192.0.2.1", &[b"198.51.100.1, 203.0.113.7, 10.1.2.3"], "203.0.113.7"),
        ("192.0.2.1", &[b"198.51.100.1, 203.0.113.7", b"10.1.2.3"], "203.0.113.7"),
        ("192.0.2.1", &[b"10.0.0.5,10.0.0.6"], "10.0.0.5"),
        ("192.0.2.1", &[b"203.0.113.7:5060"], "203.0.113.7"),
        ("192.0.2.1", &[b"[2001:db9::1]:443"], "2001:db9::1"),
        ("192.0.2.1", &[b"::ffff:203.0.113.7"], "203.0.113.7"),
        ("::ffff:192.0.2.1", &[b"203.0.113.7"], "203.0.113.7"),
        ("2001:db8::5", &[b"2001:db9::1, 2001:db8:ffff::1"], "2001:db9::1"),
        ("10.255.255.255", &[b"203.0.113.7"], "203.0.113.7"),
        // What the client wrote beyond the first untrusted address is never read.
        ("192.0.2.1", &[b"garbage, 203.0.113.7"], "203.0.113.7"),
        ("192.0.2.1", &[b"garbage", b"203.0.113.7"], "203.0.113.7"),
    ];
    for (peer, forwarded_for, expected) in cases {
        assert_eq!(caller(&proxies, peer, forwarded_for), *expected, "{peer} {forwarded_for:?}");
    }
}

#[test]
fn x_forwarded_for_from_a_peer_that_isnt_a_trusted_proxy_is_ignored() {
    let proxies = TrustedProxies::parse(&["10.0.0.0/8", "192.0.2.1"]).unwrap();
    for peer in ["198.51.100.9", "11.0.0.1", "192.0.2.2", "::1", "2001:db8::1"] {
        assert_eq!(caller(&proxies, peer, &[b"203.0.113.7"]), peer.parse::<IpAddr>().unwrap().to_string());
    }
    assert_eq!(caller(&TrustedProxies::default(), "127.0.0.1", &[b"203.0.113.7"]), "127.0.0.1");
}

#[test]
fn a_malformed_x_forwarded_for_from_a_trusted_proxy_makes_the_proxy_the_caller() {
    let proxies = TrustedProxies::parse(&["192.0.2.1"]).unwrap();
    for forwarded_for in
        [&b"203.0.113.7, not-an-address"[..], b"203.0.113.7,", b"", b" ", b",", b"\xff\xfe", b"203.0.113.7/24"]
    {
        assert_eq!(caller(&proxies, "192.0.2.1", &[forwarded_for]), "192.0.2.1", "{forwarded_for:?}");
    }
}

#[test]
fn trusted_proxies_are_addresses_and_cidr_ranges_and_a_wrong_entry_is_refused_naming_it() {
    TrustedProxies::parse(&["192.0.2.10", "10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32", "::1", " 172.16.0.0/12 "])
        .unwrap();
    let refused = |entry: &str, says: &str| {
        let message = TrustedProxies::parse(&["10.0.0.0/8", entry]).unwrap_err().to_string();
        assert!(message.contains(&format!("'{entry}'")) && message.contains("trusted_proxies"), "{message}");
        assert!(message.contains(says), "{entry}: {message}");
        assert!(!message.contains("'10.0.0.0/8'"), "only the wrong entry is named: {message}");
    };
    refused("proxy.contoso.com", "isn't an IP address or a CIDR range");
    refused("10.0.0.0/33", "from 0 to 32");
    refused("2001:db8::/129", "from 0 to 128");
    refused("10.0.0.0/", "from 0 to 32");
    refused("10.0.0.0/8/8", "from 0 to 32");
    refused("10.1.2.3/8", "write the range as 10.0.0.0/8");
    refused("", "isn't an IP address");
}

#[test]
fn a_range_holds_exactly_the_addresses_that_share_its_prefix() {
    let proxies = TrustedProxies::parse(&["172.16.0.0/12", "2001:db8:8000::/33"]).unwrap();
    let trusted = |peer: &str| caller(&proxies, peer, &[b"203.0.113.7"]) == "203.0.113.7";
    for inside in ["172.16.0.0", "172.31.255.255", "2001:db8:8000::", "2001:db8:ffff:ffff::1"] {
        assert!(trusted(inside), "{inside}");
    }
    for outside in ["172.15.255.255", "172.32.0.0", "2001:db8:7fff:ffff::1", "2001:db9::", "::ffff:172.15.0.1"] {
        assert!(!trusted(outside), "{outside}");
    }
    let everything = TrustedProxies::parse(&["0.0.0.0/0"]).unwrap();
    assert_eq!(caller(&everything, "198.51.100.9", &[b"203.0.113.7, 8.8.8.8"]), "203.0.113.7");
}

#[path = "api/directory.rs"]
mod directory;
#[path = "api/voice.rs"]
mod voice;
