//! Reset PIN → the **Reset UM Mailbox PIN** page (`/ecp/mailboxes/{identity}/um/pin/reset`):
//! "Automatically generate a PIN" (the default) or "Type a PIN", and "Require the user to reset
//! their PIN the first time they sign in" (checked). Saving resets the PIN as the API's reset
//! does; the new PIN goes to the user by e-mail and is never shown. "Type a PIN" is offered only
//! to accounts whose role groups allow choosing the PIN; the service refuses it from the others.
//!
//! A PIN the policy refuses is said next to the PIN box, and the form comes back as it was sent
//! except for the PIN, which is never written into a page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use umpin_catalogue::cmdlets::SetUmMailboxPin;
use umpin_catalogue::declare::Secret;
use umpin_domain::Error;
use umpin_service::{Principal, ServiceError};

use crate::error_page::service_failure;
use crate::forms::{FormBody, checked};
use crate::session::Session;
use crate::um_mailbox::href;
use crate::{AppState, Chrome, Section, actions};

/// Whether `by` may choose `identity`'s new PIN (`Set-UMMailboxPIN -Pin`, a restricted use).
fn may_type_pin(by: &Principal, identity: &str) -> bool {
    let typed = Some(Secret(SecretString::from("")));
    by.may(&SetUmMailboxPin { identity: identity.to_owned(), pin: typed, ..Default::default() }.operation())
}

/// Whether `by` may spare the user the change of the new PIN (`Set-UMMailboxPIN -PINExpired
/// $false`, a restricted use).
fn may_keep_unexpired(by: &Principal, identity: &str) -> bool {
    let unexpired = SetUmMailboxPin { identity: identity.to_owned(), pin_expired: Some(false), ..Default::default() };
    by.may(&unexpired.operation())
}

#[derive(Template, WebTemplate)]
#[template(path = "reset_pin.html")]
struct ResetPinPage {
    chrome: Option<Chrome>,
    csrf: String,
    display_name: String,
    action: String,
    back: String,
    may_type_pin: bool,
    /// Whether the account may leave "Require the user to reset their PIN" unchecked.
    may_keep_unexpired: bool,
    typed: bool,
    pin_expired: bool,
    pin_error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "reset_pin_done.html")]
struct ResetPinDonePage {
    chrome: Option<Chrome>,
    display_name: String,
    address: String,
    pin_expired: bool,
    back: String,
}

#[derive(Deserialize)]
pub struct ResetForm {
    csrf: String,
    /// `generate` or `type`.
    pin_choice: Option<String>,
    pin: Option<SecretString>,
    pin_expired: Option<String>,
}

pub async fn show(State(state): State<AppState>, session: Session, Path(identity): Path<String>) -> Response {
    let view = match crate::reads::um_mailbox(&state.service, &session.principal, &identity).await {
        Ok(view) => view,
        Err(e) => return service_failure(&e),
    };
    let address = &view.mailbox.primary_smtp_address;
    ResetPinPage {
        chrome: Chrome::new(&session, Section::Recipients),
        csrf: session.csrf().to_owned(),
        may_type_pin: may_type_pin(&session.principal, address),
        may_keep_unexpired: may_keep_unexpired(&session.principal, address),
        action: format!("{}/pin/reset", href(address)),
        back: href(address),
        display_name: view.mailbox.display_name,
        typed: false,
        pin_expired: true,
        pin_error: None,
    }
    .into_response()
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<ResetForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    let typed = form.pin_choice.as_deref() == Some("type");
    let pin_expired = checked(form.pin_expired.as_deref());
    let pin = if typed { form.pin.filter(|p| !p.expose_secret().is_empty()) } else { None };
    let again = |pin_error: String, display_name: String| {
        let page = ResetPinPage {
            chrome: Chrome::new(&session, Section::Recipients),
            csrf: session.csrf().to_owned(),
            may_type_pin: may_type_pin(&session.principal, &identity),
            may_keep_unexpired: may_keep_unexpired(&session.principal, &identity),
            action: format!("{}/pin/reset", href(&identity)),
            back: href(&identity),
            display_name,
            typed,
            pin_expired,
            pin_error: Some(pin_error),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if typed && pin.is_none() {
        let name = match crate::reads::um_mailbox(&state.service, &session.principal, &identity).await {
            Ok(view) => view.mailbox.display_name,
            Err(e) => return service_failure(&e),
        };
        return again("Type the new PIN, or choose Automatically generate a PIN.".to_owned(), name);
    }
    match actions::reset_pin(&state.service, &session.principal, &identity, pin, pin_expired).await {
        Ok(_) => Redirect::to(&format!("{}/pin/reset/done", href(&identity))).into_response(),
        Err(ServiceError::Rule(e @ Error::Pin(_))) => {
            let name = match crate::reads::um_mailbox(&state.service, &session.principal, &identity).await {
                Ok(view) => view.mailbox.display_name,
                Err(e) => return service_failure(&e),
            };
            again(e.to_string(), name)
        }
        Err(e) => service_failure(&e),
    }
}

pub async fn done(State(state): State<AppState>, session: Session, Path(identity): Path<String>) -> Response {
    let by = &session.principal;
    let view = match crate::reads::um_mailbox(&state.service, by, &identity).await {
        Ok(view) => view,
        Err(e) => return service_failure(&e),
    };
    let pin = match crate::reads::um_mailbox_pin(&state.service, by, &view.mailbox.primary_smtp_address).await {
        Ok(pin) => pin,
        Err(e) => return service_failure(&e),
    };
    ResetPinDonePage {
        chrome: Chrome::new(&session, Section::Recipients),
        display_name: view.mailbox.display_name,
        back: href(&pin.user_id),
        address: pin.user_id,
        pin_expired: pin.pin_expired,
    }
    .into_response()
}
