//! `etl backfill`: a job or workflow over every window of a range that history says needs it.
//! The plan is `history::plan` (pure); here it is printed, confirmed and carried out — as
//! local processes (`--local`, or no cluster configured), or in the cluster as one backfill
//! ConfigMap that the scheduler drives (`history::backfill`). `status`, `follow` and
//! `cancel` read and act on that ConfigMap and the runs labelled with it.

use super::Ctx;
use super::history::{Source, cluster_records, local_records, no_such_target, source};
use super::secrets::local_secrets;
use crate::cli::{BackfillArgs, BackfillCommand, BackfillIdArgs, OnlyArg};
use crate::cluster::{self, Cluster};
use crate::error::{Error, Result};
use crate::history::backfill::{self as bf, Progress, Spec};
use crate::history::plan::{BackfillPlan, ByWindow, Only, select};
use crate::history::{self, Kind, Record, State};
use crate::launch::{Launch, first_container};
use crate::local_runs::{self, LocalRun};
use crate::project::Project;
use crate::render::names::PREFIX;
use crate::render::{self, RunInfo, RunRequest, Trigger};
use crate::supervisor::{Outcome, supervise};
use crate::window::{Period, Window, WindowSpec, parse_instant, rfc3339};
use futures::StreamExt;
use futures::future::LocalBoxFuture;
use futures::stream::FuturesUnordered;
use jiff::tz::TimeZone;
use std::process::ExitCode;
use std::time::Duration;

/// The job or workflow a backfill runs, as far as planning needs it.
struct What<'a> {
    kind: Kind,
    name: &'a str,
    period: Period,
    tz: &'a TimeZone,
    timezone: &'a str,
}

fn what<'a>(project: &'a Project, name: &str) -> Result<What<'a>> {
    if let Some(j) = project.jobs.get(name) {
        Ok(What {
            kind: Kind::Job,
            name: &j.name,
            period: j.window,
            tz: &j.tz,
            timezone: &j.timezone,
        })
    } else if let Some(w) = project.workflows.get(name) {
        Ok(What {
            kind: Kind::Workflow,
            name: &w.name,
            period: w.window,
            tz: &w.tz,
            timezone: &w.timezone,
        })
    } else {
        Err(no_such_target(project, name))
    }
}

fn only(o: OnlyArg) -> Only {
    match o {
        OnlyArg::Missing => Only::Missing,
        OnlyArg::Failed => Only::Failed,
        OnlyArg::All => Only::All,
    }
}

pub fn backfill(ctx: &Ctx, args: BackfillArgs) -> Result<ExitCode> {
    match args.command {
        Some(BackfillCommand::Status(a)) => return status(ctx, a),
        Some(BackfillCommand::Follow(a)) => return follow(ctx, a),
        Some(BackfillCommand::Cancel(a)) => return cancel(ctx, a),
        None => {}
    }
    let usage = "etl backfill JOB|WORKFLOW --start D --end D";
    let Some(name) = args.target.as_deref() else {
        return Err(Error::usage("which job or workflow?", usage.to_string()));
    };
    let (Some(start), Some(end)) = (&args.start, &args.end) else {
        return Err(Error::usage(
            "a backfill needs a range: --start and --end",
            format!("e.g. {name} --start 2026-10-01 --end 2026-11-01"),
        ));
    };
    let spec = WindowSpec::Range(
        parse_instant(start).map_err(|source| Error::Window {
            flag: "--start",
            source,
        })?,
        parse_instant(end).map_err(|source| Error::Window {
            flag: "--end",
            source,
        })?,
    );
    let step = super::window_flags::step_span(args.step.as_deref())?;
    let project = ctx.project()?;
    let what = what(&project, name)?;
    let range = super::window_flags::resolve_window(ctx, &spec, what.tz, what.timezone)?;
    // The target's own windows, or with --step the range cut from its start into runs of
    // that length (as `etl jobs run --step` cuts a window).
    let windows = match step {
        Some(step) => crate::window::split(&range, step).map_err(|source| Error::Window {
            flag: "--step",
            source,
        })?,
        None => history::windows(
            what.period,
            what.tz,
            range.start.timestamp(),
            range.end.timestamp(),
        )
        .map_err(|source| Error::Window {
            flag: "--start/--end",
            source,
        })?,
    };
    let only = only(args.only);
    let src = source(ctx, args.local);
    let rt = cluster::runtime()?;
    let (records, cluster) = match src {
        Source::Local => (local_records(&project)?, None),
        Source::Cluster => rt.block_on(async {
            let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
            let records = cluster_records(&cluster, &project).await?;
            Ok::<_, Error>((records, Some(cluster)))
        })?,
    };
    let plan = select(
        windows,
        &ByWindow::new(&records, what.kind, what.name),
        only,
    );
    let runs = plan.selected().count();
    ctx.term.note(format!(
        "backfill of {} {} over {range} ({}{}), {}: {}",
        what.kind.as_str(),
        what.name,
        what.timezone,
        args.step
            .as_deref()
            .map(|s| format!(", runs of {s}"))
            .unwrap_or_default(),
        match src {
            Source::Local => "here, against this machine's history",
            Source::Cluster => "in the cluster",
        },
        plan.summary(args.parallel)
    ));
    if args.dry_run {
        let lines: String = plan
            .selected()
            .map(|p| {
                format!(
                    "{}  {}  attempt {}\n",
                    rfc3339(&p.window.start),
                    rfc3339(&p.window.end),
                    p.attempt
                )
            })
            .collect();
        return super::output::write_stdout(&lines);
    }
    if runs == 0 {
        ctx.term.note("nothing to run");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        if !ctx.term.interactive {
            return Err(Error::usage(
                format!("a backfill of {runs} runs needs confirmation"),
                "pass --yes (or --dry-run to see the windows)",
            ));
        }
        if !super::confirm::confirm(&ctx.term, &format!("Start {runs} runs?"))? {
            return Err(Error::Declined);
        }
    }
    match cluster {
        None => run_here(ctx, &project, &what, &plan, args.parallel),
        Some(cluster) => rt.block_on(create(
            ctx,
            &cluster,
            &project,
            &what,
            &bf::name(what.name, &range, plan.only, args.step.as_deref()),
            &plan,
            args.parallel,
        )),
    }
}

/// The local backfill: each selected window run here, as `etl jobs run` (or `etl workflows
/// run`) runs it, with trigger `backfill`.
fn run_here(
    ctx: &Ctx,
    project: &Project,
    what: &What,
    plan: &BackfillPlan,
    parallel: u32,
) -> Result<ExitCode> {
    let windows: Vec<Window> = plan.selected().map(|p| p.window.clone()).collect();
    let outcomes = match what.kind {
        Kind::Workflow => {
            let wf = &project.workflows[what.name];
            super::workflows::run_each(ctx, project, wf, &windows, parallel)?
                .into_iter()
                .map(|o| o == crate::workflow::RunOutcome::Completed)
                .collect::<Vec<bool>>()
        }
        _ => run_jobs_here(ctx, project, what.name, plan, parallel)?,
    };
    let failed = outcomes.iter().filter(|ok| !**ok).count();
    if failed == 0 {
        ctx.term.note(format!(
            "backfill done: {0}/{0} runs completed",
            outcomes.len()
        ));
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Error::Failed(format!(
            "backfill of {}: {failed} of {} runs failed (`etl backfill {} --start … --end … \
             --only failed` runs them again)",
            what.name,
            outcomes.len(),
            what.name
        )))
    }
}

/// A job's windows as local processes, up to `parallel` at once, oldest first; each window's
/// output prefixed by its start. Ctrl-C stops the running ones and starts no more.
fn run_jobs_here(
    ctx: &Ctx,
    project: &Project,
    name: &str,
    plan: &BackfillPlan,
    parallel: u32,
) -> Result<Vec<bool>> {
    let job = &project.jobs[name];
    let secrets = local_secrets(project, job)?;
    let templates = super::project_files::templates(project)?;
    let who = ctx.user();
    let (image, _) = ctx.image(project, None);
    let records = crate::state::project_dir(project)?.join("runs.jsonl");
    let req = RunRequest {
        project,
        job,
        namespace: project.namespace(),
        image: &image,
        started_by: &who,
    };
    let selected: Vec<_> = plan.selected().collect();
    let total = selected.len();
    let mut results = vec![false; total];
    let rt = cluster::runtime()?;
    rt.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt =
            signal(SignalKind::interrupt()).map_err(|e| Error::environment(e.to_string(), None))?;
        let mut terminate =
            signal(SignalKind::terminate()).map_err(|e| Error::environment(e.to_string(), None))?;
        type Ended = (usize, Result<Outcome>, f64, LocalRun);
        let mut running: FuturesUnordered<LocalBoxFuture<'static, Ended>> = FuturesUnordered::new();
        let mut next = 0;
        let mut stopping = false;
        loop {
            while !stopping && next < total && running.len() < parallel as usize {
                let p = selected[next];
                let run = RunInfo::new(job, p.window.clone(), p.attempt, Trigger::Backfill);
                let pod = render::run_pod(&templates, &req, &run)?;
                let prefix = p.window.start.strftime("%Y%m%dT%H%M").to_string();
                let launch = Launch::process(first_container(&pod)?, &secrets, &project.dir)?
                    .prefixed(prefix.trim_end_matches("T0000"));
                let record = LocalRun::starting(
                    &run.name,
                    &job.name,
                    &p.window,
                    Trigger::Backfill,
                    &who,
                    "process",
                );
                local_runs::append(&records, &record)?;
                ctx.term.note(format!(
                    "[{}/{total}] {} for {} started",
                    next + 1,
                    run.name,
                    p.window
                ));
                let i = next;
                running.push(Box::pin(async move {
                    let t = std::time::Instant::now();
                    let outcome = supervise(&launch).await;
                    (i, outcome, t.elapsed().as_secs_f64(), record)
                }));
                next += 1;
            }
            if running.is_empty() {
                break;
            }
            let ended = tokio::select! {
                e = running.next() => e,
                // Each job gets the signal from its own supervisor; here: start no more.
                _ = interrupt.recv() => { stopping = true; continue; }
                _ = terminate.recv() => { stopping = true; continue; }
            };
            let Some((i, outcome, secs, mut record)) = ended else {
                break;
            };
            let (state, exit_code) = crate::supervisor::ended_as(&outcome);
            record.ended(state, exit_code, secs);
            let took = super::workflows::seconds(secs);
            match outcome {
                Ok(Outcome::Exited(0)) => {
                    results[i] = true;
                    ctx.term.note(format!("{} completed in {took}", record.run));
                }
                Ok(Outcome::Exited(code)) => {
                    ctx.term.warn(format!(
                        "{} failed with exit code {code} after {took}",
                        record.run
                    ));
                }
                Ok(Outcome::EngineFailed(_)) | Err(_) => {
                    ctx.term.warn(format!("{} could not run", record.run));
                }
                Ok(Outcome::Interrupted) => stopping = true,
            }
            local_runs::append(&records, &record)?;
        }
        if stopping {
            return Err(Error::Interrupted);
        }
        Ok(())
    })?;
    Ok(results)
}

/// The cluster backfill: one ConfigMap, named from the arguments (`bf::name`); the scheduler
/// does the rest.
async fn create(
    ctx: &Ctx,
    cluster: &Cluster,
    project: &Project,
    what: &What<'_>,
    name: &str,
    plan: &BackfillPlan,
    parallel: u32,
) -> Result<ExitCode> {
    ctx.term.note(format!(
        "context {}, namespace {}",
        cluster.context, cluster.namespace
    ));
    let windows: Vec<Window> = plan.selected().map(|p| p.window.clone()).collect();
    let spec = Spec::new(what.kind, what.name, &windows, parallel, plan.only);
    // The same arguments find the same backfill while it goes on (never a second one). Once
    // it has ended (completed, failed or cancelled) they make the next one, `<name>-2`, over
    // what history says still needs a run: a cancelled backfill is resumed by running the
    // same command again.
    let mut generation = 1;
    loop {
        let name = bf::generation_name(name, generation);
        let cm = bf::config_map(
            &project.name,
            &cluster.namespace,
            &name,
            &spec,
            &ctx.user(),
            ctx.now()?,
        );
        if cluster::backfill::create(cluster, &cm).await? {
            ctx.term.note(format!(
                "backfill {name} created: the scheduler starts its runs, {} at a time \
                 (`etl backfill follow {name}`)",
                spec.parallel
            ));
            return super::output::write_stdout(&format!("{name}\n"));
        }
        let (b, progress) = read_backfill(cluster, project, &name).await?;
        if b.state.is_none() && b.cancelled_by.is_none() {
            ctx.term.note(format!(
                "backfill {name} already exists (same job, range, --only and --step) and goes \
                 on: its status"
            ));
            print_status(ctx, &b, &progress);
            return super::output::write_stdout(&format!("{name}\n"));
        }
        generation += 1;
    }
}

/// A backfill and how each of its windows stands, from the runs labelled with it.
async fn read_backfill(
    cluster: &Cluster,
    project: &Project,
    name: &str,
) -> Result<(bf::Backfill, Vec<Progress>)> {
    let Some(cm) = cluster::backfill::get(cluster, name).await? else {
        return Err(Error::usage(
            format!(
                "there is no backfill `{name}` in namespace {}",
                cluster.namespace
            ),
            "`etl backfill` prints the name of the backfill it creates",
        ));
    };
    let b = bf::read(&cm).map_err(|e| Error::environment(e.to_string(), None))?;
    let selector = format!(
        "{PREFIX}/project={},{}={name}",
        project.name,
        bf::backfill_label()
    );
    let mut records: Vec<Record> = Vec::new();
    match b.spec.kind {
        Kind::Workflow => {
            for c in &cluster::backfill::workflow_runs(cluster, &selector).await? {
                if let Ok(run) = crate::run::workflow::read(c) {
                    let state = match run.outcome {
                        Some(o) => State::of_word(o.as_str()),
                        None if run.cancelled_by.is_some() => State::Cancelled,
                        None => State::Running,
                    };
                    records.extend(Record::from_workflow_run(&run, state));
                }
            }
        }
        _ => {
            cluster::backfill::each_job_run(cluster, &selector, |job| {
                records.extend(Record::from_job(&job));
            })
            .await?;
        }
    }
    let progress = progress_of(&b.spec, &records);
    Ok((b, progress))
}

/// Each window's progress: its newest run's state, or waiting.
fn progress_of(spec: &Spec, records: &[Record]) -> Vec<Progress> {
    let index = ByWindow::of(records.iter());
    spec.windows
        .iter()
        .map(|[s, e]| {
            let key = (s.parse::<jiff::Timestamp>(), e.parse::<jiff::Timestamp>());
            let (Ok(s), Ok(e)) = key else {
                return Progress::Waiting;
            };
            let w = Window {
                start: s.to_zoned(TimeZone::UTC),
                end: e.to_zoned(TimeZone::UTC),
            };
            match index.get(&w).map(|l| l.state) {
                None => Progress::Waiting,
                Some(State::Running) => Progress::Running,
                Some(State::Completed) => Progress::Completed,
                Some(State::Failed | State::Cancelled) => Progress::Failed,
            }
        })
        .collect()
}

fn print_status(ctx: &Ctx, b: &bf::Backfill, progress: &[Progress]) {
    let state = b
        .state
        .clone()
        .or_else(|| {
            b.cancelled_by
                .as_ref()
                .map(|by| format!("cancelled by {by}"))
        })
        .unwrap_or_else(|| "RUNNING".into());
    ctx.term.note(format!(
        "backfill {} of {} {} ({} windows, only {}, {} at a time, by {}): {state}; {}",
        b.name,
        b.spec.kind.as_str(),
        b.spec.target,
        b.spec.windows.len(),
        b.spec.only.as_str(),
        b.spec.parallel,
        b.started_by.as_deref().unwrap_or("?"),
        bf::progress_line(progress)
    ));
}

fn status(ctx: &Ctx, args: BackfillIdArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    cluster::runtime()?.block_on(async {
        let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
        let (b, progress) = read_backfill(&cluster, &project, &args.id).await?;
        print_status(ctx, &b, &progress);
        let rows: Vec<Vec<String>> = b
            .spec
            .windows
            .iter()
            .zip(&progress)
            .map(|([s, e], p)| vec![s.clone(), e.clone(), format!("{p:?}").to_uppercase()])
            .collect();
        super::output::write_stdout(&crate::term::table(&["START", "END", "STATE"], &rows))
    })
}

fn follow(ctx: &Ctx, args: BackfillIdArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    cluster::runtime()?.block_on(async {
        let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
        let mut last = String::new();
        loop {
            let (b, progress) = read_backfill(&cluster, &project, &args.id).await?;
            let line = bf::progress_line(&progress);
            if line != last {
                ctx.term.note(format!("backfill {}: {line}", b.name));
                last = line;
            }
            let ended = b
                .state
                .as_deref()
                .or_else(|| bf::outcome(&progress, b.cancelled_by.is_some()));
            match ended {
                Some("COMPLETED") => return Ok(ExitCode::SUCCESS),
                Some(s) => {
                    return Err(Error::Failed(format!(
                        "backfill {} ended {s}: {last}",
                        b.name
                    )));
                }
                None => {}
            }
            // Ctrl-C stops following, never the backfill (the scheduler drives it).
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = tokio::signal::ctrl_c() => return Err(Error::Interrupted),
            }
        }
    })
}

fn cancel(ctx: &Ctx, args: BackfillIdArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let (kind, unfinished) = cluster::runtime()?.block_on(async {
        let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
        let (b, progress) = read_backfill(&cluster, &project, &args.id).await?;
        super::confirm::confirm_or_yes(
            &ctx.term,
            args.yes,
            &format!("cancelling backfill {}", args.id),
            &format!(
                "Stop backfill {} ({})?",
                args.id,
                bf::progress_line(&progress)
            ),
        )?;
        // Recorded first: the scheduler starts nothing more for it from now on.
        cluster::backfill::mark_cancelled(&cluster, &args.id, &ctx.user(), ctx.now()?).await?;
        // Its runs still going, by name (each is cancelled below as `etl … cancel` does).
        let selector = format!(
            "{PREFIX}/project={},{}={}",
            project.name,
            bf::backfill_label(),
            args.id
        );
        let mut names = Vec::new();
        match b.spec.kind {
            Kind::Workflow => {
                for c in cluster::backfill::workflow_runs(&cluster, &selector).await? {
                    if let Ok(run) = crate::run::workflow::read(&c)
                        && run.outcome.is_none()
                    {
                        names.push(run.name);
                    }
                }
            }
            _ => {
                cluster::backfill::each_job_run(&cluster, &selector, |job| {
                    if !crate::run::state(&job).is_finished() {
                        names.extend(job.metadata.name);
                    }
                })
                .await?
            }
        }
        Ok::<_, Error>((b.spec.kind, names))
    })?;
    for run in &unfinished {
        match kind {
            Kind::Workflow => super::workflows_cluster::cancel(
                ctx,
                crate::cli::WorkflowCancelArgs {
                    run: run.clone(),
                    yes: true,
                    cluster: args.cluster.clone(),
                },
            )?,
            _ => super::jobs_cluster::cancel(
                ctx,
                crate::cli::CancelArgs {
                    run: run.clone(),
                    yes: true,
                    cluster: args.cluster.clone(),
                },
            )?,
        };
    }
    ctx.term.note(format!(
        "backfill {} cancelled; {} run{} stopped",
        args.id,
        unfinished.len(),
        if unfinished.len() == 1 { "" } else { "s" }
    ));
    Ok(ExitCode::SUCCESS)
}
