//! A kubesim for a bench: the release binary next to etl's, a project directory holding
//! `etl.yaml`, and its kubeconfig. Stopped (by PID) when dropped, also when the bench panics.

// Each bench includes this file and uses what it needs of it.
#![allow(dead_code)]

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Sim {
    child: std::process::Child,
    /// `host:port` of kubesim's API.
    pub addr: String,
    pub kubeconfig: PathBuf,
    /// The project directory: `etl.yaml`, the kubeconfig, kubesim's workdir.
    pub dir: tempfile::TempDir,
}

impl Sim {
    pub fn start(kubesim: &Path, project: &str) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("etl.yaml"), project).unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let mut child = Command::new(kubesim)
            .args(["--port", "0", "--kubeconfig"])
            .arg(&kubeconfig)
            .arg("--workdir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .trim_start_matches("listening on http://")
            .to_string();
        Sim {
            child,
            addr,
            kubeconfig,
            dir,
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}
