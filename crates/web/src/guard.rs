//! What every request of the admin center goes through: cross-site state changes are refused,
//! and every answer carries the headers that keep the pages from being framed, sniffed, leaked in
//! a `Referer` or cached.
//!
//! A state change is a POST with the session's CSRF token in the form (checked by the page) and,
//! here, from the admin center's own origin: a browser names the page that sent a form in
//! `Origin` (or says `Sec-Fetch-Site: cross-site`), so a form on another site is refused before
//! any handler runs. A request with neither header (not a browser's) still needs the token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::error_page::ErrorPage;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    let mut response = if safe || same_origin(request.headers(), state.https) {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path(), "a cross-site request was refused");
        ErrorPage::new(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This request came from another site, so it was refused. Nothing was changed. Go back to the admin center and try again from its own page.",
        )
        .into_response_with_status()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Pages show PIN status and who is signed in: never kept by a browser or a proxy. Static
    // files say otherwise themselves.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Whether a state-changing request comes from the admin center's own pages, as far as the
/// browser tells: `Origin` must be this server's, and `Sec-Fetch-Site` (when sent) same-origin.
fn same_origin(headers: &HeaderMap, https: bool) -> bool {
    let value = |name| headers.get(name).map(|v: &HeaderValue| v.to_str().unwrap_or("\u{0}"));
    if let Some(site) = value(header::HeaderName::from_static("sec-fetch-site"))
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match value(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let scheme = if https { "https" } else { "http" };
            value(header::HOST).is_some_and(|host| origin.eq_ignore_ascii_case(&format!("{scheme}://{host}")))
        }
    }
}
