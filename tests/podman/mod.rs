//! A podman of the tests' own, shared by tests/image.rs and tests/container.rs: every setting
//! lives in a temporary directory the tests write and point podman at (CONTAINERS_CONF,
//! CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF, REGISTRY_AUTH_FILE), so the machine's own
//! podman configuration, images and logins are neither used nor touched.
//!
//! Without podman the tests that need it say so loudly and pass, except in CI (CI set), where
//! that is a failure: CI installs it (.ci/setup-image-tools.sh).

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn podman_installed() -> bool {
    Command::new("podman")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `None` (after a loud message saying what is not tested) when podman is not installed, on a
/// developer's machine. In CI (CI set) a missing podman is a failure: CI installs it.
pub fn podman_or_skip(test: &str, untested: &str) -> Option<()> {
    if podman_installed() {
        return Some(());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "podman is not installed, and CI must run {test}: run .ci/setup-image-tools.sh"
    );
    eprintln!(
        "\n==========================================================================\n\
         SKIPPED {test}: podman is not installed, so {untested} NOT tested.\n\
         Run .ci/setup-image-tools.sh (as root) to install podman and a registry.\n\
         =========================================================================="
    );
    None
}

pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Writes podman's configuration under `root/containers` (storage in `root/storage`) and
/// returns the env vars that point podman, and etl, which starts podman, at it.
/// `registries`: hosts podman may push to over plain HTTP.
pub fn configure(root: &Path, registries: &[String]) -> Vec<(&'static str, OsString)> {
    let conf = root.join("containers");
    std::fs::create_dir_all(&conf).unwrap();
    // default_ulimits = []: containers (and build steps) in a container or a CI runner cannot
    // raise their limits. runc where there is one: crun is not always installed.
    let runtime = if which("runc").is_some() {
        "[engine]\nruntime = \"runc\"\n"
    } else {
        ""
    };
    std::fs::write(
        conf.join("containers.conf"),
        format!("[containers]\ndefault_ulimits = []\n{runtime}"),
    )
    .unwrap();
    // vfs works everywhere (overlay does not inside every container); images here are tiny.
    std::fs::write(
        conf.join("storage.conf"),
        format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
            root.join("storage").display(),
            root.join("run").display()
        ),
    )
    .unwrap();
    let mut registries_conf = String::new();
    for host in registries {
        registries_conf.push_str(&format!(
            "[[registry]]\nlocation = \"{host}\"\ninsecure = true\n"
        ));
    }
    std::fs::write(conf.join("registries.conf"), registries_conf).unwrap();
    // No credentials: not the developer's, and podman wants the file to exist.
    std::fs::write(conf.join("auth.json"), "{}").unwrap();
    vec![
        ("CONTAINERS_CONF", conf.join("containers.conf").into()),
        ("CONTAINERS_STORAGE_CONF", conf.join("storage.conf").into()),
        (
            "CONTAINERS_REGISTRIES_CONF",
            conf.join("registries.conf").into(),
        ),
        ("REGISTRY_AUTH_FILE", conf.join("auth.json").into()),
    ]
}

/// Copies /bin/busybox into `dir` and writes a Dockerfile next to it: `FROM scratch` with
/// busybox as its one binary, so nothing is pulled.
pub fn busybox_dockerfile(dir: &Path) {
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.is_file(),
        "/bin/busybox is missing: apt-get install busybox-static (.ci/setup-image-tools.sh)"
    );
    std::fs::copy(busybox, dir.join("busybox")).unwrap();
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\"]\n",
    )
    .unwrap();
}
