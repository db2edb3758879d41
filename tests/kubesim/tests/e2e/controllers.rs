//! Controller and kubelet behaviour through kube-rs and plain HTTP: restarts, previous
//! logs, TTLs, suspend, CronJob policies on the simulated clock, log query parameters,
//! shutdown, watch selector transitions and the latency fault.

use crate::common::Sim;
use futures::StreamExt;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kube::api::{
    Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::runtime::wait::{await_condition, conditions};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn obj<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// Polls `f` every 50ms for up to 30s.
async fn until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    within(what, async {
        while !f().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
}

fn pod(name: &str, restart: &str, script: &str) -> Pod {
    obj(json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"restartPolicy": restart, "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", script]}]}
    }))
}

fn phase(p: &Pod) -> String {
    p.status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn on_failure_restarts_in_place_and_keeps_the_previous_log() {
    let sim = Sim::start();
    let pods: Api<Pod> = Api::default_namespaced(sim.client().await);
    // Fails on the first run, succeeds on the second (the marker lives in --workdir).
    let script = "if [ -f marker ]; then echo second; else touch marker; echo first; exit 4; fi";
    pods.create(&PostParams::default(), &pod("flaky", "OnFailure", script))
        .await
        .unwrap();
    until("the pod to succeed", || async {
        phase(&pods.get("flaky").await.unwrap()) == "Succeeded"
    })
    .await;
    let p = pods.get("flaky").await.unwrap();
    let cs = &p.status.unwrap().container_statuses.unwrap()[0];
    assert_eq!(cs.restart_count, 1);
    let last = cs.last_state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!((last.exit_code, last.reason.as_deref()), (4, Some("Error")));
    let now = cs.state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!(
        (now.exit_code, now.reason.as_deref()),
        (0, Some("Completed"))
    );
    assert_eq!(
        pods.logs("flaky", &LogParams::default()).await.unwrap(),
        "second\n"
    );
    let prev = LogParams {
        previous: true,
        ..Default::default()
    };
    assert_eq!(pods.logs("flaky", &prev).await.unwrap(), "first\n");
    assert!(sim.workdir().join("marker").exists());
}

#[tokio::test]
async fn job_restarts_count_toward_the_backoff_limit() {
    let sim = Sim::start();
    let jobs: Api<Job> = Api::default_namespaced(sim.client().await);
    let job: Job = obj(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "crashy"},
        "spec": {"backoffLimit": 1, "template": {"spec": {"restartPolicy": "OnFailure",
            "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "exit 1"]}]}}}}),
    );
    jobs.create(&PostParams::default(), &job).await.unwrap();
    let failed = |j: Option<&Job>| {
        j.and_then(|j| j.status.as_ref()?.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Failed" && c.status == "True"))
    };
    within(
        "job failure",
        await_condition(jobs.clone(), "crashy", failed),
    )
    .await
    .unwrap();
    let conds = jobs
        .get("crashy")
        .await
        .unwrap()
        .status
        .unwrap()
        .conditions
        .unwrap();
    let failed = conds.iter().find(|c| c.type_ == "Failed").unwrap();
    assert_eq!(failed.reason.as_deref(), Some("BackoffLimitExceeded"));
}

#[tokio::test]
async fn ttl_after_finished_deletes_the_job_and_its_pods() {
    let sim = Sim::start();
    let client = sim.client().await;
    let jobs: Api<Job> = Api::default_namespaced(client.clone());
    let pods: Api<Pod> = Api::default_namespaced(client);
    let job: Job = obj(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "brief"},
        "spec": {"ttlSecondsAfterFinished": 100, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "main", "image": "busybox", "command": ["true"]}]}}}}),
    );
    jobs.create(&PostParams::default(), &job).await.unwrap();
    within(
        "completion",
        await_condition(jobs.clone(), "brief", conditions::is_job_completed()),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        jobs.get_opt("brief").await.unwrap().is_some(),
        "deleted before its TTL"
    );
    sim.admin("/kubesim/clock/advance?seconds=101");
    until("the job to be deleted", || async {
        jobs.get_opt("brief").await.unwrap().is_none()
    })
    .await;
    until("its pods to be deleted", || async {
        pods.list(&ListParams::default().labels("job-name=brief"))
            .await
            .unwrap()
            .items
            .is_empty()
    })
    .await;
}

#[tokio::test]
async fn suspended_job_waits_until_resumed() {
    let sim = Sim::start();
    let client = sim.client().await;
    let jobs: Api<Job> = Api::default_namespaced(client.clone());
    let pods: Api<Pod> = Api::default_namespaced(client);
    let job: Job = obj(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "later"},
        "spec": {"suspend": true, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "main", "image": "busybox", "command": ["echo", "resumed"]}]}}}}),
    );
    jobs.create(&PostParams::default(), &job).await.unwrap();
    until("Suspended condition", || async {
        let j = jobs.get("later").await.unwrap();
        j.status.and_then(|s| s.conditions).is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Suspended" && c.status == "True")
        })
    })
    .await;
    assert!(
        pods.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    jobs.patch(
        "later",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"suspend": false}})),
    )
    .await
    .unwrap();
    within(
        "completion",
        await_condition(jobs.clone(), "later", conditions::is_job_completed()),
    )
    .await
    .unwrap();
    let p = &pods
        .list(&ListParams::default().labels("job-name=later"))
        .await
        .unwrap()
        .items[0];
    assert_eq!(
        pods.logs(p.metadata.name.as_ref().unwrap(), &LogParams::default())
            .await
            .unwrap(),
        "resumed\n"
    );
}

fn cronjob(name: &str, extra: Value, script: &str) -> CronJob {
    let mut spec = json!({"jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never",
        "terminationGracePeriodSeconds": 1,
        "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", script]}]}}}}});
    json_patch::merge(&mut spec, &extra);
    obj(
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name}, "spec": spec}),
    )
}

async fn job_names(jobs: &Api<Job>, cj: &str) -> Vec<String> {
    let mut names: Vec<String> = jobs
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|j| {
            j.metadata
                .owner_references
                .as_ref()
                .is_some_and(|o| o[0].name == cj)
        })
        .filter(|j| j.metadata.deletion_timestamp.is_none())
        .map(|j| j.metadata.name.unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn cronjob_replace_policy_and_history_limit() {
    let sim = Sim::start();
    let client = sim.client().await;
    let cjs: Api<CronJob> = Api::default_namespaced(client.clone());
    let jobs: Api<Job> = Api::default_namespaced(client);
    let replace = cronjob(
        "replace",
        json!({"schedule": "*/5 * * * *", "concurrencyPolicy": "Replace"}),
        "sleep 60",
    );
    cjs.create(&PostParams::default(), &replace).await.unwrap();
    sim.admin("/kubesim/clock/advance?seconds=300");
    until("first run", || async {
        job_names(&jobs, "replace").await.len() == 1
    })
    .await;
    let first = job_names(&jobs, "replace").await;
    sim.admin("/kubesim/clock/advance?seconds=300");
    until("the run to be replaced", || async {
        let now = job_names(&jobs, "replace").await;
        now.len() == 1 && now != first
    })
    .await;

    let limited = cronjob(
        "limited",
        json!({"schedule": "*/5 * * * *", "successfulJobsHistoryLimit": 1}),
        "true",
    );
    cjs.create(&PostParams::default(), &limited).await.unwrap();
    let mut last_success = None;
    for _ in 0..3 {
        sim.admin("/kubesim/clock/advance?seconds=300");
        last_success = within("the run to complete", async {
            loop {
                let st = cjs.get("limited").await.unwrap().status.unwrap_or_default();
                let done = st.active.as_ref().is_none_or(|a| a.is_empty());
                if done
                    && st.last_successful_time.is_some()
                    && st.last_successful_time != last_success
                {
                    return st.last_successful_time;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
    }
    until("history trimmed to one", || async {
        job_names(&jobs, "limited").await.len() == 1
    })
    .await;
}

#[tokio::test]
async fn starting_deadline_skips_late_schedules() {
    // The clock starts at a known minute, so the schedule math is exact.
    let sim = Sim::start_with(&["--start-time", "2025-01-01T00:00:00Z"]);
    let client = sim.client().await;
    let cjs: Api<CronJob> = Api::default_namespaced(client.clone());
    let jobs: Api<Job> = Api::default_namespaced(client);
    let cj = cronjob(
        "tight",
        json!({"schedule": "*/10 * * * *", "startingDeadlineSeconds": 30}),
        "true",
    );
    cjs.create(&PostParams::default(), &cj).await.unwrap();
    // 00:10:05: the 00:10 run is 5s late, within the deadline.
    sim.admin("/kubesim/clock/advance?seconds=605");
    until("the 00:10 run", || async {
        job_names(&jobs, "tight").await.len() == 1
    })
    .await;
    let j = jobs.get(&job_names(&jobs, "tight").await[0]).await.unwrap();
    let scheduled =
        &j.metadata.annotations.unwrap()["batch.kubernetes.io/cronjob-scheduled-timestamp"];
    assert_eq!(scheduled, "2025-01-01T00:10:00Z");
    assert_eq!(
        j.metadata.name.unwrap(),
        format!("tight-{}", 1735690200 / 60)
    );
    // 00:21:05: the 00:20 run is 65s late, past the deadline: skipped.
    sim.admin("/kubesim/clock/advance?seconds=660");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(job_names(&jobs, "tight").await.len(), 1);
}

#[tokio::test]
async fn log_query_parameters() {
    let sim = Sim::start();
    let pods: Api<Pod> = Api::default_namespaced(sim.client().await);
    pods.create(
        &PostParams::default(),
        &pod(
            "talker",
            "Never",
            "for i in 1 2 3; do echo line $i; sleep 0.2; done",
        ),
    )
    .await
    .unwrap();
    let (code, _, body) = sim.http(
        "GET",
        "/api/v1/namespaces/default/pods/talker/log?container=nope",
        None,
    );
    assert_eq!(code, 400, "{body}");
    until("the pod to finish", || async {
        phase(&pods.get("talker").await.unwrap()) == "Succeeded"
    })
    .await;
    let base = "/api/v1/namespaces/default/pods/talker/log";
    let (_, headers, stamped) = sim.http("GET", &format!("{base}?timestamps=true"), None);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("text/plain"))
    );
    let lines: Vec<&str> = stamped.lines().collect();
    assert_eq!(lines.len(), 3, "{stamped}");
    let (t2, text2) = lines[1].split_once(' ').unwrap();
    assert_eq!(text2, "line 2");
    assert!(t2.parse::<jiff::Timestamp>().is_ok(), "{t2}");
    let enc = t2.replace(':', "%3A");
    assert_eq!(
        sim.http("GET", &format!("{base}?sinceTime={enc}"), None).2,
        "line 2\nline 3\n"
    );
    assert_eq!(
        sim.http("GET", &format!("{base}?tailLines=1"), None).2,
        "line 3\n"
    );
    assert_eq!(
        sim.http("GET", &format!("{base}?limitBytes=4"), None).2,
        "line"
    );
    assert_eq!(
        sim.http("GET", &format!("{base}?follow=true"), None).2,
        "line 1\nline 2\nline 3\n"
    );
    let (code, _, body) = sim.http("GET", "/api/v1/namespaces/default/pods/missing/log", None);
    assert_eq!(code, 404, "{body}");
}

#[tokio::test]
async fn shutdown_kills_pod_processes() {
    let mut sim = Sim::start();
    let pods: Api<Pod> = Api::default_namespaced(sim.client().await);
    pods.create(&PostParams::default(), &pod("long", "Never", "sleep 300"))
        .await
        .unwrap();
    let pid: i32 = within("the pod to run", async {
        loop {
            let p = pods.get("long").await.unwrap();
            let id = p
                .status
                .and_then(|s| s.container_statuses)
                .and_then(|c| c[0].container_id.clone());
            if let Some(pid) =
                id.and_then(|i| i.strip_prefix("kubesim://").and_then(|n| n.parse().ok()))
            {
                return pid;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    // SAFETY: kill(pid, 0) only checks that the process exists.
    let alive = |pid: i32| unsafe { libc::kill(pid, 0) == 0 };
    assert!(alive(pid));
    sim.stop();
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(pid), "pod process {pid} survived kubesim's shutdown");
}

#[tokio::test]
async fn watch_selectors_see_objects_enter_and_leave() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    let mut stream = Box::pin(
        cms.watch(&WatchParams::default().labels("app=x").timeout(10), "0")
            .await
            .unwrap(),
    );
    let label = |v: &str| Patch::Merge(json!({"metadata": {"labels": {"app": v}}}));
    cms.create(
        &PostParams::default(),
        &obj(json!({"metadata": {"name": "c", "labels": {"app": "x"}}})),
    )
    .await
    .unwrap();
    cms.patch("c", &PatchParams::default(), &label("y"))
        .await
        .unwrap();
    cms.patch("c", &PatchParams::default(), &label("x"))
        .await
        .unwrap();
    cms.delete_collection(
        &DeleteParams::default(),
        &ListParams::default().labels("app=x"),
    )
    .await
    .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 4 {
        match within("watch event", stream.next()).await.unwrap().unwrap() {
            WatchEvent::Added(_) => seen.push("ADDED"),
            WatchEvent::Modified(_) => seen.push("MODIFIED"),
            WatchEvent::Deleted(_) => seen.push("DELETED"),
            _ => {}
        }
    }
    assert_eq!(seen, ["ADDED", "DELETED", "ADDED", "DELETED"]);
    assert!(
        cms.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn env_from_config_maps_secrets_and_the_downward_api() {
    let sim = Sim::start();
    let client = sim.client().await;
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    Api::<ConfigMap>::default_namespaced(client.clone())
        .create(
            &PostParams::default(),
            &obj(json!({"metadata": {"name": "cfg"}, "data": {"MODE": "fast"}})),
        )
        .await
        .unwrap();
    Api::<Secret>::default_namespaced(client)
        .create(
            &PostParams::default(),
            &obj(json!({"metadata": {"name": "sec"}, "stringData": {"TOKEN": "t0k"}})),
        )
        .await
        .unwrap();
    let p: Pod = obj(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "envy", "labels": {"team": "data"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox",
            "command": ["sh", "-c", "echo $CFG_MODE $TOKEN $TEAM $NS $GREETING"],
            "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "CFG_"}, {"secretRef": {"name": "sec"}}],
            "env": [
                {"name": "TEAM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['team']"}}},
                {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                {"name": "GREETING", "value": "hi-$(TEAM)"}
            ]}]}}),
    );
    pods.create(&PostParams::default(), &p).await.unwrap();
    until("the pod to finish", || async {
        phase(&pods.get("envy").await.unwrap()) == "Succeeded"
    })
    .await;
    assert_eq!(
        pods.logs("envy", &LogParams::default()).await.unwrap(),
        "fast t0k data default hi-data\n"
    );
}

#[tokio::test]
async fn latency_fault_delays_api_requests_only() {
    let sim = Sim::start();
    sim.admin("/kubesim/faults/latency?ms=300");
    let t = Instant::now();
    assert_eq!(
        sim.http("GET", "/api/v1/namespaces/default/configmaps", None)
            .0,
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    sim.json("/kubesim/metrics");
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "admin requests are never delayed"
    );
    sim.admin("/kubesim/faults/reset");
    let t = Instant::now();
    sim.http("GET", "/api/v1/namespaces/default/configmaps", None);
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn background_processes_die_with_the_container() {
    let sim = Sim::start();
    let pods: Api<Pod> = Api::default_namespaced(sim.client().await);
    // The shell starts a sleeper in the background, records its pid and exits.
    pods.create(
        &PostParams::default(),
        &pod(
            "leaver",
            "Never",
            "sleep 300 & echo $! > bg.pid; echo started",
        ),
    )
    .await
    .unwrap();
    until("the pod to finish", || async {
        phase(&pods.get("leaver").await.unwrap()) == "Succeeded"
    })
    .await;
    assert_eq!(
        pods.logs("leaver", &LogParams::default()).await.unwrap(),
        "started\n"
    );
    let pid: i32 = std::fs::read_to_string(sim.workdir().join("bg.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: kill(pid, 0) only checks that the process exists.
    let alive = |pid: i32| unsafe { libc::kill(pid, 0) == 0 };
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !alive(pid),
        "background process {pid} outlived its container"
    );
}

#[tokio::test]
async fn kube_log_stream_follows_with_timestamps_and_since_time() {
    use futures::{AsyncBufReadExt, TryStreamExt};
    let sim = Sim::start();
    let pods: Api<Pod> = Api::default_namespaced(sim.client().await);
    let script = "for i in 1 2 3 4; do echo line $i; sleep 0.3; done";
    pods.create(&PostParams::default(), &pod("streamer", "Never", script))
        .await
        .unwrap();
    // As etl does: 400 until the container started, then follow to the end.
    let stream = within("a log stream", async {
        loop {
            let params = LogParams {
                follow: true,
                timestamps: true,
                ..Default::default()
            };
            match pods.log_stream("streamer", &params).await {
                Ok(s) => return s,
                Err(kube::Error::Api(e)) if e.code == 400 => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(e) => panic!("{e}"),
            }
        }
    })
    .await;
    let lines: Vec<String> = within("the followed log", stream.lines().try_collect())
        .await
        .unwrap();
    assert_eq!(lines.len(), 4, "{lines:?}");
    let stamps: Vec<jiff::Timestamp> = lines
        .iter()
        .map(|l| l.split_once(' ').unwrap().0.parse().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]));
    assert!(lines[3].ends_with(" line 4"));
    // since_time (second precision, as kube-rs sends it) keeps the lines at or after it.
    let since = jiff::Timestamp::from_second(stamps[2].as_second()).unwrap();
    let params = LogParams {
        timestamps: true,
        since_time: Some(since),
        ..Default::default()
    };
    let later = pods.logs("streamer", &params).await.unwrap();
    let n = later.lines().count();
    assert!(
        (2..=4).contains(&n) && later.ends_with("line 4\n"),
        "{later}"
    );
    assert!(stamps.iter().filter(|t| **t >= since).count() == n);
}

#[tokio::test]
async fn missing_images_and_oom_kills_can_be_simulated() {
    let sim = Sim::start();
    let client = sim.client().await;
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let mut unpullable = pod("unpullable", "Never", "true");
    unpullable.spec.as_mut().unwrap().containers[0].image =
        Some("registry.example/kubesim-missing/etl:1".into());
    pods.create(&PostParams::default(), &unpullable)
        .await
        .unwrap();
    until("ImagePullBackOff", || async {
        let p = pods.get("unpullable").await.unwrap();
        let w = p
            .status
            .and_then(|s| s.container_statuses)
            .and_then(|c| c[0].state.clone()?.waiting);
        w.and_then(|w| w.reason).as_deref() == Some("ImagePullBackOff")
    })
    .await;
    assert_eq!(phase(&pods.get("unpullable").await.unwrap()), "Pending");
    let events: Api<k8s_openapi::api::core::v1::Event> = Api::default_namespaced(client);
    let evs = events
        .list(&ListParams::default().fields("involvedObject.name=unpullable"))
        .await
        .unwrap();
    assert!(evs.items.iter().any(|e| {
        e.message
            .as_deref()
            .is_some_and(|m| m.contains("Failed to pull image"))
    }));

    pods.create(
        &PostParams::default(),
        &pod("hungry", "Never", "echo eating; kill -9 $$$$"),
    )
    .await
    .unwrap();
    until("the pod to fail", || async {
        phase(&pods.get("hungry").await.unwrap()) == "Failed"
    })
    .await;
    let p = pods.get("hungry").await.unwrap();
    let t = p.status.unwrap().container_statuses.unwrap()[0]
        .state
        .clone()
        .unwrap()
        .terminated
        .unwrap();
    assert_eq!((t.exit_code, t.reason.as_deref()), (137, Some("OOMKilled")));
}

#[tokio::test]
async fn a_node_selector_that_matches_no_node_leaves_the_pod_unschedulable() {
    let sim = Sim::start();
    let pods: Api<Pod> = Api::default_namespaced(sim.client().await);
    let mut gpu = pod("gpu", "Never", "true");
    let sel = [("accelerator".to_string(), "h100".to_string())].into();
    gpu.spec.as_mut().unwrap().node_selector = Some(sel);
    pods.create(&PostParams::default(), &gpu).await.unwrap();
    let mut linux = pod("linux", "Never", "true");
    let sel = [("kubernetes.io/os".to_string(), "linux".to_string())].into();
    linux.spec.as_mut().unwrap().node_selector = Some(sel);
    pods.create(&PostParams::default(), &linux).await.unwrap();
    until("the linux pod to run", || async {
        phase(&pods.get("linux").await.unwrap()) == "Succeeded"
    })
    .await;
    until("the gpu pod to be unschedulable", || async {
        let p = pods.get("gpu").await.unwrap();
        p.status.and_then(|s| s.conditions).is_some_and(|cs| {
            cs.iter().any(|c| {
                c.type_ == "PodScheduled"
                    && c.status == "False"
                    && c.reason.as_deref() == Some("Unschedulable")
            })
        })
    })
    .await;
    let p = pods.get("gpu").await.unwrap();
    assert_eq!(phase(&p), "Pending");
    assert!(p.spec.unwrap().node_name.is_none());
}
