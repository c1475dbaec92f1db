//! UM dial plans, SPEC §1.2: the numbering plan a group of UM mailboxes shares.

use std::fmt;
use std::str::FromStr;

use crate::mailbox::invalid;
use crate::{Error, Guid, Timestamp};

/// The longest dial plan or mailbox policy name.
pub const MAX_OBJECT_NAME_LENGTH: usize = 64;
/// What a dial plan's generated policy appends to its name.
pub const DEFAULT_POLICY_SUFFIX: &str = " Default Policy";
/// The longest pilot (access) number.
pub const MAX_ACCESS_NUMBER_LENGTH: usize = 32;
/// The most access numbers one dial plan may have.
pub const MAX_ACCESS_NUMBERS: usize = 32;
/// `DefaultLanguage` when none is given.
pub const DEFAULT_LANGUAGE: &str = "en-US";
/// `LogonFailuresBeforeDisconnect` of a new dial plan.
pub const DEFAULT_LOGON_FAILURES_BEFORE_DISCONNECT: u8 = 3;
/// Whether a new dial plan gets its default policy unless told otherwise (`GenerateUMMailboxPolicy`).
pub const GENERATE_UM_MAILBOX_POLICY: bool = true;

/// The longest `DefaultLanguage` tag.
const MAX_LANGUAGE_LENGTH: usize = 35;

/// How a dial plan addresses its users (`URIType`), fixed at creation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UriType {
    #[default]
    TelExtn,
    SipName,
    E164,
}

/// The security of the dial plan's VoIP traffic (`VoIPSecurity`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum VoipSecurity {
    #[default]
    Unsecured,
    SipSecured,
    Secured,
}

macro_rules! named_values {
    ($ty:ident, $parameter:literal, $($variant:ident => $name:literal),+) => {
        impl $ty {
            /// Every value, as the shell spells it (for completion and help).
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                $(if s.eq_ignore_ascii_case($name) { return Ok($ty::$variant); })+
                Err(invalid($parameter, &format!("use one of {}.", Self::NAMES.join(", "))))
            }
        }
    };
}

named_values!(UriType, "URIType", TelExtn => "TelExtn", SipName => "SipName", E164 => "E164");
named_values!(VoipSecurity, "VoIPSecurity", Unsecured => "Unsecured", SipSecured => "SIPSecured", Secured => "Secured");

/// A dial plan as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialPlan {
    pub guid: Guid,
    pub name: String,
    pub number_of_digits_in_extension: u8,
    pub country_or_region_code: String,
    pub uri_type: UriType,
    pub voip_security: VoipSecurity,
    pub access_telephone_numbers: Vec<String>,
    pub default_language: String,
    pub logon_failures_before_disconnect: u8,
    pub when_created: Timestamp,
}

/// What `New-UMDialPlan` is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDialPlan {
    pub name: String,
    pub number_of_digits_in_extension: i64,
    pub country_or_region_code: String,
    pub uri_type: UriType,
    pub voip_security: VoipSecurity,
    pub access_telephone_numbers: Vec<String>,
    pub default_language: Option<String>,
    pub generate_um_mailbox_policy: bool,
}

impl NewDialPlan {
    /// The parameters with their SPEC defaults for everything optional.
    pub fn new(name: &str, number_of_digits_in_extension: i64, country_or_region_code: &str) -> Self {
        NewDialPlan {
            name: name.to_owned(),
            number_of_digits_in_extension,
            country_or_region_code: country_or_region_code.to_owned(),
            uri_type: UriType::default(),
            voip_security: VoipSecurity::default(),
            access_telephone_numbers: Vec::new(),
            default_language: None,
            generate_um_mailbox_policy: GENERATE_UM_MAILBOX_POLICY,
        }
    }

    /// Checks every value and builds the dial plan. With `generate_um_mailbox_policy`, the name must
    /// leave room for the " Default Policy" suffix.
    pub fn validate(self, guid: Guid, now: Timestamp) -> Result<DialPlan, Error> {
        let name = check_object_name("Name", &self.name)?;
        if self.generate_um_mailbox_policy
            && name.chars().count() + DEFAULT_POLICY_SUFFIX.len() > MAX_OBJECT_NAME_LENGTH
        {
            return Err(Error::DialPlanNameTooLongForDefaultPolicy { name });
        }
        Ok(DialPlan {
            guid,
            name,
            number_of_digits_in_extension: check_range(
                "NumberOfDigitsInExtension",
                self.number_of_digits_in_extension,
                1,
                20,
            )?,
            country_or_region_code: check_country_code(&self.country_or_region_code)?,
            uri_type: self.uri_type,
            voip_security: self.voip_security,
            access_telephone_numbers: check_access_numbers(self.access_telephone_numbers)?,
            default_language: match self.default_language {
                Some(l) => check_language(&l)?,
                None => DEFAULT_LANGUAGE.to_owned(),
            },
            logon_failures_before_disconnect: DEFAULT_LOGON_FAILURES_BEFORE_DISCONNECT,
            when_created: now,
        })
    }
}

/// The changes `Set-UMDialPlan` may make; `None` leaves a value as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DialPlanChanges {
    pub name: Option<String>,
    pub voip_security: Option<VoipSecurity>,
    pub access_telephone_numbers: Option<Vec<String>>,
    pub country_or_region_code: Option<String>,
    pub default_language: Option<String>,
    pub logon_failures_before_disconnect: Option<i64>,
}

impl DialPlan {
    /// The name of the policy created with the dial plan.
    pub fn default_policy_name(&self) -> String {
        format!("{}{DEFAULT_POLICY_SUFFIX}", self.name)
    }

    /// Applies `Set-UMDialPlan`; nothing changes unless every value is valid.
    pub fn apply(&self, changes: DialPlanChanges) -> Result<DialPlan, Error> {
        let mut next = self.clone();
        if let Some(name) = changes.name {
            next.name = check_object_name("Name", &name)?;
        }
        if let Some(v) = changes.voip_security {
            next.voip_security = v;
        }
        if let Some(numbers) = changes.access_telephone_numbers {
            next.access_telephone_numbers = check_access_numbers(numbers)?;
        }
        if let Some(code) = changes.country_or_region_code {
            next.country_or_region_code = check_country_code(&code)?;
        }
        if let Some(l) = changes.default_language {
            next.default_language = check_language(&l)?;
        }
        if let Some(n) = changes.logon_failures_before_disconnect {
            next.logon_failures_before_disconnect = check_range("LogonFailuresBeforeDisconnect", n, 1, 20)?;
        }
        Ok(next)
    }

    /// The form a `SIPResourceIdentifier` must take in this dial plan, or `None` when it takes none.
    pub fn sip_resource_identifier_form(&self) -> Option<&'static str> {
        match self.uri_type {
            UriType::TelExtn => None,
            UriType::SipName => Some("a SIP address such as tony@contoso.com"),
            UriType::E164 => Some("an E.164 number such as +14255551234"),
        }
    }
}

/// A dial plan or mailbox policy name: 1–64 characters, none of `" / \ [ ] : ; | = , + * ? < >`.
pub fn check_object_name(parameter: &'static str, value: &str) -> Result<String, Error> {
    const FORBIDDEN: &str = "\"/\\[]:;|=,+*?<>";
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_OBJECT_NAME_LENGTH {
        return Err(invalid(parameter, "use 1 to 64 characters."));
    }
    if value.chars().any(|c| FORBIDDEN.contains(c) || c.is_control()) {
        return Err(invalid(parameter, "it may not contain any of \" / \\ [ ] : ; | = , + * ? < >."));
    }
    Ok(value.to_owned())
}

pub(crate) fn check_range<T: TryFrom<i64>>(
    parameter: &'static str,
    value: i64,
    min: i64,
    max: i64,
) -> Result<T, Error> {
    if (min..=max).contains(&value)
        && let Ok(v) = T::try_from(value)
    {
        return Ok(v);
    }
    Err(invalid(parameter, &format!("use a number from {min} to {max}.")))
}

fn check_country_code(value: &str) -> Result<String, Error> {
    if (1..=4).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(invalid("CountryOrRegionCode", "use 1 to 4 digits, such as 1 or 44."))
    }
}

fn check_access_numbers(numbers: Vec<String>) -> Result<Vec<String>, Error> {
    if numbers.len() > MAX_ACCESS_NUMBERS {
        return Err(invalid("AccessTelephoneNumbers", &format!("give at most {MAX_ACCESS_NUMBERS} numbers.")));
    }
    for n in &numbers {
        let body = n.strip_prefix('+').unwrap_or(n);
        if n.len() > MAX_ACCESS_NUMBER_LENGTH || body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "AccessTelephoneNumbers",
                "each number is digits with an optional leading '+', at most 32 characters.",
            ));
        }
    }
    Ok(numbers)
}

fn check_language(value: &str) -> Result<String, Error> {
    let ok = !value.is_empty()
        && value.len() <= MAX_LANGUAGE_LENGTH
        && value.split('-').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if ok { Ok(value.to_owned()) } else { Err(invalid("DefaultLanguage", "use a language tag such as en-US.")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(name: &str, digits: i64) -> Result<DialPlan, Error> {
        NewDialPlan::new(name, digits, "1").validate(Guid::nil(), Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn defaults_are_telextn_unsecured_en_us_and_three_failures_before_disconnect() {
        let p = plan("MyUMDialPlan", 5).unwrap();
        assert_eq!(p.uri_type, UriType::TelExtn);
        assert_eq!(p.voip_security, VoipSecurity::Unsecured);
        assert_eq!(p.default_language, "en-US");
        assert_eq!(p.logon_failures_before_disconnect, 3);
        assert_eq!(p.default_policy_name(), "MyUMDialPlan Default Policy");
    }

    #[test]
    fn number_of_digits_in_extension_is_1_to_20() {
        assert!(plan("a", 1).is_ok());
        assert!(plan("a", 20).is_ok());
        assert!(plan("a", 0).is_err());
        assert!(plan("a", 21).is_err());
    }

    #[test]
    fn name_may_not_contain_the_forbidden_characters() {
        for c in "\"/\\[]:;|=,+*?<>".chars() {
            assert!(plan(&format!("plan{c}x"), 5).is_err(), "{c}");
        }
    }

    #[test]
    fn name_with_default_policy_is_at_most_49_characters() {
        assert!(plan(&"a".repeat(49), 5).is_ok());
        assert!(matches!(plan(&"a".repeat(50), 5), Err(Error::DialPlanNameTooLongForDefaultPolicy { .. })));
    }

    #[test]
    fn name_without_default_policy_is_at_most_64_characters() {
        let mut p = NewDialPlan::new(&"a".repeat(64), 5, "1");
        p.generate_um_mailbox_policy = false;
        assert!(p.clone().validate(Guid::nil(), Timestamp::UNIX_EPOCH).is_ok());
        p.name.push('a');
        assert!(p.validate(Guid::nil(), Timestamp::UNIX_EPOCH).is_err());
    }

    #[test]
    fn country_or_region_code_is_1_to_4_digits() {
        for ok in ["1", "44", "1234"] {
            assert!(NewDialPlan::new("a", 5, ok).validate(Guid::nil(), Timestamp::UNIX_EPOCH).is_ok());
        }
        for bad in ["", "12345", "+1", "1a"] {
            assert!(NewDialPlan::new("a", 5, bad).validate(Guid::nil(), Timestamp::UNIX_EPOCH).is_err(), "{bad}");
        }
    }

    #[test]
    fn uri_type_and_voip_security_parse_case_insensitively_and_reject_others() {
        assert_eq!("sipname".parse::<UriType>().unwrap(), UriType::SipName);
        assert_eq!("E164".parse::<UriType>().unwrap(), UriType::E164);
        assert_eq!("sipsecured".parse::<VoipSecurity>().unwrap(), VoipSecurity::SipSecured);
        let err = "Tel".parse::<UriType>().unwrap_err().to_string();
        assert!(err.contains("TelExtn, SipName, E164"), "{err}");
    }

    #[test]
    fn access_numbers_are_at_most_32_characters() {
        let mut p = NewDialPlan::new("a", 5, "1");
        p.access_telephone_numbers = vec!["+".to_owned() + &"1".repeat(31)];
        assert!(p.clone().validate(Guid::nil(), Timestamp::UNIX_EPOCH).is_ok());
        p.access_telephone_numbers = vec!["1".repeat(33)];
        assert!(p.validate(Guid::nil(), Timestamp::UNIX_EPOCH).is_err());
    }

    #[test]
    fn logon_failures_before_disconnect_is_1_to_20() {
        let p = plan("a", 5).unwrap();
        let set = |n| p.apply(DialPlanChanges { logon_failures_before_disconnect: Some(n), ..Default::default() });
        assert_eq!(set(1).unwrap().logon_failures_before_disconnect, 1);
        assert_eq!(set(20).unwrap().logon_failures_before_disconnect, 20);
        assert!(set(0).is_err());
        assert!(set(21).is_err());
    }
}
