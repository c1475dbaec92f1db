//! Form bodies (`application/x-www-form-urlencoded`), with a page instead of axum's plain-text
//! refusal when a body can't be read. The refusal names no value: a form may hold a PIN.

use axum::Form;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use umpin_domain::Error;

use crate::error_page::ErrorPage;

pub struct FormBody<T>(pub T);

/// The query of a page after POST-redirect-GET: what was just done (`?done=saved`), which the
/// page says in its own words.
#[derive(Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

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

/// The parameters a refusal of the service concerns, so that a form can say it next to each of
/// their fields: the one parameter of most refusals, both counts of a PIN reset count at or above
/// the lockout count, none for a refusal about the object as a whole.
fn parameters_of(e: &Error) -> Vec<&'static str> {
    match e {
        Error::InvalidParameter { parameter, .. } => vec![*parameter],
        Error::FixedAfterCreation { property } => vec![*property],
        Error::DialPlanNameTooLongForDefaultPolicy { .. } | Error::AlreadyExists { property: "name", .. } => {
            vec!["Name"]
        }
        Error::ResetNotBelowLockout { .. } => vec!["LogonFailuresBeforePINReset", "MaxLogonAttempts"],
        _ => Vec::new(),
    }
}

/// What was wrong with a form, by the parameter each field sends (`Name`, `MinPINLength`, ...):
/// the service's refusal next to the fields it concerns, or above the form when it concerns
/// none of them.
#[derive(Default)]
pub struct FieldErrors {
    fields: Vec<(&'static str, String)>,
    pub general: Option<String>,
}

impl FieldErrors {
    /// A refusal of the service, placed by the parameters it concerns among the form's `fields`.
    pub fn refusal(e: &Error, fields: &[&'static str]) -> FieldErrors {
        let message = e.to_string();
        let concerned: Vec<&'static str> =
            parameters_of(e).into_iter().filter(|p| fields.iter().any(|f| f.eq_ignore_ascii_case(p))).collect();
        if concerned.is_empty() {
            FieldErrors { fields: Vec::new(), general: Some(message) }
        } else {
            FieldErrors { fields: concerned.into_iter().map(|p| (p, message.clone())).collect(), general: None }
        }
    }

    /// A value the form couldn't read, said next to its field.
    pub fn unreadable(parameter: &'static str, message: &str) -> FieldErrors {
        FieldErrors { fields: vec![(parameter, message.to_owned())], general: None }
    }

    /// What is wrong with the field of `parameter`, if anything.
    pub fn get(&self, parameter: &str) -> Option<&str> {
        self.fields.iter().find(|(p, _)| p.eq_ignore_ascii_case(parameter)).map(|(_, m)| m.as_str())
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_none()
    }

    /// Whether the field of `parameter` is marked invalid.
    pub fn has(&self, parameter: &str) -> bool {
        self.get(parameter).is_some()
    }
}

/// A whole number typed into the field of `parameter`; what to say next to it when it isn't one.
/// The service checks its range.
pub fn whole_number(parameter: &'static str, typed: &str) -> Result<i64, FieldErrors> {
    typed.trim().parse().map_err(|_| FieldErrors::unreadable(parameter, "Type a whole number, such as 5."))
}
