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
    let o = sim.kubectl_ok(&[
        "get",
        "jobs",
        "-l",
        "etl.dev/project=demo,etl.dev/job=hello",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&o).unwrap();
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
    r.stderr_has("(exit code 3)");
    // Following the ended run again: each pod's lines together, pods in the order they ran.
    let again = s
        .on(&sim, &["jobs", "follow", "flaky-20261123-1d-a1"])
        .expect(1);
    again.stderr_has("(exit code 3)");
    let out = again.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert!(
        lines.iter().all(|l| l.starts_with('[')),
        "the run has three pods: every line says whose it is\n{out}"
    );
    // (Within a pod, its stdout and stderr lines may come in either order: two pipes.)
    let pod_of = |l: &str| l.split_once("] ").map(|(p, _)| p.to_string());
    for pair in lines.chunks(2) {
        assert!(
            pod_of(pair[0]) == pod_of(pair[1])
                && pair
                    .iter()
                    .any(|l| l.ends_with("trying flaky-20261123-1d-a1"))
                && pair.iter().any(|l| l.ends_with("broken")),
            "a pod's lines are not together:\n{out}"
        );
    }
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
        let o = sim.kubectl_ok(&[
            "get",
            "pods",
            "-l",
            "job-name=forever-20261123-1d-a1",
            "-o",
            "jsonpath={.items[*].status.phase}",
        ]);
        if o.contains("Running") {
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
    let pods = sim.kubectl_ok(&[
        "get",
        "pods",
        "-l",
        "job-name=forever-20261123-1d-a1",
        "-o",
        "name",
    ]);
    assert_eq!(pods.trim(), "", "no pod is left");
    // Ended by etl, recorded by etl: no scheduler runs here.
    let history = sim.kubectl_ok(&[
        "get",
        "configmaps",
        "-l",
        "etl.dev/kind=history",
        "-o",
        "json",
    ]);
    assert!(
        history.contains("forever-20261123-1d-a1") && history.contains("CANCELLED"),
        "{history}"
    );
    let runs = s.on(&sim, &["runs", "-o", "json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&runs.stdout()).unwrap();
    assert_eq!(v[0]["state"], "Cancelled");
    assert_eq!(v[0]["reason"], "cancelled by ana");
    // Years later the run still lasted seconds (it ended when it was cancelled), and the
    // table says who cancelled it.
    let mut later = s.cmd(&["runs"]);
    later
        .env("KUBECONFIG", &sim.kubeconfig)
        .env("ETL_NOW", "2030-01-01T00:00:00Z");
    let table = crate::common::Run {
        out: later.output().unwrap(),
    }
    .expect(0)
    .stdout();
    let row = table
        .lines()
        .find(|l| l.starts_with("forever-20261123-1d-a1"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("Cancelled by ana"), "{table}");
    // ... STARTED (ends in its zone) DURATION TRIGGER BY: one `Ns` token before `manual`.
    let words: Vec<&str> = row.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "manual").unwrap();
    assert!(
        words[at - 1].ends_with('s')
            && words[at - 1][..words[at - 1].len() - 1]
                .parse::<u32>()
                .is_ok(),
        "a duration of seconds, not years: {table}"
    );
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
    let jobs = sim.kubectl_ok(&["get", "jobs", "-o", "name"]);
    assert_eq!(jobs.trim(), "");
}

/// A cluster whose port is closed: every cluster command fails at once (kubectl takes 0.2 s),
/// naming the server and the context, with exit 3.
#[test]
fn an_unreachable_cluster_fails_fast_naming_the_server() {
    let s = Sandbox::new();
    // A schedule, so `etl deploy` has something to apply.
    s.write(
        "etl.yaml",
        &PROJECT.replace(
            "    description: prints its window\n",
            "    description: prints its window\n    schedule: \"0 2 * * *\"\n",
        ),
    );
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = format!("http://127.0.0.1:{port}");
    s.write(
        "kubeconfig",
        &format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: closed, cluster: {{server: '{server}'}}}}]\nusers: [{{name: u, user: {{}}}}]\ncontexts: [{{name: closed, context: {{cluster: closed, user: u, namespace: default}}}}]\ncurrent-context: closed\n"
        ),
    );
    let commands: [&[&str]; 4] = [
        &["runs"],
        &["jobs", "schedule", "hello", "--today"],
        &["jobs", "follow", "hello-20261123-1d-a1"],
        &["deploy"],
    ];
    for args in commands {
        let started = std::time::Instant::now();
        let mut c = s.cmd(args);
        c.env("KUBECONFIG", s.path().join("kubeconfig"));
        let r = crate::common::Run {
            out: c.output().unwrap(),
        }
        .expect(3);
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(5),
            "etl {args:?} took {took:?}:\n{}",
            r.stderr()
        );
        r.stderr_has(&format!("at {server} (context closed)"));
    }
    // -v shows the causes behind the one-line explanation.
    let mut c = s.cmd(&["-v", "runs"]);
    c.env("KUBECONFIG", s.path().join("kubeconfig"));
    let r = crate::common::Run {
        out: c.output().unwrap(),
    }
    .expect(3);
    r.stderr_has("  caused by: ");
    r.stderr_has("Connection refused");
}

/// Every log request fails: follow cannot deliver the lines, so it says whose log is
/// incomplete and exits 3 (the run itself succeeded), rather than exit 0 with nothing shown.
#[test]
fn a_log_that_cannot_be_read_is_named_and_exits_3() {
    let Some((s, sim)) = setup() else { return };
    sim.post("/kubesim/faults/errors?code=500&share=1.0&path_contains=/log");
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
        .expect(3);
    assert_eq!(
        r.stdout().trim(),
        "hello-20261122-1d-a1",
        "no log line got through"
    );
    r.stderr_has("the log of pod hello-20261122-1d-a1-");
    r.stderr_has("is incomplete: reading its log failed: 500");
    r.stderr_has("run hello-20261122-1d-a1 succeeded, but the log of pod hello-20261122-1d-a1-");
    // Once the logs can be read again, following shows the whole log and exits 0.
    sim.post("/kubesim/faults/reset");
    let f = s
        .on(&sim, &["jobs", "follow", "hello-20261122-1d-a1"])
        .expect(0);
    assert_eq!(f.stdout().lines().count(), 5, "{}", f.stdout());
}

fn job_names(sim: &Kubesim) -> Vec<String> {
    let o = sim.kubectl(&["get", "jobs", "-o", "name"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The connection resets right after the create: the Job exists, and etl, trying again, finds
/// the Job it created (its request id) and reports the run, not a cluster error.
#[test]
fn a_lost_create_answer_is_the_run_etl_created() {
    let Some((s, sim)) = setup() else { return };
    sim.post("/kubesim/faults/lose-response?method=POST&path_contains=/jobs");
    let r = s
        .on(&sim, &["jobs", "schedule", "hello", "--date", "2026-11-22"])
        .expect(0);
    assert_eq!(r.stdout().trim(), "hello-20261122-1d-a1");
    assert_eq!(job_names(&sim), ["job.batch/hello-20261122-1d-a1"]);
}

/// `etl jobs schedule` killed (kill -9) after its create reached the server but before the
/// answer came back: scheduling again finds that run instead of suggesting a duplicate.
#[test]
fn scheduling_again_after_kill_9_finds_the_run_it_created() {
    let Some((s, sim)) = setup() else { return };
    sim.post("/kubesim/faults/lose-response?method=POST&path_contains=/jobs&delay_ms=30000");
    let mut first = s.cmd(&["jobs", "schedule", "hello", "--date", "2026-11-22"]);
    first
        .env("KUBECONFIG", &sim.kubeconfig)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = first.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while job_names(&sim).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the Job was never created"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let again = s
        .on(&sim, &["jobs", "schedule", "hello", "--date", "2026-11-22"])
        .expect(0);
    assert_eq!(again.stdout().trim(), "hello-20261122-1d-a1");
    again.stderr_has("found run hello-20261122-1d-a1");
    assert_eq!(
        job_names(&sim),
        ["job.batch/hello-20261122-1d-a1"],
        "one Job, no duplicate"
    );
    // That settled it: a third schedule is a deliberate one again, and needs --rerun.
    s.on(&sim, &["jobs", "schedule", "hello", "--date", "2026-11-22"])
        .expect(2)
        .stderr_has("--rerun starts attempt 2");
}

/// --rerun while attempt 1 is still going would run the window twice at once: refused.
#[test]
fn rerun_is_refused_while_the_window_has_an_active_run() {
    let Some((s, sim)) = setup() else { return };
    s.on(&sim, &["jobs", "schedule", "forever", "--today"])
        .expect(0);
    let r = s
        .on(&sim, &["jobs", "schedule", "forever", "--today", "--rerun"])
        .expect(2);
    r.stderr_has("the window already has a run that has not ended: forever-20261123-1d-a1");
    r.stderr_has("etl jobs cancel forever-20261123-1d-a1");
    assert_eq!(job_names(&sim), ["job.batch/forever-20261123-1d-a1"]);
    s.on(&sim, &["jobs", "cancel", "forever-20261123-1d-a1", "--yes"])
        .expect(0);
    let r = s
        .on(&sim, &["jobs", "schedule", "forever", "--today", "--rerun"])
        .expect(0);
    assert_eq!(r.stdout().trim(), "forever-20261123-1d-a2");
    s.on(&sim, &["jobs", "cancel", "forever-20261123-1d-a2", "--yes"])
        .expect(0);
}

/// A run the CronJob made and a manual run of the same window are duplicates too.
#[test]
fn a_cron_run_counts_as_the_windows_run() {
    let Some((s, sim)) = setup() else { return };
    s.write(
        "etl.yaml",
        &PROJECT.replace(
            "    description: prints its window\n",
            "    description: prints its window\n    schedule: \"0 2 * * *\"\n",
        ),
    );
    s.on(&sim, &["deploy"]).expect(0);
    // To a minute past the next 02:00 (the CronJob skips a time more than an hour late).
    let now: jiff::Timestamp = sim.get_json("/kubesim/clock")["now"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let utc = now.to_zoned(jiff::tz::TimeZone::UTC);
    let mut fire = utc
        .date()
        .at(2, 1, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap();
    if fire <= utc {
        fire = fire.tomorrow().unwrap();
    }
    sim.advance(fire.timestamp().as_second().abs_diff(now.as_second()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let scheduled = loop {
        let o = sim.kubectl_ok(&[
            "get",
            "jobs",
            "-l",
            "etl.dev/trigger=cron",
            "-o",
            "jsonpath={.items[0].metadata.annotations.batch\\.kubernetes\\.io/cronjob-scheduled-timestamp}",
        ]);
        let text = o.trim().to_string();
        if !text.is_empty() {
            break text.parse::<jiff::Timestamp>().unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the CronJob never fired"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    // A daily run at 02:00 covers the day before (UTC here).
    let day = scheduled
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .yesterday()
        .unwrap()
        .to_string();
    let r = s
        .on(&sim, &["jobs", "schedule", "hello", "--date", &day])
        .expect(2);
    r.stderr_has("the window already has a run: hello-");
    r.stderr_has("--rerun starts attempt 2");
    assert_eq!(
        job_names(&sim).len(),
        1,
        "no manual run next to the cron run"
    );
    let runs = s
        .on(&sim, &["runs", "--job", "hello", "-o", "json"])
        .expect(0);
    let v: Vec<serde_json::Value> = serde_json::from_str(&runs.stdout()).unwrap();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0]["trigger"], "cron");
}

/// A job whose Secret is not in the namespace: no run is started (its pod would wait for the
/// Secret forever); etl says how to create it.
#[test]
fn schedule_refuses_a_job_whose_secret_is_missing() {
    let Some((s, sim)) = setup() else { return };
    s.write(
        "etl.yaml",
        &format!(
            "{}secrets:\n  warehouse: {{keys: [WAREHOUSE_TOKEN]}}\n",
            PROJECT.replace(
                "    description: prints its window\n",
                "    description: prints its window\n    secrets: [warehouse]\n",
            )
        ),
    );
    let r = s
        .on(&sim, &["jobs", "schedule", "hello", "--today"])
        .expect(3);
    r.stderr_has("job hello needs secret demo-warehouse");
    r.stderr_has("`etl deploy hello`");
    assert!(job_names(&sim).is_empty(), "no run was started");
    let o = sim.kubectl(&[
        "create",
        "secret",
        "generic",
        "demo-warehouse",
        "--from-literal=OTHER=x",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    s.on(&sim, &["jobs", "schedule", "hello", "--today"])
        .expect(3)
        .stderr_has("secret demo-warehouse in namespace default lacks WAREHOUSE_TOKEN");
    sim.kubectl_ok(&["delete", "secret", "demo-warehouse"]);
    let o = sim.kubectl(&[
        "create",
        "secret",
        "generic",
        "demo-warehouse",
        "--from-literal=WAREHOUSE_TOKEN=x",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    s.on(&sim, &["jobs", "schedule", "hello", "--today", "--wait"])
        .expect(0);
}

/// `etl runs` names jobs as etl.yaml does (not the 63-character label) and shows times in the
/// job's time zone, with its abbreviation, as `etl jobs list` does — cluster and local alike.
#[test]
fn runs_show_the_job_name_and_times_in_the_jobs_zone() {
    let Some((s, sim)) = setup() else { return };
    let long = "ingest-every-sensor-reading-from-the-warehouse-and-average-them-hourly";
    s.write(
        "etl.yaml",
        &format!(
            "project: demo\ncluster: {{namespace: default}}\ndefaults: {{retries: 0, timezone: America/Los_Angeles}}\njobs:\n  {long}:\n    command: [sh, -c, 'echo hi']\n"
        ),
    );
    s.on(&sim, &["jobs", "schedule", long, "--today", "--wait"])
        .expect(0);
    let table = s.on(&sim, &["runs"]).expect(0).stdout();
    let row = table.lines().nth(1).unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains(&format!(" {long} ")), "{table}");
    assert!(row.contains(" PST "), "{table}");
    s.run(&["jobs", "run", long, "--today"]).expect(0);
    let local = s.run(&["runs", "--local"]).expect(0).stdout();
    assert!(
        local.lines().nth(1).is_some_and(|l| l.contains(" PST ")),
        "{local}"
    );
}

/// `etl runs -o json` and `etl runs --local -o json`: one schema, the same keys in the same
/// order, so one script reads both.
#[test]
fn cluster_and_local_runs_share_one_json_schema() {
    let Some((s, sim)) = setup() else { return };
    s.on(&sim, &["jobs", "schedule", "hello", "--today", "--wait"])
        .expect(0);
    s.run(&["jobs", "run", "hello", "--today"]).expect(0);
    let keys = |out: String| -> Vec<String> {
        let v: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        v[0].as_object().unwrap().keys().cloned().collect()
    };
    let cluster = keys(s.on(&sim, &["runs", "-o", "json"]).expect(0).stdout());
    let local = keys(s.run(&["runs", "--local", "-o", "json"]).expect(0).stdout());
    assert_eq!(cluster, local);
    for k in [
        "name",
        "job",
        "window_start",
        "state",
        "started_at",
        "duration_seconds",
        "exit_code",
    ] {
        assert!(
            cluster.iter().any(|c| c == k),
            "{k} missing from {cluster:?}"
        );
    }
}

/// `follow` with no run follows the newest one scheduled from this machine; before any, it
/// asks which (exit 2) without reaching for a cluster.
#[test]
fn follow_without_a_run_before_any_was_scheduled_asks_which() {
    let s = Sandbox::example();
    s.run(&["jobs", "follow"])
        .expect(2)
        .stderr_has("no run scheduled from this machine yet: which run?");
    s.run(&["workflows", "follow"])
        .expect(2)
        .stderr_has("which workflow run should etl follow?");
}
