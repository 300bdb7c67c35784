//! The `--annotate` output: one JSON line per document with every removed span,
//! its reason, its place (1-based lines, byte offsets into the document text)
//! and its provenance (the document and lines it repeats).

use serde::Serialize;

use crate::decide::{Decision, DocStatus, Label, Provenance, Reason};
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
    lines: usize,
    kept: usize,
    removed: Vec<Span>,
}

/// A run of removed lines while it is gathered: reason, first and last line,
/// the document it repeats, and the range of lines it repeats there.
type RawSpan = (Reason, usize, usize, Option<DocId>, Option<(u32, u32)>);

/// The annotation line (with its newline) of one document.
pub fn annotation_line(
    me: DocName,
    lines: &Lines,
    decision: &Decision,
    name: impl Fn(DocId) -> DocName,
) -> String {
    let status = match decision.status {
        DocStatus::Keep => "keep",
        DocStatus::DupDoc { .. } => "dup_doc",
        DocStatus::Empty => "empty",
    };
    let mut spans: Vec<RawSpan> = Vec::new();
    for (i, label) in decision.labels.iter().enumerate() {
        let Label::Removed { reason, of } = *label else {
            continue;
        };
        let doc = of.map(|p| p.doc);
        let line = of.and_then(|Provenance { line, .. }| line);
        if let Some(last) = spans.last_mut() {
            let continues = last.2 + 1 == i && last.0 == reason && (doc.is_none() || last.3 == doc);
            if continues {
                last.2 = i;
                if let Some(l) = line {
                    last.4 = Some(last.4.map_or((l, l), |(a, b)| (a.min(l), b.max(l))));
                }
                continue;
            }
        }
        spans.push((reason, i, i, doc, line.map(|l| (l, l))));
    }
    let removed = spans
        .into_iter()
        .map(|(reason, first, last, doc, src_lines)| Span {
            reason,
            lines: [first as u32 + 1, last as u32 + 1],
            bytes: [lines.spans[first].start, lines.spans[last].next],
            of: doc.map(|d| Source {
                doc: name(d),
                lines: src_lines.map(|(a, b)| [a + 1, b + 1]),
            }),
        })
        .collect();
    let a = Annotation {
        doc: me,
        status,
        lines: lines.len(),
        kept: decision.labels.iter().filter(|l| l.is_kept()).count(),
        removed,
    };
    let mut s = serde_json::to_string(&a).unwrap_or_default();
    s.push('\n');
    s
}
