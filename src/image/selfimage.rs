//! etl's own image, which the in-cluster scheduler runs: `FROM scratch` with the running etl
//! binary at /usr/local/bin/etl, the ELF interpreter and shared libraries it needs (a normal
//! cargo build links glibc dynamically; a static build needs none), and the time zone database
//! (etl reads zones from /usr/share/zoneinfo, and a scratch image has none). Built with the
//! project's engine and pushed to the project's repository under a tag of its own, so no
//! registry of ours is needed.
//!
//! The pure parts (reading `ldd`, the tag, the Dockerfile) are functions tested on their own;
//! collecting the files is I/O.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where etl is in the image. `PATH` is set to its directory, so `etl` alone finds it.
pub const BIN: &str = "usr/local/bin/etl";

/// The time zone database etl reads (jiff's default place on Linux).
pub const ZONEINFO: &str = "/usr/share/zoneinfo";

/// The image's Dockerfile: the files collected under `rootfs/`, etl as the entrypoint (the
/// Deployment's `command` replaces it), and a numeric non-root user, as there is no
/// /etc/passwd to name one.
pub const DOCKERFILE: &str = "\
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin
USER 65532:65532
ENTRYPOINT [\"etl\"]
";

/// The tag of etl's image: `etl-<version>-<first 12 hex digits of the binary's SHA-256>`.
/// The same binary always gives the same tag, another build of the same version another one,
/// so the image in the job image's repository never collides with a job image's git tag
/// (those are commits) and `etl deploy` can tell whether the pushed image is this etl.
pub fn tag(version: &str, sha256_hex: &str) -> String {
    // `+build` metadata is valid in a version but not in a tag.
    let version: String = version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("etl-{version}-{}", &sha256_hex[..12.min(sha256_hex.len())])
}

/// The files a dynamically linked binary needs, from `ldd`'s output: each resolved library
/// (`libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)`) and the interpreter
/// (`/lib64/ld-linux-x86-64.so.2 (0x…)`); the vDSO is the kernel's. A static binary needs
/// none. A library `ldd` cannot find is an error naming it.
pub fn needed_from_ldd(output: &str) -> std::result::Result<Vec<PathBuf>, String> {
    if output.contains("not a dynamic executable") || output.contains("statically linked") {
        return Ok(Vec::new());
    }
    let mut paths = Vec::new();
    for line in output.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some((lib, rest)) = line.split_once("=>") {
            let rest = rest.trim();
            if rest.starts_with("not found") {
                return Err(format!("the library {} is not found", lib.trim()));
            }
            let path = rest.split(" (").next().unwrap_or_default().trim();
            if path.starts_with('/') {
                paths.push(PathBuf::from(path));
            }
        } else {
            let path = line.split(" (").next().unwrap_or_default().trim();
            if path.starts_with('/') {
                paths.push(PathBuf::from(path));
            }
        }
    }
    // musl's ldd names its loader twice (as libc and as the interpreter).
    let mut seen = std::collections::HashSet::new();
    paths.retain(|p| seen.insert(p.clone()));
    Ok(paths)
}

/// The SHA-256 of a file, as hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The running etl binary and its image tag.
pub struct Binary {
    pub path: PathBuf,
    pub tag: String,
}

/// The running etl, which must be a Linux binary: the image runs in the cluster's Linux nodes.
pub fn current() -> Result<Binary> {
    if !cfg!(target_os = "linux") {
        return Err(Error::usage(
            "etl's own image is made from the running etl binary, and this one is not a Linux build",
            "run `etl push` from Linux (a CI job, a container), or give `etl deploy --scheduler-image REF` an image of a Linux etl",
        ));
    }
    let path = std::env::current_exe().map_err(|e| Error::io("the running etl binary", e))?;
    let hash = sha256_file(&path)?;
    Ok(Binary {
        tag: tag(env!("CARGO_PKG_VERSION"), &hash),
        path,
    })
}

/// A build context for the image, removed when dropped: `Dockerfile` and `rootfs/`.
pub struct Context {
    pub dir: PathBuf,
}

impl Drop for Context {
    fn drop(&mut self) {
        // Best effort: a leftover directory in the temp dir harms nothing.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Context {
    pub fn dockerfile(&self) -> PathBuf {
        self.dir.join("Dockerfile")
    }
}

/// Collects the image's files: the binary, what `ldd` says it needs, the zone database.
/// Returns the context and notes for the user (e.g. no zone database here).
pub fn context(binary: &Path) -> Result<(Context, Vec<String>)> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("etl-image-{}-{nanos}", std::process::id()));
    let ctx = Context { dir };
    let rootfs = ctx.dir.join("rootfs");
    let mut notes = Vec::new();
    copy_file(binary, &rootfs.join(BIN))?;
    for lib in needed(binary)? {
        let rel = lib.strip_prefix("/").unwrap_or(&lib);
        copy_file(&lib, &rootfs.join(rel))?;
    }
    let zoneinfo = Path::new(ZONEINFO);
    if zoneinfo.is_dir() {
        copy_tree(zoneinfo, &rootfs.join(&ZONEINFO[1..]))?;
    } else {
        notes.push(format!(
            "{ZONEINFO} is not on this machine, so etl's image has no time zones but UTC (Debian: apt-get install tzdata)"
        ));
    }
    std::fs::write(ctx.dockerfile(), DOCKERFILE).map_err(|e| Error::io(ctx.dockerfile(), e))?;
    Ok((ctx, notes))
}

/// What the binary needs at run time, from `ldd`. A binary `ldd` is missing for is assumed
/// static only if it says so itself: without `ldd`, etl cannot know, and says how to fix it.
fn needed(binary: &Path) -> Result<Vec<PathBuf>> {
    let out = std::process::Command::new("ldd")
        .arg(binary)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            Error::environment(
                format!("cannot run ldd to find the libraries etl needs: {e}"),
                Some("install it (Debian: libc-bin), or use a statically linked etl (cargo build --target x86_64-unknown-linux-musl)".into()),
            )
        })?;
    // ldd exits 1 for a static binary, with "not a dynamic executable" on stdout or stderr.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    needed_from_ldd(&text).map_err(|why| {
        Error::environment(
            format!("{}: {why}", binary.display()),
            Some("`ldd` on it shows what is missing".into()),
        )
    })
}

/// Copies a file's content (a symlink's target, e.g. /lib64/ld-linux-x86-64.so.2) to `to`,
/// executable bits kept.
fn copy_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::copy(from, to).map_err(|e| Error::io(from, e))?;
    Ok(())
}

/// Copies a directory tree, symlinks as symlinks (zoneinfo links zones to each other, and
/// Debian's `posix` links to `.`: following links would never end).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(|e| Error::io(&src, e))?;
        if kind.is_symlink() {
            let target = std::fs::read_link(&src).map_err(|e| Error::io(&src, e))?;
            std::os::unix::fs::symlink(&target, &dst).map_err(|e| Error::io(&dst, e))?;
        } else if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_output_gives_the_libraries_and_the_interpreter() {
        let out = "\tlinux-vdso.so.1 (0x00007ffc8a5f2000)\n\
            \tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f0c1c9a0000)\n\
            \tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f0c1c8b0000)\n\
            \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0c1c600000)\n\
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f0c1d1b0000)\n";
        assert_eq!(
            needed_from_ldd(out).unwrap(),
            [
                "/lib/x86_64-linux-gnu/libgcc_s.so.1",
                "/lib/x86_64-linux-gnu/libm.so.6",
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib64/ld-linux-x86-64.so.2",
            ]
            .map(PathBuf::from)
        );
    }

    #[test]
    fn musl_s_loader_is_copied_once() {
        let out = "\t/lib/ld-musl-x86_64.so.1 (0x7f5e7d2b1000)\n\
            \tlibc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 (0x7f5e7d2b1000)\n";
        assert_eq!(
            needed_from_ldd(out).unwrap(),
            [PathBuf::from("/lib/ld-musl-x86_64.so.1")]
        );
    }

    #[test]
    fn a_static_binary_needs_nothing_and_a_missing_library_is_named() {
        assert!(
            needed_from_ldd("\tnot a dynamic executable\n")
                .unwrap()
                .is_empty()
        );
        assert!(needed_from_ldd("\tstatically linked\n").unwrap().is_empty());
        assert_eq!(
            needed_from_ldd("\tlibssl.so.3 => not found\n").unwrap_err(),
            "the library libssl.so.3 is not found"
        );
    }

    #[test]
    fn the_tag_is_the_version_and_the_binary_hash() {
        let hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(tag("0.1.0", hash), "etl-0.1.0-0123456789ab");
        assert_eq!(tag("1.2.0+dev", hash), "etl-1.2.0-dev-0123456789ab");
        assert!(crate::image::tag::is_valid(&tag("1.2.0+dev", hash)));
    }
}
