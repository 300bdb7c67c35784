//! The `--annotate` output: one JSON line per document with every removed span,
//! its reason, its place (1-based lines, byte offsets into the document text)
//! and its provenance (the document and lines it repeats).

use serde::Serialize;

use crate::decide::{Decision, DocStatus, Label, Reason};
use crate::doc::{DocId, Lines};

/// A document as named in annotations and stats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocName {
    pub doc: DocId,
    pub path: String,
    /// 1-based line of the record in a JSONL file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
}

impl DocName {
    pub fn display(&self) -> String {
        match self.record {
            Some(r) => format!("{}:{}", self.path, r),
            None => self.path.clone(),
        }
    }
}

#[derive(Serialize)]
struct Source {
    #[serde(flatten)]
    doc: DocName,
    /// First and last line (1-based) repeated; absent when the whole document is.
    #[serde(skip_serializing_if = "Option::is_none")]
    lines: Option<[u32; 2]>,
    /// For near duplicates: the smallest share of a line's shingles found there.
    #[serde(skip_serializing_if = "Option::is_none")]
    containment: Option<f64>,
    /// For a near-duplicate document: the Jaccard similarity of the two
    /// documents' shingle sets.
    #[serde(skip_serializing_if = "Option::is_none")]
    similarity: Option<f64>,
}

#[derive(Serialize)]
struct Span {
    reason: Reason,
    /// First and last line, 1-based.
    lines: [u32; 2],
    /// Byte range [start, end) in the document text, terminators included.
    bytes: [usize; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    of: Option<Source>,
}

#[derive(Serialize)]
struct Annotation {
    #[serde(flatten)]
    doc: DocName,
    status: &'static str,
    /// The near-duplicate cluster of the document (the id of its first
    /// document), for every clustered document, kept or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<DocId>,
    lines: usize,
    kept: usize,
    removed: Vec<Span>,
}

/// A run of removed lines while it is gathered.
struct RawSpan {
    reason: Reason,
    first: usize,
    last: usize,
    /// The document it repeats, the range of lines it repeats there, and the
    /// smallest containment (per mille) of its near-duplicate lines.
    doc: Option<DocId>,
    src_lines: Option<(u32, u32)>,
    containment: Option<u16>,
}

/// The annotation line (with its newline) of one document.
pub fn annotation_line(
    me: DocName,
    cluster: Option<DocId>,
    lines: &Lines,
    decision: &Decision,
    name: impl Fn(DocId) -> DocName,
) -> String {
    let status = match decision.status {
        DocStatus::Keep => "keep",
        DocStatus::DupDoc { .. } => "dup_doc",
        DocStatus::NearDupDoc { .. } => "near_dup_doc",
        DocStatus::Empty => "empty",
    };
    let mut spans: Vec<RawSpan> = Vec::new();
    for (i, label) in decision.labels.iter().enumerate() {
        let Label::Removed { reason, of } = *label else {
            continue;
        };
        let doc = of.map(|p| p.doc);
        let line = of.and_then(|p| p.line);
        let containment = of.and_then(|p| p.containment);
        let min_opt = |a: Option<u16>, b: Option<u16>| match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        if let Some(last) = spans.last_mut() {
            let continues = last.last + 1 == i && last.reason == reason && (doc.is_none() || last.doc == doc);
            if continues {
                last.last = i;
                if let Some(l) = line {
                    last.src_lines = Some(last.src_lines.map_or((l, l), |(a, b)| (a.min(l), b.max(l))));
                }
                last.containment = min_opt(last.containment, containment);
                continue;
            }
        }
        spans.push(RawSpan {
            reason,
            first: i,
            last: i,
            doc,
            src_lines: line.map(|l| (l, l)),
            containment,
        });
    }
    let mut removed: Vec<Span> = spans
        .into_iter()
        .map(|r| Span {
            reason: r.reason,
            lines: [r.first as u32 + 1, r.last as u32 + 1],
            bytes: [lines.spans[r.first].start, lines.spans[r.last].next],
            of: r.doc.map(|d| {
                let share = r.containment.map(|c| f64::from(c) / 1000.0);
                let whole = r.reason == Reason::NearDupDoc;
                Source {
                    doc: name(d),
                    lines: r.src_lines.map(|(a, b)| [a + 1, b + 1]),
                    containment: share.filter(|_| !whole),
                    similarity: share.filter(|_| whole),
                }
            }),
        })
        .collect();
    // A cut keeps its line: its span covers only the bytes cut.
    if let Some(cut) = decision.cut {
        let span = Span {
            reason: Reason::ChromeSuffix,
            lines: [cut.line as u32 + 1; 2],
            bytes: [cut.at, lines.spans[cut.line].end],
            of: None,
        };
        let at = removed.partition_point(|s| s.lines[0] <= span.lines[0]);
        removed.insert(at, span);
    }
    let a = Annotation {
        doc: me,
        status,
        cluster,
        lines: lines.len(),
        kept: decision.labels.iter().filter(|l| l.is_kept()).count(),
        removed,
    };
    let mut s = serde_json::to_string(&a).unwrap_or_default();
    s.push('\n');
    s
}
