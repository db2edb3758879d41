//! The container engine: which one (docker, podman, buildah, nerdctl), the job image's tag,
//! building and pushing it with progress on stderr, and the pushed digest runs are pinned to.
//! I/O (processes, git, the state directory); the decisions are pure functions in `engine`,
//! `output` and `tag::tag`, tested on their own.

pub mod engine;
pub mod output;
pub mod push;
pub mod pushed;
pub mod quantity;
mod run;
pub mod selfimage;
pub mod tag;
pub mod target;

pub use engine::{ContainerRun, Engine, Op, argv, run_argv};
pub use run::{Finished, Show, run_engine, show};
pub use target::ImageTarget;

use crate::error::Error;

/// What can go wrong with the engine, the tag or the registry.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("no container engine found: tried {}", engine::Engine::ALL.map(|e| e.name()).join(", "))]
    NoEngine,
    #[error("{whence} names the engine `{name}`, which etl does not know")]
    UnknownEngine { whence: String, name: String },
    #[error("{whence} names {engine}, which is not installed (not found on PATH)")]
    EngineNotInstalled { engine: Engine, whence: String },
    #[error("cannot run {engine}: {source}")]
    Spawn {
        engine: Engine,
        source: std::io::Error,
    },
    #[error("cannot make the default image tag: {reason}")]
    NoGitTag { reason: String },
    #[error("`{tag}` is not a valid image tag")]
    InvalidTag { tag: String },
    #[error("etl.yaml has no `image.repository` to push to")]
    NoRepository,
    #[error("building {image} failed{}{}{}", step.as_ref().map(|s| format!(" at {s}")).unwrap_or_default(), code.map(|c| format!(" ({engine} exited with {c})")).unwrap_or_default(), indent(log))]
    BuildFailed {
        engine: Engine,
        image: String,
        /// The last step the engine started: the one that failed.
        step: Option<String>,
        code: Option<i32>,
        /// The last lines of the build log.
        log: String,
    },
    #[error(
        "pushing {image} failed: {registry} refused it without credentials{}",
        indent(log)
    )]
    NotLoggedIn {
        engine: Engine,
        image: String,
        registry: String,
        log: String,
    },
    #[error("pushing {image} failed{}", indent(log))]
    PushFailed {
        engine: Engine,
        image: String,
        log: String,
        /// The engine says there is no such image here.
        missing: bool,
    },
    #[error("{engine} cannot run containers from an image (it only builds them)")]
    CannotRun { engine: Engine },
    #[error("resources: {resource} `{value}` is not a quantity etl can give the container engine")]
    BadQuantity {
        resource: &'static str,
        value: String,
    },
    #[error("{engine} could not run {image} (it exited with 125; its message is above)")]
    RunFailed { engine: Engine, image: String },
    #[error(
        "{engine} pushed {image} but etl could not read the pushed digest{}",
        indent(log)
    )]
    NoDigest {
        engine: Engine,
        image: String,
        log: String,
    },
}

impl ImageError {
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            ImageError::NoEngine | ImageError::EngineNotInstalled { .. } => {
                engine::INSTALL_HINT.to_string()
            }
            ImageError::UnknownEngine { .. } => format!(
                "etl knows {}",
                Engine::ALL.map(|e| e.name()).join(", ")
            ),
            ImageError::Spawn { .. } => "check that the engine runs: `ENGINE version`".into(),
            ImageError::NoGitTag { .. } => {
                "pass the tag with --tag T (e.g. --tag v1), or run etl inside a git repository with a commit".into()
            }
            ImageError::InvalidTag { .. } => {
                "a tag is letters, digits, `_`, `.` and `-`, up to 128, not starting with `.` or `-`".into()
            }
            ImageError::NoRepository => {
                "add `image: {repository: registry.example.com/team/PROJECT}` to etl.yaml".into()
            }
            ImageError::BuildFailed { engine, log, .. } if output::is_daemon_down(log) => format!(
                "start the {engine} daemon, or build with another engine: --engine podman"
            ),
            ImageError::BuildFailed { step: Some(_), .. } => {
                "fix that step in the Dockerfile; `etl build -v` shows the whole log".into()
            }
            ImageError::BuildFailed { .. } => {
                "the engine failed before the first step (its message is above); `etl build -v` shows the whole log".into()
            }
            ImageError::NotLoggedIn {
                engine, registry, ..
            } => format!("log in with `{}`, then push again", engine.login_command(registry)),
            ImageError::PushFailed { missing: true, .. } => {
                "build it first: `etl build` (or `etl build --push`), with the same --tag".into()
            }
            ImageError::PushFailed { .. } | ImageError::NoDigest { .. } => {
                "`etl push -v` shows the engine's whole output".into()
            }
            ImageError::CannotRun { .. } => {
                "run it with podman or docker: install one and set etl.yaml's `image.engine: podman`".into()
            }
            ImageError::BadQuantity { resource, .. } => format!(
                "e.g. {}; Kubernetes would refuse it too",
                if *resource == "cpu" { "cpu: 500m or cpu: 2" } else { "memory: 512Mi or memory: 2Gi" }
            ),
            ImageError::RunFailed { engine, .. } => format!(
                "is the image here or pullable? `etl build` builds it, `--image REF` runs another, `{engine} images` lists this machine's"
            ),
        })
    }

    /// Mistakes in the command or etl.yaml are usage errors (exit 2); the engine or the
    /// registry failing is an environment error (exit 3).
    fn is_usage(&self) -> bool {
        matches!(
            self,
            ImageError::UnknownEngine { .. }
                | ImageError::NoGitTag { .. }
                | ImageError::InvalidTag { .. }
                | ImageError::NoRepository
                | ImageError::BadQuantity { .. }
        )
    }
}

impl From<ImageError> for Error {
    fn from(e: ImageError) -> Error {
        let hint = e.hint();
        let message = e.to_string();
        if e.is_usage() {
            Error::Usage { message, hint }
        } else {
            Error::Environment { message, hint }
        }
    }
}

/// A log, on the lines after the error, indented so it reads as quoted (nothing when empty:
/// with `-v` the whole log was just shown).
fn indent(log: &str) -> String {
    log.lines().map(|l| format!("\n  | {l}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit;

    #[test]
    fn exit_codes_follow_whose_fault_it_is() {
        let env: Error = ImageError::NoEngine.into();
        assert_eq!(env.exit_code(), exit::ENVIRONMENT);
        let usage: Error = ImageError::NoGitTag { reason: "x".into() }.into();
        assert_eq!(usage.exit_code(), exit::USAGE);
    }

    #[test]
    fn no_engine_lists_the_engines_tried_and_how_to_install_one() {
        let e: Error = ImageError::NoEngine.into();
        let text = e.to_string();
        assert!(
            text.contains("tried docker, podman, buildah, nerdctl"),
            "{text}"
        );
        assert!(text.contains("apt-get install podman"), "{text}");
    }

    #[test]
    fn a_failed_build_shows_the_step_and_the_log() {
        let e: Error = ImageError::BuildFailed {
            engine: Engine::Podman,
            image: "r:t".into(),
            step: Some("STEP 3/3: COPY nope /x".into()),
            code: Some(125),
            log: "STEP 3/3: COPY nope /x\nError: building at STEP".into(),
        }
        .into();
        assert_eq!(
            e.to_string(),
            "building r:t failed at STEP 3/3: COPY nope /x (podman exited with 125)\n  \
             | STEP 3/3: COPY nope /x\n  | Error: building at STEP\n  \
             hint: fix that step in the Dockerfile; `etl build -v` shows the whole log"
        );
    }

    #[test]
    fn not_logged_in_gives_the_login_command() {
        let e: Error = ImageError::NotLoggedIn {
            engine: Engine::Podman,
            image: "127.0.0.1:5000/p:t".into(),
            registry: "127.0.0.1:5000".into(),
            log: "unauthorized".into(),
        }
        .into();
        assert!(
            e.to_string().contains("`podman login 127.0.0.1:5000`"),
            "{e}"
        );
    }
}
