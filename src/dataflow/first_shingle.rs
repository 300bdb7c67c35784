//! Stage: first occurrences of the sampled shingles, which name the
//! candidate sources of a near duplicate across documents.
//!
//! The first pass writes a [`ShingleAt`] for every sampled shingle of every
//! long line (see [`fingerprint::is_sampled`]). Once the source documents
//! are known, [`reduce`] reads each partition in corpus order: the first
//! record of a shingle from a source document is its first occurrence (the
//! minimum over (document, line)), and every record of a later source
//! document that the rule asks about gets a [`ShingleAnswer`] naming it.
//! The rule asks about the first sampled shingles of a line, in id order,
//! up to where its look-up stops at the latest
//! ([`fingerprint::asked_shingles`]); every record is an occurrence all the
//! same. The rule then looks its sampled shingles up in these answers in
//! the order it always did, and verifies the candidates on all shingles.

use rayon::prelude::*;

use super::answers::Answered;
use super::{doc_tagged, u32_at, u64_at, untag_doc, Exchange, Producer, Record};
use crate::doc::DocId;
use crate::fingerprint::{self, ShingleId};
use crate::keymap::{presized, KeyMap};
use crate::Result;

/// A sampled shingle where it occurs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShingleAt {
    /// All 64 bits of the shingle's hash (its [`ShingleId`] is the top 32).
    pub shingle: u64,
    pub doc: DocId,
    pub line: u32,
    /// Whether the rule asks where it was first seen (a tag of `doc` in
    /// the record: no byte more per record).
    pub asked: bool,
}

impl Record for ShingleAt {
    const BYTES: usize = 20;
    fn key(&self) -> u64 {
        self.shingle
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.shingle.to_le_bytes());
        out.extend_from_slice(&doc_tagged(self.doc, u8::from(self.asked)).to_le_bytes());
        out.extend_from_slice(&self.line.to_le_bytes());
    }
    fn decode(b: &[u8]) -> ShingleAt {
        let (doc, asked) = untag_doc(u64_at(b, 8));
        ShingleAt {
            shingle: u64_at(b, 0),
            doc,
            line: u32_at(b, 16),
            asked: asked != 0,
        }
    }
}

/// Where a sampled shingle of line `line` of `doc` was first seen, in an
/// earlier source document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShingleAnswer {
    pub doc: DocId,
    pub line: u32,
    pub shingle: ShingleId,
    pub first_doc: DocId,
    pub first_line: u32,
}

impl Record for ShingleAnswer {
    const BYTES: usize = 28;
    fn key(&self) -> u64 {
        0
    }
    fn encode(&self, out: &mut Vec<u8>) {
        for v in [self.doc, self.first_doc] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [self.line, self.shingle, self.first_line] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn decode(b: &[u8]) -> ShingleAnswer {
        ShingleAnswer {
            doc: u64_at(b, 0),
            first_doc: u64_at(b, 8),
            line: u32_at(b, 16),
            shingle: u32_at(b, 20),
            first_line: u32_at(b, 24),
        }
    }
}

impl Answered for ShingleAnswer {
    type Order = (DocId, u32, ShingleId);
    fn doc(&self) -> DocId {
        self.doc
    }
    /// Document, then line, then shingle.
    fn order(&self) -> Self::Order {
        (self.doc, self.line, self.shingle)
    }
}

/// Writes the sampled shingles of document `doc`
/// ([`DocFingerprint::sampled`](crate::doc_fingerprint::DocFingerprint::sampled)).
pub fn emit(out: &mut Producer<'_, ShingleAt>, doc: DocId, sampled: &[(u32, u64, bool)]) -> Result<()> {
    for &(line, shingle, asked) in sampled {
        out.push(&ShingleAt {
            shingle,
            doc,
            line,
            asked,
        })?;
    }
    Ok(())
}

/// Answers the asked records of the source documents (`is_source`),
/// partition by partition in parallel; the answers of partition p are task
/// p of the returned exchange (one partition).
pub fn reduce(
    shingles: &Exchange<ShingleAt>,
    answers: Exchange<ShingleAnswer>,
    is_source: &(dyn Fn(DocId) -> bool + Sync),
) -> Result<Exchange<ShingleAnswer>> {
    (0..shingles.partitions()).into_par_iter().try_for_each(|p| {
        reduce_partition(shingles, p, &answers, is_source)?;
        answers.give_back_if_near_bound();
        Ok(())
    })?;
    Ok(answers)
}

fn reduce_partition(
    shingles: &Exchange<ShingleAt>,
    p: u32,
    answers: &Exchange<ShingleAnswer>,
    is_source: &(dyn Fn(DocId) -> bool + Sync),
) -> Result<()> {
    // Read in corpus order: the first record of a shingle from a source
    // document is the minimum over (document, line).
    let mut first: KeyMap<(DocId, u32)> = presized(shingles.records(p));
    let mut table = answers.table_memory();
    let mut out = answers.producer(p);
    let mut result = Ok(());
    shingles.for_each(p, |r| {
        if result.is_err() || !is_source(r.doc) {
            return;
        }
        table.follow(&first);
        let &mut (doc, line) = first.entry(r.key()).or_insert((r.doc, r.line));
        if r.asked && doc < r.doc {
            result = out.push(&ShingleAnswer {
                doc: r.doc,
                line: r.line,
                shingle: fingerprint::shingle_id(r.shingle),
                first_doc: doc,
                first_line: line,
            });
        }
    })?;
    result?;
    out.finish()
}

/// The answers one document got about its lines' sampled shingles.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShingleAnswers<'a> {
    /// Sorted by (line, shingle) ([`ShingleAnswer::order`]).
    answers: &'a [ShingleAnswer],
}

impl<'a> ShingleAnswers<'a> {
    /// The answers of one document, sorted by [`ShingleAnswer::order`].
    pub fn new(answers: &'a [ShingleAnswer]) -> ShingleAnswers<'a> {
        ShingleAnswers { answers }
    }

    /// The answers about line `line`'s sampled shingles.
    pub fn line(&self, line: u32) -> LineAnswers<'a> {
        let start = self.answers.partition_point(|a| a.line < line);
        let len = self.answers[start..].partition_point(|a| a.line == line);
        LineAnswers {
            answers: &self.answers[start..start + len],
        }
    }
}

/// The answers about one line's sampled shingles, asked in increasing
/// shingle order: each question walks on from where the last one stopped,
/// where a search of the document's answers would start over.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineAnswers<'a> {
    /// Sorted by shingle; those before the last question are gone.
    answers: &'a [ShingleAnswer],
}

impl LineAnswers<'_> {
    /// Answers left (none for a line whose shingles were all new).
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }

    /// Where sampled shingle `shingle` was first seen, when that is in an
    /// earlier source document. Shingles must be asked in increasing order.
    pub fn first(&mut self, shingle: ShingleId) -> Option<(DocId, u32)> {
        let skip = self.answers.iter().take_while(|a| a.shingle < shingle).count();
        self.answers = &self.answers[skip..];
        let a = self.answers.first().filter(|a| a.shingle == shingle)?;
        Some((a.first_doc, a.first_line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_with_documents_past_32_bits() {
        for asked in [false, true] {
            let r = ShingleAt {
                shingle: 0xdead_beef_0bad_f00d,
                doc: (3 << 40) | 5,
                line: 4,
                asked,
            };
            let mut b = Vec::new();
            r.encode(&mut b);
            assert_eq!((b.len(), ShingleAt::decode(&b)), (ShingleAt::BYTES, r));
        }
        let mut b = Vec::new();
        let a = ShingleAnswer {
            doc: 9 << 33,
            line: 8,
            shingle: 7,
            first_doc: 6 << 33 | 6,
            first_line: 5,
        };
        b.clear();
        a.encode(&mut b);
        assert_eq!((b.len(), ShingleAnswer::decode(&b)), (ShingleAnswer::BYTES, a));
    }

    /// Answers of a run where `sampled[d]` are document d's shingles (all on
    /// line 0, all asked about), every document a source.
    fn answers_of(sampled: &[&[u64]]) -> Vec<ShingleAnswer> {
        let asked: Vec<Vec<(u64, bool)>> = sampled
            .iter()
            .map(|d| d.iter().map(|&h| (h, true)).collect())
            .collect();
        let asked: Vec<&[(u64, bool)]> = asked.iter().map(Vec::as_slice).collect();
        answers_of_asked(&asked)
    }

    /// Answers of a run where `sampled[d]` are document d's shingles with
    /// whether they are asked about (all on line 0), every document a source.
    fn answers_of_asked(sampled: &[&[(u64, bool)]]) -> Vec<ShingleAnswer> {
        let shingles = Exchange::in_memory(4);
        let mut out = shingles.producer(0);
        for (doc, hashes) in sampled.iter().enumerate() {
            let lines: Vec<(u32, u64, bool)> = hashes.iter().map(|&(h, a)| (0, h, a)).collect();
            emit(&mut out, doc as DocId, &lines).unwrap();
        }
        out.finish().unwrap();
        let answers = reduce(&shingles, Exchange::in_memory(1), &|_| true).unwrap();
        let mut all = Vec::new();
        answers.for_each(0, |a| all.push(a)).unwrap();
        all.sort_by_key(|a| a.order());
        all
    }

    #[test]
    fn a_later_document_is_answered_with_the_first_one_that_had_the_shingle() {
        let (a, b) = (0x1234_5678_0000_0001, 0x9abc_def0_0000_0002);
        let answers = answers_of(&[&[a], &[b], &[a, b], &[a]]);
        let got: Vec<(DocId, DocId)> = answers.iter().map(|x| (x.doc, x.first_doc)).collect();
        assert_eq!(got, [(2, 0), (2, 1), (3, 0)]);
        assert_eq!(answers[0].shingle, fingerprint::shingle_id(a));
    }

    #[test]
    fn shingles_that_share_their_top_32_bits_are_not_the_same_shingle() {
        // Distinct shingles of a large corpus share 32-bit ids; the first
        // occurrences are keyed on all 64 bits, so neither is taken for
        // the other's source.
        let (a, b) = (0x1234_5678_0000_0001, 0x1234_5678_0000_0002);
        assert_eq!(fingerprint::shingle_id(a), fingerprint::shingle_id(b));
        assert!(answers_of(&[&[a], &[b]]).is_empty());
    }

    #[test]
    fn a_shingle_not_asked_about_gets_no_answer_but_is_a_first_occurrence() {
        let (a, b) = (0x1234_5678_0000_0001, 0x9abc_def0_0000_0002);
        let answers = answers_of_asked(&[&[(a, false)], &[(a, false), (b, true)], &[(a, true), (b, true)]]);
        let got: Vec<(DocId, DocId, u32)> = answers.iter().map(|x| (x.doc, x.first_doc, x.shingle)).collect();
        let (ia, ib) = (fingerprint::shingle_id(a), fingerprint::shingle_id(b));
        assert_eq!(got, [(2, 0, ia), (2, 1, ib)]);
    }

    #[test]
    fn a_document_that_is_no_source_is_no_first_occurrence_and_gets_no_answer() {
        let (a, b) = (0x1234_5678_0000_0001, 0x9abc_def0_0000_0002);
        let shingles = Exchange::in_memory(4);
        let mut out = shingles.producer(0);
        for (doc, hashes) in [&[a][..], &[a, b], &[a, b]].iter().enumerate() {
            let lines: Vec<(u32, u64, bool)> = hashes.iter().map(|&h| (0, h, true)).collect();
            emit(&mut out, doc as DocId, &lines).unwrap();
        }
        out.finish().unwrap();
        // Document 0 is no source: document 1 holds both first occurrences.
        let answers = reduce(&shingles, Exchange::in_memory(1), &|d| d != 0).unwrap();
        let mut got = Vec::new();
        answers.for_each(0, |x| got.push((x.doc, x.first_doc))).unwrap();
        got.sort_unstable();
        assert_eq!(got, [(2, 1), (2, 1)]);
    }

    #[test]
    fn a_line_walks_its_answers_in_shingle_order() {
        let answer = |line, shingle, first_doc| ShingleAnswer {
            doc: 9,
            line,
            shingle,
            first_doc,
            first_line: 0,
        };
        let all = [
            answer(1, 5, 1),
            answer(1, 8, 2),
            answer(2, 3, 3),
            answer(2, 7, 4),
            answer(2, 9, 5),
        ];
        let doc = ShingleAnswers::new(&all);
        assert!(doc.line(0).is_empty());
        assert!(doc.line(3).is_empty());
        let mut line = doc.line(2);
        assert!(!line.is_empty());
        assert_eq!(line.len(), 3);
        let asked: Vec<_> = [1, 3, 4, 7, 9, 10].iter().map(|&s| line.first(s)).collect();
        assert_eq!(
            asked,
            [None, Some((3, 0)), None, Some((4, 0)), Some((5, 0)), None]
        );
        assert!(line.is_empty());
        assert_eq!(doc.line(1).first(8), Some((2, 0)));
    }
}
