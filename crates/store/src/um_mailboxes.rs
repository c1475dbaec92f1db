//! UM mailboxes (SPEC §1.4): the UM settings of a mailbox and its extensions.

use umpin_domain::{Guid, Mailbox, UmMailbox};

use crate::error::{Doing, map_error};
use crate::mailboxes::{MailboxRow, anr_condition, load_mailboxes, mailbox_columns};
use crate::rows::{after_key, children, delete_one, guid_text, key, micros, opt_timestamp, parse_guid, prefix_pattern};
use crate::{Conn, StoreError, Tx};

/// Which UM mailboxes [`Tx::list_um_mailboxes`] and [`Tx::list_um_pins`] list. Only UM-enabled
/// mailboxes are ever listed; every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UmMailboxFilter {
    /// Only the UM mailboxes of this policy.
    pub policy: Option<Guid>,
    /// Only the UM mailboxes of this dial plan.
    pub dial_plan: Option<Guid>,
    /// `-Anr`: only mailboxes whose name, display name, alias or an address starts with this.
    pub anr: Option<String>,
}

macro_rules! um_columns {
    () => {
        "u.mailbox, u.policy, u.dial_plan, u.sip_resource_identifier, u.operator_number, u.pilot_number, \
         u.um_enabled, u.when_um_enabled, u.pinless_access_to_voice_mail_enabled"
    };
}

/// The conditions of a [`UmMailboxFilter`] on `mailboxes m JOIN um_mailboxes u`, after `$1`
/// (keyset, which the statement compares with the primary address in the order it walks), `$2`
/// (anr) and `$3` (limit): `$4` policy, `$5` dial plan.
macro_rules! um_filter_condition {
    () => {
        concat!(
            "u.um_enabled AND ",
            anr_condition!(),
            " AND ($4 IS NULL OR u.policy = $4) AND ($5 IS NULL OR u.dial_plan = $5)"
        )
    };
}
pub(crate) use um_filter_condition;

#[derive(sqlx::FromRow)]
struct UmRow {
    mailbox: String,
    policy: String,
    dial_plan: String,
    sip_resource_identifier: Option<String>,
    operator_number: Option<String>,
    pilot_number: Option<String>,
    um_enabled: bool,
    when_um_enabled: Option<i64>,
    pinless_access_to_voice_mail_enabled: bool,
}

impl UmRow {
    fn into_um_mailbox(self, extensions: Vec<String>) -> Result<UmMailbox, StoreError> {
        Ok(UmMailbox {
            mailbox: parse_guid(&self.mailbox)?,
            policy: parse_guid(&self.policy)?,
            dial_plan: parse_guid(&self.dial_plan)?,
            extensions,
            sip_resource_identifier: self.sip_resource_identifier,
            operator_number: self.operator_number,
            pilot_number: self.pilot_number,
            um_enabled: self.um_enabled,
            when_um_enabled: opt_timestamp(self.when_um_enabled)?,
            pinless_access_to_voice_mail_enabled: self.pinless_access_to_voice_mail_enabled,
        })
    }
}

/// A row of a UM mailbox listing: the mailbox and its UM settings.
#[derive(sqlx::FromRow)]
struct UmListRow {
    #[sqlx(flatten)]
    mailbox: MailboxRow,
    #[sqlx(flatten)]
    um: UmRow,
}

/// Completes UM rows with their extensions, keeping the rows' order.
async fn load_um_mailboxes(conn: Conn<'_>, rows: Vec<UmRow>) -> Result<Vec<UmMailbox>, StoreError> {
    let guids: Vec<String> = rows.iter().map(|r| r.mailbox.clone()).collect();
    let mut extensions = children(conn, "um_extensions", "mailbox", "extension", "TRUE", &guids).await?;
    rows.into_iter()
        .map(|row| {
            let e = extensions.remove(&row.mailbox).unwrap_or_default();
            row.into_um_mailbox(e)
        })
        .collect()
}

/// Completes listing rows: mailboxes with their addresses, UM settings with their extensions.
async fn load_um_list(mut conn: Conn<'_>, rows: Vec<UmListRow>) -> Result<Vec<(Mailbox, UmMailbox)>, StoreError> {
    let (mailboxes, ums): (Vec<MailboxRow>, Vec<UmRow>) = rows.into_iter().map(|r| (r.mailbox, r.um)).unzip();
    let mailboxes = load_mailboxes(conn.reborrow(), mailboxes).await?;
    let ums = load_um_mailboxes(conn, ums).await?;
    Ok(mailboxes.into_iter().zip(ums).collect())
}

/// The bind values of a filter, in the order of `um_filter_condition!`.
pub(crate) struct FilterBinds {
    pub(crate) after: String,
    pub(crate) anr: Option<String>,
    pub(crate) limit: i64,
    pub(crate) policy: Option<String>,
    pub(crate) dial_plan: Option<String>,
}

impl FilterBinds {
    /// The binds of a walk up the primary addresses (from the lowest, or after `after`).
    pub(crate) fn new(filter: &UmMailboxFilter, after: Option<&str>, limit: u32) -> Self {
        FilterBinds {
            after: after_key(after),
            anr: filter.anr.as_deref().map(prefix_pattern),
            limit: i64::from(limit),
            policy: filter.policy.map(guid_text),
            dial_plan: filter.dial_plan.map(guid_text),
        }
    }
}

impl Tx {
    /// Stores the UM settings of a mailbox, replacing those it had, and replaces its extension
    /// rows with `extensions` (the first is the primary one). A UM-disabled one (`um_enabled`
    /// false, the kept settings of `-KeepProperties`) holds no extensions: none are stored.
    ///
    /// An extension another UM mailbox of the dial plan has is
    /// [`Unique::Extension`](crate::Unique::Extension); a SIP resource identifier another
    /// UM-enabled mailbox of the dial plan has (case-insensitively) is
    /// [`Unique::SipResourceIdentifier`](crate::Unique::SipResourceIdentifier). The PIN data is
    /// left as it is.
    pub async fn put_um_mailbox(&mut self, um: &UmMailbox) -> Result<(), StoreError> {
        let mailbox = guid_text(um.mailbox);
        let dial_plan = guid_text(um.dial_plan);
        let sip = um.sip_resource_identifier.as_deref();
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO um_mailboxes (mailbox, policy, dial_plan, sip_resource_identifier, \
                 sip_resource_identifier_key, operator_number, pilot_number, um_enabled, when_um_enabled, \
                 pinless_access_to_voice_mail_enabled) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (mailbox) DO UPDATE SET policy = excluded.policy, dial_plan = excluded.dial_plan, \
                 sip_resource_identifier = excluded.sip_resource_identifier, \
                 sip_resource_identifier_key = excluded.sip_resource_identifier_key, \
                 operator_number = excluded.operator_number, pilot_number = excluded.pilot_number, \
                 um_enabled = excluded.um_enabled, when_um_enabled = excluded.when_um_enabled, \
                 pinless_access_to_voice_mail_enabled = excluded.pinless_access_to_voice_mail_enabled",
            )
            .bind(mailbox.clone())
            .bind(guid_text(um.policy))
            .bind(dial_plan.clone())
            .bind(um.sip_resource_identifier.clone())
            .bind(sip.map(key))
            .bind(um.operator_number.clone())
            .bind(um.pilot_number.clone())
            .bind(um.um_enabled)
            .bind(um.when_um_enabled.map(micros))
            .bind(um.pinless_access_to_voice_mail_enabled)
            .execute(&mut *c)
            .await
            .map_err(|e| map_error(e, Doing::Write, sip))?;
            sqlx::query("DELETE FROM um_extensions WHERE mailbox = $1")
                .bind(mailbox.clone())
                .execute(&mut *c)
                .await?;
        });
        if !um.um_enabled {
            return Ok(());
        }
        for (position, extension) in um.extensions.iter().enumerate() {
            on_conn!(self.conn(), c => {
                sqlx::query(
                    "INSERT INTO um_extensions (dial_plan, extension, mailbox, position) VALUES ($1, $2, $3, $4)",
                )
                    .bind(dial_plan.clone())
                    .bind(extension.clone())
                    .bind(mailbox.clone())
                    .bind(position as i64)
                    .execute(&mut *c)
                    .await
                    .map_err(|e| map_error(e, Doing::Write, Some(extension)))?;
            });
        }
        Ok(())
    }

    /// The UM settings of a mailbox (enabled, or kept after disabling), if it has any.
    pub async fn um_mailbox(&mut self, mailbox: Guid) -> Result<Option<UmMailbox>, StoreError> {
        let row: Option<UmRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!("SELECT ", um_columns!(), " FROM um_mailboxes u WHERE u.mailbox = $1"))
                .bind(guid_text(mailbox))
                .fetch_optional(&mut *c)
                .await?
        });
        Ok(load_um_mailboxes(self.conn(), row.into_iter().collect()).await?.pop())
    }

    /// Removes the UM settings of a mailbox with its extensions and PIN data.
    /// [`StoreError::NotFound`] when it has none.
    pub async fn delete_um_mailbox(&mut self, mailbox: Guid) -> Result<(), StoreError> {
        delete_one(self.conn(), "DELETE FROM um_mailboxes WHERE mailbox = $1", mailbox).await
    }

    /// One page of UM-enabled mailboxes with their UM settings, in the order of the primary
    /// address and paged like [`Tx::list_mailboxes`] (`after` is the last primary address of the
    /// previous page).
    pub async fn list_um_mailboxes(
        &mut self,
        filter: &UmMailboxFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(Mailbox, UmMailbox)>, StoreError> {
        let b = FilterBinds::new(filter, after, limit);
        let rows: Vec<UmListRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", mailbox_columns!(), ", ", um_columns!(),
                " FROM mailboxes m JOIN um_mailboxes u ON u.mailbox = m.guid WHERE ", um_filter_condition!(),
                " AND m.primary_address_key > $1 ORDER BY m.primary_address_key LIMIT $3"
            ))
            .bind(b.after.clone())
            .bind(b.anr.clone())
            .bind(b.limit)
            .bind(b.policy.clone())
            .bind(b.dial_plan.clone())
            .fetch_all(&mut *c)
            .await?
        });
        load_um_list(self.conn(), rows).await
    }

    /// The UM mailbox that has this extension (primary or secondary) in this dial plan.
    pub async fn um_mailbox_by_extension(
        &mut self,
        dial_plan: Guid,
        extension: &str,
    ) -> Result<Option<Guid>, StoreError> {
        let row: Option<(String,)> = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT mailbox FROM um_extensions WHERE dial_plan = $1 AND extension = $2")
                .bind(guid_text(dial_plan))
                .bind(extension.to_owned())
                .fetch_optional(&mut *c)
                .await?
        });
        row.map(|(g,)| parse_guid(&g)).transpose()
    }

    /// How many mailboxes are UM-enabled.
    pub async fn count_um_mailboxes(&mut self) -> Result<u64, StoreError> {
        let (count,): (i64,) = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT COUNT(*) FROM um_mailboxes WHERE um_enabled")
                .fetch_one(&mut *c)
                .await?
        });
        crate::rows::narrow(count, "a count")
    }
}
