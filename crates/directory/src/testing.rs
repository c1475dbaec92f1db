//! A throwaway OpenLDAP server for tests (the `testing` feature): Debian's `slapd` run as an
//! ordinary process on a free loopback port, with its configuration (`slapd.conf`), its mdb
//! database and, when asked, a test certificate authority and server certificate for StartTLS, all
//! in a temporary directory of its own; loaded from an LDIF the test writes (with `slapadd`, before
//! it starts) and killed when dropped. No system service is involved.
//!
//! Like Active Directory, the server gives at most 1,000 entries to a search without the Simple
//! Paged Results control. Its schema is OpenLDAP's inetOrgPerson with Debian's `msuser.schema`
//! (Active Directory's attribute types) and an auxiliary class, `umpinTestActiveDirectoryUser`,
//! that lets an inetOrgPerson entry carry `objectGUID`, `sAMAccountName`, `userPrincipalName`,
//! `proxyAddresses` and `userAccountControl` as Active Directory has them.
//!
//! Without `slapd` installed, [`Slapd::start`] prints `skipping: …` and returns `None`, unless
//! `UMPIN_REQUIRE_DIRECTORY=1` (as in CI), which makes that a failure.

// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ldap3::{LdapConnAsync, Mod};
use tempfile::TempDir;

use crate::{DirectoryConfig, Preset};

/// The variable that, set to `1`, makes a missing `slapd` a failure instead of a skip.
pub const REQUIRE_DIRECTORY_VAR: &str = "UMPIN_REQUIRE_DIRECTORY";
/// The suffix of the test directory.
pub const BASE_DN: &str = "dc=contoso,dc=com";
/// Where the users are.
pub const PEOPLE_DN: &str = "ou=people,dc=contoso,dc=com";
/// The service account umpin binds as (read-only), and its password.
pub const SERVICE_DN: &str = "cn=umpin,dc=contoso,dc=com";
pub const SERVICE_PASSWORD: &str = "directory service account password";
/// The administrator the tests change the directory as.
const ADMIN_DN: &str = "cn=admin,dc=contoso,dc=com";
const ADMIN_PASSWORD: &str = "directory administrator password";

/// The auxiliary class of Active Directory's user attributes (OIDs of the example arc of RFC 5612).
const AD_SCHEMA: &str = "objectclass ( 1.3.6.1.4.1.32473.1.1 NAME 'umpinTestActiveDirectoryUser' AUXILIARY \
     MAY ( objectGUID $ sAMAccountName $ userPrincipalName $ proxyAddresses $ userAccountControl ) )\n";

/// A running test OpenLDAP server.
pub struct Slapd {
    dir: TempDir,
    child: Child,
    port: u16,
    /// The test certificate authority's certificate (PEM), when started with TLS.
    ca_file: Option<PathBuf>,
}

/// Where `slapd` and `slapadd` are, or why the tests can't have them.
fn programs() -> Result<(PathBuf, PathBuf), String> {
    let find = |name: &str| {
        std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
            .map(|d| d.join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| format!("{name} isn't installed (apt-get install slapd ldap-utils)"))
    };
    Ok((find("slapd")?, find("slapadd")?))
}

/// The header of every test LDIF: the suffix, the people's unit and the service account.
pub fn base_ldif() -> String {
    format!(
        "dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\no: Contoso\ndc: contoso\n\n\
         dn: {PEOPLE_DN}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: umpin\nsn: umpin\n\
         userPassword: {SERVICE_PASSWORD}\n\n"
    )
}

impl Slapd {
    /// Starts a server over plain LDAP loaded with `ldif` (which should begin with [`base_ldif`]).
    pub async fn start(ldif: &str) -> Option<Slapd> {
        Self::start_with(ldif, false).await
    }

    /// The same, with StartTLS offered under a certificate for 127.0.0.1 from a test authority.
    pub async fn start_with_tls(ldif: &str) -> Option<Slapd> {
        Self::start_with(ldif, true).await
    }

    async fn start_with(ldif: &str, tls: bool) -> Option<Slapd> {
        let (slapd, slapadd) = match programs() {
            Ok(found) => found,
            Err(why) if std::env::var(REQUIRE_DIRECTORY_VAR).is_ok_and(|v| v == "1") => {
                panic!("the directory tests are required ({REQUIRE_DIRECTORY_VAR}=1) but can't run: {why}")
            }
            Err(why) => {
                eprintln!("skipping: {why}");
                return None;
            }
        };
        let mut dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("db")).unwrap();
        let mut ca_file = tls.then(|| write_certificates(dir.path()));
        std::fs::write(dir.path().join("ad.schema"), AD_SCHEMA).unwrap();
        std::fs::write(dir.path().join("slapd.conf"), slapd_conf(dir.path(), tls)).unwrap();
        std::fs::write(dir.path().join("data.ldif"), ldif).unwrap();
        let conf = dir.path().join("slapd.conf");
        let loaded = Command::new(&slapadd)
            .arg("-q")
            .arg("-f")
            .arg(&conf)
            .arg("-l")
            .arg(dir.path().join("data.ldif"))
            .output()
            .unwrap();
        assert!(loaded.status.success(), "slapadd failed: {}", String::from_utf8_lossy(&loaded.stderr));
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let log = std::fs::File::create(dir.path().join("slapd.log")).unwrap();
            let child = Command::new(&slapd)
                .arg("-h")
                .arg(format!("ldap://127.0.0.1:{port}/"))
                .arg("-f")
                .arg(&conf)
                .arg("-d")
                .arg("0")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap();
            let mut server = Slapd { dir, child, port, ca_file };
            if server.ready().await {
                return Some(server);
            }
            let _ = server.child.kill();
            let _ = server.child.wait();
            (dir, ca_file) = server.take();
        }
        panic!("slapd didn't start");
    }

    /// Takes the directory back from a server that didn't start, to try another port.
    fn take(mut self) -> (TempDir, Option<PathBuf>) {
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        (dir, self.ca_file.take())
    }

    /// Waits until the server answers (up to 10 s); false when it exited (its port was taken).
    async fn ready(&mut self) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if self.child.try_wait().unwrap().is_some() {
                return false;
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// `ldap://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
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

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn slapd_conf(dir: &Path, tls: bool) -> String {
    let d = dir.display();
    let tls = if tls {
        format!(
            "TLSCACertificateFile {d}/ca.pem\nTLSCertificateFile {d}/server.pem\nTLSCertificateKeyFile {d}/server.key\n"
        )
    } else {
        String::new()
    };
    format!(
        "include /etc/ldap/schema/core.schema\n\
         include /etc/ldap/schema/cosine.schema\n\
         include /etc/ldap/schema/inetorgperson.schema\n\
         include /etc/ldap/schema/nis.schema\n\
         include /etc/ldap/schema/msuser.schema\n\
         include {d}/ad.schema\n\
         modulepath /usr/lib/ldap\n\
         moduleload back_mdb\n\
         pidfile {d}/slapd.pid\n\
         {tls}\
         database mdb\n\
         maxsize 268435456\n\
         suffix \"{BASE_DN}\"\n\
         rootdn \"{ADMIN_DN}\"\n\
         rootpw \"{ADMIN_PASSWORD}\"\n\
         directory {d}/db\n\
         limits users size.soft=1000 size.hard=1000 size.prtotal=unlimited\n\
         access to attrs=userPassword by anonymous auth by * none\n\
         access to * by users read by * none\n"
    )
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
