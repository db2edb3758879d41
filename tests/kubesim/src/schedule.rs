//! CronJob schedules: parsing (five fields or an @-macro, as Kubernetes accepts them) and
//! the most recent time a schedule crossed, in a time zone. Pure.

use croner::Cron;
use croner::parser::{CronParser, Seconds};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Parses a five-field schedule (or @hourly, @daily, ...), as Kubernetes accepts it.
pub fn parse_schedule(s: &str) -> Result<Cron, String> {
    if s.starts_with("TZ=") || s.starts_with("CRON_TZ=") {
        return Err("cannot use TZ or CRON_TZ in schedule, use timeZone field instead".into());
    }
    let s = match s.trim() {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        other => other,
    };
    if s.split_whitespace().count() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: {s}",
            s.split_whitespace().count()
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .build()
        .parse(s)
        .map_err(|e| e.to_string())
}

/// The latest schedule time in (after, now], if any.
pub fn most_recent(
    cron: &Cron,
    tz: &TimeZone,
    after: Timestamp,
    now: Timestamp,
) -> Option<Timestamp> {
    let t = cron
        .find_previous_occurrence(&now.to_zoned(tz.clone()), true)
        .ok()?;
    let t = t.timestamp();
    (t > after).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn schedules_parse_like_kubernetes() {
        assert!(parse_schedule("*/5 * * * *").is_ok());
        assert!(parse_schedule("@hourly").is_ok());
        assert!(parse_schedule("0 0 * * * *").is_err());
        assert!(parse_schedule("TZ=UTC 0 * * * *").is_err());
        assert!(parse_schedule("nope").is_err());
    }

    #[test]
    fn only_the_most_recent_missed_time_fires() {
        let cron = parse_schedule("*/10 * * * *").unwrap();
        let got = most_recent(
            &cron,
            &TimeZone::UTC,
            ts("2025-01-01T00:05:00Z"),
            ts("2025-01-01T00:47:00Z"),
        );
        assert_eq!(got, Some(ts("2025-01-01T00:40:00Z")));
        assert_eq!(
            most_recent(
                &cron,
                &TimeZone::UTC,
                ts("2025-01-01T00:40:00Z"),
                ts("2025-01-01T00:47:00Z")
            ),
            None
        );
    }

    #[test]
    fn time_zones_shift_the_schedule() {
        let cron = parse_schedule("0 9 * * *").unwrap();
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let got = most_recent(
            &cron,
            &tz,
            ts("2025-01-01T00:00:00Z"),
            ts("2025-01-01T12:00:00Z"),
        );
        assert_eq!(got, Some(ts("2025-01-01T08:00:00Z")));
    }
}
