//! UM mailboxes: the listing `/api/v1/um/mailboxes`, and a mailbox's UM settings at
//! `/api/v1/mailboxes/{identity}/um` (`POST` enables, `GET` shows, `PATCH` changes, `DELETE`
//! disables): `Enable-/Get-/Set-/Disable-UMMailbox`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use umpin_catalogue::cmdlets::{DisableUmMailbox, GetUmMailbox};
use umpin_catalogue::views;
use utoipa::IntoParams;

use crate::AppState;
use crate::extract::{Caller, JsonBody, QueryParams, Segment, page_limit};
use crate::model::{Changed, EnableUmMailboxBody, Page, SetUmMailboxBody};
use crate::problem::{Problem, Problems};

/// The query of the UM mailbox listing.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UmMailboxListing {
    /// Only the UM mailboxes of this policy (name or GUID).
    um_mailbox_policy: Option<String>,
    /// Only mailboxes whose name, display name, alias or an address starts with this.
    anr: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// The most UM mailboxes in the page: 1 to 1000 (default 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// Lists UM-enabled mailboxes by primary address (`Get-UMMailbox`).
#[utoipa::path(get, path = "/api/v1/um/mailboxes", tag = "UM mailboxes", params(UmMailboxListing),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of UM mailboxes", body = Page<views::UmMailbox>), Problems))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<UmMailboxListing>,
) -> Result<Json<Page<views::UmMailbox>>, Problem> {
    let limit = page_limit(q.limit)?;
    let listing =
        GetUmMailbox { um_mailbox_policy: q.um_mailbox_policy.clone(), anr: q.anr.clone(), ..Default::default() };
    let page = state
        .service
        .list_um_mailboxes(
            &caller.principal,
            listing.operation(),
            q.um_mailbox_policy.as_deref(),
            q.anr.as_deref(),
            q.cursor.as_deref(),
            limit,
        )
        .await?;
    Ok(Json(Page { items: page.items.iter().map(views::UmMailbox::from).collect(), next: page.next }))
}

/// Shows a mailbox's UM settings (`Get-UMMailbox -Identity`).
#[utoipa::path(get, path = "/api/v1/mailboxes/{identity}/um", tag = "UM mailboxes",
    params(("identity" = String, Path, description = "The mailbox")),
    security(("bearer" = [])),
    responses((status = 200, description = "The UM mailbox", body = views::UmMailbox), Problems))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<Json<views::UmMailbox>, Problem> {
    let operation = GetUmMailbox { identity: Some(identity.clone()), ..Default::default() }.operation();
    Ok(Json((&state.service.get_um_mailbox(&caller.principal, operation, &identity).await?).into()))
}

/// Enables a mailbox for Unified Messaging and e-mails the welcome message with its PIN
/// (`Enable-UMMailbox`).
#[utoipa::path(post, path = "/api/v1/mailboxes/{identity}/um", tag = "UM mailboxes", request_body = EnableUmMailboxBody,
    params(("identity" = String, Path, description = "The mailbox")),
    security(("bearer" = [])),
    responses((status = 201, description = "The UM mailbox", body = views::UmMailbox),
              (status = 200, description = "With validateOnly: the UM mailbox it would be; nothing changed", body = views::UmMailbox),
              Problems))]
pub async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
    JsonBody(body): JsonBody<EnableUmMailboxBody>,
) -> Result<(StatusCode, Json<views::UmMailbox>), Problem> {
    let enable = body.for_identity(identity).map_err(Problem::invalid_parameter)?;
    let validate_only = enable.validate_only.0;
    let view = enable.call(&state.service, &caller.principal).await?;
    let status = if validate_only { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json((&view).into())))
}

/// Changes a mailbox's UM settings (`Set-UMMailbox`).
#[utoipa::path(patch, path = "/api/v1/mailboxes/{identity}/um", tag = "UM mailboxes", request_body = SetUmMailboxBody,
    params(("identity" = String, Path, description = "The mailbox")),
    security(("bearer" = [])),
    responses((status = 200, description = "The changed UM mailbox", body = Changed<views::UmMailbox>), Problems))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
    JsonBody(body): JsonBody<SetUmMailboxBody>,
) -> Result<Json<Changed<views::UmMailbox>>, Problem> {
    let set = body.for_identity(identity).map_err(Problem::invalid_parameter)?;
    let warnings = set.warnings();
    Ok(Json(Changed { object: (&set.call(&state.service, &caller.principal).await?).into(), warnings }))
}

/// The query of disabling.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Disabling {
    /// Keep the policy, operator and pilot numbers for a later re-enable (default `true`).
    keep_properties: Option<bool>,
}

/// Disables a mailbox for Unified Messaging: releases its extensions and destroys its PIN data
/// (`Disable-UMMailbox`).
#[utoipa::path(delete, path = "/api/v1/mailboxes/{identity}/um", tag = "UM mailboxes", params(
        ("identity" = String, Path, description = "The mailbox"), Disabling),
    security(("bearer" = [])),
    responses((status = 204, description = "Disabled"), Problems))]
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
    QueryParams(q): QueryParams<Disabling>,
) -> Result<StatusCode, Problem> {
    let disable = DisableUmMailbox { identity, keep_properties: q.keep_properties };
    disable.call(&state.service, &caller.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}
