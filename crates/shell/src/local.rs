//! The local backend: runs a bound cmdlet in-process through the service, on the data directory,
//! as the given principal. The server's dispatcher runs the very same code.

use std::collections::HashMap;

use umpin_domain::AccountChanges;
use umpin_domain::dial_plan::DialPlanChanges;
use umpin_domain::{Guid, LimitValue, MailboxChanges, NewDialPlan, NewMailbox, PolicyChanges};
use umpin_service::{
    AuditSearch, EnableUmMailbox, ManagementAccountChanges, NewManagementAccount, NewPolicy, Page, PinFilter, PinReset,
    Principal, Service, ServiceError, UmMailboxChanges,
};

use crate::bound::{Batch, Invocation, PageRequest};
use crate::objects;
use crate::value::Value;

/// Runs cmdlets on a [`Service`] as one principal.
#[derive(Clone)]
pub struct Local {
    service: Service,
    principal: Principal,
}

impl Local {
    pub fn new(service: Service, principal: Principal) -> Self {
        Local { service, principal }
    }

    /// Runs one invocation. A listing cmdlet without `-Identity` returns the page `page` asks for.
    pub async fn invoke(&self, inv: &Invocation, page: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let s = &self.service;
        let by = &self.principal;
        let identity = inv.text("Identity");
        let after = page.and_then(|p| p.after.as_deref());
        let size = page.map(|p| p.size);
        let one = |v: Value| Ok(Batch { objects: vec![v], ..Batch::default() });
        let none = || Ok(Batch::default());
        match inv.cmdlet.name {
            "New-UMDialPlan" => {
                let mut new = NewDialPlan::new(
                    &inv.text("Name").unwrap_or_default(),
                    inv.number("NumberOfDigitsInExtension").unwrap_or_default(),
                    &inv.text("CountryOrRegionCode").unwrap_or_default(),
                );
                if let Some(t) = inv.text("URIType") {
                    new.uri_type = t.parse()?;
                }
                if let Some(v) = inv.text("VoIPSecurity") {
                    new.voip_security = v.parse()?;
                }
                new.access_telephone_numbers = inv.texts("AccessTelephoneNumbers").unwrap_or_default();
                new.default_language = inv.text("DefaultLanguage");
                new.generate_um_mailbox_policy = inv.flag("GenerateUMMailboxPolicy").unwrap_or(true);
                let (plan, _) = s.new_dial_plan(by, new).await?;
                one(objects::dial_plan(&plan))
            }
            "Get-UMDialPlan" => match identity {
                Some(id) => one(objects::dial_plan(&s.get_dial_plan(by, &id).await?)),
                None => Ok(all(s.list_dial_plans(by).await?.iter().map(objects::dial_plan))),
            },
            "Set-UMDialPlan" => {
                let changes = DialPlanChanges {
                    name: inv.text("Name"),
                    voip_security: inv.text("VoIPSecurity").map(|v| v.parse()).transpose()?,
                    access_telephone_numbers: inv.texts("AccessTelephoneNumbers"),
                    country_or_region_code: inv.text("CountryOrRegionCode"),
                    default_language: inv.text("DefaultLanguage"),
                    logon_failures_before_disconnect: inv.number("LogonFailuresBeforeDisconnect"),
                };
                s.set_dial_plan(by, &identity.unwrap_or_default(), changes).await?;
                none()
            }
            "Remove-UMDialPlan" => {
                s.remove_dial_plan(by, &identity.unwrap_or_default()).await?;
                none()
            }
            "New-UMMailboxPolicy" => {
                let dial_plan = inv.text("UMDialPlan").unwrap_or_default();
                let new = NewPolicy { name: inv.text("Name").unwrap_or_default(), dial_plan };
                let policy = s.new_mailbox_policy(by, new).await?;
                let plan = s.get_dial_plan(by, &policy.dial_plan.to_string()).await?;
                one(objects::mailbox_policy(&policy, &plan.name))
            }
            "Get-UMMailboxPolicy" => {
                let names: HashMap<Guid, String> =
                    s.list_dial_plans(by).await?.into_iter().map(|p| (p.guid, p.name)).collect();
                let policies = match identity {
                    Some(id) => vec![s.get_mailbox_policy(by, &id).await?],
                    None => s.list_mailbox_policies(by, inv.text("UMDialPlan").as_deref()).await?,
                };
                Ok(all(policies
                    .iter()
                    .map(|p| objects::mailbox_policy(p, names.get(&p.dial_plan).map_or("", String::as_str)))))
            }
            "Set-UMMailboxPolicy" => {
                let changes = PolicyChanges {
                    name: inv.text("Name"),
                    min_pin_length: inv.number("MinPINLength"),
                    pin_lifetime: inv.value("PINLifetime").map(limit_value),
                    pin_history_count: inv.number("PINHistoryCount"),
                    allow_common_patterns: inv.flag("AllowCommonPatterns"),
                    logon_failures_before_pin_reset: inv.value("LogonFailuresBeforePINReset").map(limit_value),
                    max_logon_attempts: inv.number("MaxLogonAttempts"),
                    reset_pin_text: inv.text("ResetPINText"),
                    um_enabled_text: inv.text("UMEnabledText"),
                };
                s.set_mailbox_policy(by, &identity.unwrap_or_default(), changes).await?;
                none()
            }
            "Remove-UMMailboxPolicy" => {
                s.remove_mailbox_policy(by, &identity.unwrap_or_default()).await?;
                none()
            }
            "Enable-UMMailbox" => {
                let request = EnableUmMailbox {
                    policy: inv.text("UMMailboxPolicy").unwrap_or_default(),
                    extensions: inv.texts("Extensions"),
                    pin: inv.secret("PIN"),
                    pin_expired: inv.flag("PINExpired"),
                    notify_email: inv.text("NotifyEmail"),
                    sip_resource_identifier: inv.text("SIPResourceIdentifier"),
                    pilot_number: inv.text("PilotNumber"),
                    validate_only: inv.flag("ValidateOnly").unwrap_or(false),
                };
                one(objects::um_mailbox(&s.enable_um_mailbox(by, &identity.unwrap_or_default(), request).await?))
            }
            "Disable-UMMailbox" => {
                let keep = inv.flag("KeepProperties").unwrap_or(true);
                s.disable_um_mailbox(by, &identity.unwrap_or_default(), keep).await?;
                none()
            }
            "Get-UMMailbox" => match identity {
                Some(id) => one(objects::um_mailbox(&s.get_um_mailbox(by, &id).await?)),
                None => {
                    let policy = inv.text("UMMailboxPolicy");
                    let anr = inv.text("Anr");
                    let page = s.list_um_mailboxes(by, policy.as_deref(), anr.as_deref(), after, size).await?;
                    Ok(paged(page, objects::um_mailbox))
                }
            },
            "Set-UMMailbox" => {
                let changes = UmMailboxChanges {
                    policy: inv.text("UMMailboxPolicy"),
                    operator_number: inv.text("OperatorNumber"),
                    pilot_number: inv.text("PilotNumber"),
                };
                s.set_um_mailbox(by, &identity.unwrap_or_default(), changes).await?;
                none()
            }
            "Get-UMMailboxPIN" => match identity {
                Some(id) => match s.get_um_mailbox_pin(by, &id).await {
                    Ok(pin) => one(objects::um_mailbox_pin(&pin)),
                    Err(ServiceError::Rule(e @ umpin_domain::Error::NotUmEnabled { .. }))
                        if inv.flag("IgnoreErrors") == Some(true) =>
                    {
                        Ok(Batch { warnings: vec![e.to_string()], ..Batch::default() })
                    }
                    Err(e) => Err(e),
                },
                None => {
                    let page = s.list_um_mailbox_pins(by, &PinFilter::default(), after, size).await?;
                    Ok(paged(page, objects::um_mailbox_pin))
                }
            },
            "Set-UMMailboxPIN" => {
                let request = PinReset {
                    pin: inv.secret("Pin"),
                    pin_expired: inv.flag("PINExpired"),
                    locked_out: inv.flag("LockedOut"),
                    notify_email: inv.text("NotifyEmail"),
                    send_email: inv.flag("SendEmail"),
                };
                s.set_um_mailbox_pin(by, &identity.unwrap_or_default(), request).await?;
                none()
            }
            "New-Mailbox" => {
                let new = NewMailbox {
                    name: inv.text("Name").unwrap_or_default(),
                    alias: non_empty(inv.text("Alias")),
                    primary_smtp_address: inv.text("PrimarySmtpAddress").unwrap_or_default(),
                    display_name: non_empty(inv.text("DisplayName")),
                    user_principal_name: non_empty(inv.text("UserPrincipalName")),
                    first_name: non_empty(inv.text("FirstName")),
                    last_name: non_empty(inv.text("LastName")),
                    phone: non_empty(inv.text("Phone")),
                };
                one(objects::mailbox(&s.new_mailbox(by, new).await?))
            }
            "Get-Mailbox" => match identity {
                Some(id) => one(objects::mailbox(&s.get_mailbox(by, &id).await?)),
                None => {
                    let anr = inv.text("Anr");
                    Ok(paged(s.list_mailboxes(by, anr.as_deref(), after, size).await?, objects::mailbox))
                }
            },
            "Set-Mailbox" => {
                let optional = |name| inv.text(name).map(|t| non_empty(Some(t)));
                let changes = MailboxChanges {
                    name: inv.text("Name"),
                    alias: inv.text("Alias"),
                    primary_smtp_address: inv.text("PrimarySmtpAddress"),
                    display_name: inv.text("DisplayName"),
                    user_principal_name: inv.text("UserPrincipalName"),
                    first_name: optional("FirstName"),
                    last_name: optional("LastName"),
                    phone: optional("Phone"),
                    email_addresses: inv.texts("EmailAddresses"),
                };
                s.set_mailbox(by, &identity.unwrap_or_default(), changes).await?;
                none()
            }
            "Remove-Mailbox" => {
                s.remove_mailbox(by, &identity.unwrap_or_default()).await?;
                none()
            }
            "Search-AdminAuditLog" => {
                let search = AuditSearch {
                    cmdlets: inv.texts("Cmdlets").unwrap_or_default(),
                    object_ids: inv.texts("ObjectIds").unwrap_or_default(),
                    user_ids: inv.texts("UserIds").unwrap_or_default(),
                    start_date: inv.text("StartDate").map(|t| date("StartDate", &t)).transpose()?,
                    end_date: inv.text("EndDate").map(|t| date("EndDate", &t)).transpose()?,
                    is_success: inv.flag("IsSuccess"),
                };
                Ok(paged(s.search_admin_audit_log(by, search, after, size).await?, objects::audit_event))
            }
            "Test-AdminAuditLog" => {
                let checkpoint = inv.text("Checkpoint").map(|value| checkpoint_text(by, value)).transpose()?;
                one(objects::audit_check(&s.test_admin_audit_log_reaching(by, checkpoint.as_deref()).await?))
            }
            "New-ManagementAccount" => {
                let new = NewManagementAccount {
                    name: inv.text("Name").unwrap_or_default(),
                    display_name: non_empty(inv.text("DisplayName")),
                    password: inv.secret("Password"),
                };
                let (account, generated) = s.new_management_account(by, new).await?;
                one(objects::management_account(&account, generated.as_ref()))
            }
            "Get-ManagementAccount" => match identity {
                Some(id) => one(objects::management_account(&s.get_management_account(by, &id).await?, None)),
                None => {
                    Ok(all(s.list_management_accounts(by).await?.iter().map(|a| objects::management_account(a, None))))
                }
            },
            "Set-ManagementAccount" => {
                let set = ManagementAccountChanges {
                    password: inv.secret("Password"),
                    changes: AccountChanges { display_name: inv.text("DisplayName"), disabled: inv.flag("Disabled") },
                };
                s.set_management_account(by, &identity.unwrap_or_default(), set).await?;
                none()
            }
            "Remove-ManagementAccount" => {
                s.remove_management_account(by, &identity.unwrap_or_default()).await?;
                none()
            }
            "Get-RoleGroup" => {
                Ok(all(s.get_role_groups(by, identity.as_deref()).await?.iter().map(objects::role_group)))
            }
            "Get-RoleGroupMember" => {
                let members = s.get_role_group_members(by, &identity.unwrap_or_default()).await?;
                Ok(all(members.iter().map(|a| objects::management_account(a, None))))
            }
            "Add-RoleGroupMember" => {
                let member = inv.text("Member").unwrap_or_default();
                s.add_role_group_member(by, &identity.unwrap_or_default(), &member).await?;
                none()
            }
            "Remove-RoleGroupMember" => {
                let member = inv.text("Member").unwrap_or_default();
                s.remove_role_group_member(by, &identity.unwrap_or_default(), &member).await?;
                none()
            }
            other => unreachable_cmdlet(other),
        }
    }
}

/// A cmdlet the registry marks as running on the server but this dispatcher doesn't know: a
/// mismatch between the two tables, reported rather than panicking.
fn unreachable_cmdlet(name: &str) -> Result<Batch, ServiceError> {
    Err(ServiceError::Rule(umpin_domain::Error::InvalidParameter {
        parameter: "cmdlet",
        rule: format!("the cmdlet {name} isn't available on this server."),
    }))
}

fn all(objects: impl Iterator<Item = Value>) -> Batch {
    Batch { objects: objects.collect(), ..Batch::default() }
}

fn paged<T>(page: Page<T>, convert: fn(&T) -> Value) -> Batch {
    Batch { objects: page.items.iter().map(convert).collect(), warnings: Vec::new(), next: page.next }
}

/// A date or time as typed: `2026-11-27` (midnight UTC) or an RFC 3339 time.
/// `-Checkpoint`: a checkpoint line as given, or, for the local administrator, the content of
/// the file it names (a file of checkpoints, or a server log). A signed-in account (the remote
/// shell, run on the server) gives the line itself: naming files on the server is not for it.
fn checkpoint_text(by: &Principal, value: String) -> Result<String, ServiceError> {
    if value.contains(umpin_service::CHECKPOINT_TAG) {
        return Ok(value);
    }
    let refuse =
        |rule: String| ServiceError::Rule(umpin_domain::Error::InvalidParameter { parameter: "Checkpoint", rule });
    if by.account != Principal::LOCAL_ADMINISTRATOR {
        return Err(refuse(format!(
            "give the checkpoint line itself (it begins with '{}'): a remote shell can't name a file on the server.",
            umpin_service::CHECKPOINT_TAG
        )));
    }
    std::fs::read_to_string(&value)
        .map_err(|e| refuse(format!("it is neither a checkpoint line nor a file that can be read ({e}).")))
}

fn date(parameter: &'static str, text: &str) -> Result<umpin_domain::Timestamp, ServiceError> {
    let text = text.trim();
    text.parse::<umpin_domain::Timestamp>()
        .or_else(|_| {
            text.parse::<jiff::civil::Date>().and_then(|d| jiff::tz::TimeZone::UTC.to_timestamp(d.at(0, 0, 0, 0)))
        })
        .map_err(|_| {
            ServiceError::Rule(umpin_domain::Error::InvalidParameter {
                parameter,
                rule: format!("'{text}' isn't a date: use 2026-11-27 or 2026-11-27T08:00:00Z."),
            })
        })
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// A `NumberOrUnlimited` value as the policy takes it (binding made it a number or `Unlimited`).
fn limit_value(v: &Value) -> LimitValue {
    match v {
        Value::Int(n) => LimitValue::Number(*n),
        _ => LimitValue::Unlimited,
    }
}
