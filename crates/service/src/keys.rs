//! Server key rotation (SPEC §5): after `umpin keys rotate` adds a key, every sealed PIN verifier
//! is re-sealed under it. The Argon2 secret inside a verifier can only change with the PIN, so
//! that part moves to the new key at the user's next successful sign-in.

use umpin_crypto::SealedPin;

use crate::{Service, ServiceError};

/// How many PIN records one re-sealing transaction handles.
const RESEAL_BATCH: u32 = 200;

impl Service {
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
