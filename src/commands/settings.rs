//! What a command takes from this machine when no flag says otherwise: who starts a run, and
//! which image it uses. I/O (the environment, the user database, the state directory).

use crate::error::Result;
use crate::project::Project;
use jiff::Timestamp;
use std::cell::OnceCell;

/// What one invocation resolves from this machine, once: "now" and the user. Each is read on
/// first use, so a command that needs neither never reads them (a bad `ETL_NOW` fails only
/// the commands that use the clock), and is the same for the rest of the command.
#[derive(Default)]
pub struct Settings {
    now: OnceCell<Timestamp>,
    user: OnceCell<String>,
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
