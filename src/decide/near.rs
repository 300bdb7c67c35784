//! Near duplicates by word shingles (n-grams of the normalized text).
//!
//! - `near_repeat_in_doc`: most (`containment`) of a line's shingles are in
//!   another line of the same document that is more complete (the teaser cut
//!   with "[…]" goes, the full paragraph stays), or, when each holds most of
//!   the other, that comes earlier (the second copy of a lightly edited body).
//! - `near_dup_across_docs`: most of a line's sampled shingles were first seen
//!   in earlier documents; the first occurrence stays.
//! - A short stub (under 20 words) between two lines removed as cross-document
//!   duplicates goes with them.
//!
//! Only long lines (`min_line_chars`) are judged: short lines match by chance.

use super::{claim, Label, Provenance, Reason};
use crate::config::{MAX_HITS, MIN_SHINGLES, STUB_MAX_WORDS};
use crate::dataflow::first_shingle::ShingleAnswers;
use crate::doc::{DocId, Lines};
use crate::fingerprint::{self, per_mille, shared_at_least, word_lines, LineFp, ShingleId};
use crate::index::{CorpusIndex, DocFingerprint};
use crate::near_repeat::{min_shared, NearRepeat};
/// Earlier lines verified as the possible source of a near duplicate.
const MAX_SOURCE_CANDIDATES: usize = 16;

/// Marks the near repeats the first pass found in document `doc`, but those
/// of a line removed as chrome (a title with the site's name: what it
/// repeats is the content).
pub(super) fn label_in_doc(doc: DocId, repeats: &[NearRepeat], labels: &mut [Label]) {
    for r in repeats {
        if labels[r.of as usize].reason() == Some(Reason::Chrome) {
            continue;
        }
        let of = Provenance {
            doc,
            line: Some(r.of),
            containment: Some(r.containment),
        };
        claim(labels, r.line as usize, Reason::NearRepeatInDoc, of);
    }
}

pub(super) fn label_across_docs(
    facts: &DocFingerprint,
    index: &CorpusIndex,
    answers: &ShingleAnswers<'_>,
    labels: &mut [Label],
) -> crate::Result<()> {
    let containment = index.rules().containment;
    // Each line's shingles, as the first pass stored them (none for a short line).
    let mut own: Vec<&[ShingleId]> = vec![&[]; labels.len()];
    for (line, ids) in facts.line_shingles() {
        own[line as usize] = ids;
    }
    // Per-line scratch, reused: the earlier lines (document, line) where the
    // line's hits were first seen, and the candidate sources with their hit counts.
    let mut earlier: Vec<(DocId, u32)> = Vec::with_capacity(MAX_HITS);
    let mut candidates: Vec<(usize, (DocId, u32), usize)> = Vec::with_capacity(MAX_HITS);
    let mut source: Vec<ShingleId> = Vec::new();
    for i in 0..labels.len() {
        if !labels[i].is_kept() {
            continue;
        }
        let all = own[i];
        if all.len() < MIN_SHINGLES {
            continue;
        }
        let sampled = || all.iter().copied().filter(|&s| fingerprint::is_sampled(s));
        let sampled_count = sampled().count();
        // Most lines are new: stop looking up as soon as too many sampled
        // shingles were not seen before for the line to reach the threshold.
        let allowed_misses = fingerprint::allowed_misses(sampled_count, containment);
        let mut line_answers = answers.line(i as u32);
        // Each answer is one hit at most: a line with fewer answers than
        // the hits that end the look-up misses the rest (and so most lines
        // are done without a look-up).
        let answered = line_answers.len();
        if answered < MAX_HITS && sampled_count.saturating_sub(answered) > allowed_misses {
            continue;
        }
        let mut misses = 0;
        earlier.clear();
        for s in sampled() {
            match line_answers.first(s) {
                Some(first) => earlier.push(first),
                None => misses += 1,
            }
            if misses > allowed_misses || earlier.len() == MAX_HITS {
                break;
            }
        }
        if misses > allowed_misses || earlier.is_empty() {
            continue;
        }
        // Candidates: the earlier lines where its shingles were first seen,
        // most frequent first. The line it was copied from is among them (it
        // is the first home of the copy's own words), but common phrases may
        // have been seen first elsewhere: so each candidate is verified
        // against all its shingles.
        //
        // A shingle a candidate holds was first seen there or before, so the
        // shingles it can share are at most: the hits first seen up to it,
        // and every shingle not looked up. Most candidates of a line made of
        // common phrases fail this bound and are never fetched.
        let unknown = all.len() - (earlier.len() + misses);
        let need = min_shared(containment, all.len());
        earlier.sort_unstable();
        candidates.clear();
        let mut up_to = 0;
        for run in earlier.chunk_by(|a, b| a == b) {
            up_to += run.len();
            candidates.push((run.len(), run[0], up_to + unknown));
        }
        candidates.retain(|&(_, _, at_most)| at_most >= need);
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        // The source kept is the one that holds most (the first of equals).
        let mut need = need;
        let mut best: Option<((DocId, u32), usize)> = None;
        for &(_, (d, l), at_most) in candidates.iter().take(MAX_SOURCE_CANDIDATES) {
            if at_most < need {
                continue;
            }
            index.line_shingles(d, l, &mut source)?;
            if let Some(n) = shared_at_least(all, &source, need) {
                best = Some(((d, l), n));
                need = n + 1;
            }
        }
        let Some(((doc, line), n)) = best else { continue };
        let c = n as f64 / all.len() as f64;
        let of = Provenance {
            doc,
            line: Some(line),
            containment: Some(per_mille(c)),
        };
        claim(labels, i, Reason::NearDupAcrossDocs, of);
    }
    Ok(())
}

/// A short kept line between two lines removed as duplicates of the same
/// other document goes with them: a block copied from that document, whose
/// stub ("He said:", a dateline) matched nothing on its own.
pub(super) fn absorb_stubs(fps: &[LineFp], text: &str, lines: &Lines, labels: &mut [Label]) {
    let words: Vec<usize> = word_lines(fps).collect();
    let cross = |l: &Label| {
        matches!(
            l.reason(),
            Some(Reason::DupAcrossDocs | Reason::NearDupAcrossDocs)
        )
    };
    for w in 1..words.len().saturating_sub(1) {
        let (prev, i, next) = (words[w - 1], words[w], words[w + 1]);
        if !labels[i].is_kept() || !cross(&labels[prev]) || !cross(&labels[next]) {
            continue;
        }
        if lines.spans[i].content(text).split_whitespace().count() >= STUB_MAX_WORDS {
            continue;
        }
        // Only inside a block copied from one document.
        if let (Label::Removed { of: Some(a), .. }, Label::Removed { of: Some(b), .. }) =
            (labels[prev], labels[next])
        {
            if a.doc == b.doc {
                let of = Provenance {
                    containment: None,
                    ..a
                };
                claim(labels, i, Reason::NearDupAcrossDocs, of);
            }
        }
    }
}
