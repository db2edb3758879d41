//! Deterministic, valid Kubernetes names and label values for runs, CronJobs and Secrets.
//! The same (job, window, attempt) always gives the same name, so re-running a command finds
//! what an interrupted one created instead of duplicating it.

use crate::window::Window;
use sha2::{Digest, Sha256};

/// Label prefix for everything etl records on objects.
pub const PREFIX: &str = "etl.dev";

/// Kubernetes label values and Job names (whose pods carry the name as a label) max out at 63.
pub const MAX_LABEL: usize = 63;
/// The CronJob controller appends `-<11 digits>` to a CronJob's name for each Job it creates.
pub const MAX_CRONJOB: usize = 52;
/// Secret names are DNS subdomains.
pub const MAX_SUBDOMAIN: usize = 253;

fn short_hash(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest
        .iter()
        .take(3)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..5]
        .to_string()
}

/// Shortens `name` to `max` characters by replacing its tail with `--` and a hash of the whole
/// name, so two long names that share a prefix still differ. Job names cannot contain `--`
/// (etl.yaml refuses them), so a shortened name is never another job's real name.
pub fn fit(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let keep = max.saturating_sub(7);
    let head = name[..keep].trim_end_matches('-');
    format!("{head}--{}", short_hash(name))
}

/// A window's length as it appears in a run's name: in calendar units when the window is a
/// whole number of them in its time zone (`1mo`, `1w`, `1d`, a daylight-saving day included),
/// else `6h`, `90m`, `45s`. Each label gives back the end from the start (start + label), so
/// two windows with the same start never share a name.
fn compact_length(w: &Window) -> String {
    use jiff::ToSpan;
    let (start, end) = (&w.start, &w.end);
    let lands = |span: jiff::Span| {
        start
            .checked_add(span)
            .is_ok_and(|t| t.timestamp() == end.timestamp())
    };
    // Months only from a day every month has, so that adding them never clamps (Jan 31 + 1mo).
    let months = (i32::from(end.year()) - i32::from(start.year())) * 12 + i32::from(end.month())
        - i32::from(start.month());
    if start.day() <= 28 && months > 0 && lands(months.months()) {
        return format!("{months}mo");
    }
    let days = start.date().until(end.date()).map(|s| s.get_days());
    if let Ok(days) = days
        && days > 0
        && lands(days.days())
    {
        return match days % 7 {
            0 => format!("{}w", days / 7),
            _ => format!("{days}d"),
        };
    }
    match w.length().as_secs() {
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The window's start in local time, as compact as it can be while staying exact.
fn compact_start(w: &Window) -> String {
    let s = &w.start;
    if s.hour() == 0 && s.minute() == 0 && s.second() == 0 {
        s.strftime("%Y%m%d").to_string()
    } else if s.second() == 0 {
        s.strftime("%Y%m%dt%H%M").to_string()
    } else {
        s.strftime("%Y%m%dt%H%M%S").to_string()
    }
}

/// The run name, which is also the Kubernetes Job's name and the run id:
/// `ingest-sensors-20261122-1d-a1`. Deterministic for (job, window, attempt).
pub fn run_name(job: &str, window: &Window, attempt: u32) -> String {
    let suffix = format!(
        "-{}-{}-a{attempt}",
        compact_start(window),
        compact_length(window)
    );
    let head = fit(job, MAX_LABEL - suffix.len());
    format!("{head}{suffix}")
}

/// The CronJob that runs `job` on its schedule.
pub fn cronjob_name(job: &str) -> String {
    fit(job, MAX_CRONJOB)
}

/// The Kubernetes Secret for the etl.yaml secret `secret` of `project`.
pub fn secret_name(project: &str, secret: &str) -> String {
    fit(&format!("{project}-{secret}"), MAX_SUBDOMAIN)
}

/// A label value for a job name (label values max out at 63 characters).
pub fn job_label(job: &str) -> String {
    fit(job, MAX_LABEL)
}

/// A window bound as a label value (labels cannot hold `:` or `+`): `20261122T000000Z`.
pub fn instant_label(t: &jiff::Zoned) -> String {
    t.timestamp().strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// The run of one task of a workflow run (a Job in the cluster, a process here):
/// `<workflow run>-<task>`, then `-r<N>` from its second attempt on (a retry within the run, or
/// `etl workflows retry`). Deterministic for (workflow run, task, attempt).
pub fn task_run_name(workflow_run: &str, task: &str, attempt: u32) -> String {
    let suffix = if attempt > 1 {
        format!("-r{attempt}")
    } else {
        String::new()
    };
    let head = fit(&format!("{workflow_run}-{task}"), MAX_LABEL - suffix.len());
    format!("{head}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::WindowSpec;
    use jiff::tz::TimeZone;

    fn day(date: &str, tz: &str) -> Window {
        WindowSpec::Date(date.parse().unwrap())
            .resolve(
                "2026-11-23T00:00:00Z".parse().unwrap(),
                &TimeZone::get(tz).unwrap(),
            )
            .unwrap()
    }

    fn is_dns_label(s: &str) -> bool {
        s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    }

    #[test]
    fn task_run_names_follow_their_workflow_run_and_stay_valid() {
        assert_eq!(
            task_run_name("nightly-20261122-1d-a1", "ingest", 1),
            "nightly-20261122-1d-a1-ingest"
        );
        assert_eq!(
            task_run_name("nightly-20261122-1d-a1", "ingest", 3),
            "nightly-20261122-1d-a1-ingest-r3"
        );
        let long = task_run_name("nightly-20261122-1d-a1", &"t".repeat(60), 12);
        assert!(is_dns_label(&long) && long.ends_with("-r12"), "{long}");
        assert_ne!(
            long,
            task_run_name("nightly-20261122-1d-a1", &"t".repeat(61), 12)
        );
    }

    #[test]
    fn run_names_are_readable_and_deterministic() {
        let w = day("2026-11-22", "UTC");
        assert_eq!(
            run_name("ingest-sensors", &w, 1),
            "ingest-sensors-20261122-1d-a1"
        );
        assert_eq!(
            run_name("ingest-sensors", &w, 2),
            "ingest-sensors-20261122-1d-a2"
        );
        assert_eq!(
            run_name("ingest-sensors", &w, 1),
            run_name("ingest-sensors", &w, 1)
        );
    }

    #[test]
    fn a_week_and_a_day_starting_together_have_different_names() {
        let d = day("2026-11-16", "UTC");
        let week = WindowSpec::LastWeek
            .resolve("2026-11-23T10:00:00Z".parse().unwrap(), &TimeZone::UTC)
            .unwrap();
        assert_ne!(run_name("j", &d, 1), run_name("j", &week, 1));
        assert_eq!(run_name("j", &week, 1), "j-20261116-1w-a1");
    }

    #[test]
    fn windows_of_whole_calendar_periods_are_named_by_the_period() {
        let range = |a: &str, b: &str, tz: &str| {
            let w = WindowSpec::Range(
                crate::window::parse_instant(a).unwrap(),
                crate::window::parse_instant(b).unwrap(),
            )
            .resolve(
                "2026-11-23T00:00:00Z".parse().unwrap(),
                &TimeZone::get(tz).unwrap(),
            )
            .unwrap();
            run_name("j", &w, 1)
        };
        // Daylight-saving days are still one day (23 and 25 hours).
        assert_eq!(
            run_name("j", &day("2026-03-29", "Europe/Paris"), 1),
            "j-20260329-1d-a1"
        );
        assert_eq!(
            run_name("j", &day("2026-11-01", "America/New_York"), 1),
            "j-20261101-1d-a1"
        );
        assert_eq!(
            range("2026-03-01", "2026-04-01", "Europe/Paris"),
            "j-20260301-1mo-a1"
        );
        assert_eq!(
            range("2026-02-01", "2026-03-01", "UTC"),
            "j-20260201-1mo-a1"
        );
        assert_eq!(
            range("2026-01-01", "2027-01-01", "UTC"),
            "j-20260101-12mo-a1"
        );
        assert_eq!(
            range("2026-03-23", "2026-03-30", "Europe/Paris"),
            "j-20260323-1w-a1"
        );
        assert_eq!(range("2026-11-01", "2026-11-04", "UTC"), "j-20261101-3d-a1");
        assert_eq!(
            range("2026-11-01T06:00", "2026-11-01T12:00", "UTC"),
            "j-20261101t0600-6h-a1"
        );
        // 24 hours across a daylight-saving change is not a calendar day.
        assert_eq!(
            range("2026-03-29T00:00", "2026-03-30T01:00", "Europe/Paris"),
            "j-20260329-24h-a1"
        );
        assert_eq!(
            range("2026-11-01T06:00", "2026-11-01T06:01:30", "UTC"),
            "j-20261101t0600-90s-a1"
        );
    }

    #[test]
    fn long_job_names_are_shortened_with_a_hash_and_stay_valid() {
        let long = "aggregate-hourly-sensor-readings-for-every-district-in-the-bay-area-and-beyond";
        let other =
            "aggregate-hourly-sensor-readings-for-every-district-in-the-bay-area-and-around";
        let w = day("2026-11-22", "UTC");
        let a = run_name(long, &w, 1);
        let b = run_name(other, &w, 1);
        assert!(is_dns_label(&a), "{a}");
        assert!(is_dns_label(&b), "{b}");
        assert_ne!(a, b);
        assert!(a.ends_with("-20261122-1d-a1"));
        let c = cronjob_name(long);
        assert!(c.len() <= 52 && is_dns_label(&c), "{c}");
        assert_eq!(c, cronjob_name(long));
    }

    #[test]
    fn short_names_are_kept_as_they_are() {
        assert_eq!(fit("ingest", 63), "ingest");
        assert_eq!(
            secret_name("air-quality", "warehouse"),
            "air-quality-warehouse"
        );
    }

    #[test]
    fn window_label_values_are_valid() {
        let w = day("2026-11-22", "Europe/Paris");
        assert_eq!(instant_label(&w.start), "20261121T230000Z");
    }
}
