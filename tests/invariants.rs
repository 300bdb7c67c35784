//! Invariants that must hold for any corpus: same output for any thread count,
//! every input line accounted for, cleaning twice removes nothing more, output
//! lines are input lines in order, and no distinct content is lost.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use textsieve::{CleanConfig, InputArg, Progress};

use crate::util::{assert_accounting, without_timings, write_corpus, TestDir};

#[test]
fn output_is_byte_identical_for_one_and_two_threads() {
    let t = TestDir::new();
    write_corpus(&t, "corpus", 120);
    let args = |threads: &'static str| {
        [
            "clean",
            "corpus",
            "-o",
            "out",
            "--annotate",
            "out/annotations.jsonl",
            "-q",
            "--threads",
            threads,
        ]
    };
    t.run(&args("1")).ok();
    let one = t.tree("out");
    t.run(&args("2")).ok();
    let two = t.tree("out");
    assert_eq!(one.keys().collect::<Vec<_>>(), two.keys().collect::<Vec<_>>());
    for (p, bytes) in &one {
        if p == Path::new("stats.json") {
            let a: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let b: serde_json::Value = serde_json::from_slice(&two[p]).unwrap();
            assert_eq!(without_timings(a), without_timings(b));
        } else {
            assert!(
                *bytes == two[p],
                "{} differs between 1 and 2 threads",
                p.display()
            );
        }
    }
    // The corpus exercises every rule, so the comparison means something.
    let stats = t.stats("out/stats.json");
    for reason in ["dup_doc", "repeat_in_doc", "dup_across_docs", "blank"] {
        assert!(
            stats["removed"][reason]["lines"].as_u64().unwrap() > 0,
            "{reason} never fired"
        );
    }
    assert_accounting(&stats);
}

#[test]
fn cleaning_the_output_again_removes_nothing() {
    let t = TestDir::new();
    write_corpus(&t, "corpus", 60);
    t.run(&["clean", "corpus", "-o", "once", "-q"]).ok();
    t.run(&["clean", "once", "-o", "twice", "-q"]).ok();
    let stats = t.stats("twice/stats.json");
    assert_eq!(
        stats["input"], stats["output"],
        "second pass removed something: {stats:#}"
    );
    let once = t.tree("once");
    let twice = t.tree("twice");
    for (p, bytes) in once
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "txt"))
    {
        assert!(twice[p] == *bytes, "{}", p.display());
    }
}

/// Runs the library on `docs` (one file each) and returns the output texts.
/// Also returns the lines (document index, 0-based line) removed as exact
/// duplicates (`repeat_in_doc`, `dup_across_docs`, `dup_doc`), and those removed
/// by the other rules that judge content (chrome and the near-duplicate rules).
type Removed = Vec<(usize, usize)>;
fn clean_docs(docs: &[String]) -> (BTreeMap<PathBuf, String>, textsieve::Stats, Removed, Removed) {
    let t = TestDir::new();
    for (i, d) in docs.iter().enumerate() {
        t.write(&format!("in/{i:03}.txt"), d);
    }
    let mut config = CleanConfig::new(vec![InputArg::Path(t.path("in"))], t.path("out"));
    config.quiet = true;
    config.annotate = Some(t.path("ann.jsonl"));
    let stats = textsieve::clean(&config, &Progress::silent()).expect("clean");
    let mut exact = Vec::new();
    let mut inexact = Vec::new();
    for line in t.read_str("ann.jsonl").lines() {
        let a: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = a["path"].as_str().unwrap();
        let i: usize = name[name.len() - 7..name.len() - 4].parse().unwrap();
        for span in a["removed"].as_array().unwrap() {
            let (first, last) = (
                span["lines"][0].as_u64().unwrap(),
                span["lines"][1].as_u64().unwrap(),
            );
            let lines = (first..=last).map(|l| (i, l as usize - 1));
            match span["reason"].as_str().unwrap() {
                "repeat_in_doc" | "dup_across_docs" | "dup_doc" => exact.extend(lines),
                "chrome" | "near_repeat_in_doc" | "near_dup_across_docs" => inexact.extend(lines),
                _ => {}
            }
        }
    }
    let out = t
        .tree("out")
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "txt"))
        .map(|(p, b)| (p, String::from_utf8(b).unwrap()))
        .collect();
    (out, stats, exact, inexact)
}

fn normalized_lines(text: &str) -> Vec<String> {
    let mut buf = String::new();
    text.lines()
        .filter_map(|l| {
            textsieve::normalize::normalize_into(l, textsieve::normalize::Digits::Ascii, &mut buf);
            (!buf.is_empty()).then(|| buf.clone())
        })
        .collect()
}

/// Whether `small` is `big` with lines left out, in order, where a line may
/// also have lost a glued chrome phrase from its end; the input lines that
/// were cut are added to `cut`.
fn is_subsequence<'a>(small: &[&str], big: &[&'a str], cut: &mut Vec<&'a str>) -> bool {
    let mut it = big.iter();
    small.iter().all(|s| {
        it.any(|b| {
            let is_cut =
                b.len() > s.len() && b.starts_with(s) && b[s.len()..].starts_with(char::is_whitespace);
            if is_cut {
                cut.push(b);
            }
            b == s || is_cut
        })
    })
}

fn arb_docs() -> impl Strategy<Value = Vec<String>> {
    let line = prop_oneof![
        Just("".to_string()),
        Just("Short line".to_string()),
        Just("* * *".to_string()),
        Just("A paragraph long enough to be removed as a duplicate on its own.".to_string()),
        Just("Another paragraph that is clearly long enough to count alone.".to_string()),
        Just("يك پاراگراف فارسي كه به اندازه كافي بلند است تا تكراري باشد.".to_string()),
        Just("یک پاراگراف فارسی که به اندازه کافی بلند است تا تکراری باشد.".to_string()),
        "[a-z ]{0,40}",
        // A copyright notice on its own line and glued to a paragraph.
        Just("Copyright Example News. All rights reserved.".to_string()),
        Just(
            "Another paragraph that is clearly long enough to count alone. All rights reserved.".to_string()
        ),
    ];
    let doc = (prop::collection::vec(line, 0..12), any::<bool>(), any::<bool>()).prop_map(
        |(lines, crlf, final_nl)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut t = lines.join(eol);
            if final_nl && !t.is_empty() {
                t.push_str(eol);
            }
            t
        },
    );
    prop::collection::vec(doc, 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_corpus_keeps_its_invariants(docs in arb_docs()) {
        let (out, stats, exact, inexact) = clean_docs(&docs);
        // Accounting.
        prop_assert_eq!(stats.input.lines, stats.output.lines + stats.removed_lines());
        prop_assert_eq!(stats.input.bytes, stats.output.bytes + stats.removed_bytes());
        let mut kept_content = BTreeSet::new();
        for (p, text) in &out {
            let i: usize = p.file_stem().unwrap().to_str().unwrap().parse().unwrap();
            // Output lines are input lines of the same document, in order.
            let input: Vec<&str> = docs[i].lines().collect();
            let output: Vec<&str> = text.lines().collect();
            let mut cut = Vec::new();
            prop_assert!(is_subsequence(&output, &input, &mut cut), "doc {}: {:?} not within {:?}", i, output, input);
            // A line that lost a chrome phrase counts like one removed as chrome.
            for line in cut {
                kept_content.extend(normalized_lines(line));
            }
            // The presence of a final newline survives.
            prop_assert_eq!(text.ends_with('\n'), docs[i].ends_with('\n'));
            kept_content.extend(normalized_lines(text));
        }
        // Exact deduplication loses no distinct content: every line removed as an
        // exact duplicate still appears, normalized, somewhere in the output,
        // unless some copy of it went as chrome or as a near duplicate (those
        // rules judge content and may take the first occurrence too).
        let line_text = |(i, l): (usize, usize)| docs[i].lines().nth(l).unwrap_or("").to_string();
        let inexact: BTreeSet<String> = inexact.into_iter().flat_map(|r| normalized_lines(&line_text(r))).collect();
        kept_content.extend(inexact);
        for (i, line) in exact {
            let text = docs[i].lines().nth(line).unwrap_or("");
            for n in normalized_lines(text) {
                prop_assert!(kept_content.contains(&n), "doc {} line {}: {:?} lost", i, line + 1, text);
            }
        }
        // Cleaning the output again removes no long line. (A cut can make two
        // short lines adjacent that now form a repeated block; those may go.)
        let again: Vec<String> = (0..docs.len()).filter_map(|i| out.get(&PathBuf::from(format!("{i:03}.txt"))).cloned()).collect();
        if !again.is_empty() {
            let (out2, _, _, _) = clean_docs(&again);
            let mut buf = String::new();
            for (i, text) in again.iter().enumerate() {
                let after: Vec<&str> = out2.get(&PathBuf::from(format!("{i:03}.txt"))).map_or(vec![], |t| t.lines().collect());
                let mut it = after.iter();
                for line in text.lines() {
                    if it.clone().next() == Some(&line) {
                        it.next();
                        continue;
                    }
                    let chars = textsieve::normalize::normalize_into(line, textsieve::normalize::Digits::Ascii, &mut buf);
                    prop_assert!(chars < textsieve::config::DEFAULT_MIN_LINE_CHARS, "second run removed long line {:?}", line);
                }
            }
        }
    }
}

/// The output tree, annotations and stats of the documents in `t`'s `in`
/// cleaned into `out` with `partitions` and `memory` (paths of the run left
/// out of the stats' config).
fn clean_with(
    t: &TestDir,
    out: &str,
    partitions: Option<u32>,
    memory: Option<u64>,
) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut config = CleanConfig::new(vec![InputArg::Path(t.path("in"))], t.path(out));
    config.quiet = true;
    let ann = format!("{out}.jsonl");
    config.annotate = Some(t.path(&ann));
    config.partitions = partitions;
    config.max_memory = memory;
    textsieve::clean(&config, &Progress::silent()).expect("clean");
    let mut tree = t.tree(out);
    tree.insert(PathBuf::from("annotations"), t.read(&ann));
    let mut stats = without_timings(t.stats(&format!("{out}/stats.json")));
    for field in ["output", "stats", "annotate"] {
        stats["config"].as_object_mut().unwrap().remove(field);
    }
    tree.insert(PathBuf::from("stats.json"), stats.to_string().into_bytes());
    tree
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Same output, annotations and stats for any partition count and any
    /// memory bound (down to a few bytes, so that every exchange spills).
    #[test]
    fn any_corpus_is_cleaned_alike_whatever_the_partitions_and_memory(
        docs in arb_docs(),
        partitions in 1u32..40,
        memory in 1u64..4096,
    ) {
        let t = TestDir::new();
        for (i, d) in docs.iter().enumerate() {
            t.write(&format!("in/{i:03}.txt"), d);
        }
        let base = clean_with(&t, "base", None, None);
        let bounded = clean_with(&t, "bounded", Some(partitions), Some(memory));
        prop_assert!(base == bounded, "differs with {} partitions and {} bytes", partitions, memory);
    }
}
