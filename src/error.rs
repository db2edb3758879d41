//! The one error type every command returns, its exit codes, and how it prints.

use crate::project::ConfigError;
use crate::render::RenderError;
use crate::window::WindowError;
use std::path::PathBuf;
use std::process::ExitCode;

/// Documented exit codes (README, `etl --help`).
pub mod exit {
    pub const OK: u8 = 0;
    /// The job or run failed.
    pub const FAILED: u8 = 1;
    /// Bad usage or a bad etl.yaml: fix the command or the file.
    pub const USAGE: u8 = 2;
    /// The cluster or the container engine failed or refused.
    pub const ENVIRONMENT: u8 = 3;
    /// A local I/O failure: a full disk, a file etl cannot read or write, a closed terminal.
    /// Nothing to fix in the command: the machine needs attention.
    pub const LOCAL_IO: u8 = 4;
    /// Ctrl-C.
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{flag}: {source}")]
    Window {
        flag: &'static str,
        source: WindowError,
    },
    #[error("{0}")]
    Render(#[from] RenderError),
    #[error("{message}{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Usage {
        message: String,
        hint: Option<String>,
    },
    #[error("no etl.yaml in {} or any parent directory\n  hint: run `etl init` to start a project here, or pass -f PATH", dir.display())]
    NoProject { dir: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{message}{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Environment {
        message: String,
        hint: Option<String>,
    },
    /// A Kubernetes API call failed: the message says what etl was doing, in words a data
    /// engineer can act on; the kube-rs error stays as the source (`-v` prints the chain).
    #[error("{message}{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Cluster {
        message: String,
        hint: Option<String>,
        #[source]
        source: Box<kube::Error>,
    },
    #[error("{0}")]
    Failed(String),
    #[error("interrupted")]
    Interrupted,
    /// The user answered "no" at a confirmation: not a failure, nothing was done.
    #[error("nothing done")]
    Declined,
}

impl Error {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    pub fn environment(message: impl Into<String>, hint: Option<String>) -> Error {
        Error::Environment {
            message: message.into(),
            hint,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_)
            | Error::Window { .. }
            | Error::Render(_)
            | Error::Usage { .. }
            | Error::NoProject { .. } => exit::USAGE,
            Error::Io { .. } => exit::LOCAL_IO,
            Error::Environment { .. } | Error::Cluster { .. } => exit::ENVIRONMENT,
            Error::Failed(_) => exit::FAILED,
            Error::Interrupted => exit::INTERRUPTED,
            Error::Declined => exit::OK,
        }
    }

    /// Prints the error once, on stderr, and gives the process's exit code. With `-v`, the
    /// chain of causes follows (a cluster error's kube-rs and connection errors).
    pub fn report(&self, verbose: u8) -> ExitCode {
        match self {
            // The run's own output already said why; etl adds one line.
            Error::Interrupted => eprintln!("etl: interrupted"),
            // The user's own choice: a note, not an error.
            Error::Declined => eprintln!("etl: nothing done"),
            other => {
                eprintln!("etl: error: {other}");
                if verbose > 0 {
                    let mut cause = std::error::Error::source(other);
                    while let Some(c) = cause {
                        eprintln!("  caused by: {c}");
                        cause = c.source();
                    }
                }
            }
        }
        ExitCode::from(self.exit_code())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
