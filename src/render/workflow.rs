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
use serde_json::json;
use std::collections::BTreeMap;

/// Label keys of workflow objects.
pub fn kind_label() -> String {
    format!("{PREFIX}/kind")
}
pub fn workflow_label() -> String {
    format!("{PREFIX}/workflow")
}
pub fn workflow_run_label() -> String {
    format!("{PREFIX}/workflow-run")
}
pub fn task_label() -> String {
    format!("{PREFIX}/task")
}
/// The value of `etl.dev/kind` on a workflow run's ConfigMap.
pub const WORKFLOW_RUN_KIND: &str = "workflow-run";

/// Everything about a workflow run that is not in etl.yaml.
pub struct WorkflowRunRequest<'a> {
    pub project: &'a Project,
    pub workflow: &'a Workflow,
    pub namespace: &'a str,
    pub image: &'a str,
    pub started_by: &'a str,
    pub window: &'a Window,
    pub attempt: u32,
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
        (format!("{PREFIX}/trigger"), Trigger::Manual.as_str().into()),
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
    let mut dag = Vec::with_capacity(wf.tasks.len());
    for &id in wf.dag.order() {
        let task = &wf.tasks[id];
        let job = &task.job;
        let window = Window {
            start: req.window.start.with_time_zone(job.tz.clone()),
            end: req.window.end.with_time_zone(job.tz.clone()),
        };
        let run = RunInfo {
            name: names::task_run_name(&run_name, &task.name, 1),
            window,
            attempt: 1,
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
        l.insert(workflow_run_label(), run_name.clone());
        l.insert(task_label(), task.name.clone());
        // BLOCKED tasks wait suspended: no pod until the scheduler unsuspends them, one
        // idempotent patch (the way Kueue gates Jobs).
        if !task.after.is_empty()
            && let Some(spec) = k.spec.as_mut()
        {
            spec.suspend = Some(true);
        }
        dag.push(json!({
            "task": task.name,
            "job": job.name,
            "after": task.after,
            "retries": job.retries,
            "run": run.name,
        }));
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
                "dag.json".to_string(),
                serde_json::to_string(&json!({
                    "max_parallel": wf.max_parallel,
                    "tasks": dag,
                }))
                .expect("JSON values serialize"),
            ),
        ])),
        ..ConfigMap::default()
    };
    Ok((config_map, jobs))
}

/// etl's own labels win over a project's `labels`.
fn labels_reserved(key: &str) -> bool {
    key.starts_with(PREFIX) || key == "app.kubernetes.io/managed-by"
}
