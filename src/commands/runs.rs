//! `etl runs`: the runs of this project. `--local` lists those made on this machine.

use super::Ctx;
use crate::cli::{ListRunsArgs, TableFormat};
use crate::error::{Error, Result};
use crate::local_runs;
use crate::term::table;
use serde::Serialize;
use std::process::ExitCode;

/// One run in `etl runs -o json`, from the cluster or from this machine alike: the same
/// fields, in the same order, so a script reads both the same way. Unknown values are null.
#[derive(Serialize)]
struct RunJson {
    name: String,
    job: String,
    window_start: Option<String>,
    window_end: Option<String>,
    state: String,
    /// Why it failed, or who cancelled it.
    reason: Option<String>,
    attempt: Option<u32>,
    trigger: String,
    /// For a task of a workflow run (in the cluster), that run.
    workflow_run: Option<String>,
    started_by: Option<String>,
    started_at: Option<jiff::Timestamp>,
    finished_at: Option<jiff::Timestamp>,
    duration_seconds: Option<f64>,
    exit_code: Option<i32>,
    /// `cluster`, or for a local run `process` or `container`.
    mode: String,
}

impl RunJson {
    fn local(r: &local_runs::LocalRun) -> RunJson {
        RunJson {
            name: r.run.clone(),
            job: r.job.clone(),
            window_start: Some(r.window_start.clone()),
            window_end: Some(r.window_end.clone()),
            state: r.state.clone(),
            reason: None,
            attempt: None,
            trigger: r.trigger.clone(),
            workflow_run: None,
            started_by: Some(r.started_by.clone()),
            started_at: Some(r.started_at),
            finished_at: r.duration_seconds.and_then(|d| {
                r.started_at
                    .checked_add(jiff::SignedDuration::from_secs_f64(d))
                    .ok()
            }),
            duration_seconds: r.duration_seconds,
            exit_code: r.exit_code,
            mode: r.mode.clone(),
        }
    }

    fn cluster(r: &crate::run::RunSummary) -> RunJson {
        let started_at = r.started.or(r.created);
        RunJson {
            name: r.name.clone(),
            job: r.job.clone(),
            window_start: r.window_start.clone(),
            window_end: r.window_end.clone(),
            state: r.state.to_string(),
            reason: r.reason.clone(),
            attempt: Some(r.attempt),
            trigger: r.trigger.clone(),
            workflow_run: r.workflow_run.clone(),
            started_by: r.started_by.clone(),
            started_at,
            finished_at: r.finished,
            duration_seconds: match (r.started, r.finished) {
                (Some(s), Some(f)) => Some(f.duration_since(s).as_secs_f64()),
                _ => None,
            },
            exit_code: None,
            mode: "cluster".into(),
        }
    }
}

pub fn list_runs(ctx: &Ctx, args: ListRunsArgs) -> Result<ExitCode> {
    if !args.local {
        return cluster_runs(ctx, args);
    }
    const LOCAL_STATES: [&str; 5] = ["Running", "Succeeded", "Failed", "Interrupted", "Lost"];
    if let Some(s) = &args.state
        && !LOCAL_STATES.iter().any(|l| l.eq_ignore_ascii_case(s))
    {
        return Err(Error::usage(
            format!("--state {s}: not a state of a local run"),
            format!("one of {}", LOCAL_STATES.join(", ")),
        ));
    }
    let since = since_span(args.since.as_deref())?;
    let project = ctx.project()?;
    if let Some(job) = &args.job {
        project.job(job)?;
    }
    let now = ctx.now()?;
    let cutoff = cutoff(now, since)?;
    let mut runs = local_runs::read(&crate::state::project_dir(&project)?.join("runs.jsonl"))?;
    for r in &mut runs {
        // A run still marked Running whose etl is gone was cut off (laptop closed, etl killed).
        if r.state == crate::run::RunState::Running.to_string()
            && r.pid.is_some_and(|pid| !alive(pid))
        {
            r.state = "Lost".into();
        }
    }
    let any = !runs.is_empty();
    runs.retain(|r| {
        args.job.as_ref().is_none_or(|j| &r.job == j)
            && args
                .state
                .as_ref()
                .is_none_or(|s| r.state.eq_ignore_ascii_case(s))
            && cutoff.is_none_or(|c| r.started_at >= c)
    });
    let out = match args.output {
        TableFormat::Json => {
            let rows: Vec<RunJson> = runs.iter().map(RunJson::local).collect();
            serde_json::to_string_pretty(&rows).expect("runs serialize") + "\n"
        }
        TableFormat::Table => {
            if runs.is_empty() && any {
                ctx.term.note("no local runs match");
            } else if runs.is_empty() {
                ctx.term
                    .note("no local runs yet: `etl jobs run JOB --yesterday` makes one");
            }
            let rows: Vec<Vec<String>> = runs
                .iter()
                .rev()
                .map(|r| {
                    vec![
                        r.run.clone(),
                        r.job.clone(),
                        format!("{} → {}", r.window_start, r.window_end),
                        r.state.clone(),
                        r.exit_code
                            .map(|c| c.to_string())
                            .unwrap_or_else(|| "-".into()),
                        in_job_zone(&project, &r.job, r.started_at),
                        r.duration_seconds
                            .map(|d| format!("{d:.1}s"))
                            .unwrap_or_else(|| "-".into()),
                        r.trigger.clone(),
                        r.started_by.clone(),
                    ]
                })
                .collect();
            table(
                &[
                    "RUN", "JOB", "WINDOW", "STATE", "EXIT", "STARTED", "DURATION", "TRIGGER", "BY",
                ],
                &rows,
            )
        }
    };
    super::output::write_stdout(&out)
}

pub(super) fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // Signal 0 checks that the process exists without touching it.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

/// A run known only from its history record, as `etl runs` lists it.
fn from_record(r: crate::history::Record) -> crate::run::RunSummary {
    use crate::history::State;
    use crate::run::RunState;
    crate::run::RunSummary {
        state: match r.state {
            State::Completed => RunState::Succeeded,
            State::Failed => RunState::Failed,
            State::Cancelled => RunState::Cancelled,
            State::Running => RunState::Running,
        },
        reason: r.cancelled_by.map(|w| format!("cancelled by {w}")),
        name: r.run,
        job: r.name,
        window_start: Some(r.window_start),
        window_end: Some(r.window_end),
        attempt: r.attempt,
        trigger: r.trigger,
        started_by: r.started_by,
        created: r.started,
        started: r.started,
        finished: r.finished,
        workflow_run: r.workflow_run,
    }
}

/// The project's runs in the cluster, manual and scheduled alike, newest first: the Jobs,
/// and the history records of runs whose Jobs are gone.
fn cluster_runs(ctx: &Ctx, args: ListRunsArgs) -> Result<ExitCode> {
    use crate::cluster;
    use crate::run::names::{self, PREFIX};
    use crate::run::{self, RunState};

    let state = match &args.state {
        Some(s) => Some(RunState::parse(s).ok_or_else(|| {
            Error::usage(
                format!("--state {s}: not a run state"),
                "one of Pending, Running, Succeeded, Failed, Cancelled",
            )
        })?),
        None => None,
    };
    let since = since_span(args.since.as_deref())?;
    let project = ctx.project()?;
    let mut selector = format!("{PREFIX}/project={}", project.name);
    if let Some(job) = &args.job {
        project.job(job)?;
        selector.push_str(&format!(",{PREFIX}/job={}", names::job_label(job)));
    }
    let now = ctx.now()?;
    let cutoff = cutoff(now, since)?;
    let target = ctx.target(&args.cluster);
    // Paged, metadata and status only, filtered as the pages arrive: memory holds the runs
    // shown, not every Job whole.
    let mut runs = cluster::runtime()?.block_on(async {
        let cluster = cluster::connect(&project, &target).await?;
        let mut runs = Vec::new();
        cluster::jobs::each_run(&cluster, &selector, |job| {
            let r = run::summary(&job);
            if state.is_none_or(|s| r.state == s)
                && cutoff.is_none_or(|c| r.created.is_some_and(|t| t >= c))
            {
                runs.push(r);
            }
        })
        .await?;
        // Runs whose Jobs are gone (their TTL, or deleted) still have their history record.
        let seen: std::collections::HashSet<String> = runs.iter().map(|r| r.name.clone()).collect();
        crate::cluster::history::each_record(&cluster, &project.name, |r| {
            if r.kind == crate::history::Kind::Workflow || seen.contains(&r.run) {
                return;
            }
            if args
                .job
                .as_ref()
                .is_some_and(|j| j != &r.name && names::job_label(j) != r.name)
            {
                return;
            }
            let s = from_record(r);
            if state.is_none_or(|st| s.state == st)
                && cutoff.is_none_or(|c| s.created.is_some_and(|t| t >= c))
            {
                runs.push(s);
            }
        })
        .await?;
        Ok::<_, Error>(runs)
    })?;
    // The label holds the job's name shortened to 63 characters (with a hash); etl.yaml
    // knows the name itself.
    for r in &mut runs {
        if let Some(name) = project
            .jobs
            .keys()
            .find(|name| names::job_label(name) == r.job)
        {
            r.job = name.clone();
        }
    }
    runs.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.name.cmp(&a.name)));
    // Written as they are laid out, never built whole: at 100,000 runs the text alone is
    // tens of MB.
    match args.output {
        TableFormat::Json => super::output::stream_stdout(|out| {
            let rows: Vec<RunJson> = runs.iter().map(RunJson::cluster).collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            out.write_all(b"\n")
        }),
        TableFormat::Table => {
            if runs.is_empty() {
                ctx.term
                    .note("no runs yet: `etl jobs schedule JOB --yesterday` starts one");
            }
            let row = |r: &run::RunSummary| {
                let duration = match (r.started, r.finished) {
                    (Some(s), Some(f)) => run::human_duration(f.duration_since(s).as_secs()),
                    (Some(s), None) => run::human_duration(now.duration_since(s).as_secs().max(0)),
                    _ => "-".into(),
                };
                vec![
                    r.name.clone(),
                    r.job.clone(),
                    match (&r.window_start, &r.window_end) {
                        (Some(s), Some(e)) => format!("{s} → {e}"),
                        _ => "-".into(),
                    },
                    // Who cancelled is part of what happened to the run.
                    match (&r.state, &r.reason) {
                        (RunState::Cancelled, Some(why)) => format!(
                            "Cancelled {}",
                            why.strip_prefix("cancelled ").unwrap_or(why)
                        ),
                        (state, _) => state.to_string(),
                    },
                    r.attempt.to_string(),
                    r.started
                        .or(r.created)
                        .map(|t| in_job_zone(&project, &r.job, t))
                        .unwrap_or_else(|| "-".into()),
                    duration,
                    // A workflow's task says which run of the workflow it belongs to.
                    match &r.workflow_run {
                        Some(w) => format!("{} {w}", r.trigger),
                        None => r.trigger.clone(),
                    },
                    r.started_by.clone().unwrap_or_else(|| "-".into()),
                ]
            };
            super::output::stream_stdout(|out| {
                crate::term::write_table(
                    out,
                    &[
                        "RUN", "JOB", "WINDOW", "STATE", "ATTEMPT", "STARTED", "DURATION",
                        "TRIGGER", "BY",
                    ],
                    || runs.iter().map(row),
                )
            })
        }
    }
}

/// A time as `etl jobs list` shows it: in the job's time zone, with the zone's abbreviation
/// (UTC for a job etl.yaml no longer has).
fn in_job_zone(project: &crate::project::Project, job: &str, t: jiff::Timestamp) -> String {
    let tz = project
        .jobs
        .get(job)
        .map_or(jiff::tz::TimeZone::UTC, |j| j.tz.clone());
    t.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// `--since 7d`, checked before anything else.
pub(super) fn since_span(since: Option<&str>) -> Result<Option<jiff::Span>> {
    since
        .map(|s| {
            crate::window::parse_span(s).ok_or_else(|| {
                Error::usage(
                    format!("--since {s}: not a duration"),
                    "e.g. --since 7d or --since 12h",
                )
            })
        })
        .transpose()
}

/// The oldest start `--since` lets through.
pub(super) fn cutoff(
    now: jiff::Timestamp,
    since: Option<jiff::Span>,
) -> Result<Option<jiff::Timestamp>> {
    since
        .map(|s| {
            now.to_zoned(jiff::tz::TimeZone::UTC)
                .checked_sub(s)
                .map(|t| t.timestamp())
                .map_err(|e| Error::usage(e.to_string(), "use a shorter --since"))
        })
        .transpose()
}
