//! The window flags (`--yesterday`, `--date`, `--start/--end`, `--step`): checked without the
//! clock (stage one), then resolved against "now" in the job's time zone.

use super::Ctx;
use crate::cli::WindowArgs;
use crate::error::{Error, Result};
use crate::window::{Window, WindowSpec, parse_date, parse_instant};
use jiff::tz::TimeZone;

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
        .resolve(ctx.now()?, tz)
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
    crate::window::steps(whole, step).map_err(|source| Error::Window {
        flag: "--step",
        source,
    })
}

pub const WINDOW_FLAGS: &str =
    "--yesterday, --today, --last-week, --date YYYY-MM-DD or --start T --end T";
