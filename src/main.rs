//! The `textsieve` binary: parse flags, run, map the outcome to an exit code.
//! Exit codes: 0 success, 1 runtime error (I/O, changed input), 2 usage error
//! or a bad input under `--strict`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use textsieve::{progress, Progress};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Clean(args) => run_clean(args.into_config()),
    }
}

fn run_clean(config: textsieve::CleanConfig) -> ExitCode {
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
            let code = if e.is_usage() { 2 } else { 1 };
            fail(&anyhow::Error::new(e), code)
        }
    }
}

fn fail(e: &anyhow::Error, code: u8) -> ExitCode {
    eprintln!("textsieve: error: {e:#}");
    ExitCode::from(code)
}
