//! `etl scheduler` against kubesim: dispatch latency (a task's Job completes → its dependant's
//! Job is unsuspended, both as a watch sees them), API requests per task, peak RSS with 100
//! active workflow runs × 20 tasks, and CPU while nothing changes. Prints figures;
//! `cargo build --release -p kubesim && cargo bench --bench scheduler`.

#[path = "common/kubesim.rs"]
mod kubesim;
use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use kube::runtime::{WatchStreamExt, watcher};
use kubesim::Sim;
use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Per Job: when a watch first saw it unsuspended, and when it first saw it complete.
type Seen = std::sync::Arc<std::sync::Mutex<HashMap<String, (Option<Instant>, Option<Instant>)>>>;

const CHAIN_TASKS: usize = 21;
const RUNS_FOR_LATENCY: usize = 5;

fn project() -> String {
    let mut chain = String::new();
    for i in 0..CHAIN_TASKS {
        if i == 0 {
            chain.push_str("      t0: {job: quick}\n");
        } else {
            chain.push_str(&format!(
                "      t{i}: {{job: quick, after: [t{}]}}\n",
                i - 1
            ));
        }
    }
    let mut wide = String::from("      first: {job: slow}\n");
    for i in 1..20 {
        wide.push_str(&format!("      w{i}: {{job: quick, after: [first]}}\n"));
    }
    format!(
        "project: bench\ncluster: {{namespace: default}}\njobs:\n  quick:\n    command: ['true']\n  slow:\n    command: [sh, -c, 'sleep 600', '--']\n\
         workflows:\n  chain:\n    tasks:\n{chain}  wide:\n    tasks:\n{wide}"
    )
}

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

fn requests(addr: &str) -> serde_json::Value {
    serde_json::from_str(http(addr, "GET", "/kubesim/metrics").trim()).unwrap()
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    kb / 1024.0
}

fn main() {
    let etl = env!("CARGO_BIN_EXE_etl");
    let kubesim = Path::new(etl).with_file_name("kubesim");
    if !kubesim.exists() {
        println!("kubesim is not built: run `cargo build --release -p kubesim` first");
        return;
    }
    let sim = Sim::start(&kubesim, &project());
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
    let mut sched = Command::new(etl)
        .args([
            "-q",
            "scheduler",
            "--id",
            "bench",
            "--listen",
            "127.0.0.1:0",
        ])
        .current_dir(dir.path())
        .env("KUBECONFIG", kubeconfig)
        .env("ETL_DATA_DIR", dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(sched.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid = sched.id();
    let sched_addr = line
        .trim()
        .trim_start_matches("listening on http://")
        .to_string();
    let passes = || {
        http(&sched_addr, "GET", "/metrics")
            .lines()
            .find(|l| l.starts_with("etl_scheduler_passes_total"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };

    // Dispatch latency, as a watch sees it.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("http://{addr}");
    let (latencies, per_task) = rt.block_on(async {
        let client = kube::Client::try_from(kube::Config::new(url.parse().unwrap())).unwrap();
        let jobs: kube::Api<Job> = kube::Api::namespaced(client, "default");
        let seen: Seen = Default::default();
        let s2 = seen.clone();
        let watch = tokio::spawn(async move {
            let stream = watcher(
                jobs,
                watcher::Config::default().labels("etl.dev/workflow=chain"),
            )
            .applied_objects();
            futures::pin_mut!(stream);
            while let Some(Ok(j)) = stream.next().await {
                let now = Instant::now();
                let name = j.metadata.name.clone().unwrap_or_default();
                let complete = j
                    .status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|c| {
                        c.iter()
                            .any(|c| c.type_ == "Complete" && c.status == "True")
                    });
                let running = j.spec.as_ref().and_then(|s| s.suspend) != Some(true);
                let mut m = s2.lock().unwrap();
                let e = m.entry(name).or_default();
                if running && e.0.is_none() {
                    e.0 = Some(now);
                }
                if complete && e.1.is_none() {
                    e.1 = Some(now);
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = requests(&addr);
        // Scheduled from another thread, so this one keeps reading the watch meanwhile.
        let (cwd, kc) = (dir.path().to_path_buf(), kubeconfig.clone());
        let scheduling = std::thread::spawn(move || {
            for day in 1..=RUNS_FOR_LATENCY {
                let out = Command::new(etl)
                    .args([
                        "-q",
                        "workflows",
                        "schedule",
                        "chain",
                        "--date",
                        &format!("2026-10-{day:02}"),
                    ])
                    .current_dir(&cwd)
                    .env("KUBECONFIG", &kc)
                    .env("ETL_DATA_DIR", cwd.join("data"))
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let done = seen
                .lock()
                .unwrap()
                .values()
                .filter(|e| e.1.is_some())
                .count();
            if done == CHAIN_TASKS * RUNS_FOR_LATENCY || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        scheduling.join().unwrap();
        let after = requests(&addr);
        watch.abort();
        let m = seen.lock().unwrap();
        let mut lat = Vec::new();
        for day in 1..=RUNS_FOR_LATENCY {
            let run = format!("chain-202610{day:02}-1d-a1");
            for i in 1..CHAIN_TASKS {
                let up = m.get(&format!("{run}-t{}", i - 1)).and_then(|e| e.1);
                let down = m.get(&format!("{run}-t{i}")).and_then(|e| e.0);
                if let (Some(u), Some(d)) = (up, down) {
                    lat.push(d.saturating_duration_since(u).as_secs_f64() * 1000.0);
                }
            }
        }
        // What the scheduler itself asked for: patches of Jobs (starts) and Events, per task.
        let count = |v: &serde_json::Value, k: &str| v["requests"][k].as_u64().unwrap_or(0);
        let writes = (count(&after, "patch jobs") - count(&before, "patch jobs"))
            + (count(&after, "create events") - count(&before, "create events"));
        (lat, writes as f64 / (CHAIN_TASKS * RUNS_FOR_LATENCY) as f64)
    });
    let mut lat = latencies;
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "dispatch latency over {} dependants: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        lat.len(),
        pct(0.5),
        pct(0.99),
        lat.last().unwrap()
    );
    println!("scheduler writes (Job patches + Events) per task: {per_task:.2}");

    // 100 active runs × 20 tasks: each run's first task sleeps, 19 wait on it.
    for i in 0..100 {
        let day = jiff::civil::date(2025, 1, 1) + jiff::Span::new().days(i);
        etl_cmd(&[
            "-q",
            "workflows",
            "schedule",
            "wide",
            "--date",
            &day.to_string(),
        ]);
    }
    // Settled: kubesim has started the 100 pods (their status changes are watch events the
    // scheduler looks at) and the scheduler made no pass for 2 s, or a minute passed.
    let settle = Instant::now();
    let mut last = passes();
    loop {
        std::thread::sleep(Duration::from_secs(2));
        let now = passes();
        if now == last || settle.elapsed() > Duration::from_secs(60) {
            break;
        }
        last = now;
    }
    println!(
        "peak RSS with 100 active workflow runs x 20 tasks: {:.1} MiB",
        peak_rss_mib(pid)
    );
    let a = requests(&addr)["total_requests"].as_u64().unwrap_or(0);
    let p0 = passes();
    let c0 = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs(10));
    let c1 = cpu_seconds(pid);
    let p1 = passes();
    let b = requests(&addr)["total_requests"].as_u64().unwrap_or(0);
    println!(
        "idle for 10 s: {:.2} s of CPU ({:.1}%), {} API requests (Lease renewals), {} passes",
        c1 - c0,
        (c1 - c0) * 10.0,
        b - a,
        p1 - p0
    );

    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = sched.wait();
    drop(sim);
}
