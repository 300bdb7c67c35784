//! An exchange of records between stages: hash-partitioned, held in memory up
//! to a budget and spilled to files past it.
//!
//! Each producing task has, per partition, a buffer in memory and, once it
//! has spilled, one file `t<task>` in the exchange's folder. A spill appends
//! every partition's buffer to the file, one after another, and the place of
//! each (a segment) to the index `t<task>.idx`; so a partition's records from
//! one task are its segments then its buffer, in the order written. One file
//! per task, not per task and partition: a long run under a small bound
//! makes hundreds of tasks and hundreds of partitions, and files that small
//! take a disk block each. The folder is created at the first spill; a run
//! that never spills touches no disk.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::marker::PhantomData;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use super::{partition_of, Record};
use crate::heap;
use crate::{Error, Result};

/// Bytes read from a spill file at a time (rounded down to whole records):
/// a reader may go through hundreds of streams side by side.
const READ_BYTES: usize = 64 * 1024;

/// The size of a read buffer for records of `record_bytes` bytes.
fn read_buffer_len(record_bytes: usize) -> usize {
    (READ_BYTES / record_bytes).max(1) * record_bytes
}

/// The memory that several exchanges share: records past it are spilled.
/// Also counts the bytes spilled and the most held on disk at once.
#[derive(Debug, Default)]
pub struct Budget {
    limit: usize,
    /// The bound on the whole process's resident memory (`--max-memory`).
    process_bound: u64,
    held: AtomicUsize,
    spilled: AtomicU64,
    on_disk: AtomicU64,
    peak_on_disk: AtomicU64,
}

impl Budget {
    /// A budget of `limit` bytes of records in memory.
    pub fn new(limit: usize) -> Arc<Budget> {
        Budget::bounded(limit, u64::MAX)
    }

    /// A budget of `limit` bytes of records, in a process bounded to
    /// `process_bound` bytes of resident memory.
    pub fn bounded(limit: usize, process_bound: u64) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            process_bound,
            ..Budget::default()
        })
    }

    /// Gives the memory freed so far back to the system when the process
    /// is near its bound (see [`heap::near_bound`]): a stage's tasks free
    /// their tables and buffers in an order that leaves it in the
    /// allocator's free lists, one per thread. Far from the bound, walking
    /// the heap would cost time for nothing.
    pub fn give_back_if_near_bound(&self) {
        if self.near_bound() {
            heap::give_back_freed();
        }
    }

    /// Whether the process is near its bound (see [`heap::near_bound`]).
    pub fn near_bound(&self) -> bool {
        heap::near_bound(self.process_bound)
    }

    /// No limit: nothing is ever spilled.
    pub fn unlimited() -> Arc<Budget> {
        Budget::new(usize::MAX)
    }

    /// The least a running task spills at once. Once the budget is full,
    /// every check of every running task finds it over: spilling each time
    /// would write a few hundred bytes per partition (one index entry each),
    /// and the entries of an 8 GB run held more than the budget. So what the
    /// exchanges hold stays under the budget plus this much per running task.
    fn smallest_spill(&self) -> usize {
        (self.limit / 64).clamp(CHECK_EVERY, 8 << 20)
    }

    pub(super) fn over(&self) -> bool {
        self.held.load(Ordering::Relaxed) > self.limit
    }

    /// Counts `bytes` more held in memory.
    pub(super) fn hold(&self, bytes: usize) {
        self.held.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts `bytes` fewer held in memory.
    pub(super) fn release(&self, bytes: usize) {
        self.held.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Bytes held in memory now.
    pub fn held_bytes(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// Bytes written to spill files so far.
    pub fn spilled_bytes(&self) -> u64 {
        self.spilled.load(Ordering::Relaxed)
    }

    /// The most bytes of spill files that existed at once.
    pub fn peak_disk_bytes(&self) -> u64 {
        self.peak_on_disk.load(Ordering::Relaxed)
    }

    pub(super) fn add_to_disk(&self, bytes: u64) {
        self.spilled.fetch_add(bytes, Ordering::Relaxed);
        let now = self.on_disk.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak_on_disk.fetch_max(now, Ordering::Relaxed);
    }

    /// Counts `bytes` of files removed.
    pub(super) fn remove_from_disk(&self, bytes: u64) {
        self.on_disk.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// The memory of a table a reduce builds beside the records (its map of
/// first occurrences), counted against the budget while it lives: the
/// records the reduce writes meanwhile spill sooner. Measured on 2 GB under
/// `--max-memory 200MB`, counting them took the peak from 232.7 MB to
/// 224.6 MB.
pub struct TableMemory {
    budget: Arc<Budget>,
    bytes: usize,
}

impl TableMemory {
    /// Counts `bytes` for the table now, in place of what was counted.
    pub fn set(&mut self, bytes: usize) {
        if bytes > self.bytes {
            self.budget.hold(bytes - self.bytes);
        } else {
            self.budget.release(self.bytes - bytes);
        }
        self.bytes = bytes;
    }

    /// Counts the memory of `map` when it has grown since the last count.
    pub fn follow<V>(&mut self, map: &crate::keymap::KeyMap<V>) {
        let bytes = crate::keymap::map_bytes(map);
        if bytes != self.bytes {
            self.set(bytes);
        }
    }
}

impl Drop for TableMemory {
    fn drop(&mut self) {
        self.budget.release(self.bytes);
    }
}

/// A partitioned exchange of records of type `R` (see the module docs).
pub struct Exchange<R: Record> {
    partitions: u32,
    budget: Arc<Budget>,
    /// Its spill files, which live as long as it or a stream reading them.
    files: Arc<SpillFiles>,
    /// The tasks that finished, each with what it holds in memory.
    finished: RwLock<BTreeMap<u32, Held>>,
    record: PhantomData<fn(R) -> R>,
}

/// What one task holds of each partition: records in memory, and where
/// earlier ones lie in its spill file.
struct Held {
    buffers: Vec<Vec<u8>>,
    /// The segments of the task's spill file with their partitions, in the
    /// order written: one list, not one per partition, since a run keeps
    /// this for hundreds of tasks of each exchange.
    segments: Vec<(u32, Segment)>,
    /// Bytes of the task's spill file.
    file_bytes: u64,
}

/// Where a run of one partition's records lies in a task's spill file.
#[derive(Clone, Copy, Debug)]
struct Segment {
    at: u64,
    len: u64,
}

/// Bytes of one entry of a spill index: partition, offset, length.
const INDEX_ENTRY: usize = 24;

impl Held {
    fn new(partitions: u32) -> Held {
        Held {
            buffers: vec![Vec::new(); partitions as usize],
            segments: Vec::new(),
            file_bytes: 0,
        }
    }

    fn bytes(&self) -> usize {
        self.buffers.iter().map(Vec::len).sum()
    }

    /// The segments of partition `p`, in the order written.
    fn segments_of(&self, p: usize) -> Vec<Segment> {
        let of_p = self.segments.iter().filter(|&&(q, _)| q as usize == p);
        of_p.map(|&(_, segment)| segment).collect()
    }

    /// What it holds in memory of partition `p`.
    fn buffer(&self, p: usize) -> &[u8] {
        self.buffers.get(p).map_or(&[], Vec::as_slice)
    }

    /// Drops the list of buffers of a finished task that holds nothing.
    fn compact(&mut self) {
        if self.buffers.iter().all(Vec::is_empty) {
            self.buffers = Vec::new();
        }
    }
}

impl<R: Record> Exchange<R> {
    /// An exchange of `partitions` partitions (at least 1) that spills into
    /// `dir` (created when first needed, removed with the exchange) once the
    /// exchanges sharing `budget` hold more than it allows.
    pub fn new(dir: impl Into<PathBuf>, partitions: u32, budget: Arc<Budget>) -> Exchange<R> {
        Exchange::with_files(Some(dir.into()), partitions, budget)
    }

    /// An exchange of `partitions` partitions held in memory, whatever its size.
    pub fn in_memory(partitions: u32) -> Exchange<R> {
        Exchange::with_files(None, partitions, Budget::unlimited())
    }

    fn with_files(dir: Option<PathBuf>, partitions: u32, budget: Arc<Budget>) -> Exchange<R> {
        let files = Arc::new(SpillFiles {
            dir,
            bytes: AtomicU64::new(0),
            budget: budget.clone(),
            keep: AtomicBool::new(false),
            written: AtomicBool::new(false),
        });
        Exchange {
            partitions: partitions.max(1),
            budget,
            files,
            finished: RwLock::new(BTreeMap::new()),
            record: PhantomData,
        }
    }

    pub fn partitions(&self) -> u32 {
        self.partitions
    }

    /// Writes every record still held in memory to the spill files, so that
    /// the exchange can be reopened from its folder (see
    /// [`Exchange::reopen`]) by a later run that resumes this one.
    pub fn persist(&self) -> Result<()> {
        let mut finished = self.finished.write().unwrap_or_else(|e| e.into_inner());
        for (&task, held) in finished.iter_mut() {
            self.spill(task, held)?;
            held.compact();
        }
        self.files.keep.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// The exchange that [`Exchange::persist`] left in `dir` when its first
    /// `tasks` tasks had finished: their records are read from their files.
    /// Files of later tasks are what an interrupted run wrote after that,
    /// and are removed.
    pub fn reopen(
        dir: impl Into<PathBuf>,
        partitions: u32,
        budget: Arc<Budget>,
        tasks: u32,
    ) -> Result<Exchange<R>> {
        let dir = dir.into();
        let exchange = Exchange::new(dir.clone(), partitions, budget.clone());
        let mut finished = BTreeMap::new();
        let mut bytes = 0;
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries.collect::<std::io::Result<Vec<_>>>(),
            // No records were ever spilled: the exchange was empty.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
        .map_err(|e| Error::io(&dir, e))?;
        for entry in entries {
            let Some(task) = index_task(&entry.file_name()) else {
                continue;
            };
            if task >= tasks {
                exchange.remove_task_files(task)?;
                continue;
            }
            let held = exchange.read_index(task)?;
            bytes += held.file_bytes;
            finished.insert(task, held);
        }
        exchange.files.bytes.store(bytes, Ordering::Relaxed);
        exchange.files.keep.store(true, Ordering::Relaxed);
        budget.add_to_disk(bytes);
        *exchange.finished.write().unwrap_or_else(|e| e.into_inner()) = finished;
        Ok(exchange)
    }

    /// Removes the spill file of task `task` and its index.
    fn remove_task_files(&self, task: u32) -> Result<()> {
        for path in [self.files.path(task), self.files.index_path(task)] {
            match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(&path, e)),
                _ => {}
            }
        }
        Ok(())
    }

    /// What task `task` spilled, from its index (checked against its file).
    fn read_index(&self, task: u32) -> Result<Held> {
        let (data, index) = (self.files.path(task), self.files.index_path(task));
        let entries = fs::read(&index).map_err(|e| Error::io(&index, e))?;
        let file_bytes = fs::metadata(&data).map_err(|e| Error::io(&data, e))?.len();
        let damaged = || {
            Error::io(
                &index,
                std::io::Error::other("a spill index that does not fit its file"),
            )
        };
        if entries.len() % INDEX_ENTRY != 0 {
            return Err(damaged());
        }
        let mut held = Held::new(0);
        held.file_bytes = file_bytes;
        for e in entries.chunks_exact(INDEX_ENTRY) {
            let (p, at, len) = (super::u64_at(e, 0), super::u64_at(e, 8), super::u64_at(e, 16));
            let fits = at.checked_add(len).is_some_and(|end| end <= file_bytes);
            if p >= u64::from(self.partitions) || !fits || len == 0 || len % R::BYTES as u64 != 0 {
                return Err(damaged());
            }
            held.segments.push((p as u32, Segment { at, len }));
        }
        Ok(held)
    }

    /// See [`Budget::give_back_if_near_bound`]: for a reduce, after each
    /// partition.
    pub fn give_back_if_near_bound(&self) {
        self.budget.give_back_if_near_bound();
    }

    /// The count of a reduce table's memory against this exchange's budget.
    pub fn table_memory(&self) -> TableMemory {
        TableMemory {
            budget: self.budget.clone(),
            bytes: 0,
        }
    }

    /// Records of `partition`, in memory and spilled.
    pub fn records(&self, partition: u32) -> usize {
        let finished = self.finished.read().unwrap_or_else(|e| e.into_inner());
        let p = partition as usize;
        let bytes: u64 = finished
            .values()
            .map(|held| {
                let spilled: u64 = held.segments_of(p).iter().map(|s| s.len).sum();
                spilled + held.buffer(p).len() as u64
            })
            .sum();
        usize::try_from(bytes / R::BYTES as u64).unwrap_or(usize::MAX)
    }

    /// Bytes written to this exchange's spill files.
    pub fn spilled_bytes(&self) -> u64 {
        self.files.bytes.load(Ordering::Relaxed)
    }

    /// The writer of task `task`. Tasks are read back in the order of their
    /// numbers, whatever the order they ran or finished in.
    pub fn producer(&self, task: u32) -> Producer<'_, R> {
        Producer {
            exchange: self,
            task,
            held: Held::new(self.partitions),
            pending: 0,
        }
    }

    /// Calls `f` with every record of `partition`, task by task in the
    /// order of their numbers, and in each task in the order written.
    pub fn for_each(&self, partition: u32, mut f: impl FnMut(R)) -> Result<()> {
        let finished = self.finished.read().unwrap_or_else(|e| e.into_inner());
        let p = partition as usize;
        for (&task, held) in finished.iter() {
            let mut spilled = self.stream(task, held.segments_of(p), Vec::new());
            while let Some(r) = spilled.next_record()? {
                f(r);
            }
            held.buffer(p)
                .chunks_exact(R::BYTES)
                .for_each(|b| f(R::decode(b)));
        }
        Ok(())
    }

    /// The records of `partition` as one stream per task, in task order:
    /// for readers that go through several tasks' records side by side (each
    /// task's records of a partition are in the order written).
    pub fn into_streams(self, partition: u32) -> Vec<(u32, Stream<R>)> {
        let p = partition as usize;
        let finished = std::mem::take(&mut *self.finished.write().unwrap_or_else(|e| e.into_inner()));
        finished
            .into_iter()
            .map(|(task, mut held)| {
                // The other partitions' records go now; the stream gives
                // back its own when it is dropped.
                let others = held.bytes() - held.buffer(p).len();
                self.budget.release(others);
                let memory = held.buffers.get_mut(p).map(std::mem::take).unwrap_or_default();
                (task, self.stream(task, held.segments_of(p), memory))
            })
            .collect()
    }

    /// The records of `segments` of task `task`'s spill file, then `memory`.
    fn stream(&self, task: u32, segments: Vec<Segment>, memory: Vec<u8>) -> Stream<R> {
        Stream {
            files: self.files.clone(),
            path: self.files.path(task),
            file: None,
            segments,
            segment: 0,
            segment_at: 0,
            memory,
            at: 0,
            buf: Vec::new(),
            buf_at: 0,
            record: PhantomData,
        }
    }

    /// Appends what `held` keeps in memory to the task's spill file, and
    /// where each partition's part went to its index.
    fn spill(&self, task: u32, held: &mut Held) -> Result<()> {
        let bytes = held.bytes();
        if bytes == 0 {
            return Ok(());
        }
        // A task's first spill empties files an interrupted attempt left.
        let fresh = held.file_bytes == 0;
        let (data, index) = (self.files.path(task), self.files.index_path(task));
        self.files.written.store(true, Ordering::Relaxed);
        let failed = |e| Error::io(&data, e);
        let mut out = BufWriter::with_capacity(1 << 20, open_to_append(&data, fresh).map_err(failed)?);
        let mut entries = Vec::new();
        for (p, buffer) in held.buffers.iter_mut().enumerate() {
            if buffer.is_empty() {
                continue;
            }
            out.write_all(buffer).map_err(failed)?;
            let segment = Segment {
                at: held.file_bytes,
                len: buffer.len() as u64,
            };
            held.segments.push((p as u32, segment));
            held.file_bytes += segment.len;
            for v in [p as u64, segment.at, segment.len] {
                entries.extend_from_slice(&v.to_le_bytes());
            }
            *buffer = Vec::new();
        }
        out.flush().map_err(failed)?;
        // The index after the data: it never names bytes not written.
        let mut index_file = open_to_append(&index, fresh).map_err(|e| Error::io(&index, e))?;
        index_file.write_all(&entries).map_err(|e| Error::io(&index, e))?;
        self.files.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        self.budget.add_to_disk(bytes as u64);
        self.budget.release(bytes);
        Ok(())
    }
}

impl<R: Record> Drop for Exchange<R> {
    /// Gives the memory it holds back to the budget.
    fn drop(&mut self) {
        let finished = self.finished.get_mut().unwrap_or_else(|e| e.into_inner());
        let held: usize = finished.values().map(Held::bytes).sum();
        self.budget.release(held);
    }
}

/// The spill folder of an exchange: removed, and its bytes given back to the
/// budget's count of disk, when the exchange and its streams are gone.
struct SpillFiles {
    /// `None` for an exchange held in memory whatever its size.
    dir: Option<PathBuf>,
    bytes: AtomicU64,
    budget: Arc<Budget>,
    /// Kept when the exchange goes: a later run may resume from them.
    keep: AtomicBool,
    /// Whether it began to write a spill file.
    written: AtomicBool,
}

impl SpillFiles {
    /// The spill file of a task's records.
    fn path(&self, task: u32) -> PathBuf {
        // An exchange without a folder has no budget to exceed: never spills.
        let dir = self.dir.as_deref().unwrap_or(Path::new("."));
        dir.join(format!("t{task:05}"))
    }

    /// The index of a task's spill file (see [`Held`]).
    fn index_path(&self, task: u32) -> PathBuf {
        self.path(task).with_extension("idx")
    }
}

impl Drop for SpillFiles {
    fn drop(&mut self) {
        // A folder it never wrote may be another exchange's (one reopened
        // from it).
        if self.keep.load(Ordering::Relaxed) || !self.written.load(Ordering::Relaxed) {
            return;
        }
        self.budget.remove_from_disk(self.bytes.load(Ordering::Relaxed));
        if let Some(dir) = &self.dir {
            // Also after a spill that failed half-way (and counted nothing).
            // Best effort: the work folder goes with the run anyway.
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// One task's records of one partition, in the order written: its segments
/// of the task's spill file (read a block at a time), then what it held in
/// memory.
pub struct Stream<R: Record> {
    /// Keeps the spill files until every stream is done, and the budget
    /// that counts `memory`.
    files: Arc<SpillFiles>,
    path: PathBuf,
    /// The spill file, opened at the first read.
    file: Option<File>,
    segments: Vec<Segment>,
    /// The segment being read, and the bytes of it read.
    segment: usize,
    segment_at: u64,
    memory: Vec<u8>,
    at: usize,
    /// Records read from the file and not yet returned.
    buf: Vec<u8>,
    buf_at: usize,
    record: PhantomData<fn(R) -> R>,
}

impl<R: Record> Stream<R> {
    /// The next record, `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<R>> {
        if self.buf_at == self.buf.len() && self.segment < self.segments.len() {
            self.fill_from_file()?;
        }
        if self.buf_at < self.buf.len() {
            let r = R::decode(&self.buf[self.buf_at..self.buf_at + R::BYTES]);
            self.buf_at += R::BYTES;
            return Ok(Some(r));
        }
        // The segments are done; what was held in memory follows them.
        if self.at < self.memory.len() {
            let r = R::decode(&self.memory[self.at..self.at + R::BYTES]);
            self.at += R::BYTES;
            return Ok(Some(r));
        }
        Ok(None)
    }

    /// Reads the next block of the segments into `buf`.
    fn fill_from_file(&mut self) -> Result<()> {
        let segment = self.segments[self.segment];
        let file = match self.file.take() {
            Some(file) => file,
            None => File::open(&self.path).map_err(|e| Error::io(&self.path, e))?,
        };
        let n = (segment.len - self.segment_at).min(read_buffer_len(R::BYTES) as u64) as usize;
        self.buf.resize(n, 0);
        read_segment(&file, &self.path, &mut self.buf, segment.at + self.segment_at)?;
        self.buf_at = 0;
        self.segment_at += n as u64;
        if self.segment_at == segment.len {
            (self.segment, self.segment_at) = (self.segment + 1, 0);
        }
        // Open while segments remain: a reader may hold hundreds of streams.
        if self.segment < self.segments.len() {
            self.file = Some(file);
        }
        Ok(())
    }
}

impl<R: Record> Drop for Stream<R> {
    fn drop(&mut self) {
        let budget = &self.files.budget;
        budget.release(self.memory.len());
    }
}

fn cut_inside_a_record(path: &Path) -> Error {
    let why = "a spill file ends inside a record it indexes (was it changed or truncated?)";
    Error::io(path, std::io::Error::other(why))
}

/// Writes the records of one task into an [`Exchange`].
pub struct Producer<'a, R: Record> {
    exchange: &'a Exchange<R>,
    task: u32,
    held: Held,
    /// Bytes added since the budget was last checked.
    pending: usize,
}

/// Bytes a producer adds before it checks the shared budget again.
const CHECK_EVERY: usize = 64 * 1024;

impl<R: Record> Producer<'_, R> {
    pub fn push(&mut self, record: &R) -> Result<()> {
        let p = partition_of(record.key(), self.exchange.partitions) as usize;
        record.encode(&mut self.held.buffers[p]);
        self.pending += R::BYTES;
        if self.pending >= CHECK_EVERY {
            self.check_budget(self.exchange.budget.smallest_spill())?;
        }
        Ok(())
    }

    /// Counts what the task added; over the budget, spills all it holds
    /// once that is at least `at_least` bytes.
    fn check_budget(&mut self, at_least: usize) -> Result<()> {
        let ex = self.exchange;
        ex.budget.hold(self.pending);
        self.pending = 0;
        if ex.budget.over() && self.held.bytes() >= at_least {
            ex.spill(self.task, &mut self.held)?;
        }
        Ok(())
    }

    /// Hands what the task wrote to the exchange; until then no reader sees it.
    pub fn finish(mut self) -> Result<()> {
        // A finished task never spills on its own: it spills what it holds
        // now if the budget is over, whatever its size.
        self.check_budget(0)?;
        // The budget counts bytes held, not the room vectors grow into.
        for buffer in &mut self.held.buffers {
            buffer.shrink_to_fit();
        }
        self.held.compact();
        let ex = self.exchange;
        ex.finished
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(self.task, std::mem::replace(&mut self.held, Held::new(0)));
        Ok(())
    }
}

/// The task of a spill index file named `t<task>.idx`.
fn index_task(name: &std::ffi::OsStr) -> Option<u32> {
    name.to_str()?
        .strip_prefix('t')?
        .strip_suffix(".idx")?
        .parse()
        .ok()
}

/// Opens `path` to append to it; created (or emptied) first when `fresh`:
/// a file left by an earlier, interrupted attempt is never read.
fn open_to_append(path: &Path, fresh: bool) -> std::io::Result<File> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    if fresh {
        File::create(path)
    } else {
        OpenOptions::new().append(true).open(path)
    }
}

/// Reads `buf.len()` bytes of the spill file at `path` from `at`; a file
/// that ends before them was cut.
fn read_segment(file: &File, path: &Path, buf: &mut [u8], at: u64) -> Result<()> {
    match file.read_exact_at(buf, at) {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(cut_inside_a_record(path)),
        other => other.map_err(|e| Error::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataflow::u64_at;

    /// A key and where it was seen.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Seen {
        key: u64,
        at: u64,
    }

    impl Record for Seen {
        const BYTES: usize = 16;
        fn key(&self) -> u64 {
            self.key
        }
        fn encode(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.key.to_le_bytes());
            out.extend_from_slice(&self.at.to_le_bytes());
        }
        fn decode(b: &[u8]) -> Seen {
            Seen {
                key: u64_at(b, 0),
                at: u64_at(b, 8),
            }
        }
    }

    /// Writes `tasks` (each a list of records) through an exchange, the tasks
    /// running in `run_order`, and reads every partition back.
    fn exchange(
        dir: &Path,
        tasks: &[Vec<Seen>],
        partitions: u32,
        budget: usize,
        run_order: &[usize],
    ) -> (Vec<Vec<Seen>>, u64) {
        let ex: Exchange<Seen> = Exchange::new(dir, partitions, Budget::new(budget));
        for &t in run_order {
            let mut producer = ex.producer(t as u32);
            for r in &tasks[t] {
                producer.push(r).unwrap();
            }
            producer.finish().unwrap();
        }
        let parts = (0..partitions)
            .map(|p| {
                let mut got = Vec::new();
                ex.for_each(p, |r| got.push(r)).unwrap();
                got
            })
            .collect();
        (parts, ex.spilled_bytes())
    }

    proptest::proptest! {
        /// Whatever the budget and the order the tasks ran in, each
        /// partition reads the same records in the same order: its keys'
        /// records, task by task, as written.
        #[test]
        fn where_records_were_held_never_changes_what_is_read(
            tasks in proptest::collection::vec(
                proptest::collection::vec((0u64..40, 0u64..1000), 0..3000), 1..5),
            partitions in 1u32..6,
            budget in 0usize..100_000,
            reverse in proptest::bool::ANY,
        ) {
            let tasks: Vec<Vec<Seen>> = tasks
                .into_iter()
                .map(|t| t.into_iter().map(|(k, at)| Seen { key: k.wrapping_mul(0x9e37_79b9_7f4a_7c15), at }).collect())
                .collect();
            let mut order: Vec<usize> = (0..tasks.len()).collect();
            if reverse {
                order.reverse();
            }
            let tmp = tempfile::tempdir().unwrap();
            let (parts, _) = exchange(tmp.path(), &tasks, partitions, budget, &order);
            for (p, got) in parts.iter().enumerate() {
                let want: Vec<Seen> = tasks
                    .iter()
                    .flatten()
                    .filter(|r| partition_of(r.key, partitions) == p as u32)
                    .copied()
                    .collect();
                proptest::prop_assert_eq!(got, &want);
            }
            // Task by task as streams: the same records.
            let tmp = tempfile::tempdir().unwrap();
            let p = partitions - 1;
            let ex: Exchange<Seen> = Exchange::new(tmp.path(), partitions, Budget::new(budget));
            for &t in &order {
                let mut producer = ex.producer(t as u32);
                tasks[t].iter().try_for_each(|r| producer.push(r)).unwrap();
                producer.finish().unwrap();
            }
            let mut streamed = Vec::new();
            for (t, mut stream) in ex.into_streams(p) {
                let mut of_task = Vec::new();
                while let Some(r) = stream.next_record().unwrap() {
                    of_task.push(r);
                }
                let want: Vec<Seen> =
                    tasks[t as usize].iter().filter(|r| partition_of(r.key, partitions) == p).copied().collect();
                proptest::prop_assert_eq!(&of_task, &want);
                streamed.extend(of_task);
            }
            proptest::prop_assert_eq!(&streamed, &parts[p as usize]);
        }
    }

    #[test]
    fn a_small_budget_spills_and_a_large_one_touches_no_disk() {
        let tasks: Vec<Vec<Seen>> = (0..3)
            .map(|t| {
                (0..20_000)
                    .map(|i| Seen {
                        key: (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
                        at: t,
                    })
                    .collect()
            })
            .collect();
        let tmp = tempfile::tempdir().unwrap();
        let (big, none) = exchange(&tmp.path().join("big"), &tasks, 4, usize::MAX, &[0, 1, 2]);
        assert_eq!(none, 0);
        assert!(
            !tmp.path().join("big").exists(),
            "nothing spilled, no folder made"
        );
        let (small, spilled) = exchange(&tmp.path().join("small"), &tasks, 4, 100_000, &[0, 1, 2]);
        assert_eq!(big, small);
        let total = 3 * 20_000 * Seen::BYTES as u64;
        assert!(
            spilled >= total - 100_000 - 3 * CHECK_EVERY as u64,
            "spilled {spilled} of {total}"
        );
    }

    #[test]
    fn memory_and_spill_files_are_given_back_when_readers_are_done() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("x");
        let budget = Budget::new(50_000);
        let ex: Exchange<Seen> = Exchange::new(&dir, 3, budget.clone());
        for t in 0..2 {
            let mut producer = ex.producer(t);
            (0..20_000u64)
                .try_for_each(|i| {
                    producer.push(&Seen {
                        key: i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                        at: i,
                    })
                })
                .unwrap();
            producer.finish().unwrap();
        }
        assert!(budget.held.load(Ordering::Relaxed) <= 50_000);
        assert!(budget.spilled_bytes() > 0 && dir.exists());
        let mut streams = ex.into_streams(1);
        let mut n = 0;
        for (_, s) in &mut streams {
            while s.next_record().unwrap().is_some() {
                n += 1;
            }
        }
        assert!(n > 10_000, "{n}");
        assert!(dir.exists(), "the streams still read the files");
        drop(streams);
        assert!(!dir.exists());
        assert_eq!(budget.held.load(Ordering::Relaxed), 0);
        assert_eq!(budget.on_disk.load(Ordering::Relaxed), 0);
        assert!(budget.peak_disk_bytes() >= budget.spilled_bytes() - 50_000);
    }

    #[test]
    fn a_spill_file_cut_inside_a_record_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let ex: Exchange<Seen> = Exchange::new(tmp.path(), 1, Budget::new(0));
        let mut producer = ex.producer(0);
        for i in 0..10_000 {
            producer.push(&Seen { key: i, at: i }).unwrap();
        }
        producer.finish().unwrap();
        let path = tmp.path().join("t00000");
        let len = fs::metadata(&path).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        let err = ex.for_each(0, |_| {}).unwrap_err().to_string();
        assert!(err.contains("t00000") && err.contains("inside a record"), "{err}");
    }

    #[test]
    fn a_persisted_exchange_reopens_with_the_same_records_and_a_damaged_index_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("x");
        let tasks: Vec<Vec<Seen>> = (0..3)
            .map(|t| {
                let key = |i: u64| i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                (0..5_000)
                    .map(|i| Seen {
                        key: key(i % 700),
                        at: t * 10_000 + i,
                    })
                    .collect()
            })
            .collect();
        // Spills mid-task (several segments per partition), then persists.
        let ex: Exchange<Seen> = Exchange::new(&dir, 5, Budget::new(30_000));
        for (t, records) in tasks.iter().enumerate() {
            let mut producer = ex.producer(t as u32);
            records.iter().try_for_each(|r| producer.push(r)).unwrap();
            producer.finish().unwrap();
        }
        let read_all = |ex: &Exchange<Seen>| -> Vec<Vec<Seen>> {
            (0..5)
                .map(|p| {
                    let mut got = Vec::new();
                    ex.for_each(p, |r| got.push(r)).unwrap();
                    got
                })
                .collect()
        };
        let before = read_all(&ex);
        for (p, records) in before.iter().enumerate() {
            assert_eq!(
                ex.records(p as u32),
                records.len(),
                "spilled and held, partition {p}"
            );
        }
        ex.persist().unwrap();
        drop(ex);
        let files = fs::read_dir(&dir).unwrap().count();
        assert_eq!(files, 6, "a data file and an index per task");
        let again: Exchange<Seen> = Exchange::reopen(&dir, 5, Budget::new(0), 3).unwrap();
        assert_eq!(read_all(&again), before);
        drop(again);
        // Reopened as it was after two tasks: the third task's files are
        // an interrupted run's, and go.
        let two: Exchange<Seen> = Exchange::reopen(&dir, 5, Budget::new(0), 2).unwrap();
        let first_two: Vec<Vec<Seen>> = before
            .iter()
            .map(|p| p.iter().filter(|r| r.at < 20_000).copied().collect())
            .collect();
        assert_eq!(read_all(&two), first_two);
        assert!(!dir.join("t00002").exists() && !dir.join("t00002.idx").exists());
        drop(two);
        // A later task killed between its data and its index: the index alone goes.
        fs::remove_file(dir.join("t00001")).unwrap();
        let one: Exchange<Seen> = Exchange::reopen(&dir, 5, Budget::new(0), 1).unwrap();
        assert!(!dir.join("t00001.idx").exists());
        drop(one);
        fs::copy(dir.join("t00000"), dir.join("t00001")).unwrap();
        fs::copy(dir.join("t00000.idx"), dir.join("t00001.idx")).unwrap();

        let index = dir.join("t00001.idx");
        let entries = fs::read(&index).unwrap();
        fs::write(&index, &entries[..entries.len() - 1]).unwrap();
        let err = Exchange::<Seen>::reopen(&dir, 5, Budget::new(0), 2)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("t00001.idx") && err.contains("does not fit"),
            "{err}"
        );
        // An entry that points past the end of the file.
        let mut past = entries.clone();
        past[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        fs::write(&index, past).unwrap();
        assert!(Exchange::<Seen>::reopen(&dir, 5, Budget::new(0), 2).is_err());
    }

    #[test]
    fn a_budget_knows_the_process_bound() {
        assert!(!Budget::new(1).near_bound(), "no bound");
        assert!(!Budget::bounded(1, u64::MAX).near_bound());
        assert!(
            Budget::bounded(1, 1024).near_bound(),
            "a process holds more than 768 bytes"
        );
    }

    #[test]
    fn a_reduce_table_counts_against_the_budget_while_it_lives() {
        let budget = Budget::new(1 << 20);
        let ex: Exchange<Seen> = Exchange::new("unused", 2, budget.clone());
        let mut table = ex.table_memory();
        let mut map: crate::keymap::KeyMap<u64> = crate::keymap::KeyMap::default();
        table.follow(&map);
        assert_eq!(budget.held_bytes(), 0);
        map.extend((0..1000u64).map(|k| (k, k)));
        table.follow(&map);
        let bytes = crate::keymap::map_bytes(&map);
        assert!(bytes >= 1000 * 17, "{bytes}");
        assert_eq!(budget.held_bytes(), bytes);
        table.set(10);
        assert_eq!(budget.held_bytes(), 10);
        table.set(30);
        assert_eq!(budget.held_bytes(), 30);
        drop(table);
        assert_eq!(budget.held_bytes(), 0, "given back when the table goes");
    }

    #[test]
    fn an_unwritable_folder_fails_with_its_path() {
        let tmp = tempfile::tempdir().unwrap();
        let blocker = tmp.path().join("file");
        fs::write(&blocker, "not a folder").unwrap();
        let ex: Exchange<Seen> = Exchange::new(blocker.join("spill"), 2, Budget::new(0));
        let mut producer = ex.producer(0);
        let err = (0..10_000)
            .try_for_each(|i| producer.push(&Seen { key: i, at: i }))
            .unwrap_err()
            .to_string();
        assert!(err.contains("file/spill/t0000"), "{err}");
    }
}
