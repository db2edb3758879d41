//! `etl init`, `etl jobs list` and `etl render`, on a fresh project and on the example.

use crate::common::{Sandbox, require_tool};

#[test]
fn init_then_list_then_render_in_an_empty_repo() {
    let s = Sandbox::new();
    let r = s.run(&["init", "--name", "sensors"]).expect(0);
    r.stderr_has("created  etl.yaml");
    for f in [
        "etl.yaml",
        "main.py",
        "templates/pod.yaml",
        "templates/job.yaml",
        "templates/cronjob.yaml",
        "templates/secret.yaml",
        "templates/cron-window.sh",
    ] {
        assert!(s.path().join(f).is_file(), "init did not write {f}");
    }
    let list = s.run(&["jobs", "list"]).expect(0).stdout();
    assert!(list.starts_with("JOB "), "{list}");
    assert!(list.contains("ingest  0 2 * * * (UTC)  day"), "{list}");

    let job = s.run(&["render", "ingest", "--yesterday"]).expect(0);
    job.stderr_has("window [2026-11-22T00:00:00+00:00, 2026-11-23T00:00:00+00:00) (UTC)");
    let out = job.stdout();
    assert!(
        out.contains("kind: Job") && out.contains("name: ingest-20261122-1d-a1"),
        "{out}"
    );
    let cron = s.run(&["render", "ingest", "--cron"]).expect(0).stdout();
    assert!(
        cron.contains("kind: CronJob") && cron.contains("schedule: 0 2 * * *"),
        "{cron}"
    );

    // The main.py init wrote runs as the job.
    if require_tool("python3") {
        let run = s.run(&["jobs", "run", "ingest", "--yesterday"]).expect(0);
        run.stdout_has("ingest: reading raw data from 2026-11-22 00:00:00+00:00");
    }
}

#[test]
fn init_again_keeps_your_changes_unless_forced() {
    let s = Sandbox::new();
    s.run(&["init"]).expect(0);
    let again = s.run(&["init"]).expect(0);
    again.stderr_has("unchanged  etl.yaml");
    s.write("etl.yaml", "project: mine\njobs: {}\n");
    let kept = s.run(&["init"]).expect(0);
    kept.stderr_has("kept (exists; --force replaces it)  etl.yaml");
    assert_eq!(s.read("etl.yaml"), "project: mine\njobs: {}\n");
    s.run(&["init", "--force"]).expect(0);
    assert!(s.read("etl.yaml").contains("jobs:\n  ingest:"));
}

#[test]
fn init_writes_the_dockerfile_etl_yaml_names() {
    let s = Sandbox::new();
    s.run(&["init"]).expect(0).stderr_has("created  Dockerfile");
    assert!(s.read("etl.yaml").contains("dockerfile: Dockerfile"));
    let dockerfile = s.read("Dockerfile");
    // The example job is `python3 main.py ...` from the image's working directory.
    assert!(dockerfile.contains("FROM python:"), "{dockerfile}");
    assert!(dockerfile.contains("WORKDIR /app"), "{dockerfile}");
    assert!(dockerfile.contains("COPY main.py ."), "{dockerfile}");
    s.write("Dockerfile", "FROM mine\n");
    s.run(&["init"])
        .expect(0)
        .stderr_has("kept (exists; --force replaces it)  Dockerfile");
    assert_eq!(s.read("Dockerfile"), "FROM mine\n");
    s.run(&["init", "--force"]).expect(0);
    assert!(s.read("Dockerfile").contains("COPY main.py ."));
}

#[test]
fn etl_yaml_is_found_in_parent_directories_or_given_with_f() {
    let s = Sandbox::example();
    std::fs::create_dir_all(s.path().join("data/deeper")).unwrap();
    let mut c = s.cmd(&["jobs", "list"]);
    c.current_dir(s.path().join("data/deeper"));
    let out = c.output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("daily-averages"));

    let elsewhere = Sandbox::new();
    let r = elsewhere.run(&["jobs", "list"]).expect(2);
    assert!(
        r.stderr().contains("no etl.yaml in") && r.stderr().contains("etl init"),
        "{}",
        r.stderr()
    );
    let f = s.path().join("etl.yaml");
    elsewhere
        .run(&["-f", f.to_str().unwrap(), "jobs", "list"])
        .expect(0);
}

#[test]
fn example_job_manifest() {
    let s = Sandbox::example();
    let r = s
        .run(&["render", "daily-averages", "--date", "2026-11-22"])
        .expect(0);
    insta::assert_snapshot!("example_job", r.stdout());
}

#[test]
fn example_cronjob_manifest() {
    let s = Sandbox::example();
    let r = s.run(&["render", "daily-averages", "--cron"]).expect(0);
    insta::assert_snapshot!("example_cronjob", r.stdout());
}

#[test]
fn example_secret_manifest_is_redacted_unless_asked() {
    let s = Sandbox::example();
    let r = s.run(&["render", "--secrets"]).expect(0);
    insta::assert_snapshot!("example_secret", r.stdout());
    assert!(!r.stdout().contains("example-token-do-not-print"));
    let shown = s.run(&["render", "--secrets", "--show-secrets"]).expect(0);
    shown.stdout_has("WAREHOUSE_TOKEN: example-token-do-not-print");
    // An env var wins over the dotenv file.
    let mut c = s.cmd(&["render", "--secrets", "--show-secrets"]);
    c.env("WAREHOUSE_TOKEN", "from-env");
    assert!(
        String::from_utf8_lossy(&c.output().unwrap().stdout).contains("WAREHOUSE_TOKEN: from-env")
    );
}

#[test]
fn a_missing_secret_value_names_the_key_and_where_to_set_it() {
    let s = Sandbox::example();
    s.write("example.env", "# nothing here\n");
    let r = s.run(&["render", "--secrets"]).expect(2);
    r.stderr_has("secret `warehouse`: no value for WAREHOUSE_TOKEN");
    r.stderr_has("example.env");
}

#[test]
fn json_output_and_every_scheduled_job() {
    let s = Sandbox::example();
    let r = s
        .run(&[
            "render",
            "daily-averages",
            "--date",
            "2026-11-22",
            "-o",
            "json",
        ])
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(v["kind"], "Job");
    assert_eq!(
        v["metadata"]["labels"]["etl.dev/window-start"],
        "20261122T080000Z"
    );
    let all = s.run(&["render", "--cron", "-o", "json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&all.stdout()).unwrap();
    // Only daily-averages has a schedule; one object, not a List.
    assert_eq!(v["kind"], "CronJob");
}

#[test]
fn the_container_gets_job_window_and_config_as_args_and_env() {
    let s = Sandbox::example();
    let r = s
        .run(&[
            "render",
            "daily-averages",
            "--date",
            "2026-11-22",
            "-o",
            "json",
            "--config",
            "pollutant=no2",
        ])
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    let c = &v["spec"]["template"]["spec"]["containers"][0];
    let config = r#"{"readings":"data/readings.csv","pollutant":"no2","min_readings":1}"#;
    assert_eq!(
        c["args"],
        serde_json::json!([
            "daily-averages",
            "2026-11-22T00:00:00-08:00",
            "2026-11-23T00:00:00-08:00",
            config
        ])
    );
    let env: std::collections::HashMap<String, serde_json::Value> = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e.clone()))
        .collect();
    assert_eq!(env["ETL_JOB"]["value"], "daily-averages");
    assert_eq!(
        env["ETL_WINDOW_START"]["value"],
        "2026-11-22T00:00:00-08:00"
    );
    assert_eq!(env["ETL_WINDOW_END"]["value"], "2026-11-23T00:00:00-08:00");
    assert_eq!(env["ETL_CONFIG"]["value"], config);
    assert_eq!(env["ETL_RUN_ID"]["value"], "daily-averages-20261122-1d-a1");
    assert_eq!(
        env["WAREHOUSE_TOKEN"]["valueFrom"]["secretKeyRef"]["name"],
        "air-quality-warehouse"
    );
    assert!(
        !r.stdout().contains("example-token"),
        "secret values never appear in a Job"
    );
}

#[test]
fn set_overrides_any_field_for_one_render() {
    let s = Sandbox::example();
    let r = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "-o",
            "json",
            "--set",
            "resources.memory=8Gi",
            "--set",
            "retries=5",
            "--set",
            "timeout=2h",
        ])
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    let res = &v["spec"]["template"]["spec"]["containers"][0]["resources"];
    assert_eq!(res["requests"]["memory"], "8Gi");
    assert_eq!(res["limits"]["memory"], "8Gi");
    assert_eq!(v["spec"]["backoffLimit"], 5);
    assert_eq!(v["spec"]["activeDeadlineSeconds"], 7200);
    let bad = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "--set",
            "resources.memroy=1Gi",
        ])
        .expect(2);
    assert!(
        bad.stderr().contains("--set resources.memroy=1Gi") && bad.stderr().contains("`memory`"),
        "{}",
        bad.stderr()
    );
    let bad = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "--set",
            "retires=1",
        ])
        .expect(2);
    bad.stderr_has("did you mean `retries`?");
}

#[test]
fn config_values_are_typed_by_params() {
    let s = Sandbox::example();
    let ok = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "-o",
            "json",
            "--config",
            "min_readings=12",
        ])
        .expect(0);
    assert!(
        ok.stdout().contains(r#"\"min_readings\":12"#),
        "an int param is a JSON number: {}",
        ok.stdout()
    );
    let bad = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "--config",
            "min_readings=lots",
        ])
        .expect(2);
    bad.stderr_has("`min_readings` is an int, `lots` is not");
    let bad = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "--config",
            "pollutant=o3",
        ])
        .expect(2);
    bad.stderr_has("`pollutant` is one of pm25, no2, `o3` is not");
    let bad = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "--config",
            "polutant=no2",
        ])
        .expect(2);
    bad.stderr_has("did you mean `pollutant`?");
}

#[test]
fn a_project_template_overrides_the_embedded_one() {
    let s = Sandbox::example();
    let embedded = crate::common::repo().join("templates/job.yaml");
    let text = std::fs::read_to_string(embedded).unwrap().replace(
        "ttlSecondsAfterFinished: {$eval: retention.runs_seconds}",
        "ttlSecondsAfterFinished: 60",
    );
    s.write("templates/job.yaml", &text);
    let r = s
        .run(&["render", "daily-averages", "--yesterday"])
        .expect(0);
    r.stdout_has("ttlSecondsAfterFinished: 60");
    // Resources can be templated too: any field is a json-e expression.
    let pod = std::fs::read_to_string(crate::common::repo().join("templates/pod.yaml"))
        .unwrap()
        .replace(
            "resources: {$eval: resources}",
            "resources: {limits: {memory: {$eval: 'job.resources.memory'}}}",
        );
    s.write("templates/pod.yaml", &pod);
    let r = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "-o",
            "json",
            "--set",
            "resources.memory=3Gi",
        ])
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(
        v["spec"]["template"]["spec"]["containers"][0]["resources"],
        serde_json::json!({"limits": {"memory": "3Gi"}})
    );
}

#[test]
fn an_invalid_template_fails_here_naming_the_file_and_field() {
    let s = Sandbox::example();
    let embedded =
        std::fs::read_to_string(crate::common::repo().join("templates/job.yaml")).unwrap();
    s.write(
        "templates/job.yaml",
        &embedded.replace("backoffLimit: {$eval: job.retries}", "backoffLimit: lots"),
    );
    let r = s
        .run(&["render", "daily-averages", "--yesterday"])
        .expect(2);
    r.stderr_has("templates/job.yaml: the rendered Job is invalid at `spec.backoffLimit`");

    s.write(
        "templates/job.yaml",
        &embedded.replace("backoffLimit:", "backofLimit:"),
    );
    let r = s
        .run(&["render", "daily-averages", "--yesterday"])
        .expect(2);
    r.stderr_has("templates/job.yaml: the rendered Job has a field Kubernetes does not know: `spec.backofLimit`");

    s.write("templates/job.yaml", "spec: {$eval: 'nonsense('}\n");
    let r = s
        .run(&["render", "daily-averages", "--yesterday"])
        .expect(2);
    r.stderr_has("templates/job.yaml: json-e could not render it");
}

#[test]
fn windows_are_checked_and_explained() {
    let s = Sandbox::example();
    let r = s.run(&["render", "daily-averages"]).expect(2);
    r.stderr_has("--yesterday, --today, --last-week");
    let r = s
        .run(&["render", "daily-averages", "--date", "2026-02-30"])
        .expect(2);
    r.stderr_has("--date: `2026-02-30` is not a date");
    let r = s
        .run(&[
            "render",
            "daily-averages",
            "--start",
            "2026-11-02",
            "--end",
            "2026-11-01",
        ])
        .expect(2);
    r.stderr_has("end 2026-11-01T00:00:00-07:00 is not after start 2026-11-02T00:00:00-08:00");
    let r = s
        .run(&["render", "daily-averages", "--yesterday", "--today"])
        .expect(2);
    r.stderr_has("give one window");
    let r = s
        .run(&["render", "daily-averages", "--last-week"])
        .expect(0);
    r.stderr_has("window [2026-11-16T00:00:00-08:00, 2026-11-23T00:00:00-08:00)");
    let mut c = s.cmd(&["render", "daily-averages", "--today"]);
    c.env("ETL_NOW", "tomorrow");
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("ETL_NOW=`tomorrow` is not an RFC 3339 timestamp")
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let s = Sandbox::example();
    let mut c = s.cmd(&["render", "daily-averages", "--yesterday"]);
    c.stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    drop(child.stdout.take());
    assert!(child.wait().unwrap().success());
}

/// The rendered manifests pass the official Kubernetes 1.33 schemas, strictly.
#[test]
fn manifests_pass_kubernetes_validate_strict() {
    if !require_tool("kubernetes-validate") {
        return;
    }
    let s = Sandbox::example();
    let renders: [&[&str]; 3] = [
        &["render", "daily-averages", "--date", "2026-11-22"],
        &["render", "--cron"],
        &["render", "--secrets"],
    ];
    for (i, args) in renders.iter().enumerate() {
        let out = s.run(args).expect(0).stdout();
        s.write(&format!("m{i}.yaml"), &out);
    }
    let out = std::process::Command::new("kubernetes-validate")
        .args(["--strict", "-k", "1.33.0", "m0.yaml", "m1.yaml", "m2.yaml"])
        .current_dir(s.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("passed").count(), 3, "{text}");
}

/// A scheduled run works out the same window in its pod (cron-window.sh, POSIX sh + date) as
/// etl does from the Job's scheduled time (Period::preceding), across time zones and DST.
#[test]
fn cron_window_script_agrees_with_etl() {
    use etl::window::{Period, rfc3339};
    let s = Sandbox::example();
    let script =
        std::fs::read_to_string(crate::common::repo().join("templates/cron-window.sh")).unwrap();
    let cases = [
        ("UTC", "day", "2026-11-23T02:00:00Z"),
        ("America/Los_Angeles", "day", "2026-11-23T10:00:00Z"),
        ("Europe/Paris", "day", "2026-03-30T00:30:00Z"),
        ("Europe/Paris", "hour", "2026-10-25T01:10:00Z"),
        ("Asia/Kolkata", "hour", "2026-11-23T10:05:00Z"),
        ("America/New_York", "week", "2026-11-04T12:00:00Z"),
        ("Europe/Paris", "week", "2026-03-30T06:00:00Z"),
        ("UTC", "month", "2026-03-01T00:05:00Z"),
        ("Australia/Sydney", "month", "2026-04-05T15:00:00Z"),
    ];
    for (tz, period, fired) in cases {
        let ts: jiff::Timestamp = fired.parse().unwrap();
        let minutes = ts.as_second() / 60;
        let out = std::process::Command::new("sh")
            .args(["-c", &script, "etl-window", "echo", "job"])
            .env("ETL_RUN_ID", format!("daily-averages-{minutes}"))
            .env("ETL_TIMEZONE", tz)
            .env("ETL_WINDOW_PERIOD", period)
            .env("ETL_CONFIG", "{}")
            .current_dir(s.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tz} {period}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p: Period = serde_json::from_value(serde_json::json!(period)).unwrap();
        let w = p
            .preceding(&ts.to_zoned(jiff::tz::TimeZone::get(tz).unwrap()))
            .unwrap();
        let expected = format!("job {} {} {{}}\n", rfc3339(&w.start), rfc3339(&w.end));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            expected,
            "{tz} {period} fired {fired}"
        );
    }
}

/// `--start`/`--end` keep their offset; without one they are the job's wall-clock time. The
/// window a job gets is what the user wrote, never silently moved to midnight UTC.
#[test]
fn start_and_end_keep_their_offset_or_mean_the_job_time_zone() {
    let s = Sandbox::example();
    // daily-averages runs in America/Los_Angeles: the window is shown there.
    let window_of = |start: &str, end: &str| {
        let r = s
            .run(&[
                "render",
                "daily-averages",
                "--start",
                start,
                "--end",
                end,
                "-o",
                "json",
            ])
            .expect(0);
        let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
        let args = &v["spec"]["template"]["spec"]["containers"][0]["args"];
        (
            args[1].as_str().unwrap().to_string(),
            args[2].as_str().unwrap().to_string(),
            r.stderr(),
        )
    };
    let (start, end, _) = window_of("2026-05-01T00:00:00+01:00", "2026-05-02T00:00:00+0100");
    assert_eq!(start, "2026-04-30T16:00:00-07:00");
    assert_eq!(end, "2026-05-01T16:00:00-07:00");
    let (start, end, _) = window_of("2026-11-10T06:00:00Z", "2026-11-11T06:00:00-08:00");
    assert_eq!(start, "2026-11-09T22:00:00-08:00");
    assert_eq!(end, "2026-11-11T06:00:00-08:00");
    let (start, end, stderr) = window_of("2026-11-10T06:00", "2026-11-11");
    assert_eq!(start, "2026-11-10T06:00:00-08:00");
    assert_eq!(end, "2026-11-11T00:00:00-08:00", "a date is local midnight");
    assert!(
        stderr.contains(
            "--start/--end without a UTC offset are read in the job's time zone, America/Los_Angeles"
        ),
        "{stderr}"
    );
    // The same wall-clock time in a job in another zone is another instant.
    let r = s
        .run(&[
            "render",
            "daily-averages",
            "--set",
            "timezone=Asia/Tokyo",
            "--start",
            "2026-11-10T06:00",
            "--end",
            "2026-11-10T18:00",
        ])
        .expect(0);
    r.stderr_has("window [2026-11-10T06:00:00+09:00, 2026-11-10T18:00:00+09:00) (Asia/Tokyo)");
    let r = s
        .run(&["render", "daily-averages", "--date", "2026-11-22T00:00:00Z"])
        .expect(2);
    r.stderr_has(
        "--date: `2026-11-22T00:00:00Z` is not a date (YYYY-MM-DD): this takes a whole day",
    );
}

/// A malformed dotenv line is named by file and line, never quoted: it may hold a secret.
#[test]
fn a_bad_dotenv_line_is_named_not_echoed() {
    let s = Sandbox::example();
    s.write(
        "example.env",
        "# the warehouse\nWAREHOUSE_TOKEN S3CRET-do-not-print\n",
    );
    let r = s.run(&["render", "--secrets"]).expect(2);
    r.stderr_has("example.env:2: this line is not KEY=VALUE");
    assert!(!r.stderr().contains("S3CRET"), "{}", r.stderr());
}

/// A dotenv path that is not a regular file (a FIFO, /dev/zero) fails at once, never hangs.
#[test]
fn a_dotenv_that_is_not_a_file_fails_without_hanging() {
    let s = Sandbox::example();
    std::fs::remove_file(s.path().join("example.env")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(s.path().join("example.env"))
        .status()
        .unwrap();
    assert!(made.success());
    let yaml = s.read("etl.yaml");
    for (dotenv, shown) in [("example.env", "example.env"), ("/dev/zero", "/dev/zero")] {
        s.write(
            "etl.yaml",
            &yaml.replace("dotenv: example.env", &format!("dotenv: {dotenv}")),
        );
        let mut child = s
            .cmd(&["render", "--secrets"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                child.wait().unwrap();
                panic!("etl hung reading dotenv {dotenv}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "{shown}: a secret's dotenv file must be a regular file"
            )),
            "{err}"
        );
    }
}

/// A long job's shortened name can never be another job's real name, so the runs, labels and
/// CronJobs of two jobs never mix.
#[test]
fn a_shortened_job_name_never_equals_another_job_name() {
    let s = Sandbox::new();
    let long = format!("{}-one", "a".repeat(60));
    // What the shortened label of `long` used to be: its first 57 characters and a hash.
    let lookalike = format!("{}-cbb91", "a".repeat(57));
    s.write(
        "etl.yaml",
        &format!(
            "project: demo\ndefaults:\n  command: [python3, main.py]\n  schedule: \"0 2 * * *\"\njobs:\n  {long}: {{}}\n  {lookalike}: {{}}\n"
        ),
    );
    let label_and_cronjob = |job: &str| {
        let r = s.run(&["render", job, "--cron", "-o", "json"]).expect(0);
        let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
        (
            v["metadata"]["labels"]["etl.dev/job"]
                .as_str()
                .unwrap()
                .to_string(),
            v["metadata"]["name"].as_str().unwrap().to_string(),
        )
    };
    let (long_label, long_cronjob) = label_and_cronjob(&long);
    let (other_label, other_cronjob) = label_and_cronjob(&lookalike);
    assert_eq!(other_label, lookalike, "a name that fits is kept");
    assert_ne!(long_label, other_label);
    assert_ne!(long_cronjob, other_cronjob);
    // Names with `--` are what shortened names look like, so a job cannot have one.
    s.write(
        "etl.yaml",
        "project: demo\ndefaults:\n  command: [python3, main.py]\njobs:\n  ingest--raw: {}\n",
    );
    let r = s.run(&["jobs", "list"]).expect(2);
    r.stderr_has("`ingest--raw` cannot name a job");
    r.stderr_has("`ingest-raw`");
}

/// Override errors speak the user's words: each key listed once, no Rust type names.
#[test]
fn override_errors_list_keys_once_and_name_no_rust_types() {
    let s = Sandbox::example();
    let r = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "--config",
            "nosuch=5",
        ])
        .expect(2);
    r.stderr_has("the keys are: pollutant, min_readings, readings\n");
    let r = s
        .run(&[
            "render",
            "daily-averages",
            "--yesterday",
            "--set",
            "retries=-1",
        ])
        .expect(2);
    r.stderr_has("--set retries=-1: jobs.daily-averages.retries:");
    r.stderr_has("a whole number (0 or more)");
    assert!(!r.stderr().contains("u32"), "{}", r.stderr());
}

/// `-f DIR` means the etl.yaml in DIR, not "Is a directory (os error 21)".
#[test]
fn f_with_a_directory_uses_its_etl_yaml() {
    let s = Sandbox::example();
    let elsewhere = Sandbox::new();
    let r = elsewhere
        .run(&["-f", s.path().to_str().unwrap(), "jobs", "list"])
        .expect(0);
    r.stdout_has("daily-averages");
    let r = s
        .run(&["-f", elsewhere.path().to_str().unwrap(), "jobs", "list"])
        .expect(2);
    r.stderr_has("has no etl.yaml");
    r.stderr_has("-f");
    assert!(!r.stderr().contains("os error"), "{}", r.stderr());
}

/// An env var is text: `ON: yes` stays `yes` (not YAML 1.1's `true`), `1.50` stays `1.50`.
#[test]
fn env_values_keep_the_text_written() {
    let s = Sandbox::new();
    s.write(
        "etl.yaml",
        "project: demo\ndefaults:\n  command: [python3, main.py]\njobs:\n  x:\n    env: {ON: yes, RATE: 1.50, PORT: 8080, NAME: plain}\n",
    );
    let r = s
        .run(&[
            "render",
            "x",
            "--today",
            "-o",
            "json",
            "--set",
            "env.EXTRA=007",
        ])
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    let env: std::collections::HashMap<String, String> =
        v["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| {
                Some((
                    e["name"].as_str()?.to_string(),
                    e["value"].as_str()?.to_string(),
                ))
            })
            .collect();
    assert_eq!(env["ON"], "yes");
    assert_eq!(env["RATE"], "1.50");
    assert_eq!(env["PORT"], "8080");
    assert_eq!(env["NAME"], "plain");
    assert_eq!(env["EXTRA"], "007");
}
