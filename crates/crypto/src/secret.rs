//! The PIN type: a [`SecretString`], whose `Debug` output is redacted and which has no `Display`,
//! so a PIN can't slip into a log line, an error or a panic message by formatting. Its memory is
//! zeroized on drop. Reading the digits takes an explicit [`ExposeSecret::expose_secret`], which
//! makes every place that needs them easy to find.

pub use secrecy::{ExposeSecret, SecretString};

/// A voice-mail PIN (digits only once checked by `umpin_domain::check_new_pin`).
///
/// An alias rather than a newtype so that callers can build one with `Pin::from("…")` and use
/// `secrecy`'s API directly; `SecretString` already redacts `Debug` and has no `Display`.
pub type Pin = SecretString;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_a_pin_does_not_contain_its_digits() {
        let pin = Pin::from("5643892");
        let shown = format!("{pin:?}");
        assert!(!shown.contains("5643892"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }
}
