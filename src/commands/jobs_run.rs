//! `etl jobs run`: the job, here, exactly as the cluster would run it: the pod is rendered as
//! for `etl jobs schedule`, then its container's command runs as a local process in the
//! project directory with the pod's args and env (secrets resolved on this machine), or, with
//! `--container`, the container itself runs through the container engine.

use super::project_files::templates;
use super::secrets::secret_values;
use super::settings::started_by;
use super::window_flags::window_spec;
use super::{Ctx, pick};
use crate::cli::RunArgs;
use crate::error::{Error, Result};
use crate::image::{self, ContainerRun, Engine, ImageError, Op, engine};
use crate::local_runs::{self, LocalRun};
use crate::project::{Job, Project};
use crate::render::{self, RunInfo, RunRequest, Trigger, names};
use crate::run::RunState;
use crate::window::WindowSpec;
use crate::window::{Window, rfc3339};
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
    let local_time = spec.as_ref().is_some_and(WindowSpec::has_local_time);
    let step = super::window_flags::step_span(args.step.as_deref())?;
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
            now: crate::clock::now()?,
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
    let job =
        project.job_with_overrides(&picked.job, &picked.overrides.set, &picked.overrides.config)?;
    let whole = picked.resolved.clone();
    super::window_flags::note_local_time(ctx, local_time, &job.timezone);
    let windows = super::window_flags::step_windows(whole, step)?;
    // Every secret is read before anything runs: a missing value fails now, not mid-backfill.
    let secrets = local_secrets(&project, &job)?;
    let templates = templates(&project)?;
    let who = started_by();
    let records = crate::state::project_dir(&project)?.join("runs.jsonl");
    let (image, image_note) = super::settings::image_ref(&project, args.image.as_deref());
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
    let mut not_run = 0;
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
        let container = first_container(&pod)?;
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
            state: RunState::Running.to_string(),
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
                record.state = RunState::Failed.to_string();
                local_runs::append(&records, &record)?;
                return Err(e);
            }
            Ok(Outcome::Exited(0)) => {
                record.state = RunState::Succeeded.to_string();
                record.exit_code = Some(0);
                local_runs::append(&records, &record)?;
                ctx.term
                    .note(format!("{} succeeded in {:.1}s", run.name, elapsed));
            }
            // The engine's own failure (no such image, a bad flag), not the job's.
            Ok(Outcome::EngineFailed(engine)) => {
                record.state = RunState::Failed.to_string();
                record.exit_code = Some(125);
                local_runs::append(&records, &record)?;
                return Err(ImageError::RunFailed { engine, image }.into());
            }
            Ok(Outcome::Exited(code)) => {
                record.state = RunState::Failed.to_string();
                record.exit_code = Some(code);
                local_runs::append(&records, &record)?;
                ctx.term.warn(format!(
                    "{} failed with exit code {code} after {:.1}s",
                    run.name, elapsed
                ));
                failed.push((i + 1, format!("{} (exit code {code})", w)));
                if !args.keep_going {
                    not_run = windows.len() - (i + 1);
                    break;
                }
            }
            Ok(Outcome::Interrupted) => {
                record.state = RunState::Interrupted.to_string();
                local_runs::append(&records, &record)?;
                return Err(Error::Interrupted);
            }
        }
    }
    picked.tell_next_time(&ctx.term);
    if windows.len() > 1 && failed.is_empty() {
        ctx.term
            .note(format!("{0}/{0} windows succeeded", windows.len()));
    }
    match failed.len() {
        0 => Ok(ExitCode::SUCCESS),
        1 if windows.len() == 1 => Err(Error::Failed(format!(
            "the job `{}` failed: {}",
            job.name, failed[0].1
        ))),
        _ => Err(Error::Failed(step_summary(windows.len(), &failed, not_run))),
    }
}

/// The end of a `--step` run with failures: which windows failed, by position ("window 2/7")
/// and value, and how many never ran.
fn step_summary(total: usize, failed: &[(usize, String)], not_run: usize) -> String {
    let mut s = match failed {
        [(i, w)] => format!("window {i}/{total} failed: {w}"),
        _ => format!(
            "{} of {total} windows failed: {}",
            failed.len(),
            failed
                .iter()
                .map(|(i, w)| format!("{i}/{total} {w}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if not_run > 0 {
        s.push_str(&format!(
            "; {not_run} not run (stopped there; --keep-going runs the rest)"
        ));
    }
    s
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
pub(super) fn local_secrets(
    project: &Project,
    job: &Job,
) -> Result<HashMap<(String, String), String>> {
    let mut out = HashMap::new();
    for secret in &job.secrets {
        let k8s_name = names::secret_name(&project.name, secret);
        for (key, value) in secret_values(project, secret)? {
            out.insert((k8s_name.clone(), key), value);
        }
    }
    Ok(out)
}

/// The container a run runs: the pod's first.
pub(super) fn first_container(
    pod: &k8s_openapi::api::core::v1::PodTemplateSpec,
) -> Result<&Container> {
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
pub(super) struct Launch {
    argv: Vec<OsString>,
    /// Added to etl's own environment.
    env: Vec<(String, String)>,
    dir: PathBuf,
    /// The container the command runs, by name: killing the engine's client does not stop
    /// it, so a stop ends with `ENGINE kill` and `ENGINE rm --force`.
    container: Option<(Engine, String)>,
    /// Put before each line the job prints (`averages-no2 | …`), when several jobs print at
    /// once (a workflow's tasks); None passes the job's output through untouched.
    prefix: Option<String>,
}

impl Launch {
    /// The same launch, its output lines prefixed with `prefix | `.
    pub(super) fn prefixed(self, prefix: &str) -> Launch {
        Launch {
            prefix: Some(format!("{prefix} | ")),
            ..self
        }
    }

    /// The container's command as a local process in the project directory.
    pub(super) fn process(
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
            prefix: None,
        })
    }
}

fn quantity<'a>(m: Option<&'a BTreeMap<String, Quantity>>, key: &str) -> Option<&'a str> {
    m.and_then(|m| m.get(key)).map(|q| q.0.as_str())
}

pub(super) enum Outcome {
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
///
/// A local process's leftovers are stopped when it ends, however it ends (`stop_leftovers`).
pub(super) async fn supervise(launch: &Launch) -> Result<Outcome> {
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
    if launch.container.is_none() {
        // Whatever the job starts and leaves behind, even a daemon that left its process
        // group, is reparented to etl rather than to init, so `stop_leftovers` finds it.
        #[cfg(target_os = "linux")]
        let _ = nix::sys::prctl::set_child_subreaper(true);
    }
    let piped = |on: bool| {
        if on {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::inherit()
        }
    };
    let mut child = tokio::process::Command::new(program)
        .args(&launch.argv[1..])
        .envs(launch.env.iter().cloned())
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(piped(launch.prefix.is_some()))
        .stderr(piped(launch.prefix.is_some()))
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
                spawn_hint(program, dir, &e),
            ),
        })?;
    let pgid = Pid::from_raw(
        child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .unwrap_or(0),
    );
    let _live = LiveGroup::register(pgid);
    let copies = match &launch.prefix {
        Some(prefix) => vec![
            tokio::spawn(copy_lines(child.stdout.take(), prefix.clone(), false)),
            tokio::spawn(copy_lines(child.stderr.take(), prefix.clone(), true)),
        ],
        None => Vec::new(),
    };
    // The job's output is only complete once the copies have read to the end (after
    // `stop_leftovers`, so a leftover holding the pipe open cannot hold etl up).
    let drain = |copies: Vec<tokio::task::JoinHandle<()>>| async move {
        for c in copies {
            let _ = c.await;
        }
    };
    let exited = |status: std::process::ExitStatus| match (status.code(), &launch.container) {
        (Some(125), Some((engine, _))) => Outcome::EngineFailed(*engine),
        (Some(code), _) => Outcome::Exited(code),
        (None, _) => Outcome::Exited(128 + status.signal().unwrap_or(0)),
    };
    let forwarded = tokio::select! {
        status = child.wait() => {
            if launch.container.is_none() {
                stop_leftovers(pgid).await;
            }
            drain(copies).await;
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
    match &launch.container {
        // `run --rm` removes it when the client sees it end; a killed client does not.
        Some((engine, name)) => engine_quietly(*engine, &Op::Remove { name }).await,
        None => stop_leftovers(pgid).await,
    }
    drain(copies).await;
    Ok(Outcome::Interrupted)
}

/// The process groups of the jobs etl supervises right now: a workflow run supervises several
/// at once, and one job's leftovers must never include another job's processes.
static LIVE_GROUPS: std::sync::Mutex<Vec<i32>> = std::sync::Mutex::new(Vec::new());

/// A job's process group in `LIVE_GROUPS` until dropped (at the end of `supervise`, however it
/// ends).
struct LiveGroup(i32);

impl LiveGroup {
    fn register(group: nix::unistd::Pid) -> LiveGroup {
        if let Ok(mut live) = LIVE_GROUPS.lock() {
            live.push(group.as_raw());
        }
        LiveGroup(group.as_raw())
    }
}

impl Drop for LiveGroup {
    fn drop(&mut self) {
        if let Ok(mut live) = LIVE_GROUPS.lock() {
            live.retain(|g| *g != self.0);
        }
    }
}

/// Copies a job's output to etl's stdout (or stderr) line by line, each line after `prefix`.
/// Bytes that are not UTF-8 pass through as they are.
async fn copy_lines<R: tokio::io::AsyncRead + Unpin>(from: Option<R>, prefix: String, err: bool) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let Some(from) = from else { return };
    let mut lines = tokio::io::BufReader::new(from);
    let mut line = Vec::new();
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if !line.ends_with(b"\n") {
                    line.push(b'\n');
                }
                let mut out = prefix.as_bytes().to_vec();
                out.extend_from_slice(&line);
                // One write per line, so lines of tasks running side by side never interleave
                // mid-line; a closed stdout is not the job's failure.
                let _ = if err {
                    tokio::io::stderr().write_all(&out).await
                } else {
                    tokio::io::stdout().write_all(&out).await
                };
            }
        }
    }
}

/// How long what a job left running gets between SIGTERM and SIGKILL, once the job's own
/// process has ended.
const LEFTOVER_GRACE: Duration = Duration::from_secs(2);

/// Stops everything the job's process left behind when it ended, as a pod's processes all end
/// with its container: its process group (`cmd &`, `nohup cmd &`), and the processes that left
/// the group with setsid() (daemons), which come back to etl as their parents die because etl
/// is their child subreaper. SIGTERM first, SIGKILL after `LEFTOVER_GRACE`; each is reaped, so
/// none is left a zombie either. Only for a local process: a container's engine does this for
/// its container (and etl would otherwise kill the engine's own helpers, such as conmon).
///
/// Caveat: Linux only (the subreaper and `/proc`); a process that detaches from both the group
/// and etl's descendants (a `systemd-run`) is out of reach, as it would be from a pod.
async fn stop_leftovers(group: nix::unistd::Pid) {
    use nix::sys::signal::{Signal, kill};
    use nix::sys::wait::{WaitPidFlag, waitpid};
    use std::collections::HashSet;

    let start = tokio::time::Instant::now();
    let mut signal = Signal::SIGTERM;
    let mut signalled = HashSet::new();
    let mut said = false;
    loop {
        let leftovers = leftovers(group);
        let alive: Vec<_> = leftovers.iter().filter(|p| !p.dead).collect();
        // Reap the dead that are etl's own: an orphan reparented to etl is etl's zombie.
        for p in leftovers.iter().filter(|p| p.dead && p.ours) {
            let _ = waitpid(p.pid, Some(WaitPidFlag::WNOHANG));
        }
        if alive.is_empty() {
            return;
        }
        if !said {
            eprintln!(
                "etl: stopping {} process{} the job left running",
                alive.len(),
                if alive.len() == 1 { "" } else { "es" }
            );
            said = true;
        }
        if signal == Signal::SIGTERM && start.elapsed() >= LEFTOVER_GRACE {
            signal = Signal::SIGKILL;
            signalled.clear();
        }
        if start.elapsed() >= LEFTOVER_GRACE + Duration::from_secs(5) {
            // Unkillable for now (uninterruptible sleep): say so rather than hang.
            eprintln!(
                "etl: warning: {} process{} of the job would not stop: {}",
                alive.len(),
                if alive.len() == 1 { "" } else { "es" },
                alive
                    .iter()
                    .map(|p| p.pid.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return;
        }
        for p in alive {
            if signalled.insert(p.pid) {
                let _ = kill(p.pid, signal);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A process the job left: in its process group, or a child of etl (an orphan reparented to
/// etl, the subreaper).
struct Leftover {
    pid: nix::unistd::Pid,
    /// A zombie: already ended, waiting to be reaped by its parent.
    dead: bool,
    /// etl is its parent, so etl must reap it.
    ours: bool,
}

/// The job's leftovers, from `/proc` (empty where there is no `/proc`).
fn leftovers(group: nix::unistd::Pid) -> Vec<Leftover> {
    let me = std::process::id() as i32;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    // Other jobs supervised at the same time: their groups and their own processes are theirs.
    // (A daemon that left its group cannot be told apart: while several jobs run, it is
    // stopped with the first of them to end.)
    let others: Vec<i32> = LIVE_GROUPS
        .lock()
        .map(|l| l.iter().copied().filter(|g| *g != group.as_raw()).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((state, ppid, pgrp)) = parse_stat(&stat)
            && ((group.as_raw() > 0 && pgrp == group.as_raw()) || ppid == me)
            && !others.contains(&pgrp)
            && !others.contains(&pid)
        {
            out.push(Leftover {
                pid: nix::unistd::Pid::from_raw(pid),
                dead: state == 'Z' || state == 'X',
                ours: ppid == me,
            });
        }
    }
    out
}

/// State, parent pid and process group from `/proc/PID/stat`: `pid (comm) S ppid pgrp …`. The
/// command name may hold spaces and parentheses, so fields are counted after the last `)`.
fn parse_stat(stat: &str) -> Option<(char, i32, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, ppid, pgrp))
}

/// What to do about a command that would not start: a file without the x bit needs
/// `chmod +x` (a script in the repository, say); anything else is a missing program.
fn spawn_hint(program: &std::ffi::OsStr, dir: &Path, e: &std::io::Error) -> String {
    let path = Path::new(program);
    let local = path.components().count() > 1 && dir.join(path).is_file();
    if e.kind() == std::io::ErrorKind::PermissionDenied && local {
        format!(
            "it is not executable: `chmod +x {}` (and commit that), or run it through its \
             interpreter in etl.yaml's `command`: [sh, {}]",
            path.display(),
            path.display()
        )
    } else {
        "is it installed and on PATH? The command comes from the job's `command` in etl.yaml".into()
    }
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

#[cfg(test)]
mod tests {
    use super::{parse_stat, step_summary};

    #[test]
    fn a_step_summary_says_which_window_failed_and_what_did_not_run() {
        let w = |s: &str| s.to_string();
        assert_eq!(
            step_summary(7, &[(1, w("[a, b) (exit code 1)"))], 6),
            "window 1/7 failed: [a, b) (exit code 1); 6 not run \
             (stopped there; --keep-going runs the rest)"
        );
        assert_eq!(
            step_summary(
                7,
                &[
                    (2, w("[b, c) (exit code 1)")),
                    (5, w("[e, f) (exit code 3)"))
                ],
                0
            ),
            "2 of 7 windows failed: 2/7 [b, c) (exit code 1), 5/7 [e, f) (exit code 3)"
        );
    }

    #[test]
    fn proc_stat_fields_are_counted_after_the_command_name() {
        assert_eq!(
            parse_stat("4242 (sleep) S 17 4240 4240 0 -1 4194304 …"),
            Some(('S', 17, 4240))
        );
        // A command may call itself anything, spaces and parentheses included.
        assert_eq!(
            parse_stat("77 (a) Z 1 (b)) Z 1 77 77 0"),
            Some(('Z', 1, 77))
        );
        assert_eq!(parse_stat("garbage"), None);
    }
}
