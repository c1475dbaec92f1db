//! One management account's page (`/ecp/permissions/accounts/{account}`), from **Permissions** →
//! **Management accounts**: its state and role groups (`Get-ManagementAccount`), **Reset
//! password**, **Disable** or **Enable** (`Set-ManagementAccount -Password`, `-Disabled`; either
//! ends the account's sign-ins), and **Delete** (a Warning page first, see [`crate::remove`]).
//!
//! A new password never comes back in the page: one the service refuses is said next to the
//! empty field, in the service's words.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use umpin_catalogue::cmdlets::{RemoveManagementAccount, SetManagementAccount};
use umpin_catalogue::declare::Secret;
use umpin_domain::Error;
use umpin_service::ServiceError;

use crate::error_page::{service_failure, shown};
use crate::forms::{Done, FieldErrors, FormBody};
use crate::management_accounts::{account_href, status};
use crate::session::Session;
use crate::um_mailbox::when;
use crate::{AppState, Chrome, Section, reads};

#[derive(Template, WebTemplate)]
#[template(path = "management_account.html")]
struct ManagementAccountPage {
    chrome: Option<Chrome>,
    csrf: String,
    name: String,
    display_name: String,
    status: &'static str,
    disabled: bool,
    role_groups: Vec<&'static str>,
    created: String,
    /// The page's own address, which its forms post under.
    href: String,
    /// Whether the account signed in may change this one.
    may_change: bool,
    /// The Delete page, when the account signed in may delete accounts.
    delete: Option<String>,
    errors: FieldErrors,
    done: Option<&'static str>,
}

async fn page(
    state: &AppState,
    session: &Session,
    identity: &str,
    errors: FieldErrors,
    done: Option<&'static str>,
) -> Result<ManagementAccountPage, ServiceError> {
    let by = &session.principal;
    let account = reads::management_account(&state.service, by, identity).await?;
    let href = account_href(&account.name);
    let change = SetManagementAccount { identity: account.name.clone(), ..Default::default() };
    let delete = RemoveManagementAccount { identity: account.name.clone() };
    Ok(ManagementAccountPage {
        chrome: Chrome::new(session, Section::Permissions),
        csrf: session.csrf().to_owned(),
        status: status(account.disabled),
        disabled: account.disabled,
        role_groups: account.role_groups.iter().map(|g| g.name()).collect(),
        created: when(account.when_created),
        may_change: by.may(&change.operation()),
        delete: by.may(&delete.operation()).then(|| format!("{href}/delete")),
        href,
        name: account.name,
        display_name: account.display_name,
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
        Some("created") => {
            Some("The management account was created. Add it to a role group under Admin roles to let it do anything.")
        }
        Some("password") => {
            Some("The password was changed. The account's sign-ins ended: it signs in again with the new password.")
        }
        Some("disabled") => Some("The account was disabled: it can't sign in, and its sign-ins ended."),
        Some("enabled") => Some("The account was enabled: it can sign in again."),
        _ => None,
    };
    shown(page(&state, &session, &identity, FieldErrors::default(), done).await)
}

/// The page again with the service's refusal (next to the password field when it concerns the
/// password), or the page that says why the change couldn't be made at all.
async fn refused(state: &AppState, session: &Session, identity: &str, e: ServiceError) -> Response {
    match e {
        ServiceError::Rule(rule) if !matches!(rule, Error::PermissionDenied { .. } | Error::NotFound { .. }) => {
            let errors = FieldErrors::refusal(&rule, &["Password"]);
            match page(state, session, identity, errors, None).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(e) => service_failure(&e),
            }
        }
        e => service_failure(&e),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    password: Option<SecretString>,
}

/// Reset password: `Set-ManagementAccount -Password`.
pub async fn reset_password(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<PasswordForm>,
) -> Response {
    if let Some(refusal) = session.refuses(&form.csrf) {
        return refusal;
    }
    let Some(password) = form.password.filter(|p| !p.expose_secret().is_empty()) else {
        let errors = FieldErrors::unreadable("Password", "Type the new password: at least 12 characters.");
        return match page(&state, &session, &identity, errors, None).await {
            Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
            Err(e) => service_failure(&e),
        };
    };
    let cmdlet =
        SetManagementAccount { identity: identity.clone(), password: Some(Secret(password)), ..Default::default() };
    match cmdlet.run(&state.service, &session.principal, None).await {
        Ok(_) => Redirect::to(&format!("{}?done=password", account_href(&identity))).into_response(),
        Err(e) => refused(&state, &session, &identity, e).await,
    }
}

#[derive(Deserialize)]
pub struct DisabledForm {
    csrf: String,
    /// `true` to disable, `false` to enable.
    disabled: bool,
}

/// Disable or Enable: `Set-ManagementAccount -Disabled`.
pub async fn set_disabled(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<DisabledForm>,
) -> Response {
    if let Some(refusal) = session.refuses(&form.csrf) {
        return refusal;
    }
    let cmdlet =
        SetManagementAccount { identity: identity.clone(), disabled: Some(form.disabled), ..Default::default() };
    match cmdlet.run(&state.service, &session.principal, None).await {
        Ok(_) => {
            let done = if form.disabled { "disabled" } else { "enabled" };
            Redirect::to(&format!("{}?done={done}", account_href(&identity))).into_response()
        }
        Err(e) => refused(&state, &session, &identity, e).await,
    }
}
