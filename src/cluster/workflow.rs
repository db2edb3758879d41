//! Workflow runs in the cluster: creating one (its ConfigMap, then its tasks' Jobs owned by
//! it), reading them back, the few writes that move a run forward or cancel it, and deleting
//! an expired one. `config_maps` and `jobs` are for the scheduler's watches. Every write is
//! idempotent — a merge patch, or a create with a deterministic name where 409 means "already
//! done" — so the CLI and the scheduler can be killed anywhere and simply run again. I/O.

use super::{Cluster, explain, retry, status_code};
use crate::error::{Error, Result};
use crate::run::names::PREFIX;
use crate::run::workflow::{
    self as wrun, TaskEntry, WORKFLOW_RUN_KIND, WorkflowRun, finished_at_annotation, kind_label,
    state_label, task_state_annotation, workflow_label, workflow_run_label,
};
use crate::workflow::{RunOutcome, TaskState};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Event, ObjectReference, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference, Time};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, PropagationPolicy};
use serde_json::json;
use std::time::Duration;

pub fn config_maps(cluster: &Cluster) -> Api<ConfigMap> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

pub fn jobs(cluster: &Cluster) -> Api<Job> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

/// The selector of a project's workflow runs (of one workflow, if given).
pub fn runs_selector(project: &str, workflow: Option<&str>) -> String {
    let mut s = format!(
        "{PREFIX}/project={project},{}={WORKFLOW_RUN_KIND}",
        kind_label()
    );
    if let Some(w) = workflow {
        s.push_str(&format!(",{}={w}", workflow_label()));
    }
    s
}

/// The selector of the Jobs of a project's workflow runs (of one run, if given).
pub fn task_jobs_selector(project: &str, run: Option<&str>) -> String {
    match run {
        Some(r) => format!("{PREFIX}/project={project},{}={r}", workflow_run_label()),
        None => format!("{PREFIX}/project={project},{}", workflow_run_label()),
    }
}

/// What [`create_run`] found or made.
pub struct Created {
    pub config_map: ConfigMap,
    /// False when the run already existed (an earlier, interrupted try, or someone else).
    pub new: bool,
    /// Task Jobs created now (the others existed).
    pub jobs_created: usize,
}

/// The ownerReference that ties a task Job to its run.
pub fn run_owner(run: &WorkflowRun) -> Option<OwnerReference> {
    owner(&run.name, run.uid.clone()?)
}

/// The ConfigMap `name` (with `uid`) as a Job's controlling owner.
fn owner(name: &str, uid: String) -> Option<OwnerReference> {
    Some(OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: name.to_string(),
        uid,
        controller: Some(true),
        block_owner_deletion: Some(true),
    })
}

/// Creates the run: the ConfigMap first, then each task's Job owned by it (deleting the run
/// deletes everything). Run again after any interruption it finishes the job: an existing
/// ConfigMap or Job (409) is taken as created, as long as it belongs to `project`.
pub async fn create_run(
    cluster: &Cluster,
    project: &str,
    config_map: &ConfigMap,
    task_jobs: &[Job],
) -> Result<Created> {
    let cms = config_maps(cluster);
    let name = config_map.metadata.name.clone().unwrap_or_default();
    let pp = PostParams::default();
    let (cm, new) = match retry(|| cms.create(&pp, config_map)).await {
        Ok(cm) => (cm, true),
        Err(e) if status_code(&e) == Some(409) => {
            let found = retry(|| cms.get(&name))
                .await
                .map_err(|e| explain(e, &format!("reading workflow run {name}")))?;
            check_ours(&found.metadata, project, &name, &cluster.namespace)?;
            (found, false)
        }
        Err(e) => return Err(explain(e, &format!("creating workflow run {name}"))),
    };
    let owner = cm.metadata.uid.clone().and_then(|uid| owner(&name, uid));
    let created = create_jobs(cluster, project, owner, task_jobs).await?;
    Ok(Created {
        config_map: cm,
        new,
        jobs_created: created,
    })
}

/// Creates task Jobs owned by the run; an existing one (409) counts as created.
pub async fn create_jobs(
    cluster: &Cluster,
    project: &str,
    owner: Option<OwnerReference>,
    task_jobs: &[Job],
) -> Result<usize> {
    let api = jobs(cluster);
    let pp = PostParams::default();
    let mut created = 0;
    for job in task_jobs {
        let mut job = job.clone();
        job.metadata.owner_references = owner.clone().map(|o| vec![o]);
        let jname = job.metadata.name.clone().unwrap_or_default();
        match retry(|| api.create(&pp, &job)).await {
            Ok(_) => created += 1,
            Err(e) if status_code(&e) == Some(409) => {
                let found = retry(|| api.get(&jname))
                    .await
                    .map_err(|e| explain(e, &format!("reading task run {jname}")))?;
                check_ours(&found.metadata, project, &jname, &cluster.namespace)?;
            }
            Err(e) => return Err(explain(e, &format!("creating task run {jname}"))),
        }
    }
    Ok(created)
}

fn check_ours(meta: &ObjectMeta, project: &str, name: &str, namespace: &str) -> Result<()> {
    if super::is_ours(meta, project) {
        Ok(())
    } else {
        Err(Error::environment(
            format!(
                "an object named {name} exists in namespace {namespace} and was not made by project {project}"
            ),
            Some("rename the workflow in etl.yaml or use another namespace".into()),
        ))
    }
}

/// One workflow run and its task Jobs, or None if there is no such run.
pub async fn get_run(
    cluster: &Cluster,
    project: &str,
    name: &str,
) -> Result<Option<(WorkflowRun, Vec<Job>)>> {
    let cms = config_maps(cluster);
    let Some(cm) = retry(|| cms.get_opt(name))
        .await
        .map_err(|e| explain(e, &format!("reading workflow run {name}")))?
    else {
        return Ok(None);
    };
    let run = wrun::read(&cm).map_err(|e| Error::environment(e.to_string(), None))?;
    if run.project != project {
        return Ok(None);
    }
    let lp = ListParams::default().labels(&task_jobs_selector(project, Some(name)));
    let api = jobs(cluster);
    let js = retry(|| api.list(&lp))
        .await
        .map_err(|e| explain(e, &format!("listing the tasks of {name}")))?;
    Ok(Some((run, js.items)))
}

/// The project's workflow runs (of one workflow, if given), oldest first.
pub async fn list_runs(
    cluster: &Cluster,
    project: &str,
    workflow: Option<&str>,
) -> Result<Vec<WorkflowRun>> {
    let lp = ListParams::default().labels(&runs_selector(project, workflow));
    let cms = config_maps(cluster);
    let list = retry(|| cms.list(&lp))
        .await
        .map_err(|e| explain(e, "listing workflow runs"))?;
    let mut runs: Vec<WorkflowRun> = list
        .items
        .iter()
        .filter_map(|c| wrun::read(c).ok())
        .collect();
    runs.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
    Ok(runs)
}

/// The Jobs of all of a project's workflow runs.
pub async fn list_task_jobs(cluster: &Cluster, project: &str) -> Result<Vec<Job>> {
    let lp = ListParams::default().labels(&task_jobs_selector(project, None));
    let api = jobs(cluster);
    Ok(retry(|| api.list(&lp))
        .await
        .map_err(|e| explain(e, "listing workflow tasks"))?
        .items)
}

async fn merge_patch<K>(
    api: &Api<K>,
    name: &str,
    patch: &serde_json::Value,
) -> Result<K, kube::Error>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let params = PatchParams::default();
    let merge = Patch::Merge(patch);
    retry(|| api.patch(name, &params, &merge)).await
}

// The writes that move a run forward. Each returns the object as the server has it now, so
// the caller can act on it before its watch catches up. The ones the scheduler makes return
// kube's own error: the scheduler decides what a failure means (404: the object is gone,
// nothing left to move; anything else: the pass again). Transient errors are retried.

/// Lets a waiting task's Job start.
pub async fn start_task(cluster: &Cluster, name: &str) -> Result<Job, kube::Error> {
    let patch = json!({
        "metadata": {"annotations": {task_state_annotation(): null}},
        "spec": {"suspend": false},
    });
    merge_patch(&jobs(cluster), name, &patch).await
}

/// Marks a waiting task SCHEDULED or UPSTREAM_FAILED (its Job stays suspended).
pub async fn mark_task(
    cluster: &Cluster,
    name: &str,
    state: TaskState,
) -> Result<Job, kube::Error> {
    let patch = json!({"metadata": {"annotations": {task_state_annotation(): state.as_str()}}});
    merge_patch(&jobs(cluster), name, &patch).await
}

/// Cancels a task: recorded first (who, when), then suspended so the Job controller stops its
/// pods and starts none. The Job stays, as the record.
pub async fn cancel_task(
    cluster: &Cluster,
    name: &str,
    who: &str,
    at: jiff::Timestamp,
) -> Result<Job, kube::Error> {
    let patch = json!({
        "metadata": {"annotations": {
            crate::run::cancelled_by_annotation(): who,
            crate::run::cancelled_at_annotation(): at.to_string(),
        }},
        "spec": {"suspend": true},
    });
    merge_patch(&jobs(cluster), name, &patch).await
}

/// Cancels each of `tasks` ([`cancel_task`]), as `etl workflows cancel` does: a task whose
/// Job is gone already (404) needs nothing more.
pub async fn cancel_tasks(
    cluster: &Cluster,
    tasks: &[&TaskEntry],
    who: &str,
    at: jiff::Timestamp,
) -> Result<()> {
    for t in tasks {
        match cancel_task(cluster, &t.run, who, at).await {
            Ok(_) => {}
            Err(e) if status_code(&e) == Some(404) => {}
            Err(e) => return Err(explain(e, &format!("stopping task {}", t.task))),
        }
    }
    Ok(())
}

/// Records a retry on the run `name`: its DAG snapshot with the new attempts (`dag`, JSON),
/// and no end state or cancel any more, so the run reads (and is driven) as running again.
/// Written before any new Job exists; a merge patch, so idempotent and retried.
pub async fn record_retry(cluster: &Cluster, name: &str, dag: String) -> Result<ConfigMap> {
    let patch = json!({
        "metadata": {
            "labels": {state_label(): null},
            "annotations": {
                finished_at_annotation(): null,
                crate::run::cancelled_by_annotation(): null,
                crate::run::cancelled_at_annotation(): null,
            },
        },
        "data": {crate::run::workflow::DAG_KEY: dag},
    });
    merge_patch(&config_maps(cluster), name, &patch)
        .await
        .map_err(|e| explain(e, &format!("recording the retry on {name}")))
}

/// Writes a run's outcome on its ConfigMap, once, for cheap listings.
pub async fn finish_run(
    cluster: &Cluster,
    name: &str,
    outcome: RunOutcome,
    at: jiff::Timestamp,
) -> Result<ConfigMap, kube::Error> {
    let patch = json!({
        "metadata": {
            "labels": {state_label(): outcome.as_str()},
            "annotations": {finished_at_annotation(): at.to_string()},
        },
    });
    merge_patch(&config_maps(cluster), name, &patch).await
}

/// Writes CANCELLED as the end of the run `name` ([`finish_run`]), for `etl workflows cancel`
/// once its tasks are stopped.
pub async fn finish_cancelled(
    cluster: &Cluster,
    name: &str,
    at: jiff::Timestamp,
) -> Result<ConfigMap> {
    finish_run(cluster, name, RunOutcome::Cancelled, at)
        .await
        .map_err(|e| explain(e, &format!("recording the end of {name}")))
}

/// Records that a run was asked to stop (who, when). The tasks are stopped by the caller
/// ([`cancel_tasks`]). A merge patch: idempotent, retried.
pub async fn mark_cancelled(
    cluster: &Cluster,
    name: &str,
    who: &str,
    at: jiff::Timestamp,
) -> Result<ConfigMap> {
    let patch = json!({"metadata": {"annotations": {
        crate::run::cancelled_by_annotation(): who,
        crate::run::cancelled_at_annotation(): at.to_string(),
    }}});
    merge_patch(&config_maps(cluster), name, &patch)
        .await
        .map_err(|e| explain(e, &format!("cancelling {name}")))
}

/// Deletes the run `name`, and with it (Background propagation: its dependents) its task
/// Jobs, as a finished Job's TTL would. Not retried; a 404 is the caller's to judge.
pub async fn delete_run(cluster: &Cluster, name: &str) -> Result<(), kube::Error> {
    let params = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Background),
        ..DeleteParams::default()
    };
    config_maps(cluster).delete(name, &params).await.map(|_| ())
}

/// Deletes the pods of the given Jobs and waits (up to a minute) until none is left, so a
/// cancel leaves nothing running. Returns how many were still stopping at the deadline.
pub async fn stop_pods(cluster: &Cluster, job_names: &[String]) -> Result<usize> {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let dp = DeleteParams::background();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut left = 0;
        for name in job_names {
            let lp = ListParams::default().labels(&format!("job-name={name}"));
            let found = retry(|| pods.list(&lp))
                .await
                .map_err(|e| explain(e, &format!("listing the pods of {name}")))?;
            if !found.items.is_empty() {
                left += found.items.len();
                retry(|| pods.delete_collection(&dp, &lp))
                    .await
                    .map_err(|e| explain(e, &format!("stopping the pods of {name}")))?;
            }
        }
        if left == 0 || tokio::time::Instant::now() > deadline {
            return Ok(left);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Records a Kubernetes Event on a workflow run, so `kubectl describe configmap RUN` tells
/// its story. Best effort: a run never waits on its own history.
pub async fn record_event(
    cluster: &Cluster,
    run: &str,
    uid: Option<&str>,
    kind: &str,
    reason: &str,
    message: &str,
    component: &str,
) {
    let now = jiff::Timestamp::now();
    let event = Event {
        metadata: ObjectMeta {
            name: Some(format!("{run}.{:x}", now.as_nanosecond())),
            namespace: Some(cluster.namespace.clone()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("ConfigMap".into()),
            name: Some(run.into()),
            namespace: Some(cluster.namespace.clone()),
            uid: uid.map(str::to_string),
            ..ObjectReference::default()
        },
        reason: Some(reason.into()),
        message: Some(message.into()),
        type_: Some(kind.into()),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        event_time: Some(MicroTime(now)),
        count: Some(1),
        reporting_component: Some(component.into()),
        reporting_instance: Some(component.into()),
        action: Some(reason.into()),
        source: Some(k8s_openapi::api::core::v1::EventSource {
            component: Some(component.into()),
            host: None,
        }),
        ..Event::default()
    };
    let api: Api<Event> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let _ = api.create(&PostParams::default(), &event).await;
}
