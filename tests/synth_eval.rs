//! `synth` and `eval` end to end on a small corpus, so neither can silently
//! break: the generated truth scores a real `clean` run, and the scores hold
//! the quality bar (precision ≥ 0.99; the exact, near-repeat, chrome and
//! near-duplicate document rules find what they target).

use crate::util::TestDir;

fn run_pipeline(t: &TestDir, format: &str) -> serde_json::Value {
    t.run(&[
        "synth", "--size", "2MB", "--seed", "11", "-o", "s", "--format", format,
    ])
    .ok();
    let include = if format == "jsonl" { "*.jsonl" } else { "*.txt" };
    t.run(&[
        "clean",
        "s/corpus",
        "-o",
        "out",
        "--include",
        include,
        "--annotate",
        "ann.jsonl",
        "-q",
    ])
    .ok();
    let run = t
        .run(&[
            "eval",
            "--truth",
            "s/truth.jsonl",
            "--annotations",
            "ann.jsonl",
            "--json",
            "eval.json",
        ])
        .ok();
    assert!(run.stdout().contains("precision"), "{}", run.stdout());
    t.stats("eval.json")
}

fn recall(eval: &serde_json::Value, reason: &str) -> f64 {
    eval["per_truth_reason"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reason"] == reason)
        .unwrap_or_else(|| panic!("no truth lines for {reason}"))["recall"]
        .as_f64()
        .unwrap()
}

fn check_scores(eval: &serde_json::Value) {
    let docs = &eval["documents"];
    assert_eq!(docs["truth"], docs["matched"], "{docs}");
    assert_eq!(docs["annotations_without_truth"], 0);
    assert!(
        eval["overall"]["precision"].as_f64().unwrap() >= 0.99,
        "{:#}",
        eval["overall"]
    );
    assert_eq!(recall(eval, "repeat_in_doc"), 1.0);
    assert!(recall(eval, "dup_across_docs") >= 0.99);
    assert!(recall(eval, "dup_doc") >= 0.9);
    assert!(recall(eval, "near_repeat_in_doc") >= 0.95);
    assert!(recall(eval, "chrome") >= 0.95);
    for p in eval["per_predicted_reason"].as_array().unwrap() {
        assert!(p["precision"].as_f64().unwrap() >= 0.97, "{p}");
    }
    // Whole documents, scored as documents.
    let near = eval["per_document_reason"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reason"] == "near_dup_doc")
        .unwrap_or_else(|| panic!("no near-duplicate documents: {eval:#}"));
    assert!(near["truth"].as_u64().unwrap() >= 5, "{near}");
    assert!(near["precision"].as_f64().unwrap() >= 0.99, "{near}");
    assert!(near["recall"].as_f64().unwrap() >= 0.9, "{near}");
}

#[test]
fn synth_txt_corpus_is_scored_by_eval() {
    check_scores(&run_pipeline(&TestDir::new(), "txt"));
}

#[test]
fn synth_jsonl_corpus_is_scored_by_eval() {
    check_scores(&run_pipeline(&TestDir::new(), "jsonl"));
}

#[test]
fn synth_is_deterministic_and_rejects_bad_rates() {
    let t = TestDir::new();
    for dir in ["a", "b"] {
        t.run(&[
            "synth", "--size", "300KB", "--seed", "5", "-o", dir, "--format", "jsonl", "--lang", "fa",
        ])
        .ok();
    }
    assert_eq!(t.tree("a"), t.tree("b"));
    assert_eq!(
        t.run(&["synth", "--size", "1MB", "-o", "c", "--rate", "nonsense=1"])
            .code(),
        2
    );
    assert_eq!(
        t.run(&["synth", "--size", "1MB", "-o", "c", "--rate", "teaser=2"])
            .code(),
        2
    );
}
