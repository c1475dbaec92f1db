//! Management accounts, their role groups, API tokens and the sign-in throttle (SPEC §4.4).
//!
//! A password is stored only sealed (as PIN data is) and a token only as its digest. The
//! throttle counts failed sign-ins per subject (an account or a source address) with one atomic
//! upsert, so several nodes count together. Expired tokens are deleted by
//! [`Database::delete_expired_api_tokens`], which a serving node runs now and then.

use umpin_domain::{Guid, ManagementAccount, RoleGroup, Timestamp};

use crate::error::unreadable;
use crate::rows::{delete_one, guid_text, key, micros, parse_guid, timestamp};
use crate::{Database, StoreError, Tx};

/// The columns of the account `management_accounts a` read into [`AccountRow`], its role groups
/// among them: their names (none has a comma) joined by commas, NULL for none, from the same
/// statement.
macro_rules! account_columns {
    () => {
        "a.guid, a.name, a.display_name, a.disabled, a.when_created, a.directory_id, \
         (SELECT string_agg(g.role_group, ',') FROM role_group_members g WHERE g.account = a.guid) AS role_groups"
    };
}
pub(crate) use account_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    guid: String,
    name: String,
    display_name: String,
    disabled: bool,
    when_created: i64,
    directory_id: Option<String>,
    role_groups: Option<String>,
}

impl AccountRow {
    pub(crate) fn into_account(self) -> Result<ManagementAccount, StoreError> {
        let names = self.role_groups.as_deref().map_or(Vec::new(), |names| names.split(',').collect());
        let mut role_groups = names.into_iter().map(parse_role_group).collect::<Result<Vec<_>, _>>()?;
        role_groups.sort();
        Ok(ManagementAccount {
            guid: parse_guid(&self.guid)?,
            name: self.name,
            display_name: self.display_name,
            disabled: self.disabled,
            role_groups,
            when_created: timestamp(self.when_created)?,
            directory_id: self.directory_id,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    account: AccountRow,
    sealed_password: Vec<u8>,
}

/// An account with its sealed password, for sign-in.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountCredentials {
    pub account: ManagementAccount,
    pub sealed_password: Vec<u8>,
}

impl std::fmt::Debug for AccountCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountCredentials").field("account", &self.account).finish_non_exhaustive()
    }
}

fn parse_role_group(name: &str) -> Result<RoleGroup, StoreError> {
    name.parse().map_err(|_| unreadable("a role group"))
}

impl Tx {
    /// Stores a new account with its sealed password and no role groups.
    /// [`StoreError::Conflict`] when the name is taken.
    pub async fn insert_management_account(
        &mut self,
        account: &ManagementAccount,
        sealed_password: &[u8],
    ) -> Result<(), StoreError> {
        let a = account;
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO management_accounts (guid, name, name_key, display_name, sealed_password, disabled, \
                 when_created, directory_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(guid_text(a.guid))
            .bind(a.name.clone())
            .bind(key(&a.name))
            .bind(a.display_name.clone())
            .bind(sealed_password.to_vec())
            .bind(a.disabled)
            .bind(micros(a.when_created))
            .bind(a.directory_id.clone())
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// The account named `identity` (its name, case-insensitively, or its guid), with its
    /// sealed password.
    pub async fn management_account(&mut self, identity: &str) -> Result<Option<AccountCredentials>, StoreError> {
        let row: Option<CredentialsRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", account_columns!(), ", a.sealed_password FROM management_accounts a \
                 WHERE a.name_key = $1 OR a.guid = $1"
            ))
            .bind(key(identity.trim()))
            .fetch_optional(&mut *c)
            .await?
        });
        let Some(CredentialsRow { account, sealed_password }) = row else {
            return Ok(None);
        };
        Ok(Some(AccountCredentials { account: account.into_account()?, sealed_password }))
    }

    /// Every account, by name.
    pub async fn management_accounts(&mut self) -> Result<Vec<ManagementAccount>, StoreError> {
        let rows: Vec<AccountRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!("SELECT ", account_columns!(), " FROM management_accounts a ORDER BY a.name_key"))
                .fetch_all(&mut *c)
                .await?
        });
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    /// Writes an account's display name and disabled flag. [`StoreError::NotFound`] when it is gone.
    pub async fn update_management_account(&mut self, account: &ManagementAccount) -> Result<(), StoreError> {
        let updated = on_conn!(self.conn(), c => {
            sqlx::query("UPDATE management_accounts SET display_name = $2, disabled = $3 WHERE guid = $1")
                .bind(guid_text(account.guid))
                .bind(account.display_name.clone())
                .bind(account.disabled)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if updated == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Replaces an account's sealed password.
    pub async fn set_management_password(&mut self, account: Guid, sealed_password: &[u8]) -> Result<(), StoreError> {
        let updated = on_conn!(self.conn(), c => {
            sqlx::query("UPDATE management_accounts SET sealed_password = $2 WHERE guid = $1")
                .bind(guid_text(account))
                .bind(sealed_password.to_vec())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if updated == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Deletes an account; its memberships and tokens go with it.
    pub async fn delete_management_account(&mut self, account: Guid) -> Result<(), StoreError> {
        delete_one(self.conn(), "DELETE FROM management_accounts WHERE guid = $1", account).await
    }

    /// The account of the directory user whose immutable id is `directory_id`, if one was made.
    pub async fn directory_account(&mut self, directory_id: &str) -> Result<Option<ManagementAccount>, StoreError> {
        let row: Option<AccountRow> = on_conn!(self.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", account_columns!(), " FROM management_accounts a WHERE a.directory_id = $1"
            ))
            .bind(directory_id.to_owned())
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(AccountRow::into_account).transpose()
    }

    /// The account of the directory user whose immutable id is `directory_id`, made (with no
    /// password) or brought up to date from `account`: its name and display name as the
    /// directory gives them now, its role groups replaced by `account.role_groups`. Its guid,
    /// creation time and whether it is disabled stay as they were. Returns the account as stored;
    /// [`StoreError::Conflict`] when another account has the name.
    pub async fn save_directory_account(
        &mut self,
        directory_id: &str,
        mut account: ManagementAccount,
    ) -> Result<ManagementAccount, StoreError> {
        account.directory_id = Some(directory_id.to_owned());
        let stored: Option<(String, bool, i64)> = on_conn!(self.conn(), c => {
            sqlx::query_as("SELECT guid, disabled, when_created FROM management_accounts WHERE directory_id = $1")
                .bind(directory_id.to_owned())
                .fetch_optional(&mut *c)
                .await?
        });
        let mut saved = account;
        match stored {
            Some((guid, disabled, when_created)) => {
                saved.guid = parse_guid(&guid)?;
                saved.disabled = disabled;
                saved.when_created = timestamp(when_created)?;
                on_conn!(self.conn(), c => {
                    sqlx::query(
                        "UPDATE management_accounts SET name = $2, name_key = $3, display_name = $4 WHERE guid = $1",
                    )
                    .bind(guid)
                    .bind(saved.name.clone())
                    .bind(key(&saved.name))
                    .bind(saved.display_name.clone())
                    .execute(&mut *c)
                    .await?;
                    sqlx::query("DELETE FROM role_group_members WHERE account = $1")
                        .bind(guid_text(saved.guid))
                        .execute(&mut *c)
                        .await?;
                });
            }
            None => self.insert_management_account(&saved, &[]).await?,
        }
        saved.role_groups.sort();
        saved.role_groups.dedup();
        for group in &saved.role_groups {
            self.add_role_group_member(*group, saved.guid).await?;
        }
        Ok(saved)
    }

    /// Adds `account` to `group`; `false` when it already was a member.
    pub async fn add_role_group_member(&mut self, group: RoleGroup, account: Guid) -> Result<bool, StoreError> {
        let added = on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO role_group_members (role_group, account) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(group.name())
            .bind(guid_text(account))
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(added == 1)
    }

    /// Removes `account` from `group`; `false` when it wasn't a member.
    pub async fn remove_role_group_member(&mut self, group: RoleGroup, account: Guid) -> Result<bool, StoreError> {
        let removed = on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM role_group_members WHERE role_group = $1 AND account = $2")
                .bind(group.name())
                .bind(guid_text(account))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(removed == 1)
    }

    /// Stores a new token's digest for `account`, valid until `expires_at`.
    pub async fn insert_api_token(
        &mut self,
        digest: &[u8],
        account: Guid,
        created_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("INSERT INTO api_tokens (digest, account, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(digest.to_vec())
                .bind(guid_text(account))
                .bind(micros(created_at))
                .bind(micros(expires_at))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Revokes one token; `false` when there was no such token.
    pub async fn delete_api_token(&mut self, digest: &[u8]) -> Result<bool, StoreError> {
        let deleted = on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM api_tokens WHERE digest = $1")
                .bind(digest.to_vec())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// Revokes every token of an account (after a password change or when it is disabled).
    pub async fn delete_api_tokens(&mut self, account: Guid) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM api_tokens WHERE account = $1")
                .bind(guid_text(account))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// The latest time until which any of `subjects` is blocked from signing in.
    pub async fn sign_in_blocked_until(&mut self, subjects: &[&str]) -> Result<Option<Timestamp>, StoreError> {
        let mut latest = None;
        for subject in subjects {
            let until: Option<i64> = on_conn!(self.conn(), c => {
                sqlx::query_scalar("SELECT blocked_until FROM sign_in_throttle WHERE subject = $1")
                    .bind(subject.to_string())
                    .fetch_optional(&mut *c)
                    .await?
            });
            if let Some(until) = until {
                latest = latest.max(Some(timestamp(until)?));
            }
        }
        Ok(latest)
    }

    /// Counts one failed sign-in of `subject` at `now` and returns the count: failures older than
    /// `window_start` are forgotten first. One statement, so nodes count together.
    pub async fn count_sign_in_failure(
        &mut self,
        subject: &str,
        now: Timestamp,
        window_start: Timestamp,
    ) -> Result<u32, StoreError> {
        let failures: i64 = on_conn!(self.conn(), c => {
            sqlx::query_scalar(
                "INSERT INTO sign_in_throttle (subject, failures, last_failure, blocked_until) VALUES ($1, 1, $2, 0) \
                 ON CONFLICT (subject) DO UPDATE SET \
                 failures = CASE WHEN sign_in_throttle.last_failure < $3 THEN 1 ELSE sign_in_throttle.failures + 1 END, \
                 last_failure = $2 \
                 RETURNING failures",
            )
            .bind(subject.to_owned())
            .bind(micros(now))
            .bind(micros(window_start))
            .fetch_one(&mut *c)
            .await?
        });
        u32::try_from(failures).map_err(|_| unreadable("a failure count"))
    }

    /// Blocks `subject` until `until` (never shortening a longer block).
    pub async fn block_sign_in(&mut self, subject: &str, until: Timestamp) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE sign_in_throttle SET blocked_until = CASE WHEN blocked_until > $2 THEN blocked_until ELSE $2 END \
                 WHERE subject = $1",
            )
            .bind(subject.to_owned())
            .bind(micros(until))
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Forgets the failures of `subject` (after a successful sign-in).
    pub async fn clear_sign_in_failures(&mut self, subject: &str) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM sign_in_throttle WHERE subject = $1")
                .bind(subject.to_owned())
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}

impl Database {
    /// The enabled account a token that hasn't expired at `now` belongs to, with its role groups:
    /// what authenticates every API request, one statement on a reader connection without a
    /// transaction.
    pub async fn account_for_token(
        &self,
        digest: &[u8],
        now: Timestamp,
    ) -> Result<Option<ManagementAccount>, StoreError> {
        let mut reader = self.acquire_reader().await?;
        let row: Option<AccountRow> = on_conn!(reader.conn(), c => {
            sqlx::query_as(concat!(
                "SELECT ", account_columns!(), " FROM api_tokens t JOIN management_accounts a ON a.guid = t.account \
                 WHERE t.digest = $1 AND t.expires_at > $2 AND NOT a.disabled"
            ))
            .bind(digest.to_vec())
            .bind(micros(now))
            .fetch_optional(&mut *c)
            .await?
        });
        row.map(AccountRow::into_account).transpose()
    }

    /// Deletes every token that has expired at `now` (it no longer signs anyone in: keeping its
    /// digest serves nothing) and returns how many. One statement on its own, so that it holds
    /// no transaction while other nodes sign in.
    pub async fn delete_expired_api_tokens(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut pooled = self.acquire().await?;
        let deleted = on_conn!(pooled.conn(), c => {
            sqlx::query("DELETE FROM api_tokens WHERE expires_at <= $1")
                .bind(micros(now))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(deleted)
    }
}
