//! A local OpenLDAP server: Debian's `slapd` run as an ordinary process on a free loopback port,
//! with its configuration (`slapd.conf`) and its mdb database in a directory of its own, loaded
//! from an LDIF with `slapadd` before it starts, and stopped when dropped. No system service is
//! involved. It is the optional directory of `umpin demo --with-directory`, and the tests' (see
//! the `testing` feature).
//!
//! Like Active Directory, it gives at most 1,000 entries to a search without the Simple Paged
//! Results control. Its schema is OpenLDAP's inetOrgPerson with Debian's `msuser.schema` (Active
//! Directory's attribute types) and an auxiliary class, `umpinTestActiveDirectoryUser`, that lets an
//! inetOrgPerson entry carry `objectGUID`, `sAMAccountName`, `userPrincipalName`,
//! `proxyAddresses` and `userAccountControl` as Active Directory has them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The suffix of the local directory.
pub const BASE_DN: &str = "dc=contoso,dc=com";
/// Where its users are.
pub const PEOPLE_DN: &str = "ou=people,dc=contoso,dc=com";
/// The read-only account umpin binds as.
pub const SERVICE_DN: &str = "cn=umpin,dc=contoso,dc=com";
/// The directory's administrator, who may change it.
pub const ADMIN_DN: &str = "cn=admin,dc=contoso,dc=com";

/// The auxiliary class of Active Directory's user attributes (OIDs of the example arc of RFC 5612).
const AD_SCHEMA: &str = "objectclass ( 1.3.6.1.4.1.32473.1.1 NAME 'umpinTestActiveDirectoryUser' AUXILIARY \
     MAY ( objectGUID $ sAMAccountName $ userPrincipalName $ proxyAddresses $ userAccountControl ) )\n";

/// A running local OpenLDAP server.
pub struct LocalSlapd {
    child: Child,
    port: u16,
}

/// Where `slapd` and `slapadd` are, or why there is no local directory.
pub fn programs() -> Result<(PathBuf, PathBuf), String> {
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

/// The top of every LDIF of the local directory: the suffix, the people's unit and the service
/// account with its password.
pub fn base_ldif(service_password: &str) -> String {
    format!(
        "dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\no: Contoso\ndc: contoso\n\n\
         dn: {PEOPLE_DN}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: umpin\nsn: umpin\n\
         userPassword: {service_password}\n\n"
    )
}

impl LocalSlapd {
    /// Loads `ldif` (which begins with [`base_ldif`]) into a new database in `dir`, an empty
    /// directory that only its owner can read, and starts the server on a free loopback port.
    /// `admin_password` is [`ADMIN_DN`]'s; `tls` is the `TLS…` lines of `slapd.conf`, if any.
    pub fn start(dir: &Path, ldif: &str, admin_password: &str, tls: &str) -> Result<LocalSlapd, String> {
        let (slapd, slapadd) = programs()?;
        let failed = |what: &str, e: std::io::Error| format!("{what} in {} failed ({e})", dir.display());
        std::fs::create_dir_all(dir.join("db")).map_err(|e| failed("creating the database directory", e))?;
        std::fs::write(dir.join("ad.schema"), AD_SCHEMA).map_err(|e| failed("writing the schema", e))?;
        let conf = dir.join("slapd.conf");
        std::fs::write(&conf, slapd_conf(dir, admin_password, tls)).map_err(|e| failed("writing slapd.conf", e))?;
        let data = dir.join("data.ldif");
        std::fs::write(&data, ldif).map_err(|e| failed("writing the LDIF", e))?;
        let loaded = Command::new(&slapadd)
            .arg("-q")
            .arg("-f")
            .arg(&conf)
            .arg("-l")
            .arg(&data)
            .output()
            .map_err(|e| format!("slapadd couldn't run ({e})"))?;
        // The LDIF holds passwords: it isn't kept once loaded.
        let _ = std::fs::remove_file(&data);
        if !loaded.status.success() {
            return Err(format!("slapadd failed: {}", String::from_utf8_lossy(&loaded.stderr).trim()));
        }
        // A port found free may be taken before slapd binds it: a few tries.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| format!("no free loopback port ({e})"))?
                .port();
            let log = std::fs::File::create(dir.join("slapd.log")).map_err(|e| failed("creating slapd.log", e))?;
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
                .map_err(|e| format!("slapd couldn't start ({e})"))?;
            let mut server = LocalSlapd { child, port };
            if server.ready() {
                return Ok(server);
            }
        }
        Err(format!("slapd didn't start; see {}", dir.join("slapd.log").display()))
    }

    /// Waits until the server answers (up to 10 s); false when it exited (its port was taken).
    fn ready(&mut self) -> bool {
        let start = Instant::now();
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        while start.elapsed() < Duration::from_secs(10) {
            if self.child.try_wait().ok().flatten().is_some() {
                return false;
            }
            if std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// `ldap://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }
}

impl Drop for LocalSlapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn slapd_conf(dir: &Path, admin_password: &str, tls: &str) -> String {
    let d = dir.display();
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
         rootpw \"{admin_password}\"\n\
         directory {d}/db\n\
         limits users size.soft=1000 size.hard=1000 size.prtotal=unlimited\n\
         access to attrs=userPassword by anonymous auth by * none\n\
         access to * by users read by * none\n"
    )
}
