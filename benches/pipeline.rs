//! Throughput of the pipeline stages on realistic text (the bundled Persian
//! news seeds, replicated with variations so duplicates are found):
//! fingerprint (split + normalize + hash), index build, decide.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use textsieve::doc::Lines;
use textsieve::fingerprint::fingerprint_lines;
use textsieve::index::{CorpusIndex, DocFingerprint};

const SEEDS: [&str; 5] = [
    include_str!("../samples/seeds/000_7a1cd4cb3cb5c2ea.txt"),
    include_str!("../samples/seeds/001_18a5eeb6be95b0b1.txt"),
    include_str!("../samples/seeds/002_de4479e4430be0e3.txt"),
    include_str!("../samples/seeds/003_dd600656ab7ede0e.txt"),
    include_str!("../samples/seeds/004_16c936f3609acb99.txt"),
];

/// `n` documents: seed paragraphs in rotating order, a numbered headline, and
/// every fifth document a verbatim copy of an earlier one.
fn corpus(n: usize) -> Vec<String> {
    let paragraphs: Vec<&str> = SEEDS
        .iter()
        .flat_map(|s| s.lines())
        .filter(|l| !l.is_empty())
        .collect();
    (0..n)
        .map(|d| {
            let mut t = format!("خبر شماره {d}\n");
            for k in 0..12 {
                let p = paragraphs[(d * 7 + k * 13) % paragraphs.len()];
                t.push_str(p);
                t.push('\n');
            }
            t
        })
        .collect()
}

fn fingerprints(docs: &[String]) -> Vec<DocFingerprint> {
    docs.iter()
        .map(|t| DocFingerprint {
            lines: fingerprint_lines(t, &Lines::split(t)),
            text_check: 0,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let docs = corpus(2000);
    let bytes: u64 = docs.iter().map(|d| d.len() as u64).sum();
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(20);
    g.bench_function("fingerprint", |b| b.iter(|| fingerprints(&docs)));
    let fps = fingerprints(&docs);
    g.bench_function("index", |b| {
        b.iter(|| {
            let mut idx = CorpusIndex::new(textsieve::config::DEFAULT_MIN_LINE_CHARS);
            idx.add_batch(fps.clone());
            idx
        })
    });
    let mut idx = CorpusIndex::new(textsieve::config::DEFAULT_MIN_LINE_CHARS);
    idx.add_batch(fps);
    g.bench_function("decide", |b| {
        b.iter(|| {
            (0..docs.len() as u32)
                .map(|d| textsieve::decide::decide(d, &idx).labels.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
