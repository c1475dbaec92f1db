//! `Get-UMMailboxPIN` and `Set-UMMailboxPIN`.

use umpin_domain::pin::SEND_EMAIL;
use umpin_domain::{AuditValue, LimitValue};
use umpin_service::{Operation, Page, PinFilter, PinReset, Principal, Service, ServiceError, UmMailboxPin};

use super::{IDENTITY_MAILBOX, NOTIFY_EMAIL, PIN_EXPIRED, RESULT_SIZE, page_of, paged};
use crate::binding::{Batch, PageRequest};
use crate::declare::{Default, Parameter, Secret, Switch, cmdlet};
use crate::views;

cmdlet! {
    /// `Get-UMMailboxPIN`.
    GetUmMailboxPin = "Get-UMMailboxPIN" {
        synopsis: "Shows the PIN status of UM-enabled mailboxes: expired, locked out, first-time user.",
        changes_state: false,
        object: identity,
        examples: [
            ("Get-UMMailboxPIN -Identity tony@contoso.com", "Shows whether tony's PIN is expired or locked out."),
            ("Get-UMMailboxPIN | Where-Object LockedOut", "Shows every locked-out UM mailbox."),
        ],
        parameters: {
            identity: Option<String> = IDENTITY_MAILBOX,
            result_size: Option<LimitValue> = RESULT_SIZE,
            ignore_errors: Switch =
                Parameter::named("IgnoreErrors", "Warns instead of failing on a mailbox that isn't UM-enabled."),
        },
    }
}

impl GetUmMailboxPin {
    /// `Get-UMMailboxPIN` as the audit log records a page of a filtered listing (the API's, the
    /// PIN report's, its CSV download): the filters as parameters, named as the PIN status and
    /// the other cmdlets name them.
    pub fn listing(filter: &PinFilter) -> Operation {
        let mut operation = GetUmMailboxPin::default().operation();
        for (name, value) in [
            ("LockedOut", filter.locked_out),
            ("PINExpired", filter.pin_expired),
            ("FirstTimeUser", filter.first_time_user),
        ] {
            if let Some(value) = value {
                operation = operation.parameter(name, AuditValue::Bool(value));
            }
        }
        for (name, value) in [("UMDialPlan", &filter.dial_plan), ("UMMailboxPolicy", &filter.policy)] {
            if let Some(value) = value {
                operation = operation.parameter(name, AuditValue::Text(value.clone()));
            }
        }
        if let Some(days) = filter.expires_within_days {
            operation = operation.parameter("ExpiresWithinDays", AuditValue::Number(i64::from(days)));
        }
        operation
    }

    /// Runs it; the PIN status of the UM mailbox named, or the page of `size` PIN statuses that
    /// follows the cursor `after`.
    pub async fn call(
        self,
        s: &Service,
        by: &Principal,
        after: Option<&str>,
        size: Option<u32>,
    ) -> Result<Page<UmMailboxPin>, ServiceError> {
        let operation = self.operation();
        if let Some(id) = self.identity {
            return Ok(Page { items: vec![s.get_um_mailbox_pin(by, operation, &id).await?], next: None });
        }
        s.list_um_mailbox_pins(by, operation, &PinFilter::default(), after, size).await
    }

    pub async fn run(self, s: &Service, by: &Principal, page: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let ignore_errors = self.ignore_errors.0;
        let (after, size) = page_of(page);
        match self.call(s, by, after, size).await {
            Ok(page) => Ok(paged(page, views::um_mailbox_pin)),
            Err(ServiceError::Rule(e @ umpin_domain::Error::NotUmEnabled { .. })) if ignore_errors => {
                Ok(Batch { warnings: vec![e.to_string()], ..Batch::default() })
            }
            Err(e) => Err(e),
        }
    }
}

cmdlet! {
    /// `Set-UMMailboxPIN`.
    SetUmMailboxPin = "Set-UMMailboxPIN" {
        synopsis: "Resets a UM mailbox's PIN, or locks or unlocks it.",
        changes_state: true,
        object: identity,
        examples: [
            (
                "Set-UMMailboxPIN -Identity tony@contoso.com -PIN 1985848 -PinExpired $true",
                "Resets tony's PIN to 1985848, to be changed at the next sign-in.",
            ),
            (
                "Get-UMMailboxPIN | Where-Object {$_.LockedOut -eq $true} | Set-UMMailboxPIN -LockedOut $false",
                "Unlocks every locked-out UM mailbox.",
            ),
        ],
        parameters: {
            identity: String = IDENTITY_MAILBOX,
            pin: Option<Secret> =
                Parameter::named("Pin", "The new PIN; without it (and without -LockedOut), one is generated."),
            pin_expired: Option<bool> = PIN_EXPIRED,
            locked_out: Option<bool> = Parameter::named(
                "LockedOut",
                "$false unlocks (the PIN stays), $true locks; with -Pin, the state after the reset.",
            )
            .in_path(),
            notify_email: Option<String> = NOTIFY_EMAIL,
            send_email: Option<bool> =
                Parameter::named("SendEmail", "Whether to e-mail the new PIN.").default(Default::Bool(SEND_EMAIL)),
        },
    }
}

impl SetUmMailboxPin {
    /// Runs it; the PIN status after it.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<UmMailboxPin, ServiceError> {
        let operation = self.operation();
        let request = PinReset {
            pin: self.pin.map(|p| p.0),
            pin_expired: self.pin_expired,
            locked_out: self.locked_out,
            notify_email: self.notify_email,
            send_email: self.send_email,
        };
        s.set_um_mailbox_pin(by, operation, &self.identity, request).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}
