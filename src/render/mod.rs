//! Rendering: etl.yaml's job + a window → json-e templates → typed Kubernetes objects. Pure:
//! template texts, secret values, the image and who starts the run are all arguments.

pub mod diff;
pub mod scheduler;
pub mod workflow;

use crate::project::{Job, Project};
pub use crate::run::names;
pub use crate::run::{RunInfo, Trigger};
use crate::window::{Window, rfc3339};
use indexmap::IndexMap;
use k8s_openapi::api::batch::v1::{CronJob, Job as KubeJob};
use k8s_openapi::api::core::v1::{PodTemplateSpec, Secret};
use names::PREFIX;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::fmt;

/// The default templates, embedded in the binary; `etl init` writes them into `templates/`.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("pod.yaml", include_str!("../../templates/pod.yaml")),
    ("job.yaml", include_str!("../../templates/job.yaml")),
    ("cronjob.yaml", include_str!("../../templates/cronjob.yaml")),
    ("secret.yaml", include_str!("../../templates/secret.yaml")),
    (
        "cron-window.sh",
        include_str!("../../templates/cron-window.sh"),
    ),
    (
        "scheduler.yaml",
        include_str!("../../templates/scheduler.yaml"),
    ),
];

/// One template's text and where it came from, for error messages. The text is parsed once,
/// on first use, however many manifests are rendered from it (`etl render --cron`, backfills).
#[derive(Clone, Debug)]
pub struct Template {
    pub source: String,
    pub text: String,
    /// From the project's `templates/`, not built into etl.
    own: bool,
    parsed: std::sync::OnceLock<Result<Value, RenderError>>,
}

impl Template {
    fn new(source: String, text: String) -> Template {
        Template {
            source,
            text,
            own: false,
            parsed: std::sync::OnceLock::new(),
        }
    }
}

/// The template set a project renders with: its own `templates/` files over the embedded ones.
#[derive(Clone, Debug)]
pub struct Templates {
    files: IndexMap<&'static str, Template>,
}

impl Templates {
    pub fn embedded() -> Templates {
        Templates {
            files: EMBEDDED
                .iter()
                .map(|(name, text)| {
                    (
                        *name,
                        Template::new(
                            format!("templates/{name} (built into etl)"),
                            text.to_string(),
                        ),
                    )
                })
                .collect(),
        }
    }

    /// Replaces the embedded `name` with a project's own file. Unknown names are ignored by
    /// the caller, which only asks for the names in [`EMBEDDED`].
    pub fn set(&mut self, name: &'static str, source: String, text: String) {
        let mut t = Template::new(source, text);
        t.own = true;
        self.files.insert(name, t);
    }

    /// The files the project's `templates/` replaces, by name, with their text: what the
    /// in-cluster scheduler needs besides etl.yaml to render as this machine does.
    pub fn own(&self) -> Vec<(&'static str, &str)> {
        self.files
            .iter()
            .filter(|(_, t)| t.own)
            .map(|(name, t)| (*name, t.text.as_str()))
            .collect()
    }

    fn get(&self, name: &str) -> &Template {
        self.files
            .get(name)
            .expect("every embedded template is present")
    }
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error("{template}{}: the template is not valid YAML: {message}", position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Yaml {
        template: String,
        position: Option<(u64, u64)>,
        message: String,
    },
    #[error("{template}: json-e could not render it: {message}")]
    JsonE { template: String, message: String },
    #[error("{template}: the rendered {kind} is invalid at `{path}`: {message}")]
    Invalid {
        template: String,
        kind: &'static str,
        path: String,
        message: String,
    },
    #[error("{template}: the rendered {kind} has a field Kubernetes does not know: `{path}`")]
    UnknownField {
        template: String,
        kind: &'static str,
        path: String,
    },
    /// A workflow run's record does not fit the project any more.
    #[error("{0}")]
    Stale(String),
}

/// Everything about a run that is not in etl.yaml.
#[derive(Clone, Debug)]
pub struct RunRequest<'a> {
    pub project: &'a Project,
    /// The job, after `--set` and `--config`.
    pub job: &'a Job,
    pub namespace: &'a str,
    pub image: &'a str,
    /// Who asked for the run (`$USER`), recorded on the objects.
    pub started_by: &'a str,
}

/// The env var every run gets, in order: etl's own first, then the job's, then its secrets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnvVar {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(rename = "valueFrom", skip_serializing_if = "Option::is_none")]
    pub value_from: Option<Value>,
}

impl EnvVar {
    fn plain(name: &str, value: impl Into<String>) -> EnvVar {
        EnvVar {
            name: name.to_string(),
            value: Some(value.into()),
            value_from: None,
        }
    }
}

fn config_json(job: &Job) -> String {
    serde_json::to_string(&job.config).expect("a JSON map always serializes")
}

fn common_labels(project: &Project, job: &Job, trigger: Trigger) -> IndexMap<String, String> {
    let mut labels: IndexMap<String, String> = job.labels.clone();
    labels.insert("app.kubernetes.io/managed-by".into(), "etl".into());
    labels.insert(format!("{PREFIX}/project"), project.name.clone());
    labels.insert(format!("{PREFIX}/job"), names::job_label(&job.name));
    labels.insert(format!("{PREFIX}/trigger"), trigger.as_str().into());
    labels
}

fn secret_env(req: &RunRequest) -> Vec<EnvVar> {
    let mut env = Vec::new();
    for secret in &req.job.secrets {
        let spec = &req.project.secrets[secret];
        for key in &spec.keys {
            env.push(EnvVar {
                name: key.clone(),
                value: None,
                value_from: Some(json!({"secretKeyRef": {
                    "name": names::secret_name(&req.project.name, secret),
                    "key": key,
                }})),
            });
        }
    }
    env
}

fn user_env(job: &Job) -> Vec<EnvVar> {
    job.env
        .iter()
        .map(|(k, v)| EnvVar::plain(k, v.clone()))
        .collect()
}

/// The container's env for one run: `ETL_*`, then the job's env, then its secrets (as
/// `secretKeyRef`s: values never appear in a manifest).
pub fn run_env(req: &RunRequest, run: &RunInfo) -> Vec<EnvVar> {
    let mut env = vec![
        EnvVar::plain("ETL_JOB", req.job.name.clone()),
        EnvVar::plain("ETL_WINDOW_START", rfc3339(&run.window.start)),
        EnvVar::plain("ETL_WINDOW_END", rfc3339(&run.window.end)),
        EnvVar::plain("ETL_CONFIG", config_json(req.job)),
        EnvVar::plain("ETL_RUN_ID", run.name.clone()),
        EnvVar::plain("ETL_TRIGGER", run.trigger.as_str()),
        EnvVar::plain("ETL_TIMEZONE", req.job.timezone.clone()),
    ];
    env.extend(user_env(req.job));
    env.extend(secret_env(req));
    env
}

/// The arguments a job receives: `JOB START END CONFIG`.
pub fn run_args(job: &Job, window: &Window) -> Vec<String> {
    vec![
        job.name.clone(),
        rfc3339(&window.start),
        rfc3339(&window.end),
        config_json(job),
    ]
}

fn k8s_resources(job: &Job) -> Value {
    resources_block(&job.resources)
}

/// etl.yaml's `resources` as a Kubernetes `resources` block: the memory limit defaults to the
/// memory request, and there is no CPU limit unless one is given.
fn resources_block(r: &crate::project::Resources) -> Value {
    let mut requests = serde_json::Map::new();
    let mut limits = serde_json::Map::new();
    if let Some(cpu) = &r.cpu {
        requests.insert("cpu".into(), Value::String(cpu.to_string()));
    }
    if let Some(mem) = &r.memory {
        requests.insert("memory".into(), Value::String(mem.to_string()));
    }
    if let Some(cpu) = &r.cpu_limit {
        limits.insert("cpu".into(), Value::String(cpu.to_string()));
    }
    if let Some(mem) = r.memory_limit.as_ref().or(r.memory.as_ref()) {
        limits.insert("memory".into(), Value::String(mem.to_string()));
    }
    let mut out = serde_json::Map::new();
    if !requests.is_empty() {
        out.insert("requests".into(), Value::Object(requests));
    }
    if !limits.is_empty() {
        out.insert("limits".into(), Value::Object(limits));
    }
    Value::Object(out)
}

fn base_context(
    req: &RunRequest,
    labels: IndexMap<String, String>,
    annotations: IndexMap<String, String>,
) -> serde_json::Map<String, Value> {
    let mut ctx = serde_json::Map::new();
    ctx.insert(
        "project".into(),
        json!({"name": req.project.name, "namespace": req.namespace}),
    );
    ctx.insert(
        "job".into(),
        serde_json::to_value(req.job).expect("a job always serializes"),
    );
    ctx.insert("image".into(), json!(req.image));
    ctx.insert("labels".into(), json!(labels));
    ctx.insert("annotations".into(), json!(annotations));
    ctx.insert("config".into(), Value::Object(req.job.config.clone()));
    ctx.insert("config_json".into(), json!(config_json(req.job)));
    ctx.insert("resources".into(), k8s_resources(req.job));
    ctx.insert(
        "names".into(),
        json!({"cronjob": names::cronjob_name(&req.job.name)}),
    );
    ctx.insert(
        "retention".into(),
        json!({"runs_seconds": req.project.retention.runs_seconds()}),
    );
    ctx
}

/// The json-e context a one-off run's templates see (documented in the README).
pub fn run_context(req: &RunRequest, run: &RunInfo) -> Value {
    let mut labels = common_labels(req.project, req.job, run.trigger);
    labels.insert(format!("{PREFIX}/run"), run.name.clone());
    labels.insert(format!("{PREFIX}/attempt"), run.attempt.to_string());
    labels.insert(
        format!("{PREFIX}/window-start"),
        names::instant_label(&run.window.start),
    );
    labels.insert(
        format!("{PREFIX}/window-end"),
        names::instant_label(&run.window.end),
    );
    let mut annotations = IndexMap::new();
    annotations.insert(format!("{PREFIX}/window-start"), rfc3339(&run.window.start));
    annotations.insert(format!("{PREFIX}/window-end"), rfc3339(&run.window.end));
    annotations.insert(format!("{PREFIX}/timezone"), req.job.timezone.clone());
    annotations.insert(format!("{PREFIX}/config"), config_json(req.job));
    annotations.insert(format!("{PREFIX}/started-by"), req.started_by.to_string());
    let mut ctx = base_context(req, labels, annotations);
    ctx.insert(
        "run".into(),
        json!({"name": run.name, "id": run.name, "trigger": run.trigger.as_str(), "attempt": run.attempt, "started_by": req.started_by}),
    );
    ctx.insert(
        "window".into(),
        json!({"start": rfc3339(&run.window.start), "end": rfc3339(&run.window.end)}),
    );
    ctx.insert("cron".into(), Value::Null);
    ctx.insert("env".into(), json!(run_env(req, run)));
    ctx.insert(
        "container".into(),
        json!({"command": req.job.command, "args": run_args(req.job, &run.window)}),
    );
    Value::Object(ctx)
}

/// The json-e context a CronJob's templates see: no window yet (each run works its own out
/// with cron-window.sh), and the run id comes from the Job's name at run time.
pub fn cron_context(req: &RunRequest, shim: &str) -> Value {
    let labels = common_labels(req.project, req.job, Trigger::Cron);
    let mut annotations = IndexMap::new();
    annotations.insert(
        format!("{PREFIX}/window-period"),
        req.job.window.as_str().to_string(),
    );
    annotations.insert(format!("{PREFIX}/timezone"), req.job.timezone.clone());
    annotations.insert(format!("{PREFIX}/config"), config_json(req.job));
    let mut ctx = base_context(req, labels, annotations);
    ctx.insert(
        "run".into(),
        json!({"name": null, "id": null, "trigger": "cron", "attempt": 1, "started_by": "cron"}),
    );
    ctx.insert("window".into(), Value::Null);
    ctx.insert(
        "cron".into(),
        json!({"schedule": req.job.schedule, "timezone": req.job.timezone, "period": req.job.window.as_str()}),
    );
    let mut env = vec![
        EnvVar::plain("ETL_JOB", req.job.name.clone()),
        EnvVar::plain("ETL_CONFIG", config_json(req.job)),
        EnvVar {
            name: "ETL_RUN_ID".into(),
            value: None,
            value_from: Some(
                json!({"fieldRef": {"fieldPath": "metadata.labels['batch.kubernetes.io/job-name']"}}),
            ),
        },
        EnvVar::plain("ETL_TRIGGER", "cron"),
        EnvVar::plain("ETL_TIMEZONE", req.job.timezone.clone()),
        EnvVar::plain("ETL_WINDOW_PERIOD", req.job.window.as_str()),
    ];
    env.extend(user_env(req.job));
    env.extend(secret_env(req));
    ctx.insert("env".into(), json!(env));
    let mut command = vec![
        "/bin/sh".to_string(),
        "-c".into(),
        shim.to_string(),
        "etl-window".into(),
    ];
    command.extend(req.job.command.iter().cloned());
    ctx.insert(
        "container".into(),
        json!({"command": command, "args": [req.job.name]}),
    );
    Value::Object(ctx)
}

fn parse_template(t: &Template) -> Result<&Value, RenderError> {
    t.parsed
        .get_or_init(|| parse_yaml(t))
        .as_ref()
        .map_err(Clone::clone)
}

fn parse_yaml(t: &Template) -> Result<Value, RenderError> {
    serde_saphyr::from_str::<Value>(&t.text).map_err(|e| RenderError::Yaml {
        template: t.source.clone(),
        position: e.location().map(|l| (l.line(), l.column())),
        message: e.to_string().lines().next().unwrap_or_default().to_string(),
    })
}

fn render_value(t: &Template, context: &Value) -> Result<Value, RenderError> {
    let template = parse_template(t)?;
    json_e::render(template, context).map_err(|e| RenderError::JsonE {
        template: t.source.clone(),
        message: e.to_string(),
    })
}

/// Deserializes a rendered value into its Kubernetes type, strictly: a wrong type, a missing
/// required field or a field the type does not have is an error naming the path.
fn typed<T: DeserializeOwned + Serialize>(
    t: &Template,
    kind: &'static str,
    value: &Value,
) -> Result<T, RenderError> {
    checked(t, kind, value).map(|(typed, _)| typed)
}

/// [`typed`], also returning the typed object serialized back: what the API server would
/// read, and what `typed` compares with to find fields the type does not have.
fn checked<T: DeserializeOwned + Serialize>(
    t: &Template,
    kind: &'static str,
    value: &Value,
) -> Result<(T, Value), RenderError> {
    // From a reference: the rendered tree is read, never copied.
    let typed: T = serde_path_to_error::deserialize(value).map_err(|e| RenderError::Invalid {
        template: t.source.clone(),
        kind,
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    let back = serde_json::to_value(&typed).expect("k8s-openapi types always serialize");
    if let Some(path) = unknown_field(value, &back) {
        return Err(RenderError::UnknownField {
            template: t.source.clone(),
            kind,
            path,
        });
    }
    Ok((typed, back))
}

/// The path of the first field present in `rendered` but dropped by the typed round trip
/// (null and empty values are fine: the API server drops them too), as `a.b[0].c`. The path
/// is built only for a field that is found, on the way back up: checking a good manifest
/// allocates nothing.
fn unknown_field(rendered: &Value, back: &Value) -> Option<String> {
    match (rendered, back) {
        (Value::Object(r), Value::Object(b)) => r.iter().find_map(|(k, v)| match b.get(k) {
            Some(bv) => unknown_field(v, bv).map(|rest| {
                if rest.starts_with('[') {
                    format!("{k}{rest}")
                } else {
                    format!("{k}.{rest}")
                }
            }),
            None if is_empty(v) => None,
            None => Some(k.clone()),
        }),
        (Value::Array(r), Value::Array(b)) => {
            r.iter().zip(b).enumerate().find_map(|(i, (rv, bv))| {
                unknown_field(rv, bv).map(|rest| {
                    if rest.starts_with('[') {
                        format!("[{i}]{rest}")
                    } else {
                        format!("[{i}].{rest}")
                    }
                })
            })
        }
        _ => None,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(o) => o.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Renders pod.yaml for a context (one run, or a CronJob): the typed pod and its value.
fn pod(templates: &Templates, context: &Value) -> Result<(PodTemplateSpec, Value), RenderError> {
    let t = templates.get("pod.yaml");
    checked(t, "pod template", &render_value(t, context)?)
}

fn with_pod(mut context: Value, pod: &Value) -> Value {
    context
        .as_object_mut()
        .expect("contexts are objects")
        .insert("pod".into(), pod.clone());
    context
}

/// Type-checks a rendered Job or CronJob whose pod template, at `at` (a JSON pointer), is
/// `pod` exactly, as the default templates put it: the pod was checked when pod.yaml was
/// rendered, so it is set aside rather than deserialized, serialized and walked a second
/// time, and the typed pod is put back with `put`. A template that changed or moved the pod
/// gets the whole object checked.
fn typed_with_pod<T: DeserializeOwned + Serialize>(
    t: &Template,
    kind: &'static str,
    mut value: Value,
    at: &str,
    pod: (PodTemplateSpec, &Value),
    put: impl FnOnce(&mut T) -> Option<&mut PodTemplateSpec>,
) -> Result<T, RenderError> {
    let Some(slot) = value.pointer_mut(at).filter(|v| **v == *pod.1) else {
        return typed(t, kind, &value);
    };
    // An empty pod template deserializes (all its fields are optional) and round-trips.
    *slot = Value::Object(serde_json::Map::new());
    let mut typed: T = typed(t, kind, &value)?;
    if let Some(p) = put(&mut typed) {
        *p = pod.0;
    }
    Ok(typed)
}

/// The pod of a one-off run, as `etl jobs run` runs it locally.
pub fn run_pod(
    templates: &Templates,
    req: &RunRequest,
    run: &RunInfo,
) -> Result<PodTemplateSpec, RenderError> {
    pod(templates, &run_context(req, run)).map(|(p, _)| p)
}

/// The Job `etl jobs schedule` creates for one run.
pub fn run_job(
    templates: &Templates,
    req: &RunRequest,
    run: &RunInfo,
) -> Result<KubeJob, RenderError> {
    let ctx = run_context(req, run);
    let (typed_pod, pod) = pod(templates, &ctx)?;
    let t = templates.get("job.yaml");
    let value = render_value(t, &with_pod(ctx, &pod))?;
    typed_with_pod(
        t,
        "Job",
        value,
        "/spec/template",
        (typed_pod, &pod),
        |j: &mut KubeJob| j.spec.as_mut().map(|s| &mut s.template),
    )
}

/// The CronJob `etl deploy` applies for a scheduled job.
pub fn cronjob(templates: &Templates, req: &RunRequest) -> Result<CronJob, RenderError> {
    let ctx = cron_context(req, &templates.get("cron-window.sh").text);
    let (typed_pod, pod) = pod(templates, &ctx)?;
    let t = templates.get("cronjob.yaml");
    let value = render_value(t, &with_pod(ctx, &pod))?;
    typed_with_pod(
        t,
        "CronJob",
        value,
        "/spec/jobTemplate/spec/template",
        (typed_pod, &pod),
        |c: &mut CronJob| {
            c.spec
                .as_mut()
                .and_then(|s| s.job_template.spec.as_mut())
                .map(|s| &mut s.template)
        },
    )
}

/// The Secret for one of etl.yaml's `secrets`, with its values.
pub fn secret(
    templates: &Templates,
    project: &Project,
    namespace: &str,
    name: &str,
    data: &IndexMap<String, String>,
) -> Result<Secret, RenderError> {
    let mut labels = IndexMap::new();
    labels.insert(
        "app.kubernetes.io/managed-by".to_string(),
        "etl".to_string(),
    );
    labels.insert(format!("{PREFIX}/project"), project.name.clone());
    labels.insert(
        format!("{PREFIX}/secret"),
        names::fit(name, names::MAX_LABEL),
    );
    let ctx = json!({
        "project": {"name": project.name, "namespace": namespace},
        "labels": labels,
        "secret": {"name": names::secret_name(&project.name, name), "data": data},
    });
    let t = templates.get("secret.yaml");
    typed(t, "Secret", &render_value(t, &ctx)?)
}

/// Replaces a Secret's values with `<redacted>`, so a manifest can be shown.
pub fn redact(secret: &mut Secret) {
    const REDACTED: &str = "<redacted>";
    if let Some(d) = secret.string_data.as_mut() {
        d.values_mut().for_each(|v| *v = REDACTED.to_string());
    }
    if let Some(d) = secret.data.as_mut() {
        d.values_mut()
            .for_each(|v| v.0 = REDACTED.as_bytes().to_vec());
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A manifest as YAML, for people and for `kubectl apply -f`.
pub fn to_yaml(v: &Value) -> String {
    serde_saphyr::to_string(v).expect("JSON values serialize as YAML")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn an_unknown_field_is_named_by_its_whole_path() {
        let rendered = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a"}, {"name": "b", "imagee": "x", "env": []}]}}}});
        let back = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a"}, {"name": "b"}]}}}});
        assert_eq!(
            unknown_field(&rendered, &back).as_deref(),
            Some("spec.template.spec.containers[1].imagee")
        );
        let nested = json!({"a": [[{"ok": 1}, {"b": 1}]]});
        let nested_back = json!({"a": [[{"ok": 1}, {}]]});
        assert_eq!(
            unknown_field(&nested, &nested_back).as_deref(),
            Some("a[0][1].b")
        );
        assert_eq!(unknown_field(&back, &back), None);
    }

    fn project() -> Project {
        let text = "project: p\njobs:\n  ingest:\n    command: [python3, main.py]\n    schedule: '0 2 * * *'\n";
        crate::project::parse(Path::new("etl.yaml"), text).unwrap()
    }

    fn render_with_job_yaml(job_yaml: &str) -> Result<KubeJob, RenderError> {
        let p = project();
        let job = p.job("ingest").unwrap();
        let mut templates = Templates::embedded();
        templates.set("job.yaml", "templates/job.yaml".into(), job_yaml.into());
        let req = RunRequest {
            project: &p,
            job,
            namespace: "ns",
            image: "img:1",
            started_by: "ana",
        };
        let window = crate::window::WindowSpec::Date("2026-11-22".parse().unwrap())
            .resolve("2026-11-23T00:00:00Z".parse().unwrap(), &job.tz)
            .unwrap();
        let run = RunInfo::new(job, window, 1, Trigger::Manual);
        run_job(&templates, &req, &run)
    }

    #[test]
    fn the_pod_a_job_embeds_is_in_the_job_whether_or_not_the_template_changed_it() {
        let plain = render_with_job_yaml("spec: {template: {$eval: pod}}\n").unwrap();
        let pod = plain.spec.unwrap().template;
        assert_eq!(
            pod.spec.unwrap().containers[0].image.as_deref(),
            Some("img:1")
        );
        // A template that changes the pod it embeds gets it checked again, as a whole.
        let merged = render_with_job_yaml(
            "spec: {template: {$merge: [{$eval: pod}, {metadata: {labels: {extra: x}}}]}}\n",
        )
        .unwrap();
        let template = merged.spec.unwrap().template;
        assert_eq!(template.metadata.unwrap().labels.unwrap()["extra"], "x");
        assert_eq!(
            template.spec.unwrap().containers[0].image.as_deref(),
            Some("img:1")
        );
        let bad = render_with_job_yaml(
            "spec: {template: {$merge: [{$eval: pod}, {spec: {bogus: 1}}]}}\n",
        )
        .unwrap_err();
        assert_eq!(
            bad,
            RenderError::UnknownField {
                template: "templates/job.yaml".into(),
                kind: "Job",
                path: "spec.template.spec.bogus".into(),
            }
        );
    }
}
