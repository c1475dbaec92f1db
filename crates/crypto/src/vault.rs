//! The vault: everything made with the server key ring (SPEC §5): PIN and password verifiers,
//! PIN history entries, sealed outbox messages and the links of the admin audit log.
//!
//! # Sealed PIN data
//!
//! A verifier is Argon2id over the PIN with a random 16-byte salt, keyed with the current key's
//! Argon2 subkey as Argon2's *secret* input, written as a PHC string (which keeps m, t and p, so
//! that the parameters can be raised later). The vault then seals it with XChaCha20-Poly1305 under
//! the current key's seal subkey. The stored bytes ([`SealedPin`]) are
//!
//! ```text
//! format (1 byte, = 1) | seal key id (u32, big-endian) | nonce (24 random bytes) | ciphertext + tag
//! ```
//!
//! and the associated data is `"umpin sealed pin" | format | seal key id | mailbox guid (16 bytes)`,
//! so sealed data copied to another mailbox, or altered in any byte, doesn't open. The plaintext is
//! `Argon2 key id (u32, big-endian) | PHC string`: the Argon2 secret and the seal key are tracked
//! apart, because [`Vault::reseal`] moves the sealing to a new key without the PIN (it can't
//! recompute Argon2), while a right PIN at sign-in renews both ([`Verification::Right`]'s
//! `upgrade`).
//!
//! # History entries
//!
//! `format (1 byte, = 1) | key id (u32, big-endian) | HMAC-SHA256(history subkey, mailbox guid | PIN)`.
//! A keyed hash rather than Argon2: a history check runs for every candidate PIN, and without the
//! key file the entries can't be tested offline either.
//!
//! # Outbox messages
//!
//! Same layout as sealed PIN data, with the outbox subkey and the associated data
//! `"umpin outbox message" | format | key id | message id (16 bytes)`.
//!
//! # Management passwords
//!
//! Made and checked exactly like PIN verifiers (Argon2id keyed with the server secret, then
//! sealed), with the associated data `"umpin sealed password" | format | key id | account guid`,
//! so sealed PIN data can't stand in for a password or the other way round.
//!
//! # Audit links
//!
//! Each admin audit record carries `HMAC-SHA256(audit subkey, previous link | record)` and the id
//! of the key: without the key file, nobody can rewrite the chain after editing a record.
//!
//! # A rotation while the vault runs
//!
//! The vault reads its key file again when it meets data under a key id above every id it knows
//! and the file changed since it last read it (module `reload`); the new key then also seals
//! new data. [`Vault::reload_keys`] reads it again unconditionally (`umpin serve` on SIGHUP).
//! Each operation takes the ring in use when it starts and keeps it to the end, so that what it
//! opens and what it seals agree even if the ring is replaced meanwhile.
//!
//! # Worker pool
//!
//! Argon2 takes tens of milliseconds of CPU and 19 MiB of memory per computation. It runs in
//! `tokio::task::spawn_blocking`, never on the async executor, and a semaphore with `workers`
//! permits bounds how many run at once (so a burst of sign-ins queues instead of exhausting memory).
//! The async methods must therefore be called inside a Tokio runtime.
//!
//! Argon2's working memory is kept and reused: a computation takes a block from the vault's free
//! list (or allocates one when the list is empty, which happens at most once per worker) and
//! puts it back when done. So the vault holds at most `workers` blocks, whatever the load. Freeing
//! a 19 MiB block after every computation instead raises glibc's mmap threshold, after which such
//! blocks come from its heaps and stay resident: memory then grew with the load.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, PasswordHash, Version};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{Key, KeyInit, XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use subtle::{Choice, ConstantTimeEq};
use tokio::sync::Semaphore;
use umpin_domain::Guid;
use zeroize::Zeroizing;

use crate::key_ring::{Secret, Subkeys, hmac_sha256};
use crate::reload::ReloadingKeyRing;
use crate::{Argon2Params, CryptoError, KeyError, KeyId, KeyRing, Pin};

const PIN_FORMAT: u8 = 1;
const HISTORY_FORMAT: u8 = 1;
const MESSAGE_FORMAT: u8 = 1;

const PIN_LABEL: &[u8] = b"umpin sealed pin";
const MESSAGE_LABEL: &[u8] = b"umpin outbox message";
const PASSWORD_LABEL: &[u8] = b"umpin sealed password";

const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Format byte and key id.
const PREFIX_LEN: usize = 1 + 4;
const HEADER_LEN: usize = PREFIX_LEN + NONCE_LEN;
const MAC_LEN: usize = 32;

/// A mailbox's sealed PIN verifier, as storage keeps it. Opaque: only the vault that holds the
/// right key can open it, and only for the mailbox it was sealed for.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedPin(Vec<u8>);

impl SealedPin {
    /// Sealed PIN data read back from storage. Not checked here: a vault that can't open it says
    /// [`CryptoError::Unreadable`].
    pub fn from_bytes(bytes: Vec<u8>) -> SealedPin {
        SealedPin(bytes)
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes to store.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The id of the key it is sealed under, when the bytes are in a known format.
    pub fn key_id(&self) -> Option<KeyId> {
        prefix(&self.0, PIN_FORMAT)
    }
}

impl fmt::Debug for SealedPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedPin").field("key_id", &self.key_id()).field("len", &self.0.len()).finish()
    }
}

/// The result of checking a PIN against its sealed verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The PIN is not the mailbox's PIN.
    Wrong,
    /// The PIN is right. `upgrade` is a new verifier to store in place of the old one when the old
    /// one used an older key or other Argon2 parameters than the vault's current ones.
    Right { upgrade: Option<SealedPin> },
}

/// One entry of a mailbox's PIN history, as storage keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct HistoryEntry(Vec<u8>);

impl HistoryEntry {
    /// An entry read back from storage. An entry in an unknown format, or under a key the ring no
    /// longer has, matches no PIN.
    pub fn from_bytes(bytes: Vec<u8>) -> HistoryEntry {
        HistoryEntry(bytes)
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes to store.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The key id and MAC, when the entry is in the known format.
    fn parts(&self) -> Option<(KeyId, &[u8])> {
        let id = prefix(&self.0, HISTORY_FORMAT)?;
        (self.0.len() == PREFIX_LEN + MAC_LEN).then(|| (id, &self.0[PREFIX_LEN..]))
    }
}

impl fmt::Debug for HistoryEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HistoryEntry").field("key_id", &self.parts().map(|(id, _)| id)).finish()
    }
}

/// The vault: the key ring, the Argon2 parameters for new verifiers, and the bounded Argon2
/// worker pool. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    keys: ReloadingKeyRing,
    params: Argon2Params,
    argon2_params: argon2::Params,
    workers: usize,
    pool: Arc<Semaphore>,
    /// Argon2 working memory not in use: at most one block per worker.
    memory: Mutex<Vec<Vec<Block>>>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("keys", &self.inner.keys.current())
            .field("argon2", &self.inner.params)
            .field("workers", &self.inner.workers)
            .finish()
    }
}

/// A PIN verifier once unsealed.
struct Verifier {
    /// The key whose Argon2 subkey was Argon2's secret input.
    argon2_key: KeyId,
    phc: Zeroizing<String>,
}

impl Verifier {
    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(4 + self.phc.len()));
        bytes.extend_from_slice(&self.argon2_key.0.to_be_bytes());
        bytes.extend_from_slice(self.phc.as_bytes());
        bytes
    }

    fn decode(bytes: &[u8]) -> Option<Verifier> {
        let (id, phc) = bytes.split_first_chunk::<4>()?;
        let phc = std::str::from_utf8(phc).ok()?;
        Some(Verifier { argon2_key: KeyId(u32::from_be_bytes(*id)), phc: Zeroizing::new(phc.to_owned()) })
    }
}

impl Vault {
    /// A vault with `keys` (read again from their key file after a rotation), making new
    /// verifiers with `params`, running at most `workers` Argon2 computations at once (at least
    /// one). Refuses parameters weaker than OWASP's, except
    /// [`Argon2Params::FAST_FOR_TESTS`].
    pub fn new(keys: KeyRing, params: Argon2Params, workers: usize) -> Result<Vault, CryptoError> {
        params.validate()?;
        let argon2_params = params.to_argon2()?;
        let workers = workers.max(1);
        let pool = Arc::new(Semaphore::new(workers));
        let keys = ReloadingKeyRing::new(keys);
        let memory = Mutex::new(Vec::with_capacity(workers));
        Ok(Vault { inner: Arc::new(Inner { keys, params, argon2_params, workers, pool, memory }) })
    }

    /// The key ring in use now, e.g. for its current key id.
    pub fn key_ring(&self) -> Arc<KeyRing> {
        self.inner.keys.current()
    }

    /// Reads the key file again, whether or not it changed, and uses its keys from now on: new
    /// data is sealed under its current key. A file that is refused (others may read it, it is
    /// malformed, or it lacks a key the vault has) leaves the vault's keys as they were.
    pub fn reload_keys(&self) -> Result<Arc<KeyRing>, KeyError> {
        self.inner.keys.reload()
    }

    /// A new verifier of `pin` for `mailbox`, sealed under the current key.
    pub async fn seal_new_pin(&self, mailbox: Guid, pin: &Pin) -> Result<SealedPin, CryptoError> {
        let pin = pin.clone();
        let ring = self.inner.keys.current();
        self.run(move |inner| seal_pin(&ring, mailbox, &inner.make_verifier(&ring, &pin)?)).await
    }

    /// Checks `pin` against the mailbox's sealed verifier. A right PIN may come with an upgrade
    /// (see [`Verification::Right`]).
    ///
    /// Sealed data that doesn't open — another key file, another mailbox, altered bytes — is
    /// [`CryptoError::Unreadable`], not [`Verification::Wrong`]: it is not the caller's mistake, so
    /// it must not count as a failed sign-in; the service reports it to an administrator instead.
    pub async fn verify_pin(&self, mailbox: Guid, sealed: &SealedPin, pin: &Pin) -> Result<Verification, CryptoError> {
        // Opening is cheap, so data that can't be opened is refused without taking a worker.
        let ring = self.ring_for(sealed.key_id());
        let (seal_key, verifier) = open_pin(&ring, mailbox, sealed)?;
        let pin = pin.clone();
        self.run(move |inner| {
            let Some(params_current) = inner.check(&ring, &verifier, &pin)? else {
                return Ok(Verification::Wrong);
            };
            let current = ring.current_id();
            let upgrade = if !params_current || verifier.argon2_key != current {
                Some(seal_pin(&ring, mailbox, &inner.make_verifier(&ring, &pin)?)?)
            } else if seal_key != current {
                Some(seal_pin(&ring, mailbox, &verifier)?)
            } else {
                None
            };
            Ok(Verification::Right { upgrade })
        })
        .await
    }

    /// As slow as checking a PIN or a password, with no result: for a sign-in to a mailbox or an
    /// account that doesn't exist, so that timing doesn't tell callers which exist.
    pub async fn verify_decoy(&self, secret: &SecretString) -> Result<(), CryptoError> {
        let secret = secret.clone();
        let ring = self.inner.keys.current();
        self.run(move |inner| inner.make_verifier(&ring, &secret).map(drop)).await
    }

    /// The same verifier sealed under the current key, or `None` when it already is. The Argon2
    /// secret inside stays that of the key it was made with (without the PIN it can't be redone);
    /// the next right sign-in renews it. Used after a key rotation.
    pub fn reseal(&self, mailbox: Guid, sealed: &SealedPin) -> Result<Option<SealedPin>, CryptoError> {
        let ring = self.ring_for(sealed.key_id());
        if sealed.key_id() == Some(ring.current_id()) {
            return Ok(None);
        }
        let (_, verifier) = open_pin(&ring, mailbox, sealed)?;
        seal_pin(&ring, mailbox, &verifier).map(Some)
    }

    /// The history entry of `pin` for `mailbox`, under the current key.
    pub fn history_entry(&self, mailbox: Guid, pin: &Pin) -> HistoryEntry {
        let ring = self.inner.keys.current();
        let (id, subkeys) = ring.current();
        let mut bytes = Vec::with_capacity(PREFIX_LEN + MAC_LEN);
        bytes.push(HISTORY_FORMAT);
        bytes.extend_from_slice(&id.0.to_be_bytes());
        bytes.extend_from_slice(&history_mac(subkeys, mailbox, pin));
        HistoryEntry(bytes)
    }

    /// Whether `pin` is one of the mailbox's history `entries`. Each entry is checked under its own
    /// key, in constant time, and all of them are checked whatever the outcome.
    pub fn in_history(&self, mailbox: Guid, pin: &Pin, entries: &[HistoryEntry]) -> bool {
        let highest = entries.iter().filter_map(|e| e.parts().map(|(id, _)| id)).max();
        let ring = self.ring_for(highest);
        let mut found = Choice::from(0);
        for (id, mac) in entries.iter().filter_map(HistoryEntry::parts) {
            if let Some(subkeys) = ring.subkeys(id) {
                found |= history_mac(subkeys, mailbox, pin)[..].ct_eq(mac);
            }
        }
        found.into()
    }

    /// Seals a queued message's body (which may hold a PIN) under the current key, bound to the
    /// message id.
    pub fn seal_message(&self, message_id: Guid, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let ring = self.inner.keys.current();
        let (id, subkeys) = ring.current();
        seal(&subkeys.outbox, MESSAGE_FORMAT, id, MESSAGE_LABEL, message_id, plaintext)
    }

    /// Opens a body sealed by [`Vault::seal_message`] for the same message id.
    pub fn open_message(&self, message_id: Guid, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let ring = self.ring_for(prefix(sealed, MESSAGE_FORMAT));
        open(&ring, |k| &k.outbox, MESSAGE_FORMAT, MESSAGE_LABEL, message_id, sealed)
            .map(|(_, plaintext)| plaintext)
            .ok_or(CryptoError::MessageUnreadable)
    }

    /// A new verifier of a management account's password, sealed under the current key and bound
    /// to the account.
    pub async fn seal_new_password(&self, account: Guid, password: &SecretString) -> Result<Vec<u8>, CryptoError> {
        let password = password.clone();
        let ring = self.inner.keys.current();
        self.run(move |inner| {
            let verifier = inner.make_verifier(&ring, &password)?;
            let (id, subkeys) = ring.current();
            seal(&subkeys.pin_seal, PIN_FORMAT, id, PASSWORD_LABEL, account, &verifier.encode())
        })
        .await
    }

    /// Whether `password` is the account's. Sealed data that doesn't open is
    /// [`CryptoError::Unreadable`].
    pub async fn verify_password(
        &self,
        account: Guid,
        sealed: &[u8],
        password: &SecretString,
    ) -> Result<bool, CryptoError> {
        let ring = self.ring_for(prefix(sealed, PIN_FORMAT));
        let (_, plaintext) =
            open(&ring, |k| &k.pin_seal, PIN_FORMAT, PASSWORD_LABEL, account, sealed).ok_or(CryptoError::Unreadable)?;
        let verifier = Verifier::decode(&plaintext).ok_or(CryptoError::Unreadable)?;
        let password = password.clone();
        self.run(move |inner| Ok(inner.check(&ring, &verifier, &password)?.is_some())).await
    }

    /// The link of an audit record under the current key: its id and the HMAC of the data
    /// `data_for` makes with that id (the record, which names its key, and the previous link).
    pub fn audit_link(&self, data_for: impl FnOnce(KeyId) -> Vec<u8>) -> (KeyId, [u8; MAC_LEN]) {
        let ring = self.inner.keys.current();
        let (id, subkeys) = ring.current();
        (id, hmac_sha256(&subkeys.audit, &[&data_for(id)]))
    }

    /// Whether `link` is the HMAC of `data` under key `id`, compared in constant time. A key this
    /// server doesn't have makes it `false`.
    pub fn audit_link_holds(&self, id: KeyId, data: &[u8], link: &[u8]) -> bool {
        self.ring_for(Some(id)).subkeys(id).is_some_and(|k| bool::from(hmac_sha256(&k.audit, &[data])[..].ct_eq(link)))
    }

    /// The ring to open data under key `id` with (`None`: data in an unknown format, which opens
    /// with no ring), read again from the key file when a rotation may have added the key.
    fn ring_for(&self, id: Option<KeyId>) -> Arc<KeyRing> {
        match id {
            Some(id) => self.inner.keys.with_key(id),
            None => self.inner.keys.current(),
        }
    }

    /// Runs Argon2 work on the blocking pool once a worker is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner) -> Result<T, CryptoError> + Send + 'static,
    ) -> Result<T, CryptoError> {
        // The permit moves into the blocking task: when the caller stops waiting, the computation
        // keeps its worker until it really ends, so no more than `workers` ever run at once.
        let permit = Arc::clone(&self.inner.pool).acquire_owned().await.map_err(|_| CryptoError::Worker)?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&inner)
        })
        .await
        .map_err(|_| CryptoError::Worker)?
    }
}

impl Inner {
    /// Argon2id of `pin` with a random salt and the Argon2 subkey of the ring's current key.
    fn make_verifier(&self, ring: &KeyRing, pin: &Pin) -> Result<Verifier, CryptoError> {
        let (id, subkeys) = ring.current();
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|_| CryptoError::Randomness)?;
        let phc = self.phc_string(subkeys, pin, &salt)?;
        Ok(Verifier { argon2_key: id, phc })
    }

    /// The PHC string of Argon2id with the current parameters of `pin` and `salt`, as
    /// `PasswordHasher::hash_password_with_salt` writes it.
    fn phc_string(&self, subkeys: &Subkeys, pin: &Pin, salt: &[u8]) -> Result<Zeroizing<String>, CryptoError> {
        let argon2 = argon2_with(subkeys, Algorithm::Argon2id, Version::V0x13, self.argon2_params.clone())?;
        let mut out = Zeroizing::new(vec![0u8; self.argon2_params.output_len().unwrap_or(Output::MAX_LENGTH)]);
        self.argon2_into(&argon2, pin, salt, &mut out)?;
        let hash = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.argon2_params).map_err(argon2_failed)?,
            salt: Some(Salt::new(salt).map_err(argon2_failed)?),
            hash: Some(Output::new(&out).map_err(argon2_failed)?),
        };
        Ok(Zeroizing::new(hash.to_string()))
    }

    /// `Some(whether the verifier used the current parameters)` for the right PIN, `None` for a
    /// wrong one.
    fn check(&self, ring: &KeyRing, verifier: &Verifier, pin: &Pin) -> Result<Option<bool>, CryptoError> {
        let subkeys = ring.subkeys(verifier.argon2_key).ok_or(CryptoError::Unreadable)?;
        let hash = PasswordHash::new(&verifier.phc).map_err(|_| CryptoError::Unreadable)?;
        let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return Err(CryptoError::Unreadable) };
        // Verification takes algorithm, version and parameters from the PHC string.
        let params = argon2::Params::try_from(&hash).map_err(|_| CryptoError::Unreadable)?;
        let algorithm = Algorithm::try_from(hash.algorithm.as_str()).map_err(|_| CryptoError::Unreadable)?;
        let version = hash.version.map(Version::try_from).transpose().map_err(|_| CryptoError::Unreadable)?;
        let argon2 = argon2_with(subkeys, algorithm, version.unwrap_or_default(), params.clone())?;
        let mut out = Zeroizing::new(vec![0u8; expected.len()]);
        self.argon2_into(&argon2, pin, salt, &mut out)?;
        if !bool::from(out.as_slice().ct_eq(expected.as_bytes())) {
            return Ok(None);
        }
        let current_algorithm = algorithm == Algorithm::Argon2id && version == Some(Version::V0x13);
        Ok(Some(self.params.same_as(&params) && current_algorithm))
    }

    /// Argon2 of `pin` and `salt` into `out`, in working memory taken from the free list and put
    /// back after (see # Worker pool).
    fn argon2_into(&self, argon2: &Argon2<'_>, pin: &Pin, salt: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
        let blocks = argon2.params().block_count();
        let free = self.memory.lock().unwrap_or_else(PoisonError::into_inner).pop();
        // A block too small (kept for weaker parameters than these) is dropped for a bigger one.
        let mut memory = free.filter(|m| m.len() >= blocks).unwrap_or_else(|| vec![Block::new(); blocks]);
        let hashed = argon2.hash_password_into_with_memory(pin.expose_secret().as_bytes(), salt, out, &mut memory[..]);
        self.memory.lock().unwrap_or_else(PoisonError::into_inner).push(memory);
        hashed.map_err(|e| CryptoError::Argon2 { reason: e.to_string() })
    }
}

/// A verifier sealed for `mailbox` under the ring's current key.
fn seal_pin(ring: &KeyRing, mailbox: Guid, verifier: &Verifier) -> Result<SealedPin, CryptoError> {
    let (id, subkeys) = ring.current();
    seal(&subkeys.pin_seal, PIN_FORMAT, id, PIN_LABEL, mailbox, &verifier.encode()).map(SealedPin)
}

/// The seal key id and the verifier of sealed PIN data.
fn open_pin(ring: &KeyRing, mailbox: Guid, sealed: &SealedPin) -> Result<(KeyId, Verifier), CryptoError> {
    let (id, plaintext) =
        open(ring, |k| &k.pin_seal, PIN_FORMAT, PIN_LABEL, mailbox, &sealed.0).ok_or(CryptoError::Unreadable)?;
    let verifier = Verifier::decode(&plaintext).ok_or(CryptoError::Unreadable)?;
    Ok((id, verifier))
}

fn argon2_with(
    subkeys: &Subkeys,
    algorithm: Algorithm,
    version: Version,
    params: argon2::Params,
) -> Result<Argon2<'_>, CryptoError> {
    Argon2::new_with_secret(subkeys.argon2.as_slice(), algorithm, version, params)
        .map_err(|e| CryptoError::Argon2 { reason: e.to_string() })
}

fn argon2_failed(e: impl fmt::Display) -> CryptoError {
    CryptoError::Argon2 { reason: e.to_string() }
}

fn history_mac(subkeys: &Subkeys, mailbox: Guid, pin: &Pin) -> [u8; MAC_LEN] {
    // The guid has a fixed length, so mailbox and PIN can't run into each other.
    hmac_sha256(&subkeys.history, &[mailbox.as_bytes(), pin.expose_secret().as_bytes()])
}

/// The key id after the expected format byte.
fn prefix(bytes: &[u8], format: u8) -> Option<KeyId> {
    let (&[found, a, b, c, d], _) = bytes.split_first_chunk::<PREFIX_LEN>()?;
    (found == format).then(|| KeyId(u32::from_be_bytes([a, b, c, d])))
}

fn associated_data(label: &[u8], prefix: &[u8], bound_to: Guid) -> Vec<u8> {
    [label, prefix, bound_to.as_bytes()].concat()
}

/// `format | key id | nonce | ciphertext`, bound to `bound_to` through the associated data.
fn seal(
    key: &Secret,
    format: u8,
    id: KeyId,
    label: &[u8],
    bound_to: Guid,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|_| CryptoError::Randomness)?;
    let mut sealed = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
    sealed.push(format);
    sealed.extend_from_slice(&id.0.to_be_bytes());
    sealed.extend_from_slice(&nonce);
    let aad = associated_data(label, &sealed[..PREFIX_LEN], bound_to);
    let cipher = XChaCha20Poly1305::new(&Key::from(**key));
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: &aad })
        .map_err(|_| CryptoError::TooLarge)?;
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

/// The key id and plaintext of data sealed by [`seal`], or `None` when it doesn't open.
fn open(
    keys: &KeyRing,
    subkey: fn(&Subkeys) -> &Secret,
    format: u8,
    label: &[u8],
    bound_to: Guid,
    sealed: &[u8],
) -> Option<(KeyId, Zeroizing<Vec<u8>>)> {
    let id = prefix(sealed, format)?;
    if sealed.len() < HEADER_LEN + TAG_LEN {
        return None;
    }
    let key = subkey(keys.subkeys(id)?);
    let (header, ciphertext) = sealed.split_at(HEADER_LEN);
    let nonce: [u8; NONCE_LEN] = header[PREFIX_LEN..].try_into().ok()?;
    let aad = associated_data(label, &header[..PREFIX_LEN], bound_to);
    let cipher = XChaCha20Poly1305::new(&Key::from(**key));
    let plaintext = cipher.decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: &aad }).ok()?;
    Some((id, Zeroizing::new(plaintext)))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::{KeyError, generate_pin};

    const PIN: &str = "5643892";

    fn pin(s: &str) -> Pin {
        Pin::from(s)
    }

    fn mailbox() -> Guid {
        Guid::from_u128(0x0a1b_2c3d_4e5f_6071_8293_a4b5_c6d7_e8f9)
    }

    fn other_mailbox() -> Guid {
        Guid::from_u128(0x1111_2222_3333_4444_5555_6666_7777_8888)
    }

    /// A temporary data directory with a new key file.
    struct Keys {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    impl Keys {
        fn new() -> Keys {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("umpin.key");
            KeyRing::create(&path).unwrap();
            Keys { _dir: dir, path }
        }

        fn vault(&self) -> Vault {
            self.vault_with(Argon2Params::FAST_FOR_TESTS)
        }

        fn vault_with(&self, params: Argon2Params) -> Vault {
            Vault::new(KeyRing::load(&self.path).unwrap(), params, 2).unwrap()
        }

        fn rotate(&self) -> KeyId {
            KeyRing::rotate(&self.path).unwrap()
        }
    }

    fn is_upgrade_under(v: &Verification, id: KeyId) -> bool {
        matches!(v, Verification::Right { upgrade: Some(u) } if u.key_id() == Some(id))
    }

    #[tokio::test]
    async fn a_pin_sealed_for_a_mailbox_verifies_right() {
        let vault = Keys::new().vault();
        let sealed = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let result = vault.verify_pin(mailbox(), &sealed, &pin(PIN)).await.unwrap();
        assert_eq!(result, Verification::Right { upgrade: None });
    }

    #[tokio::test]
    async fn a_password_verifies_only_for_its_account_and_never_as_a_pin() {
        let vault = Keys::new().vault();
        let password = SecretString::from("correct horse battery");
        let sealed = vault.seal_new_password(mailbox(), &password).await.unwrap();
        assert!(vault.verify_password(mailbox(), &sealed, &password).await.unwrap());
        assert!(!vault.verify_password(mailbox(), &sealed, &SecretString::from("wrong horse")).await.unwrap());
        let moved = vault.verify_password(other_mailbox(), &sealed, &password).await;
        assert!(matches!(moved, Err(CryptoError::Unreadable)));
        let as_pin = vault.verify_pin(mailbox(), &SealedPin::from_bytes(sealed), &password).await;
        assert!(matches!(as_pin, Err(CryptoError::Unreadable)), "a sealed password can't stand in for PIN data");
    }

    #[test]
    fn an_audit_link_holds_only_for_its_data_and_key() {
        let keys = Keys::new();
        let vault = keys.vault();
        let (id, link) = vault.audit_link(|id| [b"record".as_slice(), &id.0.to_be_bytes()].concat());
        let data = [b"record".as_slice(), &id.0.to_be_bytes()].concat();
        assert!(vault.audit_link_holds(id, &data, &link));
        assert!(!vault.audit_link_holds(id, b"edited", &link));
        assert!(!Keys::new().vault().audit_link_holds(id, &data, &link), "another server key doesn't vouch for it");
        let rotated = keys.rotate();
        let after = keys.vault();
        assert!(after.audit_link_holds(id, &data, &link), "old links still check after a rotation");
        assert_eq!(after.audit_link(|_| data.clone()).0, rotated);
    }

    #[tokio::test]
    async fn a_wrong_pin_verifies_wrong() {
        let vault = Keys::new().vault();
        let sealed = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let result = vault.verify_pin(mailbox(), &sealed, &pin("5643893")).await.unwrap();
        assert_eq!(result, Verification::Wrong);
    }

    #[tokio::test]
    async fn sealing_the_same_pin_twice_gives_different_data() {
        let vault = Keys::new().vault();
        let a = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let b = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn sealed_data_is_unreadable_with_another_key_file() {
        let sealed = Keys::new().vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let stranger = Keys::new().vault();
        let result = stranger.verify_pin(mailbox(), &sealed, &pin(PIN)).await;
        assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
    }

    #[tokio::test]
    async fn sealed_data_under_a_key_id_the_ring_lacks_is_unreadable() {
        let keys = Keys::new();
        keys.rotate();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let result = Keys::new().vault().verify_pin(mailbox(), &sealed, &pin(PIN)).await;
        assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
    }

    #[tokio::test]
    async fn sealed_data_copied_to_another_mailbox_is_unreadable() {
        let vault = Keys::new().vault();
        let sealed = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let result = vault.verify_pin(other_mailbox(), &sealed, &pin(PIN)).await;
        assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
    }

    #[tokio::test]
    async fn altered_sealed_data_is_unreadable() {
        let vault = Keys::new().vault();
        let sealed = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap().into_bytes();
        for position in [0, 3, HEADER_LEN + 2, sealed.len() - 1] {
            let mut altered = sealed.clone();
            altered[position] ^= 1;
            let result = vault.verify_pin(mailbox(), &SealedPin::from_bytes(altered), &pin(PIN)).await;
            assert!(matches!(result, Err(CryptoError::Unreadable)), "byte {position}: {result:?}");
        }
    }

    #[tokio::test]
    async fn truncated_or_empty_sealed_data_is_unreadable() {
        let vault = Keys::new().vault();
        let sealed = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap().into_bytes();
        for bytes in [Vec::new(), sealed[..HEADER_LEN].to_vec(), sealed[..sealed.len() - 1].to_vec()] {
            let result = vault.verify_pin(mailbox(), &SealedPin::from_bytes(bytes), &pin(PIN)).await;
            assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
        }
    }

    #[tokio::test]
    async fn after_rotation_an_old_verifier_still_verifies_and_is_upgraded_to_the_new_key() {
        let keys = Keys::new();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let new_id = keys.rotate();
        let result = keys.vault().verify_pin(mailbox(), &sealed, &pin(PIN)).await.unwrap();
        assert!(is_upgrade_under(&result, new_id), "{result:?}");
    }

    #[tokio::test]
    async fn an_upgraded_verifier_verifies_without_further_upgrade() {
        let keys = Keys::new();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        keys.rotate();
        let vault = keys.vault();
        let Verification::Right { upgrade: Some(upgraded) } =
            vault.verify_pin(mailbox(), &sealed, &pin(PIN)).await.unwrap()
        else {
            panic!("expected an upgrade");
        };
        let result = vault.verify_pin(mailbox(), &upgraded, &pin(PIN)).await.unwrap();
        assert_eq!(result, Verification::Right { upgrade: None });
    }

    #[tokio::test]
    async fn after_rotation_a_wrong_pin_is_still_wrong() {
        let keys = Keys::new();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        keys.rotate();
        let result = keys.vault().verify_pin(mailbox(), &sealed, &pin("1357924")).await.unwrap();
        assert_eq!(result, Verification::Wrong);
    }

    #[tokio::test]
    async fn reseal_moves_the_sealing_to_the_new_key() {
        let keys = Keys::new();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let new_id = keys.rotate();
        let resealed = keys.vault().reseal(mailbox(), &sealed).unwrap().unwrap();
        assert_eq!(sealed.key_id(), Some(KeyId(1)));
        assert_eq!(resealed.key_id(), Some(new_id));
    }

    #[tokio::test]
    async fn resealed_data_still_verifies_and_renews_its_old_argon2_secret_at_sign_in() {
        let keys = Keys::new();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let new_id = keys.rotate();
        let vault = keys.vault();
        let resealed = vault.reseal(mailbox(), &sealed).unwrap().unwrap();
        let result = vault.verify_pin(mailbox(), &resealed, &pin(PIN)).await.unwrap();
        assert!(is_upgrade_under(&result, new_id), "{result:?}");
        assert_eq!(vault.verify_pin(mailbox(), &resealed, &pin("1357924")).await.unwrap(), Verification::Wrong);
    }

    #[tokio::test]
    async fn reseal_of_data_under_the_current_key_is_none() {
        let vault = Keys::new().vault();
        let sealed = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        assert_eq!(vault.reseal(mailbox(), &sealed).unwrap(), None);
    }

    #[tokio::test]
    async fn reseal_refuses_data_of_another_mailbox() {
        let keys = Keys::new();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        keys.rotate();
        assert!(matches!(keys.vault().reseal(other_mailbox(), &sealed), Err(CryptoError::Unreadable)));
    }

    #[tokio::test]
    async fn raising_the_argon2_parameters_upgrades_a_verifier_at_the_next_right_pin() {
        let keys = Keys::new();
        let weak = keys.vault_with(Argon2Params::FAST_FOR_TESTS);
        let sealed = weak.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let raised = Argon2Params { memory_kib: 16, iterations: 2, ..Argon2Params::FAST_FOR_TESTS };
        let stronger = keys.vault_with(raised);
        let Verification::Right { upgrade: Some(upgraded) } =
            stronger.verify_pin(mailbox(), &sealed, &pin(PIN)).await.unwrap()
        else {
            panic!("expected an upgrade");
        };
        let again = stronger.verify_pin(mailbox(), &upgraded, &pin(PIN)).await.unwrap();
        assert_eq!(again, Verification::Right { upgrade: None });
    }

    #[tokio::test]
    async fn a_wrong_pin_never_upgrades_a_verifier_with_old_parameters() {
        let keys = Keys::new();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let raised = Argon2Params { memory_kib: 16, ..Argon2Params::FAST_FOR_TESTS };
        let result = keys.vault_with(raised).verify_pin(mailbox(), &sealed, &pin("1357924")).await.unwrap();
        assert_eq!(result, Verification::Wrong);
    }

    #[test]
    fn a_vault_refuses_argon2_parameters_weaker_than_owasp() {
        let keys = Keys::new();
        let weak = Argon2Params::new(1024, 1, 1);
        let result = Vault::new(KeyRing::load(&keys.path).unwrap(), weak, 1);
        assert!(matches!(result, Err(CryptoError::WeakArgon2 { .. })));
    }

    /// The same sealed bytes, claiming to be sealed under key `id`.
    fn under_key_id(sealed: &SealedPin, id: u32) -> SealedPin {
        let mut bytes = sealed.as_bytes().to_vec();
        bytes[1..PREFIX_LEN].copy_from_slice(&id.to_be_bytes());
        SealedPin::from_bytes(bytes)
    }

    #[tokio::test]
    async fn a_vault_loaded_before_a_rotation_opens_a_pin_sealed_after_it_by_another_vault() {
        let keys = Keys::new();
        let running = keys.vault();
        let new_id = keys.rotate();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        assert_eq!(sealed.key_id(), Some(new_id));
        let result = running.verify_pin(mailbox(), &sealed, &pin(PIN)).await.unwrap();
        assert_eq!(result, Verification::Right { upgrade: None });
        assert_eq!(running.verify_pin(mailbox(), &sealed, &pin("1357924")).await.unwrap(), Verification::Wrong);
    }

    #[tokio::test]
    async fn a_vault_that_met_a_rotated_key_seals_new_data_under_it() {
        let keys = Keys::new();
        let running = keys.vault();
        let new_id = keys.rotate();
        let sealed = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        running.verify_pin(mailbox(), &sealed, &pin(PIN)).await.unwrap();
        assert_eq!(running.key_ring().current_id(), new_id);
        assert_eq!(running.seal_new_pin(other_mailbox(), &pin(PIN)).await.unwrap().key_id(), Some(new_id));
    }

    #[tokio::test]
    async fn passwords_messages_history_and_audit_links_made_after_a_rotation_open_in_a_vault_loaded_before_it() {
        let keys = Keys::new();
        // One running vault per kind of data, so that each kind has to find the new key itself.
        let running: Vec<Vault> = (0..4).map(|_| keys.vault()).collect();
        keys.rotate();
        let rotated = keys.vault();
        let password = SecretString::from("correct horse battery");
        let sealed_password = rotated.seal_new_password(mailbox(), &password).await.unwrap();
        assert!(running[0].verify_password(mailbox(), &sealed_password, &password).await.unwrap());
        let message = rotated.seal_message(Guid::from_u128(42), b"hello").unwrap();
        assert_eq!(running[1].open_message(Guid::from_u128(42), &message).unwrap().as_slice(), b"hello");
        let entry = rotated.history_entry(mailbox(), &pin(PIN));
        assert!(running[2].in_history(mailbox(), &pin(PIN), &[entry]), "a PIN in the history stays refused");
        let (id, link) = rotated.audit_link(|_| b"record".to_vec());
        assert!(running[3].audit_link_holds(id, b"record", &link));
    }

    #[tokio::test]
    async fn a_vault_does_not_read_an_unchanged_key_file_again_for_data_under_a_key_it_lacks() {
        let keys = Keys::new();
        let running = keys.vault();
        let before = running.key_ring();
        let sealed = running.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        for _ in 0..3 {
            let result = running.verify_pin(mailbox(), &under_key_id(&sealed, 2), &pin(PIN)).await;
            assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
        }
        assert!(Arc::ptr_eq(&before, &running.key_ring()), "the key file was read again");
    }

    #[tokio::test]
    async fn a_changed_key_file_is_read_once_for_an_unknown_key_and_not_again_until_it_changes() {
        let keys = Keys::new();
        let running = keys.vault();
        let sealed = running.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        keys.rotate();
        let unknown = under_key_id(&sealed, 9);
        let result = running.verify_pin(mailbox(), &unknown, &pin(PIN)).await;
        assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
        let read_once = running.key_ring();
        assert_eq!(read_once.ids(), vec![KeyId(1), KeyId(2)], "the rotated file was read");
        let result = running.verify_pin(mailbox(), &unknown, &pin(PIN)).await;
        assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
        assert!(Arc::ptr_eq(&read_once, &running.key_ring()), "the unchanged file was read again");
    }

    #[tokio::test]
    async fn data_claiming_a_key_it_was_not_sealed_under_is_refused_after_reading_the_key_file_again() {
        let keys = Keys::new();
        let running = keys.vault();
        let sealed = running.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        keys.rotate();
        for id in [2, 3, u32::MAX] {
            let result = running.verify_pin(mailbox(), &under_key_id(&sealed, id), &pin(PIN)).await;
            assert!(matches!(result, Err(CryptoError::Unreadable)), "key {id}: {result:?}");
        }
        assert_eq!(running.key_ring().ids(), vec![KeyId(1), KeyId(2)]);
    }

    #[tokio::test]
    async fn a_rotated_key_file_readable_by_others_is_refused_and_the_vault_keeps_its_keys() {
        let keys = Keys::new();
        let running = keys.vault();
        let old = running.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        keys.rotate();
        let new = keys.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let chmod = |mode| std::fs::set_permissions(&keys.path, std::os::unix::fs::PermissionsExt::from_mode(mode));
        chmod(0o644).unwrap();
        let result = running.verify_pin(mailbox(), &new, &pin(PIN)).await;
        assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
        assert!(matches!(running.reload_keys(), Err(KeyError::Permissions { .. })));
        assert_eq!(running.key_ring().ids(), vec![KeyId(1)]);
        assert!(matches!(running.verify_pin(mailbox(), &old, &pin(PIN)).await, Ok(Verification::Right { .. })));
        // Once the file is private again, the next data under the new key finds it.
        chmod(0o600).unwrap();
        assert!(matches!(running.verify_pin(mailbox(), &new, &pin(PIN)).await, Ok(Verification::Right { .. })));
    }

    #[tokio::test]
    async fn reloading_the_keys_makes_the_rotated_key_current_for_new_data() {
        let keys = Keys::new();
        let running = keys.vault();
        let new_id = keys.rotate();
        let ring = running.reload_keys().unwrap();
        assert_eq!((ring.current_id(), ring.ids()), (new_id, vec![KeyId(1), new_id]));
        assert_eq!(running.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap().key_id(), Some(new_id));
        assert_eq!(running.seal_message(Guid::from_u128(42), b"hello").unwrap()[1..PREFIX_LEN], new_id.0.to_be_bytes());
    }

    #[tokio::test]
    async fn reloading_a_key_file_replaced_by_another_keeps_the_vaults_keys() {
        let keys = Keys::new();
        let running = keys.vault();
        let sealed = running.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let other = Keys::new();
        other.rotate();
        std::fs::copy(&other.path, &keys.path).unwrap();
        assert!(matches!(running.reload_keys(), Err(KeyError::KeyLost { id: KeyId(1), .. })));
        let from_other = other.vault().seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let result = running.verify_pin(mailbox(), &from_other, &pin(PIN)).await;
        assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
        assert!(matches!(running.verify_pin(mailbox(), &sealed, &pin(PIN)).await, Ok(Verification::Right { .. })));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_sign_ins_meeting_a_rotated_key_at_once_all_open_it() {
        let keys = Keys::new();
        let running = keys.vault();
        keys.rotate();
        let rotated = keys.vault();
        let mut tasks = Vec::new();
        for i in 0..16u128 {
            let sealed = rotated.seal_new_pin(Guid::from_u128(i), &pin(PIN)).await.unwrap();
            let running = running.clone();
            tasks.push(tokio::spawn(async move { running.verify_pin(Guid::from_u128(i), &sealed, &pin(PIN)).await }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), Verification::Right { upgrade: None });
        }
    }

    /// The verifier computed in reused memory is the PHC string the argon2 crate itself writes
    /// for the same salt, and the check agrees with the crate's own verification.
    #[test]
    fn a_verifier_is_argon2s_own_phc_string_and_checks_as_argon2_verifies() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let vault = Keys::new().vault_with(Argon2Params::new(19_456, 2, 1));
        let ring = vault.key_ring();
        let (_, subkeys) = ring.current();
        let salt = [7u8; SALT_LEN];
        let ours = vault.inner.phc_string(subkeys, &pin(PIN), &salt).unwrap();
        let argon2 =
            argon2_with(subkeys, Algorithm::Argon2id, Version::V0x13, vault.inner.argon2_params.clone()).unwrap();
        let theirs = argon2.hash_password_with_salt(PIN.as_bytes(), &salt).unwrap();
        assert_eq!(ours.as_str(), theirs.to_string());
        let verifier = Verifier { argon2_key: ring.current_id(), phc: ours };
        for (typed, right) in [(PIN, true), ("5643893", false), ("", false)] {
            assert_eq!(argon2.verify_password(typed.as_bytes(), &theirs).is_ok(), right, "{typed}");
            let checked = vault.inner.check(&ring, &verifier, &pin(typed)).unwrap();
            assert_eq!(checked, right.then_some(true), "{typed}");
        }
    }

    /// However many verifications run, the vault keeps no more Argon2 memory than one block per
    /// worker (two here), and keeps it for the next ones.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn argon2_memory_is_reused_and_never_more_than_one_block_per_worker() {
        let vault = Keys::new().vault();
        let sealed = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..24 {
            let (vault, sealed) = (vault.clone(), sealed.clone());
            let typed = if i % 2 == 0 { PIN } else { "5643893" };
            tasks.push(tokio::spawn(async move { vault.verify_pin(mailbox(), &sealed, &pin(typed)).await }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let kept = vault.inner.memory.lock().unwrap().len();
        assert!((1..=2).contains(&kept), "{kept} blocks kept for 2 workers");
    }

    #[tokio::test]
    async fn a_decoy_verification_completes() {
        Keys::new().vault().verify_decoy(&pin(PIN)).await.unwrap();
    }

    #[test]
    fn a_pins_history_entry_is_found() {
        let vault = Keys::new().vault();
        let entries = [vault.history_entry(mailbox(), &pin("4718263")), vault.history_entry(mailbox(), &pin(PIN))];
        assert!(vault.in_history(mailbox(), &pin(PIN), &entries));
    }

    #[test]
    fn another_pin_is_not_in_the_history() {
        let vault = Keys::new().vault();
        let entries = [vault.history_entry(mailbox(), &pin(PIN))];
        assert!(!vault.in_history(mailbox(), &pin("5643893"), &entries));
    }

    #[test]
    fn a_history_entry_of_another_mailbox_does_not_match() {
        let vault = Keys::new().vault();
        let entries = [vault.history_entry(other_mailbox(), &pin(PIN))];
        assert!(!vault.in_history(mailbox(), &pin(PIN), &entries));
    }

    #[test]
    fn a_history_entry_made_under_an_old_key_is_still_found_after_rotation() {
        let keys = Keys::new();
        let entry = keys.vault().history_entry(mailbox(), &pin(PIN));
        keys.rotate();
        let vault = keys.vault();
        assert!(vault.in_history(mailbox(), &pin(PIN), &[entry]));
        assert_eq!(vault.history_entry(mailbox(), &pin(PIN)).parts().map(|(id, _)| id), Some(KeyId(2)));
    }

    #[test]
    fn a_history_entry_of_another_key_file_matches_nothing() {
        let entry = Keys::new().vault().history_entry(mailbox(), &pin(PIN));
        assert!(!Keys::new().vault().in_history(mailbox(), &pin(PIN), &[entry]));
    }

    #[test]
    fn a_history_entry_survives_storage_as_bytes() {
        let vault = Keys::new().vault();
        let stored = vault.history_entry(mailbox(), &pin(PIN)).into_bytes();
        assert!(vault.in_history(mailbox(), &pin(PIN), &[HistoryEntry::from_bytes(stored)]));
    }

    #[test]
    fn a_malformed_history_entry_matches_nothing() {
        let vault = Keys::new().vault();
        let mut bytes = vault.history_entry(mailbox(), &pin(PIN)).into_bytes();
        bytes.pop();
        assert!(!vault.in_history(
            mailbox(),
            &pin(PIN),
            &[HistoryEntry::from_bytes(bytes), HistoryEntry::from_bytes(vec![])]
        ));
    }

    #[test]
    fn an_outbox_message_opens_for_its_message_id() {
        let vault = Keys::new().vault();
        let id = Guid::from_u128(42);
        let sealed = vault.seal_message(id, b"Your new PIN is 5643892.").unwrap();
        assert_eq!(vault.open_message(id, &sealed).unwrap().as_slice(), b"Your new PIN is 5643892.");
    }

    #[test]
    fn an_outbox_message_does_not_show_its_text() {
        let vault = Keys::new().vault();
        let sealed = vault.seal_message(Guid::from_u128(42), b"Your new PIN is 5643892.").unwrap();
        assert!(!sealed.windows(PIN.len()).any(|w| w == PIN.as_bytes()));
    }

    #[test]
    fn an_outbox_message_under_another_message_id_is_refused() {
        let vault = Keys::new().vault();
        let sealed = vault.seal_message(Guid::from_u128(42), b"Your new PIN is 5643892.").unwrap();
        let result = vault.open_message(Guid::from_u128(43), &sealed);
        assert!(matches!(result, Err(CryptoError::MessageUnreadable)));
    }

    #[test]
    fn an_outbox_message_sealed_before_a_rotation_still_opens() {
        let keys = Keys::new();
        let id = Guid::from_u128(42);
        let sealed = keys.vault().seal_message(id, b"hello").unwrap();
        keys.rotate();
        assert_eq!(keys.vault().open_message(id, &sealed).unwrap().as_slice(), b"hello");
    }

    #[tokio::test]
    async fn an_outbox_message_is_not_sealed_pin_data() {
        let vault = Keys::new().vault();
        let message = SealedPin::from_bytes(vault.seal_message(mailbox(), PIN.as_bytes()).unwrap());
        let result = vault.verify_pin(mailbox(), &message, &pin(PIN)).await;
        assert!(matches!(result, Err(CryptoError::Unreadable)), "{result:?}");
    }

    /// The key file's secrets in hex, and the subkeys derived from them.
    fn secrets_in_hex(path: &Path) -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        let mut secrets: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("key "))
            .map(|l| l.split(' ').nth(1).unwrap().to_owned())
            .collect();
        let ring = KeyRing::load(path).unwrap();
        for id in ring.ids() {
            let k = ring.subkeys(id).unwrap();
            for subkey in [&k.argon2, &k.pin_seal, &k.history, &k.outbox] {
                secrets.push(hex::encode(subkey.as_slice()));
            }
        }
        secrets
    }

    #[tokio::test]
    async fn no_debug_output_or_error_message_contains_the_pin_or_key_material() {
        let keys = Keys::new();
        keys.rotate();
        let vault = keys.vault();
        let sealed = vault.seal_new_pin(mailbox(), &pin(PIN)).await.unwrap();
        let verification = vault.verify_pin(mailbox(), &sealed, &pin(PIN)).await.unwrap();
        let entry = vault.history_entry(mailbox(), &pin(PIN));
        let unreadable = vault.verify_pin(other_mailbox(), &sealed, &pin(PIN)).await.unwrap_err();
        let message_unreadable = vault.open_message(Guid::from_u128(1), sealed.as_bytes()).unwrap_err();
        let weak = Argon2Params::new(1024, 1, 1).validate().unwrap_err();
        let extensions: Vec<String> = (0..10).map(|d| d.to_string()).collect();
        let no_pin = generate_pin(&umpin_domain::PinPolicy::default(), &extensions, |_| false).unwrap_err();
        std::fs::set_permissions(&keys.path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
        let permissions = KeyRing::load(&keys.path).unwrap_err();
        std::fs::set_permissions(&keys.path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();

        let errors: [&dyn std::error::Error; 5] = [&unreadable, &message_unreadable, &weak, &no_pin, &permissions];
        let mut shown = vec![
            format!("{vault:?}"),
            format!("{:?}", vault.key_ring()),
            format!("{sealed:?}"),
            format!("{verification:?}"),
            format!("{entry:?}"),
            format!("{:?}", pin(PIN)),
        ];
        for e in errors {
            shown.push(e.to_string());
            shown.push(format!("{e:?}"));
        }
        assert!(matches!(permissions, KeyError::Permissions { .. }));
        let secrets = secrets_in_hex(&keys.path);
        assert_eq!(secrets.len(), 10);
        for text in &shown {
            assert!(!text.contains(PIN), "{text}");
            for secret in &secrets {
                assert!(!text.to_lowercase().contains(&secret[..16]), "{text}");
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_one_worker_many_concurrent_argon2_computations_all_complete() {
        let keys = Keys::new();
        let vault = Vault::new(KeyRing::load(&keys.path).unwrap(), Argon2Params::FAST_FOR_TESTS, 1).unwrap();
        let tasks: Vec<_> = (0..8u128)
            .map(|i| {
                let vault = vault.clone();
                tokio::spawn(async move {
                    let mailbox = Guid::from_u128(i);
                    let sealed = vault.seal_new_pin(mailbox, &pin(PIN)).await?;
                    vault.verify_pin(mailbox, &sealed, &pin(PIN)).await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), Verification::Right { upgrade: None });
        }
        assert_eq!(vault.inner.pool.available_permits(), 1);
    }

    #[test]
    fn zero_workers_means_one() {
        let keys = Keys::new();
        let vault = Vault::new(KeyRing::load(&keys.path).unwrap(), Argon2Params::FAST_FOR_TESTS, 0).unwrap();
        assert_eq!(vault.inner.pool.available_permits(), 1);
    }
}
