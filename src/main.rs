//! The `textsieve` binary: parse flags, run, map the outcome to an exit code.
//! Exit codes: 0 success, 1 runtime error (I/O, changed input), 2 usage error
//! or a bad input under `--strict`, 130 interrupted (SIGINT, SIGTERM).

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use textsieve::{progress, Progress};

fn main() -> ExitCode {
    textsieve::heap::configure();
    let cli = Cli::parse();
    match cli.command {
        Command::Clean(args) => run_clean((*args).into_config()),
        Command::Eval(args) => run_eval(args),
        Command::Synth(args) => run_synth(args),
    }
}

fn run_synth(args: cli::SynthArgs) -> ExitCode {
    let config = match args.into_config() {
        Ok(c) => c,
        Err(e) => return fail(&anyhow::anyhow!(e), 2),
    };
    match textsieve::synth::synth(&config) {
        Ok(stats) => {
            eprintln!(
                "textsieve synth: {} docs, {} lines, {:.1} MB in {} sites -> {}",
                stats.docs,
                stats.lines,
                stats.bytes as f64 / 1e6,
                stats.sites,
                config.out_dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = if matches!(e, textsieve::synth::SynthError::Config(_)) {
                2
            } else {
                1
            };
            fail(&anyhow::Error::new(e), code)
        }
    }
}

fn run_eval(args: cli::EvalArgs) -> ExitCode {
    let report = match textsieve::eval::evaluate(&args.truth, &args.annotations) {
        Ok(r) => r,
        Err(e) => return fail(&anyhow::Error::new(e), 1),
    };
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(path, json) {
            return fail(&anyhow::anyhow!("{}: {e}", path.display()), 1);
        }
    }
    let mut text = report.render();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    print_stdout(&text)
}

/// Data goes to stdout; a closed pipe (`| head`) ends the program quietly.
fn print_stdout(text: &str) -> ExitCode {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => fail(&anyhow::anyhow!("stdout: {e}"), 1),
        _ => ExitCode::SUCCESS,
    }
}

fn run_clean(config: textsieve::CleanConfig) -> ExitCode {
    stop_on_signals();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build();
    let pool = match pool {
        Ok(p) => p,
        Err(e) => return fail(&anyhow::anyhow!("cannot start worker threads: {e}"), 1),
    };
    let progress = Progress::new(config.quiet);
    match pool.install(|| textsieve::clean(&config, &progress)) {
        Ok(stats) => {
            if !progress.is_quiet() {
                eprint!("{}", progress::summary(&stats, &config.output, &config.stats));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = match e {
                textsieve::Error::Interrupted => INTERRUPTED,
                _ if e.is_usage() => 2,
                _ => 1,
            };
            fail(&anyhow::Error::new(e), code)
        }
    }
}

/// Exit code after SIGINT or SIGTERM (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;
/// How long a run has, once asked to stop, to reach its next check.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// On SIGINT or SIGTERM the run stops at its next batch and removes its
/// temporary output; if it does not stop within `STOP_GRACE` (it may be
/// blocked reading standard input), or on a second signal, the temporary
/// output is removed here and the process exits.
fn stop_on_signals() {
    let result = ctrlc::set_handler(|| {
        let stop_now = || {
            textsieve::interrupt::remove_temporaries();
            eprintln!("textsieve: error: interrupted; nothing was written");
            std::process::exit(i32::from(INTERRUPTED));
        };
        if textsieve::interrupt::requested() {
            stop_now();
        }
        textsieve::interrupt::request();
        std::thread::spawn(move || {
            std::thread::sleep(STOP_GRACE);
            stop_now();
        });
    });
    if let Err(e) = result {
        eprintln!("textsieve: warning: cannot handle interrupts: {e}");
    }
}

fn fail(e: &anyhow::Error, code: u8) -> ExitCode {
    // The messages name their cause already ("PATH: cause"); the alternate
    // form would print the source a second time.
    eprintln!("textsieve: error: {e}");
    ExitCode::from(code)
}
