//! Which windows a workflow's schedule owes: the fire times since the scheduler started
//! looking after the workflow, newest `catchup` of them, oldest first. Pure: the schedule,
//! time zone, "since" and "now" are arguments, and what already ran is the caller's to check.

use crate::window::{Period, Window};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// The fire times of `schedule` in `(since, now]`, in `tz`: at most the `catchup` newest,
/// oldest first. After downtime the missed windows run in the order they were due, so a
/// job that builds on yesterday's output finds it (Argo fires only the latest, #9632).
pub fn due(
    schedule: &str,
    tz: &TimeZone,
    since: Timestamp,
    now: Timestamp,
    catchup: usize,
) -> Vec<Zoned> {
    let Ok(cron) = schedule.parse::<croner::Cron>() else {
        return Vec::new();
    };
    // iter_before excludes its start: begin a second after now so `now` itself counts.
    let start = (now + jiff::SignedDuration::from_secs(1)).to_zoned(tz.clone());
    let mut times: Vec<Zoned> = cron
        .iter_before(start)
        .take_while(|t| t.timestamp() > since)
        .take(catchup.max(1))
        .collect();
    times.reverse();
    times
}

/// The window a run fired at `at` covers: the whole period before the one it fired in, as
/// for a job's CronJob runs.
pub fn window_for(period: Period, at: &Zoned) -> Option<Window> {
    period.preceding(at).ok()
}

/// The next fire time after `now`, to know how long the scheduler may sleep.
pub fn next(schedule: &str, tz: &TimeZone, now: Timestamp) -> Option<Timestamp> {
    crate::run::schedule::next_time(schedule, tz, now).map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn missed_fire_times_come_oldest_first_and_at_most_catchup_of_them() {
        let since = ts("2026-11-28T10:00:00Z");
        let now = ts("2026-12-01T10:00:00Z");
        let got: Vec<String> = due("0 3 * * *", &TimeZone::UTC, since, now, 3)
            .iter()
            .map(|z| z.timestamp().to_string())
            .collect();
        assert_eq!(
            got,
            [
                "2026-11-29T03:00:00Z",
                "2026-11-30T03:00:00Z",
                "2026-12-01T03:00:00Z"
            ]
        );
        let two = due("0 3 * * *", &TimeZone::UTC, since, now, 2);
        assert_eq!(two[0].timestamp().to_string(), "2026-11-30T03:00:00Z");
        assert_eq!(two.len(), 2);
    }

    #[test]
    fn nothing_is_due_before_the_first_fire_time_after_since() {
        let since = ts("2026-12-01T03:30:00Z");
        assert!(
            due(
                "0 3 * * *",
                &TimeZone::UTC,
                since,
                ts("2026-12-02T02:59:59Z"),
                3
            )
            .is_empty()
        );
        // Exactly at the fire time it is due.
        assert_eq!(
            due(
                "0 3 * * *",
                &TimeZone::UTC,
                since,
                ts("2026-12-02T03:00:00Z"),
                3
            )
            .len(),
            1
        );
    }

    #[test]
    fn a_daily_run_covers_the_day_before_in_the_workflows_zone() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        // Paris leaves summer time on 2026-10-25: that day is 25 hours long.
        let at = due(
            "0 3 * * *",
            &tz,
            ts("2026-10-25T12:00:00Z"),
            ts("2026-10-26T12:00:00Z"),
            3,
        );
        assert_eq!(at.len(), 1);
        let w = window_for(Period::Day, &at[0]).unwrap();
        assert_eq!(
            w.start.to_string(),
            "2026-10-25T00:00:00+02:00[Europe/Paris]"
        );
        assert_eq!(w.end.to_string(), "2026-10-26T00:00:00+01:00[Europe/Paris]");
    }
}
