//! A backfill in the cluster: one ConfigMap labelled `etl.dev/kind=backfill`, named from its
//! arguments so the same command finds the same object (409 = it exists), holding
//! `backfill.json` — the target, the windows selected when it was created (fixed from then on),
//! the parallelism and the selection. The scheduler reads the same struct and starts each
//! window's run (named as `etl jobs schedule` / `etl workflows schedule` would name it,
//! labelled `etl.dev/backfill=<name>`, trigger `backfill`), at most `parallel` unfinished at
//! once, scheduled runs first. Pure: building, reading and deciding; `commands::backfill` and
//! the scheduler do the I/O.

use super::Kind;
use super::plan::Only;
use crate::render::names::{self, MAX_LABEL, PREFIX};
use crate::window::Window;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The value of `etl.dev/kind` on a backfill's ConfigMap.
pub const BACKFILL_KIND: &str = "backfill";
/// The data key holding the [`Spec`].
pub const SPEC_KEY: &str = "backfill.json";

/// The label a backfill's runs carry: the backfill's name.
pub fn backfill_label() -> String {
    crate::run::backfill_label()
}
pub fn cancelled_by_annotation() -> String {
    crate::run::cancelled_by_annotation()
}
pub fn cancelled_at_annotation() -> String {
    crate::run::cancelled_at_annotation()
}
pub fn started_by_annotation() -> String {
    format!("{PREFIX}/started-by")
}
pub fn created_at_annotation() -> String {
    format!("{PREFIX}/created-at")
}

/// What a backfill runs: `backfill.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    /// `job` or `workflow`.
    pub kind: Kind,
    pub target: String,
    /// The selected windows, RFC 3339 with offsets, oldest first.
    pub windows: Vec<[String; 2]>,
    /// Runs unfinished at once, at most.
    pub parallel: u32,
    pub only: Only,
}

impl Spec {
    pub fn new(kind: Kind, target: &str, windows: &[Window], parallel: u32, only: Only) -> Spec {
        Spec {
            kind,
            target: target.to_string(),
            windows: windows
                .iter()
                .map(|w| {
                    [
                        crate::window::rfc3339(&w.start),
                        crate::window::rfc3339(&w.end),
                    ]
                })
                .collect(),
            parallel: parallel.max(1),
            only,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a backfill spec serializes")
    }
}

/// A backfill's name: `<target>-backfill-<start>-<end>-<only>[-<step>]` (local dates, with
/// the time when a bound is not midnight), with a hash when too long, from the range as given,
/// so the same command run again finds the object the first one made.
pub fn name(target: &str, range: &Window, only: Only, step: Option<&str>) -> String {
    let at = |t: &jiff::Zoned| {
        if t.hour() == 0 && t.minute() == 0 && t.second() == 0 {
            t.strftime("%Y%m%d").to_string()
        } else {
            t.strftime("%Y%m%dt%H%M%S").to_string()
        }
    };
    let step: String = step
        .map(|s| {
            let s: String = s
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            format!("-{s}")
        })
        .unwrap_or_default();
    names::fit(
        &format!(
            "{target}-backfill-{}-{}-{}{step}",
            at(&range.start),
            at(&range.end),
            only.as_str()
        ),
        MAX_LABEL,
    )
}

/// The `generation`th backfill of the same arguments: the name itself, then `<name>-2`, …
/// (a backfill that ended is not reused: the same command then makes the next one).
pub fn generation_name(name: &str, generation: u32) -> String {
    if generation <= 1 {
        name.to_string()
    } else {
        names::fit(&format!("{name}-{generation}"), MAX_LABEL)
    }
}

/// Why a ConfigMap is not a readable backfill.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("backfill {name}: {why}")]
pub struct BadBackfill {
    pub name: String,
    pub why: String,
}

/// A backfill as read from its ConfigMap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backfill {
    pub name: String,
    pub spec: Spec,
    pub started_by: Option<String>,
    pub created_at: Option<String>,
    pub cancelled_by: Option<String>,
    /// COMPLETED, FAILED or CANCELLED once the scheduler saw it end (label `etl.dev/state`).
    pub state: Option<String>,
}

/// The ConfigMap of a new backfill.
pub fn config_map(
    project: &str,
    namespace: &str,
    name: &str,
    spec: &Spec,
    started_by: &str,
    created_at: jiff::Timestamp,
) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(namespace.to_string()),
            labels: Some(BTreeMap::from([
                (
                    "app.kubernetes.io/managed-by".to_string(),
                    "etl".to_string(),
                ),
                (format!("{PREFIX}/project"), project.to_string()),
                (
                    crate::run::workflow::kind_label(),
                    BACKFILL_KIND.to_string(),
                ),
                (
                    match spec.kind {
                        Kind::Workflow => crate::run::workflow::workflow_label(),
                        _ => format!("{PREFIX}/job"),
                    },
                    names::job_label(&spec.target),
                ),
            ])),
            annotations: Some(BTreeMap::from([
                (started_by_annotation(), started_by.to_string()),
                (created_at_annotation(), created_at.to_string()),
            ])),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([(SPEC_KEY.to_string(), spec.to_json())])),
        ..ConfigMap::default()
    }
}

pub fn read(cm: &ConfigMap) -> Result<Backfill, BadBackfill> {
    let name = cm.metadata.name.clone().unwrap_or_default();
    let bad = |why: String| BadBackfill {
        name: name.clone(),
        why,
    };
    let text = cm
        .data
        .as_ref()
        .and_then(|d| d.get(SPEC_KEY))
        .ok_or_else(|| bad(format!("no {SPEC_KEY}")))?;
    let spec: Spec = serde_json::from_str(text).map_err(|e| bad(format!("{SPEC_KEY}: {e}")))?;
    let ann = |k: String| {
        cm.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(&k))
            .cloned()
    };
    Ok(Backfill {
        spec,
        started_by: ann(started_by_annotation()),
        created_at: ann(created_at_annotation()),
        cancelled_by: ann(cancelled_by_annotation()),
        state: cm
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(&crate::run::workflow::state_label()))
            .cloned(),
        name,
    })
}

/// How each window of a backfill stands, from the runs labelled with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// No run yet.
    Waiting,
    Running,
    Completed,
    /// Failed or cancelled.
    Failed,
}

/// Which windows (indices into `spec.windows`) to start now: oldest first, so that at most
/// `parallel` runs are unfinished; none while `scheduled_waiting` (a scheduled run waits for
/// a slot: fresh runs go first) or once the backfill is cancelled.
pub fn to_start(
    spec: &Spec,
    progress: &[Progress],
    scheduled_waiting: bool,
    cancelled: bool,
) -> Vec<usize> {
    if scheduled_waiting || cancelled {
        return Vec::new();
    }
    let running = progress.iter().filter(|p| **p == Progress::Running).count();
    let free = (spec.parallel.max(1) as usize).saturating_sub(running);
    progress
        .iter()
        .enumerate()
        .filter(|(_, p)| **p == Progress::Waiting)
        .map(|(i, _)| i)
        .take(free)
        .collect()
}

/// The backfill's end, once every window's run ended: COMPLETED when all completed, FAILED
/// otherwise, CANCELLED when cancelled and nothing runs any more. None while it goes on.
pub fn outcome(progress: &[Progress], cancelled: bool) -> Option<&'static str> {
    let running = progress.contains(&Progress::Running);
    if running {
        return None;
    }
    if cancelled {
        return Some("CANCELLED");
    }
    if progress.contains(&Progress::Waiting) {
        return None;
    }
    Some(if progress.iter().all(|p| *p == Progress::Completed) {
        "COMPLETED"
    } else {
        "FAILED"
    })
}

/// "12/31 done, 1 failed, 3 running, 15 waiting": a backfill's progress in one line.
pub fn progress_line(progress: &[Progress]) -> String {
    let count = |p: Progress| progress.iter().filter(|x| **x == p).count();
    format!(
        "{}/{} done, {} failed, {} running, {} waiting",
        count(Progress::Completed),
        progress.len(),
        count(Progress::Failed),
        count(Progress::Running),
        count(Progress::Waiting)
    )
}
