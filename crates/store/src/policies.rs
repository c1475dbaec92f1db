//! UM mailbox policies (SPEC §1.3): the PIN settings of the UM mailboxes of a dial plan.

use umpin_domain::{Guid, Limit, MailboxPolicy, PinPolicy};

use crate::error::{Doing, map_error};
use crate::rows::{guid_text, json_bool, key, micros, narrow, parse_guid, timestamp};
use crate::{StoreError, Tx};

/// The columns of `mailbox_policies pol` that make a [`PinPolicyRow`]: the PIN settings.
macro_rules! pin_policy_columns {
    () => {
        "pol.min_pin_length, pol.pin_lifetime, pol.pin_history_count, pol.allow_common_patterns, \
         pol.allow_common_pins, pol.logon_failures_before_pin_reset, pol.max_logon_attempts"
    };
}
pub(crate) use pin_policy_columns;

macro_rules! policy_columns {
    () => {
        concat!(
            "pol.guid, pol.name, pol.dial_plan, ",
            pin_policy_columns!(),
            ", pol.reset_pin_text, pol.um_enabled_text, pol.allow_pinless_voice_mail_access, pol.when_created"
        )
    };
}

/// Read by column name from a row, or by position from a JSON array of [`pin_policy_columns!`].
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct PinPolicyRow {
    min_pin_length: i64,
    pin_lifetime: Option<i64>,
    pin_history_count: i64,
    #[serde(deserialize_with = "json_bool")]
    allow_common_patterns: bool,
    #[serde(deserialize_with = "json_bool")]
    allow_common_pins: bool,
    logon_failures_before_pin_reset: Option<i64>,
    max_logon_attempts: i64,
}

impl PinPolicyRow {
    pub(crate) fn into_pin_policy(self) -> Result<PinPolicy, StoreError> {
        Ok(PinPolicy {
            min_pin_length: narrow(self.min_pin_length, "MinPINLength")?,
            pin_lifetime: limit(self.pin_lifetime, "PINLifetime")?,
            pin_history_count: narrow(self.pin_history_count, "PINHistoryCount")?,
            allow_common_patterns: self.allow_common_patterns,
            allow_common_pins: self.allow_common_pins,
            logon_failures_before_pin_reset: limit(
                self.logon_failures_before_pin_reset,
                "LogonFailuresBeforePINReset",
            )?,
            max_logon_attempts: narrow(self.max_logon_attempts, "MaxLogonAttempts")?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    guid: String,
    name: String,
    dial_plan: String,
    #[sqlx(flatten)]
    pin: PinPolicyRow,
    reset_pin_text: String,
    um_enabled_text: String,
    allow_pinless_voice_mail_access: bool,
    when_created: i64,
}

/// `Unlimited` is stored as NULL.
fn limit(value: Option<i64>, what: &str) -> Result<Limit, StoreError> {
    Ok(match value {
        Some(n) => Limit::Limited(narrow(n, what)?),
        None => Limit::Unlimited,
    })
}

fn limit_value(limit: Limit) -> Option<i64> {
    limit.value().map(i64::from)
}

impl PolicyRow {
    fn into_policy(self) -> Result<MailboxPolicy, StoreError> {
        Ok(MailboxPolicy {
            guid: parse_guid(&self.guid)?,
            name: self.name,
            dial_plan: parse_guid(&self.dial_plan)?,
            pin: self.pin.into_pin_policy()?,
            reset_pin_text: self.reset_pin_text,
            um_enabled_text: self.um_enabled_text,
            allow_pinless_voice_mail_access: self.allow_pinless_voice_mail_access,
            when_created: timestamp(self.when_created)?,
        })
    }
}

fn into_policies(rows: Vec<PolicyRow>) -> Result<Vec<MailboxPolicy>, StoreError> {
    rows.into_iter().map(PolicyRow::into_policy).collect()
}

/// Binds `$1…` of the policy insert and update statements, which number the columns alike.
macro_rules! bind_policy {
    ($query:expr, $x:expr) => {
        $query
            .bind(guid_text($x.guid))
            .bind($x.name.clone())
            .bind(key(&$x.name))
            .bind(guid_text($x.dial_plan))
            .bind(i64::from($x.pin.min_pin_length))
            .bind(limit_value($x.pin.pin_lifetime))
            .bind(i64::from($x.pin.pin_history_count))
            .bind($x.pin.allow_common_patterns)
            .bind(limit_value($x.pin.logon_failures_before_pin_reset))
            .bind(i64::from($x.pin.max_logon_attempts))
            .bind($x.reset_pin_text.clone())
            .bind($x.um_enabled_text.clone())
            .bind(micros($x.when_created))
            .bind($x.allow_pinless_voice_mail_access)
            .bind($x.pin.allow_common_pins)
    };
}

impl Tx {
    /// Stores a new policy. A name another policy has is
    /// [`Unique::PolicyName`](crate::Unique::PolicyName); an unknown dial plan is
    /// [`StoreError::MissingReference`].
    pub async fn insert_policy(&mut self, policy: &MailboxPolicy) -> Result<(), StoreError> {
        let p = policy;
        on_conn!(self.conn(), c => {
            let query = sqlx::query(
                "INSERT INTO mailbox_policies (guid, name, name_key, dial_plan, min_pin_length, pin_lifetime, \
                pin_history_count, allow_common_patterns, logon_failures_before_pin_reset, max_logon_attempts, \
                reset_pin_text, um_enabled_text, when_created, allow_pinless_voice_mail_access, allow_common_pins) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            );
            bind_policy!(query, p)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Replaces every field of a stored policy. [`StoreError::NotFound`] when there is no policy
    /// with its guid.
    pub async fn update_policy(&mut self, policy: &MailboxPolicy) -> Result<(), StoreError> {
        let p = policy;
        let updated = on_conn!(self.conn(), c => {
            let query = sqlx::query(
                "UPDATE mailbox_policies SET name = $2, name_key = $3, dial_plan = $4, min_pin_length = $5, \
                pin_lifetime = $6, pin_history_count = $7, allow_common_patterns = $8, \
                logon_failures_before_pin_reset = $9, max_logon_attempts = $10, reset_pin_text = $11, \
                um_enabled_text = $12, when_created = $13, allow_pinless_voice_mail_access = $14, \
                allow_common_pins = $15 WHERE guid = $1",
            );
            bind_policy!(query, p)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if updated == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Removes a policy. Refused with [`StoreError::InUse`] while a UM-enabled mailbox uses it;
    /// the kept settings of UM-disabled mailboxes that name it (`-KeepProperties`) go with it, as
    /// they could never be re-enabled with a policy that no longer exists.
    /// [`StoreError::NotFound`] when there is no such policy.
    pub async fn delete_policy(&mut self, policy: Guid) -> Result<(), StoreError> {
        let guid = guid_text(policy);
        let deleted = on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM um_mailboxes WHERE policy = $1 AND NOT um_enabled")
                .bind(guid.clone())
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM mailbox_policies WHERE guid = $1")
                .bind(guid.clone())
                .execute(&mut *c)
                .await
                .map_err(|e| map_error(e, Doing::Delete, None))?
                .rows_affected()
        });
        if deleted == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// The policy with this guid.
    pub async fn policy(&mut self, policy: Guid) -> Result<Option<MailboxPolicy>, StoreError> {
        let row: Option<PolicyRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!("SELECT ", policy_columns!(), " FROM mailbox_policies pol WHERE pol.guid = $1"))
                .bind(guid_text(policy))
                .fetch_optional(&mut *c)
                .await?
        });
        row.map(PolicyRow::into_policy).transpose()
    }

    /// Every policy an `-Identity` value may name: the one whose guid it is and the one whose name
    /// equals it case-insensitively.
    pub async fn policy_candidates(&mut self, identity: &str) -> Result<Vec<MailboxPolicy>, StoreError> {
        let wanted = key(identity);
        let guid = Guid::parse_str(identity.trim()).map(guid_text).unwrap_or_else(|_| wanted.clone());
        let rows: Vec<PolicyRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", policy_columns!(),
                " FROM mailbox_policies pol WHERE pol.guid = $1 OR pol.name_key = $2 ORDER BY pol.name_key"
            ))
            .bind(guid)
            .bind(wanted)
            .fetch_all(&mut *c)
            .await?
        });
        into_policies(rows)
    }

    /// Every policy, or those of one dial plan, ordered by name.
    pub async fn policies(&mut self, dial_plan: Option<Guid>) -> Result<Vec<MailboxPolicy>, StoreError> {
        let rows: Vec<PolicyRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", policy_columns!(), " FROM mailbox_policies pol ",
                "WHERE ($1 IS NULL OR pol.dial_plan = $1) ORDER BY pol.name_key, pol.guid"
            ))
            .bind(dial_plan.map(guid_text))
            .fetch_all(&mut *c)
            .await?
        });
        into_policies(rows)
    }

    /// The names of the policies of a dial plan, ordered: what stands in the way of removing it.
    pub async fn policy_names_of_dial_plan(&mut self, dial_plan: Guid) -> Result<Vec<String>, StoreError> {
        let names: Vec<(String,)> = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT name FROM mailbox_policies WHERE dial_plan = $1 ORDER BY name_key, guid")
                .bind(guid_text(dial_plan))
                .fetch_all(&mut *c)
                .await?
        });
        Ok(names.into_iter().map(|(n,)| n).collect())
    }

    /// How many UM-enabled mailboxes use a policy: what stands in the way of removing it.
    pub async fn um_enabled_count_of_policy(&mut self, policy: Guid) -> Result<u64, StoreError> {
        let (count,): (i64,) = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT COUNT(*) FROM um_mailboxes WHERE policy = $1 AND um_enabled")
                .bind(guid_text(policy))
                .fetch_one(&mut *c)
                .await?
        });
        narrow(count, "a count")
    }
}
