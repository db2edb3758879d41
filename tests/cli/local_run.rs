//! `etl jobs run`: the job here, as a local process, with what the cluster would give it.

use crate::common::{Sandbox, require_tool};

#[test]
fn the_example_job_runs_for_its_window() {
    if !require_tool("python3") {
        return;
    }
    let s = Sandbox::example();
    let r = s
        .run(&["jobs", "run", "daily-averages", "--date", "2026-11-22"])
        .expect(0);
    let out = r.stdout();
    assert!(
        out.contains("daily-averages window 2026-11-22T00:00:00-08:00 2026-11-23T00:00:00-08:00 run daily-averages-20261122-1d-a1"),
        "{out}"
    );
    assert!(
        out.contains("oakland-01: mean pm25 11.58 over 24 readings"),
        "{out}"
    );
    assert!(
        r.stderr().contains(
            "running daily-averages for [2026-11-22T00:00:00-08:00, 2026-11-23T00:00:00-08:00)"
        ),
        "{}",
        r.stderr()
    );
}

#[test]
fn a_failing_job_exits_1_and_shows_its_own_code() {
    let s = Sandbox::example();
    let r = s
        .run(&["jobs", "run", "daily-averages", "--date", "2026-12-25"])
        .expect(1);
    assert!(
        r.stderr().contains("no readings between"),
        "the job's own stderr streams: {}",
        r.stderr()
    );
    r.stderr_has("failed with exit code 3");
}

#[test]
fn a_secret_reaches_the_job_but_not_etl_output() {
    let s = Sandbox::example();
    let r = s
        .run(&[
            "-v",
            "jobs",
            "run",
            "daily-averages",
            "--date",
            "2026-11-22",
        ])
        .expect(0);
    // sha256("example-token-do-not-print")[..12], printed by the job itself.
    r.stdout_has("warehouse token sha256 7ca56c58e58d");
    let all = format!("{}{}", r.stdout(), r.stderr());
    assert!(
        !all.contains("example-token-do-not-print"),
        "a secret value was printed:\n{all}"
    );
}

const PROJECT: &str = "project: demo
jobs:
  echo:
    command: [sh, -c, 'echo \"$0 $1 $2 $3 $ETL_RUN_ID $GREETING\"; test \"$1\" != 2026-11-02T00:00:00+00:00']
    env: {GREETING: hi}
";

#[test]
fn several_windows_run_in_order_and_stop_at_the_first_failure() {
    let s = Sandbox::new();
    s.write("etl.yaml", PROJECT);
    let r = s
        .run(&[
            "jobs",
            "run",
            "echo",
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-04",
            "--step",
            "1d",
        ])
        .expect(1);
    let lines: Vec<String> = r.stdout().lines().map(str::to_string).collect();
    assert_eq!(
        lines,
        [
            "echo 2026-11-01T00:00:00+00:00 2026-11-02T00:00:00+00:00 {} echo-20261101-1d-a1 hi",
            "echo 2026-11-02T00:00:00+00:00 2026-11-03T00:00:00+00:00 {} echo-20261102-1d-a1 hi",
        ]
    );
    r.stderr_has("window 2/3 failed: [2026-11-02T00:00:00+00:00, 2026-11-03T00:00:00+00:00) (exit code 1); 1 not run (stopped there; --keep-going runs the rest)");

    let r = s
        .run(&[
            "jobs",
            "run",
            "echo",
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-04",
            "--step",
            "1d",
            "--keep-going",
        ])
        .expect(1);
    assert_eq!(r.stdout().lines().count(), 3, "{}", r.stdout());
    r.stderr_has("window 2/3 failed");
    assert!(!r.stderr().contains("not run"), "{}", r.stderr());
    // The second time round, each window is attempt 2.
    r.stdout_has("echo-20261101-1d-a2");

    let runs = s.run(&["runs", "--local", "-o", "json"]).expect(0);
    let v: Vec<serde_json::Value> = serde_json::from_str(&runs.stdout()).unwrap();
    let states: Vec<&str> = v.iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(
        states,
        ["Succeeded", "Failed", "Succeeded", "Failed", "Succeeded"]
    );
    assert!(
        v.iter()
            .all(|r| r["trigger"] == "local" && r["started_by"] == "ana")
    );
    let table = s
        .run(&["runs", "--local", "--state", "failed"])
        .expect(0)
        .stdout();
    assert_eq!(table.lines().count(), 3, "header + 2 failed runs:\n{table}");
}

#[test]
fn several_windows_that_all_succeed_say_so() {
    let s = Sandbox::new();
    s.write("etl.yaml", PROJECT);
    let r = s
        .run(&[
            "jobs",
            "run",
            "echo",
            "--start",
            "2026-11-03",
            "--end",
            "2026-11-06",
            "--step",
            "1d",
        ])
        .expect(0);
    r.stderr_has("3/3 windows succeeded");
}

#[test]
fn a_script_without_the_x_bit_gets_chmod_in_the_hint() {
    let s = Sandbox::new();
    s.write(
        "etl.yaml",
        "project: demo\njobs:\n  script:\n    command: [./job.sh]\n",
    );
    s.write("job.sh", "#!/bin/sh\necho hi\n");
    let r = s.run(&["jobs", "run", "script", "--today"]).expect(2);
    r.stderr_has("cannot start `./job.sh`");
    r.stderr_has("chmod +x ./job.sh");
}

#[test]
fn ctrl_c_stops_the_job_and_exits_130() {
    let s = Sandbox::new();
    s.write(
        "etl.yaml",
        "project: demo\njobs:\n  wait:\n    command: [sh, -c, 'echo $$ > job.pid; trap \"echo stopping; exit 0\" INT; while :; do sleep 0.1; done']\n",
    );
    let child = s
        .cmd(&["jobs", "run", "wait", "--today"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid_file = s.path().join("job.pid");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !pid_file.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the job never started"
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
    assert_eq!(out.status.code(), Some(130));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("stopping"),
        "the job got SIGINT and ran its handler"
    );
    let job_pid: i32 = s.read("job.pid").trim().parse().unwrap();
    assert!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(job_pid), None).is_err(),
        "the job's process is gone"
    );
    let runs = s.run(&["runs", "--local", "-o", "json"]).expect(0).stdout();
    assert!(runs.contains("\"state\": \"Interrupted\""), "{runs}");
}

#[test]
fn a_job_that_does_not_exist_gets_a_suggestion() {
    let s = Sandbox::example();
    let r = s
        .run(&["jobs", "run", "daily-average", "--yesterday"])
        .expect(2);
    r.stderr_has("did you mean `daily-averages`?");
    let r = s.run(&["jobs", "run", "daily-averages"]).expect(2);
    r.stderr_has("which window");
}

/// The pids a job wrote to `pids`, one a line, once it has written `n` of them.
fn wait_for_pids(s: &Sandbox, n: usize) -> Vec<i32> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let pids: Vec<i32> = std::fs::read_to_string(s.path().join("pids"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        if pids.len() >= n {
            return pids;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job never wrote {n} pids: {pids:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Each of `pids` that still runs (a zombie has ended: it does not count). Those are then
/// killed, so a failing test leaves nothing behind either.
fn still_running(pids: &[i32]) -> Vec<i32> {
    let running: Vec<i32> = pids
        .iter()
        .copied()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
                !state.is_some_and(|s| s.starts_with('Z') || s.starts_with('X'))
            })
        })
        .collect();
    for pid in &running {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    running
}

/// Three background children, one of which left the job's process group with setsid, as a
/// daemon does (`setsid`, from util-linux, is in every Linux base system). Their output goes
/// to /dev/null so that they cannot keep the test's pipes open: the test sees them at once.
const LEAVES_CHILDREN: &str = "project: demo
jobs:
  leave:
    command: [sh, -c, 'for s in nohup nohup setsid; do $s sleep 1000 >/dev/null 2>&1 & echo $! >> pids; done; echo started; EXIT']
";

#[test]
fn a_job_that_ends_leaves_no_process_behind() {
    let s = Sandbox::new();
    s.write("etl.yaml", &LEAVES_CHILDREN.replace("EXIT", "exit 0"));
    let r = s.run(&["jobs", "run", "leave", "--today"]).expect(0);
    r.stdout_has("started");
    let pids = wait_for_pids(&s, 3);
    assert_eq!(
        still_running(&pids),
        Vec::<i32>::new(),
        "the job's background processes outlived etl: {pids:?}\n{}",
        r.stderr()
    );
    r.stderr_has("stopping 3 processes the job left running");
}

#[test]
fn ctrl_c_leaves_no_process_behind() {
    let s = Sandbox::new();
    s.write("etl.yaml", &LEAVES_CHILDREN.replace("EXIT", "wait"));
    let child = s
        .cmd(&["jobs", "run", "leave", "--today"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pids = wait_for_pids(&s, 3);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        still_running(&pids),
        Vec::<i32>::new(),
        "the job's processes outlived etl after Ctrl-C: {pids:?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn without_user_the_run_is_recorded_under_the_accounts_name() {
    let s = Sandbox::new();
    s.write(
        "etl.yaml",
        "project: demo\njobs:\n  ok:\n    command: [\"true\"]\n",
    );
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    assert!(me.status.success(), "id -un failed");
    let me = String::from_utf8_lossy(&me.stdout).trim().to_string();
    let out = s
        .cmd(&["jobs", "run", "ok", "--today"])
        .env_remove("ETL_USER")
        .env_remove("USER")
        .env_remove("USERNAME")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = s.run(&["runs", "--local", "-o", "json"]).expect(0);
    let v: Vec<serde_json::Value> = serde_json::from_str(&runs.stdout()).unwrap();
    assert_eq!(v[0]["started_by"], me.as_str());
}

#[test]
fn local_runs_refuse_a_state_they_never_have() {
    let s = Sandbox::new();
    s.write(
        "etl.yaml",
        "project: demo\njobs:\n  ok:\n    command: [\"true\"]\n",
    );
    let r = s
        .run(&["runs", "--local", "--state", "Cancelled"])
        .expect(2);
    r.stderr_has("--state Cancelled: not a state of a local run");
    r.stderr_has("one of Running, Succeeded, Failed, Interrupted, Lost");
    s.run(&["jobs", "run", "ok", "--today"]).expect(0);
    let r = s.run(&["runs", "--local", "--state", "failed"]).expect(0);
    r.stderr_has("no local runs match");
}
