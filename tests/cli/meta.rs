//! The tool itself: version, help, completions, exit codes of clap's own errors.

use crate::common::{Run, Sandbox, repo};

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
        "Exit codes: 0 ok (also \"no\" at a confirmation: nothing done), 1 the job or run failed",
        "4 local I/O failure",
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

/// A local I/O failure is exit 4, not 2: there is nothing to fix in the command.
#[test]
fn a_full_disk_is_a_local_io_failure() {
    let s = Sandbox::example();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let out = s
        .cmd(&["render", "daily-averages", "--date", "2026-11-22"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("stdout: No space left on device"), "{err}");
}

#[test]
fn an_unwritable_record_of_local_runs_is_a_local_io_failure() {
    let s = Sandbox::new();
    s.write(
        "etl.yaml",
        "project: demo\njobs:\n  ok:\n    command: [true]\n",
    );
    // The data directory is a file: nothing can be written under it.
    s.write("not-a-dir", "");
    let r = Run {
        out: s
            .cmd(&["jobs", "run", "ok", "--today"])
            .env("ETL_DATA_DIR", s.path().join("not-a-dir"))
            .output()
            .unwrap(),
    }
    .expect(4);
    r.stderr_has("not-a-dir/projects");
}

#[test]
fn a_project_file_that_does_not_exist_is_a_usage_error() {
    let s = Sandbox::new();
    let r = s.run(&["-f", "nope/etl.yaml", "jobs", "list"]).expect(2);
    r.stderr_has("nope/etl.yaml: no such file");
}

/// `etl completions bash | head -1`: a reader that goes away is not an error.
#[test]
fn a_closed_stdout_is_success() {
    let s = Sandbox::example();
    for args in [
        &["completions", "bash"][..],
        &["render", "daily-averages", "--date", "2026-11-22"][..],
        &["jobs", "list", "--offline", "-o", "json"][..],
    ] {
        let mut child = s
            .cmd(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before etl writes: its first write meets a broken pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "etl {args:?} with a closed stdout:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The shells `etl completions --help` names are the ones it accepts.
#[test]
fn completions_help_names_every_shell_it_accepts() {
    let s = Sandbox::new();
    let help = s.run(&["completions", "--help"]).expect(0).stdout();
    let about = help.lines().next().unwrap_or_default().to_string();
    for shell in ["bash", "elvish", "fish", "powershell", "zsh"] {
        s.run(&["completions", shell]).expect(0);
        assert!(
            about.contains(shell),
            "{shell} is accepted but not named: {about}"
        );
    }
}

/// install.sh, with a stand-in for `cargo install`, in a scratch home: what it says about bash
/// completions depends on whether the bash-completion package (its loader) is there.
#[test]
fn install_says_when_nothing_would_load_bash_completions() {
    let s = Sandbox::new();
    let home = s.path();
    s.write(
        "fake-bin/cargo",
        "#!/bin/sh\nmkdir -p \"$CARGO_INSTALL_ROOT/bin\"\nprintf '#!/bin/sh\\necho etl 0\\n' > \"$CARGO_INSTALL_ROOT/bin/etl\"\nchmod +x \"$CARGO_INSTALL_ROOT/bin/etl\"\n",
    );
    s.write("loader/bash_completion", "");
    let install = |loaders: &str| {
        let out = std::process::Command::new("sh")
            .arg(repo().join("install.sh"))
            .env("PATH", format!("{}/fake-bin:/usr/bin:/bin", home.display()))
            .env("HOME", home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("ZDOTDIR")
            .env("CARGO_INSTALL_ROOT", home.join("root"))
            .env("ETL_BASH_COMPLETION_FILES", loaders)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    std::fs::set_permissions(
        home.join("fake-bin/cargo"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let without = install(&home.join("nowhere").display().to_string());
    assert!(
        without.contains("nothing loads that file without the bash-completion package"),
        "{without}"
    );
    assert!(
        home.join(".local/share/bash-completion/completions/etl")
            .is_file()
    );
    let with = install(&home.join("loader/bash_completion").display().to_string());
    assert!(!with.contains("bash-completion package"), "{with}");
}

/// The pure core (ARCHITECTURE: project, window, render, run, workflow, and the scheduler's
/// schedule arithmetic) takes values and returns values. One crate keeps one binary; this test
/// keeps the core pure by construction instead: no clock, no environment, no file system,
/// network, processes, async runtime, Kubernetes client or terminal in those modules.
#[test]
fn the_pure_core_does_no_io() {
    let forbidden = [
        "tokio::",
        "kube::Api",
        "kube::Client",
        "kube::api::Api",
        "std::fs",
        "std::process",
        "std::net",
        "std::env",
        "dialoguer",
        "indicatif",
        "console::",
        "Timestamp::now()",
        "Zoned::now()",
        "SystemTime::now",
    ];
    let mut files = Vec::new();
    for dir in [
        "src/project",
        "src/window",
        "src/render",
        "src/run",
        "src/workflow",
        "src/history",
        "src/cmdline",
        "src/launch",
    ] {
        let root = repo().join(dir);
        if let Ok(entries) = std::fs::read_dir(&root) {
            for e in entries {
                files.push(e.unwrap().path());
            }
        }
    }
    files.push(repo().join("src/scheduler/fire.rs"));
    let mut found = Vec::new();
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
    {
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in forbidden {
                if code.contains(word) {
                    found.push(format!("{}:{}: {word}", f.display(), i + 1));
                }
            }
        }
    }
    assert!(files.len() > 20, "the core's files were found: {files:?}");
    assert!(
        found.is_empty(),
        "I/O in the pure core:\n{}",
        found.join("\n")
    );
}
