//! Lines of one document that repeat most of another line of it
//! (`near_repeat_in_doc`): a judgement that needs nothing but the document,
//! made in the first pass while its normalized lines are at hand.
//!
//! Two long lines are compared when they share a shingle; a line held whole
//! by a longer one goes (a teaser cut with "[…]"), and of two lines that hold
//! most of each other the later goes (the second copy of an edited body).

use std::cell::OnceCell;

use crate::fingerprint::{self, per_mille, shared, ShingleId};
use crate::keymap::KeyMap;

/// A shingle shared by more lines of one document than this is ignored there
/// (it says nothing about which line repeats which, and would cost quadratic time).
const MAX_POSTINGS: usize = 64;
/// Lines of at least this many words per shingle word use full-size shingles.
const WORDS_PER_SHINGLE_WORD: usize = 6;

/// The shingles of one long line, for every shingle size up to `--shingle`,
/// each computed when first needed.
#[derive(Default)]
pub struct LineShingles<'a> {
    words: &'a [u64],
    /// The `--shingle`-word shingles the first pass computed, when they are
    /// those of `words` (not for a truncated line).
    full: Option<&'a [ShingleId]>,
    /// `sets[k]`: shingles of `k` words.
    sets: Vec<OnceCell<Vec<ShingleId>>>,
}

impl<'a> LineShingles<'a> {
    /// The shingles of a long line with these word hashes and `n`-word
    /// shingles `full` (of its normalized `content`), up to `n` words.
    pub fn new(words: &'a [u64], full: &'a [ShingleId], content: &str, n: usize) -> LineShingles<'a> {
        let sets = (0..=n).map(|_| OnceCell::new()).collect();
        // A text cut off with an ellipsis ("… tafah […]") may end in half a word.
        if is_truncated(content) {
            let words = &words[..words.len().saturating_sub(1)];
            LineShingles {
                words,
                full: None,
                sets,
            }
        } else {
            LineShingles {
                words,
                full: Some(full),
                sets,
            }
        }
    }

    fn set(&self, k: usize) -> &[ShingleId] {
        if let Some(full) = self.full.filter(|_| k == self.full_size()) {
            return full;
        }
        self.sets[k].get_or_init(|| {
            let mut ids = Vec::new();
            fingerprint::shingle_ids_of(self.words, k, &mut ids);
            ids
        })
    }

    fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// `--shingle`: the size of the shingles the first pass computed.
    fn full_size(&self) -> usize {
        self.sets.len() - 1
    }

    /// Shingle size for comparing this line: `--shingle` words for lines of
    /// 6×that or more; shorter lines use shorter shingles (down to 2 words),
    /// so that one changed word does not hide a copy of a 15-word sentence.
    fn size(&self) -> usize {
        let n = self.full_size();
        (self.words.len() / WORDS_PER_SHINGLE_WORD).clamp(n.min(2), n)
    }
}

/// A line of a document that repeats most of another line of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NearRepeat {
    pub line: u32,
    /// The line it repeats.
    pub of: u32,
    /// Share of its shingles found there, per mille.
    pub containment: u16,
}

/// The fewest of `len` shingles that make a share of at least `containment`
/// (as `n / len >= containment` decides it, whatever the rounding of the product).
pub fn min_shared(containment: f64, len: usize) -> usize {
    let mut n = (containment * len as f64).ceil() as usize;
    while n > 0 && (n - 1) as f64 / len as f64 >= containment {
        n -= 1;
    }
    while n <= len && (n as f64 / len as f64) < containment {
        n += 1;
    }
    n
}

/// A line that ends with an ellipsis ("...", "…", "[…]"): a teaser cut short.
fn is_truncated(line: &str) -> bool {
    let t = line.trim_end().trim_end_matches([']', ')']);
    t.ends_with('…') || t.ends_with("...")
}

/// The pairs of lines `(a, b)`, `a < b`, that share a shingle (given as each
/// long line with its distinct shingles), sorted,
/// each with the number of shingles they share (not counting shingles that
/// are in more than `MAX_POSTINGS` lines).
/// Lines short enough to be compared with shorter shingles may share no
/// full-size one: a line of under 6×n words with a word changed in every
/// window slips through.
pub fn candidate_pairs<'a>(
    lines: impl Iterator<Item = (u32, &'a [ShingleId])> + Clone,
) -> Vec<(u32, u32, u32)> {
    let postings = ShingleCounts::of(lines.clone());
    // Only the shingles of two lines or more are sorted: most of a document's
    // shingles are in one line only, and sorting them all was the cost.
    let mut entries: Vec<u64> = lines
        .flat_map(|(l, ids)| ids.iter().map(move |&s| (s, l)))
        .filter(|&(s, _)| (2..=MAX_POSTINGS).contains(&postings.get(s)))
        .map(|(s, l)| (u64::from(s) << 32) | u64::from(l))
        .collect();
    entries.sort_unstable();
    // Counted, not listed: a shingle in k lines makes k(k-1)/2 pairs, and a
    // document that repeats a long text many times would list hundreds of
    // millions of them.
    let mut counts: KeyMap<u32> = KeyMap::default();
    for group in entries.chunk_by(|x, y| x >> 32 == y >> 32) {
        for (j, x) in group.iter().enumerate() {
            for y in &group[j + 1..] {
                *counts.entry((x << 32) | (y & 0xffff_ffff)).or_insert(0) += 1;
            }
        }
    }
    let mut pairs: Vec<(u32, u32, u32)> = counts
        .into_iter()
        .map(|(pair, n)| ((pair >> 32) as u32, pair as u32, n))
        .collect();
    pairs.sort_unstable();
    pairs
}

/// How many lines of a document hold each shingle: an open-addressing table
/// small enough to stay in cache (the ids are hash bits already). A count
/// stops at 255: only whether it exceeds [`MAX_POSTINGS`] matters.
struct ShingleCounts {
    ids: Vec<ShingleId>,
    /// 0 marks an empty slot.
    counts: Vec<u8>,
    filled: usize,
}

/// The most slots a [`ShingleCounts`] starts with (80 MB); past that it grows
/// as needed, for the distinct shingles of a very large document (one that
/// repeats a long text has far fewer than it has shingles).
const MAX_INITIAL_SLOTS: usize = 1 << 24;

impl ShingleCounts {
    fn of<'a>(lines: impl Iterator<Item = (u32, &'a [ShingleId])> + Clone) -> ShingleCounts {
        // Room for every shingle to be distinct (as in most documents) at
        // most half full, so probes stay short.
        let total: usize = lines.clone().map(|(_, ids)| ids.len()).sum();
        let mut counts = ShingleCounts::with_slots((2 * total).next_power_of_two().min(MAX_INITIAL_SLOTS));
        for (_, ids) in lines {
            for &s in ids {
                counts.add(s);
            }
        }
        counts
    }

    fn with_slots(n: usize) -> ShingleCounts {
        ShingleCounts {
            ids: vec![0; n],
            counts: vec![0; n],
            filled: 0,
        }
    }

    fn add(&mut self, s: ShingleId) {
        if 2 * (self.filled + 1) > self.ids.len() {
            self.grow();
        }
        let slot = self.slot(s);
        self.filled += usize::from(self.counts[slot] == 0);
        self.ids[slot] = s;
        self.counts[slot] = self.counts[slot].saturating_add(1);
    }

    fn grow(&mut self) {
        let bigger = ShingleCounts::with_slots(2 * self.ids.len().max(1));
        let old = std::mem::replace(self, bigger);
        for (s, n) in old.ids.into_iter().zip(old.counts).filter(|&(_, n)| n > 0) {
            let slot = self.slot(s);
            self.ids[slot] = s;
            self.counts[slot] = n;
            self.filled += 1;
        }
    }

    fn get(&self, s: ShingleId) -> usize {
        usize::from(self.counts[self.slot(s)])
    }

    /// The slot holding `s`, or the empty slot where it would go.
    fn slot(&self, s: ShingleId) -> usize {
        let mask = self.ids.len() - 1;
        let mut i = s as usize & mask;
        while self.counts[i] != 0 && self.ids[i] != s {
            i = (i + 1) & mask;
        }
        i
    }
}

/// The lines of one document (their shingles; empty for the lines not
/// judged) that repeat most of another line of it, in line order, from the
/// candidate `pairs`.
pub fn near_repeats(lines: &[LineShingles], pairs: &[(u32, u32, u32)], containment: f64) -> Vec<NearRepeat> {
    // For each line that goes: the line it repeats and its containment there.
    let mut found: Vec<Option<(usize, f64)>> = vec![None; lines.len()];
    for &(a, b, shared_full) in pairs {
        let (a, b) = (a as usize, b as usize);
        let (la, lb) = (&lines[a], &lines[b]);
        if la.is_empty() || lb.is_empty() {
            continue;
        }
        let k = la.size().min(lb.size());
        let (sa, sb) = (la.set(k), lb.set(k));
        // At full size the shared count is known: most pairs stop here.
        if k == la.full_size() && (shared_full as usize) < min_shared(containment, sa.len().min(sb.len())) {
            continue;
        }
        let n = shared(sa, sb);
        let (a_in_b, b_in_a) = (n as f64 / sa.len() as f64, n as f64 / sb.len() as f64);
        if a_in_b.max(b_in_a) < containment {
            continue;
        }
        // A line held whole by a longer one goes (a teaser in its paragraph,
        // each line of a nested repeat in the one before); otherwise the later
        // of the two goes (an edited second copy).
        let (loser, winner, c) = if n == sa.len() && sb.len() > n {
            (a, b, a_in_b)
        } else {
            (b, a, b_in_a.max(a_in_b))
        };
        if found[loser].is_none_or(|(_, best)| c > best) {
            found[loser] = Some((winner, c));
        }
    }
    found
        .into_iter()
        .enumerate()
        .filter_map(|(a, f)| {
            f.map(|(b, c)| NearRepeat {
                line: a as u32,
                of: b as u32,
                containment: per_mille(c),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::shared_at_least;

    #[test]
    fn candidate_pairs_count_shared_shingles_and_skip_common_ones() {
        let a = [1, 2, 3, 9];
        let b = [2, 3, 4];
        let c = [3, 5];
        // Shingle 9 is in more lines than MAX_POSTINGS: it pairs no lines.
        let nines: Vec<[ShingleId; 1]> = (0..MAX_POSTINGS).map(|_| [9]).collect();
        let lines = [(0, &a[..]), (2, &b[..]), (5, &c[..])]
            .into_iter()
            .chain(nines.iter().enumerate().map(|(i, n)| (10 + i as u32, &n[..])));
        assert_eq!(candidate_pairs(lines), vec![(0, 2, 2), (0, 5, 1), (2, 5, 1)]);
        assert!(candidate_pairs(std::iter::empty()).is_empty());
    }

    #[test]
    fn shingle_counts_grow_and_keep_every_count() {
        // Started at one slot, so that it has to grow again and again.
        let mut counts = ShingleCounts::with_slots(1);
        for round in 1..=3u32 {
            for s in (0..1000u32).map(|i| i.wrapping_mul(2_654_435_761)) {
                counts.add(s);
                assert_eq!(counts.get(s), round as usize);
            }
        }
        assert_eq!(counts.filled, 1000);
        assert!(counts.ids.len() >= 2000 && counts.ids.len() <= 4096);
        assert_eq!(counts.get(7), 0);
        for _ in 0..300 {
            counts.add(7);
        }
        assert_eq!(counts.get(7), 255, "a count stops at 255");
    }

    #[test]
    fn shared_counts_stop_below_the_floor() {
        assert_eq!(shared(&[1, 2, 3, 4], &[2, 4, 6]), 2);
        assert_eq!(shared_at_least(&[1, 2, 3, 4], &[2, 4, 6], 3), None);
        assert_eq!(shared_at_least(&[1, 2, 3, 4], &[2, 4, 6], 2), Some(2));
    }
}
