//! Command lines, pure: the etl command that a picker's answers amount to (printed so the
//! next run needs no questions), quoted for a POSIX shell; typed answers (a param, a `--date`,
//! a `--start/--end`) checked as the flags would check them.

use crate::project::{ParamSpec, typed_param};
use crate::window::{Instant, WindowSpec, parse_date, parse_instant};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;
use std::borrow::Cow;
use std::path::Path;

/// A typed `--date`: a date whose day resolves in the job's time zone.
pub fn date_window(s: &str, now: Timestamp, tz: &TimeZone) -> Result<WindowSpec, String> {
    let spec = WindowSpec::Date(parse_date(s).map_err(|e| e.to_string())?);
    spec.resolve(now, tz).map_err(|e| e.to_string())?;
    Ok(spec)
}

/// A typed `--start/--end`: two instants, the end after the start.
pub fn range_window(
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
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "jobs run" → "Run", "jobs schedule" → "Schedule".
pub fn verb(command: &str) -> String {
    let last = command.split_whitespace().last().unwrap_or(command);
    let mut chars = last.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
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

/// The words of `etl [-f FILE] COMMAND JOB WINDOW [--config k=v]... [--set p=v]...`: the
/// command line that does what the answers to the picker asked for.
pub fn equivalent(
    file: Option<&Path>,
    command: &str,
    job: &str,
    window: &WindowSpec,
    configs: &[String],
    sets: &[String],
) -> Vec<String> {
    let mut argv = vec!["etl".to_string()];
    if let Some(f) = file {
        argv.push("-f".into());
        argv.push(f.display().to_string());
    }
    argv.extend(command.split_whitespace().map(String::from));
    argv.push(job.to_string());
    argv.extend(window_flags(window));
    for c in configs {
        argv.push("--config".into());
        argv.push(c.clone());
    }
    for s in sets {
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

/// The words as one line a POSIX shell reads back as the same words.
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
    use crate::project::ParamType;

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
        let config = ["pollutant=no2".to_string(), "note=two words".into()];
        let set = ["resources.memory=8Gi".to_string()];
        let date = WindowSpec::Date("2026-11-22".parse().unwrap());
        assert_eq!(
            shell_line(&equivalent(
                None,
                "jobs run",
                "daily-averages",
                &date,
                &config,
                &set
            )),
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
                &[],
                &[]
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
    fn the_confirmation_names_the_command() {
        assert_eq!(verb("jobs run"), "Run");
        assert_eq!(verb("jobs schedule"), "Schedule");
    }
}
