//! The in-cluster scheduler as the other commands see it: its Lease (who leads, and whether
//! that is fresh), its recent decisions (Events), and the project it reads (its ConfigMap).
//! The scheduler's own API calls are `crate::scheduler`'s. I/O.

use super::{Cluster, explain, retry};
use crate::error::Result;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Event};
use kube::api::{Api, ListParams};

/// The scheduler's Lease `name`, if there is one.
pub async fn lease(cluster: &Cluster, name: &str) -> Result<Option<Lease>> {
    let leases: Api<Lease> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    retry(|| leases.get_opt(name))
        .await
        .map_err(|e| explain(e, &format!("reading Lease {name}")))
}

/// Who holds the Lease `name` while it is fresh: the scheduler running now, if any. Read once,
/// without retrying; a Lease that cannot be read counts as none (this only decides a warning).
pub async fn leader(cluster: &Cluster, name: &str) -> Option<String> {
    let api: Api<Lease> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let lease = api.get_opt(name).await.ok()??;
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
