//! Synthetic news corpora with ground truth for every line.
//!
//! `textsieve` is scored against corpora whose every defect is labelled: chrome at the ends of
//! pages, re-crawled and syndicated documents, bodies pasted twice, teasers, quotes and passages
//! shared between stories, plus encoding noise (ي/ی, ك/ک, three digit scripts, ZWNJ, CRLF) that
//! normalization must see through. Generation is planned sequentially (cheap metadata, so first
//! occurrences in corpus order are known) and rendered and written in parallel; the same seed,
//! size, format and language give byte-identical files on every platform.

mod lang;
mod plan;
mod render;
mod rng;
mod site;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use lang::SiteLang;
use plan::Planner;
use render::{Ctx, Rendered};
use site::Site;

/// The bundled real Persian news articles; the Persian Markov model is trained on them.
const SEEDS: [&str; 5] = [
    include_str!("../../samples/seeds/000_7a1cd4cb3cb5c2ea.txt"),
    include_str!("../../samples/seeds/001_18a5eeb6be95b0b1.txt"),
    include_str!("../../samples/seeds/002_de4479e4430be0e3.txt"),
    include_str!("../../samples/seeds/003_dd600656ab7ede0e.txt"),
    include_str!("../../samples/seeds/004_16c936f3609acb99.txt"),
];

/// JSONL part files roll over after this many bytes.
const PART_BYTES: u64 = 64_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Txt,
    Jsonl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fa,
    En,
    /// Each site is Persian or English.
    Mixed,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "txt" => Ok(Format::Txt),
            "jsonl" => Ok(Format::Jsonl),
            _ => Err(format!("unknown format {s:?} (expected txt or jsonl)")),
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "fa" => Ok(Lang::Fa),
            "en" => Ok(Lang::En),
            "mixed" => Ok(Lang::Mixed),
            _ => Err(format!("unknown language {s:?} (expected fa, en or mixed)")),
        }
    }
}

/// Every injection rate. Per-document rates are probabilities per generated document; per-site
/// rates are probabilities per site (a site's house style applies to all its pages).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rates {
    /// Per document: an exact re-crawl of an earlier document (same site when possible). 0.04
    pub exact_dup_doc: f64,
    /// Per document: a syndicated near copy of an earlier document of another site. 0.03
    pub near_dup_doc: f64,
    /// Per original document: the body (from some paragraph to the end) pasted twice. 0.03
    pub paste_body: f64,
    /// Of the pasted bodies, the share pasted with small edits (near_repeat_in_doc). 0.4
    pub paste_near: f64,
    /// Per original document: a teaser cut with "[…]"/"..." before the paragraph it repeats. 0.05
    pub teaser: f64,
    /// Per original document: contains 1–2 shared quotes (exact copies across documents). 0.08
    pub shared_quote: f64,
    /// Per original document: contains a passage shared with a word changed. 0.04
    pub near_dup_paragraph: f64,
    /// Per original document: a short dateline/byline under the title (kept). 0.3
    pub byline: f64,
    /// Per document: the text ends with a line terminator. 0.8
    pub final_newline: f64,
    /// Per copy (re-crawl or syndication): extra encoding noise on top of the house style. 0.7
    pub copy_noise: f64,
    /// Per site: 1–3 leading chrome lines (breadcrumbs, navigation). 0.1 (site 0 always)
    pub leading_chrome_sites: f64,
    /// Per site: a template block inside the body of every page (a share
    /// line, comment-form labels, a menu). 0.4 (site 3 always)
    pub middle_chrome_sites: f64,
    /// Per site: pages open with a title line "Site name - headline" above
    /// the headline. 0.3 (site 4 always)
    pub title_line_sites: f64,
    /// Per site: a notice of 10–40 words glued to the last paragraph of every
    /// page, after a sentence, after an editor's tag, or with no sentence
    /// break. 0.3 (site 5 always)
    pub glued_notice_sites: f64,
    /// Per original document: its last sentence ends in a stock phrase
    /// ("…, he added.") that many articles end with: content. 0.3
    pub alike_ending: f64,
    /// Per site: blank lines between paragraphs. 0.25 (site 1 always)
    pub blank_line_sites: f64,
    /// Per site: CRLF line endings. 0.1 (site 2 always)
    pub crlf_sites: f64,
    /// Per Persian site: Arabic ي/ك instead of ی/ک. 0.15 (the last Persian site always)
    pub arabic_letter_sites: f64,
    /// Per Persian site: Persian digits (else Arabic-Indic with 15%, else ASCII). 0.5
    pub persian_digit_sites: f64,
    /// Per Persian site: ZWNJ dropped («میشود» for «می‌شود»). 0.3
    pub zwnj_drop_sites: f64,
    /// Most sites generated (fewer for small sizes: about one per 400 KB, at least 3). 300
    pub max_sites: u32,
}

impl Default for Rates {
    fn default() -> Rates {
        Rates {
            exact_dup_doc: 0.04,
            near_dup_doc: 0.03,
            paste_body: 0.03,
            paste_near: 0.4,
            teaser: 0.05,
            shared_quote: 0.08,
            near_dup_paragraph: 0.04,
            byline: 0.3,
            final_newline: 0.8,
            copy_noise: 0.7,
            leading_chrome_sites: 0.1,
            middle_chrome_sites: 0.4,
            title_line_sites: 0.3,
            glued_notice_sites: 0.3,
            alike_ending: 0.3,
            blank_line_sites: 0.25,
            crlf_sites: 0.1,
            arabic_letter_sites: 0.15,
            persian_digit_sites: 0.5,
            zwnj_drop_sites: 0.3,
            max_sites: 300,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SynthConfig {
    /// Approximate total corpus text bytes (generation stops once reached).
    pub size_bytes: u64,
    pub seed: u64,
    pub out_dir: PathBuf,
    pub format: Format,
    pub lang: Lang,
    pub rates: Rates,
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("invalid synth configuration: {0}")]
    Config(String),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The ground-truth label of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    Keep,
    Blank,
    RepeatInDoc,
    NearRepeatInDoc,
    DupAcrossDocs,
    NearDupAcrossDocs,
    Chrome,
    DupDoc,
    NearDupDoc,
}

impl Label {
    pub const ALL: [Label; 9] = [
        Label::Keep,
        Label::Blank,
        Label::RepeatInDoc,
        Label::NearRepeatInDoc,
        Label::DupAcrossDocs,
        Label::NearDupAcrossDocs,
        Label::Chrome,
        Label::DupDoc,
        Label::NearDupDoc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Keep => "keep",
            Label::Blank => "blank",
            Label::RepeatInDoc => "repeat_in_doc",
            Label::NearRepeatInDoc => "near_repeat_in_doc",
            Label::DupAcrossDocs => "dup_across_docs",
            Label::NearDupAcrossDocs => "near_dup_across_docs",
            Label::Chrome => "chrome",
            Label::DupDoc => "dup_doc",
            Label::NearDupDoc => "near_dup_doc",
        }
    }
}

impl Serialize for Label {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LabelCount {
    pub lines: u64,
    pub docs: u64,
}

/// The effective configuration, echoed in the stats.
#[derive(Clone, Debug, Serialize)]
pub struct EffectiveConfig {
    pub seed: u64,
    pub size_bytes: u64,
    pub format: Format,
    pub lang: Lang,
    pub rates: Rates,
}

#[derive(Clone, Debug, Serialize)]
pub struct SynthStats {
    pub docs: u64,
    pub lines: u64,
    /// Total document text bytes.
    pub bytes: u64,
    /// Sites with at least one document.
    pub sites: u64,
    /// Per label: lines with it, and documents with at least one such line.
    pub labels: BTreeMap<&'static str, LabelCount>,
    pub config: EffectiveConfig,
}

/// Parses "1GB", "200MB", "512KB", "1000", "1GiB", "1.5MB" (decimal units, case-insensitive).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(format!(
            "invalid size {s:?}: expected a number with an optional unit like 200MB"
        ));
    }
    let mult: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        u => {
            return Err(format!(
                "invalid size {s:?}: unknown unit {u:?} (use B, KB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    if let Ok(n) = num.parse::<u64>() {
        return n
            .checked_mul(mult)
            .ok_or_else(|| format!("invalid size {s:?}: too large"));
    }
    match num.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 && x * (mult as f64) < u64::MAX as f64 => {
            Ok((x * mult as f64).round() as u64)
        }
        _ => Err(format!("invalid size {s:?}")),
    }
}

#[derive(Serialize)]
struct TruthRecord<'a> {
    path: &'a str,
    record: Option<u64>,
    site: &'a str,
    labels: &'a [Label],
    /// How a near copy was made (see [`render::CopyKind`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    copy: Option<render::CopyKind>,
    /// Where the cut of a glued notice starts (a byte offset into the text,
    /// at the white space before the notice): the rest of the line is
    /// chrome, the line before it content.
    #[serde(skip_serializing_if = "Option::is_none")]
    cut: Option<usize>,
}

#[derive(Serialize)]
struct JsonlRecord<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    text: &'a str,
}

fn validate(config: &SynthConfig) -> Result<(), SynthError> {
    if config.size_bytes == 0 {
        return Err(SynthError::Config("size must be greater than zero".into()));
    }
    let r = &config.rates;
    let probs = [
        ("exact_dup_doc", r.exact_dup_doc),
        ("near_dup_doc", r.near_dup_doc),
        ("paste_body", r.paste_body),
        ("paste_near", r.paste_near),
        ("teaser", r.teaser),
        ("shared_quote", r.shared_quote),
        ("near_dup_paragraph", r.near_dup_paragraph),
        ("byline", r.byline),
        ("final_newline", r.final_newline),
        ("copy_noise", r.copy_noise),
        ("leading_chrome_sites", r.leading_chrome_sites),
        ("middle_chrome_sites", r.middle_chrome_sites),
        ("title_line_sites", r.title_line_sites),
        ("glued_notice_sites", r.glued_notice_sites),
        ("alike_ending", r.alike_ending),
        ("blank_line_sites", r.blank_line_sites),
        ("crlf_sites", r.crlf_sites),
        ("arabic_letter_sites", r.arabic_letter_sites),
        ("persian_digit_sites", r.persian_digit_sites),
        ("zwnj_drop_sites", r.zwnj_drop_sites),
    ];
    for (name, p) in probs {
        if !(0.0..=1.0).contains(&p) {
            return Err(SynthError::Config(format!("rate {name} = {p} is not in [0, 1]")));
        }
    }
    if r.exact_dup_doc + r.near_dup_doc > 0.9 {
        return Err(SynthError::Config(
            "exact_dup_doc + near_dup_doc must be at most 0.9".into(),
        ));
    }
    if r.max_sites == 0 {
        return Err(SynthError::Config("max_sites must be at least 1".into()));
    }
    Ok(())
}

/// Writes `bytes` to `path` via a temporary name and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SynthError> {
    let tmp = path.with_extension("tmp-synth");
    fs::write(&tmp, bytes).map_err(io_err(&tmp))?;
    fs::rename(&tmp, path).map_err(io_err(path))
}

struct JsonlOut {
    dir: PathBuf,
    part: u32,
    bytes: u64,
    line: u64,
    name: String,
    w: Option<BufWriter<fs::File>>,
}

impl JsonlOut {
    fn ensure(&mut self) -> Result<(), SynthError> {
        if self.w.is_none() || self.bytes >= PART_BYTES {
            self.finish()?;
            self.name = format!("part-{:05}.jsonl", self.part);
            let path = self.dir.join(&self.name);
            let f = fs::File::create(&path).map_err(io_err(&path))?;
            self.w = Some(BufWriter::with_capacity(1 << 20, f));
            self.part += 1;
            self.bytes = 0;
            self.line = 0;
        }
        Ok(())
    }
    fn finish(&mut self) -> Result<(), SynthError> {
        if let Some(mut w) = self.w.take() {
            let path = self.dir.join(&self.name);
            w.flush().map_err(io_err(&path))?;
        }
        Ok(())
    }
}

/// Generates a corpus and its ground truth into `config.out_dir`.
pub fn synth(config: &SynthConfig) -> Result<SynthStats, SynthError> {
    validate(config)?;
    let out = &config.out_dir;
    fs::create_dir_all(out).map_err(io_err(out))?;
    let tmp_corpus = out.join("corpus.tmp-synth");
    if tmp_corpus.exists() {
        fs::remove_dir_all(&tmp_corpus).map_err(io_err(&tmp_corpus))?;
    }
    fs::create_dir_all(&tmp_corpus).map_err(io_err(&tmp_corpus))?;
    let truth_tmp = out.join("truth.jsonl.tmp-synth");
    let truth_file = fs::File::create(&truth_tmp).map_err(io_err(&truth_tmp))?;
    let mut truth = BufWriter::with_capacity(1 << 20, truth_file);

    let size = config.size_bytes;
    let seed = config.seed;
    let n_sites = (size / 400_000).clamp(3, config.rates.max_sites as u64) as u32;
    let mut lang_rng = rng::Rng::new(rng::derive(seed, 0x1A6, 0));
    let sites: Vec<Site> = (0..n_sites)
        .map(|i| {
            let l = match config.lang {
                Lang::Fa => SiteLang::Fa,
                Lang::En => SiteLang::En,
                Lang::Mixed => {
                    if lang_rng.chance(0.5) {
                        SiteLang::Fa
                    } else {
                        SiteLang::En
                    }
                }
            };
            Site::new(seed, i, l, &config.rates)
        })
        .collect::<Vec<Site>>();
    // The last Persian site always writes Arabic ي/ك, so small corpora have them too.
    let mut sites = sites;
    if let Some(s) = sites.iter_mut().rev().find(|s| s.lang == SiteLang::Fa) {
        s.style.arabic_letters = true;
    }
    let guess = |l: SiteLang| match l {
        SiteLang::Fa => 9_000.0,
        SiteLang::En => 5_000.0,
    };
    let est_docs = (size as f64 / sites.iter().map(|s| guess(s.lang)).sum::<f64>() * n_sites as f64) as u64;
    let mut planner = Planner::new(seed, &config.rates, est_docs + 1);

    let mut counts: BTreeMap<Label, LabelCount> =
        Label::ALL.iter().map(|&l| (l, LabelCount::default())).collect();
    let (mut docs, mut lines, mut bytes, mut used_sites) = (0u64, 0u64, 0u64, 0u64);
    let mut avg = [guess(SiteLang::Fa), guess(SiteLang::En)];
    let mut avg_n = [0u64; 2];
    let mut jsonl = JsonlOut {
        dir: tmp_corpus.clone(),
        part: 0,
        bytes: 0,
        line: 0,
        name: String::new(),
        w: None,
    };

    for site in &sites {
        if bytes >= size {
            break;
        }
        let target = size * (site.index as u64 + 1) / n_sites as u64;
        planner.start_site();
        let li = plan::lang_index(site.lang);
        let site_dir = tmp_corpus.join(&site.name);
        if config.format == Format::Txt {
            fs::create_dir_all(&site_dir).map_err(io_err(&site_dir))?;
        }
        let mut site_docs = 0u64;
        while bytes < target || site_docs == 0 {
            let start = planner.plans.len();
            let need = (target.saturating_sub(bytes) as f64 / avg[li]).ceil() as usize + 1;
            let batch = need.clamp(1, 512);
            if (start + batch) as u64 >= render::MAX_DOCS {
                return Err(SynthError::Config(format!(
                    "too many documents for one corpus (at most {})",
                    render::MAX_DOCS
                )));
            }
            for _ in 0..batch {
                planner.plan_next(site);
            }
            let ctx = Ctx {
                seed,
                sites: &sites,
                plans: &planner.plans,
            };
            let mut rendered: Vec<Rendered> = planner.plans[start..]
                .par_iter()
                .map(|p| render::render(&ctx, p))
                .collect();
            // Cut the batch where the target is reached; forget the plans after it.
            let mut acc = bytes;
            let mut keep = rendered.len();
            for (i, r) in rendered.iter().enumerate() {
                acc += r.text.len() as u64;
                if acc >= target {
                    keep = i + 1;
                    break;
                }
            }
            rendered.truncate(keep);
            planner.rollback(start + keep, &sites);

            // Write the documents.
            let paths: Vec<(String, Option<u64>)> = match config.format {
                Format::Txt => {
                    let names: Vec<String> = (start..start + keep)
                        .map(|i| format!("{}/{:07}.txt", site.name, i))
                        .collect();
                    names
                        .par_iter()
                        .zip(rendered.par_iter())
                        .try_for_each(|(name, r)| {
                            let path = tmp_corpus.join(name);
                            fs::write(&path, r.text.as_bytes()).map_err(io_err(&path))
                        })?;
                    names.into_iter().map(|n| (format!("corpus/{n}"), None)).collect()
                }
                Format::Jsonl => {
                    let recs: Vec<Vec<u8>> = rendered
                        .par_iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let idx = start + i;
                            let id = format!("{}-{:07}", site.name, idx);
                            let url =
                                format!("https://{}/news/{}", site.host, site.page_base + idx as u64 * 7);
                            let rec = JsonlRecord {
                                id: &id,
                                url: &url,
                                title: &r.title,
                                text: &r.text,
                            };
                            let mut v = serde_json::to_vec(&rec).expect("serializing strings cannot fail");
                            v.push(b'\n');
                            v
                        })
                        .collect();
                    let mut out = Vec::with_capacity(recs.len());
                    for rec in recs {
                        jsonl.ensure()?;
                        let path = tmp_corpus.join(&jsonl.name);
                        jsonl
                            .w
                            .as_mut()
                            .expect("opened")
                            .write_all(&rec)
                            .map_err(io_err(&path))?;
                        jsonl.bytes += rec.len() as u64;
                        jsonl.line += 1;
                        out.push((format!("corpus/{}", jsonl.name), Some(jsonl.line)));
                    }
                    out
                }
            };
            for (r, (path, record)) in rendered.iter().zip(&paths) {
                let rec = TruthRecord {
                    path,
                    record: *record,
                    site: &site.name,
                    labels: &r.labels,
                    copy: r.copy,
                    cut: r.cut,
                };
                serde_json::to_writer(&mut truth, &rec).expect("serializing strings cannot fail");
                truth.write_all(b"\n").map_err(io_err(&truth_tmp))?;
                docs += 1;
                lines += r.labels.len() as u64;
                bytes += r.text.len() as u64;
                let mut seen = [false; 9];
                for &l in &r.labels {
                    let c = counts.get_mut(&l).expect("all labels present");
                    c.lines += 1;
                    if !seen[l as usize] {
                        seen[l as usize] = true;
                        c.docs += 1;
                    }
                }
                avg_n[li] += 1;
                avg[li] += (r.text.len() as f64 - avg[li]) / (avg_n[li] as f64 + 1.0);
            }
            site_docs += keep as u64;
        }
        used_sites += 1;
    }
    jsonl.finish()?;
    truth.flush().map_err(io_err(&truth_tmp))?;
    drop(truth);

    // Put the new corpus and truth in place of any previous ones.
    let corpus = out.join("corpus");
    if corpus.exists() {
        fs::remove_dir_all(&corpus).map_err(io_err(&corpus))?;
    }
    fs::rename(&tmp_corpus, &corpus).map_err(io_err(&corpus))?;
    let truth_path = out.join("truth.jsonl");
    fs::rename(&truth_tmp, &truth_path).map_err(io_err(&truth_path))?;

    let stats = SynthStats {
        docs,
        lines,
        bytes,
        sites: used_sites,
        labels: counts.into_iter().map(|(l, c)| (l.as_str(), c)).collect(),
        config: EffectiveConfig {
            seed,
            size_bytes: size,
            format: config.format,
            lang: config.lang,
            rates: config.rates.clone(),
        },
    };
    let mut json = serde_json::to_vec_pretty(&stats).expect("serializing stats cannot fail");
    json.push(b'\n');
    write_atomic(&out.join("truth-stats.json"), &json)?;
    Ok(stats)
}
