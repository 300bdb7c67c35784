//! Answers to documents, read back document by document in corpus order.
//!
//! A reduce stage writes the answers of partition p as task p of an
//! exchange of one partition, each task in corpus order (the partition was
//! read in corpus order). The second pass goes through them side by side,
//! one batch of documents at a time, so it holds the answers of one batch.

use super::{Exchange, Record, Stream};
use crate::dataflow::first_seen::{Answer, KeyAnswers};
use crate::dataflow::first_shingle::{ShingleAnswer, ShingleAnswers};
use crate::doc::DocId;
use crate::Result;

/// An answer addressed to a document.
pub trait Answered: Record {
    /// What a document's answers are sorted by (the document first).
    type Order: Ord;
    fn doc(&self) -> DocId;
    fn order(&self) -> Self::Order;
}

/// Reads answers of one kind document by document, from every task side by side.
pub struct AnswerReader<A: Answered> {
    streams: Vec<(Stream<A>, Option<A>)>,
}

impl<A: Answered> AnswerReader<A> {
    pub fn new(answers: Exchange<A>) -> Result<AnswerReader<A>> {
        let streams = answers
            .into_streams(0)
            .into_iter()
            .map(|(_, mut s)| {
                let head = s.next_record()?;
                Ok((s, head))
            })
            .collect::<Result<_>>()?;
        Ok(AnswerReader { streams })
    }

    /// The answers of documents `from..to`, sorted by [`Answered::order`],
    /// and where each document's start (one more entry than documents).
    /// Calls must ask for increasing ranges; the answers of documents
    /// between two ranges (before the first) are passed over.
    pub fn take(&mut self, from: DocId, to: DocId) -> Result<(Vec<A>, Vec<usize>)> {
        let mut answers = Vec::new();
        for (stream, head) in &mut self.streams {
            while let Some(a) = head.take() {
                if a.doc() >= to {
                    *head = Some(a);
                    break;
                }
                if a.doc() >= from {
                    answers.push(a);
                }
                *head = stream.next_record()?;
            }
        }
        // Each task's answers are in corpus order already: a stable sort
        // finds those runs and merges them, where an unstable one sorts
        // from scratch (8% of a run, on the thread the others wait for).
        answers.sort_by_key(A::order);
        let starts = (from..=to)
            .map(|d| answers.partition_point(|a| a.doc() < d))
            .collect();
        Ok((answers, starts))
    }
}

/// Everything a document learns from the reduce stages.
#[derive(Clone, Copy, Debug, Default)]
pub struct DocAnswers<'a> {
    pub keys: KeyAnswers<'a>,
    pub shingles: ShingleAnswers<'a>,
}

/// The answers of a batch of documents.
pub struct BatchAnswers {
    from: DocId,
    keys: (Vec<Answer>, Vec<usize>),
    shingles: (Vec<ShingleAnswer>, Vec<usize>),
}

impl BatchAnswers {
    /// The answers of document `doc` (of the batch).
    pub fn of(&self, doc: DocId) -> DocAnswers<'_> {
        let d = (doc - self.from) as usize;
        let (keys, key_starts) = &self.keys;
        let (shingles, shingle_starts) = &self.shingles;
        DocAnswers {
            keys: KeyAnswers::new(&keys[key_starts[d]..key_starts[d + 1]]),
            shingles: ShingleAnswers::new(&shingles[shingle_starts[d]..shingle_starts[d + 1]]),
        }
    }
}

/// The answers of the reduce stages, read side by side.
pub struct Answers {
    pub keys: AnswerReader<Answer>,
    pub shingles: AnswerReader<ShingleAnswer>,
}

impl Answers {
    /// The answers of documents `from..to`.
    pub fn take(&mut self, from: DocId, to: DocId) -> Result<BatchAnswers> {
        Ok(BatchAnswers {
            from,
            keys: self.keys.take(from, to)?,
            shingles: self.shingles.take(from, to)?,
        })
    }
}
