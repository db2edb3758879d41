//! Completing a command line by asking: the job (a fuzzy picker), the window, the job's params,
//! then a summary to confirm. Only what the flags left out is asked, and only when a person is
//! at the terminal (`Term::interactive`); otherwise a missing job or window is a usage error
//! naming the flags. The questions are I/O (`term::prompt`); checking answers and turning them
//! into the equivalent command line are pure functions in `cmdline`.

use super::Ctx;
use super::window_flags::WINDOW_FLAGS;
use crate::cli::OverrideArgs;
use crate::cmdline::{
    date_window, equivalent, param_answer, range_window, shell_line, value_text, verb,
};
use crate::error::{Error, Result};
use crate::project::{Job, ParamSpec, ParamType, Project};
use crate::term::Term;
use crate::term::prompt::{PromptError, Prompter};
use crate::window::{Period, Window, WindowSpec, parse_instant};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// What the command line gave.
#[derive(Debug, Default)]
pub struct Given {
    pub job: Option<String>,
    pub window: Option<WindowSpec>,
    pub overrides: OverrideArgs,
    /// `--yes`: no confirmation after the questions.
    pub yes: bool,
    /// The command's one "now", read once by the caller: the window the questions show is
    /// resolved against it, and so is the window that runs, however long the questions take
    /// (past midnight, `--yesterday` would otherwise mean another day).
    pub now: Timestamp,
}

/// A complete request: the command line's values and the answers.
#[derive(Debug)]
pub struct Picked {
    pub job: String,
    /// The window asked for, resolved against `Given::now` in the job's time zone: the window
    /// the summary showed, for the command to run.
    pub resolved: Window,
    /// The command line's `--config` and `--set`, then the answers to the job's params as
    /// `key=value` (only those that differ from the job's current value).
    pub overrides: OverrideArgs,
    /// Whether anything was asked: only then is the equivalent command worth printing.
    pub asked: bool,
    argv: Vec<String>,
}

impl Picked {
    /// Adds the caller's own flags to the equivalent command line (e.g. `--step 1d`).
    pub fn also<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, words: I) {
        self.argv.extend(words.into_iter().map(Into::into));
    }

    /// The equivalent non-interactive command, quoted for a POSIX shell.
    pub fn command_line(&self) -> String {
        shell_line(&self.argv)
    }

    /// After the command's work: how to do the same without the questions (stderr).
    pub fn tell_next_time(&self, term: &Term) {
        if self.asked {
            term.note(format!("next time: {}", self.command_line()));
        }
    }
}

/// Fills in what `given` lacks for `etl {command}` (e.g. "jobs run"): returns at once when the
/// job and the window are both given; asks on a terminal; otherwise fails with the flags to
/// pass (exit 2). Esc or Ctrl-C at a question is `Error::Interrupted` (exit 130), "no" at the
/// confirmation `Error::Declined` (exit 0), both before anything is created or run.
pub fn complete(ctx: &Ctx, project: &Project, command: &str, given: Given) -> Result<Picked> {
    // A misspelt job or a bad --config fails before any question.
    let job = match &given.job {
        Some(name) => {
            Some(project.job_with_overrides(name, &given.overrides.set, &given.overrides.config)?)
        }
        None => None,
    };
    if let (Some(job), Some(window)) = (&job, &given.window) {
        return Ok(Picked {
            argv: equivalent(
                ctx.file.as_deref(),
                command,
                &job.name,
                window,
                &given.overrides.config,
                &given.overrides.set,
            ),
            job: job.name.clone(),
            resolved: resolve(window, given.now, &job.tz)?,
            overrides: given.overrides,
            asked: false,
        });
    }
    if !ctx.term.interactive {
        return Err(missing(project, command, given.job.as_deref()));
    }
    let prompter = Prompter::new(ctx.term.color);
    let picked = ask(&prompter, ctx, project, command, given);
    // Shows the cursor and gives Ctrl-C back its usual meaning before the command goes on.
    drop(prompter);
    if let Err(Error::Interrupted) = &picked {
        ctx.term.note("cancelled: nothing was started");
    }
    picked
}

impl From<PromptError> for Error {
    fn from(e: PromptError) -> Error {
        match e {
            PromptError::Cancelled => Error::Interrupted,
            PromptError::Terminal(e) => Error::environment(
                format!("cannot ask on this terminal: {e}"),
                Some(format!(
                    "pass the job and one of {WINDOW_FLAGS}, with --no-input"
                )),
            ),
        }
    }
}

fn ask(p: &Prompter, ctx: &Ctx, project: &Project, command: &str, given: Given) -> Result<Picked> {
    let Given {
        job,
        window,
        mut overrides,
        yes,
        now,
    } = given;
    let name = match job {
        Some(name) => name,
        None => pick_job(p, project)?,
    };
    let job = project.job_with_overrides(&name, &overrides.set, &overrides.config)?;
    let window = match window {
        Some(w) => w,
        None => ask_window(p, &job, now)?,
    };
    let given_keys: Vec<&str> = overrides
        .config
        .iter()
        .filter_map(|c| c.split_once('=').map(|(k, _)| k))
        .collect();
    let mut answers = Vec::new();
    for (pname, spec) in &job.params {
        if given_keys.contains(&pname.as_str()) {
            continue;
        }
        let current = job.config.get(pname).map(value_text);
        // None: left unset, as without `--config` (a param with no value yet).
        if let Some(answer) = ask_param(p, pname, spec, current.as_deref())?
            && current.as_deref() != Some(answer.as_str())
        {
            answers.push(format!("{pname}={answer}"));
        }
    }
    overrides.config.extend(answers);
    // The answers were checked one by one; this checks them together, as the run will.
    let job = project.job_with_overrides(&name, &overrides.set, &overrides.config)?;
    let resolved = resolve(&window, now, &job.tz)?;
    let verb = verb(command);
    p.say(&format!("{verb} {name}"))?;
    p.say(&format!("  window  {resolved} ({})", job.timezone))?;
    let params: Vec<String> = job
        .params
        .keys()
        .filter_map(|k| job.config.get(k).map(|v| format!("{k}={}", value_text(v))))
        .collect();
    if !params.is_empty() {
        p.say(&format!("  params  {}", params.join(" ")))?;
    }
    if !yes && !p.confirm(&format!("{verb} {name} now?"), true)? {
        return Err(Error::Declined);
    }
    Ok(Picked {
        argv: equivalent(
            ctx.file.as_deref(),
            command,
            &name,
            &window,
            &overrides.config,
            &overrides.set,
        ),
        job: name,
        resolved,
        overrides,
        asked: true,
    })
}

fn resolve(spec: &WindowSpec, now: Timestamp, tz: &TimeZone) -> Result<Window> {
    spec.resolve(now, tz).map_err(|source| Error::Window {
        flag: "window",
        source,
    })
}

fn pick_job(p: &Prompter, project: &Project) -> Result<String> {
    let names: Vec<&String> = project.jobs.keys().collect();
    match names.as_slice() {
        [] => Err(Error::usage(
            "etl.yaml declares no job",
            "declare one under `jobs:`",
        )),
        [only] => {
            p.say(&format!("Job: {only} (the only one)"))?;
            Ok((*only).clone())
        }
        _ => {
            let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
            let items: Vec<String> = project
                .jobs
                .values()
                .map(|j| format!("{:<width$}  {}", j.name, j.description))
                .collect();
            let i = p.fuzzy("Job (type to filter)", &items)?;
            Ok(names[i].clone())
        }
    }
}

/// The window menu: the usual windows with their resolved `[start, end)`, or a typed date or
/// range, checked as it is entered.
fn ask_window(p: &Prompter, job: &Job, now: Timestamp) -> Result<WindowSpec> {
    let tz = &job.tz;
    let fixed = [
        (WindowSpec::Yesterday, "yesterday"),
        (WindowSpec::Today, "today"),
        (WindowSpec::LastWeek, "last week"),
    ];
    let mut items: Vec<String> = fixed
        .iter()
        .map(|(spec, label)| match spec.resolve(now, tz) {
            Ok(w) => format!("{label:<10} {w}"),
            Err(_) => label.to_string(),
        })
        .collect();
    items.push("a date…".into());
    items.push("a custom range…".into());
    let default = if job.window == Period::Week { 2 } else { 0 };
    let prompt = format!("Window (in {})", job.timezone);
    let spec = match p.select(&prompt, &items, default)? {
        i @ 0..=2 => fixed[i].0.clone(),
        3 => {
            let yesterday = now
                .to_zoned(tz.clone())
                .date()
                .yesterday()
                .map(|d| d.to_string())
                .ok();
            let text = p.text("Date (YYYY-MM-DD)", yesterday.as_deref(), &|s| {
                date_window(s, now, tz).map(|_| ())
            })?;
            date_window(&text, now, tz).map_err(|m| Error::usage(m, "YYYY-MM-DD"))?
        }
        _ => {
            let start = p.text("Start (YYYY-MM-DD or RFC 3339)", None, &|s| {
                parse_instant(s).map(|_| ()).map_err(|e| e.to_string())
            })?;
            let end = p.text("End, not included", None, &|s| {
                range_window(&start, s, now, tz).map(|_| ())
            })?;
            range_window(&start, &end, now, tz).map_err(|m| Error::usage(m, "--start T --end T"))?
        }
    };
    if let Ok(w) = spec.resolve(now, tz) {
        p.say(&format!("  = {w}"))?;
    }
    Ok(spec)
}

/// What a menu shows for leaving a param without a value unset.
const NOT_SET: &str = "(not set)";

/// One param: a menu for a choice, yes/no for a bool, else a line checked against its type.
/// The job's current value (its config, else the param's default) is the default answer.
///
/// One rule with the command line: a param with no value (no default, not in the config) may
/// stay unset, as it does when `--config` leaves it out. Its default answer is then "unset"
/// (Enter on an empty line, or `(not set)` in a menu), and the answer is None.
fn ask_param(
    p: &Prompter,
    name: &str,
    spec: &ParamSpec,
    current: Option<&str>,
) -> Result<Option<String>> {
    let title = match &spec.help {
        Some(help) => format!("{name} ({}) — {help}", spec.kind.as_str()),
        None => format!("{name} ({})", spec.kind.as_str()),
    };
    let optional = current.is_none();
    Ok(match spec.kind {
        ParamType::Choice | ParamType::Bool if optional => {
            let mut items = match spec.kind {
                ParamType::Bool => vec!["true".to_string(), "false".to_string()],
                _ => spec.choices.clone().unwrap_or_default(),
            };
            items.insert(0, NOT_SET.to_string());
            match p.select(&title, &items, 0)? {
                0 => None,
                i => Some(items[i].clone()),
            }
        }
        ParamType::Choice => {
            let choices = spec.choices.clone().unwrap_or_default();
            let default = choices
                .iter()
                .position(|c| Some(c.as_str()) == current)
                .unwrap_or(0);
            Some(choices[p.select(&title, &choices, default)?].clone())
        }
        ParamType::Bool => Some(p.confirm(&title, current == Some("true"))?.to_string()),
        ParamType::String | ParamType::Int | ParamType::Date => {
            let text = p.text(&title, current, &|s| {
                param_answer(name, spec, s, optional).map(|_| ())
            })?;
            param_answer(name, spec, &text, optional)
                .map_err(|m| Error::usage(m, "answer again"))?
        }
    })
}

/// The error when a job or window is missing and nobody can be asked.
fn missing(project: &Project, command: &str, job: Option<&str>) -> Error {
    match job {
        None => Error::usage(
            format!("which job? `etl {command}` needs a job and a window"),
            format!(
                "e.g. etl {command} {} --yesterday (the jobs are: {})",
                project
                    .jobs
                    .keys()
                    .next()
                    .map(String::as_str)
                    .unwrap_or("JOB"),
                project.jobs.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        ),
        Some(name) => Error::usage(
            format!("which window should `{name}` process?"),
            format!("pass one of {WINDOW_FLAGS}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_window_is_resolved_once_against_the_commands_now() {
        let project = crate::project::parse(
            Path::new("etl.yaml"),
            "project: demo\njobs:\n  j:\n    command: [true]\n    timezone: America/Los_Angeles\n",
        )
        .unwrap();
        let ctx = Ctx::new(
            None,
            Term {
                quiet: true,
                verbose: 0,
                color: false,
                progress: false,
                interactive: false,
            },
        );
        // A second before midnight in Los Angeles; the wall clock is another day entirely.
        let now: Timestamp = "2026-11-23T07:59:59Z".parse().unwrap();
        let picked = complete(
            &ctx,
            &project,
            "jobs run",
            Given {
                job: Some("j".into()),
                window: Some(WindowSpec::Yesterday),
                now,
                ..Given::default()
            },
        )
        .unwrap();
        assert_eq!(
            picked.resolved.to_string(),
            "[2026-11-21T00:00:00-08:00, 2026-11-22T00:00:00-08:00)"
        );
    }
}
