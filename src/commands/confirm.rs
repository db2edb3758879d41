//! Asking before doing something that cannot be undone: `--yes`, or a question on a terminal,
//! or a refusal that names `--yes` without one. I/O (the terminal).

use crate::error::{Error, Result};
use crate::term::Term;

/// Goes ahead with `--yes`; otherwise asks `question` on a terminal, and without one refuses,
/// naming `--yes` (`what` says what needs confirmation). "No" is `Error::Declined`.
pub fn confirm_or_yes(term: &Term, yes: bool, what: &str, question: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !term.interactive {
        return Err(Error::usage(
            format!("{what} needs confirmation"),
            "pass --yes",
        ));
    }
    if confirm(term, question)? {
        Ok(())
    } else {
        Err(Error::Declined)
    }
}

/// A yes/no question on the terminal (only ask when `term.interactive`). Esc or Ctrl-C is
/// `Error::Interrupted`; a "no" is for the caller to turn into `Error::Declined`.
pub fn confirm(term: &Term, question: &str) -> Result<bool> {
    use crate::term::prompt::{PromptError, Prompter};
    match Prompter::new(term.color).confirm(question, false) {
        Ok(answer) => Ok(answer),
        Err(PromptError::Cancelled) => Err(Error::Interrupted),
        Err(PromptError::Terminal(e)) => Err(Error::io("the terminal", e)),
    }
}
