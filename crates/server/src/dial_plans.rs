//! `/api/v1/um/dial-plans` and `/api/v1/um/mailbox-policies`: `New-/Get-/Set-/Remove-UMDialPlan`
//! and `New-/Get-/Set-/Remove-UMMailboxPolicy` as resources. An organisation has few of either,
//! so a listing is one page (`next` never set), answered in the same envelope as the others.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use umpin_domain::{DialPlanChanges, Guid, LimitValue, MailboxPolicy, NewDialPlan, PolicyChanges};
use umpin_service::{NewPolicy, Principal};
use utoipa::IntoParams;

use crate::AppState;
use crate::extract::{Caller, JsonBody, QueryParams, Segment};
use crate::model::{
    DialPlanChangesBody, DialPlanJson, MailboxPolicyJson, NewDialPlanBody, NewPolicyBody, Page, PolicyChangesBody,
};
use crate::problem::{Problem, Problems};

/// Lists every UM dial plan by name (`Get-UMDialPlan`).
#[utoipa::path(get, path = "/api/v1/um/dial-plans", tag = "dial plans", security(("bearer" = [])),
    responses((status = 200, description = "Every dial plan", body = Page<DialPlanJson>), Problems))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Page<DialPlanJson>>, Problem> {
    let plans = state.service.list_dial_plans(&caller.principal).await?;
    Ok(Json(Page { items: plans.iter().map(DialPlanJson::from).collect(), next: None }))
}

/// Shows one UM dial plan (`Get-UMDialPlan -Identity`).
#[utoipa::path(get, path = "/api/v1/um/dial-plans/{identity}", tag = "dial plans",
    params(("identity" = String, Path, description = "The dial plan's name or GUID")),
    security(("bearer" = [])),
    responses((status = 200, description = "The dial plan", body = DialPlanJson), Problems))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<Json<DialPlanJson>, Problem> {
    Ok(Json((&state.service.get_dial_plan(&caller.principal, &identity).await?).into()))
}

/// Creates a UM dial plan and, unless told otherwise, its default policy (`New-UMDialPlan`).
#[utoipa::path(post, path = "/api/v1/um/dial-plans", tag = "dial plans", request_body = NewDialPlanBody,
    security(("bearer" = [])),
    responses((status = 201, description = "The new dial plan", body = DialPlanJson), Problems))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewDialPlanBody>,
) -> Result<(StatusCode, Json<DialPlanJson>), Problem> {
    let mut new = NewDialPlan::new(&body.name, body.number_of_digits_in_extension, &body.country_or_region_code);
    if let Some(uri_type) = body.uri_type {
        new.uri_type = uri_type.parse().map_err(umpin_service::ServiceError::from)?;
    }
    if let Some(security) = body.voip_security {
        new.voip_security = security.parse().map_err(umpin_service::ServiceError::from)?;
    }
    new.access_telephone_numbers = body.access_telephone_numbers.unwrap_or_default();
    new.default_language = body.default_language;
    new.generate_um_mailbox_policy = body.generate_um_mailbox_policy.unwrap_or(true);
    let (plan, _) = state.service.new_dial_plan(&caller.principal, new).await?;
    Ok((StatusCode::CREATED, Json((&plan).into())))
}

/// Changes a UM dial plan (`Set-UMDialPlan`).
#[utoipa::path(patch, path = "/api/v1/um/dial-plans/{identity}", tag = "dial plans",
    request_body = DialPlanChangesBody,
    params(("identity" = String, Path, description = "The dial plan's name or GUID")),
    security(("bearer" = [])),
    responses((status = 200, description = "The changed dial plan", body = DialPlanJson), Problems))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
    JsonBody(body): JsonBody<DialPlanChangesBody>,
) -> Result<Json<DialPlanJson>, Problem> {
    let changes = DialPlanChanges {
        name: body.name,
        voip_security: body.voip_security.map(|v| v.parse()).transpose().map_err(umpin_service::ServiceError::from)?,
        access_telephone_numbers: body.access_telephone_numbers,
        country_or_region_code: body.country_or_region_code,
        default_language: body.default_language,
        logon_failures_before_disconnect: body.logon_failures_before_disconnect,
    };
    Ok(Json((&state.service.set_dial_plan(&caller.principal, &identity, changes).await?).into()))
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
    state.service.remove_dial_plan(&caller.principal, &identity).await?;
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
async fn policy_json(state: &AppState, by: &Principal, policy: &MailboxPolicy) -> Result<MailboxPolicyJson, Problem> {
    let plan = state.service.get_dial_plan(by, &policy.dial_plan.to_string()).await?;
    Ok(MailboxPolicyJson::new(policy, &plan.name))
}

/// Lists UM mailbox policies, all or those of one dial plan (`Get-UMMailboxPolicy`).
#[utoipa::path(get, path = "/api/v1/um/mailbox-policies", tag = "mailbox policies", params(PolicyListing),
    security(("bearer" = [])),
    responses((status = 200, description = "The policies", body = Page<MailboxPolicyJson>), Problems))]
pub async fn list_policies(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<PolicyListing>,
) -> Result<Json<Page<MailboxPolicyJson>>, Problem> {
    let by = &caller.principal;
    let names: HashMap<Guid, String> =
        state.service.list_dial_plans(by).await?.into_iter().map(|p| (p.guid, p.name)).collect();
    let policies = state.service.list_mailbox_policies(by, q.um_dial_plan.as_deref()).await?;
    let items = policies
        .iter()
        .map(|p| MailboxPolicyJson::new(p, names.get(&p.dial_plan).map_or("", String::as_str)))
        .collect();
    Ok(Json(Page { items, next: None }))
}

/// Shows one UM mailbox policy (`Get-UMMailboxPolicy -Identity`).
#[utoipa::path(get, path = "/api/v1/um/mailbox-policies/{identity}", tag = "mailbox policies",
    params(("identity" = String, Path, description = "The policy's name or GUID")),
    security(("bearer" = [])),
    responses((status = 200, description = "The policy", body = MailboxPolicyJson), Problems))]
pub async fn get_policy(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<Json<MailboxPolicyJson>, Problem> {
    let policy = state.service.get_mailbox_policy(&caller.principal, &identity).await?;
    Ok(Json(policy_json(&state, &caller.principal, &policy).await?))
}

/// Creates a UM mailbox policy with the default PIN settings (`New-UMMailboxPolicy`).
#[utoipa::path(post, path = "/api/v1/um/mailbox-policies", tag = "mailbox policies", request_body = NewPolicyBody,
    security(("bearer" = [])),
    responses((status = 201, description = "The new policy", body = MailboxPolicyJson), Problems))]
pub async fn create_policy(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewPolicyBody>,
) -> Result<(StatusCode, Json<MailboxPolicyJson>), Problem> {
    let new = NewPolicy { name: body.name, dial_plan: body.um_dial_plan };
    let policy = state.service.new_mailbox_policy(&caller.principal, new).await?;
    Ok((StatusCode::CREATED, Json(policy_json(&state, &caller.principal, &policy).await?)))
}

/// Changes the PIN settings of a UM mailbox policy (`Set-UMMailboxPolicy`); they apply at once
/// to its mailboxes.
#[utoipa::path(patch, path = "/api/v1/um/mailbox-policies/{identity}", tag = "mailbox policies",
    request_body = PolicyChangesBody,
    params(("identity" = String, Path, description = "The policy's name or GUID")),
    security(("bearer" = [])),
    responses((status = 200, description = "The changed policy", body = MailboxPolicyJson), Problems))]
pub async fn update_policy(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
    JsonBody(body): JsonBody<PolicyChangesBody>,
) -> Result<Json<MailboxPolicyJson>, Problem> {
    let limit = |l: Option<crate::model::LimitJson>| -> Option<LimitValue> { l.map(|l| l.0) };
    let changes = PolicyChanges {
        name: body.name,
        min_pin_length: body.min_pin_length,
        pin_lifetime: limit(body.pin_lifetime),
        pin_history_count: body.pin_history_count,
        allow_common_patterns: body.allow_common_patterns,
        logon_failures_before_pin_reset: limit(body.logon_failures_before_pin_reset),
        max_logon_attempts: body.max_logon_attempts,
        reset_pin_text: body.reset_pin_text,
        um_enabled_text: body.um_enabled_text,
    };
    let policy = state.service.set_mailbox_policy(&caller.principal, &identity, changes).await?;
    Ok(Json(policy_json(&state, &caller.principal, &policy).await?))
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
    state.service.remove_mailbox_policy(&caller.principal, &identity).await?;
    Ok(StatusCode::NO_CONTENT)
}
