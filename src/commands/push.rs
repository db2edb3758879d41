//! `etl push`: pushes the job image and records its digest, which runs then use; and, when
//! etl.yaml wants the in-cluster scheduler, builds and pushes etl's own image for it.

use super::Ctx;
use crate::cli::PushArgs;
use crate::error::Result;
use crate::image::ImageTarget;
use crate::image::push::{push, push_scheduler_image};
use crate::image::target::check_tag;
use std::process::ExitCode;

pub fn push_images(ctx: &Ctx, args: PushArgs) -> Result<ExitCode> {
    check_tag(args.tag.as_deref())?;
    let project = ctx.project()?;
    let target = ImageTarget::resolve(
        &ctx.term,
        &project,
        args.tag.as_deref(),
        args.engine.as_deref(),
        true,
    )?;
    let pushed = push(&ctx.term, &project, &target)?;
    let mut out = format!("{}\n", pushed.image);
    if let Some(own) = push_scheduler_image(&ctx.term, &project, &target)? {
        out.push_str(&format!("{}\n", own.image));
    }
    super::output::write_stdout(&out)
}
