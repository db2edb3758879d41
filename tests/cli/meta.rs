//! The tool itself: version, help, completions, exit codes of clap's own errors.

use crate::common::{Sandbox, repo};

#[test]
fn version_and_help_speak_for_the_tool() {
    let s = Sandbox::new();
    let v = s.run(&["--version"]).expect(0);
    assert_eq!(
        v.stdout().trim(),
        format!("etl {}", env!("CARGO_PKG_VERSION"))
    );
    let h = s.run(&["--help"]).expect(0).stdout();
    for needle in [
        "init",
        "render",
        "jobs",
        "Exit codes: 0 ok, 1 the job or run failed, 2 usage",
    ] {
        assert!(h.contains(needle), "--help lacks {needle:?}:\n{h}");
    }
    let h = s.run(&["jobs", "run", "--help"]).expect(0).stdout();
    assert!(
        h.contains("--yesterday") && h.contains("--keep-going"),
        "{h}"
    );
}

#[test]
fn unknown_flags_are_usage_errors() {
    let s = Sandbox::new();
    let r = s.run(&["render", "--yesterdya"]).expect(2);
    assert!(
        r.stderr().contains("--yesterday"),
        "clap suggests the flag: {}",
        r.stderr()
    );
}

/// The checked-in completion scripts are what the binary generates. After changing the CLI,
/// regenerate them with `UPDATE_COMPLETIONS=1 cargo test --test cli completions`.
#[test]
fn completions_are_current() {
    let s = Sandbox::new();
    let mut stale = Vec::new();
    for shell in ["bash", "zsh", "fish"] {
        let generated = s.run(&["completions", shell]).expect(0).stdout();
        let path = repo().join(format!("completions/etl.{shell}"));
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        if generated != checked_in {
            if std::env::var_os("UPDATE_COMPLETIONS").is_some() {
                std::fs::write(&path, generated).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale completion scripts: {stale:?}; run UPDATE_COMPLETIONS=1 cargo test --test cli completions"
    );
}
