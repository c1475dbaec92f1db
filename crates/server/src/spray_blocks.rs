//! `/api/v1/voice/spray-blocks`: `Get-UMSprayBlock` and `Clear-UMSprayBlock` as resources, for
//! administrators (SPEC §3.3a). A source is named as the listing shows it
//! (`caller-id:14255550199`, `account:ivr`) or by the caller's number. There are few blocks at
//! any time, so a listing is one page (`next` never set).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use umpin_catalogue::cmdlets::{ClearUmSprayBlock, GetUmSprayBlock};
use umpin_catalogue::views;

use crate::AppState;
use crate::extract::{Caller, Segment};
use crate::model::Page;
use crate::problem::{Problem, Problems};

/// Lists the sources whose voice sign-ins are refused for a cool-down (`Get-UMSprayBlock`).
#[utoipa::path(get, path = "/api/v1/voice/spray-blocks", tag = "voice access", security(("bearer" = [])),
    responses((status = 200, description = "Every block in force, by source", body = Page<views::UmSprayBlock>), Problems))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Page<views::UmSprayBlock>>, Problem> {
    let operation = GetUmSprayBlock::default().operation();
    let blocks = state.service.get_spray_blocks(&caller.principal, operation, None).await?;
    Ok(Json(Page { items: blocks.iter().map(views::UmSprayBlock::from).collect(), next: None }))
}

/// Lifts the block of a source before its cool-down ends (`Clear-UMSprayBlock`); its failed
/// sign-ins are forgotten.
#[utoipa::path(delete, path = "/api/v1/voice/spray-blocks/{source}", tag = "voice access",
    params(("source" = String, Path, description = "The source as the listing shows it (caller-id:14255550199, account:NAME), or the caller's number")),
    security(("bearer" = [])),
    responses((status = 204, description = "Lifted"), Problems))]
pub async fn clear(
    State(state): State<AppState>,
    caller: Caller,
    Segment(source): Segment,
) -> Result<StatusCode, Problem> {
    let operation = ClearUmSprayBlock { identity: source.clone() }.operation();
    state.service.clear_spray_block(&caller.principal, operation, &source).await?;
    Ok(StatusCode::NO_CONTENT)
}
