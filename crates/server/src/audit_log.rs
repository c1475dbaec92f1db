//! `/api/v1/audit-log`: `Search-AdminAuditLog` as a resource, for administrators (SPEC §4.5):
//! the records of the admin audit log, newest first, each with its parameters as values
//! (`parameters`) and as the command line the shell shows (`cmdletParameters`).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use umpin_catalogue::cmdlets::SearchAdminAuditLog;
use umpin_catalogue::declare::When;
use umpin_catalogue::views::AdminAuditLogEvent;
use umpin_domain::Timestamp;
use utoipa::IntoParams;

use crate::AppState;
use crate::extract::{Caller, QueryParams, invalid_query, page_limit};
use crate::model::Page;
use crate::problem::{Problem, Problems};

/// The query of the audit log: each filter as `Search-AdminAuditLog` takes it.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditLogQuery {
    /// Only records of this cmdlet (or `Voice-Access`), case-insensitively.
    cmdlet: Option<String>,
    /// Only records about this object, as it was named.
    object_id: Option<String>,
    /// Only records of this management account.
    user_id: Option<String>,
    /// Only succeeded (`true`) or failed and denied (`false`) actions.
    is_success: Option<bool>,
    /// Only records from this time on (RFC 3339, such as `2026-11-27T08:00:00Z`).
    start_date: Option<String>,
    /// Only records up to this time (RFC 3339).
    end_date: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// The most records in the page: 1 to 1000 (default 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// A time of the query, or the problem of one that isn't a time.
fn time(name: &str, text: Option<String>) -> Result<Option<When>, Problem> {
    text.map(|t| t.parse::<Timestamp>().map(When).map_err(|_| invalid_query(name, "it isn't an RFC 3339 time")))
        .transpose()
}

/// Lists the records of the admin audit log, newest first (`Search-AdminAuditLog`).
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit log", params(AuditLogQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of records, newest first", body = Page<AdminAuditLogEvent>), Problems))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<AuditLogQuery>,
) -> Result<Json<Page<AdminAuditLogEvent>>, Problem> {
    let limit = page_limit(q.limit)?;
    let search = SearchAdminAuditLog {
        cmdlets: q.cmdlet.map(|c| vec![c]),
        object_ids: q.object_id.map(|o| vec![o]),
        user_ids: q.user_id.map(|u| vec![u]),
        start_date: time("startDate", q.start_date)?,
        end_date: time("endDate", q.end_date)?,
        is_success: q.is_success,
        result_size: None,
    };
    let page = search.call(&state.service, &caller.principal, q.cursor.as_deref(), limit).await?;
    Ok(Json(Page { items: page.items.iter().map(AdminAuditLogEvent::from).collect(), next: page.next }))
}
