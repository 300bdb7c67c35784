//! `chrome`: site template lines at the edges of a document (navigation,
//! "news code 1017002", "your comment", newsletter hints, copyright lines).
//!
//! Learned from the corpus: the first pass counts, per site, in how many
//! documents each digit-masked line sits among the first or last lines. A
//! short tail line is chrome on that evidence (`chrome_min_docs` documents), or by
//! its shape: a few words without sentence-final punctuation, or only codes
//! and digits. Stripping walks back from the end and stops at the first
//! content line; a single short content line inside a run of chrome goes with
//! it when chrome lines outnumber such lines 3 to 1. Leading chrome is
//! stripped only on corpus evidence: titles are short and unpunctuated too.
//! The walks run over the lines the other rules keep (chrome is judged on
//! what will be written, so a second run finds no new edge). Head and tail
//! never overlap (a short document splits in two), so the first kept word
//! line is never tail chrome and the last never head chrome: neither walk can
//! empty a document on its own.
//!
//! The last sentence or two (up to 40 words) of the last content line, when
//! the corpus shows them at the tails of `chrome_min_docs` documents of the
//! site (on their own line or glued on), are cut from that line: "… end of story. © 2024 Example News.
//! All rights reserved." keeps "… end of story.".

use super::{Cut, Label, Reason};
use crate::dataflow::first_seen::KeyAnswers;
use crate::doc::Lines;
use crate::fingerprint::{self, word_lines};
use crate::index::{CorpusIndex, DocFingerprint};

/// At most this many words make a line short enough to be chrome by shape.
const SHAPE_MAX_WORDS: usize = 5;
/// A content line inside a chrome run has fewer words than this.
const GAP_MAX_WORDS: usize = 20;
/// Chrome lines needed in a run per content line inside it.
const CHROME_PER_GAP: usize = 3;

/// Labels the chrome lines and returns the cut of a chrome phrase glued to
/// the end of the last content line, if any.
pub(super) fn label(
    text: &str,
    lines: &Lines,
    facts: &DocFingerprint,
    index: &CorpusIndex,
    answers: &KeyAnswers<'_>,
    labels: &mut [Label],
) -> Option<Cut> {
    let fps = &facts.lines[..];
    // The document as the other rules leave it: stripping looks at what
    // will be written, so that cleaning the output again finds no new edge.
    let kept: Vec<usize> = word_lines(fps).filter(|&i| labels[i].is_kept()).collect();
    if kept.len() < 2 {
        return None;
    }
    let rules = index.rules();
    let site = facts.site;
    // Only a short line is chrome on evidence. A long line at the edges of
    // many pages is a `dup_across_docs` in all but the first, whose copy is
    // its first occurrence and stays: the first of three crawls of a story
    // keeps its last paragraph.
    let evidence = |i: usize, masked: &str, tail: bool| {
        !fps[i].is_long(rules.min_line_chars)
            && index.edge_docs(fingerprint::edge_key(site, tail, fingerprint::masked_key(masked)))
                >= rules.chrome_min_docs
    };
    let chrome = Label::Removed {
        reason: Reason::Chrome,
        of: None,
    };

    // Tail: back from the end over the tail lines (never the first kept word line).
    let (head_lines, tail_lines) = fingerprint::edges_of(&kept);
    let (mut chrome_lines, mut gaps, mut take, mut prev_gap) = (0, 0, 0, false);
    for (k, &i) in tail_lines.iter().enumerate() {
        let content = lines.spans[i].content(text);
        let masked = fingerprint::masked(content);
        if evidence(i, &masked, true) || looks_like_chrome(content, &masked) {
            chrome_lines += 1;
            prev_gap = false;
            if gaps * CHROME_PER_GAP <= chrome_lines {
                take = k + 1;
            }
        } else {
            let few_words = masked.split(' ').count() < GAP_MAX_WORDS;
            if k == 0 || prev_gap || !few_words {
                break;
            }
            gaps += 1;
            prev_gap = true;
        }
    }
    for &i in &tail_lines[..take] {
        labels[i] = chrome;
    }
    // The last content line: a short last sentence (or two) that the corpus
    // shows at the end of other pages of the site is cut off.
    let cut = tail_lines.get(take).and_then(|&i| {
        let span = &lines.spans[i];
        let content = span.content(text);
        let mut suffixes = fingerprint::sentence_suffixes(content).into_iter().enumerate();
        suffixes.find_map(|(slot, s)| {
            let docs = index.edge_docs(fingerprint::tail_phrase_key(site, &content[s..]));
            let kept = content[..s].trim_end();
            // Cut down to a line the corpus has, a line would become a
            // duplicate that a second run removes (or that makes the copy
            // elsewhere a duplicate of it): such a cut is not made.
            let is_indexed = answers.prefix_is_indexed(i as u32, slot as u32);
            (docs >= rules.chrome_min_docs && !is_indexed).then(|| Cut {
                line: i,
                at: span.start + kept.len(),
            })
        })
    });

    // Head: forward from the start over the head lines, on evidence only.
    for &i in &head_lines {
        if !evidence(i, &fingerprint::masked(lines.spans[i].content(text)), false) {
            break;
        }
        labels[i] = chrome;
    }
    cut
}

/// Chrome by shape: a few words with no sentence-final punctuation, or a line
/// of codes and digits ("7403/ 6133/"). `masked` is the line normalized with
/// digits masked.
fn looks_like_chrome(line: &str, masked: &str) -> bool {
    let tokens: Vec<&str> = masked.split(' ').filter(|t| !t.is_empty()).collect();
    if !tokens.is_empty() && tokens.iter().all(|t| *t == "0") {
        return true;
    }
    let last = line
        .trim_end()
        .trim_end_matches(['"', '\'', '»', '”', '’', ')', ']', '»'])
        .chars()
        .last();
    let ends_sentence = matches!(last, Some('.' | '!' | '?' | '؟' | '…' | '。' | '।'));
    tokens.len() <= SHAPE_MAX_WORDS && !ends_sentence
}

#[cfg(test)]
mod tests {
    use crate::fingerprint::masked;

    fn looks_like_chrome(line: &str) -> bool {
        super::looks_like_chrome(line, &masked(line))
    }

    #[test]
    fn shape_of_chrome_lines() {
        for chrome in [
            "نظر شما",
            "کد خبر 1017002",
            "7403/ 6133/",
            "Share this article",
            "آخرین اخبار",
            "Related news",
        ] {
            assert!(looks_like_chrome(chrome), "{chrome}");
        }
        for content in [
            "He left.",
            "آدرس ایمیل خود را با فرمت مناسب وارد نمایید.",
            "The council approved the new budget after a long debate on Monday",
            "«این طرح اجرا می‌شود.»",
        ] {
            assert!(!looks_like_chrome(content), "{content}");
        }
    }
}
