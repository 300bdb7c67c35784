//! The floor for `make bench-e2e`: the least work any line-level dedup tool
//! must do — read every file of a corpus and hash every line (xxh3), in
//! parallel over files with the same thread pool size as `clean`. No
//! normalization, no JSON, no output. Prints seconds and MB/s.
//!
//! Run: `cargo bench --bench floor -- DIR [THREADS]`

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: cargo bench --bench floor -- DIR [THREADS]");
        std::process::exit(2);
    };
    let threads: usize = args.get(1).and_then(|t| t.parse().ok()).unwrap_or(0);
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let start = Instant::now();
    let (bytes, lines, hash) = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let mut reader = BufReader::with_capacity(256 << 10, File::open(path).expect("open"));
                let (mut bytes, mut lines, mut acc) = (0u64, 0u64, 0u64);
                let mut line = Vec::new();
                while reader.read_until(b'\n', &mut line).expect("read") > 0 {
                    bytes += line.len() as u64;
                    lines += 1;
                    acc ^= xxh3_64(&line);
                    line.clear();
                }
                (bytes, lines, acc)
            })
            .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 ^ b.2))
    });
    let secs = start.elapsed().as_secs_f64();
    println!(
        "floor: {} files, {} lines, {:.1} MB in {:.3} s = {:.1} MB/s (hash {hash:016x})",
        files.len(),
        lines,
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs
    );
}
