//! A bad etl.yaml gets one clear message: file, line and column, what was expected, a "did
//! you mean" where one fits, and exit code 2. The messages are snapshots.

use crate::common::Sandbox;

fn error_for(yaml: &str) -> String {
    let s = Sandbox::new();
    s.write("etl.yaml", yaml);
    let r = s.run(&["jobs", "list"]).expect(2);
    assert!(r.stdout().is_empty());
    r.stderr()
}

const BASE: &str = "project: demo\ndefaults:\n  command: [python3, main.py]\n";

#[test]
fn misspelt_key() {
    insta::assert_snapshot!(error_for(&format!(
        "{BASE}jobs:\n  ingest:\n    schedul: \"0 2 * * *\"\n"
    )));
}

#[test]
fn misspelt_top_level_key() {
    insta::assert_snapshot!(error_for("project: demo\njbos: {}\n"));
}

#[test]
fn bad_cron_expression() {
    insta::assert_snapshot!(error_for(&format!(
        "{BASE}jobs:\n  ingest:\n    schedule: \"0 25 * * *\"\n"
    )));
}

#[test]
fn six_field_cron_expression() {
    insta::assert_snapshot!(error_for(&format!(
        "{BASE}jobs:\n  ingest:\n    schedule: \"0 0 2 * * *\"\n"
    )));
}

#[test]
fn unknown_time_zone() {
    insta::assert_snapshot!(error_for(&format!(
        "{BASE}  timezone: Europe/Pari\njobs:\n  ingest: {{}}\n"
    )));
}

#[test]
fn wrong_type() {
    insta::assert_snapshot!(error_for(&format!(
        "{BASE}jobs:\n  ingest:\n    retries: lots\n"
    )));
}

#[test]
fn misspelt_secret_reference() {
    insta::assert_snapshot!(error_for(&format!(
        "{BASE}jobs:\n  ingest:\n    secrets: [warehose]\nsecrets:\n  warehouse:\n    keys: [TOKEN]\n"
    )));
}

#[test]
fn job_without_a_command() {
    insta::assert_snapshot!(error_for(
        "project: demo\njobs:\n  ingest:\n    description: no command\n"
    ));
}

#[test]
fn job_name_kubernetes_would_refuse() {
    insta::assert_snapshot!(error_for(&format!("{BASE}jobs:\n  Ingest_Sensors: {{}}\n")));
}

#[test]
fn bad_quantity_and_timeout() {
    insta::assert_snapshot!(
        "bad_quantity",
        error_for(&format!(
            "{BASE}jobs:\n  ingest:\n    resources: {{memory: 8GB}}\n"
        ))
    );
    insta::assert_snapshot!(
        "bad_timeout",
        error_for(&format!("{BASE}jobs:\n  ingest:\n    timeout: a while\n"))
    );
}

#[test]
fn choice_param_without_choices() {
    insta::assert_snapshot!(error_for(&format!(
        "{BASE}jobs:\n  ingest:\n    params:\n      source: {{type: choice}}\n"
    )));
}

#[test]
fn not_yaml() {
    insta::assert_snapshot!(error_for("project: demo\njobs: [\n"));
}

#[test]
fn misspelt_job_on_the_command_line() {
    let s = Sandbox::example();
    let r = s.run(&["render", "daily-averags", "--yesterday"]).expect(2);
    insta::assert_snapshot!(r.stderr());
}

#[test]
fn a_misspelt_workflow_key_is_reported_with_a_suggestion() {
    let s = Sandbox::new();
    s.write(
        "etl.yaml",
        &format!("{BASE}jobs:\n  a: {{}}\nworkflows:\n  nightly: {{taks: {{a: {{}}}}}}\n"),
    );
    let r = s.run(&["jobs", "list"]).expect(2);
    r.stderr_has("unknown field `taks`");
    r.stderr_has("did you mean `tasks`?");
}

/// A bad value in `defaults` is reported where it is written, not under the first job that
/// inherits it.
#[test]
fn an_error_in_defaults_points_at_defaults() {
    let yaml = "project: demo\ndefaults:\n  command: [python3, main.py]\n  resources:\n    memory: lots\n  timeout: a while\njobs:\n  ingest: {}\n";
    let err = error_for(&yaml.replace("timeout: a while", "timeout: 2h"));
    assert!(
        err.starts_with("etl: error: etl.yaml:5:5: defaults.resources.memory: `lots` is not a Kubernetes quantity"),
        "{err}"
    );
    let err = error_for(&yaml.replace("memory: lots", "memory: 1Gi"));
    assert!(
        err.starts_with("etl: error: etl.yaml:6:12: defaults.timeout: `a while` is not a duration"),
        "{err}"
    );
    // A job's own value is still reported under the job.
    let err = error_for(
        &yaml
            .replace("memory: lots", "memory: 1Gi")
            .replace("  timeout: a while\n", "")
            .replace("ingest: {}", "ingest:\n    resources: {memory: lots}"),
    );
    assert!(
        err.starts_with("etl: error: etl.yaml:8:5: jobs.ingest.resources.memory: `lots`"),
        "{err}"
    );
}

/// A bad `--set` value is the flag's fault, not etl.yaml's: the error names the flag.
#[test]
fn an_error_from_set_names_the_flag_not_the_file() {
    let s = Sandbox::example();
    for (set, says) in [
        (
            "resources.memory=lots",
            "`lots` is not a Kubernetes quantity",
        ),
        ("timezone=Mars/Olympus", "unknown time zone `Mars/Olympus`"),
        ("schedule=1 2 3", "is not a valid cron expression"),
        ("secrets=[nope]", "there is no secret `nope`"),
        ("command=[]", "no command to run"),
    ] {
        let r = s
            .run(&["render", "daily-averages", "--yesterday", "--set", set])
            .expect(2);
        r.stderr_has(&format!("etl: error: --set {set}: jobs.daily-averages."));
        r.stderr_has(says);
        assert!(!r.stderr().contains("etl.yaml"), "{}", r.stderr());
    }
}

/// A key given twice names both lines, in etl.yaml's words, not the YAML library's options.
#[test]
fn a_key_given_twice_names_both_lines() {
    let err = error_for(&format!(
        "{BASE}jobs:\n  x:\n    retries: 1\n  y: {{}}\n  x:\n    retries: 2\n"
    ));
    assert!(
        err.starts_with("etl: error: etl.yaml:8:3: jobs.x: job `x` is defined twice (lines 5, 8)"),
        "{err}"
    );
    assert!(!err.contains("DuplicateKeyPolicy"), "{err}");
    let err = error_for(&format!(
        "{BASE}jobs:\n  x:\n    retries: 1\n    retries: 2\n"
    ));
    assert!(
        err.starts_with(
            "etl: error: etl.yaml:7:5: jobs.x.retries: `retries` is given twice (lines 6, 7)"
        ),
        "{err}"
    );
}

/// `retention:` sets how long finished runs stay (the Jobs' TTL); a bad duration is named
/// where it is written.
#[test]
fn retention_sets_the_runs_ttl_and_a_bad_one_points_at_its_line() {
    let yaml = "project: demo\ndefaults:\n  command: [python3, main.py]\njobs:\n  ingest: {}\nretention:\n  runs: 3d\n  records: 2y\n";
    let s = Sandbox::new();
    s.write("etl.yaml", yaml);
    s.run(&["render", "ingest", "--date", "2026-11-22"])
        .expect(0)
        .stdout_has("ttlSecondsAfterFinished: 259200");
    let err = error_for(&yaml.replace("records: 2y", "records: a month"));
    assert!(
        err.starts_with("etl: error: etl.yaml:8:3: retention.records: `a month` is not a duration"),
        "{err}"
    );
    let err = error_for(&yaml.replace("records: 2y", "records: 1d"));
    assert!(
        err.contains(
            "retention.records: records are kept 1 day, less than the runs themselves (3 days)"
        ),
        "{err}"
    );
}
