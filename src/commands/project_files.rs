//! Reading the project: finding and checking etl.yaml (`-f`, or the nearest parent directory
//! that has one) and its templates (the project's `templates/` over the embedded defaults).
//! I/O (the file system).

use super::Ctx;
use crate::error::{Error, Result};
use crate::project::{self, Project};
use crate::render::Templates;
use std::path::{Path, PathBuf};

impl Ctx {
    /// Finds, reads and checks etl.yaml; prints its warnings.
    pub fn project(&self) -> Result<Project> {
        let file = match &self.file {
            // `-f DIR` is the etl.yaml in DIR, as `-f DIR/etl.yaml` would be.
            Some(dir) if dir.is_dir() => {
                let file = dir.join(project::FILE_NAME);
                if !file.is_file() {
                    return Err(Error::usage(
                        format!("-f {}: this directory has no etl.yaml", dir.display()),
                        "pass the project file (-f PATH/etl.yaml), or run `etl init` there",
                    ));
                }
                file
            }
            Some(f) => f.clone(),
            None => {
                let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
                find_project(&cwd).ok_or(Error::NoProject { dir: cwd })?
            }
        };
        let text = std::fs::read_to_string(&file).map_err(|e| match e.kind() {
            // A path that names nothing is a mistake in the command, not a failing disk.
            std::io::ErrorKind::NotFound => Error::usage(
                format!("{}: no such file", file.display()),
                "pass -f PATH to an etl.yaml (or unset ETL_FILE), or run `etl init` here",
            ),
            _ => Error::io(&file, e),
        })?;
        let project = project::parse(&display_path(&file), &text)?;
        // Keep the real location for relative paths (templates, dotenv files).
        let project = Project {
            dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
            ..project
        };
        for w in &project.warnings {
            self.term.warn(w);
        }
        Ok(project)
    }
}

/// Finds `etl.yaml` in `dir` or the nearest parent that has one.
fn find_project(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(project::FILE_NAME))
        .find(|p| p.is_file())
}

/// A path as the user would type it: relative to the current directory when below it.
pub(super) fn display_path(p: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| p.to_path_buf())
}

/// The project's templates: its own `templates/` files over the embedded defaults.
pub fn templates(project: &Project) -> Result<Templates> {
    let mut t = Templates::embedded();
    let dir = project.dir.join("templates");
    for (name, _) in crate::render::EMBEDDED {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => t.set(name, display_path(&path).display().to_string(), text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    Ok(t)
}
