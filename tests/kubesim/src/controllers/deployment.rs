//! The Deployment controller: keeps `spec.replicas` pods from the template running, each
//! named `<deployment>-<template hash>-<5 chars>` with the `pod-template-hash` label and a
//! controller owner reference to the Deployment itself (there are no ReplicaSets). A changed
//! template replaces every pod, old ones first (Recreate, whatever `spec.strategy` says).
//! Writes the status `kubectl get deploy` and `kubectl rollout status` read.

use super::{record_event, write_status};
use crate::meta;
use crate::registry;
use crate::resources::{DEPLOYMENT, POD};
use crate::state::State;
use crate::store::{DeleteOptions, Propagation};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

const COMPONENT: &str = "deployment-controller";
pub const HASH_LABEL: &str = "pod-template-hash";
const REVISION: &str = "deployment.kubernetes.io/revision";

/// The template hash each Deployment was last seen with, to number its revisions.
#[derive(Default)]
pub struct DeploymentController {
    seen: HashMap<String, String>,
}

/// `v` as JSON with object keys sorted, so equal templates hash alike whatever the order
/// their fields arrived in.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The `pod-template-hash` of a pod template, made as the real controller makes it: the
/// FNV-1a 32-bit hash in decimal, each digit mapped into the alphabet of generated names
/// (so at most 10 characters). The bytes hashed differ (canonical JSON here, Go's object
/// dump there), so the values differ from a real cluster's.
pub fn template_hash(template: &Value) -> String {
    let mut s = String::new();
    canonical(template, &mut s);
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    h.to_string()
        .bytes()
        .map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char)
        .collect()
}

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

/// Ready for at least `min_ready` seconds (what "available" means).
fn is_available(pod: &Value, min_ready: i64, now: Timestamp) -> bool {
    if !is_ready(pod) {
        return false;
    }
    if min_ready <= 0 {
        return true;
    }
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready")
        .and_then(|c| meta::time_at(c, &["lastTransitionTime"]))
        .is_some_and(|t| now.duration_since(t) >= SignedDuration::from_secs(min_ready))
}

fn phase(pod: &Value) -> &str {
    meta::str_at(pod, &["status", "phase"]).unwrap_or("Pending")
}

impl DeploymentController {
    pub fn sync(&mut self, state: &State) {
        let (deploys, pods) = {
            let s = state.store();
            (s.list(&DEPLOYMENT, None), s.list(&POD, None))
        };
        let live: HashSet<&str> = deploys.iter().map(|d| meta::uid(d)).collect();
        self.seen.retain(|uid, _| live.contains(uid.as_str()));
        for d in &deploys {
            // A Deployment being deleted leaves its pods to the garbage collector.
            if meta::is_deleting(d) {
                continue;
            }
            let owned: Vec<&Value> = pods
                .iter()
                .filter(|p| meta::controller_uid(p) == Some(meta::uid(d)))
                .map(|p| p.as_ref())
                .collect();
            self.reconcile(state, d, &owned);
        }
    }

    fn reconcile(&mut self, state: &State, d: &Value, pods: &[&Value]) {
        let now = state.clock.now();
        let now_s = meta::rfc3339(now);
        let name = meta::name(d);
        let spec = &d["spec"];
        let want = spec["replicas"].as_i64().unwrap_or(1).max(0) as usize;
        let hash = template_hash(&spec["template"]);
        let rs_name = format!("{name}-{hash}");

        let revision = self.revision(d, &hash);

        let hash_of = |p: &Value| -> String {
            meta::str_at(p, &["metadata", "labels", HASH_LABEL])
                .unwrap_or("")
                .to_string()
        };
        // Pods that ended (only a start error can end an Always pod) are replaced.
        let (ended, running): (Vec<&Value>, Vec<&Value>) = pods
            .iter()
            .filter(|p| !meta::is_deleting(p))
            .partition(|p| matches!(phase(p), "Succeeded" | "Failed"));
        let (current, old): (Vec<&Value>, Vec<&Value>) =
            running.into_iter().partition(|p| hash_of(p) == hash);
        let old_terminating = pods
            .iter()
            .any(|p| meta::is_deleting(p) && hash_of(p) != hash);

        let mut to_delete: Vec<&Value> = ended.clone();
        let mut to_create = 0;
        let mut events: Vec<String> = Vec::new();
        if !old.is_empty() {
            // Recreate: every old pod goes before any new one starts.
            to_delete.extend(old.iter().copied());
            let mut by_hash: HashMap<String, usize> = HashMap::new();
            for p in &old {
                *by_hash.entry(hash_of(p)).or_default() += 1;
            }
            let mut hashes: Vec<_> = by_hash.into_iter().collect();
            hashes.sort();
            for (h, n) in hashes {
                events.push(format!("Scaled down replica set {name}-{h} from {n} to 0"));
            }
        } else if !old_terminating {
            if current.len() < want {
                to_create = want - current.len();
                events.push(format!(
                    "Scaled up replica set {rs_name} from {} to {want}",
                    current.len()
                ));
            } else if current.len() > want {
                // Not-ready pods go first, then the youngest, as the ReplicaSet controller does.
                let mut surplus = current.clone();
                surplus.sort_by(|a, b| {
                    is_ready(a).cmp(&is_ready(b)).then_with(|| {
                        meta::str_at(b, &["metadata", "creationTimestamp"])
                            .cmp(&meta::str_at(a, &["metadata", "creationTimestamp"]))
                    })
                });
                to_delete.extend(surplus.into_iter().take(current.len() - want));
                events.push(format!(
                    "Scaled down replica set {rs_name} from {} to {want}",
                    current.len()
                ));
            }
        }

        for p in &to_delete {
            let opts = DeleteOptions {
                propagation: Some(Propagation::Background),
                precondition_uid: Some(meta::uid(p).to_string()),
                ..Default::default()
            };
            let _ = state
                .store()
                .delete(&POD, meta::namespace(p), meta::name(p), &opts);
        }
        let mut created = 0;
        let mut create_error = None;
        for _ in 0..to_create {
            match create_pod(state, d, &hash) {
                Ok(_) => created += 1,
                Err(e) => {
                    let msg = format!("Error creating: {}", e.message);
                    create_error = Some(e.message);
                    record_event(
                        &mut state.store(),
                        &DEPLOYMENT,
                        d,
                        "Warning",
                        "FailedCreate",
                        &msg,
                        COMPONENT,
                    );
                    break;
                }
            }
        }

        // Status, counted as the ReplicaSets would count their pods: terminating pods no
        // longer count.
        let deleted: HashSet<&str> = to_delete.iter().map(|p| meta::uid(p)).collect();
        let remaining: Vec<&&Value> = current
            .iter()
            .chain(old.iter())
            .filter(|p| !deleted.contains(meta::uid(p)))
            .collect();
        let min_ready = spec["minReadySeconds"].as_i64().unwrap_or(0);
        let updated = current
            .iter()
            .filter(|p| !deleted.contains(meta::uid(p)))
            .count()
            + created;
        let replicas = remaining.len() + created;
        let ready = remaining.iter().filter(|p| is_ready(p)).count();
        let available = remaining
            .iter()
            .filter(|p| is_available(p, min_ready, now))
            .count();
        let prev = &d["status"];
        let mut status = json!({
            "observedGeneration": d["metadata"]["generation"].as_i64().unwrap_or(1),
            "replicas": replicas,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": want.saturating_sub(available),
        });
        // The real status omits zero counts.
        if let Some(o) = status.as_object_mut() {
            o.retain(|_, v| v != 0);
        }
        let complete = updated == want && replicas == want && available == want;
        let progressed = to_create > 0
            || !to_delete.is_empty()
            || [
                "replicas",
                "updatedReplicas",
                "readyReplicas",
                "availableReplicas",
            ]
            .iter()
            .any(|k| prev[*k].as_i64().unwrap_or(0) != status[*k].as_i64().unwrap_or(0));
        let old_conds: Vec<Value> = prev["conditions"].as_array().cloned().unwrap_or_default();
        let find = |ty: &str| old_conds.iter().find(|c| c["type"] == ty).cloned();
        let available_cond = if available >= want {
            (
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.".to_string(),
            )
        } else {
            (
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.".to_string(),
            )
        };
        let deadline = spec["progressDeadlineSeconds"].as_i64().unwrap_or(600);
        let old_progress = find("Progressing");
        let last_progress = old_progress
            .as_ref()
            .and_then(|c| meta::time_at(c, &["lastUpdateTime"]))
            .unwrap_or(now);
        let progressing_cond = if complete {
            (
                "True",
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
            )
        } else if !progressed
            && (old_progress
                .as_ref()
                .is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded")
                || now.duration_since(last_progress) > SignedDuration::from_secs(deadline))
        {
            (
                "False",
                "ProgressDeadlineExceeded",
                format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
            )
        } else if old_progress.is_none() {
            (
                "True",
                "NewReplicaSetCreated",
                format!("Created new replica set \"{rs_name}\""),
            )
        } else {
            (
                "True",
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{rs_name}\" is progressing."),
            )
        };
        let mut conds = Vec::new();
        for (ty, (st, reason, msg)) in [
            ("Available", available_cond),
            ("Progressing", progressing_cond),
        ] {
            let old = find(ty);
            let same = old.as_ref().is_some_and(|c| {
                c["status"] == st && c["reason"] == reason && c["message"] == msg.as_str()
            });
            let transition = match &old {
                Some(c) if c["status"] == st => c["lastTransitionTime"].clone(),
                _ => json!(now_s),
            };
            // Progressing's lastUpdateTime moves with every step forward (the deadline
            // counts from it); otherwise a condition keeps its times while it says the same.
            let update = match &old {
                Some(c) if same && !(ty == "Progressing" && progressed) => {
                    c["lastUpdateTime"].clone()
                }
                _ => json!(now_s),
            };
            conds.push(json!({
                "type": ty,
                "status": st,
                "lastUpdateTime": update,
                "lastTransitionTime": transition,
                "reason": reason,
                "message": msg,
            }));
        }
        // What the ReplicaSet controller reports when it cannot create pods (a missing
        // service account, say); the next successful create clears it.
        let failure = create_error.or_else(|| {
            find("ReplicaFailure")
                .filter(|_| created == 0 && to_create > 0)
                .and_then(|c| c["message"].as_str().map(str::to_string))
        });
        if let Some(msg) = failure {
            let old = find("ReplicaFailure");
            conds.push(json!({
                "type": "ReplicaFailure",
                "status": "True",
                "lastUpdateTime": old.as_ref().map_or(json!(now_s), |c| c["lastUpdateTime"].clone()),
                "lastTransitionTime": old.as_ref().map_or(json!(now_s), |c| c["lastTransitionTime"].clone()),
                "reason": "FailedCreate",
                "message": msg,
            }));
        }
        status["conditions"] = json!(conds);
        write_status(state, &DEPLOYMENT, d, status);
        if meta::str_at(d, &["metadata", "annotations", REVISION]) != Some(revision.as_str()) {
            set_revision(state, d, &revision);
        }
        if !events.is_empty() {
            let mut store = state.store();
            for msg in events {
                record_event(
                    &mut store,
                    &DEPLOYMENT,
                    d,
                    "Normal",
                    "ScalingReplicaSet",
                    &msg,
                    COMPONENT,
                );
            }
        }
    }

    /// The revision number: 1 at first, one more each time the template hash changes.
    fn revision(&mut self, d: &Value, hash: &str) -> String {
        let current: i64 = meta::str_at(d, &["metadata", "annotations", REVISION])
            .and_then(|r| r.parse().ok())
            .unwrap_or(0);
        let uid = meta::uid(d).to_string();
        let next = match self.seen.get(&uid) {
            Some(h) if h == hash => current.max(1),
            Some(_) => current + 1,
            None => current.max(1),
        };
        self.seen.insert(uid, hash.to_string());
        next.to_string()
    }
}

/// Writes the revision annotation on the Deployment (metadata only: no new generation).
fn set_revision(state: &State, d: &Value, revision: &str) {
    let mut store = state.store();
    let Ok(cur) = store.get(&DEPLOYMENT, meta::namespace(d), meta::name(d)) else {
        return;
    };
    if meta::uid(&cur) != meta::uid(d) {
        return;
    }
    let mut new = (*cur).clone();
    meta::set_at(
        &mut new,
        &["metadata", "annotations", REVISION],
        json!(revision),
    );
    let _ = store.update(&DEPLOYMENT, new, false);
}

fn create_pod(state: &State, d: &Value, hash: &str) -> crate::error::ApiResult<Value> {
    let name = meta::name(d);
    let tpl = &d["spec"]["template"];
    let mut md = tpl["metadata"].as_object().cloned().unwrap_or_default();
    md.remove("name");
    md.insert("generateName".into(), json!(format!("{name}-{hash}-")));
    md.insert("namespace".into(), json!(meta::namespace(d)));
    md.insert(
        "ownerReferences".into(),
        json!([{
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
            "uid": meta::uid(d),
            "controller": true,
            "blockOwnerDeletion": true,
        }]),
    );
    let mut pod =
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": tpl["spec"].clone()});
    meta::set_at(&mut pod, &["metadata", "labels", HASH_LABEL], json!(hash));
    registry::create(
        &mut state.store(),
        &POD,
        meta::namespace(d),
        pod,
        COMPONENT,
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hash_ignores_key_order_and_sees_changes() {
        let a = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "m", "image": "i:1"}]}});
        let b = json!({"spec": {"containers": [{"image": "i:1", "name": "m"}]}, "metadata": {"labels": {"app": "x"}}});
        let c = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "m", "image": "i:2"}]}});
        let h = template_hash(&a);
        assert_eq!(h, template_hash(&b));
        assert_ne!(h, template_hash(&c));
        assert!(!h.is_empty() && h.len() <= 10, "{h}");
        assert!(
            h.bytes()
                .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b))
        );
    }
}
