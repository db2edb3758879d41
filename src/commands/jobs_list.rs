//! `etl jobs list`: the jobs of etl.yaml, with each one's last run (from the cluster, when it
//! can be reached) and next scheduled time.

use super::Ctx;
use crate::cli::{ListJobsArgs, TableFormat};
use crate::cluster::{self, Target};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::run::names::{self, PREFIX};
use crate::run::{self, RunSummary, schedule};
use crate::term::table;
use serde_json::json;
use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

/// How long `etl jobs list` waits for the cluster before printing without it.
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(10);

pub fn list_jobs(ctx: &Ctx, args: ListJobsArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let now = ctx.now()?;
    // None: unknown (offline, or the cluster could not be asked).
    let last: Option<HashMap<String, RunSummary>> = if args.offline {
        None
    } else {
        let target = ctx.target(&args.cluster);
        match last_runs(&project, &target) {
            Ok(runs) => Some(runs),
            Err(e) => {
                // The table is etl.yaml's: it stays usable without the cluster.
                let why = e.to_string();
                ctx.term.warn(format!(
                    "no last runs: {} (--offline skips the cluster)",
                    why.lines().next().unwrap_or_default()
                ));
                None
            }
        }
    };
    let last_of =
        |j: &crate::project::Job| last.as_ref().map(|m| m.get(&names::job_label(&j.name)));
    let next_of = |j: &crate::project::Job| {
        j.schedule
            .as_deref()
            .and_then(|s| schedule::next_time(s, &j.tz, now))
    };
    let out = match args.output {
        TableFormat::Json => {
            let jobs: Vec<_> = project
                .jobs
                .values()
                .map(|j| {
                    let last = last_of(j);
                    json!({
                        "name": j.name,
                        "description": j.description,
                        "schedule": j.schedule,
                        "window": j.window.as_str(),
                        "timezone": j.timezone,
                        "command": j.command,
                        "config": j.config,
                        "params": j.params,
                        "last_run_known": last.is_some(),
                        "last_run": last.flatten().map(|r| json!({
                            "name": r.name,
                            "state": r.state,
                            "trigger": r.trigger,
                            "window_start": r.window_start,
                            "window_end": r.window_end,
                            "created": r.created,
                            "started": r.started,
                            "finished": r.finished,
                        })),
                        "next": next_of(j).map(|t| crate::window::rfc3339(&t)),
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
                    let last = match last_of(j) {
                        None => "?".to_string(),
                        Some(None) => "-".to_string(),
                        Some(Some(r)) => match r.started.or(r.created) {
                            Some(t) => format!("{} {}", r.state, local(t, &j.tz)),
                            None => r.state.to_string(),
                        },
                    };
                    vec![
                        j.name.clone(),
                        j.schedule
                            .clone()
                            .map(|s| format!("{s} ({})", j.timezone))
                            .unwrap_or_else(|| "-".into()),
                        j.window.as_str().to_string(),
                        last,
                        next_of(j)
                            .map(|t| local(t.timestamp(), &j.tz))
                            .unwrap_or_else(|| "-".into()),
                        j.description.clone(),
                    ]
                })
                .collect();
            table(
                &[
                    "JOB",
                    "SCHEDULE",
                    "WINDOW",
                    "LAST RUN",
                    "NEXT",
                    "DESCRIPTION",
                ],
                &rows,
            )
        }
    };
    super::output::write_stdout(&out)
}

/// `2026-11-24 02:00 PST`: a time in the job's zone, as its schedule reads.
fn local(t: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    t.to_zoned(tz.clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The newest run of each job, keyed by its `etl.dev/job` label: the project's Jobs listed a
/// page at a time (metadata and status only), keeping one run per job as they arrive. A
/// cluster that has not answered with a first run within [`CLUSTER_TIMEOUT`] is given up on,
/// so an unreachable one costs seconds, not minutes; one that is answering is let finish,
/// however many runs it has.
fn last_runs(project: &Project, target: &Target) -> Result<HashMap<String, RunSummary>> {
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let answered = std::cell::Cell::new(false);
        let ask = async {
            let cluster = cluster::connect(project, target).await?;
            let selector = format!("{PREFIX}/project={}", project.name);
            let mut newest = HashMap::new();
            cluster::jobs::each_run(&cluster, &selector, |job| {
                answered.set(true);
                schedule::keep_newest(&mut newest, run::summary(&job));
            })
            .await?;
            Ok::<_, Error>(newest)
        };
        tokio::pin!(ask);
        tokio::select! {
            done = &mut ask => done,
            _ = tokio::time::sleep(CLUSTER_TIMEOUT) => {
                if answered.get() {
                    ask.await
                } else {
                    Err(Error::environment(
                        format!(
                            "the cluster did not answer within {}s",
                            CLUSTER_TIMEOUT.as_secs()
                        ),
                        None,
                    ))
                }
            }
        }
    })
}
