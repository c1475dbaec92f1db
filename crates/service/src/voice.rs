//! Calls to voice access (SPEC §3): what a telephony front end does for a caller, with an account
//! of the Voice Access role group.
//!
//! A call starts on a dial plan (named, or found by the dialled access number), optionally with
//! the caller's number, which may identify the caller's mailbox. The caller signs in with the PIN
//! (and the extension, unless caller ID found the mailbox); after `LogonFailuresBeforeDisconnect`
//! failures within the call, or on a locked-out mailbox, the call ends. A signed-in caller may
//! choose a new PIN, record a name, and complete first-time setup.
//!
//! Where both switches allow it and caller ID is the mailbox's own phone number, the start of the
//! call tells the front end that it may play the voice mail without a PIN (SPEC §3.1a); the call
//! is not signed in by that, so everything else still needs the PIN.
//!
//! The call's id is a random secret returned once: the database keeps only its digest, and only
//! the account that started the call may go on with it, for at most [`CALL_LIFETIME`]. Changes a
//! caller makes are recorded in the admin audit log under that account, with the mailbox as the
//! object; sign-ins are counted in the metrics instead.
//!
//! Each sign-in attempt on a call is reserved in the database before its PIN is evaluated, so
//! that parallel attempts on one call can't exceed `LogonFailuresBeforeDisconnect`; an attempt
//! beyond them ends the call unevaluated. A signed-in call holds only while the PIN data is at
//! the version the caller signed in with: every request of a signed-in caller checks it in the
//! transaction of its change, so an administrator's reset, lock, unlock or disable ends the
//! caller's rights at once (the caller's own PIN change moves the call on to the new version).

use secrecy::{ExposeSecret, SecretString};
use umpin_crypto::{Pin, generate_token, token_digest};
use umpin_domain::mailbox::check_phone;
use umpin_domain::roles::VOICE_ACCESS;
use umpin_domain::voice::{
    CALL_LIFETIME, PinlessCall, SpraySource, caller_digits, check_recorded_name, is_callers_phone,
};
use umpin_domain::{AuditValue, DialPlan, Error, Guid, Mailbox, ObjectKind, Timestamp};
use umpin_store::{SprayBlock, Tx, VoiceCall};

use crate::access::Operation;
use crate::mailboxes::find_dial_plan;
use crate::messages::OutgoingMessage;
use crate::sign_in::{Evaluated, Reserved, count_sign_in, mailbox_target, sign_in_target};
use crate::um_mailboxes::policy_of;
use crate::{Principal, Service, ServiceError, SignInOutcome};

/// Where a call comes in: exactly one of the dial plan and the dialled access number, and the
/// caller's number when the switch knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewCall {
    pub dial_plan: Option<String>,
    pub access_number: Option<String>,
    pub caller_id: Option<String>,
}

/// A call that has started.
#[derive(Debug)]
pub struct Call {
    /// The secret that names the call in every later request; shown only here.
    pub id: SecretString,
    /// The dial plan's name.
    pub dial_plan: String,
    pub expires_at: Timestamp,
    /// The mailbox whose extension or phone number the caller ID is: the front end greets the
    /// caller and asks only for the PIN.
    pub caller: Option<IdentifiedCaller>,
}

/// The mailbox caller ID found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentifiedCaller {
    pub display_name: String,
    pub extension: String,
    /// The front end may play this caller's voice mail without a PIN: see [`PinlessCall`]. Every
    /// other request of the call still needs a PIN sign-in.
    pub pinless_voice_mail: bool,
}

/// What a sign-in within a call led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallSignIn {
    pub outcome: SignInOutcome,
    /// Failed sign-ins within this call so far.
    pub failures_in_call: u32,
    /// The call has ended: the dial plan's `LogonFailuresBeforeDisconnect` was reached, or the
    /// mailbox is locked out. The front end says goodbye and hangs up.
    pub disconnected: bool,
}

/// When a signed-in caller's PIN expires, for the personal options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallPinExpiry {
    /// `None` when the policy's `PINLifetime` is `Unlimited`.
    pub expires_on: Option<Timestamp>,
    /// Within the last days of its lifetime (`PIN_EXPIRY_NOTICE_DAYS`): the caller is told.
    pub expires_soon: bool,
}

/// A signed-in caller's recording of their name.
pub struct RecordedNameAudio {
    pub content_type: String,
    pub audio: Vec<u8>,
}

impl std::fmt::Debug for RecordedNameAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordedNameAudio")
            .field("content_type", &self.content_type)
            .field("bytes", &self.audio.len())
            .finish()
    }
}

impl Service {
    /// Starts a call.
    pub async fn start_call(&self, by: &Principal, new: NewCall) -> Result<Call, ServiceError> {
        self.authorize(by, &Operation::new(VOICE_ACCESS, "")).await?;
        let caller = new.caller_id.as_deref().map(caller_digits).transpose()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let plan = match (&new.dial_plan, &new.access_number) {
            (Some(name), None) => find_dial_plan(&mut tx, name).await?,
            (None, Some(number)) => dial_plan_by_access_number(&mut tx, number).await?,
            _ => {
                return Err(Error::InvalidParameter {
                    parameter: "DialPlan",
                    rule: "name the dial plan or the dialled access number (one of the two).".to_owned(),
                }
                .into());
            }
        };
        let identified = match &caller {
            Some(digits) => identify_caller(&mut tx, &plan, digits).await?,
            None => None,
        };
        let pinless = match (&identified, &caller) {
            (Some((mailbox, _)), Some(digits)) => self.pinless_voice_mail(&mut tx, mailbox, digits).await?,
            _ => false,
        };
        let id = generate_token()?;
        let expires_at = now + CALL_LIFETIME;
        tx.insert_voice_call(&VoiceCall {
            digest: token_digest(id.expose_secret()).to_vec(),
            account: by.account.clone(),
            caller_id: caller.clone(),
            dial_plan: plan.guid,
            mailbox: identified.as_ref().map(|(m, _)| m.guid),
            signed_in: false,
            pin_version: None,
            failures: 0,
            started_at: now,
            expires_at,
        })
        .await?;
        let mut sprayed = None;
        if let (true, Some((mailbox, _)), Some(digits)) = (pinless, &identified, &caller) {
            let operation = on_mailbox(mailbox)
                .parameter("PinlessVoiceMail", AuditValue::Bool(true))
                .parameter("CallerId", AuditValue::Text(digits.clone()));
            // A source's PIN-less starts count with its failed sign-ins, mailbox by mailbox.
            let source = SpraySource::CallerId(digits.clone());
            let window_start = now - self.spray_defence.window;
            let count = tx.count_source_failure(&source.key(), &mailbox.guid.to_string(), now, window_start).await?;
            sprayed = self.spray_defence.blocks(&source, count).then_some((source, count));
            self.append_audit(&mut tx, by, &operation, None).await?;
        }
        tx.commit().await?;
        if pinless {
            metrics::counter!("umpin_voice_pinless_accesses_total").increment(1);
        }
        if let Some((source, mailboxes)) = sprayed {
            self.block_sprayer(by, &source, mailboxes).await?;
        }
        let caller = identified.map(|(mailbox, extension)| IdentifiedCaller {
            display_name: mailbox.display_name,
            extension,
            pinless_voice_mail: pinless,
        });
        Ok(Call { id, dial_plan: plan.name, expires_at, caller })
    }

    /// Whether the caller, whom caller ID identified as `mailbox`, may hear voice mail without a
    /// PIN ([`PinlessCall`]). The switches are read first: with either off, nothing else is.
    async fn pinless_voice_mail(&self, tx: &mut Tx, mailbox: &Mailbox, digits: &str) -> Result<bool, ServiceError> {
        let Some(um) = tx.um_mailbox(mailbox.guid).await? else { return Ok(false) };
        let policy = policy_of(tx, &um).await?;
        if !(policy.allow_pinless_voice_mail_access && um.pinless_access_to_voice_mail_enabled) {
            return Ok(false);
        }
        let Some(pin) = tx.pin(mailbox.guid).await? else { return Ok(false) };
        let source = SpraySource::CallerId(digits.to_owned());
        let call = PinlessCall {
            policy_allows: policy.allow_pinless_voice_mail_access,
            mailbox_allows: um.pinless_access_to_voice_mail_enabled,
            from_own_phone: is_callers_phone(digits, mailbox.phone.as_deref()),
            mailboxes_with_number: tx.count_mailboxes_with_phone(digits).await?,
            locked_out: pin.status.locked_out,
            first_time_user: pin.status.first_time_user,
            source_blocked: tx.source_block(&source.key(), self.now()).await?.is_some(),
        };
        Ok(call.granted())
    }

    /// The caller enters the PIN, with the extension unless caller ID found the mailbox. An
    /// unknown extension is a wrong PIN, as in [`Service::sign_in`].
    pub async fn sign_in_on_call(
        &self,
        by: &Principal,
        call_id: &str,
        extension: Option<&str>,
        pin: &Pin,
    ) -> Result<CallSignIn, ServiceError> {
        self.authorize(by, &Operation::new(VOICE_ACCESS, "")).await?;
        let digest = token_digest(call_id);
        let now = self.now();
        let (attempts, disconnect_after, tried, source, blocked, reserved) = {
            let mut tx = self.db.begin().await?;
            let call = live_call(&mut tx, by, &digest, now).await?;
            let source = SpraySource::of_call(call.caller_id.as_deref(), &call.account);
            let blocked = tx.source_block(&source.key(), now).await?.is_some();
            let plan = tx.dial_plan(call.dial_plan).await?.ok_or(Error::CallEnded)?;
            let target = match (extension, call.mailbox) {
                (Some(extension), _) => sign_in_target(&mut tx, plan.guid, extension).await?,
                (None, Some(mailbox)) => mailbox_target(&mut tx, mailbox).await?,
                (None, None) => {
                    return Err(Error::InvalidParameter {
                        parameter: "Extension",
                        rule: "caller ID didn't identify the caller's mailbox: give the extension the caller entered."
                            .to_owned(),
                    }
                    .into());
                }
            };
            let disconnect_after = u32::from(plan.logon_failures_before_disconnect);
            // What the failure counts against, in the source's count of distinct mailboxes.
            let tried = match (&target, extension) {
                (Some((mailbox, _)), _) => mailbox.to_string(),
                (None, extension) => format!("extension:{}", extension.unwrap_or_default()),
            };
            // Both counts of the attempt, the mailbox's and the call's, before the PIN is
            // evaluated, committed together so that every node sees them. The PIN row is taken
            // before the call's, as in every transaction that changes both (no deadlock on
            // PostgreSQL). A blocked source's attempt is evaluated by no mailbox's PIN and counts
            // on none.
            let reserved = if blocked {
                None
            } else {
                let reservation = match &target {
                    Some((mailbox, policy)) => {
                        tx.reserve_sign_in(*mailbox, u32::from(policy.max_logon_attempts), now).await?
                    }
                    None => None,
                };
                Some(Reserved::of(target, reservation))
            };
            let Some(attempts) = tx.reserve_call_attempt(&digest, disconnect_after).await? else {
                // More attempts at once than the call allows failures: the call ends unevaluated,
                // and the rollback takes the mailbox's count back.
                tx.rollback().await?;
                self.db.end_voice_call(&digest, &by.account).await?;
                return Err(Error::CallEnded.into());
            };
            tx.commit().await?;
            (attempts, disconnect_after, tried, source, blocked, reserved)
        };
        let evaluated = match reserved {
            Some(reserved) => self.evaluate_pin(reserved, pin).await,
            None => self.refuse_sprayer(pin).await,
        };
        let mut tx = self.db.begin().await?;
        let (outcome, pin_version) = match evaluated {
            Ok(evaluated) => self.record_right_pin(&mut tx, evaluated).await?,
            Err(e) => {
                // Not the caller's failure: the attempt is taken back.
                tx.release_call_attempt(&digest).await?;
                tx.commit().await?;
                return Err(e);
            }
        };
        let (failures_in_call, disconnected) = match (outcome, pin_version) {
            (SignInOutcome::SignedIn { mailbox, .. }, Some(version)) => {
                tx.call_signed_in(&digest, mailbox, version).await?;
                (attempts - 1, false)
            }
            (SignInOutcome::LockedOut, _) => {
                tx.delete_voice_call(&digest).await?;
                (attempts - 1, true)
            }
            // A wrong PIN (a success always comes with its version).
            _ if attempts < disconnect_after => (attempts, false),
            _ => {
                tx.delete_voice_call(&digest).await?;
                (attempts, true)
            }
        };
        if !blocked {
            count_sign_in(outcome);
        }
        let sprayed = match outcome {
            SignInOutcome::WrongPin if !blocked => {
                let now = self.now();
                let window_start = now - self.spray_defence.window;
                let count = tx.count_source_failure(&source.key(), &tried, now, window_start).await?;
                self.spray_defence.blocks(&source, count).then_some(count)
            }
            _ => None,
        };
        tx.commit().await?;
        if let Some(mailboxes) = sprayed {
            self.block_sprayer(by, &source, mailboxes).await?;
        }
        Ok(CallSignIn { outcome, failures_in_call, disconnected })
    }

    /// The answer to a sign-in from a blocked source: a wrong PIN, as slow as one, with no PIN
    /// evaluated and nothing counted on any mailbox.
    async fn refuse_sprayer(&self, pin: &Pin) -> Result<Evaluated, ServiceError> {
        self.vault.verify_decoy(pin).await?;
        metrics::counter!("umpin_voice_spray_refusals_total").increment(1);
        Ok(Evaluated::Decided(SignInOutcome::WrongPin))
    }

    /// Refuses `source` for the cool-down after its failures reached `mailboxes` mailboxes,
    /// records it in the admin audit log (as an action of the front-end account on the source)
    /// and, when there is a security address, queues the alert to it in the same transaction.
    async fn block_sprayer(&self, by: &Principal, source: &SpraySource, mailboxes: u32) -> Result<(), ServiceError> {
        let (now, key) = (self.now(), source.key());
        let until = now + self.spray_defence.cool_down;
        let operation = Operation::new(VOICE_ACCESS, key.clone())
            .parameter("SprayBlock", AuditValue::Bool(true))
            .parameter("Mailboxes", AuditValue::Number(i64::from(mailboxes)))
            .parameter("BlockedUntil", AuditValue::Word(until.to_string()));
        let blocked = self
            .audited(by, operation, async |tx| {
                let blocked = tx.block_source(&key, now, until, mailboxes).await?;
                if let Some(address) = self.spray_defence.alert_address.as_deref().filter(|_| blocked) {
                    let window = self.spray_defence.window;
                    let alert = OutgoingMessage::spray_alert(address, &key, mailboxes, window, until);
                    tx.enqueue_message(&self.outbox_message(&alert, now)?).await?;
                }
                Ok(blocked)
            })
            .await?;
        if blocked {
            metrics::counter!("umpin_voice_spray_blocks_total").increment(1);
            tracing::warn!(source = %key, mailboxes, until = %until, "voice sign-ins from this source are refused for a cool-down: it failed on too many mailboxes");
        }
        Ok(())
    }

    /// `Get-UMSprayBlock`: the blocks in force, by source; with `identity`, the block of that
    /// source (an error when none is in force).
    pub async fn get_spray_blocks(
        &self,
        by: &Principal,
        operation: Operation,
        identity: Option<&str>,
    ) -> Result<Vec<SprayBlock>, ServiceError> {
        self.authorize(by, &operation).await?;
        let mut tx = self.db.begin_read().await?;
        let blocks = match identity {
            None => tx.source_blocks(self.now()).await?,
            Some(identity) => {
                let key = SpraySource::named(identity)?.key();
                let block = tx.source_block(&key, self.now()).await?;
                vec![block.ok_or(Error::NotFound { kind: ObjectKind::SprayBlock, identity: identity.to_owned() })?]
            }
        };
        tx.commit().await?;
        Ok(blocks)
    }

    /// `Clear-UMSprayBlock`: lifts the block of a source before its end and forgets the source's
    /// failures, so that it starts counting afresh; audited. An error when no block of it is in
    /// force.
    pub async fn clear_spray_block(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<(), ServiceError> {
        self.audited(by, operation, async |tx| {
            let key = SpraySource::named(identity)?.key();
            if tx.clear_source_block(&key, self.now()).await? {
                Ok(())
            } else {
                Err(Error::NotFound { kind: ObjectKind::SprayBlock, identity: identity.to_owned() }.into())
            }
        })
        .await
    }

    /// The signed-in caller chooses a new PIN, entered twice.
    pub async fn change_pin_on_call(
        &self,
        by: &Principal,
        call_id: &str,
        new_pin: &Pin,
        confirm_pin: &Pin,
    ) -> Result<(), ServiceError> {
        let (mailbox, signed_in_with) = self.signed_in_mailbox(by, call_id).await?;
        let action = on_mailbox(&mailbox).parameter("NewPin", AuditValue::Secret);
        self.audited(by, action, async |tx| {
            same_pin_twice(new_pin, confirm_pin)?;
            self.still_signed_in(tx, by, call_id, mailbox.guid, signed_in_with).await?;
            let version = self.change_pin_in(tx, mailbox.guid, signed_in_with, new_pin, false).await?;
            Ok(tx.call_pin_changed(&token_digest(call_id), version).await?)
        })
        .await
    }

    /// The signed-in caller records a name (first-time setup, or personal options).
    pub async fn record_name_on_call(
        &self,
        by: &Principal,
        call_id: &str,
        recording: RecordedNameAudio,
    ) -> Result<(), ServiceError> {
        let (mailbox, signed_in_with) = self.signed_in_mailbox(by, call_id).await?;
        let action = on_mailbox(&mailbox).parameter("RecordedName", AuditValue::Text(recording.content_type.clone()));
        self.audited(by, action, async |tx| {
            check_recorded_name(&recording.content_type, &recording.audio)?;
            self.still_signed_in(tx, by, call_id, mailbox.guid, signed_in_with).await?;
            tx.put_recorded_name(mailbox.guid, Some((&recording.content_type, &recording.audio)), self.now()).await?;
            Ok(())
        })
        .await
    }

    /// The signed-in caller's recorded name, to play back; `None` when there is none (or the
    /// caller skipped it).
    pub async fn recorded_name_on_call(
        &self,
        by: &Principal,
        call_id: &str,
    ) -> Result<Option<RecordedNameAudio>, ServiceError> {
        let (mailbox, signed_in_with) = self.signed_in_mailbox(by, call_id).await?;
        let mut tx = self.db.begin().await?;
        self.still_signed_in(&mut tx, by, call_id, mailbox.guid, signed_in_with).await?;
        let name = tx.recorded_name(mailbox.guid).await?;
        tx.commit().await?;
        Ok(name.and_then(|n| n.audio).map(|(content_type, audio)| RecordedNameAudio { content_type, audio }))
    }

    /// When the signed-in caller's PIN expires.
    pub async fn pin_expiry_on_call(&self, by: &Principal, call_id: &str) -> Result<CallPinExpiry, ServiceError> {
        let (mailbox, signed_in_with) = self.signed_in_mailbox(by, call_id).await?;
        let mut tx = self.db.begin().await?;
        self.still_signed_in(&mut tx, by, call_id, mailbox.guid, signed_in_with).await?;
        let um = tx.um_mailbox(mailbox.guid).await?.ok_or(Error::SignInRevoked)?;
        let policy = policy_of(&mut tx, &um).await?;
        let status = tx.pin(mailbox.guid).await?.ok_or(Error::SignInRevoked)?.status;
        tx.commit().await?;
        let now = self.now();
        Ok(CallPinExpiry {
            expires_on: status.pin_expires_on(&policy.pin),
            expires_soon: status.pin_expires_soon(&policy.pin, now),
        })
    }

    /// Ends first-time setup: the new PIN (entered twice), after the name was recorded or with
    /// `skip_recorded_name`, which is recorded as such. `FirstTimeUser` becomes false.
    pub async fn complete_first_time_setup(
        &self,
        by: &Principal,
        call_id: &str,
        new_pin: &Pin,
        confirm_pin: &Pin,
        skip_recorded_name: bool,
    ) -> Result<(), ServiceError> {
        let (mailbox, signed_in_with) = self.signed_in_mailbox(by, call_id).await?;
        let action = on_mailbox(&mailbox)
            .parameter("NewPin", AuditValue::Secret)
            .parameter("CompleteFirstTimeSetup", AuditValue::Bool(true))
            .parameter("SkipRecordedName", AuditValue::Bool(skip_recorded_name));
        self.audited(by, action, async |tx| {
            same_pin_twice(new_pin, confirm_pin)?;
            self.still_signed_in(tx, by, call_id, mailbox.guid, signed_in_with).await?;
            if skip_recorded_name {
                tx.put_recorded_name(mailbox.guid, None, self.now()).await?;
            } else if tx.recorded_name(mailbox.guid).await?.is_none() {
                return Err(Error::RecordedNameMissing.into());
            }
            let version = self.change_pin_in(tx, mailbox.guid, signed_in_with, new_pin, true).await?;
            Ok(tx.call_pin_changed(&token_digest(call_id), version).await?)
        })
        .await
    }

    /// Ends a call (the caller hung up). Ending a call that has already ended, or another
    /// account's, does nothing.
    pub async fn end_call(&self, by: &Principal, call_id: &str) -> Result<(), ServiceError> {
        self.authorize(by, &Operation::new(VOICE_ACCESS, "")).await?;
        self.db.end_voice_call(&token_digest(call_id), &by.account).await?;
        Ok(())
    }

    /// The mailbox the caller of a live call has signed in to, with the version of its PIN data
    /// the caller signed in with.
    async fn signed_in_mailbox(&self, by: &Principal, call_id: &str) -> Result<(Mailbox, i64), ServiceError> {
        self.authorize(by, &Operation::new(VOICE_ACCESS, "")).await?;
        let mut tx = self.db.begin_read().await?;
        let call = live_call(&mut tx, by, &token_digest(call_id), self.now()).await?;
        match (call.mailbox.filter(|_| call.signed_in), call.pin_version) {
            (Some(mailbox), Some(version)) => Ok((tx.mailbox(mailbox).await?.ok_or(Error::CallEnded)?, version)),
            _ => Err(Error::NotSignedIn.into()),
        }
    }

    /// Checks, in the transaction of a signed-in caller's request, that the call is still signed
    /// in to `mailbox` with the PIN data at `signed_in_with`: an administrator's action on the PIN
    /// since (which moves the version, or destroys the data) ends the caller's rights. On
    /// PostgreSQL the PIN row stays locked until the transaction ends, so no such action can slip
    /// in between this check and the change.
    async fn still_signed_in(
        &self,
        tx: &mut Tx,
        by: &Principal,
        call_id: &str,
        mailbox: Guid,
        signed_in_with: i64,
    ) -> Result<(), ServiceError> {
        let call = live_call(tx, by, &token_digest(call_id), self.now()).await?;
        if !call.signed_in || call.mailbox != Some(mailbox) {
            return Err(Error::NotSignedIn.into());
        }
        let current = tx.pin(mailbox).await?.map(|record| record.version);
        if call.pin_version != Some(signed_in_with) || current != Some(signed_in_with) {
            return Err(Error::SignInRevoked.into());
        }
        Ok(())
    }
}

/// The call `by` started, if it hasn't ended.
async fn live_call(tx: &mut Tx, by: &Principal, digest: &[u8], now: Timestamp) -> Result<VoiceCall, ServiceError> {
    Ok(tx.voice_call(digest, &by.account, now).await?.ok_or(Error::CallEnded)?)
}

fn same_pin_twice(new_pin: &Pin, confirm_pin: &Pin) -> Result<(), Error> {
    if new_pin.expose_secret() == confirm_pin.expose_secret() { Ok(()) } else { Err(Error::PinsDiffer) }
}

/// The dial plan one of whose access numbers was dialled (compared digit by digit).
async fn dial_plan_by_access_number(tx: &mut Tx, number: &str) -> Result<DialPlan, ServiceError> {
    let not_found = || Error::NotFound { kind: ObjectKind::DialPlan, identity: number.to_owned() };
    let wanted = check_phone(number).map_err(|_| not_found())?;
    let digits = |n: &str| n.chars().filter(char::is_ascii_digit).collect::<String>();
    let mut plans: Vec<DialPlan> = tx
        .dial_plans()
        .await?
        .into_iter()
        .filter(|p| p.access_telephone_numbers.iter().any(|n| digits(n) == digits(&wanted)))
        .collect();
    match plans.len() {
        0 => Err(not_found().into()),
        1 => Ok(plans.remove(0)),
        _ => Err(Error::Ambiguous {
            kind: ObjectKind::DialPlan,
            identity: number.to_owned(),
            candidates: plans.into_iter().map(|p| p.name).collect(),
        }
        .into()),
    }
}

/// The UM-enabled mailbox the caller ID's digits are: an extension of the dial plan (a call from
/// inside), or a mailbox's phone number, whose last digits are its extension (a call from
/// outside). Anything else identifies no one.
async fn identify_caller(
    tx: &mut Tx,
    plan: &DialPlan,
    digits: &str,
) -> Result<Option<(Mailbox, String)>, ServiceError> {
    let length = usize::from(plan.number_of_digits_in_extension);
    let Some(extension) = digits.get(digits.len().saturating_sub(length)..).filter(|e| e.len() == length) else {
        return Ok(None);
    };
    let Some(guid) = tx.um_mailbox_by_extension(plan.guid, extension).await? else { return Ok(None) };
    let mailbox: Option<Mailbox> = tx.mailbox(guid).await?;
    Ok(mailbox
        .filter(|m| digits.len() == length || is_callers_phone(digits, m.phone.as_deref()))
        .map(|m| (m, extension.to_owned())))
}

/// A caller's action on their own mailbox, as the audit log records it.
fn on_mailbox(mailbox: &Mailbox) -> Operation {
    let address = &mailbox.primary_smtp_address;
    Operation::new(VOICE_ACCESS, address.as_str()).parameter("Identity", AuditValue::Text(address.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_entries_of_a_new_pin_must_be_the_same() {
        let pin = |p: &str| SecretString::from(p.to_owned());
        assert!(same_pin_twice(&pin("4718263"), &pin("4718263")).is_ok());
        assert_eq!(same_pin_twice(&pin("4718263"), &pin("4718264")), Err(Error::PinsDiffer));
    }
}
