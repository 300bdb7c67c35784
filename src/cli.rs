//! Command-line definitions only: flags, help text and their mapping onto the
//! library's config. No logic beyond that lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use textsieve::config::{self, CleanConfig, InputArg};

#[derive(Parser, Debug)]
#[command(name = "textsieve", version, about = "Clean and deduplicate text corpora", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Remove repeated lines, duplicate blocks and duplicate documents; write the clean corpus and its stats.
    Clean(CleanArgs),
}

#[derive(Args, Debug)]
pub struct CleanArgs {
    /// Folders (read recursively), text files, or JSONL files (.jsonl, .jsonl.gz, .jsonl.zst); '-' reads JSONL from stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output folder; mirrors the inputs' layout. Replaced if a previous textsieve run wrote it.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Which files of an input folder to read (glob on the path inside the folder; repeatable).
    #[arg(long, value_name = "GLOB", default_value = config::DEFAULT_INCLUDE)]
    pub include: Vec<String>,
    /// JSONL field that holds the text; other fields are copied untouched.
    #[arg(long, value_name = "NAME", default_value = config::DEFAULT_TEXT_FIELD)]
    pub text_field: String,
    /// Lines with fewer normalized characters are removed as duplicates only within a repeated block of 2+ lines.
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_MIN_LINE_CHARS)]
    pub min_line_chars: usize,
    /// Worker threads (default: one per core). Output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Where to write the stats JSON [default: OUT/stats.json].
    #[arg(long, value_name = "FILE")]
    pub stats: Option<PathBuf>,
    /// Write every removed span with reason and provenance, one JSON line per document.
    #[arg(long, value_name = "FILE.jsonl")]
    pub annotate: Option<PathBuf>,
    /// Fail (exit 2) on the first bad input instead of skipping and counting it.
    #[arg(long)]
    pub strict: bool,
    /// No progress bars, warnings or summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

impl CleanArgs {
    pub fn into_config(self) -> CleanConfig {
        let inputs = self
            .inputs
            .into_iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    InputArg::Stdin
                } else {
                    InputArg::Path(p)
                }
            })
            .collect();
        let mut c = CleanConfig::new(inputs, self.output);
        c.include = self.include;
        c.text_field = self.text_field;
        c.min_line_chars = self.min_line_chars;
        if let Some(s) = self.stats {
            c.stats = s;
        }
        c.annotate = self.annotate;
        c.strict = self.strict;
        c.quiet = self.quiet;
        c.threads = self.threads.unwrap_or(0);
        c
    }
}
