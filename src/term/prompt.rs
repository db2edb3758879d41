//! Questions on the terminal: a fuzzy picker, a menu, a yes/no and a line of text checked when
//! it is entered. I/O, on stderr only (stdout stays for results).
//!
//! Esc or Ctrl-C at any question gives `Cancelled`. While a `Prompter` lives, SIGINT only raises
//! a flag (so Ctrl-C between two questions cancels too, instead of killing etl with the cursor
//! hidden); when it is dropped the cursor is shown and SIGINT's previous handling restored.
//! dialoguer and console restore the terminal's mode after every key they read, so no raw mode
//! outlives a question.

use console::{Key, Term, measure_text_width};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, FuzzySelect, Select};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why a question got no answer.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("cancelled")]
    Cancelled,
    #[error("the terminal: {0}")]
    Terminal(io::Error),
}

impl From<io::Error> for PromptError {
    fn from(e: io::Error) -> PromptError {
        if e.kind() == io::ErrorKind::Interrupted || SIGINT.load(Ordering::SeqCst) {
            PromptError::Cancelled
        } else {
            PromptError::Terminal(e)
        }
    }
}

impl From<dialoguer::Error> for PromptError {
    fn from(e: dialoguer::Error) -> PromptError {
        let dialoguer::Error::IO(e) = e;
        e.into()
    }
}

type Answer<T> = Result<T, PromptError>;

/// Set by the SIGINT handler a `Prompter` installs.
static SIGINT: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: nix::libc::c_int) {
    // Only an atomic store: async-signal-safe.
    SIGINT.store(true, Ordering::SeqCst);
}

/// Asks questions on stderr. Create one only when `Term::interactive` says a person is there.
pub struct Prompter {
    term: Term,
    theme: Box<dyn Theme>,
    previous: Option<SigAction>,
}

impl Prompter {
    pub fn new(color: bool) -> Prompter {
        SIGINT.store(false, Ordering::SeqCst);
        let action = SigAction::new(
            SigHandler::Handler(on_sigint),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe; the previous
        // action is put back in `drop`.
        let previous = unsafe { sigaction(Signal::SIGINT, &action) }.ok();
        Prompter {
            term: Term::stderr(),
            theme: if color {
                Box::new(ColorfulTheme::default())
            } else {
                Box::new(SimpleTheme)
            },
            previous,
        }
    }

    /// Ctrl-C may have arrived between two questions, while the terminal was not in raw mode.
    fn check(&self) -> Answer<()> {
        if SIGINT.load(Ordering::SeqCst) {
            return Err(PromptError::Cancelled);
        }
        Ok(())
    }

    fn answer<T>(&self, r: dialoguer::Result<Option<T>>) -> Answer<T> {
        self.check()?;
        r?.ok_or(PromptError::Cancelled)
    }

    /// Pick one of `items` by typing part of it (fuzzy) and Enter.
    pub fn fuzzy(&self, prompt: &str, items: &[String]) -> Answer<usize> {
        self.check()?;
        let r = FuzzySelect::with_theme(&*self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .max_length(12)
            .interact_on_opt(&self.term);
        self.answer(r)
    }

    /// Pick one of `items` with the arrow keys.
    pub fn select(&self, prompt: &str, items: &[String], default: usize) -> Answer<usize> {
        self.check()?;
        let r = Select::with_theme(&*self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact_on_opt(&self.term);
        self.answer(r)
    }

    pub fn confirm(&self, prompt: &str, default: bool) -> Answer<bool> {
        self.check()?;
        let r = Confirm::with_theme(&*self.theme)
            .with_prompt(prompt)
            .default(default)
            .wait_for_newline(false)
            .interact_on_opt(&self.term);
        self.answer(r)
    }

    /// A line of text; Enter on an empty line takes `default`. An answer `check` refuses is
    /// not taken: its reason is shown under the question, which is asked again with the text
    /// still there to fix. (dialoguer's `Input` ignores Esc, hence this.)
    pub fn text(
        &self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Answer<String> {
        self.check()?;
        let t = &self.term;
        let mut head = String::new();
        let _ = self.theme.format_input_prompt(&mut head, prompt, default);
        let mut typed = String::new();
        let mut error_rows = 0;
        loop {
            let shown = format!("{head}{typed}");
            t.write_str(&shown)?;
            t.flush()?;
            let key = t.read_key();
            self.clear(&shown)?;
            self.check()?;
            match key? {
                Key::Escape => {
                    t.clear_last_lines(error_rows)?;
                    return Err(PromptError::Cancelled);
                }
                Key::Enter => {
                    let value = match default {
                        Some(d) if typed.trim().is_empty() => d.to_string(),
                        _ => typed.trim().to_string(),
                    };
                    t.clear_last_lines(error_rows)?;
                    match check(&value) {
                        Ok(()) => {
                            let mut done = String::new();
                            let _ = self
                                .theme
                                .format_input_prompt_selection(&mut done, prompt, &value);
                            t.write_line(&done)?;
                            return Ok(value);
                        }
                        Err(reason) => {
                            let mut line = String::new();
                            let _ = self.theme.format_error(&mut line, &reason);
                            t.write_line(&line)?;
                            error_rows = self.rows(&line);
                        }
                    }
                }
                Key::Backspace => {
                    typed.pop();
                }
                Key::Char(c) if !c.is_control() => typed.push(c),
                _ => {}
            }
        }
    }

    /// A line of etl's own (a summary, a resolved window), with the questions on stderr.
    pub fn say(&self, line: &str) -> Answer<()> {
        self.term.write_line(line)?;
        Ok(())
    }

    /// How many terminal rows `s` takes, wrapped at the terminal's width.
    fn rows(&self, s: &str) -> usize {
        let width = usize::from(self.term.size().1.max(1));
        measure_text_width(s).saturating_sub(1) / width + 1
    }

    /// Erases `s`, written from the start of a line with the cursor still after it.
    fn clear(&self, s: &str) -> io::Result<()> {
        self.term.clear_line()?;
        for _ in 1..self.rows(s) {
            self.term.move_cursor_up(1)?;
            self.term.clear_line()?;
        }
        Ok(())
    }
}

impl Drop for Prompter {
    fn drop(&mut self) {
        if SIGINT.load(Ordering::SeqCst) {
            // Ctrl-C leaves the question on screen: what etl says next starts on a new line.
            let _ = self.term.write_line("");
        }
        let _ = self.term.show_cursor();
        if let Some(previous) = &self.previous {
            // SAFETY: puts back the action that was there before `new`.
            let _ = unsafe { sigaction(Signal::SIGINT, previous) };
        }
    }
}
