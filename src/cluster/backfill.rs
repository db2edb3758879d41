//! Cluster backfills (`etl backfill`): the backfill's ConfigMap (created once per arguments: a
//! 409 is the same backfill, made earlier), reading it, marking it cancelled, and listing the
//! runs labelled with it; and the scheduler's writes for it: its job runs, its end, its
//! deletion once expired. I/O.

use super::{Cluster, explain, retry, status_code};
use crate::error::Result;
use crate::history::backfill as bf;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, PropagationPolicy};

fn config_maps(cluster: &Cluster) -> Api<ConfigMap> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

/// Creates the backfill `cm`: true if created now, false if it existed (the same arguments
/// again: the backfill an earlier command made, never a second one). Retried on transient
/// errors.
pub async fn create(cluster: &Cluster, cm: &ConfigMap) -> Result<bool> {
    let api = config_maps(cluster);
    let name = cm.metadata.name.clone().unwrap_or_default();
    let post = PostParams::default();
    match retry(|| api.create(&post, cm)).await {
        Ok(_) => Ok(true),
        Err(e) if status_code(&e) == Some(409) => Ok(false),
        Err(e) => Err(explain(e, &format!("creating backfill {name}"))),
    }
}

/// The backfill `name`'s ConfigMap, if there is one.
pub async fn get(cluster: &Cluster, name: &str) -> Result<Option<ConfigMap>> {
    let api = config_maps(cluster);
    retry(|| api.get_opt(name))
        .await
        .map_err(|e| explain(e, &format!("reading backfill {name}")))
}

/// Marks the backfill cancelled by `who` at `at`: the scheduler starts nothing more for it
/// from then on. A merge patch: idempotent, retried.
pub async fn mark_cancelled(
    cluster: &Cluster,
    name: &str,
    who: &str,
    at: jiff::Timestamp,
) -> Result<()> {
    let patch = serde_json::json!({"metadata": {"annotations": {
        bf::cancelled_by_annotation(): who,
        bf::cancelled_at_annotation(): at.to_string(),
    }}});
    let api = config_maps(cluster);
    let (params, merge) = (PatchParams::default(), Patch::Merge(&patch));
    retry(|| api.patch(name, &params, &merge))
        .await
        .map_err(|e| explain(e, &format!("cancelling backfill {name}")))?;
    Ok(())
}

// The scheduler's writes: each returns kube's own error, for the scheduler to judge (404:
// gone, nothing left to do; anything else: the pass again). Not retried.

/// Writes the backfill's end (`state`, a run state's name) and when, on its ConfigMap, once.
pub async fn finish(
    cluster: &Cluster,
    name: &str,
    state: &str,
    at: jiff::Timestamp,
) -> Result<ConfigMap, kube::Error> {
    let patch = serde_json::json!({"metadata": {
        "labels": {crate::run::workflow::state_label(): state},
        "annotations": {crate::run::workflow::finished_at_annotation(): at.to_string()},
    }});
    config_maps(cluster)
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
}

/// Creates one run of a job backfill, a Job with a deterministic name: None if it existed
/// (409: started before).
pub async fn create_job_run(cluster: &Cluster, job: &Job) -> Result<Option<Job>, kube::Error> {
    let api: Api<Job> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    match api.create(&PostParams::default(), job).await {
        Ok(j) => Ok(Some(j)),
        Err(e) if status_code(&e) == Some(409) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Deletes the finished backfill `name` (its ConfigMap; its runs are not its dependents).
/// Not retried; a 404 is the caller's to judge.
pub async fn delete(cluster: &Cluster, name: &str) -> Result<(), kube::Error> {
    let params = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Background),
        ..DeleteParams::default()
    };
    config_maps(cluster).delete(name, &params).await.map(|_| ())
}

/// The workflow runs (their ConfigMaps) that `selector` picks: a workflow backfill's runs.
pub async fn workflow_runs(cluster: &Cluster, selector: &str) -> Result<Vec<ConfigMap>> {
    let api = config_maps(cluster);
    let lp = ListParams::default().labels(selector);
    Ok(retry(|| api.list(&lp))
        .await
        .map_err(|e| explain(e, "listing the backfill's runs"))?
        .items)
}

/// Each Job that `selector` picks (a job backfill's runs), a page at a time.
pub async fn each_job_run(cluster: &Cluster, selector: &str, each: impl FnMut(Job)) -> Result<()> {
    super::list::each_job(cluster, selector, each)
        .await
        .map_err(|e| explain(e, "listing the backfill's runs"))
}
