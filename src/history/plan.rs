//! What a backfill would run: each window of the range against the history of its job or
//! workflow, and the one-line summary etl prints before asking. Pure.

use super::{Kind, Record, State};
use crate::window::Window;
use jiff::Timestamp;
use std::collections::HashMap;

/// Which windows of the range a backfill runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Only {
    /// Windows that never completed (the default): never run, or only failed or cancelled.
    #[default]
    Missing,
    /// Windows whose last attempt failed or was cancelled.
    Failed,
    /// Every window.
    All,
}

impl Only {
    pub fn as_str(self) -> &'static str {
        match self {
            Only::Missing => "missing",
            Only::Failed => "failed",
            Only::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Only> {
        [Only::Missing, Only::Failed, Only::All]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// A window's standing in history: its last attempt's state, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// No run at all.
    Missing,
    /// The last attempt completed.
    Completed,
    /// The last attempt failed or was cancelled; `ever_completed` when an earlier one did.
    Failed { ever_completed: bool },
    /// The last attempt has not ended: it is never started again.
    Running,
}

/// One window of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub window: Window,
    pub standing: Standing,
    /// The attempt a new run would be: one more than the window's highest so far.
    pub attempt: u32,
    /// Whether the backfill runs it.
    pub selected: bool,
}

/// Every window of the range, oldest first, each with whether it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackfillPlan {
    pub windows: Vec<Planned>,
    pub only: Only,
}

/// The newest record per window (by instants, so offsets may differ), and whether any record
/// of the window completed, for records of `kind` and `name`.
pub struct ByWindow<'a> {
    last: HashMap<(Timestamp, Timestamp), (&'a Record, bool)>,
}

impl<'a> ByWindow<'a> {
    pub fn new(records: &'a [Record], kind: Kind, name: &str) -> ByWindow<'a> {
        ByWindow::of(records.iter().filter(|r| r.kind == kind && r.name == name))
    }

    /// The index of records already known to be of one job or workflow.
    pub fn of(records: impl IntoIterator<Item = &'a Record>) -> ByWindow<'a> {
        let mut last: HashMap<(Timestamp, Timestamp), (&Record, bool)> = HashMap::new();
        for r in records {
            let Some(key) = r.window_instants() else {
                continue;
            };
            let done = r.state == State::Completed;
            last.entry(key)
                .and_modify(|(old, completed)| {
                    *completed |= done;
                    if r.newer_than(old) {
                        *old = r;
                    }
                })
                .or_insert((r, done));
        }
        ByWindow { last }
    }

    /// The window's last attempt and whether any attempt completed.
    pub fn get(&self, w: &Window) -> Option<(&'a Record, bool)> {
        self.last
            .get(&(w.start.timestamp(), w.end.timestamp()))
            .copied()
    }
}

/// Each window's standing and whether `only` selects it. A running window is never selected.
pub fn select(windows: Vec<Window>, index: &ByWindow, only: Only) -> BackfillPlan {
    let windows = windows
        .into_iter()
        .map(|window| {
            let (standing, attempt) = match index.get(&window) {
                None => (Standing::Missing, 1),
                Some((last, ever_completed)) => (
                    match last.state {
                        State::Completed => Standing::Completed,
                        State::Running => Standing::Running,
                        State::Failed | State::Cancelled => Standing::Failed { ever_completed },
                    },
                    last.attempt + 1,
                ),
            };
            let selected = match (only, standing) {
                (_, Standing::Running) => false,
                (Only::All, _) => true,
                (Only::Missing, Standing::Missing) => true,
                (Only::Missing, Standing::Failed { ever_completed }) => !ever_completed,
                (Only::Failed, Standing::Failed { .. }) => true,
                _ => false,
            };
            Planned {
                window,
                standing,
                attempt,
                selected,
            }
        })
        .collect();
    BackfillPlan { windows, only }
}

impl BackfillPlan {
    pub fn selected(&self) -> impl Iterator<Item = &Planned> {
        self.windows.iter().filter(|p| p.selected)
    }

    /// "31 windows: 25 completed (skipped), 4 failed, 2 missing → 6 runs, 3 at a time".
    pub fn summary(&self, parallel: u32) -> String {
        let mut parts = Vec::new();
        type Is = fn(&Standing) -> bool;
        let groups: [(&str, Is); 4] = [
            ("completed", |s| *s == Standing::Completed),
            ("failed", |s| matches!(s, Standing::Failed { .. })),
            ("missing", |s| *s == Standing::Missing),
            ("running", |s| *s == Standing::Running),
        ];
        for (word, is) in groups {
            let all = self.windows.iter().filter(|p| is(&p.standing)).count();
            let runs = self
                .windows
                .iter()
                .filter(|p| is(&p.standing) && p.selected)
                .count();
            if all == 0 {
                continue;
            }
            parts.push(match (runs, word) {
                (0, "running") => format!("{all} running (left alone)"),
                (0, _) => format!("{all} {word} (skipped)"),
                (r, _) if r == all => format!("{all} {word}"),
                (r, _) => format!("{all} {word} ({r} to run again)"),
            });
        }
        let n = self.windows.len();
        let runs = self.selected().count();
        format!(
            "{n} window{}: {} → {runs} run{}, {} at a time",
            if n == 1 { "" } else { "s" },
            if parts.is_empty() {
                "none".to_string()
            } else {
                parts.join(", ")
            },
            if runs == 1 { "" } else { "s" },
            parallel.min(runs.max(1) as u32)
        )
    }
}
