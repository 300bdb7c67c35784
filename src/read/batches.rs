//! The corpus as a sequence of batches, in corpus order. A reader thread lists
//! text files and reads (and decompresses) JSONL lines ahead of the workers, so
//! I/O overlaps with the parallel work on the previous batch.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::sync::mpsc::sync_channel;

use indicatif::ProgressBar;

use super::compress;
use super::plan::{Source, SourceKind};
use super::{Skip, SkipReason};

/// A batch holds at most this many units, or about the bytes of input its
/// reader is given (see [`batch_bytes`]).
const MAX_UNITS: usize = 4096;
/// The most bytes of input a batch holds.
const MAX_BYTES: u64 = 8 << 20;
/// The fewest: smaller batches would leave the workers waiting.
const MIN_BYTES: u64 = 256 << 10;

/// Bytes of input per batch for a run that may use `max_memory` bytes: a
/// few batches are in flight at once in each pass (read ahead, worked on,
/// written), each with what is derived from it, so a batch is a 64th of it,
/// between [`MIN_BYTES`] and [`MAX_BYTES`].
pub fn batch_bytes(max_memory: u64) -> u64 {
    (max_memory / 64).clamp(MIN_BYTES, MAX_BYTES)
}
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";
/// Batches read ahead of the one being worked on.
const READ_AHEAD: usize = 2;

/// One thing that becomes a document (or a skip record).
pub enum Unit {
    /// A text file, read by the worker that handles it.
    File { source: usize },
    /// One JSONL line (without its terminator) and its 1-based line number.
    Record {
        source: usize,
        line_no: u64,
        line: Vec<u8>,
    },
    /// Input of a source that could not be read.
    Failed { source: usize, skip: Skip },
    /// A unit of a source left out of this pass, standing in for one it had
    /// in the first pass (so that units keep their numbers).
    LeftOut { source: usize },
}

/// Where reading starts: the sources before `source` are not read, and the
/// first `units` units of `source` are read and dropped (a resumed first
/// pass had them already).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Start {
    pub source: usize,
    pub units: u64,
}

impl Start {
    /// Right after the units counted per source in `units_of`: in the last
    /// source that had any (the sources before it were read to their end).
    pub fn after(units_of: &[u64]) -> Start {
        match units_of.iter().rposition(|&n| n > 0) {
            Some(source) => Start {
                source,
                units: units_of[source],
            },
            None => Start::default(),
        }
    }
}

#[derive(Default)]
pub struct Batch {
    pub units: Vec<Unit>,
    /// Input bytes of the text files in the batch (JSONL progress is counted as read).
    pub file_bytes: u64,
}

impl Batch {
    fn full(&self, max_bytes: u64) -> bool {
        self.units.len() >= MAX_UNITS || self.file_bytes >= max_bytes
    }
}

/// Calls `f` on each batch of the corpus in order (of about `max_bytes` of
/// input each), from `start`; stops at the first error `f` returns. A source
/// `i` with `left_out[i] == Some(n)` is not read: it gives `n`
/// [`Unit::LeftOut`] instead (`left_out` may be empty: every source is read).
pub fn for_each_batch<E: Send>(
    sources: &[Source],
    left_out: &[Option<u64>],
    start: Start,
    progress: &ProgressBar,
    max_bytes: u64,
    mut f: impl FnMut(Batch) -> Result<(), E>,
) -> Result<(), E> {
    let (tx, rx) = sync_channel::<Batch>(READ_AHEAD);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut batch = Batch::default();
            let mut send = |batch: &mut Batch| tx.send(std::mem::take(batch)).is_ok();
            for (index, src) in sources.iter().enumerate().skip(start.source) {
                let skip = if index == start.source { start.units } else { 0 };
                if let Some(&Some(units)) = left_out.get(index) {
                    for _ in 0..units {
                        batch.units.push(Unit::LeftOut { source: index });
                        if batch.full(max_bytes) && !send(&mut batch) {
                            return;
                        }
                    }
                    continue;
                }
                match src.kind {
                    SourceKind::Text if skip > 0 => {}
                    SourceKind::Text => {
                        batch.units.push(Unit::File { source: index });
                        batch.file_bytes += src.size;
                    }
                    SourceKind::Jsonl(_) => {
                        let units = UnitsOf { index, src, skip };
                        if !read_jsonl(units, progress, max_bytes, &mut batch, &mut send) {
                            return;
                        }
                    }
                }
                if batch.full(max_bytes) && !send(&mut batch) {
                    return;
                }
            }
            if !batch.units.is_empty() {
                send(&mut batch);
            }
        });
        // The loop owns the receiver: when `f` fails it is dropped, so the
        // reader's next send fails and the reader stops (a borrowed receiver
        // would outlive the error, and the scope would wait forever for a
        // reader blocked on a full channel).
        for batch in rx {
            f(batch)?;
        }
        Ok(())
    })
}

/// The units of source `index` to read: all but the first `skip`.
struct UnitsOf<'a> {
    index: usize,
    src: &'a Source,
    skip: u64,
}

/// Reads a JSONL file line by line into batches. Returns false when the consumer has stopped.
fn read_jsonl(
    units: UnitsOf,
    progress: &ProgressBar,
    max_bytes: u64,
    batch: &mut Batch,
    send: &mut impl FnMut(&mut Batch) -> bool,
) -> bool {
    let UnitsOf { index, src, mut skip } = units;
    let SourceKind::Jsonl(compression) = src.kind else {
        return true;
    };
    let failed = |line: Option<u64>, e: io::Error| Unit::Failed {
        source: index,
        skip: Skip {
            path: src.display.clone(),
            line,
            reason: SkipReason::Unreadable(e.to_string()),
        },
    };
    let file = match File::open(&src.path) {
        Ok(f) => f,
        Err(e) => {
            // A failure is the source's last unit: skipped if it was had.
            if skip == 0 {
                batch.units.push(failed(None, e));
            }
            return true;
        }
    };
    let counted = Counting {
        inner: file,
        progress: progress.clone(),
    };
    let mut reader = match compress::open_reader(counted, compression) {
        Ok(r) => r,
        Err(e) => {
            if skip == 0 {
                batch.units.push(failed(None, e));
            }
            return true;
        }
    };
    let mut line_no = 0u64;
    let mut bytes = 0u64;
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return true,
            Ok(_) => {
                line_no += 1;
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                if line_no == 1 && line.starts_with(UTF8_BOM) {
                    line.drain(..UTF8_BOM.len()); // JSON has no BOM; some writers add one anyway
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue; // a blank line separates nothing and holds no record
                }
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                bytes += line.len() as u64;
                batch.units.push(Unit::Record {
                    source: index,
                    line_no,
                    line,
                });
                if batch.units.len() >= MAX_UNITS || bytes >= max_bytes {
                    bytes = 0;
                    if !send(batch) {
                        return false;
                    }
                }
            }
            Err(e) => {
                if skip == 0 {
                    batch.units.push(failed(Some(line_no + 1), e));
                }
                return true;
            }
        }
    }
}

/// Counts bytes as they come off the disk, for the progress bar.
struct Counting<R> {
    inner: R,
    progress: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::Start;

    #[test]
    fn reading_resumes_in_the_last_source_that_had_units() {
        assert_eq!(Start::after(&[]), Start::default());
        assert_eq!(Start::after(&[0, 0]), Start::default());
        // Sources 0 and 1 were read to their end; 2 had 4 units so far; an
        // empty source (1) before it changes nothing.
        let start = Start::after(&[7, 0, 4, 0]);
        assert_eq!((start.source, start.units), (2, 4));
    }
}
