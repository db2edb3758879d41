//! API requests per scheduled-and-followed run, the time from `etl jobs schedule` to the Job
//! existing, and `etl runs` / `etl jobs list` over many runs (time and peak memory, beside
//! `kubectl get jobs`), against kubesim (tests/kubesim). Prints figures;
//! `cargo bench --bench cluster`. Needs the kubesim binary: `cargo build --release -p kubesim`
//! (or the bench says how). `ETL_BENCH_RUNS=10000,100000` sets the list sizes (default 10000).

#[path = "common/kubesim.rs"]
mod kubesim;
#[path = "common/measure.rs"]
mod measure;
use kubesim::Sim;
use measure::measure;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::Command;
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
    measure::serve_as_launcher();
    let etl = env!("CARGO_BIN_EXE_etl");
    let kubesim = Path::new(etl).with_file_name("kubesim");
    if !kubesim.exists() {
        println!("kubesim is not built: run `cargo build --release -p kubesim` first");
        return;
    }
    let sim = Sim::start(&kubesim, PROJECT);
    let (dir, kubeconfig, addr) = (&sim.dir, &sim.kubeconfig, sim.addr.clone());
    let etl_cmd = |args: &[&str]| {
        let out = Command::new(etl)
            .args(args)
            .current_dir(dir.path())
            .env("KUBECONFIG", kubeconfig)
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
    drop(sim);

    let sizes = std::env::var("ETL_BENCH_RUNS").unwrap_or_else(|_| "10000".into());
    println!("\nlisting runs (median of 3; peak RSS of the listing process):");
    for n in sizes
        .split(',')
        .filter_map(|n| n.trim().parse::<usize>().ok())
    {
        lists_at_scale(etl, &kubesim, n);
    }
}

/// POSTs `bodies` to `path` over one kept-alive HTTP/1.1 connection, checking each answer.
fn post_all(addr: &str, path: &str, bodies: impl Iterator<Item = String>) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut r = std::io::BufReader::new(s.try_clone().unwrap());
    for body in bodies {
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut status = String::new();
        r.read_line(&mut status).unwrap();
        assert!(status.contains(" 201 "), "create: {status}");
        let mut length = None;
        loop {
            let mut h = String::new();
            r.read_line(&mut h).unwrap();
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                length = Some(v.trim().parse().unwrap());
            }
        }
        match length {
            Some(n) => r.read_exact(&mut vec![0; n]).unwrap(),
            // Chunked: size lines, each chunk and its CRLF, until a zero size.
            None => loop {
                let mut size = String::new();
                r.read_line(&mut size).unwrap();
                let n = usize::from_str_radix(size.trim(), 16).unwrap();
                r.read_exact(&mut vec![0; n + 2]).unwrap();
                if n == 0 {
                    break;
                }
            },
        }
    }
}

/// `n` runs of one job in a fresh kubesim, then `etl runs`, `etl jobs list` and
/// `kubectl get jobs` over them.
fn lists_at_scale(etl: &str, kubesim: &Path, n: usize) {
    let sim = Sim::start(kubesim, PROJECT);
    let data = sim.dir.path().join("data");
    // One Job as etl renders it (the pod template is most of its size), suspended so that
    // kubesim starts no pod for any of them.
    let out = Command::new(etl)
        .args([
            "-q",
            "render",
            "hello",
            "--date",
            "2026-01-01",
            "-o",
            "json",
        ])
        .current_dir(sim.dir.path())
        .env("ETL_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    job["spec"]["suspend"] = serde_json::Value::Bool(true);
    let template = job.to_string();
    let name = job["metadata"]["name"].as_str().unwrap().to_string();
    let t = Instant::now();
    // Many connections: kubesim's controllers take the store's lock for a pass over every
    // object between bursts of creates, so creating one at a time would take hours at 100k.
    let workers: Vec<_> = (0..32)
        .map(|w| {
            let (addr, template, name) = (sim.addr.clone(), template.clone(), name.clone());
            std::thread::spawn(move || {
                let bodies = (w..n).step_by(32).map(|i| {
                    let run = format!("hello-r{i:06}");
                    template.replace(&name, &run)
                });
                post_all(&addr, "/apis/batch/v1/namespaces/default/jobs", bodies);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    println!(
        "  {n} runs created in {:.0} s ({} bytes each as JSON)",
        t.elapsed().as_secs_f64(),
        template.len()
    );
    let etl_cmd = |args: &[&str]| {
        let mut c = Command::new(etl);
        c.args(args)
            .current_dir(sim.dir.path())
            .env("KUBECONFIG", &sim.kubeconfig)
            .env("ETL_DATA_DIR", &data);
        c
    };
    let kubectl = || {
        let mut c = Command::new("kubectl");
        c.arg("--kubeconfig").arg(&sim.kubeconfig).args([
            "get",
            "jobs",
            "-n",
            "default",
            "-l",
            "etl.dev/project=bench",
        ]);
        c
    };
    type Make<'a> = Box<dyn Fn() -> Command + 'a>;
    let commands: [(&str, Make); 5] = [
        (
            "etl jobs list --offline (no cluster)",
            Box::new(|| etl_cmd(&["jobs", "list", "--offline"])),
        ),
        ("etl runs", Box::new(|| etl_cmd(&["runs"]))),
        (
            "etl runs -o json",
            Box::new(|| etl_cmd(&["runs", "-o", "json"])),
        ),
        ("etl jobs list", Box::new(|| etl_cmd(&["jobs", "list"]))),
        (
            "kubectl get jobs -l etl.dev/project=bench",
            Box::new(kubectl),
        ),
    ];
    for (what, make) in &commands {
        let mut runs: Vec<(f64, f64, f64)> = (0..3).map(|_| measure(&make())).collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (time, _, cpu) = runs[1];
        let rss = runs.iter().map(|r| r.1).fold(0.0, f64::max);
        println!(
            "  {n:>7} runs  {what:<45} {time:>6.2} s  {rss:>6.0} MiB  (its own CPU {cpu:.2} s)"
        );
    }
}
