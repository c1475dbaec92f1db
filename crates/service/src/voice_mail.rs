//! The users' own Voice Mail page (SPEC §4.2, Exchange's MyVoiceMail role): a user signs in with
//! their directory account and password, sees the status of their own PIN, and resets it.
//!
//! The password is checked by the directory (an LDAP bind as the user, through the
//! [`DirectorySource`](crate::DirectorySource)) and never kept. Failed sign-ins are throttled as a
//! management account's are, counted against the directory user however they named themselves
//! and against the source address. A session belongs to one mailbox, the one the directory sync
//! made for the user, in a table of its own: it grants nothing else, and no role group.
//!
//! A reset is `Set-UMMailboxPIN` on the user's own mailbox, recorded in the admin audit log as
//! run by the user (their primary address) from their address: a generated PIN is e-mailed and
//! must be changed at the next sign-in by phone; a PIN the user types must pass the policy and
//! is not expired. Either lifts a lockout.

use jiff::SignedDuration;
use secrecy::SecretString;
use umpin_crypto::{Pin, token_digest};
use umpin_domain::{Mailbox, PinPolicy};
use umpin_store::Sessions;

use crate::access::Operation;
use crate::accounts::clear_failures;
use crate::pins::{PinReset, UmMailboxPin};
use crate::{Principal, Service, ServiceError};

/// A user signed in to the Voice Mail page, for their own mailbox.
#[derive(Clone, Debug)]
pub struct VoiceMailUser {
    pub mailbox: Mailbox,
    /// The address the user signs in from.
    pub source: String,
}

impl VoiceMailUser {
    /// The user as the audit log names them: by primary address, with no role group.
    fn principal(&self) -> Principal {
        Principal {
            account: self.mailbox.primary_smtp_address.clone(),
            role_groups: Vec::new(),
            source: self.source.clone(),
        }
    }
}

/// A Voice Mail session just started: its id goes to the browser once and is never stored.
#[derive(Debug)]
pub struct VoiceMailSession {
    pub id: SecretString,
    pub user: VoiceMailUser,
}

fn no_directory() -> ServiceError {
    ServiceError::Directory(
        "Voice Mail sign-in needs the organisation's directory, and none is configured: add the [directory] table to the configuration and restart umpin."
            .to_owned(),
    )
}

impl Service {
    /// Signs a user in to the Voice Mail page with their directory account (account name,
    /// address or user principal name) and password, for a new session that ends when unused
    /// for `idle`, after [`WEB_SESSION_LIFETIME`](crate::WEB_SESSION_LIFETIME) at most, or when its mailbox is removed.
    ///
    /// A wrong name or password gets one answer ([`ServiceError::NotAuthenticated`]); a
    /// throttled user or source is told how long to wait; a right password of a user without a
    /// mailbox is [`ServiceError::NoMailbox`].
    pub async fn start_voice_mail_session(
        &self,
        login: &str,
        password: &SecretString,
        source: &str,
        idle: SignedDuration,
    ) -> Result<VoiceMailSession, ServiceError> {
        let directory = self.directory.clone().ok_or_else(no_directory)?;
        let (user, subjects) = self.check_directory_password(directory.as_ref(), login, password, source).await?;
        let mut tx = self.db.begin().await?;
        clear_failures(&mut tx, &subjects).await?;
        let mailbox = match &user.id {
            Some(id) => tx.mailbox_of_directory_user(id).await?,
            None => None,
        };
        let Some(mailbox) = mailbox else {
            tx.commit().await?;
            tracing::warn!(%source, dn = %user.dn, "a directory user without a mailbox signed in to Voice Mail");
            return Err(ServiceError::NoMailbox);
        };
        let id = self.new_session(&mut tx, Sessions::VoiceMail, mailbox.guid, idle).await?;
        tx.commit().await?;
        tracing::info!(user = %mailbox.primary_smtp_address, %source, "a user signed in to Voice Mail");
        Ok(VoiceMailSession { id, user: VoiceMailUser { mailbox, source: source.to_owned() } })
    }

    /// The user of a Voice Mail session that has not ended, whose idle time starts again now;
    /// [`ServiceError::NotAuthenticated`] when the session is unknown, idle or expired.
    pub async fn use_voice_mail_session(
        &self,
        id: &str,
        source: &str,
        idle: SignedDuration,
    ) -> Result<VoiceMailUser, ServiceError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mailbox = tx.use_voice_mail_session(&token_digest(id), now, now + idle).await?;
        tx.commit().await?;
        match mailbox {
            Some(mailbox) => Ok(VoiceMailUser { mailbox, source: source.to_owned() }),
            None => Err(ServiceError::NotAuthenticated),
        }
    }

    /// Ends a Voice Mail session (sign-out); nothing happens when it had ended already.
    pub async fn end_voice_mail_session(&self, id: &str) -> Result<(), ServiceError> {
        let mut tx = self.db.begin().await?;
        let ended = tx.delete_session(Sessions::VoiceMail, &token_digest(id)).await?;
        tx.commit().await?;
        if ended {
            tracing::info!("a Voice Mail session was signed out");
        }
        Ok(())
    }

    /// The status of the user's own PIN, with the PIN settings of their policy (what a PIN
    /// they choose must be); `None` when their mailbox isn't UM-enabled.
    pub async fn own_pin_status(
        &self,
        user: &VoiceMailUser,
    ) -> Result<Option<(UmMailboxPin, PinPolicy)>, ServiceError> {
        let mut tx = self.db.begin_read().await?;
        let status = tx.pin_status_of(user.mailbox.guid).await?;
        Ok(status.map(|(status, policy)| (UmMailboxPin::derive(&user.mailbox, &status, &policy, self.now()), policy)))
    }

    /// Resets the user's own PIN: to `pin`, which must pass the policy and is not expired, or,
    /// when `None`, to a generated one that is e-mailed to the user and must be changed at the
    /// next sign-in by phone. Either lifts a lockout. `operation` is the `Set-UMMailboxPIN` of
    /// the user's own mailbox with these values, as the audit log records it.
    pub async fn reset_own_pin(
        &self,
        user: &VoiceMailUser,
        operation: Operation,
        pin: Option<Pin>,
    ) -> Result<UmMailboxPin, ServiceError> {
        let generated = pin.is_none();
        let request = PinReset {
            pin,
            pin_expired: Some(generated),
            locked_out: None,
            notify_email: None,
            send_email: Some(generated),
        };
        let identity = user.mailbox.guid.to_string();
        self.recorded(&user.principal(), operation, async |tx| self.set_pin_in(tx, &identity, request).await).await
    }
}
