//! Mailboxes from the organisation's directory (LDAP, Active Directory): the entries a directory
//! sync reads, each checked into the mailbox it stands for, and the plan of what a sync changes.
//!
//! A directory user is known by the directory's immutable id (`entryUUID`, `objectGUID`), never by
//! an address, which can change. The plan is made from every entry at once, so that two entries
//! claiming one address are both found out and both skipped, whichever the directory returns
//! first: a collision is never decided by the order of a search.

use std::collections::{HashMap, HashSet};

use crate::mailbox::check_address;
use crate::{Error, Guid, Mailbox, MailboxChanges, NewMailbox, Timestamp};

/// One entry of the directory, its attributes mapped to what a mailbox needs (each the first
/// value of its attribute, as the directory gave it; nothing checked yet).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// The entry's distinguished name, which reports name it by.
    pub dn: String,
    /// The immutable id, as text (a GUID's hyphenated form).
    pub id: Option<String>,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub display_name: Option<String>,
    pub primary_smtp_address: Option<String>,
    /// The other addresses of the user (from `proxyAddresses`).
    pub email_addresses: Vec<String>,
    pub user_principal_name: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The account is disabled in the directory (Active Directory's `userAccountControl`).
    pub disabled: bool,
    /// The UM mailbox policy of the first UM group (of the `[directory]` settings) that has the
    /// user as a member: the user is to be UM-enabled with it.
    pub um_policy: Option<String>,
}

/// An entry that a sync reports and leaves alone, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedEntry {
    pub dn: String,
    pub reason: String,
}

/// A checked entry: the mailbox it stands for (its guid nil, its creation time the sync's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryUser {
    pub id: String,
    pub dn: String,
    pub mailbox: Mailbox,
    pub disabled: bool,
    pub um_policy: Option<String>,
}

/// The longest directory id kept (a GUID has 36 characters; an LDAP server may use other forms).
pub const MAX_DIRECTORY_ID_LENGTH: usize = 128;

impl DirectoryEntry {
    /// The user this entry stands for, or why it can't be one (the first broken rule, in the
    /// words of the mailbox rules, naming the directory attribute's purpose).
    pub fn check(self, now: Timestamp) -> Result<DirectoryUser, SkippedEntry> {
        let dn = self.dn.clone();
        let skipped = |reason: String| SkippedEntry { dn: dn.clone(), reason };
        let id = match self.id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() && id.len() <= MAX_DIRECTORY_ID_LENGTH && !id.contains(char::is_control) => {
                id.to_owned()
            }
            _ => return Err(skipped("it has no usable immutable id (entryUUID or objectGUID).".to_owned())),
        };
        let Some(address) = self.primary_smtp_address.clone() else {
            return Err(skipped("it has no e-mail address (mail).".to_owned()));
        };
        let Some(name) = self.name.clone() else {
            return Err(skipped("it has no account name (uid or sAMAccountName).".to_owned()));
        };
        let new = NewMailbox {
            name,
            alias: self.alias.clone(),
            primary_smtp_address: address,
            display_name: self.display_name.clone(),
            user_principal_name: self.user_principal_name.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            phone: self.phone.clone(),
        };
        let mut addresses = Vec::new();
        for address in &self.email_addresses {
            addresses.push(check_address("EmailAddresses", address).map_err(|e| skipped(e.to_string()))?);
        }
        let mailbox = new
            .validate(Guid::nil(), now)
            .and_then(|m| m.apply(MailboxChanges { email_addresses: Some(addresses), ..Default::default() }))
            .map_err(|e: Error| skipped(e.to_string()))?;
        Ok(DirectoryUser { id, dn: self.dn, mailbox, disabled: self.disabled, um_policy: self.um_policy })
    }
}

/// A mailbox that an earlier sync created from the directory, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedMailbox {
    pub id: String,
    pub mailbox: Mailbox,
    /// When a sync first found the user gone from the directory or disabled there.
    pub absent_since: Option<Timestamp>,
    pub um_enabled: bool,
}

/// One change a sync makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncChange {
    /// A new mailbox for a directory user (its guid is the one to create it with).
    Add { id: String, dn: String, mailbox: Mailbox },
    /// New values for a mailbox's fields; `returned` when the user was absent before.
    Update { dn: String, after: Mailbox, returned: bool },
    /// The user is gone or disabled: the grace period starts now.
    Absent { mailbox: Mailbox },
    /// The user has been gone or disabled for the grace period: UM is disabled and the PIN
    /// data destroyed (SPEC §1.4).
    DisableUm { mailbox: Mailbox },
}

impl SyncChange {
    /// The mailbox the change is about.
    pub fn mailbox(&self) -> &Mailbox {
        match self {
            SyncChange::Add { mailbox, .. }
            | SyncChange::Absent { mailbox }
            | SyncChange::DisableUm { mailbox }
            | SyncChange::Update { after: mailbox, .. } => mailbox,
        }
    }

    /// What the change is, as reports and the audit log name it.
    pub fn action(&self) -> &'static str {
        match self {
            SyncChange::Add { .. } => "Added",
            SyncChange::Update { returned: true, .. } => "Returned",
            SyncChange::Update { .. } => "Updated",
            SyncChange::Absent { .. } => "Absent",
            SyncChange::DisableUm { .. } => "UMDisabled",
        }
    }
}

/// A member of a UM group whose mailbox isn't UM-enabled: a sync enables it with the group's
/// policy, an extension derived from the phone number and a generated PIN (SPEC §1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UmEnabling {
    pub dn: String,
    /// The mailbox as the sync leaves it (added or updated first).
    pub mailbox: Mailbox,
    pub policy: String,
}

/// What a sync changes, what it leaves as it is and what it skips.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncPlan {
    /// In the order to apply them: updates (which may free an address), then additions, then
    /// the absent users.
    pub changes: Vec<SyncChange>,
    /// After the changes: the members of UM groups to UM-enable, by address.
    pub enable_um: Vec<UmEnabling>,
    pub unchanged: u64,
    pub skipped: Vec<SkippedEntry>,
}

/// Plans a sync: `entries` is everything the directory returned; `linked` every mailbox an
/// earlier sync created; `grace` how long a user may be gone or disabled before UM is disabled.
///
/// - An entry that breaks a mailbox rule is skipped; its user, when its id is known, still counts
///   as present (a malformed phone number never costs anyone their voice mail).
/// - Entries that share a name, alias or address are all skipped, each naming the others.
/// - A user with a mailbox gets its fields updated when they differ; one without, a new mailbox.
/// - A linked mailbox whose user is gone or disabled starts its grace period; once the grace is
///   over and it is still UM-enabled, UM is disabled.
/// - A present user with a UM policy (a member of a UM group) whose mailbox isn't UM-enabled is
///   to be enabled; leaving the group disables nothing (an administrator does that).
pub fn plan_sync(
    entries: Vec<DirectoryEntry>,
    linked: Vec<LinkedMailbox>,
    now: Timestamp,
    grace: jiff::SignedDuration,
    new_guid: impl Fn() -> Guid,
) -> SyncPlan {
    let mut plan = SyncPlan::default();
    let mut present: HashSet<String> = HashSet::new();
    let mut users = Vec::new();
    for entry in entries {
        if let Some(id) = entry.id.as_deref().filter(|_| !entry.disabled) {
            present.insert(id.trim().to_owned());
        }
        match entry.check(now) {
            Ok(user) => users.push(user),
            Err(skipped) => plan.skipped.push(skipped),
        }
    }
    let users = without_collisions(users, &mut plan.skipped);
    let mut linked: HashMap<String, LinkedMailbox> = linked.into_iter().map(|l| (l.id.clone(), l)).collect();
    let mut additions = Vec::new();
    for user in users {
        match linked.get(&user.id) {
            Some(link) => {
                let after =
                    Mailbox { guid: link.mailbox.guid, when_created: link.mailbox.when_created, ..user.mailbox };
                let returned = link.absent_since.is_some() && !user.disabled;
                if let Some(policy) = user.um_policy.filter(|_| !user.disabled && !link.um_enabled) {
                    plan.enable_um.push(UmEnabling { dn: user.dn.clone(), mailbox: after.clone(), policy });
                }
                if after != link.mailbox || returned {
                    plan.changes.push(SyncChange::Update { dn: user.dn, after, returned });
                } else if !user.disabled {
                    plan.unchanged += 1;
                }
                if !user.disabled {
                    linked.remove(&user.id);
                }
            }
            None if user.disabled => {}
            None => {
                let mailbox = Mailbox { guid: new_guid(), ..user.mailbox };
                if let Some(policy) = user.um_policy {
                    plan.enable_um.push(UmEnabling { dn: user.dn.clone(), mailbox: mailbox.clone(), policy });
                }
                additions.push(SyncChange::Add { id: user.id, dn: user.dn, mailbox });
            }
        }
    }
    plan.changes.extend(additions);
    let mut absent: Vec<LinkedMailbox> = linked.into_values().filter(|l| !present.contains(&l.id)).collect();
    absent.sort_by(|a, b| a.mailbox.primary_smtp_address.cmp(&b.mailbox.primary_smtp_address));
    for link in absent {
        match link.absent_since {
            None => plan.changes.push(SyncChange::Absent { mailbox: link.mailbox }),
            Some(since) if link.um_enabled && now.duration_since(since) >= grace => {
                plan.changes.push(SyncChange::DisableUm { mailbox: link.mailbox })
            }
            Some(_) => plan.unchanged += 1,
        }
    }
    plan
}

/// The users whose name, alias and addresses no other user has; the others are skipped, each
/// with the value it shares and the DNs of the entries it shares it with.
fn without_collisions(users: Vec<DirectoryUser>, skipped: &mut Vec<SkippedEntry>) -> Vec<DirectoryUser> {
    let keys = |u: &DirectoryUser| {
        let m = &u.mailbox;
        let mut keys = vec![("name", m.name.to_lowercase()), ("alias", m.alias.to_lowercase())];
        keys.extend(m.addresses().map(|a| ("address", a.to_lowercase())));
        keys
    };
    let mut owners: HashMap<(&'static str, String), Vec<usize>> = HashMap::new();
    for (i, user) in users.iter().enumerate() {
        for key in keys(user) {
            owners.entry(key).or_default().push(i);
        }
    }
    let mut kept = Vec::with_capacity(users.len());
    for (i, user) in users.iter().enumerate() {
        let shared = keys(user).into_iter().find_map(|key| {
            let others: Vec<&str> = owners[&key].iter().filter(|&&j| j != i).map(|&j| users[j].dn.as_str()).collect();
            (!others.is_empty()).then_some((key, others))
        });
        match shared {
            Some(((what, value), others)) => skipped.push(SkippedEntry {
                dn: user.dn.clone(),
                reason: format!("its {what} '{value}' is also that of {}; fix the directory.", others.join("; ")),
            }),
            None => kept.push(i),
        }
    }
    let mut users: Vec<Option<DirectoryUser>> = users.into_iter().map(Some).collect();
    kept.into_iter().filter_map(|i| users[i].take()).collect()
}

/// The range to ask for after an attribute named `member;range=START-END`: `END+1-*`, or none
/// when END is `*` (the last range).
pub fn next_member_range(name: &str) -> Option<String> {
    let (_, end) = name.strip_prefix("member;range=")?.split_once('-')?;
    let end: u64 = end.parse().ok()?;
    Some(format!("{}-*", end + 1))
}

/// A DN as a key for comparing: lowercase, without the spaces around `,`, `=` and `+`.
pub fn dn_key(dn: &str) -> String {
    let mut key = String::with_capacity(dn.len());
    for part in dn.split(',') {
        if !key.is_empty() {
            key.push(',');
        }
        let rdns: Vec<String> = part
            .split('+')
            .map(|ava| match ava.split_once('=') {
                Some((attribute, value)) => format!("{}={}", attribute.trim(), value.trim()),
                None => ava.trim().to_owned(),
            })
            .collect();
        key.push_str(&rdns.join("+"));
    }
    key.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    fn entry(id: &str, name: &str, address: &str) -> DirectoryEntry {
        DirectoryEntry {
            dn: format!("uid={name},ou=people,dc=contoso,dc=com"),
            id: Some(id.to_owned()),
            name: Some(name.to_owned()),
            primary_smtp_address: Some(address.to_owned()),
            ..Default::default()
        }
    }

    fn linked(user: &DirectoryUser, absent_since: Option<Timestamp>) -> LinkedMailbox {
        LinkedMailbox {
            id: user.id.clone(),
            mailbox: Mailbox { guid: Guid::new_v4(), ..user.mailbox.clone() },
            absent_since,
            um_enabled: true,
        }
    }

    const DAY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

    #[test]
    fn a_new_user_is_added_and_a_known_unchanged_one_counted_unchanged() {
        let tony = entry("1", "tony", "tony@contoso.com");
        let known = linked(&tony.clone().check(now()).unwrap(), None);
        let kim = entry("2", "kim", "kim@contoso.com");
        let plan = plan_sync(vec![tony, kim], vec![known], now(), DAY, Guid::new_v4);
        assert_eq!(plan.unchanged, 1);
        assert_eq!(plan.changes.len(), 1);
        assert!(matches!(&plan.changes[0], SyncChange::Add { id, .. } if id == "2"));
    }

    #[test]
    fn a_changed_address_updates_the_mailbox_of_the_same_id() {
        let before = linked(&entry("1", "tony", "tony@contoso.com").check(now()).unwrap(), None);
        let plan = plan_sync(
            vec![entry("1", "tony", "tony.smith@contoso.com")],
            vec![before.clone()],
            now(),
            DAY,
            Guid::new_v4,
        );
        match &plan.changes[..] {
            [SyncChange::Update { after, .. }] => {
                assert_eq!(after.guid, before.mailbox.guid);
                assert_eq!(after.primary_smtp_address, "tony.smith@contoso.com");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn two_entries_with_one_address_are_both_skipped_naming_each_other() {
        let a = entry("1", "pat", "pat@contoso.com");
        let b = entry("2", "patricia", "pat@contoso.com");
        let plan = plan_sync(vec![a.clone(), b.clone()], vec![], now(), DAY, Guid::new_v4);
        assert!(plan.changes.is_empty());
        assert_eq!(plan.skipped.len(), 2);
        assert!(plan.skipped[0].reason.contains(&b.dn), "{:?}", plan.skipped);
        assert!(plan.skipped[1].reason.contains(&a.dn), "{:?}", plan.skipped);
    }

    #[test]
    fn an_entry_without_an_address_is_skipped_and_its_user_still_counts_as_present() {
        let user = entry("1", "tony", "tony@contoso.com");
        let known = linked(&user.clone().check(now()).unwrap(), None);
        let broken = DirectoryEntry { primary_smtp_address: None, ..user };
        let plan = plan_sync(vec![broken], vec![known], now(), DAY, Guid::new_v4);
        assert!(plan.changes.is_empty(), "{:?}", plan.changes);
        assert_eq!(plan.skipped.len(), 1);
        assert!(plan.skipped[0].reason.contains("e-mail address"));
    }

    #[test]
    fn a_gone_user_starts_the_grace_period_and_is_um_disabled_only_after_it() {
        let known = linked(&entry("1", "tony", "tony@contoso.com").check(now()).unwrap(), None);
        let plan = plan_sync(vec![], vec![known.clone()], now(), DAY, Guid::new_v4);
        assert!(matches!(&plan.changes[..], [SyncChange::Absent { .. }]));
        let absent = LinkedMailbox { absent_since: Some(now()), ..known };
        let within =
            plan_sync(vec![], vec![absent.clone()], now() + jiff::SignedDuration::from_hours(23), DAY, Guid::new_v4);
        assert!(within.changes.is_empty());
        let after = plan_sync(vec![], vec![absent], now() + DAY, DAY, Guid::new_v4);
        assert!(matches!(&after.changes[..], [SyncChange::DisableUm { .. }]));
    }

    #[test]
    fn a_member_of_a_um_group_is_enabled_once_and_a_disabled_one_never() {
        let member =
            DirectoryEntry { um_policy: Some("Contoso Policy".to_owned()), ..entry("1", "tony", "tony@contoso.com") };
        let new = plan_sync(vec![member.clone()], vec![], now(), DAY, Guid::new_v4);
        match &new.enable_um[..] {
            [e] => assert_eq!(
                (e.mailbox.primary_smtp_address.as_str(), e.policy.as_str()),
                ("tony@contoso.com", "Contoso Policy")
            ),
            other => panic!("{other:?}"),
        }
        let known = linked(&member.clone().check(now()).unwrap(), None);
        let enabled = plan_sync(vec![member.clone()], vec![known.clone()], now(), DAY, Guid::new_v4);
        assert!(enabled.enable_um.is_empty() && enabled.changes.is_empty(), "{enabled:?}");
        let not_enabled = LinkedMailbox { um_enabled: false, ..known.clone() };
        let again = plan_sync(vec![member.clone()], vec![not_enabled.clone()], now(), DAY, Guid::new_v4);
        assert_eq!(again.enable_um.len(), 1, "{again:?}");
        assert_eq!(again.enable_um[0].mailbox.guid, known.mailbox.guid);
        let disabled = DirectoryEntry { disabled: true, ..member };
        let plan = plan_sync(vec![disabled], vec![not_enabled], now(), DAY, Guid::new_v4);
        assert!(plan.enable_um.is_empty(), "{plan:?}");
    }

    #[test]
    fn a_disabled_account_counts_as_gone_and_one_that_returns_ends_the_grace_period() {
        let user = entry("1", "tony", "tony@contoso.com");
        let known = linked(&user.clone().check(now()).unwrap(), None);
        let disabled = DirectoryEntry { disabled: true, ..user.clone() };
        let plan = plan_sync(vec![disabled], vec![known.clone()], now(), DAY, Guid::new_v4);
        assert!(matches!(&plan.changes[..], [SyncChange::Absent { .. }]), "{:?}", plan.changes);
        let absent = LinkedMailbox { absent_since: Some(now()), ..known };
        let back = plan_sync(vec![user], vec![absent], now(), DAY, Guid::new_v4);
        assert!(matches!(&back.changes[..], [SyncChange::Update { returned: true, .. }]), "{:?}", back.changes);
    }

    #[test]
    fn a_dn_compares_without_case_or_the_spaces_around_its_separators() {
        assert_eq!(dn_key("UID=Tony, OU=People,dc=contoso , dc=com"), dn_key("uid=tony,ou=people,dc=contoso,dc=com"));
        assert_eq!(dn_key("cn=Smith\\, Tony + uid=ts,dc=com"), dn_key("CN=smith\\,Tony+UID=TS,DC=com"));
        assert_ne!(dn_key("uid=tony,ou=people"), dn_key("uid=tony2,ou=people"));
    }

    #[test]
    fn active_directory_ranges_of_members_are_asked_for_until_the_last() {
        assert_eq!(next_member_range("member;range=0-1499").as_deref(), Some("1500-*"));
        assert_eq!(next_member_range("member;range=1500-2999").as_deref(), Some("3000-*"));
        assert_eq!(next_member_range("member;range=3000-*"), None);
        assert_eq!(next_member_range("member"), None);
    }
}
