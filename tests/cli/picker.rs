//! The picker and prompts of `etl jobs run`, driven as a person would: the real binary in a
//! pseudo-terminal (expectrl), keys typed, the screen read. Every wait has a timeout, and the
//! session is killed when a test ends, so a test that goes wrong fails instead of hanging.
//!
//! Each run goes through `sh`, which sends etl's stdout to a file (so prompts can be shown to be
//! on stderr only), then prints `[exit=N]` and `stty -a` (so the terminal's mode after etl is
//! checked too).

use crate::common::{NOW, Sandbox, require_tool};
use expectrl::Session;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const DOWN: &str = "\x1b[B";
const ESC: &str = "\x1b";
const CTRL_C: &str = "\x03";

struct Pty {
    session: Session,
    /// Everything etl (and sh) wrote to the terminal so far.
    seen: String,
    stdout: PathBuf,
}

impl Pty {
    fn spawn(s: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Pty {
        let stdout = s.data.path().join("stdout.txt");
        let mut c = Command::new("sh");
        // The trap keeps sh alive through a Ctrl-C meant for etl (etl gets the default action
        // back, as trapped signals are reset on exec).
        c.arg("-c")
            .arg(
                r#"trap : INT; stty cols 160 rows 40; "$@" >"$PICKER_STDOUT"; echo "[exit=$?]"; stty -a"#,
            )
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_etl"))
            .args(args)
            .current_dir(s.path())
            .env("PICKER_STDOUT", &stdout)
            .env("ETL_NOW", NOW)
            .env("ETL_USER", "ana")
            .env("ETL_DATA_DIR", s.data.path())
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .env_remove("CI")
            .env_remove("ETL_FILE")
            .env_remove("WAREHOUSE_TOKEN");
        for (k, v) in env {
            c.env(k, v);
        }
        let mut session = Session::spawn(c).expect("spawn etl in a pseudo-terminal");
        // Generous: a loaded CI machine, a debug build, python starting.
        session.set_expect_timeout(Some(Duration::from_secs(60)));
        Pty {
            session,
            seen: String::new(),
            stdout,
        }
    }

    /// Waits (60s at most) for the first `text` on the terminal; what came before it.
    fn expect(&mut self, text: &str) -> String {
        match self.session.expect(text) {
            Ok(found) => {
                let before = String::from_utf8_lossy(found.before()).into_owned();
                self.seen.push_str(&before);
                self.seen.push_str(text);
                before
            }
            Err(e) => {
                let mut rest = vec![0u8; 1 << 16];
                let n = self.session.try_read(&mut rest).unwrap_or(0);
                panic!(
                    "waiting for {text:?}: {e}\n--- the terminal so far:\n{}\n--- then:\n{}",
                    self.seen,
                    String::from_utf8_lossy(&rest[..n])
                )
            }
        }
    }

    /// Types `keys`, after a moment for the prompt to start reading them.
    fn send(&mut self, keys: &str) {
        std::thread::sleep(Duration::from_millis(200));
        self.session.send(keys).expect("type into the terminal");
    }

    /// Waits for etl to end; its exit code.
    fn exit_code(&mut self) -> i32 {
        self.expect("[exit=");
        let code = self.expect("]");
        // The rest of `stty -a`.
        self.expect("icanon");
        code.parse().unwrap()
    }

    fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// The terminal is as etl found it: cursor visible, line editing on.
    fn assert_terminal_sane(&self) {
        if let Some(hidden) = self.seen.rfind("\x1b[?25l") {
            let shown = self.seen.rfind("\x1b[?25h");
            assert!(
                shown.is_some_and(|s| s > hidden),
                "the cursor was left hidden:\n{:?}",
                self.seen
            );
        }
        assert!(
            !self.seen.contains("-icanon"),
            "the terminal was left in raw mode:\n{}",
            self.seen
        );
    }
}

/// No run was recorded or started.
fn assert_nothing_ran(s: &Sandbox, pty: &Pty) {
    let out = pty.stdout();
    assert!(out.is_empty(), "the job ran:\n{out}");
    let r = s.run(&["runs", "--local"]).expect(0);
    assert!(
        !r.stdout().contains("daily-averages") && !r.stdout().contains("sensor-report"),
        "a run was recorded:\n{}",
        r.stdout()
    );
}

#[test]
fn pick_a_job_a_window_and_params_then_run_it() {
    if !require_tool("python3") {
        return;
    }
    let s = Sandbox::example();
    let mut pty = Pty::spawn(&s, &["jobs", "run"], &[]);
    pty.expect("Job (type to filter)");
    pty.expect("sensor-report");
    pty.send("daily");
    pty.expect("Average each sensor's readings over a day");
    pty.send("\r");
    pty.expect("Window (in America/Los_Angeles)");
    pty.expect("yesterday  [2026-11-22T00:00:00-08:00, 2026-11-23T00:00:00-08:00)");
    pty.expect("a custom range");
    pty.send("\r");
    pty.expect("pollutant (choice) — Which pollutant to average");
    pty.expect("no2");
    pty.send(DOWN);
    pty.send("\r");
    pty.expect(
        "min_readings (int) — Skip sensors with fewer readings than this in the window [1]:",
    );
    pty.send("\r");
    pty.expect("Run daily-averages");
    pty.expect(
        "window  [2026-11-22T00:00:00-08:00, 2026-11-23T00:00:00-08:00) (America/Los_Angeles)",
    );
    pty.expect("params  pollutant=no2 min_readings=1");
    pty.expect("Run daily-averages now?");
    pty.send("y");
    pty.expect("next time: etl jobs run daily-averages --yesterday --config pollutant=no2\r\n");
    assert_eq!(pty.exit_code(), 0, "{}", pty.seen);
    pty.assert_terminal_sane();

    let out = pty.stdout();
    assert!(
        out.contains("daily-averages window 2026-11-22T00:00:00-08:00 2026-11-23T00:00:00-08:00"),
        "{out}"
    );
    assert!(out.contains("oakland-01: mean no2"), "{out}");
    assert!(
        !out.contains("Window") && !out.contains("next time"),
        "prompts and notes belong on stderr, not stdout:\n{out}"
    );
    let runs = s.run(&["runs", "--local"]).expect(0).stdout();
    assert!(runs.contains("daily-averages"), "{runs}");
}

#[test]
fn typed_answers_are_checked_in_place_and_flags_are_not_asked_again() {
    if !require_tool("python3") {
        return;
    }
    let s = Sandbox::example();
    let mut pty = Pty::spawn(
        &s,
        &[
            "jobs",
            "run",
            "daily-averages",
            "--config",
            "pollutant=no2",
            "--yes",
        ],
        &[],
    );
    pty.expect("Window (in America/Los_Angeles)");
    pty.expect("a custom range");
    pty.send(&DOWN.repeat(3));
    pty.send("\r");
    pty.expect("Date (YYYY-MM-DD) [2026-11-22]:");
    pty.send("2026-13-01\r");
    pty.expect("`2026-13-01` is not a date (YYYY-MM-DD)");
    pty.send(&"\x7f".repeat(10));
    pty.send("2026-11-21\r");
    pty.expect("= [2026-11-21T00:00:00-08:00, 2026-11-22T00:00:00-08:00)");
    pty.expect("min_readings (int)");
    pty.send("lots\r");
    pty.expect("`min_readings` is an int, `lots` is not");
    pty.send(&"\x7f".repeat(4));
    pty.send("2\r");
    pty.expect(
        "next time: etl jobs run daily-averages --date 2026-11-21 --config pollutant=no2 \
         --config min_readings=2",
    );
    assert_eq!(pty.exit_code(), 0, "{}", pty.seen);
    pty.assert_terminal_sane();
    assert!(
        !pty.seen.contains("pollutant (choice)"),
        "--config pollutant was asked again:\n{}",
        pty.seen
    );
    assert!(
        !pty.seen.contains("now?"),
        "--yes still asked for confirmation:\n{}",
        pty.seen
    );
    assert!(
        pty.stdout().contains("oakland-01: mean no2"),
        "{}",
        pty.stdout()
    );
}

#[test]
fn esc_at_the_window_prompt_runs_nothing() {
    let s = Sandbox::example();
    let mut pty = Pty::spawn(&s, &["jobs", "run"], &[]);
    pty.expect("Job (type to filter)");
    pty.expect("sensor-report");
    pty.send("sensor");
    pty.send("\r");
    pty.expect("Window (in America/Los_Angeles)");
    pty.expect("a custom range");
    pty.send(ESC);
    pty.expect("cancelled: nothing was started");
    assert_eq!(pty.exit_code(), 130, "{}", pty.seen);
    pty.assert_terminal_sane();
    assert_nothing_ran(&s, &pty);
}

#[test]
fn ctrl_c_at_a_prompt_runs_nothing_and_shows_the_cursor() {
    let s = Sandbox::example();
    let mut pty = Pty::spawn(&s, &["jobs", "run", "daily-averages"], &[]);
    pty.expect("Window (in America/Los_Angeles)");
    pty.expect("a custom range");
    pty.send("\r");
    pty.expect("pollutant (choice)");
    pty.expect("no2");
    pty.send(CTRL_C);
    assert_eq!(pty.exit_code(), 130, "{}", pty.seen);
    pty.assert_terminal_sane();
    assert!(pty.seen.contains("etl: interrupted"), "{}", pty.seen);
    assert_nothing_ran(&s, &pty);
}

#[test]
fn no_at_the_confirmation_runs_nothing_and_is_not_an_error() {
    let s = Sandbox::example();
    let mut pty = Pty::spawn(&s, &["jobs", "run", "sensor-report"], &[]);
    pty.expect("Window (in America/Los_Angeles)");
    pty.expect("a custom range");
    pty.send("\r");
    pty.expect("Run sensor-report now?");
    pty.send("n");
    pty.expect("etl: nothing done");
    assert_eq!(
        pty.exit_code(),
        0,
        "declining is not a failure: {}",
        pty.seen
    );
    pty.assert_terminal_sane();
    assert!(!pty.seen.contains("interrupted"), "{}", pty.seen);
    assert_nothing_ran(&s, &pty);
}

/// Params without a default: the command line runs without them, and so does the picker.
const OPTIONAL_PARAMS: &str = "project: demo
jobs:
  report:
    command: [sh, -c, 'echo \"config $3\"']
    params:
      day: {type: date, help: Only this day}
      mode: {type: choice, choices: [fast, full]}
      dry: {type: bool}
";

#[test]
fn params_without_a_default_may_stay_unset_as_on_the_command_line() {
    let s = Sandbox::new();
    s.write("etl.yaml", OPTIONAL_PARAMS);
    let cli = s.run(&["jobs", "run", "report", "--yesterday"]).expect(0);
    assert_eq!(cli.stdout(), "config {}\n");

    let mut pty = Pty::spawn(&s, &["jobs", "run", "report"], &[]);
    pty.expect("Window (in UTC)");
    pty.expect("a custom range");
    pty.send("\r");
    pty.expect("day (date) — Only this day:");
    pty.send("\r");
    pty.expect("mode (choice)");
    pty.expect("(not set)");
    pty.send("\r");
    pty.expect("dry (bool)");
    pty.expect("(not set)");
    pty.send("\r");
    pty.expect("Run report now?");
    pty.send("y");
    assert_eq!(pty.exit_code(), 0, "{}", pty.seen);
    assert!(!pty.seen.contains("needs a value"), "{}", pty.seen);
    assert_eq!(
        pty.stdout(),
        cli.stdout(),
        "the picker and the flags differ"
    );
}

#[test]
fn a_given_job_and_window_ask_nothing() {
    if !require_tool("python3") {
        return;
    }
    let s = Sandbox::example();
    let mut pty = Pty::spawn(&s, &["jobs", "run", "sensor-report", "--yesterday"], &[]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.seen);
    assert!(!pty.seen.contains("next time"), "{}", pty.seen);
    assert!(pty.stdout().contains("oakland-01:"), "{}", pty.stdout());
}

#[test]
fn without_a_terminal_a_missing_job_or_window_names_the_flags() {
    let s = Sandbox::example();
    // stdin is not a terminal here.
    let r = s.run(&["jobs", "run"]).expect(2);
    r.stderr_has("which job? `etl jobs run` needs a job and a window");
    assert!(
        r.stderr().contains(
            "e.g. etl jobs run daily-averages --yesterday (the jobs are: daily-averages, sensor-report)"
        ),
        "{}",
        r.stderr()
    );
    let r = s.run(&["jobs", "run", "daily-averages"]).expect(2);
    assert!(
        r.stderr()
            .contains("which window should `daily-averages` process?")
            && r.stderr()
                .contains("--yesterday, --today, --last-week, --date YYYY-MM-DD"),
        "{}",
        r.stderr()
    );
}

#[test]
fn on_a_terminal_no_input_or_ci_still_never_asks() {
    let s = Sandbox::example();
    let mut pty = Pty::spawn(&s, &["--no-input", "jobs", "run"], &[]);
    assert_eq!(pty.exit_code(), 2, "{}", pty.seen);
    assert!(pty.seen.contains("which job?"), "{}", pty.seen);
    assert!(!pty.seen.contains("type to filter"), "{}", pty.seen);

    let mut pty = Pty::spawn(&s, &["jobs", "run", "daily-averages"], &[("CI", "1")]);
    assert_eq!(pty.exit_code(), 2, "{}", pty.seen);
    assert!(pty.seen.contains("which window"), "{}", pty.seen);
    assert!(!pty.seen.contains("Window (in"), "{}", pty.seen);
    assert_nothing_ran(&s, &pty);
}
