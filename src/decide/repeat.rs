//! `repeat_in_doc`: a line whose normalized text repeats an earlier line of the
//! same document (a body pasted twice, a paragraph duplicated by the scraper).
//! Long lines repeat on their own; a short line only when the pair it forms with
//! its previous or next word line already occurred earlier in the document.

use super::{claim, Label, Provenance, Reason};
use crate::doc::DocId;
use crate::fingerprint::{pair_key, word_lines, LineFp};
use crate::keymap::KeyMap;

pub(super) fn label(doc: DocId, fps: &[LineFp], min_chars: usize, labels: &mut [Label]) {
    let words: Vec<usize> = word_lines(fps).collect();
    let key = |w: usize| fps[words[w]].key;
    // First word position of each key and of each pair (by its first element).
    let mut first_key: KeyMap<usize> = KeyMap::default();
    let mut first_pair: KeyMap<usize> = KeyMap::default();
    for w in 0..words.len() {
        first_key.entry(key(w)).or_insert(w);
        if w > 0 {
            first_pair.entry(pair_key(key(w - 1), key(w))).or_insert(w - 1);
        }
    }
    let mut found: Vec<(usize, usize)> = Vec::new(); // (word position, position it repeats)
    for w in 0..words.len() {
        if fps[words[w]].is_long(min_chars) {
            let first = first_key[&key(w)];
            if first < w {
                found.push((w, first));
            }
            continue;
        }
        if w > 0 {
            let f = first_pair[&pair_key(key(w - 1), key(w))];
            if f < w - 1 {
                found.push((w, f + 1));
                continue;
            }
        }
        if w + 1 < words.len() {
            let f = first_pair[&pair_key(key(w), key(w + 1))];
            if f < w {
                found.push((w, f));
            }
        }
    }
    for (w, of) in found {
        let of = Provenance::line(doc, words[of] as u32);
        claim(labels, words[w], Reason::RepeatInDoc, of);
    }
}
