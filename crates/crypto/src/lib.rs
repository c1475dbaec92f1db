//! PIN security for umpin (SPEC §5): everything that touches a PIN or a server secret.
//!
//! - [`key_ring`]: the server secrets in the key file (mode 0600), each with an id, one current;
//!   rotation adds a key and keeps the old ones so that existing data stays readable.
//! - `reload`: the ring of a running vault, read again from the key file after a rotation by
//!   another process, so that servers need no restart.
//! - [`argon`]: the Argon2id parameters (OWASP's by default, refused when weaker).
//! - [`vault`]: [`Vault`] makes and checks PIN verifiers (Argon2id keyed with the server secret,
//!   sealed with XChaCha20-Poly1305 and bound to the mailbox), history entries (HMAC) and sealed
//!   outbox messages. Argon2 runs on a bounded worker pool, never on the async executor.
//! - [`generate`]: PINs from the OS CSPRNG that satisfy the PIN rules of SPEC §2.
//! - [`token`]: API tokens (stored as digests) and generated management passwords.
//! - [`secret`]: the [`Pin`] type, which never shows its digits in `Debug` output.
//!
//! Nothing here puts a PIN or key material into an error, a `Debug` output or a panic message;
//! the tests check it.

pub mod argon;
pub mod error;
pub mod generate;
pub mod key_ring;
mod reload;
pub mod secret;
pub mod token;
pub mod vault;

pub use argon::Argon2Params;
pub use error::CryptoError;
pub use generate::generate_pin;
pub use key_ring::{KeyError, KeyId, KeyRing};
pub use secret::{ExposeSecret, Pin, SecretString};
pub use token::{generate_password, generate_token, token_digest};
pub use vault::{HistoryEntry, SealedPin, Vault, Verification};
