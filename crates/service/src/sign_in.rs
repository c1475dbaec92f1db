//! Voice-access sign-in (SPEC §3.2) and a signed-in caller's new PIN; calls, which use these, are
//! in `voice`.
//!
//! A sign-in first reserves the attempt with one atomic statement (the failure is counted, and the
//! lockout set when it reaches `MaxLogonAttempts`, before the PIN is evaluated), so that however
//! many attempts run at once on however many nodes, no more than `MaxLogonAttempts` wrong PINs are
//! ever evaluated. A right PIN then takes the count back to 0, provided nothing changed the PIN
//! data in between (the record's version).

use secrecy::ExposeSecret;
use umpin_crypto::{CryptoError, Pin, SealedPin, Verification};
use umpin_domain::roles::VOICE_ACCESS;
use umpin_domain::{Error, FailureConsequence, Guid, MailboxPolicy, PinStatus, failure_consequence};
use umpin_store::Tx;

use crate::access::Operation;
use crate::mailboxes::find_dial_plan;
use crate::messages::OutgoingMessage;
use crate::pins::pin_record;
use crate::um_mailboxes::{enabled_um_mailbox, policy_of};
use crate::{Principal, Service, ServiceError};

/// What a caller hears after entering a PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInOutcome {
    /// Signed in. With `pin_expired` the caller must choose a new PIN first; with
    /// `first_time_user` the caller goes through first-time setup.
    SignedIn { mailbox: Guid, pin_expired: bool, first_time_user: bool },
    /// The PIN was wrong (or the extension unknown: the same answer, so extensions can't be
    /// enumerated). The PIN was evaluated and the failure counted.
    WrongPin,
    /// The mailbox is locked out: refused without evaluating the PIN and without counting.
    LockedOut,
}

/// The mailbox a sign-in is for, with its policy; `None` when the extension is unknown or not
/// UM-enabled (which the caller must not be able to tell from a wrong PIN).
pub(crate) type SignInTarget = Option<(Guid, MailboxPolicy)>;

impl Service {
    /// Signs a caller in by dial plan, extension and PIN: one attempt, outside any call.
    pub async fn sign_in(
        &self,
        by: &Principal,
        dial_plan: &str,
        extension: &str,
        pin: &Pin,
    ) -> Result<SignInOutcome, ServiceError> {
        self.authorize(by, &Operation::new(VOICE_ACCESS, "")).await?;
        let target = {
            let mut tx = self.db.begin_read().await?;
            match find_dial_plan(&mut tx, dial_plan).await {
                Ok(plan) => sign_in_target(&mut tx, plan.guid, extension).await?,
                Err(ServiceError::Rule(Error::NotFound { .. })) => None,
                Err(e) => return Err(e),
            }
        };
        Ok(self.attempt_sign_in(target, pin).await?.0)
    }

    /// One sign-in attempt with `pin` on `target`, counted in the metrics; with the version of
    /// the PIN data it signed in with, when it did.
    pub(crate) async fn attempt_sign_in(
        &self,
        target: SignInTarget,
        pin: &Pin,
    ) -> Result<(SignInOutcome, Option<i64>), ServiceError> {
        let (outcome, pin_version) = self.evaluate_sign_in(target, pin).await?;
        let label = match outcome {
            SignInOutcome::SignedIn { .. } => "signed_in",
            SignInOutcome::WrongPin => "wrong_pin",
            SignInOutcome::LockedOut => "locked_out",
        };
        metrics::counter!("umpin_sign_ins_total", "outcome" => label).increment(1);
        Ok((outcome, pin_version))
    }

    async fn evaluate_sign_in(
        &self,
        target: SignInTarget,
        pin: &Pin,
    ) -> Result<(SignInOutcome, Option<i64>), ServiceError> {
        let Some((mailbox, policy)) = target else {
            // As slow as a real evaluation, so that timing does not tell unknown extensions apart.
            self.vault.verify_decoy(pin).await?;
            return Ok((SignInOutcome::WrongPin, None));
        };
        let now = self.now();
        let Some(reservation) = self.db.reserve_sign_in(mailbox, u32::from(policy.pin.max_logon_attempts), now).await?
        else {
            return Ok((SignInOutcome::LockedOut, None));
        };
        let sealed = SealedPin::from_bytes(reservation.sealed_pin);
        let verification = match self.vault.verify_pin(mailbox, &sealed, pin).await {
            Ok(verification) => verification,
            // Nothing the caller did: the reservation is taken back, and the administrator is told
            // why the sign-in could not succeed.
            Err(CryptoError::Unreadable) => {
                self.db.release_sign_in(mailbox, reservation.version, reservation.failed_logon_count).await?;
                let mut tx = self.db.begin_read().await?;
                let owner = tx.mailbox(mailbox).await?.map_or_else(|| mailbox.to_string(), |m| m.primary_smtp_address);
                return Err(ServiceError::PinDataUnreadable { mailbox: owner });
            }
            Err(other) => return Err(other.into()),
        };
        match verification {
            Verification::Right { upgrade } => {
                let upgrade = upgrade.map(SealedPin::into_bytes);
                let succeeded = self
                    .db
                    .sign_in_succeeded(mailbox, reservation.version, reservation.failed_logon_count, upgrade.as_deref())
                    .await?;
                let status = self.db.begin_read().await?.pin_status_of(mailbox).await?.map(|(status, _)| status);
                Ok(match status {
                    // A success doesn't move the version: the caller signed in with this one.
                    Some(status) if succeeded => (
                        SignInOutcome::SignedIn {
                            mailbox,
                            pin_expired: status.pin_expired(&policy.pin, now),
                            first_time_user: status.first_time_user,
                        },
                        Some(reservation.version),
                    ),
                    // An administrator acted, or the PIN was replaced, while the PIN was evaluated.
                    Some(status) if status.locked_out => (SignInOutcome::LockedOut, None),
                    _ => (SignInOutcome::WrongPin, None),
                })
            }
            Verification::Wrong => {
                match failure_consequence(reservation.failed_logon_count, &policy.pin) {
                    FailureConsequence::Counted => {}
                    FailureConsequence::ResetPin => {
                        self.reset_after_failures(mailbox, reservation.failed_logon_count).await?
                    }
                    FailureConsequence::LockOut => {
                        metrics::counter!("umpin_lockouts_total").increment(1);
                        self.notify_lockout(mailbox).await?
                    }
                }
                Ok((SignInOutcome::WrongPin, None))
            }
        }
    }

    /// The automatic reset at each multiple of `LogonFailuresBeforePINReset`: a generated PIN,
    /// expired, e-mailed with `ResetPINText`. The count and the lockout are kept. Nothing happens
    /// when the count fell below `reached` meanwhile (an administrator reset or unlocked, or the
    /// right PIN was entered).
    async fn reset_after_failures(&self, mailbox: Guid, reached: u32) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let Some(owner) = tx.mailbox(mailbox).await? else { return Ok(()) };
        let um = enabled_um_mailbox(&mut tx, &owner).await?;
        let policy = policy_of(&mut tx, &um).await?;
        let current = pin_record(&mut tx, &owner).await?;
        if current.status.failed_logon_count < reached {
            return Ok(());
        }
        let (pin, next) = self
            .new_pin_record(&owner, &um, &policy.pin, &current, None, |pin_length| PinStatus {
                pin_set_at: now,
                pin_length,
                expiry_forced: true,
                ..current.status.clone()
            })
            .await?;
        let replaced = tx
            .replace_pin_after_failures(mailbox, reached, &next.sealed_pin, &next.history, next.status.pin_length, now)
            .await?;
        if replaced {
            metrics::counter!("umpin_pin_resets_total", "by" => "automatic").increment(1);
            let message = OutgoingMessage::pin_reset(
                &owner,
                &owner.primary_smtp_address,
                pin.expose_secret(),
                true,
                &policy.reset_pin_text,
            );
            tx.enqueue_message(&self.outbox_message(&message, now)?).await?;
        }
        Ok(tx.commit().await?)
    }

    async fn notify_lockout(&self, mailbox: Guid) -> Result<(), ServiceError> {
        let mut tx = self.db.begin().await?;
        if let Some(owner) = tx.mailbox(mailbox).await? {
            tx.enqueue_message(&self.outbox_message(&OutgoingMessage::lockout(&owner), self.now())?).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// A signed-in caller's new PIN (after an expired PIN, in first-time setup, or from personal
    /// options), in `tx`, while the PIN data is still at `signed_in_with`, the version the caller
    /// signed in with. With `completes_first_time_setup` it also ends first-time setup. Returns
    /// the new version.
    pub(crate) async fn change_pin_in(
        &self,
        tx: &mut Tx,
        mailbox: Guid,
        signed_in_with: i64,
        new_pin: &Pin,
        completes_first_time_setup: bool,
    ) -> Result<i64, ServiceError> {
        let now = self.now();
        let owner = tx.mailbox(mailbox).await?.ok_or(Error::CallEnded)?;
        let um = enabled_um_mailbox(tx, &owner).await?;
        let policy = policy_of(tx, &um).await?;
        let current = pin_record(tx, &owner).await?;
        if current.version != signed_in_with {
            return Err(Error::SignInRevoked.into());
        }
        if current.status.locked_out {
            return Err(Error::LockedOut { mailbox: owner.primary_smtp_address }.into());
        }
        if completes_first_time_setup && !current.status.first_time_user {
            return Err(Error::FirstTimeSetupDone { mailbox: owner.primary_smtp_address }.into());
        }
        let (_, next) = self
            .new_pin_record(&owner, &um, &policy.pin, &current, Some(new_pin.clone()), |pin_length| PinStatus {
                pin_set_at: now,
                pin_length,
                expiry_forced: false,
                first_time_user: current.status.first_time_user && !completes_first_time_setup,
                ..current.status.clone()
            })
            .await?;
        Ok(tx.put_pin(mailbox, &next).await?)
    }
}

/// The UM-enabled mailbox that has `extension` in the dial plan, with its policy.
pub(crate) async fn sign_in_target(
    tx: &mut Tx,
    dial_plan: Guid,
    extension: &str,
) -> Result<SignInTarget, ServiceError> {
    // An extension is digits only: anything else is no one's, and gets the wrong-PIN answer.
    if extension.is_empty() || !extension.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let Some(mailbox) = tx.um_mailbox_by_extension(dial_plan, extension).await? else { return Ok(None) };
    mailbox_target(tx, mailbox).await
}

/// The mailbox with its policy, if it is UM-enabled.
pub(crate) async fn mailbox_target(tx: &mut Tx, mailbox: Guid) -> Result<SignInTarget, ServiceError> {
    Ok(match tx.um_mailbox(mailbox).await? {
        Some(um) if um.um_enabled => Some((mailbox, policy_of(tx, &um).await?)),
        _ => None,
    })
}
