//! The test kit of the service (feature `testing`), for its own tests and those of the crates
//! above it: a service with a fresh server key and the fast Argon2 parameters of tests, the local
//! administrator, and the organisation of the Exchange help pages.

use std::path::Path;

use secrecy::SecretString;
use tempfile::TempDir;
use umpin_crypto::{Argon2Params, KeyRing, Vault};
use umpin_domain::{NewDialPlan, NewMailbox};
use umpin_store::Database;

use crate::{EnableUmMailbox, NewPolicy, Principal, Service, ServiceError};

/// The dial plan of [`contoso`].
pub const PLAN: &str = "MyUMDialPlan";
/// The UM mailbox policy of [`contoso`].
pub const POLICY: &str = "MyUMMailboxPolicy";
/// Tony's PIN in [`contoso`].
pub const TONY_PIN: &str = "5643892";
/// Where [`contoso`]'s welcome message to Tony goes.
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

/// The organisation of the Exchange help pages: a five-digit dial plan [`PLAN`], its policy
/// [`POLICY`], Tony Smith and Kim Akers, and tony@contoso.com UM-enabled on 51234 with
/// [`TONY_PIN`], his welcome message sent to [`ADMINISTRATOR_ADDRESS`].
///
/// # Panics
/// When the service refuses any of it.
#[allow(clippy::unwrap_used)]
pub async fn contoso(s: &Service) {
    s.new_dial_plan(&admin(), NewDialPlan::new(PLAN, 5, "1")).await.unwrap();
    s.new_mailbox_policy(&admin(), NewPolicy { name: POLICY.into(), dial_plan: PLAN.into() }).await.unwrap();
    for (name, alias) in [("Tony Smith", "tony"), ("Kim Akers", "kim")] {
        let new = NewMailbox {
            name: name.into(),
            primary_smtp_address: format!("{alias}@contoso.com"),
            ..Default::default()
        };
        s.new_mailbox(&admin(), new).await.unwrap();
    }
    enable(s, "tony@contoso.com", "51234", Some(TONY_PIN), Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
}

/// Enables `who` in [`POLICY`] on `extension`, with `with_pin` or a generated PIN, the welcome
/// message going to `notify` or the user.
pub async fn enable(
    s: &Service,
    who: &str,
    extension: &str,
    with_pin: Option<&str>,
    notify: Option<&str>,
) -> Result<(), ServiceError> {
    let request = EnableUmMailbox {
        policy: POLICY.into(),
        extensions: Some(vec![extension.into()]),
        pin: with_pin.map(pin),
        notify_email: notify.map(Into::into),
        ..Default::default()
    };
    s.enable_um_mailbox(&admin(), who, request).await.map(drop)
}
