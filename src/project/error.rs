//! Configuration errors that point at the file, line and column to fix.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in etl.yaml (or in a `--set`/`--config` override of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line and column, when the problem comes from the file itself.
    pub position: Option<(u64, u64)>,
    /// Where in the document: `jobs.ingest.schedule`.
    pub field: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl ConfigError {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            position: None,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn at(mut self, position: Option<(u64, u64)>) -> Self {
        self.position = position;
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn from_yaml(file: &Path, e: &serde_saphyr::Error) -> Self {
        let position = e.location().and_then(super::at);
        // serde-saphyr renders the location and a snippet itself; we keep only the first line,
        // because we print the position in our own `file:line:col` form.
        let full = e.to_string();
        let message = full
            .lines()
            .next()
            .unwrap_or("invalid YAML")
            .trim()
            .trim_end_matches(|c: char| c == ':' || c.is_whitespace())
            .to_string();
        let message = strip_location_suffix(&message);
        let hint = unknown_field_hint(&message);
        ConfigError {
            file: file.to_path_buf(),
            position,
            field: None,
            message,
            hint,
        }
    }
}

/// serde-saphyr appends " at line X column Y"; we print positions ourselves.
fn strip_location_suffix(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// serde's "unknown field `x`, expected one of `a`, `b`" → "did you mean `a`?".
fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (unknown, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match suggest(unknown, candidates.iter().copied()) {
        Some(s) => Some(format!("did you mean `{s}`?")),
        None if !candidates.is_empty() => {
            Some(format!("expected one of: {}", candidates.join(", ")))
        }
        None => None,
    }
}

/// The closest candidate to a misspelt name, if one is close enough to be what was meant.
pub fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
