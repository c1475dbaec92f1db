//! `umpin serve`: the HTTP API on the data directory's database, configured by the `[server]`
//! table, until SIGTERM or Ctrl-C.

use std::net::SocketAddr;

use umpin_server::{Server, ServerConfig, TlsFiles};

use crate::Setup;

/// Serves until a shutdown signal, then lets the requests in progress finish.
pub async fn run(setup: &Setup, listen: Option<SocketAddr>) -> anyhow::Result<()> {
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
        ..ServerConfig::default()
    };
    let server = Server::bind(config, setup.service().await?)?;
    say!("umpin serve: listening on {}", server.url());
    server.run(umpin_server::shutdown_signal()).await?;
    say!("umpin serve: stopped.");
    Ok(())
}
