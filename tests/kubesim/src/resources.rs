//! The API resources kubesim serves and the discovery documents describing them. Pure.

use serde_json::{Value, json};

/// One REST resource (e.g. `jobs` in `batch/v1`).
#[derive(Debug)]
pub struct Resource {
    pub name: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub subresources: &'static [&'static str],
    pub categories: &'static [&'static str],
}

impl Resource {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `jobs.batch`, or `pods` for the core group (as in error messages).
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.name.to_string()
        } else {
            format!("{}.{}", self.name, self.group)
        }
    }

    /// `Job.batch`, or `Pod` for the core group (as in Invalid messages).
    pub fn kind_group(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// Whether `metadata.generation` tracks spec changes (the real server keeps none for
    /// pods, leases and services, whose spec is written by their holders all the time).
    pub fn has_generation(&self) -> bool {
        !matches!(self.name, "pods" | "leases" | "services")
    }

    pub fn has_status(&self) -> bool {
        self.subresources.contains(&"status")
    }
}

const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

pub static POD: Resource = Resource {
    name: "pods",
    singular: "pod",
    kind: "Pod",
    group: "",
    version: "v1",
    namespaced: true,
    short_names: &["po"],
    subresources: &["status", "log"],
    categories: &["all"],
};
pub static SECRET: Resource = Resource {
    name: "secrets",
    singular: "secret",
    kind: "Secret",
    group: "",
    version: "v1",
    namespaced: true,
    short_names: &[],
    subresources: &[],
    categories: &[],
};
pub static CONFIGMAP: Resource = Resource {
    name: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    group: "",
    version: "v1",
    namespaced: true,
    short_names: &["cm"],
    subresources: &[],
    categories: &[],
};
pub static EVENT: Resource = Resource {
    name: "events",
    singular: "event",
    kind: "Event",
    group: "",
    version: "v1",
    namespaced: true,
    short_names: &["ev"],
    subresources: &[],
    categories: &[],
};
pub static NAMESPACE: Resource = Resource {
    name: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    group: "",
    version: "v1",
    namespaced: false,
    short_names: &["ns"],
    subresources: &["status"],
    categories: &[],
};
pub static JOB: Resource = Resource {
    name: "jobs",
    singular: "job",
    kind: "Job",
    group: "batch",
    version: "v1",
    namespaced: true,
    short_names: &[],
    subresources: &["status"],
    categories: &["all"],
};
pub static CRONJOB: Resource = Resource {
    name: "cronjobs",
    singular: "cronjob",
    kind: "CronJob",
    group: "batch",
    version: "v1",
    namespaced: true,
    short_names: &["cj"],
    subresources: &["status"],
    categories: &["all"],
};

pub static LEASE: Resource = Resource {
    name: "leases",
    singular: "lease",
    kind: "Lease",
    group: "coordination.k8s.io",
    version: "v1",
    namespaced: true,
    short_names: &[],
    subresources: &[],
    categories: &[],
};

pub static SERVICEACCOUNT: Resource = Resource {
    name: "serviceaccounts",
    singular: "serviceaccount",
    kind: "ServiceAccount",
    group: "",
    version: "v1",
    namespaced: true,
    short_names: &["sa"],
    subresources: &[],
    categories: &[],
};
pub static SERVICE: Resource = Resource {
    name: "services",
    singular: "service",
    kind: "Service",
    group: "",
    version: "v1",
    namespaced: true,
    short_names: &["svc"],
    subresources: &["status"],
    categories: &["all"],
};
pub static ROLE: Resource = Resource {
    name: "roles",
    singular: "role",
    kind: "Role",
    group: "rbac.authorization.k8s.io",
    version: "v1",
    namespaced: true,
    short_names: &[],
    subresources: &[],
    categories: &[],
};
pub static ROLEBINDING: Resource = Resource {
    name: "rolebindings",
    singular: "rolebinding",
    kind: "RoleBinding",
    group: "rbac.authorization.k8s.io",
    version: "v1",
    namespaced: true,
    short_names: &[],
    subresources: &[],
    categories: &[],
};

pub static DEPLOYMENT: Resource = Resource {
    name: "deployments",
    singular: "deployment",
    kind: "Deployment",
    group: "apps",
    version: "v1",
    namespaced: true,
    short_names: &["deploy"],
    subresources: &["status", "scale"],
    categories: &["all"],
};

pub static ALL: &[&Resource] = &[
    &POD,
    &SECRET,
    &CONFIGMAP,
    &EVENT,
    &NAMESPACE,
    &SERVICEACCOUNT,
    &SERVICE,
    &JOB,
    &CRONJOB,
    &DEPLOYMENT,
    &LEASE,
    &ROLE,
    &ROLEBINDING,
];

/// The API groups other than the core one, in the order discovery lists them.
fn groups() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for r in ALL.iter().filter(|r| !r.group.is_empty()) {
        if !out.contains(&r.group) {
            out.push(r.group);
        }
    }
    out
}

/// The resource named `name` in `group`/`version`.
pub fn find(group: &str, version: &str, name: &str) -> Option<&'static Resource> {
    ALL.iter()
        .copied()
        .find(|r| r.group == group && r.version == version && r.name == name)
}

/// The resource whose objects have `apiVersion`/`kind` (used for owner references).
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static Resource> {
    ALL.iter()
        .copied()
        .find(|r| r.kind == kind && r.api_version() == api_version)
}

pub fn version_doc() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": "v1.32.0-kubesim",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

pub fn core_versions(server_addr: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_addr}]
    })
}

fn group_doc(group: &str) -> Value {
    json!({
        "name": group,
        "versions": [{"groupVersion": format!("{group}/v1"), "version": "v1"}],
        "preferredVersion": {"groupVersion": format!("{group}/v1"), "version": "v1"}
    })
}

pub fn group_list() -> Value {
    let groups: Vec<Value> = groups().into_iter().map(group_doc).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn group(group: &str) -> Option<Value> {
    if !groups().contains(&group) {
        return None;
    }
    let mut g = group_doc(group);
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    Some(g)
}

/// The `APIResourceList` of `group_version` ("v1" or "batch/v1").
pub fn resource_list(group_version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for r in ALL.iter().filter(|r| r.api_version() == group_version) {
        let mut doc = json!({
            "name": r.name,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": VERBS,
        });
        if !r.short_names.is_empty() {
            doc["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            doc["categories"] = json!(r.categories);
        }
        resources.push(doc);
        for sub in r.subresources {
            let verbs: &[&str] = if *sub == "log" {
                &["get"]
            } else {
                &["get", "patch", "update"]
            };
            let mut doc = json!({
                "name": format!("{}/{}", r.name, sub),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": if *sub == "log" { "Pod" } else { r.kind },
                "verbs": verbs,
            });
            if *sub == "scale" {
                // kubectl scale finds the Scale kind through these.
                doc["group"] = json!("autoscaling");
                doc["version"] = json!("v1");
                doc["kind"] = json!("Scale");
            }
            resources.push(doc);
        }
    }
    if resources.is_empty() {
        return None;
    }
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}),
    )
}

/// `/openapi/v3`: the index of group-version documents.
pub fn openapi_v3_index() -> Value {
    let mut paths = serde_json::Map::new();
    paths.insert(
        "api/v1".into(),
        json!({"serverRelativeURL": "/openapi/v3/api/v1?hash=kubesim"}),
    );
    for g in groups() {
        paths.insert(
            format!("apis/{g}/v1"),
            json!({"serverRelativeURL": format!("/openapi/v3/apis/{g}/v1?hash=kubesim")}),
        );
    }
    json!({"paths": paths})
}

/// A minimal OpenAPI v3 document for one group-version: just enough paths for kubectl to
/// see that PATCH supports server-side field validation (so it skips client-side schema
/// validation, for which kubesim has no schemas).
pub fn openapi_v3(group_version: &str) -> Option<Value> {
    let mut paths = serde_json::Map::new();
    let prefix = if group_version == "v1" {
        "/api/v1".to_string()
    } else {
        format!("/apis/{group_version}")
    };
    for r in ALL.iter().filter(|r| r.api_version() == group_version) {
        let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
        let params = json!([
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
            {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
            {"name": "force", "in": "query", "schema": {"type": "boolean"}},
        ]);
        let op = json!({
            "operationId": format!("patch{}", r.kind),
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": gvk,
            "parameters": params,
            "responses": {"200": {"description": "OK"}},
        });
        let path = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.name)
        } else {
            format!("{prefix}/{}/{{name}}", r.name)
        };
        paths.insert(path, json!({"patch": op.clone(), "put": op}));
    }
    if paths.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (kubesim)", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}
