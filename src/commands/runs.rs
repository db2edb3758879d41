//! `etl runs`: the runs of this project. `--local` lists those made on this machine.

use super::Ctx;
use crate::cli::{RunsArgs, TableFormat};
use crate::error::{Error, Result};
use crate::local_runs;
use crate::term::table;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, args: RunsArgs) -> Result<ExitCode> {
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
    let now = super::now()?;
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
        TableFormat::Json => serde_json::to_string_pretty(&runs).expect("runs serialize") + "\n",
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
                        r.started_at.strftime("%Y-%m-%d %H:%M:%SZ").to_string(),
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
    super::write_stdout(&out)
}

fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // Signal 0 checks that the process exists without touching it.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

/// The project's runs in the cluster, manual and scheduled alike, newest first.
fn cluster_runs(ctx: &Ctx, args: RunsArgs) -> Result<ExitCode> {
    use crate::cluster::{self, Target, explain, retry};
    use crate::render::names::{self, PREFIX};
    use crate::run::{self, RunState};
    use k8s_openapi::api::batch::v1::Job;
    use kube::api::{Api, ListParams};

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
    let now = super::now()?;
    let cutoff = cutoff(now, since)?;
    let target = Target {
        context: args.cluster.context.clone(),
        namespace: args.cluster.namespace.clone(),
    };
    let mut runs = cluster::runtime()?.block_on(async {
        let cluster = cluster::connect(&project, &target).await?;
        let jobs: Api<Job> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let lp = ListParams::default().labels(&selector);
        let list = retry(|| jobs.list(&lp))
            .await
            .map_err(|e| explain(e, "listing runs"))?;
        Ok::<_, Error>(list.items.iter().map(run::summary).collect::<Vec<_>>())
    })?;
    runs.retain(|r| {
        state.is_none_or(|s| r.state == s)
            && cutoff.is_none_or(|c| r.created.is_some_and(|t| t >= c))
    });
    runs.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.name.cmp(&a.name)));
    let out = match args.output {
        TableFormat::Json => serde_json::to_string_pretty(&runs).expect("runs serialize") + "\n",
        TableFormat::Table => {
            if runs.is_empty() {
                ctx.term
                    .note("no runs yet: `etl jobs schedule JOB --yesterday` starts one");
            }
            let rows: Vec<Vec<String>> = runs
                .iter()
                .map(|r| {
                    let duration = match (r.started, r.finished) {
                        (Some(s), Some(f)) => run::human_duration(f.duration_since(s).as_secs()),
                        (Some(s), None) => {
                            run::human_duration(now.duration_since(s).as_secs().max(0))
                        }
                        _ => "-".into(),
                    };
                    vec![
                        r.name.clone(),
                        r.job.clone(),
                        match (&r.window_start, &r.window_end) {
                            (Some(s), Some(e)) => format!("{s} → {e}"),
                            _ => "-".into(),
                        },
                        r.state.to_string(),
                        r.attempt.to_string(),
                        r.started
                            .or(r.created)
                            .map(|t| t.strftime("%Y-%m-%d %H:%M:%SZ").to_string())
                            .unwrap_or_else(|| "-".into()),
                        duration,
                        r.trigger.clone(),
                        r.started_by.clone().unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            table(
                &[
                    "RUN", "JOB", "WINDOW", "STATE", "ATTEMPT", "STARTED", "DURATION", "TRIGGER",
                    "BY",
                ],
                &rows,
            )
        }
    };
    super::write_stdout(&out)
}

/// `--since 7d`, checked before anything else.
fn since_span(since: Option<&str>) -> Result<Option<jiff::Span>> {
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
fn cutoff(now: jiff::Timestamp, since: Option<jiff::Span>) -> Result<Option<jiff::Timestamp>> {
    since
        .map(|s| {
            now.to_zoned(jiff::tz::TimeZone::UTC)
                .checked_sub(s)
                .map(|t| t.timestamp())
                .map_err(|e| Error::usage(e.to_string(), "use a shorter --since"))
        })
        .transpose()
}
