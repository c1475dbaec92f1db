//! Mailboxes (SPEC §1.1) and their addresses: writing, finding by identity, listing by page.

use umpin_domain::mailbox::phone_digits;
use umpin_domain::{Guid, Mailbox};

use crate::error::{Doing, map_error};
use crate::rows::{after_key, children, delete_one, guid_text, key, micros, parse_guid, timestamp};
use crate::{Conn, StoreError, Tx};

/// The most mailboxes [`Tx::mailbox_candidates`] returns: enough to name the candidates of an
/// ambiguous identity, few enough that a value matching everybody stays cheap. Written out in
/// [`mailbox_candidates!`] too.
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

/// Read by column name from a row, or by position from a JSON array of [`mailbox_columns!`].
#[derive(Clone, sqlx::FromRow, serde::Deserialize)]
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
    pub(crate) fn into_mailbox(self, email_addresses: Vec<String>) -> Result<Mailbox, StoreError> {
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

/// The secondary addresses of the mailbox `m`, in their order, as a JSON array of texts (`[]`
/// for none), as a text: what makes a whole mailbox one row, so that reading one mailbox is one
/// statement.
macro_rules! secondary_addresses {
    (sqlite) => {
        "(SELECT json_group_array(a.address ORDER BY a.position) FROM mailbox_addresses a \
         WHERE a.mailbox = m.guid AND NOT a.is_primary)"
    };
    (postgres) => {
        "(SELECT COALESCE(json_agg(a.address ORDER BY a.position), '[]')::TEXT FROM mailbox_addresses a \
         WHERE a.mailbox = m.guid AND NOT a.is_primary)"
    };
}
pub(crate) use secondary_addresses;

/// The mailbox whose guid is `$1`, whole.
macro_rules! whole_mailbox_by_guid {
    ($backend:ident) => {
        concat!(
            "SELECT ",
            mailbox_columns!(),
            ", ",
            secondary_addresses!($backend),
            " AS secondary_addresses",
            " FROM mailboxes m WHERE m.guid = $1"
        )
    };
}

/// The mailboxes an identity may name, whole (see [`Tx::mailbox_candidates`]): `$1` the guid (or
/// the key), `$2` the key; then any more columns of `m` given (each after a comma).
///
/// The limit, [`MAX_CANDIDATES`], is written into the statement rather than bound: SQLite plans
/// with the value bound to a `LIMIT`, and so prepares the statement again each time a value is
/// bound to it, which for this statement cost more than running it.
macro_rules! mailbox_candidates {
    ($backend:ident $($more:tt)*) => {
        concat!(
            "SELECT ",
            mailbox_columns!(),
            ", ",
            secondary_addresses!($backend),
            " AS secondary_addresses",
            $($more)*
            " FROM mailboxes m WHERE m.guid IN (",
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
            "m.primary_address_key LIMIT 50"
        )
    };
}
pub(crate) use mailbox_candidates;

/// A mailbox row with its secondary addresses ([`secondary_addresses!`]).
#[derive(sqlx::FromRow)]
pub(crate) struct WholeMailboxRow {
    #[sqlx(flatten)]
    mailbox: MailboxRow,
    secondary_addresses: String,
}

impl WholeMailboxRow {
    pub(crate) fn into_mailbox(self) -> Result<Mailbox, StoreError> {
        let addresses: Vec<String> = serde_json::from_str(&self.secondary_addresses)
            .map_err(|_| crate::error::unreadable("the addresses of a mailbox"))?;
        self.mailbox.into_mailbox(addresses)
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

    /// The mailbox with this guid, in one statement.
    pub async fn mailbox(&mut self, mailbox: Guid) -> Result<Option<Mailbox>, StoreError> {
        let row: Option<WholeMailboxRow> = match self.conn() {
            Conn::Sqlite(c) => {
                sqlx::query_as(whole_mailbox_by_guid!(sqlite)).bind(guid_text(mailbox)).fetch_optional(&mut *c).await?
            }
            Conn::Postgres(c) => {
                sqlx::query_as(whole_mailbox_by_guid!(postgres))
                    .bind(guid_text(mailbox))
                    .fetch_optional(&mut *c)
                    .await?
            }
        };
        row.map(WholeMailboxRow::into_mailbox).transpose()
    }

    /// Every mailbox an `-Identity` value may name (SPEC §1.1), for the domain's identity
    /// resolution to choose from: the one whose guid it is, and every one whose primary or
    /// secondary address, user principal name, alias, name or display name equals it
    /// case-insensitively. At most [`MAX_CANDIDATES`], ordered by the field that matched, in the
    /// order identity resolution tries them (guid, address, UPN, alias, name, display name), then
    /// by primary address: the limit can only drop matches of a weaker field than the ones kept,
    /// which resolution would never choose over them. One statement, the secondary addresses
    /// included: every cmdlet that names a mailbox starts with it.
    pub async fn mailbox_candidates(&mut self, identity: &str) -> Result<Vec<Mailbox>, StoreError> {
        let (guid, wanted) = candidate_keys(identity);
        let rows: Vec<WholeMailboxRow> = match self.conn() {
            Conn::Sqlite(c) => {
                sqlx::query_as(mailbox_candidates!(sqlite)).bind(guid).bind(wanted).fetch_all(&mut *c).await?
            }
            Conn::Postgres(c) => {
                sqlx::query_as(mailbox_candidates!(postgres)).bind(guid).bind(wanted).fetch_all(&mut *c).await?
            }
        };
        rows.into_iter().map(WholeMailboxRow::into_mailbox).collect()
    }

    /// One page of mailboxes in the order of their primary address (case-insensitively):
    /// at most `limit`, and only those after the primary address `after` (the last one of the
    /// previous page). Pages are exact under changes: no mailbox is listed twice or skipped
    /// unless it was added, removed or readdressed meanwhile. `-Anr` is a prefix search of the
    /// name, display name, alias and addresses, by the Recipients search's look-ups.
    pub async fn list_mailboxes(
        &mut self,
        filter: &MailboxFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Mailbox>, StoreError> {
        let walk = Walk::by_address(after_key(after), None);
        let rows = match &filter.anr {
            Some(prefix) => {
                let search = Search::probe(self, ANR_FIELDS, prefix).await?;
                self.search(&search, &walk, limit).await?
            }
            None => self.walk_rows(&walk, limit).await?,
        };
        load_mailboxes(self.conn(), rows.into_iter().map(|r| r.mailbox).collect()).await
    }
}

/// What [`mailbox_candidates!`] binds for an `-Identity` value: `$1`, the guid it is (its own
/// key when it is none), and `$2`, its key.
pub(crate) fn candidate_keys(identity: &str) -> (String, String) {
    let wanted = key(identity);
    let guid = Guid::parse_str(identity.trim()).map(guid_text).unwrap_or_else(|_| wanted.clone());
    (guid, wanted)
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

/// The most mailboxes one look-up of a search's prefix gathers before the search is answered
/// another way, and the most rows of the order's index a search reads in its first look.
const FEW_RECIPIENTS: u32 = 2000;

/// A key above every stored key (they are lowercased text, compared bytewise): where a descending
/// walk starts.
pub(crate) const ABOVE_EVERY_KEY: &str = "\u{10FFFF}";

/// The columns of a Recipients row: the mailbox and whether it is UM-enabled.
macro_rules! recipient_columns {
    () => {
        concat!(
            mailbox_columns!(),
            ", EXISTS (SELECT 1 FROM um_mailboxes u WHERE u.mailbox = m.guid AND u.um_enabled) AS um_enabled"
        )
    };
}

#[derive(Clone, sqlx::FromRow)]
struct RecipientRow {
    #[sqlx(flatten)]
    mailbox: MailboxRow,
    um_enabled: bool,
}

/// A field a search matches the start of, each with an index of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Name,
    DisplayName,
    Alias,
    /// Any address, primary or secondary.
    Address,
    /// Any extension.
    Extension,
}

/// What the Recipients search matches, and what `-Anr` matches (no extensions).
const RECIPIENT_FIELDS: &[Field] = &[Field::Name, Field::DisplayName, Field::Alias, Field::Address, Field::Extension];
const ANR_FIELDS: &[Field] = &[Field::Name, Field::DisplayName, Field::Alias, Field::Address];

impl Field {
    /// The tables that hold the field, joined to the mailbox `m`, and its column.
    fn column(self) -> (&'static str, &'static str) {
        match self {
            Field::Name => ("mailboxes m", "m.name_key"),
            Field::DisplayName => ("mailboxes m", "m.display_name_key"),
            Field::Alias => ("mailboxes m", "m.alias_key"),
            Field::Address => ("mailbox_addresses a JOIN mailboxes m ON m.guid = a.mailbox", "a.address_key"),
            Field::Extension => ("um_extensions e JOIN mailboxes m ON m.guid = e.mailbox", "e.extension"),
        }
    }

    /// The mailboxes `m` whose field is within [low, high), each once, as a look-up of the
    /// field's index.
    fn range(self, low: &str, high: &str) -> String {
        let (_, column) = self.column();
        match self {
            Field::Name | Field::DisplayName | Field::Alias => format!("{column} >= {low} AND {column} < {high}"),
            Field::Address => format!(
                "m.guid IN (SELECT a.mailbox FROM mailbox_addresses a WHERE {column} >= {low} AND {column} < {high})"
            ),
            Field::Extension => {
                format!(
                    "m.guid IN (SELECT e.mailbox FROM um_extensions e WHERE {column} >= {low} AND {column} < {high})"
                )
            }
        }
    }

    /// Whether the mailbox `m` at hand has its field within [low, high): a test of one row.
    fn matches(self, low: &str, high: &str) -> String {
        let (_, column) = self.column();
        match self {
            Field::Name | Field::DisplayName | Field::Alias => self.range(low, high),
            Field::Address => format!(
                "EXISTS (SELECT 1 FROM mailbox_addresses a WHERE a.mailbox = m.guid AND {column} >= {low} AND {column} < {high})"
            ),
            Field::Extension => format!(
                "EXISTS (SELECT 1 FROM um_extensions e WHERE e.mailbox = m.guid AND {column} >= {low} AND {column} < {high})"
            ),
        }
    }
}

/// A walk of one order of mailboxes — by display name then address, or by address — from a key
/// on (exclusive), in either direction; for the Unified Messaging order, over one group only.
struct Walk {
    by_display_name: bool,
    descending: bool,
    /// The key the walk starts after: display name (when by display name) and address keys.
    after: (String, String),
    um_enabled: Option<bool>,
}

impl Walk {
    fn by_address(after: String, um_enabled: Option<bool>) -> Walk {
        Walk { by_display_name: false, descending: false, after: (String::new(), after), um_enabled }
    }

    /// The order's columns; `indexed: false` writes them so that no index serves them, for a
    /// look-up that must be driven by another field's index.
    fn columns(&self, indexed: bool) -> &'static str {
        match (self.by_display_name, indexed) {
            (true, true) => "m.display_name_key, m.primary_address_key",
            (true, false) => "m.display_name_key || '', m.primary_address_key || ''",
            (false, true) => "m.primary_address_key",
            (false, false) => "m.primary_address_key || ''",
        }
    }

    /// The condition that a row comes after the walk's start.
    fn after(&self, indexed: bool, values: &mut Values) -> String {
        let op = if self.descending { "<" } else { ">" };
        let columns = self.columns(indexed);
        if self.by_display_name {
            let display = values.bind(Param::Text(self.after.0.clone()));
            let address = values.bind(Param::Text(self.after.1.clone()));
            format!("({columns}) {op} ({display}, {address})")
        } else {
            format!("{columns} {op} {}", values.bind(Param::Text(self.after.1.clone())))
        }
    }

    /// The condition that a row is in the walk's group (none when it walks every mailbox).
    fn group(&self, values: &mut Values) -> String {
        match self.um_enabled {
            Some(group) => format!(
                " AND EXISTS (SELECT 1 FROM um_mailboxes u WHERE u.mailbox = m.guid AND u.um_enabled) = {}",
                values.bind(Param::Bool(group))
            ),
            None => String::new(),
        }
    }

    fn order_by(&self, indexed: bool) -> String {
        let direction = if self.descending { " DESC" } else { "" };
        self.columns(indexed).split(", ").map(|c| format!("{c}{direction}")).collect::<Vec<_>>().join(", ")
    }

    /// A row's place in the walk's order.
    fn key_of(&self, row: &RecipientRow) -> (String, String) {
        let display = if self.by_display_name { key(&row.mailbox.display_name) } else { String::new() };
        (display, key(&row.mailbox.primary_smtp_address))
    }

    /// Whether the walk reaches this row: after its start, in its group.
    fn reaches(&self, row: &RecipientRow) -> bool {
        let place = self.key_of(row);
        let after = if self.descending { place < self.after } else { place > self.after };
        after && self.um_enabled.is_none_or(|group| row.um_enabled == group)
    }

    /// The first `limit` of `rows` the walk reaches, in its order, each once.
    fn page(&self, mut rows: Vec<RecipientRow>, limit: u32) -> Vec<RecipientRow> {
        rows.retain(|r| self.reaches(r));
        rows.sort_by_cached_key(|r| self.key_of(r));
        rows.dedup_by(|a, b| a.mailbox.guid == b.mailbox.guid);
        if self.descending {
            rows.reverse();
        }
        rows.truncate(limit as usize);
        rows
    }
}

/// A value bound to a statement written at run time.
enum Param {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// The values of a statement written at run time, numbered as they are bound.
#[derive(Default)]
struct Values(Vec<Param>);

impl Values {
    /// Binds a value and returns its placeholder (`$1`, `$2`, …).
    fn bind(&mut self, param: Param) -> String {
        self.0.push(param);
        format!("${}", self.0.len())
    }
}

/// A search's prefix, as the range [low, high) of keys it starts, and what a look-up of each
/// field's index found: every match (`Some`) when at most [`FEW_RECIPIENTS`] matched, else
/// `None`.
struct Search {
    low: String,
    high: String,
    fields: Vec<(Field, Option<Vec<RecipientRow>>)>,
}

impl Search {
    /// Looks the prefix up in each field's index, streaming at most one more than
    /// [`FEW_RECIPIENTS`] rows from each (a mailbox with several matching addresses or extensions
    /// is found once for each: [`Walk::page`] keeps it once).
    async fn probe(tx: &mut Tx, fields: &[Field], prefix: &str) -> Result<Search, StoreError> {
        let low = key(prefix);
        let high = format!("{low}{ABOVE_EVERY_KEY}");
        let mut found = Vec::new();
        for &field in fields {
            let mut values = Values::default();
            let (tables, column) = field.column();
            let sql = format!(
                "SELECT {} FROM {tables} WHERE {column} >= {} AND {column} < {} LIMIT {}",
                recipient_columns!(),
                values.bind(Param::Text(low.clone())),
                values.bind(Param::Text(high.clone())),
                values.bind(Param::Int(i64::from(FEW_RECIPIENTS) + 1))
            );
            let rows = tx.fetch_rows(sql, values).await?;
            found.push((field, (rows.len() <= FEW_RECIPIENTS as usize).then_some(rows)));
        }
        Ok(Search { low, high, fields: found })
    }

    /// Whether every field's look-up found all its matches.
    fn few(&self) -> bool {
        self.fields.iter().all(|(_, rows)| rows.is_some())
    }
}

impl Tx {
    /// One page of the Recipients list: at most `limit` mailboxes after `after` in the order the
    /// query asks. Without a search each page is one walk of an index from where the last page
    /// ended (two for the Unified Messaging order when the page spans both groups); a search is
    /// answered by [`Tx::search`]. No OFFSET, and nothing is counted.
    pub async fn list_recipients(
        &mut self,
        query: &RecipientQuery,
        after: Option<&RecipientKey>,
        limit: u32,
    ) -> Result<Vec<Recipient>, StoreError> {
        let search = match &query.search {
            Some(prefix) => Some(Search::probe(self, RECIPIENT_FIELDS, prefix).await?),
            None => None,
        };
        let mut walks = Vec::new();
        match query.order {
            RecipientOrder::Address | RecipientOrder::DisplayName => {
                let start = match (after, query.descending) {
                    (Some(k), _) => (key(&k.display_name), key(&k.address)),
                    (None, false) => (String::new(), String::new()),
                    (None, true) => (ABOVE_EVERY_KEY.to_owned(), ABOVE_EVERY_KEY.to_owned()),
                };
                let by_display_name = query.order == RecipientOrder::DisplayName;
                let after = if by_display_name { start } else { (String::new(), start.1) };
                walks.push(Walk { by_display_name, descending: query.descending, after, um_enabled: None });
            }
            RecipientOrder::UmEnabled => {
                // The group of the first value first, each by address.
                let groups = if query.descending { [true, false] } else { [false, true] };
                for group in groups {
                    let address = match after {
                        // The cursor is in the second group: the first one is done.
                        Some(k) if group == groups[0] && k.um_enabled == groups[1] => continue,
                        Some(k) if k.um_enabled == group => key(&k.address),
                        _ => String::new(),
                    };
                    walks.push(Walk::by_address(address, Some(group)));
                }
            }
        }
        let mut rows = Vec::new();
        for walk in walks {
            let left = limit.saturating_sub(u32::try_from(rows.len()).unwrap_or(u32::MAX));
            if left == 0 {
                break;
            }
            rows.extend(match &search {
                Some(search) => self.search(search, &walk, left).await?,
                None => self.walk_rows(&walk, left).await?,
            });
        }
        self.recipients_of(rows).await
    }

    async fn recipients_of(&mut self, rows: Vec<RecipientRow>) -> Result<Vec<Recipient>, StoreError> {
        let (mailboxes, flags): (Vec<MailboxRow>, Vec<bool>) =
            rows.into_iter().map(|r| (r.mailbox, r.um_enabled)).unzip();
        let mailboxes = load_mailboxes(self.conn(), mailboxes).await?;
        Ok(mailboxes.into_iter().zip(flags).map(|(mailbox, um_enabled)| Recipient { mailbox, um_enabled }).collect())
    }

    /// The first `limit` mailboxes of a walk.
    async fn walk_rows(&mut self, walk: &Walk, limit: u32) -> Result<Vec<RecipientRow>, StoreError> {
        let mut values = Values::default();
        let sql = format!(
            "SELECT {} FROM mailboxes m WHERE {}{} ORDER BY {} LIMIT {}",
            recipient_columns!(),
            walk.after(true, &mut values),
            walk.group(&mut values),
            walk.order_by(true),
            values.bind(Param::Int(i64::from(limit)))
        );
        self.fetch_rows(sql, values).await
    }

    /// The first `limit` mailboxes of a walk that a search matches, found in one of three ways:
    /// - every field's look-up found all its matches: they are the answer, in the walk's order;
    /// - else the next [`FEW_RECIPIENTS`] rows of the walk hold `limit` matches: the many
    ///   mailboxes matched are dense there, and those are the answer;
    /// - else each field that matched many gives its own first `limit` matches in the walk's
    ///   order, read from its own index's range of the prefix (sorted, or, for the display name in
    ///   the display name order, walked from the prefix on), and the answer is the first `limit`
    ///   of them all with the few matches of the other fields.
    ///
    /// Each reads at most the matches of one field's prefix, never the whole order's index.
    async fn search(&mut self, search: &Search, walk: &Walk, limit: u32) -> Result<Vec<RecipientRow>, StoreError> {
        let gathered = || search.fields.iter().filter_map(|(_, rows)| rows.as_ref()).flatten();
        let mut found: Vec<RecipientRow> = Vec::new();
        if search.few() {
            found.extend(gathered().cloned());
            return Ok(walk.page(found, limit));
        }
        let mut values = Values::default();
        let (low, high) = (values.bind(Param::Text(search.low.clone())), values.bind(Param::Text(search.high.clone())));
        let matching =
            search.fields.iter().map(|(f, _)| format!("({})", f.matches(&low, &high))).collect::<Vec<_>>().join(" OR ");
        let sql = format!(
            "SELECT {} FROM (SELECT m.* FROM mailboxes m WHERE {after} ORDER BY {order} LIMIT {window}) m \
             WHERE ({matching}){group} ORDER BY {order} LIMIT {limit}",
            recipient_columns!(),
            after = walk.after(true, &mut values),
            order = walk.order_by(true),
            window = values.bind(Param::Int(i64::from(FEW_RECIPIENTS))),
            group = walk.group(&mut values),
            limit = values.bind(Param::Int(i64::from(limit))),
        );
        let dense = self.fetch_rows(sql, values).await?;
        if dense.len() >= limit as usize {
            return Ok(dense);
        }
        found.extend(dense);
        found.extend(gathered().cloned());
        for (field, rows) in &search.fields {
            if rows.is_some() {
                continue;
            }
            // The display name order walks the display name's own index from the prefix on.
            let indexed = walk.by_display_name && *field == Field::DisplayName;
            let mut values = Values::default();
            let range = field
                .range(&values.bind(Param::Text(search.low.clone())), &values.bind(Param::Text(search.high.clone())));
            let sql = format!(
                "SELECT {} FROM mailboxes m WHERE {range} AND {}{} ORDER BY {} LIMIT {}",
                recipient_columns!(),
                walk.after(indexed, &mut values),
                walk.group(&mut values),
                walk.order_by(indexed),
                values.bind(Param::Int(i64::from(limit)))
            );
            found.extend(self.fetch_rows(sql, values).await?);
        }
        Ok(walk.page(found, limit))
    }

    /// Runs a statement written at run time and reads its Recipients rows. The statement is put
    /// together from this module's fixed text and placeholders only: every value is bound.
    async fn fetch_rows(&mut self, sql: String, values: Values) -> Result<Vec<RecipientRow>, StoreError> {
        Ok(on_conn!(self.conn(), c => {
            let mut query = sqlx::query_as::<_, RecipientRow>(sqlx::AssertSqlSafe(sql));
            for param in values.0 {
                query = match param {
                    Param::Text(text) => query.bind(text),
                    Param::Int(n) => query.bind(n),
                    Param::Bool(b) => query.bind(b),
                };
            }
            query.fetch_all(&mut *c).await?
        }))
    }
}
