//! etl.yaml's optional `retention:` section: how long the cluster keeps a finished run (its
//! Job, pods and logs; a workflow run's ConfigMap) and how long it keeps the run's history
//! record. Pure.

use super::ConfigError;
use jiff::SignedDuration;
use serde::Deserialize;
use std::path::Path;

/// The section as etl.yaml writes it: durations like `14d`, `2y`, or `forever`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RetentionSpec {
    #[serde(default)]
    runs: Option<String>,
    #[serde(default)]
    records: Option<String>,
}

/// How long things are kept after a run ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    /// A finished run's Job, its pods and their logs (the Job's `ttlSecondsAfterFinished`),
    /// and a finished workflow run's ConfigMap. 14 days unless etl.yaml says otherwise.
    pub runs: SignedDuration,
    /// A run's history record; None keeps records forever (the default: they are small, and
    /// they are the audit of which windows ran).
    pub records: Option<SignedDuration>,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            runs: SignedDuration::from_hours(14 * 24),
            records: None,
        }
    }
}

impl Retention {
    /// `runs` in whole seconds, as Kubernetes' `ttlSecondsAfterFinished` takes it.
    pub fn runs_seconds(&self) -> i64 {
        self.runs.as_secs()
    }

    /// `runs` for messages: "14 days", "36 hours".
    pub fn runs_text(&self) -> String {
        in_words(self.runs)
    }
}

/// A retention as people say it: "14 days", "1 day", "36 hours" (etl.yaml's durations are
/// whole hours).
pub fn in_words(d: SignedDuration) -> String {
    let hours = d.as_secs() / 3600;
    let (n, unit) = if hours % 24 == 0 {
        (hours / 24, "day")
    } else {
        (hours, "hour")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// A duration of etl.yaml: days, weeks and years are fixed lengths here (24 h, 7 d, 365 d),
/// as Kubernetes counts a TTL in seconds. None when it is not one.
fn duration(text: &str) -> Option<SignedDuration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = t.split_at(split);
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    let hours = match unit.trim() {
        "h" => 1,
        "d" => 24,
        "w" => 7 * 24,
        "y" => 365 * 24,
        _ => return None,
    };
    n.checked_mul(hours)
        .and_then(|h| h.checked_mul(3600))
        .map(SignedDuration::from_secs)
}

/// Checks the section.
pub(super) fn validate(
    file: &Path,
    spec: Option<&RetentionSpec>,
) -> Result<Retention, ConfigError> {
    let mut r = Retention::default();
    let Some(spec) = spec else {
        return Ok(r);
    };
    let bad = |key: &str, v: &str| {
        ConfigError::new(file, format!("`{v}` is not a duration"))
            .field(format!("retention.{key}"))
            .hint("a number and h, d, w or y: e.g. 14d, 2w, 2y (records also take `forever`)")
    };
    if let Some(v) = &spec.runs {
        r.runs = duration(v).ok_or_else(|| bad("runs", v))?;
    }
    if let Some(v) = &spec.records {
        r.records = match v.trim() {
            "forever" => None,
            _ => Some(duration(v).ok_or_else(|| bad("records", v))?),
        };
    }
    if let Some(records) = r.records
        && records < r.runs
    {
        // A record is what outlives the run: removing it first would lose runs from history.
        return Err(ConfigError::new(
            file,
            format!(
                "records are kept {}, less than the runs themselves ({})",
                in_words(records),
                in_words(r.runs)
            ),
        )
        .field("retention.records")
        .hint("keep records at least as long as runs (or `forever`)"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(runs: Option<&str>, records: Option<&str>) -> Result<Retention, ConfigError> {
        validate(
            Path::new("etl.yaml"),
            Some(&RetentionSpec {
                runs: runs.map(str::to_string),
                records: records.map(str::to_string),
            }),
        )
    }

    #[test]
    fn defaults_keep_runs_two_weeks_and_records_forever() {
        let r = validate(Path::new("etl.yaml"), None).unwrap();
        assert_eq!(r.runs_seconds(), 1_209_600);
        assert_eq!(r.records, None);
    }

    #[test]
    fn durations_read_as_fixed_lengths() {
        let r = check(Some("36h"), Some("2y")).unwrap();
        assert_eq!(r.runs_seconds(), 36 * 3600);
        assert_eq!(r.records, Some(SignedDuration::from_hours(2 * 365 * 24)));
        assert_eq!(check(Some("1w"), Some("forever")).unwrap().records, None);
        assert_eq!(check(Some("3d"), None).unwrap().runs_text(), "3 days");
        assert_eq!(check(Some("1h"), None).unwrap().runs_text(), "1 hour");
        assert_eq!(check(Some("36h"), None).unwrap().runs_text(), "36 hours");
        assert_eq!(Retention::default().runs_text(), "14 days");
    }

    #[test]
    fn bad_durations_name_the_field() {
        for (runs, records, field) in [
            (Some("two weeks"), None, "retention.runs"),
            (Some("0d"), None, "retention.runs"),
            (None, Some("1mo"), "retention.records"),
            (Some("30d"), Some("7d"), "retention.records"),
        ] {
            let e = check(runs, records).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{runs:?} {records:?}");
        }
    }
}
