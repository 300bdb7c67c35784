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
    const BOUND: u64 = 48_000_000;
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
        let bounded = clean(out, &[&["--max-memory", "48MB"][..], work].concat());
        assert!(
            bounded <= BOUND,
            "peak resident memory {bounded} bytes under --max-memory 48MB {work:?} (unbounded: {unbounded})"
        );
        assert_eq!(
            t.read("free/part-00000.jsonl"),
            t.read(&format!("{out}/part-00000.jsonl"))
        );
    }
}
