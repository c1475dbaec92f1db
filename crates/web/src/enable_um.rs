//! Enable (from the details pane of a mailbox that isn't UM-enabled) → the page that enables
//! Unified Messaging: the UM mailbox policy (chosen from a list), the extension number, a SIP
//! address or E.164 number when a dial plan needs one, and the PIN settings ("Automatically
//! generate PIN", the default, or "Type a PIN", and "Require the user to reset their PIN the
//! first time they sign in", checked). The new PIN goes to the user in the welcome e-mail.
//!
//! A value the service refuses is said next to its field, in the service's words, and the form
//! comes back with what was typed, except the PIN.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use umpin_domain::{Error, ObjectKind, UriType};
use umpin_service::ServiceError;

use crate::actions::{self, EnableUm};
use crate::error_page::{service_failure, shown, shown_again};
use crate::forms::{FormBody, checked, is_extension_error};
use crate::recipients::selected_href;
use crate::session::Session;
use crate::um_mailbox::href;
use crate::{AppState, Chrome, Section};

/// The Enable page of a mailbox (its primary address).
pub fn enable_href(address: &str) -> String {
    format!("{}/enable", href(address))
}

/// A policy to choose, labelled with its dial plan's extension length.
struct PolicyChoice {
    name: String,
    label: String,
    selected: bool,
}

/// The form as sent (never the PIN) and what was wrong with it, field by field.
#[derive(Default)]
struct Typed {
    policy: String,
    extension: String,
    sip: String,
    typed_pin: bool,
    pin_expired: bool,
    policy_error: Option<String>,
    extension_error: Option<String>,
    sip_error: Option<String>,
    pin_error: Option<String>,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "enable_um.html")]
struct EnablePage {
    chrome: Option<Chrome>,
    csrf: String,
    display_name: String,
    address: String,
    action: String,
    back: String,
    policies: Vec<PolicyChoice>,
    /// A dial plan of the organisation needs a SIP address or E.164 number.
    asks_sip: bool,
    form: Typed,
}

#[derive(Deserialize)]
pub struct EnableForm {
    csrf: String,
    policy: String,
    #[serde(default)]
    extension: String,
    #[serde(default)]
    sip: String,
    pin_choice: Option<String>,
    pin: Option<SecretString>,
    pin_expired: Option<String>,
}

/// The page, with the form as `form` has it.
async fn page(state: &AppState, session: &Session, identity: &str, form: Typed) -> Result<EnablePage, ServiceError> {
    let by = &session.principal;
    let mailbox = crate::reads::mailbox(&state.service, by, identity).await?;
    let plans = crate::reads::dial_plans(&state.service, by).await?;
    let policies = crate::reads::mailbox_policies(&state.service, by, None).await?;
    let choices = policies
        .into_iter()
        .map(|p| {
            let plan = plans.iter().find(|d| d.guid == p.dial_plan);
            let label = match plan {
                Some(d) => format!("{} ({}-digit extensions)", p.name, d.number_of_digits_in_extension),
                None => p.name.clone(),
            };
            PolicyChoice { selected: p.name.eq_ignore_ascii_case(&form.policy), name: p.name, label }
        })
        .collect();
    let address = mailbox.primary_smtp_address;
    Ok(EnablePage {
        chrome: Chrome::new(session, Section::Recipients),
        csrf: session.csrf().to_owned(),
        display_name: mailbox.display_name,
        action: enable_href(&address),
        back: selected_href(&address),
        address,
        policies: choices,
        asks_sip: plans.iter().any(|d| d.uri_type != UriType::TelExtn),
        form,
    })
}

pub async fn show(State(state): State<AppState>, session: Session, Path(identity): Path<String>) -> Response {
    shown(page(&state, &session, &identity, Typed { pin_expired: true, ..Typed::default() }).await)
}

/// A non-empty, trimmed value.
fn given(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<EnableForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    let typed_pin = form.pin_choice.as_deref() == Some("type");
    let pin = if typed_pin { form.pin.filter(|p| !p.expose_secret().is_empty()) } else { None };
    let mut typed = Typed {
        policy: form.policy.clone(),
        extension: form.extension.clone(),
        sip: form.sip.clone(),
        typed_pin,
        pin_expired: checked(form.pin_expired.as_deref()),
        ..Typed::default()
    };
    if typed_pin && pin.is_none() {
        typed.pin_error = Some("Type the PIN, or choose Automatically generate PIN.".to_owned());
        return again(&state, &session, &identity, typed).await;
    }
    let enable = EnableUm {
        policy: form.policy,
        extension: given(&form.extension),
        sip_resource_identifier: given(&form.sip),
        pin,
        pin_expired: typed.pin_expired,
    };
    match actions::enable_um(&state.service, &session.principal, &identity, enable).await {
        Ok(_) => Redirect::to(&selected_href(&identity)).into_response(),
        Err(ServiceError::Rule(e)) if !matches!(e, Error::PermissionDenied { .. }) => {
            let message = Some(e.to_string());
            match e {
                e if is_extension_error(&e) => typed.extension_error = message,
                Error::SipResourceIdentifierRequired { .. }
                | Error::SipResourceIdentifierInUse { .. }
                | Error::InvalidParameter { parameter: "SIPResourceIdentifier", .. } => typed.sip_error = message,
                Error::Pin(_) | Error::InvalidParameter { parameter: "PIN", .. } => typed.pin_error = message,
                Error::NotFound { kind: ObjectKind::MailboxPolicy, .. } => typed.policy_error = message,
                _ => typed.error = message,
            }
            again(&state, &session, &identity, typed).await
        }
        Err(e) => service_failure(&e),
    }
}

/// The form again, with what was typed and what was wrong.
async fn again(state: &AppState, session: &Session, identity: &str, typed: Typed) -> Response {
    shown_again(page(state, session, identity, typed).await)
}
