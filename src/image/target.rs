//! What `etl build` and `etl push` act on: the engine and `repository:tag`, resolved from the
//! flags and etl.yaml. I/O (git for the tag, PATH and the engines for the engine).

use super::{Engine, ImageError, Show, engine, tag};
use crate::error::Result;
use crate::project::Project;
use crate::term::Term;
use std::io::IsTerminal;

/// What a build or push acts on: the engine and `repository:tag`.
pub struct ImageTarget {
    pub engine: Engine,
    pub repository: String,
    pub tag: String,
}

impl ImageTarget {
    pub fn image(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }

    /// `--tag` or the git tag, `--engine` or etl.yaml's or the first found, etl.yaml's
    /// repository (the project's name when building without one; pushing needs one).
    pub fn resolve(
        term: &Term,
        project: &Project,
        tag_flag: Option<&str>,
        engine_flag: Option<&str>,
        for_push: bool,
    ) -> Result<ImageTarget> {
        let repository = match &project.image.repository {
            Some(r) => r.clone(),
            None if for_push => return Err(ImageError::NoRepository.into()),
            None => project.name.clone(),
        };
        let tag = match tag_flag {
            Some(t) => t.to_string(),
            None => {
                let t = tag::from_git(&project.dir)?;
                term.note(format!("tag {t} (from git; --tag sets another)"));
                t
            }
        };
        let named = match (engine_flag, &project.image.engine) {
            (Some(e), _) => Some(("--engine", e)),
            (None, Some(e)) => Some(("etl.yaml's image.engine", e.as_str())),
            (None, None) => None,
        };
        let path = std::env::var_os("PATH");
        let (engine, silent) = engine::choose_answering(
            named,
            |e| engine::find_on_path(e.name(), path.as_deref()).is_some(),
            engine::answers,
        )?;
        for e in silent.iter().filter(|e| **e != engine) {
            term.note(format!(
                "{e} is installed but `{e} version` failed (is its daemon running?): not using it"
            ));
        }
        Ok(ImageTarget {
            engine,
            repository,
            tag,
        })
    }
}

/// `--tag` checked before anything runs.
pub fn check_tag(tag: Option<&str>) -> Result<()> {
    match tag {
        Some(t) if !tag::is_valid(t) => Err(ImageError::InvalidTag { tag: t.into() }.into()),
        _ => Ok(()),
    }
}

/// How engine output is shown for this invocation.
pub fn show_for(term: &Term) -> Show {
    super::show(std::io::stderr().is_terminal(), term.quiet, term.verbose)
}
