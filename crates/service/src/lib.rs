//! The operations of umpin: the server side of every UM, directory and PIN cmdlet (SPEC §4.1) and
//! voice access (SPEC §3).
//!
//! Each operation takes the acting [`Principal`] and its [`Operation`] (the cmdlet, its object and
//! parameters, and the permissions it needs, as the cmdlet catalogue declares them), checks the
//! principal's role groups against it (SPEC §4.4), and runs in one storage transaction together
//! with its admin audit record (SPEC §4.5) and any message to e-mail (the outbox); a read of PIN
//! information reads in a read-only transaction and is answered once the node's appender has
//! made its record durable, in a batch with others. The check
//! happens here, whatever the interface — shell, web admin center, HTTP API — so they all call
//! these methods and nothing below them.

mod access;
mod accounts;
mod appender;
mod audit;
mod dial_plans;
mod directory;
mod error;
mod keys;
mod mailboxes;
mod messages;
mod outbox;
mod pins;
mod policies;
mod sign_in;
mod um_mailboxes;
mod voice;
mod voice_mail;
mod web_sessions;

#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

use umpin_crypto::Vault;
use umpin_domain::Timestamp;
use umpin_store::Database;

pub use access::{Operation, Principal};
pub use accounts::{IssuedToken, ManagementAccountChanges, NewManagementAccount, RoleGroupView, TOKEN_LIFETIME};
pub use audit::{AuditCheckpoint, AuditLogCheck, AuditSearch, CHECKPOINT_TAG};
pub use directory::{DirectorySource, DirectorySyncReport, PlannedChange, SYNC_LEASE_MARGIN};
pub use error::ServiceError;
pub use messages::{MessageKind, OutgoingMessage};
pub use outbox::{DueMessage, DueMessages, retry_delay};
pub use pins::{PinFilter, PinReset, UmMailboxPin};
pub use policies::NewPolicy;
pub use sign_in::SignInOutcome;
pub use um_mailboxes::{EnableUmMailbox, UmMailboxChanges, UmMailboxView};
pub use umpin_store::{
    AuditRecord, DirectorySyncRecord, Recipient, RecipientKey, RecipientOrder, RecipientQuery, SprayBlock, SyncCounts,
};
pub use voice::{Call, CallPinExpiry, CallSignIn, IdentifiedCaller, NewCall, RecordedNameAudio};
pub use voice_mail::{VoiceMailSession, VoiceMailUser};
pub use web_sessions::{WEB_SESSION_LIFETIME, WebSession};

/// How many objects one list call returns at most when the caller asks for more.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The clock, replaceable so that tests can move time (PIN lifetime).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The service: storage, the vault and the clock. Its clones share one audit appender (see the
/// `appender` module): a node's records of reads are appended in batches.
#[derive(Clone)]
pub struct Service {
    db: Database,
    vault: Vault,
    appender: appender::Appender,
    clock: Clock,
    spray_defence: umpin_domain::voice::SprayDefence,
    directory: Option<Arc<dyn DirectorySource>>,
}

impl Service {
    pub fn new(db: Database, vault: Vault) -> Self {
        Service {
            db,
            vault,
            appender: appender::Appender::default(),
            clock: Arc::new(Timestamp::now),
            spray_defence: Default::default(),
            directory: None,
        }
    }

    /// The same service with other settings of the defence against PIN spraying.
    pub fn with_spray_defence(self, spray_defence: umpin_domain::voice::SprayDefence) -> Self {
        Service { spray_defence, ..self }
    }

    /// The same service reading users from this directory (`Start-UMDirectorySync`).
    pub fn with_directory(self, directory: Arc<dyn DirectorySource>) -> Self {
        Service { directory: Some(directory), ..self }
    }

    /// The same service with another clock.
    pub fn with_clock(self, clock: Clock) -> Self {
        Service { clock, ..self }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }
}

/// One page of a list: the items and whether more exist after them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor to pass to get the next page, when there is one.
    pub next: Option<String>,
}
