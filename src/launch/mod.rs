//! A run's pod container as something to start on this machine, pure: its command line, the
//! env it gets here (secrets from this machine, by `secretKeyRef`), and, to run it in a
//! container, the engine's `run` command line with its resources. Starting and supervising it
//! is `supervisor`'s (I/O).

use crate::error::{Error, Result};
use crate::image::{ContainerRun, Engine};
use k8s_openapi::api::core::v1::Container;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The container a run runs: the pod's first.
pub fn first_container(pod: &k8s_openapi::api::core::v1::PodTemplateSpec) -> Result<&Container> {
    pod.spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .ok_or_else(|| {
            Error::usage(
                "the rendered pod has no container",
                "check templates/pod.yaml",
            )
        })
}

/// The pod's container as a command line (command, then args).
fn argv(c: &Container) -> Result<Vec<String>> {
    let mut argv: Vec<String> = c.command.clone().unwrap_or_default();
    argv.extend(c.args.clone().unwrap_or_default());
    if argv.is_empty() {
        return Err(Error::usage(
            "the job has no command to run here",
            "give it one in etl.yaml: `command: [python3, main.py]`",
        ));
    }
    Ok(argv)
}

/// The pod's env as a local process gets it: plain values, secrets from this machine. Values
/// Kubernetes fills in at run time (fieldRef, resourceFieldRef) do not exist here. Each pair
/// says whether it is a secret.
fn env(c: &Container, secrets: &HashMap<(String, String), String>) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for var in c.env.iter().flatten() {
        if let Some(v) = &var.value {
            out.push((var.name.clone(), v.clone(), false));
        } else if let Some(r) = var
            .value_from
            .as_ref()
            .and_then(|f| f.secret_key_ref.as_ref())
            && let Some(v) = secrets.get(&(r.name.clone(), r.key.clone()))
        {
            out.push((var.name.clone(), v.clone(), true));
        }
    }
    out
}

/// What `supervise` starts: a command, and how to stop it for good.
pub struct Launch {
    pub argv: Vec<OsString>,
    /// Added to etl's own environment.
    pub env: Vec<(String, String)>,
    pub dir: PathBuf,
    /// The container the command runs, by name: killing the engine's client does not stop
    /// it, so a stop ends with `ENGINE kill` and `ENGINE rm --force`.
    pub container: Option<(Engine, String)>,
    /// Put before each line the job prints (`averages-no2 | …`), when several jobs print at
    /// once (a workflow's tasks); None passes the job's output through untouched.
    pub prefix: Option<String>,
}

impl Launch {
    /// The same launch, its output lines prefixed with `prefix | `.
    pub fn prefixed(self, prefix: &str) -> Launch {
        Launch {
            prefix: Some(format!("{prefix} | ")),
            ..self
        }
    }

    /// The container's command as a local process in the project directory.
    pub fn process(
        c: &Container,
        secrets: &HashMap<(String, String), String>,
        dir: &Path,
    ) -> Result<Launch> {
        Ok(Launch {
            argv: argv(c)?.into_iter().map(OsString::from).collect(),
            env: env(c, secrets)
                .into_iter()
                .map(|(k, v, _)| (k, v))
                .collect(),
            dir: dir.to_path_buf(),
            container: None,
            prefix: None,
        })
    }

    /// The container itself, through `engine`: plain env on the engine's command line,
    /// secrets only by name, their values in the engine's environment (never in `ps`).
    /// `mount` is an absolute path (the engine takes a relative one for a named volume);
    /// `host_cpus` caps the CPU limit at what this machine has.
    pub fn container(
        engine: Engine,
        c: &Container,
        secrets: &HashMap<(String, String), String>,
        name: &str,
        mount: Option<&Path>,
        host_cpus: Option<u64>,
    ) -> Result<Launch> {
        let (secret, plain): (Vec<_>, Vec<_>) =
            env(c, secrets).into_iter().partition(|(_, _, s)| *s);
        let plain: Vec<(String, String)> = plain.into_iter().map(|(k, v, _)| (k, v)).collect();
        let secret: Vec<(String, String)> = secret.into_iter().map(|(k, v, _)| (k, v)).collect();
        let secret_names: Vec<String> = secret.iter().map(|(k, _)| k.clone()).collect();
        let limits = c.resources.as_ref().and_then(|r| r.limits.as_ref());
        let requests = c.resources.as_ref().and_then(|r| r.requests.as_ref());
        let run = ContainerRun {
            name,
            image: c.image.as_deref().unwrap_or_default(),
            command: c.command.as_deref().unwrap_or_default(),
            args: c.args.as_deref().unwrap_or_default(),
            env: &plain,
            env_from_engine: &secret_names,
            cpu: quantity(limits, "cpu").or(quantity(requests, "cpu")),
            // The memory request is the limit too when etl.yaml gives no limit (see render).
            memory: quantity(limits, "memory"),
            host_cpus,
            mount,
        };
        let mut argv = vec![OsString::from(engine.name())];
        argv.extend(crate::image::run_argv(engine, &run)?);
        Ok(Launch {
            argv,
            env: secret,
            dir: PathBuf::from("."),
            container: Some((engine, name.to_string())),
            prefix: None,
        })
    }
}

fn quantity<'a>(m: Option<&'a BTreeMap<String, Quantity>>, key: &str) -> Option<&'a str> {
    m.and_then(|m| m.get(key)).map(|q| q.0.as_str())
}
