//! Integration tests, compiled into one binary. Each topic has its own file;
//! `regression.rs` holds one test per fixed bug, named after it.

mod util;

mod bounded;
mod cli;
#[cfg(unix)]
mod faults;
mod golden;
mod hostile;
mod invariants;
mod jsonl;
mod memory;
mod near_docs;
mod resume;
mod scale;
mod synth_eval;
