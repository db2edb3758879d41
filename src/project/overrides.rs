//! One-off changes on the command line: `--set path=value` on a job's spec and
//! `--config key=value` on its config, typed by the job's `params`.

use super::{ConfigError, Job, JobSpec, ParamSpec, ParamType, Project, suggest};
use serde_json::Value;

impl Project {
    /// The job `name` with a command's `--set` (`sets`) and `--config` (`configs`) applied.
    pub fn job_with_overrides(
        &self,
        name: &str,
        sets: &[String],
        configs: &[String],
    ) -> Result<Job, ConfigError> {
        let spec = self.specs.get(name).ok_or_else(|| self.no_such_job(name))?;
        let spec = apply_set(name, spec, sets)?;
        let mut job = self
            .resolve(name, &spec)
            .map_err(|e| blame_set(e, name, sets))?;
        coerce_config(&mut job, configs)?;
        Ok(job)
    }
}

/// The value of `--set`/`--config` as YAML would read it: `3` is a number, `true` a boolean,
/// `[a, b]` a list, anything else a string.
fn yaml_value(raw: &str) -> Value {
    serde_saphyr::from_str::<Value>(raw)
        .ok()
        .filter(|v| !v.is_null() || raw.trim() == "null")
        .unwrap_or_else(|| Value::String(raw.to_string()))
}

/// The fields a `--set` path may start with: those of a job in etl.yaml.
const FIELDS: &[&str] = &[
    "description",
    "command",
    "config",
    "schedule",
    "window",
    "timezone",
    "resources",
    "env",
    "secrets",
    "retries",
    "timeout",
    "service_account",
    "labels",
    "node_selector",
    "tolerations",
    "params",
];

/// Applies `--set path=value` overrides (e.g. `resources.memory=8Gi`) to a job's spec.
pub fn apply_set(job: &str, spec: &JobSpec, sets: &[String]) -> Result<JobSpec, ConfigError> {
    if sets.is_empty() {
        return Ok(spec.clone());
    }
    let flag_err = |set: &str, msg: String| ConfigError::flag(format!("--set {set}"), msg);
    let mut doc =
        serde_json::to_value(spec).map_err(|e| ConfigError::flag("--set", e.to_string()))?;
    for set in sets {
        let Some((path, raw)) = set.split_once('=') else {
            return Err(
                flag_err(set, "expected PATH=VALUE".into()).hint("e.g. --set resources.memory=8Gi")
            );
        };
        let keys: Vec<&str> = path.split('.').collect();
        if keys.iter().any(|k| k.is_empty()) {
            return Err(flag_err(set, format!("`{path}` is not a field path"))
                .hint("e.g. --set resources.memory=8Gi"));
        }
        if !FIELDS.contains(&keys[0]) {
            let mut e = flag_err(set, format!("a job has no field `{}`", keys[0]));
            e = match suggest(keys[0], FIELDS.iter().copied()) {
                Some(s) => e.hint(format!("did you mean `{s}`?")),
                None => e.hint(format!("the fields are: {}", FIELDS.join(", "))),
            };
            return Err(e);
        }
        let mut node = &mut doc;
        for key in &keys[..keys.len() - 1] {
            if !node.is_object() {
                return Err(flag_err(
                    set,
                    format!("`{key}` is inside a value that is not a map"),
                ));
            }
            node = node
                .as_object_mut()
                .expect("checked above")
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Default::default()));
            if node.is_null() {
                *node = Value::Object(Default::default());
            }
        }
        let Some(obj) = node.as_object_mut() else {
            return Err(flag_err(set, "the field's parent is not a map".into()));
        };
        // An env var is text: `--set env.PORT=8080` is the string "8080".
        let value = if keys[0] == "env" && keys.len() == 2 {
            Value::String(raw.to_string())
        } else {
            yaml_value(raw)
        };
        obj.insert(keys[keys.len() - 1].to_string(), value);
    }
    serde_path_to_error::deserialize::<_, JobSpec>(doc).map_err(|e| {
        let path = e.path().to_string();
        let set = sets
            .iter()
            .find(|s| {
                s.split_once('=')
                    .is_some_and(|(p, _)| path.starts_with(p) || p.starts_with(&path))
            })
            .map(|s| format!("--set {s}"))
            .unwrap_or_else(|| "--set".into());
        ConfigError::flag(
            set,
            format!(
                "jobs.{job}.{path}: {}",
                super::error::friendly(&e.inner().to_string())
            ),
        )
        .hint("the value must have the type etl.yaml expects for that field")
    })
}

/// An error found checking a job after `--set`: etl.yaml's own jobs were already checked, so
/// the cause is a `--set`, and the error names it (the one whose path holds the field, else all
/// of them) instead of etl.yaml.
pub fn blame_set(e: ConfigError, job: &str, sets: &[String]) -> ConfigError {
    if sets.is_empty() {
        return e;
    }
    let field = e.field.clone().unwrap_or_default();
    let path = field
        .strip_prefix(&format!("jobs.{job}."))
        .unwrap_or(&field);
    let within = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}."));
    let flag = sets
        .iter()
        .find(|s| {
            s.split_once('=')
                .is_some_and(|(p, _)| within(path, p) || within(p, path))
        })
        .map(|s| format!("--set {s}"))
        .unwrap_or_else(|| format!("--set {}", sets.join(" --set ")));
    let message = if field.is_empty() {
        e.message
    } else {
        format!("{field}: {}", e.message)
    };
    let mut out = ConfigError::flag(flag, message);
    out.hint = e.hint;
    out
}

/// Checks and converts a param's value to its declared type.
pub fn typed_param(name: &str, p: &ParamSpec, v: &Value) -> Result<Value, String> {
    let as_text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match p.kind {
        ParamType::String => Ok(Value::String(as_text)),
        ParamType::Int => as_text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{name}` is an int, `{as_text}` is not")),
        ParamType::Bool => match as_text.trim() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!(
                "`{name}` is a bool (true or false), `{as_text}` is not"
            )),
        },
        ParamType::Date => as_text
            .trim()
            .parse::<jiff::civil::Date>()
            .map(|d| Value::String(d.to_string()))
            .map_err(|_| format!("`{name}` is a date (YYYY-MM-DD), `{as_text}` is not")),
        ParamType::Choice => {
            let choices = p.choices.clone().unwrap_or_default();
            if choices.contains(&as_text) {
                Ok(Value::String(as_text))
            } else {
                Err(format!(
                    "`{name}` is one of {}, `{as_text}` is not",
                    choices.join(", ")
                ))
            }
        }
    }
}

/// Applies `--config key=value` to a job's config. A declared param is typed by its `type`; a
/// key the job's config already has keeps that value's type; anything else is refused with
/// the keys the job knows, so a typo never passes silently.
pub fn coerce_config(job: &mut Job, sets: &[String]) -> Result<(), ConfigError> {
    for set in sets {
        let err = |msg: String| ConfigError::flag(format!("--config {set}"), msg);
        let Some((key, raw)) = set.split_once('=') else {
            return Err(err("expected KEY=VALUE".into()).hint("e.g. --config bucket=raw"));
        };
        let value = if let Some(p) = job.params.get(key) {
            typed_param(key, p, &Value::String(raw.to_string())).map_err(err)?
        } else if let Some(existing) = job.config.get(key) {
            let v = yaml_value(raw);
            let same_type = std::mem::discriminant(existing) == std::mem::discriminant(&v);
            if existing.is_string() || !same_type {
                if existing.is_string() {
                    Value::String(raw.to_string())
                } else {
                    return Err(err(format!(
                        "`{key}` is {} in the job's config, `{raw}` is not",
                        kind(existing)
                    )));
                }
            } else {
                v
            }
        } else {
            // Param defaults are in the config too: each key once.
            let mut known: Vec<&str> = job.params.keys().map(String::as_str).collect();
            for k in job.config.keys() {
                if !known.contains(&k.as_str()) {
                    known.push(k);
                }
            }
            let mut e = err(format!(
                "the job `{}` has no config key or param `{key}`",
                job.name
            ));
            e = match suggest(key, known.iter().copied()) {
                Some(s) => e.hint(format!("did you mean `{s}`?")),
                None if known.is_empty() => e.hint(format!(
                    "declare it under `jobs.{}.params` or `config`",
                    job.name
                )),
                None => e.hint(format!("the keys are: {}", known.join(", "))),
            };
            return Err(e);
        };
        job.config.insert(key.to_string(), value);
    }
    Ok(())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}
