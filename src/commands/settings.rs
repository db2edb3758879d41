//! What a command takes from this machine when no flag says otherwise: "now", who starts a
//! run, and which image it uses. I/O (the clock, the environment, the user database, the state
//! directory).

use crate::error::Result;
use crate::project::Project;
use jiff::Timestamp;
use std::cell::OnceCell;

/// What one invocation resolves from this machine, once: "now", the user and the image. Each
/// is read on first use, so a command that needs none never reads them (a bad `ETL_NOW` fails
/// only the commands that use the clock), and is the same for the rest of the command.
#[derive(Default)]
pub struct Settings {
    now: OnceCell<Timestamp>,
    user: OnceCell<String>,
    /// The image, with the `--image` flag it was resolved for.
    image: OnceCell<(Option<String>, (String, String))>,
}

impl Settings {
    pub fn now(&self) -> Result<Timestamp> {
        if let Some(t) = self.now.get() {
            return Ok(*t);
        }
        let t = crate::clock::now()?;
        Ok(*self.now.get_or_init(|| t))
    }

    pub fn user(&self) -> String {
        self.user.get_or_init(started_by).clone()
    }

    /// [`image_ref`], resolved once. A command resolves one image; asked again for another
    /// flag (never today), it resolves that one afresh rather than answer with the first.
    pub fn image(&self, project: &Project, flag: Option<&str>) -> (String, String) {
        let (for_flag, image) = self
            .image
            .get_or_init(|| (flag.map(str::to_string), image_ref(project, flag)));
        if for_flag.as_deref() == flag {
            image.clone()
        } else {
            image_ref(project, flag)
        }
    }
}

/// Who is starting a run, as recorded on it: `ETL_USER`, else `USER` / `USERNAME`, else the
/// account's name from the password database (cron and containers often leave `USER` unset),
/// else `unknown`.
fn started_by() -> String {
    let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
    var("ETL_USER")
        .or_else(|| var("USER"))
        .or_else(|| var("USERNAME"))
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The image a run uses, and a note on where it came from.
pub fn image_ref(project: &Project, flag: Option<&str>) -> (String, String) {
    if let Some(image) = flag {
        return (image.to_string(), format!("image {image} (--image)"));
    }
    let repo = project
        .image
        .repository
        .clone()
        .unwrap_or_else(|| project.name.clone());
    let why = match crate::image::pushed::pinned(project, &repo) {
        Ok(pinned) => return pinned,
        Err(why) => why,
    };
    (
        format!("{repo}:latest"),
        format!("image {repo}:latest ({why})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_image_is_resolved_once_but_never_for_another_flag() {
        let project = crate::project::parse(
            Path::new("etl.yaml"),
            "project: demo\njobs:\n  j:\n    command: [true]\n",
        )
        .unwrap();
        let settings = Settings::default();
        let first = settings.image(&project, Some("registry.example/demo:1"));
        assert_eq!(first.0, "registry.example/demo:1");
        assert_eq!(
            settings.image(&project, Some("registry.example/demo:1")),
            first
        );
        assert_eq!(
            settings.image(&project, Some("registry.example/demo:2")).0,
            "registry.example/demo:2"
        );
    }
}
