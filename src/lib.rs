//! textsieve: clean and deduplicate text corpora.
//!
//! The library runs the pipeline; the `textsieve` binary only turns flags into
//! a [`CleanConfig`] and calls [`clean`]. Data flows one way:
//! read → split + normalize → fingerprint → index → decide → write (+ report).

pub mod annotate;
pub mod config;
pub mod dataflow;
pub mod decide;
pub mod doc;
pub mod doc_dedup;
pub mod doc_fingerprint;
pub mod error;
pub mod eval;
pub mod fingerprint;
pub mod heap;
pub mod index;
pub mod interrupt;
pub mod keymap;
pub mod minhash;
pub mod near_docs;
pub mod near_repeat;
pub mod normalize;
pub mod pipeline;
pub mod progress;
pub mod read;
pub mod reason;
pub mod report;
pub mod resume;
pub mod synth;
pub mod tally;
pub mod write;

pub use config::{CleanConfig, InputArg};
pub use error::{Error, Result};
pub use pipeline::clean;
pub use progress::Progress;
pub use report::Stats;
