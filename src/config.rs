//! The one place where the options of a run and their defaults live. The CLI
//! builds a [`CleanConfig`]; the library never sees a CLI type. The config is
//! echoed in the stats so a result can be traced to the settings that made it.

use std::path::PathBuf;

use serde::Serialize;

use crate::reason::{Reason, RuleSet};

/// Default for `--include`: the files of an input folder that are read.
pub const DEFAULT_INCLUDE: &str = "*.txt";
/// Default for `--text-field`: where a JSONL record keeps its text.
pub const DEFAULT_TEXT_FIELD: &str = "text";
/// Default for `--min-line-chars`. A line with fewer normalized characters is
/// "short": short lines ("He said:", "Photo", a date) recur across unrelated
/// documents, so they are removed only as part of a repeated block of 2+ lines.
pub const DEFAULT_MIN_LINE_CHARS: usize = 30;
/// Default for `--max-line-bytes`: a longer line is judged in pieces of at
/// most this many bytes (1 MiB; a news paragraph is a few KB, so only
/// flattened dumps and embedded blobs reach it). It bounds the work and
/// memory spent on one line.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;
/// The smallest `--max-line-bytes`: a piece must hold a few words.
pub const MIN_MAX_LINE_BYTES: usize = 64;
/// Default for `--shingle`: words per shingle for near-duplicate detection.
pub const DEFAULT_SHINGLE: usize = 5;
/// Default for `--containment`: the share of a line's shingles that must occur
/// in another line (or in earlier documents) for it to be a near duplicate.
pub const DEFAULT_CONTAINMENT: f64 = 0.8;
/// Default for `--chrome-min-docs`: a line (digits masked when short) is
/// evidence of site template when this many documents of its site hold it.
pub const DEFAULT_CHROME_MIN_DOCS: u32 = 3;
/// One shingle in this many (by hash) goes into the corpus-wide table of first
/// occurrences, which finds the candidate sources of a near duplicate; the
/// same shingles are sampled in every document.
pub const SHINGLE_SAMPLE: u32 = 2;
/// A line needs at least this many shingles to be judged a near duplicate
/// across documents (14 words at the default size: with fewer, a generic
/// sentence matches an earlier document by chance).
pub const MIN_SHINGLES: usize = 10;
/// The share of sampled shingles a line may miss in earlier documents, above
/// `1 - containment`, before its candidate sources are still verified: the
/// sample's share is an estimate, the verification is exact.
pub const SAMPLE_SLACK: f64 = 0.15;
/// Sampled shingles seen before that are enough to name a line's likely
/// near-duplicate sources: looking up stops there.
pub const MAX_HITS: usize = 16;
/// A line with fewer words between two lines copied from one earlier document
/// is a stub of the copied block and goes with it.
pub const STUB_MAX_WORDS: usize = 20;
/// Lines at each edge of a document that count as its head or tail for chrome.
pub const EDGE_LINES: usize = 8;
/// Default for `--bands` and `--rows`: the MinHash signature of a document has
/// bands × rows values; two documents are compared when all the rows of one
/// band agree. With 28 × 4 a pair of Jaccard similarity s is compared with
/// probability 1 - (1 - s^4)^28: 1.00 at 0.8, 0.98 at 0.6 (a copy that lost
/// a paragraph of 40% of its text), 0.84 at 0.5, 0.04 at 0.2. (14 × 8, the
/// same 112 values, compares 0.56 at 0.7 and 0.07 at 0.5: it misses most
/// copies that lost a paragraph.)
pub const DEFAULT_BANDS: usize = 28;
pub const DEFAULT_ROWS: usize = 4;
/// Default for `--doc-threshold`: the [`crate::minhash::resemblance`] of two
/// documents' shingle sets from which the later (or shorter) one is a near
/// duplicate.
pub const DEFAULT_DOC_THRESHOLD: f64 = 0.8;
/// A document needs at least this many distinct shingles to be compared as a
/// near duplicate (a few sentences; shorter texts are alike by chance).
pub const MIN_DOC_SHINGLES: usize = 20;

/// The fewest partitions an exchange is cut into by default (the reduce
/// stages run partitions in parallel).
pub const DEFAULT_PARTITIONS: u32 = 64;
/// The most partitions `--partitions` takes.
pub const MAX_PARTITIONS: u32 = 65_536;

/// Default for `--max-memory`: half of physical memory (4 GB where it
/// cannot be read).
pub fn default_max_memory() -> u64 {
    let total_kb = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    });
    total_kb.map_or(4_000_000_000, |kb| kb * 1024 / 2)
}

/// Name of the default stats file inside the output folder.
pub const STATS_FILE_NAME: &str = "stats.json";
/// Marker file written into every output folder. Its presence is what allows a
/// later run to replace that folder; any other non-empty folder is refused.
pub const OUTPUT_MARKER: &str = ".textsieve-output";
/// Output name used for JSONL read from standard input.
pub const STDIN_OUTPUT_NAME: &str = "stdin.jsonl";

/// Where a document's site comes from (chrome is learned per site).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteFrom {
    /// The first folder under an input folder, or for JSONL the host of a
    /// `url` or `source` field.
    Auto,
    /// The first folder level under an input folder.
    Folder,
    /// A JSONL field (its host when it is a URL).
    Field(String),
    /// One site for the whole corpus.
    None,
}

impl std::str::FromStr for SiteFrom {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(SiteFrom::Auto),
            "folder" => Ok(SiteFrom::Folder),
            "none" => Ok(SiteFrom::None),
            _ => match s.strip_prefix("field:") {
                Some(f) if !f.is_empty() => Ok(SiteFrom::Field(f.to_string())),
                _ => Err(format!("{s}: expected auto, folder, field:NAME or none")),
            },
        }
    }
}

/// Which duplicate documents are removed whole (before any line rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocDedup {
    /// Documents with the same normalized text only.
    Exact,
    /// Also near duplicates: MinHash LSH candidates verified by exact Jaccard similarity.
    Near,
    /// None: duplicate documents are left to the line rules.
    Off,
}

/// Which document of a near-duplicate cluster is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// The first in corpus order.
    First,
    /// The longest (most bytes; the first of equals).
    Longest,
}

impl std::str::FromStr for DocDedup {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "exact" => Ok(DocDedup::Exact),
            "near" => Ok(DocDedup::Near),
            "off" => Ok(DocDedup::Off),
            _ => Err(format!("{s}: expected exact, near or off")),
        }
    }
}

impl std::str::FromStr for Keep {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "first" => Ok(Keep::First),
            "longest" => Ok(Keep::Longest),
            _ => Err(format!("{s}: expected first or longest")),
        }
    }
}

/// How documents are deduplicated whole.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DocRules {
    pub doc_dedup: DocDedup,
    pub bands: usize,
    pub rows: usize,
    pub doc_threshold: f64,
    pub keep: Keep,
}

impl Default for DocRules {
    fn default() -> DocRules {
        DocRules {
            doc_dedup: DocDedup::Near,
            bands: DEFAULT_BANDS,
            rows: DEFAULT_ROWS,
            doc_threshold: DEFAULT_DOC_THRESHOLD,
            keep: Keep::First,
        }
    }
}

impl DocRules {
    /// Values per signature.
    pub fn signature_len(&self) -> usize {
        self.bands * self.rows
    }
}

/// One positional input as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum InputArg {
    /// A folder, a text file or a JSONL file.
    Path(PathBuf),
    /// `-`: JSONL on standard input.
    #[serde(serialize_with = "serialize_stdin")]
    Stdin,
}

fn serialize_stdin<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("-")
}

/// Settings of `textsieve clean`.
#[derive(Clone, Debug, Serialize)]
pub struct CleanConfig {
    pub inputs: Vec<InputArg>,
    pub output: PathBuf,
    /// Globs matched against paths relative to an input folder.
    pub include: Vec<String>,
    pub text_field: String,
    pub min_line_chars: usize,
    /// Lines longer than this many bytes are judged in pieces.
    pub max_line_bytes: usize,
    /// Words per shingle.
    pub shingle: usize,
    /// Containment threshold of the near-duplicate rules, in (0, 1].
    pub containment: f64,
    pub chrome_min_docs: u32,
    pub site_from: SiteFrom,
    #[serde(flatten)]
    pub docs: DocRules,
    /// The rules that run (`--rules`; all by default).
    pub rules: RuleSet,
    /// Where the stats JSON goes (`OUT/stats.json` unless set).
    pub stats: PathBuf,
    pub annotate: Option<PathBuf>,
    /// Fail (exit 2) on the first bad input instead of skipping it.
    pub strict: bool,
    /// Worker threads; 0 means one per core. Not echoed: results never depend on it.
    #[serde(skip)]
    pub threads: usize,
    /// No progress bars and no summary on stderr.
    #[serde(skip)]
    pub quiet: bool,
    /// Memory for the whole run (see [`CleanConfig::exchange_budget`]);
    /// `None`: half of physical memory. Not echoed: results never depend on it.
    #[serde(skip)]
    pub max_memory: Option<u64>,
    /// Where spill files go; `None`: inside the staging folder beside OUT.
    #[serde(skip)]
    pub work_dir: Option<PathBuf>,
    /// Partitions of the exchanges; `None`: chosen from the input size and
    /// the memory. Not echoed: results never depend on it.
    #[serde(skip)]
    pub partitions: Option<u32>,
}

impl CleanConfig {
    /// A config with every default set, for the given inputs and output folder.
    pub fn new(inputs: Vec<InputArg>, output: PathBuf) -> CleanConfig {
        let stats = output.join(STATS_FILE_NAME);
        CleanConfig {
            inputs,
            output,
            include: vec![DEFAULT_INCLUDE.to_string()],
            text_field: DEFAULT_TEXT_FIELD.to_string(),
            min_line_chars: DEFAULT_MIN_LINE_CHARS,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            shingle: DEFAULT_SHINGLE,
            containment: DEFAULT_CONTAINMENT,
            chrome_min_docs: DEFAULT_CHROME_MIN_DOCS,
            site_from: SiteFrom::Auto,
            docs: DocRules::default(),
            rules: RuleSet::all(),
            stats,
            annotate: None,
            strict: false,
            threads: 0,
            quiet: false,
            max_memory: None,
            work_dir: None,
            partitions: None,
        }
    }

    /// The memory the run may use: `--max-memory`, or half of physical memory.
    pub fn memory(&self) -> u64 {
        self.max_memory.unwrap_or_else(default_max_memory)
    }

    /// The bytes of records the exchanges between stages and the document
    /// store may hold in memory before they spill: half of
    /// [`CleanConfig::memory`] (the rest is for the batches being read,
    /// decided and written, and the per-document arrays).
    pub fn exchange_budget(&self) -> u64 {
        self.memory() / 2
    }

    /// Bytes of input per batch (see [`crate::read::batches::batch_bytes`]).
    pub fn batch_bytes(&self) -> u64 {
        crate::read::batches::batch_bytes(self.memory())
    }

    /// The partitions of each keyed exchange: `--partitions`, or enough
    /// that the records of one partition (about 1.6 bytes a byte of input,
    /// measured on news text) fit a quarter of the exchange budget shared
    /// by the threads (each reduces a partition at a time, with a table
    /// about twice its records), at least [`DEFAULT_PARTITIONS`].
    pub fn partitions_for(&self, input_bytes: u64) -> u32 {
        self.partitions.unwrap_or_else(|| {
            let records = input_bytes.saturating_mul(3) / 2;
            let threads = match self.threads {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                n => n,
            };
            let per_partition = (self.exchange_budget() / 4 / threads as u64).max(1);
            let wanted = records.div_ceil(per_partition).next_power_of_two();
            wanted.clamp(u64::from(DEFAULT_PARTITIONS), u64::from(MAX_PARTITIONS)) as u32
        })
    }

    /// The parameters the rules read, in both passes.
    pub fn rules(&self) -> Rules {
        Rules {
            min_line_chars: self.min_line_chars,
            max_line_bytes: self.max_line_bytes,
            shingle: self.shingle,
            containment: self.containment,
            chrome_min_docs: self.chrome_min_docs,
            docs: DocRules {
                doc_dedup: self.doc_dedup(),
                ..self.docs
            },
            run: self.rules,
        }
    }

    /// Which documents are removed whole: `--doc-dedup`, unless `--rules`
    /// leaves out `near_dup_doc` (exact at most) or `dup_doc` (off).
    pub fn doc_dedup(&self) -> DocDedup {
        match self.docs.doc_dedup {
            _ if !self.rules.runs(Reason::DupDoc) => DocDedup::Off,
            DocDedup::Near if !self.rules.runs(Reason::NearDupDoc) => DocDedup::Exact,
            d => d,
        }
    }

    /// Checks what can be checked without touching the file system.
    pub fn validate(&self) -> crate::Result<()> {
        let fail = |m: &str| Err(crate::Error::Config(m.to_string()));
        if self.inputs.is_empty() {
            return fail("no input given");
        }
        if self.rules.runs(Reason::NearDupDoc) && !self.rules.runs(Reason::DupDoc) {
            return fail("--rules: near_dup_doc needs dup_doc (exact copies are found first)");
        }
        if self.inputs.iter().filter(|i| **i == InputArg::Stdin).count() > 1 {
            return fail("standard input ('-') can be given only once");
        }
        if self.include.is_empty() {
            return fail("--include needs at least one glob");
        }
        if self.text_field.is_empty() {
            return fail("--text-field must not be empty");
        }
        if self.min_line_chars == 0 {
            return fail("--min-line-chars must be at least 1");
        }
        if self.max_line_bytes < MIN_MAX_LINE_BYTES {
            return fail(&format!("--max-line-bytes must be at least {MIN_MAX_LINE_BYTES}"));
        }
        if !(1..=16).contains(&self.shingle) {
            return fail("--shingle must be between 1 and 16 words");
        }
        if !(self.containment > 0.0 && self.containment <= 1.0) {
            return fail("--containment must be in (0, 1]");
        }
        if self.chrome_min_docs < 2 {
            return fail("--chrome-min-docs must be at least 2");
        }
        if self.docs.bands == 0 || self.docs.rows == 0 || self.docs.signature_len() > 1024 {
            return fail("--bands and --rows must be at least 1, with bands × rows at most 1024");
        }
        if !(self.docs.doc_threshold > 0.0 && self.docs.doc_threshold <= 1.0) {
            return fail("--doc-threshold must be in (0, 1]");
        }
        if self.output.as_os_str().is_empty() {
            return fail("--output must not be empty");
        }
        if self.max_memory == Some(0) {
            return fail("--max-memory must be more than 0");
        }
        if self
            .partitions
            .is_some_and(|p| !(1..=MAX_PARTITIONS).contains(&p))
        {
            return fail(&format!("--partitions must be between 1 and {MAX_PARTITIONS}"));
        }
        Ok(())
    }
}

/// What the decision rules need to know of the configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rules {
    pub min_line_chars: usize,
    pub max_line_bytes: usize,
    pub shingle: usize,
    pub containment: f64,
    pub chrome_min_docs: u32,
    /// With the `doc_dedup` that the rules that run leave.
    pub docs: DocRules,
    /// The rules that run.
    pub run: RuleSet,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            min_line_chars: DEFAULT_MIN_LINE_CHARS,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            shingle: DEFAULT_SHINGLE,
            containment: DEFAULT_CONTAINMENT,
            chrome_min_docs: DEFAULT_CHROME_MIN_DOCS,
            docs: DocRules::default(),
            run: RuleSet::all(),
        }
    }
}
