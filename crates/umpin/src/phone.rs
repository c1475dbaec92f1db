//! `umpin phone`: a telephone in the terminal (SPEC §3.4). It signs in to a server as a Voice
//! Access account, as a telephony front end does, starts a call on a dial plan and speaks in
//! text what a caller hears; the caller answers with keys: digits, `#` to end an entry (it may be
//! left out at the end of a line) and `*` to go back or cancel. A caller on their own phone whose
//! voice mail is open without a PIN (SPEC §3.1a) is asked for the PIN only on choosing personal
//! options.
//!
//! Each entry is one line. In a terminal, PINs are read without echo; otherwise standard input is
//! read line by line, so a script can drive a whole call. The end of input is the caller hanging
//! up. A call that ends as a call does (the caller or the system says goodbye, a locked-out
//! mailbox) is a normal end; a server that can't be reached or a call the server ended
//! unexpectedly is said in one sentence and is a failure.

use std::io::{BufRead, IsTerminal, Read};
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::remote::{Refusal, client, problem, sign_in, unreachable};

/// Where the call goes and who places it.
pub struct Dialling<'a> {
    pub server: &'a str,
    pub user: &'a str,
    pub ca_file: Option<&'a Path>,
    pub dial_plan: Option<String>,
    pub access_number: Option<String>,
    pub caller_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartedCall {
    call_id: String,
    dial_plan: String,
    caller: Option<KnownCaller>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KnownCaller {
    display_name: String,
    /// The front end may play voice mail without a PIN: the caller is on their own phone.
    pinless_voice_mail: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignedIn {
    outcome: String,
    pin_expired: bool,
    first_time_user: bool,
    disconnected: bool,
}

/// When the caller's PIN expires.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PinExpiry {
    /// RFC 3339; `None` when PINs don't expire.
    pin_expires_on: Option<String>,
    pin_expires_soon: bool,
}

/// One entry of the caller's keys.
enum Entry {
    /// Digits ended by `#` (none when only `#` was pressed).
    Keys(SecretString),
    /// `*`: back, or cancel.
    Star,
    /// The caller hung up (end of input).
    HungUp,
}

/// How a step of the call ended, when not by going on.
enum Ending {
    /// The call is over as calls end: goodbye said, or the caller hung up.
    Normal,
    /// The call can't go on: the sentence says why.
    Lost(anyhow::Error),
}

impl From<anyhow::Error> for Ending {
    fn from(e: anyhow::Error) -> Self {
        Ending::Lost(e)
    }
}

type Step<T> = Result<T, Ending>;

/// Places one call and talks the caller through it until it ends.
pub async fn call(dialling: Dialling<'_>) -> anyhow::Result<()> {
    let (http, server) = client(dialling.server, dialling.ca_file)?;
    let token = sign_in(&http, &server, dialling.user).await?;
    let mut line = Line { http, server, token, call: None };
    let body = json!({
        "dialPlan": dialling.dial_plan,
        "accessNumber": dialling.access_number,
        "callerId": dialling.caller_id,
    });
    let started: StartedCall = match line.send(reqwest::Method::POST, "/api/v1/voice/calls", Some(body)).await? {
        Ok(answer) => serde_json::from_value(answer).map_err(|e| line.not_umpin(&e))?,
        Err(refusal) => anyhow::bail!("The call couldn't be placed: {}", refusal.message),
    };
    line.call = Some(SecretString::from(started.call_id));
    let keypad = &mut Keypad::new();
    let ending = talk(&line, keypad, &started.dial_plan, started.caller).await;
    let hang_up = line.send(reqwest::Method::DELETE, "/api/v1/voice/call", None).await;
    match ending {
        Err(Ending::Lost(e)) => Err(e),
        Ok(()) | Err(Ending::Normal) => hang_up.map(drop),
    }
}

/// The whole conversation of a call.
async fn talk(line: &Line, keypad: &mut Keypad, dial_plan: &str, known: Option<KnownCaller>) -> Step<()> {
    say!("You have reached voice mail on {dial_plan}.");
    let greeted = match &known {
        Some(caller) if caller.pinless_voice_mail => {
            pinless_menu(keypad, &caller.display_name)?;
            say!("Personal options need your PIN.");
            true
        }
        _ => false,
    };
    let signed_in = sign_in_on_call(line, keypad, known, greeted).await?;
    if signed_in.first_time_user {
        first_time_setup(line, keypad).await?;
    } else if signed_in.pin_expired {
        say!("Your PIN has expired. Choose a new PIN to go on.");
        new_pin(line, keypad, Cancel::NotAllowed).await?;
    } else {
        let (on, soon) = pin_expiry(line).await?;
        if soon {
            say!("{} Press 1 in the main menu to change it.", expiry_sentence(on));
        }
    }
    main_menu(line, keypad).await
}

/// When the caller's PIN expires, from the server: the time (`None` when PINs don't expire), and
/// whether that is soon.
async fn pin_expiry(line: &Line) -> Step<(Option<jiff::Timestamp>, bool)> {
    let answer = line.expect(reqwest::Method::GET, "/api/v1/voice/call/pin", None).await?;
    let expiry: PinExpiry = serde_json::from_value(answer).map_err(|e| line.not_umpin(&e))?;
    let on = expiry.pin_expires_on.map(|on| on.parse()).transpose().map_err(|e| line.not_umpin(&e))?;
    Ok((on, expiry.pin_expires_soon))
}

/// When the PIN expires, in words: the day (in this computer's time zone) and how many days from now.
fn expiry_sentence(on: Option<jiff::Timestamp>) -> String {
    let Some(on) = on else {
        return "Your PIN doesn't expire.".to_owned();
    };
    let day = on.to_zoned_datetime(jiff::tz::TimeZone::system()).strftime("%A %-d %B %Y");
    match u64::try_from(on.duration_since(jiff::Timestamp::now()).as_secs()) {
        Ok(seconds @ 1..) => match seconds.div_ceil(86_400) {
            1 => format!("Your PIN expires within a day, on {day}."),
            days => format!("Your PIN expires in {days} days, on {day}."),
        },
        _ => "Your PIN has expired.".to_owned(),
    }
}

/// Voice mail without a PIN, for a caller on their own phone: until they choose personal options
/// (`Ok`), which need the PIN, or hang up.
fn pinless_menu(keypad: &mut Keypad, display_name: &str) -> Step<()> {
    say!("Hello, {display_name}. You are calling from your own phone, so your voice mail is open without a PIN.");
    loop {
        say!("Press 1 to hear your voice mail, 9 for personal options, or * to hang up.");
        match keypad.read(Secrecy::Shown)? {
            Entry::Keys(choice) => match choice.expose_secret() {
                "1" => say!("(Your voice mail plays here: the telephone system plays it.)"),
                "9" => return Ok(()),
                _ => say!("That isn't a choice of this menu."),
            },
            Entry::Star => {
                say!("Goodbye.");
                return Err(Ending::Normal);
            }
            Entry::HungUp => return Err(hung_up()),
        }
    }
}

/// Asks for the extension (unless caller ID found the mailbox) and the PIN until the caller is
/// signed in, or the call ends. A caller who was `greeted` by name isn't greeted again.
async fn sign_in_on_call(
    line: &Line,
    keypad: &mut Keypad,
    known: Option<KnownCaller>,
    greeted: bool,
) -> Step<SignedIn> {
    let mut extension = None;
    match &known {
        Some(_) if greeted => say!("Enter your PIN, then #."),
        Some(caller) => say!("Hello, {}. Enter your PIN, then #.", caller.display_name),
        None => extension = Some(ask_extension(keypad)?),
    }
    loop {
        if known.is_none() && extension.is_none() {
            extension = Some(ask_extension(keypad)?);
        }
        if known.is_none() {
            say!("Enter your PIN, then #.");
        }
        let pin = match keypad.read(Secrecy::Secret)? {
            Entry::Keys(pin) => pin,
            Entry::Star => {
                if known.is_none() {
                    extension = None;
                } else {
                    say!("Enter your PIN, then #.");
                }
                continue;
            }
            Entry::HungUp => return Err(hung_up()),
        };
        let body = json!({
            "extension": extension.as_ref().map(|e: &SecretString| e.expose_secret().to_owned()),
            "pin": pin.expose_secret(),
        });
        let answer = line.expect(reqwest::Method::POST, "/api/v1/voice/call/sign-in", Some(body)).await?;
        let signed_in: SignedIn = serde_json::from_value(answer).map_err(|e| line.not_umpin(&e))?;
        match signed_in.outcome.as_str() {
            "signedIn" => {
                say!("You are signed in.");
                return Ok(signed_in);
            }
            "lockedOut" => {
                say!("This mailbox is locked. Ask your administrator or help desk to unlock it. Goodbye.");
                return Err(Ending::Normal);
            }
            _ if signed_in.disconnected => {
                say!("That PIN didn't work, and that was the last try on this call. Goodbye.");
                return Err(Ending::Normal);
            }
            _ => {
                say!("That PIN didn't work. Try again.");
                if known.is_none() {
                    extension = None;
                } else {
                    say!("Enter your PIN, then #.");
                }
            }
        }
    }
}

fn ask_extension(keypad: &mut Keypad) -> Step<SecretString> {
    loop {
        say!("Enter your extension, then #.");
        match keypad.read(Secrecy::Shown)? {
            Entry::Keys(extension) if !extension.expose_secret().is_empty() => return Ok(extension),
            Entry::Keys(_) | Entry::Star => {}
            Entry::HungUp => return Err(hung_up()),
        }
    }
}

/// First-time setup: a new PIN, then the recorded name (a WAV file, or skipped).
async fn first_time_setup(line: &Line, keypad: &mut Keypad) -> Step<()> {
    say!("Welcome to your voice mail. Let's set it up: first, choose a new PIN.");
    let (pin, confirm) = ask_new_pin(keypad, Cancel::NotAllowed)?.ok_or_else(hung_up)?;
    let skip = !record_name(line, keypad, Cancel::Skips).await?;
    let (mut pin, mut confirm) = (pin, confirm);
    loop {
        let body = json!({
            "newPin": pin.expose_secret(),
            "confirmPin": confirm.expose_secret(),
            "skipRecordedName": skip,
        });
        match line.send(reqwest::Method::POST, "/api/v1/voice/call/first-time-setup", Some(body)).await? {
            Ok(_) => {
                say!("Your voice mail is set up, and your new PIN is in use.");
                return Ok(());
            }
            Err(refusal) if refusal.kind == "pin-rule" => {
                say!("{} Choose another PIN.", refusal.message);
                (pin, confirm) = ask_new_pin(keypad, Cancel::NotAllowed)?.ok_or_else(hung_up)?;
            }
            Err(refusal) => return Err(line.refused(refusal)),
        }
    }
}

/// Whether `*` may cancel an entry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cancel {
    /// A forced step: `*` is explained and the question asked again.
    NotAllowed,
    /// A choice from the main menu: `*` goes back to it.
    Allowed,
    /// Recording the name: `#` alone or `*` skips it.
    Skips,
}

/// Asks for a new PIN twice; `None` when the caller went back to the menu.
fn ask_new_pin(keypad: &mut Keypad, cancel: Cancel) -> Step<Option<(SecretString, SecretString)>> {
    let mut entries = Vec::with_capacity(2);
    while entries.len() < 2 {
        if entries.is_empty() {
            say!("Enter your new PIN, then #.");
        } else {
            say!("Enter the new PIN again, then #.");
        }
        match keypad.read(Secrecy::Secret)? {
            Entry::Keys(pin) if pin.expose_secret().is_empty() => say!("No digits were entered."),
            Entry::Keys(pin) => entries.push(pin),
            Entry::Star if cancel == Cancel::Allowed => return Ok(None),
            Entry::Star => {
                say!("This step can't be skipped.");
                entries.clear();
            }
            Entry::HungUp => return Err(hung_up()),
        }
    }
    let confirm = entries.pop().ok_or_else(hung_up)?;
    let pin = entries.pop().ok_or_else(hung_up)?;
    Ok(Some((pin, confirm)))
}

/// Asks for a new PIN and sets it, until it is accepted or the caller goes back to the menu.
async fn new_pin(line: &Line, keypad: &mut Keypad, cancel: Cancel) -> Step<()> {
    loop {
        let Some((pin, confirm)) = ask_new_pin(keypad, cancel)? else { return Ok(()) };
        let body = json!({ "newPin": pin.expose_secret(), "confirmPin": confirm.expose_secret() });
        match line.send(reqwest::Method::POST, "/api/v1/voice/call/pin", Some(body)).await? {
            Ok(_) => {
                say!("Your new PIN is in use.");
                return Ok(());
            }
            Err(refusal) if refusal.kind == "pin-rule" => say!("{} Choose another PIN.", refusal.message),
            Err(refusal) => return Err(line.refused(refusal)),
        }
    }
}

/// Asks for the recording of the caller's name, as the path of a WAV file, and sends it until it
/// is accepted; `false` when the caller skipped it (or, from the menu, went back).
async fn record_name(line: &Line, keypad: &mut Keypad, cancel: Cancel) -> Step<bool> {
    loop {
        match cancel {
            Cancel::Skips => say!("Now record your name: enter the path of a WAV file, then #. To skip this, press #."),
            _ => say!("Record your name: enter the path of a WAV file, then #. Press * to go back."),
        }
        let path = match keypad.read(Secrecy::Path)? {
            Entry::Keys(path) if path.expose_secret().is_empty() && cancel == Cancel::Skips => {
                say!("You skipped recording your name.");
                return Ok(false);
            }
            Entry::Keys(path) if path.expose_secret().is_empty() => continue,
            Entry::Keys(path) => path,
            Entry::Star => return Ok(false),
            Entry::HungUp => return Err(hung_up()),
        };
        let path = Path::new(path.expose_secret());
        let audio = match read_recording(path) {
            Ok(audio) => audio,
            Err(e) => {
                say!("The file {} can't be read ({e}).", path.display());
                continue;
            }
        };
        match line.send_audio("/api/v1/voice/call/recorded-name", audio).await? {
            Ok(()) => {
                say!("Your name is recorded.");
                return Ok(true);
            }
            Err(refusal) if refusal.kind == "call-ended" || refusal.kind == "not-signed-in" => {
                return Err(line.refused(refusal));
            }
            Err(refusal) => say!("That recording wasn't accepted: {}", refusal.message),
        }
    }
}

/// The file's bytes, at most one more than the server accepts (it says so when there are more).
fn read_recording(path: &Path) -> std::io::Result<Vec<u8>> {
    let limit = umpin_domain::voice::MAX_RECORDED_NAME_BYTES as u64 + 1;
    let mut audio = Vec::new();
    std::fs::File::open(path)?.take(limit).read_to_end(&mut audio)?;
    Ok(audio)
}

/// The main menu, until the caller hangs up.
async fn main_menu(line: &Line, keypad: &mut Keypad) -> Step<()> {
    loop {
        say!(
            "Main menu. Press 1 to change your PIN, 2 to record your name, 3 to hear when your PIN expires, or * to hang up."
        );
        match keypad.read(Secrecy::Shown)? {
            Entry::Keys(choice) => match choice.expose_secret() {
                "1" => {
                    new_pin(line, keypad, Cancel::Allowed).await?;
                }
                "2" => {
                    record_name(line, keypad, Cancel::Allowed).await?;
                }
                "3" => say!("{}", expiry_sentence(pin_expiry(line).await?.0)),
                _ => say!("That isn't a choice of this menu."),
            },
            Entry::Star => {
                say!("Goodbye.");
                return Err(Ending::Normal);
            }
            Entry::HungUp => return Err(hung_up()),
        }
    }
}

fn hung_up() -> Ending {
    say!("(The caller hung up.)");
    Ending::Normal
}

/// The connection to the server, signed in, with the call once it has started.
struct Line {
    http: reqwest::Client,
    server: String,
    token: SecretString,
    call: Option<SecretString>,
}

impl Line {
    /// Sends a request of the call; the answer's JSON (`null` when it has none), or the server's
    /// refusal. A server out of reach ends the call.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Result<Value, Refusal>> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.answer(request).await
    }

    /// Sends a recording of the caller's name.
    async fn send_audio(&self, path: &str, audio: Vec<u8>) -> anyhow::Result<Result<(), Refusal>> {
        let request = self.request(reqwest::Method::PUT, path).header("Content-Type", "audio/wav").body(audio);
        Ok(self.answer(request).await?.map(drop))
    }

    /// [`Line::send`], where any refusal ends the call.
    async fn expect(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Step<Value> {
        self.send(method, path, body).await?.map_err(|refusal| self.refused(refusal))
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request =
            self.http.request(method, format!("{}{path}", self.server)).bearer_auth(self.token.expose_secret());
        if let Some(call) = &self.call {
            request = request.header("Umpin-Call", call.expose_secret());
        }
        request
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Result<Value, Refusal>> {
        let response = request
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("The call was lost: {}", unreachable(&self.server, &e)))?;
        if !response.status().is_success() {
            return Ok(Err(problem(response).await));
        }
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(Ok(Value::Null));
        }
        Ok(Ok(response.json().await.map_err(|e| self.not_umpin(&e))?))
    }

    /// A refusal the call can't go on after.
    fn refused(&self, refusal: Refusal) -> Ending {
        Ending::Lost(anyhow::anyhow!("The call has ended: {}", refusal.message))
    }

    fn not_umpin(&self, e: &dyn std::fmt::Display) -> anyhow::Error {
        anyhow::anyhow!("The server {} didn't answer as umpin does ({e}); the call has ended.", self.server)
    }
}

/// What an entry holds, which says how it is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Secrecy {
    /// Keys that may be echoed (an extension, a menu choice).
    Shown,
    /// A PIN: not echoed in a terminal.
    Secret,
    /// The path of a recording, taken as typed.
    Path,
}

/// The caller's keys: standard input, line by line.
struct Keypad {
    input: std::io::StdinLock<'static>,
    terminal: bool,
}

impl Keypad {
    fn new() -> Keypad {
        let stdin = std::io::stdin();
        let terminal = stdin.is_terminal();
        Keypad { input: stdin.lock(), terminal }
    }

    /// The next entry; an entry with other keys than digits, `#` and `*` is refused in words and
    /// asked for again.
    fn read(&mut self, secrecy: Secrecy) -> Step<Entry> {
        loop {
            let Some(text) = self.line(secrecy)? else { return Ok(Entry::HungUp) };
            let text = text.expose_secret().trim();
            if secrecy == Secrecy::Path {
                return Ok(match text {
                    "*" => Entry::Star,
                    text => Entry::Keys(SecretString::from(text.strip_suffix('#').unwrap_or(text).trim().to_owned())),
                });
            }
            let keys: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            if keys == "*" {
                return Ok(Entry::Star);
            }
            let digits = keys.strip_suffix('#').unwrap_or(&keys);
            if digits.len() <= MAX_ENTRY && digits.chars().all(|c| c.is_ascii_digit()) {
                return Ok(Entry::Keys(SecretString::from(digits.to_owned())));
            }
            say!("Use the keys 0 to 9, then # (or * to go back).");
        }
    }

    /// One line of input without its line break; `None` at the end of input.
    fn line(&mut self, secrecy: Secrecy) -> Step<Option<SecretString>> {
        if self.terminal && secrecy == Secrecy::Secret {
            return match rpassword::read_password() {
                Ok(text) => Ok(Some(SecretString::from(text))),
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
                Err(e) => Err(Ending::Lost(anyhow::anyhow!("The keys can't be read from the terminal ({e})."))),
            };
        }
        let mut text = zeroize::Zeroizing::new(String::new());
        let read = (&mut self.input)
            .take(MAX_LINE)
            .read_line(&mut text)
            .map_err(|e| Ending::Lost(anyhow::anyhow!("The keys can't be read from standard input ({e}).")))?;
        if read == 0 {
            return Ok(None);
        }
        Ok(Some(SecretString::from(text.trim_end_matches(['\r', '\n']).to_owned())))
    }
}

/// The most keys one entry may have (an extension and a PIN have at most 24 digits).
const MAX_ENTRY: usize = 64;
/// The longest line read, a file path included.
const MAX_LINE: u64 = 4096;
