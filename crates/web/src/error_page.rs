//! The page that says why something couldn't be done: a refusal of the service (a missing
//! permission, an unknown mailbox, a broken rule) in its own words, a cross-site request, or a
//! page that doesn't exist. Never a bare status: always a page with a way back.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use umpin_domain::Error;
use umpin_service::ServiceError;

use crate::Chrome;

#[derive(Template, WebTemplate)]
#[template(path = "error_page.html")]
pub struct ErrorPage {
    status: StatusCode,
    chrome: Option<Chrome>,
    pub title: &'static str,
    pub message: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> ErrorPage {
        ErrorPage { status, chrome: None, title, message: message.into() }
    }

    /// The page for a refusal or failure of the service, with the service's own message.
    pub fn from_service(e: &ServiceError) -> ErrorPage {
        let (status, title) = match e {
            ServiceError::Rule(Error::PermissionDenied { .. }) => (StatusCode::FORBIDDEN, "You don't have permission"),
            ServiceError::Rule(Error::NotFound { .. }) => (StatusCode::NOT_FOUND, "Not found"),
            ServiceError::Rule(Error::NotUmEnabled { .. }) => {
                (StatusCode::CONFLICT, "Not enabled for Unified Messaging")
            }
            ServiceError::Rule(_) => (StatusCode::UNPROCESSABLE_ENTITY, "This couldn't be done"),
            ServiceError::Gone { .. } => (StatusCode::NOT_FOUND, "Not found"),
            ServiceError::AlreadyInUse { .. }
            | ServiceError::InUse { .. }
            | ServiceError::ChangedMeanwhile { .. }
            | ServiceError::PinDataUnreadable { .. } => (StatusCode::CONFLICT, "This couldn't be done"),
            ServiceError::NotAuthenticated => (StatusCode::UNAUTHORIZED, "Sign in again"),
            ServiceError::NoMailbox => (StatusCode::NOT_FOUND, "No mailbox yet"),
            ServiceError::NoRoleGroup => (StatusCode::FORBIDDEN, "No role group"),
            ServiceError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "Too many sign-ins"),
            ServiceError::Storage { .. } => (StatusCode::SERVICE_UNAVAILABLE, "The server can't answer now"),
            ServiceError::Directory(_) => (StatusCode::SERVICE_UNAVAILABLE, "The directory can't be read"),
            ServiceError::AuditLogDamaged { .. } => (StatusCode::SERVICE_UNAVAILABLE, "The admin audit log is damaged"),
            ServiceError::Crypto(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong"),
        };
        if status.is_server_error() {
            tracing::error!(error = %e, "a page of the web admin center failed");
        }
        ErrorPage::new(status, title, e.to_string())
    }

    pub fn into_response_with_status(self) -> Response {
        (self.status, self).into_response()
    }
}

/// A service failure as a page.
pub fn service_failure(e: &ServiceError) -> Response {
    ErrorPage::from_service(e).into_response_with_status()
}

/// A page as it was read, or the page that says why it couldn't be.
pub fn shown(page: Result<impl IntoResponse, ServiceError>) -> Response {
    with_status(StatusCode::OK, page)
}

/// A form's page again, with what was typed and what was wrong with it (422); or the page that
/// says why it couldn't be read.
pub fn shown_again(page: Result<impl IntoResponse, ServiceError>) -> Response {
    with_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

fn with_status(status: StatusCode, page: Result<impl IntoResponse, ServiceError>) -> Response {
    match page {
        Ok(page) => (status, page).into_response(),
        Err(e) => service_failure(&e),
    }
}

/// The page for an address that names no page.
pub async fn not_found() -> Response {
    ErrorPage::new(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address. Start again from Recipients.",
    )
    .into_response_with_status()
}
