//! The second pass's judgement of one document: every line gets `keep` or one
//! removal reason with its provenance, and the document gets a status.
//!
//! Document-level decisions come first (`--doc-dedup`), then the line rules,
//! in a fixed order; a line keeps the first reason that claims it:
//! 1. `dup_doc` — the whole normalized text equals an earlier document's;
//!    `near_dup_doc` — the document stage put the document in a cluster of
//!    near duplicates that keeps another one. A removed document's lines are
//!    no first occurrence for the line rules: a line first seen there counts
//!    from its first occurrence in a kept document;
//! 2. `chrome` — site template, wherever it stands: a line that most pages
//!    of the site hold, or that `chrome_min_docs` pages hold and that leads
//!    the page or stands in a block of such lines (no long sentence); a
//!    title that holds the page's headline beside the site's name;
//! 3. `repeat_in_doc` — the line repeats an earlier line of the same document;
//! 4. `near_repeat_in_doc` — most of the line's shingles are in a more
//!    complete (or, for equal content, earlier) line of the same document;
//! 5. `dup_across_docs` — the line was first seen in an earlier document;
//! 6. `near_dup_across_docs` — most of its shingles are in one earlier line
//!    of another document (and short stubs between such lines);
//! 7. `chrome` — template-shaped lines at the tail of what is left (and
//!    `chrome_suffix`, a phrase cut from the end of the last content line);
//! 8. `blank` — lines without words left next to a removed block;
//! 9. `empty` — no word line is left: the document is dropped.
//!
//! Short lines (under `min_line_chars` normalized characters) are removed by
//! rules 3 and 5 only together with a neighbouring line, as a block of 2+,
//! and never by rules 4 and 6.

mod blank;
mod chrome;
mod cross_doc;
mod near;
mod repeat;

use crate::config::DocDedup;
use crate::dataflow::answers::DocAnswers;
use crate::doc::{DocId, Lines};
use crate::index::{CorpusIndex, DocFingerprint};
pub use crate::reason::{Reason, RuleSet};

/// What a removed line repeats: a line of a document, or a whole document,
/// and for near duplicates the share of its shingles found there (per mille).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provenance {
    pub doc: DocId,
    pub line: Option<u32>,
    pub containment: Option<u16>,
}

impl Provenance {
    pub fn line(doc: DocId, line: u32) -> Provenance {
        Provenance {
            doc,
            line: Some(line),
            containment: None,
        }
    }
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
    /// In a cluster of near duplicates that keeps the document `of`; their
    /// shingle sets have this Jaccard similarity (per mille).
    NearDupDoc {
        of: DocId,
        similarity: u16,
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
    /// A chrome phrase cut from the end of a kept line.
    pub cut: Option<Cut>,
}

/// A kept line whose content ends early: the bytes from `at` (an offset into
/// the document text) to the end of its content are a glued chrome phrase.
/// The line's terminator stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    pub line: usize,
    pub at: usize,
}

/// Labels every line of document `doc` (its `text`, cut into `lines`),
/// reading only what the first pass learned of it (`facts`), the index and
/// the answers the document got. Fails only when the index cannot read the
/// facts of a possible source line.
pub fn decide(
    doc: DocId,
    text: &str,
    lines: &Lines,
    facts: &DocFingerprint,
    index: &CorpusIndex,
    answers: &DocAnswers<'_>,
) -> crate::Result<Decision> {
    let fps = &facts.lines[..];
    let whole = |status: DocStatus, reason: Reason, of: Provenance| Decision {
        status,
        labels: vec![Label::removed(reason, Some(of)); fps.len()],
        cut: None,
    };
    if index.rules().docs.doc_dedup != DocDedup::Off {
        if let Some(twin) = index.earlier_copy(doc) {
            let of = Provenance {
                doc: twin,
                line: None,
                containment: None,
            };
            return Ok(whole(DocStatus::DupDoc { of: twin }, Reason::DupDoc, of));
        }
    }
    if let Some((kept, similarity)) = index.near_dup_of(doc) {
        let of = Provenance {
            doc: kept,
            line: None,
            containment: Some(similarity),
        };
        return Ok(whole(
            DocStatus::NearDupDoc { of: kept, similarity },
            Reason::NearDupDoc,
            of,
        ));
    }
    let mut labels = vec![Label::Keep; fps.len()];
    let rules = index.rules();
    let runs = |reason| rules.run.runs(reason);
    if runs(Reason::Chrome) {
        chrome::label_template(text, lines, facts, index, &mut labels);
    }
    if runs(Reason::RepeatInDoc) {
        repeat::label(doc, fps, rules.min_line_chars, &mut labels);
    }
    if runs(Reason::NearRepeatInDoc) {
        near::label_in_doc(doc, &facts.near_repeats, &mut labels);
    }
    if runs(Reason::DupAcrossDocs) {
        cross_doc::label(fps, rules.min_line_chars, &answers.keys, &mut labels);
    }
    if runs(Reason::NearDupAcrossDocs) {
        near::label_across_docs(facts, index, &answers.shingles, &mut labels)?;
        near::absorb_stubs(fps, text, lines, &mut labels);
    }
    let cut = chrome_rules(text, lines, facts, index, answers, &mut labels);
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
    let cut = cut.filter(|_| status.is_kept());
    Ok(Decision { status, labels, cut })
}

/// The chrome rules that run: chrome lines with the suffix cut, or the
/// suffix cut alone (as the chrome rule finds it with the lines); chrome
/// lines never run without the cut (see [`RuleSet`]).
fn chrome_rules(
    text: &str,
    lines: &Lines,
    facts: &DocFingerprint,
    index: &CorpusIndex,
    answers: &DocAnswers<'_>,
    labels: &mut [Label],
) -> Option<Cut> {
    let runs = |reason| index.rules().run.runs(reason);
    if !runs(Reason::ChromeSuffix) {
        return None;
    }
    let cut = chrome::label_tail(text, lines, facts, index, &answers.keys, labels);
    if !runs(Reason::Chrome) {
        for label in labels.iter_mut().filter(|l| l.reason() == Some(Reason::Chrome)) {
            *label = Label::Keep;
        }
    }
    cut
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
    let cut = decision.cut.map(|c| (c.line, c.at));
    lines.assemble(text, |i| decision.labels[i].is_kept(), cut, out)
}

#[cfg(test)]
mod tests;
