//! Measuring a whole command: wall time, peak RSS and CPU time, from a fresh launcher process.
//!
//! Why a launcher: Linux counts in a child's `ru_maxrss` the memory of the process it was
//! forked from, up to its exec (the peak of the old address space is kept across exec). A
//! bench that holds its test data (tens of MB) would report that as the command's peak. So the
//! bench starts itself again, with nothing loaded, and that small process starts the command
//! and reports its rusage.

use std::process::{Command, Stdio};
use std::time::Instant;

const LAUNCH: &str = "ETL_BENCH_LAUNCH";

/// Call first in a bench's `main`: when this process is a launcher, it runs the command given
/// after `--`, prints `SECONDS MAXRSS_KIB CPU_SECONDS` and exits with the command's status.
pub fn serve_as_launcher() {
    if std::env::var_os(LAUNCH).is_none() {
        return;
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os()
        .skip_while(|a| a != "--")
        .skip(1)
        .collect();
    let t = Instant::now();
    let child = Command::new(&args[0])
        .args(&args[1..])
        .env_remove(LAUNCH)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the measured command starts");
    let (status, usage) = wait4(child.id() as i32);
    let elapsed = t.elapsed().as_secs_f64();
    let cpu = |t: nix::libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    // ru_maxrss is in KiB on Linux.
    println!(
        "{elapsed} {} {}",
        usage.ru_maxrss,
        cpu(usage.ru_utime) + cpu(usage.ru_stime)
    );
    let ok = nix::libc::WIFEXITED(status) && nix::libc::WEXITSTATUS(status) == 0;
    std::process::exit(if ok { 0 } else { 1 });
}

/// Reaps `pid` with its rusage.
// The child is reaped by wait4 (for its rusage), not by Child::wait.
#[allow(clippy::zombie_processes)]
fn wait4(pid: i32) -> (i32, nix::libc::rusage) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid, and wait4 writes into it for our own child.
    let mut usage: nix::libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { nix::libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    (status, usage)
}

/// Runs `cmd` (its program, arguments, environment and directory) to its end through a fresh
/// launcher: (wall time in seconds, peak RSS in MiB, CPU seconds). Panics when it fails.
pub fn measure(cmd: &Command) -> (f64, f64, f64) {
    let mut launcher = Command::new(std::env::current_exe().unwrap());
    launcher
        .env(LAUNCH, "1")
        .arg("--")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => launcher.env(k, v),
            None => launcher.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        launcher.current_dir(dir);
    }
    let out = launcher.stderr(Stdio::inherit()).output().unwrap();
    assert!(out.status.success(), "{cmd:?} failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let f: Vec<f64> = text
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    (f[0], f[1] / 1024.0, f[2])
}
