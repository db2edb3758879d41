//! `etl jobs schedule`, `etl jobs follow`, `etl jobs cancel`: runs in the cluster. A run is a
//! Kubernetes Job with a deterministic name; everything etl knows about it is on the Job.

use super::{
    Ctx, image_ref, job_with_overrides, pick, resolve_window, started_by, templates, window_spec,
};
use crate::cli::{CancelArgs, ClusterArgs, FollowArgs, ScheduleArgs};
use crate::cluster::follow::{self, Update};
use crate::cluster::{self, Cluster, Target, explain, retry};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::names::{self, PREFIX};
use crate::render::{self, RunInfo, RunRequest, Trigger};
use crate::run::{self, RunState};
use crate::window::Window;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Duration;

fn target(c: &ClusterArgs) -> Target {
    Target {
        context: c.context.clone(),
        namespace: c.namespace.clone(),
    }
}

/// The run `etl jobs follow` picks with no argument: the newest one scheduled from here.
#[derive(Serialize, Deserialize)]
struct LastRun {
    run: String,
    namespace: String,
    context: String,
}

fn last_run_file(project: &Project) -> Result<std::path::PathBuf> {
    Ok(crate::state::project_dir(project)?.join("last-run.json"))
}

/// The label selector of every attempt at one job's window.
fn window_selector(project: &Project, job: &str, w: &Window) -> String {
    format!(
        "{PREFIX}/project={},{PREFIX}/job={},{PREFIX}/window-start={},{PREFIX}/window-end={}",
        project.name,
        names::job_label(job),
        names::instant_label(&w.start),
        names::instant_label(&w.end)
    )
}

pub fn schedule(ctx: &Ctx, args: ScheduleArgs) -> Result<ExitCode> {
    let spec = window_spec(&args.window)?;
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
        },
    )?;
    if args.follow {
        picked.also(["--follow"]);
    }
    let job = job_with_overrides(&project, &picked.job, &picked.overrides)?;
    let window = resolve_window(ctx, &picked.window, &job)?;
    let templates = templates(&project)?;
    let (image, image_note) = image_ref(&project, args.image.as_deref());
    let who = started_by();
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
        let cluster = cluster::connect(&project, &target(&args.cluster)).await?;
        ctx.term.note(format!("context {}, namespace {}", cluster.context, cluster.namespace));
        ctx.term.note(format!("window {window} ({})", job.timezone));
        let jobs: Api<Job> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let lp = ListParams::default().labels(&window_selector(&project, &job.name, &window));
        let existing = retry(|| jobs.list(&lp)).await.map_err(|e| explain(e, "listing this window's runs"))?;
        let mut previous: Vec<&Job> = existing.items.iter().collect();
        previous.sort_by_key(|j| run::summary(j).attempt);
        let attempt = match previous.last() {
            None => 1,
            Some(last) => {
                let s = run::summary(last);
                let next = s.attempt + 1;
                let question = format!("{} ({}) already covers this window. Start attempt {next}?", s.name, s.state);
                let ask = ctx.term.interactive && !args.yes;
                if !(args.rerun || ask && super::confirm(&ctx.term, &question)?) {
                    return Err(Error::usage(
                        format!("the window already has a run: {} ({})", s.name, s.state),
                        format!("--rerun starts attempt {next}; `etl jobs follow {}` shows that one", s.name),
                    ));
                }
                next
            }
        };
        let info = RunInfo::new(&job, window.clone(), attempt, Trigger::Manual);
        let req = RunRequest { project: &project, job: &job, namespace: &cluster.namespace, image: &image, started_by: &who };
        let manifest = render::run_job(&templates, &req, &info)?;
        ctx.term.note(format!("using {image_note}"));
        let pp = PostParams::default();
        match retry(|| jobs.create(&pp, &manifest)).await {
            Ok(_) => {}
            // Created by an earlier try whose answer was lost: the name is deterministic, so
            // this is the same run.
            Err(e) if cluster::status_code(&e) == Some(409) => {
                let found = retry(|| jobs.get(&info.name)).await.map_err(|e| explain(e, "reading the run"))?;
                let ours = found.metadata.labels.as_ref().and_then(|l| l.get(&format!("{PREFIX}/project"))) == Some(&project.name);
                if !ours {
                    return Err(Error::environment(
                        format!("a Job named {} exists in namespace {} and was not made by this project", info.name, cluster.namespace),
                        Some("rename the job in etl.yaml or use another namespace".into()),
                    ));
                }
            }
            Err(e) => return Err(explain(e, &format!("creating run {}", info.name))),
        }
        let record = LastRun { run: info.name.clone(), namespace: cluster.namespace.clone(), context: cluster.context.clone() };
        crate::state::write_atomic(&last_run_file(&project)?, &serde_json::to_string(&record).expect("serializes"))?;
        ctx.term.note(format!("started run {} (attempt {attempt})", info.name));
        super::write_stdout(&format!("{}\n", info.name))?;
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
    let mut target = target(&args.cluster);
    let run = match args.run {
        Some(r) => r,
        None => {
            let file = last_run_file(&project)?;
            let text = std::fs::read_to_string(&file).map_err(|_| {
                Error::usage(
                    "no run scheduled from this machine yet: which run?",
                    "`etl runs` lists them; then `etl jobs follow RUN`",
                )
            })?;
            let last: LastRun = serde_json::from_str(&text)
                .map_err(|e| Error::io(&file, std::io::Error::other(e)))?;
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
        while let Some(update) = rx.recv().await {
            match update {
                Update::Line { pod, line } => {
                    pods.insert(pod.clone());
                    // With retries there is more than one pod: say whose line it is.
                    let text = if pods.len() > 1 {
                        format!("[{}] {line}\n", pod_short(run, &pod))
                    } else {
                        format!("{line}\n")
                    };
                    super::write_stdout(&text).ok();
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
    let (state, reason) = outcome?;
    match state {
        RunState::Succeeded => {
            ctx.term.note(format!("run {run} succeeded"));
            Ok(ExitCode::SUCCESS)
        }
        RunState::Cancelled => Err(Error::Failed(format!(
            "run {run} was {}",
            reason.unwrap_or_else(|| "cancelled".into())
        ))),
        _ => Err(Error::Failed(format!(
            "run {run} failed{}",
            reason.map(|r| format!(": {r}")).unwrap_or_default()
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
        let cluster = cluster::connect(&project, &target(&args.cluster)).await?;
        ctx.term.note(format!(
            "context {}, namespace {}",
            cluster.context, cluster.namespace
        ));
        let jobs: Api<Job> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let run = &args.run;
        let Some(job) = retry(|| jobs.get_opt(run))
            .await
            .map_err(|e| explain(e, &format!("reading run {run}")))?
        else {
            return Err(Error::usage(
                format!("there is no run `{run}` in namespace {}", cluster.namespace),
                "`etl runs` lists the runs",
            ));
        };
        let project_label = job
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(&format!("{PREFIX}/project")));
        if project_label != Some(&project.name) {
            return Err(Error::usage(
                format!("{run} is not a run of project {}", project.name),
                "`etl runs` lists this project's runs",
            ));
        }
        let state = run::state(&job);
        if state.is_finished() {
            ctx.term
                .note(format!("run {run} has already ended: {state}"));
            return Ok(ExitCode::SUCCESS);
        }
        if !args.yes {
            if !ctx.term.interactive {
                return Err(Error::usage(
                    format!("cancelling {run} needs confirmation"),
                    "pass --yes",
                ));
            }
            if !super::confirm(
                &ctx.term,
                &format!("Stop run {run} ({state}) and its pods?"),
            )? {
                return Err(Error::Interrupted);
            }
        }
        // Record the cancel before stopping anything, so whatever happens next the run reads
        // as Cancelled, by whom. Suspending makes the Job controller stop its pods and start
        // no new ones; the Job itself stays, as the run's record.
        let who = started_by();
        let patch = serde_json::json!({
            "metadata": {"annotations": {
                run::cancelled_by_annotation(): who,
                run::cancelled_at_annotation(): jiff::Timestamp::now().to_string(),
            }},
            "spec": {"suspend": true},
        });
        let (params, merge) = (PatchParams::default(), Patch::Merge(&patch));
        retry(|| jobs.patch(run, &params, &merge))
            .await
            .map_err(|e| explain(e, &format!("cancelling run {run}")))?;
        // Delete the pods too rather than trusting every controller version to do it, and
        // wait until they are gone: no orphans.
        let lp = ListParams::default().labels(&format!("job-name={run}"));
        let dp = DeleteParams::background();
        retry(|| pods.delete_collection(&dp, &lp))
            .await
            .map_err(|e| explain(e, &format!("stopping the pods of {run}")))?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let left = retry(|| pods.list(&lp))
                .await
                .map_err(|e| explain(e, "listing the run's pods"))?;
            if left.items.is_empty() {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                ctx.term.warn(format!(
                    "{} pod(s) of {run} are still stopping; they will be gone shortly",
                    left.items.len()
                ));
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        ctx.term.note(format!("cancelled run {run}"));
        super::write_stdout(&format!("{run}\n"))
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
