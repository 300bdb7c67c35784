//! The one place where the options of a run and their defaults live. The CLI
//! builds a [`CleanConfig`]; the library never sees a CLI type. The config is
//! echoed in the stats so a result can be traced to the settings that made it.

use std::path::PathBuf;

use serde::Serialize;

/// Default for `--include`: the files of an input folder that are read.
pub const DEFAULT_INCLUDE: &str = "*.txt";
/// Default for `--text-field`: where a JSONL record keeps its text.
pub const DEFAULT_TEXT_FIELD: &str = "text";
/// Default for `--min-line-chars`. A line with fewer normalized characters is
/// "short": short lines ("He said:", "Photo", a date) recur across unrelated
/// documents, so they are removed only as part of a repeated block of 2+ lines.
pub const DEFAULT_MIN_LINE_CHARS: usize = 30;
/// Name of the default stats file inside the output folder.
pub const STATS_FILE_NAME: &str = "stats.json";
/// Marker file written into every output folder. Its presence is what allows a
/// later run to replace that folder; any other non-empty folder is refused.
pub const OUTPUT_MARKER: &str = ".textsieve-output";
/// Output name used for JSONL read from standard input.
pub const STDIN_OUTPUT_NAME: &str = "stdin.jsonl";

/// One positional input as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum InputArg {
    /// A folder, a text file or a JSONL file.
    Path(PathBuf),
    /// `-`: JSONL on standard input.
    #[serde(serialize_with = "serialize_stdin")]
    Stdin,
}

fn serialize_stdin<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("-")
}

/// Settings of `textsieve clean`.
#[derive(Clone, Debug, Serialize)]
pub struct CleanConfig {
    pub inputs: Vec<InputArg>,
    pub output: PathBuf,
    /// Globs matched against paths relative to an input folder.
    pub include: Vec<String>,
    pub text_field: String,
    pub min_line_chars: usize,
    /// Where the stats JSON goes (`OUT/stats.json` unless set).
    pub stats: PathBuf,
    pub annotate: Option<PathBuf>,
    /// Fail (exit 2) on the first bad input instead of skipping it.
    pub strict: bool,
    /// Worker threads; 0 means one per core. Not echoed: results never depend on it.
    #[serde(skip)]
    pub threads: usize,
    /// No progress bars and no summary on stderr.
    #[serde(skip)]
    pub quiet: bool,
}

impl CleanConfig {
    /// A config with every default set, for the given inputs and output folder.
    pub fn new(inputs: Vec<InputArg>, output: PathBuf) -> CleanConfig {
        let stats = output.join(STATS_FILE_NAME);
        CleanConfig {
            inputs,
            output,
            include: vec![DEFAULT_INCLUDE.to_string()],
            text_field: DEFAULT_TEXT_FIELD.to_string(),
            min_line_chars: DEFAULT_MIN_LINE_CHARS,
            stats,
            annotate: None,
            strict: false,
            threads: 0,
            quiet: false,
        }
    }

    /// Checks what can be checked without touching the file system.
    pub fn validate(&self) -> crate::Result<()> {
        let fail = |m: &str| Err(crate::Error::Config(m.to_string()));
        if self.inputs.is_empty() {
            return fail("no input given");
        }
        if self.inputs.iter().filter(|i| **i == InputArg::Stdin).count() > 1 {
            return fail("standard input ('-') can be given only once");
        }
        if self.include.is_empty() {
            return fail("--include needs at least one glob");
        }
        if self.text_field.is_empty() {
            return fail("--text-field must not be empty");
        }
        if self.min_line_chars == 0 {
            return fail("--min-line-chars must be at least 1");
        }
        if self.output.as_os_str().is_empty() {
            return fail("--output must not be empty");
        }
        Ok(())
    }
}
