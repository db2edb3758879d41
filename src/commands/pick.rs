//! Completing a command line by asking: the job (a fuzzy picker), the window, the job's params,
//! then a summary to confirm. Only what the flags left out is asked, and only when a person is
//! at the terminal (`Term::interactive`); otherwise a missing job or window is a usage error
//! naming the flags. The questions are I/O (`term::prompt`); checking answers and turning them
//! into the equivalent command line are pure functions, tested below.

use super::Ctx;
use super::window_flags::WINDOW_FLAGS;
use crate::cli::OverrideArgs;
use crate::error::{Error, Result};
use crate::project::{Job, ParamSpec, ParamType, Project, typed_param};
use crate::term::Term;
use crate::term::prompt::{PromptError, Prompter};
use crate::window::{Instant, Period, Window, WindowSpec, parse_date, parse_instant};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;
use std::borrow::Cow;
use std::path::Path;

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
                &given.overrides,
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
        argv: equivalent(ctx.file.as_deref(), command, &name, &window, &overrides),
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

/// A typed `--date`: a date whose day resolves in the job's time zone.
fn date_window(s: &str, now: Timestamp, tz: &TimeZone) -> Result<WindowSpec, String> {
    let spec = WindowSpec::Date(parse_date(s).map_err(|e| e.to_string())?);
    spec.resolve(now, tz).map_err(|e| e.to_string())?;
    Ok(spec)
}

/// A typed `--start/--end`: two instants, the end after the start.
fn range_window(
    start: &str,
    end: &str,
    now: Timestamp,
    tz: &TimeZone,
) -> Result<WindowSpec, String> {
    let a = parse_instant(start).map_err(|e| e.to_string())?;
    let b = parse_instant(end).map_err(|e| e.to_string())?;
    let spec = WindowSpec::Range(a, b);
    spec.resolve(now, tz).map_err(|e| e.to_string())?;
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

/// A typed answer to a param, checked against its type, as `--config key=VALUE` would take it.
/// An empty answer leaves an `optional` param (one with no value yet) unset: None.
pub fn param_answer(
    name: &str,
    spec: &ParamSpec,
    raw: &str,
    optional: bool,
) -> Result<Option<String>, String> {
    if raw.trim().is_empty() {
        return if optional {
            Ok(None)
        } else {
            Err(format!("`{name}` needs a value"))
        };
    }
    typed_param(name, spec, &Value::String(raw.to_string())).map(|v| Some(value_text(&v)))
}

/// A config value as `--config key=VALUE` spells it.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "jobs run" → "Run", "jobs schedule" → "Schedule".
fn verb(command: &str) -> String {
    let last = command.split_whitespace().last().unwrap_or(command);
    let mut chars = last.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
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

/// The flags that give `spec`.
pub fn window_flags(spec: &WindowSpec) -> Vec<String> {
    let instant = |i: &Instant| match i {
        Instant::Date(d) => d.to_string(),
        Instant::Local(t) => t.to_string(),
        Instant::Timestamp(t) => t.to_string(),
    };
    match spec {
        WindowSpec::Yesterday => vec!["--yesterday".into()],
        WindowSpec::Today => vec!["--today".into()],
        WindowSpec::LastWeek => vec!["--last-week".into()],
        WindowSpec::Date(d) => vec!["--date".into(), d.to_string()],
        WindowSpec::Range(a, b) => vec!["--start".into(), instant(a), "--end".into(), instant(b)],
    }
}

/// The words of `etl [-f FILE] COMMAND JOB WINDOW [--config k=v]... [--set p=v]...`.
pub fn equivalent(
    file: Option<&Path>,
    command: &str,
    job: &str,
    window: &WindowSpec,
    o: &OverrideArgs,
) -> Vec<String> {
    let mut argv = vec!["etl".to_string()];
    if let Some(f) = file {
        argv.push("-f".into());
        argv.push(f.display().to_string());
    }
    argv.extend(command.split_whitespace().map(String::from));
    argv.push(job.to_string());
    argv.extend(window_flags(window));
    for c in &o.config {
        argv.push("--config".into());
        argv.push(c.clone());
    }
    for s in &o.set {
        argv.push("--set".into());
        argv.push(s.clone());
    }
    argv
}

/// A word as a POSIX shell reads it back unchanged: as it is when that is safe, else in single
/// quotes (a `'` inside becomes `'\''`).
pub fn shell_quote(word: &str) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c);
    if !word.is_empty() && !word.starts_with('=') && word.chars().all(safe) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

pub fn shell_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: ParamType, choices: Option<&[&str]>) -> ParamSpec {
        ParamSpec {
            kind,
            default: None,
            choices: choices.map(|c| c.iter().map(|s| s.to_string()).collect()),
            help: None,
        }
    }

    #[test]
    fn plain_words_are_not_quoted() {
        assert_eq!(shell_quote("daily-averages"), "daily-averages");
        assert_eq!(shell_quote("pollutant=no2"), "pollutant=no2");
        assert_eq!(shell_quote("2026-11-01T06:00:00Z"), "2026-11-01T06:00:00Z");
        assert_eq!(
            shell_quote("examples/air-quality/etl.yaml"),
            "examples/air-quality/etl.yaml"
        );
    }

    #[test]
    fn words_a_shell_would_change_are_single_quoted() {
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("note=hello world"), "'note=hello world'");
        assert_eq!(shell_quote("x=$HOME"), "'x=$HOME'");
        assert_eq!(shell_quote("a=b;rm -rf /"), "'a=b;rm -rf /'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("~/x"), "'~/x'");
        assert_eq!(shell_quote("=cmd"), "'=cmd'", "zsh expands a leading =");
        assert_eq!(shell_quote("a*"), "'a*'");
    }

    #[test]
    fn the_equivalent_command_has_every_flag() {
        let o = OverrideArgs {
            config: vec!["pollutant=no2".into(), "note=two words".into()],
            set: vec!["resources.memory=8Gi".into()],
        };
        let date = WindowSpec::Date("2026-11-22".parse().unwrap());
        assert_eq!(
            shell_line(&equivalent(None, "jobs run", "daily-averages", &date, &o)),
            "etl jobs run daily-averages --date 2026-11-22 --config pollutant=no2 \
             --config 'note=two words' --set resources.memory=8Gi"
        );
        let range = WindowSpec::Range(
            parse_instant("2026-11-01").unwrap(),
            parse_instant("2026-11-02T06:00:00Z").unwrap(),
        );
        assert_eq!(
            shell_line(&equivalent(
                Some(Path::new("my project/etl.yaml")),
                "jobs schedule",
                "ingest",
                &range,
                &OverrideArgs::default()
            )),
            "etl -f 'my project/etl.yaml' jobs schedule ingest \
             --start 2026-11-01 --end 2026-11-02T06:00:00Z"
        );
        assert_eq!(
            window_flags(&WindowSpec::LastWeek),
            vec!["--last-week".to_string()]
        );
    }

    #[test]
    fn answers_are_checked_against_the_param_type() {
        let int = spec(ParamType::Int, None);
        assert_eq!(
            param_answer("n", &int, " 12 ", false),
            Ok(Some("12".into()))
        );
        assert_eq!(
            param_answer("n", &int, "twelve", false),
            Err("`n` is an int, `twelve` is not".into())
        );
        let date = spec(ParamType::Date, None);
        assert_eq!(
            param_answer("d", &date, "2026-11-22", false),
            Ok(Some("2026-11-22".into()))
        );
        assert!(
            param_answer("d", &date, "2026-02-30", false)
                .unwrap_err()
                .contains("is a date (YYYY-MM-DD)")
        );
        let b = spec(ParamType::Bool, None);
        assert_eq!(param_answer("b", &b, "yes", false), Ok(Some("true".into())));
        let c = spec(ParamType::Choice, Some(&["pm25", "no2"]));
        assert_eq!(param_answer("c", &c, "no2", false), Ok(Some("no2".into())));
        assert!(
            param_answer("c", &c, "o3", false)
                .unwrap_err()
                .contains("one of pm25, no2")
        );
        let s = spec(ParamType::String, None);
        assert_eq!(
            param_answer("s", &s, "raw bucket", false),
            Ok(Some("raw bucket".into()))
        );
        assert_eq!(
            param_answer("s", &s, "  ", false),
            Err("`s` needs a value".into())
        );
        // A param without a value may stay unset, as without --config; a typed answer is
        // still checked.
        assert_eq!(param_answer("d", &date, "", true), Ok(None));
        assert!(param_answer("d", &date, "soon", true).is_err());
    }

    #[test]
    fn typed_windows_are_refused_with_the_reason() {
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let tz = TimeZone::get("America/Los_Angeles").unwrap();
        assert_eq!(
            date_window("2026-11-22", now, &tz),
            Ok(WindowSpec::Date("2026-11-22".parse().unwrap()))
        );
        assert!(
            date_window("22/11/2026", now, &tz)
                .unwrap_err()
                .contains("is not a date (YYYY-MM-DD)")
        );
        assert!(
            range_window("2026-11-05", "2026-11-01", now, &tz)
                .unwrap_err()
                .contains("the window is empty")
        );
        assert!(range_window("2026-11-01", "2026-11-05", now, &tz).is_ok());
    }

    #[test]
    fn the_window_is_resolved_once_against_the_commands_now() {
        let project = crate::project::parse(
            Path::new("etl.yaml"),
            "project: demo\njobs:\n  j:\n    command: [true]\n    timezone: America/Los_Angeles\n",
        )
        .unwrap();
        let ctx = Ctx {
            file: None,
            term: Term {
                quiet: true,
                verbose: 0,
                color: false,
                progress: false,
                interactive: false,
            },
        };
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

    #[test]
    fn the_confirmation_names_the_command() {
        assert_eq!(verb("jobs run"), "Run");
        assert_eq!(verb("jobs schedule"), "Schedule");
    }
}
