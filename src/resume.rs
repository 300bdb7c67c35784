//! Resuming a run: with `--work-dir DIR`, the first pass (reading and
//! fingerprinting every input) leaves what it learned in a folder of DIR
//! named by the run's key, with a completion marker. Running the same
//! command again after a failure or a kill reuses it and starts at the
//! stage after it. On the way, the first pass leaves checkpoints (every few
//! minutes): what it learned of the documents read so far, with a marker. A
//! run killed inside the first pass resumes it after the last checkpoint,
//! and reads only the inputs after it. The second pass (deciding and
//! writing) checkpoints too, between two inputs: the results of the inputs
//! before are written (under names of the key, see
//! [`write::Staging::Kept`]), and a rerun goes on from the next input (the
//! stages between the passes, which are short, are run again).
//!
//! The key binds the folder to everything its contents depend on: the
//! build (a hash of the executable), the options, the partition count and
//! batch size, and each input's path, size and modification time. A folder
//! whose marker does not hold the key is never read: it is emptied and the
//! run starts over.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::config::CleanConfig;
use crate::dataflow::u64_at;
use crate::keymap::KeyMap;
use crate::read::plan::InputPlan;
use crate::report::{Skipped, StatsAt};
use crate::write;
use crate::{Error, Result};

/// The marker of a finished first pass; it holds the run's key.
const FIRST_PASS_DONE: &str = "first-pass.done";
/// The marker of a checkpoint of the first pass; it holds the run's key.
const CHECKPOINT: &str = "first-pass.checkpoint";
/// What the first pass learned beside the index (see [`FirstPass`]), at
/// its end or at its last checkpoint.
const FIRST_PASS_FACTS: &str = "first-pass.facts";
/// The marker of a checkpoint of the second pass; it holds the run's key.
const SECOND_PASS_CHECKPOINT: &str = "second-pass.checkpoint";
/// How far the second pass got (see [`SecondPass`]) at its last checkpoint.
const SECOND_PASS_FACTS: &str = "second-pass.facts";

/// The key of a run: see the module docs.
pub fn run_key(config: &CleanConfig, plan: &InputPlan, partitions: u32, batch_bytes: u64) -> Result<String> {
    let mut h = Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    let exe = std::env::current_exe().map_err(|e| Error::io("the textsieve executable", e))?;
    hash_file(&exe, &mut h)?;
    let options = serde_json::to_string(config).map_err(|e| Error::Config(e.to_string()))?;
    h.update(options.as_bytes());
    h.update(&u64::from(partitions).to_le_bytes());
    h.update(&batch_bytes.to_le_bytes());
    for s in &plan.sources {
        h.update(s.path.as_os_str().as_encoded_bytes());
        h.update(b"\0");
        h.update(s.display.as_bytes());
        h.update(b"\0");
        h.update(&s.size.to_le_bytes());
        let modified = s.modified.and_then(|m| m.duration_since(UNIX_EPOCH).ok());
        h.update(&modified.map_or(0, |d| d.as_nanos()).to_le_bytes());
    }
    Ok(format!("{:032x}", h.digest128()))
}

/// Adds the bytes of the file at `path` to `h`, a block at a time.
fn hash_file(path: &Path, h: &mut Xxh3) -> Result<()> {
    let failed = |e| Error::io(path, e);
    let mut file = File::open(path).map_err(failed)?;
    let mut block = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut block) {
            Ok(0) => return Ok(()),
            Ok(n) => h.update(&block[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(failed(e)),
        }
    }
}

/// The work folder of a run: a temporary one (removed however the run
/// ends), or the folder of a run's key in `--work-dir` (kept after a
/// failure, so that the same command resumes; removed when it succeeds).
pub enum WorkFolder {
    Temporary(tempfile::TempDir),
    Kept {
        path: PathBuf,
        key: String,
        /// Held locked while the run uses the folder.
        _lock: File,
    },
}

impl WorkFolder {
    /// The folder of `key` in `dir`, locked for this run; emptied unless it
    /// holds a finished first pass of the same key.
    pub fn kept(dir: &Path, key: String) -> Result<WorkFolder> {
        let path = dir.join(format!("textsieve-{}", &key[..16]));
        let lock_path = dir.join(format!("textsieve-{}.lock", &key[..16]));
        let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
        // SAFETY: flock on a file descriptor this function owns.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Err(Error::UnsafeOutput {
                path: path.clone(),
                why: "another textsieve run is using this work folder".into(),
            });
        }
        let folder = WorkFolder::Kept {
            path: path.clone(),
            key,
            _lock: lock,
        };
        if !folder.first_pass_done() && !folder.checkpointed() && path.exists() {
            fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
        fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        Ok(folder)
    }

    pub fn path(&self) -> &Path {
        match self {
            WorkFolder::Temporary(t) => t.path(),
            WorkFolder::Kept { path, .. } => path,
        }
    }

    /// Whether a first pass of this run's key finished in the folder.
    pub fn first_pass_done(&self) -> bool {
        self.holds(FIRST_PASS_DONE)
    }

    /// Whether a checkpoint of this run's first pass is in the folder.
    pub fn checkpointed(&self) -> bool {
        self.holds(CHECKPOINT)
    }

    /// Whether a checkpoint of this run's second pass is in the folder.
    pub fn second_pass_checkpointed(&self) -> bool {
        self.holds(SECOND_PASS_CHECKPOINT)
    }

    /// What names the results of a kept folder's run while they are
    /// written (see [`write::Staging::Kept`]); `None` for a temporary one.
    pub fn tag(&self) -> Option<String> {
        match self {
            WorkFolder::Temporary(_) => None,
            WorkFolder::Kept { key, .. } => Some(format!("k{}", &key[..16])),
        }
    }

    /// Whether the marker `name` in the folder holds this run's key.
    fn holds(&self, name: &str) -> bool {
        match self {
            WorkFolder::Temporary(_) => false,
            WorkFolder::Kept { path, key, .. } => {
                fs::read_to_string(path.join(name)).is_ok_and(|k| k == *key)
            }
        }
    }

    /// Whether what the stages leave here outlives the run (to resume it).
    pub fn is_kept(&self) -> bool {
        matches!(self, WorkFolder::Kept { .. })
    }

    /// Marks the first pass finished: everything it left is written (see
    /// [`save_first_pass`]).
    pub fn mark_first_pass_done(&self) -> Result<()> {
        self.mark(FIRST_PASS_DONE)
    }

    /// Marks that the folder holds a checkpoint of the first pass: the
    /// index persisted, then what the pass learned saved beside it.
    pub fn mark_checkpoint(&self) -> Result<()> {
        self.mark(CHECKPOINT)
    }

    /// Marks that the folder holds a checkpoint of the second pass: the
    /// results of the sources before it written and on disk, then how far
    /// it got saved beside them (see [`save_second_pass`]).
    pub fn mark_second_pass_checkpoint(&self) -> Result<()> {
        self.mark(SECOND_PASS_CHECKPOINT)
    }

    /// Writes the marker `name` (the run's key) under another name and
    /// renames it, so it is never half there.
    fn mark(&self, name: &str) -> Result<()> {
        let WorkFolder::Kept { path, key, .. } = self else {
            return Ok(());
        };
        write::replace_file(&path.join(name), key.as_bytes())
    }

    /// Removes the folder: the run succeeded.
    pub fn close(self) -> Result<()> {
        match self {
            WorkFolder::Temporary(t) => {
                let path = t.path().to_path_buf();
                t.close().map_err(|e| Error::io(path, e))
            }
            WorkFolder::Kept { path, .. } => {
                fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
                let lock = path.with_extension("lock");
                let _ = fs::remove_file(lock);
                Ok(())
            }
        }
    }
}

/// What the first pass learned beside the index.
#[derive(Debug, Default, PartialEq)]
pub struct FirstPass {
    /// Each document's source and record.
    pub origins: Vec<(u32, u64)>,
    /// The units that were skipped.
    pub skipped_units: BTreeSet<u64>,
    pub site_names: KeyMap<String>,
    /// Units of each source.
    pub units_of: Vec<u64>,
    /// The skips the first pass counted.
    pub skips: Skipped,
    /// Bytes of the largest document text read.
    pub largest_doc_bytes: u64,
    /// Batches added to the index.
    pub batches: u32,
}

/// Writes `first` into `dir`, replacing what an earlier checkpoint wrote
/// (the marker is written apart).
pub fn save_first_pass(dir: &Path, first: &FirstPass) -> Result<()> {
    let mut out: Vec<u8> = Vec::new();
    let put = |out: &mut Vec<u8>, v: u64| out.extend_from_slice(&v.to_le_bytes());
    put(&mut out, first.origins.len() as u64);
    for &(source, record) in &first.origins {
        put(&mut out, u64::from(source));
        put(&mut out, record);
    }
    put(&mut out, first.skipped_units.len() as u64);
    first.skipped_units.iter().for_each(|&u| put(&mut out, u));
    put(&mut out, first.units_of.len() as u64);
    first.units_of.iter().for_each(|&u| put(&mut out, u));
    let mut sites: Vec<(&u64, &String)> = first.site_names.iter().collect();
    sites.sort();
    put(&mut out, sites.len() as u64);
    for (key, name) in sites {
        put(&mut out, *key);
        put(&mut out, name.len() as u64);
        out.extend_from_slice(name.as_bytes());
    }
    put(&mut out, first.largest_doc_bytes);
    put(&mut out, u64::from(first.batches));
    // The skips last, in their JSON form: one file holds it all.
    let skips = serde_json::to_vec(&first.skips).map_err(|e| Error::Config(e.to_string()))?;
    out.extend_from_slice(&skips);
    write::replace_file(&dir.join(FIRST_PASS_FACTS), &out)
}

/// How far the second pass got at a checkpoint: the sources before
/// `next_source` are written whole (their output files, their lines of the
/// annotations, their counts in the stats), nothing of the later ones.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SecondPass {
    pub next_source: usize,
    /// Bytes of the annotations file that hold the sources before it.
    pub annotations_bytes: u64,
    pub stats: StatsAt,
}

/// Writes `second` into `dir`, replacing what an earlier checkpoint wrote
/// (the marker is written apart).
pub fn save_second_pass(dir: &Path, second: &SecondPass) -> Result<()> {
    let json = serde_json::to_vec(second).map_err(|e| Error::Config(e.to_string()))?;
    write::replace_file(&dir.join(SECOND_PASS_FACTS), &json)
}

/// What [`save_second_pass`] wrote into `dir`.
pub fn load_second_pass(dir: &Path) -> Result<SecondPass> {
    let path = dir.join(SECOND_PASS_FACTS);
    let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|_| damaged(&path))
}

/// Reads what [`save_first_pass`] wrote, in order.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    path: &'a Path,
}

impl Reader<'_> {
    fn take(&mut self, len: usize) -> Result<&[u8]> {
        let part = self
            .at
            .checked_add(len)
            .and_then(|end| self.bytes.get(self.at..end));
        let part = part.ok_or_else(|| damaged(self.path))?;
        self.at += len;
        Ok(part)
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64_at(self.take(8)?, 0))
    }
}

fn damaged(path: &Path) -> Error {
    Error::io(path, std::io::Error::other("damaged or cut short"))
}

/// What [`save_first_pass`] wrote into `dir`.
pub fn load_first_pass(dir: &Path) -> Result<FirstPass> {
    let path = dir.join(FIRST_PASS_FACTS);
    let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let mut r = Reader {
        bytes: &bytes,
        at: 0,
        path: &path,
    };
    let mut first = FirstPass::default();
    for _ in 0..r.u64()? {
        let source = u32::try_from(r.u64()?).map_err(|_| damaged(&path))?;
        first.origins.push((source, r.u64()?));
    }
    for _ in 0..r.u64()? {
        first.skipped_units.insert(r.u64()?);
    }
    for _ in 0..r.u64()? {
        first.units_of.push(r.u64()?);
    }
    for _ in 0..r.u64()? {
        let key = r.u64()?;
        let len = usize::try_from(r.u64()?).map_err(|_| damaged(&path))?;
        let name = String::from_utf8(r.take(len)?.to_vec()).map_err(|_| damaged(&path))?;
        first.site_names.insert(key, name);
    }
    first.largest_doc_bytes = r.u64()?;
    first.batches = u32::try_from(r.u64()?).map_err(|_| damaged(&path))?;
    first.skips = serde_json::from_slice(&bytes[r.at..]).map_err(|_| damaged(&path))?;
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn how_far_the_second_pass_got_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let second = SecondPass {
            next_source: 7,
            annotations_bytes: 1 << 33,
            stats: StatsAt::default(),
        };
        save_second_pass(dir.path(), &second).unwrap();
        assert_eq!(load_second_pass(dir.path()).unwrap(), second);
        let facts = dir.path().join(SECOND_PASS_FACTS);
        let json = fs::read(&facts).unwrap();
        fs::write(&facts, &json[..json.len() - 1]).unwrap();
        assert!(load_second_pass(dir.path()).is_err(), "cut short: an error");
    }

    #[test]
    fn what_the_first_pass_learned_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = FirstPass {
            origins: vec![(0, 0), (3, 17), (u32::MAX, u64::MAX)],
            skipped_units: [2, 9].into_iter().collect(),
            units_of: vec![1, 0, 5],
            largest_doc_bytes: 1 << 40,
            batches: 77,
            ..FirstPass::default()
        };
        first.site_names.insert(7, "news.example".into());
        first.site_names.insert(1, "".into());
        first.skips.total = 2;
        first.skips.by_reason.insert("binary".into(), 2);
        save_first_pass(dir.path(), &first).unwrap();
        assert_eq!(load_first_pass(dir.path()).unwrap(), first);
        // Cut short: an error, never a partial answer.
        let facts = dir.path().join(FIRST_PASS_FACTS);
        let len = fs::metadata(&facts).unwrap().len();
        File::options()
            .write(true)
            .open(&facts)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        assert!(load_first_pass(dir.path()).is_err());
    }
}
