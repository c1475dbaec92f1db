//! What operators and tools read without signing in: `/healthz` (is the database there?),
//! `/metrics` (Prometheus text format) and `/api/v1/openapi.json` (the API's description).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::model::Health;
use crate::problem::{Problem, ProblemKind};
use crate::telemetry;

/// How long the health check waits for the database.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether the server can reach its database with an up-to-date schema, and whether the admin
/// audit log is intact.
///
/// A damaged audit log (a record umpin didn't write where the next one goes) stops every audited
/// action, but not voice access: it is reported as `degraded` with 200, so that a load balancer
/// doesn't take every node out of service because of one inserted row.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Healthy, or degraded (the admin audit log is damaged)", body = Health),
              (status = 503, description = "The database can't be reached", body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let service = &state.service;
    let check = tokio::time::timeout(HEALTH_TIMEOUT, async {
        service.database().check_schema().await.map_err(|e| e.to_string())?;
        service.audit_log_damage().await.map_err(|e| e.to_string())
    })
    .await;
    let outcome = match check {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("the database didn't answer within {} s", HEALTH_TIMEOUT.as_secs())),
    };
    match outcome {
        Ok(None) => (StatusCode::OK, Json(Health { status: "ok", detail: None })),
        Ok(Some(damage)) => {
            tracing::error!(detail = %damage, "health check: the admin audit log is damaged");
            (StatusCode::OK, Json(Health { status: "degraded", detail: Some(damage) }))
        }
        Err(detail) => {
            tracing::warn!(%detail, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", detail: Some(detail) }))
        }
    }
}

/// The metrics in Prometheus text format: HTTP requests by route and status, their latency,
/// sign-ins by outcome, lockouts, PIN resets and the messages waiting in the outbox.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
              (status = 503, description = "Metrics aren't recorded by this process", body = crate::problem::Problem,
               content_type = "application/problem+json")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let Some(handle) = &state.metrics else {
        return Problem::new(
            ProblemKind::Unavailable,
            "This process records no metrics: another metrics recorder was installed first.",
        )
        .into_response();
    };
    // Read at each scrape: the outbox is shared by every node, so any node can tell its depth.
    match state.service.outbox_depth().await {
        Ok(depth) => metrics::gauge!(telemetry::OUTBOX_DEPTH).set(depth as f64),
        Err(e) => tracing::warn!(error = %e, "the outbox depth couldn't be read for the metrics"),
    }
    let mut text = Vec::new();
    if let Err(e) = handle.render_to_write(&mut text) {
        return Problem::new(ProblemKind::Internal, format!("The metrics couldn't be written ({e}).")).into_response();
    }
    let mut response = text.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    response
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)))]
pub async fn openapi_json(State(state): State<AppState>) -> Response {
    Json(&*state.document).into_response()
}
