//! `meta.k8s.io/v1` Table rendering, which `kubectl get` asks for to print its columns. Pure.

use crate::meta;
use crate::resources::Resource;
use jiff::Timestamp;
use serde_json::{Value, json};

/// kubectl's `HumanDuration`: 45s, 3m20s, 12m, 5h3m, 30h, 3d4h, 20d.
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        }
    } else {
        format!("{d}d")
    }
}

fn age(obj: &Value, path: &[&str], now: Timestamp) -> String {
    match meta::time_at(obj, path) {
        Some(t) => human_duration(now.duration_since(t).as_secs()),
        None => "<unknown>".into(),
    }
}

fn col(name: &str, ty: &str) -> Value {
    json!({"name": name, "type": ty, "format": if name == "Name" {"name"} else {""}, "description": name, "priority": 0})
}

/// A column kubectl shows only with `-o wide`.
fn wide(mut c: Value) -> Value {
    c["priority"] = json!(1);
    c
}

/// "80/TCP,9090:30080/TCP", or `<none>`, as kubectl prints a Service's ports.
fn service_ports(svc: &Value) -> String {
    let ports: Vec<String> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(np) => format!("{}:{np}/{proto}", p["port"]),
                None => format!("{}/{proto}", p["port"]),
            }
        })
        .collect();
    if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(",")
    }
}

/// A map of labels as `a=b,c=d`, or `<none>`.
fn label_map(m: &Value) -> String {
    match m.as_object() {
        Some(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".into(),
    }
}

/// The wide columns of a RoleBinding: users, groups and `namespace/name` service accounts.
fn subjects(rb: &Value, kind: &str) -> String {
    rb["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["kind"] == kind)
        .map(|s| {
            let name = s["name"].as_str().unwrap_or("");
            match s["namespace"].as_str() {
                Some(ns) if kind == "ServiceAccount" => format!("{ns}/{name}"),
                _ => name.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn columns(res: &Resource) -> Vec<Value> {
    match res.name {
        "pods" => vec![
            col("Name", "string"),
            col("Ready", "string"),
            col("Status", "string"),
            col("Restarts", "string"),
            col("Age", "string"),
        ],
        "jobs" => vec![
            col("Name", "string"),
            col("Status", "string"),
            col("Completions", "string"),
            col("Duration", "string"),
            col("Age", "string"),
        ],
        "cronjobs" => vec![
            col("Name", "string"),
            col("Schedule", "string"),
            col("Timezone", "string"),
            col("Suspend", "boolean"),
            col("Active", "integer"),
            col("Last Schedule", "string"),
            col("Age", "string"),
        ],
        "events" => vec![
            col("Last Seen", "string"),
            col("Type", "string"),
            col("Reason", "string"),
            col("Object", "string"),
            col("Message", "string"),
        ],
        "namespaces" => vec![
            col("Name", "string"),
            col("Status", "string"),
            col("Age", "string"),
        ],
        "secrets" => vec![
            col("Name", "string"),
            col("Type", "string"),
            col("Data", "integer"),
            col("Age", "string"),
        ],
        "configmaps" => vec![
            col("Name", "string"),
            col("Data", "integer"),
            col("Age", "string"),
        ],
        "leases" => vec![
            col("Name", "string"),
            col("Holder", "string"),
            col("Age", "string"),
        ],
        "deployments" => vec![
            col("Name", "string"),
            col("Ready", "string"),
            col("Up-to-date", "integer"),
            col("Available", "integer"),
            col("Age", "string"),
            wide(col("Containers", "string")),
            wide(col("Images", "string")),
            wide(col("Selector", "string")),
        ],
        "services" => vec![
            col("Name", "string"),
            col("Type", "string"),
            col("Cluster-IP", "string"),
            col("External-IP", "string"),
            col("Port(s)", "string"),
            col("Age", "string"),
            wide(col("Selector", "string")),
        ],
        "serviceaccounts" => vec![
            col("Name", "string"),
            col("Secrets", "string"),
            col("Age", "string"),
        ],
        "roles" => vec![col("Name", "string"), col("Created At", "string")],
        "rolebindings" => vec![
            col("Name", "string"),
            col("Role", "string"),
            col("Age", "string"),
            wide(col("Users", "string")),
            wide(col("Groups", "string")),
            wide(col("ServiceAccounts", "string")),
        ],
        _ => vec![col("Name", "string"), col("Age", "string")],
    }
}

/// The STATUS kubectl shows for a pod.
pub fn pod_status(pod: &Value) -> String {
    if meta::is_deleting(pod) {
        return "Terminating".into();
    }
    let cs = &pod["status"]["containerStatuses"][0]["state"];
    if let Some(r) = cs["waiting"]["reason"].as_str() {
        return r.into();
    }
    if let Some(r) = cs["terminated"]["reason"].as_str() {
        return r.into();
    }
    meta::str_at(pod, &["status", "phase"])
        .unwrap_or("Pending")
        .into()
}

fn has_condition(obj: &Value, ty: &str) -> bool {
    obj["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == ty && c["status"] == "True"))
}

fn job_status(job: &Value) -> &'static str {
    if meta::is_deleting(job) {
        "Terminating"
    } else if has_condition(job, "Complete") {
        "Complete"
    } else if has_condition(job, "Failed") {
        "Failed"
    } else if has_condition(job, "Suspended") {
        "Suspended"
    } else if has_condition(job, "FailureTarget") {
        "FailureTarget"
    } else if has_condition(job, "SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    }
}

fn cells(res: &Resource, o: &Value, now: Timestamp) -> Vec<Value> {
    let name = meta::name(o);
    let created = age(o, &["metadata", "creationTimestamp"], now);
    match res.name {
        "pods" => {
            let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
            let ready = o["status"]["containerStatuses"]
                .as_array()
                .map_or(0, |a| a.iter().filter(|c| c["ready"] == true).count());
            let restarts: i64 = o["status"]["containerStatuses"].as_array().map_or(0, |a| {
                a.iter().filter_map(|c| c["restartCount"].as_i64()).sum()
            });
            vec![
                json!(name),
                json!(format!("{ready}/{total}")),
                json!(pod_status(o)),
                json!(restarts.to_string()),
                json!(created),
            ]
        }
        "jobs" => {
            let succeeded = o["status"]["succeeded"].as_i64().unwrap_or(0);
            let completions = match o["spec"]["completions"].as_i64() {
                Some(c) => format!("{succeeded}/{c}"),
                None => format!(
                    "{succeeded}/1 of {}",
                    o["spec"]["parallelism"].as_i64().unwrap_or(1)
                ),
            };
            let duration = match meta::time_at(o, &["status", "startTime"]) {
                Some(start) => {
                    let end = meta::time_at(o, &["status", "completionTime"]).unwrap_or(now);
                    human_duration(end.duration_since(start).as_secs())
                }
                None => String::new(),
            };
            vec![
                json!(name),
                json!(job_status(o)),
                json!(completions),
                json!(duration),
                json!(created),
            ]
        }
        "cronjobs" => vec![
            json!(name),
            o["spec"]["schedule"].clone(),
            json!(o["spec"]["timeZone"].as_str().unwrap_or("<none>")),
            json!(o["spec"]["suspend"].as_bool().unwrap_or(false)),
            json!(o["status"]["active"].as_array().map_or(0, Vec::len)),
            json!(if o["status"]["lastScheduleTime"].is_string() {
                age(o, &["status", "lastScheduleTime"], now)
            } else {
                "<none>".into()
            }),
            json!(created),
        ],
        "events" => {
            let inv = &o["involvedObject"];
            vec![
                json!(age(o, &["lastTimestamp"], now)),
                o["type"].clone(),
                o["reason"].clone(),
                json!(format!(
                    "{}/{}",
                    inv["kind"].as_str().unwrap_or("").to_lowercase(),
                    inv["name"].as_str().unwrap_or("")
                )),
                o["message"].clone(),
            ]
        }
        "namespaces" => vec![json!(name), o["status"]["phase"].clone(), json!(created)],
        "configmaps" | "secrets" => {
            let n = o["data"].as_object().map_or(0, |m| m.len())
                + o["binaryData"].as_object().map_or(0, |m| m.len());
            if res.name == "secrets" {
                vec![json!(name), o["type"].clone(), json!(n), json!(created)]
            } else {
                vec![json!(name), json!(n), json!(created)]
            }
        }
        // An unheld lease shows an empty holder, as the real printer does.
        "leases" => vec![
            json!(name),
            json!(o["spec"]["holderIdentity"].as_str().unwrap_or("")),
            json!(created),
        ],
        "deployments" => {
            let containers = o["spec"]["template"]["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let list = |k: &str| {
                containers
                    .iter()
                    .map(|c| c[k].as_str().unwrap_or("").to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let selector =
                crate::selector::LabelSelector::from_object(&o["spec"]["selector"]).to_query();
            let st = &o["status"];
            vec![
                json!(name),
                json!(format!(
                    "{}/{}",
                    st["readyReplicas"].as_i64().unwrap_or(0),
                    o["spec"]["replicas"].as_i64().unwrap_or(1)
                )),
                json!(st["updatedReplicas"].as_i64().unwrap_or(0)),
                json!(st["availableReplicas"].as_i64().unwrap_or(0)),
                json!(created),
                json!(list("name")),
                json!(list("image")),
                json!(if selector.is_empty() {
                    "<none>".to_string()
                } else {
                    selector
                }),
            ]
        }
        "services" => {
            let spec = &o["spec"];
            let ty = spec["type"].as_str().unwrap_or("ClusterIP");
            let cluster_ip = spec["clusterIPs"][0]
                .as_str()
                .or(spec["clusterIP"].as_str())
                .unwrap_or("<none>");
            let external: Vec<&str> = spec["externalIPs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let external = match ty {
                "ExternalName" => spec["externalName"]
                    .as_str()
                    .unwrap_or("<none>")
                    .to_string(),
                // No load balancer is ever provisioned.
                "LoadBalancer" if external.is_empty() => "<pending>".into(),
                _ if external.is_empty() => "<none>".into(),
                _ => external.join(","),
            };
            vec![
                json!(name),
                json!(ty),
                json!(cluster_ip),
                json!(external),
                json!(service_ports(o)),
                json!(created),
                json!(label_map(&spec["selector"])),
            ]
        }
        "serviceaccounts" => vec![
            json!(name),
            json!(o["secrets"].as_array().map_or(0, Vec::len)),
            json!(created),
        ],
        "roles" => vec![json!(name), o["metadata"]["creationTimestamp"].clone()],
        "rolebindings" => vec![
            json!(name),
            json!(format!(
                "{}/{}",
                o["roleRef"]["kind"].as_str().unwrap_or(""),
                o["roleRef"]["name"].as_str().unwrap_or("")
            )),
            json!(created),
            json!(subjects(o, "User")),
            json!(subjects(o, "Group")),
            json!(subjects(o, "ServiceAccount")),
        ],
        _ => vec![json!(name), json!(created)],
    }
}

/// A Table of `objs`; `full_object` embeds each object (includeObject=Object) instead of
/// its metadata.
pub fn render(
    res: &Resource,
    objs: &[&Value],
    rv: u64,
    full_object: bool,
    now: Timestamp,
) -> Value {
    let rows: Vec<Value> = objs
        .iter()
        .map(|o| {
            let object = if full_object {
                (*o).clone()
            } else {
                json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]})
            };
            json!({"cells": cells(res, o, now), "object": object})
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv.to_string()},
        "columnDefinitions": columns(res),
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(200), "3m20s");
        assert_eq!(human_duration(900), "15m");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
    }

    #[test]
    fn pod_status_prefers_waiting_reason() {
        let p = json!({"metadata": {}, "status": {"phase": "Pending", "containerStatuses": [{"state": {"waiting": {"reason": "CreateContainerConfigError"}}}]}});
        assert_eq!(pod_status(&p), "CreateContainerConfigError");
    }
}
