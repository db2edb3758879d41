//! `etl build`: the job image from etl.yaml's `image`, with the engine on this machine.

use super::Ctx;
use crate::cli::BuildArgs;
use crate::error::{Error, Result};
use crate::image::{self, Engine, ImageError, Op, engine, tag};
use crate::project::Project;
use std::io::IsTerminal;
use std::process::ExitCode;

/// What a build or push acts on: the engine and `repository:tag`.
pub struct Target {
    pub engine: Engine,
    pub repository: String,
    pub tag: String,
}

impl Target {
    pub fn image(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }

    /// `--tag` or the git tag, `--engine` or etl.yaml's or the first found, etl.yaml's
    /// repository (the project's name when building without one; pushing needs one).
    pub fn resolve(
        ctx: &Ctx,
        project: &Project,
        tag_flag: Option<&str>,
        engine_flag: Option<&str>,
        for_push: bool,
    ) -> Result<Target> {
        let repository = match &project.image.repository {
            Some(r) => r.clone(),
            None if for_push => return Err(ImageError::NoRepository.into()),
            None => project.name.clone(),
        };
        let tag = match tag_flag {
            Some(t) => t.to_string(),
            None => {
                let t = tag::from_git(&project.dir)?;
                ctx.term
                    .note(format!("tag {t} (from git; --tag sets another)"));
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
            ctx.term.note(format!(
                "{e} is installed but `{e} version` failed (is its daemon running?): not using it"
            ));
        }
        Ok(Target {
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
pub fn show(ctx: &Ctx) -> image::Show {
    image::show(
        std::io::stderr().is_terminal(),
        ctx.term.quiet,
        ctx.term.verbose,
    )
}

pub fn run(ctx: &Ctx, args: BuildArgs) -> Result<ExitCode> {
    // Stage one: flags that are wrong whatever the project says.
    check_tag(args.tag.as_deref())?;
    let flag_args = args
        .build_args
        .iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(Error::usage(
                format!("--build-arg `{kv}` is not KEY=VALUE"),
                "e.g. --build-arg PYTHON_VERSION=3.12",
            )),
        })
        .collect::<Result<Vec<_>>>()?;

    let project = ctx.project()?;
    let target = Target::resolve(
        ctx,
        &project,
        args.tag.as_deref(),
        args.engine.as_deref(),
        args.push,
    )?;

    // etl.yaml's build args, then the flags' (a flag replaces the same key).
    let mut build_args: Vec<(String, String)> = project
        .image
        .build_args
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    for (k, v) in flag_args {
        build_args.retain(|(old, _)| *old != k);
        build_args.push((k, v));
    }

    let dockerfile = project.dir.join(&project.image.dockerfile);
    let context = project.dir.join(&project.image.context);
    if !dockerfile.is_file() {
        return Err(Error::usage(
            format!(
                "{}: no Dockerfile here (etl.yaml's image.dockerfile)",
                dockerfile.display()
            ),
            "write one, or point image.dockerfile at yours (relative to etl.yaml)",
        ));
    }
    if !context.is_dir() {
        return Err(Error::usage(
            format!(
                "{}: no such directory (etl.yaml's image.context)",
                context.display()
            ),
            "image.context is the directory sent to the build, relative to etl.yaml",
        ));
    }

    let image = target.image();
    ctx.term
        .note(format!("building {image} with {}", target.engine));
    let argv = image::argv(
        target.engine,
        &Op::Build {
            image: &image,
            dockerfile: &dockerfile,
            context: &context,
            build_args: &build_args,
            platform: args.platform.as_deref(),
        },
    );
    let show = show(ctx);
    let done = image::run(
        target.engine,
        &argv,
        &format!("building {image}"),
        show,
        false,
    )?;
    if !done.status.success() {
        return Err(ImageError::BuildFailed {
            engine: target.engine,
            image,
            step: done.step,
            code: done.status.code(),
            // With -v the whole log is on the screen already.
            log: if show == image::Show::All {
                String::new()
            } else {
                done.tail.joined()
            },
        }
        .into());
    }
    ctx.term.note(format!(
        "built {image} in {:.1}s",
        done.elapsed.as_secs_f64()
    ));

    if args.push {
        let pushed = super::push::push(ctx, &project, &target)?;
        let mut out = format!("{}\n", pushed.image);
        if let Some(own) = super::push::push_scheduler_image(ctx, &project, &target)? {
            out.push_str(&format!("{}\n", own.image));
        }
        return super::write_stdout(&out);
    }
    super::write_stdout(&format!("{image}\n"))
}
