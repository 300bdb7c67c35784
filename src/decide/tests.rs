use super::*;
use crate::dataflow::answers::BatchAnswers;
use crate::doc::Lines;
use crate::index::{CorpusIndex, DocFingerprint};
use crate::near_docs::NearDocs;

const MIN: usize = 30;

/// The index of some documents, with the answers each got.
struct Indexed {
    idx: CorpusIndex,
    answers: BatchAnswers,
}

fn index(docs: &[&str]) -> Indexed {
    index_with(docs, RuleSet::all())
}

/// [`index`], with only the rules `run`.
fn index_with(docs: &[&str], run: RuleSet) -> Indexed {
    let rules = crate::config::Rules {
        min_line_chars: MIN,
        run,
        ..Default::default()
    };
    let mut idx = CorpusIndex::new(rules);
    idx.add_batch(docs.iter().map(|t| DocFingerprint::new(t, 0, &rules)).collect())
        .unwrap();
    idx.close_run(Vec::new()).unwrap();
    idx.set_near_docs(NearDocs::default()).unwrap();
    let (mut reader, _) = idx.first_occurrences().unwrap();
    let answers = reader.take(0, docs.len() as DocId).unwrap();
    Indexed { idx, answers }
}

fn decide_doc(docs: &[&str], indexed: &Indexed, doc: DocId) -> Decision {
    let text = docs[doc as usize];
    let answers = indexed.answers.of(doc);
    let facts = indexed.idx.facts(doc).unwrap();
    decide(doc, text, &Lines::split(text), &facts, &indexed.idx, &answers).unwrap()
}

/// The reason of each line ("keep" for kept lines) of document `doc`.
fn reasons(docs: &[&str], doc: DocId) -> Vec<&'static str> {
    let idx = index(docs);
    decide_doc(docs, &idx, doc)
        .labels
        .iter()
        .map(|l| l.reason().map_or("keep", Reason::name))
        .collect()
}

fn kept(docs: &[&str], doc: DocId) -> String {
    let idx = index(docs);
    let text = docs[doc as usize];
    let mut out = String::new();
    assemble(text, &Lines::split(text), &decide_doc(docs, &idx, doc), &mut out);
    out
}

const WORDS: [&str; 3] = ["harbour", "railway", "library"];
const P1: &str = "The council approved the new budget after a long debate on Monday.";
const P2: &str = "Opposition members said the plan cuts too deeply into school funding.";
const P3: &str = "A final vote on the remaining items is expected later this month.";

#[test]
fn a_body_pasted_twice_loses_the_second_copy_with_provenance() {
    let doc = format!("Title\n{P1}\n{P2}\n{P1}\n{P2}\n");
    let idx = index(&[&doc]);
    let d = decide_doc(&[&doc], &idx, 0);
    let of = |line| Some(Provenance::line(0, line));
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
        decide_doc(&[&a, &b], &idx, 1).labels[1],
        Label::removed(Reason::DupAcrossDocs, Some(Provenance::line(0, 1)))
    );
}

#[test]
fn short_lines_across_documents_need_a_block() {
    let a = format!("He said:\n{P1}\nShare this\nSubscribe\n{P2}\n");
    // "He said:" alone again: kept. "Share this" + "Subscribe" as a block: removed.
    let b = format!("He said:\n{P3}\nShare this\nSubscribe\nThe closing words of this story are new.\n");
    assert_eq!(
        reasons(&[&a, &b], 1),
        ["keep", "keep", "dup_across_docs", "dup_across_docs", "keep"]
    );
    // "He said:" before the same paragraph: the pair repeats, both go.
    let c = format!("He said:\n{P1}\nA closing line that is new in this document.\n");
    assert_eq!(
        reasons(&[&a, &c], 1),
        ["dup_across_docs", "dup_across_docs", "keep"]
    );
}

#[test]
fn the_same_normalized_text_is_a_duplicate_document() {
    let a = format!("{P1}\n\n{P2}\n");
    let b = format!("{}\r\n{}\r\n", P1.to_uppercase(), P2);
    let idx = index(&[&a, &b]);
    let d = decide_doc(&[&a, &b], &idx, 1);
    assert_eq!(d.status, DocStatus::DupDoc { of: 0 });
    assert!(d.labels.iter().all(|l| l.reason() == Some(Reason::DupDoc)));
    assert_eq!(decide_doc(&[&a, &b], &idx, 0).status, DocStatus::Keep);
}

#[test]
fn a_document_with_nothing_left_is_empty() {
    let a = format!("{P1}\n{P2}\n");
    let b = format!("{P2}\n\n* * *\n{P1}\nLast line here.\n");
    let docs = [a.as_str(), b.as_str(), "\n\n"];
    assert_eq!(decide_doc(&docs, &index(&docs), 2).status, DocStatus::Empty);
    assert_eq!(decide_doc(&[""], &index(&[""]), 0).status, DocStatus::Empty);
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
fn seed_000_loses_its_repeated_block_and_trailing_chrome() {
    let text = include_str!("../../samples/seeds/000_7a1cd4cb3cb5c2ea.txt");
    let r = reasons(&[text], 0);
    let expected: Vec<&str> = (1..=26)
        .map(|line| match line {
            14..=25 => "repeat_in_doc",
            // Once the second copy is cut, "7403/ 6133/" (a news agency code)
            // and "copied" are the trailing chrome of what is left.
            13 | 26 => "chrome",
            _ => "keep",
        })
        .collect();
    assert_eq!(r, expected);
}

#[test]
fn a_teaser_goes_and_its_full_paragraph_stays() {
    let full = "The council approved the new transport budget after a long debate on Monday evening, \
                officials said, and the plan now goes to the regional assembly for a final vote.";
    let teaser =
        "The council approved the new transport budget after a long debate on Monday evening, offic […]";
    let doc = format!("Title of the story\n{teaser}\n{full}\nA closing paragraph that is new here.\n");
    assert_eq!(
        reasons(&[&doc], 0),
        ["keep", "near_repeat_in_doc", "keep", "keep"]
    );
}

#[test]
fn lines_sharing_only_an_opening_stay() {
    let text = include_str!("../../samples/seeds/003_dd600656ab7ede0e.txt");
    assert!(reasons(&[text], 0).iter().all(|r| *r == "keep"));
}

#[test]
fn an_edited_second_copy_goes_and_nested_repeats_go() {
    let a =
        "Officials expect a final vote on the remaining items of the plan later this month in the capital.";
    let b =
        "Officials expect a final vote on the remaining items of the plan early this month in the capital.";
    let doc = format!("{a}\n{P1}\n{b}\nA closing paragraph that is new here.\n");
    assert_eq!(
        reasons(&[&doc], 0),
        ["keep", "keep", "near_repeat_in_doc", "keep"]
    );
    // Each line is the previous one without its first sentence.
    let nested = format!("{P1} {P2} {P3}\n{P2} {P3}\n{P3}\nThe end of this story, written once.\n");
    assert_eq!(
        reasons(&[&nested], 0),
        ["keep", "near_repeat_in_doc", "near_repeat_in_doc", "keep"]
    );
}

#[test]
fn trailing_chrome_by_shape_and_by_corpus_evidence() {
    let tail = "Sign up for our newsletter to get the morning briefing every day.";
    let doc = |n: usize| {
        let w = WORDS[n];
        let body = [P1, P2, P3][n];
        format!("The {w} story headline\n{body}\nA closing sentence about {w} only.\n{tail}\nNews code 10{n}7\nShare\n")
    };
    let docs: Vec<String> = (0..3).map(doc).collect();
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    // The newsletter line, a long sentence, is on every page of the site:
    // chrome on each, the first included; the code and "Share" go by shape.
    for doc in [0, 2] {
        assert_eq!(
            reasons(&refs, doc),
            ["keep", "keep", "keep", "chrome", "chrome", "chrome"]
        );
    }
    // On 2 pages of 3 with a fourth page without it, the newsletter line
    // is no template: a cross-document duplicate of the first page's,
    // which stays.
    let other = format!("The other story headline\n{P1}\n{}\n", closing("other"));
    let with_other: Vec<&str> = [refs[0], refs[1], &other].into();
    assert_eq!(
        reasons(&with_other, 0),
        ["keep", "keep", "keep", "keep", "chrome", "chrome"]
    );
    assert_eq!(
        reasons(&with_other, 1),
        ["keep", "keep", "keep", "dup_across_docs", "chrome", "chrome"]
    );
    // A short last line that is a sentence stays.
    let d = format!("{P1}\nHe left.\n");
    assert_eq!(reasons(&[&d], 0), ["keep", "keep"]);
    // A title alone is never stripped as tail chrome.
    assert_eq!(reasons(&["Breaking news"], 0), ["keep"]);
}

/// The reasons of a page of ten paragraphs followed by `tail` (so that its
/// last 8 lines are the tail), for the `tail` lines only.
fn tail_reasons(tail: &[&str]) -> Vec<&'static str> {
    let paragraphs: Vec<String> = (0..10)
        .map(|i| (0..12).map(|w| format!("p{i}x{w}")).collect::<Vec<_>>().join(" ") + ".")
        .collect();
    let lines: Vec<&str> = paragraphs
        .iter()
        .map(String::as_str)
        .chain(tail.iter().copied())
        .collect();
    let doc = lines.join("\n") + "\n";
    reasons(&[&doc], 0)[10..].to_vec()
}

/// `n` words ending a sentence: a short content line.
fn sentence(n: usize) -> String {
    let words: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
    words.join(" ") + "."
}

#[test]
fn a_short_line_inside_trailing_chrome_goes_when_chrome_outnumbers_it_3_to_1() {
    let (c, g) = ("Share this article", "He left.");
    // Walking back: chrome, the short line, then two more chrome lines (3
    // to 1): the run goes whole.
    assert_eq!(tail_reasons(&["Follow us", "Related news", g, c]), ["chrome"; 4]);
    // One chrome line fewer (2 to 1): the short line and what is before it stay.
    assert_eq!(tail_reasons(&["Related news", g, c]), ["keep", "keep", "chrome"]);
    // 19 words is short enough to be inside the run; 20 is content, which
    // ends the walk.
    let (g19, g20) = (sentence(19), sentence(20));
    assert_eq!(
        tail_reasons(&["Follow us", "Related news", &g19, c]),
        ["chrome"; 4]
    );
    assert_eq!(
        tail_reasons(&["Follow us", "Related news", &g20, c]),
        ["keep", "keep", "keep", "chrome"]
    );
    // Two short lines in a row end the walk, however much chrome is
    // before them; so does one at the very end.
    assert_eq!(
        tail_reasons(&[
            "Follow us",
            "Related news",
            "Menu",
            "Top stories",
            "Contact",
            g,
            g,
            c
        ]),
        ["keep", "keep", "keep", "keep", "keep", "keep", "keep", "chrome"]
    );
    assert_eq!(tail_reasons(&["Follow us", "Related news", c, g]), ["keep"; 4]);
}

#[test]
fn a_line_of_codes_is_chrome_whatever_its_length_and_a_two_line_page_keeps_its_first() {
    assert_eq!(
        tail_reasons(&["7403/ 6133/ 1234/ 5678/ 9999/ 1111/ 2222/"]),
        ["chrome"]
    );
    // Six words without a full stop are too many for chrome by shape.
    assert_eq!(tail_reasons(&["Read more about the council vote"]), ["keep"]);
    assert_eq!(tail_reasons(&["Read more about the council"]), ["chrome"]);
    // Two lines: the first is the head, never tail chrome; the last can be.
    assert_eq!(reasons(&["Share this\nRelated news\n"], 0), ["keep", "chrome"]);
}

#[test]
fn leading_chrome_needs_corpus_evidence() {
    let doc = |n: usize| {
        let w = WORDS[n];
        let body = [P1, P2, P3][n];
        format!("Home > Politics\nThe {w} story headline\n{body}\nA closing sentence about {w} only.\n")
    };
    let docs: Vec<String> = (0..3).map(doc).collect();
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    assert_eq!(reasons(&refs, 1), ["chrome", "keep", "keep", "keep"]);
    assert_eq!(reasons(&refs[..2], 1), ["keep", "keep", "keep", "keep"]);
}

const TOPICS: [&str; 7] = [
    "harbour", "railway", "library", "museum", "stadium", "airport", "theatre",
];

/// A page of the story on `topic`: `before` its headline, `after` it.
fn story(topic: &str, before: &str, after: &str) -> String {
    format!(
        "{before}The {topic} story headline\n{after}The council approved a budget for the {topic} on Monday.\n\
         Members said the {topic} plan cuts too deeply into other funding.\n"
    )
}

#[test]
fn site_template_goes_wherever_it_stands_in_every_page_the_first_included() {
    let menu = "Home | World | Business | Sport | Science | Culture | Opinion";
    let quote = "\"We will not give up on this city, whatever the cost,\" the mayor told the crowd.";
    // Seven pages: every one with the menu, a share line and the comment
    // form's labels; three with the quote and a byline.
    let pages: Vec<String> = TOPICS
        .iter()
        .enumerate()
        .map(|(n, w)| {
            let (byline, quoted) = if n < 3 { ("Staff reporter\n", format!("{quote}\n")) } else { ("", String::new()) };
            let body = story(w, &format!("{menu}\n"), byline);
            let scores = format!("Scores after the second round: {w} 2{n}, visitors 1{n}, others 0");
            format!("{body}Share this:\n{quoted}{scores}\nA closing sentence about the {w} only.\nName:\nEmail:\n")
        })
        .collect();
    let refs: Vec<&str> = pages.iter().map(String::as_str).collect();
    // The menu (long, no sentence) leads; the share line is on most pages;
    // the form labels make a block: chrome in each page, the first
    // included. The byline alone among content lines, on 3 of 7 pages, and
    // the quote, a sentence, stay where they are first seen. A long line
    // that differs only in its figures is no template.
    let expected = |repeat| {
        [
            "chrome", "keep", "keep", "keep", "keep", "chrome", repeat, "keep", "keep", "chrome", "chrome",
        ]
    };
    assert_eq!(reasons(&refs, 0), expected("keep"));
    assert_eq!(reasons(&refs, 2), expected("dup_across_docs"));
    assert_eq!(
        reasons(&refs, 3),
        ["chrome", "keep", "keep", "keep", "chrome", "keep", "keep", "chrome", "chrome"]
    );
    // In 2 pages they are no template: the first page keeps them all but
    // the form labels, chrome by shape at its tail.
    let mut first_of_two = ["keep"; 11];
    first_of_two[9..].fill("chrome");
    assert_eq!(reasons(&refs[..2], 0), first_of_two);
    // A short line that differs only in its figures is the same template.
    let dated: Vec<String> = (0..3)
        .map(|n| story(TOPICS[n], &format!("Updated 1{n}:0{n}\n"), ""))
        .collect();
    let refs: Vec<&str> = dated.iter().map(String::as_str).collect();
    assert_eq!(reasons(&refs, 0), ["chrome", "keep", "keep", "keep"]);
}

#[test]
fn a_title_with_the_site_name_goes_and_the_headline_below_it_stays() {
    let doc = |n: usize| {
        let w = WORDS[n];
        let headline = format!("The {w} council approves a new budget for next year");
        format!("Example News - {headline}\n{headline}\n{}\n", [P1, P2, P3][n])
    };
    let docs: Vec<String> = (0..3).map(doc).collect();
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    assert_eq!(reasons(&refs, 0), ["chrome", "keep", "keep"]);
    // In 2 pages the name is not known as the site's: the title holds the
    // headline whole, and the headline goes as its repeat.
    assert_eq!(reasons(&refs[..2], 0), ["keep", "near_repeat_in_doc", "keep"]);
    // The site's name on a line of its own in other pages counts too.
    let named = |n: usize| format!("Example News\n{}\n", [P1, P2, P3][n]);
    let others: Vec<String> = (1..3).map(named).collect();
    let refs = [refs[0], &others[0], &others[1]];
    assert_eq!(reasons(&refs, 0), ["chrome", "keep", "keep"]);
}

const LONG_PARAGRAPH: &str = "The regional transport authority confirmed on Thursday that the long delayed \
    northern rail extension will open to passengers next spring, after engineers finished testing the new \
    signalling system and the final safety inspections of all eleven stations along the route were \
    completed without any serious problems being found by the independent inspectors";

#[test]
fn a_copied_paragraph_with_a_word_changed_is_a_near_duplicate_across_documents() {
    let a = format!("First story title\n{LONG_PARAGRAPH}.\nA closing sentence for the first story.\n");
    let copy = LONG_PARAGRAPH.replace("Thursday", "Friday");
    let b = format!("Second story title\n{copy}.\nA closing sentence for the second story.\n");
    assert_eq!(reasons(&[&a, &b], 1), ["keep", "near_dup_across_docs", "keep"]);
    assert_eq!(reasons(&[&a, &b], 0), ["keep", "keep", "keep"]);
    let idx = index(&[&a, &b]);
    let Label::Removed { of: Some(of), .. } = decide_doc(&[&a, &b], &idx, 1).labels[1] else {
        panic!("not removed");
    };
    assert_eq!((of.doc, of.line), (0, Some(1)));
    assert!(of.containment.is_some_and(|c| (800..1000).contains(&c)), "{of:?}");
}

#[test]
fn a_paragraph_made_of_phrases_from_many_documents_stays() {
    // Each earlier document holds a third of the paragraph: no one source.
    let words: Vec<&str> = LONG_PARAGRAPH.split(' ').collect();
    let third = words.len() / 3;
    let parts: Vec<String> = (0..3)
        .map(|k| words[k * third..(k + 1) * third].join(" "))
        .collect();
    let docs: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(k, p)| {
            format!(
                "Story {} title\n{p} and more words unique to story number {}.\nEnd.\n",
                WORDS[k], WORDS[k]
            )
        })
        .collect();
    let whole = format!(
        "Final story title\n{}.\nA closing sentence of the final story.\n",
        words[..3 * third].join(" ")
    );
    let all: Vec<&str> = docs.iter().map(String::as_str).chain([whole.as_str()]).collect();
    assert_eq!(reasons(&all, 3), ["keep", "keep", "keep"]);
}

const MENU: &str = "Home | News | Sport";

const NOTICE: &str = "© 2024 Example News. All rights reserved.";

fn closing(w: &str) -> String {
    format!("A closing sentence about the {w} only.")
}

/// Four pages of a site, each starting with `head`, that end with a
/// notice: three on a line of its own, the fourth (of body `fourth`) glued
/// to its last paragraph.
fn noticed_pages(head: &str, fourth: &str) -> Vec<String> {
    let mut docs: Vec<String> = (0..3)
        .map(|n| {
            format!(
                "{head}The {0} story\n{1}\n{2}\n{NOTICE}\n",
                WORDS[n],
                [P1, P2, P3][n],
                closing(WORDS[n])
            )
        })
        .collect();
    docs.push(format!(
        "{head}The fourth story\n{fourth}\n{} {NOTICE}\n",
        closing("museum")
    ));
    docs
}

#[test]
fn the_rules_chosen_are_the_only_ones_that_remove() {
    let docs = noticed_pages(&format!("{MENU}\n"), P1);
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let decided = |rules: &str, doc: DocId| {
        let idx = index_with(&refs, rules.parse().unwrap());
        let d = decide_doc(&refs, &idx, doc);
        let reasons: Vec<&str> = d
            .labels
            .iter()
            .map(|l| l.reason().map_or("keep", Reason::name))
            .collect();
        (reasons, d.cut.map(|c| c.line))
    };
    let (chrome, dup, keep) = ("chrome", "dup_across_docs", "keep");
    assert_eq!(decided("all", 3), (vec![chrome, keep, dup, keep], Some(3)));
    // The notice on a line of its own, on 3 pages of 4, is template.
    assert_eq!(decided("all", 1), (vec![chrome, keep, keep, keep, chrome], None));
    // The suffix alone: the menu stays, the glued notice is cut.
    assert_eq!(decided("chrome_suffix", 3), (vec![keep; 4], Some(3)));
    assert_eq!(
        decided("dedup,chrome_suffix", 3),
        (vec![keep, keep, dup, keep], Some(3))
    );
    // Duplicates only: no chrome of either kind.
    assert_eq!(decided("dedup", 3), (vec![keep, keep, dup, keep], None));
    // Chrome only: no duplicate goes.
    assert_eq!(
        decided("chrome", 1),
        (vec![chrome, keep, keep, keep, chrome], None)
    );
    assert_eq!(decided("chrome", 3), (vec![chrome, keep, keep, keep], Some(3)));
}

#[test]
fn a_long_licence_notice_glued_to_the_last_paragraph_is_cut() {
    // Real notices run 10 to 40 words; this one has 27.
    let notice =
        "Material from this agency may be republished with credit to the agency and a link to the original \
                  story under the terms of an open licence, version 4.0.";
    let pages: Vec<String> = (0..3)
        .map(|n| {
            format!(
                "{MENU}\nThe {0} story\n{1}\n{notice}\n",
                WORDS[n],
                [P1, P2, P3][n]
            )
        })
        .chain([format!(
            "{MENU}\nThe museum story\nThe museum reopened after a long renovation. {notice}\n"
        )])
        .collect();
    let refs: Vec<&str> = pages.iter().map(String::as_str).collect();
    assert_eq!(
        kept(&refs, 3),
        "The museum story\nThe museum reopened after a long renovation.\n"
    );
}

#[test]
fn chrome_phrase_glued_to_the_last_content_line_is_cut_on_evidence() {
    let docs = noticed_pages("", &format!("{P2} {P3}"));
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    assert_eq!(
        kept(&refs, 3),
        format!("The fourth story\n{P2} {P3}\n{}\n", closing("museum"))
    );
    let idx = index(&refs);
    let d = decide_doc(&refs, &idx, 3);
    assert!(d.labels.iter().all(Label::is_kept), "the cut line stays");
    assert_eq!(d.cut.map(|c| c.line), Some(2));
    // With the notice at the tail of two pages only (this one included),
    // nothing is cut.
    let few: Vec<&str> = vec![refs[0], refs[3]];
    assert_eq!(kept(&few, 1), refs[3]);
    // Nor is a sentence that ends only this page.
    let own = "The fifth story\nThe museum reopened after a two year renovation of its hall.\nThe end. Thanks to the harbour team.\n".to_string();
    let mut with_own = refs.clone();
    with_own.push(&own);
    assert_eq!(kept(&with_own, 4), own);
}

/// Pages of a site whose last paragraph (`ending(n)` for page `n`) has a
/// notice glued on.
fn glued_pages(notice: &str, ending: impl Fn(usize) -> String) -> Vec<String> {
    TOPICS
        .iter()
        .enumerate()
        .map(|(n, w)| story(w, "", "") + &format!("{} {notice}\n", ending(n)))
        .collect()
}

#[test]
fn a_notice_glued_with_no_sentence_break_is_cut_where_most_pages_end_with_it() {
    let notice =
        "Material from this agency may be republished with credit under an open licence, version 4.0.";
    // Long enough that the notice is no near duplicate of the line.
    let closing = |n: usize| {
        let w = TOPICS[n];
        format!("The {w} closing sentence ends here after the members of the {w} board voted on the plan for next year.")
    };
    // Three pages glue it after a sentence, two after an editor's tag and
    // two with no sentence break: all seven end with it.
    let pages = glued_pages(notice, |n| match n {
        0..=2 => closing(n),
        3 | 4 => format!("{} AB/CD", closing(n)),
        _ => closing(n).trim_end_matches('.').to_string(),
    });
    let refs: Vec<&str> = pages.iter().map(String::as_str).collect();
    let last_line = |n: usize| kept(&refs, n as DocId).lines().last().unwrap().to_string();
    assert_eq!(last_line(0), closing(0));
    assert_eq!(last_line(3), closing(3), "the tag goes with the notice");
    assert_eq!(last_line(5), closing(5).trim_end_matches('.'));
    // Ending four pages of eight is not most of them: with no sentence
    // break, nothing is cut.
    let mut half = pages[..3].to_vec();
    half.push(pages[5].clone());
    half.extend(TOPICS[3..].iter().map(|w| story(w, "", "")));
    let refs: Vec<&str> = half.iter().map(String::as_str).collect();
    assert_eq!(
        kept(&refs, 3).lines().last().unwrap(),
        format!("{} {notice}", closing(5).trim_end_matches('.'))
    );
    assert_eq!(kept(&refs, 0).lines().last().unwrap(), closing(0));
}

#[test]
fn a_sentence_that_ends_like_others_keeps_its_words() {
    // Six pages of seven end with "he added.", three of them with "He
    // added." as a sentence of its own (cut there, as a short last
    // sentence that the site's pages hold). Glued on with no break, these
    // few words are the sentence's own ending: nothing is cut.
    let pages = glued_pages("", |n| match n {
        0..=2 => format!("The {} budget was approved. He added.", TOPICS[n]),
        3..=5 => format!("The {} budget was approved, he added.", TOPICS[n]),
        _ => format!("The {} budget was approved.", TOPICS[n]),
    });
    let refs: Vec<&str> = pages.iter().map(String::as_str).collect();
    for n in 3..=5 {
        let text = kept(&refs, n);
        assert!(text.trim_end().ends_with(", he added."), "{text}");
    }
}
