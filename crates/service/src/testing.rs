//! The test kit of the service (feature `testing`), for its own tests and those of the crates
//! above it: a service with a fresh server key and the fast Argon2 parameters of tests, the local
//! administrator, and the names of the organisation of the Exchange help pages, which the
//! catalogue's test kit (`umpin_catalogue::testing::contoso`) creates through the cmdlets.

use std::path::Path;

use secrecy::SecretString;
use tempfile::TempDir;
use umpin_crypto::{Argon2Params, KeyRing, Vault};
use umpin_domain::AuditParameters;
use umpin_store::{AuditRecord, Database};

use crate::{Principal, Service, ServiceError};

/// The dial plan of the organisation of the Exchange help pages.
pub const PLAN: &str = "MyUMDialPlan";
/// The UM mailbox policy of the organisation of the Exchange help pages.
pub const POLICY: &str = "MyUMMailboxPolicy";
/// Tony's PIN in the organisation of the Exchange help pages.
pub const TONY_PIN: &str = "5643892";
/// Where the welcome message to Tony goes in the organisation of the Exchange help pages.
pub const ADMINISTRATOR_ADDRESS: &str = "administrator@contoso.com";

/// The local administrator (Organization Management).
pub fn admin() -> Principal {
    Principal::local_administrator()
}

/// A PIN or password as the service takes it.
pub fn pin(s: &str) -> SecretString {
    SecretString::from(s)
}

/// A service on `db` with the server key in `key_file` (created when missing) and the fast Argon2
/// parameters of tests.
///
/// # Panics
/// When the key file can't be made or read: a test kit has no better answer.
#[allow(clippy::unwrap_used)]
pub fn service_with_key(db: Database, key_file: &Path) -> Service {
    let (keys, _) = KeyRing::load_or_create(key_file).unwrap();
    Service::new(db, Vault::new(keys, Argon2Params::FAST_FOR_TESTS, 4).unwrap())
}

/// A service on `db` with a fresh server key, which lives as long as the returned directory.
///
/// # Panics
/// When no temporary directory can be made.
#[allow(clippy::unwrap_used)]
pub fn service(db: Database) -> (Service, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (service_with_key(db, &dir.path().join("umpin.key")), dir)
}

/// Appends a succeeded record of `cmdlet` on `object_id` by `by` as umpin wrote every record
/// before the log kept parameters as values: its parameters the PowerShell text `parameters`
/// (`-Identity tony@contoso.com -Pin ***`), chained as then.
///
/// # Errors
/// When the database fails.
pub async fn append_text_audit_record(
    s: &Service,
    by: &Principal,
    cmdlet: &str,
    object_id: &str,
    parameters: &str,
) -> Result<(), ServiceError> {
    let record = AuditRecord {
        seq: 0,
        run_at: s.now(),
        account: by.account.clone(),
        source: by.source.clone(),
        cmdlet: cmdlet.to_owned(),
        object_id: object_id.to_owned(),
        parameters: AuditParameters::Text(parameters.to_owned()),
        succeeded: true,
        error: None,
        key_id: 0,
        link: Vec::new(),
    };
    let mut tx = s.db.begin().await?;
    s.append_record(&mut tx, record).await?;
    Ok(tx.commit().await?)
}
