//! Role groups and what they permit (SPEC §4.4): the one table of who may do what.
//!
//! A [`Permission`] is a cmdlet (or the voice-access API), or one restricted use of a cmdlet's
//! parameter that needs more than the cmdlet itself: a Help Desk account may run
//! `Set-UMMailboxPIN`, but not with a PIN of its own choosing, not to send the new PIN to another
//! address or to nobody, not to spare the user the change of a new PIN, and not to lock a user out. The service asks [`RoleGroup::grants`] for every permission
//! an operation needs and refuses with [`crate::Error::PermissionDenied`] naming the first missing one.

use std::fmt;
use std::str::FromStr;

/// The built-in role groups. They can't be created, renamed or removed; only their members change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleGroup {
    /// Everything, including role groups, management accounts and the audit log.
    OrganizationManagement,
    /// Dial plans, mailbox policies, UM mailboxes and PINs.
    UmManagement,
    /// Every `Get-` cmdlet, nothing that changes state.
    ViewOnlyOrganizationManagement,
    /// Looking up UM mailboxes and their PIN status, unlocking, and resetting to a generated PIN.
    HelpDesk,
    /// Only the voice-access API, for telephony front ends.
    VoiceAccess,
}

/// The voice-access API (phone sign-in and PIN change), as a permission.
pub const VOICE_ACCESS: &str = "Voice access";

/// The cmdlets of UM Management (with every parameter), besides `Get-Mailbox` to find the mailboxes
/// to enable.
const UM_MANAGEMENT: &[&str] = &[
    "New-UMDialPlan",
    "Get-UMDialPlan",
    "Set-UMDialPlan",
    "Remove-UMDialPlan",
    "New-UMMailboxPolicy",
    "Get-UMMailboxPolicy",
    "Set-UMMailboxPolicy",
    "Remove-UMMailboxPolicy",
    "Enable-UMMailbox",
    "Disable-UMMailbox",
    "Get-UMMailbox",
    "Set-UMMailbox",
    "Get-UMMailboxPIN",
    "Set-UMMailboxPIN",
    "Get-Mailbox",
];

/// The cmdlets of Help Desk, without their restricted parameters; `Get-Mailbox` to find the user
/// (Exchange's Help Desk views recipients too).
const HELP_DESK: &[&str] = &["Get-Mailbox", "Get-UMMailbox", "Get-UMMailboxPIN", "Set-UMMailboxPIN"];

impl RoleGroup {
    pub const ALL: [RoleGroup; 5] = [
        RoleGroup::OrganizationManagement,
        RoleGroup::UmManagement,
        RoleGroup::ViewOnlyOrganizationManagement,
        RoleGroup::HelpDesk,
        RoleGroup::VoiceAccess,
    ];

    /// The name administrators use (`Get-RoleGroup`, `Add-RoleGroupMember -Identity`).
    pub fn name(self) -> &'static str {
        match self {
            RoleGroup::OrganizationManagement => "Organization Management",
            RoleGroup::UmManagement => "UM Management",
            RoleGroup::ViewOnlyOrganizationManagement => "View-Only Organization Management",
            RoleGroup::HelpDesk => "Help Desk",
            RoleGroup::VoiceAccess => "Voice Access",
        }
    }

    /// What members of the group may do, in a sentence.
    pub fn description(self) -> &'static str {
        match self {
            RoleGroup::OrganizationManagement => {
                "Everything, including management accounts, role groups and the admin audit log."
            }
            RoleGroup::UmManagement => {
                "UM dial plans, UM mailbox policies, UM mailboxes and PINs; can look up mailboxes."
            }
            RoleGroup::ViewOnlyOrganizationManagement => "Every Get cmdlet; nothing that changes state.",
            RoleGroup::HelpDesk => {
                "Get-Mailbox, Get-UMMailbox and Get-UMMailboxPIN; Set-UMMailboxPIN to unlock or to reset to a generated PIN sent to the user's own address, which the user must change."
            }
            RoleGroup::VoiceAccess => "Only the voice-access API, for telephony front ends.",
        }
    }

    /// Whether members of this group have `permission`.
    pub fn grants(self, permission: &Permission) -> bool {
        let cmdlet = permission.action;
        match self {
            RoleGroup::OrganizationManagement => true,
            RoleGroup::UmManagement => UM_MANAGEMENT.contains(&cmdlet),
            RoleGroup::ViewOnlyOrganizationManagement => cmdlet.starts_with("Get-") && permission.restriction.is_none(),
            RoleGroup::HelpDesk => HELP_DESK.contains(&cmdlet) && permission.restriction.is_none(),
            RoleGroup::VoiceAccess => cmdlet == VOICE_ACCESS,
        }
    }

    /// The groups that grant `permission`, for the message of a denial.
    pub fn granting(permission: &Permission) -> Vec<RoleGroup> {
        RoleGroup::ALL.into_iter().filter(|g| g.grants(permission)).collect()
    }
}

impl fmt::Display for RoleGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RoleGroup {
    type Err = crate::Error;

    /// A role group by its name, case-insensitively.
    fn from_str(s: &str) -> Result<Self, crate::Error> {
        RoleGroup::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| crate::Error::NotFound { kind: crate::ObjectKind::RoleGroup, identity: s.to_owned() })
    }
}

/// Something an account may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission {
    /// The cmdlet, or [`VOICE_ACCESS`].
    pub action: &'static str,
    /// A use of the cmdlet that needs more than the cmdlet itself, as it is typed
    /// (`-Pin`, `-LockedOut $true`).
    pub restriction: Option<&'static str>,
}

impl Permission {
    /// Running `cmdlet` at all.
    pub const fn cmdlet(cmdlet: &'static str) -> Permission {
        Permission { action: cmdlet, restriction: None }
    }

    /// One restricted use of `cmdlet`.
    pub const fn restricted(cmdlet: &'static str, restriction: &'static str) -> Permission {
        Permission { action: cmdlet, restriction: Some(restriction) }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.restriction {
            Some(r) => write!(f, "{} {r}", self.action),
            None => f.write_str(self.action),
        }
    }
}

/// The first of `needed` that none of `groups` grants, if any.
pub fn missing_permission(groups: &[RoleGroup], needed: &[Permission]) -> Option<Permission> {
    needed.iter().find(|p| !groups.iter().any(|g| g.grants(p))).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_group_names_parse_case_insensitively() {
        for group in RoleGroup::ALL {
            assert_eq!(group.name().to_uppercase().parse::<RoleGroup>(), Ok(group));
        }
        assert!("Domain Admins".parse::<RoleGroup>().is_err());
    }

    #[test]
    fn help_desk_may_reset_but_never_choose_the_pin() {
        let groups = [RoleGroup::HelpDesk];
        assert_eq!(missing_permission(&groups, &[Permission::cmdlet("Set-UMMailboxPIN")]), None);
        let typed = Permission::restricted("Set-UMMailboxPIN", "-Pin");
        assert_eq!(missing_permission(&groups, &[Permission::cmdlet("Set-UMMailboxPIN"), typed]), Some(typed));
    }

    #[test]
    fn view_only_gets_every_get_cmdlet_and_nothing_else() {
        let g = RoleGroup::ViewOnlyOrganizationManagement;
        assert!(g.grants(&Permission::cmdlet("Get-ManagementAccount")));
        assert!(!g.grants(&Permission::cmdlet("Set-UMMailboxPIN")));
        assert!(!g.grants(&Permission::cmdlet("Search-AdminAuditLog")));
    }

    #[test]
    fn voice_access_grants_only_the_voice_access_api() {
        let g = RoleGroup::VoiceAccess;
        assert!(g.grants(&Permission::cmdlet(VOICE_ACCESS)));
        assert!(!g.grants(&Permission::cmdlet("Get-UMMailboxPIN")));
    }

    #[test]
    fn a_denial_lists_the_groups_that_would_grant_it() {
        let typed = Permission::restricted("Set-UMMailboxPIN", "-Pin");
        assert_eq!(RoleGroup::granting(&typed), vec![RoleGroup::OrganizationManagement, RoleGroup::UmManagement]);
    }
}
