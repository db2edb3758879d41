//! kube-rs against kubesim: watches, resourceVersions, conflicts, faults, selectors and the
//! Job controller, as etl's cluster code will see them.

use crate::common::Sim;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::runtime::WatchStreamExt;
use serde_json::json;
use std::time::Duration;

fn cm(name: &str, labels: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"k": "v"}
    }))
    .unwrap()
}

fn job(name: &str, spec: serde_json::Value) -> Job {
    serde_json::from_value(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec}),
    )
    .unwrap()
}

fn api_err(e: kube::Error) -> (u16, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.reason.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

async fn with_timeout<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

#[tokio::test]
async fn watch_from_resource_version_sees_later_changes_only() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    cms.create(&PostParams::default(), &cm("before", json!({})))
        .await
        .unwrap();
    let rv = cms
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    cms.create(&PostParams::default(), &cm("after", json!({})))
        .await
        .unwrap();
    cms.patch(
        "before",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "v2"}})),
    )
    .await
    .unwrap();
    cms.delete("after", &DeleteParams::default()).await.unwrap();
    let stream = cms
        .watch(&WatchParams::default().timeout(5), &rv)
        .await
        .unwrap();
    let events: Vec<(String, String)> = with_timeout(
        "three watch events",
        stream
            .take(3)
            .map(|e| match e.unwrap() {
                WatchEvent::Added(o) => ("ADDED".to_string(), o.metadata.name.unwrap()),
                WatchEvent::Modified(o) => ("MODIFIED".to_string(), o.metadata.name.unwrap()),
                WatchEvent::Deleted(o) => ("DELETED".to_string(), o.metadata.name.unwrap()),
                other => panic!("unexpected {other:?}"),
            })
            .collect(),
    )
    .await;
    let expect = [
        ("ADDED", "after"),
        ("MODIFIED", "before"),
        ("DELETED", "after"),
    ];
    assert_eq!(events, expect.map(|(a, b)| (a.to_string(), b.to_string())));
}

#[tokio::test]
async fn compaction_answers_410_gone() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    for i in 0..3 {
        cms.create(&PostParams::default(), &cm(&format!("c{i}"), json!({})))
            .await
            .unwrap();
    }
    let first = cms.list(&ListParams::default().limit(1)).await.unwrap();
    let token = first.metadata.continue_.clone().expect("a continue token");
    let rv = first.metadata.resource_version.clone().unwrap();
    cms.create(&PostParams::default(), &cm("c3", json!({})))
        .await
        .unwrap();
    sim.admin("/kubesim/faults/compact");
    let mut stream = Box::pin(
        cms.watch(&WatchParams::default().timeout(5), &rv)
            .await
            .unwrap(),
    );
    match with_timeout("an error event", stream.next()).await {
        Some(Ok(WatchEvent::Error(e))) => assert_eq!((e.code, e.reason.as_str()), (410, "Expired")),
        Some(Err(kube::Error::Api(e))) => assert_eq!(e.code, 410),
        other => panic!("expected 410 Gone, got {other:?}"),
    }
    let err = cms
        .list(&ListParams::default().limit(1).continue_token(&token))
        .await
        .unwrap_err();
    assert_eq!(api_err(err).0, 410);
    // A fresh list works and is consistent.
    assert_eq!(
        cms.list(&ListParams::default()).await.unwrap().items.len(),
        4
    );
}

#[tokio::test]
async fn server_side_apply_conflicts_between_managers() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    let alice = PatchParams::apply("alice");
    cms.patch(
        "shared",
        &alice,
        &Patch::Apply(cm("shared", json!({"app": "x"}))),
    )
    .await
    .unwrap();
    let err = cms
        .patch(
            "shared",
            &PatchParams::apply("bob"),
            &Patch::Apply(cm("shared", json!({"app": "y"}))),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("expected API error")
    };
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert!(status.message.contains("alice"), "{}", status.message);
    let forced = cms
        .patch(
            "shared",
            &PatchParams::apply("bob").force(),
            &Patch::Apply(cm("shared", json!({"app": "y"}))),
        )
        .await
        .unwrap();
    assert_eq!(forced.metadata.labels.unwrap()["app"], "y");
    let managers: Vec<String> = forced
        .metadata
        .managed_fields
        .unwrap()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(managers.contains(&"bob".to_string()), "{managers:?}");
    // dryRun does not persist.
    let dry = PatchParams::apply("bob").force().dry_run();
    cms.patch(
        "shared",
        &dry,
        &Patch::Apply(cm("shared", json!({"app": "z"}))),
    )
    .await
    .unwrap();
    assert_eq!(
        cms.get("shared").await.unwrap().metadata.labels.unwrap()["app"],
        "y"
    );
}

#[tokio::test]
async fn stale_update_is_a_conflict() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    let created = cms
        .create(&PostParams::default(), &cm("c", json!({})))
        .await
        .unwrap();
    let mut a = created.clone();
    a.data = Some([("k".to_string(), "a".to_string())].into());
    cms.replace("c", &PostParams::default(), &a).await.unwrap();
    let mut b = created;
    b.data = Some([("k".to_string(), "b".to_string())].into());
    let (code, reason) = api_err(
        cms.replace("c", &PostParams::default(), &b)
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    let (code, reason) = api_err(
        cms.create(&PostParams::default(), &cm("c", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "AlreadyExists"));
    let (code, reason) = api_err(cms.get("missing").await.unwrap_err());
    assert_eq!((code, reason.as_str()), (404, "NotFound"));
}

#[tokio::test]
async fn injected_429_carries_retry_after_and_kube_retries() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    sim.admin("/kubesim/faults/errors?count=1&code=429&retry_after=7&path_contains=/configmaps");
    // Other paths are not affected; the admin endpoints never are.
    assert_eq!(
        sim.http("GET", "/api/v1/namespaces/default/secrets", None)
            .0,
        200
    );
    let (code, headers, body) = sim.http("GET", "/api/v1/namespaces/default/configmaps", None);
    assert_eq!(code, 429);
    assert!(
        headers.contains(&("retry-after".to_string(), "7".to_string())),
        "{headers:?}"
    );
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["reason"], "TooManyRequests");
    assert_eq!(status["details"]["retryAfterSeconds"], 7);
    assert_eq!(
        sim.http("GET", "/api/v1/namespaces/default/configmaps", None)
            .0,
        200,
        "count=1 fails one request only"
    );
    // kube-rs retries a 429 after the server's Retry-After.
    sim.admin("/kubesim/faults/errors?count=1&code=429&retry_after=1");
    let started = std::time::Instant::now();
    cms.list(&ListParams::default()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    let metrics = sim.json("/kubesim/metrics");
    assert_eq!(metrics["requests"]["list configmaps"], 4, "{metrics}");
    assert_eq!(metrics["requests"]["list secrets"], 1, "{metrics}");
    // 500s are not retried.
    sim.admin("/kubesim/faults/errors?count=1&code=500");
    let (code, reason) = api_err(cms.get("x").await.unwrap_err());
    assert_eq!((code, reason.as_str()), (500, "InternalError"));
    sim.admin("/kubesim/faults/reset");
    assert_eq!(api_err(cms.get("x").await.unwrap_err()).0, 404);
}

#[tokio::test]
async fn label_selectors_equality_and_set_based() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    for (n, l) in [
        ("a", json!({"tier": "db", "env": "prod"})),
        ("b", json!({"tier": "web", "env": "prod", "legacy": "yes"})),
        ("c", json!({"tier": "cache", "env": "dev"})),
        ("d", json!({})),
    ] {
        cms.create(&PostParams::default(), &cm(n, l)).await.unwrap();
    }
    let names = |l: kube::core::ObjectList<ConfigMap>| -> Vec<String> {
        l.items
            .into_iter()
            .map(|c| c.metadata.name.unwrap())
            .collect()
    };
    let sel = |s: &str| ListParams::default().labels(s);
    assert_eq!(names(cms.list(&sel("env=prod")).await.unwrap()), ["a", "b"]);
    assert_eq!(
        names(cms.list(&sel("tier in (db,web),!legacy")).await.unwrap()),
        ["a"]
    );
    assert_eq!(
        names(cms.list(&sel("tier notin (db,web)")).await.unwrap()),
        ["c", "d"]
    );
    assert_eq!(names(cms.list(&sel("env,env!=prod")).await.unwrap()), ["c"]);
    assert_eq!(
        names(
            cms.list(&ListParams::default().fields("metadata.name=b"))
                .await
                .unwrap()
        ),
        ["b"]
    );
    let (code, _) = api_err(cms.list(&sel("tier in db")).await.unwrap_err());
    assert_eq!(code, 400);
}

#[tokio::test]
async fn indexed_job_runs_every_index() {
    let sim = Sim::start();
    let client = sim.client().await;
    let jobs: Api<Job> = Api::default_namespaced(client.clone());
    let pods: Api<Pod> = Api::default_namespaced(client);
    jobs.create(&PostParams::default(), &job("idx", json!({
        "completions": 3, "parallelism": 2, "completionMode": "Indexed",
        "template": {"spec": {"restartPolicy": "Never", "containers": [{
            "name": "main", "image": "busybox",
            "command": ["sh", "-c", "echo index=$JOB_COMPLETION_INDEX name=$POD_NAME"],
            "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
        }]}}
    }))).await.unwrap();
    let cond = kube::runtime::wait::conditions::is_job_completed();
    with_timeout(
        "job completion",
        kube::runtime::wait::await_condition(jobs.clone(), "idx", cond),
    )
    .await
    .unwrap();
    let j = jobs.get("idx").await.unwrap();
    let st = j.status.unwrap();
    assert_eq!(st.succeeded, Some(3));
    assert_eq!(st.completed_indexes.as_deref(), Some("0-2"));
    let types: Vec<String> = st
        .conditions
        .unwrap()
        .into_iter()
        .map(|c| c.type_)
        .collect();
    assert_eq!(types, ["SuccessCriteriaMet", "Complete"]);
    let list = pods
        .list(&ListParams::default().labels("batch.kubernetes.io/job-name=idx"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    for p in list.items {
        let name = p.metadata.name.clone().unwrap();
        let idx =
            p.metadata.annotations.unwrap()["batch.kubernetes.io/job-completion-index"].clone();
        assert!(name.starts_with(&format!("idx-{idx}-")), "{name}");
        let owner = &p.metadata.owner_references.unwrap()[0];
        assert_eq!((owner.kind.as_str(), owner.controller), ("Job", Some(true)));
        let log = pods.logs(&name, &Default::default()).await.unwrap();
        assert_eq!(log, format!("index={idx} name={name}\n"));
        seen.push(idx);
    }
    seen.sort();
    assert_eq!(seen, ["0", "1", "2"]);
}

#[tokio::test]
async fn active_deadline_expires_with_the_clock() {
    let sim = Sim::start();
    let client = sim.client().await;
    let jobs: Api<Job> = Api::default_namespaced(client.clone());
    let pods: Api<Pod> = Api::default_namespaced(client);
    jobs.create(&PostParams::default(), &job("slow", json!({
        "activeDeadlineSeconds": 600,
        "template": {"spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "main", "image": "busybox", "command": ["sleep", "300"]}]}}
    }))).await.unwrap();
    eventually_async(|| async {
        let l = pods
            .list(&ListParams::default().labels("job-name=slow"))
            .await
            .unwrap();
        l.items
            .first()
            .and_then(|p| p.status.as_ref()?.phase.clone())
            .filter(|p| p == "Running")
            .map(|_| ())
    })
    .await;
    sim.admin("/kubesim/clock/advance?seconds=601");
    let failed = |j: Option<&Job>| {
        j.and_then(|j| j.status.as_ref()?.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Failed" && c.status == "True"))
    };
    with_timeout(
        "job failure",
        kube::runtime::wait::await_condition(jobs.clone(), "slow", failed),
    )
    .await
    .unwrap();
    let st = jobs.get("slow").await.unwrap().status.unwrap();
    let conds = st.conditions.unwrap();
    assert_eq!(conds[0].type_, "FailureTarget");
    assert!(
        conds
            .iter()
            .all(|c| c.reason.as_deref() == Some("DeadlineExceeded"))
    );
    // The running pod was killed.
    eventually_async(|| async {
        let l = pods
            .list(&ListParams::default().labels("job-name=slow"))
            .await
            .unwrap();
        l.items.is_empty().then_some(())
    })
    .await;
}

async fn eventually_async<F, Fut>(mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<()>>,
{
    with_timeout("condition", async {
        loop {
            if f().await.is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
}

#[tokio::test]
async fn invalid_job_is_422_with_causes() {
    let sim = Sim::start();
    let jobs: Api<Job> = Api::default_namespaced(sim.client().await);
    let err = jobs
        .create(
            &PostParams::default(),
            &job(
                "Bad_Name",
                json!({"template": {"spec": {"containers": []}}}),
            ),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(s) = err else { panic!() };
    assert_eq!((s.code, s.reason.as_str()), (422, "Invalid"));
    let (_, _, body) = sim.http("POST", "/apis/batch/v1/namespaces/default/jobs", Some(r#"{"metadata":{"name":"x"},"spec":{"template":{"spec":{"restartPolicy":"Always","containers":[{"name":"m","image":"i"}]}}}}"#));
    let st: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        st["details"]["causes"][0]["field"],
        "spec.template.spec.restartPolicy"
    );
    assert_eq!(
        st["details"]["causes"][0]["reason"],
        "FieldValueNotSupported"
    );
}

#[tokio::test]
async fn background_and_orphan_propagation() {
    let sim = Sim::start();
    let client = sim.client().await;
    let jobs: Api<Job> = Api::default_namespaced(client.clone());
    let pods: Api<Pod> = Api::default_namespaced(client);
    let spec = json!({"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "busybox", "command": ["true"]}]}}});
    for n in ["bg", "orphan"] {
        jobs.create(&PostParams::default(), &job(n, spec.clone()))
            .await
            .unwrap();
        let done = kube::runtime::wait::conditions::is_job_completed();
        with_timeout(
            "job done",
            kube::runtime::wait::await_condition(jobs.clone(), n, done),
        )
        .await
        .unwrap();
    }
    jobs.delete("bg", &DeleteParams::background())
        .await
        .unwrap();
    jobs.delete("orphan", &DeleteParams::orphan())
        .await
        .unwrap();
    eventually_async(|| async {
        let l = pods
            .list(&ListParams::default().labels("job-name=bg"))
            .await
            .unwrap();
        l.items.is_empty().then_some(())
    })
    .await;
    let orphans = pods
        .list(&ListParams::default().labels("job-name=orphan"))
        .await
        .unwrap();
    assert_eq!(orphans.items.len(), 1);
    assert!(
        orphans.items[0]
            .metadata
            .owner_references
            .as_ref()
            .is_none_or(|r| r.is_empty())
    );
}

#[tokio::test]
async fn dropped_watches_end_and_kube_runtime_recovers() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    let stream = kube::runtime::watcher(cms.clone(), kube::runtime::watcher::Config::default())
        .applied_objects()
        .map_ok(|c| c.metadata.name.unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let consumer = tokio::spawn(async move {
        let mut stream = Box::pin(stream);
        while let Some(item) = stream.next().await {
            if tx.send(item.map_err(|e| e.to_string())).is_err() {
                return;
            }
        }
    });
    let count = |k: &'static str| {
        let m = sim.json("/kubesim/metrics");
        m["requests"][k].as_u64().unwrap_or(0)
    };
    eventually_async(|| async { (count("watch configmaps") >= 1).then_some(()) }).await;
    cms.create(&PostParams::default(), &cm("one", json!({})))
        .await
        .unwrap();
    assert_eq!(
        with_timeout("one", rx.recv()).await.unwrap().unwrap(),
        "one"
    );
    // Keep the watcher from re-watching until history is compacted past its version.
    sim.admin("/kubesim/faults/errors?count=1000&code=500&path_contains=watch%3Dtrue");
    sim.admin("/kubesim/faults/drop-watches");
    cms.create(&PostParams::default(), &cm("filler", json!({})))
        .await
        .unwrap();
    sim.admin("/kubesim/faults/compact");
    sim.admin("/kubesim/faults/reset");
    cms.create(&PostParams::default(), &cm("two", json!({})))
        .await
        .unwrap();
    // The watcher re-watches, gets 410 Gone for its old resourceVersion, re-lists, and so
    // still sees "two".
    let mut names = Vec::new();
    while !names.contains(&"two".to_string()) {
        // The injected 500s reach the caller as errors; the watcher goes on when polled.
        if let Ok(n) = with_timeout("two", rx.recv()).await.unwrap() {
            names.push(n);
        }
    }
    assert!(names.contains(&"filler".to_string()), "{names:?}");
    assert!(count("watch configmaps") >= 2, "no re-watch");
    assert!(count("list configmaps") >= 2, "no re-list after 410");
    consumer.abort();
}

#[tokio::test]
async fn cronjob_forbid_skips_while_a_run_is_active() {
    let sim = Sim::start();
    let client = sim.client().await;
    let cjs: Api<CronJob> = Api::default_namespaced(client.clone());
    let jobs: Api<Job> = Api::default_namespaced(client);
    let cj: CronJob = serde_json::from_value(json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "forbid"},
        "spec": {"schedule": "0 * * * *", "concurrencyPolicy": "Forbid", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "m", "image": "busybox", "command": ["sleep", "60"]}]}}}}}
    })).unwrap();
    cjs.create(&PostParams::default(), &cj).await.unwrap();
    sim.admin("/kubesim/clock/advance?seconds=3600");
    eventually_async(|| async {
        (jobs.list(&ListParams::default()).await.unwrap().items.len() == 1).then_some(())
    })
    .await;
    sim.admin("/kubesim/clock/advance?seconds=3600");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        jobs.list(&ListParams::default()).await.unwrap().items.len(),
        1,
        "Forbid must not start a second run"
    );
    let st = cjs.get("forbid").await.unwrap().status.unwrap();
    assert_eq!(st.active.unwrap().len(), 1);
    cjs.delete("forbid", &DeleteParams::background())
        .await
        .unwrap();
    eventually_async(|| async {
        jobs.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
            .then_some(())
    })
    .await;
}

#[test]
fn unsupported_media_and_discovery() {
    let sim = Sim::start();
    let (code, _, _) = crate::common::http(
        sim.port,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        Some("\0"),
        "application/vnd.kubernetes.protobuf",
    );
    assert_eq!(code, 415);
    let v = sim.json("/api/v1");
    let pods = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods")
        .unwrap();
    assert_eq!(pods["kind"], "Pod");
    assert!(pods["verbs"].as_array().unwrap().contains(&json!("watch")));
    assert_eq!(sim.json("/apis")["groups"][0]["name"], "batch");
}

#[tokio::test]
async fn streaming_list_watcher_gets_initial_events_then_changes() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    for n in ["a", "b"] {
        cms.create(&PostParams::default(), &cm(n, json!({})))
            .await
            .unwrap();
    }
    let cfg = kube::runtime::watcher::Config::default().streaming_lists();
    let mut stream = Box::pin(kube::runtime::watcher(cms.clone(), cfg));
    let mut initial = Vec::new();
    loop {
        match with_timeout("initial events", stream.try_next())
            .await
            .unwrap()
            .unwrap()
        {
            kube::runtime::watcher::Event::Init => {}
            kube::runtime::watcher::Event::InitApply(o) => initial.push(o.metadata.name.unwrap()),
            kube::runtime::watcher::Event::InitDone => break,
            other => panic!("unexpected before InitDone: {other:?}"),
        }
    }
    initial.sort();
    assert_eq!(initial, ["a", "b"]);
    cms.create(&PostParams::default(), &cm("c", json!({})))
        .await
        .unwrap();
    match with_timeout("a change", stream.try_next())
        .await
        .unwrap()
        .unwrap()
    {
        kube::runtime::watcher::Event::Apply(o) => assert_eq!(o.metadata.name.unwrap(), "c"),
        other => panic!("expected Apply(c), got {other:?}"),
    }
    let m = sim.json("/kubesim/metrics");
    assert!(
        m["requests"].get("list configmaps").is_none(),
        "a streaming list makes no list call: {m}"
    );
}

/// Leader election as kube-rs clients do it: get, create when missing, replace with the
/// resourceVersion read; a competitor holding a stale copy gets 409 and must re-read.
#[tokio::test]
async fn lease_leader_election_conflicts() {
    use k8s_openapi::api::coordination::v1::Lease;
    let sim = Sim::start();
    let leases: Api<Lease> = Api::default_namespaced(sim.client().await);
    assert_eq!(
        api_err(leases.get("etl-scheduler").await.unwrap_err()),
        (404, "NotFound".to_string())
    );
    let lease = |holder: &str, renew: &str| -> Lease {
        serde_json::from_value(json!({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "etl-scheduler"},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15,
                     "acquireTime": "2026-01-01T00:00:00.000000Z", "renewTime": renew,
                     "leaseTransitions": 0}
        }))
        .unwrap()
    };
    let a = leases
        .create(
            &PostParams::default(),
            &lease("pod-a", "2026-01-01T00:00:00.123456Z"),
        )
        .await
        .unwrap();
    // The second candidate's create loses: it exists already.
    assert_eq!(
        api_err(
            leases
                .create(
                    &PostParams::default(),
                    &lease("pod-b", "2026-01-01T00:00:00.200000Z")
                )
                .await
                .unwrap_err()
        ),
        (409, "AlreadyExists".to_string())
    );
    // Both read the same version; the first replace wins, the second is stale.
    let seen_by_b = leases.get("etl-scheduler").await.unwrap();
    let mut renewed = a.clone();
    renewed.spec.as_mut().unwrap().renew_time = lease("pod-a", "2026-01-01T00:00:10.654321Z")
        .spec
        .unwrap()
        .renew_time;
    let renewed = leases
        .replace("etl-scheduler", &PostParams::default(), &renewed)
        .await
        .unwrap();
    assert_ne!(
        renewed.metadata.resource_version,
        a.metadata.resource_version
    );
    let mut takeover = seen_by_b;
    takeover.spec.as_mut().unwrap().holder_identity = Some("pod-b".into());
    assert_eq!(
        api_err(
            leases
                .replace("etl-scheduler", &PostParams::default(), &takeover)
                .await
                .unwrap_err()
        ),
        (409, "Conflict".to_string())
    );
    // MicroTime fields come back exactly as written; leases have no generation.
    let raw = sim.json("/apis/coordination.k8s.io/v1/namespaces/default/leases/etl-scheduler");
    assert_eq!(raw["spec"]["holderIdentity"], "pod-a");
    assert_eq!(raw["spec"]["renewTime"], "2026-01-01T00:00:10.654321Z");
    assert_eq!(raw["spec"]["acquireTime"], "2026-01-01T00:00:00.000000Z");
    assert!(raw["metadata"]["generation"].is_null(), "{raw}");
    // Discovery lists the group, so clients that discover (kubectl, kube's dynamic API) find it.
    let groups = sim.json("/apis");
    assert!(
        groups["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "coordination.k8s.io"),
        "{groups}"
    );
    assert_eq!(
        sim.json("/apis/coordination.k8s.io")["preferredVersion"]["groupVersion"],
        "coordination.k8s.io/v1"
    );
    let res = sim.json("/apis/coordination.k8s.io/v1");
    assert_eq!(res["resources"][0]["name"], "leases");
    assert_eq!(res["resources"][0]["kind"], "Lease");
}

/// `etl deploy` as kube-rs does it: server-side apply of a ServiceAccount, Role,
/// RoleBinding, Service and Deployment; the Deployment becomes available, and applying the
/// same objects again changes nothing (same resourceVersions, same pod).
#[tokio::test]
async fn server_side_applied_deployment_becomes_available_and_reapplies_cleanly() {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Service, ServiceAccount};
    use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
    let sim = Sim::start();
    let client = sim.client().await;
    let pp = PatchParams::apply("etl-deploy").force();
    let objects = [
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "etl"}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "etl"},
               "rules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "etl"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "etl"},
               "subjects": [{"kind": "ServiceAccount", "name": "etl", "namespace": "default"}]}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "etl"},
               "spec": {"selector": {"app": "etl"}, "ports": [{"name": "http", "port": 8080}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "etl"},
               "spec": {"selector": {"matchLabels": {"app": "etl"}},
                        "template": {"metadata": {"labels": {"app": "etl"}},
                                     "spec": {"serviceAccountName": "etl", "terminationGracePeriodSeconds": 1,
                                              "containers": [{"name": "scheduler", "image": "registry.example/etl:1",
                                                              "command": ["sleep", "3600"]}]}}}}),
    ];
    async fn apply_all(
        client: &kube::Client,
        pp: &PatchParams,
        objects: &[serde_json::Value],
    ) -> Vec<String> {
        let mut rvs = Vec::new();
        for o in objects {
            let name = o["metadata"]["name"].as_str().unwrap();
            let rv = match o["kind"].as_str().unwrap() {
                "ServiceAccount" => {
                    Api::<ServiceAccount>::default_namespaced(client.clone())
                        .patch(name, pp, &Patch::Apply(o))
                        .await
                        .unwrap()
                        .metadata
                        .resource_version
                }
                "Role" => {
                    Api::<Role>::default_namespaced(client.clone())
                        .patch(name, pp, &Patch::Apply(o))
                        .await
                        .unwrap()
                        .metadata
                        .resource_version
                }
                "RoleBinding" => {
                    Api::<RoleBinding>::default_namespaced(client.clone())
                        .patch(name, pp, &Patch::Apply(o))
                        .await
                        .unwrap()
                        .metadata
                        .resource_version
                }
                "Service" => {
                    Api::<Service>::default_namespaced(client.clone())
                        .patch(name, pp, &Patch::Apply(o))
                        .await
                        .unwrap()
                        .metadata
                        .resource_version
                }
                _ => {
                    Api::<Deployment>::default_namespaced(client.clone())
                        .patch(name, pp, &Patch::Apply(o))
                        .await
                        .unwrap()
                        .metadata
                        .resource_version
                }
            };
            rvs.push(rv.unwrap());
        }
        rvs
    }
    apply_all(&client, &pp, &objects).await;
    let deploys: Api<Deployment> = Api::default_namespaced(client.clone());
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let available = |d: &Deployment| {
        let st = d.status.clone().unwrap_or_default();
        st.available_replicas == Some(1)
            && st.updated_replicas == Some(1)
            && st.observed_generation == d.metadata.generation
    };
    let d = with_timeout(
        "the deployment to become available",
        kube::runtime::wait::await_condition(deploys.clone(), "etl", |d: Option<&Deployment>| {
            d.is_some_and(available)
        }),
    )
    .await
    .unwrap()
    .unwrap();
    let conds = d.status.unwrap().conditions.unwrap();
    let cond = |ty: &str| conds.iter().find(|c| c.type_ == ty).unwrap().clone();
    assert_eq!(cond("Available").status, "True");
    assert_eq!(
        cond("Progressing").reason.as_deref(),
        Some("NewReplicaSetAvailable")
    );
    let before = pods
        .list(&ListParams::default().labels("app=etl"))
        .await
        .unwrap();
    assert_eq!(before.items.len(), 1);
    let pod_name = before.items[0].metadata.name.clone().unwrap();

    // Let the controllers settle (status and revision writes), then apply again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let settled: Vec<String> = {
        let mut v = Vec::new();
        v.push(
            Api::<ServiceAccount>::default_namespaced(client.clone())
                .get("etl")
                .await
                .unwrap()
                .metadata
                .resource_version
                .unwrap(),
        );
        v.push(
            Api::<Role>::default_namespaced(client.clone())
                .get("etl")
                .await
                .unwrap()
                .metadata
                .resource_version
                .unwrap(),
        );
        v.push(
            Api::<RoleBinding>::default_namespaced(client.clone())
                .get("etl")
                .await
                .unwrap()
                .metadata
                .resource_version
                .unwrap(),
        );
        v.push(
            Api::<Service>::default_namespaced(client.clone())
                .get("etl")
                .await
                .unwrap()
                .metadata
                .resource_version
                .unwrap(),
        );
        v.push(
            deploys
                .get("etl")
                .await
                .unwrap()
                .metadata
                .resource_version
                .unwrap(),
        );
        v
    };
    let again = apply_all(&client, &pp, &objects).await;
    assert_eq!(again, settled, "a repeated apply changed something");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = pods
        .list(&ListParams::default().labels("app=etl"))
        .await
        .unwrap();
    assert_eq!(after.items.len(), 1);
    assert_eq!(
        after.items[0].metadata.name.as_deref(),
        Some(pod_name.as_str())
    );
}
