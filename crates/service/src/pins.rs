//! PIN information and administration: `Get-UMMailboxPIN` and `Set-UMMailboxPIN`.

use jiff::SignedDuration;
use secrecy::ExposeSecret;
use umpin_crypto::{HistoryEntry, Pin, generate_pin};
use umpin_domain::identity::{check_identity, resolve_mailbox};
use umpin_domain::mailbox::check_address;
use umpin_domain::pin::check_expires_within_days;
use umpin_domain::{Error, Mailbox, PinPolicy, PinStatus, Timestamp, UmMailbox, check_new_pin};
use umpin_store::{PinRecord, Tx, UmMailboxFilter, UmPinFilter};

use crate::access::Operation;
use crate::mailboxes::{find_dial_plan, find_mailbox, find_policy, page, page_size};
use crate::messages::OutgoingMessage;
use crate::um_mailboxes::{enabled_um_mailbox, pin_length, policy_of};
use crate::{Page, Principal, Service, ServiceError};

/// The `Get-UMMailboxPIN` object: the derived status of a UM mailbox's PIN, never the PIN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UmMailboxPin {
    /// The primary SMTP address.
    pub user_id: String,
    pub pin_expired: bool,
    pub first_time_user: bool,
    pub locked_out: bool,
    /// The identity that names this mailbox unambiguously (its primary address), so that piping
    /// the object to `Set-UMMailboxPIN` binds it.
    pub identity: String,
    pub failed_logon_count: u32,
    pub last_failed_logon: Option<Timestamp>,
    pub pin_last_set: Timestamp,
    pub pin_expires_on: Option<Timestamp>,
}

impl UmMailboxPin {
    pub(crate) fn derive(mailbox: &Mailbox, status: &PinStatus, policy: &PinPolicy, now: Timestamp) -> Self {
        UmMailboxPin {
            user_id: mailbox.primary_smtp_address.clone(),
            pin_expired: status.pin_expired(policy, now),
            first_time_user: status.first_time_user,
            locked_out: status.locked_out,
            identity: mailbox.primary_smtp_address.clone(),
            failed_logon_count: status.failed_logon_count,
            last_failed_logon: status.last_failed_logon,
            pin_last_set: status.pin_set_at,
            pin_expires_on: status.pin_expires_on(policy),
        }
    }
}

/// Which PIN information a listing returns, and in which order (the API's filters, the PIN
/// report's; the shell lists all).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PinFilter {
    pub locked_out: Option<bool>,
    pub pin_expired: Option<bool>,
    pub first_time_user: Option<bool>,
    /// The identity of a dial plan.
    pub dial_plan: Option<String>,
    /// The identity of a UM mailbox policy.
    pub policy: Option<String>,
    /// Only the PINs that reach their `PINLifetime` within this many days from now (1 to 999)
    /// and haven't reached it yet.
    pub expires_within_days: Option<u32>,
    /// By primary address from Z to A rather than from A to Z.
    pub descending: bool,
}

/// What `Set-UMMailboxPIN` is given besides the identity.
#[derive(Debug, Default)]
pub struct PinReset {
    pub pin: Option<Pin>,
    pub pin_expired: Option<bool>,
    pub locked_out: Option<bool>,
    pub notify_email: Option<String>,
    /// Defaults to `$true`.
    pub send_email: Option<bool>,
}

impl Service {
    /// `Get-UMMailboxPIN -Identity`.
    pub async fn get_um_mailbox_pin(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
    ) -> Result<UmMailboxPin, ServiceError> {
        // One statement on a reader, the mailbox and its PIN status together: what every
        // request for one mailbox's PIN information costs the database.
        self.audited_lookup(by, operation, async {
            check_identity("Identity", identity)?;
            let (mailboxes, pins): (Vec<Mailbox>, Vec<_>) =
                self.db.mailbox_pin_candidates(identity).await?.into_iter().unzip();
            let mailbox = resolve_mailbox(identity, &mailboxes)?;
            let chosen = mailboxes.iter().position(|m| m.guid == mailbox.guid);
            match chosen.and_then(|i| pins[i].as_ref()) {
                Some((status, pin_policy)) => Ok(UmMailboxPin::derive(mailbox, status, pin_policy, self.now())),
                None => Err(Error::NotUmEnabled { mailbox: mailbox.primary_smtp_address.clone() }.into()),
            }
        })
        .await
    }

    /// `Get-UMMailboxPIN` without identity: one page, by primary address, of the UM mailboxes
    /// that match `filter`, read in one statement whatever the filter. Each page read is one
    /// audit record.
    pub async fn list_um_mailbox_pins(
        &self,
        by: &Principal,
        operation: Operation,
        filter: &PinFilter,
        after: Option<&str>,
        result_size: Option<u32>,
    ) -> Result<Page<UmMailboxPin>, ServiceError> {
        self.audited_read(by, operation, async |tx| {
            crate::mailboxes::check_listing(None, after)?;
            let limit = page_size(result_size);
            let now = self.now();
            let dial_plan = match &filter.dial_plan {
                Some(identity) => Some(find_dial_plan(tx, identity).await?.guid),
                None => None,
            };
            let policy = match &filter.policy {
                Some(identity) => Some(find_policy(tx, identity).await?.guid),
                None => None,
            };
            let expires_by = match filter.expires_within_days {
                Some(days) => {
                    let days = check_expires_within_days(days)?;
                    Some(now.saturating_add(SignedDuration::from_hours(i64::from(days) * 24)).unwrap_or(Timestamp::MAX))
                }
                None => None,
            };
            let stored = UmPinFilter {
                um_mailboxes: UmMailboxFilter { dial_plan, policy, ..Default::default() },
                locked_out: filter.locked_out,
                first_time_user: filter.first_time_user,
                pin_expired: filter.pin_expired,
                expires_by,
                descending: filter.descending,
            };
            let mut rows = tx.list_um_pins(&stored, now, after, limit + 1).await?;
            let rows = page(&mut rows, limit, |(mailbox, _, _)| mailbox.primary_smtp_address.to_lowercase());
            let items =
                rows.items.iter().map(|(mailbox, status, policy)| UmMailboxPin::derive(mailbox, status, policy, now));
            Ok(Page { items: items.collect(), next: rows.next })
        })
        .await
    }

    /// `Set-UMMailboxPIN`:
    /// - `-LockedOut $false` without `-Pin`: unlocks and clears the failure count, the PIN stays;
    /// - `-LockedOut $true` without `-Pin`: locks;
    /// - otherwise resets the PIN to `-Pin` (checked against the policy, the extensions and the
    ///   history) or to a generated one, expired unless `-PINExpired $false`, clears the failure
    ///   count and lifts the lockout (unless `-LockedOut $true`), and e-mails the new PIN unless
    ///   `-SendEmail $false`.
    ///
    /// In the first two cases an explicit `-PINExpired` is applied as well.
    pub async fn set_um_mailbox_pin(
        &self,
        by: &Principal,
        operation: Operation,
        identity: &str,
        request: PinReset,
    ) -> Result<UmMailboxPin, ServiceError> {
        self.audited(by, operation, async |tx| self.set_pin_in(tx, identity, request).await).await
    }

    pub(crate) async fn set_pin_in(
        &self,
        tx: &mut Tx,
        identity: &str,
        request: PinReset,
    ) -> Result<UmMailboxPin, ServiceError> {
        let now = self.now();
        let mailbox = find_mailbox(tx, identity).await?;
        let um = enabled_um_mailbox(tx, &mailbox).await?;
        let policy = policy_of(tx, &um).await?;
        let record = pin_record(tx, &mailbox).await?;
        let status = match (request.pin, request.locked_out) {
            (None, Some(locked_out)) => {
                let mut status = record.status;
                if locked_out {
                    status.lock();
                } else {
                    status.unlock();
                }
                if let Some(expired) = request.pin_expired {
                    status.expiry_forced = expired;
                }
                tx.update_pin_status(mailbox.guid, &status).await?;
                status
            }
            (pin, locked_out) => {
                let recipient = match &request.notify_email {
                    Some(address) => check_address("NotifyEmail", address)?,
                    None => mailbox.primary_smtp_address.clone(),
                };
                let expired = request.pin_expired.unwrap_or(umpin_domain::pin::EXPIRED_WHEN_SET);
                let (pin, next) = self
                    .new_pin_record(&mailbox, &um, &policy.pin, &record, pin, |pin_length| {
                        let first_time_user = record.status.first_time_user;
                        PinStatus::new_pin(pin_length, expired, first_time_user, locked_out.unwrap_or(false), now)
                    })
                    .await?;
                tx.put_pin(mailbox.guid, &next).await?;
                metrics::counter!("umpin_pin_resets_total", "by" => "administrator").increment(1);
                if request.send_email.unwrap_or(umpin_domain::pin::SEND_EMAIL) {
                    let message = OutgoingMessage::pin_reset(
                        &mailbox,
                        &recipient,
                        pin.expose_secret(),
                        expired,
                        &policy.reset_pin_text,
                    );
                    tx.enqueue_message(&self.outbox_message(&message, now)?).await?;
                }
                next.status
            }
        };
        Ok(UmMailboxPin::derive(&mailbox, &status, &policy.pin, now))
    }

    /// A new PIN record: the given PIN checked (SPEC §2.1, history included) or a generated one,
    /// sealed, with the history extended and cut to `PINHistoryCount`. `status` makes the status
    /// from the new PIN's length. Returns the PIN too, for the notification.
    pub(crate) async fn new_pin_record(
        &self,
        mailbox: &Mailbox,
        um: &UmMailbox,
        policy: &PinPolicy,
        current: &PinRecord,
        pin: Option<Pin>,
        status: impl FnOnce(u8) -> PinStatus,
    ) -> Result<(Pin, PinRecord), ServiceError> {
        let history: Vec<HistoryEntry> = current
            .history
            .iter()
            .take(usize::from(policy.pin_history_count))
            .map(|bytes| HistoryEntry::from_bytes(bytes.clone()))
            .collect();
        let in_history = |candidate: &str| self.vault.in_history(mailbox.guid, &Pin::from(candidate), &history);
        let pin = match pin {
            Some(pin) => {
                check_new_pin(pin.expose_secret(), policy, &um.extensions, in_history).map_err(Error::from)?;
                pin
            }
            None => generate_pin(policy, &um.extensions, in_history)?,
        };
        let mut entries = vec![self.vault.history_entry(mailbox.guid, &pin).into_bytes()];
        entries.extend(current.history.iter().take(usize::from(policy.pin_history_count) - 1).cloned());
        let record = PinRecord {
            status: status(pin_length(&pin)),
            sealed_pin: self.vault.seal_new_pin(mailbox.guid, &pin).await?.into_bytes(),
            history: entries,
            version: current.version,
        };
        Ok((pin, record))
    }
}

pub(crate) async fn pin_record(tx: &mut Tx, mailbox: &Mailbox) -> Result<PinRecord, ServiceError> {
    tx.pin(mailbox.guid)
        .await?
        .ok_or_else(|| Error::NotUmEnabled { mailbox: mailbox.primary_smtp_address.clone() }.into())
}
