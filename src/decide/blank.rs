//! Lines without words (blank, or punctuation like "* * *") next to removed
//! lines. Inside a removed block they go with the block; around it, one side's
//! separator goes (`blank`) so that cutting a block never leaves a pile of
//! blank lines behind. Separators between kept lines are never touched.

use super::{Label, Reason};
use crate::fingerprint::LineFp;

pub(super) fn label(fps: &[LineFp], labels: &mut [Label]) {
    let n = fps.len();
    let filler = |i: usize| !fps[i].has_words();
    let removed_word = |labels: &[Label], i: usize| fps[i].has_words() && !labels[i].is_kept();
    let mut i = 0;
    while i < n {
        if !removed_word(labels, i) {
            i += 1;
            continue;
        }
        // The run: removed word lines and fillers, from i to `last` (a removed word line).
        let mut last = i;
        let mut k = i + 1;
        while k < n && (removed_word(labels, k) || filler(k)) {
            if removed_word(labels, k) {
                last = k;
            }
            k += 1;
        }
        let mut current = labels[i];
        for (m, label) in labels.iter_mut().enumerate().take(last).skip(i + 1) {
            if filler(m) {
                if let Label::Removed { reason, .. } = current {
                    *label = Label::Removed { reason, of: None };
                }
            } else {
                current = *label;
            }
        }
        let blank = Label::Removed {
            reason: Reason::Blank,
            of: None,
        };
        // Fillers after the run, up to the next kept word line or the end.
        // Content follows: the separator before the run stays, the one after goes.
        labels[last + 1..k].fill(blank);
        if k == n {
            // The run ends the document: the separator before it separates nothing now.
            let mut b = i;
            while b > 0 && filler(b - 1) && labels[b - 1].is_kept() {
                b -= 1;
                labels[b] = blank;
            }
        }
        i = k;
    }
}
