//! The in-cluster scheduler's objects: the ServiceAccount, Role, RoleBinding, Deployment and
//! Service rendered from `templates/scheduler.yaml`, and the project ConfigMap the scheduler
//! reads etl.yaml, the project's own templates and the job image from. Pure.

use super::{RenderError, Templates, render_value, resources_block, typed};
use crate::project::Project;
use crate::run::names::{self, PREFIX};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The `etl.dev/kind` label of the scheduler's objects (what `--prune` looks for).
pub const KIND_SCHEDULER: &str = "scheduler";
/// The `etl.dev/kind` label of the project ConfigMap.
pub const KIND_PROJECT: &str = "project";

/// The project ConfigMap's keys besides one per template the project overrides (named like the
/// file: `job.yaml`, `cron-window.sh`; a template without a key is the one built into etl).
pub const KEY_ETL_YAML: &str = "etl.yaml";
pub const KEY_IMAGE: &str = "image";

/// `<project>-scheduler`: the ServiceAccount, Role, RoleBinding, Deployment, Service and the
/// scheduler's Lease. A project name has at most 40 characters, so this always fits; `fit`
/// keeps it valid should that limit ever change.
pub fn scheduler_name(project: &str) -> String {
    names::fit(&format!("{project}-scheduler"), names::MAX_LABEL)
}

/// `<project>-project`: the ConfigMap holding what the scheduler needs from this machine.
pub fn project_configmap_name(project: &str) -> String {
    names::fit(&format!("{project}-project"), names::MAX_LABEL)
}

/// One object of `scheduler.yaml`, typed.
#[derive(Clone, Debug, PartialEq)]
pub enum SchedulerObject {
    ServiceAccount(Box<ServiceAccount>),
    Role(Box<Role>),
    RoleBinding(Box<RoleBinding>),
    Deployment(Box<Deployment>),
    Service(Box<Service>),
}

impl SchedulerObject {
    pub fn to_value(&self) -> Value {
        fn v<T: Serialize>(t: &T) -> Value {
            serde_json::to_value(t).expect("k8s-openapi types always serialize")
        }
        match self {
            SchedulerObject::ServiceAccount(o) => v(o),
            SchedulerObject::Role(o) => v(o),
            SchedulerObject::RoleBinding(o) => v(o),
            SchedulerObject::Deployment(o) => v(o),
            SchedulerObject::Service(o) => v(o),
        }
    }
}

/// The labels of every scheduler object and the scheduler's pods. The selector is the project
/// and kind only: a Deployment's selector cannot change once applied.
fn labels(project: &Project, kind: &str) -> BTreeMap<String, String> {
    let mut l = selector(project, kind);
    l.insert("app.kubernetes.io/managed-by".into(), "etl".into());
    l
}

fn selector(project: &Project, kind: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (format!("{PREFIX}/project"), project.name.clone()),
        (format!("{PREFIX}/kind"), kind.to_string()),
    ])
}

/// The json-e context `scheduler.yaml` sees (documented in the README).
pub fn context(project: &Project, namespace: &str, image: &str) -> Value {
    let s = &project.scheduler;
    json!({
        "project": {"name": project.name, "namespace": namespace},
        "names": {
            "scheduler": scheduler_name(&project.name),
            "project_configmap": project_configmap_name(&project.name),
        },
        "labels": labels(project, KIND_SCHEDULER),
        "selector": selector(project, KIND_SCHEDULER),
        "image": image,
        "scheduler": {"replicas": s.replicas},
        "resources": resources_block(&s.resources),
    })
}

/// Renders `scheduler.yaml` for the project, with `image` (etl's own image) in the Deployment.
/// Each object is checked against its Kubernetes type, strictly, like every render.
pub fn objects(
    templates: &Templates,
    project: &Project,
    namespace: &str,
    image: &str,
) -> Result<Vec<SchedulerObject>, RenderError> {
    let t = templates.get("scheduler.yaml");
    let rendered = render_value(t, &context(project, namespace, image))?;
    let invalid = |path: String, message: String| RenderError::Invalid {
        template: t.source.clone(),
        kind: "scheduler object",
        path,
        message,
    };
    let Value::Array(items) = rendered else {
        return Err(invalid(
            String::new(),
            "expected a list of objects (ServiceAccount, Role, RoleBinding, Deployment, Service)"
                .into(),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let api = item["apiVersion"].as_str().unwrap_or_default();
            let kind = item["kind"].as_str().unwrap_or_default();
            Ok(match (api, kind) {
                ("v1", "ServiceAccount") => {
                    SchedulerObject::ServiceAccount(Box::new(typed(t, "ServiceAccount", item)?))
                }
                ("rbac.authorization.k8s.io/v1", "Role") => {
                    SchedulerObject::Role(Box::new(typed(t, "Role", item)?))
                }
                ("rbac.authorization.k8s.io/v1", "RoleBinding") => {
                    SchedulerObject::RoleBinding(Box::new(typed(t, "RoleBinding", item)?))
                }
                ("apps/v1", "Deployment") => {
                    SchedulerObject::Deployment(Box::new(typed(t, "Deployment", item)?))
                }
                ("v1", "Service") => SchedulerObject::Service(Box::new(typed(t, "Service", item)?)),
                _ => {
                    return Err(invalid(
                        format!("[{i}]"),
                        format!(
                            "`{api}` `{kind}` is not one etl applies for the scheduler: \
                             use v1 ServiceAccount, rbac.authorization.k8s.io/v1 Role or \
                             RoleBinding, apps/v1 Deployment, v1 Service"
                        ),
                    ));
                }
            })
        })
        .collect()
}

/// The project ConfigMap: `etl.yaml` (the file's text exactly), one key per template the
/// project overrides, and `image`, the job image reference deploy resolved (the one its
/// CronJobs run).
pub fn project_configmap(
    project: &Project,
    namespace: &str,
    etl_yaml: &str,
    own_templates: &[(&str, &str)],
    job_image: &str,
) -> ConfigMap {
    let mut data = BTreeMap::from([
        (KEY_ETL_YAML.to_string(), etl_yaml.to_string()),
        (KEY_IMAGE.to_string(), job_image.to_string()),
    ]);
    for (name, text) in own_templates {
        data.insert(name.to_string(), text.to_string());
    }
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(project_configmap_name(&project.name)),
            namespace: Some(namespace.to_string()),
            labels: Some(labels(project, KIND_PROJECT)),
            ..Default::default()
        },
        data: Some(data),
        ..Default::default()
    }
}

/// What the project ConfigMap holds, read back: for the scheduler.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectFiles {
    /// etl.yaml's text.
    pub etl_yaml: String,
    /// `(file name, text)` of each template the project overrides, e.g. `("job.yaml", …)`.
    pub templates: Vec<(String, String)>,
    /// The job image.
    pub image: String,
}

/// Reads a project ConfigMap written by [`project_configmap`]. A missing key is an error
/// naming it (someone edited the ConfigMap by hand; `etl deploy` writes it again).
pub fn project_files(cm: &ConfigMap) -> Result<ProjectFiles, String> {
    let name = cm.metadata.name.as_deref().unwrap_or("?");
    let empty = BTreeMap::new();
    let data = cm.data.as_ref().unwrap_or(&empty);
    let key = |k: &str| {
        data.get(k)
            .cloned()
            .ok_or_else(|| format!("configmap/{name} has no key `{k}`: run `etl deploy` again"))
    };
    Ok(ProjectFiles {
        etl_yaml: key(KEY_ETL_YAML)?,
        image: key(KEY_IMAGE)?,
        templates: data
            .iter()
            .filter(|(k, _)| *k != KEY_ETL_YAML && *k != KEY_IMAGE)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn project(extra: &str) -> Project {
        let text = format!(
            "project: air\njobs:\n  a: {{command: [x]}}\nworkflows:\n  w: {{tasks: {{a: {{}}}}}}\n{extra}"
        );
        crate::project::parse(Path::new("etl.yaml"), &text).unwrap()
    }

    fn deployment(objects: &[SchedulerObject]) -> &Deployment {
        objects
            .iter()
            .find_map(|o| match o {
                SchedulerObject::Deployment(d) => Some(d.as_ref()),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn the_default_template_renders_the_contract() {
        let p = project("");
        let objects = objects(&Templates::embedded(), &p, "ns", "reg/air:etl-1").unwrap();
        let kinds: Vec<String> = objects
            .iter()
            .map(|o| o.to_value()["kind"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            kinds,
            [
                "ServiceAccount",
                "Role",
                "RoleBinding",
                "Deployment",
                "Service"
            ]
        );
        for o in &objects {
            let v = o.to_value();
            assert_eq!(v["metadata"]["name"], "air-scheduler", "{v}");
            assert_eq!(v["metadata"]["namespace"], "ns");
            assert_eq!(v["metadata"]["labels"]["etl.dev/project"], "air");
            assert_eq!(v["metadata"]["labels"]["etl.dev/kind"], "scheduler");
            assert_eq!(
                v["metadata"]["labels"]["app.kubernetes.io/managed-by"],
                "etl"
            );
        }
        let d = serde_json::to_value(deployment(&objects)).unwrap();
        let pod = &d["spec"]["template"]["spec"];
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(pod["serviceAccountName"], "air-scheduler");
        let c = &pod["containers"][0];
        assert_eq!(c["name"], "scheduler");
        assert_eq!(c["image"], "reg/air:etl-1");
        assert_eq!(c["command"], json!(["etl", "scheduler"]));
        assert_eq!(c["args"], json!(["--listen", "0.0.0.0:8080"]));
        assert_eq!(
            c["env"],
            json!([
                {"name": "ETL_PROJECT_CONFIGMAP", "value": "air-project"},
                {"name": "ETL_SCHEDULER_ID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "ETL_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            ])
        );
        assert_eq!(
            c["resources"],
            json!({"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}})
        );
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(c["securityContext"]["capabilities"]["drop"], json!(["ALL"]));
        assert_eq!(pod["securityContext"]["runAsUser"], 65532);
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
        assert_eq!(
            d["spec"]["selector"]["matchLabels"],
            json!({"etl.dev/kind": "scheduler", "etl.dev/project": "air"})
        );
    }

    #[test]
    fn the_role_is_namespaced_and_grants_what_the_scheduler_uses() {
        let objects = objects(&Templates::embedded(), &project(""), "ns", "i").unwrap();
        let role = objects
            .iter()
            .find_map(|o| match o {
                SchedulerObject::Role(r) => Some(r),
                _ => None,
            })
            .unwrap();
        let grants: Vec<(String, String)> = role
            .rules
            .iter()
            .flatten()
            .flat_map(|r| {
                let group = r.api_groups.clone().unwrap_or_default().join(",");
                r.resources
                    .iter()
                    .flatten()
                    .map(move |res| (format!("{group}/{res}"), r.verbs.join(",")))
                    .collect::<Vec<_>>()
            })
            .collect();
        let want = [
            ("batch/jobs", "get,list,watch,create,patch,update,delete"),
            ("/pods", "get,list,watch,delete"),
            ("/pods/log", "get"),
            ("/configmaps", "get,list,watch,create,patch,update,delete"),
            ("/events", "create,patch"),
            ("coordination.k8s.io/leases", "get,create,update,patch"),
        ];
        assert_eq!(grants, want.map(|(a, b)| (a.to_string(), b.to_string())));
    }

    #[test]
    fn replicas_and_resources_come_from_etl_yaml() {
        let p = project("scheduler:\n  replicas: 2\n  resources: {cpu: 100m, memory_limit: 1Gi}\n");
        let objects = objects(&Templates::embedded(), &p, "ns", "i").unwrap();
        let d = serde_json::to_value(deployment(&objects)).unwrap();
        assert_eq!(d["spec"]["replicas"], 2);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["resources"],
            json!({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "1Gi"}})
        );
    }

    #[test]
    fn a_template_mistake_names_the_file_and_the_field() {
        let mut t = Templates::embedded();
        let broken = Templates::embedded().get("scheduler.yaml").text.replace(
            "revisionHistoryLimit: 3",
            "revisionHistoryLimit: 3\n    bogus: 1",
        );
        t.set("scheduler.yaml", "templates/scheduler.yaml".into(), broken);
        let e = objects(&t, &project(""), "ns", "i").unwrap_err();
        assert_eq!(
            e,
            RenderError::UnknownField {
                template: "templates/scheduler.yaml".into(),
                kind: "Deployment",
                path: "spec.bogus".into(),
            }
        );
        let mut t = Templates::embedded();
        t.set(
            "scheduler.yaml",
            "templates/scheduler.yaml".into(),
            "- {apiVersion: batch/v1, kind: Job}\n".into(),
        );
        let e = objects(&t, &project(""), "ns", "i")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`batch/v1` `Job` is not one etl applies"), "{e}");
    }

    #[test]
    fn the_project_configmap_reads_back_what_deploy_wrote() {
        let p = project("");
        let cm = project_configmap(
            &p,
            "ns",
            "project: air\n",
            &[("job.yaml", "kind: Job\n")],
            "reg/air@sha256:ab",
        );
        assert_eq!(cm.metadata.name.as_deref(), Some("air-project"));
        let labels = cm.metadata.labels.clone().unwrap();
        assert_eq!(labels["etl.dev/kind"], "project");
        assert_eq!(labels["etl.dev/project"], "air");
        assert_eq!(
            project_files(&cm).unwrap(),
            ProjectFiles {
                etl_yaml: "project: air\n".into(),
                templates: vec![("job.yaml".into(), "kind: Job\n".into())],
                image: "reg/air@sha256:ab".into(),
            }
        );
        let mut broken = cm.clone();
        broken.data.as_mut().unwrap().remove("image");
        assert_eq!(
            project_files(&broken).unwrap_err(),
            "configmap/air-project has no key `image`: run `etl deploy` again"
        );
    }
}
