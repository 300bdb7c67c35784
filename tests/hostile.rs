//! Inputs nobody has read: a run keeps going through what it can use, names
//! what it skipped (file and line), and never loops or loses a good record.

use std::io::Write;

use crate::util::{assert_accounting, varied_text, Run, TestDir};

fn records(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| format!("{{\"id\": {i}, \"text\": \"Record {i} has a paragraph long enough to count.\"}}\n"))
        .collect::<String>()
        .into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// Cleans a damaged compressed JSONL file `in/NAME` and checks what any
/// damage must give: the run goes on, the stats account for every line,
/// every skip names the file and a line (stderr names the first few too),
/// and `--strict` stops with exit 2 and no output. Returns the stats and
/// the line of the first skip.
fn clean_damaged(name: &str, damaged: &[u8]) -> (serde_json::Value, u64) {
    let t = TestDir::new();
    t.write(&format!("in/{name}"), damaged);
    let run = t.run(&["clean", &format!("in/{name}"), "-o", "out"]).ok();
    let stats = t.stats("out/stats.json");
    assert_accounting(&stats);
    let examples = stats["skipped"]["examples"].as_array().unwrap().clone();
    assert!(!examples.is_empty(), "{stats:#}");
    for (i, example) in examples.iter().enumerate() {
        assert_eq!(example["path"], format!("in/{name}"));
        let line = example["line"].as_u64().expect("a line");
        if i < 5 {
            let named = run.stderr().contains(&format!("in/{name}:{line}"));
            assert!(named, "{}", run.stderr());
        }
    }
    let strict = t.run(&["clean", &format!("in/{name}"), "-o", "out2", "--strict"]);
    assert_eq!(strict.code(), 2, "{}", strict.stderr());
    assert!(!t.path("out2").exists(), "no output under --strict failure");
    let first = examples[0]["line"].as_u64().unwrap();
    (stats, first)
}

/// A compressed JSONL file cut in the middle: the records before the cut are
/// cleaned and the cut is one skip, at the line where reading stopped.
fn check_truncated(name: &str, compressed: Vec<u8>) {
    let (stats, line) = clean_damaged(name, &compressed[..compressed.len() / 2]);
    assert_eq!(stats["skipped"]["total"], 1, "{stats:#}");
    let docs = stats["input"]["docs"].as_u64().unwrap();
    assert_eq!(docs, line - 1, "every record before the cut is read");
}

/// A compressed JSONL file with bytes overwritten three quarters in: whatever
/// the decoder makes of it, the records before the damage are cleaned.
fn check_corrupt(name: &str, mut compressed: Vec<u8>) {
    let at = compressed.len() * 3 / 4;
    for b in &mut compressed[at..at + 64] {
        *b ^= 0x5a;
    }
    let (stats, _) = clean_damaged(name, &compressed);
    let docs = stats["input"]["docs"].as_u64().unwrap();
    assert!(docs >= 1000, "the records before the damage are read: {docs}");
}

#[test]
fn a_truncated_gzip_stream_is_skipped_from_where_it_breaks() {
    check_truncated("part.jsonl.gz", gzip(&records(3000)));
}

#[test]
fn a_truncated_zstd_stream_is_skipped_from_where_it_breaks() {
    check_truncated("part.jsonl.zst", zstd(&records(3000)));
}

#[test]
fn a_corrupt_gzip_stream_is_skipped_from_where_it_breaks() {
    check_corrupt("part.jsonl.gz", gzip(&records(3000)));
}

#[test]
fn a_corrupt_zstd_stream_is_skipped_from_where_it_breaks() {
    check_corrupt("part.jsonl.zst", zstd(&records(3000)));
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_does_not_trap_the_walk() {
    let t = TestDir::new();
    t.write(
        "in/sub/a.txt",
        "A line long enough to be a paragraph of its own here.\n",
    );
    std::os::unix::fs::symlink("..", t.path("in/sub/loop")).unwrap();
    t.run(&["clean", "in", "-o", "out", "-q"]).ok();
    assert_eq!(
        t.read_str("out/sub/a.txt"),
        "A line long enough to be a paragraph of its own here.\n"
    );
    assert_eq!(t.stats("out/stats.json")["input"]["docs"], 1);
}

#[test]
fn empty_and_blank_files_are_accounted_for() {
    let t = TestDir::new();
    t.write("in/empty.txt", "");
    t.write("in/blank.txt", "\n \n\t\r\n");
    t.write("in/text.txt", "Only line, no final newline, long enough to stay.");
    t.run(&["clean", "in", "-o", "out", "-q"]).ok();
    let stats = t.stats("out/stats.json");
    assert_accounting(&stats);
    assert_eq!(stats["input"]["docs"], 3);
    assert_eq!(stats["output"]["docs"], 1);
    assert_eq!(
        t.read_str("out/text.txt"),
        "Only line, no final newline, long enough to stay."
    );
    assert!(!t.path("out/empty.txt").exists() && !t.path("out/blank.txt").exists());
}

#[test]
fn inputs_named_with_dot_dot_or_absolute_paths_write_inside_the_output_folder() {
    let t = TestDir::new();
    t.write(
        "in/sub/a.txt",
        "A line long enough to be a paragraph of its own here.\n",
    );
    t.write(
        "in/b.txt",
        "Another line that is long enough to stand on its own.\n",
    );
    let absolute = t.path("in/b.txt");
    t.run(&[
        "clean",
        "in/sub/../sub/a.txt",
        absolute.to_str().unwrap(),
        "-o",
        "out",
        "-q",
    ])
    .ok();
    let written: Vec<String> = crate::util::tree(&t.path("out"))
        .keys()
        .map(|p| p.display().to_string())
        .collect();
    // Canonical paths, mirrored under their common folder (here `in`).
    assert_eq!(
        written,
        [".textsieve-output", "b.txt", "stats.json", "sub/a.txt"],
        "{written:?}"
    );
    assert!(!t.path("in/sub/out").exists() && !t.path("out/../a.txt").exists());
}

/// A lone CR (old Mac line ends, or a stray one) is part of its line, not a
/// line end: such a file is one line, written back byte for byte; with a
/// repeated paragraph behind CRLF, only the repeat goes.
#[test]
fn a_lone_cr_stays_inside_its_line() {
    let t = TestDir::new();
    let para = "A paragraph that is long enough to be a duplicate all by itself.";
    let mac = format!("First line of an old file\r{para}\rLast line of it\r");
    t.write("in/mac.txt", &mac);
    let stray = "A stray\rcarriage return inside a sentence that goes on for a while.";
    let end = "The closing paragraph of this document ends with a full stop.";
    t.write(
        "in/mixed.txt",
        format!("Head\r\n{para}\r\n{stray}\r\n{para}\r\n{end}\r\n"),
    );
    t.run(&["clean", "in", "-o", "out", "-q"]).ok();
    assert_eq!(t.read_str("out/mac.txt"), mac);
    assert_eq!(
        t.read_str("out/mixed.txt"),
        format!("Head\r\n{para}\r\n{stray}\r\n{end}\r\n")
    );
    let stats = t.stats("out/stats.json");
    assert_eq!(stats["input"]["lines"], 1 + 5);
    assert_accounting(&stats);
}

/// Record fields never name output files: ids and urls that look like paths
/// out of OUT (`..`, absolute, a NUL byte) are copied as data, and the only
/// files written are the mirrored input and the stats.
#[test]
fn ids_that_look_like_paths_out_of_the_output_folder_are_only_data() {
    let t = TestDir::new();
    let records = concat!(
        r#"{"id": "../../escaped.txt", "text": "A record whose id tries to climb out of the output."}"#,
        "\n",
        r#"{"id": "/tmp/absolute.txt", "url": "file:///etc/passwd", "text": "A record whose id is an absolute path."}"#,
        "\n",
        r#"{"id": "nul\u0000byte", "text": "A record whose id holds a NUL byte in the middle."}"#,
        "\n",
    );
    t.write("in/part.jsonl", records);
    t.run(&["clean", "in", "--include", "*.jsonl", "-o", "out", "-q"])
        .ok();
    let written: Vec<String> = crate::util::tree(&t.path("out"))
        .keys()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(written, [".textsieve-output", "part.jsonl", "stats.json"]);
    assert_eq!(
        t.read_str("out/part.jsonl"),
        records,
        "ids and urls are copied as they were"
    );
    assert!(!t.path("escaped.txt").exists() && !t.path("in/escaped.txt").exists());
}

/// `clean` of JSONL on standard input, its stats outside the output folder.
#[cfg(unix)]
const STDIN_RUN: [&str; 7] = [
    "clean",
    "-",
    "-o",
    "out",
    "--stats",
    "stats-outside/stats.json",
    "-q",
];

#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_removes_its_temporary_output_and_exits_130() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let t = TestDir::new();
    t.write("stats-outside/.keep", "");
    // Reading JSONL from a standard input that never ends: the run is
    // certainly still going when the signal comes.
    let mut child = t
        .command(&STDIN_RUN)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&records(50)).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "did not stop promptly"
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    // Nothing under a final name, and no temporary left behind.
    let left: Vec<String> = std::fs::read_dir(t.path(""))
        .unwrap()
        .chain(std::fs::read_dir(t.path("stats-outside")).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["stats-outside", ".keep"], "{left:?}");
    // Run again: the full output.
    t.run_with_stdin(&STDIN_RUN, Some(&records(50))).ok();
    assert_eq!(t.read_str("out/stdin.jsonl").lines().count(), 50);
}

#[test]
fn a_closed_stdout_pipe_ends_eval_quietly() {
    use std::process::Stdio;
    let t = TestDir::new();
    t.write("truth.jsonl", "{\"path\": \"a.txt\", \"labels\": [\"keep\"]}\n");
    t.write(
        "ann.jsonl",
        "{\"doc\": 0, \"path\": \"a.txt\", \"status\": \"keep\", \"lines\": 1, \"kept\": 1, \"removed\": []}\n",
    );
    let mut child = t
        .command(&["eval", "--truth", "truth.jsonl", "--annotations", "ann.jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is written (`| head -0`).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A line longer than `--max-line-bytes` is judged in pieces: a line with
/// nothing repeated comes out byte for byte, a text pasted twice into one
/// line loses its second copy, and the stats say how many lines were cut.
#[test]
fn a_line_over_max_line_bytes_is_judged_in_pieces_and_written_back_whole() {
    let t = TestDir::new();
    // Sentences of varied words, on one line.
    let once = varied_text(1, 200_000).replace('\n', " ");
    let pasted = varied_text(2, 200_000).replace('\n', " ");
    t.write("in/one.txt", format!("{once}\n"));
    let twice = format!("Title of the page\n{pasted} {pasted}\n");
    t.write("in/twice.txt", &twice);
    t.run(&["clean", "in", "-o", "out", "--max-line-bytes", "65536", "-q"])
        .ok();
    assert_eq!(t.read_str("out/one.txt"), format!("{once}\n"));
    let out = t.read_str("out/twice.txt");
    assert!(out.starts_with(&format!("Title of the page\n{}", &pasted[..60_000])));
    let kept = out.len() as f64 / twice.len() as f64;
    assert!((0.45..0.65).contains(&kept), "kept {kept:.2} of the pasted line");
    let stats = t.stats("out/stats.json");
    assert_eq!(stats["long_lines"]["lines"], 2);
    let pieces = stats["long_lines"]["pieces"].as_u64().unwrap();
    assert!((9..=16).contains(&pieces), "{pieces} pieces");
    assert!(stats["removed"]["near_repeat_in_doc"]["lines"].as_u64().unwrap() >= 2);
    assert_accounting(&stats);

    let small = t.run(&["clean", "in", "-o", "out2", "--max-line-bytes", "10"]);
    assert_eq!(small.code(), 2);
    assert!(
        small.stderr().contains("--max-line-bytes must be at least 64"),
        "{}",
        small.stderr()
    );
}

/// Runs `textsieve ARGS` in `t` with `cmd` run by the shell between the two
/// passes (a hook of debug builds, which the tests use).
fn run_changing_inputs_between_passes(t: &TestDir, cmd: &str, args: &[&str]) -> Run {
    let out = t
        .command(args)
        .env("TEXTSIEVE_TEST_BETWEEN_PASSES", cmd)
        .output()
        .unwrap();
    Run(out)
}

/// A file deleted between the passes is left out and named; what the later
/// documents share with it stays in them (it is in no output to point to),
/// including a later exact copy of it. With --strict the run stops with
/// nothing written.
#[test]
fn a_file_deleted_between_the_passes_is_left_out_and_nothing_is_traced_to_it() {
    let t = TestDir::new();
    let shared = "A paragraph that two documents share and that is long enough to count.";
    let b = format!("Title B\n{shared}\nThe rest of document B, which nobody else has.\n");
    t.write(
        "in/a.txt",
        "Document A is about something else entirely, at length.\n",
    );
    t.write("in/b.txt", &b);
    t.write(
        "in/c.txt",
        format!("Title C\n{shared}\nDocument C goes on with its own words here.\n"),
    );
    t.write("in/d.txt", &b);
    let run = run_changing_inputs_between_passes(&t, "rm in/b.txt", &["clean", "in", "-o", "out"]).ok();
    let skipped = "skipped in/b.txt: changed while textsieve was running: cannot read it any more";
    assert!(run.stderr().contains(skipped), "{}", run.stderr());
    assert!(!t.path("out/b.txt").exists());
    assert_eq!(
        t.read_str("out/c.txt"),
        t.read_str("in/c.txt"),
        "the shared paragraph stays in C"
    );
    assert_eq!(
        t.read_str("out/d.txt"),
        "Title B\nThe rest of document B, which nobody else has.\n",
        "the copy of B stands in for it (what C has is C's now)"
    );
    let stats = t.stats("out/stats.json");
    assert_eq!(stats["skipped"]["by_reason"]["changed"], 1);
    assert_eq!(stats["input"]["docs"], 3);
    assert_eq!(stats["removed"]["dup_doc"]["lines"], 0);
    assert_accounting(&stats);

    t.write("in/b.txt", &b);
    let strict =
        run_changing_inputs_between_passes(&t, "rm in/b.txt", &["clean", "in", "-o", "out2", "--strict"]);
    assert_eq!(strict.code(), 2);
    assert!(strict.stderr().contains("in/b.txt"), "{}", strict.stderr());
    assert!(!t.path("out2").exists());
}

/// A document left out is not in the run at all: its edges are no evidence
/// of chrome, and the first later copy of its text, which takes its place
/// as the original, is compared as a near duplicate like any other.
#[test]
fn a_left_out_document_is_no_evidence_and_its_copy_takes_its_place_everywhere() {
    let t = TestDir::new();
    // Three pages of a site end with the same short line; the first goes.
    let sign_off = "Thanks for reading it.";
    for (i, topic) in ["rivers", "bridges", "harbours"].iter().enumerate() {
        let body = format!("A long first paragraph about {topic}, with plenty of words to keep.");
        t.write(
            &format!("in/site/{i}.txt"),
            format!(
                "Title {i}
{body}
{sign_off}
"
            ),
        );
    }
    // A story, an exact copy of it, and an edited copy (one line of 40 changed).
    let line = |d: &str, i: usize| {
        (0..20)
            .map(|w| format!("{d}{i}w{w}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let story: Vec<String> = (0..40).map(|i| line("s", i)).collect();
    let mut edited = story.clone();
    edited[39] = line("e", 39);
    t.write("in/story/a.txt", story.join("\n") + "\n");
    t.write("in/story/b.txt", story.join("\n") + "\n");
    t.write("in/story/c.txt", edited.join("\n") + "\n");
    let hook = "rm in/site/0.txt in/story/a.txt";
    let args = ["clean", "in", "-o", "out", "--annotate", "ann.jsonl"];
    run_changing_inputs_between_passes(&t, hook, &args).ok();
    for i in 1..3 {
        let page = t.read_str(&format!("out/site/{i}.txt"));
        assert!(
            page.ends_with(sign_off) || page.ends_with(&format!("{sign_off}\n")),
            "{page}"
        );
    }
    assert_eq!(t.read_str("out/story/b.txt"), t.read_str("in/story/b.txt"));
    assert!(
        !t.path("out/story/c.txt").exists(),
        "the edited copy is a near duplicate of b"
    );
    let ann = t.read_str("ann.jsonl");
    let c: serde_json::Value = serde_json::from_str(ann.lines().last().unwrap()).unwrap();
    assert_eq!(c["status"], "near_dup_doc", "{c}");
    assert_eq!(c["removed"][0]["of"]["path"], "in/story/b.txt");
    assert_accounting(&t.stats("out/stats.json"));
}

/// A JSONL file that grows between the passes is left out whole; the other
/// files are cleaned as if it had never been there.
#[test]
fn a_jsonl_file_that_changes_between_the_passes_is_left_out_whole() {
    let t = TestDir::new();
    t.write("in/1.jsonl", records(3));
    t.write("in/2.jsonl", records(3));
    let run = run_changing_inputs_between_passes(
        &t,
        "echo '{\"text\": \"one more\"}' >> in/1.jsonl",
        &["clean", "in", "--include", "*.jsonl", "-o", "out"],
    )
    .ok();
    let skipped = "skipped in/1.jsonl: changed while textsieve was running";
    assert!(run.stderr().contains(skipped), "{}", run.stderr());
    assert!(!t.path("out/1.jsonl").exists());
    assert_eq!(
        t.read("out/2.jsonl"),
        records(3),
        "the records of 1.jsonl are not traced to"
    );
    let stats = t.stats("out/stats.json");
    assert_eq!(stats["input"]["docs"], 3);
    assert_accounting(&stats);
}

/// A bad record early in a JSONL file of many batches stops a `--strict` run
/// at once (exit 2), though the reader has batches queued behind it: the
/// run used to wait forever for the reader to hand them over.
#[cfg(unix)]
#[test]
fn strict_stops_at_a_bad_record_early_in_a_long_jsonl_file() {
    let t = TestDir::new();
    let mut data = records(20_000);
    data.splice(0..0, b"{not json}\n".iter().copied());
    t.write("in/big.jsonl", &data);
    let cmd = t.command(&["clean", "in", "--include", "*.jsonl", "-o", "out", "--strict"]);
    let run = crate::util::run_within(cmd, std::time::Duration::from_secs(60));
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("in/big.jsonl:1"), "{}", run.stderr());
    assert!(!t.path("out").exists());
}
