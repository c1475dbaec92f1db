//! Reading the users from the directory: one connection (TLS, StartTLS or, where allowed, plain),
//! a simple bind as the service account, and a subtree search with the Simple Paged Results control
//! (RFC 2696), so that a directory with more users than its page limit (Active Directory's 1,000) is
//! read whole. Each entry is mapped through the attribute map into a [`DirectoryEntry`].
//!
//! The members of each UM group are read from the group entry (`member`, with Active Directory's
//! range retrieval past 1,500 values, or `uniqueMember`), and each user entry is given the policy
//! of the first UM group that has it as a member. DNs are compared as LDAP compares them for
//! these attributes, ignoring case and the spaces around separators.
//!
//! Errors name the URL, the step and what the server said: never the bind password.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, ResultEntry, Scope};
use secrecy::{ExposeSecret, SecretString};
use umpin_domain::RoleGroup;
use umpin_domain::directory::{DirectoryEntry, dn_key, next_member_range};
use umpin_service::DirectorySource;

use crate::config::{AttributeMap, DirectorySettings, Security};

/// The `userAccountControl` bit of a disabled account.
const ACCOUNT_DISABLE: u32 = 0x2;

/// A directory to read users from.
#[derive(Clone, Debug)]
pub struct Directory {
    settings: DirectorySettings,
}

/// A failure to reach, sign in to or search the directory.
#[derive(Debug, thiserror::Error)]
#[error("The directory at {url} couldn't be read: {what}")]
pub struct DirectoryError {
    url: String,
    what: String,
}

impl Directory {
    pub fn new(settings: DirectorySettings) -> Directory {
        Directory { settings }
    }

    fn error(&self, what: impl Into<String>) -> DirectoryError {
        DirectoryError { url: self.settings.url.clone(), what: what.into() }
    }

    /// A connection, protected as the settings say, not yet signed in.
    async fn open(&self) -> Result<Ldap, DirectoryError> {
        let s = &self.settings;
        let mut options = LdapConnSettings::new().set_conn_timeout(s.timeout);
        if let Some(tls) = &s.tls {
            options = options.set_config(tls.clone());
        }
        if s.security == Security::StartTls {
            options = options.set_starttls(true);
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(options, &s.url)
            .await
            .map_err(|e| self.error(format!("connecting failed ({}).", described(&e))))?;
        ldap3::drive!(conn);
        ldap.with_timeout(s.timeout);
        Ok(ldap)
    }

    /// A connection, protected as the settings say, signed in as the bind DN.
    async fn connect(&self) -> Result<Ldap, DirectoryError> {
        let s = &self.settings;
        let mut ldap = self.open().await?;
        let bound = ldap.simple_bind(&s.bind_dn, s.bind_password.expose_secret()).await.map_err(|e| {
            self.error(format!("signing in as the bind DN '{}' failed ({}).", s.bind_dn, described(&e)))
        })?;
        if bound.rc != 0 {
            return Err(self.error(format!(
                "it refused the bind DN '{}' with result {} ({}): check bind_dn and the password file.",
                s.bind_dn, bound.rc, bound.text
            )));
        }
        Ok(ldap)
    }

    /// The user a person signs in as, by their account name, e-mail address or user principal
    /// name: the one entry under the base DN that the user filter matches and that has `login`
    /// in one of those attributes. `None` when no entry has it, or more than one (a sign-in name
    /// must name one person).
    pub async fn find_user(&self, login: &str) -> Result<Option<DirectoryEntry>, DirectoryError> {
        let s = &self.settings;
        let map = &s.attributes;
        let value = ldap3::ldap_escape(login);
        let mut names = vec![&map.name, &map.mail];
        names.extend(&map.user_principal_name);
        names.dedup();
        let any: String = names.iter().map(|name| format!("({name}={value})")).collect();
        let users = if s.user_filter.starts_with('(') { s.user_filter.clone() } else { format!("({})", s.user_filter) };
        let filter = format!("(&{users}(|{any}))");
        let mut ldap = self.connect().await?;
        let failed = |e: LdapError| self.error(format!("looking up a user who signs in failed ({}).", described(&e)));
        let (found, _) = ldap
            .search(&s.base_dn, Scope::Subtree, &filter, map.requested())
            .await
            .map_err(failed)?
            .success()
            .map_err(failed)?;
        let _ = ldap.unbind().await;
        let mut found = found.into_iter();
        match (found.next(), found.next()) {
            (Some(entry), None) => match Attributes::of(entry) {
                Some(attributes) => Ok(Some(attributes.entry(map))),
                None => Err(self.error("it sent a user entry that can't be read.")),
            },
            _ => Ok(None),
        }
    }

    /// Whether `password` is the directory password of the entry `dn`: a bind as that entry on
    /// a connection of its own, closed at once. The password is neither kept nor logged. An
    /// empty password is never tried: LDAP takes a simple bind without a password for an
    /// anonymous one, which would succeed for any DN.
    pub async fn check_password(&self, dn: &str, password: &SecretString) -> Result<bool, DirectoryError> {
        if password.expose_secret().is_empty() {
            return Ok(false);
        }
        let mut ldap = self.open().await?;
        let bound = ldap
            .simple_bind(dn, password.expose_secret())
            .await
            .map_err(|e| self.error(format!("checking a user's password failed ({}).", described(&e))))?;
        let _ = ldap.unbind().await;
        match bound.rc {
            0 => Ok(true),
            INVALID_CREDENTIALS => Ok(false),
            rc => Err(self.error(format!("checking a user's password failed with result {rc} ({}).", bound.text))),
        }
    }

    /// Every entry under the base DN that the user filter matches, mapped.
    pub async fn read_entries(&self) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        let s = &self.settings;
        let mut ldap = self.connect().await?;
        let attributes = s.attributes.requested();
        let page_size = i32::try_from(s.page_size).unwrap_or(1000);
        let adapters: Vec<Box<dyn Adapter<'static, String, Vec<String>>>> =
            vec![Box::new(EntriesOnly::new()), Box::new(PagedResults::new(page_size))];
        let search = |e: LdapError| self.error(format!("the search failed ({}).", described(&e)));
        let mut stream = ldap
            .streaming_search_with(adapters, &s.base_dn, Scope::Subtree, &s.user_filter, attributes)
            .await
            .map_err(search)?;
        let mut entries = Vec::new();
        loop {
            let next = tokio::time::timeout(s.timeout, stream.next())
                .await
                .map_err(|_| self.error("the search got no answer within the timeout."))?
                .map_err(search)?;
            let Some(entry) = next else { break };
            match Attributes::of(entry) {
                Some(attributes) => entries.push(attributes.entry(&s.attributes)),
                None => return Err(self.error("it sent an entry that can't be read.")),
            }
        }
        let done = stream.finish().await;
        if done.rc != 0 {
            return Err(self.error(format!("the search ended with result {} ({}).", done.rc, done.text)));
        }
        for group in &s.um_groups {
            let members = self.group_members(&mut ldap, &group.group).await?;
            for entry in entries.iter_mut().filter(|e| e.um_policy.is_none()) {
                if members.contains(&dn_key(&entry.dn)) {
                    entry.um_policy = Some(group.policy.clone());
                }
            }
        }
        let _ = ldap.unbind().await;
        Ok(entries)
    }

    /// The role groups that the groups of `[[directory.role_groups]]` give the user `dn`: the role
    /// group of each that has the user as a member (directly), each once.
    pub async fn role_groups_of(&self, dn: &str) -> Result<Vec<RoleGroup>, DirectoryError> {
        let mappings = &self.settings.role_groups;
        let mut granted = Vec::new();
        if mappings.is_empty() {
            return Ok(granted);
        }
        let user = dn_key(dn);
        let mut ldap = self.connect().await?;
        for (group, role_group) in mappings {
            if !granted.contains(role_group) && self.group_members(&mut ldap, group).await?.contains(&user) {
                granted.push(*role_group);
            }
        }
        let _ = ldap.unbind().await;
        granted.sort();
        Ok(granted)
    }

    /// The DNs (as [`dn_key`]s) of a group's members: its `member` values, asked for range by
    /// range when the server gives them so (Active Directory, past 1,500), and its
    /// `uniqueMember` values without their optional `#'…'B` suffix. A group that doesn't
    /// exist is an error: a mistyped DN must not look like an empty group.
    async fn group_members(&self, ldap: &mut Ldap, group: &str) -> Result<HashSet<String>, DirectoryError> {
        let failed = |e: LdapError| self.error(format!("reading the group '{group}' failed ({}).", described(&e)));
        let mut members = HashSet::new();
        let mut asked = vec!["member".to_owned(), "uniqueMember".to_owned()];
        loop {
            let (found, _) = ldap
                .search(group, Scope::Base, "(objectClass=*)", asked.clone())
                .await
                .map_err(failed)?
                .success()
                .map_err(|e| match &e {
                    LdapError::LdapResult { result } if result.rc == NO_SUCH_OBJECT => self.error(format!(
                        "the group '{group}' doesn't exist: check the group DNs of [[directory.um_groups]] and [[directory.role_groups]]."
                    )),
                    _ => failed(e),
                })?;
            let Some(entry) = found.into_iter().next() else {
                return Err(self.error(format!("the group '{group}' wasn't returned.")));
            };
            let attributes = Attributes::of(entry)
                .ok_or_else(|| self.error(format!("it sent the group '{group}' in a form that can't be read.")))?;
            let mut next = None;
            for (name, values) in &attributes.values {
                let texts = values.iter().filter_map(|v| std::str::from_utf8(v).ok());
                if name == "uniquemember" {
                    members.extend(texts.map(|t| dn_key(t.rsplit_once('#').map_or(t, |(dn, _)| dn))));
                } else if name == "member" || name.starts_with("member;range=") {
                    members.extend(texts.map(dn_key));
                    next = next.or_else(|| next_member_range(name));
                }
            }
            match next {
                Some(range) => asked = vec![format!("member;range={range}")],
                None => return Ok(members),
            }
        }
    }
}

/// LDAP's result code for an entry that doesn't exist.
const NO_SUCH_OBJECT: u32 = 32;
/// LDAP's result code for a wrong password (and, in Active Directory, a disabled or locked
/// account, an expired password or one that must be changed).
const INVALID_CREDENTIALS: u32 = 49;

impl DirectorySource for Directory {
    fn read(&self) -> Pin<Box<dyn Future<Output = Result<Vec<DirectoryEntry>, String>> + Send + '_>> {
        Box::pin(async move { self.read_entries().await.map_err(|e| e.to_string()) })
    }

    fn grace_period(&self) -> jiff::SignedDuration {
        self.settings.grace_period
    }

    fn find_user<'a>(
        &'a self,
        login: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<DirectoryEntry>, String>> + Send + 'a>> {
        Box::pin(async move { self.find_user(login).await.map_err(|e| e.to_string()) })
    }

    fn role_groups_of<'a>(
        &'a self,
        user: &'a DirectoryEntry,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<RoleGroup>, String>> + Send + 'a>> {
        Box::pin(async move { self.role_groups_of(&user.dn).await.map_err(|e| e.to_string()) })
    }

    fn directory_groups(&self, role_group: RoleGroup) -> Vec<String> {
        self.settings.role_groups.iter().filter(|(_, r)| *r == role_group).map(|(group, _)| group.clone()).collect()
    }

    fn check_password<'a>(
        &'a self,
        user: Option<&'a DirectoryEntry>,
        password: &'a SecretString,
    ) -> Pin<Box<dyn Future<Output = Result<bool, String>> + Send + 'a>> {
        Box::pin(async move {
            // For a name no entry has, a bind as a DN no entry has: the directory answers it as
            // it answers a wrong password, so a name that exists can't be told by the time taken.
            let nobody = format!("cn=umpin nobody,{}", self.settings.base_dn);
            let dn = user.map_or(nobody.as_str(), |u| u.dn.as_str());
            self.check_password(dn, password).await.map_err(|e| e.to_string())
        })
    }
}

/// An LDAP error as a sentence part, without anything the request held.
fn described(e: &LdapError) -> String {
    match e {
        LdapError::LdapResult { result } => format!("result {}: {}", result.rc, result.text),
        other => other.to_string(),
    }
}

impl AttributeMap {
    /// Every attribute a sync reads.
    fn requested(&self) -> Vec<String> {
        let mut names: Vec<String> =
            [&self.id, &self.name, &self.alias, &self.mail, &self.phone, &self.first_name, &self.last_name]
                .into_iter()
                .chain(&self.display_name)
                .chain([&self.proxy_addresses, &self.user_principal_name, &self.account_control].into_iter().flatten())
                .cloned()
                .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// An entry's DN and values, by attribute name in lowercase.
struct Attributes {
    dn: String,
    values: HashMap<String, Vec<Vec<u8>>>,
}

impl Attributes {
    /// Reads a search result entry; `None` when it isn't one (a server that sends garbage gets
    /// an error, never a panic).
    fn of(entry: ResultEntry) -> Option<Attributes> {
        let mut parts = entry.0.match_id(4)?.expect_constructed()?.into_iter();
        let dn = String::from_utf8(parts.next()?.expect_primitive()?).ok()?;
        let mut values = HashMap::new();
        for attribute in parts.next()?.expect_constructed()? {
            let mut attribute = attribute.expect_constructed()?.into_iter();
            let name = String::from_utf8(attribute.next()?.expect_primitive()?).ok()?;
            let mut list = Vec::new();
            for value in attribute.next()?.expect_constructed()? {
                list.push(value.expect_primitive()?);
            }
            values.insert(name.to_ascii_lowercase(), list);
        }
        Some(Attributes { dn, values })
    }

    /// The first value of an attribute as text (a value that isn't UTF-8 counts as none).
    fn text(&self, name: &str) -> Option<String> {
        let value = self.values.get(&name.to_ascii_lowercase())?.first()?;
        let text = String::from_utf8(value.clone()).ok()?;
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }

    /// Every value of an attribute as text.
    fn texts(&self, name: &str) -> Vec<String> {
        self.values
            .get(&name.to_ascii_lowercase())
            .map(|values| values.iter().filter_map(|v| String::from_utf8(v.clone()).ok()).collect())
            .unwrap_or_default()
    }

    /// The immutable id: a 16-byte `objectGUID` in Active Directory's byte order, else the text
    /// (`entryUUID`), lowercased.
    fn id(&self, name: &str) -> Option<String> {
        let value = self.values.get(&name.to_ascii_lowercase())?.first()?;
        match <[u8; 16]>::try_from(value.as_slice()) {
            Ok(bytes) => Some(uuid::Uuid::from_bytes_le(bytes).hyphenated().to_string()),
            Err(_) => String::from_utf8(value.clone()).ok().map(|t| t.trim().to_lowercase()),
        }
    }

    fn entry(&self, map: &AttributeMap) -> DirectoryEntry {
        let mut mail = self.text(&map.mail);
        let mut others = Vec::new();
        if let Some(proxy) = &map.proxy_addresses {
            for address in self.texts(proxy) {
                match address.split_once(':') {
                    Some(("SMTP", primary)) if mail.is_none() => mail = Some(primary.to_owned()),
                    Some((kind, other)) if kind.eq_ignore_ascii_case("smtp") => others.push(other.to_owned()),
                    _ => {}
                }
            }
        }
        let disabled = map
            .account_control
            .as_deref()
            .and_then(|a| self.text(a))
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|flags| flags & i64::from(ACCOUNT_DISABLE) != 0);
        DirectoryEntry {
            dn: self.dn.clone(),
            id: self.id(&map.id),
            name: self.text(&map.name),
            alias: self.text(&map.alias),
            display_name: map.display_name.iter().find_map(|a| self.text(a)),
            primary_smtp_address: mail,
            email_addresses: others,
            user_principal_name: map.user_principal_name.as_deref().and_then(|a| self.text(a)),
            phone: self.text(&map.phone),
            first_name: self.text(&map.first_name),
            last_name: self.text(&map.last_name),
            disabled,
            um_policy: None,
        }
    }
}
