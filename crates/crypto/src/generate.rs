//! PIN generation (SPEC §2.3): when no PIN is given (enable, reset, automatic reset), a PIN of
//! `max(MinPINLength, 6)` random digits from the OS CSPRNG that satisfies every rule of SPEC §2.1.

use umpin_domain::{PinPolicy, check_new_pin, generated_pin_length};
use zeroize::Zeroizing;

use crate::{CryptoError, Pin};

/// How many random PINs are tried before giving up.
///
/// With six or more random digits a candidate is refused only by bad luck (a run, a repeated digit,
/// a history entry) or by the extensions: a PIN may not begin with a whole extension, so one-digit
/// extensions each rule out a tenth of all PINs. Even nine of them leave a tenth of the PINs valid,
/// and 1000 failures in a row then has a probability of about 10^-46. Failing that often means
/// that practically no PIN can satisfy the rules (e.g. the ten one-digit extensions 0–9), which
/// widening can't fix either; so generation then returns [`CryptoError::NoPinPossible`], which
/// says to change the extensions or the policy, rather than looping forever or panicking.
const MAX_TRIES: u32 = 1000;

/// A random PIN for a mailbox with `policy` and `extensions` that `in_history` (its PIN history)
/// doesn't hold, accepted by [`check_new_pin`] and [`generated_pin_length`] digits long.
pub fn generate_pin(
    policy: &PinPolicy,
    extensions: &[String],
    in_history: impl Fn(&str) -> bool,
) -> Result<Pin, CryptoError> {
    let length = usize::from(generated_pin_length(policy));
    for _ in 0..MAX_TRIES {
        let candidate = random_digits(length)?;
        if check_new_pin(&candidate, policy, extensions, &in_history).is_ok() {
            return Ok(Pin::from(candidate.as_str()));
        }
    }
    Err(CryptoError::NoPinPossible { tries: MAX_TRIES })
}

/// `length` uniformly random decimal digits, in memory that is wiped when dropped.
fn random_digits(length: usize) -> Result<Zeroizing<String>, CryptoError> {
    let mut digits = Zeroizing::new(String::with_capacity(length));
    let mut bytes = Zeroizing::new([0u8; 32]);
    while digits.len() < length {
        getrandom::fill(bytes.as_mut_slice()).map_err(|_| CryptoError::Randomness)?;
        for digit in bytes.iter().filter_map(|&b| digit(b)).take(length - digits.len()) {
            digits.push(digit);
        }
    }
    Ok(digits)
}

/// The digit for a random byte, or `None` for 250–255: 250 is the largest multiple of 10 that
/// fits in a byte, so the bytes kept give each digit with the same probability (no modulo bias).
fn digit(byte: u8) -> Option<char> {
    (byte < 250).then(|| char::from(b'0' + byte % 10))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use secrecy::ExposeSecret;

    use super::*;

    fn policy(min_pin_length: u8) -> PinPolicy {
        PinPolicy { min_pin_length, ..PinPolicy::default() }
    }

    fn generate(policy: &PinPolicy, extensions: &[&str]) -> Result<Pin, CryptoError> {
        let extensions: Vec<String> = extensions.iter().map(|e| e.to_string()).collect();
        generate_pin(policy, &extensions, |_| false)
    }

    #[test]
    fn every_digit_comes_from_25_of_the_250_kept_byte_values() {
        for d in '0'..='9' {
            assert_eq!((0..=255u8).filter(|&b| digit(b) == Some(d)).count(), 25, "{d}");
        }
    }

    #[test]
    fn bytes_from_250_up_are_discarded() {
        assert_eq!(digit(249), Some('9'));
        assert!((250..=255u8).all(|b| digit(b).is_none()));
    }

    #[test]
    fn a_generated_pin_has_at_least_six_digits() {
        assert_eq!(generate(&policy(4), &[]).unwrap().expose_secret().len(), 6);
    }

    #[test]
    fn a_generated_pin_has_min_pin_length_digits_when_that_is_more_than_six() {
        assert_eq!(generate(&policy(11), &[]).unwrap().expose_secret().len(), 11);
    }

    #[test]
    fn a_generated_pin_is_never_in_the_history() {
        // A history that holds every PIN not ending in 7.
        let pin = generate_pin(&policy(6), &[], |p| !p.ends_with('7')).unwrap();
        assert!(pin.expose_secret().ends_with('7'));
    }

    #[test]
    fn generation_gives_up_with_an_error_when_no_pin_can_satisfy_the_rules() {
        let every_first_digit: Vec<String> = (0..10).map(|d| d.to_string()).collect();
        let extensions: Vec<&str> = every_first_digit.iter().map(String::as_str).collect();
        let result = generate(&policy(6), &extensions);
        assert!(matches!(result, Err(CryptoError::NoPinPossible { tries: 1000 })), "{result:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn every_generated_pin_satisfies_the_pin_rules_and_has_the_generated_length(
            min_pin_length in 4u8..=24,
            allow_common_patterns in any::<bool>(),
            allow_common_pins in any::<bool>(),
            extensions in prop::collection::vec("[0-9]{1,20}", 0..=3),
        ) {
            let policy = PinPolicy { min_pin_length, allow_common_patterns, allow_common_pins, ..PinPolicy::default() };
            let pin = generate_pin(&policy, &extensions, |_| false).unwrap();
            let digits = pin.expose_secret();
            prop_assert_eq!(digits.len(), usize::from(generated_pin_length(&policy)));
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(check_new_pin(digits, &policy, &extensions, |_| false), Ok(()));
        }
    }
}
