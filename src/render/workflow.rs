//! A workflow run as the cluster holds it (ARCHITECTURE §2): one ConfigMap for the run
//! (labelled `etl.dev/kind=workflow-run`, holding the DAG it was started with) and one Job per
//! task, rendered exactly as `etl jobs schedule` renders a run of the task's job, plus the
//! workflow's labels, and suspended while BLOCKED. Pure.

use super::{RenderError, RunInfo, RunRequest, Templates, Trigger, names, run_job};
use crate::project::{Project, Workflow};
use crate::window::{Window, rfc3339};
use k8s_openapi::api::batch::v1::Job as KubeJob;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use names::PREFIX;
use std::collections::BTreeMap;

use crate::run::workflow::{DAG_KEY, DagSnapshot, TaskEntry};
pub use crate::run::workflow::{
    WORKFLOW_RUN_KIND, kind_label, task_label, workflow_label, workflow_run_label,
};

/// Everything about a workflow run that is not in etl.yaml.
pub struct WorkflowRunRequest<'a> {
    pub project: &'a Project,
    pub workflow: &'a Workflow,
    pub namespace: &'a str,
    pub image: &'a str,
    pub started_by: &'a str,
    pub window: &'a Window,
    pub attempt: u32,
    /// Manual (`etl workflows schedule`) or Cron (fired by the scheduler).
    pub trigger: Trigger,
}

/// The run's ConfigMap and its tasks' Jobs, in the DAG's order. The Jobs carry no
/// ownerReference yet: it needs the ConfigMap's uid, which only the API server gives.
pub fn workflow_run(
    templates: &Templates,
    req: &WorkflowRunRequest,
) -> Result<(ConfigMap, Vec<KubeJob>), RenderError> {
    let wf = req.workflow;
    let run_name = names::run_name(&wf.name, req.window, req.attempt);
    let mut labels = BTreeMap::from([
        (
            "app.kubernetes.io/managed-by".to_string(),
            "etl".to_string(),
        ),
        (format!("{PREFIX}/project"), req.project.name.clone()),
        (kind_label(), WORKFLOW_RUN_KIND.to_string()),
        (workflow_label(), wf.name.clone()),
        (format!("{PREFIX}/trigger"), req.trigger.as_str().into()),
        (format!("{PREFIX}/attempt"), req.attempt.to_string()),
        (
            format!("{PREFIX}/window-start"),
            names::instant_label(&req.window.start),
        ),
        (
            format!("{PREFIX}/window-end"),
            names::instant_label(&req.window.end),
        ),
    ]);
    let annotations = BTreeMap::from([
        (format!("{PREFIX}/window-start"), rfc3339(&req.window.start)),
        (format!("{PREFIX}/window-end"), rfc3339(&req.window.end)),
        (format!("{PREFIX}/timezone"), wf.timezone.clone()),
        (format!("{PREFIX}/started-by"), req.started_by.to_string()),
    ]);

    let mut jobs = Vec::with_capacity(wf.tasks.len());
    let mut tasks = Vec::with_capacity(wf.tasks.len());
    for &id in wf.dag.order() {
        let task = &wf.tasks[id];
        let k = task_job(
            templates,
            req,
            &run_name,
            &task.name,
            1,
            !task.after.is_empty(),
        )?;
        tasks.push(TaskEntry {
            task: task.name.clone(),
            job: task.job.name.clone(),
            after: task.after.clone(),
            retries: task.job.retries,
            run: k.metadata.name.clone().unwrap_or_default(),
            attempt: 1,
        });
        jobs.push(k);
    }
    labels.extend(
        req.project
            .defaults
            .labels
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| !labels_reserved(k)),
    );
    let config_map = ConfigMap {
        metadata: ObjectMeta {
            name: Some(run_name),
            namespace: Some(req.namespace.to_string()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([
            ("workflow".to_string(), wf.name.clone()),
            (
                DAG_KEY.to_string(),
                DagSnapshot {
                    max_parallel: wf.max_parallel,
                    tasks,
                }
                .to_json(),
            ),
        ])),
        ..ConfigMap::default()
    };
    Ok((config_map, jobs))
}

/// The Job of one attempt of one task of the workflow run `run_name`: rendered exactly as
/// `etl jobs schedule` renders a run of the task's job, plus the workflow's labels, and
/// `suspended` while it waits for the tasks it runs after.
pub fn task_job(
    templates: &Templates,
    req: &WorkflowRunRequest,
    run_name: &str,
    task_name: &str,
    attempt: u32,
    suspended: bool,
) -> Result<KubeJob, RenderError> {
    let wf = req.workflow;
    let task = wf
        .task(task_name)
        .expect("the caller names a task of the workflow");
    let job = &task.job;
    let window = Window {
        start: req.window.start.with_time_zone(job.tz.clone()),
        end: req.window.end.with_time_zone(job.tz.clone()),
    };
    let run = RunInfo {
        name: names::task_run_name(run_name, &task.name, attempt),
        window,
        attempt,
        trigger: Trigger::Workflow,
    };
    let run_req = RunRequest {
        project: req.project,
        job,
        namespace: req.namespace,
        image: req.image,
        started_by: req.started_by,
    };
    let mut k = run_job(templates, &run_req, &run)?;
    let l = k.metadata.labels.get_or_insert_with(BTreeMap::new);
    l.insert(workflow_label(), wf.name.clone());
    l.insert(workflow_run_label(), run_name.to_string());
    l.insert(task_label(), task.name.clone());
    // Waiting tasks are suspended: no pod until the scheduler unsuspends them, one
    // idempotent patch (the way Kueue gates Jobs). A task with nothing to wait for starts at
    // once, so a run goes ahead even before a scheduler sees it.
    if suspended && let Some(spec) = k.spec.as_mut() {
        spec.suspend = Some(true);
    }
    Ok(k)
}

/// etl's own labels win over a project's `labels`.
fn labels_reserved(key: &str) -> bool {
    key.starts_with(PREFIX) || key == "app.kubernetes.io/managed-by"
}

/// The Jobs of some tasks of an existing run, at the attempts its snapshot records: for a
/// run whose creation was cut short, or a retry. Suspended: the scheduler starts each once
/// the tasks it runs after have completed. Fails if the run's window cannot be read or a task
/// is no longer in the workflow.
pub fn task_jobs_of(
    templates: &Templates,
    project: &Project,
    workflow: &Workflow,
    namespace: &str,
    image: &str,
    run: &crate::run::workflow::WorkflowRun,
    tasks: &[&TaskEntry],
) -> Result<Vec<KubeJob>, RenderError> {
    let parse = |s: &Option<String>| -> Option<jiff::Zoned> {
        let t: jiff::Timestamp = s.as_deref()?.parse().ok()?;
        Some(t.to_zoned(workflow.tz.clone()))
    };
    let unreadable = || {
        RenderError::Stale(format!(
            "workflow run {}: its window annotations are unreadable",
            run.name
        ))
    };
    let window = Window::new(
        parse(&run.window_start).ok_or_else(unreadable)?,
        parse(&run.window_end).ok_or_else(unreadable)?,
    )
    .map_err(|_| unreadable())?;
    let trigger = if run.trigger == Trigger::Cron.as_str() {
        Trigger::Cron
    } else {
        Trigger::Manual
    };
    let req = WorkflowRunRequest {
        project,
        workflow,
        namespace,
        image,
        started_by: run.started_by.as_deref().unwrap_or("etl"),
        window: &window,
        attempt: run.attempt,
        trigger,
    };
    tasks
        .iter()
        .map(|t| {
            if workflow.task(&t.task).is_none() {
                return Err(RenderError::Stale(format!(
                    "workflow run {}: task {} is no longer in workflow {}",
                    run.name, t.task, workflow.name
                )));
            }
            task_job(templates, &req, &run.name, &t.task, t.attempt, true)
        })
        .collect()
}
