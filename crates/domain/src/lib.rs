//! The voice-mail PIN rules of umpin (SPEC §1–§2), with no I/O and nothing async.
//!
//! Everything above this crate — crypto, storage, the service layer and the interfaces — asks these
//! types whether something is allowed; none of them decides a rule on its own.

pub mod account;
pub mod audit;
pub mod dial_plan;
pub mod directory;
pub mod error;
pub mod identity;
pub mod mailbox;
pub mod password;
pub mod pin;
pub mod policy;
pub mod roles;
pub mod sign_in;
pub mod um_mailbox;
pub mod voice;
pub mod wav;

pub use account::{AccountChanges, ManagementAccount};
pub use audit::{AuditParameter, AuditParameters, AuditValue};
pub use dial_plan::{DialPlan, DialPlanChanges, NewDialPlan, UriType, VoipSecurity};
pub use error::{Error, ObjectKind, PinRule};
pub use mailbox::{Mailbox, MailboxChanges, NewMailbox};
pub use pin::{PinStatus, check_new_pin, generated_pin_length};
pub use policy::{Limit, LimitValue, MailboxPolicy, PinPolicy, PolicyChanges};
pub use roles::{Permission, Restriction, RoleGroup};
pub use sign_in::{Attempt, FailureConsequence, failure_consequence};
pub use um_mailbox::UmMailbox;

/// Points in time are UTC instants; storage keeps them as integer microseconds.
pub type Timestamp = jiff::Timestamp;

/// The immutable id of every object.
pub type Guid = uuid::Uuid;
