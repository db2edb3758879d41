//! `etl deploy`, `etl diff` and `etl jobs list` against kubesim: the example project's
//! schedule applied as a CronJob, compared, pruned, fired on kubesim's clock, and its run seen
//! by `etl runs` and `etl jobs list`.

use crate::common::{Kubesim, Recorder, Run, Sandbox, require_tool};
use serde_json::Value;
use std::time::{Duration, Instant};

const NS: &str = "air-quality";
const TOKEN: &str = "example-token-do-not-print";

/// The example project and a kubesim whose pods run in it, with the namespace it deploys to.
/// Without the example's workflow: these tests are about CronJobs and Secrets, and a workflow
/// brings the scheduler (tested with `setup_with_scheduler`).
fn setup() -> Option<(Sandbox, Kubesim)> {
    let (s, sim) = setup_with_scheduler()?;
    s.write("etl.yaml", &without_workflows(&s.read("etl.yaml")));
    Some((s, sim))
}

/// etl.yaml without its `workflows:` section.
fn without_workflows(yaml: &str) -> String {
    let start = yaml
        .find("\nworkflows:\n")
        .expect("the example has workflows");
    let end = yaml[start + 1..]
        .find("\n\n")
        .map(|i| start + 1 + i)
        .unwrap_or(yaml.len());
    format!("{}{}", &yaml[..start], &yaml[end..])
}

/// The example project, workflows and all, and a kubesim.
fn setup_with_scheduler() -> Option<(Sandbox, Kubesim)> {
    if !require_tool("kubectl") {
        return None;
    }
    let s = Sandbox::example();
    let sim = Kubesim::start(s.path())?;
    let o = sim.kubectl(&["create", "namespace", NS]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some((s, sim))
}

/// `kubectl get` as JSON; Null when the object does not exist (or a list is empty).
fn get(sim: &Kubesim, what: &[&str]) -> Value {
    let mut args = vec![
        "get",
        "-n",
        NS,
        "-o",
        "json",
        "--ignore-not-found",
        "--show-managed-fields",
    ];
    args.extend_from_slice(what);
    let o = sim.kubectl(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if o.stdout.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(&o.stdout).unwrap()
}

fn kubectl_apply(sim: &Kubesim, s: &Sandbox, yaml: &str) {
    s.write("other.yaml", yaml);
    let file = s.path().join("other.yaml");
    let o = sim.kubectl(&["apply", "-f", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn no_secret_value(r: &Run) {
    assert!(
        !r.stdout().contains(TOKEN) && !r.stderr().contains(TOKEN),
        "a secret value was printed:\n{}\n{}",
        r.stdout(),
        r.stderr()
    );
}

fn set_schedule(s: &Sandbox, schedule: &str) {
    let yaml = s.read("etl.yaml").replace(
        "schedule: \"0 2 * * *\"",
        &format!("schedule: \"{schedule}\""),
    );
    s.write("etl.yaml", &yaml);
}

#[test]
fn deploy_creates_then_finds_nothing_to_change_then_configures() {
    let Some((s, sim)) = setup() else { return };
    let r = s.on(&sim, &["deploy"]).expect(0);
    assert_eq!(
        r.stdout(),
        "secret/air-quality-warehouse created\ncronjob/daily-averages created\n"
    );
    assert!(
        r.stderr()
            .starts_with("context kubesim, namespace air-quality\n"),
        "context and namespace come first: {}",
        r.stderr()
    );
    no_secret_value(&r);

    let cj = get(&sim, &["cronjob", "daily-averages"]);
    let managers: Vec<&str> = cj["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["operation"] == "Apply")
        .map(|m| m["manager"].as_str().unwrap())
        .collect();
    assert_eq!(managers, ["etl"], "{cj}");
    let labels = &cj["metadata"]["labels"];
    assert_eq!(labels["etl.dev/project"], "air-quality");
    assert_eq!(labels["etl.dev/job"], "daily-averages");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "etl");
    assert_eq!(cj["spec"]["schedule"], "0 2 * * *");
    assert_eq!(cj["spec"]["timeZone"], "America/Los_Angeles");

    let secret = get(&sim, &["secret", "air-quality-warehouse"]);
    assert_eq!(
        secret["metadata"]["labels"]["etl.dev/project"],
        "air-quality"
    );
    let encoded = secret["data"]["WAREHOUSE_TOKEN"].as_str().unwrap();
    let o = std::process::Command::new("base64")
        .arg("-d")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(encoded.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), TOKEN);

    let r = s.on(&sim, &["deploy"]).expect(0);
    assert_eq!(
        r.stdout(),
        "secret/air-quality-warehouse unchanged\ncronjob/daily-averages unchanged\n"
    );

    set_schedule(&s, "0 3 * * *");
    let r = s.on(&sim, &["deploy", "daily-averages"]).expect(0);
    assert_eq!(
        r.stdout(),
        "secret/air-quality-warehouse unchanged\ncronjob/daily-averages configured\n"
    );
    assert_eq!(
        get(&sim, &["cronjob", "daily-averages"])["spec"]["schedule"],
        "0 3 * * *"
    );
}

#[test]
fn a_dry_run_persists_nothing() {
    let Some((s, sim)) = setup() else { return };
    let r = s.on(&sim, &["deploy", "--dry-run"]).expect(0);
    assert_eq!(
        r.stdout(),
        "secret/air-quality-warehouse created (dry run)\ncronjob/daily-averages created (dry run)\n"
    );
    assert_eq!(get(&sim, &["cronjobs"]), Value::Null);
    assert_eq!(get(&sim, &["secret", "air-quality-warehouse"]), Value::Null);

    s.on(&sim, &["deploy"]).expect(0);
    set_schedule(&s, "0 3 * * *");
    let r = s.on(&sim, &["deploy", "--dry-run"]).expect(0);
    r.stdout_has("cronjob/daily-averages configured (dry run)\n");
    assert_eq!(
        get(&sim, &["cronjob", "daily-averages"])["spec"]["schedule"],
        "0 2 * * *"
    );
}

#[test]
fn naming_a_job_without_a_schedule_is_an_error() {
    let s = Sandbox::example();
    let r = s.run(&["deploy", "sensor-report"]).expect(2);
    r.stderr_has("`sensor-report` has no schedule");
    let r = s.run(&["diff", "daily-averagse"]).expect(2);
    assert!(
        r.stderr().contains("daily-averages"),
        "did you mean: {}",
        r.stderr()
    );
}

#[test]
fn prune_deletes_cronjobs_etl_yaml_no_longer_schedules_and_nothing_else() {
    let Some((s, sim)) = setup() else { return };
    let yaml = s.read("etl.yaml").replace(
        "      memory: 128Mi\n",
        "      memory: 128Mi\n    schedule: \"0 * * * *\"\n    window: hour\n",
    );
    s.write("etl.yaml", &yaml);
    let r = s.on(&sim, &["deploy"]).expect(0);
    r.stdout_has("cronjob/sensor-report created");
    // Another project's CronJob in the same namespace.
    kubectl_apply(
        &sim,
        &s,
        r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: other-job
  namespace: air-quality
  labels: {etl.dev/project: other, app.kubernetes.io/managed-by: etl}
spec:
  schedule: "0 5 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: main, image: busybox, command: ["true"]}]
"#,
    );

    // sensor-report loses its schedule.
    s.write(
        "etl.yaml",
        &yaml.replace("    schedule: \"0 * * * *\"\n    window: hour\n", ""),
    );
    let r = s.on(&sim, &["deploy", "--prune"]).expect(2);
    assert!(
        r.stderr().contains("cronjob/sensor-report") && r.stderr().contains("--yes"),
        "{}",
        r.stderr()
    );
    assert_eq!(r.stdout(), "", "refused before applying anything");
    assert_ne!(get(&sim, &["cronjob", "sensor-report"]), Value::Null);

    let r = s.on(&sim, &["deploy", "--prune", "--dry-run"]).expect(0);
    r.stdout_has("cronjob/sensor-report deleted (dry run)");
    assert_ne!(get(&sim, &["cronjob", "sensor-report"]), Value::Null);

    let r = s.on(&sim, &["deploy", "--prune", "--yes"]).expect(0);
    assert_eq!(
        r.stdout(),
        "secret/air-quality-warehouse unchanged\ncronjob/daily-averages unchanged\ncronjob/sensor-report deleted\n"
    );
    assert_eq!(get(&sim, &["cronjob", "sensor-report"]), Value::Null);
    assert_ne!(get(&sim, &["cronjob", "other-job"]), Value::Null);
    assert_ne!(get(&sim, &["cronjob", "daily-averages"]), Value::Null);
}

#[test]
fn deploy_refuses_another_projects_object_before_applying_anything() {
    let Some((s, sim)) = setup() else { return };
    kubectl_apply(
        &sim,
        &s,
        r#"apiVersion: v1
kind: Secret
metadata:
  name: air-quality-warehouse
  namespace: air-quality
  labels: {etl.dev/project: someone-else}
stringData: {WAREHOUSE_TOKEN: theirs}
"#,
    );
    let r = s.on(&sim, &["deploy"]).expect(3);
    r.stderr_has("secret/air-quality-warehouse in namespace air-quality belongs to the etl project `someone-else`");
    assert_eq!(get(&sim, &["cronjob", "daily-averages"]), Value::Null);
}

#[test]
fn a_missing_secret_value_fails_before_anything_is_applied() {
    let Some((s, sim)) = setup() else { return };
    std::fs::remove_file(s.path().join("example.env")).unwrap();
    let r = s.on(&sim, &["deploy"]).expect(2);
    r.stderr_has("secret `warehouse`: no value for WAREHOUSE_TOKEN");
    assert_eq!(get(&sim, &["cronjobs"]), Value::Null);
    assert_eq!(get(&sim, &["secrets"]), Value::Null);
}

#[test]
fn a_missing_namespace_is_a_clear_error() {
    let Some((s, sim)) = setup() else { return };
    let r = s.on(&sim, &["deploy", "--namespace", "nope"]).expect(3);
    assert!(
        r.stderr().contains("namespace nope does not exist")
            && r.stderr().contains("kubectl create namespace nope"),
        "{}",
        r.stderr()
    );
    let o = sim.kubectl(&["get", "namespace", "nope"]);
    assert!(!o.status.success(), "etl must not create the namespace");
}

#[test]
fn diff_shows_what_deploy_would_change_and_exits_like_kubectl_diff() {
    let Some((s, sim)) = setup() else { return };
    let r = s.on(&sim, &["diff"]).expect(1);
    let out = r.stdout();
    assert!(
        out.contains("--- cronjob/daily-averages (not deployed)"),
        "{out}"
    );
    assert!(
        out.contains("+++ cronjob/daily-averages (etl.yaml)"),
        "{out}"
    );
    assert!(out.contains("+  WAREHOUSE_TOKEN: (value hidden)"), "{out}");
    no_secret_value(&r);
    assert_eq!(get(&sim, &["cronjobs"]), Value::Null);

    s.on(&sim, &["deploy"]).expect(0);
    let r = s.on(&sim, &["diff"]).expect(0);
    assert_eq!(r.stdout(), "");
    r.stderr_has("no differences");

    set_schedule(&s, "30 4 * * *");
    let r = s.on(&sim, &["diff"]).expect(1);
    let out = r.stdout();
    assert!(
        out.contains("--- cronjob/daily-averages (deployed)"),
        "{out}"
    );
    let changed: Vec<&str> = out
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(changed.len(), 2, "only the schedule changes: {out}");
    assert!(
        changed[0].starts_with("-  schedule:") && changed[0].contains("0 2 * * *"),
        "{out}"
    );
    assert!(
        changed[1].starts_with("+  schedule:") && changed[1].contains("30 4 * * *"),
        "{out}"
    );
    assert!(!out.contains("secret/"), "the secret is unchanged: {out}");

    // A changed secret value is a difference, and still not shown.
    let mut c = s.cmd(&["diff"]);
    c.env("KUBECONFIG", &sim.kubeconfig)
        .env("WAREHOUSE_TOKEN", "a-new-token-never-shown");
    let r = Run {
        out: c.output().unwrap(),
    }
    .expect(1);
    let out = r.stdout();
    assert!(out.contains("-  WAREHOUSE_TOKEN: (value hidden)"), "{out}");
    assert!(
        out.contains("+  WAREHOUSE_TOKEN: changed (value hidden)"),
        "{out}"
    );
    assert!(
        !out.contains("a-new-token-never-shown") && !out.contains(TOKEN),
        "{out}"
    );
    // Nothing was applied by diff.
    assert_eq!(
        get(&sim, &["cronjob", "daily-averages"])["spec"]["schedule"],
        "0 2 * * *"
    );
}

/// An etl command with ETL_NOW at `now` (kubesim's clock), against the kubesim.
fn at(s: &Sandbox, sim: &Kubesim, now: jiff::Timestamp, args: &[&str]) -> Run {
    let mut c = s.cmd(args);
    c.env("KUBECONFIG", &sim.kubeconfig)
        .env("ETL_NOW", now.to_string());
    Run {
        out: c.output().unwrap(),
    }
}

#[test]
fn a_deployed_cronjob_fires_and_its_run_shows_in_runs_and_jobs_list() {
    let Some((s, sim)) = setup() else { return };
    let la = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
    s.on(&sim, &["deploy"]).expect(0);

    // Land just after the next 02:00 in Los Angeles: kubesim fires only the most recent missed
    // time, within the template's startingDeadlineSeconds.
    let now = sim.advance(0).to_zoned(la.clone());
    let mut fire = now.date().at(2, 0, 0, 0).to_zoned(la.clone()).unwrap();
    if fire <= now {
        fire = fire
            .tomorrow()
            .unwrap()
            .date()
            .at(2, 0, 0, 0)
            .to_zoned(la.clone())
            .unwrap();
    }
    let window_end = fire.date().to_zoned(la.clone()).unwrap();
    let window_start = window_end.yesterday().unwrap();
    // The job averages readings in its window: give it some, whatever day the test runs on.
    let mut csv = s.read("data/readings.csv");
    let reading = window_start.timestamp() + jiff::SignedDuration::from_hours(3);
    csv.push_str(&format!(
        "{},oakland-01,12.5,20.0\n",
        reading.strftime("%Y-%m-%dT%H:%M:%SZ")
    ));
    s.write("data/readings.csv", &csv);
    let wait = (fire.timestamp() - now.timestamp()).get_seconds() + 60;
    let now = sim.advance(u64::try_from(wait).unwrap());

    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let r = at(&s, &sim, now, &["runs", "-o", "json"]).expect(0);
        let runs: Value = serde_json::from_str(&r.stdout()).unwrap();
        if let Some(run) = runs.as_array().unwrap().first()
            && run["state"] == "Succeeded"
        {
            break run.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no finished cron run after 60s: {runs}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(run["trigger"], "cron");
    assert_eq!(run["job"], "daily-averages");
    let rfc = |z: &jiff::Zoned| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    assert_eq!(run["window_start"], rfc(&window_start), "{run}");
    assert_eq!(run["window_end"], rfc(&window_end), "{run}");

    let r = at(&s, &sim, now, &["jobs", "list"]).expect(0);
    let row = r
        .stdout()
        .lines()
        .find(|l| l.starts_with("daily-averages"))
        .unwrap()
        .to_string();
    let next = fire
        .tomorrow()
        .unwrap()
        .date()
        .at(2, 0, 0, 0)
        .to_zoned(la.clone())
        .unwrap();
    assert!(row.contains("Succeeded"), "{}", r.stdout());
    assert!(
        row.contains(&next.strftime("%Y-%m-%d 02:00 %Z").to_string()),
        "NEXT is tomorrow 02:00 in Los Angeles:\n{}",
        r.stdout()
    );
    let sensor = r
        .stdout()
        .lines()
        .find(|l| l.starts_with("sensor-report"))
        .unwrap()
        .to_string();
    let cells: Vec<&str> = sensor
        .split("  ")
        .filter(|c| !c.trim().is_empty())
        .collect();
    assert_eq!(
        &cells[1..4].iter().map(|c| c.trim()).collect::<Vec<_>>(),
        &["-", "day", "-"],
        "{sensor}"
    );

    let r = at(&s, &sim, now, &["jobs", "list", "-o", "json"]).expect(0);
    let jobs: Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(jobs[0]["last_run"]["name"], run["name"]);
    assert_eq!(jobs[0]["last_run"]["state"], "Succeeded");
    assert_eq!(jobs[0]["next"], rfc(&next));
    assert_eq!(jobs[1]["last_run"], Value::Null);
    assert_eq!(jobs[1]["last_run_known"], true);
}

#[test]
fn jobs_list_works_without_a_cluster() {
    let s = Sandbox::example();
    let check = |r: Run, warned: bool| {
        let r = r.expect(0);
        let out = r.stdout();
        assert!(out.starts_with("JOB"), "{out}");
        let row = out
            .lines()
            .find(|l| l.starts_with("daily-averages"))
            .unwrap();
        // ETL_NOW is 2026-11-23T10:00Z, 02:00 in Los Angeles: the next run is tomorrow's.
        assert!(
            row.contains(" ?  ") && row.contains("2026-11-24 02:00 PST"),
            "{out}"
        );
        let warnings = r.stderr().matches("warning:").count();
        assert_eq!(warnings, usize::from(warned), "{}", r.stderr());
    };
    // No kubeconfig at all.
    let mut c = s.cmd(&["jobs", "list"]);
    c.env("KUBECONFIG", s.path().join("no-such-kubeconfig"));
    check(
        Run {
            out: c.output().unwrap(),
        },
        true,
    );
    // A cluster that refuses connections.
    s.write(
        "kubeconfig",
        "apiVersion: v1\nkind: Config\ncurrent-context: down\nclusters: [{name: down, cluster: {server: 'http://127.0.0.1:9'}}]\ncontexts: [{name: down, context: {cluster: down, user: u}}]\nusers: [{name: u, user: {}}]\n",
    );
    let started = Instant::now();
    let mut c = s.cmd(&["jobs", "list"]);
    c.env("KUBECONFIG", s.path().join("kubeconfig"));
    check(
        Run {
            out: c.output().unwrap(),
        },
        true,
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "gave up in {:?}",
        started.elapsed()
    );
    // --offline does not try.
    let mut c = s.cmd(&["jobs", "list", "--offline"]);
    c.env("KUBECONFIG", s.path().join("kubeconfig"));
    check(
        Run {
            out: c.output().unwrap(),
        },
        false,
    );
    let mut c = s.cmd(&["jobs", "list", "--offline", "-o", "json"]);
    c.env("KUBECONFIG", s.path().join("kubeconfig"));
    let r = Run {
        out: c.output().unwrap(),
    }
    .expect(0);
    let jobs: Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(jobs[0]["last_run_known"], false);
    assert_eq!(jobs[0]["next"], "2026-11-24T02:00:00-08:00");
    assert_eq!(jobs[1]["next"], Value::Null);
}

#[test]
fn an_unscheduled_jobs_secrets_are_deployed_too() {
    let Some((s, sim)) = setup() else { return };
    // No job has a schedule; daily-averages still needs its secret for `etl jobs schedule`.
    let yaml = s
        .read("etl.yaml")
        .replace("    schedule: \"0 2 * * *\"\n", "");
    s.write("etl.yaml", &yaml);
    let r = s.on(&sim, &["diff"]).expect(1);
    r.stdout_has("+++ secret/air-quality-warehouse (etl.yaml)");
    no_secret_value(&r);
    let r = s.on(&sim, &["deploy"]).expect(0);
    assert_eq!(r.stdout(), "secret/air-quality-warehouse created\n");
    no_secret_value(&r);
    assert_ne!(get(&sim, &["secret", "air-quality-warehouse"]), Value::Null);
    assert_eq!(get(&sim, &["cronjobs"]), Value::Null);
    // Naming the job applies its secrets only.
    let r = s.on(&sim, &["deploy", "daily-averages"]).expect(0);
    assert_eq!(r.stdout(), "secret/air-quality-warehouse unchanged\n");
    s.on(&sim, &["diff", "daily-averages"]).expect(0);
    // A job with neither a schedule nor secrets has nothing to deploy.
    let r = s.on(&sim, &["deploy", "sensor-report"]).expect(2);
    r.stderr_has("`sensor-report` has no schedule and no secrets");
    assert_eq!(r.stdout(), "");
}

#[test]
fn a_deploy_killed_half_way_leaves_no_cronjob_without_its_secret() {
    let Some((s, sim)) = setup() else { return };
    // Applying the CronJob fails (and etl retries it) until the faults are reset; reading it
    // and applying anything else works.
    sim.post(
        "/kubesim/faults/errors?code=500&share=1&path_contains=cronjobs/daily-averages%3F%26force",
    );
    let mut c = s.cmd(&["deploy"]);
    c.env("KUBECONFIG", &sim.kubeconfig)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut etl = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let secret = "/api/v1/namespaces/air-quality/secrets/air-quality-warehouse";
    while sim.get_json(secret)["kind"] != "Secret" {
        if etl.try_wait().unwrap().is_some() || Instant::now() > deadline {
            let _ = etl.kill();
            panic!("the Secret was not applied before the CronJob");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(get(&sim, &["cronjobs"]), Value::Null);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(etl.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    etl.wait().unwrap();
    sim.post("/kubesim/faults/reset");
    // Run again, it finishes the job.
    let r = s.on(&sim, &["deploy"]).expect(0);
    assert_eq!(
        r.stdout(),
        "secret/air-quality-warehouse unchanged\ncronjob/daily-averages created\n"
    );
}

#[test]
fn diff_exits_1_when_only_a_cronjob_to_prune_differs() {
    let Some((s, sim)) = setup() else { return };
    let yaml = s.read("etl.yaml").replace(
        "      memory: 128Mi\n",
        "      memory: 128Mi\n    schedule: \"0 * * * *\"\n    window: hour\n",
    );
    s.write("etl.yaml", &yaml);
    s.on(&sim, &["deploy"]).expect(0);
    s.on(&sim, &["diff"]).expect(0);
    s.write(
        "etl.yaml",
        &yaml.replace("    schedule: \"0 * * * *\"\n    window: hour\n", ""),
    );
    let r = s.on(&sim, &["diff"]).expect(1);
    r.stderr_has("cronjob/sensor-report is deployed but etl.yaml no longer schedules it");
    assert!(!r.stderr().contains("no differences"), "{}", r.stderr());
}

#[test]
fn prune_keeps_the_runs_of_a_deleted_cronjob_and_warns_about_one_going_on() {
    let Some((s, sim)) = setup() else { return };
    // sensor-report runs hourly, and each run takes two minutes.
    let yaml = s.read("etl.yaml").replace(
        "      memory: 128Mi\n",
        "      memory: 128Mi\n    schedule: \"0 * * * *\"\n    window: hour\n    command: [sh, -c, 'sleep 120']\n",
    );
    s.write("etl.yaml", &yaml);
    s.on(&sim, &["deploy"]).expect(0);
    // Just past the next full hour, sensor-report fires.
    let now = sim.advance(0);
    let wait = 3600 - now.as_second().rem_euclid(3600) + 30;
    let now = sim.advance(u64::try_from(wait).unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let r = at(
            &s,
            &sim,
            now,
            &["runs", "--job", "sensor-report", "-o", "json"],
        )
        .expect(0);
        let runs: Value = serde_json::from_str(&r.stdout()).unwrap();
        if let Some(run) = runs.as_array().unwrap().first()
            && run["state"] == "Running"
        {
            break run["name"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "no running cron run: {runs}");
        std::thread::sleep(Duration::from_millis(300));
    };

    // sensor-report loses its schedule; --prune deletes the CronJob.
    s.write(
        "etl.yaml",
        &yaml.replace("    schedule: \"0 * * * *\"\n", ""),
    );
    let r = at(&s, &sim, now, &["deploy", "--prune", "--yes"]).expect(0);
    r.stdout_has("cronjob/sensor-report deleted\n");
    r.stderr_has(&format!(
        "cronjob/sensor-report has a run going, {run}: it goes on after the CronJob is deleted (`etl jobs cancel {run}` stops it)"
    ));
    assert_eq!(get(&sim, &["cronjob", "sensor-report"]), Value::Null);
    // The run is still there, and still running.
    std::thread::sleep(Duration::from_secs(2));
    let r = at(
        &s,
        &sim,
        now,
        &["runs", "--job", "sensor-report", "-o", "json"],
    )
    .expect(0);
    let runs: Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(runs[0]["name"], run.as_str(), "{runs}");
    assert_eq!(runs[0]["state"], "Running", "{runs}");
    let pods = get(&sim, &["pods", "-l", &format!("job-name={run}")]);
    assert_eq!(pods["items"].as_array().map(Vec::len), Some(1), "{pods}");
}

/// Creates `n` suspended runs (kubesim starts no pod for them) of sensor-report,
/// `sensor-report-r0000` …, over 8 kept-alive connections (kubesim's controllers take its
/// store between bursts of creates, so one at a time is slow), the last one after all others.
fn create_runs(sim: &Kubesim, n: usize) {
    let addr = sim.url.trim_start_matches("http://").to_string();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let addr = addr.clone();
            std::thread::spawn(move || post_runs(&addr, (w..n - 1).step_by(8)))
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    post_runs(&addr, std::iter::once(n - 1));
}

fn post_runs(addr: &str, runs: impl Iterator<Item = usize>) {
    use std::io::{BufRead, Write};
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    let mut answers = std::io::BufReader::new(conn.try_clone().unwrap());
    for i in runs {
        let body = serde_json::json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": format!("sensor-report-r{i:04}"), "labels": {
                "etl.dev/project": "air-quality", "etl.dev/job": "sensor-report",
                "etl.dev/trigger": "manual"}},
            "spec": {"suspend": true, "template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "job", "image": "busybox"}]}}},
        })
        .to_string();
        write!(
            conn,
            "POST /apis/batch/v1/namespaces/{NS}/jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut status = String::new();
        answers.read_line(&mut status).unwrap();
        assert!(status.contains(" 201 "), "creating run {i}: {status}");
        skip_body(&mut answers);
    }
}

/// Reads an HTTP/1.1 answer's headers and body (Content-Length or chunked), to reuse the
/// connection.
fn skip_body(r: &mut impl std::io::BufRead) {
    let mut length = None;
    loop {
        let mut header = String::new();
        r.read_line(&mut header).unwrap();
        if header == "\r\n" {
            break;
        }
        if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
            length = Some(v.trim().parse().unwrap());
        }
    }
    if let Some(n) = length {
        r.read_exact(&mut vec![0; n]).unwrap();
        return;
    }
    loop {
        let mut size = String::new();
        r.read_line(&mut size).unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        r.read_exact(&mut vec![0; n + 2]).unwrap();
        if n == 0 {
            return;
        }
    }
}

#[test]
fn runs_and_jobs_list_read_the_runs_a_page_at_a_time() {
    let Some((s, sim)) = setup() else { return };
    create_runs(&sim, 501);
    let rec = Recorder::start(&sim);
    let lists = |log: &str| -> Vec<String> {
        log.lines()
            .filter(|l| l.starts_with(&format!("GET /apis/batch/v1/namespaces/{NS}/jobs?")))
            .map(str::to_string)
            .collect()
    };

    let r = s.via(&rec, &["runs", "-o", "json"]).expect(0);
    let runs: Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 501, "every run, both pages");
    let log = rec.log();
    let pages = lists(&log);
    assert_eq!(pages.len(), 2, "{log}");
    assert!(pages.iter().all(|p| p.contains("limit=500")), "{log}");
    assert!(pages[1].contains("continue="), "{log}");

    let r = s.via(&rec, &["jobs", "list", "-o", "json"]).expect(0);
    let jobs: Value = serde_json::from_str(&r.stdout()).unwrap();
    // The last one created, on the second page, is the newest.
    assert_eq!(jobs[1]["last_run"]["name"], "sensor-report-r0500", "{jobs}");
    assert_eq!(jobs[1]["last_run"]["state"], "Pending", "{jobs}");
    assert_eq!(lists(&rec.log()).len(), 4, "{}", rec.log());
}

/// etl's own image, as `--scheduler-image` gives it (what `etl push` would pin).
const OWN: &str = "registry.example.com/data/air-quality@sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// The kinds and names of a rendered or applied list, in order.
fn titles(docs: &[Value]) -> Vec<String> {
    docs.iter()
        .map(|d| {
            format!(
                "{}/{}",
                d["kind"].as_str().unwrap(),
                d["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn the_scheduler_s_objects_render_and_pass_kubernetes_validate_strict() {
    let s = Sandbox::example();
    // A project template: the scheduler must render runs with it, so it is in the ConfigMap.
    s.write(
        "templates/job.yaml",
        &std::fs::read_to_string(crate::common::repo().join("templates/job.yaml"))
            .unwrap()
            .replace(
                "ttlSecondsAfterFinished: {$eval: retention.runs_seconds}",
                "ttlSecondsAfterFinished: 600",
            ),
    );
    let r = s
        .run(&[
            "render",
            "--scheduler",
            "--scheduler-image",
            OWN,
            "-o",
            "json",
            "--image",
            "reg/job:v1",
        ])
        .expect(0);
    r.stderr_has(&format!("using scheduler image {OWN} (--scheduler-image)"));
    let list: Value = serde_json::from_str(&r.stdout()).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(
        titles(items),
        [
            "ConfigMap/air-quality-project",
            "ServiceAccount/air-quality-scheduler",
            "Role/air-quality-scheduler",
            "RoleBinding/air-quality-scheduler",
            "Deployment/air-quality-scheduler",
            "Service/air-quality-scheduler",
        ]
    );
    let cm = &items[0];
    assert_eq!(
        cm["data"]["etl.yaml"],
        s.read("etl.yaml"),
        "etl.yaml's text, exactly"
    );
    assert_eq!(
        cm["data"]["image"], "reg/job:v1",
        "the job image deploy resolved"
    );
    assert!(
        cm["data"]["job.yaml"]
            .as_str()
            .unwrap()
            .contains("ttlSecondsAfterFinished: 600")
    );
    assert!(
        cm["data"].get("pod.yaml").is_none(),
        "a template not overridden is etl's own"
    );
    assert_eq!(cm["metadata"]["labels"]["etl.dev/kind"], "project");
    let container = &items[4]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], OWN);
    assert_eq!(
        container["command"],
        serde_json::json!(["etl", "scheduler"])
    );
    assert_eq!(items[5]["spec"]["ports"][0]["port"], 80);

    if !require_tool("kubernetes-validate") {
        return;
    }
    let yaml = s
        .run(&["render", "--scheduler", "--scheduler-image", OWN])
        .expect(0)
        .stdout();
    s.write("scheduler.yaml", &yaml);
    let out = std::process::Command::new("kubernetes-validate")
        .args(["--strict", "-k", "1.33.0", "scheduler.yaml"])
        .current_dir(s.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("passed").count(), 6, "{text}");
}

#[test]
fn without_etl_s_own_image_deploy_says_what_to_run_and_touches_nothing() {
    let s = Sandbox::example();
    // No cluster is configured: the error comes before any connection.
    let r = s.run(&["deploy"]).expect(2);
    r.stderr_has("etl.yaml has workflows, which need the scheduler in the cluster, and it runs etl's own image: none was pushed from this machine");
    r.stderr_has("run `etl push`");
    r.stderr_has("--scheduler-image REF");
    assert_eq!(r.stdout(), "");
    s.run(&["diff"]).expect(2).stderr_has("run `etl push`");
    // Deploying some jobs leaves the project-wide scheduler alone, so it needs no image.
    let r = s.run(&["deploy", "daily-averages", "--dry-run"]).expect(3);
    assert!(!r.stderr().contains("etl push"), "{}", r.stderr());
    // render shows the tag `etl push` would push, unpinned, and says why.
    let r = s.run(&["render", "--scheduler"]).expect(0);
    r.stderr_has("not pinned: etl.yaml has workflows");
    r.stdout_has("image: registry.example.com/data/air-quality:etl-");
    // Opting out: no scheduler, nothing to render.
    s.write(
        "etl.yaml",
        &format!("{}scheduler: {{enabled: false}}\n", s.read("etl.yaml")),
    );
    let r = s.run(&["render", "--scheduler"]).expect(0);
    assert_eq!(r.stdout(), "");
    r.stderr_has("etl deploy applies no scheduler");
}

#[test]
fn deploy_applies_the_scheduler_diff_shows_it_and_prune_removes_it() {
    let Some((s, sim)) = setup_with_scheduler() else {
        return;
    };
    let deploy = |args: &[&str]| {
        let mut all = vec!["deploy", "--scheduler-image", OWN];
        all.extend_from_slice(args);
        s.on(&sim, &all)
    };
    let r = deploy(&["--dry-run"]).expect(0);
    r.stdout_has("deployment.apps/air-quality-scheduler created (dry run)\n");
    assert_eq!(
        get(&sim, &["deployment", "air-quality-scheduler"]),
        Value::Null
    );
    assert_eq!(
        get(&sim, &["configmap", "air-quality-project"]),
        Value::Null
    );

    let r = deploy(&[]).expect(0);
    assert_eq!(
        r.stdout(),
        "secret/air-quality-warehouse created\n\
         cronjob/daily-averages created\n\
         configmap/air-quality-project created\n\
         serviceaccount/air-quality-scheduler created\n\
         role.rbac.authorization.k8s.io/air-quality-scheduler created\n\
         rolebinding.rbac.authorization.k8s.io/air-quality-scheduler created\n\
         deployment.apps/air-quality-scheduler created\n\
         service/air-quality-scheduler created\n"
    );
    r.stderr_has(&format!("using scheduler image {OWN}"));
    let d = get(&sim, &["deployment", "air-quality-scheduler"]);
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "air-quality-scheduler");
    assert_eq!(pod["containers"][0]["image"], OWN);
    assert_eq!(d["metadata"]["labels"]["etl.dev/project"], "air-quality");
    let cm = get(&sim, &["configmap", "air-quality-project"]);
    assert_eq!(cm["data"]["etl.yaml"], s.read("etl.yaml"));
    for what in [
        ["serviceaccount", "air-quality-scheduler"],
        ["role", "air-quality-scheduler"],
        ["rolebinding", "air-quality-scheduler"],
        ["service", "air-quality-scheduler"],
    ] {
        assert_ne!(get(&sim, &what), Value::Null, "{what:?}");
    }
    let r = deploy(&[]).expect(0);
    r.stdout_has("deployment.apps/air-quality-scheduler unchanged\n");
    let mut diff = vec!["diff", "--scheduler-image", OWN];
    s.on(&sim, &diff).expect(0);

    // Two replicas: diff shows it, deploy configures it.
    s.write(
        "etl.yaml",
        &format!("{}scheduler: {{replicas: 2}}\n", s.read("etl.yaml")),
    );
    let r = s.on(&sim, &diff).expect(1);
    r.stdout_has("-  replicas: 1\n");
    r.stdout_has("+  replicas: 2\n");
    r.stdout_has("configmap/air-quality-project");
    let r = deploy(&[]).expect(0);
    r.stdout_has("deployment.apps/air-quality-scheduler configured\n");
    assert_eq!(
        get(&sim, &["deployment", "air-quality-scheduler"])["spec"]["replicas"],
        2
    );

    // No workflow and no scheduler: section any more: diff names what prune deletes.
    s.write(
        "etl.yaml",
        &without_workflows(&s.read("etl.yaml").replace("scheduler: {replicas: 2}\n", "")),
    );
    diff.truncate(1);
    let r = s.on(&sim, &diff).expect(1);
    r.stderr_has("deployment.apps/air-quality-scheduler is deployed but etl.yaml no longer needs the scheduler");
    let r = s.on(&sim, &["deploy", "--prune"]).expect(2);
    r.stderr_has("deployment.apps/air-quality-scheduler");
    let r = s.on(&sim, &["deploy", "--prune", "--dry-run"]).expect(0);
    r.stdout_has("deployment.apps/air-quality-scheduler deleted (dry run)\n");
    assert_ne!(
        get(&sim, &["deployment", "air-quality-scheduler"]),
        Value::Null
    );
    let r = s.on(&sim, &["deploy", "--prune", "--yes"]).expect(0);
    assert_eq!(
        r.stdout(),
        "secret/air-quality-warehouse unchanged\n\
         cronjob/daily-averages unchanged\n\
         deployment.apps/air-quality-scheduler deleted\n\
         service/air-quality-scheduler deleted\n\
         rolebinding.rbac.authorization.k8s.io/air-quality-scheduler deleted\n\
         role.rbac.authorization.k8s.io/air-quality-scheduler deleted\n\
         serviceaccount/air-quality-scheduler deleted\n\
         configmap/air-quality-project deleted\n"
    );
    for what in [
        ["deployment", "air-quality-scheduler"],
        ["configmap", "air-quality-project"],
        ["role", "air-quality-scheduler"],
    ] {
        assert_eq!(get(&sim, &what), Value::Null, "{what:?}");
    }
    s.on(&sim, &["diff"]).expect(0);
}

#[test]
fn deploy_refuses_a_project_configmap_etl_did_not_make() {
    let Some((s, sim)) = setup_with_scheduler() else {
        return;
    };
    kubectl_apply(
        &sim,
        &s,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: air-quality-project\n  namespace: air-quality\ndata: {note: hello}\n",
    );
    let r = s.on(&sim, &["deploy", "--scheduler-image", OWN]).expect(3);
    r.stderr_has(
        "configmap/air-quality-project in namespace air-quality exists and was not made by etl",
    );
    r.stderr_has("rename the project in etl.yaml");
    assert_eq!(r.stdout(), "", "checked before applying anything");
    assert_eq!(get(&sim, &["cronjobs"]), Value::Null);
    assert_eq!(
        get(&sim, &["configmap", "air-quality-project"])["data"]["note"],
        "hello"
    );
}
