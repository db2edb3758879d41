//! `etl workflows schedule|follow|cancel|retry` and `etl scheduler`, against kubesim: the
//! scheduler runs as a process, as it would in its pod, and is killed, doubled and faulted.
//! Tasks are the shell job of `workflows.rs`, which logs `start TASK NANOS` / `end TASK NANOS`
//! so the order can be checked from what the tasks themselves saw.

use crate::common::{Kubesim, Sandbox};
use crate::workflows::{Span, project, spans};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// 14 tasks: diamonds, a task that fails twice then passes (retries: 2), a task that fails for
/// good and what depends on it, and an independent branch.
const BIG: &str = "  big:
    window: day
    tasks:
      a: {job: step, env: {TASK: a}}
      b: {job: step, after: [a], env: {TASK: b, SLEEP: '0.3'}}
      c: {job: step, after: [a], env: {TASK: c}}
      d: {job: step, after: [b, c], env: {TASK: d}}
      e: {job: step, after: [d], env: {TASK: e, SLEEP: '0.2'}}
      f: {job: step, after: [d], env: {TASK: f}}
      g: {job: step, after: [e, f], env: {TASK: g}}
      flaky: {job: step, after: [a], retries: 2, env: {TASK: flaky}}
      h: {job: step, after: [flaky, g], env: {TASK: h}}
      bad: {job: step, after: [c], env: {TASK: bad}}
      i: {job: step, after: [bad], env: {TASK: i}}
      j: {job: step, after: [i, h], env: {TASK: j}}
      solo1: {job: step, env: {TASK: solo1}}
      solo2: {job: step, after: [solo1], env: {TASK: solo2}}
";

const BIG_EDGES: &[(&str, &[&str])] = &[
    ("b", &["a"]),
    ("c", &["a"]),
    ("d", &["b", "c"]),
    ("e", &["d"]),
    ("f", &["d"]),
    ("g", &["e", "f"]),
    ("flaky", &["a"]),
    ("h", &["flaky", "g"]),
    ("bad", &["c"]),
    ("i", &["bad"]),
    ("j", &["i", "h"]),
    ("solo2", &["solo1"]),
];

/// A chain with fan-out, slow enough that a scheduler killed again and again meets it at every
/// stage.
const CHAIN: &str = "  chain:
    window: day
    max_parallel: 2
    tasks:
      a: {job: step, env: {TASK: a, SLEEP: '0.3'}}
      b: {job: step, after: [a], env: {TASK: b, SLEEP: '0.3'}}
      c: {job: step, after: [a], env: {TASK: c, SLEEP: '0.2'}}
      d: {job: step, after: [a], env: {TASK: d, SLEEP: '0.1'}}
      e: {job: step, after: [b, c, d], env: {TASK: e, SLEEP: '0.3'}}
      f: {job: step, after: [e], env: {TASK: f, SLEEP: '0.2'}}
      g: {job: step, after: [e], env: {TASK: g, SLEEP: '0.2'}}
      h: {job: step, after: [f, g], env: {TASK: h}}
      x: {job: step, env: {TASK: x, SLEEP: '0.5'}}
      y: {job: step, after: [x], env: {TASK: y}}
";

const CHAIN_EDGES: &[(&str, &[&str])] = &[
    ("b", &["a"]),
    ("c", &["a"]),
    ("d", &["a"]),
    ("e", &["b", "c", "d"]),
    ("f", &["e"]),
    ("g", &["e"]),
    ("h", &["f", "g"]),
    ("y", &["x"]),
];

/// Nightly at 03:00 UTC for the day before, catching up to 3 missed nights.
const NIGHTLY: &str = "  nightly:
    window: day
    timezone: UTC
    schedule: '0 3 * * *'
    catchup: 3
    tasks:
      a: {job: step, env: {TASK: a}}
      b: {job: step, after: [a], env: {TASK: b}}
";

fn setup(workflows: &str) -> Option<(Sandbox, Kubesim)> {
    let s = project(workflows);
    let sim = Kubesim::start(s.path())?;
    Some((s, sim))
}

/// `etl scheduler` as a background process; SIGKILLed when dropped unless stopped first.
pub struct Scheduler {
    child: Child,
    url: Option<String>,
    log: PathBuf,
}

impl Scheduler {
    pub fn start(s: &Sandbox, sim: &Kubesim, id: &str, env: &[(&str, &str)]) -> Scheduler {
        let log = s.path().join(format!("scheduler-{id}.log"));
        let mut c = s.cmd(&[
            "scheduler",
            "--id",
            id,
            "--lease-seconds",
            "3",
            "--listen",
            "127.0.0.1:0",
        ]);
        c.env("KUBECONFIG", &sim.kubeconfig)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .unwrap(),
            );
        let mut child = c.spawn().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_string);
        Scheduler { child, url, log }
    }

    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, and the exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        signal(&self.child, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "the scheduler did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn metrics(&self) -> String {
        http_get(
            self.url.as_ref().expect("the scheduler listens"),
            "/metrics",
        )
    }

    /// A counter or gauge from /metrics (0 when absent).
    pub fn metric(&self, name: &str) -> f64 {
        self.metrics()
            .lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(child: &Child, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
}

fn http_get(url: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

fn kubectl_ok(sim: &Kubesim, args: &[&str]) -> String {
    sim.kubectl_ok(args)
}

/// The run's recorded end state (COMPLETED, FAILED, CANCELLED), waiting for it.
fn wait_end(sim: &Kubesim, run: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let state = kubectl_ok(
            sim,
            &[
                "get",
                "configmap",
                run,
                "-o",
                "jsonpath={.metadata.labels.etl\\.dev/state}",
            ],
        );
        if !state.is_empty() {
            return state;
        }
        assert!(Instant::now() < deadline, "{run} did not end in {within:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `etl workflows schedule WF --date 2026-11-22`: the run's name.
fn schedule(s: &Sandbox, sim: &Kubesim, workflow: &str) -> String {
    s.on(
        sim,
        &["workflows", "schedule", workflow, "--date", "2026-11-22"],
    )
    .expect(0)
    .stdout()
    .trim()
    .to_string()
}

/// Task → state, from `etl workflows runs --cluster -o json`.
fn task_states(s: &Sandbox, sim: &Kubesim, run: &str) -> HashMap<String, String> {
    let r = s
        .on(sim, &["workflows", "runs", "--cluster", "-o", "json"])
        .expect(0);
    let rows: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run"] == run)
        .unwrap_or_else(|| panic!("{run} is listed: {rows}"));
    row["task_states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn job_names(sim: &Kubesim) -> Vec<String> {
    let mut names: Vec<String> = kubectl_ok(
        sim,
        &["get", "jobs", "-o", "jsonpath={.items[*].metadata.name}"],
    )
    .split_whitespace()
    .map(str::to_string)
    .collect();
    names.sort();
    names
}

fn running_pods(sim: &Kubesim) -> String {
    kubectl_ok(
        sim,
        &[
            "get",
            "pods",
            "--field-selector=status.phase!=Succeeded,status.phase!=Failed",
            "-o",
            "name",
        ],
    )
}

/// Every task started only after each task it runs after had ended (its last attempt).
fn assert_order(sp: &HashMap<String, Vec<Span>>, edges: &[(&str, &[&str])]) {
    for (task, afters) in edges {
        let Some(runs) = sp.get(*task) else { continue };
        for a in *afters {
            let upstream_end = sp[*a].last().unwrap().end;
            assert!(
                runs[0].start >= upstream_end && upstream_end > 0,
                "{task} started before {a} ended: {sp:?}"
            );
        }
    }
}

#[test]
fn the_scheduler_drives_a_workflow_in_order_with_retries_and_failures_and_retry_reruns_only_failed()
{
    let Some((s, sim)) = setup(BIG) else { return };
    s.write("fail-bad", "");
    s.write("pass-after-flaky", "3");
    let sched = Scheduler::start(&s, &sim, "one", &[]);
    let r = s
        .on(
            &sim,
            &["workflows", "schedule", "big", "--date", "2026-11-22"],
        )
        .expect(0);
    let run = r.stdout().trim().to_string();
    assert_eq!(run, "big-20261122-1d-a1");
    assert_eq!(wait_end(&sim, &run, Duration::from_secs(60)), "FAILED");

    let sp = spans(&s);
    assert_order(&sp, BIG_EDGES);
    for t in [
        "a", "b", "c", "d", "e", "f", "g", "h", "bad", "solo1", "solo2",
    ] {
        assert_eq!(sp[t].len(), 1, "{t} ran once: {sp:?}");
    }
    assert_eq!(
        sp["flaky"].len(),
        3,
        "flaky ran 3 times (2 retries): {sp:?}"
    );
    assert!(!sp.contains_key("i") && !sp.contains_key("j"), "{sp:?}");
    let states = task_states(&s, &sim, &run);
    assert_eq!(states["bad"], "FAILED");
    assert_eq!(states["i"], "UPSTREAM_FAILED");
    assert_eq!(states["j"], "UPSTREAM_FAILED");
    assert_eq!(states["solo2"], "COMPLETED");
    assert_eq!(states["h"], "COMPLETED");
    // One Job per task; nothing left running.
    assert_eq!(job_names(&sim).len(), 14);
    assert_eq!(running_pods(&sim), "");
    // The story is on the run, for `kubectl describe`.
    let events = kubectl_ok(
        &sim,
        &[
            "get",
            "events",
            "--field-selector",
            &format!("involvedObject.name={run}"),
            "-o",
            "jsonpath={.items[*].reason}",
        ],
    );
    assert!(
        events.contains("TaskStarted")
            && events.contains("UpstreamFailed")
            && events.contains("RunFinished"),
        "{events}"
    );

    // Fixed: only bad and what it blocked run again, as attempt 2 of each.
    std::fs::remove_file(s.path().join("fail-bad")).unwrap();
    let r = s.on(&sim, &["workflows", "retry", &run]).expect(0);
    r.stderr_has("retrying 3 task(s) of big-20261122-1d-a1: bad, i, j");
    assert_eq!(wait_end(&sim, &run, Duration::from_secs(60)), "COMPLETED");
    let sp = spans(&s);
    assert_eq!(sp["bad"].len(), 2);
    assert_eq!(sp["i"].len(), 1);
    assert_eq!(sp["j"].len(), 1);
    for t in ["a", "b", "h", "solo2"] {
        assert_eq!(sp[t].len(), 1, "{t} did not run again: {sp:?}");
    }
    assert_order(&sp, BIG_EDGES);
    let jobs = job_names(&sim);
    for j in [
        "big-20261122-1d-a1-bad-r2",
        "big-20261122-1d-a1-i-r2",
        "big-20261122-1d-a1-j-r2",
    ] {
        assert!(jobs.contains(&j.to_string()), "{jobs:?}");
    }
    assert_eq!(jobs.len(), 17);
    assert!(sched.metric("etl_scheduler_writes_total") > 0.0);
    sched.stop();
}

/// A tiny deterministic generator: the test prints its seed, so a failure can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn a_scheduler_killed_at_20_random_moments_loses_and_doubles_nothing() {
    let Some((s, sim)) = setup(CHAIN) else { return };
    let seed = std::env::var("ETL_TEST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::process::id() as u64 ^ Instant::now().elapsed().as_nanos() as u64 ^ 0x9e37_79b9
        });
    eprintln!("seed {seed} (ETL_TEST_SEED replays it)");
    let mut rng = Lcg(seed);
    let run = schedule(&s, &sim, "chain");
    // The same replica name each time, as a container restarted in its pod.
    for _ in 0..20 {
        let sched = Scheduler::start(&s, &sim, "crashy", &[]);
        std::thread::sleep(Duration::from_millis(rng.next(300)));
        sched.kill9();
    }
    let sched = Scheduler::start(&s, &sim, "crashy", &[]);
    assert_eq!(wait_end(&sim, &run, Duration::from_secs(60)), "COMPLETED");
    let sp = spans(&s);
    for t in ["a", "b", "c", "d", "e", "f", "g", "h", "x", "y"] {
        assert_eq!(sp[t].len(), 1, "{t} ran exactly once: {sp:?}");
    }
    assert_order(&sp, CHAIN_EDGES);
    let jobs = job_names(&sim);
    assert_eq!(jobs.len(), 10, "one Job per task: {jobs:?}");
    assert_eq!(running_pods(&sim), "", "no pod left behind");
    // max_parallel 2 held for b, c, d across every restart.
    let (b, c, d) = (&sp["b"][0], &sp["c"][0], &sp["d"][0]);
    let overlap_all = b.start.max(c.start).max(d.start) < b.end.min(c.end).min(d.end);
    assert!(!overlap_all, "b, c and d never all ran at once: {sp:?}");
    sched.stop();
}

#[test]
fn an_interrupted_schedule_is_finished_by_running_it_again() {
    let Some((s, sim)) = setup(CHAIN) else { return };
    // Slow answers, so the kill lands after the run's ConfigMap and before its last Job.
    sim.post("/kubesim/faults/latency?ms=150");
    let mut c = s.cmd(&["workflows", "schedule", "chain", "--date", "2026-11-22"]);
    c.env("KUBECONFIG", &sim.kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !kubectl_ok(&sim, &["get", "configmaps", "-o", "name"]).contains("chain-20261122-1d-a1") {
        assert!(
            Instant::now() < deadline,
            "the run's ConfigMap never appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    sim.post("/kubesim/faults/reset");
    let before = job_names(&sim).len();
    assert!(before < 10, "killed before every Job existed ({before})");

    let r = s
        .on(
            &sim,
            &["workflows", "schedule", "chain", "--date", "2026-11-22"],
        )
        .expect(0);
    r.stderr_has("an interrupted `etl workflows schedule`");
    assert_eq!(r.stdout().trim(), "chain-20261122-1d-a1");
    assert_eq!(job_names(&sim).len(), 10);
    let sched = Scheduler::start(&s, &sim, "one", &[]);
    assert_eq!(
        wait_end(&sim, "chain-20261122-1d-a1", Duration::from_secs(60)),
        "COMPLETED"
    );
    for t in ["a", "h", "y"] {
        assert_eq!(spans(&s)[t].len(), 1);
    }
    sched.stop();
}

#[test]
fn two_schedulers_one_acts_and_the_other_takes_over_when_it_dies() {
    let Some((s, sim)) = setup(CHAIN) else { return };
    let first = Scheduler::start(&s, &sim, "first", &[]);
    // Leading before the second starts, so which one leads is known.
    let deadline = Instant::now() + Duration::from_secs(10);
    while first.metric("etl_scheduler_leader") < 1.0 {
        assert!(Instant::now() < deadline, "no leader");
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = Scheduler::start(&s, &sim, "second", &[]);
    let holder = kubectl_ok(
        &sim,
        &[
            "get",
            "lease",
            "flows-scheduler",
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
    );
    assert_eq!(holder, "first");
    let status = s.on(&sim, &["scheduler", "status"]).expect(0);
    status.stdout_has("scheduler: running in namespace default (leader first");

    let run = schedule(&s, &sim, "chain");
    assert_eq!(wait_end(&sim, &run, Duration::from_secs(60)), "COMPLETED");
    assert!(
        first.metric("etl_scheduler_writes_total") >= 9.0,
        "{}",
        first.metrics()
    );
    assert_eq!(
        second.metric("etl_scheduler_writes_total"),
        0.0,
        "{}",
        second.metrics()
    );
    assert_eq!(second.metric("etl_scheduler_leader"), 0.0);

    // The leader dies without a word; the other takes over once the Lease runs out (3 s).
    first.kill9();
    let run2 = s
        .on(
            &sim,
            &["workflows", "schedule", "chain", "--date", "2026-11-23"],
        )
        .expect(0)
        .stdout()
        .trim()
        .to_string();
    assert_eq!(wait_end(&sim, &run2, Duration::from_secs(60)), "COMPLETED");
    assert!(second.metric("etl_scheduler_writes_total") >= 9.0);
    assert!(
        second
            .log()
            .contains("leading (Lease flows-scheduler, as second)")
    );
    // SIGTERM: the Lease is given up, and status says nobody runs.
    assert!(second.stop().success());
    let holder = kubectl_ok(
        &sim,
        &[
            "get",
            "lease",
            "flows-scheduler",
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
    );
    assert_eq!(holder, "");
    let status = s.on(&sim, &["scheduler", "status"]).expect(1);
    status.stdout_has("scheduler: not running in namespace default");
    status.stdout_has("RunFinished: the run ended: COMPLETED");
}

#[test]
fn watch_drops_410s_500s_and_429s_during_a_run_miss_and_double_nothing() {
    let Some((s, sim)) = setup(CHAIN) else { return };
    let sched = Scheduler::start(&s, &sim, "one", &[]);
    let run = schedule(&s, &sim, "chain");
    sim.post("/kubesim/faults/errors?code=500&share=0.2");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut round = 0;
    loop {
        // This look meets the injected faults too: a failed one is no answer.
        let out = sim.kubectl(&[
            "get",
            "configmap",
            &run,
            "-o",
            "jsonpath={.metadata.labels.etl\\.dev/state}",
        ]);
        let state = if out.status.success() {
            String::from_utf8(out.stdout).unwrap()
        } else {
            String::new()
        };
        if !state.is_empty() {
            assert_eq!(state, "COMPLETED");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run did not end under faults"
        );
        match round % 3 {
            0 => sim.post("/kubesim/faults/drop-watches"),
            1 => sim.post("/kubesim/faults/compact"),
            _ => sim.post("/kubesim/faults/errors?count=3&code=429&retry_after=1"),
        };
        round += 1;
        std::thread::sleep(Duration::from_millis(150));
    }
    sim.post("/kubesim/faults/reset");
    let sp = spans(&s);
    for t in ["a", "b", "c", "d", "e", "f", "g", "h", "x", "y"] {
        assert_eq!(sp[t].len(), 1, "{t} ran exactly once: {sp:?}");
    }
    assert_order(&sp, CHAIN_EDGES);
    assert_eq!(job_names(&sim).len(), 10);
    assert!(
        sched.metric("etl_scheduler_api_errors_total") > 0.0,
        "faults were met"
    );
    sched.stop();
}

#[test]
fn missed_schedules_are_caught_up_oldest_first_once() {
    let Some((s, sim)) = setup(NIGHTLY) else {
        return;
    };
    // First start: the schedule is looked after from now on; nothing from before runs.
    let now = "2026-11-23T10:00:00Z";
    let sched = Scheduler::start(&s, &sim, "one", &[("ETL_NOW", now)]);
    passes_after(&sched, 1.0);
    assert!(sched.stop().success());
    let since = kubectl_ok(
        &sim,
        &[
            "get",
            "lease",
            "flows-scheduler",
            "-o",
            "jsonpath={.metadata.annotations.etl\\.dev/schedule-since\\.nightly}",
        ],
    );
    assert_eq!(since, now);
    assert_eq!(
        s.on(&sim, &["workflows", "runs", "--cluster"])
            .expect(0)
            .stdout(),
        ""
    );

    // Down for three days: the three missed nights run, oldest first.
    let later = "2026-11-26T10:00:00Z";
    let sched = Scheduler::start(&s, &sim, "one", &[("ETL_NOW", later)]);
    nights_completed(&sim, &["20261123", "20261124", "20261125"]);
    let log = sched.log();
    let fired: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("fired by schedule"))
        .collect();
    assert_eq!(fired.len(), 3, "{log}");
    assert!(
        fired[0].contains("nightly-20261123") && fired[2].contains("nightly-20261125"),
        "{log}"
    );
    assert!(sched.stop().success());

    // Started again at the same time: nothing more.
    let sched = Scheduler::start(&s, &sim, "one", &[("ETL_NOW", later)]);
    passes_after(&sched, 1.0);
    assert_eq!(
        sched.metric("etl_scheduler_writes_total{action=\"fire\"}"),
        0.0
    );
    let configmaps = kubectl_ok(
        &sim,
        &[
            "get",
            "configmaps",
            "-l",
            "etl.dev/kind=workflow-run",
            "-o",
            "name",
        ],
    );
    assert_eq!(configmaps.lines().count(), 3, "{configmaps}");
    sched.stop();
}

#[test]
fn cancel_stops_every_task_and_leaves_no_pods() {
    let workflows = "  slow:
    window: day
    tasks:
      long: {job: step, env: {TASK: long, SLEEP: '60'}}
      after-long: {job: step, after: [long], env: {TASK: after-long}}
      quick: {job: step, env: {TASK: quick}}
";
    let Some((s, sim)) = setup(workflows) else {
        return;
    };
    let sched = Scheduler::start(&s, &sim, "one", &[]);
    let run = schedule(&s, &sim, "slow");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !spans(&s).contains_key("long") {
        assert!(Instant::now() < deadline, "long never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Without a terminal it needs --yes, and changes nothing.
    s.on(&sim, &["workflows", "cancel", &run])
        .expect(2)
        .stderr_has("pass --yes");
    let r = s
        .on(&sim, &["workflows", "cancel", &run, "--yes"])
        .expect(0);
    r.stderr_has("cancelled workflow run slow-20261122-1d-a1");
    assert_eq!(wait_end(&sim, &run, Duration::from_secs(5)), "CANCELLED");
    assert_eq!(running_pods(&sim), "");
    let states = task_states(&s, &sim, &run);
    assert_eq!(states["long"], "CANCELLED");
    assert_eq!(states["after-long"], "CANCELLED");
    assert!(!spans(&s).contains_key("after-long"));
    let by = kubectl_ok(
        &sim,
        &[
            "get",
            "configmap",
            &run,
            "-o",
            "jsonpath={.metadata.annotations.etl\\.dev/cancelled-by}",
        ],
    );
    assert_eq!(by, "ana");
    // Following a cancelled run exits 1 and says so; cancelling again is a no-op.
    s.on(&sim, &["workflows", "follow", &run])
        .expect(1)
        .stderr_has("was cancelled by ana");
    s.on(&sim, &["workflows", "cancel", &run, "--yes"])
        .expect(0)
        .stderr_has("has already ended: CANCELLED");
    sched.stop();
}

#[test]
fn schedule_without_a_scheduler_says_so_and_follow_shows_progress_and_prefixed_logs() {
    let Some((s, sim)) = setup(CHAIN) else { return };
    let r = s
        .on(
            &sim,
            &["workflows", "schedule", "chain", "--date", "2026-11-22"],
        )
        .expect(0);
    r.stderr_has("no scheduler is running in namespace default");
    // The same window again: refused while it runs, without creating anything.
    s.on(
        &sim,
        &[
            "workflows",
            "schedule",
            "chain",
            "--date",
            "2026-11-22",
            "--rerun",
        ],
    )
    .expect(2)
    .stderr_has("already has a workflow run that has not ended: chain-20261122-1d-a1");
    let sched = Scheduler::start(&s, &sim, "one", &[]);
    let f = s.on(&sim, &["workflows", "follow"]).expect(0);
    f.stderr_has("following chain-20261122-1d-a1");
    f.stderr_has("workflow run chain-20261122-1d-a1 completed");
    f.stdout_has("[e] e got step 2026-11-22T00:00:00+01:00 2026-11-23T00:00:00+01:00");
    f.stdout_has("[y] y got step");
    assert!(
        f.stderr().lines().any(|l| l.ends_with("h  COMPLETED")),
        "{}",
        f.stderr()
    );
    // A finished window: --rerun starts attempt 2.
    let r = s
        .on(
            &sim,
            &[
                "workflows",
                "schedule",
                "chain",
                "--date",
                "2026-11-22",
                "--rerun",
            ],
        )
        .expect(0);
    assert_eq!(r.stdout().trim(), "chain-20261122-1d-a2");
    let runs = s.on(&sim, &["workflows", "runs", "--cluster"]).expect(0);
    runs.stdout_has(
        "chain-20261122-1d-a1  chain     2026-11-22 00:00 → 2026-11-23 00:00  COMPLETED  10/10",
    );
    sched.stop();
}

#[test]
fn etl_deploy_runs_the_scheduler_in_the_cluster_and_a_killed_scheduler_pod_loses_nothing() {
    let Some((s, sim)) = setup(CHAIN) else { return };
    // The pod runs on this machine under kubesim: listen on loopback, any port (a project may
    // change its scheduler's template like any other).
    let embedded =
        std::fs::read_to_string(crate::common::repo().join("templates/scheduler.yaml")).unwrap();
    assert!(embedded.contains("0.0.0.0:8080"));
    s.write(
        "templates/scheduler.yaml",
        &embedded.replace("0.0.0.0:8080", "127.0.0.1:0"),
    );
    s.on(
        &sim,
        &[
            "deploy",
            "--yes",
            "--scheduler-image",
            "registry.example/flows:etl-test",
        ],
    )
    .expect(0);

    // The Deployment's pod is `etl scheduler`, reading the project from its ConfigMap.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let st = s.on(&sim, &["scheduler", "status"]);
        if st.code() == 0 {
            st.stdout_has("(leader flows-scheduler-");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no scheduler pod leads: {}",
            st.stdout()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let run = schedule(&s, &sim, "chain");
    assert_eq!(wait_end(&sim, &run, Duration::from_secs(60)), "COMPLETED");

    // kill -9 the scheduler's process mid-run: the container restarts and carries on.
    let run2 = s
        .on(
            &sim,
            &["workflows", "schedule", "chain", "--date", "2026-11-23"],
        )
        .expect(0)
        .stdout()
        .trim()
        .to_string();
    let pod_pid = kubectl_ok(
        &sim,
        &[
            "get",
            "pods",
            "-l",
            "etl.dev/kind=scheduler",
            "-o",
            "jsonpath={.items[0].status.containerStatuses[0].containerID}",
        ],
    );
    let pid: i32 = pod_pid
        .trim_start_matches("kubesim://")
        .parse()
        .unwrap_or_else(|_| panic!("pid in {pod_pid:?}"));
    std::thread::sleep(Duration::from_millis(300));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert_eq!(wait_end(&sim, &run2, Duration::from_secs(60)), "COMPLETED");
    let restarts = kubectl_ok(
        &sim,
        &[
            "get",
            "pods",
            "-l",
            "etl.dev/kind=scheduler",
            "-o",
            "jsonpath={.items[0].status.containerStatuses[0].restartCount}",
        ],
    );
    assert_ne!(restarts, "0", "the container was restarted");
    let sp = spans(&s);
    for t in ["a", "h", "y"] {
        assert_eq!(sp[t].len(), 2, "{t} ran once per run: {sp:?}");
    }
    assert_eq!(job_names(&sim).len(), 20);
    s.on(
        &sim,
        &[
            "deploy",
            "--yes",
            "--prune",
            "--scheduler-image",
            "registry.example/flows:etl-test",
        ],
    )
    .expect(0);
}

/// A history ConfigMap of job `other`, holding records that ended at `finished` (RFC 3339).
fn history_config_map(name: &str, records: &[(&str, &str)]) -> serde_json::Value {
    let data: serde_json::Map<String, serde_json::Value> = records
        .iter()
        .map(|(run, finished)| {
            let record = serde_json::json!({
                "r": run, "k": "job", "n": "other",
                "ws": "2025-06-01T00:00:00+02:00", "we": "2025-06-02T00:00:00+02:00",
                "s": "COMPLETED", "a": 1, "t": "manual", "f": finished,
            });
            (
                run.to_string(),
                serde_json::Value::String(record.to_string()),
            )
        })
        .collect();
    serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {
            "app.kubernetes.io/managed-by": "etl", "etl.dev/project": "flows",
            "etl.dev/kind": "history", "etl.dev/history-of": "other",
        }},
        "data": data,
    })
}

/// Waits until `nightly`'s runs of these days (`20261123`) completed.
fn nights_completed(sim: &Kubesim, days: &[&str]) {
    for day in days {
        assert_eq!(
            wait_end(
                sim,
                &format!("nightly-{day}-1d-a1"),
                Duration::from_secs(60)
            ),
            "COMPLETED"
        );
    }
}

/// Waits until the scheduler made at least `n` passes.
fn passes_after(sched: &Scheduler, n: f64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while sched.metric("etl_scheduler_passes_total") < n {
        assert!(Instant::now() < deadline, "fewer than {n} passes");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn retention_removes_old_records_and_finished_runs_and_nothing_expired_runs_again() {
    let Some((s, sim)) = setup(NIGHTLY) else {
        return;
    };
    let yaml = s.read("etl.yaml");
    s.write(
        "etl.yaml",
        &format!("{yaml}retention:\n  runs: 1h\n  records: 30d\n"),
    );
    // Records of job `other`: one ConfigMap with only old ones, one with an old and a recent.
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [
        history_config_map("flows-history-other-2025", &[("other-20250601-1d-a1", "2025-06-02T01:00:00Z")]),
        history_config_map("flows-history-other-2026", &[
            ("other-20260901-1d-a1", "2026-09-02T01:00:00Z"),
            ("other-20261119-1d-a1", "2026-11-20T01:00:00Z"),
        ]),
    ]});
    s.write("old.json", &list.to_string());
    // kubesim serves no OpenAPI schema for kubectl to validate against.
    let file = s.path().join("old.json");
    kubectl_ok(
        &sim,
        &["create", "--validate=false", "-f", &file.to_string_lossy()],
    );

    // First start, on the 23rd: the schedule starts from now; records older than 30 days go.
    let sched = Scheduler::start(&s, &sim, "one", &[("ETL_NOW", "2026-11-23T10:00:00Z")]);
    passes_after(&sched, 1.0);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let names = kubectl_ok(
            &sim,
            &[
                "get",
                "configmaps",
                "-l",
                "etl.dev/kind=history",
                "-o",
                "name",
            ],
        );
        let keys = kubectl_ok(
            &sim,
            &[
                "get",
                "configmap",
                "flows-history-other-2026",
                "-o",
                "jsonpath={.data}",
            ],
        );
        if !names.contains("flows-history-other-2025") && !keys.contains("other-20260901-1d-a1") {
            assert!(
                keys.contains("other-20261119-1d-a1"),
                "the recent record stays: {keys}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "old records still there: {names} {keys}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(sched.stop().success());

    // Down until the 26th: the three missed nights run and end.
    let sched = Scheduler::start(&s, &sim, "one", &[("ETL_NOW", "2026-11-26T10:00:00Z")]);
    nights_completed(&sim, &["20261123", "20261124", "20261125"]);
    // Their history records are written before they can expire.
    let deadline = Instant::now() + Duration::from_secs(20);
    while sched.metric("etl_scheduler_writes_total{action=\"history\"}") < 3.0 {
        assert!(Instant::now() < deadline, "records not written");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(sched.stop().success());

    // Two hours later: the runs (retention.runs 1h) are deleted with their task Jobs, and the
    // same three nights are still due for catch-up: history says they ran, none is fired.
    let sched = Scheduler::start(&s, &sim, "one", &[("ETL_NOW", "2026-11-26T12:00:00Z")]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let runs = kubectl_ok(
            &sim,
            &[
                "get",
                "configmaps",
                "-l",
                "etl.dev/kind=workflow-run",
                "-o",
                "name",
            ],
        );
        let jobs = kubectl_ok(
            &sim,
            &[
                "get",
                "jobs",
                "-l",
                "etl.dev/workflow=nightly",
                "-o",
                "name",
            ],
        );
        if runs.is_empty() && jobs.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "runs not deleted: {runs} {jobs}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let passes = sched.metric("etl_scheduler_passes_total");
    // A pass after the deletion (a change to a watched object wakes it): it sees no run, and
    // must read history instead.
    std::thread::sleep(Duration::from_millis(300));
    kubectl_ok(
        &sim,
        &[
            "annotate",
            "configmap",
            "flows-history-other-2026",
            "poke=1",
            "--overwrite",
        ],
    );
    passes_after(&sched, passes + 1.0);
    assert_eq!(
        sched.metric("etl_scheduler_writes_total{action=\"fire\"}"),
        0.0,
        "{}",
        sched.log()
    );
    assert_eq!(
        sched.metric("etl_scheduler_writes_total{action=\"run_expire\"}"),
        3.0
    );
    let history = crate::common::Run {
        out: s
            .cmd(&[
                "history",
                "nightly",
                "--start",
                "2026-11-23",
                "--end",
                "2026-11-26",
                "-o",
                "json",
            ])
            .env("KUBECONFIG", &sim.kubeconfig)
            .env("ETL_NOW", "2026-11-26T12:00:00Z")
            .output()
            .unwrap(),
    }
    .expect(0)
    .stdout();
    assert_eq!(
        crate::common::first_row_states(&history),
        ["done", "done", "done"],
        "the records outlive the runs"
    );
    sched.stop();
}

/// Six tasks that fail while their `fail-TASK` file exists, and one after them.
const FRAIL: &str = "  frail:
    window: day
    tasks:
      p: {job: step, env: {TASK: p}}
      q: {job: step, env: {TASK: q}}
      r: {job: step, env: {TASK: r}}
      s: {job: step, env: {TASK: s}}
      t: {job: step, env: {TASK: t}}
      u: {job: step, env: {TASK: u}}
      last: {job: step, after: [p, q, r, s, t, u], env: {TASK: last}}
";

/// Starts `etl ARGS` against kubesim and SIGKILLs it once `ready` says so.
fn kill9_when(s: &Sandbox, sim: &Kubesim, args: &[&str], ready: impl Fn() -> bool) {
    let mut c = s.cmd(args);
    c.env("KUBECONFIG", &sim.kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "{args:?}: the moment to kill never came"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "{args:?} ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    signal(&child, nix::sys::signal::Signal::SIGKILL);
    child.wait().unwrap();
}

#[test]
fn a_retry_killed_midway_is_finished_by_running_it_again() {
    let Some((s, sim)) = setup(FRAIL) else { return };
    for t in ["p", "q", "r", "s", "t", "u"] {
        s.write(&format!("fail-{t}"), "");
    }
    let sched = Scheduler::start(&s, &sim, "one", &[]);
    let run = schedule(&s, &sim, "frail");
    assert_eq!(wait_end(&sim, &run, Duration::from_secs(60)), "FAILED");
    assert!(sched.stop().success());
    for t in ["p", "q", "r", "s", "t", "u"] {
        std::fs::remove_file(s.path().join(format!("fail-{t}"))).unwrap();
    }

    // Slow answers: the kill lands after the retry is recorded and before its last Job.
    sim.post("/kubesim/faults/latency?ms=150");
    let retries = || {
        job_names(&sim)
            .iter()
            .filter(|j| j.ends_with("-r2"))
            .count()
    };
    kill9_when(&s, &sim, &["workflows", "retry", &run], || retries() >= 1);
    sim.post("/kubesim/faults/reset");
    let before = retries();
    assert!(
        (1..7).contains(&before),
        "killed midway: {before} of 7 new attempts"
    );

    let again = s.on(&sim, &["workflows", "retry", &run]).expect(0);
    again.stderr_has("missing task(s)");
    assert_eq!(
        retries(),
        7,
        "every task that did not complete has one new attempt"
    );
    let sched = Scheduler::start(&s, &sim, "one", &[]);
    assert_eq!(wait_end(&sim, &run, Duration::from_secs(60)), "COMPLETED");
    let sp = spans(&s);
    for t in ["p", "q", "r", "s", "t", "u"] {
        assert_eq!(sp[t].len(), 2, "{t}: the failed attempt and one retry");
    }
    assert_eq!(sp["last"].len(), 1);
    sched.stop();
}

#[test]
fn a_cancel_killed_midway_is_finished_by_running_it_again() {
    let workflows = "  slow:
    window: day
    tasks:
      a: {job: step, env: {TASK: a, SLEEP: '60'}}
      b: {job: step, env: {TASK: b, SLEEP: '60'}}
      c: {job: step, env: {TASK: c, SLEEP: '60'}}
      d: {job: step, env: {TASK: d, SLEEP: '60'}}
      after: {job: step, after: [a, b, c, d], env: {TASK: after}}
";
    let Some((s, sim)) = setup(workflows) else {
        return;
    };
    let sched = Scheduler::start(&s, &sim, "one", &[]);
    let run = schedule(&s, &sim, "slow");
    let deadline = Instant::now() + Duration::from_secs(30);
    while ["a", "b", "c", "d"]
        .iter()
        .any(|t| !spans(&s).contains_key(*t))
    {
        assert!(Instant::now() < deadline, "the tasks never all started");
        std::thread::sleep(Duration::from_millis(50));
    }
    // No scheduler from here: the command alone must finish what it started.
    assert!(sched.stop().success());

    sim.post("/kubesim/faults/latency?ms=150");
    let cancelled_by = || {
        kubectl_ok(
            &sim,
            &[
                "get",
                "configmap",
                &run,
                "-o",
                "jsonpath={.metadata.annotations.etl\\.dev/cancelled-by}",
            ],
        )
    };
    kill9_when(&s, &sim, &["workflows", "cancel", &run, "--yes"], || {
        !cancelled_by().is_empty()
    });
    sim.post("/kubesim/faults/reset");
    assert_eq!(cancelled_by(), "ana", "who cancelled is recorded first");

    s.on(&sim, &["workflows", "cancel", &run, "--yes"])
        .expect(0)
        .stderr_has("cancelled workflow run slow-20261122-1d-a1");
    assert_eq!(wait_end(&sim, &run, Duration::from_secs(5)), "CANCELLED");
    assert_eq!(running_pods(&sim), "");
    let states = task_states(&s, &sim, &run);
    for t in ["a", "b", "c", "d", "after"] {
        assert_eq!(states[t], "CANCELLED", "{t}");
    }
    assert!(!spans(&s).contains_key("after"));
}
