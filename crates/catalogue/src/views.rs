//! The objects cmdlets return, with the property names and order an Exchange administrator knows:
//! one view per object type, named by its type name.
//!
//! The objects of the HTTP API's resources are typed views declared with `view!`: one struct
//! whose fields, in order, are the object's properties. The shell shows it as an [`Object`] with
//! the PowerShell names; the API sends it as JSON with the same properties in the same order,
//! named in camelCase (`UserID` → `userId`, `PINLifetime` → `pinLifetime`), and describes it in
//! its OpenAPI document by the struct's name.

use std::borrow::Cow;
use std::fmt;

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, Serializer};
use umpin_domain::{
    self as domain, AuditParameter, AuditParameters, AuditValue, DialPlan, Limit, LimitValue, MailboxPolicy,
};
use umpin_service::{
    self as service, AuditLogCheck, AuditRecord, DirectorySyncRecord, PlannedChange, RoleGroupView, UmMailboxView,
};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

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

/// A field of a typed view as the value of its property in the shell.
trait Property {
    fn value(&self) -> Value;
}

impl Property for String {
    fn value(&self) -> Value {
        self.as_str().into()
    }
}

impl Property for &'static str {
    fn value(&self) -> Value {
        (*self).into()
    }
}

impl Property for Option<String> {
    fn value(&self) -> Value {
        self.as_deref().into()
    }
}

impl Property for Vec<String> {
    fn value(&self) -> Value {
        texts(self)
    }
}

impl Property for bool {
    fn value(&self) -> Value {
        (*self).into()
    }
}

impl Property for u8 {
    fn value(&self) -> Value {
        i64::from(*self).into()
    }
}

impl Property for u16 {
    fn value(&self) -> Value {
        i64::from(*self).into()
    }
}

impl Property for u32 {
    fn value(&self) -> Value {
        i64::from(*self).into()
    }
}

impl Property for u64 {
    fn value(&self) -> Value {
        i64::try_from(*self).unwrap_or(i64::MAX).into()
    }
}

impl Property for Option<u64> {
    fn value(&self) -> Value {
        self.map_or(Value::Null, |n| n.value())
    }
}

impl Property for Timestamp {
    fn value(&self) -> Value {
        (*self).into()
    }
}

impl Property for Option<Timestamp> {
    fn value(&self) -> Value {
        (*self).into()
    }
}

impl Property for LimitJson {
    fn value(&self) -> Value {
        match self.0 {
            LimitValue::Number(n) => Value::Int(n),
            LimitValue::Unlimited => Value::from("Unlimited"),
        }
    }
}

/// A time in JSON: RFC 3339, as the shell's objects print it.
fn time<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

/// [`time`], or `null`.
fn maybe_time<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

/// Declares a typed view: `TypeName = TYPE_NAME_CONSTANT { "PowerShellName" field: Type, ... }`
/// makes the struct (serialized with camelCase field names, with its OpenAPI schema) and its
/// object for the shell, whose properties are the fields in the same order. Fields in a
/// following `when given { "PowerShellName" field: Type, ... }` are `Option`s that come next,
/// shown by the shell and sent in the JSON only when they hold a value. Fields in a following
/// `json only { field: Type, ... }` come after them in the JSON and aren't shown by the shell,
/// which shows the same facts its own way.
macro_rules! view {
    ($(#[$meta:meta])* $name:ident = $type_name:ident {
        $( $(#[$field_meta:meta])* $property:literal $field:ident : $ty:ty ),* $(,)?
    } $(when given {
        $( $(#[$given_meta:meta])* $given_property:literal $given_field:ident : $given_ty:ty ),* $(,)?
    })? $(json only {
        $( $(#[$json_meta:meta])* $json_field:ident : $json_ty:ty ),* $(,)?
    })?) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Serialize, ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
            $($(
                $(#[$given_meta])*
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $given_field: Option<$given_ty>,
            )*)?
            $($( $(#[$json_meta])* pub $json_field: $json_ty, )*)?
        }

        #[cfg(test)]
        impl $name {
            /// The names of the shell's properties, in their order (those shown only when given
            /// last).
            pub(crate) const PROPERTIES: &[&str] = &[$($property,)* $($($given_property,)*)?];
        }

        impl From<$name> for Value {
            fn from(view: $name) -> Value {
                #[allow(unused_mut)]
                let mut properties = vec![$(($property, Property::value(&view.$field))),*];
                $($(
                    if let Some(given) = &view.$given_field {
                        properties.push(($given_property, Property::value(given)));
                    }
                )*)?
                Object::new($type_name, properties).into()
            }
        }
    };
}

view! {
    /// The `Get-UMMailboxPIN` object: the status of a UM mailbox's PIN, never the PIN.
    UmMailboxPin = UM_MAILBOX_PIN {
        /// The primary SMTP address.
        "UserID" user_id: String,
        "PinExpired" pin_expired: bool,
        "FirstTimeUser" first_time_user: bool,
        "LockedOut" locked_out: bool,
        #[schema(example = "Unchanged")]
        "ObjectState" object_state: &'static str,
        "IsValid" is_valid: bool,
        "Identity" identity: String,
        "FailedLogonCount" failed_logon_count: u32,
        #[serde(serialize_with = "maybe_time")]
        #[schema(value_type = Option<String>, format = DateTime)]
        "LastFailedLogon" last_failed_logon: Option<Timestamp>,
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "PinLastSet" pin_last_set: Timestamp,
        #[serde(serialize_with = "maybe_time")]
        #[schema(value_type = Option<String>, format = DateTime)]
        "PinExpiresOn" pin_expires_on: Option<Timestamp>,
    }
}

impl From<&service::UmMailboxPin> for UmMailboxPin {
    fn from(p: &service::UmMailboxPin) -> Self {
        UmMailboxPin {
            user_id: p.user_id.clone(),
            pin_expired: p.pin_expired,
            first_time_user: p.first_time_user,
            locked_out: p.locked_out,
            object_state: "Unchanged",
            is_valid: true,
            identity: p.identity.clone(),
            failed_logon_count: p.failed_logon_count,
            last_failed_logon: p.last_failed_logon,
            pin_last_set: p.pin_last_set,
            pin_expires_on: p.pin_expires_on,
        }
    }
}

/// The `Get-UMMailboxPIN` object.
pub fn um_mailbox_pin(p: &service::UmMailboxPin) -> Value {
    UmMailboxPin::from(p).into()
}

view! {
    /// The `Get-Mailbox` object.
    Mailbox = MAILBOX {
        "Name" name: String,
        "Alias" alias: String,
        "DisplayName" display_name: String,
        "PrimarySmtpAddress" primary_smtp_address: String,
        /// The secondary addresses.
        "EmailAddresses" email_addresses: Vec<String>,
        "UserPrincipalName" user_principal_name: String,
        "FirstName" first_name: Option<String>,
        "LastName" last_name: Option<String>,
        "Phone" phone: Option<String>,
        "Guid" guid: String,
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "WhenCreated" when_created: Timestamp,
        "Identity" identity: String,
    }
}

impl From<&domain::Mailbox> for Mailbox {
    fn from(m: &domain::Mailbox) -> Self {
        Mailbox {
            name: m.name.clone(),
            alias: m.alias.clone(),
            display_name: m.display_name.clone(),
            primary_smtp_address: m.primary_smtp_address.clone(),
            email_addresses: m.email_addresses.clone(),
            user_principal_name: m.user_principal_name.clone(),
            first_name: m.first_name.clone(),
            last_name: m.last_name.clone(),
            phone: m.phone.clone(),
            guid: m.guid.to_string(),
            when_created: m.when_created,
            identity: m.primary_smtp_address.clone(),
        }
    }
}

/// The `Get-Mailbox` object.
pub fn mailbox(m: &domain::Mailbox) -> Value {
    Mailbox::from(m).into()
}

view! {
    /// The `Get-UMDialPlan` object.
    UmDialPlan = UM_DIAL_PLAN {
        "Name" name: String,
        "NumberOfDigitsInExtension" number_of_digits_in_extension: u8,
        "CountryOrRegionCode" country_or_region_code: String,
        #[schema(example = "TelExtn")]
        "URIType" uri_type: &'static str,
        #[schema(example = "Unsecured")]
        "VoIPSecurity" voip_security: &'static str,
        "AccessTelephoneNumbers" access_telephone_numbers: Vec<String>,
        "DefaultLanguage" default_language: String,
        "LogonFailuresBeforeDisconnect" logon_failures_before_disconnect: u8,
        "Guid" guid: String,
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "WhenCreated" when_created: Timestamp,
        "Identity" identity: String,
    }
}

impl From<&DialPlan> for UmDialPlan {
    fn from(p: &DialPlan) -> Self {
        UmDialPlan {
            name: p.name.clone(),
            number_of_digits_in_extension: p.number_of_digits_in_extension,
            country_or_region_code: p.country_or_region_code.clone(),
            uri_type: p.uri_type.as_str(),
            voip_security: p.voip_security.as_str(),
            access_telephone_numbers: p.access_telephone_numbers.clone(),
            default_language: p.default_language.clone(),
            logon_failures_before_disconnect: p.logon_failures_before_disconnect,
            guid: p.guid.to_string(),
            when_created: p.when_created,
            identity: p.name.clone(),
        }
    }
}

/// The `Get-UMDialPlan` object.
pub fn dial_plan(p: &DialPlan) -> Value {
    UmDialPlan::from(p).into()
}

/// A whole number or `Unlimited` (`PINLifetime`, `LogonFailuresBeforePINReset`), in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitJson(pub LimitValue);

impl Serialize for LimitJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            LimitValue::Number(n) => s.serialize_i64(n),
            LimitValue::Unlimited => s.serialize_str("Unlimited"),
        }
    }
}

impl From<Limit> for LimitJson {
    fn from(l: Limit) -> Self {
        LimitJson(match l {
            Limit::Limited(n) => LimitValue::Number(i64::from(n)),
            Limit::Unlimited => LimitValue::Unlimited,
        })
    }
}

impl PartialSchema for LimitJson {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
            )
            .item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["Unlimited"])))
            .description(Some("A whole number, or \"Unlimited\"."))
            .into()
    }
}

impl ToSchema for LimitJson {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NumberOrUnlimited")
    }
}

view! {
    /// The `Get-UMMailboxPolicy` object.
    UmMailboxPolicy = UM_MAILBOX_POLICY {
        "Name" name: String,
        /// The name of the dial plan the policy belongs to.
        "UMDialPlan" um_dial_plan: String,
        "MinPINLength" min_pin_length: u8,
        "PINLifetime" pin_lifetime: LimitJson,
        "PINHistoryCount" pin_history_count: u8,
        "AllowCommonPatterns" allow_common_patterns: bool,
        "AllowCommonPINs" allow_common_pins: bool,
        "LogonFailuresBeforePINReset" logon_failures_before_pin_reset: LimitJson,
        "MaxLogonAttempts" max_logon_attempts: u16,
        "ResetPINText" reset_pin_text: String,
        "UMEnabledText" um_enabled_text: String,
        "AllowPinlessVoiceMailAccess" allow_pinless_voice_mail_access: bool,
        "Guid" guid: String,
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "WhenCreated" when_created: Timestamp,
        "Identity" identity: String,
    }
}

impl UmMailboxPolicy {
    /// The view of `p`, whose dial plan is named `dial_plan`.
    pub fn new(p: &MailboxPolicy, dial_plan: &str) -> Self {
        UmMailboxPolicy {
            name: p.name.clone(),
            um_dial_plan: dial_plan.to_owned(),
            min_pin_length: p.pin.min_pin_length,
            pin_lifetime: p.pin.pin_lifetime.into(),
            pin_history_count: p.pin.pin_history_count,
            allow_common_patterns: p.pin.allow_common_patterns,
            allow_common_pins: p.pin.allow_common_pins,
            logon_failures_before_pin_reset: p.pin.logon_failures_before_pin_reset.into(),
            max_logon_attempts: p.pin.max_logon_attempts,
            reset_pin_text: p.reset_pin_text.clone(),
            um_enabled_text: p.um_enabled_text.clone(),
            allow_pinless_voice_mail_access: p.allow_pinless_voice_mail_access,
            guid: p.guid.to_string(),
            when_created: p.when_created,
            identity: p.name.clone(),
        }
    }
}

/// The `Get-UMMailboxPolicy` object; `dial_plan` is the name of its dial plan.
pub fn mailbox_policy(p: &MailboxPolicy, dial_plan: &str) -> Value {
    UmMailboxPolicy::new(p, dial_plan).into()
}

view! {
    /// The `Get-UMMailbox` object.
    UmMailbox = UM_MAILBOX {
        "Name" name: String,
        "PrimarySmtpAddress" primary_smtp_address: String,
        "UMEnabled" um_enabled: bool,
        /// The first is the primary extension.
        "Extensions" extensions: Vec<String>,
        "UMMailboxPolicy" um_mailbox_policy: String,
        "UMDialPlan" um_dial_plan: String,
        "SIPResourceIdentifier" sip_resource_identifier: Option<String>,
        "OperatorNumber" operator_number: Option<String>,
        "PilotNumber" pilot_number: Option<String>,
        "PinlessAccessToVoiceMailEnabled" pinless_access_to_voice_mail_enabled: bool,
        #[serde(serialize_with = "maybe_time")]
        #[schema(value_type = Option<String>, format = DateTime)]
        "WhenUMEnabled" when_um_enabled: Option<Timestamp>,
        "Identity" identity: String,
    }
}

impl From<&UmMailboxView> for UmMailbox {
    fn from(v: &UmMailboxView) -> Self {
        UmMailbox {
            name: v.mailbox.name.clone(),
            primary_smtp_address: v.mailbox.primary_smtp_address.clone(),
            um_enabled: v.um.um_enabled,
            extensions: v.um.extensions.clone(),
            um_mailbox_policy: v.policy_name.clone(),
            um_dial_plan: v.dial_plan_name.clone(),
            sip_resource_identifier: v.um.sip_resource_identifier.clone(),
            operator_number: v.um.operator_number.clone(),
            pilot_number: v.um.pilot_number.clone(),
            pinless_access_to_voice_mail_enabled: v.um.pinless_access_to_voice_mail_enabled,
            when_um_enabled: v.um.when_um_enabled,
            identity: v.mailbox.primary_smtp_address.clone(),
        }
    }
}

/// The `Get-UMMailbox` object.
pub fn um_mailbox(v: &UmMailboxView) -> Value {
    UmMailbox::from(v).into()
}

view! {
    /// The `Get-UMSprayBlock` object: a source of voice sign-ins refused until `blockedUntil`.
    UmSprayBlock = UM_SPRAY_BLOCK {
        /// `caller-id:DIGITS`, or `account:NAME` for a front-end account's calls without caller ID.
        #[schema(example = "caller-id:14255550199")]
        "Source" source: String,
        /// The distinct mailboxes (and unknown extensions) it had failed on when it was blocked.
        "Mailboxes" mailboxes: u32,
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "BlockedAt" blocked_at: Timestamp,
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "BlockedUntil" blocked_until: Timestamp,
        "Identity" identity: String,
    }
}

impl From<&service::SprayBlock> for UmSprayBlock {
    fn from(b: &service::SprayBlock) -> Self {
        UmSprayBlock {
            source: b.source.clone(),
            mailboxes: b.targets,
            blocked_at: b.blocked_at,
            blocked_until: b.blocked_until,
            identity: b.source.clone(),
        }
    }
}

/// The `Get-UMSprayBlock` object: `Mailboxes` is how many distinct mailboxes (and unknown
/// extensions) the source had failed on within the window when it was blocked.
pub fn spray_block(b: &service::SprayBlock) -> Value {
    UmSprayBlock::from(b).into()
}

/// A password `New-ManagementAccount` generated: shown once, with the account it was made for,
/// and kept nowhere. Its `Debug` doesn't show it, so that no log of the view can.
#[derive(Clone)]
pub struct GeneratedPassword(pub SecretString);

impl fmt::Debug for GeneratedPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GeneratedPassword(***)")
    }
}

impl Serialize for GeneratedPassword {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.expose_secret())
    }
}

impl Property for GeneratedPassword {
    fn value(&self) -> Value {
        self.0.expose_secret().into()
    }
}

view! {
    /// The `Get-ManagementAccount` object; `New-ManagementAccount`'s has the password it
    /// generated too, when it generated one.
    ManagementAccount = MANAGEMENT_ACCOUNT {
        "Name" name: String,
        "DisplayName" display_name: String,
        "RoleGroups" role_groups: Vec<String>,
        "Disabled" disabled: bool,
        "Guid" guid: String,
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "WhenCreated" when_created: Timestamp,
        /// The directory's id of the user, for the account of a directory user.
        "DirectoryId" directory_id: Option<String>,
        "Identity" identity: String,
    } when given {
        /// The password `New-ManagementAccount` generated, shown this once.
        #[schema(value_type = Option<String>)]
        "GeneratedPassword" generated_password: GeneratedPassword,
    }
}

impl From<&domain::ManagementAccount> for ManagementAccount {
    fn from(a: &domain::ManagementAccount) -> Self {
        ManagementAccount {
            name: a.name.clone(),
            display_name: a.display_name.clone(),
            role_groups: a.role_groups.iter().map(|g| g.name().to_owned()).collect(),
            disabled: a.disabled,
            guid: a.guid.to_string(),
            when_created: a.when_created,
            directory_id: a.directory_id.clone(),
            identity: a.name.clone(),
            generated_password: None,
        }
    }
}

/// The `Get-ManagementAccount` object.
pub fn management_account(a: &domain::ManagementAccount) -> Value {
    ManagementAccount::from(a).into()
}

view! {
    /// The `Get-RoleGroup` object.
    RoleGroup = ROLE_GROUP {
        "Name" name: &'static str,
        /// What its members may do.
        "Description" description: &'static str,
        /// The names of its management accounts.
        "Members" members: Vec<String>,
        /// The DNs of the directory groups whose members sign in with it.
        "DirectoryGroups" directory_groups: Vec<String>,
        "Identity" identity: &'static str,
    }
}

impl From<&RoleGroupView> for RoleGroup {
    fn from(g: &RoleGroupView) -> Self {
        RoleGroup {
            name: g.group.name(),
            description: g.group.description(),
            members: g.members.clone(),
            directory_groups: g.directory_groups.clone(),
            identity: g.group.name(),
        }
    }
}

/// The `Get-RoleGroup` object.
pub fn role_group(g: &RoleGroupView) -> Value {
    RoleGroup::from(g).into()
}

view! {
    /// The `Search-AdminAuditLog` object: one record of the admin audit log.
    AdminAuditLogEvent = AUDIT_EVENT {
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "RunDate" run_date: Timestamp,
        /// The management account that acted.
        "Caller" caller: String,
        /// Where from: the client's address, or `local shell`.
        "ClientAddress" client_address: String,
        /// The cmdlet, or `Voice-Access`.
        "CmdletName" cmdlet_name: String,
        /// The object acted on, as it was named.
        "ObjectModified" object_modified: String,
        /// The parameters as a command line: `-Identity tony@contoso.com -Pin ***`.
        #[schema(example = "-Identity tony@contoso.com -Pin *** -PINExpired $true")]
        "CmdletParameters" cmdlet_parameters: String,
        "Succeeded" succeeded: bool,
        /// The error, when the action failed or was denied.
        "Error" error: Option<String>,
        /// Its place in the chain, from 1.
        "SequenceNumber" sequence_number: u64,
    } json only {
        /// The parameters as values, in the order given; `null` for a record written before the
        /// log kept parameters as values, which has only `cmdletParameters`.
        parameters: Option<Vec<AdminAuditLogParameter>>,
    }
}

impl From<&AuditRecord> for AdminAuditLogEvent {
    fn from(r: &AuditRecord) -> Self {
        AdminAuditLogEvent {
            run_date: r.run_at,
            caller: r.account.clone(),
            client_address: r.source.clone(),
            cmdlet_name: r.cmdlet.clone(),
            object_modified: r.object_id.clone(),
            cmdlet_parameters: cmdlet_parameters(&r.parameters),
            succeeded: r.succeeded,
            error: r.error.clone(),
            sequence_number: r.seq,
            parameters: match &r.parameters {
                AuditParameters::Values(values) => Some(values.iter().map(AdminAuditLogParameter::from).collect()),
                AuditParameters::Text(_) => None,
            },
        }
    }
}

/// The `Search-AdminAuditLog` object.
pub fn audit_event(r: &AuditRecord) -> Value {
    AdminAuditLogEvent::from(r).into()
}

/// One parameter of an audit record: `{"name": "Identity", "kind": "text", "value": "tony"}`;
/// a PIN or a password is `{"name": "Pin", "kind": "secret"}`, without its value.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AdminAuditLogParameter {
    pub name: String,
    pub kind: AuditValueKind,
    /// A string (`text`, `word`), an array of strings (`texts`), a whole number (`number`) or a
    /// boolean (`bool`); absent for a `secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// What kind of value a parameter was given: `word` is a choice, `Unlimited` or a time, shown by
/// name; `secret` is a PIN or a password, of which the log keeps only that one was given.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditValueKind {
    Text,
    Texts,
    Number,
    Bool,
    Word,
    Secret,
}

impl From<&AuditParameter> for AdminAuditLogParameter {
    fn from(p: &AuditParameter) -> Self {
        let (kind, value) = match &p.value {
            AuditValue::Text(t) => (AuditValueKind::Text, Some(t.as_str().into())),
            AuditValue::Texts(ts) => (AuditValueKind::Texts, Some(ts.as_slice().into())),
            AuditValue::Number(n) => (AuditValueKind::Number, Some((*n).into())),
            AuditValue::Bool(b) => (AuditValueKind::Bool, Some((*b).into())),
            AuditValue::Word(w) => (AuditValueKind::Word, Some(w.as_str().into())),
            AuditValue::Secret => (AuditValueKind::Secret, None),
        };
        AdminAuditLogParameter { name: p.name.clone(), kind, value }
    }
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
/// character that would end or change the word; in double quotes when it holds a control
/// character (which the log keeps as given), each written as PowerShell's escape `` `u{1b} `` and
/// a `` ` ``, `"` or `$` after a backtick, so that the line holds nothing a terminal or a page
/// would act on, and PowerShell reads it as the same text.
fn quoted(text: &str) -> String {
    if text.chars().any(char::is_control) {
        let mut out = String::from('"');
        for c in text.chars() {
            match c {
                '`' | '"' | '$' => {
                    out.push('`');
                    out.push(c);
                }
                c if c.is_control() => out.push_str(&format!("`u{{{:x}}}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        return out;
    }
    let bare = |c: char| !c.is_whitespace() && !matches!(c, '\'' | '"' | ',' | ';' | '$' | '`');
    if !text.is_empty() && text.chars().all(bare) { text.to_owned() } else { format!("'{}'", text.replace('\'', "''")) }
}

view! {
    /// The `Test-AdminAuditLog` object: whether the chain of the admin audit log holds.
    AdminAuditLogCheck = AUDIT_CHECK {
        "IsValid" is_valid: bool,
        "RecordsChecked" records_checked: u64,
        /// The first record whose link doesn't hold, or the number where one is missing.
        "FirstBrokenRecord" first_broken_record: Option<u64>,
        /// Why the chain is broken there.
        "Reason" reason: Option<String>,
    }
}

impl From<&AuditLogCheck> for AdminAuditLogCheck {
    fn from(c: &AuditLogCheck) -> Self {
        AdminAuditLogCheck {
            is_valid: c.is_valid(),
            records_checked: c.records,
            first_broken_record: c.first_broken,
            reason: c.reason.clone(),
        }
    }
}

/// The `Test-AdminAuditLog` object.
pub fn audit_check(c: &AuditLogCheck) -> Value {
    AdminAuditLogCheck::from(c).into()
}

view! {
    /// The `Get-UMDirectorySyncStatus` object: the result of one sync.
    UmDirectorySyncStatus = UM_DIRECTORY_SYNC_STATUS {
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "StartedAt" started_at: Timestamp,
        #[serde(serialize_with = "time")]
        #[schema(value_type = String, format = DateTime)]
        "FinishedAt" finished_at: Timestamp,
        /// The account that ran it.
        "RunBy" run_by: String,
        "Succeeded" succeeded: bool,
        "Error" error: Option<String>,
        /// Entries the directory returned.
        "Read" read: u64,
        "Added" added: u64,
        "Updated" updated: u64,
        /// Users found gone or disabled, whose grace period started.
        "Absent" absent: u64,
        /// Mailboxes whose UM was disabled after the grace period.
        "UMDisabled" um_disabled: u64,
        /// Mailboxes UM-enabled as members of UM groups.
        "UMEnabled" um_enabled: u64,
        "Unchanged" unchanged: u64,
        "Skipped" skipped: u64,
        /// The first entries skipped, each as `DN: why`.
        "SkippedEntries" skipped_entries: Vec<String>,
    }
}

impl From<&DirectorySyncRecord> for UmDirectorySyncStatus {
    fn from(r: &DirectorySyncRecord) -> Self {
        let c = &r.counts;
        UmDirectorySyncStatus {
            started_at: r.started_at,
            finished_at: r.finished_at,
            run_by: r.account.clone(),
            succeeded: r.succeeded,
            error: r.error.clone(),
            read: c.read,
            added: c.added,
            updated: c.updated,
            absent: c.absent,
            um_disabled: c.disabled,
            um_enabled: c.um_enabled,
            unchanged: c.unchanged,
            skipped: c.skipped,
            skipped_entries: r.skipped.iter().map(|s| format!("{}: {}", s.dn, s.reason)).collect(),
        }
    }
}

/// The `Get-UMDirectorySyncStatus` object.
pub fn directory_sync_status(r: &DirectorySyncRecord) -> Value {
    UmDirectorySyncStatus::from(r).into()
}

view! {
    /// A change `Start-UMDirectorySync -WhatIf` would make.
    UmDirectorySyncChange = UM_DIRECTORY_SYNC_CHANGE {
        /// `Added`, `Updated`, `Returned`, `Absent`, `UMDisabled` or `UMEnabled`.
        #[schema(example = "Added")]
        "Action" action: &'static str,
        /// The mailbox's primary address.
        "Identity" identity: String,
    }
}

impl From<&PlannedChange> for UmDirectorySyncChange {
    fn from(c: &PlannedChange) -> Self {
        UmDirectorySyncChange { action: c.action, identity: c.identity.clone() }
    }
}

/// A change `Start-UMDirectorySync -WhatIf` would make.
pub fn directory_sync_change(c: &PlannedChange) -> Value {
    UmDirectorySyncChange::from(c).into()
}
