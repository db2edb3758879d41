//! "Now", read once where a command needs it: the clock, or the instant `ETL_NOW` pins (tests,
//! reproducible runs). I/O (the clock and the environment); the pure core takes "now" as an
//! argument instead.

use crate::error::{Error, Result};
use jiff::Timestamp;

/// "Now": the clock, unless ETL_NOW pins it (tests, reproducible runs).
pub fn now() -> Result<Timestamp> {
    match std::env::var("ETL_NOW") {
        Ok(s) if !s.is_empty() => s.parse::<Timestamp>().map_err(|_| {
            Error::usage(
                format!("ETL_NOW=`{s}` is not an RFC 3339 timestamp"),
                "e.g. ETL_NOW=2026-11-23T06:00:00Z, or unset it to use the clock",
            )
        }),
        _ => Ok(Timestamp::now()),
    }
}
