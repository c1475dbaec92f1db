//! The JSON objects of the resource API: each is the shell's object of the same name with its
//! properties in the same order, named in camelCase (`UserID` → `userId`, `PINLifetime` →
//! `pinLifetime`), and the request bodies that create and change them. Bodies refuse unknown
//! members, so that a misspelt setting is an error rather than silently ignored.

use std::fmt;

use secrecy::SecretString;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use umpin_domain::{
    AuditParameter, AuditParameters, AuditValue, DialPlan, Limit, LimitValue, Mailbox, MailboxPolicy, Timestamp,
};
use umpin_service::{AuditRecord, SprayBlock, UmMailboxPin, UmMailboxView};
use utoipa::ToSchema;

fn time(t: Timestamp) -> String {
    t.to_string()
}

/// A page of a listing: the items and, when more follow, the cursor of the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The `Get-UMMailboxPIN` object: the status of a UM mailbox's PIN, never the PIN.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UmMailboxPin)]
pub struct UmMailboxPinJson {
    /// The primary SMTP address.
    pub user_id: String,
    pub pin_expired: bool,
    pub first_time_user: bool,
    pub locked_out: bool,
    #[schema(example = "Unchanged")]
    pub object_state: &'static str,
    pub is_valid: bool,
    pub identity: String,
    pub failed_logon_count: u32,
    #[schema(format = DateTime)]
    pub last_failed_logon: Option<String>,
    #[schema(format = DateTime)]
    pub pin_last_set: String,
    #[schema(format = DateTime)]
    pub pin_expires_on: Option<String>,
}

impl From<&UmMailboxPin> for UmMailboxPinJson {
    fn from(p: &UmMailboxPin) -> Self {
        UmMailboxPinJson {
            user_id: p.user_id.clone(),
            pin_expired: p.pin_expired,
            first_time_user: p.first_time_user,
            locked_out: p.locked_out,
            object_state: "Unchanged",
            is_valid: true,
            identity: p.identity.clone(),
            failed_logon_count: p.failed_logon_count,
            last_failed_logon: p.last_failed_logon.map(time),
            pin_last_set: time(p.pin_last_set),
            pin_expires_on: p.pin_expires_on.map(time),
        }
    }
}

/// The `Get-Mailbox` object.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Mailbox)]
pub struct MailboxJson {
    pub name: String,
    pub alias: String,
    pub display_name: String,
    pub primary_smtp_address: String,
    /// The secondary addresses.
    pub email_addresses: Vec<String>,
    pub user_principal_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub guid: String,
    #[schema(format = DateTime)]
    pub when_created: String,
    pub identity: String,
}

impl From<&Mailbox> for MailboxJson {
    fn from(m: &Mailbox) -> Self {
        MailboxJson {
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
            when_created: time(m.when_created),
            identity: m.primary_smtp_address.clone(),
        }
    }
}

/// The `Get-UMSprayBlock` object: a source of voice sign-ins refused until `blockedUntil`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UmSprayBlock)]
pub struct SprayBlockJson {
    /// `caller-id:DIGITS`, or `account:NAME` for a front-end account's calls without caller ID.
    #[schema(example = "caller-id:14255550199")]
    pub source: String,
    /// The distinct mailboxes (and unknown extensions) it had failed on when it was blocked.
    pub mailboxes: u32,
    #[schema(format = DateTime)]
    pub blocked_at: String,
    #[schema(format = DateTime)]
    pub blocked_until: String,
    pub identity: String,
}

impl From<&SprayBlock> for SprayBlockJson {
    fn from(b: &SprayBlock) -> Self {
        SprayBlockJson {
            source: b.source.clone(),
            mailboxes: b.targets,
            blocked_at: time(b.blocked_at),
            blocked_until: time(b.blocked_until),
            identity: b.source.clone(),
        }
    }
}

/// The `Search-AdminAuditLog` object: one record of the admin audit log.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AdminAuditLogEvent)]
pub struct AuditEventJson {
    #[schema(format = DateTime)]
    pub run_date: String,
    /// The management account that acted.
    pub caller: String,
    /// Where from: the client's address, or `local shell`.
    pub client_address: String,
    /// The cmdlet, or `Voice-Access`.
    pub cmdlet_name: String,
    /// The object acted on, as it was named.
    pub object_modified: String,
    /// The parameters as the shell shows them, a command line: `-Identity tony@contoso.com -Pin ***`.
    #[schema(example = "-Identity tony@contoso.com -Pin *** -PINExpired $true")]
    pub cmdlet_parameters: String,
    /// The parameters as values, in the order given; `null` for a record written before the log
    /// kept parameters as values, which has only `cmdletParameters`.
    pub parameters: Option<Vec<AuditParameterJson>>,
    pub succeeded: bool,
    /// The error, when the action failed or was denied.
    pub error: Option<String>,
    /// Its place in the chain, from 1.
    pub sequence_number: u64,
}

impl From<&AuditRecord> for AuditEventJson {
    fn from(r: &AuditRecord) -> Self {
        AuditEventJson {
            run_date: time(r.run_at),
            caller: r.account.clone(),
            client_address: r.source.clone(),
            cmdlet_name: r.cmdlet.clone(),
            object_modified: r.object_id.clone(),
            cmdlet_parameters: umpin_catalogue::views::cmdlet_parameters(&r.parameters),
            parameters: match &r.parameters {
                AuditParameters::Values(values) => Some(values.iter().map(AuditParameterJson::from).collect()),
                AuditParameters::Text(_) => None,
            },
            succeeded: r.succeeded,
            error: r.error.clone(),
            sequence_number: r.seq,
        }
    }
}

/// One parameter of an audit record: `{"name": "Identity", "kind": "text", "value": "tony"}`;
/// a PIN or a password is `{"name": "Pin", "kind": "secret"}`, without its value.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminAuditLogParameter)]
pub struct AuditParameterJson {
    pub name: String,
    pub kind: AuditValueKind,
    /// A string (`text`, `word`), an array of strings (`texts`), a whole number (`number`) or a
    /// boolean (`bool`); absent for a `secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// What kind of value a parameter was given: `word` is a choice, `Unlimited` or a time, shown by
/// name; `secret` is a PIN or a password, of which the log keeps only that one was given.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditValueKind {
    Text,
    Texts,
    Number,
    Bool,
    Word,
    Secret,
}

impl From<&AuditParameter> for AuditParameterJson {
    fn from(p: &AuditParameter) -> Self {
        let (kind, value) = match &p.value {
            AuditValue::Text(t) => (AuditValueKind::Text, Some(t.as_str().into())),
            AuditValue::Texts(ts) => (AuditValueKind::Texts, Some(ts.as_slice().into())),
            AuditValue::Number(n) => (AuditValueKind::Number, Some((*n).into())),
            AuditValue::Bool(b) => (AuditValueKind::Bool, Some((*b).into())),
            AuditValue::Word(w) => (AuditValueKind::Word, Some(w.as_str().into())),
            AuditValue::Secret => (AuditValueKind::Secret, None),
        };
        AuditParameterJson { name: p.name.clone(), kind, value }
    }
}

/// The `Get-UMDialPlan` object.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UmDialPlan)]
pub struct DialPlanJson {
    pub name: String,
    pub number_of_digits_in_extension: u8,
    pub country_or_region_code: String,
    #[schema(example = "TelExtn")]
    pub uri_type: &'static str,
    #[schema(example = "Unsecured")]
    pub voip_security: &'static str,
    pub access_telephone_numbers: Vec<String>,
    pub default_language: String,
    pub logon_failures_before_disconnect: u8,
    pub guid: String,
    #[schema(format = DateTime)]
    pub when_created: String,
    pub identity: String,
}

impl From<&DialPlan> for DialPlanJson {
    fn from(p: &DialPlan) -> Self {
        DialPlanJson {
            name: p.name.clone(),
            number_of_digits_in_extension: p.number_of_digits_in_extension,
            country_or_region_code: p.country_or_region_code.clone(),
            uri_type: p.uri_type.as_str(),
            voip_security: p.voip_security.as_str(),
            access_telephone_numbers: p.access_telephone_numbers.clone(),
            default_language: p.default_language.clone(),
            logon_failures_before_disconnect: p.logon_failures_before_disconnect,
            guid: p.guid.to_string(),
            when_created: time(p.when_created),
            identity: p.name.clone(),
        }
    }
}

/// A whole number or `Unlimited` (`PINLifetime`, `LogonFailuresBeforePINReset`).
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

impl<'de> Deserialize<'de> for LimitJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LimitVisitor;
        impl Visitor<'_> for LimitVisitor {
            type Value = LimitJson;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number or \"Unlimited\"")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<LimitJson, E> {
                Ok(LimitJson(LimitValue::Number(n)))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<LimitJson, E> {
                Ok(LimitJson(LimitValue::Number(i64::try_from(n).unwrap_or(i64::MAX))))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<LimitJson, E> {
                if s.eq_ignore_ascii_case("Unlimited") {
                    Ok(LimitJson(LimitValue::Unlimited))
                } else {
                    Err(E::custom("expected a whole number or \"Unlimited\""))
                }
            }
        }
        d.deserialize_any(LimitVisitor)
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

/// The `Get-UMMailboxPolicy` object.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UmMailboxPolicy)]
pub struct MailboxPolicyJson {
    pub name: String,
    /// The name of the dial plan the policy belongs to.
    pub um_dial_plan: String,
    pub min_pin_length: u8,
    pub pin_lifetime: LimitJson,
    pub pin_history_count: u8,
    pub allow_common_patterns: bool,
    pub allow_common_pins: bool,
    pub logon_failures_before_pin_reset: LimitJson,
    pub max_logon_attempts: u16,
    pub reset_pin_text: String,
    pub um_enabled_text: String,
    pub allow_pinless_voice_mail_access: bool,
    pub guid: String,
    #[schema(format = DateTime)]
    pub when_created: String,
    pub identity: String,
    /// What the change just made warns of (only in the answer to a change).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl MailboxPolicyJson {
    pub fn new(p: &MailboxPolicy, dial_plan: &str) -> Self {
        MailboxPolicyJson {
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
            when_created: time(p.when_created),
            identity: p.name.clone(),
            warnings: Vec::new(),
        }
    }
}

/// The `Get-UMMailbox` object.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UmMailbox)]
pub struct UmMailboxJson {
    pub name: String,
    pub primary_smtp_address: String,
    pub um_enabled: bool,
    /// The first is the primary extension.
    pub extensions: Vec<String>,
    pub um_mailbox_policy: String,
    pub um_dial_plan: String,
    pub sip_resource_identifier: Option<String>,
    pub operator_number: Option<String>,
    pub pilot_number: Option<String>,
    pub pinless_access_to_voice_mail_enabled: bool,
    #[schema(format = DateTime)]
    pub when_um_enabled: Option<String>,
    pub identity: String,
    /// What the change just made warns of (only in the answer to a change).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl From<&UmMailboxView> for UmMailboxJson {
    fn from(v: &UmMailboxView) -> Self {
        UmMailboxJson {
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
            when_um_enabled: v.um.when_um_enabled.map(time),
            identity: v.mailbox.primary_smtp_address.clone(),
            warnings: Vec::new(),
        }
    }
}

/// `New-Mailbox`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMailboxBody {
    pub name: String,
    pub alias: Option<String>,
    pub primary_smtp_address: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

/// `Set-Mailbox`: members left out stay as they are; `null` (or `""`) clears `firstName`,
/// `lastName` and `phone`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MailboxChangesBody {
    pub name: Option<String>,
    pub alias: Option<String>,
    pub primary_smtp_address: Option<String>,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// The secondary addresses, replacing the current ones.
    pub email_addresses: Option<Vec<String>>,
}

/// A member that is present, possibly `null`: `Some(None)` for `null`, `None` when left out
/// (with `#[serde(default)]`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `New-UMDialPlan`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewDialPlanBody {
    pub name: String,
    /// 1 to 20.
    pub number_of_digits_in_extension: i64,
    /// 1 to 4 digits.
    pub country_or_region_code: String,
    /// `TelExtn` (default), `SipName` or `E164`.
    pub uri_type: Option<String>,
    /// `Unsecured` (default), `SIPSecured` or `Secured`.
    pub voip_security: Option<String>,
    pub access_telephone_numbers: Option<Vec<String>>,
    pub default_language: Option<String>,
    /// Whether to create the policy "<name> Default Policy" too (default `true`).
    pub generate_um_mailbox_policy: Option<bool>,
}

/// `Set-UMDialPlan`: members left out stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DialPlanChangesBody {
    pub name: Option<String>,
    pub voip_security: Option<String>,
    pub access_telephone_numbers: Option<Vec<String>>,
    pub country_or_region_code: Option<String>,
    pub default_language: Option<String>,
    pub logon_failures_before_disconnect: Option<i64>,
}

/// `New-UMMailboxPolicy`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPolicyBody {
    pub name: String,
    /// The dial plan the policy belongs to (name or GUID).
    pub um_dial_plan: String,
}

/// `Set-UMMailboxPolicy`: members left out stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyChangesBody {
    pub name: Option<String>,
    pub min_pin_length: Option<i64>,
    pub pin_lifetime: Option<LimitJson>,
    pub pin_history_count: Option<i64>,
    pub allow_common_patterns: Option<bool>,
    pub allow_common_pins: Option<bool>,
    pub logon_failures_before_pin_reset: Option<LimitJson>,
    pub max_logon_attempts: Option<i64>,
    pub reset_pin_text: Option<String>,
    pub um_enabled_text: Option<String>,
    /// Caller ID can be forged: switching it on is answered with a warning.
    pub allow_pinless_voice_mail_access: Option<bool>,
}

/// `Enable-UMMailbox`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnableUmBody {
    /// The UM mailbox policy (name or GUID).
    pub um_mailbox_policy: String,
    /// Without extensions, one is derived from the mailbox's phone number.
    pub extensions: Option<Vec<String>>,
    /// Without a PIN, one is generated and e-mailed.
    #[schema(value_type = Option<String>, format = Password)]
    pub pin: Option<SecretString>,
    /// Default `true`: the user must choose a new PIN at the first sign-in.
    pub pin_expired: Option<bool>,
    pub notify_email: Option<String>,
    pub sip_resource_identifier: Option<String>,
    pub pilot_number: Option<String>,
    /// Check everything, change nothing.
    pub validate_only: Option<bool>,
}

/// `Set-UMMailbox`: members left out stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UmChangesBody {
    /// A policy of the same dial plan.
    pub um_mailbox_policy: Option<String>,
    /// Every extension in the mailbox's dial plan, the first primary: replaces the list.
    pub extensions: Option<Vec<String>>,
    /// The personal operator's number; an empty one clears it.
    pub operator_number: Option<String>,
    pub pilot_number: Option<String>,
    /// Caller ID can be forged: switching it on is answered with a warning.
    pub pinless_access_to_voice_mail_enabled: Option<bool>,
}

/// A PIN reset (`Set-UMMailboxPIN` with or without `-Pin`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PinResetBody {
    /// The new PIN; without it one is generated.
    #[schema(value_type = Option<String>, format = Password)]
    pub pin: Option<SecretString>,
    /// Default `true`.
    pub pin_expired: Option<bool>,
    /// Default `true`: the new PIN is e-mailed.
    pub send_email: Option<bool>,
    /// Where the new PIN goes instead of the primary address.
    pub notify_email: Option<String>,
}

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The management account name.
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// A bearer token for `Authorization: Bearer <token>`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub token: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// The answer of `/healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`; `degraded` (with 200) when the admin audit log is damaged, so that administration is
    /// refused while voice access goes on; `unavailable` (with 503) when the database can't be
    /// reached.
    pub status: &'static str,
    /// What is wrong, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
