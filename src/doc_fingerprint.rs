//! What the first pass learns of one document: its line fingerprints, the
//! shingles of its long lines, the keys of its edge lines, and the lines that
//! repeat most of another line of it (a judgement that needs nothing but the
//! document, made here while its normalized lines are at hand).

use crate::config::{DocDedup, Rules, MIN_DOC_SHINGLES};
use crate::doc::Lines;
use crate::fingerprint::{self, LineFp, ShingleId};
use crate::minhash::{self, Signature};
use crate::near_repeat::{self, LineShingles, NearRepeat};

#[derive(Clone, Debug, Default)]
pub struct DocFingerprint {
    pub lines: Vec<LineFp>,
    /// xxh3 of the document text, to notice an input that changed before the second pass.
    pub text_check: u64,
    /// The document's site ([`fingerprint::site_key`]).
    pub site: u64,
    /// The shingles of the long lines, each line's sorted and distinct, one
    /// line after another.
    pub shingles: Vec<ShingleId>,
    /// Each long line, in order, with the end of its shingles in `shingles`.
    pub long_lines: Vec<(u32, usize)>,
    /// Edge keys of the head and tail lines (see [`fingerprint::edge_key`]), without repeats.
    pub edges: Vec<u64>,
    /// Lines that repeat most of another line of the document.
    pub near_repeats: Vec<NearRepeat>,
    /// The MinHash signature of the long lines' shingles, when near-duplicate
    /// documents are looked for and the document has enough shingles.
    pub signature: Option<Signature>,
    /// Bytes of the document text.
    pub bytes: u64,
    /// For each word line with short last sentences (see
    /// [`fingerprint::sentence_suffixes`]), the key of the text each cut
    /// would leave: `(line, slot, key)`. The chrome rule asks whether that
    /// text is a line of the corpus before it cuts.
    pub prefixes: Vec<(u32, u32, u64)>,
}

impl DocFingerprint {
    /// Fingerprints a document of site `site`.
    pub fn new(text: &str, site: u64, rules: &Rules) -> DocFingerprint {
        let split = Lines::split_at_most(text, rules.max_line_bytes);
        // About one word (and so one shingle) per 6 bytes of news text:
        // sized once, these grow without copying in most documents.
        let words_guess = text.len() / 6;
        let mut shingles = Vec::with_capacity(words_guess);
        let mut long_lines = Vec::new();
        let mut ids = Vec::new();
        // Word hashes of the long lines, one after another, and where each line's end.
        let mut words: Vec<u64> = Vec::with_capacity(words_guess);
        let mut word_ends: Vec<usize> = Vec::new();
        let mut masked_keys = vec![0u64; split.spans.len()];
        let mut masked = String::new();
        let mut prefixes = Vec::new();
        // One normalization per line gives its key, its masked key and, for a
        // long line, its shingles.
        let lines = fingerprint::fingerprint_lines_with(text, &split, |i, fp, normalized| {
            masked_keys[i] = fingerprint::masked_key_of_normalized(normalized, &mut masked);
            let content = split.spans[i].content(text);
            for (slot, s) in fingerprint::sentence_suffixes(content).into_iter().enumerate() {
                let key = fingerprint::cut_key(content, s, normalized, &mut masked);
                prefixes.push((i as u32, slot as u32, key));
            }
            if fp.is_long(rules.min_line_chars) {
                let start = words.len();
                words.extend(fingerprint::word_hashes(normalized));
                word_ends.push(words.len());
                fingerprint::shingle_ids_of(&words[start..], rules.shingle, &mut ids);
                shingles.extend_from_slice(&ids);
                long_lines.push((u32::try_from(i).unwrap_or(u32::MAX), shingles.len()));
            }
        });
        let signature = (rules.docs.doc_dedup == DocDedup::Near && shingles.len() >= MIN_DOC_SHINGLES)
            .then(|| minhash::signature(shingles.iter().copied(), rules.docs.signature_len()))
            .flatten();
        let mut fp = DocFingerprint {
            signature,
            bytes: text.len() as u64,
            edges: edge_keys(text, &split, &lines, &masked_keys, site),
            lines,
            text_check: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            site,
            shingles,
            long_lines,
            near_repeats: Vec::new(),
            prefixes,
        };
        // Most documents have no two long lines that share a shingle.
        let pairs = near_repeat::candidate_pairs(fp.line_shingles());
        if !pairs.is_empty() {
            let mut per_line: Vec<LineShingles> =
                (0..fp.lines.len()).map(|_| LineShingles::default()).collect();
            let word_starts = std::iter::once(0).chain(word_ends.iter().copied());
            for (((line, full), start), end) in fp.line_shingles().zip(word_starts).zip(&word_ends) {
                let content = split.spans[line as usize].content(text);
                per_line[line as usize] =
                    LineShingles::new(&words[start..*end], full, content, rules.shingle);
            }
            fp.near_repeats = near_repeat::near_repeats(&per_line, &pairs, rules.containment);
        }
        fp
    }

    /// Each long line with its shingles, in line order.
    pub fn line_shingles(&self) -> impl Iterator<Item = (u32, &[ShingleId])> + Clone + '_ {
        let starts = std::iter::once(0).chain(self.long_lines.iter().map(|&(_, end)| end));
        self.long_lines
            .iter()
            .zip(starts)
            .map(|(&(line, end), start)| (line, &self.shingles[start..end]))
    }
}

/// The sorted, distinct edge keys of the head and tail lines, from each
/// line's [`fingerprint::masked_key`], and of the short last sentences of the
/// tail lines ([`fingerprint::sentence_suffixes`]): a phrase glued to the end
/// of one page's last paragraph counts with the same phrase on its own line
/// at the end of other pages.
fn edge_keys(text: &str, split: &Lines, lines: &[LineFp], masked_keys: &[u64], site: u64) -> Vec<u64> {
    let (head, tail) = fingerprint::edge_lines(lines);
    let mut edges: Vec<u64> = head
        .iter()
        .map(|&i| (false, i))
        .chain(tail.iter().map(|&i| (true, i)))
        .map(|(is_tail, i)| fingerprint::edge_key(site, is_tail, masked_keys[i]))
        .collect();
    for &i in &tail {
        let content = split.spans[i].content(text);
        for s in fingerprint::sentence_suffixes(content) {
            edges.push(fingerprint::tail_phrase_key(site, &content[s..]));
        }
    }
    edges.sort_unstable();
    edges.dedup();
    edges
}
