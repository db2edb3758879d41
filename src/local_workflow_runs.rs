//! The record of workflow runs made on this machine by `etl workflows run`: one JSON line per
//! change in `<state dir>/workflow-runs.jsonl`, a whole snapshot of the run (its tasks' states)
//! each time. Appending (never rewriting) means a crash loses at most the line being written;
//! the newest line of a run wins. Each task's own run is also in `runs.jsonl`, like any local
//! run. I/O at the edges (`append`, `read`); `fold` is pure.

use crate::error::Result;
use crate::workflow::{Observed, TaskState};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FILE_NAME: &str = "workflow-runs.jsonl";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LocalWorkflowRun {
    /// `nightly-20261122-1d-a1`: the workflow, the window and the attempt.
    pub run: String,
    pub workflow: String,
    pub window_start: String,
    pub window_end: String,
    pub attempt: u32,
    pub started_by: String,
    pub started_at: jiff::Timestamp,
    pub finished_at: Option<jiff::Timestamp>,
    /// RUNNING, COMPLETED, FAILED or CANCELLED (LOST when read while etl is gone).
    pub state: String,
    /// etl's process id while RUNNING: if it is gone, the run was lost.
    pub pid: Option<u32>,
    /// By task name, in the workflow's declaration order.
    pub tasks: IndexMap<String, TaskRecord>,
}

/// One task of a local workflow run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TaskRecord {
    pub state: TaskState,
    /// Attempts started in this run, retries and `etl workflows retry` included: the next
    /// attempt's run name ends in `-a<attempts + 1>`.
    pub attempts: u32,
    /// The task's newest run (in runs.jsonl).
    pub run: Option<String>,
    pub exit_code: Option<i32>,
    pub duration_seconds: Option<f64>,
}

impl TaskRecord {
    /// A task that has not started.
    pub fn new() -> TaskRecord {
        TaskRecord {
            state: TaskState::Blocked,
            attempts: 0,
            run: None,
            exit_code: None,
            duration_seconds: None,
        }
    }
}

impl Default for TaskRecord {
    fn default() -> Self {
        TaskRecord::new()
    }
}

impl LocalWorkflowRun {
    /// The task states as the planner sees them, in the workflow's task order.
    pub fn observed(&self, task_names: &[&str]) -> Vec<Observed> {
        task_names
            .iter()
            .map(|t| match self.tasks.get(*t) {
                Some(r) => Observed {
                    state: r.state,
                    attempts: r.attempts,
                },
                None => Observed::NEW,
            })
            .collect()
    }

    pub fn completed_tasks(&self) -> usize {
        self.tasks
            .values()
            .filter(|t| t.state == TaskState::Completed)
            .count()
    }
}

pub fn append(file: &Path, run: &LocalWorkflowRun) -> Result<()> {
    crate::local_runs::append_line(file, run)
}

/// The runs in a records file, newest state of each, oldest first. Unreadable lines (a crash
/// mid-write) are skipped.
pub fn fold(text: &str) -> Vec<LocalWorkflowRun> {
    let mut runs: IndexMap<String, LocalWorkflowRun> = IndexMap::new();
    for line in text.lines() {
        if let Ok(r) = serde_json::from_str::<LocalWorkflowRun>(line) {
            runs.insert(r.run.clone(), r);
        }
    }
    runs.into_values().collect()
}

pub fn read(file: &Path) -> Result<Vec<LocalWorkflowRun>> {
    Ok(fold(&crate::local_runs::read_text(file)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(state: &str, ingest: TaskState) -> LocalWorkflowRun {
        let mut tasks = IndexMap::new();
        tasks.insert(
            "ingest".to_string(),
            TaskRecord {
                state: ingest,
                attempts: 1,
                run: Some("nightly-ingest-20261122-1d-a1".into()),
                exit_code: None,
                duration_seconds: None,
            },
        );
        LocalWorkflowRun {
            run: "nightly-20261122-1d-a1".into(),
            workflow: "nightly".into(),
            window_start: "2026-11-22T00:00:00+00:00".into(),
            window_end: "2026-11-23T00:00:00+00:00".into(),
            attempt: 1,
            started_by: "ana".into(),
            started_at: "2026-11-23T10:00:00Z".parse().unwrap(),
            finished_at: None,
            state: state.into(),
            pid: Some(1),
            tasks,
        }
    }

    #[test]
    fn the_newest_snapshot_of_a_run_wins_and_torn_lines_are_skipped() {
        let a = serde_json::to_string(&run("RUNNING", TaskState::Running)).unwrap();
        let b = serde_json::to_string(&run("FAILED", TaskState::Failed)).unwrap();
        let runs = fold(&format!("{a}\n{b}\n{{\"run\": \"torn"));
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].state, "FAILED");
        assert_eq!(
            runs[0].observed(&["ingest", "report"]),
            vec![
                Observed {
                    state: TaskState::Failed,
                    attempts: 1
                },
                Observed::NEW
            ]
        );
        assert!(
            b.contains("\"state\":\"FAILED\""),
            "states as the CLI shows them: {b}"
        );
    }
}
