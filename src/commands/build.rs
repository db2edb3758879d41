//! `etl build`: the job image from etl.yaml's `image`, with the engine on this machine.

use super::Ctx;
use crate::cli::BuildArgs;
use crate::error::{Error, Result};
use crate::image::push::{push, push_scheduler_image};
use crate::image::target::{check_tag, show_for};
use crate::image::{self, ImageError, ImageTarget, Op};
use std::process::ExitCode;

pub fn build(ctx: &Ctx, args: BuildArgs) -> Result<ExitCode> {
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
    let target = ImageTarget::resolve(
        &ctx.term,
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
    let show = show_for(&ctx.term);
    let done = image::run_engine(
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
        let pushed = push(&ctx.term, &project, &target)?;
        let mut out = format!("{}\n", pushed.image);
        if let Some(own) = push_scheduler_image(&ctx.term, &project, &target)? {
            out.push_str(&format!("{}\n", own.image));
        }
        return super::output::write_stdout(&out);
    }
    super::output::write_stdout(&format!("{image}\n"))
}
