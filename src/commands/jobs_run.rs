//! `etl jobs run`: the job, here, exactly as the cluster would run it: the pod is rendered as
//! for `etl jobs schedule`, then its container's command runs as a local process in the
//! project directory with the pod's args and env (secrets resolved on this machine), or, with
//! `--container`, the container itself runs through the container engine.

use super::{
    Ctx, job_with_overrides, pick, resolve_window, secret_values, started_by, templates,
    window_spec,
};
use crate::cli::RunArgs;
use crate::error::{Error, Result};
use crate::image::{self, ContainerRun, Engine, ImageError, Op, engine};
use crate::local_runs::{self, LocalRun};
use crate::project::{Job, Project};
use crate::render::{self, RunInfo, RunRequest, Trigger, names};
use crate::window::{self, Window, rfc3339};
use k8s_openapi::api::core::v1::Container;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// How long a job gets to stop after Ctrl-C is forwarded to it before it is killed.
const GRACE: Duration = Duration::from_secs(10);

pub fn run(ctx: &Ctx, args: RunArgs) -> Result<ExitCode> {
    let spec = window_spec(&args.window)?;
    let step = match &args.step {
        Some(s) => Some(window::parse_span(s).ok_or_else(|| {
            Error::usage(
                format!("--step {s}: not a duration"),
                "e.g. --step 1d, --step 6h or --step 1w",
            )
        })?),
        None => None,
    };
    let project = ctx.project()?;
    let mut picked = pick::complete(
        ctx,
        &project,
        "jobs run",
        pick::Given {
            job: args.job,
            window: spec,
            overrides: args.overrides,
            yes: args.yes,
        },
    )?;
    if let Some(s) = &args.step {
        picked.also(["--step", s.as_str()]);
    }
    if args.keep_going {
        picked.also(["--keep-going"]);
    }
    if args.container {
        picked.also(["--container"]);
    }
    if let Some(i) = &args.image {
        picked.also(["--image", i.as_str()]);
    }
    if args.mount {
        picked.also(["--mount"]);
    }
    let job = job_with_overrides(&project, &picked.job, &picked.overrides)?;
    let whole = resolve_window(ctx, &picked.window, &job)?;
    let windows = match step {
        Some(s) => window::split(&whole, s).map_err(|source| Error::Window {
            flag: "--step",
            source,
        })?,
        None => vec![whole],
    };
    // Every secret is read before anything runs: a missing value fails now, not mid-backfill.
    let secrets = local_secrets(&project, &job)?;
    let templates = templates(&project)?;
    let who = started_by();
    let records = crate::state::project_dir(&project)?.join("runs.jsonl");
    let (image, image_note) = super::image_ref(&project, args.image.as_deref());
    let engine = if args.container {
        let named = project
            .image
            .engine
            .as_deref()
            .map(|e| ("etl.yaml's image.engine", e));
        let path = std::env::var_os("PATH");
        let engine = engine::choose_runner(named, |e| {
            engine::find_on_path(e.name(), path.as_deref()).is_some()
        })?;
        ctx.term.note(format!("{image_note}, run with {engine}"));
        Some(engine)
    } else {
        None
    };
    let req = RunRequest {
        project: &project,
        job: &job,
        namespace: project.namespace(),
        image: &image,
        started_by: &who,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::environment(format!("cannot start etl's runtime: {e}"), None))?;

    // Read once: the windows of one command are distinct, so its own runs never change
    // another window's attempt number.
    let earlier = local_runs::read(&records)?;
    let mut failed = Vec::new();
    let mut stopped_early = false;
    for (i, w) in windows.iter().enumerate() {
        if windows.len() > 1 {
            ctx.term.note(format!("[{}/{}]", i + 1, windows.len()));
        }
        let run = RunInfo::new(
            &job,
            w.clone(),
            next_attempt(&earlier, &job, w),
            Trigger::Local,
        );
        let pod = render::run_pod(&templates, &req, &run)?;
        let container = pod
            .spec
            .as_ref()
            .and_then(|s| s.containers.first())
            .ok_or_else(|| {
                Error::usage(
                    "the rendered pod has no container",
                    "check templates/pod.yaml",
                )
            })?;
        let launch = match engine {
            None => Launch::process(container, &secrets, &project.dir)?,
            Some(engine) => Launch::container(
                engine,
                container,
                &secrets,
                &format!("etl-{}", run.name),
                args.mount.then_some(project.dir.as_path()),
            )?,
        };
        ctx.term.note(format!(
            "running {} for {} ({}) {}, run {}",
            job.name,
            w,
            job.timezone,
            if engine.is_some() {
                "in a container"
            } else {
                "here"
            },
            run.name
        ));
        if ctx.term.verbose > 0 {
            let line: Vec<_> = launch.argv.iter().map(|a| a.to_string_lossy()).collect();
            ctx.term.note(format!("$ {}", line.join(" ")));
        }
        let started = jiff::Timestamp::now();
        let mut record = LocalRun {
            run: run.name.clone(),
            job: job.name.clone(),
            window_start: rfc3339(&w.start),
            window_end: rfc3339(&w.end),
            trigger: Trigger::Local.as_str().into(),
            started_by: who.clone(),
            started_at: started,
            state: "Running".into(),
            exit_code: None,
            duration_seconds: None,
            pid: Some(std::process::id()),
            mode: if engine.is_some() {
                "container"
            } else {
                "process"
            }
            .into(),
        };
        local_runs::append(&records, &record)?;
        let outcome = runtime.block_on(supervise(&launch));
        let elapsed = jiff::Timestamp::now().duration_since(started).as_secs_f64();
        record.duration_seconds = Some((elapsed * 10.0).round() / 10.0);
        record.pid = None;
        match outcome {
            Err(e) => {
                record.state = "Failed".into();
                local_runs::append(&records, &record)?;
                return Err(e);
            }
            Ok(Outcome::Exited(0)) => {
                record.state = "Succeeded".into();
                record.exit_code = Some(0);
                local_runs::append(&records, &record)?;
                ctx.term
                    .note(format!("{} succeeded in {:.1}s", run.name, elapsed));
            }
            // The engine's own failure (no such image, a bad flag), not the job's.
            Ok(Outcome::EngineFailed(engine)) => {
                record.state = "Failed".into();
                record.exit_code = Some(125);
                local_runs::append(&records, &record)?;
                return Err(ImageError::RunFailed { engine, image }.into());
            }
            Ok(Outcome::Exited(code)) => {
                record.state = "Failed".into();
                record.exit_code = Some(code);
                local_runs::append(&records, &record)?;
                ctx.term.warn(format!(
                    "{} failed with exit code {code} after {:.1}s",
                    run.name, elapsed
                ));
                failed.push(format!("{} (exit code {code})", w));
                if !args.keep_going {
                    stopped_early = i + 1 < windows.len();
                    break;
                }
            }
            Ok(Outcome::Interrupted) => {
                record.state = "Interrupted".into();
                local_runs::append(&records, &record)?;
                return Err(Error::Interrupted);
            }
        }
    }
    picked.tell_next_time(&ctx.term);
    match failed.len() {
        0 => Ok(ExitCode::SUCCESS),
        1 if windows.len() == 1 => Err(Error::Failed(format!(
            "the job `{}` failed: {}",
            job.name, failed[0]
        ))),
        n => Err(Error::Failed(format!(
            "{n} of {} windows failed: {}{}",
            windows.len(),
            failed.join(", "),
            if stopped_early {
                " (stopped there; --keep-going runs the rest)"
            } else {
                ""
            }
        ))),
    }
}

/// The attempt number of a new local run of `job` over `w`: one more than those recorded.
fn next_attempt(earlier: &[LocalRun], job: &Job, w: &Window) -> u32 {
    let first = names::run_name(&job.name, w, 1);
    let base = first.trim_end_matches("-a1");
    let done = earlier
        .iter()
        .filter(|r| r.job == job.name && r.run.starts_with(base))
        .count();
    u32::try_from(done).unwrap_or(u32::MAX - 1) + 1
}

/// The values of the job's secrets, keyed by (Kubernetes Secret name, key), as the pod's
/// `secretKeyRef`s name them.
fn local_secrets(project: &Project, job: &Job) -> Result<HashMap<(String, String), String>> {
    let mut out = HashMap::new();
    for secret in &job.secrets {
        let k8s_name = names::secret_name(&project.name, secret);
        for (key, value) in secret_values(project, secret)? {
            out.insert((k8s_name.clone(), key), value);
        }
    }
    Ok(out)
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
struct Launch {
    argv: Vec<OsString>,
    /// Added to etl's own environment.
    env: Vec<(String, String)>,
    dir: PathBuf,
    /// The container the command runs, by name: killing the engine's client does not stop
    /// it, so a stop ends with `ENGINE kill` and `ENGINE rm --force`.
    container: Option<(Engine, String)>,
}

impl Launch {
    /// The container's command as a local process in the project directory.
    fn process(
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
        })
    }

    /// The container itself, through `engine`: plain env on the engine's command line,
    /// secrets only by name, their values in the engine's environment (never in `ps`).
    fn container(
        engine: Engine,
        c: &Container,
        secrets: &HashMap<(String, String), String>,
        name: &str,
        mount: Option<&Path>,
    ) -> Result<Launch> {
        let (secret, plain): (Vec<_>, Vec<_>) =
            env(c, secrets).into_iter().partition(|(_, _, s)| *s);
        let plain: Vec<(String, String)> = plain.into_iter().map(|(k, v, _)| (k, v)).collect();
        let secret: Vec<(String, String)> = secret.into_iter().map(|(k, v, _)| (k, v)).collect();
        let secret_names: Vec<String> = secret.iter().map(|(k, _)| k.clone()).collect();
        let limits = c.resources.as_ref().and_then(|r| r.limits.as_ref());
        let requests = c.resources.as_ref().and_then(|r| r.requests.as_ref());
        let host_cpus = std::thread::available_parallelism()
            .ok()
            .map(|n| n.get() as u64);
        let mount = mount.map(|d| {
            // The engine needs an absolute path (a relative one is a named volume).
            std::path::absolute(d).unwrap_or_else(|_| d.to_path_buf())
        });
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
            mount: mount.as_deref(),
        };
        let mut argv = vec![OsString::from(engine.name())];
        argv.extend(image::run_argv(engine, &run)?);
        Ok(Launch {
            argv,
            env: secret,
            dir: PathBuf::from("."),
            container: Some((engine, name.to_string())),
        })
    }
}

fn quantity<'a>(m: Option<&'a BTreeMap<String, Quantity>>, key: &str) -> Option<&'a str> {
    m.and_then(|m| m.get(key)).map(|q| q.0.as_str())
}

enum Outcome {
    Exited(i32),
    /// The engine could not run the container (its exit code 125).
    EngineFailed(Engine),
    Interrupted,
}

/// How long `ENGINE kill` and `ENGINE rm` get when stopping a container.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the job and waits for it. Ctrl-C (SIGINT) or SIGTERM to etl is forwarded to the job's
/// process group; after `GRACE` the group is killed. The job gets its own process group so a
/// terminal's Ctrl-C reaches it once, through etl, rather than twice.
///
/// A container's engine client passes the signal on to the container; after `GRACE` the
/// container is killed by name (then its client), and in any case removed once the client is
/// gone, so an interrupted run leaves no container behind.
async fn supervise(launch: &Launch) -> Result<Outcome> {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    use std::os::unix::process::ExitStatusExt;
    use tokio::signal::unix::{SignalKind, signal};

    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| Error::environment(e.to_string(), None))?;
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| Error::environment(e.to_string(), None))?;
    let dir = if launch.dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &launch.dir
    };
    let program = &launch.argv[0];
    let mut child = tokio::process::Command::new(program)
        .args(&launch.argv[1..])
        .envs(launch.env.iter().cloned())
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| match &launch.container {
            Some((engine, _)) => ImageError::Spawn {
                engine: *engine,
                source: e,
            }
            .into(),
            None => Error::usage(
                format!(
                    "cannot start `{}` in {}: {e}",
                    program.to_string_lossy(),
                    dir.display()
                ),
                "is it installed and on PATH? The command comes from the job's `command` in etl.yaml",
            ),
        })?;
    let pgid = Pid::from_raw(
        child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .unwrap_or(0),
    );
    let exited = |status: std::process::ExitStatus| match (status.code(), &launch.container) {
        (Some(125), Some((engine, _))) => Outcome::EngineFailed(*engine),
        (Some(code), _) => Outcome::Exited(code),
        (None, _) => Outcome::Exited(128 + status.signal().unwrap_or(0)),
    };
    let forwarded = tokio::select! {
        status = child.wait() => {
            return status.map(exited).map_err(|e| Error::environment(format!("lost the job's process: {e}"), None));
        }
        _ = interrupt.recv() => Signal::SIGINT,
        _ = terminate.recv() => Signal::SIGTERM,
    };
    eprintln!(
        "etl: stopping the job (waiting up to {}s)…",
        GRACE.as_secs()
    );
    let _ = killpg(pgid, forwarded);
    if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
        if let Some((engine, name)) = &launch.container {
            engine_quietly(*engine, &Op::Kill { name }).await;
            // The client ends with its container; if it does not, it is killed below.
            let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        }
        let _ = killpg(pgid, Signal::SIGKILL);
        let _ = child.wait().await;
    }
    if let Some((engine, name)) = &launch.container {
        // `run --rm` removes it when the client sees it end; a killed client does not.
        engine_quietly(*engine, &Op::Remove { name }).await;
    }
    Ok(Outcome::Interrupted)
}

/// Runs `engine op` for a stop, ignoring how it ends ("no such container" is the usual
/// answer once the container is gone), giving up after `ENGINE_TIMEOUT`.
async fn engine_quietly(engine: Engine, op: &Op<'_>) {
    let child = tokio::process::Command::new(engine.name())
        .args(image::argv(engine, op))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status();
    let _ = tokio::time::timeout(ENGINE_TIMEOUT, child).await;
}
