//! `etl deploy` and `etl diff`: etl.yaml's schedules in the cluster. Both render and resolve
//! everything first (templates, secret values), then talk to the cluster; deploy server-side
//! applies with the field manager `etl`, diff asks for a server-side dry run and compares.

use super::Ctx;
use super::project_files::templates;
use super::secrets::secret_values;
use crate::cli::{ClusterArgs, DeployArgs, DiffArgs};
use crate::cluster::apply::{self, Kind, Manifest};
use crate::cluster::{self, Cluster};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::diff;
use crate::render::scheduler as sched;
use crate::render::{self, RunRequest};
use crate::run::names;
use indicatif::ProgressBar;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

/// Everything a deploy needs from etl.yaml and this machine, resolved before connecting.
struct Plan {
    /// The scheduled jobs whose CronJobs to apply, in etl.yaml's order.
    cronjobs: Vec<String>,
    /// The CronJob names of every scheduled job in etl.yaml (what `--prune` keeps).
    scheduled: BTreeSet<String>,
    /// etl.yaml's secrets the deployed jobs use, scheduled or not, with their values.
    secrets: Vec<(String, indexmap::IndexMap<String, String>)>,
    image: String,
    image_note: String,
    /// Who deploys, as the CronJobs record it.
    started_by: String,
    /// The scheduler's objects and the project ConfigMap, when etl.yaml wants the scheduler
    /// and no JOB was named (a deploy of some jobs leaves the project-wide objects alone).
    scheduler: Option<SchedulerPlan>,
}

/// What the scheduler's objects need from this machine.
struct SchedulerPlan {
    /// etl's own image, pinned by digest when `etl push` pushed it.
    image: String,
    image_note: String,
    /// etl.yaml's text, for the project ConfigMap.
    etl_yaml: String,
}

/// What to deploy: with no JOB named, every scheduled job's CronJob and every job's Secrets
/// (an unscheduled job's Secrets are needed by `etl jobs schedule`, and nothing else puts
/// them in the cluster); with JOBs named, their CronJobs (if scheduled) and their Secrets.
fn plan(
    project: &Project,
    named: &[String],
    (image, image_note): (String, String),
    scheduler_image_flag: Option<&str>,
    started_by: String,
) -> Result<Plan> {
    let scheduled_jobs: Vec<&String> = project
        .jobs
        .values()
        .filter(|j| j.schedule.is_some())
        .map(|j| &j.name)
        .collect();
    for name in named {
        let job = project.job(name)?;
        if job.schedule.is_none() && job.secrets.is_empty() {
            return Err(Error::usage(
                format!(
                    "the job `{name}` has no schedule and no secrets, so there is nothing to deploy"
                ),
                format!(
                    "add `schedule: \"0 2 * * *\"` to jobs.{name} in etl.yaml, or run it once with `etl jobs schedule {name} --yesterday`"
                ),
            ));
        }
    }
    // etl.yaml's order, each job once.
    let jobs: Vec<&crate::project::Job> = project
        .jobs
        .values()
        .filter(|j| named.is_empty() || named.contains(&j.name))
        .collect();
    let used: BTreeSet<&String> = jobs.iter().flat_map(|j| j.secrets.iter()).collect();
    let mut secrets = Vec::new();
    for name in project.secrets.keys().filter(|s| used.contains(s)) {
        // A missing value fails here, before anything is applied.
        secrets.push((name.clone(), secret_values(project, name)?));
    }
    let scheduler = if project.scheduler.enabled && named.is_empty() {
        let (image, image_note) = scheduler_image(project, scheduler_image_flag)?;
        let etl_yaml =
            std::fs::read_to_string(&project.file).map_err(|e| Error::io(&project.file, e))?;
        Some(SchedulerPlan {
            image,
            image_note,
            etl_yaml,
        })
    } else {
        None
    };
    Ok(Plan {
        cronjobs: jobs
            .iter()
            .filter(|j| j.schedule.is_some())
            .map(|j| j.name.clone())
            .collect(),
        scheduled: scheduled_jobs
            .iter()
            .map(|j| names::cronjob_name(j))
            .collect(),
        secrets,
        image,
        image_note,
        started_by,
        scheduler,
    })
}

/// etl's own image for the scheduler: `--scheduler-image`, else what `etl push` pushed for
/// this very etl binary. An image of another etl build is not used: the scheduler would read
/// etl.yaml with another etl than the one that checked it.
pub(super) fn scheduler_image(project: &Project, flag: Option<&str>) -> Result<(String, String)> {
    if let Some(image) = flag {
        return Ok((
            image.to_string(),
            format!("scheduler image {image} (--scheduler-image)"),
        ));
    }
    let why = if project.workflows.is_empty() {
        "etl.yaml's `scheduler:` section"
    } else {
        "etl.yaml has workflows, which"
    };
    let needs = format!("{why} need the scheduler in the cluster, and it runs etl's own image");
    let Some(repository) = &project.image.repository else {
        return Err(Error::usage(
            format!(
                "{needs}, which etl pushes to the job image's repository: etl.yaml has no `image.repository`"
            ),
            "add `image: {repository: registry.example.com/team/PROJECT}` and run `etl push`, pass --scheduler-image REF, or set `scheduler: {enabled: false}`",
        ));
    };
    let binary = crate::image::selfimage::current()?;
    let not_pushed = |what: String| {
        Error::usage(
            format!("{needs}: {what}"),
            "run `etl push` (it pushes etl's image next to the job image), pass --scheduler-image REF, or set `scheduler: {enabled: false}` in etl.yaml",
        )
    };
    match crate::image::pushed::load_scheduler(project)? {
        Some(p) if p.repository == *repository && p.tag == binary.tag => Ok((
            p.image.clone(),
            format!(
                "scheduler image {} (etl's own, pushed by etl push at {})",
                p.image, p.pushed_at
            ),
        )),
        Some(p) if p.repository != *repository => Err(not_pushed(format!(
            "the last one pushed went to {}, not {repository}",
            p.repository
        ))),
        Some(p) => Err(not_pushed(format!(
            "the one pushed ({}:{}) is of another etl build than this one ({})",
            p.repository, p.tag, binary.tag
        ))),
        None => Err(not_pushed(format!(
            "none was pushed from this machine ({repository}:{})",
            binary.tag
        ))),
    }
}

/// The manifests of a plan for one namespace, Secrets first: a deploy applies them in this
/// order, so one interrupted half-way never leaves a CronJob whose Secret is missing (its
/// runs would fail with CreateContainerConfigError until the next deploy).
fn render_all(project: &Project, plan: &Plan, namespace: &str) -> Result<Vec<Manifest>> {
    let templates = templates(project)?;
    let who = &plan.started_by;
    let mut out = Vec::new();
    for (name, values) in &plan.secrets {
        let mut secret = render::secret(&templates, project, namespace, name, values)?;
        as_data(&mut secret);
        out.push(Manifest::Secret(Box::new(secret)));
    }
    for name in &plan.cronjobs {
        let job = &project.jobs[name];
        let req = RunRequest {
            project,
            job,
            namespace,
            image: &plan.image,
            started_by: who,
        };
        out.push(Manifest::CronJob(Box::new(render::cronjob(
            &templates, &req,
        )?)));
    }
    if let Some(s) = &plan.scheduler {
        out.push(Manifest::ConfigMap(Box::new(sched::project_configmap(
            project,
            namespace,
            &s.etl_yaml,
            &templates.own(),
            &plan.image,
        ))));
        for o in sched::objects(&templates, project, namespace, &s.image)? {
            out.push(Manifest::Scheduler(o));
        }
    }
    Ok(out)
}

/// Moves `stringData` into `data`. The API server never stores `stringData` (it folds it into
/// `data`), so applying `data` keeps etl's managed fields on fields that exist: an unchanged
/// Secret applies as unchanged, and a key removed from etl.yaml is removed from the Secret.
fn as_data(secret: &mut Secret) {
    if let Some(string_data) = secret.string_data.take() {
        let data = secret.data.get_or_insert_with(Default::default);
        for (k, v) in string_data {
            data.insert(k, ByteString(v.into_bytes()));
        }
    }
}

/// A connection, with the context and namespace said on stderr, and the namespace checked.
/// `manifests` were rendered for the namespace guessed before connecting (so a template
/// mistake is found without the cluster); they are rendered again if the context's namespace
/// turns out to be another.
async fn connect(
    ctx: &Ctx,
    project: &Project,
    args: &ClusterArgs,
    plan: &Plan,
    guess: &str,
    manifests: &mut Vec<Manifest>,
) -> Result<Cluster> {
    let cluster = cluster::connect(project, &ctx.target(args)).await?;
    if cluster.namespace != guess {
        *manifests = render_all(project, plan, &cluster.namespace)?;
    }
    ctx.term.note(format!(
        "context {}, namespace {}",
        cluster.context, cluster.namespace
    ));
    apply::check_namespace(&cluster).await?;
    Ok(cluster)
}

/// A spinner on a terminal; plain notes otherwise (and nothing with --quiet).
struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(ctx: &Ctx) -> Progress {
        let bar = ctx.term.progress.then(|| crate::term::spinner(""));
        Progress {
            bar,
            quiet: ctx.term.quiet,
        }
    }

    /// Something quick (a read): shown by the spinner only.
    fn spin(&self, msg: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg);
        }
    }

    /// A change under way: the spinner's message, or a line on stderr.
    fn step(&self, msg: String) {
        match &self.bar {
            Some(bar) => bar.set_message(msg),
            None if !self.quiet => eprintln!("{msg}"),
            None => {}
        }
    }

    /// A result line on stdout, printed above the spinner.
    fn result(&self, line: String) -> Result<()> {
        match &self.bar {
            Some(bar) => bar.suspend(|| super::output::write_stdout(&format!("{line}\n")))?,
            None => super::output::write_stdout(&format!("{line}\n"))?,
        };
        Ok(())
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The plan and its manifests, rendered before connecting (a template mistake is found
/// without touching the cluster) for the namespace etl.yaml or `--namespace` names.
fn prepare(
    project: &Project,
    jobs: &[String],
    image: (String, String),
    scheduler_image: Option<&str>,
    cluster: &ClusterArgs,
    started_by: String,
) -> Result<(Plan, String, Vec<Manifest>)> {
    let plan = plan(project, jobs, image, scheduler_image, started_by)?;
    let guess = cluster
        .namespace
        .clone()
        .unwrap_or_else(|| project.namespace().to_string());
    let manifests = render_all(project, &plan, &guess)?;
    Ok((plan, guess, manifests))
}

pub fn deploy(ctx: &Ctx, args: DeployArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let (plan, guess, mut manifests) = prepare(
        &project,
        &args.jobs,
        ctx.image(&project, args.image.as_deref()),
        args.scheduler_image.as_deref(),
        &args.cluster,
        ctx.user(),
    )?;
    if manifests.is_empty() && !args.prune {
        ctx.term
            .note("no job in etl.yaml has a schedule or a secret: nothing to deploy");
        return Ok(ExitCode::SUCCESS);
    }
    let dry = if args.dry_run { " (dry run)" } else { "" };
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = connect(ctx, &project, &args.cluster, &plan, &guess, &mut manifests).await?;
        let progress = Progress::new(ctx);
        let mut before = Vec::new();
        for m in &manifests {
            progress.spin(format!("reading {}", m.title()));
            let found = apply::deployed(&cluster, &project, m).await?;
            before.push(found);
        }
        let prune = if args.prune {
            progress.spin("looking for CronJobs etl.yaml no longer schedules".into());
            apply::prunable(&cluster, &project, &plan.scheduled).await?
        } else {
            Vec::new()
        };
        // The scheduler goes when etl.yaml no longer wants it (no workflow, no `scheduler:`
        // section, or `enabled: false`).
        let prune_scheduler = if args.prune && !project.scheduler.enabled {
            progress.spin("looking for a scheduler etl.yaml no longer needs".into());
            apply::prunable_scheduler(&cluster, &project).await?
        } else {
            Vec::new()
        };
        let active = if prune.is_empty() {
            BTreeMap::new()
        } else {
            progress.spin("looking for runs of those CronJobs still going".into());
            apply::active_runs(&cluster, &project, &prune).await?
        };
        // The spinner stops for the question, and a new one starts for the changes.
        drop(progress);
        // Deleting a CronJob keeps its Jobs (see the delete below): a run going on is not
        // killed, but nothing will stop it either unless the user does.
        for (cronjob, runs) in &active {
            for run in runs {
                ctx.term.warn(format!(
                    "cronjob/{cronjob} has a run going, {run}: it goes on after the CronJob is deleted (`etl jobs cancel {run}` stops it)"
                ));
            }
        }
        let any_prune = !prune.is_empty() || !prune_scheduler.is_empty();
        if any_prune && !args.dry_run && !args.yes {
            let list = prune
                .iter()
                .map(|n| format!("cronjob/{n}"))
                .chain(prune_scheduler.iter().map(|(k, n)| k.title(n)))
                .collect::<Vec<_>>()
                .join(", ");
            if !ctx.term.interactive {
                return Err(Error::usage(
                    format!("--prune would delete {list}, which needs confirmation"),
                    "pass --yes (or --dry-run to see what would change)",
                ));
            }
            if !super::confirm::confirm(
                &ctx.term,
                &format!(
                    "Delete {list} (no longer needed by etl.yaml)? Runs and their logs are kept."
                ),
            )? {
                return Err(Error::Declined);
            }
        }
        if !manifests.is_empty() {
            ctx.term.note(format!("using {}", plan.image_note));
        }
        if let Some(s) = &plan.scheduler {
            ctx.term.note(format!("using {}", s.image_note));
        }
        let progress = Progress::new(ctx);
        for (m, before) in manifests.iter().zip(&before) {
            progress.step(format!("applying {}{dry}", m.title()));
            let after = apply::apply(&cluster, m, args.dry_run).await?;
            let outcome = diff::outcome(before.as_ref(), &after, args.dry_run);
            progress.result(format!("{} {}{dry}", m.title(), outcome.as_str()))?;
        }
        for name in &prune {
            progress.step(format!("deleting cronjob/{name}{dry}"));
            apply::prune(&cluster, Kind::CronJob, name, args.dry_run).await?;
            progress.result(format!("cronjob/{name} deleted{dry}"))?;
        }
        for (kind, name) in &prune_scheduler {
            let title = kind.title(name);
            progress.step(format!("deleting {title}{dry}"));
            apply::prune(&cluster, *kind, name, args.dry_run).await?;
            progress.result(format!("{title} deleted{dry}"))?;
        }
        drop(progress);
        if manifests.is_empty() && !any_prune {
            ctx.term.note("nothing to deploy or prune");
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn diff(ctx: &Ctx, args: DiffArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let (plan, guess, mut manifests) = prepare(
        &project,
        &args.jobs,
        ctx.image(&project, args.image.as_deref()),
        args.scheduler_image.as_deref(),
        &args.cluster,
        ctx.user(),
    )?;
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = connect(ctx, &project, &args.cluster, &plan, &guess, &mut manifests).await?;
        let progress = Progress::new(ctx);
        let mut out = String::new();
        for m in &manifests {
            progress.spin(format!("comparing {}", m.title()));
            let before = apply::deployed(&cluster, &project, m).await?;
            let after = apply::apply(&cluster, m, true).await?;
            if let Some(d) = diff::unified(&m.title(), before.as_ref(), &after) {
                out.push_str(&d);
            }
        }
        let stale = apply::prunable(&cluster, &project, &plan.scheduled).await?;
        let stale_scheduler = if project.scheduler.enabled {
            Vec::new()
        } else {
            apply::prunable_scheduler(&cluster, &project).await?
        };
        drop(progress);
        for name in &stale {
            ctx.term.note(format!(
                "cronjob/{name} is deployed but etl.yaml no longer schedules it (`etl deploy --prune` deletes it)"
            ));
        }
        for (kind, name) in &stale_scheduler {
            ctx.term.note(format!(
                "{} is deployed but etl.yaml no longer needs the scheduler (`etl deploy --prune` deletes it)",
                kind.title(name)
            ));
        }
        // A CronJob left behind is drift too: it keeps firing. So is a scheduler, which keeps
        // starting workflow runs. A CI check on the exit code must see them.
        if out.is_empty() && stale.is_empty() && stale_scheduler.is_empty() {
            ctx.term.note("no differences");
            return Ok(ExitCode::SUCCESS);
        }
        super::output::write_stdout(&out)?;
        Ok(ExitCode::from(crate::error::exit::FAILED))
    })
}
