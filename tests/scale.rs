//! Large and many inputs: a folder of 100,000 small files, paths hundreds of
//! folders deep or close to the system's path length limit, and one JSONL
//! record of about 100 MB. Each run must read everything, mirror it in the
//! output, account for every line, and stay within bounded resources.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{assert_accounting, Run, TestDir, BIN};

/// A small deterministic generator (xorshift64), so inputs are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mer", "tan", "si", "vo", "ren", "da", "pel", "or", "mi", "gul", "fa", "ne", "sto", "bri",
    "au", "den", "ho", "lim", "ur", "sa", "qua", "zel",
];

/// An ordinary-looking word: two or three syllables (over 14,000 of them).
fn word(rng: &mut Rng) -> String {
    let n = 2 + rng.below(2);
    (0..n).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect()
}

/// A sentence of `words` random words, capitalised, ending with a full stop.
fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push_str(if rng.below(12) == 0 { ", " } else { " " });
        }
        let w = word(rng);
        if i == 0 {
            s.push_str(&w[..1].to_uppercase());
            s.push_str(&w[1..]);
        } else {
            s.push_str(&w);
        }
    }
    s.push('.');
    s
}

/// Runs `textsieve ARGS` in `t` with at most `max_fds` open file descriptors.
#[cfg(unix)]
fn run_with_fd_limit(t: &TestDir, max_fds: u32, args: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {max_fds} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args)
        .current_dir(t.path(""))
        .stdin(Stdio::null())
        .output()
        .expect("run textsieve under sh");
    Run(out)
}

/// Runs `textsieve ARGS` in `t` and, where GNU time is installed, returns its
/// peak resident memory in bytes.
fn run_measuring_memory(t: &TestDir, args: &[&str]) -> (Run, Option<u64>) {
    let report = t.path("time-report.txt");
    let time = std::path::Path::new("/usr/bin/time");
    if time.exists() {
        let out = Command::new(time)
            .arg("-v")
            .arg("-o")
            .arg(&report)
            .arg(BIN)
            .args(args)
            .current_dir(t.path(""))
            .stdin(Stdio::null())
            .output()
            .expect("run textsieve under /usr/bin/time");
        let peak_kb = std::fs::read_to_string(&report).ok().and_then(|r| {
            r.lines()
                .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
                .and_then(|v| v.trim().parse::<u64>().ok())
        });
        // A `time` that is not GNU time rejects -v without running textsieve.
        if let Some(kb) = peak_kb {
            return (Run(out), Some(kb * 1024));
        }
    }
    (t.run(args), None)
}

/// The files under `rel` other than the stats and the output marker.
fn written_files(t: &TestDir, rel: &str) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut tree = t.tree(rel);
    tree.remove(&PathBuf::from("stats.json"));
    tree.remove(&PathBuf::from(".textsieve-output"));
    tree
}

fn count(stats: &serde_json::Value, reason: &str, unit: &str) -> u64 {
    stats["removed"][reason][unit].as_u64().unwrap()
}

const TINY_FILES: usize = 100_000;

/// 100,000 files of one or two lines, in 100 folders, each one read and
/// mirrored: exact duplicate files are dropped, a line shared by two files
/// leaves the second, every other file comes out byte for byte at its path,
/// every line is accounted for, and the run keeps no file open (with two
/// threads it succeeds with 64 file descriptors).
#[cfg(unix)]
#[test]
fn a_folder_of_100000_tiny_files_is_cleaned_with_few_open_files() {
    let started = Instant::now();
    let t = TestDir::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut expected: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    let mut contents: Vec<String> = Vec::with_capacity(TINY_FILES);
    let mut input_lines = 0u64;
    let mut shared = String::new();
    for g in 0..TINY_FILES / 1000 {
        std::fs::create_dir_all(t.path(&format!("in/g{g:03}"))).unwrap();
    }
    for i in 0..TINY_FILES {
        let words = 8 + rng.below(5);
        let own = format!("{i} {}", sentence(&mut rng, words));
        // Files 3 and 4 of every ten share their second line.
        if i % 10 == 3 {
            shared = format!("Shared note {}: {}", i / 10, sentence(&mut rng, 7));
        }
        let (text, kept) = match i % 10 {
            7 => (contents[i - 7].clone(), None),
            3 => {
                let t = format!("{own}\n{shared}\n");
                (t.clone(), Some(t))
            }
            4 => (format!("{own}\n{shared}\n"), Some(format!("{own}\n"))),
            _ if rng.below(2) == 0 => (own.clone(), Some(own)),
            _ => (format!("{own}\n"), Some(format!("{own}\n"))),
        };
        input_lines += text.lines().count() as u64;
        let rel = format!("g{:03}/f{i:06}.txt", i / 1000);
        std::fs::write(t.path(&format!("in/{rel}")), &text).unwrap();
        if let Some(kept) = kept {
            expected.insert(PathBuf::from(rel), kept.into_bytes());
        }
        contents.push(text);
    }
    eprintln!("100,000 files: written in {:.1?}", started.elapsed());

    let run_started = Instant::now();
    let run = run_with_fd_limit(&t, 64, &["clean", "in", "-o", "out", "-q", "--threads", "2"]);
    let run_time = run_started.elapsed();
    assert_eq!(run.code(), 0, "textsieve failed:\n{}", run.stderr());
    eprintln!("100,000 files: cleaned in {run_time:.1?}");

    let stats = t.stats("out/stats.json");
    assert_accounting(&stats);
    assert_eq!(stats["skipped"]["total"], 0, "{:#}", stats["skipped"]);
    assert_eq!(stats["input"]["docs"], TINY_FILES as u64);
    assert_eq!(stats["input"]["lines"], input_lines);
    assert_eq!(stats["output"]["docs"], expected.len() as u64);
    assert_eq!(count(&stats, "dup_doc", "docs"), TINY_FILES as u64 / 10);
    assert_eq!(count(&stats, "dup_across_docs", "lines"), TINY_FILES as u64 / 10);
    let written = written_files(&t, "out");
    assert_eq!(written.len(), expected.len());
    // The first files, one from the middle and the last, then all of them.
    for rel in [
        "g000/f000000.txt",
        "g000/f000004.txt",
        "g050/f050003.txt",
        "g099/f099999.txt",
    ] {
        assert_eq!(
            String::from_utf8_lossy(&written[&PathBuf::from(rel)]),
            String::from_utf8_lossy(&expected[&PathBuf::from(rel)]),
            "{rel}"
        );
    }
    assert!(!written.contains_key(&PathBuf::from("g000/f000007.txt")));
    if let Some((rel, _)) = expected
        .iter()
        .find(|(rel, bytes)| written.get(*rel) != Some(bytes))
    {
        panic!("{} is missing or differs in the output", rel.display());
    }
    eprintln!("100,000 files: whole test {:.1?}", started.elapsed());
}

/// A file 240 folders deep, and one whose path is close to the system limit
/// (Linux PATH_MAX, 4096 bytes, for the longest path the run uses): both
/// are read and written at their mirrored paths, a paragraph they share is
/// removed from the later one, and the walk down keeps few folders open (64
/// file descriptors are enough).
#[cfg(unix)]
#[test]
fn deeply_nested_and_very_long_paths_are_read_and_mirrored() {
    let started = Instant::now();
    let t = TestDir::new();
    let shared = "A paragraph long enough to count, found both deep down and near the limit.";
    let deep: PathBuf = std::iter::repeat_n("d", 240)
        .collect::<PathBuf>()
        .join("deep.txt");
    let deep_rel = PathBuf::from("a").join(&deep);
    t.write(
        &format!("in/{}", deep_rel.display()),
        format!("The first paragraph of the deeply nested file, kept as it is.\n{shared}\n"),
    );
    t.write(
        "in/top.txt",
        "A file at the top of the input folder, short and plain.\n",
    );
    let mut rels = vec![deep_rel.clone()];

    if cfg!(target_os = "linux") {
        const PATH_MAX: usize = 4096;
        // The longest path the run uses: the output file inside the staging
        // folder `.out.textsieve-<pid>.tmp` beside `out` (pid up to 7 digits).
        let base = std::fs::canonicalize(t.path("")).unwrap();
        let staging_len = base.join(".out.textsieve-1234567.tmp").as_os_str().len();
        let leaf = "long.txt";
        // Room for "/b", then the folders and "/long.txt", and the final NUL.
        let mut budget = PATH_MAX - 1 - staging_len - "/b".len() - 1 - leaf.len();
        let mut long_rel = PathBuf::from("b");
        let mut n = 0;
        while budget > 1 {
            // Folder names of up to 200 bytes, each with its "/".
            let len = (budget - 1).min(200);
            long_rel.push(format!("{n}{}", "x".repeat(len - n.to_string().len())));
            budget -= len + 1;
            n += 1;
        }
        long_rel.push(leaf);
        let in_len = base.join("in").join(&long_rel).as_os_str().len();
        let staged_len = staging_len + 1 + long_rel.as_os_str().len();
        assert!(
            staged_len < PATH_MAX && staged_len + 4 >= PATH_MAX,
            "{staged_len}"
        );
        eprintln!("long path: {in_len} bytes as input, {staged_len} while staged");
        t.write(
            &format!("in/{}", long_rel.display()),
            format!("The first paragraph of the file with a very long path, kept.\n{shared}\n"),
        );
        rels.push(long_rel);
    }

    run_with_fd_limit(&t, 64, &["clean", "in", "-o", "out", "-q", "--threads", "2"]).ok();
    let stats = t.stats("out/stats.json");
    assert_accounting(&stats);
    assert_eq!(stats["skipped"]["total"], 0, "{:#}", stats["skipped"]);
    assert_eq!(stats["input"]["docs"], rels.len() as u64 + 1);
    assert_eq!(
        t.read_str(&format!("out/{}", deep_rel.display())),
        format!("The first paragraph of the deeply nested file, kept as it is.\n{shared}\n")
    );
    if let Some(long_rel) = rels.get(1) {
        assert_eq!(count(&stats, "dup_across_docs", "lines"), 1);
        assert_eq!(
            t.read_str(&format!("out/{}", long_rel.display())),
            "The first paragraph of the file with a very long path, kept.\n"
        );
    }
    assert_eq!(
        t.read_str("out/top.txt"),
        "A file at the top of the input folder, short and plain.\n"
    );
    assert_eq!(written_files(&t, "out").len(), rels.len() + 1);
    eprintln!("deep paths: {:.1?}", started.elapsed());
}

/// Size of the text of the large record.
const BIG_TEXT_BYTES: usize = 100 << 20;
/// One paragraph in this many repeats an earlier one of the same record.
const REPEAT_EVERY: usize = 97;

/// A JSONL record whose text is about 100 MB of ordinary paragraphs (each
/// under 10 KB), between small records: it is cleaned like any other (its
/// repeated paragraphs and a paragraph seen in an earlier record removed,
/// its first paragraph removed from a later record), every byte outside its
/// text is unchanged, every line is accounted for, and the run's peak memory
/// (where GNU time can measure it) stays under 12 times the record's size.
#[test]
fn a_100_mb_jsonl_record_is_cleaned_in_bounded_memory() {
    let started = Instant::now();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    // Paragraphs of 8 to 150 words; every REPEAT_EVERY-th one a copy of an
    // earlier fresh paragraph (never of the first six, which the small
    // records share).
    let mut paragraphs: Vec<String> = Vec::new();
    let mut is_copy: Vec<bool> = Vec::new();
    let mut text_len = 0;
    while text_len < BIG_TEXT_BYTES {
        let j = paragraphs.len();
        let copy = j % REPEAT_EVERY == REPEAT_EVERY - 1;
        let p = if copy {
            let mut from = 6 + rng.below(j - 6);
            if is_copy[from] {
                from -= 1;
            }
            paragraphs[from].clone()
        } else {
            let mut p = String::new();
            for s in 0..1 + rng.below(5) {
                if s > 0 {
                    p.push(' ');
                }
                let words = 8 + rng.below(23);
                p.push_str(&sentence(&mut rng, words));
                // A quotation, a tab and a non-ASCII word now and then, for escaping.
                match rng.below(40) {
                    0 => p.push_str(" \"Quite so,\" she said."),
                    1 => p.push_str("\tCafé naïve déjà vu."),
                    _ => {}
                }
            }
            p
        };
        assert!(p.len() < 10_000);
        text_len += p.len() + 1;
        paragraphs.push(p);
        is_copy.push(copy);
    }
    let big_text = paragraphs.join("\n");
    let kept_text = paragraphs
        .iter()
        .zip(&is_copy)
        .enumerate()
        .filter(|(j, (_, copy))| !**copy && *j != 5)
        .map(|(_, (p, _))| p.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let copies = is_copy.iter().filter(|c| **c).count() as u64;

    let first = format!(
        "{{\"id\": 1, \"text\": {}}}",
        serde_json::to_string(&format!(
            "A short record that comes before the large one, in two lines.\n{}",
            paragraphs[5]
        ))
        .unwrap()
    );
    let big_prefix = r#"{"id": "big", "meta": {"lang": "en", "score": 0.5e1, "tags": ["a", "b"]}, "text": "#;
    let big_suffix = r#", "tail": true}"#;
    let big = format!(
        "{big_prefix}{}{big_suffix}",
        serde_json::to_string(&big_text).unwrap()
    );
    let third_text = format!(
        "{}\nA closing paragraph that only this small record has, after the large one.",
        paragraphs[0]
    );
    let third = format!(
        "{{\"id\": 3, \"text\": {}}}",
        serde_json::to_string(&third_text).unwrap()
    );
    let fourth =
        r#"{"id": 4, "text": "The last record of the file is short and plain, with nothing to remove."}"#;
    let t = TestDir::new();
    t.write(
        "in/big.jsonl",
        [&first, &big, &third, fourth].map(|l| format!("{l}\n")).concat(),
    );
    drop(big);
    let input_lines = big_text.lines().count() as u64 + 2 + 2 + 1;
    let record_bytes = big_text.len() as u64;
    drop(big_text);
    eprintln!(
        "100 MB record: {} paragraphs ({copies} copies), {record_bytes} bytes, generated in {:.1?}",
        paragraphs.len(),
        started.elapsed()
    );

    let run_started = Instant::now();
    let (run, peak) = run_measuring_memory(&t, &["clean", "in/big.jsonl", "-o", "out", "-q"]);
    let run_time = run_started.elapsed();
    let run = run.ok();
    match peak {
        Some(bytes) => eprintln!(
            "100 MB record: cleaned in {run_time:.1?}, peak memory {} MB ({:.1}x the record)",
            bytes >> 20,
            bytes as f64 / record_bytes as f64
        ),
        None => eprintln!("100 MB record: cleaned in {run_time:.1?}, peak memory not measured"),
    }
    assert_eq!(run.stderr(), "");

    let stats = t.stats("out/stats.json");
    assert_accounting(&stats);
    assert_eq!(stats["skipped"]["total"], 0, "{:#}", stats["skipped"]);
    assert_eq!(stats["input"]["docs"], 4);
    assert_eq!(stats["input"]["lines"], input_lines);
    assert_eq!(stats["output"]["docs"], 4);
    assert_eq!(count(&stats, "repeat_in_doc", "lines"), copies);
    assert_eq!(count(&stats, "dup_across_docs", "lines"), 2);
    assert_eq!(count(&stats, "dup_across_docs", "docs"), 2);

    let out = t.read_str("out/big.jsonl");
    let lines: Vec<&str> = out.split_terminator('\n').collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0], first, "nothing to remove in the first record");
    let text_literal = lines[1]
        .strip_prefix(big_prefix)
        .and_then(|l| l.strip_suffix(big_suffix))
        .expect("the fields around the text are unchanged");
    let text: String = serde_json::from_str(text_literal).unwrap();
    if text != kept_text {
        let (a, b) = (text.lines(), kept_text.lines());
        let at = a.clone().zip(b.clone()).position(|(x, y)| x != y);
        panic!(
            "the large record's text differs: {} lines instead of {}, first difference at line {at:?}",
            a.count(),
            b.count()
        );
    }
    assert_eq!(
        lines[2],
        r#"{"id": 3, "text": "A closing paragraph that only this small record has, after the large one."}"#
    );
    assert_eq!(lines[3], fourth);

    if let Some(bytes) = peak {
        assert!(
            bytes < 12 * record_bytes,
            "peak memory {} MB for a record of {} MB",
            bytes >> 20,
            record_bytes >> 20
        );
    }
    eprintln!("100 MB record: whole test {:.1?}", started.elapsed());
}
