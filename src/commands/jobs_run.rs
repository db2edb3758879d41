//! `etl jobs run`: the job, here, exactly as the cluster would run it: the pod is rendered as
//! for `etl jobs schedule`, then its container's command runs as a local process in the
//! project directory with the pod's args and env (secrets resolved on this machine), or, with
//! `--container`, the container itself runs through the container engine.

use super::project_files::templates;
use super::secrets::local_secrets;
use super::window_flags::window_spec;
use super::{Ctx, pick};
use crate::cli::RunJobArgs;
use crate::error::{Error, Result};
use crate::image::{ImageError, engine};
use crate::launch::{Launch, first_container};
use crate::local_runs::{self, LocalRun};
use crate::project::Job;
use crate::render::{self, RunInfo, RunRequest, Trigger, names};
use crate::supervisor::{Outcome, supervise};
use crate::window::Window;
use crate::window::WindowSpec;
use std::process::ExitCode;

pub fn run_job(ctx: &Ctx, args: RunJobArgs) -> Result<ExitCode> {
    let spec = window_spec(&args.window)?;
    let local_time = spec.as_ref().is_some_and(WindowSpec::has_local_time);
    let step = super::window_flags::step_span(args.step.as_deref())?;
    let project = ctx.project()?;
    let mut picked = pick::complete(
        ctx,
        &project,
        "jobs run",
        pick::Given {
            job: args.job,
            window: spec,
            overrides: args.overrides,
            yes: args.yes,
            now: ctx.now()?,
        },
    )?;
    if let Some(s) = &args.step {
        picked.also(["--step", s.as_str()]);
    }
    if args.keep_going {
        picked.also(["--keep-going"]);
    }
    if args.container {
        picked.also(["--container"]);
    }
    if let Some(i) = &args.image {
        picked.also(["--image", i.as_str()]);
    }
    if args.mount {
        picked.also(["--mount"]);
    }
    let job =
        project.job_with_overrides(&picked.job, &picked.overrides.set, &picked.overrides.config)?;
    let whole = picked.resolved.clone();
    super::window_flags::note_local_time(ctx, local_time, &job.timezone);
    let windows = super::window_flags::step_windows(whole, step)?;
    // Every secret is read before anything runs: a missing value fails now, not mid-backfill.
    let secrets = local_secrets(&project, &job)?;
    let templates = templates(&project)?;
    let who = ctx.user();
    let records = crate::state::project_dir(&project)?.join("runs.jsonl");
    let (image, image_note) = ctx.image(&project, args.image.as_deref());
    let engine = if args.container {
        let named = project
            .image
            .engine
            .as_deref()
            .map(|e| ("etl.yaml's image.engine", e));
        let path = std::env::var_os("PATH");
        let engine = engine::choose_runner(named, |e| {
            engine::find_on_path(e.name(), path.as_deref()).is_some()
        })?;
        ctx.term.note(format!("{image_note}, run with {engine}"));
        Some(engine)
    } else {
        None
    };
    let req = RunRequest {
        project: &project,
        job: &job,
        namespace: project.namespace(),
        image: &image,
        started_by: &who,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::environment(format!("cannot start etl's runtime: {e}"), None))?;

    // The engine needs an absolute path to mount (a relative one is a named volume).
    let mount = args
        .mount
        .then(|| std::path::absolute(&project.dir).unwrap_or_else(|_| project.dir.clone()));
    let host_cpus = std::thread::available_parallelism()
        .ok()
        .map(|n| n.get() as u64);
    // Read once: the windows of one command are distinct, so its own runs never change
    // another window's attempt number.
    let earlier = local_runs::read(&records)?;
    let mut failed = Vec::new();
    let mut not_run = 0;
    for (i, w) in windows.iter().enumerate() {
        if windows.len() > 1 {
            ctx.term.note(format!("[{}/{}]", i + 1, windows.len()));
        }
        let run = RunInfo::new(
            &job,
            w.clone(),
            next_attempt(&earlier, &job, w),
            Trigger::Local,
        );
        let pod = render::run_pod(&templates, &req, &run)?;
        let container = first_container(&pod)?;
        let launch = match engine {
            None => Launch::process(container, &secrets, &project.dir)?,
            Some(engine) => Launch::container(
                engine,
                container,
                &secrets,
                &format!("etl-{}", run.name),
                mount.as_deref(),
                host_cpus,
            )?,
        };
        ctx.term.note(format!(
            "running {} for {} ({}) {}, run {}",
            job.name,
            w,
            job.timezone,
            if engine.is_some() {
                "in a container"
            } else {
                "here"
            },
            run.name
        ));
        if ctx.term.verbose > 0 {
            let line: Vec<_> = launch.argv.iter().map(|a| a.to_string_lossy()).collect();
            ctx.term.note(format!("$ {}", line.join(" ")));
        }
        let mode = if engine.is_some() {
            "container"
        } else {
            "process"
        };
        let (outcome, elapsed) =
            supervise_recorded(&runtime, &launch, &records, &run.name, &job, w, &who, mode)?;
        match outcome {
            Err(e) => return Err(e),
            Ok(Outcome::Exited(0)) => {
                ctx.term
                    .note(format!("{} succeeded in {:.1}s", run.name, elapsed));
            }
            // The engine's own failure (no such image, a bad flag), not the job's.
            Ok(Outcome::EngineFailed(engine)) => {
                return Err(ImageError::RunFailed { engine, image }.into());
            }
            Ok(Outcome::Exited(code)) => {
                ctx.term.warn(format!(
                    "{} failed with exit code {code} after {:.1}s",
                    run.name, elapsed
                ));
                failed.push((i + 1, format!("{} (exit code {code})", w)));
                if !args.keep_going {
                    not_run = windows.len() - (i + 1);
                    break;
                }
            }
            Ok(Outcome::Interrupted) => return Err(Error::Interrupted),
        }
    }
    picked.tell_next_time(&ctx.term);
    if windows.len() > 1 && failed.is_empty() {
        ctx.term
            .note(format!("{0}/{0} windows succeeded", windows.len()));
    }
    match failed.len() {
        0 => Ok(ExitCode::SUCCESS),
        1 if windows.len() == 1 => Err(Error::Failed(format!(
            "the job `{}` failed: {}",
            job.name, failed[0].1
        ))),
        _ => Err(Error::Failed(step_summary(windows.len(), &failed, not_run))),
    }
}

/// Supervises one run of `job` over `w`, recorded in the local runs file `records` as running
/// before it starts and with how it ended once it has (however it ended). Returns the
/// outcome and the seconds it took.
#[allow(clippy::too_many_arguments)]
fn supervise_recorded(
    runtime: &tokio::runtime::Runtime,
    launch: &Launch,
    records: &std::path::Path,
    run: &str,
    job: &Job,
    w: &Window,
    who: &str,
    mode: &str,
) -> Result<(Result<Outcome>, f64)> {
    let started = jiff::Timestamp::now();
    let mut record = LocalRun::starting(run, &job.name, w, Trigger::Local, who, mode);
    local_runs::append(records, &record)?;
    let outcome = runtime.block_on(supervise(launch));
    let elapsed = jiff::Timestamp::now().duration_since(started).as_secs_f64();
    let (state, exit_code) = crate::supervisor::ended_as(&outcome);
    record.ended(state, exit_code, elapsed);
    local_runs::append(records, &record)?;
    Ok((outcome, elapsed))
}

/// The end of a `--step` run with failures: which windows failed, by position ("window 2/7")
/// and value, and how many never ran.
fn step_summary(total: usize, failed: &[(usize, String)], not_run: usize) -> String {
    let mut s = match failed {
        [(i, w)] => format!("window {i}/{total} failed: {w}"),
        _ => format!(
            "{} of {total} windows failed: {}",
            failed.len(),
            failed
                .iter()
                .map(|(i, w)| format!("{i}/{total} {w}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if not_run > 0 {
        s.push_str(&format!(
            "; {not_run} not run (stopped there; --keep-going runs the rest)"
        ));
    }
    s
}

/// The attempt number of a new local run of `job` over `w`: one more than those recorded.
fn next_attempt(earlier: &[LocalRun], job: &Job, w: &Window) -> u32 {
    let first = names::run_name(&job.name, w, 1);
    let base = first.trim_end_matches("-a1");
    let done = earlier
        .iter()
        .filter(|r| r.job == job.name && r.run.starts_with(base))
        .count();
    u32::try_from(done).unwrap_or(u32::MAX - 1) + 1
}

#[cfg(test)]
mod tests {
    use super::step_summary;

    #[test]
    fn a_step_summary_says_which_window_failed_and_what_did_not_run() {
        let w = |s: &str| s.to_string();
        assert_eq!(
            step_summary(7, &[(1, w("[a, b) (exit code 1)"))], 6),
            "window 1/7 failed: [a, b) (exit code 1); 6 not run \
             (stopped there; --keep-going runs the rest)"
        );
        assert_eq!(
            step_summary(
                7,
                &[
                    (2, w("[b, c) (exit code 1)")),
                    (5, w("[e, f) (exit code 3)"))
                ],
                0
            ),
            "2 of 7 windows failed: 2/7 [b, c) (exit code 1), 5/7 [e, f) (exit code 3)"
        );
    }
}
