//! A command's result on stdout (progress and notes go to stderr, through `term`). A closed
//! pipe (`etl … | head`) is success. I/O.

use crate::error::{Error, Result};
use std::process::ExitCode;

/// Writes a command's result to stdout. A closed pipe (`etl render | head`) is not an error.
pub fn write_stdout(s: &str) -> Result<ExitCode> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Error::io("stdout", e)),
    }
}

/// Writes to stdout through `write` (buffered), for output too large to build as one string
/// first. A closed stdout (`etl … | head`) is success, as in [`write_stdout`].
pub fn stream_stdout(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<ExitCode> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Error::io("stdout", e)),
    }
}
