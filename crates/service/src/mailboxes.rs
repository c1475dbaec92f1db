//! Mailboxes: `New-/Get-/Set-/Remove-Mailbox`, and identity resolution for every other operation.

use umpin_domain::identity::{check_identity, resolve_mailbox, resolve_named};
use umpin_domain::{DialPlan, Error, Guid, Mailbox, MailboxChanges, MailboxPolicy, NewMailbox, ObjectKind};
use umpin_store::{MailboxFilter, Recipient, RecipientKey, RecipientQuery, StoreError, Tx, Unique};

use crate::access::Operation;
use crate::{MAX_PAGE_SIZE, Page, Principal, Service, ServiceError};

/// Turns a unique-rule violation into the error an administrator understands. `name` and `alias`
/// are the values written (the alias only for mailboxes).
pub(crate) fn conflict(e: StoreError, kind: ObjectKind, name: &str, alias: &str) -> ServiceError {
    let exists = |property, value: &str| Error::AlreadyExists { kind, property, value: value.to_owned() }.into();
    match e {
        StoreError::Conflict { what: Unique::MailboxName | Unique::DialPlanName | Unique::PolicyName } => {
            exists("name", name)
        }
        StoreError::Conflict { what: Unique::MailboxAlias } => exists("alias", alias),
        StoreError::Conflict { what: Unique::Address(address) } => exists("e-mail address", &address),
        other => other.into(),
    }
}

pub(crate) async fn find_mailbox(tx: &mut Tx, identity: &str) -> Result<Mailbox, ServiceError> {
    check_identity("Identity", identity)?;
    let candidates = tx.mailbox_candidates(identity).await?;
    Ok(resolve_mailbox(identity, &candidates)?.clone())
}

pub(crate) async fn find_dial_plan(tx: &mut Tx, identity: &str) -> Result<DialPlan, ServiceError> {
    check_identity("Identity", identity)?;
    let candidates = tx.dial_plan_candidates(identity).await?;
    Ok(resolve_named(ObjectKind::DialPlan, identity, &candidates, |p| p.guid, |p| &p.name)?.clone())
}

pub(crate) async fn find_policy(tx: &mut Tx, identity: &str) -> Result<MailboxPolicy, ServiceError> {
    check_identity("Identity", identity)?;
    let candidates = tx.policy_candidates(identity).await?;
    Ok(resolve_named(ObjectKind::MailboxPolicy, identity, &candidates, |p| p.guid, |p| &p.name)?.clone())
}

/// Refuses a listing's search text or cursor that holds a control character.
pub(crate) fn check_listing(anr: Option<&str>, after: Option<&str>) -> Result<(), ServiceError> {
    check_identity("Anr", anr.unwrap_or_default())?;
    check_identity("cursor", after.unwrap_or_default())?;
    Ok(())
}

/// The page size for a `-ResultSize`: `None` is the default 1000.
pub(crate) fn page_size(result_size: Option<u32>) -> u32 {
    result_size.unwrap_or(MAX_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE)
}

impl Service {
    /// `New-Mailbox`.
    pub async fn new_mailbox(
        &self,
        by: &Principal,
        operation: Operation,
        new: NewMailbox,
    ) -> Result<Mailbox, ServiceError> {
        self.audited(by, operation, async |tx| {
            let mailbox = new.validate(Guid::new_v4(), self.now())?;
            tx.insert_mailbox(&mailbox)
                .await
                .map_err(|e| conflict(e, ObjectKind::Mailbox, &mailbox.name, &mailbox.alias))?;
            Ok(mailbox)
        })
        .await
    }

    /// `Get-Mailbox -Identity`.
    pub async fn get_mailbox(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<Mailbox, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        find_mailbox(&mut tx, identity).await
    }

    /// `Get-Mailbox` without identity: one page, ordered by primary address, optionally filtered by
    /// `-Anr` (a prefix of the name, display name, alias or an address).
    pub async fn list_mailboxes(
        &self,
        by: &Principal,
        operation: Operation,
        anr: Option<&str>,
        after: Option<&str>,
        result_size: Option<u32>,
    ) -> Result<Page<Mailbox>, ServiceError> {
        self.authorize(by, &operation).await?;
        check_listing(anr, after)?;
        let limit = page_size(result_size);
        let filter = MailboxFilter { anr: anr.map(str::to_owned) };
        let mut tx = self.db.begin_read().await?;
        let mut items = tx.list_mailboxes(&filter, after, limit + 1).await?;
        Ok(page(&mut items, limit, |m| m.primary_smtp_address.to_lowercase()))
    }

    /// The web admin center's Recipients list (`Get-Mailbox -Anr`, with extensions searched too
    /// and a choice of order): one page after `after`, and the key of the next when there is one.
    pub async fn list_recipients(
        &self,
        by: &Principal,
        operation: Operation,
        query: &RecipientQuery,
        after: Option<&RecipientKey>,
        limit: u32,
    ) -> Result<(Vec<Recipient>, Option<RecipientKey>), ServiceError> {
        self.authorize(by, &operation).await?;
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let mut tx = self.db.begin_read().await?;
        let mut items = tx.list_recipients(query, after, limit + 1).await?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(Recipient::key) } else { None };
        Ok((items, next))
    }

    /// `Set-Mailbox`.
    pub async fn set_mailbox(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
        changes: MailboxChanges,
    ) -> Result<Mailbox, ServiceError> {
        self.audited(by, operation, async |tx| {
            let current = find_mailbox(tx, identity).await?;
            let next = current.apply(changes)?;
            tx.update_mailbox(&next).await.map_err(|e| conflict(e, ObjectKind::Mailbox, &next.name, &next.alias))?;
            Ok(next)
        })
        .await
    }

    /// `Remove-Mailbox`. A UM-enabled mailbox goes with its UM settings: the extensions are
    /// released and the PIN data destroyed in the same statement (storage cascades the delete).
    pub async fn remove_mailbox(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<Mailbox, ServiceError> {
        self.audited(by, operation, async |tx| {
            let mailbox = find_mailbox(tx, identity).await?;
            tx.delete_mailbox(mailbox.guid).await?;
            Ok(mailbox)
        })
        .await
    }
}

/// Cuts a list fetched with one extra row to `limit` and sets the cursor when there were more.
pub(crate) fn page<T>(items: &mut Vec<T>, limit: u32, key: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = if more { items.last().map(key) } else { None };
    Page { items: std::mem::take(items), next }
}
