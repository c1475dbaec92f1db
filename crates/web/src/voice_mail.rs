//! The users' own **Voice Mail** page (`/voicemail/`, Exchange's MyVoiceMail): a user signs in
//! with their directory account, sees the status of their voice-mail PIN, and resets it — to a
//! new PIN sent by e-mail, or to one they choose that the policy accepts. Either lifts a lockout.
//!
//! It keeps the admin center's rules: its own session cookie (`umpin_voice_mail`, never taken
//! for an admin center session, nor the other way round) with its own CSRF token, the same
//! headers and cross-site refusal (`guard`), POST-redirect-GET, and no PIN ever written into a
//! page. A session grants the user's own mailbox only: no handler here takes an identity.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use umpin_catalogue::cmdlets::SetUmMailboxPin;
use umpin_catalogue::declare::Secret;
use umpin_domain::pin::MAX_PIN_LENGTH;
use umpin_domain::{Error, PinPolicy};
use umpin_service::{ServiceError, UmMailboxPin, VoiceMailUser};

use crate::AppState;
use crate::forms::{Done, FormBody};
use crate::session::{self, Source, VOICE_MAIL, csrf_matches};
use crate::um_mailbox::when;

pub const PATH: &str = "/voicemail/";
const SIGN_IN_PATH: &str = "/voicemail/sign-in";

/// The signed-in user of a request, and what their forms must carry.
pub struct UserSession {
    user: VoiceMailUser,
    id: SecretString,
    csrf: String,
}

impl FromRequestParts<AppState> for UserSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<UserSession, Response> {
        let to_sign_in = || {
            let mut response = Redirect::to(SIGN_IN_PATH).into_response();
            response.headers_mut().insert(header::SET_COOKIE, VOICE_MAIL.clear(state));
            response
        };
        let Some(id) = VOICE_MAIL.of(state, &parts.headers) else {
            return Err(to_sign_in());
        };
        let source = session::source(parts, state);
        match state.service.use_voice_mail_session(id.expose_secret(), &source, session::idle(state)).await {
            Ok(user) => Ok(UserSession { user, csrf: VOICE_MAIL.csrf_token(id.expose_secret()), id }),
            Err(ServiceError::NotAuthenticated) => Err(to_sign_in()),
            Err(e) => Err(failure(&e)),
        }
    }
}

impl UserSession {
    /// The page that refuses a form without the session's CSRF token.
    fn refuses(&self, token: &str) -> Option<Response> {
        if csrf_matches(&self.csrf, token) {
            return None;
        }
        tracing::warn!(user = %self.user.mailbox.primary_smtp_address, "a Voice Mail form without the session's CSRF token was refused");
        Some(failure_page(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form was not sent from your Voice Mail page (or the page is from an earlier sign-in), so nothing was changed. Open the page again and repeat.",
        ))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "voice_mail_sign_in.html")]
struct SignInPage {
    sign_out_csrf: Option<String>,
    user_name: String,
    username: String,
    error: Option<String>,
}

/// The PIN status as the page says it.
struct PinShown {
    summary: &'static str,
    locked_out: &'static str,
    pin_expired: &'static str,
    first_time_user: &'static str,
    pin_last_set: String,
    pin_expires_on: String,
}

impl PinShown {
    fn of(pin: &UmMailboxPin) -> PinShown {
        let yes_no = |value: bool| if value { "Yes" } else { "No" };
        let summary = if pin.locked_out {
            "Your voice mail is locked: too many wrong PINs were entered. Reset your PIN to unlock it."
        } else if pin.first_time_user {
            "You haven't set up your voice mail yet: the next time you call, you'll be guided through it."
        } else if pin.pin_expired {
            "Your PIN has expired: the next time you call, you'll be asked to choose a new one."
        } else {
            "Your PIN is set and working."
        };
        PinShown {
            summary,
            locked_out: yes_no(pin.locked_out),
            pin_expired: yes_no(pin.pin_expired),
            first_time_user: yes_no(pin.first_time_user),
            pin_last_set: when(pin.pin_last_set),
            pin_expires_on: pin.pin_expires_on.map_or_else(|| "Never".to_owned(), when),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "voice_mail.html")]
struct VoiceMailPage {
    sign_out_csrf: Option<String>,
    user_name: String,
    csrf: String,
    address: String,
    done: Option<String>,
    error: Option<String>,
    /// `None` when the mailbox isn't UM-enabled.
    pin: Option<PinShown>,
    pin_rule: String,
    typed: bool,
    pin_error: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: SecretString,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

#[derive(Deserialize)]
pub struct ResetForm {
    csrf: String,
    /// `email` or `type`.
    pin_choice: Option<String>,
    pin: Option<SecretString>,
    pin_confirm: Option<SecretString>,
}

/// What a PIN the user chooses must be, in a sentence.
fn pin_rule(policy: &PinPolicy) -> String {
    let mut rule = format!("{} to {MAX_PIN_LENGTH} digits", policy.min_pin_length);
    if policy.pin_history_count > 1 {
        rule.push_str(&format!(", none of your last {}", policy.pin_history_count));
    } else {
        rule.push_str(", not your current one");
    }
    if !policy.allow_common_patterns {
        rule.push_str(", and no easy pattern such as 123456 or 111111 or your extension");
    }
    rule.push('.');
    rule
}

#[derive(Template, WebTemplate)]
#[template(path = "voice_mail_error.html")]
struct FailurePage {
    sign_out_csrf: Option<String>,
    user_name: String,
    title: &'static str,
    message: String,
}

/// A page for a refusal or failure, in the Voice Mail page's frame.
fn failure_page(status: StatusCode, title: &'static str, message: impl Into<String>) -> Response {
    let page = FailurePage { sign_out_csrf: None, user_name: String::new(), title, message: message.into() };
    (status, page).into_response()
}

pub async fn not_found() -> Response {
    failure_page(StatusCode::NOT_FOUND, "Not found", "There is no such page. Your Voice Mail page is at /voicemail/.")
}

/// A failure as the user sees it: a refusal in the service's words; a failure of the server in
/// general words, its details (database, directory, keys) for the log only.
fn failure(e: &ServiceError) -> Response {
    let status = match e {
        ServiceError::Storage { .. } | ServiceError::Directory(_) | ServiceError::AuditLogDamaged { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        ServiceError::Crypto(_) | ServiceError::PinDataUnreadable { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        _ => return failure_page(StatusCode::CONFLICT, "This couldn't be done", e.to_string()),
    };
    tracing::error!(error = %e, "the Voice Mail page failed");
    failure_page(status, "Voice Mail can't answer now", UNAVAILABLE)
}

/// What a user is told when the server, not their request, failed.
const UNAVAILABLE: &str = "Voice Mail can't do this now, and nothing was changed. Try again later; if it keeps failing, tell your administrator.";

pub async fn sign_in_page() -> Response {
    SignInPage { sign_out_csrf: None, user_name: String::new(), username: String::new(), error: None }.into_response()
}

pub async fn sign_in(
    State(state): State<AppState>,
    Source(source): Source,
    headers: axum::http::HeaderMap,
    FormBody(form): FormBody<SignInForm>,
) -> Response {
    let idle = session::idle(&state);
    match state.service.start_voice_mail_session(&form.username, &form.password, &source, idle).await {
        Ok(started) => {
            // A new id at every sign-in; the session the browser had ends.
            if let Some(previous) = VOICE_MAIL.of(&state, &headers)
                && let Err(e) = state.service.end_voice_mail_session(previous.expose_secret()).await
            {
                return failure(&e);
            }
            let mut response = Redirect::to(PATH).into_response();
            response.headers_mut().insert(header::SET_COOKIE, VOICE_MAIL.set(&state, started.id.expose_secret()));
            response
        }
        Err(e) => {
            let (status, error) = match e {
                ServiceError::NotAuthenticated => {
                    (StatusCode::UNAUTHORIZED, "The user name or password is incorrect. Try again.".to_owned())
                }
                ServiceError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
                ServiceError::NoMailbox => (StatusCode::NOT_FOUND, e.to_string()),
                // The directory's address and answer are for the log, not for anyone who signs in.
                ServiceError::Directory(_) => {
                    tracing::error!(error = %e, "a Voice Mail sign-in couldn't be checked with the directory");
                    (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE.to_owned())
                }
                e => return failure(&e),
            };
            let page = SignInPage {
                sign_out_csrf: None,
                user_name: String::new(),
                username: form.username,
                error: Some(error),
            };
            (status, page).into_response()
        }
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    session: UserSession,
    FormBody(form): FormBody<CsrfForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    if let Err(e) = state.service.end_voice_mail_session(session.id.expose_secret()).await {
        return failure(&e);
    }
    let mut response = Redirect::to(SIGN_IN_PATH).into_response();
    response.headers_mut().insert(header::SET_COOKIE, VOICE_MAIL.clear(&state));
    response
}

/// The page, with what was just done, or with what was wrong with the PIN the user chose.
async fn page(state: &AppState, session: &UserSession, done: Option<String>, pin_error: Option<String>) -> Response {
    let (pin, pin_rule) = match state.service.own_pin_status(&session.user).await {
        Ok(Some((pin, policy))) => (Some(PinShown::of(&pin)), pin_rule(&policy)),
        Ok(None) => (None, String::new()),
        Err(e) => return failure(&e),
    };
    let mailbox = &session.user.mailbox;
    let status = if pin_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = VoiceMailPage {
        sign_out_csrf: Some(session.csrf.clone()),
        user_name: mailbox.display_name.clone(),
        csrf: session.csrf.clone(),
        address: mailbox.primary_smtp_address.clone(),
        done,
        error: None,
        pin,
        pin_rule,
        // Only a PIN the user chose can be wrong: the choice stays on it.
        typed: pin_error.is_some(),
        pin_error,
    };
    (status, page).into_response()
}

pub async fn show(State(state): State<AppState>, session: UserSession, Query(q): Query<Done>) -> Response {
    let address = &session.user.mailbox.primary_smtp_address;
    let done = match q.done.as_deref() {
        Some("emailed") => Some(format!(
            "A new PIN is on its way to {address}. Use it the next time you call; you'll be asked to choose your own."
        )),
        Some("chosen") => Some("Your new PIN is set. Use it the next time you call.".to_owned()),
        _ => None,
    };
    page(&state, &session, done, None).await
}

pub async fn reset_pin(
    State(state): State<AppState>,
    session: UserSession,
    FormBody(form): FormBody<ResetForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    let typed = form.pin_choice.as_deref() == Some("type");
    let pin = form.pin.filter(|p| typed && !p.expose_secret().is_empty());
    if typed {
        let confirm = form.pin_confirm.as_ref().map(|c| c.expose_secret().to_owned());
        let problem = match &pin {
            None => Some("Type the PIN you want, or choose to get a new PIN by e-mail."),
            Some(p) if confirm.as_deref() != Some(p.expose_secret()) => {
                Some("The two PINs you typed aren't the same. Type your new PIN in both boxes.")
            }
            Some(_) => None,
        };
        if let Some(problem) = problem {
            return page(&state, &session, None, Some(problem.to_owned())).await;
        }
    }
    let address = session.user.mailbox.primary_smtp_address.clone();
    let cmdlet = SetUmMailboxPin {
        identity: address,
        pin: pin.clone().map(Secret),
        pin_expired: Some(pin.is_none()),
        locked_out: None,
        notify_email: None,
        send_email: Some(pin.is_none()),
    };
    match state.service.reset_own_pin(&session.user, cmdlet.operation(), pin).await {
        Ok(_) => {
            let done = if typed { "chosen" } else { "emailed" };
            Redirect::to(&format!("{PATH}?done={done}")).into_response()
        }
        Err(ServiceError::Rule(e @ Error::Pin(_))) => page(&state, &session, None, Some(e.to_string())).await,
        Err(e) => failure(&e),
    }
}
