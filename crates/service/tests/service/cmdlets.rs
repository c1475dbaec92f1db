//! The service as the cmdlet catalogue calls it: every call comes with the operation that the
//! catalogue's declaration of its cmdlet makes from the same values (the cmdlet's name, its
//! object, its audit parameters and the permissions they need), so that these tests check the
//! permissions and the audit records an administrator's call gets.

use umpin_catalogue::cmdlets::{
    AddRoleGroupMember, ClearUmSprayBlock, DisableUmMailbox, GetMailbox, GetManagementAccount, GetRoleGroup,
    GetRoleGroupMember, GetUmDialPlan, GetUmMailbox, GetUmMailboxPin, GetUmMailboxPolicy, GetUmSprayBlock, NewMailbox,
    NewManagementAccount, NewUmDialPlan, NewUmMailboxPolicy, RemoveMailbox, RemoveManagementAccount,
    RemoveRoleGroupMember, RemoveUmDialPlan, RemoveUmMailboxPolicy, SearchAdminAuditLog, SetMailbox,
    SetManagementAccount, SetUmDialPlan, SetUmMailbox, SetUmMailboxPin, SetUmMailboxPolicy, TestAdminAuditLog,
};
use umpin_catalogue::declare::{Secret, Switch, When};
use umpin_domain::{
    DialPlan, DialPlanChanges, Mailbox, MailboxChanges, MailboxPolicy, ManagementAccount, PolicyChanges,
};
use umpin_service::{
    AuditLogCheck, AuditRecord, AuditSearch, EnableUmMailbox, ManagementAccountChanges, NewPolicy, Page, PinFilter,
    PinReset, Principal, RoleGroupView, Service, ServiceError, SprayBlock, UmMailboxChanges, UmMailboxPin,
    UmMailboxView,
};

/// `s.cmdlets().set_um_mailbox_pin(...)`: the service through the catalogue's operations.
pub trait ThroughCmdlets {
    fn cmdlets(&self) -> Cmdlets<'_>;
}

impl ThroughCmdlets for Service {
    fn cmdlets(&self) -> Cmdlets<'_> {
        Cmdlets(self)
    }
}

pub struct Cmdlets<'a>(&'a Service);

type Result<T> = std::result::Result<T, ServiceError>;

fn secret(value: &Option<secrecy::SecretString>) -> Option<Secret> {
    value.clone().map(Secret)
}

fn some(identity: &str) -> Option<String> {
    Some(identity.to_owned())
}

/// A listing's size as `-ResultSize`.
fn result_size(size: Option<u32>) -> Option<umpin_domain::LimitValue> {
    size.map(|n| umpin_domain::LimitValue::Number(i64::from(n)))
}

impl Cmdlets<'_> {
    pub async fn new_dial_plan(
        &self,
        by: &Principal,
        new: umpin_domain::NewDialPlan,
    ) -> Result<(DialPlan, Option<MailboxPolicy>)> {
        let cmdlet = NewUmDialPlan {
            name: new.name.clone(),
            number_of_digits_in_extension: new.number_of_digits_in_extension,
            country_or_region_code: new.country_or_region_code.clone(),
            uri_type: Some(new.uri_type),
            voip_security: Some(new.voip_security),
            access_telephone_numbers: Some(new.access_telephone_numbers.clone()),
            default_language: new.default_language.clone(),
            generate_um_mailbox_policy: Some(new.generate_um_mailbox_policy),
        };
        self.0.new_dial_plan(by, cmdlet.operation(), new).await
    }

    pub async fn list_dial_plans(&self, by: &Principal) -> Result<Vec<DialPlan>> {
        self.0.list_dial_plans(by, GetUmDialPlan::default().operation()).await
    }

    pub async fn set_dial_plan(&self, by: &Principal, identity: &str, changes: DialPlanChanges) -> Result<DialPlan> {
        let cmdlet = SetUmDialPlan {
            identity: identity.to_owned(),
            name: changes.name.clone(),
            voip_security: changes.voip_security,
            access_telephone_numbers: changes.access_telephone_numbers.clone(),
            country_or_region_code: changes.country_or_region_code.clone(),
            default_language: changes.default_language.clone(),
            logon_failures_before_disconnect: changes.logon_failures_before_disconnect,
        };
        self.0.set_dial_plan(by, cmdlet.operation(), identity, changes).await
    }

    pub async fn remove_dial_plan(&self, by: &Principal, identity: &str) -> Result<DialPlan> {
        let cmdlet = RemoveUmDialPlan { identity: identity.to_owned() };
        self.0.remove_dial_plan(by, cmdlet.operation(), identity).await
    }

    pub async fn new_mailbox_policy(&self, by: &Principal, new: NewPolicy) -> Result<MailboxPolicy> {
        let cmdlet = NewUmMailboxPolicy { name: new.name.clone(), um_dial_plan: new.dial_plan.clone() };
        self.0.new_mailbox_policy(by, cmdlet.operation(), new).await
    }

    pub async fn list_mailbox_policies(&self, by: &Principal, dial_plan: Option<&str>) -> Result<Vec<MailboxPolicy>> {
        let cmdlet = GetUmMailboxPolicy { um_dial_plan: dial_plan.map(str::to_owned), ..Default::default() };
        self.0.list_mailbox_policies(by, cmdlet.operation(), dial_plan).await
    }

    pub async fn set_mailbox_policy(
        &self,
        by: &Principal,
        identity: &str,
        changes: PolicyChanges,
    ) -> Result<MailboxPolicy> {
        let cmdlet = SetUmMailboxPolicy {
            identity: identity.to_owned(),
            name: changes.name.clone(),
            min_pin_length: changes.min_pin_length,
            pin_lifetime: changes.pin_lifetime,
            pin_history_count: changes.pin_history_count,
            allow_common_patterns: changes.allow_common_patterns,
            allow_common_pins: changes.allow_common_pins,
            logon_failures_before_pin_reset: changes.logon_failures_before_pin_reset,
            max_logon_attempts: changes.max_logon_attempts,
            reset_pin_text: changes.reset_pin_text.clone(),
            um_enabled_text: changes.um_enabled_text.clone(),
            allow_pinless_voice_mail_access: changes.allow_pinless_voice_mail_access,
        };
        self.0.set_mailbox_policy(by, cmdlet.operation(), identity, changes).await
    }

    pub async fn remove_mailbox_policy(&self, by: &Principal, identity: &str) -> Result<MailboxPolicy> {
        let cmdlet = RemoveUmMailboxPolicy { identity: identity.to_owned() };
        self.0.remove_mailbox_policy(by, cmdlet.operation(), identity).await
    }

    pub async fn enable_um_mailbox(
        &self,
        by: &Principal,
        identity: &str,
        request: EnableUmMailbox,
    ) -> Result<UmMailboxView> {
        let cmdlet = umpin_catalogue::cmdlets::EnableUmMailbox {
            identity: identity.to_owned(),
            um_mailbox_policy: request.policy.clone(),
            extensions: request.extensions.clone(),
            pin: secret(&request.pin),
            pin_expired: request.pin_expired,
            notify_email: request.notify_email.clone(),
            sip_resource_identifier: request.sip_resource_identifier.clone(),
            pilot_number: request.pilot_number.clone(),
            validate_only: Switch(request.validate_only),
        };
        self.0.enable_um_mailbox(by, cmdlet.operation(), identity, request).await
    }

    pub async fn disable_um_mailbox(&self, by: &Principal, identity: &str, keep_properties: bool) -> Result<Mailbox> {
        let cmdlet = DisableUmMailbox { identity: identity.to_owned(), keep_properties: Some(keep_properties) };
        self.0.disable_um_mailbox(by, cmdlet.operation(), identity, keep_properties).await
    }

    pub async fn get_um_mailbox(&self, by: &Principal, identity: &str) -> Result<UmMailboxView> {
        let cmdlet = GetUmMailbox { identity: some(identity), ..Default::default() };
        self.0.get_um_mailbox(by, cmdlet.operation(), identity).await
    }

    pub async fn list_um_mailboxes(
        &self,
        by: &Principal,
        policy: Option<&str>,
        anr: Option<&str>,
        after: Option<&str>,
        size: Option<u32>,
    ) -> Result<Page<UmMailboxView>> {
        let cmdlet = GetUmMailbox {
            um_mailbox_policy: policy.map(str::to_owned),
            anr: anr.map(str::to_owned),
            result_size: result_size(size),
            ..Default::default()
        };
        self.0.list_um_mailboxes(by, cmdlet.operation(), policy, anr, after, size).await
    }

    pub async fn set_um_mailbox(
        &self,
        by: &Principal,
        identity: &str,
        changes: UmMailboxChanges,
    ) -> Result<UmMailboxView> {
        let cmdlet = SetUmMailbox {
            identity: identity.to_owned(),
            um_mailbox_policy: changes.policy.clone(),
            extensions: changes.extensions.clone(),
            operator_number: changes.operator_number.clone(),
            pilot_number: changes.pilot_number.clone(),
            pinless_access_to_voice_mail_enabled: changes.pinless_access_to_voice_mail_enabled,
        };
        self.0.set_um_mailbox(by, cmdlet.operation(), identity, changes).await
    }

    pub async fn get_um_mailbox_pin(&self, by: &Principal, identity: &str) -> Result<UmMailboxPin> {
        let cmdlet = GetUmMailboxPin { identity: some(identity), ..Default::default() };
        self.0.get_um_mailbox_pin(by, cmdlet.operation(), identity).await
    }

    pub async fn list_um_mailbox_pins(
        &self,
        by: &Principal,
        filter: &PinFilter,
        after: Option<&str>,
        size: Option<u32>,
    ) -> Result<Page<UmMailboxPin>> {
        let cmdlet = GetUmMailboxPin { result_size: result_size(size), ..Default::default() };
        self.0.list_um_mailbox_pins(by, cmdlet.operation(), filter, after, size).await
    }

    pub async fn set_um_mailbox_pin(&self, by: &Principal, identity: &str, request: PinReset) -> Result<UmMailboxPin> {
        let cmdlet = SetUmMailboxPin {
            identity: identity.to_owned(),
            pin: secret(&request.pin),
            pin_expired: request.pin_expired,
            locked_out: request.locked_out,
            notify_email: request.notify_email.clone(),
            send_email: request.send_email,
        };
        self.0.set_um_mailbox_pin(by, cmdlet.operation(), identity, request).await
    }

    pub async fn new_mailbox(&self, by: &Principal, new: umpin_domain::NewMailbox) -> Result<Mailbox> {
        let cmdlet = NewMailbox {
            name: new.name.clone(),
            alias: new.alias.clone(),
            primary_smtp_address: new.primary_smtp_address.clone(),
            display_name: new.display_name.clone(),
            user_principal_name: new.user_principal_name.clone(),
            first_name: new.first_name.clone(),
            last_name: new.last_name.clone(),
            phone: new.phone.clone(),
        };
        self.0.new_mailbox(by, cmdlet.operation(), new).await
    }

    pub async fn get_mailbox(&self, by: &Principal, identity: &str) -> Result<Mailbox> {
        let cmdlet = GetMailbox { identity: some(identity), ..Default::default() };
        self.0.get_mailbox(by, cmdlet.operation(), identity).await
    }

    pub async fn list_mailboxes(
        &self,
        by: &Principal,
        anr: Option<&str>,
        after: Option<&str>,
        size: Option<u32>,
    ) -> Result<Page<Mailbox>> {
        let cmdlet = GetMailbox { anr: anr.map(str::to_owned), result_size: result_size(size), ..Default::default() };
        self.0.list_mailboxes(by, cmdlet.operation(), anr, after, size).await
    }

    pub async fn set_mailbox(&self, by: &Principal, identity: &str, changes: MailboxChanges) -> Result<Mailbox> {
        // A field cleared is an empty text on the command line.
        let cleared = |field: &Option<Option<String>>| field.clone().map(Option::unwrap_or_default);
        let cmdlet = SetMailbox {
            identity: identity.to_owned(),
            name: changes.name.clone(),
            alias: changes.alias.clone(),
            primary_smtp_address: changes.primary_smtp_address.clone(),
            display_name: changes.display_name.clone(),
            user_principal_name: changes.user_principal_name.clone(),
            first_name: cleared(&changes.first_name),
            last_name: cleared(&changes.last_name),
            phone: cleared(&changes.phone),
            email_addresses: changes.email_addresses.clone(),
        };
        self.0.set_mailbox(by, cmdlet.operation(), identity, changes).await
    }

    pub async fn remove_mailbox(&self, by: &Principal, identity: &str) -> Result<Mailbox> {
        let cmdlet = RemoveMailbox { identity: identity.to_owned() };
        self.0.remove_mailbox(by, cmdlet.operation(), identity).await
    }

    pub async fn search_admin_audit_log(
        &self,
        by: &Principal,
        search: AuditSearch,
        after: Option<&str>,
        size: Option<u32>,
    ) -> Result<Page<AuditRecord>> {
        let listed = |values: &Vec<String>| (!values.is_empty()).then(|| values.clone());
        let cmdlet = SearchAdminAuditLog {
            cmdlets: listed(&search.cmdlets),
            object_ids: listed(&search.object_ids),
            user_ids: listed(&search.user_ids),
            start_date: search.start_date.map(When),
            end_date: search.end_date.map(When),
            is_success: search.is_success,
            result_size: result_size(size),
        };
        self.0.search_admin_audit_log(by, cmdlet.operation(), search, after, size).await
    }

    pub async fn test_admin_audit_log(&self, by: &Principal) -> Result<AuditLogCheck> {
        self.0.test_admin_audit_log(by, TestAdminAuditLog::default().operation()).await
    }

    pub async fn test_admin_audit_log_reaching(
        &self,
        by: &Principal,
        checkpoint: Option<&str>,
    ) -> Result<AuditLogCheck> {
        let cmdlet = TestAdminAuditLog { checkpoint: checkpoint.map(str::to_owned) };
        self.0.test_admin_audit_log_reaching(by, cmdlet.operation(), checkpoint).await
    }

    pub async fn new_management_account(
        &self,
        by: &Principal,
        new: umpin_service::NewManagementAccount,
    ) -> Result<(ManagementAccount, Option<secrecy::SecretString>)> {
        let cmdlet = NewManagementAccount {
            name: new.name.clone(),
            password: secret(&new.password),
            display_name: new.display_name.clone(),
        };
        self.0.new_management_account(by, cmdlet.operation(), new).await
    }

    pub async fn get_management_account(&self, by: &Principal, identity: &str) -> Result<ManagementAccount> {
        let cmdlet = GetManagementAccount { identity: some(identity) };
        self.0.get_management_account(by, cmdlet.operation(), identity).await
    }

    pub async fn list_management_accounts(&self, by: &Principal) -> Result<Vec<ManagementAccount>> {
        self.0.list_management_accounts(by, GetManagementAccount::default().operation()).await
    }

    pub async fn set_management_account(
        &self,
        by: &Principal,
        identity: &str,
        set: ManagementAccountChanges,
    ) -> Result<()> {
        let cmdlet = SetManagementAccount {
            identity: identity.to_owned(),
            password: secret(&set.password),
            display_name: set.changes.display_name.clone(),
            disabled: set.changes.disabled,
        };
        self.0.set_management_account(by, cmdlet.operation(), identity, set).await
    }

    pub async fn remove_management_account(&self, by: &Principal, identity: &str) -> Result<()> {
        let cmdlet = RemoveManagementAccount { identity: identity.to_owned() };
        self.0.remove_management_account(by, cmdlet.operation(), identity).await
    }

    pub async fn get_role_groups(&self, by: &Principal, identity: Option<&str>) -> Result<Vec<RoleGroupView>> {
        let cmdlet = GetRoleGroup { identity: identity.map(str::to_owned) };
        self.0.get_role_groups(by, cmdlet.operation(), identity).await
    }

    pub async fn get_role_group_members(&self, by: &Principal, role_group: &str) -> Result<Vec<ManagementAccount>> {
        let cmdlet = GetRoleGroupMember { identity: role_group.to_owned() };
        self.0.get_role_group_members(by, cmdlet.operation(), role_group).await
    }

    pub async fn add_role_group_member(&self, by: &Principal, role_group: &str, member: &str) -> Result<()> {
        let cmdlet = AddRoleGroupMember { identity: role_group.to_owned(), member: member.to_owned() };
        self.0.add_role_group_member(by, cmdlet.operation(), role_group, member).await
    }

    pub async fn remove_role_group_member(&self, by: &Principal, role_group: &str, member: &str) -> Result<()> {
        let cmdlet = RemoveRoleGroupMember { identity: role_group.to_owned(), member: member.to_owned() };
        self.0.remove_role_group_member(by, cmdlet.operation(), role_group, member).await
    }

    pub async fn get_spray_blocks(&self, by: &Principal, identity: Option<&str>) -> Result<Vec<SprayBlock>> {
        let cmdlet = GetUmSprayBlock { identity: identity.map(str::to_owned) };
        self.0.get_spray_blocks(by, cmdlet.operation(), identity).await
    }

    pub async fn clear_spray_block(&self, by: &Principal, identity: &str) -> Result<()> {
        let cmdlet = ClearUmSprayBlock { identity: identity.to_owned() };
        self.0.clear_spray_block(by, cmdlet.operation(), identity).await
    }
}
