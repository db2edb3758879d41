//! What a backfill would run: each window of the range against the history of its job or
//! workflow, and the one-line summary etl prints before asking. Pure.

use super::{Kind, Record, State};
use crate::window::Window;
use foldhash::HashMap;
use jiff::Timestamp;

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

/// What history says of one window: its last attempt, and whether any attempt completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Last {
    /// The last attempt's run.
    pub run: String,
    pub state: State,
    pub attempt: u32,
    /// Whether any attempt of the window completed.
    pub ever_completed: bool,
    started: Option<Timestamp>,
}

impl Last {
    /// The window's standing, as a backfill plan and the calendar read it.
    pub fn standing(&self) -> Standing {
        match self.state {
            State::Completed => Standing::Completed,
            State::Running => Standing::Running,
            State::Failed | State::Cancelled => Standing::Failed {
                ever_completed: self.ever_completed,
            },
        }
    }
}

/// Disjoint spans of time, oldest first, with touching spans joined.
#[derive(Debug, Default)]
struct Spans(Vec<(Timestamp, Timestamp)>);

impl Spans {
    fn of(mut spans: Vec<(Timestamp, Timestamp)>) -> Spans {
        spans.sort_unstable();
        let mut out: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(spans.len());
        for (s, e) in spans {
            match out.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        Spans(out)
    }

    /// The span holding `s`, if any.
    fn at(&self, s: Timestamp) -> Option<(Timestamp, Timestamp)> {
        let i = self.0.partition_point(|(start, _)| *start <= s);
        i.checked_sub(1).map(|i| self.0[i]).filter(|(_, e)| *e > s)
    }

    fn covers(&self, s: Timestamp, e: Timestamp) -> bool {
        self.at(s).is_some_and(|(_, end)| end >= e)
    }

    fn overlaps(&self, s: Timestamp, e: Timestamp) -> bool {
        // The first span ending after `s` overlaps when it starts before `e`.
        let i = self.0.partition_point(|(_, end)| *end <= s);
        self.0.get(i).is_some_and(|(start, _)| *start < e)
    }
}

/// The last attempt of each window of one job or workflow (windows by their instants, so
/// offsets may differ). A window asked for that no run had exactly — a backfill with
/// `--step 1w` over a daily job, or a day of a job that ran weekly — is read from the runs
/// that cover it: completed when completed runs cover all of it, else running or failed when
/// such a run overlaps it.
#[derive(Debug, Default)]
pub struct ByWindow {
    last: HashMap<(Timestamp, Timestamp), Last>,
    spans: std::cell::OnceCell<[Spans; 3]>,
}

impl ByWindow {
    pub fn new(records: &[Record], kind: Kind, name: &str) -> ByWindow {
        ByWindow::of(records.iter().filter(|r| r.kind == kind && r.name == name))
    }

    /// The index of records already known to be of one job or workflow.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a Record>) -> ByWindow {
        let mut index = ByWindow::default();
        for r in records {
            index.add(r);
        }
        index
    }

    /// Adds one record. Of two for the same window the newer wins: a later attempt, then a
    /// finished state over a running one, then the later start.
    pub fn add(&mut self, r: &Record) {
        let Some(key) = r.window_instants() else {
            return;
        };
        self.spans.take();
        let done = r.state == State::Completed;
        let newer = |old: &Last| {
            (r.attempt, r.state.is_finished(), r.started)
                > (old.attempt, old.state.is_finished(), old.started)
        };
        match self.last.get_mut(&key) {
            Some(old) => {
                let ever = old.ever_completed || done;
                if newer(old) {
                    old.run.clone_from(&r.run);
                    old.state = r.state;
                    old.attempt = r.attempt;
                    old.started = r.started;
                }
                old.ever_completed = ever;
            }
            None => {
                self.last.insert(
                    key,
                    Last {
                        run: r.run.clone(),
                        state: r.state,
                        attempt: r.attempt,
                        ever_completed: done,
                        started: r.started,
                    },
                );
            }
        }
    }

    /// The window's last attempt, when a run had exactly this window.
    pub fn get(&self, w: &Window) -> Option<&Last> {
        self.last.get(&(w.start.timestamp(), w.end.timestamp()))
    }

    /// The window's standing: its own last attempt's, or else what the runs covering it say.
    pub fn standing(&self, w: &Window) -> Standing {
        if let Some(last) = self.get(w) {
            return last.standing();
        }
        let [completed, running, failed] = self.spans.get_or_init(|| {
            let of = |keep: fn(&Last) -> bool| {
                Spans::of(
                    self.last
                        .iter()
                        .filter(|(_, l)| keep(l))
                        .map(|(k, _)| *k)
                        .collect(),
                )
            };
            [
                of(|l| l.ever_completed),
                of(|l| l.state == State::Running),
                of(|l| matches!(l.state, State::Failed | State::Cancelled)),
            ]
        });
        let (s, e) = (w.start.timestamp(), w.end.timestamp());
        if completed.covers(s, e) {
            Standing::Completed
        } else if running.overlaps(s, e) {
            Standing::Running
        } else if failed.overlaps(s, e) {
            Standing::Failed {
                ever_completed: false,
            }
        } else {
            Standing::Missing
        }
    }
}

/// [`ByWindow`] for every job and workflow, filled a record at a time (as a list's pages
/// arrive), so the calendar never holds the records themselves.
#[derive(Debug, Default)]
pub struct ByTarget(HashMap<String, Vec<(Kind, ByWindow)>>);

impl ByTarget {
    pub fn of<'a>(records: impl IntoIterator<Item = &'a Record>) -> ByTarget {
        let mut index = ByTarget::default();
        for r in records {
            index.add(r);
        }
        index
    }

    pub fn add(&mut self, r: &Record) {
        // Keyed by name (looked up by reference: a name is copied once per target, not per
        // record), then by kind: a job's row and its tasks' records are apart.
        let kinds = match self.0.get_mut(r.name.as_str()) {
            Some(k) => k,
            None => self.0.entry(r.name.clone()).or_default(),
        };
        match kinds.iter_mut().find(|(k, _)| *k == r.kind) {
            Some((_, w)) => w.add(r),
            None => {
                let mut w = ByWindow::default();
                w.add(r);
                kinds.push((r.kind, w));
            }
        }
    }

    pub fn get(&self, kind: Kind, name: &str) -> Option<&ByWindow> {
        self.0
            .get(name)?
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, w)| w)
    }
}

/// Each window's standing and whether `only` selects it. A running window is never selected.
pub fn select(windows: Vec<Window>, index: &ByWindow, only: Only) -> BackfillPlan {
    let windows = windows
        .into_iter()
        .map(|window| {
            // A window no run had exactly (`--step`) starts at attempt 1: its run's name,
            // which holds the window's length, is new.
            let attempt = index.get(&window).map_or(1, |l| l.attempt + 1);
            let standing = index.standing(&window);
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
