//! The last image `etl push` pushed for this checkout, kept in the project's state directory
//! (`image.json`), and the image reference runs use because of it. I/O (the state file).

use crate::error::{Error, Result};
use crate::project::Project;
use crate::state;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What `etl push` records.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Pushed {
    /// `repository@sha256:…`: what runs use.
    pub image: String,
    pub repository: String,
    pub tag: String,
    /// `sha256:…`, the manifest digest the registry reported.
    pub digest: String,
    pub engine: String,
    /// RFC 3339.
    pub pushed_at: String,
}

pub fn path(project: &Project) -> Result<PathBuf> {
    Ok(state::project_dir(project)?.join("image.json"))
}

/// What `etl push` records for etl's own image (the scheduler's), next to `image.json`.
pub fn scheduler_path(project: &Project) -> Result<PathBuf> {
    Ok(state::project_dir(project)?.join("scheduler-image.json"))
}

/// The record, if this checkout has pushed.
pub fn load(project: &Project) -> Result<Option<Pushed>> {
    load_from(path(project)?)
}

/// The record of etl's own image, if this checkout has pushed one.
pub fn load_scheduler(project: &Project) -> Result<Option<Pushed>> {
    load_from(scheduler_path(project)?)
}

/// Replaces the record of etl's own image (atomically).
pub fn save_scheduler(project: &Project, pushed: &Pushed) -> Result<PathBuf> {
    save_to(scheduler_path(project)?, pushed)
}

fn load_from(path: PathBuf) -> Result<Option<Pushed>> {
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Error::usage(
            format!("{}: not a record etl push wrote: {e}", path.display()),
            "delete it and run `etl push` again",
        )
    })
}

/// Replaces the record (atomically: an interrupted push leaves the previous one).
pub fn save(project: &Project, pushed: &Pushed) -> Result<PathBuf> {
    save_to(path(project)?, pushed)
}

fn save_to(path: PathBuf, pushed: &Pushed) -> Result<PathBuf> {
    let text = serde_json::to_string_pretty(pushed).expect("strings serialize") + "\n";
    state::write_atomic(&path, &text)?;
    Ok(path)
}

/// The image runs use because of the last push, with the note saying so; or why there is none,
/// for the note of the fallback. A push to another repository than etl.yaml's now names is
/// not used (the repository was changed since).
pub fn pinned(project: &Project, repository: &str) -> Result<(String, String), String> {
    match load(project) {
        Ok(Some(p)) if p.repository == repository => {
            let note = format!("image {} (pushed by etl push at {})", p.image, p.pushed_at);
            Ok((p.image, note))
        }
        Ok(Some(p)) => Err(format!(
            "the last `etl push` went to {}, not {repository}: push again to pin runs",
            p.repository
        )),
        Ok(None) => Err("nothing pushed yet: `etl push` pins runs to an exact image".into()),
        Err(e) => Err(format!("ignoring the last push: {e}")),
    }
}
