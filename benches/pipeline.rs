//! Throughput of the pipeline stages on realistic text: a 20 MB synthetic
//! news corpus (Persian and English, with re-crawls, syndicated copies,
//! pasted bodies and site chrome) from `textsieve synth`, fixed seed.
//! Stages: fingerprint (split + normalize + hash), index build, decide.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use textsieve::config::Rules;
use textsieve::doc::Lines;
use textsieve::index::{CorpusIndex, DocFingerprint};
use textsieve::near_docs::NearDocs;
use textsieve::synth::{self, Format, Lang, Rates, SynthConfig};

/// The documents of a synthetic JSONL corpus, in corpus order.
fn corpus(size_bytes: u64) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = SynthConfig {
        size_bytes,
        seed: 7,
        out_dir: dir.path().to_path_buf(),
        format: Format::Jsonl,
        lang: Lang::Mixed,
        rates: Rates::default(),
    };
    synth::synth(&config).expect("synth");
    let mut parts: Vec<_> = std::fs::read_dir(dir.path().join("corpus"))
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    parts.sort();
    parts
        .iter()
        .flat_map(|p| {
            let data = std::fs::read_to_string(p).expect("read part");
            data.lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).expect("record");
                    v["text"].as_str().expect("text").to_string()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn fingerprints(docs: &[String]) -> Vec<DocFingerprint> {
    docs.iter()
        .map(|t| DocFingerprint::new(t, 0, &Rules::default()))
        .collect()
}

fn bench(c: &mut Criterion) {
    let docs = corpus(20_000_000);
    let bytes: u64 = docs.iter().map(|d| d.len() as u64).sum();
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(20);
    g.bench_function("fingerprint", |b| b.iter(|| fingerprints(&docs)));
    let fps = fingerprints(&docs);
    g.bench_function("index", |b| {
        b.iter(|| {
            let mut idx = CorpusIndex::new(Rules::default());
            idx.add_batch(fps.clone()).unwrap();
            idx
        })
    });
    let mut idx = CorpusIndex::new(Rules::default());
    idx.add_batch(fps).unwrap();
    idx.close_run(Vec::new()).unwrap();
    idx.set_near_docs(NearDocs::default()).unwrap();
    let (mut reader, _) = idx.first_occurrences().unwrap();
    let answers = reader.take(0, docs.len() as u64).unwrap();
    g.bench_function("decide", |b| {
        b.iter(|| {
            (0..docs.len() as u64)
                .map(|d| {
                    let text = &docs[d as usize];
                    let answers = answers.of(d);
                    let facts = idx.facts(d).unwrap();
                    textsieve::decide::decide(d, text, &Lines::split(text), &facts, &idx, &answers)
                        .unwrap()
                        .labels
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
