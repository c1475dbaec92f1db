//! `/api/v1/um/dial-plans` and `/api/v1/um/mailbox-policies`: `New-/Get-/Set-/Remove-UMDialPlan`
//! and `New-/Get-/Set-/Remove-UMMailboxPolicy` as resources. An organisation has few of either,
//! so a listing is one page (`next` never set), answered in the same envelope as the others.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use umpin_catalogue::cmdlets::{
    GetUmDialPlan, GetUmMailboxPolicy, RemoveUmDialPlan, RemoveUmMailboxPolicy, dial_plan_name,
};
use umpin_catalogue::views;
use umpin_domain::{Guid, MailboxPolicy};
use umpin_service::Principal;
use utoipa::IntoParams;

use crate::AppState;
use crate::extract::{Caller, JsonBody, QueryParams, Segment};
use crate::model::{
    Changed, NewUmDialPlanBody, NewUmMailboxPolicyBody, Page, SetUmDialPlanBody, SetUmMailboxPolicyBody,
};
use crate::problem::{Problem, Problems};

/// Lists every UM dial plan by name (`Get-UMDialPlan`).
#[utoipa::path(get, path = "/api/v1/um/dial-plans", tag = "dial plans", security(("bearer" = [])),
    responses((status = 200, description = "Every dial plan", body = Page<views::UmDialPlan>), Problems))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Page<views::UmDialPlan>>, Problem> {
    let plans = state.service.list_dial_plans(&caller.principal, GetUmDialPlan::default().operation()).await?;
    Ok(Json(Page { items: plans.iter().map(views::UmDialPlan::from).collect(), next: None }))
}

/// Shows one UM dial plan (`Get-UMDialPlan -Identity`).
#[utoipa::path(get, path = "/api/v1/um/dial-plans/{identity}", tag = "dial plans",
    params(("identity" = String, Path, description = "The dial plan's name or GUID")),
    security(("bearer" = [])),
    responses((status = 200, description = "The dial plan", body = views::UmDialPlan), Problems))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<Json<views::UmDialPlan>, Problem> {
    let operation = GetUmDialPlan { identity: Some(identity.clone()) }.operation();
    Ok(Json((&state.service.get_dial_plan(&caller.principal, operation, &identity).await?).into()))
}

/// Creates a UM dial plan and, unless told otherwise, its default policy (`New-UMDialPlan`).
#[utoipa::path(post, path = "/api/v1/um/dial-plans", tag = "dial plans", request_body = NewUmDialPlanBody,
    security(("bearer" = [])),
    responses((status = 201, description = "The new dial plan", body = views::UmDialPlan), Problems))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewUmDialPlanBody>,
) -> Result<(StatusCode, Json<views::UmDialPlan>), Problem> {
    let new = body.into_cmdlet().map_err(Problem::invalid_parameter)?;
    let (plan, _) = new.call(&state.service, &caller.principal).await?;
    Ok((StatusCode::CREATED, Json((&plan).into())))
}

/// Changes a UM dial plan (`Set-UMDialPlan`).
#[utoipa::path(patch, path = "/api/v1/um/dial-plans/{identity}", tag = "dial plans",
    request_body = SetUmDialPlanBody,
    params(("identity" = String, Path, description = "The dial plan's name or GUID")),
    security(("bearer" = [])),
    responses((status = 200, description = "The changed dial plan", body = views::UmDialPlan), Problems))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
    JsonBody(body): JsonBody<SetUmDialPlanBody>,
) -> Result<Json<views::UmDialPlan>, Problem> {
    let set = body.for_identity(identity).map_err(Problem::invalid_parameter)?;
    Ok(Json((&set.call(&state.service, &caller.principal).await?).into()))
}

/// Removes a UM dial plan that no policy belongs to (`Remove-UMDialPlan`).
#[utoipa::path(delete, path = "/api/v1/um/dial-plans/{identity}", tag = "dial plans",
    params(("identity" = String, Path, description = "The dial plan's name or GUID")),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), Problems))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<StatusCode, Problem> {
    RemoveUmDialPlan { identity }.call(&state.service, &caller.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The query of the policy listing.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PolicyListing {
    /// Only the policies of this dial plan (name or GUID).
    um_dial_plan: Option<String>,
}

/// The policy as the API shows it, with its dial plan's name.
async fn policy_view(
    state: &AppState,
    by: &Principal,
    policy: &MailboxPolicy,
) -> Result<views::UmMailboxPolicy, Problem> {
    Ok(views::UmMailboxPolicy::new(policy, &dial_plan_name(&state.service, by, policy).await?))
}

/// Lists UM mailbox policies, all or those of one dial plan (`Get-UMMailboxPolicy`).
#[utoipa::path(get, path = "/api/v1/um/mailbox-policies", tag = "mailbox policies", params(PolicyListing),
    security(("bearer" = [])),
    responses((status = 200, description = "The policies", body = Page<views::UmMailboxPolicy>), Problems))]
pub async fn list_policies(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<PolicyListing>,
) -> Result<Json<Page<views::UmMailboxPolicy>>, Problem> {
    let by = &caller.principal;
    let plans = state.service.list_dial_plans(by, GetUmDialPlan::default().operation()).await?;
    let names: HashMap<Guid, String> = plans.into_iter().map(|p| (p.guid, p.name)).collect();
    let operation = GetUmMailboxPolicy { um_dial_plan: q.um_dial_plan.clone(), ..Default::default() }.operation();
    let policies = state.service.list_mailbox_policies(by, operation, q.um_dial_plan.as_deref()).await?;
    let items = policies
        .iter()
        .map(|p| views::UmMailboxPolicy::new(p, names.get(&p.dial_plan).map_or("", String::as_str)))
        .collect();
    Ok(Json(Page { items, next: None }))
}

/// Shows one UM mailbox policy (`Get-UMMailboxPolicy -Identity`).
#[utoipa::path(get, path = "/api/v1/um/mailbox-policies/{identity}", tag = "mailbox policies",
    params(("identity" = String, Path, description = "The policy's name or GUID")),
    security(("bearer" = [])),
    responses((status = 200, description = "The policy", body = views::UmMailboxPolicy), Problems))]
pub async fn get_policy(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<Json<views::UmMailboxPolicy>, Problem> {
    let operation = GetUmMailboxPolicy { identity: Some(identity.clone()), ..Default::default() }.operation();
    let policy = state.service.get_mailbox_policy(&caller.principal, operation, &identity).await?;
    Ok(Json(policy_view(&state, &caller.principal, &policy).await?))
}

/// Creates a UM mailbox policy with the default PIN settings (`New-UMMailboxPolicy`).
#[utoipa::path(post, path = "/api/v1/um/mailbox-policies", tag = "mailbox policies", request_body = NewUmMailboxPolicyBody,
    security(("bearer" = [])),
    responses((status = 201, description = "The new policy", body = views::UmMailboxPolicy), Problems))]
pub async fn create_policy(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewUmMailboxPolicyBody>,
) -> Result<(StatusCode, Json<views::UmMailboxPolicy>), Problem> {
    let new = body.into_cmdlet().map_err(Problem::invalid_parameter)?;
    let policy = new.call(&state.service, &caller.principal).await?;
    Ok((StatusCode::CREATED, Json(policy_view(&state, &caller.principal, &policy).await?)))
}

/// Changes the PIN settings of a UM mailbox policy (`Set-UMMailboxPolicy`); they apply at once
/// to its mailboxes.
#[utoipa::path(patch, path = "/api/v1/um/mailbox-policies/{identity}", tag = "mailbox policies",
    request_body = SetUmMailboxPolicyBody,
    params(("identity" = String, Path, description = "The policy's name or GUID")),
    security(("bearer" = [])),
    responses((status = 200, description = "The changed policy", body = Changed<views::UmMailboxPolicy>), Problems))]
pub async fn update_policy(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
    JsonBody(body): JsonBody<SetUmMailboxPolicyBody>,
) -> Result<Json<Changed<views::UmMailboxPolicy>>, Problem> {
    let set = body.for_identity(identity).map_err(Problem::invalid_parameter)?;
    let warnings = set.warnings();
    let policy = set.call(&state.service, &caller.principal).await?;
    Ok(Json(Changed { object: policy_view(&state, &caller.principal, &policy).await?, warnings }))
}

/// Removes a UM mailbox policy that no UM-enabled mailbox uses (`Remove-UMMailboxPolicy`).
#[utoipa::path(delete, path = "/api/v1/um/mailbox-policies/{identity}", tag = "mailbox policies",
    params(("identity" = String, Path, description = "The policy's name or GUID")),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), Problems))]
pub async fn remove_policy(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<StatusCode, Problem> {
    RemoveUmMailboxPolicy { identity }.call(&state.service, &caller.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}
