//! Workflow runs as the cluster holds them (ARCHITECTURE §2): a ConfigMap labelled
//! `etl.dev/kind=workflow-run` with the DAG it was started with, and one Job per task. Pure:
//! these functions read those objects and return values, so `etl workflows …`, the scheduler
//! and a future UI derive the same task states from the same objects.

use crate::run::names::PREFIX;
use crate::workflow::{Dag, DagError, Observed, RunOutcome, TaskState};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The value of `etl.dev/kind` on a workflow run's ConfigMap.
pub const WORKFLOW_RUN_KIND: &str = "workflow-run";

pub fn kind_label() -> String {
    format!("{PREFIX}/kind")
}
pub fn workflow_label() -> String {
    format!("{PREFIX}/workflow")
}
pub fn workflow_run_label() -> String {
    format!("{PREFIX}/workflow-run")
}
pub fn task_label() -> String {
    format!("{PREFIX}/task")
}
/// On a finished run's ConfigMap: COMPLETED, FAILED or CANCELLED, written once, so listings
/// need not read the Jobs.
pub fn state_label() -> String {
    format!("{PREFIX}/state")
}
pub fn finished_at_annotation() -> String {
    format!("{PREFIX}/finished-at")
}
/// On a task's Job: SCHEDULED (free to start, waiting for a slot) or UPSTREAM_FAILED (never
/// to start). The other states are read from the Job itself.
pub fn task_state_annotation() -> String {
    format!("{PREFIX}/task-state")
}
/// The ConfigMap key holding the DAG.
pub const DAG_KEY: &str = "dag.json";

/// One task as the run's ConfigMap records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEntry {
    pub task: String,
    pub job: String,
    #[serde(default)]
    pub after: Vec<String>,
    #[serde(default)]
    pub retries: u32,
    /// The Job of the task's current attempt.
    pub run: String,
    /// The task's attempt in this run: 1, then one more for each `etl workflows retry`.
    #[serde(default = "one")]
    pub attempt: u32,
}

fn one() -> u32 {
    1
}

/// The `dag.json` of a workflow run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DagSnapshot {
    #[serde(default)]
    pub max_parallel: Option<usize>,
    pub tasks: Vec<TaskEntry>,
}

impl DagSnapshot {
    pub fn dag(&self) -> Result<Dag, DagError> {
        Dag::new(
            self.tasks
                .iter()
                .map(|t| (t.task.as_str(), t.after.as_slice(), t.retries)),
        )
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a DAG snapshot serializes")
    }
}

/// A workflow run, read from its ConfigMap.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowRun {
    pub name: String,
    pub project: String,
    pub workflow: String,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub timezone: String,
    pub trigger: String,
    pub attempt: u32,
    pub started_by: Option<String>,
    pub cancelled_by: Option<String>,
    /// The backfill that started it (`etl.dev/backfill`).
    pub backfill: Option<String>,
    /// Written once the run ended.
    pub outcome: Option<RunOutcome>,
    pub created: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    pub uid: Option<String>,
    pub snapshot: DagSnapshot,
}

/// Why a ConfigMap is not a readable workflow run.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("workflow run {name}: {why}")]
pub struct BadRun {
    pub name: String,
    pub why: String,
}

fn get<'a>(m: &'a Option<std::collections::BTreeMap<String, String>>, k: &str) -> Option<&'a str> {
    m.as_ref()?.get(k).map(String::as_str)
}

pub fn read(cm: &ConfigMap) -> Result<WorkflowRun, BadRun> {
    let meta = &cm.metadata;
    let name = meta.name.clone().unwrap_or_default();
    let bad = |why: String| BadRun {
        name: name.clone(),
        why,
    };
    let text = get(&cm.data, DAG_KEY).ok_or_else(|| bad(format!("no {DAG_KEY}")))?;
    let snapshot: DagSnapshot =
        serde_json::from_str(text).map_err(|e| bad(format!("{DAG_KEY}: {e}")))?;
    let labels = &meta.labels;
    let annotations = &meta.annotations;
    let owned = |v: Option<&str>| v.map(str::to_string);
    Ok(WorkflowRun {
        project: owned(get(labels, &format!("{PREFIX}/project"))).unwrap_or_default(),
        workflow: owned(get(labels, &workflow_label()))
            .or_else(|| owned(get(&cm.data, "workflow")))
            .unwrap_or_default(),
        window_start: owned(get(annotations, &format!("{PREFIX}/window-start"))),
        window_end: owned(get(annotations, &format!("{PREFIX}/window-end"))),
        timezone: owned(get(annotations, &format!("{PREFIX}/timezone")))
            .unwrap_or_else(|| "UTC".into()),
        trigger: owned(get(labels, &format!("{PREFIX}/trigger"))).unwrap_or_default(),
        attempt: get(labels, &format!("{PREFIX}/attempt"))
            .and_then(|a| a.parse().ok())
            .unwrap_or(1),
        started_by: owned(get(annotations, &format!("{PREFIX}/started-by"))),
        cancelled_by: owned(get(annotations, &super::cancelled_by_annotation())),
        backfill: owned(get(labels, &super::backfill_label())),
        outcome: get(labels, &state_label()).and_then(|s| match s {
            "COMPLETED" => Some(RunOutcome::Completed),
            "FAILED" => Some(RunOutcome::Failed),
            "CANCELLED" => Some(RunOutcome::Cancelled),
            _ => None,
        }),
        created: meta.creation_timestamp.as_ref().map(|t| t.0),
        finished: get(annotations, &finished_at_annotation()).and_then(|t| t.parse().ok()),
        uid: meta.uid.clone(),
        name,
        snapshot,
    })
}

/// Whether a Job has the condition `kind` set to True.
fn has_condition(job: &Job, kind: &str) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == kind && c.status == "True"))
}

/// The state of one task from its Job (None: not created yet, so not started). A Job's own
/// retries are its `backoffLimit`: a Failed Job has used them all.
pub fn task_state(job: Option<&Job>) -> TaskState {
    let Some(job) = job else {
        return TaskState::Blocked;
    };
    let annotations = &job.metadata.annotations;
    if get(annotations, &super::cancelled_by_annotation()).is_some() {
        return TaskState::Cancelled;
    }
    if has_condition(job, "Complete") {
        return TaskState::Completed;
    }
    if has_condition(job, "Failed") {
        return TaskState::Failed;
    }
    match get(annotations, &task_state_annotation()) {
        Some("UPSTREAM_FAILED") => return TaskState::UpstreamFailed,
        Some("SCHEDULED") if suspended(job) => return TaskState::Scheduled,
        _ => {}
    }
    if suspended(job) {
        TaskState::Blocked
    } else {
        TaskState::Running
    }
}

pub fn suspended(job: &Job) -> bool {
    job.spec.as_ref().and_then(|s| s.suspend) == Some(true)
}

/// What `plan` needs to know of each task, in the snapshot's order. `jobs` maps Job names
/// to Jobs; a missing Job is a task not created yet. A failed Job has used its retries (they
/// are the Job's `backoffLimit`), so it counts as every attempt made.
pub fn observe(run: &WorkflowRun, jobs: &HashMap<&str, &Job>) -> Vec<Observed> {
    run.snapshot
        .tasks
        .iter()
        .map(|t| {
            let job = jobs.get(t.run.as_str()).copied();
            let state = task_state(job);
            let attempts = match state {
                TaskState::Blocked | TaskState::Scheduled | TaskState::UpstreamFailed => 0,
                TaskState::Failed => t.retries + 1,
                _ => 1,
            };
            Observed { state, attempts }
        })
        .collect()
}

/// A workflow run's state for listings: its recorded outcome, else derived from its tasks.
pub fn run_state(run: &WorkflowRun, observed: &[Observed]) -> &'static str {
    match run.outcome {
        Some(o) => o.as_str(),
        None => crate::workflow::run_state(observed, run.cancelled_by.is_some()),
    }
}

/// When each task's Job ended, for the dispatch-latency measure: the `completionTime` of
/// a completed Job.
pub fn completed_at(job: &Job) -> Option<Timestamp> {
    job.status.as_ref()?.completion_time.as_ref().map(|t| t.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(yaml: &str) -> ConfigMap {
        serde_saphyr::from_str(yaml).unwrap()
    }

    fn job(yaml: &str) -> Job {
        serde_saphyr::from_str(yaml).unwrap()
    }

    const RUN: &str = r#"
metadata:
  name: nightly-20261122-1d-a1
  uid: u1
  labels: {etl.dev/project: air, etl.dev/kind: workflow-run, etl.dev/workflow: nightly, etl.dev/trigger: cron, etl.dev/attempt: "1"}
  annotations: {etl.dev/window-start: "2026-11-22T00:00:00+00:00", etl.dev/window-end: "2026-11-23T00:00:00+00:00", etl.dev/started-by: ana}
data:
  dag.json: '{"max_parallel":2,"tasks":[{"task":"a","job":"a","after":[],"retries":0,"run":"r-a"},{"task":"b","job":"j","after":["a"],"retries":2,"run":"r-b"}]}'
"#;

    #[test]
    fn a_run_reads_back_from_its_config_map() {
        let run = read(&cm(RUN)).unwrap();
        assert_eq!(run.workflow, "nightly");
        assert_eq!(run.trigger, "cron");
        assert_eq!(run.snapshot.max_parallel, Some(2));
        assert_eq!(run.snapshot.tasks[1].after, vec!["a"]);
        assert_eq!(run.snapshot.tasks[1].attempt, 1);
        assert_eq!(run.outcome, None);
        let dag = run.snapshot.dag().unwrap();
        assert_eq!(dag.len(), 2);
        let broken = cm("metadata: {name: x}\ndata: {dag.json: '{'}");
        assert!(
            read(&broken)
                .unwrap_err()
                .to_string()
                .starts_with("workflow run x: dag.json")
        );
    }

    #[test]
    fn task_states_come_from_the_jobs() {
        assert_eq!(task_state(None), TaskState::Blocked);
        let blocked = job("metadata: {name: r-b}\nspec: {suspend: true, template: {}}");
        assert_eq!(task_state(Some(&blocked)), TaskState::Blocked);
        let scheduled = job(
            "metadata: {name: r-b, annotations: {etl.dev/task-state: SCHEDULED}}\nspec: {suspend: true, template: {}}",
        );
        assert_eq!(task_state(Some(&scheduled)), TaskState::Scheduled);
        let running = job("metadata: {name: r-b}\nspec: {suspend: false, template: {}}");
        assert_eq!(task_state(Some(&running)), TaskState::Running);
        let done = job(
            "metadata: {name: r-b}\nspec: {template: {}}\nstatus: {conditions: [{type: Complete, status: 'True'}]}",
        );
        assert_eq!(task_state(Some(&done)), TaskState::Completed);
        let failed = job(
            "metadata: {name: r-b}\nspec: {template: {}}\nstatus: {conditions: [{type: Failed, status: 'True'}]}",
        );
        assert_eq!(task_state(Some(&failed)), TaskState::Failed);
        let upstream = job(
            "metadata: {name: r-b, annotations: {etl.dev/task-state: UPSTREAM_FAILED}}\nspec: {suspend: true, template: {}}",
        );
        assert_eq!(task_state(Some(&upstream)), TaskState::UpstreamFailed);
        let cancelled = job(
            "metadata: {name: r-b, annotations: {etl.dev/cancelled-by: ana}}\nspec: {suspend: true, template: {}}",
        );
        assert_eq!(task_state(Some(&cancelled)), TaskState::Cancelled);
    }

    #[test]
    fn a_failed_job_has_used_its_retries_so_its_dependants_are_upstream_failed() {
        let run = read(&cm(RUN)).unwrap();
        let a = job(
            "metadata: {name: r-a}\nspec: {template: {}}\nstatus: {conditions: [{type: Failed, status: 'True'}]}",
        );
        let b = job("metadata: {name: r-b}\nspec: {suspend: true, template: {}}");
        let jobs = HashMap::from([("r-a", &a), ("r-b", &b)]);
        let observed = observe(&run, &jobs);
        assert_eq!(
            observed[0],
            Observed {
                state: TaskState::Failed,
                attempts: 1
            }
        );
        let dag = run.snapshot.dag().unwrap();
        let p = crate::workflow::plan(&dag, &observed, Default::default(), false);
        assert_eq!(p.upstream_failed, vec![1]);
        assert!(p.start.is_empty());
    }
}
