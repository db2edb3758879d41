//! The scheduler's two other duties, beside driving workflow runs: writing a history record
//! for every run it sees end (so records outlive the Jobs' TTL), and driving backfills (a
//! sliding window of at most `parallel` unfinished runs, oldest window first). Both are
//! level-triggered like the rest: what was recorded is read back from the history ConfigMaps,
//! what a backfill started from the runs labelled with it, so a restart repeats nothing.

use super::{COMPONENT, PassError, Scheduler, log, ok_or_gone};
use crate::cluster::backfill as cb;
use crate::cluster::workflow as cw;
use crate::history::backfill::{self, Backfill, Progress};
use crate::history::{Kind, Record, State, store};
use crate::render::workflow::{WorkflowRunRequest, workflow_run};
use crate::run::names::{self, PREFIX};
use crate::run::workflow as wrun;
use crate::run::{self, RunInfo, Trigger};
use crate::window::Window;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use std::collections::{HashMap, HashSet};

fn label<'a>(
    meta: &'a k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    key: &str,
) -> Option<&'a str> {
    meta.labels.as_ref()?.get(key).map(String::as_str)
}

impl Scheduler {
    /// Writes a record for each ended run that has none (or an outdated one).
    pub(super) async fn record_history(&mut self) -> Result<(), PassError> {
        // What is recorded, by run name, borrowed from the watched ConfigMaps (no copies).
        let history = self.history.state();
        let recorded: HashMap<&str, &str> = history
            .iter()
            .flat_map(|cm| cm.data.iter().flatten())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut records: Vec<Record> = Vec::new();
        let loaded = self.loaded();
        // A record past `retention.records` is not written again (retention removed it).
        let cutoff = loaded
            .project
            .retention
            .records
            .map(|keep| self.now() - keep);
        for job in self.jobs.state() {
            if run::state(&job).is_finished()
                && let Some(mut r) = Record::from_job(&job)
                && cutoff.is_none_or(|c| r.finished.or(r.started).is_none_or(|t| t >= c))
            {
                // The label holds a long name shortened; the record keeps etl.yaml's name, as
                // `etl jobs cancel` writes it.
                if let Some(n) = loaded
                    .project
                    .jobs
                    .keys()
                    .find(|n| names::job_label(n) == r.name)
                {
                    r.name = n.clone();
                }
                records.push(r);
            }
        }
        for cm in self.run_config_maps() {
            let Ok(r) = wrun::read(&cm) else { continue };
            let Some(outcome) = r.outcome else { continue };
            let state = match outcome {
                crate::workflow::RunOutcome::Completed => State::Completed,
                crate::workflow::RunOutcome::Failed => State::Failed,
                crate::workflow::RunOutcome::Cancelled => State::Cancelled,
            };
            if let Some(rec) = Record::from_workflow_run(&r, state) {
                records.push(rec);
            }
        }
        let project = loaded.project.name.clone();
        for r in records {
            let (key, value) = store::entry(&r);
            if recorded.get(key.as_str()) == Some(&value.as_str()) {
                continue;
            }
            self.guard()?;
            crate::cluster::history::write(&self.cluster, &project, &r).await?;
            self.metrics.wrote("history");
            if self.verbose > 0 {
                log(format!("{}: recorded in history ({})", r.run, r.state));
            }
        }
        Ok(())
    }

    /// Starts the next runs of every unfinished backfill, and records each one's end.
    pub(super) async fn drive_backfills(&mut self) -> Result<(), PassError> {
        let config_maps: Vec<ConfigMap> = self
            .backfills
            .state()
            .iter()
            .map(|c| (**c).clone())
            .collect();
        for cm in config_maps {
            let bf = match backfill::read(&cm) {
                Ok(b) => b,
                Err(e) => {
                    if self.verbose > 0 {
                        log(format!("skipping: {e}"));
                    }
                    continue;
                }
            };
            if bf.state.is_some() {
                continue;
            }
            self.drive_backfill(&bf).await?;
        }
        Ok(())
    }

    /// Each window's standing, from the runs labelled with the backfill (any attempt: the
    /// newest counts).
    fn progress(&mut self, bf: &Backfill) -> Vec<Progress> {
        let mut by_start: HashMap<String, (u32, Progress)> = HashMap::new();
        let key = backfill::backfill_label();
        let mut note = |start: Option<&str>, attempt: u32, p: Progress| {
            if let Some(s) = start {
                let e = by_start
                    .entry(s.to_string())
                    .or_insert((0, Progress::Waiting));
                if attempt >= e.0 {
                    *e = (attempt, p);
                }
            }
        };
        match bf.spec.kind {
            Kind::Workflow => {
                for cm in self.run_config_maps() {
                    if label(&cm.metadata, &key) != Some(bf.name.as_str()) {
                        continue;
                    }
                    let Ok(r) = wrun::read(&cm) else { continue };
                    let p = match r.outcome {
                        Some(crate::workflow::RunOutcome::Completed) => Progress::Completed,
                        Some(_) => Progress::Failed,
                        None => Progress::Running,
                    };
                    note(
                        label(&cm.metadata, &format!("{PREFIX}/window-start")),
                        r.attempt,
                        p,
                    );
                }
            }
            _ => {
                for job in self.jobs.state() {
                    if label(&job.metadata, &key) != Some(bf.name.as_str()) {
                        continue;
                    }
                    let s = run::summary(&job);
                    let p = match s.state {
                        run::RunState::Succeeded => Progress::Completed,
                        st if st.is_finished() => Progress::Failed,
                        _ => Progress::Running,
                    };
                    note(
                        label(&job.metadata, &format!("{PREFIX}/window-start")),
                        s.attempt,
                        p,
                    );
                }
            }
        }
        // A run whose objects are gone (its Job's TTL, or `retention.runs`, in a backfill that
        // outlasts them) still counts, from its history record, which names the backfill.
        // Without it the window would run again.
        {
            let of = names::job_label(&bf.spec.target);
            // This runs on every pass: only the values naming the backfill are parsed.
            let named = format!("\"bf\":{}", serde_json::Value::from(bf.name.as_str()));
            for cm in self.history.state() {
                if label(&cm.metadata, &store::history_of_label()) != Some(of.as_str()) {
                    continue;
                }
                let mine = cm.data.iter().flatten().filter(|(_, v)| v.contains(&named));
                for r in mine.filter_map(|(_, v)| serde_json::from_str::<Record>(v).ok()) {
                    if r.kind == Kind::Task || r.backfill.as_deref() != Some(bf.name.as_str()) {
                        continue;
                    }
                    let Some((start, _)) = r.window_instants() else {
                        continue;
                    };
                    let start = start.strftime("%Y%m%dT%H%M%SZ").to_string();
                    if by_start.contains_key(&start) {
                        continue;
                    }
                    let p = match r.state {
                        State::Completed => Progress::Completed,
                        State::Running => Progress::Running,
                        State::Failed | State::Cancelled => Progress::Failed,
                    };
                    by_start.insert(start, (r.attempt, p));
                }
            }
        }
        self.windows_of(bf)
            .iter()
            .map(|w| match w {
                Some(w) => by_start
                    .get(&names::instant_label(&w.start))
                    .map_or(Progress::Waiting, |(_, p)| *p),
                None => Progress::Failed,
            })
            .collect()
    }

    /// The backfill's windows, in the target's time zone (None for one that cannot be read).
    fn windows_of(&self, bf: &Backfill) -> Vec<Option<Window>> {
        let loaded = self.loaded();
        let tz = match bf.spec.kind {
            Kind::Workflow => loaded
                .project
                .workflows
                .get(&bf.spec.target)
                .map(|w| w.tz.clone()),
            _ => loaded
                .project
                .jobs
                .get(&bf.spec.target)
                .map(|j| j.tz.clone()),
        }
        .unwrap_or(jiff::tz::TimeZone::UTC);
        bf.spec
            .windows
            .iter()
            .map(|[s, e]| {
                let s: jiff::Timestamp = s.parse().ok()?;
                let e: jiff::Timestamp = e.parse().ok()?;
                Window::new(s.to_zoned(tz.clone()), e.to_zoned(tz.clone())).ok()
            })
            .collect()
    }

    /// The highest attempt of `job`'s (or workflow's) runs of `w` the cluster holds.
    fn last_attempt(&mut self, bf: &Backfill, w: &Window) -> u32 {
        let (start, end) = (names::instant_label(&w.start), names::instant_label(&w.end));
        let matches = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
                       name_key: &str,
                       name: &str| {
            label(meta, name_key) == Some(name)
                && label(meta, &format!("{PREFIX}/window-start")) == Some(start.as_str())
                && label(meta, &format!("{PREFIX}/window-end")) == Some(end.as_str())
        };
        let attempt = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
            label(meta, &format!("{PREFIX}/attempt"))
                .and_then(|a| a.parse::<u32>().ok())
                .unwrap_or(1)
        };
        match bf.spec.kind {
            Kind::Workflow => self
                .run_config_maps()
                .iter()
                .filter(|c| matches(&c.metadata, &wrun::workflow_label(), &bf.spec.target))
                .map(|c| attempt(&c.metadata))
                .max()
                .unwrap_or(0),
            _ => {
                let job_label = names::job_label(&bf.spec.target);
                self.jobs
                    .state()
                    .iter()
                    .filter(|j| label(&j.metadata, &wrun::workflow_run_label()).is_none())
                    .filter(|j| matches(&j.metadata, &format!("{PREFIX}/job"), &job_label))
                    .map(|j| attempt(&j.metadata))
                    .max()
                    .unwrap_or(0)
            }
        }
    }

    async fn drive_backfill(&mut self, bf: &Backfill) -> Result<(), PassError> {
        let progress = self.progress(bf);
        let cancelled = bf.cancelled_by.is_some();
        if let Some(end) = backfill::outcome(&progress, cancelled) {
            self.guard()?;
            ok_or_gone(cb::finish(&self.cluster, &bf.name, end, self.now()).await)?;
            self.metrics.wrote("backfill_end");
            log(format!(
                "backfill {}: {end} ({})",
                bf.name,
                backfill::progress_line(&progress)
            ));
            return Ok(());
        }
        // Scheduled runs never wait for a backfill's slots (they are fired before backfills in
        // each pass and do not count against `parallel`): fresh data goes first.
        let start = backfill::to_start(&bf.spec, &progress, false, cancelled);
        if start.is_empty() {
            return Ok(());
        }
        let windows = self.windows_of(bf);
        let loaded = self.loaded();
        let started_by = bf.started_by.clone().unwrap_or_else(|| COMPONENT.into());
        let mut started = HashSet::new();
        for i in start {
            let Some(w) = windows[i].clone() else {
                continue;
            };
            let attempt = self.last_attempt(bf, &w) + 1;
            self.guard()?;
            let created = match bf.spec.kind {
                Kind::Workflow => {
                    let Some(wf) = loaded.project.workflows.get(&bf.spec.target) else {
                        log(format!(
                            "backfill {}: workflow {} is not in the project",
                            bf.name, bf.spec.target
                        ));
                        return Ok(());
                    };
                    let req = WorkflowRunRequest {
                        project: &loaded.project,
                        workflow: wf,
                        namespace: &self.cluster.namespace,
                        image: &loaded.image,
                        started_by: &started_by,
                        window: &w,
                        attempt,
                        trigger: Trigger::Backfill,
                    };
                    let (mut cm, jobs) = match workflow_run(&loaded.templates, &req) {
                        Ok(r) => r,
                        Err(e) => {
                            log(format!("backfill {}: {e}", bf.name));
                            return Ok(());
                        }
                    };
                    cm.metadata
                        .labels
                        .get_or_insert_with(Default::default)
                        .insert(backfill::backfill_label(), bf.name.clone());
                    match cw::create_run(&self.cluster, &loaded.project.name, &cm, &jobs).await {
                        Ok(c) => {
                            self.run_writes.insert(
                                c.config_map.metadata.name.clone().unwrap_or_default(),
                                std::sync::Arc::new(c.config_map.clone()),
                            );
                            c.config_map.metadata.name.unwrap_or_default()
                        }
                        Err(e) => {
                            log(format!("backfill {}: {e}", bf.name));
                            return Ok(());
                        }
                    }
                }
                _ => {
                    let Some(job) = loaded.project.jobs.get(&bf.spec.target) else {
                        log(format!(
                            "backfill {}: job {} is not in the project",
                            bf.name, bf.spec.target
                        ));
                        return Ok(());
                    };
                    let w = Window {
                        start: w.start.with_time_zone(job.tz.clone()),
                        end: w.end.with_time_zone(job.tz.clone()),
                    };
                    let info = RunInfo::new(job, w, attempt, Trigger::Backfill);
                    let req = crate::render::RunRequest {
                        project: &loaded.project,
                        job,
                        namespace: &self.cluster.namespace,
                        image: &loaded.image,
                        started_by: &started_by,
                    };
                    let mut k: Job = match crate::render::run_job(&loaded.templates, &req, &info) {
                        Ok(k) => k,
                        Err(e) => {
                            log(format!("backfill {}: {e}", bf.name));
                            return Ok(());
                        }
                    };
                    k.metadata
                        .labels
                        .get_or_insert_with(Default::default)
                        .insert(backfill::backfill_label(), bf.name.clone());
                    if let Some(j) = cb::create_job_run(&self.cluster, &k).await? {
                        self.job_writes
                            .insert(info.name.clone(), std::sync::Arc::new(j));
                    }
                    info.name
                }
            };
            self.metrics.wrote("backfill_start");
            log(format!(
                "backfill {}: started {created} for {}",
                bf.name,
                windows[i]
                    .as_ref()
                    .map(|w| w.to_string())
                    .unwrap_or_default()
            ));
            started.insert(i);
        }
        Ok(())
    }
}
