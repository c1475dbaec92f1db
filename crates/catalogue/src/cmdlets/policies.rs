//! `New-`, `Get-`, `Set-` and `Remove-UMMailboxPolicy`.

use std::collections::HashMap;

use umpin_domain::{Guid, Limit, LimitValue, MailboxPolicy, PinPolicy, PolicyChanges};
use umpin_service::{NewPolicy, Principal, Service, ServiceError};

use super::{GetUmDialPlan, one};
use crate::binding::{Batch, PageRequest};
use crate::declare::{Default, FromPipeline, Parameter, cmdlet};
use crate::views;

const IDENTITY: Parameter =
    Parameter::named("Identity", "The UM mailbox policy: its GUID or name.").at(1).piped(FromPipeline::Both).in_path();

/// A policy setting's default as help shows it.
const fn limit(l: Limit) -> Default {
    match l {
        Limit::Limited(n) => Default::Number(n as i64),
        Limit::Unlimited => Default::Text("Unlimited"),
    }
}

cmdlet! {
    /// `New-UMMailboxPolicy`.
    NewUmMailboxPolicy = "New-UMMailboxPolicy" {
        synopsis: "Creates a UM mailbox policy with the default PIN settings.",
        changes_state: true,
        object: name,
        examples: [(
            "New-UMMailboxPolicy -Name MyUMMailboxPolicy -UMDialPlan MyUMDialPlan",
            "Creates the policy MyUMMailboxPolicy in the dial plan MyUMDialPlan.",
        )],
        parameters: {
            name: String = Parameter::named("Name", "The name of the policy.").at(1),
            um_dial_plan: String = Parameter::named("UMDialPlan", "The dial plan the policy belongs to."),
        },
    }
}

impl NewUmMailboxPolicy {
    /// Runs it; the new policy.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<MailboxPolicy, ServiceError> {
        let operation = self.operation();
        s.new_mailbox_policy(by, operation, NewPolicy { name: self.name, dial_plan: self.um_dial_plan }).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let policy = self.call(s, by).await?;
        Ok(one(views::mailbox_policy(&policy, &dial_plan_name(s, by, &policy).await?)))
    }
}

cmdlet! {
    /// `Get-UMMailboxPolicy`.
    GetUmMailboxPolicy = "Get-UMMailboxPolicy" {
        synopsis: "Shows UM mailbox policies.",
        changes_state: false,
        object: identity,
        examples: [("Get-UMMailboxPolicy -UMDialPlan MyUMDialPlan", "Shows the policies of MyUMDialPlan.")],
        parameters: {
            identity: Option<String> = IDENTITY,
            um_dial_plan: Option<String> = Parameter::named("UMDialPlan", "Only the policies of this dial plan."),
        },
    }
}

impl GetUmMailboxPolicy {
    /// Runs it; the policy named, or every policy (of the dial plan given).
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Vec<MailboxPolicy>, ServiceError> {
        let operation = self.operation();
        Ok(match self.identity {
            Some(id) => vec![s.get_mailbox_policy(by, operation, &id).await?],
            None => s.list_mailbox_policies(by, operation, self.um_dial_plan.as_deref()).await?,
        })
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let plans = s.list_dial_plans(by, GetUmDialPlan::default().operation()).await?;
        let names: HashMap<Guid, String> = plans.into_iter().map(|p| (p.guid, p.name)).collect();
        let policies = self.call(s, by).await?;
        Ok(super::all(&policies, |p| views::mailbox_policy(p, names.get(&p.dial_plan).map_or("", String::as_str))))
    }
}

cmdlet! {
    /// `Set-UMMailboxPolicy`.
    SetUmMailboxPolicy = "Set-UMMailboxPolicy" {
        synopsis: "Changes the PIN settings of a UM mailbox policy; they apply at once to its mailboxes.",
        changes_state: true,
        object: identity,
        examples: [(
            "Set-UMMailboxPolicy MyUMMailboxPolicy -MinPINLength 8 -PINLifetime Unlimited",
            "Requires PINs of eight digits or more, which never expire.",
        )],
        parameters: {
            identity: String = IDENTITY,
            name: Option<String> = Parameter::named("Name", "A new name for the policy."),
            min_pin_length: Option<i64> = Parameter::named("MinPINLength", "The fewest digits of a PIN: 4 to 24.")
                .default(Default::Number(PinPolicy::DEFAULT.min_pin_length as i64)),
            pin_lifetime: Option<LimitValue> =
                Parameter::named("PINLifetime", "Days before a PIN expires: 1 to 999, or Unlimited.")
                    .default(limit(PinPolicy::DEFAULT.pin_lifetime)),
            pin_history_count: Option<i64> = Parameter::named(
                "PINHistoryCount",
                "How many previous PINs, the current one included, a new PIN may not repeat: 1 to 20.",
            )
            .default(Default::Number(PinPolicy::DEFAULT.pin_history_count as i64)),
            allow_common_patterns: Option<bool> = Parameter::named(
                "AllowCommonPatterns",
                "Whether PINs may be one repeated digit or a run such as 123456.",
            )
            .default(Default::Bool(PinPolicy::DEFAULT.allow_common_patterns)),
            allow_common_pins: Option<bool> = Parameter::named(
                "AllowCommonPINs",
                "Whether PINs may be on the shipped list of the most common PINs: dates, years, repeats, keypad shapes.",
            )
            .default(Default::Bool(PinPolicy::DEFAULT.allow_common_pins)),
            logon_failures_before_pin_reset: Option<LimitValue> = Parameter::named(
                "LogonFailuresBeforePINReset",
                "Failed sign-ins after which the PIN is reset and e-mailed: 1 to 999, or Unlimited; below MaxLogonAttempts.",
            )
            .default(limit(PinPolicy::DEFAULT.logon_failures_before_pin_reset)),
            max_logon_attempts: Option<i64> = Parameter::named(
                "MaxLogonAttempts",
                "Failed sign-ins after which the mailbox is locked out: 1 to 999.",
            )
            .default(Default::Number(PinPolicy::DEFAULT.max_logon_attempts as i64)),
            reset_pin_text: Option<String> =
                Parameter::named("ResetPINText", "Text added to the PIN reset message: at most 512 characters."),
            um_enabled_text: Option<String> =
                Parameter::named("UMEnabledText", "Text added to the welcome message: at most 512 characters."),
            allow_pinless_voice_mail_access: Option<bool> = Parameter::named(
                "AllowPinlessVoiceMailAccess",
                "Whether mailboxes that allow it hear voice mail without a PIN from their own phone; caller ID can be forged.",
            )
            .default(Default::Bool(false)),
        },
    }
}

impl SetUmMailboxPolicy {
    /// Runs it; the policy after the change.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<MailboxPolicy, ServiceError> {
        let operation = self.operation();
        let changes = PolicyChanges {
            name: self.name,
            min_pin_length: self.min_pin_length,
            pin_lifetime: self.pin_lifetime,
            pin_history_count: self.pin_history_count,
            allow_common_patterns: self.allow_common_patterns,
            allow_common_pins: self.allow_common_pins,
            logon_failures_before_pin_reset: self.logon_failures_before_pin_reset,
            max_logon_attempts: self.max_logon_attempts,
            reset_pin_text: self.reset_pin_text,
            um_enabled_text: self.um_enabled_text,
            allow_pinless_voice_mail_access: self.allow_pinless_voice_mail_access,
        };
        s.set_mailbox_policy(by, operation, &self.identity, changes).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let warnings = self.warnings();
        self.call(s, by).await?;
        Ok(Batch { warnings, ..Batch::default() })
    }

    /// What the change warns of: switching PIN-less voice mail on trusts caller ID.
    pub fn warnings(&self) -> Vec<String> {
        super::pinless_warnings(self.allow_pinless_voice_mail_access)
    }
}

cmdlet! {
    /// `Remove-UMMailboxPolicy`.
    RemoveUmMailboxPolicy = "Remove-UMMailboxPolicy" {
        synopsis: "Removes a UM mailbox policy that no UM-enabled mailbox uses.",
        changes_state: true,
        object: identity,
        examples: [("Remove-UMMailboxPolicy MyUMMailboxPolicy", "Removes the policy MyUMMailboxPolicy.")],
        parameters: {
            identity: String = IDENTITY,
        },
    }
}

impl RemoveUmMailboxPolicy {
    /// Runs it; the policy removed.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<MailboxPolicy, ServiceError> {
        let operation = self.operation();
        s.remove_mailbox_policy(by, operation, &self.identity).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}

/// The name of `policy`'s dial plan (`Get-UMDialPlan`), which the policy's view shows.
pub async fn dial_plan_name(s: &Service, by: &Principal, policy: &MailboxPolicy) -> Result<String, ServiceError> {
    let identity = policy.dial_plan.to_string();
    let read = GetUmDialPlan { identity: Some(identity.clone()) }.operation();
    Ok(s.get_dial_plan(by, read, &identity).await?.name)
}
