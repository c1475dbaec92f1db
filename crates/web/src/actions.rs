//! Every call of the admin center that changes something, one small function each, so that the
//! pages state what they do in the service's terms and the calls can move together to another
//! entry point. Each is the same call the HTTP API makes for the same action.

use umpin_domain::Mailbox;
use umpin_service::{EnableUmMailbox, PinReset, Principal, Service, ServiceError, UmMailboxPin, UmMailboxView};

/// Unlock: lifts the lockout and clears the failure count; the PIN stays
/// (`Set-UMMailboxPIN -LockedOut $false`, as `POST …/um/pin/unlock`).
pub async fn unlock(service: &Service, by: &Principal, identity: &str) -> Result<UmMailboxPin, ServiceError> {
    let request = PinReset { locked_out: Some(false), ..PinReset::default() };
    service.set_um_mailbox_pin(by, identity, request).await
}

/// Reset PIN: to `pin`, or to a generated one when `None`, e-mailed to the user's primary
/// address; `pin_expired` makes the user choose a new one at the next sign-in
/// (`Set-UMMailboxPIN -Pin -PINExpired`, as `POST …/um/pin/reset`).
pub async fn reset_pin(
    service: &Service,
    by: &Principal,
    identity: &str,
    pin: Option<secrecy::SecretString>,
    pin_expired: bool,
) -> Result<UmMailboxPin, ServiceError> {
    let request =
        PinReset { pin, pin_expired: Some(pin_expired), locked_out: None, notify_email: None, send_email: None };
    service.set_um_mailbox_pin(by, identity, request).await
}

/// Disable: the mailbox is no longer UM-enabled; its extensions are released and its PIN data
/// destroyed, its other UM settings kept for a later enable (`Disable-UMMailbox`, as
/// `DELETE …/um`).
pub async fn disable_um(service: &Service, by: &Principal, identity: &str) -> Result<Mailbox, ServiceError> {
    service.disable_um_mailbox(by, identity, true).await
}

/// Enable: the mailbox becomes UM-enabled under `policy` with `extension` (derived from its phone
/// number when `None`), the SIP address or E.164 number when its dial plan needs one, and `pin`
/// or a generated one, e-mailed in the welcome message (`Enable-UMMailbox`, as `POST …/um`).
pub async fn enable_um(
    service: &Service,
    by: &Principal,
    identity: &str,
    enable: EnableUm,
) -> Result<UmMailboxView, ServiceError> {
    let request = EnableUmMailbox {
        policy: enable.policy,
        extensions: enable.extension.map(|e| vec![e]),
        pin: enable.pin,
        pin_expired: Some(enable.pin_expired),
        sip_resource_identifier: enable.sip_resource_identifier,
        ..EnableUmMailbox::default()
    };
    service.enable_um_mailbox(by, identity, request).await
}

/// What the enable page's form gives [`enable_um`].
pub struct EnableUm {
    pub policy: String,
    pub extension: Option<String>,
    pub sip_resource_identifier: Option<String>,
    pub pin: Option<secrecy::SecretString>,
    pub pin_expired: bool,
}
