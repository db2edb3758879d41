//! kubectl scenarios. Apart from advancing kubesim's clock for the CronJob, nothing here
//! depends on kubesim: the same commands and checks hold against a real cluster.

use crate::common::{Sim, eventually, have_kubectl, unique};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn job_yaml(name: &str, app: &str, script: &str, backoff_limit: u32) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    app: {app}
spec:
  backoffLimit: {backoff_limit}
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox:1.36
        command: ["sh", "-c", {script:?}]
"#
    )
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).expect("kubectl printed JSON")
}

#[test]
fn apply_get_wait_and_logs() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    let app = unique("app");
    let script = "for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done";
    let out = sim.apply(&job_yaml("hello", &app, script, 0));
    assert!(out.contains("job.batch/hello serverside-applied"), "{out}");

    let list = json(&sim.ok(&["get", "jobs", "-l", &format!("app={app}"), "-o", "json"]));
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["metadata"]["name"], "hello");
    let none = json(&sim.ok(&["get", "jobs", "-l", "app=other", "-o", "json"]));
    assert!(none["items"].as_array().unwrap().is_empty());

    sim.ok(&[
        "wait",
        "--for=condition=ready",
        "pod",
        "-l",
        "job-name=hello",
        "--timeout=30s",
    ]);
    let followed = sim.ok(&["logs", "-f", "job/hello"]);
    assert_eq!(followed, "line 1\nline 2\nline 3\nline 4\nline 5\n");

    let waited = sim.ok(&[
        "wait",
        "--for=condition=complete",
        "job/hello",
        "--timeout=30s",
    ]);
    assert!(waited.contains("condition met"), "{waited}");
    let job = json(&sim.ok(&["get", "job", "hello", "-o", "json"]));
    assert_eq!(job["status"]["succeeded"], 1);
    assert!(job["status"]["completionTime"].is_string());
    // The log of a finished pod is still readable.
    assert_eq!(
        sim.ok(&["logs", "job/hello", "--tail=2"]),
        "line 4\nline 5\n"
    );
}

#[test]
fn get_watch_streams_job_changes() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    let app = unique("watched");
    let mut watch = sim
        .kubectl_cmd(&["get", "jobs", "-l", &format!("app={app}"), "-w"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl get -w");
    let stdout = watch.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    sim.apply(&job_yaml("watched", &app, "echo hi", 0));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut lines = Vec::new();
    while Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            let done = l.contains("Complete");
            lines.push(l);
            if done {
                break;
            }
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(lines.iter().any(|l| l.starts_with("watched")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("Complete")),
        "never saw the job complete: {lines:?}"
    );
    assert!(lines.len() >= 2, "expected several rows, got {lines:?}");
}

#[test]
fn delete_foreground_removes_pods_first() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    sim.apply(&job_yaml("sleeper", "sleeper", "sleep 30", 0));
    sim.ok(&[
        "wait",
        "--for=condition=ready",
        "pod",
        "-l",
        "job-name=sleeper",
        "--timeout=30s",
    ]);
    let pods = sim.ok(&["get", "pods", "-l", "job-name=sleeper", "-o", "name"]);
    assert_eq!(pods.lines().count(), 1, "{pods}");
    let out = sim.ok(&[
        "delete",
        "job",
        "sleeper",
        "--cascade=foreground",
        "--timeout=30s",
    ]);
    assert!(out.contains("deleted"), "{out}");
    let left = sim.ok(&["get", "pods", "-l", "job-name=sleeper", "-o", "name"]);
    assert_eq!(left.trim(), "", "pods left after foreground delete: {left}");
    let jobs = sim.kubectl(&["get", "job", "sleeper"]);
    assert!(!jobs.status.success());
    assert!(String::from_utf8_lossy(&jobs.stderr).contains("NotFound"));
}

#[test]
fn failing_job_retries_up_to_backoff_limit() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    sim.apply(&job_yaml("failing", "failing", "echo try; exit 3", 2));
    sim.ok(&[
        "wait",
        "--for=condition=failed",
        "job/failing",
        "--timeout=90s",
    ]);
    let job = json(&sim.ok(&["get", "job", "failing", "-o", "json"]));
    assert_eq!(job["status"]["failed"], 3, "{job}");
    let conds = job["status"]["conditions"].as_array().unwrap();
    let failed = conds
        .iter()
        .find(|c| c["type"] == "Failed")
        .expect("Failed condition");
    assert_eq!(failed["reason"], "BackoffLimitExceeded");
    assert_eq!(failed["status"], "True");
    let pods = json(&sim.ok(&["get", "pods", "-l", "job-name=failing", "-o", "json"]));
    let pods = pods["items"].as_array().unwrap();
    assert_eq!(pods.len(), 3);
    for p in pods {
        assert_eq!(p["status"]["phase"], "Failed");
        assert_eq!(
            p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
            3
        );
    }
    let logs = sim.ok(&[
        "logs",
        &format!("pod/{}", pods[0]["metadata"]["name"].as_str().unwrap()),
    ]);
    assert_eq!(logs, "try\n");
}

#[test]
fn cronjob_fires_after_clock_advance() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    sim.apply(
        r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: every-minute
spec:
  schedule: "*/1 * * * *"
  timeZone: "Europe/Paris"
  jobTemplate:
    metadata:
      labels: {team: data}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox:1.36
            command: ["sh", "-c", "echo cron ran"]
"#,
    );
    // On a real cluster: wait up to a minute instead.
    sim.admin("/kubesim/clock/advance?seconds=120");
    let job = eventually(
        "a job created by the cronjob",
        Duration::from_secs(20),
        || {
            let list = json(&sim.ok(&["get", "jobs", "-l", "team=data", "-o", "json"]));
            list["items"].as_array().unwrap().first().cloned()
        },
    );
    let name = job["metadata"]["name"].as_str().unwrap().to_string();
    let minutes: i64 = name
        .strip_prefix("every-minute-")
        .expect("name <cronjob>-<minutes>")
        .parse()
        .unwrap();
    assert!(minutes > 0);
    assert_eq!(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    let ts = job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
        .as_str()
        .unwrap();
    let scheduled: jiff::Timestamp = ts.parse().unwrap();
    assert_eq!(scheduled.as_second(), minutes * 60);
    sim.ok(&[
        "wait",
        "--for=condition=complete",
        &format!("job/{name}"),
        "--timeout=30s",
    ]);
    assert_eq!(sim.ok(&["logs", &format!("job/{name}")]), "cron ran\n");
    let cj = json(&sim.ok(&["get", "cronjob", "every-minute", "-o", "json"]));
    assert!(cj["status"]["lastScheduleTime"].is_string(), "{cj}");
}

#[test]
fn events_explain_a_stuck_pod() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    sim.apply(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: needs-secret
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox:1.36
    command: ["sh", "-c", "echo token=$TOKEN"]
    env:
    - name: TOKEN
      valueFrom:
        secretKeyRef: {name: creds, key: token}
"#,
    );
    eventually(
        "CreateContainerConfigError",
        Duration::from_secs(20),
        || {
            let pod = json(&sim.ok(&["get", "pod", "needs-secret", "-o", "json"]));
            (pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
                == "CreateContainerConfigError")
                .then_some(())
        },
    );
    let events = sim.ok(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=needs-secret",
    ]);
    assert!(events.contains("secret \"creds\" not found"), "{events}");
    sim.ok(&[
        "create",
        "secret",
        "generic",
        "creds",
        "--from-literal=token=s3cret",
    ]);
    eventually(
        "the pod to run once the secret exists",
        Duration::from_secs(30),
        || {
            let pod = json(&sim.ok(&["get", "pod", "needs-secret", "-o", "json"]));
            (pod["status"]["phase"] == "Succeeded").then_some(())
        },
    );
    assert_eq!(sim.ok(&["logs", "needs-secret"]), "token=s3cret\n");
}

#[test]
fn namespaces_scope_and_delete_their_objects() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    sim.ok(&["create", "namespace", "team-a"]);
    sim.ok(&[
        "-n",
        "team-a",
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
    ]);
    let out = sim.kubectl_stdin(
        &["-n", "team-a", "apply", "--server-side", "-f", "-"],
        Some(&job_yaml("scoped", "scoped", "echo mode=$MODE", 0).replace(
            "        command:",
            "        env:\n        - name: MODE\n          valueFrom:\n            configMapKeyRef: {name: settings, key: mode}\n        command:",
        )),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sim.ok(&[
        "-n",
        "team-a",
        "wait",
        "--for=condition=complete",
        "job/scoped",
        "--timeout=30s",
    ]);
    assert_eq!(
        sim.ok(&["-n", "team-a", "logs", "job/scoped"]),
        "mode=fast\n"
    );
    let default_jobs = json(&sim.ok(&["get", "jobs", "-o", "json"]));
    assert!(default_jobs["items"].as_array().unwrap().is_empty());
    let all = json(&sim.ok(&["get", "jobs", "-A", "-o", "json"]));
    assert_eq!(all["items"][0]["metadata"]["namespace"], "team-a");
    sim.ok(&["delete", "namespace", "team-a", "--timeout=60s"]);
    let all = json(&sim.ok(&["get", "jobs,pods,configmaps", "-A", "-o", "json"]));
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["metadata"]["namespace"] != "team-a"),
        "{all}"
    );
}

/// `faults/lose-response`: the server acts on the request but the answer never comes. kubectl
/// reports an error (its client sends the create again and hears AlreadyExists), yet the
/// object exists; asking again says so too.
#[test]
fn a_lost_create_response_leaves_the_object_created() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    let name = unique("lost");
    sim.admin("/kubesim/faults/lose-response?method=POST&path_contains=/configmaps");
    let out = sim.kubectl(&["create", "configmap", &name, "--from-literal=a=b"]);
    assert!(
        !out.status.success(),
        "kubectl saw no answer, so it cannot report success: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let got = json(&sim.ok(&["get", "configmap", &name, "-o", "json"]));
    assert_eq!(got["data"]["a"], "b");
    let again = sim.kubectl(&["create", "configmap", &name, "--from-literal=a=b"]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

/// The columns of `kubectl get`, split on runs of spaces, header first.
fn table(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn leases_list_with_their_holder() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    sim.apply(
        r#"apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: etl-scheduler
spec:
  holderIdentity: etl-scheduler-7d9f-abcde
  leaseDurationSeconds: 15
  renewTime: "2026-01-01T00:00:00.123456Z"
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: unheld
spec:
  leaseDurationSeconds: 15
"#,
    );
    let rows = table(&sim.ok(&["get", "lease"]));
    assert_eq!(rows[0], ["NAME", "HOLDER", "AGE"], "{rows:?}");
    assert_eq!(rows[1][..2], ["etl-scheduler", "etl-scheduler-7d9f-abcde"]);
    // An unheld lease prints an empty HOLDER: only NAME and AGE are left.
    assert_eq!(rows[2].len(), 2, "{rows:?}");
    assert_eq!(rows[2][0], "unheld");
    let lease = json(&sim.ok(&["get", "lease", "etl-scheduler", "-o", "json"]));
    assert_eq!(lease["spec"]["renewTime"], "2026-01-01T00:00:00.123456Z");
    let names = sim.ok(&["get", "leases.coordination.k8s.io", "-o", "name"]);
    assert_eq!(
        names,
        "lease.coordination.k8s.io/etl-scheduler\nlease.coordination.k8s.io/unheld\n"
    );
}

const RBAC_AND_SERVICE: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: etl-scheduler
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: etl-scheduler
rules:
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: etl-scheduler
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: etl-scheduler
subjects:
- kind: ServiceAccount
  name: etl-scheduler
  namespace: default
---
apiVersion: v1
kind: Service
metadata:
  name: etl-scheduler
spec:
  selector:
    app: etl-scheduler
  ports:
  - name: http
    port: 8080
"#;

#[test]
fn service_accounts_roles_bindings_and_services_are_stored_and_listed() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    // Client-side apply (a three-way merge through the last-applied annotation), as a user
    // would type it; `etl deploy`'s server-side apply is covered with the Deployment.
    let out = sim.kubectl_stdin(&["apply", "-f", "-"], Some(RBAC_AND_SERVICE));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "serviceaccount/etl-scheduler created",
        "role.rbac.authorization.k8s.io/etl-scheduler created",
        "rolebinding.rbac.authorization.k8s.io/etl-scheduler created",
        "service/etl-scheduler created",
    ] {
        assert!(stdout.contains(line), "{stdout}");
    }

    // Every namespace has its `default` service account, as in a real cluster.
    let sa = table(&sim.ok(&["get", "sa"]));
    assert_eq!(sa[0], ["NAME", "SECRETS", "AGE"]);
    assert_eq!(sa[1][..2], ["default", "0"]);
    assert_eq!(sa[2][..2], ["etl-scheduler", "0"]);

    let role = table(&sim.ok(&["get", "role"]));
    assert_eq!(role[0], ["NAME", "CREATED", "AT"]);
    assert_eq!(role[1][0], "etl-scheduler");
    assert!(role[1][1].parse::<jiff::Timestamp>().is_ok(), "{role:?}");

    let rb = table(&sim.ok(&["get", "rolebinding", "-o", "wide"]));
    assert_eq!(
        rb[0],
        ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    );
    assert_eq!(rb[1][..2], ["etl-scheduler", "Role/etl-scheduler"]);
    assert_eq!(rb[1].last().unwrap(), "default/etl-scheduler");

    let svc = table(&sim.ok(&["get", "svc", "-o", "wide"]));
    assert_eq!(
        svc[0],
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
            "SELECTOR"
        ]
    );
    assert_eq!(svc[1][0], "etl-scheduler");
    assert_eq!(svc[1][1], "ClusterIP");
    let ip = &svc[1][2];
    assert!(
        ip.starts_with("10.96.") && ip.parse::<std::net::Ipv4Addr>().is_ok(),
        "{svc:?}"
    );
    assert_eq!(svc[1][3..5], ["<none>", "8080/TCP"]);
    assert_eq!(svc[1][6], "app=etl-scheduler");
    // The API server's own service, as in every cluster.
    assert_eq!(
        svc[2][..5],
        ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"]
    );
    let got = json(&sim.ok(&["get", "svc", "etl-scheduler", "-o", "json"]));
    assert_eq!(got["spec"]["ports"][0]["targetPort"], 8080);
    assert_eq!(got["spec"]["clusterIPs"][0], ip.as_str());

    // Applying again changes nothing: the allocated cluster IP stays.
    let again = sim.kubectl_stdin(&["apply", "-f", "-"], Some(RBAC_AND_SERVICE));
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("service/etl-scheduler unchanged"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let got = json(&sim.ok(&["get", "svc", "etl-scheduler", "-o", "json"]));
    assert_eq!(got["spec"]["clusterIP"], ip.as_str());

    // The role of a binding cannot change, as on a real server.
    let out = sim.kubectl(&[
        "patch",
        "rolebinding",
        "etl-scheduler",
        "--type=merge",
        "-p",
        r#"{"roleRef":{"name":"other"}}"#,
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot change roleRef"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A Service without ports is refused with the field to fix.
    let out = sim.kubectl_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: v1\nkind: Service\nmetadata:\n  name: portless\nspec:\n  selector: {app: x}\n"),
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("spec.ports: Required value"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn kubectl_create_service_account_role_and_binding() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    // kubectl sends these as protobuf.
    sim.ok(&["create", "serviceaccount", "runner"]);
    sim.ok(&[
        "create",
        "role",
        "reader",
        "--verb=get,list",
        "--resource=pods,jobs.batch",
    ]);
    sim.ok(&[
        "create",
        "rolebinding",
        "runner-reads",
        "--role=reader",
        "--serviceaccount=default:runner",
        "--user=alice",
    ]);
    let role = json(&sim.ok(&["get", "role", "reader", "-o", "json"]));
    assert_eq!(
        role["rules"],
        serde_json::json!([
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
            {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list"]}
        ])
    );
    let rb = table(&sim.ok(&["get", "rolebinding", "-o", "wide"]));
    assert_eq!(rb[1][..2], ["runner-reads", "Role/reader"]);
    assert_eq!(rb[1][3..], ["alice", "default/runner"]);
    assert!(
        sim.ok(&["get", "sa", "runner", "-o", "name"])
            .contains("serviceaccount/runner")
    );
}

fn deployment_yaml(image: &str, replicas: u32) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: etl-scheduler
  labels: {{app: etl-scheduler}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: etl-scheduler}}
  template:
    metadata:
      labels: {{app: etl-scheduler}}
    spec:
      serviceAccountName: etl-scheduler
      terminationGracePeriodSeconds: 1
      containers:
      - name: scheduler
        image: {image}
        command: ["sh", "-c", "echo scheduling; exec sleep 3600"]
"#
    )
}

/// The pods of the etl-scheduler Deployment: (name, pod-template-hash, restarts, pid).
fn scheduler_pods(sim: &Sim) -> Vec<(String, String, i64, i32)> {
    let pods = json(&sim.ok(&["get", "pods", "-l", "app=etl-scheduler", "-o", "json"]));
    pods["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .map(|p| {
            let cs = &p["status"]["containerStatuses"][0];
            let pid = cs["containerID"]
                .as_str()
                .and_then(|c| c.strip_prefix("kubesim://"))
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            (
                p["metadata"]["name"].as_str().unwrap().to_string(),
                p["metadata"]["labels"]["pod-template-hash"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                cs["restartCount"].as_i64().unwrap_or(0),
                pid,
            )
        })
        .collect()
}

fn rollout_status(sim: &Sim) {
    let out = sim.ok(&["rollout", "status", "deploy/etl-scheduler", "--timeout=60s"]);
    assert!(
        out.contains("deployment \"etl-scheduler\" successfully rolled out"),
        "{out}"
    );
}

/// What `etl deploy` applies, as kubectl sees it: a Deployment kept running (restarted when
/// its process dies, replaced when its pod is deleted, recreated when its template changes)
/// beside its ServiceAccount, Role, RoleBinding, Service and the scheduler's Lease.
#[test]
fn deployment_keeps_its_pods_running() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    let manifest = format!(
        "{RBAC_AND_SERVICE}---\n{}",
        deployment_yaml("registry.example/etl:1", 1)
    );
    let out = sim.apply(&manifest);
    assert!(
        out.contains("deployment.apps/etl-scheduler serverside-applied"),
        "{out}"
    );
    rollout_status(&sim);
    sim.apply(
        "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: etl-scheduler\nspec:\n  holderIdentity: somebody\n",
    );

    let all = sim.ok(&["get", "deploy,lease,sa,role,rolebinding,svc"]);
    let rows = table(&all);
    let row = |name: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r.first().map(String::as_str) == Some(name))
            .unwrap_or_else(|| panic!("no row {name} in\n{all}"))
            .clone()
    };
    assert_eq!(
        rows[0],
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        "{all}"
    );
    assert_eq!(
        row("deployment.apps/etl-scheduler")[1..4],
        ["1/1", "1", "1"]
    );
    assert_eq!(
        row("lease.coordination.k8s.io/etl-scheduler")[1],
        "somebody"
    );
    row("serviceaccount/etl-scheduler");
    row("role.rbac.authorization.k8s.io/etl-scheduler");
    assert_eq!(
        row("rolebinding.rbac.authorization.k8s.io/etl-scheduler")[1],
        "Role/etl-scheduler"
    );
    assert_eq!(row("service/etl-scheduler")[1], "ClusterIP");

    // One pod, named <deployment>-<template hash>-<5 chars>, owned by the Deployment.
    let pods = scheduler_pods(&sim);
    assert_eq!(pods.len(), 1, "{pods:?}");
    let (first, hash, restarts, pid) = pods[0].clone();
    assert_eq!(restarts, 0);
    assert!((1..=10).contains(&hash.len()), "{hash}");
    let suffix = first
        .strip_prefix(&format!("etl-scheduler-{hash}-"))
        .unwrap_or_else(|| panic!("{first} is not etl-scheduler-{hash}-xxxxx"));
    assert_eq!(suffix.len(), 5, "{first}");
    let pod = json(&sim.ok(&["get", "pod", &first, "-o", "json"]));
    assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "Deployment");
    assert_eq!(pod["metadata"]["ownerReferences"][0]["controller"], true);
    assert_eq!(pod["spec"]["restartPolicy"], "Always");
    assert_eq!(sim.ok(&["logs", &first]), "scheduling\n");

    // Its process killed: the kubelet restarts the container in place.
    assert!(pid > 0);
    // SAFETY: kill(2) on the pid kubesim reports for the container; no memory is touched.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    eventually(
        "the killed container to run again",
        Duration::from_secs(30),
        || {
            let pods = scheduler_pods(&sim);
            (pods.len() == 1 && pods[0].0 == first && pods[0].2 == 1 && pods[0].3 != pid)
                .then_some(())
        },
    );
    rollout_status(&sim);

    // Its pod deleted: another takes its place.
    sim.ok(&["delete", "pod", &first, "--timeout=30s"]);
    let second = eventually("a replacement pod", Duration::from_secs(30), || {
        let pods = scheduler_pods(&sim);
        (pods.len() == 1 && pods[0].0 != first && pods[0].1 == hash).then(|| pods[0].0.clone())
    });
    rollout_status(&sim);

    // Scaled up and down through the scale subresource.
    sim.ok(&["scale", "deploy/etl-scheduler", "--replicas=3"]);
    rollout_status(&sim);
    assert_eq!(scheduler_pods(&sim).len(), 3);
    sim.ok(&["scale", "deploy/etl-scheduler", "--replicas=1"]);
    eventually("one pod left", Duration::from_secs(30), || {
        (scheduler_pods(&sim).len() == 1).then_some(())
    });

    // A new template replaces the pod (Recreate): new hash, new name.
    sim.apply(&deployment_yaml("registry.example/etl:2", 1));
    rollout_status(&sim);
    let pods = scheduler_pods(&sim);
    assert_eq!(pods.len(), 1, "{pods:?}");
    assert_ne!(pods[0].1, hash);
    assert_ne!(pods[0].0, second);
    let d = json(&sim.ok(&["get", "deploy", "etl-scheduler", "-o", "json"]));
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    assert_eq!(
        d["status"]["observedGeneration"],
        d["metadata"]["generation"]
    );

    // Deleting the Deployment deletes its pods.
    sim.ok(&["delete", "deploy", "etl-scheduler", "--timeout=30s"]);
    eventually("the pods to go", Duration::from_secs(30), || {
        sim.ok(&["get", "pods", "-l", "app=etl-scheduler", "-o", "name"])
            .trim()
            .is_empty()
            .then_some(())
    });
}

#[test]
fn deployment_validation_matches_the_real_server() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    let refused = |yaml: &str, expect: &str| {
        let out = sim.kubectl_stdin(&["apply", "--server-side", "-f", "-"], Some(yaml));
        assert!(!out.status.success(), "accepted:\n{yaml}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{err}");
    };
    let good = deployment_yaml("registry.example/etl:1", 1);
    refused(
        &good.replace(
            "matchLabels: {app: etl-scheduler}",
            "matchLabels: {app: other}",
        ),
        r#"spec.template.metadata.labels: Invalid value: map[string]string{"app":"etl-scheduler"}: `selector` does not match template `labels`"#,
    );
    refused(
        &good.replace("  selector:\n    matchLabels: {app: etl-scheduler}\n", ""),
        "spec.selector: Required value",
    );
    refused(
        &good.replace(
            "      terminationGracePeriodSeconds: 1\n",
            "      terminationGracePeriodSeconds: 1\n      restartPolicy: Never\n",
        ),
        r#"spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always""#,
    );
    sim.apply(&good);
    refused(
        &good
            .replace(
                "{app: etl-scheduler}\n  template",
                "{app: etl-scheduler, tier: x}\n  template",
            )
            .replace(
                "labels: {app: etl-scheduler}\n    spec",
                "labels: {app: etl-scheduler, tier: x}\n    spec",
            ),
        "field is immutable",
    );
}

/// A pod's process reaches kubesim through `KUBECONFIG`, with its own namespace as the
/// default one, as a process in a real pod reaches its API server; commands are found on
/// kubesim's PATH (here: kubectl itself, run inside the pod).
#[test]
fn pods_reach_back_to_kubesim() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    sim.ok(&["create", "namespace", "team-a"]);
    let pod = |ns: &str, name: &str, extra_env: &str| {
        format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {ns}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: registry.example/etl:1
    command: ["sh", "-c", "kubectl get pods -o name && echo KUBECONFIG=$KUBECONFIG"]
    env: [{extra_env}]
"#
        )
    };
    sim.apply(&pod("default", "asks-default", ""));
    sim.apply(&pod("team-a", "asks-team-a", ""));
    sim.apply(&pod(
        "default",
        "brings-its-own",
        "{name: KUBECONFIG, value: /nonexistent/kubeconfig}",
    ));
    let finished = |ns: &str, name: &str| {
        eventually(
            &format!("{ns}/{name} to finish"),
            Duration::from_secs(30),
            || {
                let p = json(&sim.ok(&["-n", ns, "get", "pod", name, "-o", "json"]));
                let phase = p["status"]["phase"].as_str().unwrap_or("").to_string();
                matches!(phase.as_str(), "Succeeded" | "Failed").then_some(phase)
            },
        )
    };
    assert_eq!(finished("default", "asks-default"), "Succeeded");
    let log = sim.ok(&["logs", "asks-default"]);
    assert!(log.contains("pod/asks-default\n"), "{log}");
    assert!(!log.contains("asks-team-a"), "{log}");
    assert!(
        log.contains(&format!("KUBECONFIG={}\n", sim.kubeconfig.display())),
        "{log}"
    );

    assert_eq!(finished("team-a", "asks-team-a"), "Succeeded");
    let log = sim.ok(&["-n", "team-a", "logs", "asks-team-a"]);
    assert!(log.starts_with("pod/asks-team-a\n"), "{log}");
    assert!(
        log.contains(&format!("KUBECONFIG={}.team-a\n", sim.kubeconfig.display())),
        "{log}"
    );

    // The pod's own KUBECONFIG wins: kubectl cannot find that file and fails.
    assert_eq!(finished("default", "brings-its-own"), "Failed");
    let log = sim.ok(&["logs", "brings-its-own"]);
    assert!(!log.contains("pod/"), "{log}");
}

/// A Deployment whose pods name a ServiceAccount that does not exist gets no pods (the
/// real server refuses them with 403), says why in an event and a ReplicaFailure
/// condition, and rolls out once the account is created: what happens when `etl deploy`
/// applies the Deployment without (or before) its ServiceAccount.
#[test]
fn deployment_waits_for_its_service_account() {
    if !have_kubectl() {
        return;
    }
    let sim = Sim::start();
    sim.apply(&deployment_yaml("registry.example/etl:1", 1));
    let why = r#"pods "etl-scheduler-"#;
    let refused = r#"is forbidden: error looking up service account default/etl-scheduler: serviceaccount "etl-scheduler" not found"#;
    let d = eventually(
        "a ReplicaFailure condition",
        Duration::from_secs(30),
        || {
            let d = json(&sim.ok(&["get", "deploy", "etl-scheduler", "-o", "json"]));
            let failing = d["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["type"] == "ReplicaFailure"));
            failing.then_some(d)
        },
    );
    let cond = d["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ReplicaFailure")
        .unwrap()
        .clone();
    assert_eq!(cond["reason"], "FailedCreate");
    let msg = cond["message"].as_str().unwrap();
    assert!(msg.starts_with(why) && msg.ends_with(refused), "{msg}");
    assert!(scheduler_pods(&sim).is_empty());
    // Retries are one event with a growing count, not a flood.
    std::thread::sleep(Duration::from_millis(500));
    let events = json(&sim.ok(&[
        "get",
        "events",
        "--field-selector",
        "reason=FailedCreate",
        "-o",
        "json",
    ]));
    let events = events["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0]["count"].as_i64().unwrap() > 1, "{:?}", events[0]);
    assert!(
        events[0]["message"].as_str().unwrap().contains(refused),
        "{:?}",
        events[0]
    );

    sim.ok(&["create", "serviceaccount", "etl-scheduler"]);
    rollout_status(&sim);
    let d = json(&sim.ok(&["get", "deploy", "etl-scheduler", "-o", "json"]));
    assert!(
        !d["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "ReplicaFailure"),
        "{d}"
    );
    let pod = json(&sim.ok(&["get", "pods", "-l", "app=etl-scheduler", "-o", "json"]));
    assert_eq!(
        pod["items"][0]["spec"]["serviceAccountName"],
        "etl-scheduler"
    );

    // A pod without one runs as `default`, which every namespace has.
    sim.ok(&["create", "namespace", "fresh"]);
    let out = sim.kubectl_stdin(
        &["-n", "fresh", "apply", "-f", "-"],
        Some("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: m\n    image: busybox:1.36\n    command: [\"true\"]\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = json(&sim.ok(&["-n", "fresh", "get", "pod", "p", "-o", "json"]));
    assert_eq!(p["spec"]["serviceAccountName"], "default");
}
