//! The objects cmdlets return, with the property names and order an Exchange administrator knows:
//! one view per object type, named by its type name.

use secrecy::{ExposeSecret, SecretString};
use umpin_domain::{
    AuditParameter, AuditParameters, AuditValue, DialPlan, Limit, Mailbox, MailboxPolicy, ManagementAccount,
};
use umpin_service::{
    AuditLogCheck, AuditRecord, DirectorySyncRecord, PlannedChange, RoleGroupView, SprayBlock, UmMailboxPin,
    UmMailboxView,
};

use crate::value::{Object, Value};

pub const UM_MAILBOX_PIN: &str = "UMMailboxPin";
pub const MAILBOX: &str = "Mailbox";
pub const UM_DIAL_PLAN: &str = "UMDialPlan";
pub const UM_MAILBOX_POLICY: &str = "UMMailboxPolicy";
pub const UM_MAILBOX: &str = "UMMailbox";
pub const MANAGEMENT_ACCOUNT: &str = "ManagementAccount";
pub const ROLE_GROUP: &str = "RoleGroup";
pub const AUDIT_EVENT: &str = "AdminAuditLogEvent";
pub const AUDIT_CHECK: &str = "AdminAuditLogCheck";
pub const UM_SPRAY_BLOCK: &str = "UMSprayBlock";
pub const UM_DIRECTORY_SYNC_STATUS: &str = "UMDirectorySyncStatus";
pub const UM_DIRECTORY_SYNC_CHANGE: &str = "UMDirectorySyncChange";

fn texts(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect())
}

fn limit(l: Limit) -> Value {
    match l {
        Limit::Limited(n) => Value::Int(i64::from(n)),
        Limit::Unlimited => Value::from("Unlimited"),
    }
}

/// The `Get-UMMailboxPIN` object.
pub fn um_mailbox_pin(p: &UmMailboxPin) -> Value {
    Object::new(
        UM_MAILBOX_PIN,
        vec![
            ("UserID", p.user_id.as_str().into()),
            ("PinExpired", p.pin_expired.into()),
            ("FirstTimeUser", p.first_time_user.into()),
            ("LockedOut", p.locked_out.into()),
            ("ObjectState", "Unchanged".into()),
            ("IsValid", true.into()),
            ("Identity", p.identity.as_str().into()),
            ("FailedLogonCount", i64::from(p.failed_logon_count).into()),
            ("LastFailedLogon", p.last_failed_logon.into()),
            ("PinLastSet", p.pin_last_set.into()),
            ("PinExpiresOn", p.pin_expires_on.into()),
        ],
    )
    .into()
}

/// The `Get-Mailbox` object.
pub fn mailbox(m: &Mailbox) -> Value {
    Object::new(
        MAILBOX,
        vec![
            ("Name", m.name.as_str().into()),
            ("Alias", m.alias.as_str().into()),
            ("DisplayName", m.display_name.as_str().into()),
            ("PrimarySmtpAddress", m.primary_smtp_address.as_str().into()),
            ("EmailAddresses", texts(&m.email_addresses)),
            ("UserPrincipalName", m.user_principal_name.as_str().into()),
            ("FirstName", m.first_name.as_deref().into()),
            ("LastName", m.last_name.as_deref().into()),
            ("Phone", m.phone.as_deref().into()),
            ("Guid", m.guid.to_string().into()),
            ("WhenCreated", m.when_created.into()),
            ("Identity", m.primary_smtp_address.as_str().into()),
        ],
    )
    .into()
}

/// The `Get-UMDialPlan` object.
pub fn dial_plan(p: &DialPlan) -> Value {
    Object::new(
        UM_DIAL_PLAN,
        vec![
            ("Name", p.name.as_str().into()),
            ("NumberOfDigitsInExtension", i64::from(p.number_of_digits_in_extension).into()),
            ("CountryOrRegionCode", p.country_or_region_code.as_str().into()),
            ("URIType", p.uri_type.as_str().into()),
            ("VoIPSecurity", p.voip_security.as_str().into()),
            ("AccessTelephoneNumbers", texts(&p.access_telephone_numbers)),
            ("DefaultLanguage", p.default_language.as_str().into()),
            ("LogonFailuresBeforeDisconnect", i64::from(p.logon_failures_before_disconnect).into()),
            ("Guid", p.guid.to_string().into()),
            ("WhenCreated", p.when_created.into()),
            ("Identity", p.name.as_str().into()),
        ],
    )
    .into()
}

/// The `Get-UMMailboxPolicy` object; `dial_plan` is the name of its dial plan.
pub fn mailbox_policy(p: &MailboxPolicy, dial_plan: &str) -> Value {
    Object::new(
        UM_MAILBOX_POLICY,
        vec![
            ("Name", p.name.as_str().into()),
            ("UMDialPlan", dial_plan.into()),
            ("MinPINLength", i64::from(p.pin.min_pin_length).into()),
            ("PINLifetime", limit(p.pin.pin_lifetime)),
            ("PINHistoryCount", i64::from(p.pin.pin_history_count).into()),
            ("AllowCommonPatterns", p.pin.allow_common_patterns.into()),
            ("AllowCommonPINs", p.pin.allow_common_pins.into()),
            ("LogonFailuresBeforePINReset", limit(p.pin.logon_failures_before_pin_reset)),
            ("MaxLogonAttempts", i64::from(p.pin.max_logon_attempts).into()),
            ("ResetPINText", p.reset_pin_text.as_str().into()),
            ("UMEnabledText", p.um_enabled_text.as_str().into()),
            ("AllowPinlessVoiceMailAccess", p.allow_pinless_voice_mail_access.into()),
            ("Guid", p.guid.to_string().into()),
            ("WhenCreated", p.when_created.into()),
            ("Identity", p.name.as_str().into()),
        ],
    )
    .into()
}

/// The `Get-UMMailbox` object.
pub fn um_mailbox(v: &UmMailboxView) -> Value {
    Object::new(
        UM_MAILBOX,
        vec![
            ("Name", v.mailbox.name.as_str().into()),
            ("PrimarySmtpAddress", v.mailbox.primary_smtp_address.as_str().into()),
            ("UMEnabled", v.um.um_enabled.into()),
            ("Extensions", texts(&v.um.extensions)),
            ("UMMailboxPolicy", v.policy_name.as_str().into()),
            ("UMDialPlan", v.dial_plan_name.as_str().into()),
            ("SIPResourceIdentifier", v.um.sip_resource_identifier.as_deref().into()),
            ("OperatorNumber", v.um.operator_number.as_deref().into()),
            ("PilotNumber", v.um.pilot_number.as_deref().into()),
            ("PinlessAccessToVoiceMailEnabled", v.um.pinless_access_to_voice_mail_enabled.into()),
            ("WhenUMEnabled", v.um.when_um_enabled.into()),
            ("Identity", v.mailbox.primary_smtp_address.as_str().into()),
        ],
    )
    .into()
}

/// The `Get-ManagementAccount` object. A password generated by `New-ManagementAccount` is shown
/// with it, once; it isn't stored anywhere in the clear.
pub fn management_account(a: &ManagementAccount, generated_password: Option<&SecretString>) -> Value {
    let mut properties = vec![
        ("Name", a.name.as_str().into()),
        ("DisplayName", a.display_name.as_str().into()),
        ("RoleGroups", Value::Array(a.role_groups.iter().map(|g| Value::from(g.name())).collect())),
        ("Disabled", a.disabled.into()),
        ("Guid", a.guid.to_string().into()),
        ("WhenCreated", a.when_created.into()),
        ("Identity", a.name.as_str().into()),
    ];
    if let Some(p) = generated_password {
        properties.push(("GeneratedPassword", p.expose_secret().into()));
    }
    Object::new(MANAGEMENT_ACCOUNT, properties).into()
}

/// The `Get-RoleGroup` object.
pub fn role_group(g: &RoleGroupView) -> Value {
    Object::new(
        ROLE_GROUP,
        vec![
            ("Name", g.group.name().into()),
            ("Description", g.group.description().into()),
            ("Members", texts(&g.members)),
            ("Identity", g.group.name().into()),
        ],
    )
    .into()
}

/// The `Search-AdminAuditLog` object.
pub fn audit_event(r: &AuditRecord) -> Value {
    Object::new(
        AUDIT_EVENT,
        vec![
            ("RunDate", r.run_at.into()),
            ("Caller", r.account.as_str().into()),
            ("ClientAddress", r.source.as_str().into()),
            ("CmdletName", r.cmdlet.as_str().into()),
            ("ObjectModified", r.object_id.as_str().into()),
            ("CmdletParameters", cmdlet_parameters(&r.parameters).into()),
            ("Succeeded", r.succeeded.into()),
            ("Error", r.error.as_deref().into()),
            ("SequenceNumber", i64::try_from(r.seq).unwrap_or(i64::MAX).into()),
        ],
    )
    .into()
}

/// An audit record's parameters as a command line would give them, which the shell and the web
/// admin center show: `-Identity tony@contoso.com -Pin *** -PINExpired $true`. A record written
/// when the log kept this text is shown as it was written, so old and new records look alike.
pub fn cmdlet_parameters(parameters: &AuditParameters) -> String {
    match parameters {
        AuditParameters::Text(text) => text.clone(),
        AuditParameters::Values(values) => values
            .iter()
            .map(|AuditParameter { name, value }| format!("-{name} {}", parameter_value(value)))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A parameter value as typed: a text quoted when it must be, a list joined by commas, a secret
/// as `***`.
fn parameter_value(value: &AuditValue) -> String {
    match value {
        AuditValue::Text(text) => quoted(text),
        AuditValue::Texts(texts) if texts.is_empty() => "@()".to_owned(),
        AuditValue::Texts(texts) => texts.iter().map(|t| quoted(t)).collect::<Vec<_>>().join(","),
        AuditValue::Number(n) => n.to_string(),
        AuditValue::Bool(true) => "$true".to_owned(),
        AuditValue::Bool(false) => "$false".to_owned(),
        AuditValue::Word(word) => word.clone(),
        AuditValue::Secret => "***".to_owned(),
    }
}

/// A text as typed: in single quotes (a quote doubled) when it is empty or holds a space or a
/// character that would end or change the word.
fn quoted(text: &str) -> String {
    let bare = |c: char| !c.is_whitespace() && !matches!(c, '\'' | '"' | ',' | ';' | '$' | '`');
    if !text.is_empty() && text.chars().all(bare) { text.to_owned() } else { format!("'{}'", text.replace('\'', "''")) }
}

/// The `Test-AdminAuditLog` object.
pub fn audit_check(c: &AuditLogCheck) -> Value {
    Object::new(
        AUDIT_CHECK,
        vec![
            ("IsValid", c.is_valid().into()),
            ("RecordsChecked", i64::try_from(c.records).unwrap_or(i64::MAX).into()),
            ("FirstBrokenRecord", c.first_broken.map(|n| i64::try_from(n).unwrap_or(i64::MAX)).into()),
            ("Reason", c.reason.as_deref().into()),
        ],
    )
    .into()
}

/// The `Get-UMSprayBlock` object: `Mailboxes` is how many distinct mailboxes (and unknown
/// extensions) the source had failed on within the window when it was blocked.
pub fn spray_block(b: &SprayBlock) -> Value {
    Object::new(
        UM_SPRAY_BLOCK,
        vec![
            ("Source", b.source.as_str().into()),
            ("Mailboxes", i64::from(b.targets).into()),
            ("BlockedAt", b.blocked_at.into()),
            ("BlockedUntil", b.blocked_until.into()),
            ("Identity", b.source.as_str().into()),
        ],
    )
    .into()
}

/// The `Get-UMDirectorySyncStatus` object: the result of one sync.
pub fn directory_sync_status(r: &DirectorySyncRecord) -> Value {
    let count = |n: u64| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
    let c = &r.counts;
    let skipped: Vec<String> = r.skipped.iter().map(|s| format!("{}: {}", s.dn, s.reason)).collect();
    Object::new(
        UM_DIRECTORY_SYNC_STATUS,
        vec![
            ("StartedAt", r.started_at.into()),
            ("FinishedAt", r.finished_at.into()),
            ("RunBy", r.account.as_str().into()),
            ("Succeeded", r.succeeded.into()),
            ("Error", r.error.as_deref().map_or(Value::Null, Value::from)),
            ("Read", count(c.read)),
            ("Added", count(c.added)),
            ("Updated", count(c.updated)),
            ("Absent", count(c.absent)),
            ("UMDisabled", count(c.disabled)),
            ("UMEnabled", count(c.um_enabled)),
            ("Unchanged", count(c.unchanged)),
            ("Skipped", count(c.skipped)),
            ("SkippedEntries", texts(&skipped)),
        ],
    )
    .into()
}

/// A change `Start-UMDirectorySync -WhatIf` would make.
pub fn directory_sync_change(c: &PlannedChange) -> Value {
    Object::new(UM_DIRECTORY_SYNC_CHANGE, vec![("Action", c.action.into()), ("Identity", c.identity.as_str().into())])
        .into()
}
