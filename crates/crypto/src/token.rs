//! Random secrets of management sign-in (SPEC §5): API tokens — 256 random bits, stored only as
//! their SHA-256 digest — and generated passwords, both from the OS CSPRNG.
//!
//! A plain hash suffices for tokens: with 256 random bits nobody can guess one from its digest,
//! so no slow or keyed hash is needed (unlike PINs and passwords, which people choose).

use secrecy::SecretString;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::CryptoError;

/// Every token starts with this, so that a leaked one is easy to recognise (e.g. by secret scanners).
pub const TOKEN_PREFIX: &str = "umpin_";
/// The length of a generated password.
pub const GENERATED_PASSWORD_LENGTH: usize = 20;
/// Letters and digits that can't be mistaken for one another when read aloud or copied by hand
/// (no 0/O, 1/l/I): 56 symbols, so 20 of them give about 116 bits.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A new API token: the prefix and 64 hex digits (256 random bits).
pub fn generate_token() -> Result<SecretString, CryptoError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut *bytes).map_err(|_| CryptoError::Randomness)?;
    let token = Zeroizing::new(format!("{TOKEN_PREFIX}{}", hex::encode(*bytes)));
    Ok(SecretString::from(token.as_str()))
}

/// The digest under which a token is stored and looked up.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A new password of [`GENERATED_PASSWORD_LENGTH`] characters, each uniform over the alphabet.
pub fn generate_password() -> Result<SecretString, CryptoError> {
    let mut password = Zeroizing::new(String::with_capacity(GENERATED_PASSWORD_LENGTH));
    let mut bytes = Zeroizing::new([0u8; 64]);
    // Rejection sampling keeps each character uniform: bytes at or above the largest multiple of
    // the alphabet's size are skipped.
    let limit = 256 - 256 % PASSWORD_ALPHABET.len();
    while password.len() < GENERATED_PASSWORD_LENGTH {
        getrandom::fill(&mut *bytes).map_err(|_| CryptoError::Randomness)?;
        for &b in bytes.iter().filter(|&&b| usize::from(b) < limit) {
            if password.len() == GENERATED_PASSWORD_LENGTH {
                break;
            }
            password.push(char::from(PASSWORD_ALPHABET[usize::from(b) % PASSWORD_ALPHABET.len()]));
        }
    }
    Ok(SecretString::from(password.as_str()))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn tokens_carry_256_random_bits_after_their_prefix() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        let hex_part = a.expose_secret().strip_prefix(TOKEN_PREFIX).unwrap();
        assert_eq!(hex_part.len(), 64);
        assert!(hex_part.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn a_token_digest_is_not_the_token() {
        let token = generate_token().unwrap();
        let digest = hex::encode(token_digest(token.expose_secret()));
        assert!(!token.expose_secret().contains(&digest));
        assert_eq!(token_digest(token.expose_secret()), token_digest(token.expose_secret()));
    }

    #[test]
    fn generated_passwords_use_only_the_unambiguous_alphabet() {
        for _ in 0..100 {
            let p = generate_password().unwrap();
            assert_eq!(p.expose_secret().len(), GENERATED_PASSWORD_LENGTH);
            assert!(p.expose_secret().bytes().all(|b| PASSWORD_ALPHABET.contains(&b)));
        }
    }
}
