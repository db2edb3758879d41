//! One-off job runs in the cluster (`etl jobs schedule|cancel`): the runs of a window, creating
//! a run (a Job with a deterministic name; a 409 is taken as created when the request id on
//! the Job says it is this request's), checking its Secrets, and cancelling it. I/O.

use super::{Cluster, explain, retry, status_code};
use crate::error::{Error, Result};
use crate::project::{Job as JobSpec, Project};
use crate::run;
use crate::run::names::{self, PREFIX};
use crate::window::Window;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use std::time::Duration;

fn jobs(cluster: &Cluster) -> Api<Job> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

/// The annotation that ties a Job to the `etl jobs schedule` that created it.
pub fn request_id_annotation() -> String {
    format!("{PREFIX}/request-id")
}

/// Whether `job` is the run `run` that the request `request_id` created.
pub fn created_by(job: &Job, run: &str, request_id: &str) -> bool {
    job.metadata.name.as_deref() == Some(run)
        && job
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(&request_id_annotation()))
            .map(String::as_str)
            == Some(request_id)
}

/// Cron runs of `job` that cover `window`. A CronJob cannot label each Job with its window,
/// so the window is worked out from the scheduled time, as `etl runs` does.
fn cron_runs_of_window(jobs: Vec<Job>, window: &Window) -> impl Iterator<Item = Job> + '_ {
    jobs.into_iter().filter(|j| {
        run::cron_window(j).is_some_and(|w| {
            w.start.timestamp() == window.start.timestamp()
                && w.end.timestamp() == window.end.timestamp()
        })
    })
}

/// The label selector of every attempt at one job's window.
fn window_selector(project: &str, job: &str, w: &Window) -> String {
    format!(
        "{PREFIX}/project={project},{PREFIX}/job={},{PREFIX}/window-start={},{PREFIX}/window-end={}",
        names::job_label(job),
        names::instant_label(&w.start),
        names::instant_label(&w.end)
    )
}

/// Each Job that `selector` picks (a project's runs), a page at a time (`list::each_job`).
pub async fn each_run(cluster: &Cluster, selector: &str, each: impl FnMut(Job)) -> Result<()> {
    super::list::each_job(cluster, selector, each)
        .await
        .map_err(|e| explain(e, "listing runs"))
}

/// Every run of `job`'s `window`, manual and cron, oldest attempt first.
pub async fn window_runs(
    cluster: &Cluster,
    project: &str,
    job: &str,
    window: &Window,
) -> Result<Vec<Job>> {
    let api = jobs(cluster);
    let lp = ListParams::default().labels(&window_selector(project, job, window));
    let existing = retry(|| api.list(&lp))
        .await
        .map_err(|e| explain(e, "listing this window's runs"))?;
    // Cron runs carry no window labels (one CronJob makes them all): look at the job's
    // cron runs (a few: the CronJob keeps a short history) and work out their windows.
    let cron_lp = ListParams::default().labels(&format!(
        "{PREFIX}/project={project},{PREFIX}/job={},{PREFIX}/trigger=cron",
        names::job_label(job)
    ));
    let cron = retry(|| api.list(&cron_lp))
        .await
        .map_err(|e| explain(e, "listing this job's scheduled runs"))?;
    let mut previous = existing.items;
    previous.extend(cron_runs_of_window(cron.items, window));
    previous.sort_by_key(|j| {
        (
            run::summary(j).attempt,
            j.metadata.creation_timestamp.clone(),
        )
    });
    Ok(previous)
}

/// Creates the run `manifest`, marked with `request_id`. A 409 is success when the Job there
/// is this request's (an earlier try whose answer was lost); otherwise it is someone else's
/// run, or not a run of `project` at all, and an error says which. Retried on transient errors.
pub async fn create_run(
    cluster: &Cluster,
    project: &str,
    manifest: &Job,
    request_id: &str,
) -> Result<()> {
    let api = jobs(cluster);
    let name = manifest.metadata.name.clone().unwrap_or_default();
    let mut manifest = manifest.clone();
    manifest
        .metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert(request_id_annotation(), request_id.to_string());
    let pp = PostParams::default();
    match retry(|| api.create(&pp, &manifest)).await {
        Ok(_) => Ok(()),
        // Created by an earlier try whose answer was lost (the request id says so), or
        // by someone else between the caller's list and now.
        Err(e) if status_code(&e) == Some(409) => {
            let found = retry(|| api.get(&name))
                .await
                .map_err(|e| explain(e, "reading the run"))?;
            if created_by(&found, &name, request_id) {
                return Ok(());
            }
            if !super::is_ours(&found.metadata, project) {
                return Err(Error::environment(
                    format!(
                        "a Job named {name} exists in namespace {} and was not made by this project",
                        cluster.namespace
                    ),
                    Some("rename the job in etl.yaml or use another namespace".into()),
                ));
            }
            let s = run::summary(&found);
            Err(Error::usage(
                format!(
                    "the window already has a run: {} ({}), started by {} just now",
                    s.name,
                    s.state,
                    s.started_by.as_deref().unwrap_or("someone else")
                ),
                format!("`etl jobs follow {}` shows it", s.name),
            ))
        }
        Err(e) => Err(explain(e, &format!("creating run {name}"))),
    }
}

/// Refuses to start a run whose Secrets are missing in the namespace (or lack a key): its pod
/// would sit in CreateContainerConfigError until someone noticed. A Role that may not read
/// Secrets cannot check; etl says so (on `term`) and goes on.
pub async fn check_secrets(
    term: &crate::term::Term,
    cluster: &Cluster,
    project: &Project,
    job: &JobSpec,
) -> Result<()> {
    let secrets: Api<Secret> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    for name in &job.secrets {
        let secret_name = names::secret_name(&project.name, name);
        let found = match retry(|| secrets.get_opt(&secret_name)).await {
            Ok(found) => found,
            Err(e) if status_code(&e) == Some(403) => {
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

/// The run `run` of `project`: an error if there is none, or if the Job of that name is not
/// one of the project's runs.
pub async fn get_run(cluster: &Cluster, project: &str, run: &str) -> Result<Job> {
    let api = jobs(cluster);
    let Some(job) = retry(|| api.get_opt(run))
        .await
        .map_err(|e| explain(e, &format!("reading run {run}")))?
    else {
        return Err(Error::usage(
            format!("there is no run `{run}` in namespace {}", cluster.namespace),
            "`etl runs` lists the runs",
        ));
    };
    if !super::is_ours(&job.metadata, project) {
        return Err(Error::usage(
            format!("{run} is not a run of project {project}"),
            "`etl runs` lists this project's runs",
        ));
    }
    Ok(job)
}

/// Marks `run` cancelled by `who` at `at` and suspends it, so the Job controller stops its
/// pods and starts no new ones; the Job itself stays, as the run's record. A merge patch:
/// idempotent, retried on transient errors. Returns the Job as patched.
pub async fn suspend(cluster: &Cluster, run: &str, who: &str, at: jiff::Timestamp) -> Result<Job> {
    let api = jobs(cluster);
    let patch = serde_json::json!({
        "metadata": {"annotations": {
            run::cancelled_by_annotation(): who,
            run::cancelled_at_annotation(): at.to_string(),
        }},
        "spec": {"suspend": true},
    });
    let (params, merge) = (PatchParams::default(), Patch::Merge(&patch));
    retry(|| api.patch(run, &params, &merge))
        .await
        .map_err(|e| explain(e, &format!("cancelling run {run}")))
}

/// Deletes the pods of `run` (rather than trusting every controller version to do it) and
/// waits up to `timeout` until they are gone. Returns how many are still stopping then (0:
/// none left, no orphans).
pub async fn stop_pods(cluster: &Cluster, run: &str, timeout: Duration) -> Result<usize> {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let lp = ListParams::default().labels(&format!("job-name={run}"));
    let dp = DeleteParams::background();
    retry(|| pods.delete_collection(&dp, &lp))
        .await
        .map_err(|e| explain(e, &format!("stopping the pods of {run}")))?;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let left = retry(|| pods.list(&lp))
            .await
            .map_err(|e| explain(e, "listing the run's pods"))?;
        if left.items.is_empty() {
            return Ok(0);
        }
        if tokio::time::Instant::now() > deadline {
            return Ok(left.items.len());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
