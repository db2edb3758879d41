//! Render throughput and start-up time. `cargo bench --bench render`.
//!
//! - `render/job`: etl.yaml parsed, templates parsed, pod + Job rendered, checked against the
//!   Kubernetes types and written as YAML — what one `etl render` does, in process.
//! - `startup/*`: wall time of the real binary, `etl --version` and a whole `etl render`.
//! - After criterion, the same render in Python (json-e + PyYAML, with libyaml's C loader and
//!   dumper when PyYAML has them), when `jsone` is installed (`pip install json-e pyyaml`),
//!   for the "≥ 20× faster" comparison.

use criterion::{Criterion, criterion_group};

// The allocator the etl binary uses (src/main.rs), so the figures are etl's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use etl::project;
use etl::render::{self, RunInfo, RunRequest, Templates, Trigger};
use etl::window::WindowSpec;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/air-quality")
}

/// One Job manifest as YAML, from a parsed project, with the given templates.
fn render_job(p: &project::Project, templates: &Templates) -> String {
    let job = p.job("daily-averages").unwrap();
    let window = WindowSpec::Date("2026-11-22".parse().unwrap())
        .resolve("2026-11-23T00:00:00Z".parse().unwrap(), &job.tz)
        .unwrap();
    let req = RunRequest {
        project: p,
        job,
        namespace: "default",
        image: "registry.example.com/x:1",
        started_by: "bench",
    };
    let run = RunInfo::new(job, window, 1, Trigger::Manual);
    let k = render::run_job(templates, &req, &run).unwrap();
    render::to_yaml(&serde_json::to_value(&k).unwrap())
}

/// What one `etl render` does: etl.yaml and the templates parsed, then one manifest.
fn render_once(text: &str) -> String {
    let p = project::parse(Path::new("etl.yaml"), text).unwrap();
    render_job(&p, &Templates::embedded())
}

fn benches(c: &mut Criterion) {
    let text = std::fs::read_to_string(example().join("etl.yaml")).unwrap();
    c.bench_function("render/job, etl.yaml and templates parsed", |b| {
        b.iter(|| render_once(&text))
    });
    let p = project::parse(Path::new("etl.yaml"), &text).unwrap();
    let templates = Templates::embedded();
    c.bench_function("render/job, templates already parsed", |b| {
        b.iter(|| render_job(&p, &templates))
    });

    let etl = env!("CARGO_BIN_EXE_etl");
    let file = example().join("etl.yaml");
    let file = file.to_str().unwrap();
    let mut g = c.benchmark_group("startup");
    g.sample_size(30).measurement_time(Duration::from_secs(5));
    g.bench_function("etl --version", |b| {
        b.iter(|| Command::new(etl).arg("--version").output().unwrap())
    });
    g.bench_function("etl render", |b| {
        b.iter(|| {
            let out = Command::new(etl)
                .args([
                    "-q",
                    "-f",
                    file,
                    "render",
                    "daily-averages",
                    "--date",
                    "2026-11-22",
                ])
                .output()
                .unwrap();
            assert!(out.status.success());
        })
    });
    g.finish();
}

/// The same work in Python, and the ratio, printed as figures.
fn compare_with_python() {
    let text = std::fs::read_to_string(example().join("etl.yaml")).unwrap();
    let n = 2000;
    let p = project::parse(Path::new("etl.yaml"), &text).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(render_job(&p, &Templates::embedded()));
    }
    let cold = f64::from(n) / t.elapsed().as_secs_f64();
    let templates = Templates::embedded();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(render_job(&p, &templates));
    }
    let warm = f64::from(n) / t.elapsed().as_secs_f64();

    // The context etl gives the templates, so Python renders exactly the same thing.
    let p = project::parse(Path::new("etl.yaml"), &text).unwrap();
    let job = p.job("daily-averages").unwrap();
    let window = WindowSpec::Date("2026-11-22".parse().unwrap())
        .resolve("2026-11-23T00:00:00Z".parse().unwrap(), &job.tz)
        .unwrap();
    let req = RunRequest {
        project: &p,
        job,
        namespace: "default",
        image: "registry.example.com/x:1",
        started_by: "bench",
    };
    let ctx = render::run_context(&req, &RunInfo::new(job, window, 1, Trigger::Manual));
    let _ = &text;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("context.json"), ctx.to_string()).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/python_render.py");
    let template_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("templates");
    let out = Command::new("python3")
        .arg(script)
        .arg(&template_dir)
        .arg(dir.path().join("context.json"))
        .arg("300")
        .output();
    println!(
        "\nrender throughput, Job manifests per second (pod + Job rendered, written as YAML):"
    );
    match out {
        Ok(o) if o.status.success() => {
            let figures = String::from_utf8_lossy(&o.stdout);
            let mut it = figures
                .split_whitespace()
                .map(|f| f.parse::<f64>().unwrap_or(f64::NAN));
            let (py_cold, py_warm) = (it.next().unwrap_or(f64::NAN), it.next().unwrap_or(f64::NAN));
            let backend = figures.split_whitespace().nth(2).unwrap_or("?");
            println!(
                "  templates parsed for each manifest: etl {cold:>8.0}/s   python {py_cold:>6.0}/s   etl {:.1}x faster",
                cold / py_cold
            );
            println!(
                "  templates parsed once:              etl {warm:>8.0}/s   python {py_warm:>6.0}/s   etl {:.1}x faster",
                warm / py_warm
            );
            println!(
                "  (target: 20x; python is json-e + PyYAML with its {backend} loader and dumper)"
            );
        }
        Ok(o) => println!(
            "  python: not measured ({})",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("failed")
        ),
        Err(e) => println!("  python: not measured ({e})"),
    }
}

criterion_group!(render_benches, benches);

fn main() {
    render_benches();
    Criterion::default().configure_from_args().final_summary();
    compare_with_python();
}
