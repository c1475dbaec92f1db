//! Every server cmdlet, declared once: one module per kind of object, one typed struct per
//! cmdlet (see [`cmdlet!`](crate::declare::cmdlet)), and [`Cmdlet`], the enum of them all, which
//! binds a cmdlet from its arguments and runs it.

mod accounts;
mod audit;
mod dial_plans;
mod directory;
mod mailboxes;
mod pins;
mod policies;
mod spray_blocks;
mod um_mailboxes;

pub use accounts::{
    AddRoleGroupMember, GetManagementAccount, GetRoleGroup, GetRoleGroupMember, NewManagementAccount,
    RemoveManagementAccount, RemoveRoleGroupMember, SetManagementAccount, create_first_administrator,
};
pub use audit::{SearchAdminAuditLog, TestAdminAuditLog};
pub use dial_plans::{GetUmDialPlan, NewUmDialPlan, RemoveUmDialPlan, SetUmDialPlan};
pub use directory::{GetUmDirectorySyncStatus, StartUmDirectorySync};
pub use mailboxes::{GetMailbox, NewMailbox, RemoveMailbox, SetMailbox};
pub use pins::{GetUmMailboxPin, SetUmMailboxPin};
pub use policies::{GetUmMailboxPolicy, NewUmMailboxPolicy, RemoveUmMailboxPolicy, SetUmMailboxPolicy, dial_plan_name};
pub use spray_blocks::{ClearUmSprayBlock, GetUmSprayBlock};
pub use um_mailboxes::{DisableUmMailbox, EnableUmMailbox, GetUmMailbox, SetUmMailbox};

use umpin_service::{Page, Principal, Service, ServiceError};

use crate::binding::{Arguments, Batch, PageRequest};
use crate::declare::{CmdletInfo, Default, FromPipeline, Parameter};
use crate::value::Value;

/// The enum of every server cmdlet, the table of their registry entries, and the dispatch of
/// binding and running, from one list.
macro_rules! catalogue {
    ($($variant:ident),* $(,)?) => {
        /// One server cmdlet with its typed parameters.
        #[derive(Clone, Debug)]
        pub enum Cmdlet {
            $($variant($variant),)*
        }

        /// Which server cmdlet: the key of the table of who may run what
        /// ([`CmdletId::grants`](crate::permissions)).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum CmdletId {
            $($variant,)*
        }

        impl CmdletId {
            /// Every server cmdlet.
            pub const ALL: &[CmdletId] = &[$(CmdletId::$variant),*];

            /// Its registry entry.
            pub fn info(self) -> &'static CmdletInfo {
                match self {
                    $(CmdletId::$variant => &$variant::INFO,)*
                }
            }
        }

        /// The registry entry of every server cmdlet.
        pub static CMDLETS: &[CmdletInfo] = &[$($variant::INFO),*];

        impl Cmdlet {
            /// The typed cmdlet from arguments bound to the registry entry of the cmdlet `name`.
            pub fn bind(name: &str, arguments: &Arguments) -> Result<Cmdlet, String> {
                $(if name == $variant::INFO.name {
                    return $variant::bind(arguments).map(Cmdlet::$variant);
                })*
                Err(format!(
                    "The term '{name}' is not recognized as the name of a cmdlet. Get-Command lists the cmdlets."
                ))
            }

            /// Its registry entry.
            pub fn info(&self) -> &'static CmdletInfo {
                match self {
                    $(Cmdlet::$variant(_) => &$variant::INFO,)*
                }
            }

            /// Runs it on the service as `by`. A listing without `-Identity` returns the page
            /// `page` asks for, with the cursor of the next one.
            pub async fn run(
                self,
                service: &Service,
                by: &Principal,
                page: Option<&PageRequest>,
            ) -> Result<Batch, ServiceError> {
                match self {
                    $(Cmdlet::$variant(c) => c.run(service, by, page).await,)*
                }
            }
        }
    };
}

catalogue!(
    NewUmDialPlan,
    GetUmDialPlan,
    SetUmDialPlan,
    RemoveUmDialPlan,
    NewUmMailboxPolicy,
    GetUmMailboxPolicy,
    SetUmMailboxPolicy,
    RemoveUmMailboxPolicy,
    EnableUmMailbox,
    DisableUmMailbox,
    GetUmMailbox,
    SetUmMailbox,
    GetUmMailboxPin,
    SetUmMailboxPin,
    NewMailbox,
    GetMailbox,
    SetMailbox,
    RemoveMailbox,
    SearchAdminAuditLog,
    TestAdminAuditLog,
    NewManagementAccount,
    GetManagementAccount,
    SetManagementAccount,
    RemoveManagementAccount,
    GetRoleGroup,
    GetRoleGroupMember,
    AddRoleGroupMember,
    RemoveRoleGroupMember,
    GetUmSprayBlock,
    ClearUmSprayBlock,
    StartUmDirectorySync,
    GetUmDirectorySyncStatus,
);

/// The registry entry of a server cmdlet by name, case-insensitively.
pub fn find(name: &str) -> Option<&'static CmdletInfo> {
    CMDLETS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// How many objects a listing returns unless `-ResultSize` says otherwise.
pub const DEFAULT_RESULT_SIZE: i64 = 1000;

// Parameters several cmdlets share.

const IDENTITY_MAILBOX: Parameter = Parameter::named(
    "Identity",
    "The mailbox: its GUID, an e-mail address, user principal name, alias, name or display name.",
)
.at(1)
.piped(FromPipeline::Both)
.in_path();
const RESULT_SIZE: Parameter = Parameter::named("ResultSize", "The most objects to return, or Unlimited.")
    .default(Default::Number(DEFAULT_RESULT_SIZE));
const ANR: Parameter = Parameter::named(
    "Anr",
    "Ambiguous name resolution: objects whose name, display name, alias or address starts with this.",
);
const NOTIFY_EMAIL: Parameter =
    Parameter::named("NotifyEmail", "Where the message with the PIN goes instead of the user's primary address.");
const PIN_EXPIRED: Parameter =
    Parameter::named("PINExpired", "Whether the user must choose a new PIN at the next sign-in by phone.")
        .default(Default::Bool(umpin_domain::pin::EXPIRED_WHEN_SET));

/// A batch of one object.
fn one(value: Value) -> Batch {
    Batch { objects: vec![value], ..Batch::default() }
}

/// A batch of every object.
fn all<T>(items: &[T], view: impl Fn(&T) -> Value) -> Batch {
    Batch { objects: items.iter().map(view).collect(), ..Batch::default() }
}

/// A batch of one page, with the cursor of the next.
fn paged<T>(page: Page<T>, view: impl Fn(&T) -> Value) -> Batch {
    Batch { objects: page.items.iter().map(view).collect(), warnings: Vec::new(), next: page.next }
}

/// A text parameter given empty counts as not given (`Import-Csv` gives every column).
/// The warnings of a change that may switch PIN-less voice mail on: that it trusts caller ID.
fn pinless_warnings(switch: Option<bool>) -> Vec<String> {
    match switch {
        Some(true) => vec![umpin_domain::voice::PINLESS_WARNING.to_owned()],
        _ => Vec::new(),
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// The cursor and size of the page asked for.
fn page_of(page: Option<&PageRequest>) -> (Option<&str>, Option<u32>) {
    (page.and_then(|p| p.after.as_deref()), page.map(|p| p.size))
}
