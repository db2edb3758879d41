//! What a command takes from this machine when no flag says otherwise: who starts a run, and
//! which image it uses. I/O (the environment, the user database, the state directory).

use crate::project::Project;

/// Who is starting a run, as recorded on it: `ETL_USER`, else `USER` / `USERNAME`, else the
/// account's name from the password database (cron and containers often leave `USER` unset),
/// else `unknown`.
pub fn started_by() -> String {
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
