//! `etl deploy` and `etl diff`: etl.yaml's schedules in the cluster. Both render and resolve
//! everything first (templates, secret values), then talk to the cluster; deploy server-side
//! applies with the field manager `etl`, diff asks for a server-side dry run and compares.

use super::{Ctx, image_ref, secret_values, started_by, templates};
use crate::cli::{ClusterArgs, DeployArgs, DiffArgs};
use crate::cluster::{self, Cluster, Target, explain, retry};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::diff;
use crate::render::scheduler::{self as sched, SchedulerObject};
use crate::render::{self, RunRequest};
use crate::run;
use crate::run::names::{self, PREFIX};
use indicatif::ProgressBar;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::{ByteString, NamespaceResourceScope};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use serde::Serialize;
use serde::de::DeserializeOwned;
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
    /// The project ConfigMap the scheduler reads etl.yaml from.
    ConfigMap(Box<ConfigMap>),
    Scheduler(SchedulerObject),
}

impl Manifest {
    fn name(&self) -> String {
        let meta = match self {
            Manifest::CronJob(c) => &c.metadata,
            Manifest::Secret(s) => &s.metadata,
            Manifest::ConfigMap(c) => &c.metadata,
            Manifest::Scheduler(SchedulerObject::ServiceAccount(o)) => &o.metadata,
            Manifest::Scheduler(SchedulerObject::Role(o)) => &o.metadata,
            Manifest::Scheduler(SchedulerObject::RoleBinding(o)) => &o.metadata,
            Manifest::Scheduler(SchedulerObject::Deployment(o)) => &o.metadata,
            Manifest::Scheduler(SchedulerObject::Service(o)) => &o.metadata,
        };
        meta.name.clone().unwrap_or_default()
    }

    fn kind(&self) -> Kind {
        match self {
            Manifest::CronJob(_) => Kind::CronJob,
            Manifest::Secret(_) => Kind::Secret,
            Manifest::ConfigMap(_) => Kind::ConfigMap,
            Manifest::Scheduler(SchedulerObject::ServiceAccount(_)) => Kind::ServiceAccount,
            Manifest::Scheduler(SchedulerObject::Role(_)) => Kind::Role,
            Manifest::Scheduler(SchedulerObject::RoleBinding(_)) => Kind::RoleBinding,
            Manifest::Scheduler(SchedulerObject::Deployment(_)) => Kind::Deployment,
            Manifest::Scheduler(SchedulerObject::Service(_)) => Kind::Service,
        }
    }

    /// `cronjob/daily-averages`, as kubectl prints it.
    fn title(&self) -> String {
        self.kind().title(&self.name())
    }
}

/// The kinds of object etl applies, for reading and deleting them by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    CronJob,
    Secret,
    ConfigMap,
    ServiceAccount,
    Role,
    RoleBinding,
    Deployment,
    Service,
}

impl Kind {
    /// The scheduler's objects, in the order `--prune` deletes them: the Deployment first, so
    /// the scheduler stops before what it needs goes.
    const SCHEDULER: [Kind; 6] = [
        Kind::Deployment,
        Kind::Service,
        Kind::RoleBinding,
        Kind::Role,
        Kind::ServiceAccount,
        Kind::ConfigMap,
    ];

    /// `deployment.apps/air-quality-scheduler`, as kubectl prints it.
    fn title(self, name: &str) -> String {
        // etl has always said `cronjob/NAME`; the newer kinds in kubectl's long form.
        let kind = match self {
            Kind::CronJob => "cronjob",
            Kind::Secret => "secret",
            Kind::ConfigMap => "configmap",
            Kind::ServiceAccount => "serviceaccount",
            Kind::Role => "role.rbac.authorization.k8s.io",
            Kind::RoleBinding => "rolebinding.rbac.authorization.k8s.io",
            Kind::Deployment => "deployment.apps",
            Kind::Service => "service",
        };
        format!("{kind}/{name}")
    }

    /// What in etl.yaml names an object of this kind, to rename when another one has its name.
    fn renamed_by(self) -> &'static str {
        match self {
            Kind::CronJob => "job",
            Kind::Secret => "secret",
            // `<project>-scheduler`, `<project>-project`.
            _ => "project",
        }
    }

    /// The name of this kind of scheduler object for a project.
    fn scheduler_name(self, project: &str) -> String {
        match self {
            Kind::ConfigMap => sched::project_configmap_name(project),
            _ => sched::scheduler_name(project),
        }
    }

    /// The object of this kind called `name`, as deployed, or None.
    async fn get(self, cluster: &Cluster, name: &str) -> kube::Result<Option<Value>> {
        match self {
            Kind::CronJob => get_as::<CronJob>(cluster, name).await,
            Kind::Secret => get_as::<Secret>(cluster, name).await,
            Kind::ConfigMap => get_as::<ConfigMap>(cluster, name).await,
            Kind::ServiceAccount => get_as::<ServiceAccount>(cluster, name).await,
            Kind::Role => get_as::<Role>(cluster, name).await,
            Kind::RoleBinding => get_as::<RoleBinding>(cluster, name).await,
            Kind::Deployment => get_as::<Deployment>(cluster, name).await,
            Kind::Service => get_as::<Service>(cluster, name).await,
        }
    }

    /// Deletes the object; gone already is fine (a retry, or someone else did it).
    async fn delete(self, cluster: &Cluster, name: &str, dp: &DeleteParams) -> kube::Result<()> {
        match self {
            Kind::CronJob => delete_as::<CronJob>(cluster, name, dp).await,
            Kind::Secret => delete_as::<Secret>(cluster, name, dp).await,
            Kind::ConfigMap => delete_as::<ConfigMap>(cluster, name, dp).await,
            Kind::ServiceAccount => delete_as::<ServiceAccount>(cluster, name, dp).await,
            Kind::Role => delete_as::<Role>(cluster, name, dp).await,
            Kind::RoleBinding => delete_as::<RoleBinding>(cluster, name, dp).await,
            Kind::Deployment => delete_as::<Deployment>(cluster, name, dp).await,
            Kind::Service => delete_as::<Service>(cluster, name, dp).await,
        }
    }
}

/// What every namespaced Kubernetes type etl applies is.
trait Object:
    kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
    + Clone
    + DeserializeOwned
    + Serialize
    + std::fmt::Debug
{
}

impl<K> Object for K where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + Serialize
        + std::fmt::Debug
{
}

fn api<K: Object>(cluster: &Cluster) -> Api<K> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

async fn get_as<K: Object>(cluster: &Cluster, name: &str) -> kube::Result<Option<Value>> {
    let api = api::<K>(cluster);
    retry(|| api.get_opt(name))
        .await
        .map(|o| o.map(|o| to_value(&o)))
}

/// Server-side apply of one object. Idempotent, so retried on transient errors.
async fn apply_as<K: Object>(
    cluster: &Cluster,
    name: &str,
    obj: &K,
    pp: &PatchParams,
) -> kube::Result<Value> {
    let api = api::<K>(cluster);
    let patch = Patch::Apply(obj);
    retry(|| api.patch(name, pp, &patch))
        .await
        .map(|o| to_value(&o))
}

async fn delete_as<K: Object>(
    cluster: &Cluster,
    name: &str,
    dp: &DeleteParams,
) -> kube::Result<()> {
    let api = api::<K>(cluster);
    match retry(|| api.delete(name, dp)).await {
        Ok(_) => Ok(()),
        Err(e) if cluster::status_code(&e) == Some(404) => Ok(()),
        Err(e) => Err(e),
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
    image_flag: Option<&str>,
    scheduler_image_flag: Option<&str>,
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
    let (image, image_note) = image_ref(project, image_flag);
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
            Some(format!(
                "rename the {} in etl.yaml, or deploy to another namespace (--namespace)",
                m.kind().renamed_by()
            )),
        )),
        None => Err(Error::environment(
            format!(
                "{} in namespace {namespace} exists and was not made by etl: not applying over it",
                m.title()
            ),
            Some(format!(
                "rename the {} in etl.yaml, deploy to another namespace, or delete it (kubectl delete -n {namespace} {})",
                m.kind().renamed_by(),
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

/// What is deployed under `m`'s name, after checking that it is this project's (an object of
/// another project or of nobody is never touched).
async fn deployed(cluster: &Cluster, project: &Project, m: &Manifest) -> Result<Option<Value>> {
    let found = m
        .kind()
        .get(cluster, &m.name())
        .await
        .map_err(|e| explain(e, &format!("reading {}", m.title())))?;
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
        Manifest::CronJob(o) => apply_as(cluster, &name, o.as_ref(), &pp).await,
        Manifest::Secret(o) => apply_as(cluster, &name, o.as_ref(), &pp).await,
        Manifest::ConfigMap(o) => apply_as(cluster, &name, o.as_ref(), &pp).await,
        Manifest::Scheduler(SchedulerObject::ServiceAccount(o)) => {
            apply_as(cluster, &name, o.as_ref(), &pp).await
        }
        Manifest::Scheduler(SchedulerObject::Role(o)) => {
            apply_as(cluster, &name, o.as_ref(), &pp).await
        }
        Manifest::Scheduler(SchedulerObject::RoleBinding(o)) => {
            apply_as(cluster, &name, o.as_ref(), &pp).await
        }
        Manifest::Scheduler(SchedulerObject::Deployment(o)) => {
            apply_as(cluster, &name, o.as_ref(), &pp).await
        }
        Manifest::Scheduler(SchedulerObject::Service(o)) => {
            apply_as(cluster, &name, o.as_ref(), &pp).await
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

/// The scheduler's objects (and the project ConfigMap) of this project that are deployed while
/// etl.yaml no longer wants the scheduler: `--prune` deletes them. Read by their fixed names,
/// and only those labelled as this project's count. A kind the user may not read (403) or
/// the server does not serve (404) has none to prune.
async fn prunable_scheduler(cluster: &Cluster, project: &Project) -> Result<Vec<(Kind, String)>> {
    let mut found = Vec::new();
    for kind in Kind::SCHEDULER {
        let name = kind.scheduler_name(&project.name);
        let obj = match kind.get(cluster, &name).await {
            Ok(o) => o,
            Err(e) if cluster::status_code(&e) == Some(403) => None,
            Err(e) => return Err(explain(e, &format!("reading {}", kind.title(&name)))),
        };
        let labels: Option<BTreeMap<String, String>> = obj
            .as_ref()
            .and_then(|o| serde_json::from_value(o["metadata"]["labels"].clone()).ok());
        if owner(labels.as_ref()) == Some(project.name.as_str()) {
            found.push((kind, name));
        }
    }
    Ok(found)
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
    scheduler_image: Option<&str>,
    cluster: &ClusterArgs,
) -> Result<(Plan, String, Vec<Manifest>)> {
    let plan = plan(project, jobs, image, scheduler_image)?;
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
        args.image.as_deref(),
        args.scheduler_image.as_deref(),
        &args.cluster,
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
            let found = deployed(&cluster, &project, m).await?;
            before.push(found);
        }
        let prune = if args.prune {
            progress.spin("looking for CronJobs etl.yaml no longer schedules".into());
            prunable(&cluster, &project, &plan.scheduled).await?
        } else {
            Vec::new()
        };
        // The scheduler goes when etl.yaml no longer wants it (no workflow, no `scheduler:`
        // section, or `enabled: false`).
        let prune_scheduler = if args.prune && !project.scheduler.enabled {
            progress.spin("looking for a scheduler etl.yaml no longer needs".into());
            prunable_scheduler(&cluster, &project).await?
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
            if !super::confirm(
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
        // In the background: the Deployment's ReplicaSets and pods go with it. Runs are Jobs,
        // which none of these own, so they stay.
        let mut dp = DeleteParams::background();
        if args.dry_run {
            dp = dp.dry_run();
        }
        for (kind, name) in &prune_scheduler {
            let title = kind.title(name);
            progress.step(format!("deleting {title}{dry}"));
            kind.delete(&cluster, name, &dp)
                .await
                .map_err(|e| explain(e, &format!("deleting {title}")))?;
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
        args.image.as_deref(),
        args.scheduler_image.as_deref(),
        &args.cluster,
    )?;
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
        let stale_scheduler = if project.scheduler.enabled {
            Vec::new()
        } else {
            prunable_scheduler(&cluster, &project).await?
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
        super::write_stdout(&out)?;
        Ok(ExitCode::from(crate::error::exit::FAILED))
    })
}
