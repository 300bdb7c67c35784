//! `clean` end to end, in two passes over the corpus:
//! 1. read + fingerprint every document (in parallel) and add it to the index
//!    (in corpus order);
//! 2. read again, decide every document against the finished index, write the
//!    kept text, the annotations and the stats.
//!
//! Only fingerprints are held between the passes, never the text. A document
//! that changed between the passes stops the run rather than produce output
//! decided on stale facts.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::Instant;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::annotate::{self, DocName};
use crate::config::{CleanConfig, DocDedup};
use crate::dataflow::answers::{Answers, BatchAnswers, DocAnswers};
use crate::dataflow::{Budget, Exchanges};
use crate::decide::{self, Decision};
use crate::doc::{DocId, Lines};
use crate::doc_dedup::{self, NearDocs};
use crate::fingerprint;
use crate::heap;
use crate::index::{CorpusIndex, DocFingerprint};
use crate::interrupt;
use crate::keymap::KeyMap;
use crate::progress::Progress;
use crate::read::compress::CompressedWriter;
use crate::read::{self, jsonl, Batch, Loaded, Skip, Source, SourceKind, Unit};
use crate::report::{DocReport, NearDupClusters, Stats, StatsBuilder};
use crate::resume::{self, WorkFolder};
use crate::write::{self, OutputDir, ResultFile, Staging};
use crate::{Error, Result};

/// Batches of cleaned documents waiting for the writer.
const WRITE_AHEAD: usize = 2;

/// Name of the copy of standard input inside the staging folder.
const STDIN_SPOOL: &str = ".textsieve-stdin.jsonl";

/// Runs `textsieve clean`. Returns the stats that were written.
///
/// The stages, in the only order they run: [`prepare`] (check the options,
/// plan the inputs, open the outputs), [`fingerprint_pass`] (pass 1),
/// [`settle_documents`] (between the passes: inputs that changed, chrome
/// evidence, near-duplicate documents), [`clean_pass`] (pass 2) and
/// [`finish`] (stats, then everything renamed into place).
pub fn clean(config: &CleanConfig, progress: &Progress) -> Result<Stats> {
    let started = Instant::now();
    let mut run = prepare(config, progress)?;
    let mut first = first_pass(&mut run)?;
    let pass1 = started.elapsed().as_secs_f64();
    heap::give_back_freed();
    let mut settled = settle_documents(&mut run, &mut first)?;
    heap::give_back_freed();
    let pass2_start = Instant::now();
    let (stats, annotations) = clean_pass(&mut run, &first, &mut settled)?;
    let timings = Timings {
        pass1,
        index: first.index_time,
        doc_stage: settled.doc_stage,
        pass2: pass2_start.elapsed().as_secs_f64(),
        started,
    };
    finish(run, &first, settled.distinct_keys, stats, annotations, timings)
}

/// What every stage of a run shares: the options, the planned inputs and
/// the outputs being built.
struct Run<'a> {
    config: &'a CleanConfig,
    progress: &'a Progress,
    plan: read::plan::InputPlan,
    out: OutputDir,
    stats: StatsBuilder,
    stats_file: ResultFile,
    annotations: Option<ResultFile>,
    /// Where standard input is copied, to be read twice.
    spool: std::path::PathBuf,
    /// How the stages exchange records: the work folder, the memory budget
    /// and the partitions.
    exchanges: Exchanges,
    /// The work folder, removed when the run succeeds (before OUT is renamed
    /// into place, when it is inside OUT's staging folder).
    work: WorkFolder,
}

impl Run<'_> {
    fn sources(&self) -> &[Source] {
        &self.plan.sources
    }

    fn skip(&mut self, skip: Skip) -> Result<()> {
        report_skip(self.config, self.progress, &mut self.stats, skip)
    }
}

/// Checks the options and the output paths, plans the inputs, and opens the
/// outputs (under temporary names) before any work.
fn prepare<'a>(config: &'a CleanConfig, progress: &'a Progress) -> Result<Run<'a>> {
    config.validate()?;
    let mut plan = read::plan::plan(config)?;
    let mut result_files: Vec<&Path> = vec![&config.stats];
    if let Some(a) = &config.annotate {
        if write::resolve(a)? == write::resolve(&config.stats)? {
            return Err(Error::Config("--annotate and --stats name the same file".into()));
        }
        result_files.push(a);
    }
    write::check_outputs(&plan, &config.output, &result_files)?;
    let mut stats = StatsBuilder::default();
    for skip in std::mem::take(&mut plan.listing_skips) {
        report_skip(config, progress, &mut stats, skip)?;
    }
    let partitions = config.partitions_for(plan.total_bytes());
    let kept = kept_work_folder(config, &plan, partitions)?;
    let staging = match kept.as_ref().and_then(|w| Some((w.tag()?, w))) {
        Some((tag, work)) => Staging::Kept {
            tag,
            adopt: work.second_pass_checkpointed(),
        },
        None => Staging::Fresh,
    };
    let out = OutputDir::create(&config.output, &staging)?;
    // The stats and annotations files are opened before any work, so that a
    // place they cannot be written to fails the run at once. The stats are
    // written whole at the end: never taken up from a killed run.
    let stats_file = ResultFile::create(&out, &config.stats, &staging.emptied())?;
    let annotations = match &config.annotate {
        Some(a) => Some(ResultFile::create(&out, a, &staging)?),
        None => None,
    };
    let spool = out.staged(Path::new(STDIN_SPOOL));
    for src in plan.sources.iter_mut().filter(|s| s.is_stdin) {
        save_stdin(&spool)?;
        src.path = spool.clone();
    }
    let work = match kept {
        Some(work) => work,
        None => temporary_work_folder(config, &out)?,
    };
    let exchanges = Exchanges {
        dir: Some(work.path().to_path_buf()),
        budget: Budget::bounded(
            usize::try_from(config.exchange_budget()).unwrap_or(usize::MAX),
            config.memory(),
        ),
        partitions,
    };
    stats.tally_through(&exchanges);
    Ok(Run {
        exchanges,
        work,
        config,
        progress,
        plan,
        out,
        stats,
        stats_file,
        annotations,
        spool,
    })
}

/// The folder of the run's key inside `--work-dir` (which must not be
/// inside an input folder), which a later run of the same command resumes
/// from (see [`crate::resume`]); `None` without `--work-dir`, or when
/// standard input is read (it cannot be read again to resume).
fn kept_work_folder(
    config: &CleanConfig,
    plan: &read::plan::InputPlan,
    partitions: u32,
) -> Result<Option<WorkFolder>> {
    let Some(dir) = &config.work_dir else {
        return Ok(None);
    };
    let resolved = write::resolve(dir)?;
    if let Some(folder) = plan.folders.iter().find(|f| resolved.starts_with(f)) {
        return Err(Error::UnsafeOutput {
            path: dir.clone(),
            why: format!("it is inside input folder {}", folder.display()),
        });
    }
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    if plan.sources.iter().any(|s| s.is_stdin) {
        return Ok(None);
    }
    let key = resume::run_key(config, plan, partitions, config.batch_bytes())?;
    WorkFolder::kept(dir, key).map(Some)
}

/// A temporary work folder: inside `--work-dir` when given, otherwise
/// inside OUT's staging folder.
fn temporary_work_folder(config: &CleanConfig, out: &OutputDir) -> Result<WorkFolder> {
    let parent = match &config.work_dir {
        Some(dir) => dir.clone(),
        None => out.staged(Path::new("")),
    };
    let temp = tempfile::Builder::new()
        .prefix(".textsieve-work-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io(&parent, e))?;
    Ok(WorkFolder::Temporary(temp))
}

/// The first pass: its index, and what it learned beside it (saved and
/// reloaded whole when the run resumes).
struct PassOne {
    index: CorpusIndex,
    learned: resume::FirstPass,
    /// Seconds spent adding to the index.
    index_time: f64,
}

impl PassOne {
    fn name(&self, sources: &[Source], doc: DocId) -> DocName {
        let (src, rec) = self.learned.origins[doc as usize];
        DocName {
            doc,
            path: sources[src as usize].display.clone(),
            record: (rec > 0).then_some(rec),
        }
    }
}

/// Pass 1, from the work folder when a run of the same command finished it
/// there; otherwise run now (from its last checkpoint there, if any), and
/// left there when the folder outlives the run.
fn first_pass(run: &mut Run) -> Result<PassOne> {
    if run.work.first_pass_done() {
        let first = reopen_first_pass(run)?;
        let shown = run.work.path().display();
        run.progress
            .note(&format!("resuming after the first pass, from {shown}"));
        return Ok(first);
    }
    let start = if run.work.checkpointed() {
        let first = reopen_first_pass(run)?;
        let (docs, shown) = (first.learned.origins.len(), run.work.path().display());
        run.progress.note(&format!(
            "resuming the first pass after {docs} documents, from {shown}"
        ));
        first
    } else {
        PassOne {
            index: CorpusIndex::with_exchanges(run.config.rules(), run.exchanges.clone()),
            learned: resume::FirstPass {
                units_of: vec![0; run.sources().len()],
                ..resume::FirstPass::default()
            },
            index_time: 0.0,
        }
    };
    let mut first = fingerprint_pass(run, start)?;
    #[cfg(debug_assertions)]
    test_kill_point("first-pass-end", 0);
    // Near the bound, the stages after need the memory that the records
    // held by the exchanges take: they go to disk.
    if run.work.is_kept() || run.exchanges.budget.near_bound() {
        first.index.persist()?;
    }
    if run.work.is_kept() {
        first.learned.batches = first.index.batches();
        resume::save_first_pass(run.work.path(), &first.learned)?;
        run.work.mark_first_pass_done()?;
    }
    Ok(first)
}

/// Pass 1 as a run of the same command left it in the work folder, at its
/// end or at its last checkpoint.
fn reopen_first_pass(run: &mut Run) -> Result<PassOne> {
    let learned = resume::load_first_pass(run.work.path())?;
    let (docs, batches) = (learned.origins.len(), learned.batches);
    let index = CorpusIndex::reopen(run.config.rules(), run.exchanges.clone(), docs, batches)?;
    run.stats.add_skipped(learned.skips.clone());
    Ok(PassOne {
        index,
        learned,
        index_time: 0.0,
    })
}

/// Writes a checkpoint of pass 1 into the kept work folder: the index (its
/// records so far go to disk), then what the pass learned, then the marker.
fn checkpoint(work: &WorkFolder, first: &mut PassOne) -> Result<()> {
    first.index.persist()?;
    #[cfg(debug_assertions)]
    test_kill_point("checkpoint", first.learned.units_of.iter().sum());
    first.learned.batches = first.index.batches();
    resume::save_first_pass(work.path(), &first.learned)?;
    work.mark_checkpoint()
}

/// When pass 1 writes a checkpoint: every [`CHECKPOINT_SECS`] (in debug
/// builds, every N batches with `TEXTSIEVE_TEST_CHECKPOINT=N`).
struct Checkpoints {
    last: Instant,
    batches: u32,
}

/// Seconds between two checkpoints of pass 1: each writes what the pass
/// learned so far (about 16 bytes a document) beside the records, which a
/// kept work folder takes to disk anyway.
const CHECKPOINT_SECS: u64 = 300;

impl Checkpoints {
    fn new() -> Checkpoints {
        Checkpoints {
            last: Instant::now(),
            batches: 0,
        }
    }

    /// Whether one is due after one more batch.
    fn due(&mut self) -> bool {
        self.batches += 1;
        #[cfg(debug_assertions)]
        if let Some(every) = std::env::var("TEXTSIEVE_TEST_CHECKPOINT")
            .ok()
            .and_then(|n| n.parse::<u32>().ok())
        {
            return self.batches % every.max(1) == 0;
        }
        if self.last.elapsed().as_secs() < CHECKPOINT_SECS {
            return false;
        }
        self.last = Instant::now();
        true
    }
}

/// Lets a test kill the run at a chosen point (debug builds only):
/// `TEXTSIEVE_TEST_KILL=POINT` or `POINT:N` kills the process with SIGKILL
/// when it reaches POINT with at least N units (documents and skips) done.
#[cfg(debug_assertions)]
fn test_kill_point(point: &str, done: u64) {
    let Ok(want) = std::env::var("TEXTSIEVE_TEST_KILL") else {
        return;
    };
    let (name, at) = want.split_once(':').unwrap_or((&want, "0"));
    if name == point && at.parse().is_ok_and(|at: u64| done >= at) {
        // SAFETY: sends a signal to this process; nothing after it runs.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// Pass 1: reads and fingerprints every document (in parallel) and adds it
/// to the corpus index (in corpus order), from where `first` stops (a
/// checkpoint, or the start). Each batch is added to the index while the
/// next one is fingerprinted: adding is mostly sequential, so it would leave
/// a core idle.
fn fingerprint_pass(run: &mut Run, mut first: PassOne) -> Result<PassOne> {
    let config = run.config;
    let rules = config.rules();
    let start = read::batches::Start::after(&first.learned.units_of);
    let mut unit_no: u64 = first.learned.units_of.iter().sum();
    let mut checkpoints = Checkpoints::new();
    let mut pending: Vec<DocFingerprint> = Vec::new();
    let add_to_index = |index: &mut CorpusIndex, fps: Vec<DocFingerprint>| -> Result<f64> {
        let t = Instant::now();
        index.add_batch(fps)?;
        Ok(t.elapsed().as_secs_f64())
    };
    let (sources, progress, stats) = (&run.plan.sources, run.progress, &mut run.stats);
    let (work, run_budget) = (&run.work, &run.exchanges.budget);
    let bar = progress.stage("fingerprint", run.plan.total_bytes());
    // A resumed pass does not read the inputs before its checkpoint's last.
    bar.inc(sources[..start.source].iter().map(|s| s.size).sum());
    read::batches::for_each_batch(
        sources,
        &[],
        start,
        &bar,
        config.batch_bytes(),
        |batch: Batch| -> Result<()> {
            if interrupt::requested() {
                return Err(Error::Interrupted);
            }
            let file_bytes = batch.file_bytes;
            let units: Vec<(u32, u64, Unit)> = batch
                .units
                .into_iter()
                .map(|u| (source_of(&u), record_of(&u), u))
                .collect();
            let previous = std::mem::take(&mut pending);
            let (took, loaded) = rayon::join(
                || add_to_index(&mut first.index, previous),
                || -> Vec<_> {
                    units
                        .into_par_iter()
                        .map(|(src, rec, unit)| (src, rec, fingerprint_unit(unit, sources, config, &rules)))
                        .collect()
                },
            );
            first.index_time += took?;
            // The batch before is freed: near the bound, give its holes back
            // (far from it, walking the heap costs 3% of the run).
            run_budget.give_back_if_near_bound();
            for (src, rec, fp) in loaded {
                first.learned.units_of[src as usize] += 1;
                match fp {
                    Ok((fp, site)) => {
                        first.learned.site_names.entry(fp.site).or_insert(site);
                        first.learned.largest_doc_bytes = first.learned.largest_doc_bytes.max(fp.bytes);
                        pending.push(fp);
                        first.learned.origins.push((src, rec));
                    }
                    Err(skip) => {
                        first.learned.skipped_units.insert(unit_no);
                        // Kept beside the run's count: a resumed run adds them.
                        first.learned.skips.add(&skip);
                        report_skip(config, progress, stats, skip)?;
                    }
                }
                unit_no += 1;
            }
            if first.learned.origins.len() as u64 >= crate::dataflow::MAX_DOCS {
                return Err(Error::Config(format!(
                    "more than {} documents in one run",
                    crate::dataflow::MAX_DOCS
                )));
            }
            bar.inc(file_bytes);
            bar.set_message(format!("{} docs", first.learned.origins.len()));
            if work.is_kept() && checkpoints.due() {
                first.index_time += add_to_index(&mut first.index, std::mem::take(&mut pending))?;
                checkpoint(work, &mut first)?;
            }
            #[cfg(debug_assertions)]
            test_kill_point("first-pass", unit_no);
            Ok(())
        },
    )?;
    first.index_time += add_to_index(&mut first.index, pending)?;
    bar.finish_and_clear();
    Ok(first)
}

/// Reads one unit and fingerprints it, with the name of its site.
fn fingerprint_unit(
    unit: Unit,
    sources: &[Source],
    config: &CleanConfig,
    rules: &crate::config::Rules,
) -> std::result::Result<(DocFingerprint, String), Skip> {
    let source = source_of(&unit) as usize;
    read::load(unit, sources, &config.text_field).map(|l| {
        let site = read::site_of(&l, &sources[source], &config.site_from);
        let fp = DocFingerprint::new(&l.text, fingerprint::site_key(&site), rules);
        (fp, site)
    })
}

/// What was settled between the passes.
struct Settled {
    /// The first occurrences of the index keys, as answers to each document.
    answers: Answers,
    /// Distinct index keys of the source documents, for the stats.
    distinct_keys: u64,
    /// For each source, `Some(units it had in the first pass)` if it is left
    /// out of the second (see [`changed_sources`]).
    left_out: Vec<Option<u64>>,
    /// Seconds the near-duplicate document stage took.
    doc_stage: f64,
}

/// Between the passes. A file that changed since it was listed cannot be
/// read again as the first pass saw it: it is left out (or, with --strict,
/// the run stops), and so are its documents, before anything is traced to
/// them. Then the near-duplicate documents are found from the signatures,
/// and the chrome evidence and the first occurrences are counted among the
/// documents kept.
fn settle_documents(run: &mut Run, first: &mut PassOne) -> Result<Settled> {
    #[cfg(debug_assertions)]
    {
        test_kill_point("settle", 0);
        run_test_hook_between_passes();
    }
    let left_out = changed_sources(run, &first.learned.units_of)?;
    let gone_docs = (0..first.learned.origins.len() as DocId)
        .filter(|&d| left_out[first.learned.origins[d as usize].0 as usize].is_some());
    first.index.close_run(gone_docs.collect())?;
    let doc_stage = Instant::now();
    let near = match run.config.doc_dedup() {
        DocDedup::Near => doc_dedup::find(&first.index, &run.config.docs)?,
        _ => NearDocs::default(),
    };
    first.index.set_near_docs(near)?;
    let doc_stage = doc_stage.elapsed().as_secs_f64();
    let (answers, distinct_keys) = first.index.first_occurrences()?;
    Ok(Settled {
        answers,
        distinct_keys,
        left_out,
        doc_stage,
    })
}

/// Pass 2: decides every document (in parallel) against the finished index
/// and writes it (on a writer thread, in corpus order, overlapping with the
/// next batch). A batch is decided while the answers of the next one are
/// gathered: gathering is sequential, so it would leave a core idle.
/// Returns the stats and annotations written so far.
fn clean_pass(
    run: &mut Run,
    first: &PassOne,
    settled: &mut Settled,
) -> Result<(StatsBuilder, Option<ResultFile>)> {
    let bar = run.progress.stage("clean", run.plan.total_bytes());
    let (stats, annotations, start) = second_pass_start(run, first)?;
    let (config, sources, out) = (run.config, &run.plan.sources, &run.out);
    let name = |doc: DocId| first.name(sources, doc);
    let mut unit_no = start.unit_no;
    let mut next_doc = start.doc;
    let checkpoints = run
        .work
        .is_kept()
        .then(|| PassTwoCheckpoints::new(&run.work, start.source));
    let written = std::thread::scope(|scope| -> Result<_> {
        // Made inside the scope so that, however this closure ends, the sender
        // is dropped before the scope waits for the writer.
        let (tx, rx) = sync_channel::<Vec<Result<Option<Cleaned>>>>(WRITE_AHEAD);
        let ctx = PassTwo {
            sources,
            config,
            index: &first.index,
            site_names: &first.learned.site_names,
            out,
        };
        let (left_out, answers) = (&settled.left_out, &mut settled.answers);
        let results = Results {
            sources,
            left_out,
            out,
            stats,
            annotations,
        };
        let writer = scope.spawn(move || write_in_order(rx, results, start.source, checkpoints));
        let decide = |batch: Numbered| -> Vec<Result<Option<Cleaned>>> {
            let Numbered {
                units,
                answers,
                file_bytes,
            } = batch;
            let results = units
                .into_par_iter()
                .map(|(doc, unit)| clean_unit(doc, unit, doc.map(|d| answers.of(d)), &ctx, &name))
                .collect();
            bar.inc(file_bytes);
            results
        };
        // A closed channel means the writer failed; its error is the one to report.
        let send = |results| {
            tx.send(results)
                .map_err(|_| Error::Config("the output writer stopped early".into()))
        };
        let mut ahead: Option<Numbered> = None;
        let read = read::batches::for_each_batch(
            sources,
            left_out,
            read::batches::Start {
                source: start.source,
                units: 0,
            },
            &bar,
            config.batch_bytes(),
            |batch: Batch| -> Result<()> {
                if interrupt::requested() {
                    return Err(Error::Interrupted);
                }
                let file_bytes = batch.file_bytes;
                let mut units = Vec::with_capacity(batch.units.len());
                let batch_start = next_doc;
                for unit in batch.units {
                    let doc = if first.learned.skipped_units.contains(&unit_no) {
                        None
                    } else {
                        next_doc += 1;
                        Some(next_doc - 1)
                    };
                    unit_no += 1;
                    units.push((doc, unit));
                }
                let (decided, batch_answers) = match ahead.take() {
                    Some(before) => {
                        let (decided, taken) =
                            rayon::join(|| decide(before), || answers.take(batch_start, next_doc));
                        (Some(decided), taken?)
                    }
                    None => (None, answers.take(batch_start, next_doc)?),
                };
                ahead = Some(Numbered {
                    units,
                    answers: batch_answers,
                    file_bytes,
                });
                bar.set_message(format!("{next_doc} docs"));
                #[cfg(debug_assertions)]
                test_kill_point("clean", unit_no);
                match decided {
                    Some(results) => send(results),
                    None => Ok(()),
                }
            },
        );
        let last = match (read, ahead.take()) {
            (Ok(()), Some(batch)) => send(decide(batch)),
            (read, _) => read,
        };
        drop(tx);
        let written = writer.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        last?;
        Ok(written)
    })?;
    if next_doc as usize != first.index.doc_count() {
        return Err(Error::InputChanged {
            location: "the input".into(),
        });
    }
    bar.finish_and_clear();
    Ok(written)
}

/// A batch of the second pass: its units with their document numbers
/// (`None` for a unit the first pass skipped) and their answers.
struct Numbered {
    units: Vec<(Option<DocId>, Unit)>,
    answers: BatchAnswers,
    file_bytes: u64,
}

/// Seconds per stage, for the stats.
struct Timings {
    pass1: f64,
    index: f64,
    doc_stage: f64,
    pass2: f64,
    started: Instant,
}

/// Writes the stats, then renames OUT and the result files into place.
fn finish(
    run: Run,
    first: &PassOne,
    distinct_keys: u64,
    stats: StatsBuilder,
    annotations: Option<ResultFile>,
    timings: Timings,
) -> Result<Stats> {
    let (config, sources) = (run.config, &run.plan.sources);
    let name = |d: DocId| first.name(sources, d).display();
    let mut result = stats.finish(config, distinct_keys as usize, name)?;
    result.near_dup_doc_clusters = NearDupClusters::of(first.index.near_docs(), name);
    let total = timings.started.elapsed().as_secs_f64();
    result.timings.threads = rayon::current_num_threads();
    result.timings.fingerprint_index_s = round3(timings.pass1);
    result.timings.index_s = round3(timings.index);
    result.timings.near_dup_docs_s = round3(timings.doc_stage);
    result.timings.decide_write_s = round3(timings.pass2);
    result.timings.total_s = round3(total);
    result.timings.mb_per_s = round3(result.input.bytes as f64 / 1e6 / total.max(1e-9));

    result.timings.spilled_bytes = run.exchanges.budget.spilled_bytes();
    result.timings.peak_spill_bytes = run.exchanges.budget.peak_disk_bytes();
    result.timings.peak_memory_bytes = heap::peak_resident_bytes();
    warn_if_over_bound(config, run.progress, result.timings.peak_memory_bytes, first);
    let Run {
        out,
        mut stats_file,
        spool,
        work,
        ..
    } = run;
    work.close()?;
    let mut outside = Vec::new();
    stats_file.write_all(result.to_json().as_bytes())?;
    outside.extend(stats_file.finish()?);
    if let Some(a) = annotations {
        outside.extend(a.finish()?);
    }
    if spool.exists() {
        fs::remove_file(&spool).map_err(|e| Error::io(&spool, e))?;
    }
    out.commit()?;
    for f in outside {
        f.commit()?;
    }
    Ok(result)
}

/// Says so when the run went over `--max-memory`: the bound is too small
/// for its batches and tables, or for its largest document, which is held
/// whole (with its facts) while it is read and written.
fn warn_if_over_bound(config: &CleanConfig, progress: &Progress, peak: u64, first: &PassOne) {
    let Some(bound) = config.max_memory else { return };
    if peak > bound {
        use indicatif::HumanBytes as B;
        progress.note(&format!(
            "peak resident memory {} was over --max-memory {} (the largest document holds {} of text)",
            B(peak),
            B(bound),
            B(first.learned.largest_doc_bytes)
        ));
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn source_of(u: &Unit) -> u32 {
    match u {
        Unit::File { source }
        | Unit::Record { source, .. }
        | Unit::Failed { source, .. }
        | Unit::LeftOut { source } => *source as u32,
    }
}

/// The sources that changed since they were listed, each skipped (or, with
/// `--strict`, the end of the run): for each source, `Some(units it had in
/// the first pass)` if it is to be left out of the second.
fn changed_sources(run: &mut Run, units_of: &[u64]) -> Result<Vec<Option<u64>>> {
    let mut left_out = vec![None; run.sources().len()];
    for i in 0..left_out.len() {
        let src = &run.sources()[i];
        if let Some(reason) = src.changed() {
            let skip = Skip {
                path: src.display.clone(),
                line: None,
                reason,
            };
            run.skip(skip)?;
            left_out[i] = Some(units_of[i]);
        }
    }
    Ok(left_out)
}

/// Lets a test change the inputs between the passes (debug builds only): the
/// shell command in `TEXTSIEVE_TEST_BETWEEN_PASSES` runs once pass 1 is done.
#[cfg(debug_assertions)]
fn run_test_hook_between_passes() {
    if let Some(cmd) = std::env::var_os("TEXTSIEVE_TEST_BETWEEN_PASSES") {
        let _ = std::process::Command::new("sh").arg("-c").arg(cmd).status();
    }
}

fn record_of(u: &Unit) -> u64 {
    match u {
        Unit::Record { line_no, .. } => *line_no,
        _ => 0,
    }
}

fn report_skip(
    config: &CleanConfig,
    progress: &Progress,
    stats: &mut StatsBuilder,
    skip: Skip,
) -> Result<()> {
    if config.strict {
        return Err(Error::Strict {
            location: skip.location(),
            reason: skip.reason,
        });
    }
    progress.warn_skip(&skip, stats.skipped_total());
    stats.add_skip(&skip);
    Ok(())
}

fn save_stdin(to: &Path) -> Result<()> {
    let mut f = fs::File::create(to).map_err(|e| Error::io(to, e))?;
    std::io::copy(&mut std::io::stdin().lock(), &mut f).map_err(|e| Error::io("<stdin>", e))?;
    f.flush().map_err(|e| Error::io(to, e))
}

/// What the writer thread writes to: the outputs, the stats and the annotations.
struct Results<'a> {
    sources: &'a [Source],
    /// The sources left out of the run (see [`changed_sources`]).
    left_out: &'a [Option<u64>],
    out: &'a OutputDir,
    stats: StatsBuilder,
    annotations: Option<ResultFile>,
}

/// The writer thread: JSONL output, annotations and stats, in corpus order,
/// from source `first_source` on; with a kept work folder, checkpoints
/// between two sources.
fn write_in_order(
    batches: Receiver<Vec<Result<Option<Cleaned>>>>,
    mut results: Results,
    first_source: usize,
    mut checkpoints: Option<PassTwoCheckpoints>,
) -> Result<(StatsBuilder, Option<ResultFile>)> {
    let mut jsonl_out = JsonlOutputs::new(results.sources, results.left_out, results.out, first_source);
    for batch in batches {
        if let Some(c) = checkpoints.as_mut() {
            c.next_batch();
        }
        for r in batch {
            let Some(c) = r? else { continue };
            if let Some(checkpoints) = checkpoints.as_mut() {
                checkpoints.before(c.source, &mut jsonl_out, &mut results)?;
            }
            if let Some(line) = &c.jsonl_line {
                jsonl_out.write(c.source, line.as_deref())?;
            }
            if let (Some(file), Some(line)) = (results.annotations.as_mut(), c.annotation) {
                file.write_all(line.as_bytes())?;
            }
            results.stats.add_doc(c.report)?;
        }
        results.stats.end_batch()?;
    }
    jsonl_out.finish_all()?;
    Ok((results.stats, results.annotations))
}

/// The checkpoints of the second pass (see [`resume::SecondPass`]): one is
/// taken between two sources once one is due (as in the first pass, see
/// [`Checkpoints`]), when everything of the sources before is written.
struct PassTwoCheckpoints<'a> {
    work: &'a WorkFolder,
    timer: Checkpoints,
    due: bool,
    /// The source of the last document written.
    source: usize,
}

impl<'a> PassTwoCheckpoints<'a> {
    fn new(work: &'a WorkFolder, first_source: usize) -> PassTwoCheckpoints<'a> {
        PassTwoCheckpoints {
            work,
            timer: Checkpoints::new(),
            due: false,
            source: first_source,
        }
    }

    fn next_batch(&mut self) {
        self.due |= self.timer.due();
    }

    /// Before a document of `source` is written: a checkpoint, when one is
    /// due and the document is the first of its source.
    fn before(&mut self, source: usize, jsonl_out: &mut JsonlOutputs, results: &mut Results) -> Result<()> {
        let first_of_source = source > self.source;
        self.source = source;
        if !(self.due && first_of_source) {
            return Ok(());
        }
        self.due = false;
        // The outputs of the sources before, on disk; then the annotations
        // and the stats; then how far that is; then the marker.
        jsonl_out.finish_before(source)?;
        results.out.sync()?;
        let annotations_bytes = match results.annotations.as_mut() {
            Some(a) => a.written()?,
            None => 0,
        };
        let stats = results.stats.persist()?;
        results.out.keep_after_failure();
        if let Some(a) = results.annotations.as_mut() {
            a.keep_after_failure();
        }
        #[cfg(debug_assertions)]
        test_kill_point("second-pass-checkpoint", source as u64);
        let at = resume::SecondPass {
            next_source: source,
            annotations_bytes,
            stats,
        };
        resume::save_second_pass(self.work.path(), &at)?;
        self.work.mark_second_pass_checkpoint()
    }
}

/// Where the second pass starts: the first source it reads, and the
/// numbers of its first unit and document.
#[derive(Clone, Copy, Debug, Default)]
struct PassTwoStart {
    source: usize,
    unit_no: u64,
    doc: DocId,
}

/// The stats and annotations the second pass starts from, and where it
/// starts: at the beginning, or where the last checkpoint of a killed run
/// of the same command left them (the answers of the documents before are
/// passed over by the first [`Answers::take`]).
fn second_pass_start(
    run: &mut Run,
    first: &PassOne,
) -> Result<(StatsBuilder, Option<ResultFile>, PassTwoStart)> {
    let stats = std::mem::take(&mut run.stats);
    let mut annotations = run.annotations.take();
    let Some(at) = second_pass_checkpoint(run, annotations.as_mut())? else {
        return Ok((stats, annotations, PassTwoStart::default()));
    };
    let stats = StatsBuilder::reopen(&run.exchanges, at.stats)?;
    if let Some(a) = annotations.as_mut() {
        a.resume_at(at.annotations_bytes)?;
    }
    let source = at.next_source;
    let origins = &first.learned.origins;
    let start = PassTwoStart {
        source,
        unit_no: first.learned.units_of[..source].iter().sum(),
        doc: origins.partition_point(|&(s, _)| (s as usize) < source) as DocId,
    };
    run.progress.note(&format!(
        "resuming the second pass at input {} of {} ({}), from {}",
        source + 1,
        run.sources().len(),
        run.sources()[source].display,
        run.work.path().display()
    ));
    Ok((stats, annotations, start))
}

/// The last checkpoint of the second pass that a killed run of the same
/// command left, if its results are all still there.
fn second_pass_checkpoint(
    run: &Run,
    annotations: Option<&mut ResultFile>,
) -> Result<Option<resume::SecondPass>> {
    if !run.work.second_pass_checkpointed() || !run.out.adopted() {
        return Ok(None);
    }
    let at = resume::load_second_pass(run.work.path())?;
    let annotations_there = match annotations {
        Some(a) => a.on_disk()? >= at.annotations_bytes,
        None => true,
    };
    Ok((annotations_there && at.next_source < run.sources().len()).then_some(at))
}

/// What the second pass made of one document.
struct Cleaned {
    source: usize,
    report: DocReport,
    /// For a JSONL record: its output line (`None` when dropped).
    jsonl_line: Option<Option<String>>,
    annotation: Option<String>,
}

/// What the second pass reads while it cleans documents.
struct PassTwo<'a> {
    sources: &'a [Source],
    config: &'a CleanConfig,
    index: &'a CorpusIndex,
    site_names: &'a KeyMap<String>,
    out: &'a OutputDir,
}

fn clean_unit(
    doc: Option<DocId>,
    unit: Unit,
    answers: Option<DocAnswers>,
    ctx: &PassTwo,
    name: &(impl Fn(DocId) -> DocName + Sync),
) -> Result<Option<Cleaned>> {
    let PassTwo {
        sources,
        config,
        index,
        site_names,
        out,
    } = *ctx;
    if matches!(unit, Unit::LeftOut { .. }) {
        return Ok(None);
    }
    let source = source_of(&unit) as usize;
    let loaded = read::load(unit, sources, &config.text_field);
    let changed = |location: String| Error::InputChanged { location };
    let (doc, loaded) = match (doc, loaded) {
        (None, Err(_)) => return Ok(None),
        (Some(doc), Ok(l)) => (doc, l),
        (Some(doc), Err(_)) => return Err(changed(name(doc).display())),
        (None, Ok(_)) => return Err(changed(sources[source].display.clone())),
    };
    let facts = index.facts(doc)?;
    if xxh3_64(loaded.text.as_bytes()) != facts.text_check {
        return Err(changed(name(doc).display()));
    }
    let site = site_names.get(&facts.site).cloned().unwrap_or_default();
    let Loaded { text, jsonl } = loaded;
    let lines = Lines::split_at_most(&text, index.rules().max_line_bytes);
    let answers = answers.unwrap_or_default();
    let decision: Decision = decide::decide(doc, &text, &lines, &facts, index, &answers)?;
    let mut kept = String::with_capacity(text.len());
    let dropped_terminator = decide::assemble(&text, &lines, &decision, &mut kept);
    let report = DocReport::new(
        &text,
        &lines,
        &facts.lines,
        &decision,
        kept.len(),
        dropped_terminator,
        site,
    );
    // The text is no longer needed; a very large record would otherwise
    // hold it alongside its line, its cleaned text and the new line.
    drop(text);
    let keep_doc = decision.status.is_kept();
    let jsonl_line = match jsonl {
        Some((line, record)) => {
            let new_line = keep_doc.then(|| {
                let mut s = String::with_capacity(line.len());
                jsonl::splice_text(&line, &record, &kept, &mut s);
                s.push('\n');
                s
            });
            Some(new_line)
        }
        None => {
            if keep_doc {
                let rel = &sources[source].out_rel;
                let path = out.staged(rel);
                let failed = |e| Error::io(out.shown(rel), e);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(failed)?;
                }
                fs::write(&path, kept.as_bytes()).map_err(failed)?;
            }
            None
        }
    };
    let annotation = config.annotate.is_some().then(|| {
        let cluster = index.near_docs().member(doc).map(|m| m.cluster);
        annotate::annotation_line(name(doc), cluster, &lines, &decision, name)
    });
    Ok(Some(Cleaned {
        source,
        report,
        jsonl_line,
        annotation,
    }))
}

/// The JSONL output files, opened in source order; every JSONL input gets its
/// output file, even when none of its records survive (but not one left out
/// of the run: an empty file would say that all its records were removed).
struct JsonlOutputs<'a> {
    sources: &'a [Source],
    /// The sources left out of the run (see [`changed_sources`]).
    left_out: &'a [Option<u64>],
    out: &'a OutputDir,
    /// Sources before this one are finished.
    cursor: usize,
    open: Option<(usize, CompressedWriter)>,
}

impl<'a> JsonlOutputs<'a> {
    /// The outputs of the sources from `first` on (those before are written).
    fn new(sources: &'a [Source], left_out: &'a [Option<u64>], out: &'a OutputDir, first: usize) -> Self {
        JsonlOutputs {
            sources,
            left_out,
            out,
            cursor: first,
            open: None,
        }
    }

    fn write(&mut self, source: usize, line: Option<&str>) -> Result<()> {
        self.advance_to(source)?;
        if let (Some((_, w)), Some(line)) = (self.open.as_mut(), line) {
            w.write_all(line.as_bytes())
                .map_err(|e| Error::io(self.out.shown(&self.sources[source].out_rel), e))?;
        }
        Ok(())
    }

    /// Finishes every source before `source` and opens `source`.
    fn advance_to(&mut self, source: usize) -> Result<()> {
        if matches!(self.open, Some((s, _)) if s == source) {
            return Ok(());
        }
        self.finish_before(source)?;
        if self.cursor == source && source < self.sources.len() {
            self.cursor += 1;
            self.open = self.create(source)?.map(|w| (source, w));
        }
        Ok(())
    }

    /// Finishes every source before `source`, the open one included.
    fn finish_before(&mut self, source: usize) -> Result<()> {
        self.close()?;
        while self.cursor < source.min(self.sources.len()) {
            let s = self.cursor;
            self.cursor += 1;
            self.open = self.create(s)?.map(|w| (s, w));
            self.close()?;
        }
        Ok(())
    }

    /// The output file of a JSONL source of the run, created.
    fn create(&self, s: usize) -> Result<Option<CompressedWriter>> {
        let (SourceKind::Jsonl(compression), None) = (self.sources[s].kind, self.left_out[s]) else {
            return Ok(None);
        };
        let rel = &self.sources[s].out_rel;
        let path = self.out.staged(rel);
        let failed = |e| Error::io(self.out.shown(rel), e);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(failed)?;
        }
        let file = fs::File::create(&path).map_err(failed)?;
        CompressedWriter::new(file, compression).map(Some).map_err(failed)
    }

    fn close(&mut self) -> Result<()> {
        if let Some((s, w)) = self.open.take() {
            w.finish()
                .map_err(|e| Error::io(self.out.shown(&self.sources[s].out_rel), e))?;
        }
        Ok(())
    }

    fn finish_all(&mut self) -> Result<()> {
        self.finish_before(self.sources.len())
    }
}
