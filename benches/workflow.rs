//! Workflow planning and local dispatch. `cargo bench --bench workflow`.
//!
//! - `plan/1000-tasks/*`: one `workflow::plan` call on a 1,000-task DAG (target < 1 ms): a
//!   fresh run (only the roots start), and halfway (500 completed, the next wave starts).
//! - After criterion, the local executor's overhead per task: `etl workflows run` of 50
//!   independent `true` tasks against 50 plain `true` process starts (target < 5 ms a task).

use criterion::{Criterion, criterion_group};
use etl::workflow::{Dag, Limits, Observed, TaskState, fresh, plan};
use std::process::Command;
use std::time::Instant;

/// 1,000 tasks in 100 layers of 10, each task after two of the layer before.
fn wide_dag() -> Dag {
    let tasks: Vec<(String, Vec<String>)> = (0..1000)
        .map(|i| {
            let layer = i / 10;
            let after = if layer == 0 {
                vec![]
            } else {
                let base = (layer - 1) * 10;
                vec![
                    format!("t{}", base + i % 10),
                    format!("t{}", base + (i + 1) % 10),
                ]
            };
            (format!("t{i}"), after)
        })
        .collect();
    Dag::new(tasks.iter().map(|(n, a)| (n.as_str(), a.as_slice(), 1))).unwrap()
}

fn plans(c: &mut Criterion) {
    let dag = wide_dag();
    let limits = Limits {
        max_parallel: Some(8),
    };
    let start = fresh(&dag);
    c.bench_function("plan/1000-tasks/fresh", |b| {
        b.iter(|| plan(&dag, &start, limits, false))
    });
    let mut half = fresh(&dag);
    for o in half.iter_mut().take(500) {
        *o = Observed {
            state: TaskState::Completed,
            attempts: 1,
        };
    }
    c.bench_function("plan/1000-tasks/halfway", |b| {
        b.iter(|| plan(&dag, &half, limits, false))
    });
}

criterion_group!(benches, plans);

/// Wall time per task of `etl workflows run` over plain process starts.
fn dispatch_overhead() {
    let etl = env!("CARGO_BIN_EXE_etl");
    let dir = tempfile::tempdir().unwrap();
    let n = 50;
    let mut yaml = String::from(
        "project: bench\ndefaults:\n  command: [\"true\"]\njobs:\n  t: {}\nworkflows:\n  wide:\n    max_parallel: 1\n    tasks:\n",
    );
    for i in 0..n {
        yaml.push_str(&format!("      t{i}: {{job: t}}\n"));
    }
    std::fs::write(dir.path().join("etl.yaml"), yaml).unwrap();
    let started = Instant::now();
    for _ in 0..n {
        Command::new("true").status().unwrap();
    }
    let plain = started.elapsed().as_secs_f64() / n as f64;
    let started = Instant::now();
    let status = Command::new(etl)
        .args(["-q", "workflows", "run", "wide", "--date", "2026-11-22"])
        .current_dir(dir.path())
        .env("ETL_DATA_DIR", dir.path().join("data"))
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let per_task = started.elapsed().as_secs_f64() / n as f64;
    println!(
        "local dispatch: {:.2} ms a task in `etl workflows run` vs {:.2} ms a plain process start: {:.2} ms overhead (target < 5 ms)",
        per_task * 1e3,
        plain * 1e3,
        (per_task - plain) * 1e3
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    dispatch_overhead();
}
