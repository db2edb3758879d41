//! The container engines etl drives, which one to use, and the exact command line for each
//! operation. Pure, except `find_on_path`, which looks at the file system, and `answers`,
//! which asks an engine for its version.

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

    /// Whether the engine runs containers from an image (`ENGINE run IMAGE`): buildah only
    /// builds (its `run` runs a step inside a working container).
    pub fn can_run(self) -> bool {
        !matches!(self, Engine::Buildah)
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

/// As [`choose`], but when no engine is named, the first installed one that `answers` (asked
/// only of installed engines, in order, until one does): docker's client is often installed
/// where its daemon is not running, while podman needs none. When none answers, the first
/// installed one, whose own error then says what is wrong. Also returns the installed engines
/// passed over for not answering, to say so.
pub fn choose_answering(
    named: Option<(&str, &str)>,
    installed: impl Fn(Engine) -> bool,
    answers: impl Fn(Engine) -> bool,
) -> Result<(Engine, Vec<Engine>), ImageError> {
    if named.is_some() {
        return choose(named, installed).map(|e| (e, Vec::new()));
    }
    let found: Vec<Engine> = Engine::ALL.into_iter().filter(|e| installed(*e)).collect();
    let first = *found.first().ok_or(ImageError::NoEngine)?;
    let mut silent = Vec::new();
    for e in found {
        if answers(e) {
            return Ok((e, silent));
        }
        silent.push(e);
    }
    Ok((first, silent))
}

/// How long `answers` waits for an engine: a daemon that is up answers in milliseconds.
pub const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Whether `ENGINE version` succeeds within [`ANSWER_TIMEOUT`]: for docker and nerdctl that
/// needs their daemon, for podman (on macOS, its machine) that it can run at all. A hung
/// client is killed.
pub fn answers(engine: Engine) -> bool {
    use std::process::{Command, Stdio};
    let Ok(mut child) = Command::new(engine.name())
        .arg("version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    let deadline = std::time::Instant::now() + ANSWER_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// Which engine runs a job's container: as `choose`, but when none is named, the first
/// installed one that can run containers; buildah alone (or named) cannot.
pub fn choose_runner(
    named: Option<(&str, &str)>,
    installed: impl Fn(Engine) -> bool,
) -> Result<Engine, ImageError> {
    let engine = match named {
        Some(_) => choose(named, installed)?,
        None => match choose(None, |e| e.can_run() && installed(e)) {
            Err(ImageError::NoEngine) if installed(Engine::Buildah) => Engine::Buildah,
            other => other?,
        },
    };
    if engine.can_run() {
        Ok(engine)
    } else {
        Err(ImageError::CannotRun { engine })
    }
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
    /// Stop the container `name` now (SIGKILL).
    Kill { name: &'a str },
    /// Remove the container `name`, running or not (`rm -f`).
    Remove { name: &'a str },
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
        Op::Kill { name } => {
            push("kill");
            push(name);
        }
        Op::Remove { name } => {
            push("rm");
            push("--force");
            push(name);
        }
    }
    a
}

/// One run of a job's container, as `etl jobs run --container` asks for it: the rendered
/// pod's container, in engine terms.
#[derive(Clone, Debug)]
pub struct ContainerRun<'a> {
    /// The container's name, chosen by etl so that a stop can `kill` and `rm` it by name.
    pub name: &'a str,
    pub image: &'a str,
    /// The pod's `command`: as in Kubernetes, it replaces the image's entrypoint (empty: the
    /// image's entrypoint runs).
    pub command: &'a [String],
    /// The pod's `args`, after the command (replacing the image's CMD).
    pub args: &'a [String],
    /// Env vars whose values go on the command line.
    pub env: &'a [(String, String)],
    /// Env vars the engine copies from its own environment (`-e KEY`): secrets, whose values
    /// must never be on a command line (`ps` shows those to every user of the machine). The
    /// caller puts the values in the engine's environment.
    pub env_from_engine: &'a [String],
    /// CPUs, a Kubernetes quantity (the limit, else the request).
    pub cpu: Option<&'a str>,
    /// Memory, a Kubernetes quantity (the limit).
    pub memory: Option<&'a str>,
    /// This machine's CPUs: docker refuses `--cpus` above it, so a job asking for more gets
    /// all of them.
    pub host_cpus: Option<u64>,
    /// The project directory, mounted at `/work` and the working directory (`--mount`).
    pub mount: Option<&'a Path>,
}

/// The arguments (after the engine's executable) that run `c` in the foreground and remove it
/// when it ends: `run --rm --name NAME [-e …] [--cpus N] [--memory BYTES] [-v DIR:/work
/// --workdir /work] [--entrypoint CMD] IMAGE ARGS…`.
///
/// docker, podman and nerdctl take the same flags; buildah cannot run an image. Signals sent
/// to the engine's client are passed on to the container (`--sig-proxy`, their default).
pub fn run_argv(engine: Engine, c: &ContainerRun) -> Result<Vec<OsString>, ImageError> {
    if !engine.can_run() {
        return Err(ImageError::CannotRun { engine });
    }
    let mut a: Vec<OsString> = ["run", "--rm", "--name", c.name]
        .into_iter()
        .map(OsString::from)
        .collect();
    for (k, v) in c.env {
        a.push("--env".into());
        a.push(format!("{k}={v}").into());
    }
    for k in c.env_from_engine {
        a.push("--env".into());
        a.push(k.into());
    }
    if let Some(q) = c.cpu {
        let millis = super::quantity::millicpus(q).ok_or_else(|| ImageError::BadQuantity {
            resource: "cpu",
            value: q.to_string(),
        })?;
        let millis = match c.host_cpus {
            Some(n) => millis.min(n.saturating_mul(1000)),
            None => millis,
        };
        // `--cpus 0` means "no limit" to docker and an error to some versions of podman.
        if millis > 0 {
            a.push("--cpus".into());
            a.push(super::quantity::cpus_flag(millis).into());
        }
    }
    if let Some(q) = c.memory {
        let bytes = super::quantity::bytes(q).ok_or_else(|| ImageError::BadQuantity {
            resource: "memory",
            value: q.to_string(),
        })?;
        if bytes > 0 {
            a.push("--memory".into());
            a.push(bytes.to_string().into());
        }
    }
    if let Some(dir) = c.mount {
        let mut volume = dir.as_os_str().to_owned();
        volume.push(":/work");
        a.push("--volume".into());
        a.push(volume);
        a.push("--workdir".into());
        a.push("/work".into());
    }
    let mut command = c.command.iter();
    if let Some(entrypoint) = command.next() {
        // One executable: docker takes `--entrypoint` as a path, not a command line.
        a.push("--entrypoint".into());
        a.push(entrypoint.into());
    }
    a.push(c.image.into());
    a.extend(command.chain(c.args).map(OsString::from));
    Ok(a)
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

    fn job_container<'a>(
        command: &'a [String],
        args: &'a [String],
        env: &'a [(String, String)],
        secrets: &'a [String],
    ) -> ContainerRun<'a> {
        ContainerRun {
            name: "etl-ingest-20261122-1d-a1",
            image: "reg.example/t/p@sha256:abc",
            command,
            args,
            env,
            env_from_engine: secrets,
            cpu: Some("500m"),
            memory: Some("512Mi"),
            host_cpus: Some(8),
            mount: None,
        }
    }

    fn words(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn docker_podman_and_nerdctl_run_the_pod_s_container_alike() {
        let command = words(&["python3", "main.py"]);
        let args = words(&[
            "ingest",
            "2026-11-22T00:00:00Z",
            "2026-11-23T00:00:00Z",
            "{}",
        ]);
        let env = [
            ("ETL_JOB".to_string(), "ingest".to_string()),
            ("GREETING".to_string(), "a b".to_string()),
        ];
        let secrets = words(&["WAREHOUSE_TOKEN"]);
        for engine in [Engine::Docker, Engine::Podman, Engine::Nerdctl] {
            let c = job_container(&command, &args, &env, &secrets);
            assert_eq!(
                strings(run_argv(engine, &c).unwrap()),
                [
                    "run",
                    "--rm",
                    "--name",
                    "etl-ingest-20261122-1d-a1",
                    "--env",
                    "ETL_JOB=ingest",
                    "--env",
                    "GREETING=a b",
                    // The secret by name only: the engine reads its value from its own env.
                    "--env",
                    "WAREHOUSE_TOKEN",
                    "--cpus",
                    "0.5",
                    "--memory",
                    "536870912",
                    "--entrypoint",
                    "python3",
                    "reg.example/t/p@sha256:abc",
                    "main.py",
                    "ingest",
                    "2026-11-22T00:00:00Z",
                    "2026-11-23T00:00:00Z",
                    "{}"
                ],
                "{engine}"
            );
        }
    }

    #[test]
    fn mount_cpu_cap_and_no_command() {
        let args = words(&["ingest"]);
        let c = ContainerRun {
            cpu: Some("16"),
            memory: None,
            host_cpus: Some(2),
            mount: Some(Path::new("/home/ana/proj")),
            ..job_container(&[], &args, &[], &[])
        };
        assert_eq!(
            strings(run_argv(Engine::Podman, &c).unwrap()),
            [
                "run",
                "--rm",
                "--name",
                "etl-ingest-20261122-1d-a1",
                "--cpus",
                "2",
                "--volume",
                "/home/ana/proj:/work",
                "--workdir",
                "/work",
                // No command: the image's entrypoint runs, with the args (as in Kubernetes).
                "reg.example/t/p@sha256:abc",
                "ingest"
            ]
        );
        let unlimited = ContainerRun {
            cpu: Some("0"),
            memory: Some("0"),
            mount: None,
            ..c
        };
        assert!(
            !strings(run_argv(Engine::Docker, &unlimited).unwrap())
                .iter()
                .any(|a| a == "--cpus" || a == "--memory")
        );
    }

    #[test]
    fn a_secret_value_is_never_in_the_run_argv() {
        // What jobs_run passes: plain env on the command line, secrets by name.
        let env = [("ETL_RUN_ID".to_string(), "r".to_string())];
        let secrets = words(&["TOKEN"]);
        let argv =
            strings(run_argv(Engine::Docker, &job_container(&[], &[], &env, &secrets)).unwrap());
        assert!(argv.contains(&"TOKEN".to_string()));
        assert!(!argv.iter().any(|a| a.starts_with("TOKEN=")), "{argv:?}");
    }

    #[test]
    fn buildah_cannot_run_a_container() {
        let c = job_container(&[], &[], &[], &[]);
        assert!(matches!(
            run_argv(Engine::Buildah, &c),
            Err(ImageError::CannotRun {
                engine: Engine::Buildah
            })
        ));
        let e: crate::error::Error = run_argv(Engine::Buildah, &c).unwrap_err().into();
        let text = e.to_string();
        assert!(text.contains("buildah cannot run containers"), "{text}");
        assert!(text.contains("podman or docker"), "{text}");
    }

    #[test]
    fn a_bad_quantity_names_the_resource() {
        let c = ContainerRun {
            memory: Some("lots"),
            ..job_container(&[], &[], &[], &[])
        };
        assert!(matches!(
            run_argv(Engine::Podman, &c),
            Err(ImageError::BadQuantity {
                resource: "memory",
                ..
            })
        ));
    }

    #[test]
    fn the_runner_skips_buildah_unless_it_is_all_there_is() {
        assert_eq!(
            choose_runner(None, |e| matches!(e, Engine::Buildah | Engine::Nerdctl)).unwrap(),
            Engine::Nerdctl
        );
        assert!(matches!(
            choose_runner(None, |e| e == Engine::Buildah),
            Err(ImageError::CannotRun { .. })
        ));
        assert!(matches!(
            choose_runner(Some(("etl.yaml's image.engine", "buildah")), |_| true),
            Err(ImageError::CannotRun { .. })
        ));
        assert!(matches!(
            choose_runner(None, |_| false),
            Err(ImageError::NoEngine)
        ));
    }

    #[test]
    fn kill_and_remove_by_name() {
        for engine in [Engine::Docker, Engine::Podman, Engine::Nerdctl] {
            assert_eq!(
                strings(argv(engine, &Op::Kill { name: "etl-x" })),
                ["kill", "etl-x"]
            );
            assert_eq!(
                strings(argv(engine, &Op::Remove { name: "etl-x" })),
                ["rm", "--force", "etl-x"]
            );
        }
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
    fn with_none_named_the_first_engine_that_answers_wins() {
        let both = |e: Engine| matches!(e, Engine::Docker | Engine::Podman);
        // docker's client without its daemon, podman working.
        assert_eq!(
            choose_answering(None, both, |e| e == Engine::Podman).unwrap(),
            (Engine::Podman, vec![Engine::Docker])
        );
        assert_eq!(
            choose_answering(None, both, |_| true).unwrap(),
            (Engine::Docker, vec![])
        );
        // None answers: the first installed, whose own error will say why.
        assert_eq!(
            choose_answering(None, both, |_| false).unwrap(),
            (Engine::Docker, vec![Engine::Docker, Engine::Podman])
        );
        // A named engine is used as named, and not asked.
        assert_eq!(
            choose_answering(Some(("--engine", "docker")), both, |_| panic!("asked")).unwrap(),
            (Engine::Docker, vec![])
        );
        assert!(matches!(
            choose_answering(None, |_| false, |_| true),
            Err(ImageError::NoEngine)
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
