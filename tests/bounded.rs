//! Memory bound and partitions (`--max-memory`, `--partitions`,
//! `--work-dir`): where the exchanges between stages hold their records and
//! how many partitions cut them never changes the output, the annotations or
//! the stats (timings and spill figures aside).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::{assert_accounting, without_timings, TestDir};

/// An output tree, with the annotations and the stats (without timings and
/// the output's names) as two more files.
pub(crate) type Tree = BTreeMap<PathBuf, Vec<u8>>;

/// Runs `clean -q` on `input` into `out` with `extra` flags; the output tree
/// (see [`Tree`]) and the stats.
pub(crate) fn clean(
    t: &TestDir,
    input: &str,
    include: &str,
    out: &str,
    extra: &[&str],
) -> (Tree, serde_json::Value) {
    let mut quiet = extra.to_vec();
    quiet.push("-q");
    let (tree, stats, _) = run_clean(t, input, include, out, &quiet);
    (tree, stats)
}

/// Runs `clean` on `input` into `out` with `extra` flags; the output tree,
/// the stats and what it said on stderr.
pub(crate) fn run_clean(
    t: &TestDir,
    input: &str,
    include: &str,
    out: &str,
    extra: &[&str],
) -> (Tree, serde_json::Value, String) {
    let ann = format!("{out}.ann.jsonl");
    let mut args = vec![
        "clean",
        input,
        "-o",
        out,
        "--include",
        include,
        "--annotate",
        &ann,
    ];
    args.extend_from_slice(extra);
    let run = t.run(&args).ok();
    let stats = t.stats(&format!("{out}/stats.json"));
    let mut tree = t.tree(out);
    tree.remove(Path::new("stats.json"));
    tree.insert(PathBuf::from("annotations"), t.read(&ann));
    let mut plain = without_timings(stats.clone());
    for field in ["output", "stats", "annotate"] {
        plain["config"].as_object_mut().unwrap().remove(field);
    }
    tree.insert(PathBuf::from("stats"), plain.to_string().into_bytes());
    (tree, stats, run.stderr())
}

pub(crate) fn assert_same(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>, what: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (p, bytes) in a {
        assert!(*bytes == b[p], "{}: {what}", p.display());
    }
}

fn spilled(stats: &serde_json::Value) -> (u64, u64) {
    let t = &stats["timings"];
    (
        t["spilled_bytes"].as_u64().unwrap(),
        t["peak_spill_bytes"].as_u64().unwrap(),
    )
}

/// A synthetic corpus with every defect kind, as text files and as JSONL.
fn identical_whatever_the_partitions_and_memory(format: &str) {
    let t = TestDir::new();
    t.run(&[
        "synth", "--size", "3MB", "--seed", "5", "-o", "s", "--format", format,
    ])
    .ok();
    let include = if format == "jsonl" { "*.jsonl" } else { "*.txt" };
    let (base, stats) = clean(&t, "s/corpus", include, "base", &[]);
    assert_eq!(spilled(&stats), (0, 0), "the default memory holds 3 MB");
    assert_accounting(&stats);
    for reason in [
        "dup_doc",
        "near_dup_doc",
        "dup_across_docs",
        "near_dup_across_docs",
        "chrome",
    ] {
        assert!(
            stats["removed"][reason]["lines"].as_u64().unwrap() > 0,
            "{reason} never fired"
        );
    }
    let runs: [&[&str]; 3] = [
        &["--partitions", "1"],
        &["--partitions", "7", "--max-memory", "200KB"],
        &["--partitions", "300", "--max-memory", "2KB", "--work-dir", "w"],
    ];
    for (i, extra) in runs.iter().enumerate() {
        let (tree, stats) = clean(&t, "s/corpus", include, &format!("out{i}"), extra);
        assert_same(&base, &tree, &format!("{format} with {extra:?}"));
        let (bytes, peak) = spilled(&stats);
        if i == 0 {
            assert_eq!(bytes, 0);
        } else {
            assert!(
                bytes > 100_000 && peak > 0 && peak <= bytes,
                "{extra:?}: spilled {bytes}, peak {peak}"
            );
        }
    }
    assert!(
        t.entries("w").is_empty(),
        "the work folder is left empty: {:?}",
        t.entries("w")
    );
    assert!(
        t.entries("out2")
            .iter()
            .all(|e| !e.starts_with(".textsieve-work")),
        "no work folder inside OUT"
    );
}

#[test]
fn text_files_are_cleaned_alike_whatever_the_partitions_and_memory() {
    identical_whatever_the_partitions_and_memory("txt");
}

#[test]
fn jsonl_is_cleaned_alike_whatever_the_partitions_and_memory() {
    identical_whatever_the_partitions_and_memory("jsonl");
}

#[test]
fn a_work_dir_inside_an_input_folder_is_refused_before_anything_is_written() {
    let t = TestDir::new();
    t.write("in/a.txt", "A line of text that is long enough to count.\n");
    let run = t.run(&["clean", "in", "-o", "out", "--work-dir", "in/work"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("in/work") && run.stderr().contains("inside input folder"),
        "{}",
        run.stderr()
    );
    assert!(!t.path("out").exists());
    assert!(!t.path("in/work").exists(), "nothing is made inside the input");
}

#[test]
fn a_work_dir_that_cannot_be_made_fails_naming_it() {
    let t = TestDir::new();
    t.write("in/a.txt", "A line of text that is long enough to count.\n");
    t.write("blocker", "a file, not a folder");
    let run = t.run(&["clean", "in", "-o", "out", "--work-dir", "blocker/work"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("blocker/work"), "{}", run.stderr());
    assert!(!t.path("out").exists());
}

#[test]
fn bad_memory_and_partition_values_are_usage_errors() {
    let t = TestDir::new();
    t.write("in/a.txt", "text\n");
    for bad in [
        &["--max-memory", "0"][..],
        &["--partitions", "0"],
        &["--max-memory", "lots"],
    ] {
        let mut args = vec!["clean", "in", "-o", "out"];
        args.extend_from_slice(bad);
        let run = t.run(&args);
        assert_eq!(run.code(), 2, "{bad:?}: {}", run.stderr());
        assert!(!t.path("out").exists());
    }
}

/// Spill files on a full disk: exit 1, one error naming the spill file and
/// the cause, nothing beside OUT; the run's folder stays in the work folder
/// given (a rerun resumes from what it holds, or empties it).
#[cfg(unix)]
#[test]
fn a_full_work_dir_fails_the_run_and_leaves_nothing() {
    let t = TestDir::new();
    t.run(&["synth", "--size", "1MB", "--seed", "3", "-o", "s"]).ok();
    let args = [
        "clean",
        "s/corpus",
        "-o",
        "out",
        "--work-dir",
        "disk/work",
        "--max-memory",
        "2KB",
        "-q",
    ];
    let Some((run, left)) = t.run_on_small_disk("disk", "64k", false, &args) else {
        return;
    };
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let stderr = run.stderr();
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr());
    assert!(
        errors[0].contains("disk/work/textsieve-") && errors[0].contains("No space left on device"),
        "{}",
        errors[0]
    );
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(
        left[0] == "work" && left[1].starts_with("work/textsieve-"),
        "{left:?}"
    );
    assert_eq!(
        left[2],
        format!("{}.lock", left[1]),
        "only the run's folder and lock stay"
    );
    assert!(!t.path("out").exists());
    assert_eq!(t.entries("."), ["disk", "s"]);
}
