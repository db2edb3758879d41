//! `etl push`: pushes the job image and records its digest, which runs then use.

use super::Ctx;
use super::build::{Target, check_tag, show};
use crate::cli::PushArgs;
use crate::error::Result;
use crate::image::pushed::{self, Pushed};
use crate::image::{self, Engine, ImageError, Op, output};
use crate::project::Project;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, args: PushArgs) -> Result<ExitCode> {
    check_tag(args.tag.as_deref())?;
    let project = ctx.project()?;
    let target = Target::resolve(
        ctx,
        &project,
        args.tag.as_deref(),
        args.engine.as_deref(),
        true,
    )?;
    let pushed = push(ctx, &project, &target)?;
    super::write_stdout(&format!("{}\n", pushed.image))
}

/// Pushes `target`, reads the digest the registry got, records it for this checkout.
/// Pushing the same tag again is harmless: the registry has the blobs, the record is replaced.
pub fn push(ctx: &Ctx, project: &Project, target: &Target) -> Result<Pushed> {
    let image = target.image();
    let engine = target.engine;
    ctx.term.note(format!("pushing {image} with {engine}"));
    let digest_file = DigestFile::new();
    let argv = image::argv(
        engine,
        &Op::Push {
            image: &image,
            digest_file: Some(&digest_file.0),
        },
    );
    let done = image::run(engine, &argv, &format!("pushing {image}"), show(ctx), true)?;
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
        pushed_at: super::now()?.to_string(),
    };
    let path = pushed::save(project, &pushed)?;
    ctx.term.note(format!(
        "pushed {image} as {}; runs now use it (recorded in {})",
        pushed.image,
        path.display()
    ));
    Ok(pushed)
}

/// The repository digest from `image inspect`, for engines without `--digestfile` whose
/// push output did not say.
fn inspect(engine: Engine, image: &str, repository: &str) -> Option<String> {
    let argv = image::argv(engine, &Op::Inspect { image });
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
