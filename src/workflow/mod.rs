//! Workflows as graphs: a DAG of tasks, checked to be acyclic, put in order, and `plan`, which
//! answers "given what each task is doing now, what happens next?". Pure: no clock, no
//! processes, no cluster. The local executor (`etl workflows run`) carries the plan out as
//! processes; a cluster executor would carry the same plan out as Kubernetes objects.

mod draw;

pub use draw::{dot, levels_text};

use serde::{Deserialize, Serialize};
use std::fmt;

/// A task's index in its `Dag` (declaration order).
pub type TaskId = usize;

/// One node of the graph: a name, the tasks it runs after, and how often a failure is retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub after: Vec<TaskId>,
    /// Failed attempts retried before the task is FAILED for good.
    pub retries: u32,
}

/// A checked DAG: every `after` names a task, no task depends on itself, no cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dag {
    nodes: Vec<Node>,
    /// A topological order, ties broken by declaration order (stable, so output is too).
    order: Vec<TaskId>,
}

/// What makes a list of tasks not a DAG. Names only: the caller knows where they are written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DagError {
    #[error("a workflow needs at least one task")]
    Empty,
    #[error("task `{task}` runs after itself")]
    SelfDependency { task: String },
    #[error("task `{task}` runs after `{after}`, which is not a task of this workflow")]
    UnknownAfter { task: String, after: String },
    #[error("the tasks depend on each other in a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
}

impl Dag {
    /// Builds and checks the graph from `(name, after, retries)` in declaration order.
    pub fn new<'a>(
        tasks: impl IntoIterator<Item = (&'a str, &'a [String], u32)>,
    ) -> Result<Dag, DagError> {
        let tasks: Vec<_> = tasks.into_iter().collect();
        if tasks.is_empty() {
            return Err(DagError::Empty);
        }
        let index = |name: &str| tasks.iter().position(|(n, _, _)| *n == name);
        let mut nodes = Vec::with_capacity(tasks.len());
        for (name, after, retries) in &tasks {
            let mut ids = Vec::with_capacity(after.len());
            for a in *after {
                if a == name {
                    return Err(DagError::SelfDependency {
                        task: name.to_string(),
                    });
                }
                let id = index(a).ok_or_else(|| DagError::UnknownAfter {
                    task: name.to_string(),
                    after: a.clone(),
                })?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            nodes.push(Node {
                name: name.to_string(),
                after: ids,
                retries: *retries,
            });
        }
        if let Some(cycle) = find_cycle(&nodes) {
            return Err(DagError::Cycle(
                cycle.iter().map(|&i| nodes[i].name.clone()).collect(),
            ));
        }
        let order = topological(&nodes);
        Ok(Dag { nodes, order })
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn node(&self, id: TaskId) -> &Node {
        &self.nodes[id]
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn id(&self, name: &str) -> Option<TaskId> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Every task, each after all the tasks it runs after.
    pub fn order(&self) -> &[TaskId] {
        &self.order
    }

    /// Each task's level: 0 for tasks that run after nothing, else one more than the highest
    /// level among its `after` tasks. Tasks of one level can run at the same time.
    pub fn levels(&self) -> Vec<usize> {
        let mut level = vec![0; self.nodes.len()];
        for &id in &self.order {
            level[id] = self.nodes[id]
                .after
                .iter()
                .map(|&a| level[a] + 1)
                .max()
                .unwrap_or(0);
        }
        level
    }

    /// The tasks that run (directly or not) after `id`.
    pub fn descendants(&self, id: TaskId) -> Vec<TaskId> {
        let mut down = vec![false; self.nodes.len()];
        down[id] = true;
        let mut out = Vec::new();
        for &t in &self.order {
            if t != id && self.nodes[t].after.iter().any(|&a| down[a]) {
                down[t] = true;
                out.push(t);
            }
        }
        out
    }
}

/// The first cycle found, as a closed path `a -> b -> a`, or None. Iterative DFS, so a deep
/// graph cannot overflow the stack.
fn find_cycle(nodes: &[Node]) -> Option<Vec<TaskId>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; nodes.len()];
    for root in 0..nodes.len() {
        if mark[root] != Mark::New {
            continue;
        }
        // (node, next `after` edge to follow)
        let mut stack = vec![(root, 0usize)];
        mark[root] = Mark::OnPath;
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            if let Some(&next) = nodes[node].after.get(*edge) {
                *edge += 1;
                match mark[next] {
                    Mark::New => {
                        mark[next] = Mark::OnPath;
                        stack.push((next, 0));
                    }
                    Mark::OnPath => {
                        // The path from `next` down to `node` follows `after` edges, that is
                        // from a task to what it depends on; a reader thinks in run order, so
                        // reverse it: `ingest -> calibrate -> ingest`.
                        let start = stack.iter().position(|&(n, _)| n == next)?;
                        let mut cycle: Vec<TaskId> =
                            stack[start..].iter().map(|&(n, _)| n).collect();
                        cycle.reverse();
                        // Start at the task declared first, so the message is stable.
                        let first = (0..cycle.len()).min_by_key(|&i| cycle[i])?;
                        cycle.rotate_left(first);
                        cycle.push(cycle[0]);
                        return Some(cycle);
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    None
}

/// Kahn's algorithm, always taking the lowest declared index that is ready.
fn topological(nodes: &[Node]) -> Vec<TaskId> {
    let mut waiting: Vec<usize> = nodes.iter().map(|n| n.after.len()).collect();
    let mut dependants = vec![Vec::new(); nodes.len()];
    for (id, n) in nodes.iter().enumerate() {
        for &a in &n.after {
            dependants[a].push(id);
        }
    }
    let mut ready: std::collections::BTreeSet<TaskId> =
        (0..nodes.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(id) = ready.pop_first() {
        order.push(id);
        for &d in &dependants[id] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.insert(d);
            }
        }
    }
    order
}

/// Where a task of a workflow run is. The same states for local and cluster runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskState {
    /// Waiting for the tasks it runs after.
    Blocked,
    /// Free to start; waiting for a slot (`max_parallel`).
    Scheduled,
    Running,
    Completed,
    /// Failed, after its retries (or failed and about to be retried: see `Observed::attempts`).
    Failed,
    /// Never started: a task it runs after failed or was cancelled.
    UpstreamFailed,
    Cancelled,
}

impl TaskState {
    pub const ALL: [TaskState; 7] = [
        TaskState::Blocked,
        TaskState::Scheduled,
        TaskState::Running,
        TaskState::Completed,
        TaskState::Failed,
        TaskState::UpstreamFailed,
        TaskState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Blocked => "BLOCKED",
            TaskState::Scheduled => "SCHEDULED",
            TaskState::Running => "RUNNING",
            TaskState::Completed => "COMPLETED",
            TaskState::Failed => "FAILED",
            TaskState::UpstreamFailed => "UPSTREAM_FAILED",
            TaskState::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        TaskState::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }

    /// Nothing more will happen to the task in this run.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TaskState::Completed
                | TaskState::Failed
                | TaskState::UpstreamFailed
                | TaskState::Cancelled
        )
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an executor observed of one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub state: TaskState,
    /// Attempts started so far in this run (0 before the first).
    pub attempts: u32,
}

impl Observed {
    pub const NEW: Observed = Observed {
        state: TaskState::Blocked,
        attempts: 0,
    };

    /// Failed, with a retry left.
    fn retriable(self, node: &Node) -> bool {
        self.state == TaskState::Failed && self.attempts <= node.retries
    }
}

/// How a workflow run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunOutcome {
    Completed,
    Failed,
    Cancelled,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Completed => "COMPLETED",
            RunOutcome::Failed => "FAILED",
            RunOutcome::Cancelled => "CANCELLED",
        }
    }
}

/// Limits the executor respects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Tasks running at once; None is no limit. 0 is taken as 1.
    pub max_parallel: Option<usize>,
}

/// What happens next: every list is in the DAG's order. Applying a plan and planning again with
/// the new observations is idempotent: a plan never repeats an action whose effect was observed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Start these now (a first attempt, or a retry of a failed one): each is then RUNNING
    /// with one more attempt.
    pub start: Vec<TaskId>,
    /// Free to start but over `max_parallel`: mark SCHEDULED.
    pub schedule: Vec<TaskId>,
    /// Never to start, because a task they run after failed or was cancelled.
    pub upstream_failed: Vec<TaskId>,
    /// The run asked to stop: stop these running tasks (then observe them CANCELLED).
    pub stop: Vec<TaskId>,
    /// Not started and never will be, because the run was cancelled.
    pub cancel: Vec<TaskId>,
    /// Set once nothing is left to do.
    pub finished: Option<RunOutcome>,
}

/// The one decision function. `observed[i]` is task i; `cancelled` says the run was asked to
/// stop. Panics only if `observed` does not have one entry per task (a caller bug).
pub fn plan(dag: &Dag, observed: &[Observed], limits: Limits, cancelled: bool) -> Plan {
    assert_eq!(observed.len(), dag.len(), "one observation per task");
    let mut p = Plan::default();
    // The state each task will have once this plan is applied, so a task whose upstream is
    // marked now is seen as upstream-failed by its own dependants in the same pass.
    let mut state: Vec<TaskState> = observed.iter().map(|o| o.state).collect();

    if cancelled {
        for &id in dag.order() {
            match state[id] {
                TaskState::Running => p.stop.push(id),
                TaskState::Blocked | TaskState::Scheduled => {
                    p.cancel.push(id);
                    state[id] = TaskState::Cancelled;
                }
                // A failed task keeps its verdict: the retry it had left will not happen.
                _ => {}
            }
        }
        if p.stop.is_empty() {
            p.finished = Some(RunOutcome::Cancelled);
        }
        return p;
    }

    let running = state.iter().filter(|s| **s == TaskState::Running).count();
    let mut slots = match limits.max_parallel {
        Some(n) => n.max(1).saturating_sub(running),
        None => usize::MAX,
    };
    for &id in dag.order() {
        let node = dag.node(id);
        let obs = observed[id];
        // Waiting for its first attempt, or failed with a retry left: either way it may
        // start only once everything it runs after has completed.
        let candidate =
            matches!(state[id], TaskState::Blocked | TaskState::Scheduled) || obs.retriable(node);
        if !candidate {
            continue;
        }
        let upstream_bad = node.after.iter().any(|&a| {
            let s = state[a];
            matches!(s, TaskState::UpstreamFailed | TaskState::Cancelled)
                || (s == TaskState::Failed && !observed[a].retriable(dag.node(a)))
        });
        if upstream_bad {
            p.upstream_failed.push(id);
            state[id] = TaskState::UpstreamFailed;
            continue;
        }
        if !node.after.iter().all(|&a| state[a] == TaskState::Completed) {
            continue;
        }
        // Free to start: a first attempt or a retry.
        if slots > 0 {
            slots -= 1;
            p.start.push(id);
            state[id] = TaskState::Running;
        } else if state[id] != TaskState::Scheduled {
            p.schedule.push(id);
            state[id] = TaskState::Scheduled;
        }
    }
    let busy = state
        .iter()
        .zip(observed)
        .zip(dag.nodes())
        .any(|((s, o), n)| {
            matches!(
                s,
                TaskState::Blocked | TaskState::Scheduled | TaskState::Running
            ) || o.retriable(n) && *s == TaskState::Failed
        });
    if !busy {
        p.finished = Some(if state.iter().all(|s| *s == TaskState::Completed) {
            RunOutcome::Completed
        } else {
            RunOutcome::Failed
        });
    }
    p
}

/// The observations a run starts from: nothing has happened yet.
pub fn fresh(dag: &Dag) -> Vec<Observed> {
    vec![Observed::NEW; dag.len()]
}

/// The observations a retry of a finished run starts from: COMPLETED tasks stay; FAILED,
/// UPSTREAM_FAILED and CANCELLED tasks start over (a new attempt each, their retries anew).
pub fn retry_failed(previous: &[Observed]) -> Vec<Observed> {
    previous
        .iter()
        .map(|o| match o.state {
            TaskState::Completed => *o,
            _ => Observed::NEW,
        })
        .collect()
}

/// The run's state, for listings: RUNNING while anything runs or waits, else how it ended.
pub fn run_state(observed: &[Observed], cancelled: bool) -> &'static str {
    if observed.iter().any(|o| !o.state.is_final()) {
        return if cancelled { "CANCELLING" } else { "RUNNING" };
    }
    if cancelled || observed.iter().any(|o| o.state == TaskState::Cancelled) {
        RunOutcome::Cancelled.as_str()
    } else if observed.iter().all(|o| o.state == TaskState::Completed) {
        RunOutcome::Completed.as_str()
    } else {
        RunOutcome::Failed.as_str()
    }
}

#[cfg(test)]
mod tests;
