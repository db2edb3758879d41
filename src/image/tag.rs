//! The default image tag: the short git commit, and `-dirty-<hash>` when the working tree has
//! changes, so a dirty build never passes for a commit. I/O: runs git, reads untracked files.
//!
//! The hash covers `git diff HEAD` (tracked changes, staged or not, binary ones included) and
//! each untracked, not ignored file's name and content, so the same dirty state always gives the
//! same tag and `etl build` then `etl push` agree on it. Ignored files are not covered.

use super::ImageError;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

/// The tag for the working tree at `dir` (any directory inside the repository).
pub fn from_git(dir: &Path) -> Result<String, ImageError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let commit = git(dir, &["rev-parse", "--short", "HEAD"])?;
    let commit = String::from_utf8_lossy(&commit).trim().to_string();
    let diff = git(
        dir,
        &[
            "-c",
            "core.quotepath=off",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--binary",
            "HEAD",
        ],
    )?;
    // Paths relative to the repository's root, so the hash does not depend on `dir`.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = String::from_utf8_lossy(&top)
        .trim_end_matches('\n')
        .to_string();
    let listing = git(
        Path::new(&top),
        &["ls-files", "-z", "--others", "--exclude-standard"],
    )?;
    let mut untracked: Vec<(String, Vec<u8>)> = Vec::new();
    for name in listing.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let path = Path::new(&top).join(&name);
        let content = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => std::fs::read_link(&path)
                .map(|t| t.to_string_lossy().into_owned().into_bytes())
                .unwrap_or_default(),
            // Unreadable or gone since git listed it: its name still counts.
            _ => std::fs::read(&path).unwrap_or_default(),
        };
        untracked.push((name, content));
    }
    Ok(tag(&commit, &diff, &untracked))
}

/// The tag for `commit` with these changes: `commit` when there are none, else
/// `commit-dirty-<first 12 hex digits of their SHA-256>`.
pub fn tag(commit: &str, diff: &[u8], untracked: &[(String, Vec<u8>)]) -> String {
    if diff.is_empty() && untracked.is_empty() {
        return commit.to_string();
    }
    let mut sorted: Vec<&(String, Vec<u8>)> = untracked.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = Sha256::new();
    // Lengths before contents, so no two different states feed the same bytes.
    h.update((diff.len() as u64).to_le_bytes());
    h.update(diff);
    for (name, content) in sorted {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((content.len() as u64).to_le_bytes());
        h.update(content);
    }
    let hex: String = h
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{commit}-dirty-{hex}")
}

/// Whether `tag` is one a registry accepts: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_valid(tag: &str) -> bool {
    let mut chars = tag.chars();
    tag.len() <= 128
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, ImageError> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .map_err(|e| ImageError::NoGitTag {
            reason: if e.kind() == std::io::ErrorKind::NotFound {
                "git is not installed".into()
            } else {
                format!("cannot run git: {e}")
            },
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let reason = if stderr.contains("not a git repository") {
            format!("{} is not in a git repository", dir.display())
        } else if stderr.contains("unknown revision")
            || stderr.contains("ambiguous argument 'HEAD'")
            || stderr.contains("Needed a single revision")
        {
            "the git repository has no commit yet".into()
        } else {
            format!("`git {}` failed: {}", args.join(" "), stderr.trim())
        };
        return Err(ImageError::NoGitTag { reason });
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(ok.status.success(), "git {args:?}: {ok:?}");
    }

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        run(dir.path(), &["init", "-q"]);
        std::fs::write(dir.path().join("etl.yaml"), "project: p\n").unwrap();
        std::fs::write(dir.path().join(".gitignore"), "*.log\n").unwrap();
        run(dir.path(), &["add", "."]);
        run(dir.path(), &["commit", "-q", "-m", "one"]);
        dir
    }

    fn head(dir: &Path) -> String {
        let out = Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(dir)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    #[test]
    fn a_clean_tree_is_tagged_with_its_commit() {
        let r = repo();
        assert_eq!(from_git(r.path()).unwrap(), head(r.path()));
        // Ignored files do not make the tree dirty.
        std::fs::write(r.path().join("build.log"), "x").unwrap();
        assert_eq!(from_git(r.path()).unwrap(), head(r.path()));
    }

    #[test]
    fn a_dirty_tree_gets_a_stable_suffix_that_follows_the_changes() {
        let r = repo();
        let commit = head(r.path());
        std::fs::write(r.path().join("etl.yaml"), "project: q\n").unwrap();
        let a = from_git(r.path()).unwrap();
        assert!(a.starts_with(&format!("{commit}-dirty-")), "{a}");
        assert_eq!(a.len(), commit.len() + "-dirty-".len() + 12);
        assert_eq!(from_git(r.path()).unwrap(), a, "same state, same tag");
        // Staging does not change the state of the tree.
        run(r.path(), &["add", "etl.yaml"]);
        assert_eq!(from_git(r.path()).unwrap(), a);

        // An untracked file changes it, and so does its content.
        std::fs::write(r.path().join("new.py"), "print(1)\n").unwrap();
        let b = from_git(r.path()).unwrap();
        assert_ne!(a, b);
        std::fs::write(r.path().join("new.py"), "print(2)\n").unwrap();
        let c = from_git(r.path()).unwrap();
        assert_ne!(b, c);
        // From a subdirectory, the same.
        std::fs::create_dir(r.path().join("sub")).unwrap();
        assert_eq!(from_git(&r.path().join("sub")).unwrap(), c);

        // Back to the committed state: the plain commit again.
        std::fs::remove_file(r.path().join("new.py")).unwrap();
        run(r.path(), &["checkout", "-q", "HEAD", "--", "etl.yaml"]);
        assert_eq!(from_git(r.path()).unwrap(), commit);
    }

    #[test]
    fn outside_git_the_error_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let e = from_git(dir.path()).unwrap_err();
        assert!(e.to_string().contains("not in a git repository"), "{e}");
        run(dir.path(), &["init", "-q"]);
        let e = from_git(dir.path()).unwrap_err();
        assert!(e.to_string().contains("no commit yet"), "{e}");
    }

    #[test]
    fn tag_hash_depends_on_names_and_contents() {
        let f = |n: &str, c: &str| vec![(n.to_string(), c.as_bytes().to_vec())];
        assert_eq!(tag("abc", b"", &[]), "abc");
        assert_ne!(tag("abc", b"", &f("a", "x")), tag("abc", b"", &f("b", "x")));
        assert_ne!(tag("abc", b"", &f("a", "x")), tag("abc", b"", &f("a", "y")));
        assert_ne!(tag("abc", b"d", &[]), tag("abc", b"", &f("d", "")));
    }

    #[test]
    fn valid_tags() {
        assert!(is_valid("abc1234-dirty-0a1b2c3d4e5f"));
        assert!(is_valid("v1.2_rc"));
        assert!(!is_valid("-x"));
        assert!(!is_valid("a/b"));
        assert!(!is_valid(""));
        assert!(!is_valid(&"a".repeat(129)));
    }
}
