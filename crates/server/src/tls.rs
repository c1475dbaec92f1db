//! TLS: the server's certificate chain and private key, read from PEM files, served with
//! rustls on the ring provider (no C crypto library to build).

use std::path::Path;
use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::{ServerError, TlsFiles};

/// The TLS configuration of the certificate and key files.
pub fn load(files: &TlsFiles) -> Result<RustlsConfig, ServerError> {
    let certificate = &files.certificate;
    let certs = CertificateDer::pem_file_iter(certificate)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| refused(certificate, "tls_certificate", &format!("it can't be read as PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(refused(certificate, "tls_certificate", "it holds no PEM block 'CERTIFICATE'"));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| refused(&files.key, "tls_key", &format!("it holds no readable PEM private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls(format!("TLS can't be set up ({e}).")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            ServerError::Tls(format!(
                "The TLS certificate {} and key {} can't be used together ({e}). Give the key that belongs to the certificate.",
                certificate.display(),
                files.key.display()
            ))
        })?;
    // The server speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(RustlsConfig::from_config(Arc::new(config)))
}

fn refused(path: &Path, setting: &str, why: &str) -> ServerError {
    ServerError::Tls(format!(
        "The TLS file {} can't be used: {why}. Check {setting} in the [server] section of the configuration.",
        path.display()
    ))
}
