//! Command-line behaviour: layout of the output, exit codes, refusals to write
//! over or into the inputs, and bad input files.

use std::fs;

use crate::util::{assert_accounting, TestDir};

const BODY: &str = "The council approved the new transport budget after a long debate.\n";

#[test]
fn a_folder_is_mirrored_and_two_inputs_with_one_file_name_never_collide() {
    let t = TestDir::new();
    t.write("a/x/doc.txt", "First document, a line long enough to count.\n");
    t.write("b/doc.txt", "Second document, another line long enough.\n");
    t.write("a/skip.md", "not included\n");
    t.run(&["clean", "a", "b/doc.txt", "-o", "out", "-q"]).ok();
    let files: Vec<String> = t.tree("out").keys().map(|p| p.display().to_string()).collect();
    assert_eq!(
        files,
        [".textsieve-output", "a/x/doc.txt", "b/doc.txt", "stats.json"]
    );

    t.run(&["clean", "a", "-o", "out1", "-q"]).ok();
    assert!(
        t.path("out1/x/doc.txt").is_file(),
        "one folder maps to OUT/<path in folder>"
    );
}

#[test]
fn include_selects_files_by_glob() {
    let t = TestDir::new();
    t.write("in/a.txt", BODY);
    t.write("in/sub/b.md", BODY);
    t.run(&["clean", "in", "-o", "out", "--include", "*.md", "-q"])
        .ok();
    assert!(t.path("out/sub/b.md").is_file());
    assert!(!t.path("out/a.txt").exists());
}

#[test]
fn exit_code_2_for_usage_errors() {
    let t = TestDir::new();
    assert_eq!(t.run(&["clean"]).code(), 2);
    assert_eq!(t.run(&["clean", "missing", "-o", "out"]).code(), 2);
    assert_eq!(t.run(&["frobnicate"]).code(), 2);
    t.write("in/a.txt", BODY);
    assert_eq!(
        t.run(&["clean", "in", "-o", "out", "--min-line-chars", "0"])
            .code(),
        2
    );
}

#[test]
fn refuses_output_inside_or_over_the_inputs_before_touching_anything() {
    let t = TestDir::new();
    let input = t.write("in/a.txt", BODY);
    for args in [
        vec!["clean", "in", "-o", "in/out"],
        vec!["clean", "in", "-o", "in"],
        vec!["clean", "in/a.txt", "-o", "in/a.txt"],
        vec!["clean", "in", "-o", "out", "--stats", "in/a.txt"],
        vec!["clean", "in", "-o", "out", "--annotate", "in/notes.jsonl"],
        vec!["clean", "in/a.txt", "-o", "."],
        vec!["clean", "in", "-o", "out", "--stats", "out/a.txt"],
    ] {
        let run = t.run(&args);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(
            run.stderr().contains("refusing to write"),
            "{args:?}: {}",
            run.stderr()
        );
    }
    assert_eq!(fs::read_to_string(&input).unwrap(), BODY);
    let left: Vec<_> = t.tree("").into_keys().collect();
    assert_eq!(
        left,
        [std::path::PathBuf::from("in/a.txt")],
        "nothing may be created"
    );
}

#[test]
fn a_foreign_folder_is_never_replaced_but_an_earlier_output_is() {
    let t = TestDir::new();
    t.write("in/a.txt", BODY);
    t.write("mine/keep.txt", "precious");
    let run = t.run(&["clean", "in", "-o", "mine"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert_eq!(t.read_str("mine/keep.txt"), "precious");

    t.run(&["clean", "in", "-o", "out", "-q"]).ok();
    t.write("in/a.txt", "Now a different text that is long enough.\n");
    t.run(&["clean", "in", "-o", "out", "-q"]).ok();
    assert_eq!(
        t.read_str("out/a.txt"),
        "Now a different text that is long enough.\n"
    );
    let names: Vec<_> = fs::read_dir(t.path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "no temporary folders left behind: {names:?}");
}

#[test]
fn bad_text_files_are_skipped_with_path_and_line() {
    let t = TestDir::new();
    t.write("in/good.txt", BODY);
    t.write("in/bad.txt", b"fine line\nsecond line\n\xff\xfe broken\n");
    t.write("in/bin.txt", b"PK\x03\x04\x00\x00binary");
    let run = t.run(&["clean", "in", "-o", "out"]).ok();
    assert!(
        run.stderr().contains("skipped in/bad.txt:3: not valid UTF-8"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("skipped in/bin.txt:1: binary data"),
        "{}",
        run.stderr()
    );
    let stats = t.stats("out/stats.json");
    assert_eq!(stats["skipped"]["by_reason"]["invalid_utf8"], 1);
    assert_eq!(stats["skipped"]["by_reason"]["binary"], 1);
    assert_eq!(stats["skipped"]["examples"][0]["path"], "in/bad.txt");
    assert_eq!(stats["skipped"]["examples"][0]["line"], 3);
    assert_eq!(stats["input"]["docs"], 1);
    assert!(t.path("out/good.txt").is_file() && !t.path("out/bad.txt").exists());

    let strict = t.run(&["clean", "in", "-o", "out2", "--strict"]);
    assert_eq!(strict.code(), 2);
    assert!(strict.stderr().contains("in/bad.txt:3"), "{}", strict.stderr());
    assert!(!t.path("out2").exists());
}

#[test]
fn a_few_stray_nul_bytes_are_text_kept_as_they_are_and_ignored_for_hashing() {
    let t = TestDir::new();
    // An article from a legacy system: 8 NULs in about 9 KB.
    let paragraphs: Vec<String> = (0..100)
        .map(|i| {
            format!("Paragraph {i} of the story tells what happened in the city council meeting on that day.")
        })
        .collect();
    let mut text = paragraphs.join("\n").into_bytes();
    for k in 0..8 {
        text.insert(300 + k * 1000, 0);
    }
    text.push(b'\n');
    t.write("in/a-legacy.txt", &text);
    // The same article without them, later: an exact copy.
    t.write("in/b-clean.txt", paragraphs.join("\n") + "\n");
    // Text in UTF-16: half NULs, binary data.
    let utf16: Vec<u8> = "not this one\n".bytes().flat_map(|b| [b, 0]).collect();
    t.write("in/c-utf16.txt", utf16);
    let run = t.run(&["clean", "in", "-o", "out"]).ok();
    assert!(
        run.stderr().contains("skipped in/c-utf16.txt:1: binary data"),
        "{}",
        run.stderr()
    );
    assert_eq!(t.read("out/a-legacy.txt"), text, "kept byte for byte");
    assert!(
        !t.path("out/b-clean.txt").exists(),
        "a copy of the legacy article"
    );
    let stats = t.stats("out/stats.json");
    assert_eq!(stats["stray_control"]["docs"], 1);
    assert_eq!(stats["stray_control"]["bytes"], 8);
    assert_eq!(stats["removed"]["dup_doc"]["docs"], 1);
    assert_eq!(stats["skipped"]["by_reason"]["binary"], 1);
}

/// An input file the user may not read is skipped and named, and the run
/// goes on. Root may read anything, so as root the run is made as `nobody`.
#[cfg(unix)]
#[test]
fn an_unreadable_file_is_skipped_and_named() {
    let t = TestDir::new();
    t.write("in/good.txt", BODY);
    t.write("in/locked.txt", BODY);
    t.open_to_all();
    t.chmod("in/locked.txt", 0o000);
    let Some(run) = t.run_unprivileged(&["clean", "in", "-o", "out"]) else {
        return;
    };
    let run = run.ok();
    assert!(
        run.stderr().contains("skipped in/locked.txt: cannot read"),
        "{}",
        run.stderr()
    );
    assert_eq!(t.stats("out/stats.json")["skipped"]["by_reason"]["unreadable"], 1);
}

#[test]
fn line_endings_bom_and_final_newline_survive() {
    let t = TestDir::new();
    let long = "A paragraph that is long enough to be a duplicate on its own.";
    t.write(
        "in/a.txt",
        format!("\u{feff}Title\r\n{long}\r\nEnd of story here, not repeated.\r\n{long}"),
    );
    t.run(&["clean", "in", "-o", "out", "-q"]).ok();
    assert_eq!(
        t.read_str("out/a.txt"),
        format!("\u{feff}Title\r\n{long}\r\nEnd of story here, not repeated.")
    );
    assert_accounting(&t.stats("out/stats.json"));
}

#[test]
fn stats_and_annotations_can_go_outside_the_output_folder() {
    let t = TestDir::new();
    t.write("in/a.txt", format!("{BODY}{BODY}"));
    t.run(&[
        "clean",
        "in",
        "-o",
        "out",
        "--stats",
        "reports/s.json",
        "--annotate",
        "reports/a.jsonl",
        "-q",
    ])
    .ok();
    assert!(!t.path("out/stats.json").exists());
    assert_eq!(t.stats("reports/s.json")["removed"]["repeat_in_doc"]["lines"], 1);
    let ann: serde_json::Value = serde_json::from_str(t.read_str("reports/a.jsonl").trim()).unwrap();
    assert_eq!(ann["removed"][0]["lines"], serde_json::json!([2, 2]));
    assert_eq!(
        ann["removed"][0]["bytes"],
        serde_json::json!([BODY.len(), 2 * BODY.len()])
    );
    assert_eq!(ann["removed"][0]["of"]["lines"], serde_json::json!([1, 1]));
    let names: Vec<_> = fs::read_dir(t.path("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left: {names:?}");
}

#[test]
fn summary_goes_to_stderr_and_nothing_to_stdout() {
    let t = TestDir::new();
    t.write("in/a.txt", BODY);
    let run = t.run(&["clean", "in", "-o", "out"]).ok();
    assert_eq!(run.stdout(), "");
    assert!(
        run.stderr().contains("textsieve clean: 1 docs"),
        "{}",
        run.stderr()
    );
    let quiet = t.run(&["clean", "in", "-o", "out", "--quiet"]).ok();
    assert_eq!(quiet.stderr(), "");
}

#[test]
fn a_write_failure_exits_1_names_the_path_and_leaves_no_output() {
    let t = TestDir::new();
    t.write(
        "in/a.txt",
        "A line long enough to be a paragraph of its own here.\n",
    );
    // A file where the stats folder should be: creating it fails.
    t.write("blocker", "a file, not a folder");
    let run = t.run(&["clean", "in", "-o", "out", "--stats", "blocker/stats.json", "-q"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.stderr();
    assert!(err.contains("blocker"), "{err}");
    assert_eq!(err.matches("os error").count(), 1, "the cause once: {err}");
    assert!(!t.path("out").exists(), "no output left behind");
}

#[test]
fn rules_choose_what_is_removed() {
    let t = TestDir::new();
    t.run(&["synth", "--size", "1MB", "--seed", "4", "-o", "s"]).ok();
    let removed = |rules: &str| {
        let out = format!("out-{}", rules.replace(',', "-"));
        t.run(&["clean", "s/corpus", "-o", &out, "--rules", rules, "-q"])
            .ok();
        let stats = t.stats(&format!("{out}/stats.json"));
        assert_accounting(&stats);
        let removed: Vec<String> = stats["removed"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| v["lines"].as_u64().unwrap() > 0)
            .map(|(k, _)| k.clone())
            .collect();
        (removed, stats)
    };
    let (all, all_stats) = removed("all");
    for reason in [
        "dup_doc",
        "near_dup_doc",
        "chrome",
        "repeat_in_doc",
        "dup_across_docs",
    ] {
        assert!(all.contains(&reason.to_string()), "{reason} in {all:?}");
    }
    let (chrome, stats) = removed("chrome");
    assert!(
        chrome
            .iter()
            .all(|r| ["chrome", "chrome_suffix", "blank", "empty"].contains(&r.as_str())),
        "{chrome:?}"
    );
    assert!(chrome.contains(&"chrome".to_string()));
    assert_eq!(
        stats["config"]["rules"],
        serde_json::json!(["chrome", "chrome_suffix"])
    );
    let (dedup, _) = removed("dedup");
    assert!(!dedup.iter().any(|r| r.starts_with("chrome")), "{dedup:?}");
    assert!(dedup.contains(&"near_dup_doc".to_string()), "{dedup:?}");
    // Without near_dup_doc, no document goes as one.
    let (exact, stats) = removed("dup_doc,dup_across_docs");
    assert_eq!(exact, ["dup_across_docs", "dup_doc"].map(String::from));
    assert_eq!(stats["near_dup_doc_clusters"]["clusters"], 0);
    // The default is all of them.
    t.run(&["clean", "s/corpus", "-o", "default", "-q"]).ok();
    assert_eq!(t.tree("default").len(), t.tree("out-all").len());
    assert_eq!(t.stats("default/stats.json")["removed"], all_stats["removed"]);
    let bad = t.run(&["clean", "s/corpus", "-o", "x", "--rules", "near_dup_doc"]);
    assert_eq!(bad.code(), 2);
    assert!(
        bad.stderr().contains("near_dup_doc needs dup_doc"),
        "{}",
        bad.stderr()
    );
    let bad = t.run(&["clean", "s/corpus", "-o", "x", "--rules", "chrom"]);
    assert_eq!(bad.code(), 2);
    assert!(bad.stderr().contains("\"chrom\""), "{}", bad.stderr());
}
