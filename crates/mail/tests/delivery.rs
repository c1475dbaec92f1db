//! Delivery of the outbox through a real SMTP conversation (`umpin_mail::testing::SmtpSink`) and
//! into a pickup directory, on both storage backends (`sqlite::<case>`, `postgres::<case>`), with
//! the service state made by the real operations. The mail settings are checked at the end.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use umpin_crypto::{Argon2Params, KeyRing, Vault};
use umpin_domain::{LimitValue, PolicyChanges, Timestamp};
use umpin_mail::testing::{Mode, Received, SmtpSink};
use umpin_mail::{DeliveryReport, MailConfig, MailConfigError, OutboxWorker, SmtpSecurity};
use umpin_service::testing::{PLAN, POLICY, TONY_PIN, admin, contoso, enable, pin};
use umpin_service::{PinReset, Service, SignInOutcome};
use umpin_store::Database;

// ---------------------------------------------------------------------------------------------
// The service and its organisation

/// The services' clock: now, moved ahead by the tests to reach a retry.
#[derive(Clone, Default)]
struct Clock(Arc<AtomicU64>);

impl Clock {
    fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

/// A service on `db` with the server key in `key_file` (created when missing), the fast Argon2
/// parameters of tests, and `clock`.
fn service_on(db: Database, key_file: &Path, clock: &Clock) -> Service {
    let (keys, _) = KeyRing::load_or_create(key_file).unwrap();
    let ahead = Arc::clone(&clock.0);
    Service::new(db, Vault::new(keys, Argon2Params::FAST_FOR_TESTS, 4).unwrap()).with_clock(Arc::new(move || {
        Timestamp::now().checked_add(Duration::from_secs(ahead.load(Ordering::SeqCst))).unwrap()
    }))
}

/// One node: a service with its own key directory and clock.
struct Node {
    service: Service,
    clock: Clock,
    keys: TempDir,
}

impl Node {
    fn new(db: Database) -> Node {
        let (keys, clock) = (tempfile::tempdir().unwrap(), Clock::default());
        Node { service: service_on(db, &keys.path().join("umpin.key"), &clock), clock, keys }
    }

    /// Another node on the same database (a pool of its own), with the same key and clock.
    async fn another(&self) -> Service {
        let db = self.service.database().connect_like().await.unwrap();
        service_on(db, &self.keys.path().join("umpin.key"), &self.clock)
    }

    fn worker(&self, config: &MailConfig) -> OutboxWorker {
        OutboxWorker::new(self.service.clone(), config).unwrap().unwrap()
    }

    async fn depth(&self) -> u64 {
        self.service.outbox_depth().await.unwrap()
    }
}

/// Resets a PIN to `new` (or a generated one), mailed to the mailbox's primary address.
async fn reset(s: &Service, who: &str, new: Option<&str>) {
    s.set_um_mailbox_pin(&admin(), who, PinReset { pin: new.map(pin), ..Default::default() }).await.unwrap();
}

fn report(delivered: usize, failed: usize, released: usize) -> DeliveryReport {
    DeliveryReport { delivered, failed, released }
}

/// Passes until one finds nothing due (at most `limit`), adding up what they did.
async fn passes_until_idle(worker: &OutboxWorker, limit: usize) -> DeliveryReport {
    let mut total = DeliveryReport::default();
    for _ in 0..limit {
        let pass = worker.deliver_due().await.unwrap();
        if pass == DeliveryReport::default() {
            return total;
        }
        total.delivered += pass.delivered;
        total.failed += pass.failed;
        total.released += pass.released;
    }
    panic!("still busy after {limit} passes: {total:?}");
}

/// Waits, up to `seconds`, for `done`.
async fn wait_until(seconds: u64, what: &str, done: impl AsyncFn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done().await {
        assert!(Instant::now() < deadline, "not within {seconds} s: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every run of `min` or more digits in `text`.
fn digit_runs(text: &str, min: usize) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|run| run.len() >= min).map(str::to_owned).collect()
}

/// Collects what `tracing` writes on the current thread.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// ---------------------------------------------------------------------------------------------

umpin_store::backend_tests! {
    /// The welcome message of `Enable-UMMailbox` goes to `NotifyEmail` (or else the primary
    /// address) and the reset message of `Set-UMMailboxPIN` to the primary address, each with the
    /// PIN that was set; delivered messages leave the outbox.
    async fn welcome_and_reset_messages_reach_their_recipient_with_the_pin_and_leave_the_outbox(db: Database) {
        let node = Node::new(db);
        let s = &node.service;
        contoso(s).await;
        enable(s, "kim@contoso.com", "51235", Some("2758391"), None).await.unwrap();
        reset(s, "tony", Some("1985848")).await;
        let sink = SmtpSink::start().await;
        let worker = node.worker(&sink.config());
        assert_eq!(worker.deliver_due().await.unwrap(), report(3, 0, 0));

        let received = sink.received();
        assert_eq!(received.len(), 3);
        let to = |address: &str| received.iter().find(|m| m.to == [address]).unwrap_or_else(|| panic!("nothing to {address}"));
        for (address, subject, pin) in [
            ("administrator@contoso.com", "Welcome to Unified Messaging", TONY_PIN),
            ("kim@contoso.com", "Welcome to Unified Messaging", "2758391"),
            ("tony@contoso.com", "Your voice mail PIN has been reset", "1985848"),
        ] {
            let message = to(address);
            assert_eq!(message.subject(), subject, "to {address}");
            assert_eq!(message.header("To"), Some(address));
            assert_eq!(message.from, "voicemail@contoso.com");
            assert_eq!(message.header("From"), Some("\"Voice Mail\" <voicemail@contoso.com>"));
            assert!(message.body().contains(&format!("PIN: {pin}")), "to {address}: {}", message.body());
        }
        assert!(to("administrator@contoso.com").body().contains("51234"));
        assert_eq!(node.depth().await, 0, "delivered messages are deleted");
        assert_eq!(worker.deliver_due().await.unwrap(), DeliveryReport::default());
        assert_eq!(sink.received().len(), 3);
    }

    /// With the mail server down, PIN resets still succeed and their messages stay queued,
    /// each tried once and then not again before its retry time; once the server is back,
    /// every message arrives, each exactly once.
    async fn with_the_mail_server_down_resets_succeed_and_every_message_arrives_once_it_is_back(db: Database) {
        let node = Node::new(db);
        let s = &node.service;
        let mut sink = SmtpSink::start().await;
        sink.stop().await;
        let worker = node.worker(&sink.config());
        contoso(s).await;
        let pins = [TONY_PIN, "1985848", "2758391", "3869402"];
        for new in &pins[1..] {
            reset(s, "tony", Some(new)).await;
        }

        let tried = passes_until_idle(&worker, 10).await;
        assert_eq!((tried.delivered, tried.failed), (0, 4), "each message tried once: {tried:?}");
        assert_eq!(node.depth().await, 4, "nothing lost");
        node.clock.advance(29);
        assert_eq!(worker.deliver_due().await.unwrap(), DeliveryReport::default(), "not due before 30 s");

        sink.restart().await;
        node.clock.advance(2);
        assert_eq!(passes_until_idle(&worker, 10).await, report(4, 0, 0));
        assert_eq!(node.depth().await, 0);
        let received = sink.received();
        let ids: HashSet<String> = received.iter().map(Received::message_id).collect();
        assert_eq!((received.len(), ids.len()), (4, 4), "each message once");
        for pin in pins {
            let with_pin = received.iter().filter(|m| m.body().contains(&format!("PIN: {pin}"))).count();
            assert_eq!(with_pin, 1, "the message with {pin}");
        }
    }

    /// Two nodes sharing one database, each running a worker at the same time, deliver every
    /// message exactly once between them.
    async fn two_workers_on_two_nodes_deliver_every_message_exactly_once(db: Database) {
        let node = Node::new(db);
        let s = &node.service;
        contoso(s).await;
        enable(s, "kim", "51235", None, None).await.unwrap();
        for round in 0..12 {
            reset(s, if round % 2 == 0 { "tony" } else { "kim" }, None).await;
        }
        let expected = 14;
        assert_eq!(node.depth().await, expected);

        let sink = SmtpSink::start().await;
        let other = node.another().await;
        let mut stops = Vec::new();
        let mut workers = Vec::new();
        for service in [s.clone(), other.clone()] {
            let worker = OutboxWorker::new(service, &sink.config()).unwrap().unwrap().poll_every(Duration::from_millis(20));
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            stops.push(stop);
            workers.push(tokio::spawn(worker.run(async move {
                let _ = stopped.await;
            })));
        }
        wait_until(60, "every message delivered", async || {
            node.depth().await == 0 && sink.received().len() >= expected as usize
        })
        .await;
        for stop in stops {
            stop.send(()).unwrap();
        }
        for worker in workers {
            tokio::time::timeout(Duration::from_secs(30), worker).await.unwrap().unwrap();
        }

        let received = sink.received();
        let mut per_id: HashMap<String, usize> = HashMap::new();
        for message in &received {
            *per_id.entry(message.message_id()).or_default() += 1;
        }
        assert_eq!(per_id.len(), expected as usize, "every message arrived");
        assert!(per_id.values().all(|&n| n == 1), "a message arrived twice: {per_id:?}");
        other.database().close().await;
    }

    /// The pickup directory (created when missing) gets one `.eml` file per message, named by
    /// the message, with its recipient and subject, readable by its owner only.
    async fn the_pickup_directory_gets_one_eml_file_per_message_with_recipient_and_subject(db: Database) {
        let node = Node::new(db);
        let s = &node.service;
        contoso(s).await;
        reset(s, "tony", Some("1985848")).await;
        let dir = tempfile::tempdir().unwrap();
        let pickup = dir.path().join("pickup");
        let config = MailConfig {
            from: Some("voicemail@contoso.com".into()),
            pickup_dir: Some(pickup.clone()),
            ..Default::default()
        };
        let worker = node.worker(&config);
        assert_eq!(worker.deliver_due().await.unwrap(), report(2, 0, 0));

        let mut files: Vec<_> = std::fs::read_dir(&pickup).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        assert_eq!(files.len(), 2, "{files:?}");
        let mut found = Vec::new();
        for file in &files {
            assert_eq!(file.extension().unwrap(), "eml");
            let stem = file.file_stem().unwrap().to_str().unwrap();
            assert!(uuid_like(stem), "{stem}");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600);
            }
            let text = std::fs::read_to_string(file).unwrap();
            assert!(text.contains("From: voicemail@contoso.com\r\n"), "{text}");
            for (to, subject, pin) in [
                ("administrator@contoso.com", "Welcome to Unified Messaging", TONY_PIN),
                ("tony@contoso.com", "Your voice mail PIN has been reset", "1985848"),
            ] {
                if text.contains(&format!("To: {to}\r\n")) {
                    assert!(text.contains(&format!("Subject: {subject}\r\n")), "{text}");
                    assert!(text.contains(&format!("PIN: {pin}")), "{text}");
                    found.push(to);
                }
            }
        }
        found.sort();
        assert_eq!(found, ["administrator@contoso.com", "tony@contoso.com"]);
        assert_eq!(node.depth().await, 0);
    }

    /// A server that refuses the recipient (5xx): the message fails, stays queued, is not tried
    /// again before its time, and arrives once the server takes it; nothing panics.
    async fn a_refused_recipient_is_retried_later(db: Database) {
        let node = Node::new(db);
        let s = &node.service;
        contoso(s).await;
        reset(s, "tony", Some("1985848")).await;
        let sink = SmtpSink::start().await;
        sink.set_mode(Mode::RejectRecipients);
        let worker = node.worker(&sink.config());
        // A refusal concerns one message: the pass goes on with the next.
        assert_eq!(worker.deliver_due().await.unwrap(), report(0, 2, 0));
        assert_eq!(worker.deliver_due().await.unwrap(), DeliveryReport::default());
        assert_eq!(node.depth().await, 2);

        sink.set_mode(Mode::Accept);
        node.clock.advance(31);
        assert_eq!(worker.deliver_due().await.unwrap(), report(2, 0, 0));
        assert_eq!(sink.received().len(), 2);
        assert_eq!(node.depth().await, 0);
    }

    /// A server that drops the connection: the message fails, the rest of the pass is handed
    /// back untried, and everything arrives once the server behaves; nothing panics.
    async fn a_dropped_connection_is_retried_later(db: Database) {
        let node = Node::new(db);
        let s = &node.service;
        contoso(s).await;
        reset(s, "tony", Some("1985848")).await;
        let sink = SmtpSink::start().await;
        sink.set_mode(Mode::DropConnection);
        let worker = node.worker(&sink.config());
        assert_eq!(worker.deliver_due().await.unwrap(), report(0, 1, 1));
        assert_eq!(passes_until_idle(&worker, 5).await, report(0, 1, 0));
        assert_eq!(node.depth().await, 2);

        sink.set_mode(Mode::Accept);
        node.clock.advance(31);
        assert_eq!(worker.deliver_due().await.unwrap(), report(2, 0, 0));
        let received = sink.received();
        assert_eq!(received.len(), 2);
        assert_ne!(received[0].message_id(), received[1].message_id());
    }

    /// A server that takes the connection and never answers costs one timeout, not a stuck
    /// worker; the message stays queued.
    async fn a_mail_server_that_never_answers_times_out(db: Database) {
        let node = Node::new(db);
        contoso(&node.service).await;
        let sink = SmtpSink::start().await;
        sink.set_mode(Mode::Silent);
        let worker = node.worker(&sink.config_with_timeout(1));
        let started = Instant::now();
        let pass = tokio::time::timeout(Duration::from_secs(20), worker.deliver_due()).await.unwrap().unwrap();
        assert_eq!(pass, report(0, 1, 0));
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        assert_eq!(node.depth().await, 1);
    }

    /// The lockout notice carries no PIN (the welcome message beside it does).
    async fn the_lockout_notice_carries_no_pin(db: Database) {
        let node = Node::new(db);
        let s = &node.service;
        contoso(s).await;
        let changes = PolicyChanges {
            logon_failures_before_pin_reset: Some(LimitValue::Unlimited),
            max_logon_attempts: Some(3),
            ..Default::default()
        };
        s.set_mailbox_policy(&admin(), POLICY, changes).await.unwrap();
        for _ in 0..3 {
            assert_eq!(s.sign_in(&admin(), PLAN, "51234", &pin("000000")).await.unwrap(), SignInOutcome::WrongPin);
        }
        assert_eq!(s.sign_in(&admin(), PLAN, "51234", &pin(TONY_PIN)).await.unwrap(), SignInOutcome::LockedOut);
        let sink = SmtpSink::start().await;
        assert_eq!(node.worker(&sink.config()).deliver_due().await.unwrap(), report(2, 0, 0));

        let received = sink.received();
        let lockout = received.iter().find(|m| m.subject() == "Your voice mail has been locked").unwrap();
        assert_eq!(lockout.to, ["tony@contoso.com"]);
        assert!(lockout.body().contains("locked"), "{}", lockout.body());
        assert_eq!(digit_runs(lockout.body(), 4), Vec::<String>::new(), "{}", lockout.body());
        let welcome = received.iter().find(|m| m.subject() == "Welcome to Unified Messaging").unwrap();
        assert_eq!(digit_runs(welcome.body(), 4), ["51234", TONY_PIN]);
    }

    /// What delivery logs, delivered or failed, names messages and errors but never a PIN.
    async fn no_pin_reaches_the_log_when_messages_are_delivered_or_fail(db: Database) {
        let node = Node::new(db);
        let s = &node.service;
        contoso(s).await;
        reset(s, "tony", Some("1985848")).await;
        let log = LogBuffer::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _logging = tracing::subscriber::set_default(subscriber);

        let mut sink = SmtpSink::start().await;
        let worker = node.worker(&sink.config());
        sink.set_mode(Mode::RejectRecipients);
        worker.deliver_due().await.unwrap();
        sink.set_mode(Mode::DropConnection);
        node.clock.advance(31);
        passes_until_idle(&worker, 5).await;
        sink.stop().await;
        node.clock.advance(61);
        passes_until_idle(&worker, 5).await;
        sink.restart().await;
        sink.set_mode(Mode::Accept);
        node.clock.advance(121);
        assert_eq!(worker.deliver_due().await.unwrap(), report(2, 0, 0));

        let text = log.text();
        assert!(text.contains("Recipient address rejected"), "{text}");
        assert!(text.contains("e-mail delivered"), "{text}");
        assert_eq!(text.matches("couldn't be delivered").count(), 6, "{text}");
        for secret in [TONY_PIN, "1985848"] {
            assert!(!text.contains(secret), "the log holds the PIN {secret}:\n{text}");
        }
        assert!(sink.received().iter().any(|m| m.body().contains("1985848")), "the PIN did travel in the mail");
    }

    /// A claimed message opens to its recipient, subject and body, and its `Debug` output shows
    /// no body (it holds the PIN); handed back, it is due again at once.
    async fn a_claimed_message_shows_no_pin_in_debug_output(db: Database) {
        let node = Node::new(db);
        contoso(&node.service).await;
        let mut due = node.service.claim_due_messages(10, Duration::from_secs(60)).await.unwrap();
        assert_eq!((due.messages.len(), due.unreadable), (1, 0));
        let message = due.messages.pop().unwrap();
        assert_eq!((message.recipient.as_str(), message.subject.as_str()), ("administrator@contoso.com", "Welcome to Unified Messaging"));
        assert!(message.body.contains(TONY_PIN));
        let shown = format!("{message:?}");
        assert!(shown.contains("administrator@contoso.com") && !shown.contains(TONY_PIN), "{shown}");
        assert!(node.service.release_message(message).await.unwrap());
        assert_eq!(node.service.claim_due_messages(10, Duration::from_secs(60)).await.unwrap().messages.len(), 1);
    }

    /// A message this server's keys can't open (another key file) is not dropped: it counts as
    /// failed, waits for its next attempt, and a server with the right key delivers it.
    async fn a_message_the_keys_cannot_open_stays_queued_for_a_server_that_can(db: Database) {
        let node = Node::new(db);
        contoso(&node.service).await;
        let stranger = Node::new(node.service.database().connect_like().await.unwrap());
        let sink = SmtpSink::start().await;
        assert_eq!(stranger.worker(&sink.config()).deliver_due().await.unwrap(), report(0, 1, 0));
        assert_eq!(node.depth().await, 1);
        let worker = node.worker(&sink.config());
        assert_eq!(worker.deliver_due().await.unwrap(), DeliveryReport::default(), "not due before 30 s");
        node.clock.advance(31);
        assert_eq!(worker.deliver_due().await.unwrap(), report(1, 0, 0));
        assert!(sink.received()[0].body().contains(TONY_PIN));
        stranger.service.database().close().await;
    }

    /// Without SMTP or a pickup directory, delivery is off: no worker, and messages wait.
    async fn without_smtp_or_a_pickup_directory_delivery_is_off(db: Database) {
        let node = Node::new(db);
        contoso(&node.service).await;
        let config = MailConfig { from: Some("voicemail@contoso.com".into()), ..Default::default() };
        assert!(!config.is_enabled());
        config.validate().unwrap();
        assert!(OutboxWorker::new(node.service.clone(), &config).unwrap().is_none());
        assert!(OutboxWorker::new(node.service.clone(), &MailConfig::default()).unwrap().is_none());
        assert_eq!(node.depth().await, 1);
    }
}

fn uuid_like(text: &str) -> bool {
    text.len() == 36 && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

// ---------------------------------------------------------------------------------------------
// The mail settings

/// The `[mail]` table of a configuration file, read as `umpin` reads its configuration.
fn settings(toml: &str) -> Result<MailConfig, String> {
    use figment::providers::{Format, Toml};
    figment::Figment::from(Toml::string(toml)).extract().map_err(|e| e.to_string())
}

#[test]
fn settings_with_both_smtp_and_a_pickup_directory_are_refused_naming_what_to_remove() {
    let config = settings(
        "from = 'voicemail@contoso.com'\npickup_dir = '/tmp/pickup'\n[smtp]\nhost = 'smtp.contoso.com'\nsecurity = 'none'\n",
    )
    .unwrap();
    let err = config.validate().unwrap_err();
    assert!(matches!(err, MailConfigError::BothSmtpAndPickup));
    let message = err.to_string();
    assert!(
        message.contains("remove") && message.contains("[mail.smtp]") && message.contains("pickup_dir"),
        "{message}"
    );
}

#[test]
fn unknown_mail_settings_are_refused() {
    let err = settings("[smtp]\nhost = 'smtp.contoso.com'\nhots = 'typo'\n").unwrap_err();
    assert!(err.contains("hots"), "{err}");
    assert!(settings("form = 'voicemail@contoso.com'\n").is_err());
    assert!(settings("[smtp]\nhost = 'h'\nsecurity = 'ssl'\n").is_err(), "only starttls, tls or none");
}

#[test]
fn the_smtp_settings_read_with_their_defaults() {
    let config = settings("from = 'voicemail@contoso.com'\n[smtp]\nhost = 'smtp.contoso.com'\n").unwrap();
    let smtp = config.smtp.as_ref().unwrap();
    assert_eq!((smtp.security, smtp.port()), (SmtpSecurity::Starttls, 587));
    assert!(config.is_enabled());
    config.validate().unwrap();
    let tls = settings("[smtp]\nhost = 'h'\nsecurity = 'tls'\n").unwrap();
    assert_eq!(tls.smtp.unwrap().port(), 465);
}

#[test]
fn the_smtp_password_never_shows_in_debug_output_or_serialized_settings() {
    let config = settings(
        "from = 'voicemail@contoso.com'\n[smtp]\nhost = 'smtp.contoso.com'\nusername = 'umpin'\npassword = 'Pa55-w0rd-zq'\n",
    )
    .unwrap();
    config.validate().unwrap();
    assert!(!format!("{config:?}").contains("Pa55-w0rd-zq"), "{config:?}");
    let serialized: figment::value::Value =
        figment::Figment::from(figment::providers::Serialized::defaults(&config)).extract().unwrap();
    let serialized = format!("{serialized:?}");
    assert!(serialized.contains("umpin") && !serialized.contains("Pa55-w0rd-zq"), "{serialized}");
}

#[test]
fn the_smtp_password_may_be_given_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smtp-password");
    std::fs::write(&file, "Pa55-w0rd-zq\n").unwrap();
    let with_file = |path: &Path| {
        settings(&format!(
            "from = 'voicemail@contoso.com'\n[smtp]\nhost = 'smtp.contoso.com'\nusername = 'umpin'\npassword_file = '{}'\n",
            path.display()
        ))
        .unwrap()
    };
    with_file(&file).validate().unwrap();

    let missing = dir.path().join("missing");
    let err = with_file(&missing).validate().unwrap_err().to_string();
    assert!(err.contains(&missing.display().to_string()), "{err}");
    std::fs::write(&file, "\n").unwrap();
    assert!(matches!(with_file(&file).validate(), Err(MailConfigError::EmptyPasswordFile { .. })));
}

#[test]
fn incomplete_or_unsafe_smtp_credentials_are_refused() {
    let check = |extra: &str| {
        settings(&format!("from = 'voicemail@contoso.com'\n[smtp]\nhost = 'smtp.contoso.com'\n{extra}"))
            .unwrap()
            .validate()
    };
    assert!(matches!(check("username = 'umpin'\n"), Err(MailConfigError::NoPassword)));
    assert!(matches!(check("password = 'x'\n"), Err(MailConfigError::NoUsername)));
    assert!(matches!(
        check("username = 'u'\npassword = 'x'\npassword_file = '/etc/passwd'\n"),
        Err(MailConfigError::BothPasswords)
    ));
    let err = check("security = 'none'\nusername = 'u'\npassword = 'Pa55-w0rd-zq'\n").unwrap_err();
    assert!(matches!(err, MailConfigError::PasswordInTheClear));
    assert!(!err.to_string().contains("Pa55-w0rd-zq"));
    assert!(matches!(check("timeout_seconds = 0\n"), Err(MailConfigError::ZeroTimeout)));
}

#[test]
fn delivery_needs_a_valid_sender_address() {
    let pickup =
        |from: &str| MailConfig { from: Some(from.into()), pickup_dir: Some("/tmp/p".into()), ..Default::default() };
    assert!(matches!(
        MailConfig { pickup_dir: Some("/tmp/p".into()), ..Default::default() }.validate(),
        Err(MailConfigError::NoFrom)
    ));
    let err = pickup("not an address").validate().unwrap_err();
    assert!(matches!(err, MailConfigError::InvalidFrom { .. }), "{err}");
    pickup("Voice Mail <voicemail@contoso.com>").validate().unwrap();
}
