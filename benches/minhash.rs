//! Document signatures: one-permutation hashing (what textsieve does: one
//! hash per shingle, then bins) against the classic MinHash with bands × rows
//! hash functions (one multiply-add per shingle and function),
//! on a news-sized document of 1,400 shingles; and the exact Jaccard count
//! that verifies a candidate pair.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use textsieve::minhash::{resemblance, signature};

const SHINGLES: usize = 1400;
const K: usize = 112;

fn shingles(seed: u32) -> Vec<u32> {
    (0..SHINGLES as u32)
        .map(|i| (i ^ seed).wrapping_mul(2_654_435_761).rotate_left(7))
        .collect()
}

/// The textbook signature: K hash functions (multiply-shift, the cheapest
/// universal family), a minimum each.
fn k_permutations(ids: &[u32], params: &[(u64, u64)]) -> Vec<u32> {
    params
        .iter()
        .map(|&(a, b)| {
            ids.iter()
                .map(|&x| (a.wrapping_mul(u64::from(x)).wrapping_add(b) >> 32) as u32)
                .min()
                .unwrap_or(u32::MAX)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let doc = shingles(1);
    let mut g = c.benchmark_group("signature");
    g.throughput(Throughput::Elements(SHINGLES as u64));
    g.bench_function("one_permutation_112", |b| {
        b.iter(|| signature(black_box(doc.iter().copied()), K))
    });
    let params: Vec<(u64, u64)> = (0..K as u64)
        .map(|i| {
            (
                i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
                i.wrapping_mul(0xbf58_476d_1ce4_e5b9),
            )
        })
        .collect();
    g.bench_function("k_permutations_112", |b| {
        b.iter(|| k_permutations(black_box(&doc), &params))
    });
    g.finish();

    let mut a = doc.clone();
    a.sort_unstable();
    let mut other = shingles(2);
    other.truncate(SHINGLES / 2);
    other.extend_from_slice(&a[..SHINGLES / 2]);
    other.sort_unstable();
    other.dedup();
    c.bench_function("exact_resemblance_1400", |b| {
        b.iter(|| resemblance(black_box(&a), black_box(&other)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
