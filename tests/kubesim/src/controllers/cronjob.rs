//! The CronJob controller: creates a Job for the most recent schedule time crossed (in the
//! CronJob's time zone, on the simulated clock), honouring suspend, concurrencyPolicy,
//! startingDeadlineSeconds and the history limits; keeps status.active,
//! lastScheduleTime and lastSuccessfulTime.

use super::{has_condition, record_event, write_status};
use crate::meta;
use crate::registry;
use crate::resources::{CRONJOB, JOB};
use crate::schedule::{most_recent, parse_schedule};
use crate::state::State;
use crate::store::{DeleteOptions, Propagation};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

const COMPONENT: &str = "cronjob-controller";

fn job_finished(job: &Value) -> Option<bool> {
    if has_condition(job, "Complete") {
        Some(true)
    } else if has_condition(job, "Failed") {
        Some(false)
    } else {
        None
    }
}

fn object_ref(job: &Value) -> Value {
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": meta::name(job),
        "namespace": meta::namespace(job),
        "uid": meta::uid(job),
        "resourceVersion": job["metadata"]["resourceVersion"],
    })
}

pub fn sync(state: &State) {
    let (cronjobs, jobs) = {
        let s = state.store();
        (s.list(&CRONJOB, None), s.list(&JOB, None))
    };
    for cj in cronjobs.iter().filter(|c| !meta::is_deleting(c)) {
        let owned: Vec<&Value> = jobs
            .iter()
            .filter(|j| meta::controller_uid(j) == Some(meta::uid(cj)))
            .map(|j| j.as_ref())
            .collect();
        reconcile(state, cj, &owned);
    }
}

fn reconcile(state: &State, cj: &Value, owned: &[&Value]) {
    let spec = &cj["spec"];
    let now = state.clock.now();
    let mut status = if cj["status"].is_object() {
        cj["status"].clone()
    } else {
        json!({})
    };
    let mut events: Vec<(&str, &str, String)> = Vec::new();
    let mut active: Vec<&Value> = owned
        .iter()
        .filter(|j| job_finished(j).is_none() && !meta::is_deleting(j))
        .copied()
        .collect();
    // lastSuccessfulTime and history limits.
    let mut succeeded: Vec<&Value> = owned
        .iter()
        .filter(|j| job_finished(j) == Some(true))
        .copied()
        .collect();
    let mut failed: Vec<&Value> = owned
        .iter()
        .filter(|j| job_finished(j) == Some(false))
        .copied()
        .collect();
    if let Some(latest) = succeeded
        .iter()
        .filter_map(|j| meta::time_at(j, &["status", "completionTime"]))
        .max()
    {
        let prev = meta::time_at(&status, &["lastSuccessfulTime"]);
        if prev.is_none_or(|p| latest > p) {
            status["lastSuccessfulTime"] = json!(meta::rfc3339(latest));
        }
    }
    let created = |j: &&Value| {
        meta::str_at(j, &["metadata", "creationTimestamp"])
            .unwrap_or("")
            .to_string()
    };
    succeeded.sort_by_key(created);
    failed.sort_by_key(created);
    let mut to_delete: Vec<&Value> = Vec::new();
    for (list, limit) in [
        (
            &succeeded,
            spec["successfulJobsHistoryLimit"].as_i64().unwrap_or(3),
        ),
        (
            &failed,
            spec["failedJobsHistoryLimit"].as_i64().unwrap_or(1),
        ),
    ] {
        let excess = list.len().saturating_sub(limit.max(0) as usize);
        to_delete.extend(list.iter().take(excess).filter(|j| !meta::is_deleting(j)));
    }

    let mut created_refs: Vec<Value> = Vec::new();
    let schedule = spec["schedule"].as_str().unwrap_or("");
    let tz = match spec["timeZone"].as_str() {
        Some(name) => TimeZone::get(name).ok(),
        None => Some(TimeZone::UTC),
    };
    if spec["suspend"].as_bool() != Some(true)
        && let (Ok(cron), Some(tz)) = (parse_schedule(schedule), tz)
    {
        let mut earliest = meta::time_at(&status, &["lastScheduleTime"])
            .or_else(|| meta::time_at(cj, &["metadata", "creationTimestamp"]))
            .unwrap_or(now);
        if let Some(d) = spec["startingDeadlineSeconds"].as_i64()
            && let Ok(limit) = now.checked_sub(SignedDuration::from_secs(d))
            && limit > earliest
        {
            earliest = limit;
        }
        if let Some(t) = most_recent(&cron, &tz, earliest, now) {
            let policy = spec["concurrencyPolicy"].as_str().unwrap_or("Allow");
            let forbidden = policy == "Forbid" && !active.is_empty();
            if !forbidden {
                if policy == "Replace" {
                    for j in active.drain(..) {
                        to_delete.push(j);
                    }
                }
                let name = format!("{}-{}", meta::name(cj), t.as_second().div_euclid(60));
                let exists = state
                    .store()
                    .try_get(&JOB, meta::namespace(cj), &name)
                    .is_some();
                if !exists {
                    match create_job(state, cj, &name, t, &tz) {
                        Ok(job) => {
                            events.push((
                                "Normal",
                                "SuccessfulCreate",
                                format!("Created job {name}"),
                            ));
                            created_refs.push(object_ref(&job));
                        }
                        Err(e) => events.push((
                            "Warning",
                            "FailedCreate",
                            format!("Error creating job: {}", e.message),
                        )),
                    }
                }
                status["lastScheduleTime"] = json!(meta::rfc3339(t));
            }
        }
    }
    for j in &to_delete {
        let opts = DeleteOptions {
            propagation: Some(Propagation::Background),
            ..Default::default()
        };
        if state
            .store()
            .delete(&JOB, meta::namespace(j), meta::name(j), &opts)
            .is_ok()
        {
            events.push((
                "Normal",
                "SuccessfulDelete",
                format!("Deleted job {}", meta::name(j)),
            ));
        }
    }
    let mut refs: Vec<Value> = active
        .iter()
        .filter(|j| !to_delete.iter().any(|d| meta::uid(d) == meta::uid(j)))
        .map(|j| object_ref(j))
        .collect();
    refs.extend(created_refs);
    if refs.is_empty() {
        if let Some(o) = status.as_object_mut() {
            o.remove("active");
        }
    } else {
        status["active"] = json!(refs);
    }
    write_status(state, &CRONJOB, cj, status);
    if !events.is_empty() {
        let mut store = state.store();
        for (ty, reason, msg) in events {
            record_event(&mut store, &CRONJOB, cj, ty, reason, &msg, COMPONENT);
        }
    }
}

fn create_job(
    state: &State,
    cj: &Value,
    name: &str,
    t: Timestamp,
    tz: &TimeZone,
) -> crate::error::ApiResult<Value> {
    let tpl = &cj["spec"]["jobTemplate"];
    let mut md = tpl["metadata"].as_object().cloned().unwrap_or_default();
    md.insert("name".into(), json!(name));
    md.insert("namespace".into(), json!(meta::namespace(cj)));
    md.insert(
        "ownerReferences".into(),
        json!([{
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "name": meta::name(cj),
            "uid": meta::uid(cj),
            "controller": true,
            "blockOwnerDeletion": true,
        }]),
    );
    let mut job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": md, "spec": tpl["spec"].clone()});
    let scheduled = t
        .to_zoned(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let scheduled = scheduled.replace("+00:00", "Z");
    meta::set_at(
        &mut job,
        &[
            "metadata",
            "annotations",
            "batch.kubernetes.io/cronjob-scheduled-timestamp",
        ],
        json!(scheduled),
    );
    registry::create(
        &mut state.store(),
        &JOB,
        meta::namespace(cj),
        job,
        COMPONENT,
        false,
    )
}
