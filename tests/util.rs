//! Helpers that keep each test to a few lines: a scratch folder, running the
//! binary in it, and reading back output trees and stats.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_textsieve");

pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, content).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        fs::read(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn read_str(&self, rel: &str) -> String {
        String::from_utf8(self.read(rel)).unwrap()
    }

    /// Copies a folder of the repository (e.g. "samples/seeds") to `rel`.
    pub fn copy_from_repo(&self, repo_rel: &str, rel: &str) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(repo_rel);
        for (p, bytes) in tree(&src) {
            self.write(&format!("{rel}/{}", p.display()), bytes);
        }
    }

    /// Runs `textsieve ARGS` in this folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        use std::io::Write;
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run textsieve");
        if let Some(data) = stdin {
            child.stdin.take().unwrap().write_all(data).unwrap();
        }
        Run(child.wait_with_output().unwrap())
    }

    /// Every file under `rel`, by relative path.
    pub fn tree(&self, rel: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        tree(&self.path(rel))
    }

    pub fn stats(&self, rel: &str) -> serde_json::Value {
        serde_json::from_slice(&self.read(rel)).expect("stats JSON")
    }
}

pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    /// Asserts success and returns self.
    pub fn ok(self) -> Run {
        assert_eq!(self.code(), 0, "textsieve failed:\n{}", self.stderr());
        self
    }
}

pub fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok) {
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
            out.insert(rel, fs::read(e.path()).unwrap());
        }
    }
    out
}

/// Stats without the part that may differ between runs.
pub fn without_timings(mut v: serde_json::Value) -> serde_json::Value {
    v.as_object_mut().unwrap().remove("timings");
    v
}

/// Checks lines_in = lines_out + Σ removed lines, and the same for bytes.
pub fn assert_accounting(stats: &serde_json::Value) {
    for unit in ["lines", "bytes"] {
        let input = stats["input"][unit].as_u64().unwrap();
        let output = stats["output"][unit].as_u64().unwrap();
        let removed: u64 = stats["removed"]
            .as_object()
            .unwrap()
            .values()
            .map(|r| r[unit].as_u64().unwrap())
            .sum();
        assert_eq!(
            input,
            output + removed,
            "{unit}: in {input} != out {output} + removed {removed}"
        );
    }
}

const PARAGRAPHS: &[&str] = &[
    "The city council approved the new transport budget after a long debate on Monday evening.",
    "Opposition members said the plan cuts too deeply into funding for rural bus routes.",
    "به گزارش خبرنگار ما، نشست شورای شهر با حضور اعضا و نمایندگان مردم برگزار شد.",
    "وی گفت: در حال حاضر بیش از ۲ هزار واحد صنعتی در استان فعال است و باید حمایت شوند.",
    "Officials expect a final vote on the remaining items of the plan later this month.",
    "مدیرکل تعاون، کار و رفاه اجتماعی استان از افزایش ۱۲ درصدی اشتغال خبر داد.",
    "Local businesses welcomed the decision, saying it would bring more customers downtown.",
    "كارشناسان معتقدند اين طرح مي تواند به رشد اقتصادي منطقه كمك كند.",
    "The mayor thanked residents for their patience during months of public consultation.",
    "Critics argued that the consultation period was too short for such a major change.",
];

const CHROME: &[&str] = &["Share this", "کد خبر 1017002", "نظر شما", "Read more"];

/// A small deterministic corpus with every kind of duplicate the rules handle:
/// repeated bodies, cross-document blocks, duplicate documents, short chrome
/// blocks, CRLF, BOM, missing final newlines and blank-line separators.
pub fn write_corpus(dir: &TestDir, root: &str, docs: usize) {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut written: Vec<String> = Vec::new();
    for d in 0..docs {
        let text = if d > 3 && next(8) == 0 {
            written[next(written.len())].to_uppercase()
        } else {
            let mut lines: Vec<String> = Vec::new();
            lines.push(format!("Headline number {d} of the day"));
            for _ in 0..2 + next(5) {
                lines.push(PARAGRAPHS[next(PARAGRAPHS.len())].to_string());
                if next(3) == 0 {
                    lines.push(String::new());
                }
            }
            lines.push(format!(
                "A unique closing paragraph for document {d}, written once only."
            ));
            if next(3) == 0 {
                let body: Vec<String> = lines[1..].to_vec();
                lines.extend(body);
            }
            if next(2) == 0 {
                lines.push(CHROME[next(CHROME.len())].to_string());
                lines.push(CHROME[next(CHROME.len())].to_string());
            }
            let eol = if next(4) == 0 { "\r\n" } else { "\n" };
            let mut t = lines.join(eol);
            if next(3) != 0 {
                t.push_str(eol);
            }
            if next(6) == 0 {
                t.insert(0, '\u{feff}');
            }
            t
        };
        dir.write(&format!("{root}/site{}/doc{d:04}.txt", d % 3), &text);
        written.push(text);
    }
}
