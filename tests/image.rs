//! `etl build` and `etl push` driven through the built binary, against a real podman and a real
//! registry (Debian's `docker-registry`, started here on 127.0.0.1, once without and once with
//! htpasswd auth). `.ci/setup-image-tools.sh` installs what they need.
//!
//! Every podman setting lives in a temporary directory these tests write and point podman at
//! (tests/podman), so the machine's own podman configuration, images and logins are neither
//! used nor touched. Images are built `FROM scratch` with busybox copied in: nothing is pulled.
//!
//! Without podman the tests that need it say so loudly and pass, except in CI (CI set), where
//! that is a failure; everything else they need (the registry, htpasswd, busybox) missing is
//! always a failure.

#[path = "podman/mod.rs"]
mod podman;

use podman::which;
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const ETL: &str = env!("CARGO_BIN_EXE_etl");

fn podman_or_skip(test: &str) -> Option<()> {
    podman::podman_or_skip(test, "etl build/push are")
}

/// A free port on 127.0.0.1 (free when asked; the registry takes it right after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// A registry on 127.0.0.1, killed (by its PID) when dropped.
struct Registry {
    child: Child,
    port: u16,
}

impl Registry {
    /// Starts Debian's `docker-registry` (or upstream's `registry`, or $ETL_TEST_REGISTRY) with
    /// its storage in `dir`, requiring `user`/`password` when given.
    fn start(dir: &Path, auth: Option<(&str, &str)>) -> Registry {
        let bin = std::env::var_os("ETL_TEST_REGISTRY")
            .map(PathBuf::from)
            .or_else(|| which("docker-registry"))
            .or_else(|| which("registry"))
            .expect(
                "no docker-registry on PATH: run .ci/setup-image-tools.sh \
                 (apt-get install docker-registry) or set ETL_TEST_REGISTRY",
            );
        let port = free_port();
        let auth_section = match auth {
            Some((user, password)) => {
                let out = Command::new("htpasswd")
                    .args(["-Bbn", user, password])
                    .output()
                    .expect("htpasswd (apt-get install apache2-utils)");
                assert!(out.status.success(), "htpasswd: {out:?}");
                let file = dir.join("htpasswd");
                std::fs::write(&file, &out.stdout).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: etl-test\n    path: {}\n",
                    file.display()
                )
            }
            None => String::new(),
        };
        let config = dir.join("registry.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
                 http:\n  addr: 127.0.0.1:{port}\n  secret: etl-test\n{auth_section}",
                dir.join("data").display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("registry.log")).unwrap();
        let child = Command::new(&bin)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut registry = Registry { child, port };
        registry.wait_ready(dir);
        registry
    }

    fn wait_ready(&mut self, dir: &Path) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok((status, _, _)) = http_get(self.port, "/v2/", "") {
                // 401 is the auth registry answering.
                if status == 200 || status == 401 {
                    return;
                }
            }
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!(
                    "the registry exited ({exit}):\n{}",
                    std::fs::read_to_string(dir.join("registry.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the registry did not answer on 127.0.0.1:{} within 20s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET: (status, headers lower-cased, body).
#[allow(clippy::type_complexity)]
/// `headers`: extra header lines, each ending in `\r\n`.
fn http_get(
    port: u16,
    path: &str,
    headers: &str,
) -> std::io::Result<(u16, Vec<(String, String)>, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}Connection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok((status, headers, body))
}

/// The digest the registry gives the manifest `name:reference`, checked against the body.
fn registry_digest(registry: &Registry, name: &str, reference: &str) -> String {
    registry_digest_as(registry, name, reference, "")
}

/// The same, as `user:password` (basic auth) unless empty.
fn registry_digest_as(registry: &Registry, name: &str, reference: &str, user: &str) -> String {
    let mut headers = "Accept: application/vnd.oci.image.manifest.v1+json, \
                       application/vnd.docker.distribution.manifest.v2+json, \
                       application/vnd.oci.image.index.v1+json, \
                       application/vnd.docker.distribution.manifest.list.v2+json\r\n"
        .to_string();
    if !user.is_empty() {
        headers.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64(user.as_bytes())
        ));
    }
    let (status, headers, body) = http_get(
        registry.port,
        &format!("/v2/{name}/manifests/{reference}"),
        &headers,
    )
    .expect("GET the manifest");
    assert_eq!(
        status,
        200,
        "GET /v2/{name}/manifests/{reference}: {}",
        String::from_utf8_lossy(&body)
    );
    let digest = headers
        .iter()
        .find(|(k, _)| k == "docker-content-digest")
        .map(|(_, v)| v.clone())
        .expect("a Docker-Content-Digest header");
    let of_body: String = Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest,
        format!("sha256:{of_body}"),
        "the header matches the body"
    );
    digest
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A podman set up in a temporary directory, a project (a git repository) and etl's state.
struct Lab {
    dir: TempDir,
    project: PathBuf,
    env: Vec<(&'static str, OsString)>,
}

impl Lab {
    /// `registries`: hosts podman may push to over plain HTTP.
    fn new(registries: &[String], repository: &str) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let podman_env = podman::configure(root, registries);

        let project = root.join("project");
        std::fs::create_dir_all(&project).unwrap();
        podman::busybox_dockerfile(&project);
        std::fs::write(
            project.join("etl.yaml"),
            format!(
                "project: demo\nimage:\n  repository: {repository}\n  engine: podman\n\
                 jobs:\n  ingest:\n    command: [/bin/busybox, echo]\n"
            ),
        )
        .unwrap();
        // The binary stays out of git (it is still in the build context).
        std::fs::write(project.join(".gitignore"), "busybox\n").unwrap();

        let mut env = podman_env;
        env.extend([
            ("ETL_DATA_DIR", root.join("etl-data").into()),
            ("ETL_NOW", "2026-11-23T06:00:00Z".into()),
            ("NO_COLOR", "1".into()),
        ]);
        let lab = Lab { dir, project, env };
        lab.git(&["init", "-q"]);
        lab.git(&["add", "."]);
        lab.git(&["commit", "-q", "-m", "first"]);
        lab
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=etl", "-c", "user.email=etl@example.com"])
            .args(args)
            .current_dir(&self.project)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn etl(&self, args: &[&str]) -> Output {
        let out = Command::new(ETL)
            .args(args)
            .current_dir(&self.project)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("ETL_FILE")
            .env_remove("CI")
            .output()
            .expect("run etl");
        eprintln!(
            "$ etl {}\n{}\n[stdout]\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        out
    }

    /// What `etl push` recorded, if anything.
    fn recorded(&self) -> Option<serde_json::Value> {
        let projects = self.dir.path().join("etl-data/projects");
        let entry = std::fs::read_dir(projects).ok()?.next()?.ok()?;
        let text = std::fs::read_to_string(entry.path().join("image.json")).ok()?;
        Some(serde_json::from_str(&text).unwrap())
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn build_push_and_render_pin_the_pushed_digest() {
    if podman_or_skip("build_push_and_render_pin_the_pushed_digest").is_none() {
        return;
    }
    let reg_dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(reg_dir.path(), None);
    let repository = format!("{}/etl/demo", registry.host());
    let lab = Lab::new(&[registry.host()], &repository);
    let commit = lab.git(&["rev-parse", "--short", "HEAD"]);

    // Build: tagged with the commit, steps shown as plain lines (stderr is not a terminal).
    let out = lab.etl(&["build"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), format!("{repository}:{commit}"));
    assert!(
        stderr(&out).contains("STEP 2/3: COPY busybox /bin/busybox"),
        "{}",
        stderr(&out)
    );

    // Push: the digest is recorded, printed, and is what the registry has under the tag.
    let out = lab.etl(&["push"]);
    assert!(out.status.success());
    let pushed = stdout(&out);
    let rec = lab.recorded().expect("etl push recorded the image");
    assert_eq!(rec["image"], pushed.as_str());
    assert_eq!(rec["tag"], commit.as_str());
    let digest = registry_digest(&registry, "etl/demo", &commit);
    assert_eq!(pushed, format!("{repository}@{digest}"));
    assert!(stderr(&out).contains("runs now use it"), "{}", stderr(&out));

    // Render: the Job runs that digest, and says where it came from.
    let out = lab.etl(&["render", "ingest", "--yesterday", "-o", "json"]);
    assert!(out.status.success());
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        job["spec"]["template"]["spec"]["containers"][0]["image"],
        pushed.as_str()
    );
    assert!(
        stderr(&out).contains(&format!(
            "image {pushed} (pushed by etl push at 2026-11-23T06:00:00Z)"
        )),
        "{}",
        stderr(&out)
    );
    // --image still wins.
    let out = lab.etl(&["render", "ingest", "--yesterday", "--image", "other/img:1"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("other/img:1"));
    assert!(!stdout(&out).contains(&digest));

    // A changed tree: a -dirty- tag, the same for the same changes, and a new digest.
    let mut dockerfile = std::fs::read_to_string(lab.project.join("Dockerfile")).unwrap();
    dockerfile.push_str("LABEL etl.test=dirty\n");
    std::fs::write(lab.project.join("Dockerfile"), dockerfile).unwrap();
    let out = lab.etl(&["build", "--push"]);
    assert!(out.status.success());
    let rec = lab.recorded().unwrap();
    let dirty_tag = rec["tag"].as_str().unwrap().to_string();
    assert!(
        dirty_tag.starts_with(&format!("{commit}-dirty-")),
        "{dirty_tag}"
    );
    let dirty_digest = registry_digest(&registry, "etl/demo", &dirty_tag);
    assert_ne!(dirty_digest, digest);
    assert_eq!(stdout(&out), format!("{repository}@{dirty_digest}"));
    let out = lab.etl(&["push"]);
    assert!(out.status.success(), "the same changes give the same tag");
    assert_eq!(stdout(&out), format!("{repository}@{dirty_digest}"));
}

#[test]
fn a_broken_dockerfile_fails_with_the_failing_step() {
    if podman_or_skip("a_broken_dockerfile_fails_with_the_failing_step").is_none() {
        return;
    }
    let lab = Lab::new(&[], "127.0.0.1:9/etl/demo");
    std::fs::write(
        lab.project.join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY no-such-file /etc/config\n",
    )
    .unwrap();
    let out = lab.etl(&["build", "--tag", "broken"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("failed at STEP 3/3: COPY no-such-file /etc/config"),
        "{err}"
    );
    // The engine's own words are quoted from the log.
    assert!(err.contains("  | "), "{err}");
    assert!(err.contains("no-such-file"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn push_without_credentials_gives_the_login_command() {
    if podman_or_skip("push_without_credentials_gives_the_login_command").is_none() {
        return;
    }
    let reg_dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(reg_dir.path(), Some(("etl", "s3cret")));
    let repository = format!("{}/etl/demo", registry.host());
    let lab = Lab::new(&[registry.host()], &repository);
    let out = lab.etl(&["build", "--tag", "v1"]);
    assert!(out.status.success());
    let out = lab.etl(&["push", "--tag", "v1"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("`podman login {}`", registry.host())),
        "{err}"
    );
    assert!(lab.recorded().is_none(), "a failed push records nothing");
    let out = lab.etl(&["render", "ingest", "--yesterday"]);
    assert!(
        stderr(&out).contains("nothing pushed yet"),
        "{}",
        stderr(&out)
    );

    // Doing what the hint says works.
    let mut login = Command::new("podman")
        .args([
            "login",
            "--username",
            "etl",
            "--password-stdin",
            &registry.host(),
        ])
        .envs(lab.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .spawn()
        .expect("podman login");
    login.stdin.take().unwrap().write_all(b"s3cret\n").unwrap();
    assert!(login.wait().unwrap().success(), "podman login");
    let out = lab.etl(&["push", "--tag", "v1"]);
    assert!(out.status.success());
    let digest = registry_digest_as(&registry, "etl/demo", "v1", "etl:s3cret");
    assert_eq!(stdout(&out), format!("{repository}@{digest}"));
}

// These need no engine at all.

#[test]
fn no_engine_lists_the_engines_tried() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("etl.yaml"), "project: demo\njobs: {}\n").unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let empty = dir.path().join("empty-path");
    std::fs::create_dir(&empty).unwrap();
    let out = Command::new(ETL)
        .args(["build", "--tag", "v1"])
        .current_dir(dir.path())
        .env("PATH", &empty)
        .env("ETL_DATA_DIR", dir.path().join("data"))
        .env_remove("ETL_FILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("no container engine found: tried docker, podman, buildah, nerdctl"),
        "{err}"
    );
    assert!(err.contains("install"), "{err}");
}

#[test]
fn without_git_the_default_tag_asks_for_tag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("etl.yaml"), "project: demo\njobs: {}\n").unwrap();
    let out = Command::new(ETL)
        .args(["build"])
        .current_dir(dir.path())
        .env("ETL_DATA_DIR", dir.path().join("data"))
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .env_remove("ETL_FILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("not in a git repository"), "{err}");
    assert!(err.contains("--tag"), "{err}");
}

/// A fake engine in `dir`: `version` runs `version` (shell), anything else appends its
/// arguments to `<name>.log` and prints a build step.
fn fake_engine(dir: &Path, name: &str, version: &str) {
    use std::os::unix::fs::PermissionsExt;
    let exe = dir.join(name);
    std::fs::write(
        &exe,
        format!(
            "#!/bin/sh\nif [ \"$1\" = version ]; then {version}; fi\necho \"$@\" >> {log}\necho 'STEP 1/1: FROM scratch'\n",
            log = dir.join(format!("{name}.log")).display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn build_passes_over_an_engine_that_does_not_answer() {
    for (docker_version, how) in [
        (
            "echo 'Cannot connect to the Docker daemon' >&2; exit 1",
            "fails",
        ),
        ("exec /bin/sleep 60", "hangs"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("etl.yaml"),
            "project: demo\nimage: {dockerfile: Dockerfile}\njobs: {}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        fake_engine(&bin, "docker", docker_version);
        fake_engine(&bin, "podman", "exit 0");
        let started = Instant::now();
        let out = Command::new(ETL)
            .args(["build", "--tag", "v1"])
            .current_dir(dir.path())
            .env("PATH", &bin)
            .env("ETL_DATA_DIR", dir.path().join("data"))
            .env_remove("ETL_FILE")
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "docker {how}: {err}");
        assert_eq!(stdout(&out), "demo:v1");
        assert!(err.contains("building demo:v1 with podman"), "{err}");
        assert!(
            err.contains("docker is installed but `docker version` failed"),
            "{err}"
        );
        assert!(
            !bin.join("docker.log").exists(),
            "docker {how}, and still built with"
        );
        assert!(
            std::fs::read_to_string(bin.join("podman.log"))
                .unwrap()
                .starts_with("build --tag demo:v1"),
        );
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "docker {how}: took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_named_engine_is_used_even_when_it_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("etl.yaml"),
        "project: demo\nimage: {engine: docker, dockerfile: Dockerfile}\njobs: {}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    fake_engine(&bin, "docker", "exit 1");
    fake_engine(&bin, "podman", "exit 0");
    let out = Command::new(ETL)
        .args(["build", "--tag", "v1"])
        .current_dir(dir.path())
        .env("PATH", &bin)
        .env("ETL_DATA_DIR", dir.path().join("data"))
        .env_remove("ETL_FILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(bin.join("docker.log").exists(), "{}", stderr(&out));
    assert!(!bin.join("podman.log").exists());
}

/// The Kubernetes API test server (tests/kubesim), stopped by its PID when dropped. None, loudly,
/// when its binary is not built (`cargo build -p kubesim`; in CI that is a failure).
struct Kubesim {
    child: Child,
    kubeconfig: PathBuf,
    _dir: TempDir,
}

impl Kubesim {
    fn start(workdir: &Path) -> Option<Kubesim> {
        use std::io::BufRead;
        let bin = Path::new(ETL).with_file_name("kubesim");
        if !bin.exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{} is missing: run `cargo build -p kubesim`",
                bin.display()
            );
            eprintln!("SKIPPED the deploy part: {} is missing", bin.display());
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let mut child = Command::new(bin)
            .args(["--port", "0", "--kubeconfig"])
            .arg(&kubeconfig)
            .arg("--workdir")
            .arg(workdir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("listening on "), "kubesim said {line:?}");
        Some(Kubesim {
            child,
            kubeconfig,
            _dir: dir,
        })
    }
}

impl Drop for Kubesim {
    fn drop(&mut self) {
        // SIGTERM (kill's default) lets kubesim stop its pods' processes too.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// `podman` with the lab's configuration.
fn podman(lab: &Lab, args: &[&str]) -> Output {
    let out = Command::new("podman")
        .args(args)
        .envs(lab.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .expect("podman");
    eprintln!(
        "$ podman {}\n{}\n[stdout]\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

/// A project with a workflow needs the scheduler in the cluster: `etl push` then also builds
/// etl's own image (this very binary, FROM scratch, with the libraries it needs and the time
/// zones), pushes it next to the job image and records its digest, which the scheduler's
/// Deployment is pinned to.
#[test]
fn push_makes_etl_s_own_image_which_runs_from_scratch_and_pins_the_scheduler() {
    if podman_or_skip("push_makes_etl_s_own_image_which_runs_from_scratch_and_pins_the_scheduler")
        .is_none()
    {
        return;
    }
    let reg_dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(reg_dir.path(), None);
    let repository = format!("{}/etl/demo", registry.host());
    let lab = Lab::new(&[registry.host()], &repository);
    let file = lab.project.join("etl.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap()
        + "    schedule: \"0 2 * * *\"\n    timezone: America/Los_Angeles\n\
           workflows:\n  nightly:\n    tasks:\n      ingest: {}\n";
    std::fs::write(&file, yaml).unwrap();
    lab.git(&["commit", "-q", "-am", "a workflow"]);

    assert!(lab.etl(&["build"]).status.success());
    let out = lab.etl(&["push"]);
    assert!(out.status.success());
    let printed = stdout(&out);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 2, "the job image, then etl's own: {printed}");

    let projects = lab.dir.path().join("etl-data/projects");
    let state = std::fs::read_dir(projects)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state.join("scheduler-image.json")).unwrap())
            .unwrap();
    let tag = rec["tag"].as_str().unwrap();
    assert!(
        tag.starts_with(&format!("etl-{}-", env!("CARGO_PKG_VERSION"))) && tag.len() == 4 + 6 + 12,
        "{tag}"
    );
    let digest = registry_digest(&registry, "etl/demo", tag);
    assert_eq!(lines[1], format!("{repository}@{digest}"));
    assert_eq!(rec["image"], lines[1]);
    // The job image's record is the job image's, as before.
    assert_eq!(lab.recorded().unwrap()["image"], lines[0]);

    // It runs from scratch: etl finds its libraries, as the non-root user the image names.
    let image = format!("{repository}:{tag}");
    let out = podman(&lab, &["run", "--rm", &image, "--version"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), format!("etl {}", env!("CARGO_PKG_VERSION")));
    let out = podman(
        &lab,
        &["run", "--rm", "--entrypoint", "etl", &image, "--version"],
    );
    assert!(out.status.success(), "`etl` is on the image's PATH");
    // And reads a project with a time zone (from the image's own zone database).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&lab.project, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mount = format!("{}:/p:ro", lab.project.display());
    let out = podman(
        &lab,
        &[
            "run",
            "--rm",
            "--tmpfs",
            "/tmp",
            "-e",
            "ETL_DATA_DIR=/tmp",
            "-e",
            "ETL_NOW=2026-11-23T06:00:00Z",
            "-v",
            &mount,
            &image,
            "-f",
            "/p/etl.yaml",
            "jobs",
            "list",
            "--offline",
        ],
    );
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("0 2 * * * (America/Los_Angeles)"),
        "{}",
        stdout(&out)
    );

    // The scheduler's Deployment runs the pushed digest, as `etl deploy` would apply it.
    let out = lab.etl(&["render", "--scheduler", "-o", "json"]);
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let deployment = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .unwrap();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        lines[1]
    );
    assert_eq!(
        list["items"][0]["data"]["image"], lines[0],
        "the job image, pinned"
    );
    assert!(
        stderr(&out).contains(&format!(
            "scheduler image {} (etl's own, pushed by etl push",
            lines[1]
        )),
        "{}",
        stderr(&out)
    );

    // And `etl deploy` applies exactly that, against kubesim.
    if which("kubectl").is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must have kubectl");
        eprintln!("SKIPPED the deploy part: kubectl is not installed");
        return;
    }
    let Some(sim) = Kubesim::start(&lab.project) else {
        return;
    };
    let out = Command::new(ETL)
        .args(["deploy"])
        .current_dir(&lab.project)
        .envs(lab.env.iter().map(|(k, v)| (k, v)))
        .env("KUBECONFIG", &sim.kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("deployment.apps/demo-scheduler created"),
        "{}",
        stdout(&out)
    );
    let o = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&sim.kubeconfig)
        .args([
            "get",
            "deployment",
            "demo-scheduler",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ])
        .output()
        .expect("kubectl");
    assert!(o.status.success(), "{o:?}");
    assert_eq!(String::from_utf8_lossy(&o.stdout), lines[1]);
}
