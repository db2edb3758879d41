//! `etl history`: which windows ran, for each job and workflow, as a calendar (or `-o json`),
//! from the cluster's history records and the runs still there, or from this machine's. The
//! calendar itself is `history::calendar` (pure); this file gathers the records.

use super::Ctx;
use crate::cli::{HistoryArgs, TableFormat};
use crate::cluster;
use crate::error::{Error, Result};
use crate::history::calendar::{self, Target as Row};
use crate::history::plan::ByTarget;
use crate::history::{self, Kind, Record, State};
use crate::project::Project;
use crate::render::names::{self, PREFIX};
use crate::window::{WindowSpec, parse_instant};
use jiff::Timestamp;
use std::collections::HashMap;
use std::process::ExitCode;

/// Where the records came from, for a note on stderr.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Cluster,
    Local,
}

/// Whether a cluster is configured at all: a kubeconfig file that exists (`KUBECONFIG`'s
/// files, else `~/.kube/config`), or a pod's service account. Without one, the commands that
/// read history read this machine's (and say so) rather than fail.
pub(super) fn cluster_configured() -> bool {
    if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        return true;
    }
    match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(files) => std::env::split_paths(&files).any(|p| p.is_file()),
        None => std::env::var_os("HOME")
            .map(std::path::PathBuf::from)
            .is_some_and(|h| h.join(".kube/config").is_file()),
    }
}

/// Which records to read: `--local`, or no cluster configured, reads this machine's.
pub(super) fn source(ctx: &Ctx, local: bool) -> Source {
    if local {
        Source::Local
    } else if cluster_configured() {
        Source::Cluster
    } else {
        ctx.term
            .note("no cluster configured (no kubeconfig): the runs made on this machine");
        Source::Local
    }
}

/// This machine's records: `etl jobs run`'s runs (and local workflows' tasks) and
/// `etl workflows run`'s workflow runs. A run still marked running whose etl is gone is
/// CANCELLED (it was cut off).
pub(super) fn local_records(project: &Project) -> Result<Vec<Record>> {
    let dir = crate::state::project_dir(project)?;
    let mut out = Vec::new();
    for mut r in crate::local_runs::read(&dir.join("runs.jsonl"))? {
        if r.state == "Running" && !r.pid.is_some_and(super::runs::alive) {
            r.state = "Lost".into();
        }
        out.push(Record::from_local(&r));
    }
    for mut r in crate::local_workflow_runs::read(&dir.join(crate::local_workflow_runs::FILE_NAME))?
    {
        if r.state == "RUNNING" && !r.pid.is_some_and(super::runs::alive) {
            r.state = "LOST".into();
        }
        out.push(Record::from_local_workflow(&r));
    }
    Ok(history::merge(out))
}

/// The cluster's records: the history ConfigMaps, the project's Jobs still there and its
/// workflow runs' ConfigMaps, one record per run (the newest information wins).
pub(super) async fn cluster_records(
    cluster: &cluster::Cluster,
    project: &Project,
) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    each_cluster_record(cluster, project, |r| out.push(r)).await?;
    Ok(history::merge(out))
}

/// Every record the cluster has, handed to `each` as it is read: a run may come twice (its
/// history record, and its Job still there), the newer information wins in `history::merge`
/// or `plan::ByWindow`.
async fn each_cluster_record(
    cluster: &cluster::Cluster,
    project: &Project,
    mut each: impl FnMut(Record),
) -> Result<()> {
    cluster::history::each_record(cluster, &project.name, &mut each).await?;
    // Job labels hold names shortened to 63 characters; etl.yaml knows the names themselves.
    let real: HashMap<String, &String> = project
        .jobs
        .keys()
        .map(|n| (names::job_label(n), n))
        .collect();
    let selector = format!("{PREFIX}/project={}", project.name);
    cluster::jobs::each_run(cluster, &selector, |job| {
        if let Some(mut r) = Record::from_job(&job) {
            if let Some(n) = real.get(&r.name) {
                r.name = (*n).clone();
            }
            each(r);
        }
    })
    .await?;
    for run in cluster::workflow::list_runs(cluster, &project.name, None).await? {
        // A run the scheduler has not marked ended is still going.
        let state = match run.outcome {
            Some(o) => State::of_word(o.as_str()),
            None if run.cancelled_by.is_some() => State::Cancelled,
            None => State::Running,
        };
        Record::from_workflow_run(&run, state)
            .into_iter()
            .for_each(&mut each);
    }
    Ok(())
}

/// Writes the history record of a run that a command just ended (`etl jobs cancel`), as the
/// scheduler writes those it sees end: idempotent, so both may. A failure is a warning, not
/// the command's: the run did end, and the record can be written again later.
pub(super) async fn record_ended(
    ctx: &Ctx,
    cluster: &cluster::Cluster,
    project: &Project,
    job: &k8s_openapi::api::batch::v1::Job,
) {
    let Some(mut r) = Record::from_job(job) else {
        return;
    };
    // The label holds a long name shortened; the record keeps etl.yaml's name.
    if let Some(n) = project.jobs.keys().find(|n| names::job_label(n) == r.name) {
        r.name = n.clone();
    }
    if let Err(e) = cluster::history::record(cluster, &project.name, &r).await {
        ctx.term.warn(format!(
            "the history record of {} was not written: {e}",
            r.run
        ));
    }
}

/// The jobs and workflows named (or all: jobs first, then workflows, as etl.yaml has them).
fn targets<'a>(project: &'a Project, names: &[String]) -> Result<Vec<Row<'a>>> {
    let job = |j: &'a crate::project::Job| Row {
        name: &j.name,
        kind: Kind::Job,
        period: j.window,
        tz: &j.tz,
        timezone: &j.timezone,
        schedule: j.schedule.as_deref(),
    };
    let workflow = |w: &'a crate::project::Workflow| Row {
        name: &w.name,
        kind: Kind::Workflow,
        period: w.window,
        tz: &w.tz,
        timezone: &w.timezone,
        schedule: w.schedule.as_deref(),
    };
    if names.is_empty() {
        return Ok(project
            .jobs
            .values()
            .map(job)
            .chain(project.workflows.values().map(workflow))
            .collect());
    }
    names
        .iter()
        .map(|n| {
            if let Some(j) = project.jobs.get(n) {
                Ok(job(j))
            } else if let Some(w) = project.workflows.get(n) {
                Ok(workflow(w))
            } else {
                Err(no_such_target(project, n))
            }
        })
        .collect()
}

/// "there is no job or workflow `x`", with the closest name.
pub(super) fn no_such_target(project: &Project, name: &str) -> Error {
    let all: Vec<&str> = project
        .jobs
        .keys()
        .chain(project.workflows.keys())
        .map(String::as_str)
        .collect();
    let hint = match crate::project::suggest(name, all.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("the jobs and workflows are: {}", all.join(", ")),
    };
    Error::usage(format!("there is no job or workflow `{name}`"), hint)
}

/// `--start`/`--end` for one target: dates are midnight in its time zone.
fn range_in(
    args: &HistoryArgs,
    now: Timestamp,
    row: &Row,
    since: Timestamp,
) -> Result<(Timestamp, Timestamp)> {
    match (&args.start, &args.end) {
        (Some(s), Some(e)) => {
            let spec = WindowSpec::Range(
                parse_instant(s).map_err(|source| Error::Window {
                    flag: "--start",
                    source,
                })?,
                parse_instant(e).map_err(|source| Error::Window {
                    flag: "--end",
                    source,
                })?,
            );
            let w = spec.resolve(now, row.tz).map_err(|source| Error::Window {
                flag: "--start/--end",
                source,
            })?;
            Ok((w.start.timestamp(), w.end.timestamp()))
        }
        _ => Ok((since, now)),
    }
}

pub fn show_history(ctx: &Ctx, args: HistoryArgs) -> Result<ExitCode> {
    let since = super::runs::since_span(Some(args.since.as_deref().unwrap_or("30d")))?;
    let project = ctx.project()?;
    let rows = targets(&project, &args.names)?;
    let now = ctx.now()?;
    let since = super::runs::cutoff(now, since)?.unwrap_or(now);
    let mut ranges = Vec::with_capacity(rows.len());
    for row in &rows {
        ranges.push(range_in(&args, now, row, since)?);
    }
    let lo = ranges.iter().map(|r| r.0).min().unwrap_or(now);
    let hi = ranges.iter().map(|r| r.1).max().unwrap_or(now);
    // Each record is folded into the calendar's index as it is read (a page at a time from
    // the cluster): the calendar never holds the records, only each window's last run. The
    // records themselves are kept for `-o json` only.
    let json = matches!(args.output, TableFormat::Json);
    let shown: std::collections::HashSet<&str> = rows.iter().map(|r| r.name).collect();
    let mut index = ByTarget::default();
    let mut kept = Vec::new();
    let mut take = |r: Record| {
        let in_range = r.window_instants().is_some_and(|(s, e)| e > lo && s < hi);
        if !in_range || !shown.contains(r.name.as_str()) {
            return;
        }
        index.add(&r);
        if json {
            kept.push(r);
        }
    };
    match source(ctx, args.local) {
        Source::Local => local_records(&project)?.into_iter().for_each(&mut take),
        Source::Cluster => {
            if !project.scheduler.enabled && project.jobs.values().any(|j| j.schedule.is_some()) {
                // Cron runs are recorded by the scheduler: without it their windows show only
                // while their Jobs exist.
                ctx.term.note(format!(
                    "etl.yaml deploys no scheduler (no workflows, no `scheduler:` section): the \
                     cron runs' records are kept only while their Jobs are ({}, \
                     `retention.runs`); add `scheduler: {{}}` and `etl deploy` to keep them",
                    project.retention.runs_text()
                ));
            }
            let target = ctx.target(&args.cluster);
            cluster::runtime()?.block_on(async {
                let cluster = cluster::connect(&project, &target).await?;
                each_cluster_record(&cluster, &project, &mut take).await
            })?
        }
    };
    let mut drawn = Vec::with_capacity(rows.len());
    for (row, (start, end)) in rows.iter().zip(ranges) {
        drawn.extend(
            calendar::rows(std::slice::from_ref(row), &index, start, end, now).map_err(
                |source| Error::Window {
                    flag: "the range",
                    source,
                },
            )?,
        );
    }
    match args.output {
        TableFormat::Json => {
            // The records of the rows shown whose windows overlap the range, tasks of the
            // jobs shown included.
            let kept = history::merge(kept);
            let picked: Vec<_> = kept.iter().map(Record::json).collect();
            let out = serde_json::json!({ "rows": drawn, "records": picked });
            super::output::write_stdout(
                &(serde_json::to_string_pretty(&out).expect("history serializes") + "\n"),
            )
        }
        TableFormat::Table => {
            use std::io::IsTerminal;
            let color = crate::term::use_color(
                std::io::stdout().is_terminal(),
                std::env::var("NO_COLOR").ok().as_deref(),
                std::env::var("TERM").ok().as_deref(),
            );
            super::output::write_stdout(&calendar::render(&drawn, color))
        }
    }
}
