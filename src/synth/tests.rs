//! Tests of the generator: determinism, label/line agreement, coverage of every label, and a
//! checker that recomputes exact duplicates from the written files and compares with the truth.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("synth-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    d
}

fn config(dir: &Path, size: u64, format: Format, lang: Lang) -> SynthConfig {
    SynthConfig {
        size_bytes: size,
        seed: 7,
        out_dir: dir.to_path_buf(),
        format,
        lang,
        rates: Rates::default(),
    }
}

/// The approximate normalization of the brief: lowercase, Arabic→Persian letters, digits to
/// ASCII, no ZWNJ, punctuation to space, collapsed white space.
fn norm(line: &str) -> String {
    let mut s = String::with_capacity(line.len());
    for c in line.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            '\u{06F0}'..='\u{06F9}' => char::from_u32(c as u32 - 0x06F0 + '0' as u32).unwrap(),
            '\u{0660}'..='\u{0669}' => char::from_u32(c as u32 - 0x0660 + '0' as u32).unwrap(),
            '\u{200C}' => continue,
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        s.push(c);
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Doc {
    text: String,
    labels: Vec<String>,
    /// How a near copy was made, if it is one.
    copy: Option<String>,
    /// Where a glued notice's cut starts.
    cut: Option<usize>,
}

impl Doc {
    fn lines(&self) -> Vec<&str> {
        let t = self.text.strip_suffix('\n').unwrap_or(&self.text);
        t.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect()
    }
}

/// Reads the corpus back in corpus order, with the truth labels.
fn read_back(dir: &Path) -> Vec<Doc> {
    let truth = fs::read_to_string(dir.join("truth.jsonl")).unwrap();
    let mut parts: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
    let mut docs = Vec::new();
    let mut last_path = String::new();
    for line in truth.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = v["path"].as_str().unwrap().to_string();
        assert!(path >= last_path, "truth not in corpus order");
        last_path = path.clone();
        let labels: Vec<String> = v["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect();
        let text = match v["record"].as_u64() {
            None => fs::read_to_string(dir.join(&path)).unwrap(),
            Some(n) => {
                let recs = parts.entry(path.clone()).or_insert_with(|| {
                    fs::read_to_string(dir.join(&path))
                        .unwrap()
                        .lines()
                        .map(|l| serde_json::from_str(l).unwrap())
                        .collect()
                });
                recs[n as usize - 1]["text"].as_str().unwrap().to_string()
            }
        };
        let copy = v["copy"].as_str().map(str::to_string);
        let cut = v["cut"].as_u64().map(|c| c as usize);
        docs.push(Doc {
            text,
            labels,
            copy,
            cut,
        });
    }
    docs
}

fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn parse_size_cases() {
    assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
    assert_eq!(parse_size("200MB"), Ok(200_000_000));
    assert_eq!(parse_size("5mb"), Ok(5_000_000));
    assert_eq!(parse_size("512KB"), Ok(512_000));
    assert_eq!(parse_size("1000"), Ok(1000));
    assert_eq!(parse_size("1GiB"), Ok(1 << 30));
    assert_eq!(parse_size("1MiB"), Ok(1 << 20));
    assert_eq!(parse_size(" 1.5 MB "), Ok(1_500_000));
    assert!(parse_size("").is_err());
    assert!(parse_size("MB").is_err());
    assert!(parse_size("12XB").is_err());
    assert!(parse_size("-5MB").is_err());
}

#[test]
fn deterministic_txt_and_jsonl() {
    for (name, format) in [("det-txt", Format::Txt), ("det-jsonl", Format::Jsonl)] {
        let a = temp_dir(&format!("{name}-a"));
        let b = temp_dir(&format!("{name}-b"));
        synth(&config(&a, 600_000, format, Lang::Mixed)).unwrap();
        // A second run over an existing output replaces it.
        synth(&config(&b, 300_000, format, Lang::Mixed)).unwrap();
        synth(&config(&b, 600_000, format, Lang::Mixed)).unwrap();
        let (ta, tb) = (tree(&a), tree(&b));
        assert!(ta.len() >= 3);
        assert!(ta == tb, "{name}: trees differ");
        let _ = fs::remove_dir_all(&a);
        let _ = fs::remove_dir_all(&b);
    }
}

#[test]
fn three_megabytes_have_consistent_ground_truth() {
    let dir = temp_dir("truth");
    let stats = synth(&config(&dir, 3_000_000, Format::Txt, Lang::Mixed)).unwrap();
    assert!(
        stats.bytes >= 3_000_000 && stats.bytes < 3_200_000,
        "bytes {}",
        stats.bytes
    );
    let docs = read_back(&dir);
    assert_eq!(docs.len() as u64, stats.docs);
    let mut kinds = HashSet::new();
    let mut total_lines = 0;
    // Exact normalized keys of earlier documents (line keys, and whole-document keys).
    let mut seen_lines: HashSet<String> = HashSet::new();
    let mut seen_docs: HashSet<String> = HashSet::new();
    let mut crlf = 0;
    let mut cuts = 0;
    for (i, d) in docs.iter().enumerate() {
        let lines = d.lines();
        assert_eq!(lines.len(), d.labels.len(), "doc {i}: label count != line count");
        if let Some(at) = d.cut {
            // A space, then a notice of 10 to 40 words (a tag before it) to
            // the end of a kept line.
            cuts += 1;
            let line_no = d.text[..at].matches('\n').count();
            assert_eq!(d.labels[line_no], "keep", "doc {i}: cut on a removed line");
            assert!(d.text[at..].starts_with(' '), "doc {i}: cut at {at}");
            let notice = d.text[at..].lines().next().unwrap();
            let words = notice.split_whitespace().count();
            assert!(
                (10..=41).contains(&words),
                "doc {i}: a notice of {words} words: {notice}"
            );
        }
        total_lines += lines.len();
        crlf += usize::from(d.text.contains("\r\n"));
        kinds.extend(d.labels.iter().cloned());
        let keys: Vec<String> = lines.iter().map(|l| norm(l)).collect();
        let doc_key = keys
            .iter()
            .filter(|k| !k.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        let whole = d.labels[0].clone();
        if whole == "dup_doc" || whole == "near_dup_doc" {
            assert!(
                d.labels.iter().all(|l| *l == whole),
                "doc {i}: mixed whole-document label"
            );
            assert_eq!(
                whole == "dup_doc",
                seen_docs.contains(&doc_key),
                "doc {i}: {whole} vs earlier docs"
            );
        } else {
            assert!(
                !seen_docs.contains(&doc_key),
                "doc {i}: unlabelled duplicate document"
            );
            // Chrome in a leading and a trailing run, and inside the body
            // only as one block of the site's middle template (1 or 2 lines).
            let first_content = d.labels.iter().position(|l| l != "chrome").unwrap();
            let last_content = d.labels.iter().rposition(|l| l != "chrome").unwrap();
            let body = &d.labels[first_content..=last_content];
            let runs = body.split(|l| l != "chrome").filter(|run| !run.is_empty());
            let run_lens: Vec<usize> = runs.map(<[String]>::len).collect();
            assert!(
                run_lens.len() <= 1 && run_lens.iter().all(|&n| n <= 2),
                "doc {i}: chrome inside the body in runs {run_lens:?}"
            );
            assert!(
                d.labels.last().unwrap() == "chrome",
                "doc {i}: no trailing chrome"
            );
            let mut in_doc: HashSet<&str> = HashSet::new();
            for (j, (k, l)) in keys.iter().zip(&d.labels).enumerate() {
                let long = k.chars().count() >= 30;
                match l.as_str() {
                    "blank" => assert!(k.is_empty(), "doc {i} line {j}: blank with words"),
                    "keep" => {
                        assert!(!k.is_empty());
                        assert!(!in_doc.contains(k.as_str()), "doc {i} line {j}: kept repeat");
                        assert!(
                            !long || !seen_lines.contains(k),
                            "doc {i} line {j}: kept cross-doc dup"
                        );
                    }
                    "repeat_in_doc" => assert!(in_doc.contains(k.as_str()), "doc {i} line {j}"),
                    "dup_across_docs" => {
                        assert!(
                            long && seen_lines.contains(k) && !in_doc.contains(k.as_str()),
                            "doc {i} line {j}"
                        )
                    }
                    "near_repeat_in_doc" | "near_dup_across_docs" => {
                        assert!(
                            !seen_lines.contains(k) && !in_doc.contains(k.as_str()),
                            "doc {i} line {j}"
                        )
                    }
                    "chrome" => {}
                    other => panic!("doc {i} line {j}: unexpected label {other}"),
                }
                in_doc.insert(k);
            }
            // A teaser is a prefix of the paragraph after it (blank lines skipped).
            for (j, l) in d.labels.iter().enumerate() {
                let next = (j + 1..keys.len()).find(|&n| !keys[n].is_empty());
                if l == "near_repeat_in_doc" && lines[j].ends_with("[…]") {
                    let n = next.unwrap();
                    assert!(keys[n].starts_with(&keys[j]) || d.labels[n] == "near_repeat_in_doc");
                }
            }
        }
        for k in keys {
            if !k.is_empty() {
                seen_lines.insert(k);
            }
        }
        seen_docs.insert(doc_key);
    }
    assert_eq!(total_lines as u64, stats.lines);
    assert!(cuts > 0, "no glued notice");
    for l in Label::ALL {
        assert!(kinds.contains(l.as_str()), "label {} never occurs", l.as_str());
        assert!(stats.labels[l.as_str()].lines > 0);
    }
    assert!(crlf > 0, "no CRLF document");
    let text: String = docs.iter().map(|d| d.text.as_str()).collect();
    for needle in ["ي", "ك", "۱", "\u{200C}", "[…]", "کد خبر", "Your comment"] {
        assert!(text.contains(needle), "corpus never contains {needle:?}");
    }
    let stats_json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("truth-stats.json")).unwrap()).unwrap();
    assert_eq!(stats_json["docs"].as_u64(), Some(stats.docs));
    assert_eq!(stats_json["config"]["seed"].as_u64(), Some(7));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn near_copies_come_edited_rewrapped_and_short_of_a_paragraph() {
    let dir = temp_dir("copies");
    synth(&config(&dir, 3_000_000, Format::Txt, Lang::Mixed)).unwrap();
    let docs = read_back(&dir);
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for d in &docs {
        let Some(kind) = d.copy.as_deref() else { continue };
        *kinds.entry(kind).or_default() += 1;
        if kind != "edited" {
            // Always a near duplicate as a whole, whatever its line breaks.
            assert!(
                d.labels.iter().all(|l| l == "near_dup_doc"),
                "{kind}: {:?}",
                d.labels
            );
        }
    }
    for kind in ["edited", "rewrapped", "paragraph_dropped"] {
        assert!(
            kinds.get(kind).is_some_and(|&n| n > 0),
            "no {kind} copy: {kinds:?}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn jsonl_records_and_truth_agree() {
    let dir = temp_dir("jsonl");
    let stats = synth(&config(&dir, 400_000, Format::Jsonl, Lang::En)).unwrap();
    let docs = read_back(&dir);
    assert_eq!(docs.len() as u64, stats.docs);
    for d in &docs {
        assert_eq!(d.lines().len(), d.labels.len());
    }
    let part = fs::read_to_string(dir.join("corpus/part-00000.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(part.lines().next().unwrap()).unwrap();
    assert!(first["url"].as_str().unwrap().starts_with("https://www."));
    assert!(!first["title"].as_str().unwrap().is_empty());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn bad_config_is_rejected() {
    let dir = temp_dir("bad");
    let mut c = config(&dir, 0, Format::Txt, Lang::Fa);
    assert!(synth(&c).is_err());
    c.size_bytes = 1000;
    c.rates.teaser = 1.5;
    assert!(matches!(synth(&c), Err(SynthError::Config(_))));
}

/// `SYNTH_BENCH_SIZE=1GB SYNTH_BENCH_FORMAT=jsonl cargo test --release -- --ignored timing`
#[test]
#[ignore]
fn timing() {
    let size = parse_size(&std::env::var("SYNTH_BENCH_SIZE").unwrap_or_else(|_| "100MB".into())).unwrap();
    let format = std::env::var("SYNTH_BENCH_FORMAT")
        .unwrap_or_else(|_| "txt".into())
        .parse()
        .unwrap();
    let lang = std::env::var("SYNTH_BENCH_LANG")
        .unwrap_or_else(|_| "mixed".into())
        .parse()
        .unwrap();
    let dir = temp_dir("timing");
    let t = std::time::Instant::now();
    let stats = synth(&config(&dir, size, format, lang)).unwrap();
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "{} bytes, {} docs, {} lines, {} sites in {s:.2} s ({:.0} MB/s)",
        stats.bytes,
        stats.docs,
        stats.lines,
        stats.sites,
        stats.bytes as f64 / s / 1e6
    );
    if std::env::var("SYNTH_BENCH_KEEP").is_err() {
        let _ = fs::remove_dir_all(&dir);
    }
}
