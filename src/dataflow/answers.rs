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
    fn doc(&self) -> DocId;
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

    /// The answers of documents `from..to`, one list per document. Calls
    /// must ask for increasing, adjoining ranges.
    pub fn take(&mut self, from: DocId, to: DocId) -> Result<Vec<Vec<A>>> {
        let mut docs: Vec<Vec<A>> = (from..to).map(|_| Vec::new()).collect();
        for (stream, head) in &mut self.streams {
            while let Some(a) = head.take() {
                if a.doc() >= to {
                    *head = Some(a);
                    break;
                }
                if let Some(d) = a.doc().checked_sub(from) {
                    docs[d as usize].push(a);
                }
                *head = stream.next_record()?;
            }
        }
        Ok(docs)
    }
}

/// Everything a document learns from the reduce stages.
#[derive(Clone, Debug, Default)]
pub struct DocAnswers {
    pub keys: KeyAnswers,
    pub shingles: ShingleAnswers,
}

/// The answers of the reduce stages, read side by side.
pub struct Answers {
    pub keys: AnswerReader<Answer>,
    pub shingles: AnswerReader<ShingleAnswer>,
}

impl Answers {
    /// The answers of documents `from..to`, one per document, in order.
    pub fn take(&mut self, from: DocId, to: DocId) -> Result<Vec<DocAnswers>> {
        let keys = self.keys.take(from, to)?;
        let shingles = self.shingles.take(from, to)?;
        Ok(keys
            .into_iter()
            .zip(shingles)
            .map(|(k, s)| DocAnswers {
                keys: KeyAnswers::new(k),
                shingles: ShingleAnswers::new(s),
            })
            .collect())
    }
}
