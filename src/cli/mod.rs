//! The command line, as clap sees it. Definitions only: validation beyond clap's and all work
//! happen in `commands`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit codes: 0 ok (also \"no\" at a confirmation: nothing done), 1 the job or run failed,
2 usage or etl.yaml error, 3 cluster or container engine error, 4 local I/O failure (disk full,
a file etl cannot read or write, a closed terminal), 130 interrupted. A closed stdout is fine.

Start with `etl init` in your repository, then `etl jobs list` and `etl jobs run JOB --yesterday`.";

/// Run your data team's ETL jobs here or on Kubernetes, for a window of data, from one etl.yaml.
#[derive(Debug, Parser)]
#[command(name = "etl", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// The project file [default: etl.yaml in this directory or the nearest parent]
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        value_name = "PATH",
        env = "ETL_FILE"
    )]
    pub file: Option<PathBuf>,

    /// Print only results and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more about what etl does (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Never ask questions; fail with the flag to pass instead (also when CI is set)
    #[arg(long, global = true)]
    pub no_input: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a project here: a commented etl.yaml, an example job and the default templates
    Init(InitArgs),
    /// Print the Kubernetes manifests etl would create, without a cluster
    Render(RenderArgs),
    /// List, run and schedule jobs
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Workflows: DAGs of jobs run in dependency order
    #[command(subcommand)]
    Workflows(WorkflowsCommand),
    /// List runs in the cluster (manual and scheduled), or on this machine with --local
    Runs(ListRunsArgs),
    /// Build the job image from etl.yaml's `image` with docker, podman, buildah or nerdctl
    Build(BuildArgs),
    /// Push the job image and pin runs (render, schedule, deploy) to its digest
    Push(PushArgs),
    /// Apply the CronJobs of scheduled jobs and their Secrets to the cluster
    Deploy(DeployArgs),
    /// Show what `etl deploy` would change in the cluster (exit 1 when something would)
    Diff(DiffArgs),
    /// Drive workflow runs in the cluster and fire workflow schedules (what `etl deploy` runs there)
    Scheduler(SchedulerArgs),
    /// Which windows ran, for each job and workflow: a calendar of done, failed, missing
    History(HistoryArgs),
    /// Run a job or workflow for every window of a range that has not completed (or failed)
    Backfill(BackfillArgs),
    /// Print what is left of a run's logs in the cluster: every pod, every attempt
    Logs(LogsArgs),
    /// Print a shell completion script (bash, elvish, fish, powershell, zsh)
    Completions(CompletionsArgs),
}

// Parsed once per process: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List the jobs of etl.yaml
    List(ListJobsArgs),
    /// Run a job here, as a local process (or in its image with --container), for a window
    Run(RunJobArgs),
    /// Start a run of a job in the cluster now, for a window
    Schedule(ScheduleArgs),
    /// Stream a run's logs until it ends, and exit with its status
    Follow(FollowArgs),
    /// Stop a run and its pods
    Cancel(CancelArgs),
}

/// Which cluster and namespace: etl.yaml's `cluster`, unless these say otherwise.
#[derive(Debug, Args, Default, Clone)]
pub struct ClusterArgs {
    /// The kubeconfig context [default: etl.yaml's cluster.context, else the current one]
    #[arg(long, value_name = "NAME", help_heading = "Cluster")]
    pub context: Option<String>,
    /// The namespace [default: etl.yaml's cluster.namespace, else the context's]
    #[arg(short, long, value_name = "NAME", help_heading = "Cluster")]
    pub namespace: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "\
The run is a Kubernetes Job named after the job, the window and the attempt
(daily-averages-20261122-1d-a1): scheduling the same window again asks before starting attempt 2
(or pass --rerun), and never duplicates or overwrites a run; while the window's run has not ended,
attempt 2 is refused. The run's name goes to stdout.
With --follow or --wait, the exit code is the run's: 0 succeeded, 1 failed.

Examples:
  etl jobs schedule daily-averages --yesterday --follow
  etl jobs schedule daily-averages --date 2026-11-22 --config pollutant=no2 --rerun
  etl jobs schedule                    (on a terminal: pick the job, window and params)")]
pub struct ScheduleArgs {
    /// The job to run (see `etl jobs list`); asked for on a terminal when left out
    pub job: Option<String>,
    #[command(flatten)]
    pub window: WindowArgs,
    #[command(flatten)]
    pub overrides: OverrideArgs,
    /// Stream the run's logs until it ends, and exit with its status
    #[arg(long, conflicts_with = "wait")]
    pub follow: bool,
    /// Wait for the run to end, silently, and exit with its status
    #[arg(long)]
    pub wait: bool,
    /// Start a new attempt when this window already has a run
    #[arg(long)]
    pub rerun: bool,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// The image to run [default: the last `etl push`, else the repository's :latest]
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Exit codes: 0 the run succeeded, 1 it failed or was cancelled, 3 the cluster failed, or a pod's
log could not be read to its end (the pod is named on stderr), 130 Ctrl-C (the run goes on).")]
pub struct FollowArgs {
    /// The run (see `etl runs`) [default: the newest run scheduled from this machine]
    pub run: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The run to stop (see `etl runs`)
    pub run: String,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project's name [default: this directory's name]
    #[arg(long)]
    pub name: Option<String>,
    /// Overwrite etl.yaml and templates that already exist
    #[arg(long)]
    pub force: bool,
}

/// Which data a run processes: exactly one of these, resolved to `[start, end)` in the job's
/// time zone. `ETL_NOW` (RFC 3339) replaces the current time.
#[derive(Debug, Args, Default, Clone)]
#[group(id = "window", multiple = true)]
pub struct WindowArgs {
    /// Yesterday, midnight to midnight
    #[arg(long, help_heading = "Window")]
    pub yesterday: bool,
    /// Today, midnight to midnight
    #[arg(long, help_heading = "Window")]
    pub today: bool,
    /// The previous week, Monday to Monday
    #[arg(long, help_heading = "Window")]
    pub last_week: bool,
    /// One day
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Window")]
    pub date: Option<String>,
    /// The start of a custom window: a date or an RFC 3339 timestamp (with --end)
    #[arg(long, value_name = "T", requires = "end", help_heading = "Window")]
    pub start: Option<String>,
    /// The end of a custom window, not included (with --start)
    #[arg(long, value_name = "T", requires = "start", help_heading = "Window")]
    pub end: Option<String>,
}

impl WindowArgs {
    /// How many of the window's forms were given (`--start --end` counts once).
    pub fn count(&self) -> usize {
        [
            self.yesterday,
            self.today,
            self.last_week,
            self.date.is_some(),
            self.start.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    pub fn given(&self) -> bool {
        self.yesterday
            || self.today
            || self.last_week
            || self.date.is_some()
            || self.start.is_some()
    }
}

/// Changes to a job for this one command.
#[derive(Debug, Args, Default, Clone)]
pub struct OverrideArgs {
    /// Set a config value, typed by the job's params (repeatable): --config bucket=raw
    #[arg(long = "config", value_name = "KEY=VALUE", help_heading = "Job")]
    pub config: Vec<String>,
    /// Override any field of the job for this run (repeatable): --set resources.memory=8Gi
    #[arg(long = "set", value_name = "PATH=VALUE", help_heading = "Job")]
    pub set: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum ManifestFormat {
    #[default]
    Yaml,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum TableFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  etl render ingest --yesterday          the Job `etl jobs schedule ingest --yesterday` creates
  etl render ingest --cron               the CronJob `etl deploy` applies
  etl render --cron                      every scheduled job's CronJob
  etl render --secrets                   the Secrets, values redacted")]
pub struct RenderArgs {
    /// The job to render (see `etl jobs list`)
    pub job: Option<String>,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Render the CronJob of a scheduled job (of every scheduled job without JOB)
    #[arg(long, conflicts_with = "window")]
    pub cron: bool,
    /// Render the Secrets declared in etl.yaml
    #[arg(long, conflicts_with_all = ["window", "cron", "job"])]
    pub secrets: bool,
    /// Render the scheduler's objects and the project ConfigMap `etl deploy` applies
    #[arg(long, conflicts_with_all = ["window", "cron", "job", "secrets"])]
    pub scheduler: bool,
    /// Show secret values instead of <redacted>
    #[arg(long)]
    pub show_secrets: bool,
    #[command(flatten)]
    pub overrides: OverrideArgs,
    /// The image to run [default: the last `etl push`, else the repository's :latest]
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    /// etl's own image, which the scheduler runs [default: the last `etl push` of this etl]
    #[arg(long, value_name = "REF")]
    pub scheduler_image: Option<String>,
    /// The namespace [default: etl.yaml's cluster.namespace, else `default`]
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// Output format
    #[arg(short, long, value_enum, default_value_t)]
    pub output: ManifestFormat,
}

#[derive(Debug, Args)]
#[command(after_help = "\
LAST RUN is the newest run of each job in the cluster (its state and when it started), NEXT the
next time its schedule fires, in the job's time zone. When the cluster cannot be reached the
table is still printed, with LAST RUN `?` and a warning; --offline does not try.")]
pub struct ListJobsArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t)]
    pub output: TableFormat,
    /// Do not ask the cluster for the last runs (LAST RUN shows `?`)
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(after_help = "\
The job runs in etl.yaml's directory with the arguments and env vars it gets in the cluster:
  COMMAND... JOB START END CONFIG, and ETL_JOB, ETL_WINDOW_START, ETL_WINDOW_END, ETL_CONFIG,
  ETL_RUN_ID, plus the job's env and its secrets (from your env vars or the dotenv file).
Exit code: the job's success is 0, its failure 1 (its own code is shown), Ctrl-C 130.

Examples:
  etl jobs run ingest --yesterday
  etl jobs run ingest --date 2026-11-22 --config source=replay
  etl jobs run ingest --start 2026-11-01 --end 2026-11-04 --step 1d --keep-going")]
pub struct RunJobArgs {
    /// The job to run (see `etl jobs list`)
    pub job: Option<String>,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Split the window into consecutive runs of this length (1d, 6h, 1w), one after another
    #[arg(long, value_name = "DURATION", help_heading = "Window")]
    pub step: Option<String>,
    /// With --step: run every window even after one fails
    #[arg(long, requires = "step", help_heading = "Window")]
    pub keep_going: bool,
    #[command(flatten)]
    pub overrides: OverrideArgs,
    /// Run in the project's image through the container engine instead of as a local process
    #[arg(long)]
    pub container: bool,
    /// With --container: the image [default: the last `etl push`, else the repository's :latest]
    #[arg(long, value_name = "REF", requires = "container")]
    pub image: Option<String>,
    /// With --container: mount the project directory at /work and start there
    #[arg(long, requires = "container")]
    pub mount: bool,
    /// Do not ask for confirmation after the questions etl asks for a missing job or window
    #[arg(short = 'y', long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ListRunsArgs {
    /// List the runs made on this machine by `etl jobs run` instead of the cluster's
    #[arg(long)]
    pub local: bool,
    /// Only this job's runs
    #[arg(long, value_name = "JOB")]
    pub job: Option<String>,
    /// Only runs in this state: Pending, Running, Succeeded, Failed, Cancelled (--local:
    /// Running, Succeeded, Failed, Interrupted, Lost)
    #[arg(long, value_name = "STATE")]
    pub state: Option<String>,
    /// Only runs started this recently (7d, 12h)
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Output format
    #[arg(short, long, value_enum, default_value_t)]
    pub output: TableFormat,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
The default tag is the git commit (short), plus -dirty-HASH when the working tree has changes
(the same changes give the same HASH), so `etl build` and a later `etl push` agree on it.
The engine is etl.yaml's `image.engine`, else the first of docker, podman, buildah, nerdctl
found on PATH. On stdout: the image built (REPOSITORY:TAG); with --push, the pushed digest.

Examples:
  etl build                          build REPOSITORY:<commit>
  etl build --push                   build, push, and pin runs to the pushed digest
  etl build --tag v1 --build-arg PYTHON=3.12 --platform linux/amd64
  etl build -v                       show the engine's whole output")]
pub struct BuildArgs {
    /// The image tag [default: the git commit, with -dirty-HASH for a changed tree]
    #[arg(long, value_name = "T")]
    pub tag: Option<String>,
    /// Push the image once built (as `etl push` does)
    #[arg(long)]
    pub push: bool,
    /// The platform to build for, e.g. linux/amd64 [default: the engine's]
    #[arg(long, value_name = "P")]
    pub platform: Option<String>,
    /// A build argument, over etl.yaml's `image.build_args` (repeatable)
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,
    /// The container engine: docker, podman, buildah or nerdctl [default: etl.yaml's, else found on PATH]
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Pushes REPOSITORY:TAG (built by `etl build` with the same tag), records the pushed digest for this
checkout in etl's data directory, and from then on `etl render`, `etl jobs schedule` and
`etl deploy` run REPOSITORY@sha256:... (--image REF overrides). On stdout: REPOSITORY@sha256:...
Not logged in: the error gives the login command of your engine, e.g. `podman login REGISTRY`.
With workflows (or a `scheduler:` section) in etl.yaml, it also builds an image of this etl
(FROM scratch) for the scheduler, pushes it to the same repository as etl-VERSION-HASH and prints
its REPOSITORY@sha256:... on a second line; `etl deploy` runs the scheduler from it.

Examples:
  etl push                           push the tag `etl build` made from this tree
  etl push --tag v1")]
pub struct PushArgs {
    /// The image tag [default: the git commit, with -dirty-HASH for a changed tree]
    #[arg(long, value_name = "T")]
    pub tag: Option<String>,
    /// The container engine: docker, podman, buildah or nerdctl [default: etl.yaml's, else found on PATH]
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Server-side apply (field manager `etl`) of the Secrets every job uses, then of one CronJob
per scheduled job, with values from your env vars or the secret's dotenv file (never printed,
never put in arguments; a missing one stops etl before anything is applied). Naming a job
without a schedule applies its Secrets. One line per object on stdout:
`cronjob/daily-averages created|configured|unchanged`. etl refuses to apply over an object of
the same name that another project owns. --prune deletes only the CronJob: its runs stay, and
one still going is not stopped (`etl jobs cancel RUN` does that).

With workflows (or a `scheduler:` section) in etl.yaml, a deploy of every job also applies the
scheduler: the ConfigMap <project>-project (etl.yaml, your templates, the job image), then
<project>-scheduler's ServiceAccount, Role, RoleBinding, Deployment and Service. It runs etl's
own image, which `etl push` pushes (--scheduler-image REF names another); --prune deletes them
once etl.yaml no longer needs the scheduler.

Examples:
  etl deploy                         every job
  etl deploy daily-averages --dry-run
  etl deploy --prune --yes           also delete CronJobs of jobs etl.yaml no longer schedules")]
pub struct DeployArgs {
    /// The jobs to deploy: their Secrets, and CronJobs if scheduled [default: every job]
    #[arg(value_name = "JOB")]
    pub jobs: Vec<String>,
    /// Ask the server what would happen (dryRun=All): nothing is saved
    #[arg(long)]
    pub dry_run: bool,
    /// Also delete this project's CronJobs whose job etl.yaml no longer schedules
    #[arg(long)]
    pub prune: bool,
    /// Do not ask for confirmation before pruning
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// The image to run [default: the last `etl push`, else the repository's :latest]
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    /// etl's own image, which the scheduler runs [default: the last `etl push` of this etl]
    #[arg(long, value_name = "REF")]
    pub scheduler_image: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
A server-side dry run of `etl deploy` compared with what is deployed, as a unified diff of the
YAML (fields the server owns, such as status and managedFields, left out). Objects not yet
deployed show as all added; Secret values never show: a changed one reads
`changed (value hidden)`.

Exit codes, like `kubectl diff`: 0 no differences, 1 differences (a CronJob `--prune` would
delete counts), 2 usage or etl.yaml error, 3 cluster error.

Examples:
  etl diff
  etl diff daily-averages --image registry.example.com/data/air-quality:v2")]
pub struct DiffArgs {
    /// The jobs to compare [default: every job]
    #[arg(value_name = "JOB")]
    pub jobs: Vec<String>,
    /// The image to run [default: the last `etl push`, else the repository's :latest]
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    /// etl's own image, which the scheduler runs [default: the last `etl push` of this etl]
    #[arg(long, value_name = "REF")]
    pub scheduler_image: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Subcommand)]
pub enum WorkflowsCommand {
    /// List the workflows of etl.yaml, their tasks in order, schedules and last local runs
    List(WorkflowListArgs),
    /// Draw a workflow's DAG: levels of tasks, each with the tasks it runs after
    Show(WorkflowShowArgs),
    /// Run a whole workflow here, as local processes, in dependency order
    Run(WorkflowRunArgs),
    /// Start a workflow run in the cluster, for a window (the scheduler drives it)
    Schedule(WorkflowScheduleArgs),
    /// Show a workflow run's progress in the cluster and its tasks' logs, until it ends
    Follow(WorkflowFollowArgs),
    /// Stop a workflow run in the cluster: every task, and their pods
    Cancel(WorkflowCancelArgs),
    /// Run again only the failed tasks of a workflow run and what they blocked
    Retry(WorkflowRetryArgs),
    /// Print the objects a workflow run is in the cluster: a ConfigMap and one Job per task
    Render(WorkflowRenderArgs),
    /// List workflow runs (on this machine, or in the cluster with --cluster), newest first
    Runs(WorkflowRunsArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "\
The run is a ConfigMap named after the workflow, the window and the attempt
(nightly-20261122-1d-a1) and one Job per task, owned by it. Tasks with nothing to wait for start
at once; the others are suspended until `etl scheduler` (which `etl deploy` runs in the cluster)
sees that the tasks they run after completed. Scheduling the same window again asks before
starting attempt 2 (or pass --rerun); while the window's run has not ended, attempt 2 is refused.
An interrupted schedule is completed by running it again. The run's name goes to stdout.

Examples:
  etl workflows schedule nightly --yesterday --follow
  etl workflows schedule nightly --date 2026-11-22 --rerun")]
pub struct WorkflowScheduleArgs {
    /// The workflow (see `etl workflows list`)
    pub workflow: String,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Show the run's progress and logs until it ends, and exit with its state
    #[arg(long)]
    pub follow: bool,
    /// Start a new attempt when this window already has a run
    #[arg(long)]
    pub rerun: bool,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// The image to run [default: the last `etl push`, else the repository's :latest]
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Each task's state change is a line on stderr; the logs of its pods go to stdout, each line
prefixed with the task's name. Exit codes: 0 the run completed, 1 it failed or was cancelled,
3 the cluster failed, 130 Ctrl-C (the run goes on).")]
pub struct WorkflowFollowArgs {
    /// The workflow run (see `etl workflows runs --cluster`) [default: the newest scheduled from here]
    pub run: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct WorkflowCancelArgs {
    /// The workflow run to stop (see `etl workflows runs --cluster`)
    pub run: String,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct WorkflowListArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t)]
    pub output: TableFormat,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Tasks of one level can run at the same time; each runs after the tasks named after `<-`.

Examples:
  etl workflows show nightly
  etl workflows show nightly --dot | dot -Tsvg > nightly.svg")]
pub struct WorkflowShowArgs {
    /// The workflow (see `etl workflows list`)
    pub workflow: String,
    /// Print the DAG in Graphviz's dot language instead
    #[arg(long)]
    pub dot: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Each task runs exactly as `etl jobs run` runs its job (same arguments, env vars, window and
records), with the task's overrides, as soon as every task it runs after has completed, up to
max_parallel (or --parallel) at once. A failed task is retried up to its `retries`; then it is
FAILED and the tasks after it are UPSTREAM_FAILED and never start, while independent branches
go on. Progress goes to stderr. Exit code: 0 when every task completed, 1 otherwise, 130 on
Ctrl-C (running tasks are stopped, as for `etl jobs run`).

Examples:
  etl workflows run nightly --yesterday
  etl workflows run nightly --date 2026-11-22 --parallel 2
  etl workflows run nightly --date 2026-11-22 --retry-failed
  etl workflows run nightly --start 2026-11-01 --end 2026-11-08 --step 1d")]
pub struct WorkflowRunArgs {
    /// The workflow (see `etl workflows list`)
    pub workflow: String,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Split the window into consecutive workflow runs of this length (1d, 6h, 1w)
    #[arg(long, value_name = "DURATION", help_heading = "Window")]
    pub step: Option<String>,
    /// With --step: run every window even after one fails
    #[arg(long, requires = "step", help_heading = "Window")]
    pub keep_going: bool,
    /// Tasks running at once [default: the workflow's max_parallel, else no limit]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parallel: Option<u32>,
    /// Run again only the tasks that did not complete in this window's last local run
    #[arg(long)]
    pub retry_failed: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
A run made on this machine (`etl workflows run`) is retried here; any other name is looked up in
the cluster, where each task that did not complete gets a new attempt (a Job named
<run>-<task>-r2, …) for the scheduler to start in order. COMPLETED tasks are not run again.")]
pub struct WorkflowRetryArgs {
    /// The workflow run (see `etl workflows runs`, or `etl workflows runs --cluster`)
    pub run: String,
    /// Local runs: tasks running at once [default: the workflow's max_parallel, else no limit]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parallel: Option<u32>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct WorkflowRunsArgs {
    /// Only this workflow's runs
    pub workflow: Option<String>,
    /// List the runs in the cluster instead of this machine's
    #[arg(long)]
    pub cluster: bool,
    #[command(flatten)]
    pub cluster_args: ClusterArgs,
    /// Output format
    #[arg(short, long, value_enum, default_value_t)]
    pub output: TableFormat,
}

#[derive(Debug, Args)]
#[command(after_help = "\
The run is a ConfigMap (labelled etl.dev/kind=workflow-run, holding the DAG it started with)
and one Job per task, rendered as `etl render` renders a run of the task's job, with the task's
overrides; tasks that run after others are suspended (BLOCKED) until they may start.

Examples:
  etl workflows render nightly --date 2026-11-22
  etl workflows render nightly --yesterday -o json")]
pub struct WorkflowRenderArgs {
    /// The workflow (see `etl workflows list`)
    pub workflow: String,
    #[command(flatten)]
    pub window: WindowArgs,
    /// The image to run [default: the last `etl push`, else the repository's :latest]
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    /// The namespace [default: etl.yaml's cluster.namespace, else `default`]
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// Output format
    #[arg(short, long, value_enum, default_value_t)]
    pub output: ManifestFormat,
}

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "\
The scheduler watches the namespace's workflow runs and starts each task once the tasks it runs
after have completed (up to max_parallel), marks UPSTREAM_FAILED, ends runs, carries out
cancels, and fires workflow schedules (catching up at most `catchup` missed windows, oldest
first). It keeps nothing of its own: killed at any moment and started again, it carries on from
what the cluster holds. Replicas elect one leader with a Lease named <project>-scheduler; the
others wait. `etl deploy` runs it in the cluster; run it here to try workflows against a cluster
without deploying. SIGTERM or Ctrl-C: it finishes the current step, gives up the Lease, exits 0.

Examples:
  etl scheduler
  etl scheduler --listen 127.0.0.1:8080      (GET /healthz, GET /metrics)
  etl scheduler status"
)]
pub struct SchedulerArgs {
    #[command(subcommand)]
    pub command: Option<SchedulerCommand>,
    /// Serve /healthz and /metrics (Prometheus) on this address
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,
    /// How long the leader's Lease lasts without renewal; a standby takes over after it
    #[arg(long, value_name = "SECONDS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(2..))]
    pub lease_seconds: u64,
    /// This replica's name in the Lease [default: ETL_SCHEDULER_ID, else host and pid]
    #[arg(long, value_name = "NAME", env = "ETL_SCHEDULER_ID")]
    pub id: Option<String>,
    /// Read the project from this ConfigMap (what `etl deploy` writes) instead of etl.yaml
    #[arg(long, value_name = "NAME", env = "ETL_PROJECT_CONFIGMAP")]
    pub project_configmap: Option<String>,
    /// The image task Jobs run [default: the last `etl push`, else the repository's :latest]
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Subcommand)]
pub enum SchedulerCommand {
    /// Whether a scheduler is running in the namespace: leader, version, last decisions
    Status(SchedulerStatusArgs),
}

#[derive(Debug, Args)]
pub struct SchedulerStatusArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t)]
    pub output: TableFormat,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
One row per job and workflow, one cell per window of its `window` (hour, day, week, month) in
its time zone: # done, x failed (or cancelled), > running, ! missing (the schedule fired for it
and there is no run), . no run (a job without a schedule), blank: not due yet. Records come from
the cluster (history records, which outlive the Jobs, plus the runs still there), or with
--local, or when no cluster is configured, from this machine's runs.

Examples:
  etl history
  etl history daily-averages --since 90d
  etl history nightly --start 2026-01-01 --end 2026-04-01 -o json")]
pub struct HistoryArgs {
    /// The jobs and workflows to show [default: all]
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// How far back [default: 30d]
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["start", "end"])]
    pub since: Option<String>,
    /// The range's start: a date (midnight in each row's time zone) or an RFC 3339 timestamp
    #[arg(long, value_name = "T", requires = "end")]
    pub start: Option<String>,
    /// The range's end, not included
    #[arg(long, value_name = "T", requires = "start")]
    pub end: Option<String>,
    /// This machine's runs, not the cluster's
    #[arg(long)]
    pub local: bool,
    /// Output format
    #[arg(short, long, value_enum, default_value_t)]
    pub output: TableFormat,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum OnlyArg {
    /// Windows that never completed
    #[default]
    Missing,
    /// Windows whose last attempt failed or was cancelled
    Failed,
    /// Every window
    All,
}

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "\
The windows are those of the job's (or workflow's) `window` in its time zone that overlap
[--start, --end). Each is checked against the history: by default only windows that never
completed run (--only failed: those whose last attempt failed or was cancelled; --only all:
every one); a window whose run has not ended is left alone. etl prints the plan and asks
(--yes without a terminal; --dry-run prints it and stops).

In the cluster the backfill is a ConfigMap the scheduler drives (at most --parallel runs at
once, scheduled runs first), so closing the laptop stops nothing; the same command again finds
it. With --local, or without a cluster, the windows run here as local processes.
Exit codes: 0 every run completed, 1 one failed, 130 Ctrl-C.

Examples:
  etl backfill daily-averages --start 2026-10-01 --end 2026-11-01 --dry-run
  etl backfill nightly --start 2026-10-01 --end 2026-11-01 --parallel 3 --yes
  etl backfill daily-averages --start 2026-10-01 --end 2026-11-01 --only failed --local
  etl backfill status daily-averages-backfill-20261001-20261101-missing"
)]
pub struct BackfillArgs {
    #[command(subcommand)]
    pub command: Option<BackfillCommand>,
    /// The job or workflow
    #[arg(value_name = "JOB|WORKFLOW")]
    pub target: Option<String>,
    /// The first day (or instant) of the range
    #[arg(long, value_name = "T")]
    pub start: Option<String>,
    /// The end of the range, not included
    #[arg(long, value_name = "T")]
    pub end: Option<String>,
    /// Which windows run
    #[arg(long, value_enum, default_value_t)]
    pub only: OnlyArg,
    /// Runs at once
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub parallel: u32,
    /// Cut the range into runs of this length (1w, 1d, 6h) instead of the job's window
    #[arg(long, value_name = "DURATION")]
    pub step: Option<String>,
    /// Print the plan and stop
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Run here, as local processes, against this machine's history
    #[arg(long)]
    pub local: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Subcommand)]
pub enum BackfillCommand {
    /// A backfill's windows: done, failed, running, waiting
    Status(BackfillIdArgs),
    /// Print a line per change until the backfill ends; exit 0 when every run completed
    Follow(BackfillIdArgs),
    /// Stop a backfill: no new runs, and its unfinished runs are cancelled
    Cancel(BackfillIdArgs),
}

#[derive(Debug, Args)]
pub struct BackfillIdArgs {
    /// The backfill's name, as `etl backfill` printed it
    pub id: String,
    /// Do not ask for confirmation (cancel)
    #[arg(short = 'y', long)]
    pub yes: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Every pod the run still has, oldest first (retries too), each line prefixed by its pod when
there are several. Kubernetes deletes a finished run's Job, and with it its pods and their logs,
after its TTL; `etl history` still has the run's record.")]
pub struct LogsArgs {
    /// The run (see `etl runs`)
    pub run: String,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}
