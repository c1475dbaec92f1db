//! Metrics and request logs.
//!
//! Metrics go through the `metrics` facade to one Prometheus recorder per process, installed by
//! the first server (the service's counters — sign-ins, lockouts, PIN resets — go to the same
//! recorder); `/metrics` renders its text. Each request counts in `umpin_http_requests_total`
//! by method, route (the route's pattern, so identities don't multiply the series) and status,
//! and its duration in the histogram `umpin_http_request_duration_seconds`; the outbox depth is
//! a gauge read from the database at each scrape.
//!
//! Request logs are `tracing` spans and events: method, route, status and latency. Neither
//! headers (where the bearer token is) nor bodies (where PINs and passwords are) are logged.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// The latency histogram's buckets, in seconds: from a cached read to an Argon2 verification
/// under load.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

const REQUESTS: &str = "umpin_http_requests_total";
const DURATION: &str = "umpin_http_request_duration_seconds";
/// Messages waiting in the outbox, read from the database at each scrape.
pub const OUTBOX_DEPTH: &str = "umpin_outbox_depth";

/// How often the recorder's histograms are folded, so they don't grow between scrapes.
pub const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process's Prometheus recorder, installed at the first call; `None` when another recorder
/// was installed first (then `/metrics` says so).
pub fn recorder() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), LATENCY_BUCKETS)
                .map_err(|e| tracing::warn!(error = %e, "the latency buckets were refused"))
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics aren't recorded: a recorder is already installed");
                    None
                }
            }
        })
        .clone()
}

/// Describes every metric, and shows the unlabelled counters at 0 from the start (a counter that
/// is absent can't be told apart from a process that doesn't count it).
fn describe() {
    metrics::describe_counter!(REQUESTS, "HTTP requests answered, by method, route and status.");
    metrics::describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by method and route."
    );
    metrics::describe_counter!("umpin_sign_ins_total", "Sign-ins of management accounts, by outcome.");
    metrics::describe_counter!("umpin_lockouts_total", "UM mailboxes locked out after too many wrong PINs.");
    metrics::describe_counter!("umpin_pin_resets_total", "PIN resets, by who reset the PIN.");
    metrics::describe_counter!(
        "umpin_voice_spray_blocks_total",
        "Sources of voice sign-ins (caller IDs, or front-end accounts) refused for a cool-down after failing on too many mailboxes."
    );
    metrics::describe_counter!(
        "umpin_voice_spray_refusals_total",
        "Voice sign-ins from a blocked source, answered as a wrong PIN without evaluating it."
    );
    metrics::describe_gauge!(OUTBOX_DEPTH, "E-mail messages waiting in the outbox for delivery.");
    metrics::counter!("umpin_lockouts_total").increment(0);
}

/// Counts and times each request by its route.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!(DURATION, "method" => method, "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// The span of a request in the log: its method, route and path (never its headers or body).
pub fn request_span(request: &Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!("request", method = %request.method(), route, path = %request.uri().path())
}
