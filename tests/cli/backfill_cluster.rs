//! Backfills in the cluster, driven by `etl scheduler` against kubesim, and the history the
//! scheduler records. The job logs `start WINDOW NANOS` / `end WINDOW NANOS`, so the tests
//! check what the job itself saw: how many windows ran at once, and which ran at all.

use crate::common::{Kubesim, Sandbox};
use crate::scheduler::Scheduler;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const JOB: &str = r#"#!/bin/sh
echo "start $2 $(date +%s%N)" >> log
sleep "${SLEEP:-0.3}"
echo "end $2 $(date +%s%N)" >> log
if [ -e "fail-${2%%T*}" ]; then echo "failing on purpose" >&2; exit 3; fi
exit 0
"#;

fn project(extra: &str) -> Sandbox {
    let s = Sandbox::new();
    s.write("job.sh", JOB);
    s.write(
        "etl.yaml",
        &format!(
            "project: flows\n\
             defaults:\n  command: [sh, job.sh]\n  timezone: UTC\n  retries: 0\n\
             jobs:\n  daily:\n    window: day\n{extra}"
        ),
    );
    s
}

/// Window start → (start, end) nanos of each time the job ran for it.
fn spans(s: &Sandbox) -> HashMap<String, Vec<(u128, u128)>> {
    let mut out: HashMap<String, Vec<(u128, u128)>> = HashMap::new();
    let log = std::fs::read_to_string(s.path().join("log")).unwrap_or_default();
    for line in log.lines() {
        let p: Vec<&str> = line.split(' ').collect();
        let t: u128 = p[2].parse().unwrap();
        let v = out.entry(p[1].to_string()).or_default();
        if p[0] == "start" {
            v.push((t, 0));
        } else {
            v.last_mut().unwrap().1 = t;
        }
    }
    out
}

/// The most runs that were ever running at once.
fn max_concurrent(sp: &HashMap<String, Vec<(u128, u128)>>) -> usize {
    let mut edges: Vec<(u128, i32)> = Vec::new();
    for runs in sp.values() {
        for (a, b) in runs {
            edges.push((*a, 1));
            edges.push((*b, -1));
        }
    }
    // An end and a start at the same instant: the end first.
    edges.sort();
    let (mut now, mut max) = (0, 0);
    for (_, d) in edges {
        now += d;
        max = max.max(now);
    }
    max as usize
}

fn wait_backfill(sim: &Kubesim, name: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let out = sim.kubectl(&[
            "get",
            "configmap",
            name,
            "-o",
            "jsonpath={.metadata.labels.etl\\.dev/state}",
        ]);
        let state = String::from_utf8_lossy(&out.stdout).to_string();
        if out.status.success() && !state.is_empty() {
            return state;
        }
        assert!(Instant::now() < deadline, "backfill {name} did not end");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn backfill_name(r: &crate::common::Run) -> String {
    r.stdout()
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_30_day_backfill_runs_3_at_a_time_survives_kill_9_and_only_failed_reruns_what_failed() {
    let s = project("");
    let Some(sim) = Kubesim::start(s.path()) else {
        return;
    };
    for day in ["2026-10-05", "2026-10-17"] {
        s.write(&format!("fail-{day}"), "");
    }
    let r = s
        .on(
            &sim,
            &[
                "backfill",
                "daily",
                "--start",
                "2026-10-01",
                "--end",
                "2026-10-31",
                "--parallel",
                "3",
                "--yes",
            ],
        )
        .expect(0);
    r.stderr_has("30 windows");
    let name = backfill_name(&r);
    // Killed again and again while it drives the backfill, the scheduler repeats nothing.
    for i in 0..8 {
        let sched = Scheduler::start(&s, &sim, "bf", &[]);
        std::thread::sleep(Duration::from_millis(300 + 100 * (i % 3)));
        sched.kill9();
    }
    // The same command again finds the same backfill.
    let again = s
        .on(
            &sim,
            &[
                "backfill",
                "daily",
                "--start",
                "2026-10-01",
                "--end",
                "2026-10-31",
                "--parallel",
                "3",
                "--yes",
            ],
        )
        .expect(0);
    assert_eq!(backfill_name(&again), name);
    let sched = Scheduler::start(&s, &sim, "bf", &[]);
    assert_eq!(
        wait_backfill(&sim, &name, Duration::from_secs(120)),
        "FAILED"
    );
    let sp = spans(&s);
    assert_eq!(sp.len(), 30, "every window ran: {sp:?}");
    assert!(
        sp.values().all(|v| v.len() == 1),
        "no window ran twice: {sp:?}"
    );
    assert!(
        max_concurrent(&sp) <= 3,
        "never more than 3 at once: {sp:?}"
    );
    let jobs = sim.kubectl_ok(&[
        "get",
        "jobs",
        "-l",
        &format!("etl.dev/backfill={name}"),
        "-o",
        "name",
    ]);
    assert_eq!(jobs.lines().count(), 30, "{jobs}");

    // Fixed; `--only failed` runs just the two failed windows, as attempt 2.
    for day in ["2026-10-05", "2026-10-17"] {
        std::fs::remove_file(s.path().join(format!("fail-{day}"))).unwrap();
    }
    let r = s
        .on(
            &sim,
            &[
                "backfill",
                "daily",
                "--start",
                "2026-10-01",
                "--end",
                "2026-10-31",
                "--only",
                "failed",
                "--yes",
            ],
        )
        .expect(0);
    r.stderr_has("2 failed");
    let failed_name = backfill_name(&r);
    assert_eq!(
        wait_backfill(&sim, &failed_name, Duration::from_secs(60)),
        "COMPLETED"
    );
    let sp = spans(&s);
    assert_eq!(sp["2026-10-05T00:00:00+00:00"].len(), 2);
    assert_eq!(sp["2026-10-17T00:00:00+00:00"].len(), 2);
    assert_eq!(sp["2026-10-06T00:00:00+00:00"].len(), 1);
    let names = sim.kubectl_ok(&[
        "get",
        "jobs",
        "-l",
        &format!("etl.dev/backfill={failed_name}"),
        "-o",
        "name",
    ]);
    assert!(
        names.contains("daily-20261005-1d-a2") && names.contains("daily-20261017-1d-a2"),
        "{names}"
    );
    sched.stop();
}

#[test]
fn the_scheduler_records_history_that_outlives_the_jobs() {
    let s = project("");
    let Some(sim) = Kubesim::start(s.path()) else {
        return;
    };
    let sched = Scheduler::start(&s, &sim, "h", &[]);
    s.on(
        &sim,
        &[
            "jobs",
            "schedule",
            "daily",
            "--date",
            "2026-11-20",
            "--wait",
        ],
    )
    .expect(0);
    s.write("fail-2026-11-21", "");
    s.on(
        &sim,
        &[
            "jobs",
            "schedule",
            "daily",
            "--date",
            "2026-11-21",
            "--wait",
        ],
    )
    .expect(1);
    // Recorded by the scheduler, in a ConfigMap per job and year.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = sim.kubectl(&["get", "configmap", "flows-history-daily-2026", "-o", "json"]);
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            if v["data"].as_object().is_some_and(|d| d.len() == 2) {
                let size: usize = v["data"]
                    .as_object()
                    .unwrap()
                    .values()
                    .map(|x| x.as_str().unwrap().len())
                    .sum();
                assert!(size < 2 * 400, "compact records: {size} bytes for 2");
                break;
            }
        }
        assert!(Instant::now() < deadline, "no history recorded");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The Jobs go (their TTL, or by hand): the history stays.
    sim.kubectl_ok(&["delete", "jobs", "--all"]);
    let h = s
        .on(
            &sim,
            &[
                "history",
                "daily",
                "--start",
                "2026-11-20",
                "--end",
                "2026-11-22",
                "-o",
                "json",
            ],
        )
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&h.stdout()).unwrap();
    let text = v.to_string();
    assert!(
        text.contains("daily-20261120-1d-a1") && text.contains("COMPLETED"),
        "{text}"
    );
    assert!(
        text.contains("daily-20261121-1d-a1") && text.contains("FAILED"),
        "{text}"
    );
    // `etl runs` reads the same records: runs whose Jobs are gone still show.
    let runs = s.on(&sim, &["runs"]).expect(0).stdout();
    for (run, state) in [
        ("daily-20261120-1d-a1 ", "Succeeded"),
        ("daily-20261121-1d-a1 ", "Failed"),
    ] {
        assert!(
            runs.lines()
                .any(|l| l.starts_with(run) && l.contains(state)),
            "{runs}"
        );
    }
    sched.stop();
}

#[test]
fn a_scheduled_run_due_during_a_backfill_goes_first() {
    let s = project(
        "workflows:\n  nightly:\n    window: day\n    timezone: UTC\n    schedule: '0 3 * * *'\n    tasks:\n      only: {job: daily, env: {SLEEP: '0.2'}}\n",
    );
    let Some(sim) = Kubesim::start(s.path()) else {
        return;
    };
    // The scheduler starts looking after the schedule on the 23rd.
    let first = Scheduler::start(&s, &sim, "c", &[("ETL_NOW", "2026-11-23T10:00:00Z")]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while first.metric("etl_scheduler_passes_total") < 1.0 {
        assert!(Instant::now() < deadline, "no pass");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(first.stop().success());
    // A backfill of five older days waits for a scheduler; the next one finds the night of the
    // 24th due as well, and fires it before the backfill starts any run.
    let r = s
        .on(
            &sim,
            &[
                "backfill",
                "nightly",
                "--start",
                "2026-11-01",
                "--end",
                "2026-11-06",
                "--parallel",
                "2",
                "--yes",
            ],
        )
        .expect(0);
    let name = backfill_name(&r);
    let sched = Scheduler::start(&s, &sim, "c", &[("ETL_NOW", "2026-11-24T10:00:00Z")]);
    assert_eq!(
        wait_backfill(&sim, &name, Duration::from_secs(60)),
        "COMPLETED"
    );
    let log = sched.log();
    let fired = log
        .find("nightly-20261123-1d-a1: fired by schedule")
        .unwrap_or_else(|| panic!("{log}"));
    let first_backfill = log
        .find(&format!("backfill {name}: started"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        fired < first_backfill,
        "the scheduled run went first:\n{log}"
    );
    let sp = spans(&s);
    assert_eq!(
        sp.len(),
        6,
        "five backfilled days and the scheduled one: {sp:?}"
    );
    sched.stop();
}

/// A backfill that outlasts its first runs' Jobs (their TTL, or `retention.runs`) does not run
/// those windows again: their history records count.
#[test]
fn a_window_whose_job_is_gone_is_not_run_again_by_its_backfill() {
    let s = project("    env: {SLEEP: '1'}\n");
    let Some(sim) = Kubesim::start(s.path()) else {
        return;
    };
    let sched = Scheduler::start(&s, &sim, "bf", &[]);
    let r = s
        .on(
            &sim,
            &[
                "backfill",
                "daily",
                "--start",
                "2026-10-01",
                "--end",
                "2026-10-04",
                "--yes",
            ],
        )
        .expect(0);
    let name = backfill_name(&r);
    let first = "daily-20261001-1d-a1";
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let data = sim.kubectl_ok(&[
            "get",
            "configmaps",
            "-l",
            "etl.dev/kind=history",
            "-o",
            "jsonpath={.items[*].data}",
        ]);
        if data.contains(first) {
            break;
        }
        assert!(Instant::now() < deadline, "{first} was never recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    // As Kubernetes would after the Job's TTL.
    sim.kubectl_ok(&["delete", "job", first]);
    let state = sim.kubectl_ok(&[
        "get",
        "configmap",
        &name,
        "-o",
        "jsonpath={.metadata.labels.etl\\.dev/state}",
    ]);
    assert_eq!(state, "", "the backfill was still going when the Job went");
    assert_eq!(
        wait_backfill(&sim, &name, Duration::from_secs(60)),
        "COMPLETED"
    );
    let sp = spans(&s);
    assert_eq!(sp.len(), 3, "every window ran: {sp:?}");
    assert!(sp.values().all(|v| v.len() == 1), "none twice: {sp:?}");
    sched.stop();
}
