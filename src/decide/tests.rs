use super::*;
use crate::doc::Lines;
use crate::index::{CorpusIndex, DocFingerprint};

const MIN: usize = 30;

fn index(docs: &[&str]) -> CorpusIndex {
    let mut idx = CorpusIndex::new(MIN);
    idx.add_batch(
        docs.iter()
            .map(|t| DocFingerprint {
                lines: fingerprint::fingerprint_lines(t, &Lines::split(t)),
                text_check: 0,
            })
            .collect(),
    );
    idx
}

/// The reason of each line ("keep" for kept lines) of document `doc`.
fn reasons(docs: &[&str], doc: DocId) -> Vec<&'static str> {
    let idx = index(docs);
    decide(doc, &idx)
        .labels
        .iter()
        .map(|l| l.reason().map_or("keep", Reason::name))
        .collect()
}

fn kept(docs: &[&str], doc: DocId) -> String {
    let idx = index(docs);
    let text = docs[doc as usize];
    let mut out = String::new();
    assemble(text, &Lines::split(text), &decide(doc, &idx), &mut out);
    out
}

const P1: &str = "The council approved the new budget after a long debate on Monday.";
const P2: &str = "Opposition members said the plan cuts too deeply into school funding.";
const P3: &str = "A final vote on the remaining items is expected later this month.";

#[test]
fn a_body_pasted_twice_loses_the_second_copy_with_provenance() {
    let doc = format!("Title\n{P1}\n{P2}\n{P1}\n{P2}\n");
    let idx = index(&[&doc]);
    let d = decide(0, &idx);
    let of = |line| {
        Some(Provenance {
            doc: 0,
            line: Some(line),
        })
    };
    assert_eq!(d.labels[3], Label::removed(Reason::RepeatInDoc, of(1)));
    assert_eq!(d.labels[4], Label::removed(Reason::RepeatInDoc, of(2)));
    assert_eq!(kept(&[&doc], 0), format!("Title\n{P1}\n{P2}\n"));
}

#[test]
fn a_short_line_alone_is_not_a_repeat_but_is_within_a_block() {
    // "Photo" repeats on its own: kept. "Read more" + P3 repeat as a block: both go.
    let doc = format!("Photo\n{P1}\nRead more\n{P3}\nPhoto\n{P2}\nRead more\n{P3}\n");
    assert_eq!(
        reasons(&[&doc], 0),
        [
            "keep",
            "keep",
            "keep",
            "keep",
            "keep",
            "keep",
            "repeat_in_doc",
            "repeat_in_doc"
        ]
    );
}

#[test]
fn cross_document_duplicates_keep_the_first_occurrence() {
    let a = format!("{P1}\n{P2}\n");
    let b = format!("Other intro line that is long enough.\n{P2}\n");
    assert_eq!(reasons(&[&a, &b], 0), ["keep", "keep"]);
    assert_eq!(reasons(&[&a, &b], 1), ["keep", "dup_across_docs"]);
    let idx = index(&[&a, &b]);
    assert_eq!(
        decide(1, &idx).labels[1],
        Label::removed(
            Reason::DupAcrossDocs,
            Some(Provenance {
                doc: 0,
                line: Some(1)
            })
        )
    );
}

#[test]
fn short_lines_across_documents_need_a_block() {
    let a = format!("He said:\n{P1}\nShare this\nSubscribe\n");
    // "He said:" alone again: kept. "Share this" + "Subscribe" as a block: removed.
    let b = format!("He said:\n{P3}\nShare this\nSubscribe\n");
    assert_eq!(
        reasons(&[&a, &b], 1),
        ["keep", "keep", "dup_across_docs", "dup_across_docs"]
    );
    // "He said:" before the same paragraph: the pair repeats, both go (doc b is then empty).
    let c = format!("He said:\n{P1}\n");
    assert_eq!(reasons(&[&a, &c], 1), ["dup_across_docs", "dup_across_docs"]);
}

#[test]
fn the_same_normalized_text_is_a_duplicate_document() {
    let a = format!("{P1}\n\n{P2}\n");
    let b = format!("{}\r\n{}\r\n", P1.to_uppercase(), P2);
    let idx = index(&[&a, &b]);
    let d = decide(1, &idx);
    assert_eq!(d.status, DocStatus::DupDoc { of: 0 });
    assert!(d.labels.iter().all(|l| l.reason() == Some(Reason::DupDoc)));
    assert_eq!(decide(0, &idx).status, DocStatus::Keep);
}

#[test]
fn a_document_with_nothing_left_is_empty() {
    let a = format!("{P1}\n{P2}\n");
    let b = format!("{P2}\n\n* * *\n{P1}\nLast line here.\n");
    assert_eq!(decide(2, &index(&[&a, &b, "\n\n"])).status, DocStatus::Empty);
    assert_eq!(decide(0, &index(&[""])).status, DocStatus::Empty);
}

#[test]
fn blank_lines_do_not_pile_up_where_a_block_was_cut() {
    let a = format!("{P2}\n");
    // Middle: separator before the cut block stays, the one after goes.
    let b = format!("{P1}\n\n{P2}\n\n{P3}\n");
    assert_eq!(kept(&[&a, &b], 1), format!("{P1}\n\n{P3}\n"));
    assert_eq!(
        reasons(&[&a, &b], 1),
        ["keep", "keep", "dup_across_docs", "blank", "keep"]
    );
    // Start: the blank line after the cut goes.
    let c = format!("{P2}\n\n{P1}\n");
    assert_eq!(kept(&[&a, &c], 1), format!("{P1}\n"));
    // End: the blank lines before the cut go; no final newline stays no final newline.
    let d = format!("{P1}\n\n{P2}");
    assert_eq!(kept(&[&a, &d], 1), P1);
    // Inside a block, blank lines go with the block under its reason.
    let e = format!("{P1}\n{P3}\n");
    let f = format!("{P2}\n{P1}\n\n{P3}\n");
    assert_eq!(
        reasons(&[&e, &f], 1),
        ["keep", "dup_across_docs", "dup_across_docs", "dup_across_docs"]
    );
}

#[test]
fn separators_between_kept_lines_are_untouched() {
    let a = format!("{P1}\n\n\n* * *\n\n{P2}\n");
    assert_eq!(kept(&[&a], 0), a);
}

#[test]
fn in_document_repeat_takes_precedence_over_cross_document() {
    let a = format!("{P1}\n");
    let b = format!("{P2}\n{P1}\n{P1}\n");
    assert_eq!(
        reasons(&[&a, &b], 1),
        ["keep", "dup_across_docs", "repeat_in_doc"]
    );
}

#[test]
fn seed_000_loses_exactly_its_repeated_block() {
    let text = include_str!("../../samples/seeds/000_7a1cd4cb3cb5c2ea.txt");
    let r = reasons(&[text], 0);
    let expected: Vec<&str> = (1..=26)
        .map(|line| {
            if (14..=25).contains(&line) {
                "repeat_in_doc"
            } else {
                "keep"
            }
        })
        .collect();
    assert_eq!(r, expected);
}
