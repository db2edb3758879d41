//! Running one engine command with its output shown the way the terminal allows: a spinner with
//! the current build step, plain step lines, or everything (`-v`). I/O.
//!
//! The engine inherits etl's environment (CONTAINERS_CONF, DOCKER_HOST, …) and its process
//! group, so Ctrl-C reaches it too. There is no timeout: a build takes as long as it takes, and
//! the spinner shows how long so far.

use super::output::{Tail, build_step};
use super::{Engine, ImageError};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How much of the engine's output etl shows while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    /// A spinner with the current step and the elapsed time (stderr is a terminal).
    Spinner,
    /// One line per step (stderr is a file or a pipe: CI logs).
    Steps,
    /// Every line the engine prints (`-v`).
    All,
    /// Nothing until it fails (`--quiet`).
    Nothing,
}

/// Decided once, from the flags and whether stderr is a terminal.
pub fn show(stderr_is_tty: bool, quiet: bool, verbose: u8) -> Show {
    if verbose > 0 {
        Show::All
    } else if quiet {
        Show::Nothing
    } else if stderr_is_tty {
        Show::Spinner
    } else {
        Show::Steps
    }
}

/// How the engine command ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    /// The last lines of stdout and stderr, interleaved as they came.
    pub tail: Tail,
    /// The last build step the engine announced.
    pub step: Option<String>,
    /// Everything the engine printed on stdout (small for push and inspect; not kept for
    /// builds, whose stdout is the log).
    pub stdout: String,
    pub elapsed: Duration,
}

/// Lines of the log kept for the error message.
const TAIL_LINES: usize = 20;

/// Runs `engine args…`, showing its progress as `show` says; `doing` is the spinner's
/// prefix ("building r:t"). Fails only when the engine cannot be started: its own failure is
/// in `Finished::status`, for the caller to explain.
pub fn run_engine(
    engine: Engine,
    args: &[OsString],
    doing: &str,
    show: Show,
    keep_stdout: bool,
) -> Result<Finished, ImageError> {
    let started = Instant::now();
    let mut child = Command::new(engine.name())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ImageError::Spawn { engine, source })?;

    let (tx, rx) = mpsc::channel::<(bool, String)>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(forward(out, true, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(forward(err, false, tx.clone()));
    }
    drop(tx);

    let bar = (show == Show::Spinner).then(|| crate::term::spinner(doing));
    let mut tail = Tail::new(TAIL_LINES);
    let mut step = None;
    let mut stdout = String::new();
    for (is_stdout, line) in rx {
        if keep_stdout && is_stdout {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        tail.push(&line);
        let new_step = build_step(&line);
        match show {
            Show::All => eprintln!("{line}"),
            Show::Steps => {
                if let Some(s) = &new_step {
                    eprintln!("{s}");
                }
            }
            Show::Spinner => {
                if let (Some(bar), Some(s)) = (&bar, &new_step) {
                    bar.set_message(format!("{doing} · {s}"));
                }
            }
            Show::Nothing => {}
        }
        if new_step.is_some() {
            step = new_step;
        }
    }
    for r in readers {
        // A reader thread only ends with its pipe; a panic there lost some lines, no more.
        let _ = r.join();
    }
    let status = child
        .wait()
        .map_err(|source| ImageError::Spawn { engine, source })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(Finished {
        status,
        tail,
        step,
        stdout,
        elapsed: started.elapsed(),
    })
}

/// Sends each line of `r` (split at `\n`; a `\r`-redrawn line counts as its last state).
fn forward(
    r: impl Read + Send + 'static,
    is_stdout: bool,
    tx: mpsc::Sender<(bool, String)>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for chunk in BufReader::new(r).split(b'\n') {
            let Ok(chunk) = chunk else { break };
            let text = String::from_utf8_lossy(&chunk);
            let text = text.trim_end_matches('\r');
            let line = text.rsplit('\r').next().unwrap_or_default().to_string();
            if tx.send((is_stdout, line)).is_err() {
                break;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_wins_then_quiet_then_the_terminal() {
        assert_eq!(show(true, false, 1), Show::All);
        assert_eq!(show(false, false, 2), Show::All);
        assert_eq!(show(true, true, 0), Show::Nothing);
        assert_eq!(show(true, false, 0), Show::Spinner);
        assert_eq!(show(false, false, 0), Show::Steps);
    }
}
