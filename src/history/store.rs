//! How history records are kept in the cluster: ConfigMaps labelled `etl.dev/kind=history`,
//! one per (job or workflow, year of the window's start) — per month for windows shorter than
//! a day — so no object grows near etcd's size limit (a year of daily records is ~75 KB, a
//! month of hourly ones ~150 KB). Each data key is a run's name and its value the record's
//! compact JSON: writing the same record twice is one key, so every writer (the scheduler,
//! `etl jobs cancel`, …) may write it again after a crash. Pure: these functions build and
//! read the objects; `cluster::history` sends them.
//!
//! A job and a workflow never share a name (etl.yaml refuses it), so one ConfigMap name per
//! name is unambiguous; a workflow's task records go to its job's ConfigMap (their `kind`
//! tells them apart). The scheduler and the CLI call these: keep them stable.

use super::Record;
use crate::render::names::{self, MAX_SUBDOMAIN, PREFIX};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The value of `etl.dev/kind` on history ConfigMaps.
pub const HISTORY_KIND: &str = "history";

/// The label naming the job or workflow a history ConfigMap holds (shortened like a job label).
pub fn history_of_label() -> String {
    format!("{PREFIX}/history-of")
}

/// The selector of a project's history ConfigMaps.
pub fn selector(project: &str) -> String {
    format!(
        "{PREFIX}/project={project},{}={HISTORY_KIND}",
        crate::run::workflow::kind_label()
    )
}

/// Which ConfigMap of `name` holds a record whose window starts at `window_start` (RFC 3339,
/// read as written: the local date of the window's own time zone) and is `short` (under a
/// day): `2026`, or `202611` for short windows.
pub fn bucket(window_start: &str, short: bool) -> String {
    let digits: String = window_start
        .chars()
        .take(7)
        .filter(char::is_ascii_digit)
        .collect();
    if short {
        digits
    } else {
        digits.chars().take(4).collect()
    }
}

/// `<project>-history-<name>-<bucket>`, shortened with a hash to a valid ConfigMap name.
pub fn history_config_map_name(project: &str, name: &str, bucket: &str) -> String {
    names::fit(&format!("{project}-history-{name}-{bucket}"), MAX_SUBDOMAIN)
}

/// Whether a record's window is shorter than a day (its records go in monthly ConfigMaps).
/// Task records are monthly too: a job used by 20 tasks of a daily workflow makes 7,300 task
/// records a year, about 1.8 MB, over etcd's limit for one object; a month of them is ~150 KB.
fn is_short(r: &Record) -> bool {
    r.kind == super::Kind::Task
        || r.window_instants()
            .is_none_or(|(s, e)| e.duration_since(s) < jiff::SignedDuration::from_hours(23))
}

/// The ConfigMap a record belongs in.
pub fn config_map_name_of(project: &str, r: &Record) -> String {
    history_config_map_name(project, &r.name, &bucket(&r.window_start, is_short(r)))
}

/// The ConfigMap holding the records of the runs of job or workflow `name` (not a task) for
/// `window`: where to look for a run without reading every record.
pub fn config_map_name_for(project: &str, name: &str, window: &crate::window::Window) -> String {
    let short = window.length() < jiff::SignedDuration::from_hours(23);
    history_config_map_name(
        project,
        name,
        &bucket(&crate::window::rfc3339(&window.start), short),
    )
}

/// A record as one data entry: (the run's name, the record's compact JSON).
pub fn entry(r: &Record) -> (String, String) {
    (
        r.run.clone(),
        serde_json::to_string(r).expect("a record serializes"),
    )
}

/// The records a history ConfigMap holds. A value that is not a record (edited by hand, or
/// written by a newer etl in a shape this one cannot read) is left out, never fatal.
pub fn records_of(cm: &ConfigMap) -> Vec<Record> {
    cm.data
        .iter()
        .flatten()
        .filter_map(|(_, v)| serde_json::from_str(v).ok())
        .collect()
}

/// One page of a list of history ConfigMaps, read straight into records: each value is parsed
/// as the list is read, so no ConfigMap (nor its map of a few hundred strings) is ever built.
/// What `etl history` reads at 36,500 records; [`records_of`] is the same for one ConfigMap.
#[derive(Deserialize)]
pub struct Page {
    #[serde(default)]
    pub metadata: ListMeta,
    #[serde(default)]
    items: Vec<Item>,
}

impl Page {
    /// The page's records, ConfigMap after ConfigMap.
    pub fn records(self) -> impl Iterator<Item = Record> {
        self.items.into_iter().flat_map(|i| i.data.0)
    }
}

/// A history ConfigMap as the list holds it: only its data is read.
#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    data: Records,
}

/// A ConfigMap's `data`, each value parsed into a record (a value that is not one is left
/// out, as in [`records_of`]).
#[derive(Default)]
struct Records(Vec<Record>);

impl<'de> Deserialize<'de> for Records {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Records, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Records;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a ConfigMap's data")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Records, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(0));
                while let Some((_, v)) =
                    m.next_entry::<serde::de::IgnoredAny, std::borrow::Cow<'de, str>>()?
                {
                    if let Ok(r) = serde_json::from_str(&v) {
                        out.push(r);
                    }
                }
                Ok(Records(out))
            }
            fn visit_unit<E>(self) -> Result<Records, E> {
                Ok(Records::default())
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The labels of the ConfigMap holding `r`.
fn labels(project: &str, r: &Record) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "app.kubernetes.io/managed-by".to_string(),
            "etl".to_string(),
        ),
        (format!("{PREFIX}/project"), project.to_string()),
        (crate::run::workflow::kind_label(), HISTORY_KIND.to_string()),
        (history_of_label(), names::job_label(&r.name)),
    ])
}

/// A new history ConfigMap holding `r` (create it when the merge patch answers 404; a 409
/// means another writer created it first: patch again).
pub fn config_map(project: &str, namespace: &str, r: &Record) -> ConfigMap {
    let (k, v) = entry(r);
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(config_map_name_of(project, r)),
            namespace: Some(namespace.to_string()),
            labels: Some(labels(project, r)),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([(k, v)])),
        ..ConfigMap::default()
    }
}

/// The JSON merge patch that adds (or replaces) `r` in its ConfigMap, and puts the labels on
/// it (harmless when they are there). Idempotent: the same record twice is one key.
pub fn add_patch(project: &str, r: &Record) -> serde_json::Value {
    let (k, v) = entry(r);
    json!({
        "metadata": {"labels": labels(project, r)},
        "data": {k: v},
    })
}

/// The JSON merge patch that removes records (retention): `null` deletes a key.
pub fn remove_patch<'a>(runs: impl IntoIterator<Item = &'a str>) -> serde_json::Value {
    let data: serde_json::Map<String, serde_json::Value> = runs
        .into_iter()
        .map(|r| (r.to_string(), serde_json::Value::Null))
        .collect();
    json!({ "data": data })
}
