//! Turns one document plan into text lines and their ground-truth labels. Pure: the result
//! depends only on the global seed, the sites and the plans, so documents render in parallel
//! and copies re-render their source.

use super::lang::{self, SiteLang};
use super::plan::{DocPlan, Kind};
use super::rng::{derive, Rng};
use super::site::{apply_style, Digits, Site, Style};
use super::Label;
use crate::config::{
    DEFAULT_CONTAINMENT, DEFAULT_DOC_THRESHOLD, DEFAULT_MIN_LINE_CHARS, DEFAULT_SHINGLE, STUB_MAX_WORDS,
};
use crate::minhash::MAX_SIZE_RATIO;
use crate::normalize;
use std::collections::HashSet;

pub const TAG_DOC: u64 = 0xD0C5;
pub const TAG_QUOTE: u64 = 0x0A07;
pub const TAG_PASSAGE: u64 = 0xBA55;
pub const TAG_COPY: u64 = 0xC0B1;
pub const TAG_COPY_KIND: u64 = 0xC0B2;
pub const TAG_TEMPLATE: u64 = 0x7E4B;

/// Key spaces for the unique paragraph numbers (all below 2^28, see `rng::perm28`).
pub const MAX_DOCS: u64 = 1 << 22;
const QUOTE_KEYS: u64 = 1 << 27;
const PASSAGE_KEYS: u64 = (1 << 27) + (1 << 26);

pub struct Ctx<'a> {
    pub seed: u64,
    pub sites: &'a [Site],
    pub plans: &'a [DocPlan],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Lead,
    Content,
    /// A content line with a notice glued on from this byte offset.
    Glued(usize),
    Trail,
}

impl Part {
    fn is_content(self) -> bool {
        matches!(self, Part::Content | Part::Glued(_))
    }
}

/// A rendered document.
pub struct Rendered {
    pub title: String,
    pub text: String,
    pub labels: Vec<Label>,
    /// For a near copy of another document: how it was made.
    pub copy: Option<CopyKind>,
    /// Where the cut of a glued notice starts in `text` (at the space before it), on a kept line.
    pub cut: Option<usize>,
}

/// How a near copy differs from its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyKind {
    /// A few words edited, perhaps a line dropped or a paragraph added:
    /// a near duplicate when it is one by the definition.
    Edited,
    /// The same text with its line breaks elsewhere: always a near duplicate.
    Rewrapped,
    /// One paragraph of five or more left out: always a near duplicate.
    ParagraphDropped,
}

type Raw = Vec<(String, Label, Part)>;

fn shared_index(lang: SiteLang, id: u32) -> u64 {
    id as u64 * 2 + u64::from(lang == SiteLang::En)
}

fn body_and_title(ctx: &Ctx, plan: &DocPlan) -> (String, Raw) {
    let site = &ctx.sites[plan.site as usize];
    let lang = site.lang;
    let idx = plan.idx as u64;
    let mut rng = Rng::new(derive(ctx.seed, TAG_DOC, idx));
    let mut raw: Raw = Vec::new();
    let title = lang::title(lang, &mut rng, idx * 32 + 31);
    raw.push((title.clone(), Label::Keep, Part::Content));
    if plan.byline {
        raw.push((lang::byline(lang, &mut rng), Label::Keep, Part::Content));
    }
    let mut para_start = Vec::with_capacity(plan.n_paras as usize);
    for p in 0..plan.n_paras {
        para_start.push(raw.len());
        if let Some(s) = plan.shared.iter().find(|s| s.pos == p) {
            let si = shared_index(lang, s.id);
            if s.quote {
                let mut qr = Rng::new(derive(ctx.seed, TAG_QUOTE, si));
                let text = lang::quote(lang, &mut qr, QUOTE_KEYS + si);
                let label = if s.first {
                    Label::Keep
                } else {
                    Label::DupAcrossDocs
                };
                raw.push((text, label, Part::Content));
            } else {
                let mut pr = Rng::new(derive(ctx.seed, TAG_PASSAGE, si));
                if s.first {
                    let para = lang::paragraph(lang, &mut pr, PASSAGE_KEYS + si);
                    raw.push((para.text, Label::Keep, Part::Content));
                } else {
                    // A syndicated copy: the same paragraph with a word (two in a
                    // long one) changed by the copy desk.
                    let source = lang::paragraph(lang, &mut pr, PASSAGE_KEYS + si).text;
                    let mut text = lang::edit_word(&source, lang, &mut rng, 0..0);
                    if text.split(' ').count() >= TWO_EDIT_WORDS {
                        text = lang::edit_word(&text, lang, &mut rng, 0..0);
                    }
                    let label = copy_label(&text, &source);
                    raw.push((text, label, Part::Content));
                }
            }
            continue;
        }
        let mut para = lang::paragraph(lang, &mut rng, idx * 32 + p as u64);
        if plan.alike_ending && p + 1 == plan.n_paras {
            para.text = lang::alike_ending(&para.text, lang);
        }
        if plan.teaser == Some(p) {
            raw.push((
                teaser(&para, lang, &mut rng),
                Label::NearRepeatInDoc,
                Part::Content,
            ));
        }
        raw.push((para.text, Label::Keep, Part::Content));
    }
    if let Some((start, near)) = plan.paste {
        let from = para_start[start as usize];
        let copies: Vec<String> = raw[from..].iter().map(|(t, _, _)| t.clone()).collect();
        for t in copies {
            if near {
                raw.push((
                    lang::edit_word(&t, lang, &mut rng, 0..0),
                    Label::NearRepeatInDoc,
                    Part::Content,
                ));
            } else {
                raw.push((t, Label::RepeatInDoc, Part::Content));
            }
        }
    }
    (title, raw)
}

/// Paragraphs of at least this many words get two edits when copied.
const TWO_EDIT_WORDS: usize = 60;

/// The truth for an edited copy of `source`, by the definition of
/// `near_dup_across_docs` at the default settings: at least 0.8 of the copy's
/// 5-word shingles (of the normalized text) are in the source. An edit in a
/// short paragraph breaks too many of them: such a copy is new text, kept.
fn copy_label(copy: &str, source: &str) -> Label {
    let containment = shingle_containment(copy, source, DEFAULT_SHINGLE);
    if containment >= 1.0 && copy == source {
        Label::DupAcrossDocs
    } else if containment >= DEFAULT_CONTAINMENT {
        Label::NearDupAcrossDocs
    } else {
        Label::Keep
    }
}

/// The truth for the content lines of a copy of `source` that is not a near
/// duplicate as a whole (each line with the source line it came from), by the
/// line rules: a long copied line by [`copy_label`]; a short one only inside a
/// block of lines copied unchanged and adjacent in the source; then a short
/// stub between two copied lines goes with them.
fn loose_copy_labels(lines: &[(String, Option<usize>)], source: &[String]) -> Vec<Label> {
    let unchanged = |k: usize| lines[k].1.is_some_and(|i| lines[k].0 == source[i]);
    let adjacent = |a: usize, b: usize| matches!((lines[a].1, lines[b].1), (Some(x), Some(y)) if x + 1 == y);
    let mut labels: Vec<Label> = (0..lines.len())
        .map(|k| match lines[k].1 {
            None => Label::Keep,
            Some(i) if is_long(&lines[k].0) => copy_label(&lines[k].0, &source[i]),
            Some(_) => {
                let in_block = unchanged(k)
                    && ((k > 0 && unchanged(k - 1) && adjacent(k - 1, k))
                        || (k + 1 < lines.len() && unchanged(k + 1) && adjacent(k, k + 1)));
                if in_block {
                    Label::DupAcrossDocs
                } else {
                    Label::Keep
                }
            }
        })
        .collect();
    let copied = |l: Label| matches!(l, Label::DupAcrossDocs | Label::NearDupAcrossDocs);
    for k in 1..lines.len().saturating_sub(1) {
        let words = lines[k].0.split_whitespace().count();
        if labels[k] == Label::Keep
            && words < STUB_MAX_WORDS
            && copied(labels[k - 1])
            && copied(labels[k + 1])
        {
            labels[k] = Label::NearDupAcrossDocs;
        }
    }
    labels
}

/// A line as the tool normalizes it for hashing (ASCII digits).
fn normalized(text: &str) -> String {
    let mut norm = String::new();
    normalize::normalize_into(text, normalize::Digits::Ascii, &mut norm);
    norm
}

/// The `n`-word shingles of a line, on normalized words; a line shorter than
/// `n` words is one shingle, itself.
fn shingles(text: &str, n: usize) -> HashSet<Vec<String>> {
    shingles_of_normalized(&normalized(text), n)
}

fn shingles_of_normalized(norm: &str, n: usize) -> HashSet<Vec<String>> {
    let words: Vec<String> = norm
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if words.len() < n {
        return HashSet::from([words]);
    }
    words.windows(n).map(<[String]>::to_vec).collect()
}

/// The share of `a`'s `n`-word shingles found in `b`.
fn shingle_containment(a: &str, b: &str, n: usize) -> f64 {
    let (sa, sb) = (shingles(a, n), shingles(b, n));
    sa.intersection(&sb).count() as f64 / sa.len() as f64
}

/// A line of at least `DEFAULT_MIN_LINE_CHARS` normalized characters.
fn is_long(line: &str) -> bool {
    is_long_normalized(&normalized(line))
}

fn is_long_normalized(norm: &str) -> bool {
    norm.chars().count() >= DEFAULT_MIN_LINE_CHARS
}

/// How near two pages are, as `--doc-dedup near` defines it: over the long
/// lines (at least `DEFAULT_MIN_LINE_CHARS` normalized characters), each
/// page's set of `n`-word shingles of every line and of the lines' word
/// stream across line ends; the share of the smaller set found in the
/// larger, or 0 when the larger has more than `MAX_SIZE_RATIO` times as many.
fn doc_resemblance(a: &Raw, b: &Raw, n: usize) -> f64 {
    let set = |page: &Raw| -> HashSet<Vec<String>> {
        let long: Vec<String> = page
            .iter()
            .map(|(t, _, _)| normalized(t))
            .filter(|norm| is_long_normalized(norm))
            .collect();
        let stream: Vec<String> = long
            .iter()
            .flat_map(|norm| norm.split(' ').filter(|w| !w.is_empty()))
            .map(str::to_string)
            .collect();
        let lines = long.iter().flat_map(|norm| shingles_of_normalized(norm, n));
        lines.chain(stream.windows(n).map(<[String]>::to_vec)).collect()
    };
    let (sa, sb) = (set(a), set(b));
    let (small, large) = if sa.len() <= sb.len() { (sa, sb) } else { (sb, sa) };
    if small.is_empty() || large.len() as f64 > MAX_SIZE_RATIO * small.len() as f64 {
        return 0.0;
    }
    small.intersection(&large).count() as f64 / small.len() as f64
}

/// The start of a paragraph, cut after its unique number, ending in "[…]" or "...".
fn teaser(para: &lang::Para, lang: SiteLang, rng: &mut Rng) -> String {
    let text = &para.text;
    let min = para.uid_end.max(text.len() * rng.range(40, 70) / 100);
    let spaces: Vec<usize> = text
        .char_indices()
        .filter(|&(i, c)| c == ' ' && i >= min)
        .map(|(i, _)| i)
        .collect();
    let cut = if spaces.is_empty() {
        // The number sits in the last words: cut right after it.
        text[para.uid_end..]
            .find(' ')
            .map_or(text.len(), |i| para.uid_end + i)
    } else {
        spaces[rng.below(spaces.len().min(6))]
    };
    let mut t = text[..cut].trim_end_matches([',', '،', ':', '.']).to_string();
    t.push_str(match (lang, rng.below(2)) {
        (SiteLang::Fa, 0) | (SiteLang::En, 0) => " […]",
        _ => "...",
    });
    t
}

/// A page of `site`: its content (title first) inside the site's template.
fn with_chrome(ctx: &Ctx, site: &Site, page: u64, mut content: Raw) -> Raw {
    let mut raw: Raw = site
        .chrome(&site.leading, page)
        .into_iter()
        .map(|l| (l, Label::Chrome, Part::Lead))
        .collect();
    if let (Some((sep, name)), Some((title, _, _))) = (&site.title_line, content.first()) {
        raw.push((format!("{name}{sep}{title}"), Label::Chrome, Part::Lead));
    }
    let mut rng = Rng::new(derive(ctx.seed, TAG_TEMPLATE, page));
    if let Some(notice) = &site.notice {
        // Glued to the last paragraph, when that is kept text.
        if let Some(last) = content
            .iter_mut()
            .rev()
            .find(|l| l.2.is_content() && !l.0.is_empty())
        {
            if last.1 == Label::Keep {
                let (glued, at) = notice.glue(&last.0, &mut rng);
                *last = (glued, Label::Keep, Part::Glued(at));
            }
        }
    }
    let middle = site.chrome(&site.middle, page);
    if !middle.is_empty() && content.len() >= 4 {
        // Between two paragraphs of the first half of the body (share
        // buttons under the lede, an inline box); what follows the body is
        // the trailing template.
        let at = rng.range(2, (content.len() / 2).max(3));
        let block = middle.into_iter().map(|l| (l, Label::Chrome, Part::Trail));
        content.splice(at..at, block);
    }
    raw.extend(content);
    raw.extend(
        site.chrome(&site.trailing, page)
            .into_iter()
            .map(|l| (l, Label::Chrome, Part::Trail)),
    );
    raw
}

/// Inserts blank lines between content lines (for sites that separate paragraphs that way).
fn layout(raw: Raw, blank_lines: bool) -> Raw {
    if !blank_lines {
        return raw;
    }
    let mut out: Raw = Vec::with_capacity(raw.len() * 2);
    let mut prev_content = false;
    for line in raw {
        let content = line.2.is_content();
        if content && prev_content {
            out.push((String::new(), Label::Blank, Part::Content));
        }
        prev_content = content;
        out.push(line);
    }
    out
}

/// The source's lines in their own layout and canonical (unstyled) form.
fn normal_raw(ctx: &Ctx, plan: &DocPlan) -> (String, Raw) {
    let site = &ctx.sites[plan.site as usize];
    let (title, content) = body_and_title(ctx, plan);
    (
        title,
        layout(with_chrome(ctx, site, plan.idx as u64, content), site.blank_lines),
    )
}

/// One extra invisible-after-normalization difference for a copy.
fn noisier(style: Style, lang: SiteLang, rng: &mut Rng) -> Style {
    let mut s = style;
    match (lang, rng.below(4)) {
        (SiteLang::Fa, 0) => {
            s.digits = match s.digits {
                Digits::Ascii => Digits::Persian,
                Digits::Persian => Digits::ArabicIndic,
                Digits::ArabicIndic => Digits::Ascii,
            }
        }
        (SiteLang::Fa, 1) => s.arabic_letters = !s.arabic_letters,
        (SiteLang::Fa, 2) => s.drop_zwnj = true,
        _ => s.crlf = !s.crlf,
    }
    s
}

pub fn render(ctx: &Ctx, plan: &DocPlan) -> Rendered {
    let site = &ctx.sites[plan.site as usize];
    let mut copy = None;
    let (title, raw, style) = match plan.kind {
        Kind::Normal => {
            let (title, raw) = normal_raw(ctx, plan);
            (title, raw, site.style)
        }
        Kind::ExactDup { src } => {
            let sp = &ctx.plans[src as usize];
            let ssite = &ctx.sites[sp.site as usize];
            let (title, raw) = normal_raw(ctx, sp);
            let raw = raw.into_iter().map(|(t, _, p)| (t, Label::DupDoc, p)).collect();
            let mut style = ssite.style;
            if plan.copy_noise {
                let mut rng = Rng::new(derive(ctx.seed, TAG_COPY, plan.idx as u64));
                style = noisier(style, ssite.lang, &mut rng);
            }
            (title, raw, style)
        }
        Kind::NearDup { src } => {
            let sp = &ctx.plans[src as usize];
            let (title, content) = body_and_title(ctx, sp);
            let source: Vec<String> = content.into_iter().map(|(t, _, _)| t).collect();
            let mut kind_rng = Rng::new(derive(ctx.seed, TAG_COPY_KIND, plan.idx as u64));
            let kind = match kind_rng.below(3) {
                0 => CopyKind::Rewrapped,
                1 if source.len() >= 5 => CopyKind::ParagraphDropped,
                _ => CopyKind::Edited,
            };
            copy = Some(kind);
            if kind != CopyKind::Edited {
                let lines = match kind {
                    CopyKind::Rewrapped => rewrapped(&source, &mut kind_rng),
                    _ => {
                        let mut lines = source;
                        lines.remove(kind_rng.below(lines.len()));
                        lines
                    }
                };
                let content = lines
                    .into_iter()
                    .map(|t| (t, Label::NearDupDoc, Part::Content))
                    .collect();
                let raw = layout(with_chrome(ctx, site, plan.idx as u64, content), site.blank_lines);
                let raw = raw
                    .into_iter()
                    .map(|(t, _, p)| (t, Label::NearDupDoc, p))
                    .collect();
                let mut style = site.style;
                if plan.copy_noise {
                    let mut rng = Rng::new(derive(ctx.seed, TAG_COPY, plan.idx as u64));
                    style = noisier(style, site.lang, &mut rng);
                }
                return finish(title, &raw, style, plan.final_newline, copy);
            }
            let lang = site.lang;
            // Each line with the source line it was copied from (None: new text).
            let mut lines: Vec<(String, Option<usize>)> = source
                .iter()
                .enumerate()
                .map(|(i, t)| (t.clone(), Some(i)))
                .collect();
            let mut rng = Rng::new(derive(ctx.seed, TAG_COPY, plan.idx as u64));
            for _ in 0..rng.range(1, 3) {
                let i = rng.below(lines.len());
                lines[i].0 = lang::edit_word(&lines[i].0, lang, &mut rng, 0..0);
            }
            if lines.len() > 4 && rng.chance(0.3) {
                let i = rng.range(1, lines.len() - 1);
                lines.remove(i);
            }
            if rng.chance(0.3) {
                let para = lang::paragraph(lang, &mut rng, plan.idx as u64 * 32 + 30);
                let i = rng.range(1, lines.len());
                lines.insert(i, (para.text, None));
            }
            let page =
                |content: Raw| layout(with_chrome(ctx, site, plan.idx as u64, content), site.blank_lines);
            let as_copied = page(
                lines
                    .iter()
                    .map(|(t, _)| (t.clone(), Label::NearDupDoc, Part::Content))
                    .collect(),
            );
            // A near-duplicate document by the definition of `--doc-dedup
            // near` at the default threshold; below it, each line is what it is
            // on its own (a copied paragraph, the site's chrome, new text).
            let (_, source_page) = normal_raw(ctx, sp);
            let raw = if doc_resemblance(&as_copied, &source_page, DEFAULT_SHINGLE) >= DEFAULT_DOC_THRESHOLD {
                as_copied
                    .into_iter()
                    .map(|(t, _, p)| (t, Label::NearDupDoc, p))
                    .collect()
            } else {
                let labels = loose_copy_labels(&lines, &source);
                let content = lines
                    .into_iter()
                    .zip(labels)
                    .map(|((t, _), label)| (t, label, Part::Content))
                    .collect();
                page(content)
            };
            let mut style = site.style;
            if plan.copy_noise {
                style = noisier(style, lang, &mut rng);
            }
            (title, raw, style)
        }
    };
    finish(title, &raw, style, plan.final_newline, copy)
}

/// The text of a page's lines in its style, with their labels.
fn finish(title: String, raw: &Raw, style: Style, final_newline: bool, copy: Option<CopyKind>) -> Rendered {
    let eol = if style.crlf { "\r\n" } else { "\n" };
    let mut text = String::with_capacity(raw.iter().map(|l| l.0.len() + 2).sum());
    let mut labels = Vec::with_capacity(raw.len());
    let mut cut = None;
    for (i, (line, label, part)) in raw.iter().enumerate() {
        if i > 0 {
            text.push_str(eol);
        }
        if let (Part::Glued(at), Label::Keep) = (part, label) {
            // The style maps characters one by one: the glued part starts
            // where the styled text before it ends.
            cut = Some(text.len() + apply_style(&line[..*at], &style).len());
        }
        text.push_str(&apply_style(line, &style));
        labels.push(*label);
    }
    if final_newline {
        text.push_str(eol);
    }
    Rendered {
        title: apply_style(&title, &style),
        text,
        labels,
        copy,
        cut,
    }
}

/// The words of `lines` with their line breaks elsewhere: wrapped again at
/// a width of 50 to 120 characters, or joined two paragraphs to a line.
fn rewrapped(lines: &[String], rng: &mut Rng) -> Vec<String> {
    if rng.chance(0.5) {
        return lines.chunks(2).map(|pair| pair.join(" ")).collect();
    }
    let width = rng.range(50, 120);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in lines.iter().flat_map(|l| l.split_whitespace()) {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}
