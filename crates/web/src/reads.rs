//! What the admin center reads, each as its cmdlet (`Get-UMMailbox`, `Get-UMMailboxPIN`, ...):
//! the catalogue says what the read is and who may make it, as it does for the shell and the
//! API, and the service checks it (and audits the PIN reads).

use std::collections::HashMap;
use umpin_catalogue::cmdlets::{
    GetMailbox, GetManagementAccount, GetRoleGroup, GetUmDialPlan, GetUmMailbox, GetUmMailboxPin, GetUmMailboxPolicy,
};

use umpin_domain::{DialPlan, Guid, Mailbox, MailboxPolicy, ManagementAccount};
use umpin_service::{
    Principal, Recipient, RecipientKey, RecipientQuery, RoleGroupView, Service, ServiceError, UmMailboxPin,
    UmMailboxView,
};

/// `Get-Mailbox -Identity`.
pub async fn mailbox(service: &Service, by: &Principal, identity: &str) -> Result<Mailbox, ServiceError> {
    let read = GetMailbox { identity: Some(identity.to_owned()), ..Default::default() };
    service.get_mailbox(by, read.operation(), identity).await
}

/// The Recipients list: `Get-Mailbox -Anr`, one page in the order `query` asks for.
pub async fn recipients(
    service: &Service,
    by: &Principal,
    query: &RecipientQuery,
    after: Option<&RecipientKey>,
    limit: u32,
) -> Result<(Vec<Recipient>, Option<RecipientKey>), ServiceError> {
    let read = GetMailbox { anr: query.search.clone(), ..Default::default() };
    service.list_recipients(by, read.operation(), query, after, limit).await
}

/// `Get-UMMailbox -Identity`.
pub async fn um_mailbox(service: &Service, by: &Principal, identity: &str) -> Result<UmMailboxView, ServiceError> {
    let read = GetUmMailbox { identity: Some(identity.to_owned()), ..Default::default() };
    service.get_um_mailbox(by, read.operation(), identity).await
}

/// `Get-UMMailboxPIN -Identity`.
pub async fn um_mailbox_pin(service: &Service, by: &Principal, identity: &str) -> Result<UmMailboxPin, ServiceError> {
    let read = GetUmMailboxPin { identity: Some(identity.to_owned()), ..Default::default() };
    service.get_um_mailbox_pin(by, read.operation(), identity).await
}

/// `Get-UMDialPlan`: every dial plan.
pub async fn dial_plans(service: &Service, by: &Principal) -> Result<Vec<DialPlan>, ServiceError> {
    service.list_dial_plans(by, GetUmDialPlan::default().operation()).await
}

/// `Get-UMMailboxPolicy`: every policy, or those of one dial plan (`-UMDialPlan`).
pub async fn mailbox_policies(
    service: &Service,
    by: &Principal,
    dial_plan: Option<&str>,
) -> Result<Vec<MailboxPolicy>, ServiceError> {
    let read = GetUmMailboxPolicy { um_dial_plan: dial_plan.map(str::to_owned), ..Default::default() };
    service.list_mailbox_policies(by, read.operation(), dial_plan).await
}

/// `Get-UMDialPlan -Identity`.
pub async fn dial_plan(service: &Service, by: &Principal, identity: &str) -> Result<DialPlan, ServiceError> {
    let read = GetUmDialPlan { identity: Some(identity.to_owned()) };
    service.get_dial_plan(by, read.operation(), identity).await
}

/// `Get-UMMailboxPolicy -Identity`.
pub async fn mailbox_policy(service: &Service, by: &Principal, identity: &str) -> Result<MailboxPolicy, ServiceError> {
    let read = GetUmMailboxPolicy { identity: Some(identity.to_owned()), ..Default::default() };
    service.get_mailbox_policy(by, read.operation(), identity).await
}

/// How many UM mailboxes each dial plan has: a count of what `Get-UMMailbox` lists, made by one
/// aggregate query.
pub async fn um_mailbox_counts(service: &Service, by: &Principal) -> Result<HashMap<Guid, u64>, ServiceError> {
    service.um_mailbox_counts_by_dial_plan(by, GetUmMailbox::default().operation()).await
}

/// `Get-RoleGroup`: every role group with its members.
pub async fn role_groups(service: &Service, by: &Principal) -> Result<Vec<RoleGroupView>, ServiceError> {
    service.get_role_groups(by, GetRoleGroup::default().operation(), None).await
}

/// `Get-ManagementAccount`: every management account, by name.
pub async fn management_accounts(service: &Service, by: &Principal) -> Result<Vec<ManagementAccount>, ServiceError> {
    service.list_management_accounts(by, GetManagementAccount::default().operation()).await
}

/// `Get-ManagementAccount -Identity`.
pub async fn management_account(
    service: &Service,
    by: &Principal,
    identity: &str,
) -> Result<ManagementAccount, ServiceError> {
    let read = GetManagementAccount { identity: Some(identity.to_owned()) };
    service.get_management_account(by, read.operation(), identity).await
}
