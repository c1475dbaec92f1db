//! The e-mail messages umpin sends (SPEC §6): welcome, PIN reset and lockout notice, and the alert
//! to the security address that a source spraying PINs was blocked (SPEC §3.3a).
//!
//! A message is composed here and written to the outbox, sealed, in the transaction of the
//! operation that caused it; delivery is the outbox worker's.

use umpin_domain::{Guid, Mailbox, Timestamp};
use umpin_store::OutboxMessage;

use crate::{Service, ServiceError};

pub use umpin_store::MessageKind;

/// A message before sealing: recipient, subject and plain-text body (which may hold a PIN).
pub struct OutgoingMessage {
    pub kind: MessageKind,
    pub recipient: String,
    pub subject: String,
    pub body: zeroize::Zeroizing<String>,
}

impl OutgoingMessage {
    /// The welcome message of `Enable-UMMailbox`, with the PIN and the policy's `UMEnabledText`.
    pub fn welcome(
        mailbox: &Mailbox,
        recipient: &str,
        extensions: &[String],
        pilot_number: Option<&str>,
        pin: &str,
        extra_text: &str,
    ) -> Self {
        let mut body = format!(
            "Hello {},\n\nYou have been enabled for Unified Messaging: you can now reach your voice mail by phone.\n\n\
             Your extension: {}\n",
            mailbox.display_name,
            extensions.join(", ")
        );
        if let Some(pilot) = pilot_number {
            body.push_str(&format!("Voice access number: {pilot}\n"));
        }
        body.push_str(&format!(
            "Your PIN: {pin}\n\nYou will be asked to choose a new PIN the first time you sign in.\n"
        ));
        push_extra(&mut body, extra_text);
        OutgoingMessage {
            kind: MessageKind::Welcome,
            recipient: recipient.to_owned(),
            subject: "Welcome to Unified Messaging".to_owned(),
            body: body.into(),
        }
    }

    /// The PIN reset message, after an administrator's or an automatic reset, with `ResetPINText`.
    pub fn pin_reset(mailbox: &Mailbox, recipient: &str, pin: &str, must_change: bool, extra_text: &str) -> Self {
        let mut body =
            format!("Hello {},\n\nYour voice mail PIN has been reset.\n\nYour new PIN: {pin}\n", mailbox.display_name);
        if must_change {
            body.push_str("\nYou will be asked to choose a new PIN the next time you sign in.\n");
        }
        push_extra(&mut body, extra_text);
        OutgoingMessage {
            kind: MessageKind::PinReset,
            recipient: recipient.to_owned(),
            subject: "Your voice mail PIN has been reset".to_owned(),
            body: body.into(),
        }
    }

    /// The lockout notice: no PIN in it.
    pub fn lockout(mailbox: &Mailbox) -> Self {
        let body = format!(
            "Hello {},\n\nYour voice mail has been locked because of too many failed sign-ins by phone.\n\
             Ask your administrator or help desk to unlock it or reset your PIN.\n",
            mailbox.display_name
        );
        OutgoingMessage {
            kind: MessageKind::Lockout,
            recipient: mailbox.primary_smtp_address.clone(),
            subject: "Your voice mail has been locked".to_owned(),
            body: body.into(),
        }
    }

    /// The alert to the security address that voice sign-ins from `source` are refused until
    /// `until`, after its failures reached `mailboxes` distinct mailboxes within `window`. No PIN
    /// is in it (none is known here).
    pub fn spray_alert(
        recipient: &str,
        source: &str,
        mailboxes: u32,
        window: jiff::SignedDuration,
        until: Timestamp,
    ) -> Self {
        let body = format!(
            "Voice sign-ins from {source} are refused until {until}.\n\n\
             Within {minutes} minutes, this source failed to sign in to {mailboxes} different mailboxes \
             (unknown extensions included): someone may be trying common PINs on many extensions.\n\
             Until the block ends, its sign-ins are answered as wrong PINs and no PIN is checked.\n\n\
             To see the blocks in force: Get-UMSprayBlock\n\
             To lift this one sooner: Clear-UMSprayBlock {source}\n",
            minutes = window.as_mins(),
            until = until.strftime("%Y-%m-%d %H:%M:%S UTC"),
        );
        OutgoingMessage {
            kind: MessageKind::SprayAlert,
            recipient: recipient.to_owned(),
            subject: format!("Voice sign-ins from {source} are blocked"),
            body: body.into(),
        }
    }

    /// The plaintext that is sealed: a subject line, a blank line, the body.
    fn plaintext(&self) -> zeroize::Zeroizing<Vec<u8>> {
        format!("Subject: {}\n\n{}", self.subject, self.body.as_str()).into_bytes().into()
    }
}

fn push_extra(body: &mut String, extra_text: &str) {
    if !extra_text.trim().is_empty() {
        body.push('\n');
        body.push_str(extra_text.trim());
        body.push('\n');
    }
}

impl Service {
    /// The outbox row for a message: sealed with the outbox key and bound to its id.
    pub(crate) fn outbox_message(
        &self,
        message: &OutgoingMessage,
        now: Timestamp,
    ) -> Result<OutboxMessage, ServiceError> {
        let id = Guid::new_v4();
        Ok(OutboxMessage {
            id,
            kind: message.kind,
            recipient: message.recipient.clone(),
            sealed_body: self.vault.seal_message(id, &message.plaintext())?,
            created_at: now,
        })
    }

    /// Opens a queued message's body (for delivery and for tests).
    pub fn open_message(&self, message: &OutboxMessage) -> Result<zeroize::Zeroizing<Vec<u8>>, ServiceError> {
        Ok(self.vault.open_message(message.id, &message.sealed_body)?)
    }
}
