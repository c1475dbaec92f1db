//! UM dial plans and UM mailbox policies: `New-/Get-/Set-/Remove-UMDialPlan` and
//! `New-/Get-/Set-/Remove-UMMailboxPolicy`.

use umpin_domain::dial_plan::DialPlanChanges;
use umpin_domain::{DialPlan, Error, Guid, MailboxPolicy, NewDialPlan, ObjectKind, PolicyChanges};

use crate::directory::{conflict, find_dial_plan, find_policy};
use crate::{Principal, Service, ServiceError};

/// What `New-UMMailboxPolicy` is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPolicy {
    pub name: String,
    /// The identity of the dial plan it belongs to.
    pub dial_plan: String,
}

impl Service {
    /// `New-UMDialPlan`; with `GenerateUMMailboxPolicy` also its "<name> Default Policy".
    pub async fn new_dial_plan(
        &self,
        _by: &Principal,
        new: NewDialPlan,
    ) -> Result<(DialPlan, Option<MailboxPolicy>), ServiceError> {
        let now = self.now();
        let generate = new.generate_um_mailbox_policy;
        let plan = new.validate(Guid::new_v4(), now)?;
        let policy = if generate {
            Some(MailboxPolicy::new(Guid::new_v4(), &plan.default_policy_name(), plan.guid, now)?)
        } else {
            None
        };
        let mut tx = self.db.begin().await?;
        tx.insert_dial_plan(&plan).await.map_err(|e| conflict(e, ObjectKind::DialPlan, &plan.name, ""))?;
        if let Some(policy) = &policy {
            tx.insert_policy(policy).await.map_err(|e| conflict(e, ObjectKind::MailboxPolicy, &policy.name, ""))?;
        }
        tx.commit().await?;
        Ok((plan, policy))
    }

    /// `Get-UMDialPlan -Identity`.
    pub async fn get_dial_plan(&self, _by: &Principal, identity: &str) -> Result<DialPlan, ServiceError> {
        let mut tx = self.db.begin().await?;
        find_dial_plan(&mut tx, identity).await
    }

    /// `Get-UMDialPlan` without identity: every dial plan, by name.
    pub async fn list_dial_plans(&self, _by: &Principal) -> Result<Vec<DialPlan>, ServiceError> {
        let mut tx = self.db.begin().await?;
        Ok(tx.dial_plans().await?)
    }

    /// `Set-UMDialPlan`.
    pub async fn set_dial_plan(
        &self,
        _by: &Principal,
        identity: &str,
        changes: DialPlanChanges,
    ) -> Result<DialPlan, ServiceError> {
        let mut tx = self.db.begin().await?;
        let next = find_dial_plan(&mut tx, identity).await?.apply(changes)?;
        tx.update_dial_plan(&next).await.map_err(|e| conflict(e, ObjectKind::DialPlan, &next.name, ""))?;
        tx.commit().await?;
        Ok(next)
    }

    /// `Remove-UMDialPlan`: refused while any policy belongs to it.
    pub async fn remove_dial_plan(&self, _by: &Principal, identity: &str) -> Result<DialPlan, ServiceError> {
        let mut tx = self.db.begin().await?;
        let plan = find_dial_plan(&mut tx, identity).await?;
        let policies = tx.policy_names_of_dial_plan(plan.guid).await?;
        if !policies.is_empty() {
            return Err(Error::DialPlanHasPolicies { dial_plan: plan.name, policies }.into());
        }
        tx.delete_dial_plan(plan.guid).await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// `New-UMMailboxPolicy` with every default.
    pub async fn new_mailbox_policy(&self, _by: &Principal, new: NewPolicy) -> Result<MailboxPolicy, ServiceError> {
        let mut tx = self.db.begin().await?;
        let plan = find_dial_plan(&mut tx, &new.dial_plan).await?;
        let policy = MailboxPolicy::new(Guid::new_v4(), &new.name, plan.guid, self.now())?;
        tx.insert_policy(&policy).await.map_err(|e| conflict(e, ObjectKind::MailboxPolicy, &policy.name, ""))?;
        tx.commit().await?;
        Ok(policy)
    }

    /// `Get-UMMailboxPolicy -Identity`.
    pub async fn get_mailbox_policy(&self, _by: &Principal, identity: &str) -> Result<MailboxPolicy, ServiceError> {
        let mut tx = self.db.begin().await?;
        find_policy(&mut tx, identity).await
    }

    /// `Get-UMMailboxPolicy [-UMDialPlan]`: every policy, or those of one dial plan.
    pub async fn list_mailbox_policies(
        &self,
        _by: &Principal,
        dial_plan: Option<&str>,
    ) -> Result<Vec<MailboxPolicy>, ServiceError> {
        let mut tx = self.db.begin().await?;
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
        _by: &Principal,
        identity: &str,
        changes: PolicyChanges,
    ) -> Result<MailboxPolicy, ServiceError> {
        let mut tx = self.db.begin().await?;
        let next = find_policy(&mut tx, identity).await?.apply(changes)?;
        tx.update_policy(&next).await.map_err(|e| conflict(e, ObjectKind::MailboxPolicy, &next.name, ""))?;
        tx.commit().await?;
        Ok(next)
    }

    /// `Remove-UMMailboxPolicy`: refused while any UM-enabled mailbox uses it.
    pub async fn remove_mailbox_policy(&self, _by: &Principal, identity: &str) -> Result<MailboxPolicy, ServiceError> {
        let mut tx = self.db.begin().await?;
        let policy = find_policy(&mut tx, identity).await?;
        let count = tx.um_enabled_count_of_policy(policy.guid).await?;
        if count > 0 {
            return Err(Error::PolicyInUse { policy: policy.name, count }.into());
        }
        tx.delete_policy(policy.guid).await?;
        tx.commit().await?;
        Ok(policy)
    }
}
