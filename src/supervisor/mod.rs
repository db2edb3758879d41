//! Running a job on this machine and waiting for it, as a pod's kubelet would: its own process
//! group; Ctrl-C or SIGTERM forwarded, then a kill after a grace period; what it leaves behind
//! stopped when it ends (etl is the child subreaper); a container removed however it ends; its
//! output passed through or prefixed line by line. I/O (processes, signals, `/proc`).

use crate::error::{Error, Result};
use crate::image::{Engine, ImageError, Op};
use crate::launch::Launch;
use std::path::Path;
use std::time::Duration;

/// How long a job gets to stop after Ctrl-C is forwarded to it before it is killed.
const GRACE: Duration = Duration::from_secs(10);

/// How a supervised job ended.
pub enum Outcome {
    Exited(i32),
    /// The engine could not run the container (its exit code 125).
    EngineFailed(Engine),
    Interrupted,
}

/// How a supervised run ended, as a run's state and exit code (125: the engine could not run
/// the container; none when etl could not start it at all or it was interrupted).
pub fn ended_as(outcome: &Result<Outcome>) -> (crate::run::RunState, Option<i32>) {
    use crate::run::RunState;
    match outcome {
        Err(_) => (RunState::Failed, None),
        Ok(Outcome::Exited(0)) => (RunState::Succeeded, Some(0)),
        Ok(Outcome::EngineFailed(_)) => (RunState::Failed, Some(125)),
        Ok(Outcome::Exited(code)) => (RunState::Failed, Some(*code)),
        Ok(Outcome::Interrupted) => (RunState::Interrupted, None),
    }
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
pub async fn supervise(launch: &Launch) -> Result<Outcome> {
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
        .args(crate::image::argv(engine, op))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status();
    let _ = tokio::time::timeout(ENGINE_TIMEOUT, child).await;
}

#[cfg(test)]
mod tests {
    use super::parse_stat;

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
