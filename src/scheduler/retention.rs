//! The scheduler's retention duty (etl.yaml's `retention:`): history records older than
//! `records` are removed from their ConfigMaps (a ConfigMap left empty is deleted), and
//! finished workflow runs and backfills older than `runs` are deleted — a workflow run's
//! ConfigMap with its task Jobs (they are its dependents), as Kubernetes' TTL deletes a
//! finished Job. Once an hour, and after each start: it reads only the watched objects, and
//! every write is idempotent (a removed key, a deleted object), so a crash repeats nothing
//! that matters.

use super::{PassError, Scheduler, log, ok_or_gone};
use crate::cluster::backfill as cb;
use crate::cluster::history as ch;
use crate::cluster::workflow as cw;
use crate::history::Record;
use crate::run::workflow as wrun;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::ConfigMap;
use std::time::{Duration, Instant};

/// How often retention runs: records and runs expire by the day, an hour late is on time.
const EVERY: Duration = Duration::from_secs(3600);

/// When a record's run ended (or, not known, started; or its window ended).
fn ended(r: &Record) -> Option<Timestamp> {
    r.finished
        .or(r.started)
        .or_else(|| r.window_instants().map(|(_, e)| e))
}

/// The records of a history ConfigMap that ended before `cutoff`, by key. A value that is
/// not a record is left alone (it is not etl's to judge).
pub fn expired_records(cm: &ConfigMap, cutoff: Timestamp) -> Vec<&str> {
    cm.data
        .iter()
        .flatten()
        .filter(|(_, v)| {
            serde_json::from_str::<Record>(v)
                .ok()
                .and_then(|r| ended(&r))
                .is_some_and(|t| t < cutoff)
        })
        .map(|(k, _)| k.as_str())
        .collect()
}

/// Whether an object that ended at `finished` (its `etl.dev/finished-at`) is past `keep`.
pub fn run_expired(finished: Option<Timestamp>, now: Timestamp, keep: SignedDuration) -> bool {
    finished.is_some_and(|f| now.duration_since(f) > keep)
}

fn finished_at(cm: &ConfigMap) -> Option<Timestamp> {
    cm.metadata
        .annotations
        .as_ref()?
        .get(&wrun::finished_at_annotation())?
        .parse()
        .ok()
}

impl Scheduler {
    pub(super) async fn expire(&mut self) -> Result<(), PassError> {
        if self.expired_at.is_some_and(|t| t.elapsed() < EVERY) {
            return Ok(());
        }
        let now = self.now();
        let retention = self.loaded().project.retention.clone();

        if let Some(keep) = retention.records {
            let cutoff = now - keep;
            for cm in self.history.state() {
                let gone = expired_records(&cm, cutoff);
                if gone.is_empty() {
                    continue;
                }
                let name = cm.metadata.name.clone().unwrap_or_default();
                self.guard()?;
                if gone.len() == cm.data.as_ref().map_or(0, |d| d.len()) {
                    // Only the version read: a record written meanwhile (a backfill of an old
                    // window) keeps the ConfigMap — the delete fails with 409 and the next
                    // round removes keys instead.
                    if ok_or_gone(ch::delete_as_read(&self.cluster, &cm).await)? == Some(false) {
                        continue;
                    }
                    self.metrics.wrote("history_expire");
                    log(format!(
                        "{name}: deleted, its {} records ended over {} ago",
                        gone.len(),
                        crate::project::in_words(keep)
                    ));
                } else {
                    ok_or_gone(
                        ch::remove_records(&self.cluster, &name, gone.iter().copied()).await,
                    )?;
                    self.metrics.wrote("history_expire");
                    log(format!(
                        "{name}: {} records that ended over {} ago removed",
                        gone.len(),
                        crate::project::in_words(keep)
                    ));
                }
            }
        }

        // Finished workflow runs and backfills, as their Jobs' TTL would: the ConfigMap goes,
        // and with it (Background propagation) the workflow run's task Jobs.
        let (runs, backfills) = (self.run_config_maps(), self.backfills.state());
        let finished: Vec<(String, &'static str)> = runs
            .iter()
            .chain(backfills.iter())
            .filter(|cm| run_expired(finished_at(cm), now, retention.runs))
            .filter_map(|cm| {
                let kind = match cm
                    .metadata
                    .labels
                    .as_ref()?
                    .get(&wrun::kind_label())?
                    .as_str()
                {
                    k if k == crate::history::backfill::BACKFILL_KIND => "backfill",
                    _ => "workflow run",
                };
                Some((cm.metadata.name.clone()?, kind))
            })
            .collect();
        for (name, kind) in finished {
            self.guard()?;
            let deleted = match kind {
                "backfill" => cb::delete(&self.cluster, &name).await,
                _ => cw::delete_run(&self.cluster, &name).await,
            };
            ok_or_gone(deleted)?;
            // Our own earlier writes of the run and its tasks would outlive it in the overlays.
            self.run_writes.remove(&name);
            let tasks = format!("{name}-");
            self.job_writes.retain(|j, _| !j.starts_with(&tasks));
            self.metrics.wrote("run_expire");
            log(format!(
                "{kind} {name}: deleted, it ended over {} ago (retention.runs)",
                retention.runs_text()
            ));
        }
        self.expired_at = Some(Instant::now());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Kind, State, store};

    fn record(run: &str, finished: &str) -> Record {
        Record {
            run: run.into(),
            kind: Kind::Job,
            name: "j".into(),
            workflow_run: None,
            window_start: "2024-01-01T00:00:00+00:00".into(),
            window_end: "2024-01-02T00:00:00+00:00".into(),
            state: State::Completed,
            attempt: 1,
            trigger: "cron".into(),
            started_by: None,
            cancelled_by: None,
            started: None,
            finished: Some(finished.parse().unwrap()),
            exit_code: Some(0),
            backfill: None,
        }
    }

    #[test]
    fn records_expire_by_when_their_run_ended() {
        let old = record("j-20240101-1d-a1", "2024-01-02T00:05:00Z");
        let new = record("j-20240101-1d-a2", "2026-11-01T00:05:00Z");
        let mut cm = store::config_map("p", "ns", &old);
        let (k, v) = store::entry(&new);
        let data = cm.data.as_mut().unwrap();
        data.insert(k, v);
        data.insert("edited-by-hand".into(), "not a record".into());
        let cutoff: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(expired_records(&cm, cutoff), vec!["j-20240101-1d-a1"]);
    }

    #[test]
    fn runs_expire_after_keep_once_finished() {
        let now: Timestamp = "2026-11-30T00:00:00Z".parse().unwrap();
        let keep = SignedDuration::from_hours(14 * 24);
        let at = |s: &str| Some(s.parse::<Timestamp>().unwrap());
        assert!(run_expired(at("2026-11-15T00:00:00Z"), now, keep));
        assert!(!run_expired(at("2026-11-17T00:00:00Z"), now, keep));
        // Not finished: never.
        assert!(!run_expired(None, now, keep));
    }
}
