//! Sessions: the signed-in account of a request, from its session cookie, and the defence of
//! every state change against cross-site requests.
//!
//! The cookie holds the session id (256 random bits, which the database keeps only as a digest)
//! and is `HttpOnly` and `SameSite=Strict`; over HTTPS it is also `Secure` and named with the
//! `__Host-` prefix, so that no other site or subdomain can set it. The CSRF token of a session
//! is a digest of its id under a label of its own: a form carries it, the server recomputes it,
//! and nobody who doesn't hold the cookie can make it (nor learn the id from it).

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::SignedDuration;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use umpin_service::{Principal, ServiceError};

use crate::AppState;
use crate::error_page::{ErrorPage, service_failure};

pub const SIGN_IN_PATH: &str = "/ecp/sign-in";

/// The names of a session cookie: over HTTPS with the `__Host-` prefix, which makes browsers
/// insist on `Secure`, `Path=/` and no `Domain`; over plain HTTP on loopback without it (a
/// browser refuses `__Host-` without HTTPS).
pub struct Cookie {
    secure: &'static str,
    plain: &'static str,
    /// The label of the session's CSRF token, so that no token of one kind of session is a
    /// token of another.
    csrf_label: &'static [u8],
}

/// The admin center's session cookie.
pub const ADMIN_CENTER: Cookie = Cookie {
    secure: "__Host-umpin_session",
    plain: "umpin_session",
    csrf_label: b"umpin web admin center CSRF token\0",
};

/// The Voice Mail page's session cookie: a user's, never taken for a management account's.
pub const VOICE_MAIL: Cookie = Cookie {
    secure: "__Host-umpin_voice_mail",
    plain: "umpin_voice_mail",
    csrf_label: b"umpin Voice Mail CSRF token\0",
};

impl Cookie {
    fn name(&self, state: &AppState) -> &'static str {
        if state.https { self.secure } else { self.plain }
    }

    /// The CSRF token of a session id.
    pub fn csrf_token(&self, id: &str) -> String {
        let mut digest = Sha256::new();
        digest.update(self.csrf_label);
        digest.update(id.as_bytes());
        hex::encode(digest.finalize())
    }

    /// The `Set-Cookie` value that gives the browser a session id.
    pub fn set(&self, state: &AppState, id: &str) -> HeaderValue {
        self.header(state, id)
    }

    /// The `Set-Cookie` value that makes the browser forget its session id.
    pub fn clear(&self, state: &AppState) -> HeaderValue {
        self.header(state, "")
    }

    fn header(&self, state: &AppState, value: &str) -> HeaderValue {
        let secure = if state.https { "; Secure" } else { "" };
        let expiry = if value.is_empty() { "; Max-Age=0" } else { "" };
        let name = self.name(state);
        // The id is hex and the rest fixed text: always a valid header value.
        HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{expiry}"))
            .unwrap_or_else(|_| HeaderValue::from_static("umpin_session=; Max-Age=0"))
    }

    /// The session id the request's cookie holds, if any.
    pub fn of(&self, state: &AppState, headers: &HeaderMap) -> Option<SecretString> {
        let name = self.name(state);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, v)| *n == name && !v.is_empty())
            .map(|(_, v)| SecretString::from(v.to_owned()))
    }
}

/// The signed-in account of a request, and what its forms must carry.
pub struct Session {
    pub principal: Principal,
    id: SecretString,
    csrf: String,
}

impl Session {
    /// The token the session's forms carry in their `csrf` field.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// The session id, to end the session.
    pub fn id(&self) -> &str {
        self.id.expose_secret()
    }

    /// Checks a form's CSRF token, in constant time: the page that refuses a wrong one.
    pub fn refuses(&self, token: &str) -> Option<Response> {
        if csrf_matches(&self.csrf, token) {
            None
        } else {
            tracing::warn!(account = %self.principal.account, "a form without the session's CSRF token was refused");
            Some(
                ErrorPage::new(
                    StatusCode::FORBIDDEN,
                    "Request refused",
                    "This form was not sent from the admin center's own page (or the page is from an earlier sign-in), so it was refused. Nothing was changed. Open the page again and repeat.",
                )
                .into_response_with_status(),
            )
        }
    }
}

pub fn idle(state: &AppState) -> SignedDuration {
    SignedDuration::try_from(state.session_idle).unwrap_or(SignedDuration::from_mins(20))
}

/// Whether a form's CSRF token is `expected`, compared in constant time.
pub fn csrf_matches(expected: &str, token: &str) -> bool {
    bool::from(expected.as_bytes().ct_eq(token.as_bytes()))
}

/// The caller's address, as an extractor.
pub struct Source(pub String);

impl FromRequestParts<AppState> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Source, Self::Rejection> {
        Ok(Source(source(parts, state)))
    }
}

/// The caller's address: the peer's, or the one a trusted proxy names.
pub fn source(parts: &Parts, state: &AppState) -> String {
    parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map_or_else(
        || "unknown".to_owned(),
        |ConnectInfo(peer)| (state.client_address)(peer.ip(), &parts.headers).to_string(),
    )
}

/// To the sign-in page, and back to `back` afterwards. htmx is told to load the page whole.
fn to_sign_in(state: &AppState, parts: &Parts) -> Response {
    let back = parts.uri.path_and_query().map_or("/ecp/", |p| p.as_str());
    let target = format!("{SIGN_IN_PATH}?back={}", encode(back));
    let mut response = Redirect::to(&target).into_response();
    if parts.headers.contains_key("hx-request")
        && let Ok(value) = HeaderValue::from_str(&target)
    {
        response.headers_mut().insert("hx-redirect", value);
    }
    response.headers_mut().insert(header::SET_COOKIE, ADMIN_CENTER.clear(state));
    response
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Session, Response> {
        let Some(id) = ADMIN_CENTER.of(state, &parts.headers) else {
            return Err(to_sign_in(state, parts));
        };
        match state.service.use_web_session(id.expose_secret(), &source(parts, state), idle(state)).await {
            Ok(principal) => {
                let csrf = ADMIN_CENTER.csrf_token(id.expose_secret());
                Ok(Session { principal, id, csrf })
            }
            Err(ServiceError::NotAuthenticated) => Err(to_sign_in(state, parts)),
            Err(e) => Err(service_failure(&e)),
        }
    }
}

/// The session id the browser had before signing in, if any.
pub struct PreviousSession(Option<SecretString>);

impl FromRequestParts<AppState> for PreviousSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(PreviousSession(ADMIN_CENTER.of(state, &parts.headers)))
    }
}

/// Starts a session with a new id, ending the one the browser had: the cookie to set.
pub async fn start(
    state: &AppState,
    previous: PreviousSession,
    username: &str,
    password: &SecretString,
    source: &str,
) -> Result<HeaderValue, ServiceError> {
    let session = state.service.start_web_session(username, password, source, idle(state)).await?;
    if let Some(previous) = previous.0 {
        state.service.end_web_session(previous.expose_secret()).await?;
    }
    Ok(ADMIN_CENTER.set(state, session.id.expose_secret()))
}
