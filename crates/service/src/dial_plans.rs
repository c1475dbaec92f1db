//! UM dial plans: `New-/Get-/Set-/Remove-UMDialPlan`.

use umpin_domain::dial_plan::DialPlanChanges;
use umpin_domain::{DialPlan, Error, Guid, MailboxPolicy, NewDialPlan, ObjectKind};

use crate::access::{Action, Named};
use crate::mailboxes::{conflict, find_dial_plan};
use crate::{Principal, Service, ServiceError};

impl Service {
    /// `New-UMDialPlan`; with `GenerateUMMailboxPolicy` also its "<name> Default Policy".
    pub async fn new_dial_plan(
        &self,
        by: &Principal,
        new: NewDialPlan,
    ) -> Result<(DialPlan, Option<MailboxPolicy>), ServiceError> {
        let action = Action::creating("New-UMDialPlan", &new.name)
            .param("Name", new.name.as_str())
            .param("NumberOfDigitsInExtension", new.number_of_digits_in_extension)
            .param("CountryOrRegionCode", new.country_or_region_code.as_str())
            .param("URIType", Named(new.uri_type))
            .param("VoIPSecurity", Named(new.voip_security))
            .param("AccessTelephoneNumbers", new.access_telephone_numbers.clone())
            .param("DefaultLanguage", &new.default_language)
            .param("GenerateUMMailboxPolicy", new.generate_um_mailbox_policy);
        self.audited(by, action, async |tx| {
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
    pub async fn get_dial_plan(&self, by: &Principal, identity: &str) -> Result<DialPlan, ServiceError> {
        self.authorize(by, &Action::new("Get-UMDialPlan", identity)).await?;
        let mut tx = self.db.begin().await?;
        find_dial_plan(&mut tx, identity).await
    }

    /// `Get-UMDialPlan` without identity: every dial plan, by name.
    pub async fn list_dial_plans(&self, by: &Principal) -> Result<Vec<DialPlan>, ServiceError> {
        self.authorize(by, &Action::new("Get-UMDialPlan", "")).await?;
        let mut tx = self.db.begin().await?;
        Ok(tx.dial_plans().await?)
    }

    /// `Set-UMDialPlan`.
    pub async fn set_dial_plan(
        &self,
        by: &Principal,
        identity: &str,
        changes: DialPlanChanges,
    ) -> Result<DialPlan, ServiceError> {
        let action = Action::new("Set-UMDialPlan", identity)
            .param("Name", &changes.name)
            .param("VoIPSecurity", changes.voip_security.map(Named))
            .param("AccessTelephoneNumbers", &changes.access_telephone_numbers)
            .param("CountryOrRegionCode", &changes.country_or_region_code)
            .param("DefaultLanguage", &changes.default_language)
            .param("LogonFailuresBeforeDisconnect", changes.logon_failures_before_disconnect);
        self.audited(by, action, async |tx| {
            let next = find_dial_plan(tx, identity).await?.apply(changes)?;
            tx.update_dial_plan(&next).await.map_err(|e| conflict(e, ObjectKind::DialPlan, &next.name, ""))?;
            Ok(next)
        })
        .await
    }

    /// `Remove-UMDialPlan`: refused while any policy belongs to it.
    pub async fn remove_dial_plan(&self, by: &Principal, identity: &str) -> Result<DialPlan, ServiceError> {
        self.audited(by, Action::new("Remove-UMDialPlan", identity), async |tx| {
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
