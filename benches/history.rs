//! History and backfill at scale: planning a 10-year daily backfill (3,650 windows), drawing
//! `etl history` over 2 years × 50 jobs (36,500 records) in-process, and — when the kubesim
//! binary sits next to etl's — the whole `etl history` command against kubesim holding those
//! records (time and peak RSS). Prints figures; `cargo bench --bench history`.

#[path = "common/kubesim.rs"]
mod kubesim;
#[path = "common/measure.rs"]
mod measure;
use etl::history::calendar::{self, Target};
use etl::history::plan::{ByTarget, ByWindow, Only, select};
use etl::history::{Kind, Record, State, store, windows};
use etl::window::{Period, rfc3339};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use k8s_openapi::api::core::v1::ConfigMap;
use kubesim::Sim;
use measure::measure;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const JOBS: usize = 50;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn record(name: &str, w: &etl::window::Window, state: State) -> Record {
    Record {
        run: etl::render::names::run_name(name, w, 1),
        kind: Kind::Job,
        name: name.into(),
        workflow_run: None,
        window_start: rfc3339(&w.start),
        window_end: rfc3339(&w.end),
        state,
        attempt: 1,
        trigger: "cron".into(),
        started_by: Some("cron".into()),
        cancelled_by: None,
        started: Some(w.end.timestamp()),
        finished: Some(w.end.timestamp() + jiff::SignedDuration::from_secs(95)),
        exit_code: None,
        backfill: None,
    }
}

/// Two years of daily records of 50 jobs (one window in 20 failed, one in 50 missing), as
/// the history ConfigMaps that hold them.
fn config_maps(tz: &TimeZone) -> Vec<ConfigMap> {
    let ws = windows(
        Period::Day,
        tz,
        ts("2024-11-23T08:00:00Z"),
        ts("2026-11-23T08:00:00Z"),
    )
    .unwrap();
    let mut by_name: std::collections::BTreeMap<String, ConfigMap> = Default::default();
    for j in 0..JOBS {
        let name = format!("job-{j:02}");
        for (i, w) in ws.iter().enumerate() {
            if i % 50 == 7 {
                continue;
            }
            let r = record(
                &name,
                w,
                if i % 20 == 3 {
                    State::Failed
                } else {
                    State::Completed
                },
            );
            let key = store::config_map_name_of("bench", &r);
            let cm = by_name
                .entry(key)
                .or_insert_with(|| store::config_map("bench", "default", &r));
            let (k, v) = store::entry(&r);
            cm.data.as_mut().unwrap().insert(k, v);
        }
    }
    by_name.into_values().collect()
}

fn main() {
    measure::serve_as_launcher();
    let paris = TimeZone::get("Europe/Paris").unwrap();

    // Planning a 10-year daily backfill against a history holding every other window.
    let ten_years = windows(
        Period::Day,
        &paris,
        ts("2015-12-31T23:00:00Z"),
        ts("2025-12-31T23:00:00Z"),
    )
    .unwrap();
    let records: Vec<Record> = ten_years
        .iter()
        .step_by(2)
        .map(|w| record("j", w, State::Completed))
        .collect();
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let ws = windows(
            Period::Day,
            &paris,
            ts("2015-12-31T23:00:00Z"),
            ts("2025-12-31T23:00:00Z"),
        )
        .unwrap();
        let plan = select(ws, &ByWindow::new(&records, Kind::Job, "j"), Only::Missing);
        let summary = plan.summary(3);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(summary);
    }
    println!(
        "plan a 10-year daily backfill ({} windows, {} records): {:.1} ms median (target ≤ 50 ms)",
        ten_years.len(),
        records.len(),
        median(times)
    );

    // `etl history` in-process: the list's pages (50 ConfigMaps each, as etl asks for them)
    // read straight into records, folded into the calendar's index, drawn.
    let cms = config_maps(&paris);
    let json: Vec<String> = cms
        .chunks(50)
        .map(|page| {
            serde_json::to_string(&serde_json::json!({
                "kind": "ConfigMapList", "apiVersion": "v1", "metadata": {}, "items": page
            }))
            .unwrap()
        })
        .collect();
    let bytes: usize = json.iter().map(String::len).sum();
    let names: Vec<String> = (0..JOBS).map(|j| format!("job-{j:02}")).collect();
    let mut times = Vec::new();
    let mut n = 0;
    let mut stages = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut index = ByTarget::default();
        n = 0;
        for text in &json {
            let page: store::Page = serde_json::from_str(text).unwrap();
            for r in page.records() {
                index.add(&r);
                n += 1;
            }
        }
        let parsed = t.elapsed();
        let targets: Vec<Target> = names
            .iter()
            .map(|name| Target {
                name,
                kind: Kind::Job,
                period: Period::Day,
                tz: &paris,
                timezone: "Europe/Paris",
                schedule: Some("0 2 * * *"),
            })
            .collect();
        let rows = calendar::rows(
            &targets,
            &index,
            ts("2024-11-23T08:00:00Z"),
            ts("2026-11-23T08:00:00Z"),
            ts("2026-11-23T10:00:00Z"),
        )
        .unwrap();
        let drawn = t.elapsed();
        let text = calendar::render(&rows, false);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        stages = format!(
            "read and index {:.0} ms, rows {:.0} ms, render {:.0} ms",
            parsed.as_secs_f64() * 1e3,
            (drawn - parsed).as_secs_f64() * 1e3,
            (t.elapsed() - drawn).as_secs_f64() * 1e3
        );
        std::hint::black_box(text);
    }
    println!(
        "etl history's work over {n} records in {} ConfigMaps ({:.1} MB, {:.0} bytes a record): {:.0} ms median",
        cms.len(),
        bytes as f64 / 1e6,
        bytes as f64 / n as f64,
        median(times)
    );
    println!("  ({stages})");

    against_kubesim(&cms, &names);
}

/// The whole command against kubesim: process start, list, parse, draw, exit.
fn against_kubesim(cms: &[ConfigMap], names: &[String]) {
    let etl = env!("CARGO_BIN_EXE_etl");
    let kubesim = Path::new(etl).with_file_name("kubesim");
    if !kubesim.exists() {
        println!("etl history against kubesim: skipped, `cargo build --release -p kubesim` first");
        return;
    }
    let mut project = String::from(
        "project: bench\ncluster: {namespace: default}\ndefaults:\n  command: [sh, -c, 'true']\n  timezone: Europe/Paris\njobs:\n",
    );
    for n in names {
        project.push_str(&format!("  {n}:\n    schedule: \"0 2 * * *\"\n"));
    }
    let sim = Sim::start(&kubesim, &project);
    let (dir, kubeconfig) = (&sim.dir, &sim.kubeconfig);
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": cms});
    let file = dir.path().join("history.json");
    std::fs::write(&file, serde_json::to_string(&list).unwrap()).unwrap();
    let created = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        // kubesim serves no OpenAPI schema for kubectl to validate against.
        .args(["create", "--validate=false", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "kubectl create failed: {}",
        String::from_utf8_lossy(&created.stderr)
    );
    let mut runs = Vec::new();
    for _ in 0..3 {
        runs.push(measure(
            Command::new(etl)
                .args(["history", "--start", "2024-11-23", "--end", "2026-11-23"])
                .current_dir(dir.path())
                .env("KUBECONFIG", kubeconfig)
                .env("ETL_DATA_DIR", dir.path().join("data"))
                .env("ETL_NOW", "2026-11-23T10:00:00Z"),
        ));
    }
    let time = median(runs.iter().map(|r| r.0).collect());
    let rss = runs.iter().map(|r| r.1).fold(0.0, f64::max);
    println!(
        "etl history against kubesim, {} jobs × 2 years: {:.0} ms median, {rss:.0} MiB peak RSS (targets ≤ 200 ms, ≤ 50 MiB)",
        names.len(),
        time * 1e3
    );
    drop(sim);
}
