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

    /// An error in a command-line flag (`--set`, `--config`), named in `field`.
    pub fn flag(flag: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::new(Path::new(""), message).field(flag)
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
        let message = friendly(&strip_location(&message));
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

/// serde-saphyr says "error: line X column Y: ..." or "... at line X column Y"; we print
/// positions ourselves, as `file:line:col`.
fn strip_location(message: &str) -> String {
    let mut m = message.strip_prefix("error: ").unwrap_or(message);
    if m.starts_with("line ")
        && let Some(i) = m.find(": ")
    {
        m = &m[i + 2..];
    }
    match m.find(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m.to_string(),
    }
}

/// Serde's words for Rust types, in words a data engineer uses.
pub(crate) fn friendly(message: &str) -> String {
    let mut m = message.to_string();
    for (rust, plain) in [
        ("invalid u32", "expected a whole number (0 or more)"),
        ("expected u32", "expected a whole number (0 or more)"),
        ("invalid i64", "expected a whole number"),
        ("expected a sequence", "expected a list, like [a, b]"),
        ("expected a map", "expected a mapping of key: value lines"),
        (
            "expected mapping start",
            "expected a mapping of key: value lines",
        ),
    ] {
        m = m.replace(rust, plain);
    }
    m
}

/// serde's "unknown field `x`, expected one of `a`, `b`" → "did you mean `a`?".
fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (unknown, expected) = rest.split_once('`')?;
    let list = expected
        .split("expected one of ")
        .nth(1)
        .unwrap_or_default();
    let candidates: Vec<&str> = list
        .split(", ")
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| !c.is_empty())
        .collect();
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
        // Errors in a command-line flag have no file to point at.
        if !self.file.as_os_str().is_empty() {
            write!(f, "{}", self.file.display())?;
            if let Some((line, col)) = self.position {
                write!(f, ":{line}:{col}")?;
            }
            write!(f, ": ")?;
        }
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

/// The key a block-style YAML line defines, and its indentation: `    retries: 3` → (4, "retries").
fn key_of(line: &str) -> Option<(usize, &str)> {
    let indent = line.len() - line.trim_start().len();
    let body = line.trim_start().trim_start_matches("- ");
    if body.starts_with('#') {
        return None;
    }
    let (key, _) = body.split_once(':')?;
    let key = key.trim().trim_matches(['"', '\'']);
    (!key.is_empty() && !key.contains(' ')).then_some((indent, key))
}

/// The dotted path of the key on `line` (1-based), from the enclosing keys above it:
/// `jobs.ingest.retries`. Block-style YAML only; flow style gives what it can.
pub(crate) fn path_at(text: &str, line: u64) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let idx = usize::try_from(line).ok()?.checked_sub(1)?;
    let (mut indent, key) = key_of(lines.get(idx)?)?;
    let mut path = vec![key];
    for l in lines[..idx].iter().rev() {
        if let Some((i, k)) = key_of(l)
            && i < indent
        {
            path.push(k);
            indent = i;
            if i == 0 {
                break;
            }
        }
    }
    path.reverse();
    Some(path.join("."))
}

/// The line and column of the key at a dotted path (`jobs.ingest.resources`), found by walking
/// block-style YAML: each key must be indented deeper than its parent.
pub(crate) fn locate(text: &str, path: &str) -> Option<(u64, u64)> {
    let mut min_indent = 0usize;
    let mut start = 0usize;
    let lines: Vec<&str> = text.lines().collect();
    let mut found = None;
    for (depth, segment) in path.split('.').enumerate() {
        let (i, line) = lines.iter().enumerate().skip(start).find(|(_, l)| {
            key_of(l).is_some_and(|(ind, k)| k == segment && (depth == 0 || ind >= min_indent))
        })?;
        let indent = line.len() - line.trim_start().len();
        found = Some((i as u64 + 1, indent as u64 + 1));
        min_indent = indent + 1;
        start = i + 1;
    }
    found
}

impl ConfigError {
    /// Fills in what the error lacks from the file's text: the position of its field, or the
    /// field at its position.
    pub(crate) fn placed(mut self, text: &str) -> Self {
        match (&self.position, &self.field) {
            (None, Some(field)) if !field.starts_with('-') => {
                // The longest prefix of the path that the file spells out.
                let parts: Vec<&str> = field.split('.').collect();
                self.position = (1..=parts.len())
                    .rev()
                    .find_map(|n| locate(text, &parts[..n].join(".")));
            }
            (Some((line, _)), None) => self.field = path_at(text, *line),
            _ => {}
        }
        self.duplicate(text)
    }

    /// serde-saphyr's "duplicate mapping key: x, set DuplicateKeyPolicy in Options…" → which
    /// key, and both of its lines.
    fn duplicate(mut self, text: &str) -> Self {
        let (Some(field), Some((line, _))) = (&self.field, self.position) else {
            return self;
        };
        if !self.message.starts_with("duplicate mapping key") {
            return self;
        }
        let key = field.rsplit('.').next().unwrap_or(field);
        let lines = match locate(text, field) {
            Some((first, _)) if first != line => format!(" (lines {first}, {line})"),
            _ => String::new(),
        };
        self.message = match field.strip_prefix("jobs.") {
            Some(job) if !job.contains('.') => format!("job `{job}` is defined twice{lines}"),
            _ => format!("`{key}` is given twice{lines}"),
        };
        self.hint = Some("keep one of them".into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "project: demo\njobs:\n  ingest:\n    # comment: here\n    retries: 3\n  other:\n    resources:\n      memory: 8GB\n";

    #[test]
    fn path_at_a_line() {
        assert_eq!(path_at(YAML, 5).as_deref(), Some("jobs.ingest.retries"));
        assert_eq!(
            path_at(YAML, 8).as_deref(),
            Some("jobs.other.resources.memory")
        );
        assert_eq!(path_at(YAML, 1).as_deref(), Some("project"));
    }

    #[test]
    fn locate_a_path() {
        assert_eq!(locate(YAML, "jobs.other.resources.memory"), Some((8, 7)));
        assert_eq!(locate(YAML, "jobs.ingest"), Some((3, 3)));
        assert_eq!(locate(YAML, "jobs.missing"), None);
    }

    #[test]
    fn suggestions_need_to_be_close() {
        assert_eq!(
            suggest("schedul", ["schedule", "secrets"]),
            Some("schedule")
        );
        assert_eq!(suggest("xyz", ["schedule", "secrets"]), None);
    }
}
