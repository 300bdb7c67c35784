//! Output that cannot be written: a full disk, or a folder the user may not
//! write to, stops the run with one clear error naming the path (exit 1) and
//! leaves nothing behind: no output under its final name, no staging folder,
//! no temporary file.
//!
//! The full disk is a small tmpfs mounted in a private mount namespace; the
//! read-only folder is tested as `nobody` when running as root.

use std::fs;
use std::path::PathBuf;

use crate::util::{varied_text, Run, TestDir};

/// The error lines of a run.
fn errors(run: &Run) -> Vec<String> {
    run.stderr()
        .lines()
        .filter(|l| l.starts_with("textsieve: error:"))
        .map(str::to_string)
        .collect()
}

/// Where a folder of `t` is, as textsieve names it in messages.
fn resolved(t: &TestDir, rel: &str) -> PathBuf {
    fs::canonicalize(t.path(rel)).unwrap()
}

/// About 3 MB of text in six files under `in/`.
fn text_inputs(t: &TestDir) {
    for i in 0..6 {
        t.write(&format!("in/doc{i}.txt"), varied_text(i, 500_000));
    }
}

/// About 3 MB of JSONL, one short record per line (several batches' worth).
fn jsonl_input(t: &TestDir) {
    let mut jsonl = String::new();
    for (i, line) in varied_text(7, 3_000_000).lines().enumerate() {
        jsonl += &serde_json::json!({ "id": i, "text": line }).to_string();
        jsonl.push('\n');
    }
    t.write("in/data.jsonl", jsonl);
}

/// Cleans `input` onto a 64 KiB disk and checks that the run fails with one
/// "No space left on device", names the output file it was writing,
/// and leaves nothing on it.
fn check_full_disk(t: &TestDir, input: &str) {
    let args = ["clean", input, "-o", "disk/out", "-q"];
    let Some((run, left)) = t.run_on_small_disk("disk", "64k", false, &args) else {
        return;
    };
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let errors = errors(&run);
    assert_eq!(errors.len(), 1, "one error: {}", run.stderr());
    assert_eq!(
        run.stderr().matches("No space left on device").count(),
        1,
        "{}",
        run.stderr()
    );
    let disk = resolved(t, "disk");
    assert!(
        errors[0].contains(&format!("{}/out/", disk.display())),
        "the error names the output file being written (not its staging place): {}",
        errors[0]
    );
    assert!(left.is_empty(), "left on the full disk: {left:?}");
    assert_eq!(t.entries("."), ["disk", "in"]);
}

/// Text files (each written whole) cleaned onto a disk far too small for
/// them: exit 1, one error naming the file and the cause, and the disk is as
/// empty afterwards as before: no output folder, no staging folder.
#[test]
fn a_full_disk_fails_a_run_over_text_files_and_leaves_nothing_behind() {
    let t = TestDir::new();
    text_inputs(&t);
    check_full_disk(&t, "in");
}

/// The same for JSONL, whose output is streamed through a buffered writer
/// while later batches are still being read: the run stops at the failed
/// write (it must not wait forever on the reader), with one error, and leaves
/// nothing on the disk.
#[test]
fn a_full_disk_fails_a_run_over_jsonl_and_leaves_nothing_behind() {
    let t = TestDir::new();
    jsonl_input(&t);
    check_full_disk(&t, "in/data.jsonl");
}

/// Stats or annotations that do not fit on their (full) disk fail the run,
/// naming the file as given, although the output folder fits elsewhere:
/// neither the file nor the output folder is put in place, and no temporary
/// file is left on either disk.
#[test]
fn stats_or_annotations_on_a_full_disk_fail_the_run_and_commit_nothing() {
    let t = TestDir::new();
    text_inputs(&t);
    for (flag, file) in [("--stats", "disk/s.json"), ("--annotate", "disk/a.jsonl")] {
        let args = ["clean", "in", "-o", "out", "-q", flag, file];
        let Some((run, left)) = t.run_on_small_disk("disk", "64k", true, &args) else {
            return;
        };
        assert_eq!(run.code(), 1, "{flag}: {}", run.stderr());
        assert_eq!(
            errors(&run),
            [format!(
                "textsieve: error: {file}: No space left on device (os error 28)"
            )]
        );
        assert_eq!(left, ["filler"], "{flag}: only the file that filled the disk");
        assert_eq!(t.entries("."), ["disk", "in"], "{flag}: no output folder");
    }
}

/// An output folder in a folder the user may not write to: exit 1, one
/// error naming the output folder and "Permission denied", nothing created.
#[test]
fn an_unwritable_output_folder_fails_the_run_and_creates_nothing() {
    let t = TestDir::new();
    text_inputs(&t);
    fs::create_dir(t.path("ro")).unwrap();
    t.open_to_all();
    t.chmod("ro", 0o555);
    let Some(run) = t.run_unprivileged(&["clean", "in", "-o", "ro/out", "-q"]) else {
        return;
    };
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let out = resolved(&t, "ro").join("out");
    assert_eq!(
        errors(&run),
        [format!(
            "textsieve: error: {}: Permission denied (os error 13)",
            out.display()
        )]
    );
    assert!(t.entries("ro").is_empty(), "{:?}", t.entries("ro"));
    assert_eq!(t.entries("."), ["in", "ro"]);
}

/// Stats or annotations in a folder the user may not write to: exit 1, one
/// error naming the file as given and "Permission denied"; the output folder,
/// writable itself, is not put in place either.
#[test]
fn stats_or_annotations_in_an_unwritable_folder_fail_the_run_and_commit_nothing() {
    let t = TestDir::new();
    text_inputs(&t);
    fs::create_dir(t.path("ro")).unwrap();
    t.open_to_all();
    t.chmod("ro", 0o555);
    for (flag, file) in [("--stats", "ro/s.json"), ("--annotate", "ro/a.jsonl")] {
        let Some(run) = t.run_unprivileged(&["clean", "in", "-o", "out", "-q", flag, file]) else {
            return;
        };
        assert_eq!(run.code(), 1, "{flag}: {}", run.stderr());
        assert_eq!(
            errors(&run),
            [format!(
                "textsieve: error: {file}: Permission denied (os error 13)"
            )]
        );
        assert!(t.entries("ro").is_empty(), "{:?}", t.entries("ro"));
        assert_eq!(t.entries("."), ["in", "ro"], "{flag}: no output folder");
    }
}

/// Stats or annotations named after an existing folder are refused before
/// anything is written (exit 2): the file could only fail to go in place
/// after the output folder had, and a failed run would leave a new output.
/// An earlier output stays as it was.
#[test]
fn stats_or_annotations_over_a_folder_are_refused_before_anything_is_written() {
    let t = TestDir::new();
    t.write("in/a.txt", varied_text(1, 2_000));
    t.run(&["clean", "in", "-o", "out", "-q"]).ok();
    let before = t.tree("out");
    fs::create_dir_all(t.path("reports/taken")).unwrap();
    for flag in ["--stats", "--annotate"] {
        let run = t.run(&["clean", "in", "-o", "out", "-q", flag, "reports/taken"]);
        assert_eq!(run.code(), 2, "{flag}: {}", run.stderr());
        assert_eq!(
            errors(&run),
            ["textsieve: error: refusing to write reports/taken: it is a folder"]
        );
        assert_eq!(t.tree("out"), before, "{flag}: the earlier output is untouched");
        assert_eq!(t.entries("."), ["in", "out", "reports"]);
    }
}
