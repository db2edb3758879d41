//! `etl render`: the manifests etl would create, on stdout, without a cluster.

use super::Ctx;
use super::project_files::templates;
use super::secrets::secret_values;
use super::window_flags::WINDOW_FLAGS;
use super::window_flags::resolve_window;
use super::window_flags::window_spec;
use crate::cli::{ManifestFormat, RenderArgs};
use crate::error::{Error, Result};
use crate::render::{self, RunInfo, RunRequest, Trigger};
use serde_json::Value;
use std::process::ExitCode;

pub fn render(ctx: &Ctx, args: RenderArgs) -> Result<ExitCode> {
    // Stage one: flags that are wrong whatever the project says.
    let spec = window_spec(&args.window)?;
    let project = ctx.project()?;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| project.namespace().to_string());
    let templates = templates(&project)?;
    let mut docs: Vec<Value> = Vec::new();

    if args.secrets {
        for name in project.secrets.keys() {
            let values = secret_values(&project, name)?;
            let mut secret = render::secret(&templates, &project, &namespace, name, &values)?;
            if !args.show_secrets {
                render::redact(&mut secret);
            }
            docs.push(to_value(&secret));
        }
        if docs.is_empty() {
            ctx.term.note("etl.yaml declares no secrets");
        }
        return print(&docs, args.output);
    }

    let (image, image_note) = ctx.image(&project, args.image.as_deref());
    if args.scheduler {
        return scheduler(ctx, &project, &templates, &namespace, &args, &image);
    }
    let who = ctx.user();
    let names: Vec<String> = match (&args.job, args.cron) {
        (Some(job), _) => vec![job.clone()],
        (None, true) => project
            .jobs
            .values()
            .filter(|j| j.schedule.is_some())
            .map(|j| j.name.clone())
            .collect(),
        (None, false) => {
            return Err(Error::usage(
                "which job? `etl render` needs a job, or --cron for every scheduled job, or --secrets",
                format!(
                    "the jobs are: {}",
                    project.jobs.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    };

    for name in &names {
        let job = project.job_with_overrides(name, &args.overrides.set, &args.overrides.config)?;
        let req = RunRequest {
            project: &project,
            job: &job,
            namespace: &namespace,
            image: &image,
            started_by: &who,
        };
        if args.cron {
            if job.schedule.is_none() {
                return Err(Error::usage(
                    format!("the job `{name}` has no schedule, so it has no CronJob"),
                    format!("add `schedule: \"0 2 * * *\"` to jobs.{name} in etl.yaml"),
                ));
            }
            docs.push(to_value(&render::cronjob(&templates, &req)?));
        } else {
            let Some(spec) = &spec else {
                return Err(Error::usage(
                    format!("which window should `{name}` process?"),
                    format!("pass one of {WINDOW_FLAGS}, or --cron for its CronJob"),
                ));
            };
            let window = resolve_window(ctx, spec, &job.tz, &job.timezone)?;
            ctx.term.note(format!("window {window} ({})", job.timezone));
            let run = RunInfo::new(&job, window, 1, Trigger::Manual);
            docs.push(to_value(&render::run_job(&templates, &req, &run)?));
        }
    }
    if docs.is_empty() {
        ctx.term.note("no job in etl.yaml has a schedule");
    } else {
        ctx.term.note(format!("using {image_note}"));
    }
    print(&docs, args.output)
}

/// `etl render --scheduler`: the project ConfigMap and the scheduler's objects, as `etl deploy`
/// applies them. Without a pushed image of this etl the Deployment shows the tag `etl push`
/// would push (a note says so), so the objects can be seen before anything is pushed.
fn scheduler(
    ctx: &Ctx,
    project: &crate::project::Project,
    templates: &crate::render::Templates,
    namespace: &str,
    args: &RenderArgs,
    job_image: &str,
) -> Result<ExitCode> {
    use crate::render::scheduler as sched;
    if !project.scheduler.enabled {
        ctx.term.note(
            "etl deploy applies no scheduler: etl.yaml has no workflow and no `scheduler:` section (or says `enabled: false`)",
        );
        return print(&[], args.output);
    }
    let own = match super::deploy::scheduler_image(project, args.scheduler_image.as_deref()) {
        Ok((image, note)) => {
            ctx.term.note(format!("using {note}"));
            image
        }
        Err(e) => {
            let repo = project
                .image
                .repository
                .clone()
                .unwrap_or_else(|| project.name.clone());
            let image = format!("{repo}:{}", crate::image::selfimage::current()?.tag);
            ctx.term
                .note(format!("scheduler image {image}, not pinned: {e}"));
            image
        }
    };
    let etl_yaml =
        std::fs::read_to_string(&project.file).map_err(|e| Error::io(&project.file, e))?;
    let mut docs = vec![to_value(&sched::project_configmap(
        project,
        namespace,
        &etl_yaml,
        &templates.own(),
        job_image,
    ))];
    for o in sched::objects(templates, project, namespace, &own)? {
        docs.push(o.to_value());
    }
    print(&docs, args.output)
}

pub(super) fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("k8s-openapi types always serialize")
}

/// Several manifests: YAML documents separated by `---`, or a JSON `List` like kubectl's.
pub(super) fn print(docs: &[Value], format: ManifestFormat) -> Result<ExitCode> {
    let out = match format {
        ManifestFormat::Json => {
            let v = match docs {
                [one] => one.clone(),
                many => serde_json::json!({"apiVersion": "v1", "kind": "List", "items": many}),
            };
            serde_json::to_string_pretty(&v).expect("JSON values serialize") + "\n"
        }
        ManifestFormat::Yaml => docs
            .iter()
            .map(crate::render::to_yaml)
            .collect::<Vec<_>>()
            .join("---\n"),
    };
    super::output::write_stdout(&out)
}
