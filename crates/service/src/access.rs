//! Who may do what, and the record of it (SPEC §4.4–§4.5): every operation comes with its
//! [`Operation`] — the cmdlet, the object, the parameters as given (secrets by their type) and the
//! permissions it needs, as the cmdlet catalogue declares them — and runs through
//! [`Service::authorize`] (reads), [`Service::audited`] (changes) or [`Service::audited_read`]
//! (PIN-information reads).
//!
//! A denial is audited and returned before anything is read. A change's record is appended in
//! the change's own transaction, so a change and its record commit together; a read's record is
//! handed to the node's appender, which appends records in batches, and the read is answered
//! once its record is durable. A failed action is rolled back and then recorded, with its error,
//! through the appender too.

use umpin_domain::roles::missing_permission;
use umpin_domain::{AuditParameter, AuditParameters, AuditValue, Error, Permission, RoleGroup};
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
    /// The name the periodic directory sync of `umpin serve` acts under.
    pub const SCHEDULED_DIRECTORY_SYNC: &'static str = "Scheduled Directory Sync";

    /// The periodic directory sync of `umpin serve`: it may run `Start-UMDirectorySync`, which
    /// needs Organization Management, and is never given to anyone signing in.
    pub fn scheduled_directory_sync() -> Self {
        Principal {
            account: Self::SCHEDULED_DIRECTORY_SYNC.to_owned(),
            role_groups: vec![RoleGroup::OrganizationManagement],
            source: "umpin serve".to_owned(),
        }
    }

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
    /// Whether the role groups allow `operation` with every restricted use it makes: what an
    /// interface asks to leave out the controls of what would be refused. The service still
    /// checks every operation itself.
    pub fn may(&self, operation: &Operation) -> bool {
        missing_permission(&self.role_groups, &operation.needs).is_none()
    }
}

/// One operation as the permission check and the audit log see it: the cmdlet (or the
/// voice-access API), the object, the parameters as given (secrets by their type) and the
/// permissions it needs. The caller states it — the cmdlet catalogue, from the cmdlet's
/// declaration and its table of who may do what — and the service checks and records it.
#[derive(Clone, Debug)]
pub struct Operation {
    cmdlet: &'static str,
    object_id: String,
    parameters: Vec<(&'static str, AuditValue)>,
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

impl Operation {
    /// Running what `permission` permits (a cmdlet, or the voice-access API) on `object_id`
    /// (empty when it names none; a name or address when it creates the object, which the audit
    /// log then finds it by).
    pub fn new(permission: Permission, object_id: impl Into<String>) -> Operation {
        Operation {
            cmdlet: permission.action,
            object_id: object_id.into(),
            parameters: Vec::new(),
            needs: vec![permission],
        }
    }

    /// A parameter as it was given.
    pub fn parameter(mut self, name: &'static str, value: AuditValue) -> Operation {
        self.parameters.push((name, value));
        self
    }

    /// One more permission the operation needs (a restricted use of a parameter).
    pub fn needs(mut self, permission: Permission) -> Operation {
        self.needs.push(permission);
        self
    }

    /// The same cmdlet, with its permissions, on another object with other parameters: the
    /// record of one object among the many an operation changes.
    pub(crate) fn on_object(
        &self,
        object_id: impl Into<String>,
        parameters: Vec<(&'static str, AuditValue)>,
    ) -> Operation {
        Operation { cmdlet: self.cmdlet, object_id: object_id.into(), parameters, needs: self.needs.clone() }
    }

    /// The parameters as the audit record keeps them: each text cut to
    /// [`MAX_AUDIT_VALUE_CHARS`] and made storable, a secret only as the fact that one was given.
    fn recorded_parameters(&self) -> AuditParameters {
        AuditParameters::Values(
            self.parameters
                .iter()
                .map(|(name, value)| AuditParameter { name: (*name).to_owned(), value: recorded(value) })
                .collect(),
        )
    }
}

/// A parameter value as an audit record keeps it: a text cut to [`MAX_AUDIT_VALUE_CHARS`], a list
/// of texts to that many characters in all (each text counting one more, so that a list of many
/// empty texts is cut too), and a NUL kept as the databases can hold it (see
/// [`crate::audit::storable`]).
fn recorded(value: &AuditValue) -> AuditValue {
    let storable = crate::audit::storable;
    match value {
        AuditValue::Text(text) => AuditValue::Text(storable(&bounded(text))),
        AuditValue::Word(word) => AuditValue::Word(storable(&bounded(word))),
        AuditValue::Texts(texts) => {
            // Each text costs its characters and one for the comma before it (the first has none).
            let cost = |t: &String| t.chars().count() + 1;
            let mut kept = Vec::new();
            let mut room = MAX_AUDIT_VALUE_CHARS + 1;
            for (i, text) in texts.iter().enumerate() {
                if cost(text) <= room {
                    kept.push(storable(text));
                    room -= cost(text);
                    continue;
                }
                let take = room.saturating_sub(1);
                let cut = cost(text) - room + texts[i + 1..].iter().map(cost).sum::<usize>();
                let start: String = text.chars().take(take).collect();
                kept.push(format!("{}…[{cut} more characters cut]", storable(&start)));
                break;
            }
            AuditValue::Texts(kept)
        }
        AuditValue::Number(_) | AuditValue::Bool(_) | AuditValue::Secret => value.clone(),
    }
}

impl Service {
    /// Checks that `by` may perform `operation`. A denial is recorded and returned.
    pub(crate) async fn authorize(&self, by: &Principal, operation: &Operation) -> Result<(), ServiceError> {
        let Some(missing) = missing_permission(&by.role_groups, &operation.needs) else {
            return Ok(());
        };
        let denied: ServiceError = Error::PermissionDenied {
            account: by.account.clone(),
            permission: missing.to_string(),
            granted_by: RoleGroup::granting(&missing).into_iter().map(RoleGroup::name).collect(),
        }
        .into();
        self.record_failure(by, operation, &denied).await;
        Err(denied)
    }

    /// Runs `work` in one transaction as `by`, after the permission check, and records it: with
    /// the change when it succeeds, on its own after the rollback when it fails.
    pub(crate) async fn audited<T>(
        &self,
        by: &Principal,
        operation: Operation,
        work: impl AsyncFnOnce(&mut Tx) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        self.authorize(by, &operation).await?;
        self.recorded(by, operation, work).await
    }

    /// Runs `work` in a read-only transaction as `by`, after the permission check, and records it
    /// as [`Service::audited_lookup`] does.
    pub(crate) async fn audited_read<T>(
        &self,
        by: &Principal,
        operation: Operation,
        work: impl AsyncFnOnce(&mut Tx) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        self.audited_lookup(by, operation, async {
            let mut tx = self.db.begin_read().await?;
            let value = work(&mut tx).await?;
            tx.commit().await?;
            Ok(value)
        })
        .await
    }

    /// Awaits `read` (which changes nothing: a statement of the store's on a reader, or a
    /// read-only transaction) as `by`, after the permission check, and records it through the
    /// appender: the value is returned only once its record is durable, and a failure to append
    /// is the read's failure (it is recorded as one, when the log can still take it).
    pub(crate) async fn audited_lookup<T>(
        &self,
        by: &Principal,
        operation: Operation,
        read: impl Future<Output = Result<T, ServiceError>>,
    ) -> Result<T, ServiceError> {
        self.authorize(by, &operation).await?;
        let result = match read.await {
            Ok(value) => {
                let record = self.audit_record(by, &operation, None);
                self.appender.append(&self.db, &self.vault, record).await.map(|()| value).map_err(ServiceError::from)
            }
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            self.record_failure(by, &operation, e).await;
        }
        result
    }

    /// Runs `work` in one transaction as `by` and records it as [`Service::audited`] does, for
    /// a caller whose right to it is not a role group's (a user on their own mailbox).
    pub(crate) async fn recorded<T>(
        &self,
        by: &Principal,
        operation: Operation,
        work: impl AsyncFnOnce(&mut Tx) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let mut tx = self.db.begin().await?;
        let result = match work(&mut tx).await {
            Ok(value) => self.append_audit(&mut tx, by, &operation, None).await.map(|()| value),
            Err(e) => Err(e),
        };
        let result = match result {
            Ok(value) => tx.commit().await.map(|()| value).map_err(ServiceError::from),
            Err(e) => {
                // Rolled back before the failure is recorded: on SQLite the open transaction
                // holds the one writer connection that recording needs. (A failed rollback leaves the
                // connection to the pool, which discards it.)
                let _ = tx.rollback().await;
                Err(e)
            }
        };
        if let Err(e) = &result {
            self.record_failure(by, &operation, e).await;
        }
        result
    }

    /// Records a failed or denied operation through the appender, apart from anything it did
    /// (which was rolled back). If even that fails (the database is down), the server log says so;
    /// the caller still gets the original error.
    pub(crate) async fn record_failure(&self, by: &Principal, operation: &Operation, error: &ServiceError) {
        let record = self.audit_record(by, operation, Some(error.to_string()));
        if let Err(e) = self.appender.append(&self.db, &self.vault, record).await {
            tracing::error!(cmdlet = operation.cmdlet, account = %by.account, error = %e, "the admin audit log couldn't record a failed action");
        }
    }

    /// Appends the record of `operation` to the chain, in `tx`.
    pub(crate) async fn append_audit(
        &self,
        tx: &mut Tx,
        by: &Principal,
        operation: &Operation,
        error: Option<String>,
    ) -> Result<(), ServiceError> {
        self.append_record(tx, self.audit_record(by, operation, error)).await
    }

    /// The record of `operation` by `by`, now, before it is numbered and linked.
    fn audit_record(&self, by: &Principal, operation: &Operation, error: Option<String>) -> AuditRecord {
        let storable = crate::audit::storable;
        AuditRecord {
            seq: 0,
            run_at: self.now(),
            account: storable(&by.account),
            source: storable(&by.source),
            cmdlet: operation.cmdlet.to_owned(),
            object_id: storable(&bounded(&operation.object_id)),
            parameters: operation.recorded_parameters(),
            succeeded: error.is_none(),
            error: error.as_deref().map(storable),
            key_id: 0,
            link: Vec::new(),
        }
    }

    /// Appends `record` to the chain, in `tx`: numbered after the head, linked to it under the
    /// current key. On PostgreSQL the head stays locked from this statement to the commit, so it
    /// comes last in a transaction that does more (a directory sync's step of many changes is the
    /// exception, and rare).
    pub(crate) async fn append_record(&self, tx: &mut Tx, record: AuditRecord) -> Result<(), ServiceError> {
        let vault = &self.vault;
        let link = |head, head_link: &[u8], records: &mut [AuditRecord]| {
            crate::appender::chain(vault, head, head_link, records);
        };
        Ok(tx.append_audit_records(&mut [record], link).await?)
    }
}
