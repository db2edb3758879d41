//! History: a compact record of every run (ARCHITECTURE §4), the windows of a range, what a
//! backfill would run, and the calendar `etl history` draws. Pure: records, windows, "now" and
//! time zones are arguments; reading and writing them is `cluster::history` and the commands'.
//!
//! One vocabulary of states for every kind of run (job runs, cron runs, workflow runs and
//! their tasks, local runs): COMPLETED, FAILED, CANCELLED, RUNNING.

pub mod backfill;
pub mod calendar;
pub mod plan;
pub mod store;

use crate::local_runs::LocalRun;
use crate::local_workflow_runs::LocalWorkflowRun;
use crate::run::RunState;
use crate::run::workflow::WorkflowRun;
use crate::window::{Period, Window, WindowError};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use k8s_openapi::api::batch::v1::Job;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What ran: a job's run, a workflow run, or one task of a workflow run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Job,
    Workflow,
    Task,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Job => "job",
            Kind::Workflow => "workflow",
            Kind::Task => "task",
        }
    }
}

/// A run's state in history: the one vocabulary for every kind of run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Completed,
    Failed,
    Cancelled,
    Running,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Completed => "COMPLETED",
            State::Failed => "FAILED",
            State::Cancelled => "CANCELLED",
            State::Running => "RUNNING",
        }
    }

    /// A Job's state (`etl runs`' words) in history's vocabulary.
    pub fn of_run(s: RunState) -> State {
        match s {
            RunState::Succeeded => State::Completed,
            RunState::Failed => State::Failed,
            RunState::Cancelled | RunState::Interrupted => State::Cancelled,
            RunState::Pending | RunState::Running => State::Running,
        }
    }

    /// A local record's word: a job run's (`Succeeded`, `Interrupted`, `Lost`…) or a workflow
    /// run's (`COMPLETED`, `LOST`…). A run whose etl is gone (`Lost`) was cut off, not failed
    /// by its job: CANCELLED, so `--only failed` and `missing` both run it again.
    pub fn of_word(s: &str) -> State {
        match s.to_ascii_uppercase().as_str() {
            "SUCCEEDED" | "COMPLETED" => State::Completed,
            "FAILED" => State::Failed,
            "RUNNING" | "PENDING" => State::Running,
            _ => State::Cancelled,
        }
    }

    pub fn is_finished(self) -> bool {
        self != State::Running
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The compact record of one run. Short keys and no nulls keep one record near 200 bytes as
/// JSON, so a year of daily runs of a job is one small ConfigMap (see `store`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The run's name (the Job's, the workflow run's ConfigMap's, or a local run's).
    #[serde(rename = "r")]
    pub run: String,
    #[serde(rename = "k")]
    pub kind: Kind,
    /// The job or workflow; for a task, its job.
    #[serde(rename = "n")]
    pub name: String,
    /// For a task: its workflow run.
    #[serde(rename = "wr", default, skip_serializing_if = "Option::is_none")]
    pub workflow_run: Option<String>,
    /// The window, RFC 3339 with the offset, as the `etl.dev/window-*` annotations hold it.
    #[serde(rename = "ws")]
    pub window_start: String,
    #[serde(rename = "we")]
    pub window_end: String,
    #[serde(rename = "s")]
    pub state: State,
    #[serde(rename = "a")]
    pub attempt: u32,
    #[serde(rename = "t")]
    pub trigger: String,
    #[serde(rename = "by", default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    #[serde(rename = "cb", default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<Timestamp>,
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The backfill that started the run, if one did.
    #[serde(rename = "bf", default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<String>,
}

/// A record with whole words for keys: what `etl history -o json` prints (the stored form's
/// short keys are for etcd, not for people).
#[derive(Serialize)]
pub struct RecordJson<'a> {
    pub run: &'a str,
    pub kind: Kind,
    pub name: &'a str,
    pub workflow_run: Option<&'a str>,
    pub window_start: &'a str,
    pub window_end: &'a str,
    pub state: State,
    pub attempt: u32,
    pub trigger: &'a str,
    pub started_by: Option<&'a str>,
    pub cancelled_by: Option<&'a str>,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    pub exit_code: Option<i32>,
    pub backfill: Option<&'a str>,
}

impl Record {
    pub fn json(&self) -> RecordJson<'_> {
        RecordJson {
            run: &self.run,
            kind: self.kind,
            name: &self.name,
            workflow_run: self.workflow_run.as_deref(),
            window_start: &self.window_start,
            window_end: &self.window_end,
            state: self.state,
            attempt: self.attempt,
            trigger: &self.trigger,
            started_by: self.started_by.as_deref(),
            cancelled_by: self.cancelled_by.as_deref(),
            started: self.started,
            finished: self.finished,
            exit_code: self.exit_code,
            backfill: self.backfill.as_deref(),
        }
    }

    /// The record of a Job's run (a one-off, cron or backfill run, or a workflow's task).
    /// None for a Job whose window cannot be known (not one of etl's).
    pub fn from_job(job: &Job) -> Option<Record> {
        let s = crate::run::summary(job);
        let cancelled_by = job
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(&crate::run::cancelled_by_annotation()))
            .cloned();
        Some(Record {
            kind: if s.workflow_run.is_some() {
                Kind::Task
            } else {
                Kind::Job
            },
            run: s.name,
            name: s.job,
            workflow_run: s.workflow_run,
            window_start: s.window_start?,
            window_end: s.window_end?,
            state: State::of_run(s.state),
            attempt: s.attempt,
            trigger: s.trigger,
            started_by: s.started_by,
            cancelled_by,
            started: s.started.or(s.created),
            finished: s.finished,
            exit_code: None,
            backfill: job
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(&crate::run::backfill_label()))
                .cloned(),
        })
    }

    /// The record of a cluster workflow run, in `state` (its recorded outcome, or the state
    /// derived from its tasks: `run::workflow::run_state`).
    pub fn from_workflow_run(run: &WorkflowRun, state: State) -> Option<Record> {
        Some(Record {
            run: run.name.clone(),
            kind: Kind::Workflow,
            name: run.workflow.clone(),
            workflow_run: None,
            window_start: run.window_start.clone()?,
            window_end: run.window_end.clone()?,
            state,
            attempt: run.attempt,
            trigger: run.trigger.clone(),
            started_by: run.started_by.clone(),
            cancelled_by: run.cancelled_by.clone(),
            started: run.created,
            finished: run.finished,
            exit_code: None,
            backfill: run.backfill.clone(),
        })
    }

    /// The record of a run made on this machine by `etl jobs run`, or of a local workflow's
    /// task (trigger `workflow`: a task, whose workflow run is known only by its name's prefix).
    pub fn from_local(r: &LocalRun) -> Record {
        Record {
            run: r.run.clone(),
            kind: if r.trigger == "workflow" {
                Kind::Task
            } else {
                Kind::Job
            },
            name: r.job.clone(),
            workflow_run: None,
            window_start: r.window_start.clone(),
            window_end: r.window_end.clone(),
            state: State::of_word(&r.state),
            attempt: attempt_of(&r.run),
            trigger: r.trigger.clone(),
            started_by: Some(r.started_by.clone()),
            cancelled_by: None,
            started: Some(r.started_at),
            finished: r.duration_seconds.and_then(|d| {
                r.started_at
                    .checked_add(jiff::SignedDuration::from_secs_f64(d))
                    .ok()
            }),
            exit_code: r.exit_code,
            backfill: None,
        }
    }

    /// The record of a workflow run made on this machine by `etl workflows run`.
    pub fn from_local_workflow(r: &LocalWorkflowRun) -> Record {
        Record {
            run: r.run.clone(),
            kind: Kind::Workflow,
            name: r.workflow.clone(),
            workflow_run: None,
            window_start: r.window_start.clone(),
            window_end: r.window_end.clone(),
            state: State::of_word(&r.state),
            attempt: r.attempt,
            trigger: "local".into(),
            started_by: Some(r.started_by.clone()),
            cancelled_by: None,
            started: Some(r.started_at),
            finished: r.finished_at,
            exit_code: None,
            backfill: None,
        }
    }

    /// The window as instants, for comparing windows written with different offsets.
    pub fn window_instants(&self) -> Option<(Timestamp, Timestamp)> {
        Some((
            self.window_start.parse().ok()?,
            self.window_end.parse().ok()?,
        ))
    }
}

/// The attempt in a run's name: `…-a3` is 3, a task's `…-r2` is 2; 1 otherwise.
pub fn attempt_of(run: &str) -> u32 {
    let tail = run.rsplit('-').next().unwrap_or_default();
    tail.strip_prefix('a')
        .or_else(|| tail.strip_prefix('r'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// Records from several sources, one per run name; where two sources know the same run
/// (a history ConfigMap and the Job still there), the newer information wins. Oldest window
/// first, then by name.
pub fn merge(records: impl IntoIterator<Item = Record>) -> Vec<Record> {
    let mut out: Vec<Record> = records.into_iter().collect();
    // By name, then the record that knows most last (stable: ties keep their order), so each
    // run keeps its last record.
    // Sorting (no hashing, no copied names) is what keeps this fast at 36,500 records.
    out.sort_by(|a, b| a.run.cmp(&b.run).then_with(|| knows(a).cmp(&knows(b))));
    out.dedup_by(|later, earlier| {
        if later.run == earlier.run {
            std::mem::swap(later, earlier);
            true
        } else {
            false
        }
    });
    // Each window parsed once, not once per comparison.
    out.sort_by_cached_key(|r| r.window_instants());
    out
}

/// For one run known twice, what each record knows: a finished state beats RUNNING (a record
/// written when it ended is newer than a Job read before), then whichever knows more (a finish
/// time, an exit code). Of two that know as much, the later one given wins.
fn knows(r: &Record) -> (bool, bool, bool) {
    (
        r.state.is_finished(),
        r.finished.is_some(),
        r.exit_code.is_some(),
    )
}

/// The consecutive windows of `period`, in `tz`, that overlap `[start, end)`: the first
/// begins at the start of the period holding `start` (so a range given by dates gives whole
/// days, weeks from Monday, months from the 1st), each is one calendar period (a
/// daylight-saving day is 23 or 25 hours), and the last is the one holding `end`'s last
/// instant. Oldest first.
pub fn windows(
    period: Period,
    tz: &TimeZone,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<Window>, WindowError> {
    /// Far more than ten years of hourly windows: a range beyond this is a typo.
    const MAX: usize = 200_000;
    let mut out = Vec::new();
    let mut from = period.floor(&start.to_zoned(tz.clone()))?;
    while from.timestamp() < end {
        let next = from
            .checked_add(period.step())
            .map_err(|e| WindowError::Arithmetic(e.to_string()))?;
        // The start of the next period: a day whose midnight a DST jump skips starts at 01:00.
        let to = period.floor(&next)?;
        let w = Window::new(from, to.clone())?;
        out.push(w);
        if out.len() > MAX {
            return Err(WindowError::Arithmetic(format!(
                "more than {MAX} windows of a {}: use a shorter range",
                period.as_str()
            )));
        }
        from = to;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
