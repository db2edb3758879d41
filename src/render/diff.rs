//! Comparing what etl would apply with what the cluster holds: the verdict `etl deploy` prints
//! (created, configured, unchanged) and the text `etl diff` shows. Pure: objects in, values out.
//!
//! Both sides are objects as the API server returns them (the deployed one from a GET, the new
//! one from a server-side dry-run apply), so defaults and the server's own formatting are the
//! same on both and only real changes remain once the fields the server owns are stripped.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// What applying an object did, or would do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Configured,
    Unchanged,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
        }
    }
}

/// Metadata the server writes, not etl: never a difference worth showing. The
/// last-applied-configuration annotation of a client-side `kubectl apply` is dropped too: it
/// is noise here, and on a Secret it holds the values.
const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
];
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `obj` without the fields the server owns (its status, bookkeeping metadata).
pub fn strip(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("status");
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in SERVER_METADATA {
                meta.remove(*k);
            }
            let empty = match meta.get_mut("annotations").and_then(Value::as_object_mut) {
                Some(a) => {
                    a.remove(LAST_APPLIED);
                    a.is_empty()
                }
                None => false,
            };
            if empty {
                meta.remove("annotations");
            }
        }
    }
    v
}

/// What an apply did, from the object before it (None: it did not exist) and the server's
/// answer. A real apply that changes nothing keeps the resourceVersion (on a real API server
/// and on kubesim), so that decides; a dry run's answer keeps the old resourceVersion even when
/// it would change the object, so there the stripped objects are compared instead.
pub fn outcome(before: Option<&Value>, after: &Value, dry_run: bool) -> Outcome {
    let Some(before) = before else {
        return Outcome::Created;
    };
    let same = if dry_run {
        strip(before) == strip(after)
    } else {
        let rv = |v: &Value| {
            v["metadata"]["resourceVersion"]
                .as_str()
                .map(str::to_string)
        };
        rv(before).is_some() && rv(before) == rv(after)
    };
    if same {
        Outcome::Unchanged
    } else {
        Outcome::Configured
    }
}

pub const HIDDEN: &str = "(value hidden)";
pub const CHANGED_HIDDEN: &str = "changed (value hidden)";

fn digest(v: &Value) -> Vec<u8> {
    Sha256::digest(v.to_string().as_bytes()).to_vec()
}

/// A Secret's values replaced by markers, on both sides. Values are compared by hash, so a
/// changed value still shows as a difference: `changed (value hidden)` on the new side.
fn redact_pair(before: Option<&mut Value>, after: &mut Value) {
    let mut old_hashes = std::collections::HashMap::new();
    if let Some(b) = before {
        for field in ["data", "stringData"] {
            if let Some(m) = b.get_mut(field).and_then(Value::as_object_mut) {
                for (k, v) in m.iter_mut() {
                    old_hashes.insert(k.clone(), digest(v));
                    *v = Value::String(HIDDEN.into());
                }
            }
        }
    }
    for field in ["data", "stringData"] {
        if let Some(m) = after.get_mut(field).and_then(Value::as_object_mut) {
            for (k, v) in m.iter_mut() {
                let marker = match old_hashes.get(k) {
                    Some(h) if *h != digest(v) => CHANGED_HIDDEN,
                    _ => HIDDEN,
                };
                *v = Value::String(marker.into());
            }
        }
    }
}

fn is_secret(v: &Value) -> bool {
    v["kind"] == "Secret"
}

/// A readable unified diff of one object, YAML line by line, or None when nothing differs.
/// `title` names it (`cronjob/daily-averages`). A new object is all added lines; a Secret's
/// values are never shown.
pub fn unified(title: &str, before: Option<&Value>, after: &Value) -> Option<String> {
    let mut old = before.map(strip);
    let mut new = strip(after);
    if is_secret(&new) || old.as_ref().is_some_and(is_secret) {
        redact_pair(old.as_mut(), &mut new);
    }
    let old_text = old.as_ref().map(super::to_yaml).unwrap_or_default();
    let new_text = super::to_yaml(&new);
    if old_text == new_text {
        return None;
    }
    let old_title = if old.is_some() {
        format!("{title} (deployed)")
    } else {
        format!("{title} (not deployed)")
    };
    let diff = similar::TextDiff::from_lines(&old_text, &new_text);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(&old_title, &format!("{title} (etl.yaml)"))
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cronjob(schedule: &str, rv: &str) -> Value {
        json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "daily", "namespace": "ns", "resourceVersion": rv, "uid": "u1",
                         "generation": 2, "creationTimestamp": "2026-11-23T10:00:00Z",
                         "managedFields": [{"manager": "etl"}], "labels": {"etl.dev/project": "p"}},
            "spec": {"schedule": schedule, "timeZone": "UTC"},
            "status": {"lastScheduleTime": "2026-11-23T02:00:00Z"},
        })
    }

    fn secret(token: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "p-warehouse", "resourceVersion": "7"},
               "type": "Opaque", "data": {"TOKEN": token, "USER": "YW5h"}})
    }

    #[test]
    fn a_real_apply_is_judged_by_resource_version() {
        let before = cronjob("0 2 * * *", "10");
        assert_eq!(outcome(None, &before, false), Outcome::Created);
        assert_eq!(
            outcome(Some(&before), &cronjob("0 2 * * *", "10"), false),
            Outcome::Unchanged
        );
        assert_eq!(
            outcome(Some(&before), &cronjob("0 2 * * *", "11"), false),
            Outcome::Configured
        );
    }

    #[test]
    fn a_dry_run_is_judged_by_content_because_it_keeps_the_resource_version() {
        let before = cronjob("0 2 * * *", "10");
        assert_eq!(
            outcome(Some(&before), &cronjob("0 3 * * *", "10"), true),
            Outcome::Configured
        );
        let mut same = cronjob("0 2 * * *", "10");
        same["metadata"]["managedFields"] = json!([{"manager": "etl", "time": "later"}]);
        assert_eq!(outcome(Some(&before), &same, true), Outcome::Unchanged);
    }

    #[test]
    fn the_diff_shows_the_changed_field_and_not_the_servers_bookkeeping() {
        let d = unified(
            "cronjob/daily",
            Some(&cronjob("0 2 * * *", "10")),
            &cronjob("0 3 * * *", "11"),
        )
        .unwrap();
        assert!(d.contains("--- cronjob/daily (deployed)"), "{d}");
        assert!(d.contains("+++ cronjob/daily (etl.yaml)"), "{d}");
        assert!(d.contains("-  schedule: 0 2 * * *"), "{d}");
        assert!(d.contains("+  schedule: 0 3 * * *"), "{d}");
        for noise in [
            "resourceVersion",
            "managedFields",
            "uid",
            "status",
            "generation",
        ] {
            assert!(!d.contains(noise), "{noise} in\n{d}");
        }
        assert_eq!(
            unified(
                "cronjob/daily",
                Some(&cronjob("0 2 * * *", "10")),
                &cronjob("0 2 * * *", "12")
            ),
            None
        );
    }

    #[test]
    fn a_new_object_is_all_added() {
        let d = unified("cronjob/daily", None, &cronjob("0 2 * * *", "1")).unwrap();
        assert!(d.contains("--- cronjob/daily (not deployed)"), "{d}");
        let body: Vec<&str> = d.lines().skip(3).collect();
        assert!(body.iter().all(|l| l.starts_with('+')), "{d}");
    }

    #[test]
    fn secret_values_never_show_but_a_changed_one_is_a_difference() {
        let d = unified(
            "secret/p-warehouse",
            Some(&secret("czNjcjN0")),
            &secret("bjN3"),
        )
        .unwrap();
        assert!(!d.contains("czNjcjN0") && !d.contains("bjN3"), "{d}");
        assert!(d.contains("-  TOKEN: (value hidden)"), "{d}");
        assert!(d.contains("+  TOKEN: changed (value hidden)"), "{d}");
        assert!(
            !d.lines()
                .any(|l| l.starts_with(['+', '-']) && l.contains("USER")),
            "an unchanged key is context, not a change: {d}"
        );
        assert_eq!(
            unified(
                "secret/p-warehouse",
                Some(&secret("czNjcjN0")),
                &secret("czNjcjN0")
            ),
            None
        );
        let new = unified("secret/p-warehouse", None, &secret("czNjcjN0")).unwrap();
        assert!(
            new.contains("+  TOKEN: (value hidden)") && !new.contains("czNjcjN0"),
            "{new}"
        );
    }
}
