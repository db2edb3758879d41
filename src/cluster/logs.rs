//! A run's logs after the fact (`etl logs`): its pods, oldest first, and each one's log, read
//! once (following a run as it goes is `follow`). I/O.

use super::{Cluster, explain, retry};
use crate::error::{Error, Result};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};

fn pods(cluster: &Cluster) -> Api<Pod> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

/// The pods of `run`, oldest first: the order its attempts ran.
pub async fn run_pods(cluster: &Cluster, run: &str) -> Result<Vec<Pod>> {
    let api = pods(cluster);
    let lp = ListParams::default().labels(&format!("job-name={run}"));
    let mut list = retry(|| api.list(&lp))
        .await
        .map_err(|e| explain(e, &format!("listing the pods of {run}")))?
        .items;
    list.sort_by(|a, b| {
        (&a.metadata.creation_timestamp, &a.metadata.name)
            .cmp(&(&b.metadata.creation_timestamp, &b.metadata.name))
    });
    Ok(list)
}

/// Whether the Job of `run` is still there.
pub async fn run_exists(cluster: &Cluster, run: &str) -> Result<bool> {
    let jobs: Api<Job> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let job = retry(|| jobs.get_opt(run))
        .await
        .map_err(|e| explain(e, &format!("reading run {run}")))?;
    Ok(job.is_some())
}

/// The whole log of pod `name` (a pod that never started has none yet: an error).
pub async fn pod_log(cluster: &Cluster, name: &str) -> Result<String, Error> {
    let api = pods(cluster);
    let params = LogParams::default();
    retry(|| api.logs(name, &params))
        .await
        .map_err(|e| explain(e, "reading it"))
}
