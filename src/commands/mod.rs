//! Commands: the only place where the pure core (project, window, render) meets I/O.

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

use crate::cli::{Cli, Command, JobsCommand, WindowArgs, WorkflowsCommand};
use crate::error::{Error, Result};
use crate::project::{self, Project};
use crate::render::Templates;
use crate::term::Term;
use crate::window::{Window, WindowSpec, parse_date, parse_instant};
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};
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

/// What every command gets: the parsed global flags and the terminal.
pub struct Ctx {
    pub file: Option<PathBuf>,
    pub term: Term,
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx {
        file: cli.file.clone(),
        term: Term::detect(cli.quiet, cli.verbose, cli.no_input),
    };
    crate::cluster::report_to(ctx.term);
    match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Render(args) => render::run(&ctx, args),
        Command::Jobs(JobsCommand::List(args)) => jobs_list::run(&ctx, args),
        Command::Jobs(JobsCommand::Run(args)) => jobs_run::run(&ctx, args),
        Command::Jobs(JobsCommand::Schedule(args)) => jobs_cluster::schedule(&ctx, args),
        Command::Jobs(JobsCommand::Follow(args)) => jobs_cluster::follow(&ctx, args),
        Command::Jobs(JobsCommand::Cancel(args)) => jobs_cluster::cancel(&ctx, args),
        Command::Workflows(WorkflowsCommand::List(args)) => workflows::list(&ctx, args),
        Command::Workflows(WorkflowsCommand::Show(args)) => workflows::show(&ctx, args),
        Command::Workflows(WorkflowsCommand::Run(args)) => workflows::run(&ctx, args),
        Command::Workflows(WorkflowsCommand::Retry(args)) => workflows::retry(&ctx, args),
        Command::Workflows(WorkflowsCommand::Runs(args)) => workflows::runs(&ctx, args),
        Command::Workflows(WorkflowsCommand::Render(args)) => workflows::render(&ctx, args),
        Command::Workflows(WorkflowsCommand::Schedule(args)) => {
            workflows_cluster::schedule(&ctx, args)
        }
        Command::Workflows(WorkflowsCommand::Follow(args)) => workflows_cluster::follow(&ctx, args),
        Command::Workflows(WorkflowsCommand::Cancel(args)) => workflows_cluster::cancel(&ctx, args),
        Command::Scheduler(args) => scheduler::scheduler(&ctx, args),
        Command::Runs(args) => runs::run(&ctx, args),
        Command::History(args) => history::run(&ctx, args),
        Command::Backfill(args) => backfill::run(&ctx, args),
        Command::Logs(args) => logs::run(&ctx, args),
        Command::Build(args) => build::run(&ctx, args),
        Command::Push(args) => push::run(&ctx, args),
        Command::Deploy(args) => deploy::deploy(&ctx, args),
        Command::Diff(args) => deploy::diff(&ctx, args),
        Command::Completions(args) => completions::run(args),
    }
}

impl Ctx {
    /// Finds, reads and checks etl.yaml; prints its warnings.
    pub fn project(&self) -> Result<Project> {
        let file = match &self.file {
            // `-f DIR` is the etl.yaml in DIR, as `-f DIR/etl.yaml` would be.
            Some(dir) if dir.is_dir() => {
                let file = dir.join(project::FILE_NAME);
                if !file.is_file() {
                    return Err(Error::usage(
                        format!("-f {}: this directory has no etl.yaml", dir.display()),
                        "pass the project file (-f PATH/etl.yaml), or run `etl init` there",
                    ));
                }
                file
            }
            Some(f) => f.clone(),
            None => {
                let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
                find_project(&cwd).ok_or(Error::NoProject { dir: cwd })?
            }
        };
        let text = std::fs::read_to_string(&file).map_err(|e| match e.kind() {
            // A path that names nothing is a mistake in the command, not a failing disk.
            std::io::ErrorKind::NotFound => Error::usage(
                format!("{}: no such file", file.display()),
                "pass -f PATH to an etl.yaml (or unset ETL_FILE), or run `etl init` here",
            ),
            _ => Error::io(&file, e),
        })?;
        let project = project::parse(&display_path(&file), &text)?;
        // Keep the real location for relative paths (templates, dotenv files).
        let project = Project {
            dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
            ..project
        };
        for w in &project.warnings {
            self.term.warn(w);
        }
        Ok(project)
    }
}

/// Finds `etl.yaml` in `dir` or the nearest parent that has one.
fn find_project(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(project::FILE_NAME))
        .find(|p| p.is_file())
}

/// A path as the user would type it: relative to the current directory when below it.
fn display_path(p: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| p.to_path_buf())
}

/// The window flags, checked without the clock (stage one).
pub fn window_spec(w: &WindowArgs) -> Result<Option<WindowSpec>> {
    let bad = |flag, source| Error::Window { flag, source };
    if w.count() > 1 {
        return Err(Error::usage(
            "give one window, not several",
            format!("pass one of {WINDOW_FLAGS}"),
        ));
    }
    Ok(Some(if w.yesterday {
        WindowSpec::Yesterday
    } else if w.today {
        WindowSpec::Today
    } else if w.last_week {
        WindowSpec::LastWeek
    } else if let Some(d) = &w.date {
        WindowSpec::Date(parse_date(d).map_err(|e| bad("--date", e))?)
    } else if let (Some(s), Some(e)) = (&w.start, &w.end) {
        WindowSpec::Range(
            parse_instant(s).map_err(|e| bad("--start", e))?,
            parse_instant(e).map_err(|e| bad("--end", e))?,
        )
    } else {
        return Ok(None);
    }))
}

/// The window flags resolved against now, in the time zone of the job (or workflow) `zone`
/// names. A `--start`/`--end` without an offset is read in that zone, and a note says so.
pub fn resolve_window(ctx: &Ctx, spec: &WindowSpec, tz: &TimeZone, zone: &str) -> Result<Window> {
    let window = spec
        .resolve(crate::clock::now()?, tz)
        .map_err(|source| Error::Window {
            flag: "window",
            source,
        })?;
    note_local_time(ctx, spec.has_local_time(), zone);
    Ok(window)
}

/// Says that `--start`/`--end` without an offset were read in `zone`: the same text means
/// another instant for a job in another zone.
pub fn note_local_time(ctx: &Ctx, local_time: bool, zone: &str) {
    if local_time {
        ctx.term.note(format!(
            "--start/--end without a UTC offset are read in the job's time zone, {zone}"
        ));
    }
}

/// `--step 1d`, checked before anything else.
pub fn step_span(step: Option<&str>) -> Result<Option<jiff::Span>> {
    step.map(|s| {
        crate::window::parse_span(s).ok_or_else(|| {
            Error::usage(
                format!("--step {s}: not a duration"),
                "e.g. --step 1d, --step 6h or --step 1w",
            )
        })
    })
    .transpose()
}

/// The window cut into consecutive `--step` windows, or the window alone.
pub fn step_windows(whole: Window, step: Option<jiff::Span>) -> Result<Vec<Window>> {
    match step {
        Some(s) => crate::window::split(&whole, s).map_err(|source| Error::Window {
            flag: "--step",
            source,
        }),
        None => Ok(vec![whole]),
    }
}

pub const WINDOW_FLAGS: &str =
    "--yesterday, --today, --last-week, --date YYYY-MM-DD or --start T --end T";

/// The project's templates: its own `templates/` files over the embedded defaults.
pub fn templates(project: &Project) -> Result<Templates> {
    let mut t = Templates::embedded();
    let dir = project.dir.join("templates");
    for (name, _) in crate::render::EMBEDDED {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => t.set(name, display_path(&path).display().to_string(), text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    Ok(t)
}

/// Who is starting a run, as recorded on it: `ETL_USER`, else `USER` / `USERNAME`, else the
/// account's name from the password database (cron and containers often leave `USER` unset),
/// else `unknown`.
pub fn started_by() -> String {
    let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
    var("ETL_USER")
        .or_else(|| var("USER"))
        .or_else(|| var("USERNAME"))
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The image a run uses, and a note on where it came from.
pub fn image_ref(project: &Project, flag: Option<&str>) -> (String, String) {
    if let Some(image) = flag {
        return (image.to_string(), format!("image {image} (--image)"));
    }
    let repo = project
        .image
        .repository
        .clone()
        .unwrap_or_else(|| project.name.clone());
    let why = match crate::image::pushed::pinned(project, &repo) {
        Ok(pinned) => return pinned,
        Err(why) => why,
    };
    (
        format!("{repo}:latest"),
        format!("image {repo}:latest ({why})"),
    )
}

/// A job with this command's `--set` and `--config` applied.
pub fn job_with_overrides(
    project: &Project,
    name: &str,
    o: &crate::cli::OverrideArgs,
) -> Result<crate::project::Job> {
    let spec = project
        .specs
        .get(name)
        .ok_or_else(|| project.no_such_job(name))?;
    let spec = project::apply_set(name, spec, &o.set)?;
    let mut job = project
        .resolve(name, &spec)
        .map_err(|e| project::blame_set(e, name, &o.set))?;
    project::coerce_config(&mut job, &o.config)?;
    Ok(job)
}

/// Writes a command's result to stdout. A closed pipe (`etl render | head`) is not an error.
pub fn write_stdout(s: &str) -> Result<ExitCode> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Error::io("stdout", e)),
    }
}

/// Writes to stdout through `write` (buffered), for output too large to build as one string
/// first. A closed stdout (`etl … | head`) is success, as in [`write_stdout`].
pub fn stream_stdout(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<ExitCode> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Error::io("stdout", e)),
    }
}

/// The values of one of etl.yaml's secrets: each key from the env var of the same name, else
/// from the secret's dotenv file. A missing key is an error before anything is applied.
pub fn secret_values(project: &Project, name: &str) -> Result<indexmap::IndexMap<String, String>> {
    let spec = &project.secrets[name];
    let mut from_file = std::collections::HashMap::new();
    if let Some(dotenv) = &spec.dotenv {
        let path = project.dir.join(dotenv);
        if path.exists() {
            let text = read_dotenv(&path)?;
            for item in dotenvy::from_read_iter(text.as_bytes()) {
                let (k, v) = item.map_err(|e| dotenv_error(&path, &text, e))?;
                from_file.insert(k, v);
            }
        }
    }
    let mut values = indexmap::IndexMap::new();
    let mut missing = Vec::new();
    for key in &spec.keys {
        match std::env::var(key)
            .ok()
            .or_else(|| from_file.get(key).cloned())
        {
            Some(v) => {
                values.insert(key.clone(), v);
            }
            None => missing.push(key.as_str()),
        }
    }
    if !missing.is_empty() {
        let whence = match &spec.dotenv {
            Some(f) => format!("set them in the environment or in {f}"),
            None => "set them in the environment, or give the secret a `dotenv:` file".into(),
        };
        return Err(Error::usage(
            format!("secret `{name}`: no value for {}", missing.join(", ")),
            whence,
        ));
    }
    Ok(values)
}

/// A dotenv file holds a few secrets: more than this is not one.
const DOTENV_MAX: u64 = 1 << 20;

/// Reads a dotenv file: a regular file only (a FIFO would block and `/dev/zero` never end;
/// checked before opening, since opening a FIFO already blocks), read up to `DOTENV_MAX`.
fn read_dotenv(path: &Path) -> Result<String> {
    use std::io::Read;
    let shown = display_path(path);
    let meta = std::fs::metadata(path).map_err(|e| Error::io(&shown, e))?;
    if !meta.is_file() {
        return Err(Error::usage(
            format!(
                "{}: a secret's dotenv file must be a regular file",
                shown.display()
            ),
            "point `dotenv:` in etl.yaml at a file of KEY=VALUE lines",
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(&shown, e))?;
    let mut bytes = Vec::new();
    file.take(DOTENV_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(&shown, e))?;
    if bytes.len() as u64 > DOTENV_MAX {
        return Err(Error::usage(
            format!("{}: this dotenv file is larger than 1 MiB", shown.display()),
            "point `dotenv:` in etl.yaml at a file of KEY=VALUE lines",
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::usage(
            format!("{}: this dotenv file is not UTF-8 text", shown.display()),
            "each line is KEY=VALUE",
        )
    })
}

/// A dotenv error that names the file and line, never the line's text: it may hold a secret.
fn dotenv_error(path: &Path, text: &str, e: dotenvy::Error) -> Error {
    let at = match &e {
        dotenvy::Error::LineParse(line, _) => text
            .find(line.as_str())
            .map(|i| format!(":{}", text[..i].matches('\n').count() + 1))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let what = match e {
        dotenvy::Error::LineParse(..) => "this line is not KEY=VALUE".to_string(),
        dotenvy::Error::Io(e) => e.to_string(),
        // Variable substitution names a variable, never a value.
        other => other.to_string(),
    };
    Error::usage(
        format!("{}{at}: {what}", display_path(path).display()),
        "each line is KEY=VALUE; quote a value that has spaces: KEY=\"a b\"",
    )
}

/// A yes/no question on the terminal (only ask when `term.interactive`). Esc or Ctrl-C is
/// `Error::Interrupted`; a "no" is for the caller to turn into `Error::Declined`.
/// Goes ahead with `--yes`; otherwise asks `question` on a terminal, and without one refuses,
/// naming `--yes` (`what` says what needs confirmation). "No" is `Error::Declined`.
pub fn confirm_or_yes(term: &Term, yes: bool, what: &str, question: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !term.interactive {
        return Err(Error::usage(
            format!("{what} needs confirmation"),
            "pass --yes",
        ));
    }
    if confirm(term, question)? {
        Ok(())
    } else {
        Err(Error::Declined)
    }
}

pub fn confirm(term: &Term, question: &str) -> Result<bool> {
    use crate::term::prompt::{PromptError, Prompter};
    match Prompter::new(term.color).confirm(question, false) {
        Ok(answer) => Ok(answer),
        Err(PromptError::Cancelled) => Err(Error::Interrupted),
        Err(PromptError::Terminal(e)) => Err(Error::io("the terminal", e)),
    }
}
