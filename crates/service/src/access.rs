//! Who may do what, and the record of it (SPEC §4.4–§4.5): every operation states an [`Action`]
//! — the cmdlet, the object, the parameters as typed (secrets as `***`) and the permissions it
//! needs — and runs through [`Service::authorize`] (reads) or [`Service::audited`] (changes and
//! PIN-information reads).
//!
//! A denial is audited and returned before anything is read. An audited action's record is
//! appended in the action's own transaction, so a change and its record commit together; a
//! failed action is rolled back and then recorded, with its error, in a transaction of its own.

use std::fmt::{self, Write as _};

use umpin_domain::roles::missing_permission;
use umpin_domain::{Error, LimitValue, Permission, RoleGroup};
use umpin_store::{AuditRecord, Tx};

use crate::{Service, ServiceError};

/// Who is acting: a management account with its role groups, from a source (a client address,
/// or the local shell).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub account: String,
    pub role_groups: Vec<RoleGroup>,
    pub source: String,
}

impl Principal {
    /// The name the local shell acts under.
    pub const LOCAL_ADMINISTRATOR: &'static str = "Local Administrator";

    /// The administrator of a local shell on the data directory: whoever can read the key file
    /// already holds every PIN verifier's key, so the local shell has Organization Management.
    pub fn local_administrator() -> Self {
        Principal {
            account: Self::LOCAL_ADMINISTRATOR.to_owned(),
            role_groups: vec![RoleGroup::OrganizationManagement],
            source: "local shell".to_owned(),
        }
    }
}

impl Principal {
    /// Whether the role groups allow `cmdlet`, and with `restriction` (as typed, such as `-Pin`)
    /// that restricted use of it: what an interface asks to leave out the controls of what would
    /// be refused. The service still checks every operation itself.
    pub fn may(&self, cmdlet: &'static str, restriction: Option<&'static str>) -> bool {
        let mut needs = vec![Permission::cmdlet(cmdlet)];
        if let Some(r) = restriction {
            needs.push(Permission::restricted(cmdlet, r));
        }
        missing_permission(&self.role_groups, &needs).is_none()
    }
}

/// One operation as the audit log and the permission check see it.
#[derive(Clone, Debug)]
pub(crate) struct Action {
    pub cmdlet: &'static str,
    pub object_id: String,
    parameters: String,
    needs: Vec<Permission>,
}

/// The most characters of one value (the object, each parameter) an audit record keeps: more
/// than any name, address or number has, so that a record of a refused oversize request stays
/// small. The rest is replaced by a note of how much was cut.
pub(crate) const MAX_AUDIT_VALUE_CHARS: usize = 256;

/// `text`, cut to [`MAX_AUDIT_VALUE_CHARS`] with a note of what was cut.
fn bounded(text: &str) -> String {
    let total = text.chars().count();
    if total <= MAX_AUDIT_VALUE_CHARS {
        return text.to_owned();
    }
    let kept: String = text.chars().take(MAX_AUDIT_VALUE_CHARS).collect();
    format!("{kept}…[{} more characters cut]", total - MAX_AUDIT_VALUE_CHARS)
}

impl Action {
    /// Running `cmdlet` on `object_id` (empty when it names none); needs the cmdlet's permission.
    pub fn new(cmdlet: &'static str, object_id: &str) -> Action {
        let action = Action::creating(cmdlet, object_id);
        if object_id.is_empty() { action } else { action.param("Identity", object_id) }
    }

    /// Running `cmdlet` that creates the object `object_id` (its name or address), which the
    /// audit log then finds it by, though it isn't given as `-Identity`.
    pub fn creating(cmdlet: &'static str, object_id: &str) -> Action {
        Action {
            cmdlet,
            object_id: bounded(object_id),
            parameters: String::new(),
            needs: vec![Permission::cmdlet(cmdlet)],
        }
    }

    /// A parameter as it was given; `None` (not given) is left out. A long value is cut.
    pub fn param(mut self, name: &str, value: impl AuditValue) -> Action {
        if let Some(text) = value.audit_text() {
            let separator = if self.parameters.is_empty() { "" } else { " " };
            let _ = write!(self.parameters, "{separator}-{name} {}", bounded(&text));
        }
        self
    }

    /// A secret parameter: only that it was given.
    pub fn secret(self, name: &str, given: bool) -> Action {
        if given { self.param(name, "***") } else { self }
    }

    /// One more permission the action needs (a restricted use of a parameter).
    pub fn needs(mut self, restriction: &'static str) -> Action {
        self.needs.push(Permission::restricted(self.cmdlet, restriction));
        self
    }
}

/// How a parameter value is written in an audit record.
pub(crate) trait AuditValue {
    fn audit_text(&self) -> Option<String>;
}

impl AuditValue for &str {
    fn audit_text(&self) -> Option<String> {
        Some(quote(self))
    }
}

impl AuditValue for String {
    fn audit_text(&self) -> Option<String> {
        Some(quote(self))
    }
}

impl AuditValue for &String {
    fn audit_text(&self) -> Option<String> {
        Some(quote(self))
    }
}

impl AuditValue for bool {
    fn audit_text(&self) -> Option<String> {
        Some(if *self { "$true" } else { "$false" }.to_owned())
    }
}

impl AuditValue for i64 {
    fn audit_text(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl AuditValue for LimitValue {
    fn audit_text(&self) -> Option<String> {
        Some(match self {
            LimitValue::Number(n) => n.to_string(),
            LimitValue::Unlimited => "Unlimited".to_owned(),
        })
    }
}

impl AuditValue for Vec<String> {
    fn audit_text(&self) -> Option<String> {
        Some(if self.is_empty() {
            "@()".to_owned()
        } else {
            self.iter().map(|s| quote(s)).collect::<Vec<_>>().join(",")
        })
    }
}

/// A value shown by its name (`URIType`, `VoIPSecurity`).
pub(crate) struct Named<T>(pub T);

impl<T: fmt::Display> AuditValue for Named<T> {
    fn audit_text(&self) -> Option<String> {
        Some(self.0.to_string())
    }
}

impl<T: AuditValue> AuditValue for Option<T> {
    fn audit_text(&self) -> Option<String> {
        self.as_ref().map(|v| v.audit_text().unwrap_or_else(|| "$null".to_owned()))
    }
}

impl<T: AuditValue> AuditValue for &Option<T> {
    fn audit_text(&self) -> Option<String> {
        self.as_ref().map(|v| v.audit_text().unwrap_or_else(|| "$null".to_owned()))
    }
}

/// A word as typed, quoted when it has spaces or quotes.
fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | ',' | ';' | '$' | '`')) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

impl Service {
    /// Checks that `by` may perform `action`. A denial is recorded and returned.
    pub(crate) async fn authorize(&self, by: &Principal, action: &Action) -> Result<(), ServiceError> {
        let Some(missing) = missing_permission(&by.role_groups, &action.needs) else {
            return Ok(());
        };
        let denied: ServiceError = Error::PermissionDenied {
            account: by.account.clone(),
            permission: missing.to_string(),
            granted_by: RoleGroup::granting(&missing).into_iter().map(RoleGroup::name).collect(),
        }
        .into();
        self.record_failure(by, action, &denied).await;
        Err(denied)
    }

    /// Runs `work` in one transaction as `by`, after the permission check, and records it: with
    /// the change when it succeeds, on its own after the rollback when it fails.
    pub(crate) async fn audited<T>(
        &self,
        by: &Principal,
        action: Action,
        work: impl AsyncFnOnce(&mut Tx) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        self.authorize(by, &action).await?;
        let mut tx = self.db.begin().await?;
        let result = match work(&mut tx).await {
            Ok(value) => self.append_audit(&mut tx, by, &action, None).await.map(|()| value),
            Err(e) => Err(e),
        };
        let result = match result {
            Ok(value) => tx.commit().await.map(|()| value).map_err(ServiceError::from),
            Err(e) => {
                // Rolled back before the failure is recorded: on SQLite the open transaction
                // holds the write lock that recording needs. (A failed rollback leaves the
                // connection to the pool, which discards it.)
                let _ = tx.rollback().await;
                Err(e)
            }
        };
        if let Err(e) = &result {
            self.record_failure(by, &action, e).await;
        }
        result
    }

    /// Records a failed or denied action in a transaction of its own. If even that fails (the
    /// database is down), the server log says so; the caller still gets the original error.
    async fn record_failure(&self, by: &Principal, action: &Action, error: &ServiceError) {
        let recorded = async {
            let mut tx = self.db.begin().await?;
            self.append_audit(&mut tx, by, action, Some(error.to_string())).await?;
            tx.commit().await?;
            Ok::<(), ServiceError>(())
        };
        if let Err(e) = recorded.await {
            tracing::error!(cmdlet = action.cmdlet, account = %by.account, error = %e, "the admin audit log couldn't record a failed action");
        }
    }

    /// Appends the record of `action` to the chain, in `tx`.
    async fn append_audit(
        &self,
        tx: &mut Tx,
        by: &Principal,
        action: &Action,
        error: Option<String>,
    ) -> Result<(), ServiceError> {
        let (last, previous_link) = tx.audit_head(true).await?;
        let printable = crate::audit::printable;
        let mut record = AuditRecord {
            seq: last + 1,
            run_at: self.now(),
            account: printable(&by.account),
            source: printable(&by.source),
            cmdlet: action.cmdlet.to_owned(),
            object_id: printable(&action.object_id),
            parameters: printable(&action.parameters),
            succeeded: error.is_none(),
            error: error.as_deref().map(printable),
            key_id: 0,
            link: Vec::new(),
        };
        let (_, link) = self.vault.audit_link(|key_id| {
            record.key_id = key_id.0;
            crate::audit::link_data(&previous_link, &record)
        });
        record.link = link.to_vec();
        Ok(tx.append_audit_record(&record).await?)
    }
}
