//! `chrome`: site template lines (navigation, "news code 1017002", share
//! lines, comment-form labels, "your comment", newsletter hints, copyright
//! lines).
//!
//! Learned from the corpus: the first pass counts, per site, in how many
//! source documents each line occurs (a short line digits masked: a date or
//! a news code changes from page to page; a long line as it is: one that
//! differs in its figures is a table or a score) and how many pages the
//! site has. A line is template wherever it stands, the first page
//! included, when more than half of the site's pages hold it; or when
//! `chrome_min_docs` pages hold it, it is no long sentence, and it leads
//! the page or stands next to another such line that only some pages hold
//! (see [`label_template`]). A long sentence on fewer pages is content even
//! when it recurs: a quote or a syndicated paragraph is a duplicate, whose
//! first occurrence stays.
//!
//! At the tail, chrome is also found by shape: a few words without
//! sentence-final punctuation, or only codes and digits. Stripping walks
//! back from the end over the template and kept lines and stops at the
//! first content line; a single short content line inside a run of chrome
//! goes with it when chrome lines outnumber such lines 3 to 1. The walk
//! runs over the lines the other rules keep (chrome is judged on what will
//! be written, so a second run finds no new edge), and never reaches the
//! first half of them: it cannot empty a document on its own. Titles are
//! short and unpunctuated too, which is why the head has no rule by shape.
//!
//! A title that holds a headline further down the page ("Example News -
//! Headline" above "Headline") is chrome when its other words are the
//! site's: text before its first separator or after its last that
//! `chrome_min_docs` pages of the site hold (in their titles or on a line
//! of their own). The headline stays: it is the content.
//!
//! The last sentence or two (up to 40 words) of the last content line, when
//! the corpus shows them at the tails of `chrome_min_docs` documents of the
//! site (on their own line or glued on), are cut from that line: "… end of
//! story. © 2024 Example News. All rights reserved." keeps "… end of story.".
//! A phrase glued on with no sentence break ("… end of story Material from
//! …") is cut when more than half of the site's pages end with it and
//! `chrome_min_docs` hold it as a unit of its own; a few words between the
//! cut and the sentence before (an editor's tag, "XY/ZW") go with it.

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

const CHROME: Label = Label::Removed {
    reason: Reason::Chrome,
    of: None,
};

/// Labels the kept lines that are site template (see [`SiteCount`]): lines
/// that most pages of the site hold (a menu, a share line between
/// paragraphs, form labels, a comment-form notice), and lines with block
/// evidence that only some pages hold when they lead the document (a
/// breadcrumb) or stand next to another such line (a list of related
/// stories). Such a line among content lines stays, even beside a line
/// that most pages hold: a byline or a dateline ("Staff reporter", "CORK
/// (Reuters) -") recurs and is content.
pub(super) fn label_template(
    text: &str,
    lines: &Lines,
    facts: &DocFingerprint,
    index: &CorpusIndex,
    labels: &mut [Label],
) {
    let words: Vec<usize> = word_lines(&facts.lines).collect();
    let pages = index.site_docs(fingerprint::site_pages_key(facts.site));
    let counts: Vec<SiteCount> = words
        .iter()
        .map(|&i| SiteCount::of(i, text, lines, facts, index, pages))
        .collect();
    let most = |w: usize| counts.get(w).is_some_and(|c| c.is_on_most_pages(index));
    let block = |w: usize| counts.get(w).is_some_and(|c| c.is_block_evidence(index));
    // Lines of a block recur together: two lines that only some pages hold
    // (a list of related stories), not such a line beside one that most
    // pages hold (a byline above the share buttons).
    let some = |w: usize| block(w) && !most(w);
    let leading = (0..words.len()).take_while(|&w| block(w)).count();
    for (w, &i) in words.iter().enumerate() {
        let in_block = some(w) && (w < leading || (w > 0 && some(w - 1)) || some(w + 1));
        if labels[i].is_kept() && (most(w) || in_block) {
            labels[i] = CHROME;
        }
    }
    // A title that holds a headline of the page with words of the site's
    // template around it ("Example News - Headline"): the title is chrome,
    // and the headline, the content, stays.
    for r in &facts.near_repeats {
        let (title, headline) = (r.of as usize, r.line as usize);
        if labels[title].is_kept()
            && labels[headline].is_kept()
            && has_site_affix(title, text, lines, facts, index)
        {
            labels[title] = CHROME;
        }
    }
}

/// Whether line `i` has a title affix ([`fingerprint::title_affixes`]) that
/// `chrome_min_docs` source documents of its site hold.
fn has_site_affix(i: usize, text: &str, lines: &Lines, facts: &DocFingerprint, index: &CorpusIndex) -> bool {
    let min = index.rules().chrome_min_docs;
    fingerprint::title_affixes(lines.spans[i].content(text))
        .into_iter()
        .any(|affix| index.site_docs(fingerprint::phrase_key(facts.site, affix)) >= min)
}

/// What the corpus says of a word line: in how many source documents of its
/// site it occurs ([`fingerprint::template_key`]; 0 below
/// `chrome_min_docs`), of how many (`site_pages`, the same for every line of
/// a document: looked up once by the caller), and whether it is a long
/// sentence.
struct SiteCount {
    docs: u32,
    site_pages: u32,
    long_sentence: bool,
}

impl SiteCount {
    fn of(
        i: usize,
        text: &str,
        lines: &Lines,
        facts: &DocFingerprint,
        index: &CorpusIndex,
        site_pages: u32,
    ) -> SiteCount {
        let fp = facts.lines[i];
        let min_chars = index.rules().min_line_chars;
        let key = fingerprint::template_key(fp, facts.masked_keys[i], min_chars);
        SiteCount {
            docs: index.site_docs(fingerprint::site_line_key(facts.site, key)),
            site_pages,
            long_sentence: fp.is_long(min_chars) && fingerprint::ends_sentence(lines.spans[i].content(text)),
        }
    }

    /// `chrome_min_docs` pages hold the line, and it is no long sentence (a
    /// quote, a syndicated paragraph: a duplicate whose first occurrence stays).
    fn is_block_evidence(&self, index: &CorpusIndex) -> bool {
        !self.long_sentence && self.docs >= index.rules().chrome_min_docs
    }

    /// At least `chrome_min_docs` and more than half of the site's pages hold the line.
    fn is_on_most_pages(&self, index: &CorpusIndex) -> bool {
        self.docs >= index.rules().chrome_min_docs && 2 * self.docs > self.site_pages
    }
}

/// Labels the chrome lines at the tail of what the other rules keep and
/// returns the cut of a chrome phrase glued to the end of the last content
/// line, if any.
pub(super) fn label_tail(
    text: &str,
    lines: &Lines,
    facts: &DocFingerprint,
    index: &CorpusIndex,
    answers: &KeyAnswers<'_>,
    labels: &mut [Label],
) -> Option<Cut> {
    let fps = &facts.lines[..];
    // The document as it will be written, with its template lines (which
    // the walk passes over as chrome).
    let kept: Vec<usize> = word_lines(fps)
        .filter(|&i| labels[i].is_kept() || labels[i].reason() == Some(Reason::Chrome))
        .collect();
    if kept.len() < 2 {
        return None;
    }
    // Back from the end over the tail lines (never the first half).
    let (_, tail_lines) = fingerprint::edges_of(&kept);
    let pages = index.site_docs(fingerprint::site_pages_key(facts.site));
    let (mut chrome_lines, mut gaps, mut take, mut prev_gap) = (0, 0, 0, false);
    for (k, &i) in tail_lines.iter().enumerate() {
        let content = lines.spans[i].content(text);
        let masked = fingerprint::masked(content);
        let count = SiteCount::of(i, text, lines, facts, index, pages);
        let evidence = count.is_block_evidence(index) || count.is_on_most_pages(index);
        if evidence || looks_like_chrome(content, &masked) {
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
        labels[i] = CHROME;
    }
    // The walk stopped at the last content line (a kept line).
    let last = tail_lines.get(take).copied()?;
    suffix_cut(text, lines, facts, index, answers, last)
}

/// The cut of the last content line `i`: a short last sentence (or two)
/// that the corpus shows at the end of other pages of the site, or a
/// phrase glued on with no sentence break (see [`glued_phrase`]), whichever
/// starts first; with a few words between it and the sentence before
/// (an editor's tag).
fn suffix_cut(
    text: &str,
    lines: &Lines,
    facts: &DocFingerprint,
    index: &CorpusIndex,
    answers: &KeyAnswers<'_>,
    i: usize,
) -> Option<Cut> {
    let span = &lines.spans[i];
    let content = span.content(text);
    let mut suffixes = fingerprint::sentence_suffixes(content).into_iter().enumerate();
    let sentences = suffixes.find_map(|(slot, s)| {
        let docs = index.site_docs(fingerprint::phrase_key(facts.site, &content[s..]));
        // Cut down to a line the corpus has, a line would become a
        // duplicate that a second run removes (or that makes the copy
        // elsewhere a duplicate of it): such a cut is not made.
        let is_indexed = answers.prefix_is_indexed(i as u32, slot as u32);
        (docs >= index.rules().chrome_min_docs && !is_indexed).then_some(s)
    });
    let glued = glued_phrase(content, facts.site, index);
    let start = sentences.into_iter().chain(glued).min()?;
    let start = with_tag(content, start);
    Some(Cut {
        line: i,
        at: span.start + content[..start].trim_end().len(),
    })
}

/// Where a phrase glued to the end of `line` with no sentence break before
/// it starts, if any: the longest word suffix that more than half of the
/// site's pages end with (in any form: glued on or on a line of its own)
/// and that `chrome_min_docs` pages hold as a unit of their own (a line, or
/// a sentence after a sentence break): the notice the site adds to every
/// page. A sentence that merely ends like many others ("… he added.") ends
/// no more than some pages, or in a few words, and stays whole.
fn glued_phrase(line: &str, site: u64, index: &CorpusIndex) -> Option<usize> {
    let min = index.rules().chrome_min_docs;
    let pages = index.site_docs(fingerprint::site_pages_key(site));
    let suffixes = fingerprint::word_suffixes(line);
    // A few words are how a sentence ends ("… he added."), however many
    // pages end so: a glued phrase has more words than a line by shape.
    let phrases = suffixes.len().saturating_sub(SHAPE_MAX_WORDS);
    suffixes[..phrases].iter().find_map(|&(s, key)| {
        let ending = index.site_docs(fingerprint::ending_key(site, key));
        let unit = index.site_docs(fingerprint::site_line_key(site, key));
        (2 * ending > pages && unit >= min).then_some(s)
    })
}

/// The start of a cut at `start` in `line`, moved back over a few words
/// without sentence-final punctuation that stand between it and the
/// sentence before (an editor's tag, "XY/ZW"): chrome by shape.
fn with_tag(line: &str, start: usize) -> usize {
    let before = line[..start].trim_end();
    let Some(&tag) = fingerprint::sentence_suffixes(before).last() else {
        return start;
    };
    let fragment = &before[tag..];
    let words = fragment.split_whitespace().count();
    if words <= SHAPE_MAX_WORDS && !fingerprint::ends_sentence(fragment) {
        tag
    } else {
        start
    }
}

/// Chrome by shape: a few words with no sentence-final punctuation, or a line
/// of codes and digits ("7403/ 6133/"). `masked` is the line normalized with
/// digits masked.
fn looks_like_chrome(line: &str, masked: &str) -> bool {
    let tokens: Vec<&str> = masked.split(' ').filter(|t| !t.is_empty()).collect();
    if !tokens.is_empty() && tokens.iter().all(|t| *t == "0") {
        return true;
    }
    tokens.len() <= SHAPE_MAX_WORDS && !fingerprint::ends_sentence(line)
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
