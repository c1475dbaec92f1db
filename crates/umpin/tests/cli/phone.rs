//! `umpin phone`: scripted calls through the real binary to a real `umpin serve`, whose e-mail
//! goes to an SMTP server of the test.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use umpin_mail::testing::{Received, SmtpSink};

use super::serve::Serving;
use super::{contoso, shell_ok, stderr, stdout};

const VOICE_PASSWORD: &str = "voice access password 1";
/// The PIN Tony chooses on the phone.
const TONYS_OWN_PIN: &str = "4718263";

/// `umpin phone` placing a call as the Voice Access account `ivr`, with `keys` as its input.
fn phone(url: &str, args: &[&str], keys: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_umpin"))
        .args(["phone", "--server", url, "--user", "ivr"])
        .args(args)
        .env("UMPIN_PASSWORD", VOICE_PASSWORD)
        .env_remove("UMPIN_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(keys.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Waits for the SMTP server to receive a message for `to`.
pub(crate) fn wait_for_mail(sink: &SmtpSink, to: &str) -> Received {
    let started = Instant::now();
    loop {
        if let Some(message) = sink.received().into_iter().find(|m| m.to.iter().any(|r| r == to)) {
            return message;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no message for {to} reached the SMTP server");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The lines of `transcript` that contain each of `expected`, in this order.
fn assert_said_in_order(transcript: &str, expected: &[&str]) {
    let mut rest = transcript;
    for sentence in expected {
        let Some(at) = rest.find(sentence) else { panic!("{sentence:?} wasn't said (in order) in:\n{transcript}") };
        rest = &rest[at + sentence.len()..];
    }
}

#[test]
fn a_first_time_user_signs_in_with_the_mailed_pin_must_change_it_and_then_signs_in_with_the_new_one() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sink = runtime.block_on(SmtpSink::start());
    let dir = contoso(3);
    shell_ok(
        dir.path(),
        &format!(
            "New-ManagementAccount ivr -Password '{VOICE_PASSWORD}'; Add-RoleGroupMember 'Voice Access' -Member ivr"
        ),
    );
    shell_ok(dir.path(), "Enable-UMMailbox tony@contoso.com -UMMailboxPolicy MyUMMailboxPolicy -Extensions 51234");
    let port = sink.port().to_string();
    let server = Serving::start(
        dir.path(),
        &[
            ("UMPIN_SERVER__LISTEN", "127.0.0.1:0"),
            ("UMPIN_MAIL__FROM", "voicemail@contoso.com"),
            ("UMPIN_MAIL__SMTP__HOST", "127.0.0.1"),
            ("UMPIN_MAIL__SMTP__PORT", &port),
            ("UMPIN_MAIL__SMTP__SECURITY", "none"),
        ],
    );
    let welcome = wait_for_mail(&sink, "tony@contoso.com");
    assert_eq!(welcome.subject(), "Welcome to Unified Messaging");
    let mailed_pin = welcome
        .body()
        .lines()
        .find_map(|l| l.strip_prefix("Your PIN: "))
        .unwrap_or_else(|| panic!("no PIN in the welcome message: {}", welcome.body()))
        .trim()
        .to_owned();

    // Extension, the mailed PIN, the new PIN twice, # to skip the name, * to hang up.
    let keys = format!("51234#\n{mailed_pin}#\n{TONYS_OWN_PIN}#\n{TONYS_OWN_PIN}#\n#\n*\n");
    let first = phone(&server.url, &["--dial-plan", "MyUMDialPlan"], &keys);
    let transcript = stdout(&first);
    assert!(first.status.success(), "{transcript}{}", stderr(&first));
    assert_said_in_order(
        &transcript,
        &[
            "You have reached voice mail on MyUMDialPlan.",
            "Enter your extension, then #.",
            "Enter your PIN, then #.",
            "You are signed in.",
            "choose a new PIN",
            "Enter your new PIN, then #.",
            "Enter the new PIN again, then #.",
            "To skip this, press #.",
            "You skipped recording your name.",
            "Your voice mail is set up",
            "Main menu.",
            "Goodbye.",
        ],
    );
    assert!(!transcript.contains(&mailed_pin) && !transcript.contains(TONYS_OWN_PIN), "a PIN was echoed");

    let status = shell_ok(dir.path(), "Get-UMMailboxPIN tony@contoso.com | Format-List FirstTimeUser,PinExpired");
    assert_eq!(status, "\nFirstTimeUser : False\nPinExpired    : False\n\n");

    // Called from Tony's own extension, the caller ID finds the mailbox: only the PIN is asked for.
    // With a PIN lifetime of 10 days, the caller is told at once that the PIN expires soon, and
    // again when asking from the main menu.
    shell_ok(dir.path(), "Set-UMMailboxPolicy MyUMMailboxPolicy -PINLifetime 10");
    let second =
        phone(&server.url, &["--dial-plan", "MyUMDialPlan", "--from", "51234"], &format!("{TONYS_OWN_PIN}#\n3#\n*\n"));
    let transcript = stdout(&second);
    assert!(second.status.success(), "{transcript}{}", stderr(&second));
    assert_said_in_order(
        &transcript,
        &[
            "Hello, Tony Smith. Enter your PIN, then #.",
            "You are signed in.",
            "Your PIN expires in 10 days, on ",
            "Press 1 in the main menu to change it.",
            "Main menu.",
            "Your PIN expires in 10 days, on ",
            "Goodbye.",
        ],
    );
    assert!(!transcript.contains("choose a new PIN"), "{transcript}");

    // With both PIN-less switches on (each warning that caller ID can be forged), a call from
    // Tony's own phone opens voice mail without a PIN; personal options still ask for it.
    let switched = super::shell(
        dir.path(),
        "Set-Mailbox tony -Phone '+1 425 555 1234'; Set-UMMailboxPolicy MyUMMailboxPolicy -AllowPinlessVoiceMailAccess $true; \
         Set-UMMailbox tony -PinlessAccessToVoiceMailEnabled $true",
    );
    assert!(switched.status.success(), "{}", stderr(&switched));
    assert_eq!(
        stderr(&switched).matches("WARNING: Voice mail without a PIN trusts caller ID").count(),
        2,
        "{}",
        stderr(&switched)
    );
    let third = phone(
        &server.url,
        &["--dial-plan", "MyUMDialPlan", "--from", "+1 425 555 1234"],
        &format!("1#\n9#\n{TONYS_OWN_PIN}#\n*\n"),
    );
    let transcript = stdout(&third);
    assert!(third.status.success(), "{transcript}{}", stderr(&third));
    assert_said_in_order(
        &transcript,
        &[
            "Hello, Tony Smith. You are calling from your own phone, so your voice mail is open without a PIN.",
            "(Your voice mail plays here",
            "Personal options need your PIN.",
            "Enter your PIN, then #.",
            "You are signed in.",
            "Main menu.",
            "Goodbye.",
        ],
    );
    drop(server);
    drop(sink);
}

#[test]
fn a_lost_server_is_said_in_one_sentence_and_the_phone_fails() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let out = phone(&url, &["--dial-plan", "MyUMDialPlan"], "");
    assert!(!out.status.success());
    let said = stderr(&out);
    assert_eq!(said.trim_end().lines().count(), 1, "{said}");
    assert!(said.contains("the connection was refused"), "{said}");
}

#[test]
fn a_call_without_a_dial_plan_or_access_number_is_refused_before_dialling() {
    let out = phone("http://127.0.0.1:9", &[], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--dial-plan"), "{}", stderr(&out));
}
