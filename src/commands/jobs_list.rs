//! `etl jobs list`: the jobs of etl.yaml.

use super::Ctx;
use crate::cli::{ListArgs, TableFormat};
use crate::error::Result;
use crate::term::table;
use serde_json::json;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let out = match args.output {
        TableFormat::Json => {
            let jobs: Vec<_> = project
                .jobs
                .values()
                .map(|j| {
                    json!({
                        "name": j.name,
                        "description": j.description,
                        "schedule": j.schedule,
                        "window": j.window.as_str(),
                        "timezone": j.timezone,
                        "command": j.command,
                        "config": j.config,
                        "params": j.params,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&jobs).expect("JSON values serialize") + "\n"
        }
        TableFormat::Table => {
            let rows: Vec<Vec<String>> = project
                .jobs
                .values()
                .map(|j| {
                    vec![
                        j.name.clone(),
                        j.schedule
                            .clone()
                            .map(|s| format!("{s} ({})", j.timezone))
                            .unwrap_or_else(|| "-".into()),
                        j.window.as_str().to_string(),
                        j.description.clone(),
                    ]
                })
                .collect();
            table(&["JOB", "SCHEDULE", "WINDOW", "DESCRIPTION"], &rows)
        }
    };
    super::write_stdout(&out)
}
