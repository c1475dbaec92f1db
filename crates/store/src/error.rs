//! The errors of storage: which unique rule broke, what was missing, or that the database failed.
//!
//! A unique violation is recognised by the constraint that broke. PostgreSQL reports the
//! constraint's name; SQLite reports only the columns ("UNIQUE constraint failed: t.a, t.b"), so
//! each rule is listed with both, and the two migrations give every constraint the same name.
//! Messages never carry SQL parameters: a PIN verifier or a sealed message body can't leak here.

use std::fmt;

/// The unique rule a write broke. Where a write stores several values under one rule (the
/// addresses of a mailbox, the extensions of a UM mailbox), the variant names the value that was
/// already taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unique {
    /// Another mailbox has this name (compared case-insensitively).
    MailboxName,
    /// Another mailbox has this alias.
    MailboxAlias,
    /// Another mailbox has this address, as its primary or as a secondary address.
    Address(String),
    /// Another UM dial plan has this name.
    DialPlanName,
    /// Another UM mailbox policy has this name.
    PolicyName,
    /// Another management account has this name.
    AccountName,
    /// Another UM mailbox of the same dial plan has this extension (primary or secondary).
    Extension(String),
    /// Another UM-enabled mailbox of the same dial plan has this SIP resource identifier.
    SipResourceIdentifier(String),
}

impl fmt::Display for Unique {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unique::MailboxName => f.write_str("the mailbox name"),
            Unique::MailboxAlias => f.write_str("the mailbox alias"),
            Unique::Address(a) => write!(f, "the e-mail address '{a}'"),
            Unique::DialPlanName => f.write_str("the UM dial plan name"),
            Unique::PolicyName => f.write_str("the UM mailbox policy name"),
            Unique::AccountName => f.write_str("the management account name"),
            Unique::Extension(e) => write!(f, "the extension '{e}'"),
            Unique::SipResourceIdentifier(s) => write!(f, "the SIP resource identifier '{s}'"),
        }
    }
}

/// Every failure of a storage operation. Nothing was changed by a failed statement; the caller
/// drops (rolls back) the transaction.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A unique rule broke.
    #[error("{what} is already in use")]
    Conflict { what: Unique },

    /// An update or delete found no row to act on.
    #[error("the object to change doesn't exist (any more)")]
    NotFound,

    /// A delete was refused because other objects still refer to the object (a dial plan that
    /// policies belong to, a policy that UM-enabled mailboxes use).
    #[error("the object can't be removed because other objects still refer to it")]
    InUse,

    /// A write referred to an object that doesn't exist (a policy of an unknown dial plan, PIN
    /// data of a mailbox that isn't a UM mailbox).
    #[error("the object refers to another object that doesn't exist")]
    MissingReference,

    /// The admin audit log holds a record, at the number the next one should take, that umpin
    /// didn't write: someone inserted it in the database. Nothing more can be recorded (and so
    /// nothing audited can be done) until the log is checked and repaired.
    #[error(
        "the admin audit log is damaged: a record numbered {seq} that umpin didn't write is in the way of the next one. Run Test-AdminAuditLog to see what was changed, and repair the log from a backup"
    )]
    AuditLogDamaged { seq: u64 },

    /// The schema lacks migrations of this version of umpin.
    #[error("the database schema isn't up to date: run `umpin migrate` (or `umpin init` for a new installation)")]
    SchemaOutOfDate,

    /// The database URL is not one that umpin accepts.
    #[error("{0}")]
    InvalidUrl(String),

    /// The database can't be reached (connection refused, pool timed out, file not openable).
    /// The message names the database without its password.
    #[error("the database can't be reached: {0}")]
    Unavailable(String),

    /// Any other failure of the database, or stored data that can't be read back.
    #[error("the database refused the operation: {0}")]
    Database(String),
}

/// A unique rule as each backend reports it.
struct Rule {
    /// The constraint (or unique index) name, as PostgreSQL reports it.
    constraint: &'static str,
    /// The columns, as SQLite reports them after "UNIQUE constraint failed: ".
    sqlite_columns: &'static str,
    unique: fn(String) -> Unique,
}

const RULES: &[Rule] = &[
    Rule { constraint: "mailboxes_name_unique", sqlite_columns: "mailboxes.name_key", unique: |_| Unique::MailboxName },
    Rule {
        constraint: "mailboxes_alias_unique",
        sqlite_columns: "mailboxes.alias_key",
        unique: |_| Unique::MailboxAlias,
    },
    Rule {
        constraint: "mailboxes_primary_address_unique",
        sqlite_columns: "mailboxes.primary_address_key",
        unique: Unique::Address,
    },
    Rule {
        constraint: "mailbox_addresses_address_unique",
        sqlite_columns: "mailbox_addresses.address_key",
        unique: Unique::Address,
    },
    Rule {
        constraint: "dial_plans_name_unique",
        sqlite_columns: "dial_plans.name_key",
        unique: |_| Unique::DialPlanName,
    },
    Rule {
        constraint: "mailbox_policies_name_unique",
        sqlite_columns: "mailbox_policies.name_key",
        unique: |_| Unique::PolicyName,
    },
    Rule {
        constraint: "management_accounts_name_key",
        sqlite_columns: "management_accounts.name_key",
        unique: |_| Unique::AccountName,
    },
    Rule {
        constraint: "um_extensions_extension_unique",
        sqlite_columns: "um_extensions.dial_plan, um_extensions.extension",
        unique: Unique::Extension,
    },
    Rule {
        constraint: "um_mailboxes_sip_unique",
        sqlite_columns: "um_mailboxes.dial_plan, um_mailboxes.sip_resource_identifier_key",
        unique: Unique::SipResourceIdentifier,
    },
];

/// What a failed statement was doing, which decides what a foreign-key violation means.
#[derive(Clone, Copy)]
pub(crate) enum Doing {
    /// Inserting or updating: a violated foreign key is a missing referenced object.
    Write,
    /// Deleting: a violated foreign key is an object still referred to.
    Delete,
}

/// Maps a failure of sqlx. `value` is the value written under a rule that names its value
/// (an address, an extension, a SIP resource identifier).
pub(crate) fn map_error(e: sqlx::Error, doing: Doing, value: Option<&str>) -> StoreError {
    use sqlx::error::ErrorKind;
    match e {
        sqlx::Error::Database(db) => match db.kind() {
            // SQLite reports an `ON DELETE RESTRICT` refusal without the foreign-key error code.
            ErrorKind::Other if db.message() == "FOREIGN KEY constraint failed" => match doing {
                Doing::Write => StoreError::MissingReference,
                Doing::Delete => StoreError::InUse,
            },
            ErrorKind::UniqueViolation => {
                let rule = match db.constraint() {
                    Some(name) => RULES.iter().find(|r| r.constraint == name),
                    None => db
                        .message()
                        .strip_prefix("UNIQUE constraint failed: ")
                        .and_then(|columns| RULES.iter().find(|r| r.sqlite_columns == columns)),
                };
                match rule {
                    Some(rule) => StoreError::Conflict { what: (rule.unique)(value.unwrap_or_default().to_owned()) },
                    None => StoreError::Database(db.message().to_owned()),
                }
            }
            ErrorKind::ForeignKeyViolation => match doing {
                Doing::Write => StoreError::MissingReference,
                Doing::Delete => StoreError::InUse,
            },
            _ => StoreError::Database(db.message().to_owned()),
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        other => StoreError::Database(other.to_string()),
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        map_error(e, Doing::Write, None)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(e) => e.into(),
            other => StoreError::Database(format!("the database schema can't be migrated: {other}")),
        }
    }
}

/// Stored data that can't be turned back into a domain value (a column out of range, an unknown
/// enum name): the database was changed behind umpin's back.
pub(crate) fn unreadable(what: &str) -> StoreError {
    StoreError::Database(format!("stored data can't be read: {what}"))
}

/// A database URL fit for messages and logs: the password (in the authority or as a `password=`
/// parameter) is replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(start) = url.find("://").map(|i| i + 3) {
        let rest = &url[start..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            out = format!("{}{}:***{}", &url[..start], &rest[..colon], &rest[at..]);
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_owned(),
            })
            .collect();
        out = format!("{head}{}", params.join("&"));
    }
    out
}
