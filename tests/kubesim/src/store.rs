//! The object store: every object as JSON, one global resourceVersion counter, the history
//! of changes that watches replay, deletion with finalizers and propagation policies.
//! In memory only; callers hold the lock for one operation at a time.

use crate::clock::Clock;
use crate::error::{ApiError, ApiResult, success_status};
use crate::meta;
use crate::resources::{self, NAMESPACE, POD, Resource};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::watch;

pub type Key = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as replayed to watches.
#[derive(Debug, Clone)]
pub struct Event {
    pub rv: u64,
    pub res: &'static Resource,
    pub kind: EventType,
    pub obj: Arc<Value>,
    /// The object before a modification (to notice selector transitions).
    pub prev: Option<Arc<Value>>,
    /// `obj` serialized once, shared by every watch that sends it.
    pub json: Arc<std::sync::OnceLock<bytes::Bytes>>,
}

impl Event {
    pub fn obj_json(&self) -> bytes::Bytes {
        self.json
            .get_or_init(|| bytes::Bytes::from(serde_json::to_vec(&*self.obj).unwrap_or_default()))
            .clone()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Foreground,
    Background,
    Orphan,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub propagation: Option<Propagation>,
    pub grace_seconds: Option<i64>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    pub dry_run: bool,
}

/// What a delete did: the object's last state, and whether it is gone already.
pub struct Deleted {
    pub obj: Value,
    pub gone: bool,
}

/// How many changes watches can replay before older resourceVersions answer 410 Gone.
const MAX_HISTORY: usize = 200_000;

pub struct Store {
    rv: u64,
    tables: HashMap<&'static str, BTreeMap<Key, Arc<Value>>>,
    uids: HashMap<String, (&'static Resource, Key)>,
    history: VecDeque<Event>,
    /// Watches from a resourceVersion below this one get 410 Gone.
    compacted: u64,
    changed: watch::Sender<u64>,
    pub clock: Arc<Clock>,
}

impl Store {
    pub fn new(clock: Arc<Clock>) -> Self {
        let (changed, _) = watch::channel(0);
        let mut s = Store {
            rv: 0,
            tables: HashMap::new(),
            uids: HashMap::new(),
            history: VecDeque::new(),
            compacted: 0,
            changed,
            clock,
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
            s.create(&NAMESPACE, obj, false)
                .expect("builtin namespaces are valid");
        }
        // Every cluster has it: the API server's own service.
        let api = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster", "sessionAffinity": "None",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
            "status": {"loadBalancer": {}}});
        s.create(&resources::SERVICE, api, false)
            .expect("the kubernetes service is valid");
        s
    }

    pub fn rv(&self) -> u64 {
        self.rv
    }

    pub fn compacted(&self) -> u64 {
        self.compacted
    }

    /// Wakes whenever anything changes (the value is the newest resourceVersion).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Forgets all history: watches and lists from an older resourceVersion get 410 Gone.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted = self.rv;
    }

    fn table(&self, res: &Resource) -> Option<&BTreeMap<Key, Arc<Value>>> {
        self.tables.get(res.name)
    }

    pub fn get(&self, res: &Resource, ns: &str, name: &str) -> ApiResult<Arc<Value>> {
        self.table(res)
            .and_then(|t| t.get(&(ns.to_string(), name.to_string())))
            .cloned()
            .ok_or_else(|| ApiError::not_found(&res.qualified(), name))
    }

    pub fn try_get(&self, res: &Resource, ns: &str, name: &str) -> Option<Arc<Value>> {
        self.get(res, ns, name).ok()
    }

    /// All objects of `res`, in `ns` or everywhere; sorted by namespace then name.
    pub fn list(&self, res: &Resource, ns: Option<&str>) -> Vec<Arc<Value>> {
        let Some(t) = self.table(res) else {
            return Vec::new();
        };
        match ns {
            Some(ns) => t
                .range((ns.to_string(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .map(|(_, v)| v.clone())
                .collect(),
            None => t.values().cloned().collect(),
        }
    }

    pub fn uid_exists(&self, uid: &str) -> bool {
        self.uids.contains_key(uid)
    }

    pub fn by_uid(&self, uid: &str) -> Option<(&'static Resource, Arc<Value>)> {
        let (res, key) = self.uids.get(uid)?;
        let obj = self.table(res)?.get(key)?.clone();
        Some((res, obj))
    }

    /// Every object of every resource (for the garbage collector).
    pub fn all(&self) -> Vec<(&'static Resource, Arc<Value>)> {
        resources::ALL
            .iter()
            .flat_map(|r| {
                self.table(r)
                    .into_iter()
                    .flat_map(move |t| t.values().map(move |v| (*r, v.clone())))
            })
            .collect()
    }

    /// Events after `rv`, or 410 Gone when they were compacted away.
    pub fn events_after(&self, rv: u64) -> ApiResult<Vec<Event>> {
        if rv < self.compacted {
            return Err(too_old(rv, self.compacted));
        }
        let start = self.history.partition_point(|e| e.rv <= rv);
        Ok(self.history.range(start..).cloned().collect())
    }

    fn bump(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn record(&mut self, ev: Event) {
        self.history.push_back(ev);
        while self.history.len() > MAX_HISTORY {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.rv;
            }
        }
        self.changed.send_replace(self.rv);
    }

    fn insert(&mut self, res: &'static Resource, obj: Value, prev: Option<Arc<Value>>) -> Value {
        let key = (
            meta::namespace(&obj).to_string(),
            meta::name(&obj).to_string(),
        );
        let uid = meta::uid(&obj).to_string();
        let arc = Arc::new(obj.clone());
        self.tables
            .entry(res.name)
            .or_default()
            .insert(key.clone(), arc.clone());
        self.uids.insert(uid, (res, key));
        let kind = if prev.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        let rv = self.rv;
        self.record(Event {
            rv,
            res,
            kind,
            obj: arc,
            prev,
            json: Arc::default(),
        });
        obj
    }

    fn remove(&mut self, res: &'static Resource, ns: &str, name: &str) -> Option<Value> {
        let key = (ns.to_string(), name.to_string());
        let old = self.tables.get_mut(res.name)?.remove(&key)?;
        self.uids.remove(meta::uid(&old));
        let rv = self.bump();
        let mut obj = (*old).clone();
        meta::meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        self.record(Event {
            rv,
            res,
            kind: EventType::Deleted,
            obj: Arc::new(obj.clone()),
            prev: Some(old),
            json: Arc::default(),
        });
        Some(obj)
    }

    /// Stores a new object: name from generateName, uid, resourceVersion, creationTimestamp.
    /// The caller has validated and defaulted it.
    pub fn create(
        &mut self,
        res: &'static Resource,
        mut obj: Value,
        dry_run: bool,
    ) -> ApiResult<Value> {
        let ns = meta::namespace(&obj).to_string();
        if res.namespaced {
            match self.try_get(&NAMESPACE, "", &ns) {
                None => return Err(ApiError::not_found("namespaces", &ns)),
                Some(n) if meta::is_deleting(&n) => {
                    return Err(ApiError::new(
                        403,
                        "Forbidden",
                        format!(
                            "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                            res.qualified(),
                            meta::name(&obj)
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        if std::ptr::eq(res, &POD) {
            self.admit_service_account(&obj)?;
        }
        let mut name = meta::name(&obj).to_string();
        if name.is_empty() {
            let prefix = meta::str_at(&obj, &["metadata", "generateName"])
                .unwrap_or("")
                .to_string();
            loop {
                name = format!("{prefix}{}", meta::random_suffix());
                if self.try_get(res, &ns, &name).is_none() {
                    break;
                }
            }
        }
        if self.try_get(res, &ns, &name).is_some() {
            return Err(ApiError::already_exists(&res.qualified(), &name));
        }
        let now = meta::rfc3339(self.clock.now());
        let rv = if dry_run { self.rv + 1 } else { self.bump() };
        obj["apiVersion"] = json!(res.api_version());
        obj["kind"] = json!(res.kind);
        let m = meta::meta_mut(&mut obj);
        m.insert("name".into(), json!(name));
        if !res.namespaced {
            m.remove("namespace");
        }
        m.insert("uid".into(), json!(meta::new_uid()));
        m.insert("resourceVersion".into(), json!(rv.to_string()));
        m.insert("creationTimestamp".into(), json!(now));
        m.remove("deletionTimestamp");
        m.remove("deletionGracePeriodSeconds");
        if obj.get("spec").is_some() && res.has_generation() {
            meta::meta_mut(&mut obj).insert("generation".into(), json!(1));
        }
        if res.name == "jobs" {
            crate::validate::default_job_selector(&mut obj);
        }
        if res.name == "services" {
            self.allocate_service_addresses(&mut obj);
        }
        if dry_run {
            return Ok(obj);
        }
        let out = self.insert(res, obj, None);
        if std::ptr::eq(res, &NAMESPACE) {
            // At once rather than by the service account controller (which only recreates
            // it), so that a pod created right after its namespace is not refused.
            let sa = json!({"metadata": {"name": "default", "namespace": name}});
            let _ = self.create(&resources::SERVICEACCOUNT, sa, false);
        }
        Ok(out)
    }

    /// The ServiceAccount admission check: a pod's service account must exist in its
    /// namespace (403 Forbidden, as the real server answers; a controller retries).
    fn admit_service_account(&self, pod: &Value) -> ApiResult<()> {
        let ns = meta::namespace(pod);
        let sa = meta::str_at(pod, &["spec", "serviceAccountName"]).unwrap_or("default");
        if self.try_get(&resources::SERVICEACCOUNT, ns, sa).is_some() {
            return Ok(());
        }
        let name = match meta::name(pod) {
            "" => meta::str_at(pod, &["metadata", "generateName"]).unwrap_or(""),
            n => n,
        };
        Err(ApiError::new(
            403,
            "Forbidden",
            format!(
                "pods \"{name}\" is forbidden: error looking up service account {ns}/{sa}: serviceaccount \"{sa}\" not found"
            ),
        ))
    }

    /// Replaces an object (its identity fields are taken from the stored one). A change-free
    /// update keeps the resourceVersion, like the real server. Completes a pending deletion
    /// once the last finalizer is gone.
    pub fn update(
        &mut self,
        res: &'static Resource,
        mut obj: Value,
        dry_run: bool,
    ) -> ApiResult<Value> {
        let ns = meta::namespace(&obj).to_string();
        let name = meta::name(&obj).to_string();
        let cur = self.get(res, &ns, &name)?;
        obj["apiVersion"] = json!(res.api_version());
        obj["kind"] = json!(res.kind);
        {
            let cm = cur["metadata"].as_object().cloned().unwrap_or_default();
            let m = meta::meta_mut(&mut obj);
            for k in [
                "uid",
                "creationTimestamp",
                "resourceVersion",
                "generation",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
            ] {
                match cm.get(k) {
                    Some(v) => m.insert(k.into(), v.clone()),
                    None => m.remove(k),
                };
            }
            if !res.namespaced {
                m.remove("namespace");
            }
            if m.get("finalizers")
                .is_some_and(|f| f.as_array().is_some_and(Vec::is_empty))
            {
                m.remove("finalizers");
            }
        }
        if res.name == "services" {
            keep_service_addresses(&cur, &mut obj);
        }
        if same_ignoring_time(&obj, &cur) {
            return Ok((*cur).clone());
        }
        if obj.get("spec") != cur.get("spec") {
            let g = meta::i64_at(&cur, &["metadata", "generation"]).unwrap_or(0) + 1;
            if obj.get("spec").is_some() && res.has_generation() {
                meta::meta_mut(&mut obj).insert("generation".into(), json!(g));
            }
        }
        let rv = if dry_run { self.rv + 1 } else { self.bump() };
        meta::meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        if dry_run {
            return Ok(obj);
        }
        let ready_to_go = meta::is_deleting(&obj)
            && meta::finalizers(&obj).is_empty()
            && !(res.name == "pods"
                && meta::i64_at(&obj, &["metadata", "deletionGracePeriodSeconds"]).unwrap_or(0)
                    > 0);
        let out = self.insert(res, obj, Some(cur));
        if ready_to_go {
            self.remove(res, &ns, &name);
        }
        Ok(out)
    }

    /// Deletes following Kubernetes' rules: preconditions, finalizers, propagation policy
    /// (Orphan is carried out at once; Foreground leaves the `foregroundDeletion` finalizer
    /// for the garbage collector) and graceful deletion of running pods (finished by the
    /// kubelet).
    pub fn delete(
        &mut self,
        res: &'static Resource,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> ApiResult<Deleted> {
        let cur = self.get(res, ns, name)?;
        if let Some(uid) = &opts.precondition_uid
            && uid != meta::uid(&cur)
        {
            return Err(ApiError::conflict(
                &res.qualified(),
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    meta::uid(&cur)
                ),
            ));
        }
        if let Some(rv) = &opts.precondition_rv
            && Some(rv.as_str()) != meta::str_at(&cur, &["metadata", "resourceVersion"])
        {
            return Err(ApiError::conflict(
                &res.qualified(),
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                    meta::str_at(&cur, &["metadata", "resourceVersion"]).unwrap_or("")
                ),
            ));
        }
        if opts.dry_run {
            return Ok(Deleted {
                obj: (*cur).clone(),
                gone: false,
            });
        }
        let is_pod = std::ptr::eq(res, &POD);
        let pod_bound = is_pod
            && meta::str_at(&cur, &["spec", "nodeName"]).is_some()
            && !matches!(
                meta::str_at(&cur, &["status", "phase"]),
                Some("Succeeded" | "Failed")
            );
        let grace = if is_pod {
            opts.grace_seconds.unwrap_or_else(|| {
                meta::i64_at(&cur, &["spec", "terminationGracePeriodSeconds"]).unwrap_or(30)
            })
        } else {
            0
        };
        if meta::is_deleting(&cur) {
            // A second delete can only shorten a pod's grace period (e.g. --force).
            if is_pod && grace == 0 && meta::finalizers(&cur).is_empty() {
                let obj = self.remove(res, ns, name).unwrap_or_default();
                return Ok(Deleted { obj, gone: true });
            }
            return Ok(Deleted {
                obj: (*cur).clone(),
                gone: false,
            });
        }
        let policy = opts.propagation.unwrap_or(default_propagation(res));
        let uid = meta::uid(&cur).to_string();
        let mut finalizers = meta::finalizers(&cur);
        match policy {
            Propagation::Orphan => self.orphan_dependents(&uid),
            Propagation::Foreground => {
                if self.has_dependents(&uid) {
                    finalizers.push("foregroundDeletion".into());
                }
            }
            Propagation::Background => {}
        }
        if res.name == "namespaces" {
            self.delete_namespace_contents(name);
        }
        let graceful = pod_bound && grace > 0;
        if finalizers.is_empty() && !graceful {
            let obj = self.remove(res, ns, name).unwrap_or_default();
            return Ok(Deleted { obj, gone: true });
        }
        let mut obj = (*cur).clone();
        let now = self.clock.now();
        let until = now
            .checked_add(jiff::SignedDuration::from_secs(grace))
            .unwrap_or(now);
        let m = meta::meta_mut(&mut obj);
        m.insert("deletionTimestamp".into(), json!(meta::rfc3339(until)));
        m.insert("deletionGracePeriodSeconds".into(), json!(grace));
        if !finalizers.is_empty() {
            m.insert("finalizers".into(), json!(finalizers));
        }
        let rv = self.bump();
        m.insert("resourceVersion".into(), json!(rv.to_string()));
        let obj = self.insert(res, obj, Some(cur));
        Ok(Deleted { obj, gone: false })
    }

    /// Gives a Service a free cluster IP from 10.96.0.0/16 (as the real allocator, at
    /// random, never .0 or .1, which the `kubernetes` service has) unless it names one or is
    /// headless (`None`), and node ports from 30000-32767 for NodePort and LoadBalancer.
    /// Nothing routes to these addresses: they are for show and for clients that read them.
    fn allocate_service_addresses(&self, svc: &mut Value) {
        let services = self.list(&resources::SERVICE, None);
        let spec = &mut svc["spec"];
        if !spec.is_object() || spec["type"] == "ExternalName" {
            return;
        }
        if spec["clusterIP"].as_str().unwrap_or("").is_empty() {
            let used: Vec<&str> = services
                .iter()
                .filter_map(|s| s["spec"]["clusterIP"].as_str())
                .collect();
            let ip = loop {
                let n = 2 + meta::random_u64() % 65533;
                let ip = format!("10.96.{}.{}", n / 256, n % 256);
                if !used.contains(&ip.as_str()) {
                    break ip;
                }
            };
            spec["clusterIP"] = json!(ip);
        }
        if spec["clusterIPs"].is_null() {
            spec["clusterIPs"] = json!([spec["clusterIP"]]);
        }
        if !matches!(spec["type"].as_str(), Some("NodePort" | "LoadBalancer")) {
            return;
        }
        let mut used: Vec<i64> = services
            .iter()
            .flat_map(|s| s["spec"]["ports"].as_array().cloned().unwrap_or_default())
            .filter_map(|p| p["nodePort"].as_i64())
            .collect();
        for p in spec["ports"].as_array_mut().into_iter().flatten() {
            if p["nodePort"].is_null() {
                let port = loop {
                    let n = 30000 + (meta::random_u64() % 2768) as i64;
                    if !used.contains(&n) {
                        break n;
                    }
                };
                used.push(port);
                p["nodePort"] = json!(port);
            }
        }
    }

    fn has_dependents(&self, uid: &str) -> bool {
        self.all()
            .iter()
            .any(|(_, o)| meta::owner_uids(o).iter().any(|u| u == uid))
    }

    /// Objects whose ownerReferences name `uid`.
    pub fn dependents(&self, uid: &str) -> Vec<(&'static Resource, Arc<Value>)> {
        self.all()
            .into_iter()
            .filter(|(_, o)| meta::owner_uids(o).iter().any(|u| u == uid))
            .collect()
    }

    fn orphan_dependents(&mut self, uid: &str) {
        for (res, dep) in self.dependents(uid) {
            let mut obj = (*dep).clone();
            if let Some(refs) = obj["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(uid));
                if refs.is_empty() {
                    meta::meta_mut(&mut obj).remove("ownerReferences");
                }
            }
            let _ = self.update(res, obj, false);
        }
    }

    fn delete_namespace_contents(&mut self, ns: &str) {
        for res in resources::ALL.iter().filter(|r| r.namespaced) {
            for obj in self.list(res, Some(ns)) {
                self.remove(res, ns, meta::name(&obj));
            }
        }
    }

    /// Removes an object outright (kubelet finishing a graceful pod deletion, GC).
    pub fn force_remove(&mut self, res: &'static Resource, ns: &str, name: &str) {
        self.remove(res, ns, name);
    }
}

/// The policy used when a delete names none: batch/v1 Jobs orphan their pods (kept for
/// backward compatibility by the real server, which warns about it), everything else is
/// deleted in the background.
pub fn default_propagation(res: &Resource) -> Propagation {
    if res.name == "jobs" {
        Propagation::Orphan
    } else {
        Propagation::Background
    }
}

/// An update that leaves out a Service's allocated addresses keeps them, as the real
/// server does (so `kubectl replace` of the applied manifest works).
fn keep_service_addresses(cur: &Value, new: &mut Value) {
    if !new["spec"].is_object() {
        return;
    }
    for k in ["clusterIP", "clusterIPs"] {
        if new["spec"][k].is_null() && !cur["spec"][k].is_null() {
            new["spec"][k] = cur["spec"][k].clone();
        }
    }
    let old_ports = cur["spec"]["ports"].as_array().cloned().unwrap_or_default();
    for p in new["spec"]["ports"].as_array_mut().into_iter().flatten() {
        if p["nodePort"].is_null()
            && let Some(np) = old_ports
                .iter()
                .find(|o| o["port"] == p["port"] && o["protocol"] == p["protocol"])
                .map(|o| o["nodePort"].clone())
                .filter(|n| !n.is_null())
        {
            p["nodePort"] = np;
        }
    }
}

fn too_old(rv: u64, compacted: u64) -> ApiError {
    ApiError::gone(format!("too old resource version: {rv} ({compacted})"))
}

/// Equal except for managedFields timestamps (so an idempotent apply is a no-op).
fn same_ignoring_time(a: &Value, b: &Value) -> bool {
    fn strip(v: &Value) -> Value {
        let mut v = v.clone();
        if let Some(mf) = v["metadata"]["managedFields"].as_array_mut() {
            for e in mf {
                if let Some(o) = e.as_object_mut() {
                    o.remove("time");
                }
            }
        }
        v
    }
    strip(a) == strip(b)
}

/// The Status answered for a delete that removed a resource returning no object.
pub fn delete_status(res: &Resource, obj: &Value) -> Value {
    success_status(json!({
        "name": meta::name(obj),
        "group": res.group,
        "kind": res.name,
        "uid": meta::uid(obj),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{CONFIGMAP, JOB};

    fn store() -> Store {
        Store::new(Arc::new(Clock::default()))
    }

    fn cm(name: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "default"}, "data": {"a": "1"}})
    }

    #[test]
    fn create_assigns_identity_and_rejects_duplicates() {
        let mut s = store();
        let o = s.create(&CONFIGMAP, cm("a"), false).unwrap();
        assert_eq!(meta::uid(&o).len(), 36);
        assert_eq!(o["kind"], "ConfigMap");
        let err = s.create(&CONFIGMAP, cm("a"), false).unwrap_err();
        assert_eq!((err.code, err.reason), (409, "AlreadyExists"));
        let g = s
            .create(
                &CONFIGMAP,
                json!({"metadata": {"generateName": "x-", "namespace": "default"}}),
                false,
            )
            .unwrap();
        assert!(meta::name(&g).starts_with("x-") && meta::name(&g).len() == 7);
    }

    #[test]
    fn unchanged_update_keeps_resource_version() {
        let mut s = store();
        let o = s.create(&CONFIGMAP, cm("a"), false).unwrap();
        let same = s.update(&CONFIGMAP, o.clone(), false).unwrap();
        assert_eq!(
            same["metadata"]["resourceVersion"],
            o["metadata"]["resourceVersion"]
        );
        let mut changed = o.clone();
        changed["data"]["a"] = json!("2");
        let c = s.update(&CONFIGMAP, changed, false).unwrap();
        assert_ne!(
            c["metadata"]["resourceVersion"],
            o["metadata"]["resourceVersion"]
        );
    }

    #[test]
    fn finalizers_hold_deletion_until_removed() {
        let mut s = store();
        let mut obj = cm("a");
        obj["metadata"]["finalizers"] = json!(["example.com/x"]);
        s.create(&CONFIGMAP, obj, false).unwrap();
        let d = s
            .delete(&CONFIGMAP, "default", "a", &DeleteOptions::default())
            .unwrap();
        assert!(!d.gone);
        assert!(meta::is_deleting(&d.obj));
        let mut o = d.obj.clone();
        o["metadata"]["finalizers"] = json!([]);
        s.update(&CONFIGMAP, o, false).unwrap();
        assert!(s.try_get(&CONFIGMAP, "default", "a").is_none());
    }

    #[test]
    fn compaction_makes_old_versions_gone() {
        let mut s = store();
        let rv = s.rv();
        s.create(&CONFIGMAP, cm("a"), false).unwrap();
        assert_eq!(s.events_after(rv).unwrap().len(), 1);
        s.compact();
        assert_eq!(s.events_after(rv).unwrap_err().code, 410);
        assert!(s.events_after(s.rv()).unwrap().is_empty());
    }

    #[test]
    fn orphan_and_foreground_propagation() {
        let mut s = store();
        let job = s
            .create(
                &JOB,
                json!({"metadata": {"name": "j", "namespace": "default"}, "spec": {}}),
                false,
            )
            .unwrap();
        let mut dep = cm("d");
        dep["metadata"]["ownerReferences"] =
            json!([{"apiVersion": "batch/v1", "kind": "Job", "name": "j", "uid": meta::uid(&job)}]);
        s.create(&CONFIGMAP, dep, false).unwrap();
        let d = s
            .delete(
                &JOB,
                "default",
                "j",
                &DeleteOptions {
                    propagation: Some(Propagation::Foreground),
                    ..Default::default()
                },
            )
            .unwrap();
        assert!(!d.gone);
        assert_eq!(meta::finalizers(&d.obj), vec!["foregroundDeletion"]);
        // A Job deleted with no policy orphans its dependents: the reference is stripped.
        let job2 = s
            .create(
                &JOB,
                json!({"metadata": {"name": "k", "namespace": "default"}, "spec": {}}),
                false,
            )
            .unwrap();
        let mut dep2 = cm("e");
        dep2["metadata"]["ownerReferences"] = json!([{"apiVersion": "batch/v1", "kind": "Job", "name": "k", "uid": meta::uid(&job2)}]);
        s.create(&CONFIGMAP, dep2, false).unwrap();
        let d = s
            .delete(&JOB, "default", "k", &DeleteOptions::default())
            .unwrap();
        assert!(d.gone);
        let e = s.get(&CONFIGMAP, "default", "e").unwrap();
        assert!(meta::owner_uids(&e).is_empty());
    }
}
