//! The exact check of a near-duplicate line against a candidate source: the
//! shingles two sorted id lists share, stopping once the share cannot reach
//! what is needed. Lines of 100 shingles (the size of a news paragraph) with
//! a candidate that shares 30% (most candidates: a few common phrases; the
//! check fails) or 90% (a copy; the check passes), at containment 0.8.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use textsieve::fingerprint::shared_at_least;

const LEN: usize = 100;
const NEED: usize = 80;
/// Enough pairs that the branch predictor cannot learn their order.
const PAIRS: u64 = 4096;

/// A sorted line of `LEN` ids and a sorted candidate of `LEN` ids sharing
/// `shared` of them, the others drawn apart (odd ids for one, even for the other).
fn pair(shared: usize, seed: u64) -> (Vec<u32>, Vec<u32>) {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) as u32
    };
    let common: Vec<u32> = (0..shared).map(|_| next() | 1).collect();
    let mut line: Vec<u32> = common.clone();
    let mut source = common;
    line.extend((shared..LEN).map(|_| next() & !1));
    source.extend((shared..LEN).map(|_| (next() & !1) | 2));
    line.sort_unstable();
    source.sort_unstable();
    (line, source)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("containment");
    for (name, shared) in [("fails_30pct", 30), ("passes_90pct", 90)] {
        let pairs: Vec<_> = (0..PAIRS).map(|s| pair(shared, s)).collect();
        g.bench_function(name, |b| {
            b.iter(|| {
                pairs
                    .iter()
                    .filter(|(l, s)| shared_at_least(black_box(l), black_box(s), NEED).is_some())
                    .count()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
