//! `dup_across_docs`: a line, or a block of lines, first seen in an earlier
//! document; the first occurrence in corpus order is the one kept. A long line
//! is a duplicate on its own; a short line only when the pair it forms with its
//! previous or next word line was first seen in an earlier document, unless
//! that line is site template (`chrome`).

use super::{claim, Label, Provenance, Reason};
use crate::dataflow::first_seen::KeyAnswers;
use crate::fingerprint::{word_lines, LineFp};

/// Labels the lines of a document (`fps`) whose first occurrence the
/// `answers` place in an earlier document.
pub(super) fn label(fps: &[LineFp], min: usize, answers: &KeyAnswers<'_>, labels: &mut [Label]) {
    let words: Vec<usize> = word_lines(fps).collect();
    for w in 0..words.len() {
        let line = words[w];
        if !labels[line].is_kept() {
            continue;
        }
        let of = if fps[line].is_long(min) {
            answers.line_first(line as u32).map(|(d, l)| (d, Some(l)))
        } else {
            // As the second line of the pair (previous, this): the second
            // line of its first occurrence; else as the first of (this, next).
            // A template line is no part of a repeated block: a byline is
            // no duplicate for standing above the site's share line.
            let is_template = |w: usize| labels[words[w]].reason() == Some(Reason::Chrome);
            let as_second = (w > 0 && !is_template(w - 1))
                .then(|| answers.pair_first(words[w - 1] as u32))
                .flatten()
                .map(|(d, _, second)| (d, Some(second)));
            as_second.or_else(|| {
                (w + 1 < words.len() && !is_template(w + 1))
                    .then(|| answers.pair_first(line as u32))
                    .flatten()
                    .map(|(d, first, _)| (d, Some(first)))
            })
        };
        if let Some((d, l)) = of {
            claim(
                labels,
                line,
                Reason::DupAcrossDocs,
                Provenance {
                    doc: d,
                    line: l,
                    containment: None,
                },
            );
        }
    }
}
