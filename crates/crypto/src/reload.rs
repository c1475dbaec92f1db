//! The key ring of a running vault, read again from its key file after a rotation by another
//! process (`umpin keys rotate`, or a vault of another server node), so that no server needs a
//! restart to open what was sealed under the new key.
//!
//! Reading again costs a file system call, so it happens only for a key id above every id of the
//! ring (rotation gives each new key the next id; a lower id the ring lacks was never in this key
//! file), and only when the file changed since it was last read, whether its keys were taken or
//! refused. Data under an id that is not in the file (altered, or from another installation) thus
//! costs one `stat` and no read, and a refused file is reported once, not on every item.
//!
//! The ring is an `Arc` swapped whole under a lock that is held only to clone or replace it:
//! callers keep their `Arc` through an Argon2 computation, never the lock. A second lock lets one
//! caller read the file while the others wait for its result instead of reading it too. The key
//! file is a few hundred bytes read on the calling thread, even on the async executor: the read is
//! rare and shorter than handing it to a worker thread.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use crate::key_ring::FileStamp;
use crate::{KeyError, KeyId, KeyRing};

/// A key ring that a vault shares between its operations and replaces when the key file changes.
pub(crate) struct ReloadingKeyRing {
    ring: RwLock<Arc<KeyRing>>,
    /// The version of the key file last read (`None`: it couldn't be inspected), whether its keys
    /// were taken or refused. Held while the file is read.
    last_read: Mutex<Option<FileStamp>>,
}

impl ReloadingKeyRing {
    pub(crate) fn new(ring: KeyRing) -> ReloadingKeyRing {
        let last_read = Mutex::new(Some(ring.stamp()));
        ReloadingKeyRing { ring: RwLock::new(Arc::new(ring)), last_read }
    }

    /// The ring in use now.
    pub(crate) fn current(&self) -> Arc<KeyRing> {
        Arc::clone(&self.ring.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The ring to open data sealed under key `id` with: the ring in use when it has the key;
    /// otherwise, for an id above all it knows and a key file changed since it was last read, the
    /// ring read again (which may still lack `id`: then the data doesn't open, as before).
    pub(crate) fn with_key(&self, id: KeyId) -> Arc<KeyRing> {
        let ring = self.current();
        if id <= ring.highest_id() {
            return ring;
        }
        let mut last_read = self.lock_last_read();
        // Another caller may have read the file while this one waited.
        let ring = self.current();
        let stamp = FileStamp::of_path(ring.path());
        if id <= ring.highest_id() || stamp == *last_read {
            return ring;
        }
        *last_read = stamp;
        match ring.reload() {
            Ok(reloaded) => {
                let reloaded = self.install(&mut last_read, reloaded);
                tracing::info!(
                    key_file = %reloaded.path().display(),
                    wanted = %id,
                    current = %reloaded.current_id(),
                    keys = %ids_text(&reloaded),
                    "read the key file again for a key this server didn't have"
                );
                reloaded
            }
            Err(e) => {
                tracing::error!(
                    error = %e,
                    wanted = %id,
                    current = %ring.current_id(),
                    "the key file changed but couldn't be read again; the server goes on with the keys it has"
                );
                ring
            }
        }
    }

    /// Reads the key file again, changed or not, and uses its keys from now on. A file that is
    /// refused ([`KeyRing::reload`]) leaves the ring in use as it was.
    pub(crate) fn reload(&self) -> Result<Arc<KeyRing>, KeyError> {
        let mut last_read = self.lock_last_read();
        let ring = self.current();
        match ring.reload() {
            Ok(reloaded) => Ok(self.install(&mut last_read, reloaded)),
            Err(e) => {
                *last_read = FileStamp::of_path(ring.path());
                Err(e)
            }
        }
    }

    /// Makes `ring` the one in use; the caller holds `last_read`.
    fn install(&self, last_read: &mut Option<FileStamp>, ring: KeyRing) -> Arc<KeyRing> {
        *last_read = Some(ring.stamp());
        let ring = Arc::new(ring);
        *self.ring.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&ring);
        ring
    }

    fn lock_last_read(&self) -> MutexGuard<'_, Option<FileStamp>> {
        // Nothing panics while the lock is held; a poisoned lock still guards a valid stamp.
        self.last_read.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The ids of a ring for a log line, such as `1, 2, 3`.
fn ids_text(ring: &KeyRing) -> String {
    ring.ids().iter().map(KeyId::to_string).collect::<Vec<_>>().join(", ")
}
