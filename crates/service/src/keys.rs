//! Server key rotation (SPEC §5): after `umpin keys rotate` adds a key, every sealed PIN verifier
//! is re-sealed under it. The Argon2 secret inside a verifier can only change with the PIN, so
//! that part moves to the new key at the user's next successful sign-in.
//!
//! A running service picks the new key up by itself when it meets data sealed under it; reading
//! the key file again on demand makes it seal new data under the new key at once.

use std::sync::Arc;

use umpin_crypto::{KeyError, KeyRing, SealedPin};

use crate::{Service, ServiceError};

/// How many PIN records one re-sealing transaction handles.
const RESEAL_BATCH: u32 = 200;

impl Service {
    /// Reads the server key file again and seals new data under its current key from now on;
    /// returns the key ring now in use. A refused file (others may read it, it is malformed, or it
    /// lacks a key in use) leaves the keys as they were.
    pub fn reload_keys(&self) -> Result<Arc<KeyRing>, KeyError> {
        self.vault.reload_keys()
    }

    /// Re-seals every PIN verifier not yet sealed under the current key; returns how many changed.
    /// A record changed meanwhile (its sealed bytes differ) is left to the next run.
    pub async fn reseal_all_pins(&self) -> Result<u64, ServiceError> {
        let mut resealed = 0;
        let mut after = None;
        loop {
            let mut tx = self.db.begin().await?;
            let batch = tx.sealed_pins(after, RESEAL_BATCH).await?;
            let Some((last, _)) = batch.last() else { break };
            after = Some(*last);
            for (mailbox, bytes) in &batch {
                let sealed = SealedPin::from_bytes(bytes.clone());
                let fresh = self
                    .vault
                    .reseal(*mailbox, &sealed)
                    .map_err(|_| ServiceError::PinDataUnreadable { mailbox: mailbox.to_string() })?;
                if let Some(fresh) = fresh
                    && tx.replace_sealed_pin(*mailbox, bytes, fresh.as_bytes()).await?
                {
                    resealed += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(resealed)
    }
}
