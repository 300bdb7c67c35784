//! What a person sees on stderr: progress bars while the run goes (only on a
//! terminal, never with `--quiet`), warnings for skipped input, and a one-screen
//! summary at the end. Data never goes to stderr, messages never to stdout.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::read::Skip;
use crate::report::Stats;

/// Skipped inputs named one by one on stderr; the rest are counted (all are in the stats).
const SKIP_WARNINGS: u64 = 20;

pub struct Progress {
    multi: MultiProgress,
    quiet: bool,
}

impl Progress {
    /// Bars when stderr is a terminal and `quiet` is off.
    pub fn new(quiet: bool) -> Progress {
        let target = if !quiet && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress {
            multi: MultiProgress::with_draw_target(target),
            quiet,
        }
    }

    /// Nothing on stderr at all (library use, tests).
    pub fn silent() -> Progress {
        Progress {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()),
            quiet: true,
        }
    }

    /// A byte progress bar for one stage.
    pub fn stage(&self, name: &str, total_bytes: u64) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(total_bytes));
        let style = ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(name.to_string());
        bar
    }

    /// Names a skipped input (the first few); `already` is how many came before it.
    pub fn warn_skip(&self, skip: &Skip, already: u64) {
        if self.quiet {
            return;
        }
        let line = if already < SKIP_WARNINGS {
            format!("textsieve: skipped {}: {}", skip.location(), skip.reason)
        } else if already == SKIP_WARNINGS {
            "textsieve: more inputs skipped; all are listed by reason in the stats".to_string()
        } else {
            return;
        };
        self.multi.suspend(|| eprintln!("{line}"));
    }

    /// A line about the run (unless quiet).
    pub fn note(&self, line: &str) {
        if !self.quiet {
            self.multi.suspend(|| eprintln!("textsieve: {line}"));
        }
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet
    }
}

/// The end-of-run summary.
pub fn summary(stats: &Stats, output: &Path, stats_path: &Path) -> String {
    let mut s = String::new();
    let i = stats.input;
    let o = stats.output;
    s.push_str(&format!(
        "textsieve clean: {} docs, {} lines, {} in {:.2} s ({:.1} MB/s, {} threads)\n",
        i.docs,
        i.lines,
        HumanBytes(i.bytes),
        stats.timings.total_s,
        stats.timings.mb_per_s,
        stats.timings.threads
    ));
    s.push_str(&format!(
        "  kept     {:>10} docs {:>12} lines {:>10}\n",
        o.docs,
        o.lines,
        HumanBytes(o.bytes).to_string()
    ));
    s.push_str(&format!(
        "  removed  {:>10}      {:>12} lines {:>10}\n",
        "",
        stats.removed_lines(),
        HumanBytes(stats.removed_bytes()).to_string()
    ));
    for (reason, t) in &stats.removed {
        if t.lines > 0 || t.docs > 0 {
            s.push_str(&format!(
                "    {:<20} {:>12} lines in {} docs\n",
                reason, t.lines, t.docs
            ));
        }
    }
    if stats.skipped.total > 0 {
        let reasons: Vec<String> = stats
            .skipped
            .by_reason
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        s.push_str(&format!(
            "  skipped  {} inputs ({})\n",
            stats.skipped.total,
            reasons.join(", ")
        ));
    }
    for (what, c) in [
        ("duplicate documents", &stats.dup_doc_clusters),
        ("near-duplicate documents", &stats.near_dup_doc_clusters.clusters),
    ] {
        if c.clusters > 0 {
            s.push_str(&format!(
                "  {what}: {} clusters, largest {}\n",
                c.clusters,
                c.largest.first().map_or(0, |c| c.size)
            ));
        }
    }
    s.push_str(&format!(
        "  output   {}\n  stats    {}\n",
        output.display(),
        stats_path.display()
    ));
    s
}
