//! API requests per scheduled-and-followed run, and the time from `etl jobs schedule` to the
//! Job existing, against kubesim (tests/kubesim). Prints figures; `cargo bench --bench cluster`.
//! Needs the kubesim binary: `cargo build --release -p kubesim` (or the bench says how).

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const PROJECT: &str = "project: bench\ncluster: {namespace: default}\njobs:\n  hello:\n    command: [sh, -c, 'for i in 1 2 3; do echo line $i; done']\n";

fn http(addr: &str, method: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
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

fn total_requests(addr: &str) -> u64 {
    let v: serde_json::Value =
        serde_json::from_str(http(addr, "GET", "/kubesim/metrics").trim()).unwrap();
    v["total_requests"].as_u64().unwrap_or_else(|| {
        v["requests"]
            .as_object()
            .map(|m| m.values().filter_map(|n| n.as_u64()).sum())
            .unwrap_or(0)
    })
}

fn main() {
    let etl = env!("CARGO_BIN_EXE_etl");
    let kubesim = Path::new(etl).with_file_name("kubesim");
    if !kubesim.exists() {
        println!("kubesim is not built: run `cargo build --release -p kubesim` first");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("etl.yaml"), PROJECT).unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let mut sim = Command::new(&kubesim)
        .args(["--port", "0", "--kubeconfig"])
        .arg(&kubeconfig)
        .arg("--workdir")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(sim.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .trim_start_matches("listening on http://")
        .to_string();
    let etl_cmd = |args: &[&str]| {
        let out = Command::new(etl)
            .args(args)
            .current_dir(dir.path())
            .env("KUBECONFIG", &kubeconfig)
            .env("ETL_DATA_DIR", dir.path().join("data"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };

    let runs = 10;
    let before = total_requests(&addr);
    for day in 1..=runs {
        etl_cmd(&[
            "-q",
            "jobs",
            "schedule",
            "hello",
            "--date",
            &format!("2026-10-{day:02}"),
            "--follow",
        ]);
    }
    let per_run = (total_requests(&addr) - before) as f64 / f64::from(runs);

    let mut times = Vec::new();
    for day in 1..=runs {
        let t = Instant::now();
        etl_cmd(&[
            "-q",
            "jobs",
            "schedule",
            "hello",
            "--date",
            &format!("2026-09-{day:02}"),
        ]);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("API requests per scheduled-and-followed run: {per_run:.1}");
    println!(
        "etl jobs schedule until the Job exists (process start to exit): median {:.1} ms, min {:.1} ms, max {:.1} ms ({runs} runs)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sim.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = sim.wait();
}
