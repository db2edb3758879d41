//! etl.yaml's optional `scheduler:` section: whether `etl deploy` puts the in-cluster
//! scheduler (`etl scheduler`) in the cluster, how many replicas and how much CPU and memory.
//! Pure.

use super::{ConfigError, Resources, Scalar, is_quantity};
use serde::Deserialize;
use std::path::Path;

/// The section as etl.yaml writes it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SchedulerSpec {
    /// `false` keeps the scheduler out of the cluster even when there are workflows.
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    replicas: Option<u32>,
    #[serde(default)]
    resources: Option<Resources>,
}

/// Whether and how the scheduler is deployed.
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduler {
    /// True when etl.yaml has a workflow or a `scheduler:` section, unless it says
    /// `enabled: false`: workflows need it to run (and to fire their schedules) in the cluster.
    pub enabled: bool,
    /// Only one replica acts at a time (a Lease); more are stand-bys that take over at once.
    pub replicas: u32,
    /// Requests cpu 50m and memory 64Mi, memory limit 128Mi, unless etl.yaml says otherwise.
    pub resources: Resources,
}

impl Scheduler {
    /// The scheduler's defaults: what a deploy uses when etl.yaml has no `scheduler:` section.
    pub fn defaults(enabled: bool) -> Scheduler {
        Scheduler {
            enabled,
            replicas: 1,
            // The scheduler watches one namespace and decides with pure functions: a small
            // footprint, and a limit so a leak cannot starve the jobs on the node.
            resources: Resources {
                cpu: Some(Scalar::String("50m".into())),
                memory: Some(Scalar::String("64Mi".into())),
                cpu_limit: None,
                memory_limit: Some(Scalar::String("128Mi".into())),
            },
        }
    }
}

/// Checks the section; `has_workflows` decides whether the scheduler is wanted when etl.yaml
/// does not say.
pub(super) fn validate(
    file: &Path,
    spec: Option<&SchedulerSpec>,
    has_workflows: bool,
) -> Result<Scheduler, ConfigError> {
    let Some(spec) = spec else {
        return Ok(Scheduler::defaults(has_workflows));
    };
    let mut s = Scheduler::defaults(spec.enabled.unwrap_or(true));
    if let Some(r) = spec.replicas {
        s.replicas = r;
    }
    if let Some(r) = &spec.resources {
        for (key, q) in [
            ("cpu", &r.cpu),
            ("memory", &r.memory),
            ("cpu_limit", &r.cpu_limit),
            ("memory_limit", &r.memory_limit),
        ] {
            if let Some(q) = q
                && !is_quantity(&q.to_string())
            {
                return Err(
                    ConfigError::new(file, format!("`{q}` is not a Kubernetes quantity"))
                        .field(format!("scheduler.resources.{key}"))
                        .hint("e.g. cpu: 100m, memory: 128Mi"),
                );
            }
        }
        // Given values replace the defaults one by one; a memory request given without a
        // limit raises the limit with it, so the request never exceeds the limit.
        let default_limit = s.resources.memory_limit.clone();
        s.resources = r.clone().over(&s.resources);
        if r.memory.is_some() && r.memory_limit.is_none() {
            s.resources.memory_limit = r.memory.clone().or(default_limit);
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use crate::project::parse;
    use std::path::Path;

    const JOB: &str = "project: p\njobs:\n  a: {command: [x]}\n";

    fn text(s: &Option<super::Scalar>) -> String {
        s.as_ref().map(|q| q.to_string()).unwrap_or_default()
    }

    #[test]
    fn wanted_with_workflows_or_the_section_unless_disabled() {
        let p = parse(Path::new("etl.yaml"), JOB).unwrap();
        assert!(
            !p.scheduler.enabled,
            "no workflow, no section: no scheduler"
        );
        let wf = format!("{JOB}workflows:\n  w:\n    tasks: {{a: {{}}}}\n");
        assert!(parse(Path::new("etl.yaml"), &wf).unwrap().scheduler.enabled);
        let section = format!("{JOB}scheduler: {{replicas: 2}}\n");
        let p = parse(Path::new("etl.yaml"), &section).unwrap();
        assert!(p.scheduler.enabled);
        assert_eq!(p.scheduler.replicas, 2);
        let off = format!("{wf}scheduler: {{enabled: false}}\n");
        assert!(
            !parse(Path::new("etl.yaml"), &off)
                .unwrap()
                .scheduler
                .enabled
        );
    }

    #[test]
    fn resources_default_small_and_a_bigger_request_raises_the_limit() {
        let p = parse(Path::new("etl.yaml"), &format!("{JOB}scheduler: {{}}\n")).unwrap();
        let r = &p.scheduler.resources;
        assert_eq!(
            (text(&r.cpu), text(&r.memory), text(&r.memory_limit)),
            ("50m".into(), "64Mi".into(), "128Mi".into())
        );
        let more = format!("{JOB}scheduler:\n  resources: {{cpu: 200m, memory: 256Mi}}\n");
        let r = parse(Path::new("etl.yaml"), &more)
            .unwrap()
            .scheduler
            .resources;
        assert_eq!(
            (text(&r.cpu), text(&r.memory), text(&r.memory_limit)),
            ("200m".into(), "256Mi".into(), "256Mi".into())
        );
    }

    #[test]
    fn mistakes_point_at_the_line() {
        let bad = format!("{JOB}scheduler:\n  resources:\n    memory: lots\n");
        let e = parse(Path::new("etl.yaml"), &bad).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("scheduler.resources.memory"));
        assert_eq!(e.position.map(|p| p.0), Some(6), "{e:?}");
        assert!(e.message.contains("`lots` is not a Kubernetes quantity"));

        let typo = format!("{JOB}scheduler:\n  replica: 2\n");
        let e = parse(Path::new("etl.yaml"), &typo).unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(5), "{e:?}");
        assert_eq!(e.hint.as_deref(), Some("did you mean `replicas`?"));

        let negative = format!("{JOB}scheduler:\n  replicas: -1\n");
        let e = parse(Path::new("etl.yaml"), &negative).unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(5), "{e:?}");
    }
}
