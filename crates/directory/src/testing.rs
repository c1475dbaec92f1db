//! A throwaway OpenLDAP server for tests (the `testing` feature): the local directory
//! ([`crate::local`]) in a temporary directory, loaded from an LDIF the test writes, with, when
//! asked, a test certificate authority and server certificate for StartTLS, and the changes a test
//! makes to it as the directory's administrator.
//!
//! Without `slapd` installed, [`Slapd::start`] prints `skipping: …` and returns `None`, unless
//! `UMPIN_REQUIRE_DIRECTORY=1` (as in CI), which makes that a failure.

// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use ldap3::{LdapConnAsync, Mod};
use tempfile::TempDir;

use crate::local::{ADMIN_DN, LocalSlapd, programs};
pub use crate::local::{BASE_DN, PEOPLE_DN, SERVICE_DN};
use crate::{DirectoryConfig, Preset};

/// The variable that, set to `1`, makes a missing `slapd` a failure instead of a skip.
pub const REQUIRE_DIRECTORY_VAR: &str = "UMPIN_REQUIRE_DIRECTORY";
/// The service account's password.
pub const SERVICE_PASSWORD: &str = "directory service account password";
/// The password of the administrator the tests change the directory as.
const ADMIN_PASSWORD: &str = "directory administrator password";

/// A running test OpenLDAP server.
pub struct Slapd {
    // Declared first, so the server stops before its directory goes.
    server: LocalSlapd,
    dir: TempDir,
    /// The test certificate authority's certificate (PEM), when started with TLS.
    ca_file: Option<PathBuf>,
}

/// The header of every test LDIF: the suffix, the people's unit and the service account.
pub fn base_ldif() -> String {
    crate::local::base_ldif(SERVICE_PASSWORD)
}

impl Slapd {
    /// Starts a server over plain LDAP loaded with `ldif` (which should begin with [`base_ldif`]).
    pub async fn start(ldif: &str) -> Option<Slapd> {
        Self::start_with(ldif, false)
    }

    /// The same, with StartTLS offered under a certificate for 127.0.0.1 from a test authority.
    pub async fn start_with_tls(ldif: &str) -> Option<Slapd> {
        Self::start_with(ldif, true)
    }

    fn start_with(ldif: &str, tls: bool) -> Option<Slapd> {
        if let Err(why) = programs() {
            if std::env::var(REQUIRE_DIRECTORY_VAR).is_ok_and(|v| v == "1") {
                panic!("the directory tests are required ({REQUIRE_DIRECTORY_VAR}=1) but can't run: {why}")
            }
            eprintln!("skipping: {why}");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let ca_file = tls.then(|| write_certificates(dir.path()));
        let tls_conf = if tls {
            let d = dir.path().display();
            format!(
                "TLSCACertificateFile {d}/ca.pem\nTLSCertificateFile {d}/server.pem\nTLSCertificateKeyFile {d}/server.key\n"
            )
        } else {
            String::new()
        };
        let server = LocalSlapd::start(dir.path(), ldif, ADMIN_PASSWORD, &tls_conf).unwrap();
        Some(Slapd { server, dir, ca_file })
    }

    /// `ldap://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The test certificate authority's certificate file, when started with TLS.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// `[directory]` settings for this server: the service account (its password in a file of
    /// the server's directory), the people's unit, the preset, plain LDAP (loopback) or, when
    /// started with TLS, StartTLS trusting the test authority.
    pub fn config(&self, preset: Preset) -> DirectoryConfig {
        let password_file = self.dir.path().join("bind-password");
        std::fs::write(&password_file, format!("{SERVICE_PASSWORD}\n")).unwrap();
        DirectoryConfig {
            url: Some(self.url()),
            starttls: Some(self.ca_file.is_some()),
            bind_dn: Some(SERVICE_DN.to_owned()),
            bind_password_file: Some(password_file),
            base_dn: Some(PEOPLE_DN.to_owned()),
            user_filter: Some("(objectClass=inetOrgPerson)".to_owned()),
            ca_file: self.ca_file.clone(),
            preset,
            ..DirectoryConfig::default()
        }
    }

    async fn admin(&self) -> ldap3::Ldap {
        let (conn, mut ldap) = LdapConnAsync::new(&self.url()).await.unwrap();
        ldap3::drive!(conn);
        ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD).await.unwrap().success().unwrap();
        ldap
    }

    /// Replaces an attribute's values of an entry, as the directory's administrator.
    pub async fn replace(&self, dn: &str, attribute: &str, values: &[&str]) {
        let mut ldap = self.admin().await;
        let values = values.iter().copied().collect();
        ldap.modify(dn, vec![Mod::Replace(attribute, values)]).await.unwrap().success().unwrap();
        ldap.unbind().await.unwrap();
    }

    /// Deletes an entry, as the directory's administrator.
    pub async fn delete(&self, dn: &str) {
        let mut ldap = self.admin().await;
        ldap.delete(dn).await.unwrap().success().unwrap();
        ldap.unbind().await.unwrap();
    }
}

/// Writes a test certificate authority and a server certificate for 127.0.0.1 it issued;
/// returns the authority's certificate file.
fn write_certificates(dir: &Path) -> PathBuf {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let mut authority = CertificateParams::new(Vec::<String>::new()).unwrap();
    authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    authority.distinguished_name.push(DnType::CommonName, "Contoso directory test authority");
    authority.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::CrlSign];
    let authority_key = KeyPair::generate().unwrap();
    let authority_certificate = authority.self_signed(&authority_key).unwrap();
    let issuer = Issuer::new(authority, authority_key);
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate().unwrap();
    let server_certificate = server.signed_by(&server_key, &issuer).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, authority_certificate.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), server_certificate.pem()).unwrap();
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
    ca_file
}
