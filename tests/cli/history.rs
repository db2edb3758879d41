//! `etl backfill --local` and `etl history --local`: a job backfilled here over a range that
//! crosses Paris' daylight-saving change, then drawn as a calendar with a fixed "now".

use crate::common::Sandbox;

/// Logs each run's start and end (nanoseconds) by window day; fails while `fail-DAY` exists.
const JOB: &str = r#"#!/bin/sh
d=$(echo "$2" | cut -c1-10)
echo "start $d $(date +%s%N)" >> log
sleep "${SLEEP:-0}"
echo "end $d $(date +%s%N)" >> log
echo "$d trigger $ETL_TRIGGER run $ETL_RUN_ID"
if [ -e "fail-$d" ]; then exit 3; fi
exit 0
"#;

/// Now: the 28th at 10:00 UTC; the daily run for the 27th fired at 02:00 Paris time.
const NOW: &str = "2026-10-28T10:00:00Z";

fn project() -> Sandbox {
    let s = Sandbox::new();
    s.write("job.sh", JOB);
    s.write(
        "etl.yaml",
        "project: hist\n\
         defaults:\n  command: [sh, job.sh]\n  timezone: Europe/Paris\n\
         jobs:\n  \
           daily:\n    schedule: \"0 2 * * *\"\n    env: {SLEEP: '0.3'}\n  \
           adhoc:\n    description: no schedule\n",
    );
    s
}

fn run(s: &Sandbox, args: &[&str]) -> crate::common::Run {
    crate::common::Run {
        out: s.cmd(args).env("ETL_NOW", NOW).output().unwrap(),
    }
}

/// The most runs that overlapped, from the log.
fn most_at_once(s: &Sandbox) -> usize {
    let log = std::fs::read_to_string(s.path().join("log")).unwrap_or_default();
    let mut events: Vec<(u128, i32)> = log
        .lines()
        .map(|l| {
            let p: Vec<&str> = l.split(' ').collect();
            (p[2].parse().unwrap(), if p[0] == "start" { 1 } else { -1 })
        })
        .collect();
    events.sort();
    let (mut now, mut most) = (0, 0);
    for (_, d) in events {
        now += d;
        most = most.max(now);
    }
    most as usize
}

#[test]
fn a_local_backfill_runs_what_is_missing_at_most_parallel_at_once_and_history_draws_it() {
    let s = project();
    s.write("fail-2026-10-22", "");
    let range = ["--start", "2026-10-20", "--end", "2026-10-28"];

    // The plan, and nothing else, with --dry-run.
    let dry = run(
        &s,
        &[&["backfill", "daily", "--local", "--dry-run"], &range[..]].concat(),
    )
    .expect(0);
    dry.stderr_has("8 windows: 8 missing → 8 runs, 1 at a time");
    assert_eq!(dry.stdout().lines().count(), 8, "{}", dry.stdout());
    assert!(
        dry.stdout()
            .contains("2026-10-25T00:00:00+02:00  2026-10-26T00:00:00+01:00  attempt 1"),
        "the 25-hour day is one window: {}",
        dry.stdout()
    );
    assert!(!s.path().join("log").exists(), "--dry-run ran nothing");

    // Without a terminal it needs --yes.
    run(
        &s,
        &[&["backfill", "daily", "--local"], &range[..]].concat(),
    )
    .expect(2)
    .stderr_has("--yes");

    let r = run(
        &s,
        &[
            &["backfill", "daily", "--local", "--yes", "--parallel", "3"],
            &range[..],
        ]
        .concat(),
    )
    .expect(1);
    r.stderr_has("1 of 8 runs failed");
    r.stdout_has("2026-10-24 trigger backfill run daily-20261024-1d-a1");
    let most = most_at_once(&s);
    assert!((2..=3).contains(&most), "{most} runs at once (parallel 3)");

    let cal = run(&s, &[&["history", "--local"], &range[..]].concat()).expect(0);
    insta::assert_snapshot!("calendar_after_a_failed_backfill", cal.stdout());

    // Again, with the default --only missing: only the failed window runs, as attempt 2.
    std::fs::remove_file(s.path().join("fail-2026-10-22")).unwrap();
    std::fs::remove_file(s.path().join("log")).unwrap();
    let again = run(
        &s,
        &[&["backfill", "daily", "--local", "--yes"], &range[..]].concat(),
    )
    .expect(0);
    again.stderr_has("8 windows: 7 completed (skipped), 1 failed → 1 run, 1 at a time");
    again.stdout_has("2026-10-22 trigger backfill run daily-20261022-1d-a2");
    let log = s.read("log");
    assert_eq!(log.lines().count(), 2, "one run, no duplicates: {log}");

    // Nothing failed any more.
    run(
        &s,
        &[
            &["backfill", "daily", "--local", "--only", "failed"],
            &range[..],
        ]
        .concat(),
    )
    .expect(0)
    .stderr_has("nothing to run");

    // A wider range: the days before were never run and the schedule fired for them.
    let wide = run(
        &s,
        &[
            "history",
            "daily",
            "adhoc",
            "--local",
            "--start",
            "2026-10-15",
            "--end",
            "2026-11-01",
        ],
    )
    .expect(0);
    insta::assert_snapshot!("calendar_of_a_wider_range", wide.stdout());

    let json = run(
        &s,
        &[&["history", "daily", "--local", "-o", "json"], &range[..]].concat(),
    )
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(
        v["records"].as_array().unwrap().len(),
        9,
        "8 runs and one retry"
    );
    assert_eq!(v["rows"][0]["windows"][2]["state"], "done");
    assert_eq!(v["records"][0]["trigger"], "backfill");
}

#[test]
fn a_backfill_with_a_step_runs_a_week_at_a_time_and_its_days_count_as_done() {
    let s = project();
    let range = ["--start", "2026-10-05", "--end", "2026-10-19"];
    let r = run(
        &s,
        &[
            &["backfill", "daily", "--local", "--yes", "--step", "1w"],
            &range[..],
        ]
        .concat(),
    )
    .expect(0);
    r.stderr_has("runs of 1w");
    r.stderr_has("2 windows: 2 missing → 2 runs, 1 at a time");
    r.stdout_has("2026-10-05 trigger backfill run daily-20261005-1w-a1");
    r.stdout_has("2026-10-12 trigger backfill run daily-20261012-1w-a1");
    assert_eq!(
        s.read("log").lines().count(),
        4,
        "two runs: {}",
        s.read("log")
    );

    // Day by day, those 14 days are done: nothing to run.
    run(
        &s,
        &[&["backfill", "daily", "--local", "--dry-run"], &range[..]].concat(),
    )
    .expect(0)
    .stderr_has("14 windows: 14 completed (skipped) → 0 runs");
    let json = run(
        &s,
        &[&["history", "daily", "--local", "-o", "json"], &range[..]].concat(),
    )
    .expect(0);
    assert_eq!(
        crate::common::first_row_states(&json.stdout()),
        vec!["done"; 14]
    );

    // A step that is not a duration is refused before anything runs.
    run(
        &s,
        &[
            &["backfill", "daily", "--local", "--yes", "--step", "weekly"],
            &range[..],
        ]
        .concat(),
    )
    .expect(2)
    .stderr_has("--step weekly: not a duration");
}

#[test]
fn a_local_workflow_backfill_runs_parallel_windows_each_line_tagged_with_its_window() {
    let s = Sandbox::new();
    s.write("job.sh", JOB);
    s.write(
        "etl.yaml",
        "project: hist\n\
         defaults:\n  command: [sh, job.sh]\n  timezone: Europe/Paris\n\
         jobs:\n  daily:\n    env: {SLEEP: '0.4'}\n\
         workflows:\n  chain:\n    window: day\n    tasks:\n      \
           first: {job: daily}\n      second: {job: daily, after: [first]}\n",
    );
    let range = ["--start", "2026-10-05", "--end", "2026-10-09"];
    let r = run(
        &s,
        &[
            &["backfill", "chain", "--local", "--yes", "--parallel", "2"],
            &range[..],
        ]
        .concat(),
    )
    .expect(0);
    r.stderr_has("4 windows: 4 missing → 4 runs, 2 at a time");
    r.stderr_has("backfill done: 4/4 runs completed");
    r.stdout_has("20261005 first | 2026-10-05 trigger workflow run chain-20261005-1d-a1-first");
    r.stdout_has("20261008 second | 2026-10-08 trigger workflow");
    r.stderr_has("  20261006 second");
    assert_eq!(
        s.read("log").lines().count(),
        16,
        "each task of each window once"
    );
    assert_eq!(
        most_at_once(&s),
        2,
        "two windows at a time, each a task at a time"
    );

    // Everything completed: the same command again has nothing to run.
    run(
        &s,
        &[&["backfill", "chain", "--local", "--yes"], &range[..]].concat(),
    )
    .expect(0)
    .stderr_has("nothing to run");
}

#[test]
fn history_names_what_it_does_not_know() {
    let s = project();
    run(&s, &["history", "daly", "--local"])
        .expect(2)
        .stderr_has("did you mean `daily`?");
    run(
        &s,
        &["backfill", "daily", "--local", "--start", "2026-10-01"],
    )
    .expect(2)
    .stderr_has("--end");
}

const CLUSTER_PROJECT: &str = r#"project: demo
cluster: {namespace: default}
defaults:
  retries: 0
jobs:
  hello:
    command: [sh, -c, 'echo "hello $1"']
  forever:
    command: [sh, -c, 'echo started; while :; do sleep 0.2; done']
"#;

#[test]
fn history_records_outlive_the_job_and_logs_say_when_they_are_gone() {
    use crate::common::Kubesim;
    use etl::history::{Record, store};
    let s = Sandbox::new();
    s.write("etl.yaml", CLUSTER_PROJECT);
    let Some(sim) = Kubesim::start(s.path()) else {
        return;
    };
    let run = "hello-20261122-1d-a1";
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
    let logs = s.on(&sim, &["logs", run]).expect(0);
    assert_eq!(logs.stdout(), "hello 2026-11-22T00:00:00+00:00\n");

    // The record, written as the scheduler writes it (the same pure functions).
    let o = sim.kubectl(&["get", "job", run, "-o", "json"]);
    let job: k8s_openapi::api::batch::v1::Job = serde_json::from_slice(&o.stdout).unwrap();
    let record = Record::from_job(&job).unwrap();
    let cm = store::config_map("demo", "default", &record);
    assert_eq!(cm.metadata.name.as_deref(), Some("demo-history-hello-2026"));
    s.write("history.json", &serde_json::to_string(&cm).unwrap());
    let created = sim.kubectl(&[
        "create",
        "-f",
        &s.path().join("history.json").to_string_lossy(),
    ]);
    assert!(created.status.success(), "{created:?}");

    let deleted = sim.kubectl(&["delete", "job", run]);
    assert!(deleted.status.success(), "{deleted:?}");
    let range = ["--start", "2026-11-21", "--end", "2026-11-24"];
    let h = s
        .on(
            &sim,
            &[&["history", "hello", "-o", "json"], &range[..]].concat(),
        )
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&h.stdout()).unwrap();
    assert_eq!(v["records"][0]["run"], run);
    assert_eq!(v["records"][0]["state"], "COMPLETED");
    assert_eq!(v["records"][0]["started_by"], "ana");
    assert_eq!(
        crate::common::first_row_states(&h.stdout()),
        ["no_run", "done", "not_due"],
        "now is the 23rd"
    );

    s.on(&sim, &["logs", run]).expect(1).stderr_has(&format!(
        "the logs of {run} are gone: its Job was deleted (finished runs are kept 14 days, \
         etl.yaml's `retention.runs`); `etl history` still has the record"
    ));
}

#[test]
fn a_cluster_backfill_is_one_object_found_again_by_the_same_arguments() {
    use crate::common::Kubesim;
    let s = Sandbox::new();
    s.write("etl.yaml", CLUSTER_PROJECT);
    let Some(sim) = Kubesim::start(s.path()) else {
        return;
    };
    // One window already ran: the backfill skips it.
    s.on(
        &sim,
        &[
            "jobs",
            "schedule",
            "hello",
            "--date",
            "2026-11-03",
            "--wait",
        ],
    )
    .expect(0);
    let args = [
        "backfill",
        "hello",
        "--start",
        "2026-11-01",
        "--end",
        "2026-11-08",
        "--parallel",
        "3",
    ];
    s.on(&sim, &args).expect(2).stderr_has("pass --yes");
    let first = s.on(&sim, &[&args[..], &["--yes"]].concat()).expect(0);
    first.stderr_has("7 windows: 1 completed (skipped), 6 missing → 6 runs, 3 at a time");
    let name = first.stdout().trim().to_string();
    assert_eq!(name, "hello-backfill-20261101-20261108-missing");

    let o = sim.kubectl(&["get", "configmap", &name, "-o", "json"]);
    let cm: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(cm["metadata"]["labels"]["etl.dev/kind"], "backfill");
    assert_eq!(cm["metadata"]["annotations"]["etl.dev/started-by"], "ana");
    let spec: serde_json::Value =
        serde_json::from_str(cm["data"]["backfill.json"].as_str().unwrap()).unwrap();
    assert_eq!(spec["kind"], "job");
    assert_eq!(spec["parallel"], 3);
    assert_eq!(spec["windows"].as_array().unwrap().len(), 6);
    assert_eq!(spec["windows"][0][0], "2026-11-01T00:00:00+00:00");

    // The same command again: the same backfill, never a second one.
    let again = s.on(&sim, &[&args[..], &["--yes"]].concat()).expect(0);
    again.stderr_has("already exists");
    again.stderr_has("0/6 done, 0 failed, 0 running, 6 waiting");
    assert_eq!(again.stdout().trim(), name);
    let o = sim.kubectl(&[
        "get",
        "configmap",
        "-l",
        "etl.dev/kind=backfill",
        "-o",
        "name",
    ]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);

    let status = s.on(&sim, &["backfill", "status", &name]).expect(0);
    assert_eq!(status.stdout().lines().count(), 7, "{}", status.stdout());
    status.stdout_has("2026-11-01T00:00:00+00:00  2026-11-02T00:00:00+00:00  WAITING");

    s.on(&sim, &["backfill", "cancel", &name, "--yes"])
        .expect(0)
        .stderr_has("cancelled; 0 runs stopped");
    let o = sim.kubectl(&["get", "configmap", &name, "-o", "json"]);
    let cm: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(cm["metadata"]["annotations"]["etl.dev/cancelled-by"], "ana");
    s.on(&sim, &["backfill", "follow", &name])
        .expect(1)
        .stderr_has("ended CANCELLED");

    // Cancelled, then the same command again: the next backfill resumes what is still
    // missing; run once more, it is found again rather than doubled.
    let resumed = s.on(&sim, &[&args[..], &["--yes"]].concat()).expect(0);
    resumed.stderr_has("6 missing → 6 runs");
    resumed.stderr_has(&format!("backfill {name}-2 created"));
    assert_eq!(resumed.stdout().trim(), format!("{name}-2"));
    let found = s.on(&sim, &[&args[..], &["--yes"]].concat()).expect(0);
    found.stderr_has("already exists");
    assert_eq!(found.stdout().trim(), format!("{name}-2"));
    let o = sim.kubectl_ok(&[
        "get",
        "configmap",
        "-l",
        "etl.dev/kind=backfill",
        "-o",
        "name",
    ]);
    assert_eq!(o.lines().count(), 2, "{o}");
}

#[test]
fn etl_jobs_cancel_writes_the_record_that_outlives_the_job() {
    use crate::common::Kubesim;
    let s = Sandbox::new();
    s.write("etl.yaml", CLUSTER_PROJECT);
    let Some(sim) = Kubesim::start(s.path()) else {
        return;
    };
    let run = "forever-20261122-1d-a1";
    s.on(
        &sim,
        &["jobs", "schedule", "forever", "--date", "2026-11-22"],
    )
    .expect(0);
    s.on(&sim, &["jobs", "cancel", run, "--yes"]).expect(0);
    let o = sim.kubectl(&[
        "get",
        "configmap",
        "demo-history-forever-2026",
        "-o",
        "json",
    ]);
    assert!(o.status.success(), "{o:?}");
    let deleted = sim.kubectl(&["delete", "job", run]);
    assert!(deleted.status.success(), "{deleted:?}");
    let h = s
        .on(
            &sim,
            &[
                "history",
                "forever",
                "--start",
                "2026-11-22",
                "--end",
                "2026-11-23",
                "-o",
                "json",
            ],
        )
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&h.stdout()).unwrap();
    assert_eq!(v["records"][0]["run"], run);
    assert_eq!(v["records"][0]["state"], "CANCELLED");
    assert_eq!(v["records"][0]["cancelled_by"], "ana");
    assert_eq!(v["rows"][0]["windows"][0]["state"], "failed");
}

#[test]
fn history_says_when_no_scheduler_keeps_the_cron_runs_records() {
    use crate::common::Kubesim;
    let s = Sandbox::new();
    let yaml = format!(
        "{CLUSTER_PROJECT}  nightly:\n    command: [sh, -c, 'true']\n    schedule: '0 2 * * *'\n"
    );
    s.write("etl.yaml", &yaml);
    let Some(sim) = Kubesim::start(s.path()) else {
        return;
    };
    s.on(&sim, &["history"])
        .expect(0)
        .stderr_has("etl.yaml deploys no scheduler");
    s.write("etl.yaml", &format!("{yaml}scheduler: {{}}\n"));
    let r = s.on(&sim, &["history"]).expect(0);
    assert!(
        !r.stderr().contains("deploys no scheduler"),
        "{}",
        r.stderr()
    );
}
