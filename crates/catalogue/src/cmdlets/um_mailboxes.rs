//! `Enable-`, `Disable-`, `Get-` and `Set-UMMailbox`.

use umpin_domain::LimitValue;
use umpin_domain::Mailbox;
use umpin_domain::um_mailbox::{KEEP_PROPERTIES, SEND_WELCOME_MAIL};
use umpin_service::{Page, Principal, Service, ServiceError, UmMailboxChanges, UmMailboxView};

use super::{ANR, IDENTITY_MAILBOX, NOTIFY_EMAIL, PIN_EXPIRED, RESULT_SIZE, one, page_of, paged};
use crate::binding::{Batch, PageRequest};
use crate::declare::{Default, Parameter, Secret, Switch, cmdlet};
use crate::views;

cmdlet! {
    /// `Enable-UMMailbox`.
    EnableUmMailbox = "Enable-UMMailbox" {
        synopsis: "Enables a mailbox for Unified Messaging, gives it extensions and a PIN, and sends the welcome message.",
        changes_state: true,
        object: identity,
        examples: [(
            "Enable-UMMailbox -Identity tony@contoso.com -UMMailboxPolicy MyUMMailboxPolicy -Extensions 51234 -PIN 5643892 -NotifyEmail administrator@contoso.com -PINExpired $true",
            "Enables tony@contoso.com on extension 51234 with PIN 5643892, to be changed at the first sign-in; the welcome message goes to the administrator.",
        )],
        parameters: {
            identity: String = IDENTITY_MAILBOX,
            um_mailbox_policy: String =
                Parameter::named("UMMailboxPolicy", "The UM mailbox policy (and so the dial plan)."),
            extensions: Option<Vec<String>> = Parameter::named(
                "Extensions",
                "The extensions, the first one primary; without it, derived from the mailbox's phone number.",
            ),
            pin: Option<Secret> = Parameter::named("PIN", "The PIN; without it, one is generated."),
            pin_expired: Option<bool> = PIN_EXPIRED,
            notify_email: Option<String> = NOTIFY_EMAIL,
            sip_resource_identifier: Option<String> = Parameter::named(
                "SIPResourceIdentifier",
                "The SIP address or E.164 number, required in SipName and E164 dial plans.",
            ),
            pilot_number: Option<String> = Parameter::named("PilotNumber", "The voice access number.")
                .default(Default::Text("the dial plan's first access number")),
            send_welcome_mail: Option<bool> = Parameter::named(
                "SendWelcomeMail",
                "Whether to e-mail the welcome message with the PIN; $false needs -PIN, since a generated PIN reaches the user only in it.",
            )
            .default(Default::Bool(SEND_WELCOME_MAIL)),
            validate_only: Switch = Parameter::named("ValidateOnly", "Checks everything and changes nothing."),
        },
    }
}

impl EnableUmMailbox {
    /// Runs it; the UM mailbox (as it would be, with `-ValidateOnly`).
    pub async fn call(self, s: &Service, by: &Principal) -> Result<UmMailboxView, ServiceError> {
        let operation = self.operation();
        let request = umpin_service::EnableUmMailbox {
            policy: self.um_mailbox_policy,
            extensions: self.extensions,
            pin: self.pin.map(|p| p.0),
            pin_expired: self.pin_expired,
            notify_email: self.notify_email,
            sip_resource_identifier: self.sip_resource_identifier,
            pilot_number: self.pilot_number,
            send_welcome_mail: self.send_welcome_mail,
            validate_only: self.validate_only.0,
        };
        s.enable_um_mailbox(by, operation, &self.identity, request).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        Ok(one(views::um_mailbox(&self.call(s, by).await?)))
    }
}

cmdlet! {
    /// `Disable-UMMailbox`.
    DisableUmMailbox = "Disable-UMMailbox" {
        synopsis: "Disables a mailbox for Unified Messaging: releases its extensions and destroys its PIN data.",
        changes_state: true,
        object: identity,
        examples: [("Disable-UMMailbox tony@contoso.com", "Disables tony@contoso.com for Unified Messaging.")],
        parameters: {
            identity: String = IDENTITY_MAILBOX,
            keep_properties: Option<bool> =
                Parameter::named("KeepProperties", "Whether to keep the other UM settings for a later re-enable.")
                    .default(Default::Bool(KEEP_PROPERTIES)),
        },
    }
}

impl DisableUmMailbox {
    /// Runs it; the mailbox, no longer UM-enabled.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Mailbox, ServiceError> {
        let operation = self.operation();
        s.disable_um_mailbox(by, operation, &self.identity, self.keep_properties.unwrap_or(KEEP_PROPERTIES)).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}

cmdlet! {
    /// `Get-UMMailbox`.
    GetUmMailbox = "Get-UMMailbox" {
        synopsis: "Shows UM-enabled mailboxes.",
        changes_state: false,
        object: identity,
        examples: [("Get-UMMailbox tony | Format-List", "Shows every UM setting of tony.")],
        parameters: {
            identity: Option<String> = IDENTITY_MAILBOX,
            um_mailbox_policy: Option<String> =
                Parameter::named("UMMailboxPolicy", "Only the mailboxes of this policy."),
            result_size: Option<LimitValue> = RESULT_SIZE,
            anr: Option<String> = ANR,
        },
    }
}

impl GetUmMailbox {
    /// Runs it; the UM mailbox named, or the page of `size` UM mailboxes that follows the cursor
    /// `after`.
    pub async fn call(
        self,
        s: &Service,
        by: &Principal,
        after: Option<&str>,
        size: Option<u32>,
    ) -> Result<Page<UmMailboxView>, ServiceError> {
        let operation = self.operation();
        if let Some(id) = self.identity {
            return Ok(Page { items: vec![s.get_um_mailbox(by, operation, &id).await?], next: None });
        }
        s.list_um_mailboxes(by, operation, self.um_mailbox_policy.as_deref(), self.anr.as_deref(), after, size).await
    }

    pub async fn run(self, s: &Service, by: &Principal, page: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let (after, size) = page_of(page);
        Ok(paged(self.call(s, by, after, size).await?, views::um_mailbox))
    }
}

cmdlet! {
    /// `Set-UMMailbox`.
    SetUmMailbox = "Set-UMMailbox" {
        synopsis: "Changes the UM settings of a mailbox.",
        changes_state: true,
        object: identity,
        examples: [
            ("Set-UMMailbox tony -OperatorNumber 4000", "Sets tony's personal operator to extension 4000."),
            ("Set-UMMailbox tony -Extensions 51234,51299", "Gives tony a second extension, 51299."),
        ],
        parameters: {
            identity: String = IDENTITY_MAILBOX,
            um_mailbox_policy: Option<String> =
                Parameter::named("UMMailboxPolicy", "Another policy of the same dial plan."),
            extensions: Option<Vec<String>> = Parameter::named(
                "Extensions",
                "Every extension of the mailbox in its dial plan, the first primary; replaces the list.",
            ),
            operator_number: Option<String> = Parameter::named(
                "OperatorNumber",
                "The personal operator's number: 1 to 20 digits; $null or '' clears it.",
            ),
            pilot_number: Option<String> = Parameter::named("PilotNumber", "The voice access number."),
            pinless_access_to_voice_mail_enabled: Option<bool> = Parameter::named(
                "PinlessAccessToVoiceMailEnabled",
                "Whether the user hears voice mail without a PIN from their own phone, where the policy allows it; caller ID can be forged.",
            )
            .default(Default::Bool(false)),
        },
    }
}

impl SetUmMailbox {
    /// Runs it; the UM mailbox after the change.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<UmMailboxView, ServiceError> {
        let operation = self.operation();
        let changes = UmMailboxChanges {
            policy: self.um_mailbox_policy,
            extensions: self.extensions,
            operator_number: self.operator_number,
            pilot_number: self.pilot_number,
            pinless_access_to_voice_mail_enabled: self.pinless_access_to_voice_mail_enabled,
        };
        s.set_um_mailbox(by, operation, &self.identity, changes).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let warnings = self.warnings();
        self.call(s, by).await?;
        Ok(Batch { warnings, ..Batch::default() })
    }

    /// What the change warns of: switching PIN-less voice mail on trusts caller ID.
    pub fn warnings(&self) -> Vec<String> {
        super::pinless_warnings(self.pinless_access_to_voice_mail_enabled)
    }
}
