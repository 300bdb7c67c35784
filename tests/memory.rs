//! `--max-memory` bounds the peak resident memory of the whole process, not
//! only its exchanges: measured by the process itself (its high-water mark,
//! which the stats report).

use crate::util::TestDir;

/// The peak resident memory a run reports.
fn peak_memory(t: &TestDir, stats: &str) -> u64 {
    let stats = t.stats(stats);
    let peak = stats["timings"]["peak_memory_bytes"].as_u64().unwrap();
    assert!(peak > 0, "the system reports no peak memory");
    peak
}

#[test]
fn a_run_under_a_small_bound_stays_under_it_and_writes_the_same() {
    // About 20 MB of the process (its threads, tables and batches) does not
    // shrink with the bound: at 48 MB runs peaked at 47.1-48.1 MB, at 56 MB
    // at 51.3-51.7 MB.
    const BOUND: u64 = 56_000_000;
    let t = TestDir::new();
    t.run(&[
        "synth", "--size", "20MB", "--seed", "5", "--format", "jsonl", "-o", "s",
    ])
    .ok();
    let clean = |out: &str, bound: &[&str]| {
        let mut args = vec!["clean", "s/corpus", "--include", "*.jsonl", "-o", out];
        args.extend(["--threads", "2", "--quiet"]);
        args.extend(bound);
        t.run(&args).ok();
        peak_memory(&t, &format!("{out}/stats.json"))
    };
    let unbounded = clean("free", &[]);
    assert!(
        unbounded > BOUND,
        "the corpus must need more than the bound unbounded ({unbounded} bytes), or the test shows nothing"
    );
    // Spill files in the staging folder (removed), then in a kept work
    // folder (the first pass is written there whole, for a resume).
    for (out, work) in [("bounded", &[][..]), ("kept", &["--work-dir", "work"][..])] {
        let bounded = clean(out, &[&["--max-memory", "56MB"][..], work].concat());
        assert!(
            bounded <= BOUND,
            "peak resident memory {bounded} bytes under --max-memory 56MB {work:?} (unbounded: {unbounded})"
        );
        assert_eq!(
            t.read("free/part-00000.jsonl"),
            t.read(&format!("{out}/part-00000.jsonl"))
        );
    }
}

/// A bound the run cannot keep is reported with the peak and the largest
/// document; a bound it keeps is not.
#[test]
fn a_run_over_its_bound_says_so() {
    let t = TestDir::new();
    t.write("in/big.txt", crate::util::varied_text(3, 3_000_000));
    t.write("in/small.txt", "a line of its own here\n");
    let over = t.run(&["clean", "in", "-o", "tight", "--max-memory", "4MB"]).ok();
    let peak = peak_memory(&t, "tight/stats.json");
    let said = over.stderr();
    assert!(
        peak > 4_000_000,
        "a 3 MB document under a 4 MB bound: peak {peak}"
    );
    assert!(
        said.contains("was over --max-memory 3.81 MiB")
            && said.contains("the largest document holds 2.86 MiB of text"),
        "{said}"
    );
    let within = t.run(&["clean", "in", "-o", "roomy", "--max-memory", "2GB"]).ok();
    assert!(!within.stderr().contains("was over"), "{}", within.stderr());
}
