//! `etl workflows schedule|follow|cancel|retry|runs --cluster`: workflow runs in the cluster.
//! A run is a ConfigMap plus one Job per task (ARCHITECTURE §2); these commands create, read and
//! stop them, and `etl scheduler` moves them forward. Every write is idempotent, so each command
//! can be interrupted anywhere and run again.

use super::Ctx;
use super::project_files::templates;
use super::window_flags::resolve_window;
use super::window_flags::window_spec;
use super::workflows::{find, seconds};
use crate::cli::{
    TableFormat, WorkflowCancelArgs, WorkflowFollowArgs, WorkflowRetryArgs, WorkflowRunsArgs,
    WorkflowScheduleArgs,
};
use crate::cluster::follow::{self, Update};
use crate::cluster::workflow as cw;
use crate::cluster::{self, Cluster};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::Trigger;
use crate::render::workflow::{WorkflowRunRequest, task_jobs_of, workflow_run};
use crate::run::names;
use crate::run::workflow::{self as wrun, TaskEntry, WorkflowRun};
use crate::scheduler::scheduler_name;
use crate::state::{LAST_WORKFLOW_RUN, LastRun};
use crate::term::table;
use crate::window::Window;
use crate::workflow::TaskState;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use k8s_openapi::api::batch::v1::Job;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn same_window(run: &WorkflowRun, w: &Window) -> bool {
    let at = |s: &Option<String>| s.as_deref().and_then(|s| s.parse::<jiff::Timestamp>().ok());
    at(&run.window_start) == Some(w.start.timestamp())
        && at(&run.window_end) == Some(w.end.timestamp())
}

fn job_map(jobs: &[Job]) -> HashMap<&str, &Job> {
    jobs.iter()
        .filter_map(|j| Some((j.metadata.name.as_deref()?, j)))
        .collect()
}

fn missing_tasks<'a>(run: &'a WorkflowRun, jobs: &[Job]) -> Vec<&'a TaskEntry> {
    let have = job_map(jobs);
    run.snapshot
        .tasks
        .iter()
        .filter(|t| !have.contains_key(t.run.as_str()))
        .collect()
}

fn is_final(state: &str) -> bool {
    matches!(state, "COMPLETED" | "FAILED" | "CANCELLED")
}

async fn warn_without_scheduler(ctx: &Ctx, cluster: &Cluster, project: &str) {
    if cluster::scheduler::leader(cluster, &scheduler_name(project))
        .await
        .is_none()
    {
        ctx.term.warn(format!(
            "no scheduler is running in namespace {}: tasks that wait for others stay suspended until one runs (the run is kept). `etl deploy` starts one in the cluster; `etl scheduler` runs one here",
            cluster.namespace
        ));
    }
}

pub fn schedule(ctx: &Ctx, args: WorkflowScheduleArgs) -> Result<ExitCode> {
    let spec = window_spec(&args.window)?.ok_or_else(|| {
        Error::usage(
            "which window should the workflow run process?",
            format!("pass one of {}", super::window_flags::WINDOW_FLAGS),
        )
    })?;
    let local_time = spec.has_local_time();
    let project = ctx.project()?;
    let wf = find(&project, &args.workflow)?;
    let window = resolve_window(ctx, &spec, &wf.tz, &wf.timezone)?;
    super::window_flags::note_local_time(ctx, local_time, &wf.timezone);
    let templates = templates(&project)?;
    let (image, image_note) = ctx.image(&project, args.image.as_deref());
    let who = ctx.user();
    let render_at = |attempt: u32, namespace: &str| {
        workflow_run(
            &templates,
            &WorkflowRunRequest {
                project: &project,
                workflow: wf,
                namespace,
                image: &image,
                started_by: &who,
                window: &window,
                attempt,
                trigger: Trigger::Manual,
            },
        )
    };
    // Render before connecting: a template mistake is found without touching the cluster.
    render_at(1, project.namespace()).map_err(Error::from)?;

    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
        ctx.term.note(format!("context {}, namespace {}", cluster.context, cluster.namespace));
        ctx.term.note(format!("window {window} ({})", wf.timezone));
        let runs = cw::list_runs(&cluster, &project.name, Some(&wf.name)).await?;
        let last = runs.iter().filter(|r| same_window(r, &window)).max_by_key(|r| r.attempt);
        let attempt = match last {
            None => 1,
            Some(last) => {
                let (run, jobs) = cw::get_run(&cluster, &project.name, &last.name)
                    .await?
                    .ok_or_else(|| Error::environment(format!("workflow run {} disappeared while etl read it", last.name), None))?;
                let missing = missing_tasks(&run, &jobs);
                if !missing.is_empty() && run.outcome.is_none() && run.cancelled_by.is_none() {
                    // An earlier `etl workflows schedule` created the run and was cut off
                    // before its last task: finish its work rather than start another.
                    ctx.term.note(format!(
                        "found run {} with {} task(s) not created yet (an interrupted `etl workflows schedule`): creating them",
                        run.name,
                        missing.len()
                    ));
                    run.attempt
                } else {
                    let observed = wrun::observe(&run, &job_map(&jobs));
                    let state = wrun::run_state(&run, &observed);
                    let next = run.attempt + 1;
                    if !is_final(state) {
                        return Err(Error::usage(
                            format!("the window already has a workflow run that has not ended: {} ({state})", run.name),
                            format!("wait for it (`etl workflows follow {0}`) or stop it (`etl workflows cancel {0}`), then --rerun starts attempt {next}", run.name),
                        ));
                    }
                    let ask = ctx.term.interactive && !args.yes;
                    let question = format!("{} ({state}) already covers this window. Start attempt {next}?", run.name);
                    if !args.rerun && ask && !super::confirm::confirm(&ctx.term, &question)? {
                        return Err(Error::Declined);
                    }
                    if !(args.rerun || ask) {
                        return Err(Error::usage(
                            format!("the window already has a workflow run: {} ({state})", run.name),
                            format!("--rerun starts attempt {next}; `etl workflows retry {}` runs only its failed tasks again", run.name),
                        ));
                    }
                    next
                }
            }
        };
        let (cm, jobs) = render_at(attempt, &cluster.namespace).map_err(Error::from)?;
        let name = cm.metadata.name.clone().unwrap_or_default();
        ctx.term.note(format!("using {image_note}"));
        let created = cw::create_run(&cluster, &project.name, &cm, &jobs).await?;
        let last = LastRun { run: name.clone(), namespace: cluster.namespace.clone(), context: cluster.context.clone() };
        crate::state::remember_last_run(&project, LAST_WORKFLOW_RUN, &last)?;
        if created.new {
            let first: Vec<&str> = wf.tasks.iter().filter(|t| t.after.is_empty()).map(|t| t.name.as_str()).collect();
            ctx.term.note(format!(
                "started workflow run {name} (attempt {attempt}, {} tasks; starting now: {})",
                wf.tasks.len(),
                first.join(", ")
            ));
            cw::record_event(&cluster, &name, created.config_map.metadata.uid.as_deref(), "Normal", "Scheduled", &format!("scheduled by {who}"), "etl").await;
        } else if created.jobs_created > 0 {
            ctx.term.note(format!("created the {} missing task(s) of {name}", created.jobs_created));
        }
        if !args.follow {
            warn_without_scheduler(ctx, &cluster, &project.name).await;
        }
        super::output::write_stdout(&format!("{name}\n"))?;
        if args.follow {
            follow_run(ctx, &cluster, &project.name, &name).await
        } else {
            ctx.term.note(format!("follow it: etl workflows follow {name}"));
            Ok(ExitCode::SUCCESS)
        }
    })
}

pub fn follow(ctx: &Ctx, args: WorkflowFollowArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let mut target = ctx.target(&args.cluster);
    let run = match args.run {
        Some(r) => r,
        None => {
            let last = crate::state::last_run(&project, LAST_WORKFLOW_RUN)?.ok_or_else(|| {
                Error::usage(
                    "which workflow run should etl follow?",
                    "name one (see `etl workflows runs --cluster`), or schedule one with `etl workflows schedule`",
                )
            })?;
            ctx.term.note(format!(
                "following {}, the newest workflow run scheduled from here",
                last.run
            ));
            target.context = target.context.or(Some(last.context));
            target.namespace = target.namespace.or(Some(last.namespace));
            last.run
        }
    };
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = cluster::connect(&project, &target).await?;
        follow_run(ctx, &cluster, &project.name, &run).await
    })
}

/// Follows a workflow run to its end: a line on stderr for each task's change of state, the
/// logs of its tasks on stdout (prefixed with the task), and the run's state as exit code.
/// Ctrl-C stops following, never the run.
async fn follow_run(ctx: &Ctx, cluster: &Cluster, project: &str, name: &str) -> Result<ExitCode> {
    // Without a scheduler, waiting tasks never start: say so rather than wait in silence.
    warn_without_scheduler(ctx, cluster, project).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(String, Update)>(1024);
    let printer = async {
        let mut out = String::new();
        while let Some((task, update)) = rx.recv().await {
            match update {
                Update::Line { line, .. } => out.push_str(&format!("[{task}] {line}\n")),
                Update::Note(n) | Update::Started { note: n, .. } => {
                    ctx.term.note(format!("{task}: {n}"))
                }
                Update::State(_) => {}
            }
            if !out.is_empty() && (rx.is_empty() || out.len() >= 64 * 1024) {
                super::output::write_stdout(&out).ok();
                out.clear();
            }
        }
        if !out.is_empty() {
            super::output::write_stdout(&out).ok();
        }
    };
    let driver = async move {
        let started = Instant::now();
        let mut shown: HashMap<String, TaskState> = HashMap::new();
        let mut following: HashSet<String> = HashSet::new();
        let mut followers = FuturesUnordered::new();
        let mut incomplete: Vec<(String, String)> = Vec::new();
        let (run, state) = loop {
            let Some((run, jobs)) = cw::get_run(cluster, project, name).await? else {
                return Err(Error::usage(
                    format!(
                        "there is no workflow run `{name}` in namespace {}",
                        cluster.namespace
                    ),
                    "`etl workflows runs --cluster` lists them",
                ));
            };
            let refs = job_map(&jobs);
            let observed = wrun::observe(&run, &refs);
            let width = run
                .snapshot
                .tasks
                .iter()
                .map(|t| t.task.len())
                .max()
                .unwrap_or(0);
            for (t, o) in run.snapshot.tasks.iter().zip(&observed) {
                if shown.get(&t.task) != Some(&o.state) {
                    ctx.term.note(format!(
                        "{:>6}  {:<width$}  {}",
                        seconds(started.elapsed().as_secs_f64()),
                        t.task,
                        o.state
                    ));
                    shown.insert(t.task.clone(), o.state);
                }
                let has_run = matches!(
                    o.state,
                    TaskState::Running | TaskState::Completed | TaskState::Failed
                ) || (o.state == TaskState::Cancelled
                    && refs.get(t.run.as_str()).is_some_and(|j| {
                        !wrun::suspended(j)
                            || j.status
                                .as_ref()
                                .and_then(|s| s.start_time.as_ref())
                                .is_some()
                    }));
                if has_run && following.insert(t.run.clone()) {
                    let (task, job, tx) = (t.task.clone(), t.run.clone(), tx.clone());
                    followers.push(async move {
                        let (ttx, mut trx) = tokio::sync::mpsc::channel::<Update>(256);
                        let forward = async {
                            while let Some(u) = trx.recv().await {
                                let _ = tx.send((task.clone(), u)).await;
                            }
                        };
                        let (r, ()) =
                            tokio::join!(follow::follow(cluster, &job, true, ttx), forward);
                        r
                    });
                }
            }
            let state = wrun::run_state(&run, &observed);
            if is_final(state) {
                break (run, state);
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                Some(r) = followers.next(), if !followers.is_empty() => {
                    if let Ok(o) = r { incomplete.extend(o.incomplete) }
                }
            }
        };
        // The run has ended: read every task's log to its end.
        while let Some(r) = followers.next().await {
            if let Ok(o) = r {
                incomplete.extend(o.incomplete);
            }
        }
        drop(tx);
        Ok::<_, Error>((run, state, incomplete))
    };
    let result = tokio::select! {
        (r, ()) = async { tokio::join!(driver, printer) } => r,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("etl: stopped following; {name} keeps running in the cluster (`etl workflows follow {name}` resumes)");
            return Err(Error::Interrupted);
        }
    };
    let (run, state, incomplete) = result?;
    for (pod, why) in &incomplete {
        ctx.term
            .warn(format!("the log of pod {pod} is incomplete: {why}"));
    }
    match state {
        "COMPLETED" => {
            ctx.term.note(format!("workflow run {name} completed"));
            Ok(ExitCode::SUCCESS)
        }
        "CANCELLED" => Err(Error::Failed(format!(
            "workflow run {name} was cancelled{}",
            run.cancelled_by
                .map(|w| format!(" by {w}"))
                .unwrap_or_default()
        ))),
        _ => Err(Error::Failed(format!(
            "workflow run {name} failed (`etl workflows retry {name}` runs its failed tasks again)"
        ))),
    }
}

pub fn cancel(ctx: &Ctx, args: WorkflowCancelArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
        ctx.term.note(format!(
            "context {}, namespace {}",
            cluster.context, cluster.namespace
        ));
        let name = &args.run;
        let Some((run, jobs)) = cw::get_run(&cluster, &project.name, name).await? else {
            return Err(Error::usage(
                format!(
                    "there is no workflow run `{name}` of project {} in namespace {}",
                    project.name, cluster.namespace
                ),
                "`etl workflows runs --cluster` lists them",
            ));
        };
        if let Some(outcome) = run.outcome {
            ctx.term.note(format!(
                "workflow run {name} has already ended: {}",
                outcome.as_str()
            ));
            return Ok(ExitCode::SUCCESS);
        }
        super::confirm::confirm_or_yes(
            &ctx.term,
            args.yes,
            &format!("cancelling {name}"),
            &format!("Stop workflow run {name} and all its tasks?"),
        )?;
        // Recorded first: whatever happens next, the run reads as cancelled, by whom, and a
        // scheduler that sees it stops the rest.
        let who = ctx.user();
        let now = jiff::Timestamp::now();
        cw::mark_cancelled(&cluster, name, &who, now).await?;
        let refs = job_map(&jobs);
        let stopping: Vec<&TaskEntry> = run
            .snapshot
            .tasks
            .iter()
            .filter(|t| {
                let state = wrun::task_state(refs.get(t.run.as_str()).copied());
                !state.is_final() && refs.contains_key(t.run.as_str())
            })
            .collect();
        cw::cancel_tasks(&cluster, &stopping, &who, now).await?;
        let names: Vec<String> = run.snapshot.tasks.iter().map(|t| t.run.clone()).collect();
        let left = cw::stop_pods(&cluster, &names).await?;
        if left > 0 {
            ctx.term.warn(format!(
                "{left} pod(s) of {name} are still stopping; they will be gone shortly"
            ));
        }
        let cm = cw::finish_cancelled(&cluster, name, jiff::Timestamp::now()).await?;
        // Its history record, as a scheduler would write it: nobody may be running one.
        if let Ok(ended) = wrun::read(&cm)
            && let Some(record) =
                crate::history::Record::from_workflow_run(&ended, crate::history::State::Cancelled)
            && let Err(e) = crate::cluster::history::record(&cluster, &project.name, &record).await
        {
            ctx.term
                .warn(format!("{e}; a scheduler writes it when it runs"));
        }
        cw::record_event(
            &cluster,
            name,
            run.uid.as_deref(),
            "Normal",
            "Cancelled",
            &format!("cancelled by {who}"),
            "etl",
        )
        .await;
        ctx.term.note(format!("cancelled workflow run {name}"));
        super::output::write_stdout(&format!("{name}\n"))
    })
}

/// Retries a workflow run in the cluster: each task that did not complete gets a new attempt
/// (a new Job), recorded in the run's DAG snapshot first, so an interrupted retry is finished
/// by running it again.
pub fn retry(ctx: &Ctx, project: &Project, args: WorkflowRetryArgs) -> Result<ExitCode> {
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = cluster::connect(project, &ctx.target(&args.cluster)).await?;
        ctx.term.note(format!("context {}, namespace {}", cluster.context, cluster.namespace));
        let name = &args.run;
        let Some((run, jobs)) = cw::get_run(&cluster, &project.name, name).await? else {
            return Err(Error::usage(
                format!("there is no workflow run `{name}`, neither on this machine nor in namespace {}", cluster.namespace),
                "`etl workflows runs` lists this machine's runs, `etl workflows runs --cluster` the cluster's",
            ));
        };
        let wf = find(project, &run.workflow)?;
        let templates = templates(project)?;
        let (image, image_note) = ctx.image(project, None);
        let missing = missing_tasks(&run, &jobs);
        if !missing.is_empty() && run.cancelled_by.is_none() {
            // An interrupted retry (or schedule): create what it did not.
            let rendered = task_jobs_of(&templates, project, wf, &cluster.namespace, &image, &run, &missing).map_err(Error::from)?;
            let n = cw::create_jobs(&cluster, &project.name, cw::run_owner(&run), &rendered).await?;
            ctx.term.note(format!("created the {n} missing task(s) of {name}, using {image_note}"));
            warn_without_scheduler(ctx, &cluster, &project.name).await;
            return super::output::write_stdout(&format!("{name}\n"));
        }
        let observed = wrun::observe(&run, &job_map(&jobs));
        let state = wrun::run_state(&run, &observed);
        if !is_final(state) {
            return Err(Error::usage(
                format!("workflow run {name} has not ended ({state})"),
                format!("wait for it (`etl workflows follow {name}`) or stop it (`etl workflows cancel {name}`) first"),
            ));
        }
        let mut snapshot = run.snapshot.clone();
        let mut again = Vec::new();
        for (t, o) in snapshot.tasks.iter_mut().zip(&observed) {
            if o.state != TaskState::Completed {
                t.attempt += 1;
                t.run = names::task_run_name(&run.name, &t.task, t.attempt);
                again.push(t.task.clone());
            }
        }
        if again.is_empty() {
            ctx.term.note(format!("every task of {name} completed: nothing to retry"));
            return super::output::write_stdout(&format!("{name}\n"));
        }
        // The new attempts are recorded on the run before any Job exists; the end state and
        // the cancel go, so the run reads (and is driven) as running again.
        let cm = cw::record_retry(&cluster, name, snapshot.to_json()).await?;
        let run = wrun::read(&cm).map_err(|e| Error::environment(e.to_string(), None))?;
        let tasks: Vec<&TaskEntry> = run.snapshot.tasks.iter().filter(|t| again.contains(&t.task)).collect();
        let rendered = task_jobs_of(&templates, project, wf, &cluster.namespace, &image, &run, &tasks).map_err(Error::from)?;
        cw::create_jobs(&cluster, &project.name, cw::run_owner(&run), &rendered).await?;
        let who = ctx.user();
        cw::record_event(&cluster, name, run.uid.as_deref(), "Normal", "Retried", &format!("{who} retried {}", again.join(", ")), "etl").await;
        ctx.term.note(format!("retrying {} task(s) of {name}: {} (using {image_note})", again.len(), again.join(", ")));
        warn_without_scheduler(ctx, &cluster, &project.name).await;
        super::output::write_stdout(&format!("{name}\n"))
    })
}

/// One workflow run in the cluster, as `etl workflows runs --cluster -o json` prints it.
#[derive(Serialize)]
struct RunRow {
    run: String,
    workflow: String,
    window_start: Option<String>,
    window_end: Option<String>,
    state: String,
    tasks_done: usize,
    tasks: usize,
    attempt: u32,
    trigger: String,
    started_by: Option<String>,
    cancelled_by: Option<String>,
    created: Option<jiff::Timestamp>,
    finished: Option<jiff::Timestamp>,
    task_states: Vec<(String, TaskState)>,
}

pub fn list_workflow_runs(
    ctx: &Ctx,
    project: &Project,
    args: WorkflowRunsArgs,
) -> Result<ExitCode> {
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = cluster::connect(project, &ctx.target(&args.cluster_args)).await?;
        let runs = cw::list_runs(&cluster, &project.name, args.workflow.as_deref()).await?;
        let jobs = cw::list_task_jobs(&cluster, &project.name).await?;
        let refs = job_map(&jobs);
        let mut rows: Vec<RunRow> = runs
            .into_iter()
            .map(|r| {
                let observed = wrun::observe(&r, &refs);
                RunRow {
                    state: wrun::run_state(&r, &observed).to_string(),
                    tasks_done: observed.iter().filter(|o| o.state == TaskState::Completed).count(),
                    tasks: observed.len(),
                    task_states: r.snapshot.tasks.iter().map(|t| t.task.clone()).zip(observed.iter().map(|o| o.state)).collect(),
                    run: r.name,
                    workflow: r.workflow,
                    window_start: r.window_start,
                    window_end: r.window_end,
                    attempt: r.attempt,
                    trigger: r.trigger,
                    started_by: r.started_by,
                    cancelled_by: r.cancelled_by,
                    created: r.created,
                    finished: r.finished,
                }
            })
            .collect();
        rows.reverse();
        let out = match args.output {
            TableFormat::Json => serde_json::to_string_pretty(&rows).expect("rows serialize") + "\n",
            TableFormat::Table => {
                if rows.is_empty() {
                    ctx.term.note(format!("no workflow runs in namespace {} (`etl workflows schedule WF --yesterday`)", cluster.namespace));
                    return Ok(ExitCode::SUCCESS);
                }
                let table_rows: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        let tz = project.workflows.get(&r.workflow).map(|w| w.tz.clone()).unwrap_or(jiff::tz::TimeZone::UTC);
                        let local = |s: &Option<String>| {
                            s.as_deref()
                                .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                                .map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
                                .unwrap_or_else(|| "-".into())
                        };
                        let duration = match (r.created, r.finished) {
                            (Some(c), Some(f)) => seconds((f - c).total(jiff::Unit::Second).unwrap_or(0.0)),
                            _ => "-".into(),
                        };
                        vec![
                            r.run.clone(),
                            r.workflow.clone(),
                            format!("{} → {}", local(&r.window_start), local(&r.window_end)),
                            r.state.clone(),
                            format!("{}/{}", r.tasks_done, r.tasks),
                            r.trigger.clone(),
                            r.created.map(|t| t.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z").to_string()).unwrap_or_default(),
                            duration,
                            r.started_by.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                table(&["RUN", "WORKFLOW", "WINDOW", "STATE", "TASKS DONE", "TRIGGER", "STARTED", "DURATION", "BY"], &table_rows)
            }
        };
        super::output::write_stdout(&out)
    })
}
