//! The values of etl.yaml's secrets on this machine: env vars, else the secret's dotenv file
//! (read carefully: a regular file, at most 1 MiB, errors that never show a value). I/O.

use super::project_files::display_path;
use crate::error::{Error, Result};
use crate::project::{Job, Project};
use crate::run::names;
use std::collections::HashMap;
use std::path::Path;

/// The values of one of etl.yaml's secrets: each key from the env var of the same name, else
/// from the secret's dotenv file. A missing key is an error before anything is applied.
pub fn secret_values(project: &Project, name: &str) -> Result<indexmap::IndexMap<String, String>> {
    let spec = &project.secrets[name];
    let mut from_file = std::collections::HashMap::new();
    if let Some(dotenv) = &spec.dotenv {
        let path = project.dir.join(dotenv);
        if path.exists() {
            let text = read_dotenv(&path)?;
            for item in dotenvy::from_read_iter(text.as_bytes()) {
                let (k, v) = item.map_err(|e| dotenv_error(&path, &text, e))?;
                from_file.insert(k, v);
            }
        }
    }
    let mut values = indexmap::IndexMap::new();
    let mut missing = Vec::new();
    for key in &spec.keys {
        match std::env::var(key)
            .ok()
            .or_else(|| from_file.get(key).cloned())
        {
            Some(v) => {
                values.insert(key.clone(), v);
            }
            None => missing.push(key.as_str()),
        }
    }
    if !missing.is_empty() {
        let whence = match &spec.dotenv {
            Some(f) => format!("set them in the environment or in {f}"),
            None => "set them in the environment, or give the secret a `dotenv:` file".into(),
        };
        return Err(Error::usage(
            format!("secret `{name}`: no value for {}", missing.join(", ")),
            whence,
        ));
    }
    Ok(values)
}

/// A dotenv file holds a few secrets: more than this is not one.
const DOTENV_MAX: u64 = 1 << 20;

/// Reads a dotenv file: a regular file only (a FIFO would block and `/dev/zero` never end;
/// checked before opening, since opening a FIFO already blocks), read up to `DOTENV_MAX`.
fn read_dotenv(path: &Path) -> Result<String> {
    use std::io::Read;
    let shown = display_path(path);
    let meta = std::fs::metadata(path).map_err(|e| Error::io(&shown, e))?;
    if !meta.is_file() {
        return Err(Error::usage(
            format!(
                "{}: a secret's dotenv file must be a regular file",
                shown.display()
            ),
            "point `dotenv:` in etl.yaml at a file of KEY=VALUE lines",
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(&shown, e))?;
    let mut bytes = Vec::new();
    file.take(DOTENV_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(&shown, e))?;
    if bytes.len() as u64 > DOTENV_MAX {
        return Err(Error::usage(
            format!("{}: this dotenv file is larger than 1 MiB", shown.display()),
            "point `dotenv:` in etl.yaml at a file of KEY=VALUE lines",
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::usage(
            format!("{}: this dotenv file is not UTF-8 text", shown.display()),
            "each line is KEY=VALUE",
        )
    })
}

/// A dotenv error that names the file and line, never the line's text: it may hold a secret.
fn dotenv_error(path: &Path, text: &str, e: dotenvy::Error) -> Error {
    let at = match &e {
        dotenvy::Error::LineParse(line, _) => text
            .find(line.as_str())
            .map(|i| format!(":{}", text[..i].matches('\n').count() + 1))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let what = match e {
        dotenvy::Error::LineParse(..) => "this line is not KEY=VALUE".to_string(),
        dotenvy::Error::Io(e) => e.to_string(),
        // Variable substitution names a variable, never a value.
        other => other.to_string(),
    };
    Error::usage(
        format!("{}{at}: {what}", display_path(path).display()),
        "each line is KEY=VALUE; quote a value that has spaces: KEY=\"a b\"",
    )
}

/// The values of the job's secrets, keyed by (Kubernetes Secret name, key), as the pod's
/// `secretKeyRef`s name them.
pub fn local_secrets(project: &Project, job: &Job) -> Result<HashMap<(String, String), String>> {
    let mut out = HashMap::new();
    for secret in &job.secrets {
        let k8s_name = names::secret_name(&project.name, secret);
        for (key, value) in secret_values(project, secret)? {
            out.insert((k8s_name.clone(), key), value);
        }
    }
    Ok(out)
}
