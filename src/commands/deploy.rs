//! `etl deploy` and `etl diff`: etl.yaml's schedules in the cluster. Both render and resolve
//! everything first (templates, secret values), then talk to the cluster; deploy server-side
//! applies with the field manager `etl`, diff asks for a server-side dry run and compares.

use super::{Ctx, image_ref, secret_values, started_by, templates};
use crate::cli::{ClusterArgs, DeployArgs, DiffArgs};
use crate::cluster::{self, Cluster, Target, explain, retry};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::diff;
use crate::render::names::{self, PREFIX};
use crate::render::{self, RunRequest};
use crate::run;
use indicatif::ProgressBar;
use k8s_openapi::ByteString;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

/// The field manager etl applies as. etl owns these objects, so it applies with force: a field
/// someone changed by hand (`kubectl edit`) goes back to what etl.yaml says.
const MANAGER: &str = "etl";

/// One object etl applies.
#[derive(Clone, Debug)]
enum Manifest {
    CronJob(Box<CronJob>),
    Secret(Box<Secret>),
}

impl Manifest {
    fn name(&self) -> String {
        match self {
            Manifest::CronJob(c) => c.metadata.name.clone().unwrap_or_default(),
            Manifest::Secret(s) => s.metadata.name.clone().unwrap_or_default(),
        }
    }

    /// `cronjob/daily-averages`, as kubectl prints it.
    fn title(&self) -> String {
        match self {
            Manifest::CronJob(_) => format!("cronjob/{}", self.name()),
            Manifest::Secret(_) => format!("secret/{}", self.name()),
        }
    }
}

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
}

/// What to deploy: with no JOB named, every scheduled job's CronJob and every job's Secrets
/// (an unscheduled job's Secrets are needed by `etl jobs schedule`, and nothing else puts
/// them in the cluster); with JOBs named, their CronJobs (if scheduled) and their Secrets.
fn plan(project: &Project, named: &[String], image_flag: Option<&str>) -> Result<Plan> {
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
    let (image, image_note) = image_ref(project, image_flag);
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
    })
}

/// The manifests of a plan for one namespace, Secrets first: a deploy applies them in this
/// order, so one interrupted half-way never leaves a CronJob whose Secret is missing (its
/// runs would fail with CreateContainerConfigError until the next deploy).
fn render_all(project: &Project, plan: &Plan, namespace: &str) -> Result<Vec<Manifest>> {
    let templates = templates(project)?;
    let who = started_by();
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
            started_by: &who,
        };
        out.push(Manifest::CronJob(Box::new(render::cronjob(
            &templates, &req,
        )?)));
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

fn target(c: &ClusterArgs) -> Target {
    Target {
        context: c.context.clone(),
        namespace: c.namespace.clone(),
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("k8s-openapi types always serialize")
}

/// The project label of an object, to tell etl's own objects from anyone else's.
fn owner(labels: Option<&std::collections::BTreeMap<String, String>>) -> Option<&str> {
    labels?
        .get(&format!("{PREFIX}/project"))
        .map(String::as_str)
}

/// Refuses an object of the same name that this project did not make: applying with force
/// would silently take it over.
fn check_owner(project: &Project, m: &Manifest, existing: &Value, namespace: &str) -> Result<()> {
    let labels: Option<std::collections::BTreeMap<String, String>> =
        serde_json::from_value(existing["metadata"]["labels"].clone()).ok();
    match owner(labels.as_ref()) {
        Some(p) if p == project.name => Ok(()),
        Some(other) => Err(Error::environment(
            format!(
                "{} in namespace {namespace} belongs to the etl project `{other}`, not `{}`: not applying over it",
                m.title(),
                project.name
            ),
            Some("rename the job or secret in etl.yaml, or deploy to another namespace (--namespace)".into()),
        )),
        None => Err(Error::environment(
            format!(
                "{} in namespace {namespace} exists and was not made by etl: not applying over it",
                m.title()
            ),
            Some(format!(
                "rename the job or secret in etl.yaml, deploy to another namespace, or delete it (kubectl delete -n {namespace} {})",
                m.title()
            )),
        )),
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
    let cluster = cluster::connect(project, &target(args)).await?;
    if cluster.namespace != guess {
        *manifests = render_all(project, plan, &cluster.namespace)?;
    }
    ctx.term.note(format!(
        "context {}, namespace {}",
        cluster.context, cluster.namespace
    ));
    let namespaces: Api<Namespace> = Api::all(cluster.client.clone());
    match retry(|| namespaces.get_opt(&cluster.namespace)).await {
        Ok(Some(_)) => Ok(cluster),
        Ok(None) => Err(no_namespace(&cluster)),
        // Many users may not read namespaces (a Role in their own namespace is enough to
        // deploy): then an apply into a missing one says so instead.
        Err(e) if cluster::status_code(&e) == Some(403) => Ok(cluster),
        Err(e) => Err(explain(
            e,
            &format!("reading namespace {}", cluster.namespace),
        )),
    }
}

fn no_namespace(cluster: &Cluster) -> Error {
    let ns = &cluster.namespace;
    Error::environment(
        format!(
            "namespace {ns} does not exist in context {}",
            cluster.context
        ),
        Some(format!(
            "create it (kubectl create namespace {ns}), or set cluster.namespace in etl.yaml / pass --namespace"
        )),
    )
}

/// Whether an API error is the namespace being missing (404 on a create into it).
fn is_missing_namespace(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404 && s.details.as_ref().is_some_and(|d| d.kind == "namespaces"))
}

/// The object as deployed now, or None.
/// What is deployed under `m`'s name, after checking that it is this project's (an object of
/// another project or of nobody is never touched).
async fn deployed(cluster: &Cluster, project: &Project, m: &Manifest) -> Result<Option<Value>> {
    let name = m.name();
    let doing = format!("reading {}", m.title());
    let found = match m {
        Manifest::CronJob(_) => {
            let api: Api<CronJob> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
            retry(|| api.get_opt(&name))
                .await
                .map_err(|e| explain(e, &doing))?
                .map(|o| to_value(&o))
        }
        Manifest::Secret(_) => {
            let api: Api<Secret> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
            retry(|| api.get_opt(&name))
                .await
                .map_err(|e| explain(e, &doing))?
                .map(|o| to_value(&o))
        }
    };
    if let Some(v) = &found {
        check_owner(project, m, v, &cluster.namespace)?;
    }
    Ok(found)
}

/// Server-side apply of one object (a dry run with `dry_run`), returning the server's answer.
/// Idempotent, so retried on transient errors.
async fn apply(cluster: &Cluster, m: &Manifest, dry_run: bool) -> Result<Value> {
    let mut pp = PatchParams::apply(MANAGER).force();
    if dry_run {
        pp = pp.dry_run();
    }
    let name = m.name();
    let result = match m {
        Manifest::CronJob(c) => {
            let api: Api<CronJob> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
            let patch = Patch::Apply(c.as_ref());
            retry(|| api.patch(&name, &pp, &patch))
                .await
                .map(|o| to_value(&o))
        }
        Manifest::Secret(s) => {
            let api: Api<Secret> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
            let patch = Patch::Apply(s.as_ref());
            retry(|| api.patch(&name, &pp, &patch))
                .await
                .map(|o| to_value(&o))
        }
    };
    result.map_err(|e| {
        if is_missing_namespace(&e) {
            no_namespace(cluster)
        } else {
            explain(e, &format!("applying {}", m.title()))
        }
    })
}

/// This project's CronJobs in the namespace that etl.yaml no longer schedules.
async fn prunable(
    cluster: &Cluster,
    project: &Project,
    keep: &BTreeSet<String>,
) -> Result<Vec<String>> {
    let api: Api<CronJob> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let lp = ListParams::default().labels(&format!(
        "{PREFIX}/project={},app.kubernetes.io/managed-by=etl",
        project.name
    ));
    let list = retry(|| api.list(&lp))
        .await
        .map_err(|e| explain(e, "listing this project's CronJobs"))?;
    Ok(list
        .items
        .iter()
        .filter_map(|c| c.metadata.name.clone())
        .filter(|n| !keep.contains(n))
        .collect())
}

/// The runs still going of each CronJob `--prune` would delete: the Jobs it made (its
/// ownerReferences) that have not finished. One paged list of the project's cron runs.
async fn active_runs(
    cluster: &Cluster,
    project: &Project,
    cronjobs: &[String],
) -> Result<BTreeMap<String, Vec<String>>> {
    let mut active: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let selector = format!("{PREFIX}/project={},{PREFIX}/trigger=cron", project.name);
    cluster::list::each_job(cluster, &selector, |job| {
        let owner = job
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.kind == "CronJob" && cronjobs.contains(&o.name));
        if let Some(o) = owner
            && !run::state(&job).is_finished()
        {
            active
                .entry(o.name.clone())
                .or_default()
                .push(job.metadata.name.clone().unwrap_or_default());
        }
    })
    .await
    .map_err(|e| explain(e, "listing the runs of the CronJobs to prune"))?;
    Ok(active)
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
            Some(bar) => bar.suspend(|| super::write_stdout(&format!("{line}\n")))?,
            None => super::write_stdout(&format!("{line}\n"))?,
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
    image: Option<&str>,
    cluster: &ClusterArgs,
) -> Result<(Plan, String, Vec<Manifest>)> {
    let plan = plan(project, jobs, image)?;
    let guess = cluster
        .namespace
        .clone()
        .unwrap_or_else(|| project.namespace().to_string());
    let manifests = render_all(project, &plan, &guess)?;
    Ok((plan, guess, manifests))
}

pub fn deploy(ctx: &Ctx, args: DeployArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let (plan, guess, mut manifests) =
        prepare(&project, &args.jobs, args.image.as_deref(), &args.cluster)?;
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
            let found = deployed(&cluster, &project, m).await?;
            before.push(found);
        }
        let prune = if args.prune {
            progress.spin("looking for CronJobs etl.yaml no longer schedules".into());
            prunable(&cluster, &project, &plan.scheduled).await?
        } else {
            Vec::new()
        };
        let active = if prune.is_empty() {
            BTreeMap::new()
        } else {
            progress.spin("looking for runs of those CronJobs still going".into());
            active_runs(&cluster, &project, &prune).await?
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
        if !prune.is_empty() && !args.dry_run && !args.yes {
            let list = prune
                .iter()
                .map(|n| format!("cronjob/{n}"))
                .collect::<Vec<_>>()
                .join(", ");
            if !ctx.term.interactive {
                return Err(Error::usage(
                    format!("--prune would delete {list}, which needs confirmation"),
                    "pass --yes (or --dry-run to see what would change)",
                ));
            }
            if !super::confirm(
                &ctx.term,
                &format!(
                    "Delete {list} (no longer scheduled in etl.yaml)? Their runs and logs are kept."
                ),
            )? {
                return Err(Error::Declined);
            }
        }
        if !manifests.is_empty() {
            ctx.term.note(format!("using {}", plan.image_note));
        }
        let progress = Progress::new(ctx);
        for (m, before) in manifests.iter().zip(&before) {
            progress.step(format!("applying {}{dry}", m.title()));
            let after = apply(&cluster, m, args.dry_run).await?;
            let outcome = diff::outcome(before.as_ref(), &after, args.dry_run);
            progress.result(format!("{} {}{dry}", m.title(), outcome.as_str()))?;
        }
        let api: Api<CronJob> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        // Orphan: the CronJob goes, the Jobs it made stay. A finished run keeps its record
        // (`etl runs`, its logs) until the Job's own TTL, and a run going on is not killed;
        // background propagation would delete them all, pods included, without a word.
        let mut dp = DeleteParams::orphan();
        if args.dry_run {
            dp = dp.dry_run();
        }
        for name in &prune {
            progress.step(format!("deleting cronjob/{name}{dry}"));
            match retry(|| api.delete(name, &dp)).await {
                Ok(_) => {}
                // Gone already (a retry, or someone else): what --prune wanted.
                Err(e) if cluster::status_code(&e) == Some(404) => {}
                Err(e) => return Err(explain(e, &format!("deleting cronjob/{name}"))),
            }
            progress.result(format!("cronjob/{name} deleted{dry}"))?;
        }
        drop(progress);
        if manifests.is_empty() && prune.is_empty() {
            ctx.term.note("nothing to deploy or prune");
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn diff(ctx: &Ctx, args: DiffArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let (plan, guess, mut manifests) =
        prepare(&project, &args.jobs, args.image.as_deref(), &args.cluster)?;
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = connect(ctx, &project, &args.cluster, &plan, &guess, &mut manifests).await?;
        let progress = Progress::new(ctx);
        let mut out = String::new();
        for m in &manifests {
            progress.spin(format!("comparing {}", m.title()));
            let before = deployed(&cluster, &project, m).await?;
            let after = apply(&cluster, m, true).await?;
            if let Some(d) = diff::unified(&m.title(), before.as_ref(), &after) {
                out.push_str(&d);
            }
        }
        let stale = prunable(&cluster, &project, &plan.scheduled).await?;
        drop(progress);
        for name in &stale {
            ctx.term.note(format!(
                "cronjob/{name} is deployed but etl.yaml no longer schedules it (`etl deploy --prune` deletes it)"
            ));
        }
        // A CronJob left behind is drift too: it keeps firing. A CI check on the exit code
        // must see it.
        if out.is_empty() && stale.is_empty() {
            ctx.term.note("no differences");
            return Ok(ExitCode::SUCCESS);
        }
        super::write_stdout(&out)?;
        Ok(ExitCode::from(crate::error::exit::FAILED))
    })
}
