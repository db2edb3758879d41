//! A small builder around the built `etl` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const NOW: &str = "2026-11-23T10:00:00Z";

/// The repository's root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example() -> PathBuf {
    repo().join("examples/air-quality")
}

/// A scratch directory with its own etl state, and a fixed clock and user.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

pub struct Run {
    pub out: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    /// Asserts that stderr says `needle`, showing stderr when it does not.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) {
        let err = self.stderr();
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }

    /// Asserts that stdout says `needle`, showing stdout when it does not.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) {
        let out = self.stdout();
        assert!(out.contains(needle), "stdout lacks {needle:?}:\n{out}");
    }

    /// Asserts the exit code, showing both streams when it is wrong.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
            data: tempfile::tempdir().unwrap(),
        }
    }

    /// A sandbox holding a copy of the example project.
    pub fn example() -> Sandbox {
        let s = Sandbox::new();
        copy_dir(&example(), s.path());
        s
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_etl"));
        c.args(args)
            .current_dir(self.path())
            .env("ETL_NOW", NOW)
            .env("ETL_USER", "ana")
            .env("ETL_DATA_DIR", self.data.path())
            .env("NO_COLOR", "1")
            // Never the developer's own cluster (`on` points it at a kubesim).
            .env("KUBECONFIG", self.data.path().join("no-kubeconfig"))
            .env_remove("ETL_FILE")
            .env_remove("WAREHOUSE_TOKEN");
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run {
            out: self.cmd(args).output().unwrap(),
        }
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A tool the test needs. In CI (CI set) its absence is a failure: CI installs it. On a
/// developer's machine the test is skipped, loudly.
pub fn require_tool(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed, and CI must run this test"
        );
        eprintln!("SKIPPED: {name} is not installed");
    }
    found
}

/// The Kubernetes API test server (tests/kubesim), started for one test and stopped by its
/// PID when dropped. Pods run as local processes in `workdir`.
pub struct Kubesim {
    child: std::process::Child,
    pub url: String,
    pub kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl Kubesim {
    /// None when the kubesim binary is not built (the test is then skipped, loudly; in CI,
    /// where `cargo test --workspace` builds it, that is a failure).
    pub fn start(workdir: &Path) -> Option<Kubesim> {
        use std::io::BufRead;
        let bin = Path::new(env!("CARGO_BIN_EXE_etl")).with_file_name("kubesim");
        if !bin.exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{} is missing: run `cargo build -p kubesim` (or cargo test --workspace)",
                bin.display()
            );
            eprintln!(
                "SKIPPED: {} is missing; `cargo build -p kubesim` builds it",
                bin.display()
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        // Pods find `etl` on PATH, as in etl's own image: the scheduler's Deployment runs it.
        let etl_dir = Path::new(env!("CARGO_BIN_EXE_etl"))
            .parent()
            .unwrap()
            .to_path_buf();
        let path = std::env::join_paths(std::iter::once(etl_dir).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .unwrap();
        let mut child = Command::new(bin)
            .env("PATH", path)
            .args(["--port", "0", "--kubeconfig"])
            .arg(&kubeconfig)
            .arg("--workdir")
            .arg(workdir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("kubesim said {line:?}"))
            .to_string();
        Some(Kubesim {
            child,
            url,
            kubeconfig,
            _dir: dir,
        })
    }

    /// POSTs to one of kubesim's admin endpoints (`/kubesim/...`) and returns the body.
    pub fn post(&self, path: &str) -> String {
        self.request("POST", path)
    }

    /// GETs one of kubesim's admin endpoints, e.g. `/kubesim/metrics`, as JSON.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let body = self.request("GET", path);
        serde_json::from_str(body.trim()).unwrap_or_else(|_| panic!("kubesim said {body:?}"))
    }

    fn request(&self, method: &str, path: &str) -> String {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        // HTTP/1.0: the answer comes whole, not chunked.
        write!(
            s,
            "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    }

    /// Moves kubesim's clock forward (CronJobs fire, deadlines expire) and returns its "now".
    pub fn advance(&self, seconds: u64) -> jiff::Timestamp {
        let body = self.post(&format!("/kubesim/clock/advance?seconds={seconds}"));
        let v: serde_json::Value =
            serde_json::from_str(body.trim()).unwrap_or_else(|_| panic!("kubesim said {body:?}"));
        v["now"].as_str().unwrap().parse().unwrap()
    }

    /// kubectl against this server, which must succeed: its stdout.
    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let o = self.kubectl(args);
        assert!(
            o.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    /// kubectl against this server.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .unwrap()
    }
}

impl Drop for Kubesim {
    fn drop(&mut self) {
        // SIGTERM lets kubesim stop its pods' processes too.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}

impl Sandbox {
    /// An etl command against a kubesim.
    pub fn on(&self, sim: &Kubesim, args: &[&str]) -> Run {
        let mut c = self.cmd(args);
        c.env("KUBECONFIG", &sim.kubeconfig);
        Run {
            out: c.output().unwrap(),
        }
    }
}

/// A TCP proxy in front of kubesim that records each HTTP request etl sends (method, path
/// with query, Content-Type), so tests can check the exact requests, not just their effect.
pub struct Recorder {
    pub kubeconfig: PathBuf,
    log: std::sync::Arc<std::sync::Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Recorder {
    pub fn start(sim: &Kubesim) -> Recorder {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = sim.url.trim_start_matches("http://").to_string();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let (mut c_read, mut s_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut s_read, mut c_write) = (server, client);
                let sink = sink.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16384];
                    while let Ok(n) = c_read.read(&mut buf) {
                        if n == 0 || s_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        // Request lines and content types, as they go by.
                        let text = String::from_utf8_lossy(&buf[..n]);
                        let mut log = sink.lock().unwrap();
                        for line in text.lines() {
                            let request = ["GET ", "POST ", "PUT ", "PATCH ", "DELETE "]
                                .iter()
                                .any(|m| line.starts_with(m));
                            let content_type =
                                line.to_ascii_lowercase().starts_with("content-type:");
                            let delete_options =
                                line.starts_with('{') && line.contains("propagationPolicy");
                            if request || content_type || delete_options {
                                log.push_str(line);
                                log.push('\n');
                            }
                        }
                    }
                    let _ = s_write.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s_read, &mut c_write);
                    let _ = c_write.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let text = std::fs::read_to_string(&sim.kubeconfig)
            .unwrap()
            .replace(&sim.url, &format!("http://127.0.0.1:{port}"));
        std::fs::write(&kubeconfig, text).unwrap();
        Recorder {
            kubeconfig,
            log,
            _dir: dir,
        }
    }

    /// Everything recorded so far, one request line or header per line (URL-decoded).
    pub fn log(&self) -> String {
        let raw = self.log.lock().unwrap().clone();
        raw.replace("%3D", "=")
            .replace("%2C", ",")
            .replace("%2F", "/")
            .replace("%3A", ":")
    }
}

impl Sandbox {
    /// An etl command whose API requests go through `rec`.
    pub fn via(&self, rec: &Recorder, args: &[&str]) -> Run {
        let mut c = self.cmd(args);
        c.env("KUBECONFIG", &rec.kubeconfig);
        Run {
            out: c.output().unwrap(),
        }
    }
}

/// The cell states of the first row of `etl history -o json`.
pub fn first_row_states(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["rows"][0]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["state"].as_str().unwrap().to_string())
        .collect()
}
