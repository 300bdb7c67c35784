//! Line normalization for hashing.
//!
//! Deduplication compares lines by a hash of a *normalized* form, so that two
//! lines a reader would call "the same paragraph" hash equal even when scraped
//! Persian/Arabic/English news differs in encoding noise: Arabic vs Persian
//! letter forms, digit scripts, diacritics, zero-width characters, punctuation
//! and spacing. The normalized text is only ever hashed; the text written out
//! is never altered.
//!
//! Rules, applied in this order:
//! 1. Unicode NFKC (presentation forms, fullwidth letters, ligatures, ...).
//! 2. Case fold with `char::to_lowercase`, keeping the first char when it
//!    yields several (e.g. 'İ' -> 'i').
//! 3. Arabic letter forms -> Persian ones (ي ى -> ی, ك ڪ -> ک, ة ۀ ە -> ه),
//!    and hamza-carrying letters -> their base (أ إ آ ٱ -> ا, ؤ -> و, ئ -> ی).
//! 4. Every BMP decimal digit -> ASCII; with [`Digits::Masked`] each maximal
//!    run of digits -> a single '0'.
//! 5. Harakat, Arabic marks, tatweel, combining diacritics, zero-width /
//!    bidi / format chars and control chars that are no white space (a stray
//!    NUL) are dropped without leaving a separator.
//! 6. Anything else that is not alphanumeric separates words.
//! 7. Separators collapse to one ASCII space, none at either end.
//!
//! This is the tool's hot loop (a naive per-char version runs ~15 MB/s), so
//! rules 2-7 are precomputed per code point in a 64K-entry table for the BMP,
//! whose first 128 entries serve ASCII bytes without decoding. Each entry also
//! says whether the char is "NFKC-safe" (NFKC quick check Yes and canonical
//! combining class 0): text made of safe chars is already NFKC, and a safe
//! char starts a normalization boundary (nothing before it can combine with
//! it). So only the short stretches around unsafe chars are streamed through
//! the NFKC iterator, and two common kinds of unsafe char avoid even that:
//! chars like NBSP or Arabic presentation forms whose NFKC is one char, which
//! the table maps directly, and harakat, which NFKC can only reorder and which
//! are dropped anyway. Since most chars map to themselves, output is copied
//! from the input in runs rather than pushed char by char.
//!
//! Rules 1-7 are applied a second time in the rare case where dropping a char
//! lets NFKC join its neighbours (see [`normalize_into`]), so normalizing is
//! idempotent.

use std::sync::OnceLock;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// How digits are written into the normalized text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digits {
    /// Every digit script -> ASCII `0`-`9`.
    Ascii,
    /// Each maximal run of digits -> a single `0`, so that e.g.
    /// "news code 1017002" and "news code 1017345" normalize equal.
    Masked,
}

/// Seed for hashing normalized lines; fixed so results never change between runs.
pub const LINE_KEY_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// xxh3-64 of the normalized text's UTF-8 bytes with [`LINE_KEY_SEED`].
pub fn line_key(normalized: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(normalized.as_bytes(), LINE_KEY_SEED)
}

/// Zero of every run of decimal digits (general category Nd) in the BMP.
pub const BMP_DIGIT_ZEROS: [u32; 37] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
];

/// Normalizes `line` into `out` (cleared first). Returns the number of chars written.
///
/// When a dropped char separated two chars that NFKC joins or reorders once
/// they are adjacent (Hangul jamo on both sides of a ZWNJ, Hebrew points on
/// both sides of a ZWJ), the result of one pass over the rules is not NFKC, so
/// the rules are applied once more to it. Normalizing a normalized line
/// therefore never changes it.
pub fn normalize_into(line: &str, digits: Digits, out: &mut String) -> usize {
    if normalize_pass(line, digits, out) {
        // Rare, so giving up `out`'s buffer for the input of the second pass
        // is fine.
        let first = std::mem::take(out);
        normalize_pass(&first, digits, out);
    }
    out.chars().count()
}

/// One application of the rules. Returns true if removing a dropped char made
/// an unsafe char follow an output char directly (the output may not be NFKC).
fn normalize_pass(line: &str, digits: Digits, out: &mut String) -> bool {
    out.clear();
    let table = bmp_table();
    let len = line.len();
    if len == 0 {
        return false;
    }
    let mut run = Run {
        line,
        out,
        masked: digits == Digits::Masked,
        ident: if digits == Digits::Masked {
            IDENT_MASKED
        } else {
            IDENT_ASCII
        },
        start: 0,
        sep: false,
        sep_start: 0,
    };
    let mut refold = false;
    let mut i = 0;
    let (mut e, mut w) = entry_at(table, line, 0);
    loop {
        let j = i + w;
        // Look one char ahead: an unsafe char may compose with the one before
        // it (e + U+0301 -> é), so NFKC would have to start at the current char.
        let (ne, nw) = if j < len {
            entry_at(table, line, j)
        } else {
            (FAST, 0)
        };
        if e & ne & FAST != 0 {
            run.step(e, i, j);
            if j >= len {
                break;
            }
            i = j;
            e = ne;
            w = nw;
            continue;
        }
        // The stretch up to the next fast char, which starts a normalization
        // boundary (it never combines with what precedes it).
        let mut end = j;
        let mut all_skip = true;
        while end < len {
            let (x, xw) = entry_at(table, line, end);
            if x & FAST != 0 {
                break;
            }
            all_skip &= x & SKIP != 0;
            end += xw;
        }
        if e & FAST != 0 && all_skip {
            // Only harakat-like marks follow: NFKC would at most reorder them,
            // and they are all dropped.
            run.step(e, i, j);
            run.drop_range(j, end);
        } else {
            // Slow path: NFKC over the stretch.
            refold |= run.slow_segment(table, i, end);
        }
        if end >= len {
            break;
        }
        i = end;
        (e, w) = entry_at(table, line, end);
    }
    run.finish();
    refold
}

/// Output state of one pass. Most chars map to themselves, so instead of
/// pushing char by char it keeps a run of source bytes that are copied
/// verbatim when something else has to be written; a single ASCII space
/// between words stays in the run.
struct Run<'a> {
    line: &'a str,
    out: &'a mut String,
    masked: bool,
    /// The entry flag meaning "writes itself" in this digit mode.
    ident: u32,
    /// Pending output: line[start..i] for the current position i, or
    /// line[start..sep_start] when a separator is pending (`sep`), in which
    /// case a space goes before the next char. `sep` is only set once
    /// something has been output.
    start: usize,
    sep: bool,
    sep_start: usize,
}

impl Run<'_> {
    /// Applies the entry `e` of the fast char at line[i..j].
    #[inline(always)]
    fn step(&mut self, e: u32, i: usize, j: usize) {
        if e & self.ident != 0 {
            if self.sep {
                // One ASCII space right after the run can stay in it.
                if !(self.sep_start + 1 == i && self.line.as_bytes()[self.sep_start] == b' ') {
                    self.out.push_str(&self.line[self.start..self.sep_start]);
                    self.out.push(' ');
                    self.start = i;
                }
                self.sep = false;
            }
            return;
        }
        match e & KIND_MASK {
            KIND_SEP => {
                if !self.sep {
                    if self.start < i || !self.out.is_empty() {
                        self.sep = true;
                        self.sep_start = i;
                    } else {
                        self.start = j;
                    }
                }
            }
            KIND_DROP => self.drop_range(i, j),
            kind => {
                if kind == KIND_DIGIT
                    && self.masked
                    && !self.sep
                    && self.start == i
                    && self.out.ends_with('0')
                {
                    // Inside a digit run that is already written as '0'.
                    self.start = j;
                } else {
                    self.flush(i);
                    self.out.push(entry_char(e, self.masked));
                    self.start = j;
                }
            }
        }
    }

    /// Drops line[i..j].
    #[inline(always)]
    fn drop_range(&mut self, i: usize, j: usize) {
        if !self.sep {
            self.out.push_str(&self.line[self.start..i]);
            self.start = j;
        }
    }

    /// Writes the pending output before position `i`, with the pending space.
    #[inline(always)]
    fn flush(&mut self, i: usize) {
        if self.sep {
            self.out.push_str(&self.line[self.start..self.sep_start]);
            self.out.push(' ');
            self.sep = false;
        } else {
            self.out.push_str(&self.line[self.start..i]);
        }
    }

    fn finish(&mut self) {
        let end = if self.sep { self.sep_start } else { self.line.len() };
        self.out.push_str(&self.line[self.start..end]);
    }

    /// Streams line[i..end], not known to be NFKC, through the NFKC iterator
    /// and applies the per-char rules. Returns whether a refold is needed.
    #[cold]
    #[inline(never)]
    fn slow_segment(&mut self, table: &BmpTable, i: usize, end: usize) -> bool {
        let content_end = if self.sep { self.sep_start } else { i };
        self.out.push_str(&self.line[self.start..content_end]);
        let out = &mut *self.out;
        let mut need_space = self.sep;
        let mut refold = false;
        // A char was dropped since the last output char or separator.
        let mut dropped = false;
        for c in self.line[i..end].nfkc() {
            let e = char_entry(table, c);
            match e & KIND_MASK {
                KIND_SEP => {
                    need_space = !out.is_empty();
                    dropped = false;
                }
                KIND_DROP => dropped = true,
                kind => {
                    if kind == KIND_DIGIT && self.masked && !need_space && out.ends_with('0') {
                        continue;
                    }
                    // An unsafe char may compose with or reorder against the
                    // char before it, which dropping the char between made
                    // adjacent.
                    if e & NFKC_SAFE == 0 && dropped && !need_space && !out.is_empty() {
                        refold = true;
                    }
                    if need_space {
                        out.push(' ');
                        need_space = false;
                    }
                    out.push(entry_char(e, self.masked));
                    dropped = false;
                }
            }
        }
        // Nothing pending; a space copied from line[end] may serve a pending
        // separator (see `step`).
        self.start = end;
        self.sep = need_space;
        self.sep_start = end;
        refold
    }
}

/// The char a KIND_CHAR or KIND_DIGIT entry writes.
#[inline(always)]
fn entry_char(e: u32, masked: bool) -> char {
    let value = e & VALUE_MASK;
    if e & KIND_MASK == KIND_DIGIT {
        // Digit values are 0..=9.
        char::from(b'0' + if masked { 0 } else { value as u8 })
    } else {
        char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}

// Table entry layout: bits 0..21 hold the mapped char (KIND_CHAR) or the digit
// value (KIND_DIGIT); bits 24..25 the kind; bits 28..29 "writes itself" flags
// (the output is the source char, with ASCII or masked digits); bit 31 the
// NFKC-safe flag, bit 30 FAST (NFKC-safe, or a char whose NFKC is one char or
// only separators and that starts a boundary: the entry then describes its
// NFKC), bit 27 SKIP (a dropped mark that NFKC leaves as it is).
const VALUE_MASK: u32 = 0x001F_FFFF;
const KIND_MASK: u32 = 3 << 24;
const KIND_DROP: u32 = 0;
const KIND_SEP: u32 = 1 << 24;
const KIND_DIGIT: u32 = 2 << 24;
const KIND_CHAR: u32 = 3 << 24;
const IDENT_ASCII: u32 = 1 << 28;
const IDENT_MASKED: u32 = 1 << 29;
const SKIP: u32 = 1 << 27;
const FAST: u32 = 1 << 30;
const NFKC_SAFE: u32 = 1 << 31;

type BmpTable = [u32; 0x1_0000];

fn bmp_table() -> &'static BmpTable {
    static TABLE: OnceLock<Box<BmpTable>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: Box<BmpTable> = vec![KIND_SEP; 0x1_0000]
            .into_boxed_slice()
            .try_into()
            .expect("vector has exactly 0x10000 entries");
        for (cp, slot) in (0u32..).zip(table.iter_mut()) {
            // Surrogates cannot occur in a &str; they keep KIND_SEP.
            if let Some(c) = char::from_u32(cp) {
                *slot = classify(c);
            }
        }
        table
    })
}

/// Entry for the char starting at byte `i` of `line`, and its width in bytes.
#[inline(always)]
fn entry_at(table: &BmpTable, line: &str, i: usize) -> (u32, usize) {
    let bytes = line.as_bytes();
    let b0 = u32::from(bytes[i]);
    if b0 < 0x80 {
        // The table's first 128 entries double as the ASCII table.
        (table[b0 as usize], 1)
    } else if b0 < 0xE0 {
        let cp = ((b0 & 0x1F) << 6) | (u32::from(bytes[i + 1]) & 0x3F);
        (table[cp as usize], 2)
    } else if b0 < 0xF0 {
        let cp =
            ((b0 & 0x0F) << 12) | ((u32::from(bytes[i + 1]) & 0x3F) << 6) | (u32::from(bytes[i + 2]) & 0x3F);
        (table[cp as usize], 3)
    } else {
        // Outside the BMP: rare, so classify at run time.
        match line[i..].chars().next() {
            Some(c) => (classify(c), 4),
            None => (KIND_SEP | NFKC_SAFE | FAST, 4),
        }
    }
}

#[inline(always)]
fn char_entry(table: &BmpTable, c: char) -> u32 {
    match table.get(c as usize) {
        Some(&e) => e,
        None => classify(c),
    }
}

/// Table entry for `c`: rules 2-7 plus flags.
fn classify(c: char) -> u32 {
    let quick_yes = is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes;
    let safe = quick_yes && canonical_combining_class(c) == 0;
    let e = map_char(c);
    if safe {
        return e | NFKC_SAFE | FAST;
    }
    // Identity copying is only for safe chars.
    let e = e & !(IDENT_ASCII | IDENT_MASKED);
    if quick_yes {
        // A mark: NFKC keeps it but may reorder it among other marks.
        return if e & KIND_MASK == KIND_DROP { e | SKIP } else { e };
    }
    // NFKC changes `c` itself (NBSP, fullwidth and Arabic presentation forms).
    // Chars that NFKC never outputs have no other use for their entry, so if
    // nothing before `c` can combine with it, describe its NFKC instead.
    let first_is_boundary = c.nfkd().next().is_some_and(|d| {
        canonical_combining_class(d) == 0 && is_nfkc_quick(std::iter::once(d)) == IsNormalized::Yes
    });
    if !first_is_boundary {
        return e;
    }
    let mut nfkc = std::iter::once(c).nfkc();
    match (nfkc.next(), nfkc.next()) {
        (Some(d), None) => return (map_char(d) & !(IDENT_ASCII | IDENT_MASKED)) | FAST,
        (None, _) => return KIND_DROP | FAST,
        _ => {}
    }
    let kinds = std::iter::once(c).nfkc().map(|d| map_char(d) & KIND_MASK);
    let mut any_sep = false;
    for kind in kinds {
        match kind {
            KIND_SEP => any_sep = true,
            KIND_DROP => {}
            _ => return e,
        }
    }
    // Separators and dropped chars only: one separator (or nothing).
    if any_sep {
        KIND_SEP | FAST
    } else {
        KIND_DROP | FAST
    }
}

/// Rules 2-7 for one char that is NFKC output, with the identity flags.
fn map_char(c: char) -> u32 {
    let lower = c.to_lowercase().next().unwrap_or(c);
    let m = arabic_to_persian(lower);
    if let Some(d) = bmp_digit_value(m) {
        KIND_DIGIT | d | if c.is_ascii_digit() { IDENT_ASCII } else { 0 }
    } else if is_dropped(m) {
        KIND_DROP
    } else if m.is_alphanumeric() {
        KIND_CHAR | m as u32 | if m == c { IDENT_ASCII | IDENT_MASKED } else { 0 }
    } else {
        KIND_SEP
    }
}

fn arabic_to_persian(c: char) -> char {
    match c {
        '\u{064A}' | '\u{0649}' | '\u{0626}' => '\u{06CC}', // ي ى ئ -> ی
        '\u{0643}' | '\u{06AA}' => '\u{06A9}',              // ك ڪ -> ک
        '\u{0629}' | '\u{06C0}' | '\u{06D5}' => '\u{0647}', // ة ۀ ە -> ه
        '\u{0623}' | '\u{0625}' | '\u{0622}' | '\u{0671}' => '\u{0627}', // أ إ آ ٱ -> ا
        '\u{0624}' => '\u{0648}',                           // ؤ -> و
        _ => c,
    }
}

fn bmp_digit_value(c: char) -> Option<u32> {
    let cp = c as u32;
    BMP_DIGIT_ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&cp))
        .map(|&zero| cp - zero)
}

/// Rule 5. ZWNJ is removed rather than turned into a space: scraped Persian
/// loses its ZWNJs (می‌شود -> میشود) far more often than it turns them into
/// spaces, so removal makes both spellings meet.
fn is_dropped(c: char) -> bool {
    matches!(
        c,
        '\u{0610}'..='\u{061A}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{06D6}'..='\u{06DC}'
            | '\u{06DF}'..='\u{06E4}'
            | '\u{06E7}'..='\u{06E8}'
            | '\u{06EA}'..='\u{06ED}'
            | '\u{0640}'
            | '\u{0300}'..='\u{036F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{061C}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
    ) || is_stray_control(c)
}

/// A control character that is no white space (a NUL, an escape): text
/// from a legacy system may hold a few, which mean nothing to a reader.
pub fn is_stray_control(c: char) -> bool {
    c.is_control() && !c.is_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn norm(s: &str) -> String {
        let mut out = String::new();
        normalize_into(s, Digits::Ascii, &mut out);
        out
    }

    fn masked(s: &str) -> String {
        let mut out = String::new();
        normalize_into(s, Digits::Masked, &mut out);
        out
    }

    /// Straightforward reading of the rules, applied twice (see `normalize_into`
    /// on why a second pass can matter; when it does not, it changes nothing).
    fn reference(line: &str, digits: Digits) -> String {
        reference_pass(&reference_pass(line, digits), digits)
    }

    /// Full NFKC, then per-char std calls, no tables.
    fn reference_pass(line: &str, digits: Digits) -> String {
        let mut out = String::new();
        let mut pending_space = false;
        for c in line.nfkc() {
            let c = c.to_lowercase().next().unwrap_or(c);
            let c = match c {
                'ي' | 'ى' | 'ئ' => 'ی',
                'ك' | 'ڪ' => 'ک',
                'ة' | 'ۀ' | 'ە' => 'ه',
                'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
                'ؤ' => 'و',
                _ => c,
            };
            let cp = c as u32;
            let c = match BMP_DIGIT_ZEROS.iter().find(|&&z| cp >= z && cp < z + 10) {
                Some(&z) => char::from(b'0' + (cp - z) as u8),
                None => c,
            };
            let dropped = matches!(cp,
                0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06DC
                | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED | 0x0640
                | 0x0300..=0x036F | 0x200C | 0x200D | 0x200B | 0x2060 | 0xFEFF
                | 0x00AD | 0x200E | 0x200F | 0x061C | 0x202A..=0x202E | 0x2066..=0x2069);
            if dropped {
                continue;
            }
            if c.is_alphanumeric() {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            } else {
                pending_space = true;
            }
        }
        if digits == Digits::Masked {
            let mut collapsed = String::new();
            let mut prev_digit = false;
            for c in out.chars() {
                let d = c.is_ascii_digit();
                if !(d && prev_digit) {
                    collapsed.push(if d { '0' } else { c });
                }
                prev_digit = d;
            }
            out = collapsed;
        }
        out
    }

    fn assert_same(a: &str, b: &str) {
        assert_eq!(norm(a), norm(b), "{a:?} vs {b:?}");
    }

    #[test]
    fn rule1_nfkc_presentation_forms_and_fullwidth() {
        assert_eq!(norm("\u{FEFB}"), "لا");
        assert_eq!(norm("ＡＢＣ１２"), "abc12");
        assert_eq!(norm("ﬁnance"), "finance");
        assert_eq!(norm("\u{1D7CE}\u{1D7CF}"), "01"); // mathematical bold digits
                                                      // Presentation forms of a Persian word vs the plain letters.
        assert_same("\u{FEB3}\u{FEFC}\u{FEE1}", "سلام");
        // Composed vs decomposed acute accent, English and Persian-style hamza.
        assert_same("caf\u{E9}", "cafe\u{301}");
        assert_eq!(norm("cafe\u{301}"), "café");
        assert_same("\u{0623}", "\u{0627}\u{0654}");
    }

    #[test]
    fn rule5_stray_control_chars_are_dropped_and_white_space_separates() {
        assert_eq!(norm("coun\0cil\u{1b} meeting\u{7f}"), "council meeting");
        assert_eq!(norm("a\tb\x0bc\x0cd"), "a b c d");
        assert_eq!(norm("\0\u{1}"), "");
    }

    #[test]
    fn rule2_case_fold() {
        assert_same("Hello World", "hello world");
        assert_eq!(norm("HELLO"), "hello");
        assert_eq!(norm("İstanbul"), "istanbul");
        assert_eq!(norm("ΣΟΦΙΑ"), "σοφια");
        // Persian has no case: unchanged.
        assert_eq!(norm("سلام دنیا"), "سلام دنیا");
    }

    #[test]
    fn rule3_arabic_to_persian_letters() {
        assert_same("علي", "علی");
        assert_same("مستشفى", "مستشفی");
        assert_same("كتاب", "کتاب");
        assert_same("ڪتاب", "کتاب");
        assert_same("مدرسة", "مدرسه");
        assert_same("خانۀ", "خانه");
        assert_same("رئیس", "رییس");
        assert_same("مسأله", "مساله");
        assert_same("إسلام", "اسلام");
        assert_same("آب", "اب");
        assert_same("ٱلله", "الله");
        assert_same("مؤمن", "مومن");
        assert_eq!(norm("Kitab كتاب"), "kitab کتاب");
    }

    #[test]
    fn rule4_digits() {
        assert_eq!(norm("۱۴۰۲"), "1402");
        assert_eq!(norm("١٤٠٢"), "1402");
        assert_eq!(norm("१४०२"), "1402"); // Devanagari
        assert_eq!(norm("Year 2024"), "year 2024");
        assert_eq!(norm("سال ۱۴۰۲"), "سال 1402");
        assert_eq!(norm("x²"), "x2");
    }

    #[test]
    fn rule4_masked_digits() {
        assert_eq!(masked("کد خبر 1017002"), "کد خبر 0");
        assert_eq!(masked("کد خبر ۱۰۱۷۳۴۵"), "کد خبر 0");
        assert_eq!(masked("7403/ 6133/"), "0 0");
        assert_eq!(masked("news code 1017002"), masked("news code 1017345"));
        assert_eq!(masked("abc123def45"), "abc0def0");
        // A dropped char does not end a digit run.
        assert_eq!(masked("12\u{200C}34"), "0");
        assert_eq!(masked("1,234"), "0 0");
    }

    #[test]
    fn rule4_digit_zeros_start_runs_of_ten_numerics() {
        for &zero in &BMP_DIGIT_ZEROS {
            assert!(zero < 0x1_0000);
            for cp in zero..zero + 10 {
                let c = char::from_u32(cp).expect("valid char");
                assert!(c.is_numeric(), "U+{cp:04X} is not numeric");
                assert_eq!(
                    norm(&c.to_string()),
                    char::from((cp - zero) as u8 + b'0').to_string()
                );
            }
        }
    }

    #[test]
    fn rule5_harakat_and_tatweel_dropped() {
        assert_eq!(norm("كِتَابٌ"), "کتاب");
        assert_eq!(norm("کـــتاب"), "کتاب");
        assert_same("مُحَمَّد", "محمد");
        // NFKC composes a base with its accent; an accent left over is dropped.
        assert_same("nai\u{308}ve", "naïve");
        assert_same("q\u{301}", "q");
        assert_same("\u{0627}\u{0670}", "\u{0627}");
    }

    #[test]
    fn rule5_zero_width_and_format_dropped() {
        // ZWNJ is removed, not turned into a space.
        assert_eq!(norm("می\u{200C}شود"), "میشود");
        assert_same("می\u{200C}شود", "میشود");
        assert_same("co\u{200B}operate", "cooperate");
        assert_same("co\u{AD}operate", "cooperate");
        assert_same("\u{FEFF}hello", "hello");
        assert_same("\u{200F}سلام\u{200E}", "سلام");
        assert_same("\u{202B}abc\u{202C}", "abc");
        assert_same("\u{2067}abc\u{2069}", "abc");
        assert_same("a\u{200D}b\u{2060}c\u{061C}", "abc");
    }

    #[test]
    fn rule6_punctuation_separates() {
        assert_eq!(norm("«سلام»، دنیا؟"), "سلام دنیا");
        assert_eq!(norm("Hello, world!"), "hello world");
        assert_eq!(norm("a؛b٪c٫d٬e"), "a b c d e");
        assert_eq!(norm("state-of-the-art"), "state of the art");
        assert_eq!(norm("a\rb\tc\u{1}d"), "a b cd", "a stray control char is dropped");
        assert_eq!(norm("😀x"), "x");
    }

    #[test]
    fn rule7_spaces_collapse_and_trim() {
        assert_eq!(norm("  hello \u{A0}\u{A0} world  "), "hello world");
        assert_eq!(norm("سلام\u{A0}دنیا"), "سلام دنیا");
        assert_eq!(norm("سلام\u{2009}  \u{3000}دنیا "), "سلام دنیا");
        assert_eq!(norm("a \u{200C} b"), "a b");
    }

    #[test]
    fn dropped_char_between_composable_chars() {
        // NFKC cannot join the jamo across the fathatan; once it is dropped they
        // meet, and the result is normalized again so it is the syllable.
        assert_eq!(norm("\u{1100}\u{064B}\u{1161}"), "\u{AC00}");
        assert_eq!(norm("\u{1100}\u{200C}\u{1161}"), norm("\u{AC00}"));
        // Hebrew points (kept: they are alphabetic) meet out of canonical
        // order once the ZWJ between them is dropped.
        let once = norm("\u{05D0}\u{05B4}\u{200D}\u{05B0}");
        assert_eq!(once, "\u{05D0}\u{05B0}\u{05B4}");
        assert_eq!(norm(&once), once);
    }

    #[test]
    fn no_alphanumerics_gives_empty() {
        let mut out = String::from("stale");
        assert_eq!(normalize_into("... --- !!! «» ، ؟", Digits::Ascii, &mut out), 0);
        assert_eq!(out, "");
        assert_eq!(normalize_into("", Digits::Masked, &mut out), 0);
        assert_eq!(
            normalize_into("\u{200C}\u{0640}\u{064B}", Digits::Ascii, &mut out),
            0
        );
    }

    #[test]
    fn return_value_counts_chars() {
        let mut out = String::new();
        assert_eq!(normalize_into("سلام دنیا", Digits::Ascii, &mut out), 9);
        assert_eq!(normalize_into("ABC 123", Digits::Masked, &mut out), 5);
    }

    #[test]
    fn line_key_is_pinned() {
        assert_eq!(line_key("سلام دنیا"), 0x805B_6504_F584_3C7F);
        assert_eq!(
            line_key(""),
            xxhash_rust::xxh3::xxh3_64_with_seed(b"", LINE_KEY_SEED)
        );
        assert_ne!(line_key("a"), line_key("b"));
    }

    /// Every single char, alone and next to a letter that combining marks can
    /// compose with, agrees with the reference.
    #[test]
    fn every_char_matches_reference() {
        let mut buf = String::new();
        for cp in 0..=0x10_FFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            for s in [c.to_string(), format!("e{c}"), format!("{c}a")] {
                normalize_into(&s, Digits::Ascii, &mut buf);
                assert_eq!(buf, reference(&s, Digits::Ascii), "U+{cp:04X} in {s:?}");
            }
        }
    }

    /// Chars that hit the interesting paths, for generated strings.
    const ALPHABET: &str = concat!(
        // Persian and Arabic letters and their variants
        "ابپتسلمنوهیکگ",
        "يىكڪةۀەأإآٱؤئء",
        // harakat and other marks, tatweel, format chars
        "\u{064B}\u{064E}\u{0650}\u{0651}\u{0652}\u{0653}\u{0654}\u{0655}\u{0670}\u{0640}",
        "\u{0301}\u{0308}\u{0327}\u{200C}\u{200D}\u{200B}\u{FEFF}\u{00AD}\u{200F}\u{202B}",
        // compatibility chars: presentation forms, fullwidth, ligatures, ...
        "\u{FEFB}\u{FE8E}\u{FEF3}\u{FE70}\u{FE71}\u{FDF2}\u{FE8D}\u{FEEF}\u{FE93}\u{FB8E}",
        "\u{FC5E}\u{FCF2}\u{FE80}Ａ１ﬁ²\u{1D7CE}ſİßΩ\u{2126}\u{3000}\u{2026}",
        // ASCII and digits of several scripts
        "aeoAEZcs059۰۴٤١५",
        // separators
        "  \u{A0}\u{2009}\t\r,./-،؛؟«»٪٫٬😀",
        // composition and reordering outside Arabic script: Hangul jamo,
        // Hebrew points, Oriya two-part vowel, kana voicing marks, Tibetan,
        // marks around a compatibility decomposition (U+1E9B)
        "\u{1100}\u{1161}\u{11A8}가א\u{05B4}\u{05B0}\u{0B15}\u{0B47}\u{0B3E}",
        "か\u{3099}\u{FF9E}\u{0F73}\u{0F71}\u{1E9B}\u{0316}\u{0323}\u{0307}",
    );

    fn mixed_string() -> impl Strategy<Value = String> {
        let alphabet: Vec<char> = ALPHABET.chars().collect();
        let from_alphabet = prop::collection::vec(prop::sample::select(alphabet), 0..48)
            .prop_map(|v| v.into_iter().collect::<String>());
        prop_oneof![any::<String>(), from_alphabet.clone(), from_alphabet]
    }

    fn digits_mode() -> impl Strategy<Value = Digits> {
        prop_oneof![Just(Digits::Ascii), Just(Digits::Masked)]
    }

    /// Every pair of alphabet chars: covers the lookahead and skip decisions.
    #[test]
    fn alphabet_pairs_match_reference() {
        let mut out = String::new();
        for a in ALPHABET.chars() {
            for b in ALPHABET.chars() {
                for s in [format!("{a}{b}"), format!("x{a}{b}"), format!("{a}{b}\u{64E}y")] {
                    for d in [Digits::Ascii, Digits::Masked] {
                        normalize_into(&s, d, &mut out);
                        assert_eq!(out, reference(&s, d), "{s:?} {d:?}");
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn matches_reference(s in mixed_string(), d in digits_mode()) {
            let mut out = String::new();
            normalize_into(&s, d, &mut out);
            prop_assert_eq!(out, reference(&s, d));
        }

        #[test]
        fn idempotent(s in mixed_string(), d in digits_mode()) {
            let mut once = String::new();
            let mut twice = String::new();
            normalize_into(&s, d, &mut once);
            normalize_into(&once, d, &mut twice);
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn spacing_and_count(s in mixed_string(), d in digits_mode()) {
            let mut out = String::from("previous contents");
            let n = normalize_into(&s, d, &mut out);
            prop_assert_eq!(n, out.chars().count());
            prop_assert!(!out.starts_with(' '));
            prop_assert!(!out.ends_with(' '));
            prop_assert!(!out.contains("  "));
        }
    }
}
