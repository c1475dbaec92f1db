//! A UM mailbox policy's **Message text** page (`/ecp/um/policies/{policy}/message-text`): the
//! text added to the e-mail "When a user is enabled for Unified Messaging" (`UMEnabledText`) and
//! "When a user's voice mail PIN is reset" (`ResetPINText`), each at most 512 characters
//! (`Set-UMMailboxPolicy`).
//!
//! A text the service refuses is said next to its field, in the service's words, and the form
//! comes back with what was typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use umpin_catalogue::cmdlets::SetUmMailboxPolicy;
use umpin_domain::Error;
use umpin_service::ServiceError;

use crate::error_page::{service_failure, shown, shown_again};
use crate::forms::{Done, FieldErrors, FormBody};
use crate::pin_policies::PolicyHeader;
use crate::session::Session;
use crate::{AppState, Chrome, Section};

/// The parameters the form's fields send.
const FIELDS: &[&str] = &["UMEnabledText", "ResetPINText"];

#[derive(Deserialize)]
pub struct MessageTextForm {
    csrf: String,
    #[serde(default)]
    um_enabled_text: String,
    #[serde(default)]
    reset_pin_text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "message_text.html")]
struct MessageTextPage {
    chrome: Option<Chrome>,
    csrf: String,
    header: PolicyHeader,
    /// Which of the policy's pages this is, for its tabs.
    tab: &'static str,
    form: MessageTextForm,
    /// Whether the account may change the policy.
    may_save: bool,
    errors: FieldErrors,
    done: Option<&'static str>,
}

async fn page(
    state: &AppState,
    session: &Session,
    identity: &str,
    form: Option<MessageTextForm>,
    errors: FieldErrors,
    done: Option<&'static str>,
) -> Result<MessageTextPage, ServiceError> {
    let by = &session.principal;
    let (policy, header) = PolicyHeader::read(state, by, identity).await?;
    Ok(MessageTextPage {
        chrome: Chrome::new(session, Section::UnifiedMessaging),
        csrf: session.csrf().to_owned(),
        may_save: by.may(&SetUmMailboxPolicy { identity: policy.guid.to_string(), ..Default::default() }.operation()),
        form: form.unwrap_or(MessageTextForm {
            csrf: String::new(),
            um_enabled_text: policy.um_enabled_text,
            reset_pin_text: policy.reset_pin_text,
        }),
        header,
        tab: "text",
        errors,
        done,
    })
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let done = match done.done.as_deref() {
        Some("saved") => Some("The message text was saved. It is added to the next messages sent."),
        _ => None,
    };
    shown(page(&state, &session, &identity, None, FieldErrors::default(), done).await)
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<MessageTextForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    let cmdlet = SetUmMailboxPolicy {
        identity: identity.clone(),
        um_enabled_text: Some(form.um_enabled_text.clone()),
        reset_pin_text: Some(form.reset_pin_text.clone()),
        ..SetUmMailboxPolicy::default()
    };
    match cmdlet.call(&state.service, &session.principal).await {
        Ok(policy) => {
            let href = format!("{}/message-text?done=saved", crate::pin_policies::policy_href(policy.guid));
            Redirect::to(&href).into_response()
        }
        Err(ServiceError::Rule(e)) if !matches!(e, Error::PermissionDenied { .. }) => {
            let errors = FieldErrors::refusal(&e, FIELDS);
            shown_again(page(&state, &session, &identity, Some(form), errors, None).await)
        }
        Err(e) => service_failure(&e),
    }
}
