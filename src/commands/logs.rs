//! `etl logs RUN`: what is left of a run's logs in the cluster — every pod it still has
//! (retries too), oldest first — and a plain answer when nothing is left: Kubernetes deletes a
//! finished Job, its pods and their logs after the Job's TTL, while history keeps the record.

use super::Ctx;
use crate::cli::LogsArgs;
use crate::cluster::{self, logs};
use crate::error::{Error, Result};
use std::process::ExitCode;

/// The pod's name without its run's name: `abc12` of `ingest-20261122-1d-a1-abc12`.
fn pod_short<'a>(run: &str, pod: &'a str) -> &'a str {
    pod.strip_prefix(run)
        .map(|s| s.trim_start_matches('-'))
        .filter(|s| !s.is_empty())
        .unwrap_or(pod)
}

/// A pod's log with each line after `prefix` (none when the run has one pod).
fn prefixed(log: &str, prefix: Option<&str>) -> String {
    match prefix {
        None => log.to_string(),
        Some(p) => log.lines().map(|l| format!("[{p}] {l}\n")).collect(),
    }
}

pub fn show_logs(ctx: &Ctx, args: LogsArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let target = ctx.target(&args.cluster);
    let run = &args.run;
    let text = cluster::runtime()?.block_on(async {
        let cluster = cluster::connect(&project, &target).await?;
        let list = logs::run_pods(&cluster, run).await?;
        if list.is_empty() {
            return Err(if logs::run_exists(&cluster, run).await? {
                Error::Failed(format!(
                    "run {run} has no pods left (cancelled, or never started), so no logs"
                ))
            } else {
                Error::Failed(format!(
                    "the logs of {run} are gone: its Job was deleted (finished runs are kept \
                     {}, etl.yaml's `retention.runs`); `etl history` still has the record",
                    project.retention.runs_text()
                ))
            });
        }
        let several = list.len() > 1;
        let mut out = String::new();
        for pod in &list {
            let name = pod.metadata.name.clone().unwrap_or_default();
            match logs::pod_log(&cluster, &name).await {
                Ok(log) => out.push_str(&prefixed(&log, several.then(|| pod_short(run, &name)))),
                // A pod that never started has no log yet: say so rather than fail the rest.
                Err(e) => ctx.term.warn(format!("no log for pod {name}: {e}")),
            }
        }
        Ok(out)
    })?;
    super::output::write_stdout(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_pods_are_told_apart_by_their_suffix() {
        assert_eq!(pod_short("r-a1", "r-a1-x7k2p"), "x7k2p");
        assert_eq!(prefixed("a\nb\n", Some("x7k2p")), "[x7k2p] a\n[x7k2p] b\n");
        assert_eq!(prefixed("a\n", None), "a\n");
    }
}
