//! Command-line definitions only: flags, help text and their mapping onto the
//! library's config. No logic beyond that lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use textsieve::config::{self, CleanConfig, InputArg};
use textsieve::synth;

#[derive(Parser, Debug)]
#[command(name = "textsieve", version, about = "Clean and deduplicate text corpora", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Remove repeated lines, duplicate blocks and duplicate documents; write the clean corpus and its stats.
    Clean(Box<CleanArgs>),
    /// Score a `clean --annotate` run against ground truth (e.g. from `textsieve synth`).
    Eval(EvalArgs),
    /// Write a synthetic news corpus with every defect labelled (DIR/corpus, DIR/truth.jsonl).
    Synth(SynthArgs),
}

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Approximate corpus size: 5MB, 200MB, 1GB (decimal) or MiB/GiB.
    #[arg(long, value_name = "SIZE", value_parser = synth::parse_size)]
    pub size: u64,
    /// Seed; the same seed, size, format and language give byte-identical output.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output folder.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// txt: one file per document under DIR/corpus/<site>/; jsonl: DIR/corpus/part-NNNNN.jsonl.
    #[arg(long, default_value = "txt")]
    pub format: synth::Format,
    /// fa, en, or mixed (each site one language).
    #[arg(long, default_value = "mixed")]
    pub lang: synth::Lang,
    /// Override an injection rate, e.g. --rate exact_dup_doc=0.1 (repeatable; see truth-stats.json for names).
    #[arg(long = "rate", value_name = "NAME=VALUE")]
    pub rates: Vec<String>,
}

impl SynthArgs {
    pub fn into_config(self) -> Result<synth::SynthConfig, String> {
        let mut rates = serde_json::to_value(synth::Rates::default()).map_err(|e| e.to_string())?;
        for r in &self.rates {
            let (name, value) = r
                .split_once('=')
                .ok_or_else(|| format!("--rate {r}: expected NAME=VALUE"))?;
            let value: f64 = value.parse().map_err(|_| format!("--rate {r}: not a number"))?;
            rates[name] = serde_json::json!(value);
        }
        let rates = serde_json::from_value(rates).map_err(|e| format!("--rate: {e}"))?;
        Ok(synth::SynthConfig {
            size_bytes: self.size,
            seed: self.seed,
            out_dir: self.output,
            format: self.format,
            lang: self.lang,
            rates,
        })
    }
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Ground truth: one JSON line per document with a label per line.
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
    /// The `--annotate` output of a `clean` run.
    #[arg(long, value_name = "FILE")]
    pub annotations: PathBuf,
    /// Also write the scores as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CleanArgs {
    /// Folders (read recursively), text files, or JSONL files (.jsonl, .jsonl.gz, .jsonl.zst); '-' reads JSONL from stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output folder; mirrors the inputs' layout. Replaced if a previous textsieve run wrote it.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Which files of an input folder to read (glob on the path inside the folder; repeatable).
    #[arg(long, value_name = "GLOB", default_value = config::DEFAULT_INCLUDE)]
    pub include: Vec<String>,
    /// JSONL field that holds the text; other fields are copied untouched.
    #[arg(long, value_name = "NAME", default_value = config::DEFAULT_TEXT_FIELD)]
    pub text_field: String,
    /// Lines with fewer normalized characters are removed as duplicates only within a repeated block of 2+ lines.
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_MIN_LINE_CHARS)]
    pub min_line_chars: usize,
    /// A longer line is judged in pieces of at most N bytes, cut after white space; kept pieces are written back unchanged.
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
    /// Words per shingle for the near-duplicate rules.
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_SHINGLE)]
    pub shingle: usize,
    /// Share of a line's shingles found elsewhere that makes it a near duplicate.
    #[arg(long, value_name = "F", default_value_t = config::DEFAULT_CONTAINMENT)]
    pub containment: f64,
    /// A line (or notice, or a title's site name) is evidence of site template when this many documents of its site hold it.
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_CHROME_MIN_DOCS)]
    pub chrome_min_docs: u32,
    /// Where a document's site comes from: auto (first folder under an input folder, or the host of a JSONL url/source field), folder, field:NAME, none.
    #[arg(long, value_name = "FROM", default_value = "auto")]
    pub site_from: config::SiteFrom,
    /// Rules to run, comma-separated: all, dedup (every duplicate rule), chrome (chrome lines and glued suffixes), or reason names (dup_doc, near_dup_doc, chrome_suffix (the suffixes alone), repeat_in_doc, near_repeat_in_doc, dup_across_docs, near_dup_across_docs).
    #[arg(long, value_name = "LIST", default_value = "all")]
    pub rules: textsieve::reason::RuleSet,
    /// Documents removed whole before the line rules: exact (same normalized text), near (also MinHash near duplicates), off.
    #[arg(long, value_name = "MODE", default_value = "near")]
    pub doc_dedup: config::DocDedup,
    /// LSH bands of the document signature (bands × rows MinHash values).
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_BANDS)]
    pub bands: usize,
    /// Rows per LSH band.
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_ROWS)]
    pub rows: usize,
    /// Resemblance of two documents' shingle sets (the share of the smaller found in the larger, at most twice its size) from which one is a near duplicate of the other.
    #[arg(long, value_name = "F", default_value_t = config::DEFAULT_DOC_THRESHOLD)]
    pub doc_threshold: f64,
    /// Which document of a near-duplicate cluster is kept: first (in corpus order) or longest.
    #[arg(long, value_name = "WHICH", default_value = "first")]
    pub keep: config::Keep,
    /// Worker threads (default: one per core). Output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Memory for the run, e.g. 2GB or 1GiB [default: half of physical memory]; the exchanges between stages spill to --work-dir past half of it. Output does not depend on it.
    #[arg(long, value_name = "SIZE", value_parser = synth::parse_size)]
    pub max_memory: Option<u64>,
    /// Folder for spill files and resume state [default: inside the staging folder beside OUT, removed when the run ends]. With a DIR, a killed run resumes from it when the same command runs again (after the first pass, or after the last checkpoint the first pass wrote, every five minutes); it is removed on success.
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Partitions of the exchanges between stages [default: from the input size and --max-memory]. Output does not depend on it.
    #[arg(long, value_name = "N")]
    pub partitions: Option<u32>,
    /// Where to write the stats JSON [default: OUT/stats.json].
    #[arg(long, value_name = "FILE")]
    pub stats: Option<PathBuf>,
    /// Write every removed span with reason and provenance, one JSON line per document.
    #[arg(long, value_name = "FILE.jsonl")]
    pub annotate: Option<PathBuf>,
    /// Fail (exit 2) on the first bad input instead of skipping and counting it.
    #[arg(long)]
    pub strict: bool,
    /// No progress bars, warnings or summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

impl CleanArgs {
    pub fn into_config(self) -> CleanConfig {
        let inputs = self
            .inputs
            .into_iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    InputArg::Stdin
                } else {
                    InputArg::Path(p)
                }
            })
            .collect();
        let mut c = CleanConfig::new(inputs, self.output);
        c.include = self.include;
        c.text_field = self.text_field;
        c.min_line_chars = self.min_line_chars;
        c.max_line_bytes = self.max_line_bytes;
        c.shingle = self.shingle;
        c.containment = self.containment;
        c.chrome_min_docs = self.chrome_min_docs;
        c.site_from = self.site_from;
        c.rules = self.rules;
        c.docs = config::DocRules {
            doc_dedup: self.doc_dedup,
            bands: self.bands,
            rows: self.rows,
            doc_threshold: self.doc_threshold,
            keep: self.keep,
        };
        if let Some(s) = self.stats {
            c.stats = s;
        }
        c.annotate = self.annotate;
        c.strict = self.strict;
        c.quiet = self.quiet;
        c.threads = self.threads.unwrap_or(0);
        c.max_memory = self.max_memory;
        c.work_dir = self.work_dir;
        c.partitions = self.partitions;
        c
    }
}
