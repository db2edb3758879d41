//! Pushing: the job image, and etl's own image for the scheduler; reading the digest the
//! registry got and recording it (`pushed`), so runs and the scheduler are pinned to it. I/O
//! (the engine, the state directory).

use super::pushed::{self, Pushed};
use super::target::{ImageTarget, show_for};
use super::{Engine, ImageError, Op, output, selfimage};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::term::Term;
use std::path::PathBuf;

/// Pushes `target`, reads the digest the registry got, records it for this checkout.
/// Pushing the same tag again is harmless: the registry has the blobs, the record is replaced.
pub fn push(term: &Term, project: &Project, target: &ImageTarget) -> Result<Pushed> {
    let pushed = push_to_registry(term, target)?;
    let path = pushed::save(project, &pushed)?;
    term.note(format!(
        "pushed {} as {}; runs now use it (recorded in {})",
        target.image(),
        pushed.image,
        path.display()
    ));
    Ok(pushed)
}

/// When etl.yaml wants the scheduler: builds etl's own image (this binary, FROM scratch) and
/// pushes it to the job image's repository, tagged `etl-<version>-<binary hash>`, and records
/// its digest, which `etl deploy` pins the scheduler's Deployment to. None when no scheduler
/// is wanted. Building it again is cheap: the engine caches the layers of the same files.
pub fn push_scheduler_image(
    term: &Term,
    project: &Project,
    job_target: &ImageTarget,
) -> Result<Option<Pushed>> {
    if !project.scheduler.enabled {
        return Ok(None);
    }
    let binary = selfimage::current()?;
    let target = ImageTarget {
        engine: job_target.engine,
        repository: job_target.repository.clone(),
        tag: binary.tag.clone(),
    };
    let image = target.image();
    let engine = target.engine;
    term.note(format!(
        "building etl's own image {image} for the scheduler (etl.yaml has {}) with {engine}",
        if project.workflows.is_empty() {
            "a `scheduler:` section"
        } else {
            "workflows"
        }
    ));
    let (context, notes) = selfimage::context(&binary.path)?;
    for n in notes {
        term.warn(n);
    }
    let dockerfile = context.dockerfile();
    let argv = super::argv(
        engine,
        &Op::Build {
            image: &image,
            dockerfile: &dockerfile,
            context: &context.dir,
            build_args: &[],
            platform: None,
        },
    );
    let done = super::run_engine(
        engine,
        &argv,
        &format!("building {image}"),
        show_for(term),
        false,
    )?;
    if !done.status.success() {
        return Err(Error::environment(
            format!(
                "building etl's own image {image} failed ({engine} exited with {}){}",
                done.status.code().unwrap_or(-1),
                done.tail
                    .joined()
                    .lines()
                    .map(|l| format!("\n  | {l}"))
                    .collect::<String>()
            ),
            Some(format!("`etl push -v` shows {engine}'s whole output")),
        ));
    }
    drop(context);
    let pushed = push_to_registry(term, &target)?;
    let path = pushed::save_scheduler(project, &pushed)?;
    term.note(format!(
        "pushed {image} as {}; `etl deploy` runs the scheduler from it (recorded in {})",
        pushed.image,
        path.display()
    ));
    Ok(Some(pushed))
}

/// Pushes `target` and reads the digest the registry got.
fn push_to_registry(term: &Term, target: &ImageTarget) -> Result<Pushed> {
    let image = target.image();
    let engine = target.engine;
    term.note(format!("pushing {image} with {engine}"));
    let digest_file = DigestFile::new();
    let argv = super::argv(
        engine,
        &Op::Push {
            image: &image,
            digest_file: Some(&digest_file.0),
        },
    );
    let done = super::run_engine(
        engine,
        &argv,
        &format!("pushing {image}"),
        show_for(term),
        true,
    )?;
    let log = done.tail.joined();
    if !done.status.success() {
        return Err(if output::is_auth_failure(&log) {
            ImageError::NotLoggedIn {
                engine,
                registry: output::registry_of(&target.repository).to_string(),
                image,
                log,
            }
        } else {
            ImageError::PushFailed {
                engine,
                missing: output::is_missing_image(&log),
                image,
                log,
            }
        }
        .into());
    }

    let digest = digest_file
        .read()
        .or_else(|| output::digest_in_push_output(&done.stdout))
        .or_else(|| output::digest_in_push_output(&log))
        .or_else(|| inspect(engine, &image, &target.repository));
    let Some(digest) = digest else {
        return Err(ImageError::NoDigest { engine, image, log }.into());
    };

    let pushed = Pushed {
        image: format!("{}@{digest}", target.repository),
        repository: target.repository.clone(),
        tag: target.tag.clone(),
        digest,
        engine: engine.name().to_string(),
        pushed_at: crate::clock::now()?.to_string(),
    };
    Ok(pushed)
}

/// The repository digest from `image inspect`, for engines without `--digestfile` whose
/// push output did not say.
fn inspect(engine: Engine, image: &str, repository: &str) -> Option<String> {
    let argv = super::argv(engine, &Op::Inspect { image });
    let out = std::process::Command::new(engine.name())
        .args(&argv)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    output::digest_in_repo_digests(&String::from_utf8_lossy(&out.stdout), repository)
}

/// A file for `push --digestfile`, removed when dropped.
struct DigestFile(PathBuf);

impl DigestFile {
    fn new() -> DigestFile {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        DigestFile(std::env::temp_dir().join(format!("etl-digest-{}-{nanos}", std::process::id())))
    }

    /// The digest the engine wrote, if it did and it is one.
    fn read(&self) -> Option<String> {
        let text = std::fs::read_to_string(&self.0).ok()?;
        let d = text.trim();
        output::is_digest(d).then(|| d.to_string())
    }
}

impl Drop for DigestFile {
    fn drop(&mut self) {
        // Absent when the engine wrote none; nothing to do then.
        let _ = std::fs::remove_file(&self.0);
    }
}
