//! `etl jobs run --container` driven through the built binary against a real podman (set up in
//! a temporary directory by tests/podman), with a `FROM scratch` busybox image built by
//! `etl build`: the job's window, env and secrets reach the container, its exit code comes
//! back, and Ctrl-C leaves no container behind.
//!
//! Without podman these tests say so loudly and pass, except in CI (CI set), where that is a
//! failure. etl starts podman itself, so etl gets the podman env vars.

#[path = "podman/mod.rs"]
mod podman;

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const ETL: &str = env!("CARGO_BIN_EXE_etl");
const IMAGE: &str = "localhost/etl-test/demo:t1";
const TOKEN: &str = "container-token-do-not-print";

const PROJECT: &str = r#"project: demo
image:
  repository: localhost/etl-test/demo
  engine: podman
secrets:
  warehouse:
    keys: [WAREHOUSE_TOKEN]
    dotenv: .env
jobs:
  echo:
    command: [/bin/busybox, sh, -c, 'echo "$0 $1 $2 $ETL_RUN_ID $GREETING token-length ${#WAREHOUSE_TOKEN} in $(pwd)"']
    env: {GREETING: hi}
    secrets: [warehouse]
    resources: {cpu: 500m, memory: 64Mi}
  fail:
    command: [/bin/busybox, sh, -c, 'echo "failing for $1" >&2; exit 7']
  read:
    command: [/bin/busybox, sh, -c, 'cat input.txt']
  wait:
    command: [/bin/busybox, sh, -c, 'trap "echo stopping; exit 0" INT; echo started; while :; do /bin/busybox sleep 0.1; done']
  deaf:
    command: [/bin/busybox, sh, -c, 'trap "" INT TERM; echo started; while :; do /bin/busybox sleep 0.1; done']
"#;

/// A podman of its own, a project with the busybox image built, and etl's state.
struct Lab {
    _dir: TempDir,
    project: PathBuf,
    env: Vec<(&'static str, OsString)>,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut env = podman::configure(root, &[]);
        env.extend([
            ("ETL_DATA_DIR", root.join("etl-data").into()),
            ("ETL_NOW", "2026-11-23T06:00:00Z".into()),
            ("ETL_USER", "ana".into()),
            ("NO_COLOR", "1".into()),
        ]);
        let project = root.join("project");
        std::fs::create_dir_all(&project).unwrap();
        podman::busybox_dockerfile(&project);
        std::fs::write(project.join("etl.yaml"), PROJECT).unwrap();
        std::fs::write(project.join(".env"), format!("WAREHOUSE_TOKEN={TOKEN}\n")).unwrap();
        std::fs::write(project.join("input.txt"), "from the project directory\n").unwrap();
        let lab = Lab {
            _dir: dir,
            project,
            env,
        };
        let out = lab.etl(&["build", "--tag", "t1"]);
        assert!(out.status.success(), "etl build");
        assert_eq!(stdout(&out), IMAGE);
        lab
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(ETL);
        c.args(args)
            .current_dir(&self.project)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("ETL_FILE")
            .env_remove("CI")
            .env_remove("WAREHOUSE_TOKEN");
        c
    }

    fn etl(&self, args: &[&str]) -> Output {
        let out = self.cmd(args).output().expect("run etl");
        eprintln!(
            "$ etl {}\n{}\n[stdout]\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        out
    }

    fn run(&self, job: &str, extra: &[&str]) -> Output {
        let mut args = vec![
            "jobs",
            "run",
            job,
            "--date",
            "2026-11-22",
            "--container",
            "--image",
            IMAGE,
        ];
        args.extend(extra);
        self.etl(&args)
    }

    /// The names of every container podman has, running or not.
    fn containers(&self) -> Vec<String> {
        let out = Command::new("podman")
            .args(["ps", "--all", "--format", "{{.Names}}"])
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("podman ps");
        assert!(out.status.success(), "podman ps: {out:?}");
        stdout(&out).lines().map(str::to_string).collect()
    }

    fn local_runs(&self) -> Vec<serde_json::Value> {
        let out = self.etl(&["runs", "--local", "-o", "json"]);
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_job_runs_in_its_image_with_its_window_env_and_secret() {
    if podman::podman_or_skip("a_job_runs_in_its_image", "etl jobs run --container is").is_none() {
        return;
    }
    let lab = Lab::new();
    let out = lab.run("echo", &["-v"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!(
            "echo 2026-11-22T00:00:00+00:00 2026-11-23T00:00:00+00:00 echo-20261122-1d-a1 hi \
             token-length {} in /",
            TOKEN.len()
        ),
        "the window, run id, env and secret reach the container; no mount, so not in /work"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!("image {IMAGE} (--image), run with podman")),
        "{err}"
    );
    // -v shows the engine's command line: the secret by name only, the resources as limits.
    let argv = err
        .lines()
        .find(|l| l.contains("$ podman run"))
        .unwrap_or_else(|| panic!("no command line shown:\n{err}"));
    assert!(
        argv.contains("--rm --name etl-echo-20261122-1d-a1"),
        "{argv}"
    );
    assert!(argv.contains("--env WAREHOUSE_TOKEN "), "{argv}");
    assert!(argv.contains("--cpus 0.5 --memory 67108864"), "{argv}");
    assert!(
        !format!("{}{err}", stdout(&out)).contains(TOKEN),
        "the secret's value was printed"
    );

    let runs = lab.local_runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["mode"], "container");
    assert_eq!(runs[0]["state"], "Succeeded");
    assert_eq!(runs[0]["exit_code"], 0);
    assert!(lab.containers().is_empty(), "{:?}", lab.containers());
}

#[test]
fn a_failing_job_exits_1_and_an_unknown_image_3() {
    if podman::podman_or_skip("a_failing_job_exits_1", "etl jobs run --container is").is_none() {
        return;
    }
    let lab = Lab::new();
    let out = lab.run("fail", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("failing for 2026-11-22T00:00:00+00:00"),
        "the job's own stderr streams: {err}"
    );
    assert!(err.contains("failed with exit code 7"), "{err}");
    assert_eq!(lab.local_runs()[0]["state"], "Failed");
    assert_eq!(lab.local_runs()[0]["exit_code"], 7);

    // podman's own failure (exit 125) is not the job's.
    let out = lab.etl(&[
        "jobs",
        "run",
        "fail",
        "--date",
        "2026-11-22",
        "--container",
        "--image",
        "localhost/etl-test/no-such-image:v0",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("podman could not run localhost/etl-test/no-such-image:v0"),
        "{err}"
    );
    assert!(err.contains("`etl build` builds it"), "{err}");
    assert!(lab.containers().is_empty(), "{:?}", lab.containers());
}

#[test]
fn the_project_directory_is_mounted_only_when_asked() {
    if podman::podman_or_skip("the_project_directory_is_mounted", "--mount is").is_none() {
        return;
    }
    let lab = Lab::new();
    let out = lab.run("read", &[]);
    assert_eq!(out.status.code(), Some(1), "input.txt is not in the image");
    let out = lab.run("read", &["--mount"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "from the project directory");
}

/// Starts `etl jobs run JOB --container`, waits for the job's "started", sends etl SIGINT and
/// returns etl's output (stdout after "started") and how long the stop took.
fn interrupt(lab: &Lab, job: &str) -> (Output, Duration) {
    let mut child = lab
        .cmd(&[
            "jobs",
            "run",
            job,
            "--today",
            "--container",
            "--image",
            IMAGE,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "started", "the job did not start");
    let sent = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut out, &mut rest).unwrap();
    let mut output = child.wait_with_output().unwrap();
    output.stdout = rest;
    eprintln!("[stderr]\n{}", stderr(&output));
    (output, sent.elapsed())
}

#[test]
fn ctrl_c_reaches_the_container_and_leaves_nothing_behind() {
    if podman::podman_or_skip("ctrl_c_reaches_the_container", "Ctrl-C with --container is")
        .is_none()
    {
        return;
    }
    let lab = Lab::new();
    let (out, _) = interrupt(&lab, "wait");
    assert_eq!(out.status.code(), Some(130));
    assert!(
        stdout(&out).contains("stopping"),
        "the job got SIGINT through podman and ran its handler: {}",
        stdout(&out)
    );
    assert!(lab.containers().is_empty(), "{:?}", lab.containers());
    assert_eq!(lab.local_runs()[0]["state"], "Interrupted");

    // A job that ignores SIGINT is killed after the grace period, and its container removed.
    let (out, took) = interrupt(&lab, "deaf");
    assert_eq!(out.status.code(), Some(130));
    assert!(took >= Duration::from_secs(9), "stopped after {took:?}");
    assert!(lab.containers().is_empty(), "{:?}", lab.containers());
}
