//! Management accounts, role groups and sign-in (SPEC §4.4): `New-/Get-/Set-/Remove-ManagementAccount`,
//! `Get-RoleGroup`, `Get-/Add-/Remove-RoleGroupMember`, and the API tokens of `POST /api/v1/auth/token`.
//!
//! Passwords are Argon2id verifiers keyed with the server secret and sealed to their account;
//! tokens are 256 random bits stored as their digest, valid for [`TOKEN_LIFETIME`]. Failed
//! sign-ins are counted per account and per source across all nodes: after
//! [`umpin_domain::account::FREE_FAILURES`] within the window, each further failure blocks the
//! subject for a doubling time (see [`umpin_domain::account::throttle_delay`]). An unknown account
//! costs the same Argon2 work as a known one, so timing doesn't tell which names exist.

use jiff::SignedDuration;
use secrecy::{ExposeSecret, SecretString};
use umpin_crypto::{CryptoError, generate_password, generate_token, token_digest};
use umpin_domain::account::{
    MAX_PASSWORD_LENGTH, THROTTLE_WINDOW, check_account_name, check_display_name, check_password, throttle_delay,
};
use umpin_domain::directory::{DirectoryEntry, dn_key};
use umpin_domain::identity::check_identity;
use umpin_domain::{AccountChanges, Error, Guid, ManagementAccount, ObjectKind, RoleGroup, Timestamp};
use umpin_store::{StoreError, Tx, Unique};

use crate::access::Operation;
use crate::{DirectorySource, Principal, Service, ServiceError};

/// How long a token from `POST /api/v1/auth/token` stays valid.
pub const TOKEN_LIFETIME: SignedDuration = SignedDuration::from_hours(8);

/// What `New-ManagementAccount` is given.
#[derive(Debug, Default)]
pub struct NewManagementAccount {
    pub name: String,
    pub display_name: Option<String>,
    /// `None`: one is generated and returned once.
    pub password: Option<SecretString>,
}

/// What `Set-ManagementAccount` is given besides the identity.
#[derive(Debug, Default)]
pub struct ManagementAccountChanges {
    pub password: Option<SecretString>,
    pub changes: AccountChanges,
}

/// A token just issued: shown to its caller once, never stored.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: SecretString,
    pub expires_at: Timestamp,
}

/// A role group with its members' names, for `Get-RoleGroup`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleGroupView {
    pub group: RoleGroup,
    pub members: Vec<String>,
    /// The DNs of the directory groups whose members sign in with it (`[[directory.role_groups]]`).
    pub directory_groups: Vec<String>,
}

async fn find_account(tx: &mut Tx, identity: &str) -> Result<ManagementAccount, ServiceError> {
    check_identity("Identity", identity)?;
    match tx.management_account(identity).await? {
        Some(c) => Ok(c.account),
        None => Err(Error::NotFound { kind: ObjectKind::ManagementAccount, identity: identity.to_owned() }.into()),
    }
}

/// A local account (not a directory user's, whose role groups come from the directory).
async fn local_account(tx: &mut Tx, identity: &str) -> Result<ManagementAccount, ServiceError> {
    let account = find_account(tx, identity).await?;
    match account.directory_id {
        Some(_) => Err(Error::DirectoryAccount { account: account.name }.into()),
        None => Ok(account),
    }
}

/// Refuses to let `leaving` go (removed, disabled or out of Organization Management) when it is
/// the last enabled local account in Organization Management: directory administrators can't
/// stand in, since they sign in only while the directory answers.
async fn keep_an_organization_manager(tx: &mut Tx, leaving: &ManagementAccount) -> Result<(), ServiceError> {
    let manages = |a: &ManagementAccount| {
        a.directory_id.is_none() && !a.disabled && a.role_groups.contains(&RoleGroup::OrganizationManagement)
    };
    if !manages(leaving) {
        return Ok(());
    }
    let others = tx.management_accounts().await?.into_iter().any(|a| a.guid != leaving.guid && manages(&a));
    if others { Ok(()) } else { Err(Error::LastOrganizationManager { account: leaving.name.clone() }.into()) }
}

fn account_conflict(e: StoreError, name: &str) -> ServiceError {
    match e {
        StoreError::Conflict { what: Unique::AccountName } => {
            Error::AlreadyExists { kind: ObjectKind::ManagementAccount, property: "name", value: name.to_owned() }
                .into()
        }
        other => other.into(),
    }
}

/// Who a sign-in is for, as failed sign-ins are counted against it.
pub(crate) enum SignInSubject<'a> {
    /// A management account, by its guid however it was named: its name in any case or its guid
    /// share one budget.
    Account(Guid),
    /// A directory user (the Voice Mail page), by the DN's comparison key however they named
    /// themselves: account name, address and user principal name share one budget.
    DirectoryUser(&'a str),
    /// A name nobody has.
    Unknown(&'a str),
}

/// What failed sign-ins are counted against: who the sign-in is for, and the source address.
pub(crate) fn throttle_subjects(who: SignInSubject<'_>, source: &str) -> [String; 2] {
    let who = match who {
        SignInSubject::Account(guid) => format!("account:{guid}"),
        SignInSubject::DirectoryUser(dn) => format!("directory user:{}", dn.escape_debug()),
        // Escaped: a name nobody has may hold anything, a NUL included.
        SignInSubject::Unknown(name) => format!("unknown account:{}", name.trim().to_lowercase().escape_debug()),
    };
    [who, format!("source:{source}")]
}

/// [`ServiceError::Throttled`] while any of `subjects` is blocked from signing in.
pub(crate) async fn refuse_if_blocked(tx: &mut Tx, subjects: &[String; 2], now: Timestamp) -> Result<(), ServiceError> {
    let blocked = tx.sign_in_blocked_until(&[&subjects[0], &subjects[1]]).await?;
    match blocked.filter(|until| *until > now) {
        Some(until) => Err(ServiceError::Throttled { retry_after_secs: seconds_until(now, until) }),
        None => Ok(()),
    }
}

/// Counts a failed sign-in against each of `subjects`, blocking each for as long as its
/// failures in the window call for, and commits.
pub(crate) async fn count_failure(mut tx: Tx, subjects: &[String; 2], now: Timestamp) -> Result<(), ServiceError> {
    for subject in subjects {
        let failures = tx.count_sign_in_failure(subject, now, now - THROTTLE_WINDOW).await?;
        if let Some(delay) = throttle_delay(failures) {
            tx.block_sign_in(subject, now + delay).await?;
        }
    }
    Ok(tx.commit().await?)
}

/// Forgets the failed sign-ins of `subjects`, after a right one.
pub(crate) async fn clear_failures(tx: &mut Tx, subjects: &[String; 2]) -> Result<(), ServiceError> {
    for subject in subjects {
        tx.clear_sign_in_failures(subject).await?;
    }
    Ok(())
}

/// Whole seconds from `now` until `until`, rounded up (at least 1), so that a client that waits
/// as long as it is told is not refused again.
fn seconds_until(now: Timestamp, until: Timestamp) -> u64 {
    let wait = until.duration_since(now);
    let secs = wait.as_secs() + i64::from(wait.subsec_nanos() > 0);
    secs.max(1).unsigned_abs()
}

impl Service {
    /// `New-ManagementAccount`: the account, and the password when it was generated (shown once).
    pub async fn new_management_account(
        &self,
        by: &Principal,
        operation: Operation,
        new: NewManagementAccount,
    ) -> Result<(ManagementAccount, Option<SecretString>), ServiceError> {
        self.audited(by, operation, async |tx| {
            let name = check_account_name(&new.name)?;
            let display_name = check_display_name(new.display_name.as_deref(), &name)?;
            let (password, generated) = match new.password {
                Some(p) => {
                    check_password(p.expose_secret(), &name)?;
                    (p, None)
                }
                None => {
                    let p = generate_password()?;
                    (p.clone(), Some(p))
                }
            };
            let account = ManagementAccount {
                guid: Guid::new_v4(),
                name,
                display_name,
                disabled: false,
                role_groups: Vec::new(),
                when_created: self.now(),
                directory_id: None,
            };
            let sealed = self.vault.seal_new_password(account.guid, &password).await?;
            tx.insert_management_account(&account, &sealed).await.map_err(|e| account_conflict(e, &account.name))?;
            Ok((account, generated))
        })
        .await
    }

    /// `Get-ManagementAccount -Identity`.
    pub async fn get_management_account(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<ManagementAccount, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        find_account(&mut tx, identity).await
    }

    /// `Get-ManagementAccount` without identity: every account, by name.
    pub async fn list_management_accounts(
        &self,
        by: &Principal,
        operation: Operation,
    ) -> Result<Vec<ManagementAccount>, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        Ok(tx.management_accounts().await?)
    }

    /// `Set-ManagementAccount`. A new password or disabling revokes the account's tokens and ends
    /// its web sessions.
    pub async fn set_management_account(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
        set: ManagementAccountChanges,
    ) -> Result<(), ServiceError> {
        self.audited(by, operation, async |tx| {
            let current = find_account(tx, identity).await?;
            if current.directory_id.is_some() && (set.password.is_some() || set.changes.display_name.is_some()) {
                return Err(Error::DirectoryAccount { account: current.name }.into());
            }
            let mut next = current.clone();
            if let Some(d) = &set.changes.display_name {
                next.display_name = check_display_name(Some(d), "")?;
            }
            if let Some(disabled) = set.changes.disabled {
                next.disabled = disabled;
            }
            if next.disabled && !current.disabled {
                keep_an_organization_manager(tx, &current).await?;
            }
            tx.update_management_account(&next).await?;
            if let Some(p) = &set.password {
                check_password(p.expose_secret(), &current.name)?;
                tx.set_management_password(current.guid, &self.vault.seal_new_password(current.guid, p).await?).await?;
            }
            if set.password.is_some() || next.disabled {
                tx.delete_api_tokens(current.guid).await?;
                tx.delete_web_sessions(current.guid).await?;
            }
            Ok(())
        })
        .await
    }

    /// `Remove-ManagementAccount`: its tokens and memberships go with it.
    pub async fn remove_management_account(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<(), ServiceError> {
        self.audited(by, operation, async |tx| {
            let account = find_account(tx, identity).await?;
            keep_an_organization_manager(tx, &account).await?;
            Ok(tx.delete_management_account(account.guid).await?)
        })
        .await
    }

    /// `Get-RoleGroup`: every built-in group, or the one named.
    pub async fn get_role_groups(
        &self,
        by: &Principal,
        operation: Operation,
        identity: Option<&str>,
    ) -> Result<Vec<RoleGroupView>, ServiceError> {
        self.authorize(by, &operation).await?;
        let groups = match identity {
            Some(id) => vec![id.parse::<RoleGroup>()?],
            None => RoleGroup::ALL.to_vec(),
        };
        let mut tx = self.db.begin_read().await?;
        let accounts = tx.management_accounts().await?;
        Ok(groups
            .into_iter()
            .map(|group| RoleGroupView {
                group,
                members: accounts.iter().filter(|a| a.role_groups.contains(&group)).map(|a| a.name.clone()).collect(),
                directory_groups: self.directory.as_ref().map(|d| d.directory_groups(group)).unwrap_or_default(),
            })
            .collect())
    }

    /// `Get-RoleGroupMember -Identity`: the accounts in one group.
    pub async fn get_role_group_members(
        &self,
        by: &Principal,
        operation: Operation,
        role_group: &str,
    ) -> Result<Vec<ManagementAccount>, ServiceError> {
        self.authorize(by, &operation).await?;
        let group: RoleGroup = role_group.parse()?;
        let mut tx = self.db.begin_read().await?;
        Ok(tx.management_accounts().await?.into_iter().filter(|a| a.role_groups.contains(&group)).collect())
    }

    /// `Add-RoleGroupMember`.
    pub async fn add_role_group_member(
        &self,
        by: &Principal,
        operation: Operation,
        role_group: &str,
        member: &str,
    ) -> Result<(), ServiceError> {
        self.audited(by, operation, async |tx| {
            let group: RoleGroup = role_group.parse()?;
            let account = local_account(tx, member).await?;
            if tx.add_role_group_member(group, account.guid).await? {
                Ok(())
            } else {
                Err(Error::AlreadyMember { account: account.name, role_group: group.name() }.into())
            }
        })
        .await
    }

    /// `Remove-RoleGroupMember`: refused for the last enabled member of Organization Management,
    /// and for an account's own membership of it (it couldn't undo that).
    pub async fn remove_role_group_member(
        &self,
        by: &Principal,
        operation: Operation,
        role_group: &str,
        member: &str,
    ) -> Result<(), ServiceError> {
        self.audited(by, operation, async |tx| {
            let group: RoleGroup = role_group.parse()?;
            let account = local_account(tx, member).await?;
            if group == RoleGroup::OrganizationManagement {
                if account.name.eq_ignore_ascii_case(&by.account) {
                    return Err(Error::OwnOrganizationManagement { account: account.name }.into());
                }
                keep_an_organization_manager(tx, &account).await?;
            }
            if tx.remove_role_group_member(group, account.guid).await? {
                Ok(())
            } else {
                Err(Error::NotMember { account: account.name, role_group: group.name() }.into())
            }
        })
        .await
    }

    /// The first account of a new installation (`umpin init`), by the local administrator: in
    /// Organization Management, with `password` or a generated one (returned once). `None` when
    /// any account exists already. `creating` and `joining` are the operations of creating the
    /// account and of adding it to Organization Management.
    pub async fn create_first_administrator(
        &self,
        creating: Operation,
        joining: Operation,
        name: &str,
        password: Option<SecretString>,
    ) -> Result<Option<(ManagementAccount, Option<SecretString>)>, ServiceError> {
        if !self.db.begin().await?.management_accounts().await?.is_empty() {
            return Ok(None);
        }
        let by = Principal::local_administrator();
        let new = NewManagementAccount { name: name.to_owned(), display_name: None, password };
        let (mut account, generated) = self.new_management_account(&by, creating, new).await?;
        self.add_role_group_member(&by, joining, RoleGroup::OrganizationManagement.name(), &account.name).await?;
        account.role_groups.push(RoleGroup::OrganizationManagement);
        Ok(Some((account, generated)))
    }

    /// Signs a management account in with its password and issues a token. A wrong name or
    /// password gets one answer; a throttled account or source is told how long to wait.
    pub async fn issue_token(
        &self,
        username: &str,
        password: &SecretString,
        source: &str,
    ) -> Result<IssuedToken, ServiceError> {
        let (account, mut tx) = self.check_credentials(username, password, source).await?;
        let now = self.now();
        let token = generate_token()?;
        let expires_at = now + TOKEN_LIFETIME;
        tx.insert_api_token(&token_digest(token.expose_secret()), account.guid, now, expires_at).await?;
        tx.commit().await?;
        tracing::info!(account = %account.name, %source, "a management account signed in");
        Ok(IssuedToken { token, expires_at })
    }

    /// Checks a management account's name and password, throttled per account and per source:
    /// the account, and the open transaction (the account's and the source's failures already
    /// forgotten in it) in which the caller stores the credential it issues. A wrong name or
    /// password gets one answer; a throttled account or source is told how long to wait.
    ///
    /// A name that no local account has is a directory user's when there is a directory: see
    /// [`Service::check_directory_administrator`]. A local account's name comes first, so the
    /// local (break-glass) accounts sign in whatever the directory holds or whether it answers.
    pub(crate) async fn check_credentials(
        &self,
        username: &str,
        password: &SecretString,
        source: &str,
    ) -> Result<(ManagementAccount, Tx), ServiceError> {
        let now = self.now();
        // No password of an account is this long: refused without the cost of hashing it.
        let too_long = password.expose_secret().chars().count() > MAX_PASSWORD_LENGTH;
        // No account has a name with a control character: not looked up (a NUL can't be on PostgreSQL).
        let no_such_name = check_identity("username", username).is_err();
        // Looked up whether or not it exists, so that a known and an unknown name cost alike.
        let credentials = if too_long || no_such_name {
            None
        } else {
            self.db.begin_read().await?.management_account(username).await?
        };
        if let Some(directory) = &self.directory
            && credentials.as_ref().is_none_or(|c| c.account.directory_id.is_some())
        {
            return self.check_directory_administrator(directory.as_ref(), username, password, source).await;
        }
        let subjects = throttle_subjects(
            credentials.as_ref().map_or(SignInSubject::Unknown(username), |c| SignInSubject::Account(c.account.guid)),
            source,
        );
        refuse_if_blocked(&mut self.db.begin_read().await?, &subjects, now).await?;
        let right = match &credentials {
            Some(c) if !c.account.disabled => {
                match self.vault.verify_password(c.account.guid, &c.sealed_password, password).await {
                    Ok(right) => right,
                    Err(CryptoError::Unreadable) => {
                        tracing::error!(account = %c.account.name, "the password verifier can't be read with this server's keys");
                        false
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            // Unknown or disabled: the same Argon2 work, so timing tells nothing.
            _ => {
                if !too_long {
                    self.vault.verify_decoy(password).await?;
                }
                false
            }
        };
        let mut tx = self.db.begin().await?;
        let Some(account) = credentials.filter(|_| right).map(|c| c.account) else {
            count_failure(tx, &subjects, now).await?;
            tracing::warn!(%source, "a management sign-in failed: wrong name or password");
            return Err(ServiceError::NotAuthenticated);
        };
        clear_failures(&mut tx, &subjects).await?;
        Ok((account, tx))
    }

    /// Signs a directory user in as an administrator: their password checked by the directory,
    /// their role groups those that their directory groups give now (`[[directory.role_groups]]`),
    /// as the management account of their directory user, made at their first sign-in and brought
    /// up to date (name, display name, role groups) at each. So leaving a directory group takes
    /// effect at the next sign-in: a token or session issued before keeps the role groups it was
    /// issued with until it ends, unless the user is then in no group at all (their tokens and
    /// sessions end) or an administrator disables or removes the account here (the same).
    ///
    /// A right password of a user in none of those groups is [`ServiceError::NoRoleGroup`] and
    /// counts as no failure; an account an administrator disabled here is refused like a wrong
    /// password.
    async fn check_directory_administrator(
        &self,
        directory: &dyn DirectorySource,
        login: &str,
        password: &SecretString,
        source: &str,
    ) -> Result<(ManagementAccount, Tx), ServiceError> {
        let now = self.now();
        let (user, subjects) = self.check_directory_password(directory, login, password, source).await?;
        // Asked before the transaction starts, so no write waits on the directory.
        let role_groups = directory.role_groups_of(&user).await.map_err(ServiceError::Directory)?;
        let mut tx = self.db.begin().await?;
        if role_groups.is_empty() {
            clear_failures(&mut tx, &subjects).await?;
            // Gone from every group: what an earlier sign-in gave ends now, not when it expires.
            if let Some(id) = &user.id
                && let Some(account) = tx.directory_account(id).await?
            {
                for group in account.role_groups {
                    tx.remove_role_group_member(group, account.guid).await?;
                }
                tx.delete_api_tokens(account.guid).await?;
                tx.delete_web_sessions(account.guid).await?;
            }
            tx.commit().await?;
            tracing::warn!(%source, dn = %user.dn, "a directory user in no group of [[directory.role_groups]] tried to sign in as an administrator");
            return Err(ServiceError::NoRoleGroup);
        }
        let Some(id) = user.id.as_deref() else {
            return Err(ServiceError::Directory(format!(
                "The directory user {} has no immutable id (entryUUID, objectGUID, or the attribute `id` of [directory.attributes]), by which umpin knows its administrators.",
                user.dn
            )));
        };
        let Some(name) = [&user.name, &user.primary_smtp_address]
            .into_iter()
            .flatten()
            .find_map(|name| check_account_name(name).ok())
        else {
            return Err(ServiceError::Directory(format!(
                "The directory user {} has no account name or address that can name a management account: 1 to 64 of the letters A-Z, digits, '.', '-', '_' and '@'.",
                user.dn
            )));
        };
        let display_name =
            user.display_name.as_deref().and_then(|d| check_display_name(Some(d), &name).ok()).unwrap_or(name.clone());
        let account = ManagementAccount {
            guid: Guid::new_v4(),
            name,
            display_name,
            disabled: false,
            role_groups,
            when_created: now,
            directory_id: None,
        };
        let account = match tx.save_directory_account(id, account).await {
            Ok(account) => account,
            Err(StoreError::Conflict { what: Unique::AccountName }) => {
                tracing::warn!(%source, dn = %user.dn, "a directory administrator's name is a local management account's");
                return Err(Error::DirectoryNameTaken { name: login.trim().to_owned() }.into());
            }
            Err(e) => return Err(e.into()),
        };
        if account.disabled {
            count_failure(tx, &subjects, now).await?;
            tracing::warn!(%source, account = %account.name, "a disabled directory administrator tried to sign in");
            return Err(ServiceError::NotAuthenticated);
        }
        clear_failures(&mut tx, &subjects).await?;
        Ok((account, tx))
    }

    /// Checks a directory user's name (account name, address or user principal name) and
    /// password: the password by the directory (an LDAP bind as the user, never kept), failures
    /// throttled per directory user however they named themselves and per source, as a
    /// management account's are. The user and the throttle's subjects, whose failures the caller
    /// forgets (see [`clear_failures`]) in the transaction that stores what it issues. A wrong
    /// name or password gets one answer; a user disabled in the directory too.
    pub(crate) async fn check_directory_password(
        &self,
        directory: &dyn DirectorySource,
        login: &str,
        password: &SecretString,
        source: &str,
    ) -> Result<(DirectoryEntry, [String; 2]), ServiceError> {
        let now = self.now();
        let login = login.trim();
        // No directory password or sign-in name is like these: refused without asking the
        // directory (a NUL or a line break has no business in an LDAP filter or bind either).
        let unusable = password.expose_secret().chars().count() > MAX_PASSWORD_LENGTH
            || login.is_empty()
            || check_identity("username", login).is_err();
        let user = if unusable { None } else { directory.find_user(login).await.map_err(ServiceError::Directory)? };
        let key = user.as_ref().map(|u| dn_key(&u.dn));
        let subjects = throttle_subjects(
            key.as_deref().map_or(SignInSubject::Unknown(login), SignInSubject::DirectoryUser),
            source,
        );
        refuse_if_blocked(&mut self.db.begin_read().await?, &subjects, now).await?;
        let right =
            !unusable && directory.check_password(user.as_ref(), password).await.map_err(ServiceError::Directory)?;
        match user {
            Some(user) if right && !user.disabled => Ok((user, subjects)),
            _ => {
                count_failure(self.db.begin().await?, &subjects, now).await?;
                tracing::warn!(%source, "a directory sign-in failed: wrong name or password");
                Err(ServiceError::NotAuthenticated)
            }
        }
    }

    /// The principal a bearer token stands for; [`ServiceError::NotAuthenticated`] when it is
    /// unknown, expired or revoked, or its account is disabled.
    pub async fn authenticate(&self, token: &str, source: &str) -> Result<Principal, ServiceError> {
        // A read without a transaction: it takes no write lock, so requests don't queue behind
        // each other to sign in.
        match self.db.account_for_token(&token_digest(token), self.now()).await? {
            Some(account) => {
                Ok(Principal { account: account.name, role_groups: account.role_groups, source: source.to_owned() })
            }
            None => Err(ServiceError::NotAuthenticated),
        }
    }

    /// Deletes the tokens that have expired, the web sessions and the voice calls that have
    /// ended, of every account, and returns how many: the server's own upkeep (no principal, no
    /// audit record), so that `api_tokens`, `web_sessions` and `voice_calls` hold only what still
    /// signs in or goes on.
    pub async fn delete_expired(&self) -> Result<u64, ServiceError> {
        let now = self.now();
        let tokens = self.db.delete_expired_api_tokens(now).await?;
        let sessions = self.db.delete_ended_web_sessions(now).await?;
        Ok(tokens + sessions + self.db.delete_expired_voice_calls(now).await?)
    }

    /// Revokes the caller's token (sign-out).
    pub async fn revoke_token(&self, by: &Principal, token: &str) -> Result<(), ServiceError> {
        let mut tx = self.db.begin().await?;
        tx.delete_api_token(&token_digest(token)).await?;
        tx.commit().await?;
        tracing::info!(account = %by.account, "a token was revoked");
        Ok(())
    }
}
