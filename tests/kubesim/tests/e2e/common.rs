//! Starting kubesim for a test, a small HTTP client for its admin endpoints and a kubectl
//! runner with timeouts. Every wait is bounded so a broken server fails fast.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running kubesim; killed (with its pod processes) on drop.
pub struct Sim {
    child: Child,
    pub port: u16,
    pub url: String,
    pub kubeconfig: PathBuf,
    /// Holds the kubeconfig and is the pods' working directory; removed on drop.
    _dir: tempfile::TempDir,
}

impl Sim {
    pub fn start() -> Sim {
        Sim::start_with(&[])
    }

    /// kubesim with extra arguments (e.g. `--start-time`).
    pub fn start_with(extra: &[&str]) -> Sim {
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .args(["--port", "0", "--kubeconfig"])
            .arg(&kubeconfig)
            .arg("--workdir")
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start kubesim");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("kubesim printed no `listening on` line within 10s");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "kubesim took {:?} to start",
            started.elapsed()
        );
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Sim {
            child,
            port,
            url,
            kubeconfig,
            _dir: dir,
        }
    }

    /// One HTTP/1.1 request; returns (status, headers lowercased, body).
    pub fn http(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, Vec<(String, String)>, String) {
        http(self.port, method, path, body, "application/json")
    }

    pub fn admin(&self, path: &str) -> String {
        let (code, _, body) = self.http("POST", path, None);
        assert_eq!(code, 200, "POST {path}: {body}");
        body
    }

    pub fn json(&self, path: &str) -> serde_json::Value {
        let (code, _, body) = self.http("GET", path, None);
        assert_eq!(code, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("json")
    }

    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_stdin(args, None)
    }

    /// kubectl with this server's kubeconfig, killed after 60s.
    pub fn kubectl_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = self
            .kubectl_cmd(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kubectl");
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        wait_output(child, Duration::from_secs(60))
    }

    pub fn kubectl_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("kubectl");
        c.arg("--kubeconfig").arg(&self.kubeconfig).args(args);
        c
    }

    /// kubectl that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn apply(&self, yaml: &str) -> String {
        let out = self.kubectl_stdin(&["apply", "--server-side", "-f", "-"], Some(yaml));
        assert!(
            out.status.success(),
            "kubectl apply failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub async fn client(&self) -> kube::Client {
        let cfg = kube::Config::new(self.url.parse().unwrap());
        kube::Client::try_from(cfg).expect("kube client")
    }
}

impl Sim {
    /// SIGTERM, then wait for the exit (SIGKILL after 3s).
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // SAFETY: kill(2) on the child's pid; no memory is touched.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn workdir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn wait_output(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().unwrap(),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!(
                    "command timed out after {limit:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

pub fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
    content_type: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").expect("http response");
    let mut lines = head.lines();
    let code: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (code, headers, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Whether kubectl is on PATH; says so loudly when it is not, and fails in CI (`CI` set),
/// as the project's other tool-dependent tests do.
pub fn have_kubectl() -> bool {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is not on PATH, and CI is set: kubectl scenarios must run in CI"
        );
        eprintln!("\n!!!!! kubectl is not on PATH: SKIPPING this kubectl scenario !!!!!\n");
    }
    ok
}

/// Polls `f` every 50ms until it returns Some, or panics after `limit`.
pub fn eventually<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A name unique within this test process (tests share nothing, but keep names distinct).
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}-{}", N.fetch_add(1, Ordering::Relaxed))
}
