//! UM mailboxes: `Enable-/Disable-/Get-/Set-UMMailbox`.

use secrecy::ExposeSecret;
use umpin_crypto::{Pin, generate_pin};
use umpin_domain::mailbox::check_address;
use umpin_domain::um_mailbox::{
    SEND_WELCOME_MAIL, check_extensions, check_operator_number, check_pilot_number, check_sip_resource_identifier,
    derive_extension,
};
use umpin_domain::{DialPlan, Error, Mailbox, MailboxPolicy, PinStatus, UmMailbox, check_new_pin};
use umpin_store::{PinRecord, StoreError, Tx, UmMailboxFilter, Unique};

use crate::access::Operation;
use crate::mailboxes::{find_mailbox, find_policy, page, page_size};
use crate::messages::OutgoingMessage;
use crate::{Page, Principal, Service, ServiceError};

/// What `Enable-UMMailbox` is given besides the identity.
#[derive(Debug, Default)]
pub struct EnableUmMailbox {
    /// The identity of the UM mailbox policy.
    pub policy: String,
    /// Without extensions, one is derived from the mailbox's `Phone`.
    pub extensions: Option<Vec<String>>,
    /// Without a PIN, one is generated.
    pub pin: Option<Pin>,
    /// Defaults to `$true`.
    pub pin_expired: Option<bool>,
    /// Where the welcome message goes instead of the primary address.
    pub notify_email: Option<String>,
    pub sip_resource_identifier: Option<String>,
    pub pilot_number: Option<String>,
    /// Defaults to [`SEND_WELCOME_MAIL`]; `false` needs `pin`.
    pub send_welcome_mail: Option<bool>,
    /// Check everything, change nothing.
    pub validate_only: bool,
}

/// The changes `Set-UMMailbox` may make.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UmMailboxChanges {
    /// A policy of the same dial plan.
    pub policy: Option<String>,
    /// Every extension of the mailbox in its dial plan, the first primary: replaces the list.
    pub extensions: Option<Vec<String>>,
    /// The personal operator's number; an empty one clears it.
    pub operator_number: Option<String>,
    pub pilot_number: Option<String>,
    /// `PinlessAccessToVoiceMailEnabled`.
    pub pinless_access_to_voice_mail_enabled: Option<bool>,
}

/// A UM mailbox with the names an administrator reads (`Get-UMMailbox`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UmMailboxView {
    pub mailbox: Mailbox,
    pub um: UmMailbox,
    pub policy_name: String,
    pub dial_plan_name: String,
}

impl Service {
    /// `Enable-UMMailbox`: checks everything, then stores the UM settings and the sealed PIN and
    /// queues the welcome message with the PIN, all in one transaction.
    pub async fn enable_um_mailbox(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
        request: EnableUmMailbox,
    ) -> Result<UmMailboxView, ServiceError> {
        self.audited(by, operation, async |tx| self.enable_in(tx, identity, request).await).await
    }

    pub(crate) async fn enable_in(
        &self,
        tx: &mut Tx,
        identity: &str,
        request: EnableUmMailbox,
    ) -> Result<UmMailboxView, ServiceError> {
        let now = self.now();
        let mailbox = find_mailbox(tx, identity).await?;
        let kept = tx.um_mailbox(mailbox.guid).await?;
        if kept.as_ref().is_some_and(|um| um.um_enabled) {
            return Err(Error::AlreadyUmEnabled { mailbox: mailbox.primary_smtp_address }.into());
        }
        let policy = find_policy(tx, &request.policy).await?;
        let plan = dial_plan_of(tx, &policy).await?;
        let extensions = match &request.extensions {
            Some(given) => check_extensions(given, &plan)?,
            None => vec![derive_extension(&mailbox, &plan)?],
        };
        let sip = check_sip_resource_identifier(&plan, request.sip_resource_identifier.as_deref())?;
        let pilot = request.pilot_number.as_deref().map(check_pilot_number).transpose()?;
        let recipient = match &request.notify_email {
            Some(address) => check_address("NotifyEmail", address)?,
            None => mailbox.primary_smtp_address.clone(),
        };
        let send_welcome_mail = request.send_welcome_mail.unwrap_or(SEND_WELCOME_MAIL);
        if !send_welcome_mail && request.pin.is_none() {
            return Err(Error::InvalidParameter {
                parameter: "SendWelcomeMail",
                rule: "a generated PIN reaches the user only in the welcome message: give -PIN with $false, or leave it $true."
                    .to_owned(),
            }
            .into());
        }
        let pin = match request.pin {
            Some(pin) => {
                check_new_pin(pin.expose_secret(), &policy.pin, &extensions, |_| false).map_err(Error::from)?;
                pin
            }
            None => generate_pin(&policy.pin, &extensions, |_| false)?,
        };
        for extension in &extensions {
            if tx.um_mailbox_by_extension(plan.guid, extension).await?.is_some() {
                return Err(Error::ExtensionInUse { extension: extension.clone(), dial_plan: plan.name }.into());
            }
        }
        let mut um = UmMailbox::enable(mailbox.guid, policy.guid, &plan, extensions, sip, pilot, now);
        if let Some(kept) = kept {
            um.operator_number = kept.operator_number;
            um.pinless_access_to_voice_mail_enabled = kept.pinless_access_to_voice_mail_enabled;
        }
        let view = UmMailboxView { mailbox, um, policy_name: policy.name.clone(), dial_plan_name: plan.name.clone() };
        if request.validate_only {
            return Ok(view);
        }
        tx.put_um_mailbox(&view.um).await.map_err(|e| um_conflict(e, &plan))?;
        let record = PinRecord {
            status: PinStatus::new_pin(
                pin_length(&pin),
                request.pin_expired.unwrap_or(umpin_domain::pin::EXPIRED_WHEN_SET),
                true,
                false,
                now,
            ),
            sealed_pin: self.vault.seal_new_pin(view.mailbox.guid, &pin).await?.into_bytes(),
            history: vec![self.vault.history_entry(view.mailbox.guid, &pin).into_bytes()],
            version: 0,
        };
        tx.put_pin(view.mailbox.guid, &record).await?;
        if !send_welcome_mail {
            return Ok(view);
        }
        let message = OutgoingMessage::welcome(
            &view.mailbox,
            &recipient,
            &view.um.extensions,
            view.um.pilot_number.as_deref(),
            pin.expose_secret(),
            &policy.um_enabled_text,
        );
        tx.enqueue_message(&self.outbox_message(&message, now)?).await?;
        Ok(view)
    }

    /// `Disable-UMMailbox`: releases the extensions and destroys the PIN data. With
    /// `keep_properties` (the default) the policy, the operator and pilot numbers and the PIN-less
    /// switch stay for a later re-enable; the SIP resource identifier is released like the
    /// extensions.
    pub async fn disable_um_mailbox(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
        keep_properties: bool,
    ) -> Result<Mailbox, ServiceError> {
        self.audited(by, operation, async |tx| {
            let mailbox = find_mailbox(tx, identity).await?;
            disable_um(tx, &mailbox, keep_properties).await?;
            Ok(mailbox)
        })
        .await
    }

    /// `Get-UMMailbox -Identity`.
    pub async fn get_um_mailbox(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<UmMailboxView, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        let mailbox = find_mailbox(&mut tx, identity).await?;
        let um = enabled_um_mailbox(&mut tx, &mailbox).await?;
        view(&mut tx, mailbox, um).await
    }

    /// `Get-UMMailbox` without identity: one page of UM-enabled mailboxes, optionally of one policy
    /// and matching `-Anr` (a prefix of the name, display name, alias or an address).
    pub async fn list_um_mailboxes(
        &self,
        by: &Principal,
        operation: Operation,
        policy: Option<&str>,
        anr: Option<&str>,
        after: Option<&str>,
        result_size: Option<u32>,
    ) -> Result<Page<UmMailboxView>, ServiceError> {
        self.authorize(by, &operation).await?;
        crate::mailboxes::check_listing(anr, after)?;
        let limit = page_size(result_size);
        let mut tx = self.db.begin_read().await?;
        let policy = match policy {
            Some(identity) => Some(find_policy(&mut tx, identity).await?.guid),
            None => None,
        };
        let filter = UmMailboxFilter { policy, anr: anr.map(str::to_owned), ..Default::default() };
        let mut rows = tx.list_um_mailboxes(&filter, after, limit + 1).await?;
        let rows = page(&mut rows, limit, |(m, _)| m.primary_smtp_address.to_lowercase());
        let mut items = Vec::with_capacity(rows.items.len());
        for (mailbox, um) in rows.items {
            items.push(view(&mut tx, mailbox, um).await?);
        }
        Ok(Page { items, next: rows.next })
    }

    /// `Set-UMMailbox`: a new policy must belong to the same dial plan; new extensions follow the
    /// rules of `Enable-UMMailbox` and may not belong to another mailbox of the dial plan.
    pub async fn set_um_mailbox(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
        changes: UmMailboxChanges,
    ) -> Result<UmMailboxView, ServiceError> {
        self.audited(by, operation, async |tx| {
            let mailbox = find_mailbox(tx, identity).await?;
            let mut um = enabled_um_mailbox(tx, &mailbox).await?;
            if let Some(identity) = &changes.policy {
                let policy = find_policy(tx, identity).await?;
                if policy.dial_plan != um.dial_plan {
                    let plan = tx.dial_plan(um.dial_plan).await?.map(|p| p.name).unwrap_or_default();
                    return Err(Error::PolicyInOtherDialPlan { policy: policy.name, dial_plan: plan }.into());
                }
                um.policy = policy.guid;
            }
            let plan = tx.dial_plan(um.dial_plan).await?.ok_or_else(|| Error::NotFound {
                kind: umpin_domain::ObjectKind::DialPlan,
                identity: um.dial_plan.to_string(),
            })?;
            if let Some(given) = &changes.extensions {
                um.extensions = check_extensions(given, &plan)?;
                for extension in &um.extensions {
                    let owner = tx.um_mailbox_by_extension(plan.guid, extension).await?;
                    if owner.is_some_and(|owner| owner != mailbox.guid) {
                        return Err(Error::ExtensionInUse { extension: extension.clone(), dial_plan: plan.name }.into());
                    }
                }
            }
            if let Some(n) = &changes.operator_number {
                um.operator_number = if n.trim().is_empty() { None } else { Some(check_operator_number(n)?) };
            }
            if let Some(n) = &changes.pilot_number {
                um.pilot_number = Some(check_pilot_number(n)?);
            }
            if let Some(enabled) = changes.pinless_access_to_voice_mail_enabled {
                um.pinless_access_to_voice_mail_enabled = enabled;
            }
            tx.put_um_mailbox(&um).await.map_err(|e| um_conflict(e, &plan))?;
            view(tx, mailbox, um).await
        })
        .await
    }
}

/// Disables UM of a mailbox: releases its extensions and SIP resource identifier and destroys
/// its PIN data and recorded name; with `keep_properties`, the policy, the operator and pilot
/// numbers and the PIN-less switch stay for a later re-enable.
pub(crate) async fn disable_um(tx: &mut Tx, mailbox: &Mailbox, keep_properties: bool) -> Result<(), ServiceError> {
    let um = enabled_um_mailbox(tx, mailbox).await?;
    tx.delete_pin(mailbox.guid).await?;
    tx.delete_recorded_name(mailbox.guid).await?;
    if keep_properties {
        let kept = UmMailbox {
            extensions: Vec::new(),
            sip_resource_identifier: None,
            um_enabled: false,
            when_um_enabled: None,
            ..um
        };
        tx.put_um_mailbox(&kept).await?;
    } else {
        tx.delete_um_mailbox(mailbox.guid).await?;
    }
    Ok(())
}

/// The UM settings of a mailbox, or the "isn't enabled for Unified Messaging" error.
pub(crate) async fn enabled_um_mailbox(tx: &mut Tx, mailbox: &Mailbox) -> Result<UmMailbox, ServiceError> {
    match tx.um_mailbox(mailbox.guid).await? {
        Some(um) if um.um_enabled => Ok(um),
        _ => Err(Error::NotUmEnabled { mailbox: mailbox.primary_smtp_address.clone() }.into()),
    }
}

pub(crate) async fn dial_plan_of(tx: &mut Tx, policy: &MailboxPolicy) -> Result<DialPlan, ServiceError> {
    tx.dial_plan(policy.dial_plan).await?.ok_or_else(|| {
        Error::NotFound { kind: umpin_domain::ObjectKind::DialPlan, identity: policy.dial_plan.to_string() }.into()
    })
}

pub(crate) async fn policy_of(tx: &mut Tx, um: &UmMailbox) -> Result<MailboxPolicy, ServiceError> {
    tx.policy(um.policy).await?.ok_or_else(|| {
        Error::NotFound { kind: umpin_domain::ObjectKind::MailboxPolicy, identity: um.policy.to_string() }.into()
    })
}

async fn view(tx: &mut Tx, mailbox: Mailbox, um: UmMailbox) -> Result<UmMailboxView, ServiceError> {
    let policy = policy_of(tx, &um).await?;
    let plan = dial_plan_of(tx, &policy).await?;
    Ok(UmMailboxView { mailbox, um, policy_name: policy.name, dial_plan_name: plan.name })
}

fn um_conflict(e: StoreError, plan: &DialPlan) -> ServiceError {
    match e {
        StoreError::Conflict { what: Unique::Extension(extension) } => {
            Error::ExtensionInUse { extension, dial_plan: plan.name.clone() }.into()
        }
        StoreError::Conflict { what: Unique::SipResourceIdentifier(value) } => {
            Error::SipResourceIdentifierInUse { value, dial_plan: plan.name.clone() }.into()
        }
        other => other.into(),
    }
}

/// The length of a checked PIN (at most 24 digits).
pub(crate) fn pin_length(pin: &Pin) -> u8 {
    u8::try_from(pin.expose_secret().len()).unwrap_or(u8::MAX)
}
