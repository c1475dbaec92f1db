//! `umpin serve`: umpin's HTTP API (SPEC §4.3) over HTTP or TLS, with `/healthz` and `/metrics`.
//!
//! Every handler translates a request into one call of the service (which checks the caller's
//! roles, writes the audit record and runs the transaction) and its answer into JSON; no rule is
//! decided here. Errors are problem details (`application/problem+json`) with a stable `type`.
//!
//! | Route | Does |
//! |---|---|
//! | `POST /api/v1/auth/token`, `DELETE` | sign in for a bearer token; revoke the caller's token |
//! | `/api/v1/mailboxes[/{identity}]` | `New-/Get-/Set-/Remove-Mailbox` (`POST`, `GET`, `PATCH`, `DELETE`) |
//! | `/api/v1/mailboxes/{identity}/um` | `Enable-/Get-/Set-/Disable-UMMailbox` (`POST`, `GET`, `PATCH`, `DELETE`) |
//! | `/api/v1/mailboxes/{identity}/um/pin[/reset|/unlock|/lock]` | `Get-/Set-UMMailboxPIN` |
//! | `/api/v1/um/dial-plans[/{identity}]`, `/api/v1/um/mailbox-policies[/{identity}]` | dial plans and policies |
//! | `GET /api/v1/um/mailboxes`, `GET /api/v1/um/pins` | listings with filters and cursor paging (PINs also as NDJSON) |
//! | `POST /api/v1/cmdlets/{name}` | one cmdlet of the registry, as the remote shell sends it |
//! | `GET /api/v1/audit-log` | `Search-AdminAuditLog`: the records, newest first, their parameters as values |
//! | `POST /api/v1/voice/calls`, `/api/v1/voice/call[/sign-in|/pin|/recorded-name|/first-time-setup]` | voice access: a call, its sign-in, new PIN and when the PIN expires, recorded name and first-time setup |
//! | `GET /api/v1/voice/spray-blocks`, `DELETE /api/v1/voice/spray-blocks/{source}` | `Get-/Clear-UMSprayBlock`: sources refused for spraying PINs |
//! | `GET /api/v1/openapi.json`, `/healthz`, `/metrics` | description, health, Prometheus metrics |
//! | `/ecp/…` (and `/`, which leads there) | the web admin center (`umpin_web`) |
//! | `/voicemail/…` | the users' own Voice Mail page (`umpin_web`): their PIN's status and Reset PIN |
//!
//! # Decisions
//! - **Plain HTTP only on loopback** unless the configuration says `allow_plain_http = true`
//!   (for a TLS proxy in front): passwords, tokens and PINs cross the wire.
//! - **Limits**: request bodies (1 MiB by default) and the time to answer (30 s) are bounded,
//!   and going over either is a problem like any other (413 `payload-too-large`, 503
//!   `timeout`); on shutdown the server stops accepting, lets the requests in progress finish
//!   (up to a grace period), then returns.
//! - **The caller's address** (for sign-in throttling and the audit log) is the TCP peer's,
//!   unless the peer is one of `trusted_proxies`: then it is the address the proxies name in
//!   `X-Forwarded-For`, read from the right as far as trusted proxies wrote it (see
//!   [`TrustedProxies`]). By default no proxy is trusted and the header is ignored, since any
//!   client can send it.
//! - **Routes and the document from one list**: `api()` names each handler once, and its
//!   `#[utoipa::path]` gives both the route the router serves and the operation the OpenAPI
//!   document lists (utoipa-axum's `routes!`), so a route can't be served undocumented nor
//!   documented unserved. The web admin center is the one thing served beside the document.
//! - **One integration-test binary** (`tests/api.rs`) runs the real server on a loopback port.

mod audit_log;
mod auth;
mod cmdlets;
mod dial_plans;
mod edge;
mod extract;
mod mailboxes;
mod model;
mod openapi;
mod ops;
mod pins;
mod problem;
mod proxies;
mod spray_blocks;
mod telemetry;
mod tls;
mod um_mailboxes;
mod voice;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum_server::tls_rustls::RustlsConfig;
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use umpin_service::Service;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use problem::PROBLEM_JSON;
pub use proxies::TrustedProxies;

/// Where the server listens unless told otherwise.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The address and port to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Serve TLS with these files; without them, plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Serve plain HTTP on an address other than loopback (behind a TLS proxy).
    pub allow_plain_http: bool,
    /// The proxies whose `X-Forwarded-For` names the caller; none by default.
    pub trusted_proxies: TrustedProxies,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The longest a request may take to be answered.
    pub request_timeout: Duration,
    /// On shutdown, how long requests in progress may take to finish.
    pub shutdown_grace: Duration,
    /// How long a session of the web admin center lasts unused.
    pub web_session_idle: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: DEFAULT_LISTEN,
            tls: None,
            allow_plain_http: false,
            trusted_proxies: TrustedProxies::default(),
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
            web_session_idle: umpin_web::DEFAULT_SESSION_IDLE,
        }
    }
}

/// The PEM files of the server's certificate chain and its private key.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// Why the server can't start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "umpin serve won't listen for plain HTTP on {listen}, which isn't a loopback address: passwords, tokens and PINs would cross the network in clear. Give tls_certificate and tls_key in the [server] section of the configuration (or UMPIN_SERVER__TLS_CERTIFICATE and UMPIN_SERVER__TLS_KEY), listen on 127.0.0.1, or, behind a proxy that terminates TLS, set allow_plain_http = true."
    )]
    PlainHttpRefused { listen: SocketAddr },

    #[error("{0}")]
    Tls(String),

    #[error(
        "The entry '{entry}' of trusted_proxies (in the [server] section of the configuration, or UMPIN_SERVER__TRUSTED_PROXIES) isn't valid: {reason}. Correct it or remove it."
    )]
    TrustedProxy { entry: String, reason: String },

    #[error(
        "umpin serve can't listen on {listen} ({source}). Is another server using it? Choose another address with --listen."
    )]
    Listen { listen: SocketAddr, source: std::io::Error },

    #[error("umpin serve stopped: {0}")]
    Serve(std::io::Error),
}

/// What every handler has: the service, the metrics recorder, the trusted proxies and the API's
/// OpenAPI document.
#[derive(Clone)]
pub(crate) struct AppState {
    service: Service,
    metrics: Option<PrometheusHandle>,
    trusted_proxies: Arc<TrustedProxies>,
    document: Arc<utoipa::openapi::OpenApi>,
}

/// A server bound to its address, ready to run.
pub struct Server {
    listener: std::net::TcpListener,
    local_addr: SocketAddr,
    tls: Option<RustlsConfig>,
    config: ServerConfig,
    service: Service,
}

impl Server {
    /// Checks the configuration, reads the TLS files and binds the address, so that every
    /// mistake is reported before anything is served.
    pub fn bind(config: ServerConfig, service: Service) -> Result<Server, ServerError> {
        let tls = match &config.tls {
            Some(files) => Some(tls::load(files)?),
            None if !config.listen.ip().is_loopback() && !config.allow_plain_http => {
                return Err(ServerError::PlainHttpRefused { listen: config.listen });
            }
            None => None,
        };
        let listen = config.listen;
        let listener = std::net::TcpListener::bind(listen).map_err(|source| ServerError::Listen { listen, source })?;
        let local_addr = listener.local_addr().map_err(|source| ServerError::Listen { listen, source })?;
        Ok(Server { listener, local_addr, tls, config, service })
    }

    /// The address listened on (with the port chosen when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The server's base URL, such as `https://127.0.0.1:8443`.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.local_addr)
    }

    /// Serves until `shutdown` completes, then stops accepting connections and lets the requests
    /// in progress finish (up to the grace period).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServerError> {
        let metrics = telemetry::recorder();
        let upkeep = metrics.clone().map(|handle| {
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(telemetry::UPKEEP_INTERVAL);
                loop {
                    tick.tick().await;
                    handle.run_upkeep();
                }
            })
        });
        let app = router(self.service, metrics, &self.config).into_make_service_with_connect_info::<SocketAddr>();
        let handle = axum_server::Handle::<SocketAddr>::new();
        let stopper = handle.clone();
        let grace = self.config.shutdown_grace;
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections; finishing the requests in progress");
            stopper.graceful_shutdown(Some(grace));
        });
        // hyper's own head limits above the server's, which answer as problems (see `edge`).
        let served = match self.tls {
            Some(tls) => match axum_server::from_tcp_rustls(self.listener, tls) {
                Ok(mut server) => {
                    server
                        .http_builder()
                        .http1()
                        .max_headers(edge::HYPER_MAX_HEADERS)
                        .max_buf_size(edge::HYPER_MAX_BUFFER);
                    server.handle(handle).serve(app).await
                }
                Err(e) => Err(e),
            },
            None => match axum_server::from_tcp(self.listener) {
                Ok(mut server) => {
                    server
                        .http_builder()
                        .http1()
                        .max_headers(edge::HYPER_MAX_HEADERS)
                        .max_buf_size(edge::HYPER_MAX_BUFFER);
                    server.handle(handle).serve(app).await
                }
                Err(e) => Err(e),
            },
        };
        if let Some(upkeep) = upkeep {
            upkeep.abort();
        }
        served.map_err(ServerError::Serve)
    }
}

/// Binds and serves until `shutdown` completes: [`Server::bind`] then [`Server::run`].
pub async fn serve(
    config: ServerConfig,
    service: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    Server::bind(config, service)?.run(shutdown).await
}

/// Completes at SIGTERM or SIGINT (Ctrl-C): the shutdown of `umpin serve`. SIGTERM is caught from
/// this call on, not from the first wait: one that comes while the server starts (its default
/// would end the process at once) stops it as one that comes later does.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let terminate = async {
            match terminate {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "SIGTERM can't be caught; stop the server with Ctrl-C");
                    std::future::pending::<()>().await;
                }
            }
        };
        let interrupt = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            () = terminate => {}
            () = interrupt => {}
        }
    }
}

/// The API: each entry is one path with its handlers, which give both the route and its
/// operation in the OpenAPI document (from their `#[utoipa::path]`), so neither can exist without
/// the other. A new route is one more handler here; nothing else lists routes. The handlers of
/// one `routes!` share their path: given several, it would serve every method on every one of
/// them (which the API test `the_router_serves_exactly_the_operations_the_openapi_document_lists`
/// would report).
fn api() -> OpenApiRouter<AppState> {
    [
        routes!(auth::issue_token, auth::revoke_token),
        routes!(mailboxes::list, mailboxes::create),
        routes!(mailboxes::get, mailboxes::update, mailboxes::remove),
        routes!(um_mailboxes::list),
        routes!(um_mailboxes::get, um_mailboxes::enable, um_mailboxes::update, um_mailboxes::disable),
        routes!(pins::get),
        routes!(pins::reset),
        routes!(pins::unlock),
        routes!(pins::lock),
        routes!(pins::list),
        routes!(dial_plans::list, dial_plans::create),
        routes!(dial_plans::get, dial_plans::update, dial_plans::remove),
        routes!(dial_plans::list_policies, dial_plans::create_policy),
        routes!(dial_plans::get_policy, dial_plans::update_policy, dial_plans::remove_policy),
        routes!(cmdlets::run),
        routes!(audit_log::list),
        routes!(voice::start),
        routes!(voice::end),
        routes!(voice::sign_in),
        routes!(voice::pin_expiry, voice::change_pin),
        routes!(voice::recorded_name, voice::record_name),
        routes!(voice::complete_first_time_setup),
        routes!(spray_blocks::list),
        routes!(spray_blocks::clear),
        routes!(ops::healthz),
        routes!(ops::metrics),
        routes!(ops::openapi_json),
    ]
    .into_iter()
    .fold(OpenApiRouter::with_openapi(openapi::base()), OpenApiRouter::routes)
}

/// Every route, with the layers every request goes through (innermost first): the body limit,
/// the timeout, the request log, the head limits, the metrics, the turning of bare HTTP errors
/// into problems, and `Connection: close` on answers that left the request body unread.
///
/// The API's routes and its document come from [`api`]. The one thing served beside them without
/// being in the document is the web admin center (`/ecp/…` and `/`), merged here.
fn router(service: Service, metrics: Option<PrometheusHandle>, config: &ServerConfig) -> Router {
    let trusted_proxies = Arc::new(config.trusted_proxies.clone());
    let proxies = trusted_proxies.clone();
    let web = umpin_web::router(umpin_web::Web {
        service: service.clone(),
        session_idle: config.web_session_idle,
        // Over TLS here, or at the proxy that plain HTTP beyond loopback is allowed for.
        https: config.tls.is_some() || config.allow_plain_http,
        client_address: Arc::new(move |peer, headers| proxies.client_address(peer, headers)),
    });
    let (api, document) = api().split_for_parts();
    let state = AppState { service, metrics, trusted_proxies, document: Arc::new(document) };
    api.fallback(problem::no_route)
        .with_state(state)
        .merge(web)
        // One limit, tower-http's: it refuses an announced oversize body before reading it.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, config.request_timeout))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                .on_failure(DefaultOnFailure::new().level(tracing::Level::ERROR)),
        )
        .layer(middleware::from_fn(edge::head_limits))
        .layer(middleware::from_fn(telemetry::track))
        .layer(middleware::from_fn(problem::every_error_is_a_problem))
        .layer(middleware::from_fn(edge::close_unless_body_read))
}
