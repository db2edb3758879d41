//! A small builder around the built `etl` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const NOW: &str = "2026-11-23T10:00:00Z";

/// The repository's root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example() -> PathBuf {
    repo().join("examples/air-quality")
}

/// A scratch directory with its own etl state, and a fixed clock and user.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

pub struct Run {
    pub out: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    /// Asserts the exit code, showing both streams when it is wrong.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
            data: tempfile::tempdir().unwrap(),
        }
    }

    /// A sandbox holding a copy of the example project.
    pub fn example() -> Sandbox {
        let s = Sandbox::new();
        copy_dir(&example(), s.path());
        s
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_etl"));
        c.args(args)
            .current_dir(self.path())
            .env("ETL_NOW", NOW)
            .env("ETL_USER", "ana")
            .env("ETL_DATA_DIR", self.data.path())
            .env("NO_COLOR", "1")
            .env_remove("ETL_FILE")
            .env_remove("WAREHOUSE_TOKEN");
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run {
            out: self.cmd(args).output().unwrap(),
        }
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A tool the test needs. In CI (CI set) its absence is a failure: CI installs it. On a
/// developer's machine the test is skipped, loudly.
pub fn require_tool(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed, and CI must run this test"
        );
        eprintln!("SKIPPED: {name} is not installed");
    }
    found
}
