//! A dial plan's UM Mailbox Policies → **New** (`/ecp/um/dial-plans/{dial plan}/policies/new`):
//! the name of a new policy of the dial plan, with the default PIN settings
//! (`New-UMMailboxPolicy`). A name the service refuses is said next to the field.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use umpin_catalogue::cmdlets::NewUmMailboxPolicy;
use umpin_domain::Error;
use umpin_service::ServiceError;

use crate::dial_plans::dial_plan_href;
use crate::error_page::{service_failure, shown, shown_again};
use crate::forms::{FieldErrors, FormBody};
use crate::session::Session;
use crate::{AppState, Chrome, Section, reads};

#[derive(Deserialize)]
pub struct NewPolicyForm {
    csrf: String,
    #[serde(default)]
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "new_policy.html")]
struct NewPolicyPage {
    chrome: Option<Chrome>,
    csrf: String,
    dial_plan: String,
    dial_plan_href: String,
    name: String,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    session: &Session,
    identity: &str,
    name: String,
    errors: FieldErrors,
) -> Result<NewPolicyPage, ServiceError> {
    let plan = reads::dial_plan(&state.service, &session.principal, identity).await?;
    Ok(NewPolicyPage {
        chrome: Chrome::new(session, Section::UnifiedMessaging),
        csrf: session.csrf().to_owned(),
        dial_plan: plan.name,
        dial_plan_href: dial_plan_href(plan.guid),
        name,
        errors,
    })
}

pub async fn show(State(state): State<AppState>, session: Session, Path(identity): Path<String>) -> Response {
    shown(page(&state, &session, &identity, String::new(), FieldErrors::default()).await)
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<NewPolicyForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    let cmdlet = NewUmMailboxPolicy { name: form.name.trim().to_owned(), um_dial_plan: identity.clone() };
    match cmdlet.call(&state.service, &session.principal).await {
        Ok(policy) => {
            Redirect::to(&format!("{}?done=policy-created", dial_plan_href(policy.dial_plan))).into_response()
        }
        Err(ServiceError::Rule(e)) if !matches!(e, Error::PermissionDenied { .. }) => {
            let errors = FieldErrors::refusal(&e, &["Name"]);
            shown_again(page(&state, &session, &identity, form.name, errors).await)
        }
        Err(e) => service_failure(&e),
    }
}
