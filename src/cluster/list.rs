//! Listing a project's Jobs at any scale: a page at a time, decoding only what a run summary
//! needs. I/O.
//!
//! A run's Job is mostly its pod template (command, env, resources), which no list shows; at
//! 10,000 runs one unpaginated list of whole Jobs is a ~50 MB answer held and decoded at once.
//! Here each page of [`PAGE`] Jobs is decoded into metadata and status only (the spec and the
//! managed fields are skipped by the JSON parser, never built) and handed to the caller before
//! the next page is asked for, so memory holds one page plus what the caller keeps.

use super::{Cluster, retry};
use k8s_openapi::api::batch::v1::{Job, JobStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta, OwnerReference, Time};
use kube::api::ListParams;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Jobs per page: kubectl's default chunk size.
pub const PAGE: u32 = 500;

/// One page of a Job list, as much of it as etl reads.
#[derive(Deserialize)]
struct JobPage {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default)]
    items: Vec<JobHead>,
}

/// A Job without its spec.
#[derive(Deserialize)]
struct JobHead {
    metadata: MetaHead,
    status: Option<JobStatus>,
}

/// The metadata a run summary reads (no managedFields: they are a large share of each Job).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetaHead {
    name: Option<String>,
    uid: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    annotations: Option<BTreeMap<String, String>>,
    creation_timestamp: Option<Time>,
    owner_references: Option<Vec<OwnerReference>>,
}

impl From<JobHead> for Job {
    fn from(h: JobHead) -> Job {
        Job {
            metadata: ObjectMeta {
                name: h.metadata.name,
                uid: h.metadata.uid,
                labels: h.metadata.labels,
                annotations: h.metadata.annotations,
                creation_timestamp: h.metadata.creation_timestamp,
                owner_references: h.metadata.owner_references,
                ..ObjectMeta::default()
            },
            spec: None,
            status: h.status,
        }
    }
}

/// Calls `each` on every Job in the cluster's namespace that `selector` matches, in the API
/// server's order (by name), page by page. The Jobs have metadata (name, uid, labels,
/// annotations, creation time, owners) and status, and no spec.
///
/// Each page is retried on transient errors. Caveats: the pages are not one snapshot (a Job
/// created or deleted meanwhile may or may not be seen, as with `kubectl get`), and a list
/// that takes longer than the server keeps continue tokens (etcd compaction, ~5 minutes)
/// fails with 410 Gone.
pub async fn each_job(
    cluster: &Cluster,
    selector: &str,
    mut each: impl FnMut(Job),
) -> Result<(), kube::Error> {
    let url = <Job as kube::Resource>::url_path(&(), Some(&cluster.namespace));
    each_page(cluster, url, selector, PAGE, |page: JobPage| {
        page.items.into_iter().map(Job::from).for_each(&mut each);
        page.metadata.continue_
    })
    .await
}

/// Lists `url` (a collection) with `selector`, `limit` objects a page, each page decoded as
/// `P` (only what the caller reads: serde skips the rest) and given to `each`, which returns
/// the page's continue token. Each page is retried on transient errors.
pub async fn each_page<P: serde::de::DeserializeOwned>(
    cluster: &Cluster,
    url: String,
    selector: &str,
    limit: u32,
    mut each: impl FnMut(P) -> Option<String>,
) -> Result<(), kube::Error> {
    let request = kube::core::Request::new(url);
    let mut token: Option<String> = None;
    loop {
        let mut lp = ListParams::default().labels(selector).limit(limit);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let page: P = retry(|| {
            let req = request.list(&lp);
            let client = cluster.client.clone();
            async move {
                client
                    .request(req.map_err(kube::Error::BuildRequest)?)
                    .await
            }
        })
        .await?;
        match each(page) {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_decodes_to_jobs_without_their_spec() {
        let page: JobPage = serde_json::from_str(
            r#"{"kind": "JobList", "apiVersion": "batch/v1",
                "metadata": {"resourceVersion": "9", "continue": "abc"},
                "items": [{
                  "metadata": {"name": "r-a1", "uid": "u1", "labels": {"etl.dev/job": "r"},
                               "annotations": {"etl.dev/started-by": "ana"},
                               "creationTimestamp": "2026-11-23T10:00:00Z",
                               "managedFields": [{"manager": "etl", "fieldsV1": {"f:spec": {}}}]},
                  "spec": {"template": {"spec": {"containers": [{"name": "job", "image": "x"}]}}},
                  "status": {"active": 1, "startTime": "2026-11-23T10:00:01Z"}}]}"#,
        )
        .unwrap();
        assert_eq!(page.metadata.continue_.as_deref(), Some("abc"));
        let job: Job = page.items.into_iter().next().unwrap().into();
        assert_eq!(job.metadata.name.as_deref(), Some("r-a1"));
        assert_eq!(job.metadata.labels.unwrap()["etl.dev/job"], "r");
        assert_eq!(
            job.metadata.creation_timestamp.unwrap().0.to_string(),
            "2026-11-23T10:00:00Z"
        );
        assert!(job.spec.is_none() && job.metadata.managed_fields.is_none());
        assert_eq!(job.status.unwrap().active, Some(1));
    }
}
