//! Near-duplicate documents (`--doc-dedup near`): where the resemblance
//! threshold cuts, that line breaks do not count and a lost paragraph is
//! still a copy, which document of a cluster is kept, what the annotations
//! and stats say, and that pages of one site that only share its template
//! stay.

use std::collections::BTreeMap;

use crate::util::{assert_accounting, TestDir};

/// A long line of 20 words no other line has.
fn line(doc: &str, i: usize) -> String {
    (0..20)
        .map(|w| format!("{doc}w{i}x{w}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Two documents of `n` lines that share their first `shared` lines. Each
/// has 20n - 4 shingles (16 in each line, 4 across each line end), of
/// which they share 20 shared - 4: their resemblance.
fn pair(name: &str, n: usize, shared: usize) -> (String, String) {
    let a: Vec<String> = (0..n).map(|i| line(name, i)).collect();
    let b: Vec<String> = (0..n)
        .map(|i| {
            if i < shared {
                line(name, i)
            } else {
                line(&format!("{name}b"), i)
            }
        })
        .collect();
    (a.join("\n") + "\n", b.join("\n") + "\n")
}

/// Runs `clean` over pairs at resemblance 0.50, 0.70, 0.85 and 0.95 (one
/// folder per pair, the copy second) and gives each copy's annotation.
fn run_pairs(extra: &[&str]) -> BTreeMap<&'static str, serde_json::Value> {
    let t = TestDir::new();
    let cases = [("r50", 30, 15), ("r70", 20, 14), ("r85", 20, 17), ("r95", 40, 38)];
    for (name, n, shared) in cases {
        let (a, b) = pair(name, n, shared);
        t.write(&format!("in/{name}/1.txt"), a);
        t.write(&format!("in/{name}/2.txt"), b);
    }
    let mut args = vec!["clean", "in", "-o", "out", "--annotate", "out/ann.jsonl", "-q"];
    args.extend_from_slice(extra);
    t.run(&args).ok();
    assert_accounting(&t.stats("out/stats.json"));
    let ann = t.read_str("out/ann.jsonl");
    cases
        .iter()
        .map(|&(name, _, _)| {
            let copy = format!("in/{name}/2.txt");
            let a = ann
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .find(|a| a["path"] == copy.as_str())
                .unwrap();
            (name, a)
        })
        .collect()
}

#[test]
fn the_default_threshold_cuts_between_0_7_and_0_85() {
    let ann = run_pairs(&[]);
    for (name, want) in [
        ("r50", "keep"),
        ("r70", "keep"),
        ("r85", "near_dup_doc"),
        ("r95", "near_dup_doc"),
    ] {
        assert_eq!(ann[name]["status"], want, "{name}: {}", ann[name]);
    }
    // The provenance names the kept document and the exact resemblance:
    // 336 / 396 and 756 / 796.
    let span = &ann["r85"]["removed"][0];
    assert_eq!(span["reason"], "near_dup_doc");
    assert_eq!(span["of"]["path"], "in/r85/1.txt");
    assert_eq!(span["of"]["similarity"], 0.848);
    assert_eq!(ann["r95"]["removed"][0]["of"]["similarity"], 0.95);
    // Below the threshold the copy stays, and only its copied lines go (as
    // duplicates of the first document's lines).
    assert_eq!(ann["r70"]["removed"][0]["reason"], "dup_across_docs");
    assert_eq!(ann["r70"]["kept"], 6);
}

#[test]
fn a_lower_threshold_takes_the_0_7_pair_too() {
    let ann = run_pairs(&["--doc-threshold", "0.6"]);
    for (name, want) in [
        ("r50", "keep"),
        ("r70", "near_dup_doc"),
        ("r85", "near_dup_doc"),
        ("r95", "near_dup_doc"),
    ] {
        assert_eq!(ann[name]["status"], want, "{name}");
    }
}

/// The status and similarity of `copy` when cleaned after `original`.
fn copy_of(original: &[String], copy: &[String]) -> (String, f64) {
    let t = TestDir::new();
    t.write("in/1.txt", original.join("\n") + "\n");
    t.write("in/2.txt", copy.join("\n") + "\n");
    t.run(&["clean", "in", "-o", "out", "--annotate", "out/ann.jsonl", "-q"])
        .ok();
    let ann = t.read_str("out/ann.jsonl");
    let a: serde_json::Value = serde_json::from_str(ann.lines().nth(1).unwrap()).unwrap();
    let similarity = a["removed"][0]["of"]["similarity"].as_f64().unwrap_or(0.0);
    (a["status"].as_str().unwrap().to_string(), similarity)
}

#[test]
fn line_breaks_do_not_count_and_a_lost_paragraph_is_still_a_copy() {
    let story: Vec<String> = (0..6).map(|i| line("story", i)).collect();
    // Two paragraphs to a line, or each cut in two: the same word stream.
    let joined: Vec<String> = story.chunks(2).map(|p| p.join(" ")).collect();
    assert_eq!(copy_of(&story, &joined), ("near_dup_doc".into(), 1.0));
    let cut: Vec<String> = story
        .iter()
        .flat_map(|l| {
            let words: Vec<&str> = l.split(' ').collect();
            [words[..10].join(" "), words[10..].join(" ")]
        })
        .collect();
    assert_eq!(copy_of(&story, &cut), ("near_dup_doc".into(), 1.0));
    // One of six paragraphs left out: all the copy holds is in the
    // original but the 4 shingles across the gap (92 of 96).
    let mut lost = story.clone();
    lost.remove(2);
    assert_eq!(copy_of(&story, &lost), ("near_dup_doc".into(), 0.958));
    // A page with another's text and more than as much again is another
    // page (an article beside its teaser).
    let teaser = &story[..2];
    assert_eq!(copy_of(teaser, &story).0, "keep");
}

#[test]
fn a_copy_that_lost_almost_half_is_a_copy_and_one_that_lost_more_is_not() {
    let story: Vec<String> = (0..20).map(|i| line("long", i)).collect();
    // 11 of 20 lines: 216 of 396 shingles, all in the original (Jaccard
    // 0.55, which the signatures must not rule out).
    assert_eq!(copy_of(&story, &story[..11]), ("near_dup_doc".into(), 1.0));
    // 9 of 20: the original holds more than twice as many, so it is no
    // near duplicate (its lines go one by one, as duplicates).
    assert_eq!(copy_of(&story, &story[..9]).0, "empty");
}

#[test]
fn doc_dedup_exact_and_off_leave_near_duplicates_to_the_line_rules() {
    for mode in ["exact", "off"] {
        let ann = run_pairs(&["--doc-dedup", mode]);
        assert_eq!(ann["r95"]["status"], "keep", "{mode}");
        assert_eq!(ann["r95"]["removed"][0]["reason"], "dup_across_docs", "{mode}");
    }
}

/// Three versions of one story: a short first one, a longer re-crawl and a copy of that.
fn versions(t: &TestDir) {
    let body: Vec<String> = (0..12).map(|i| line("story", i)).collect();
    let short = body[..11].join("\n") + "\n";
    let long = body.join("\n") + "\n";
    t.write("in/a/1.txt", &short);
    t.write("in/b/2.txt", &long);
    // One word changed, same length: as long as the re-crawl.
    t.write("in/c/3.txt", long.replacen("storyw0x0 ", "storyq0x0 ", 1));
}

#[test]
fn keep_first_and_keep_longest_choose_the_kept_document() {
    for (keep, kept) in [("first", "in/a/1.txt"), ("longest", "in/b/2.txt")] {
        let t = TestDir::new();
        versions(&t);
        t.run(&[
            "clean",
            "in",
            "-o",
            "out",
            "--keep",
            keep,
            "--annotate",
            "out/ann.jsonl",
            "-q",
        ])
        .ok();
        let stats = t.stats("out/stats.json");
        assert_accounting(&stats);
        let clusters = &stats["near_dup_doc_clusters"];
        assert_eq!(clusters["clusters"], 1, "{keep}");
        assert_eq!(clusters["size_histogram"]["3"], 1, "{keep}");
        assert_eq!(clusters["largest"][0]["kept"], kept, "{keep}");
        assert_eq!(stats["removed"]["near_dup_doc"]["docs"], 2, "{keep}");
        // Every clustered document carries the cluster id, its first document.
        let ann: Vec<serde_json::Value> = t
            .read_str("out/ann.jsonl")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(ann.iter().all(|a| a["cluster"] == 0), "{keep}");
        // The kept document is whole: no line of it goes as a "duplicate" of
        // the removed versions that came first.
        assert_eq!(
            t.read_str(&kept.replacen("in/", "out/", 1)),
            t.read_str(kept),
            "{keep}"
        );
        let kept_ann = ann.iter().find(|a| a["path"] == kept).unwrap();
        assert_eq!(kept_ann["status"], "keep");
        assert_eq!(
            kept_ann["removed"].as_array().unwrap().len(),
            0,
            "{keep}: {kept_ann}"
        );
    }
}

#[test]
fn pages_that_share_only_their_site_template_are_not_clustered() {
    let t = TestDir::new();
    let chrome = [
        "Subscribe to our newsletter to receive the top stories of the day in your inbox.",
        "Copyright Example Daily News Company. All rights reserved. Reproduction is prohibited.",
        "Follow us on social media for breaking news alerts and live coverage of events.",
    ];
    for d in 0..6 {
        let story: Vec<String> = (0..3).map(|i| line(&format!("page{d}"), i)).collect();
        let text = [chrome[0].to_string()]
            .into_iter()
            .chain(story)
            .chain(chrome[1..].iter().map(|c| c.to_string()))
            .collect::<Vec<_>>()
            .join("\n");
        t.write(&format!("in/site/{d}.txt"), text + "\n");
    }
    t.run(&[
        "clean",
        "in",
        "-o",
        "out",
        "--bands",
        "28",
        "--rows",
        "4",
        "--doc-threshold",
        "0.5",
        "-q",
    ])
    .ok();
    let stats = t.stats("out/stats.json");
    assert_eq!(stats["near_dup_doc_clusters"]["clusters"], 0);
    assert_eq!(stats["removed"]["near_dup_doc"]["docs"], 0);
    assert_eq!(stats["output"]["docs"], 6);
}

#[test]
fn text_only_a_removed_version_had_stays_in_the_next_kept_document() {
    // K is kept; R is a near duplicate of K with one more line, U; X is an
    // exact copy of R; C also quotes U. R and X go, so C's U is the first
    // copy of U left: it stays.
    let t = TestDir::new();
    let body: Vec<String> = (0..11).map(|i| line("k", i)).collect();
    let unique = line("u", 0);
    let k = body.join("\n") + "\n" + &line("k", 11) + "\n";
    let r = body.join("\n") + "\n" + &unique + "\n";
    let c = [line("c", 0), unique.clone(), line("c", 1)].join("\n") + "\n";
    t.write("in/a/k.txt", &k);
    t.write("in/b/r.txt", &r);
    t.write("in/c/x.txt", &r);
    t.write("in/d/c.txt", &c);
    t.run(&["clean", "in", "-o", "out", "--annotate", "out/ann.jsonl", "-q"])
        .ok();
    let status: BTreeMap<String, String> = t
        .read_str("out/ann.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|a| {
            (
                a["path"].as_str().unwrap().to_string(),
                a["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(status["in/b/r.txt"], "near_dup_doc");
    assert_eq!(status["in/c/x.txt"], "dup_doc");
    assert_eq!(t.read_str("out/d/c.txt"), c, "U was lost");
    assert_accounting(&t.stats("out/stats.json"));
}

#[test]
fn a_near_copy_is_traced_to_the_first_kept_line_not_to_a_removed_version() {
    // As above, R (removed as a near duplicate of K) is the first to have U,
    // and C is the first kept document with it. E then has U with its last
    // word changed: a near duplicate of C's line, not of R's, which is not
    // written. Every first occurrence, of lines and of the sampled shingles
    // that name a near copy's sources, is in a document that is written.
    let t = TestDir::new();
    let body: Vec<String> = (0..11).map(|i| line("k", i)).collect();
    let unique = line("u", 0);
    let edited = unique.replace("uw0x19", "changed");
    assert_ne!(edited, unique);
    let k = body.join("\n") + "\n" + &line("k", 11) + "\n";
    let r = body.join("\n") + "\n" + &unique + "\n";
    let c = [line("c", 0), unique.clone(), line("c", 1)].join("\n") + "\n";
    let e = [line("e", 0), edited, line("e", 1)].join("\n") + "\n";
    t.write("in/a/k.txt", &k);
    t.write("in/b/r.txt", &r);
    t.write("in/d/c.txt", &c);
    t.write("in/e/e.txt", &e);
    t.run(&["clean", "in", "-o", "out", "--annotate", "out/ann.jsonl", "-q"])
        .ok();
    let ann: Vec<serde_json::Value> = t
        .read_str("out/ann.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ann[1]["status"], "near_dup_doc");
    assert_eq!(t.read_str("out/d/c.txt"), c);
    let span = &ann[3]["removed"][0];
    assert_eq!(span["reason"], "near_dup_across_docs", "{}", ann[3]);
    assert_eq!(span["of"]["path"], "in/d/c.txt");
    assert_eq!(span["of"]["lines"], serde_json::json!([2, 2]));
    assert_accounting(&t.stats("out/stats.json"));
}
