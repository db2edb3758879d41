//! History in the cluster: writing a run's record into its history ConfigMap (idempotent, so
//! the scheduler and any command that ends a run may all write it), reading every record of a
//! project, and the scheduler's retention writes (records removed, a ConfigMap deleted only as
//! it was read). The objects' shape is `history::store` (pure). I/O.

use super::{Cluster, explain, retry, status_code};
use crate::error::Result;
use crate::history::{Record, store};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, Preconditions};

/// History ConfigMaps per page: one is up to ~150 KB, so a page stays under a couple of MB.
/// Bigger pages are fewer requests but larger answers held at once (and, with mimalloc, freed
/// memory is given back to the system a little later): at 36,500 records, 10 a page kept
/// `etl history` near 40 MiB where 50 a page reached 66 MiB.
const PAGE: u32 = 10;

fn config_maps(cluster: &Cluster) -> Api<ConfigMap> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

/// Writes `r` into its history ConfigMap: a merge patch adding one key, or, when the
/// ConfigMap does not exist yet, a create (a 409 means another writer made it first: patch
/// again). Writing the same record twice leaves one key; a later state of the same run
/// replaces the earlier one. Transient errors are retried (`cluster::retry`).
pub async fn write(cluster: &Cluster, project: &str, r: &Record) -> Result<(), kube::Error> {
    let api = config_maps(cluster);
    let name = store::config_map_name_of(project, r);
    let patch = store::add_patch(project, r);
    let params = PatchParams::default();
    let merge = Patch::Merge(&patch);
    let post = PostParams::default();
    for _ in 0..3 {
        match retry(|| api.patch(&name, &params, &merge)).await {
            Ok(_) => return Ok(()),
            Err(e) if status_code(&e) == Some(404) => {}
            Err(e) => return Err(e),
        }
        let cm = store::config_map(project, &cluster.namespace, r);
        match retry(|| api.create(&post, &cm)).await {
            Ok(_) => return Ok(()),
            Err(e) if status_code(&e) == Some(409) => continue,
            Err(e) => return Err(e),
        }
    }
    // Created and deleted under our feet three times: say what failed last.
    retry(|| api.patch(&name, &params, &merge))
        .await
        .map(|_| ())
}

/// Deletes the history ConfigMap `cm` as it was read, and only that version (its
/// resourceVersion and uid are preconditions): Ok(false) when it changed since (409: a record
/// written meanwhile keeps it). Not retried; a 404 is the caller's to judge.
pub async fn delete_as_read(cluster: &Cluster, cm: &ConfigMap) -> Result<bool, kube::Error> {
    let name = cm.metadata.name.clone().unwrap_or_default();
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: cm.metadata.resource_version.clone(),
            uid: cm.metadata.uid.clone(),
        }),
        ..DeleteParams::default()
    };
    match config_maps(cluster).delete(&name, &params).await {
        Ok(_) => Ok(true),
        Err(e) if status_code(&e) == Some(409) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes the records `keys` from the history ConfigMap `name` (a merge patch: removing a
/// key twice is removing it once). Not retried; a 404 is the caller's to judge.
pub async fn remove_records<'a>(
    cluster: &Cluster,
    name: &str,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<ConfigMap, kube::Error> {
    let patch = store::remove_patch(keys);
    config_maps(cluster)
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
}

/// [`write`] for a command that just ended a run: the failure explained, for a warning (the
/// run did end; a scheduler writes the record again when it runs).
pub async fn record(cluster: &Cluster, project: &str, r: &Record) -> Result<()> {
    write(cluster, project, r)
        .await
        .map_err(|e| explain(e, &format!("writing the history record of {}", r.run)))
}

/// Every history record of `project`, from its history ConfigMaps, listed a page at a time
/// and decoded straight into records (`store::Page`): no ConfigMap is built, and each page's
/// records are handed to `each` before the next page is asked for.
pub async fn each_record(
    cluster: &Cluster,
    project: &str,
    mut each: impl FnMut(Record),
) -> Result<()> {
    let url = <ConfigMap as kube::Resource>::url_path(&(), Some(&cluster.namespace));
    super::list::each_page(
        cluster,
        url,
        &store::selector(project),
        PAGE,
        |page: store::Page| {
            let next = page.metadata.continue_.clone();
            page.records().for_each(&mut each);
            next
        },
    )
    .await
    .map_err(|e| explain(e, "listing the history of runs"))
}
