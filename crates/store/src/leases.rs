//! Leases: work that one node of several does at a time (the periodic directory sync) is done by
//! the node that holds its lease. Taking a lease is one statement, so two nodes never both take
//! it; a holder that stops without a word holds it only until it ends.

use umpin_domain::Timestamp;

use crate::rows::micros;
use crate::{Database, StoreError};

impl Database {
    /// Takes the lease `name` for `holder` until `until`, when nobody holds it at `now` (it was
    /// never taken, or it has ended). `false` while it is held, by `holder` too: taking it is
    /// a turn, and a turn lasts until the lease ends.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut pooled = self.acquire().await?;
        let taken = on_conn!(pooled.conn(), c => {
            sqlx::query(
                "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $4) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
                 WHERE leases.expires_at <= $3",
            )
            .bind(name)
            .bind(holder)
            .bind(micros(now))
            .bind(micros(until))
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(taken == 1)
    }

    /// Makes the lease `name` of `holder` last at least until `until` (a later end stays);
    /// `false` when another holder has taken it.
    pub async fn extend_lease(&self, name: &str, holder: &str, until: Timestamp) -> Result<bool, StoreError> {
        let mut pooled = self.acquire().await?;
        let extended = on_conn!(pooled.conn(), c => {
            sqlx::query(
                "UPDATE leases SET expires_at = CASE WHEN expires_at < $3 THEN $3 ELSE expires_at END \
                 WHERE name = $1 AND holder = $2",
            )
            .bind(name)
            .bind(holder)
            .bind(micros(until))
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(extended == 1)
    }
}
