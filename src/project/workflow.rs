//! Workflows as etl.yaml declares them (`workflows:`) and as etl works with them once checked:
//! each task is a job of the project with the task's overrides applied, and the tasks form a
//! DAG (`crate::workflow::Dag`). Pure.

use super::{ConfigError, EnvValue, JobSpec, Resources, at, suggest};
use crate::project::model::{Job, SecretSpec, is_dns_label, resolve_job};
use crate::window::Period;
use crate::workflow::{Dag, DagError};
use indexmap::IndexMap;
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_json::{Map, Value};
use serde_saphyr::Spanned;
use std::path::Path;

/// Workflow names become parts of Kubernetes names and label values; at most this long keeps
/// the names of their runs readable (`nightly-20261122-1d-a1`).
pub const MAX_WORKFLOW_NAME: usize = 40;

/// Missed windows a scheduler runs after being down, unless a workflow says `catchup: N`.
pub const DEFAULT_CATCHUP: usize = 3;

/// One workflow as etl.yaml declares it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkflowSpec {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    schedule: Option<Spanned<String>>,
    #[serde(default)]
    window: Option<Period>,
    #[serde(default)]
    timezone: Option<Spanned<String>>,
    #[serde(default)]
    max_parallel: Option<u32>,
    #[serde(default)]
    catchup: Option<u32>,
    #[serde(default)]
    tasks: IndexMap<String, Option<TaskSpec>>,
}

/// One task: a job (the task's name unless `job` says otherwise), the tasks it runs after, and
/// what it changes of the job for this workflow.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskSpec {
    #[serde(default)]
    job: Option<Spanned<String>>,
    #[serde(default)]
    after: Vec<Spanned<String>>,
    #[serde(default)]
    config: Option<Map<String, Value>>,
    #[serde(default)]
    resources: Option<Resources>,
    #[serde(default)]
    retries: Option<u32>,
    #[serde(default)]
    timeout: Option<Spanned<String>>,
    #[serde(default)]
    env: Option<IndexMap<String, EnvValue>>,
}

/// A checked workflow.
#[derive(Clone, Debug)]
pub struct Workflow {
    pub name: String,
    pub description: String,
    pub schedule: Option<String>,
    pub window: Period,
    pub timezone: String,
    pub tz: TimeZone,
    pub max_parallel: Option<usize>,
    /// After the scheduler was down, how many missed windows it runs (the newest ones, oldest
    /// first). At least 1: the latest missed window always runs, as with a CronJob.
    pub catchup: usize,
    /// In declaration order: `tasks[i]` is node i of `dag`.
    pub tasks: Vec<Task>,
    pub dag: Dag,
}

/// A checked task: the job it runs, overrides applied.
#[derive(Clone, Debug)]
pub struct Task {
    pub name: String,
    pub job: Job,
    pub after: Vec<String>,
}

impl Workflow {
    pub fn task(&self, name: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.name == name)
    }
}

/// Checks every workflow against the project's jobs (already resolved, with `specs` their
/// specs over the defaults). Errors point at the workflow, task or `after` entry to fix.
pub(super) fn validate(
    file: &Path,
    raw: &IndexMap<String, WorkflowSpec>,
    specs: &IndexMap<String, JobSpec>,
    defaults: &JobSpec,
    secrets: &IndexMap<String, SecretSpec>,
) -> Result<IndexMap<String, Workflow>, ConfigError> {
    let mut out = IndexMap::new();
    for (name, spec) in raw {
        let field = format!("workflows.{name}");
        let err = |msg: String| ConfigError::new(file, msg).field(field.clone());
        if !is_dns_label(name) || name.len() > MAX_WORKFLOW_NAME {
            return Err(
                err(format!("`{name}` cannot name a workflow")).hint(format!(
                    "use at most {MAX_WORKFLOW_NAME} lowercase letters, digits and '-', e.g. `{}`",
                    super::to_dns_label(name)
                        .chars()
                        .take(MAX_WORKFLOW_NAME)
                        .collect::<String>()
                        .trim_end_matches('-')
                )),
            );
        }
        if specs.contains_key(name) {
            return Err(err(format!(
                "workflow `{name}` has the name of a job: commands that take a job or a workflow \
                 (`etl backfill`, `etl history`) could not tell them apart"
            ))
            .hint("rename the workflow, e.g. `{name}-flow`".replace("{name}", name)));
        }
        out.insert(
            name.clone(),
            workflow(file, name, spec, specs, defaults, secrets)?,
        );
    }
    Ok(out)
}

fn workflow(
    file: &Path,
    name: &str,
    spec: &WorkflowSpec,
    specs: &IndexMap<String, JobSpec>,
    defaults: &JobSpec,
    secrets: &IndexMap<String, SecretSpec>,
) -> Result<Workflow, ConfigError> {
    let field = |f: &str| format!("workflows.{name}.{f}");
    let err = |f: &str, msg: String| ConfigError::new(file, msg).field(field(f));

    let schedule = match &spec.schedule {
        Some(s) => {
            super::model::check_cron(&s.value).map_err(|m| {
                err(
                    "schedule",
                    format!("`{}` is not a valid cron expression: {m}", s.value),
                )
                .at(at(s.referenced))
                .hint("e.g. `0 3 * * *` runs every day at 03:00")
            })?;
            Some(s.value.clone())
        }
        None => None,
    };
    let tz_spec = spec.timezone.as_ref().or(defaults.timezone.as_ref());
    let (timezone, tz) = match tz_spec {
        Some(s) => match TimeZone::get(&s.value) {
            Ok(tz) => (s.value.clone(), tz),
            Err(_) => {
                return Err(err("timezone", format!("unknown time zone `{}`", s.value))
                    .at(at(s.referenced))
                    .hint("use an IANA name such as `UTC` or `Europe/Paris`"));
            }
        },
        None => ("UTC".to_string(), TimeZone::UTC),
    };

    let mut tasks = Vec::with_capacity(spec.tasks.len());
    let empty = TaskSpec::default();
    for (task_name, task) in &spec.tasks {
        let tf = |f: &str| {
            format!(
                "tasks.{task_name}{}{f}",
                if f.is_empty() { "" } else { "." }
            )
        };
        if !is_dns_label(task_name) {
            return Err(
                err(&tf(""), format!("`{task_name}` cannot name a task")).hint(format!(
                    "use at most 63 lowercase letters, digits and '-', e.g. `{}`",
                    super::to_dns_label(task_name)
                )),
            );
        }
        let task = task.as_ref().unwrap_or(&empty);
        let job_name = task.job.as_ref().map_or(task_name.as_str(), |j| &j.value);
        let Some(job_spec) = specs.get(job_name) else {
            let mut e = match &task.job {
                Some(j) => {
                    err(&tf("job"), format!("there is no job `{job_name}`")).at(at(j.referenced))
                }
                None => err(
                    &tf(""),
                    format!(
                        "task `{task_name}` runs the job of the same name, and there is no job `{job_name}`"
                    ),
                ),
            };
            e = match suggest(job_name, specs.keys().map(String::as_str)) {
                Some(s) => e.hint(format!(
                    "did you mean `{s}`? (or say which job: `job: NAME`)"
                )),
                None => e.hint(format!(
                    "say which job it runs with `job: NAME`; the jobs are: {}",
                    specs.keys().cloned().collect::<Vec<_>>().join(", ")
                )),
            };
            return Err(e);
        };
        let overrides = JobSpec {
            config: task.config.clone(),
            resources: task.resources.clone(),
            retries: task.retries,
            timeout: task.timeout.clone(),
            env: task.env.clone(),
            ..JobSpec::default()
        };
        let job = resolve_job(file, job_name, &overrides.over(job_spec), secrets).map_err(
            // The job itself resolved when etl.yaml's jobs were checked: what fails now is the
            // task's override, so point there.
            |mut e| {
                if let Some(f) = &e.field {
                    let prefix = format!("jobs.{job_name}.");
                    let rest = f.strip_prefix(&prefix).unwrap_or(f);
                    e.field = Some(field(&tf(rest)));
                    e.position = None;
                }
                e
            },
        )?;
        tasks.push((task_name, task, job));
    }

    let afters: Vec<Vec<String>> = tasks
        .iter()
        .map(|(_, t, _)| t.after.iter().map(|a| a.value.clone()).collect())
        .collect();
    let dag = Dag::new(
        tasks
            .iter()
            .zip(&afters)
            .map(|((n, _, job), a)| (n.as_str(), a.as_slice(), job.retries)),
    )
    .map_err(|e| {
        let after_entry = |task: &str, after: &str| {
            spec.tasks
                .get(task)
                .and_then(Option::as_ref)
                .and_then(|t| t.after.iter().find(|a| a.value == after))
                .and_then(|a| at(a.referenced))
        };
        match &e {
            DagError::Empty => err("tasks", e.to_string())
                .hint("list the jobs it runs under `tasks:`, e.g. `ingest: {}`"),
            DagError::SelfDependency { task } => err(&format!("tasks.{task}.after"), e.to_string())
                .at(after_entry(task, task))
                .hint("remove it from its own `after`"),
            DagError::UnknownAfter { task, after } => {
                let e2 = err(&format!("tasks.{task}.after"), e.to_string())
                    .at(after_entry(task, after));
                match suggest(after, spec.tasks.keys().map(String::as_str)) {
                    Some(s) => e2.hint(format!("did you mean `{s}`?")),
                    None => e2.hint(format!(
                        "`after` names tasks of this workflow: {}",
                        spec.tasks.keys().cloned().collect::<Vec<_>>().join(", ")
                    )),
                }
            }
            DagError::Cycle(path) => {
                // Point at the edge that closes the cycle: the last task's `after` entry.
                let n = path.len();
                err(&format!("tasks.{}.after", path[n - 1]), e.to_string())
                    .at(after_entry(&path[n - 1], &path[n - 2]))
                    .hint("a workflow runs each task once, after the tasks it names: remove one `after` of the cycle")
            }
        }
    })?;

    Ok(Workflow {
        name: name.to_string(),
        description: spec.description.clone().unwrap_or_default(),
        schedule,
        window: spec.window.unwrap_or_default(),
        timezone,
        tz,
        max_parallel: spec.max_parallel.map(|n| n.max(1) as usize),
        catchup: spec.catchup.map_or(DEFAULT_CATCHUP, |n| n.max(1) as usize),
        tasks: tasks
            .into_iter()
            .zip(afters)
            .map(|((name, _, job), after)| Task {
                name: name.clone(),
                job,
                after,
            })
            .collect(),
        dag,
    })
}
