//! The etl.yaml model: what the file may say (`Raw*`, `JobSpec`) and what etl works with once
//! defaults are applied and everything is checked (`Project`, `Job`).

use super::{ConfigError, at, suggest};
use crate::window::Period;
use indexmap::IndexMap;
use jiff::SignedDuration;
use jiff::tz::TimeZone;
use k8s_openapi::api::core::v1::Toleration;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProject {
    project: Spanned<String>,
    #[serde(default)]
    image: ImageSpec,
    #[serde(default)]
    cluster: ClusterSpec,
    #[serde(default)]
    defaults: JobSpec,
    #[serde(default)]
    jobs: IndexMap<String, JobSpec>,
    #[serde(default)]
    secrets: IndexMap<String, SecretSpec>,
    /// DAGs of jobs (src/project/workflow.rs).
    #[serde(default)]
    workflows: Option<IndexMap<String, super::workflow::WorkflowSpec>>,
    /// The in-cluster scheduler (src/project/scheduler.rs).
    #[serde(default)]
    scheduler: Option<super::scheduler::SchedulerSpec>,
    /// How long finished runs and their records are kept (src/project/retention.rs).
    #[serde(default)]
    retention: Option<super::retention::RetentionSpec>,
}

/// How the job image is built (`etl build`) and where it is pushed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    /// `registry.example.com/team/project`, without a tag.
    pub repository: Option<String>,
    #[serde(default = "default_dockerfile")]
    pub dockerfile: String,
    #[serde(default = "default_context")]
    pub context: String,
    #[serde(default)]
    pub build_args: IndexMap<String, Scalar>,
    /// docker, podman, buildah or nerdctl; found on PATH when absent.
    pub engine: Option<String>,
}

fn default_dockerfile() -> String {
    "Dockerfile".into()
}

// By hand, not derived: an etl.yaml without `image:` must get the same defaults as one with
// an empty `image: {}` (a derived Default would leave `dockerfile` empty).
impl Default for ImageSpec {
    fn default() -> Self {
        ImageSpec {
            repository: None,
            dockerfile: default_dockerfile(),
            context: default_context(),
            build_args: IndexMap::new(),
            engine: None,
        }
    }
}
fn default_context() -> String {
    ".".into()
}

/// Which cluster and namespace the project's runs and deployments go to.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// A kubeconfig context. When set, etl refuses to act on another one unless `--context`
    /// is given, so nobody deploys to the wrong cluster by accident.
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// A Kubernetes Secret built on the user's machine from env vars or a dotenv file. Values are
/// never printed and never put in a container's args.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    /// The keys of the Secret. Each value is read from the env var of the same name, or else
    /// from `dotenv`. Jobs that use the secret see each key as an env var of that name.
    pub keys: Vec<String>,
    /// A dotenv file, relative to etl.yaml.
    pub dotenv: Option<String>,
}

/// A string, number or boolean in YAML, used where Kubernetes wants a string.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::String(s) => f.write_str(s),
        }
    }
}

/// An env var's value: the text as written in etl.yaml. An env var is text, so `yes` stays
/// `yes` (YAML 1.1 would read `true`) and `1.50` stays `1.50`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(transparent)]
pub struct EnvValue(pub String);

impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = String;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E>(self, v: &str) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_bool<E>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_i64<E>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
        }
        // Asking for a string makes serde-saphyr hand over a plain scalar's text as written.
        d.deserialize_str(Text).map(EnvValue)
    }
}

/// CPU and memory for a job's container. `cpu` and `memory` are requests; the memory limit
/// defaults to the request (a job that outgrows it is OOMKilled rather than starving its
/// neighbours), and there is no CPU limit unless one is given.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub cpu: Option<Scalar>,
    pub memory: Option<Scalar>,
    pub cpu_limit: Option<Scalar>,
    pub memory_limit: Option<Scalar>,
}

impl Resources {
    pub(super) fn over(&self, base: &Resources) -> Resources {
        Resources {
            cpu: self.cpu.clone().or_else(|| base.cpu.clone()),
            memory: self.memory.clone().or_else(|| base.memory.clone()),
            cpu_limit: self.cpu_limit.clone().or_else(|| base.cpu_limit.clone()),
            memory_limit: self
                .memory_limit
                .clone()
                .or_else(|| base.memory_limit.clone()),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    #[default]
    String,
    Int,
    Bool,
    Date,
    Choice,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Int => "int",
            ParamType::Bool => "bool",
            ParamType::Date => "date",
            ParamType::Choice => "choice",
        }
    }
}

/// A typed config value a job accepts: prompted for by the picker, set by `--config key=value`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    #[serde(rename = "type", default)]
    pub kind: ParamType,
    pub default: Option<Value>,
    pub choices: Option<Vec<String>>,
    pub help: Option<String>,
}

/// One job as etl.yaml declares it, or the `defaults` every job inherits. Every field is
/// optional here; `Job` is the checked result of a job over the defaults.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<IndexMap<String, EnvValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<Spanned<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<IndexMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<IndexMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<IndexMap<String, ParamSpec>>,
}

fn merged_map<V: Clone>(
    base: &Option<IndexMap<String, V>>,
    over: &Option<IndexMap<String, V>>,
) -> Option<IndexMap<String, V>> {
    match (base, over) {
        (None, None) => None,
        (b, o) => {
            let mut m = b.clone().unwrap_or_default();
            m.extend(o.clone().unwrap_or_default());
            Some(m)
        }
    }
}

impl JobSpec {
    /// This job's spec over the project defaults: the job's own values win, maps (config, env,
    /// labels, node selector, params) are merged key by key, secrets are the union.
    pub fn over(&self, defaults: &JobSpec) -> JobSpec {
        let config = match (&defaults.config, &self.config) {
            (None, None) => None,
            (b, o) => {
                let mut m = b.clone().unwrap_or_default();
                m.extend(o.clone().unwrap_or_default());
                Some(m)
            }
        };
        let secrets = match (&defaults.secrets, &self.secrets) {
            (None, None) => None,
            (b, o) => {
                let mut all: Vec<Spanned<String>> = b.clone().unwrap_or_default();
                for s in o.clone().unwrap_or_default() {
                    if !all.iter().any(|x| x.value == s.value) {
                        all.push(s);
                    }
                }
                Some(all)
            }
        };
        JobSpec {
            description: self
                .description
                .clone()
                .or_else(|| defaults.description.clone()),
            command: self.command.clone().or_else(|| defaults.command.clone()),
            config,
            schedule: self.schedule.clone().or_else(|| defaults.schedule.clone()),
            window: self.window.or(defaults.window),
            timezone: self.timezone.clone().or_else(|| defaults.timezone.clone()),
            resources: match (&defaults.resources, &self.resources) {
                (None, None) => None,
                (b, o) => Some(
                    o.clone()
                        .unwrap_or_default()
                        .over(&b.clone().unwrap_or_default()),
                ),
            },
            env: merged_map(&defaults.env, &self.env),
            secrets,
            retries: self.retries.or(defaults.retries),
            timeout: self.timeout.clone().or_else(|| defaults.timeout.clone()),
            service_account: self
                .service_account
                .clone()
                .or_else(|| defaults.service_account.clone()),
            labels: merged_map(&defaults.labels, &self.labels),
            node_selector: merged_map(&defaults.node_selector, &self.node_selector),
            tolerations: self
                .tolerations
                .clone()
                .or_else(|| defaults.tolerations.clone()),
            params: merged_map(&defaults.params, &self.params),
        }
    }
}

/// A job with defaults applied and every value checked: what rendering and running use.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Job {
    pub name: String,
    pub description: String,
    pub command: Vec<String>,
    /// The config handed to the job, with param defaults filled in.
    pub config: Map<String, Value>,
    pub schedule: Option<String>,
    pub window: Period,
    pub timezone: String,
    #[serde(skip)]
    pub tz: TimeZone,
    pub resources: Resources,
    pub env: IndexMap<String, String>,
    pub secrets: Vec<String>,
    pub retries: u32,
    #[serde(skip)]
    pub timeout: Option<SignedDuration>,
    pub timeout_seconds: Option<i64>,
    pub service_account: Option<String>,
    pub labels: IndexMap<String, String>,
    pub node_selector: IndexMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub params: IndexMap<String, ParamSpec>,
}

/// etl.yaml, checked.
#[derive(Clone, Debug)]
pub struct Project {
    pub file: PathBuf,
    /// The directory etl.yaml is in: relative paths in it are relative to this.
    pub dir: PathBuf,
    pub name: String,
    pub image: ImageSpec,
    pub cluster: ClusterSpec,
    pub defaults: JobSpec,
    /// Each job's spec over the defaults, before checking: `--set` edits these.
    pub specs: IndexMap<String, JobSpec>,
    pub jobs: IndexMap<String, Job>,
    pub secrets: IndexMap<String, SecretSpec>,
    pub workflows: IndexMap<String, super::workflow::Workflow>,
    /// Whether `etl deploy` puts the scheduler in the cluster, and its replicas and resources.
    pub scheduler: super::scheduler::Scheduler,
    /// How long the cluster keeps finished runs and their history records.
    pub retention: super::retention::Retention,
    /// Things worth saying that do not stop etl (printed on stderr by the caller).
    pub warnings: Vec<String>,
}

impl Project {
    /// The job called `name`, or an error that suggests the closest one.
    pub fn job(&self, name: &str) -> Result<&Job, ConfigError> {
        self.jobs.get(name).ok_or_else(|| self.no_such_job(name))
    }

    pub fn no_such_job(&self, name: &str) -> ConfigError {
        let mut e = ConfigError::new(&self.file, format!("there is no job `{name}`"));
        e = match suggest(name, self.jobs.keys().map(String::as_str)) {
            Some(s) => e.hint(format!("did you mean `{s}`?")),
            None if self.jobs.is_empty() => e.hint("declare one under `jobs:`"),
            None => e.hint(format!(
                "the jobs are: {}",
                self.jobs.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
        };
        e
    }

    /// The namespace runs and deployments go to, unless `--namespace` says otherwise.
    pub fn namespace(&self) -> &str {
        self.cluster.namespace.as_deref().unwrap_or("default")
    }

    /// Resolves a job spec (e.g. after `--set`) the same way etl.yaml's own jobs are.
    pub fn resolve(&self, name: &str, spec: &JobSpec) -> Result<Job, ConfigError> {
        resolve_job(&self.file, name, spec, &self.secrets)
    }
}

pub(super) fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// `Ingest__Sensors` → `ingest-sensors`: what we suggest for a name Kubernetes would refuse
/// (lowercase, runs of anything else as one '-', none at the ends).
pub fn to_dns_label(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// A Kubernetes resource quantity: `500m`, `2`, `1.5`, `8Gi`, `1e3`.
pub fn is_quantity(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    let number_ok = !number.is_empty() && number != "." && number.matches('.').count() <= 1;
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || (suffix.len() > 1
        && suffix.starts_with(['e', 'E'])
        && suffix[1..]
            .strip_prefix(['+', '-'])
            .unwrap_or(&suffix[1..])
            .chars()
            .all(|c| c.is_ascii_digit())
        && !suffix[1..].trim_start_matches(['+', '-']).is_empty());
    number_ok && suffix_ok
}

/// Parses `2h`, `90m`, `1h 30m`, `45s`, `1d` (24 hours) or ISO 8601 `PT2H`.
pub fn parse_duration(s: &str) -> Option<SignedDuration> {
    let t = s.trim();
    if let Ok(d) = t.parse::<SignedDuration>() {
        return Some(d);
    }
    // Days are calendar units in jiff; a timeout of "1d" means 24 hours.
    let span: jiff::Span = t.parse().ok()?;
    let hours = i64::from(span.get_days()) * 24 + i64::from(span.get_weeks()) * 24 * 7;
    let rest = span.days(0).weeks(0);
    if span.get_months() != 0 || span.get_years() != 0 {
        return None;
    }
    let rest = SignedDuration::try_from(rest).ok()?;
    rest.checked_add(SignedDuration::from_hours(hours))
}

pub(super) fn check_cron(expr: &str) -> Result<(), String> {
    // Kubernetes accepts the five-field form and the @daily-style macros.
    let fields = expr.split_whitespace().count();
    if !expr.trim_start().starts_with('@') && fields != 5 {
        return Err(format!(
            "a schedule has 5 fields (minute hour day-of-month month day-of-week), this one has {fields}"
        ));
    }
    if expr.contains("TZ=") {
        return Err("set the time zone with `timezone:`, not inside the schedule".into());
    }
    expr.parse::<croner::Cron>().map(|_| ()).map_err(|e| match e.to_string() {
        m if m.contains("out of bounds") => {
            "a value is out of range (minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-7)".into()
        }
        m => m.trim_end_matches('.').to_string(),
    })
}

pub(super) fn resolve_job(
    file: &Path,
    name: &str,
    spec: &JobSpec,
    secrets: &IndexMap<String, SecretSpec>,
) -> Result<Job, ConfigError> {
    resolve_at(file, name, &format!("jobs.{name}"), spec, secrets)
}

/// Checks the values one part of etl.yaml gives (`defaults`, or a job's own fields) and names
/// that part in errors, so a bad value is reported where it is written rather than under the
/// first job that inherits it. A missing command is not this part's fault: it is checked once
/// the job is merged over the defaults.
fn check_part(
    file: &Path,
    part: &str,
    spec: &JobSpec,
    secrets: &IndexMap<String, SecretSpec>,
) -> Result<(), ConfigError> {
    let spec = JobSpec {
        command: Some(vec!["-".into()]),
        ..spec.clone()
    };
    resolve_at(file, part, part, &spec, secrets).map(|_| ())
}

fn resolve_at(
    file: &Path,
    name: &str,
    part: &str,
    spec: &JobSpec,
    secrets: &IndexMap<String, SecretSpec>,
) -> Result<Job, ConfigError> {
    let field = |f: &str| format!("{part}.{f}");
    let err = |f: &str, msg: String| ConfigError::new(file, msg).field(field(f));

    let command = match &spec.command {
        Some(c) if !c.is_empty() => c.clone(),
        _ => {
            return Err(err("command", "no command to run".into()).hint(
                "give the job (or `defaults`) a command, e.g. `command: [python, main.py]`",
            ));
        }
    };

    let schedule = match &spec.schedule {
        Some(s) => {
            check_cron(&s.value).map_err(|m| {
                err(
                    "schedule",
                    format!("`{}` is not a valid cron expression: {m}", s.value),
                )
                .at(at(s.referenced))
                .hint("e.g. `0 2 * * *` runs every day at 02:00")
            })?;
            Some(s.value.clone())
        }
        None => None,
    };

    let (timezone, tz) = match &spec.timezone {
        Some(s) => match TimeZone::get(&s.value) {
            Ok(tz) => (s.value.clone(), tz),
            Err(_) => {
                let names = jiff::tz::db()
                    .available()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>();
                let mut e = err("timezone", format!("unknown time zone `{}`", s.value))
                    .at(at(s.referenced));
                e = match suggest(&s.value, names.iter().map(String::as_str)) {
                    Some(n) => e.hint(format!("did you mean `{n}`?")),
                    None => e.hint(
                        "use an IANA name such as `UTC`, `Europe/Paris` or `America/New_York`",
                    ),
                };
                return Err(e);
            }
        },
        None => ("UTC".to_string(), TimeZone::UTC),
    };

    let timeout = match &spec.timeout {
        Some(s) => match parse_duration(&s.value) {
            Some(d) if d.is_positive() => Some(d),
            _ => {
                return Err(err("timeout", format!("`{}` is not a duration", s.value))
                    .at(at(s.referenced))
                    .hint("e.g. `30m`, `2h` or `1h 30m`"));
            }
        },
        None => None,
    };

    let mut secret_names = Vec::new();
    for s in spec.secrets.iter().flatten() {
        if !secrets.contains_key(&s.value) {
            let mut e =
                err("secrets", format!("there is no secret `{}`", s.value)).at(at(s.referenced));
            e = match suggest(&s.value, secrets.keys().map(String::as_str)) {
                Some(n) => e.hint(format!("did you mean `{n}`?")),
                None => e.hint("declare it under the top-level `secrets:`"),
            };
            return Err(e);
        }
        secret_names.push(s.value.clone());
    }

    let resources = spec.resources.clone().unwrap_or_default();
    for (key, q) in [
        ("cpu", &resources.cpu),
        ("memory", &resources.memory),
        ("cpu_limit", &resources.cpu_limit),
        ("memory_limit", &resources.memory_limit),
    ] {
        if let Some(q) = q
            && !is_quantity(&q.to_string())
        {
            return Err(err(
                &format!("resources.{key}"),
                format!("`{q}` is not a Kubernetes quantity"),
            )
            .hint("e.g. cpu: 500m or 2, memory: 512Mi or 8Gi"));
        }
    }

    let params = spec.params.clone().unwrap_or_default();
    let mut config = spec.config.clone().unwrap_or_default();
    for (pname, p) in &params {
        let pf = format!("params.{pname}");
        if p.kind == ParamType::Choice && p.choices.as_ref().is_none_or(|c| c.is_empty()) {
            return Err(err(&pf, "a `choice` param needs `choices: [...]`".into()));
        }
        if p.kind != ParamType::Choice && p.choices.is_some() {
            return Err(err(&pf, "`choices` only go with `type: choice`".into()));
        }
        if let Some(d) = &p.default {
            let typed = super::overrides::typed_param(pname, p, d)
                .map_err(|m| err(&pf, format!("default: {m}")))?;
            config.entry(pname.clone()).or_insert(typed);
        }
    }

    Ok(Job {
        name: name.to_string(),
        description: spec.description.clone().unwrap_or_default(),
        command,
        config,
        schedule,
        window: spec.window.unwrap_or_default(),
        timezone,
        tz,
        resources,
        env: spec
            .env
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.0))
            .collect(),
        secrets: secret_names,
        retries: spec.retries.unwrap_or(0),
        timeout_seconds: timeout.map(|d| d.as_secs()),
        timeout,
        service_account: spec.service_account.clone(),
        labels: spec.labels.clone().unwrap_or_default(),
        node_selector: spec.node_selector.clone().unwrap_or_default(),
        tolerations: spec.tolerations.clone().unwrap_or_default(),
        params,
    })
}

impl RawProject {
    pub(super) fn validate(self, file: &Path) -> Result<Project, ConfigError> {
        let name = self.project.value.clone();
        if !is_dns_label(&name) || name.len() > 40 {
            return Err(
                ConfigError::new(file, format!("`{name}` cannot name a project"))
                    .field("project")
                    .at(at(self.project.referenced))
                    .hint(format!(
                        "use at most 40 lowercase letters, digits and '-', e.g. `{}`",
                        to_dns_label(&name).chars().take(40).collect::<String>()
                    )),
            );
        }
        for secret in self.secrets.keys() {
            if !is_dns_label(secret) {
                return Err(
                    ConfigError::new(file, format!("`{secret}` cannot name a secret"))
                        .field(format!("secrets.{secret}"))
                        .hint(format!(
                            "use lowercase letters, digits and '-', e.g. `{}`",
                            to_dns_label(secret)
                        )),
                );
            }
        }
        if let Some(engine) = &self.image.engine
            && !["docker", "podman", "buildah", "nerdctl"].contains(&engine.as_str())
        {
            let mut e = ConfigError::new(file, format!("unknown container engine `{engine}`"))
                .field("image.engine");
            e = match suggest(engine, ["docker", "podman", "buildah", "nerdctl"]) {
                Some(s) => e.hint(format!("did you mean `{s}`?")),
                None => e.hint("use docker, podman, buildah or nerdctl"),
            };
            return Err(e);
        }
        check_part(file, "defaults", &self.defaults, &self.secrets)?;
        let mut specs = IndexMap::new();
        let mut jobs = IndexMap::new();
        for (job_name, spec) in &self.jobs {
            // Job names become label values and parts of resource names: Kubernetes' rules.
            // Long names are fine (names are shortened with a hash), odd characters are not.
            if job_name.is_empty()
                || !job_name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                || job_name.starts_with('-')
                || job_name.ends_with('-')
                // Shortened names end in `--<hash>`: no real job name may look like one.
                || job_name.contains("--")
            {
                return Err(
                    ConfigError::new(file, format!("`{job_name}` cannot name a job"))
                        .field(format!("jobs.{job_name}"))
                        .hint(format!(
                            "use lowercase letters, digits and '-', e.g. `{}`",
                            to_dns_label(job_name)
                        )),
                );
            }
            check_part(file, &format!("jobs.{job_name}"), spec, &self.secrets)?;
            let merged = spec.over(&self.defaults);
            jobs.insert(
                job_name.clone(),
                resolve_job(file, job_name, &merged, &self.secrets)?,
            );
            specs.insert(job_name.clone(), merged);
        }
        let workflows = super::workflow::validate(
            file,
            &self.workflows.unwrap_or_default(),
            &specs,
            &self.defaults,
            &self.secrets,
        )?;
        let scheduler =
            super::scheduler::validate(file, self.scheduler.as_ref(), !workflows.is_empty())?;
        let retention = super::retention::validate(file, self.retention.as_ref())?;
        let warnings = Vec::new();
        Ok(Project {
            file: file.to_path_buf(),
            dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
            name,
            image: self.image,
            cluster: self.cluster,
            defaults: self.defaults,
            specs,
            jobs,
            secrets: self.secrets,
            workflows,
            scheduler,
            retention,
            warnings,
        })
    }
}
