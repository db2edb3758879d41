//! The terminal: what is a terminal, colour, and etl's own messages on stderr. Decisions are
//! made once, at start-up, by pure functions that are tested on their own.

pub mod prompt;

use std::io::IsTerminal;

/// How etl talks on stderr for this invocation.
#[derive(Clone, Copy, Debug)]
pub struct Term {
    pub quiet: bool,
    pub verbose: u8,
    pub color: bool,
    /// Whether to draw progress (spinners): stderr is a terminal and not --quiet. Otherwise
    /// progress is plain lines, or nothing.
    pub progress: bool,
    /// Whether etl may ask questions: stdin and stderr are terminals, no `--no-input`, no CI.
    pub interactive: bool,
}

/// Colour only on a terminal, never with NO_COLOR (any value) or TERM=dumb.
pub fn use_color(stderr_is_tty: bool, no_color: Option<&str>, term: Option<&str>) -> bool {
    stderr_is_tty && no_color.is_none() && term != Some("dumb")
}

/// Prompts only when both ends are a person: never in CI, never with --no-input.
pub fn may_prompt(
    stdin_is_tty: bool,
    stderr_is_tty: bool,
    no_input: bool,
    ci: Option<&str>,
) -> bool {
    stdin_is_tty
        && stderr_is_tty
        && !no_input
        && ci.is_none_or(|v| v.is_empty() || v == "false" || v == "0")
}

impl Term {
    pub fn detect(quiet: bool, verbose: u8, no_input: bool) -> Term {
        let stderr_tty = std::io::stderr().is_terminal();
        Term {
            progress: stderr_tty && !quiet,
            quiet,
            verbose,
            color: use_color(
                stderr_tty,
                std::env::var("NO_COLOR").ok().as_deref(),
                std::env::var("TERM").ok().as_deref(),
            ),
            interactive: may_prompt(
                std::io::stdin().is_terminal(),
                stderr_tty,
                no_input,
                std::env::var("CI").ok().as_deref(),
            ),
        }
    }

    /// A note about what etl is doing (stderr; hidden with --quiet).
    pub fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            if self.color {
                eprintln!("\x1b[2m{}\x1b[0m", msg.as_ref());
            } else {
                eprintln!("{}", msg.as_ref());
            }
        }
    }

    /// Something the user should act on (stderr; shown even with --quiet).
    pub fn warn(&self, msg: impl AsRef<str>) {
        if self.color {
            eprintln!("\x1b[33mwarning:\x1b[0m {}", msg.as_ref());
        } else {
            eprintln!("warning: {}", msg.as_ref());
        }
    }
}

/// A spinner on stderr saying what is being waited for, with the time so far. Only for when
/// `Term::progress` says so; call `finish_and_clear` when done.
pub fn spinner(doing: &str) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {wide_msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(doing.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Lays out rows under headers, columns padded to their widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(headers.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// [`table`], written to `out` row by row: `rows` is called twice, once to measure the
/// columns and once to write, so no row is kept (for lists of any length).
pub fn write_table<I: Iterator<Item = Vec<String>>>(
    out: &mut dyn std::io::Write,
    headers: &[&str],
    rows: impl Fn() -> I,
) -> std::io::Result<()> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows() {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut line = |cells: &[&str]| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(headers)?;
    for row in rows() {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_needs_a_terminal_and_respects_no_color() {
        assert!(use_color(true, None, Some("xterm-256color")));
        assert!(!use_color(false, None, Some("xterm")));
        assert!(
            !use_color(true, Some(""), Some("xterm")),
            "NO_COLOR with any value disables colour"
        );
        assert!(!use_color(true, None, Some("dumb")));
    }

    #[test]
    fn never_prompts_in_ci_or_without_a_terminal() {
        assert!(may_prompt(true, true, false, None));
        assert!(!may_prompt(false, true, false, None));
        assert!(!may_prompt(true, false, false, None));
        assert!(!may_prompt(true, true, true, None));
        assert!(!may_prompt(true, true, false, Some("true")));
        assert!(may_prompt(true, true, false, Some("false")));
    }

    #[test]
    fn table_pads_columns() {
        let t = table(
            &["JOB", "SCHEDULE"],
            &[
                vec!["ingest".into(), "0 2 * * *".into()],
                vec!["a".into(), "-".into()],
            ],
        );
        assert_eq!(t, "JOB     SCHEDULE\ningest  0 2 * * *\na       -\n");
    }

    #[test]
    fn a_written_table_is_the_same_table() {
        let rows = [
            vec![
                "ingest".to_string(),
                "0 2 * * *".to_string(),
                "Ω".to_string(),
            ],
            vec!["a".to_string(), "-".to_string(), String::new()],
        ];
        let mut out = Vec::new();
        write_table(&mut out, &["JOB", "SCHEDULE", "X"], || rows.iter().cloned()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            table(&["JOB", "SCHEDULE", "X"], &rows)
        );
    }
}
