//! Mailboxes (SPEC §1.1) and their addresses: writing, finding by identity, listing by page.

use umpin_domain::mailbox::phone_digits;
use umpin_domain::{Guid, Mailbox};

use crate::error::{Doing, map_error};
use crate::rows::{after_key, children, delete_one, guid_text, key, micros, parse_guid, prefix_pattern, timestamp};
use crate::{Conn, StoreError, Tx};

/// The most mailboxes [`Tx::mailbox_candidates`] returns: enough to name the candidates of an
/// ambiguous identity, few enough that a value matching everybody stays cheap.
pub const MAX_CANDIDATES: u32 = 50;

/// Which mailboxes [`Tx::list_mailboxes`] lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailboxFilter {
    /// `-Anr`: only mailboxes whose name, display name, alias or one of whose addresses starts
    /// with this (case-insensitively).
    pub anr: Option<String>,
}

/// The columns of `mailboxes m` that make a [`MailboxRow`].
macro_rules! mailbox_columns {
    () => {
        "m.guid, m.name, m.alias, m.display_name, m.primary_smtp_address, m.user_principal_name, \
         m.phone, m.first_name, m.last_name, m.when_created"
    };
}
pub(crate) use mailbox_columns;

/// The `-Anr` condition on `mailboxes m`, with the prefix pattern as `$2` (NULL: every mailbox).
macro_rules! anr_condition {
    () => {
        "($2 IS NULL OR m.name_key LIKE $2 ESCAPE '!' OR m.display_name_key LIKE $2 ESCAPE '!' \
         OR m.alias_key LIKE $2 ESCAPE '!' OR EXISTS (SELECT 1 FROM mailbox_addresses a \
         WHERE a.mailbox = m.guid AND a.address_key LIKE $2 ESCAPE '!'))"
    };
}
pub(crate) use anr_condition;

#[derive(sqlx::FromRow)]
pub(crate) struct MailboxRow {
    guid: String,
    name: String,
    alias: String,
    display_name: String,
    primary_smtp_address: String,
    user_principal_name: String,
    phone: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    when_created: i64,
}

impl MailboxRow {
    fn into_mailbox(self, email_addresses: Vec<String>) -> Result<Mailbox, StoreError> {
        Ok(Mailbox {
            guid: parse_guid(&self.guid)?,
            name: self.name,
            alias: self.alias,
            display_name: self.display_name,
            primary_smtp_address: self.primary_smtp_address,
            email_addresses,
            user_principal_name: self.user_principal_name,
            phone: self.phone,
            first_name: self.first_name,
            last_name: self.last_name,
            when_created: timestamp(self.when_created)?,
        })
    }
}

/// Completes mailbox rows with their secondary addresses, keeping the rows' order.
pub(crate) async fn load_mailboxes(conn: Conn<'_>, rows: Vec<MailboxRow>) -> Result<Vec<Mailbox>, StoreError> {
    let guids: Vec<String> = rows.iter().map(|r| r.guid.clone()).collect();
    let mut secondary = children(conn, "mailbox_addresses", "mailbox", "address", "NOT is_primary", &guids).await?;
    rows.into_iter()
        .map(|row| {
            let addresses = secondary.remove(&row.guid).unwrap_or_default();
            row.into_mailbox(addresses)
        })
        .collect()
}

/// Replaces the address rows of a mailbox: the primary one at position 0, then the secondary ones.
async fn write_addresses(mut conn: Conn<'_>, mailbox: &Mailbox) -> Result<(), StoreError> {
    let guid = guid_text(mailbox.guid);
    on_conn!(conn.reborrow(), c => {
        sqlx::query("DELETE FROM mailbox_addresses WHERE mailbox = $1")
            .bind(guid.clone())
            .execute(&mut *c)
            .await?;
    });
    for (position, address) in mailbox.addresses().enumerate() {
        on_conn!(conn.reborrow(), c => {
            sqlx::query(
                "INSERT INTO mailbox_addresses (address_key, address, mailbox, position, is_primary) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(key(address))
            .bind(address.to_owned())
            .bind(guid.clone())
            .bind(position as i64)
            .bind(position == 0)
            .execute(&mut *c)
            .await
            .map_err(|e| map_error(e, Doing::Write, Some(address)))?;
        });
    }
    Ok(())
}

/// Binds `$1…` of the mailbox insert and update statements, which number the columns alike.
macro_rules! bind_mailbox {
    ($query:expr, $x:expr) => {
        $query
            .bind(guid_text($x.guid))
            .bind($x.name.clone())
            .bind(key(&$x.name))
            .bind($x.alias.clone())
            .bind(key(&$x.alias))
            .bind($x.display_name.clone())
            .bind(key(&$x.display_name))
            .bind($x.primary_smtp_address.clone())
            .bind(key(&$x.primary_smtp_address))
            .bind($x.user_principal_name.clone())
            .bind(key(&$x.user_principal_name))
            .bind($x.phone.clone())
            .bind($x.first_name.clone())
            .bind($x.last_name.clone())
            .bind(micros($x.when_created))
            .bind($x.phone.as_deref().map(phone_digits))
    };
}

impl Tx {
    /// Stores a new mailbox with its addresses. A name, alias or address (primary or secondary)
    /// that another mailbox has is a [`StoreError::Conflict`] naming the rule.
    pub async fn insert_mailbox(&mut self, mailbox: &Mailbox) -> Result<(), StoreError> {
        let m = mailbox;
        on_conn!(self.conn(), c => {
            let query = sqlx::query(
                "INSERT INTO mailboxes (guid, name, name_key, alias, alias_key, display_name, display_name_key, \
                primary_smtp_address, primary_address_key, user_principal_name, upn_key, phone, first_name, \
                last_name, when_created, phone_digits) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            );
            bind_mailbox!(query, m)
                .execute(&mut *c)
                .await
                .map_err(|e| map_error(e, Doing::Write, Some(&m.primary_smtp_address)))?;
        });
        write_addresses(self.conn(), m).await
    }

    /// Replaces every field of a stored mailbox, its set of secondary addresses included.
    /// [`StoreError::NotFound`] when there is no mailbox with its guid.
    pub async fn update_mailbox(&mut self, mailbox: &Mailbox) -> Result<(), StoreError> {
        let m = mailbox;
        let updated = on_conn!(self.conn(), c => {
            let query = sqlx::query(
                "UPDATE mailboxes SET name = $2, name_key = $3, alias = $4, alias_key = $5, display_name = $6, \
                display_name_key = $7, primary_smtp_address = $8, primary_address_key = $9, \
                user_principal_name = $10, upn_key = $11, phone = $12, first_name = $13, last_name = $14, \
                when_created = $15, phone_digits = $16 WHERE guid = $1",
            );
            bind_mailbox!(query, m)
                .execute(&mut *c)
                .await
                .map_err(|e| map_error(e, Doing::Write, Some(&m.primary_smtp_address)))?
                .rows_affected()
        });
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        write_addresses(self.conn(), m).await
    }

    /// Removes a mailbox with everything that hangs on it: addresses, UM settings, extensions,
    /// PIN data. [`StoreError::NotFound`] when there is no such mailbox.
    pub async fn delete_mailbox(&mut self, mailbox: Guid) -> Result<(), StoreError> {
        delete_one(self.conn(), "DELETE FROM mailboxes WHERE guid = $1", mailbox).await
    }

    /// How many mailboxes have a phone number of these digits, counting no further than 2: enough
    /// to tell one owner of a number from a number that several share.
    pub async fn count_mailboxes_with_phone(&mut self, digits: &str) -> Result<u64, StoreError> {
        let (count,): (i64,) = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT COUNT(*) FROM (SELECT 1 FROM mailboxes WHERE phone_digits = $1 LIMIT 2) t")
                .bind(digits.to_owned())
                .fetch_one(&mut *c)
                .await?
        });
        crate::rows::narrow(count, "a count")
    }

    /// The mailbox with this guid.
    pub async fn mailbox(&mut self, mailbox: Guid) -> Result<Option<Mailbox>, StoreError> {
        let row: Option<MailboxRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!("SELECT ", mailbox_columns!(), " FROM mailboxes m WHERE m.guid = $1"))
                .bind(guid_text(mailbox))
                .fetch_optional(&mut *c)
                .await?
        });
        Ok(load_mailboxes(self.conn(), row.into_iter().collect()).await?.pop())
    }

    /// Every mailbox an `-Identity` value may name (SPEC §1.1), for the domain's identity
    /// resolution to choose from: the one whose guid it is, and every one whose primary or
    /// secondary address, user principal name, alias, name or display name equals it
    /// case-insensitively. At most [`MAX_CANDIDATES`], ordered by the field that matched, in the
    /// order identity resolution tries them (guid, address, UPN, alias, name, display name), then
    /// by primary address: the limit can only drop matches of a weaker field than the ones kept,
    /// which resolution would never choose over them.
    pub async fn mailbox_candidates(&mut self, identity: &str) -> Result<Vec<Mailbox>, StoreError> {
        let wanted = key(identity);
        let guid = Guid::parse_str(identity.trim()).map(guid_text).unwrap_or_else(|_| wanted.clone());
        let rows: Vec<MailboxRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", mailbox_columns!(), " FROM mailboxes m WHERE m.guid IN (",
                "SELECT guid FROM mailboxes WHERE guid = $1 ",
                "UNION SELECT mailbox FROM mailbox_addresses WHERE address_key = $2 ",
                "UNION SELECT guid FROM mailboxes WHERE upn_key = $2 ",
                "UNION SELECT guid FROM mailboxes WHERE alias_key = $2 ",
                "UNION SELECT guid FROM mailboxes WHERE name_key = $2 ",
                "UNION SELECT guid FROM mailboxes WHERE display_name_key = $2",
                ") ORDER BY CASE WHEN m.guid = $1 THEN 0 ",
                "WHEN EXISTS (SELECT 1 FROM mailbox_addresses a ",
                "WHERE a.mailbox = m.guid AND a.address_key = $2) THEN 1 ",
                "WHEN m.upn_key = $2 THEN 2 WHEN m.alias_key = $2 THEN 3 WHEN m.name_key = $2 THEN 4 ELSE 5 END, ",
                "m.primary_address_key LIMIT $3"
            ))
            .bind(guid)
            .bind(wanted)
            .bind(i64::from(MAX_CANDIDATES))
            .fetch_all(&mut *c)
            .await?
        });
        load_mailboxes(self.conn(), rows).await
    }

    /// One page of mailboxes in the order of their primary address (case-insensitively):
    /// at most `limit`, and only those after the primary address `after` (the last one of the
    /// previous page). Pages are exact under changes: no mailbox is listed twice or skipped
    /// unless it was added, removed or readdressed meanwhile.
    pub async fn list_mailboxes(
        &mut self,
        filter: &MailboxFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Mailbox>, StoreError> {
        let anr = filter.anr.as_deref().map(prefix_pattern);
        let rows: Vec<MailboxRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", mailbox_columns!(), " FROM mailboxes m ",
                "WHERE m.primary_address_key > $1 AND ", anr_condition!(),
                " ORDER BY m.primary_address_key LIMIT $3"
            ))
            .bind(after_key(after))
            .bind(anr.clone())
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await?
        });
        load_mailboxes(self.conn(), rows).await
    }
}

/// The order of the web admin center's Recipients list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RecipientOrder {
    /// By primary address.
    #[default]
    Address,
    /// By display name, then primary address.
    DisplayName,
    /// Mailboxes that aren't UM-enabled first (last when descending), each group by primary address.
    UmEnabled,
}

/// Which mailboxes the Recipients list shows, and in which order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecipientQuery {
    /// Only mailboxes whose name, display name, alias, one of whose addresses or one of whose
    /// extensions starts with this (case-insensitively).
    pub search: Option<String>,
    pub order: RecipientOrder,
    pub descending: bool,
}

/// Where a page of the Recipients list starts: the last row of the page before.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecipientKey {
    pub display_name: String,
    pub address: String,
    pub um_enabled: bool,
}

/// A row of the Recipients list: a mailbox and whether it is UM-enabled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub mailbox: Mailbox,
    pub um_enabled: bool,
}

impl Recipient {
    /// The key that starts the page after this row.
    pub fn key(&self) -> RecipientKey {
        RecipientKey {
            display_name: self.mailbox.display_name.clone(),
            address: self.mailbox.primary_smtp_address.clone(),
            um_enabled: self.um_enabled,
        }
    }
}

/// The most mailboxes one prefix look-up of the Recipients search gathers before it leaves the
/// search to the walk of the order's index.
const FEW_RECIPIENTS: u32 = 2000;

/// One page of `rows` (every match of the search) in the order `query` asks, after `after`: as
/// the walk of the order's index would give it.
fn recipient_page(
    mut rows: Vec<RecipientRow>,
    query: &RecipientQuery,
    after: Option<&RecipientKey>,
    limit: u32,
) -> Vec<RecipientRow> {
    // The UM order lists the group of the first value of `groups` first, each by address.
    let groups = if query.descending { [true, false] } else { [false, true] };
    let group = |um_enabled: bool| usize::from(um_enabled != groups[0]);
    let order_key = |display: &str, address: &str, um_enabled: bool| match query.order {
        RecipientOrder::DisplayName => (0, key(display), key(address)),
        RecipientOrder::Address => (0, String::new(), key(address)),
        RecipientOrder::UmEnabled => (group(um_enabled), String::new(), key(address)),
    };
    let of = |r: &RecipientRow| order_key(&r.mailbox.display_name, &r.mailbox.primary_smtp_address, r.um_enabled);
    let reversed = query.descending && query.order != RecipientOrder::UmEnabled;
    if let Some(k) = after {
        let cursor = order_key(&k.display_name, &k.address, k.um_enabled);
        rows.retain(|r| if reversed { of(r) < cursor } else { of(r) > cursor });
    }
    rows.sort_by_cached_key(|r| of(r));
    if reversed {
        rows.reverse();
    }
    rows.truncate(limit as usize);
    rows
}

/// A key above every stored key (they are lowercased text, compared bytewise): where a descending
/// walk starts.
const ABOVE_EVERY_KEY: &str = "\u{10FFFF}";

/// The columns of a Recipients row: the mailbox and whether it is UM-enabled.
macro_rules! recipient_columns {
    () => {
        concat!(
            mailbox_columns!(),
            ", EXISTS (SELECT 1 FROM um_mailboxes u WHERE u.mailbox = m.guid AND u.um_enabled) AS um_enabled"
        )
    };
}

/// The search of the Recipients list on `mailboxes m`: `-Anr`'s condition, or an extension, with
/// the prefix pattern as `$2` (NULL: every mailbox).
macro_rules! recipient_search {
    () => {
        concat!(
            "(",
            anr_condition!(),
            " OR EXISTS (SELECT 1 FROM um_extensions e WHERE e.mailbox = m.guid AND e.extension LIKE $2 ESCAPE '!'))"
        )
    };
}

#[derive(sqlx::FromRow)]
struct RecipientRow {
    #[sqlx(flatten)]
    mailbox: MailboxRow,
    um_enabled: bool,
}

impl Tx {
    /// One page of the Recipients list: at most `limit` mailboxes after `after` in the order the
    /// query asks. Each page is one walk of an index from where the last page ended (two for the
    /// Unified Messaging order when the page spans both groups): no OFFSET, and nothing is counted.
    pub async fn list_recipients(
        &mut self,
        query: &RecipientQuery,
        after: Option<&RecipientKey>,
        limit: u32,
    ) -> Result<Vec<Recipient>, StoreError> {
        if let Some(prefix) = &query.search
            && let Some(rows) = self.few_recipients(prefix).await?
        {
            let rows = recipient_page(rows, query, after, limit);
            return self.recipients_of(rows).await;
        }
        let search = query.search.as_deref().map(prefix_pattern);
        let rows = match query.order {
            RecipientOrder::Address | RecipientOrder::DisplayName => {
                let (display, address) = match (after, query.descending) {
                    (Some(k), _) => (key(&k.display_name), key(&k.address)),
                    (None, false) => (String::new(), String::new()),
                    (None, true) => (ABOVE_EVERY_KEY.to_owned(), ABOVE_EVERY_KEY.to_owned()),
                };
                self.recipient_rows(query.order, query.descending, search, display, address, limit).await?
            }
            RecipientOrder::UmEnabled => {
                let groups = if query.descending { [true, false] } else { [false, true] };
                let mut rows = Vec::new();
                for group in groups {
                    let address = match after {
                        // The cursor is in the second group: the first one is done.
                        Some(k) if group == groups[0] && k.um_enabled == groups[1] => continue,
                        Some(k) if k.um_enabled == group => key(&k.address),
                        _ => String::new(),
                    };
                    let left = limit.saturating_sub(u32::try_from(rows.len()).unwrap_or(u32::MAX));
                    if left == 0 {
                        break;
                    }
                    rows.extend(self.um_group_rows(group, search.clone(), address, left).await?);
                }
                rows
            }
        };
        self.recipients_of(rows).await
    }

    async fn recipients_of(&mut self, rows: Vec<RecipientRow>) -> Result<Vec<Recipient>, StoreError> {
        let (mailboxes, flags): (Vec<MailboxRow>, Vec<bool>) =
            rows.into_iter().map(|r| (r.mailbox, r.um_enabled)).unzip();
        let mailboxes = load_mailboxes(self.conn(), mailboxes).await?;
        Ok(mailboxes.into_iter().zip(flags).map(|(mailbox, um_enabled)| Recipient { mailbox, um_enabled }).collect())
    }

    /// Every mailbox whose name, display name, alias, one of whose addresses or one of whose
    /// extensions starts with `prefix`, found by a range look-up on each of those indexes — or
    /// `None` when one of them holds more than [`FEW_RECIPIENTS`] such values, where walking the
    /// order's index finds a page sooner.
    async fn few_recipients(&mut self, prefix: &str) -> Result<Option<Vec<RecipientRow>>, StoreError> {
        let low = key(prefix);
        let high = format!("{low}{ABOVE_EVERY_KEY}");
        let probes = [
            concat!(
                "SELECT ",
                recipient_columns!(),
                " FROM mailboxes m WHERE m.name_key >= $1 AND m.name_key < $2 LIMIT $3"
            ),
            concat!(
                "SELECT ",
                recipient_columns!(),
                " FROM mailboxes m WHERE m.display_name_key >= $1 AND m.display_name_key < $2 LIMIT $3"
            ),
            concat!(
                "SELECT ",
                recipient_columns!(),
                " FROM mailboxes m WHERE m.alias_key >= $1 AND m.alias_key < $2 LIMIT $3"
            ),
            concat!(
                "SELECT ",
                recipient_columns!(),
                " FROM mailbox_addresses a JOIN mailboxes m ON m.guid = a.mailbox",
                " WHERE a.address_key >= $1 AND a.address_key < $2 LIMIT $3"
            ),
            concat!(
                "SELECT ",
                recipient_columns!(),
                " FROM um_extensions e JOIN mailboxes m ON m.guid = e.mailbox",
                " WHERE e.extension >= $1 AND e.extension < $2 LIMIT $3"
            ),
        ];
        let mut found: Vec<RecipientRow> = Vec::new();
        for sql in probes {
            let rows: Vec<RecipientRow> = on_conn!(self.conn(), c => {
                sqlx::query_as(sql)
                    .bind(low.clone())
                    .bind(high.clone())
                    .bind(i64::from(FEW_RECIPIENTS) + 1)
                    .fetch_all(&mut *c)
                    .await?
            });
            if rows.len() > FEW_RECIPIENTS as usize {
                return Ok(None);
            }
            found.extend(rows);
        }
        found.sort_by(|a, b| a.mailbox.guid.cmp(&b.mailbox.guid));
        found.dedup_by(|a, b| a.mailbox.guid == b.mailbox.guid);
        Ok(Some(found))
    }

    async fn recipient_rows(
        &mut self,
        order: RecipientOrder,
        descending: bool,
        search: Option<String>,
        display: String,
        address: String,
        limit: u32,
    ) -> Result<Vec<RecipientRow>, StoreError> {
        macro_rules! by_name {
            ($sql:expr) => {
                on_conn!(self.conn(), c => {
                    sqlx::query_as($sql)
                        .bind(display.clone())
                        .bind(search.clone())
                        .bind(i64::from(limit))
                        .bind(address.clone())
                        .fetch_all(&mut *c)
                        .await?
                })
            };
        }
        macro_rules! by_address {
            ($sql:expr) => {
                on_conn!(self.conn(), c => {
                    sqlx::query_as($sql)
                        .bind(address.clone())
                        .bind(search.clone())
                        .bind(i64::from(limit))
                        .fetch_all(&mut *c)
                        .await?
                })
            };
        }
        Ok(match (order, descending) {
            (RecipientOrder::DisplayName, false) => by_name!(concat!(
                "SELECT ",
                recipient_columns!(),
                " FROM mailboxes m ",
                "WHERE (m.display_name_key, m.primary_address_key) > ($1, $4) AND ",
                recipient_search!(),
                " ORDER BY m.display_name_key, m.primary_address_key LIMIT $3"
            )),
            (RecipientOrder::DisplayName, true) => by_name!(concat!(
                "SELECT ",
                recipient_columns!(),
                " FROM mailboxes m ",
                "WHERE (m.display_name_key, m.primary_address_key) < ($1, $4) AND ",
                recipient_search!(),
                " ORDER BY m.display_name_key DESC, m.primary_address_key DESC LIMIT $3"
            )),
            (_, false) => by_address!(concat!(
                "SELECT ",
                recipient_columns!(),
                " FROM mailboxes m ",
                "WHERE m.primary_address_key > $1 AND ",
                recipient_search!(),
                " ORDER BY m.primary_address_key LIMIT $3"
            )),
            (_, true) => by_address!(concat!(
                "SELECT ",
                recipient_columns!(),
                " FROM mailboxes m ",
                "WHERE m.primary_address_key < $1 AND ",
                recipient_search!(),
                " ORDER BY m.primary_address_key DESC LIMIT $3"
            )),
        })
    }

    /// Mailboxes that are (or aren't) UM-enabled, by address after `address`.
    async fn um_group_rows(
        &mut self,
        um_enabled: bool,
        search: Option<String>,
        address: String,
        limit: u32,
    ) -> Result<Vec<RecipientRow>, StoreError> {
        Ok(on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", recipient_columns!(), " FROM mailboxes m ",
                "WHERE m.primary_address_key > $1 AND ", recipient_search!(),
                " AND EXISTS (SELECT 1 FROM um_mailboxes u WHERE u.mailbox = m.guid AND u.um_enabled) = $4",
                " ORDER BY m.primary_address_key LIMIT $3"
            ))
            .bind(address.clone())
            .bind(search.clone())
            .bind(i64::from(limit))
            .bind(um_enabled)
            .fetch_all(&mut *c)
            .await?
        }))
    }
}
