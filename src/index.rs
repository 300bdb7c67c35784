//! What the first pass keeps of the corpus: every document's line
//! fingerprints, long lines' shingles, near repeats, edges and signature
//! (read by the second pass and the document stage), and the exchanges it
//! feeds in corpus order: texts (for exact copies), index keys and sampled
//! shingles (for first occurrences). Each exchange is reduced once the
//! documents of the run and the document stage are settled, so "first
//! occurrence" is a minimum over corpus order among the source documents,
//! never a fact of thread timing.

use rayon::prelude::*;

use crate::config::Rules;
use crate::dataflow::answers::{AnswerReader, Answers};
use crate::dataflow::first_seen::{self, KeyAt};
use crate::dataflow::first_shingle::{self, ShingleAt};
use crate::dataflow::{u64_at, Exchange, Exchanges, Record};
use crate::doc::DocId;
pub use crate::doc_fingerprint::DocFingerprint;
use crate::fingerprint::{self, LineFp, ShingleId};
use crate::keymap::KeyMap;
use crate::near_docs::NearDocs;
use crate::near_repeat::NearRepeat;

const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

/// A line of the corpus by its place among all lines, in corpus order: the
/// lines of earlier documents have smaller ones.
pub type LineRef = u32;

/// Where a key was first seen: a document and a line (0-based) in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    pub doc: DocId,
    pub line: u32,
}

/// The corpus index. Memory: 24 bytes per line, about 500 per document
/// (mostly the signature) and 4 bytes per shingle of every long line, beside
/// the exchanges (which spill past their budget).
pub struct CorpusIndex {
    rules: Rules,
    lines: Vec<LineFp>,
    /// Start of each document's lines in `lines`; one more entry than documents.
    starts: Vec<usize>,
    text_checks: Vec<u64>,
    sites: Vec<u64>,
    /// How the exchanges below are made (in memory, or spilling).
    exchanges: Exchanges,
    /// Every index key where it occurs, and the prefix queries, exchanged
    /// by key to find first occurrences (see [`first_seen`]).
    keys: Exchange<KeyAt>,
    /// Every sampled shingle where it occurs, exchanged by shingle to find
    /// first occurrences (see [`first_shingle`]).
    shingles: Exchange<ShingleAt>,
    /// Every long line's shingles, sorted: the line with global index g
    /// (`starts[doc] + line`) has those up to `line_shingle_ends[g]`.
    line_shingles: Vec<ShingleId>,
    line_shingle_ends: Vec<u64>,
    /// Each document's text key, exchanged by key to find the originals.
    doc_keys: Exchange<TextOf>,
    /// Batches added: the task number of the next one in `doc_keys`.
    batches: u32,
    /// Per document, the original of its text when it is an exact copy
    /// ([`NOT_A_COPY`] otherwise); filled by [`CorpusIndex::close_run`].
    copy_of: Vec<DocId>,
    /// Every document's near repeats: those of document d end at `near_repeat_ends[d]`.
    near_repeats: Vec<NearRepeat>,
    near_repeat_ends: Vec<usize>,
    /// Every document's edge keys: those of document d end at `edge_ends[d]`.
    edges: Vec<u64>,
    edge_ends: Vec<usize>,
    /// In how many source texts (see [`CorpusIndex::count_edges`]) a head or
    /// tail holds each edge key; filled between the passes.
    edge_docs: KeyMap<u32>,
    /// The MinHash signatures of the documents that have one, one after
    /// another, and those documents.
    signatures: Vec<u32>,
    signed_docs: Vec<DocId>,
    doc_bytes: Vec<u64>,
    /// The near-duplicate documents, once the document stage has run.
    near_docs: NearDocs,
    /// A bit per document that is no source document (see
    /// [`CorpusIndex::is_source`]), once the document stage has run.
    not_sources: Vec<u64>,
    /// Documents left out of the output (their file changed after the first
    /// pass read it), sorted.
    left_out: Vec<DocId>,
}

impl CorpusIndex {
    /// An index whose exchanges are held in memory, whatever their size.
    pub fn new(rules: Rules) -> CorpusIndex {
        CorpusIndex::with_exchanges(rules, Exchanges::in_memory())
    }

    /// An index whose exchanges are made by `exchanges`.
    pub fn with_exchanges(rules: Rules, exchanges: Exchanges) -> CorpusIndex {
        CorpusIndex {
            rules,
            lines: Vec::new(),
            starts: vec![0],
            text_checks: Vec::new(),
            sites: Vec::new(),
            keys: exchanges.make("keys"),
            shingles: exchanges.make("shingles"),
            line_shingles: Vec::new(),
            line_shingle_ends: Vec::new(),
            doc_keys: exchanges.make("texts"),
            exchanges,
            batches: 0,
            copy_of: Vec::new(),
            near_repeats: Vec::new(),
            near_repeat_ends: Vec::new(),
            edges: Vec::new(),
            edge_ends: Vec::new(),
            edge_docs: KeyMap::default(),
            signatures: Vec::new(),
            signed_docs: Vec::new(),
            doc_bytes: Vec::new(),
            near_docs: NearDocs::default(),
            not_sources: Vec::new(),
            left_out: Vec::new(),
        }
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    pub fn doc_count(&self) -> usize {
        self.text_checks.len()
    }

    /// The id the next added document gets.
    pub fn next_doc_id(&self) -> DocId {
        DocId::try_from(self.doc_count()).unwrap_or(DocId::MAX)
    }

    /// Adds documents that follow every document added so far, in corpus order.
    pub fn add_batch(&mut self, docs: Vec<DocFingerprint>) -> crate::Result<()> {
        let mut texts = self.doc_keys.producer(self.batches);
        let mut keys = self.keys.producer(self.batches);
        let mut shingles = self.shingles.producer(self.batches);
        self.batches += 1;
        for doc in docs {
            let id = self.next_doc_id();
            let min = self.rules.min_line_chars;
            let first_line = self.lines.len();
            if LineRef::try_from(first_line + doc.lines.len()).is_err() {
                let why = format!("more than {} lines in one run", LineRef::MAX);
                return Err(crate::Error::Config(why));
            }
            first_shingle::emit(&mut shingles, id, doc.line_shingles())?;
            if let Some(key) = fingerprint::doc_key(&doc.lines) {
                texts.push(&TextOf {
                    key,
                    doc: u64::from(id),
                })?;
            }
            // Kept for every document: which of them count (not exact
            // copies, not left out) is only known once the first pass ends.
            self.edges.extend_from_slice(&doc.edges);
            self.edge_ends.push(self.edges.len());
            if let Some(sig) = &doc.signature {
                self.signatures.extend_from_slice(sig);
                self.signed_docs.push(id);
            }
            self.doc_bytes.push(doc.bytes);
            self.sites.push(doc.site);
            first_seen::emit(&mut keys, id, &doc.lines, min, &doc.prefixes)?;
            // Every line gets an end; only the long lines have shingles.
            let mut long = doc.line_shingles().peekable();
            for line in 0..doc.lines.len() {
                if let Some((_, ids)) = long.next_if(|&(l, _)| l as usize == line) {
                    self.line_shingles.extend_from_slice(ids);
                }
                self.line_shingle_ends.push(self.line_shingles.len() as u64);
            }
            self.near_repeats.extend_from_slice(&doc.near_repeats);
            self.near_repeat_ends.push(self.near_repeats.len());
            self.lines.extend_from_slice(&doc.lines);
            self.starts.push(self.lines.len());
            self.text_checks.push(doc.text_check);
        }
        shingles.finish()?;
        keys.finish()?;
        texts.finish()
    }

    pub fn site(&self, doc: DocId) -> u64 {
        self.sites[doc as usize]
    }

    /// The first line of a document, as a [`LineRef`].
    pub fn first_line(&self, doc: DocId) -> LineRef {
        self.starts[doc as usize] as LineRef
    }

    /// The document and line of a [`LineRef`].
    pub fn occurrence(&self, line: LineRef) -> Occurrence {
        // `starts` is sorted; the document is the last one starting at or before the line.
        let doc = self.starts.partition_point(|&s| s <= line as usize) - 1;
        Occurrence {
            doc: doc as DocId,
            line: line - self.starts[doc] as LineRef,
        }
    }

    /// The lines of a document that repeat most of another line of it.
    pub fn near_repeats(&self, doc: DocId) -> &[NearRepeat] {
        let d = doc as usize;
        let start = if d == 0 { 0 } else { self.near_repeat_ends[d - 1] };
        &self.near_repeats[start..self.near_repeat_ends[d]]
    }

    /// The edge keys of a document's head and tail (see [`DocFingerprint::edges`]).
    fn edges(&self, doc: DocId) -> &[u64] {
        let d = doc as usize;
        let start = if d == 0 { 0 } else { self.edge_ends[d - 1] };
        &self.edges[start..self.edge_ends[d]]
    }

    /// Counts the edge evidence of the source texts: each distinct text of
    /// the run counts once (the first document with it that is not left out),
    /// so exact copies and documents left out add nothing.
    fn count_edges(&mut self) {
        let mut by_shard: Vec<Vec<u64>> = vec![Vec::new(); SHARDS];
        for doc in 0..self.next_doc_id() {
            if self.is_copy_or_left_out(doc) {
                continue;
            }
            for &e in self.edges(doc) {
                by_shard[shard_of(e)].push(e);
            }
        }
        let counts: Vec<KeyMap<u32>> = by_shard
            .into_par_iter()
            .map(|keys| {
                let mut map = KeyMap::default();
                for k in keys {
                    *map.entry(k).or_insert(0) += 1;
                }
                map
            })
            .collect();
        self.edge_docs = counts.into_iter().flatten().collect();
    }

    /// An exact copy of an earlier document of the run, or a document left out of it.
    fn is_copy_or_left_out(&self, doc: DocId) -> bool {
        self.earlier_copy(doc).is_some() || self.left_out.binary_search(&doc).is_ok()
    }

    /// How many source texts have this edge key at that edge.
    pub fn edge_docs(&self, edge_key: u64) -> u32 {
        self.edge_docs.get(&edge_key).copied().unwrap_or(0)
    }

    /// The shingles of a line (sorted; empty for a short line).
    pub fn line_shingles(&self, doc: DocId, line: u32) -> &[ShingleId] {
        self.shingles_of(self.first_line(doc) + line)
    }

    /// The shingles of a line given as a [`LineRef`].
    pub fn shingles_of(&self, line: LineRef) -> &[ShingleId] {
        let g = line as usize;
        let start = if g == 0 {
            0
        } else {
            self.line_shingle_ends[g - 1] as usize
        };
        &self.line_shingles[start..self.line_shingle_ends[g] as usize]
    }

    pub fn lines(&self, doc: DocId) -> &[LineFp] {
        let d = doc as usize;
        &self.lines[self.starts[d]..self.starts[d + 1]]
    }

    pub fn text_check(&self, doc: DocId) -> u64 {
        self.text_checks[doc as usize]
    }

    /// The first occurrences of the index keys and the sampled shingles
    /// among the source documents, as answers to each document, once the
    /// document stage has run (see [`first_seen`] and [`first_shingle`]);
    /// and how many distinct keys the source documents have.
    pub fn first_occurrences(&mut self) -> crate::Result<(Answers, u64)> {
        let keys = std::mem::replace(&mut self.keys, Exchange::in_memory(1));
        let shingles = std::mem::replace(&mut self.shingles, Exchange::in_memory(1));
        let is_source = |doc: DocId| self.is_source(doc);
        let answers = self.exchanges.make_single("key-answers");
        let (key_answers, distinct) = first_seen::reduce(&keys, answers, &is_source)?;
        drop(keys);
        let answers = self.exchanges.make_single("shingle-answers");
        let shingle_answers = first_shingle::reduce(&shingles, answers, &is_source)?;
        drop(shingles);
        let answers = Answers {
            keys: AnswerReader::new(key_answers)?,
            shingles: AnswerReader::new(shingle_answers)?,
        };
        Ok((answers, distinct))
    }

    /// A document of the run that the document stage keeps: no exact copy,
    /// not removed as a near duplicate, not left out.
    pub fn is_source(&self, doc: DocId) -> bool {
        let d = doc as usize;
        self.not_sources
            .get(d / 64)
            .is_some_and(|w| w & (1 << (d % 64)) == 0)
    }

    /// The original of `doc`'s text when `doc` is an exact copy: the first
    /// document of the run with the same normalized text. Known once
    /// [`CorpusIndex::close_run`] has run.
    pub fn earlier_copy(&self, doc: DocId) -> Option<DocId> {
        self.copy_of
            .get(doc as usize)
            .copied()
            .filter(|&d| d != NOT_A_COPY)
    }

    /// Each document of the run that has a signature and is not an exact
    /// copy of an earlier one, with it, in corpus order.
    pub fn signatures(&self) -> impl Iterator<Item = (DocId, &[u32])> + '_ {
        let k = self.rules.docs.signature_len();
        self.signed_docs
            .iter()
            .copied()
            .zip(self.signatures.chunks_exact(k))
            .filter(|&(d, _)| !self.is_copy_or_left_out(d))
    }

    /// Ends the first pass: the documents of the run are those added, but
    /// `left_out` (their file changed before the second pass). They have no
    /// original, are no original, no evidence and no near duplicate, and
    /// [`CorpusIndex::set_near_docs`] treats them as removed. Then the
    /// originals of the exact copies are found and the chrome evidence counted.
    pub fn close_run(&mut self, mut left_out: Vec<DocId>) -> crate::Result<()> {
        left_out.sort_unstable();
        left_out.dedup();
        self.left_out = left_out;
        self.find_originals()?;
        self.count_edges();
        Ok(())
    }

    /// The original of every exact copy: per partition of text keys, read in
    /// corpus order, the first document of the run with a key is its
    /// original (the minimum over corpus order) and the later ones copies.
    fn find_originals(&mut self) -> crate::Result<()> {
        let left_out = &self.left_out;
        let texts = &self.doc_keys;
        let copies: Vec<Vec<(DocId, DocId)>> = (0..texts.partitions())
            .into_par_iter()
            .map(|p| {
                let mut first: KeyMap<DocId> = KeyMap::default();
                let mut copies = Vec::new();
                texts.for_each(p, |t| {
                    let doc = t.doc as DocId;
                    if left_out.binary_search(&doc).is_err() {
                        let original = *first.entry(t.key).or_insert(doc);
                        if original != doc {
                            copies.push((doc, original));
                        }
                    }
                })?;
                Ok(copies)
            })
            .collect::<crate::Result<_>>()?;
        // The text keys are not needed again.
        self.doc_keys = Exchange::in_memory(1);
        self.copy_of = vec![NOT_A_COPY; self.doc_count()];
        for (doc, original) in copies.into_iter().flatten() {
            self.copy_of[doc as usize] = original;
        }
        Ok(())
    }

    pub fn doc_bytes(&self, doc: DocId) -> u64 {
        self.doc_bytes[doc as usize]
    }

    /// The distinct shingles of a document's long lines, sorted.
    pub fn doc_shingles(&self, doc: DocId) -> Vec<ShingleId> {
        let mut all: Vec<ShingleId> = (0..self.lines(doc).len() as u32)
            .flat_map(|line| self.line_shingles(doc, line).iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Records what the document stage found. From then on the source
    /// documents are those of the run that are neither removed as near
    /// duplicates nor exact copies of an earlier document: every first
    /// occurrence (of a line key, a pair key, a sampled shingle) is the
    /// earliest in a source document (see [`CorpusIndex::first_occurrences`]),
    /// so nothing is traced to a document that is not written.
    pub fn set_near_docs(&mut self, near: NearDocs) {
        let mut removed: Vec<DocId> = near.removed().map(|(d, _)| d).collect();
        removed.extend_from_slice(&self.left_out);
        removed.sort_unstable();
        removed.dedup();
        self.near_docs = near;
        let mut not_sources = vec![0u64; self.doc_count().div_ceil(64)];
        let copies = (0..self.next_doc_id()).filter(|&d| self.earlier_copy(d).is_some());
        for doc in copies.chain(removed.iter().copied()) {
            not_sources[doc as usize / 64] |= 1 << (doc % 64);
        }
        self.not_sources = not_sources;
    }

    pub fn near_docs(&self) -> &NearDocs {
        &self.near_docs
    }

    /// The kept document and the similarity (per mille) of a document
    /// removed as a near duplicate.
    pub fn near_dup_of(&self, doc: DocId) -> Option<(DocId, u16)> {
        self.near_docs.member(doc).and_then(|m| m.removed)
    }
}

/// Marks a document that is no exact copy in [`CorpusIndex::copy_of`].
const NOT_A_COPY: DocId = DocId::MAX;

/// A document and the key of its normalized text ([`fingerprint::doc_key`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TextOf {
    key: u64,
    doc: u64,
}

impl Record for TextOf {
    const BYTES: usize = 16;
    fn key(&self) -> u64 {
        self.key
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.key.to_le_bytes());
        out.extend_from_slice(&self.doc.to_le_bytes());
    }
    fn decode(b: &[u8]) -> TextOf {
        TextOf {
            key: u64_at(b, 0),
            doc: u64_at(b, 8),
        }
    }
}

fn shard_of(key: u64) -> usize {
    (key >> (64 - SHARD_BITS)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> DocFingerprint {
        DocFingerprint::new(text, 0, &Rules::default())
    }

    const LONG: &str = "this line is long enough to be a duplicate alone";

    #[test]
    fn first_occurrence_is_the_earliest_document_whatever_the_batching() {
        let texts = ["intro\n", &format!("x\n{LONG}\n"), &format!("{LONG}\n")];
        let mut one = CorpusIndex::new(Rules::default());
        one.add_batch(texts.iter().map(|t| doc(t)).collect()).unwrap();
        let mut split = CorpusIndex::new(Rules::default());
        for t in texts {
            split.add_batch(vec![doc(t)]).unwrap();
        }
        for mut idx in [one, split] {
            assert_eq!(idx.doc_count(), 3);
            idx.close_run(Vec::new()).unwrap();
            idx.set_near_docs(NearDocs::default());
            let (mut answers, distinct) = idx.first_occurrences().unwrap();
            let answers = answers.take(0, 3).unwrap();
            assert_eq!(answers.of(2).keys.line_first(0), Some((1, 1)));
            assert_eq!(
                answers.of(1).keys.line_first(1),
                None,
                "the first occurrence is no duplicate"
            );
            // LONG, and the pair ("x", LONG): short lines alone are no keys.
            assert_eq!(distinct, 2);
        }
    }

    #[test]
    fn originals_whatever_the_batching() {
        let texts = ["a\n\n\nb\n", "A\nB", "c\n", "a b\n", "A\n\nB\n"];
        for batch in 1..=texts.len() {
            let mut idx = CorpusIndex::new(Rules::default());
            for chunk in texts.chunks(batch) {
                idx.add_batch(chunk.iter().map(|t| doc(t)).collect()).unwrap();
            }
            assert_eq!(idx.earlier_copy(1), None, "known once the run is closed");
            idx.close_run(Vec::new()).unwrap();
            let copies: Vec<_> = (0..5).map(|d| idx.earlier_copy(d)).collect();
            assert_eq!(copies, [None, Some(0), None, None, Some(0)]);
        }
    }

    #[test]
    fn a_left_out_document_is_no_original_and_no_first_occurrence() {
        let texts = [
            format!("{LONG}\n"),
            "other\n".into(),
            format!("{LONG}\n"),
            format!("{LONG}\n"),
            format!("x\n{LONG}\n"),
        ];
        let mut idx = CorpusIndex::new(Rules::default());
        idx.add_batch(texts.iter().map(|t| doc(t)).collect()).unwrap();
        idx.close_run(vec![0]).unwrap();
        idx.set_near_docs(NearDocs::default());
        assert_eq!(
            idx.earlier_copy(2),
            None,
            "the first copy not left out is the original"
        );
        assert_eq!(idx.earlier_copy(3), Some(2));
        assert!(idx.signatures().all(|(d, _)| d != 0));
        let (mut answers, _) = idx.first_occurrences().unwrap();
        let answers = answers.take(0, 5).unwrap();
        assert_eq!(answers.of(2).keys.line_first(0), None);
        assert_eq!(
            answers.of(4).keys.line_first(1),
            Some((2, 0)),
            "the line's first occurrence is in the new original"
        );
    }
}
