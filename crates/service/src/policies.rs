//! UM mailbox policies: `New-/Get-/Set-/Remove-UMMailboxPolicy`.

use umpin_domain::{Error, Guid, MailboxPolicy, ObjectKind, PolicyChanges};

use crate::access::Operation;
use crate::mailboxes::{conflict, find_dial_plan, find_policy};
use crate::{Principal, Service, ServiceError};

/// What `New-UMMailboxPolicy` is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPolicy {
    pub name: String,
    /// The identity of the dial plan it belongs to.
    pub dial_plan: String,
}

impl Service {
    /// `New-UMMailboxPolicy` with every default.
    pub async fn new_mailbox_policy(
        &self,
        by: &Principal,
        operation: Operation,
        new: NewPolicy,
    ) -> Result<MailboxPolicy, ServiceError> {
        self.audited(by, operation, async |tx| {
            let plan = find_dial_plan(tx, &new.dial_plan).await?;
            let policy = MailboxPolicy::new(Guid::new_v4(), &new.name, plan.guid, self.now())?;
            tx.insert_policy(&policy).await.map_err(|e| conflict(e, ObjectKind::MailboxPolicy, &policy.name, ""))?;
            Ok(policy)
        })
        .await
    }

    /// `Get-UMMailboxPolicy -Identity`.
    pub async fn get_mailbox_policy(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<MailboxPolicy, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        find_policy(&mut tx, identity).await
    }

    /// `Get-UMMailboxPolicy [-UMDialPlan]`: every policy, or those of one dial plan.
    pub async fn list_mailbox_policies(
        &self,
        by: &Principal,
        operation: Operation,
        dial_plan: Option<&str>,
    ) -> Result<Vec<MailboxPolicy>, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        let plan = match dial_plan {
            Some(identity) => Some(find_dial_plan(&mut tx, identity).await?.guid),
            None => None,
        };
        Ok(tx.policies(plan).await?)
    }

    /// `Set-UMMailboxPolicy`: applies at once to every mailbox of the policy, since PIN status is
    /// derived from the policy when it is read.
    pub async fn set_mailbox_policy(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
        changes: PolicyChanges,
    ) -> Result<MailboxPolicy, ServiceError> {
        self.audited(by, operation, async |tx| {
            let next = find_policy(tx, identity).await?.apply(changes)?;
            tx.update_policy(&next).await.map_err(|e| conflict(e, ObjectKind::MailboxPolicy, &next.name, ""))?;
            Ok(next)
        })
        .await
    }

    /// `Remove-UMMailboxPolicy`: refused while any UM-enabled mailbox uses it.
    pub async fn remove_mailbox_policy(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<MailboxPolicy, ServiceError> {
        self.audited(by, operation, async |tx| {
            let policy = find_policy(tx, identity).await?;
            let count = tx.um_enabled_count_of_policy(policy.guid).await?;
            if count > 0 {
                return Err(Error::PolicyInUse { policy: policy.name, count }.into());
            }
            tx.delete_policy(policy.guid).await?;
            Ok(policy)
        })
        .await
    }
}
