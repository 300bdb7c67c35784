//! The second pass's judgement of one document: every line gets `keep` or one
//! removal reason with its provenance, and the document gets a status.
//!
//! Rules run in a fixed order and a line keeps the first reason that claims it:
//! 1. `dup_doc` — the whole normalized text equals an earlier document's;
//! 2. `repeat_in_doc` — the line repeats an earlier line of the same document;
//! 3. `dup_across_docs` — the line was first seen in an earlier document;
//! 4. `blank` — lines without words left next to a removed block;
//! 5. `empty` — no word line is left: the document is dropped.
//!
//! Short lines (under `min_line_chars` normalized characters) are removed by
//! rules 2 and 3 only together with a neighbouring line, as a block of 2+.

mod blank;
mod cross_doc;
mod repeat;

use serde::Serialize;

use crate::doc::{DocId, Lines};
use crate::fingerprint;
use crate::index::CorpusIndex;

/// Why a line was removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    DupDoc,
    RepeatInDoc,
    DupAcrossDocs,
    Blank,
    Empty,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::DupDoc,
        Reason::RepeatInDoc,
        Reason::DupAcrossDocs,
        Reason::Blank,
        Reason::Empty,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reason::DupDoc => "dup_doc",
            Reason::RepeatInDoc => "repeat_in_doc",
            Reason::DupAcrossDocs => "dup_across_docs",
            Reason::Blank => "blank",
            Reason::Empty => "empty",
        }
    }
}

/// What a removed line repeats: a line of a document, or a whole document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provenance {
    pub doc: DocId,
    pub line: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Keep,
    Removed { reason: Reason, of: Option<Provenance> },
}

impl Label {
    pub fn is_kept(&self) -> bool {
        matches!(self, Label::Keep)
    }

    pub fn reason(&self) -> Option<Reason> {
        match self {
            Label::Keep => None,
            Label::Removed { reason, .. } => Some(*reason),
        }
    }

    fn removed(reason: Reason, of: Option<Provenance>) -> Label {
        Label::Removed { reason, of }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocStatus {
    Keep,
    /// Same normalized text as the earlier document `of`.
    DupDoc {
        of: DocId,
    },
    /// Nothing with words left.
    Empty,
}

impl DocStatus {
    pub fn is_kept(&self) -> bool {
        matches!(self, DocStatus::Keep)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub status: DocStatus,
    pub labels: Vec<Label>,
}

/// Labels every line of document `doc`, reading only the index.
pub fn decide(doc: DocId, index: &CorpusIndex) -> Decision {
    let fps = index.lines(doc);
    if let Some(twin) = fingerprint::doc_key(fps)
        .and_then(|k| index.first_doc(k))
        .filter(|&first| first < doc)
    {
        let of = Some(Provenance {
            doc: twin,
            line: None,
        });
        return Decision {
            status: DocStatus::DupDoc { of: twin },
            labels: vec![Label::removed(Reason::DupDoc, of); fps.len()],
        };
    }
    let mut labels = vec![Label::Keep; fps.len()];
    let min = index.min_line_chars();
    repeat::label(doc, fps, min, &mut labels);
    cross_doc::label(doc, fps, index, &mut labels);
    blank::label(fps, &mut labels);
    let status = if fps
        .iter()
        .zip(&labels)
        .any(|(fp, l)| fp.has_words() && l.is_kept())
    {
        DocStatus::Keep
    } else {
        for l in labels.iter_mut().filter(|l| l.is_kept()) {
            *l = Label::removed(Reason::Empty, None);
        }
        DocStatus::Empty
    };
    Decision { status, labels }
}

/// Marks line `i` removed unless an earlier rule already claimed it.
fn claim(labels: &mut [Label], i: usize, reason: Reason, of: Provenance) {
    if labels[i].is_kept() {
        labels[i] = Label::removed(reason, Some(of));
    }
}

/// The kept output of a decision, with the byte count the rules removed
/// (bytes of a missing final newline are charged to the last removed line).
pub fn assemble(text: &str, lines: &Lines, decision: &Decision, out: &mut String) -> usize {
    lines.assemble(text, |i| decision.labels[i].is_kept(), out)
}

#[cfg(test)]
mod tests;
