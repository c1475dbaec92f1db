//! Who may run which cmdlet (SPEC §4.4): the one table, keyed by [`CmdletId`] and matched
//! exhaustively, so that a cmdlet can't be declared without saying who may run it. Nothing is
//! granted by a name's shape: View-Only Organization Management has the `Get-` cmdlets because
//! each of them lists it.
//!
//! A restricted use is a parameter (or one value of it) that needs more than the cmdlet itself.
//! Help Desk may run `Set-UMMailboxPIN` to unlock a user or to reset the PIN to a generated one
//! sent to the user's own address, which the user must change; it may not choose the PIN, send
//! it to another address, keep it from the user (`-SendEmail $false`), spare the user the change
//! (`-PINExpired $false`) or lock a user out. A generated PIN that reaches the help desk, or one
//! the user keeps, would be as good as one of the help desk's choosing.
//!
//! The service still decides: every operation carries these permissions and the service checks
//! them (and records a denial) before it reads anything.

use umpin_domain::{AuditValue, Permission, Restriction, RoleGroup};
use umpin_service::Operation;

use crate::cmdlets::CmdletId;

use RoleGroup::{HelpDesk, OrganizationManagement, UmManagement, ViewOnlyOrganizationManagement};

/// Organization Management alone.
const ORGANIZATION: &[RoleGroup] = &[OrganizationManagement];
/// Organization Management and its view-only group.
const ORGANIZATION_VIEW: &[RoleGroup] = &[OrganizationManagement, ViewOnlyOrganizationManagement];
/// Unified Messaging administration.
const UM: &[RoleGroup] = &[OrganizationManagement, UmManagement];
/// Unified Messaging administration and every viewer.
const UM_VIEW: &[RoleGroup] = &[OrganizationManagement, UmManagement, ViewOnlyOrganizationManagement];
/// What the help desk looks up, with every viewer.
const UM_VIEW_HELP: &[RoleGroup] = &[OrganizationManagement, UmManagement, ViewOnlyOrganizationManagement, HelpDesk];
/// What the help desk may change, within its restrictions.
const UM_HELP: &[RoleGroup] = &[OrganizationManagement, UmManagement, HelpDesk];

/// Who may run a cmdlet, and who may make each of its restricted uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grants {
    /// The role groups whose members may run it.
    pub role_groups: &'static [RoleGroup],
    /// Its restricted uses, each with the role groups that may make it; a denial names the first
    /// one missing, in this order.
    pub restricted: &'static [(Restriction, &'static [RoleGroup])],
}

const fn only(role_groups: &'static [RoleGroup]) -> Grants {
    Grants { role_groups, restricted: &[] }
}

/// A parameter given at all.
const fn given(parameter: &'static str) -> Restriction {
    Restriction { parameter, value: None }
}

/// A parameter given one value.
const fn given_as(parameter: &'static str, value: bool) -> Restriction {
    Restriction { parameter, value: Some(value) }
}

/// The restricted uses of `Set-UMMailboxPIN`: all of them UM administration's alone.
const PIN_RESET_RESTRICTED: &[(Restriction, &[RoleGroup])] = &[
    (given("Pin"), UM),
    (given("NotifyEmail"), UM),
    (given_as("LockedOut", true), UM),
    (given_as("SendEmail", false), UM),
    (given_as("PINExpired", false), UM),
];

impl CmdletId {
    /// Who may run it, and make its restricted uses.
    pub const fn grants(self) -> Grants {
        use CmdletId::*;
        match self {
            NewUmDialPlan | SetUmDialPlan | RemoveUmDialPlan => only(UM),
            GetUmDialPlan => only(UM_VIEW),
            NewUmMailboxPolicy | SetUmMailboxPolicy | RemoveUmMailboxPolicy => only(UM),
            GetUmMailboxPolicy => only(UM_VIEW),
            EnableUmMailbox | DisableUmMailbox | SetUmMailbox => only(UM),
            GetUmMailbox | GetUmMailboxPin => only(UM_VIEW_HELP),
            SetUmMailboxPin => Grants { role_groups: UM_HELP, restricted: PIN_RESET_RESTRICTED },
            NewMailbox | SetMailbox | RemoveMailbox => only(ORGANIZATION),
            // The help desk finds the user's mailbox, as Exchange's Help Desk views recipients.
            GetMailbox => only(UM_VIEW_HELP),
            // The security officer who asks who reset whose PIN reads the log without changing
            // anything, as the organisation's viewers do.
            SearchAdminAuditLog | TestAdminAuditLog => only(ORGANIZATION_VIEW),
            NewManagementAccount | SetManagementAccount | RemoveManagementAccount => only(ORGANIZATION),
            GetManagementAccount => only(ORGANIZATION_VIEW),
            GetRoleGroup | GetRoleGroupMember => only(ORGANIZATION_VIEW),
            AddRoleGroupMember | RemoveRoleGroupMember => only(ORGANIZATION),
            // Blocks of PIN spraying are a security matter: seen by the organisation's viewers,
            // lifted only by its administrators (lifting one lets a sprayer go on at once).
            GetUmSprayBlock => only(ORGANIZATION_VIEW),
            ClearUmSprayBlock => only(ORGANIZATION),
            // A sync creates and changes mailboxes (as New-Mailbox and Set-Mailbox) and disables UM.
            StartUmDirectorySync => only(ORGANIZATION),
            GetUmDirectorySyncStatus => only(ORGANIZATION_VIEW),
        }
    }

    /// Running it at all.
    pub fn permission(self) -> Permission {
        Permission { action: self.info().name, restriction: None, granted_to: self.grants().role_groups }
    }
}

/// Running `cmdlet` on `object_id` with `parameters`: needs the cmdlet's permission and that of
/// every restricted use the parameters make.
pub(crate) fn operation(cmdlet: CmdletId, object_id: String, parameters: Vec<(&'static str, AuditValue)>) -> Operation {
    let mut operation = Operation::new(cmdlet.permission(), object_id);
    for (restriction, granted_to) in cmdlet.grants().restricted {
        if parameters.iter().any(|(name, value)| restriction.applies(name, value)) {
            let action = cmdlet.info().name;
            operation = operation.needs(Permission { action, restriction: Some(*restriction), granted_to });
        }
    }
    for (name, value) in parameters {
        operation = operation.parameter(name, value);
    }
    operation
}
