//! The server key ring: the 32-byte server secrets that key every PIN verifier, seal and HMAC, kept
//! in a key file outside the database (SPEC §5), so that a stolen database alone can't be used to
//! test PIN guesses offline.
//!
//! Every secret has a numeric [`KeyId`], and one of them is current: new data uses the current key,
//! and the id stored with each piece of data says which key opens it. Rotation adds a key and makes
//! it current; the old keys stay, because existing verifiers need them until they are re-sealed
//! (lazily at sign-in, or by `umpin keys rotate`).
//!
//! A master secret is never used directly. Each algorithm gets its own subkey,
//! HMAC-SHA256(master, label), so that one secret never serves two algorithms.
//!
//! # The key file
//!
//! A text file with mode 0600 (anything readable or writable by group or others is refused):
//!
//! ```text
//! # comment lines start with '#'; blank lines are ignored
//! umpin-keys 1
//! current 2
//! key 1 <64 hexadecimal digits>
//! key 2 <64 hexadecimal digits>
//! ```
//!
//! `umpin-keys 1` names the format and its version and comes first; `current` names the key that
//! seals new data; each `key` line holds one id (1 or more) and its secret. The file is created
//! without ever replacing an existing one, and rewritten (on rotation) atomically: a temporary file
//! with mode 0600 in the same directory, synced, then renamed over the old one.
//!
//! Unix only: the permission check is what keeps the secret from other local users.
//!
//! # Reading the file again
//!
//! A ring remembers its file and which version of it it was read from (its inode, size, mode and
//! times). A running server reads the file again ([`KeyRing::reload`]) when it meets data
//! under a key it doesn't have, or on SIGHUP, so that a rotation by another process needs no
//! restart. The new ring must hold every key of the old one, unchanged: a server never forgets a
//! key it has been using because the file was replaced by another one or an old backup.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The length of every server secret and subkey, in bytes.
const KEY_LEN: usize = 32;

/// The first line of every key file: the format and its version.
const HEADER: &str = "umpin-keys 1";

const COMMENT: &str = "# umpin server keys. Keep this file secret (mode 0600) and backed up: \
                       without it no PIN can be verified.\n";

/// The labels of the subkeys. Changing one makes every existing verifier unreadable.
const LABEL_ARGON2: &[u8] = b"umpin argon2 secret";
const LABEL_PIN_SEAL: &[u8] = b"umpin pin seal";
const LABEL_HISTORY: &[u8] = b"umpin pin history";
const LABEL_OUTBOX: &[u8] = b"umpin outbox seal";
const LABEL_AUDIT: &[u8] = b"umpin audit chain";

/// The id of a server secret, stored with every piece of data made with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub u32);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A 32-byte secret, wiped from memory when dropped.
pub(crate) type Secret = Zeroizing<[u8; KEY_LEN]>;

/// The subkeys of one server secret, one per algorithm.
pub(crate) struct Subkeys {
    /// Argon2id's secret input (the "pepper") for PIN verifiers.
    pub(crate) argon2: Secret,
    /// XChaCha20-Poly1305 key for sealed PIN data.
    pub(crate) pin_seal: Secret,
    /// HMAC-SHA256 key for PIN history entries.
    pub(crate) history: Secret,
    /// XChaCha20-Poly1305 key for queued messages.
    pub(crate) outbox: Secret,
    /// HMAC-SHA256 key for the links of the admin audit log.
    pub(crate) audit: Secret,
}

struct Key {
    /// Kept only to write the key file again on rotation.
    master: Secret,
    subkeys: Subkeys,
}

impl Key {
    fn new(master: Secret) -> Key {
        let derive = |label: &[u8]| Zeroizing::new(hmac_sha256(&master, &[label]));
        let subkeys = Subkeys {
            argon2: derive(LABEL_ARGON2),
            pin_seal: derive(LABEL_PIN_SEAL),
            history: derive(LABEL_HISTORY),
            outbox: derive(LABEL_OUTBOX),
            audit: derive(LABEL_AUDIT),
        };
        Key { master, subkeys }
    }

    fn random() -> Result<Key, KeyError> {
        let mut master = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(master.as_mut_slice()).map_err(|_| KeyError::Randomness)?;
        Ok(Key::new(master))
    }
}

/// The server secrets, one of them current, and the key file they were read from. Secrets are
/// wiped from memory when the ring is dropped; `Debug` shows only the ids.
pub struct KeyRing {
    current: (KeyId, Key),
    older: BTreeMap<KeyId, Key>,
    path: PathBuf,
    stamp: FileStamp,
}

/// Which version of the key file a ring was read from. Rotation renames a new file over the old
/// one, so a rotated file always has another inode, whatever the resolution of its times; the
/// size, mode and the modification and change times catch a file edited in place or `chmod`ed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileStamp {
    device: u64,
    inode: u64,
    mode: u32,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl FileStamp {
    fn of(metadata: &fs::Metadata) -> FileStamp {
        FileStamp {
            device: metadata.dev(),
            inode: metadata.ino(),
            mode: metadata.mode(),
            size: metadata.size(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }

    /// The stamp of the file at `path` now; `None` when it can't be inspected (it is gone).
    pub(crate) fn of_path(path: &Path) -> Option<FileStamp> {
        fs::metadata(path).ok().map(|m| FileStamp::of(&m))
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing").field("current", &self.current_id()).field("ids", &self.ids()).finish()
    }
}

/// Why a key file couldn't be created, read or rotated.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "The key file {} doesn't exist. Run `umpin init` to create it, or set key_file in the \
         configuration to the existing one.",
        .path.display()
    )]
    NotFound { path: PathBuf },

    #[error(
        "The key file {} already exists, and umpin never overwrites a key (the PIN data sealed under it \
         would become unreadable). Use the existing file.",
        .path.display()
    )]
    Exists { path: PathBuf },

    #[error(
        "The key file {} can be read or written by other users (mode {mode:03o}); run `chmod 600 {}` \
         so that only its owner can use it, then try again.",
        .path.display(),
        .path.display()
    )]
    Permissions { path: PathBuf, mode: u32 },

    #[error("The key file {} is not a valid umpin key file ({problem}). Restore it from your backup.", .path.display())]
    Malformed { path: PathBuf, problem: String },

    #[error("Couldn't {action} the key file {}: {error}.", .path.display())]
    Io { path: PathBuf, action: &'static str, error: io::Error },

    #[error(
        "The operating system's random number generator failed, so no key was made. Nothing was \
         changed; check the server's operating system."
    )]
    Randomness,

    #[error("The key file {} already holds the highest possible key id; no key can be added.", .path.display())]
    IdsExhausted { path: PathBuf },

    #[error(
        "The key file {} no longer holds key {id} as this server read it before: the key was removed \
         or the file replaced by another one. The server goes on with the keys it has; restore the \
         key file from your backup (`umpin keys rotate` only ever adds keys).",
        .path.display()
    )]
    KeyLost { path: PathBuf, id: KeyId },
}

impl KeyRing {
    /// Creates a key file at `path` with mode 0600, holding one new random key with id 1.
    /// Never replaces an existing file ([`KeyError::Exists`]).
    pub fn create(path: &Path) -> Result<KeyRing, KeyError> {
        let key = Key::random()?;
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                KeyError::Exists { path: path.to_path_buf() }
            } else {
                io_error(path, "create", e)
            }
        })?;
        let written = file
            .write_all(file_text(&[(KeyId(1), &key)], KeyId(1)).as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| file.metadata());
        let metadata = match written {
            Ok(metadata) => metadata,
            Err(e) => {
                // A half-written key file would only be refused later as malformed.
                let _ = fs::remove_file(path);
                return Err(io_error(path, "write", e));
            }
        };
        sync_directory_of(path);
        Ok(KeyRing {
            current: (KeyId(1), key),
            older: BTreeMap::new(),
            path: path.to_path_buf(),
            stamp: FileStamp::of(&metadata),
        })
    }

    /// Reads the key file at `path`. Refuses a file that group or others may read or write, and a
    /// malformed one; neither message shows any key material.
    pub fn load(path: &Path) -> Result<KeyRing, KeyError> {
        let mut file = File::open(path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                KeyError::NotFound { path: path.to_path_buf() }
            } else {
                io_error(path, "open", e)
            }
        })?;
        // The mode of the opened file, not of the path: nothing can swap the file in between.
        let metadata = file.metadata().map_err(|e| io_error(path, "inspect", e))?;
        if !metadata.is_file() {
            return Err(malformed(path, "it is not a regular file".to_owned()));
        }
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Permissions { path: path.to_path_buf(), mode });
        }
        // Sized up front so that reading never reallocates and leaves unwiped copies behind.
        let size = usize::try_from(metadata.len()).unwrap_or(0);
        let mut bytes = Zeroizing::new(Vec::with_capacity(size.saturating_add(1)));
        file.read_to_end(&mut bytes).map_err(|e| io_error(path, "read", e))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| malformed(path, "it is not a text file".to_owned()))?;
        parse(path, text, FileStamp::of(&metadata))
    }

    /// Reads this ring's key file again, as [`KeyRing::load`] does (a file others may read is
    /// refused). Refuses a file that lacks a key of this ring or holds another secret under its id
    /// ([`KeyError::KeyLost`]), since data sealed under that key would become unreadable.
    pub fn reload(&self) -> Result<KeyRing, KeyError> {
        let ring = KeyRing::load(&self.path)?;
        for id in self.ids() {
            let kept = match (self.master(id), ring.master(id)) {
                (Some(old), Some(new)) => bool::from(old.ct_eq(new)),
                _ => false,
            };
            if !kept {
                return Err(KeyError::KeyLost { path: self.path.clone(), id });
            }
        }
        Ok(ring)
    }

    /// Reads the key file at `path`, or creates it when there is none. Returns whether it was
    /// created. An existing file is never replaced, so running `umpin init` again is harmless.
    pub fn load_or_create(path: &Path) -> Result<(KeyRing, bool), KeyError> {
        match KeyRing::load(path) {
            Ok(ring) => Ok((ring, false)),
            Err(KeyError::NotFound { .. }) => match KeyRing::create(path) {
                Ok(ring) => Ok((ring, true)),
                // Another process created it in between: use that one.
                Err(KeyError::Exists { .. }) => Ok((KeyRing::load(path)?, false)),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// Adds a new random key to the key file at `path` with the next id and makes it current;
    /// the file is replaced atomically. The old keys stay, since existing data still needs them.
    /// Returns the new key's id.
    ///
    /// Running servers need no restart: a [`Vault`](crate::Vault) reads the file again when
    /// it meets data under a key id above all it knows (the new key then seals its new data too),
    /// and `umpin serve` reads it again on SIGHUP, so that every node seals with the new key at
    /// once. Until then a server goes on sealing under the key that was current, which stays in
    /// the file; its data moves to the new key lazily at sign-in or by the next rotation.
    pub fn rotate(path: &Path) -> Result<KeyId, KeyError> {
        let ring = KeyRing::load(path)?;
        let id = ring
            .highest_id()
            .0
            .checked_add(1)
            .map(KeyId)
            .ok_or_else(|| KeyError::IdsExhausted { path: path.to_path_buf() })?;
        let new = Key::random()?;
        let mut keys = ring.keys();
        keys.push((id, &new));
        write_atomically(path, &file_text(&keys, id))?;
        Ok(id)
    }

    /// The id of the key that seals and keys all new data.
    pub fn current_id(&self) -> KeyId {
        self.current.0
    }

    /// The ids of every key in the ring, in ascending order.
    pub fn ids(&self) -> Vec<KeyId> {
        self.keys().into_iter().map(|(id, _)| id).collect()
    }

    /// The highest id in the ring. Rotation gives each new key the next id after it, so a higher
    /// id on some data means the key file was rotated since the ring was read.
    pub(crate) fn highest_id(&self) -> KeyId {
        let older = self.older.last_key_value().map(|(id, _)| *id);
        older.map_or(self.current.0, |id| id.max(self.current.0))
    }

    /// The key file the ring was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Which version of the key file the ring was read from.
    pub(crate) fn stamp(&self) -> FileStamp {
        self.stamp
    }

    /// The current key's id and subkeys.
    pub(crate) fn current(&self) -> (KeyId, &Subkeys) {
        (self.current.0, &self.current.1.subkeys)
    }

    /// The subkeys of key `id`, if the ring has it.
    pub(crate) fn subkeys(&self, id: KeyId) -> Option<&Subkeys> {
        self.key(id).map(|k| &k.subkeys)
    }

    fn key(&self, id: KeyId) -> Option<&Key> {
        if id == self.current.0 { Some(&self.current.1) } else { self.older.get(&id) }
    }

    fn master(&self, id: KeyId) -> Option<&[u8]> {
        self.key(id).map(|k| k.master.as_slice())
    }

    /// Every key with its id, in ascending order of id.
    fn keys(&self) -> Vec<(KeyId, &Key)> {
        let mut keys: Vec<(KeyId, &Key)> = self.older.iter().map(|(id, key)| (*id, key)).collect();
        keys.push((self.current.0, &self.current.1));
        keys.sort_unstable_by_key(|(id, _)| *id);
        keys
    }
}

/// The text of a key file holding `keys` (in ascending order of id), `current` the current one.
fn file_text(keys: &[(KeyId, &Key)], current: KeyId) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::with_capacity(COMMENT.len() + 64 + 80 * keys.len()));
    text.push_str(COMMENT);
    text.push_str(HEADER);
    text.push('\n');
    // Writing to a String can't fail.
    let _ = writeln!(text, "current {current}");
    for (id, key) in keys {
        let _ = write!(text, "key {id} ");
        for byte in key.master.iter() {
            let _ = write!(text, "{byte:02x}");
        }
        text.push('\n');
    }
    text
}

/// HMAC-SHA256 of the concatenated `parts` under a 32-byte key.
pub(crate) fn hmac_sha256(key: &[u8; KEY_LEN], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC pads a key shorter than SHA-256's 64-byte block with zeros (RFC 2104), so the padded key
    // gives the very same MAC and spares the fallible `new_from_slice`.
    let mut block = Zeroizing::new([0u8; 64]);
    block[..KEY_LEN].copy_from_slice(key);
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&(*block).into());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The ring in the text of the key file at `path`, read in the version `stamp`.
fn parse(path: &Path, text: &str, stamp: FileStamp) -> Result<KeyRing, KeyError> {
    let mut seen_header = false;
    let mut current: Option<KeyId> = None;
    let mut keys: BTreeMap<KeyId, Key> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |problem: &str| malformed(path, format!("line {}: {problem}", index + 1));
        let words: Vec<&str> = line.split_whitespace().collect();
        if !seen_header {
            if line != HEADER {
                return Err(at("the file must begin with the line `umpin-keys 1`"));
            }
            seen_header = true;
            continue;
        }
        match words.as_slice() {
            ["current", id] => {
                if current.is_some() {
                    return Err(at("`current` appears more than once"));
                }
                current = Some(parse_id(id).ok_or_else(|| at("the key id is not a number from 1 up"))?);
            }
            ["key", id, hex] => {
                let id = parse_id(id).ok_or_else(|| at("the key id is not a number from 1 up"))?;
                let mut secret = Zeroizing::new([0u8; KEY_LEN]);
                hex::decode_to_slice(hex, secret.as_mut_slice())
                    .map_err(|_| at("the key is not 64 hexadecimal digits"))?;
                if keys.insert(id, Key::new(secret)).is_some() {
                    return Err(at("the key id appears more than once"));
                }
            }
            _ => return Err(at("expected `current <id>` or `key <id> <64 hexadecimal digits>`")),
        }
    }
    if !seen_header {
        return Err(malformed(path, "it is empty".to_owned()));
    }
    let current = current.ok_or_else(|| malformed(path, "no `current <id>` line".to_owned()))?;
    let key =
        keys.remove(&current).ok_or_else(|| malformed(path, format!("the current key {current} has no `key` line")))?;
    Ok(KeyRing { current: (current, key), older: keys, path: path.to_path_buf(), stamp })
}

fn parse_id(word: &str) -> Option<KeyId> {
    word.parse::<u32>().ok().filter(|&n| n >= 1).map(KeyId)
}

fn malformed(path: &Path, problem: String) -> KeyError {
    KeyError::Malformed { path: path.to_path_buf(), problem }
}

fn io_error(path: &Path, action: &'static str, error: io::Error) -> KeyError {
    KeyError::Io { path: path.to_path_buf(), action, error }
}

/// Replaces `path` with `text` so that a crash leaves either the old or the new file, never a part.
fn write_atomically(path: &Path, text: &str) -> Result<(), KeyError> {
    let directory = directory_of(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|_| KeyError::Randomness)?;
    let temporary = directory.join(format!(".{name}.{}.tmp", hex::encode(suffix)));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temporary);
        return Err(io_error(path, "replace", e));
    }
    sync_directory_of(path);
    Ok(())
}

fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a new directory entry durable. Best effort: some file systems can't sync a directory,
/// and the file itself is already synced.
fn sync_directory_of(path: &Path) {
    if let Ok(dir) = File::open(directory_of(path)) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_file() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("umpin.key");
        (dir, path)
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn chmod(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Writes a key file by hand, with mode 0600.
    fn write_file(path: &Path, text: &str) {
        fs::write(path, text).unwrap();
        chmod(path, 0o600);
    }

    const KEY_HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn a_new_key_file_has_mode_0600_and_key_id_1() {
        let (_dir, path) = key_file();
        let ring = KeyRing::create(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(ring.current_id(), KeyId(1));
        assert_eq!(ring.ids(), vec![KeyId(1)]);
    }

    #[test]
    fn a_created_key_file_loads_back() {
        let (_dir, path) = key_file();
        KeyRing::create(&path).unwrap();
        let ring = KeyRing::load(&path).unwrap();
        assert_eq!(ring.ids(), vec![KeyId(1)]);
    }

    #[test]
    fn create_never_overwrites_an_existing_file() {
        let (_dir, path) = key_file();
        KeyRing::create(&path).unwrap();
        let before = fs::read(&path).unwrap();
        assert!(matches!(KeyRing::create(&path), Err(KeyError::Exists { .. })));
        assert_eq!(fs::read(&path).unwrap(), before);
    }

    #[test]
    fn init_twice_creates_the_key_once_and_then_keeps_it() {
        let (_dir, path) = key_file();
        let (_, created) = KeyRing::load_or_create(&path).unwrap();
        assert!(created);
        let before = fs::read(&path).unwrap();
        let (_, created) = KeyRing::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(fs::read(&path).unwrap(), before);
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_key_file_readable_by_others_is_refused_with_the_chmod_to_run() {
        let (_dir, path) = key_file();
        KeyRing::create(&path).unwrap();
        chmod(&path, 0o644);
        let err = KeyRing::load(&path).unwrap_err();
        assert!(matches!(err, KeyError::Permissions { mode: 0o644, .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&format!("chmod 600 {}", path.display())), "{message}");
    }

    #[test]
    fn a_key_file_writable_by_the_group_is_refused() {
        let (_dir, path) = key_file();
        KeyRing::create(&path).unwrap();
        chmod(&path, 0o620);
        assert!(matches!(KeyRing::load(&path), Err(KeyError::Permissions { .. })));
    }

    #[test]
    fn init_does_not_replace_a_key_file_it_refuses() {
        let (_dir, path) = key_file();
        KeyRing::create(&path).unwrap();
        chmod(&path, 0o644);
        let before = fs::read(&path).unwrap();
        assert!(matches!(KeyRing::load_or_create(&path), Err(KeyError::Permissions { .. })));
        assert_eq!(fs::read(&path).unwrap(), before);
    }

    #[test]
    fn a_missing_key_file_says_to_run_umpin_init() {
        let (_dir, path) = key_file();
        let err = KeyRing::load(&path).unwrap_err();
        assert!(matches!(err, KeyError::NotFound { .. }));
        assert!(err.to_string().contains("umpin init"));
    }

    #[test]
    fn a_malformed_key_file_is_refused_without_showing_its_content() {
        let (_dir, path) = key_file();
        let short = &KEY_HEX[..62];
        write_file(&path, &format!("umpin-keys 1\ncurrent 1\nkey 1 {short}\n"));
        let err = KeyRing::load(&path).unwrap_err();
        assert!(matches!(err, KeyError::Malformed { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("line 3"), "{message}");
        assert!(!message.contains(&short[..16]), "{message}");
        assert!(!format!("{err:?}").contains(&short[..16]));
    }

    #[test]
    fn a_key_file_without_the_header_is_refused() {
        let (_dir, path) = key_file();
        write_file(&path, &format!("current 1\nkey 1 {KEY_HEX}\n"));
        assert!(matches!(KeyRing::load(&path), Err(KeyError::Malformed { .. })));
    }

    #[test]
    fn a_current_id_without_its_key_is_refused() {
        let (_dir, path) = key_file();
        write_file(&path, &format!("umpin-keys 1\ncurrent 2\nkey 1 {KEY_HEX}\n"));
        assert!(matches!(KeyRing::load(&path), Err(KeyError::Malformed { .. })));
    }

    #[test]
    fn a_repeated_key_id_is_refused() {
        let (_dir, path) = key_file();
        write_file(&path, &format!("umpin-keys 1\ncurrent 1\nkey 1 {KEY_HEX}\nkey 1 {KEY_HEX}\n"));
        assert!(matches!(KeyRing::load(&path), Err(KeyError::Malformed { .. })));
    }

    #[test]
    fn a_hand_written_key_file_with_comments_loads() {
        let (_dir, path) = key_file();
        write_file(&path, &format!("# keys\n\numpin-keys 1\ncurrent 7\nkey 7 {KEY_HEX}\n"));
        assert_eq!(KeyRing::load(&path).unwrap().current_id(), KeyId(7));
    }

    #[test]
    fn rotate_adds_the_next_id_makes_it_current_and_keeps_the_old_key() {
        let (_dir, path) = key_file();
        KeyRing::create(&path).unwrap();
        assert_eq!(KeyRing::rotate(&path).unwrap(), KeyId(2));
        let ring = KeyRing::load(&path).unwrap();
        assert_eq!(ring.current_id(), KeyId(2));
        assert_eq!(ring.ids(), vec![KeyId(1), KeyId(2)]);
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn rotate_keeps_the_old_secret_unchanged() {
        let (_dir, path) = key_file();
        KeyRing::create(&path).unwrap();
        let before = KeyRing::load(&path).unwrap();
        KeyRing::rotate(&path).unwrap();
        let after = KeyRing::load(&path).unwrap();
        let old = |ring: &KeyRing| *ring.subkeys(KeyId(1)).unwrap().pin_seal;
        assert_eq!(old(&before), old(&after));
        assert_ne!(*after.current().1.pin_seal, old(&after));
    }

    #[test]
    fn reload_reads_the_key_a_rotation_added_and_keeps_the_others() {
        let (_dir, path) = key_file();
        let ring = KeyRing::create(&path).unwrap();
        let id = KeyRing::rotate(&path).unwrap();
        let reloaded = ring.reload().unwrap();
        assert_eq!((reloaded.current_id(), reloaded.ids()), (id, vec![KeyId(1), id]));
        assert_eq!(reloaded.master(KeyId(1)), ring.master(KeyId(1)));
    }

    #[test]
    fn reload_refuses_a_key_file_that_lost_a_key_of_the_ring() {
        let (_dir, path) = key_file();
        write_file(&path, &format!("umpin-keys 1\ncurrent 2\nkey 1 {KEY_HEX}\nkey 2 {}\n", &KEY_HEX.replace('0', "1")));
        let ring = KeyRing::load(&path).unwrap();
        write_file(&path, &format!("umpin-keys 1\ncurrent 2\nkey 2 {}\n", &KEY_HEX.replace('0', "1")));
        let err = ring.reload().unwrap_err();
        assert!(matches!(err, KeyError::KeyLost { id: KeyId(1), .. }), "{err:?}");
        assert!(err.to_string().contains("restore the key file from your backup"), "{err}");
    }

    #[test]
    fn reload_refuses_a_key_file_with_another_secret_under_a_known_id() {
        let (_dir, path) = key_file();
        write_file(&path, &format!("umpin-keys 1\ncurrent 1\nkey 1 {KEY_HEX}\n"));
        let ring = KeyRing::load(&path).unwrap();
        write_file(&path, &format!("umpin-keys 1\ncurrent 1\nkey 1 {}\n", &KEY_HEX.replace('f', "e")));
        assert!(matches!(ring.reload(), Err(KeyError::KeyLost { id: KeyId(1), .. })));
    }

    #[test]
    fn reload_refuses_a_key_file_readable_by_others() {
        let (_dir, path) = key_file();
        let ring = KeyRing::create(&path).unwrap();
        KeyRing::rotate(&path).unwrap();
        chmod(&path, 0o644);
        assert!(matches!(ring.reload(), Err(KeyError::Permissions { mode: 0o644, .. })));
    }

    #[test]
    fn a_rings_stamp_is_its_files_until_a_rotation_or_a_chmod() {
        let (_dir, path) = key_file();
        let created = KeyRing::create(&path).unwrap();
        let loaded = KeyRing::load(&path).unwrap();
        assert_eq!(Some(created.stamp()), FileStamp::of_path(&path));
        assert_eq!(loaded.stamp(), created.stamp());
        KeyRing::rotate(&path).unwrap();
        assert_ne!(Some(loaded.stamp()), FileStamp::of_path(&path));
        let rotated = KeyRing::load(&path).unwrap();
        chmod(&path, 0o400);
        assert_ne!(Some(rotated.stamp()), FileStamp::of_path(&path));
    }

    #[test]
    fn rotate_leaves_no_temporary_file_behind() {
        let (dir, path) = key_file();
        KeyRing::create(&path).unwrap();
        KeyRing::rotate(&path).unwrap();
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("umpin.key")]);
    }

    #[test]
    fn rotate_refuses_a_key_file_readable_by_others() {
        let (_dir, path) = key_file();
        KeyRing::create(&path).unwrap();
        chmod(&path, 0o640);
        assert!(matches!(KeyRing::rotate(&path), Err(KeyError::Permissions { .. })));
    }

    #[test]
    fn each_purpose_has_its_own_subkey() {
        let (_dir, path) = key_file();
        let ring = KeyRing::create(&path).unwrap();
        let k = ring.current().1;
        let all = [*k.argon2, *k.pin_seal, *k.history, *k.outbox, *k.audit];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn padded_key_hmac_equals_standard_hmac() {
        let key = [7u8; KEY_LEN];
        let mut standard = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        standard.update(b"ab");
        standard.update(b"c");
        let expected: [u8; 32] = standard.finalize().into_bytes().into();
        assert_eq!(hmac_sha256(&key, &[b"a", b"bc"]), expected);
    }

    #[test]
    fn debug_of_a_key_ring_shows_ids_and_no_key_material() {
        let (_dir, path) = key_file();
        write_file(&path, &format!("umpin-keys 1\ncurrent 1\nkey 1 {KEY_HEX}\n"));
        let shown = format!("{:?}", KeyRing::load(&path).unwrap());
        assert_eq!(shown, "KeyRing { current: KeyId(1), ids: [KeyId(1)] }");
    }
}
