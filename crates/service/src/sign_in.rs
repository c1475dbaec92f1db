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
use umpin_domain::{Error, FailureConsequence, Guid, PinPolicy, PinStatus, failure_consequence};
use umpin_store::{Reservation, Tx};

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

/// The mailbox a sign-in is for, with its policy's PIN settings; `None` when the extension is
/// unknown or not UM-enabled (which the caller must not be able to tell from a wrong PIN).
pub(crate) type SignInTarget = Option<(Guid, PinPolicy)>;

/// A sign-in attempt once it is reserved (SPEC §2.5), before its PIN is evaluated.
pub(crate) enum Reserved {
    /// No UM mailbox has the extension: the PIN is evaluated against the decoy.
    NoOne,
    /// The mailbox is locked out: refused without evaluating the PIN and without counting.
    LockedOut,
    /// Counted as a failure until the PIN proves right.
    Attempt { mailbox: Guid, policy: PinPolicy, reservation: Reservation },
}

impl Reserved {
    /// What reserving an attempt on `target` gave, with the database's answer for its mailbox
    /// (`Tx::reserve_sign_in`, `None` when it is locked out).
    pub(crate) fn of(target: SignInTarget, reservation: Option<Reservation>) -> Reserved {
        match (target, reservation) {
            (None, _) => Reserved::NoOne,
            (Some(_), None) => Reserved::LockedOut,
            (Some((mailbox, policy)), Some(reservation)) => Reserved::Attempt { mailbox, policy, reservation },
        }
    }
}

/// A reserved attempt whose PIN was evaluated: what the caller hears, or a right PIN that
/// [`Service::record_right_pin`] must record before the caller is signed in.
pub(crate) enum Evaluated {
    Decided(SignInOutcome),
    Right { mailbox: Guid, policy: PinPolicy, reservation: Reservation, upgrade: Option<Vec<u8>> },
}

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
        let reservation = match &target {
            Some((mailbox, policy)) => {
                self.db.reserve_sign_in(*mailbox, u32::from(policy.max_logon_attempts), self.now()).await?
            }
            None => None,
        };
        let outcome = match self.evaluate_pin(Reserved::of(target, reservation), pin).await? {
            Evaluated::Decided(outcome) => outcome,
            right => {
                let mut tx = self.db.begin().await?;
                let (outcome, _) = self.record_right_pin(&mut tx, right).await?;
                tx.commit().await?;
                outcome
            }
        };
        count_sign_in(outcome);
        Ok(outcome)
    }

    /// Evaluates the PIN of a reserved attempt, outside any transaction (it takes tens of
    /// milliseconds). A wrong PIN's consequences (the automatic reset, the lockout's notice) are
    /// done here; a right PIN is left to [`Service::record_right_pin`].
    pub(crate) async fn evaluate_pin(&self, reserved: Reserved, pin: &Pin) -> Result<Evaluated, ServiceError> {
        let (mailbox, policy, reservation) = match reserved {
            Reserved::NoOne => {
                // As slow as a real evaluation, so that timing does not tell unknown extensions apart.
                self.vault.verify_decoy(pin).await?;
                return Ok(Evaluated::Decided(SignInOutcome::WrongPin));
            }
            Reserved::LockedOut => return Ok(Evaluated::Decided(SignInOutcome::LockedOut)),
            Reserved::Attempt { mailbox, policy, reservation } => (mailbox, policy, reservation),
        };
        let sealed = SealedPin::from_bytes(reservation.sealed_pin.clone());
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
                Ok(Evaluated::Right { mailbox, policy, reservation, upgrade: upgrade.map(SealedPin::into_bytes) })
            }
            Verification::Wrong => {
                match failure_consequence(reservation.failed_logon_count, &policy) {
                    FailureConsequence::Counted => {}
                    FailureConsequence::ResetPin => {
                        self.reset_after_failures(mailbox, reservation.failed_logon_count).await?
                    }
                    FailureConsequence::LockOut => {
                        metrics::counter!("umpin_lockouts_total").increment(1);
                        self.notify_lockout(mailbox).await?
                    }
                }
                Ok(Evaluated::Decided(SignInOutcome::WrongPin))
            }
        }
    }

    /// What an evaluated attempt leads to, in `tx`: a right PIN takes the failure count back to 0
    /// (with a re-sealed verifier, when the evaluation made one), provided nothing changed the PIN
    /// data since the reservation. With the version of the PIN data the caller signed in with,
    /// when the caller did.
    pub(crate) async fn record_right_pin(
        &self,
        tx: &mut Tx,
        evaluated: Evaluated,
    ) -> Result<(SignInOutcome, Option<i64>), ServiceError> {
        let (mailbox, policy, reservation, upgrade) = match evaluated {
            Evaluated::Decided(outcome) => return Ok((outcome, None)),
            Evaluated::Right { mailbox, policy, reservation, upgrade } => (mailbox, policy, reservation, upgrade),
        };
        let (version, count) = (reservation.version, reservation.failed_logon_count);
        if let Some(status) = tx.sign_in_succeeded(mailbox, version, count, upgrade.as_deref()).await? {
            // A success doesn't move the version: the caller signed in with this one.
            let pin_expired = status.pin_expired(&policy, self.now());
            let first_time_user = status.first_time_user;
            return Ok((SignInOutcome::SignedIn { mailbox, pin_expired, first_time_user }, Some(version)));
        }
        // An administrator acted, or the PIN was replaced, while the PIN was evaluated.
        Ok(match tx.pin_status_of(mailbox).await? {
            Some((status, _)) if status.locked_out => (SignInOutcome::LockedOut, None),
            _ => (SignInOutcome::WrongPin, None),
        })
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

/// Counts a sign-in attempt's outcome in the metrics.
pub(crate) fn count_sign_in(outcome: SignInOutcome) {
    let label = match outcome {
        SignInOutcome::SignedIn { .. } => "signed_in",
        SignInOutcome::WrongPin => "wrong_pin",
        SignInOutcome::LockedOut => "locked_out",
    };
    metrics::counter!("umpin_sign_ins_total", "outcome" => label).increment(1);
}

/// The UM-enabled mailbox that has `extension` in the dial plan, with its policy's PIN settings.
pub(crate) async fn sign_in_target(
    tx: &mut Tx,
    dial_plan: Guid,
    extension: &str,
) -> Result<SignInTarget, ServiceError> {
    // An extension is digits only: anything else is no one's, and gets the wrong-PIN answer.
    if extension.is_empty() || !extension.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(tx.sign_in_pin_policy_by_extension(dial_plan, extension).await?)
}

/// The mailbox with its policy's PIN settings, if it is UM-enabled.
pub(crate) async fn mailbox_target(tx: &mut Tx, mailbox: Guid) -> Result<SignInTarget, ServiceError> {
    Ok(tx.sign_in_pin_policy(mailbox).await?.map(|policy| (mailbox, policy)))
}
