//! Where output goes and how it gets there without ever leaving a half-written
//! result: the output folder is built under a temporary name beside its final
//! place and renamed into place only when the run has succeeded. Files outside
//! it (stats, annotations) are written to a temporary file and renamed.
//!
//! The checks that keep output away from the inputs live here too, and run
//! before anything is created.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::OUTPUT_MARKER;
use crate::read::InputPlan;
use crate::{Error, Result};

/// Writes `bytes` to a file beside `path`, waits until they are on disk,
/// and renames it to `path`: the file at `path` is the old one or the new
/// one, whole, whenever the process is killed.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    let failed = |e| Error::io(&temp, e);
    let mut file = fs::File::create(&temp).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    fs::rename(&temp, path).map_err(|e| Error::io(path, e))
}

/// Makes `path` absolute and resolves symbolic links in the part that exists,
/// so that two spellings of one place compare equal.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(path, e))?
            .join(path)
    };
    let mut existing = abs.clone();
    let mut rest: Vec<PathBuf> = Vec::new();
    loop {
        if let Ok(c) = fs::canonicalize(&existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Ok(normalize_lexically(&out));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(PathBuf::from(name));
                existing = parent.to_path_buf();
            }
            _ => return Ok(normalize_lexically(&abs)),
        }
    }
}

fn normalize_lexically(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Refuses any output that would overwrite, nest inside, or contain an input.
/// `files` are the other files to be written (stats, annotations).
pub fn check_outputs(plan: &InputPlan, out_dir: &Path, files: &[&Path]) -> Result<()> {
    let refuse = |path: &Path, why: String| {
        Err(Error::UnsafeOutput {
            path: path.to_path_buf(),
            why,
        })
    };
    let out = resolve(out_dir)?;
    for folder in &plan.folders {
        if out.starts_with(folder) {
            return refuse(
                out_dir,
                format!("the output folder is inside input folder {}", folder.display()),
            );
        }
        if folder.starts_with(&out) {
            return refuse(
                out_dir,
                format!("the output folder contains input folder {}", folder.display()),
            );
        }
    }
    for file in &plan.files {
        if file.starts_with(&out) {
            return refuse(
                out_dir,
                format!("the output folder contains input file {}", file.display()),
            );
        }
    }
    for given in files {
        let f = resolve(given)?;
        if plan.files.contains(&f) {
            return refuse(given, "it is an input file".into());
        }
        if let Some(folder) = plan.folders.iter().find(|d| f.starts_with(d)) {
            return refuse(given, format!("it is inside input folder {}", folder.display()));
        }
        if let Ok(rel) = f.strip_prefix(&out) {
            if let Some(src) = plan.sources.iter().find(|s| s.out_rel == rel) {
                return refuse(given, format!("the cleaned copy of {} goes there", src.display));
            }
        } else if fs::symlink_metadata(given).is_ok_and(|m| m.is_dir()) {
            // It could not be renamed into place, and only after the output
            // folder had been: a failed run would leave a new output behind.
            return refuse(given, "it is a folder".into());
        }
    }
    if out.exists() {
        if !out.is_dir() {
            return refuse(out_dir, "it exists and is not a folder".into());
        }
        let mut entries = fs::read_dir(&out).map_err(|e| Error::io(out_dir, e))?;
        let empty = entries.next().is_none();
        if !empty && !out.join(OUTPUT_MARKER).is_file() {
            return refuse(
                out_dir,
                format!("it is a non-empty folder that textsieve did not write (no {OUTPUT_MARKER} in it); remove it or choose another output folder"),
            );
        }
    }
    Ok(())
}

/// The output folder while it is being written.
pub struct OutputDir {
    final_path: PathBuf,
    staging: PathBuf,
    committed: bool,
    /// Kept after a failure: it holds results a checkpoint counts on (see
    /// [`Staging::Kept`]).
    keep: AtomicBool,
    adopted: bool,
}

/// Removes the staging folders of output `name` in `parent` that runs
/// killed before they could clean up left behind (their process is gone):
/// they hold a partial output, and perhaps a work folder. Best effort.
fn remove_stale_staging(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.textsieve-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() as i32 && !process_exists(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a process `pid` exists (one of another user counts as existing).
fn process_exists(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// How a run's results are staged before they are renamed into place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Staging {
    /// Under names of this process, removed however the run fails.
    Fresh,
    /// Under names made of `tag` (from the run's key in a kept work
    /// folder), which the same command finds again: kept after a failure
    /// once a checkpoint counts on them, for that command to resume. With
    /// `adopt`, what is there is taken up (a checkpoint of the second pass
    /// counts on it); otherwise it is emptied.
    Kept { tag: String, adopt: bool },
}

impl Staging {
    /// The name beside `name` that a result is staged under.
    fn name(&self, name: &str) -> String {
        match self {
            Staging::Fresh => format!(".{name}.textsieve-{}.tmp", std::process::id()),
            Staging::Kept { tag, .. } => format!(".{name}.textsieve-{tag}.tmp"),
        }
    }

    /// The same names, emptied: for a result written whole at the end.
    pub fn emptied(&self) -> Staging {
        match self {
            Staging::Fresh => Staging::Fresh,
            Staging::Kept { tag, .. } => Staging::Kept {
                tag: tag.clone(),
                adopt: false,
            },
        }
    }

    fn adopts(&self) -> bool {
        matches!(self, Staging::Kept { adopt: true, .. })
    }
}

impl OutputDir {
    /// Creates the staging folder beside `final_path` (or takes up the one
    /// `staging` adopts).
    pub fn create(final_path: &Path, staging: &Staging) -> Result<OutputDir> {
        let final_path = resolve(final_path)?;
        let parent = final_path.parent().unwrap_or(Path::new("/")).to_path_buf();
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let name = final_path.file_name().unwrap_or_default().to_string_lossy();
        remove_stale_staging(&parent, &name);
        let path = parent.join(staging.name(&name));
        if staging.adopts() && path.is_dir() {
            return Ok(OutputDir {
                final_path,
                staging: path,
                committed: false,
                keep: AtomicBool::new(true),
                adopted: true,
            });
        }
        if path.exists() {
            fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
        // Named after the output folder: the staging folder is only its first form.
        fs::create_dir(&path).map_err(|e| Error::io(&final_path, e))?;
        if *staging == Staging::Fresh {
            crate::interrupt::register_temporary(&path);
        }
        Ok(OutputDir {
            final_path,
            staging: path,
            committed: false,
            keep: AtomicBool::new(false),
            adopted: false,
        })
    }

    /// Keeps the staging folder if the run fails from now on: a checkpoint
    /// counts on what it holds.
    pub fn keep_after_failure(&self) {
        self.keep.store(true, Ordering::Relaxed);
    }

    /// Whether the staging folder was taken up from a killed run (see
    /// [`Staging::Kept`]), with what it wrote.
    pub fn adopted(&self) -> bool {
        self.adopted
    }

    /// Waits until everything written in the staging folder is on disk
    /// (the whole file system's writes: one call for every file in it).
    pub fn sync(&self) -> Result<()> {
        let failed = |e| Error::io(&self.final_path, e);
        let dir = fs::File::open(&self.staging).map_err(failed)?;
        // SAFETY: syncfs on a file descriptor this function owns.
        if unsafe { libc::syncfs(std::os::unix::io::AsRawFd::as_raw_fd(&dir)) } != 0 {
            return Err(failed(io::Error::last_os_error()));
        }
        Ok(())
    }

    /// Where to write the file that will end up at `OUT/rel`.
    pub fn staged(&self, rel: &Path) -> PathBuf {
        self.staging.join(rel)
    }

    /// Where a staged file will be once the run succeeds: the name errors
    /// give, since the staging folder is only the output's first form.
    pub fn shown(&self, rel: &Path) -> PathBuf {
        self.final_path.join(rel)
    }

    /// For a path the user gave: its place in the staging folder when it lies
    /// inside the output folder, `None` otherwise.
    pub fn staged_if_inside(&self, given: &Path) -> Result<Option<PathBuf>> {
        let p = resolve(given)?;
        Ok(p.strip_prefix(&self.final_path)
            .ok()
            .map(|rel| self.staging.join(rel)))
    }

    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// Puts the finished folder in place, replacing an earlier textsieve output.
    pub fn commit(mut self) -> Result<()> {
        // Once a stop is requested, the staging folder may be removed at any
        // moment: it must not be renamed into place half-deleted.
        if crate::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        fs::write(
            self.staging.join(OUTPUT_MARKER),
            "This folder was written by textsieve; a later run may replace it.\n",
        )
        .map_err(|e| Error::io(&self.staging, e))?;
        let old = self.staging.with_extension("old");
        let had_old = self.final_path.exists();
        if had_old {
            fs::rename(&self.final_path, &old).map_err(|e| Error::io(&self.final_path, e))?;
        }
        if let Err(e) = fs::rename(&self.staging, &self.final_path) {
            if had_old {
                let _ = fs::rename(&old, &self.final_path);
            }
            return Err(Error::io(&self.final_path, e));
        }
        self.committed = true;
        if had_old {
            fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed && !self.keep.load(Ordering::Relaxed) {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// A file outside the output folder, written under a temporary name and
/// renamed into place by [`AtomicFile::commit`].
pub struct AtomicFile {
    file: fs::File,
    temp: PathBuf,
    target: PathBuf,
    /// Kept after a failure: it holds results a checkpoint counts on (see
    /// [`Staging::Kept`]).
    keep: bool,
    committed: bool,
}

impl AtomicFile {
    pub fn create(target: &Path, staging: &Staging) -> Result<AtomicFile> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true);
        // The permissions of an ordinary file (less the umask), not the
        // owner-only ones of a temporary file: it becomes the result.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o644);
        }
        // Opened here rather than by `tempfile`, whose errors name the
        // temporary file: the user is to see the file they asked for.
        let (file, temp) = match staging {
            Staging::Fresh => {
                options.create_new(true);
                let temp = tempfile::Builder::new()
                    .prefix(".textsieve-")
                    .suffix(".tmp")
                    .make_in(&parent, |path| options.open(path))
                    .map_err(|e| Error::io(target, e))?;
                crate::interrupt::register_temporary(temp.path());
                temp.keep().map_err(|e| Error::io(target, e.error))?
            }
            Staging::Kept { adopt, .. } => {
                let name = target.file_name().unwrap_or_default().to_string_lossy();
                let temp = parent.join(staging.name(&name));
                options.create(true).truncate(!adopt);
                (options.open(&temp).map_err(|e| Error::io(target, e))?, temp)
            }
        };
        Ok(AtomicFile {
            file,
            temp,
            target: target.to_path_buf(),
            keep: staging.adopts(),
            committed: false,
        })
    }

    pub fn commit(mut self) -> Result<()> {
        fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed && !self.keep {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A file to be written as part of the result: either inside the staging
/// folder, or beside its final place under a temporary name.
pub enum ResultFile {
    Staged(io::BufWriter<fs::File>, PathBuf),
    Outside(io::BufWriter<AtomicFile>),
}

impl ResultFile {
    pub fn create(out: &OutputDir, given: &Path, staging: &Staging) -> Result<ResultFile> {
        match out.staged_if_inside(given)? {
            Some(p) => {
                if let Some(parent) = p.parent() {
                    fs::create_dir_all(parent).map_err(|e| Error::io(given, e))?;
                }
                let f = fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(!staging.adopts())
                    .open(&p)
                    .map_err(|e| Error::io(given, e))?;
                Ok(ResultFile::Staged(io::BufWriter::new(f), given.to_path_buf()))
            }
            None => Ok(ResultFile::Outside(io::BufWriter::new(AtomicFile::create(
                given, staging,
            )?))),
        }
    }

    /// The file under its temporary name, everything written so far in it.
    fn flushed(&mut self) -> Result<&mut fs::File> {
        let path = self.path();
        let r = match self {
            ResultFile::Staged(w, _) => w.flush().map(|_| w.get_mut()),
            ResultFile::Outside(w) => w.flush().map(|_| &mut w.get_mut().file),
        };
        r.map_err(|e| Error::io(path, e))
    }

    /// Bytes written so far, on disk (for a checkpoint to resume at).
    pub fn written(&mut self) -> Result<u64> {
        let path = self.path();
        let file = self.flushed()?;
        file.sync_data()
            .and_then(|_| io::Seek::stream_position(file))
            .map_err(|e| Error::io(path, e))
    }

    /// Keeps the file if the run fails from now on (see
    /// [`OutputDir::keep_after_failure`]; a file in the staging folder goes
    /// with it).
    pub fn keep_after_failure(&mut self) {
        if let ResultFile::Outside(w) = self {
            w.get_mut().keep = true;
        }
    }

    /// Bytes in the file on disk.
    pub fn on_disk(&mut self) -> Result<u64> {
        let path = self.path();
        let file = self.flushed()?;
        file.metadata().map(|m| m.len()).map_err(|e| Error::io(path, e))
    }

    /// Goes on from byte `len`, dropping what was written after it.
    pub fn resume_at(&mut self, len: u64) -> Result<()> {
        let path = self.path();
        let file = self.flushed()?;
        file.set_len(len)
            .and_then(|_| io::Seek::seek(file, io::SeekFrom::Start(len)))
            .map(|_| ())
            .map_err(|e| Error::io(path, e))
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let r = match self {
            ResultFile::Staged(w, _) => w.write_all(bytes),
            ResultFile::Outside(w) => w.write_all(bytes),
        };
        r.map_err(|e| Error::io(self.path(), e))
    }

    fn path(&self) -> PathBuf {
        match self {
            ResultFile::Staged(_, p) => p.clone(),
            ResultFile::Outside(w) => w.get_ref().target.clone(),
        }
    }

    /// Flushes; a file outside the output folder is put in place only by
    /// `commit`, after the output folder itself.
    pub fn finish(self) -> Result<Option<AtomicFile>> {
        let path = self.path();
        match self {
            ResultFile::Staged(w, _) => {
                w.into_inner()
                    .map_err(|e| Error::io(&path, e.into_error()))?
                    .sync_all()
                    .map_err(|e| Error::io(&path, e))?;
                Ok(None)
            }
            ResultFile::Outside(w) => {
                let f = w.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
                f.file.sync_all().map_err(|e| Error::io(&path, e))?;
                Ok(Some(f))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(adopt: bool) -> Staging {
        Staging::Kept {
            tag: "ktest".into(),
            adopt,
        }
    }

    #[test]
    fn kept_results_outlive_a_failure_only_once_a_checkpoint_counts_on_them() {
        let dir = tempfile::tempdir().unwrap();
        let out_path = dir.path().join("out");
        let staging = dir.path().join(".out.textsieve-ktest.tmp");
        let ann_path = dir.path().join("ann.jsonl");
        let ann_temp = dir.path().join(".ann.jsonl.textsieve-ktest.tmp");
        // A failure before any checkpoint leaves nothing.
        let out = OutputDir::create(&out_path, &kept(false)).unwrap();
        let ann = ResultFile::create(&out, &ann_path, &kept(false)).unwrap();
        assert!(staging.is_dir() && ann_temp.is_file());
        drop((ann, out));
        assert!(!staging.exists() && !ann_temp.exists());
        // After one, the staging folder and the file stay, written so far.
        let out = OutputDir::create(&out_path, &kept(false)).unwrap();
        let mut ann = ResultFile::create(&out, &ann_path, &kept(false)).unwrap();
        ann.write_all(b"line 1\nline 2\n").unwrap();
        assert_eq!(ann.written().unwrap(), 14);
        out.keep_after_failure();
        ann.keep_after_failure();
        drop((ann, out));
        assert!(staging.is_dir() && fs::read(&ann_temp).unwrap() == b"line 1\nline 2\n");
        // The same command takes them up, and goes on from a checkpoint.
        let out = OutputDir::create(&out_path, &kept(true)).unwrap();
        assert!(out.adopted());
        let mut ann = ResultFile::create(&out, &ann_path, &kept(true)).unwrap();
        assert_eq!(ann.on_disk().unwrap(), 14);
        ann.resume_at(7).unwrap();
        ann.write_all(b"line 2 again\n").unwrap();
        let atomic = ann.finish().unwrap().expect("outside the output folder");
        out.commit().unwrap();
        atomic.commit().unwrap();
        assert_eq!(fs::read(&ann_path).unwrap(), b"line 1\nline 2 again\n");
        assert!(out_path.is_dir() && !staging.exists() && !ann_temp.exists());
        // Emptied when not adopted.
        let out = OutputDir::create(&out_path.with_extension("b"), &kept(false)).unwrap();
        fs::write(out.staged(Path::new("x")), b"x").unwrap();
        out.keep_after_failure();
        drop(out);
        let out = OutputDir::create(&out_path.with_extension("b"), &kept(false)).unwrap();
        assert!(!out.adopted() && !out.staged(Path::new("x")).exists());
    }
}
