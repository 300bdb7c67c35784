//! What the first pass keeps of the corpus: every document's line
//! fingerprints, long lines' shingles, near repeats and signature in
//! a document store (read by the second pass and the document stage), and
//! the exchanges it feeds in corpus order: texts (for exact copies), band
//! keys (for near-duplicate candidates), index keys and sampled shingles (for
//! first occurrences), site keys (for site chrome). Each exchange is reduced once the
//! documents of the run and the document stage are settled, so "first
//! occurrence" is a minimum over corpus order among the source documents,
//! never a fact of thread timing.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::config::Rules;
use crate::dataflow::answers::{AnswerReader, Answers};
use crate::dataflow::first_seen::{self, KeyAt};
use crate::dataflow::first_shingle::{self, ShingleAt};
use crate::dataflow::{u32_at, DocKey, DocStore, Exchange, Exchanges};
use crate::doc::DocId;
pub use crate::doc_fingerprint::DocFingerprint;
use crate::doc_fingerprint::{u32s, Stored, STORED_HEADER};
use crate::fingerprint::{self, ShingleId};
use crate::keymap::KeyMap;
use crate::minhash;
use crate::near_docs::NearDocs;

/// The corpus index. Memory: about 20 bytes per document (where its facts
/// are, its original, whether it is a source) and the site keys that are
/// evidence, beside the document store and the exchanges (which spill past
/// their budget).
pub struct CorpusIndex {
    rules: Rules,
    /// Each document's fingerprint, in corpus order (see [`Stored`]).
    docs: DocStore,
    /// How the exchanges below are made (in memory, or spilling).
    exchanges: Exchanges,
    /// Every index key where it occurs, and the prefix queries, exchanged
    /// by key to find first occurrences (see [`first_seen`]).
    keys: Exchange<KeyAt>,
    /// Every sampled shingle where it occurs, exchanged by shingle to find
    /// first occurrences (see [`first_shingle`]).
    shingles: Exchange<ShingleAt>,
    /// Each document's text key, exchanged by key to find the originals.
    doc_keys: Exchange<DocKey>,
    /// Each signed document's LSH band keys, exchanged by key to find the
    /// candidate near-duplicate pairs (see [`crate::doc_dedup`]).
    bands: Exchange<DocKey>,
    /// Each document's site keys, exchanged by key to count the chrome
    /// evidence (see [`CorpusIndex::count_site_keys`]).
    site_keys: Exchange<DocKey>,
    /// Batches added: the task number of the next one in the exchanges.
    batches: u32,
    /// Per document, the original of its text when it is an exact copy
    /// ([`NOT_A_COPY`] otherwise); filled by [`CorpusIndex::close_run`].
    copy_of: Vec<DocId>,
    /// In how many source documents (see [`CorpusIndex::count_site_keys`])
    /// each site key occurs, for the keys with enough to be evidence; filled
    /// once the document stage has run.
    site_docs: KeyMap<u32>,
    /// The near-duplicate documents, once the document stage has run.
    near_docs: NearDocs,
    /// A bit per document that is no source document (see
    /// [`CorpusIndex::is_source`]), once the document stage has run.
    not_sources: Vec<u64>,
    /// Documents left out of the output (their file changed after the first
    /// pass read it), sorted.
    left_out: Vec<DocId>,
    /// A document's stored form, while it is encoded.
    scratch: Vec<u8>,
}

impl CorpusIndex {
    /// An index whose exchanges are held in memory, whatever their size.
    pub fn new(rules: Rules) -> CorpusIndex {
        CorpusIndex::with_exchanges(rules, Exchanges::in_memory())
    }

    /// An index whose exchanges (and document store) are made by `exchanges`.
    pub fn with_exchanges(rules: Rules, exchanges: Exchanges) -> CorpusIndex {
        let store_path = exchanges.dir.as_ref().map(|d| d.join("docs"));
        CorpusIndex {
            rules,
            docs: DocStore::new(store_path, exchanges.budget.clone()),
            keys: exchanges.make("keys"),
            shingles: exchanges.make("shingles"),
            doc_keys: exchanges.make("texts"),
            bands: exchanges.make("bands"),
            site_keys: exchanges.make("site-keys"),
            exchanges,
            batches: 0,
            copy_of: Vec::new(),
            site_docs: KeyMap::default(),
            near_docs: NearDocs::default(),
            not_sources: Vec::new(),
            left_out: Vec::new(),
            scratch: Vec::new(),
        }
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    pub fn doc_count(&self) -> usize {
        self.docs.len()
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
        let mut bands = self.bands.producer(self.batches);
        let mut site_keys = self.site_keys.producer(self.batches);
        self.batches += 1;
        let (band_count, rows) = (self.rules.docs.bands, self.rules.docs.rows);
        for doc in docs {
            let id = self.next_doc_id();
            first_shingle::emit(&mut shingles, id, &doc.sampled)?;
            if let Some(key) = fingerprint::doc_key(&doc.lines) {
                texts.push(&DocKey { key, doc: id })?;
            }
            // Every signed document's bands: which of them count (not exact
            // copies, not left out) is only known once the first pass ends.
            if let Some(sig) = &doc.signature {
                for band in 0..band_count {
                    let key = minhash::band_key(sig, band, rows);
                    bands.push(&DocKey { key, doc: id })?;
                }
            }
            for &key in &doc.site_keys {
                site_keys.push(&DocKey { key, doc: id })?;
            }
            first_seen::emit(
                &mut keys,
                id,
                &doc.lines,
                self.rules.min_line_chars,
                &doc.prefixes,
            )?;
            self.scratch.clear();
            doc.encode(&mut self.scratch)?;
            self.docs.push(&self.scratch)?;
        }
        bands.finish()?;
        site_keys.finish()?;
        shingles.finish()?;
        keys.finish()?;
        texts.finish()
    }

    /// Ends the first pass: from now on the documents' facts are only read.
    fn seal(&mut self) -> crate::Result<()> {
        self.docs.seal()
    }

    /// Batches added so far.
    pub fn batches(&self) -> u32 {
        self.batches
    }

    /// Writes all the first pass added so far to the work folder, for a
    /// later run to [`CorpusIndex::reopen`] (an index without one has
    /// nothing to write); what is added later goes on to the folder.
    pub fn persist(&mut self) -> crate::Result<()> {
        self.docs.persist()?;
        self.keys.persist()?;
        self.shingles.persist()?;
        self.doc_keys.persist()?;
        self.bands.persist()?;
        self.site_keys.persist()
    }

    /// The index that [`CorpusIndex::persist`] left in the work folder of
    /// `exchanges` when it held `docs` documents in `batches` batches (at
    /// the end of the first pass, or at a checkpoint of it: then more
    /// batches can be added).
    pub fn reopen(
        rules: Rules,
        exchanges: Exchanges,
        docs: usize,
        batches: u32,
    ) -> crate::Result<CorpusIndex> {
        let Some(dir) = exchanges.dir.clone() else {
            return Ok(CorpusIndex::with_exchanges(rules, exchanges));
        };
        let mut index = CorpusIndex::with_exchanges(rules, exchanges.clone());
        index.docs = DocStore::reopen(dir.join("docs"), exchanges.budget.clone(), docs)?;
        index.keys = exchanges.reopen("keys", batches)?;
        index.shingles = exchanges.reopen("shingles", batches)?;
        index.doc_keys = exchanges.reopen("texts", batches)?;
        index.bands = exchanges.reopen("bands", batches)?;
        index.site_keys = exchanges.reopen("site-keys", batches)?;
        index.batches = batches;
        Ok(index)
    }

    /// What the first pass learned of a document.
    pub fn facts(&self, doc: DocId) -> crate::Result<DocFingerprint> {
        Ok(DocFingerprint::decode(&self.docs.record(doc as usize)?))
    }

    /// The layout of a document's stored facts.
    fn stored(&self, doc: DocId) -> crate::Result<Stored> {
        Ok(Stored::of(&self.docs.read(doc as usize, 0, STORED_HEADER)?))
    }

    /// The bytes of `range` of a document's stored facts.
    fn part(&self, doc: DocId, range: std::ops::Range<usize>) -> crate::Result<Cow<'_, [u8]>> {
        self.docs.read(doc as usize, range.start, range.len())
    }

    /// The shingles of a line (sorted; none for a short line), into `out`:
    /// verifying a line's candidate sources asks for many, one after another.
    pub fn line_shingles(&self, doc: DocId, line: u32, out: &mut Vec<ShingleId>) -> crate::Result<()> {
        let stored = self.stored(doc)?;
        let table = self.part(doc, stored.long_lines())?;
        let range = Stored::line_shingle_range(&table, line);
        let all = stored.shingles();
        let bytes = self.part(doc, all.start + 4 * range.start..all.start + 4 * range.end)?;
        out.clear();
        out.extend(bytes.chunks_exact(4).map(|b| u32_at(b, 0)));
        Ok(())
    }

    /// The distinct shingles of a document's long lines, sorted.
    pub fn doc_shingles(&self, doc: DocId) -> crate::Result<Vec<ShingleId>> {
        let stored = self.stored(doc)?;
        let mut all = u32s(&self.part(doc, stored.shingles())?);
        all.sort_unstable();
        all.dedup();
        Ok(all)
    }

    /// A document's MinHash signature (empty when it has none).
    pub fn signature(&self, doc: DocId) -> crate::Result<Vec<u32>> {
        let stored = self.stored(doc)?;
        Ok(u32s(&self.part(doc, stored.signature())?))
    }

    pub fn doc_bytes(&self, doc: DocId) -> crate::Result<u64> {
        Ok(self.stored(doc)?.bytes)
    }

    /// Counts the chrome evidence: in how many source documents each site
    /// key occurs (exact copies, near duplicates and documents left out add
    /// nothing: three crawls of one story are one page of its site). A
    /// partition of site keys at a time; only the keys with at least
    /// `chrome_min_docs` documents are kept: the others are no evidence.
    fn count_site_keys(&mut self) -> crate::Result<()> {
        let min = self.rules.chrome_min_docs;
        let this = &*self;
        let counts: Vec<KeyMap<u32>> = (0..this.site_keys.partitions())
            .into_par_iter()
            .map(|p| {
                let mut map: KeyMap<u32> = KeyMap::default();
                this.site_keys.for_each(p, |e| {
                    if this.is_source(e.doc) {
                        *map.entry(e.key).or_insert(0) += 1;
                    }
                })?;
                map.retain(|_, n| *n >= min);
                Ok(map)
            })
            .collect::<crate::Result<_>>()?;
        self.site_docs = counts.into_iter().flatten().collect();
        // The site keys are not needed again.
        self.site_keys = Exchange::in_memory(1);
        Ok(())
    }

    /// An exact copy of an earlier document of the run, or a document left out of it.
    pub fn is_copy_or_left_out(&self, doc: DocId) -> bool {
        self.earlier_copy(doc).is_some() || self.left_out.binary_search(&doc).is_ok()
    }

    /// How many source documents have this site key, when they are at
    /// least `chrome_min_docs`; 0 otherwise.
    pub fn site_docs(&self, site_key: u64) -> u32 {
        self.site_docs.get(&site_key).copied().unwrap_or(0)
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

    /// The band keys of the signed documents, one record per document and
    /// band, partitioned by key and in corpus order in each partition. Only
    /// those of documents that are in the run and no exact copy count.
    pub fn bands(&self) -> &Exchange<DocKey> {
        &self.bands
    }

    /// Ends the first pass: the documents of the run are those added, but
    /// `left_out` (their file changed before the second pass). They have no
    /// original, are no original, no evidence and no near duplicate, and
    /// [`CorpusIndex::set_near_docs`] treats them as removed. Then the
    /// originals of the exact copies are found.
    pub fn close_run(&mut self, mut left_out: Vec<DocId>) -> crate::Result<()> {
        self.seal()?;
        left_out.sort_unstable();
        left_out.dedup();
        self.left_out = left_out;
        self.find_originals()
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
                    let doc = t.doc;
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

    /// Records what the document stage found. From then on the source
    /// documents are those of the run that are neither removed as near
    /// duplicates nor exact copies of an earlier document: every first
    /// occurrence (of a line key, a pair key, a sampled shingle) is the
    /// earliest in a source document (see [`CorpusIndex::first_occurrences`]),
    /// so nothing is traced to a document that is not written.
    /// Then the chrome evidence is counted over the source documents.
    pub fn set_near_docs(&mut self, near: NearDocs) -> crate::Result<()> {
        // The band keys are not needed again.
        self.bands = Exchange::in_memory(1);
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
        self.count_site_keys()
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
            idx.set_near_docs(NearDocs::default()).unwrap();
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
        idx.set_near_docs(NearDocs::default()).unwrap();
        assert_eq!(
            idx.earlier_copy(2),
            None,
            "the first copy not left out is the original"
        );
        assert_eq!(idx.earlier_copy(3), Some(2));
        assert!(idx.is_copy_or_left_out(0));
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
