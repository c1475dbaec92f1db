//! The JSON of the resource API beside the objects themselves, which are the catalogue's typed
//! views (`umpin_catalogue::views`: the shell's object of the same name with its properties in
//! the same order, named in camelCase): pages of them, changed objects with their warnings, and
//! the request bodies that create and change them. Bodies refuse unknown members, so that a
//! misspelt setting is an error rather than silently ignored.

use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};
use umpin_catalogue::views::LimitJson;
use utoipa::ToSchema;

/// A page of a listing: the items and, when more follow, the cursor of the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A changed object with what the change warns of, when it warns.
#[derive(Debug, Serialize, ToSchema)]
pub struct Changed<T> {
    #[serde(flatten)]
    pub object: T,
    /// What the change just made warns of.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
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
