//! Applying etl.yaml's objects (`etl deploy`, `etl diff`): what is deployed under a name and
//! whether it is this project's, server-side apply (for real or as a dry run), and what
//! `--prune` finds and deletes. Every write is idempotent (an apply, or a delete where 404 is
//! "already gone"), so it is retried on transient errors. I/O.

use super::{Cluster, explain, retry, status_code};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::scheduler::{self as sched, SchedulerObject};
use crate::run;
use crate::run::names::PREFIX;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The field manager etl applies as. etl owns these objects, so it applies with force: a field
/// someone changed by hand (`kubectl edit`) goes back to what etl.yaml says.
const MANAGER: &str = "etl";

/// One object etl applies.
#[derive(Clone, Debug)]
pub enum Manifest {
    CronJob(Box<CronJob>),
    Secret(Box<Secret>),
    /// The project ConfigMap the scheduler reads etl.yaml from.
    ConfigMap(Box<ConfigMap>),
    Scheduler(SchedulerObject),
}

impl Manifest {
    pub fn name(&self) -> String {
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

    pub fn kind(&self) -> Kind {
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
    pub fn title(&self) -> String {
        self.kind().title(&self.name())
    }
}

/// The kinds of object etl applies, for reading and deleting them by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
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
    pub fn title(self, name: &str) -> String {
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
        Err(e) if status_code(&e) == Some(404) => Ok(()),
        Err(e) => Err(e),
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("k8s-openapi types always serialize")
}

/// Refuses an object of the same name that this project did not make: applying with force
/// would silently take it over.
fn check_owner(project: &Project, m: &Manifest, existing: &Value, namespace: &str) -> Result<()> {
    let labels: Option<BTreeMap<String, String>> =
        serde_json::from_value(existing["metadata"]["labels"].clone()).ok();
    match super::project_of(labels.as_ref()) {
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

/// Checks that the namespace of `cluster` exists. Many users may not read namespaces (a Role
/// in their own namespace is enough to deploy): then this passes, and an apply into a
/// missing one says so instead.
pub async fn check_namespace(cluster: &Cluster) -> Result<()> {
    let namespaces: Api<Namespace> = Api::all(cluster.client.clone());
    match retry(|| namespaces.get_opt(&cluster.namespace)).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(no_namespace(cluster)),
        Err(e) if status_code(&e) == Some(403) => Ok(()),
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
pub async fn deployed(cluster: &Cluster, project: &Project, m: &Manifest) -> Result<Option<Value>> {
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
pub async fn apply(cluster: &Cluster, m: &Manifest, dry_run: bool) -> Result<Value> {
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
pub async fn prunable_scheduler(
    cluster: &Cluster,
    project: &Project,
) -> Result<Vec<(Kind, String)>> {
    let mut found = Vec::new();
    for kind in Kind::SCHEDULER {
        let name = kind.scheduler_name(&project.name);
        let obj = match kind.get(cluster, &name).await {
            Ok(o) => o,
            Err(e) if status_code(&e) == Some(403) => None,
            Err(e) => return Err(explain(e, &format!("reading {}", kind.title(&name)))),
        };
        let labels: Option<BTreeMap<String, String>> = obj
            .as_ref()
            .and_then(|o| serde_json::from_value(o["metadata"]["labels"].clone()).ok());
        if super::project_of(labels.as_ref()) == Some(project.name.as_str()) {
            found.push((kind, name));
        }
    }
    Ok(found)
}

/// This project's CronJobs in the namespace that etl.yaml no longer schedules.
pub async fn prunable(
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
pub async fn active_runs(
    cluster: &Cluster,
    project: &Project,
    cronjobs: &[String],
) -> Result<BTreeMap<String, Vec<String>>> {
    let mut active: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let selector = format!("{PREFIX}/project={},{PREFIX}/trigger=cron", project.name);
    super::list::each_job(cluster, &selector, |job| {
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

/// Deletes what `--prune` found (a dry run with `dry_run`); gone already is fine (a retry, or
/// someone else did it). A CronJob is deleted as an orphan: the CronJob goes, the Jobs it made
/// stay. A finished run keeps its record (`etl runs`, its logs) until the Job's own TTL, and a
/// run going on is not killed; background propagation would delete them all, pods included,
/// without a word. Any other kind (the scheduler's objects) goes in the background: the
/// Deployment's ReplicaSets and pods go with it. Runs are Jobs, which none of these own, so
/// they stay.
pub async fn prune(cluster: &Cluster, kind: Kind, name: &str, dry_run: bool) -> Result<()> {
    let mut dp = if kind == Kind::CronJob {
        DeleteParams::orphan()
    } else {
        DeleteParams::background()
    };
    if dry_run {
        dp = dp.dry_run();
    }
    kind.delete(cluster, name, &dp)
        .await
        .map_err(|e| explain(e, &format!("deleting {}", kind.title(name))))
}
