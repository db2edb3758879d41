//! `etl completions SHELL`: the completion script on stdout.

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;
use clap::CommandFactory;
use std::process::ExitCode;

pub fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    // Generated into memory, then written like every result: clap_complete panics when its
    // writer fails, and a closed stdout (`etl completions bash | head -1`) is not an error.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "etl", &mut script);
    super::output::write_stdout(&String::from_utf8_lossy(&script))
}
