//! MinHash signatures of documents by one-permutation hashing: each shingle
//! is hashed once, the hash picks one of `k` bins and the bin keeps its
//! smallest value. Two documents agree on a bin with probability close to the
//! Jaccard similarity of their shingle sets, like `k` independent MinHashes,
//! for one hash per shingle instead of `k`.
//!
//! A document with fewer shingles than bins leaves bins empty; each empty bin
//! takes the value of a filled bin chosen by a hash of its own index
//! ("optimal densification", Shrivastava 2017), which keeps the agreement of
//! two signatures an unbiased estimate of their Jaccard similarity.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::fingerprint::{self, ShingleId};

/// One value per bin.
pub type Signature = Vec<u32>;

const SEED: u64 = 0x6d69_6e68_6173_6831;

/// 64 well-mixed bits of a shingle id (the ids are hash bits already; this
/// decorrelates the bin choice and the value from the corpus-wide sampling,
/// which reads the ids' low bits).
fn mix(id: ShingleId) -> u64 {
    mix64(u64::from(id) ^ SEED)
}

/// The splitmix64 finalizer: every input bit affects every output bit.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The signature of `k` bins of a set of shingles (repeats change nothing), or
/// None for an empty set.
pub fn signature(shingles: impl IntoIterator<Item = ShingleId>, k: usize) -> Option<Signature> {
    let mut sig = vec![u32::MAX; k];
    let mut filled = vec![false; k];
    let mut any = false;
    for s in shingles {
        let h = mix(s);
        // The top bits pick the bin, the low bits are the value.
        let bin = bin_of(h, k);
        sig[bin] = sig[bin].min(h as u32);
        filled[bin] = true;
        any = true;
    }
    if !any {
        return None;
    }
    // Only empty bins are written below, and only filled ones read.
    for bin in 0..k {
        if filled[bin] {
            continue;
        }
        // Probe filled bins in an order fixed by the empty bin's index; the
        // same in every document, so that two documents with the same bins
        // filled borrow from the same places.
        for attempt in 0u64.. {
            let pick = xxh3_64_with_seed(&(bin as u64).to_le_bytes(), SEED.wrapping_add(attempt));
            let from = bin_of(pick, k);
            if filled[from] {
                sig[bin] = sig[from];
                break;
            }
        }
    }
    Some(sig)
}

/// One of `k` bins from the top 32 bits of a hash (a multiply maps them onto 0..k).
fn bin_of(h: u64, k: usize) -> usize {
    (((h >> 32) * k as u64) >> 32) as usize
}

/// The share of bins on which two signatures agree: an estimate of the
/// Jaccard similarity of the two shingle sets.
pub fn agreement(a: &[u32], b: &[u32]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// The LSH key of band `band` of `rows` bins: documents whose bins agree on
/// the whole band share it (and others only by a 64-bit collision, which
/// verification rejects).
pub fn band_key(sig: &[u32], band: usize, rows: usize) -> u64 {
    sig[band * rows..(band + 1) * rows]
        .iter()
        .fold(band as u64, |acc, &v| mix64(acc.rotate_left(32) ^ u64::from(v)))
}

/// A document is never the near duplicate of one with more than this many
/// times its shingles: a page that holds another page's text and as much
/// again is another page (an article beside its teaser).
pub const MAX_SIZE_RATIO: f64 = 2.0;

/// How near two documents are, from their sorted, distinct shingle sets:
/// the share of the smaller set found in the larger, so that a copy that
/// lost a paragraph or gained one is as near as a copy with every word (0
/// when the larger has more than [`MAX_SIZE_RATIO`] times the shingles of
/// the smaller).
pub fn resemblance(a: &[ShingleId], b: &[ShingleId]) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.is_empty() || large.len() as f64 > MAX_SIZE_RATIO * small.len() as f64 {
        return 0.0;
    }
    fingerprint::shared(small, large) as f64 / small.len() as f64
}

/// The least Jaccard similarity of two sets whose [`resemblance`] is at
/// least `threshold`: MinHash signatures estimate Jaccard similarity.
pub fn jaccard_floor(threshold: f64) -> f64 {
    // The smaller set, of size 1, shares `threshold` with one of size
    // MAX_SIZE_RATIO.
    threshold / (MAX_SIZE_RATIO + 1.0 - threshold)
}

/// Exact Jaccard similarity of two sorted, distinct sets.
pub fn jaccard(a: &[ShingleId], b: &[ShingleId]) -> f64 {
    let shared = fingerprint::shared(a, b);
    let union = a.len() + b.len() - shared;
    if union == 0 {
        return 0.0;
    }
    shared as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two sets of `n` ids each sharing `shared` of them: Jaccard shared / (2n - shared).
    fn pair(n: u32, shared: u32) -> (Vec<u32>, Vec<u32>) {
        let a: Vec<u32> = (0..n).map(|i| i.wrapping_mul(2_654_435_761)).collect();
        let b: Vec<u32> = (0..n)
            .map(|i| if i < shared { i } else { i + 1_000_000 })
            .map(|i| i.wrapping_mul(2_654_435_761))
            .collect();
        (a, b)
    }

    #[test]
    fn agreement_estimates_jaccard() {
        for (shared, want) in [(1000, 1.0), (600, 600.0 / 1400.0), (900, 0.9 / 1.1)] {
            let (a, b) = pair(1000, shared);
            let (sa, sb) = (signature(a, 256).unwrap(), signature(b, 256).unwrap());
            assert!(
                (agreement(&sa, &sb) - want).abs() < 0.08,
                "{shared}: {}",
                agreement(&sa, &sb)
            );
        }
    }

    #[test]
    fn densified_signatures_of_small_sets_still_agree_when_equal() {
        let (a, _) = pair(5, 5);
        let mut shuffled = a.clone();
        shuffled.reverse();
        let sa = signature(a, 112).unwrap();
        assert_eq!(sa, signature(shuffled, 112).unwrap());
        assert!(sa.iter().all(|&v| v != u32::MAX));
        assert_eq!(signature(Vec::new(), 112), None);
    }

    #[test]
    fn exact_jaccard() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[]), 0.0);
        assert_eq!(jaccard(&[7], &[7]), 1.0);
    }

    #[test]
    fn band_keys_differ_by_band_and_content() {
        let sig: Vec<u32> = (0..16).collect();
        assert_ne!(band_key(&sig, 0, 8), band_key(&sig, 1, 8));
        let mut other = sig.clone();
        other[3] = 99;
        assert_ne!(band_key(&sig, 0, 8), band_key(&other, 0, 8));
        assert_eq!(band_key(&sig, 1, 8), band_key(&other, 1, 8));
    }

    #[test]
    fn resemblance_is_the_share_of_the_smaller_set_in_a_larger_at_most_twice_its_size() {
        let large: Vec<u32> = (0..100).collect();
        // 40 of 50 in the larger, in either order.
        let small: Vec<u32> = (0..40).chain(1000..1010).collect();
        assert_eq!(resemblance(&small, &large), 0.8);
        assert_eq!(resemblance(&large, &small), 0.8);
        // Exactly twice the size still counts; one more does not.
        assert_eq!(resemblance(&large[..50], &large), 1.0);
        assert_eq!(resemblance(&large[..50], &(0..101).collect::<Vec<_>>()), 0.0);
        assert_eq!(resemblance(&[], &large[..1]), 0.0);
        // The least Jaccard similarity of a pair at resemblance t: the
        // smaller inside one twice its size.
        let floor = jaccard_floor(0.8);
        assert!((floor - 0.4 / 1.1).abs() < 1e-12, "{floor}");
        let (s, l): (Vec<u32>, Vec<u32>) = ((0..40).chain(1000..1010).collect(), (0..100).collect());
        assert!((jaccard(&s, &l) - floor).abs() < 1e-12);
    }
}
