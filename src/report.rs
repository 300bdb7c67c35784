//! The statistics of a run: every input line accounted for (kept, or removed
//! under exactly one reason), what was skipped and why, the lines removed most
//! often, and duplicate-document clusters. Documents are merged in corpus
//! order, so everything but `timings` is identical for any thread count.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::CleanConfig;
use crate::dataflow::Exchanges;
use crate::decide::{Decision, DocStatus, Label, Reason};
use crate::doc::{DocId, Lines};
use crate::fingerprint::LineFp;
use crate::near_docs::NearDocs;
use crate::read::Skip;
pub use crate::tally::{SiteChrome, TopLine};
use crate::tally::{Tallies, TalliesAt};
use crate::Result;

/// How many removed lines the stats list.
pub const TOP_LINES: usize = 20;
/// How many duplicate-document clusters the stats list.
pub const TOP_CLUSTERS: usize = 20;
/// How many sites the chrome summary lists, and lines per site.
pub const TOP_CHROME_SITES: usize = 50;
pub const TOP_CHROME_PER_SITE: usize = 10;
/// How many skipped inputs the stats list by name (all are counted).
pub const SKIP_EXAMPLES: usize = 100;
/// Removed lines are shown cut to this many characters.
const SAMPLE_CHARS: usize = 160;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub docs: u64,
    pub lines: u64,
    pub bytes: u64,
}

/// Documents read as text though they hold control bytes that are no white
/// space (a few stray NULs from a legacy system; more is binary data, see
/// [`crate::read::BINARY_CONTROL_SHARE`]): the bytes stay in the output and
/// are ignored for hashing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrayControl {
    pub docs: u64,
    pub bytes: u64,
}

/// Input lines longer than `--max-line-bytes`, and the pieces they were
/// judged in. Every other line count counts each piece as a line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LongLines {
    pub lines: u64,
    pub pieces: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonTotals {
    pub lines: u64,
    pub bytes: u64,
    /// Documents with at least one line removed for this reason.
    pub docs: u64,
}

/// What one document contributes to the stats; built by the worker that decided it.
#[derive(Debug, Default)]
pub struct DocReport {
    pub input: Totals,
    pub long_lines: LongLines,
    pub output: Totals,
    pub removed: BTreeMap<Reason, ReasonTotals>,
    /// Removed duplicate lines of this document: key, sample text, count.
    pub removed_lines: Vec<(u64, String, u64)>,
    /// The document's site, and its chrome lines (digit-masked key, text).
    pub site: String,
    pub chrome_lines: Vec<(u64, String)>,
    pub dup_of: Option<DocId>,
    /// Control bytes that are no white space in the text (see
    /// [`StrayControl`]).
    pub stray_control_bytes: u64,
}

impl DocReport {
    /// `out_bytes` is the length of the assembled output, `dropped_terminator`
    /// what [`Lines::assemble`] left off for a missing final newline.
    pub fn new(
        text: &str,
        lines: &Lines,
        fps: &[LineFp],
        decision: &Decision,
        out_bytes: usize,
        dropped_terminator: usize,
        site: String,
    ) -> DocReport {
        let mut r = DocReport {
            site,
            input: Totals {
                docs: 1,
                lines: lines.len() as u64,
                bytes: text.len() as u64,
            },
            long_lines: LongLines {
                lines: lines.long_lines as u64,
                pieces: lines.pieces as u64,
            },
            stray_control_bytes: crate::read::stray_control_bytes(text.as_bytes()) as u64,
            ..DocReport::default()
        };
        let kept = decision.status.is_kept();
        r.output = Totals {
            docs: u64::from(kept),
            lines: decision.labels.iter().filter(|l| l.is_kept()).count() as u64,
            bytes: out_bytes as u64,
        };
        for (i, label) in decision.labels.iter().enumerate() {
            let Label::Removed { reason, .. } = label else {
                continue;
            };
            let t = r.removed.entry(*reason).or_default();
            t.lines += 1;
            t.bytes += lines.line_bytes(i) as u64;
            t.docs = 1;
            if reason.is_line_duplicate() {
                let sample: String = lines.spans[i].content(text).chars().take(SAMPLE_CHARS).collect();
                r.removed_lines.push((fps[i].key, sample, 1));
            }
            if *reason == Reason::Chrome {
                let content = lines.spans[i].content(text);
                let key = xxhash_rust::xxh3::xxh3_64(crate::fingerprint::masked(content).as_bytes());
                r.chrome_lines
                    .push((key, content.chars().take(SAMPLE_CHARS).collect()));
            }
        }
        if let Some(cut) = decision.cut {
            let t = r.removed.entry(Reason::ChromeSuffix).or_default();
            t.bytes += (lines.spans[cut.line].end - cut.at) as u64;
            t.docs = 1;
        }
        // The terminator left off the output belongs to the removed last line.
        if dropped_terminator > 0 {
            if let Some(reason) = decision.labels.last().and_then(Label::reason) {
                r.removed.entry(reason).or_default().bytes += dropped_terminator as u64;
            }
        }
        // A document dropped whole takes its BOM (charged to line 1 already) with it;
        // a kept one writes its BOM, so line 1's share of it is output, not removal.
        if kept && lines.bom {
            if let Some(reason) = decision.labels.first().and_then(Label::reason) {
                r.removed.entry(reason).or_default().bytes -= 3;
            }
        }
        if lines.is_empty() && lines.bom && !kept {
            r.removed.entry(Reason::Empty).or_default().bytes += 3;
        }
        if let DocStatus::Empty = decision.status {
            r.removed.entry(Reason::Empty).or_default().docs = 1;
        }
        if let DocStatus::DupDoc { of } = decision.status {
            r.dup_of = Some(of);
        }
        r.chrome_lines.sort();
        r.chrome_lines.dedup_by(|a, b| a.0 == b.0);
        r.removed_lines.sort_by_key(|a| a.0);
        r.removed_lines.dedup_by(|later, first| {
            let same = later.0 == first.0;
            if same {
                first.2 += later.2;
            }
            same
        });
        r
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Cluster {
    /// Documents in the cluster: the kept one and its removed twins.
    pub size: u64,
    pub kept: String,
}

/// Clusters of near-duplicate documents (`--doc-dedup near`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct NearDupClusters {
    /// Distinct document pairs that shared an LSH bucket.
    pub candidate_pairs: u64,
    /// Of which verified (exact Jaccard similarity at the threshold).
    pub verified_pairs: u64,
    #[serde(flatten)]
    pub clusters: DupClusters,
}

impl NearDupClusters {
    pub fn of(near: &NearDocs, name: impl Fn(DocId) -> String) -> NearDupClusters {
        let sizes = near
            .clusters
            .iter()
            .map(|c| (c.kept, u64::from(c.size)))
            .collect();
        NearDupClusters {
            candidate_pairs: near.candidate_pairs,
            verified_pairs: near.verified_pairs,
            clusters: DupClusters::of(sizes, name),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DupClusters {
    pub clusters: u64,
    /// Cluster size → number of clusters of that size.
    pub size_histogram: BTreeMap<u64, u64>,
    /// The largest clusters (of equal size, the earlier kept document first).
    pub largest: Vec<Cluster>,
}

impl DupClusters {
    /// From each cluster's kept document and size.
    fn of(sizes: Vec<(DocId, u64)>, name: impl Fn(DocId) -> String) -> DupClusters {
        let mut clusters = DupClusters::default();
        for &(_, size) in &sizes {
            clusters.clusters += 1;
            *clusters.size_histogram.entry(size).or_default() += 1;
        }
        let mut largest = sizes;
        largest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        clusters.largest = largest
            .into_iter()
            .take(TOP_CLUSTERS)
            .map(|(doc, size)| Cluster {
                size,
                kept: name(doc),
            })
            .collect();
        clusters
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub total: u64,
    pub by_reason: BTreeMap<String, u64>,
    /// The first skipped inputs, in corpus order.
    pub examples: Vec<SkipExample>,
}

impl Skipped {
    pub fn add(&mut self, skip: &Skip) {
        self.total += 1;
        *self.by_reason.entry(skip.reason.kind().to_string()).or_default() += 1;
        if self.examples.len() < SKIP_EXAMPLES {
            self.examples.push(SkipExample {
                path: skip.path.clone(),
                line: skip.line,
                reason: skip.reason.to_string(),
            });
        }
    }

    /// Adds the skips of `later`, which all come after these in corpus order.
    pub fn extend(&mut self, later: Skipped) {
        self.total += later.total;
        for (reason, n) in later.by_reason {
            *self.by_reason.entry(reason).or_default() += n;
        }
        self.examples.extend(later.examples);
        self.examples.truncate(SKIP_EXAMPLES);
    }
}

/// A skipped input as the stats show it: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkipExample {
    pub path: String,
    /// 1-based line: of the JSONL record, or of the first bad byte in a text file.
    pub line: Option<u64>,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub threads: usize,
    /// Pass 1: reading, fingerprinting and indexing.
    pub fingerprint_index_s: f64,
    /// Of which adding to the index (overlapping the fingerprinting of the next batch).
    pub index_s: f64,
    /// Between the passes: near-duplicate documents.
    pub near_dup_docs_s: f64,
    /// Pass 2: deciding and writing.
    pub decide_write_s: f64,
    pub total_s: f64,
    pub mb_per_s: f64,
    /// Bytes the exchanges between stages wrote to spill files, and the
    /// most spill bytes on disk at once (0 when everything fit `--max-memory`).
    pub spilled_bytes: u64,
    pub peak_spill_bytes: u64,
    /// The most memory the process had resident at once (its high-water
    /// mark, read as the run ends; 0 where the system does not tell).
    pub peak_memory_bytes: u64,
}

/// Accumulates document reports in corpus order.
pub struct StatsBuilder {
    counts: Counts,
    /// The removed duplicate lines by key, and per site its chrome lines.
    tallies: Tallies,
}

/// What a [`StatsBuilder`] counts beside the tallies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Counts {
    input: Totals,
    long_lines: LongLines,
    stray_control: StrayControl,
    output: Totals,
    removed: BTreeMap<Reason, ReasonTotals>,
    cluster_sizes: BTreeMap<DocId, u64>,
    skipped: Skipped,
}

/// A [`StatsBuilder`] as [`StatsBuilder::persist`] left it, less the
/// tallies' records (in the work folder).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsAt {
    counts: Counts,
    tallies: TalliesAt,
}

impl Default for StatsBuilder {
    /// Stats whose tallies are held in memory, whatever their size.
    fn default() -> StatsBuilder {
        StatsBuilder::new(&Exchanges::in_memory())
    }
}

impl StatsBuilder {
    /// Stats whose tallies of removed lines go through `exchanges`.
    pub fn new(exchanges: &Exchanges) -> StatsBuilder {
        StatsBuilder {
            counts: Counts::default(),
            tallies: Tallies::new(exchanges),
        }
    }

    /// Sends the tallies of removed lines through `exchanges` from now on
    /// (before any document is added).
    pub fn tally_through(&mut self, exchanges: &Exchanges) {
        debug_assert!(self.counts.input.docs == 0);
        self.tallies = Tallies::new(exchanges);
    }

    /// Writes what was counted so far to the work folder of `exchanges`
    /// (see [`Tallies::persist`]); returns the rest, for
    /// [`StatsBuilder::reopen`].
    pub fn persist(&mut self) -> Result<StatsAt> {
        Ok(StatsAt {
            counts: self.counts.clone(),
            tallies: self.tallies.persist()?,
        })
    }

    /// The stats that [`StatsBuilder::persist`] left in the work folder of
    /// `exchanges` when it returned `at`.
    pub fn reopen(exchanges: &Exchanges, at: StatsAt) -> Result<StatsBuilder> {
        Ok(StatsBuilder {
            counts: at.counts,
            tallies: Tallies::reopen(exchanges, at.tallies)?,
        })
    }

    /// Ends a batch of documents (see [`Tallies::end_batch`]).
    pub fn end_batch(&mut self) -> Result<()> {
        self.tallies.end_batch()
    }

    pub fn add_doc(&mut self, r: DocReport) -> Result<()> {
        add_totals(&mut self.counts.input, r.input);
        self.counts.long_lines.lines += r.long_lines.lines;
        self.counts.long_lines.pieces += r.long_lines.pieces;
        self.counts.stray_control.docs += u64::from(r.stray_control_bytes > 0);
        self.counts.stray_control.bytes += r.stray_control_bytes;
        add_totals(&mut self.counts.output, r.output);
        let chrome_lines = r.removed.get(&Reason::Chrome).map_or(0, |t| t.lines);
        for (reason, t) in r.removed {
            let e = self.counts.removed.entry(reason).or_default();
            e.lines += t.lines;
            e.bytes += t.bytes;
            e.docs += t.docs;
        }
        for (key, sample, n) in r.removed_lines {
            self.tallies.add_line(key, &sample, n)?;
        }
        if let Some(of) = r.dup_of {
            *self.counts.cluster_sizes.entry(of).or_insert(1) += 1;
        }
        if !r.chrome_lines.is_empty() {
            self.tallies.add_site(&r.site, chrome_lines)?;
            for (key, sample) in r.chrome_lines {
                self.tallies.add_chrome(&r.site, key, &sample)?;
            }
        }
        Ok(())
    }

    pub fn add_skip(&mut self, skip: &Skip) {
        self.counts.skipped.add(skip);
    }

    /// Adds skips counted elsewhere (by a first pass that is resumed), which
    /// come after those added so far.
    pub fn add_skipped(&mut self, later: Skipped) {
        self.counts.skipped.extend(later);
    }

    pub fn skipped_total(&self) -> u64 {
        self.counts.skipped.total
    }

    /// The final stats. `name` gives a document's display name.
    pub fn finish(
        mut self,
        config: &CleanConfig,
        index_keys: usize,
        name: impl Fn(DocId) -> String,
    ) -> Result<Stats> {
        let mut removed = BTreeMap::new();
        for reason in Reason::ALL {
            removed.insert(
                reason.name(),
                self.counts.removed.get(&reason).copied().unwrap_or_default(),
            );
        }
        let top = self.tallies.top_lines(TOP_LINES)?;
        let chrome = self
            .tallies
            .chrome_by_site(TOP_CHROME_SITES, TOP_CHROME_PER_SITE)?;
        let clusters = DupClusters::of(self.counts.cluster_sizes.into_iter().collect(), name);
        Ok(Stats {
            textsieve_version: env!("CARGO_PKG_VERSION"),
            config: config.clone(),
            input: self.counts.input,
            long_lines: self.counts.long_lines,
            stray_control: self.counts.stray_control,
            output: self.counts.output,
            removed,
            skipped: self.counts.skipped,
            top_removed_lines: top,
            chrome_by_site: chrome,
            dup_doc_clusters: clusters,
            near_dup_doc_clusters: NearDupClusters::default(),
            index_keys: index_keys as u64,
            timings: Timings::default(),
        })
    }
}

fn add_totals(a: &mut Totals, b: Totals) {
    a.docs += b.docs;
    a.lines += b.lines;
    a.bytes += b.bytes;
}

/// The stats JSON. Invariant: `input.lines == output.lines + Σ removed[*].lines`,
/// and the same for bytes.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub textsieve_version: &'static str,
    pub config: CleanConfig,
    pub input: Totals,
    pub long_lines: LongLines,
    pub stray_control: StrayControl,
    pub output: Totals,
    pub removed: BTreeMap<&'static str, ReasonTotals>,
    pub skipped: Skipped,
    pub top_removed_lines: Vec<TopLine>,
    /// Chrome learned and removed, per site (the sites with most chrome first).
    pub chrome_by_site: Vec<SiteChrome>,
    pub dup_doc_clusters: DupClusters,
    pub near_dup_doc_clusters: NearDupClusters,
    /// Distinct line and pair keys in the corpus index.
    pub index_keys: u64,
    pub timings: Timings,
}

impl Stats {
    pub fn removed_lines(&self) -> u64 {
        self.removed.values().map(|t| t.lines).sum()
    }

    pub fn removed_bytes(&self) -> u64 {
        self.removed.values().map(|t| t.bytes).sum()
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
