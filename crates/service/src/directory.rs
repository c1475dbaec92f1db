//! The directory sync: `Start-UMDirectorySync [-WhatIf]` and `Get-UMDirectorySyncStatus`.
//!
//! A sync reads every user from the directory (through a [`DirectorySource`], which holds the
//! network code), plans what changes with the domain's [`plan_sync`], and applies the plan in
//! transactions of [`CHANGES_PER_TRANSACTION`] changes. Each change is applied whole or not at all
//! (a savepoint each): one whose name or address another mailbox already has is skipped and
//! reported. A sync that stops half way (the database failed, the server stopped) leaves the
//! transactions it committed; since a sync is planned from what is stored, the next one carries on
//! from there and ends in the same state as one uninterrupted sync.
//!
//! Each changed mailbox gets an audit record of its own (the change as `-Change`), and the sync
//! one more with its counts; its result is kept for `Get-UMDirectorySyncStatus`.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use secrecy::SecretString;

use umpin_domain::directory::{DirectoryEntry, SkippedEntry, SyncChange, UmEnabling, plan_sync};
use umpin_domain::{AuditValue, Guid, RoleGroup, Timestamp};
use umpin_store::{DirectorySyncRecord, SyncCounts, Tx};

use crate::access::Operation;
use crate::um_mailboxes::EnableUmMailbox;
use crate::{Principal, Service, ServiceError};

/// How many changes one transaction of a sync applies.
pub const CHANGES_PER_TRANSACTION: usize = 500;
/// How many mailboxes one transaction of a sync UM-enables (each seals a generated PIN, which
/// takes the Argon2 work of a verification: a short transaction keeps the others waiting less).
pub const ENABLINGS_PER_TRANSACTION: usize = 20;

/// The lease of the periodic directory sync: the node that holds it runs the sync.
const SYNC_LEASE: &str = "directory-sync";

/// How far ahead a node keeps the sync's lease while its sync runs: another node takes over this
/// long after the node running it stops without a word.
pub const SYNC_LEASE_MARGIN: Duration = Duration::from_secs(120);

/// Where a sync reads the users from: the directory connection (`umpin_directory`), or a test's
/// own entries.
pub trait DirectorySource: Send + Sync {
    /// Every user entry, mapped; an error says what failed, in a sentence, never a password.
    fn read(&self) -> Pin<Box<dyn Future<Output = Result<Vec<DirectoryEntry>, String>> + Send + '_>>;

    /// How long a user may be gone from the directory, or disabled there, before UM is disabled.
    fn grace_period(&self) -> jiff::SignedDuration;

    /// The user whose account name, address or user principal name is `login`, mapped;
    /// `None` when no user, or more than one, has it.
    fn find_user<'a>(
        &'a self,
        login: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<DirectoryEntry>, String>> + Send + 'a>>;

    /// The role groups that the directory groups mapped to role groups (`[[directory.role_groups]]`)
    /// give `user`, as members of them; none when the user is in none of them.
    fn role_groups_of<'a>(
        &'a self,
        user: &'a DirectoryEntry,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<RoleGroup>, String>> + Send + 'a>>;

    /// The DNs of the directory groups whose members get `role_group`.
    fn directory_groups(&self, role_group: RoleGroup) -> Vec<String>;

    /// Whether `password` is the directory password of `user`, checked by the directory itself
    /// (an LDAP bind as the user); never kept. With no user, the same work for a name no user
    /// has, answered `false`, so that the time taken doesn't tell whether a name exists.
    fn check_password<'a>(
        &'a self,
        user: Option<&'a DirectoryEntry>,
        password: &'a SecretString,
    ) -> Pin<Box<dyn Future<Output = Result<bool, String>> + Send + 'a>>;
}

/// The change of a mailbox UM-enabled as a member of a UM group, as reports and the audit log name it.
const UM_ENABLED: &str = "UMEnabled";

/// A change a sync made, or with `-WhatIf` would make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedChange {
    /// `Added`, `Updated`, `Returned`, `Absent`, `UMDisabled` or `UMEnabled`.
    pub action: &'static str,
    /// The mailbox's primary address.
    pub identity: String,
}

/// What a sync did (or would do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectorySyncReport {
    pub record: DirectorySyncRecord,
    /// With `-WhatIf`, every change it would make; else empty (the audit log has them).
    pub changes: Vec<PlannedChange>,
}

impl Service {
    /// `Start-UMDirectorySync`: reads the directory and brings the mailboxes in line with it;
    /// with `what_if`, only says what that would change.
    pub async fn start_directory_sync(
        &self,
        by: &Principal,
        operation: Operation,
        what_if: bool,
    ) -> Result<DirectorySyncReport, ServiceError> {
        self.authorize(by, &operation).await?;
        let started_at = self.now();
        let mut record = DirectorySyncRecord {
            id: 0,
            started_at,
            finished_at: started_at,
            account: by.account.clone(),
            succeeded: false,
            error: None,
            counts: SyncCounts::default(),
            skipped: Vec::new(),
        };
        let result = self.sync(by, &operation, what_if, &mut record).await;
        record.finished_at = self.now();
        let changes = match result {
            Ok(changes) if what_if => changes,
            Ok(_) => {
                record.succeeded = true;
                let mut tx = self.db.begin().await?;
                record.id = tx.insert_directory_sync(&record).await?;
                let c = record.counts;
                let number = |n: u64| AuditValue::Number(i64::try_from(n).unwrap_or(i64::MAX));
                let summary = operation
                    .clone()
                    .parameter("Read", number(c.read))
                    .parameter("Added", number(c.added))
                    .parameter("Updated", number(c.updated))
                    .parameter("Absent", number(c.absent))
                    .parameter("UMDisabled", number(c.disabled))
                    .parameter("UMEnabled", number(c.um_enabled))
                    .parameter("Unchanged", number(c.unchanged))
                    .parameter("Skipped", number(c.skipped));
                self.append_audit(&mut tx, by, &summary, None).await?;
                tx.commit().await?;
                Vec::new()
            }
            Err(e) => {
                if !what_if {
                    record.error = Some(e.to_string());
                    let kept = async {
                        let mut tx = self.db.begin().await?;
                        tx.insert_directory_sync(&record).await?;
                        tx.commit().await
                    };
                    if let Err(failed) = kept.await {
                        tracing::error!(error = %failed, "the result of a failed directory sync couldn't be kept");
                    }
                }
                self.record_failure(by, &operation, &e).await;
                return Err(e);
            }
        };
        Ok(DirectorySyncReport { record, changes })
    }

    /// Reads, plans and (unless `what_if`) applies a sync, counting into `record`; the changes
    /// planned.
    async fn sync(
        &self,
        by: &Principal,
        operation: &Operation,
        what_if: bool,
        record: &mut DirectorySyncRecord,
    ) -> Result<Vec<PlannedChange>, ServiceError> {
        let source = self.directory.as_ref().ok_or_else(|| {
            ServiceError::Directory(
                "No directory is configured: add the [directory] table to the configuration and restart umpin."
                    .to_owned(),
            )
        })?;
        let entries = source.read().await.map_err(ServiceError::Directory)?;
        record.counts.read = entries.len() as u64;
        let linked = {
            let mut tx = self.db.begin_read().await?;
            tx.linked_mailboxes().await?
        };
        let now = self.now();
        let plan = plan_sync(entries, linked, now, source.grace_period(), Guid::new_v4);
        record.counts.unchanged = plan.unchanged;
        record.skipped = plan.skipped;
        let planned = plan
            .changes
            .iter()
            .map(|c| PlannedChange { action: c.action(), identity: c.mailbox().primary_smtp_address.clone() })
            .chain(
                plan.enable_um
                    .iter()
                    .map(|e| PlannedChange { action: UM_ENABLED, identity: e.mailbox.primary_smtp_address.clone() }),
            );
        if what_if {
            for change in &plan.changes {
                count(&mut record.counts, change);
            }
            record.counts.um_enabled = plan.enable_um.len() as u64;
            record.counts.skipped = record.skipped.len() as u64;
            return Ok(planned.collect());
        }
        for batch in plan.changes.chunks(CHANGES_PER_TRANSACTION) {
            let mut tx = self.db.begin().await?;
            let mut counts = record.counts;
            let mut skipped = Vec::new();
            for change in batch {
                tx.savepoint().await?;
                match apply(&mut tx, change, now).await {
                    Ok(()) => {
                        let address = change.mailbox().primary_smtp_address.clone();
                        let audit = operation
                            .on_object(address, vec![("Change", AuditValue::Word(change.action().to_owned()))]);
                        self.append_audit(&mut tx, by, &audit, None).await?;
                        tx.release_savepoint().await?;
                        count(&mut counts, change);
                    }
                    Err(ServiceError::AlreadyInUse { source }) => {
                        tx.rollback_to_savepoint().await?;
                        skipped
                            .push(SkippedEntry { dn: dn_of(change), reason: format!("{source} by another mailbox.") });
                    }
                    Err(e) => return Err(e),
                }
            }
            tx.commit().await?;
            record.counts = counts;
            record.skipped.extend(skipped);
        }
        self.enable_um_groups(by, operation, &plan.enable_um, record).await?;
        record.counts.skipped = record.skipped.len() as u64;
        Ok(Vec::new())
    }

    /// UM-enables the members of UM groups as `Enable-UMMailbox` does without `-Extensions` or
    /// `-Pin`: the extension from the phone number, a generated PIN that the user must change,
    /// and the welcome message. A member it can't enable (no phone number, an extension taken, a
    /// policy that doesn't exist) is skipped with the reason; the others go on.
    async fn enable_um_groups(
        &self,
        by: &Principal,
        operation: &Operation,
        members: &[UmEnabling],
        record: &mut DirectorySyncRecord,
    ) -> Result<(), ServiceError> {
        for batch in members.chunks(ENABLINGS_PER_TRANSACTION) {
            let mut tx = self.db.begin().await?;
            let mut enabled = 0;
            let mut skipped = Vec::new();
            for member in batch {
                let address = member.mailbox.primary_smtp_address.clone();
                let request = EnableUmMailbox { policy: member.policy.clone(), ..Default::default() };
                // By guid, never by address: a member whose mailbox couldn't be added (its address
                // is a mailbox made by hand) must not enable that other mailbox. Its mailbox then
                // doesn't exist, and the skipped addition already says why.
                let identity = member.mailbox.guid.to_string();
                if tx.mailbox(member.mailbox.guid).await?.is_none() {
                    continue;
                }
                tx.savepoint().await?;
                match self.enable_in(&mut tx, &identity, request).await {
                    Ok(_) => {
                        let parameters = vec![
                            ("Change", AuditValue::Word(UM_ENABLED.to_owned())),
                            ("UMMailboxPolicy", AuditValue::Text(member.policy.clone())),
                        ];
                        self.append_audit(&mut tx, by, &operation.on_object(address, parameters), None).await?;
                        tx.release_savepoint().await?;
                        enabled += 1;
                    }
                    Err(e @ (ServiceError::Rule(_) | ServiceError::AlreadyInUse { .. })) => {
                        tx.rollback_to_savepoint().await?;
                        skipped.push(SkippedEntry {
                            dn: member.dn.clone(),
                            reason: format!("UM couldn't be enabled with {}: {e}", member.policy),
                        });
                    }
                    Err(e) => return Err(e),
                }
            }
            tx.commit().await?;
            record.counts.um_enabled += enabled;
            record.skipped.extend(skipped);
        }
        Ok(())
    }

    /// Whether `node` runs the periodic directory sync now: it does when it takes the sync's
    /// lease, which no node can take again for `interval`. One node at a time, and one sync per
    /// interval whatever the number of nodes.
    pub async fn take_directory_sync_turn(&self, node: &str, interval: Duration) -> Result<bool, ServiceError> {
        let now = self.now();
        let until = now.saturating_add(interval).unwrap_or(Timestamp::MAX);
        Ok(self.db.take_lease(SYNC_LEASE, node, now, until).await?)
    }

    /// Keeps the turn of `node` at least [`SYNC_LEASE_MARGIN`] ahead while its sync runs;
    /// `false` when another node has taken it meanwhile.
    pub async fn keep_directory_sync_turn(&self, node: &str) -> Result<bool, ServiceError> {
        let until = self.now().saturating_add(SYNC_LEASE_MARGIN).unwrap_or(Timestamp::MAX);
        Ok(self.db.extend_lease(SYNC_LEASE, node, until).await?)
    }

    /// `Get-UMDirectorySyncStatus`: the result of the last sync.
    pub async fn directory_sync_status(
        &self,
        by: &Principal,
        operation: Operation,
    ) -> Result<Option<DirectorySyncRecord>, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        Ok(tx.last_directory_sync().await?)
    }
}

/// Applies one change in `tx`. A name or address another mailbox has is
/// [`ServiceError::AlreadyInUse`].
async fn apply(tx: &mut Tx, change: &SyncChange, now: Timestamp) -> Result<(), ServiceError> {
    match change {
        SyncChange::Add { id, mailbox, .. } => {
            tx.insert_mailbox(mailbox).await?;
            tx.link_mailbox_to_directory(mailbox.guid, id).await?;
        }
        SyncChange::Update { after, returned, .. } => {
            tx.update_mailbox(after).await?;
            if *returned {
                tx.set_directory_absent_since(after.guid, None).await?;
            }
        }
        SyncChange::Absent { mailbox } => tx.set_directory_absent_since(mailbox.guid, Some(now)).await?,
        SyncChange::DisableUm { mailbox } => crate::um_mailboxes::disable_um(tx, mailbox, true).await?,
    }
    Ok(())
}

fn count(counts: &mut SyncCounts, change: &SyncChange) {
    match change {
        SyncChange::Add { .. } => counts.added += 1,
        SyncChange::Update { .. } => counts.updated += 1,
        SyncChange::Absent { .. } => counts.absent += 1,
        SyncChange::DisableUm { .. } => counts.disabled += 1,
    }
}

/// The DN a change came from (an absent user has none any more: their mailbox's address).
fn dn_of(change: &SyncChange) -> String {
    match change {
        SyncChange::Add { dn, .. } | SyncChange::Update { dn, .. } => dn.clone(),
        other => other.mailbox().primary_smtp_address.clone(),
    }
}
