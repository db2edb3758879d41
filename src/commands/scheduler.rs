//! `etl scheduler` (drive workflow runs and fire schedules; see `crate::scheduler`) and
//! `etl scheduler status`.

use super::Ctx;
use super::project_files::templates;
use crate::cli::{SchedulerArgs, SchedulerCommand, SchedulerStatusArgs, TableFormat};
use crate::cluster;
use crate::error::{Error, Result};
use crate::scheduler::{self, COMPONENT, Loaded, Settings, lease, scheduler_name};
use serde::Serialize;
use std::process::ExitCode;
use std::time::Duration;

pub fn scheduler(ctx: &Ctx, args: SchedulerArgs) -> Result<ExitCode> {
    if let Some(SchedulerCommand::Status(status_args)) = args.command {
        return status(ctx, status_args);
    }
    let identity = args.id.clone().unwrap_or_else(|| {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "etl".into());
        format!("{host}-{}", std::process::id())
    });
    let now = match std::env::var_os("ETL_NOW") {
        Some(_) => Some(ctx.now()?),
        None => None,
    };
    let settings = Settings {
        listen: args.listen,
        lease_duration: Duration::from_secs(args.lease_seconds),
        identity,
        verbose: ctx.term.verbose,
        now,
        project_config_map: args.project_configmap.clone(),
    };
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let (cluster, loaded) = match &args.project_configmap {
            // In the cluster: the project is what `etl deploy` put in the ConfigMap.
            Some(name) => {
                let mut target = ctx.target(&args.cluster);
                target.namespace = target
                    .namespace
                    .or_else(|| std::env::var("ETL_NAMESPACE").ok());
                let cluster = cluster::connect_to(None, None, &target).await?;
                let cm = cluster::scheduler::project_config_map(&cluster, name).await?;
                let loaded = scheduler::load_config_map(&cm)
                    .map_err(|e| Error::usage(e, "fix etl.yaml and run `etl deploy` again"))?;
                (cluster, loaded)
            }
            None => {
                let project = ctx.project()?;
                let templates = templates(&project)?;
                let (image, note) = ctx.image(&project, args.image.as_deref());
                ctx.term
                    .note(format!("task Jobs of scheduled runs use {note}"));
                let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
                (
                    cluster,
                    Loaded {
                        project,
                        templates,
                        image,
                    },
                )
            }
        };
        scheduler::run_scheduler(cluster, loaded, settings).await?;
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Serialize)]
struct Status {
    namespace: String,
    lease: String,
    running: bool,
    leader: Option<String>,
    version: Option<String>,
    renewed: Option<jiff::Timestamp>,
    decisions: Vec<Decision>,
}

#[derive(Serialize)]
struct Decision {
    at: Option<jiff::Timestamp>,
    run: String,
    reason: String,
    message: String,
}

fn status(ctx: &Ctx, args: SchedulerStatusArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let rt = cluster::runtime()?;
    rt.block_on(async {
        let cluster = cluster::connect(&project, &ctx.target(&args.cluster)).await?;
        let name = scheduler_name(&project.name);
        let lease = cluster::scheduler::lease(&cluster, &name).await?;
        let spec = lease
            .as_ref()
            .and_then(|l| l.spec.clone())
            .unwrap_or_default();
        let renewed = spec.renew_time.as_ref().map(|t| t.0);
        let lasts =
            jiff::SignedDuration::from_secs(i64::from(spec.lease_duration_seconds.unwrap_or(15)));
        let holder = spec.holder_identity.clone().filter(|h| !h.is_empty());
        let running =
            holder.is_some() && renewed.is_some_and(|r| r + lasts >= jiff::Timestamp::now());
        let version = lease.as_ref().and_then(|l| {
            l.metadata
                .annotations
                .as_ref()?
                .get(&lease::version_annotation())
                .cloned()
        });
        let found = cluster::scheduler::events(&cluster).await?;
        let mut decisions: Vec<Decision> = found
            .into_iter()
            .filter(|e| e.reporting_component.as_deref() == Some(COMPONENT))
            .map(|e| Decision {
                at: e.event_time.map(|t| t.0).or(e.last_timestamp.map(|t| t.0)),
                run: e.involved_object.name.unwrap_or_default(),
                reason: e.reason.unwrap_or_default(),
                message: e.message.unwrap_or_default(),
            })
            .collect();
        decisions.sort_by_key(|d| d.at);
        let keep = decisions.len().saturating_sub(10);
        decisions.drain(..keep);
        let s = Status {
            namespace: cluster.namespace.clone(),
            lease: name,
            running,
            leader: holder,
            version,
            renewed,
            decisions,
        };
        if args.output == TableFormat::Json {
            return super::output::write_stdout(
                &(serde_json::to_string_pretty(&s).expect("serializes") + "\n"),
            );
        }
        let mut out = String::new();
        if s.running {
            out.push_str(&format!(
                "scheduler: running in namespace {} (leader {}, etl {}, Lease {} renewed {})\n",
                s.namespace,
                s.leader.as_deref().unwrap_or("?"),
                s.version.as_deref().unwrap_or("?"),
                s.lease,
                s.renewed.map(|r| r.to_string()).unwrap_or_default()
            ));
        } else {
            out.push_str(&format!(
                "scheduler: not running in namespace {} (Lease {} {})\n",
                s.namespace,
                s.lease,
                match (&s.leader, s.renewed) {
                    (Some(h), Some(r)) => format!("last held by {h}, renewed {r}"),
                    _ => "not held".into(),
                }
            ));
            out.push_str("  `etl deploy` runs one in the cluster; `etl scheduler` runs one here\n");
        }
        if !s.decisions.is_empty() {
            out.push_str("last decisions:\n");
            for d in &s.decisions {
                out.push_str(&format!(
                    "  {}  {}  {}: {}\n",
                    d.at.map(|t| t.to_string()).unwrap_or_default(),
                    d.run,
                    d.reason,
                    d.message
                ));
            }
        }
        super::output::write_stdout(&out)?;
        Ok(if s.running {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(crate::error::exit::FAILED)
        })
    })
}
