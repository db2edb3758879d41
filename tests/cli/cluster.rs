//! Runs in a cluster, end to end: the real `etl` binary against kubesim (tests/kubesim), a
//! Kubernetes API server whose pods run as local processes.

use crate::common::{Kubesim, Run, Sandbox};

const PROJECT: &str = r#"project: demo
cluster: {namespace: default}
defaults:
  retries: 0
jobs:
  hello:
    description: prints its window
    command: [sh, -c, 'for i in 1 2 3 4 5; do echo "line $i of $0 $1 $2"; done']
  flaky:
    retries: 2
    command: [sh, -c, 'echo "trying $ETL_RUN_ID"; echo "broken" >&2; exit 3']
  slow:
    command: [sh, -c, 'i=0; while [ $i -lt 60 ]; do i=$((i+1)); echo "tick $i"; sleep 0.05; done']
  forever:
    command: [sh, -c, 'echo started; while :; do sleep 0.2; done']
"#;

fn setup() -> Option<(Sandbox, Kubesim)> {
    let s = Sandbox::new();
    s.write("etl.yaml", PROJECT);
    let sim = Kubesim::start(s.path())?;
    Some((s, sim))
}

fn lines(r: &Run) -> Vec<String> {
    r.stdout().lines().map(str::to_string).collect()
}

#[test]
fn schedule_and_follow_a_run_that_succeeds() {
    let Some((s, sim)) = setup() else { return };
    let r = s
        .on(
            &sim,
            &[
                "jobs",
                "schedule",
                "hello",
                "--date",
                "2026-11-22",
                "--follow",
            ],
        )
        .expect(0);
    let out = lines(&r);
    assert_eq!(out[0], "hello-20261122-1d-a1", "the run's name comes first");
    let expected: Vec<String> = (1..=5)
        .map(|i| format!("line {i} of hello 2026-11-22T00:00:00+00:00 2026-11-23T00:00:00+00:00"))
        .collect();
    assert_eq!(&out[1..], &expected[..]);
    let err = r.stderr();
    assert!(err.contains("context kubesim, namespace default"), "{err}");
    assert!(err.contains("run hello-20261122-1d-a1 succeeded"), "{err}");

    // The Job carries what `etl runs` needs, for anyone with kubectl too.
    let o = sim.kubectl(&[
        "get",
        "jobs",
        "-l",
        "etl.dev/project=demo,etl.dev/job=hello",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let labels = &v["items"][0]["metadata"]["labels"];
    assert_eq!(labels["etl.dev/window-start"], "20261122T000000Z");
    assert_eq!(labels["etl.dev/trigger"], "manual");
    assert_eq!(
        v["items"][0]["metadata"]["annotations"]["etl.dev/started-by"],
        "ana"
    );

    let runs = s.on(&sim, &["runs", "-o", "json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&runs.stdout()).unwrap();
    assert_eq!(v[0]["name"], "hello-20261122-1d-a1");
    assert_eq!(v[0]["state"], "Succeeded");
    assert_eq!(v[0]["window_start"], "2026-11-22T00:00:00+00:00");
    assert_eq!(v[0]["started_by"], "ana");
}

#[test]
fn the_same_window_twice_needs_rerun_and_never_overwrites() {
    let Some((s, sim)) = setup() else { return };
    s.on(
        &sim,
        &[
            "jobs",
            "schedule",
            "hello",
            "--date",
            "2026-11-22",
            "--wait",
        ],
    )
    .expect(0);
    let again = s
        .on(&sim, &["jobs", "schedule", "hello", "--date", "2026-11-22"])
        .expect(2);
    again.stderr_has("the window already has a run: hello-20261122-1d-a1 (Succeeded)");
    again.stderr_has("--rerun starts attempt 2");
    let rerun = s
        .on(
            &sim,
            &[
                "jobs",
                "schedule",
                "hello",
                "--date",
                "2026-11-22",
                "--rerun",
                "--wait",
            ],
        )
        .expect(0);
    assert_eq!(rerun.stdout().trim(), "hello-20261122-1d-a2");
    // `etl jobs follow` with no run follows the newest run scheduled from here; its log is
    // complete even though the run ended before following began.
    let f = s.on(&sim, &["jobs", "follow"]).expect(0);
    assert_eq!(f.stdout().lines().count(), 5, "{}", f.stdout());
    f.stderr_has("following hello-20261122-1d-a2");
    let runs = s
        .on(&sim, &["runs", "--job", "hello", "-o", "json"])
        .expect(0);
    let v: Vec<serde_json::Value> = serde_json::from_str(&runs.stdout()).unwrap();
    let attempts: Vec<u64> = v.iter().map(|r| r["attempt"].as_u64().unwrap()).collect();
    assert_eq!(attempts, [2, 1]);
}

#[test]
fn a_failing_run_shows_every_attempt_and_exits_1() {
    let Some((s, sim)) = setup() else { return };
    let r = s
        .on(&sim, &["jobs", "schedule", "flaky", "--today", "--follow"])
        .expect(1);
    let out = r.stdout();
    // retries: 2 → three pods, each with its own log, prefixed once there is more than one.
    assert_eq!(
        out.matches("trying flaky-20261123-1d-a1").count(),
        3,
        "{out}"
    );
    assert_eq!(out.matches("broken").count(), 3, "{out}");
    let err = r.stderr();
    assert!(err.contains("(retry 2)"), "{err}");
    assert!(
        err.contains("run flaky-20261123-1d-a1 failed: BackoffLimitExceeded"),
        "{err}"
    );
    let runs = s.on(&sim, &["runs", "--state", "failed"]).expect(0);
    runs.stdout_has("flaky-20261123-1d-a1");
}

#[test]
fn cancel_stops_the_run_and_leaves_no_pods() {
    let Some((s, sim)) = setup() else { return };
    s.on(&sim, &["jobs", "schedule", "forever", "--today"])
        .expect(0);
    // Wait for the pod to run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let o = sim.kubectl(&[
            "get",
            "pods",
            "-l",
            "job-name=forever-20261123-1d-a1",
            "-o",
            "jsonpath={.items[*].status.phase}",
        ]);
        if String::from_utf8_lossy(&o.stdout).contains("Running") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the pod never ran");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let no = s
        .on(&sim, &["jobs", "cancel", "forever-20261123-1d-a1"])
        .expect(2);
    no.stderr_has("pass --yes");
    s.on(&sim, &["jobs", "cancel", "forever-20261123-1d-a1", "--yes"])
        .expect(0);
    let pods = sim.kubectl(&[
        "get",
        "pods",
        "-l",
        "job-name=forever-20261123-1d-a1",
        "-o",
        "name",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&pods.stdout).trim(),
        "",
        "no pod is left"
    );
    let runs = s.on(&sim, &["runs", "-o", "json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&runs.stdout()).unwrap();
    assert_eq!(v[0]["state"], "Cancelled");
    assert_eq!(v[0]["reason"], "cancelled by ana");
    let f = s
        .on(&sim, &["jobs", "follow", "forever-20261123-1d-a1"])
        .expect(1);
    f.stderr_has("was cancelled by ana");
}

/// Watches dropped, 500s, history compacted (410 Gone) while following: every line exactly
/// once, in order.
#[test]
fn faults_while_following_lose_and_duplicate_nothing() {
    let Some((s, sim)) = setup() else { return };
    let mut follow = s.cmd(&["jobs", "schedule", "slow", "--today", "--follow"]);
    follow.env("KUBECONFIG", &sim.kubeconfig);
    let child = follow
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for round in 0..6 {
        std::thread::sleep(std::time::Duration::from_millis(400));
        match round % 3 {
            0 => sim.post("/kubesim/faults/drop-watches"),
            1 => sim.post("/kubesim/faults/errors?count=3&code=500"),
            _ => sim.post("/kubesim/faults/compact"),
        };
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ticks: Vec<&str> = stdout.lines().skip(1).collect();
    let expected: Vec<String> = (1..=60).map(|i| format!("tick {i}")).collect();
    assert_eq!(
        ticks,
        expected,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_pinned_context_is_refused_unless_named() {
    let Some((s, sim)) = setup() else { return };
    s.write(
        "etl.yaml",
        &PROJECT.replace(
            "cluster: {namespace: default}",
            "cluster: {namespace: default, context: prod}",
        ),
    );
    let r = s
        .on(&sim, &["jobs", "schedule", "hello", "--today"])
        .expect(2);
    assert!(
        r.stderr().contains(
            "etl.yaml pins the cluster context `prod`, but the current context is `kubesim`"
        ),
        "{}",
        r.stderr()
    );
    let r = s
        .on(
            &sim,
            &[
                "jobs",
                "schedule",
                "hello",
                "--today",
                "--context",
                "kubesim",
                "--wait",
            ],
        )
        .expect(0);
    assert_eq!(r.stdout().trim(), "hello-20261123-1d-a1");
    let r = s.on(&sim, &["runs", "--context", "kubsim"]).expect(2);
    r.stderr_has("did you mean `kubesim`?");
}

#[test]
fn following_uses_watches_not_polling() {
    let Some((s, sim)) = setup() else { return };
    s.on(&sim, &["jobs", "schedule", "slow", "--today", "--follow"])
        .expect(0);
    let body = sim.get_json("/kubesim/metrics");
    let requests = &body["requests"];
    let count = |k: &str| requests[k].as_u64().unwrap_or(0);
    assert!(
        count("watch pods") >= 1 && count("watch jobs") >= 1,
        "{body}"
    );
    // A 3-second run followed by polling would list pods every second or so.
    assert!(count("list pods") <= 3, "{body}");
    assert!(count("get pods/log") >= 1, "{body}");
    assert_eq!(count("create jobs"), 1, "{body}");
}

/// The exact requests etl sends: label selectors, log following, propagation policy.
#[test]
fn the_requests_etl_sends() {
    let Some((s, sim)) = setup() else { return };
    let rec = crate::common::Recorder::start(&sim);
    s.via(
        &rec,
        &[
            "jobs",
            "schedule",
            "hello",
            "--date",
            "2026-11-22",
            "--follow",
        ],
    )
    .expect(0);
    s.via(
        &rec,
        &["jobs", "schedule", "forever", "--date", "2026-11-22"],
    )
    .expect(0);
    std::thread::sleep(std::time::Duration::from_millis(500));
    s.via(&rec, &["jobs", "cancel", "forever-20261122-1d-a1", "--yes"])
        .expect(0);
    let log = rec.log();
    let has = |needle: &str| {
        assert!(
            log.contains(needle),
            "no request with {needle:?} in:\n{log}"
        )
    };
    // The window's earlier attempts are found by labels, not by listing everything.
    has(
        "GET /apis/batch/v1/namespaces/default/jobs?&labelSelector=etl.dev/project=demo,etl.dev/job=hello,etl.dev/window-start=20261122T000000Z,etl.dev/window-end=20261123T000000Z",
    );
    has("POST /apis/batch/v1/namespaces/default/jobs?");
    has("content-type: application/json");
    // Following watches the Job and its pods and streams logs with follow=true.
    has(
        "GET /apis/batch/v1/namespaces/default/jobs?&fieldSelector=metadata.name=hello-20261122-1d-a1",
    );
    has("labelSelector=job-name=hello-20261122-1d-a1");
    has("watch=true");
    has("/log?&follow=true&timestamps=true");
    // Cancelling records who, suspends the Job, and deletes its pods in the background.
    has("PATCH /apis/batch/v1/namespaces/default/jobs/forever-20261122-1d-a1?");
    has("content-type: application/merge-patch+json");
    has("DELETE /api/v1/namespaces/default/pods?&labelSelector=job-name=forever-20261122-1d-a1");
    has("\"propagationPolicy\":\"Background\"");
}

/// Deploying is server-side apply with field manager `etl`; pruning deletes the CronJob only,
/// orphaning its Jobs (the runs' history).
#[test]
fn deploy_applies_server_side_as_etl_and_prunes_only_the_cronjob() {
    let Some((s, sim)) = setup() else { return };
    let scheduled = PROJECT.replace(
        "    description: prints its window\n",
        "    description: prints its window\n    schedule: \"0 2 * * *\"\n",
    );
    s.write("etl.yaml", &scheduled);
    let rec = crate::common::Recorder::start(&sim);
    s.via(&rec, &["deploy"]).expect(0);
    s.write("etl.yaml", PROJECT);
    s.via(&rec, &["deploy", "--prune", "--yes"]).expect(0);
    let log = rec.log();
    let has = |needle: &str| {
        assert!(
            log.contains(needle),
            "no request with {needle:?} in:\n{log}"
        )
    };
    has("PATCH /apis/batch/v1/namespaces/default/cronjobs/hello?&force=true&fieldManager=etl");
    has("content-type: application/apply-patch+yaml");
    has("GET /apis/batch/v1/namespaces/default/cronjobs?&labelSelector=etl.dev/project=demo");
    has("DELETE /apis/batch/v1/namespaces/default/cronjobs/hello?");
    has("\"propagationPolicy\":\"Orphan\"");
}

#[test]
fn schedule_without_a_terminal_names_the_flags_and_creates_nothing() {
    let Some((s, sim)) = setup() else { return };
    let r = s.on(&sim, &["jobs", "schedule"]).expect(2);
    r.stderr_has("which job? `etl jobs schedule` needs a job and a window");
    let r = s.on(&sim, &["jobs", "schedule", "hello"]).expect(2);
    r.stderr_has("--yesterday, --today, --last-week");
    let jobs = sim.kubectl(&["get", "jobs", "-o", "name"]);
    assert_eq!(String::from_utf8_lossy(&jobs.stdout).trim(), "");
}
