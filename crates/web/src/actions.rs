//! Every call of the admin center that changes something, one small function each: the page's
//! form becomes the catalogue's typed cmdlet, run as the shell and the cmdlet endpoint run it,
//! so a page, a shell line and a REST call are checked and audited alike.

use umpin_catalogue::Batch;
use umpin_catalogue::cmdlets::{DisableUmMailbox, EnableUmMailbox, SetUmMailbox, SetUmMailboxPin};
use umpin_catalogue::declare::Secret;
use umpin_service::{Principal, Service, ServiceError};

/// Unlock: lifts the lockout and clears the failure count; the PIN stays
/// (`Set-UMMailboxPIN -LockedOut $false`).
pub async fn unlock(service: &Service, by: &Principal, identity: &str) -> Result<Batch, ServiceError> {
    let cmdlet = SetUmMailboxPin {
        identity: identity.to_owned(),
        pin: None,
        pin_expired: None,
        locked_out: Some(false),
        notify_email: None,
        send_email: None,
    };
    cmdlet.run(service, by, None).await
}

/// Reset PIN: to `pin`, or to a generated one when `None`, e-mailed to the user's primary
/// address; `pin_expired` makes the user choose a new one at the next sign-in
/// (`Set-UMMailboxPIN -Pin -PINExpired`).
pub async fn reset_pin(
    service: &Service,
    by: &Principal,
    identity: &str,
    pin: Option<secrecy::SecretString>,
    pin_expired: bool,
) -> Result<Batch, ServiceError> {
    let cmdlet = SetUmMailboxPin {
        identity: identity.to_owned(),
        pin: pin.map(Secret),
        pin_expired: Some(pin_expired),
        locked_out: None,
        notify_email: None,
        send_email: None,
    };
    cmdlet.run(service, by, None).await
}

/// Disable: the mailbox is no longer UM-enabled; its extensions are released and its PIN data
/// destroyed, its other UM settings kept for a later enable (`Disable-UMMailbox`).
pub async fn disable_um(service: &Service, by: &Principal, identity: &str) -> Result<Batch, ServiceError> {
    DisableUmMailbox { identity: identity.to_owned(), keep_properties: None }.run(service, by, None).await
}

/// Enable: the mailbox becomes UM-enabled under `policy` with `extension` (derived from its phone
/// number when `None`), the SIP address or E.164 number when its dial plan needs one, and `pin`
/// or a generated one, e-mailed in the welcome message (`Enable-UMMailbox`).
pub async fn enable_um(
    service: &Service,
    by: &Principal,
    identity: &str,
    enable: EnableUm,
) -> Result<Batch, ServiceError> {
    let cmdlet = EnableUmMailbox {
        identity: identity.to_owned(),
        um_mailbox_policy: enable.policy,
        extensions: enable.extension.map(|e| vec![e]),
        pin: enable.pin.map(Secret),
        pin_expired: Some(enable.pin_expired),
        sip_resource_identifier: enable.sip_resource_identifier,
        ..Default::default()
    };
    cmdlet.run(service, by, None).await
}

/// What the enable page's form gives [`enable_um`].
pub struct EnableUm {
    pub policy: String,
    pub extension: Option<String>,
    pub sip_resource_identifier: Option<String>,
    pub pin: Option<secrecy::SecretString>,
    pub pin_expired: bool,
}

/// What the UM Mailbox page changes: another policy of the dial plan, the personal operator
/// extension (empty clears it), the whole list of extensions; `None` leaves a setting as it is.
#[derive(Default)]
pub struct UmSettings {
    pub policy: Option<String>,
    pub operator_number: Option<String>,
    pub extensions: Option<Vec<String>>,
    /// `PinlessAccessToVoiceMailEnabled`.
    pub pinless: Option<bool>,
}

/// Changes the UM settings of a mailbox (`Set-UMMailbox`).
pub async fn set_um_mailbox(
    service: &Service,
    by: &Principal,
    identity: &str,
    change: UmSettings,
) -> Result<Batch, ServiceError> {
    let cmdlet = SetUmMailbox {
        identity: identity.to_owned(),
        um_mailbox_policy: change.policy,
        extensions: change.extensions,
        operator_number: change.operator_number,
        pilot_number: None,
        pinless_access_to_voice_mail_enabled: change.pinless,
    };
    cmdlet.run(service, by, None).await
}
