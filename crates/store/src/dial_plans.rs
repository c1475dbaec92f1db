//! UM dial plans (SPEC §1.2) and their access numbers.

use umpin_domain::{DialPlan, Guid, UriType, VoipSecurity};

use crate::error::unreadable;
use crate::rows::{delete_one, guid_text, key, micros, narrow, parse_guid, timestamp};
use crate::{Conn, StoreError, Tx};

macro_rules! dial_plan_columns {
    () => {
        "guid, name, number_of_digits_in_extension, country_or_region_code, uri_type, voip_security, \
         default_language, logon_failures_before_disconnect, when_created"
    };
}

/// The access numbers of the dial plan `d`, in their order, as a JSON array of texts (`[]` for
/// none), as a text: what makes a dial plan one row, so that reading one is one statement.
macro_rules! access_numbers {
    (sqlite) => {
        "(SELECT json_group_array(n.number ORDER BY n.position) FROM dial_plan_access_numbers n \
         WHERE n.dial_plan = d.guid)"
    };
    (postgres) => {
        "(SELECT COALESCE(json_agg(n.number ORDER BY n.position), '[]')::TEXT FROM dial_plan_access_numbers n \
         WHERE n.dial_plan = d.guid)"
    };
}

/// The statement that reads whole dial plans (`dial_plans d` with their access numbers) on the
/// backend of the transaction `$tx`, followed by `$rest`: the condition and the order.
macro_rules! whole_dial_plans {
    (@ $backend:ident, $rest:literal) => {
        concat!(
            "SELECT ",
            dial_plan_columns!(),
            ", ",
            access_numbers!($backend),
            " AS access_numbers FROM dial_plans d ",
            $rest
        )
    };
    ($tx:expr, $rest:literal) => {
        match $tx {
            Tx::Sqlite(_) => whole_dial_plans!(@ sqlite, $rest),
            Tx::Postgres(_) => whole_dial_plans!(@ postgres, $rest),
        }
    };
}

#[derive(sqlx::FromRow)]
struct DialPlanRow {
    guid: String,
    name: String,
    number_of_digits_in_extension: i64,
    country_or_region_code: String,
    uri_type: String,
    voip_security: String,
    default_language: String,
    logon_failures_before_disconnect: i64,
    when_created: i64,
    access_numbers: String,
}

impl DialPlanRow {
    fn into_dial_plan(self) -> Result<DialPlan, StoreError> {
        let access_telephone_numbers: Vec<String> =
            serde_json::from_str(&self.access_numbers).map_err(|_| unreadable("AccessTelephoneNumbers"))?;
        Ok(DialPlan {
            guid: parse_guid(&self.guid)?,
            name: self.name,
            number_of_digits_in_extension: narrow(self.number_of_digits_in_extension, "NumberOfDigitsInExtension")?,
            country_or_region_code: self.country_or_region_code,
            uri_type: self.uri_type.parse::<UriType>().map_err(|_| unreadable("URIType"))?,
            voip_security: self.voip_security.parse::<VoipSecurity>().map_err(|_| unreadable("VoIPSecurity"))?,
            access_telephone_numbers,
            default_language: self.default_language,
            logon_failures_before_disconnect: narrow(
                self.logon_failures_before_disconnect,
                "LogonFailuresBeforeDisconnect",
            )?,
            when_created: timestamp(self.when_created)?,
        })
    }
}

/// Replaces the access numbers of a dial plan, keeping their order.
async fn write_access_numbers(mut conn: Conn<'_>, plan: &DialPlan) -> Result<(), StoreError> {
    let guid = guid_text(plan.guid);
    on_conn!(conn.reborrow(), c => {
        sqlx::query("DELETE FROM dial_plan_access_numbers WHERE dial_plan = $1")
            .bind(guid.clone())
            .execute(&mut *c)
            .await?;
    });
    for (position, number) in plan.access_telephone_numbers.iter().enumerate() {
        on_conn!(conn.reborrow(), c => {
            sqlx::query("INSERT INTO dial_plan_access_numbers (dial_plan, position, number) VALUES ($1, $2, $3)")
                .bind(guid.clone())
                .bind(position as i64)
                .bind(number.clone())
                .execute(&mut *c)
                .await?;
        });
    }
    Ok(())
}

/// Binds `$1…` of the dial plan insert and update statements, which number the columns alike.
macro_rules! bind_dial_plan {
    ($query:expr, $x:expr) => {
        $query
            .bind(guid_text($x.guid))
            .bind($x.name.clone())
            .bind(key(&$x.name))
            .bind(i64::from($x.number_of_digits_in_extension))
            .bind($x.country_or_region_code.clone())
            .bind($x.uri_type.as_str())
            .bind($x.voip_security.as_str())
            .bind($x.default_language.clone())
            .bind(i64::from($x.logon_failures_before_disconnect))
            .bind(micros($x.when_created))
    };
}

impl Tx {
    /// Stores a new dial plan with its access numbers; a name another dial plan has is
    /// [`Unique::DialPlanName`](crate::Unique::DialPlanName).
    pub async fn insert_dial_plan(&mut self, plan: &DialPlan) -> Result<(), StoreError> {
        let p = plan;
        on_conn!(self.conn(), c => {
            let query = sqlx::query(
                "INSERT INTO dial_plans (guid, name, name_key, number_of_digits_in_extension, country_or_region_code, \
                uri_type, voip_security, default_language, logon_failures_before_disconnect, when_created) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            );
            bind_dial_plan!(query, p)
                .execute(&mut *c)
                .await?;
        });
        write_access_numbers(self.conn(), p).await
    }

    /// Replaces every field of a stored dial plan, its access numbers included.
    /// [`StoreError::NotFound`] when there is no dial plan with its guid.
    pub async fn update_dial_plan(&mut self, plan: &DialPlan) -> Result<(), StoreError> {
        let p = plan;
        let updated = on_conn!(self.conn(), c => {
            let query = sqlx::query(
                "UPDATE dial_plans SET name = $2, name_key = $3, number_of_digits_in_extension = $4, \
                country_or_region_code = $5, uri_type = $6, voip_security = $7, default_language = $8, \
                logon_failures_before_disconnect = $9, when_created = $10 WHERE guid = $1",
            );
            bind_dial_plan!(query, p)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        write_access_numbers(self.conn(), p).await
    }

    /// Removes a dial plan. Refused with [`StoreError::InUse`] while a UM mailbox policy belongs to
    /// it; [`StoreError::NotFound`] when there is no such dial plan.
    pub async fn delete_dial_plan(&mut self, dial_plan: Guid) -> Result<(), StoreError> {
        delete_one(self.conn(), "DELETE FROM dial_plans WHERE guid = $1", dial_plan).await
    }

    /// The dial plan with this guid.
    pub async fn dial_plan(&mut self, dial_plan: Guid) -> Result<Option<DialPlan>, StoreError> {
        let sql = whole_dial_plans!(self, "WHERE guid = $1");
        let row: Option<DialPlanRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(sql).bind(guid_text(dial_plan)).fetch_optional(&mut *c).await?
        });
        row.map(DialPlanRow::into_dial_plan).transpose()
    }

    /// Every dial plan an `-Identity` value may name: the one whose guid it is and the one whose
    /// name equals it case-insensitively.
    pub async fn dial_plan_candidates(&mut self, identity: &str) -> Result<Vec<DialPlan>, StoreError> {
        let wanted = key(identity);
        let guid = Guid::parse_str(identity.trim()).map(guid_text).unwrap_or_else(|_| wanted.clone());
        let sql = whole_dial_plans!(self, "WHERE guid = $1 OR name_key = $2 ORDER BY name_key");
        let rows: Vec<DialPlanRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(sql).bind(guid).bind(wanted).fetch_all(&mut *c).await?
        });
        rows.into_iter().map(DialPlanRow::into_dial_plan).collect()
    }

    /// Every dial plan, ordered by name.
    pub async fn dial_plans(&mut self) -> Result<Vec<DialPlan>, StoreError> {
        let sql = whole_dial_plans!(self, "ORDER BY name_key, guid");
        let rows: Vec<DialPlanRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(sql).fetch_all(&mut *c).await?
        });
        rows.into_iter().map(DialPlanRow::into_dial_plan).collect()
    }

    /// How many UM-enabled mailboxes each dial plan has, in one aggregate query; a dial plan
    /// without any is left out.
    pub async fn um_enabled_counts_by_dial_plan(&mut self) -> Result<Vec<(Guid, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT dial_plan, COUNT(*) FROM um_mailboxes WHERE um_enabled GROUP BY dial_plan")
                .fetch_all(&mut *c)
                .await?
        });
        rows.into_iter().map(|(plan, count)| Ok((parse_guid(&plan)?, narrow(count, "a count")?))).collect()
    }
}
