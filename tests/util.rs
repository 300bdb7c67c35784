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

    /// `textsieve ARGS` in this folder, for a test that needs more than [`TestDir::run`].
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(self.dir.path());
        cmd
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        use std::io::Write;
        let mut child = self
            .command(args)
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

/// Varied text that no rule removes much of: lines of words drawn from a
/// fixed vocabulary by a seeded generator, about `bytes` long.
pub fn varied_text(seed: u64, bytes: usize) -> String {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let vocabulary: Vec<String> = (0..2000)
        .map(|_| {
            (0..2 + next(8))
                .map(|_| char::from(b'a' + next(26) as u8))
                .collect()
        })
        .collect();
    let mut text = String::with_capacity(bytes + 200);
    while text.len() < bytes {
        let words: Vec<&str> = (0..8 + next(10))
            .map(|_| vocabulary[next(vocabulary.len())].as_str())
            .collect();
        text.push_str(&words.join(" "));
        text.push_str(".\n");
    }
    text
}

/// The longest a run in a fault test may take; one that hangs fails instead.
#[cfg(unix)]
pub const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `cmd` to its end, or kills it and every process it started once
/// `limit` has passed, and fails: a run that hangs fails its test rather than
/// hanging the suite.
#[cfg(unix)]
pub fn run_within(mut cmd: Command, limit: std::time::Duration) -> Run {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    use std::time::Instant;
    let mut child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            let mut words: Vec<String> = std::iter::once(cmd.get_program())
                .chain(cmd.get_args())
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            if let Some(i) = words.iter().position(|w| w == BIN) {
                words.splice(..=i, ["textsieve".to_string()]);
            }
            panic!("`{}` did not finish within {limit:?}: it hangs", words.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run(Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    })
}

/// The `unshare` options that give a private mount namespace in which this
/// process may mount a tmpfs: as root, a mount namespace; otherwise a user
/// namespace too. `None` (with the reason on stderr) where neither works.
#[cfg(unix)]
fn mount_namespace() -> Option<&'static [&'static str]> {
    static FOUND: std::sync::OnceLock<Option<&'static [&'static str]>> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        let mut why = String::new();
        for flags in [&["--mount"][..], &["--user", "--map-root-user", "--mount"][..]] {
            let probe = tempfile::tempdir().expect("temp dir");
            let out = Command::new("unshare")
                .args(flags)
                .args([
                    "sh",
                    "-c",
                    "mount -t tmpfs -o size=16k textsieve-test \"$1\"",
                    "sh",
                ])
                .arg(probe.path())
                .output();
            match out {
                Ok(o) if o.status.success() => return Some(flags),
                Ok(o) => why += &format!("unshare {flags:?}: {}", String::from_utf8_lossy(&o.stderr)),
                Err(e) => why += &format!("unshare {flags:?}: {e}\n"),
            }
        }
        cannot_test(&format!(
            "cannot mount a small tmpfs here, so a full disk cannot be tested:\n{why}"
        ));
        None
    })
}

/// True when this process may write where file permissions forbid it (root).
#[cfg(unix)]
fn permissions_are_overridden() -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = tempfile::tempdir().expect("temp dir");
    fs::set_permissions(probe.path(), fs::Permissions::from_mode(0o555)).unwrap();
    let wrote = fs::File::create(probe.path().join("probe")).is_ok();
    fs::set_permissions(probe.path(), fs::Permissions::from_mode(0o755)).unwrap();
    wrote
}

/// Says why a test cannot check what it is for. Under CI (`CI=true`), where
/// the machine is set up to run every test, that fails the test: a check
/// that silently does not run is no check.
fn cannot_test(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true: {why}");
    }
    eprintln!("{why}");
}

/// The uid and gid of `nobody`, to run as when permissions are overridden.
pub const NOBODY: u32 = 65534;

/// The command that starts textsieve as a user that file permissions apply
/// to: textsieve itself, or, for root, `setpriv` running it as `nobody`.
/// `None` (with the reason on stderr) when root cannot switch to `nobody`.
#[cfg(unix)]
fn unprivileged_textsieve() -> Option<Command> {
    static SETPRIV: std::sync::OnceLock<Option<Vec<String>>> = std::sync::OnceLock::new();
    let prefix = SETPRIV.get_or_init(|| {
        if !permissions_are_overridden() {
            return Some(Vec::new());
        }
        let prefix: Vec<String> = [
            "setpriv".to_string(),
            format!("--reuid={NOBODY}"),
            format!("--regid={NOBODY}"),
            "--clear-groups".to_string(),
        ]
        .into();
        match Command::new(&prefix[0])
            .args(&prefix[1..])
            .args([BIN, "--version"])
            .output()
        {
            Ok(o) if o.status.success() => Some(prefix),
            Ok(o) => {
                cannot_test(&format!(
                    "running as root and cannot run textsieve as nobody, so permissions cannot be tested: {}",
                    String::from_utf8_lossy(&o.stderr)
                ));
                None
            }
            Err(e) => {
                cannot_test(&format!(
                    "running as root and cannot run setpriv ({e}), so permissions cannot be tested"
                ));
                None
            }
        }
    });
    let prefix = prefix.as_ref()?;
    let cmd = match prefix.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(BIN);
            c
        }
        None => Command::new(BIN),
    };
    Some(cmd)
}

#[cfg(unix)]
impl TestDir {
    /// Lets every user read this folder and, at its top, create files: a
    /// run as another user can then read the inputs and write its output.
    /// (A temporary folder is private to its owner.)
    pub fn open_to_all(&self) {
        use std::os::unix::fs::PermissionsExt;
        for e in walkdir::WalkDir::new(self.dir.path())
            .into_iter()
            .filter_map(Result::ok)
        {
            let mode = if e.file_type().is_dir() { 0o755 } else { 0o644 };
            fs::set_permissions(e.path(), fs::Permissions::from_mode(mode)).unwrap();
        }
        fs::set_permissions(self.dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    }

    /// Sets the permission bits of `rel` (e.g. 0o555 for a read-only folder).
    pub fn chmod(&self, rel: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(self.path(rel), fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Names of the entries of `rel`, hidden ones included, sorted.
    pub fn entries(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.path(rel))
            .unwrap_or_else(|e| panic!("list {rel}: {e}"))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Runs `textsieve ARGS` in this folder as a user that file permissions
    /// apply to (`nobody` when this process is root; call
    /// [`TestDir::open_to_all`] first). `None`, with the reason on stderr,
    /// where that is impossible.
    pub fn run_unprivileged(&self, args: &[&str]) -> Option<Run> {
        let mut cmd = unprivileged_textsieve()?;
        cmd.args(args).current_dir(self.dir.path());
        Some(run_within(cmd, RUN_LIMIT))
    }

    /// Runs `textsieve ARGS` in this folder while a tmpfs of `size` bytes
    /// ("64k") is mounted on its folder `disk`, in a private mount namespace
    /// that nothing else sees and that ends with the run, taking the tmpfs
    /// with it. With `fill`, a file first takes up the whole tmpfs. Returns
    /// the run and every path left on the tmpfs afterwards, or `None`, with
    /// the reason on stderr, where no tmpfs can be mounted.
    pub fn run_on_small_disk(
        &self,
        disk: &str,
        size: &str,
        fill: bool,
        args: &[&str],
    ) -> Option<(Run, Vec<String>)> {
        const SCRIPT: &str = r#"
            disk=$1 size=$2 fill=$3 listing=$4
            shift 4
            mount -t tmpfs -o "size=$size" textsieve-test "$disk" || exit 125
            if [ "$fill" = fill ]; then cat /dev/zero > "$disk/filler" 2>/dev/null; fi
            "$@"
            code=$?
            (cd "$disk" && find . -mindepth 1) > "$listing"
            exit $code
        "#;
        let flags = mount_namespace()?;
        fs::create_dir_all(self.path(disk)).unwrap();
        let listing = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = Command::new("unshare");
        cmd.args(flags)
            .args([
                "sh",
                "-c",
                SCRIPT,
                "sh",
                disk,
                size,
                if fill { "fill" } else { "" },
            ])
            .arg(listing.path())
            .arg(BIN)
            .args(args)
            .current_dir(self.dir.path());
        let run = run_within(cmd, RUN_LIMIT);
        assert_ne!(run.code(), 125, "mount a tmpfs: {}", run.stderr());
        let left = fs::read_to_string(listing.path()).unwrap();
        let mut left: Vec<String> = left
            .lines()
            .map(|l| l.trim_start_matches("./").to_string())
            .collect();
        left.sort();
        Some((run, left))
    }
}
