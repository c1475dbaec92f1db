//! Role groups and permissions (SPEC §4.4).
//!
//! A [`Permission`] is a cmdlet (or the voice-access API), or one restricted use of a cmdlet's
//! parameter that needs more than the cmdlet itself, with the role groups that grant it. Which
//! groups grant which cmdlet is the cmdlet catalogue's table (`umpin_catalogue::permissions`),
//! beside the declarations, so that a cmdlet can't exist without its entry; this module has the
//! groups themselves and the one permission that is no cmdlet, [`VOICE_ACCESS`]. The service
//! asks [`missing_permission`] for every permission an operation needs and refuses with
//! [`crate::Error::PermissionDenied`] naming the first missing one.

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

/// The voice-access API (phone sign-in and PIN change): a permission of its own, not a cmdlet.
pub const VOICE_ACCESS: Permission = Permission {
    action: "Voice access",
    restriction: None,
    granted_to: &[RoleGroup::OrganizationManagement, RoleGroup::VoiceAccess],
};

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
            RoleGroup::ViewOnlyOrganizationManagement => {
                "Every Get cmdlet and the admin audit log; nothing that changes state."
            }
            RoleGroup::HelpDesk => {
                "Get-Mailbox, Get-UMMailbox and Get-UMMailboxPIN; Set-UMMailboxPIN to unlock or to reset to a generated PIN sent to the user's own address, which the user must change."
            }
            RoleGroup::VoiceAccess => "Only the voice-access API, for telephony front ends.",
        }
    }

    /// Whether members of this group have `permission`.
    pub fn grants(self, permission: &Permission) -> bool {
        permission.granted_to.contains(&self)
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

/// Something an account may be allowed to do, and the role groups that grant it. The cmdlet
/// catalogue states the permission of every cmdlet and of its restricted uses; this crate only
/// the voice-access API's ([`VOICE_ACCESS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission {
    /// The cmdlet, or the voice-access API, as a denial names it.
    pub action: &'static str,
    /// A use of the cmdlet that needs more than the cmdlet itself.
    pub restriction: Option<Restriction>,
    /// The role groups whose members have it.
    pub granted_to: &'static [RoleGroup],
}

/// A use of a cmdlet's parameter that needs more than the cmdlet itself: the parameter given at
/// all (`-Pin`), or given one value (`-LockedOut $true`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restriction {
    /// The parameter's name, as the cmdlet declares it.
    pub parameter: &'static str,
    /// The value that is restricted; `None`: any value.
    pub value: Option<bool>,
}

impl Restriction {
    /// Whether giving `parameter` the value `value` is this restricted use.
    pub fn applies(&self, parameter: &str, value: &crate::AuditValue) -> bool {
        parameter == self.parameter
            && match self.value {
                None => true,
                Some(restricted) => *value == crate::AuditValue::Bool(restricted),
            }
    }
}

impl fmt::Display for Restriction {
    /// As it is typed: `-Pin`, `-LockedOut $true`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            None => write!(f, "-{}", self.parameter),
            Some(true) => write!(f, "-{} $true", self.parameter),
            Some(false) => write!(f, "-{} $false", self.parameter),
        }
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
    use crate::AuditValue;

    const RESET: Permission = Permission {
        action: "Reset",
        restriction: None,
        granted_to: &[RoleGroup::OrganizationManagement, RoleGroup::UmManagement, RoleGroup::HelpDesk],
    };
    const RESET_CHOSEN: Permission = Permission {
        restriction: Some(Restriction { parameter: "Pin", value: None }),
        granted_to: &[RoleGroup::UmManagement, RoleGroup::OrganizationManagement],
        ..RESET
    };

    #[test]
    fn role_group_names_parse_case_insensitively() {
        for group in RoleGroup::ALL {
            assert_eq!(group.name().to_uppercase().parse::<RoleGroup>(), Ok(group));
        }
        assert!("Domain Admins".parse::<RoleGroup>().is_err());
    }

    #[test]
    fn the_first_permission_no_group_grants_is_the_missing_one() {
        let groups = [RoleGroup::HelpDesk];
        assert_eq!(missing_permission(&groups, &[RESET]), None);
        assert_eq!(missing_permission(&groups, &[RESET, RESET_CHOSEN]), Some(RESET_CHOSEN));
        assert_eq!(missing_permission(&[RoleGroup::HelpDesk, RoleGroup::UmManagement], &[RESET, RESET_CHOSEN]), None);
        assert_eq!(missing_permission(&[], &[RESET, RESET_CHOSEN]), Some(RESET));
    }

    #[test]
    fn voice_access_is_granted_to_voice_access_and_organization_management_only() {
        assert_eq!(RoleGroup::granting(&VOICE_ACCESS), vec![RoleGroup::OrganizationManagement, RoleGroup::VoiceAccess]);
    }

    #[test]
    fn a_denial_lists_the_granting_groups_in_the_order_of_all_groups() {
        assert_eq!(
            RoleGroup::granting(&RESET_CHOSEN),
            vec![RoleGroup::OrganizationManagement, RoleGroup::UmManagement]
        );
    }

    #[test]
    fn a_restricted_use_reads_as_typed() {
        assert_eq!(RESET_CHOSEN.to_string(), "Reset -Pin");
        let locking = Restriction { parameter: "LockedOut", value: Some(true) };
        assert_eq!(Permission { restriction: Some(locking), ..RESET }.to_string(), "Reset -LockedOut $true");
        let unexpired = Restriction { parameter: "PINExpired", value: Some(false) };
        assert_eq!(unexpired.to_string(), "-PINExpired $false");
    }

    #[test]
    fn a_restriction_applies_to_its_parameter_and_value_only() {
        let locking = Restriction { parameter: "LockedOut", value: Some(true) };
        assert!(locking.applies("LockedOut", &AuditValue::Bool(true)));
        assert!(!locking.applies("LockedOut", &AuditValue::Bool(false)));
        assert!(!locking.applies("PINExpired", &AuditValue::Bool(true)));
        let chosen = Restriction { parameter: "Pin", value: None };
        assert!(chosen.applies("Pin", &AuditValue::Secret));
        assert!(!chosen.applies("Identity", &AuditValue::Text("Pin".into())));
    }
}
