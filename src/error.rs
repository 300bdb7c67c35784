//! Typed errors of the library. The binary maps them to exit codes; nothing here
//! prints or exits, so callers (tests, other programs) decide what to do.

use std::io;
use std::path::PathBuf;

use crate::read::SkipReason;

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Options that cannot work together, found before any file is touched.
    #[error("{0}")]
    Config(String),
    /// Writing would clobber or nest inside the inputs.
    #[error("refusing to write {path}: {why}")]
    UnsafeOutput { path: PathBuf, why: String },
    /// An input cannot be used at all (missing, not a file or folder).
    #[error("{path}: {why}")]
    Input { path: PathBuf, why: String },
    /// A bad record under `--strict`.
    #[error("{location}: {reason}")]
    Strict { location: String, reason: SkipReason },
    /// A file read in the first pass differs in the second: the output would be wrong.
    #[error("{location}: input changed while textsieve was running; nothing was written")]
    InputChanged { location: String },
    /// A stop was requested (SIGINT, SIGTERM) before the run ended; nothing was written.
    #[error("interrupted; nothing was written")]
    Interrupted,
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// True for errors the user caused with options or `--strict`: exit code 2.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Config(_) | Error::UnsafeOutput { .. } | Error::Input { .. } | Error::Strict { .. }
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
