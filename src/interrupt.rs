//! Stopping on request (SIGINT, SIGTERM) without leaving a half-written
//! result. The binary's signal handler calls [`request`]; the pipeline checks
//! [`requested`] between batches and returns [`crate::Error::Interrupted`], and
//! the usual error path removes the staging folder and temporary files. When
//! the run cannot reach a check soon (it may be blocked reading standard
//! input), the handler calls [`remove_temporaries`] itself and exits.
//!
//! Nothing is ever written under a final name before the run has succeeded,
//! so whatever the moment of the signal, no output looks complete that is not.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static REQUESTED: AtomicBool = AtomicBool::new(false);
/// The staging folders and temporary files made by this process.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Asks the run to stop at its next check.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Records a staging folder or temporary file, to be removed if the process
/// must stop before the run ends. (A path that was renamed into place, or
/// removed, is gone from there, so removing it again does nothing.)
pub fn register_temporary(path: &Path) {
    if let Ok(mut t) = TEMPORARIES.lock() {
        t.push(path.to_path_buf());
    }
}

/// Removes every staging folder and temporary file still there.
pub fn remove_temporaries() {
    let paths = TEMPORARIES.lock().map(|t| t.clone()).unwrap_or_default();
    for p in paths {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(&p);
        } else {
            let _ = std::fs::remove_file(&p);
        }
    }
}
