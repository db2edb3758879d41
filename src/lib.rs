//! etl: run a data team's ETL jobs, for a window of data, here or on Kubernetes.
//!
//! `main` parses the command line and hands it to `commands`, where the pure modules
//! (`project`, `window`, `render`) meet I/O (`term`, the file system, the cluster).

pub mod cli;
pub mod clock;
pub mod cluster;
pub mod cmdline;
pub mod commands;
pub mod error;
pub mod history;
pub mod image;
pub mod launch;
pub mod local_runs;
pub mod local_workflow_runs;
pub mod project;
pub mod render;
pub mod run;
pub mod scheduler;
pub mod state;
pub mod supervisor;
pub mod term;
pub mod window;
pub mod workflow;

use clap::Parser;
use std::process::ExitCode;

/// The whole program: parse, run, print the error once, exit with its documented code.
pub fn main() -> ExitCode {
    run_command_line(cli::Cli::parse())
}

/// Runs one parsed command line (`cli::Cli::parse_from` gives one from any arguments).
pub fn run_command_line(cli: cli::Cli) -> ExitCode {
    let verbose = cli.verbose;
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => e.report(verbose),
    }
}
