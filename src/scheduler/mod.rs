//! `etl scheduler`: drives a project's workflow runs in the cluster (ARCHITECTURE §3).
//!
//! Level-triggered and stateless: it watches the runs' ConfigMaps and their tasks' Jobs
//! (kube-runtime reflectors, no polling), and on every change it asks the pure `plan` what to
//! do for each unfinished run, given only what the cluster holds, and carries that out with
//! idempotent writes (a merge patch, or a create whose 409 means "already done"). Killed at
//! any instruction and started again, it rebuilds everything from the cluster. One replica
//! acts at a time (`lease`). It also fires workflow schedules, working out what was fired from
//! the runs that exist. I/O.

mod extra;
pub mod fire;
pub mod lease;
pub mod metrics;
mod retention;

use crate::cluster::workflow::{self as cw, runs_selector};
use crate::cluster::{Cluster, status_code};
use crate::project::Project;
use crate::render::workflow::{WorkflowRunRequest, workflow_run};
use crate::render::{Templates, Trigger};
use crate::run::names::{self, PREFIX};
use crate::run::workflow::{self as wrun, TaskEntry, WorkflowRun};
use crate::window::Window;
use crate::workflow::{Limits, RunOutcome, TaskState};
use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use lease::Leadership;
use metrics::{Metrics, StateLabel};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What the scheduler runs from: the project, its templates and the job image.
pub struct Loaded {
    pub project: Project,
    pub templates: Templates,
    pub image: String,
}

/// Reads the project from the ConfigMap `etl deploy` writes (etl.yaml, the project's own
/// templates by file name, and the resolved job image).
pub fn load_config_map(cm: &ConfigMap) -> Result<Loaded, String> {
    let name = cm.metadata.name.clone().unwrap_or_default();
    let files = crate::render::scheduler::project_files(cm)?;
    let file = std::path::PathBuf::from(format!("etl.yaml (configmap/{name})"));
    let project = crate::project::parse(&file, &files.etl_yaml).map_err(|e| e.to_string())?;
    let mut templates = Templates::embedded();
    for (t, _) in crate::render::EMBEDDED {
        if let Some((_, text)) = files.templates.iter().find(|(k, _)| k == t) {
            templates.set(t, format!("templates/{t} (configmap/{name})"), text.clone());
        }
    }
    Ok(Loaded {
        project,
        templates,
        image: files.image,
    })
}

pub use crate::render::scheduler::scheduler_name;

/// The reporting component of the scheduler's Events and log lines.
pub const COMPONENT: &str = "etl-scheduler";

pub struct Settings {
    pub listen: Option<SocketAddr>,
    pub lease_duration: Duration,
    pub identity: String,
    pub verbose: u8,
    /// `ETL_NOW`: a fixed "now" for firing schedules (tests); the Lease always uses real time.
    pub now: Option<Timestamp>,
    /// Read the project from this ConfigMap, and again whenever it changes.
    pub project_config_map: Option<String>,
}

fn log(msg: impl AsRef<str>) {
    eprintln!(
        "{} {}",
        Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
        msg.as_ref()
    );
}

/// A resourceVersion as a number, to tell which of two copies of an object is newer. Opaque
/// by the API's contract, but etcd's are increasing integers; anything else compares as 0,
/// which makes the watched copy win.
fn rv(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> u64 {
    meta.resource_version
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

struct Scheduler {
    cluster: Cluster,
    loaded: Arc<RwLock<Arc<Loaded>>>,
    lead: Arc<Leadership>,
    runs: Store<ConfigMap>,
    /// Every Job of the project (workflow tasks, one-off, cron and backfill runs), slimmed.
    jobs: Store<Job>,
    history: Store<ConfigMap>,
    backfills: Store<ConfigMap>,
    /// Objects as our own writes returned them, until the watch delivers that version: without
    /// them a pass right after a start would still see the task suspended and start another
    /// past `max_parallel`.
    job_writes: HashMap<String, Arc<Job>>,
    run_writes: HashMap<String, Arc<ConfigMap>>,
    /// Runs seen with task Jobs missing, and since when (a CLI may still be creating them).
    missing_since: HashMap<String, Instant>,
    /// When retention last ran (`retention.rs`): once an hour.
    expired_at: Option<Instant>,
    metrics: Arc<Metrics>,
    verbose: u8,
    now: Option<Timestamp>,
}

/// The leader went away mid-pass: stop writing.
struct NotLeader;

enum PassError {
    NotLeader,
    Api(kube::Error),
}

impl From<NotLeader> for PassError {
    fn from(_: NotLeader) -> Self {
        PassError::NotLeader
    }
}
impl From<kube::Error> for PassError {
    fn from(e: kube::Error) -> Self {
        PassError::Api(e)
    }
}

impl Scheduler {
    fn loaded(&self) -> Arc<Loaded> {
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(Timestamp::now)
    }

    fn guard(&self) -> Result<(), NotLeader> {
        if self.lead.is_leader() {
            Ok(())
        } else {
            Err(NotLeader)
        }
    }

    /// A task's Job: the watched copy, or our own write's answer while it is newer.
    fn job(&mut self, name: &str) -> Option<Arc<Job>> {
        let watched = self
            .jobs
            .get(&ObjectRef::new(name).within(&self.cluster.namespace));
        match (self.job_writes.get(name), watched) {
            (Some(w), Some(s)) if rv(&w.metadata) > rv(&s.metadata) => Some(w.clone()),
            (Some(w), None) => Some(w.clone()),
            (_, s) => {
                self.job_writes.remove(name);
                s
            }
        }
    }

    /// Every workflow run's ConfigMap, shared with the store (no copies), our own newer
    /// writes in place of the watched ones.
    fn run_config_maps(&mut self) -> Vec<Arc<ConfigMap>> {
        let mut out = Vec::new();
        for cm in self.runs.state() {
            let name = cm.metadata.name.as_deref().unwrap_or_default();
            match self.run_writes.get(name) {
                Some(w) if rv(&w.metadata) > rv(&cm.metadata) => out.push(w.clone()),
                _ => {
                    self.run_writes.remove(name);
                    out.push(cm);
                }
            }
        }
        out
    }

    async fn event(&self, run: &WorkflowRun, kind: &str, reason: &str, message: &str) {
        cw::record_event(
            &self.cluster,
            &run.name,
            run.uid.as_deref(),
            kind,
            reason,
            message,
            COMPONENT,
        )
        .await;
    }

    /// One pass over every unfinished run.
    async fn pass(&mut self) -> Result<(), PassError> {
        let mut counts: BTreeMap<&'static str, i64> = BTreeMap::new();
        for cm in self.run_config_maps() {
            let run = match wrun::read(&cm) {
                Ok(r) => r,
                Err(e) => {
                    if self.verbose > 0 {
                        log(format!("skipping: {e}"));
                    }
                    continue;
                }
            };
            let state = self.drive(&run).await?;
            *counts.entry(state).or_default() += 1;
        }
        for state in ["RUNNING", "CANCELLING", "COMPLETED", "FAILED", "CANCELLED"] {
            self.metrics
                .runs
                .get_or_create(&StateLabel {
                    state: state.into(),
                })
                .set(counts.get(state).copied().unwrap_or(0));
        }
        Ok(())
    }

    /// Moves one run forward; returns its state.
    async fn drive(&mut self, run: &WorkflowRun) -> Result<&'static str, PassError> {
        if let Some(o) = run.outcome {
            return Ok(o.as_str());
        }
        let dag = match run.snapshot.dag() {
            Ok(d) => d,
            Err(e) => {
                log(format!(
                    "{}: cannot drive it, its DAG is broken: {e}",
                    run.name
                ));
                return Ok("FAILED");
            }
        };
        let mut jobs: HashMap<String, Arc<Job>> = HashMap::new();
        let mut missing: Vec<&TaskEntry> = Vec::new();
        for t in &run.snapshot.tasks {
            match self.job(&t.run) {
                Some(j) => {
                    jobs.insert(t.run.clone(), j);
                }
                None => missing.push(t),
            }
        }
        if !missing.is_empty() && run.cancelled_by.is_none() {
            self.create_missing(run, &missing).await?;
            return Ok("RUNNING");
        }
        self.missing_since.remove(&run.name);
        let refs: HashMap<&str, &Job> = jobs.iter().map(|(k, v)| (k.as_str(), &**v)).collect();
        let observed = wrun::observe(run, &refs);
        let cancelled = run.cancelled_by.is_some();
        let plan = crate::workflow::plan(
            &dag,
            &observed,
            Limits {
                max_parallel: run.snapshot.max_parallel,
            },
            cancelled,
        );
        let task = |id: usize| &run.snapshot.tasks[id];
        for &id in &plan.upstream_failed {
            self.guard()?;
            let t = task(id);
            if let Some(j) =
                ok_or_gone(cw::mark_task(&self.cluster, &t.run, TaskState::UpstreamFailed).await)?
            {
                self.job_writes.insert(t.run.clone(), Arc::new(j));
            }
            self.metrics.wrote("upstream_failed");
            log(format!(
                "{}: task {} will not run: a task it runs after failed",
                run.name, t.task
            ));
            self.event(
                run,
                "Warning",
                "UpstreamFailed",
                &format!("task {} will not run: a task it runs after failed", t.task),
            )
            .await;
        }
        for &id in &plan.schedule {
            self.guard()?;
            let t = task(id);
            if let Some(j) =
                ok_or_gone(cw::mark_task(&self.cluster, &t.run, TaskState::Scheduled).await)?
            {
                self.job_writes.insert(t.run.clone(), Arc::new(j));
            }
            self.metrics.wrote("schedule");
            if self.verbose > 0 {
                log(format!(
                    "{}: task {} waits for a slot (max_parallel)",
                    run.name, t.task
                ));
            }
        }
        for &id in &plan.start {
            self.guard()?;
            let t = task(id);
            if let Some(j) = ok_or_gone(cw::start_task(&self.cluster, &t.run).await)? {
                self.job_writes.insert(t.run.clone(), Arc::new(j));
            }
            self.metrics.wrote("start");
            let upstream_done = dag
                .node(id)
                .after
                .iter()
                .filter_map(|&a| jobs.get(&task(a).run).and_then(|j| wrun::completed_at(j)))
                .max();
            if let Some(done) = upstream_done {
                let secs = (Timestamp::now() - done)
                    .total(jiff::Unit::Second)
                    .unwrap_or(0.0);
                self.metrics.dispatch.observe(secs.max(0.0));
            }
            log(format!("{}: started task {} ({})", run.name, t.task, t.run));
            self.event(
                run,
                "Normal",
                "TaskStarted",
                &format!("started task {} (Job {})", t.task, t.run),
            )
            .await;
        }
        let who = run.cancelled_by.clone().unwrap_or_else(|| COMPONENT.into());
        for &id in plan.stop.iter().chain(&plan.cancel) {
            self.guard()?;
            let t = task(id);
            if let Some(j) =
                ok_or_gone(cw::cancel_task(&self.cluster, &t.run, &who, self.now()).await)?
            {
                self.job_writes.insert(t.run.clone(), Arc::new(j));
            }
            self.metrics.wrote("cancel");
            log(format!("{}: cancelled task {}", run.name, t.task));
        }
        if let Some(outcome) = plan.finished {
            self.guard()?;
            if let Some(cm) =
                ok_or_gone(cw::finish_run(&self.cluster, &run.name, outcome, self.now()).await)?
            {
                self.run_writes.insert(run.name.clone(), Arc::new(cm));
            }
            self.metrics.wrote("finish");
            log(format!("{}: {}", run.name, outcome.as_str()));
            let kind = if outcome == RunOutcome::Completed {
                "Normal"
            } else {
                "Warning"
            };
            self.event(
                run,
                kind,
                "RunFinished",
                &format!("the run ended: {}", outcome.as_str()),
            )
            .await;
            return Ok(outcome.as_str());
        }
        Ok(wrun::run_state(run, &observed))
    }

    /// Creates the task Jobs a run lacks — an `etl workflows schedule` (or this scheduler)
    /// killed between creating the run and its last task — from the project, as that command
    /// would have. A run someone else is creating gets a grace period first.
    async fn create_missing(
        &mut self,
        run: &WorkflowRun,
        missing: &[&TaskEntry],
    ) -> Result<(), PassError> {
        let first = *self
            .missing_since
            .entry(run.name.clone())
            .or_insert_with(Instant::now);
        let ours = run.trigger == Trigger::Cron.as_str();
        if !ours && first.elapsed() < Duration::from_secs(20) {
            return Ok(());
        }
        let loaded = self.loaded();
        let Some(wf) = loaded.project.workflows.get(&run.workflow) else {
            log(format!(
                "{}: tasks {} have no Job, and workflow {} is not in the project: run `etl workflows schedule` again",
                run.name,
                missing
                    .iter()
                    .map(|t| t.task.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                run.workflow
            ));
            return Ok(());
        };
        let rendered = match crate::render::workflow::task_jobs_of(
            &loaded.templates,
            &loaded.project,
            wf,
            &self.cluster.namespace,
            &loaded.image,
            run,
            missing,
        ) {
            Ok(r) => r,
            Err(e) => {
                log(format!(
                    "{}: cannot create its missing task Jobs: {e}",
                    run.name
                ));
                return Ok(());
            }
        };
        self.guard()?;
        match cw::create_jobs(
            &self.cluster,
            &loaded.project.name,
            cw::run_owner(run),
            &rendered,
        )
        .await
        {
            Ok(n) => {
                self.metrics.wrote("create_task");
                log(format!("{}: created {n} missing task Job(s)", run.name));
            }
            Err(e) => log(format!("{}: {e}", run.name)),
        }
        Ok(())
    }

    /// Fires every workflow schedule that is due; returns when the next one is.
    async fn fire_schedules(&mut self) -> Result<Option<Timestamp>, PassError> {
        let loaded = self.loaded();
        let now = self.now();
        let mut next: Option<Timestamp> = None;
        for wf in loaded.project.workflows.values() {
            let Some(schedule) = &wf.schedule else {
                continue;
            };
            self.guard()?;
            let since = self.lead.since(&self.cluster, &wf.name, now).await?;
            for at in fire::due(schedule, &wf.tz, since, now, wf.catchup) {
                let Some(window) = fire::window_for(wf.window, &at) else {
                    continue;
                };
                if self.has_run(&wf.name, &window) {
                    continue;
                }
                self.guard()?;
                let req = WorkflowRunRequest {
                    project: &loaded.project,
                    workflow: wf,
                    namespace: &self.cluster.namespace,
                    image: &loaded.image,
                    started_by: COMPONENT,
                    window: &window,
                    attempt: 1,
                    trigger: Trigger::Cron,
                };
                let (cm, jobs) = match workflow_run(&loaded.templates, &req) {
                    Ok(r) => r,
                    Err(e) => {
                        log(format!("workflow {}: cannot render its run: {e}", wf.name));
                        break;
                    }
                };
                match cw::create_run(&self.cluster, &loaded.project.name, &cm, &jobs).await {
                    Ok(created) => {
                        self.metrics.wrote("fire");
                        let name = created.config_map.metadata.name.clone().unwrap_or_default();
                        log(format!(
                            "{name}: fired by schedule `{schedule}` at {} for window {window}",
                            at.timestamp()
                        ));
                        if let Ok(run) = wrun::read(&created.config_map) {
                            self.event(
                                &run,
                                "Normal",
                                "Fired",
                                &format!("fired by schedule `{schedule}` at {}", at.timestamp()),
                            )
                            .await;
                        }
                        self.run_writes.insert(name, Arc::new(created.config_map));
                    }
                    Err(e) => log(format!("workflow {}: {e}", wf.name)),
                }
            }
            if let Some(t) = fire::next(schedule, &wf.tz, now) {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        Ok(next)
    }

    /// Whether any run (any attempt, any trigger) of `workflow` covers `window`: one still
    /// in the cluster, or one whose record is in history (its ConfigMap was deleted after
    /// `retention.runs`; a first attempt's record exists for every window that ran).
    fn has_run(&mut self, workflow: &str, window: &Window) -> bool {
        let (start, end) = (
            names::instant_label(&window.start),
            names::instant_label(&window.end),
        );
        let exists = self.run_config_maps().iter().any(|cm| {
            let l = cm.metadata.labels.as_ref();
            let get = |k: &str| l.and_then(|l| l.get(k)).map(String::as_str);
            get(&wrun::workflow_label()) == Some(workflow)
                && get(&format!("{PREFIX}/window-start")) == Some(start.as_str())
                && get(&format!("{PREFIX}/window-end")) == Some(end.as_str())
        });
        exists || {
            let project = self.loaded().project.name.clone();
            let cm = crate::history::store::config_map_name_for(&project, workflow, window);
            let first = names::run_name(workflow, window, 1);
            self.history
                .get(&ObjectRef::new(&cm).within(&self.cluster.namespace))
                .is_some_and(|cm| cm.data.as_ref().is_some_and(|d| d.contains_key(&first)))
        }
    }
}

/// A write's answer, with 404 (the object is gone: nothing left to move) as None.
fn ok_or_gone<T>(r: Result<T, kube::Error>) -> Result<Option<T>, kube::Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if status_code(&e) == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Drops the parts of an object the scheduler never reads.
trait Slim {
    fn slim(&mut self);
}
impl Slim for Job {
    fn slim(&mut self) {
        self.metadata.managed_fields = None;
        if let Some(spec) = self.spec.as_mut() {
            spec.template = Default::default();
        }
    }
}
impl Slim for ConfigMap {
    fn slim(&mut self) {
        self.metadata.managed_fields = None;
    }
}
fn slim<K: Slim>(k: &mut K) {
    k.slim();
}

/// Feeds a watch into its store; every change wakes the main loop.
async fn follow_stream<K>(
    api: kube::Api<K>,
    selector: String,
    writer: reflector::store::Writer<K>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    verbose: u8,
) where
    K: kube::Resource
        + Slim
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + Send
        + Sync
        + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone,
{
    // What the scheduler never reads (managed fields; a Job's pod template, most of its bytes)
    // is dropped before the store keeps the object.
    let stream = watcher(api, watcher::Config::default().labels(&selector))
        .default_backoff()
        .modify(slim);
    let stream = reflector(writer, stream).touched_objects();
    futures::pin_mut!(stream);
    while let Some(item) = stream.next().await {
        match item {
            Ok(_) => wake.notify_one(),
            Err(e) => {
                metrics.api_errors.inc();
                if verbose > 0 {
                    log(format!("watch: {e}; watching again"));
                }
            }
        }
    }
}

use kube::runtime::reflector::reflector;

/// Runs the scheduler until SIGTERM or Ctrl-C: then it finishes the step it is in, gives up
/// the Lease and returns.
pub async fn run_scheduler(
    cluster: Cluster,
    initial: Loaded,
    settings: Settings,
) -> Result<(), crate::error::Error> {
    let project_name = initial.project.name.clone();
    let metrics = Arc::new(Metrics::new());
    let wake = Arc::new(Notify::new());
    let loaded = Arc::new(RwLock::new(Arc::new(initial)));

    if let Some(addr) = settings.listen {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            crate::error::Error::environment(
                format!("--listen {addr}: {e}"),
                Some("pick another address or port".into()),
            )
        })?;
        let bound = listener
            .local_addr()
            .map_err(|e| crate::error::Error::io("socket", e))?;
        // The one line on stdout, so a caller that asked for port 0 learns the port.
        println!("listening on http://{bound}");
        let m = metrics.clone();
        let app = axum::Router::new()
            .route("/healthz", axum::routing::get(|| async { "ok\n" }))
            .route(
                "/metrics",
                axum::routing::get(move || {
                    let m = m.clone();
                    async move { ([("content-type", "text/plain; version=0.0.4")], m.text()) }
                }),
            );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }

    let ns = cluster.namespace.clone();
    let (runs, runs_writer) = reflector::store::<ConfigMap>();
    let (jobs, jobs_writer) = reflector::store::<Job>();
    tokio::spawn(follow_stream(
        cw::config_maps(&cluster),
        runs_selector(&project_name, None),
        runs_writer,
        wake.clone(),
        metrics.clone(),
        settings.verbose,
    ));
    tokio::spawn(follow_stream(
        cw::jobs(&cluster),
        format!("{PREFIX}/project={project_name}"),
        jobs_writer,
        wake.clone(),
        metrics.clone(),
        settings.verbose,
    ));
    let (history, history_writer) = reflector::store::<ConfigMap>();
    tokio::spawn(follow_stream(
        cw::config_maps(&cluster),
        crate::history::store::selector(&project_name),
        history_writer,
        wake.clone(),
        metrics.clone(),
        settings.verbose,
    ));
    let (backfills, backfills_writer) = reflector::store::<ConfigMap>();
    tokio::spawn(follow_stream(
        cw::config_maps(&cluster),
        format!(
            "{PREFIX}/project={project_name},{}={}",
            wrun::kind_label(),
            crate::history::backfill::BACKFILL_KIND
        ),
        backfills_writer,
        wake.clone(),
        metrics.clone(),
        settings.verbose,
    ));
    if let Some(name) = settings.project_config_map.clone() {
        tokio::spawn(reload_project(
            cluster.clone(),
            name,
            loaded.clone(),
            wake.clone(),
        ));
    }

    let lead = Arc::new(Leadership::new(
        scheduler_name(&project_name),
        settings.identity.clone(),
        settings.lease_duration,
    ));
    {
        let (lead, cluster, wake, metrics) =
            (lead.clone(), cluster.clone(), wake.clone(), metrics.clone());
        tokio::spawn(async move {
            loop {
                let was = lead.is_leader();
                match lead.step(&cluster).await {
                    Ok(now) => {
                        if now && !was {
                            log(format!(
                                "leading (Lease {}, as {})",
                                lead.name, lead.identity
                            ));
                            wake.notify_one();
                        } else if !now && was {
                            log(format!("no longer leading (Lease {})", lead.name));
                        }
                        metrics.leader.set(i64::from(now));
                    }
                    Err(e) => {
                        metrics.api_errors.inc();
                        log(format!("Lease {}: {e}", lead.name));
                    }
                }
                let every = if lead.is_leader() {
                    lead.duration / 3
                } else {
                    lead.duration / 4
                };
                tokio::time::sleep(every).await;
            }
        });
    }

    log(format!(
        "etl scheduler {} for project {project_name} in namespace {ns}, as {}",
        env!("CARGO_PKG_VERSION"),
        settings.identity
    ));
    let mut sched = Scheduler {
        cluster: cluster.clone(),
        loaded,
        lead: lead.clone(),
        runs,
        jobs,
        history,
        backfills,
        job_writes: HashMap::new(),
        run_writes: HashMap::new(),
        missing_since: HashMap::new(),
        expired_at: None,
        metrics,
        verbose: settings.verbose,
        now: settings.now,
    };
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| crate::error::Error::io("signal handler", e))?;
    let ready = async {
        let _ = sched.runs.wait_until_ready().await;
        let _ = sched.jobs.wait_until_ready().await;
        let _ = sched.history.wait_until_ready().await;
        let _ = sched.backfills.wait_until_ready().await;
    };
    tokio::select! {
        _ = ready => {}
        _ = term.recv() => { lead.release(&cluster).await; return Ok(()) }
        _ = tokio::signal::ctrl_c() => { lead.release(&cluster).await; return Ok(()) }
    }
    // Between passes it sleeps until something changes, the next schedule is due, or a
    // minute passed (a safety net that reads only memory).
    let mut sleep_for = Duration::from_secs(60);
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(sleep_for) => {}
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
        if !lead.is_leader() {
            continue;
        }
        // Scheduled runs are fired before backfills start theirs: fresh data goes first.
        let result = async {
            sched.pass().await?;
            let next = sched.fire_schedules().await?;
            sched.drive_backfills().await?;
            sched.record_history().await?;
            sched.expire().await?;
            Ok::<_, PassError>(next)
        }
        .await;
        sched.metrics.passes.inc();
        sleep_for = Duration::from_secs(60);
        match result {
            Ok(Some(next)) => {
                if sched.now.is_none() {
                    let secs = (next - Timestamp::now())
                        .total(jiff::Unit::Second)
                        .unwrap_or(60.0);
                    sleep_for = sleep_for.min(Duration::from_secs_f64(secs.clamp(0.05, 60.0)));
                }
            }
            Ok(None) => {}
            Err(PassError::NotLeader) => log("stopped mid-pass: no longer leading"),
            Err(PassError::Api(e)) => {
                sched.metrics.api_errors.inc();
                log(format!("{e}; trying again"));
                // The cluster is struggling: go again soon, without hammering it.
                sleep_for = Duration::from_secs(1);
            }
        }
    }
    log("stopping: giving up the Lease");
    lead.release(&cluster).await;
    Ok(())
}

/// Watches the project's ConfigMap and swaps in each new version that parses, so a
/// redeploy changes schedules without a restart.
async fn reload_project(
    cluster: Cluster,
    name: String,
    loaded: Arc<RwLock<Arc<Loaded>>>,
    wake: Arc<Notify>,
) {
    let api = cw::config_maps(&cluster);
    let stream = watcher(
        api,
        watcher::Config::default().fields(&format!("metadata.name={name}")),
    )
    .default_backoff()
    .applied_objects();
    futures::pin_mut!(stream);
    while let Some(item) = stream.next().await {
        let Ok(cm) = item else { continue };
        match load_config_map(&cm) {
            Ok(l) => {
                *loaded.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(l);
                wake.notify_one();
            }
            Err(e) => log(format!(
                "ConfigMap {name}: {e}; keeping the previous project"
            )),
        }
    }
}
