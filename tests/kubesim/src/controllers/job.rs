//! The Job controller: creates pods from the template, counts successes and failures,
//! enforces backoffLimit, activeDeadlineSeconds, suspend and ttlSecondsAfterFinished, and
//! writes status and conditions as Kubernetes 1.31+ does (FailureTarget before Failed,
//! SuccessCriteriaMet before Complete).
//!
//! Retries wait 0.5s·2^(failures-1) (capped at 8s) of simulated time instead of the real
//! 10s·2^(failures-1), so tests stay fast.

use super::{condition, has_condition, record_event, write_status};
use crate::meta;
use crate::registry;
use crate::resources::{JOB, POD};
use crate::state::State;
use crate::store::{DeleteOptions, Propagation};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};

const COMPONENT: &str = "job-controller";

/// Pods already counted in a Job's status, so deleted pods stay counted.
#[derive(Default)]
struct Tracked {
    succeeded: HashSet<String>,
    failed: HashSet<String>,
    succeeded_indexes: BTreeSet<i64>,
    last_failure: Option<Timestamp>,
}

#[derive(Default)]
pub struct JobController {
    tracked: HashMap<String, Tracked>,
}

fn backoff(failures: i64) -> SignedDuration {
    let exp = (failures - 1).clamp(0, 4) as u32;
    SignedDuration::from_millis(500 * 2i64.pow(exp))
}

/// "0-2,4" as in status.completedIndexes.
pub fn format_indexes(idx: &BTreeSet<i64>) -> String {
    let mut out: Vec<String> = Vec::new();
    let v: Vec<i64> = idx.iter().copied().collect();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            v[i].to_string()
        } else {
            format!("{}-{}", v[i], v[j])
        });
        i = j + 1;
    }
    out.join(",")
}

fn pod_index(pod: &Value) -> Option<i64> {
    meta::str_at(
        pod,
        &[
            "metadata",
            "annotations",
            "batch.kubernetes.io/job-completion-index",
        ],
    )?
    .parse()
    .ok()
}

fn phase(pod: &Value) -> &str {
    meta::str_at(pod, &["status", "phase"]).unwrap_or("Pending")
}

impl JobController {
    pub fn sync(&mut self, state: &State) {
        let (jobs, pods) = {
            let s = state.store();
            (s.list(&JOB, None), s.list(&POD, None))
        };
        let live: HashSet<&str> = jobs.iter().map(|j| meta::uid(j)).collect();
        self.tracked.retain(|uid, _| live.contains(uid.as_str()));
        for job in &jobs {
            if meta::is_deleting(job) {
                continue;
            }
            let owned: Vec<&Value> = pods
                .iter()
                .filter(|p| meta::controller_uid(p) == Some(meta::uid(job)))
                .map(|p| p.as_ref())
                .collect();
            self.reconcile(state, job, &owned);
        }
    }

    fn reconcile(&mut self, state: &State, job: &Value, pods: &[&Value]) {
        let now = state.clock.now();
        let now_s = meta::rfc3339(now);
        let spec = &job["spec"];
        let mut status = job["status"].clone();
        if !status.is_object() {
            status = json!({});
        }
        let finished = has_condition(job, "Complete") || has_condition(job, "Failed");
        if finished {
            self.ttl(state, job, now);
            return;
        }
        let indexed = spec["completionMode"] == "Indexed";
        let t = self.tracked.entry(meta::uid(job).to_string()).or_default();
        // Counts survive a restart of the controller through the stored status.
        let mut restarts = 0;
        for p in pods {
            let uid = meta::uid(p).to_string();
            match phase(p) {
                "Succeeded" => {
                    if t.succeeded.insert(uid)
                        && let Some(i) = pod_index(p)
                    {
                        t.succeeded_indexes.insert(i);
                    }
                }
                "Failed" => {
                    if t.failed.insert(uid) {
                        t.last_failure = Some(now);
                    }
                }
                _ => {
                    restarts += p["status"]["containerStatuses"][0]["restartCount"]
                        .as_i64()
                        .unwrap_or(0);
                }
            }
        }
        let active: Vec<&&Value> = pods
            .iter()
            .filter(|p| !meta::is_deleting(p) && !matches!(phase(p), "Succeeded" | "Failed"))
            .collect();
        let terminating = pods
            .iter()
            .filter(|p| meta::is_deleting(p) && !matches!(phase(p), "Succeeded" | "Failed"))
            .count();
        let ready = active
            .iter()
            .filter(|p| p["status"]["containerStatuses"][0]["ready"] == true)
            .count();
        let succeeded = if indexed {
            t.succeeded_indexes.len() as i64
        } else {
            t.succeeded.len() as i64
        };
        let failed = t.failed.len() as i64;
        let failures = failed + restarts;
        let mut conditions: Vec<Value> =
            status["conditions"].as_array().cloned().unwrap_or_default();
        let mut events: Vec<(&str, &str, String)> = Vec::new();
        let mut to_delete: Vec<&Value> = Vec::new();
        let mut to_create: Vec<Option<i64>> = Vec::new();

        let suspended = spec["suspend"].as_bool() == Some(true);
        let was_suspended = conditions
            .iter()
            .any(|c| c["type"] == "Suspended" && c["status"] == "True");
        if suspended {
            to_delete.extend(active.iter().map(|p| **p));
            if !was_suspended {
                conditions.retain(|c| c["type"] != "Suspended");
                conditions.push(condition(
                    "Suspended",
                    "JobSuspended",
                    "Job suspended",
                    &now_s,
                ));
                events.push(("Normal", "Suspended", "Job suspended".into()));
            }
        } else {
            if was_suspended {
                for c in conditions.iter_mut().filter(|c| c["type"] == "Suspended") {
                    c["status"] = json!("False");
                    c["reason"] = json!("JobResumed");
                    c["message"] = json!("Job resumed");
                    c["lastTransitionTime"] = json!(now_s);
                }
                status["startTime"] = json!(now_s);
                events.push(("Normal", "Resumed", "Job resumed".into()));
            }
            if status["startTime"].is_null() {
                status["startTime"] = json!(now_s);
            }
            let has = |cs: &[Value], ty: &str| {
                cs.iter().any(|c| c["type"] == ty && c["status"] == "True")
            };
            if !has(&conditions, "FailureTarget") && !has(&conditions, "SuccessCriteriaMet") {
                let backoff_limit = spec["backoffLimit"].as_i64().unwrap_or(6);
                let deadline = spec["activeDeadlineSeconds"].as_i64();
                let started = meta::time_at(&status, &["startTime"]).unwrap_or(now);
                let completions = spec["completions"].as_i64();
                let success = match (indexed, completions) {
                    (true, Some(c)) => (0..c).all(|i| t.succeeded_indexes.contains(&i)),
                    (false, Some(c)) => succeeded >= c,
                    (_, None) => succeeded > 0 && active.is_empty(),
                };
                if failures > backoff_limit {
                    conditions.push(condition(
                        "FailureTarget",
                        "BackoffLimitExceeded",
                        "Job has reached the specified backoff limit",
                        &now_s,
                    ));
                } else if let Some(d) = deadline
                    && now.duration_since(started) >= SignedDuration::from_secs(d)
                {
                    conditions.push(condition(
                        "FailureTarget",
                        "DeadlineExceeded",
                        "Job was active longer than specified deadline",
                        &now_s,
                    ));
                } else if success {
                    conditions.push(condition(
                        "SuccessCriteriaMet",
                        "CompletionsReached",
                        "Reached expected number of succeeded pods",
                        &now_s,
                    ));
                }
            }
            let target = conditions
                .iter()
                .find(|c| c["type"] == "FailureTarget" && c["status"] == "True")
                .cloned();
            if let Some(target) = target {
                to_delete.extend(active.iter().map(|p| **p));
                if active.is_empty() && terminating == 0 {
                    let reason = target["reason"].as_str().unwrap_or("");
                    let message = target["message"].as_str().unwrap_or("");
                    conditions.push(condition("Failed", reason, message, &now_s));
                    events.push((
                        "Warning",
                        if reason == "DeadlineExceeded" {
                            "DeadlineExceeded"
                        } else {
                            "BackoffLimitExceeded"
                        },
                        message.to_string(),
                    ));
                }
            } else if has(&conditions, "SuccessCriteriaMet") {
                to_delete.extend(active.iter().map(|p| **p));
                if active.is_empty() && terminating == 0 {
                    conditions.push(condition(
                        "Complete",
                        "CompletionsReached",
                        "Reached expected number of succeeded pods",
                        &now_s,
                    ));
                    status["completionTime"] = json!(now_s);
                    events.push(("Normal", "Completed", "Job completed".into()));
                }
            } else {
                let parallelism = spec["parallelism"].as_i64().unwrap_or(1);
                let waiting = failures > 0
                    && t.last_failure
                        .is_some_and(|lf| now < lf.checked_add(backoff(failures)).unwrap_or(lf));
                if !waiting {
                    if indexed {
                        let c = spec["completions"].as_i64().unwrap_or(0);
                        let running: HashSet<i64> =
                            active.iter().filter_map(|p| pod_index(p)).collect();
                        let free = (parallelism - active.len() as i64).max(0);
                        to_create.extend(
                            (0..c)
                                .filter(|i| {
                                    !t.succeeded_indexes.contains(i) && !running.contains(i)
                                })
                                .take(free as usize)
                                .map(Some),
                        );
                    } else {
                        let want = match spec["completions"].as_i64() {
                            Some(c) => parallelism.min(c - succeeded),
                            None if succeeded > 0 => 0,
                            None => parallelism,
                        };
                        let n = (want - active.len() as i64 - terminating as i64).max(0);
                        to_create.extend((0..n).map(|_| None));
                    }
                }
            }
        }

        let created_now = to_create.len() as i64;
        for idx in to_create {
            match create_pod(state, job, idx) {
                Ok(p) => events.push((
                    "Normal",
                    "SuccessfulCreate",
                    format!("Created pod: {}", meta::name(&p)),
                )),
                Err(e) => events.push((
                    "Warning",
                    "FailedCreate",
                    format!("Error creating: {}", e.message),
                )),
            }
        }
        for p in &to_delete {
            let opts = DeleteOptions {
                propagation: Some(Propagation::Background),
                ..Default::default()
            };
            if state
                .store()
                .delete(&POD, meta::namespace(p), meta::name(p), &opts)
                .is_ok()
            {
                events.push((
                    "Normal",
                    "SuccessfulDelete",
                    format!("Deleted pod: {}", meta::name(p)),
                ));
            }
        }
        status["active"] =
            json!(active.len() as i64 - to_delete.len().min(active.len()) as i64 + created_now);
        status["ready"] = json!(ready);
        status["terminating"] = json!(terminating + to_delete.len().min(active.len()));
        status["succeeded"] = json!(succeeded);
        status["failed"] = json!(failed);
        status["uncountedTerminatedPods"] = json!({});
        if indexed {
            status["completedIndexes"] = json!(format_indexes(&t.succeeded_indexes));
        }
        for k in ["active", "succeeded", "failed", "terminating"] {
            if status[k] == 0
                && let Some(o) = status.as_object_mut()
            {
                o.remove(k);
            }
        }
        if conditions.is_empty() {
            if let Some(o) = status.as_object_mut() {
                o.remove("conditions");
            }
        } else {
            status["conditions"] = json!(conditions);
        }
        write_status(state, &JOB, job, status);
        if !events.is_empty() {
            let mut store = state.store();
            for (ty, reason, msg) in events {
                record_event(&mut store, &JOB, job, ty, reason, &msg, COMPONENT);
            }
        }
    }

    fn ttl(&mut self, state: &State, job: &Value, now: Timestamp) {
        let Some(ttl) = job["spec"]["ttlSecondsAfterFinished"].as_i64() else {
            return;
        };
        let finished_at = job["status"]["conditions"]
            .as_array()
            .and_then(|cs| {
                cs.iter().find(|c| {
                    (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True"
                })
            })
            .and_then(|c| meta::time_at(c, &["lastTransitionTime"]));
        if let Some(at) = finished_at
            && now >= at.checked_add(SignedDuration::from_secs(ttl)).unwrap_or(at)
        {
            let opts = DeleteOptions {
                propagation: Some(Propagation::Background),
                precondition_uid: Some(meta::uid(job).to_string()),
                ..Default::default()
            };
            let _ = state
                .store()
                .delete(&JOB, meta::namespace(job), meta::name(job), &opts);
        }
    }
}

fn create_pod(state: &State, job: &Value, index: Option<i64>) -> crate::error::ApiResult<Value> {
    let name = meta::name(job);
    let tpl = &job["spec"]["template"];
    let mut md = tpl["metadata"].as_object().cloned().unwrap_or_default();
    md.remove("name");
    md.insert(
        "generateName".into(),
        json!(match index {
            Some(i) => format!("{name}-{i}-"),
            None => format!("{name}-"),
        }),
    );
    md.insert("namespace".into(), json!(meta::namespace(job)));
    md.insert(
        "ownerReferences".into(),
        json!([{
            "apiVersion": "batch/v1",
            "kind": "Job",
            "name": name,
            "uid": meta::uid(job),
            "controller": true,
            "blockOwnerDeletion": true,
        }]),
    );
    let mut pod =
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": tpl["spec"].clone()});
    if let Some(i) = index {
        let key = "batch.kubernetes.io/job-completion-index";
        meta::set_at(
            &mut pod,
            &["metadata", "annotations", key],
            json!(i.to_string()),
        );
        meta::set_at(&mut pod, &["metadata", "labels", key], json!(i.to_string()));
        pod["spec"]["hostname"] = json!(format!("{name}-{i}"));
        if let Some(cs) = pod["spec"]["containers"].as_array_mut() {
            for c in cs {
                let mut env = c["env"].as_array().cloned().unwrap_or_default();
                env.insert(
                    0,
                    json!({"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": format!("metadata.annotations['{key}']")}}}),
                );
                c["env"] = json!(env);
            }
        }
    }
    registry::create(
        &mut state.store(),
        &POD,
        meta::namespace(job),
        pod,
        COMPONENT,
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_indexes_are_ranges() {
        let s: BTreeSet<i64> = [0, 1, 2, 4, 6, 7].into_iter().collect();
        assert_eq!(format_indexes(&s), "0-2,4,6-7");
        assert_eq!(format_indexes(&BTreeSet::new()), "");
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(1), SignedDuration::from_millis(500));
        assert_eq!(backoff(2), SignedDuration::from_secs(1));
        assert_eq!(backoff(10), SignedDuration::from_secs(8));
    }
}
