//! A store of one variable-size record per document, in corpus order: what
//! the first pass learns of each document (its line fingerprints, shingles,
//! signature…), read back by the second pass a document at a time and by the
//! document stage in any order.
//!
//! Records are held in memory while the budget the exchanges share allows,
//! and all of them move to one file in the work folder the first time it does
//! not: then every record is read from the file (positioned reads, so any
//! number of threads read at once). Where a record is held never changes
//! what is read.

use std::borrow::Cow;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;

use super::exchange::Budget;
use crate::{Error, Result};

/// Bytes written to the file at a time.
const WRITE_BYTES: usize = 64 * 1024;

pub struct DocStore {
    budget: Arc<Budget>,
    /// Where records go past the budget; `None` to hold them all in memory.
    path: Option<PathBuf>,
    /// The records, while they are held in memory.
    held: Vec<u8>,
    /// Once spilled: the file, written through `writer` until [`DocStore::seal`].
    file: Option<File>,
    writer: Option<BufWriter<File>>,
    /// Bytes of the file.
    file_bytes: u64,
    /// Where each record ends (in `held`, or in the file once spilled).
    ends: Vec<u64>,
}

impl DocStore {
    /// A store that spills into the file `path` once the exchanges sharing
    /// `budget` hold more than it allows (with `None`, never).
    pub fn new(path: Option<PathBuf>, budget: Arc<Budget>) -> DocStore {
        DocStore {
            budget,
            path,
            held: Vec::new(),
            file: None,
            writer: None,
            file_bytes: 0,
            ends: Vec::new(),
        }
    }

    /// Records stored.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends the next document's record.
    pub fn push(&mut self, record: &[u8]) -> Result<()> {
        if let Some(writer) = &mut self.writer {
            let path = self.path.as_deref().unwrap_or(std::path::Path::new("."));
            writer.write_all(record).map_err(|e| Error::io(path, e))?;
            self.file_bytes += record.len() as u64;
            self.budget.add_to_disk(record.len() as u64);
            self.ends.push(self.file_bytes);
            return Ok(());
        }
        self.held.extend_from_slice(record);
        self.budget.hold(record.len());
        self.ends.push(self.held.len() as u64);
        if self.path.is_some() && self.budget.over() {
            self.spill()?;
        }
        Ok(())
    }

    /// Moves every record held to the file; later ones are written there.
    fn spill(&mut self) -> Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let failed = |e| Error::io(path, e);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(failed)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(failed)?;
        let mut writer = BufWriter::with_capacity(WRITE_BYTES, file.try_clone().map_err(failed)?);
        writer.write_all(&self.held).map_err(failed)?;
        self.file_bytes = self.held.len() as u64;
        self.budget.add_to_disk(self.file_bytes);
        self.budget.release(self.held.len());
        self.held = Vec::new();
        self.file = Some(file);
        self.writer = Some(writer);
        Ok(())
    }

    /// Ends the writing: from now on records are only read.
    pub fn seal(&mut self) -> Result<()> {
        if let (Some(mut writer), Some(path)) = (self.writer.take(), &self.path) {
            writer.flush().map_err(|e| Error::io(path, e))?;
        }
        Ok(())
    }

    /// Bytes of record `doc`.
    pub fn record_len(&self, doc: usize) -> usize {
        (self.ends[doc] - self.start(doc)) as usize
    }

    fn start(&self, doc: usize) -> u64 {
        if doc == 0 {
            0
        } else {
            self.ends[doc - 1]
        }
    }

    /// The bytes `from..from + len` of record `doc` (which must hold them).
    /// Only after [`DocStore::seal`].
    pub fn read(&self, doc: usize, from: usize, len: usize) -> Result<Cow<'_, [u8]>> {
        let at = self.start(doc) + from as u64;
        debug_assert!(at + len as u64 <= self.ends[doc]);
        let Some(file) = &self.file else {
            return Ok(Cow::Borrowed(&self.held[at as usize..at as usize + len]));
        };
        let mut bytes = vec![0u8; len];
        file.read_exact_at(&mut bytes, at).map_err(|e| {
            let path = self.path.clone().unwrap_or_default();
            Error::io(path, e)
        })?;
        Ok(Cow::Owned(bytes))
    }

    /// The whole record of `doc`.
    pub fn record(&self, doc: usize) -> Result<Cow<'_, [u8]>> {
        self.read(doc, 0, self.record_len(doc))
    }
}

impl Drop for DocStore {
    /// Gives the memory back to the budget and removes the file.
    fn drop(&mut self) {
        self.budget.release(self.held.len());
        if self.file.is_some() {
            self.budget.remove_from_disk(self.file_bytes);
            if let Some(path) = &self.path {
                // Best effort: the work folder goes with the run anyway.
                let _ = fs::remove_file(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| vec![i as u8; i % 7 + 1]).collect()
    }

    #[test]
    fn reads_back_what_was_pushed_held_or_spilled() {
        let dir = tempfile::tempdir().unwrap();
        for limit in [usize::MAX, 20, 0] {
            let budget = Budget::new(limit);
            let mut store = DocStore::new(Some(dir.path().join("docs")), budget.clone());
            let all = records(50);
            for r in &all {
                store.push(r).unwrap();
            }
            store.seal().unwrap();
            assert_eq!(store.len(), 50);
            for (i, r) in all.iter().enumerate() {
                assert_eq!(store.record(i).unwrap().as_ref(), r.as_slice(), "limit {limit}");
                assert_eq!(
                    store
                        .read(i, 1.min(r.len()), r.len() - 1.min(r.len()))
                        .unwrap()
                        .as_ref(),
                    &r[1.min(r.len())..]
                );
            }
            let spilled = dir.path().join("docs").exists();
            assert_eq!(spilled, limit != usize::MAX, "limit {limit}");
            assert_eq!(budget.spilled_bytes() > 0, spilled);
            drop(store);
            assert!(!dir.path().join("docs").exists(), "the file goes with the store");
            assert_eq!(budget.held_bytes(), 0, "the memory goes back to the budget");
        }
    }

    #[test]
    fn an_unwritable_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "x").unwrap();
        let mut store = DocStore::new(Some(blocker.join("docs")), Budget::new(0));
        let err = store.push(b"abc").unwrap_err().to_string();
        assert!(err.contains("file"), "{err}");
    }
}
