//! PIN rules, SPEC §2.1–§2.4: what a new PIN must satisfy and the status derived from the PIN data.

use std::collections::HashSet;
use std::sync::LazyLock;

use jiff::SignedDuration;

use crate::{Limit, PinPolicy, PinRule, Timestamp};

/// The longest PIN any policy allows.
pub const MAX_PIN_LENGTH: u8 = 24;
/// Whether a PIN set by an administrator (or generated) must be changed at the next sign-in,
/// unless told otherwise (`PINExpired`).
pub const EXPIRED_WHEN_SET: bool = true;
/// Whether a new PIN is e-mailed to the user unless told otherwise (`SendEmail`).
pub const SEND_EMAIL: bool = true;
/// The most days ahead a PIN listing looks for PINs about to expire: the longest `PINLifetime`.
pub const MAX_EXPIRES_WITHIN_DAYS: u32 = 999;

/// The days ahead (`ExpiresWithinDays`) in which a PIN listing finds the PINs about to expire:
/// 1 to [`MAX_EXPIRES_WITHIN_DAYS`].
pub fn check_expires_within_days(days: u32) -> Result<u32, crate::Error> {
    crate::dial_plan::check_range("ExpiresWithinDays", i64::from(days), 1, i64::from(MAX_EXPIRES_WITHIN_DAYS))
}

/// How many days before a PIN reaches its lifetime the user is told so on the phone.
pub const PIN_EXPIRY_NOTICE_DAYS: i64 = 14;

/// The shipped list of the most commonly chosen PINs (dates, years, repeats, runs, keypad shapes),
/// one a line, made by `scripts/common-pins.py`; refused while `AllowCommonPINs` is `$false`.
const COMMON_PINS: &str = include_str!("common_pins.txt");

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| COMMON_PINS.lines().collect());

/// Checks a PIN being set (by an administrator, by the user on the phone, or generated) against the
/// policy, the user's extensions and the history. `in_history` answers whether the PIN equals one
/// of the `PINHistoryCount` most recent PINs, the current one included.
///
/// The cheap rules run first so that `in_history` (a keyed hash per entry) runs only for a PIN that
/// passes everything else.
pub fn check_new_pin(
    pin: &str,
    policy: &PinPolicy,
    extensions: &[String],
    in_history: impl FnOnce(&str) -> bool,
) -> Result<(), PinRule> {
    if pin.is_empty() || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinRule::DigitsOnly);
    }
    if pin.len() < usize::from(policy.min_pin_length) {
        return Err(PinRule::TooShort { min: policy.min_pin_length });
    }
    if pin.len() > usize::from(MAX_PIN_LENGTH) {
        return Err(PinRule::TooLong { max: MAX_PIN_LENGTH });
    }
    for extension in extensions.iter().filter(|e| !e.is_empty()) {
        if extension.ends_with(pin) {
            return Err(PinRule::ExtensionSuffix);
        }
        if pin.starts_with(extension.as_str()) {
            return Err(PinRule::StartsWithExtension);
        }
    }
    if !policy.allow_common_patterns {
        let digits = pin.as_bytes();
        if digits.iter().all(|&d| d == digits[0]) {
            return Err(PinRule::RepeatedDigit);
        }
        let steps = |step: i16| digits.windows(2).all(|w| i16::from(w[1]) - i16::from(w[0]) == step);
        if steps(1) || steps(-1) {
            return Err(PinRule::DigitRun);
        }
    }
    if !policy.allow_common_pins && COMMON.contains(pin) {
        return Err(PinRule::Common);
    }
    if in_history(pin) {
        return Err(PinRule::InHistory { count: policy.pin_history_count });
    }
    Ok(())
}

/// The length of a generated PIN: `max(MinPINLength, 6)`.
pub fn generated_pin_length(policy: &PinPolicy) -> u8 {
    policy.min_pin_length.max(6)
}

/// The non-secret PIN data of a UM mailbox (SPEC §1.5), from which `Get-UMMailboxPIN` is derived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinStatus {
    pub pin_set_at: Timestamp,
    pub pin_length: u8,
    pub first_time_user: bool,
    /// Set by an administrator (`-PINExpired $true`) or by a generated PIN.
    pub expiry_forced: bool,
    pub failed_logon_count: u32,
    pub last_failed_logon: Option<Timestamp>,
    pub locked_out: bool,
}

impl PinStatus {
    /// The status of a PIN just set. The failure count is cleared and the lockout lifted unless
    /// `locked_out` says otherwise.
    pub fn new_pin(
        pin_length: u8,
        expiry_forced: bool,
        first_time_user: bool,
        locked_out: bool,
        now: Timestamp,
    ) -> Self {
        PinStatus {
            pin_set_at: now,
            pin_length,
            first_time_user,
            expiry_forced,
            failed_logon_count: 0,
            last_failed_logon: None,
            locked_out,
        }
    }

    /// `PinExpired`: forced, or older than `PINLifetime` days, or shorter than the policy's current
    /// `MinPINLength`. The PIN listing filters with a copy of this rule in SQL (the store's
    /// `list_um_pins`), which the store's contract suite holds to the same answers: change both.
    pub fn pin_expired(&self, policy: &PinPolicy, now: Timestamp) -> bool {
        self.expiry_forced
            || self.pin_length < policy.min_pin_length
            || self.pin_expires_on(policy).is_some_and(|at| now >= at)
    }

    /// When the PIN reaches its lifetime, or `None` for an `Unlimited` lifetime.
    pub fn pin_expires_on(&self, policy: &PinPolicy) -> Option<Timestamp> {
        match policy.pin_lifetime {
            Limit::Unlimited => None,
            Limit::Limited(days) => {
                let lifetime = SignedDuration::from_hours(i64::from(days) * 24);
                self.pin_set_at.checked_add(lifetime).ok()
            }
        }
    }

    /// Whether the PIN reaches its lifetime within [`PIN_EXPIRY_NOTICE_DAYS`] (and hasn't yet).
    pub fn pin_expires_soon(&self, policy: &PinPolicy, now: Timestamp) -> bool {
        let notice = SignedDuration::from_hours(PIN_EXPIRY_NOTICE_DAYS * 24);
        self.pin_expires_on(policy).is_some_and(|at| now < at && at.duration_since(now) <= notice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> PinPolicy {
        PinPolicy::default()
    }

    fn lenient() -> PinPolicy {
        PinPolicy { allow_common_patterns: true, allow_common_pins: true, min_pin_length: 4, ..PinPolicy::default() }
    }

    fn check(pin: &str, policy: &PinPolicy, extensions: &[&str]) -> Result<(), PinRule> {
        let extensions: Vec<String> = extensions.iter().map(|e| e.to_string()).collect();
        check_new_pin(pin, policy, &extensions, |_| false)
    }

    #[test]
    fn a_pin_is_digits_only() {
        assert_eq!(check("12a456", &strict(), &[]), Err(PinRule::DigitsOnly));
        assert_eq!(check("", &strict(), &[]), Err(PinRule::DigitsOnly));
        assert_eq!(check("５６４３８９２", &strict(), &[]), Err(PinRule::DigitsOnly));
        assert_eq!(check("5643892", &strict(), &[]), Ok(()));
    }

    #[test]
    fn a_pin_has_at_least_min_pin_length_digits() {
        assert_eq!(check("56438", &strict(), &[]), Err(PinRule::TooShort { min: 6 }));
        assert_eq!(check("564389", &strict(), &[]), Ok(()));
    }

    #[test]
    fn a_pin_has_at_most_24_digits() {
        let p24 = "5643892".repeat(4)[..24].to_owned();
        assert_eq!(check(&p24, &strict(), &[]), Ok(()));
        assert_eq!(check(&format!("{p24}1"), &strict(), &[]), Err(PinRule::TooLong { max: 24 }));
    }

    #[test]
    fn a_pin_may_not_be_a_suffix_of_an_extension_even_when_common_patterns_are_allowed() {
        assert_eq!(check("6697", &lenient(), &["36697"]), Err(PinRule::ExtensionSuffix));
        assert_eq!(check("36697", &lenient(), &["36697"]), Err(PinRule::ExtensionSuffix));
        assert_eq!(check("6698", &lenient(), &["36697"]), Ok(()));
        assert_eq!(check("6697", &lenient(), &["12345", "36697"]), Err(PinRule::ExtensionSuffix));
    }

    #[test]
    fn a_pin_may_not_begin_with_a_whole_extension_even_when_common_patterns_are_allowed() {
        assert_eq!(check("3669712", &lenient(), &["36697"]), Err(PinRule::StartsWithExtension));
        assert_eq!(check("3669", &lenient(), &["36697"]), Ok(()));
    }

    #[test]
    fn a_repeated_digit_is_refused_unless_common_patterns_are_allowed() {
        assert_eq!(check("111111", &strict(), &[]), Err(PinRule::RepeatedDigit));
        assert_eq!(check("111111", &lenient(), &[]), Ok(()));
    }

    #[test]
    fn an_ascending_or_descending_run_is_refused_unless_common_patterns_are_allowed() {
        let four = PinPolicy { min_pin_length: 4, ..strict() };
        for run in ["123456", "654321", "4567", "3210", "0123456789"] {
            assert_eq!(check(run, &four, &[]), Err(PinRule::DigitRun), "{run}");
            assert_eq!(check(run, &lenient(), &[]), Ok(()), "{run}");
        }
    }

    #[test]
    fn runs_do_not_wrap_around() {
        let four = PinPolicy { min_pin_length: 4, allow_common_pins: true, ..strict() };
        assert_eq!(check("7890", &four, &[]), Ok(()));
        assert_eq!(check("8901", &four, &[]), Ok(()));
        assert_eq!(check("2109", &four, &[]), Ok(()));
    }

    #[test]
    fn a_common_pin_is_refused_unless_common_pins_are_allowed_even_when_common_patterns_are() {
        let patterns_allowed = PinPolicy { min_pin_length: 4, allow_common_patterns: true, ..strict() };
        // A date (MMDD and DDMM), a year, a keypad column, a repeated pair, the top row's end.
        for pin in ["1225", "3112", "1984", "2580", "121212", "7890", "123456", "11111111"] {
            assert_eq!(check(pin, &patterns_allowed, &[]), Err(PinRule::Common), "{pin}");
            assert_eq!(check(pin, &lenient(), &[]), Ok(()), "{pin}");
        }
    }

    #[test]
    fn a_pin_that_only_looks_like_a_date_is_not_common() {
        let four = PinPolicy { min_pin_length: 4, ..strict() };
        // The 31st of February, a 13th month either way round, a year before the list's.
        for pin in ["0231", "1331", "1850", "5643892"] {
            assert_eq!(check(pin, &four, &[]), Ok(()), "{pin}");
        }
    }

    #[test]
    fn the_shipped_common_pin_list_holds_only_pins_of_4_to_8_digits_each_once() {
        let lines: Vec<&str> = COMMON_PINS.lines().collect();
        assert!(lines.iter().all(|p| (4..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())));
        assert_eq!(COMMON.len(), lines.len(), "no PIN is listed twice");
    }

    #[test]
    fn a_pin_in_the_history_is_refused() {
        let res = check_new_pin("5643892", &strict(), &[], |p| p == "5643892");
        assert_eq!(res, Err(PinRule::InHistory { count: 5 }));
    }

    #[test]
    fn history_is_consulted_only_for_a_pin_that_passes_every_other_rule() {
        let mut asked = false;
        let _ = check_new_pin("111111", &strict(), &[], |_| {
            asked = true;
            false
        });
        assert!(!asked);
    }

    #[test]
    fn no_rule_message_contains_the_pin() {
        for (pin, ext) in [("12a456", ""), ("5643", ""), ("111111", ""), ("123456", ""), ("236697", "236697")] {
            let exts = if ext.is_empty() { vec![] } else { vec![ext] };
            let msg = check(pin, &strict(), &exts).unwrap_err().to_string();
            assert!(!msg.contains(pin), "{msg}");
        }
    }

    #[test]
    fn generated_pins_are_at_least_six_digits() {
        assert_eq!(generated_pin_length(&PinPolicy { min_pin_length: 4, ..strict() }), 6);
        assert_eq!(generated_pin_length(&PinPolicy { min_pin_length: 9, ..strict() }), 9);
    }

    fn at(days: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH.checked_add(SignedDuration::from_hours(days * 24)).unwrap()
    }

    #[test]
    fn a_pin_expires_when_it_is_pin_lifetime_days_old() {
        let s = PinStatus::new_pin(7, false, false, false, at(0));
        assert!(!s.pin_expired(&strict(), at(59)));
        assert!(s.pin_expired(&strict(), at(60)));
        assert_eq!(s.pin_expires_on(&strict()), Some(at(60)));
    }

    #[test]
    fn an_unlimited_lifetime_never_expires_the_pin() {
        let policy = PinPolicy { pin_lifetime: Limit::Unlimited, ..strict() };
        let s = PinStatus::new_pin(7, false, false, false, at(0));
        assert!(!s.pin_expired(&policy, at(100_000)));
        assert_eq!(s.pin_expires_on(&policy), None);
        assert!(!s.pin_expires_soon(&policy, at(100_000)));
    }

    #[test]
    fn a_pin_expires_soon_in_the_last_14_days_of_its_lifetime_and_not_once_expired() {
        let s = PinStatus::new_pin(7, false, false, false, at(0));
        assert!(!s.pin_expires_soon(&strict(), at(45)));
        assert!(s.pin_expires_soon(&strict(), at(46)));
        assert!(s.pin_expires_soon(&strict(), at(59)));
        assert!(!s.pin_expires_soon(&strict(), at(60)));
    }

    #[test]
    fn a_forced_expiry_expires_the_pin_at_once() {
        assert!(PinStatus::new_pin(7, true, false, false, at(0)).pin_expired(&strict(), at(0)));
    }

    #[test]
    fn a_pin_shorter_than_the_current_min_pin_length_is_expired() {
        let s = PinStatus::new_pin(7, false, false, false, at(0));
        assert!(!s.pin_expired(&PinPolicy { min_pin_length: 7, ..strict() }, at(0)));
        assert!(s.pin_expired(&PinPolicy { min_pin_length: 8, ..strict() }, at(0)));
    }
}
