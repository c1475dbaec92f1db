//! **Permissions** → **Admin roles** (`/ecp/permissions`): the role groups, what each permits and
//! its members (`Get-RoleGroup`); **Add** a management account to a group and **Remove** one
//! (`Add-RoleGroupMember`, `Remove-RoleGroupMember`). The other tab lists the
//! [management accounts](crate::management_accounts).
//!
//! A refusal of the service — the last enabled member of Organization Management, or an account's
//! own membership of it — is said in the section of its group, in the service's words.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use umpin_catalogue::cmdlets::{AddRoleGroupMember, RemoveRoleGroupMember};
use umpin_domain::Error;
use umpin_service::ServiceError;

use crate::error_page::{service_failure, shown};
use crate::forms::{Done, FormBody};
use crate::session::Session;
use crate::{AppState, Chrome, Section, reads};

pub const PATH: &str = "/ecp/permissions";
/// The tab of management accounts.
pub const ACCOUNTS_PATH: &str = "/ecp/permissions/accounts";

/// A member of a role group as the page shows it.
struct Member {
    name: String,
    /// Whether it can be removed here: a directory user's account has the role groups of its
    /// directory groups, changed in the directory.
    removable: bool,
}

/// One role group as the page shows it.
struct Group {
    name: &'static str,
    /// The id of its section.
    id: String,
    description: &'static str,
    members: Vec<Member>,
    /// The DNs of the directory groups whose members sign in with it.
    directory_groups: Vec<String>,
    /// The accounts that could join it, when the account may add members.
    candidates: Option<Vec<String>>,
    /// Why the change just asked for in this group was refused.
    refusal: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "permissions.html")]
struct PermissionsPage {
    chrome: Option<Chrome>,
    csrf: String,
    /// Which tab of Permissions this is.
    tab: &'static str,
    groups: Vec<Group>,
    /// Whether the account may remove members.
    may_remove: bool,
    /// A refusal that concerns no group of the page (an unknown group).
    refusal: Option<String>,
    done: Option<&'static str>,
}

/// The page, with the service's refusal of a change in `group` when there was one.
async fn page(
    state: &AppState,
    session: &Session,
    refused: Option<(&str, String)>,
    done: Option<&'static str>,
) -> Result<PermissionsPage, ServiceError> {
    let by = &session.principal;
    let views = reads::role_groups(&state.service, by).await?;
    let accounts = if by.may(&AddRoleGroupMember::default().operation()) {
        Some(reads::management_accounts(&state.service, by).await?)
    } else {
        None
    };
    let mut refusal = refused;
    let groups = views
        .into_iter()
        .map(|view| {
            let name = view.group.name();
            let candidates = accounts.as_ref().map(|all| {
                all.iter()
                    .filter(|a| a.directory_id.is_none() && !view.members.contains(&a.name))
                    .map(|a| a.name.clone())
                    .collect()
            });
            let from_directory = |name: &str| {
                accounts.iter().flatten().any(|a| a.directory_id.is_some() && a.name.eq_ignore_ascii_case(name))
            };
            let here = refusal.as_ref().is_some_and(|(group, _)| group.eq_ignore_ascii_case(name));
            Group {
                name,
                id: name.to_lowercase().replace(' ', "-"),
                description: view.group.description(),
                members: view
                    .members
                    .into_iter()
                    .map(|name| Member { removable: !from_directory(&name), name })
                    .collect(),
                directory_groups: view.directory_groups,
                candidates,
                refusal: if here { refusal.take().map(|(_, message)| message) } else { None },
            }
        })
        .collect();
    Ok(PermissionsPage {
        chrome: Chrome::new(session, Section::Permissions),
        csrf: session.csrf().to_owned(),
        tab: "roles",
        groups,
        may_remove: by.may(&RemoveRoleGroupMember::default().operation()),
        refusal: refusal.map(|(_, message)| message),
        done,
    })
}

pub async fn show(State(state): State<AppState>, session: Session, Query(done): Query<Done>) -> Response {
    let done = match done.done.as_deref() {
        Some("added") => {
            Some("The account was added to the role group. It has the group's permissions from its next request.")
        }
        Some("removed") => Some("The account was removed from the role group."),
        _ => None,
    };
    shown(page(&state, &session, None, done).await)
}

#[derive(Deserialize)]
pub struct MemberForm {
    csrf: String,
    #[serde(default)]
    role_group: String,
    #[serde(default)]
    member: String,
}

/// The page again with the service's refusal in the group's section, or the page that says why
/// the change couldn't be made at all (no permission).
async fn refused(state: &AppState, session: &Session, form: &MemberForm, e: ServiceError) -> Response {
    match e {
        ServiceError::Rule(rule) if !matches!(rule, Error::PermissionDenied { .. }) => {
            match page(state, session, Some((&form.role_group, rule.to_string())), None).await {
                Ok(page) => (StatusCode::CONFLICT, page).into_response(),
                Err(e) => service_failure(&e),
            }
        }
        e => service_failure(&e),
    }
}

/// Add: `Add-RoleGroupMember`.
pub async fn add(State(state): State<AppState>, session: Session, FormBody(form): FormBody<MemberForm>) -> Response {
    if let Some(refusal) = session.refuses(&form.csrf) {
        return refusal;
    }
    let cmdlet = AddRoleGroupMember { identity: form.role_group.clone(), member: form.member.clone() };
    match cmdlet.run(&state.service, &session.principal, None).await {
        Ok(_) => Redirect::to(&format!("{PATH}?done=added")).into_response(),
        Err(e) => refused(&state, &session, &form, e).await,
    }
}

/// Remove: `Remove-RoleGroupMember`.
pub async fn remove(State(state): State<AppState>, session: Session, FormBody(form): FormBody<MemberForm>) -> Response {
    if let Some(refusal) = session.refuses(&form.csrf) {
        return refusal;
    }
    let cmdlet = RemoveRoleGroupMember { identity: form.role_group.clone(), member: form.member.clone() };
    match cmdlet.run(&state.service, &session.principal, None).await {
        Ok(_) => Redirect::to(&format!("{PATH}?done=removed")).into_response(),
        Err(e) => refused(&state, &session, &form, e).await,
    }
}
