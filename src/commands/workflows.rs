//! `etl workflows list|show|run|retry|runs`: workflows of etl.yaml, and the local executor. What
//! to do next is decided by `crate::workflow::plan` (pure); this file carries the decisions out
//! as local processes, each task exactly as `etl jobs run` runs its job, and records them.

use super::Ctx;
use super::project_files::templates;
use super::secrets::local_secrets;
use super::window_flags::resolve_window;
use super::window_flags::window_spec;
use crate::cli::{
    TableFormat, WorkflowListArgs, WorkflowRenderArgs, WorkflowRetryArgs, WorkflowRunArgs,
    WorkflowRunsArgs, WorkflowShowArgs,
};
use crate::error::{Error, Result};
use crate::launch::{Launch, first_container};
use crate::local_runs::{self, LocalRun};
use crate::local_workflow_runs::{self as records, LocalWorkflowRun, TaskRecord};
use crate::project::{Project, Workflow};
use crate::render::{self, RunInfo, RunRequest, Templates, Trigger, names};
use crate::supervisor::{Outcome, supervise};
use crate::term::table;
use crate::window::{Window, rfc3339};
use crate::workflow::{self, Limits, Observed, RunOutcome, TaskId, TaskState};
use futures::StreamExt;
use futures::future::LocalBoxFuture;
use futures::stream::FuturesUnordered;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The workflow called `name`, or an error that suggests the closest one.
pub(super) fn find<'a>(project: &'a Project, name: &str) -> Result<&'a Workflow> {
    project.workflows.get(name).ok_or_else(|| {
        let hint = match crate::project::suggest(name, project.workflows.keys().map(String::as_str))
        {
            Some(s) => format!("did you mean `{s}`?"),
            None if project.workflows.is_empty() => {
                "declare one under `workflows:` in etl.yaml (see README, Workflows)".into()
            }
            None => format!(
                "the workflows are: {}",
                project
                    .workflows
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let hint = if project.jobs.contains_key(name) {
            format!("`{name}` is a job: run it with `etl jobs run {name}`")
        } else {
            hint
        };
        Error::usage(format!("there is no workflow `{name}`"), hint)
    })
}

fn task_names(wf: &Workflow) -> Vec<&str> {
    wf.tasks.iter().map(|t| t.name.as_str()).collect()
}

/// A task's note in drawings and lists: the job it runs when that is not its own name.
fn task_notes(wf: &Workflow) -> Vec<String> {
    wf.tasks
        .iter()
        .map(|t| {
            if t.job.name == t.name {
                String::new()
            } else {
                format!("job {}", t.job.name)
            }
        })
        .collect()
}

fn records_file(project: &Project) -> Result<PathBuf> {
    Ok(crate::state::project_dir(project)?.join(records::FILE_NAME))
}

/// Local workflow runs, with RUNNING ones whose etl is gone shown as LOST.
fn read_runs(project: &Project) -> Result<Vec<LocalWorkflowRun>> {
    let mut runs = records::read(&records_file(project)?)?;
    for r in &mut runs {
        if r.state == "RUNNING" && !r.pid.is_some_and(super::runs::alive) {
            r.state = "LOST".into();
        }
    }
    Ok(runs)
}

pub fn list(ctx: &Ctx, args: WorkflowListArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let runs = read_runs(&project)?;
    let last = |wf: &str| runs.iter().rev().find(|r| r.workflow == wf);
    let out = match args.output {
        TableFormat::Json => {
            let items: Vec<_> = project
                .workflows
                .values()
                .map(|wf| {
                    serde_json::json!({
                        "name": wf.name,
                        "description": wf.description,
                        "schedule": wf.schedule,
                        "timezone": wf.timezone,
                        "window": wf.window,
                        "max_parallel": wf.max_parallel,
                        "tasks": wf.dag.order().iter().map(|&i| {
                            let t = &wf.tasks[i];
                            serde_json::json!({"name": t.name, "job": t.job.name, "after": t.after})
                        }).collect::<Vec<_>>(),
                        "last_run": last(&wf.name),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&items).expect("JSON values serialize") + "\n"
        }
        TableFormat::Table => {
            if project.workflows.is_empty() {
                ctx.term.note(format!(
                    "{} declares no workflows (see README, Workflows)",
                    project.file.display()
                ));
                return Ok(ExitCode::SUCCESS);
            }
            let rows: Vec<Vec<String>> = project
                .workflows
                .values()
                .map(|wf| {
                    vec![
                        wf.name.clone(),
                        wf.schedule
                            .as_ref()
                            .map(|s| format!("{s} ({})", wf.timezone))
                            .unwrap_or_else(|| "-".into()),
                        format!("{:?}", wf.window).to_lowercase(),
                        last(&wf.name)
                            .map(|r| {
                                format!(
                                    "{} {}",
                                    r.state,
                                    r.started_at
                                        .to_zoned(wf.tz.clone())
                                        .strftime("%Y-%m-%d %H:%M %Z")
                                )
                            })
                            .unwrap_or_else(|| "-".into()),
                        wf.dag
                            .order()
                            .iter()
                            .map(|&i| wf.tasks[i].name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ]
                })
                .collect();
            table(
                &[
                    "WORKFLOW",
                    "SCHEDULE",
                    "WINDOW",
                    "LAST LOCAL RUN",
                    "TASKS (in order)",
                ],
                &rows,
            )
        }
    };
    super::output::write_stdout(&out)
}

pub fn show(ctx: &Ctx, args: WorkflowShowArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let wf = find(&project, &args.workflow)?;
    let notes = task_notes(wf);
    let out = if args.dot {
        workflow::dot(&wf.name, &wf.dag, &notes)
    } else {
        let mut head = wf.name.clone();
        if !wf.description.is_empty() {
            head.push_str(": ");
            head.push_str(&wf.description);
        }
        let mut facts = vec![format!(
            "window {}",
            format!("{:?}", wf.window).to_lowercase()
        )];
        if let Some(s) = &wf.schedule {
            facts.insert(0, format!("schedule {s} ({})", wf.timezone));
        }
        facts.push(match wf.max_parallel {
            Some(n) => format!("at most {n} tasks at once"),
            None => "no limit on tasks at once".into(),
        });
        format!(
            "{head}\n{}\n\n{}",
            facts.join(", "),
            workflow::levels_text(&wf.dag, &notes)
        )
    };
    super::output::write_stdout(&out)
}

pub fn render(ctx: &Ctx, args: WorkflowRenderArgs) -> Result<ExitCode> {
    let spec = window_spec(&args.window)?.ok_or_else(|| {
        Error::usage(
            "which window should the workflow run process?",
            format!("pass one of {}", super::window_flags::WINDOW_FLAGS),
        )
    })?;
    let project = ctx.project()?;
    let wf = find(&project, &args.workflow)?;
    let window = resolve_window(ctx, &spec, &wf.tz, &wf.timezone)?;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| project.namespace().to_string());
    let (image, image_note) = ctx.image(&project, args.image.as_deref());
    let who = ctx.user();
    let (config_map, jobs) = render::workflow::workflow_run(
        &templates(&project)?,
        &render::workflow::WorkflowRunRequest {
            project: &project,
            workflow: wf,
            namespace: &namespace,
            image: &image,
            started_by: &who,
            window: &window,
            attempt: 1,
            trigger: render::Trigger::Manual,
        },
    )?;
    ctx.term.note(format!(
        "window {window} ({}), using {image_note}",
        wf.timezone
    ));
    let mut docs = vec![super::render::to_value(&config_map)];
    docs.extend(jobs.iter().map(super::render::to_value));
    super::render::print(&docs, args.output)
}

pub fn run_workflow(ctx: &Ctx, args: WorkflowRunArgs) -> Result<ExitCode> {
    let spec = window_spec(&args.window)?.ok_or_else(|| {
        Error::usage(
            "which window should the workflow process?",
            format!("pass one of {}", super::window_flags::WINDOW_FLAGS),
        )
    })?;
    let step = super::window_flags::step_span(args.step.as_deref())?;
    let project = ctx.project()?;
    let wf = find(&project, &args.workflow)?;
    let whole = resolve_window(ctx, &spec, &wf.tz, &wf.timezone)?;
    let windows = super::window_flags::step_windows(whole, step)?;
    let exec = Executor::new(ctx, &project, wf, args.parallel)?;
    let mut failed = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        if windows.len() > 1 {
            ctx.term.note(format!("[{}/{}]", i + 1, windows.len()));
        }
        let previous = if args.retry_failed {
            let runs = read_runs(&project)?;
            let prev = runs
                .into_iter()
                .rev()
                .find(|r| {
                    r.workflow == wf.name
                        && r.window_start == rfc3339(&w.start)
                        && r.window_end == rfc3339(&w.end)
                })
                .ok_or_else(|| {
                    Error::usage(
                        format!("workflow `{}` has no local run for {w} to retry", wf.name),
                        "run it without --retry-failed (see `etl workflows runs`)",
                    )
                })?;
            Some(prev)
        } else {
            None
        };
        match exec.run(w, previous)? {
            RunOutcome::Completed => {}
            RunOutcome::Cancelled => return Err(Error::Interrupted),
            RunOutcome::Failed => {
                failed.push(w.to_string());
                if !args.keep_going {
                    let left = windows.len() - i - 1;
                    if left > 0 {
                        ctx.term.warn(format!(
                            "window {}/{} failed; {left} not run (--keep-going runs them)",
                            i + 1,
                            windows.len()
                        ));
                    }
                    break;
                }
            }
        }
    }
    if windows.len() > 1 && failed.is_empty() {
        ctx.term.note(format!(
            "{n}/{n} workflow runs completed",
            n = windows.len()
        ));
    }
    match failed.len() {
        0 => Ok(ExitCode::SUCCESS),
        1 if windows.len() == 1 => Err(Error::Failed(format!(
            "the workflow `{}` failed for {}",
            wf.name, failed[0]
        ))),
        n => Err(Error::Failed(format!(
            "{n} of {} workflow runs failed: {}",
            windows.len(),
            failed.join(", ")
        ))),
    }
}

/// Runs `wf` here for each window, up to `parallel` windows at once (oldest first), going on
/// past failures (a local backfill): how each run ended, in order. With several at once, each
/// line of progress and output starts with its window (`20261022 a | …`). Ctrl-C stops the
/// running ones and starts no more (`Error::Interrupted`).
pub(super) fn run_each(
    ctx: &Ctx,
    project: &Project,
    wf: &Workflow,
    windows: &[Window],
    parallel: u32,
) -> Result<Vec<RunOutcome>> {
    use futures::StreamExt;
    let exec = Executor::new(ctx, project, wf, None)?;
    let stopping = std::cell::Cell::new(false);
    let total = windows.len();
    let several = parallel > 1 && total > 1;
    let outcomes: Vec<Result<RunOutcome>> = exec.runtime.block_on(
        futures::stream::iter(windows.iter().enumerate())
            .map(|(i, w)| {
                let (exec, stopping) = (&exec, &stopping);
                async move {
                    if stopping.get() {
                        return Ok(RunOutcome::Cancelled);
                    }
                    ctx.term.note(format!("[{}/{total}]", i + 1));
                    let tag = if several {
                        let start = w.start.strftime("%Y%m%dT%H%M").to_string();
                        format!("{} ", start.trim_end_matches("T0000"))
                    } else {
                        String::new()
                    };
                    let outcome = exec.run_tagged(w, None, &tag).await;
                    if !matches!(outcome, Ok(RunOutcome::Completed | RunOutcome::Failed)) {
                        stopping.set(true);
                    }
                    outcome
                }
            })
            .buffered(parallel.max(1) as usize)
            .collect(),
    );
    let mut out = Vec::with_capacity(total);
    for o in outcomes {
        match o? {
            RunOutcome::Cancelled => return Err(Error::Interrupted),
            o => out.push(o),
        }
    }
    Ok(out)
}

pub fn retry(ctx: &Ctx, args: WorkflowRetryArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let runs = read_runs(&project)?;
    let Some(prev) = runs.into_iter().rev().find(|r| r.run == args.run) else {
        // Not a run of this machine: one in the cluster.
        return super::workflows_cluster::retry(ctx, &project, args);
    };
    let wf = find(&project, &prev.workflow)?;
    let bound = |s: &str| {
        s.parse::<jiff::Timestamp>()
            .map(|t| t.to_zoned(wf.tz.clone()))
            .map_err(|e| {
                Error::usage(
                    format!(
                        "the record of `{}` has a bad window bound `{s}`: {e}",
                        prev.run
                    ),
                    "run the workflow again with `etl workflows run`",
                )
            })
    };
    let w =
        Window::new(bound(&prev.window_start)?, bound(&prev.window_end)?).map_err(|source| {
            Error::Window {
                flag: "the run's window",
                source,
            }
        })?;
    let exec = Executor::new(ctx, &project, wf, args.parallel)?;
    match exec.run(&w, Some(prev))? {
        RunOutcome::Completed => Ok(ExitCode::SUCCESS),
        RunOutcome::Cancelled => Err(Error::Interrupted),
        RunOutcome::Failed => Err(Error::Failed(format!(
            "the workflow `{}` failed for {w}",
            wf.name
        ))),
    }
}

pub fn list_workflow_runs(ctx: &Ctx, args: WorkflowRunsArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    if let Some(w) = &args.workflow {
        find(&project, w)?;
    }
    if args.cluster {
        return super::workflows_cluster::list_workflow_runs(ctx, &project, args);
    }
    let mut runs = read_runs(&project)?;
    runs.retain(|r| args.workflow.as_ref().is_none_or(|w| &r.workflow == w));
    runs.reverse();
    let out = match args.output {
        TableFormat::Json => serde_json::to_string_pretty(&runs).expect("records serialize") + "\n",
        TableFormat::Table => {
            if runs.is_empty() {
                ctx.term
                    .note("no local workflow runs yet (`etl workflows run WF --yesterday`)");
                return Ok(ExitCode::SUCCESS);
            }
            let rows: Vec<Vec<String>> = runs
                .iter()
                .map(|r| {
                    let tz = project
                        .workflows
                        .get(&r.workflow)
                        .map(|w| w.tz.clone())
                        .unwrap_or(jiff::tz::TimeZone::UTC);
                    let duration = r
                        .finished_at
                        .map(|f| seconds(f.duration_since(r.started_at).as_secs_f64()))
                        .unwrap_or_else(|| "-".into());
                    vec![
                        r.run.clone(),
                        r.workflow.clone(),
                        format!("{} → {}", r.window_start, r.window_end),
                        r.state.clone(),
                        format!("{}/{}", r.completed_tasks(), r.tasks.len()),
                        r.started_at
                            .to_zoned(tz)
                            .strftime("%Y-%m-%d %H:%M %Z")
                            .to_string(),
                        duration,
                        r.started_by.clone(),
                    ]
                })
                .collect();
            table(
                &[
                    "RUN",
                    "WORKFLOW",
                    "WINDOW",
                    "STATE",
                    "TASKS DONE",
                    "STARTED",
                    "DURATION",
                    "BY",
                ],
                &rows,
            )
        }
    };
    super::output::write_stdout(&out)
}

/// A duration as people read it: `0.4s` below a minute (local tasks are often that short),
/// else `2m 05s`.
pub(super) fn seconds(s: f64) -> String {
    if s < 59.95 {
        format!("{s:.1}s")
    } else {
        crate::run::human_duration(s.round() as i64)
    }
}

/// The local executor: everything that stays the same across the windows of one command.
struct Executor<'a> {
    ctx: &'a Ctx,
    project: &'a Project,
    wf: &'a Workflow,
    limits: Limits,
    templates: Templates,
    /// Secret values by job, read before anything runs: a missing one fails now.
    secrets: HashMap<String, HashMap<(String, String), String>>,
    image: String,
    who: String,
    runs_file: PathBuf,
    records_file: PathBuf,
    runtime: tokio::runtime::Runtime,
}

/// One task's process as it ends.
struct Ended {
    id: TaskId,
    outcome: Result<Outcome>,
    seconds: f64,
    record: LocalRun,
}

impl<'a> Executor<'a> {
    fn new(
        ctx: &'a Ctx,
        project: &'a Project,
        wf: &'a Workflow,
        parallel: Option<u32>,
    ) -> Result<Executor<'a>> {
        let mut secrets = HashMap::new();
        for t in &wf.tasks {
            if !secrets.contains_key(&t.job.name) {
                secrets.insert(t.job.name.clone(), local_secrets(project, &t.job)?);
            }
        }
        let state_dir = crate::state::project_dir(project)?;
        Ok(Executor {
            ctx,
            project,
            wf,
            limits: Limits {
                max_parallel: parallel.map(|n| n as usize).or(wf.max_parallel),
            },
            templates: templates(project)?,
            secrets,
            image: ctx.image(project, None).0,
            who: ctx.user(),
            runs_file: state_dir.join("runs.jsonl"),
            records_file: state_dir.join(records::FILE_NAME),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    Error::environment(format!("cannot start etl's runtime: {e}"), None)
                })?,
        })
    }

    /// Runs the workflow for one window, from scratch or (with `previous`) again for the tasks
    /// that did not complete then. Returns how the run ended.
    fn run(&self, w: &Window, previous: Option<LocalWorkflowRun>) -> Result<RunOutcome> {
        self.runtime.block_on(self.run_tagged(w, previous, ""))
    }

    /// [`Executor::run`] with each line of progress and output after `tag` (the window's,
    /// when several windows run at once).
    async fn run_tagged(
        &self,
        w: &Window,
        previous: Option<LocalWorkflowRun>,
        tag: &str,
    ) -> Result<RunOutcome> {
        let wf = self.wf;
        let names = task_names(wf);
        let (mut record, mut observed) = match previous {
            Some(prev) => {
                if prev.state == "RUNNING" {
                    return Err(Error::usage(
                        format!("workflow run {} is still running", prev.run),
                        "wait for it to end (see `etl workflows runs`), then retry",
                    ));
                }
                let observed = workflow::retry_failed(&prev.observed(&names));
                let again = observed
                    .iter()
                    .filter(|o| o.state != TaskState::Completed)
                    .count();
                if again == 0 {
                    self.ctx.term.note(format!(
                        "every task of {} completed: nothing to retry",
                        prev.run
                    ));
                    return Ok(RunOutcome::Completed);
                }
                self.ctx.term.note(format!(
                    "retrying {again} of {} tasks of {} (completed tasks stay)",
                    names.len(),
                    prev.run
                ));
                let mut r = prev;
                // Task order as etl.yaml has it now (the planner's order).
                let mut tasks = std::mem::take(&mut r.tasks);
                r.tasks = names
                    .iter()
                    .map(|n| {
                        (
                            n.to_string(),
                            tasks.swap_remove(*n).unwrap_or_else(TaskRecord::new),
                        )
                    })
                    .collect();
                r.state = "RUNNING".into();
                r.pid = Some(std::process::id());
                r.finished_at = None;
                (r, observed)
            }
            None => {
                let earlier = records::read(&self.records_file)?;
                let attempt = 1 + earlier
                    .iter()
                    .filter(|r| {
                        r.workflow == wf.name
                            && r.window_start == rfc3339(&w.start)
                            && r.window_end == rfc3339(&w.end)
                    })
                    .count() as u32;
                let record = LocalWorkflowRun {
                    run: names::run_name(&wf.name, w, attempt),
                    workflow: wf.name.clone(),
                    window_start: rfc3339(&w.start),
                    window_end: rfc3339(&w.end),
                    attempt,
                    started_by: self.who.clone(),
                    started_at: jiff::Timestamp::now(),
                    finished_at: None,
                    state: "RUNNING".into(),
                    pid: Some(std::process::id()),
                    tasks: wf
                        .tasks
                        .iter()
                        .map(|t| (t.name.clone(), TaskRecord::new()))
                        .collect(),
                };
                (record, workflow::fresh(&wf.dag))
            }
        };
        // Attempts before this execution: run names keep counting across retries.
        let base: Vec<u32> = names.iter().map(|n| record.tasks[*n].attempts).collect();
        for (i, o) in observed.iter().enumerate() {
            record.tasks[i].state = o.state;
        }
        self.ctx.term.note(format!(
            "running workflow {} for {w} ({}) here, run {}: {} tasks{}",
            wf.name,
            wf.timezone,
            record.run,
            names.len(),
            match self.limits.max_parallel {
                Some(n) => format!(", at most {n} at once"),
                None => String::new(),
            }
        ));
        records::append(&self.records_file, &record)?;
        let started = Instant::now();
        let outcome = self.drive(w, &mut record, &mut observed, &base, tag).await;
        record.pid = None;
        record.finished_at = Some(jiff::Timestamp::now());
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                record.state = RunOutcome::Failed.as_str().into();
                records::append(&self.records_file, &record)?;
                return Err(e);
            }
        };
        record.state = outcome.as_str().into();
        records::append(&self.records_file, &record)?;
        let count = |s: TaskState| observed.iter().filter(|o| o.state == s).count();
        let mut parts = vec![format!(
            "{}/{} tasks completed",
            count(TaskState::Completed),
            names.len()
        )];
        for (s, what) in [
            (TaskState::Failed, "failed"),
            (TaskState::UpstreamFailed, "not run (upstream failed)"),
            (TaskState::Cancelled, "cancelled"),
        ] {
            let which: Vec<&str> = (0..names.len())
                .filter(|&i| observed[i].state == s)
                .map(|i| names[i])
                .collect();
            if !which.is_empty() {
                parts.push(format!("{} {what}: {}", which.len(), which.join(", ")));
            }
        }
        let line = format!(
            "workflow run {} {} in {}: {}",
            record.run,
            outcome.as_str(),
            seconds(started.elapsed().as_secs_f64()),
            parts.join("; ")
        );
        if outcome == RunOutcome::Completed {
            self.ctx.term.note(line);
        } else {
            self.ctx.term.warn(line);
        }
        Ok(outcome)
    }

    /// The loop: plan, apply, wait for a task to end (or Ctrl-C), plan again. Records a
    /// snapshot after every change, so a killed etl leaves the run's last known state.
    async fn drive(
        &self,
        w: &Window,
        record: &mut LocalWorkflowRun,
        observed: &mut [Observed],
        base: &[u32],
        tag: &str,
    ) -> Result<RunOutcome> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt =
            signal(SignalKind::interrupt()).map_err(|e| Error::environment(e.to_string(), None))?;
        let mut terminate =
            signal(SignalKind::terminate()).map_err(|e| Error::environment(e.to_string(), None))?;
        let mut running: FuturesUnordered<LocalBoxFuture<'static, Ended>> = FuturesUnordered::new();
        let mut cancelled = false;
        loop {
            let p = workflow::plan(&self.wf.dag, observed, self.limits, cancelled);
            let mut changed = false;
            for &id in &p.upstream_failed {
                observed[id].state = TaskState::UpstreamFailed;
                self.say(
                    tag,
                    id,
                    TaskState::UpstreamFailed,
                    "a task it runs after failed",
                );
                changed = true;
            }
            for &id in &p.cancel {
                observed[id].state = TaskState::Cancelled;
                self.say(tag, id, TaskState::Cancelled, "");
                changed = true;
            }
            for &id in &p.schedule {
                observed[id].state = TaskState::Scheduled;
                changed = true;
            }
            for &id in &p.start {
                let retry = observed[id].attempts > 0;
                observed[id].attempts += 1;
                observed[id].state = TaskState::Running;
                let attempt = base[id] + observed[id].attempts;
                let fut = self.start(id, w, &record.run, attempt, tag)?;
                let task = &mut record.tasks[id];
                task.attempts = attempt;
                task.run = Some(fut.0.clone());
                self.say(
                    tag,
                    id,
                    TaskState::Running,
                    &if retry {
                        format!(
                            "retry {} of {}, run {}",
                            observed[id].attempts - 1,
                            self.wf.dag.node(id).retries,
                            fut.0
                        )
                    } else {
                        format!("run {}", fut.0)
                    },
                );
                running.push(fut.1);
                changed = true;
            }
            if changed {
                self.snapshot(record, observed)?;
            }
            if let Some(done) = p.finished {
                return Ok(done);
            }
            let ended = tokio::select! {
                ended = running.next() => ended,
                _ = interrupt.recv() => { cancelled = true; continue; }
                _ = terminate.recv() => { cancelled = true; continue; }
            };
            let Some(mut ended) = ended else {
                // Nothing runs and the plan is not finished: cannot happen with a checked DAG
                // (plan always starts something or finishes); stop rather than spin.
                return Err(Error::Failed(
                    "the workflow stalled: nothing runs and nothing can start".into(),
                ));
            };
            let id = ended.id;
            let (state, exit_code) = crate::supervisor::ended_as(&ended.outcome);
            ended.record.ended(state, exit_code, ended.seconds);
            let task = &mut record.tasks[id];
            task.duration_seconds = ended.record.duration_seconds;
            task.exit_code = exit_code;
            let took = seconds(ended.seconds);
            match ended.outcome {
                Ok(Outcome::Exited(0)) => {
                    observed[id].state = TaskState::Completed;
                    self.say(tag, id, TaskState::Completed, &took);
                }
                Ok(Outcome::Exited(code)) => {
                    observed[id].state = TaskState::Failed;
                    let node = self.wf.dag.node(id);
                    let left = (node.retries + 1).saturating_sub(observed[id].attempts);
                    self.say(
                        tag,
                        id,
                        TaskState::Failed,
                        &format!(
                            "exit code {code} after {took}{}",
                            if left > 0 && !cancelled {
                                format!(", {left} retr{} left", if left == 1 { "y" } else { "ies" })
                            } else {
                                String::new()
                            }
                        ),
                    );
                }
                Ok(Outcome::EngineFailed(_)) | Err(_) => {
                    observed[id].state = TaskState::Failed;
                    let why = match &ended.outcome {
                        Err(e) => e.to_string(),
                        _ => "the container engine failed".into(),
                    };
                    self.say(tag, id, TaskState::Failed, &why);
                }
                Ok(Outcome::Interrupted) => {
                    cancelled = true;
                    observed[id].state = TaskState::Cancelled;
                    self.say(
                        tag,
                        id,
                        TaskState::Cancelled,
                        &format!("stopped after {took}"),
                    );
                }
            }
            local_runs::append(&self.runs_file, &ended.record)?;
            self.snapshot(record, observed)?;
        }
    }

    fn snapshot(&self, record: &mut LocalWorkflowRun, observed: &[Observed]) -> Result<()> {
        for (i, o) in observed.iter().enumerate() {
            record.tasks[i].state = o.state;
        }
        records::append(&self.records_file, record)
    }

    /// One line of progress per task change, on stderr.
    fn say(&self, tag: &str, id: TaskId, state: TaskState, detail: &str) {
        let width = self
            .wf
            .tasks
            .iter()
            .map(|t| t.name.len())
            .max()
            .unwrap_or(0);
        let line = format!(
            "  {tag}{:width$}  {:<15}  {detail}",
            self.wf.tasks[id].name,
            state.as_str()
        );
        // Failures stay in the same columns as the other lines; the run's summary warns.
        self.ctx.term.note(line.trim_end());
    }

    /// Starts one attempt of a task: its job's pod rendered as for `etl jobs run`, its
    /// container's command run here. Returns the task run's name and the future of its end.
    fn start(
        &self,
        id: TaskId,
        w: &Window,
        run_name: &str,
        attempt: u32,
        tag: &str,
    ) -> Result<(String, LocalBoxFuture<'static, Ended>)> {
        let task = &self.wf.tasks[id];
        let job = &task.job;
        // The same instants, in the job's own zone, as its runs always are.
        let w = Window {
            start: w.start.with_time_zone(job.tz.clone()),
            end: w.end.with_time_zone(job.tz.clone()),
        };
        let run = RunInfo {
            name: names::task_run_name(run_name, &task.name, attempt),
            window: w.clone(),
            attempt,
            trigger: Trigger::Workflow,
        };
        let req = RunRequest {
            project: self.project,
            job,
            namespace: self.project.namespace(),
            image: &self.image,
            started_by: &self.who,
        };
        let pod = render::run_pod(&self.templates, &req, &run)?;
        let container = first_container(&pod)?;
        let launch = Launch::process(container, &self.secrets[&job.name], &self.project.dir)?
            .prefixed(&format!("{tag}{}", task.name));
        let record = LocalRun::starting(
            &run.name,
            &job.name,
            &w,
            Trigger::Workflow,
            &self.who,
            "process",
        );
        local_runs::append(&self.runs_file, &record)?;
        let fut = Box::pin(async move {
            let started = Instant::now();
            let outcome = supervise(&launch).await;
            Ended {
                id,
                outcome,
                seconds: started.elapsed().as_secs_f64(),
                record,
            }
        });
        Ok((run.name, fut))
    }
}
