//! `/api/v1/auth/token`: signing in with a management account's name and password for a bearer
//! token (`POST`), and revoking the caller's own token (`DELETE`). Throttling and the check of
//! the password are the service's; the caller's address goes with each attempt.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use secrecy::ExposeSecret;

use crate::AppState;
use crate::extract::{Caller, JsonBody, Source};
use crate::model::{TokenRequest, TokenResponse};
use crate::problem::{Problem, Problems};

/// Signs in: a bearer token for `Authorization: Bearer <token>`, valid until `expiresAt`.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "sign-in", request_body = TokenRequest,
    responses((status = 200, description = "A token", body = TokenResponse), Problems))]
pub async fn issue_token(
    State(state): State<AppState>,
    Source(source): Source,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<Json<TokenResponse>, Problem> {
    let issued = state.service.issue_token(&request.username, &request.password, &source).await?;
    Ok(Json(TokenResponse {
        token: issued.token.expose_secret().to_owned(),
        expires_at: issued.expires_at.to_string(),
    }))
}

/// Signs out: the caller's token stops working at once.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "sign-in", security(("bearer" = [])),
    responses((status = 204, description = "The token is revoked"), Problems))]
pub async fn revoke_token(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, Problem> {
    state.service.revoke_token(&caller.principal, caller.token.expose_secret()).await?;
    Ok(StatusCode::NO_CONTENT)
}
