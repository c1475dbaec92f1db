//! Management accounts (`New-`, `Get-`, `Set-`, `Remove-ManagementAccount`) and role groups
//! (`Get-RoleGroup`, `Get-`, `Add-`, `Remove-RoleGroupMember`).

use secrecy::SecretString;
use umpin_domain::{AccountChanges, ManagementAccount, RoleGroup};
use umpin_service::{ManagementAccountChanges, Principal, RoleGroupView, Service, ServiceError};

use super::{non_empty, one};
use crate::binding::{Batch, PageRequest};
use crate::declare::{FromPipeline, Parameter, Secret, cmdlet};
use crate::views;

const IDENTITY_ACCOUNT: Parameter =
    Parameter::named("Identity", "The management account: its name or GUID.").at(1).piped(FromPipeline::Both);
const IDENTITY_ROLE_GROUP: Parameter = Parameter::named(
    "Identity",
    "The role group: Organization Management, UM Management, View-Only Organization Management, Help Desk or Voice Access.",
)
.at(1);
const MEMBER: Parameter =
    Parameter::named("Member", "The management account: its name or GUID.").piped(FromPipeline::ByPropertyName);

cmdlet! {
    /// `New-ManagementAccount`.
    NewManagementAccount = "New-ManagementAccount" {
        synopsis: "Creates a management account (add it to a role group to let it do anything).",
        changes_state: true,
        object: name,
        examples: [(
            "New-ManagementAccount helpdesk1; Add-RoleGroupMember 'Help Desk' -Member helpdesk1",
            "Creates a help desk account with a generated password.",
        )],
        parameters: {
            name: String = Parameter::named("Name", "The sign-in name: letters, digits, '.', '-', '_' and '@'.")
                .at(1)
                .piped(FromPipeline::ByPropertyName),
            password: Option<Secret> = Parameter::named(
                "Password",
                "At least 12 characters; without it, one is generated and shown once.",
            ),
            display_name: Option<String> =
                Parameter::named("DisplayName", "The name shown in lists.").piped(FromPipeline::ByPropertyName),
        },
    }
}

impl NewManagementAccount {
    /// Runs it; the new account, and its password when one was generated (shown once).
    pub async fn call(
        self,
        s: &Service,
        by: &Principal,
    ) -> Result<(ManagementAccount, Option<SecretString>), ServiceError> {
        let operation = self.operation();
        let new = umpin_service::NewManagementAccount {
            name: self.name,
            display_name: non_empty(self.display_name),
            password: self.password.map(|p| p.0),
        };
        s.new_management_account(by, operation, new).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let (account, generated) = self.call(s, by).await?;
        let view = views::ManagementAccount {
            generated_password: generated.map(views::GeneratedPassword),
            ..views::ManagementAccount::from(&account)
        };
        Ok(one(view.into()))
    }
}

cmdlet! {
    /// `Get-ManagementAccount`.
    GetManagementAccount = "Get-ManagementAccount" {
        synopsis: "Shows management accounts and their role groups.",
        changes_state: false,
        object: identity,
        examples: [("Get-ManagementAccount", "Lists every management account.")],
        parameters: {
            identity: Option<String> = IDENTITY_ACCOUNT,
        },
    }
}

impl GetManagementAccount {
    /// Runs it; the account named, or every account.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Vec<ManagementAccount>, ServiceError> {
        let operation = self.operation();
        Ok(match self.identity {
            Some(id) => vec![s.get_management_account(by, operation, &id).await?],
            None => s.list_management_accounts(by, operation).await?,
        })
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        Ok(super::all(&self.call(s, by).await?, views::management_account))
    }
}

cmdlet! {
    /// `Set-ManagementAccount`.
    SetManagementAccount = "Set-ManagementAccount" {
        synopsis: "Changes a management account's password, display name or disabled state.",
        changes_state: true,
        object: identity,
        examples: [("Set-ManagementAccount helpdesk1 -Disabled $true", "Disables helpdesk1.")],
        parameters: {
            identity: String = IDENTITY_ACCOUNT,
            password: Option<Secret> = Parameter::named("Password", "A new password (its tokens are revoked)."),
            display_name: Option<String> = Parameter::named("DisplayName", "A new display name."),
            disabled: Option<bool> =
                Parameter::named("Disabled", "$true disables the account and revokes its tokens."),
        },
    }
}

impl SetManagementAccount {
    /// Runs it.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<(), ServiceError> {
        let operation = self.operation();
        let set = ManagementAccountChanges {
            password: self.password.map(|p| p.0),
            changes: AccountChanges { display_name: self.display_name, disabled: self.disabled },
        };
        s.set_management_account(by, operation, &self.identity, set).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}

cmdlet! {
    /// `Remove-ManagementAccount`.
    RemoveManagementAccount = "Remove-ManagementAccount" {
        synopsis: "Removes a management account.",
        changes_state: true,
        object: identity,
        examples: [("Remove-ManagementAccount helpdesk1", "Removes helpdesk1.")],
        parameters: {
            identity: String = IDENTITY_ACCOUNT,
        },
    }
}

impl RemoveManagementAccount {
    /// Runs it.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<(), ServiceError> {
        let operation = self.operation();
        s.remove_management_account(by, operation, &self.identity).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}

cmdlet! {
    /// `Get-RoleGroup`.
    GetRoleGroup = "Get-RoleGroup" {
        synopsis: "Shows the built-in role groups, what they permit and their members.",
        changes_state: false,
        object: identity,
        examples: [("Get-RoleGroup 'Help Desk' | Format-List", "Shows what Help Desk may do.")],
        parameters: {
            identity: Option<String> = IDENTITY_ROLE_GROUP,
        },
    }
}

impl GetRoleGroup {
    /// Runs it; the role group named, or every role group.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Vec<RoleGroupView>, ServiceError> {
        let operation = self.operation();
        s.get_role_groups(by, operation, self.identity.as_deref()).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        Ok(super::all(&self.call(s, by).await?, views::role_group))
    }
}

cmdlet! {
    /// `Get-RoleGroupMember`.
    GetRoleGroupMember = "Get-RoleGroupMember" {
        synopsis: "Shows the members of a role group.",
        changes_state: false,
        object: identity,
        examples: [("Get-RoleGroupMember 'Organization Management'", "Lists the organisation's administrators.")],
        parameters: {
            identity: String = IDENTITY_ROLE_GROUP,
        },
    }
}

impl GetRoleGroupMember {
    /// Runs it; the members of the role group.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Vec<ManagementAccount>, ServiceError> {
        let operation = self.operation();
        s.get_role_group_members(by, operation, &self.identity).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        Ok(super::all(&self.call(s, by).await?, views::management_account))
    }
}

cmdlet! {
    /// `Add-RoleGroupMember`.
    AddRoleGroupMember = "Add-RoleGroupMember" {
        synopsis: "Adds a management account to a role group.",
        changes_state: true,
        object: identity,
        examples: [("Add-RoleGroupMember 'UM Management' -Member ellen", "Lets ellen manage Unified Messaging.")],
        parameters: {
            identity: String = IDENTITY_ROLE_GROUP,
            member: String = MEMBER,
        },
    }
}

impl AddRoleGroupMember {
    /// Runs it.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<(), ServiceError> {
        let operation = self.operation();
        s.add_role_group_member(by, operation, &self.identity, &self.member).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}

cmdlet! {
    /// `Remove-RoleGroupMember`.
    RemoveRoleGroupMember = "Remove-RoleGroupMember" {
        synopsis: "Removes a management account from a role group.",
        changes_state: true,
        object: identity,
        examples: [("Remove-RoleGroupMember 'UM Management' -Member ellen", "Takes the permission back.")],
        parameters: {
            identity: String = IDENTITY_ROLE_GROUP,
            member: String = MEMBER,
        },
    }
}

impl RemoveRoleGroupMember {
    /// Runs it.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<(), ServiceError> {
        let operation = self.operation();
        s.remove_role_group_member(by, operation, &self.identity, &self.member).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}

/// The first account of a new installation (`umpin init`): `New-ManagementAccount` and
/// `Add-RoleGroupMember 'Organization Management'` by the local administrator, with `password` or
/// a generated one (returned once). `None` when any account exists already.
pub async fn create_first_administrator(
    s: &Service,
    name: &str,
    password: Option<SecretString>,
) -> Result<Option<(ManagementAccount, Option<SecretString>)>, ServiceError> {
    let creating =
        NewManagementAccount { name: name.to_owned(), password: password.clone().map(Secret), display_name: None };
    let joining =
        AddRoleGroupMember { identity: RoleGroup::OrganizationManagement.name().to_owned(), member: name.to_owned() };
    s.create_first_administrator(creating.operation(), joining.operation(), name, password).await
}
