//! The table of who may run what: complete, consistent with the declarations, and carried by
//! every cmdlet's operation.

use secrecy::SecretString;
use umpin_domain::RoleGroup;
use umpin_service::Principal;

use crate::cmdlets::{CmdletId, DisableUmMailbox, GetUmMailboxPin, SetUmMailboxPin};
use crate::declare::{Kind, Secret};

fn member_of(group: RoleGroup) -> Principal {
    Principal { account: "tester".into(), role_groups: vec![group], source: "192.0.2.7".into() }
}

#[test]
fn every_restricted_use_names_a_parameter_its_cmdlet_declares_with_a_kind_that_takes_the_value() {
    for &cmdlet in CmdletId::ALL {
        let info = cmdlet.info();
        for (restriction, _) in cmdlet.grants().restricted {
            let parameter = info
                .parameters
                .iter()
                .find(|p| p.name == restriction.parameter)
                .unwrap_or_else(|| panic!("{} declares no -{}", info.name, restriction.parameter));
            if restriction.value.is_some() {
                assert_eq!(parameter.kind, Kind::Bool, "{} -{}", info.name, parameter.name);
            }
        }
    }
}

#[test]
fn organization_management_may_run_every_cmdlet_and_voice_access_none() {
    for &cmdlet in CmdletId::ALL {
        let grants = cmdlet.grants();
        assert!(grants.role_groups.contains(&RoleGroup::OrganizationManagement), "{}", cmdlet.info().name);
        assert!(!grants.role_groups.contains(&RoleGroup::VoiceAccess), "{}", cmdlet.info().name);
        for (_, groups) in grants.restricted {
            assert!(groups.contains(&RoleGroup::OrganizationManagement), "{}", cmdlet.info().name);
        }
    }
}

#[test]
fn no_cmdlet_that_changes_state_is_granted_to_view_only_organization_management() {
    for &cmdlet in CmdletId::ALL {
        if cmdlet.info().changes_state {
            let grants = cmdlet.grants();
            assert!(!grants.role_groups.contains(&RoleGroup::ViewOnlyOrganizationManagement), "{}", cmdlet.info().name);
        }
    }
}

#[test]
fn a_restricted_use_is_granted_to_no_group_that_may_not_run_the_cmdlet() {
    for &cmdlet in CmdletId::ALL {
        let grants = cmdlet.grants();
        for (restriction, groups) in grants.restricted {
            assert!(groups.iter().all(|g| grants.role_groups.contains(g)), "{} {restriction}", cmdlet.info().name);
        }
    }
}

#[test]
fn help_desk_may_unlock_and_reset_to_a_generated_pin_but_not_choose_it_or_keep_it_from_the_user() {
    let help_desk = member_of(RoleGroup::HelpDesk);
    let unlock = SetUmMailboxPin { identity: "tony".into(), locked_out: Some(false), ..Default::default() };
    assert!(help_desk.may(&unlock.operation()));
    let generated = SetUmMailboxPin { identity: "tony".into(), pin_expired: Some(true), ..Default::default() };
    assert!(help_desk.may(&generated.operation()));
    let chosen = SetUmMailboxPin { pin: Some(Secret(SecretString::from("5643892"))), ..generated.clone() };
    assert!(!help_desk.may(&chosen.operation()));
    assert!(member_of(RoleGroup::UmManagement).may(&chosen.operation()));
    for kept_from_the_user in [
        SetUmMailboxPin { send_email: Some(false), ..generated.clone() },
        SetUmMailboxPin { notify_email: Some("desk@contoso.com".into()), ..generated.clone() },
        SetUmMailboxPin { pin_expired: Some(false), ..generated.clone() },
        SetUmMailboxPin { locked_out: Some(true), ..generated.clone() },
    ] {
        assert!(!help_desk.may(&kept_from_the_user.operation()), "{kept_from_the_user:?}");
    }
    assert!(help_desk.may(&SetUmMailboxPin { send_email: Some(true), ..generated }.operation()));
}

#[test]
fn view_only_may_read_pin_status_but_not_disable_unified_messaging() {
    let view_only = member_of(RoleGroup::ViewOnlyOrganizationManagement);
    assert!(view_only.may(&GetUmMailboxPin::default().operation()));
    assert!(!view_only.may(&DisableUmMailbox { identity: "tony".into(), ..Default::default() }.operation()));
}
