//! The container engines etl drives, which one to use, and the exact command line for each
//! operation. Pure, except `find_on_path`, which looks at the file system.

use super::ImageError;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A container engine etl knows how to drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
    Buildah,
    Nerdctl,
}

impl Engine {
    /// In the order etl looks for them when neither etl.yaml nor `--engine` names one.
    pub const ALL: [Engine; 4] = [
        Engine::Docker,
        Engine::Podman,
        Engine::Buildah,
        Engine::Nerdctl,
    ];

    /// The executable's name, also how etl.yaml and `--engine` spell it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
            Engine::Buildah => "buildah",
            Engine::Nerdctl => "nerdctl",
        }
    }

    pub fn parse(s: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == s)
    }

    /// The command that logs this engine in to `registry`.
    pub fn login_command(self, registry: &str) -> String {
        format!("{} login {registry}", self.name())
    }

    /// Whether the engine can write the pushed digest to a file (`push --digestfile`), which
    /// is exact; the others' digest is read from the push output or `image inspect`.
    pub fn has_digest_file(self) -> bool {
        matches!(self, Engine::Podman | Engine::Buildah)
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How to install an engine, for the error when none is found.
pub const INSTALL_HINT: &str = "install one, e.g. `sudo apt-get install podman` (Debian, Ubuntu), \
`brew install podman` (macOS) or Docker Desktop (https://docs.docker.com/get-docker/), \
or name yours with --engine or etl.yaml's `image.engine`";

/// Which engine to use: the one named by `--engine` (first) or etl.yaml, which must then be
/// installed, else the first of `Engine::ALL` that `installed` says is there.
///
/// `named` is `(where it was named, name)`, e.g. `("--engine", "podman")`.
pub fn choose(
    named: Option<(&str, &str)>,
    installed: impl Fn(Engine) -> bool,
) -> Result<Engine, ImageError> {
    if let Some((whence, name)) = named {
        let engine = Engine::parse(name).ok_or_else(|| ImageError::UnknownEngine {
            whence: whence.to_string(),
            name: name.to_string(),
        })?;
        return if installed(engine) {
            Ok(engine)
        } else {
            Err(ImageError::EngineNotInstalled {
                engine,
                whence: whence.to_string(),
            })
        };
    }
    Engine::ALL
        .into_iter()
        .find(|e| installed(*e))
        .ok_or(ImageError::NoEngine)
}

/// The executable called `name` in one of `path`'s directories (the value of `PATH`).
pub fn find_on_path(name: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file() || p.with_extension("exe").is_file()
}

/// One thing etl asks an engine to do.
#[derive(Clone, Debug)]
pub enum Op<'a> {
    /// Build `image` (`repo:tag`) from a Dockerfile and a context directory.
    Build {
        image: &'a str,
        dockerfile: &'a Path,
        context: &'a Path,
        build_args: &'a [(String, String)],
        platform: Option<&'a str>,
    },
    /// Push `image`; engines that can write the pushed manifest's digest to `digest_file`.
    Push {
        image: &'a str,
        digest_file: Option<&'a Path>,
    },
    /// Print the image's repository digests as a JSON list (`["repo@sha256:…"]`).
    Inspect { image: &'a str },
}

/// The arguments (after the engine's executable) that make `engine` do `op`.
///
/// The one place that knows each engine's flags. No `--progress=plain` for docker and
/// nerdctl: docker's legacy builder (no buildx) rejects it, and BuildKit's default `auto`
/// already prints plain lines when its output is not a terminal, as here (etl reads it).
pub fn argv(engine: Engine, op: &Op) -> Vec<OsString> {
    let mut a: Vec<OsString> = Vec::new();
    let mut push = |s: &str| a.push(s.into());
    match op {
        Op::Build {
            image,
            dockerfile,
            context,
            build_args,
            platform,
        } => {
            push("build");
            push("--tag");
            push(image);
            push("--file");
            a.push(dockerfile.as_os_str().to_owned());
            for (k, v) in build_args.iter() {
                a.push("--build-arg".into());
                a.push(format!("{k}={v}").into());
            }
            if let Some(p) = platform {
                a.push("--platform".into());
                a.push((*p).into());
            }
            a.push(context.as_os_str().to_owned());
        }
        Op::Push { image, digest_file } => {
            push("push");
            if let (true, Some(f)) = (engine.has_digest_file(), digest_file) {
                push("--digestfile");
                a.push(f.as_os_str().to_owned());
            }
            a.push((*image).into());
        }
        Op::Inspect { image } => {
            match engine {
                // buildah's `inspect` shows a working container's view; `images --json`
                // does not carry repository digests either, so ask for the same JSON from
                // `inspect --type image`, whose `FromImageDigest` is the local manifest's.
                Engine::Buildah => {
                    push("inspect");
                    push("--type");
                    push("image");
                    push("--format");
                    push("[\"{{.FromImage}}@{{.FromImageDigest}}\"]");
                }
                _ => {
                    push("image");
                    push("inspect");
                    push("--format");
                    push("{{json .RepoDigests}}");
                }
            }
            a.push((*image).into());
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: Vec<OsString>) -> Vec<String> {
        v.into_iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    fn build(engine: Engine, platform: Option<&str>) -> Vec<String> {
        let args = [
            ("PY".to_string(), "3.12".to_string()),
            ("MODE".to_string(), "a b".to_string()),
        ];
        strings(argv(
            engine,
            &Op::Build {
                image: "reg.example/t/p:abc1234",
                dockerfile: Path::new("/p/Dockerfile"),
                context: Path::new("/p"),
                build_args: &args,
                platform,
            },
        ))
    }

    #[test]
    fn docker_builds_with_platform_and_build_args() {
        assert_eq!(
            build(Engine::Docker, Some("linux/amd64")),
            [
                "build",
                "--tag",
                "reg.example/t/p:abc1234",
                "--file",
                "/p/Dockerfile",
                "--build-arg",
                "PY=3.12",
                "--build-arg",
                "MODE=a b",
                "--platform",
                "linux/amd64",
                "/p"
            ]
        );
    }

    #[test]
    fn nerdctl_builds_like_docker() {
        assert_eq!(
            build(Engine::Nerdctl, Some("linux/amd64")),
            build(Engine::Docker, Some("linux/amd64"))
        );
    }

    #[test]
    fn podman_and_buildah_build_without_a_progress_flag() {
        for engine in [Engine::Podman, Engine::Buildah] {
            assert_eq!(
                build(engine, None),
                [
                    "build",
                    "--tag",
                    "reg.example/t/p:abc1234",
                    "--file",
                    "/p/Dockerfile",
                    "--build-arg",
                    "PY=3.12",
                    "--build-arg",
                    "MODE=a b",
                    "/p"
                ],
                "{engine}"
            );
        }
    }

    fn push(engine: Engine) -> Vec<String> {
        strings(argv(
            engine,
            &Op::Push {
                image: "reg.example/t/p:abc1234",
                digest_file: Some(Path::new("/tmp/d")),
            },
        ))
    }

    #[test]
    fn podman_and_buildah_push_with_a_digest_file() {
        for engine in [Engine::Podman, Engine::Buildah] {
            assert_eq!(
                push(engine),
                ["push", "--digestfile", "/tmp/d", "reg.example/t/p:abc1234"]
            );
        }
    }

    #[test]
    fn docker_and_nerdctl_push_without_one() {
        for engine in [Engine::Docker, Engine::Nerdctl] {
            assert_eq!(push(engine), ["push", "reg.example/t/p:abc1234"]);
        }
    }

    #[test]
    fn inspect_asks_for_the_repository_digests_as_json() {
        for engine in [Engine::Docker, Engine::Podman, Engine::Nerdctl] {
            assert_eq!(
                strings(argv(engine, &Op::Inspect { image: "r:t" })),
                [
                    "image",
                    "inspect",
                    "--format",
                    "{{json .RepoDigests}}",
                    "r:t"
                ]
            );
        }
        assert_eq!(
            strings(argv(Engine::Buildah, &Op::Inspect { image: "r:t" }))[..3],
            ["inspect", "--type", "image"]
        );
    }

    #[test]
    fn engines_are_tried_in_order() {
        assert_eq!(choose(None, |_| true).unwrap(), Engine::Docker);
        assert_eq!(
            choose(None, |e| e != Engine::Docker).unwrap(),
            Engine::Podman
        );
        assert_eq!(
            choose(None, |e| e == Engine::Nerdctl).unwrap(),
            Engine::Nerdctl
        );
        assert!(matches!(choose(None, |_| false), Err(ImageError::NoEngine)));
    }

    #[test]
    fn a_named_engine_wins_and_must_be_installed() {
        assert_eq!(
            choose(Some(("--engine", "podman")), |_| true).unwrap(),
            Engine::Podman
        );
        assert!(matches!(
            choose(Some(("etl.yaml image.engine", "podman")), |e| e
                == Engine::Docker),
            Err(ImageError::EngineNotInstalled {
                engine: Engine::Podman,
                ..
            })
        ));
        assert!(matches!(
            choose(Some(("--engine", "dokcer")), |_| true),
            Err(ImageError::UnknownEngine { .. })
        ));
    }

    #[test]
    fn login_command_names_engine_and_registry() {
        assert_eq!(
            Engine::Podman.login_command("127.0.0.1:5000"),
            "podman login 127.0.0.1:5000"
        );
        assert_eq!(
            Engine::Docker.login_command("docker.io"),
            "docker login docker.io"
        );
    }

    #[test]
    fn finds_executables_on_path() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("podman");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(dir.path().join("docker"), "not executable").unwrap();
        let path = std::env::join_paths([dir.path()]).unwrap();
        assert_eq!(find_on_path("podman", Some(&path)), Some(exe));
        #[cfg(unix)]
        assert_eq!(find_on_path("docker", Some(&path)), None);
        assert_eq!(find_on_path("podman", None), None);
    }
}
