//! The dataflow layer: how facts about documents cross from the stage that
//! finds them to the stage that needs them, whatever their volume.
//!
//! A stage's tasks (one per input shard, or one per partition) write
//! fixed-size [`Record`]s into an [`Exchange`], which sends each record to
//! the partition of its key. A later stage reads one partition at a time.
//! Reading a partition gives its records in the order of the tasks that wrote
//! them, and in each task in the order written. Tasks of a map stage are
//! shards in corpus order and write in corpus order, so a partition is read
//! in corpus order: the first record of a key is its first occurrence, the
//! minimum over (document, line), which is what every "first occurrence"
//! rule needs, computed exactly one partition at a time.
//!
//! Records are held in memory up to the exchange's budget and spilled to
//! its folder past it; where they were held never changes what is read.
//! See `docs/dataflow.md` for the stages built on it.

pub mod answers;
mod doc_store;
mod exchange;
pub mod first_seen;
pub mod first_shingle;

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::DEFAULT_PARTITIONS;
use crate::doc::DocId;

pub use doc_store::DocStore;
pub use exchange::{Budget, Exchange, Producer, Stream};

/// A record that crosses an [`Exchange`]: a fixed number of bytes.
pub trait Record: Sized {
    /// Bytes of one encoded record.
    const BYTES: usize;
    /// The key that picks its partition: records with equal keys meet in one.
    /// It is a hash already (an xxh3 key, a shingle).
    fn key(&self) -> u64;
    /// Appends the record's `BYTES` bytes.
    fn encode(&self, out: &mut Vec<u8>);
    /// The record of `BYTES` bytes made by [`Record::encode`].
    fn decode(bytes: &[u8]) -> Self;
}

/// The little-endian u32 at `at` of an encoded record.
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    // One bounds check and one load, where four indexed bytes are four.
    let bytes: [u8; 4] = b[at..at + 4].try_into().unwrap_or_default();
    u32::from_le_bytes(bytes)
}

/// The little-endian u64 at `at` of an encoded record.
pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
    let bytes: [u8; 8] = b[at..at + 8].try_into().unwrap_or_default();
    u64::from_le_bytes(bytes)
}

/// How a run makes its exchanges: held in memory, or spilling into a work
/// folder past a memory budget that they all share.
#[derive(Clone, Debug)]
pub struct Exchanges {
    /// The work folder; `None` to hold everything in memory.
    pub dir: Option<PathBuf>,
    pub budget: Arc<Budget>,
    /// Partitions of each keyed exchange.
    pub partitions: u32,
}

impl Exchanges {
    pub fn in_memory() -> Exchanges {
        Exchanges {
            dir: None,
            budget: Budget::unlimited(),
            partitions: DEFAULT_PARTITIONS,
        }
    }

    pub fn make<R: Record>(&self, name: &str) -> Exchange<R> {
        self.with_partitions(name, self.partitions)
    }

    /// An exchange of one partition, for answers (one task per reduced partition).
    pub fn make_single<R: Record>(&self, name: &str) -> Exchange<R> {
        self.with_partitions(name, 1)
    }

    /// The exchange `name` as a run persisted it when its first `tasks`
    /// tasks had finished (see [`Exchange::reopen`]); an empty one when
    /// everything is held in memory.
    pub fn reopen<R: Record>(&self, name: &str, tasks: u32) -> crate::Result<Exchange<R>> {
        match &self.dir {
            Some(dir) => Exchange::reopen(dir.join(name), self.partitions, self.budget.clone(), tasks),
            None => Ok(Exchange::in_memory(self.partitions)),
        }
    }

    fn with_partitions<R: Record>(&self, name: &str, partitions: u32) -> Exchange<R> {
        match &self.dir {
            Some(dir) => Exchange::new(dir.join(name), partitions, self.budget.clone()),
            None => Exchange::in_memory(partitions),
        }
    }
}

/// A document and a key of it (the key of its text, a band of its
/// signature), exchanged by key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocKey {
    pub key: u64,
    pub doc: DocId,
}

impl Record for DocKey {
    const BYTES: usize = 16;
    fn key(&self) -> u64 {
        self.key
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.key.to_le_bytes());
        out.extend_from_slice(&self.doc.to_le_bytes());
    }
    fn decode(b: &[u8]) -> DocKey {
        DocKey {
            key: u64_at(b, 0),
            doc: u64_at(b, 8),
        }
    }
}

/// Documents a run can number: a record carries a document in the low 56
/// bits of a field whose top 8 bits tag it ([`doc_tagged`]).
pub const MAX_DOCS: u64 = 1 << 56;

/// Document `doc` and an 8-bit `tag` in one 64-bit field.
pub fn doc_tagged(doc: DocId, tag: u8) -> u64 {
    debug_assert!(doc < MAX_DOCS);
    doc | u64::from(tag) << 56
}

/// The document and tag of a [`doc_tagged`] field.
pub fn untag_doc(field: u64) -> (DocId, u8) {
    (field & (MAX_DOCS - 1), (field >> 56) as u8)
}

/// The partition of a key among `partitions`: by its top bits scaled, so
/// that any count works and the low bits that pick hash-table slots inside
/// a partition stay independent of it.
pub fn partition_of(key: u64, partitions: u32) -> u32 {
    ((u128::from(key) * u128::from(partitions)) >> 64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_cover_the_range_and_split_keys_evenly() {
        assert_eq!(partition_of(0, 7), 0);
        assert_eq!(partition_of(u64::MAX, 7), 6);
        assert_eq!(partition_of(u64::MAX, 1), 0);
        let mut counts = [0u32; 5];
        for i in 0..50_000u64 {
            counts[partition_of(xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()), 5) as usize] += 1;
        }
        assert!(counts.iter().all(|&n| (9_000..11_000).contains(&n)), "{counts:?}");
    }
}
