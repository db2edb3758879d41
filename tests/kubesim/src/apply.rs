//! Patches (JSON merge, strategic merge, JSON patch) and server-side apply with per-manager
//! field ownership in `metadata.managedFields`. Pure.
//!
//! Field sets are sets of leaf paths. Lists whose items all have a `name` are keyed by it
//! (`k:{"name":"main"}`), as the real server does for containers, env, volumes and ports;
//! every other list is atomic. Strategic merge patch is handled as a merge patch that also
//! merges such named lists by name; `$patch` directives are not supported.

use crate::error::{ApiError, ApiResult, Cause};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

type Path = Vec<String>;
pub type FieldSet = BTreeSet<Path>;

/// Metadata fields the server owns; never part of a manager's field set.
const SERVER_META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
];

fn named_list(a: &[Value]) -> bool {
    !a.is_empty()
        && a.iter()
            .all(|e| e.get("name").and_then(Value::as_str).is_some())
}

fn key_elem(name: &str) -> String {
    format!("k:{}", json!({"name": name}))
}

/// The leaf paths of an object, without server-owned fields and status.
pub fn leaves(obj: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    if let Some(m) = obj.as_object() {
        for (k, v) in m {
            if matches!(k.as_str(), "apiVersion" | "kind" | "status") {
                continue;
            }
            if k == "metadata" {
                if let Some(mm) = v.as_object() {
                    for (mk, mv) in mm {
                        if !SERVER_META.contains(&mk.as_str()) {
                            walk(mv, vec!["f:metadata".into(), format!("f:{mk}")], &mut out);
                        }
                    }
                }
                continue;
            }
            walk(v, vec![format!("f:{k}")], &mut out);
        }
    }
    out
}

fn walk(v: &Value, path: Path, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, c) in m {
                let mut p = path.clone();
                p.push(format!("f:{k}"));
                walk(c, p, out);
            }
        }
        Value::Array(a) if named_list(a) => {
            for e in a {
                let mut p = path.clone();
                p.push(key_elem(e["name"].as_str().unwrap_or("")));
                walk(e, p, out);
            }
        }
        _ => {
            out.insert(path);
        }
    }
}

/// The value at a field path, if present.
pub fn get_path<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = step(cur, p)?;
    }
    Some(cur)
}

fn step<'a>(cur: &'a Value, p: &str) -> Option<&'a Value> {
    if let Some(f) = p.strip_prefix("f:") {
        cur.get(f)
    } else if let Some(k) = p.strip_prefix("k:") {
        let key: Value = serde_json::from_str(k).ok()?;
        cur.as_array()?
            .iter()
            .find(|e| e.get("name") == key.get("name"))
    } else {
        None
    }
}

/// Removes the field at `path`; a keyed list item left with only its key goes too.
fn remove_path(v: &mut Value, path: &[String]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for p in parent {
        let next = if let Some(f) = p.strip_prefix("f:") {
            cur.get_mut(f)
        } else if let Some(k) = p.strip_prefix("k:") {
            let key: Value = serde_json::from_str(k).unwrap_or(Value::Null);
            cur.as_array_mut()
                .and_then(|a| a.iter_mut().find(|e| e.get("name") == key.get("name")))
        } else {
            None
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    if let Some(f) = last.strip_prefix("f:") {
        if let Some(m) = cur.as_object_mut() {
            m.remove(f);
        }
    } else if let Some(k) = last.strip_prefix("k:") {
        let key: Value = serde_json::from_str(k).unwrap_or(Value::Null);
        if let Some(a) = cur.as_array_mut() {
            a.retain(|e| e.get("name") != key.get("name"));
        }
    }
}

fn prune_keyed_leftovers(v: &mut Value) {
    match v {
        Value::Object(m) => m.values_mut().for_each(prune_keyed_leftovers),
        Value::Array(a) => {
            if named_list(a) {
                a.retain(|e| e.as_object().is_some_and(|o| o.len() > 1));
            }
            a.iter_mut().for_each(prune_keyed_leftovers);
        }
        _ => {}
    }
}

/// Deep merge: objects recursively, named lists by name, everything else replaced.
/// `null` in `patch` removes the field (merge-patch semantics).
pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, pv) in p {
                if pv.is_null() {
                    b.remove(k);
                    continue;
                }
                match b.get_mut(k) {
                    Some(bv) if bv.is_object() && pv.is_object() => merge(bv, pv),
                    Some(Value::Array(ba))
                        if pv.as_array().is_some_and(|pa| named_list(pa)) && named_list(ba) =>
                    {
                        let pa = pv.as_array().expect("checked");
                        let mut out = ba.clone();
                        for pe in pa {
                            match out.iter_mut().find(|be| be.get("name") == pe.get("name")) {
                                Some(e) => merge(e, pe),
                                None => out.push(strip_nulls(pe)),
                            }
                        }
                        *ba = out;
                    }
                    _ => {
                        b.insert(k.clone(), strip_nulls(pv));
                    }
                }
            }
        }
        (b, p) => *b = strip_nulls(p),
    }
}

fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(cur: &Value, patch: &Value) -> Value {
    let mut out = cur.clone();
    json_patch::merge(&mut out, patch);
    out
}

/// Strategic merge patch, simplified: a merge patch that merges named lists by name.
pub fn strategic_merge_patch(cur: &Value, patch: &Value) -> Value {
    let mut out = cur.clone();
    merge(&mut out, patch);
    out
}

/// RFC 6902 JSON patch.
pub fn json_patch(cur: &Value, patch: &Value) -> ApiResult<Value> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
    let mut out = cur.clone();
    json_patch::patch(&mut out, &ops).map_err(|e| {
        ApiError::new(
            422,
            "Invalid",
            format!("the server rejected our request due to an error in our request: {e}"),
        )
    })?;
    Ok(out)
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Manager {
    pub manager: String,
    pub operation: String,
    pub subresource: Option<String>,
    pub time: String,
    pub fields: FieldSet,
    pub api_version: String,
}

pub fn read_managers(obj: &Value) -> Vec<Manager> {
    let Some(a) = obj["metadata"]["managedFields"].as_array() else {
        return Vec::new();
    };
    a.iter()
        .map(|e| {
            let mut fields = FieldSet::new();
            if let Some(f) = e.get("fieldsV1") {
                parse_fields(f, Vec::new(), &mut fields);
            }
            Manager {
                manager: e["manager"].as_str().unwrap_or("").to_string(),
                operation: e["operation"].as_str().unwrap_or("Update").to_string(),
                subresource: e["subresource"].as_str().map(str::to_string),
                time: e["time"].as_str().unwrap_or("").to_string(),
                api_version: e["apiVersion"].as_str().unwrap_or("").to_string(),
                fields,
            }
        })
        .collect()
}

fn parse_fields(v: &Value, path: Path, out: &mut FieldSet) {
    let Some(m) = v.as_object() else { return };
    let children: Vec<_> = m.iter().filter(|(k, _)| k.as_str() != ".").collect();
    if children.is_empty() {
        if !path.is_empty() {
            out.insert(path);
        }
        return;
    }
    for (k, c) in children {
        let mut p = path.clone();
        p.push(k.clone());
        parse_fields(c, p, out);
    }
}

/// The fieldsV1 form of a set: nested maps, `"."` marking keyed items.
pub fn fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut cur = &mut root;
        for p in path {
            let is_key = p.starts_with("k:");
            let entry = cur.entry(p.clone()).or_insert_with(|| json!({}));
            if is_key {
                entry
                    .as_object_mut()
                    .expect("map")
                    .entry(".")
                    .or_insert_with(|| json!({}));
            }
            cur = entry.as_object_mut().expect("map");
        }
    }
    Value::Object(root)
}

pub fn write_managers(obj: &mut Value, managers: &[Manager]) {
    let entries: Vec<Value> = managers
        .iter()
        .filter(|m| !m.fields.is_empty())
        .map(|m| {
            let mut e = json!({
                "manager": m.manager,
                "operation": m.operation,
                "apiVersion": m.api_version,
                "time": m.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": fields_v1(&m.fields),
            });
            if let Some(s) = &m.subresource {
                e["subresource"] = json!(s);
            }
            e
        })
        .collect();
    let md = crate::meta::meta_mut(obj);
    if entries.is_empty() {
        md.remove("managedFields");
    } else {
        md.insert("managedFields".into(), Value::Array(entries));
    }
}

/// Dotted form of a path for conflict messages: `.metadata.labels.app`,
/// `.spec.template.spec.containers[name="main"].image`.
pub fn dotted(path: &[String]) -> String {
    let mut s = String::new();
    for p in path {
        if let Some(f) = p.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = p.strip_prefix("k:") {
            let key: Value = serde_json::from_str(k).unwrap_or(Value::Null);
            s.push_str(&format!("[name={}]", key["name"]));
        }
    }
    s
}

/// Records an Update-operation write by `manager`: it takes the fields it changed
/// (from other managers too); fields that disappeared leave every set.
pub fn record_update(prev: Option<&Value>, new: &mut Value, manager: &str, now: &str) {
    let mut managers = prev.map(read_managers).unwrap_or_default();
    let new_leaves = leaves(new);
    let changed: FieldSet = match prev {
        None => new_leaves.clone(),
        Some(p) => new_leaves
            .iter()
            .filter(|path| get_path(p, path) != get_path(new, path))
            .cloned()
            .collect(),
    };
    for m in &mut managers {
        m.fields.retain(|p| new_leaves.contains(p));
        if !(m.manager == manager && m.operation == "Update") {
            m.fields.retain(|p| !changed.contains(p));
        }
    }
    if !changed.is_empty() {
        let api_version = new["apiVersion"].as_str().unwrap_or("").to_string();
        match managers
            .iter_mut()
            .find(|m| m.manager == manager && m.operation == "Update")
        {
            Some(m) => {
                m.fields.extend(changed);
                m.time = now.to_string();
            }
            None => managers.push(Manager {
                manager: manager.to_string(),
                operation: "Update".into(),
                subresource: None,
                time: now.to_string(),
                fields: changed,
                api_version,
            }),
        }
    }
    write_managers(new, &managers);
}

/// Server-side apply of `applied` by `manager` onto `cur` (None: the object is created).
/// Fields that another manager owns with a different value are a 409 Conflict unless
/// `force`, which takes them over. Fields this manager applied before and no longer
/// applies are removed unless someone else owns them.
pub fn server_side_apply(
    cur: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
    qualified: &str,
    name: &str,
) -> ApiResult<Value> {
    let applied_set = leaves(applied);
    let mut managers = cur.map(read_managers).unwrap_or_default();
    let mut obj = cur.cloned().unwrap_or_else(|| json!({}));

    let mut conflicts: BTreeMap<Path, Vec<String>> = BTreeMap::new();
    for m in &managers {
        if m.manager == manager && m.operation == "Apply" {
            continue;
        }
        for p in m.fields.intersection(&applied_set) {
            if get_path(&obj, p) != get_path(applied, p) {
                conflicts
                    .entry(p.clone())
                    .or_default()
                    .push(m.manager.clone());
            }
        }
    }
    if !conflicts.is_empty() && !force {
        let mut causes = Vec::new();
        for (p, ms) in &conflicts {
            for m in ms {
                causes.push(Cause {
                    reason: "FieldManagerConflict",
                    field: dotted(p),
                    message: format!("conflict with \"{m}\""),
                });
            }
        }
        let msg = if causes.len() == 1 {
            format!(
                "Apply failed with 1 conflict: conflict with \"{}\": {}",
                conflicts
                    .values()
                    .next()
                    .map(|m| m[0].as_str())
                    .unwrap_or(""),
                causes[0].field
            )
        } else {
            let parts: Vec<String> = causes
                .iter()
                .map(|c| format!("{}: {}", c.message, c.field))
                .collect();
            format!(
                "Apply failed with {} conflicts: {}",
                causes.len(),
                parts.join("\n")
            )
        };
        let (kind, group) = qualified.split_once('.').unwrap_or((qualified, ""));
        let causes_json: Vec<Value> = causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": format!("{}: {}", c.message, c.field), "field": c.field}))
            .collect();
        let mut e = ApiError::new(409, "Conflict", msg);
        e.details = Some(Box::new(
            json!({"name": name, "group": group, "kind": kind, "causes": causes_json}),
        ));
        return Err(e);
    }
    // Forced: the others lose the fields taken from them (equal values stay shared).
    for m in &mut managers {
        if !(m.manager == manager && m.operation == "Apply") {
            m.fields.retain(|p| !conflicts.contains_key(p));
        }
    }
    // Fields dropped from this manager's configuration.
    let previous: FieldSet = managers
        .iter()
        .find(|m| m.manager == manager && m.operation == "Apply")
        .map(|m| m.fields.clone())
        .unwrap_or_default();
    for p in previous.difference(&applied_set) {
        let owned_elsewhere = managers
            .iter()
            .any(|m| !(m.manager == manager && m.operation == "Apply") && m.fields.contains(p));
        if !owned_elsewhere {
            remove_path(&mut obj, p);
        }
    }
    prune_keyed_leftovers(&mut obj);
    let mut body = applied.clone();
    if let Some(m) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
        m.remove("resourceVersion");
    }
    merge(&mut obj, &body);
    let api_version = applied["apiVersion"].as_str().unwrap_or("").to_string();
    match managers
        .iter_mut()
        .find(|m| m.manager == manager && m.operation == "Apply")
    {
        Some(m) => {
            m.fields = applied_set;
            m.time = now.to_string();
        }
        None => managers.push(Manager {
            manager: manager.to_string(),
            operation: "Apply".into(),
            subresource: None,
            time: now.to_string(),
            fields: applied_set,
            api_version,
        }),
    }
    write_managers(&mut obj, &managers);
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2025-01-01T00:00:00Z";

    fn cm(labels: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": labels}, "data": {"k": "v"}})
    }

    fn apply(cur: Option<&Value>, a: &Value, m: &str, force: bool) -> ApiResult<Value> {
        server_side_apply(cur, a, m, force, NOW, "configmaps", "c")
    }

    #[test]
    fn two_managers_conflict_unless_forced() {
        let o = apply(None, &cm(json!({"app": "x"})), "alice", false).unwrap();
        let err = apply(Some(&o), &cm(json!({"app": "y"})), "bob", false).unwrap_err();
        assert_eq!((err.code, err.reason), (409, "Conflict"));
        assert!(
            err.message
                .contains("conflict with \"alice\": .metadata.labels.app"),
            "{}",
            err.message
        );
        // The same value is shared ownership, not a conflict.
        let shared = apply(Some(&o), &cm(json!({"app": "x"})), "bob", false).unwrap();
        assert_eq!(read_managers(&shared).len(), 2);
        let forced = apply(Some(&o), &cm(json!({"app": "y"})), "bob", true).unwrap();
        assert_eq!(forced["metadata"]["labels"]["app"], "y");
        let alice = read_managers(&forced)
            .into_iter()
            .find(|m| m.manager == "alice")
            .unwrap();
        assert!(
            !alice
                .fields
                .iter()
                .any(|p| dotted(p) == ".metadata.labels.app")
        );
    }

    #[test]
    fn reapply_removes_fields_no_longer_applied() {
        let o = apply(None, &cm(json!({"a": "1", "b": "2"})), "alice", false).unwrap();
        let o2 = apply(Some(&o), &cm(json!({"a": "1"})), "alice", false).unwrap();
        assert_eq!(o2["metadata"]["labels"], json!({"a": "1"}));
    }

    #[test]
    fn named_lists_merge_by_name() {
        let mut base =
            json!({"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]});
        merge(
            &mut base,
            &json!({"containers": [{"name": "b", "image": "z", "args": ["1"]}]}),
        );
        assert_eq!(
            base,
            json!({"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "z", "args": ["1"]}]})
        );
        let s = leaves(&json!({"spec": {"containers": [{"name": "main", "image": "i"}]}}));
        let dots: Vec<String> = s.iter().map(|p| dotted(p)).collect();
        assert!(
            dots.contains(&".spec.containers[name=\"main\"].image".to_string()),
            "{dots:?}"
        );
    }

    #[test]
    fn fields_v1_round_trips() {
        let s = leaves(
            &json!({"metadata": {"labels": {"a": "1"}}, "spec": {"containers": [{"name": "m", "image": "i"}]}}),
        );
        let mut back = FieldSet::new();
        parse_fields(&fields_v1(&s), Vec::new(), &mut back);
        assert_eq!(s, back);
    }

    #[test]
    fn update_takes_ownership_of_changed_fields() {
        let o = apply(None, &cm(json!({"app": "x"})), "alice", false).unwrap();
        let mut n = o.clone();
        n["metadata"]["labels"]["app"] = json!("z");
        record_update(Some(&o), &mut n, "kubectl-edit", NOW);
        let ms = read_managers(&n);
        let editor = ms.iter().find(|m| m.manager == "kubectl-edit").unwrap();
        assert!(
            editor
                .fields
                .iter()
                .any(|p| dotted(p) == ".metadata.labels.app")
        );
        // alice re-applying her old value now conflicts with the editor.
        let err = apply(Some(&n), &cm(json!({"app": "x"})), "alice", false).unwrap_err();
        assert!(err.message.contains("kubectl-edit"));
    }

    #[test]
    fn patches() {
        let cur = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        assert_eq!(
            merge_patch(&cur, &json!({"a": {"b": null}})),
            json!({"a": {"c": 2}, "l": [1, 2]})
        );
        let p = json_patch(&cur, &json!([{"op": "add", "path": "/l/-", "value": 3}])).unwrap();
        assert_eq!(p["l"], json!([1, 2, 3]));
        assert!(json_patch(&cur, &json!([{"op": "test", "path": "/a/b", "value": 9}])).is_err());
    }
}
