//! `POST /api/v1/cmdlets/{name}`: runs one server-side cmdlet of the registry under the
//! signed-in account, exactly as a local shell runs it ([`Local::invoke`]), with the wire format
//! of `umpin_shell::wire`. This is what the remote shell sends each cmdlet invocation to.
//!
//! The pipeline utilities (`Where-Object`, `Format-Table`, ...) run in the shell on the objects
//! that come back, so they are refused here. `-WhatIf` is answered without running anything,
//! with the shell's own "What if:" sentence as a warning, so that an API client asking what
//! would happen never changes anything; `-Confirm` needs no answer over the API (the call is
//! the confirmation).

use axum::Json;
use axum::extract::State;
use umpin_shell::bound::Batch;
use umpin_shell::local::Local;
use umpin_shell::registry::{self, RunsOn};
use umpin_shell::wire::{CmdletRequest, WireBatch};

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
    let cmdlet = registry::find(&name).ok_or_else(|| {
        Problem::new(
            ProblemKind::UnknownCmdlet,
            format!(
                "The term '{name}' is not recognized as the name of a cmdlet. Get-Command in the shell lists the cmdlets."
            ),
        )
    })?;
    if cmdlet.runs_on == RunsOn::Shell {
        return Err(Problem::new(
            ProblemKind::ShellCmdlet,
            format!(
                "{} works on the objects of a pipeline and runs in the shell, not on the server: run it in umpin shell.",
                cmdlet.name
            ),
        ));
    }
    let invocation = request.bind(cmdlet).map_err(|m| Problem::new(ProblemKind::InvalidParameter, m))?;
    if cmdlet.changes_state && invocation.flag("WhatIf") == Some(true) {
        let target = invocation.text("Identity").or_else(|| invocation.text("Name")).unwrap_or_default();
        let what_if = format!("What if: Performing the operation \"{}\" on target \"{target}\".", cmdlet.name);
        return Ok(Json(WireBatch(Batch { warnings: vec![what_if], ..Batch::default() })));
    }
    let local = Local::new(state.service.clone(), caller.principal);
    Ok(Json(WireBatch(local.invoke(&invocation, request.page.as_ref()).await?)))
}
