//! Mailboxes (recipients), SPEC §1.1: the users of the organisation.

use crate::{Error, Guid, Timestamp};

/// The longest `Name`, `DisplayName`, `Alias`, `FirstName` or `LastName`.
pub const MAX_NAME_LENGTH: usize = 64;
/// The longest e-mail address (RFC 5321 path limit).
pub const MAX_ADDRESS_LENGTH: usize = 254;
/// The longest `Phone`.
pub const MAX_PHONE_LENGTH: usize = 32;
/// The most secondary addresses one mailbox may have.
pub const MAX_SECONDARY_ADDRESSES: usize = 32;

/// A mailbox as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub guid: Guid,
    pub name: String,
    pub alias: String,
    pub display_name: String,
    pub primary_smtp_address: String,
    /// Secondary addresses (`EmailAddresses`), which identity resolution also matches.
    pub email_addresses: Vec<String>,
    pub user_principal_name: String,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub when_created: Timestamp,
}

/// What `New-Mailbox` is given; `validate` fills in the defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewMailbox {
    pub name: String,
    pub alias: Option<String>,
    pub primary_smtp_address: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

impl NewMailbox {
    /// Checks every field and builds the mailbox: `DisplayName` defaults to `Name`, `Alias` to the
    /// local part of the primary address, `UserPrincipalName` to the primary address.
    pub fn validate(self, guid: Guid, now: Timestamp) -> Result<Mailbox, Error> {
        let name = check_name("Name", &self.name)?;
        let primary_smtp_address = check_address("PrimarySmtpAddress", &self.primary_smtp_address)?;
        let alias = match self.alias {
            Some(alias) => check_alias(&alias)?,
            None => check_alias(local_part(&primary_smtp_address))?,
        };
        let display_name = match self.display_name {
            Some(d) => check_name("DisplayName", &d)?,
            None => name.clone(),
        };
        let user_principal_name = match self.user_principal_name {
            Some(upn) => check_address("UserPrincipalName", &upn)?,
            None => primary_smtp_address.clone(),
        };
        Ok(Mailbox {
            guid,
            name,
            alias,
            display_name,
            primary_smtp_address,
            email_addresses: Vec::new(),
            user_principal_name,
            phone: self.phone.map(|p| check_phone(&p)).transpose()?,
            first_name: self.first_name.map(|f| check_name("FirstName", &f)).transpose()?,
            last_name: self.last_name.map(|l| check_name("LastName", &l)).transpose()?,
            when_created: now,
        })
    }
}

/// The changes `Set-Mailbox` may make; `None` leaves a value as it is, and for the optional fields
/// `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailboxChanges {
    pub name: Option<String>,
    pub alias: Option<String>,
    pub primary_smtp_address: Option<String>,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub email_addresses: Option<Vec<String>>,
}

impl Mailbox {
    /// Applies `Set-Mailbox`; nothing changes unless every value is valid. A secondary address equal
    /// to the primary one is dropped rather than kept twice.
    pub fn apply(&self, changes: MailboxChanges) -> Result<Mailbox, Error> {
        let mut next = self.clone();
        if let Some(v) = changes.name {
            next.name = check_name("Name", &v)?;
        }
        if let Some(v) = changes.alias {
            next.alias = check_alias(&v)?;
        }
        if let Some(v) = changes.primary_smtp_address {
            next.primary_smtp_address = check_address("PrimarySmtpAddress", &v)?;
        }
        if let Some(v) = changes.display_name {
            next.display_name = check_name("DisplayName", &v)?;
        }
        if let Some(v) = changes.user_principal_name {
            next.user_principal_name = check_address("UserPrincipalName", &v)?;
        }
        if let Some(v) = changes.first_name {
            next.first_name = v.map(|f| check_name("FirstName", &f)).transpose()?;
        }
        if let Some(v) = changes.last_name {
            next.last_name = v.map(|l| check_name("LastName", &l)).transpose()?;
        }
        if let Some(v) = changes.phone {
            next.phone = v.map(|p| check_phone(&p)).transpose()?;
        }
        if let Some(addresses) = changes.email_addresses {
            if addresses.len() > MAX_SECONDARY_ADDRESSES {
                return Err(invalid(
                    "EmailAddresses",
                    &format!("give at most {MAX_SECONDARY_ADDRESSES} secondary addresses."),
                ));
            }
            next.email_addresses =
                addresses.iter().map(|a| check_address("EmailAddresses", a)).collect::<Result<Vec<_>, _>>()?;
        }
        let primary = next.primary_smtp_address.to_lowercase();
        next.email_addresses.retain(|a| a.to_lowercase() != primary);
        let mut seen = Vec::new();
        next.email_addresses.retain(|a| {
            let key = a.to_lowercase();
            let fresh = !seen.contains(&key);
            seen.push(key);
            fresh
        });
        Ok(next)
    }
}

fn local_part(address: &str) -> &str {
    address.split('@').next().unwrap_or(address)
}

/// A display-style name: not blank, at most 64 characters, no control characters.
pub fn check_name(parameter: &'static str, value: &str) -> Result<String, Error> {
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid(parameter, "it can't be empty."));
    }
    if value.chars().count() > MAX_NAME_LENGTH {
        return Err(invalid(parameter, &format!("it may have at most {MAX_NAME_LENGTH} characters.")));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(parameter, "it may not contain control characters."));
    }
    Ok(value.to_owned())
}

/// An alias: 1–64 of the letters, digits and `. - _`, not beginning or ending with a dot.
pub fn check_alias(value: &str) -> Result<String, Error> {
    let ok_chars = value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if value.is_empty() || value.len() > MAX_NAME_LENGTH || !ok_chars || value.starts_with('.') || value.ends_with('.')
    {
        return Err(invalid(
            "Alias",
            "use 1 to 64 of the letters A-Z, digits, '.', '-' and '_', not beginning or ending with '.'.",
        ));
    }
    Ok(value.to_owned())
}

/// An e-mail address `local@domain`: a dot-atom local part and a domain of dot-separated labels.
/// Stored as given but compared case-insensitively.
pub fn check_address(parameter: &'static str, value: &str) -> Result<String, Error> {
    let value = value.trim();
    let bad = || invalid(parameter, "use an e-mail address such as tony@contoso.com.");
    if value.len() > MAX_ADDRESS_LENGTH {
        return Err(bad());
    }
    let (local, domain) = value.split_once('@').ok_or_else(bad)?;
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|part| !part.is_empty() && part.chars().all(atom_char));
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
    if local_ok && domain_ok { Ok(value.to_owned()) } else { Err(bad()) }
}

/// A phone number: an optional leading `+`, then digits with optional spaces, dashes, dots and
/// parentheses; at least one digit and at most 32 characters.
pub fn check_phone(value: &str) -> Result<String, Error> {
    let value = value.trim();
    let body = value.strip_prefix('+').unwrap_or(value);
    let ok = value.len() <= MAX_PHONE_LENGTH
        && body.chars().any(|c| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || " -.()".contains(c));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(invalid("Phone", "use an E.164 number such as +14255551234, or digits, of at most 32 characters."))
    }
}

/// The digits of a phone number (`+1 (425) 555-0123` → `14255550123`): how phone numbers are
/// compared with each other and with a caller ID.
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

pub(crate) fn invalid(parameter: &'static str, rule: &str) -> Error {
    Error::InvalidParameter { parameter, rule: rule.to_owned() }
}

impl Mailbox {
    /// Every address the mailbox answers to: the primary one first, then the secondary ones.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.primary_smtp_address.as_str()).chain(self.email_addresses.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(name: &str, address: &str) -> NewMailbox {
        NewMailbox { name: name.into(), primary_smtp_address: address.into(), ..Default::default() }
    }

    #[test]
    fn display_name_alias_and_upn_default_from_name_and_primary_address() {
        let m = new("Tony Smith", "tony@contoso.com").validate(Guid::nil(), Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(m.display_name, "Tony Smith");
        assert_eq!(m.alias, "tony");
        assert_eq!(m.user_principal_name, "tony@contoso.com");
    }

    #[test]
    fn name_of_64_characters_is_accepted_and_65_refused() {
        assert!(check_name("Name", &"a".repeat(64)).is_ok());
        assert!(matches!(check_name("Name", &"a".repeat(65)), Err(Error::InvalidParameter { parameter: "Name", .. })));
    }

    #[test]
    fn set_mailbox_changes_only_what_is_given_and_drops_the_primary_from_secondary_addresses() {
        let m = new("Tony", "tony@contoso.com").validate(Guid::nil(), Timestamp::UNIX_EPOCH).unwrap();
        let changed = m
            .apply(MailboxChanges {
                phone: Some(Some("+14255551234".into())),
                email_addresses: Some(vec![
                    "TONY@contoso.com".into(),
                    "ts@contoso.com".into(),
                    "ts@contoso.com".into(),
                ]),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(changed.name, "Tony");
        assert_eq!(changed.phone.as_deref(), Some("+14255551234"));
        assert_eq!(changed.email_addresses, vec!["ts@contoso.com".to_owned()]);
        let err =
            m.apply(MailboxChanges { name: Some("ok".into()), alias: Some("bad alias".into()), ..Default::default() });
        assert!(err.is_err());
    }

    #[test]
    fn empty_name_is_refused() {
        assert!(check_name("Name", "  ").is_err());
    }

    #[test]
    fn alias_allows_only_letters_digits_dot_dash_underscore() {
        assert!(check_alias("tony.smith-2_x").is_ok());
        for bad in ["tony smith", "tony@x", "", ".tony", "tony.", "tóny"] {
            assert!(check_alias(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn primary_address_must_be_a_valid_address() {
        assert!(check_address("PrimarySmtpAddress", "tony@contoso.com").is_ok());
        for bad in [
            "tony",
            "tony@",
            "@contoso.com",
            "tony@contoso",
            "to ny@contoso.com",
            "tony@-contoso.com",
            "a..b@contoso.com",
        ] {
            assert!(check_address("PrimarySmtpAddress", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_accepts_e164_and_digits_only() {
        assert!(check_phone("+1 (425) 555-1234").is_ok());
        assert!(check_phone("4255551234").is_ok());
        for bad in ["", "+", "phone", "425x5551234", &"1".repeat(33)] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
    }
}
