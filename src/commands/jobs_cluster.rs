//! `etl jobs schedule`, `etl jobs follow`, `etl jobs cancel`: runs in the cluster. A run is a
//! Kubernetes Job with a deterministic name; everything etl knows about it is on the Job.

use super::{Ctx, image_ref, job_with_overrides, pick, started_by, templates, window_spec};
use crate::cli::{CancelArgs, ClusterArgs, FollowArgs, ScheduleArgs};
use crate::cluster::follow::{self, Update};
use crate::cluster::{self, Cluster, Target, explain, retry};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::{self, RunInfo, RunRequest, Trigger};
use crate::run::names::{self, PREFIX};
use crate::run::{self, RunState};
use crate::window::Window;
use crate::window::WindowSpec;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, Secret};
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

/// The annotation that ties a Job to the `etl jobs schedule` that created it.
fn request_id_annotation() -> String {
    format!("{PREFIX}/request-id")
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
    job.metadata.name.as_deref() == Some(creating.run.as_str())
        && job
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(&request_id_annotation()))
            == Some(&creating.request_id)
}

/// Cron runs of `job` that cover `window`. A CronJob cannot label each Job with its window,
/// so the window is worked out from the scheduled time, as `etl runs` does.
fn cron_runs_of_window<'a>(jobs: &'a [Job], window: &Window) -> Vec<&'a Job> {
    jobs.iter()
        .filter(|j| {
            run::cron_window(j).is_some_and(|w| {
                w.start.timestamp() == window.start.timestamp()
                    && w.end.timestamp() == window.end.timestamp()
            })
        })
        .collect()
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
            now: super::now()?,
        },
    )?;
    if args.follow {
        picked.also(["--follow"]);
    }
    let job = job_with_overrides(&project, &picked.job, &picked.overrides)?;
    let window = picked.resolved.clone();
    super::note_local_time(ctx, local_time, &job.timezone);
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
        // Cron runs carry no window labels (one CronJob makes them all): look at the job's
        // cron runs (a few: the CronJob keeps a short history) and work out their windows.
        let cron_lp = ListParams::default().labels(&format!(
            "{PREFIX}/project={},{PREFIX}/job={},{PREFIX}/trigger=cron",
            project.name,
            names::job_label(&job.name)
        ));
        let cron = retry(|| jobs.list(&cron_lp)).await.map_err(|e| explain(e, "listing this job's scheduled runs"))?;
        let mut previous: Vec<&Job> = existing.items.iter().collect();
        previous.extend(cron_runs_of_window(&cron.items, &window));
        previous.sort_by_key(|j| (run::summary(j).attempt, j.metadata.creation_timestamp.clone()));
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
                    if let Some(active) = previous.iter().map(|j| run::summary(j)).find(|s| !s.state.is_finished()) {
                        return Err(Error::usage(
                            format!("the window already has a run that has not ended: {} ({})", active.name, active.state),
                            format!("wait for it (`etl jobs follow {0}`) or stop it (`etl jobs cancel {0}`), then --rerun starts attempt {next}", active.name),
                        ));
                    }
                    let question = format!("{} ({}) already covers this window. Start attempt {next}?", s.name, s.state);
                    let ask = ctx.term.interactive && !args.yes;
                    if !args.rerun && ask && !super::confirm(&ctx.term, &question)? {
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
            check_secrets(&ctx.term, &cluster, &project, &job).await?;
            let req = RunRequest { project: &project, job: &job, namespace: &cluster.namespace, image: &image, started_by: &who };
            let mut manifest = render::run_job(&templates, &req, &info)?;
            let intent = Creating {
                run: info.name.clone(),
                namespace: cluster.namespace.clone(),
                context: cluster.context.clone(),
                request_id: new_request_id(),
            };
            manifest
                .metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(request_id_annotation(), intent.request_id.clone());
            ctx.term.note(format!("using {image_note}"));
            // Written before the create: whatever happens to this process after the request
            // left, the next try knows the Job is its own.
            crate::state::write_atomic(&creating_path, &serde_json::to_string(&intent).expect("serializes"))?;
            let pp = PostParams::default();
            match retry(|| jobs.create(&pp, &manifest)).await {
                Ok(_) => {}
                // Created by an earlier try whose answer was lost (the request id says so), or
                // by someone else between the list above and now.
                Err(e) if cluster::status_code(&e) == Some(409) => {
                    let found = retry(|| jobs.get(&info.name)).await.map_err(|e| explain(e, "reading the run"))?;
                    if !created_by(&found, &intent) {
                        let ours = found.metadata.labels.as_ref().and_then(|l| l.get(&format!("{PREFIX}/project"))) == Some(&project.name);
                        if !ours {
                            return Err(Error::environment(
                                format!("a Job named {} exists in namespace {} and was not made by this project", info.name, cluster.namespace),
                                Some("rename the job in etl.yaml or use another namespace".into()),
                            ));
                        }
                        let s = run::summary(&found);
                        return Err(Error::usage(
                            format!("the window already has a run: {} ({}), started by {} just now", s.name, s.state, s.started_by.as_deref().unwrap_or("someone else")),
                            format!("`etl jobs follow {}` shows it", s.name),
                        ));
                    }
                }
                Err(e) => return Err(explain(e, &format!("creating run {}", info.name))),
            }
        }
        let record = LastRun { run: info.name.clone(), namespace: cluster.namespace.clone(), context: cluster.context.clone() };
        crate::state::write_atomic(&last_run_file(&project)?, &serde_json::to_string(&record).expect("serializes"))?;
        // The answer is in: nothing is left to recognise.
        let _ = std::fs::remove_file(&creating_path);
        if created {
            ctx.term.note(format!("started run {} (attempt {})", info.name, info.attempt));
        }
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

/// Refuses to start a run whose Secrets are missing in the namespace (or lack a key): its pod
/// would sit in CreateContainerConfigError until someone noticed. A Role that may not read
/// Secrets cannot check; etl says so and goes on.
async fn check_secrets(
    term: &crate::term::Term,
    cluster: &Cluster,
    project: &Project,
    job: &crate::project::Job,
) -> Result<()> {
    let secrets: Api<Secret> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    for name in &job.secrets {
        let secret_name = names::secret_name(&project.name, name);
        let found = match retry(|| secrets.get_opt(&secret_name)).await {
            Ok(found) => found,
            Err(e) if cluster::status_code(&e) == Some(403) => {
                term.warn(format!(
                    "cannot check that secret {secret_name} exists (no permission to read Secrets); if it is missing, the run's pod will wait for it"
                ));
                continue;
            }
            Err(e) => return Err(explain(e, &format!("reading secret {secret_name}"))),
        };
        let hint = format!(
            "`etl deploy {}` creates it from your env vars or the secret's dotenv file",
            job.name
        );
        let Some(found) = found else {
            return Err(Error::environment(
                format!(
                    "job {} needs secret {secret_name} (etl.yaml: secrets.{name}), which is not in namespace {}; no run was started",
                    job.name, cluster.namespace
                ),
                Some(hint),
            ));
        };
        let has = |k: &String| {
            found.data.as_ref().is_some_and(|d| d.contains_key(k))
                || found
                    .string_data
                    .as_ref()
                    .is_some_and(|d| d.contains_key(k))
        };
        let missing: Vec<&str> = project.secrets[name]
            .keys
            .iter()
            .filter(|k| !has(k))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Error::environment(
                format!(
                    "secret {secret_name} in namespace {} lacks {}; no run was started",
                    cluster.namespace,
                    missing.join(", ")
                ),
                Some(hint),
            ));
        }
    }
    Ok(())
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
                super::write_stdout(&out).ok();
                out.clear();
            }
        }
        if !out.is_empty() {
            super::write_stdout(&out).ok();
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
        super::confirm_or_yes(
            &ctx.term,
            args.yes,
            &format!("cancelling {run}"),
            &format!("Stop run {run} ({state}) and its pods?"),
        )?;
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
        let cancelled = retry(|| jobs.patch(run, &params, &merge))
            .await
            .map_err(|e| explain(e, &format!("cancelling run {run}")))?;
        super::history::record_ended(ctx, &cluster, &project, &cancelled).await;
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
