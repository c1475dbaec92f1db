//! `POST /api/v1/cmdlets/{name}`: runs one cmdlet of the catalogue under the signed-in account,
//! exactly as a local shell runs it, with the catalogue's wire format (`umpin_catalogue::wire`).
//! This is what the remote shell sends each cmdlet invocation to.
//!
//! The pipeline utilities (`Where-Object`, `Format-Table`, ...) run in the shell on the objects
//! that come back; they aren't in the catalogue, so the server knows no such cmdlet. `-WhatIf` is answered without running anything,
//! with the shell's own "What if:" sentence as a warning, so that an API client asking what
//! would happen never changes anything; `-Confirm` needs no answer over the API (the call is
//! the confirmation).

use axum::Json;
use axum::extract::State;
use umpin_catalogue::wire::{CmdletRequest, WireBatch};
use umpin_catalogue::{Batch, Cmdlet};

use crate::AppState;
use crate::extract::{Caller, JsonBody, Segment};
use crate::openapi::{CmdletRequestDoc, CmdletResultDoc};
use crate::problem::{Problem, ProblemKind, Problems};

/// Runs one cmdlet on the server.
#[utoipa::path(post, path = "/api/v1/cmdlets/{name}", tag = "cmdlets", request_body = CmdletRequestDoc,
    params(("name" = String, Path, description = "The cmdlet, such as Get-UMMailboxPIN")),
    security(("bearer" = [])),
    responses((status = 200, description = "The objects and warnings", body = CmdletResultDoc), Problems))]
pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    Segment(name): Segment,
    JsonBody(request): JsonBody<CmdletRequest>,
) -> Result<Json<WireBatch>, Problem> {
    let info = umpin_catalogue::find(&name).ok_or_else(|| {
        Problem::new(
            ProblemKind::UnknownCmdlet,
            format!(
                "The server runs no cmdlet named '{name}'. Get-Command in the shell lists the cmdlets; the pipeline utilities (Where-Object, Format-Table, ...) run in umpin shell itself."
            ),
        )
    })?;
    let invocation = request.bind(info).map_err(Problem::invalid_parameter)?;
    let cmdlet = Cmdlet::bind(info.name, &invocation.arguments).map_err(Problem::invalid_parameter)?;
    if info.changes_state && !info.answers_what_if() && invocation.arguments.flag("WhatIf") == Some(true) {
        let target =
            invocation.arguments.text("Identity").or_else(|| invocation.arguments.text("Name")).unwrap_or_default();
        let what_if = format!("What if: Performing the operation \"{}\" on target \"{target}\".", info.name);
        return Ok(Json(WireBatch(Batch { warnings: vec![what_if], ..Batch::default() })));
    }
    Ok(Json(WireBatch(cmdlet.run(&state.service, &caller.principal, request.page.as_ref()).await?)))
}
