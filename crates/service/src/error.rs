//! The errors of the service layer: a broken rule (with the domain's message), or a failure of
//! storage or of the vault, described without internal detail or secrets.
//!
//! A storage error keeps its kind: a name already taken, an object removed meanwhile or still in
//! use is the caller's to resolve (and an interface shows it as such, 409 or 404), while a
//! database that can't be reached or fails is the server's (503). Each keeps the store's error
//! as its source for the log.

use umpin_crypto::CryptoError;
use umpin_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A rule of SPEC §1–§2 refused the operation; nothing changed.
    #[error(transparent)]
    Rule(#[from] umpin_domain::Error),

    /// A name, address or number the operation would give is already taken; nothing changed.
    #[error("The operation couldn't be completed: {source}. Nothing was changed; choose another and run it again.")]
    AlreadyInUse { source: StoreError },

    /// The object was removed by another operation meanwhile; nothing changed.
    #[error(
        "The operation couldn't be completed: {source}; another operation removed it. Nothing was changed; look the object up again."
    )]
    Gone { source: StoreError },

    /// The object can't be removed while others refer to it, or refers to one that doesn't
    /// exist; nothing changed.
    #[error(
        "The operation couldn't be completed: {source}. Nothing was changed; remove or change the objects it depends on first."
    )]
    InUse { source: StoreError },

    /// The database could not be reached or failed; nothing changed.
    #[error(
        "The operation couldn't be completed because the database failed ({source}). Nothing was changed; try again, and check the server log if it keeps failing."
    )]
    Storage { source: StoreError },

    /// The sealed PIN data can't be opened with the server's keys.
    #[error(
        "The PIN data of '{mailbox}' can't be read with this server's keys (was the key file replaced?). Reset the PIN with Set-UMMailboxPIN to give the user a new one."
    )]
    PinDataUnreadable { mailbox: String },

    /// Another operation changed the same object between the check and the write.
    #[error(
        "'{object}' was changed by another operation at the same time. Nothing was changed; run the command again."
    )]
    ChangedMeanwhile { object: String },

    /// A management sign-in with a wrong name or password, or a token that is unknown, expired
    /// or revoked. Which of these it was is not said.
    #[error(
        "The sign-in failed: the user name or password is wrong, or the token has expired or was revoked. Sign in again."
    )]
    NotAuthenticated,

    /// A user signed in to the Voice Mail page with the right directory password, but no
    /// mailbox is linked to their directory account.
    #[error(
        "Your directory account has no mailbox here yet. The directory sync makes one; if it doesn't appear after the next sync, ask your administrator."
    )]
    NoMailbox,

    /// A directory user signed in with the right password as an administrator, but no directory
    /// group of theirs gives a role group.
    #[error(
        "Your directory account isn't a member of any directory group that gives a role group here ([[directory.role_groups]] in the configuration): ask an administrator of Organization Management to add you to one."
    )]
    NoRoleGroup,

    /// Too many failed sign-ins of this account or from this address.
    #[error("Too many failed sign-ins. Wait {retry_after_secs} seconds, then try again.")]
    Throttled { retry_after_secs: u64 },

    /// The admin audit log holds a record umpin didn't write where the next record goes, so no
    /// audited action can be recorded, and none is done, until it is repaired.
    #[error(
        "The admin audit log is damaged: record {seq} wasn't written by umpin, and no more records can be added after it. Nothing was changed. Run Test-AdminAuditLog to see what was changed, and restore the log from a backup."
    )]
    AuditLogDamaged { seq: u64 },

    /// The directory isn't configured, or couldn't be reached, signed in to or searched.
    #[error("{0} Nothing was changed.")]
    Directory(String),

    /// The vault failed for a reason other than unreadable data.
    #[error("The PIN couldn't be processed ({0}). Nothing was changed; check the server log.")]
    Crypto(CryptoError),
}

impl From<StoreError> for ServiceError {
    fn from(source: StoreError) -> Self {
        match source {
            StoreError::AuditLogDamaged { seq } => ServiceError::AuditLogDamaged { seq },
            StoreError::Conflict { .. } => ServiceError::AlreadyInUse { source },
            StoreError::NotFound => ServiceError::Gone { source },
            StoreError::InUse | StoreError::MissingReference => ServiceError::InUse { source },
            StoreError::SchemaOutOfDate
            | StoreError::InvalidUrl(_)
            | StoreError::Unavailable(_)
            | StoreError::Database(_) => ServiceError::Storage { source },
        }
    }
}

impl From<CryptoError> for ServiceError {
    fn from(e: CryptoError) -> Self {
        ServiceError::Crypto(e)
    }
}
