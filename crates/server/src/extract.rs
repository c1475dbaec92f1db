//! Extractors that turn a request into typed input, or into a problem: a JSON body, query
//! parameters, a path segment, the caller's address and the signed-in account. axum's own
//! extractors answer in plain text; these answer every refusal as `application/problem+json`,
//! and their messages name where the input was wrong without repeating the value found (which
//! may be a PIN or a password).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use umpin_service::Principal;

use crate::AppState;
use crate::problem::{Problem, ProblemKind};

const SEE_THE_DOCUMENT: &str = "The API is described at /api/v1/openapi.json.";

/// A JSON request body. An empty body counts as `{}`, so that a POST whose members are all
/// optional needs none; any other body must be declared JSON.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let declared_json =
            request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(is_json_media_type);
        let bytes = Bytes::from_request(request, state).await.map_err(unreadable_body)?;
        if bytes.is_empty() {
            return parse_json(b"{}").map(JsonBody);
        }
        if !declared_json {
            return Err(Problem::new(
                ProblemKind::UnsupportedMediaType,
                "The request body must be JSON: send it with Content-Type: application/json.",
            ));
        }
        // A NUL character can't be stored (PostgreSQL refuses it in text): refused here, in
        // every string of every body, rather than failing in the database.
        if bytes.windows(6).any(|w| w == b"\\u0000") {
            return Err(no_nul(ProblemKind::InvalidBody, "request body"));
        }
        parse_json(&bytes).map(JsonBody)
    }
}

fn no_nul(kind: ProblemKind, input: &str) -> Problem {
    Problem::new(
        kind,
        format!("The {input} isn't valid: text may not contain the NUL character (\\u0000). {SEE_THE_DOCUMENT}"),
    )
}

fn is_json_media_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn unreadable_body(rejection: BytesRejection) -> Problem {
    match rejection {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => Problem::new(
            ProblemKind::PayloadTooLarge,
            "The request body is larger than the server accepts. Send a smaller body.",
        ),
        _ => Problem::new(ProblemKind::InvalidBody, "The request body couldn't be read completely. Send it again."),
    }
}

/// Parses a JSON document into `T`, or says where it is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let what = match e.inner().classify() {
            serde_json::error::Category::Data => without_values(&e.inner().to_string()),
            _ => format!("it isn't well-formed JSON (line {}, column {})", e.inner().line(), e.inner().column()),
        };
        invalid(ProblemKind::InvalidBody, "request body", &e.path().to_string(), &what)
    })?;
    de.end().map_err(|_| {
        invalid(
            ProblemKind::InvalidBody,
            "request body",
            ".",
            "there is more after the JSON document; send exactly one",
        )
    })?;
    Ok(value)
}

/// The problem of a query parameter `name` whose value isn't valid: `what` says why.
pub fn invalid_query(name: &str, what: &str) -> Problem {
    invalid(ProblemKind::InvalidQuery, "query", name, what)
}

/// A problem about one place of the input: `path` as serde_path_to_error shows it (`.` for the
/// whole).
fn invalid(kind: ProblemKind, input: &str, path: &str, what: &str) -> Problem {
    let at = if path == "." || path.is_empty() { String::new() } else { format!(" at '{path}'") };
    Problem::new(kind, format!("The {input} isn't valid{at}: {what}. {SEE_THE_DOCUMENT}"))
}

/// serde's message about a value, without the value: "invalid type: string \"1234\", expected
/// u32" becomes "expected u32", since the value may be a PIN. The position suffix of serde_json
/// goes too (the path says where).
fn without_values(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return match rest.rsplit_once(", expected ") {
                Some((_, expected)) => format!("expected {expected}"),
                None => "the value has the wrong type".to_owned(),
            };
        }
    }
    if message.starts_with("unknown variant ") {
        return match message.split_once(", expected ") {
            Some((_, expected)) => format!("expected {expected}"),
            None => "the value isn't one of those allowed".to_owned(),
        };
    }
    message.to_owned()
}

/// Query parameters, parsed strictly (unknown parameters are refused, as are repeated ones).
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or("");
        if form_urlencoded::parse(query.as_bytes()).any(|(name, value)| name.contains('\0') || value.contains('\0')) {
            return Err(no_nul(ProblemKind::InvalidQuery, "query"));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(QueryParams).map_err(|e| {
            invalid(ProblemKind::InvalidQuery, "query", &e.path().to_string(), &without_values(&e.inner().to_string()))
        })
    }
}

/// The one path parameter of a route (an identity or a cmdlet name), percent-decoded.
pub struct Segment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(segment)) if !segment.contains('\0') => Ok(Segment(segment)),
            _ => Err(Problem::new(
                ProblemKind::InvalidPath,
                format!(
                    "The path segment isn't valid: it must be UTF-8 text, percent-encoded, without the NUL character. {SEE_THE_DOCUMENT}"
                ),
            )),
        }
    }
}

/// The caller's address, for sign-in throttling and the audit log: the peer's IP address, or
/// the one a trusted proxy names in `X-Forwarded-For`.
pub struct Source(pub String);

impl FromRequestParts<AppState> for Source {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        Ok(Source(source_of(parts, state)))
    }
}

fn source_of(parts: &Parts, state: &AppState) -> String {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or_else(
        || "unknown".to_owned(),
        |ConnectInfo(peer)| state.trusted_proxies.client_address(peer.ip(), &parts.headers).to_string(),
    )
}

/// The signed-in account of a request with `Authorization: Bearer <token>`, and the token (to
/// revoke it).
pub struct Caller {
    pub principal: Principal,
    pub token: SecretString,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = bearer_token(parts).ok_or_else(|| {
            Problem::new(
                ProblemKind::NotAuthenticated,
                "This request needs a signed-in management account: get a token with POST /api/v1/auth/token and send it as Authorization: Bearer <token>.",
            )
        })?;
        let principal = state.service.authenticate(token.expose_secret(), &source_of(parts, state)).await?;
        Ok(Caller { principal, token })
    }
}

fn bearer_token(parts: &Parts) -> Option<SecretString> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("Bearer") && !token.is_empty()).then(|| SecretString::from(token.to_owned()))
}

/// The most objects a page may hold.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A listing's `limit`: 1 to [`MAX_PAGE_SIZE`]; none means the largest page.
pub fn page_limit(limit: Option<u32>) -> Result<Option<u32>, Problem> {
    match limit {
        Some(n) if n == 0 || n > MAX_PAGE_SIZE => Err(Problem::new(
            ProblemKind::InvalidQuery,
            format!("The query isn't valid at 'limit': a page holds 1 to {MAX_PAGE_SIZE} objects. {SEE_THE_DOCUMENT}"),
        )),
        other => Ok(other),
    }
}
