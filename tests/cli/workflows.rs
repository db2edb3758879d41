//! `etl workflows`: a DAG of shell jobs run here. Each task appends `start TASK NANOS` and
//! `end TASK NANOS` to a log, so the tests can check the order the user would care about.

use crate::common::Sandbox;
use std::collections::HashMap;

/// One job, `step`, used by every task with its own TASK env var. A task fails (exit 3) while a
/// file `fail-TASK` exists, and while `attempts-TASK` counts fewer than `pass-after-TASK` says.
pub const JOB: &str = r#"#!/bin/sh
echo "start $TASK $(date +%s%N)" >> log
echo "$TASK got $1 $2 $3 $4 run $ETL_RUN_ID trigger $ETL_TRIGGER"
n=$(( $(cat "attempts-$TASK" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "attempts-$TASK"
sleep "${SLEEP:-0}"
echo "end $TASK $(date +%s%N)" >> log
if [ -e "fail-$TASK" ]; then echo "$TASK fails" >&2; exit 3; fi
if [ -e "pass-after-$TASK" ] && [ "$n" -lt "$(cat "pass-after-$TASK")" ]; then exit 4; fi
exit 0
"#;

pub fn project(workflows: &str) -> Sandbox {
    let s = Sandbox::new();
    s.write("job.sh", JOB);
    s.write(
        "etl.yaml",
        &format!(
            "project: flows\n\
             defaults:\n  command: [sh, job.sh]\n  timezone: Europe/Paris\n\
             jobs:\n  step:\n    config: {{level: 1}}\n  other:\n    description: another job\n\
             workflows:\n{workflows}"
        ),
    );
    s
}

/// a → (b, c) → d, and e on its own.
const DIAMOND: &str = "  diamond:
    description: a diamond and a loner
    window: day
    tasks:
      a: {job: step, env: {TASK: a}}
      b: {job: step, after: [a], env: {TASK: b, SLEEP: '0.2'}}
      c: {job: step, after: [a], env: {TASK: c, SLEEP: '0.1'}, config: {level: 2}}
      d: {job: step, after: [b, c], env: {TASK: d}}
      e: {job: step, env: {TASK: e}}
";

#[derive(Debug)]
pub struct Span {
    pub start: u128,
    pub end: u128,
}

/// Each task's spans (one per attempt), from the log.
pub fn spans(s: &Sandbox) -> HashMap<String, Vec<Span>> {
    let mut out: HashMap<String, Vec<Span>> = HashMap::new();
    let log = std::fs::read_to_string(s.path().join("log")).unwrap_or_default();
    for line in log.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let t: u128 = parts[2].parse().unwrap();
        let v = out.entry(parts[1].to_string()).or_default();
        if parts[0] == "start" {
            v.push(Span { start: t, end: 0 });
        } else {
            v.last_mut().unwrap().end = t;
        }
    }
    out
}

#[test]
fn tasks_run_in_dependency_order_and_the_run_completes() {
    let s = project(DIAMOND);
    let r = s
        .run(&["workflows", "run", "diamond", "--date", "2026-11-22"])
        .expect(0);
    let sp = spans(&s);
    for t in ["a", "b", "c", "d", "e"] {
        assert_eq!(sp[t].len(), 1, "{t} ran once: {sp:?}");
    }
    for (task, afters) in [("b", &["a"][..]), ("c", &["a"]), ("d", &["b", "c"])] {
        for a in afters {
            assert!(
                sp[task][0].start >= sp[*a][0].end,
                "{task} started before {a} ended: {sp:?}"
            );
        }
    }
    r.stderr_has(
        "running workflow diamond for [2026-11-22T00:00:00+01:00, 2026-11-23T00:00:00+01:00)",
    );
    r.stderr_has("workflow run diamond-20261122-1d-a1 COMPLETED");
    r.stderr_has("5/5 tasks completed");
    // Each task got the job's arguments, its own config and a run id of its own.
    r.stdout_has(
        "c | c got step 2026-11-22T00:00:00+01:00 2026-11-23T00:00:00+01:00 {\"level\":2} run diamond-20261122-1d-a1-c trigger workflow",
    );
    r.stdout_has(
        "b | b got step 2026-11-22T00:00:00+01:00 2026-11-23T00:00:00+01:00 {\"level\":1}",
    );

    let runs = s.run(&["workflows", "runs"]).expect(0);
    runs.stdout_has("diamond-20261122-1d-a1");
    runs.stdout_has("COMPLETED");
    runs.stdout_has("5/5");
    // Task runs are local runs like any other.
    let local = s.run(&["runs", "--local"]).expect(0);
    local.stdout_has("diamond-20261122-1d-a1-d");
}

#[test]
fn a_failure_stops_only_its_descendants_and_retry_runs_only_failed_and_blocked() {
    let s = project(DIAMOND);
    s.write("fail-b", "");
    let r = s
        .run(&["workflows", "run", "diamond", "--date", "2026-11-22"])
        .expect(1);
    let sp = spans(&s);
    assert!(!sp.contains_key("d"), "d never starts: {sp:?}");
    for t in ["a", "b", "c", "e"] {
        assert_eq!(sp[t].len(), 1, "{t}: {sp:?}");
    }
    r.stderr_has("b  FAILED");
    r.stderr_has("b | b fails");
    r.stderr_has("exit code 3");
    r.stderr_has("d  UPSTREAM_FAILED");
    r.stderr_has("3/5 tasks completed; 1 failed: b; 1 not run (upstream failed): d");

    // Fixed: only b and d run again, as new attempts; a, c and e stay completed.
    std::fs::remove_file(s.path().join("fail-b")).unwrap();
    std::fs::remove_file(s.path().join("log")).unwrap();
    let r = s
        .run(&[
            "workflows",
            "run",
            "diamond",
            "--date",
            "2026-11-22",
            "--retry-failed",
        ])
        .expect(0);
    let sp = spans(&s);
    let mut ran: Vec<&String> = sp.keys().collect();
    ran.sort();
    assert_eq!(ran, ["b", "d"]);
    r.stderr_has("retrying 2 of 5 tasks of diamond-20261122-1d-a1");
    r.stdout_has("run diamond-20261122-1d-a1-b-r2");
    r.stderr_has("5/5 tasks completed");

    // Nothing left to retry.
    let r = s
        .run(&["workflows", "retry", "diamond-20261122-1d-a1"])
        .expect(0);
    r.stderr_has("nothing to retry");
}

#[test]
fn a_failed_task_is_retried_up_to_its_retries() {
    let s = project(
        "  flaky:
    tasks:
      a: {job: step, env: {TASK: a}, retries: 2}
      b: {job: step, after: [a], env: {TASK: b}}
",
    );
    s.write("pass-after-a", "3");
    let r = s
        .run(&["workflows", "run", "flaky", "--date", "2026-11-22"])
        .expect(0);
    assert_eq!(spans(&s)["a"].len(), 3);
    assert_eq!(spans(&s)["b"].len(), 1);
    r.stderr_has("2 retries left");
    r.stderr_has("retry 2 of 2");

    // With one retry fewer it fails for good, and b never starts.
    let s = project(
        "  flaky:
    tasks:
      a: {job: step, env: {TASK: a}, retries: 1}
      b: {job: step, after: [a], env: {TASK: b}}
",
    );
    s.write("pass-after-a", "3");
    s.run(&["workflows", "run", "flaky", "--date", "2026-11-22"])
        .expect(1);
    assert_eq!(spans(&s)["a"].len(), 2);
    assert!(!spans(&s).contains_key("b"));
}

#[test]
fn no_more_than_max_parallel_tasks_run_at_once() {
    let wf = |limit: &str| {
        format!(
            "  wide:
    {limit}
    tasks:
      p1: {{job: step, env: {{TASK: p1, SLEEP: '0.3'}}}}
      p2: {{job: step, env: {{TASK: p2, SLEEP: '0.3'}}}}
      p3: {{job: step, env: {{TASK: p3, SLEEP: '0.3'}}}}
      p4: {{job: step, env: {{TASK: p4, SLEEP: '0.3'}}}}
"
        )
    };
    let most_at_once = |s: &Sandbox| {
        let sp = spans(s);
        let all: Vec<&Span> = sp.values().flatten().collect();
        all.iter()
            .map(|x| {
                all.iter()
                    .filter(|y| y.start <= x.start && x.start < y.end)
                    .count()
            })
            .max()
            .unwrap()
    };
    let s = project(&wf("max_parallel: 2"));
    s.run(&["workflows", "run", "wide", "--date", "2026-11-22"])
        .expect(0);
    assert_eq!(most_at_once(&s), 2);

    let s = project(&wf("max_parallel: 2"));
    s.run(&[
        "workflows",
        "run",
        "wide",
        "--date",
        "2026-11-22",
        "--parallel",
        "1",
    ])
    .expect(0);
    assert_eq!(most_at_once(&s), 1);

    let s = project(&wf("description: no limit"));
    s.run(&["workflows", "run", "wide", "--date", "2026-11-22"])
        .expect(0);
    assert_eq!(most_at_once(&s), 4);
}

#[test]
fn step_runs_one_workflow_run_per_window() {
    let s = project(
        "  small:
    tasks:
      a: {job: step, env: {TASK: a}}
",
    );
    let r = s
        .run(&[
            "workflows",
            "run",
            "small",
            "--start",
            "2026-11-20",
            "--end",
            "2026-11-23",
            "--step",
            "1d",
        ])
        .expect(0);
    assert_eq!(spans(&s)["a"].len(), 3);
    r.stderr_has("small-20261120-1d-a1");
    r.stderr_has("small-20261122-1d-a1");
    r.stderr_has("3/3 workflow runs completed");
}

#[test]
fn show_draws_levels_and_dot() {
    let s = project(DIAMOND);
    let r = s.run(&["workflows", "show", "diamond"]).expect(0);
    assert_eq!(
        r.stdout(),
        "\
diamond: a diamond and a loner
window day, no limit on tasks at once

level 1  a           job step
         e           job step
level 2  b  <- a     job step
         c  <- a     job step
level 3  d  <- b, c  job step
"
    );
    let r = s.run(&["workflows", "show", "diamond", "--dot"]).expect(0);
    r.stdout_has("\"b\" -> \"d\";");
    let r = s.run(&["workflows", "show", "diamnd"]).expect(2);
    r.stderr_has("there is no workflow `diamnd`");
    r.stderr_has("did you mean `diamond`?");
}

#[test]
fn list_shows_tasks_in_order_and_json() {
    let s = project(DIAMOND);
    let r = s.run(&["workflows", "list"]).expect(0);
    r.stdout_has("diamond");
    r.stdout_has("a, b, c, d, e");
    let r = s.run(&["workflows", "list", "-o", "json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(v[0]["name"], "diamond");
    assert_eq!(v[0]["tasks"][3]["after"], serde_json::json!(["b", "c"]));
    assert_eq!(v[0]["last_run"], serde_json::Value::Null);
}

#[test]
fn workflow_mistakes_point_at_the_line_to_fix() {
    let cases: &[(&str, &[&str])] = &[
        (
            "  loop:\n    tasks:\n      a: {job: step, after: [b]}\n      b: {job: step, after: [a]}\n",
            &[
                "etl.yaml:13:30: workflows.loop.tasks.a.after: the tasks depend on each other in a cycle: a -> b -> a",
            ],
        ),
        (
            "  typo:\n    tasks:\n      first: {job: step}\n      second: {job: step, after: [frist]}\n",
            &[
                "etl.yaml:14:35: workflows.typo.tasks.second.after: task `second` runs after `frist`, which is not a task of this workflow",
                "did you mean `first`?",
            ],
        ),
        (
            "  me:\n    tasks:\n      a: {job: step, after: [a]}\n",
            &["workflows.me.tasks.a.after: task `a` runs after itself"],
        ),
        (
            "  nojob:\n    tasks:\n      stpe: {}\n",
            &[
                "workflows.nojob.tasks.stpe: task `stpe` runs the job of the same name, and there is no job `stpe`",
                "did you mean `step`?",
            ],
        ),
        (
            "  badjob:\n    tasks:\n      x: {job: othr}\n",
            &["etl.yaml:13:16: workflows.badjob.tasks.x.job: there is no job `othr`"],
        ),
        (
            "  empty:\n    description: nothing\n",
            &["workflows.empty.tasks: a workflow needs at least one task"],
        ),
        (
            "  other:\n    tasks:\n      a: {job: step}\n",
            &["workflow `other` has the name of a job"],
        ),
        (
            "  a-very-long-workflow-name-that-goes-on-and-on:\n    tasks:\n      a: {job: step}\n",
            &["cannot name a workflow", "at most 40"],
        ),
        (
            "  t:\n    tasks:\n      a: {job: step, timeout: soon}\n",
            &["workflows.t.tasks.a.timeout: `soon` is not a duration"],
        ),
    ];
    for (wf, needles) in cases {
        let s = project(wf);
        let r = s.run(&["workflows", "list"]).expect(2);
        for n in *needles {
            r.stderr_has(n);
        }
    }
}

#[test]
fn a_workflow_run_needs_a_window_and_a_real_workflow() {
    let s = project(DIAMOND);
    let r = s.run(&["workflows", "run", "diamond"]).expect(2);
    r.stderr_has("--yesterday");
    let r = s
        .run(&["workflows", "run", "step", "--yesterday"])
        .expect(2);
    r.stderr_has("`step` is a job: run it with `etl jobs run step`");
    let r = s
        .run(&[
            "workflows",
            "run",
            "diamond",
            "--yesterday",
            "--retry-failed",
        ])
        .expect(2);
    r.stderr_has("has no local run for");
}

#[test]
fn ctrl_c_stops_running_tasks_cancels_waiting_ones_and_exits_130() {
    let s = project(
        "  long:
    tasks:
      slow: {job: step, env: {TASK: slow, SLEEP: '30'}}
      quick: {job: step, env: {TASK: quick}}
      next: {job: step, after: [slow], env: {TASK: next}}
",
    );
    let child = s
        .cmd(&["workflows", "run", "long", "--date", "2026-11-22"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let ready = |s: &Sandbox| {
        let sp = spans(s);
        sp.contains_key("slow") && sp.get("quick").is_some_and(|v| v[0].end > 0)
    };
    while !ready(&s) {
        assert!(
            std::time::Instant::now() < deadline,
            "the tasks never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("slow   CANCELLED"), "{err}");
    assert!(err.contains("next   CANCELLED"), "{err}");
    assert!(!spans(&s).contains_key("next"), "next never started");
    assert_eq!(
        spans(&s)["slow"][0].end,
        0,
        "slow was stopped before it finished"
    );
    let runs = s.run(&["workflows", "runs", "-o", "json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&runs.stdout()).unwrap();
    assert_eq!(v[0]["state"], "CANCELLED");
    assert_eq!(v[0]["tasks"]["quick"]["state"], "COMPLETED");
    assert_eq!(v[0]["tasks"]["slow"]["state"], "CANCELLED");
}

/// What a workflow run is in the cluster: a ConfigMap with the DAG and one Job per task,
/// blocked tasks suspended, all passing the official schemas strictly.
#[test]
fn render_gives_a_config_map_and_a_job_per_task() {
    let s = crate::common::Sandbox::example();
    let r = s
        .run(&[
            "workflows",
            "render",
            "nightly",
            "--date",
            "2026-11-22",
            "-o",
            "json",
        ])
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let cm = &items[0];
    assert_eq!(cm["kind"], "ConfigMap");
    assert_eq!(cm["metadata"]["name"], "nightly-20261122-1d-a1");
    assert_eq!(cm["metadata"]["labels"]["etl.dev/kind"], "workflow-run");
    assert_eq!(
        cm["metadata"]["labels"]["etl.dev/window-start"],
        "20261122T080000Z"
    );
    let dag: serde_json::Value =
        serde_json::from_str(cm["data"]["dag.json"].as_str().unwrap()).unwrap();
    assert_eq!(
        dag["tasks"][1]["after"],
        serde_json::json!(["sensor-report"])
    );
    let names: Vec<&str> = items[1..]
        .iter()
        .map(|j| j["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "nightly-20261122-1d-a1-sensor-report",
            "nightly-20261122-1d-a1-averages-pm25",
            "nightly-20261122-1d-a1-averages-no2"
        ]
    );
    assert_eq!(
        items[1]["spec"].get("suspend"),
        None,
        "a root task may start"
    );
    assert_eq!(
        items[2]["spec"]["suspend"], true,
        "blocked until its `after` completes"
    );
    assert_eq!(
        items[3]["metadata"]["labels"]["etl.dev/task"],
        "averages-no2"
    );
    assert_eq!(
        items[3]["metadata"]["labels"]["etl.dev/trigger"],
        "workflow"
    );
    let args = &items[3]["spec"]["template"]["spec"]["containers"][0]["args"];
    assert_eq!(args[0], "daily-averages");
    assert!(
        args[3].as_str().unwrap().contains("\"pollutant\":\"no2\""),
        "{args}"
    );

    if !crate::common::require_tool("kubernetes-validate") {
        return;
    }
    let yaml = s
        .run(&["workflows", "render", "nightly", "--date", "2026-11-22"])
        .expect(0)
        .stdout();
    s.write("wf.yaml", &yaml);
    let out = std::process::Command::new("kubernetes-validate")
        .args(["--strict", "-k", "1.33.0", "wf.yaml"])
        .current_dir(s.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("passed").count(), 4, "{text}");
}
