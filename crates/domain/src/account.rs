//! Management accounts (SPEC §4.4): the people and front ends that sign in to administer umpin,
//! and the rules for their names and passwords.

use crate::mailbox::check_name;
use crate::{Error, Guid, RoleGroup, Timestamp};

/// The shortest password an administrator may set (a generated one is longer).
pub const MIN_PASSWORD_LENGTH: usize = 12;
/// The longest password accepted, so that Argon2's input stays bounded.
pub const MAX_PASSWORD_LENGTH: usize = 256;
/// The longest account name.
pub const MAX_ACCOUNT_NAME_LENGTH: usize = 64;

/// How long failed sign-ins of one account or source are remembered.
pub const THROTTLE_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);
/// Failed sign-ins within the window that cost nothing but the answer: after the fifth, the next
/// try waits.
pub const FREE_FAILURES: u32 = 5;
/// The longest block one more failure can bring.
pub const MAX_THROTTLE: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// How long an account or source is blocked after its `failures`-th failed sign-in in the window:
/// nothing before the [`FREE_FAILURES`]-th, then 1 s after it, 2 s after the next, 4 s … up to
/// [`MAX_THROTTLE`]. So exactly five tries go through unhindered. A guesser gets a few hundred
/// tries a day; a user who mistypes waits seconds.
pub fn throttle_delay(failures: u32) -> Option<jiff::SignedDuration> {
    let over = failures.checked_sub(FREE_FAILURES)?;
    let secs = 1i64.checked_shl(over.min(20)).unwrap_or(i64::MAX);
    Some(jiff::SignedDuration::from_secs(secs).min(MAX_THROTTLE))
}

/// A management account as stored, without its password verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagementAccount {
    pub guid: Guid,
    pub name: String,
    pub display_name: String,
    pub disabled: bool,
    pub role_groups: Vec<RoleGroup>,
    pub when_created: Timestamp,
    /// For the account of a directory user (made when they first sign in, as a member of a
    /// directory group that a role group has): the directory's immutable id of the user. Such an
    /// account has no password here, and its role groups are those of its directory groups,
    /// read at each sign-in. `None` for a local account.
    pub directory_id: Option<String>,
}

/// What `Set-ManagementAccount` may change besides the password.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub disabled: Option<bool>,
}

/// An account name: 1–64 of the letters, digits and `. - _ @`, as typed at sign-in.
pub fn check_account_name(value: &str) -> Result<String, Error> {
    let value = value.trim();
    let ok_chars = value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if value.is_empty() || value.len() > MAX_ACCOUNT_NAME_LENGTH || !ok_chars {
        return Err(Error::InvalidParameter {
            parameter: "Name",
            rule: format!("use 1 to {MAX_ACCOUNT_NAME_LENGTH} of the letters A-Z, digits, '.', '-', '_' and '@'."),
        });
    }
    Ok(value.to_owned())
}

/// A display name for an account; defaults to the account name.
pub fn check_display_name(value: Option<&str>, name: &str) -> Result<String, Error> {
    match value {
        Some(v) => check_name("DisplayName", v),
        None => Ok(name.to_owned()),
    }
}

/// A password an administrator chose for the account `account_name`: long enough to resist
/// guessing, short enough to hash, and none of the weak ones of [`crate::password`].
pub fn check_password(password: &str, account_name: &str) -> Result<(), Error> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_LENGTH..=MAX_PASSWORD_LENGTH).contains(&length) {
        return Err(Error::InvalidParameter {
            parameter: "Password",
            rule: format!(
                "a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters. Choose a longer one, or leave -Password out to have one generated."
            ),
        });
    }
    if password.chars().any(char::is_control) {
        return Err(Error::InvalidParameter {
            parameter: "Password",
            rule: "a password may not contain control characters.".to_owned(),
        });
    }
    match crate::password::weakness(password, account_name) {
        Some(weakness) => Err(Error::InvalidParameter { parameter: "Password", rule: weakness.rule() }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_allow_letters_digits_and_address_characters() {
        assert_eq!(check_account_name(" helpdesk.1@contoso.com "), Ok("helpdesk.1@contoso.com".to_owned()));
        assert!(check_account_name("").is_err());
        assert!(check_account_name("a b").is_err());
        assert!(check_account_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn passwords_need_twelve_to_256_characters() {
        assert!(check_password("short-pass1", "ellen").is_err());
        assert!(check_password("long-enough-1", "ellen").is_ok());
        assert!(check_password(&"xy7".repeat(86), "ellen").is_err());
    }

    #[test]
    fn weak_passwords_of_the_review_are_refused_each_with_its_rule() {
        for (password, rule) in [
            ("aaaaaaaaaaaa", "repeats characters"),
            ("password1234", "commonly used or breached"),
            ("            ", "repeats characters"),
            ("ellen-the-admin-2024", "account's name"),
        ] {
            let refused = check_password(password, "ellen").unwrap_err().to_string();
            assert!(refused.contains(rule), "{password:?}: {refused}");
        }
    }

    #[test]
    fn sign_in_throttling_lets_exactly_five_failures_through_then_doubles_up_to_fifteen_minutes() {
        assert_eq!(throttle_delay(1), None);
        assert_eq!(throttle_delay(4), None);
        assert_eq!(throttle_delay(5), Some(jiff::SignedDuration::from_secs(1)), "the sixth try waits");
        assert_eq!(throttle_delay(6), Some(jiff::SignedDuration::from_secs(2)));
        assert_eq!(throttle_delay(20), Some(MAX_THROTTLE));
        assert_eq!(throttle_delay(u32::MAX), Some(MAX_THROTTLE));
    }

    #[test]
    fn a_password_refusal_does_not_contain_the_password() {
        let err = check_password("hunter2", "ellen").unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
