//! The controllers: garbage collector, Job, CronJob, Deployment and service account
//! controllers and the kubelet. They run in one loop woken by store changes, clock advances
//! and a short tick.

pub mod cronjob;
pub mod deployment;
pub mod gc;
pub mod job;
pub mod kubelet;
pub mod serviceaccount;

use crate::meta;
use crate::resources::{EVENT, Resource};
use crate::state::State;
use crate::store::Store;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Records a core/v1 Event about `involved` (what `kubectl get events` and `describe` show).
pub fn record_event(
    store: &mut Store,
    res: &Resource,
    involved: &Value,
    ty: &str,
    reason: &str,
    message: &str,
    component: &str,
) {
    let ns = if res.namespaced {
        meta::namespace(involved).to_string()
    } else {
        "default".to_string()
    };
    let now = meta::rfc3339(store.clock.now());
    // The same event again bumps `count` and `lastTimestamp` of the first one, as the real
    // event recorder aggregates them ("x5 over 2m"), so a retrying controller does not
    // flood the namespace.
    let same = store.list(&EVENT, Some(&ns)).into_iter().find(|e| {
        e["involvedObject"]["uid"] == meta::uid(involved)
            && e["reason"] == reason
            && e["message"] == message
            && e["type"] == ty
            && e["source"]["component"] == component
    });
    if let Some(e) = same {
        let mut e = (*e).clone();
        e["count"] = json!(e["count"].as_i64().unwrap_or(1) + 1);
        e["lastTimestamp"] = json!(now);
        let _ = store.update(&EVENT, e, false);
        return;
    }
    let name = format!("{}.{:016x}", meta::name(involved), meta::random_u64());
    let ev = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": ns},
        "involvedObject": {
            "apiVersion": res.api_version(),
            "kind": res.kind,
            "name": meta::name(involved),
            "namespace": meta::namespace(involved),
            "uid": meta::uid(involved),
            "resourceVersion": involved["metadata"]["resourceVersion"],
        },
        "reason": reason,
        "message": message,
        "type": ty,
        "source": {"component": component},
        "reportingComponent": component,
        "reportingInstance": "kubesim",
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    });
    let _ = store.create(&EVENT, ev, false);
}

/// Replaces the status of the stored object (by uid) with `status`, if it still exists.
/// Does nothing when the status is unchanged.
pub fn write_status(state: &State, res: &'static Resource, obj: &Value, status: Value) {
    let mut store = state.store();
    let Ok(cur) = store.get(res, meta::namespace(obj), meta::name(obj)) else {
        return;
    };
    if meta::uid(&cur) != meta::uid(obj) || cur["status"] == status {
        return;
    }
    let mut new = (*cur).clone();
    new["status"] = status;
    let _ = store.update(res, new, false);
}

pub fn condition(ty: &str, reason: &str, message: &str, now: &str) -> Value {
    json!({
        "type": ty,
        "status": "True",
        "lastProbeTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    })
}

pub fn has_condition(obj: &Value, ty: &str) -> bool {
    obj["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == ty && c["status"] == "True"))
}

/// Runs every controller until the process ends.
pub async fn run(state: Arc<State>, kubelet: Arc<kubelet::Kubelet>) {
    let mut changed = state.store().subscribe();
    let mut jobs = job::JobController::default();
    let mut deployments = deployment::DeploymentController::default();
    loop {
        gc::sync(&state);
        serviceaccount::sync(&state);
        jobs.sync(&state);
        cronjob::sync(&state);
        deployments.sync(&state);
        kubelet.sync(&state);
        tokio::select! {
            _ = changed.changed() => {}
            _ = state.clock.advanced.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        // Let a burst of changes land before the next pass.
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}
