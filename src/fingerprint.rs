//! Fingerprints of lines and documents, computed once in the first pass and
//! kept (16 bytes a line) so the second pass need not normalize again.
//!
//! This module also defines which lines are "short" and which keys go into
//! the corpus index, so the index and the rules that query it cannot disagree.

use std::cell::RefCell;

use xxhash_rust::xxh3::{xxh3_64_with_seed, Xxh3};

use crate::config::{EDGE_LINES, MAX_HITS, MIN_SHINGLES, SAMPLE_SLACK, SHINGLE_SAMPLE};
use crate::doc::Lines;
use crate::normalize::{self, Digits};

const PAIR_SEED: u64 = 0x5bd1_e995_27d4_eb2f;
const DOC_SEED: u64 = 0x1656_67b1_9e37_79f9;
const SHINGLE_SEED: u64 = 0x27d4_eb2f_1656_67c5;
const SITE_SEED: u64 = 0x85eb_ca77_c2b2_ae63;
const ENDING_SEED: u64 = 0xc2b2_ae3d_27d4_eb4f;

/// The fingerprint of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineFp {
    /// xxh3 of the normalized line; 0 when the line has no words.
    pub key: u64,
    /// Characters of the normalized line; 0 for a blank or punctuation-only line.
    pub chars: u32,
}

impl LineFp {
    /// A line with at least one letter or digit. Lines without words are
    /// never duplicates; they only follow the fate of their neighbours.
    pub fn has_words(&self) -> bool {
        self.chars > 0
    }

    /// Long enough to be removed as a duplicate on its own.
    pub fn is_long(&self, min_chars: usize) -> bool {
        self.chars as usize >= min_chars
    }
}

/// The key of two consecutive word lines (blank lines between them ignored).
pub fn pair_key(first: u64, second: u64) -> u64 {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&first.to_le_bytes());
    bytes[8..].copy_from_slice(&second.to_le_bytes());
    xxh3_64_with_seed(&bytes, PAIR_SEED)
}

/// The hash of each word of a normalized line (xxh3, fixed seed): the input
/// of [`shingles_of`].
pub fn word_hashes(normalized: &str) -> impl Iterator<Item = u64> + '_ {
    let words = (!normalized.is_empty()).then(|| normalized.as_bytes().split(|b| *b == b' '));
    words
        .into_iter()
        .flatten()
        .map(|w| xxh3_64_with_seed(w, SHINGLE_SEED))
}

/// The hash of a shingle: its words' hashes folded in order.
fn window_hash(words: &[u64]) -> u64 {
    words[1..].iter().fold(words[0], |h, w| mix(h, *w))
}

fn mix(acc: u64, word: u64) -> u64 {
    (acc.rotate_left(23) ^ word).wrapping_mul(0x9fb2_1c65_1e98_df25)
}

/// A share in [0, 1] as a whole number per mille.
pub fn per_mille(x: f64) -> u16 {
    (x * 1000.0).round().clamp(0.0, 1000.0) as u16
}

/// Elements two sorted, deduplicated slices share.
pub fn shared<T: Ord + Copy>(a: &[T], b: &[T]) -> usize {
    shared_at_least(a, b, 0).unwrap_or(0)
}

/// Elements two sorted, deduplicated slices share, if at least `need`; gives
/// up as soon as the rest of the shorter slice cannot make up the difference
/// (most candidate sources fail, and fail early).
///
/// The lists are walked four elements at a time: the 16 comparisons of two
/// blocks need no branch (they compile to vector compares), and the block
/// whose last element is smaller moves on. Which side moves is as good as
/// random for hash ids, so a branch per element, mispredicted half the time,
/// was most of the cost of the element-by-element merge.
pub fn shared_at_least<T: Ord + Copy>(a: &[T], b: &[T], need: usize) -> Option<usize> {
    const BLOCK: usize = 4;
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i + BLOCK <= a.len() && j + BLOCK <= b.len() {
        // Elements of a block already counted stay in this bound: it only errs high.
        if n + (a.len() - i).min(b.len() - j) < need {
            return None;
        }
        let (x, y) = (&a[i..i + BLOCK], &b[j..j + BLOCK]);
        n += x
            .iter()
            .map(|p| y.iter().filter(|&q| p == q).count())
            .sum::<usize>();
        // Every element of the block that moves on is below the other
        // block's last, so it cannot equal anything after that block.
        let (last_x, last_y) = (x[BLOCK - 1], y[BLOCK - 1]);
        i += usize::from(last_x <= last_y) * BLOCK;
        j += usize::from(last_y <= last_x) * BLOCK;
    }
    while i < a.len() && j < b.len() {
        if n + (a.len() - i).min(b.len() - j) < need {
            return None;
        }
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    (n >= need).then_some(n)
}

/// A shingle as it is kept and compared: the top 32 bits of its hash.
/// Between the two lines a comparison looks at, a collision is a one in
/// millions event. The corpus-wide first occurrences key the sampled
/// shingles on all 64 bits (see [`shingles_of`]): with 32, distinct
/// shingles of a large corpus would share ids and mask true sources.
pub type ShingleId = u32;

/// The id of a shingle of 64-bit hash `hash`.
pub fn shingle_id(hash: u64) -> ShingleId {
    (hash >> 32) as ShingleId
}

/// Word n-gram shingles of `k` words as sorted, distinct ids, from a line's
/// word hashes. A shingle's hash folds in its words' hashes in order; a line
/// of fewer than `k` words has one shingle: all its words.
pub fn shingle_ids_of(words: &[u64], k: usize, out: &mut Vec<ShingleId>) {
    shingles_of(words, k, out, &mut Vec::new());
}

/// [`shingle_ids_of`], and the full 64-bit hashes of the sampled shingles
/// ([`is_sampled`] on their id) in `sampled`, sorted and distinct.
pub fn shingles_of(words: &[u64], k: usize, out: &mut Vec<ShingleId>, sampled: &mut Vec<u64>) {
    out.clear();
    sampled.clear();
    if words.is_empty() {
        return;
    }
    let mut add = |win: &[u64]| {
        let hash = window_hash(win);
        let id = shingle_id(hash);
        out.push(id);
        if is_sampled(id) {
            sampled.push(hash);
        }
    };
    if words.len() < k {
        add(words);
        return;
    }
    words.windows(k).for_each(add);
    out.sort_unstable();
    out.dedup();
    sampled.sort_unstable();
    sampled.dedup();
}

/// The shingles of a document's word stream that no one line holds: the
/// windows of `k` words across the end of a line, given the word hashes of
/// its long lines one after another (`words`) and where each line's end
/// (`line_ends`). With the lines' own shingles, they are the shingles of the
/// stream: the same wherever its line breaks fall.
pub fn boundary_shingles(words: &[u64], line_ends: &[usize], k: usize, out: &mut Vec<ShingleId>) {
    let mut ends = line_ends.iter().copied().peekable();
    for start in 0..words.len().saturating_sub(k - 1) {
        while ends.next_if(|&end| end <= start).is_some() {}
        if ends.peek().is_some_and(|&end| end < start + k) {
            out.push(shingle_id(window_hash(&words[start..start + k])));
        }
    }
}

/// The shingles of `n` words of a normalized line (see [`shingle_ids_of`]).
pub fn shingle_ids(normalized: &str, n: usize, out: &mut Vec<ShingleId>) {
    let words: Vec<u64> = word_hashes(normalized).collect();
    shingle_ids_of(&words, n, out);
}

/// The shingles that go into the corpus-wide table of first occurrences: the
/// same ones in every document, chosen by hash.
pub fn is_sampled(id: ShingleId) -> bool {
    id % SHINGLE_SAMPLE == 0
}

/// How many of a line's `sampled` shingles the near-duplicate look-up may
/// find new (not seen in an earlier document) before it gives the line up.
pub fn allowed_misses(sampled: usize, containment: f64) -> usize {
    ((1.0 - containment + SAMPLE_SLACK) * sampled as f64).floor() as usize
}

/// How many of the sampled shingles of a line of `shingles` shingles, in id
/// order, the near-duplicate look-up asks about at most: it stops at
/// [`MAX_HITS`] hits or one miss past those allowed, and never asks about a
/// line too short to be judged. Only these need an answer.
pub fn asked_shingles(shingles: usize, sampled: usize, containment: f64) -> usize {
    if shingles < MIN_SHINGLES {
        return 0;
    }
    sampled.min(MAX_HITS + allowed_misses(sampled, containment))
}

/// Key of a line of a site, for counting site chrome: its [`masked_key`]
/// with the site mixed in.
pub fn site_line_key(site: u64, masked_key: u64) -> u64 {
    xxh3_64_with_seed(&masked_key.to_le_bytes(), SITE_SEED ^ site)
}

/// The key under which a line is counted for site template: a short
/// line's [`masked_key`] (a date or a news code changes from page to page),
/// a long line's own key (a long line that differs from page to page in its
/// figures is a table or a score: content).
pub fn template_key(fp: LineFp, masked_key: u64, min_line_chars: usize) -> u64 {
    if fp.is_long(min_line_chars) {
        fp.key
    } else {
        masked_key
    }
}

/// Key of the words a page of a site may end with (a [`word_suffixes`] key
/// of a long sentence of its tail, or that whole line's [`masked_key`]), for
/// counting how many pages end so.
pub fn ending_key(site: u64, masked_key: u64) -> u64 {
    xxh3_64_with_seed(&masked_key.to_le_bytes(), ENDING_SEED ^ site)
}

/// The key every page of a site counts under once (no line has an empty
/// masked text): how many pages the site has.
pub fn site_pages_key(site: u64) -> u64 {
    site_line_key(site, masked_key(""))
}

/// The affixes of a title line ("Example News - Headline", "Headline |
/// Example News"): the text before its first separator and after its last,
/// where a separator is a token of dashes, bars, bullets, guillemets or
/// colons alone, and words stand on both sides of it.
pub fn title_affixes(line: &str) -> Vec<&str> {
    let is_separator = |t: &str| {
        t.chars()
            .all(|c| matches!(c, '-' | '|' | '–' | '—' | '·' | '•' | '»' | '«' | ':'))
    };
    let has_word = |s: &str| s.chars().any(char::is_alphanumeric);
    // Byte ranges of the separator tokens.
    let mut seps = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                if is_separator(&line[s..i]) {
                    seps.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    let (Some(&(first, _)), Some(&(_, last))) = (seps.first(), seps.last()) else {
        return Vec::new();
    };
    let (before, after) = (line[..first].trim(), line[last..].trim());
    let mut affixes = Vec::new();
    if has_word(before) && has_word(&line[first..]) {
        affixes.push(before);
    }
    if has_word(after) && has_word(&line[..last]) && after != before {
        affixes.push(after);
    }
    affixes
}

/// The site line key of a phrase at the end of a line (a
/// [`sentence_suffixes`] suffix): the same as that phrase's on a line of its own.
pub fn phrase_key(site: u64, phrase: &str) -> u64 {
    site_line_key(site, masked_key(&masked(phrase)))
}

/// The hash of a line's digit-masked normalized text ([`masked`]).
pub fn masked_key(masked: &str) -> u64 {
    xxh3_64_with_seed(masked.as_bytes(), SITE_SEED)
}

/// A site's key: xxh3 of its name (so workers need no shared table of sites).
pub fn site_key(name: &str) -> u64 {
    xxh3_64_with_seed(name.as_bytes(), SITE_SEED)
}

/// The head (first word lines, in order) and the tail (last word lines, from
/// the end) of a document given as its word lines: at most `EDGE_LINES`
/// each, and never overlapping, so that in a short document a line is at
/// one edge only.
pub fn edges_of(words: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let head_len = (words.len() / 2).min(EDGE_LINES);
    let tail_len = (words.len() - head_len).min(EDGE_LINES);
    let head = words.iter().take(head_len).copied().collect();
    let tail = words.iter().rev().take(tail_len).copied().collect();
    (head, tail)
}

/// Whether a line's content ends a sentence (closing quotes and brackets
/// aside): `.`, `!`, `?`, `؟`, `…`, `。` or `।`.
pub fn ends_sentence(line: &str) -> bool {
    let last = line
        .trim_end()
        .trim_end_matches(['"', '\'', '»', '”', '’', ')', ']'])
        .chars()
        .last();
    matches!(last, Some('.' | '!' | '?' | '؟' | '…' | '。' | '।'))
}

/// A glued chrome phrase has at most this many words: licence and copyright
/// notices run 10 to 40 words in real news crawls (with 12, 80% of the
/// pages of one kept theirs).
pub const SUFFIX_MAX_WORDS: usize = 40;

/// Where the last one and the last two sentences of a line start (byte
/// offsets into `line`, the longer suffix first), when they are short enough
/// to be a chrome phrase glued to the end of content ("… end of story.
/// © 2024 Example News. All rights reserved.") and text with words comes
/// before them. A sentence starts after `.`, `!`, `?`, `؟`, `…` or `|`
/// followed by white space.
pub fn sentence_suffixes(line: &str) -> Vec<usize> {
    let content = line.trim_end();
    let ends_sentence = |c: char| matches!(c, '.' | '!' | '?' | '؟' | '…' | '|' | '。' | '।');
    // Walk back from the end (only the last few words matter).
    let mut starts: Vec<usize> = Vec::new();
    let (mut words, mut in_word) = (0, false);
    let mut chars = content.char_indices().rev().peekable();
    while let Some((i, c)) = chars.next() {
        if !c.is_whitespace() {
            in_word = true;
            continue;
        }
        if in_word {
            words += 1;
            in_word = false;
            if words > SUFFIX_MAX_WORDS {
                break;
            }
        }
        if words > 0 && chars.peek().is_some_and(|&(_, p)| ends_sentence(p)) {
            starts.push(i + c.len_utf8());
            if starts.len() == 2 {
                break;
            }
        }
    }
    // A sentence starts after all the white space that precedes it.
    let has_word = |s: &str| s.chars().any(char::is_alphanumeric);
    starts.reverse();
    starts
        .into_iter()
        .map(|s| s + content[s..].len() - content[s..].trim_start().len())
        .filter(|&s| s < content.len() && has_word(&content[s..]) && has_word(&content[..s]))
        .collect()
}

/// The suffixes of a line that start at a word, for its last words (at
/// most [`SUFFIX_MAX_WORDS`], with a word before them), longest first: where
/// each starts (a byte offset into `line`) and its [`masked_key`], the key of
/// the same words on a line of their own. Each word is normalized once:
/// nothing joins across white space in normalization, so the masked text of
/// a suffix is that of its words joined by one space.
pub fn word_suffixes(line: &str) -> Vec<(usize, u64)> {
    let content = line.trim_end();
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut end = None;
    for (i, c) in content.char_indices().rev() {
        match (c.is_whitespace(), end) {
            (false, None) => end = Some(i + c.len_utf8()),
            (true, Some(e)) => {
                words.push((i + c.len_utf8(), e));
                end = None;
                if words.len() > SUFFIX_MAX_WORDS {
                    break;
                }
            }
            _ => {}
        }
    }
    if let Some(e) = end {
        words.push((0, e));
    }
    words.reverse();
    // The first word is what comes before the suffixes (or the first of them
    // when the line is short: then one word fewer is a suffix).
    let has_word = |s: &str| s.chars().any(char::is_alphanumeric);
    let masked_words: Vec<String> = words.iter().map(|&(s, e)| masked(&content[s..e])).collect();
    let mut joined = String::new();
    let mut starts = vec![0; words.len()];
    for (k, m) in masked_words.iter().enumerate() {
        if !m.is_empty() && !joined.is_empty() {
            joined.push(' ');
        }
        starts[k] = joined.len();
        joined.push_str(m);
    }
    (1..words.len())
        .filter(|&k| !masked_words[k].is_empty() && has_word(&content[..words[k].0]))
        .map(|k| (words[k].0, masked_key(&joined[starts[k]..])))
        .collect()
}

#[cfg(test)]
#[test]
fn word_suffixes_key_the_words_as_a_line_of_their_own_would() {
    for line in [
        "The story ends here Material from Example News may be republished, version 4.0.  ",
        "پایان خبر استفاده از مطالب «نمونه» تنها با ذکر منبع مجاز است.",
        "Scores: 12-10 — and 3,500 fans… (AB/CD) Copyright 2024",
        "one",
    ] {
        let got = word_suffixes(line);
        let content = line.trim_end();
        // Every word but the first starts one, but a word without letters
        // or digits ("—"): the suffix from the next word is the same text.
        let starts = content
            .split_whitespace()
            .skip(1)
            .filter(|w| !masked(w).is_empty())
            .count();
        assert_eq!(got.len(), starts, "{line}");
        for (s, key) in got {
            assert!(content[..s].ends_with(char::is_whitespace), "{line}: {s}");
            assert_eq!(
                key,
                masked_key(&masked(&content[s..])),
                "{line}: {}",
                &content[s..]
            );
        }
    }
    let long = "word ".repeat(SUFFIX_MAX_WORDS + 10);
    assert_eq!(word_suffixes(&long).len(), SUFFIX_MAX_WORDS);
}

#[cfg(test)]
#[test]
fn sentence_suffixes_are_the_last_short_sentences() {
    let line = "The council met.  It voted. © 2024 Example News. All rights reserved. ";
    let starts: Vec<&str> = sentence_suffixes(line)
        .iter()
        .map(|&s| line[s..].trim_end())
        .collect();
    assert_eq!(
        starts,
        [
            "© 2024 Example News. All rights reserved.",
            "All rights reserved."
        ]
    );
    assert!(sentence_suffixes("One sentence only.").is_empty());
    assert!(sentence_suffixes("Nothing after the mark. ...").is_empty());
    let long = format!("Intro. {}", "word ".repeat(SUFFIX_MAX_WORDS + 1));
    assert!(
        sentence_suffixes(&long).is_empty(),
        "a long last sentence is content"
    );
    let sep = "Story ends here. | Site name";
    let starts: Vec<&str> = sentence_suffixes(sep).iter().map(|&s| &sep[s..]).collect();
    assert_eq!(starts, ["| Site name", "Site name"]);
}

/// The key ([`normalize::line_key`]) of what a line keeps when it is cut at
/// `s`, a start of [`sentence_suffixes`]: the normalized text of
/// `content[..s]`, given the normalized text of the whole line. A sentence
/// starts after white space, where nothing joins across in normalization,
/// so the whole line normalizes to its two parts joined by one space: the
/// short suffix is normalized and taken off the end, rather than the long
/// prefix normalized again. (Where the line does not end that way, the
/// prefix is normalized; a property test checks the two agree.) `buf` is
/// scratch.
pub fn cut_key(content: &str, s: usize, normalized: &str, buf: &mut String) -> u64 {
    normalize::normalize_into(&content[s..], Digits::Ascii, buf);
    let kept = normalized
        .strip_suffix(buf.as_str())
        .and_then(|p| p.strip_suffix(' '))
        .filter(|p| !p.is_empty());
    match kept {
        Some(kept) => normalize::line_key(kept),
        None => {
            normalize::normalize_into(content[..s].trim_end(), Digits::Ascii, buf);
            normalize::line_key(buf)
        }
    }
}

/// Normalizes one line with digits masked (for site keys): each run of
/// digits becomes one `0`.
pub fn masked(line: &str) -> String {
    let mut normalized = String::new();
    normalize::normalize_into(line, Digits::Ascii, &mut normalized);
    let mut s = String::new();
    mask_digits(&normalized, &mut s);
    s
}

/// [`masked`] of a line already normalized with ASCII digits: the same text
/// as normalizing with [`Digits::Masked`].
pub fn mask_digits(normalized: &str, out: &mut String) {
    out.clear();
    // An ASCII digit byte is always a whole char in UTF-8, so the text between
    // digit runs is copied as it is.
    let bytes = normalized.as_bytes();
    let (mut i, mut copied) = (0, 0);
    while let Some(d) = bytes[i..].iter().position(u8::is_ascii_digit) {
        out.push_str(&normalized[copied..i + d]);
        out.push('0');
        i += d;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        copied = i;
    }
    out.push_str(&normalized[copied..]);
}

/// [`masked_key`] of a line already normalized with ASCII digits; `buf` is scratch.
pub fn masked_key_of_normalized(normalized: &str, buf: &mut String) -> u64 {
    if normalized.bytes().any(|b| b.is_ascii_digit()) {
        mask_digits(normalized, buf);
        masked_key(buf)
    } else {
        masked_key(normalized)
    }
}

/// Fingerprints every line of a document.
pub fn fingerprint_lines(text: &str, lines: &Lines) -> Vec<LineFp> {
    fingerprint_lines_with(text, lines, |_, _, _| {})
}

/// Fingerprints every line, and hands each word line's index, fingerprint
/// and normalized text to `each` (so callers need not normalize again).
pub fn fingerprint_lines_with(
    text: &str,
    lines: &Lines,
    mut each: impl FnMut(usize, LineFp, &str),
) -> Vec<LineFp> {
    thread_local! {
        static BUF: RefCell<String> = RefCell::new(String::with_capacity(1024));
    }
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        lines
            .spans
            .iter()
            .enumerate()
            .map(|(i, span)| {
                let chars = normalize::normalize_into(span.content(text), Digits::Ascii, &mut buf);
                if chars == 0 {
                    return LineFp { key: 0, chars: 0 };
                }
                let fp = LineFp {
                    key: normalize::line_key(&buf),
                    chars: u32::try_from(chars).unwrap_or(u32::MAX),
                };
                each(i, fp, &buf);
                fp
            })
            .collect()
    })
}

/// The key of a document's normalized text: the sequence of its word lines.
/// Blank and punctuation-only lines do not count. `None` for a document without words.
pub fn doc_key(lines: &[LineFp]) -> Option<u64> {
    let mut h = Xxh3::with_seed(DOC_SEED);
    let mut any = false;
    for fp in lines.iter().filter(|l| l.has_words()) {
        h.update(&fp.key.to_le_bytes());
        any = true;
    }
    any.then(|| h.digest())
}

/// Indices of the word lines, in order.
pub fn word_lines(lines: &[LineFp]) -> impl Iterator<Item = usize> + '_ {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.has_words())
        .map(|(i, _)| i)
}

/// Calls `f(key, line)` for every key of this document that later documents may
/// duplicate: each long line, and each pair of consecutive word lines of which at
/// least one is short (a short line is a duplicate only together with a neighbour).
/// Pairs are reported at the line of their first element.
pub fn for_each_index_key(lines: &[LineFp], min_chars: usize, mut f: impl FnMut(u64, usize)) {
    for_each_index_pair(lines, min_chars, |key, line, _| f(key, line));
}

/// [`for_each_index_key`], with the second line of each pair:
/// `f(key, line, None)` for a long line, `f(key, first, Some(second))` for a pair.
pub fn for_each_index_pair(lines: &[LineFp], min_chars: usize, mut f: impl FnMut(u64, usize, Option<usize>)) {
    let mut prev: Option<usize> = None;
    for i in word_lines(lines) {
        let fp = lines[i];
        if fp.is_long(min_chars) {
            f(fp.key, i, None);
        }
        if let Some(p) = prev {
            let pf = lines[p];
            if !pf.is_long(min_chars) || !fp.is_long(min_chars) {
                f(pair_key(pf.key, fp.key), p, Some(i));
            }
        }
        prev = Some(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids of the shingles of `k` words of a line's worth of word hashes.
    fn ids(words: &[u64], k: usize) -> Vec<ShingleId> {
        let mut out = Vec::new();
        shingle_ids_of(words, k, &mut out);
        out
    }

    #[test]
    fn a_word_stream_is_its_lines_shingles_and_those_across_line_ends() {
        let words: Vec<u64> = (1..=14).map(|w| w * 0x9e37_79b9).collect();
        // Lines of 5, 2, 5 and 2 words: windows of 3 at 0..=11; those at 3,
        // 4 (across the end at 5), 5, 6 (across 7), 10 and 11 (across 12,
        // the last window) are in no one line.
        let mut across = Vec::new();
        boundary_shingles(&words, &[5, 7, 12, 14], 3, &mut across);
        let want: Vec<ShingleId> = [3, 4, 5, 6, 10, 11]
            .iter()
            .map(|&s| ids(&words[s..s + 3], 3)[0])
            .collect();
        assert_eq!(across, want);
        // With the lines' own, they are the stream's shingles, however it
        // is cut into lines (a line shorter than k words aside).
        let mut all: Vec<ShingleId> = ids(&words[..5], 3);
        all.extend(ids(&words[7..12], 3));
        all.extend(&across);
        all.sort_unstable();
        all.dedup();
        assert_eq!(all, ids(&words, 3));
        across.clear();
        boundary_shingles(&words, &[14], 3, &mut across);
        assert!(across.is_empty(), "one line: nothing across");
        boundary_shingles(&words[..2], &[1, 2], 3, &mut across);
        assert!(across.is_empty(), "fewer words than a shingle");
    }

    #[test]
    fn the_look_up_asks_about_the_hits_it_stops_at_and_the_misses_it_allows() {
        // 35% of the sampled shingles may miss at containment 0.8.
        assert_eq!(allowed_misses(100, 0.8), 35);
        assert_eq!(allowed_misses(10, 0.8), 3);
        assert_eq!(allowed_misses(10, 1.0), 1);
        assert_eq!(
            asked_shingles(MIN_SHINGLES - 1, 5, 0.8),
            0,
            "too short to be judged"
        );
        assert_eq!(asked_shingles(MIN_SHINGLES, 5, 0.8), 5);
        assert_eq!(asked_shingles(40, 20, 0.8), 20, "16 hits and 7 misses: all 20");
        assert_eq!(asked_shingles(200, 100, 0.8), MAX_HITS + 35);
    }

    fn fps(text: &str) -> Vec<LineFp> {
        fingerprint_lines(text, &Lines::split(text))
    }

    #[test]
    fn blank_and_punctuation_lines_have_no_words() {
        let f = fps("\n  \n* * *\nhello\n");
        assert_eq!(
            f.iter().map(|l| l.has_words()).collect::<Vec<_>>(),
            [false, false, false, true]
        );
    }

    #[test]
    fn doc_key_ignores_blank_lines_and_white_space() {
        assert_eq!(
            doc_key(&fps("Hello  world\n\nBye\n")),
            doc_key(&fps("hello world\nbye"))
        );
        assert_ne!(doc_key(&fps("a\nb")), doc_key(&fps("b\na")));
        assert_eq!(doc_key(&fps("\n...\n")), None);
    }

    #[test]
    fn shingles_are_word_windows_and_short_lines_have_one() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        shingle_ids("one two three four five six", 5, &mut a);
        assert_eq!(a.len(), 2);
        shingle_ids("zero one two three four five six", 5, &mut b);
        assert_eq!(b.len(), 3);
        assert!(
            a.iter().all(|s| b.contains(s)),
            "a prefix-cut line's shingles are contained"
        );
        shingle_ids("too short", 5, &mut a);
        assert_eq!(a.len(), 1);
        shingle_ids("", 5, &mut a);
        assert!(a.is_empty());
        shingle_ids("a a a a a a a", 5, &mut a);
        assert_eq!(a.len(), 1, "repeated windows count once");
    }

    proptest::proptest! {
        #[test]
        fn the_sampled_hashes_are_the_sampled_ids_with_all_their_bits(
            words in proptest::collection::vec(0u64..40, 0..60),
            k in 1usize..6,
        ) {
            let (mut ids, mut sampled) = (Vec::new(), Vec::new());
            shingles_of(&words, k, &mut ids, &mut sampled);
            let mut only_ids = Vec::new();
            shingle_ids_of(&words, k, &mut only_ids);
            proptest::prop_assert_eq!(&ids, &only_ids);
            let sampled_ids: Vec<ShingleId> = ids.iter().copied().filter(|&id| is_sampled(id)).collect();
            let mut from_hashes: Vec<ShingleId> = sampled.iter().map(|&h| shingle_id(h)).collect();
            from_hashes.dedup();
            proptest::prop_assert_eq!(sampled_ids, from_hashes);
            proptest::prop_assert!(sampled.windows(2).all(|w| w[0] < w[1]));
        }

        /// The key of a cut from the whole line's normalized text is the key
        /// of the kept text normalized on its own.
        #[test]
        fn cut_key_is_the_key_of_the_kept_text(
            parts in proptest::collection::vec(
                "([a-zA-Z0-9۰-۹٠-٩\u{200c}\u{64b}\u{301}\u{fb50}-\u{fb60}Σσ ,-]|\\PC){1,30}", 1..4),
            ends in proptest::collection::vec("[.!?؟…|] ?|\\s+", 3),
        ) {
            let s: String = parts.iter().zip(&ends).map(|(p, e)| format!("{p}{e} ")).collect();
            let mut normalized = String::new();
            normalize::normalize_into(&s, Digits::Ascii, &mut normalized);
            let mut buf = String::new();
            for cut in sentence_suffixes(&s) {
                let mut direct = String::new();
                normalize::normalize_into(s[..cut].trim_end(), Digits::Ascii, &mut direct);
                proptest::prop_assert_eq!(cut_key(&s, cut, &normalized, &mut buf), normalize::line_key(&direct));
            }
        }

        #[test]
        fn masked_is_normalizing_with_masked_digits(
            s in "([a-zA-Z0-9۰-۹٠-٩\u{200c}\u{64b} ./,-]|\\PC){0,40}"
        ) {
            let mut direct = String::new();
            normalize::normalize_into(&s, Digits::Masked, &mut direct);
            proptest::prop_assert_eq!(masked(&s), direct);
        }

        /// The block-wise count agrees with counting each element, for
        /// every floor: small ids so that lists overlap a lot.
        #[test]
        fn shared_counts_every_common_element(
            a in proptest::collection::btree_set(0u32..64, 0..40),
            b in proptest::collection::btree_set(0u32..64, 0..40),
            need in 0usize..45,
        ) {
            let (a, b): (Vec<u32>, Vec<u32>) = (a.into_iter().collect(), b.into_iter().collect());
            let n = a.iter().filter(|x| b.contains(x)).count();
            proptest::prop_assert_eq!(shared(&a, &b), n);
            proptest::prop_assert_eq!(shared(&b, &a), n);
            proptest::prop_assert_eq!(shared_at_least(&a, &b, need), (n >= need).then_some(n));
        }
    }

    #[test]
    fn site_line_keys_mask_digits_and_separate_sites() {
        assert_eq!(masked("News code 1017002"), masked("news code ۱۰۱۷۳۴۵"));
        let m = masked_key(&masked("News code 1017002"));
        assert_ne!(site_line_key(1, m), site_line_key(2, m));
        assert_eq!(phrase_key(1, "News code 5"), site_line_key(1, m));
    }

    #[test]
    fn title_affixes_stand_before_the_first_separator_and_after_the_last() {
        assert_eq!(
            title_affixes("Example News - Council approves budget"),
            ["Example News", "Council approves budget"]
        );
        assert_eq!(
            title_affixes("Council approves budget | Politics | Example News"),
            ["Council approves budget", "Example News"]
        );
        assert_eq!(
            title_affixes("خبرگزاری نمونه :: افزایش قیمت نان"),
            ["خبرگزاری نمونه", "افزایش قیمت نان"]
        );
        // Hyphens inside words, a separator at an end and no separator are no affixes.
        assert!(title_affixes("A well-known long-term plan").is_empty());
        assert!(title_affixes("- A list item").is_empty());
        assert!(title_affixes("Headline only").is_empty());
    }

    #[test]
    fn pair_key_is_ordered() {
        assert_ne!(pair_key(1, 2), pair_key(2, 1));
    }

    #[test]
    fn index_keys_are_long_lines_and_pairs_with_a_short_line() {
        let long = "a line that is long enough to stand on its own";
        let text = format!("{long}\nshort\n\n{long} too\n");
        let f = fps(&text);
        let mut got = Vec::new();
        for_each_index_key(&f, 30, |k, i| got.push((k, i)));
        let expect = vec![
            (f[0].key, 0),
            (pair_key(f[0].key, f[1].key), 0),
            (f[3].key, 3),
            (pair_key(f[1].key, f[3].key), 1),
        ];
        assert_eq!(got, expect);
    }
}
