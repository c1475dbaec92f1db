//! The `[directory]` settings: where the directory is, how umpin signs in to it, which entries are
//! the organisation's users, and which of their attributes give each field of a mailbox.
//!
//! The bind password comes from a file (one line; the line break at its end is ignored) and is
//! kept as a [`SecretString`]: never in a log, an error or `Debug`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use umpin_domain::RoleGroup;

/// The most entries one page of a search asks for: Active Directory's `MaxPageSize`.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// How long a user may be gone from the directory, or disabled there, before UM is disabled,
/// unless `grace_period_days` says otherwise.
pub const DEFAULT_GRACE_PERIOD_DAYS: u32 = 7;
/// How often `umpin serve` syncs, unless `sync_interval_minutes` says otherwise.
pub const DEFAULT_SYNC_INTERVAL_MINUTES: u32 = 60;
/// How long connecting, signing in and each page of a search may take.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The `[directory]` settings. Without `url`, there is no directory.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    /// `ldaps://host[:port]`, or `ldap://host[:port]`, which umpin protects with StartTLS.
    pub url: Option<String>,
    /// `ldap://` without StartTLS: refused unless the host is a loopback address or
    /// `allow_plain` is set.
    pub starttls: Option<bool>,
    /// Plain LDAP (no TLS) beyond loopback: the bind password and every entry cross the
    /// network readable.
    #[serde(default)]
    pub allow_plain: bool,
    /// The account umpin signs in as (a read-only service account).
    pub bind_dn: Option<String>,
    /// A file holding the bind DN's password.
    pub bind_password_file: Option<PathBuf>,
    /// Where the users are searched for (the whole subtree).
    pub base_dn: Option<String>,
    /// Which entries are users; the preset's when not given.
    pub user_filter: Option<String>,
    /// The PEM certificates of the certificate authorities that issued the directory's
    /// certificate, trusted besides the system's.
    pub ca_file: Option<PathBuf>,
    /// `active-directory` or `openldap` (inetOrgPerson): the filter and attribute map.
    #[serde(default)]
    pub preset: Preset,
    /// Attributes to read instead of the preset's, by mailbox field.
    #[serde(default)]
    pub attributes: AttributeOverrides,
    /// Groups whose members a sync UM-enables, each with a UM mailbox policy
    /// (`[[directory.um_groups]]`); a user in several gets the first's.
    #[serde(default)]
    pub um_groups: Vec<UmGroup>,
    /// Directory groups whose members may sign in as administrators, each with the role group it
    /// gives them (`[[directory.role_groups]]`); a user in several gets each one's.
    #[serde(default)]
    pub role_groups: Vec<RoleGroupMapping>,
    /// Days a user may be gone from the directory, or disabled there, before UM is disabled
    /// and the PIN data destroyed; 7 by default, 0 at the first sync that misses them.
    pub grace_period_days: Option<u32>,
    /// Minutes between the syncs `umpin serve` runs (one node at a time, the first when it
    /// starts); 60 by default, 0 for none (syncs only when started by hand).
    pub sync_interval_minutes: Option<u32>,
    /// Entries per page of the search (Simple Paged Results); 1000 by default, at most 1000.
    pub page_size: Option<u32>,
    /// Seconds that connecting, signing in and each page may take; 30 by default.
    pub timeout_seconds: Option<u64>,
}

/// A directory group whose members a sync UM-enables with a UM mailbox policy.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UmGroup {
    /// The group's DN; its members are read from `member` (groupOfNames, Active Directory) or
    /// `uniqueMember` (groupOfUniqueNames).
    pub group: String,
    /// The UM mailbox policy's name.
    pub policy: String,
}

/// A directory group whose members sign in to umpin with their directory password and get a
/// role group (Exchange's role groups with directory groups as members).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoleGroupMapping {
    /// The group's DN; its members are read as a UM group's are.
    pub group: String,
    /// The role group's name, such as "UM Management" or "Help Desk".
    pub role_group: String,
}

/// The directory's kind: its default filter and attribute map.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    ActiveDirectory,
    #[default]
    Openldap,
}

/// Attribute names that replace the preset's, one per mailbox field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeOverrides {
    pub id: Option<String>,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub display_name: Option<Vec<String>>,
    pub mail: Option<String>,
    pub proxy_addresses: Option<String>,
    pub user_principal_name: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub account_control: Option<String>,
}

/// Which attribute gives each field of a mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeMap {
    /// The immutable id: `entryUUID` (text) or `objectGUID` (16 bytes).
    pub id: String,
    /// `Name`: the account name, unique in the directory.
    pub name: String,
    pub alias: String,
    /// `DisplayName`: the first of these the entry has; `Name` when it has none.
    pub display_name: Vec<String>,
    pub mail: String,
    /// Active Directory's `proxyAddresses`: `SMTP:` is the primary address, `smtp:` the others.
    pub proxy_addresses: Option<String>,
    pub user_principal_name: Option<String>,
    pub phone: String,
    pub first_name: String,
    pub last_name: String,
    /// Active Directory's `userAccountControl`, whose bit 2 marks a disabled account.
    pub account_control: Option<String>,
}

impl Preset {
    fn attributes(self) -> AttributeMap {
        let s = str::to_owned;
        match self {
            Preset::ActiveDirectory => AttributeMap {
                id: s("objectGUID"),
                name: s("sAMAccountName"),
                alias: s("sAMAccountName"),
                display_name: vec![s("displayName"), s("cn")],
                mail: s("mail"),
                proxy_addresses: Some(s("proxyAddresses")),
                user_principal_name: Some(s("userPrincipalName")),
                phone: s("telephoneNumber"),
                first_name: s("givenName"),
                last_name: s("sn"),
                account_control: Some(s("userAccountControl")),
            },
            Preset::Openldap => AttributeMap {
                id: s("entryUUID"),
                name: s("uid"),
                alias: s("uid"),
                display_name: vec![s("displayName"), s("cn")],
                mail: s("mail"),
                proxy_addresses: None,
                user_principal_name: None,
                phone: s("telephoneNumber"),
                first_name: s("givenName"),
                last_name: s("sn"),
                account_control: None,
            },
        }
    }

    fn user_filter(self) -> &'static str {
        match self {
            Preset::ActiveDirectory => "(&(objectCategory=person)(objectClass=user))",
            Preset::Openldap => "(objectClass=inetOrgPerson)",
        }
    }
}

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// `ldaps://`.
    Tls,
    /// `ldap://` upgraded with StartTLS before the bind.
    StartTls,
    /// `ldap://` as it is.
    Plain,
}

/// The settings checked and the password read: what a [`Directory`](crate::Directory) connects with.
#[derive(Clone)]
pub struct DirectorySettings {
    pub url: String,
    pub security: Security,
    pub bind_dn: String,
    pub(crate) bind_password: SecretString,
    pub base_dn: String,
    pub user_filter: String,
    pub attributes: AttributeMap,
    pub um_groups: Vec<UmGroup>,
    /// Each directory group whose members sign in as administrators, with its role group.
    pub role_groups: Vec<(String, RoleGroup)>,
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
    pub grace_period: jiff::SignedDuration,
    pub page_size: u32,
    pub timeout: Duration,
}

impl std::fmt::Debug for DirectorySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectorySettings")
            .field("url", &self.url)
            .field("security", &self.security)
            .field("bind_dn", &self.bind_dn)
            .field("base_dn", &self.base_dn)
            .finish_non_exhaustive()
    }
}

/// A `[directory]` setting that can't be used, with what to do.
#[derive(Debug, thiserror::Error)]
#[error("The [directory] setting {setting} {problem}")]
pub struct DirectoryConfigError {
    pub setting: &'static str,
    pub problem: String,
}

fn refuse(setting: &'static str, problem: impl Into<String>) -> DirectoryConfigError {
    DirectoryConfigError { setting, problem: problem.into() }
}

impl DirectoryConfig {
    /// Checks every setting and reads the password and CA files; `None` without `url`.
    pub fn settings(&self) -> Result<Option<DirectorySettings>, DirectoryConfigError> {
        let Some(url) = self.url.as_deref() else { return Ok(None) };
        let (scheme, host) = split_url(url)?;
        let loopback = host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
            || host.eq_ignore_ascii_case("localhost");
        let security = match (scheme.as_str(), self.starttls) {
            ("ldaps", None) => Security::Tls,
            ("ldaps", Some(_)) => {
                return Err(refuse(
                    "starttls",
                    "is for ldap:// URLs: an ldaps:// URL is TLS from the start. Remove it.",
                ));
            }
            ("ldap", None | Some(true)) => Security::StartTls,
            ("ldap", Some(false)) if loopback || self.allow_plain => Security::Plain,
            ("ldap", Some(false)) => {
                return Err(refuse(
                    "starttls",
                    format!(
                        "= false would send the bind password to {host} unprotected: use ldaps:// or StartTLS, or set allow_plain = true if the network is protected otherwise."
                    ),
                ));
            }
            _ => return Err(refuse("url", format!("'{url}' isn't an LDAP URL: use ldaps://HOST or ldap://HOST."))),
        };
        let required = |setting: &'static str, value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| refuse(setting, "is missing: it is needed with url."))
        };
        let bind_dn = required("bind_dn", &self.bind_dn)?;
        let base_dn = required("base_dn", &self.base_dn)?;
        let password_file = self.bind_password_file.as_deref().ok_or_else(|| {
            refuse("bind_password_file", "is missing: give the file that holds the bind DN's password.")
        })?;
        let bind_password = read_password(password_file)?;
        let user_filter = self.user_filter.clone().unwrap_or_else(|| self.preset.user_filter().to_owned());
        if ldap3::parse_filter(&user_filter).is_err() {
            return Err(refuse(
                "user_filter",
                format!("'{user_filter}' isn't an LDAP filter, such as (objectClass=inetOrgPerson)."),
            ));
        }
        let page_size = self.page_size.unwrap_or(MAX_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(refuse("page_size", format!("must be 1 to {MAX_PAGE_SIZE}.")));
        }
        if let Some(g) = self.um_groups.iter().find(|g| g.group.trim().is_empty() || g.policy.trim().is_empty()) {
            return Err(refuse(
                "um_groups",
                format!(
                    "has an entry without a group DN or a policy ({g:?}): give both, group = \"cn=…\" and policy = \"…\"."
                ),
            ));
        }
        let role_groups = self
            .role_groups
            .iter()
            .map(|m| match m.role_group.parse::<RoleGroup>() {
                Ok(role_group) if !m.group.trim().is_empty() => Ok((m.group.trim().to_owned(), role_group)),
                _ => Err(refuse(
                    "role_groups",
                    format!(
                        "has an entry without a group DN or with an unknown role group ({m:?}): give group = \"cn=…\" and role_group = one of {}.",
                        RoleGroup::ALL.iter().map(|g| format!("\"{}\"", g.name())).collect::<Vec<_>>().join(", ")
                    ),
                )),
            })
            .collect::<Result<_, _>>()?;
        let tls = match security {
            Security::Plain => None,
            Security::Tls | Security::StartTls => Some(Arc::new(tls_config(self.ca_file.as_deref())?)),
        };
        Ok(Some(DirectorySettings {
            url: url.to_owned(),
            security,
            bind_dn,
            bind_password,
            base_dn,
            user_filter,
            attributes: self.attributes(),
            um_groups: self.um_groups.clone(),
            role_groups,
            tls,
            grace_period: jiff::SignedDuration::from_hours(
                24 * i64::from(self.grace_period_days.unwrap_or(DEFAULT_GRACE_PERIOD_DAYS)),
            ),
            page_size,
            timeout: self.timeout_seconds.map_or(DEFAULT_TIMEOUT, |s| Duration::from_secs(s.max(1))),
        }))
    }

    /// Between the syncs `umpin serve` runs; `None` when there is no directory or
    /// `sync_interval_minutes` is 0.
    pub fn sync_interval(&self) -> Option<Duration> {
        match (&self.url, self.sync_interval_minutes.unwrap_or(DEFAULT_SYNC_INTERVAL_MINUTES)) {
            (None, _) | (_, 0) => None,
            (Some(_), minutes) => Some(Duration::from_secs(60 * u64::from(minutes))),
        }
    }

    /// The preset's attribute map with the overrides.
    pub fn attributes(&self) -> AttributeMap {
        let mut map = self.preset.attributes();
        let o = self.attributes.clone();
        let set = |field: &mut String, value: Option<String>| {
            if let Some(v) = value {
                *field = v;
            }
        };
        set(&mut map.id, o.id);
        set(&mut map.name, o.name);
        set(&mut map.alias, o.alias);
        set(&mut map.mail, o.mail);
        set(&mut map.phone, o.phone);
        set(&mut map.first_name, o.first_name);
        set(&mut map.last_name, o.last_name);
        if let Some(v) = o.display_name {
            map.display_name = v;
        }
        map.proxy_addresses = o.proxy_addresses.or(map.proxy_addresses);
        map.user_principal_name = o.user_principal_name.or(map.user_principal_name);
        map.account_control = o.account_control.or(map.account_control);
        map
    }
}

/// The URL's scheme (lowercase) and host.
fn split_url(url: &str) -> Result<(String, String), DirectoryConfigError> {
    let bad = || refuse("url", format!("'{url}' isn't an LDAP URL: use ldaps://HOST[:PORT] or ldap://HOST[:PORT]."));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next().unwrap_or_default()),
        None => authority.split(':').next().unwrap_or_default().to_owned(),
    };
    if host.is_empty() || authority.contains('@') {
        return Err(bad());
    }
    Ok((scheme.to_ascii_lowercase(), host))
}

fn read_password(path: &Path) -> Result<SecretString, DirectoryConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| refuse("bind_password_file", format!("names {}, which can't be read: {e}.", path.display())))?;
    let password = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    if password.is_empty() {
        return Err(refuse("bind_password_file", format!("names {}, which is empty.", path.display())));
    }
    Ok(SecretString::from(password.to_owned()))
}

/// TLS with the ring provider, trusting the system's certificate authorities and those of `ca_file`.
fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, DirectoryConfigError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    // The system's store as far as it can be read; a certificate it can't use is left out.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = ca_file {
        let bad = |why: String| refuse("ca_file", format!("names {}, {why}", path.display()));
        let pem = std::fs::read(path).map_err(|e| bad(format!("which can't be read: {e}.")))?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|_| bad("which isn't a PEM file of certificates.".to_owned()))?;
            roots.add(cert).map_err(|e| bad(format!("whose certificate can't be used: {e}.")))?;
            added += 1;
        }
        if added == 0 {
            return Err(bad("which holds no certificate.".to_owned()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| refuse("url", format!("can't be reached with TLS: {e}.")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
