//! The in-cluster scheduler as the other commands see it: its Lease (who leads, and whether
//! that is fresh), its recent decisions (Events), and the project it reads (its ConfigMap).
//! And the Lease calls the scheduler itself makes to lead (`crate::scheduler::lease` decides).
//! I/O.

use super::{Cluster, explain, retry, status_code};
use crate::error::Result;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Event};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};

fn leases(cluster: &Cluster) -> Api<Lease> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

/// The scheduler's Lease `name`, if there is one.
pub async fn lease(cluster: &Cluster, name: &str) -> Result<Option<Lease>> {
    let leases = leases(cluster);
    retry(|| leases.get_opt(name))
        .await
        .map_err(|e| explain(e, &format!("reading Lease {name}")))
}

/// Who holds the Lease `name` while it is fresh: the scheduler running now, if any. Read once,
/// without retrying; a Lease that cannot be read counts as none (this only decides a warning).
pub async fn leader(cluster: &Cluster, name: &str) -> Option<String> {
    let lease = lease_once(cluster, name).await.ok()??;
    let spec = lease.spec?;
    let holder = spec.holder_identity.filter(|h| !h.is_empty())?;
    let renewed = spec.renew_time?.0;
    let lasts =
        jiff::SignedDuration::from_secs(i64::from(spec.lease_duration_seconds.unwrap_or(15)));
    (renewed + lasts >= jiff::Timestamp::now()).then_some(holder)
}

/// Every Event in the namespace (the caller picks the scheduler's).
pub async fn events(cluster: &Cluster) -> Result<Vec<Event>> {
    let events: Api<Event> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let all = ListParams::default();
    Ok(retry(|| events.list(&all))
        .await
        .map_err(|e| explain(e, "listing the scheduler's events"))?
        .items)
}

/// The ConfigMap `name` that `etl deploy` put the project in, for the in-cluster scheduler.
pub async fn project_config_map(cluster: &Cluster, name: &str) -> Result<ConfigMap> {
    let api: Api<ConfigMap> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    retry(|| api.get(name))
        .await
        .map_err(|e| explain(e, &format!("reading the project from ConfigMap {name}")))
}

// The scheduler's own Lease calls. None is retried: the Lease loop runs again within a third
// of the Lease's duration, and a renewal that waited on retries would act on a stale reading.
// Errors are kube's own, for the loop to count and log.

/// The Lease `name`, if there is one, read once.
pub async fn lease_once(cluster: &Cluster, name: &str) -> Result<Option<Lease>, kube::Error> {
    leases(cluster).get_opt(name).await
}

/// Creates `lease`: None if one by that name exists already (409: another replica was first).
pub async fn create_lease(cluster: &Cluster, lease: &Lease) -> Result<Option<Lease>, kube::Error> {
    match leases(cluster).create(&PostParams::default(), lease).await {
        Ok(l) => Ok(Some(l)),
        Err(e) if status_code(&e) == Some(409) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replaces the Lease `name` with `lease`, which carries the resourceVersion it was read at:
/// None if it changed since (409: another write came between).
pub async fn replace_lease(
    cluster: &Cluster,
    name: &str,
    lease: &Lease,
) -> Result<Option<Lease>, kube::Error> {
    match leases(cluster)
        .replace(name, &PostParams::default(), lease)
        .await
    {
        Ok(l) => Ok(Some(l)),
        Err(e) if status_code(&e) == Some(409) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Sets the annotation `key` to `value` on the Lease `name` (a merge patch).
pub async fn annotate_lease(
    cluster: &Cluster,
    name: &str,
    key: &str,
    value: &str,
) -> Result<Lease, kube::Error> {
    let patch = serde_json::json!({"metadata": {"annotations": {key: value}}});
    leases(cluster)
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
}
