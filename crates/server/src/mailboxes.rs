//! `/api/v1/mailboxes`: `New-/Get-/Set-/Remove-Mailbox` as resources.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use umpin_catalogue::cmdlets::{GetMailbox, RemoveMailbox};
use umpin_catalogue::views;
use utoipa::IntoParams;

use crate::AppState;
use crate::extract::{Caller, JsonBody, QueryParams, Segment};
use crate::model::{NewMailboxBody, Page, SetMailboxBody};
use crate::problem::{Problem, Problems};

/// The query of the mailbox listing.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MailboxListing {
    /// Only mailboxes whose name, display name, alias or an address starts with this.
    anr: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// The most mailboxes in the page: 1 to 1000 (default 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// Lists mailboxes by primary address (`Get-Mailbox`).
#[utoipa::path(get, path = "/api/v1/mailboxes", tag = "mailboxes", params(MailboxListing),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of mailboxes", body = Page<views::Mailbox>), Problems))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<MailboxListing>,
) -> Result<Json<Page<views::Mailbox>>, Problem> {
    let limit = crate::extract::page_limit(q.limit)?;
    let operation = GetMailbox { anr: q.anr.clone(), ..Default::default() }.operation();
    let page = state
        .service
        .list_mailboxes(&caller.principal, operation, q.anr.as_deref(), q.cursor.as_deref(), limit)
        .await?;
    Ok(Json(Page { items: page.items.iter().map(views::Mailbox::from).collect(), next: page.next }))
}

/// Shows one mailbox (`Get-Mailbox -Identity`).
#[utoipa::path(get, path = "/api/v1/mailboxes/{identity}", tag = "mailboxes",
    params(("identity" = String, Path, description = "GUID, e-mail address, user principal name, alias, name or display name")),
    security(("bearer" = [])),
    responses((status = 200, description = "The mailbox", body = views::Mailbox), Problems))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<Json<views::Mailbox>, Problem> {
    let operation = GetMailbox { identity: Some(identity.clone()), ..Default::default() }.operation();
    Ok(Json((&state.service.get_mailbox(&caller.principal, operation, &identity).await?).into()))
}

/// Creates a mailbox (`New-Mailbox`).
#[utoipa::path(post, path = "/api/v1/mailboxes", tag = "mailboxes", request_body = NewMailboxBody,
    security(("bearer" = [])),
    responses((status = 201, description = "The new mailbox", body = views::Mailbox), Problems))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewMailboxBody>,
) -> Result<(StatusCode, Json<views::Mailbox>), Problem> {
    let new = body.into_cmdlet().map_err(Problem::invalid_parameter)?;
    let mailbox = new.call(&state.service, &caller.principal).await?;
    Ok((StatusCode::CREATED, Json((&mailbox).into())))
}

/// Changes a mailbox (`Set-Mailbox`).
#[utoipa::path(patch, path = "/api/v1/mailboxes/{identity}", tag = "mailboxes", request_body = SetMailboxBody,
    params(("identity" = String, Path, description = "The mailbox")),
    security(("bearer" = [])),
    responses((status = 200, description = "The changed mailbox", body = views::Mailbox), Problems))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
    JsonBody(body): JsonBody<SetMailboxBody>,
) -> Result<Json<views::Mailbox>, Problem> {
    let set = body.for_identity(identity).map_err(Problem::invalid_parameter)?;
    Ok(Json((&set.call(&state.service, &caller.principal).await?).into()))
}

/// Removes a mailbox, disabling it for Unified Messaging first (`Remove-Mailbox`).
#[utoipa::path(delete, path = "/api/v1/mailboxes/{identity}", tag = "mailboxes",
    params(("identity" = String, Path, description = "The mailbox")),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), Problems))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<StatusCode, Problem> {
    RemoveMailbox { identity }.call(&state.service, &caller.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}
