//! The project: what `etl.yaml` declares, parsed and validated. Pure: takes the file's text and
//! returns values; finding and reading the file is the caller's job.

mod error;
mod model;
mod overrides;
mod retention;
mod scheduler;
mod workflow;

pub use error::{ConfigError, suggest};
pub use model::*;
pub use overrides::{apply_set, blame_set, coerce_config, typed_param};
pub use retention::{Retention, in_words};
pub use scheduler::Scheduler;
pub use workflow::{MAX_WORKFLOW_NAME, Task, Workflow};

use serde_saphyr::Location;
use std::path::Path;

/// The file name etl looks for in the current directory and its parents.
pub const FILE_NAME: &str = "etl.yaml";

/// Parses and validates the text of an etl.yaml. `file` is used in error messages only.
pub fn parse(file: &Path, text: &str) -> Result<Project, ConfigError> {
    let raw: RawProject =
        serde_saphyr::from_str(text).map_err(|e| ConfigError::from_yaml(file, &e).placed(text))?;
    raw.validate(file).map_err(|e| e.placed(text))
}

fn at(loc: Location) -> Option<(u64, u64)> {
    (loc.line() > 0).then(|| (loc.line(), loc.column()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EXAMPLE: &str = include_str!("../../examples/air-quality/etl.yaml");

    #[test]
    fn without_an_image_section_the_dockerfile_is_dockerfile() {
        let p = parse(
            Path::new("etl.yaml"),
            "project: demo\njobs:\n  a: {command: [x]}\n",
        )
        .unwrap();
        assert_eq!(p.image.dockerfile, "Dockerfile");
        assert_eq!(p.image.context, ".");
    }

    #[test]
    fn the_example_project_parses() {
        let p = parse(Path::new("etl.yaml"), EXAMPLE).unwrap();
        assert_eq!(p.name, "air-quality");
        let job = p.job("daily-averages").unwrap();
        assert_eq!(job.timezone, "America/Los_Angeles");
        assert_eq!(job.retries, 2, "inherited from defaults");
        assert_eq!(job.labels["team"], "air");
        assert_eq!(
            job.config["min_readings"], 1,
            "param defaults fill the config"
        );
        assert_eq!(job.timeout_seconds, Some(1800));
        assert_eq!(
            p.job("sensor-report")
                .unwrap()
                .resources
                .memory
                .as_ref()
                .unwrap()
                .to_string(),
            "128Mi"
        );
        assert_eq!(
            p.job("sensor-report")
                .unwrap()
                .resources
                .cpu
                .as_ref()
                .unwrap()
                .to_string(),
            "250m"
        );
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(model::parse_duration("2h").unwrap().as_secs(), 7200);
        assert_eq!(model::parse_duration("1h 30m").unwrap().as_secs(), 5400);
        assert_eq!(model::parse_duration("1d").unwrap().as_secs(), 86400);
        assert_eq!(model::parse_duration("PT45S").unwrap().as_secs(), 45);
        assert!(model::parse_duration("soon").is_none());
    }

    #[test]
    fn quantities_follow_kubernetes() {
        for ok in ["500m", "2", "1.5", "8Gi", "512Mi", "1e3", "100k"] {
            assert!(model::is_quantity(ok), "{ok}");
        }
        for bad in ["8GB", "", "Gi", "1.2.3", "two", "5 Gi"] {
            assert!(!model::is_quantity(bad), "{bad}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever the bytes, parsing returns a value or an error, never a panic.
        #[test]
        fn any_text_never_panics(text in "\\PC{0,400}") {
            let _ = parse(Path::new("etl.yaml"), &text);
        }

        /// Near-misses of a real file (a character dropped, replaced or inserted anywhere)
        /// are the likeliest bad input: they never panic either.
        #[test]
        fn edited_example_never_panics(at in 0usize..2000, op in 0u8..3, c in proptest::char::any()) {
            let mut chars: Vec<char> = EXAMPLE.chars().collect();
            let at = at % chars.len();
            match op {
                0 => { chars.remove(at); }
                1 => chars[at] = c,
                _ => chars.insert(at, c),
            }
            let text: String = chars.into_iter().collect();
            if let Err(e) = parse(Path::new("etl.yaml"), &text) {
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}
