//! `textsieve eval`: score a `clean --annotate` run against the ground truth
//! written by the synthetic-corpus generator.
//!
//! The truth file has one JSON object per document with one label per line;
//! the annotation file has one JSON object per document with the removed spans
//! (see "Annotations" in the README). Every line whose truth label is not
//! `blank` is scored: it is predicted removed when it falls in any removed
//! span, whatever the span's reason, and predicted kept otherwise. A document
//! without annotation counts as "nothing removed".

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::decide::Reason;

/// Truth labels, in report order. Index 0 is `keep`, 1 is `blank` (unscored),
/// the rest are removal reasons.
const LABELS: [&str; 9] = [
    "keep",
    "blank",
    "repeat_in_doc",
    "near_repeat_in_doc",
    "dup_across_docs",
    "near_dup_across_docs",
    "chrome",
    "dup_doc",
    "near_dup_doc",
];
const KEEP: u8 = 0;
const BLANK: u8 = 1;

/// Report order of predicted reasons; reasons not listed come after, by name.
const PREDICTED_ORDER: [&str; 9] = [
    "repeat_in_doc",
    "near_repeat_in_doc",
    "dup_across_docs",
    "near_dup_across_docs",
    "chrome",
    "dup_doc",
    "near_dup_doc",
    "blank",
    "empty",
];

/// Column name for lines no span removes.
pub const KEPT: &str = "kept";

/// How many documents each worst-offender list holds.
const WORST: usize = 10;

/// An error reading or matching the truth and annotation files.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line that is not valid JSON or lacks a required field.
    #[error("{}:{line}: {source}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    /// Well-formed JSON with content that makes no sense (unknown label, bad span, ...).
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// Truth and annotation disagree on a document's number of lines.
    #[error(
        "{}:{line}: document {doc}: the truth has {truth_lines} lines, the annotation says {annotated_lines}",
        path.display()
    )]
    LineCount {
        /// The annotation file and line.
        path: PathBuf,
        line: usize,
        /// The document, as named in the truth (`path` or `path:record`).
        doc: String,
        truth_lines: usize,
        annotated_lines: usize,
    },
}

/// Counts of documents on both sides and how they matched.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DocCounts {
    pub truth: u64,
    pub annotated: u64,
    pub matched: u64,
    /// Truth documents with no annotation (scored as "nothing removed").
    pub truth_without_annotation: u64,
    /// Annotations naming no truth document (not scored).
    pub annotations_without_truth: u64,
    /// Up to 5 annotation paths (with `:record`) that matched no truth document.
    pub unmatched_examples: Vec<String>,
}

/// Line counts outside the scores.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LineCounts {
    pub total: u64,
    pub scored: u64,
    /// Truth `blank` lines: not scored.
    pub blank: u64,
    /// Truth `blank` lines that fall in a removed span (not scored either).
    pub blank_removed: u64,
}

/// Line-level scores where "positive" means "removed".
///
/// Precision and recall define 0/0 as 1.0: a run that removes nothing has
/// precision 1, and a truth with nothing to remove gives recall 1. F1 is 0
/// when precision + recall is 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Overall {
    /// Truth removes, run removes.
    pub tp: u64,
    /// Truth keeps, run removes.
    pub fp: u64,
    /// Truth removes, run keeps.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// Truth keeps, run keeps.
    pub tn: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Recall for one truth removal reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TruthReasonScore {
    pub reason: String,
    pub lines: u64,
    /// Lines removed by the run, for any reason.
    pub removed: u64,
    /// `removed / lines` (1.0 when 0/0).
    pub recall: f64,
}

/// Precision for one predicted reason, over scored lines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PredictedReasonScore {
    pub reason: String,
    pub lines: u64,
    /// Lines the truth removes, for any reason.
    pub truth_remove: u64,
    /// `truth_remove / lines` (1.0 when 0/0).
    pub precision: f64,
}

/// Byte figures for the wrongly removed (FP) and missed (FN) lines.
///
/// Exact when the truth gives `line_bytes`. Otherwise a line's size comes
/// from the annotation byte ranges: a span's (or a gap between spans') bytes
/// spread evenly over its lines, which makes the figure `approximate`; lines
/// after the last span of a document have no known size.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ByteScores {
    pub wrongly_removed: u64,
    pub missed: u64,
    /// FN lines whose size is unknown (not counted in `missed`).
    pub missed_unknown_lines: u64,
    /// Some figure includes an evenly spread estimate.
    pub approximate: bool,
}

/// A count of lines with a given truth label and predicted reason (or `kept`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinePair {
    pub truth: String,
    pub predicted: String,
    pub lines: u64,
}

/// A document's errors, for the worst-offender lists.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocErrors {
    /// The truth path (relative to the corpus directory).
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    pub fp_lines: u64,
    pub fn_lines: u64,
    /// FP and FN lines by truth label and predicted reason, most first.
    pub errors: Vec<LinePair>,
}

impl DocErrors {
    fn name(&self) -> String {
        doc_name(&self.path, self.record)
    }
}

/// The result of `evaluate`; serialized as the `--json` output.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalReport {
    pub truth_file: String,
    pub annotation_file: String,
    pub documents: DocCounts,
    pub lines: LineCounts,
    pub overall: Overall,
    /// Truth removal reasons present in the truth, in label order.
    pub per_truth_reason: Vec<TruthReasonScore>,
    /// Reasons the run used on scored lines.
    pub per_predicted_reason: Vec<PredictedReasonScore>,
    /// Documents removed whole, scored as documents: a truth document has a
    /// whole-document reason when every scored line has it; the prediction
    /// is the annotation's `status`.
    pub per_document_reason: Vec<DocumentReasonScore>,
    /// Near copies of other documents that the truth removes whole, by how
    /// they were made (when the truth says), and how many the run removed.
    pub per_copy_kind: Vec<CopyKindScore>,
    /// Glued chrome phrases (`chrome_suffix`), by document: `both` counts
    /// the cuts made where the truth's phrase starts.
    pub glued_phrases: DocumentReasonScore,
    /// Scored lines: truth label → predicted reason (or `kept`) → count.
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
    pub bytes: ByteScores,
    /// Up to 10 documents with most FP lines.
    pub worst_fp: Vec<DocErrors>,
    /// Up to 10 documents with most FN lines.
    pub worst_fn: Vec<DocErrors>,
}

#[derive(Deserialize)]
struct TruthIn {
    path: String,
    #[serde(default)]
    record: Option<u64>,
    labels: Vec<String>,
    #[serde(default)]
    line_bytes: Option<Vec<u64>>,
    /// For a near copy of another document: how it was made.
    #[serde(default)]
    copy: Option<String>,
    /// Where a glued chrome phrase starts (a byte offset into the text).
    #[serde(default)]
    cut: Option<u64>,
}

#[derive(Deserialize)]
struct AnnotationIn {
    path: String,
    #[serde(default)]
    record: Option<u64>,
    lines: usize,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    removed: Vec<SpanIn>,
}

#[derive(Deserialize)]
struct SpanIn {
    reason: String,
    lines: [u64; 2],
    #[serde(default)]
    bytes: Option<[u64; 2]>,
}

struct TruthDoc {
    path: String,
    record: Option<u64>,
    labels: Vec<u8>,
    line_bytes: Option<Vec<u64>>,
    copy: Option<String>,
    cut: Option<u64>,
    /// Line of the annotation file that matched it.
    matched: Option<usize>,
}

/// A validated span: 0-based first and last line, predicted reason id, bytes.
struct Span {
    first: usize,
    last: usize,
    reason: u16,
    bytes: Option<[u64; 2]>,
}

/// Truth document index by (normalized path, record).
type TruthIndex = HashMap<(String, Option<u64>), usize>;

/// A line's size and whether it is exact.
type LineSize = Option<(u64, bool)>;

/// Per-document errors while scoring: truth doc index, FP, FN, pairs.
type RawDocErrors = (usize, u64, u64, HashMap<(u8, Option<u16>), u64>);

/// Precision and recall of one whole-document reason, by documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DocumentReasonScore {
    pub reason: String,
    pub truth: u64,
    pub predicted: u64,
    pub both: u64,
    pub precision: f64,
    pub recall: f64,
}

/// Near copies of one kind: how many were removed whole.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CopyKindScore {
    pub kind: String,
    pub copies: u64,
    pub removed: u64,
    pub recall: f64,
}

/// Reasons that remove a whole document.
const DOCUMENT_REASONS: [&str; 2] = ["dup_doc", "near_dup_doc"];

#[derive(Default)]
struct Scorer {
    /// Per whole-document reason: truth, predicted and both counts.
    documents: [(u64, u64, u64); DOCUMENT_REASONS.len()],
    /// Per kind of near copy: copies, and those removed whole.
    copies: BTreeMap<String, (u64, u64)>,
    /// Glued chrome phrases: in the truth, cut, and cut where the truth's start.
    cuts: (u64, u64, u64),
    /// Predicted reason names, by id.
    reasons: Vec<String>,
    reason_ids: HashMap<String, u16>,
    /// Scored lines by (truth label, predicted reason).
    confusion: HashMap<(u8, Option<u16>), u64>,
    lines: LineCounts,
    bytes: ByteScores,
    docs_with_errors: Vec<RawDocErrors>,
}

/// Path components joined by "/", without empty and "." components.
fn normalize(path: &str) -> String {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn doc_name(path: &str, record: Option<u64>) -> String {
    match record {
        Some(r) => format!("{path}:{r}"),
        None => path.to_string(),
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

fn open(path: &Path) -> Result<BufReader<File>, EvalError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Calls `f` with the 1-based number and text of each non-blank line.
fn for_each_line(
    path: &Path,
    mut f: impl FnMut(usize, &str) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let mut reader = open(path)?;
    let mut buf = String::new();
    let mut n = 0;
    loop {
        buf.clear();
        let read = reader.read_line(&mut buf).map_err(|source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        if !buf.trim().is_empty() {
            f(n, &buf)?;
        }
    }
}

/// One JSON line of `path` (line `n`), or an error naming both.
fn parse_line<'a, T: serde::Deserialize<'a>>(path: &Path, n: usize, text: &'a str) -> Result<T, EvalError> {
    serde_json::from_str(text).map_err(|source| EvalError::Json {
        path: path.to_path_buf(),
        line: n,
        source,
    })
}

fn read_truth(path: &Path) -> Result<(Vec<TruthDoc>, TruthIndex), EvalError> {
    let mut docs = Vec::new();
    let mut index = HashMap::new();
    let invalid = |line, message| EvalError::Invalid {
        path: path.to_path_buf(),
        line,
        message,
    };
    for_each_line(path, |n, text| {
        let t: TruthIn = parse_line(path, n, text)?;
        let mut labels = Vec::with_capacity(t.labels.len());
        for l in &t.labels {
            match LABELS.iter().position(|k| k == l) {
                Some(i) => labels.push(i as u8),
                None => return Err(invalid(n, format!("unknown truth label {l:?}"))),
            }
        }
        if let Some(lb) = &t.line_bytes {
            if lb.len() != labels.len() {
                let msg = format!("{} line_bytes for {} labels", lb.len(), labels.len());
                return Err(invalid(n, msg));
            }
        }
        let key = (normalize(&t.path), t.record);
        if index.contains_key(&key) {
            return Err(invalid(
                n,
                format!("document {} appears twice", doc_name(&key.0, key.1)),
            ));
        }
        index.insert(key.clone(), docs.len());
        docs.push(TruthDoc {
            path: key.0,
            record: key.1,
            labels,
            line_bytes: t.line_bytes,
            copy: t.copy,
            cut: t.cut,
            matched: None,
        });
        Ok(())
    })?;
    Ok((docs, index))
}

/// The truth document an annotation path names: the longest component suffix
/// of `path` that is a truth path with the same record.
fn find_truth(
    index: &HashMap<(String, Option<u64>), usize>,
    path: &str,
    record: Option<u64>,
) -> Option<usize> {
    let norm = normalize(path);
    let mut key = (norm.clone(), record);
    if let Some(&i) = index.get(&key) {
        return Some(i);
    }
    for (pos, _) in norm.match_indices('/') {
        key.0.clear();
        key.0.push_str(&norm[pos + 1..]);
        if let Some(&i) = index.get(&key) {
            return Some(i);
        }
    }
    None
}

/// Splits `total` bytes evenly over `lines` lines (the first ones get the remainder).
fn spread(sizes: &mut [LineSize], total: u64) {
    let n = sizes.len() as u64;
    let exact = n == 1;
    for (k, s) in sizes.iter_mut().enumerate() {
        *s = Some((total / n + u64::from((k as u64) < total % n), exact));
    }
}

/// Each line's size: from the truth `line_bytes` or else estimated from spans.
fn line_sizes(doc: &TruthDoc, spans: &[Span]) -> Vec<LineSize> {
    let n = doc.labels.len();
    if let Some(lb) = &doc.line_bytes {
        return lb.iter().map(|&b| Some((b, true))).collect();
    }
    // bounds[k]: byte offset where line k (0-based) starts / line k-1 ends.
    let mut bounds: Vec<Option<u64>> = vec![None; n + 1];
    bounds[0] = Some(0);
    for s in spans {
        if let Some([start, end]) = s.bytes {
            bounds[s.first] = Some(start);
            bounds[s.last + 1] = Some(end);
        }
    }
    let mut sizes = vec![None; n];
    let mut prev: Option<(usize, u64)> = None;
    for (k, b) in bounds.iter().enumerate() {
        let Some(b) = *b else { continue };
        if let Some((pk, pb)) = prev {
            if b >= pb && k > pk {
                spread(&mut sizes[pk..k], b - pb);
            }
        }
        prev = Some((k, b));
    }
    sizes
}

impl Scorer {
    fn reason_id(&mut self, reason: &str) -> u16 {
        if let Some(&id) = self.reason_ids.get(reason) {
            return id;
        }
        let id = self.reasons.len() as u16;
        self.reasons.push(reason.to_string());
        self.reason_ids.insert(reason.to_string(), id);
        id
    }

    /// Scores one truth document against its (validated) spans.
    fn score(&mut self, idx: usize, doc: &TruthDoc, status: Option<&str>, spans: &[Span], cut: Option<u64>) {
        self.cuts.0 += u64::from(doc.cut.is_some());
        self.cuts.1 += u64::from(cut.is_some());
        self.cuts.2 += u64::from(cut.is_some() && cut == doc.cut);
        let n = doc.labels.len();
        let mut scored = doc.labels.iter().filter(|&&l| l != BLANK).peekable();
        let first = scored.peek().map(|&&l| LABELS[l as usize]);
        let whole = first.filter(|_| scored.all(|&l| Some(LABELS[l as usize]) == first));
        for (r, counts) in DOCUMENT_REASONS.iter().zip(&mut self.documents) {
            let (t, p) = (whole == Some(*r), status == Some(*r));
            counts.0 += u64::from(t);
            counts.1 += u64::from(p);
            counts.2 += u64::from(t && p);
        }
        // A near copy the truth removes whole (an edited copy may be too
        // far from its source to be one).
        let removed_whole = |r: Option<&str>| r.is_some_and(|r| DOCUMENT_REASONS.contains(&r));
        if let Some(kind) = doc.copy.as_ref().filter(|_| removed_whole(whole)) {
            let c = self.copies.entry(kind.clone()).or_default();
            c.0 += 1;
            c.1 += u64::from(removed_whole(status));
        }
        let mut predicted: Vec<Option<u16>> = vec![None; n];
        for s in spans {
            for p in &mut predicted[s.first..=s.last] {
                p.get_or_insert(s.reason);
            }
        }
        let sizes = line_sizes(doc, spans);
        let (mut fp, mut fn_) = (0, 0);
        let mut pairs: HashMap<(u8, Option<u16>), u64> = HashMap::new();
        self.lines.total += n as u64;
        for ((&label, &pred), &size) in doc.labels.iter().zip(&predicted).zip(&sizes) {
            if label == BLANK {
                self.lines.blank += 1;
                self.lines.blank_removed += u64::from(pred.is_some());
                continue;
            }
            self.lines.scored += 1;
            *self.confusion.entry((label, pred)).or_default() += 1;
            match (label == KEEP, pred.is_some()) {
                (true, true) => {
                    fp += 1;
                    // A removed line always lies in a span, so its size is known.
                    if let Some((b, exact)) = size {
                        self.bytes.wrongly_removed += b;
                        self.bytes.approximate |= !exact;
                    }
                }
                (false, false) => {
                    fn_ += 1;
                    match size {
                        Some((b, exact)) => {
                            self.bytes.missed += b;
                            self.bytes.approximate |= !exact;
                        }
                        None => self.bytes.missed_unknown_lines += 1,
                    }
                }
                _ => continue,
            }
            *pairs.entry((label, pred)).or_default() += 1;
        }
        if fp + fn_ > 0 {
            self.docs_with_errors.push((idx, fp, fn_, pairs));
        }
    }

    fn reason_name(&self, pred: Option<u16>) -> &str {
        pred.map_or(KEPT, |p| &self.reasons[p as usize])
    }

    /// Sort key placing known predicted reasons in report order.
    fn reason_rank(&self, pred: u16) -> (usize, &str) {
        let name = self.reasons[pred as usize].as_str();
        (
            PREDICTED_ORDER
                .iter()
                .position(|r| *r == name)
                .unwrap_or(PREDICTED_ORDER.len()),
            name,
        )
    }

    fn finish(self, truth: &Path, annotations: &Path, docs: &[TruthDoc], documents: DocCounts) -> EvalReport {
        let mut overall = Overall::default();
        let mut row_lines = [0u64; LABELS.len()];
        let mut row_removed = [0u64; LABELS.len()];
        let mut col_lines = vec![0u64; self.reasons.len()];
        let mut col_truth_remove = vec![0u64; self.reasons.len()];
        let mut confusion: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for (&(label, pred), &count) in &self.confusion {
            let remove = label != KEEP;
            match (remove, pred.is_some()) {
                (true, true) => overall.tp += count,
                (false, true) => overall.fp += count,
                (true, false) => overall.fn_ += count,
                (false, false) => overall.tn += count,
            }
            row_lines[label as usize] += count;
            if let Some(p) = pred {
                row_removed[label as usize] += count;
                col_lines[p as usize] += count;
                if remove {
                    col_truth_remove[p as usize] += count;
                }
            }
            confusion
                .entry(LABELS[label as usize].to_string())
                .or_default()
                .insert(self.reason_name(pred).to_string(), count);
        }
        overall.precision = ratio(overall.tp, overall.tp + overall.fp);
        overall.recall = ratio(overall.tp, overall.tp + overall.fn_);
        let pr = overall.precision + overall.recall;
        overall.f1 = if pr == 0.0 {
            0.0
        } else {
            2.0 * overall.precision * overall.recall / pr
        };

        let per_truth_reason = (0..LABELS.len())
            .filter(|&l| l != KEEP as usize && l != BLANK as usize && row_lines[l] > 0)
            .map(|l| TruthReasonScore {
                reason: LABELS[l].to_string(),
                lines: row_lines[l],
                removed: row_removed[l],
                recall: ratio(row_removed[l], row_lines[l]),
            })
            .collect();
        let mut preds: Vec<u16> = (0..self.reasons.len() as u16)
            .filter(|&p| col_lines[p as usize] > 0)
            .collect();
        preds.sort_by(|&a, &b| self.reason_rank(a).cmp(&self.reason_rank(b)));
        let per_predicted_reason = preds
            .iter()
            .map(|&p| PredictedReasonScore {
                reason: self.reasons[p as usize].clone(),
                lines: col_lines[p as usize],
                truth_remove: col_truth_remove[p as usize],
                precision: ratio(col_truth_remove[p as usize], col_lines[p as usize]),
            })
            .collect();

        let worst = |key: fn(&RawDocErrors) -> (u64, u64)| -> Vec<DocErrors> {
            let mut chosen: Vec<&RawDocErrors> =
                self.docs_with_errors.iter().filter(|d| key(d).0 > 0).collect();
            chosen.sort_by(|a, b| {
                let (ka, kb) = (key(a), key(b));
                kb.cmp(&ka).then_with(|| {
                    let (da, db) = (&docs[a.0], &docs[b.0]);
                    (&da.path, da.record).cmp(&(&db.path, db.record))
                })
            });
            chosen
                .into_iter()
                .take(WORST)
                .map(|(idx, fp, fn_, pairs)| {
                    let mut errors: Vec<LinePair> = pairs
                        .iter()
                        .map(|(&(label, pred), &lines)| LinePair {
                            truth: LABELS[label as usize].to_string(),
                            predicted: self.reason_name(pred).to_string(),
                            lines,
                        })
                        .collect();
                    errors.sort_by(|a, b| {
                        b.lines
                            .cmp(&a.lines)
                            .then_with(|| (&a.truth, &a.predicted).cmp(&(&b.truth, &b.predicted)))
                    });
                    DocErrors {
                        path: docs[*idx].path.clone(),
                        record: docs[*idx].record,
                        fp_lines: *fp,
                        fn_lines: *fn_,
                        errors,
                    }
                })
                .collect()
        };
        let worst_fp = worst(|d| (d.1, d.2));
        let worst_fn = worst(|d| (d.2, d.1));

        EvalReport {
            truth_file: truth.display().to_string(),
            annotation_file: annotations.display().to_string(),
            documents,
            lines: self.lines,
            overall,
            per_truth_reason,
            per_predicted_reason,
            per_document_reason: DOCUMENT_REASONS
                .iter()
                .zip(self.documents)
                .filter(|(_, (t, p, _))| t + p > 0)
                .map(|(r, (truth, predicted, both))| DocumentReasonScore {
                    reason: r.to_string(),
                    truth,
                    predicted,
                    both,
                    precision: ratio(both, predicted),
                    recall: ratio(both, truth),
                })
                .collect(),
            glued_phrases: DocumentReasonScore {
                reason: Reason::ChromeSuffix.name().to_string(),
                truth: self.cuts.0,
                predicted: self.cuts.1,
                both: self.cuts.2,
                precision: ratio(self.cuts.2, self.cuts.1),
                recall: ratio(self.cuts.2, self.cuts.0),
            },
            per_copy_kind: self
                .copies
                .iter()
                .map(|(kind, &(copies, removed))| CopyKindScore {
                    kind: kind.clone(),
                    copies,
                    removed,
                    recall: ratio(removed, copies),
                })
                .collect(),
            confusion,
            bytes: self.bytes,
            worst_fp,
            worst_fn,
        }
    }
}

/// Scores the annotations of a `clean --annotate` run (`annotations`) against
/// the generator's ground truth (`truth`).
///
/// Annotation paths match truth paths by trailing path components and the
/// same `record`. Errors name the file and line: unreadable files, malformed
/// JSON, unknown truth labels, spans outside their document, a document
/// annotated twice, and a line count that differs between truth and annotation.
pub fn evaluate(truth: &Path, annotations: &Path) -> Result<EvalReport, EvalError> {
    let (mut docs, index) = read_truth(truth)?;
    let mut scorer = Scorer::default();
    let mut counts = DocCounts {
        truth: docs.len() as u64,
        ..DocCounts::default()
    };
    let invalid = |line, message| EvalError::Invalid {
        path: annotations.to_path_buf(),
        line,
        message,
    };
    for_each_line(annotations, |n, text| {
        let a: AnnotationIn = parse_line(annotations, n, text)?;
        counts.annotated += 1;
        let Some(idx) = find_truth(&index, &a.path, a.record) else {
            counts.annotations_without_truth += 1;
            if counts.unmatched_examples.len() < 5 {
                counts.unmatched_examples.push(doc_name(&a.path, a.record));
            }
            return Ok(());
        };
        let doc = &mut docs[idx];
        let name = doc_name(&doc.path, doc.record);
        if let Some(prev) = doc.matched {
            return Err(invalid(
                n,
                format!("document {name} already annotated at line {prev}"),
            ));
        }
        doc.matched = Some(n);
        if doc.labels.len() != a.lines {
            return Err(EvalError::LineCount {
                path: annotations.to_path_buf(),
                line: n,
                doc: name,
                truth_lines: doc.labels.len(),
                annotated_lines: a.lines,
            });
        }
        let mut spans = Vec::with_capacity(a.removed.len());
        let mut cut = None;
        for s in &a.removed {
            let [first, last] = s.lines;
            if first == 0 || first > last || last > a.lines as u64 {
                let msg = format!(
                    "span lines [{first}, {last}] outside document {name} of {} lines",
                    a.lines
                );
                return Err(invalid(n, msg));
            }
            if let Some([start, end]) = s.bytes {
                if start > end {
                    return Err(invalid(
                        n,
                        format!("span bytes [{start}, {end}) reversed in {name}"),
                    ));
                }
            }
            // A cut phrase leaves its line in the output: the line counts as
            // kept, and the cut is scored on its own.
            if s.reason == Reason::ChromeSuffix.name() {
                cut = s.bytes.map(|[start, _]| start);
                continue;
            }
            let reason = scorer.reason_id(&s.reason);
            spans.push(Span {
                first: first as usize - 1,
                last: last as usize - 1,
                reason,
                bytes: s.bytes,
            });
        }
        counts.matched += 1;
        scorer.score(idx, doc, a.status.as_deref(), &spans, cut);
        Ok(())
    })?;
    for (idx, doc) in docs.iter().enumerate() {
        if doc.matched.is_none() {
            counts.truth_without_annotation += 1;
            scorer.score(idx, doc, None, &[], None);
        }
    }
    Ok(scorer.finish(truth, annotations, &docs, counts))
}

impl EvalReport {
    /// A compact human-readable report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let d = &self.documents;
        let l = &self.lines;
        let o = &self.overall;
        let _ = writeln!(out, "eval: {} against {}", self.annotation_file, self.truth_file);
        let _ = writeln!(
            out,
            "documents: {} truth, {} annotated, {} matched, {} without annotation, {} annotations without truth",
            d.truth, d.annotated, d.matched, d.truth_without_annotation, d.annotations_without_truth
        );
        for e in &d.unmatched_examples {
            let _ = writeln!(out, "  unmatched annotation: {e}");
        }
        let _ = writeln!(
            out,
            "lines: {} scored, {} blank (not scored, {} of them removed)",
            l.scored, l.blank, l.blank_removed
        );
        let _ = writeln!(
            out,
            "\noverall  precision {:.4}  recall {:.4}  F1 {:.4}   TP {}  FP {}  FN {}  TN {}",
            o.precision, o.recall, o.f1, o.tp, o.fp, o.fn_, o.tn
        );

        let _ = writeln!(
            out,
            "\n{:<24} {:>10} {:>10} {:>8}",
            "truth reason", "lines", "removed", "recall"
        );
        for r in &self.per_truth_reason {
            let _ = writeln!(
                out,
                "{:<24} {:>10} {:>10} {:>8.4}",
                r.reason, r.lines, r.removed, r.recall
            );
        }
        let _ = writeln!(
            out,
            "\n{:<24} {:>10} {:>10} {:>8}",
            "predicted reason", "lines", "truth rm", "prec"
        );
        for r in &self.per_predicted_reason {
            let _ = writeln!(
                out,
                "{:<24} {:>10} {:>10} {:>8.4}",
                r.reason, r.lines, r.truth_remove, r.precision
            );
        }
        if !self.per_document_reason.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<24} {:>10} {:>10} {:>10} {:>8} {:>8}",
                "whole documents", "truth", "predicted", "both", "prec", "recall"
            );
            for r in &self.per_document_reason {
                let _ = writeln!(
                    out,
                    "{:<24} {:>10} {:>10} {:>10} {:>8.4} {:>8.4}",
                    r.reason, r.truth, r.predicted, r.both, r.precision, r.recall
                );
            }
        }

        let g = &self.glued_phrases;
        if g.truth + g.predicted > 0 {
            let _ = writeln!(
                out,
                "\n{:<24} {:>10} {:>10} {:>10} {:>8} {:>8}",
                "glued phrases cut", "truth", "predicted", "same start", "prec", "recall"
            );
            let _ = writeln!(
                out,
                "{:<24} {:>10} {:>10} {:>10} {:>8.4} {:>8.4}",
                g.reason, g.truth, g.predicted, g.both, g.precision, g.recall
            );
        }

        if !self.per_copy_kind.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<24} {:>10} {:>10} {:>8}",
                "near copies by kind", "copies", "removed", "recall"
            );
            for c in &self.per_copy_kind {
                let _ = writeln!(
                    out,
                    "{:<24} {:>10} {:>10} {:>8.4}",
                    c.kind, c.copies, c.removed, c.recall
                );
            }
        }

        // Confusion table: rows in label order, columns in predicted order then "kept".
        let mut cols: Vec<&str> = self
            .per_predicted_reason
            .iter()
            .map(|r| r.reason.as_str())
            .collect();
        cols.push(KEPT);
        let _ = write!(out, "\n{:<24}", "truth \\ predicted");
        for c in &cols {
            let _ = write!(out, " {:>w$}", c, w = c.len().max(7));
        }
        out.push('\n');
        for label in LABELS {
            let Some(row) = self.confusion.get(label) else {
                continue;
            };
            let _ = write!(out, "{label:<24}");
            for c in &cols {
                let _ = write!(
                    out,
                    " {:>w$}",
                    row.get(*c).copied().unwrap_or(0),
                    w = c.len().max(7)
                );
            }
            out.push('\n');
        }

        let b = &self.bytes;
        let approx = if b.approximate { " (approximate)" } else { "" };
        let _ = write!(
            out,
            "\nbytes wrongly removed: {}  bytes missed: {}",
            b.wrongly_removed, b.missed
        );
        if b.missed_unknown_lines > 0 {
            let _ = write!(out, " (+{} lines of unknown size)", b.missed_unknown_lines);
        }
        let _ = writeln!(out, "{approx}");

        for (title, list) in [
            ("wrongly removed (FP)", &self.worst_fp),
            ("missed (FN)", &self.worst_fn),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\nmost lines {title}:\n{:>6} {:>6}  document", "FP", "FN");
            for doc in list {
                let detail: Vec<String> = doc
                    .errors
                    .iter()
                    .map(|e| format!("{}→{} {}", e.truth, e.predicted, e.lines))
                    .collect();
                let _ = writeln!(
                    out,
                    "{:>6} {:>6}  {}  [{}]",
                    doc.fp_lines,
                    doc.fn_lines,
                    doc.name(),
                    detail.join(", ")
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    use proptest::prelude::*;
    use serde_json::json;

    struct Files {
        _dir: tempfile::TempDir,
        truth: PathBuf,
        ann: PathBuf,
    }

    fn write_lines(path: &Path, lines: &[serde_json::Value]) {
        let mut f = File::create(path).unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
    }

    fn files(truth: &[serde_json::Value], ann: &[serde_json::Value]) -> Files {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("truth.jsonl");
        let a = dir.path().join("run.jsonl");
        write_lines(&t, truth);
        write_lines(&a, ann);
        Files {
            _dir: dir,
            truth: t,
            ann: a,
        }
    }

    fn truth(path: &str, labels: &[&str]) -> serde_json::Value {
        json!({"path": path, "record": null, "site": "s", "labels": labels})
    }

    fn ann(path: &str, lines: usize, removed: serde_json::Value) -> serde_json::Value {
        json!({"doc": 0, "path": path, "status": "keep", "lines": lines, "kept": 0, "removed": removed})
    }

    fn span(reason: &str, a: u64, b: u64, bytes: [u64; 2]) -> serde_json::Value {
        json!({"reason": reason, "lines": [a, b], "bytes": bytes, "of": {"doc": 3, "path": "x"}})
    }

    fn run(f: &Files) -> EvalReport {
        evaluate(&f.truth, &f.ann).unwrap()
    }

    /// Two documents: a.txt (keep, repeat, repeat, blank, keep) and b.txt (keep, chrome).
    fn base_truth() -> Vec<serde_json::Value> {
        vec![
            truth(
                "s1/a.txt",
                &["keep", "repeat_in_doc", "repeat_in_doc", "blank", "keep"],
            ),
            truth("s1/b.txt", &["keep", "chrome"]),
        ]
    }

    #[test]
    fn near_copies_are_counted_by_kind_when_the_truth_removes_them_whole() {
        let copy = |path: &str, kind: &str, label: &str| json!({"path": path, "record": null, "site": "s", "labels": [label, label], "copy": kind});
        let whole = |path: &str, status: &str| {
            let mut a = ann(path, 2, json!([span("near_dup_doc", 1, 2, [0, 9])]));
            a["status"] = json!(status);
            a
        };
        let f = files(
            &[
                copy("r1.txt", "rewrapped", "near_dup_doc"),
                copy("r2.txt", "rewrapped", "near_dup_doc"),
                copy("p.txt", "paragraph_dropped", "near_dup_doc"),
                // An edited copy too far from its source: not a near copy.
                copy("e.txt", "edited", "keep"),
            ],
            &[
                whole("r1.txt", "near_dup_doc"),
                ann("r2.txt", 2, json!([])),
                whole("p.txt", "near_dup_doc"),
                ann("e.txt", 2, json!([])),
            ],
        );
        let r = run(&f);
        let kinds: Vec<(&str, u64, u64)> = r
            .per_copy_kind
            .iter()
            .map(|c| (c.kind.as_str(), c.copies, c.removed))
            .collect();
        assert_eq!(kinds, [("paragraph_dropped", 1, 1), ("rewrapped", 2, 1)]);
        assert_eq!(r.per_copy_kind[1].recall, 0.5);
        assert!(r.render().contains("near copies by kind"));
    }

    #[test]
    fn glued_phrases_are_scored_by_where_the_cut_starts() {
        let cut = |path: &str, at: Option<u64>| {
            let mut t = truth(path, &["keep", "keep"]);
            if let Some(at) = at {
                t["cut"] = json!(at);
            }
            t
        };
        let suffix = |at: u64| json!([span("chrome_suffix", 2, 2, [at, at + 40])]);
        let f = files(
            &[
                cut("a.txt", Some(30)),
                cut("b.txt", Some(30)),
                cut("c.txt", Some(30)),
                cut("d.txt", None),
            ],
            &[
                // Where the truth starts; later (a tag left); none; none wanted.
                ann("corpus/a.txt", 2, suffix(30)),
                ann("corpus/b.txt", 2, suffix(36)),
                ann("corpus/c.txt", 2, json!([])),
                ann("corpus/d.txt", 2, suffix(12)),
            ],
        );
        let r = run(&f);
        let g = &r.glued_phrases;
        assert_eq!((g.truth, g.predicted, g.both), (3, 3, 1));
        assert_eq!((g.precision, g.recall), (1.0 / 3.0, 1.0 / 3.0));
        // A cut line is kept: the lines are all right.
        assert_eq!(r.overall.fp + r.overall.fn_, 0);
        assert!(r.render().contains("glued phrases cut"));
    }

    #[test]
    fn perfect_run() {
        let f = files(
            &base_truth(),
            &[
                ann(
                    "corpus/s1/a.txt",
                    5,
                    json!([span("repeat_in_doc", 2, 3, [10, 30])]),
                ),
                ann("corpus/s1/b.txt", 2, json!([span("chrome", 2, 2, [5, 9])])),
            ],
        );
        let r = run(&f);
        assert_eq!(
            (r.overall.tp, r.overall.fp, r.overall.fn_, r.overall.tn),
            (3, 0, 0, 3)
        );
        assert_eq!(
            (r.overall.precision, r.overall.recall, r.overall.f1),
            (1.0, 1.0, 1.0)
        );
        assert_eq!(r.documents.matched, 2);
        assert_eq!(
            r.lines,
            LineCounts {
                total: 7,
                scored: 6,
                blank: 1,
                blank_removed: 0
            }
        );
        assert!(r.worst_fp.is_empty() && r.worst_fn.is_empty());
        assert_eq!(r.bytes, ByteScores::default());
        assert_eq!(r.per_truth_reason.len(), 2);
        assert!(r.per_truth_reason.iter().all(|t| t.recall == 1.0));
        assert_eq!(r.confusion["repeat_in_doc"]["repeat_in_doc"], 2);
        assert_eq!(r.confusion["keep"][KEPT], 3);
    }

    #[test]
    fn run_removing_nothing() {
        let f = files(
            &base_truth(),
            &[ann("s1/a.txt", 5, json!([])), ann("s1/b.txt", 2, json!([]))],
        );
        let r = run(&f);
        assert_eq!(
            (r.overall.tp, r.overall.fp, r.overall.fn_, r.overall.tn),
            (0, 0, 3, 3)
        );
        assert_eq!(
            (r.overall.precision, r.overall.recall, r.overall.f1),
            (1.0, 0.0, 0.0)
        );
        assert!(r.per_predicted_reason.is_empty());
        // No line_bytes and no spans: the size of every missed line is unknown.
        assert_eq!(r.bytes.missed_unknown_lines, 3);
        assert_eq!(r.worst_fn.len(), 2);
        assert_eq!(r.worst_fn[0].path, "s1/a.txt");
    }

    #[test]
    fn one_fp_one_fn() {
        let mut t = base_truth();
        t[0]["line_bytes"] = json!([10, 10, 10, 1, 7]);
        t[1]["line_bytes"] = json!([5, 4]);
        let f = files(
            &t,
            &[
                // a.txt: repeats found, plus line 5 (keep) wrongly removed.
                ann(
                    "s1/a.txt",
                    5,
                    json!([
                        span("repeat_in_doc", 2, 3, [10, 30]),
                        span("dup_across_docs", 5, 5, [31, 38])
                    ]),
                ),
                // b.txt: chrome missed.
                ann("s1/b.txt", 2, json!([])),
            ],
        );
        let r = run(&f);
        assert_eq!(
            (r.overall.tp, r.overall.fp, r.overall.fn_, r.overall.tn),
            (2, 1, 1, 2)
        );
        assert_eq!(r.overall.precision, 2.0 / 3.0);
        assert_eq!(r.overall.recall, 2.0 / 3.0);
        assert!((r.overall.f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            r.bytes,
            ByteScores {
                wrongly_removed: 7,
                missed: 4,
                missed_unknown_lines: 0,
                approximate: false
            }
        );
        let fp = &r.worst_fp;
        assert_eq!(fp.len(), 1);
        assert_eq!(
            (fp[0].path.as_str(), fp[0].fp_lines, fp[0].fn_lines),
            ("s1/a.txt", 1, 0)
        );
        assert_eq!(
            fp[0].errors,
            vec![LinePair {
                truth: "keep".into(),
                predicted: "dup_across_docs".into(),
                lines: 1
            }]
        );
        let fnl = &r.worst_fn;
        assert_eq!(fnl.len(), 1);
        assert_eq!(
            (fnl[0].path.as_str(), fnl[0].fp_lines, fnl[0].fn_lines),
            ("s1/b.txt", 0, 1)
        );
        assert_eq!(fnl[0].errors[0].truth, "chrome");
        assert_eq!(fnl[0].errors[0].predicted, KEPT);
        let chrome = r.per_truth_reason.iter().find(|t| t.reason == "chrome").unwrap();
        assert_eq!((chrome.lines, chrome.removed, chrome.recall), (1, 0, 0.0));
        let dup = r
            .per_predicted_reason
            .iter()
            .find(|p| p.reason == "dup_across_docs")
            .unwrap();
        assert_eq!((dup.lines, dup.truth_remove, dup.precision), (1, 0, 0.0));
        let text = r.render();
        assert!(text.contains("s1/a.txt"), "{text}");
        assert!(text.contains("keep→dup_across_docs 1"), "{text}");
        assert!(!text.contains("approximate"), "{text}");
    }

    #[test]
    fn approximate_bytes_without_line_bytes() {
        // The span over lines 1-2 (9 bytes) is spread 5 + 4; lines 3-4 come after the
        // last span, so their sizes are unknown.
        let f = files(
            &[truth(
                "a.txt",
                &["keep", "keep", "repeat_in_doc", "repeat_in_doc"],
            )],
            &[ann("/abs/dir/a.txt", 4, json!([span("chrome", 1, 2, [0, 9])]))],
        );
        let r = run(&f);
        assert_eq!(r.overall.fp, 2);
        assert_eq!(r.overall.fn_, 2);
        assert_eq!(
            r.bytes,
            ByteScores {
                wrongly_removed: 9,
                missed: 0,
                missed_unknown_lines: 2,
                approximate: true
            }
        );
        assert!(r.render().contains("approximate"));
    }

    #[test]
    fn gap_between_spans_gives_sizes() {
        let f = files(
            &[truth("a.txt", &["repeat_in_doc", "chrome", "keep"])],
            &[ann(
                "a.txt",
                3,
                json!([
                    span("repeat_in_doc", 1, 1, [0, 4]),
                    span("chrome", 3, 3, [10, 12])
                ]),
            )],
        );
        let r = run(&f);
        assert_eq!((r.overall.tp, r.overall.fp, r.overall.fn_), (1, 1, 1));
        // Line 2 is [4, 10), line 3 is [10, 12): both single lines, hence exact.
        assert_eq!(
            r.bytes,
            ByteScores {
                wrongly_removed: 2,
                missed: 6,
                missed_unknown_lines: 0,
                approximate: false
            }
        );
    }

    #[test]
    fn matches_absolute_and_relative_paths_and_records() {
        let f = files(
            &[
                truth("site-1/a.txt", &["keep", "chrome"]),
                truth("site-1/b.txt", &["keep", "chrome"]),
                json!({"path": "part-0.jsonl", "record": 1, "site": "s", "labels": ["keep", "chrome"]}),
                json!({"path": "part-0.jsonl", "record": 2, "site": "s", "labels": ["chrome"]}),
                truth("site-2/missing.txt", &["chrome"]),
            ],
            &[
                ann(
                    "/home/u/bench/corpus/site-1/a.txt",
                    2,
                    json!([span("chrome", 2, 2, [3, 8])]),
                ),
                ann(
                    "bench/./corpus//site-1/b.txt",
                    2,
                    json!([span("chrome", 2, 2, [3, 8])]),
                ),
                json!({"doc": 2, "path": "corpus/part-0.jsonl", "record": 2, "status": "keep",
                       "lines": 1, "kept": 0, "removed": [span("chrome", 1, 1, [0, 3])]}),
                json!({"doc": 3, "path": "corpus/part-0.jsonl", "record": 1, "status": "keep",
                       "lines": 2, "kept": 1, "removed": [span("chrome", 2, 2, [2, 5])], "extra": true}),
                // Suffix "a.txt" alone must not match site-1/a.txt's components partially.
                ann("xsite-1/a.txt", 2, json!([])),
                ann("other/thing.txt", 1, json!([])),
            ],
        );
        let r = run(&f);
        assert_eq!(r.documents.truth, 5);
        assert_eq!(r.documents.annotated, 6);
        assert_eq!(r.documents.matched, 4);
        assert_eq!(r.documents.truth_without_annotation, 1);
        assert_eq!(r.documents.annotations_without_truth, 2);
        assert_eq!(
            r.documents.unmatched_examples,
            vec!["xsite-1/a.txt", "other/thing.txt"]
        );
        assert_eq!(
            (r.overall.tp, r.overall.fp, r.overall.fn_, r.overall.tn),
            (4, 0, 1, 3)
        );
        assert_eq!(r.worst_fn[0].path, "site-2/missing.txt");
    }

    #[test]
    fn record_mismatch_does_not_match() {
        let f = files(
            &[json!({"path": "p.jsonl", "record": 1, "labels": ["chrome"]})],
            &[
                json!({"path": "p.jsonl", "record": 7, "lines": 1, "removed": []}),
                json!({"path": "p.jsonl", "lines": 1, "removed": []}),
            ],
        );
        let r = run(&f);
        assert_eq!(r.documents.matched, 0);
        assert_eq!(r.documents.annotations_without_truth, 2);
        assert_eq!(r.worst_fn[0].name(), "p.jsonl:1");
    }

    #[test]
    fn line_count_mismatch_names_doc() {
        let f = files(
            &base_truth(),
            &[ann("s1/a.txt", 5, json!([])), ann("x/s1/b.txt", 3, json!([]))],
        );
        let err = evaluate(&f.truth, &f.ann).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(
            err,
            EvalError::LineCount {
                line: 2,
                truth_lines: 2,
                annotated_lines: 3,
                ..
            }
        ));
        assert!(msg.contains("s1/b.txt") && msg.contains("run.jsonl:2"), "{msg}");
    }

    #[test]
    fn malformed_truth_names_path_and_line() {
        let f = files(&base_truth(), &[]);
        let mut file = std::fs::OpenOptions::new().append(true).open(&f.truth).unwrap();
        writeln!(file, "{{\"path\": \"c.txt\", \"labels\": [\"keep\"").unwrap();
        drop(file);
        let err = evaluate(&f.truth, &f.ann).unwrap_err();
        assert!(matches!(err, EvalError::Json { line: 3, .. }));
        assert!(err.to_string().contains("truth.jsonl:3:"), "{err}");
    }

    #[test]
    fn unknown_label_and_bad_span_are_errors() {
        let f = files(&[truth("a.txt", &["keep", "boilerplate"])], &[]);
        let err = evaluate(&f.truth, &f.ann).unwrap_err().to_string();
        assert!(
            err.contains("truth.jsonl:1:") && err.contains("boilerplate"),
            "{err}"
        );

        let f = files(
            &[truth("a.txt", &["keep"])],
            &[ann("a.txt", 1, json!([span("chrome", 1, 2, [0, 1])]))],
        );
        let err = evaluate(&f.truth, &f.ann).unwrap_err().to_string();
        assert!(err.contains("run.jsonl:1:") && err.contains("outside"), "{err}");

        let f = files(
            &[truth("a.txt", &["keep"])],
            &[ann("a.txt", 1, json!([])), ann("a.txt", 1, json!([]))],
        );
        let err = evaluate(&f.truth, &f.ann).unwrap_err().to_string();
        assert!(
            err.contains("run.jsonl:2:") && err.contains("already annotated"),
            "{err}"
        );

        let missing = f.truth.with_file_name("nope.jsonl");
        assert!(matches!(evaluate(&missing, &f.ann), Err(EvalError::Io { .. })));
    }

    #[test]
    fn blank_lines_not_scored_even_when_removed() {
        let f = files(
            &[truth("a.txt", &["keep", "blank", "blank", "keep"])],
            &[ann("a.txt", 4, json!([span("blank", 2, 3, [5, 7])]))],
        );
        let r = run(&f);
        assert_eq!(
            (r.overall.tp, r.overall.fp, r.overall.fn_, r.overall.tn),
            (0, 0, 0, 2)
        );
        assert_eq!(
            r.lines,
            LineCounts {
                total: 4,
                scored: 2,
                blank: 2,
                blank_removed: 2
            }
        );
        assert!(r.per_predicted_reason.is_empty());
        assert!(!r.confusion.contains_key("blank"));
        assert_eq!(r.overall.f1, 1.0);
    }

    #[test]
    fn worst_lists_keep_ten_in_order() {
        let mut t = Vec::new();
        let mut a = Vec::new();
        for i in 0..12u64 {
            let n = i as usize + 1;
            t.push(truth(&format!("d{i:02}.txt"), &vec!["keep"; n]));
            a.push(ann(
                &format!("d{i:02}.txt"),
                n,
                json!([span("repeat_in_doc", 1, i + 1, [0, 10 * (i + 1)])]),
            ));
        }
        let r = run(&files(&t, &a));
        let names: Vec<&str> = r.worst_fp.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(names.len(), 10);
        assert_eq!(names[0], "d11.txt");
        assert_eq!(names[9], "d02.txt");
        assert_eq!(r.bytes.wrongly_removed, (1..=12).map(|i| 10 * i).sum::<u64>());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["overall"]["fp"], 78);
        assert!(json["overall"].get("fn").is_some());
    }

    proptest! {
        #[test]
        fn counts_add_up(labels in prop::collection::vec(0u8..9, 1..40), cuts in prop::collection::vec(any::<bool>(), 40)) {
            let names: Vec<&str> = labels.iter().map(|&l| LABELS[l as usize]).collect();
            // Spans: maximal runs of lines where `cuts` is true.
            let mut spans = Vec::new();
            let mut i = 0;
            while i < names.len() {
                if cuts[i] {
                    let start = i;
                    while i + 1 < names.len() && cuts[i + 1] { i += 1; }
                    spans.push(span("chrome", start as u64 + 1, i as u64 + 1, [start as u64 * 3, (i as u64 + 1) * 3]));
                }
                i += 1;
            }
            let f = files(&[truth("a.txt", &names)], &[ann("a.txt", names.len(), json!(spans))]);
            let r = run(&f);
            let o = &r.overall;
            let scored = labels.iter().filter(|&&l| l != BLANK).count() as u64;
            prop_assert_eq!(o.tp + o.fp + o.fn_ + o.tn, scored);
            prop_assert_eq!(r.lines.scored + r.lines.blank, labels.len() as u64);
            let fp = labels.iter().zip(&cuts).filter(|(&l, &c)| l == KEEP && c).count() as u64;
            prop_assert_eq!(o.fp, fp);
            // Every span line is 3 bytes, so FP bytes are exact multiples.
            prop_assert_eq!(r.bytes.wrongly_removed, 3 * fp);
            prop_assert!((0.0..=1.0).contains(&o.f1));
        }
    }
}
