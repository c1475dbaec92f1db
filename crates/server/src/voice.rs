//! `/api/v1/voice`: the voice-access API (SPEC §3) for telephony front ends, whose accounts are in
//! the Voice Access role group.
//!
//! `POST /api/v1/voice/calls` starts a call and returns its id once; every later request of the
//! call sends that id in the `Umpin-Call` header (never in the path, so that it stays out of
//! request logs) to `/api/v1/voice/call/...`: sign in, choose a new PIN, record the name, complete
//! first-time setup, hang up (`DELETE /api/v1/voice/call`). The call lives in the database, so
//! each request may reach any node.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use umpin_service::{CallPinExpiry, CallSignIn, NewCall, RecordedNameAudio, SignInOutcome};
use utoipa::ToSchema;

use crate::AppState;
use crate::extract::{Caller, JsonBody};
use crate::problem::{Problem, ProblemKind, Problems};

/// The header that names the call.
pub const CALL_HEADER: &str = "umpin-call";

/// Where a call comes in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartCallBody {
    /// The dial plan (name or GUID); or else `accessNumber`.
    pub dial_plan: Option<String>,
    /// The access number the caller dialled, which names its dial plan.
    pub access_number: Option<String>,
    /// The caller's number, when the switch knows it: it may identify the caller's mailbox.
    pub caller_id: Option<String>,
}

/// A call that has started.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallJson {
    /// The call's id, shown only here: send it as the `Umpin-Call` header of the call's requests.
    pub call_id: String,
    /// The dial plan's name.
    pub dial_plan: String,
    /// When the call ends, whatever it is doing.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// The mailbox caller ID found: greet the caller and ask only for the PIN.
    pub caller: Option<CallerJson>,
}

/// The mailbox caller ID found.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallerJson {
    pub display_name: String,
    pub extension: String,
    /// Both the caller's mailbox and its policy allow voice mail without a PIN, and caller ID is
    /// the mailbox's own phone number: the front end may play voice mail without a PIN. Every other
    /// request of the call still needs a PIN sign-in.
    pub pinless_voice_mail: bool,
}

/// The PIN the caller entered, with the extension unless caller ID found the mailbox.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInBody {
    pub extension: Option<String>,
    #[schema(value_type = String, format = Password)]
    pub pin: SecretString,
}

/// What the caller hears after entering the PIN.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Signed in.
    SignedIn,
    /// The PIN was wrong, or the extension unknown (the same answer).
    WrongPin,
    /// The mailbox is locked out.
    LockedOut,
}

/// The answer to a sign-in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInJson {
    pub outcome: Outcome,
    /// Signed in with an expired PIN: the caller must choose a new one before anything else.
    pub pin_expired: bool,
    /// Signed in for the first time: the caller goes through first-time setup.
    pub first_time_user: bool,
    /// Failed sign-ins within this call.
    pub failures_in_call: u32,
    /// The call has ended (too many failures within it, or a locked-out mailbox): say goodbye
    /// and hang up.
    pub disconnected: bool,
}

impl From<CallSignIn> for SignInJson {
    fn from(s: CallSignIn) -> Self {
        let (outcome, pin_expired, first_time_user) = match s.outcome {
            SignInOutcome::SignedIn { pin_expired, first_time_user, .. } => {
                (Outcome::SignedIn, pin_expired, first_time_user)
            }
            SignInOutcome::WrongPin => (Outcome::WrongPin, false, false),
            SignInOutcome::LockedOut => (Outcome::LockedOut, false, false),
        };
        SignInJson {
            outcome,
            pin_expired,
            first_time_user,
            failures_in_call: s.failures_in_call,
            disconnected: s.disconnected,
        }
    }
}

/// When the signed-in caller's PIN expires.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PinExpiryJson {
    /// `null` when the policy's `PINLifetime` is `Unlimited`.
    #[schema(format = DateTime)]
    pub pin_expires_on: Option<String>,
    /// The PIN expires within the next 14 days: tell the caller, and offer to change it.
    pub pin_expires_soon: bool,
}

impl From<CallPinExpiry> for PinExpiryJson {
    fn from(e: CallPinExpiry) -> Self {
        PinExpiryJson { pin_expires_on: e.expires_on.map(|t| t.to_string()), pin_expires_soon: e.expires_soon }
    }
}

/// A new PIN, entered twice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPinBody {
    #[schema(value_type = String, format = Password)]
    pub new_pin: SecretString,
    #[schema(value_type = String, format = Password)]
    pub confirm_pin: SecretString,
}

/// The end of first-time setup: a new PIN, entered twice, after the name was recorded or with
/// `skipRecordedName`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FirstTimeSetupBody {
    #[schema(value_type = String, format = Password)]
    pub new_pin: SecretString,
    #[schema(value_type = String, format = Password)]
    pub confirm_pin: SecretString,
    /// The caller chose not to record a name (recorded as such). Default `false`.
    #[serde(default)]
    pub skip_recorded_name: bool,
}

/// The id of the call a request belongs to, from the `Umpin-Call` header.
pub struct CallId(SecretString);

impl<S: Send + Sync> FromRequestParts<S> for CallId {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let id = parts.headers.get(CALL_HEADER).and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or_default();
        if id.is_empty() {
            return Err(Problem::new(
                ProblemKind::BadRequest,
                "This request belongs to a call: send the callId that POST /api/v1/voice/calls returned as the Umpin-Call header.",
            ));
        }
        Ok(CallId(SecretString::from(id.to_owned())))
    }
}

/// Starts a call on a dial plan, named or found by the dialled access number.
#[utoipa::path(post, path = "/api/v1/voice/calls", tag = "voice access", request_body = StartCallBody,
    security(("bearer" = [])),
    responses((status = 201, description = "The call", body = CallJson), Problems))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<StartCallBody>,
) -> Result<(StatusCode, Json<CallJson>), Problem> {
    let new = NewCall { dial_plan: body.dial_plan, access_number: body.access_number, caller_id: body.caller_id };
    let call = state.service.start_call(&caller.principal, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(CallJson {
            call_id: call.id.expose_secret().to_owned(),
            dial_plan: call.dial_plan,
            expires_at: call.expires_at.to_string(),
            caller: call.caller.map(|c| CallerJson {
                display_name: c.display_name,
                extension: c.extension,
                pinless_voice_mail: c.pinless_voice_mail,
            }),
        }),
    ))
}

/// Ends the call (the caller hung up); ending a call that has ended does nothing.
#[utoipa::path(delete, path = "/api/v1/voice/call", tag = "voice access", params(("Umpin-Call" = String, Header, description = "The callId of POST /api/v1/voice/calls")),
    security(("bearer" = [])),
    responses((status = 204, description = "The call has ended"), Problems))]
pub async fn end(State(state): State<AppState>, caller: Caller, CallId(id): CallId) -> Result<StatusCode, Problem> {
    state.service.end_call(&caller.principal, id.expose_secret()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller enters the PIN. After the dial plan's `LogonFailuresBeforeDisconnect` failures
/// within the call, or on a locked-out mailbox, the call ends (`disconnected`).
#[utoipa::path(post, path = "/api/v1/voice/call/sign-in", tag = "voice access", request_body = SignInBody,
    params(("Umpin-Call" = String, Header, description = "The callId of POST /api/v1/voice/calls")), security(("bearer" = [])),
    responses((status = 200, description = "What the caller hears", body = SignInJson), Problems))]
pub async fn sign_in(
    State(state): State<AppState>,
    caller: Caller,
    CallId(id): CallId,
    JsonBody(body): JsonBody<SignInBody>,
) -> Result<Json<SignInJson>, Problem> {
    let signed_in = state
        .service
        .sign_in_on_call(&caller.principal, id.expose_secret(), body.extension.as_deref(), &body.pin)
        .await?;
    Ok(Json(signed_in.into()))
}

/// When the signed-in caller's PIN expires (personal options).
#[utoipa::path(get, path = "/api/v1/voice/call/pin", tag = "voice access",
    params(("Umpin-Call" = String, Header, description = "The callId of POST /api/v1/voice/calls")), security(("bearer" = [])),
    responses((status = 200, description = "When the PIN expires", body = PinExpiryJson), Problems))]
pub async fn pin_expiry(
    State(state): State<AppState>,
    caller: Caller,
    CallId(id): CallId,
) -> Result<Json<PinExpiryJson>, Problem> {
    Ok(Json(state.service.pin_expiry_on_call(&caller.principal, id.expose_secret()).await?.into()))
}

/// The signed-in caller chooses a new PIN (after an expired one, or from personal options).
#[utoipa::path(post, path = "/api/v1/voice/call/pin", tag = "voice access", request_body = NewPinBody,
    params(("Umpin-Call" = String, Header, description = "The callId of POST /api/v1/voice/calls")), security(("bearer" = [])),
    responses((status = 204, description = "The new PIN is set"), Problems))]
pub async fn change_pin(
    State(state): State<AppState>,
    caller: Caller,
    CallId(id): CallId,
    JsonBody(body): JsonBody<NewPinBody>,
) -> Result<StatusCode, Problem> {
    state.service.change_pin_on_call(&caller.principal, id.expose_secret(), &body.new_pin, &body.confirm_pin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in caller records a name: the audio is the body, with its `Content-Type`
/// (`audio/wav`, …), at most 512 KiB.
#[utoipa::path(put, path = "/api/v1/voice/call/recorded-name", tag = "voice access",
    request_body(content = Vec<u8>, content_type = "audio/*", description = "The recording"),
    params(("Umpin-Call" = String, Header, description = "The callId of POST /api/v1/voice/calls")), security(("bearer" = [])),
    responses((status = 204, description = "The name is recorded"), Problems))]
pub async fn record_name(
    State(state): State<AppState>,
    caller: Caller,
    CallId(id): CallId,
    headers: axum::http::HeaderMap,
    audio: Bytes,
) -> Result<StatusCode, Problem> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let recording = RecordedNameAudio { content_type: content_type.to_owned(), audio: audio.to_vec() };
    state.service.record_name_on_call(&caller.principal, id.expose_secret(), recording).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in caller's recorded name, to play back; 204 when there is none or it was skipped.
#[utoipa::path(get, path = "/api/v1/voice/call/recorded-name", tag = "voice access",
    params(("Umpin-Call" = String, Header, description = "The callId of POST /api/v1/voice/calls")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The recording", content_type = "audio/*", body = Vec<u8>),
        (status = 204, description = "No name is recorded"),
        Problems))]
pub async fn recorded_name(
    State(state): State<AppState>,
    caller: Caller,
    CallId(id): CallId,
) -> Result<Response, Problem> {
    Ok(match state.service.recorded_name_on_call(&caller.principal, id.expose_secret()).await? {
        Some(name) => {
            let content_type = HeaderValue::from_str(&name.content_type)
                .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
            ([(header::CONTENT_TYPE, content_type)], name.audio).into_response()
        }
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Completes first-time setup: `firstTimeUser` becomes `false`.
#[utoipa::path(post, path = "/api/v1/voice/call/first-time-setup", tag = "voice access",
    request_body = FirstTimeSetupBody, params(("Umpin-Call" = String, Header, description = "The callId of POST /api/v1/voice/calls")), security(("bearer" = [])),
    responses((status = 204, description = "First-time setup is complete"), Problems))]
pub async fn complete_first_time_setup(
    State(state): State<AppState>,
    caller: Caller,
    CallId(id): CallId,
    JsonBody(body): JsonBody<FirstTimeSetupBody>,
) -> Result<StatusCode, Problem> {
    let (new, again) = (&body.new_pin, &body.confirm_pin);
    let skip = body.skip_recorded_name;
    state.service.complete_first_time_setup(&caller.principal, id.expose_secret(), new, again, skip).await?;
    Ok(StatusCode::NO_CONTENT)
}
