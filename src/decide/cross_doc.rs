//! `dup_across_docs`: a line, or a block of lines, first seen in an earlier
//! document; the first occurrence in corpus order is the one kept. A long line
//! is a duplicate on its own; a short line only when the pair it forms with its
//! previous or next word line was first seen in an earlier document.

use super::{claim, Label, Provenance, Reason};
use crate::doc::DocId;
use crate::fingerprint::{pair_key, word_lines, LineFp};
use crate::index::CorpusIndex;

pub(super) fn label(doc: DocId, fps: &[LineFp], index: &CorpusIndex, labels: &mut [Label]) {
    let min = index.rules().min_line_chars;
    let words: Vec<usize> = word_lines(fps).collect();
    let key = |w: usize| fps[words[w]].key;
    let earlier = |k: u64| index.first_seen(k).filter(|o| o.doc < doc);
    for w in 0..words.len() {
        let line = words[w];
        if !labels[line].is_kept() {
            continue;
        }
        let of = if fps[line].is_long(min) {
            earlier(key(w)).map(|o| (o.doc, Some(o.line)))
        } else {
            // The pair (previous, this) was seen at (o.line, the word line after it).
            let as_second = (w > 0)
                .then(|| earlier(pair_key(key(w - 1), key(w))))
                .flatten()
                .map(|o| (o.doc, index.next_word_line(o.doc, o.line)));
            as_second.or_else(|| {
                (w + 1 < words.len())
                    .then(|| earlier(pair_key(key(w), key(w + 1))))
                    .flatten()
                    .map(|o| (o.doc, Some(o.line)))
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
