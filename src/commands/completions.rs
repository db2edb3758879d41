//! `etl completions SHELL`: the completion script on stdout.

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;
use clap::CommandFactory;
use std::process::ExitCode;

pub fn run(args: CompletionsArgs) -> Result<ExitCode> {
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "etl",
        &mut std::io::stdout(),
    );
    Ok(ExitCode::SUCCESS)
}
