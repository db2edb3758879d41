//! What `etl jobs list` says about each job's runs: the newest one the cluster knows and the
//! next time the schedule fires. Pure: runs, schedules, time zones and "now" are arguments.

use super::RunSummary;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use std::collections::HashMap;

/// The next time `schedule` (five fields or an `@daily`-style macro) fires strictly after
/// `now`, in `tz`, as the CronJob controller would fire it. None for a schedule croner cannot
/// read (etl.yaml validation has already refused those).
pub fn next_time(schedule: &str, tz: &TimeZone, now: Timestamp) -> Option<Zoned> {
    next_of(&schedule.parse().ok()?, tz, now)
}

/// [`next_time`] of a schedule already parsed, for callers that ask many times.
pub fn next_of(cron: &croner::Cron, tz: &TimeZone, now: Timestamp) -> Option<Zoned> {
    cron.find_next_occurrence(&now.to_zoned(tz.clone()), false)
        .ok()
}

/// When a run happened, for ordering: when it started, else when it was created.
fn when(r: &RunSummary) -> Option<Timestamp> {
    r.started.or(r.created)
}

/// The newest run of each job, keyed by the `etl.dev/job` label value. Ties (the same second)
/// go to the later name, which for one window is the later attempt.
pub fn newest_per_job(runs: Vec<RunSummary>) -> HashMap<String, RunSummary> {
    let mut newest: HashMap<String, RunSummary> = HashMap::new();
    for r in runs {
        keep_newest(&mut newest, r);
    }
    newest
}

/// Adds one run to [`newest_per_job`]'s answer, for runs that arrive a page at a time.
pub fn keep_newest(newest: &mut HashMap<String, RunSummary>, r: RunSummary) {
    let replace = match newest.get(&r.job) {
        None => true,
        Some(n) => (when(&r), &r.created, &r.name) > (when(n), &n.created, &n.name),
    };
    if replace {
        newest.insert(r.job.clone(), r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::RunState;

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    #[test]
    fn the_next_time_is_in_the_jobs_time_zone() {
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap(); // 02:00 in Los Angeles
        let next = next_time("0 2 * * *", &tz("America/Los_Angeles"), now).unwrap();
        assert_eq!(
            next.to_string(),
            "2026-11-24T02:00:00-08:00[America/Los_Angeles]"
        );
        let next = next_time("0 2 * * *", &TimeZone::UTC, now).unwrap();
        assert_eq!(next.timestamp().to_string(), "2026-11-24T02:00:00Z");
        let next = next_time("@hourly", &TimeZone::UTC, now).unwrap();
        assert_eq!(next.timestamp().to_string(), "2026-11-23T11:00:00Z");
    }

    #[test]
    fn the_next_time_follows_a_daylight_saving_change() {
        // Paris leaves summer time on 2026-10-25: 06:00 is 04:00 UTC on the 24th, 05:00 on the 25th.
        let now: Timestamp = "2026-10-24T12:00:00Z".parse().unwrap();
        let next = next_time("0 6 * * *", &tz("Europe/Paris"), now).unwrap();
        assert_eq!(next.timestamp().to_string(), "2026-10-25T05:00:00Z");
    }

    fn run(job: &str, name: &str, started: Option<&str>, created: &str) -> RunSummary {
        RunSummary {
            name: name.into(),
            job: job.into(),
            window_start: None,
            window_end: None,
            state: RunState::Succeeded,
            attempt: 1,
            trigger: "manual".into(),
            started_by: None,
            created: Some(created.parse().unwrap()),
            started: started.map(|s| s.parse().unwrap()),
            finished: None,
            reason: None,
            workflow_run: None,
        }
    }

    #[test]
    fn the_newest_run_of_each_job_wins() {
        let newest = newest_per_job(vec![
            run(
                "a",
                "a-1",
                Some("2026-11-22T02:00:00Z"),
                "2026-11-22T02:00:00Z",
            ),
            run("a", "a-3", None, "2026-11-23T09:00:00Z"),
            run(
                "a",
                "a-2",
                Some("2026-11-23T02:00:00Z"),
                "2026-11-23T02:00:00Z",
            ),
            run(
                "b",
                "b-1",
                Some("2026-11-20T02:00:00Z"),
                "2026-11-20T02:00:00Z",
            ),
        ]);
        assert_eq!(
            newest["a"].name, "a-3",
            "a pending run is newer by creation"
        );
        assert_eq!(newest["b"].name, "b-1");
        assert_eq!(newest.len(), 2);
    }
}
