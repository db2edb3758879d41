//! The project: what `etl.yaml` declares, parsed and validated. Pure: takes the file's text and
//! returns values; finding and reading the file is the caller's job.

mod error;
mod model;
mod overrides;

pub use error::{ConfigError, suggest};
pub use model::*;
pub use overrides::{apply_set, coerce_config};

use serde_saphyr::Location;
use std::path::{Path, PathBuf};

/// The file name etl looks for in the current directory and its parents.
pub const FILE_NAME: &str = "etl.yaml";

/// Finds `etl.yaml` in `dir` or the nearest parent that has one.
pub fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Parses and validates the text of an etl.yaml. `file` is used in error messages only.
pub fn parse(file: &Path, text: &str) -> Result<Project, ConfigError> {
    let raw: RawProject =
        serde_saphyr::from_str(text).map_err(|e| ConfigError::from_yaml(file, &e))?;
    raw.validate(file)
}

fn at(loc: Location) -> Option<(u64, u64)> {
    (loc.line() > 0).then(|| (loc.line(), loc.column()))
}
