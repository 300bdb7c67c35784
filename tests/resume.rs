//! Resuming (`--work-dir`): a run killed with SIGKILL at any stage, run
//! again with the same command, finishes with the output, annotations and
//! stats of an uninterrupted run; what the first pass left (at its end or
//! at a checkpoint) is reused only by the same command on the same inputs.

use std::process::Output;

use crate::bounded::{assert_same, clean, run_clean, Tree};
use crate::util::TestDir;

/// Small batches (a 64th of the bound, at least 256 KiB): the first pass of
/// the 3 MB corpus has several.
const FLAGS: &[&str] = &["--work-dir", "work", "--max-memory", "16MB", "--threads", "2"];

/// A synthetic corpus with two bad records in it (skipped and counted by
/// the first pass: a resumed run must count them too).
fn corpus(t: &TestDir) {
    t.run(&[
        "synth", "--size", "3MB", "--seed", "5", "-o", "s", "--format", "jsonl",
    ])
    .ok();
    let shards = t.entries("s/corpus");
    let shard = format!("s/corpus/{}", shards[0]);
    let mut text = t.read(&shard);
    text.extend_from_slice(b"{not json\n{\"id\": \"no text\"}\n");
    t.write(&shard, text);
}

/// How a test runs `clean` on `s/corpus`.
struct Setup {
    include: &'static str,
    flags: &'static [&'static str],
    /// Batches between two checkpoints of a run that is to be killed.
    checkpoint_every: &'static str,
}

/// The JSONL corpus of [`corpus`], checkpointed every two batches.
const JSONL: Setup = Setup {
    include: "*.jsonl",
    flags: FLAGS,
    checkpoint_every: "2",
};

/// The arguments of `clean` into `out` (annotations beside it), with the
/// setup's flags and `extra`.
fn clean_args<'a>(setup: &'a Setup, out: &'a str, ann: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "clean",
        "s/corpus",
        "-o",
        out,
        "--include",
        setup.include,
        "--annotate",
        ann,
    ];
    args.extend_from_slice(setup.flags);
    args.extend_from_slice(extra);
    args
}

/// `clean` into `out` with the setup's flags and `extra`, killed at `point`
/// (see `TEXTSIEVE_TEST_KILL`), its first pass checkpointed as the setup says.
fn killed(t: &TestDir, setup: &Setup, out: &str, extra: &[&str], point: &str) -> Output {
    let ann = format!("{out}.ann.jsonl");
    let _ = std::fs::remove_dir_all(t.path(out));
    let output = t
        .command(&clean_args(setup, out, &ann, extra))
        .env("TEXTSIEVE_TEST_KILL", point)
        .env("TEXTSIEVE_TEST_CHECKPOINT", setup.checkpoint_every)
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(output.status.signal(), Some(9), "not killed at {point}");
    assert!(!t.path(out).exists(), "a killed run left {out}");
    output
}

/// Where a rerun said it resumed from.
#[derive(Debug, PartialEq)]
enum Resumed {
    Nothing,
    /// A checkpoint of the first pass, after this many documents.
    Checkpoint(u64),
    FirstPassDone,
    /// A checkpoint of the second pass, at this input (1-based).
    SecondPass(u64),
}

/// Runs the same command to its end; where it said it resumed from.
fn rerun(t: &TestDir, setup: &Setup, out: &str, extra: &[&str]) -> (Resumed, Tree) {
    let mut flags = setup.flags.to_vec();
    flags.extend_from_slice(extra);
    let (tree, _, stderr) = run_clean(t, "s/corpus", setup.include, out, &flags);
    let after = stderr
        .split("resuming the first pass after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next()?.parse().ok());
    let second = stderr
        .split("resuming the second pass at input ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next()?.parse().ok());
    let resumed = match (after, second) {
        (_, Some(input)) => Resumed::SecondPass(input),
        (Some(docs), None) => Resumed::Checkpoint(docs),
        (None, None) if stderr.contains("resuming after the first pass") => Resumed::FirstPassDone,
        (None, None) => Resumed::Nothing,
    };
    (resumed, tree)
}

#[test]
fn a_run_killed_in_any_stage_resumes_to_the_same_result() {
    let t = TestDir::new();
    corpus(&t);
    let (whole, stats) = clean(&t, "s/corpus", "*.jsonl", "whole", &[]);
    let docs = stats["input"]["docs"].as_u64().unwrap();
    // Killed while reading (after 200 units: from the checkpoint before),
    // inside the checkpoint after 100 units (its index is written, not what
    // the pass learned: from the one before), at the end of the first pass
    // before it is written down, between the passes, and while writing.
    let from_checkpoint = |r: &Resumed| matches!(r, Resumed::Checkpoint(n) if (1..docs).contains(n));
    for (point, resumes) in [
        ("first-pass:200", &from_checkpoint as &dyn Fn(&Resumed) -> bool),
        ("checkpoint:100", &from_checkpoint),
        (
            "first-pass-end",
            &|r: &Resumed| matches!(r, Resumed::Checkpoint(n) if *n > 0),
        ),
        ("settle", &|r: &Resumed| *r == Resumed::FirstPassDone),
        ("clean:0", &|r: &Resumed| *r == Resumed::FirstPassDone),
    ] {
        killed(&t, &JSONL, "out", &[], point);
        let (resumed, tree) = rerun(&t, &JSONL, "out", &[]);
        assert!(resumes(&resumed), "killed at {point}: resumed from {resumed:?}");
        assert_same(&whole, &tree, point);
        assert!(
            std::fs::read_dir(t.path("work")).unwrap().next().is_none(),
            "the work folder is emptied when the run succeeds"
        );
    }
}

#[test]
fn a_changed_input_or_option_is_never_resumed_from() {
    let t = TestDir::new();
    corpus(&t);
    killed(&t, &JSONL, "out", &[], "settle");
    // Another option: the first pass is done again.
    let (resumed, tree) = rerun(&t, &JSONL, "out", &["--min-line-chars", "40"]);
    assert_eq!(resumed, Resumed::Nothing);
    let (fresh, _) = clean(&t, "s/corpus", "*.jsonl", "fresh", &["--min-line-chars", "40"]);
    assert_same(&fresh, &tree, "another option");

    killed(&t, &JSONL, "out", &[], "settle");
    // The same size, another text: the modification time tells.
    let part = t.path("s/corpus/part-00000.jsonl");
    let text = std::fs::read_to_string(&part).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&part, text.replacen("a", "b", 1)).unwrap();
    let (resumed, tree) = rerun(&t, &JSONL, "out", &[]);
    assert_eq!(resumed, Resumed::Nothing, "a changed input was resumed from");
    let (fresh, _) = clean(&t, "s/corpus", "*.jsonl", "fresh2", &[]);
    assert_same(&fresh, &tree, "a changed input");
}

#[test]
fn two_runs_never_share_a_work_folder() {
    let t = TestDir::new();
    corpus(&t);
    killed(&t, &JSONL, "out", &[], "settle");
    let lock_path = std::fs::read_dir(t.path("work"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "lock"))
        .expect("a lock file");
    let lock = std::fs::File::open(&lock_path).unwrap();
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a file this test owns.
    assert_eq!(
        unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    let run = t.run(&clean_args(&JSONL, "out", "out.ann.jsonl", &[]));
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("another textsieve run is using"),
        "{}",
        run.stderr()
    );
    drop(lock);
    let (resumed, _) = rerun(&t, &JSONL, "out", &[]);
    assert_eq!(
        resumed,
        Resumed::FirstPassDone,
        "the folder is still there to resume from"
    );
}

/// The corpus of [`corpus`] in `parts` shards, the second one gzipped: the
/// second pass checkpoints between two inputs.
fn sharded_corpus(t: &TestDir, parts: usize) {
    corpus(t);
    let whole = t.read("s/corpus/part-00000.jsonl");
    let lines: Vec<&[u8]> = whole.split_inclusive(|&b| b == b'\n').collect();
    for (i, chunk) in lines.chunks(lines.len().div_ceil(parts)).enumerate() {
        let bytes = chunk.concat();
        if i == 1 {
            use std::io::Write;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&bytes).unwrap();
            t.write(&format!("s/corpus/part-{i:05}.jsonl.gz"), gz.finish().unwrap());
        } else {
            t.write(&format!("s/corpus/part-{i:05}.jsonl"), bytes);
        }
    }
    std::fs::remove_file(t.path("s/corpus/part-00001.jsonl")).ok();
}

/// The JSONL shards of [`sharded_corpus`], checkpointed after every batch.
const SHARDS: Setup = Setup {
    include: "*.jsonl*",
    flags: FLAGS,
    checkpoint_every: "1",
};

/// Files beside the output that a run writes under temporary names.
fn leftovers(t: &TestDir) -> Vec<String> {
    t.entries(".")
        .into_iter()
        .filter(|name| name.contains(".textsieve-"))
        .collect()
}

#[test]
fn a_run_killed_in_the_second_pass_resumes_at_the_input_of_its_last_checkpoint() {
    let t = TestDir::new();
    sharded_corpus(&t, 6);
    let (whole, stats) = clean(&t, "s/corpus", SHARDS.include, "whole", FLAGS);
    let docs = stats["input"]["docs"].as_u64().unwrap();
    // Killed while reading the last inputs: resumed at a later input than
    // the first (the writer checkpointed between inputs).
    killed(&t, &SHARDS, "out", &[], &format!("clean:{}", docs * 9 / 10));
    let (resumed, tree) = rerun(&t, &SHARDS, "out", &[]);
    assert!(
        matches!(resumed, Resumed::SecondPass(n) if n > 1),
        "resumed from {resumed:?}"
    );
    assert_same(&whole, &tree, "the second pass resumed");
    assert_eq!(leftovers(&t), Vec::<String>::new());
    // Killed inside the checkpoint at input 4: its outputs, annotations
    // and stats are written, how far they go is not. It resumes from the
    // checkpoint before.
    killed(&t, &SHARDS, "out", &[], "second-pass-checkpoint:3");
    let (resumed, tree) = rerun(&t, &SHARDS, "out", &[]);
    assert!(
        matches!(resumed, Resumed::SecondPass(n) if (2..4).contains(&n)),
        "resumed from {resumed:?}"
    );
    assert_same(&whole, &tree, "killed inside a checkpoint of the second pass");
    assert_eq!(leftovers(&t), Vec::<String>::new());
}

#[test]
fn a_second_pass_whose_written_results_are_gone_starts_over() {
    let t = TestDir::new();
    sharded_corpus(&t, 4);
    let (whole, stats) = clean(&t, "s/corpus", SHARDS.include, "whole", FLAGS);
    let docs = stats["input"]["docs"].as_u64().unwrap();
    killed(&t, &SHARDS, "out", &[], &format!("clean:{}", docs * 9 / 10));
    let staged = leftovers(&t);
    assert!(
        staged.iter().any(|name| name.starts_with(".out.textsieve-k")),
        "the output is kept for a rerun: {staged:?}"
    );
    for name in staged.iter().filter(|n| n.starts_with(".out.textsieve-")) {
        std::fs::remove_dir_all(t.path(name)).unwrap();
    }
    let (resumed, tree) = rerun(&t, &SHARDS, "out", &[]);
    assert_eq!(resumed, Resumed::FirstPassDone);
    assert_same(&whole, &tree, "the output removed before the rerun");
    // The same with the annotations cut short.
    killed(&t, &SHARDS, "out", &[], &format!("clean:{}", docs * 9 / 10));
    let ann = leftovers(&t)
        .into_iter()
        .find(|n| n.starts_with(".out.ann.jsonl."))
        .unwrap_or_else(|| panic!("kept annotations: {:?}", leftovers(&t)));
    std::fs::write(t.path(&ann), b"").unwrap();
    let (resumed, tree) = rerun(&t, &SHARDS, "out", &[]);
    assert_eq!(resumed, Resumed::FirstPassDone);
    assert_same(&whole, &tree, "the annotations cut short before the rerun");
}

#[test]
fn a_folder_of_text_files_resumes_in_either_pass() {
    const TEXT: Setup = Setup {
        include: "*",
        flags: &["--work-dir", "work", "--max-memory", "16MB"],
        checkpoint_every: "1",
    };
    let t = TestDir::new();
    t.run(&["synth", "--size", "2MB", "--seed", "3", "-o", "s"]).ok();
    let (whole, stats) = clean(&t, "s/corpus", TEXT.include, "whole", TEXT.flags);
    let docs = stats["input"]["docs"].as_u64().unwrap();
    // In the first pass: after the files of its last checkpoint.
    killed(&t, &TEXT, "out", &[], "first-pass:100");
    let (resumed, tree) = rerun(&t, &TEXT, "out", &[]);
    assert!(
        matches!(resumed, Resumed::Checkpoint(n) if (100..docs).contains(&n)),
        "resumed from {resumed:?} of {docs} documents"
    );
    assert_same(&whole, &tree, "a text folder resumed");
    // In the second pass: at the file after its last checkpoint.
    killed(&t, &TEXT, "out", &[], &format!("clean:{}", docs * 9 / 10));
    let (resumed, tree) = rerun(&t, &TEXT, "out", &[]);
    assert!(
        matches!(resumed, Resumed::SecondPass(n) if n > 1),
        "resumed from {resumed:?}"
    );
    assert_same(&whole, &tree, "a text folder's second pass resumed");
}
