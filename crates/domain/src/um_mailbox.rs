//! UM mailboxes, SPEC §1.4: a mailbox enabled for Unified Messaging, with its extensions.

use crate::dial_plan::UriType;
use crate::mailbox::{check_address, invalid};
use crate::{DialPlan, Error, Guid, Mailbox, Timestamp};

/// The most extensions one UM mailbox may have.
pub const MAX_EXTENSIONS: usize = 16;
/// The longest `OperatorNumber`.
pub const MAX_OPERATOR_NUMBER_LENGTH: usize = 20;
/// Whether disabling keeps the other UM settings for a later re-enable unless told otherwise
/// (`KeepProperties`).
pub const KEEP_PROPERTIES: bool = true;
/// Whether enabling e-mails the welcome message with the PIN unless told otherwise
/// (`SendWelcomeMail`).
pub const SEND_WELCOME_MAIL: bool = true;

/// The UM settings of a mailbox. A disabled one (`um_enabled` false) exists only when the mailbox
/// was disabled with `-KeepProperties $true`; it has no extensions and no PIN data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UmMailbox {
    pub mailbox: Guid,
    pub policy: Guid,
    pub dial_plan: Guid,
    /// The first is the primary extension.
    pub extensions: Vec<String>,
    pub sip_resource_identifier: Option<String>,
    pub operator_number: Option<String>,
    pub pilot_number: Option<String>,
    pub um_enabled: bool,
    pub when_um_enabled: Option<Timestamp>,
    /// Whether the user may hear their voice mail without a PIN when calling from their own
    /// phone, where the policy allows it.
    pub pinless_access_to_voice_mail_enabled: bool,
}

/// Checks the extensions given to `Enable-UMMailbox`: at least one, digits only, exactly the dial
/// plan's length, none given twice. Uniqueness across the dial plan is storage's to enforce.
pub fn check_extensions(extensions: &[String], plan: &DialPlan) -> Result<Vec<String>, Error> {
    if extensions.is_empty() || extensions.len() > MAX_EXTENSIONS {
        return Err(invalid("Extensions", &format!("give 1 to {MAX_EXTENSIONS} extensions.")));
    }
    let mut seen: Vec<String> = Vec::with_capacity(extensions.len());
    for extension in extensions {
        let extension = extension.trim();
        if extension.is_empty() || !extension.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::ExtensionNotDigits { extension: extension.to_owned() });
        }
        if extension.len() != usize::from(plan.number_of_digits_in_extension) {
            return Err(Error::ExtensionLength {
                extension: extension.to_owned(),
                dial_plan: plan.name.clone(),
                digits: plan.number_of_digits_in_extension,
            });
        }
        if seen.iter().any(|e| e == extension) {
            return Err(Error::ExtensionRepeated { extension: extension.to_owned() });
        }
        seen.push(extension.to_owned());
    }
    Ok(seen)
}

/// The extension used when none is given: the last `NumberOfDigitsInExtension` digits of `Phone`.
pub fn derive_extension(mailbox: &Mailbox, plan: &DialPlan) -> Result<String, Error> {
    let digits: Vec<char> = mailbox.phone.iter().flat_map(|p| p.chars()).filter(char::is_ascii_digit).collect();
    let n = usize::from(plan.number_of_digits_in_extension);
    if digits.len() < n {
        return Err(Error::ExtensionCantBeGenerated {
            mailbox: mailbox.primary_smtp_address.clone(),
            digits: plan.number_of_digits_in_extension,
        });
    }
    Ok(digits[digits.len() - n..].iter().collect())
}

/// Checks `SIPResourceIdentifier` against the dial plan's `URIType`: required (and of the right
/// form) for `SipName` and `E164`, ignored-as-absent for `TelExtn` where it is refused if given.
pub fn check_sip_resource_identifier(plan: &DialPlan, value: Option<&str>) -> Result<Option<String>, Error> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    match (plan.uri_type, value) {
        (UriType::TelExtn, None) => Ok(None),
        (UriType::TelExtn, Some(_)) => Err(invalid(
            "SIPResourceIdentifier",
            "the UM dial plan has URIType TelExtn, which takes no SIP resource identifier.",
        )),
        (uri_type, None) => Err(Error::SipResourceIdentifierRequired {
            dial_plan: plan.name.clone(),
            uri_type: uri_type.as_str(),
            expected: plan.sip_resource_identifier_form().unwrap_or_default(),
        }),
        (UriType::SipName, Some(v)) => {
            let address = v.strip_prefix("sip:").unwrap_or(v);
            check_address("SIPResourceIdentifier", address)
                .map(Some)
                .map_err(|_| invalid("SIPResourceIdentifier", "use a SIP address such as tony@contoso.com."))
        }
        (UriType::E164, Some(v)) => {
            let digits = v.strip_prefix('+').unwrap_or("");
            if (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(Some(v.to_owned()))
            } else {
                Err(invalid(
                    "SIPResourceIdentifier",
                    "use an E.164 number: '+' and 1 to 15 digits, such as +14255551234.",
                ))
            }
        }
    }
}

/// `OperatorNumber`: 1–20 digits (with an optional leading '+').
pub fn check_operator_number(value: &str) -> Result<String, Error> {
    let body = value.strip_prefix('+').unwrap_or(value);
    if value.len() <= MAX_OPERATOR_NUMBER_LENGTH && !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(invalid("OperatorNumber", "use 1 to 20 digits, with an optional leading '+'."))
    }
}

/// `PilotNumber`: one of the dial plan's access numbers' form (digits, optional '+', ≤ 32 characters).
pub fn check_pilot_number(value: &str) -> Result<String, Error> {
    let body = value.strip_prefix('+').unwrap_or(value);
    if value.len() <= 32 && !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(invalid("PilotNumber", "use digits with an optional leading '+', at most 32 characters."))
    }
}

impl UmMailbox {
    /// The settings of a newly enabled UM mailbox. `PilotNumber` defaults to the dial plan's first
    /// access number.
    pub fn enable(
        mailbox: Guid,
        policy: Guid,
        plan: &DialPlan,
        extensions: Vec<String>,
        sip_resource_identifier: Option<String>,
        pilot_number: Option<String>,
        now: Timestamp,
    ) -> UmMailbox {
        UmMailbox {
            mailbox,
            policy,
            dial_plan: plan.guid,
            extensions,
            sip_resource_identifier,
            operator_number: None,
            pilot_number: pilot_number.or_else(|| plan.access_telephone_numbers.first().cloned()),
            um_enabled: true,
            when_um_enabled: Some(now),
            pinless_access_to_voice_mail_enabled: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewDialPlan, NewMailbox};

    fn plan(uri_type: UriType) -> DialPlan {
        let mut p = NewDialPlan::new("MyUMDialPlan", 5, "1");
        p.uri_type = uri_type;
        p.access_telephone_numbers = vec!["+14255550100".into()];
        p.validate(Guid::nil(), Timestamp::UNIX_EPOCH).unwrap()
    }

    fn mailbox(phone: Option<&str>) -> Mailbox {
        NewMailbox {
            name: "Tony".into(),
            primary_smtp_address: "tony@contoso.com".into(),
            phone: phone.map(Into::into),
            ..Default::default()
        }
        .validate(Guid::nil(), Timestamp::UNIX_EPOCH)
        .unwrap()
    }

    fn exts(e: &[&str]) -> Vec<String> {
        e.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_extension_has_exactly_the_dial_plans_number_of_digits() {
        assert!(check_extensions(&exts(&["51234"]), &plan(UriType::TelExtn)).is_ok());
        assert!(matches!(
            check_extensions(&exts(&["5123"]), &plan(UriType::TelExtn)),
            Err(Error::ExtensionLength { digits: 5, .. })
        ));
        assert!(matches!(
            check_extensions(&exts(&["512345"]), &plan(UriType::TelExtn)),
            Err(Error::ExtensionLength { .. })
        ));
    }

    #[test]
    fn an_extension_is_digits_only() {
        assert!(matches!(
            check_extensions(&exts(&["5123a"]), &plan(UriType::TelExtn)),
            Err(Error::ExtensionNotDigits { .. })
        ));
    }

    #[test]
    fn the_same_extension_may_not_be_given_twice() {
        let res = check_extensions(&exts(&["51234", "51234"]), &plan(UriType::TelExtn));
        assert!(matches!(res, Err(Error::ExtensionRepeated { .. })));
    }

    #[test]
    fn the_first_extension_given_stays_the_primary_one() {
        let e = check_extensions(&exts(&["51234", "40000"]), &plan(UriType::TelExtn)).unwrap();
        assert_eq!(e, exts(&["51234", "40000"]));
    }

    #[test]
    fn without_extensions_the_last_digits_of_phone_are_used() {
        let e = derive_extension(&mailbox(Some("+1 (425) 555-1234")), &plan(UriType::TelExtn)).unwrap();
        assert_eq!(e, "51234");
    }

    #[test]
    fn without_extensions_or_phone_the_error_says_to_pass_extensions() {
        let err = derive_extension(&mailbox(None), &plan(UriType::TelExtn)).unwrap_err();
        assert!(err.to_string().contains("-Extensions"), "{err}");
        assert!(derive_extension(&mailbox(Some("1234")), &plan(UriType::TelExtn)).is_err());
    }

    #[test]
    fn sip_name_and_e164_dial_plans_require_a_sip_resource_identifier() {
        for t in [UriType::SipName, UriType::E164] {
            let err = check_sip_resource_identifier(&plan(t), None).unwrap_err();
            assert!(matches!(err, Error::SipResourceIdentifierRequired { .. }));
        }
        assert_eq!(check_sip_resource_identifier(&plan(UriType::TelExtn), None), Ok(None));
    }

    #[test]
    fn a_sip_name_identifier_is_a_sip_address_and_an_e164_one_a_plus_number() {
        assert!(check_sip_resource_identifier(&plan(UriType::SipName), Some("sip:tony@contoso.com")).is_ok());
        assert!(check_sip_resource_identifier(&plan(UriType::SipName), Some("tony")).is_err());
        assert!(check_sip_resource_identifier(&plan(UriType::E164), Some("+14255551234")).is_ok());
        assert!(check_sip_resource_identifier(&plan(UriType::E164), Some("14255551234")).is_err());
        assert!(check_sip_resource_identifier(&plan(UriType::E164), Some("+1234567890123456")).is_err());
    }

    #[test]
    fn a_tel_extn_dial_plan_refuses_a_sip_resource_identifier() {
        assert!(check_sip_resource_identifier(&plan(UriType::TelExtn), Some("tony@contoso.com")).is_err());
    }

    #[test]
    fn operator_number_is_1_to_20_digits() {
        assert!(check_operator_number("0").is_ok());
        assert!(check_operator_number(&"1".repeat(20)).is_ok());
        assert!(check_operator_number(&"1".repeat(21)).is_err());
        assert!(check_operator_number("").is_err());
    }

    #[test]
    fn pilot_number_defaults_to_the_first_access_number() {
        let p = plan(UriType::TelExtn);
        let um = UmMailbox::enable(Guid::nil(), Guid::nil(), &p, exts(&["51234"]), None, None, Timestamp::UNIX_EPOCH);
        assert_eq!(um.pilot_number.as_deref(), Some("+14255550100"));
    }
}
