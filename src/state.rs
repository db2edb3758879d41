//! Per-project state on this machine (the pushed image digest, local run records), kept in the
//! user's data directory, never in the repository. I/O.
//!
//! Layout: `<data dir>/projects/<project>-<hash of etl.yaml's directory>/`, so two checkouts of
//! the same project keep separate state. `ETL_DATA_DIR` replaces `<data dir>` (tests, CI).

use crate::error::{Error, Result};
use crate::project::Project;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// etl's data directory: `ETL_DATA_DIR`, else the platform's (e.g. `~/.local/share/etl`).
pub fn data_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("ETL_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("dev", "etl", "etl")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::usage(
                "cannot find a home directory for etl's state",
                "set ETL_DATA_DIR to a writable directory",
            )
        })
}

/// This checkout's state directory (not created until something is written).
pub fn project_dir(project: &Project) -> Result<PathBuf> {
    let root = std::fs::canonicalize(&project.dir).unwrap_or_else(|_| project.dir.clone());
    let hash = Sha256::digest(root.to_string_lossy().as_bytes());
    let short: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
    Ok(data_dir()?
        .join("projects")
        .join(format!("{}-{short}", project.name)))
}

/// Writes `text` to `path` atomically (a sibling file renamed into place), creating parents:
/// an interrupted write leaves the old content, never half a file.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
