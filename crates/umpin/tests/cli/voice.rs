//! Voice access end to end: a telephony front end calling a real `umpin serve` over the voice API,
//! an administrator in the remote shell, and the server's e-mail at an SMTP server of the test.

use std::path::Path;

use serde_json::{Value, json};
use umpin_mail::testing::SmtpSink;

use super::phone::wait_for_mail;
use super::remote::remote;
use super::serve::Serving;
use super::{contoso, shell_ok, stderr, stdout};

const ADMIN_PASSWORD: &str = "org admin password 1";
const VOICE_PASSWORD: &str = "voice access password 1";
const DIAL_PLAN: &str = "MyUMDialPlan";
/// The PIN every mailbox of these tests starts with (not expired, so a sign-in is all it takes).
const PIN: &str = "8273645";

/// A telephony front end signed in as the Voice Access account `ivr`.
struct FrontEnd {
    http: reqwest::Client,
    base: String,
    bearer: String,
}

impl FrontEnd {
    async fn sign_in(base: &str) -> FrontEnd {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::new();
        let credentials = json!({"username": "ivr", "password": VOICE_PASSWORD});
        let token: Value = http
            .post(format!("{base}/api/v1/auth/token"))
            .json(&credentials)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let bearer = format!("Bearer {}", token["token"].as_str().unwrap_or_else(|| panic!("no token: {token}")));
        FrontEnd { http, base: base.to_owned(), bearer }
    }

    async fn post(&self, path: &str, call: Option<&str>, body: Value) -> Value {
        let mut request =
            self.http.post(format!("{}{path}", self.base)).header("Authorization", &self.bearer).json(&body);
        if let Some(call) = call {
            request = request.header("Umpin-Call", call);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    /// A new call on the dial plan, from `caller_id` when given; its id.
    async fn call(&self, caller_id: Option<&str>) -> String {
        let started =
            self.post("/api/v1/voice/calls", None, json!({"dialPlan": DIAL_PLAN, "callerId": caller_id})).await;
        started["callId"].as_str().unwrap_or_else(|| panic!("no call: {started}")).to_owned()
    }

    /// The caller enters `extension` and `pin` on `call`: the answer.
    async fn enter(&self, call: &str, extension: &str, pin: &str) -> Value {
        self.post("/api/v1/voice/call/sign-in", Some(call), json!({"extension": extension, "pin": pin})).await
    }

    /// The outcome of one sign-in on a call of its own.
    async fn sign_in_once(&self, caller_id: Option<&str>, extension: &str, pin: &str) -> String {
        let call = self.call(caller_id).await;
        self.enter(&call, extension, pin).await["outcome"].as_str().unwrap().to_owned()
    }
}

/// A data directory with the dial plan and policy, an Organization Management account `orgadmin`
/// and the Voice Access account `ivr`.
fn organisation() -> tempfile::TempDir {
    let dir = contoso(2);
    shell_ok(
        dir.path(),
        &format!(
            "New-ManagementAccount orgadmin -Password '{ADMIN_PASSWORD}'; \
             Add-RoleGroupMember 'Organization Management' -Member orgadmin; \
             New-ManagementAccount ivr -Password '{VOICE_PASSWORD}'; Add-RoleGroupMember 'Voice Access' -Member ivr"
        ),
    );
    dir
}

/// `umpin serve` on `dir`, mailing through `sink`, with `more` settings.
fn serve_mailing_to(dir: &Path, sink: &SmtpSink, more: &[(&str, &str)]) -> Serving {
    let port = sink.port().to_string();
    let mut env = vec![
        ("UMPIN_SERVER__LISTEN", "127.0.0.1:0"),
        ("UMPIN_MAIL__FROM", "voicemail@contoso.com"),
        ("UMPIN_MAIL__SMTP__HOST", "127.0.0.1"),
        ("UMPIN_MAIL__SMTP__PORT", port.as_str()),
        ("UMPIN_MAIL__SMTP__SECURITY", "none"),
    ];
    env.extend_from_slice(more);
    Serving::start(dir, &env)
}

/// `text` with every run of spaces made one, to read a list's `Name : Value` lines whatever
/// their alignment.
fn squeezed(text: &str) -> String {
    text.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A pipeline in the remote shell as `orgadmin`, which must succeed: its output.
fn as_admin(server: &Serving, config_home: &Path, pipeline: &str) -> String {
    let out = remote(&server.url, "orgadmin", Some(ADMIN_PASSWORD), config_home, pipeline);
    assert!(out.status.success(), "{pipeline}: {}", stderr(&out));
    stdout(&out)
}

/// One caller ID tries 3 PINs on each of 30 extensions: it is refused once its failures reach
/// 10 mailboxes (the default threshold), so no mailbox gets near a lockout and no PIN is
/// evaluated after the block; the block is audited and alerted to the security address; another
/// caller ID still signs in; `Clear-UMSprayBlock` in the remote shell lifts the block.
#[test]
fn a_caller_id_spraying_three_pins_over_thirty_extensions_is_blocked_alerted_and_lifted() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sink = runtime.block_on(SmtpSink::start());
    let dir = organisation();
    let users: String = (1..=30)
        .map(|n| {
            format!(
                "New-Mailbox -Name 'User {n}' -PrimarySmtpAddress user{n}@contoso.com; \
                 Enable-UMMailbox user{n}@contoso.com -UMMailboxPolicy MyUMMailboxPolicy -Extensions {} -PIN {PIN} -PINExpired $false; ",
                52000 + n
            )
        })
        .collect();
    shell_ok(dir.path(), &users);
    let server = serve_mailing_to(dir.path(), &sink, &[("UMPIN_VOICE__SPRAY_ALERT_ADDRESS", "security@contoso.com")]);
    let config = tempfile::tempdir().unwrap();
    let sprayer = Some("+1 425 555 0199");

    let front_end = runtime.block_on(FrontEnd::sign_in(&server.url));
    let outcomes: Vec<String> = runtime.block_on(async {
        let mut outcomes = Vec::new();
        for n in 1..=30 {
            let call = front_end.call(sprayer).await;
            for pin in ["1234560", "1111110", "2580000"] {
                let answer = front_end.enter(&call, &(52000 + n).to_string(), pin).await;
                outcomes.push(answer["outcome"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned());
            }
        }
        outcomes
    });
    assert!(outcomes.iter().all(|o| o == "wrongPin"), "a blocked source hears a wrong PIN: {outcomes:?}");
    let right_pin = runtime.block_on(front_end.sign_in_once(sprayer, "52030", PIN));
    assert_eq!(right_pin, "wrongPin", "the right PIN is refused while the caller ID is blocked");

    let locked =
        squeezed(&as_admin(&server, config.path(), "Get-UMMailboxPIN | Where-Object LockedOut | Measure-Object"));
    assert!(locked.contains("Count : 0"), "no mailbox is locked out: {locked}");
    let evaluated = squeezed(&as_admin(
        &server,
        config.path(),
        "Get-UMMailboxPIN | Where-Object {$_.FailedLogonCount -gt 0} | Measure-Object FailedLogonCount",
    ));
    // Three failures on each of the first nine mailboxes, and the one on the tenth that blocked.
    assert!(
        evaluated.contains("Count : 10") && evaluated.contains("Sum : 28"),
        "only the PINs before the block were evaluated: {evaluated}"
    );
    let blocks = as_admin(&server, config.path(), "Get-UMSprayBlock | Format-List Source,Mailboxes");
    assert!(blocks.contains("Source    : caller-id:14255550199") && blocks.contains("Mailboxes : 10"), "{blocks}");
    let audited =
        as_admin(&server, config.path(), "Search-AdminAuditLog -ObjectIds caller-id:14255550199 | Format-List");
    assert!(audited.contains("-SprayBlock $true -Mailboxes 10"), "the block is audited: {audited}");

    let neighbour = runtime.block_on(front_end.sign_in_once(Some("+1 425 555 0123"), "52030", PIN));
    assert_eq!(neighbour, "signedIn", "another caller ID is not blocked by the spray");

    let alert = wait_for_mail(&sink, "security@contoso.com");
    assert_eq!(alert.subject(), "Voice sign-ins from caller-id:14255550199 are blocked");
    let text = alert.body();
    assert!(text.contains("10 different mailboxes") && text.contains("Within 10 minutes"), "{text}");
    assert!(text.contains(" until 20"), "the alert says when the block ends: {text}");
    for pin in [PIN, "1234560", "1111110", "2580000"] {
        assert!(!text.contains(pin), "a PIN is in the alert: {text}");
    }

    as_admin(&server, config.path(), "Clear-UMSprayBlock caller-id:14255550199");
    assert_eq!(as_admin(&server, config.path(), "Get-UMSprayBlock"), "", "no block is left");
    let lifted = runtime.block_on(front_end.sign_in_once(sprayer, "52030", PIN));
    assert_eq!(lifted, "signedIn", "the caller ID signs in once the block is lifted");
    let cleared = as_admin(
        &server,
        config.path(),
        "Search-AdminAuditLog -Cmdlets Clear-UMSprayBlock | Format-List Caller,Succeeded",
    );
    assert!(cleared.contains("orgadmin") && cleared.contains("True"), "the lifting is audited: {cleared}");
    drop(server);
    drop(sink);
}

/// The PIN in a reset message.
fn mailed_pin(body: &str) -> String {
    body.lines()
        .find_map(|l| l.strip_prefix("Your new PIN: "))
        .unwrap_or_else(|| panic!("no PIN in the message: {body}"))
        .trim()
        .to_owned()
}

/// The messages the SMTP server has received for `to`, once it has `count` of them.
fn wait_for_messages(sink: &SmtpSink, to: &str, count: usize) -> Vec<umpin_mail::testing::Received> {
    let started = std::time::Instant::now();
    loop {
        let received: Vec<_> = sink.received().into_iter().filter(|m| m.to.iter().any(|r| r == to)).collect();
        if received.len() >= count {
            return received;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{to} got {} of {count} messages",
            received.len()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Wrong PINs over several calls (3 per call, the dial plan's LogonFailuresBeforeDisconnect):
/// the PIN is reset and mailed after failures 5 and 10, each time a different PIN that signs in
/// until the next reset, and the mailbox is locked out at 15 with a lockout notice that holds no
/// PIN.
#[test]
fn wrong_pins_over_calls_reset_the_pin_by_mail_at_5_and_10_and_lock_out_at_15() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sink = runtime.block_on(SmtpSink::start());
    let dir = organisation();
    shell_ok(
        dir.path(),
        &format!(
            "New-Mailbox -Name 'Tony Smith' -PrimarySmtpAddress tony@contoso.com; \
             Enable-UMMailbox tony@contoso.com -UMMailboxPolicy MyUMMailboxPolicy -Extensions 51234 -PIN {PIN} -PINExpired $false"
        ),
    );
    let server = serve_mailing_to(dir.path(), &sink, &[]);
    let config = tempfile::tempdir().unwrap();
    let front_end = runtime.block_on(FrontEnd::sign_in(&server.url));
    let welcome = 1;
    // `failures` wrong PINs, 3 per call: each answer's outcome, failures in its call and whether
    // it ended the call.
    let fail = |failures: usize| {
        runtime.block_on(async {
            let mut answers = Vec::new();
            let mut call = String::new();
            for i in 0..failures {
                if i % 3 == 0 {
                    call = front_end.call(None).await;
                }
                let answer = front_end.enter(&call, "51234", "1111110").await;
                answers.push((answer["outcome"].as_str().unwrap().to_owned(), answer["disconnected"] == true));
            }
            answers
        })
    };
    let signs_in = |pin: &str| runtime.block_on(front_end.sign_in_once(None, "51234", pin));

    // The first five: a reset, whose PIN signs in (and takes the count back to 0).
    let answers = fail(5);
    assert!(answers.iter().all(|(o, _)| o == "wrongPin"), "{answers:?}");
    assert_eq!(answers.iter().filter(|(_, ended)| *ended).count(), 1, "the first call ends after its third failure");
    let first = mailed_pin(wait_for_messages(&sink, "tony@contoso.com", welcome + 1)[welcome].body());
    assert_eq!(signs_in(PIN), "wrongPin", "the old PIN no longer signs in");
    assert_eq!(signs_in(&first), "signedIn", "the mailed PIN signs in");

    // Fifteen in a row from there: resets after the 5th and the 10th, lockout at the 15th.
    let answers = fail(5);
    let messages = wait_for_messages(&sink, "tony@contoso.com", welcome + 2);
    let second = mailed_pin(messages[welcome + 1].body());
    let answers = [answers, fail(5)].concat();
    let messages = wait_for_messages(&sink, "tony@contoso.com", welcome + 3);
    let third = mailed_pin(messages[welcome + 2].body());
    assert!(answers.iter().all(|(o, _)| o == "wrongPin"), "{answers:?}");
    let last = fail(5);
    assert!(last.iter().all(|(o, _)| o == "wrongPin"), "the 15th PIN is still evaluated: {last:?}");
    let status = squeezed(&as_admin(
        &server,
        config.path(),
        "Get-UMMailboxPIN tony@contoso.com | Format-List LockedOut,FailedLogonCount",
    ));
    assert!(status.contains("LockedOut : True") && status.contains("FailedLogonCount : 15"), "{status}");
    let messages = wait_for_messages(&sink, "tony@contoso.com", welcome + 4);
    assert_eq!(messages.len(), welcome + 4, "three resets and a lockout notice");
    assert!(messages[1..4].iter().all(|m| m.subject() == "Your voice mail PIN has been reset"));
    let pins = [&first, &second, &third];
    assert!(first != second && second != third && first != third, "each reset mails a different PIN: {pins:?}");
    let notice = &messages[welcome + 3];
    assert_eq!(notice.subject(), "Your voice mail has been locked");
    for pin in pins {
        assert!(!notice.body().contains(pin.as_str()), "a PIN is in the lockout notice: {}", notice.body());
    }
    assert!(!notice.body().contains("PIN:"), "{}", notice.body());
    assert_eq!(signs_in(&third), "lockedOut", "the 15th failure locked the mailbox out");

    // Unlocked by an administrator, the PIN of the last reset signs in; the one before doesn't.
    as_admin(&server, config.path(), "Set-UMMailboxPIN tony@contoso.com -LockedOut $false");
    assert_eq!(signs_in(&second), "wrongPin", "the second reset's PIN was replaced by the third");
    assert_eq!(signs_in(&third), "signedIn");
    drop(server);
    drop(sink);
}
