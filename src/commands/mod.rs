//! Commands: the only place where the pure core (project, window, render) meets I/O.

// One file per command (or group of subcommands).
mod backfill;
mod build;
mod completions;
mod deploy;
mod history;
mod init;
mod jobs_cluster;
mod jobs_list;
mod jobs_run;
mod logs;
mod pick;
mod push;
mod render;
mod runs;
mod scheduler;
mod workflows;
mod workflows_cluster;

// What several commands share, by subject.
mod confirm;
mod output;
mod project_files;
mod secrets;
mod settings;
mod window_flags;

use crate::cli::{Cli, Command, JobsCommand, WorkflowsCommand};
use crate::error::Result;
use crate::term::Term;
use std::path::PathBuf;
use std::process::ExitCode;

/// The cluster the `--context` and `--namespace` flags name.
impl From<&crate::cli::ClusterArgs> for crate::cluster::Target {
    fn from(c: &crate::cli::ClusterArgs) -> Self {
        crate::cluster::Target {
            context: c.context.clone(),
            namespace: c.namespace.clone(),
        }
    }
}

/// What every command gets: the parsed global flags, the terminal, and what this invocation
/// resolves from the machine once ("now", the user, the image: see `settings`).
pub struct Ctx {
    pub file: Option<PathBuf>,
    pub term: Term,
    settings: settings::Settings,
}

impl Ctx {
    pub fn new(file: Option<PathBuf>, term: Term) -> Ctx {
        Ctx {
            file,
            term,
            settings: settings::Settings::default(),
        }
    }

    /// "Now" for this command: read once, on first use (`clock::now`), the same after.
    pub fn now(&self) -> Result<jiff::Timestamp> {
        self.settings.now()
    }

    /// Who runs this command, as recorded on its runs: read once, on first use.
    pub fn user(&self) -> String {
        self.settings.user()
    }

    /// The image a run uses and a note on where it came from: `--image` (`flag`), else the
    /// digest `etl push` pinned, else `REPOSITORY:latest`. Resolved once, on first use.
    pub fn image(&self, project: &crate::project::Project, flag: Option<&str>) -> (String, String) {
        self.settings.image(project, flag)
    }

    /// The cluster the `--context` and `--namespace` flags name (etl.yaml's pinned context and
    /// namespace apply when connecting: `cluster::connect`).
    pub fn target(&self, args: &crate::cli::ClusterArgs) -> crate::cluster::Target {
        crate::cluster::Target::from(args)
    }
}

/// Runs the command `cli` names: the one place a parsed command line meets a command.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx::new(
        cli.file.clone(),
        Term::detect(cli.quiet, cli.verbose, cli.no_input),
    );
    crate::cluster::report_to(ctx.term);
    match cli.command {
        Command::Init(args) => init::init(&ctx, args),
        Command::Render(args) => render::render(&ctx, args),
        Command::Jobs(JobsCommand::List(args)) => jobs_list::list_jobs(&ctx, args),
        Command::Jobs(JobsCommand::Run(args)) => jobs_run::run_job(&ctx, args),
        Command::Jobs(JobsCommand::Schedule(args)) => jobs_cluster::schedule(&ctx, args),
        Command::Jobs(JobsCommand::Follow(args)) => jobs_cluster::follow(&ctx, args),
        Command::Jobs(JobsCommand::Cancel(args)) => jobs_cluster::cancel(&ctx, args),
        Command::Workflows(WorkflowsCommand::List(args)) => workflows::list(&ctx, args),
        Command::Workflows(WorkflowsCommand::Show(args)) => workflows::show(&ctx, args),
        Command::Workflows(WorkflowsCommand::Run(args)) => workflows::run_workflow(&ctx, args),
        Command::Workflows(WorkflowsCommand::Retry(args)) => workflows::retry(&ctx, args),
        Command::Workflows(WorkflowsCommand::Runs(args)) => {
            workflows::list_workflow_runs(&ctx, args)
        }
        Command::Workflows(WorkflowsCommand::Render(args)) => workflows::render(&ctx, args),
        Command::Workflows(WorkflowsCommand::Schedule(args)) => {
            workflows_cluster::schedule(&ctx, args)
        }
        Command::Workflows(WorkflowsCommand::Follow(args)) => workflows_cluster::follow(&ctx, args),
        Command::Workflows(WorkflowsCommand::Cancel(args)) => workflows_cluster::cancel(&ctx, args),
        Command::Scheduler(args) => scheduler::scheduler(&ctx, args),
        Command::Runs(args) => runs::list_runs(&ctx, args),
        Command::History(args) => history::show_history(&ctx, args),
        Command::Backfill(args) => backfill::backfill(&ctx, args),
        Command::Logs(args) => logs::show_logs(&ctx, args),
        Command::Build(args) => build::build(&ctx, args),
        Command::Push(args) => push::push_images(&ctx, args),
        Command::Deploy(args) => deploy::deploy(&ctx, args),
        Command::Diff(args) => deploy::diff(&ctx, args),
        Command::Completions(args) => completions::completions(args),
    }
}
