//! **Permissions** → **Management accounts** (`/ecp/permissions/accounts`): the accounts that
//! sign in to the admin center, the shell and the API, with their state and role groups
//! (`Get-ManagementAccount`), and **New management account** (`New-ManagementAccount` with a
//! password). Each account's own page resets its password, disables or enables it, or deletes it.
//!
//! A typed password never comes back: a form the service refused keeps the name and display name,
//! and says what was wrong next to each field.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use umpin_catalogue::cmdlets::NewManagementAccount;
use umpin_catalogue::declare::Secret;
use umpin_domain::Error;
use umpin_service::ServiceError;

use crate::error_page::{service_failure, shown, shown_again};
use crate::forms::{Done, FieldErrors, FormBody};
use crate::permissions::ACCOUNTS_PATH;
use crate::session::Session;
use crate::um_mailbox::encode_segment;
use crate::{AppState, Chrome, Section, reads};

/// The parameters the form's fields send.
const FIELDS: &[&str] = &["Name", "DisplayName", "Password"];

/// The page of one account.
pub fn account_href(name: &str) -> String {
    format!("{ACCOUNTS_PATH}/{}", encode_segment(name))
}

struct Row {
    name: String,
    href: String,
    display_name: String,
    status: &'static str,
    role_groups: String,
}

/// What the New form had, the password aside.
#[derive(Default)]
struct Typed {
    name: String,
    display_name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "management_accounts.html")]
struct ManagementAccountsPage {
    chrome: Option<Chrome>,
    csrf: String,
    tab: &'static str,
    rows: Vec<Row>,
    /// Whether the account may create accounts.
    may_create: bool,
    typed: Typed,
    errors: FieldErrors,
    done: Option<&'static str>,
}

/// The state of an account as the pages name it.
pub fn status(disabled: bool) -> &'static str {
    if disabled { "Disabled" } else { "Enabled" }
}

async fn page(
    state: &AppState,
    session: &Session,
    typed: Typed,
    errors: FieldErrors,
    done: Option<&'static str>,
) -> Result<ManagementAccountsPage, ServiceError> {
    let by = &session.principal;
    let rows = reads::management_accounts(&state.service, by)
        .await?
        .into_iter()
        .map(|a| Row {
            href: account_href(&a.name),
            status: status(a.disabled),
            role_groups: a.role_groups.iter().map(|g| g.name()).collect::<Vec<_>>().join(", "),
            display_name: a.display_name,
            name: a.name,
        })
        .collect();
    Ok(ManagementAccountsPage {
        chrome: Chrome::new(session, Section::Permissions),
        csrf: session.csrf().to_owned(),
        tab: "accounts",
        rows,
        may_create: by.may(&NewManagementAccount::default().operation()),
        typed,
        errors,
        done,
    })
}

pub async fn show(State(state): State<AppState>, session: Session, Query(done): Query<Done>) -> Response {
    let done = match done.done.as_deref() {
        Some("deleted") => Some("The management account was deleted. Its sign-ins ended."),
        _ => None,
    };
    shown(page(&state, &session, Typed::default(), FieldErrors::default(), done).await)
}

#[derive(Deserialize)]
pub struct NewAccountForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    display_name: String,
    password: Option<SecretString>,
}

/// New management account: `New-ManagementAccount -Password`; then the account's page.
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    FormBody(form): FormBody<NewAccountForm>,
) -> Response {
    if let Some(refusal) = session.refuses(&form.csrf) {
        return refusal;
    }
    let typed = Typed { name: form.name.clone(), display_name: form.display_name.clone() };
    let Some(password) = form.password.filter(|p| !p.expose_secret().is_empty()) else {
        let errors = FieldErrors::unreadable("Password", "Type a password for the account: at least 12 characters.");
        return shown_again(page(&state, &session, typed, errors, None).await);
    };
    let cmdlet = NewManagementAccount {
        name: form.name.trim().to_owned(),
        password: Some(Secret(password)),
        display_name: Some(form.display_name.trim().to_owned()).filter(|d| !d.is_empty()),
    };
    match cmdlet.run(&state.service, &session.principal, None).await {
        Ok(_) => Redirect::to(&format!("{}?done=created", account_href(form.name.trim()))).into_response(),
        Err(ServiceError::Rule(e)) if !matches!(e, Error::PermissionDenied { .. }) => {
            shown_again(page(&state, &session, typed, FieldErrors::refusal(&e, FIELDS), None).await)
        }
        Err(e) => service_failure(&e),
    }
}
