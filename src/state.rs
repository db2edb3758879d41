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

/// The newest run scheduled from this machine, and where: what `etl jobs follow` and `etl
/// workflows follow` follow when no run is named.
#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
pub struct LastRun {
    pub run: String,
    pub namespace: String,
    pub context: String,
}

/// The file of the newest job run (`etl jobs schedule`).
pub const LAST_JOB_RUN: &str = "last-run.json";
/// The file of the newest workflow run (`etl workflows schedule`).
pub const LAST_WORKFLOW_RUN: &str = "last-workflow-run.json";

/// Records `last` as the newest run in `file` (`LAST_JOB_RUN` or `LAST_WORKFLOW_RUN`).
pub fn remember_last_run(project: &Project, file: &str, last: &LastRun) -> Result<()> {
    let text = serde_json::to_string(last).expect("a run's name and place serialize");
    write_atomic(&project_dir(project)?.join(file), &text)
}

/// The newest run recorded in `file`; None when there is none yet.
pub fn last_run(project: &Project, file: &str) -> Result<Option<LastRun>> {
    let path = project_dir(project)?.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::io(&path, std::io::Error::other(e)))
}
