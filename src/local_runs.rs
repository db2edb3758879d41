//! The record of runs made on this machine by `etl jobs run`, so a local run is not invisible:
//! one JSON line per state change in `<state dir>/runs.jsonl`. Appending (never rewriting)
//! means a crash loses at most the line being written; the newest line of a run wins.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LocalRun {
    pub run: String,
    pub job: String,
    pub window_start: String,
    pub window_end: String,
    pub trigger: String,
    pub started_by: String,
    pub started_at: jiff::Timestamp,
    /// A `RunState` as a word: Running, Succeeded, Failed or Interrupted (`etl runs --local`
    /// shows a Running run whose etl is gone as Lost).
    pub state: String,
    pub exit_code: Option<i32>,
    pub duration_seconds: Option<f64>,
    /// etl's own process id while Running: if it is gone, the run was lost (laptop closed,
    /// etl killed) and `etl runs --local` says so.
    pub pid: Option<u32>,
    /// `process` or `container`.
    pub mode: String,
}

impl LocalRun {
    /// The first line of a run starting now: Running, with etl's own process id.
    pub fn starting(
        run: &str,
        job: &str,
        window: &crate::window::Window,
        trigger: crate::run::Trigger,
        who: &str,
        mode: &str,
    ) -> LocalRun {
        LocalRun {
            run: run.to_string(),
            job: job.to_string(),
            window_start: crate::window::rfc3339(&window.start),
            window_end: crate::window::rfc3339(&window.end),
            trigger: trigger.as_str().into(),
            started_by: who.to_string(),
            started_at: jiff::Timestamp::now(),
            state: crate::run::RunState::Running.to_string(),
            exit_code: None,
            duration_seconds: None,
            pid: Some(std::process::id()),
            mode: mode.into(),
        }
    }

    /// The run's last line: how it ended, after `seconds` (to a tenth).
    pub fn ended(&mut self, state: crate::run::RunState, exit_code: Option<i32>, seconds: f64) {
        self.state = state.to_string();
        self.exit_code = exit_code;
        self.duration_seconds = Some((seconds * 10.0).round() / 10.0);
        self.pid = None;
    }
}

pub fn append(file: &Path, run: &LocalRun) -> Result<()> {
    append_line(file, run)
}

/// Appends one JSON line to a records file, creating it and its directory: the one way etl's
/// local records (runs, workflow runs) are written.
pub fn append_line<T: Serialize>(file: &Path, record: &T) -> Result<()> {
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut line = serde_json::to_string(record).expect("a record always serializes");
    line.push('\n');
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .map_err(|e| Error::io(file, e))
}

/// A records file's text; empty when there is none yet.
pub fn read_text(file: &Path) -> Result<String> {
    match std::fs::read_to_string(file) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::io(file, e)),
    }
}

/// The runs in a records file, newest state of each, oldest first. Unreadable lines (a crash
/// mid-write) are skipped.
pub fn fold(text: &str) -> Vec<LocalRun> {
    let mut runs: indexmap::IndexMap<(String, jiff::Timestamp), LocalRun> =
        indexmap::IndexMap::new();
    for line in text.lines() {
        if let Ok(r) = serde_json::from_str::<LocalRun>(line) {
            runs.insert((r.run.clone(), r.started_at), r);
        }
    }
    runs.into_values().collect()
}

pub fn read(file: &Path) -> Result<Vec<LocalRun>> {
    Ok(fold(&read_text(file)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(state: &str, at: &str) -> LocalRun {
        LocalRun {
            run: "j-20261122-1d-a1".into(),
            job: "j".into(),
            window_start: "2026-11-22T00:00:00+00:00".into(),
            window_end: "2026-11-23T00:00:00+00:00".into(),
            trigger: "local".into(),
            started_by: "ana".into(),
            started_at: at.parse().unwrap(),
            state: state.into(),
            exit_code: None,
            duration_seconds: None,
            pid: Some(1),
            mode: "process".into(),
        }
    }

    #[test]
    fn the_newest_line_of_a_run_wins_and_torn_lines_are_skipped() {
        let a = serde_json::to_string(&run("Running", "2026-11-23T10:00:00Z")).unwrap();
        let b = serde_json::to_string(&run("Succeeded", "2026-11-23T10:00:00Z")).unwrap();
        let c = serde_json::to_string(&run("Running", "2026-11-23T11:00:00Z")).unwrap();
        let text = format!("{a}\n{b}\n{c}\n{{\"run\": \"torn");
        let runs = fold(&text);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].state, "Succeeded");
        assert_eq!(runs[1].state, "Running");
    }
}
