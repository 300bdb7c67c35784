//! Stage: first occurrences of line and pair keys, as answers to documents.
//!
//! The first pass writes one [`KeyAt`] for every index key of every document
//! (a long line, or a pair of word lines of which one is short; see
//! [`fingerprint::for_each_index_key`]) and one query for every cut a
//! chrome suffix could make (the key of the text the cut would leave). Once
//! the source documents are known, [`reduce`] reads each partition in corpus
//! order: the first record of a key from a source document is its first
//! occurrence, and every later record of a source document gets an
//! [`Answer`] naming it when it lies in an earlier document. A query gets an
//! answer when its key is any source document's. The second pass reads the
//! answers of each document ([`super::answers::AnswerReader`]) and decides
//! with them, so no table of all keys is held.

use rayon::prelude::*;

use super::answers::Answered;
use super::{doc_tagged, u32_at, u64_at, untag_doc, Exchange, Producer, Record};
use crate::doc::DocId;
use crate::fingerprint::{self, LineFp};
use crate::keymap::{presized, KeyMap};
use crate::Result;

/// What a [`KeyAt`] or an [`Answer`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The key of a long line.
    Line,
    /// The key of a pair of word lines at `line` (the first) and `second`.
    Pair,
    /// Whether the text left by cutting the `slot`th sentence suffix of a
    /// line is a source document's line.
    Prefix { slot: u32 },
}

impl Kind {
    /// One byte: a line has at most two cut slots (see
    /// [`crate::fingerprint::sentence_suffixes`]).
    fn code(self) -> u8 {
        match self {
            Kind::Line => 0,
            Kind::Pair => 1,
            Kind::Prefix { slot } => 2 + slot as u8,
        }
    }

    fn of_code(code: u8) -> Kind {
        match code {
            0 => Kind::Line,
            1 => Kind::Pair,
            n => Kind::Prefix {
                slot: u32::from(n - 2),
            },
        }
    }

    fn is_query(self) -> bool {
        matches!(self, Kind::Prefix { .. })
    }
}

/// A key where it occurs: in document `doc` at `line` (for a pair, its
/// first line, and `second` its second).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyAt {
    pub key: u64,
    pub doc: DocId,
    pub kind: Kind,
    pub line: u32,
    pub second: u32,
}

impl Record for KeyAt {
    const BYTES: usize = 24;
    fn key(&self) -> u64 {
        self.key
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.key.to_le_bytes());
        out.extend_from_slice(&doc_tagged(self.doc, self.kind.code()).to_le_bytes());
        for v in [self.line, self.second] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn decode(b: &[u8]) -> KeyAt {
        let (doc, kind) = untag_doc(u64_at(b, 8));
        KeyAt {
            key: u64_at(b, 0),
            doc,
            kind: Kind::of_code(kind),
            line: u32_at(b, 16),
            second: u32_at(b, 20),
        }
    }
}

/// The answer to one [`KeyAt`] of document `doc`: its first occurrence
/// (document, line and, for a pair, second line), for a query only that it
/// was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    pub doc: DocId,
    pub kind: Kind,
    pub line: u32,
    pub first_doc: DocId,
    pub first_line: u32,
    pub first_second: u32,
}

impl Record for Answer {
    const BYTES: usize = 28;
    fn key(&self) -> u64 {
        0
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&doc_tagged(self.doc, self.kind.code()).to_le_bytes());
        out.extend_from_slice(&self.first_doc.to_le_bytes());
        for v in [self.line, self.first_line, self.first_second] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn decode(b: &[u8]) -> Answer {
        let (doc, kind) = untag_doc(u64_at(b, 0));
        Answer {
            doc,
            kind: Kind::of_code(kind),
            first_doc: u64_at(b, 8),
            line: u32_at(b, 16),
            first_line: u32_at(b, 20),
            first_second: u32_at(b, 24),
        }
    }
}

/// Writes the index keys of document `doc` (its line fingerprints) and its
/// prefix queries (`(line, slot, key)`, see [`Kind::Prefix`]).
pub fn emit(
    out: &mut Producer<'_, KeyAt>,
    doc: DocId,
    lines: &[LineFp],
    min_chars: usize,
    prefixes: &[(u32, u32, u64)],
) -> Result<()> {
    let mut result = Ok(());
    fingerprint::for_each_index_pair(lines, min_chars, |key, line, second| {
        let (kind, second) = match second {
            Some(s) => (Kind::Pair, s as u32),
            None => (Kind::Line, 0),
        };
        if result.is_ok() {
            result = out.push(&KeyAt {
                key,
                doc,
                kind,
                line: line as u32,
                second,
            });
        }
    });
    result?;
    for &(line, slot, key) in prefixes {
        out.push(&KeyAt {
            key,
            doc,
            kind: Kind::Prefix { slot },
            line,
            second: 0,
        })?;
    }
    Ok(())
}

/// Answers every record of the source documents (`is_source`), partition by
/// partition in parallel; the answers of partition p are task p of the
/// returned exchange (one partition). Also returns how many distinct keys
/// the source documents have.
pub fn reduce(
    keys: &Exchange<KeyAt>,
    answers: Exchange<Answer>,
    is_source: &(dyn Fn(DocId) -> bool + Sync),
) -> Result<(Exchange<Answer>, u64)> {
    let distinct: Vec<u64> = (0..keys.partitions())
        .into_par_iter()
        .map(|p| {
            let distinct = reduce_partition(keys, p, &answers, is_source);
            answers.give_back_if_near_bound();
            distinct
        })
        .collect::<Result<_>>()?;
    Ok((answers, distinct.iter().sum()))
}

/// Where a key was first seen: all a partition's reduce keeps of it.
struct First {
    doc: DocId,
    line: u32,
    second: u32,
}

fn reduce_partition(
    keys: &Exchange<KeyAt>,
    p: u32,
    answers: &Exchange<Answer>,
    is_source: &(dyn Fn(DocId) -> bool + Sync),
) -> Result<u64> {
    // The partition is read in corpus order: the first record of a key from
    // a source document is the minimum over (document, line).
    let mut first: KeyMap<First> = presized(keys.records(p));
    let mut table = answers.table_memory();
    keys.for_each(p, |r| {
        if !r.kind.is_query() && is_source(r.doc) {
            table.follow(&first);
            first.entry(r.key).or_insert(First {
                doc: r.doc,
                line: r.line,
                second: r.second,
            });
        }
    })?;
    let mut out = answers.producer(p);
    let mut result = Ok(());
    keys.for_each(p, |r| {
        if result.is_err() || !is_source(r.doc) {
            return;
        }
        let Some(f) = first.get(&r.key) else { return };
        if r.kind.is_query() || f.doc < r.doc {
            result = out.push(&Answer {
                doc: r.doc,
                kind: r.kind,
                line: r.line,
                first_doc: f.doc,
                first_line: f.line,
                first_second: f.second,
            });
        }
    })?;
    result?;
    out.finish()?;
    Ok(first.len() as u64)
}

/// The answers one document got about its keys: first occurrences in
/// earlier documents of its line and pair keys, and the prefix queries found.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyAnswers<'a> {
    /// Sorted by (kind, line) ([`Answer::order`]).
    answers: &'a [Answer],
}

impl<'a> KeyAnswers<'a> {
    /// The answers of one document, sorted by [`Answer::order`].
    pub fn new(answers: &'a [Answer]) -> KeyAnswers<'a> {
        KeyAnswers { answers }
    }

    fn find(&self, kind: Kind, line: u32) -> Option<&Answer> {
        self.answers
            .binary_search_by(|a| (a.kind, a.line).cmp(&(kind, line)))
            .ok()
            .map(|i| &self.answers[i])
    }

    /// The first occurrence, in an earlier document, of the key of long line `line`.
    pub fn line_first(&self, line: u32) -> Option<(DocId, u32)> {
        self.find(Kind::Line, line).map(|a| (a.first_doc, a.first_line))
    }

    /// The first occurrence, in an earlier document, of the pair whose first
    /// line is `line`: the document, its first line and its second.
    pub fn pair_first(&self, line: u32) -> Option<(DocId, u32, u32)> {
        self.find(Kind::Pair, line)
            .map(|a| (a.first_doc, a.first_line, a.first_second))
    }

    /// Whether the text left by cutting the `slot`th sentence suffix of line
    /// `line` is a line of a source document.
    pub fn prefix_is_indexed(&self, line: u32, slot: u32) -> bool {
        self.find(Kind::Prefix { slot }, line).is_some()
    }
}

impl Answered for Answer {
    type Order = (DocId, Kind, u32);
    fn doc(&self) -> DocId {
        self.doc
    }
    /// Document, then kind, then line.
    fn order(&self) -> Self::Order {
        (self.doc, self.kind, self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_with_documents_past_32_bits() {
        let k = KeyAt {
            key: 0x0123_4567_89ab_cdef,
            doc: super::super::MAX_DOCS - 1,
            kind: Kind::Prefix { slot: 1 },
            line: 9,
            second: 11,
        };
        let mut b = Vec::new();
        k.encode(&mut b);
        assert_eq!((b.len(), KeyAt::decode(&b)), (KeyAt::BYTES, k));
        let a = Answer {
            doc: 5 << 32,
            kind: Kind::Pair,
            line: 4,
            first_doc: 3 << 32 | 1,
            first_line: 2,
            first_second: 5,
        };
        b.clear();
        a.encode(&mut b);
        assert_eq!((b.len(), Answer::decode(&b)), (Answer::BYTES, a));
    }
}
