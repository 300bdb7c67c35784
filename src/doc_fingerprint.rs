//! What the first pass learns of one document: its line fingerprints, the
//! shingles of its long lines, the keys its lines count under for its site, and the lines that
//! repeat most of another line of it (a judgement that needs nothing but the
//! document, made here while its normalized lines are at hand).

use std::ops::Range;

use crate::config::{DocDedup, Rules, MIN_DOC_SHINGLES};
use crate::dataflow::{u32_at, u64_at};
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
    /// line after another; then, sorted and distinct, the shingles of the
    /// long lines' word stream across their line ends
    /// ([`fingerprint::boundary_shingles`]). All of them are the document's.
    pub shingles: Vec<ShingleId>,
    /// Each long line, in order, with the end of its shingles in `shingles`.
    pub long_lines: Vec<(u32, usize)>,
    /// The sampled shingles of the long lines with all 64 bits of their
    /// hash, `(line, hash, asked)` in line order: the keys of the
    /// corpus-wide first occurrences, and whether the near-duplicate rule
    /// asks where the shingle was first seen ([`fingerprint::asked_shingles`]).
    /// Not stored: only the first pass emits them.
    pub sampled: Vec<(u32, u64, bool)>,
    /// The keys the document counts under for site chrome
    /// ([`site_keys`]), without repeats. Not stored: only the first pass
    /// emits them.
    pub site_keys: Vec<u64>,
    /// Lines that repeat most of another line of the document.
    pub near_repeats: Vec<NearRepeat>,
    /// Each line's [`fingerprint::masked_key`] (0 for a line without
    /// words): the chrome rule looks up its [`fingerprint::template_key`].
    pub masked_keys: Vec<u64>,
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
        let mut sampled = Vec::new();
        let mut line_sampled = Vec::new();
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
                fingerprint::shingles_of(&words[start..], rules.shingle, &mut ids, &mut line_sampled);
                shingles.extend_from_slice(&ids);
                let line = u32::try_from(i).unwrap_or(u32::MAX);
                long_lines.push((line, shingles.len()));
                sampled.extend(asked(&line_sampled, ids.len(), rules.containment).map(|(h, a)| (line, h, a)));
            }
        });
        // The document's shingles: its lines', then those across line ends
        // (after the last line's, where no line's range reaches).
        let mut boundary = Vec::new();
        fingerprint::boundary_shingles(&words, &word_ends, rules.shingle, &mut boundary);
        boundary.sort_unstable();
        boundary.dedup();
        shingles.extend_from_slice(&boundary);
        let signature = (rules.docs.doc_dedup == DocDedup::Near && shingles.len() >= MIN_DOC_SHINGLES)
            .then(|| minhash::signature(shingles.iter().copied(), rules.docs.signature_len()))
            .flatten();
        let mut fp = DocFingerprint {
            signature,
            bytes: text.len() as u64,
            site_keys: site_keys(text, &split, &lines, &masked_keys, site, rules.min_line_chars),
            masked_keys,
            lines,
            text_check: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            site,
            shingles,
            long_lines,
            sampled,
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

/// A line's sampled shingle hashes (sorted), each with whether the
/// near-duplicate look-up asks about it: the first
/// [`fingerprint::asked_shingles`] distinct ids. (Distinct hashes may share
/// an id; the look-up asks about ids.)
fn asked(hashes: &[u64], shingles: usize, containment: f64) -> impl Iterator<Item = (u64, bool)> + '_ {
    let ids = |i: usize| fingerprint::shingle_id(hashes[i]);
    let distinct = (0..hashes.len())
        .filter(|&i| i == 0 || ids(i) != ids(i - 1))
        .count();
    let asked = fingerprint::asked_shingles(shingles, distinct, containment);
    let mut seen = 0;
    (0..hashes.len()).map(move |i| {
        if i == 0 || ids(i) != ids(i - 1) {
            seen += 1;
        }
        (hashes[i], seen <= asked)
    })
}

/// The sorted, distinct keys a document counts under for site chrome
/// ([`fingerprint::site_line_key`]): its site's page count
/// ([`fingerprint::site_pages_key`]), its word lines
/// ([`fingerprint::template_key`]), the masked keys of its tail lines and of
/// their short last sentences ([`fingerprint::sentence_suffixes`]): a phrase
/// glued to the end of one page's last paragraph counts with the same phrase
/// on a line of its own in other pages. So do the affixes of its head lines
/// ([`fingerprint::title_affixes`]): the site name in "Example News -
/// Headline". And the words its long tail sentences end with
/// ([`fingerprint::ending_key`]).
fn site_keys(
    text: &str,
    split: &Lines,
    lines: &[LineFp],
    masked_keys: &[u64],
    site: u64,
    min_line_chars: usize,
) -> Vec<u64> {
    let words: Vec<usize> = fingerprint::word_lines(lines).collect();
    let (head, tail) = fingerprint::edges_of(&words);
    let content = |i: usize| split.spans[i].content(text);
    let template = words
        .iter()
        .map(|&i| fingerprint::template_key(lines[i], masked_keys[i], min_line_chars));
    let tail_lines = tail.iter().map(|&i| masked_keys[i]);
    let mut keys: Vec<u64> = template
        .chain(tail_lines)
        .map(|key| fingerprint::site_line_key(site, key))
        .collect();
    keys.push(fingerprint::site_pages_key(site));
    for &i in &tail {
        for s in fingerprint::sentence_suffixes(content(i)) {
            keys.push(fingerprint::phrase_key(site, &content(i)[s..]));
        }
    }
    for &i in &head {
        for affix in fingerprint::title_affixes(content(i)) {
            keys.push(fingerprint::phrase_key(site, affix));
        }
    }
    // What the page's text may end with: each long sentence of its tail
    // (the first pass cannot tell which one the chrome rule leaves last),
    // whole and from each of its last words.
    let sentences = tail
        .iter()
        .copied()
        .filter(|&i| lines[i].is_long(min_line_chars) && fingerprint::ends_sentence(content(i)));
    for i in sentences {
        let words = fingerprint::word_suffixes(content(i))
            .into_iter()
            .map(|(_, key)| key);
        for key in std::iter::once(masked_keys[i]).chain(words) {
            keys.push(fingerprint::ending_key(site, key));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Bytes of the header of a stored fingerprint (see [`Stored`]).
pub const STORED_HEADER: usize = 44;

/// Where the parts of a stored fingerprint lie (see
/// [`DocFingerprint::encode`]): a header of counts and scalars, then the long
/// lines (line, end of its shingles: 8 bytes each), the shingles (4), the
/// signature (4 per value), the line fingerprints (12), the near repeats
/// (10) and the lines' masked keys (8). The parts a reader needs alone (a line's shingles,
/// the signature) come first, so it reads only the header and them.
#[derive(Clone, Copy, Debug)]
pub struct Stored {
    lines: usize,
    long_lines: usize,
    shingles: usize,
    signature: usize,
    near_repeats: usize,
    pub site: u64,
    pub text_check: u64,
    pub bytes: u64,
}

impl Stored {
    /// The layout given by the first [`STORED_HEADER`] bytes of a stored fingerprint.
    pub fn of(header: &[u8]) -> Stored {
        let count = |i: usize| u32_at(header, 4 * i) as usize;
        Stored {
            lines: count(0),
            long_lines: count(1),
            shingles: count(2),
            signature: count(3),
            near_repeats: count(4),
            site: u64_at(header, 20),
            text_check: u64_at(header, 28),
            bytes: u64_at(header, 36),
        }
    }

    /// Byte range of the long lines' table.
    pub fn long_lines(&self) -> Range<usize> {
        at(STORED_HEADER, self.long_lines * 8)
    }

    /// Byte range of all the shingles.
    pub fn shingles(&self) -> Range<usize> {
        at(self.long_lines().end, self.shingles * 4)
    }

    /// Byte range of the signature (empty when there is none).
    pub fn signature(&self) -> Range<usize> {
        at(self.shingles().end, self.signature * 4)
    }

    fn lines(&self) -> Range<usize> {
        at(self.signature().end, self.lines * 12)
    }

    fn near_repeats(&self) -> Range<usize> {
        at(self.lines().end, self.near_repeats * 10)
    }

    fn masked_keys(&self) -> Range<usize> {
        at(self.near_repeats().end, self.lines * 8)
    }

    /// The range, among all shingles, of line `line`'s, given the long lines'
    /// table (`long_lines()` bytes); empty for a short line.
    pub fn line_shingle_range(table: &[u8], line: u32) -> Range<usize> {
        let entry = |i: usize| (u32_at(table, 8 * i), u32_at(table, 8 * i + 4) as usize);
        let n = table.len() / 8;
        // The table is in line order.
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if entry(mid).0 < line {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if lo == n || entry(lo).0 != line {
            return 0..0;
        }
        let start = if lo == 0 { 0 } else { entry(lo - 1).1 };
        start..entry(lo).1
    }
}

fn at(start: usize, len: usize) -> Range<usize> {
    start..start + len
}

/// The u32s of `bytes`, little-endian.
pub fn u32s(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|b| u32_at(b, 0)).collect()
}

impl DocFingerprint {
    /// Appends the stored form (see [`Stored`]); the prefixes, sampled
    /// shingles and site keys are not stored (the first pass emits them).
    pub fn encode(&self, out: &mut Vec<u8>) -> crate::Result<()> {
        let signature = self.signature.as_deref().unwrap_or(&[]);
        let counts = [
            self.lines.len(),
            self.long_lines.len(),
            self.shingles.len(),
            signature.len(),
            self.near_repeats.len(),
        ];
        for n in counts {
            let n = u32::try_from(n).map_err(|_| too_large(self.bytes))?;
            out.extend_from_slice(&n.to_le_bytes());
        }
        for v in [self.site, self.text_check, self.bytes] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for &(line, end) in &self.long_lines {
            let end = u32::try_from(end).map_err(|_| too_large(self.bytes))?;
            out.extend_from_slice(&line.to_le_bytes());
            out.extend_from_slice(&end.to_le_bytes());
        }
        for v in self.shingles.iter().chain(signature) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for fp in &self.lines {
            out.extend_from_slice(&fp.key.to_le_bytes());
            out.extend_from_slice(&fp.chars.to_le_bytes());
        }
        for r in &self.near_repeats {
            out.extend_from_slice(&r.line.to_le_bytes());
            out.extend_from_slice(&r.of.to_le_bytes());
            out.extend_from_slice(&r.containment.to_le_bytes());
        }
        for k in &self.masked_keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        Ok(())
    }

    /// The fingerprint stored by [`DocFingerprint::encode`] (without prefixes).
    pub fn decode(b: &[u8]) -> DocFingerprint {
        let s = Stored::of(b);
        let long_lines = b[s.long_lines()]
            .chunks_exact(8)
            .map(|e| (u32_at(e, 0), u32_at(e, 4) as usize))
            .collect();
        let signature = u32s(&b[s.signature()]);
        let lines = b[s.lines()]
            .chunks_exact(12)
            .map(|e| LineFp {
                key: u64_at(e, 0),
                chars: u32_at(e, 8),
            })
            .collect();
        let near_repeats = b[s.near_repeats()]
            .chunks_exact(10)
            .map(|e| NearRepeat {
                line: u32_at(e, 0),
                of: u32_at(e, 4),
                containment: u16::from_le_bytes([e[8], e[9]]),
            })
            .collect();
        DocFingerprint {
            lines,
            text_check: s.text_check,
            site: s.site,
            shingles: u32s(&b[s.shingles()]),
            long_lines,
            sampled: Vec::new(),
            site_keys: Vec::new(),
            near_repeats,
            masked_keys: b[s.masked_keys()].chunks_exact(8).map(|k| u64_at(k, 0)).collect(),
            signature: (!signature.is_empty()).then_some(signature),
            bytes: s.bytes,
            prefixes: Vec::new(),
        }
    }
}

fn too_large(bytes: u64) -> crate::Error {
    crate::Error::Config(format!(
        "a document of {bytes} bytes has more than {} lines or shingles",
        u32::MAX
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MIN_SHINGLES;

    #[test]
    fn the_first_asked_ids_are_asked_about_and_hashes_that_share_an_id_go_together() {
        // Ids 1, 2, 2, 3, ... (two hashes share id 2); at containment 1.0,
        // 20 distinct ids allow 3 misses: 19 ids asked about.
        let mut hashes: Vec<u64> = (1..=20u64).map(|id| id << 32).collect();
        hashes.insert(2, (2 << 32) | 1);
        let got: Vec<bool> = asked(&hashes, 40, 1.0).map(|(_, a)| a).collect();
        assert_eq!(got.len(), 21);
        assert_eq!(&got[..20], &[true; 20], "ids 1 to 19, id 2 twice");
        assert!(!got[20], "id 20 is past the look-up");
        let hashes_back: Vec<u64> = asked(&hashes, 40, 1.0).map(|(h, _)| h).collect();
        assert_eq!(hashes_back, hashes);
        // Too short a line is never asked about.
        assert!(asked(&hashes, MIN_SHINGLES - 1, 1.0).all(|(_, a)| !a));
    }
}
