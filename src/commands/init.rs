//! `etl init`: a commented etl.yaml, an example job, a Dockerfile for it and the default
//! templates, in this directory. Safe to run again: existing files are kept (or replaced with --force).

use super::Ctx;
use crate::cli::InitArgs;
use crate::error::{Error, Result};
use crate::project::FILE_NAME;
use crate::render::EMBEDDED;
use std::path::Path;
use std::process::ExitCode;

const ETL_YAML: &str = include_str!("init/etl.yaml");
const MAIN_PY: &str = include_str!("init/main.py");
/// What etl.yaml's `image.dockerfile` names, so that `etl build` works from the start.
const DOCKERFILE: &str = include_str!("init/Dockerfile");

/// `My_Project` → `my-project`, or `etl-project` when nothing usable is left.
fn project_name(raw: &str) -> String {
    let mut name = crate::project::to_dns_label(raw);
    name.truncate(40);
    let name = name.trim_end_matches('-').to_string();
    if name.is_empty() {
        "etl-project".into()
    } else {
        name
    }
}

pub fn init(ctx: &Ctx, args: InitArgs) -> Result<ExitCode> {
    let dir = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let name = match &args.name {
        Some(n) => {
            let clean = project_name(n);
            if &clean != n {
                return Err(Error::usage(
                    format!("`{n}` cannot name a project"),
                    format!("use lowercase letters, digits and '-', e.g. --name {clean}"),
                ));
            }
            clean
        }
        None => project_name(
            dir.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("etl-project"),
        ),
    };
    let mut files: Vec<(String, String)> = vec![
        (
            FILE_NAME.to_string(),
            ETL_YAML.replace("{{project}}", &name),
        ),
        ("main.py".to_string(), MAIN_PY.to_string()),
        ("Dockerfile".to_string(), DOCKERFILE.to_string()),
    ];
    files.extend(
        EMBEDDED
            .iter()
            .map(|(n, text)| (format!("templates/{n}"), text.to_string())),
    );

    for (path, text) in &files {
        let full = dir.join(path);
        let verb = match std::fs::read_to_string(&full) {
            Ok(existing) if &existing == text => "unchanged",
            Ok(_) if !args.force => "kept (exists; --force replaces it)",
            Ok(_) => write(&full, text, "replaced")?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => write(&full, text, "created")?,
            Err(e) => return Err(Error::io(full, e)),
        };
        ctx.term.note(format!("{verb:>9}  {path}"));
    }
    ctx.term.note(format!(
        "\nProject `{name}` is ready. Next:\n  etl jobs list\n  etl jobs run ingest --yesterday   (runs main.py here)\n  etl render ingest --yesterday     (the Kubernetes Job it would be)"
    ));
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, text: &str, verb: &'static str) -> Result<&'static str> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    // Write a sibling and rename it into place, so an interrupted init never leaves half a file.
    let tmp = path.with_extension("etl-tmp");
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    Ok(verb)
}

#[cfg(test)]
mod tests {
    use super::project_name;

    #[test]
    fn directory_names_become_valid_project_names() {
        assert_eq!(project_name("Air_Quality"), "air-quality");
        assert_eq!(project_name("--x--"), "x");
        assert_eq!(project_name("___"), "etl-project");
    }
}
