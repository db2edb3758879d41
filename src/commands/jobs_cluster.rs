//! `etl jobs schedule`, `etl jobs follow`, `etl jobs cancel`: runs in the cluster. A run is a
//! Kubernetes Job with a deterministic name; everything etl knows about it is on the Job.

use super::project_files::templates;
use super::window_flags::window_spec;
use super::{Ctx, pick};
use crate::cli::{CancelArgs, FollowArgs, ScheduleArgs};
use crate::cluster::follow::{self, Update};
use crate::cluster::{self, Cluster, jobs};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::{self, RunInfo, RunRequest, Trigger};

use crate::run::{self, RunState};

use crate::state::{LAST_JOB_RUN, LastRun};
use crate::window::WindowSpec;
use k8s_openapi::api::batch::v1::Job;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Duration;

/// A run `etl jobs schedule` is about to create, written before the create and removed once
/// the answer came: if etl is killed (or the answer is lost) in between, the next
/// `etl jobs schedule` of the window recognises the Job by its request id as the run it
/// created, rather than calling it someone else's and suggesting a duplicate.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Creating {
    run: String,
    namespace: String,
    context: String,
    request_id: String,
}

fn creating_file(project: &Project) -> Result<std::path::PathBuf> {
    Ok(crate::state::project_dir(project)?.join("creating.json"))
}

/// A request id unique enough for one user's machine: the time in nanoseconds and the pid.
fn new_request_id() -> String {
    format!(
        "{:x}-{:x}",
        jiff::Timestamp::now().as_nanosecond(),
        std::process::id()
    )
}

/// Whether `job` is the run an earlier, interrupted `etl jobs schedule` created here.
fn created_by(job: &Job, creating: &Creating) -> bool {
    jobs::created_by(job, &creating.run, &creating.request_id)
}

pub fn schedule(ctx: &Ctx, args: ScheduleArgs) -> Result<ExitCode> {
    let spec = window_spec(&args.window)?;
    let local_time = spec.as_ref().is_some_and(WindowSpec::has_local_time);
    let project = ctx.project()?;
    let mut picked = pick::complete(
        ctx,
        &project,
        "jobs schedule",
        pick::Given {
            job: args.job.clone(),
            window: spec,
            overrides: args.overrides.clone(),
            yes: args.yes,
            now: ctx.now()?,
        },
    )?;
    if args.follow {
        picked.also(["--follow"]);
    }
    let job =
        project.job_with_overrides(&picked.job, &picked.overrides.set, &picked.overrides.config)?;
    let window = picked.resolved.clone();
    super::window_flags::note_local_time(ctx, local_time, &job.timezone);
    let templates = templates(&project)?;
    let (image, image_note) = ctx.image(&project, args.image.as_deref());
    let who = ctx.user();
    // Render before connecting: a template mistake is found without touching the cluster.
    let probe = RunInfo::new(&job, window.clone(), 1, Trigger::Manual);
    let namespace_guess = args
        .cluster
        .namespace
        .clone()
        .unwrap_or_else(|| project.namespace().to_string());
    render::run_job(
        &templates,
        &RunRequest {
            project: &project,
            job: &job,
            namespace: &namespace_guess,
            image: &image,
            started_by: &who,
        },
        &probe,
    )?;

    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
        ctx.term.note(format!("context {}, namespace {}", cluster.context, cluster.namespace));
        ctx.term.note(format!("window {window} ({})", job.timezone));
        let previous = jobs::window_runs(&cluster, &project.name, &job.name, &window).await?;
        let creating_path = creating_file(&project)?;
        let creating: Option<Creating> = std::fs::read_to_string(&creating_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .filter(|c: &Creating| c.namespace == cluster.namespace && c.context == cluster.context);
        let mine = creating.as_ref().and_then(|c| previous.iter().find(|j| created_by(j, c)));
        let (info, created) = if let Some(found) = mine {
            // An earlier `etl jobs schedule` of this window created it and was cut off before
            // it could say so: that run is the answer, not a reason to start another.
            let s = run::summary(found);
            ctx.term.note(format!("found run {} ({}), created by an interrupted `etl jobs schedule`", s.name, s.state));
            (RunInfo::new(&job, window.clone(), s.attempt, Trigger::Manual), false)
        } else {
            let attempt = match previous.last() {
                None => 1,
                Some(last) => {
                    let s = run::summary(last);
                    let next = s.attempt + 1;
                    // Two attempts at one window at once would write the same data twice.
                    if let Some(active) = previous.iter().map(run::summary).find(|s| !s.state.is_finished()) {
                        return Err(Error::usage(
                            format!("the window already has a run that has not ended: {} ({})", active.name, active.state),
                            format!("wait for it (`etl jobs follow {0}`) or stop it (`etl jobs cancel {0}`), then --rerun starts attempt {next}", active.name),
                        ));
                    }
                    let question = format!("{} ({}) already covers this window. Start attempt {next}?", s.name, s.state);
                    let ask = ctx.term.interactive && !args.yes;
                    if !args.rerun && ask && !super::confirm::confirm(&ctx.term, &question)? {
                        return Err(Error::Declined);
                    }
                    if !(args.rerun || ask) {
                        return Err(Error::usage(
                            format!("the window already has a run: {} ({})", s.name, s.state),
                            format!("--rerun starts attempt {next}; `etl jobs follow {}` shows that one", s.name),
                        ));
                    }
                    next
                }
            };
            (RunInfo::new(&job, window.clone(), attempt, Trigger::Manual), true)
        };
        if created {
            jobs::check_secrets(&ctx.term, &cluster, &project, &job).await?;
            let req = RunRequest { project: &project, job: &job, namespace: &cluster.namespace, image: &image, started_by: &who };
            let manifest = render::run_job(&templates, &req, &info)?;
            let intent = Creating {
                run: info.name.clone(),
                namespace: cluster.namespace.clone(),
                context: cluster.context.clone(),
                request_id: new_request_id(),
            };
            ctx.term.note(format!("using {image_note}"));
            // Written before the create: whatever happens to this process after the request
            // left, the next try knows the Job is its own.
            crate::state::write_atomic(&creating_path, &serde_json::to_string(&intent).expect("serializes"))?;
            jobs::create_run(&cluster, &project.name, &manifest, &intent.request_id).await?;
        }
        let last = LastRun { run: info.name.clone(), namespace: cluster.namespace.clone(), context: cluster.context.clone() };
        crate::state::remember_last_run(&project, LAST_JOB_RUN, &last)?;
        // The answer is in: nothing is left to recognise.
        let _ = std::fs::remove_file(&creating_path);
        if created {
            ctx.term.note(format!("started run {} (attempt {})", info.name, info.attempt));
        }
        super::output::write_stdout(&format!("{}\n", info.name))?;
        picked.tell_next_time(&ctx.term);
        if args.follow || args.wait {
            watch(ctx, &cluster, &info.name, args.follow).await
        } else {
            ctx.term.note(format!("follow it: etl jobs follow {}", info.name));
            Ok(ExitCode::SUCCESS)
        }
    })
}

pub fn follow(ctx: &Ctx, args: FollowArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let mut target = ctx.target(&args.cluster);
    let run = match args.run {
        Some(r) => r,
        None => {
            let last = crate::state::last_run(&project, LAST_JOB_RUN)?.ok_or_else(|| {
                Error::usage(
                    "no run scheduled from this machine yet: which run?",
                    "`etl runs` lists them; then `etl jobs follow RUN`",
                )
            })?;
            target.context = target.context.or(Some(last.context));
            target.namespace = target.namespace.or(Some(last.namespace));
            ctx.term.note(format!(
                "following {}, the newest run scheduled from here",
                last.run
            ));
            last.run
        }
    };
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = cluster::connect(&project, &target).await?;
        watch(ctx, &cluster, &run, true).await
    })
}

/// Follows a run (logs on stdout, notes on stderr) or waits for it, and turns its end into an
/// exit code. Ctrl-C stops following, never the run.
async fn watch(ctx: &Ctx, cluster: &Cluster, run: &str, logs: bool) -> Result<ExitCode> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Update>(1024);
    let follower = follow::follow(cluster, run, logs, tx);
    // Waiting without logs on a terminal: a spinner with the run's state.
    let bar = (!logs && ctx.term.progress)
        .then(|| crate::term::spinner(&format!("waiting for run {run}")));
    let printer = async {
        let mut pods: HashSet<String> = HashSet::new();
        // Lines are gathered and written when no more are waiting (or 64 KiB have built up):
        // one write for a burst rather than one per line, and a line never waits longer
        // than it takes to handle the updates already queued.
        let mut out = String::new();
        while let Some(update) = rx.recv().await {
            match update {
                Update::Line { pod, line } => {
                    pods.insert(pod.clone());
                    // With retries there is more than one pod: say whose line it is.
                    if pods.len() > 1 {
                        out.push_str(&format!("[{}] {line}\n", pod_short(run, &pod)));
                    } else {
                        out.push_str(&line);
                        out.push('\n');
                    }
                }
                // Known before its first line: once a retry has started, every line (the
                // first pod's too, from then on) says which pod it is from.
                Update::Started { pod, note } => {
                    pods.insert(pod);
                    match &bar {
                        Some(b) => b.println(note),
                        None => ctx.term.note(note),
                    }
                }
                Update::Note(n) => match &bar {
                    Some(b) => b.println(n),
                    None => ctx.term.note(n),
                },
                Update::State(state) => {
                    if let Some(b) = &bar {
                        b.set_message(format!("waiting for run {run}: {state}"));
                    }
                }
            }
            if !out.is_empty() && (rx.is_empty() || out.len() >= 64 * 1024) {
                super::output::write_stdout(&out).ok();
                out.clear();
            }
        }
        if !out.is_empty() {
            super::output::write_stdout(&out).ok();
        }
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
    };
    let outcome = tokio::select! {
        (r, ()) = async { tokio::join!(follower, printer) } => r,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("etl: stopped following; {run} keeps running in the cluster (`etl jobs follow {run}` resumes)");
            return Err(Error::Interrupted);
        }
    };
    let follow::Outcome {
        state,
        reason,
        incomplete,
        exit_code,
    } = outcome?;
    // Never a silent gap: each pod whose log could not be read to its end is named.
    for (pod, why) in &incomplete {
        ctx.term
            .warn(format!("the log of pod {pod} is incomplete: {why}"));
    }
    match state {
        RunState::Succeeded if !incomplete.is_empty() => Err(Error::environment(
            format!(
                "run {run} succeeded, but the log of {} is incomplete",
                incomplete
                    .iter()
                    .map(|(p, _)| format!("pod {p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(format!(
                "`etl jobs follow {run}` shows the whole log again while its pods exist"
            )),
        )),
        RunState::Succeeded => {
            ctx.term.note(format!("run {run} succeeded"));
            Ok(ExitCode::SUCCESS)
        }
        RunState::Cancelled => Err(Error::Failed(format!(
            "run {run} was {}",
            reason.unwrap_or_else(|| "cancelled".into())
        ))),
        _ => Err(Error::Failed(format!(
            "run {run} failed{}{}",
            reason.map(|r| format!(": {r}")).unwrap_or_default(),
            // The job's own exit code, as `etl jobs run` shows it.
            exit_code
                .map(|c| format!(" (exit code {c})"))
                .unwrap_or_default()
        ))),
    }
}

/// `daily-averages-20261122-1d-a1-x7k2q` → `x7k2q`: enough to tell a run's pods apart.
fn pod_short<'a>(run: &str, pod: &'a str) -> &'a str {
    pod.strip_prefix(run)
        .map(|s| s.trim_start_matches('-'))
        .filter(|s| !s.is_empty())
        .unwrap_or(pod)
}

pub fn cancel(ctx: &Ctx, args: CancelArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
        ctx.term.note(format!(
            "context {}, namespace {}",
            cluster.context, cluster.namespace
        ));
        let run = &args.run;
        let job = jobs::get_run(&cluster, &project.name, run).await?;
        let state = run::state(&job);
        if state.is_finished() {
            ctx.term
                .note(format!("run {run} has already ended: {state}"));
            return Ok(ExitCode::SUCCESS);
        }
        super::confirm::confirm_or_yes(
            &ctx.term,
            args.yes,
            &format!("cancelling {run}"),
            &format!("Stop run {run} ({state}) and its pods?"),
        )?;
        // Record the cancel before stopping anything, so whatever happens next the run reads
        // as Cancelled, by whom.
        let cancelled = jobs::suspend(&cluster, run, &ctx.user(), jiff::Timestamp::now()).await?;
        super::history::record_ended(ctx, &cluster, &project, &cancelled).await;
        // Wait until the pods are gone: no orphans.
        let left = jobs::stop_pods(&cluster, run, Duration::from_secs(60)).await?;
        if left > 0 {
            ctx.term.warn(format!(
                "{left} pod(s) of {run} are still stopping; they will be gone shortly"
            ));
        }
        ctx.term.note(format!("cancelled run {run}"));
        super::output::write_stdout(&format!("{run}\n"))
    })
}

#[cfg(test)]
mod tests {
    use super::pod_short;

    #[test]
    fn pods_are_named_by_their_suffix() {
        assert_eq!(
            pod_short("r-20261122-1d-a1", "r-20261122-1d-a1-x7k2q"),
            "x7k2q"
        );
        assert_eq!(pod_short("r", "other"), "other");
    }
}
