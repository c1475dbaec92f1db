//! UM dial plans: `New-/Get-/Set-/Remove-UMDialPlan`.

use std::collections::HashMap;

use umpin_domain::dial_plan::DialPlanChanges;
use umpin_domain::{DialPlan, Error, Guid, MailboxPolicy, NewDialPlan, ObjectKind};

use crate::access::Operation;
use crate::mailboxes::{conflict, find_dial_plan};
use crate::{Principal, Service, ServiceError};

impl Service {
    /// `New-UMDialPlan`; with `GenerateUMMailboxPolicy` also its "<name> Default Policy".
    pub async fn new_dial_plan(
        &self,
        by: &Principal,
        operation: Operation,
        new: NewDialPlan,
    ) -> Result<(DialPlan, Option<MailboxPolicy>), ServiceError> {
        self.audited(by, operation, async |tx| {
            let now = self.now();
            let generate = new.generate_um_mailbox_policy;
            let plan = new.validate(Guid::new_v4(), now)?;
            let policy = if generate {
                Some(MailboxPolicy::new(Guid::new_v4(), &plan.default_policy_name(), plan.guid, now)?)
            } else {
                None
            };
            tx.insert_dial_plan(&plan).await.map_err(|e| conflict(e, ObjectKind::DialPlan, &plan.name, ""))?;
            if let Some(policy) = &policy {
                tx.insert_policy(policy).await.map_err(|e| conflict(e, ObjectKind::MailboxPolicy, &policy.name, ""))?;
            }
            Ok((plan, policy))
        })
        .await
    }

    /// `Get-UMDialPlan -Identity`.
    pub async fn get_dial_plan(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<DialPlan, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        find_dial_plan(&mut tx, identity).await
    }

    /// `Get-UMDialPlan` without identity: every dial plan, by name.
    pub async fn list_dial_plans(&self, by: &Principal, operation: Operation) -> Result<Vec<DialPlan>, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        Ok(tx.dial_plans().await?)
    }

    /// How many UM-enabled mailboxes each dial plan has (none: absent), counted in one aggregate
    /// query rather than a listing; `operation` is the read of UM mailboxes it answers for
    /// (`Get-UMMailbox`).
    pub async fn um_mailbox_counts_by_dial_plan(
        &self,
        by: &Principal,
        operation: Operation,
    ) -> Result<HashMap<Guid, u64>, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        Ok(tx.um_enabled_counts_by_dial_plan().await?.into_iter().collect())
    }

    /// `Set-UMDialPlan`.
    pub async fn set_dial_plan(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
        changes: DialPlanChanges,
    ) -> Result<DialPlan, ServiceError> {
        self.audited(by, operation, async |tx| {
            let next = find_dial_plan(tx, identity).await?.apply(changes)?;
            tx.update_dial_plan(&next).await.map_err(|e| conflict(e, ObjectKind::DialPlan, &next.name, ""))?;
            Ok(next)
        })
        .await
    }

    /// `Remove-UMDialPlan`: refused while any policy belongs to it.
    pub async fn remove_dial_plan(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<DialPlan, ServiceError> {
        self.audited(by, operation, async |tx| {
            let plan = find_dial_plan(tx, identity).await?;
            let policies = tx.policy_names_of_dial_plan(plan.guid).await?;
            if !policies.is_empty() {
                return Err(Error::DialPlanHasPolicies { dial_plan: plan.name, policies }.into());
            }
            tx.delete_dial_plan(plan.guid).await?;
            Ok(plan)
        })
        .await
    }
}
