//! `umpin serve`: the HTTP API on the data directory's database, configured by the `[server]`
//! table, the delivery of the outbox, configured by the `[mail]` table, and the deletion of
//! expired sign-in tokens (when it starts, then every few minutes), until SIGTERM or Ctrl-C.
//! `umpin demo` serves the same way.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::watch;
use umpin_mail::{MailConfig, OutboxWorker};
use umpin_server::{Server, ServerConfig, TlsFiles, TrustedProxies};
use umpin_service::Service;

use crate::Setup;

/// How often a serving node deletes the sign-in tokens that have expired. Every node does it; the
/// deletion is one statement, so nodes doing it at once only find less to delete.
const EXPIRED_TOKENS_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// Serves until a shutdown signal, then lets the requests in progress finish.
pub async fn run(setup: &Setup, listen: Option<SocketAddr>) -> anyhow::Result<()> {
    let service = setup.service().await?;
    let server = bind(setup, listen, service.clone())?;
    say!("umpin serve: listening on {}", server.url());
    serve(server, service, &setup.config.mail).await
}

/// Runs `server`, the deletion of expired tokens and, when `mail` turns delivery on, the outbox
/// worker, until a shutdown signal; then lets the requests in progress and the message being
/// sent finish.
pub async fn serve(server: Server, service: Service, mail: &MailConfig) -> anyhow::Result<()> {
    let (stop, stopped) = watch::channel(false);
    let expired_tokens = tokio::spawn(delete_expired_tokens(service.clone(), stopped.clone()));
    let worker = match OutboxWorker::new(service, mail)? {
        Some(worker) => {
            let mut stopped = stopped.clone();
            Some(tokio::spawn(worker.run(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })))
        }
        None => {
            tracing::warn!(
                "e-mail delivery is off ([mail] sets neither smtp nor pickup_dir): messages wait in the outbox"
            );
            None
        }
    };
    let served = server
        .run(async move {
            umpin_server::shutdown_signal().await;
            let _ = stop.send(true);
        })
        .await;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    let _ = expired_tokens.await;
    served?;
    say!("umpin serve: stopped.");
    Ok(())
}

/// Deletes the expired sign-in tokens at once and then every [`EXPIRED_TOKENS_INTERVAL`], until
/// `stopped` turns true (or its sender is gone). A failure is logged and tried again next time.
async fn delete_expired_tokens(service: Service, mut stopped: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(EXPIRED_TOKENS_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            _ = tick.tick() => {}
        }
        match service.delete_expired_tokens().await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "deleted the expired sign-in tokens"),
            Err(e) => tracing::warn!(error = %e, "the expired sign-in tokens couldn't be deleted; trying again later"),
        }
    }
}

/// Binds the listening socket as the `[server]` table and `listen` say.
pub fn bind(setup: &Setup, listen: Option<SocketAddr>, service: Service) -> anyhow::Result<Server> {
    let settings = &setup.config.server;
    let tls = match (&settings.tls_certificate, &settings.tls_key) {
        (Some(certificate), Some(key)) => Some(TlsFiles { certificate: certificate.clone(), key: key.clone() }),
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => anyhow::bail!(
            "TLS needs both tls_certificate and tls_key in the [server] section of the configuration; give both, or neither for plain HTTP on loopback."
        ),
    };
    let config = ServerConfig {
        listen: listen.or(settings.listen).unwrap_or(umpin_server::DEFAULT_LISTEN),
        tls,
        allow_plain_http: settings.allow_plain_http,
        trusted_proxies: TrustedProxies::parse(&settings.trusted_proxies)?,
        ..ServerConfig::default()
    };
    Ok(Server::bind(config, service)?)
}
