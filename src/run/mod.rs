//! Runs as the cluster records them: a Kubernetes Job labelled by etl is one run. Pure: these
//! functions read Job objects and return values, so `etl runs`, `etl jobs follow` and a future
//! scheduler or web UI derive state the same way. The cluster is the database; nothing here
//! is stored anywhere else.

pub mod names;
pub mod schedule;
pub mod workflow;

use crate::window::{Period, Window, rfc3339};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use names::PREFIX;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Annotation a Job gets when `etl jobs cancel` stops it: who cancelled, so `etl runs` shows
/// Cancelled rather than Failed.
/// The label a backfill's runs carry: the backfill's name.
pub fn backfill_label() -> String {
    format!("{PREFIX}/backfill")
}

pub fn cancelled_by_annotation() -> String {
    format!("{PREFIX}/cancelled-by")
}
pub fn cancelled_at_annotation() -> String {
    format!("{PREFIX}/cancelled-at")
}

/// The annotation the CronJob controller puts on each Job it creates (Kubernetes ≥ 1.28).
pub const SCHEDULED_AT: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/// Why a run exists. Recorded as the `etl.dev/trigger` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Manual,
    Cron,
    Backfill,
    Workflow,
    Local,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Cron => "cron",
            Trigger::Backfill => "backfill",
            Trigger::Workflow => "workflow",
            Trigger::Local => "local",
        }
    }
}

/// A concrete run: a window, an attempt and why.
#[derive(Clone, Debug)]
pub struct RunInfo {
    pub name: String,
    pub window: Window,
    pub attempt: u32,
    pub trigger: Trigger,
}

impl RunInfo {
    pub fn new(
        job: &crate::project::Job,
        window: Window,
        attempt: u32,
        trigger: Trigger,
    ) -> RunInfo {
        RunInfo {
            name: names::run_name(&job.name, &window, attempt),
            window,
            attempt,
            trigger,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RunState {
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// A local run (`etl jobs run`) stopped by Ctrl-C: the local counterpart of Cancelled,
    /// never derived from a Job (so `parse`, for the cluster's `--state`, leaves it out).
    Interrupted,
}

impl RunState {
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            RunState::Succeeded | RunState::Failed | RunState::Cancelled | RunState::Interrupted
        )
    }

    pub fn parse(s: &str) -> Option<RunState> {
        [
            RunState::Pending,
            RunState::Running,
            RunState::Succeeded,
            RunState::Failed,
            RunState::Cancelled,
        ]
        .into_iter()
        .find(|st| st.to_string().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunState::Pending => "Pending",
            RunState::Running => "Running",
            RunState::Succeeded => "Succeeded",
            RunState::Failed => "Failed",
            RunState::Cancelled => "Cancelled",
            RunState::Interrupted => "Interrupted",
        })
    }
}

/// One run, as `etl runs` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    pub name: String,
    pub job: String,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub state: RunState,
    pub attempt: u32,
    pub trigger: String,
    pub started_by: Option<String>,
    pub created: Option<Timestamp>,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// Why it failed or who cancelled it.
    pub reason: Option<String>,
    /// The workflow run it is a task of.
    pub workflow_run: Option<String>,
}

fn label<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

fn annotation<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

fn condition<'a>(
    job: &'a Job,
    kind: &str,
) -> Option<&'a k8s_openapi::api::batch::v1::JobCondition> {
    job.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == kind && c.status == "True")
}

/// The state of a run, from its Job. Finished states come from the Job's conditions (the
/// Job controller's verdict, which survives pods being deleted); a cancel annotation wins.
pub fn state(job: &Job) -> RunState {
    if annotation(job, &cancelled_by_annotation()).is_some() {
        return RunState::Cancelled;
    }
    if condition(job, "Complete").is_some() || condition(job, "SuccessCriteriaMet").is_some() {
        return RunState::Succeeded;
    }
    if condition(job, "Failed").is_some() || condition(job, "FailureTarget").is_some() {
        return RunState::Failed;
    }
    let status = job.status.as_ref();
    let count = |f: fn(&k8s_openapi::api::batch::v1::JobStatus) -> Option<i32>| {
        status.and_then(f).unwrap_or(0)
    };
    let (ready, active) = (count(|s| s.ready), count(|s| s.active));
    let tried = count(|s| s.succeeded) + count(|s| s.failed);
    // A pod is up, or a retry is under way: either way the run as a whole is running.
    if ready > 0 || (active > 0 && tried > 0) {
        RunState::Running
    } else {
        RunState::Pending
    }
}

/// Why a finished run ended as it did: `BackoffLimitExceeded: Job has reached the specified
/// backoff limit`, or who cancelled it.
pub fn reason(job: &Job) -> Option<String> {
    if let Some(by) = annotation(job, &cancelled_by_annotation()) {
        return Some(format!("cancelled by {by}"));
    }
    let c = condition(job, "Failed").or_else(|| condition(job, "FailureTarget"))?;
    Some(match (&c.reason, &c.message) {
        (Some(r), Some(m)) => format!("{r}: {m}"),
        (Some(r), None) => r.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => "failed".into(),
    })
}

/// The window of a run: from etl's annotations on a one-off run; for a CronJob's run, worked
/// out from the time it was scheduled, exactly as its pod did (templates/cron-window.sh).
pub fn window(job: &Job) -> Option<(String, String)> {
    if let (Some(s), Some(e)) = (
        annotation(job, &format!("{PREFIX}/window-start")),
        annotation(job, &format!("{PREFIX}/window-end")),
    ) {
        return Some((s.to_string(), e.to_string()));
    }
    let w = cron_window(job)?;
    Some((rfc3339(&w.start), rfc3339(&w.end)))
}

/// The window of a CronJob-created run, from the scheduled timestamp and the period and time
/// zone etl put on the CronJob's job template.
pub fn cron_window(job: &Job) -> Option<Window> {
    let scheduled: Timestamp = annotation(job, SCHEDULED_AT)?.parse().ok()?;
    let period: Period = serde_json::from_value(serde_json::json!(annotation(
        job,
        &format!("{PREFIX}/window-period")
    )?))
    .ok()?;
    let tz =
        jiff::tz::TimeZone::get(annotation(job, &format!("{PREFIX}/timezone")).unwrap_or("UTC"))
            .ok()?;
    period.preceding(&scheduled.to_zoned(tz)).ok()
}

fn ts(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> Timestamp {
    t.0
}

pub fn summary(job: &Job) -> RunSummary {
    let window = window(job);
    let status = job.status.as_ref();
    // A cancelled run ended when it was cancelled: its suspended Job never completes, so
    // without this its duration would grow for as long as the Job is kept.
    let cancelled_at = annotation(job, &cancelled_at_annotation())
        .and_then(|t| t.parse::<Timestamp>().ok())
        .filter(|_| state(job) == RunState::Cancelled);
    let finished = cancelled_at.or_else(|| {
        status
            .and_then(|s| s.completion_time.as_ref())
            .map(ts)
            .or_else(|| {
                // A failed Job has no completionTime; its Failed condition says when.
                condition(job, "Failed")
                    .and_then(|c| c.last_transition_time.as_ref())
                    .map(ts)
            })
    });
    RunSummary {
        name: job.metadata.name.clone().unwrap_or_default(),
        job: label(job, &format!("{PREFIX}/job"))
            .unwrap_or_default()
            .to_string(),
        window_start: window.as_ref().map(|w| w.0.clone()),
        window_end: window.map(|w| w.1),
        state: state(job),
        attempt: label(job, &format!("{PREFIX}/attempt"))
            .and_then(|a| a.parse().ok())
            .unwrap_or(1),
        trigger: label(job, &format!("{PREFIX}/trigger"))
            .unwrap_or("manual")
            .to_string(),
        started_by: annotation(job, &format!("{PREFIX}/started-by"))
            .map(str::to_string)
            .or_else(|| {
                (label(job, &format!("{PREFIX}/trigger")) == Some("cron"))
                    .then(|| "cron".to_string())
            }),
        created: job.metadata.creation_timestamp.as_ref().map(ts),
        started: status.and_then(|s| s.start_time.as_ref()).map(ts),
        finished,
        reason: reason(job),
        workflow_run: label(job, &workflow::workflow_run_label()).map(str::to_string),
    }
}

/// `1m 05s`, `2h 03m`: a run's duration for a table.
pub fn human_duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupted_is_a_local_state_only() {
        // The words of runs.jsonl, kept as they were when they were strings.
        assert_eq!(RunState::Interrupted.to_string(), "Interrupted");
        assert!(RunState::Interrupted.is_finished());
        assert_eq!(
            RunState::parse("interrupted"),
            None,
            "no Job is ever Interrupted"
        );
    }

    fn job(yaml: &str) -> Job {
        serde_saphyr::from_str(yaml).unwrap()
    }

    const MANUAL: &str = r#"
apiVersion: batch/v1
kind: Job
metadata:
  name: ingest-20261122-1d-a2
  labels: {etl.dev/job: ingest, etl.dev/attempt: "2", etl.dev/trigger: manual}
  annotations:
    etl.dev/window-start: "2026-11-22T00:00:00+00:00"
    etl.dev/window-end: "2026-11-23T00:00:00+00:00"
    etl.dev/started-by: ana
spec: {template: {spec: {containers: [{name: job}]}}}
"#;

    #[test]
    fn a_new_job_is_pending() {
        let s = summary(&job(MANUAL));
        assert_eq!(s.state, RunState::Pending);
        assert_eq!(s.attempt, 2);
        assert_eq!(s.window_start.as_deref(), Some("2026-11-22T00:00:00+00:00"));
        assert_eq!(s.started_by.as_deref(), Some("ana"));
    }

    #[test]
    fn states_follow_the_job_controller() {
        let running = job(&format!(
            "{MANUAL}status: {{active: 1, ready: 1, startTime: '2026-11-23T10:00:00Z'}}\n"
        ));
        assert_eq!(state(&running), RunState::Running);
        let retrying = job(&format!(
            "{MANUAL}status: {{active: 1, ready: 0, failed: 1}}\n"
        ));
        assert_eq!(state(&retrying), RunState::Running);
        let done = job(&format!(
            "{MANUAL}status: {{succeeded: 1, completionTime: '2026-11-23T10:05:00Z', conditions: [{{type: Complete, status: 'True'}}]}}\n"
        ));
        assert_eq!(state(&done), RunState::Succeeded);
        assert_eq!(
            summary(&done).finished,
            Some("2026-11-23T10:05:00Z".parse().unwrap())
        );
        let failed = job(&format!(
            "{MANUAL}status: {{failed: 3, conditions: [{{type: Failed, status: 'True', reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit, lastTransitionTime: '2026-11-23T10:09:00Z'}}]}}\n"
        ));
        assert_eq!(state(&failed), RunState::Failed);
        assert_eq!(
            reason(&failed).as_deref(),
            Some("BackoffLimitExceeded: Job has reached the specified backoff limit")
        );
        assert_eq!(
            summary(&failed).finished,
            Some("2026-11-23T10:09:00Z".parse().unwrap())
        );
    }

    #[test]
    fn a_cancelled_run_is_cancelled_not_failed() {
        let yaml = MANUAL.replace(
            "etl.dev/started-by: ana",
            "etl.dev/started-by: ana\n    etl.dev/cancelled-by: bo",
        );
        let j = job(&format!(
            "{yaml}status: {{conditions: [{{type: Failed, status: 'True', reason: DeadlineExceeded}}]}}\n"
        ));
        assert_eq!(state(&j), RunState::Cancelled);
        assert_eq!(reason(&j).as_deref(), Some("cancelled by bo"));
    }

    #[test]
    fn a_cancelled_run_ended_when_it_was_cancelled() {
        let yaml = MANUAL.replace(
            "etl.dev/started-by: ana",
            "etl.dev/started-by: ana\n    etl.dev/cancelled-by: bo\n    etl.dev/cancelled-at: \"2026-11-23T10:00:12Z\"",
        );
        // Suspended, its pods gone: the Job itself never completes.
        let j = job(&format!(
            "{yaml}status: {{startTime: '2026-11-23T10:00:00Z', conditions: [{{type: Suspended, status: 'True'}}]}}\n"
        ));
        let s = summary(&j);
        assert_eq!(s.state, RunState::Cancelled);
        assert_eq!(s.finished, Some("2026-11-23T10:00:12Z".parse().unwrap()));
    }

    #[test]
    fn a_cron_run_shows_the_window_it_covered() {
        let j = job(r#"
apiVersion: batch/v1
kind: Job
metadata:
  name: ingest-29397720
  labels: {etl.dev/job: ingest, etl.dev/trigger: cron}
  annotations:
    batch.kubernetes.io/cronjob-scheduled-timestamp: "2026-11-23T10:00:00Z"
    etl.dev/window-period: day
    etl.dev/timezone: America/Los_Angeles
spec: {template: {spec: {containers: [{name: job}]}}}
"#);
        let s = summary(&j);
        assert_eq!(s.window_start.as_deref(), Some("2026-11-22T00:00:00-08:00"));
        assert_eq!(s.window_end.as_deref(), Some("2026-11-23T00:00:00-08:00"));
        assert_eq!(s.trigger, "cron");
        assert_eq!(s.started_by.as_deref(), Some("cron"));
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(65), "1m 05s");
        assert_eq!(human_duration(7380), "2h 03m");
    }
}
