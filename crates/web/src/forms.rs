//! Form bodies (`application/x-www-form-urlencoded`), with a page instead of axum's plain-text
//! refusal when a body can't be read. The refusal names no value: a form may hold a PIN.

use axum::Form;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;
use umpin_domain::Error;

use crate::error_page::ErrorPage;

pub struct FormBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(FormBody(value)),
            Err(_) => Err(ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "The form couldn't be read",
                "The form that was sent is incomplete or not a form of this page. Open the page again and send it from there.",
            )
            .into_response_with_status()),
        }
    }
}

/// A check box: present (whatever its value) means checked.
pub fn checked(value: Option<&str>) -> bool {
    value.is_some()
}

/// Whether the service refused a value of the extension field: said next to that field.
pub fn is_extension_error(e: &Error) -> bool {
    matches!(
        e,
        Error::ExtensionLength { .. }
            | Error::ExtensionNotDigits { .. }
            | Error::ExtensionInUse { .. }
            | Error::ExtensionRepeated { .. }
            | Error::ExtensionCantBeGenerated { .. }
            | Error::InvalidParameter { parameter: "Extensions", .. }
    )
}
