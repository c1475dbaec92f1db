//! **Delete** of a dial plan (from the UM dial plans list), of a UM mailbox policy (from its
//! dial plan's UM Mailbox Policies) or of a management account (from its page under
//! Permissions): a **Warning** page that says what is deleted, with **Yes** (a POST:
//! `Remove-UMDialPlan`, `Remove-UMMailboxPolicy` or `Remove-ManagementAccount`) and **No**. One
//! the service refuses — a dial plan that policies belong to, a policy that UM mailboxes use, the
//! last enabled member of Organization Management — stays, and the page says why in the
//! service's words.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use umpin_catalogue::cmdlets::{RemoveManagementAccount, RemoveUmDialPlan, RemoveUmMailboxPolicy};
use umpin_domain::Error;
use umpin_service::ServiceError;

use crate::dial_plans::{PATH, dial_plan_href};
use crate::error_page::{service_failure, shown};
use crate::forms::FormBody;
use crate::management_accounts::account_href;
use crate::permissions::ACCOUNTS_PATH;
use crate::pin_policies::policy_href;
use crate::session::Session;
use crate::{AppState, Chrome, Section, reads};

#[derive(Template, WebTemplate)]
#[template(path = "remove.html")]
struct RemovePage {
    chrome: Option<Chrome>,
    csrf: String,
    /// "UM dial plan" or "UM mailbox policy".
    kind: &'static str,
    name: String,
    /// What else goes with it, or what must go first.
    consequence: &'static str,
    action: String,
    back: String,
    /// Why the service refused the deletion just asked for.
    refusal: Option<String>,
}

#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
}

/// What the page says for a dial plan.
async fn dial_plan_page(state: &AppState, session: &Session, identity: &str) -> Result<RemovePage, ServiceError> {
    let plan = reads::dial_plan(&state.service, &session.principal, identity).await?;
    Ok(RemovePage {
        chrome: Chrome::new(session, Section::UnifiedMessaging),
        csrf: session.csrf().to_owned(),
        kind: "UM dial plan",
        consequence: "A dial plan can be deleted only when no UM mailbox policy belongs to it: delete its policies first.",
        action: format!("{}/delete", dial_plan_href(plan.guid)),
        back: PATH.to_owned(),
        name: plan.name,
        refusal: None,
    })
}

/// What the page says for a policy.
async fn policy_page(state: &AppState, session: &Session, identity: &str) -> Result<RemovePage, ServiceError> {
    let policy = reads::mailbox_policy(&state.service, &session.principal, identity).await?;
    Ok(RemovePage {
        chrome: Chrome::new(session, Section::UnifiedMessaging),
        csrf: session.csrf().to_owned(),
        kind: "UM mailbox policy",
        consequence: "A policy can be deleted only when no UM-enabled mailbox uses it: move those mailboxes to another policy or disable them first.",
        action: format!("{}/delete", policy_href(policy.guid)),
        back: dial_plan_href(policy.dial_plan),
        name: policy.name,
        refusal: None,
    })
}

/// What the page says for a management account.
async fn account_page(state: &AppState, session: &Session, identity: &str) -> Result<RemovePage, ServiceError> {
    let account = reads::management_account(&state.service, &session.principal, identity).await?;
    Ok(RemovePage {
        chrome: Chrome::new(session, Section::Permissions),
        csrf: session.csrf().to_owned(),
        kind: "management account",
        consequence: "Its sign-ins end at once and it leaves every role group. Its records in the audit log stay.",
        action: format!("{}/delete", account_href(&account.name)),
        back: account_href(&account.name),
        name: account.name,
        refusal: None,
    })
}

/// Whether the service's refusal of a deletion belongs on the Warning page (the object is in use),
/// rather than on a page of its own (no permission, not found).
fn said_on_the_page(e: &ServiceError) -> bool {
    match e {
        ServiceError::Rule(Error::PermissionDenied { .. } | Error::NotFound { .. }) => false,
        ServiceError::Rule(_) | ServiceError::InUse { .. } => true,
        _ => false,
    }
}

/// The Warning page again, with the service's refusal.
fn refused(page: Result<RemovePage, ServiceError>, e: &ServiceError) -> Response {
    match page {
        Ok(page) => (StatusCode::CONFLICT, RemovePage { refusal: Some(e.to_string()), ..page }).into_response(),
        Err(e) => service_failure(&e),
    }
}

pub async fn show_dial_plan(State(state): State<AppState>, session: Session, Path(identity): Path<String>) -> Response {
    shown(dial_plan_page(&state, &session, &identity).await)
}

pub async fn remove_dial_plan(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<RemoveForm>,
) -> Response {
    if let Some(refusal) = session.refuses(&form.csrf) {
        return refusal;
    }
    match (RemoveUmDialPlan { identity: identity.clone() }).call(&state.service, &session.principal).await {
        Ok(_) => Redirect::to(&format!("{PATH}?done=deleted")).into_response(),
        Err(e) if said_on_the_page(&e) => refused(dial_plan_page(&state, &session, &identity).await, &e),
        Err(e) => service_failure(&e),
    }
}

pub async fn show_policy(State(state): State<AppState>, session: Session, Path(identity): Path<String>) -> Response {
    shown(policy_page(&state, &session, &identity).await)
}

pub async fn remove_policy(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<RemoveForm>,
) -> Response {
    if let Some(refusal) = session.refuses(&form.csrf) {
        return refusal;
    }
    match (RemoveUmMailboxPolicy { identity: identity.clone() }).call(&state.service, &session.principal).await {
        Ok(policy) => {
            Redirect::to(&format!("{}?done=policy-deleted", dial_plan_href(policy.dial_plan))).into_response()
        }
        Err(e) if said_on_the_page(&e) => refused(policy_page(&state, &session, &identity).await, &e),
        Err(e) => service_failure(&e),
    }
}

pub async fn show_account(State(state): State<AppState>, session: Session, Path(identity): Path<String>) -> Response {
    shown(account_page(&state, &session, &identity).await)
}

pub async fn remove_account(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<RemoveForm>,
) -> Response {
    if let Some(refusal) = session.refuses(&form.csrf) {
        return refusal;
    }
    match (RemoveManagementAccount { identity: identity.clone() }).run(&state.service, &session.principal, None).await {
        Ok(_) => Redirect::to(&format!("{ACCOUNTS_PATH}?done=deleted")).into_response(),
        Err(e) if said_on_the_page(&e) => refused(account_page(&state, &session, &identity).await, &e),
        Err(e) => service_failure(&e),
    }
}
