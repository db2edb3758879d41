//! Windows: the half-open `[start, end)` interval of data a run processes. Pure: "now" and the
//! time zone are arguments, nothing here reads the clock.

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A data interval, `[start, end)`, in the project's time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: Zoned,
    pub end: Zoned,
}

/// How a user asked for a window on the command line, before "now" and the time zone are known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WindowSpec {
    Yesterday,
    Today,
    /// The previous Monday-to-Monday week.
    LastWeek,
    Date(Date),
    Range(Instant, Instant),
}

/// One end of a `--start/--end` range: a calendar date (midnight in the job's time zone), a
/// wall-clock time without an offset (in the job's time zone) or an exact instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Instant {
    Date(Date),
    Local(DateTime),
    Timestamp(Timestamp),
}

/// The calendar period a scheduled (cron) run covers: the whole period before the one it fires in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Hour,
    #[default]
    Day,
    Week,
    Month,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WindowError {
    #[error("`{input}` is not a date (YYYY-MM-DD) or an RFC 3339 timestamp (2026-11-22T06:00:00Z)")]
    Malformed { input: String },
    #[error(
        "`{input}` is not a date (YYYY-MM-DD): this takes a whole day; for part of a day, use --start and --end"
    )]
    NotADate { input: String },
    #[error("the window is empty: end {end} is not after start {start}")]
    Empty { start: String, end: String },
    #[error("{0}")]
    Arithmetic(String),
}

impl Window {
    pub fn new(start: Zoned, end: Zoned) -> Result<Window, WindowError> {
        if end.timestamp() <= start.timestamp() {
            return Err(WindowError::Empty {
                start: rfc3339(&start),
                end: rfc3339(&end),
            });
        }
        Ok(Window { start, end })
    }

    /// The window's length, e.g. `1d` or `23h` (a daylight-saving day).
    pub fn length(&self) -> jiff::SignedDuration {
        self.end.timestamp().duration_since(self.start.timestamp())
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", rfc3339(&self.start), rfc3339(&self.end))
    }
}

/// RFC 3339 with the zone's offset, seconds precision: `2026-11-22T00:00:00+01:00`.
pub fn rfc3339(t: &Zoned) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Parses a date or timestamp as given to `--start` or `--end`: `2026-11-22` (midnight in the
/// job's time zone), `2026-11-22T06:00:00+01:00` or `+0100` or `Z` (that instant), or
/// `2026-11-22T06:00` without an offset (that wall-clock time in the job's time zone).
pub fn parse_instant(input: &str) -> Result<Instant, WindowError> {
    let s = input.trim();
    let malformed = || WindowError::Malformed {
        input: input.to_string(),
    };
    // jiff's civil parsers accept a whole timestamp and silently drop what they do not keep
    // (the time, the offset), so the shape of the text chooses the parser, not the first
    // parser that succeeds.
    let Some(t) = s.find(['T', 't', ' ']) else {
        return s
            .parse::<Date>()
            .map(Instant::Date)
            .map_err(|_| malformed());
    };
    if let Ok(ts) = with_colon_offset(s).parse::<Timestamp>() {
        return Ok(Instant::Timestamp(ts));
    }
    // Past the date, a sign, a `Z` or a `[zone]` means an offset was meant: one jiff refused
    // (out of range, malformed) must not be dropped in favour of the job's time zone.
    if s[t..].contains(['+', '-', 'Z', 'z', '[']) {
        return Err(malformed());
    }
    s.parse::<DateTime>()
        .map(Instant::Local)
        .map_err(|_| malformed())
}

/// `…T06:00:00+0100` → `…T06:00:00+01:00`: RFC 3339 wants the colon, people often omit it.
fn with_colon_offset(s: &str) -> std::borrow::Cow<'_, str> {
    let b = s.as_bytes();
    let n = b.len();
    if n > 5
        && matches!(b[n - 5], b'+' | b'-')
        && b[n - 4..].iter().all(u8::is_ascii_digit)
        && s[..n - 5].contains(['T', 't', ' '])
    {
        format!("{}:{}", &s[..n - 2], &s[n - 2..]).into()
    } else {
        s.into()
    }
}

/// Parses `--date`: a calendar day, nothing more.
pub fn parse_date(input: &str) -> Result<Date, WindowError> {
    let s = input.trim();
    let not_a_date = || WindowError::NotADate {
        input: input.to_string(),
    };
    // jiff's Date parser also accepts `2026-11-22T06:00:00Z` and drops the time.
    if s.contains(['T', 't', ' ']) {
        return Err(not_a_date());
    }
    s.parse::<Date>().map_err(|_| not_a_date())
}

fn arith(e: jiff::Error) -> WindowError {
    WindowError::Arithmetic(e.to_string())
}

/// Midnight at the start of `date` in `tz` (01:00 on the rare days a DST jump skips midnight).
fn start_of(date: Date, tz: &TimeZone) -> Result<Zoned, WindowError> {
    date.to_zoned(tz.clone())
        .and_then(|z| z.start_of_day())
        .map_err(arith)
}

fn instant_in(i: &Instant, tz: &TimeZone) -> Result<Zoned, WindowError> {
    match i {
        Instant::Date(d) => start_of(*d, tz),
        // A time a daylight-saving change skips is moved forward by the gap; one it repeats is
        // the first of the two (jiff's "compatible" rule, as in RFC 5545 and Temporal).
        Instant::Local(dt) => dt.to_zoned(tz.clone()).map_err(arith),
        Instant::Timestamp(t) => Ok(t.to_zoned(tz.clone())),
    }
}

impl WindowSpec {
    /// Whether a bound is a wall-clock time without an offset, read in the job's time zone
    /// (worth saying when the window is printed).
    pub fn has_local_time(&self) -> bool {
        matches!(
            self,
            WindowSpec::Range(Instant::Local(_), _) | WindowSpec::Range(_, Instant::Local(_))
        )
    }

    /// Resolves to a concrete window, relative to `now`, in `tz`.
    pub fn resolve(&self, now: Timestamp, tz: &TimeZone) -> Result<Window, WindowError> {
        let today = now.to_zoned(tz.clone()).date();
        let day = |d: Date| -> Result<Window, WindowError> {
            Window::new(
                start_of(d, tz)?,
                start_of(d.tomorrow().map_err(arith)?, tz)?,
            )
        };
        match self {
            WindowSpec::Today => day(today),
            WindowSpec::Yesterday => day(today.yesterday().map_err(arith)?),
            WindowSpec::Date(d) => day(*d),
            WindowSpec::LastWeek => {
                let this_monday = monday_of(today)?;
                let last_monday = this_monday.checked_sub(7.days()).map_err(arith)?;
                Window::new(start_of(last_monday, tz)?, start_of(this_monday, tz)?)
            }
            WindowSpec::Range(a, b) => Window::new(instant_in(a, tz)?, instant_in(b, tz)?),
        }
    }
}

fn monday_of(d: Date) -> Result<Date, WindowError> {
    let back = d.weekday().since(Weekday::Monday);
    d.checked_sub(i64::from(back).days()).map_err(arith)
}

/// `whole` cut into consecutive windows of `step` ([`split`]), or `whole` alone without a step.
pub fn steps(whole: Window, step: Option<jiff::Span>) -> Result<Vec<Window>, WindowError> {
    match step {
        Some(s) => split(&whole, s),
        None => Ok(vec![whole]),
    }
}

/// Splits `window` into consecutive windows of `step` (calendar-aware: `1d` is a local day, 23
/// or 25 hours long across a daylight-saving change). The last one ends at the window's end.
pub fn split(window: &Window, step: jiff::Span) -> Result<Vec<Window>, WindowError> {
    let mut out = Vec::new();
    let mut start = window.start.clone();
    while start.timestamp() < window.end.timestamp() {
        let next = start.checked_add(step).map_err(arith)?;
        if next.timestamp() <= start.timestamp() {
            return Err(WindowError::Arithmetic(format!(
                "the step {step} does not move forward"
            )));
        }
        let end = if next.timestamp() > window.end.timestamp() {
            window.end.clone()
        } else {
            next
        };
        out.push(Window::new(start, end.clone())?);
        start = end;
        if out.len() > 100_000 {
            return Err(WindowError::Arithmetic(
                "more than 100000 windows: use a longer --step".into(),
            ));
        }
    }
    Ok(out)
}

/// Parses a step or age like `1d`, `6h`, `1w`, `30m`.
pub fn parse_span(s: &str) -> Option<jiff::Span> {
    let span: jiff::Span = s.trim().parse().ok()?;
    span.is_positive().then_some(span)
}

impl Period {
    /// The start of the period that contains `t`.
    pub fn floor(self, t: &Zoned) -> Result<Zoned, WindowError> {
        let tz = t.time_zone();
        match self {
            Period::Hour => t
                .round(
                    jiff::ZonedRound::new()
                        .smallest(jiff::Unit::Hour)
                        .mode(jiff::RoundMode::Trunc),
                )
                .map_err(arith),
            Period::Day => start_of(t.date(), tz),
            Period::Week => start_of(monday_of(t.date())?, tz),
            Period::Month => start_of(t.date().first_of_month(), tz),
        }
    }

    /// One period, as a calendar span (`1d` is a local day, 23 or 25 hours across DST).
    pub fn step(self) -> jiff::Span {
        match self {
            Period::Hour => 1.hour(),
            Period::Day => 1.day(),
            Period::Week => 1.week(),
            Period::Month => 1.month(),
        }
    }

    /// The window a run scheduled at `fired` covers: the whole period before the one it fires in
    /// (a daily run at 02:00 on the 23rd covers the 22nd).
    pub fn preceding(self, fired: &Zoned) -> Result<Window, WindowError> {
        let end = self.floor(fired)?;
        let start = self.floor(&end.checked_sub(self.step()).map_err(arith)?)?;
        Window::new(start, end)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Hour => "hour",
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn now(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn show(w: &Window) -> String {
        w.to_string()
    }

    #[test]
    fn yesterday_in_utc_is_the_previous_calendar_day() {
        let w = WindowSpec::Yesterday
            .resolve(now("2026-11-23T10:00:00Z"), &TimeZone::UTC)
            .unwrap();
        assert_eq!(
            show(&w),
            "[2026-11-22T00:00:00+00:00, 2026-11-23T00:00:00+00:00)"
        );
    }

    #[test]
    fn yesterday_depends_on_the_project_time_zone() {
        // 23:30 UTC on the 22nd is already the 23rd in Tokyo.
        let w = WindowSpec::Yesterday
            .resolve(now("2026-11-22T23:30:00Z"), &tz("Asia/Tokyo"))
            .unwrap();
        assert_eq!(
            show(&w),
            "[2026-11-22T00:00:00+09:00, 2026-11-23T00:00:00+09:00)"
        );
    }

    #[test]
    fn spring_forward_day_is_23_hours() {
        let w = WindowSpec::Date("2026-03-29".parse().unwrap())
            .resolve(now("2026-11-23T00:00:00Z"), &tz("Europe/Paris"))
            .unwrap();
        assert_eq!(
            show(&w),
            "[2026-03-29T00:00:00+01:00, 2026-03-30T00:00:00+02:00)"
        );
        assert_eq!(w.length(), jiff::SignedDuration::from_hours(23));
    }

    #[test]
    fn fall_back_day_is_25_hours() {
        let w = WindowSpec::Date("2026-11-01".parse().unwrap())
            .resolve(now("2026-11-23T00:00:00Z"), &tz("America/New_York"))
            .unwrap();
        assert_eq!(
            show(&w),
            "[2026-11-01T00:00:00-04:00, 2026-11-02T00:00:00-05:00)"
        );
        assert_eq!(w.length(), jiff::SignedDuration::from_hours(25));
    }

    #[test]
    fn a_day_whose_midnight_does_not_exist_starts_at_one() {
        // Havana skips from 00:00 to 01:00 on its spring-forward day.
        let w = WindowSpec::Date("2026-03-08".parse().unwrap())
            .resolve(now("2026-11-23T00:00:00Z"), &tz("America/Havana"))
            .unwrap();
        assert_eq!(w.start.strftime("%H:%M").to_string(), "01:00");
        assert_eq!(w.length(), jiff::SignedDuration::from_hours(23));
    }

    #[test]
    fn last_week_is_monday_to_monday_from_any_weekday() {
        for today in [
            "2026-11-23T09:00:00Z",
            "2026-11-25T09:00:00Z",
            "2026-11-29T23:59:59Z",
        ] {
            let w = WindowSpec::LastWeek
                .resolve(now(today), &TimeZone::UTC)
                .unwrap();
            assert_eq!(
                show(&w),
                "[2026-11-16T00:00:00+00:00, 2026-11-23T00:00:00+00:00)",
                "now = {today}"
            );
        }
    }

    #[test]
    fn last_week_across_a_year_boundary() {
        let w = WindowSpec::LastWeek
            .resolve(now("2027-01-01T12:00:00Z"), &TimeZone::UTC)
            .unwrap();
        assert_eq!(
            show(&w),
            "[2026-12-21T00:00:00+00:00, 2026-12-28T00:00:00+00:00)"
        );
    }

    #[test]
    fn today_is_the_current_day() {
        let w = WindowSpec::Today
            .resolve(now("2026-11-23T10:00:00Z"), &TimeZone::UTC)
            .unwrap();
        assert_eq!(
            show(&w),
            "[2026-11-23T00:00:00+00:00, 2026-11-24T00:00:00+00:00)"
        );
    }

    #[test]
    fn range_mixes_dates_and_timestamps() {
        let spec = WindowSpec::Range(
            parse_instant("2026-11-01").unwrap(),
            parse_instant("2026-11-01T06:30:00Z").unwrap(),
        );
        let w = spec
            .resolve(now("2026-11-23T00:00:00Z"), &TimeZone::UTC)
            .unwrap();
        assert_eq!(
            show(&w),
            "[2026-11-01T00:00:00+00:00, 2026-11-01T06:30:00+00:00)"
        );
    }

    #[test]
    fn timestamps_are_shown_in_the_project_time_zone() {
        let spec = WindowSpec::Range(
            parse_instant("2026-11-01T00:00:00Z").unwrap(),
            parse_instant("2026-11-02T00:00:00+01:00").unwrap(),
        );
        let w = spec
            .resolve(now("2026-11-23T00:00:00Z"), &tz("Europe/Paris"))
            .unwrap();
        assert_eq!(
            show(&w),
            "[2026-11-01T01:00:00+01:00, 2026-11-02T00:00:00+01:00)"
        );
    }

    #[test]
    fn empty_and_reversed_ranges_are_errors() {
        let a = parse_instant("2026-11-02").unwrap();
        let b = parse_instant("2026-11-01").unwrap();
        let err = WindowSpec::Range(a.clone(), b)
            .resolve(now("2026-11-23T00:00:00Z"), &TimeZone::UTC)
            .unwrap_err();
        assert!(matches!(err, WindowError::Empty { .. }), "{err}");
        let err = WindowSpec::Range(a.clone(), a)
            .resolve(now("2026-11-23T00:00:00Z"), &TimeZone::UTC)
            .unwrap_err();
        assert!(matches!(err, WindowError::Empty { .. }), "{err}");
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for bad in [
            "2026-13-01",
            "yesterday",
            "2026-11-31",
            "",
            "2026-11-22T25:00:00Z",
        ] {
            assert!(
                matches!(parse_instant(bad), Err(WindowError::Malformed { .. })),
                "{bad} was accepted"
            );
        }
    }

    fn range(start: &str, end: &str, zone: &str) -> Result<String, WindowError> {
        let spec = WindowSpec::Range(parse_instant(start)?, parse_instant(end)?);
        Ok(show(&spec.resolve(now("2026-11-23T00:00:00Z"), &tz(zone))?))
    }

    #[test]
    fn an_offset_in_start_and_end_is_kept() {
        assert_eq!(
            range(
                "2026-05-01T00:00:00+01:00",
                "2026-05-02T00:00:00+01:00",
                "UTC"
            )
            .unwrap(),
            "[2026-04-30T23:00:00+00:00, 2026-05-01T23:00:00+00:00)"
        );
        assert_eq!(
            range(
                "2026-11-10T06:00:00-08:00",
                "2026-11-11T09:30:00+0100",
                "UTC"
            )
            .unwrap(),
            "[2026-11-10T14:00:00+00:00, 2026-11-11T08:30:00+00:00)",
            "-08:00 and +0100 (no colon) are both offsets"
        );
    }

    #[test]
    fn a_time_without_an_offset_is_in_the_job_time_zone() {
        assert_eq!(
            range(
                "2026-11-10T06:00",
                "2026-11-10 18:30:15",
                "America/Los_Angeles"
            )
            .unwrap(),
            "[2026-11-10T06:00:00-08:00, 2026-11-10T18:30:15-08:00)"
        );
        // Dates are still midnight there.
        assert_eq!(
            range("2026-11-10", "2026-11-11", "America/Los_Angeles").unwrap(),
            "[2026-11-10T00:00:00-08:00, 2026-11-11T00:00:00-08:00)"
        );
        // 02:30 does not exist on Paris' spring-forward day: it is moved on by the gap.
        assert_eq!(
            range("2026-03-29T02:30", "2026-03-29T12:00", "Europe/Paris").unwrap(),
            "[2026-03-29T03:30:00+02:00, 2026-03-29T12:00:00+02:00)"
        );
    }

    #[test]
    fn an_offset_etl_cannot_read_is_an_error_not_the_local_time() {
        for bad in [
            "2026-11-10T06:00:00+26:00",
            "2026-11-10T06:00:00+1",
            "2026-11-10T06:00:00 PST",
            "2026-11-10T06:00:00[Mars/Olympus]",
        ] {
            assert!(
                matches!(parse_instant(bad), Err(WindowError::Malformed { .. })),
                "{bad} was accepted as {:?}",
                parse_instant(bad)
            );
        }
    }

    #[test]
    fn date_takes_only_a_date() {
        assert_eq!(
            parse_date("2026-11-22").unwrap(),
            "2026-11-22".parse::<Date>().unwrap()
        );
        for bad in ["2026-11-22T00:00:00Z", "2026-11-22T06:00:00+01:00"] {
            let err = parse_date(bad).unwrap_err().to_string();
            assert!(err.contains("takes a whole day"), "{bad}: {err}");
            assert!(!err.contains("RFC 3339"), "{bad}: {err}");
        }
    }

    proptest::proptest! {
        /// Any instant, written with any offset (with or without the colon), reads back as
        /// that same instant.
        #[test]
        fn any_instant_with_any_offset_parses_back(
            secs in -2_208_988_800i64..4_102_444_800,
            offset_minutes in -1439i32..=1439,
            colon in proptest::bool::ANY,
        ) {
            let ts = Timestamp::from_second(secs).unwrap();
            let offset = jiff::tz::Offset::from_seconds(offset_minutes * 60).unwrap();
            let text = ts
                .to_zoned(TimeZone::fixed(offset))
                .strftime(if colon { "%Y-%m-%dT%H:%M:%S%:z" } else { "%Y-%m-%dT%H:%M:%S%z" })
                .to_string();
            proptest::prop_assert_eq!(parse_instant(&text), Ok(Instant::Timestamp(ts)), "{}", text);
        }
    }

    #[test]
    fn split_into_days_across_dst() {
        let w = WindowSpec::Range(
            parse_instant("2026-03-28").unwrap(),
            parse_instant("2026-03-31").unwrap(),
        )
        .resolve(now("2026-11-23T00:00:00Z"), &tz("Europe/Paris"))
        .unwrap();
        let parts = split(&w, parse_span("1d").unwrap()).unwrap();
        let hours: Vec<i64> = parts.iter().map(|p| p.length().as_hours()).collect();
        assert_eq!(hours, vec![24, 23, 24]);
        assert_eq!(parts[0].start, w.start);
        assert_eq!(parts[2].end, w.end);
    }

    #[test]
    fn split_truncates_the_last_window() {
        let w = WindowSpec::Range(
            parse_instant("2026-11-01").unwrap(),
            parse_instant("2026-11-01T10:00:00Z").unwrap(),
        )
        .resolve(now("2026-11-23T00:00:00Z"), &TimeZone::UTC)
        .unwrap();
        let parts = split(&w, parse_span("4h").unwrap()).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2].length().as_hours(), 2);
        assert!(parse_span("0d").is_none());
        assert!(parse_span("soon").is_none());
    }

    #[test]
    fn daily_cron_covers_the_day_before_it_fires() {
        let fired: Zoned = "2026-11-23T02:00:00+01:00[Europe/Paris]".parse().unwrap();
        let w = Period::Day.preceding(&fired).unwrap();
        assert_eq!(
            show(&w),
            "[2026-11-22T00:00:00+01:00, 2026-11-23T00:00:00+01:00)"
        );
    }

    #[test]
    fn cron_periods_across_dst_and_months() {
        let fired: Zoned = "2026-03-30T02:00:00+02:00[Europe/Paris]".parse().unwrap();
        let w = Period::Day.preceding(&fired).unwrap();
        assert_eq!(w.length(), jiff::SignedDuration::from_hours(23));

        let fired: Zoned = "2026-03-01T00:05:00+00:00[UTC]".parse().unwrap();
        let w = Period::Month.preceding(&fired).unwrap();
        assert_eq!(
            show(&w),
            "[2026-02-01T00:00:00+00:00, 2026-03-01T00:00:00+00:00)"
        );

        let fired: Zoned = "2026-11-25T03:00:00+00:00[UTC]".parse().unwrap();
        let w = Period::Week.preceding(&fired).unwrap();
        assert_eq!(
            show(&w),
            "[2026-11-16T00:00:00+00:00, 2026-11-23T00:00:00+00:00)"
        );

        let fired: Zoned = "2026-11-23T14:05:00+00:00[UTC]".parse().unwrap();
        let w = Period::Hour.preceding(&fired).unwrap();
        assert_eq!(
            show(&w),
            "[2026-11-23T13:00:00+00:00, 2026-11-23T14:00:00+00:00)"
        );
    }
}
