//! Errors as problem details (`application/problem+json`, RFC 9457): every refusal of the API,
//! whether the service's, a bad request's or the HTTP layer's, is one of these, with a stable
//! `type` URI, a `title` per type, the HTTP `status`, and the service's own message as `detail`.
//!
//! A detail never holds a PIN, a password or a token: the service's messages never do, and the
//! messages made here about bad bodies leave out the values they found.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use umpin_domain::Error as Rule;
use umpin_service::ServiceError;
use utoipa::ToSchema;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Where the problem types live; each type is this plus its slug.
const TYPE_BASE: &str = "https://umpin.dev/problems/";

/// The kinds of problem, each with its status, slug and title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The JSON body is malformed, of the wrong shape or has unknown members.
    InvalidBody,
    /// A query parameter is unknown or of the wrong form.
    InvalidQuery,
    /// A path segment can't be read (bad percent-encoding).
    InvalidPath,
    /// A parameter value outside its allowed range or form.
    InvalidParameter,
    /// An identity matches more than one object.
    AmbiguousIdentity,
    /// A new PIN breaks a rule of the PIN policy.
    PinRule,
    /// Well-formed values that a rule of the service refuses together.
    RuleViolation,
    /// No object has this identity.
    NotFound,
    /// No route has this path.
    NoSuchRoute,
    /// The mailbox isn't UM-enabled, so it has no UM settings or PIN.
    NotUmEnabled,
    /// The voice-access call was hung up, disconnected or is too old: start a new one.
    CallEnded,
    /// The caller of the voice-access call hasn't signed in.
    NotSignedIn,
    /// The server runs no cmdlet of this name (pipeline utilities run in the shell).
    UnknownCmdlet,
    /// An object with this name, alias, address or extension exists.
    AlreadyExists,
    /// The object's state forbids the operation (in use, already enabled, changed meanwhile).
    Conflict,
    /// The PIN data can't be opened with this server's keys.
    PinDataUnreadable,
    /// No valid bearer token.
    NotAuthenticated,
    /// The account lacks a permission.
    PermissionDenied,
    /// Too many sign-in attempts.
    Throttled,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// The body isn't JSON.
    UnsupportedMediaType,
    /// The path exists, the method doesn't.
    MethodNotAllowed,
    /// The request took longer than the server allows.
    Timeout,
    /// The database can't be reached.
    Unavailable,
    /// The admin audit log holds a record umpin didn't write, so nothing audited can be done.
    AuditLogDamaged,
    /// Any other refusal of the HTTP layer.
    BadRequest,
    /// Anything else: a fault of the server.
    Internal,
}

impl ProblemKind {
    pub fn status(self) -> StatusCode {
        match self {
            ProblemKind::InvalidBody
            | ProblemKind::InvalidQuery
            | ProblemKind::InvalidPath
            | ProblemKind::InvalidParameter
            | ProblemKind::AmbiguousIdentity
            | ProblemKind::BadRequest => StatusCode::BAD_REQUEST,
            ProblemKind::PinRule | ProblemKind::RuleViolation => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemKind::NotFound
            | ProblemKind::NoSuchRoute
            | ProblemKind::NotUmEnabled
            | ProblemKind::CallEnded
            | ProblemKind::UnknownCmdlet => StatusCode::NOT_FOUND,
            ProblemKind::AlreadyExists
            | ProblemKind::Conflict
            | ProblemKind::NotSignedIn
            | ProblemKind::PinDataUnreadable => StatusCode::CONFLICT,
            ProblemKind::NotAuthenticated => StatusCode::UNAUTHORIZED,
            ProblemKind::PermissionDenied => StatusCode::FORBIDDEN,
            ProblemKind::Throttled => StatusCode::TOO_MANY_REQUESTS,
            ProblemKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProblemKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemKind::Timeout | ProblemKind::Unavailable | ProblemKind::AuditLogDamaged => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ProblemKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The last segment of the `type` URI: stable, clients may switch on it.
    pub fn slug(self) -> &'static str {
        match self {
            ProblemKind::InvalidBody => "invalid-body",
            ProblemKind::InvalidQuery => "invalid-query",
            ProblemKind::InvalidPath => "invalid-path",
            ProblemKind::InvalidParameter => "invalid-parameter",
            ProblemKind::AmbiguousIdentity => "ambiguous-identity",
            ProblemKind::PinRule => "pin-rule",
            ProblemKind::RuleViolation => "rule-violation",
            ProblemKind::NotFound => "not-found",
            ProblemKind::NoSuchRoute => "no-such-route",
            ProblemKind::NotUmEnabled => "not-um-enabled",
            ProblemKind::CallEnded => "call-ended",
            ProblemKind::NotSignedIn => "not-signed-in",
            ProblemKind::UnknownCmdlet => "unknown-cmdlet",
            ProblemKind::AlreadyExists => "already-exists",
            ProblemKind::Conflict => "conflict",
            ProblemKind::PinDataUnreadable => "pin-data-unreadable",
            ProblemKind::NotAuthenticated => "not-authenticated",
            ProblemKind::PermissionDenied => "permission-denied",
            ProblemKind::Throttled => "throttled",
            ProblemKind::PayloadTooLarge => "payload-too-large",
            ProblemKind::UnsupportedMediaType => "unsupported-media-type",
            ProblemKind::MethodNotAllowed => "method-not-allowed",
            ProblemKind::Timeout => "timeout",
            ProblemKind::Unavailable => "unavailable",
            ProblemKind::AuditLogDamaged => "audit-log-damaged",
            ProblemKind::BadRequest => "bad-request",
            ProblemKind::Internal => "internal",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ProblemKind::InvalidBody => "The request body isn't valid",
            ProblemKind::InvalidQuery => "A query parameter isn't valid",
            ProblemKind::InvalidPath => "The path isn't valid",
            ProblemKind::InvalidParameter => "A parameter value isn't valid",
            ProblemKind::AmbiguousIdentity => "The identity matches more than one object",
            ProblemKind::PinRule => "The PIN breaks a rule of the PIN policy",
            ProblemKind::RuleViolation => "The operation breaks a rule",
            ProblemKind::NotFound => "The object couldn't be found",
            ProblemKind::NoSuchRoute => "There is no such resource",
            ProblemKind::NotUmEnabled => "The mailbox isn't enabled for Unified Messaging",
            ProblemKind::CallEnded => "The call has ended",
            ProblemKind::NotSignedIn => "The caller hasn't signed in",
            ProblemKind::UnknownCmdlet => "There is no such cmdlet",
            ProblemKind::AlreadyExists => "The object already exists",
            ProblemKind::Conflict => "The object's state doesn't allow the operation",
            ProblemKind::PinDataUnreadable => "The PIN data can't be read",
            ProblemKind::NotAuthenticated => "Sign-in required",
            ProblemKind::PermissionDenied => "Permission denied",
            ProblemKind::Throttled => "Too many attempts",
            ProblemKind::PayloadTooLarge => "The request body is too large",
            ProblemKind::UnsupportedMediaType => "The request body must be JSON",
            ProblemKind::MethodNotAllowed => "The method isn't allowed on this resource",
            ProblemKind::Timeout => "The request took too long",
            ProblemKind::Unavailable => "The service is unavailable",
            ProblemKind::AuditLogDamaged => "The admin audit log is damaged",
            ProblemKind::BadRequest => "The request isn't valid",
            ProblemKind::Internal => "The server failed",
        }
    }
}

/// A problem as the client receives it.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct Problem {
    /// A stable URI naming the kind of problem, such as `https://umpin.dev/problems/not-found`.
    #[serde(rename = "type")]
    #[schema(example = "https://umpin.dev/problems/not-found")]
    pub type_uri: String,
    /// A short summary of the kind of problem.
    pub title: &'static str,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What was wrong and what to do.
    pub detail: String,
    /// Seconds to wait before trying again (429 only), also sent as `Retry-After`.
    #[serde(skip)]
    #[schema(ignore)]
    pub retry_after_secs: Option<u64>,
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: format!("{TYPE_BASE}{}", kind.slug()),
            title: kind.title(),
            status: kind.status().as_u16(),
            detail: detail.into(),
            retry_after_secs: None,
        }
    }

    /// Parameters that don't bind to their cmdlet, with the shell's message.
    pub fn invalid_parameter(message: String) -> Self {
        Problem::new(ProblemKind::InvalidParameter, message)
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(status = self.status, detail = %self.detail, "request failed");
        } else {
            tracing::debug!(status = self.status, detail = %self.detail, "request refused");
        }
        let retry_after = self.retry_after_secs;
        let mut response = (status, Json(self)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The kind of problem a broken rule is.
fn rule_kind(rule: &Rule) -> ProblemKind {
    match rule {
        Rule::NotFound { .. } => ProblemKind::NotFound,
        Rule::NotUmEnabled { .. } => ProblemKind::NotUmEnabled,
        Rule::Ambiguous { .. } => ProblemKind::AmbiguousIdentity,
        Rule::AlreadyExists { .. } => ProblemKind::AlreadyExists,
        Rule::InvalidParameter { .. }
        | Rule::DialPlanNameTooLongForDefaultPolicy { .. }
        | Rule::ExtensionLength { .. }
        | Rule::ExtensionNotDigits { .. }
        | Rule::ExtensionRepeated { .. } => ProblemKind::InvalidParameter,
        Rule::Pin(_) | Rule::PinsDiffer => ProblemKind::PinRule,
        Rule::CallEnded => ProblemKind::CallEnded,
        Rule::NotSignedIn | Rule::SignInRevoked => ProblemKind::NotSignedIn,
        Rule::RecordedNameNotWav => ProblemKind::UnsupportedMediaType,
        Rule::ResetNotBelowLockout { .. }
        | Rule::RecordedNameMissing
        | Rule::RecordedNameRefused { .. }
        | Rule::FixedAfterCreation { .. }
        | Rule::ExtensionCantBeGenerated { .. }
        | Rule::SipResourceIdentifierRequired { .. }
        | Rule::PolicyInOtherDialPlan { .. } => ProblemKind::RuleViolation,
        Rule::DialPlanHasPolicies { .. }
        | Rule::PolicyInUse { .. }
        | Rule::ExtensionInUse { .. }
        | Rule::SipResourceIdentifierInUse { .. }
        | Rule::AlreadyUmEnabled { .. }
        | Rule::LockedOut { .. }
        | Rule::AlreadyMember { .. }
        | Rule::NotMember { .. }
        | Rule::LastOrganizationManager { .. }
        | Rule::DirectoryAccount { .. }
        | Rule::DirectoryNameTaken { .. }
        | Rule::OwnOrganizationManagement { .. }
        | Rule::FirstTimeSetupDone { .. } => ProblemKind::Conflict,
        Rule::PermissionDenied { .. } => ProblemKind::PermissionDenied,
    }
}

impl From<ServiceError> for Problem {
    fn from(e: ServiceError) -> Self {
        let kind = match &e {
            ServiceError::Rule(rule) => rule_kind(rule),
            ServiceError::AlreadyInUse { .. } => ProblemKind::AlreadyExists,
            ServiceError::Gone { .. } => ProblemKind::NotFound,
            ServiceError::InUse { .. } => ProblemKind::Conflict,
            ServiceError::Storage { .. } | ServiceError::Directory(_) => ProblemKind::Unavailable,
            ServiceError::PinDataUnreadable { .. } => ProblemKind::PinDataUnreadable,
            ServiceError::ChangedMeanwhile { .. } => ProblemKind::Conflict,
            ServiceError::Crypto(_) => ProblemKind::Internal,
            ServiceError::AuditLogDamaged { .. } => ProblemKind::AuditLogDamaged,
            ServiceError::NotAuthenticated => ProblemKind::NotAuthenticated,
            ServiceError::NoMailbox => ProblemKind::NotFound,
            ServiceError::NoRoleGroup => ProblemKind::PermissionDenied,
            ServiceError::Throttled { .. } => ProblemKind::Throttled,
        };
        let mut problem = Problem::new(kind, e.to_string());
        if let ServiceError::Throttled { retry_after_secs } = e {
            problem.retry_after_secs = Some(retry_after_secs);
        }
        problem
    }
}

/// The answer for a path that no route has.
pub async fn no_route(uri: Uri) -> Problem {
    Problem::new(
        ProblemKind::NoSuchRoute,
        format!("There is no resource at {}. The API is described at /api/v1/openapi.json.", uri.path()),
    )
}

/// Turns every error response that isn't a problem yet (the HTTP layer's own: wrong method,
/// body over the limit, timeout) into one, so that no plain-text error ever leaves.
pub async fn every_error_is_a_problem(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    // Bodies of our own (problems, the health check's JSON, the admin center's HTML pages) stay;
    // the HTTP layer's are empty or plain text.
    let bare = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.to_str().is_ok_and(|t| t.starts_with("text/") && !t.starts_with("text/html")));
    if !(status.is_client_error() || status.is_server_error()) || !bare {
        return response;
    }
    let problem = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = response.headers().get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            Problem::new(
                ProblemKind::MethodNotAllowed,
                format!("{method} isn't allowed on {path}; use one of: {allowed}."),
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            ProblemKind::PayloadTooLarge,
            "The request body is larger than the server accepts. Send a smaller body.",
        ),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => Problem::new(
            ProblemKind::Timeout,
            "The request took longer than the server allows and was stopped. Try again; for large listings, ask for smaller pages.",
        ),
        other => {
            let mut problem = Problem::new(
                if other.is_server_error() { ProblemKind::Internal } else { ProblemKind::BadRequest },
                format!("The request failed ({other})."),
            );
            problem.status = other.as_u16();
            problem
        }
    };
    let mut replaced = problem.into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        replaced.headers_mut().insert(header::ALLOW, allow.clone());
    }
    replaced
}

/// The error responses every operation documents: any 4xx or 5xx is a [`Problem`].
pub struct Problems;

impl utoipa::IntoResponses for Problems {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
        let problem = |description: &str| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
            RefOr::T(ResponseBuilder::new().description(description).content(PROBLEM_JSON, content).build())
        };
        BTreeMap::from([
            ("4XX".to_owned(), problem("The request was refused: see `type` and `detail`.")),
            ("5XX".to_owned(), problem("The server or its database failed.")),
        ])
    }
}
