//! The errors of the vault and of PIN generation. Each message says what went wrong and what to
//! do; none names a PIN, a key or sealed bytes, so every one of them may be logged or shown.

/// A failure of the vault, of its settings, or of PIN generation.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Sealed PIN data could not be opened: it belongs to another mailbox, was sealed under a key
    /// this server doesn't have, or was altered.
    ///
    /// This is an error and not [`Verification::Wrong`](crate::Verification::Wrong) on purpose:
    /// the user did nothing wrong, so the service must not count it as a failed sign-in (which would
    /// end in a lockout no PIN can avoid); it has to surface it to an administrator instead.
    #[error(
        "The mailbox's PIN data can't be opened with this server's keys: it was sealed under a key \
         that is missing from the key file, belongs to another mailbox, or was altered. Check that \
         every server uses the same, complete key file; otherwise reset the mailbox's PIN."
    )]
    Unreadable,

    /// A queued message could not be opened (missing key, other message, or altered bytes).
    #[error(
        "A queued message can't be opened with this server's keys: it was sealed under a key that \
         is missing from the key file, belongs to another message, or was altered. Check that every \
         server uses the same, complete key file."
    )]
    MessageUnreadable,

    /// An Argon2 setting is below OWASP's recommendation.
    #[error(
        "The Argon2 settings are weaker than OWASP's minimum: argon2.{parameter} is {value}, but at \
         least {minimum} is needed{hint}. Raise it in the configuration, or leave the argon2 settings \
         out to get OWASP's default (memory_kib = 19456, iterations = 2, parallelism = 1)."
    )]
    WeakArgon2 { parameter: &'static str, value: u32, minimum: u32, hint: String },

    /// The Argon2 settings are outside what Argon2 itself accepts.
    #[error("The Argon2 settings can't be used ({reason}). Fix the argon2 section of the configuration.")]
    InvalidArgon2 { reason: String },

    /// Argon2 failed while computing a verifier.
    #[error(
        "Computing the PIN verifier failed ({reason}). Nothing was changed; check the server's memory and argon2 settings."
    )]
    Argon2 { reason: String },

    /// The Argon2 worker pool is gone (the server is shutting down) or a worker failed.
    #[error("The PIN couldn't be checked because the server is shutting down or a worker failed. Try again.")]
    Worker,

    /// The data to seal is larger than XChaCha20-Poly1305 takes (about 256 GiB).
    #[error("The data to seal is too large. Nothing was sealed.")]
    TooLarge,

    /// The operating system's random number generator failed.
    #[error(
        "The operating system's random number generator failed. Nothing was generated or sealed; check the server's operating system."
    )]
    Randomness,

    /// No PIN satisfying the rules was found after many random tries.
    #[error(
        "No PIN could be generated for this mailbox: in {tries} random tries every PIN broke a PIN \
         rule, most likely because the mailbox's extensions begin or end nearly every possible PIN. \
         Give the mailbox other extensions, or change the mailbox policy."
    )]
    NoPinPossible { tries: u32 },
}
