//! TEMPORARY naive normalizer (replaced by the table-driven one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digits {
    Ascii,
    Masked,
}
pub const LINE_KEY_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
pub fn normalize_into(line: &str, _digits: Digits, out: &mut String) -> usize {
    out.clear();
    let mut n = 0;
    for w in line
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
            n += 1;
        }
        for c in w.chars() {
            out.extend(c.to_lowercase());
            n += 1;
        }
    }
    n
}
pub fn line_key(normalized: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(normalized.as_bytes(), LINE_KEY_SEED)
}
