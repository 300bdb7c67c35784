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
/// Records are held in chunks of this many bytes (or one record's, if more):
/// one growing vector would hold up to twice its bytes while it grows.
const CHUNK_BYTES: usize = 1 << 20;

pub struct DocStore {
    budget: Arc<Budget>,
    /// Where records go past the budget; `None` to hold them all in memory.
    path: Option<PathBuf>,
    /// The records, while they are held in memory.
    held: Chunks,
    /// Once spilled: the file, written through `writer` until [`DocStore::seal`].
    file: Option<File>,
    writer: Option<BufWriter<File>>,
    /// Bytes of the file.
    file_bytes: u64,
    /// Where each record ends (in `held`, or in the file once spilled).
    ends: Vec<u64>,
    /// The file stays when the store goes: a later run may resume from it.
    keep: bool,
}

impl DocStore {
    /// A store that spills into the file `path` once the exchanges sharing
    /// `budget` hold more than it allows (with `None`, never).
    pub fn new(path: Option<PathBuf>, budget: Arc<Budget>) -> DocStore {
        DocStore {
            budget,
            path,
            held: Chunks::default(),
            file: None,
            writer: None,
            file_bytes: 0,
            ends: Vec::new(),
            keep: false,
        }
    }

    /// Writes every record pushed so far to the file, and where each ends
    /// beside it (replaced whole, never half written), so that a later run
    /// can [`DocStore::reopen`] the store; records pushed later go on to
    /// the file.
    pub fn persist(&mut self) -> Result<()> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        if self.file.is_none() {
            self.spill()?;
        }
        if let Some(writer) = &mut self.writer {
            writer.flush().map_err(|e| Error::io(&path, e))?;
        }
        let ends: Vec<u8> = self.ends.iter().flat_map(|e| e.to_le_bytes()).collect();
        crate::write::replace_file(&ends_path(&path), &ends)?;
        self.keep = true;
        Ok(())
    }

    /// The first `docs` records of the store that [`DocStore::persist`]
    /// left at `path`: what an interrupted run wrote after them is cut off,
    /// and later records are pushed after them.
    pub fn reopen(path: PathBuf, budget: Arc<Budget>, docs: usize) -> Result<DocStore> {
        let ends_path = ends_path(&path);
        let bytes = fs::read(&ends_path).map_err(|e| Error::io(&ends_path, e))?;
        let mut ends: Vec<u64> = bytes.chunks_exact(8).map(|b| super::u64_at(b, 0)).collect();
        let failed = |e| Error::io(&path, e);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(failed)?;
        let on_disk = file.metadata().map_err(failed)?.len();
        ends.truncate(docs);
        let file_bytes = ends.last().copied().unwrap_or(0);
        if bytes.len() % 8 != 0 || ends.len() < docs || file_bytes > on_disk {
            let why = std::io::Error::other("the document store does not match its index of ends");
            return Err(failed(why));
        }
        file.set_len(file_bytes).map_err(failed)?;
        let mut appending = file.try_clone().map_err(failed)?;
        std::io::Seek::seek(&mut appending, std::io::SeekFrom::End(0)).map_err(failed)?;
        budget.add_to_disk(file_bytes);
        Ok(DocStore {
            budget,
            path: Some(path),
            held: Chunks::default(),
            file: Some(file),
            writer: Some(BufWriter::with_capacity(WRITE_BYTES, appending)),
            file_bytes,
            ends,
            keep: true,
        })
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
        let grown = self.held.push(record);
        self.budget.hold(grown);
        self.ends.push(self.held.len);
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
        for chunk in &self.held.chunks {
            writer.write_all(chunk).map_err(failed)?;
        }
        self.file_bytes = self.held.len;
        self.budget.add_to_disk(self.file_bytes);
        self.budget.release(self.held.capacity());
        self.held = Chunks::default();
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
            return Ok(Cow::Borrowed(self.held.slice(at, len)));
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
        self.budget.release(self.held.capacity());
        if self.file.is_some() && !self.keep {
            self.budget.remove_from_disk(self.file_bytes);
            if let Some(path) = &self.path {
                // Best effort: the work folder goes with the run anyway.
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// The file beside a store's that says where each record ends.
fn ends_path(path: &std::path::Path) -> PathBuf {
    path.with_extension("ends")
}

/// Records held in memory, one after another as if in one vector, but in
/// chunks; a record lies in one chunk.
#[derive(Default)]
struct Chunks {
    chunks: Vec<Vec<u8>>,
    /// Where each chunk starts among all the bytes.
    starts: Vec<u64>,
    /// All the bytes.
    len: u64,
}

impl Chunks {
    /// Appends a record; the bytes of memory that were allocated for it.
    fn push(&mut self, record: &[u8]) -> usize {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= record.len());
        let mut grown = 0;
        if !fits {
            let chunk = Vec::with_capacity(record.len().max(CHUNK_BYTES));
            grown = chunk.capacity();
            self.chunks.push(chunk);
            self.starts.push(self.len);
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.extend_from_slice(record);
        }
        self.len += record.len() as u64;
        grown
    }

    fn capacity(&self) -> usize {
        self.chunks.iter().map(Vec::capacity).sum()
    }

    /// The `len` bytes from `at`, which lie in one record.
    fn slice(&self, at: u64, len: usize) -> &[u8] {
        let i = self.starts.partition_point(|&s| s <= at) - 1;
        let local = (at - self.starts[i]) as usize;
        &self.chunks[i][local..local + len]
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
    fn a_persisted_store_reopens_at_any_count_it_persisted_and_grows_from_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docs");
        let all = records(30);
        let mut store = DocStore::new(Some(path.clone()), Budget::unlimited());
        all[..10].iter().for_each(|r| store.push(r).unwrap());
        store.persist().unwrap();
        // Written after the last persist: an interrupted run's tail.
        all[10..15].iter().for_each(|r| store.push(r).unwrap());
        drop(store);
        assert!(path.exists(), "a persisted store stays for a later run");
        assert!(DocStore::reopen(path.clone(), Budget::unlimited(), 11).is_err());
        let budget = Budget::unlimited();
        let mut store = DocStore::reopen(path.clone(), budget.clone(), 10).unwrap();
        assert_eq!(store.len(), 10);
        all[20..30].iter().for_each(|r| store.push(r).unwrap());
        store.seal().unwrap();
        let want: Vec<&Vec<u8>> = all[..10].iter().chain(&all[20..30]).collect();
        for (i, r) in want.iter().enumerate() {
            assert_eq!(store.record(i).unwrap().as_ref(), r.as_slice(), "record {i}");
        }
        let bytes: usize = want.iter().map(|r| r.len()).sum();
        assert_eq!(
            fs::metadata(&path).unwrap().len(),
            bytes as u64,
            "the tail was cut"
        );
        // Persisted at none: an empty store.
        drop(store);
        assert_eq!(DocStore::reopen(path, budget, 0).unwrap().len(), 0);
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
