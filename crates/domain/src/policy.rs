//! UM mailbox policies, SPEC §1.3: the PIN settings shared by the UM mailboxes of a policy.

use std::fmt;
use std::str::FromStr;

use crate::dial_plan::{check_object_name, check_range};
use crate::mailbox::invalid;
use crate::{Error, Guid, Timestamp};

/// The longest `ResetPINText` or `UMEnabledText`.
pub const MAX_TEXT_LENGTH: usize = 512;

/// A number or `Unlimited`, as `PINLifetime` and `LogonFailuresBeforePINReset` take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    Limited(u16),
    Unlimited,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Limited(n) => write!(f, "{n}"),
            Limit::Unlimited => f.write_str("Unlimited"),
        }
    }
}

impl FromStr for Limit {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        if s.eq_ignore_ascii_case("Unlimited") {
            Ok(Limit::Unlimited)
        } else {
            s.parse().map(Limit::Limited).map_err(|_| ())
        }
    }
}

impl Limit {
    /// The number, or `None` for `Unlimited`.
    pub fn value(self) -> Option<u16> {
        match self {
            Limit::Limited(n) => Some(n),
            Limit::Unlimited => None,
        }
    }
}

/// The PIN settings of a policy; every range and default of SPEC §1.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinPolicy {
    pub min_pin_length: u8,
    pub pin_lifetime: Limit,
    pub pin_history_count: u8,
    pub allow_common_patterns: bool,
    /// Whether a PIN on the shipped list of the most common PINs may be chosen.
    pub allow_common_pins: bool,
    pub logon_failures_before_pin_reset: Limit,
    pub max_logon_attempts: u16,
}

impl PinPolicy {
    /// The settings of a new policy.
    pub const DEFAULT: PinPolicy = PinPolicy {
        min_pin_length: 6,
        pin_lifetime: Limit::Limited(60),
        pin_history_count: 5,
        allow_common_patterns: false,
        allow_common_pins: false,
        logon_failures_before_pin_reset: Limit::Limited(5),
        max_logon_attempts: 15,
    };
}

impl Default for PinPolicy {
    fn default() -> Self {
        PinPolicy::DEFAULT
    }
}

/// A mailbox policy as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxPolicy {
    pub guid: Guid,
    pub name: String,
    pub dial_plan: Guid,
    pub pin: PinPolicy,
    pub reset_pin_text: String,
    pub um_enabled_text: String,
    /// Whether the policy's mailboxes may be allowed to hear their voice mail without a PIN when
    /// they call from their own phone (each mailbox must allow it too).
    pub allow_pinless_voice_mail_access: bool,
    pub when_created: Timestamp,
}

/// The changes `Set-UMMailboxPolicy` may make; `None` leaves a value as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyChanges {
    pub name: Option<String>,
    pub min_pin_length: Option<i64>,
    pub pin_lifetime: Option<LimitValue>,
    pub pin_history_count: Option<i64>,
    pub allow_common_patterns: Option<bool>,
    pub allow_common_pins: Option<bool>,
    pub logon_failures_before_pin_reset: Option<LimitValue>,
    pub max_logon_attempts: Option<i64>,
    pub reset_pin_text: Option<String>,
    pub um_enabled_text: Option<String>,
    pub allow_pinless_voice_mail_access: Option<bool>,
}

/// A number as given (still to be range-checked) or `Unlimited`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitValue {
    Number(i64),
    Unlimited,
}

impl MailboxPolicy {
    /// A new policy of `dial_plan` with every default.
    pub fn new(guid: Guid, name: &str, dial_plan: Guid, now: Timestamp) -> Result<Self, Error> {
        Ok(MailboxPolicy {
            guid,
            name: check_object_name("Name", name)?,
            dial_plan,
            pin: PinPolicy::default(),
            reset_pin_text: String::new(),
            um_enabled_text: String::new(),
            allow_pinless_voice_mail_access: false,
            when_created: now,
        })
    }

    /// Applies `Set-UMMailboxPolicy`; nothing changes unless every value is valid and the reset count
    /// stays below the lockout count.
    pub fn apply(&self, changes: PolicyChanges) -> Result<MailboxPolicy, Error> {
        let mut next = self.clone();
        if let Some(name) = changes.name {
            next.name = check_object_name("Name", &name)?;
        }
        if let Some(n) = changes.min_pin_length {
            next.pin.min_pin_length = check_range("MinPINLength", n, 4, 24)?;
        }
        if let Some(v) = changes.pin_lifetime {
            next.pin.pin_lifetime = check_limit("PINLifetime", v, 999)?;
        }
        if let Some(n) = changes.pin_history_count {
            next.pin.pin_history_count = check_range("PINHistoryCount", n, 1, 20)?;
        }
        if let Some(b) = changes.allow_common_patterns {
            next.pin.allow_common_patterns = b;
        }
        if let Some(b) = changes.allow_common_pins {
            next.pin.allow_common_pins = b;
        }
        if let Some(v) = changes.logon_failures_before_pin_reset {
            next.pin.logon_failures_before_pin_reset = check_limit("LogonFailuresBeforePINReset", v, 999)?;
        }
        if let Some(n) = changes.max_logon_attempts {
            next.pin.max_logon_attempts = check_range("MaxLogonAttempts", n, 1, 999)?;
        }
        if let Some(t) = changes.reset_pin_text {
            next.reset_pin_text = check_text("ResetPINText", t)?;
        }
        if let Some(t) = changes.um_enabled_text {
            next.um_enabled_text = check_text("UMEnabledText", t)?;
        }
        if let Some(b) = changes.allow_pinless_voice_mail_access {
            next.allow_pinless_voice_mail_access = b;
        }
        if let Limit::Limited(reset) = next.pin.logon_failures_before_pin_reset
            && reset >= next.pin.max_logon_attempts
        {
            return Err(Error::ResetNotBelowLockout { reset, max: next.pin.max_logon_attempts });
        }
        Ok(next)
    }
}

fn check_limit(parameter: &'static str, value: LimitValue, max: i64) -> Result<Limit, Error> {
    match value {
        LimitValue::Unlimited => Ok(Limit::Unlimited),
        LimitValue::Number(n) => check_range::<u16>(parameter, n, 1, max)
            .map(Limit::Limited)
            .map_err(|_| invalid(parameter, &format!("use a number from 1 to {max}, or Unlimited."))),
    }
}

fn check_text(parameter: &'static str, text: String) -> Result<String, Error> {
    if text.chars().count() > MAX_TEXT_LENGTH {
        Err(invalid(parameter, &format!("it may have at most {MAX_TEXT_LENGTH} characters.")))
    } else if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        Err(invalid(parameter, "it may not contain control characters other than line breaks and tabs."))
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> MailboxPolicy {
        MailboxPolicy::new(Guid::nil(), "MyUMMailboxPolicy", Guid::nil(), Timestamp::UNIX_EPOCH).unwrap()
    }

    #[test]
    fn defaults_are_those_of_the_spec() {
        let p = policy();
        assert_eq!(p.pin.min_pin_length, 6);
        assert_eq!(p.pin.pin_lifetime, Limit::Limited(60));
        assert_eq!(p.pin.pin_history_count, 5);
        assert!(!p.pin.allow_common_patterns);
        assert!(!p.pin.allow_common_pins);
        assert_eq!(p.pin.logon_failures_before_pin_reset, Limit::Limited(5));
        assert_eq!(p.pin.max_logon_attempts, 15);
        assert_eq!(p.reset_pin_text, "");
        assert_eq!(p.um_enabled_text, "");
    }

    /// Each numeric setting accepts both ends of its range and refuses one past each end.
    #[test]
    fn every_range_accepts_its_bounds_and_refuses_beyond() {
        type Setter = fn(i64) -> PolicyChanges;
        let unlimited_reset =
            |c: PolicyChanges| PolicyChanges { logon_failures_before_pin_reset: Some(LimitValue::Unlimited), ..c };
        let cases: [(&str, i64, i64, Setter); 5] = [
            ("MinPINLength", 4, 24, |n| PolicyChanges { min_pin_length: Some(n), ..Default::default() }),
            ("PINLifetime", 1, 999, |n| PolicyChanges {
                pin_lifetime: Some(LimitValue::Number(n)),
                ..Default::default()
            }),
            ("PINHistoryCount", 1, 20, |n| PolicyChanges { pin_history_count: Some(n), ..Default::default() }),
            ("LogonFailuresBeforePINReset", 1, 999, |n| PolicyChanges {
                logon_failures_before_pin_reset: Some(LimitValue::Number(n)),
                max_logon_attempts: Some(999),
                ..Default::default()
            }),
            ("MaxLogonAttempts", 1, 999, |n| PolicyChanges { max_logon_attempts: Some(n), ..Default::default() }),
        ];
        for (name, min, max, set) in cases {
            let apply = |n| {
                let changes = set(n);
                let changes = if name == "MaxLogonAttempts" { unlimited_reset(changes) } else { changes };
                policy().apply(changes)
            };
            assert!(apply(min).is_ok(), "{name} {min}");
            if name == "LogonFailuresBeforePINReset" {
                // 999 can't be below any MaxLogonAttempts; its upper bound is shown by 998 < 999.
                assert!(apply(max - 1).is_ok(), "{name} {}", max - 1);
            } else {
                assert!(apply(max).is_ok(), "{name} {max}");
            }
            for bad in [min - 1, max + 1] {
                match apply(bad) {
                    Err(Error::InvalidParameter { parameter, .. }) => assert_eq!(parameter, name),
                    other => panic!("{name} {bad}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn pin_lifetime_and_reset_count_accept_unlimited() {
        let p = policy()
            .apply(PolicyChanges {
                pin_lifetime: Some(LimitValue::Unlimited),
                logon_failures_before_pin_reset: Some(LimitValue::Unlimited),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(p.pin.pin_lifetime, Limit::Unlimited);
        assert_eq!(p.pin.logon_failures_before_pin_reset, Limit::Unlimited);
    }

    #[test]
    fn reset_count_must_be_lower_than_lockout_count() {
        let err = policy()
            .apply(PolicyChanges {
                logon_failures_before_pin_reset: Some(LimitValue::Number(15)),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err, Error::ResetNotBelowLockout { reset: 15, max: 15 });
        assert!(err.to_string().contains("(15)"));
        let lower_max = policy().apply(PolicyChanges { max_logon_attempts: Some(5), ..Default::default() });
        assert_eq!(lower_max.unwrap_err(), Error::ResetNotBelowLockout { reset: 5, max: 5 });
        assert!(policy().apply(PolicyChanges { max_logon_attempts: Some(6), ..Default::default() }).is_ok());
    }

    #[test]
    fn texts_are_at_most_512_characters() {
        let set = |t: String| policy().apply(PolicyChanges { reset_pin_text: Some(t), ..Default::default() });
        assert!(set("x".repeat(512)).is_ok());
        assert!(set("x".repeat(513)).is_err());
    }

    #[test]
    fn a_refused_change_changes_nothing() {
        let p = policy();
        let err = p.apply(PolicyChanges { min_pin_length: Some(8), max_logon_attempts: Some(0), ..Default::default() });
        assert!(err.is_err());
        assert_eq!(p.pin.min_pin_length, 6);
    }

    #[test]
    fn limit_parses_numbers_and_unlimited() {
        assert_eq!("unlimited".parse::<Limit>(), Ok(Limit::Unlimited));
        assert_eq!("60".parse::<Limit>(), Ok(Limit::Limited(60)));
        assert!("sixty".parse::<Limit>().is_err());
    }
}
